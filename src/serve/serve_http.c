/*
 * DOC: the daemon's HTTP side: [http] listen starts src/http (the API,
 * /metrics, the dashboard) with mode "serve", and this file hands it what
 * only the daemon knows — BGP neighbors and their states, BMP routers, the
 * flow collectors, the feed, the RIB and the malformed inputs counted.
 *
 * The HTTP server runs on threads of its own; the daemon's state is not
 * thread-safe and must never be read from them.  So once a second, on the
 * daemon's loop, http_side_tick() writes the status members and the metric
 * families into a pair of buffers and publishes them under a mutex; the
 * HTTP threads only copy the published text.  An answer is at most one
 * second behind, and a flood of requests costs the daemon nothing.
 */
#include "serve/serve_int.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SNAPSHOT_MAX (8u << 20) /* bytes of status or metrics text */

struct http_side {
	struct http *h;
	pthread_mutex_t mu;
	struct lo_buf status, metrics; /* published (under mu) */
	struct lo_buf st_next, m_next; /* being made on the loop */
};

static void copy_out(struct http_side *hs, const struct lo_buf *src, struct lo_buf *out)
{
	pthread_mutex_lock(&hs->mu);
	if (src->len)
		lo_buf_add(out, src->p, src->len);
	pthread_mutex_unlock(&hs->mu);
}

static void src_status(void *ctx, struct lo_buf *out)
{
	struct http_side *hs = ctx;
	copy_out(hs, &hs->status, out);
}

static void src_metrics(void *ctx, struct lo_buf *out)
{
	struct http_side *hs = ctx;
	copy_out(hs, &hs->metrics, out);
}

static void gauge(struct lo_buf *m, const char *name, const char *help, uint64_t v)
{
	lo_buf_printf(m, "# HELP %s %s\n# TYPE %s gauge\n%s %" PRIu64 "\n", name, help, name, name,
		      v);
}

static void counter(struct lo_buf *m, const char *name, const char *help, uint64_t v)
{
	lo_buf_printf(m, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name,
		      name, v);
}

/* snapshot() - the daemon's part of /api/v1/status and /metrics, made on the loop. */
static void snapshot(struct server *s, struct lo_buf *st, struct lo_buf *m)
{
	struct watch_stats ws = {0};
	uint64_t bad_bgp = 0, bad_flow = 0;
	if (s->watch)
		watch_stats(s->watch, &ws);
	lo_buf_printf(st,
		      ",\"feed\":{\"records\":%" PRIu64 ",\"elems\":%" PRIu64 ",\"errors\":%" PRIu64
		      "},\"rib\":{\"peers\":%zu,\"prefixes_ipv4\":%zu,\"prefixes_ipv6\":%zu,"
		      "\"routes\":%zu,\"visible_ipv4\":%zu,\"visible_ipv6\":%zu,\"bytes\":%zu},"
		      "\"watch\":{\"entities\":%u,\"events_closed\":%" PRIu64 ",\"errors\":%" PRIu64
		      ",\"series_rows\":%" PRIu64 "}",
		      s->feed.records, s->feed.elems, s->feed.errors, ws.rib.peers,
		      ws.rib.prefixes[0], ws.rib.prefixes[1], ws.rib.routes, ws.rib.visible[0],
		      ws.rib.visible[1], ws.rib.bytes, ws.entities, ws.events, ws.errors,
		      ws.series_rows);
	counter(m, "lightsout_bgp_records_total",
		"BGP messages and BMP route monitoring messages received, as MRT records.",
		s->feed.records);
	counter(m, "lightsout_bgp_elems_total",
		"Route elems (announcements, withdrawals, "
		"state changes) applied to the RIB.",
		s->feed.elems);
	gauge(m, "lightsout_rib_peers", "Peers with routes in the RIB.", ws.rib.peers);
	gauge(m, "lightsout_rib_routes", "Routes (prefix, peer) in the RIB.", ws.rib.routes);
	lo_buf_printf(m,
		      "# HELP lightsout_rib_prefixes Prefixes with at least one route.\n"
		      "# TYPE lightsout_rib_prefixes gauge\n"
		      "lightsout_rib_prefixes{family=\"ipv4\"} %zu\n"
		      "lightsout_rib_prefixes{family=\"ipv6\"} %zu\n"
		      "# HELP lightsout_rib_visible_prefixes Prefixes visible (seen by most "
		      "full-feed peers).\n# TYPE lightsout_rib_visible_prefixes gauge\n"
		      "lightsout_rib_visible_prefixes{family=\"ipv4\"} %zu\n"
		      "lightsout_rib_visible_prefixes{family=\"ipv6\"} %zu\n",
		      ws.rib.prefixes[0], ws.rib.prefixes[1], ws.rib.visible[0], ws.rib.visible[1]);
	gauge(m, "lightsout_rib_bytes", "Memory held by the RIB.", ws.rib.bytes);
	counter(m, "lightsout_watch_events_closed_total", "Events that ended since the start.",
		ws.events);
	bgp_side_report(s, st, m, &bad_bgp);
	bmp_side_report(s, st, m);
	flow_side_report(s, st, m, &bad_flow);
	probe_side_report(s, st, m);
	lo_buf_printf(m,
		      "# HELP lightsout_malformed_inputs_total Malformed inputs counted and "
		      "skipped: MRT records, BGP UPDATEs (RFC 7606), flow datagrams.\n"
		      "# TYPE lightsout_malformed_inputs_total counter\n"
		      "lightsout_malformed_inputs_total{input=\"mrt\"} %" PRIu64 "\n"
		      "lightsout_malformed_inputs_total{input=\"bgp\"} %" PRIu64 "\n"
		      "lightsout_malformed_inputs_total{input=\"flow\"} %" PRIu64 "\n",
		      s->feed.errors, bad_bgp, bad_flow);
}

void http_side_tick(struct server *s)
{
	struct http_side *hs = s->http;
	if (!hs)
		return;
	lo_buf_reset(&hs->st_next);
	lo_buf_reset(&hs->m_next);
	snapshot(s, &hs->st_next, &hs->m_next);
	pthread_mutex_lock(&hs->mu);
	struct lo_buf t = hs->status;
	hs->status = hs->st_next;
	hs->st_next = t;
	t = hs->metrics;
	hs->metrics = hs->m_next;
	hs->m_next = t;
	pthread_mutex_unlock(&hs->mu);
}

int http_side_new(struct server *s, const char *db, const char *web_root, struct lo_err *err)
{
	const struct conf *c = s->conf;
	if (!c->has_http_listen)
		return 0;
	struct http_side *hs = calloc(1, sizeof(*hs));
	if (!hs)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	pthread_mutex_init(&hs->mu, NULL);
	lo_buf_init(&hs->status, SNAPSHOT_MAX);
	lo_buf_init(&hs->metrics, SNAPSHOT_MAX);
	lo_buf_init(&hs->st_next, SNAPSHOT_MAX);
	lo_buf_init(&hs->m_next, SNAPSHOT_MAX);
	s->http = hs;
	http_side_tick(s); /* the first snapshot, before the first request */

	struct http_opts o;
	http_opts_init(&o);
	o.addr_len = serve_sockaddr(&c->http_listen.addr, c->http_listen.port, &o.addr);
	o.db = db;
	o.web_root = web_root;
	o.mode = "serve";
	o.threads = 1; /* the daemon's own work comes first */
	o.source = (struct http_source){src_status, src_metrics, hs};
	char text[80];
	conf_endpoint_fmt(&c->http_listen, text, sizeof(text));
	if (http_start(&hs->h, &o, err))
		return err->code;
	lo_log(LO_LOG_INFO, "HTTP listening on %s (web root %s)", text,
	       web_root ? web_root : "none");
	return 0;
}

void http_side_free(struct server *s)
{
	struct http_side *hs = s->http;
	if (!hs)
		return;
	http_stop(hs->h); /* the threads are gone: nothing reads the buffers any more */
	lo_buf_fini(&hs->status);
	lo_buf_fini(&hs->metrics);
	lo_buf_fini(&hs->st_next);
	lo_buf_fini(&hs->m_next);
	pthread_mutex_destroy(&hs->mu);
	free(hs);
	s->http = NULL;
}
