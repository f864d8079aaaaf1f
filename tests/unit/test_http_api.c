/*
 * DOC: unit tests for the API without sockets (http_api_get over a store
 * made here): every endpoint's answer, re-binning (min of levels, sum of
 * counters, mean of flow rates, bins rounded up to the stored one), event
 * filters, incidents and their kinds, errors (400 with a JSON message,
 * unknown parameters and endpoints, unknown entities), the answer size cap,
 * and static files (index, types, hidden files, a symlink out of the root,
 * directories).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/http_int.h"

static char dir[64], dbpath[96], web[96];
static struct store *st;
static struct http_opts opts;
static struct http_api api;
static struct http_resp resp;

static void sh(const char *fmt, const char *arg)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	assert_int_equal(system(cmd), 0);
}

/* A store like a replay's: KP with an outage and the instability before it, SY, a host group. */
static void fill(struct store *s)
{
	int64_t kp = store_entity(s, "country:KP"), sy = store_entity(s, "country:SY");
	int64_t hg = store_entity(s, "hostgroup:web");
	store_entity(s, "asn:131279");
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < 24; i++) { /* two hours of 5-minute bins from 14:00 */
		int64_t t = 1419256800 + 300 * i;
		store_series_put(s, kp, "bgp.visible_slash24", t, i >= 15 && i < 20 ? 0 : 4);
		store_series_put(s, sy, "bgp.visible_slash24", t, 4078);
		store_series_put(s, hg, "flow.pps", t, i);
		if (i % 4 == 0) /* a counter: stored only where something happened */
			store_series_put(s, kp, "bgp.withdrawals", t, 2);
	}
	struct store_event inst = {.entity = kp,
				   .signal = "bgp.visibility_flaps",
				   .kind = "instability",
				   .severity = "critical",
				   .start = 1419126456,
				   .end = 1419264388,
				   .detail = "{\"flaps\":1029}"};
	assert_int_equal(store_event_put(s, &inst), 0);
	struct store_event out = {.entity = kp,
				  .signal = "bgp.visible_slash24",
				  .kind = "outage",
				  .severity = "critical",
				  .start = 1419264921,
				  .end = 1419299178,
				  .baseline = 4,
				  .score = 1,
				  .incident = inst.id};
	assert_int_equal(store_event_put(s, &out), 0);
	struct store_event syo = {.entity = sy,
				  .signal = "bgp.visible_slash24",
				  .kind = "outage",
				  .severity = "warning",
				  .start = 1419152400,
				  .end = 1419159600};
	assert_int_equal(store_event_put(s, &syo), 0);
	struct store_event att = {.entity = hg,
				  .signal = "flow.pps",
				  .kind = "attack",
				  .severity = "critical",
				  .start = 1419260000,
				  .detail = "{\"vectors\":[\"tcp_syn\"]}"};
	assert_int_equal(store_event_put(s, &att), 0);
	assert_int_equal(store_commit(s), 0);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/lo_test_http_%d", (int)getpid());
	sh("rm -rf %s && mkdir -p %s", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/store.db", dir);
	snprintf(web, sizeof(web), "%s/web", dir);
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/assets %s/.git && echo '<h1>x</h1>' > %s/index.html &&"
		 " echo 'let a = 1;' > %s/assets/app.js && echo secret > %s/.git/config &&"
		 " echo secret > %s/notes.txt.sh && ln -s /etc/hostname %s/out.html &&"
		 " ln -s index.html %s/in.html && mkdir -p %s/dir.html",
		 web, web, web, web, web, web, web, web, web);
	assert_int_equal(system(cmd), 0);
	struct lo_err err;
	struct store *w = store_open(dbpath, &err);
	assert_non_null(w);
	fill(w);
	store_close(w);
	st = store_open_reader(dbpath, &err);
	assert_non_null(st);
	assert_int_equal(store_entity(st, "country:DE"), LO_EIO); /* it only reads */
	http_opts_init(&opts);
	opts.db = dbpath;
	opts.mode = "dashboard";
	char *real = realpath(web, NULL);
	assert_non_null(real);
	http_api_init(&api, st, &opts, real, NULL);
	http_resp_init(&resp, opts.max_response);
	*state = real;
	return 0;
}

static int teardown(void **state)
{
	http_resp_fini(&resp);
	http_api_fini(&api);
	store_close(st);
	free(*state);
	sh("rm -rf %s", dir);
	return 0;
}

/* get() - GET @path?@query: the status, the body in resp. */
static int get(const char *path, const char *query)
{
	http_api_get(&api, path, query, &resp);
	if (resp.fd >= 0) {
		close(resp.fd);
		resp.fd = -1;
		return resp.status;
	}
	assert_true(resp.body.len > 0);
	if (resp.status != 200 || !strcmp(resp.type, "application/json"))
		assert_true(resp.body.p[0] == '{');
	return resp.status;
}

static void entities_and_signals(void **state)
{
	assert_int_equal(get("/api/v1/entities", NULL), 200);
	/* most events first: KP (2), then SY and the host group (1), then none */
	const char *kp = strstr(resp.body.p, "country:KP"), *as = strstr(resp.body.p, "asn:131279");
	assert_non_null(kp);
	assert_non_null(as);
	assert_true(kp < as);
	assert_non_null(strstr(resp.body.p,
			       "{\"entity\":\"country:KP\",\"signals\":[\"bgp.visible_slash24\","
			       "\"bgp.withdrawals\"],\"events\":2,\"ongoing\":0,"
			       "\"last_event_start\":\"2014-12-22T16:15:21Z\"}"));
	assert_non_null(strstr(resp.body.p,
			       "{\"entity\":\"asn:131279\",\"signals\":[],\"events\":0,"
			       "\"ongoing\":0,\"last_event_start\":null}"));
	assert_non_null(strstr(resp.body.p,
			       "\"entity\":\"hostgroup:web\",\"signals\":[\"flow.pps\"]"
			       ",\"events\":1,\"ongoing\":1"));

	assert_int_equal(get("/api/v1/entities", "q=kp&limit=5"), 200);
	assert_string_equal(
		resp.body.p,
		"{\"entities\":[{\"entity\":\"country:KP\",\"signals\":["
		"\"bgp.visible_slash24\",\"bgp.withdrawals\"],\"events\":2,\"ongoing\":0,"
		"\"last_event_start\":\"2014-12-22T16:15:21Z\"}]}\n");
	assert_int_equal(get("/api/v1/entities", "q=zz"), 200);
	assert_string_equal(resp.body.p, "{\"entities\":[]}\n");
	assert_int_equal(get("/api/v1/entities", "limit=1"), 200);
	assert_null(strstr(resp.body.p, "country:SY"));
	assert_int_equal(get("/api/v1/entities", "limit=10001"), 400);
	assert_int_equal(get("/api/v1/entities", "q=%27%3B%20DROP%20TABLE%20entity%3B--"), 200);

	assert_int_equal(get("/api/v1/signals", "entity=country:kp"), 200);
	assert_string_equal(resp.body.p, "{\"entity\":\"country:KP\",\"signals\":["
					 "\"bgp.visible_slash24\",\"bgp.withdrawals\"]}\n");
	assert_int_equal(get("/api/v1/signals", "entity=country:XX"), 404);
	assert_int_equal(get("/api/v1/signals", NULL), 400);
	assert_non_null(strstr(resp.body.p, "entity: required"));
}

static void series_and_rebinning(void **state)
{
	assert_int_equal(get("/api/v1/series", "entity=country:KP&signal=bgp.visible_slash24"
					       "&from=2014-12-22T15:10:00Z&until=1419262200"),
			 200);
	assert_string_equal(
		resp.body.p,
		"{\"entity\":\"country:KP\",\"signal\":\"bgp.visible_slash24\",\"bin\":300,"
		"\"points\":[[1419261000,4],[1419261300,0],[1419261600,0],"
		"[1419261900,0]]}\n");
	/* an hour: the minimum of a level */
	assert_int_equal(get("/api/v1/series", "entity=country:KP&bin=3600"), 200);
	assert_string_equal(resp.body.p, "{\"entity\":\"country:KP\",\"signal\":"
					 "\"bgp.visible_slash24\",\"bin\":3600,\"points\":"
					 "[[1419256800,4],[1419260400,0]]}\n");
	/* the sum of a counter (sparse: every fourth bin); its stored bin is still 300 */
	assert_int_equal(get("/api/v1/series", "entity=country:KP&signal=bgp.withdrawals"), 200);
	assert_non_null(strstr(resp.body.p, "\"bin\":300,"));
	assert_int_equal(get("/api/v1/series", "entity=country:KP&signal=bgp.withdrawals&bin=3600"),
			 200);
	assert_non_null(strstr(resp.body.p, "\"points\":[[1419256800,6],[1419260400,6]]"));
	/* the mean of a flow rate; 1000 s is rounded up to 1200 */
	assert_int_equal(get("/api/v1/series", "entity=hostgroup:web&signal=flow.pps&bin=1000"),
			 200);
	assert_non_null(strstr(resp.body.p, "\"bin\":1200,\"points\":[[1419256800,1.5],"));
	/* a bin below the stored one: as stored */
	assert_int_equal(get("/api/v1/series", "entity=hostgroup:web&signal=flow.pps&bin=60"), 200);
	assert_non_null(
		strstr(resp.body.p, "\"bin\":300,\"points\":[[1419256800,0],[1419257100,1],"));
	/* nothing in range, a signal never stored */
	assert_int_equal(get("/api/v1/series", "entity=country:KP&from=1&until=2"), 200);
	assert_non_null(strstr(resp.body.p, "\"points\":[]}"));
	assert_int_equal(get("/api/v1/series", "entity=country:KP&signal=probe.up"), 200);
	assert_non_null(strstr(resp.body.p, "\"bin\":300,\"points\":[]}"));

	assert_int_equal(get("/api/v1/series", "entity=country:XX"), 404);
	assert_int_equal(get("/api/v1/series", "signal=bgp.prefixes"), 400);
	assert_int_equal(get("/api/v1/series", "entity=country:KP&from=5&until=5"), 400);
	assert_int_equal(get("/api/v1/series", "entity=country:KP&bin=0"), 400);
	assert_int_equal(get("/api/v1/series", "entity=country:KP&bin=99999999"), 400);
	assert_int_equal(get("/api/v1/series", "entity=country:KP&signal=BGP"), 400);
	assert_int_equal(get("/api/v1/series", "entity=country:KP&from=tomorrow"), 400);
}

static void events_attacks_incidents(void **state)
{
	assert_int_equal(get("/api/v1/events", NULL), 200);
	/* newest first */
	const char *out = strstr(resp.body.p, "\"kind\":\"outage\",\"severity\":\"critical\"");
	const char *inst = strstr(resp.body.p, "\"kind\":\"instability\"");
	assert_non_null(out);
	assert_non_null(inst);
	assert_true(out < inst);
	assert_non_null(strstr(resp.body.p, "\"start\":\"2014-12-22T16:15:21Z\",\"end\":"
					    "\"2014-12-23T01:46:18Z\",\"duration_s\":34257"));
	assert_int_equal(get("/api/v1/events", "order=asc&limit=1"), 200);
	assert_non_null(strstr(resp.body.p, "\"kind\":\"instability\""));
	assert_null(strstr(resp.body.p, "\"kind\":\"outage\""));
	assert_int_equal(get("/api/v1/events", "entity=country:KP&kind=outage"), 200);
	assert_non_null(strstr(resp.body.p, "2014-12-22T16:15:21Z"));
	assert_null(strstr(resp.body.p, "instability"));
	assert_int_equal(get("/api/v1/events", "severity=warning"), 200);
	assert_non_null(strstr(resp.body.p, "country:SY"));
	assert_null(strstr(resp.body.p, "country:KP"));
	assert_int_equal(get("/api/v1/events", "ongoing=1"), 200);
	assert_non_null(strstr(resp.body.p, "\"kind\":\"attack\""));
	assert_null(strstr(resp.body.p, "outage"));
	/* since/until select events going on in the window */
	assert_int_equal(get("/api/v1/events",
			     "since=2014-12-23T00:00:00Z&until=2014-12-23T01:00:00Z"),
			 200);
	assert_non_null(strstr(resp.body.p, "2014-12-22T16:15:21Z")); /* the outage */
	assert_non_null(strstr(resp.body.p, "\"attack\""));	      /* ongoing */
	assert_null(strstr(resp.body.p, "instability"));
	assert_int_equal(get("/api/v1/events", "since=5&until=4"), 400);
	assert_int_equal(get("/api/v1/events", "kind=Outage"), 400);
	assert_int_equal(get("/api/v1/events", "ongoing=2"), 400);
	assert_int_equal(get("/api/v1/events", "order=up"), 400);

	assert_int_equal(get("/api/v1/attacks", NULL), 200);
	assert_non_null(
		strstr(resp.body.p, "{\"attacks\":[{\"id\":4,\"entity\":\"hostgroup:web\""));
	assert_non_null(strstr(resp.body.p, "\"detail\":{\"vectors\":[\"tcp_syn\"]}}]}"));
	assert_int_equal(get("/api/v1/attacks", "ongoing=0"), 200);
	assert_string_equal(resp.body.p, "{\"attacks\":[]}\n");
	assert_int_equal(get("/api/v1/attacks", "kind=outage"), 400); /* not a parameter here */

	assert_int_equal(get("/api/v1/incidents", "entity=country:KP"), 200);
	assert_non_null(strstr(resp.body.p, "{\"incidents\":[{\"id\":1,\"entity\":\"country:KP\","
					    "\"start\":\"2014-12-21T01:47:36Z\",\"end\":"
					    "\"2014-12-23T01:46:18Z\",\"kinds\":[\"instability\","
					    "\"outage\"],\"events\":[{\"id\":1,"));
	assert_non_null(strstr(resp.body.p, "},{\"id\":2,\"entity\":\"country:KP\""));
	assert_int_equal(get("/api/v1/incidents", "ongoing=1"), 200);
	assert_non_null(strstr(resp.body.p, "\"entity\":\"hostgroup:web\""));
	assert_non_null(strstr(resp.body.p, "\"end\":null,\"kinds\":[\"attack\"]"));
	assert_null(strstr(resp.body.p, "country:"));
	assert_int_equal(get("/api/v1/incidents", "limit=1&order=asc"), 200);
	assert_non_null(strstr(resp.body.p, "\"id\":1,"));
	assert_null(strstr(resp.body.p, "country:SY"));
}

static void status_metrics_errors(void **state)
{
	assert_int_equal(get("/api/v1/status", NULL), 200);
	assert_non_null(
		strstr(resp.body.p, "{\"version\":\"0.1.0\",\"mode\":\"dashboard\",\"now\":\""));
	assert_non_null(strstr(resp.body.p, "\"schema\":3,\"events\":4,\"open_events\":1,"
					    "\"entities\":4}"));
	assert_false(resp.cacheable);
	assert_int_equal(get("/metrics", NULL), 200);
	assert_string_equal(resp.type, "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(resp.body.p, "\nlightsout_store_events 4\n"));
	assert_non_null(strstr(resp.body.p, "\nlightsout_events_open{kind=\"attack\"} 1\n"));
	assert_non_null(strstr(resp.body.p, "\nlightsout_events_open{kind=\"outage\"} 0\n"));

	assert_int_equal(get("/api/v1/events", "bogus=1"), 400);
	assert_string_equal(resp.body.p, "{\"error\":\"unknown parameter 'bogus'\"}\n");
	assert_int_equal(get("/api/v1/events", "limit=5&limit=6"), 400);
	assert_int_equal(get("/api/v1/events", "a=%zz"), 400);
	assert_int_equal(get("/api/v1/nope", NULL), 404);
	assert_int_equal(get("/api/v1/events/", NULL), 404);
	assert_int_equal(get("/api", NULL), 404);

	/* an answer over the cap: 413, told to ask for less */
	lo_buf_fini(&resp.body);
	lo_buf_init(&resp.body, 600);
	assert_int_equal(get("/api/v1/events", NULL), 413);
	assert_non_null(strstr(resp.body.p, "limit"));
	lo_buf_fini(&resp.body);
	lo_buf_init(&resp.body, opts.max_response);
}

/* A query over its time cap is interrupted: 503, and the next one works. */
static void query_deadline(void **state)
{
	struct lo_err err;
	struct store *w = store_open(dbpath, &err);
	assert_non_null(w);
	int64_t id = store_entity(w, "asn:1");
	assert_int_equal(store_begin(w), 0);
	for (int i = 0; i < 300000; i++)
		store_series_put(w, id, "bgp.prefixes", 1000000000 + 300 * (int64_t)i, i % 5);
	assert_int_equal(store_commit(w), 0);
	store_close(w);
	store_set_timeout(st, 1);
	assert_int_equal(get("/api/v1/series", "entity=asn:1&signal=bgp.prefixes&bin=86400"), 503);
	assert_non_null(strstr(resp.body.p, "longer than"));
	store_set_timeout(st, 0);
	assert_int_equal(get("/api/v1/series", "entity=asn:1&signal=bgp.prefixes&bin=86400"), 200);
	assert_non_null(strstr(resp.body.p, "\"bin\":86400,\"points\":[[999993600,0],"));
	/* 300,000 bins as stored: over the 250,000 points of one answer */
	assert_int_equal(get("/api/v1/series", "entity=asn:1&signal=bgp.prefixes"), 400);
	assert_non_null(strstr(resp.body.p, "larger bin"));
}

static void static_files(void **state)
{
	assert_int_equal(get("/", NULL), 200);
	assert_string_equal(resp.type, "text/html; charset=utf-8");
	assert_string_equal(resp.cache, "no-cache");
	assert_int_equal(resp.size, 11);
	assert_int_equal(get("/assets/app.js", NULL), 200);
	assert_string_equal(resp.type, "text/javascript; charset=utf-8");
	assert_int_equal(get("/in.html", NULL), 200);  /* a symlink inside the root */
	assert_int_equal(get("/out.html", NULL), 404); /* ... and one out of it */
	assert_int_equal(get("/.git/config", NULL), 400);
	assert_int_equal(get("/notes.txt.sh", NULL), 404); /* not a type we serve */
	assert_int_equal(get("/dir.html", NULL), 404);	   /* a directory */
	assert_int_equal(get("/missing.html", NULL), 404);
	assert_int_equal(get("/../../etc/passwd", NULL), 400);
	assert_int_equal(get("/%2e%2e/%2e%2e/etc/passwd", NULL), 400);
	assert_int_equal(get("/assets/..%2f..%2fetc", NULL), 400);
	/* no web root: 404 */
	const char *root = api.web_root;
	api.web_root = NULL;
	assert_int_equal(get("/", NULL), 404);
	api.web_root = root;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(entities_and_signals, setup, teardown),
		cmocka_unit_test_setup_teardown(series_and_rebinning, setup, teardown),
		cmocka_unit_test_setup_teardown(events_attacks_incidents, setup, teardown),
		cmocka_unit_test_setup_teardown(status_metrics_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(static_files, setup, teardown),
		cmocka_unit_test_setup_teardown(query_deadline, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
