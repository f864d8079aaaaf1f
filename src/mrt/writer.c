/*
 * DOC: writer.c — writing MRT archives (RFC 6396): TABLE_DUMP_V2 RIB dumps
 * and BGP4MP / BGP4MP_ET update streams, for simulated scenarios and tests.
 *
 * Implements RFC 6396 §4.3.1 (PEER_INDEX_TABLE, always with 4-byte ASNs),
 * §4.3.2 (RIB_IPV4_UNICAST / RIB_IPV6_UNICAST, with the abbreviated
 * MP_REACH_NLRI of §4.3.4 for IPv6 entries), §4.4.1 / §4.4.2
 * (BGP4MP_STATE_CHANGE_AS4, BGP4MP_MESSAGE_AS4) and §3 (BGP4MP_ET
 * microseconds); the UPDATE inside follows RFC 4271 §4.3 with 4-byte AS_PATH
 * (RFC 6793 between 4-byte speakers) and RFC 4760 MP_REACH / MP_UNREACH for
 * IPv6.  Announcements and withdrawals that do not fit a 4096-byte message
 * are split over as many UPDATEs (one record each) as needed.
 *
 * Every record is built in one capped buffer (MRT_MAX_RECORD plus header)
 * and handed to an io_writer, so compression comes from src/io.
 *
 * Not here: ADD-PATH subtypes, multicast / RIB_GENERIC, TABLE_DUMP v1,
 * OPEN / NOTIFICATION / KEEPALIVE messages, 2-byte AS sessions.
 */
#include "mrt/mrt.h"

#include <stdlib.h>
#include <string.h>

#define MRT_HDR_LEN   12
#define BGP_HDR_LEN   19
#define BGP_MAX_MSG   4096
#define BGP_MAX_ASSEG 255
#define ATTR_HDR_MAX  4 /* flags, type, 2-byte extended length */

struct mrt_writer {
	struct io_writer *io;
	struct lo_buf rec;   /* the record being built */
	struct lo_buf attrs; /* an encoded attribute block */
	uint32_t seq;	     /* RIB sequence number */
	bool have_peers;
	uint16_t n_peers;
	struct mrt_writer_stats stats;
};

/* ------------------------------------------------------------ encoding */

static int put_u8(struct lo_buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	return lo_buf_add(b, &x, 1);
}

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

static void set_be16(struct lo_buf *b, size_t at, unsigned v)
{
	b->p[at] = (char)(v >> 8);
	b->p[at + 1] = (char)v;
}

static void set_be32(struct lo_buf *b, size_t at, uint32_t v)
{
	set_be16(b, at, v >> 16);
	set_be16(b, at + 2, v & 0xffff);
}

/*
 * Builders chain appends with ||, which keeps only "failed".  lo_buf fails
 * with LO_ETOOBIG only when an append would pass its cap, and no single
 * append here adds more than 64 KiB, so a failure further from the cap than
 * that was an allocation failure.
 */
static int buf_cause(const struct lo_buf *b, int rc)
{
	if (rc == LO_ENOMEM || rc == LO_ETOOBIG)
		return rc;
	return b->len + 0x10000 + 1 < b->toobig ? LO_ENOMEM : LO_ETOOBIG;
}

static unsigned addr_len(const struct bgp_addr *a)
{
	return a->family == 6 ? 16 : 4;
}

static int put_addr(struct lo_buf *b, const struct bgp_addr *a)
{
	return lo_buf_add(b, a->b, addr_len(a));
}

static unsigned pfx_bytes(const struct bgp_prefix *p)
{
	return 1 + (p->len + 7u) / 8;
}

/* Encoded prefix (length byte, then the significant bytes, host bits zero). */
static int put_prefix(struct lo_buf *b, const struct bgp_prefix *p)
{
	uint8_t x[17];
	unsigned n = (p->len + 7u) / 8;

	x[0] = p->len;
	memcpy(x + 1, p->addr.b, n);
	if (p->len % 8)
		x[n] &= (uint8_t)(0xff << (8 - p->len % 8));
	return lo_buf_add(b, x, 1 + n);
}

static bool prefix_ok(const struct bgp_prefix *p)
{
	return (p->addr.family == 4 && p->len <= 32) || (p->addr.family == 6 && p->len <= 128);
}

/* Start an attribute: flags and type, then a length patched by attr_end(). */
static int attr_begin(struct lo_buf *b, unsigned flags, unsigned type, size_t *at)
{
	int rc = put_u8(b, flags | BGP_ATTR_FLAG_EXTLEN) || put_u8(b, type);
	*at = b->len;
	return rc ? rc : put_be16(b, 0);
}

/*
 * Finish the attribute whose length field is at @at: attributes under 256
 * bytes get the one-byte length form (what routers send), longer ones the
 * extended length (RFC 4271 §4.3).
 */
static int attr_end(struct lo_buf *b, size_t at)
{
	size_t len = b->len - at - 2;

	if (len > 0xffff)
		return LO_ETOOBIG;
	if (len > 0xff) {
		set_be16(b, at, (unsigned)len);
		return 0;
	}
	b->p[at - 2] &= (char)~BGP_ATTR_FLAG_EXTLEN;
	b->p[at] = (char)len;
	memmove(b->p + at + 1, b->p + at + 2, len);
	b->len--;
	b->p[b->len] = 0;
	return 0;
}

static int attr_u32(struct lo_buf *b, unsigned flags, unsigned type, uint32_t v)
{
	return put_u8(b, flags) || put_u8(b, type) || put_u8(b, 4) || put_be32(b, v) ? LO_ETOOBIG
										     : 0;
}

int mrt_attrs_encode(struct lo_buf *b, const struct mrt_attr_spec *a, unsigned flags,
		     struct lo_err *err)
{
	size_t at;
	int rc;

	if (a->origin > 2 || (a->n_as_path && !a->as_path) || (a->n_communities && !a->communities))
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "attributes: bad origin or list");
	if ((flags & MRT_ATTRS_RIB6) && a->next_hop.family != 6)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF,
				  "IPv6 RIB entry needs an IPv6 next hop");

	/* ORIGIN */
	rc = put_u8(b, BGP_ATTR_FLAG_TRANSITIVE) || put_u8(b, BGP_ATTR_ORIGIN) || put_u8(b, 1) ||
	     put_u8(b, a->origin);
	if (rc)
		goto out_big;

	/* AS_PATH: 4-byte ASNs, AS_SEQUENCE segments of at most 255 */
	rc = attr_begin(b, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_AS_PATH, &at);
	for (size_t i = 0; !rc && i < a->n_as_path; i += BGP_MAX_ASSEG) {
		size_t n = a->n_as_path - i < BGP_MAX_ASSEG ? a->n_as_path - i : BGP_MAX_ASSEG;
		rc = put_u8(b, BGP_AS_SEQUENCE) || put_u8(b, (unsigned)n);
		for (size_t j = 0; !rc && j < n; j++)
			rc = put_be32(b, a->as_path[i + j]);
	}
	if (rc || (rc = attr_end(b, at)))
		goto out_big;

	/* NEXT_HOP: IPv4 only; IPv6 next hops travel in MP_REACH */
	if (a->next_hop.family == 4 && !(flags & MRT_ATTRS_NO_NEXT_HOP)) {
		rc = put_u8(b, BGP_ATTR_FLAG_TRANSITIVE) || put_u8(b, BGP_ATTR_NEXT_HOP) ||
		     put_u8(b, 4) || lo_buf_add(b, a->next_hop.b, 4);
		if (rc)
			goto out_big;
	}
	if (a->has_med && (rc = attr_u32(b, BGP_ATTR_FLAG_OPTIONAL, BGP_ATTR_MED, a->med)))
		goto out_big;
	if (a->has_local_pref &&
	    (rc = attr_u32(b, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_LOCAL_PREF, a->local_pref)))
		goto out_big;
	if (a->n_communities) {
		rc = attr_begin(b, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE,
				BGP_ATTR_COMMUNITIES, &at);
		for (size_t i = 0; !rc && i < a->n_communities; i++)
			rc = put_be32(b, a->communities[i]);
		if (rc || (rc = attr_end(b, at)))
			goto out_big;
	}
	/* RFC 6396 §4.3.4: a RIB entry's MP_REACH holds only the next hop */
	if (flags & MRT_ATTRS_RIB6) {
		unsigned nhl = a->next_hop_ll.family == 6 ? 32 : 16;
		rc = put_u8(b, BGP_ATTR_FLAG_OPTIONAL) || put_u8(b, BGP_ATTR_MP_REACH) ||
		     put_u8(b, 1 + nhl) || put_u8(b, nhl) || lo_buf_add(b, a->next_hop.b, 16);
		if (!rc && nhl == 32)
			rc = lo_buf_add(b, a->next_hop_ll.b, 16);
		if (rc)
			goto out_big;
	}
	return 0;

out_big:
	rc = buf_cause(b, rc);
	if (rc == LO_ENOMEM)
		return lo_err_set(err, rc, LO_NOOFF, "out of memory");
	return lo_err_set(err, rc, LO_NOOFF,
			  "attributes do not fit (AS path of %zu, %zu communities)", a->n_as_path,
			  a->n_communities);
}

/* ------------------------------------------------------------ records */

/* Start a record in w->rec: the 12-byte header, length patched later. */
static int rec_begin(struct mrt_writer *w, uint32_t time, unsigned type, unsigned subtype)
{
	lo_buf_reset(&w->rec);
	return put_be32(&w->rec, time) || put_be16(&w->rec, type) || put_be16(&w->rec, subtype) ||
	       put_be32(&w->rec, 0);
}

static int rec_emit(struct mrt_writer *w, struct lo_err *err)
{
	size_t body = w->rec.len - MRT_HDR_LEN;

	if (body > MRT_MAX_RECORD)
		return lo_err_set(err, LO_ETOOBIG, LO_NOOFF, "MRT record of %zu bytes", body);
	set_be32(&w->rec, 8, (uint32_t)body);
	int rc = w->io ? io_write(w->io, w->rec.p, w->rec.len, err) : 0;
	if (rc)
		return rc;
	w->stats.records++;
	w->stats.bytes += w->rec.len;
	return 0;
}

static int rec_error(struct mrt_writer *w, int rc, struct lo_err *err)
{
	if (buf_cause(&w->rec, rc) == LO_ENOMEM)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	return lo_err_set(err, LO_ETOOBIG, LO_NOOFF, "MRT record over %u bytes", MRT_MAX_RECORD);
}

int mrt_writer_new(struct mrt_writer **out, struct io_writer *io)
{
	struct mrt_writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return LO_ENOMEM;
	w->io = io;
	/* the header, the body up to the cap, and lo_buf's NUL */
	lo_buf_init(&w->rec, MRT_HDR_LEN + MRT_MAX_RECORD + 1);
	lo_buf_init(&w->attrs, 0x10000);
	*out = w;
	return 0;
}

void mrt_writer_free(struct mrt_writer *w)
{
	if (!w)
		return;
	lo_buf_fini(&w->rec);
	lo_buf_fini(&w->attrs);
	free(w);
}

const struct mrt_writer_stats *mrt_writer_stats(const struct mrt_writer *w)
{
	return &w->stats;
}

int mrt_write_peer_index(struct mrt_writer *w, uint32_t time, const uint8_t collector_id[4],
			 const char *view, const struct mrt_peer *peers, unsigned n,
			 struct lo_err *err)
{
	size_t vlen = view ? strlen(view) : 0;
	int rc;

	if (n > MRT_MAX_PEERS || vlen > 0xffff || (n && !peers))
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "peer index: %u peers, view of %zu", n,
				  vlen);
	for (unsigned i = 0; i < n; i++)
		if (peers[i].addr.family != 4 && peers[i].addr.family != 6)
			return lo_err_set(err, LO_EINVAL, LO_NOOFF, "peer %u: no address", i);
	rc = rec_begin(w, time, MRT_T_TABLE_DUMP_V2, MRT_TD2_PEER_INDEX) ||
	     lo_buf_add(&w->rec, collector_id, 4) || put_be16(&w->rec, (unsigned)vlen) ||
	     lo_buf_add(&w->rec, view ? view : "", vlen) || put_be16(&w->rec, n);
	for (unsigned i = 0; !rc && i < n; i++) {
		const struct mrt_peer *p = &peers[i];
		/* peer type: bit 0 = IPv6 address, bit 1 = 4-byte AS */
		rc = put_u8(&w->rec, (p->addr.family == 6 ? 1u : 0u) | 2u) ||
		     lo_buf_add(&w->rec, p->bgp_id, 4) || put_addr(&w->rec, &p->addr) ||
		     put_be32(&w->rec, p->asn);
	}
	if (rc)
		return rec_error(w, rc, err);
	rc = rec_emit(w, err);
	if (rc)
		return rc;
	w->have_peers = true;
	w->n_peers = (uint16_t)n;
	w->seq = 0;
	return 0;
}

int mrt_write_rib(struct mrt_writer *w, uint32_t time, const struct bgp_prefix *pfx,
		  const struct mrt_rib_entry *e, unsigned n, struct lo_err *err)
{
	bool v6 = pfx->addr.family == 6;
	int rc;

	if (!w->have_peers)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "RIB record before PEER_INDEX_TABLE");
	if (!prefix_ok(pfx) || n > 0xffff || (n && !e))
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "RIB record: bad prefix or %u entries",
				  n);
	rc = rec_begin(w, time, MRT_T_TABLE_DUMP_V2,
		       v6 ? MRT_TD2_RIB_IPV6_UNICAST : MRT_TD2_RIB_IPV4_UNICAST) ||
	     put_be32(&w->rec, w->seq) || put_prefix(&w->rec, pfx) || put_be16(&w->rec, n);
	if (rc)
		return rec_error(w, rc, err);
	for (unsigned i = 0; i < n; i++) {
		if (e[i].peer_index >= w->n_peers || !e[i].attrs)
			return lo_err_set(err, LO_EINVAL, LO_NOOFF,
					  "RIB entry %u: peer index %u of %u, or no attributes", i,
					  e[i].peer_index, w->n_peers);
		if ((e[i].attrs->next_hop.family == 6) != v6)
			return lo_err_set(err, LO_EINVAL, LO_NOOFF,
					  "RIB entry %u: next hop family differs from prefix", i);
		rc = put_be16(&w->rec, e[i].peer_index) || put_be32(&w->rec, e[i].originated);
		if (rc)
			return rec_error(w, rc, err);
		size_t at = w->rec.len;
		if ((rc = put_be16(&w->rec, 0)))
			return rec_error(w, rc, err);
		rc = mrt_attrs_encode(&w->rec, e[i].attrs, v6 ? MRT_ATTRS_RIB6 : 0, err);
		if (rc)
			return rc;
		size_t alen = w->rec.len - at - 2;
		if (alen > 0xffff)
			return lo_err_set(err, LO_ETOOBIG, LO_NOOFF,
					  "RIB entry %u: %zu bytes of "
					  "attributes",
					  i, alen);
		set_be16(&w->rec, at, (unsigned)alen);
	}
	rc = rec_emit(w, err);
	if (rc)
		return rc;
	w->seq++;
	w->stats.rib_entries += n;
	return 0;
}

/* The BGP4MP(_ET) common header of an AS4 subtype. */
static int bgp4mp_begin(struct mrt_writer *w, const struct mrt_bgp4mp *h, unsigned subtype,
			struct lo_err *err)
{
	int rc = rec_begin(w, h->time, h->et ? MRT_T_BGP4MP_ET : MRT_T_BGP4MP, subtype);

	if (!rc && h->et)
		rc = put_be32(&w->rec, h->usec);
	rc = rc || put_be32(&w->rec, h->peer_asn) || put_be32(&w->rec, h->local_asn) ||
	     put_be16(&w->rec, h->ifindex) ||
	     put_be16(&w->rec, h->peer_addr.family == 6 ? BGP_AFI_IP6 : BGP_AFI_IP) ||
	     put_addr(&w->rec, &h->peer_addr) || put_addr(&w->rec, &h->local_addr);
	return rc ? rec_error(w, rc, err) : 0;
}

static int check_session(const struct mrt_bgp4mp *h, struct lo_err *err)
{
	if ((h->peer_addr.family != 4 && h->peer_addr.family != 6) ||
	    h->local_addr.family != h->peer_addr.family)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF,
				  "BGP4MP: peer and local address must be of one family");
	return 0;
}

int mrt_write_state_change(struct mrt_writer *w, const struct mrt_bgp4mp *h, uint16_t old_state,
			   uint16_t new_state, struct lo_err *err)
{
	int rc = check_session(h, err);

	if (rc)
		return rc;
	rc = bgp4mp_begin(w, h, MRT_BGP4MP_STATE_CHANGE_AS4, err);
	if (rc)
		return rc;
	rc = put_be16(&w->rec, old_state) || put_be16(&w->rec, new_state);
	if (rc)
		return rec_error(w, rc, err);
	rc = rec_emit(w, err);
	if (!rc)
		w->stats.state_changes++;
	return rc;
}

const uint8_t *mrt_writer_record(const struct mrt_writer *w, size_t *len)
{
	*len = w->rec.len;
	return (const uint8_t *)w->rec.p;
}

int mrt_write_message(struct mrt_writer *w, const struct mrt_bgp4mp *h, const uint8_t *msg,
		      size_t len, unsigned flags, struct lo_err *err)
{
	int rc = check_session(h, err);
	bool as2 = flags & MRT_MSG_AS2, addpath = flags & MRT_MSG_ADDPATH;
	unsigned sub = as2 ? (addpath ? MRT_BGP4MP_MESSAGE_ADDPATH : MRT_BGP4MP_MESSAGE)
			   : (addpath ? MRT_BGP4MP_MESSAGE_AS4_ADDPATH : MRT_BGP4MP_MESSAGE_AS4);

	if (rc)
		return rc;
	if (len < 19 || len > 65535)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "BGP message of %zu bytes", len);
	if (!as2) {
		rc = bgp4mp_begin(w, h, sub, err);
	} else {
		/* 2-byte ASNs in the header: AS_TRANS for the ones that do not fit */
		rc = rec_begin(w, h->time, h->et ? MRT_T_BGP4MP_ET : MRT_T_BGP4MP, sub);
		if (!rc && h->et)
			rc = put_be32(&w->rec, h->usec);
		rc = rc || put_be16(&w->rec, h->peer_asn > 0xffff ? 23456 : h->peer_asn) ||
		     put_be16(&w->rec, h->local_asn > 0xffff ? 23456 : h->local_asn) ||
		     put_be16(&w->rec, h->ifindex) ||
		     put_be16(&w->rec, h->peer_addr.family == 6 ? BGP_AFI_IP6 : BGP_AFI_IP) ||
		     put_addr(&w->rec, &h->peer_addr) || put_addr(&w->rec, &h->local_addr);
		if (rc)
			return rec_error(w, rc, err);
	}
	if (rc)
		return rc;
	rc = lo_buf_add(&w->rec, msg, len);
	if (rc)
		return rec_error(w, rc, err);
	rc = rec_emit(w, err);
	if (!rc && len > 18 && msg[18] == 2)
		w->stats.updates++;
	return rc;
}

/* Where one UPDATE's pieces go while it is being packed. */
struct upd_plan {
	unsigned w4_from, w4_to; /* IPv4 withdrawals (indexes into the v4 list) */
	unsigned w6_from, w6_to;
	unsigned a_from, a_to; /* announcements */
};

/*
 * Write one UPDATE record: withdrawn IPv4 prefixes, then the attributes
 * (only if it announces), MP_UNREACH for IPv6 withdrawals, MP_REACH for
 * IPv6 announcements, IPv4 NLRI.
 */
static int write_one_update(struct mrt_writer *w, const struct mrt_bgp4mp *h,
			    const struct mrt_attr_spec *a, const struct bgp_prefix *ann,
			    const struct bgp_prefix *const *w4, const struct bgp_prefix *const *w6,
			    const struct upd_plan *p, struct lo_err *err)
{
	struct lo_buf *b = &w->rec;
	bool ann6 = p->a_to > p->a_from && ann[p->a_from].addr.family == 6;
	size_t at;
	int rc = bgp4mp_begin(w, h, MRT_BGP4MP_MESSAGE_AS4, err);

	if (rc)
		return rc;
	size_t msg = b->len;
	static const uint8_t marker[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	rc = lo_buf_add(b, marker, 16) || put_be16(b, 0) || put_u8(b, BGP_MSG_UPDATE);
	/* withdrawn routes */
	size_t wl = b->len;
	rc = rc || put_be16(b, 0);
	for (unsigned i = p->w4_from; !rc && i < p->w4_to; i++)
		rc = put_prefix(b, w4[i]);
	if (rc)
		return rec_error(w, rc, err);
	set_be16(b, wl, (unsigned)(b->len - wl - 2));
	/* path attributes */
	size_t al = b->len;
	if ((rc = put_be16(b, 0)))
		return rec_error(w, rc, err);
	if (p->a_to > p->a_from && (rc = lo_buf_add(b, w->attrs.p, w->attrs.len)))
		return rec_error(w, rc, err);
	if (p->w6_to > p->w6_from) {
		rc = attr_begin(b, BGP_ATTR_FLAG_OPTIONAL, BGP_ATTR_MP_UNREACH, &at) ||
		     put_be16(b, BGP_AFI_IP6) || put_u8(b, BGP_SAFI_UNICAST);
		for (unsigned i = p->w6_from; !rc && i < p->w6_to; i++)
			rc = put_prefix(b, w6[i]);
		if (rc || (rc = attr_end(b, at)))
			return rec_error(w, rc, err);
	}
	if (ann6) {
		unsigned nhl = a->next_hop_ll.family == 6 ? 32 : 16;
		rc = attr_begin(b, BGP_ATTR_FLAG_OPTIONAL, BGP_ATTR_MP_REACH, &at) ||
		     put_be16(b, BGP_AFI_IP6) || put_u8(b, BGP_SAFI_UNICAST) || put_u8(b, nhl) ||
		     lo_buf_add(b, a->next_hop.b, 16);
		if (!rc && nhl == 32)
			rc = lo_buf_add(b, a->next_hop_ll.b, 16);
		rc = rc || put_u8(b, 0); /* reserved */
		for (unsigned i = p->a_from; !rc && i < p->a_to; i++)
			rc = put_prefix(b, &ann[i]);
		if (rc || (rc = attr_end(b, at)))
			return rec_error(w, rc, err);
	}
	set_be16(b, al, (unsigned)(b->len - al - 2));
	/* IPv4 NLRI */
	for (unsigned i = p->a_from; !ann6 && i < p->a_to; i++)
		if ((rc = put_prefix(b, &ann[i])))
			return rec_error(w, rc, err);
	size_t mlen = b->len - msg;
	/* the packer keeps every message within the limit; this is our bug if not */
	if (mlen > BGP_MAX_MSG)
		return lo_err_set(err, LO_ETOOBIG, LO_NOOFF, "UPDATE of %zu bytes", mlen);
	set_be16(b, msg + 16, (unsigned)mlen);
	rc = rec_emit(w, err);
	if (rc)
		return rc;
	w->stats.updates++;
	return 0;
}

int mrt_write_update(struct mrt_writer *w, const struct mrt_bgp4mp *h,
		     const struct mrt_attr_spec *a, const struct bgp_prefix *ann, unsigned n_ann,
		     const struct bgp_prefix *wd, unsigned n_wd, struct lo_err *err)
{
	const struct bgp_prefix **w4 = NULL, **w6 = NULL;
	unsigned n4 = 0, n6 = 0;
	int rc = check_session(h, err);

	if (rc)
		return rc;
	if ((n_ann && (!ann || !a)) || (n_wd && !wd))
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "UPDATE: missing prefixes/attributes");
	for (unsigned i = 0; i < n_ann; i++)
		if (!prefix_ok(&ann[i]) || ann[i].addr.family != a->next_hop.family)
			return lo_err_set(err, LO_EINVAL, LO_NOOFF,
					  "UPDATE: announcement %u: bad prefix or next hop family",
					  i);
	for (unsigned i = 0; i < n_wd; i++)
		if (!prefix_ok(&wd[i]))
			return lo_err_set(err, LO_EINVAL, LO_NOOFF,
					  "UPDATE: withdrawal %u: bad prefix", i);
	if (n_ann + n_wd == 0)
		return 0;

	lo_buf_reset(&w->attrs);
	if (n_ann) {
		rc = mrt_attrs_encode(&w->attrs, a, 0, err);
		if (rc)
			return rc;
	}
	if (n_wd) {
		w4 = malloc(n_wd * sizeof(*w4));
		w6 = malloc(n_wd * sizeof(*w6));
		if (!w4 || !w6) {
			rc = lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
			goto out_free;
		}
		for (unsigned i = 0; i < n_wd; i++) {
			if (wd[i].addr.family == 4)
				w4[n4++] = &wd[i];
			else
				w6[n6++] = &wd[i];
		}
	}

	/*
	 * Greedy packing, withdrawals first.  Sizes are counted with the
	 * longest attribute header, so a message never exceeds 4096 bytes.
	 */
	unsigned nhl = a && a->next_hop_ll.family == 6 ? 32 : 16;
	size_t mp_reach_fixed = ATTR_HDR_MAX + 2 + 1 + 1 + nhl + 1;
	size_t mp_unreach_fixed = ATTR_HDR_MAX + 2 + 1;
	struct upd_plan p = {0};
	while (p.w4_to < n4 || p.w6_to < n6 || p.a_to < n_ann) {
		size_t size = BGP_HDR_LEN + 2 + 2;
		p.w4_from = p.w4_to;
		p.w6_from = p.w6_to;
		p.a_from = p.a_to;
		while (p.w4_to < n4 && size + pfx_bytes(w4[p.w4_to]) <= BGP_MAX_MSG)
			size += pfx_bytes(w4[p.w4_to++]);
		if (p.w6_to < n6 &&
		    size + mp_unreach_fixed + pfx_bytes(w6[p.w6_to]) <= BGP_MAX_MSG) {
			size += mp_unreach_fixed;
			while (p.w6_to < n6 && size + pfx_bytes(w6[p.w6_to]) <= BGP_MAX_MSG)
				size += pfx_bytes(w6[p.w6_to++]);
		}
		if (p.a_to < n_ann) {
			size_t fixed =
				w->attrs.len + (a->next_hop.family == 6 ? mp_reach_fixed : 0);
			if (size + fixed + pfx_bytes(&ann[p.a_to]) <= BGP_MAX_MSG) {
				size += fixed;
				while (p.a_to < n_ann &&
				       size + pfx_bytes(&ann[p.a_to]) <= BGP_MAX_MSG)
					size += pfx_bytes(&ann[p.a_to++]);
			} else if (p.w4_to == p.w4_from && p.w6_to == p.w6_from) {
				rc = lo_err_set(err, LO_ETOOBIG, LO_NOOFF,
						"UPDATE: %zu bytes of attributes leave no room for "
						"a prefix",
						w->attrs.len);
				goto out_free;
			}
		}
		rc = write_one_update(w, h, a, ann, w4, w6, &p, err);
		if (rc)
			goto out_free;
	}
	w->stats.announced += n_ann;
	w->stats.withdrawn += n_wd;

out_free:
	free(w4);
	free(w6);
	return rc;
}
