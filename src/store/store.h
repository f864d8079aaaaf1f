/*
 * DOC: store — the embedded SQLite store of entities, binned series and
 * events (DESIGN.md §6).
 *
 * One file in WAL mode, so readers (`lightsout events`, `series`, the API)
 * work while one writer appends.  The schema is versioned with
 * PRAGMA user_version and upgraded by ordered migrations at open; a newer
 * schema than this binary knows is refused.  All statements are prepared
 * once.  Writes are batched in transactions by the caller
 * (store_begin/store_commit), so a crash loses at most the open batch and
 * never corrupts the file.
 */
#ifndef LO_STORE_H
#define LO_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/lib.h"

struct store;

/* store_open() - open or create the store at @path; NULL with @err on failure. */
struct store *store_open(const char *path, struct lo_err *err);
void store_close(struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s);

/* store_entity() - the id of entity @spec ("country:KP"), created on first use. */
int64_t store_entity(struct store *s, const char *spec);

/* store_series_put() - set the value of @signal for @entity in the bin starting at @bin_start. */
int store_series_put(struct store *s, int64_t entity, const char *signal, int64_t bin_start,
		     double value);

/* struct store_event - one event row; @end 0 while ongoing; @detail JSON text (may be NULL). */
struct store_event {
	int64_t id; /* 0 = new */
	int64_t entity;
	const char *signal;
	const char *kind;     /* outage, partial_outage, instability, attack, probe_down */
	const char *severity; /* warning, critical */
	int64_t start, end;
	double baseline, min, score;
	const char *detail;
	int64_t incident; /* 0 on insert: a new incident named by this event's id */
};

/* store_event_put() - insert (@ev->id == 0, then set) or update an event. */
int store_event_put(struct store *s, struct store_event *ev);

/*
 * store_incident_near() - the incident of an event of @entity that started
 * at or before @t and is still open or ended at most @gap seconds before
 * @t (the latest such), so that events of different sources (BGP, probes,
 * flows) join one incident; 0 when there is none, LO_EIO.
 */
int64_t store_incident_near(struct store *s, int64_t entity, int64_t t, int64_t gap);

/* store_event_delete() - remove event @id (a tentative event that turned out a dip). */
int store_event_delete(struct store *s, int64_t id);

/* struct store_event_row - what queries return; strings valid during the callback. */
struct store_event_row {
	int64_t id;
	const char *entity;
	const char *signal, *kind, *severity, *detail;
	int64_t start, end;
	double baseline, min, score;
	int64_t incident;
};

/*
 * store_events() - events of @entity (NULL = all) starting at or after
 * @since, oldest first, at most @limit rows; @cb returns non-zero to stop.
 */
int store_events(struct store *s, const char *entity, int64_t since, unsigned limit,
		 int (*cb)(void *ctx, const struct store_event_row *row), void *ctx);

/* store_series() - bins of (@entity, @signal) in [@from, @until), oldest first. */
int store_series(struct store *s, const char *entity, const char *signal, int64_t from,
		 int64_t until, int (*cb)(void *ctx, int64_t bin_start, double value), void *ctx);

/* store_schema_version() - the schema version of the open store. */
int store_schema_version(struct store *s);

/* ---------------------------------------------------------------- readers (the API) */

/*
 * The API reads the store through its own connection (WAL: readers never
 * block the writer).  Every query below is bounded: by its limit, and by
 * the time given to store_set_timeout() (a query running longer is
 * interrupted and returns LO_ETOOBIG).  Strings in rows are valid during
 * the callback only; a callback returns non-zero to stop.
 */

/* store_set_timeout() - interrupt any one query after @ms milliseconds (0: never). */
void store_set_timeout(struct store *s, unsigned ms);

/*
 * store_open_reader() - open an existing store for reading only (writes are
 * refused): for one thread at a time (no locking inside SQLite).  An older
 * schema is still upgraded first.  NULL with @err on failure.
 */
struct store *store_open_reader(const char *path, struct lo_err *err);

/*
 * store_data_version() - a number that changes when another connection
 * commits (SQLite's PRAGMA data_version): cached answers stay valid while it
 * does not.  <0 on error.
 */
int64_t store_data_version(struct store *s);

/* store_entity_find() - the id of @spec, LO_ENOENT when unknown (never creates it), LO_EIO. */
int64_t store_entity_find(struct store *s, const char *spec);

/*
 * struct store_event_filter - what store_events_query() and
 * store_incidents() select.  store_event_filter_init() sets "everything".
 * @entity, @kind, @severity: exact values, NULL for any
 * @since, @until: events going on at some time in [@since, @until): ended at
 *                 or after @since (or ongoing) and started before @until
 * @ongoing:       -1 either, 0 ended only, 1 ongoing only
 * @incident:      the events of one incident; 0 for any
 * @limit:         rows at most (default 1000)
 * @newest_first:  order by start, newest first (default oldest first)
 */
struct store_event_filter {
	const char *entity, *kind, *severity;
	int64_t since, until;
	int ongoing;
	int64_t incident;
	unsigned limit;
	bool newest_first;
};

void store_event_filter_init(struct store_event_filter *f);

int store_events_query(struct store *s, const struct store_event_filter *f,
		       int (*cb)(void *ctx, const struct store_event_row *row), void *ctx);

/*
 * struct store_entity_row - an entity and its events: @events in all,
 * @ongoing of them still open, the start of the latest in @last_start
 * (when @has_last).
 */
struct store_entity_row {
	const char *spec;
	int64_t events, ongoing;
	bool has_last;
	int64_t last_start;
};

/*
 * store_entities() - entities whose spec contains @q (ASCII case-insensitive;
 * NULL or "" for all): an exact match first, then most events first, then by
 * name; at most @limit.
 */
int store_entities(struct store *s, const char *q, unsigned limit,
		   int (*cb)(void *ctx, const struct store_entity_row *row), void *ctx);

/* store_entity_signals() - the signals stored for @entity, by name; LO_ENOENT if unknown. */
int store_entity_signals(struct store *s, const char *entity,
			 int (*cb)(void *ctx, const char *signal), void *ctx);

/*
 * store_series_step() - the smallest gap between two bins of @entity's
 * series: the bin the writer used.  0 when it cannot tell (unknown entity,
 * single bins); <0 on error.
 */
int64_t store_series_step(struct store *s, const char *entity);

/*
 * struct store_incident_row - events of one entity linked into an incident
 * (@id: the incident number the events carry): from the first event's start
 * to the last one's end, @end 0 while any of its @events is ongoing.
 */
struct store_incident_row {
	int64_t id;
	const char *entity;
	int64_t start, end;
	int64_t events;
};

/*
 * store_incidents() - incidents selected by @f's @entity, @since, @until,
 * @ongoing (for the incident as a whole), @limit and @newest_first; the other
 * fields of @f are ignored.  Read their events with store_events_query()
 * and @incident.
 */
int store_incidents(struct store *s, const struct store_event_filter *f,
		    int (*cb)(void *ctx, const struct store_incident_row *row), void *ctx);

struct store_counts {
	int64_t entities, events, open_events;
};

int store_counts(struct store *s, struct store_counts *out);

/* store_event_kinds() - events per kind (@open_only: ongoing ones only). */
int store_event_kinds(struct store *s, bool open_only,
		      int (*cb)(void *ctx, const char *kind, int64_t n), void *ctx);

#endif
