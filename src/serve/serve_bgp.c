/*
 * DOC: the BGP side of the daemon: listeners on [bgp] listen, one session
 * (src/peer) per [neighbor NAME], its TCP connection a libevent
 * bufferevent.
 *
 * A connection is accepted only from a configured neighbor's address, and
 * only while that neighbor has no connection; anything else is closed at
 * once (logged, rate-limited).  Active neighbors (passive = no) are dialled
 * when their session asks.  Every message received goes to the feed: it is
 * archived as received and, when the session accepted it, decoded into the
 * pipeline.  RFC 7606: an UPDATE classified treat-as-withdraw has its
 * announcements applied as withdrawals; attribute-discard UPDATEs are
 * applied (the MRT decoder drops malformed attributes itself); a message
 * that reset the session is only archived.  Entering Established and
 * leaving it become MRT state changes, so the RIB drops a peer's routes
 * when its session ends (graceful restart's stale routes are not kept).
 */
#include "serve/serve_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "peer/peer.h"

#define MAX_LISTENERS CONF_MAX_REPEAT

struct nbr {
	struct server *s;
	struct conf_neighbor cfg; /* a copy: reloads free the config */
	struct peer *peer;
	struct bufferevent *bev;
	bool closing;		/* free bev once its output is written */
	struct bgp_addr local;	/* our address on the connection */
	struct event *timer;	/* at peer_next_deadline() */
	bool stale;		/* not in the config being applied */
	enum peer_state last;	/* for MRT state changes */
	int64_t established_ms; /* when the session reached Established */
	bool rtbh_sync;		/* send it every blackhole route (next tick) */
	struct lo_ratelimit rl;
};

struct bgp_side {
	struct evconnlistener *lis[MAX_LISTENERS];
	unsigned n_lis;
	struct nbr **v;
	unsigned n;
	struct lo_ratelimit rl;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * flush_now() - write what the connection's output holds (a NOTIFICATION
 * before a close) with send() on the socket: the bufferevent's output can't
 * be drained from outside (libevent freezes its start), and the loop won't
 * run again for it.  Best effort, never blocks.
 */
static void flush_now(struct nbr *n)
{
	if (!n->bev)
		return;
	struct evbuffer *out = bufferevent_get_output(n->bev);
	evutil_socket_t fd = bufferevent_getfd(n->bev);
	size_t len = evbuffer_get_length(out), done = 0;
	const unsigned char *p = len ? evbuffer_pullup(out, -1) : NULL;
	while (p && fd >= 0 && done < len) {
		ssize_t w = send(fd, p + done, len - done, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
}

static void addr_text(const struct bgp_addr *a, char *buf)
{
	bgp_fmt_addr(a, buf);
}

/* ---------------------------------------------------------------- connection */

static void arm(struct nbr *n)
{
	int64_t at = peer_next_deadline(n->peer), now = mono_ms();
	if (at == INT64_MAX) {
		evtimer_del(n->timer);
		return;
	}
	int64_t d = at > now ? at - now : 0;
	struct timeval tv = {(time_t)(d / 1000), (suseconds_t)(d % 1000) * 1000};
	evtimer_add(n->timer, &tv);
}

static void drop_bev(struct nbr *n)
{
	if (n->bev)
		bufferevent_free(n->bev);
	n->bev = NULL;
	n->closing = false;
}

/* Close once what the session queued (a NOTIFICATION) is written. */
static void close_after_write(struct nbr *n)
{
	if (!n->bev)
		return;
	if (!evbuffer_get_length(bufferevent_get_output(n->bev)))
		drop_bev(n);
	else
		n->closing = true;
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct nbr *n = arg;
	(void)bev;
	if (n->closing)
		drop_bev(n);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct nbr *n = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t buf[16384];
	int got;
	while (n->bev == bev && (got = evbuffer_remove(in, buf, sizeof(buf))) > 0) {
		if (n->closing)
			continue; /* the session ended: ignore the rest */
		peer_input(n->peer, buf, (size_t)got, mono_ms());
	}
	arm(n);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct nbr *n = arg;
	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		memset(&n->local, 0, sizeof(n->local));
		if (!getsockname(bufferevent_getfd(bev), (struct sockaddr *)&ss, &sl))
			serve_addr_of((struct sockaddr *)&ss, &n->local);
		if (peer_connected(n->peer, mono_ms()))
			drop_bev(n);
		arm(n);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		drop_bev(n);
		peer_tcp_lost(n->peer, mono_ms());
		arm(n);
	}
}

static void setup_bev(struct nbr *n, struct bufferevent *bev)
{
	n->bev = bev;
	n->closing = false;
	bufferevent_setcb(bev, on_read, on_write, on_event, n);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* ---------------------------------------------------------------- session callbacks */

static int cb_send(void *ctx, const uint8_t *p, size_t len)
{
	struct nbr *n = ctx;
	if (!n->bev || n->closing)
		return -1;
	return bufferevent_write(n->bev, p, len) ? -1 : 0;
}

static void mrt_head(struct nbr *n, struct mrt_bgp4mp *h)
{
	const struct peer_neg *neg = peer_negotiated(n->peer);
	memset(h, 0, sizeof(*h));
	serve_now(&h->time, &h->usec);
	h->et = true;
	h->peer_asn = neg && neg->peer_asn ? neg->peer_asn : n->cfg.asn;
	h->local_asn = n->s->conf->has_bgp_asn ? n->s->conf->bgp_asn : 0;
	h->peer_addr = n->cfg.address;
	h->local_addr = n->local;
	if (h->local_addr.family != h->peer_addr.family) {
		memset(&h->local_addr, 0, sizeof(h->local_addr));
		h->local_addr.family = h->peer_addr.family;
	}
}

static void cb_message(void *ctx, const struct peer_msg *m)
{
	struct nbr *n = ctx;
	const struct peer_neg *neg = peer_negotiated(n->peer);
	struct mrt_bgp4mp h;
	unsigned flags = 0;

	mrt_head(n, &h);
	if (neg && !neg->as4)
		flags |= MRT_MSG_AS2;
	if (neg && (neg->addpath_ipv4 || neg->addpath_ipv6))
		flags |= MRT_MSG_ADDPATH;
	if (m->verdict != PEER_VERDICT_OK) {
		char a[BGP_ADDR_STRLEN];
		addr_text(&n->cfg.address, a);
		lo_log_rl(&n->rl, LO_LOG_WARN,
			  "neighbor %s (%s AS%" PRIu32 "): message type %u: %s: %s", n->cfg.name, a,
			  n->cfg.asn, m->type, peer_verdict_name(m->verdict),
			  m->update ? m->update->reason : "rejected by the FSM");
	}
	if (m->update && m->update->eor) {
		char a[BGP_ADDR_STRLEN];
		addr_text(&n->cfg.address, a);
		lo_log(LO_LOG_WARN,
		       "neighbor %s (%s): End-of-RIB AFI %u SAFI %u: %" PRIu64
		       " prefixes received, %.3f s after Established",
		       n->cfg.name, a, m->update->eor_afi, m->update->eor_safi,
		       peer_stats_get(n->peer)->rx_prefixes,
		       (double)(mono_ms() - n->established_ms) / 1000.0);
	}
	enum feed_apply how = m->verdict == PEER_VERDICT_SESSION_RESET	     ? FEED_ARCHIVE_ONLY
			      : m->verdict == PEER_VERDICT_TREAT_AS_WITHDRAW ? FEED_AS_WITHDRAW
									     : FEED_APPLY;
	feed_message(&n->s->feed, &h, m->data, m->len, flags, how);
}

static void cb_state(void *ctx, enum peer_state from, enum peer_state to, const char *reason)
{
	struct nbr *n = ctx;
	char a[BGP_ADDR_STRLEN];
	struct mrt_bgp4mp h;

	addr_text(&n->cfg.address, a);
	if (to == PEER_ESTABLISHED) {
		n->established_ms = mono_ms();
		n->rtbh_sync = n->cfg.blackhole;
	}
	if (to == PEER_ESTABLISHED || from == PEER_ESTABLISHED)
		lo_log(LO_LOG_WARN, "neighbor %s (%s AS%" PRIu32 "): %s -> %s: %s", n->cfg.name, a,
		       n->cfg.asn, peer_state_name(from), peer_state_name(to), reason);
	else
		lo_log(LO_LOG_INFO, "neighbor %s (%s AS%" PRIu32 "): %s -> %s: %s", n->cfg.name, a,
		       n->cfg.asn, peer_state_name(from), peer_state_name(to), reason);
	/* RFC 6396 state numbers: Idle 1 .. Established 6 */
	if (to == PEER_ESTABLISHED || from == PEER_ESTABLISHED) {
		mrt_head(n, &h);
		/* stopping the daemon archives the session's end but is not an
		 * outage of everything the neighbor carried */
		feed_state(&n->s->feed, &h, (uint16_t)(from + 1), (uint16_t)(to + 1),
			   n->s->stopping ? FEED_ARCHIVE_ONLY : FEED_APPLY);
	}
	if (from == PEER_ESTABLISHED)
		n->s->trim = true;
	if ((to == PEER_IDLE || to == PEER_ACTIVE || to == PEER_CONNECT) && from >= PEER_OPENSENT)
		close_after_write(n);
	n->last = to;
}

static void cb_connect(void *ctx)
{
	struct nbr *n = ctx;
	struct sockaddr_storage ss;
	socklen_t sl = serve_sockaddr(&n->cfg.address, n->cfg.port, &ss);
	drop_bev(n);
	struct bufferevent *bev = bufferevent_socket_new(n->s->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		peer_tcp_lost(n->peer, mono_ms());
		return;
	}
	setup_bev(n, bev);
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&ss, (int)sl)) {
		drop_bev(n);
		/* not from inside the session's callback: the timer reports it */
		event_active(n->timer, EV_TIMEOUT, 0);
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct nbr *n = arg;
	(void)fd;
	(void)what;
	int64_t now = mono_ms();
	if (!n->bev && (peer_state(n->peer) == PEER_CONNECT))
		peer_tcp_lost(n->peer, now); /* the connect attempt failed at once */
	peer_tick(n->peer, now);
	arm(n);
}

/* ---------------------------------------------------------------- neighbors */

static void nbr_free(struct nbr *n)
{
	if (!n)
		return;
	drop_bev(n);
	if (n->timer)
		event_free(n->timer);
	peer_free(n->peer);
	free(n);
}

static struct nbr *nbr_new(struct server *s, const struct conf_neighbor *c, struct lo_err *err)
{
	struct nbr *n = calloc(1, sizeof(*n));
	struct peer_opts po;
	char a[BGP_ADDR_STRLEN];
	if (!n) {
		lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
		return NULL;
	}
	n->s = s;
	n->cfg = *c;
	n->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 10);
	peer_opts_init(&po);
	addr_text(&c->address, a);
	snprintf(po.name, sizeof(po.name), "%.15s %.46s", c->name, a);
	po.local_asn = s->conf->bgp_asn;
	memcpy(po.router_id, s->conf->bgp_router_id.b, 4);
	po.remote = c->address;
	po.remote_asn = c->asn;
	po.hold_time = c->hold_time;
	po.passive = c->passive;
	if (c->passive) /* a collector takes a router back at once after a reset */
		po.idle_hold_ms = 100;
	struct peer_cbs cbs = {.ctx = n,
			       .send = cb_send,
			       .on_message = cb_message,
			       .on_state = cb_state,
			       .connect = cb_connect};
	if (peer_new(&n->peer, &po, &cbs, err) || !(n->timer = evtimer_new(s->base, on_timer, n))) {
		nbr_free(n);
		return NULL;
	}
	peer_start(n->peer, mono_ms());
	arm(n);
	return n;
}

static struct nbr *nbr_by_addr(struct bgp_side *b, const struct bgp_addr *a)
{
	for (unsigned i = 0; i < b->n; i++)
		if (b->v[i]->cfg.address.family == a->family &&
		    !memcmp(b->v[i]->cfg.address.b, a->b, a->family == 4 ? 4 : 16))
			return b->v[i];
	return NULL;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl,
		      void *arg)
{
	struct server *s = arg;
	struct bgp_side *b = s->bgp;
	struct bgp_addr a;
	char text[BGP_ADDR_STRLEN];
	(void)l;
	(void)sl;
	serve_addr_of(sa, &a);
	struct nbr *n = a.family ? nbr_by_addr(b, &a) : NULL;
	addr_text(&a, text);
	if (!n || n->bev) {
		lo_log_rl(&b->rl, LO_LOG_WARN, "BGP connection from %s refused: %s", text,
			  n ? "the neighbor has a connection already"
			    : "not a configured neighbor");
		evutil_closesocket(fd);
		return;
	}
	struct bufferevent *bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		evutil_closesocket(fd);
		return;
	}
	struct sockaddr_storage ss;
	socklen_t ssl = sizeof(ss);
	memset(&n->local, 0, sizeof(n->local));
	if (!getsockname(fd, (struct sockaddr *)&ss, &ssl))
		serve_addr_of((struct sockaddr *)&ss, &n->local);
	setup_bev(n, bev);
	if (peer_connected(n->peer, mono_ms())) {
		lo_log_rl(&b->rl, LO_LOG_WARN, "BGP connection from %s refused: session %s", text,
			  peer_state_name(peer_state(n->peer)));
		drop_bev(n);
	}
	arm(n);
}

/* ---------------------------------------------------------------- side */

static int add_nbr(struct server *s, const struct conf_neighbor *c, struct lo_err *err)
{
	struct bgp_side *b = s->bgp;
	struct nbr **v = realloc(b->v, (b->n + 1) * sizeof(*v));
	if (!v)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	b->v = v;
	if (!(b->v[b->n] = nbr_new(s, c, err)))
		return err->code ? err->code : LO_ENOMEM;
	b->n++;
	return 0;
}

int bgp_side_new(struct server *s, struct lo_err *err)
{
	const struct conf *c = s->conf;
	struct bgp_side *b = calloc(1, sizeof(*b));
	if (!b)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	b->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 10);
	s->bgp = b;
	for (size_t i = 0; i < c->n_bgp_listen && i < MAX_LISTENERS; i++) {
		b->lis[b->n_lis] = serve_listen(s, &c->bgp_listen[i], on_accept, s, "BGP", err);
		if (!b->lis[b->n_lis])
			return err->code;
		b->n_lis++;
	}
	for (size_t i = 0; i < c->n_neighbors; i++)
		if (add_nbr(s, &c->neighbors[i], err))
			return err->code;
	return 0;
}

static bool same_nbr(const struct conf_neighbor *a, const struct conf_neighbor *b)
{
	return !strcmp(a->name, b->name) && a->asn == b->asn && a->port == b->port &&
	       a->hold_time == b->hold_time && a->passive == b->passive &&
	       a->address.family == b->address.family && !memcmp(a->address.b, b->address.b, 16);
}

void bgp_side_reload(struct server *s)
{
	struct bgp_side *b = s->bgp;
	const struct conf *c = s->conf;
	struct lo_err err;
	if (!b)
		return;
	for (unsigned i = 0; i < b->n; i++)
		b->v[i]->stale = true;
	for (size_t k = 0; k < c->n_neighbors; k++) {
		bool kept = false;
		for (unsigned i = 0; i < b->n && !kept; i++)
			if (b->v[i]->stale && same_nbr(&b->v[i]->cfg, &c->neighbors[k])) {
				b->v[i]->stale = false;
				b->v[i]->cfg = c->neighbors[k];
				kept = true;
			}
		if (!kept && add_nbr(s, &c->neighbors[k], &err))
			lo_log(LO_LOG_ERROR, "neighbor %s: %s", c->neighbors[k].name, err.msg);
		else if (!kept)
			lo_log(LO_LOG_WARN, "neighbor %s: added", c->neighbors[k].name);
	}
	unsigned j = 0;
	for (unsigned i = 0; i < b->n; i++) {
		struct nbr *n = b->v[i];
		if (!n->stale) {
			b->v[j++] = n;
			continue;
		}
		lo_log(LO_LOG_WARN, "neighbor %s: removed from the config", n->cfg.name);
		peer_close(n->peer, PEER_CEASE_DECONFIGURED, "removed from the configuration",
			   mono_ms());
		flush_now(n);
		nbr_free(n);
	}
	b->n = j;
}

/* ---------------------------------------------------------------- RTBH */

#define RTBH_COMMUNITY 0xFFFF029Au /* 65535:666 BLACKHOLE, RFC 7999 */
#define NO_EXPORT      0xFFFFFF01u /* 65535:65281, RFC 1997 */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/*
 * rtbh_body() - the UPDATE body announcing (or withdrawing) the host route
 * of @a to @n: ORIGIN IGP, AS_PATH [our ASN] on eBGP (empty on iBGP),
 * NEXT_HOP our address on the session (IPv4) or MP_REACH with our IPv6
 * address, LOCAL_PREF 100 on iBGP, COMMUNITIES BLACKHOLE and NO_EXPORT.
 * Returns the length, or 0 when the session cannot carry it (an IPv6 host
 * without IPv6 unicast negotiated or an IPv6 address of ours).
 */
static size_t rtbh_body(const struct nbr *n, const struct bgp_addr *a, bool announce, uint8_t *b)
{
	const struct peer_neg *neg = peer_negotiated(n->peer);
	size_t alen = a->family == 4 ? 4 : 16, plen = alen * 8;
	size_t k = 0;
	if (a->family == 6 && (!neg->ipv6 || (announce && n->local.family != 6)))
		return 0;
	if (a->family == 4 && !announce) { /* withdrawn routes */
		put16(b, (unsigned)(1 + alen));
		b[2] = (uint8_t)plen;
		memcpy(b + 3, a->b, alen);
		put16(b + 3 + alen, 0);
		return 5 + alen;
	}
	put16(b, 0); /* no withdrawn routes */
	k = 4;	     /* attribute length at b[2..3], filled below */
	if (!announce) {
		b[k++] = 0x80, b[k++] = 15; /* MP_UNREACH_NLRI */
		b[k++] = (uint8_t)(3 + 1 + alen);
		put16(b + k, 2), k += 2;
		b[k++] = 1;
		b[k++] = (uint8_t)plen;
		memcpy(b + k, a->b, alen), k += alen;
		put16(b + 2, (unsigned)(k - 4));
		return k;
	}
	b[k++] = 0x40, b[k++] = 1, b[k++] = 1, b[k++] = 0; /* ORIGIN IGP */
	b[k++] = 0x40, b[k++] = 2;			   /* AS_PATH */
	if (neg->ibgp) {
		b[k++] = 0;
	} else {
		uint32_t asn = n->s->conf->bgp_asn;
		bool as4 = neg->as4;
		b[k++] = (uint8_t)(2 + (as4 ? 4 : 2));
		b[k++] = 2, b[k++] = 1; /* AS_SEQUENCE of one */
		if (as4)
			put32(b + k, asn), k += 4;
		else
			put16(b + k, asn > 0xffff ? 23456 : asn), k += 2; /* AS_TRANS */
	}
	if (a->family == 4) {
		b[k++] = 0x40, b[k++] = 3, b[k++] = 4; /* NEXT_HOP */
		if (n->local.family == 4)
			memcpy(b + k, n->local.b, 4);
		else
			memcpy(b + k, n->s->conf->bgp_router_id.b, 4);
		k += 4;
	}
	if (neg->ibgp) {
		b[k++] = 0x40, b[k++] = 5, b[k++] = 4; /* LOCAL_PREF */
		put32(b + k, 100), k += 4;
	}
	b[k++] = 0xC0, b[k++] = 8, b[k++] = 8; /* COMMUNITIES */
	put32(b + k, RTBH_COMMUNITY), k += 4;
	put32(b + k, NO_EXPORT), k += 4;
	if (a->family == 6) {
		b[k++] = 0x80, b[k++] = 14; /* MP_REACH_NLRI */
		b[k++] = (uint8_t)(2 + 1 + 1 + 16 + 1 + 1 + alen);
		put16(b + k, 2), k += 2;
		b[k++] = 1;
		b[k++] = 16;
		memcpy(b + k, n->local.b, 16), k += 16;
		b[k++] = 0; /* reserved */
		b[k++] = (uint8_t)plen;
		memcpy(b + k, a->b, alen), k += alen;
		put16(b + 2, (unsigned)(k - 4));
		return k;
	}
	put16(b + 2, (unsigned)(k - 4));
	b[k++] = (uint8_t)plen; /* NLRI */
	memcpy(b + k, a->b, alen), k += alen;
	return k;
}

static void rtbh_send(struct nbr *n, const struct bgp_addr *a, bool announce)
{
	uint8_t body[128];
	char text[BGP_ADDR_STRLEN], peer[BGP_ADDR_STRLEN];
	if (!n->cfg.blackhole || peer_state(n->peer) != PEER_ESTABLISHED)
		return;
	size_t len = rtbh_body(n, a, announce, body);
	addr_text(a, text);
	addr_text(&n->cfg.address, peer);
	if (!len || peer_send_update(n->peer, body, len, mono_ms()) < 0) {
		lo_log_rl(&n->rl, LO_LOG_WARN, "neighbor %s (%s): cannot send blackhole %s of %s",
			  n->cfg.name, peer, announce ? "route" : "withdrawal", text);
		return;
	}
	lo_log(LO_LOG_WARN, "neighbor %s (%s): blackhole %s %s/%u community 65535:666", n->cfg.name,
	       peer, announce ? "announced" : "withdrawn", text, a->family == 4 ? 32u : 128u);
}

int bgp_side_blackhole(struct server *s, const struct bgp_addr *a, bool announce)
{
	struct bgp_side *b = s->bgp;
	size_t i;
	for (i = 0; i < s->n_rtbh; i++)
		if (s->rtbh[i].family == a->family && !memcmp(s->rtbh[i].b, a->b, 16))
			break;
	if (announce && i == s->n_rtbh) {
		if (s->n_rtbh == SERVE_MAX_RTBH)
			return LO_ETOOBIG;
		s->rtbh[s->n_rtbh++] = *a;
	} else if (!announce) {
		if (i == s->n_rtbh)
			return LO_ENOENT;
		s->rtbh[i] = s->rtbh[--s->n_rtbh];
	} else {
		return 0; /* announced already */
	}
	for (unsigned k = 0; b && k < b->n; k++)
		rtbh_send(b->v[k], a, announce);
	return 0;
}

void bgp_side_tick(struct server *s)
{
	struct bgp_side *b = s->bgp;
	for (unsigned k = 0; b && k < b->n; k++) {
		struct nbr *n = b->v[k];
		if (!n->rtbh_sync || peer_state(n->peer) != PEER_ESTABLISHED)
			continue;
		n->rtbh_sync = false;
		for (size_t i = 0; i < s->n_rtbh; i++)
			rtbh_send(n, &s->rtbh[i], true);
	}
}

void bgp_side_free(struct server *s)
{
	struct bgp_side *b = s->bgp;
	if (!b)
		return;
	for (unsigned i = 0; i < b->n; i++) {
		struct nbr *n = b->v[i];
		char a[BGP_ADDR_STRLEN];
		const struct peer_stats *st = peer_stats_get(n->peer);
		if (peer_state(n->peer) >= PEER_OPENSENT)
			peer_close(n->peer, PEER_CEASE_ADMIN_SHUTDOWN, "lightsout is stopping",
				   mono_ms());
		flush_now(n); /* the loop has stopped: write the NOTIFICATION now */
		addr_text(&n->cfg.address, a);
		lo_log(LO_LOG_WARN,
		       "neighbor %s (%s): %" PRIu64 " UPDATEs (%" PRIu64 " ok, %" PRIu64
		       " attribute-discard, %" PRIu64 " treat-as-withdraw, %" PRIu64
		       " session-reset), %" PRIu64 " sessions established",
		       n->cfg.name, a,
		       st->total_updates[0] + st->total_updates[1] + st->total_updates[2] +
			       st->total_updates[3],
		       st->total_updates[0], st->total_updates[1], st->total_updates[2],
		       st->total_updates[3], st->established);
		nbr_free(n);
	}
	for (unsigned i = 0; i < b->n_lis; i++)
		evconnlistener_free(b->lis[i]);
	lo_log_flush(&b->rl);
	free(b->v);
	free(b);
	s->bgp = NULL;
}

/* ---------------------------------------------------------------- reports (HTTP) */

void bgp_side_report(struct server *s, struct lo_buf *status, struct lo_buf *metrics,
		     uint64_t *malformed)
{
	const struct bgp_side *b = s->bgp;
	unsigned by_state[PEER_ESTABLISHED + 1] = {0};
	uint64_t verdicts[PEER_VERDICTS] = {0}, msgs = 0, conns = 0;
	int64_t now = mono_ms();
	lo_buf_printf(status, ",\"bgp\":{\"listeners\":%u,\"neighbors\":[", b ? b->n_lis : 0);
	for (unsigned i = 0; b && i < b->n; i++) {
		const struct nbr *n = b->v[i];
		const struct peer_stats *st = peer_stats_get(n->peer);
		enum peer_state state = peer_state(n->peer);
		char addr[BGP_ADDR_STRLEN];
		if ((unsigned)state <= PEER_ESTABLISHED)
			by_state[state]++;
		for (unsigned v = 0; v < PEER_VERDICTS; v++)
			verdicts[v] += st->total_updates[v];
		uint64_t rx = 0;
		for (unsigned m = 0; m < 6; m++)
			rx += st->rx_msgs[m];
		msgs += rx;
		conns += st->connections;
		addr_text(&n->cfg.address, addr);
		lo_buf_printf(status, "%s{\"name\":", i ? "," : "");
		http_json_str(status, n->cfg.name);
		lo_buf_printf(status,
			      ",\"address\":\"%s\",\"asn\":%" PRIu32 ",\"state\":\"%s\","
			      "\"established_s\":",
			      addr, n->cfg.asn, peer_state_name(state));
		if (state == PEER_ESTABLISHED)
			lo_buf_printf(status, "%" PRId64, (now - n->established_ms) / 1000);
		else
			lo_buf_printf(status, "null");
		lo_buf_printf(status,
			      ",\"connections\":%" PRIu64 ",\"established\":%" PRIu64
			      ",\"messages_received\":%" PRIu64 ",\"prefixes_received\":%" PRIu64
			      ",\"prefixes_withdrawn\":%" PRIu64 ",\"updates\":{",
			      st->connections, st->established, rx, st->rx_prefixes,
			      st->rx_withdrawn);
		for (unsigned v = 0; v < PEER_VERDICTS; v++)
			lo_buf_printf(status, "%s\"%s\":%" PRIu64, v ? "," : "",
				      peer_verdict_name((enum peer_verdict)v),
				      st->total_updates[v]);
		lo_buf_printf(status, "},\"last_reason\":");
		http_json_str(status, peer_last_reason(n->peer));
		lo_buf_printf(status, "}");
	}
	lo_buf_printf(status, "]}");

	lo_buf_printf(metrics, "# HELP lightsout_bgp_neighbors Configured BGP neighbors, by "
			       "session state.\n# TYPE lightsout_bgp_neighbors gauge\n");
	for (unsigned st = 0; st <= PEER_ESTABLISHED; st++)
		lo_buf_printf(metrics, "lightsout_bgp_neighbors{state=\"%s\"} %u\n",
			      peer_state_name((enum peer_state)st), by_state[st]);
	lo_buf_printf(metrics,
		      "# HELP lightsout_bgp_neighbor_up Whether a BGP session is Established.\n"
		      "# TYPE lightsout_bgp_neighbor_up gauge\n");
	for (unsigned i = 0; b && i < b->n; i++) {
		lo_buf_printf(metrics, "lightsout_bgp_neighbor_up{neighbor=");
		http_prom_label(metrics, b->v[i]->cfg.name);
		lo_buf_printf(metrics, "} %d\n", peer_state(b->v[i]->peer) == PEER_ESTABLISHED);
	}
	lo_buf_printf(metrics,
		      "# HELP lightsout_bgp_updates_received_total UPDATE messages received from "
		      "neighbors, by RFC 7606 verdict.\n"
		      "# TYPE lightsout_bgp_updates_received_total counter\n");
	for (unsigned v = 0; v < PEER_VERDICTS; v++)
		lo_buf_printf(metrics,
			      "lightsout_bgp_updates_received_total{verdict=\"%s\"} %" PRIu64 "\n",
			      peer_verdict_name((enum peer_verdict)v), verdicts[v]);
	lo_buf_printf(metrics,
		      "# HELP lightsout_bgp_messages_received_total BGP messages received from "
		      "neighbors.\n# TYPE lightsout_bgp_messages_received_total counter\n"
		      "lightsout_bgp_messages_received_total %" PRIu64 "\n"
		      "# HELP lightsout_bgp_connections_total TCP connections of BGP sessions.\n"
		      "# TYPE lightsout_bgp_connections_total counter\n"
		      "lightsout_bgp_connections_total %" PRIu64 "\n",
		      msgs, conns);
	*malformed = verdicts[PEER_VERDICT_ATTR_DISCARD] +
		     verdicts[PEER_VERDICT_TREAT_AS_WITHDRAW] +
		     verdicts[PEER_VERDICT_SESSION_RESET];
}
