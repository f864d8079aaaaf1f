/*
 * DOC: watch — the BGP half of the pipeline, whatever feeds it: decoded
 * elems (from an MRT archive, later a live session or BMP) go through the
 * RIB, per-entity signals and detectors into the store.
 *
 *   elems -> rib (routes, visibility) -> sig_tracker (signals per entity)
 *         -> det_level (bgp.visible_slash24 / _slash48: outages)
 *         -> det_rate (bgp.visibility_flaps: instability)
 *         -> store (series per bin, events with their detail)
 *
 * Time comes from the elems: the caller says when it moves on
 * (watch_time()), which closes bins, lets detectors see quiet time and
 * commits the store's transaction at bin boundaries (at most once a wall
 * second; watch_commit() forces it).  An event is stored when it opens; an
 * outage shorter than min_duration is then deleted again (a dip).  Events
 * carry a JSON detail, remade once they have lasted the minimum duration
 * (when the withdrawals have landed): the prefixes lost, the upstream ASNs
 * of their last paths,
 * the share of full-feed peers without them, and the first and last peer
 * to withdraw them; instability events their flap counts per hour and the
 * trend.  Events of one entity that overlap or follow each other within
 * link_gap share an incident number.  An optional hook (on_event) hears of
 * every change of a stored event: the daemon's alerts (serve_alert.c).
 */
#ifndef LO_WATCH_H
#define LO_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "detect/detect.h"
#include "geo/geo.h"
#include "lib/lib.h"
#include "mrt/mrt.h"
#include "rib/rib.h"
#include "signal/signal.h"
#include "store/store.h"

/*
 * enum watch_change - what happened to a stored event (the on_event hook).
 * @WATCH_OPEN:   a new event, stored (an outage is tentative until it has
 *                lasted min_duration: it may still be cancelled)
 * @WATCH_UPDATE: its row changed while open: severity (and kind) went up,
 *                or its detail was remade once it lasted min_duration
 * @WATCH_CLOSE:  it ended; the row has its end
 * @WATCH_CANCEL: a dip shorter than min_duration: the row was deleted
 */
enum watch_change { WATCH_OPEN, WATCH_UPDATE, WATCH_CLOSE, WATCH_CANCEL };

struct watch_opts {
	const struct geo_db *geo;
	struct store *store;
	bool all_countries;
	const struct geo_entity *entities; /* explicit, no groups */
	size_t n_entities;
	const struct sig_group *groups;
	size_t n_groups;
	uint32_t bin;	      /* seconds per stored bin; 0: the config's, else 300 */
	uint32_t flap_window; /* default 600 */
	uint32_t link_gap;    /* events this close make one incident, default 3600 */
	double full_feed_ratio, visibility_ratio; /* 0: the RIB's defaults */
	bool live;		     /* commit the store as soon as an event is written */
	struct det_level_opts level; /* bin, on_event and ctx are set by watch */
	struct det_rate_opts rate;
	/* conf - a config file whose [entity NAME] groups are tracked too and
	 * whose [detect] settings override the ones above (may be NULL) */
	const struct conf *conf;
	/* collector_name - the name of collector @id for event details (may be NULL) */
	const char *(*collector_name)(void *ctx, uint16_t id);
	/* on_event - after an event of any kind (outage, partial_outage,
	 * instability) was written or deleted: @ev as stored (with its id;
	 * @ev->detail JSON), @entity its entity ("country:KP").  Both are
	 * borrowed for the call.  Only events that have a row are reported, so
	 * a cancel always follows an open.  May be NULL (replay). */
	void (*on_event)(void *ctx, enum watch_change what, const struct store_event *ev,
			 const char *entity);
	/* incident_hint - live only: the incident of another source's event
	 * (a probe's) that a new event of entity @entity (store id) starting at
	 * @start joins, or 0; asked when no event of the entity itself is open
	 * or recent, after the store (store_incident_near).  May be NULL. */
	int64_t (*incident_hint)(void *ctx, int64_t entity, uint32_t start);
	void *ctx;
};

/* watch_opts_default() - every default (level and rate detectors' too). */
void watch_opts_default(struct watch_opts *o);

struct watch;

struct watch *watch_new(const struct watch_opts *o, struct lo_err *err);
void watch_free(struct watch *w);

/*
 * watch_elem() - apply one elem of collector @collector.  Returns 0, or the
 * error that made a part of it not count (counted in the stats).
 */
int watch_elem(struct watch *w, uint16_t collector, const struct mrt_elem *e);

/* watch_time() - the feed has reached time @t (call before its elems). */
void watch_time(struct watch *w, uint32_t t);

/*
 * watch_commit() - commit what is stored so far now (a live feed calls it
 * every second, so readers see events within the second).
 */
void watch_commit(struct watch *w);

/*
 * watch_dump_begin() / watch_dump_end() - a RIB dump of @collector starts /
 * ended at @time: peers of the collector it no longer lists go down.
 */
void watch_dump_begin(struct watch *w, uint16_t collector);
void watch_dump_end(struct watch *w, uint16_t collector, uint32_t time);

/* watch_finish() - close the last bins and store the events still open. */
void watch_finish(struct watch *w);

struct watch_stats {
	uint64_t elems;
	uint64_t errors; /* elems or store writes that failed in part */
	uint64_t events; /* events closed */
	uint64_t series_rows;
	unsigned entities;
	struct rib_stats rib;
	struct sig_tracker_stats sig;
};
void watch_stats(const struct watch *w, struct watch_stats *out);

const struct rib *watch_rib(const struct watch *w);

#endif
