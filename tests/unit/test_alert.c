/*
 * DOC: unit tests for the alert gate (src/serve/serve_alert.c): one alert
 * per event and change, updates only on a new severity, closes only after
 * a sent open, the open delay (dips and short events never alert, a close
 * racing the delay sends both), cancels, the rate limit over any 60 s with
 * closes always going out, its summary, the cap on events followed, and a
 * change of max_per_minute.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "serve/serve_int.h"

enum { WARN = 1, CRIT = 2 };

static struct alert_gate g;

static int setup(void **state)
{
	(void)state;
	return alert_gate_init(&g, 16, 0);
}

static int teardown(void **state)
{
	(void)state;
	alert_gate_fini(&g);
	return 0;
}

/* offer() - event @key started at 1000, no delay unless given. */
static enum alert_verdict offer(enum alert_change what, uint64_t key, unsigned sev, int64_t now)
{
	return alert_gate_offer(&g, what, key, sev, 1000, what == ALERT_CLOSE ? now : 0, 0, now);
}

static void test_dedup(void **state)
{
	(void)state;
	assert_int_equal(offer(ALERT_OPEN, 1, WARN, 1000), ALERT_SEND);
	assert_int_equal(offer(ALERT_OPEN, 1, WARN, 1001), ALERT_QUIET);   /* once per event */
	assert_int_equal(offer(ALERT_UPDATE, 1, WARN, 1002), ALERT_QUIET); /* same severity */
	assert_int_equal(offer(ALERT_UPDATE, 1, CRIT, 1003), ALERT_SEND);
	assert_int_equal(offer(ALERT_UPDATE, 1, CRIT, 1004), ALERT_QUIET);
	assert_true(alert_gate_knows(&g, 1));
	assert_int_equal(offer(ALERT_CLOSE, 1, CRIT, 1005), ALERT_SEND);
	assert_false(alert_gate_knows(&g, 1));
	assert_int_equal(offer(ALERT_CLOSE, 1, CRIT, 1006), ALERT_QUIET); /* once */
	/* nothing was opened: no update, close or cancel */
	assert_int_equal(offer(ALERT_UPDATE, 2, CRIT, 1007), ALERT_QUIET);
	assert_int_equal(offer(ALERT_CLOSE, 2, CRIT, 1007), ALERT_QUIET);
	assert_int_equal(offer(ALERT_CANCEL, 2, CRIT, 1007), ALERT_QUIET);
	/* an id used again after its event was closed (or deleted) is a new event */
	assert_int_equal(offer(ALERT_OPEN, 1, WARN, 1010), ALERT_SEND);
	/* a cancel after a sent open (delay shorter than min_duration): a close */
	assert_int_equal(offer(ALERT_CANCEL, 1, WARN, 1011), ALERT_SEND_CANCEL);
	assert_false(alert_gate_knows(&g, 1));
	assert_int_equal(g.n, 0);
}

static void test_delay(void **state)
{
	uint64_t key;
	enum alert_verdict v;
	(void)state;

	/* a dip: cancelled within the delay */
	assert_int_equal(alert_gate_offer(&g, ALERT_OPEN, 7, WARN, 1000, 0, 60, 1000), ALERT_HOLD);
	assert_int_equal(alert_gate_due(&g, 1030, &key, &v), 0);
	assert_int_equal(alert_gate_offer(&g, ALERT_CANCEL, 7, WARN, 1000, 0, 60, 1030),
			 ALERT_HELD_BACK);
	assert_int_equal(alert_gate_due(&g, 2000, &key, &v), 0);

	/* closed within the delay (a real but short event): nothing either */
	assert_int_equal(alert_gate_offer(&g, ALERT_OPEN, 8, WARN, 1000, 0, 60, 1000), ALERT_HOLD);
	assert_int_equal(alert_gate_offer(&g, ALERT_CLOSE, 8, WARN, 1000, 1059, 60, 1059),
			 ALERT_HELD_BACK);
	assert_false(alert_gate_knows(&g, 8));

	/* escalated while held: one open, with the new severity; no update then */
	assert_int_equal(alert_gate_offer(&g, ALERT_OPEN, 9, WARN, 1000, 0, 60, 1000), ALERT_HOLD);
	assert_int_equal(alert_gate_offer(&g, ALERT_UPDATE, 9, CRIT, 1000, 0, 60, 1001),
			 ALERT_HOLD);
	assert_int_equal(alert_gate_due(&g, 1059, &key, &v), 0);
	assert_int_equal(alert_gate_due(&g, 1060, &key, &v), 1);
	assert_int_equal(key, 9);
	assert_int_equal(v, ALERT_SEND);
	assert_int_equal(alert_gate_due(&g, 1061, &key, &v), 0); /* once */
	assert_int_equal(alert_gate_offer(&g, ALERT_UPDATE, 9, CRIT, 1000, 0, 60, 1062),
			 ALERT_QUIET);
	assert_int_equal(alert_gate_offer(&g, ALERT_CLOSE, 9, CRIT, 1000, 1100, 60, 1100),
			 ALERT_SEND);

	/* the close comes before the tick that would have sent the open: both go */
	assert_int_equal(alert_gate_offer(&g, ALERT_OPEN, 10, CRIT, 1000, 0, 60, 1000), ALERT_HOLD);
	assert_int_equal(alert_gate_offer(&g, ALERT_CLOSE, 10, CRIT, 1000, 1060, 60, 1060),
			 ALERT_SEND_HELD);

	/* an open of an event that started long ago is due at once */
	assert_int_equal(alert_gate_offer(&g, ALERT_OPEN, 11, WARN, 1000, 0, 60, 5000), ALERT_SEND);
	/* delay 0 (attacks): at once */
	assert_int_equal(alert_gate_offer(&g, ALERT_OPEN, 12, WARN, 5000, 0, 0, 5000), ALERT_SEND);
	assert_int_equal(g.n, 2);
}

static void test_rate(void **state)
{
	uint64_t key;
	enum alert_verdict v;
	(void)state;

	assert_int_equal(alert_gate_rate(&g, 3), 0);
	assert_int_equal(offer(ALERT_OPEN, 1, WARN, 100), ALERT_SEND);
	assert_int_equal(offer(ALERT_OPEN, 2, WARN, 110), ALERT_SEND);
	assert_int_equal(offer(ALERT_UPDATE, 1, CRIT, 120), ALERT_SEND);
	/* a fourth within 60 s of the first: suppressed, and its event muted */
	assert_int_equal(offer(ALERT_OPEN, 3, WARN, 130), ALERT_SUPPRESSED);
	assert_int_equal(offer(ALERT_UPDATE, 2, CRIT, 131), ALERT_SUPPRESSED);
	assert_int_equal(alert_gate_summary(&g, 150), 0); /* not a minute yet */
	/* a close of a sent open always goes (and counts) */
	assert_int_equal(offer(ALERT_CLOSE, 1, CRIT, 140), ALERT_SEND);
	/* 60 s after the first, but the close took a place: sent at 110, 120, 140 */
	assert_int_equal(offer(ALERT_UPDATE, 2, CRIT, 160), ALERT_SUPPRESSED);
	assert_int_equal(offer(ALERT_UPDATE, 2, CRIT, 171), ALERT_SEND); /* WARN was sent */
	assert_int_equal(offer(ALERT_OPEN, 4, WARN, 175), ALERT_SUPPRESSED);
	assert_int_equal(alert_gate_summary(&g, 189), 0);
	assert_int_equal(alert_gate_summary(&g, 190), 4);
	assert_int_equal(alert_gate_summary(&g, 300), 0); /* reset */
	/* muted events stay silent to the end */
	assert_int_equal(offer(ALERT_UPDATE, 3, CRIT, 300), ALERT_QUIET);
	assert_int_equal(offer(ALERT_CLOSE, 3, CRIT, 300), ALERT_QUIET);
	assert_int_equal(offer(ALERT_CANCEL, 4, WARN, 300), ALERT_QUIET);
	assert_false(alert_gate_knows(&g, 3) || alert_gate_knows(&g, 4));

	/* a held open due while over the limit is suppressed and muted */
	assert_int_equal(offer(ALERT_OPEN, 5, WARN, 400), ALERT_SEND);
	assert_int_equal(offer(ALERT_OPEN, 6, WARN, 401), ALERT_SEND);
	assert_int_equal(offer(ALERT_OPEN, 7, WARN, 402), ALERT_SEND);
	assert_int_equal(alert_gate_offer(&g, ALERT_OPEN, 8, WARN, 400, 0, 5, 400), ALERT_HOLD);
	assert_int_equal(alert_gate_due(&g, 405, &key, &v), 1);
	assert_int_equal(key, 8);
	assert_int_equal(v, ALERT_SUPPRESSED);
	assert_int_equal(alert_gate_offer(&g, ALERT_CLOSE, 8, WARN, 400, 500, 5, 500), ALERT_QUIET);
	/* at stop, whatever is pending */
	assert_int_equal(alert_gate_summary(&g, -1), 1);

	/* no limit */
	assert_int_equal(alert_gate_rate(&g, 0), 0);
	for (uint64_t k = 100; k < 110; k++)
		assert_int_equal(offer(ALERT_OPEN, k, WARN, 600), ALERT_SEND);
}

static void test_window_is_sliding(void **state)
{
	(void)state;
	assert_int_equal(alert_gate_rate(&g, 2), 0);
	assert_int_equal(offer(ALERT_OPEN, 1, WARN, 59), ALERT_SEND);
	assert_int_equal(offer(ALERT_OPEN, 2, WARN, 60), ALERT_SEND);
	/* a fixed window would reopen at 60 or 120; any 60 s hold at most 2 */
	assert_int_equal(offer(ALERT_OPEN, 3, WARN, 118), ALERT_SUPPRESSED);
	assert_int_equal(offer(ALERT_OPEN, 4, WARN, 119), ALERT_SEND);
	assert_int_equal(offer(ALERT_OPEN, 5, WARN, 119), ALERT_SUPPRESSED);
	assert_int_equal(offer(ALERT_OPEN, 6, WARN, 120), ALERT_SEND);
}

static void test_full(void **state)
{
	(void)state;
	for (uint64_t k = 1; k <= 16; k++)
		assert_int_equal(alert_gate_offer(&g, ALERT_OPEN, k, WARN, 0, 0, k % 2 ? 60 : 0, 0),
				 k % 2 ? ALERT_HOLD : ALERT_SEND);
	assert_int_equal(offer(ALERT_OPEN, 17, WARN, 1), ALERT_FULL);
	assert_int_equal(offer(ALERT_OPEN, 1, WARN, 1), ALERT_QUIET); /* known, not full */
	assert_int_equal(offer(ALERT_CLOSE, 2, WARN, 1), ALERT_SEND);
	assert_int_equal(offer(ALERT_OPEN, 17, WARN, 1), ALERT_SEND);
	assert_int_equal(g.n, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_is_sliding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
