/*
 * DOC: the BMP side of the daemon: a listener on [bmp] listen; each router
 * connection has a framer (struct bmp_stream) and station state (struct
 * bmp_router, src/bmp) and its own collector id, so that the peers it
 * monitors are RIB peers of their own.  Route Monitoring of the default
 * views (Adj-RIB-In pre-policy and Loc-RIB) becomes BGP4MP_ET records
 * through bmp_route_mrt() and goes to the feed like a neighbor's messages;
 * Peer Down, and the end of the connection, become state changes that take
 * the monitored peers' routes away.  A framing error kills the stream: the
 * connection is closed and logged.  Malformed message bodies are counted,
 * logged (rate-limited) and skipped.
 */
#include "serve/serve_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "bmp/bmp.h"

#define MAX_CONNS 64 /* router connections at once */

struct conn {
	struct server *s;
	struct bufferevent *bev;
	struct bmp_stream st;
	struct bmp_router rt;
	uint16_t collector;
	char peer[64]; /* ADDR:PORT of the router */
	struct lo_buf out;
	struct lo_ratelimit rl;
	struct conn *next;
};

struct bmp_side {
	struct evconnlistener *lis;
	struct conn *conns;
	unsigned n;
	uint16_t next_id;
	struct lo_ratelimit rl;
};

static int64_t now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void feed_out(struct conn *c)
{
	uint32_t now;
	if (!c->out.len)
		return;
	serve_now(&now, NULL);
	feed_record(&c->s->feed, c->collector, (const uint8_t *)c->out.p, c->out.len, now,
		    c->s->stopping ? FEED_ARCHIVE_ONLY : FEED_APPLY);
	lo_buf_reset(&c->out);
}

static void conn_free(struct conn *c)
{
	struct bmp_side *b = c->s->bmp;
	struct lo_err err;
	/* the router is gone: its peers' routes go too */
	lo_buf_reset(&c->out);
	if (bmp_router_down_all(&c->rt, BMP_VIEWS_DEFAULT, now_us(), &c->out, &err) < 0)
		lo_log_err(&c->rl, LO_LOG_WARN, &err);
	feed_out(c);
	lo_log(LO_LOG_WARN,
	       "BMP router %s (%s): closed after %" PRIu64 " messages, %" PRIu64
	       " malformed, %u peers",
	       c->peer, c->rt.sys_name[0] ? c->rt.sys_name : "no sysName", c->rt.stats.messages,
	       c->st.stats.malformed, c->rt.n_peers);
	for (struct conn **p = &b->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	b->n--;
	if (c->bev)
		bufferevent_free(c->bev);
	bmp_router_fini(&c->rt);
	lo_buf_fini(&c->out);
	lo_log_flush(&c->rl);
	free(c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in), done = 0;
	const uint8_t *buf = evbuffer_pullup(in, -1);
	struct lo_err err;

	while (done < len) {
		struct bmp_msg m;
		size_t used = 0;
		int rc = bmp_next(&c->st, buf + done, len - done, &used, &m, &err);
		if (rc == LO_EAGAIN)
			break;
		if (rc < 0) { /* framing: the stream cannot go on */
			lo_log(LO_LOG_WARN, "BMP router %s: %s; closing", c->peer, err.msg);
			evbuffer_drain(in, len);
			conn_free(c);
			return;
		}
		done += used;
		if (m.error) {
			lo_log_rl(&c->rl, LO_LOG_WARN, "BMP router %s: malformed %s message: %s",
				  c->peer, bmp_msg_type_name(m.type), err.msg);
			continue;
		}
		if (bmp_router_apply(&c->rt, &m, &err))
			lo_log_err(&c->rl, LO_LOG_WARN, &err);
		if (m.type == BMP_MSG_INITIATION && c->rt.sys_name[0] && c->collector)
			snprintf(c->s->collector_names[c->collector],
				 sizeof(c->s->collector_names[0]), "bmp:%.59s", c->rt.sys_name);
		if (bmp_route_mrt(&c->rt, &m, BMP_VIEWS_DEFAULT, now_us(), &c->out, &err) < 0)
			lo_log_err(&c->rl, LO_LOG_WARN, &err);
		feed_out(c);
	}
	evbuffer_drain(in, done);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	struct lo_err err;
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		size_t pending = evbuffer_get_length(bufferevent_get_input(c->bev));
		if (bmp_stream_end(&c->st, pending, &err))
			lo_log(LO_LOG_WARN, "BMP router %s: %s", c->peer, err.msg);
		conn_free(c);
	}
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl,
		      void *arg)
{
	struct server *s = arg;
	struct bmp_side *b = s->bmp;
	struct bgp_addr a;
	char host[BGP_ADDR_STRLEN] = "?";
	unsigned port = serve_addr_of(sa, &a);
	(void)l;
	(void)sl;
	if (a.family)
		bgp_fmt_addr(&a, host);
	if (b->n >= MAX_CONNS) {
		lo_log_rl(&b->rl, LO_LOG_WARN, "BMP connection from %s refused: %d routers already",
			  host, MAX_CONNS);
		evutil_closesocket(fd);
		return;
	}
	struct conn *c = calloc(1, sizeof(*c));
	if (!c || !(c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE))) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->s = s;
	c->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 10);
	snprintf(c->peer, sizeof(c->peer), "%s:%u", host, port);
	bmp_stream_init(&c->st, 0);
	bmp_router_init(&c->rt, 0);
	lo_buf_init(&c->out, 4 * (BMP_MAX_MSG + 64));
	c->collector = (uint16_t)(1 + b->next_id++ % (SERVE_MAX_COLLECTORS - 1));
	snprintf(s->collector_names[c->collector], sizeof(s->collector_names[0]), "bmp:%.59s",
		 c->peer);
	c->next = b->conns;
	b->conns = c;
	b->n++;
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ);
	lo_log(LO_LOG_WARN, "BMP router %s connected", c->peer);
}

int bmp_side_new(struct server *s, struct lo_err *err)
{
	const struct conf *cf = s->conf;
	struct bmp_side *b = calloc(1, sizeof(*b));
	if (!b)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	b->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 10);
	s->bmp = b;
	if (!cf->has_bmp_listen)
		return 0;
	if (!(b->lis = serve_listen(s, &cf->bmp_listen, on_accept, s, "BMP", err)))
		return err->code;
	return 0;
}

void bmp_side_free(struct server *s)
{
	struct bmp_side *b = s->bmp;
	if (!b)
		return;
	while (b->conns)
		conn_free(b->conns);
	if (b->lis)
		evconnlistener_free(b->lis);
	lo_log_flush(&b->rl);
	free(b);
	s->bmp = NULL;
}

/* ---------------------------------------------------------------- reports (HTTP) */

void bmp_side_report(struct server *s, struct lo_buf *status, struct lo_buf *metrics)
{
	const struct bmp_side *b = s->bmp;
	lo_buf_printf(status, ",\"bmp\":{\"listening\":%s,\"routers\":[",
		      b && b->lis ? "true" : "false");
	for (const struct conn *c = b ? b->conns : NULL; c; c = c->next) {
		unsigned up = 0;
		for (uint32_t i = 0; i < c->rt.n_peers; i++)
			up += c->rt.peers[i].up;
		lo_buf_printf(status, "%s{\"router\":", c == b->conns ? "" : ",");
		http_json_str(status, c->peer);
		lo_buf_printf(status, ",\"sys_name\":");
		http_json_str(status, c->rt.sys_name);
		lo_buf_printf(status,
			      ",\"peers\":%" PRIu32 ",\"peers_up\":%u,\"messages\":%" PRIu64
			      ",\"malformed\":%" PRIu64 "}",
			      c->rt.n_peers, up, c->st.stats.messages, c->st.stats.malformed);
	}
	lo_buf_printf(status, "]}");
	lo_buf_printf(metrics,
		      "# HELP lightsout_bmp_routers BMP router connections open.\n"
		      "# TYPE lightsout_bmp_routers gauge\n"
		      "lightsout_bmp_routers %u\n",
		      b ? b->n : 0);
	static const char *const fam[][3] = {
		{"lightsout_bmp_messages_total", "BMP messages received from a router connection.",
		 "counter"},
		{"lightsout_bmp_malformed_total",
		 "Malformed BMP messages from a router connection "
		 "(skipped).",
		 "counter"},
		{"lightsout_bmp_peers_up", "Monitored peers up at a router.", "gauge"},
	};
	for (unsigned f = 0; f < 3; f++) {
		lo_buf_printf(metrics, "# HELP %s %s\n# TYPE %s %s\n", fam[f][0], fam[f][1],
			      fam[f][0], fam[f][2]);
		for (const struct conn *c = b ? b->conns : NULL; c; c = c->next) {
			uint64_t v = f == 0 ? c->st.stats.messages : c->st.stats.malformed;
			if (f == 2) {
				v = 0;
				for (uint32_t i = 0; i < c->rt.n_peers; i++)
					v += c->rt.peers[i].up;
			}
			lo_buf_printf(metrics, "%s{router=", fam[f][0]);
			http_prom_label(metrics, c->peer);
			lo_buf_printf(metrics, "} %" PRIu64 "\n", v);
		}
	}
}
