/*
 * DOC: unit tests for src/store — schema creation and version, entities,
 * series upserts, events insert/update/query, persistence across reopen, a
 * reader seeing committed data while a writer holds a transaction (WAL),
 * and refusal of a schema newer than the binary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

static char dbpath[64];

static int setup(void **state)
{
	snprintf(dbpath, sizeof(dbpath), "/tmp/lo_test_store_%d.db", (int)getpid());
	unlink(dbpath);
	return 0;
}

static int teardown(void **state)
{
	char p[80];
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	return 0;
}

struct rows {
	int n;
	int64_t last_end;
	int64_t incident[8];
	char kind[32];
	double sum;
};

static int count_event(void *ctx, const struct store_event_row *row)
{
	struct rows *r = ctx;
	r->n++;
	r->last_end = row->end;
	if (r->n <= 8)
		r->incident[r->n - 1] = row->incident;
	snprintf(r->kind, sizeof(r->kind), "%s", row->kind);
	return 0;
}

static int count_bin(void *ctx, int64_t bin, double v)
{
	struct rows *r = ctx;
	r->n++;
	r->sum += v;
	return 0;
}

static void schema_entities_series_events(void **state)
{
	struct lo_err err;
	struct store *s = store_open(dbpath, &err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), 3);

	int64_t kp = store_entity(s, "country:KP");
	assert_true(kp > 0);
	assert_int_equal(store_entity(s, "country:KP"), kp);
	int64_t as = store_entity(s, "asn:131279");
	assert_true(as > 0 && as != kp);

	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < 12; i++)
		assert_int_equal(
			store_series_put(s, kp, "bgp.visible_slash24", 1419264000 + 300 * i, 4), 0);
	/* an upsert replaces the bin's value */
	assert_int_equal(store_series_put(s, kp, "bgp.visible_slash24", 1419264000 + 300 * 3, 0),
			 0);
	struct store_event ev = {.entity = kp,
				 .signal = "bgp.visible_slash24",
				 .kind = "outage",
				 .severity = "critical",
				 .start = 1419264921,
				 .baseline = 4,
				 .detail = "{\"upstreams_lost\":[4837]}"};
	assert_int_equal(store_event_put(s, &ev), 0);
	assert_true(ev.id > 0);
	assert_int_equal(store_commit(s), 0);

	struct rows r = {0};
	assert_int_equal(store_events(s, "country:KP", 0, 100, count_event, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.last_end, 0); /* ongoing */
	ev.end = 1419299178;
	assert_int_equal(store_event_put(s, &ev), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_events(s, NULL, 0, 100, count_event, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.last_end, 1419299178);
	assert_string_equal(r.kind, "outage");
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_events(s, "asn:131279", 0, 100, count_event, &r), 0);
	assert_int_equal(r.n, 0);

	memset(&r, 0, sizeof(r));
	assert_int_equal(store_series(s, "country:KP", "bgp.visible_slash24", 1419264000,
				      1419264000 + 3600, count_bin, &r),
			 0);
	assert_int_equal(r.n, 12);
	assert_true(r.sum == 44.0);
	store_close(s);

	/* reopen: data persists, no migration runs again */
	s = store_open(dbpath, &err);
	assert_non_null(s);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_events(s, NULL, 0, 100, count_event, &r), 0);
	assert_int_equal(r.n, 1);

	/* a reader sees committed rows while the writer holds a transaction */
	struct store *reader = store_open(dbpath, &err);
	assert_non_null(reader);
	assert_int_equal(store_begin(s), 0);
	struct store_event ev2 = {.entity = as,
				  .signal = "bgp.visible_slash24",
				  .kind = "outage",
				  .severity = "critical",
				  .start = 1419327660};
	assert_int_equal(store_event_put(s, &ev2), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_events(reader, NULL, 0, 100, count_event, &r), 0);
	assert_int_equal(r.n, 1); /* not yet the uncommitted one */
	assert_int_equal(store_commit(s), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_events(reader, NULL, 0, 100, count_event, &r), 0);
	assert_int_equal(r.n, 2);
	store_close(reader);
	store_close(s);
}

/* Events link into incidents: incident 0 names a new one after the event's own id. */
static void incidents(void **state)
{
	struct lo_err err;
	struct store *s = store_open(dbpath, &err);
	assert_non_null(s);
	int64_t kp = store_entity(s, "country:KP");
	struct store_event a = {.entity = kp,
				.signal = "bgp.visibility_flaps",
				.kind = "instability",
				.severity = "critical",
				.start = 1419126456};
	assert_int_equal(store_event_put(s, &a), 0);
	assert_int_equal(a.incident, a.id);
	struct store_event b = a;
	b.id = 0;
	b.signal = "bgp.visible_slash24";
	b.kind = "outage";
	b.start = 1419264921;
	b.incident = a.id;
	assert_int_equal(store_event_put(s, &b), 0);
	assert_true(b.id != a.id);
	struct store_event c = b;
	c.id = 0;
	c.incident = 0;
	c.start = 1419320460;
	assert_int_equal(store_event_put(s, &c), 0);
	struct rows r = {0};
	assert_int_equal(store_events(s, NULL, 0, 100, count_event, &r), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.incident[0], a.id);
	assert_int_equal(r.incident[1], a.id);
	assert_int_equal(r.incident[2], c.id);
	store_close(s);
}

/* store_incident_near(): the incident an event of another source joins. */
static void incident_near(void **state)
{
	(void)state;
	struct lo_err err;
	struct store *s = store_open(dbpath, &err);
	assert_non_null(s);
	int64_t kp = store_entity(s, "country:KP"), ru = store_entity(s, "country:RU");
	assert_int_equal(store_incident_near(s, kp, 1000, 3600), 0); /* nothing yet */
	struct store_event a = {.entity = kp,
				.signal = "bgp.visible_slash24",
				.kind = "outage",
				.severity = "critical",
				.start = 1000};
	assert_int_equal(store_event_put(s, &a), 0);
	/* open: joined at any later time, never before it started */
	assert_int_equal(store_incident_near(s, kp, 1000, 3600), a.incident);
	assert_int_equal(store_incident_near(s, kp, 99999, 3600), a.incident);
	assert_int_equal(store_incident_near(s, kp, 999, 3600), 0);
	assert_int_equal(store_incident_near(s, ru, 1000, 3600), 0); /* another entity */
	/* ended at 2000: joined within the gap only */
	a.end = 2000;
	assert_int_equal(store_event_put(s, &a), 0);
	assert_int_equal(store_incident_near(s, kp, 5600, 3600), a.incident);
	assert_int_equal(store_incident_near(s, kp, 5601, 3600), 0);
	/* the latest event's incident wins */
	struct store_event b = a;
	b.id = 0, b.incident = 0, b.start = 9000, b.end = 0;
	assert_int_equal(store_event_put(s, &b), 0);
	assert_true(b.incident != a.incident);
	assert_int_equal(store_incident_near(s, kp, 9500, 3600), b.incident);
	store_close(s);
}

/* A store of schema 1 is migrated: its events become their own incidents. */
static void migration_from_v1(void **state)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(
			db,
			"CREATE TABLE entity (id INTEGER PRIMARY KEY, spec TEXT NOT NULL UNIQUE);"
			"CREATE TABLE series (entity INTEGER NOT NULL REFERENCES entity(id),"
			"  signal TEXT NOT NULL, bin_start INTEGER NOT NULL, value REAL NOT NULL,"
			"  PRIMARY KEY (entity, signal, bin_start)) WITHOUT ROWID;"
			"CREATE TABLE event (id INTEGER PRIMARY KEY, entity INTEGER NOT NULL"
			"  REFERENCES entity(id), signal TEXT NOT NULL, kind TEXT NOT NULL,"
			"  severity TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER,"
			"  baseline REAL, min REAL, score REAL, detail TEXT);"
			"INSERT INTO entity VALUES (1, 'country:KP');"
			"INSERT INTO event VALUES (7, 1, 'bgp.visible_slash24', 'outage',"
			"  'critical', 1419264921, 1419299178, 4, 0, 1, NULL);"
			"PRAGMA user_version = 1;",
			NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	struct lo_err err;
	struct store *s = store_open(dbpath, &err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), 3);
	struct rows r = {0};
	assert_int_equal(store_events(s, NULL, 0, 100, count_event, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.incident[0], 7);
	store_close(s);
}

static void newer_schema_is_refused(void **state)
{
	struct lo_err err;
	struct store *s = store_open(dbpath, &err);
	assert_non_null(s);
	store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	lo_err_clear(&err);
	assert_null(store_open(dbpath, &err));
	assert_int_equal(err.code, LO_EUNSUP);
	assert_non_null(strstr(err.msg, "newer"));
	/* an unwritable place fails cleanly */
	assert_null(store_open("/nonexistent-dir/x.db", &err));
	assert_int_equal(err.code, LO_EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(schema_entities_series_events, setup, teardown),
		cmocka_unit_test_setup_teardown(newer_schema_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(incidents, setup, teardown),
		cmocka_unit_test_setup_teardown(incident_near, setup, teardown),
		cmocka_unit_test_setup_teardown(migration_from_v1, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
