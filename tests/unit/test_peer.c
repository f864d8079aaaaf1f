/*
 * DOC: unit tests for src/peer — the BGP session FSM byte by byte in both
 * roles, every OPEN and header error with its exact NOTIFICATION, timers,
 * framing at every split, the RFC 7606 UPDATE classification matrix,
 * extended messages, ADD-PATH, graceful restart, shutdown communication,
 * and a reset loop for the leak checker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer/peer.h"

/* ---------------------------------------------------------------- helpers */

/* hex() - "40 01 01 00" (spaces ignored) into @out; returns the length. */
static size_t hex(const char *s, uint8_t *out)
{
	size_t n = 0;
	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		unsigned v;
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static size_t msg(uint8_t *b, uint8_t type, const uint8_t *body, size_t n)
{
	memset(b, 0xff, 16);
	b[16] = (uint8_t)((n + 19) >> 8);
	b[17] = (uint8_t)(n + 19);
	b[18] = type;
	if (n)
		memmove(b + 19, body, n);
	return n + 19;
}

static size_t msg_hex(uint8_t *b, uint8_t type, const char *body)
{
	uint8_t tmp[8192];
	return msg(b, type, tmp, hex(body, tmp));
}

#define MAX_SENT 4096
#define MAX_EV	 256

struct h {
	struct peer *p;
	int64_t now;
	uint8_t out[1 << 20];
	size_t out_len;
	size_t sent_off[MAX_SENT], sent_len[MAX_SENT];
	int n_sent, sent_read;
	int n_msgs;
	uint8_t msg_type[MAX_EV];
	enum peer_verdict msg_verdict[MAX_EV];
	size_t msg_len[MAX_EV];
	int n_states;
	enum peer_state st_from[MAX_EV], st_to[MAX_EV];
	char st_reason[MAX_EV][400];
	int connects;
	int send_fail;
	int act_in_cb; /* call peer_close from on_state and remember the result */
	int act_rc;
};

static int cb_send(void *ctx, const uint8_t *p, size_t n)
{
	struct h *h = ctx;
	if (h->send_fail)
		return LO_EIO;
	assert_true(h->out_len + n <= sizeof(h->out));
	assert_true(h->n_sent < MAX_SENT);
	memcpy(h->out + h->out_len, p, n);
	h->sent_off[h->n_sent] = h->out_len;
	h->sent_len[h->n_sent++] = n;
	h->out_len += n;
	return 0;
}

static void cb_msg(void *ctx, const struct peer_msg *m)
{
	struct h *h = ctx;
	assert_int_equal(m->type, m->data[18]);
	assert_int_equal(m->len, (size_t)(m->data[16] << 8 | m->data[17]));
	if (h->n_msgs < MAX_EV) {
		h->msg_type[h->n_msgs] = m->type;
		h->msg_verdict[h->n_msgs] = m->verdict;
		h->msg_len[h->n_msgs] = m->len;
	}
	h->n_msgs++;
	if (m->type == BGP_MSG_UPDATE && m->verdict != PEER_VERDICT_SESSION_RESET)
		assert_non_null(m->update);
}

static void cb_state(void *ctx, enum peer_state from, enum peer_state to, const char *reason)
{
	struct h *h = ctx;
	assert_int_not_equal(from, to);
	if (h->n_states < MAX_EV) {
		h->st_from[h->n_states] = from;
		h->st_to[h->n_states] = to;
		snprintf(h->st_reason[h->n_states], sizeof(h->st_reason[0]), "%s", reason);
	}
	h->n_states++;
	if (h->act_in_cb)
		h->act_rc = peer_close(h->p, PEER_CEASE_ADMIN_RESET, NULL, h->now);
}

static void cb_connect(void *ctx)
{
	struct h *h = ctx;
	h->connects++;
}

static void opts_default(struct peer_opts *o)
{
	peer_opts_init(o);
	snprintf(o->name, sizeof(o->name), "test");
	o->local_asn = 65000;
	o->remote_asn = 4837;
	uint8_t id[4] = {198, 18, 0, 1};
	memcpy(o->router_id, id, 4);
}

static struct h *h_new(const struct peer_opts *o)
{
	struct h *h = calloc(1, sizeof(*h));
	struct peer_cbs cbs = {h, cb_send, cb_msg, cb_state, cb_connect};
	struct peer_opts def;
	assert_non_null(h);
	if (!o) {
		opts_default(&def);
		o = &def;
	}
	h->now = 1000000;
	assert_int_equal(peer_new(&h->p, o, &cbs, NULL), 0);
	return h;
}

static void h_free(struct h *h)
{
	peer_free(h->p);
	free(h);
}

/* the next message we sent, or NULL */
static const uint8_t *next_sent(struct h *h, size_t *len)
{
	if (h->sent_read >= h->n_sent)
		return NULL;
	*len = h->sent_len[h->sent_read];
	return h->out + h->sent_off[h->sent_read++];
}

static void expect_sent_hex(struct h *h, const char *want_hex)
{
	uint8_t want[8192];
	size_t n = hex(want_hex, want), len = 0;
	const uint8_t *got = next_sent(h, &len);
	assert_non_null(got);
	if (len != n || memcmp(got, want, n)) {
		fprintf(stderr, "sent:");
		for (size_t i = 0; i < len; i++)
			fprintf(stderr, " %02x", got[i]);
		fprintf(stderr, "\nwant:");
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %02x", want[i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(len, n);
	assert_memory_equal(got, want, n);
}

static void expect_sent_type(struct h *h, uint8_t type)
{
	size_t len;
	const uint8_t *got = next_sent(h, &len);
	assert_non_null(got);
	assert_int_equal(got[18], type);
}

static void expect_nothing_sent(struct h *h)
{
	assert_int_equal(h->sent_read, h->n_sent);
}

#define MARKER	      "ffffffffffffffffffffffffffffffff"
#define KEEPALIVE_HEX MARKER "001304"

/* The OPEN we send with the default options (AS 65000, 198.18.0.1, hold 90). */
#define OUR_CAPS \
	"010400010001 010400020001 0200 4600 0600 40028078 410400 00fde8 4508 00010101 00020101"
#define OUR_OPEN MARKER "0045 01 04 fde8 005a c6120001 28 02 26 " OUR_CAPS

/* The peer's capabilities: MP v4+v6, RR, AS4 4837, ADD-PATH send v4 (3) v6 (2),
 * GR (time 120, v4 with F, v6 without), extended messages. */
#define PEER_CAPS                                                             \
	"010400010001 010400020001 0200 4104000012e5 4508 00010103 00020102 " \
	"400a 0078 00010180 00020100 0600"

/* peer_open() - an OPEN from the peer: AS @as2, hold, id, capability bytes. */
static size_t peer_open(uint8_t *b, unsigned as2, unsigned hold, const char *id_hex,
			const char *caps_hex)
{
	uint8_t caps[1024], body[2048];
	size_t nc = caps_hex ? hex(caps_hex, caps) : 0, n = 0;
	body[n++] = 4;
	body[n++] = (uint8_t)(as2 >> 8);
	body[n++] = (uint8_t)as2;
	body[n++] = (uint8_t)(hold >> 8);
	body[n++] = (uint8_t)hold;
	n += hex(id_hex, body + n);
	if (nc) {
		body[n++] = (uint8_t)(nc + 2);
		body[n++] = 2;
		body[n++] = (uint8_t)nc;
		memcpy(body + n, caps, nc);
		n += nc;
	} else {
		body[n++] = 0;
	}
	return msg(b, BGP_MSG_OPEN, body, n);
}

static int feed(struct h *h, const uint8_t *b, size_t n)
{
	return peer_input(h->p, b, n, h->now);
}

static int feed_hex_msg(struct h *h, uint8_t type, const char *body)
{
	uint8_t b[8192];
	size_t n = msg_hex(b, type, body);
	return feed(h, b, n);
}

static void feed_keepalive(struct h *h)
{
	uint8_t b[19];
	assert_int_equal(feed(h, b, msg(b, BGP_MSG_KEEPALIVE, NULL, 0)), 0);
}

/* establish() - start passive, connect, exchange OPENs and KEEPALIVEs. */
static void establish(struct h *h, const char *caps_hex, unsigned hold)
{
	uint8_t b[4096];
	size_t n;
	assert_int_equal(peer_start(h->p, h->now), 0);
	assert_int_equal(peer_connected(h->p, h->now), 0);
	expect_sent_type(h, BGP_MSG_OPEN);
	n = peer_open(b, 4837, hold, "0a000001", caps_hex);
	assert_int_equal(feed(h, b, n), 0);
	assert_int_equal(peer_state(h->p), PEER_OPENCONFIRM);
	expect_sent_type(h, BGP_MSG_KEEPALIVE);
	feed_keepalive(h);
	assert_int_equal(peer_state(h->p), PEER_ESTABLISHED);
}

/* establish_again() - an Active session: connect and exchange OPENs again. */
static void establish_again(struct h *h, const char *caps_hex)
{
	uint8_t b[4096];
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	assert_int_equal(peer_connected(h->p, h->now), 0);
	assert_int_equal(feed(h, b, peer_open(b, 4837, 90, "0a000001", caps_hex)), 0);
	feed_keepalive(h);
	assert_int_equal(peer_state(h->p), PEER_ESTABLISHED);
}

/* ---------------------------------------------------------------- options */

static void options_checked(void **state)
{
	struct peer_opts o;
	struct peer *p;
	struct lo_err e;
	struct peer_cbs cbs = {NULL, cb_send, NULL, NULL, NULL};

	opts_default(&o);
	o.hold_time = 2;
	assert_int_equal(peer_new(&p, &o, &cbs, &e), LO_EINVAL);
	assert_non_null(strstr(e.msg, "hold time"));
	opts_default(&o);
	o.remote_asn = 0;
	assert_int_equal(peer_new(&p, &o, &cbs, NULL), LO_EINVAL);
	opts_default(&o);
	memset(o.router_id, 0, 4);
	assert_int_equal(peer_new(&p, &o, &cbs, NULL), LO_EINVAL);
	opts_default(&o);
	o.local_asn = 4200000000u;
	o.caps &= ~PEER_CAP_AS4;
	assert_int_equal(peer_new(&p, &o, &cbs, NULL), LO_EINVAL);
	opts_default(&o);
	cbs.send = NULL;
	assert_int_equal(peer_new(&p, &o, &cbs, NULL), LO_EINVAL);
	cbs.send = cb_send;
	o.hold_time = 0;
	assert_int_equal(peer_new(&p, &o, &cbs, NULL), 0);
	assert_int_equal(peer_state(p), PEER_IDLE);
	assert_null(peer_negotiated(p));
	assert_int_equal(peer_next_deadline(p), INT64_MAX);
	peer_free(p);
	peer_free(NULL);
}

/* ---------------------------------------------------------------- OPEN exchange */

static void passive_open_exchange_byte_by_byte(void **state)
{
	struct h *h = h_new(NULL);
	uint8_t b[4096];
	size_t n;

	assert_int_equal(peer_connected(h->p, h->now), LO_EAGAIN); /* Idle refuses */
	assert_int_equal(peer_start(h->p, h->now), 0);
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	assert_int_equal(h->connects, 0);
	assert_int_equal(peer_input(h->p, "x", 1, h->now), LO_EINVAL);
	assert_int_equal(peer_connected(h->p, h->now), 0);
	assert_int_equal(peer_state(h->p), PEER_OPENSENT);
	expect_sent_hex(h, OUR_OPEN);
	assert_int_equal(peer_connected(h->p, h->now), LO_EINVAL); /* one connection at a time */
	assert_int_equal(peer_next_deadline(h->p), h->now + 240000);

	n = peer_open(b, 4837, 180, "0a000001", PEER_CAPS);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(peer_state(h->p), PEER_OPENSENT);
		assert_int_equal(feed(h, b + i, 1), 0);
	}
	assert_int_equal(peer_state(h->p), PEER_OPENCONFIRM);
	assert_int_equal(h->n_msgs, 1);
	assert_int_equal(h->msg_type[0], BGP_MSG_OPEN);
	assert_int_equal(h->msg_verdict[0], PEER_VERDICT_OK);
	expect_sent_hex(h, KEEPALIVE_HEX);
	assert_string_equal(peer_last_reason(h->p),
			    "OPEN received: AS 4837, BGP identifier 10.0.0.1, hold time 180 s");

	const struct peer_neg *ng = peer_negotiated(h->p);
	assert_non_null(ng);
	assert_int_equal(ng->peer_asn, 4837);
	assert_int_equal(ng->hold, 90);
	assert_int_equal(ng->keepalive, 30);
	assert_int_equal(ng->peer_hold, 180);
	assert_true(ng->as4);
	assert_int_equal(ng->asn_size, 4);
	assert_true(ng->ipv4 && ng->ipv6);
	assert_true(ng->addpath_ipv4 && ng->addpath_ipv6);
	assert_true(ng->ext_msg);
	assert_int_equal(ng->max_msg, 65535);
	assert_true(ng->route_refresh);
	assert_false(ng->enh_refresh);
	assert_true(ng->gr);
	assert_int_equal(ng->gr_time, 120);
	assert_int_equal(ng->n_gr_afi, 2);
	assert_true(ng->gr_afi[0].forwarding);
	assert_false(ng->gr_afi[1].forwarding);
	assert_false(ng->ibgp);
	assert_int_equal(ng->n_caps, 7);
	assert_int_equal(ng->caps[3].code, 65);
	assert_int_equal(ng->caps[3].len, 4);

	n = msg(b, BGP_MSG_KEEPALIVE, NULL, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(feed(h, b + i, 1), 0);
	assert_int_equal(peer_state(h->p), PEER_ESTABLISHED);
	/* graceful restart negotiated: End-of-RIB for IPv4 and IPv6 unicast */
	expect_sent_hex(h, MARKER "0017 02 0000 0000");
	expect_sent_hex(h, MARKER "001d 02 0000 0006 800f03000201");
	expect_nothing_sent(h);
	assert_int_equal(h->n_states, 4);
	assert_int_equal(h->st_to[0], PEER_ACTIVE);
	assert_int_equal(h->st_to[1], PEER_OPENSENT);
	assert_int_equal(h->st_to[2], PEER_OPENCONFIRM);
	assert_int_equal(h->st_to[3], PEER_ESTABLISHED);
	const struct peer_stats *s = peer_stats_get(h->p);
	assert_int_equal(s->rx_msgs[BGP_MSG_OPEN], 1);
	assert_int_equal(s->rx_msgs[BGP_MSG_KEEPALIVE], 1);
	assert_int_equal(s->tx_msgs[BGP_MSG_UPDATE], 2);
	assert_int_equal(s->established, 1);
	h_free(h);
}

static void active_open_exchange(void **state)
{
	struct peer_opts o;
	uint8_t b[4096];
	size_t n;

	opts_default(&o);
	o.passive = false;
	o.connect_retry_ms = 5000;
	o.caps = PEER_CAP_AS4 | PEER_CAP_MP_IPV4; /* a smaller OPEN */
	o.local_asn = 4200000000u;
	struct h *h = h_new(&o);
	assert_int_equal(peer_start(h->p, h->now), 0);
	assert_int_equal(peer_state(h->p), PEER_CONNECT);
	assert_int_equal(h->connects, 1);
	assert_int_equal(peer_next_deadline(h->p), h->now + 5000);
	h->now += 5000;
	peer_tick(h->p, h->now); /* retry: still Connect, asks again */
	assert_int_equal(peer_state(h->p), PEER_CONNECT);
	assert_int_equal(h->connects, 2);
	peer_tcp_lost(h->p, h->now); /* the attempt failed */
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	h->now += 5000;
	peer_tick(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_CONNECT);
	assert_int_equal(h->connects, 3);
	assert_int_equal(peer_connected(h->p, h->now), 0);
	/* AS_TRANS in My AS, the real ASN in the capability */
	expect_sent_hex(h,
			MARKER "002b 01 04 5ba0 005a c6120001 0e 02 0c 010400010001 4104fa56ea00");
	n = peer_open(b, 4837, 30, "0a000001", "410400 0012e5");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(feed(h, b + i, 1), 0);
	assert_int_equal(peer_state(h->p), PEER_OPENCONFIRM);
	expect_sent_hex(h, KEEPALIVE_HEX);
	const struct peer_neg *ng = peer_negotiated(h->p);
	assert_int_equal(ng->hold, 30);
	assert_true(ng->ipv4); /* no multiprotocol capability: IPv4 unicast implied */
	assert_false(ng->ipv6);
	assert_false(ng->gr);
	assert_false(ng->ext_msg);
	feed_keepalive(h);
	assert_int_equal(peer_state(h->p), PEER_ESTABLISHED);
	expect_nothing_sent(h); /* no graceful restart: no End-of-RIB */
	h_free(h);
}

/* ---------------------------------------------------------------- OPEN errors */

struct open_case {
	const char *name;
	unsigned as2, hold;
	const char *id;
	const char *caps;  /* capability bytes, or NULL */
	const char *raw;   /* or the whole OPEN body */
	const char *notif; /* NOTIFICATION body expected, NULL = accepted */
	const char *reason;
	bool ibgp;
};

static const struct open_case open_cases[] = {
	{"version 3", 0, 0, NULL, NULL, "03 12e5 005a 0a000001 00", "02 01 0004",
	 "malformed OPEN: unsupported version 3", false},
	{"bad peer AS", 4838, 90, "0a000001", NULL, NULL, "02 02",
	 "malformed OPEN: bad peer AS 4838 (expected 4837)", false},
	{"bad peer AS in the 4-octet capability", 4837, 90, "0a000001", "4104 0000 12e6", NULL,
	 "02 02", "bad peer AS 4838", false},
	{"AS 0", 0, 90, "0a000001", "4104 00000000", NULL, "02 02", "bad peer AS 0", false},
	{"AS_TRANS without the capability", 23456, 90, "0a000001", NULL, NULL, "02 02",
	 "bad peer AS 23456", false},
	{"hold time 1", 4837, 1, "0a000001", NULL, NULL, "02 06", "unacceptable hold time 1",
	 false},
	{"hold time 2", 4837, 2, "0a000001", NULL, NULL, "02 06", "unacceptable hold time 2",
	 false},
	{"hold time 0 accepted", 4837, 0, "0a000001", NULL, NULL, NULL, NULL, false},
	{"hold time 3 accepted", 4837, 3, "0a000001", NULL, NULL, NULL, NULL, false},
	{"BGP identifier 0", 4837, 90, "00000000", NULL, NULL, "02 03",
	 "bad BGP identifier 0.0.0.0", false},
	{"our BGP identifier from an external peer (RFC 6286)", 4837, 90, "c6120001", NULL, NULL,
	 NULL, NULL, false},
	{"our BGP identifier from an internal peer", 65000, 90, "c6120001", NULL, NULL, "02 03",
	 "bad BGP identifier 198.18.0.1", true},
	{"unsupported optional parameter", 0, 0, NULL, NULL, "04 12e5 005a 0a000001 04 01 02 0000",
	 "02 04", "unsupported optional parameter 1", false},
	{"optional parameters length too long", 0, 0, NULL, NULL,
	 "04 12e5 005a 0a000001 09 02 02 0200", "02 00", "does not match", false},
	{"optional parameters length too short", 0, 0, NULL, NULL,
	 "04 12e5 005a 0a000001 02 02 02 0200", "02 00", "does not match", false},
	{"capability overruns its parameter", 0, 0, NULL, NULL,
	 "04 12e5 005a 0a000001 04 02 02 4104", "02 00", "overruns its parameter", false},
	{"4-octet AS capability of 2 octets", 4837, 90, "0a000001", "4102 12e5", NULL, "02 00",
	 "malformed 4-octet AS capability", false},
	{"ADD-PATH capability of 3 octets", 4837, 90, "0a000001", "4503 000101", NULL, "02 00",
	 "malformed ADD-PATH capability", false},
	{"multiprotocol capability of 3 octets", 4837, 90, "0a000001", "0103 000100", NULL, "02 00",
	 "malformed multiprotocol capability", false},
	{"extended message capability with a value", 4837, 90, "0a000001", "0601 00", NULL, "02 00",
	 "malformed extended message capability", false},
	{"unknown capabilities are ignored", 4837, 90, "0a000001", "ee03 010203 4900", NULL, NULL,
	 NULL, false},
	{"malformed graceful restart is ignored", 4837, 90, "0a000001", "4003 000000", NULL, NULL,
	 NULL, false},
	{"RFC 9072 extended optional parameters", 0, 0, NULL, NULL,
	 "04 12e5 005a 0a000001 ff ff 000b 02 0008 4104000012e5 0200", NULL, NULL, false},
	{"RFC 9072 extended parameter overrun", 0, 0, NULL, NULL,
	 "04 12e5 005a 0a000001 ff ff 000b 02 0009 4104000012e5 0200", "02 00", "overruns", false},
	{"4-octet ASN via AS_TRANS", 0, 0, NULL, NULL,
	 "04 5ba0 005a 0a000001 08 02 06 4104 fa56ea00", "02 02", "bad peer AS 4200000000", false},
};

static void open_errors_exact_notifications(void **state)
{
	for (size_t i = 0; i < sizeof(open_cases) / sizeof(open_cases[0]); i++) {
		const struct open_case *c = &open_cases[i];
		struct peer_opts o;
		uint8_t b[4096], want[256];
		size_t n, wn;

		opts_default(&o);
		if (c->ibgp)
			o.remote_asn = 65000;
		struct h *h = h_new(&o);
		peer_start(h->p, h->now);
		peer_connected(h->p, h->now);
		expect_sent_type(h, BGP_MSG_OPEN);
		if (c->raw)
			n = msg_hex(b, BGP_MSG_OPEN, c->raw);
		else
			n = peer_open(b, c->as2, c->hold, c->id, c->caps);
		int rc = feed(h, b, n);
		fprintf(stderr, "  open case: %s -> %s\n", c->name, peer_last_reason(h->p));
		assert_int_equal(h->n_msgs, 1);
		if (!c->notif) {
			assert_int_equal(rc, 0);
			assert_int_equal(peer_state(h->p), PEER_OPENCONFIRM);
			assert_int_equal(h->msg_verdict[0], PEER_VERDICT_OK);
			expect_sent_hex(h, KEEPALIVE_HEX);
		} else {
			char whex[600];
			uint8_t body[256];
			size_t bn = hex(c->notif, body), o2 = 0;
			wn = msg(want, BGP_MSG_NOTIFICATION, body, bn);
			for (size_t j = 0; j < wn; j++)
				o2 += (size_t)snprintf(whex + o2, sizeof(whex) - o2, "%02x",
						       want[j]);
			assert_int_equal(rc, LO_ECORRUPT);
			assert_int_equal(peer_state(h->p), PEER_IDLE);
			assert_int_equal(h->msg_verdict[0], PEER_VERDICT_SESSION_RESET);
			expect_sent_hex(h, whex);
			assert_non_null(strstr(peer_last_reason(h->p), c->reason));
			assert_null(peer_negotiated(h->p));
		}
		expect_nothing_sent(h);
		h_free(h);
	}
}

static void open_reason_text(void **state)
{
	struct h *h = h_new(NULL);
	uint8_t b[512];
	peer_start(h->p, h->now);
	peer_connected(h->p, h->now);
	assert_int_equal(feed(h, b, peer_open(b, 4838, 90, "0a000001", NULL)), LO_ECORRUPT);
	assert_string_equal(h->st_reason[h->n_states - 1],
			    "malformed OPEN: bad peer AS 4838 (expected 4837) (NOTIFICATION sent: "
			    "OPEN message error/bad peer AS)");
	assert_int_equal(peer_stats_get(h->p)->last_sent_code, 2);
	assert_int_equal(peer_stats_get(h->p)->last_sent_subcode, 2);
	/* after an error: Idle for the idle hold time, then Active again */
	assert_int_equal(peer_next_deadline(h->p), h->now + 5000);
	assert_int_equal(peer_connected(h->p, h->now), LO_EAGAIN);
	h->now += 5000;
	peer_tick(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	/* the next failure waits twice as long */
	peer_connected(h->p, h->now);
	feed(h, b, peer_open(b, 4838, 90, "0a000001", NULL));
	assert_int_equal(peer_next_deadline(h->p), h->now + 10000);
	h_free(h);
}

/* ---------------------------------------------------------------- header and FSM errors */

struct hdr_case {
	const char *name;
	const char *bytes; /* whole message */
	const char *notif; /* NOTIFICATION body */
	bool established;
};

static const struct hdr_case hdr_cases[] = {
	{"bad marker", "ffffffffffffffffffffffffffffff00 0013 04", "01 01", true},
	{"length 18", MARKER "0012 04", "01 02 0012", true},
	{"length 4097 without extended messages", MARKER "1001 02", "01 02 1001", true},
	{"unknown type", MARKER "0013 09", "01 03 09", true},
	{"type 0", MARKER "0013 00", "01 03 00", true},
	{"KEEPALIVE of 20 octets", MARKER "0014 04 00", "01 02 0014", true},
	{"UPDATE of 22 octets", MARKER "0016 02 000000", "01 02 0016", true},
	{"NOTIFICATION of 20 octets", MARKER "0014 03 06", "01 02 0014", true},
	{"OPEN of 28 octets", MARKER "001c 01 04 12e5 005a 0a000001", "01 02 001c", false},
	{"ROUTE-REFRESH of 22 octets", MARKER "0016 05 000100", "01 02 0016", true},
	{"UPDATE in OpenSent", MARKER "0017 02 00000000", "05 01", false},
	{"KEEPALIVE in OpenSent", MARKER "0013 04", "05 01", false},
	{"OPEN in Established", MARKER "001d 01 04 12e5 005a 0a000001 00", "05 03", true},
};

static void header_and_fsm_errors(void **state)
{
	for (size_t i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		const struct hdr_case *c = &hdr_cases[i];
		uint8_t b[8192], body[64], want[128];
		char whex[300];
		size_t n, bn, wn, o = 0;

		struct h *h = h_new(NULL);
		if (c->established) {
			establish(h, NULL, 90);
		} else {
			peer_start(h->p, h->now);
			peer_connected(h->p, h->now);
			expect_sent_type(h, BGP_MSG_OPEN);
		}
		n = hex(c->bytes, b);
		assert_int_equal(feed(h, b, n), LO_ECORRUPT);
		fprintf(stderr, "  header case: %s -> %s\n", c->name, peer_last_reason(h->p));
		bn = hex(c->notif, body);
		wn = msg(want, BGP_MSG_NOTIFICATION, body, bn);
		for (size_t j = 0; j < wn; j++)
			o += (size_t)snprintf(whex + o, sizeof(whex) - o, "%02x", want[j]);
		expect_sent_hex(h, whex);
		expect_nothing_sent(h);
		assert_int_equal(peer_state(h->p), PEER_IDLE);
		h_free(h);
	}
}

static void unexpected_in_openconfirm(void **state)
{
	struct h *h = h_new(NULL);
	uint8_t b[512];
	peer_start(h->p, h->now);
	peer_connected(h->p, h->now);
	feed(h, b, peer_open(b, 4837, 90, "0a000001", NULL));
	assert_int_equal(peer_state(h->p), PEER_OPENCONFIRM);
	assert_int_equal(feed_hex_msg(h, BGP_MSG_UPDATE, "00000000"), LO_ECORRUPT);
	assert_int_equal(h->msg_verdict[h->n_msgs - 1], PEER_VERDICT_SESSION_RESET);
	expect_sent_type(h, BGP_MSG_OPEN);
	expect_sent_type(h, BGP_MSG_KEEPALIVE);
	expect_sent_hex(h, MARKER "0015 03 05 02");
	assert_string_equal(
		peer_last_reason(h->p),
		"unexpected UPDATE in OpenConfirm state (NOTIFICATION sent: finite state "
		"machine error/unexpected message in OpenConfirm state)");
	h_free(h);
}

/* ---------------------------------------------------------------- NOTIFICATION, close */

static void notification_received(void **state)
{
	struct h *h = h_new(NULL);
	establish(h, NULL, 90);
	assert_int_equal(feed_hex_msg(h, BGP_MSG_NOTIFICATION, "0604"), LO_ECORRUPT);
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	assert_string_equal(peer_last_reason(h->p),
			    "NOTIFICATION received: cease/administrative reset");
	assert_int_equal(h->msg_type[h->n_msgs - 1], BGP_MSG_NOTIFICATION);
	assert_int_equal(peer_stats_get(h->p)->last_rcvd_code, 6);
	assert_int_equal(peer_stats_get(h->p)->last_rcvd_subcode, 4);
	h_free(h);

	/* with an RFC 9003 shutdown communication */
	h = h_new(NULL);
	establish(h, NULL, 90);
	feed_hex_msg(h, BGP_MSG_NOTIFICATION, "0602 11 6d61696e74656e616e63652c2062796521");
	assert_string_equal(peer_last_reason(h->p),
			    "NOTIFICATION received: cease/administrative shutdown: \"maintenance, "
			    "bye!\"");
	h_free(h);

	/* other codes show their data */
	h = h_new(NULL);
	establish(h, NULL, 90);
	feed_hex_msg(h, BGP_MSG_NOTIFICATION, "0202 fde8");
	assert_string_equal(peer_last_reason(h->p),
			    "NOTIFICATION received: OPEN message error/bad peer AS (data fd e8)");
	h_free(h);

	/* in OpenSent too, and code 7 is known */
	h = h_new(NULL);
	peer_start(h->p, h->now);
	peer_connected(h->p, h->now);
	feed_hex_msg(h, BGP_MSG_NOTIFICATION, "0701");
	assert_string_equal(
		peer_last_reason(h->p),
		"NOTIFICATION received: route-refresh message error/invalid message length");
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	h_free(h);
}

static void close_with_shutdown_communication(void **state)
{
	struct h *h = h_new(NULL);
	establish(h, NULL, 90);
	assert_int_equal(peer_close(h->p, PEER_CEASE_ADMIN_SHUTDOWN, "maintenance", h->now), 0);
	expect_sent_hex(h, MARKER "0021 03 06 02 0b 6d61696e74656e616e6365");
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	assert_string_equal(peer_last_reason(h->p),
			    "closed: cease/administrative shutdown: \"maintenance\"");
	/* stopped: no automatic restart */
	assert_int_equal(peer_next_deadline(h->p), INT64_MAX);
	h->now += 3600000;
	peer_tick(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	assert_int_equal(peer_start(h->p, h->now), 0);
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	h_free(h);

	/* administrative reset without text; the session restarts after the idle hold */
	h = h_new(NULL);
	establish(h, NULL, 90);
	peer_close(h->p, PEER_CEASE_ADMIN_RESET, NULL, h->now);
	expect_sent_hex(h, MARKER "0015 03 06 04");
	assert_int_equal(peer_next_deadline(h->p), h->now + 5000);
	h->now += 5000;
	peer_tick(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	/* closing when no connection is up sends nothing */
	peer_close(h->p, PEER_CEASE_ADMIN_SHUTDOWN, "x", h->now);
	expect_nothing_sent(h);
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	h_free(h);

	/* a long UTF-8 text is cut at 255 octets on a character boundary */
	h = h_new(NULL);
	establish(h, NULL, 90);
	char text[400];
	size_t o = 0;
	while (o + 2 < sizeof(text))
		text[o++] = '\xc3', text[o++] = '\xa9'; /* é */
	text[o] = 0;
	peer_close(h->p, PEER_CEASE_ADMIN_SHUTDOWN, text, h->now);
	size_t len;
	const uint8_t *m = next_sent(h, &len);
	assert_non_null(m);
	assert_int_equal(m[21], 254);
	assert_int_equal(len, 21 + 1 + 254);
	h_free(h);
}

static void shutdown_text_decoding(void **state)
{
	char buf[64];
	const uint8_t ok[] = {3, 'a', 'b', 'c'};
	assert_int_equal(peer_shutdown_text(ok, sizeof(ok), buf, sizeof(buf)), 1);
	assert_string_equal(buf, "abc");
	const uint8_t ctl[] = {4, 'a', '\n', 0xc3, 0xa9};
	assert_int_equal(peer_shutdown_text(ctl, sizeof(ctl), buf, sizeof(buf)), 1);
	assert_string_equal(buf, "a\\x0a\xc3\xa9");
	const uint8_t badutf[] = {2, 0xc3, 'x'};
	assert_int_equal(peer_shutdown_text(badutf, sizeof(badutf), buf, sizeof(buf)), 1);
	assert_string_equal(buf, "\\xc3x");
	const uint8_t longer[] = {9, 'a', 'b'};
	assert_int_equal(peer_shutdown_text(longer, sizeof(longer), buf, sizeof(buf)), LO_ECORRUPT);
	assert_string_equal(buf, "ab");
	assert_int_equal(peer_shutdown_text(ok, 0, buf, sizeof(buf)), 0);
	const uint8_t zero[] = {0};
	assert_int_equal(peer_shutdown_text(zero, 1, buf, sizeof(buf)), 0);
	/* a tiny buffer stays terminated */
	assert_int_equal(peer_shutdown_text(ok, sizeof(ok), buf, 3), 1);
	assert_true(strlen(buf) < 3);

	assert_string_equal(peer_notify_name(6, 2, buf, sizeof(buf)),
			    "cease/administrative shutdown");
	assert_string_equal(peer_notify_name(4, 0, buf, sizeof(buf)), "hold timer expired");
	assert_string_equal(peer_notify_name(3, 99, buf, sizeof(buf)),
			    "UPDATE message error/subcode 99");
	assert_string_equal(peer_notify_name(42, 1, buf, sizeof(buf)), "error code 42/1");
	assert_string_equal(peer_state_name(PEER_OPENCONFIRM), "OpenConfirm");
	assert_string_equal(peer_verdict_name(PEER_VERDICT_TREAT_AS_WITHDRAW), "treat-as-withdraw");
}

/* ---------------------------------------------------------------- timers */

static void hold_timer_expiry(void **state)
{
	struct h *h = h_new(NULL);
	establish(h, NULL, 9); /* negotiated hold 9 s, keepalive 3 s */
	int64_t t0 = h->now;
	h->sent_read = h->n_sent;
	/* the peer sends nothing; we keep sending keepalives until the hold timer fires */
	while (peer_state(h->p) == PEER_ESTABLISHED) {
		int64_t d = peer_next_deadline(h->p);
		assert_true(d > h->now);
		h->now = d;
		peer_tick(h->p, h->now);
	}
	assert_int_equal(h->now, t0 + 9000);
	expect_sent_hex(h, KEEPALIVE_HEX); /* at 3 s */
	expect_sent_hex(h, KEEPALIVE_HEX); /* at 6 s */
	expect_sent_hex(h, MARKER "0015 03 04 00");
	expect_nothing_sent(h);
	assert_string_equal(peer_last_reason(h->p), "hold timer expired");
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	h_free(h);

	/* a message from the peer restarts the hold timer */
	h = h_new(NULL);
	establish(h, NULL, 9);
	t0 = h->now;
	h->now += 8999;
	peer_tick(h->p, h->now);
	feed_keepalive(h);
	h->now += 8999;
	peer_tick(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_ESTABLISHED);
	h->now += 1;
	peer_tick(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	h_free(h);

	/* OpenSent: the open wait (240 s) */
	h = h_new(NULL);
	peer_start(h->p, h->now);
	peer_connected(h->p, h->now);
	h->now += 239999;
	peer_tick(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_OPENSENT);
	h->now += 1;
	peer_tick(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	expect_sent_type(h, BGP_MSG_OPEN);
	expect_sent_hex(h, MARKER "0015 03 04 00");
	assert_string_equal(peer_last_reason(h->p), "hold timer expired (no OPEN received)");
	h_free(h);

	/* OpenConfirm: the negotiated hold time */
	h = h_new(NULL);
	uint8_t b[512];
	peer_start(h->p, h->now);
	peer_connected(h->p, h->now);
	feed(h, b, peer_open(b, 4837, 6, "0a000001", NULL));
	h->now += 6000;
	peer_tick(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	h_free(h);
}

static void keepalive_cadence(void **state)
{
	struct h *h = h_new(NULL);
	establish(h, NULL, 90);
	h->sent_read = h->n_sent;
	int64_t t0 = h->now, last = t0;
	int keepalives = 0;
	/* 10 minutes; the peer sends a KEEPALIVE every 60 s */
	while (h->now < t0 + 600000) {
		int64_t d = peer_next_deadline(h->p);
		int64_t peer_next = last + 60000;
		if (peer_next < d) {
			h->now = last = peer_next;
			feed_keepalive(h);
			continue;
		}
		h->now = d;
		peer_tick(h->p, h->now);
		size_t len;
		const uint8_t *m;
		while ((m = next_sent(h, &len))) {
			assert_int_equal(m[18], BGP_MSG_KEEPALIVE);
			assert_int_equal((h->now - t0) % 30000, 0);
			keepalives++;
		}
	}
	assert_int_equal(keepalives, 20);
	assert_int_equal(peer_state(h->p), PEER_ESTABLISHED);
	h_free(h);

	/* hold time 0: no keepalives, no hold timer */
	h = h_new(NULL);
	establish(h, NULL, 0);
	assert_int_equal(peer_negotiated(h->p)->hold, 0);
	assert_int_equal(peer_next_deadline(h->p), INT64_MAX);
	h->now += 86400000;
	peer_tick(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_ESTABLISHED);
	h_free(h);
}

/* ---------------------------------------------------------------- framing */

/* A stream from the peer: OPEN, KEEPALIVE, UPDATEs (one treat-as-withdraw), RR, KEEPALIVE. */
static size_t peer_stream(uint8_t *b)
{
	size_t n = peer_open(b, 4837, 90, "0a000001", PEER_CAPS);
	n += msg(b + n, BGP_MSG_KEEPALIVE, NULL, 0);
	n += msg_hex(b + n, BGP_MSG_UPDATE,
		     "0000 0014 40010100 4002060201 00000fa0 400304c0000201 00000001 18af2db0");
	n += msg_hex(b + n, BGP_MSG_UPDATE, "0000 0004 40010103 00000002 18af2db1");
	n += msg_hex(b + n, BGP_MSG_ROUTE_REFRESH, "00010001");
	n += msg_hex(b + n, BGP_MSG_UPDATE, "0008 00000001 18af2db0 0000");
	n += msg(b + n, BGP_MSG_KEEPALIVE, NULL, 0);
	return n;
}

static void stream_split_everywhere(void **state)
{
	uint8_t s[1024];
	size_t n = peer_stream(s);
	struct h *ref = h_new(NULL);
	peer_start(ref->p, ref->now);
	peer_connected(ref->p, ref->now);
	assert_int_equal(feed(ref, s, n), 0);
	assert_int_equal(ref->n_msgs, 7);
	assert_int_equal(ref->msg_verdict[3], PEER_VERDICT_TREAT_AS_WITHDRAW);
	assert_int_equal(peer_state(ref->p), PEER_ESTABLISHED);

	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i; j <= n; j += 7) {
			struct h *h = h_new(NULL);
			peer_start(h->p, h->now);
			peer_connected(h->p, h->now);
			assert_int_equal(feed(h, s, i), 0);
			assert_int_equal(feed(h, s + i, j - i), 0);
			assert_int_equal(feed(h, s + j, n - j), 0);
			assert_int_equal(h->n_msgs, ref->n_msgs);
			assert_memory_equal(h->msg_type, ref->msg_type, 7);
			assert_memory_equal(h->msg_verdict, ref->msg_verdict,
					    7 * sizeof(ref->msg_verdict[0]));
			assert_memory_equal(h->msg_len, ref->msg_len, 7 * sizeof(size_t));
			assert_int_equal(h->out_len, ref->out_len);
			assert_memory_equal(h->out, ref->out, ref->out_len);
			assert_int_equal(peer_state(h->p), PEER_ESTABLISHED);
			h_free(h);
		}
	}
	/* one byte at a time */
	struct h *h = h_new(NULL);
	peer_start(h->p, h->now);
	peer_connected(h->p, h->now);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(feed(h, s + i, 1), 0);
	assert_int_equal(h->n_msgs, 7);
	assert_memory_equal(h->msg_verdict, ref->msg_verdict, 7 * sizeof(ref->msg_verdict[0]));
	const struct peer_stats *st = peer_stats_get(h->p);
	assert_int_equal(st->rx_msgs[BGP_MSG_UPDATE], 3);
	assert_int_equal(st->updates[PEER_VERDICT_OK], 2);
	assert_int_equal(st->updates[PEER_VERDICT_TREAT_AS_WITHDRAW], 1);
	assert_int_equal(st->rx_msgs[BGP_MSG_ROUTE_REFRESH], 1);
	assert_int_equal(st->rx_prefixes, 2);
	assert_int_equal(st->rx_withdrawn, 1);
	h_free(h);
	h_free(ref);
}

static void bytes_after_a_fatal_message_are_ignored(void **state)
{
	struct h *h = h_new(NULL);
	uint8_t b[256];
	size_t n;
	establish(h, NULL, 90);
	h->sent_read = h->n_sent;
	n = hex(MARKER "0013 09" MARKER "0013 04", b);
	assert_int_equal(feed(h, b, n), LO_ECORRUPT);
	expect_sent_hex(h, MARKER "0016 03 01 03 09");
	expect_nothing_sent(h);
	assert_int_equal(feed(h, b, n), LO_EINVAL); /* no connection any more */
	h_free(h);
}

/* ---------------------------------------------------------------- RFC 7606 matrix */

/* base attributes of a 4-octet eBGP session: ORIGIN IGP, AS_PATH 4837 131279, NEXT_HOP */
#define ORIGIN	"40010100"
#define ASPATH	"40020a 0202 000012e5 000200cf"
#define NEXTHOP "400304 c0000201"
#define BASE	ORIGIN ASPATH NEXTHOP
#define NLRI_KP "18af2db0"
#define MP6	"800e1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80000"
#define MP6_UNR "800f0a 0002 01 30 20010db80000"

struct ucase {
	const char *name;
	const char *wd, *attrs, *nlri;
	enum peer_verdict v;
	uint8_t subcode;
	unsigned ctx; /* CTX_* */
	int announced;
	uint8_t discard; /* attribute type expected in the discard bitmap, 0 = none */
};

#define CTX_IBGP    1
#define CTX_AS2	    2
#define CTX_ADDPATH 4

#define OK    PEER_VERDICT_OK
#define DIS   PEER_VERDICT_ATTR_DISCARD
#define TAW   PEER_VERDICT_TREAT_AS_WITHDRAW
#define RESET PEER_VERDICT_SESSION_RESET

static const struct ucase ucases[] = {
	/* accepted */
	{"valid announcement", "", BASE, NLRI_KP, OK, 0, 0, 1, 0},
	{"withdrawal only", NLRI_KP, "", "", OK, 0, 0, 0, 0},
	{"End-of-RIB IPv4", "", "", "", OK, 0, 0, 0, 0},
	{"End-of-RIB IPv6", "", "800f03000201", "", OK, 0, 0, 0, 0},
	{"MP_REACH IPv6", "", ORIGIN ASPATH MP6, "", OK, 0, 0, 1, 0},
	{"MP_REACH IPv6 next hop 32", "",
	 ORIGIN ASPATH "800e2c 0002 01 20 20010db8000000000000000000000001"
		       "fe800000000000000000000000000001 00 30 20010db80000",
	 "", OK, 0, 0, 1, 0},
	{"MP_REACH IPv4 unicast", "", ORIGIN ASPATH "800e0d 0001 01 04 c0000201 00 18af2db0", "",
	 OK, 0, 0, 1, 0},
	{"MP_UNREACH with prefixes", "", MP6_UNR, "", OK, 0, 0, 0, 0},
	{"communities, large communities, ext communities", "",
	 BASE "c00804 000012e5 c0200c 000012e5 00000001 00000002 c01008 0002000012e50001", NLRI_KP,
	 OK, 0, 0, 1, 0},
	{"unknown optional transitive attribute", "", BASE "c06302 abcd", NLRI_KP, OK, 0, 0, 1, 0},
	{"AS4_PATH on a 4-octet session is ignored", "", BASE "c01103 0201 00", NLRI_KP, OK, 0, 0,
	 1, 0},
	{"ATOMIC_AGGREGATE and AGGREGATOR", "", BASE "400600 c00708 000012e5 c0000201", NLRI_KP, OK,
	 0, 0, 1, 0},
	{"empty AS_PATH", "", ORIGIN "400200" NEXTHOP, NLRI_KP, OK, 0, 0, 1, 0},
	{"extended length attribute", "", ORIGIN "5002000a 0202 000012e5 000200cf" NEXTHOP, NLRI_KP,
	 OK, 0, 0, 1, 0},
	{"2-octet session", "", ORIGIN "400206 0202 12e5 5ba0" NEXTHOP "c00706 12e5 c0000201",
	 NLRI_KP, OK, 0, CTX_AS2, 1, 0},
	{"2-octet session with AS4_PATH and AS4_AGGREGATOR", "",
	 ORIGIN "400206 0202 12e5 5ba0" NEXTHOP "c0110a 0202 000012e5 000200cf c01208 000200cf "
		"c0000201",
	 NLRI_KP, OK, 0, CTX_AS2, 1, 0},
	{"iBGP with LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST", "",
	 BASE "40050400000064 80090400000001 800a0400000002", NLRI_KP, OK, 0, CTX_IBGP, 1, 0},
	{"confederation segment from an internal peer", "", ORIGIN "400206 0301 0000fde9" NEXTHOP,
	 NLRI_KP, OK, 0, CTX_IBGP, 1, 0},
	{"ADD-PATH NLRI", "00000001 18af2db1", BASE, "00000001 18af2db0 00000002 18af2db0", OK, 0,
	 CTX_ADDPATH, 2, 0},
	{"VPN family is not decoded", "",
	 ORIGIN ASPATH "800e11 0001 80 0c 0000000000000000c0000201 00", "", OK, 0, 0, 0, 0},

	/* treat-as-withdraw */
	{"ORIGIN undefined value", "", "40010103" ASPATH NEXTHOP, NLRI_KP, TAW, 6, 0, 1, 0},
	{"ORIGIN of 2 octets", "", "4001020000" ASPATH NEXTHOP, NLRI_KP, TAW, 5, 0, 1, 0},
	{"ORIGIN of 0 octets", "", "400100" ASPATH NEXTHOP, NLRI_KP, TAW, 5, 0, 1, 0},
	{"ORIGIN flagged optional", "", "c0010100" ASPATH NEXTHOP, NLRI_KP, TAW, 4, 0, 1, 0},
	{"ORIGIN flagged non-transitive", "", "00010100" ASPATH NEXTHOP, NLRI_KP, TAW, 4, 0, 1, 0},
	{"AS_PATH segment type 5", "", ORIGIN "400206 0501 000012e5" NEXTHOP, NLRI_KP, TAW, 11, 0,
	 1, 0},
	{"AS_PATH empty segment", "", ORIGIN "400208 0201 000012e5 0200" NEXTHOP, NLRI_KP, TAW, 11,
	 0, 1, 0},
	{"AS_PATH segment overrun", "", ORIGIN "40020a 0203 000012e5 000200cf" NEXTHOP, NLRI_KP,
	 TAW, 11, 0, 1, 0},
	{"AS_PATH segment underrun", "", ORIGIN "40020b 0202 000012e5 000200cf 02" NEXTHOP, NLRI_KP,
	 TAW, 11, 0, 1, 0},
	{"AS_PATH 2-octet encoding on a 4-octet session", "",
	 ORIGIN "400206 0202 12e5 5ba0" NEXTHOP, NLRI_KP, TAW, 11, 0, 1, 0},
	{"confederation segment from an external peer", "", ORIGIN "400206 0301 0000fde9" NEXTHOP,
	 NLRI_KP, TAW, 11, 0, 1, 0},
	{"NEXT_HOP of 5 octets", "", ORIGIN ASPATH "400305 c000020100", NLRI_KP, TAW, 5, 0, 1, 0},
	{"MULTI_EXIT_DISC of 3 octets", "", BASE "800403 000000", NLRI_KP, TAW, 5, 0, 1, 0},
	{"MULTI_EXIT_DISC flagged well-known", "", BASE "400404 00000000", NLRI_KP, TAW, 4, 0, 1,
	 0},
	{"LOCAL_PREF of 3 octets from an internal peer", "", BASE "400503 000064", NLRI_KP, TAW, 5,
	 CTX_IBGP, 1, 0},
	{"COMMUNITIES of 3 octets", "", BASE "c00803 000001", NLRI_KP, TAW, 9, 0, 1, 0},
	{"COMMUNITIES of 0 octets", "", BASE "c00800", NLRI_KP, TAW, 9, 0, 1, 0},
	{"COMMUNITIES flagged non-transitive", "", BASE "800804 00000001", NLRI_KP, TAW, 4, 0, 1,
	 0},
	{"EXTENDED_COMMUNITIES of 7 octets", "", BASE "c01007 00020000000000", NLRI_KP, TAW, 9, 0,
	 1, 0},
	{"LARGE_COMMUNITY of 11 octets", "", BASE "c0200b 0000000100000002000000", NLRI_KP, TAW, 9,
	 0, 1, 0},
	{"IPv6 extended communities of 19 octets", "",
	 BASE "c01913 00020000000000000000000000000000000000", NLRI_KP, TAW, 9, 0, 1, 0},
	{"ORIGINATOR_ID of 3 octets from an internal peer", "", BASE "800903 000001", NLRI_KP, TAW,
	 5, CTX_IBGP, 1, 0},
	{"CLUSTER_LIST of 5 octets from an internal peer", "", BASE "800a05 0000000100", NLRI_KP,
	 TAW, 5, CTX_IBGP, 1, 0},
	{"missing ORIGIN", "", ASPATH NEXTHOP, NLRI_KP, TAW, 3, 0, 1, 0},
	{"missing AS_PATH", "", ORIGIN NEXTHOP, NLRI_KP, TAW, 3, 0, 1, 0},
	{"missing NEXT_HOP with NLRI", "", ORIGIN ASPATH, NLRI_KP, TAW, 3, 0, 1, 0},
	{"no attributes at all with NLRI", "", "", NLRI_KP, TAW, 3, 0, 1, 0},
	{"missing AS_PATH with MP_REACH", "", ORIGIN MP6, "", TAW, 3, 0, 1, 0},
	{"attribute overruns the attribute list", "", BASE "c00808 00000001", NLRI_KP, TAW, 1, 0, 1,
	 0},
	{"2 octets left in the attribute list", "", BASE "c008", NLRI_KP, TAW, 1, 0, 1, 0},
	{"3 octets left with the extended length bit", "", BASE "d00800", NLRI_KP, TAW, 1, 0, 1, 0},
	{"unrecognized well-known attribute", "", BASE "406302 abcd", NLRI_KP, TAW, 2, 0, 1, 0},
	{"treat-as-withdraw beats attribute discard", "", "40010103" ASPATH NEXTHOP "400601 00",
	 NLRI_KP, TAW, 6, 0, 1, 6},

	/* attribute discard */
	{"ATOMIC_AGGREGATE of 1 octet", "", BASE "400601 00", NLRI_KP, DIS, 5, 0, 1, 6},
	{"ATOMIC_AGGREGATE flagged optional", "", BASE "c00600", NLRI_KP, DIS, 4, 0, 1, 6},
	{"AGGREGATOR of 6 octets on a 4-octet session", "", BASE "c00706 12e5 c0000201", NLRI_KP,
	 DIS, 5, 0, 1, 7},
	{"AGGREGATOR of 8 octets on a 2-octet session", "",
	 ORIGIN "400206 0202 12e5 5ba0" NEXTHOP "c00708 000012e5 c0000201", NLRI_KP, DIS, 5,
	 CTX_AS2, 1, 7},
	{"AGGREGATOR flagged well-known", "", BASE "400708 000012e5 c0000201", NLRI_KP, DIS, 4, 0,
	 1, 7},
	{"LOCAL_PREF from an external peer", "", BASE "40050400000064", NLRI_KP, DIS, 0, 0, 1, 5},
	{"ORIGINATOR_ID from an external peer", "", BASE "80090400000001", NLRI_KP, DIS, 0, 0, 1,
	 9},
	{"CLUSTER_LIST from an external peer", "", BASE "800a0400000001", NLRI_KP, DIS, 0, 0, 1,
	 10},
	{"AS4_PATH malformed on a 2-octet session", "",
	 ORIGIN "400206 0202 12e5 5ba0" NEXTHOP "c01106 0202 000012e5", NLRI_KP, DIS, 9, CTX_AS2, 1,
	 17},
	{"AS4_AGGREGATOR of 6 octets on a 2-octet session", "",
	 ORIGIN "400206 0202 12e5 5ba0" NEXTHOP "c01206 12e5 c0000201", NLRI_KP, DIS, 9, CTX_AS2, 1,
	 18},
	{"duplicate COMMUNITIES", "", BASE "c00804 00000001 c00804 00000002", NLRI_KP, DIS, 1, 0, 1,
	 0},
	{"duplicate ORIGIN", "", BASE "40010101", NLRI_KP, DIS, 1, 0, 1, 0},
	{"withdrawal only with a malformed ATOMIC_AGGREGATE", NLRI_KP, "400601 00", "", DIS, 5, 0,
	 0, 6},

	/* session reset */
	{"withdrawn routes length past the message", "", "", "", RESET, 1, 0, 0, 0},
	{"withdrawn prefix of 33 bits", "21 af2db000 00", "", "", RESET, 10, 0, 0, 0},
	{"withdrawn prefix overruns the field", "18af2d", "", "", RESET, 10, 0, 0, 0},
	{"NLRI prefix of 33 bits", "", BASE, "21af2db00000", RESET, 10, 0, 0, 0},
	{"NLRI prefix overruns the message", "", BASE, "18af2d", RESET, 10, 0, 0, 0},
	{"MP_REACH twice", "", ORIGIN ASPATH MP6 MP6, "", RESET, 1, 0, 1, 0},
	{"MP_UNREACH twice", "", MP6_UNR MP6_UNR, "", RESET, 1, 0, 0, 0},
	{"MP_REACH flagged transitive", "",
	 ORIGIN ASPATH "c00e1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80000", "",
	 RESET, 4, 0, 0, 0},
	{"MP_UNREACH flagged well-known", "", "400f03000201", "", RESET, 4, 0, 0, 0},
	{"MP_REACH of 4 octets", "", ORIGIN ASPATH "800e04 00020110", "", RESET, 9, 0, 0, 0},
	{"MP_REACH next hop past the attribute", "", ORIGIN ASPATH "800e08 0002 01 10 20010db8", "",
	 RESET, 9, 0, 0, 0},
	{"MP_REACH without the reserved octet", "",
	 ORIGIN ASPATH "800e14 0002 01 10 20010db8000000000000000000000001", "", RESET, 9, 0, 0, 0},
	{"MP_UNREACH of 2 octets", "", "800f02 0002", "", RESET, 9, 0, 0, 0},
	{"MP_REACH IPv6 with a 4-octet next hop", "",
	 ORIGIN ASPATH "800e10 0002 01 04 c0000201 00 30 20010db80000", "", RESET, 9, 0, 0, 0},
	{"MP_REACH IPv4 with a 5-octet next hop", "",
	 ORIGIN ASPATH "800e0e 0001 01 05 c000020100 00 18af2db0", "", RESET, 9, 0, 0, 0},
	{"MP_REACH IPv6 prefix of 129 bits", "",
	 ORIGIN ASPATH "800e1c 0002 01 10 20010db8000000000000000000000001 00 81 20010db80000", "",
	 RESET, 9, 0, 0, 0},
	{"MP_UNREACH prefix overrun", "", "800f07 0002 01 40 20010db8", "", RESET, 9, 0, 0, 0},
	{"no reachable NLRI: withdrawal with a malformed ORIGIN", NLRI_KP, "40010103" ASPATH, "",
	 RESET, 6, 0, 0, 0},
	{"no reachable NLRI: MP_UNREACH with malformed COMMUNITIES", "", MP6_UNR "c00803 000001",
	 "", RESET, 9, 0, 0, 0},
	{"no reachable NLRI: attributes only, framing lost", "", ORIGIN "c00808 0000", "", RESET, 1,
	 0, 0, 0},
	{"session reset beats treat-as-withdraw", "", "40010103" ASPATH NEXTHOP, "21af2db00000",
	 RESET, 10, 0, 0, 0},
};

static void build_update(const struct ucase *c, uint8_t *b, size_t *n)
{
	uint8_t wd[2048], at[2048], nl[2048], body[8192];
	size_t wn = hex(c->wd, wd), an = hex(c->attrs, at), nn = hex(c->nlri, nl), o = 0;

	if (!strcmp(c->name, "withdrawn routes length past the message")) {
		*n = msg_hex(b, BGP_MSG_UPDATE, "0010 0000");
		return;
	}
	body[o++] = (uint8_t)(wn >> 8);
	body[o++] = (uint8_t)wn;
	memcpy(body + o, wd, wn), o += wn;
	body[o++] = (uint8_t)(an >> 8);
	body[o++] = (uint8_t)an;
	memcpy(body + o, at, an), o += an;
	memcpy(body + o, nl, nn), o += nn;
	*n = msg(b, BGP_MSG_UPDATE, body, o);
}

static void update_classification_matrix(void **state)
{
	for (size_t i = 0; i < sizeof(ucases) / sizeof(ucases[0]); i++) {
		const struct ucase *c = &ucases[i];
		struct peer_update_ctx ctx = {4, false, false, false};
		struct peer_update_info u;
		uint8_t b[8192];
		size_t n;

		if (c->ctx & CTX_IBGP)
			ctx.ibgp = true;
		if (c->ctx & CTX_AS2)
			ctx.asn_size = 2;
		if (c->ctx & CTX_ADDPATH)
			ctx.addpath_ipv4 = ctx.addpath_ipv6 = true;
		build_update(c, b, &n);
		enum peer_verdict v = peer_update_check(b, n, &ctx, &u);
		fprintf(stderr, "  %-60s %-18s %u/%-2u %s\n", c->name, peer_verdict_name(v), u.code,
			u.subcode, u.reason);
		assert_int_equal(v, c->v);
		assert_int_equal(u.verdict, c->v);
		if (c->v != OK) {
			assert_int_equal(u.code, 3);
			assert_int_equal(u.subcode, c->subcode);
			assert_true(u.n_errors >= 1);
			assert_true(u.reason[0]);
		} else {
			assert_int_equal(u.n_errors, 0);
			assert_string_equal(u.reason, "");
		}
		if (c->v != RESET)
			assert_int_equal(u.n_announced, (uint32_t)c->announced);
		if (c->discard)
			assert_true(peer_update_discarded(&u, c->discard));
		if (c->v == DIS && !c->discard)
			for (int w = 0; w < 8; w++)
				assert_int_equal(u.discard[w], 0);
	}
}

static void update_details(void **state)
{
	struct peer_update_ctx ctx = {4, false, false, false};
	struct peer_update_info u;
	uint8_t b[1024];
	size_t n;

	/* End-of-RIB markers */
	n = msg_hex(b, BGP_MSG_UPDATE, "0000 0000");
	peer_update_check(b, n, &ctx, &u);
	assert_true(u.eor);
	assert_int_equal(u.eor_afi, 1);
	assert_int_equal(u.eor_safi, 1);
	n = msg_hex(b, BGP_MSG_UPDATE, "0000 0006 800f03000201");
	peer_update_check(b, n, &ctx, &u);
	assert_true(u.eor);
	assert_int_equal(u.eor_afi, 2);
	n = msg_hex(b, BGP_MSG_UPDATE, "0000 000e 800f03000201 c00804 00000001");
	peer_update_check(b, n, &ctx, &u);
	assert_false(u.eor);
	n = msg_hex(b, BGP_MSG_UPDATE, "0000 0004 40010100");
	assert_int_equal(peer_update_check(b, n, &ctx, &u), OK); /* attributes without NLRI */
	assert_false(u.eor);
	n = msg_hex(b, BGP_MSG_UPDATE, "0000 000d " MP6_UNR);
	peer_update_check(b, n, &ctx, &u);
	assert_false(u.eor);
	assert_int_equal(u.n_withdrawn, 1);

	/* the NOTIFICATION data of an MP_REACH error is the attribute */
	n = msg_hex(b, BGP_MSG_UPDATE, "0000 0007 800e04 00020110");
	assert_int_equal(peer_update_check(b, n, &ctx, &u), RESET);
	assert_int_equal(u.data_len, 7);
	assert_ptr_equal(u.data, b + 23);
	assert_int_equal(u.err_type, 14);
	assert_int_equal(u.err_offset, 23);

	/* framing lost: the NLRI field is still found by the total attribute length */
	n = msg_hex(b, BGP_MSG_UPDATE, "0000 0008 " ORIGIN "c00810 00 18af2db0 17af2db2");
	assert_int_equal(peer_update_check(b, n, &ctx, &u), TAW);
	assert_int_equal(u.n_announced, 2);

	/* several errors: the first of the strongest names the reason, all are counted */
	build_update(&(struct ucase){"x", "", "40010103" ASPATH NEXTHOP "c00803000001 40060100",
				     NLRI_KP, TAW, 6, 0, 1, 0},
		     b, &n);
	assert_int_equal(peer_update_check(b, n, &ctx, &u), TAW);
	assert_int_equal(u.n_errors, 3);
	assert_string_equal(u.reason, "ORIGIN: undefined value 3");
	assert_true(peer_update_discarded(&u, 6));

	/* too short to be an UPDATE */
	n = msg_hex(b, BGP_MSG_UPDATE, "00");
	assert_int_equal(peer_update_check(b, n, &ctx, &u), RESET);
	assert_int_equal(u.code, 1);
}

static void update_verdicts_in_session(void **state)
{
	struct h *h = h_new(NULL);
	establish(h, PEER_CAPS, 90);
	h->sent_read = h->n_sent;
	/* treat-as-withdraw and attribute discard keep the session */
	assert_int_equal(feed_hex_msg(h, BGP_MSG_UPDATE,
				      "0000 0014 40010103 4002060201 00000fa0 400304c0000201 "
				      "00000001 18af2db0"),
			 0);
	assert_int_equal(h->msg_verdict[h->n_msgs - 1], TAW);
	assert_int_equal(
		feed_hex_msg(h, BGP_MSG_UPDATE,
			     "0000 0018 40010100 4002060201 00000fa0 400304c0000201 400601 00 "
			     "00000001 18af2db0"),
		0);
	assert_int_equal(h->msg_verdict[h->n_msgs - 1], DIS);
	assert_int_equal(peer_state(h->p), PEER_ESTABLISHED);
	expect_nothing_sent(h);
	/* session reset: NOTIFICATION with the attribute as data */
	assert_int_equal(feed_hex_msg(h, BGP_MSG_UPDATE,
				      "0000 0014 40010100 4002060201 00000fa0 800e04 00020110"),
			 LO_ECORRUPT);
	assert_int_equal(h->msg_verdict[h->n_msgs - 1], RESET);
	expect_sent_hex(h, MARKER "001c 03 03 09 800e0400020110");
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	assert_string_equal(peer_last_reason(h->p),
			    "malformed UPDATE: MP_REACH_NLRI shorter than 5 octets (NOTIFICATION "
			    "sent: UPDATE message error/optional attribute error)");
	const struct peer_stats *s = peer_stats_get(h->p);
	assert_int_equal(s->updates[OK], 0);
	assert_int_equal(s->updates[DIS], 1);
	assert_int_equal(s->updates[TAW], 1);
	assert_int_equal(s->updates[RESET], 1);
	h_free(h);
}

/* ---------------------------------------------------------------- route refresh */

static void route_refresh_ignored(void **state)
{
	struct h *h = h_new(NULL);
	establish(h, "0200 4600", 90);
	h->sent_read = h->n_sent;
	assert_true(peer_negotiated(h->p)->enh_refresh);
	assert_int_equal(feed_hex_msg(h, BGP_MSG_ROUTE_REFRESH, "00010001"), 0);
	assert_int_equal(feed_hex_msg(h, BGP_MSG_ROUTE_REFRESH, "00010101"), 0);      /* BoRR */
	assert_int_equal(feed_hex_msg(h, BGP_MSG_ROUTE_REFRESH, "00010901"), 0);      /* unknown */
	assert_int_equal(feed_hex_msg(h, BGP_MSG_ROUTE_REFRESH, "00010001 aabb"), 0); /* ORF */
	expect_nothing_sent(h);
	assert_int_equal(peer_stats_get(h->p)->rx_msgs[BGP_MSG_ROUTE_REFRESH], 4);
	/* RFC 7313 §5: EoRR of the wrong length */
	assert_int_equal(feed_hex_msg(h, BGP_MSG_ROUTE_REFRESH, "00010201 00"), LO_ECORRUPT);
	expect_sent_hex(h, MARKER "002d 03 07 01" MARKER "0018 05 0001020100");
	h_free(h);
}

/* ---------------------------------------------------------------- extended messages */

static void extended_messages(void **state)
{
	uint8_t *b = malloc(70000), *body = malloc(70000);
	size_t n, o = 0;

	/* an UPDATE of 5000 octets: 1240 withdrawn /24s */
	body[o++] = 0;
	body[o++] = 0;
	for (int i = 0; i < 1244; i++) {
		body[o++] = 24, body[o++] = 10, body[o++] = (uint8_t)(i >> 8),
		body[o++] = (uint8_t)i;
	}
	body[0] = (uint8_t)((o - 2) >> 8);
	body[1] = (uint8_t)(o - 2);
	body[o++] = 0;
	body[o++] = 0;
	n = msg(b, BGP_MSG_UPDATE, body, o);
	assert_true(n > 4096);

	struct h *h = h_new(NULL);
	establish(h, "0600", 90);
	assert_int_equal(peer_negotiated(h->p)->max_msg, 65535);
	for (size_t i = 0; i < n; i += 1000)
		assert_int_equal(feed(h, b + i, n - i < 1000 ? n - i : 1000), 0);
	assert_int_equal(h->msg_len[h->n_msgs - 1], n);
	assert_int_equal(peer_stats_get(h->p)->rx_withdrawn, 1244);
	/* KEEPALIVE and OPEN stay within 4096 even then */
	assert_int_equal(feed(h,
			      (const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
					       "\xff\xff\xff\xff\xff\x10\x01\x04",
			      19),
			 LO_ECORRUPT);
	h_free(h);

	/* not negotiated: the same UPDATE is a Bad Message Length */
	struct peer_opts opt;
	opts_default(&opt);
	opt.caps &= ~PEER_CAP_EXT_MSG;
	h = h_new(&opt);
	establish(h, "0600", 90);
	assert_false(peer_negotiated(h->p)->ext_msg);
	h->sent_read = h->n_sent;
	assert_int_equal(feed(h, b, n), LO_ECORRUPT);
	char want[128];
	snprintf(want, sizeof(want), MARKER "0017 03 01 02 %02x%02x", (unsigned)(n >> 8),
		 (unsigned)(n & 0xff));
	expect_sent_hex(h, want);
	h_free(h);

	/* the peer did not offer it */
	h = h_new(NULL);
	establish(h, NULL, 90);
	assert_int_equal(feed(h, b, n), LO_ECORRUPT);
	h_free(h);
	free(b);
	free(body);
}

/* ---------------------------------------------------------------- ADD-PATH */

static void addpath_negotiation(void **state)
{
	static const struct {
		const char *caps;
		bool v4, v6;
	} cases[] = {
		{"4508 00010103 00020102", true, true},
		{"4504 00010101", false, false}, /* the peer only receives */
		{"4504 00010102", true, false},
		{"4504 00020103", false, true},
		{"4508 00010102 00010101", false, false}, /* the last tuple for a family wins */
		{"4508 00010103 00020104", false, false}, /* unknown Send/Receive: ignored */
		{"4504 00010202", false, false},	  /* multicast: not offered by us */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct h *h = h_new(NULL);
		establish(h, cases[i].caps, 90);
		const struct peer_neg *ng = peer_negotiated(h->p);
		assert_int_equal(ng->addpath_ipv4, cases[i].v4);
		assert_int_equal(ng->addpath_ipv6, cases[i].v6);
		struct peer_update_ctx ctx;
		peer_update_ctx_get(h->p, &ctx);
		assert_int_equal(ctx.addpath_ipv4, cases[i].v4);
		h_free(h);
	}
	/* we did not offer it */
	struct peer_opts o;
	opts_default(&o);
	o.caps &= ~(PEER_CAP_ADDPATH_IPV4 | PEER_CAP_ADDPATH_IPV6);
	struct h *h = h_new(&o);
	establish(h, "4508 00010103 00020102", 90);
	assert_false(peer_negotiated(h->p)->addpath_ipv4);
	/* NLRI with path ids are then unparseable (0/0 0/0 0/0 1/1, then length 175) */
	assert_int_equal(feed_hex_msg(h, BGP_MSG_UPDATE,
				      "0000 0014 40010100 4002060201 00000fa0 400304c0000201 "
				      "00000001 18af2db0"),
			 LO_ECORRUPT);
	h_free(h);
}

/* ---------------------------------------------------------------- graceful restart */

static void graceful_restart_awareness(void **state)
{
	struct h *h = h_new(NULL);
	establish(h, PEER_CAPS, 90);
	assert_false(peer_gr(h->p)->restarting);
	int64_t t = h->now;
	peer_tcp_lost(h->p, h->now);
	const struct peer_gr_state *g = peer_gr(h->p);
	assert_true(g->restarting);
	assert_int_equal(g->until, t + 120000);
	assert_int_equal(g->n_afi, 2);
	assert_int_equal(g->afi[0].afi, 1);
	assert_true(g->afi[0].forwarding);
	assert_string_equal(h->st_reason[h->n_states - 2],
			    "TCP connection lost; peer graceful restart: keep its routes stale for "
			    "120 s");
	/* a clean loss restarts at once: the peer may come back */
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	h_free(h);

	/* a new connection while Established replaces the old one */
	h = h_new(NULL);
	establish(h, PEER_CAPS, 90);
	h->sent_read = h->n_sent;
	assert_int_equal(peer_connected(h->p, h->now), 0);
	assert_int_equal(peer_state(h->p), PEER_OPENSENT);
	assert_true(peer_gr(h->p)->restarting);
	expect_sent_type(h, BGP_MSG_OPEN);
	h_free(h);

	/* without graceful restart the second connection is refused */
	h = h_new(NULL);
	establish(h, NULL, 90);
	assert_int_equal(peer_connected(h->p, h->now), LO_EINVAL);
	peer_tcp_lost(h->p, h->now);
	assert_false(peer_gr(h->p)->restarting);
	assert_string_equal(h->st_reason[h->n_states - 2], "TCP connection lost");
	h_free(h);

	/* a failed reconnection keeps the restart; the next session's end clears it */
	h = h_new(NULL);
	establish(h, PEER_CAPS, 90);
	peer_tcp_lost(h->p, h->now);
	peer_connected(h->p, h->now);
	feed_hex_msg(h, BGP_MSG_NOTIFICATION, "0202");
	assert_true(peer_gr(h->p)->restarting);
	h->now = peer_next_deadline(h->p);
	peer_tick(h->p, h->now);
	establish_again(h, PEER_CAPS);
	assert_true(peer_gr(h->p)->restarting); /* until the consumer saw End-of-RIB */
	peer_close(h->p, PEER_CEASE_ADMIN_RESET, NULL, h->now);
	assert_false(peer_gr(h->p)->restarting);
	h_free(h);

	/* a NOTIFICATION ends graceful restart (RFC 4724: only a TCP loss restarts) */
	h = h_new(NULL);
	establish(h, PEER_CAPS, 90);
	feed_hex_msg(h, BGP_MSG_NOTIFICATION, "0604");
	assert_false(peer_gr(h->p)->restarting);
	h_free(h);

	/* GR without address families: helper only, nothing to keep */
	h = h_new(NULL);
	establish(h, "40020078", 90);
	assert_true(peer_negotiated(h->p)->gr);
	peer_tcp_lost(h->p, h->now);
	assert_false(peer_gr(h->p)->restarting);
	h_free(h);
}

/* ---------------------------------------------------------------- robustness */

static void callbacks_cannot_act(void **state)
{
	struct h *h = h_new(NULL);
	h->act_in_cb = 1;
	peer_start(h->p, h->now);
	assert_int_equal(h->act_rc, LO_EINVAL);
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	h_free(h);
}

static void send_failure_ends_the_session(void **state)
{
	struct h *h = h_new(NULL);
	establish(h, NULL, 90);
	h->send_fail = 1;
	h->now += 30000;
	peer_tick(h->p, h->now); /* the keepalive cannot be sent */
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	assert_string_equal(peer_last_reason(h->p), "could not send to the connection");
	h_free(h);

	h = h_new(NULL);
	h->send_fail = 1;
	peer_start(h->p, h->now);
	assert_int_equal(peer_connected(h->p, h->now), 0);
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	h_free(h);
}

static void send_update_frames(void **state)
{
	struct h *h = h_new(NULL);
	const uint8_t eor[4] = {0};
	assert_int_equal(peer_send_update(h->p, eor, 4, h->now), LO_EINVAL);
	establish(h, NULL, 90);
	h->sent_read = h->n_sent;
	assert_int_equal(peer_send_update(h->p, eor, 4, h->now), 0);
	expect_sent_hex(h, MARKER "0017 02 00000000");
	uint8_t *big = calloc(1, 5000);
	assert_int_equal(peer_send_update(h->p, big, 5000, h->now), LO_ETOOBIG);
	free(big);
	h_free(h);
}

static void tcp_lost_in_every_state(void **state)
{
	struct h *h = h_new(NULL);
	peer_tcp_lost(h->p, h->now); /* Idle: nothing */
	assert_int_equal(peer_state(h->p), PEER_IDLE);
	peer_start(h->p, h->now);
	peer_tcp_lost(h->p, h->now);
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	peer_connected(h->p, h->now);
	peer_tcp_lost(h->p, h->now); /* OpenSent: back to Active (RFC 4271 §8.2.2) */
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	uint8_t b[512];
	peer_connected(h->p, h->now);
	feed(h, b, peer_open(b, 4837, 90, "0a000001", NULL));
	peer_tcp_lost(h->p, h->now); /* OpenConfirm: Idle, then restart */
	assert_int_equal(h->st_to[h->n_states - 2], PEER_IDLE);
	assert_int_equal(peer_state(h->p), PEER_ACTIVE);
	h_free(h);
}

/* 100 sessions on one struct peer, each ending differently; ASan's leak checker watches. */
static void reset_loop(void **state)
{
	struct h *h = h_new(NULL);
	uint8_t b[512];
	peer_start(h->p, h->now);
	for (int i = 0; i < 100; i++) {
		if (peer_state(h->p) == PEER_IDLE) {
			h->now = peer_next_deadline(h->p);
			assert_true(h->now != INT64_MAX);
			peer_tick(h->p, h->now);
		}
		assert_int_equal(peer_state(h->p), PEER_ACTIVE);
		assert_int_equal(peer_connected(h->p, h->now), 0);
		feed(h, b,
		     peer_open(b, 4837, 90, "0a000001", PEER_CAPS)); /* extended messages on */
		feed_keepalive(h);
		assert_int_equal(peer_state(h->p), PEER_ESTABLISHED);
		feed(h, b, 10); /* a partial message header in the buffer */
		switch (i % 5) {
		case 0:
			peer_tcp_lost(h->p, h->now);
			break;
		case 1:
			peer_close(h->p, PEER_CEASE_ADMIN_RESET, "again", h->now);
			break;
		case 2:
			feed_hex_msg(h, BGP_MSG_NOTIFICATION, "0604");
			break;
		case 3:
			h->now += 90000;
			peer_tick(h->p, h->now);
			break;
		case 4:
			feed(h, (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 19);
			break;
		}
		assert_int_not_equal(peer_state(h->p), PEER_ESTABLISHED);
		h->out_len = 0;
		h->n_sent = h->sent_read = 0;
		h->n_msgs = h->n_states = 0;
	}
	assert_int_equal(peer_stats_get(h->p)->connections, 100);
	assert_int_equal(peer_stats_get(h->p)->established, 100);
	/* free with a partial message buffered in the big buffer */
	peer_connected(h->p, h->now);
	h_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(options_checked),
		cmocka_unit_test(passive_open_exchange_byte_by_byte),
		cmocka_unit_test(active_open_exchange),
		cmocka_unit_test(open_errors_exact_notifications),
		cmocka_unit_test(open_reason_text),
		cmocka_unit_test(header_and_fsm_errors),
		cmocka_unit_test(unexpected_in_openconfirm),
		cmocka_unit_test(notification_received),
		cmocka_unit_test(close_with_shutdown_communication),
		cmocka_unit_test(shutdown_text_decoding),
		cmocka_unit_test(hold_timer_expiry),
		cmocka_unit_test(keepalive_cadence),
		cmocka_unit_test(stream_split_everywhere),
		cmocka_unit_test(bytes_after_a_fatal_message_are_ignored),
		cmocka_unit_test(update_classification_matrix),
		cmocka_unit_test(update_details),
		cmocka_unit_test(update_verdicts_in_session),
		cmocka_unit_test(route_refresh_ignored),
		cmocka_unit_test(extended_messages),
		cmocka_unit_test(addpath_negotiation),
		cmocka_unit_test(graceful_restart_awareness),
		cmocka_unit_test(callbacks_cannot_act),
		cmocka_unit_test(send_failure_ends_the_session),
		cmocka_unit_test(send_update_frames),
		cmocka_unit_test(tcp_lost_in_every_state),
		cmocka_unit_test(reset_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
