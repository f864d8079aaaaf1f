/*
 * DOC: the SQLite back end of the store (see store.h).  Migrations are an
 * ordered table of SQL scripts; migration N brings user_version from N-1 to
 * N inside one transaction.  Errors carry SQLite's own message.
 */
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
	/* 1: entities, binned series, events */
	"CREATE TABLE entity (id INTEGER PRIMARY KEY, spec TEXT NOT NULL UNIQUE);"
	"CREATE TABLE series (entity INTEGER NOT NULL REFERENCES entity(id),"
	"  signal TEXT NOT NULL, bin_start INTEGER NOT NULL, value REAL NOT NULL,"
	"  PRIMARY KEY (entity, signal, bin_start)) WITHOUT ROWID;"
	"CREATE TABLE event (id INTEGER PRIMARY KEY, entity INTEGER NOT NULL REFERENCES entity(id),"
	"  signal TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,"
	"  start INTEGER NOT NULL, end INTEGER, baseline REAL, min REAL, score REAL,"
	"  detail TEXT);"
	"CREATE INDEX event_entity_start ON event (entity, start);"
	"CREATE INDEX event_start ON event (start);",
	/* 2: events of one entity linked into incidents (the id of the incident's first event) */
	"ALTER TABLE event ADD COLUMN incident INTEGER;"
	"UPDATE event SET incident = id;",
	/* 3: indexes for the API's queries: events by kind (attacks), the events of an
	 * incident, and events still open (small: most events have ended) */
	"CREATE INDEX event_kind_start ON event (kind, start);"
	"CREATE INDEX event_incident ON event (incident, start);"
	"CREATE INDEX event_open ON event (kind) WHERE end IS NULL;",
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

struct store {
	sqlite3 *db;
	sqlite3_stmt *ins_entity, *get_entity, *put_series, *ins_event, *upd_event, *del_event;
	sqlite3_stmt *near_incident;
	int version;
	unsigned timeout_ms; /* store_set_timeout(); 0: none */
	int64_t deadline_ns; /* of the running query (monotonic clock) */
	bool timed_out;	     /* the progress handler interrupted it */
};

static int fail(struct lo_err *err, sqlite3 *db, const char *what)
{
	return lo_err_set(err, LO_EIO, LO_NOOFF, "%s: %s", what, db ? sqlite3_errmsg(db) : "");
}

static int exec(sqlite3 *db, const char *sql, struct lo_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		lo_err_set(err, LO_EIO, LO_NOOFF, "%s", msg ? msg : "sqlite error");
		sqlite3_free(msg);
		return LO_EIO;
	}
	return 0;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(struct store *s, struct lo_err *err)
{
	int v = user_version(s->db);
	if (v < 0)
		return fail(err, s->db, "reading the schema version");
	if (v > N_MIGRATIONS)
		return lo_err_set(err, LO_EUNSUP, LO_NOOFF,
				  "store schema version %d is newer than this lightsout (%d)", v,
				  N_MIGRATIONS);
	for (; v < N_MIGRATIONS; v++) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", v + 1);
		if (exec(s->db, "BEGIN IMMEDIATE;", err) || exec(s->db, migrations[v], err) ||
		    exec(s->db, pragma, err) || exec(s->db, "COMMIT;", err)) {
			exec(s->db, "ROLLBACK;", NULL);
			return LO_EIO;
		}
	}
	s->version = v;
	return 0;
}

static int prepare(struct store *s, sqlite3_stmt **st, const char *sql, struct lo_err *err)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return fail(err, s->db, sql);
	return 0;
}

static struct store *open_with(const char *path, int flags, struct lo_err *err)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		fail(err, s->db, path);
		goto out_close;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (exec(s->db,
		 "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;"
		 "PRAGMA foreign_keys = ON;",
		 err) ||
	    migrate(s, err))
		goto out_close;
	if (prepare(s, &s->ins_entity, "INSERT OR IGNORE INTO entity (spec) VALUES (?1)", err) ||
	    prepare(s, &s->get_entity, "SELECT id FROM entity WHERE spec = ?1", err) ||
	    prepare(s, &s->put_series,
		    "INSERT INTO series (entity, signal, bin_start, value) VALUES (?1, ?2, ?3, ?4)"
		    " ON CONFLICT (entity, signal, bin_start) DO UPDATE SET value = excluded.value",
		    err) ||
	    prepare(s, &s->ins_event,
		    "INSERT INTO event (entity, signal, kind, severity, start, end, baseline, min,"
		    " score, detail, incident) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12)",
		    err) ||
	    prepare(s, &s->upd_event,
		    "UPDATE event SET entity = ?1, signal = ?2, kind = ?3, severity = ?4, start = ?5,"
		    " end = ?6, baseline = ?7, min = ?8, score = ?9, detail = ?10, incident = ?12"
		    " WHERE id = ?11",
		    err) ||
	    prepare(s, &s->del_event, "DELETE FROM event WHERE id = ?1", err) ||
	    prepare(s, &s->near_incident,
		    "SELECT incident FROM event WHERE entity = ?1 AND start <= ?2"
		    " AND (end IS NULL OR end >= ?2 - ?3) AND incident IS NOT NULL"
		    " ORDER BY start DESC LIMIT 1",
		    err))
		goto out_close;
	return s;
out_close:
	store_close(s);
	return NULL;
}

struct store *store_open(const char *path, struct lo_err *err)
{
	return open_with(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err);
}

struct store *store_open_reader(const char *path, struct lo_err *err)
{
	/* one thread uses it at a time: no SQLite mutex on every call (a quarter
	 * of a series answer's time otherwise) */
	struct store *s = open_with(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, err);
	if (s && exec(s->db, "PRAGMA query_only = ON;", err)) {
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->ins_entity);
	sqlite3_finalize(s->get_entity);
	sqlite3_finalize(s->put_series);
	sqlite3_finalize(s->ins_event);
	sqlite3_finalize(s->upd_event);
	sqlite3_finalize(s->del_event);
	sqlite3_finalize(s->near_incident);
	sqlite3_close(s->db);
	free(s);
}

int store_schema_version(struct store *s)
{
	return s->version;
}

int store_begin(struct store *s)
{
	return exec(s->db, "BEGIN;", NULL);
}

int store_commit(struct store *s)
{
	return exec(s->db, "COMMIT;", NULL);
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : LO_EIO;
}

int64_t store_entity(struct store *s, const char *spec)
{
	int64_t id = LO_EIO;

	sqlite3_bind_text(s->ins_entity, 1, spec, -1, SQLITE_STATIC);
	if (step_done(s->ins_entity))
		return LO_EIO;
	sqlite3_bind_text(s->get_entity, 1, spec, -1, SQLITE_STATIC);
	if (sqlite3_step(s->get_entity) == SQLITE_ROW)
		id = sqlite3_column_int64(s->get_entity, 0);
	sqlite3_reset(s->get_entity);
	sqlite3_clear_bindings(s->get_entity);
	return id;
}

int64_t store_incident_near(struct store *s, int64_t entity, int64_t t, int64_t gap)
{
	int64_t id = 0;

	sqlite3_bind_int64(s->near_incident, 1, entity);
	sqlite3_bind_int64(s->near_incident, 2, t);
	sqlite3_bind_int64(s->near_incident, 3, gap);
	int rc = sqlite3_step(s->near_incident);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s->near_incident, 0);
	else if (rc != SQLITE_DONE)
		id = LO_EIO;
	sqlite3_reset(s->near_incident);
	return id;
}

int store_series_put(struct store *s, int64_t entity, const char *signal, int64_t bin_start,
		     double value)
{
	sqlite3_bind_int64(s->put_series, 1, entity);
	sqlite3_bind_text(s->put_series, 2, signal, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->put_series, 3, bin_start);
	sqlite3_bind_double(s->put_series, 4, value);
	return step_done(s->put_series);
}

static void bind_event(sqlite3_stmt *st, const struct store_event *ev)
{
	sqlite3_bind_int64(st, 1, ev->entity);
	sqlite3_bind_text(st, 2, ev->signal, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ev->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ev->severity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, ev->start);
	if (ev->end)
		sqlite3_bind_int64(st, 6, ev->end);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_double(st, 7, ev->baseline);
	sqlite3_bind_double(st, 8, ev->min);
	sqlite3_bind_double(st, 9, ev->score);
	if (ev->detail)
		sqlite3_bind_text(st, 10, ev->detail, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 10);
	if (ev->incident)
		sqlite3_bind_int64(st, 12, ev->incident);
	else
		sqlite3_bind_null(st, 12);
}

int store_event_put(struct store *s, struct store_event *ev)
{
	if (!ev->id) {
		bind_event(s->ins_event, ev);
		if (step_done(s->ins_event))
			return LO_EIO;
		ev->id = sqlite3_last_insert_rowid(s->db);
		if (!ev->incident) { /* the first event of its incident names it */
			ev->incident = ev->id;
			return store_event_put(s, ev);
		}
		return 0;
	}
	bind_event(s->upd_event, ev);
	sqlite3_bind_int64(s->upd_event, 11, ev->id);
	return step_done(s->upd_event);
}

int store_event_delete(struct store *s, int64_t id)
{
	sqlite3_bind_int64(s->del_event, 1, id);
	return step_done(s->del_event);
}

/* ---------------------------------------------------------------- readers (the API) */

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Called every few thousand VM steps: interrupts a query past its deadline. */
static int on_progress(void *arg)
{
	struct store *s = arg;
	if (s->deadline_ns && mono_ns() > s->deadline_ns) {
		s->timed_out = true;
		return 1;
	}
	return 0;
}

void store_set_timeout(struct store *s, unsigned ms)
{
	s->timeout_ms = ms;
	sqlite3_progress_handler(s->db, ms ? 4000 : 0, ms ? on_progress : NULL, s);
}

int64_t store_data_version(struct store *s)
{
	sqlite3_stmt *st;
	int64_t v = LO_EIO;
	if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return LO_EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* query() - prepare @sql for one read, arming the deadline. */
static int query(struct store *s, const char *sql, sqlite3_stmt **st)
{
	s->timed_out = false;
	s->deadline_ns = s->timeout_ms ? mono_ns() + (int64_t)s->timeout_ms * 1000000 : 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return LO_EIO;
	return 0;
}

/* done() - finalize a read; 0, LO_ETOOBIG (deadline) or LO_EIO from the last step's @rc. */
static int done(struct store *s, sqlite3_stmt *st, int rc)
{
	sqlite3_finalize(st);
	s->deadline_ns = 0;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	return s->timed_out ? LO_ETOOBIG : LO_EIO;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return t ? t : "";
}

/* event_row() - the row of a query selecting the event columns in order. */
static void event_row(sqlite3_stmt *st, struct store_event_row *row)
{
	*row = (struct store_event_row){
		.id = sqlite3_column_int64(st, 0),
		.entity = col_text(st, 1),
		.signal = col_text(st, 2),
		.kind = col_text(st, 3),
		.severity = col_text(st, 4),
		.start = sqlite3_column_int64(st, 5),
		.end = sqlite3_column_type(st, 6) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 6),
		.baseline = sqlite3_column_double(st, 7),
		.min = sqlite3_column_double(st, 8),
		.score = sqlite3_column_double(st, 9),
		.detail = (const char *)sqlite3_column_text(st, 10),
		.incident = sqlite3_column_int64(st, 11),
	};
}

int store_events(struct store *s, const char *entity, int64_t since, unsigned limit,
		 int (*cb)(void *ctx, const struct store_event_row *row), void *ctx)
{
	sqlite3_stmt *st;
	const char *sql =
		"SELECT e.id, n.spec, e.signal, e.kind, e.severity, e.start, e.end, e.baseline,"
		" e.min, e.score, e.detail, e.incident FROM event e JOIN entity n ON n.id = e.entity"
		" WHERE (?1 IS NULL OR n.spec = ?1) AND e.start >= ?2 ORDER BY e.start, e.id LIMIT ?3";
	if (query(s, sql, &st))
		return LO_EIO;
	if (entity)
		sqlite3_bind_text(st, 1, entity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event_row row;
		event_row(st, &row);
		if (cb(ctx, &row))
			break;
	}
	return done(s, st, rc);
}

int store_series(struct store *s, const char *entity, const char *signal, int64_t from,
		 int64_t until, int (*cb)(void *ctx, int64_t bin_start, double value), void *ctx)
{
	sqlite3_stmt *st;
	const char *sql =
		"SELECT s.bin_start, s.value FROM series s JOIN entity n ON n.id = s.entity"
		" WHERE n.spec = ?1 AND s.signal = ?2 AND s.bin_start >= ?3"
		" AND s.bin_start < ?4 ORDER BY s.bin_start";
	if (query(s, sql, &st))
		return LO_EIO;
	sqlite3_bind_text(st, 1, entity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, signal, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int64(st, 4, until);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1)))
			break;
	return done(s, st, rc);
}

int64_t store_entity_find(struct store *s, const char *spec)
{
	int64_t id = LO_ENOENT;
	sqlite3_bind_text(s->get_entity, 1, spec, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s->get_entity);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s->get_entity, 0);
	else if (rc != SQLITE_DONE)
		id = LO_EIO;
	sqlite3_reset(s->get_entity);
	sqlite3_clear_bindings(s->get_entity);
	return id;
}

void store_event_filter_init(struct store_event_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->since = INT64_MIN;
	f->until = INT64_MAX;
	f->ongoing = -1;
	f->limit = 1000;
}

int store_events_query(struct store *s, const struct store_event_filter *f,
		       int (*cb)(void *ctx, const struct store_event_row *row), void *ctx)
{
	/* only the conditions asked for, so that the planner can use an index */
	char sql[1024];
	size_t n = (size_t)snprintf(
		sql, sizeof(sql),
		"SELECT e.id, n.spec, e.signal, e.kind, e.severity, e.start, e.end, e.baseline,"
		" e.min, e.score, e.detail, e.incident FROM event e JOIN entity n ON n.id = e.entity"
		" WHERE 1");
	if (f->entity)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND n.spec = ?1");
	if (f->kind)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND e.kind = ?2");
	if (f->severity)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND e.severity = ?3");
	if (f->since != INT64_MIN)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
				      " AND (e.end IS NULL OR e.end >= ?4)");
	if (f->until != INT64_MAX)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND e.start < ?5");
	if (f->ongoing >= 0)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
				      f->ongoing ? " AND e.end IS NULL" : " AND e.end IS NOT NULL");
	if (f->incident)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND e.incident = ?6");
	snprintf(sql + n, sizeof(sql) - n, " ORDER BY e.start %s, e.id %s LIMIT ?7",
		 f->newest_first ? "DESC" : "ASC", f->newest_first ? "DESC" : "ASC");

	sqlite3_stmt *st;
	if (query(s, sql, &st))
		return LO_EIO;
	if (f->entity)
		sqlite3_bind_text(st, 1, f->entity, -1, SQLITE_STATIC);
	if (f->kind)
		sqlite3_bind_text(st, 2, f->kind, -1, SQLITE_STATIC);
	if (f->severity)
		sqlite3_bind_text(st, 3, f->severity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->since);
	sqlite3_bind_int64(st, 5, f->until);
	sqlite3_bind_int64(st, 6, f->incident);
	sqlite3_bind_int64(st, 7, f->limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event_row row;
		event_row(st, &row);
		if (cb(ctx, &row))
			break;
	}
	return done(s, st, rc);
}

int store_entities(struct store *s, const char *q, unsigned limit,
		   int (*cb)(void *ctx, const struct store_entity_row *row), void *ctx)
{
	/* an exact match first, then the entities with the most events */
	const char *sql =
		"SELECT n.spec, count(e.id), count(e.id) - count(e.end), max(e.start)"
		" FROM entity n LEFT JOIN event e ON e.entity = n.id"
		" WHERE ?1 IS NULL OR instr(lower(n.spec), lower(?1)) > 0"
		" GROUP BY n.id ORDER BY lower(n.spec) = lower(?1) DESC, count(e.id) DESC, n.spec"
		" LIMIT ?2";
	sqlite3_stmt *st;
	if (query(s, sql, &st))
		return LO_EIO;
	if (q && *q)
		sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_entity_row row = {
			.spec = col_text(st, 0),
			.events = sqlite3_column_int64(st, 1),
			.ongoing = sqlite3_column_int64(st, 2),
			.has_last = sqlite3_column_type(st, 3) != SQLITE_NULL,
			.last_start = sqlite3_column_int64(st, 3),
		};
		if (cb(ctx, &row))
			break;
	}
	return done(s, st, rc);
}

int store_entity_signals(struct store *s, const char *entity,
			 int (*cb)(void *ctx, const char *signal), void *ctx)
{
	/*
	 * A skip scan of the series key (entity, signal, bin_start): one index
	 * seek per distinct signal instead of reading every bin.
	 */
	const char *sql =
		"WITH RECURSIVE sig(name) AS ("
		"  SELECT (SELECT min(signal) FROM series WHERE entity = ?1)"
		"  UNION ALL SELECT (SELECT min(signal) FROM series WHERE entity = ?1"
		"    AND signal > sig.name) FROM sig WHERE sig.name IS NOT NULL LIMIT 1000)"
		" SELECT name FROM sig WHERE name IS NOT NULL";
	int64_t id = store_entity_find(s, entity);
	if (id < 0)
		return (int)id;
	sqlite3_stmt *st;
	if (query(s, sql, &st))
		return LO_EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, col_text(st, 0)))
			break;
	return done(s, st, rc);
}

struct names {
	char v[16][64];
	unsigned n;
};

static int collect_name(void *ctx, const char *sig)
{
	struct names *names = ctx;
	if (strlen(sig) < sizeof(names->v[0]))
		snprintf(names->v[names->n++], sizeof(names->v[0]), "%s", sig);
	return names->n == sizeof(names->v) / sizeof(names->v[0]);
}

int64_t store_series_step(struct store *s, const char *entity)
{
	/* the first bins of each of the entity's series: level signals have every bin */
	const char *sql = "SELECT bin_start FROM series WHERE entity = ?1 AND signal = ?2"
			  " ORDER BY bin_start LIMIT 64";
	struct names names = {.n = 0};
	int64_t id = store_entity_find(s, entity), step = 0;
	if (id < 0)
		return id == LO_ENOENT ? 0 : id;
	int rc = store_entity_signals(s, entity, collect_name, &names);
	if (rc)
		return rc;
	for (unsigned i = 0; i < names.n; i++) {
		sqlite3_stmt *st;
		if (query(s, sql, &st))
			return LO_EIO;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, names.v[i], -1, SQLITE_STATIC);
		int64_t prev = INT64_MIN;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t t = sqlite3_column_int64(st, 0);
			if (prev != INT64_MIN && t > prev && (!step || t - prev < step))
				step = t - prev;
			prev = t;
		}
		if ((rc = done(s, st, rc)))
			return rc;
	}
	return step;
}

int store_incidents(struct store *s, const struct store_event_filter *f,
		    int (*cb)(void *ctx, const struct store_incident_row *row), void *ctx)
{
	/*
	 * An incident spans from its first event's start to its last event's
	 * end, open while any of its events is; all its events are of one entity.
	 */
	char sql[768];
	size_t n = (size_t)snprintf(
		sql, sizeof(sql),
		"SELECT e.incident, min(n.spec), min(e.start), max(e.end),"
		" count(e.end) < count(*), count(*)"
		" FROM event e JOIN entity n ON n.id = e.entity WHERE e.incident IS NOT NULL");
	if (f->entity)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND n.spec = ?1");
	n += (size_t)snprintf(sql + n, sizeof(sql) - n,
			      " GROUP BY e.incident HAVING min(e.start) < ?3"
			      " AND (count(e.end) < count(*) OR max(e.end) >= ?2)");
	if (f->ongoing >= 0)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
				      " AND (count(e.end) < count(*)) = %d", f->ongoing ? 1 : 0);
	snprintf(sql + n, sizeof(sql) - n, " ORDER BY min(e.start) %s, e.incident %s LIMIT ?4",
		 f->newest_first ? "DESC" : "ASC", f->newest_first ? "DESC" : "ASC");
	sqlite3_stmt *st;
	if (query(s, sql, &st))
		return LO_EIO;
	if (f->entity)
		sqlite3_bind_text(st, 1, f->entity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->since);
	sqlite3_bind_int64(st, 3, f->until);
	sqlite3_bind_int64(st, 4, f->limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_incident_row row = {
			.id = sqlite3_column_int64(st, 0),
			.entity = col_text(st, 1),
			.start = sqlite3_column_int64(st, 2),
			.end = sqlite3_column_int(st, 4) ? 0 : sqlite3_column_int64(st, 3),
			.events = sqlite3_column_int64(st, 5),
		};
		if (cb(ctx, &row))
			break;
	}
	return done(s, st, rc);
}

int store_counts(struct store *s, struct store_counts *out)
{
	const char *sql = "SELECT (SELECT count(*) FROM entity), (SELECT count(*) FROM event),"
			  " (SELECT count(*) FROM event WHERE end IS NULL)";
	sqlite3_stmt *st;
	memset(out, 0, sizeof(*out));
	if (query(s, sql, &st))
		return LO_EIO;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->entities = sqlite3_column_int64(st, 0);
		out->events = sqlite3_column_int64(st, 1);
		out->open_events = sqlite3_column_int64(st, 2);
	}
	return done(s, st, rc);
}

int store_event_kinds(struct store *s, bool open_only,
		      int (*cb)(void *ctx, const char *kind, int64_t n), void *ctx)
{
	sqlite3_stmt *st;
	if (query(s,
		  open_only ? "SELECT kind, count(*) FROM event WHERE end IS NULL GROUP BY kind"
			    : "SELECT kind, count(*) FROM event GROUP BY kind",
		  &st))
		return LO_EIO;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, col_text(st, 0), sqlite3_column_int64(st, 1)))
			break;
	return done(s, st, rc);
}
