/*
 * DOC: libFuzzer target for what an HTTP request can say to src/http: the
 * input is "PATH?QUERY" (the first '?' splits; bytes after a NUL are
 * ignored).  The query string goes through the parser and every parameter
 * check with every parameter name it holds; the path through the static
 * file cleaner; and the whole request through the API router over a small
 * in-memory store (events, series, incidents, status, metrics), so that
 * each handler's checks, queries and JSON writers run on hostile input.
 * Every answer must be one JSON object (or metrics text) within the cap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

static struct store *st;
static struct http_opts opts;
static struct http_api api;
static struct http_resp resp;

static void init(void)
{
	struct lo_err err;
	st = store_open(":memory:", &err);
	if (!st)
		abort();
	int64_t kp = store_entity(st, "country:KP"), hg = store_entity(st, "hostgroup:web");
	for (int i = 0; i < 64; i++) {
		store_series_put(st, kp, "bgp.visible_slash24", 1419256800 + 300 * i,
				 i % 7 ? 4 : 0);
		store_series_put(st, kp, "bgp.withdrawals", 1419256800 + 900 * i, i);
		store_series_put(st, hg, "flow.pps", 1419256800 + 300 * i, i * 1.5);
	}
	struct store_event ev = {.entity = kp,
				 .signal = "bgp.visible_slash24",
				 .kind = "outage",
				 .severity = "critical",
				 .start = 1419264921,
				 .end = 1419299178,
				 .detail = "{\"x\":1}"};
	store_event_put(st, &ev);
	struct store_event at = {.entity = hg,
				 .signal = "flow.pps",
				 .kind = "attack",
				 .severity = "warning",
				 .start = 1419264000};
	store_event_put(st, &at);
	store_set_timeout(st, 1000);
	http_opts_init(&opts);
	opts.db = ":memory:";
	opts.max_response = 64 << 10;
	http_api_init(&api, st, &opts, NULL, NULL);
	http_resp_init(&resp, opts.max_response);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const orders[] = {"desc", "asc", NULL};
	char in[8192], clean[512], ent[HTTP_ENTITY_MAX + 1];
	struct http_query q;
	struct lo_err err;

	if (!st)
		init();
	if (size >= sizeof(in))
		size = sizeof(in) - 1;
	memcpy(in, data, size);
	in[size] = 0;
	char *query = strchr(in, '?');
	if (query)
		*query++ = 0;

	if (http_query_parse(&q, query, &err) == 0) {
		for (unsigned i = 0; i < q.n; i++) {
			const char *name = q.name[i];
			unsigned u;
			int64_t t;
			int b;
			const char *w;
			http_param_uint(&q, name, 0, 1, 10000, &u, &err);
			http_param_time(&q, name, 0, &t, &err);
			http_param_bool(&q, name, -1, &b, &err);
			http_param_word(&q, name, &w, &err);
			http_param_choice(&q, name, orders, 0, &b, &err);
			http_param_entity(&q, name, true, ent, sizeof(ent), &err);
		}
		if (http_query_unused(&q))
			abort(); /* every parameter was asked for */
	}
	if (http_path_clean(in, clean, sizeof(clean)) == 0 &&
	    (strstr(clean, "..") == clean || strstr(clean, "/..") || clean[0] == '/' ||
	     strchr(clean, '\\')))
		abort(); /* a way out of the web root */

	/* the API proper, on the routes and on whatever the path says */
	static const char *const paths[] = {"/api/v1/entities", "/api/v1/signals",
					    "/api/v1/series",	"/api/v1/events",
					    "/api/v1/attacks",	"/api/v1/incidents",
					    "/api/v1/status",	"/metrics"};
	const char *path = in[0] == '/' ? in : paths[(size ? data[0] : 0) % 8];
	http_api_get(&api, path, query, &resp);
	if (resp.fd >= 0)
		abort(); /* no web root: no files */
	if (resp.status < 200 || resp.status > 599 || !resp.body.len || resp.body.len > (64 << 10))
		abort();
	if (strcmp(resp.type, "application/json") == 0 &&
	    (resp.body.p[0] != '{' || resp.body.p[resp.body.len - 1] != '\n'))
		abort();
	return 0;
}
