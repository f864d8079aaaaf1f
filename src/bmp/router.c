/*
 * DOC: router.c — BMP station state of one router connection.
 *
 * Remembers the Initiation strings (RFC 7854 §4.3), whether the router
 * said goodbye (§4.5), and every monitored peer a Peer Up announced
 * (§4.10): up or down, the session's local address and AS, and what its
 * two OPENs negotiated — the 4-byte AS capability on both sides (RFC 6793)
 * and ADD-PATH per AFI/SAFI and direction (RFC 7911 §4; RFC 9069 §5.2 for
 * the Loc-RIB's fabricated OPEN).  Peers are found through a small
 * open-addressing index; entries are never removed (a peer that goes down
 * keeps its slot and comes back in it), so the table is capped at
 * max_peers distinct peers per connection.
 */
#include "bmp/bmp.h"

#include <stdlib.h>
#include <string.h>

#define CAP_ADDPATH 69
#define AP_RECEIVE  0x1 /* RFC 7911 §4 Send/Receive field values */
#define AP_SEND	    0x2
#define AP_PRESENT  0x4 /* the AFI/SAFI is listed at all */

/* ---------------------------------------------------------------- views */

unsigned bmp_view_of(const struct bmp_peer_hdr *h)
{
	if (h->type == BMP_PEER_LOC_RIB)
		return BMP_VIEW_LOC_RIB;
	if (h->flags & BMP_PF_O)
		return h->flags & BMP_PF_L ? BMP_VIEW_OUT_POST : BMP_VIEW_OUT_PRE;
	return h->flags & BMP_PF_L ? BMP_VIEW_IN_POST : BMP_VIEW_IN_PRE;
}

static bool rd_zero(const uint8_t rd[8])
{
	for (int i = 0; i < 8; i++)
		if (rd[i])
			return false;
	return true;
}

bool bmp_view_selected(unsigned views, const struct bmp_peer_hdr *h)
{
	if (!(views & bmp_view_of(h)))
		return false;
	bool instance = h->type == BMP_PEER_RD || h->type == BMP_PEER_LOCAL ||
			(h->type == BMP_PEER_LOC_RIB && !rd_zero(h->rd));
	return !instance || (views & BMP_VIEW_INSTANCES);
}

/* ---------------------------------------------------------------- index */

#define KEY_LEN 30

/* type, family, distinguisher, address; Loc-RIBs by BGP ID (RFC 9069 §6.1.1) */
static void make_key(uint8_t k[KEY_LEN], uint8_t type, const uint8_t rd[8],
		     const struct bgp_addr *a, const uint8_t bgp_id[4])
{
	memset(k, 0, KEY_LEN);
	k[0] = type;
	k[1] = a->family;
	memcpy(k + 2, rd, 8);
	memcpy(k + 10, a->b, 16);
	if (type == BMP_PEER_LOC_RIB)
		memcpy(k + 26, bgp_id, 4);
}

static void peer_key(const struct bmp_peer *p, uint8_t k[KEY_LEN])
{
	make_key(k, p->type, p->rd, &p->addr, p->bgp_id);
}

static uint32_t slot_of(const uint8_t k[KEY_LEN], uint32_t cap)
{
	return (uint32_t)lo_hash(k, KEY_LEN) & (cap - 1);
}

static struct bmp_peer *find(const struct bmp_router *r, const struct bmp_peer_hdr *h)
{
	uint8_t k[KEY_LEN], pk[KEY_LEN];

	if (!r->index_cap)
		return NULL;
	make_key(k, h->type, h->rd, &h->addr, h->bgp_id);
	for (uint32_t i = slot_of(k, r->index_cap);; i = (i + 1) & (r->index_cap - 1)) {
		uint32_t v = r->index[i];
		if (!v)
			return NULL;
		peer_key(&r->peers[v - 1], pk);
		if (!memcmp(k, pk, KEY_LEN))
			return &r->peers[v - 1];
	}
}

static int index_grow(struct bmp_router *r)
{
	uint32_t cap = r->index_cap ? r->index_cap * 2 : 16;
	uint32_t *ix = calloc(cap, sizeof(*ix));
	uint8_t k[KEY_LEN];

	if (!ix)
		return LO_ENOMEM;
	for (uint32_t n = 0; n < r->n_peers; n++) {
		peer_key(&r->peers[n], k);
		uint32_t i = slot_of(k, cap);
		while (ix[i])
			i = (i + 1) & (cap - 1);
		ix[i] = n + 1;
	}
	free(r->index);
	r->index = ix;
	r->index_cap = cap;
	return 0;
}

static int add_peer(struct bmp_router *r, const struct bmp_peer_hdr *h, struct bmp_peer **out)
{
	uint8_t k[KEY_LEN];

	if (r->n_peers >= r->max_peers)
		return LO_ETOOBIG;
	if (r->n_peers == r->alloc) {
		uint32_t n = r->alloc ? r->alloc * 2 : 8;
		if (n > r->max_peers)
			n = r->max_peers;
		struct bmp_peer *p = realloc(r->peers, n * sizeof(*p));
		if (!p)
			return LO_ENOMEM;
		r->peers = p;
		r->alloc = n;
	}
	/* keep the index at most half full */
	if ((r->n_peers + 1) * 2 > r->index_cap && index_grow(r))
		return LO_ENOMEM;
	struct bmp_peer *p = &r->peers[r->n_peers];
	memset(p, 0, sizeof(*p));
	p->type = h->type;
	memcpy(p->rd, h->rd, 8);
	p->addr = h->addr;
	memcpy(p->bgp_id, h->bgp_id, 4);
	peer_key(p, k);
	uint32_t i = slot_of(k, r->index_cap);
	while (r->index[i])
		i = (i + 1) & (r->index_cap - 1);
	r->index[i] = ++r->n_peers;
	*out = p;
	return 0;
}

/* ---------------------------------------------------------------- router */

void bmp_router_init(struct bmp_router *r, unsigned max_peers)
{
	memset(r, 0, sizeof(*r));
	if (max_peers == 0)
		max_peers = BMP_MAX_PEERS;
	if (max_peers > BMP_MAX_PEERS_LIMIT)
		max_peers = BMP_MAX_PEERS_LIMIT;
	r->max_peers = max_peers;
	r->term_reason = -1;
}

void bmp_router_fini(struct bmp_router *r)
{
	free(r->peers);
	free(r->index);
	r->peers = NULL;
	r->index = NULL;
	r->n_peers = r->alloc = r->index_cap = 0;
}

const struct bmp_peer *bmp_router_peer(const struct bmp_router *r, const struct bmp_peer_hdr *h)
{
	return find(r, h);
}

bool bmp_peer_addpath(const struct bmp_peer *p, unsigned view, uint16_t afi, uint8_t safi)
{
	if (!p || afi < 1 || afi > 2 || safi < 1 || safi > 3)
		return false;
	uint8_t ap = p->addpath[afi][safi];
	switch (view) {
	case BMP_VIEW_IN_PRE:
	case BMP_VIEW_IN_POST:
		return ap & BMP_AP_IN;
	case BMP_VIEW_OUT_PRE:
	case BMP_VIEW_OUT_POST:
		return ap & BMP_AP_OUT;
	case BMP_VIEW_LOC_RIB:
		return ap & BMP_AP_LOC;
	}
	return false;
}

/* The ADD-PATH tuples of an OPEN: AP_* bits per [afi][safi]. */
static void open_addpath(const struct bgp_open *o, uint8_t ap[3][4])
{
	memset(ap, 0, 3 * 4);
	for (unsigned i = 0; i < o->n_caps; i++) {
		if (o->caps[i].code != CAP_ADDPATH)
			continue;
		struct cur c = cur_make(o->caps[i].value, o->caps[i].len);
		uint16_t afi;
		uint8_t safi, sr;
		while (!cur_be16(&c, &afi) && !cur_u8(&c, &safi) && !cur_u8(&c, &sr))
			if (afi >= 1 && afi <= 2 && safi >= 1 && safi <= 3)
				ap[afi][safi] |= (uint8_t)(AP_PRESENT | (sr & 3));
	}
}

static void copy_name(char *dst, const struct bmp_tlv *t)
{
	size_t n = t->len < BMP_MAX_NAME ? t->len : BMP_MAX_NAME;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = t->value[i];
		dst[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	dst[n] = 0;
}

static int peer_up(struct bmp_router *r, const struct bmp_msg *m, struct lo_err *err)
{
	const struct bmp_peer_hdr *h = &m->peer;
	const struct bmp_peer_up *u = &m->u.up;
	struct bmp_peer *p = find(r, h);
	uint8_t sent[3][4], recv[3][4];
	bool merge = false;

	if (!p) {
		int rc = add_peer(r, h, &p);
		if (rc == LO_ETOOBIG) {
			r->stats.peers_over_cap++;
			return lo_err_set(err, rc, m->offset,
					  "BMP peer-up: more than %u peers, peer not tracked",
					  r->max_peers);
		}
		if (rc)
			return lo_err_set(err, rc, m->offset, "BMP peer-up: out of memory");
	} else if (p->up && !p->no_peer_up) {
		/* RFC 9069 §6.1.1: one Loc-RIB may be several emulated peers,
		 * one per address family; their capabilities add up */
		if (h->type == BMP_PEER_LOC_RIB)
			merge = true;
		else
			r->stats.peer_up_again++;
	}
	open_addpath(&u->sent, sent);
	open_addpath(&u->recv, recv);
	bool as4 = u->sent.as4 && u->recv.as4;
	if (!merge) {
		memset(p->addpath, 0, sizeof(p->addpath));
		p->as4 = as4;
	} else {
		p->as4 = p->as4 && as4;
	}
	for (int afi = 1; afi <= 2; afi++) {
		for (int safi = 1; safi <= 3; safi++) {
			uint8_t s = sent[afi][safi], v = recv[afi][safi], b = 0;
			if ((v & AP_SEND) && (s & AP_RECEIVE))
				b |= BMP_AP_IN;
			if ((s & AP_SEND) && (v & AP_RECEIVE))
				b |= BMP_AP_OUT;
			if (h->type == BMP_PEER_LOC_RIB && (s & AP_PRESENT))
				b |= BMP_AP_LOC;
			p->addpath[afi][safi] |= b;
		}
	}
	p->asn = h->asn;
	p->up = true;
	p->no_peer_up = false;
	p->local_addr = u->local_addr;
	p->local_asn = u->sent.asn;
	p->local_port = u->local_port;
	p->remote_port = u->remote_port;
	p->up_time = h->ts_sec;
	p->ups++;
	return 0;
}

int bmp_router_apply(struct bmp_router *r, const struct bmp_msg *m, struct lo_err *err)
{
	struct bmp_peer *p;

	if (m->error || m->type >= BMP_MSG_TYPES)
		return 0;
	r->stats.messages++;
	r->stats.by_type[m->type]++;
	switch (m->type) {
	case BMP_MSG_INITIATION: {
		const struct bmp_tlv *t;
		r->initiated = true;
		if ((t = bmp_tlv_find(&m->u.init.tlvs, BMP_TLV_SYS_NAME)))
			copy_name(r->sys_name, t);
		if ((t = bmp_tlv_find(&m->u.init.tlvs, BMP_TLV_SYS_DESCR)))
			copy_name(r->sys_descr, t);
		return 0;
	}
	case BMP_MSG_TERMINATION:
		r->terminated = true;
		r->term_reason = m->u.term.reason;
		return 0;
	case BMP_MSG_PEER_UP:
		return peer_up(r, m, err);
	case BMP_MSG_PEER_DOWN:
		p = find(r, &m->peer);
		if (!p) {
			r->stats.peer_down_unknown++;
			return 0;
		}
		p->up = false;
		p->downs++;
		p->down_reason = m->u.down.reason;
		p->down_time = m->peer.ts_sec;
		return 0;
	case BMP_MSG_ROUTE_MONITORING:
		p = find(r, &m->peer);
		if (!p) {
			/* no Peer Up: known from now on, so its routes can go */
			if (add_peer(r, &m->peer, &p)) {
				r->stats.route_unknown++;
				r->stats.peers_over_cap++;
				return 0;
			}
			p->up = true;
			p->no_peer_up = true;
			p->asn = m->peer.asn;
			p->local_addr.family = m->peer.addr.family;
		}
		if (p->no_peer_up)
			r->stats.route_unknown++;
		else if (!p->up)
			r->stats.route_peer_down++;
		p->route_msgs++;
		p->views |= (uint8_t)bmp_view_of(&m->peer);
		return 0;
	case BMP_MSG_STATS:
		p = find(r, &m->peer);
		if (!p)
			return 0;
		for (unsigned i = 0; i < m->u.stats.n; i++) {
			const struct bmp_stat *s = &m->u.stats.v[i];
			if (s->type == BMP_STAT_ADJ_RIB_IN)
				p->stat_adj_rib_in = s->value;
			else if (s->type == BMP_STAT_LOC_RIB)
				p->stat_loc_rib = s->value;
		}
		return 0;
	default:
		return 0; /* Route Mirroring: counted only */
	}
}
