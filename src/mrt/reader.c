/*
 * DOC: MRT record framing, resynchronisation and decoding into elems
 * (RFC 6396 §2-§4, RFC 8050 for ADD-PATH subtypes, RFC 6793 via bgp/).
 *
 * Framing: a 12-byte header (16 for BGP4MP_ET, whose microsecond field is
 * counted in the length).  A header is accepted when its type is one we
 * know and its length is under MRT_MAX_RECORD.  Anything else is a framing
 * error: we scan forward for a header that is plausible (known type and
 * subtype, time within a day of the last good record) and is followed by
 * another plausible header or by the end of input, and carry on from there.
 *
 * Decoding is lazy: mrt_reader_next() checks the record's fixed part and
 * sets up an iterator; mrt_record_next_elem() decodes one prefix (or RIB
 * entry) per call.  Quirks of producers that the reference decoder
 * (bgpdump) accepts are accepted here too: the 8-byte state changes of old
 * Zebra, OPEN records without addresses, abbreviated MP_REACH in RIBs.
 */
#include "mrt/mrt_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define BUF_INIT	  (1u << 20)
#define RESYNC_MAX_VERIFY (1u << 20)
#define TIME_WINDOW	  86400u

struct mrt_reader *mrt_reader_new(struct io_reader *io)
{
	struct mrt_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->io = io;
	r->cap = BUF_INIT;
	r->buf = malloc(r->cap);
	r->merge_cap = 3 * 65536 + 64;
	r->merge_buf = malloc(r->merge_cap);
	if (!r->buf || !r->merge_buf) {
		mrt_reader_free(r);
		return NULL;
	}
	lo_err_clear(&r->io_err);
	return r;
}

void mrt_reader_free(struct mrt_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->merge_buf);
	free(r->peers);
	free(r);
}

int mrt_reader_push(struct mrt_reader *r, const uint8_t *data, size_t len)
{
	if (r->io)
		return LO_EINVAL;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->base += r->start;
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end + len > 2 * ((size_t)MRT_MAX_RECORD + 16))
		return LO_ETOOBIG;
	if (r->cap - r->end < len) {
		size_t ncap = r->cap;
		while (ncap - r->end < len)
			ncap *= 2;
		uint8_t *nb = realloc(r->buf, ncap);
		if (!nb)
			return LO_ENOMEM;
		r->buf = nb;
		r->cap = ncap;
	}
	memcpy(r->buf + r->end, data, len);
	r->end += len;
	return 0;
}

const struct mrt_peer *mrt_reader_peers(const struct mrt_reader *r, unsigned *n)
{
	*n = r->n_peers;
	return r->peers;
}

const struct mrt_stats *mrt_reader_stats(const struct mrt_reader *r)
{
	return &r->stats;
}

/* Make at least @need bytes available from r->start; returns bytes available. */
static size_t fill(struct mrt_reader *r, size_t need)
{
	while (r->end - r->start < need && !r->eof && r->io) {
		if (r->start > 0 && (r->cap - r->end < need || r->start == r->end)) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->base += r->start;
			r->end -= r->start;
			r->start = 0;
		}
		if (r->cap - r->start < need) {
			size_t ncap = r->cap;
			while (ncap - r->start < need)
				ncap *= 2;
			uint8_t *nb = realloc(r->buf, ncap);
			if (!nb) {
				r->eof = true;
				r->io_rc = LO_ENOMEM;
				lo_err_set(&r->io_err, LO_ENOMEM, r->base + r->end,
					   "out of memory");
				break;
			}
			r->buf = nb;
			r->cap = ncap;
		}
		ssize_t n = io_read(r->io, r->buf + r->end, r->cap - r->end, &r->io_err);
		if (n > 0) {
			r->end += (size_t)n;
		} else {
			r->eof = true;
			r->io_rc = (int)n;
		}
	}
	return r->end - r->start;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool type_known(uint16_t type)
{
	switch (type) {
	case MRT_T_BGP:
	case MRT_T_TABLE_DUMP:
	case MRT_T_TABLE_DUMP_V2:
	case MRT_T_BGP4MP:
	case MRT_T_BGP4MP_ET:
	case 11: /* OSPFv2 */
	case 32: /* ISIS */
	case 33: /* ISIS_ET */
	case 48: /* OSPFv3 */
	case 49: /* OSPFv3_ET */
		return true;
	}
	return false;
}

static bool subtype_known(uint16_t type, uint16_t sub)
{
	switch (type) {
	case MRT_T_BGP:
		return sub <= 7;
	case MRT_T_TABLE_DUMP:
		return sub >= 1 && sub <= 4;
	case MRT_T_TABLE_DUMP_V2:
		return sub >= 1 && sub <= 12 && sub != 7;
	case MRT_T_BGP4MP:
	case MRT_T_BGP4MP_ET:
		return sub <= 11;
	}
	return false;
}

/* Strict plausibility, used while resynchronising. */
static bool hdr_strict(struct mrt_reader *r, const uint8_t *h)
{
	uint32_t t = be32(h), len = be32(h + 8);
	uint16_t type = be16(h + 4), sub = be16(h + 6);

	if (type == 11 || type >= 32 || !subtype_known(type, sub))
		return false;
	if (len == 0 || len > RESYNC_MAX_VERIFY || (type == MRT_T_BGP4MP_ET && len < 4))
		return false;
	if (r->have_time) {
		uint32_t ref = r->stats.last_time;
		if (t + TIME_WINDOW < ref || t > ref + TIME_WINDOW)
			return false;
	}
	return true;
}

/*
 * Scan forward from r->start + 1 for a plausible header.  Returns true with
 * r->start on it, false at the end of input (everything skipped).
 */
static bool resync(struct mrt_reader *r)
{
	uint64_t from = r->base + r->start;

	r->start++;
	for (;;) {
		size_t avail = fill(r, 12);
		if (avail < 12) {
			r->stats.skipped_bytes += r->base + r->end - from;
			r->start = r->end;
			return false;
		}
		const uint8_t *h = r->buf + r->start;
		if (hdr_strict(r, h)) {
			uint32_t len = be32(h + 8);
			size_t want = 12 + (size_t)len + 12;
			avail = fill(r, want);
			h = r->buf + r->start;
			if (avail == 12 + (size_t)len ||
			    (avail >= want && hdr_strict(r, h + 12 + len))) {
				r->stats.skipped_bytes += r->base + r->start - from;
				return true;
			}
		}
		r->start++;
	}
}

/* ---------------------------------------------------------------- decoders */

static int bad(struct mrt_reader *r, struct lo_err *err, const char *what)
{
	r->stats.errors++;
	return lo_err_set(err, LO_ECORRUPT, r->rec.offset, "%s record (type %u subtype %u): %s",
			  r->rec.type == MRT_T_TABLE_DUMP_V2 ? "TABLE_DUMP_V2"
			  : r->rec.type == MRT_T_TABLE_DUMP  ? "TABLE_DUMP"
			  : r->rec.type == MRT_T_BGP4MP	     ? "BGP4MP"
			  : r->rec.type == MRT_T_BGP4MP_ET   ? "BGP4MP_ET"
			  : r->rec.type == MRT_T_BGP	     ? "BGP"
							     : "MRT",
			  r->rec.type, r->rec.subtype, what);
}

static int read_addr(struct cur *c, uint8_t family, struct bgp_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	return cur_copy(c, a->b, family == 6 ? 16 : 4);
}

static int decode_peer_index(struct mrt_reader *r, struct cur *c, struct lo_err *err)
{
	uint8_t bgp_id[4];
	uint16_t name_len, count;

	if (cur_copy(c, bgp_id, 4) || cur_be16(c, &name_len) || cur_skip(c, name_len) ||
	    cur_be16(c, &count))
		return bad(r, err, "peer index table truncated");
	struct mrt_peer *peers = calloc(count ? count : 1, sizeof(*peers));
	if (!peers)
		return lo_err_set(err, LO_ENOMEM, r->rec.offset, "out of memory");
	for (unsigned i = 0; i < count; i++) {
		uint8_t ptype;
		struct mrt_peer *p = &peers[i];
		if (cur_u8(c, &ptype) || cur_copy(c, p->bgp_id, 4) ||
		    read_addr(c, (ptype & 1) ? 6 : 4, &p->addr)) {
			free(peers);
			return bad(r, err, "peer index table truncated");
		}
		if (ptype & 2) {
			if (cur_be32(c, &p->asn)) {
				free(peers);
				return bad(r, err, "peer index table truncated");
			}
		} else {
			uint16_t a16;
			if (cur_be16(c, &a16)) {
				free(peers);
				return bad(r, err, "peer index table truncated");
			}
			p->asn = a16;
		}
		p->addr_text_len = (uint8_t)bgp_fmt_addr(&p->addr, p->addr_text);
	}
	free(r->peers);
	r->peers = peers;
	r->n_peers = count;
	r->have_peers = true;
	return 0;
}

static int decode_td2_rib(struct mrt_reader *r, struct cur *c, struct lo_err *err)
{
	uint16_t sub = r->rec.subtype;
	uint32_t seq;
	uint16_t count;

	r->rec.addpath = sub >= MRT_TD2_RIB_IPV4_UNICAST_AP;
	if (sub == MRT_TD2_RIB_GENERIC || sub == MRT_TD2_RIB_GENERIC_AP) {
		uint16_t afi;
		uint8_t safi;
		if (cur_be32(c, &seq) || cur_be16(c, &afi) || cur_u8(c, &safi))
			return bad(r, err, "RIB_GENERIC truncated");
		if ((afi != BGP_AFI_IP && afi != BGP_AFI_IP6) || safi < 1 || safi > 2) {
			/* NLRI we cannot decode (VPN, flowspec ...): no elems */
			r->rib_generic_skip = true;
			return 0;
		}
		r->rib_afi = afi;
		r->rib_safi = safi;
		r->rib_family = afi == BGP_AFI_IP6 ? 6 : 4;
		/* RIB_GENERIC_ADDPATH: the path id is per entry (RFC 8050 §4.1) */
		struct cur one = *c;
		int rc = bgp_nlri_next(&one, r->rib_family, false, &r->rib_prefix);
		if (rc <= 0)
			return bad(r, err, "RIB_GENERIC prefix malformed");
		*c = one;
	} else {
		uint8_t family =
			(sub == MRT_TD2_RIB_IPV6_UNICAST || sub == MRT_TD2_RIB_IPV6_MULTICAST ||
			 sub == MRT_TD2_RIB_IPV6_UNICAST_AP || sub == MRT_TD2_RIB_IPV6_MULTICAST_AP)
				? 6
				: 4;
		r->rib_family = family;
		r->rib_afi = family == 6 ? BGP_AFI_IP6 : BGP_AFI_IP;
		r->rib_safi = (sub == MRT_TD2_RIB_IPV4_MULTICAST ||
			       sub == MRT_TD2_RIB_IPV6_MULTICAST ||
			       sub == MRT_TD2_RIB_IPV4_MULTICAST_AP ||
			       sub == MRT_TD2_RIB_IPV6_MULTICAST_AP)
				      ? BGP_SAFI_MULTICAST
				      : BGP_SAFI_UNICAST;
		if (cur_be32(c, &seq))
			return bad(r, err, "RIB record truncated");
		int rc = bgp_nlri_next(c, family, false, &r->rib_prefix);
		if (rc == LO_ECORRUPT)
			return bad(r, err, "RIB prefix length out of range");
		if (rc <= 0)
			return bad(r, err, "RIB record truncated");
	}
	if (cur_be16(c, &count))
		return bad(r, err, "RIB record truncated");
	if (count && !r->have_peers)
		return bad(r, err, "RIB entries without a PEER_INDEX_TABLE before them");
	r->entries_left = count;
	r->list = *c;
	r->phase = PH_DONE; /* entries are iterated separately */
	return 0;
}

/*
 * TABLE_DUMP (v1): view and sequence, then one entry.  Early RIPE RIS dumps
 * (2000) batch many entries of one prefix into a record and leave the 4
 * bytes of view and sequence out of the length; the framing code detects
 * those (rec->batched) and the entries are iterated like TABLE_DUMP_V2's.
 */
static int decode_td1(struct mrt_reader *r, struct cur *c, struct lo_err *err)
{
	uint16_t sub = r->rec.subtype, view, seq;
	uint8_t family = (sub == 2 || sub == 4) ? 6 : 4;

	r->rib_family = family;
	r->rib_afi = family == 6 ? BGP_AFI_IP6 : BGP_AFI_IP;
	r->rib_safi = BGP_SAFI_UNICAST;
	if (cur_be16(c, &view) || cur_be16(c, &seq))
		return bad(r, err, "TABLE_DUMP record truncated");
	r->list = *c;
	r->entries_left = r->rec.batched ? UINT32_MAX : 1;
	r->phase = PH_DONE;
	return 0;
}

static int next_td1_entry(struct mrt_reader *r, const struct mrt_elem **out)
{
	uint16_t sub = r->rec.subtype;
	uint8_t family = r->rib_family;
	unsigned asn_size = (sub == 3 || sub == 4) ? 4 : 2;
	struct cur *c = &r->list;
	struct mrt_elem *e = &r->elem;
	uint8_t mask, status;
	uint32_t orig;
	uint16_t alen;

	if (!r->entries_left || cur_empty(c)) {
		bool extra = !cur_empty(c) && !r->rec.batched;
		r->entries_left = 0;
		if (extra) {
			c->p = c->end;
			r->stats.errors++;
			return LO_ECORRUPT; /* bytes after the entry */
		}
		return 0;
	}
	r->entries_left--;
	memset(&e->prefix, 0, sizeof(e->prefix));
	if (read_addr(c, family, &e->prefix.addr) || cur_u8(c, &mask) || cur_u8(c, &status) ||
	    cur_be32(c, &orig) || read_addr(c, family, &e->peer_addr))
		goto trunc;
	if (mask > (family == 6 ? 128 : 32)) {
		r->entries_left = 0;
		r->stats.errors++;
		return LO_ECORRUPT;
	}
	e->prefix.len = mask;
	if (mask % 8)
		e->prefix.addr.b[mask / 8] &= (uint8_t)(0xff00u >> (mask % 8));
	for (unsigned i = (mask + 7u) / 8u; i < 16; i++)
		e->prefix.addr.b[i] = 0;
	if (asn_size == 4) {
		if (cur_be32(c, &e->peer_asn))
			goto trunc;
	} else {
		uint16_t a;
		if (cur_be16(c, &a))
			goto trunc;
		e->peer_asn = a;
	}
	if (cur_be16(c, &alen))
		goto trunc;
	int rc = 0;
	if (alen > cur_left(c)) {
		/* Attributes run past the record: use what is there, as the
		 * reference decoder does, and report the record. */
		alen = (uint16_t)cur_left(c);
		r->stats.errors++;
		rc = LO_ETRUNC;
	}
	if (bgp_attrs_parse(&r->attrs, c->p, alen, asn_size, BGP_PARSE_MRT_RIB, r->merge_buf,
			    r->merge_cap) < 0 ||
	    r->attrs.n_errors_total)
		r->stats.attr_errors++;
	c->p += alen;
	e->type = MRT_ELEM_RIB;
	e->originated = orig;
	e->attrs = &r->attrs;
	e->afi = r->rib_afi;
	e->safi = BGP_SAFI_UNICAST;
	*out = e;
	r->stats.elems++;
	r->rec.n_elems++;
	r->td1_pending_err = rc;
	return 1;
trunc:
	r->entries_left = 0;
	c->p = c->end;
	r->stats.errors++;
	return LO_ETRUNC;
}

static bool list_addpath(struct mrt_reader *r, const uint8_t *p, size_t len, uint8_t family);

/* Parse an UPDATE body (after the 19-byte header) and set up iteration. */
static int setup_update(struct mrt_reader *r, struct cur *c, unsigned asn_size, struct lo_err *err)
{
	uint16_t wlen, alen;
	int rc = 0;
	unsigned opts = r->rec.addpath ? BGP_PARSE_ADDPATH : 0;

	memset(&r->withdrawn, 0, sizeof(r->withdrawn));
	memset(&r->nlri, 0, sizeof(r->nlri));
	r->withdrawn.family = r->nlri.family = 4;
	r->withdrawn.addpath = r->nlri.addpath = r->rec.addpath;
	if (cur_be16(c, &wlen))
		return bad(r, err, "UPDATE truncated");
	/* Inconsistent lengths leave nothing trustworthy in the message
	 * (RFC 7606 §4 would reset the session): no elems. */
	if (wlen > cur_left(c))
		return bad(r, err, "UPDATE withdrawn routes length runs past the message");
	r->withdrawn.p = c->p;
	r->withdrawn.len = wlen;
	c->p += wlen;
	if (cur_be16(c, &alen)) {
		if (wlen == 0)
			return bad(r, err, "UPDATE truncated");
		alen = 0; /* withdrawals only, attribute length cut off */
		rc = bad(r, err, "UPDATE truncated after the withdrawn routes");
	} else if (alen > cur_left(c)) {
		return bad(r, err, "UPDATE path attributes length runs past the message");
	}
	if (bgp_attrs_parse(&r->attrs, c->p, alen, asn_size, opts, r->merge_buf, r->merge_cap) <
		    0 ||
	    r->attrs.n_errors_total)
		r->stats.attr_errors++;
	c->p += alen;
	r->nlri.p = c->p;
	r->nlri.len = (uint32_t)cur_left(c);
	r->has_update = true;
	r->phase = PH_WITHDRAWN;
	r->list = cur_make(r->withdrawn.p, r->withdrawn.len);
	r->list_family = 4;
	r->list_addpath = list_addpath(r, r->withdrawn.p, r->withdrawn.len, 4);
	r->list_mp = NULL;
	return rc;
}

static int decode_bgp4mp(struct mrt_reader *r, struct cur *c, struct lo_err *err)
{
	uint16_t sub = r->rec.subtype;
	unsigned asn_size;
	uint16_t ifindex, afi;
	struct mrt_record *rec = &r->rec;

	switch (sub) {
	case MRT_BGP4MP_STATE_CHANGE:
	case MRT_BGP4MP_MESSAGE:
	case MRT_BGP4MP_MESSAGE_LOCAL:
	case MRT_BGP4MP_MESSAGE_ADDPATH:
	case MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH:
		asn_size = 2;
		break;
	case MRT_BGP4MP_ENTRY:
	case MRT_BGP4MP_SNAPSHOT:
		return 0; /* deprecated, never seen in archives; no elems */
	default:
		asn_size = 4;
	}
	rec->local = sub == MRT_BGP4MP_MESSAGE_LOCAL || sub == MRT_BGP4MP_MESSAGE_AS4_LOCAL ||
		     sub == MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH ||
		     sub == MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH;
	rec->addpath = sub >= MRT_BGP4MP_MESSAGE_ADDPATH;

	uint32_t as1 = 0, as2 = 0;
	if (asn_size == 4) {
		if (cur_be32(c, &as1) || cur_be32(c, &as2))
			return bad(r, err, "BGP4MP header truncated");
	} else {
		uint16_t a, b;
		if (cur_be16(c, &a) || cur_be16(c, &b))
			return bad(r, err, "BGP4MP header truncated");
		as1 = a;
		as2 = b;
	}
	rec->peer_asn = as1;
	rec->local_asn = as2;
	memset(&rec->peer_addr, 0, sizeof(rec->peer_addr));
	memset(&rec->local_addr, 0, sizeof(rec->local_addr));
	rec->peer_addr.family = rec->local_addr.family = 4;

	bool is_state = sub == MRT_BGP4MP_STATE_CHANGE || sub == MRT_BGP4MP_STATE_CHANGE_AS4;
	if (is_state && rec->length == 8) {
		/* Old Zebra wrote state changes without interface and addresses. */
		uint16_t o = 0, n = 0;
		cur_be16(c, &o);
		cur_be16(c, &n);
		rec->session_afi = BGP_AFI_IP;
		r->elem.type = MRT_ELEM_STATE;
		r->elem.old_state = o;
		r->elem.new_state = n;
		r->entries_left = 1;
		r->phase = PH_DONE;
		return bad(r, err, "8-byte state change without addresses (old Zebra bug)");
	}
	if (cur_be16(c, &ifindex) || cur_be16(c, &afi))
		return bad(r, err, "BGP4MP header truncated");
	rec->session_afi = afi;
	uint8_t marker[16];
	if (afi == BGP_AFI_IP || afi == BGP_AFI_IP6) {
		uint8_t fam = afi == BGP_AFI_IP6 ? 6 : 4;
		if (is_state) {
			size_t want = (size_t)(asn_size * 2 + 4 + (fam == 6 ? 32 : 8) + 4);
			if (rec->length != want)
				return bad(r, err, "state change of wrong length");
		}
		if (read_addr(c, fam, &rec->peer_addr) || read_addr(c, fam, &rec->local_addr))
			return bad(r, err, "BGP4MP header truncated");
		if (is_state) {
			uint16_t o, n;
			if (cur_be16(c, &o) || cur_be16(c, &n))
				return bad(r, err, "state change truncated");
			r->elem.type = MRT_ELEM_STATE;
			r->elem.old_state = o;
			r->elem.new_state = n;
			r->entries_left = 1;
			r->phase = PH_DONE;
			return 0;
		}
		if (cur_copy(c, marker, 16))
			return bad(r, err, "BGP message truncated");
	} else if (afi == 0xffff && ifindex == 0xffff && !is_state) {
		/* Zebra OPEN without interface and addresses: the marker began early. */
		memset(marker, 0xff, 4);
		if (cur_copy(c, marker + 4, 12))
			return bad(r, err, "BGP message truncated");
		rec->session_afi = BGP_AFI_IP;
	} else {
		return bad(r, err, "unsupported address family in BGP4MP header");
	}
	for (int i = 0; i < 16; i++)
		if (marker[i] != 0xff)
			return bad(r, err, "BGP message marker is not all ones");
	uint16_t mlen;
	uint8_t mtype;
	if (cur_be16(c, &mlen) || cur_u8(c, &mtype))
		return bad(r, err, "BGP message truncated");
	rec->msg_type = mtype;
	if (mlen < 19)
		return bad(r, err, "BGP message length below 19");
	int rc = 0;
	size_t body = mlen - 19u;
	if (body > cur_left(c)) {
		rc = bad(r, err, "BGP message longer than its MRT record");
		body = cur_left(c);
	}
	struct cur m;
	cur_sub(c, body, &m);
	if (mtype >= 1 && mtype <= 5)
		r->stats.messages[mtype]++;
	switch (mtype) {
	case BGP_MSG_UPDATE: {
		int urc = setup_update(r, &m, asn_size, err);
		return urc ? urc : rc;
	}
	case BGP_MSG_OPEN:
		if (bgp_open_parse(&rec->msg.open, m.p, cur_left(&m)))
			return bad(r, err, "malformed OPEN message");
		return rc;
	case BGP_MSG_NOTIFICATION:
		if (bgp_notification_parse(&rec->msg.notification, m.p, cur_left(&m)))
			return bad(r, err, "malformed NOTIFICATION message");
		return rc;
	case BGP_MSG_KEEPALIVE:
		if (!cur_empty(&m))
			return bad(r, err, "KEEPALIVE message with a body");
		return rc;
	case BGP_MSG_ROUTE_REFRESH:
		if (bgp_route_refresh_parse(&rec->msg.refresh, m.p, cur_left(&m)))
			return bad(r, err, "malformed ROUTE-REFRESH message");
		return rc;
	case 128: /* pre-standard (Cisco) route refresh */
		return rc;
	default:
		return bad(r, err, "unknown BGP message type");
	}
}

static int decode_bgp_legacy(struct mrt_reader *r, struct cur *c, struct lo_err *err)
{
	struct mrt_record *rec = &r->rec;
	uint16_t a16;

	memset(&rec->peer_addr, 0, sizeof(rec->peer_addr));
	memset(&rec->local_addr, 0, sizeof(rec->local_addr));
	rec->peer_addr.family = rec->local_addr.family = 4;
	rec->session_afi = BGP_AFI_IP;
	switch (rec->subtype) {
	case MRT_BGP_UPDATE:
		if (cur_be16(c, &a16) || cur_copy(c, rec->peer_addr.b, 4))
			return bad(r, err, "BGP update header truncated");
		rec->peer_asn = a16;
		if (cur_be16(c, &a16) || cur_copy(c, rec->local_addr.b, 4))
			return bad(r, err, "BGP update header truncated");
		rec->local_asn = a16;
		rec->msg_type = BGP_MSG_UPDATE;
		return setup_update(r, c, 2, err);
	case MRT_BGP_STATE_CHANGE: {
		uint16_t o, n;
		if (cur_be16(c, &a16) || cur_copy(c, rec->peer_addr.b, 4) || cur_be16(c, &o) ||
		    cur_be16(c, &n))
			return bad(r, err, "BGP state change truncated");
		rec->peer_asn = a16;
		r->elem.type = MRT_ELEM_STATE;
		r->elem.old_state = o;
		r->elem.new_state = n;
		r->entries_left = 1;
		r->phase = PH_DONE;
		return 0;
	}
	default:
		return 0; /* OPEN, NOTIFY, KEEPALIVE, SYNC: no elems */
	}
}

/* ---------------------------------------------------------------- records */

static bool hdr_basic(const uint8_t *h)
{
	uint16_t type = be16(h + 4), sub = be16(h + 6);
	uint32_t len = be32(h + 8);

	return type_known(type) && subtype_known(type, sub) && len > 0 && len <= MRT_MAX_RECORD;
}

/*
 * Is the TABLE_DUMP record at r->start (declared body length @len) one of
 * the batched RIS records whose true length is @len + 4?  Only when the
 * header at the declared end is implausible and the one 4 bytes later is
 * (or the input ends exactly there).
 */
static bool td1_batched(struct mrt_reader *r, uint32_t len)
{
	size_t at = 12 + (size_t)len;
	size_t avail = fill(r, at + 4 + 12);
	const uint8_t *h = r->buf + r->start;

	if (avail == at)
		return false; /* ends exactly at the declared length */
	if (avail >= at + 12 && hdr_basic(h + at))
		return false;
	if (avail == at + 4)
		return true;
	return avail >= at + 4 + 12 && hdr_basic(h + at + 4) &&
	       be16(h + at + 4 + 4) == MRT_T_TABLE_DUMP;
}

int mrt_reader_next(struct mrt_reader *r, const struct mrt_record **out, struct lo_err *err)
{
	struct mrt_record *rec = &r->rec;

	for (;;) {
		size_t avail = fill(r, 12);
		if (avail == 0) {
			if (r->io_rc < 0) {
				if (err)
					*err = r->io_err;
				int rc = r->io_rc;
				r->io_rc = 0;
				return rc;
			}
			return 0;
		}
		uint64_t off = r->base + r->start;
		if (avail < 12) {
			r->start = r->end;
			r->stats.errors++;
			lo_err_set(err, LO_ETRUNC, off,
				   "input ends inside an MRT header (%zu of 12 bytes)", avail);
			if (r->io_rc < 0) {
				lo_err_set(err, LO_ETRUNC, off, "%s; %s", r->io_err.msg,
					   "input ends inside an MRT header");
				r->io_rc = 0;
			}
			return LO_ETRUNC;
		}
		const uint8_t *h = r->buf + r->start;
		uint16_t type = be16(h + 4), sub = be16(h + 6);
		uint32_t len = be32(h + 8);
		if (!type_known(type) || len > MRT_MAX_RECORD || len == 0 ||
		    (type == MRT_T_BGP4MP_ET && len < 4)) {
			r->stats.errors++;
			lo_err_set(err, LO_ECORRUPT, off,
				   "bad MRT header (type %u, subtype %u, length %" PRIu32
				   "); resynchronising",
				   type, sub, len);
			uint64_t before = r->stats.skipped_bytes;
			if (resync(r))
				lo_err_set(err, LO_ECORRUPT, off,
					   "bad MRT header (type %u, subtype %u, length %" PRIu32
					   "); skipped %" PRIu64 " bytes to the next record",
					   type, sub, len, r->stats.skipped_bytes - before);
			else
				lo_err_set(err, LO_ECORRUPT, off,
					   "bad MRT header (type %u, subtype %u, length %" PRIu32
					   "); no further record found",
					   type, sub, len);
			return LO_ECORRUPT;
		}
		avail = fill(r, 12 + (size_t)len);
		h = r->buf + r->start;
		bool batched = false;
		if (type == MRT_T_TABLE_DUMP && avail >= 12 + (size_t)len) {
			batched = td1_batched(r, len);
			if (batched && !r->stats.batched++)
				r->stats.batched_off = off;
			if (batched)
				len += 4;
			avail = fill(r, 12 + (size_t)len); /* fill() may move the buffer */
			h = r->buf + r->start;
		}
		if (avail < 12 + (size_t)len) {
			r->start = r->end;
			r->stats.errors++;
			if (r->io_rc < 0 && r->io_rc != LO_ETRUNC) {
				if (err)
					*err = r->io_err;
				r->io_rc = 0;
				return LO_EIO;
			}
			lo_err_set(err, LO_ETRUNC, off,
				   "MRT record truncated: %zu of %" PRIu32 " bytes present%s%s",
				   avail - 12, len, r->io_rc < 0 ? "; " : "",
				   r->io_rc < 0 ? r->io_err.msg : "");
			r->io_rc = 0;
			return LO_ETRUNC;
		}
		memset(rec, 0, sizeof(*rec));
		rec->offset = off;
		rec->time = be32(h);
		rec->type = type;
		rec->subtype = sub;
		rec->length = len;
		rec->body = h + 12;
		rec->batched = batched;
		r->start += 12 + (size_t)len;
		r->stats.bytes = r->base + r->start;
		r->stats.records++;
		if (type == MRT_T_BGP4MP_ET) {
			rec->usec = be32(h + 12);
			rec->body += 4;
			rec->length -= 4;
		}
		if (!r->have_time || rec->time < r->stats.first_time)
			r->stats.first_time = rec->time;
		if (!r->have_time || rec->time > r->stats.last_time)
			r->stats.last_time = rec->time;
		r->have_time = true;

		/* iterator reset */
		memset(&r->elem, 0, sizeof(r->elem));
		r->elem.time = rec->time;
		r->elem.usec = rec->usec;
		r->phase = PH_DONE;
		r->entries_left = 0;
		r->has_update = false;
		r->rib_generic_skip = false;
		r->td1_pending_err = 0;

		struct cur c = cur_make(rec->body, rec->length);
		int rc = 0;
		switch (type) {
		case MRT_T_TABLE_DUMP:
			rc = decode_td1(r, &c, err);
			break;
		case MRT_T_TABLE_DUMP_V2:
			if (sub == MRT_TD2_PEER_INDEX)
				rc = decode_peer_index(r, &c, err);
			else if (subtype_known(type, sub))
				rc = decode_td2_rib(r, &c, err);
			else
				rc = bad(r, err, "unknown TABLE_DUMP_V2 subtype");
			break;
		case MRT_T_BGP4MP:
		case MRT_T_BGP4MP_ET:
			rc = decode_bgp4mp(r, &c, err);
			break;
		case MRT_T_BGP:
			rc = decode_bgp_legacy(r, &c, err);
			break;
		default:
			break; /* OSPF, IS-IS: framed but not decoded */
		}
		if (rc == 0 || rc == LO_ECORRUPT) {
			if (type != MRT_T_TABLE_DUMP) {
				r->elem.peer_addr = rec->peer_addr;
				r->elem.peer_asn = rec->peer_asn;
			}
			*out = rec;
			/* A record that was partly decoded still yields its elems. */
			if (rc < 0 && r->phase == PH_DONE && r->entries_left == 0 && !r->has_update)
				return rc;
			rec->damaged = rc;
			return 1;
		}
		return rc;
	}
}

/* ---------------------------------------------------------------- elems */

static bool nlri_valid(const uint8_t *p, size_t len, uint8_t family, bool addpath)
{
	struct cur c = cur_make(p, len);
	struct bgp_prefix pfx;
	int rc;

	while ((rc = bgp_nlri_next(&c, family, addpath, &pfx)) == 1)
		;
	return rc == 0;
}

/*
 * Some producers (BIRD 1.6's MRT dumps) write ADD-PATH NLRI into records of
 * the plain subtypes.  When a list does not parse as declared but parses
 * cleanly with path identifiers, decode it with them and count it.
 */
static bool list_addpath(struct mrt_reader *r, const uint8_t *p, size_t len, uint8_t family)
{
	if (r->rec.addpath || len == 0)
		return r->rec.addpath;
	if (nlri_valid(p, len, family, false) || !nlri_valid(p, len, family, true))
		return false;
	if (!r->stats.addpath_guessed++)
		r->stats.addpath_guessed_off = r->rec.offset;
	return true;
}

static bool next_list(struct mrt_reader *r)
{
	while (++r->phase < PH_DONE) {
		const struct bgp_mp *mp = NULL;
		if (r->phase >= PH_MP_UNREACH && r->phase < PH_NLRI) {
			int k = r->phase - PH_MP_UNREACH;
			mp = &r->attrs.mp_unreach[1 + k / 3][1 + k % 3];
		} else if (r->phase == PH_NLRI) {
			r->list = cur_make(r->nlri.p, r->nlri.len);
			r->list_family = 4;
			r->list_mp = NULL;
			r->list_addpath = list_addpath(r, r->nlri.p, r->nlri.len, 4);
			return true;
		} else if (r->phase >= PH_MP_REACH) {
			int k = r->phase - PH_MP_REACH;
			mp = &r->attrs.mp_reach[1 + k / 3][1 + k % 3];
		}
		if (mp && mp->present && mp->nlri.len) {
			r->list = cur_make(mp->nlri.p, mp->nlri.len);
			r->list_family = mp->nlri.family;
			r->list_mp = mp;
			r->list_addpath =
				list_addpath(r, mp->nlri.p, mp->nlri.len, mp->nlri.family);
			return true;
		}
	}
	return false;
}

static int next_td2_entry(struct mrt_reader *r, const struct mrt_elem **out)
{
	struct cur *c = &r->list;

	while (r->entries_left) {
		uint16_t idx, alen;
		uint32_t orig, path_id = 0;
		r->entries_left--;
		if (cur_be16(c, &idx) || cur_be32(c, &orig) ||
		    (r->rec.addpath && cur_be32(c, &path_id)) || cur_be16(c, &alen) ||
		    cur_left(c) < alen) {
			r->entries_left = 0;
			r->stats.errors++;
			return LO_ETRUNC;
		}
		const uint8_t *attrs = c->p;
		c->p += alen;
		if (idx >= r->n_peers) {
			r->stats.errors++;
			return LO_ECORRUPT;
		}
		if (r->rib_generic_skip)
			continue;
		if (bgp_attrs_parse(&r->attrs, attrs, alen, 4, BGP_PARSE_MRT_RIB, NULL, 0) < 0 ||
		    r->attrs.n_errors_total)
			r->stats.attr_errors++;
		struct mrt_elem *e = &r->elem;
		e->type = MRT_ELEM_RIB;
		e->peer = &r->peers[idx];
		e->peer_addr = r->peers[idx].addr;
		e->peer_asn = r->peers[idx].asn;
		e->prefix = r->rib_prefix;
		e->prefix.has_path_id = r->rec.addpath;
		e->prefix.path_id = path_id;
		e->originated = orig;
		e->attrs = &r->attrs;
		e->afi = r->rib_afi;
		e->safi = r->rib_safi;
		*out = e;
		r->stats.elems++;
		r->rec.n_elems++;
		return 1;
	}
	return 0;
}

int mrt_record_next_elem(struct mrt_reader *r, const struct mrt_elem **out)
{
	struct mrt_elem *e = &r->elem;

	if (r->rec.type == MRT_T_TABLE_DUMP_V2)
		return next_td2_entry(r, out);
	if (r->rec.type == MRT_T_TABLE_DUMP) {
		if (r->td1_pending_err) {
			int rc = r->td1_pending_err;
			r->td1_pending_err = 0;
			return rc;
		}
		return next_td1_entry(r, out);
	}
	if (!r->has_update) {
		if (r->entries_left) {
			r->entries_left = 0;
			*out = e;
			r->stats.elems++;
			r->rec.n_elems++;
			return 1;
		}
		return 0;
	}
	for (;;) {
		if (r->phase >= PH_DONE)
			return 0;
		int rc = bgp_nlri_next(&r->list, r->list_family, r->list_addpath, &e->prefix);
		if (rc == 1) {
			bool withdraw = r->phase < PH_NLRI;
			e->type = withdraw ? MRT_ELEM_WITHDRAW : MRT_ELEM_ANNOUNCE;
			e->attrs = &r->attrs;
			e->mp = r->list_mp;
			e->nh_src = withdraw ? MRT_NH_NONE : r->list_mp ? MRT_NH_MP : MRT_NH_ATTR;
			e->afi = r->list_mp ? r->list_mp->afi : BGP_AFI_IP;
			e->safi = r->list_mp ? r->list_mp->safi : BGP_SAFI_UNICAST;
			*out = e;
			r->stats.elems++;
			r->rec.n_elems++;
			return 1;
		}
		if (rc < 0) {
			r->stats.errors++;
			if (!next_list(r))
				r->phase = PH_DONE;
			return rc;
		}
		if (!next_list(r)) {
			r->phase = PH_DONE;
			return 0;
		}
	}
}
