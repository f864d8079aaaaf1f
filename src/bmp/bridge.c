/*
 * DOC: bridge.c — BMP to MRT: the records through which BMP feeds reach
 * the rest of lightsout (and MRT archives).
 *
 * A Route Monitoring message becomes one BGP4MP_ET record (RFC 6396 §3,
 * §4.4.2-4.4.6; RFC 8050 §3 for the ADD-PATH subtypes) holding its UPDATE
 * byte for byte.  The subtype says how to read that UPDATE: MESSAGE_AS4
 * unless the per-peer header's A flag says the AS_PATH has 2-byte ASNs
 * (then MESSAGE, with AS_TRANS for peer / local ASNs above 65535); the
 * _ADDPATH variant when the session negotiated ADD-PATH for the UPDATE's
 * address family in the direction of the view; the _LOCAL variant for
 * Adj-RIB-Out views (messages the router sends).  A Peer Down becomes a
 * STATE_CHANGE_AS4 record, Established (6) -> Idle (1) (RFC 6396 §4.4.1),
 * which makes a RIB drop the peer's routes.
 */
#include "bmp/bmp.h"

#include "mrt/mrt.h"

#include <string.h>

#define FSM_IDLE	1
#define FSM_ESTABLISHED 6

static int put_be16(struct lo_buf *b, unsigned v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return lo_buf_add(b, x, 2);
}

static int put_be32(struct lo_buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return lo_buf_add(b, x, 4);
}

static int put_addr(struct lo_buf *b, const struct bgp_addr *a)
{
	return lo_buf_add(b, a->b, a->family == 6 ? 16 : 4);
}

struct session {
	uint32_t time, usec;
	uint16_t subtype;
	bool as2;
	uint32_t peer_asn, local_asn;
	struct bgp_addr peer_addr, local_addr;
};

static void stamp(struct session *s, const struct bmp_peer_hdr *h, int64_t now_us)
{
	if (h && h->ts_sec) {
		s->time = h->ts_sec;
		s->usec = h->ts_usec < 1000000 ? h->ts_usec : 999999;
	} else if (now_us > 0) {
		s->time = (uint32_t)(now_us / 1000000);
		s->usec = (uint32_t)(now_us % 1000000);
	} else {
		s->time = s->usec = 0;
	}
}

/* The session of @p (may be NULL) as seen from peer address @addr. */
static void session_of(struct session *s, const struct bmp_peer *p, const struct bgp_addr *addr,
		       uint32_t peer_asn)
{
	s->peer_addr = *addr;
	s->peer_asn = peer_asn;
	memset(&s->local_addr, 0, sizeof(s->local_addr));
	s->local_addr.family = addr->family;
	s->local_asn = 0;
	if (p) {
		if (p->local_addr.family == addr->family)
			s->local_addr = p->local_addr;
		s->local_asn = p->local_asn;
	}
}

/* One BGP4MP_ET record: common header, microseconds, BGP4MP header, @data. */
static int put_record(struct lo_buf *out, const struct session *s, const void *data, size_t len,
		      struct lo_err *err)
{
	size_t start = out->len;
	size_t alen = s->peer_addr.family == 6 ? 16 : 4;
	size_t body = 4 + (s->as2 ? 4 : 8) + 4 + 2 * alen + len;
	int rc;

	if (body > MRT_MAX_RECORD)
		return lo_err_set(err, LO_ETOOBIG, LO_NOOFF, "MRT record of %zu bytes", body);
	rc = put_be32(out, s->time);
	rc = rc ? rc : put_be16(out, MRT_T_BGP4MP_ET);
	rc = rc ? rc : put_be16(out, s->subtype);
	rc = rc ? rc : put_be32(out, (uint32_t)body);
	rc = rc ? rc : put_be32(out, s->usec);
	if (s->as2) {
		uint32_t pa = s->peer_asn > 0xffff ? BGP_AS_TRANS : s->peer_asn;
		uint32_t la = s->local_asn > 0xffff ? BGP_AS_TRANS : s->local_asn;
		rc = rc ? rc : put_be16(out, pa);
		rc = rc ? rc : put_be16(out, la);
	} else {
		rc = rc ? rc : put_be32(out, s->peer_asn);
		rc = rc ? rc : put_be32(out, s->local_asn);
	}
	rc = rc ? rc : put_be16(out, 0); /* interface index */
	rc = rc ? rc : put_be16(out, s->peer_addr.family == 6 ? BGP_AFI_IP6 : BGP_AFI_IP);
	rc = rc ? rc : put_addr(out, &s->peer_addr);
	rc = rc ? rc : put_addr(out, &s->local_addr);
	rc = rc ? rc : lo_buf_add(out, data, len);
	if (rc) {
		out->len = start;
		if (out->p)
			out->p[start] = 0;
		return lo_err_set(err, rc, LO_NOOFF, "MRT record: %s", lo_strerror(rc));
	}
	return 1;
}

static int state_change(struct lo_buf *out, struct session *s, struct lo_err *err)
{
	uint8_t st[4] = {0, FSM_ESTABLISHED, 0, FSM_IDLE};

	s->as2 = false;
	s->subtype = MRT_BGP4MP_STATE_CHANGE_AS4;
	return put_record(out, s, st, sizeof(st), err);
}

/* Whether @views selects the session of a Peer Down with header @h. */
static bool session_selected(unsigned views, const struct bmp_peer_hdr *h)
{
	struct bmp_peer_hdr x = *h;

	if (x.type == BMP_PEER_LOC_RIB)
		return bmp_view_selected(views, &x);
	/* a session carries all four Adj-RIB views */
	x.flags = 0;
	return bmp_view_selected(views | (views & 0xf ? BMP_VIEW_IN_PRE : 0), &x);
}

/* Whether a prefix list parses as @family with or without path ids. */
static bool list_ok(const struct bmp_nlri_list *l, uint8_t family, bool addpath)
{
	struct cur c = cur_make(l->p, l->len);
	struct bgp_prefix pfx;
	int rc;

	while ((rc = bgp_nlri_next(&c, family, addpath, &pfx)) == 1)
		;
	return rc == 0;
}

static uint8_t family_of(uint16_t afi)
{
	return afi == BGP_AFI_IP ? 4 : afi == BGP_AFI_IP6 ? 6 : 0;
}

/* Whether all prefix lists of @rm parse with (or without) path ids. */
static bool update_ok(const struct bmp_route_mon *rm, bool addpath)
{
	uint8_t rf = family_of(rm->reach_afi), uf = family_of(rm->unreach_afi);

	return list_ok(&rm->withdrawn, 4, addpath) && list_ok(&rm->nlri, 4, addpath) &&
	       (!rf || list_ok(&rm->reach, rf, addpath)) &&
	       (!uf || list_ok(&rm->unreach, uf, addpath));
}

static int route_mon(struct bmp_router *r, const struct bmp_msg *m, unsigned views, int64_t now_us,
		     struct lo_buf *out, struct lo_err *err)
{
	const struct bmp_peer_hdr *h = &m->peer;
	const struct bmp_route_mon *rm = &m->u.rm;
	const struct bmp_peer *p;
	unsigned view = bmp_view_of(h);
	struct session s;

	if (!bmp_view_selected(views, h))
		return 0;
	p = bmp_router_peer(r, h);

	/* ADD-PATH is negotiated per AFI/SAFI; the record has one subtype */
	uint16_t afi[3];
	uint8_t safi[3];
	unsigned n = 0;
	if (rm->withdrawn.len || rm->nlri.len) {
		afi[n] = BGP_AFI_IP;
		safi[n++] = BGP_SAFI_UNICAST;
	}
	if (rm->reach_afi) {
		afi[n] = rm->reach_afi;
		safi[n++] = rm->reach_safi;
	}
	if (rm->unreach_afi) {
		afi[n] = rm->unreach_afi;
		safi[n++] = rm->unreach_safi;
	}
	if (!n) {
		afi[n] = BGP_AFI_IP;
		safi[n++] = BGP_SAFI_UNICAST;
	}
	bool ap = bmp_peer_addpath(p, view, afi[0], safi[0]);
	for (unsigned i = 1; i < n; i++)
		if (bmp_peer_addpath(p, view, afi[i], safi[i]) != ap)
			return lo_err_set(err, LO_EUNSUP, m->offset,
					  "BMP route-monitoring: UPDATE mixes address families "
					  "with and without ADD-PATH");
	/* what the router sent wins over what its OPENs promised */
	if (!update_ok(rm, ap) && update_ok(rm, !ap)) {
		ap = !ap;
		r->stats.addpath_mismatch++;
	}

	session_of(&s, p, &h->addr, h->asn);
	stamp(&s, h, now_us);
	s.as2 = bmp_ph_as2(h);
	bool local = view == BMP_VIEW_OUT_PRE || view == BMP_VIEW_OUT_POST;
	static const uint16_t sub[2][2][2] = {
		/* [as2][local][addpath] */
		{{MRT_BGP4MP_MESSAGE_AS4, MRT_BGP4MP_MESSAGE_AS4_ADDPATH},
		 {MRT_BGP4MP_MESSAGE_AS4_LOCAL, MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH}},
		{{MRT_BGP4MP_MESSAGE, MRT_BGP4MP_MESSAGE_ADDPATH},
		 {MRT_BGP4MP_MESSAGE_LOCAL, MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH}},
	};
	s.subtype = sub[s.as2][local][ap];
	return put_record(out, &s, rm->pdu, rm->pdu_len, err);
}

int bmp_route_mrt(struct bmp_router *r, const struct bmp_msg *m, unsigned views, int64_t now_us,
		  struct lo_buf *out, struct lo_err *err)
{
	if (m->error || !m->has_peer)
		return 0;
	if (m->type == BMP_MSG_ROUTE_MONITORING)
		return route_mon(r, m, views, now_us, out, err);
	if (m->type != BMP_MSG_PEER_DOWN || !session_selected(views, &m->peer))
		return 0;
	const struct bmp_peer *p = bmp_router_peer(r, &m->peer);
	/* a peer never up has no routes; unless the table overflowed and it was not kept */
	if (!p && !r->stats.peers_over_cap)
		return 0;
	struct session s;
	session_of(&s, p, &m->peer.addr, m->peer.asn);
	stamp(&s, &m->peer, now_us);
	return state_change(out, &s, err);
}

int bmp_router_down_all(struct bmp_router *r, unsigned views, int64_t now_us, struct lo_buf *out,
			struct lo_err *err)
{
	int n = 0, first = 0;

	for (uint32_t i = 0; i < r->n_peers; i++) {
		struct bmp_peer *p = &r->peers[i];
		if (!p->up)
			continue;
		p->up = false;
		p->downs++;
		struct bmp_peer_hdr h = {.type = p->type, .addr = p->addr};
		memcpy(h.rd, p->rd, 8);
		if (!out || first || !session_selected(views, &h))
			continue;
		struct session s;
		session_of(&s, p, &p->addr, p->asn);
		stamp(&s, NULL, now_us);
		int rc = state_change(out, &s, err);
		if (rc < 0)
			first = rc; /* keep marking the rest down */
		else
			n++;
	}
	return first ? first : n;
}
