/*
 * DOC: unit tests for src/detect — the North Korea outage of 22-23 December
 * 2014 as a visible-/24 series: exact start and end from the updates that
 * crossed, short dips cancelled, the baseline not pulled down by the outage,
 * warm-up and the small-entity floor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "detect/detect.h"

#define T_20DEC 1419033600u /* 2014-12-20T00:00:00Z */
#define T_OUT	1419264921u /* 2014-12-22T16:15:21Z */
#define T_BACK	1419299178u /* 2014-12-23T01:46:18Z */

struct log {
	int open, escalate, close, cancel;
	struct det_event last;
};

static void on_event(void *ctx, enum det_change what, const struct det_event *ev)
{
	struct log *l = ctx;
	switch (what) {
	case DET_OPEN:
		l->open++;
		break;
	case DET_ESCALATE:
		l->escalate++;
		break;
	case DET_CLOSE:
		l->close++;
		l->last = *ev;
		break;
	case DET_CANCEL:
		l->cancel++;
		break;
	}
}

static struct det_level *make(struct log *l)
{
	struct det_level_opts o;
	det_level_opts_default(&o);
	o.on_event = on_event;
	o.ctx = l;
	return det_level_new(&o);
}

static void north_korea_outage_exact(void **state)
{
	struct log l = {0};
	struct det_level *d = make(&l);

	det_level_update(d, T_20DEC, 4);
	/* two days of flapping: withdrawn for 20 s every hour, back after */
	for (uint32_t t = T_20DEC + 3600; t < T_OUT - 3600; t += 3600) {
		det_level_update(d, t, 0);
		det_level_update(d, t + 20, 4);
	}
	assert_int_equal(l.close, 0); /* dips shorter than 60 s are not events */
	assert_true(l.cancel > 40);
	assert_true(det_level_baseline(d) == 4.0);

	int cancels = l.cancel;
	det_level_update(d, T_OUT, 0);
	assert_int_equal(l.open, cancels + 1);
	/* half a day of darkness must not move the baseline */
	det_level_tick(d, T_BACK - 1);
	assert_true(det_level_baseline(d) == 4.0);
	det_level_update(d, T_BACK, 4);
	assert_int_equal(l.close, 1);
	assert_int_equal(l.last.start, T_OUT);
	assert_int_equal(l.last.end, T_BACK);
	assert_int_equal(l.last.end - l.last.start, 34257); /* 9 h 30 min 57 s */
	assert_int_equal(l.last.kind, DET_OUTAGE);
	assert_int_equal(l.last.severity, DET_CRITICAL);
	assert_true(l.last.baseline == 4.0);
	assert_true(l.last.min == 0.0);
	/* score: 100 % drop for 570.95 minutes */
	assert_true(l.last.score > 570.9 && l.last.score < 571.0);
	det_level_free(d);
}

static void partial_then_escalation(void **state)
{
	struct log l = {0};
	struct det_level *d = make(&l);

	det_level_update(d, T_20DEC, 4);
	det_level_tick(d, T_20DEC + 7200);
	det_level_update(d, T_20DEC + 7300, 3); /* one /24 lost: partial */
	assert_int_equal(l.open, 1);
	det_level_update(d, T_20DEC + 7400, 1); /* 25 %: critical */
	assert_int_equal(l.escalate, 1);
	det_level_update(d, T_20DEC + 7500, 3); /* still below 99 %: open */
	det_level_update(d, T_20DEC + 9000, 4);
	assert_int_equal(l.close, 1);
	assert_int_equal(l.last.start, T_20DEC + 7300);
	assert_int_equal(l.last.end, T_20DEC + 9000);
	assert_int_equal(l.last.kind, DET_OUTAGE);
	assert_true(l.last.min == 1.0);
	det_level_free(d);
}

static void warmup_and_small_entities(void **state)
{
	struct log l = {0};
	struct det_level *d = make(&l);

	/* within the first hour nothing is raised */
	det_level_update(d, T_20DEC, 4);
	det_level_update(d, T_20DEC + 900, 0);
	det_level_update(d, T_20DEC + 1900, 4);
	assert_int_equal(l.open, 0);
	det_level_free(d);

	/* an entity with less than one block of baseline raises nothing */
	memset(&l, 0, sizeof(l));
	d = make(&l);
	det_level_update(d, T_20DEC, 0);
	det_level_tick(d, T_20DEC + 86400);
	det_level_update(d, T_20DEC + 86400, 0);
	assert_int_equal(l.open, 0);
	det_level_free(d);
}

static void new_level_is_learnt(void **state)
{
	struct log l = {0};
	struct det_level *d = make(&l);

	/* 100 blocks for a day, then a lasting drop to 80: an event opens and
	 * shields the baseline for 7 days; then 80 becomes the baseline and the
	 * event closes */
	det_level_update(d, T_20DEC, 100);
	det_level_tick(d, T_20DEC + 86400);
	det_level_update(d, T_20DEC + 86400, 80);
	assert_int_equal(l.open, 1);
	det_level_tick(d, T_20DEC + 86400 + 6 * 86400);
	assert_int_equal(l.close, 0);
	assert_true(det_level_baseline(d) == 100.0);
	for (uint32_t t = T_20DEC + 7 * 86400; t <= T_20DEC + 10 * 86400; t += 300)
		det_level_tick(d, t);
	assert_true(det_level_baseline(d) == 80.0);
	assert_int_equal(l.close, 1);
	assert_true(l.last.end > l.last.start + 7 * 86400);
	det_level_free(d);
}

/* ------------------------------------------------------------ det_rate */

static struct det_rate *make_rate(struct log *l)
{
	struct det_rate_opts o;
	det_rate_opts_default(&o);
	o.on_event = on_event;
	o.ctx = l;
	return det_rate_new(&o);
}

/*
 * Rising flaps, by hand: 4 hits (four /24s) every 900 s from 7200 s on,
 * 8 per 900 s in the next hour, 12 in the one after.  The count in the
 * last hour reaches the floor of 8 at the second group (9000 s); it reaches
 * 4 x 8 = 32 at 15300 s (4+8+8+8+...: groups at 12600..15300 hold
 * 8+8+8+8); the last hit is at 18900 s and the event closes when it leaves
 * the window.  Hourly counts 16, 32, 48: a trend of +16 per hour.
 */
static void rate_rising_flaps(void **state)
{
	struct log l = {0};
	struct det_rate *d = make_rate(&l);
	uint32_t t0 = T_20DEC;

	for (uint32_t t = t0; t < t0 + 7200; t += 300)
		det_rate_tick(d, t);
	assert_true(det_rate_baseline(d) == 0);
	det_rate_hit(d, t0 + 7200, 4);
	assert_int_equal(l.open, 0);
	det_rate_hit(d, t0 + 8100, 2);
	det_rate_hit(d, t0 + 8100, 1);
	assert_int_equal(l.open, 0); /* 7 */
	det_rate_hit(d, t0 + 9000, 4);
	assert_int_equal(l.open, 1);
	for (uint32_t t = t0 + 9900; t < t0 + 9000 + 3 * 3600; t += 900) {
		unsigned h = (t - t0 - 9000) / 3600;
		det_rate_hit(d, t, 4 * (h + 1));
		if (t < t0 + 15300)
			assert_int_equal(l.escalate, 0);
	}
	assert_int_equal(l.escalate, 1);
	det_rate_tick(d, t0 + 18900 + 3599);
	assert_int_equal(l.close, 0);
	det_rate_tick(d, t0 + 18900 + 3600);
	assert_int_equal(l.close, 1);
	assert_int_equal(l.last.kind, DET_INSTABILITY);
	assert_int_equal(l.last.severity, DET_CRITICAL);
	assert_int_equal(l.last.start, t0 + 9000);
	assert_int_equal(l.last.end, t0 + 18900);
	assert_int_equal(l.last.n_hourly, 3);
	assert_int_equal(l.last.hourly[0], 16);
	assert_int_equal(l.last.hourly[1], 32);
	assert_int_equal(l.last.hourly[2], 48);
	assert_true(l.last.trend > 15.99 && l.last.trend < 16.01);
	assert_true(l.last.score == 96);
	assert_true(l.last.rate_open == 11);
	assert_true(l.last.threshold == 8);
	/* the event's bins did not raise the baseline */
	assert_true(det_rate_baseline(d) == 0);
	det_rate_free(d);
}

/* Steady churn sets the baseline: 2 hits a bin is 24 an hour, the threshold 96. */
static void rate_baseline_and_warmup(void **state)
{
	struct log l = {0};
	struct det_rate *d = make_rate(&l);
	uint32_t t0 = T_20DEC;

	/* a burst during warm-up raises nothing */
	det_rate_hit(d, t0 + 10, 50);
	for (uint32_t t = t0 + 300; t < t0 + 2 * 86400; t += 300)
		det_rate_hit(d, t, 2);
	assert_int_equal(l.open, 0);
	assert_true(det_rate_baseline(d) == 24);
	det_rate_hit(d, t0 + 2 * 86400, 60); /* 24 + 60 < 96 */
	assert_int_equal(l.open, 0);
	det_rate_hit(d, t0 + 2 * 86400 + 1, 20);
	assert_int_equal(l.open, 1);
	det_rate_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(north_korea_outage_exact),
		cmocka_unit_test(partial_then_escalation),
		cmocka_unit_test(warmup_and_small_entities),
		cmocka_unit_test(new_level_is_learnt),
		cmocka_unit_test(rate_rising_flaps),
		cmocka_unit_test(rate_baseline_and_warmup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
