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

#endif
