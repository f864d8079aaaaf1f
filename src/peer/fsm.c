/*
 * DOC: the session state machine (RFC 4271 §8), message framing (§4.1,
 * §6.1) and timers (§10), driven by the caller's calls.
 *
 * States and what moves them here:
 *   Idle        -> Active (passive) or Connect: peer_start(), or the idle
 *                  hold timer (automatic restart)
 *   Connect     -> OpenSent: peer_connected(); -> Active: peer_tcp_lost()
 *                  (connect failed); ConnectRetry expiry asks to connect again
 *   Active      -> OpenSent: peer_connected(); -> Connect: ConnectRetry
 *                  expiry (active sessions only)
 *   OpenSent    -> OpenConfirm: a valid OPEN (we send KEEPALIVE);
 *                  -> Active: TCP lost; -> Idle: errors, NOTIFICATION,
 *                  hold timer (the open wait), peer_close()
 *   OpenConfirm -> Established: KEEPALIVE; -> Idle: everything else
 *   Established -> Idle: NOTIFICATION sent or received, TCP lost,
 *                  peer_close()
 * Unexpected messages get the RFC 6608 FSM error subcode of the state.
 *
 * After a session ends the FSM restarts itself: at once after a plain TCP
 * loss, after the idle hold time (doubling up to 120 s while sessions keep
 * failing before Established) after a NOTIFICATION sent or received, never
 * after an administrative shutdown (peer_close).
 *
 * Framing: complete messages in the caller's buffer are handled in place;
 * only a partial message is copied, into a fixed 4 KiB buffer (64 KiB once
 * extended messages are negotiated).  Nothing else is allocated.
 */
#include "peer/peer_int.h"

#include <stdio.h>
#include <stdlib.h>

#define IDLE_HOLD_MAX_MS 120000u

static const char *const state_names[] = {
	"Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established",
};

const char *peer_state_name(enum peer_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

static const char *const msg_names[] = {
	"message type 0", "OPEN", "UPDATE", "NOTIFICATION", "KEEPALIVE", "ROUTE-REFRESH",
};

static const char *msg_name(uint8_t t)
{
	return t <= 5 ? msg_names[t] : "message";
}

void peer_opts_init(struct peer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hold_time = 90;
	o->connect_retry_ms = 120000;
	o->idle_hold_ms = 5000;
	o->open_wait_ms = 240000;
	o->passive = true;
	o->caps = PEER_CAP_DEFAULT;
	o->gr_restart_time = 120;
}

int peer_new(struct peer **out, const struct peer_opts *opts, const struct peer_cbs *cbs,
	     struct lo_err *err)
{
	struct peer *p;

	*out = NULL;
	if (!opts->local_asn || !opts->remote_asn)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: ASN 0 is not allowed", opts->name);
	if (!memcmp(opts->router_id, "\0\0\0\0", 4))
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: router id 0.0.0.0", opts->name);
	if (opts->hold_time == 1 || opts->hold_time == 2)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: hold time must be 0 or >= 3",
				  opts->name);
	if (opts->local_asn > 0xffff && !(opts->caps & PEER_CAP_AS4))
		return lo_err_set(err, LO_EINVAL, LO_NOOFF,
				  "%s: a 4-octet local ASN needs the 4-octet AS capability",
				  opts->name);
	if (!cbs || !cbs->send)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: no send callback", opts->name);
	p = calloc(1, sizeof(*p));
	if (!p)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "%s: out of memory", opts->name);
	p->opts = *opts;
	p->opts.name[sizeof(p->opts.name) - 1] = 0;
	p->cbs = *cbs;
	p->state = PEER_IDLE;
	p->idle_hold_cur = opts->idle_hold_ms;
	p->max_msg = PEER_MAX_MSG;
	for (int i = 0; i < T_COUNT; i++)
		p->timer[i] = INT64_MAX;
	*out = p;
	return 0;
}

void peer_free(struct peer *p)
{
	if (!p)
		return;
	free(p->rx_big);
	free(p);
}

/* ---------------------------------------------------------------- callbacks */

static void set_state(struct peer *p, enum peer_state to, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_state(struct peer *p, enum peer_state to, const char *fmt, ...)
{
	enum peer_state from = p->state;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
	p->state = to;
	if (from != to && p->cbs.on_state) {
		p->in_cb = true;
		p->cbs.on_state(p->cbs.ctx, from, to, p->reason);
		p->in_cb = false;
	}
}

static void tx(struct peer *p, const uint8_t *b, size_t n)
{
	uint8_t type = b[18];
	int rc;

	p->stats.tx_msgs[type <= 5 ? type : 0]++;
	p->stats.tx_bytes += n;
	p->in_cb = true;
	rc = p->cbs.send(p->cbs.ctx, b, n);
	p->in_cb = false;
	if (rc < 0)
		p->send_failed = true;
}

static void deliver(struct peer *p, const uint8_t *m, size_t len, enum peer_verdict v,
		    const struct peer_update_info *u, int64_t now)
{
	struct peer_msg msg = {m[18], m, len, v, u, now};

	if (!p->cbs.on_message)
		return;
	p->in_cb = true;
	p->cbs.on_message(p->cbs.ctx, &msg);
	p->in_cb = false;
}

static void send_keepalive(struct peer *p, int64_t now)
{
	uint8_t b[PEER_HDR_LEN];

	peer_hdr(b, sizeof(b), BGP_MSG_KEEPALIVE);
	tx(p, b, sizeof(b));
	if (p->neg.keepalive)
		p->timer[T_KEEPALIVE] = now + (int64_t)p->neg.keepalive * 1000;
}

/* ---------------------------------------------------------------- session end */

enum end_kind {
	END_CLEAN, /* TCP lost: restart at once */
	END_ERROR, /* NOTIFICATION sent or received: idle hold, doubling */
	END_ADMIN, /* peer_close(): idle hold, or stay stopped */
};

static void start(struct peer *p, int64_t now, const char *why);

/*
 * conn_down() - the connection is over: stop its timers, drop a partial
 * message, go to @to with the reason, then restart as enum end_kind says.
 */
static void conn_down(struct peer *p, int64_t now, enum peer_state to, enum end_kind kind,
		      const char *reason)
{
	bool was_established = p->state == PEER_ESTABLISHED;

	/* an Established session that ended otherwise than by a graceful restart */
	if (was_established && !p->gr_pending)
		p->gr.restarting = false;
	p->gr_pending = false;
	p->timer[T_HOLD] = p->timer[T_KEEPALIVE] = INT64_MAX;
	p->timer[T_CONNECT_RETRY] = p->timer[T_IDLE_HOLD] = INT64_MAX;
	p->rx_len = 0;
	free(p->rx_big);
	p->rx_big = NULL;
	p->max_msg = PEER_MAX_MSG;
	p->ended = true;
	p->send_failed = false;
	set_state(p, to, "%s", reason);
	if (to == PEER_ACTIVE) {
		if (!p->opts.passive)
			p->timer[T_CONNECT_RETRY] = now + p->opts.connect_retry_ms;
		return;
	}
	if (p->stopped || !p->opts.idle_hold_ms)
		return;
	if (was_established)
		p->idle_hold_cur = p->opts.idle_hold_ms;
	if (kind == END_CLEAN) {
		start(p, now, "restarting after the connection was lost");
		return;
	}
	p->timer[T_IDLE_HOLD] = now + p->idle_hold_cur;
	if (kind == END_ERROR) {
		uint32_t next = p->idle_hold_cur * 2;
		p->idle_hold_cur = next > IDLE_HOLD_MAX_MS ? IDLE_HOLD_MAX_MS : next;
		if (p->idle_hold_cur < p->opts.idle_hold_ms)
			p->idle_hold_cur = p->opts.idle_hold_ms;
	}
}

/* Graceful restart (RFC 4724 §4.2): an Established session lost without a NOTIFICATION. */
static bool gr_begin(struct peer *p, int64_t now)
{
	if (!p->have_neg || !p->neg.gr || !p->neg.n_gr_afi) {
		p->gr.restarting = false;
		return false;
	}
	p->gr.restarting = true;
	p->gr_pending = true;
	p->gr.until = now + (int64_t)p->neg.gr_time * 1000;
	p->gr.n_afi = p->neg.n_gr_afi;
	memcpy(p->gr.afi, p->neg.gr_afi, sizeof(p->gr.afi));
	return true;
}

/* The session found an error: send the NOTIFICATION, end the connection. */
static void fail(struct peer *p, int64_t now, uint8_t code, uint8_t sub, const uint8_t *data,
		 size_t dlen, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void fail(struct peer *p, int64_t now, uint8_t code, uint8_t sub, const uint8_t *data,
		 size_t dlen, const char *fmt, ...)
{
	uint8_t b[PEER_MAX_MSG];
	char why[200], name[96], reason[sizeof(p->reason)];
	va_list ap;

	if (dlen > sizeof(b) - 21)
		dlen = sizeof(b) - 21;
	peer_hdr(b, 21 + dlen, BGP_MSG_NOTIFICATION);
	b[19] = code;
	b[20] = sub;
	if (dlen)
		memcpy(b + 21, data, dlen);
	tx(p, b, 21 + dlen);
	p->stats.last_sent_code = code;
	p->stats.last_sent_subcode = sub;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	peer_notify_name(code, sub, name, sizeof(name));
	if (!strncmp(why, name, strlen(name)))
		snprintf(reason, sizeof(reason), "%s", why);
	else
		snprintf(reason, sizeof(reason), "%s (NOTIFICATION sent: %s)", why, name);
	conn_down(p, now, PEER_IDLE, END_ERROR, reason);
}

/* A send() failed: the connection is unusable. */
static void check_send(struct peer *p, int64_t now)
{
	if (!p->send_failed)
		return;
	p->send_failed = false;
	if (p->state >= PEER_OPENSENT) {
		bool gr = p->state == PEER_ESTABLISHED && gr_begin(p, now);
		conn_down(p, now, PEER_IDLE, gr ? END_CLEAN : END_ERROR,
			  "could not send to the connection");
	}
}

/* ---------------------------------------------------------------- starting */

static void start(struct peer *p, int64_t now, const char *why)
{
	p->timer[T_IDLE_HOLD] = INT64_MAX;
	if (p->opts.passive) {
		set_state(p, PEER_ACTIVE, "%s; waiting for the neighbor to connect", why);
		return;
	}
	p->timer[T_CONNECT_RETRY] = now + p->opts.connect_retry_ms;
	set_state(p, PEER_CONNECT, "%s; connecting", why);
	if (p->cbs.connect && p->state == PEER_CONNECT) {
		p->in_cb = true;
		p->cbs.connect(p->cbs.ctx);
		p->in_cb = false;
	}
}

int peer_start(struct peer *p, int64_t now)
{
	if (p->in_cb)
		return LO_EINVAL;
	if (p->state != PEER_IDLE)
		return 0;
	p->stopped = false;
	p->gr.restarting = false;
	p->idle_hold_cur = p->opts.idle_hold_ms;
	start(p, now, "started");
	return 0;
}

static void conn_up(struct peer *p, int64_t now)
{
	uint8_t b[PEER_MAX_MSG];
	size_t n;
	uint64_t connections = p->stats.connections + 1, established = p->stats.established;
	uint64_t totals[PEER_VERDICTS];
	uint8_t ls[4] = {p->stats.last_sent_code, p->stats.last_sent_subcode,
			 p->stats.last_rcvd_code, p->stats.last_rcvd_subcode};

	memcpy(totals, p->stats.total_updates, sizeof(totals));
	memset(&p->stats, 0, sizeof(p->stats));
	p->stats.connections = connections;
	p->stats.established = established;
	memcpy(p->stats.total_updates, totals, sizeof(totals));
	p->stats.last_sent_code = ls[0], p->stats.last_sent_subcode = ls[1];
	p->stats.last_rcvd_code = ls[2], p->stats.last_rcvd_subcode = ls[3];

	p->have_neg = false;
	p->open_rx_len = 0;
	p->rx_len = 0;
	p->max_msg = PEER_MAX_MSG;
	p->timer[T_CONNECT_RETRY] = p->timer[T_IDLE_HOLD] = INT64_MAX;
	p->timer[T_KEEPALIVE] = INT64_MAX;
	p->timer[T_HOLD] = now + p->opts.open_wait_ms;
	n = peer_open_build(p, b, sizeof(b));
	tx(p, b, n);
	set_state(p, PEER_OPENSENT, "TCP connection up; OPEN sent");
}

int peer_connected(struct peer *p, int64_t now)
{
	if (p->in_cb)
		return LO_EINVAL;
	switch (p->state) {
	case PEER_IDLE:
		return LO_EAGAIN;
	case PEER_OPENSENT:
	case PEER_OPENCONFIRM:
		return LO_EINVAL;
	case PEER_ESTABLISHED:
		if (!p->have_neg || !p->neg.gr)
			return LO_EINVAL;
		gr_begin(p, now);
		p->stopped = false;
		conn_down(p, now, PEER_ACTIVE, END_CLEAN,
			  "new connection from a peer capable of graceful restart: "
			  "it restarted");
		break;
	case PEER_CONNECT:
	case PEER_ACTIVE:
		break;
	}
	p->ended = false;
	conn_up(p, now);
	check_send(p, now);
	return 0;
}

int peer_tcp_lost(struct peer *p, int64_t now)
{
	char r[200];

	if (p->in_cb)
		return LO_EINVAL;
	switch (p->state) {
	case PEER_IDLE:
	case PEER_ACTIVE:
		break;
	case PEER_CONNECT:
		conn_down(p, now, PEER_ACTIVE, END_CLEAN, "TCP connection failed");
		break;
	case PEER_OPENSENT:
		conn_down(p, now, PEER_ACTIVE, END_CLEAN, "TCP connection lost in OpenSent");
		break;
	case PEER_OPENCONFIRM:
		conn_down(p, now, PEER_IDLE, END_CLEAN, "TCP connection lost in OpenConfirm");
		break;
	case PEER_ESTABLISHED:
		if (gr_begin(p, now))
			snprintf(
				r, sizeof(r),
				"TCP connection lost; peer graceful restart: keep its routes stale "
				"for %u s",
				p->neg.gr_time);
		else
			snprintf(r, sizeof(r), "TCP connection lost");
		conn_down(p, now, PEER_IDLE, END_CLEAN, r);
		break;
	}
	return 0;
}

int peer_close(struct peer *p, enum peer_cease subcode, const char *text, int64_t now)
{
	uint8_t data[256];
	size_t dlen = 0;
	char name[96], reason[sizeof(p->reason)];

	if (p->in_cb)
		return LO_EINVAL;
	p->stopped = subcode == PEER_CEASE_ADMIN_SHUTDOWN || subcode == PEER_CEASE_DECONFIGURED;
	p->gr.restarting = false;
	if ((subcode == PEER_CEASE_ADMIN_SHUTDOWN || subcode == PEER_CEASE_ADMIN_RESET) && text &&
	    *text)
		dlen = peer_shutdown_encode(text, data);
	peer_notify_name(PEER_ERR_CEASE, (uint8_t)subcode, name, sizeof(name));
	if (dlen > 1)
		snprintf(reason, sizeof(reason), "closed: %s: \"%.*s\"", name, (int)data[0],
			 (const char *)data + 1);
	else
		snprintf(reason, sizeof(reason), "closed: %s", name);

	if (p->state >= PEER_OPENSENT) {
		uint8_t b[PEER_HDR_LEN + 2 + sizeof(data)];
		peer_hdr(b, 21 + dlen, BGP_MSG_NOTIFICATION);
		b[19] = PEER_ERR_CEASE;
		b[20] = (uint8_t)subcode;
		memcpy(b + 21, data, dlen);
		tx(p, b, 21 + dlen);
		p->stats.last_sent_code = PEER_ERR_CEASE;
		p->stats.last_sent_subcode = (uint8_t)subcode;
	}
	if (p->state != PEER_IDLE) {
		conn_down(p, now, PEER_IDLE, END_ADMIN, reason);
	} else {
		snprintf(p->reason, sizeof(p->reason), "%s", reason);
		if (p->stopped)
			p->timer[T_IDLE_HOLD] = INT64_MAX;
	}
	return 0;
}

/* ---------------------------------------------------------------- sending UPDATEs */

static int send_update(struct peer *p, const uint8_t *body, size_t len)
{
	uint8_t small[PEER_MAX_MSG], *b = small;
	size_t n = PEER_HDR_LEN + len;

	if (n > p->max_msg)
		return LO_ETOOBIG;
	if (n > sizeof(small)) {
		b = malloc(n);
		if (!b)
			return LO_ENOMEM;
	}
	peer_hdr(b, n, BGP_MSG_UPDATE);
	memcpy(b + PEER_HDR_LEN, body, len);
	tx(p, b, n);
	if (b != small)
		free(b);
	return 0;
}

int peer_send_update(struct peer *p, const uint8_t *body, size_t len, int64_t now)
{
	int rc;

	if (p->in_cb || p->state != PEER_ESTABLISHED || len < 4)
		return LO_EINVAL;
	rc = send_update(p, body, len);
	if (!rc && p->neg.keepalive)
		p->timer[T_KEEPALIVE] = now + (int64_t)p->neg.keepalive * 1000;
	check_send(p, now);
	return rc;
}

/* End-of-RIB for every negotiated family (RFC 4724 §2). */
static void send_eor(struct peer *p)
{
	static const uint8_t v4[] = {0, 0, 0, 0};
	static const uint8_t v6[] = {0,
				     0,
				     0,
				     6,
				     BGP_ATTR_FLAG_OPTIONAL,
				     BGP_ATTR_MP_UNREACH,
				     3,
				     0,
				     BGP_AFI_IP6,
				     BGP_SAFI_UNICAST};

	if (p->neg.ipv4)
		send_update(p, v4, sizeof(v4));
	if (p->neg.ipv6)
		send_update(p, v6, sizeof(v6));
}

/* ---------------------------------------------------------------- receiving */

static void restart_hold(struct peer *p, int64_t now)
{
	if (p->neg.hold)
		p->timer[T_HOLD] = now + (int64_t)p->neg.hold * 1000;
}

static void got_notification(struct peer *p, const uint8_t *m, size_t len, int64_t now)
{
	struct cur c = cur_make(m + PEER_HDR_LEN, len - PEER_HDR_LEN);
	uint8_t code = 0, sub = 0;
	char name[96], extra[300] = "", reason[sizeof(p->reason)];

	cur_u8(&c, &code);
	cur_u8(&c, &sub);
	p->stats.last_rcvd_code = code;
	p->stats.last_rcvd_subcode = sub;
	peer_notify_name(code, sub, name, sizeof(name));
	if (code == PEER_ERR_CEASE &&
	    (sub == PEER_CEASE_ADMIN_SHUTDOWN || sub == PEER_CEASE_ADMIN_RESET)) {
		char text[256 * 4 + 8];
		int rc = peer_shutdown_text(c.p, cur_left(&c), text, sizeof(text));
		if (rc > 0 || (rc < 0 && text[0]))
			snprintf(extra, sizeof(extra), ": \"%.200s\"%s", text,
				 rc < 0 ? " (bad length)" : "");
	} else if (!cur_empty(&c)) {
		size_t o = (size_t)snprintf(extra, sizeof(extra), " (data");
		for (size_t i = 0; i < cur_left(&c) && i < 16; i++)
			o += (size_t)snprintf(extra + o, sizeof(extra) - o, " %02x", c.p[i]);
		snprintf(extra + o, sizeof(extra) - o, "%s)", cur_left(&c) > 16 ? " ..." : "");
	}
	snprintf(reason, sizeof(reason), "NOTIFICATION received: %s%s", name, extra);
	conn_down(p, now, PEER_IDLE, END_ERROR, reason);
}

static void got_open(struct peer *p, const uint8_t *m, size_t len, int64_t now)
{
	struct peer_notif n;
	char why[160], id[BGP_ADDR_STRLEN];

	/* keep a copy: peer_neg.caps borrow it */
	memcpy(p->open_rx, m, len);
	p->open_rx_len = len;
	if (peer_open_check(p, p->open_rx, len, &p->neg, &n, why, sizeof(why))) {
		deliver(p, p->open_rx, len, PEER_VERDICT_SESSION_RESET, NULL, now);
		fail(p, now, n.code, n.subcode, n.data, n.len, "malformed OPEN: %s", why);
		return;
	}
	p->have_neg = true;
	if (p->neg.ext_msg) {
		p->rx_big = malloc(PEER_MAX_EXT_MSG);
		if (!p->rx_big) {
			deliver(p, p->open_rx, len, PEER_VERDICT_SESSION_RESET, NULL, now);
			fail(p, now, PEER_ERR_CEASE, PEER_CEASE_RESOURCES, NULL, 0,
			     "no memory for extended messages");
			return;
		}
	}
	p->max_msg = p->neg.max_msg;
	deliver(p, p->open_rx, len, PEER_VERDICT_OK, NULL, now);
	send_keepalive(p, now);
	if (p->neg.hold)
		restart_hold(p, now);
	else
		p->timer[T_HOLD] = now + p->opts.open_wait_ms; /* still bound OpenConfirm */
	bgp_fmt_ipv4(p->neg.peer_id, id);
	set_state(p, PEER_OPENCONFIRM, "OPEN received: AS %u, BGP identifier %s, hold time %u s",
		  p->neg.peer_asn, id, p->neg.peer_hold);
}

static void got_update(struct peer *p, const uint8_t *m, size_t len, int64_t now)
{
	struct peer_update_ctx ctx;
	struct peer_update_info *u = &p->upd;
	enum peer_verdict v;

	peer_update_ctx_get(p, &ctx);
	v = peer_update_check(m, len, &ctx, u);
	p->stats.updates[v]++;
	p->stats.total_updates[v]++;
	p->stats.rx_prefixes += u->n_announced;
	p->stats.rx_withdrawn += u->n_withdrawn;
	if (u->eor)
		p->stats.eor++;
	deliver(p, m, len, v, u, now);
	if (v == PEER_VERDICT_SESSION_RESET)
		fail(p, now, u->code, u->subcode, u->data, u->data_len, "malformed UPDATE: %s",
		     u->reason);
}

static void got_route_refresh(struct peer *p, const uint8_t *m, size_t len, int64_t now)
{
	uint8_t subtype = m[21];

	/* RFC 7313 §5: BoRR / EoRR must be exactly 4 octets of body */
	if (len != 23 && p->neg.enh_refresh && (subtype == 1 || subtype == 2)) {
		deliver(p, m, len, PEER_VERDICT_SESSION_RESET, NULL, now);
		fail(p, now, PEER_ERR_ROUTE_REFRESH, 1, m, len, "ROUTE-REFRESH of %zu octets", len);
		return;
	}
	/* nothing to refresh: we never send routes (RFC 2918 §4 lets us ignore it) */
	deliver(p, m, len, PEER_VERDICT_OK, NULL, now);
}

/* One complete message whose header was checked. */
static void handle(struct peer *p, const uint8_t *m, size_t len, int64_t now)
{
	uint8_t type = m[18];
	static const uint8_t fsm_sub[] = {
		[PEER_OPENSENT] = 1, [PEER_OPENCONFIRM] = 2, [PEER_ESTABLISHED] = 3};

	p->stats.rx_msgs[type <= 5 ? type : 0]++;
	p->stats.rx_bytes += len;
	if (type == BGP_MSG_NOTIFICATION) {
		deliver(p, m, len, PEER_VERDICT_OK, NULL, now);
		got_notification(p, m, len, now);
		return;
	}
	switch (p->state) {
	case PEER_OPENSENT:
		if (type == BGP_MSG_OPEN) {
			got_open(p, m, len, now);
			return;
		}
		break;
	case PEER_OPENCONFIRM:
		if (type == BGP_MSG_KEEPALIVE) {
			deliver(p, m, len, PEER_VERDICT_OK, NULL, now);
			p->timer[T_HOLD] = INT64_MAX; /* hold time 0: no hold timer from now on */
			restart_hold(p, now);
			p->stats.established++;
			p->idle_hold_cur = p->opts.idle_hold_ms;
			set_state(p, PEER_ESTABLISHED, "KEEPALIVE received");
			if (p->neg.gr && p->state == PEER_ESTABLISHED)
				send_eor(p);
			return;
		}
		break;
	case PEER_ESTABLISHED:
		if (type == BGP_MSG_OPEN)
			break;
		restart_hold(p, now);
		if (type == BGP_MSG_KEEPALIVE)
			deliver(p, m, len, PEER_VERDICT_OK, NULL, now);
		else if (type == BGP_MSG_UPDATE)
			got_update(p, m, len, now);
		else
			got_route_refresh(p, m, len, now);
		return;
	default:
		return;
	}
	deliver(p, m, len, PEER_VERDICT_SESSION_RESET, NULL, now);
	fail(p, now, PEER_ERR_FSM, fsm_sub[p->state], NULL, 0, "unexpected %s in %s state",
	     msg_name(type), peer_state_name(p->state));
}

/*
 * check_header() - RFC 4271 §6.1 on the 19 bytes at @h: 0 with the message
 * length in *@mlen, or the session failed (NOTIFICATION sent) and -1.
 */
static int check_header(struct peer *p, const uint8_t *h, size_t *mlen, int64_t now)
{
	static const uint8_t ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint16_t len = (uint16_t)(h[16] << 8 | h[17]);
	uint8_t type = h[18];
	size_t max = type == BGP_MSG_OPEN || type == BGP_MSG_KEEPALIVE ? PEER_MAX_MSG : p->max_msg;
	size_t min;

	if (memcmp(h, ones, 16)) {
		fail(p, now, PEER_ERR_HEADER, 1, NULL, 0, "message header: marker is not all ones");
		return -1;
	}
	if (len < PEER_HDR_LEN || len > max) {
		fail(p, now, PEER_ERR_HEADER, 2, h + 16, 2, "message header: length %u", len);
		return -1;
	}
	switch (type) {
	case BGP_MSG_OPEN:
		min = 29;
		break;
	case BGP_MSG_UPDATE:
		min = 23;
		break;
	case BGP_MSG_NOTIFICATION:
		min = 21;
		break;
	case BGP_MSG_KEEPALIVE:
		min = 19;
		break;
	case BGP_MSG_ROUTE_REFRESH:
		min = 23;
		break;
	default:
		fail(p, now, PEER_ERR_HEADER, 3, h + 18, 1, "message header: type %u", type);
		return -1;
	}
	if (len < min || (type == BGP_MSG_KEEPALIVE && len != 19)) {
		fail(p, now, PEER_ERR_HEADER, 2, h + 16, 2, "message header: %s of length %u",
		     msg_name(type), len);
		return -1;
	}
	*mlen = len;
	return 0;
}

int peer_input(struct peer *p, const void *buf, size_t len, int64_t now)
{
	const uint8_t *in = buf;
	size_t mlen;

	if (p->in_cb || p->state < PEER_OPENSENT)
		return LO_EINVAL;
	p->ended = false;
	while (len > 0 && !p->ended) {
		uint8_t *b = p->rx_big ? p->rx_big : p->rx;

		if (p->rx_len == 0 && len >= PEER_HDR_LEN) {
			/* fast path: a message starts here; handle it in place if complete */
			if (check_header(p, in, &mlen, now))
				break;
			if (len >= mlen) {
				handle(p, in, mlen, now);
				check_send(p, now);
				in += mlen;
				len -= mlen;
				continue;
			}
		}
		if (p->rx_len < PEER_HDR_LEN) {
			size_t take = PEER_HDR_LEN - p->rx_len;
			if (take > len)
				take = len;
			memcpy(b + p->rx_len, in, take);
			p->rx_len += take;
			in += take;
			len -= take;
			if (p->rx_len < PEER_HDR_LEN)
				break;
			if (check_header(p, b, &mlen, now))
				break;
		}
		mlen = (size_t)(b[16] << 8 | b[17]);
		size_t take = mlen - p->rx_len;
		if (take > len)
			take = len;
		memcpy(b + p->rx_len, in, take);
		p->rx_len += take;
		in += take;
		len -= take;
		if (p->rx_len == mlen) {
			p->rx_len = 0;
			handle(p, b, mlen, now);
			check_send(p, now);
		}
	}
	return p->ended ? LO_ECORRUPT : 0;
}

/* ---------------------------------------------------------------- timers */

int64_t peer_next_deadline(const struct peer *p)
{
	int64_t t = INT64_MAX;

	for (int i = 0; i < T_COUNT; i++)
		if (p->timer[i] < t)
			t = p->timer[i];
	return t;
}

int peer_tick(struct peer *p, int64_t now)
{
	if (p->in_cb)
		return LO_EINVAL;
	if (p->timer[T_HOLD] <= now && p->state >= PEER_OPENSENT) {
		p->timer[T_HOLD] = INT64_MAX;
		if (p->state == PEER_OPENSENT)
			fail(p, now, PEER_ERR_HOLD, 0, NULL, 0,
			     "hold timer expired (no OPEN received)");
		else
			fail(p, now, PEER_ERR_HOLD, 0, NULL, 0, "hold timer expired");
		return 0;
	}
	if (p->timer[T_KEEPALIVE] <= now) {
		p->timer[T_KEEPALIVE] = INT64_MAX;
		if (p->state == PEER_OPENCONFIRM || p->state == PEER_ESTABLISHED)
			send_keepalive(p, now);
		check_send(p, now);
	}
	if (p->timer[T_IDLE_HOLD] <= now) {
		p->timer[T_IDLE_HOLD] = INT64_MAX;
		if (p->state == PEER_IDLE && !p->stopped)
			start(p, now, "idle hold time over");
	}
	if (p->timer[T_CONNECT_RETRY] <= now) {
		p->timer[T_CONNECT_RETRY] = INT64_MAX;
		if (p->state == PEER_CONNECT) {
			/* RFC 4271 §8.2.2: drop the attempt, connect again, stay in Connect */
			p->timer[T_CONNECT_RETRY] = now + p->opts.connect_retry_ms;
			if (p->cbs.connect) {
				p->in_cb = true;
				p->cbs.connect(p->cbs.ctx);
				p->in_cb = false;
			}
		} else if (p->state == PEER_ACTIVE && !p->opts.passive) {
			start(p, now, "connect retry timer expired");
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- queries */

enum peer_state peer_state(const struct peer *p)
{
	return p->state;
}

const struct peer_opts *peer_opts_get(const struct peer *p)
{
	return &p->opts;
}

const struct peer_neg *peer_negotiated(const struct peer *p)
{
	return p->have_neg ? &p->neg : NULL;
}

void peer_update_ctx_get(const struct peer *p, struct peer_update_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->asn_size = p->have_neg ? p->neg.asn_size : 2;
	ctx->ibgp = p->have_neg ? p->neg.ibgp : p->opts.local_asn == p->opts.remote_asn;
	ctx->addpath_ipv4 = p->have_neg && p->neg.addpath_ipv4;
	ctx->addpath_ipv6 = p->have_neg && p->neg.addpath_ipv6;
}

const struct peer_gr_state *peer_gr(const struct peer *p)
{
	return &p->gr;
}

const struct peer_stats *peer_stats_get(const struct peer *p)
{
	return &p->stats;
}

const char *peer_last_reason(const struct peer *p)
{
	return p->reason;
}

const char *peer_verdict_name(enum peer_verdict v)
{
	static const char *const names[] = {"ok", "attribute-discard", "treat-as-withdraw",
					    "session-reset"};
	return (unsigned)v < PEER_VERDICTS ? names[v] : "?";
}
