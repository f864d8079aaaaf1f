/*
 * DOC: det_rate — instability from a stream of hits (see detect.h).  The
 * hits of the last rate_window seconds sit in a ring (one slot per second
 * with hits; at most MAX_SLOTS, the oldest dropped first when full), bins
 * count hits for the baseline, and the event keeps its hits per hour for the
 * trend.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_BINS  4096
#define MAX_SLOTS 65536
#define N_HOURLY  64

struct slot {
	uint32_t t;
	uint32_t n;
};

struct det_rate {
	struct det_rate_opts o;
	bool started;
	uint32_t first_t, last_t;
	struct slot *ring; /* hits inside the rate window, oldest first */
	unsigned head, n_ring, ring_cap;
	uint64_t in_window; /* hits in the ring */
	uint32_t bin_start;
	uint64_t bin_hits;
	bool bin_in_event;
	struct med_window med; /* the last max_hist bin counts */
	unsigned max_hist;
	double baseline_bin; /* median hits per bin, < 0 until the first bin closes */
	bool open;
	uint32_t last_hit;
	struct det_event ev;
};

void det_rate_opts_default(struct det_rate_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->bin = 300;
	o->window = 86400;
	o->warmup = 3600;
	o->rate_window = 3600;
	o->factor = 4;
	o->min_hits = 8;
	o->crit_factor = 4;
	o->recover_ratio = 0.5;
}

struct det_rate *det_rate_new(const struct det_rate_opts *o)
{
	struct det_rate *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (o)
		d->o = *o;
	else
		det_rate_opts_default(&d->o);
	if (!d->o.bin)
		d->o.bin = 300;
	if (!d->o.rate_window)
		d->o.rate_window = 3600;
	d->max_hist = d->o.window / d->o.bin;
	if (d->max_hist < 1)
		d->max_hist = 1;
	if (d->max_hist > MAX_BINS)
		d->max_hist = MAX_BINS;
	d->ring_cap = 64;
	d->ring = calloc(d->ring_cap, sizeof(*d->ring));
	if (med_init(&d->med, d->max_hist) || !d->ring) {
		det_rate_free(d);
		return NULL;
	}
	d->baseline_bin = -1;
	return d;
}

void det_rate_free(struct det_rate *d)
{
	if (!d)
		return;
	med_free(&d->med);
	free(d->ring);
	free(d);
}

double det_rate_baseline(const struct det_rate *d)
{
	if (d->baseline_bin < 0)
		return -1;
	return d->baseline_bin * (double)d->o.rate_window / (double)d->o.bin;
}

unsigned det_rate_count(const struct det_rate *d)
{
	return d->in_window > UINT32_MAX ? UINT32_MAX : (unsigned)d->in_window;
}

static void push_bin(struct det_rate *d, double v)
{
	med_push(&d->med, v);
	d->baseline_bin = med_value(&d->med);
}

static double threshold(const struct det_rate *d)
{
	double b = det_rate_baseline(d) * d->o.factor;
	return b > d->o.min_hits ? b : d->o.min_hits;
}

static void emit(struct det_rate *d, enum det_change what)
{
	/* least-squares slope of the hourly counts */
	unsigned n = d->ev.n_hourly;
	d->ev.trend = 0;
	if (n >= 2) {
		double sx = 0, sy = 0, sxx = 0, sxy = 0;
		for (unsigned i = 0; i < n; i++) {
			sx += i;
			sy += d->ev.hourly[i];
			sxx += (double)i * i;
			sxy += (double)i * d->ev.hourly[i];
		}
		double den = n * sxx - sx * sx;
		if (den > 0)
			d->ev.trend = (n * sxy - sx * sy) / den;
	}
	if (d->o.on_event)
		d->o.on_event(d->o.ctx, what, &d->ev);
}

static void close_event(struct det_rate *d)
{
	d->open = false;
	d->ev.end = d->last_hit;
	emit(d, DET_CLOSE);
}

/* Close bins and expire hits up to @t; the event closes when the count fell. */
static void advance(struct det_rate *d, uint32_t t)
{
	while (t >= d->bin_start + d->o.bin) {
		double v = (double)d->bin_hits;
		if (d->bin_in_event && d->baseline_bin >= 0)
			v = d->baseline_bin;
		push_bin(d, v);
		d->bin_start += d->o.bin;
		d->bin_hits = 0;
		d->bin_in_event = d->open;
		uint32_t gap_bins = (t - d->bin_start) / d->o.bin;
		if (gap_bins > d->max_hist) { /* a long quiet stretch */
			for (unsigned i = 0; i < d->max_hist; i++)
				push_bin(d, d->open && d->baseline_bin >= 0 ? d->baseline_bin : 0);
			d->bin_start += (gap_bins - 1) * d->o.bin;
		}
	}
	while (d->n_ring && d->ring[d->head].t + d->o.rate_window <= t) {
		d->in_window -= d->ring[d->head].n;
		d->head = (d->head + 1) % d->ring_cap;
		d->n_ring--;
	}
	if (d->open && (double)d->in_window < d->o.recover_ratio * d->ev.threshold)
		close_event(d);
}

static void start(struct det_rate *d, uint32_t t)
{
	d->started = true;
	d->first_t = d->last_t = t;
	d->bin_start = t - t % d->o.bin;
}

void det_rate_hit(struct det_rate *d, uint32_t t, unsigned n)
{
	if (!d->started)
		start(d, t);
	if (t < d->last_t)
		t = d->last_t;
	advance(d, t);
	d->last_t = t;
	if (!n)
		return;
	if (d->n_ring && d->ring[(d->head + d->n_ring - 1) % d->ring_cap].t == t) {
		d->ring[(d->head + d->n_ring - 1) % d->ring_cap].n += n;
	} else {
		if (d->n_ring == d->ring_cap && d->ring_cap < MAX_SLOTS) {
			struct slot *v = malloc(2 * d->ring_cap * sizeof(*v));
			if (v) {
				for (unsigned i = 0; i < d->n_ring; i++)
					v[i] = d->ring[(d->head + i) % d->ring_cap];
				free(d->ring);
				d->ring = v;
				d->head = 0;
				d->ring_cap *= 2;
			}
		}
		if (d->n_ring == d->ring_cap) { /* full: forget the oldest */
			d->in_window -= d->ring[d->head].n;
			d->head = (d->head + 1) % d->ring_cap;
			d->n_ring--;
		}
		d->ring[(d->head + d->n_ring) % d->ring_cap] = (struct slot){t, n};
		d->n_ring++;
	}
	d->in_window += n;
	d->bin_hits += n;

	double cnt = (double)d->in_window, thr = threshold(d);
	if (!d->open) {
		if (d->baseline_bin < 0 || t - d->first_t < d->o.warmup || cnt < thr)
			return;
		d->open = true;
		d->bin_in_event = true;
		memset(&d->ev, 0, sizeof(d->ev));
		d->ev.kind = DET_INSTABILITY;
		d->ev.start = t;
		d->ev.baseline = det_rate_baseline(d);
		d->ev.threshold = thr;
		d->ev.rate_open = cnt;
		d->ev.severity = cnt >= d->o.crit_factor * thr ? DET_CRITICAL : DET_WARNING;
		d->last_hit = t;
		d->ev.score = n;
		d->ev.hourly[0] = n;
		d->ev.n_hourly = 1;
		d->ev.rate_peak = cnt;
		emit(d, DET_OPEN);
		return;
	}
	d->last_hit = t;
	d->ev.score += n;
	unsigned h = (t - d->ev.start) / 3600;
	if (h < N_HOURLY) {
		d->ev.hourly[h] += n;
		if (h + 1 > d->ev.n_hourly)
			d->ev.n_hourly = h + 1;
	}
	if (cnt > d->ev.rate_peak)
		d->ev.rate_peak = cnt;
	if (d->ev.severity == DET_WARNING && cnt >= d->o.crit_factor * d->ev.threshold) {
		d->ev.severity = DET_CRITICAL;
		emit(d, DET_ESCALATE);
	}
}

void det_rate_tick(struct det_rate *d, uint32_t t)
{
	if (!d->started)
		start(d, t);
	if (t < d->last_t)
		return;
	advance(d, t);
	d->last_t = t;
}
