/*
 * DOC: det_level — baseline, thresholds and the lifecycle of level events
 * (see detect.h).  Bins hold the time-weighted mean of the signal; the
 * baseline is the median of the last window/bin bins and changes only at bin
 * boundaries, while thresholds are checked at every update.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_BINS 4096

struct det_level {
	struct det_level_opts o;
	bool have_value;
	uint32_t first_t, last_t;
	double value;
	uint32_t bin_start;
	double bin_acc;	       /* value x seconds accumulated in the current bin */
	uint32_t acc_t;	       /* accumulated up to this time */
	bool bin_in_event;     /* the current bin overlaps an event */
	struct med_window med; /* the last max_hist bin values */
	unsigned max_hist;
	double baseline; /* < 0 until the first bin closes */
	bool open;
	struct det_event ev;
};

void det_level_opts_default(struct det_level_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->bin = 300;
	o->window = 86400;
	o->warmup = 3600;
	o->min_duration = 60;
	o->warn_ratio = 0.99;
	o->crit_ratio = 0.5;
	o->recover_ratio = 0.99;
	o->min_baseline = 1;
	o->min_drop = 1;
	o->max_event_age = 7 * 86400;
}

struct det_level *det_level_new(const struct det_level_opts *o)
{
	struct det_level *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (o)
		d->o = *o;
	else
		det_level_opts_default(&d->o);
	if (!d->o.bin)
		d->o.bin = 300;
	d->max_hist = d->o.window / d->o.bin;
	if (d->max_hist < 1)
		d->max_hist = 1;
	if (d->max_hist > MAX_BINS)
		d->max_hist = MAX_BINS;
	if (med_init(&d->med, d->max_hist)) {
		free(d);
		return NULL;
	}
	d->baseline = -1;
	return d;
}

void det_level_free(struct det_level *d)
{
	if (d)
		med_free(&d->med);
	free(d);
}

double det_level_baseline(const struct det_level *d)
{
	return d->baseline;
}

static void push_bin(struct det_level *d, double v)
{
	med_push(&d->med, v);
	d->baseline = med_value(&d->med);
}

static bool shielding(const struct det_level *d, uint32_t t)
{
	return d->open && t - d->ev.start < d->o.max_event_age;
}

/*
 * What a closed bin contributes: its mean, or the baseline if it saw an
 * event that still shields the baseline.
 */
static double bin_value(const struct det_level *d, double mean, uint32_t t)
{
	return d->bin_in_event && d->baseline >= 0 && (!d->open || shielding(d, t)) ? d->baseline
										    : mean;
}

/* Account the current value up to @t, closing bins on the way. */
static void advance(struct det_level *d, uint32_t t)
{
	if (!d->have_value || t <= d->acc_t)
		return;
	if (d->open && d->ev.baseline > 0) {
		double drop = 1.0 - d->value / d->ev.baseline;
		if (drop > 0)
			d->ev.score += drop * (double)(t - d->acc_t) / 60.0;
	}
	while (t >= d->bin_start + d->o.bin) {
		uint32_t end = d->bin_start + d->o.bin;
		d->bin_acc += d->value * (double)(end - d->acc_t);
		push_bin(d, bin_value(d, d->bin_acc / (double)d->o.bin, end));
		d->bin_start = end;
		d->acc_t = end;
		d->bin_acc = 0;
		d->bin_in_event = d->open;
		/* a long quiet stretch: the rest of the window is this value */
		uint32_t gap_bins = (t - d->bin_start) / d->o.bin;
		if (gap_bins > d->max_hist) {
			double v = bin_value(d, d->value, t);
			for (unsigned i = 0; i < d->max_hist; i++)
				push_bin(d, v);
			d->bin_start += (gap_bins - 1) * d->o.bin;
			d->acc_t = d->bin_start;
		}
	}
	d->bin_acc += d->value * (double)(t - d->acc_t);
	d->acc_t = t;
}

static void emit(struct det_level *d, enum det_change what)
{
	if (d->o.on_event)
		d->o.on_event(d->o.ctx, what, &d->ev);
}

static void evaluate(struct det_level *d, uint32_t t)
{
	double v = d->value;

	if (!d->open) {
		double b = d->baseline;
		if (b < 0 || b < d->o.min_baseline || t - d->first_t < d->o.warmup)
			return;
		if (!(v < d->o.warn_ratio * b && b - v >= d->o.min_drop))
			return;
		d->open = true;
		d->bin_in_event = true;
		memset(&d->ev, 0, sizeof(d->ev));
		d->ev.start = t;
		d->ev.baseline = b;
		d->ev.min = v;
		bool crit = v < d->o.crit_ratio * b;
		d->ev.severity = crit ? DET_CRITICAL : DET_WARNING;
		d->ev.kind = crit ? DET_OUTAGE : DET_PARTIAL_OUTAGE;
		emit(d, DET_OPEN);
		return;
	}
	/* past max_event_age the learnt level is the reference */
	double ref = shielding(d, t) ? d->ev.baseline : d->baseline;
	if (v >= d->o.recover_ratio * ref) {
		d->open = false;
		d->ev.end = t;
		emit(d, t - d->ev.start >= d->o.min_duration ? DET_CLOSE : DET_CANCEL);
		return;
	}
	if (v < d->ev.min)
		d->ev.min = v;
	if (d->ev.severity == DET_WARNING && v < d->o.crit_ratio * d->ev.baseline) {
		d->ev.severity = DET_CRITICAL;
		d->ev.kind = DET_OUTAGE;
		emit(d, DET_ESCALATE);
	}
}

void det_level_update(struct det_level *d, uint32_t t, double value)
{
	if (!d->have_value) {
		d->have_value = true;
		d->first_t = t;
		d->last_t = t;
		d->bin_start = t - t % d->o.bin;
		d->acc_t = d->bin_start;
		d->value = value;
		d->bin_acc = value * (double)(t - d->bin_start);
		d->acc_t = t;
		return;
	}
	if (t < d->last_t)
		t = d->last_t;
	advance(d, t);
	d->last_t = t;
	d->value = value;
	evaluate(d, t);
}

void det_level_tick(struct det_level *d, uint32_t t)
{
	if (!d->have_value || t < d->last_t)
		return;
	advance(d, t);
	d->last_t = t;
	if (d->open && !shielding(d, t))
		evaluate(d, t);
}
