/*
 * DOC: unit tests for src/bmp — every BMP message type built byte by byte
 * (RFC 7854 §4, RFC 8671, RFC 9069 layouts) and decoded; framing errors
 * (wrong version, short and oversized lengths, bytes arriving one at a
 * time); malformed bodies (TLV lengths, truncated headers, bad BGP PDUs);
 * the per-peer header with the V flag and IPv6; the ADD-PATH negotiation
 * matrix; station state; the MRT records made by bmp_route_mrt() decoded
 * back with src/mrt field by field and printed by the real `bgpdump -m`;
 * and the real captures in tests/data/bmp/ (see PROVENANCE.md there),
 * decoded completely with no error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmp/bmp.h"
#include "io/io.h"
#include "mrt/mrt.h"

/* ---------------------------------------------------------------- builders */

struct bb {
	uint8_t *p;
	size_t n, cap;
};

static void bb_put(struct bb *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}
static void u8(struct bb *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	bb_put(b, &x, 1);
}
static void u16(struct bb *b, unsigned v)
{
	u8(b, v >> 8);
	u8(b, v);
}
static void u32(struct bb *b, uint32_t v)
{
	u16(b, v >> 16);
	u16(b, v & 0xffff);
}
static void u64(struct bb *b, uint64_t v)
{
	u32(b, (uint32_t)(v >> 32));
	u32(b, (uint32_t)v);
}
static void bb_free(struct bb *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static uint32_t be32_at(const char *p)
{
	const uint8_t *u = (const uint8_t *)p;
	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static unsigned be16_at(const char *p)
{
	const uint8_t *u = (const uint8_t *)p;
	return (unsigned)u[0] << 8 | u[1];
}

/* An address as 16 bytes the way BMP carries it (IPv4 in the last 4). */
static void addr16(struct bb *b, const char *text)
{
	uint8_t a[16] = {0};
	if (strchr(text, ':'))
		assert_int_equal(inet_pton(AF_INET6, text, a), 1);
	else
		assert_int_equal(inet_pton(AF_INET, text, a + 12), 1);
	bb_put(b, a, 16);
}

static void ip4(struct bb *b, const char *text)
{
	uint8_t a[4];
	assert_int_equal(inet_pton(AF_INET, text, a), 1);
	bb_put(b, a, 4);
}

/* A whole BMP message of @type around @body. */
static void bmp_wrap(struct bb *out, unsigned type, const struct bb *body)
{
	u8(out, 3);
	u32(out, (uint32_t)(6 + body->n));
	u8(out, type);
	bb_put(out, body->p, body->n);
}

struct ph {
	uint8_t type, flags;
	uint64_t rd;
	const char *addr;
	uint32_t asn, bgp_id, sec, usec;
};

static void peer_hdr(struct bb *b, const struct ph *h)
{
	u8(b, h->type);
	u8(b, h->flags);
	u64(b, h->rd);
	addr16(b, h->addr ? h->addr : "0.0.0.0");
	u32(b, h->asn);
	u32(b, h->bgp_id);
	u32(b, h->sec);
	u32(b, h->usec);
}

/* BGP header: marker, length, type. */
static void bgp_hdr(struct bb *b, size_t body_len, unsigned type)
{
	for (int i = 0; i < 16; i++)
		u8(b, 0xff);
	u16(b, (unsigned)(19 + body_len));
	u8(b, type);
}

/*
 * An OPEN: my AS, hold 90, @id, capabilities MP IPv4 unicast (and IPv6
 * unicast), AS4 (@as4 != 0) and ADD-PATH tuples @ap (afi, safi, sr) x @n_ap.
 */
static void open_msg(struct bb *b, unsigned my_as, uint32_t as4, uint32_t id, const uint8_t *ap,
		     unsigned n_ap)
{
	struct bb caps = {0}, body = {0};
	u8(&caps, 1);
	u8(&caps, 4);
	u32(&caps, 0x00010001); /* IPv4 unicast */
	u8(&caps, 1);
	u8(&caps, 4);
	u32(&caps, 0x00020001); /* IPv6 unicast */
	if (as4) {
		u8(&caps, 65);
		u8(&caps, 4);
		u32(&caps, as4);
	}
	if (n_ap) {
		u8(&caps, 69);
		u8(&caps, (unsigned)(4 * n_ap));
		for (unsigned i = 0; i < n_ap; i++) {
			u16(&caps, ap[3 * i]);
			u8(&caps, ap[3 * i + 1]);
			u8(&caps, ap[3 * i + 2]);
		}
	}
	u8(&body, 4);
	u16(&body, my_as);
	u16(&body, 90);
	u32(&body, id);
	u8(&body, (unsigned)(caps.n + 2));
	u8(&body, 2); /* capabilities parameter */
	u8(&body, (unsigned)caps.n);
	bb_put(&body, caps.p, caps.n);
	bgp_hdr(b, body.n, 1);
	bb_put(b, body.p, body.n);
	bb_free(&caps);
	bb_free(&body);
}

/*
 * An UPDATE announcing IPv4 @pfx/@len (optionally with path id @pid) with
 * ORIGIN IGP, AS_PATH @path (@asn_size bytes per ASN), NEXT_HOP @nh.
 */
static void update_v4(struct bb *b, const char *pfx, unsigned len, bool addpath, uint32_t pid,
		      const uint32_t *path, unsigned n_path, unsigned asn_size, const char *nh)
{
	struct bb attrs = {0}, body = {0};
	u8(&attrs, 0x40);
	u8(&attrs, 1);
	u8(&attrs, 1);
	u8(&attrs, 0);
	u8(&attrs, 0x40);
	u8(&attrs, 2);
	u8(&attrs, 2 + n_path * asn_size);
	u8(&attrs, 2);
	u8(&attrs, n_path);
	for (unsigned i = 0; i < n_path; i++) {
		if (asn_size == 4)
			u32(&attrs, path[i]);
		else
			u16(&attrs, path[i]);
	}
	u8(&attrs, 0x40);
	u8(&attrs, 3);
	u8(&attrs, 4);
	ip4(&attrs, nh);
	u16(&body, 0);
	u16(&body, (unsigned)attrs.n);
	bb_put(&body, attrs.p, attrs.n);
	if (addpath)
		u32(&body, pid);
	u8(&body, len);
	uint8_t a[4];
	assert_int_equal(inet_pton(AF_INET, pfx, a), 1);
	bb_put(&body, a, (len + 7) / 8);
	bgp_hdr(b, body.n, 2);
	bb_put(b, body.p, body.n);
	bb_free(&attrs);
	bb_free(&body);
}

/* An UPDATE announcing IPv6 @pfx/@len in MP_REACH_NLRI, path @asn (4 bytes). */
static void update_v6(struct bb *b, const char *pfx, unsigned len, bool addpath, uint32_t pid,
		      uint32_t asn, const char *nh)
{
	struct bb attrs = {0}, mp = {0}, body = {0};
	uint8_t a[16];
	u16(&mp, 2);
	u8(&mp, 1);
	u8(&mp, 16);
	assert_int_equal(inet_pton(AF_INET6, nh, a), 1);
	bb_put(&mp, a, 16);
	u8(&mp, 0);
	if (addpath)
		u32(&mp, pid);
	u8(&mp, len);
	assert_int_equal(inet_pton(AF_INET6, pfx, a), 1);
	bb_put(&mp, a, (len + 7) / 8);
	u8(&attrs, 0x40);
	u8(&attrs, 1);
	u8(&attrs, 1);
	u8(&attrs, 0);
	u8(&attrs, 0x40);
	u8(&attrs, 2);
	u8(&attrs, 6);
	u8(&attrs, 2);
	u8(&attrs, 1);
	u32(&attrs, asn);
	u8(&attrs, 0x80);
	u8(&attrs, 14);
	u8(&attrs, (unsigned)mp.n);
	bb_put(&attrs, mp.p, mp.n);
	u16(&body, 0);
	u16(&body, (unsigned)attrs.n);
	bb_put(&body, attrs.p, attrs.n);
	bgp_hdr(b, body.n, 2);
	bb_put(b, body.p, body.n);
	bb_free(&attrs);
	bb_free(&mp);
	bb_free(&body);
}

/* An UPDATE withdrawing IPv4 @pfx/@len. */
static void withdraw_v4(struct bb *b, const char *pfx, unsigned len)
{
	struct bb body = {0};
	uint8_t a[4];
	assert_int_equal(inet_pton(AF_INET, pfx, a), 1);
	u16(&body, 1 + (len + 7) / 8);
	u8(&body, len);
	bb_put(&body, a, (len + 7) / 8);
	u16(&body, 0);
	bgp_hdr(b, body.n, 2);
	bb_put(b, body.p, body.n);
	bb_free(&body);
}

static void tlv(struct bb *b, unsigned type, const void *v, size_t n)
{
	u16(b, type);
	u16(b, (unsigned)n);
	bb_put(b, v, n);
}

static void tlv_str(struct bb *b, unsigned type, const char *s)
{
	tlv(b, type, s, strlen(s));
}

/* Messages ------------------------------------------------------------- */

static void msg_init(struct bb *out, const char *descr, const char *name)
{
	struct bb body = {0};
	tlv_str(&body, 0, "hello");
	tlv_str(&body, 1, descr);
	tlv_str(&body, 2, name);
	bmp_wrap(out, BMP_MSG_INITIATION, &body);
	bb_free(&body);
}

static const struct ph PEER_A = {.type = 0,
				 .addr = "192.0.2.1",
				 .asn = 4837,
				 .bgp_id = 0xc0000201,
				 .sec = 1419265000,
				 .usec = 123456};

/*
 * Peer Up for @h: local address @local (family of @h), ports 179 / 40000,
 * the router's OPEN (AS 65001, or 23456 + AS4 cap 4200000001) with ADD-PATH
 * @sent_ap, the peer's OPEN (AS @h->asn) with @recv_ap, one string TLV.
 */
static void msg_peer_up(struct bb *out, const struct ph *h, const char *local, uint32_t local_as,
			const uint8_t *sent_ap, unsigned n_sent, const uint8_t *recv_ap,
			unsigned n_recv, bool as4)
{
	struct bb body = {0};
	peer_hdr(&body, h);
	addr16(&body, local);
	u16(&body, 179);
	u16(&body, 40000);
	open_msg(&body, local_as > 0xffff ? 23456 : local_as, as4 ? local_as : 0, 0xc6120001,
		 sent_ap, n_sent);
	open_msg(&body, h->asn > 0xffff ? 23456 : h->asn, as4 ? h->asn : 0, h->bgp_id, recv_ap,
		 n_recv);
	tlv_str(&body, 0, "peer up");
	bmp_wrap(out, BMP_MSG_PEER_UP, &body);
	bb_free(&body);
}

static void msg_rm_v4(struct bb *out, const struct ph *h, const char *pfx, unsigned len,
		      bool addpath, uint32_t pid, const uint32_t *path, unsigned n_path,
		      unsigned asn_size)
{
	struct bb body = {0};
	peer_hdr(&body, h);
	update_v4(&body, pfx, len, addpath, pid, path, n_path, asn_size, "198.18.0.1");
	bmp_wrap(out, BMP_MSG_ROUTE_MONITORING, &body);
	bb_free(&body);
}

static void msg_peer_down(struct bb *out, const struct ph *h, unsigned reason)
{
	struct bb body = {0};
	peer_hdr(&body, h);
	u8(&body, reason);
	if (reason == 1 || reason == 3) {
		bgp_hdr(&body, 2, 3);
		u8(&body, 6); /* Cease */
		u8(&body, 2); /* Administrative Shutdown */
	} else if (reason == 2) {
		u16(&body, 18); /* FSM event */
	} else if (reason == 6) {
		tlv_str(&body, 3, "global");
	}
	bmp_wrap(out, BMP_MSG_PEER_DOWN, &body);
	bb_free(&body);
}

/* ---------------------------------------------------------------- helpers */

/* Decode all of @b with one stream; messages into @msgs (up to @max). */
static int decode_all(const struct bb *b, struct bmp_msg *msgs, int max, struct bmp_stream *s)
{
	size_t off = 0;
	int n = 0;

	bmp_stream_init(s, 0);
	for (;;) {
		size_t used;
		struct bmp_msg m;
		int rc = bmp_next(s, b->p + off, b->n - off, &used, &m, NULL);
		if (rc == LO_EAGAIN)
			break;
		assert_int_equal(rc, 1);
		off += used;
		if (n < max)
			msgs[n] = m;
		n++;
	}
	assert_int_equal(off, b->n);
	return n;
}

static struct bmp_msg decode_one(const struct bb *b)
{
	struct bmp_msg m;
	struct bmp_stream s;
	assert_int_equal(decode_all(b, &m, 1, &s), 1);
	return m;
}

static struct bmp_msg *heap_msgs(int n)
{
	struct bmp_msg *m = calloc((size_t)n, sizeof(*m));
	assert_non_null(m);
	return m;
}

static char *addr_text(const struct bgp_addr *a)
{
	static char buf[4][BGP_ADDR_STRLEN];
	static int k;
	char *p = buf[k++ % 4];
	bgp_fmt_addr(a, p);
	return p;
}

/* ---------------------------------------------------------------- tests */

static void initiation_and_termination(void **state)
{
	struct bb b = {0}, body = {0};
	struct bmp_router r;

	msg_init(&b, "FRRouting 8.4.4", "rtr\x01one");
	tlv_str(&body, 0, "bye");
	tlv(&body, 1, "\x00\x03", 2);
	bmp_wrap(&b, BMP_MSG_TERMINATION, &body);

	struct bmp_msg m[2];
	struct bmp_stream s;
	assert_int_equal(decode_all(&b, m, 2, &s), 2);
	assert_int_equal(m[0].type, BMP_MSG_INITIATION);
	assert_int_equal(m[0].error, 0);
	assert_false(m[0].has_peer);
	assert_int_equal(m[0].offset, 0);
	assert_int_equal(m[0].u.init.tlvs.n, 3);
	const struct bmp_tlv *t = bmp_tlv_find(&m[0].u.init.tlvs, BMP_TLV_SYS_DESCR);
	assert_non_null(t);
	assert_int_equal(t->len, 15);
	assert_memory_equal(t->value, "FRRouting 8.4.4", 15);
	assert_null(bmp_tlv_find(&m[0].u.init.tlvs, 9));
	assert_int_equal(m[1].type, BMP_MSG_TERMINATION);
	assert_int_equal(m[1].offset, 6 + 4 + 5 + 4 + 15 + 4 + 7);
	assert_int_equal(m[1].u.term.reason, BMP_TERM_REDUNDANT);

	bmp_router_init(&r, 0);
	assert_int_equal(bmp_router_apply(&r, &m[0], NULL), 0);
	assert_int_equal(bmp_router_apply(&r, &m[1], NULL), 0);
	assert_true(r.initiated);
	assert_string_equal(r.sys_descr, "FRRouting 8.4.4");
	assert_string_equal(r.sys_name, "rtr?one"); /* control bytes masked */
	assert_true(r.terminated);
	assert_int_equal(r.term_reason, 3);
	assert_int_equal(s.stats.by_type[BMP_MSG_INITIATION], 1);
	assert_int_equal(s.stats.by_type[BMP_MSG_TERMINATION], 1);
	bmp_router_fini(&r);
	bb_free(&b);
	bb_free(&body);
}

static void termination_reason_of_wrong_length(void **state)
{
	struct bb b = {0}, body = {0};
	struct lo_err err;
	tlv(&body, 1, "\x00\x03\x00", 3);
	bmp_wrap(&b, BMP_MSG_TERMINATION, &body);
	struct bmp_stream s;
	struct bmp_msg m;
	size_t used;
	bmp_stream_init(&s, 0);
	assert_int_equal(bmp_next(&s, b.p, b.n, &used, &m, &err), 1);
	assert_int_equal(used, b.n);
	assert_int_equal(m.error, LO_ECORRUPT);
	assert_int_equal(err.offset, 10); /* the TLV's value */
	assert_non_null(strstr(err.msg, "reason"));
	assert_int_equal(s.stats.malformed, 1);
	bb_free(&b);
	bb_free(&body);
}

static void peer_up_ipv4(void **state)
{
	struct bb b = {0};
	uint8_t ap_recv[] = {1, 1, 2}; /* the peer sends path ids for IPv4 unicast */
	uint8_t ap_sent[] = {1, 1, 1};
	struct bmp_router r;

	msg_peer_up(&b, &PEER_A, "192.0.2.254", 65001, ap_sent, 1, ap_recv, 1, true);
	struct bmp_msg m = decode_one(&b);
	assert_int_equal(m.error, 0);
	assert_true(m.has_peer);
	assert_int_equal(m.peer.type, 0);
	assert_int_equal(m.peer.addr.family, 4);
	assert_string_equal(addr_text(&m.peer.addr), "192.0.2.1");
	assert_int_equal(m.peer.asn, 4837);
	assert_memory_equal(m.peer.bgp_id, "\xc0\x00\x02\x01", 4);
	assert_int_equal(m.peer.ts_sec, 1419265000);
	assert_int_equal(m.peer.ts_usec, 123456);
	assert_string_equal(addr_text(&m.u.up.local_addr), "192.0.2.254");
	assert_int_equal(m.u.up.local_port, 179);
	assert_int_equal(m.u.up.remote_port, 40000);
	assert_int_equal(m.u.up.sent.asn, 65001);
	assert_true(m.u.up.sent.as4);
	assert_int_equal(m.u.up.recv.asn, 4837);
	assert_int_equal(m.u.up.sent_pdu[18], 1);
	assert_int_equal(m.u.up.tlvs.n, 1);
	assert_int_equal(m.u.up.tlvs.v[0].len, 7);

	bmp_router_init(&r, 0);
	assert_int_equal(bmp_router_apply(&r, &m, NULL), 0);
	const struct bmp_peer *p = bmp_router_peer(&r, &m.peer);
	assert_non_null(p);
	assert_true(p->up);
	assert_true(p->as4);
	assert_int_equal(p->local_asn, 65001);
	assert_string_equal(addr_text(&p->local_addr), "192.0.2.254");
	assert_true(bmp_peer_addpath(p, BMP_VIEW_IN_PRE, 1, 1));
	assert_true(bmp_peer_addpath(p, BMP_VIEW_IN_POST, 1, 1));
	assert_false(bmp_peer_addpath(p, BMP_VIEW_OUT_PRE, 1, 1));
	assert_false(bmp_peer_addpath(p, BMP_VIEW_IN_PRE, 2, 1));
	assert_false(bmp_peer_addpath(p, BMP_VIEW_LOC_RIB, 1, 1));
	assert_int_equal(r.n_peers, 1);
	/* a second Peer Up of the same peer is counted, not a second peer */
	assert_int_equal(bmp_router_apply(&r, &m, NULL), 0);
	assert_int_equal(r.n_peers, 1);
	assert_int_equal(r.stats.peer_up_again, 1);
	bmp_router_fini(&r);
	bb_free(&b);
}

static void peer_up_ipv6_v_flag(void **state)
{
	struct bb b = {0};
	struct ph h = {.type = 0,
		       .flags = BMP_PF_V,
		       .addr = "2001:db8::1",
		       .asn = 4200000000u,
		       .bgp_id = 0x0a000001};
	msg_peer_up(&b, &h, "2001:db8::fe", 65001, NULL, 0, NULL, 0, false);
	struct bmp_msg m = decode_one(&b);
	assert_int_equal(m.error, 0);
	assert_int_equal(m.peer.addr.family, 6);
	assert_string_equal(addr_text(&m.peer.addr), "2001:db8::1");
	assert_int_equal(m.peer.asn, 4200000000u);
	assert_int_equal(m.u.up.local_addr.family, 6);
	assert_string_equal(addr_text(&m.u.up.local_addr), "2001:db8::fe");
	assert_false(m.u.up.sent.as4);
	assert_int_equal(m.u.up.recv.my_as, 23456);

	struct bmp_router r;
	bmp_router_init(&r, 0);
	assert_int_equal(bmp_router_apply(&r, &m, NULL), 0);
	const struct bmp_peer *p = bmp_router_peer(&r, &m.peer);
	assert_non_null(p);
	assert_false(p->as4);
	/* the same address as IPv4-mapped bytes without V is another peer */
	struct bmp_peer_hdr h4 = m.peer;
	h4.addr.family = 4;
	assert_null(bmp_router_peer(&r, &h4));
	bmp_router_fini(&r);
	bb_free(&b);
}

static void peer_down_reasons(void **state)
{
	struct bb b = {0};
	struct bmp_router r;
	struct bmp_msg *m = heap_msgs(8);
	struct bmp_stream s;

	msg_peer_up(&b, &PEER_A, "192.0.2.254", 65001, NULL, 0, NULL, 0, true);
	for (unsigned reason = 1; reason <= 6; reason++)
		msg_peer_down(&b, &PEER_A, reason);
	assert_int_equal(decode_all(&b, m, 8, &s), 7);
	for (int i = 0; i < 7; i++)
		assert_int_equal(m[i].error, 0);
	assert_int_equal(m[1].u.down.reason, BMP_DOWN_LOCAL_NOTIFY);
	assert_int_equal(m[1].u.down.notification.code, 6);
	assert_int_equal(m[1].u.down.notification.subcode, 2);
	assert_int_equal(m[1].u.down.pdu_len, 21);
	assert_int_equal(m[2].u.down.fsm_event, 18);
	assert_int_equal(m[3].u.down.reason, BMP_DOWN_REMOTE_NOTIFY);
	assert_int_equal(m[3].u.down.notification.code, 6);
	assert_int_equal(m[4].u.down.pdu_len, 0);
	assert_int_equal(m[5].u.down.reason, BMP_DOWN_DECONFIGURED);
	assert_int_equal(m[6].u.down.tlvs.n, 1);
	assert_int_equal(m[6].u.down.tlvs.v[0].type, BMP_TLV_VRF_NAME);

	bmp_router_init(&r, 0);
	assert_int_equal(bmp_router_apply(&r, &m[0], NULL), 0);
	assert_int_equal(bmp_router_apply(&r, &m[1], NULL), 0);
	const struct bmp_peer *p = bmp_router_peer(&r, &m[0].peer);
	assert_false(p->up);
	assert_int_equal(p->downs, 1);
	assert_int_equal(p->down_reason, 1);
	/* Route Monitoring for a peer that is down is counted */
	struct bb rm = {0};
	uint32_t path[] = {4837};
	msg_rm_v4(&rm, &PEER_A, "10.0.0.0", 8, false, 0, path, 1, 4);
	struct bmp_msg mr = decode_one(&rm);
	assert_int_equal(bmp_router_apply(&r, &mr, NULL), 0);
	assert_int_equal(r.stats.route_peer_down, 1);
	bb_free(&rm);
	/* a Peer Down for a peer never up is only counted */
	struct bmp_msg other = m[2];
	other.peer.asn = 1;
	other.peer.addr.b[3] = 9;
	assert_int_equal(bmp_router_apply(&r, &other, NULL), 0);
	assert_int_equal(r.stats.peer_down_unknown, 1);
	bmp_router_fini(&r);
	free(m);
	bb_free(&b);
}

static void peer_down_bad_notification(void **state)
{
	struct bb b = {0}, body = {0};
	peer_hdr(&body, &PEER_A);
	u8(&body, 1);
	bgp_hdr(&body, 2, 2); /* an UPDATE where a NOTIFICATION belongs */
	u16(&body, 0);
	bmp_wrap(&b, BMP_MSG_PEER_DOWN, &body);
	struct bmp_msg m = decode_one(&b);
	assert_int_equal(m.error, LO_ECORRUPT);
	assert_true(m.has_peer);
	bb_free(&b);
	bb_free(&body);
}

static void route_monitoring_decoded(void **state)
{
	struct bb b = {0}, body = {0};
	uint32_t path[] = {4837, 131279};

	msg_rm_v4(&b, &PEER_A, "175.45.176.0", 24, false, 0, path, 2, 4);
	struct bmp_msg m = decode_one(&b);
	assert_int_equal(m.error, 0);
	assert_int_equal(m.type, BMP_MSG_ROUTE_MONITORING);
	assert_int_equal(m.u.rm.pdu_len, b.n - 6 - 42);
	assert_ptr_equal(m.u.rm.pdu, b.p + 48);
	assert_int_equal(m.u.rm.withdrawn.len, 0);
	assert_int_equal(m.u.rm.nlri.len, 4);
	assert_int_equal(m.u.rm.nlri.p[0], 24);
	assert_int_equal(m.u.rm.reach_afi, 0);
	assert_false(m.u.rm.eor);
	assert_int_equal(m.u.rm.trailing, 0);

	/* IPv6 in MP_REACH_NLRI, and bytes after the UPDATE */
	bb_free(&b);
	peer_hdr(&body, &PEER_A);
	update_v6(&body, "2001:db8:1::", 48, false, 0, 131279, "2001:db8::1");
	u8(&body, 0xaa);
	bmp_wrap(&b, BMP_MSG_ROUTE_MONITORING, &body);
	m = decode_one(&b);
	assert_int_equal(m.error, 0);
	assert_int_equal(m.u.rm.reach_afi, 2);
	assert_int_equal(m.u.rm.reach_safi, 1);
	assert_int_equal(m.u.rm.reach.len, 7);
	assert_int_equal(m.u.rm.trailing, 1);

	/* End-of-RIB: an empty UPDATE, and an IPv6 one (empty MP_UNREACH) */
	bb_free(&b);
	bb_free(&body);
	peer_hdr(&body, &PEER_A);
	bgp_hdr(&body, 4, 2);
	u32(&body, 0);
	bmp_wrap(&b, BMP_MSG_ROUTE_MONITORING, &body);
	m = decode_one(&b);
	assert_int_equal(m.error, 0);
	assert_true(m.u.rm.eor);
	bb_free(&b);
	bb_free(&body);
	peer_hdr(&body, &PEER_A);
	bgp_hdr(&body, 10, 2);
	u16(&body, 0);
	u16(&body, 6);
	u8(&body, 0x80);
	u8(&body, 15);
	u8(&body, 3);
	u16(&body, 2);
	u8(&body, 1);
	bmp_wrap(&b, BMP_MSG_ROUTE_MONITORING, &body);
	m = decode_one(&b);
	assert_int_equal(m.error, 0);
	assert_true(m.u.rm.eor);
	assert_int_equal(m.u.rm.unreach_afi, 2);
	bb_free(&b);
	bb_free(&body);
}

/* Route Monitoring bodies that must be rejected, each with its reason. */
static void route_monitoring_malformed(void **state)
{
	static const struct {
		const char *what;
		int code;
	} cases[] = {
		{"marker", LO_ECORRUPT}, {"type", LO_ECORRUPT},	     {"short", LO_ECORRUPT},
		{"past", LO_ETRUNC},	 {"withdrawn", LO_ECORRUPT}, {"attrs", LO_ECORRUPT},
		{"attr", LO_ECORRUPT},	 {"mp", LO_ECORRUPT},	     {"peerhdr", LO_ETRUNC},
		{"peertype", LO_EUNSUP},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bb b = {0}, body = {0};
		const char *w = cases[i].what;
		struct ph h = PEER_A;
		if (!strcmp(w, "peertype"))
			h.type = 4;
		if (!strcmp(w, "peerhdr")) {
			bb_put(&body, "\0\0\0", 3);
		} else {
			peer_hdr(&body, &h);
			size_t at = body.n;
			if (!strcmp(w, "withdrawn")) {
				bgp_hdr(&body, 4, 2);
				u16(&body, 9); /* withdrawn length beyond the UPDATE */
				u16(&body, 0);
			} else if (!strcmp(w, "attrs")) {
				bgp_hdr(&body, 4, 2);
				u16(&body, 0);
				u16(&body, 1);
			} else if (!strcmp(w, "attr")) {
				bgp_hdr(&body, 7, 2);
				u16(&body, 0);
				u16(&body, 3);
				u8(&body, 0x40);
				u8(&body, 1);
				u8(&body, 5); /* value runs past the block */
			} else if (!strcmp(w, "mp")) {
				bgp_hdr(&body, 10, 2);
				u16(&body, 0);
				u16(&body, 6);
				u8(&body, 0x80);
				u8(&body, 14);
				u8(&body, 3);
				u16(&body, 1);
				u8(&body, 1); /* no next hop length */
			} else {
				uint32_t path[] = {1};
				update_v4(&body, "10.0.0.0", 8, false, 0, path, 1, 4, "10.0.0.1");
				if (!strcmp(w, "marker"))
					body.p[at + 3] = 0;
				if (!strcmp(w, "type"))
					body.p[at + 18] = 3;
				if (!strcmp(w, "short"))
					body.p[at + 17] = 20;
				if (!strcmp(w, "past"))
					body.p[at + 17] += 1;
			}
		}
		bmp_wrap(&b, BMP_MSG_ROUTE_MONITORING, &body);
		struct bmp_stream s;
		struct bmp_msg m;
		struct lo_err err;
		size_t used;
		bmp_stream_init(&s, 0);
		s.offset = 1000; /* offsets are stream offsets */
		assert_int_equal(bmp_next(&s, b.p, b.n, &used, &m, &err), 1);
		if (m.error != cases[i].code)
			fail_msg("%s: error %d, expected %d (%s)", w, m.error, cases[i].code,
				 err.msg);
		assert_true(err.offset >= 1006 && err.offset < 1000 + b.n);
		assert_int_equal(m.offset, 1000);
		assert_int_equal(used, b.n);
		assert_int_equal(s.offset, 1000 + b.n);
		if (cases[i].code == LO_EUNSUP)
			assert_int_equal(s.stats.unknown, 1);
		else
			assert_int_equal(s.stats.malformed, 1);
		bb_free(&b);
		bb_free(&body);
	}
}

/* Bodies of the other types that must be rejected; the stream goes on. */
static void other_bodies_malformed(void **state)
{
	struct bb b = {0}, body = {0}, open = {0};
	int expect[16], n = 0;

	open_msg(&open, 65001, 65001, 1, NULL, 0);
	/* Peer Up: cut in the local address */
	peer_hdr(&body, &PEER_A);
	bb_put(&body, "0123456789", 10);
	bmp_wrap(&b, BMP_MSG_PEER_UP, &body);
	expect[n++] = LO_ETRUNC;
	/* Peer Up: the sent OPEN has BGP version 3 */
	body.n = 0;
	peer_hdr(&body, &PEER_A);
	addr16(&body, "192.0.2.254");
	u32(&body, 0);
	size_t at = body.n;
	bb_put(&body, open.p, open.n);
	body.p[at + 19] = 3;
	bb_put(&body, open.p, open.n);
	bmp_wrap(&b, BMP_MSG_PEER_UP, &body);
	expect[n++] = LO_ECORRUPT;
	/* Peer Up: the received OPEN runs past the message */
	body.n = 0;
	peer_hdr(&body, &PEER_A);
	addr16(&body, "192.0.2.254");
	u32(&body, 0);
	bb_put(&body, open.p, open.n);
	bb_put(&body, open.p, open.n - 1);
	bmp_wrap(&b, BMP_MSG_PEER_UP, &body);
	expect[n++] = LO_ETRUNC;
	/* Peer Down: no reason; reason 2 without its event; NOTIFICATION code 0 */
	body.n = 0;
	peer_hdr(&body, &PEER_A);
	bmp_wrap(&b, BMP_MSG_PEER_DOWN, &body);
	expect[n++] = LO_ETRUNC;
	u8(&body, 2);
	u8(&body, 0);
	bmp_wrap(&b, BMP_MSG_PEER_DOWN, &body);
	expect[n++] = LO_ETRUNC;
	body.n = 0;
	peer_hdr(&body, &PEER_A);
	u8(&body, 3);
	bgp_hdr(&body, 2, 3);
	u16(&body, 0x0001);
	bmp_wrap(&b, BMP_MSG_PEER_DOWN, &body);
	expect[n++] = LO_ECORRUPT;
	/* Statistics: no count; a byte after the last statistic */
	body.n = 0;
	peer_hdr(&body, &PEER_A);
	u16(&body, 0);
	bmp_wrap(&b, BMP_MSG_STATS, &body);
	expect[n++] = LO_ETRUNC;
	body.n = 0;
	peer_hdr(&body, &PEER_A);
	u32(&body, 0);
	u8(&body, 0);
	bmp_wrap(&b, BMP_MSG_STATS, &body);
	expect[n++] = LO_ECORRUPT;
	/* Route Mirroring: a mirrored marker not all ones; information of 3 bytes */
	body.n = 0;
	peer_hdr(&body, &PEER_A);
	at = body.n + 4;
	tlv(&body, 0, open.p, open.n);
	body.p[at] = 0;
	bmp_wrap(&b, BMP_MSG_ROUTE_MIRRORING, &body);
	expect[n++] = LO_ECORRUPT;
	body.n = 0;
	peer_hdr(&body, &PEER_A);
	tlv(&body, 1, "abc", 3);
	bmp_wrap(&b, BMP_MSG_ROUTE_MIRRORING, &body);
	expect[n++] = LO_ECORRUPT;
	/* Route Monitoring: MP_UNREACH of 2 bytes; MP_REACH twice */
	body.n = 0;
	peer_hdr(&body, &PEER_A);
	bgp_hdr(&body, 9, 2);
	u16(&body, 0);
	u16(&body, 5);
	bb_put(&body, "\x80\x0f\x02\x00\x02", 5);
	bmp_wrap(&b, BMP_MSG_ROUTE_MONITORING, &body);
	expect[n++] = LO_ECORRUPT;
	body.n = 0;
	peer_hdr(&body, &PEER_A);
	bgp_hdr(&body, 4 + 18, 2);
	u16(&body, 0);
	u16(&body, 18);
	for (int i = 0; i < 2; i++)
		bb_put(&body, "\x80\x0e\x06\x00\x01\x01\x00\x00\x00", 9);
	bmp_wrap(&b, BMP_MSG_ROUTE_MONITORING, &body);
	expect[n++] = LO_ECORRUPT;
	msg_init(&b, "still", "going");
	expect[n++] = 0;

	struct bmp_msg *m = heap_msgs(16);
	struct bmp_stream s;
	assert_int_equal(decode_all(&b, m, 16, &s), n);
	for (int i = 0; i < n; i++)
		if (m[i].error != expect[i])
			fail_msg("message %d: error %d, expected %d", i, m[i].error, expect[i]);
	assert_int_equal(s.stats.malformed, n - 1);
	assert_int_equal(s.stats.by_type[BMP_MSG_INITIATION], 1);
	free(m);
	bb_free(&b);
	bb_free(&body);
	bb_free(&open);
}

static void statistics_report(void **state)
{
	struct bb b = {0}, body = {0};
	peer_hdr(&body, &PEER_A);
	u32(&body, 20);
	for (unsigned t = 0; t <= 17; t++) {
		u16(&body, t);
		if (t == 7 || t == 8 || t == 14 || t == 15) {
			u16(&body, 8);
			u64(&body, 0x100000000ull + t);
		} else if (t == 9 || t == 10 || t == 16 || t == 17) {
			u16(&body, 11);
			u16(&body, 2);
			u8(&body, 1);
			u64(&body, 1000 + t);
		} else {
			u16(&body, 4);
			u32(&body, 100 + t);
		}
	}
	u16(&body, 40); /* unknown type, decoded by its length */
	u16(&body, 8);
	u64(&body, 77);
	u16(&body, 41); /* unknown type of an odd length: raw */
	u16(&body, 3);
	bb_put(&body, "abc", 3);
	bmp_wrap(&b, BMP_MSG_STATS, &body);
	struct bmp_msg m = decode_one(&b);
	assert_int_equal(m.error, 0);
	const struct bmp_stats *s = &m.u.stats;
	assert_int_equal(s->count, 20);
	assert_int_equal(s->n, 20);
	assert_int_equal(s->v[0].kind, BMP_STAT_COUNTER);
	assert_int_equal(s->v[0].value, 100);
	assert_int_equal(s->v[7].kind, BMP_STAT_GAUGE);
	assert_int_equal(s->v[7].value, 0x100000007ull);
	assert_int_equal(s->v[9].kind, BMP_STAT_AFI_GAUGE);
	assert_int_equal(s->v[9].afi, 2);
	assert_int_equal(s->v[9].safi, 1);
	assert_int_equal(s->v[9].value, 1009);
	assert_int_equal(s->v[13].value, 113);
	assert_int_equal(s->v[17].value, 1017);
	assert_int_equal(s->v[18].kind, BMP_STAT_GAUGE);
	assert_int_equal(s->v[18].value, 77);
	assert_int_equal(s->v[19].kind, BMP_STAT_RAW);
	assert_memory_equal(s->v[19].raw, "abc", 3);

	/* the router keeps the peer's last gauges */
	struct bb up = {0};
	struct bmp_router r;
	msg_peer_up(&up, &PEER_A, "192.0.2.254", 65001, NULL, 0, NULL, 0, true);
	struct bmp_msg mu = decode_one(&up);
	bmp_router_init(&r, 0);
	assert_int_equal(bmp_router_apply(&r, &mu, NULL), 0);
	assert_int_equal(bmp_router_apply(&r, &m, NULL), 0);
	assert_int_equal(bmp_router_peer(&r, &m.peer)->stat_adj_rib_in, 0x100000007ull);
	assert_int_equal(bmp_router_peer(&r, &m.peer)->stat_loc_rib, 0x100000008ull);
	bmp_router_fini(&r);
	bb_free(&up);

	/* a known type of the wrong length; a count beyond the message */
	static const unsigned bad[][3] = {{7, 4, 1}, {0, 8, 1}, {9, 8, 1}, {0, 4, 2}};
	for (unsigned i = 0; i < 4; i++) {
		bb_free(&b);
		bb_free(&body);
		peer_hdr(&body, &PEER_A);
		u32(&body, bad[i][2]);
		u16(&body, bad[i][0]);
		u16(&body, bad[i][1]);
		for (unsigned k = 0; k < bad[i][1]; k++)
			u8(&body, 0);
		bmp_wrap(&b, BMP_MSG_STATS, &body);
		m = decode_one(&b);
		assert_int_not_equal(m.error, 0);
	}
	bb_free(&b);
	bb_free(&body);
}

static void statistics_over_the_cap_are_counted(void **state)
{
	struct bb b = {0}, body = {0};
	peer_hdr(&body, &PEER_A);
	u32(&body, BMP_MAX_STATS + 5);
	for (unsigned i = 0; i < BMP_MAX_STATS + 5; i++) {
		u16(&body, 0);
		u16(&body, 4);
		u32(&body, i);
	}
	bmp_wrap(&b, BMP_MSG_STATS, &body);
	struct bmp_msg m = decode_one(&b);
	assert_int_equal(m.error, 0);
	assert_int_equal(m.u.stats.count, BMP_MAX_STATS + 5);
	assert_int_equal(m.u.stats.n, BMP_MAX_STATS);
	assert_int_equal(m.u.stats.dropped, 5);
	bb_free(&b);
	bb_free(&body);
}

static void route_mirroring(void **state)
{
	struct bb b = {0}, body = {0}, pdu = {0};
	uint32_t path[] = {64500};
	update_v4(&pdu, "198.51.100.0", 24, false, 0, path, 1, 4, "198.18.0.1");
	peer_hdr(&body, &PEER_A);
	tlv(&body, 0, pdu.p, pdu.n);
	tlv(&body, 1, "\x00\x01", 2);
	bgp_hdr(&pdu, 0, 4); /* a KEEPALIVE after the UPDATE */
	tlv(&body, 0, pdu.p + pdu.n - 19, 19);
	bmp_wrap(&b, BMP_MSG_ROUTE_MIRRORING, &body);
	struct bmp_msg m = decode_one(&b);
	assert_int_equal(m.error, 0);
	assert_int_equal(m.u.mirror.n_pdus, 2);
	assert_int_equal(m.u.mirror.info, 1);
	assert_int_equal(m.u.mirror.pdu_len, pdu.n - 19);
	assert_int_equal(m.u.mirror.tlvs.n, 3);

	/* a mirrored PDU whose BGP length disagrees with its TLV */
	bb_free(&b);
	bb_free(&body);
	peer_hdr(&body, &PEER_A);
	tlv(&body, 0, pdu.p, pdu.n - 19 - 1);
	bmp_wrap(&b, BMP_MSG_ROUTE_MIRRORING, &body);
	m = decode_one(&b);
	assert_int_equal(m.error, LO_ECORRUPT);

	/* a TLV running past the message */
	bb_free(&b);
	bb_free(&body);
	peer_hdr(&body, &PEER_A);
	u16(&body, 1);
	u16(&body, 3);
	u16(&body, 0);
	bmp_wrap(&b, BMP_MSG_ROUTE_MIRRORING, &body);
	m = decode_one(&b);
	assert_int_equal(m.error, LO_ECORRUPT);
	bb_free(&b);
	bb_free(&body);
	bb_free(&pdu);
}

static void tlvs_over_the_cap_are_counted(void **state)
{
	struct bb b = {0}, body = {0};
	for (int i = 0; i < BMP_MAX_TLVS + 3; i++)
		tlv_str(&body, 0, "x");
	bmp_wrap(&b, BMP_MSG_INITIATION, &body);
	struct bmp_msg m = decode_one(&b);
	assert_int_equal(m.error, 0);
	assert_int_equal(m.u.init.tlvs.n, BMP_MAX_TLVS);
	assert_int_equal(m.u.init.tlvs.dropped, 3);
	/* a TLV header cut in half */
	bb_free(&b);
	u8(&body, 0);
	bmp_wrap(&b, BMP_MSG_INITIATION, &body);
	m = decode_one(&b);
	assert_int_equal(m.error, LO_ETRUNC);
	bb_free(&b);
	bb_free(&body);
}

/* ---------------------------------------------------------------- framing */

static void bytes_arrive_one_at_a_time(void **state)
{
	struct bb b = {0};
	uint32_t path[] = {4837, 131279};
	msg_init(&b, "d", "n");
	msg_peer_up(&b, &PEER_A, "192.0.2.254", 65001, NULL, 0, NULL, 0, true);
	msg_rm_v4(&b, &PEER_A, "175.45.177.0", 24, false, 0, path, 2, 4);

	struct bmp_stream s;
	struct bmp_msg m;
	size_t have = 0, start = 0, used;
	int got = 0, again = 0;
	uint64_t offsets[3];
	bmp_stream_init(&s, 0);
	while (have < b.n) {
		have++;
		for (;;) {
			int rc = bmp_next(&s, b.p + start, have - start, &used, &m, NULL);
			if (rc == LO_EAGAIN) {
				assert_int_equal(used, 0);
				assert_true(s.need > have - start);
				again++;
				break;
			}
			assert_int_equal(rc, 1);
			assert_int_equal(m.error, 0);
			offsets[got++] = m.offset;
			start += used;
		}
	}
	assert_int_equal(got, 3);
	assert_int_equal(start, b.n);
	/* each message starts where the one before ends (lengths < 64 KiB here) */
	assert_int_equal(offsets[0], 0);
	for (int i = 1; i < 3; i++)
		assert_int_equal(offsets[i],
				 offsets[i - 1] + be16_at((const char *)b.p + offsets[i - 1] + 3));
	assert_int_equal(offsets[2] + be16_at((const char *)b.p + offsets[2] + 3), b.n);
	/* one "need more" per byte: after each message the rest is empty */
	assert_int_equal(again, b.n);
	assert_int_equal(s.stats.messages, 3);
	assert_int_equal(s.stats.bytes, b.n);
	assert_int_equal(bmp_stream_end(&s, 0, NULL), 0);
	bb_free(&b);
}

static void framing_errors_are_fatal(void **state)
{
	struct bb good = {0};
	msg_init(&good, "d", "n");
	struct bmp_stream s;
	struct bmp_msg m;
	struct lo_err err;
	size_t used;

	/* version 1 (the old draft's header): seen from the first byte */
	uint8_t v1[] = {1};
	bmp_stream_init(&s, 0);
	assert_int_equal(bmp_next(&s, good.p, good.n, &used, &m, NULL), 1);
	assert_int_equal(bmp_next(&s, v1, 1, &used, &m, &err), LO_ECORRUPT);
	assert_int_equal(err.offset, good.n);
	assert_non_null(strstr(err.msg, "version 1"));
	assert_int_equal(s.dead, LO_ECORRUPT);
	/* sticky: even good bytes are refused now */
	assert_int_equal(bmp_next(&s, good.p, good.n, &used, &m, &err), LO_ECORRUPT);
	assert_int_equal(used, 0);
	assert_int_equal(bmp_stream_end(&s, 0, NULL), LO_ECORRUPT);

	/* length below the common header */
	uint8_t short_len[] = {3, 0, 0, 0, 5, 4};
	bmp_stream_init(&s, 0);
	assert_int_equal(bmp_next(&s, short_len, 4, &used, &m, &err), LO_EAGAIN);
	assert_int_equal(bmp_next(&s, short_len, 5, &used, &m, &err), LO_ECORRUPT);
	assert_int_equal(err.offset, 0);

	/* over the cap: reported as soon as the length is there */
	uint8_t big[] = {3, 0, 0x10, 0, 1};
	bmp_stream_init(&s, 0);
	assert_int_equal(bmp_next(&s, big, 5, &used, &m, &err), LO_ETOOBIG);
	bmp_stream_init(&s, 4096);
	uint8_t over[] = {3, 0, 0, 0x10, 1, 0};
	assert_int_equal(bmp_next(&s, over, 6, &used, &m, &err), LO_ETOOBIG);
	assert_int_equal(s.max_msg, 4096);
	bmp_stream_init(&s, UINT32_MAX);
	assert_int_equal(s.max_msg, BMP_MAX_MSG_LIMIT);

	/* the connection closes inside a message */
	bmp_stream_init(&s, 0);
	assert_int_equal(bmp_next(&s, good.p, good.n - 1, &used, &m, &err), LO_EAGAIN);
	assert_int_equal(s.need, good.n);
	assert_int_equal(bmp_stream_end(&s, good.n - 1, &err), LO_ETRUNC);
	assert_int_equal(err.offset, 0);

	/* an unknown message type is skipped and the stream goes on */
	struct bb b = {0}, body = {0};
	bb_put(&body, "xyz", 3);
	bmp_wrap(&b, 42, &body);
	bb_put(&b, good.p, good.n);
	struct bmp_msg ms[2];
	assert_int_equal(decode_all(&b, ms, 2, &s), 2);
	assert_int_equal(ms[0].error, LO_EUNSUP);
	assert_string_equal(bmp_msg_type_name(ms[0].type), "unknown");
	assert_int_equal(ms[1].error, 0);
	assert_int_equal(s.stats.unknown, 1);
	bb_free(&b);
	bb_free(&body);
	bb_free(&good);

	/* bmp_decode() checks the length against its buffer */
	uint8_t lie[] = {3, 0, 0, 0, 7, 4, 0};
	memset(&m, 0, sizeof(m));
	assert_int_equal(bmp_decode(lie, 6, &m, NULL), LO_ECORRUPT);
	assert_int_equal(bmp_decode(lie, 3, &m, NULL), LO_ETRUNC);
}

/* ---------------------------------------------------------------- ADD-PATH */

/*
 * RFC 7911 §4, both ways: the router's OPEN offers @s (0 none, 1 receive,
 * 2 send, 3 both) and the peer's @v.  Adj-RIB-In carries path ids when the
 * peer may send and the router receive; Adj-RIB-Out the reverse.
 */
static void addpath_negotiation_matrix(void **state)
{
	for (unsigned s = 0; s <= 3; s++) {
		for (unsigned v = 0; v <= 3; v++) {
			struct bb b = {0};
			uint8_t sa[] = {2, 1, (uint8_t)s}, va[] = {2, 1, (uint8_t)v};
			struct ph h = PEER_A;
			msg_peer_up(&b, &h, "192.0.2.254", 65001, sa, s ? 1 : 0, va, v ? 1 : 0,
				    true);
			struct bmp_msg m = decode_one(&b);
			struct bmp_router r;
			bmp_router_init(&r, 0);
			assert_int_equal(bmp_router_apply(&r, &m, NULL), 0);
			const struct bmp_peer *p = bmp_router_peer(&r, &m.peer);
			bool in = (v & 2) && (s & 1), out = (s & 2) && (v & 1);
			assert_int_equal(bmp_peer_addpath(p, BMP_VIEW_IN_PRE, 2, 1), in);
			assert_int_equal(bmp_peer_addpath(p, BMP_VIEW_IN_POST, 2, 1), in);
			assert_int_equal(bmp_peer_addpath(p, BMP_VIEW_OUT_PRE, 2, 1), out);
			assert_int_equal(bmp_peer_addpath(p, BMP_VIEW_OUT_POST, 2, 1), out);
			assert_false(bmp_peer_addpath(p, BMP_VIEW_IN_PRE, 1, 1));
			assert_false(bmp_peer_addpath(p, BMP_VIEW_LOC_RIB, 2, 1));
			bmp_router_fini(&r);
			bb_free(&b);
		}
	}
	assert_false(bmp_peer_addpath(NULL, BMP_VIEW_IN_PRE, 1, 1));
}

/* RFC 9069: the F flag is not V; Loc-RIB peers by distinguisher and BGP ID;
 * two emulated peers (one per family) add up their ADD-PATH. */
static void loc_rib_peer(void **state)
{
	struct bb b = {0};
	struct ph h = {.type = 3, .flags = BMP_PF_F, .asn = 65001, .bgp_id = 0x7f000001};
	uint8_t ap4[] = {1, 1, 0}, ap6[] = {2, 1, 3};
	msg_peer_up(&b, &h, "0.0.0.0", 65001, ap4, 1, ap4, 1, true);
	msg_peer_up(&b, &h, "0.0.0.0", 65001, ap6, 1, ap6, 1, true);
	struct bmp_msg m[2];
	struct bmp_stream s;
	assert_int_equal(decode_all(&b, m, 2, &s), 2);
	assert_int_equal(m[0].error, 0);
	assert_int_equal(m[0].peer.addr.family, 4);
	assert_true(bmp_ph_filtered(&m[0].peer));
	assert_false(bmp_ph_post_policy(&m[0].peer));
	assert_int_equal(bmp_view_of(&m[0].peer), BMP_VIEW_LOC_RIB);

	struct bmp_router r;
	bmp_router_init(&r, 0);
	assert_int_equal(bmp_router_apply(&r, &m[0], NULL), 0);
	assert_int_equal(bmp_router_apply(&r, &m[1], NULL), 0);
	assert_int_equal(r.n_peers, 1);
	assert_int_equal(r.stats.peer_up_again, 0);
	const struct bmp_peer *p = bmp_router_peer(&r, &m[0].peer);
	assert_true(bmp_peer_addpath(p, BMP_VIEW_LOC_RIB, 1, 1));
	assert_true(bmp_peer_addpath(p, BMP_VIEW_LOC_RIB, 2, 1));
	assert_false(bmp_peer_addpath(p, BMP_VIEW_IN_PRE, 1, 1));
	/* another instance (BGP ID) of the Loc-RIB is another peer */
	struct bmp_peer_hdr other = m[0].peer;
	other.bgp_id[3] = 2;
	assert_null(bmp_router_peer(&r, &other));
	bmp_router_fini(&r);
	bb_free(&b);
}

static void views_select_messages(void **state)
{
	struct bmp_peer_hdr h = {.type = 0};
	assert_int_equal(bmp_view_of(&h), BMP_VIEW_IN_PRE);
	assert_true(bmp_view_selected(BMP_VIEWS_DEFAULT, &h));
	h.flags = BMP_PF_L;
	assert_int_equal(bmp_view_of(&h), BMP_VIEW_IN_POST);
	assert_false(bmp_view_selected(BMP_VIEWS_DEFAULT, &h));
	h.flags = BMP_PF_O;
	assert_int_equal(bmp_view_of(&h), BMP_VIEW_OUT_PRE);
	h.flags = BMP_PF_O | BMP_PF_L | BMP_PF_V | BMP_PF_A;
	assert_int_equal(bmp_view_of(&h), BMP_VIEW_OUT_POST);
	assert_true(bmp_ph_as2(&h));
	assert_true(bmp_ph_adj_out(&h));
	h.flags = 0;
	h.type = 1;
	assert_false(bmp_view_selected(BMP_VIEWS_DEFAULT, &h));
	assert_true(bmp_view_selected(BMP_VIEWS_DEFAULT | BMP_VIEW_INSTANCES, &h));
	h.type = 3;
	assert_true(bmp_view_selected(BMP_VIEWS_DEFAULT, &h));
	h.rd[7] = 1;
	assert_false(bmp_view_selected(BMP_VIEWS_DEFAULT, &h));
	assert_true(bmp_view_selected(BMP_VIEW_LOC_RIB | BMP_VIEW_INSTANCES, &h));
	assert_false(bmp_view_selected(BMP_VIEW_IN_PRE | BMP_VIEW_INSTANCES, &h));
}

static void peer_table_is_capped(void **state)
{
	struct bmp_router r;
	struct lo_err err;
	bmp_router_init(&r, 3);
	for (int i = 0; i < 5; i++) {
		struct bb b = {0};
		char a[32];
		struct ph h = PEER_A;
		snprintf(a, sizeof(a), "192.0.2.%d", 10 + i);
		h.addr = a;
		msg_peer_up(&b, &h, "192.0.2.254", 65001, NULL, 0, NULL, 0, true);
		struct bmp_msg m = decode_one(&b);
		int rc = bmp_router_apply(&r, &m, &err);
		assert_int_equal(rc, i < 3 ? 0 : LO_ETOOBIG);
		bb_free(&b);
	}
	assert_int_equal(r.n_peers, 3);
	assert_int_equal(r.stats.peers_over_cap, 2);
	assert_non_null(strstr(err.msg, "more than 3 peers"));
	bmp_router_fini(&r);

	/* many peers: the index grows and finds every one */
	bmp_router_init(&r, 0);
	assert_int_equal(r.max_peers, BMP_MAX_PEERS);
	struct bmp_msg m;
	struct bb b = {0};
	msg_peer_up(&b, &PEER_A, "192.0.2.254", 65001, NULL, 0, NULL, 0, true);
	m = decode_one(&b);
	for (unsigned i = 0; i < 1000; i++) {
		m.peer.addr.b[2] = (uint8_t)(i >> 8);
		m.peer.addr.b[3] = (uint8_t)i;
		assert_int_equal(bmp_router_apply(&r, &m, NULL), 0);
	}
	assert_int_equal(r.n_peers, 1000);
	for (unsigned i = 0; i < 1000; i++) {
		m.peer.addr.b[2] = (uint8_t)(i >> 8);
		m.peer.addr.b[3] = (uint8_t)i;
		const struct bmp_peer *p = bmp_router_peer(&r, &m.peer);
		assert_non_null(p);
		assert_memory_equal(p->addr.b, m.peer.addr.b, 4);
	}
	bmp_router_fini(&r);
	bmp_router_init(&r, 1u << 30);
	assert_int_equal(r.max_peers, BMP_MAX_PEERS_LIMIT);
	bmp_router_fini(&r);
	bb_free(&b);
}

/* ---------------------------------------------------------------- MRT */

struct mrt_out {
	int records, errors;
	char *text;		  /* lightsout -m */
	struct mrt_record rec[8]; /* the first records */
	struct mrt_elem elem[8];  /* the first elem of each */
	struct bgp_prefix prefix[8];
	char path[8][64];
};

static char *write_temp(const struct lo_buf *b)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/lo_test_bmp_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->p, b->len), (ssize_t)b->len);
	close(fd);
	return path;
}

/*
 * Decode MRT records in @b with src/mrt: the first ones field by field, then
 * (a second reader, as the formatter consumes the elems) all as -m text.
 */
static struct mrt_out read_mrt(const struct lo_buf *b)
{
	struct mrt_out o;
	struct io_reader *io;
	struct lo_buf text;
	char *path = write_temp(b);

	memset(&o, 0, sizeof(o));
	lo_buf_init(&text, 1u << 26);
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(io_open(&io, path, NULL, NULL), 0);
		struct mrt_reader *r = mrt_reader_new(io);
		assert_non_null(r);
		for (;;) {
			const struct mrt_record *rec;
			const struct mrt_elem *e;
			int rc = mrt_reader_next(r, &rec, NULL);
			if (rc == 0)
				break;
			if (rc < 0) {
				o.errors++;
				if (rc != LO_ECORRUPT)
					break;
				continue;
			}
			if (rec->damaged)
				o.errors++;
			if (pass == 1) {
				if (mrt_fmt_record(r, rec, MRT_FMT_M, &text) < 0)
					o.errors++;
				continue;
			}
			if (o.records < 8) {
				int k = o.records;
				o.rec[k] = *rec;
				if (mrt_record_next_elem(r, &e) == 1) {
					o.elem[k] = *e;
					o.prefix[k] = e->prefix;
					if (e->attrs && e->attrs->as_path) {
						static char t[8192]; /* the formatter's minimum */
						size_t n = bgp_aspath_fmt(e->attrs->as_path,
									  e->attrs->as_path_len,
									  e->attrs->asn_size, t,
									  sizeof(t));
						snprintf(o.path[k], sizeof(o.path[k]), "%.*s",
							 (int)n, t);
					}
				}
			}
			o.records++;
		}
		o.errors += (int)mrt_reader_stats(r)->errors;
		mrt_reader_free(r);
		io_free(io);
	}
	o.text = strdup(text.p ? text.p : "");
	lo_buf_fini(&text);
	unlink(path);
	return o;
}

/* What the real bgpdump prints for the records in @b (stderr dropped). */
static char *bgpdump_m(const struct lo_buf *b)
{
	char cmd[256];
	char *path = write_temp(b);
	struct lo_buf out;
	char chunk[4096];
	size_t n;

	if (access("/usr/bin/bgpdump", X_OK))
		return NULL;
	snprintf(cmd, sizeof(cmd), "/usr/bin/bgpdump -m '%s' 2>/dev/null", path);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	lo_buf_init(&out, 1u << 26);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(lo_buf_add(&out, chunk, n), 0);
	assert_int_equal(pclose(f), 0);
	unlink(path);
	char *s = strdup(out.p ? out.p : "");
	lo_buf_fini(&out);
	return s;
}

/* Feed @b through stream, router and bridge; MRT records into @out. */
static int convert(const struct bb *b, struct bmp_router *r, unsigned views, int64_t now_us,
		   struct lo_buf *out)
{
	struct bmp_stream s;
	size_t off = 0;
	int n = 0;
	bmp_stream_init(&s, 0);
	for (;;) {
		size_t used;
		struct bmp_msg m;
		struct lo_err err;
		int rc = bmp_next(&s, b->p + off, b->n - off, &used, &m, &err);
		if (rc == LO_EAGAIN)
			break;
		assert_int_equal(rc, 1);
		off += used;
		assert_int_equal(m.error, 0);
		bmp_router_apply(r, &m, NULL);
		rc = bmp_route_mrt(r, &m, views, now_us, out, &err);
		assert_true(rc >= 0);
		n += rc;
	}
	return n;
}

static void route_monitoring_to_mrt(void **state)
{
	struct bb b = {0};
	struct bmp_router r;
	struct lo_buf out;
	uint32_t path[] = {4837, 131279};

	msg_peer_up(&b, &PEER_A, "192.0.2.254", 65001, NULL, 0, NULL, 0, true);
	msg_rm_v4(&b, &PEER_A, "175.45.176.0", 24, false, 0, path, 2, 4);
	bmp_router_init(&r, 0);
	lo_buf_init(&out, 1u << 20);
	assert_int_equal(convert(&b, &r, BMP_VIEWS_DEFAULT, 0, &out), 1);

	/* the record byte by byte: RFC 6396 §2, §3, §4.4.3 */
	size_t upd = 19 + 2 + 2 + 4 + 13 + 7 + 4; /* the UPDATE built above */
	assert_int_equal(out.len, 12 + 4 + 8 + 4 + 8 + upd);
	assert_int_equal(be32_at(out.p), 1419265000);
	assert_int_equal(be16_at(out.p + 4), MRT_T_BGP4MP_ET);
	assert_int_equal(be16_at(out.p + 6), MRT_BGP4MP_MESSAGE_AS4);
	assert_int_equal(be32_at(out.p + 8), out.len - 12);
	assert_int_equal(be32_at(out.p + 12), 123456);
	assert_int_equal(be32_at(out.p + 16), 4837);
	assert_int_equal(be32_at(out.p + 20), 65001);
	assert_int_equal(be16_at(out.p + 24), 0);
	assert_int_equal(be16_at(out.p + 26), 1);
	assert_memory_equal(out.p + 28, "\xc0\x00\x02\x01\xc0\x00\x02\xfe", 8);
	assert_memory_equal(out.p + 36, b.p + b.n - upd, upd);

	/* and back through src/mrt */
	struct mrt_out o = read_mrt(&out);
	assert_int_equal(o.errors, 0);
	assert_int_equal(o.records, 1);
	assert_int_equal(o.rec[0].type, MRT_T_BGP4MP_ET);
	assert_int_equal(o.rec[0].subtype, MRT_BGP4MP_MESSAGE_AS4);
	assert_int_equal(o.rec[0].time, 1419265000);
	assert_int_equal(o.rec[0].usec, 123456);
	assert_int_equal(o.rec[0].peer_asn, 4837);
	assert_int_equal(o.rec[0].local_asn, 65001);
	assert_string_equal(addr_text(&o.rec[0].peer_addr), "192.0.2.1");
	assert_string_equal(addr_text(&o.rec[0].local_addr), "192.0.2.254");
	assert_false(o.rec[0].addpath);
	assert_int_equal(o.elem[0].type, MRT_ELEM_ANNOUNCE);
	assert_string_equal(addr_text(&o.prefix[0].addr), "175.45.176.0");
	assert_int_equal(o.prefix[0].len, 24);
	assert_string_equal(o.path[0], "4837 131279");
	assert_string_equal(o.text, "BGP4MP_ET|1419265000.123456|A|192.0.2.1|4837|175.45.176.0/24|"
				    "4837 131279|IGP|198.18.0.1|0|0||NAG||\n");
	char *bd = bgpdump_m(&out);
	if (bd)
		assert_string_equal(bd, o.text);
	free(bd);
	free(o.text);
	lo_buf_fini(&out);
	bmp_router_fini(&r);
	bb_free(&b);
}

/* The A flag: 2-byte AS_PATH, MESSAGE subtype, AS_TRANS for a 4-byte peer. */
static void legacy_as_path_to_mrt(void **state)
{
	struct bb b = {0};
	struct bmp_router r;
	struct lo_buf out;
	struct ph h = PEER_A;
	h.flags = BMP_PF_A;
	h.asn = 4200000000u;
	uint32_t path[] = {23456, 3356};

	msg_rm_v4(&b, &h, "198.51.100.0", 24, false, 0, path, 2, 2);
	msg_rm_v4(&b, &h, "198.51.101.0", 24, false, 0, path, 2, 2);
	bmp_router_init(&r, 0);
	lo_buf_init(&out, 1u << 20);
	assert_int_equal(convert(&b, &r, BMP_VIEWS_DEFAULT, 0, &out), 2);
	/* no Peer Up: counted, and the peer is known (up) from then on */
	assert_int_equal(r.stats.route_unknown, 2);
	assert_int_equal(r.n_peers, 1);
	assert_true(r.peers[0].up && r.peers[0].no_peer_up);
	assert_int_equal(be16_at(out.p + 6), MRT_BGP4MP_MESSAGE);
	assert_int_equal(be16_at(out.p + 16), 23456); /* peer AS */
	assert_int_equal(be16_at(out.p + 18), 0);     /* local AS unknown */
	struct mrt_out o = read_mrt(&out);
	assert_int_equal(o.errors, 0);
	assert_int_equal(o.rec[0].subtype, MRT_BGP4MP_MESSAGE);
	assert_int_equal(o.rec[0].peer_asn, 23456);
	assert_string_equal(addr_text(&o.rec[0].local_addr), "0.0.0.0");
	assert_string_equal(o.path[0], "23456 3356");
	assert_int_equal(o.records, 2);
	free(o.text);

	/* its Peer Down still withdraws its routes */
	struct bb down = {0};
	lo_buf_reset(&out);
	msg_peer_down(&down, &h, 5);
	assert_int_equal(convert(&down, &r, BMP_VIEWS_DEFAULT, 0, &out), 1);
	o = read_mrt(&out);
	assert_int_equal(o.elem[0].type, MRT_ELEM_STATE);
	assert_int_equal(o.rec[0].peer_asn, 4200000000u);
	bb_free(&down);
	char *bd = bgpdump_m(&out);
	if (bd)
		assert_string_equal(bd, o.text);
	free(bd);
	free(o.text);
	lo_buf_fini(&out);
	bmp_router_fini(&r);
	bb_free(&b);
}

/* ADD-PATH negotiated: path ids in IPv4 and IPv6 UPDATEs, _ADDPATH subtype. */
static void addpath_to_mrt(void **state)
{
	struct bb b = {0}, body = {0};
	struct bmp_router r;
	struct lo_buf out;
	struct ph h = {.type = 0,
		       .flags = BMP_PF_V,
		       .addr = "2001:db8::1",
		       .asn = 4837,
		       .bgp_id = 1,
		       .sec = 1700000000};
	uint8_t rx[] = {1, 1, 1, 2, 1, 1}, tx[] = {1, 1, 2, 2, 1, 2};
	uint32_t path[] = {4837, 131279};

	msg_peer_up(&b, &h, "2001:db8::fe", 65001, rx, 2, tx, 2, true);
	msg_rm_v4(&b, &h, "175.45.178.0", 24, true, 7, path, 2, 4);
	peer_hdr(&body, &h);
	update_v6(&body, "2001:db8:5::", 48, true, 9, 131279, "2001:db8::1");
	bmp_wrap(&b, BMP_MSG_ROUTE_MONITORING, &body);
	bmp_router_init(&r, 0);
	lo_buf_init(&out, 1u << 20);
	assert_int_equal(convert(&b, &r, BMP_VIEWS_DEFAULT, 0, &out), 2);
	assert_int_equal(r.stats.addpath_mismatch, 0);
	struct mrt_out o = read_mrt(&out);
	assert_int_equal(o.errors, 0);
	assert_int_equal(o.records, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(o.rec[i].subtype, MRT_BGP4MP_MESSAGE_AS4_ADDPATH);
		assert_true(o.rec[i].addpath);
		assert_int_equal(o.rec[i].session_afi, 2);
		assert_string_equal(addr_text(&o.rec[i].peer_addr), "2001:db8::1");
		assert_string_equal(addr_text(&o.rec[i].local_addr), "2001:db8::fe");
		assert_true(o.prefix[i].has_path_id);
	}
	assert_int_equal(o.prefix[0].path_id, 7);
	assert_string_equal(addr_text(&o.prefix[0].addr), "175.45.178.0");
	assert_int_equal(o.prefix[1].path_id, 9);
	assert_string_equal(addr_text(&o.prefix[1].addr), "2001:db8:5::");
	assert_int_equal(o.prefix[1].len, 48);
	char *bd = bgpdump_m(&out);
	if (bd)
		assert_string_equal(bd, o.text);
	free(bd);
	free(o.text);

	/* negotiated, but the router sent no path ids (FRR 8.4 does that) */
	bb_free(&b);
	lo_buf_reset(&out);
	msg_rm_v4(&b, &h, "175.45.179.0", 24, false, 0, path, 2, 4);
	assert_int_equal(convert(&b, &r, BMP_VIEWS_DEFAULT, 0, &out), 1);
	assert_int_equal(r.stats.addpath_mismatch, 1);
	o = read_mrt(&out);
	assert_int_equal(o.errors, 0);
	assert_int_equal(o.rec[0].subtype, MRT_BGP4MP_MESSAGE_AS4);
	assert_string_equal(addr_text(&o.prefix[0].addr), "175.45.179.0");
	free(o.text);
	lo_buf_fini(&out);
	bmp_router_fini(&r);
	bb_free(&b);
	bb_free(&body);
}

/* An UPDATE with IPv4 NLRI (ADD-PATH) and IPv6 MP_UNREACH (none) cannot be one record. */
static void addpath_mixed_families_refused(void **state)
{
	struct bb b = {0}, body = {0};
	struct bmp_router r;
	struct lo_buf out;
	struct lo_err err;
	uint8_t rx[] = {1, 1, 1}, tx[] = {1, 1, 2};

	msg_peer_up(&b, &PEER_A, "192.0.2.254", 65001, rx, 1, tx, 1, true);
	peer_hdr(&body, &PEER_A);
	bgp_hdr(&body, 2 + 2 + 6 + 8, 2);
	u16(&body, 0);
	u16(&body, 6);
	u8(&body, 0x80);
	u8(&body, 15);
	u8(&body, 3);
	u16(&body, 2);
	u8(&body, 1);
	u32(&body, 1); /* path id 1 */
	u8(&body, 24);
	bb_put(&body, "\xaf\x2d\xb0", 3);
	bmp_wrap(&b, BMP_MSG_ROUTE_MONITORING, &body);
	struct bmp_msg m[2];
	struct bmp_stream s;
	assert_int_equal(decode_all(&b, m, 2, &s), 2);
	assert_int_equal(m[1].error, 0);
	bmp_router_init(&r, 0);
	lo_buf_init(&out, 1u << 20);
	bmp_router_apply(&r, &m[0], NULL);
	bmp_router_apply(&r, &m[1], NULL);
	assert_int_equal(bmp_route_mrt(&r, &m[1], BMP_VIEWS_DEFAULT, 0, &out, &err), LO_EUNSUP);
	assert_int_equal(out.len, 0);
	lo_buf_fini(&out);
	bmp_router_fini(&r);
	bb_free(&b);
	bb_free(&body);
}

/* Views, Adj-RIB-Out as *_LOCAL, the station clock, Peer Down as STATE. */
static void views_clock_and_peer_down_to_mrt(void **state)
{
	struct bb b = {0};
	struct bmp_router r;
	struct lo_buf out;
	struct ph h = PEER_A;
	uint32_t path[] = {65001};

	msg_peer_up(&b, &PEER_A, "192.0.2.254", 65001, NULL, 0, NULL, 0, true);
	h.sec = h.usec = 0;
	h.flags = BMP_PF_L;
	msg_rm_v4(&b, &h, "192.0.2.0", 24, false, 0, path, 1, 4); /* post-policy */
	h.flags = BMP_PF_O;
	msg_rm_v4(&b, &h, "198.18.0.0", 15, false, 0, path, 1, 4); /* Adj-RIB-Out */
	h.flags = 0;
	struct bb body = {0};
	peer_hdr(&body, &h);
	withdraw_v4(&body, "175.45.176.0", 24);
	bmp_wrap(&b, BMP_MSG_ROUTE_MONITORING, &body);
	msg_peer_down(&b, &PEER_A, 4);

	bmp_router_init(&r, 0);
	lo_buf_init(&out, 1u << 20);
	/* default: pre-policy only -> the withdrawal and the Peer Down */
	assert_int_equal(convert(&b, &r, BMP_VIEWS_DEFAULT, 1700000000654321ll, &out), 2);
	struct mrt_out o = read_mrt(&out);
	assert_int_equal(o.errors, 0);
	assert_int_equal(o.records, 2);
	assert_int_equal(o.rec[0].time, 1700000000);
	assert_int_equal(o.rec[0].usec, 654321);
	assert_int_equal(o.elem[0].type, MRT_ELEM_WITHDRAW);
	assert_int_equal(o.rec[1].subtype, MRT_BGP4MP_STATE_CHANGE_AS4);
	assert_int_equal(o.elem[1].type, MRT_ELEM_STATE);
	assert_int_equal(o.elem[1].old_state, 6);
	assert_int_equal(o.elem[1].new_state, 1);
	assert_int_equal(o.rec[1].time, 1419265000);
	assert_int_equal(o.rec[1].local_asn, 65001);
	char *bd = bgpdump_m(&out);
	if (bd) {
		assert_string_equal(bd, o.text);
		assert_non_null(
			strstr(bd, "BGP4MP_ET|1419265000.123456|STATE|192.0.2.1|4837|6|1\n"));
	}
	free(bd);
	free(o.text);
	bmp_router_fini(&r);

	/* post-policy only: its announcement and the Peer Down */
	lo_buf_reset(&out);
	bmp_router_init(&r, 0);
	assert_int_equal(convert(&b, &r, BMP_VIEW_IN_POST, 0, &out), 2);
	o = read_mrt(&out);
	assert_int_equal(o.elem[0].type, MRT_ELEM_ANNOUNCE);
	assert_string_equal(addr_text(&o.prefix[0].addr), "192.0.2.0");
	assert_int_equal(o.rec[0].time, 0);
	free(o.text);
	bmp_router_fini(&r);

	/* Adj-RIB-Out: a *_LOCAL record */
	lo_buf_reset(&out);
	bmp_router_init(&r, 0);
	assert_int_equal(convert(&b, &r, BMP_VIEW_OUT_PRE, 0, &out), 2);
	o = read_mrt(&out);
	assert_int_equal(o.rec[0].subtype, MRT_BGP4MP_MESSAGE_AS4_LOCAL);
	assert_true(o.rec[0].local);
	assert_int_equal(o.prefix[0].len, 15);
	free(o.text);
	bmp_router_fini(&r);

	/* the Loc-RIB view alone: nothing of this global peer */
	lo_buf_reset(&out);
	bmp_router_init(&r, 0);
	assert_int_equal(convert(&b, &r, BMP_VIEW_LOC_RIB, 0, &out), 0);
	bmp_router_fini(&r);
	lo_buf_fini(&out);
	bb_free(&b);
	bb_free(&body);
}

static void down_all_when_the_connection_closes(void **state)
{
	struct bb b = {0};
	struct bmp_router r;
	struct lo_buf out;
	struct ph h2 = PEER_A, h3 = {.type = 3, .asn = 65001, .bgp_id = 7};
	h2.addr = "192.0.2.2";

	msg_peer_up(&b, &PEER_A, "192.0.2.254", 65001, NULL, 0, NULL, 0, true);
	msg_peer_up(&b, &h2, "192.0.2.254", 65001, NULL, 0, NULL, 0, true);
	msg_peer_up(&b, &h3, "0.0.0.0", 65001, NULL, 0, NULL, 0, true);
	msg_peer_down(&b, &h2, 2);
	bmp_router_init(&r, 0);
	lo_buf_init(&out, 1u << 20);
	assert_int_equal(convert(&b, &r, BMP_VIEWS_DEFAULT, 0, &out), 1);
	lo_buf_reset(&out);
	assert_int_equal(bmp_router_down_all(&r, BMP_VIEWS_DEFAULT, 1700000001000000ll, &out, NULL),
			 2);
	for (unsigned i = 0; i < r.n_peers; i++)
		assert_false(r.peers[i].up);
	struct mrt_out o = read_mrt(&out);
	assert_int_equal(o.records, 2);
	assert_int_equal(o.errors, 0);
	assert_string_equal(addr_text(&o.rec[0].peer_addr), "192.0.2.1");
	assert_int_equal(o.rec[0].time, 1700000001);
	assert_string_equal(addr_text(&o.rec[1].peer_addr), "0.0.0.0");
	assert_int_equal(o.rec[1].peer_asn, 65001);
	assert_int_equal(o.elem[1].new_state, 1);
	free(o.text);
	/* nothing is up any more */
	assert_int_equal(bmp_router_down_all(&r, BMP_VIEWS_ALL, 0, &out, NULL), 0);
	lo_buf_fini(&out);
	bmp_router_fini(&r);
	bb_free(&b);
}

static void mrt_output_cap_is_reported(void **state)
{
	struct bb b = {0};
	struct bmp_router r;
	struct lo_buf out;
	struct lo_err err;
	uint32_t path[] = {1};
	msg_rm_v4(&b, &PEER_A, "10.0.0.0", 8, false, 0, path, 1, 4);
	struct bmp_msg m = decode_one(&b);
	bmp_router_init(&r, 0);
	lo_buf_init(&out, 40); /* too small for the record */
	assert_int_equal(bmp_route_mrt(&r, &m, BMP_VIEWS_DEFAULT, 0, &out, &err), LO_ETOOBIG);
	assert_int_equal(out.len, 0);
	/* malformed or irrelevant messages make no record */
	m.error = LO_ECORRUPT;
	assert_int_equal(bmp_route_mrt(&r, &m, BMP_VIEWS_ALL, 0, &out, NULL), 0);
	lo_buf_fini(&out);
	bmp_router_fini(&r);
	bb_free(&b);
}

/* ---------------------------------------------------------------- captures */

struct capture {
	const char *file;
	uint64_t by_type[BMP_MSG_TYPES];
	unsigned views;
	int records;		      /* MRT records with @views */
	int kp_announce, kp_withdraw; /* elems for 175.45.176.0/22's /24s */
	uint64_t route_unknown, down_unknown, addpath_mismatch;
	const char *sys_name;
	int down_all; /* STATE records when the connection closes at the end */
};

/*
 * Message counts checked against an independent walk of the common headers
 * (a few lines of Python, see PROVENANCE.md); KP elems against `bgpdump -m`
 * of the records.
 */
static const struct capture captures[] = {
	{.file = "frr-8.4.4-pre-post-policy.bin",
	 .by_type = {776, 6, 2, 1, 1, 0, 0},
	 .views = BMP_VIEWS_DEFAULT,
	 .records = 393,
	 .kp_announce = 12,
	 .kp_withdraw = 4,
	 .route_unknown = 0,
	 .down_unknown = 1,
	 .addpath_mismatch = 0,
	 .sys_name = "frr-bmp",
	 .down_all = 0},
	{.file = "frr-8.4.4-pre-post-policy.bin",
	 .by_type = {776, 6, 2, 1, 1, 0, 0},
	 .views = BMP_VIEW_IN_POST,
	 .records = 385,
	 .kp_announce = 12,
	 .kp_withdraw = 4,
	 .route_unknown = 0,
	 .down_unknown = 1,
	 .addpath_mismatch = 0,
	 .sys_name = "frr-bmp",
	 .down_all = 0},
	/* FRR 8.4 negotiates ADD-PATH but sends no path ids */
	{.file = "frr-8.4.4-addpath.bin",
	 .by_type = {16, 1, 3, 1, 1, 0, 0},
	 .views = BMP_VIEWS_DEFAULT,
	 .records = 18,
	 .kp_announce = 14,
	 .kp_withdraw = 0,
	 .route_unknown = 0,
	 .down_unknown = 1,
	 .addpath_mismatch = 16,
	 .sys_name = "frr-bmp-addpath",
	 .down_all = 0},
	/* no Peer Up for the Loc-RIB; no Peer Down at the end */
	{.file = "gobgp-3.10-loc-rib.bin",
	 .by_type = {316, 0, 0, 1, 1, 0, 0},
	 .views = BMP_VIEWS_DEFAULT,
	 .records = 316,
	 .kp_announce = 8,
	 .kp_withdraw = 4,
	 .route_unknown = 316,
	 .down_unknown = 0,
	 .addpath_mismatch = 0,
	 .sys_name = "GoBGP",
	 .down_all = 2},
	{.file = "gobgp-3.10-all-addpath.bin",
	 .by_type = {102, 0, 1, 1, 1, 0, 0},
	 .views = BMP_VIEWS_DEFAULT,
	 .records = 103,
	 .kp_announce = 10,
	 .kp_withdraw = 2,
	 .route_unknown = 36,
	 .down_unknown = 0,
	 .addpath_mismatch = 0,
	 .sys_name = "GoBGP",
	 .down_all = 1},
	{.file = "gobgp-3.10-all-addpath.bin",
	 .by_type = {102, 0, 1, 1, 1, 0, 0},
	 .views = BMP_VIEW_LOC_RIB,
	 .records = 36,
	 .kp_announce = 0,
	 .kp_withdraw = 0,
	 .route_unknown = 36,
	 .down_unknown = 0,
	 .addpath_mismatch = 0,
	 .sys_name = "GoBGP",
	 .down_all = 1},
};

static bool is_kp(const struct bgp_prefix *p)
{
	return p->addr.family == 4 && p->len == 24 && p->addr.b[0] == 175 && p->addr.b[1] == 45 &&
	       (p->addr.b[2] & 0xfc) == 176;
}

static void real_captures(void **state)
{
	for (unsigned k = 0; k < sizeof(captures) / sizeof(captures[0]); k++) {
		const struct capture *c = &captures[k];
		char path[512];
		snprintf(path, sizeof(path), "%s/bmp/%s", LO_TEST_DATA, c->file);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		struct bb file = {0};
		char chunk[8192];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			bb_put(&file, chunk, n);
		fclose(f);

		/* feed it the way a socket would: in odd-sized reads */
		struct bmp_stream s;
		struct bmp_router r;
		struct lo_buf out;
		struct bb pending = {0};
		size_t fed = 0, step = 1;
		int records = 0;
		bmp_stream_init(&s, 0);
		bmp_router_init(&r, 0);
		lo_buf_init(&out, 1u << 24);
		while (fed < file.n || pending.n) {
			size_t take = file.n - fed < step ? file.n - fed : step;
			bb_put(&pending, file.p + fed, take);
			fed += take;
			step = step * 7 % 1499 + 1;
			size_t off = 0;
			for (;;) {
				size_t used;
				struct bmp_msg m;
				struct lo_err err;
				int rc = bmp_next(&s, pending.p + off, pending.n - off, &used, &m,
						  &err);
				if (rc == LO_EAGAIN)
					break;
				assert_int_equal(rc, 1);
				off += used;
				if (m.error)
					fail_msg("%s: %s at %llu", c->file, err.msg,
						 (unsigned long long)err.offset);
				assert_int_equal(bmp_router_apply(&r, &m, &err), 0);
				rc = bmp_route_mrt(&r, &m, c->views, 1, &out, &err);
				assert_true(rc >= 0);
				records += rc;
			}
			memmove(pending.p, pending.p + off, pending.n - off);
			pending.n -= off;
			if (fed == file.n && pending.n)
				fail_msg("%s: %zu bytes left", c->file, pending.n);
		}
		assert_int_equal(bmp_stream_end(&s, 0, NULL), 0);
		assert_int_equal(s.stats.malformed, 0);
		assert_int_equal(s.stats.unknown, 0);
		assert_int_equal(s.stats.bytes, file.n);
		for (int t = 0; t < BMP_MSG_TYPES; t++)
			if (s.stats.by_type[t] != c->by_type[t])
				fail_msg("%s: %s %llu, expected %llu", c->file,
					 bmp_msg_type_name((unsigned)t),
					 (unsigned long long)s.stats.by_type[t],
					 (unsigned long long)c->by_type[t]);
		assert_string_equal(r.sys_name, c->sys_name);
		assert_int_equal(r.stats.route_unknown, c->route_unknown);
		assert_int_equal(r.stats.peer_down_unknown, c->down_unknown);
		assert_int_equal(r.stats.addpath_mismatch, c->addpath_mismatch);
		assert_int_equal(records, c->records);
		struct lo_buf closing;
		lo_buf_init(&closing, 1u << 20);
		assert_int_equal(bmp_router_down_all(&r, c->views, 1, &closing, NULL), c->down_all);
		lo_buf_fini(&closing);

		/* the MRT records decode without error; the KP /24s are there */
		struct io_reader *io;
		char *tmp = write_temp(&out);
		assert_int_equal(io_open(&io, tmp, NULL, NULL), 0);
		struct mrt_reader *mr = mrt_reader_new(io);
		int recs = 0, ann = 0, wd = 0, kp_seen[4] = {0};
		const struct mrt_record *rec;
		while (mrt_reader_next(mr, &rec, NULL) == 1) {
			const struct mrt_elem *e;
			assert_int_equal(rec->damaged, 0);
			recs++;
			while (mrt_record_next_elem(mr, &e) == 1) {
				if (!is_kp(&e->prefix))
					continue;
				kp_seen[e->prefix.addr.b[2] - 176]++;
				ann += e->type == MRT_ELEM_ANNOUNCE;
				wd += e->type == MRT_ELEM_WITHDRAW;
			}
		}
		assert_int_equal(mrt_reader_stats(mr)->errors, 0);
		assert_int_equal(mrt_reader_stats(mr)->attr_errors, 0);
		assert_int_equal(recs, c->records);
		if (ann != c->kp_announce || wd != c->kp_withdraw)
			fail_msg("%s: KP announce %d withdraw %d", c->file, ann, wd);
		for (int i = 0; i < 4; i++)
			assert_true(kp_seen[i] > 0 || !c->kp_announce);
		mrt_reader_free(mr);
		io_free(io);
		unlink(tmp);

		/* bgpdump reads every record and prints what we print */
		struct mrt_out o = read_mrt(&out);
		assert_int_equal(o.errors, 0);
		char *bd = bgpdump_m(&out);
		if (bd)
			assert_string_equal(bd, o.text);
		free(bd);
		free(o.text);

		lo_buf_fini(&out);
		bmp_router_fini(&r);
		bb_free(&pending);
		bb_free(&file);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initiation_and_termination),
		cmocka_unit_test(termination_reason_of_wrong_length),
		cmocka_unit_test(peer_up_ipv4),
		cmocka_unit_test(peer_up_ipv6_v_flag),
		cmocka_unit_test(peer_down_reasons),
		cmocka_unit_test(peer_down_bad_notification),
		cmocka_unit_test(route_monitoring_decoded),
		cmocka_unit_test(route_monitoring_malformed),
		cmocka_unit_test(other_bodies_malformed),
		cmocka_unit_test(statistics_report),
		cmocka_unit_test(statistics_over_the_cap_are_counted),
		cmocka_unit_test(route_mirroring),
		cmocka_unit_test(tlvs_over_the_cap_are_counted),
		cmocka_unit_test(bytes_arrive_one_at_a_time),
		cmocka_unit_test(framing_errors_are_fatal),
		cmocka_unit_test(addpath_negotiation_matrix),
		cmocka_unit_test(loc_rib_peer),
		cmocka_unit_test(views_select_messages),
		cmocka_unit_test(peer_table_is_capped),
		cmocka_unit_test(route_monitoring_to_mrt),
		cmocka_unit_test(legacy_as_path_to_mrt),
		cmocka_unit_test(addpath_to_mrt),
		cmocka_unit_test(addpath_mixed_families_refused),
		cmocka_unit_test(views_clock_and_peer_down_to_mrt),
		cmocka_unit_test(down_all_when_the_connection_closes),
		cmocka_unit_test(mrt_output_cap_is_reported),
		cmocka_unit_test(real_captures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
