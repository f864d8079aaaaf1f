/*
 * DOC: detect — turn a signal into events (DESIGN.md §5).
 *
 * struct det_level watches one level signal of one entity (for example
 * bgp.visible_slash24 of country:KP) at update resolution.  Its baseline is
 * the moving median of the signal's binned values over a window (24 h by
 * default, IODA's choice), learnt after a warm-up; bins that fall inside an
 * event contribute the baseline instead of their value, so an outage does
 * not pull the baseline down with it.
 *
 * A value below warn_ratio x baseline (and at least min_drop below it) opens
 * a partial_outage; below crit_ratio x baseline it is an outage.  The event
 * starts at the time of the update that crossed the threshold and ends at the
 * update that brought the value back to at least recover_ratio x baseline
 * (hysteresis).  Events shorter than min_duration are cancelled (counted as
 * dips) rather than reported.  Entities whose baseline is below min_baseline
 * raise nothing.  As in IODA, an event shields the baseline for at most
 * max_event_age; after that a lasting new level is accepted.
 */
#ifndef LO_DETECT_H
#define LO_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/lib.h"

enum det_kind { DET_PARTIAL_OUTAGE = 1, DET_OUTAGE = 2, DET_INSTABILITY = 3 };
enum det_severity { DET_WARNING = 1, DET_CRITICAL = 2 };

struct det_event {
	enum det_kind kind;	    /* the worst reached: outage once critical */
	enum det_severity severity; /* the worst reached */
	uint32_t start, end;	    /* end = 0 while open */
	double baseline;	    /* baseline when it opened */
	double min;		    /* lowest value during the event */
	double score;		    /* level: sum of drop (0..1) x minutes;
				     * rate: hits counted during the event */
	/* rate events (instability) only */
	double threshold;    /* hits per rate window that opened it */
	double rate_open;    /* hits in the rate window when it opened */
	double rate_peak;    /* the most hits seen in one rate window */
	double trend;	     /* least-squares slope of hits per hour, per hour */
	uint32_t hourly[64]; /* hits per hour since the start (the first 64 hours) */
	unsigned n_hourly;
};

enum det_change {
	DET_OPEN,     /* crossed into alert (tentative until min_duration) */
	DET_ESCALATE, /* severity went up */
	DET_CLOSE,    /* back to normal after at least min_duration */
	DET_CANCEL,   /* back to normal sooner: not an event */
};

struct det_level_opts {
	uint32_t bin;		/* seconds per bin, default 300 */
	uint32_t window;	/* baseline window, default 86400 */
	uint32_t warmup;	/* history needed before events, default 3600 */
	uint32_t min_duration;	/* default 60 */
	double warn_ratio;	/* default 0.99 */
	double crit_ratio;	/* default 0.5 */
	double recover_ratio;	/* default 0.99 */
	double min_baseline;	/* default 1 */
	double min_drop;	/* default 1 */
	uint32_t max_event_age; /* after this long (default 7 days) an event stops
				 * shielding the baseline: the new level is
				 * learnt and the event closes once the value is
				 * normal against it */
	void (*on_event)(void *ctx, enum det_change what, const struct det_event *ev);
	void *ctx;
};

void det_level_opts_default(struct det_level_opts *o);

struct det_level;

struct det_level *det_level_new(const struct det_level_opts *o);
void det_level_free(struct det_level *d);

/*
 * det_level_update() - the signal has value @value from time @t on.  Times
 * must not go backwards (an earlier @t is treated as @t = last time).
 */
void det_level_update(struct det_level *d, uint32_t t, double value);

/* det_level_tick() - time has reached @t without a change (closes bins). */
void det_level_tick(struct det_level *d, uint32_t t);

/* det_level_baseline() - the current baseline, or a negative value during warm-up. */
double det_level_baseline(const struct det_level *d);

/*
 * struct det_rate watches a stream of hits (for example the flaps of one
 * entity's prefixes) for instability (DESIGN.md §5): the number of hits in
 * the last rate_window seconds against a baseline, the moving median of
 * the hits per bin over window, scaled to rate_window.  An event opens at
 * the hit that brings the windowed count to at least
 * max(min_hits, factor x baseline), is critical from crit_factor x that
 * threshold, and closes once the windowed count has fallen below
 * recover_ratio x threshold; it ends at its last hit.  Bins of an event
 * contribute the baseline, not their count.  Each event reports the hits
 * per hour since its start and their trend (a positive slope: rising).
 */
struct det_rate_opts {
	uint32_t bin;	      /* default 300 */
	uint32_t window;      /* baseline window, default 86400 */
	uint32_t warmup;      /* default 3600 */
	uint32_t rate_window; /* default 3600 */
	double factor;	      /* default 4 */
	double min_hits;      /* absolute floor per rate_window, default 8 */
	double crit_factor;   /* default 4 */
	double recover_ratio; /* default 0.5 */
	void (*on_event)(void *ctx, enum det_change what, const struct det_event *ev);
	void *ctx;
};

void det_rate_opts_default(struct det_rate_opts *o);

struct det_rate;

struct det_rate *det_rate_new(const struct det_rate_opts *o);
void det_rate_free(struct det_rate *d);

/* det_rate_hit() - @n hits at time @t (times must not go backwards). */
void det_rate_hit(struct det_rate *d, uint32_t t, unsigned n);

/* det_rate_tick() - time has reached @t (closes bins, may close the event). */
void det_rate_tick(struct det_rate *d, uint32_t t);

/* det_rate_baseline() - hits per rate_window expected, or < 0 during warm-up. */
double det_rate_baseline(const struct det_rate *d);

/* det_rate_count() - hits in the rate window ending at the last time seen. */
unsigned det_rate_count(const struct det_rate *d);

#endif
