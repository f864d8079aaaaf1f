/*
 * DOC: msg.c — BMP framing and message decoding (RFC 7854 §4, RFC 8671 §4,
 * RFC 9069 §4-5).
 *
 * bmp_next() checks the common header (§4.1) as soon as its bytes are
 * there — version 3, a length between 6 and the stream's cap — and hands a
 * whole message to bmp_decode().  Framing errors are sticky; body errors
 * are per message.  Every read goes through struct cur; decoded messages
 * borrow the input.  The BGP PDUs inside (OPEN, NOTIFICATION, UPDATE) are
 * checked for a valid BGP header; OPEN and NOTIFICATION are decoded with
 * src/bgp, the UPDATE only as far as its framing and address families.
 *
 * Not here: BMP v4 TLVs after the Route Monitoring PDU (ignored as
 * trailing bytes), the routes inside the UPDATE (src/mrt does those).
 */
#include "bmp/bmp.h"

#include <stdio.h>
#include <string.h>

#define BGP_HDR_LEN 19

static const char *const type_names[BMP_MSG_TYPES] = {
	"route-monitoring", "statistics-report", "peer-down",	    "peer-up",
	"initiation",	    "termination",	 "route-mirroring",
};

const char *bmp_msg_type_name(unsigned type)
{
	return type < BMP_MSG_TYPES ? type_names[type] : "unknown";
}

const struct bmp_tlv *bmp_tlv_find(const struct bmp_tlvs *t, uint16_t type)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->v[i].type == type)
			return &t->v[i];
	return NULL;
}

/* ---------------------------------------------------------------- helpers */

/* cur_be64() from two checked halves (gcc cannot see through the inline one) */
static int get_be64(struct cur *c, uint64_t *v)
{
	uint32_t hi = 0, lo = 0;
	if (cur_be32(c, &hi) || cur_be32(c, &lo))
		return LO_ETRUNC;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

struct dec {
	const uint8_t *base; /* the message start, for offsets */
	uint64_t offset;     /* stream offset of base */
	struct bmp_msg *m;
	struct lo_err *err;
};

static int fail(struct dec *d, int code, const uint8_t *at, const char *what)
{
	uint64_t off = d->offset + (uint64_t)(at ? at - d->base : 0);
	return lo_err_set(d->err, code, off, "BMP %s: %s", bmp_msg_type_name(d->m->type), what);
}

/* TLVs of a 2-byte type and 2-byte length up to the end of @c. */
static int parse_tlvs(struct dec *d, struct cur *c, struct bmp_tlvs *t)
{
	memset(t, 0, sizeof(*t));
	while (!cur_empty(c)) {
		const uint8_t *at = c->p;
		uint16_t type, len;
		const uint8_t *v;
		if (cur_be16(c, &type) || cur_be16(c, &len))
			return fail(d, LO_ETRUNC, at, "TLV header truncated");
		if (cur_bytes(c, len, &v))
			return fail(d, LO_ECORRUPT, at, "TLV runs past the end of the message");
		if (t->n < BMP_MAX_TLVS) {
			t->v[t->n].type = type;
			t->v[t->n].len = len;
			t->v[t->n].value = v;
			t->n++;
		} else if (t->dropped < UINT16_MAX) {
			t->dropped++;
		}
	}
	return 0;
}

/*
 * A BGP message at @c: the marker, a length of at least @min within what is
 * left, and type @type.  Borrows the whole message (header included).
 */
static int bgp_pdu(struct dec *d, struct cur *c, unsigned type, unsigned min, const uint8_t **pdu,
		   uint16_t *len, const char *what)
{
	const uint8_t *at = c->p;
	uint16_t mlen;
	uint8_t mtype;
	char msg[96];

	if (cur_left(c) < BGP_HDR_LEN) {
		snprintf(msg, sizeof(msg), "%s truncated", what);
		return fail(d, LO_ETRUNC, at, msg);
	}
	for (int i = 0; i < 16; i++) {
		if (at[i] != 0xff) {
			snprintf(msg, sizeof(msg), "%s: BGP marker is not all ones", what);
			return fail(d, LO_ECORRUPT, at, msg);
		}
	}
	if (cur_skip(c, 16) || cur_be16(c, &mlen) || cur_u8(c, &mtype))
		return fail(d, LO_ETRUNC, at, "BGP header truncated");
	if (mtype != type) {
		snprintf(msg, sizeof(msg), "%s: BGP message type %u", what, mtype);
		return fail(d, LO_ECORRUPT, at, msg);
	}
	if (mlen < min) {
		snprintf(msg, sizeof(msg), "%s: BGP length %u below %u", what, mlen, min);
		return fail(d, LO_ECORRUPT, at, msg);
	}
	if (cur_skip(c, mlen - BGP_HDR_LEN)) {
		snprintf(msg, sizeof(msg), "%s: BGP length %u runs past the message", what, mlen);
		return fail(d, LO_ETRUNC, at, msg);
	}
	*pdu = at;
	*len = mlen;
	return 0;
}

static int parse_peer_hdr(struct dec *d, struct cur *c, struct bmp_peer_hdr *h)
{
	const uint8_t *at = c->p;
	uint8_t addr[16];

	memset(h, 0, sizeof(*h));
	if (cur_u8(c, &h->type) || cur_u8(c, &h->flags) || cur_copy(c, h->rd, 8) ||
	    cur_copy(c, addr, 16) || cur_be32(c, &h->asn) || cur_copy(c, h->bgp_id, 4) ||
	    cur_be32(c, &h->ts_sec) || cur_be32(c, &h->ts_usec))
		return fail(d, LO_ETRUNC, at, "per-peer header truncated");
	if (h->type > BMP_PEER_LOC_RIB)
		return fail(d, LO_EUNSUP, at, "unknown peer type");
	if (h->type != BMP_PEER_LOC_RIB && (h->flags & BMP_PF_V)) {
		h->addr.family = 6;
		memcpy(h->addr.b, addr, 16);
	} else {
		/* IPv4 in the last 4 bytes; the Loc-RIB peer's is zero-filled */
		h->addr.family = 4;
		memcpy(h->addr.b, addr + 12, 4);
	}
	d->m->has_peer = true;
	return 0;
}

/* ---------------------------------------------------------------- bodies */

static int dec_init(struct dec *d, struct cur *c)
{
	return parse_tlvs(d, c, &d->m->u.init.tlvs);
}

static int dec_term(struct dec *d, struct cur *c)
{
	struct bmp_term *t = &d->m->u.term;
	int rc = parse_tlvs(d, c, &t->tlvs);

	t->reason = -1;
	if (rc)
		return rc;
	for (unsigned i = 0; i < t->tlvs.n; i++) {
		const struct bmp_tlv *v = &t->tlvs.v[i];
		if (v->type != BMP_TLV_REASON)
			continue;
		if (v->len != 2)
			return fail(d, LO_ECORRUPT, v->value, "reason TLV not 2 bytes long");
		t->reason = (int32_t)((unsigned)v->value[0] << 8 | v->value[1]);
	}
	return 0;
}

static int dec_peer_up(struct dec *d, struct cur *c)
{
	struct bmp_peer_up *u = &d->m->u.up;
	const uint8_t *at = c->p;
	uint8_t addr[16];
	int rc;

	memset(u, 0, sizeof(*u));
	if (cur_copy(c, addr, 16) || cur_be16(c, &u->local_port) || cur_be16(c, &u->remote_port))
		return fail(d, LO_ETRUNC, at, "local address and ports truncated");
	if (d->m->peer.addr.family == 6) {
		u->local_addr.family = 6;
		memcpy(u->local_addr.b, addr, 16);
	} else {
		u->local_addr.family = 4;
		memcpy(u->local_addr.b, addr + 12, 4);
	}
	/* an OPEN is at least 29 bytes: header, version, AS, hold, id, length */
	at = c->p;
	rc = bgp_pdu(d, c, BGP_MSG_OPEN, 29, &u->sent_pdu, &u->sent_len, "sent OPEN");
	if (rc)
		return rc;
	if (bgp_open_parse(&u->sent, u->sent_pdu + BGP_HDR_LEN, u->sent_len - BGP_HDR_LEN))
		return fail(d, LO_ECORRUPT, at, "sent OPEN malformed");
	at = c->p;
	rc = bgp_pdu(d, c, BGP_MSG_OPEN, 29, &u->recv_pdu, &u->recv_len, "received OPEN");
	if (rc)
		return rc;
	if (bgp_open_parse(&u->recv, u->recv_pdu + BGP_HDR_LEN, u->recv_len - BGP_HDR_LEN))
		return fail(d, LO_ECORRUPT, at, "received OPEN malformed");
	return parse_tlvs(d, c, &u->tlvs);
}

static int dec_peer_down(struct dec *d, struct cur *c)
{
	struct bmp_peer_down *p = &d->m->u.down;
	const uint8_t *at = c->p;
	int rc;

	memset(p, 0, sizeof(*p));
	if (cur_u8(c, &p->reason))
		return fail(d, LO_ETRUNC, at, "reason missing");
	switch (p->reason) {
	case BMP_DOWN_LOCAL_NOTIFY:
	case BMP_DOWN_REMOTE_NOTIFY: {
		uint16_t len;
		at = c->p;
		/* a NOTIFICATION is at least 21 bytes: header, code, subcode */
		rc = bgp_pdu(d, c, BGP_MSG_NOTIFICATION, 21, &p->pdu, &len, "NOTIFICATION");
		if (rc)
			return rc;
		p->pdu_len = len;
		if (bgp_notification_parse(&p->notification, p->pdu + BGP_HDR_LEN,
					   len - BGP_HDR_LEN))
			return fail(d, LO_ECORRUPT, at, "NOTIFICATION malformed");
		return 0;
	}
	case BMP_DOWN_LOCAL_FSM:
		if (cur_be16(c, &p->fsm_event))
			return fail(d, LO_ETRUNC, at, "FSM event code missing");
		return 0;
	case BMP_DOWN_LOCAL_TLV:
		return parse_tlvs(d, c, &p->tlvs);
	default:
		/* 4, 5 carry no data; unknown reasons still mean "down" */
		p->pdu = c->p;
		p->pdu_len = (uint32_t)cur_left(c);
		return 0;
	}
}

/*
 * Route Monitoring: the UPDATE's framing (RFC 4271 §4.3), and where its
 * prefix lists are, with the AFI/SAFI of its MP attributes (RFC 4760).
 */
static int mp_attr(struct dec *d, const uint8_t *at, struct cur *v, uint8_t type)
{
	struct bmp_route_mon *rm = &d->m->u.rm;
	uint16_t afi;
	uint8_t safi, nhlen;

	if (cur_be16(v, &afi) || cur_u8(v, &safi))
		return fail(d, LO_ECORRUPT, at, "UPDATE MP attribute truncated");
	if (type == BGP_ATTR_MP_UNREACH) {
		rm->unreach_afi = afi;
		rm->unreach_safi = safi;
		rm->unreach.p = v->p;
		rm->unreach.len = (uint16_t)cur_left(v);
		return 0;
	}
	/* next hop, one reserved byte, then the NLRI */
	if (cur_u8(v, &nhlen) || cur_skip(v, nhlen) || cur_skip(v, 1))
		return fail(d, LO_ECORRUPT, at, "UPDATE MP_REACH_NLRI next hop truncated");
	rm->reach_afi = afi;
	rm->reach_safi = safi;
	rm->reach.p = v->p;
	rm->reach.len = (uint16_t)cur_left(v);
	return 0;
}

static int dec_route_mon(struct dec *d, struct cur *c)
{
	struct bmp_route_mon *rm = &d->m->u.rm;
	const uint8_t *at = c->p;
	uint16_t wlen, alen;
	bool other_attrs = false;
	struct cur u, attrs;
	int rc;

	memset(rm, 0, sizeof(*rm));
	/* an UPDATE is at least 23 bytes: header, two empty length fields */
	rc = bgp_pdu(d, c, BGP_MSG_UPDATE, 23, &rm->pdu, &rm->pdu_len, "UPDATE");
	if (rc)
		return rc;
	rm->trailing = (uint32_t)cur_left(c);
	u = cur_make(rm->pdu + BGP_HDR_LEN, rm->pdu_len - BGP_HDR_LEN);
	rm->withdrawn.p = u.p + 2;
	if (cur_be16(&u, &wlen) || cur_skip(&u, wlen))
		return fail(d, LO_ECORRUPT, at,
			    "UPDATE withdrawn routes length runs past the message");
	rm->withdrawn.len = wlen;
	if (cur_be16(&u, &alen) || cur_sub(&u, alen, &attrs))
		return fail(d, LO_ECORRUPT, at,
			    "UPDATE path attributes length runs past the message");
	rm->nlri.p = u.p;
	rm->nlri.len = (uint16_t)cur_left(&u);
	while (!cur_empty(&attrs)) {
		const uint8_t *aat = attrs.p;
		uint8_t flags, type;
		uint16_t len;
		struct cur v;
		if (cur_u8(&attrs, &flags) || cur_u8(&attrs, &type))
			return fail(d, LO_ECORRUPT, aat, "UPDATE attribute header truncated");
		if (flags & BGP_ATTR_FLAG_EXTLEN) {
			if (cur_be16(&attrs, &len))
				return fail(d, LO_ECORRUPT, aat,
					    "UPDATE attribute header truncated");
		} else {
			uint8_t l8;
			if (cur_u8(&attrs, &l8))
				return fail(d, LO_ECORRUPT, aat,
					    "UPDATE attribute header truncated");
			len = l8;
		}
		if (cur_sub(&attrs, len, &v))
			return fail(d, LO_ECORRUPT, aat, "UPDATE attribute runs past its block");
		if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH) {
			if ((type == BGP_ATTR_MP_REACH ? rm->reach_afi : rm->unreach_afi) != 0)
				return fail(d, LO_ECORRUPT, aat,
					    "UPDATE with a repeated MP attribute");
			rc = mp_attr(d, aat, &v, type);
			if (rc)
				return rc;
		} else {
			other_attrs = true;
		}
	}
	/* RFC 4724 §2: an empty UPDATE, or one with only an empty MP_UNREACH */
	rm->eor = !rm->withdrawn.len && !rm->nlri.len && !rm->reach_afi && !other_attrs &&
		  !rm->unreach.len;
	return 0;
}

static int dec_stats(struct dec *d, struct cur *c)
{
	struct bmp_stats *s = &d->m->u.stats;
	const uint8_t *at = c->p;
	uint32_t count;

	memset(s, 0, sizeof(*s));
	if (cur_be32(c, &count))
		return fail(d, LO_ETRUNC, at, "statistics count missing");
	for (uint32_t i = 0; i < count; i++) {
		struct bmp_stat st;
		struct cur v;
		at = c->p;
		memset(&st, 0, sizeof(st));
		if (cur_be16(c, &st.type) || cur_be16(c, &st.len))
			return fail(d, LO_ETRUNC, at, "statistic header truncated");
		if (cur_sub(c, st.len, &v))
			return fail(d, LO_ECORRUPT, at,
				    "statistic runs past the end of the message");
		st.raw = v.p;
		unsigned want;
		switch (st.type) {
		case BMP_STAT_ADJ_RIB_IN:
		case BMP_STAT_LOC_RIB:
		case BMP_STAT_ADJ_RIB_OUT_PRE:
		case BMP_STAT_ADJ_RIB_OUT_POST:
			want = 8;
			break;
		case BMP_STAT_ADJ_RIB_IN_AFI:
		case BMP_STAT_LOC_RIB_AFI:
		case BMP_STAT_ADJ_RIB_OUT_PRE_AFI:
		case BMP_STAT_ADJ_RIB_OUT_POST_AFI:
			want = 11;
			break;
		default:
			want = st.type <= BMP_STAT_ADJ_RIB_OUT_POST_AFI ? 4 : st.len;
		}
		if (st.len != want)
			return fail(d, LO_ECORRUPT, at,
				    "statistic of the wrong length for its type");
		uint32_t v32 = 0;
		st.kind = BMP_STAT_RAW;
		if (st.len == 4 && !cur_be32(&v, &v32)) {
			st.kind = BMP_STAT_COUNTER;
			st.value = v32;
		} else if (st.len == 8 && !get_be64(&v, &st.value)) {
			st.kind = BMP_STAT_GAUGE;
		} else if (st.len == 11 && !cur_be16(&v, &st.afi) && !cur_u8(&v, &st.safi) &&
			   !get_be64(&v, &st.value)) {
			st.kind = BMP_STAT_AFI_GAUGE;
		}
		if (s->n < BMP_MAX_STATS)
			s->v[s->n++] = st;
		else
			s->dropped++;
		s->count++;
	}
	if (!cur_empty(c))
		return fail(d, LO_ECORRUPT, c->p, "bytes after the last statistic");
	return 0;
}

static int dec_mirror(struct dec *d, struct cur *c)
{
	struct bmp_mirror *mr = &d->m->u.mirror;
	struct cur w = *c; /* all TLVs again (not only the kept ones) for the counts */
	int rc;

	rc = parse_tlvs(d, c, &mr->tlvs);
	mr->n_pdus = 0;
	mr->pdu = NULL;
	mr->pdu_len = 0;
	mr->info = -1;
	if (rc)
		return rc;
	while (!cur_empty(&w)) {
		uint16_t type, len;
		const uint8_t *v;
		if (cur_be16(&w, &type) || cur_be16(&w, &len) || cur_bytes(&w, len, &v))
			break; /* cannot happen: parse_tlvs checked the framing */
		if (type == BMP_MIRROR_BGP) {
			/* the PDU must be one whole BGP message of any type */
			if (len < BGP_HDR_LEN || ((unsigned)v[16] << 8 | v[17]) != len)
				return fail(d, LO_ECORRUPT, v,
					    "mirrored BGP message of a wrong length");
			for (int i = 0; i < 16; i++)
				if (v[i] != 0xff)
					return fail(d, LO_ECORRUPT, v,
						    "mirrored BGP marker is not all ones");
			if (!mr->n_pdus) {
				mr->pdu = v;
				mr->pdu_len = len;
			}
			mr->n_pdus++;
		} else if (type == BMP_MIRROR_INFO) {
			if (len != 2)
				return fail(d, LO_ECORRUPT, v,
					    "mirroring information TLV not 2 bytes long");
			mr->info = (int32_t)((unsigned)v[0] << 8 | v[1]);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- decode */

int bmp_decode(const uint8_t *p, size_t len, struct bmp_msg *m, struct lo_err *err)
{
	struct dec d = {.base = p, .offset = m->offset, .m = m, .err = err};
	struct cur c = cur_make(p, len);
	uint8_t version;
	int rc;

	m->has_peer = false;
	m->error = 0;
	m->length = 0;
	m->body = NULL;
	m->body_len = 0;
	if (cur_u8(&c, &version) || cur_be32(&c, &m->length) || cur_u8(&c, &m->type)) {
		m->type = 0xff;
		return m->error = fail(&d, LO_ETRUNC, p, "common header truncated");
	}
	if (version != BMP_VERSION)
		return m->error = fail(&d, LO_ECORRUPT, p, "version is not 3");
	if (m->length != len)
		return m->error = fail(&d, LO_ECORRUPT, p + 1,
				       "length field disagrees with the buffer");
	m->body = c.p;
	m->body_len = (uint32_t)cur_left(&c);

	switch (m->type) {
	case BMP_MSG_INITIATION:
		rc = dec_init(&d, &c);
		break;
	case BMP_MSG_TERMINATION:
		rc = dec_term(&d, &c);
		break;
	case BMP_MSG_ROUTE_MONITORING:
	case BMP_MSG_STATS:
	case BMP_MSG_PEER_DOWN:
	case BMP_MSG_PEER_UP:
	case BMP_MSG_ROUTE_MIRRORING:
		rc = parse_peer_hdr(&d, &c, &m->peer);
		if (rc)
			break;
		if (m->type == BMP_MSG_ROUTE_MONITORING)
			rc = dec_route_mon(&d, &c);
		else if (m->type == BMP_MSG_STATS)
			rc = dec_stats(&d, &c);
		else if (m->type == BMP_MSG_PEER_DOWN)
			rc = dec_peer_down(&d, &c);
		else if (m->type == BMP_MSG_PEER_UP)
			rc = dec_peer_up(&d, &c);
		else
			rc = dec_mirror(&d, &c);
		break;
	default:
		rc = lo_err_set(err, LO_EUNSUP, m->offset, "BMP message type %u ignored", m->type);
	}
	return m->error = rc;
}

/* ---------------------------------------------------------------- stream */

void bmp_stream_init(struct bmp_stream *s, uint32_t max_msg)
{
	memset(s, 0, sizeof(*s));
	if (max_msg == 0)
		max_msg = BMP_MAX_MSG;
	if (max_msg > BMP_MAX_MSG_LIMIT)
		max_msg = BMP_MAX_MSG_LIMIT;
	if (max_msg < BMP_HDR_LEN)
		max_msg = BMP_HDR_LEN;
	s->max_msg = max_msg;
	s->need = BMP_HDR_LEN;
}

static int dead(struct bmp_stream *s, int code, struct lo_err *err, const char *fmt, unsigned v)
{
	s->dead = code;
	return lo_err_set(err, code, s->offset, fmt, v);
}

int bmp_next(struct bmp_stream *s, const uint8_t *buf, size_t len, size_t *used,
	     struct bmp_msg *out, struct lo_err *err)
{
	struct cur c = cur_make(buf, len);
	uint8_t version;
	uint32_t mlen;

	*used = 0;
	if (s->dead)
		return lo_err_set(err, s->dead, s->offset, "BMP stream already failed");
	if (cur_u8(&c, &version)) {
		s->need = BMP_HDR_LEN;
		return LO_EAGAIN;
	}
	/* checked before the rest arrives: a BMP stream cannot resynchronise */
	if (version != BMP_VERSION)
		return dead(s, LO_ECORRUPT, err, "BMP framing: version %u, expected 3", version);
	if (cur_be32(&c, &mlen)) {
		s->need = BMP_HDR_LEN;
		return LO_EAGAIN;
	}
	if (mlen < BMP_HDR_LEN)
		return dead(s, LO_ECORRUPT, err, "BMP framing: message length %u below 6", mlen);
	if (mlen > s->max_msg)
		return dead(s, LO_ETOOBIG, err, "BMP framing: message length %u above the cap",
			    mlen);
	if (len < mlen) {
		s->need = mlen;
		return LO_EAGAIN;
	}
	out->offset = s->offset;
	int rc = bmp_decode(buf, mlen, out, err);
	*used = mlen;
	s->offset += mlen;
	s->need = BMP_HDR_LEN;
	s->stats.bytes += mlen;
	s->stats.messages++;
	if (rc == LO_EUNSUP)
		s->stats.unknown++;
	else if (rc)
		s->stats.malformed++;
	else
		s->stats.by_type[out->type]++;
	return 1;
}

int bmp_stream_end(const struct bmp_stream *s, size_t pending, struct lo_err *err)
{
	if (s->dead)
		return s->dead;
	if (pending)
		return lo_err_set(err, LO_ETRUNC, s->offset,
				  "BMP stream ended inside a message (%zu bytes of it)", pending);
	return 0;
}
