/*
 * DOC: RFC 7606 classification of received UPDATE messages.
 *
 * peer_update_check() walks one UPDATE with struct cur and the NLRI decoder
 * of src/bgp (bgp_nlri_next), and decides which of RFC 7606's approaches
 * applies.  Every error found is counted; the strongest approach wins
 * (§3h).  What gives which verdict:
 *
 * session reset (UPDATE Message Error sent):
 *   - Withdrawn Routes Length or Total Path Attribute Length running past
 *     the message (§3b: Malformed Attribute List);
 *   - a withdrawn route or NLRI that cannot be parsed: prefix longer than
 *     32 bits, or running past the field (§3i, §3j, §5.3: Invalid Network
 *     Field);
 *   - MP_REACH_NLRI / MP_UNREACH_NLRI twice (§3g: Malformed Attribute List),
 *     with wrong flags (§5.3: Attribute Flags Error), shorter than 5 / 3
 *     octets, a next hop length that does not fit the AFI, or NLRI that
 *     cannot be parsed (§5.3, §7.11, RFC 4760 §7: Optional Attribute Error);
 *     we do not implement "AFI/SAFI disable";
 *   - any treat-as-withdraw error in an UPDATE that announces nothing (no
 *     NLRI, no MP_REACH_NLRI) but carries attributes other than
 *     MP_UNREACH_NLRI (§5.2), with the subcode of that error.
 * treat-as-withdraw:
 *   - attribute framing lost: fewer than 3 (4) octets left for an attribute
 *     header, or an attribute running past the Total Path Attribute Length
 *     (§4; the NLRI field is still found by the total length);
 *   - ORIGIN (length 1, value 0..2), AS_PATH (segment types 1..4, no empty
 *     segment, no overrun / underrun; confederation segments from an
 *     external peer, RFC 5065 §5), NEXT_HOP (length 4), MULTI_EXIT_DISC
 *     (length 4), LOCAL_PREF from an internal peer (length 4), COMMUNITIES
 *     (non-zero multiple of 4), ORIGINATOR_ID and CLUSTER_LIST from an
 *     internal peer, EXTENDED COMMUNITIES (multiple of 8), IPv6 extended
 *     communities (multiple of 20), LARGE_COMMUNITY (multiple of 12, RFC
 *     8092 §6) — malformed, or with Optional / Transitive flags that
 *     contradict the attribute (§3c, §3e, §7);
 *   - a missing well-known mandatory attribute when the UPDATE announces
 *     routes: ORIGIN and AS_PATH, NEXT_HOP when the NLRI field is not
 *     empty (§3d; LOCAL_PREF is not required);
 *   - an unrecognized attribute flagged well-known (RFC 4271 §6.3 says
 *     session reset with Unrecognized Well-known Attribute; we follow RFC
 *     7606's preference for treat-as-withdraw here, as BIRD does).
 * attribute discard:
 *   - ATOMIC_AGGREGATE (length 0), AGGREGATOR (6 or 8 octets by the
 *     session's AS size) malformed or with wrong flags (§3f, §7.6, §7.7);
 *   - LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST from an external peer
 *     (§7.5, §7.9, §7.10);
 *   - AS4_PATH, AS4_AGGREGATOR malformed on a 2-octet session (RFC 6793
 *     §6); on a 4-octet session they are ignored without counting;
 *   - the second and later occurrences of any other attribute (§3g).
 *
 * Not checked: the semantics of NEXT_HOP (RFC 4271 §6.3 "SHOULD be
 * ignored", a collector takes routes from multihop sessions), the leftmost
 * AS of the path (RFC 4271 §6.3 MAY; route servers do not prepend theirs),
 * the Partial bit, NLRI of families other than IPv4/IPv6 unicast and
 * multicast (other_family is set; their MP attributes are only framed).
 */
#include "peer/peer_int.h"

#include <stdio.h>

struct chk {
	const uint8_t *msg;
	const struct peer_update_ctx *ctx;
	struct peer_update_info *out;
};

static void note(struct chk *k, enum peer_verdict v, uint8_t sub, uint8_t type, size_t off,
		 const uint8_t *data, size_t dlen, bool discard_bit, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));

/*
 * note() - record one error.  The strongest verdict wins; among equals the
 * first found names the reason.
 */
static void note(struct chk *k, enum peer_verdict v, uint8_t sub, uint8_t type, size_t off,
		 const uint8_t *data, size_t dlen, bool discard_bit, const char *fmt, ...)
{
	struct peer_update_info *o = k->out;
	va_list ap;

	if (o->n_errors < UINT16_MAX)
		o->n_errors++;
	if (v == PEER_VERDICT_ATTR_DISCARD && discard_bit)
		o->discard[type / 32] |= 1u << (type % 32);
	if (v <= o->verdict)
		return;
	o->verdict = v;
	o->code = PEER_ERR_UPDATE;
	o->subcode = sub;
	o->err_type = type;
	o->err_offset = (uint32_t)off;
	o->data = data;
	o->data_len = (uint16_t)(dlen > UINT16_MAX ? UINT16_MAX : dlen);
	va_start(ap, fmt);
	vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
	va_end(ap);
}

/*
 * Walk an NLRI list; count prefixes in *@count.  Returns 0, or the
 * bgp_nlri_next() error with *@bad_len the offending prefix length (or -1
 * when the list ended inside a prefix) and *@at its offset in the list.
 */
static int walk_nlri(struct cur c, uint8_t family, bool addpath, uint32_t *count, int *bad_len,
		     size_t *at)
{
	const uint8_t *start = c.p;
	struct bgp_prefix pfx;
	int rc;

	for (;;) {
		const uint8_t *here = c.p;
		rc = bgp_nlri_next(&c, family, addpath, &pfx);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			size_t skip = addpath ? 4 : 0;
			*at = (size_t)(here - start);
			*bad_len = rc == LO_ECORRUPT && (size_t)(c.end - here) > skip ? here[skip]
										      : -1;
			return rc;
		}
		(*count)++;
	}
}

static bool known_family(uint16_t afi, uint8_t safi)
{
	return (afi == BGP_AFI_IP || afi == BGP_AFI_IP6) &&
	       (safi == BGP_SAFI_UNICAST || safi == BGP_SAFI_MULTICAST);
}

static bool family_addpath(const struct peer_update_ctx *ctx, uint16_t afi, uint8_t safi)
{
	if (safi != BGP_SAFI_UNICAST)
		return false;
	return afi == BGP_AFI_IP ? ctx->addpath_ipv4 : ctx->addpath_ipv6;
}

/* An NLRI error inside MP_REACH / MP_UNREACH: session reset, Optional Attribute Error. */
static void mp_nlri_error(struct chk *k, uint8_t type, size_t off, const uint8_t *a, size_t alen,
			  int rc, int bad_len)
{
	const char *name = type == BGP_ATTR_MP_REACH ? "MP_REACH_NLRI" : "MP_UNREACH_NLRI";

	if (rc == LO_ECORRUPT)
		note(k, PEER_VERDICT_SESSION_RESET, 9, type, off, a, alen, false,
		     "%s: invalid prefix length %d", name, bad_len);
	else
		note(k, PEER_VERDICT_SESSION_RESET, 9, type, off, a, alen, false,
		     "%s: prefix runs past the attribute", name);
}

static void check_mp_reach(struct chk *k, struct cur v, size_t off, const uint8_t *a, size_t alen)
{
	uint16_t afi = 0;
	uint8_t safi = 0, nhlen = 0, res;
	int bad_len;
	size_t at;

	if (cur_left(&v) < 5) {
		note(k, PEER_VERDICT_SESSION_RESET, 9, BGP_ATTR_MP_REACH, off, a, alen, false,
		     "MP_REACH_NLRI shorter than 5 octets");
		return;
	}
	cur_be16(&v, &afi);
	cur_u8(&v, &safi);
	cur_u8(&v, &nhlen);
	if (cur_skip(&v, nhlen) || cur_u8(&v, &res)) {
		note(k, PEER_VERDICT_SESSION_RESET, 9, BGP_ATTR_MP_REACH, off, a, alen, false,
		     "MP_REACH_NLRI: next hop (%u octets) and reserved octet run past the attribute",
		     nhlen);
		return;
	}
	if (!known_family(afi, safi)) {
		k->out->other_family = true;
		return;
	}
	bool nh_ok = afi == BGP_AFI_IP ? (nhlen == 4 || nhlen == 16 || nhlen == 32)
				       : (nhlen == 16 || nhlen == 32);
	if (!nh_ok) {
		note(k, PEER_VERDICT_SESSION_RESET, 9, BGP_ATTR_MP_REACH, off, a, alen, false,
		     "MP_REACH_NLRI: next hop length %u invalid for AFI %u", nhlen, afi);
		return;
	}
	int rc = walk_nlri(v, afi == BGP_AFI_IP6 ? 6 : 4, family_addpath(k->ctx, afi, safi),
			   &k->out->n_announced, &bad_len, &at);
	if (rc)
		mp_nlri_error(k, BGP_ATTR_MP_REACH, off, a, alen, rc, bad_len);
}

/* Returns true for an End-of-RIB candidate (no NLRI) of a known family. */
static bool check_mp_unreach(struct chk *k, struct cur v, size_t off, const uint8_t *a, size_t alen,
			     uint16_t *eafi, uint8_t *esafi)
{
	uint16_t afi = 0;
	uint8_t safi = 0;
	int bad_len;
	size_t at;

	if (cur_be16(&v, &afi) || cur_u8(&v, &safi)) {
		note(k, PEER_VERDICT_SESSION_RESET, 9, BGP_ATTR_MP_UNREACH, off, a, alen, false,
		     "MP_UNREACH_NLRI shorter than 3 octets");
		return false;
	}
	*eafi = afi;
	*esafi = safi;
	if (!known_family(afi, safi)) {
		k->out->other_family = true;
		return cur_empty(&v);
	}
	int rc = walk_nlri(v, afi == BGP_AFI_IP6 ? 6 : 4, family_addpath(k->ctx, afi, safi),
			   &k->out->n_withdrawn, &bad_len, &at);
	if (rc)
		mp_nlri_error(k, BGP_ATTR_MP_UNREACH, off, a, alen, rc, bad_len);
	return cur_empty(&v);
}

/* AS_PATH / AS4_PATH syntax (RFC 7606 §7.2): NULL when fine, else what is wrong. */
static const char *aspath_problem(struct cur v, unsigned asn_size, bool *confed)
{
	*confed = false;
	while (!cur_empty(&v)) {
		uint8_t type, n;
		if (cur_u8(&v, &type) || cur_u8(&v, &n))
			return "segment header truncated";
		if (type < BGP_AS_SET || type > BGP_AS_CONFED_SET)
			return "unrecognized segment type";
		if (n == 0)
			return "empty segment";
		if (cur_skip(&v, (size_t)n * asn_size))
			return "segment overruns the attribute";
		if (type == BGP_AS_CONFED_SEQUENCE || type == BGP_AS_CONFED_SET)
			*confed = true;
	}
	return NULL;
}

enum { WK = 0x40, OPT = 0x80, OPT_TR = 0xc0 };

/*
 * One attribute with a sane frame.  @a / @alen: the whole attribute (for the
 * NOTIFICATION data), @v: its value.
 */
static void check_attr(struct chk *k, uint8_t flags, uint8_t type, struct cur v, size_t off,
		       const uint8_t *a, size_t alen)
{
	const struct peer_update_ctx *ctx = k->ctx;
	size_t len = cur_left(&v);
	uint8_t of = flags & (BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE);
	const enum peer_verdict taw = PEER_VERDICT_TREAT_AS_WITHDRAW;
	const enum peer_verdict dis = PEER_VERDICT_ATTR_DISCARD;
	const char *prob;
	bool confed;

#define FLAGS(want, verdict, name)                                                   \
	do {                                                                         \
		if (of != (want)) {                                                  \
			note(k, verdict, 4, type, off, a, alen, true,                \
			     name ": flags 0x%02x contradict the attribute", flags); \
			return;                                                      \
		}                                                                    \
	} while (0)
#define BAD(verdict, sub, ...)                                                \
	do {                                                                  \
		note(k, verdict, sub, type, off, a, alen, true, __VA_ARGS__); \
		return;                                                       \
	} while (0)

	switch (type) {
	case BGP_ATTR_ORIGIN:
		FLAGS(WK, taw, "ORIGIN");
		if (len != 1)
			BAD(taw, 5, "ORIGIN: length %zu", len);
		if (v.p[0] > 2)
			BAD(taw, 6, "ORIGIN: undefined value %u", v.p[0]);
		break;
	case BGP_ATTR_AS_PATH:
		FLAGS(WK, taw, "AS_PATH");
		prob = aspath_problem(v, ctx->asn_size, &confed);
		if (prob)
			BAD(taw, 11, "AS_PATH: %s", prob);
		if (confed && !ctx->ibgp)
			BAD(taw, 11, "AS_PATH: confederation segment from an external peer");
		break;
	case BGP_ATTR_NEXT_HOP:
		FLAGS(WK, taw, "NEXT_HOP");
		if (len != 4)
			BAD(taw, 5, "NEXT_HOP: length %zu", len);
		break;
	case BGP_ATTR_MED:
		FLAGS(OPT, taw, "MULTI_EXIT_DISC");
		if (len != 4)
			BAD(taw, 5, "MULTI_EXIT_DISC: length %zu", len);
		break;
	case BGP_ATTR_LOCAL_PREF:
		if (!ctx->ibgp)
			BAD(dis, 0, "LOCAL_PREF from an external peer discarded");
		FLAGS(WK, taw, "LOCAL_PREF");
		if (len != 4)
			BAD(taw, 5, "LOCAL_PREF: length %zu", len);
		break;
	case BGP_ATTR_ATOMIC_AGGREGATE:
		FLAGS(WK, dis, "ATOMIC_AGGREGATE");
		if (len != 0)
			BAD(dis, 5, "ATOMIC_AGGREGATE: length %zu", len);
		break;
	case BGP_ATTR_AGGREGATOR:
		FLAGS(OPT_TR, dis, "AGGREGATOR");
		if (len != ctx->asn_size + 4u)
			BAD(dis, 5, "AGGREGATOR: length %zu on a %u-octet AS session", len,
			    ctx->asn_size);
		break;
	case BGP_ATTR_COMMUNITIES:
		FLAGS(OPT_TR, taw, "COMMUNITIES");
		if (len == 0 || len % 4)
			BAD(taw, 9, "COMMUNITIES: length %zu", len);
		break;
	case BGP_ATTR_ORIGINATOR_ID:
		if (!ctx->ibgp)
			BAD(dis, 0, "ORIGINATOR_ID from an external peer discarded");
		FLAGS(OPT, taw, "ORIGINATOR_ID");
		if (len != 4)
			BAD(taw, 5, "ORIGINATOR_ID: length %zu", len);
		break;
	case BGP_ATTR_CLUSTER_LIST:
		if (!ctx->ibgp)
			BAD(dis, 0, "CLUSTER_LIST from an external peer discarded");
		FLAGS(OPT, taw, "CLUSTER_LIST");
		if (len == 0 || len % 4)
			BAD(taw, 5, "CLUSTER_LIST: length %zu", len);
		break;
	case BGP_ATTR_MP_REACH:
	case BGP_ATTR_MP_UNREACH:
		/* flags and contents are checked by the caller (session reset) */
		break;
	case BGP_ATTR_EXT_COMMUNITIES:
		FLAGS(OPT_TR, taw, "EXTENDED_COMMUNITIES");
		if (len == 0 || len % 8)
			BAD(taw, 9, "EXTENDED_COMMUNITIES: length %zu", len);
		break;
	case BGP_ATTR_AS4_PATH:
		if (ctx->asn_size == 4)
			break; /* not used between 4-octet speakers (RFC 6793 §4.1) */
		FLAGS(OPT_TR, dis, "AS4_PATH");
		prob = aspath_problem(v, 4, &confed);
		if (prob)
			BAD(dis, 9, "AS4_PATH: %s", prob);
		break;
	case BGP_ATTR_AS4_AGGREGATOR:
		if (ctx->asn_size == 4)
			break;
		FLAGS(OPT_TR, dis, "AS4_AGGREGATOR");
		if (len != 8)
			BAD(dis, 9, "AS4_AGGREGATOR: length %zu", len);
		break;
	case 25: /* IPv6 Address Specific Extended Community, RFC 5701 */
		FLAGS(OPT_TR, taw, "IPV6_EXT_COMMUNITIES");
		if (len == 0 || len % 20)
			BAD(taw, 9, "IPV6_EXT_COMMUNITIES: length %zu", len);
		break;
	case BGP_ATTR_LARGE_COMMUNITIES:
		FLAGS(OPT_TR, taw, "LARGE_COMMUNITY");
		if (len == 0 || len % 12)
			BAD(taw, 9, "LARGE_COMMUNITY: length %zu", len);
		break;
	default:
		if (!(flags & BGP_ATTR_FLAG_OPTIONAL))
			BAD(taw, 2, "unrecognized well-known attribute %u", type);
		break;
	}
#undef FLAGS
#undef BAD
}

static bool seen_get(const uint32_t *s, uint8_t t)
{
	return (s[t / 32] >> (t % 32)) & 1;
}

enum peer_verdict peer_update_check(const uint8_t *msg, size_t len,
				    const struct peer_update_ctx *ctx, struct peer_update_info *out)
{
	struct chk k = {msg, ctx, out};
	struct cur c = cur_make(msg, len), wd, attrs, nlri;
	uint16_t wlen, alen;
	uint32_t seen[8] = {0};
	uint32_t n_body = 0, n_attrs = 0;
	bool framing_lost = false, other_than_unreach = false, mp_reach = false;
	bool unreach_empty = false;
	uint16_t eafi = 0;
	uint8_t esafi = 0;
	int bad_len, rc;
	size_t at;

	memset(out, 0, sizeof(*out));
	if (cur_skip(&c, PEER_HDR_LEN) || cur_be16(&c, &wlen)) {
		out->verdict = PEER_VERDICT_SESSION_RESET;
		out->code = PEER_ERR_HEADER;
		out->subcode = 2;
		out->n_errors = 1;
		snprintf(out->reason, sizeof(out->reason), "UPDATE shorter than 23 octets");
		return out->verdict;
	}
	if (cur_sub(&c, wlen, &wd) || cur_be16(&c, &alen) || cur_sub(&c, alen, &attrs)) {
		note(&k, PEER_VERDICT_SESSION_RESET, 1, 0, PEER_HDR_LEN, NULL, 0, false,
		     "withdrawn routes length %u and path attribute length run past the message",
		     wlen);
		return out->verdict;
	}
	nlri = c;

	/* RFC 7606 §3i, §5.3: both NLRI fields must parse. */
	rc = walk_nlri(wd, 4, ctx->addpath_ipv4, &out->n_withdrawn, &bad_len, &at);
	if (rc == LO_ECORRUPT)
		note(&k, PEER_VERDICT_SESSION_RESET, 10, 0, PEER_HDR_LEN + 2 + at, NULL, 0, false,
		     "withdrawn routes: invalid prefix length %d", bad_len);
	else if (rc)
		note(&k, PEER_VERDICT_SESSION_RESET, 10, 0, PEER_HDR_LEN + 2 + at, NULL, 0, false,
		     "withdrawn routes: a prefix runs past the field");
	rc = walk_nlri(nlri, 4, ctx->addpath_ipv4, &n_body, &bad_len, &at);
	if (rc == LO_ECORRUPT)
		note(&k, PEER_VERDICT_SESSION_RESET, 10, 0, (size_t)(nlri.p - msg) + at, NULL, 0,
		     false, "NLRI: invalid prefix length %d", bad_len);
	else if (rc)
		note(&k, PEER_VERDICT_SESSION_RESET, 10, 0, (size_t)(nlri.p - msg) + at, NULL, 0,
		     false, "NLRI: a prefix runs past the message");
	out->n_announced += n_body;

	while (!cur_empty(&attrs)) {
		size_t off = (size_t)(attrs.p - msg), left = cur_left(&attrs);
		const uint8_t *a = attrs.p;
		uint8_t flags = 0, type = 0;
		uint16_t vlen = 0;
		struct cur v;

		if (left < 3 || (a[0] & BGP_ATTR_FLAG_EXTLEN && left < 4)) {
			note(&k, PEER_VERDICT_TREAT_AS_WITHDRAW, 1, 0, off, NULL, 0, false,
			     "path attributes: %zu octets left, too few for an attribute", left);
			framing_lost = true;
			break;
		}
		cur_u8(&attrs, &flags);
		cur_u8(&attrs, &type);
		if (flags & BGP_ATTR_FLAG_EXTLEN) {
			cur_be16(&attrs, &vlen);
		} else {
			uint8_t l8 = 0;
			cur_u8(&attrs, &l8);
			vlen = l8;
		}
		if (cur_sub(&attrs, vlen, &v)) {
			note(&k, PEER_VERDICT_TREAT_AS_WITHDRAW, 1, type, off, NULL, 0, false,
			     "attribute %u: length %u runs past the path attributes", type, vlen);
			framing_lost = true;
			break;
		}
		size_t whole = (size_t)(v.end - a);
		n_attrs++;
		if (type != BGP_ATTR_MP_UNREACH)
			other_than_unreach = true;
		if (seen_get(seen, type)) {
			if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH)
				note(&k, PEER_VERDICT_SESSION_RESET, 1, type, off, NULL, 0, false,
				     "%s appears twice",
				     type == BGP_ATTR_MP_REACH ? "MP_REACH_NLRI"
							       : "MP_UNREACH_NLRI");
			else
				note(&k, PEER_VERDICT_ATTR_DISCARD, 1, type, off, NULL, 0, false,
				     "attribute %u appears twice: later ones discarded", type);
			continue;
		}
		seen[type / 32] |= 1u << (type % 32);
		if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH) {
			uint8_t of = flags & (BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE);
			const char *name = type == BGP_ATTR_MP_REACH ? "MP_REACH_NLRI"
								     : "MP_UNREACH_NLRI";
			if (of != OPT) {
				note(&k, PEER_VERDICT_SESSION_RESET, 4, type, off, a, whole, false,
				     "%s: flags 0x%02x contradict the attribute", name, flags);
			} else if (type == BGP_ATTR_MP_REACH) {
				mp_reach = true;
				check_mp_reach(&k, v, off, a, whole);
			} else {
				unreach_empty =
					check_mp_unreach(&k, v, off, a, whole, &eafi, &esafi);
			}
			continue;
		}
		check_attr(&k, flags, type, v, off, a, whole);
	}

	/* §3d: mandatory attributes when routes are announced */
	if (n_body > 0 || mp_reach) {
		static const uint8_t types[] = {BGP_ATTR_ORIGIN, BGP_ATTR_AS_PATH,
						BGP_ATTR_NEXT_HOP};
		static const char *const names[] = {"ORIGIN", "AS_PATH", "NEXT_HOP"};
		for (int i = 0; i < 3; i++) {
			if (i == 2 && n_body == 0)
				break;
			if (!seen_get(seen, types[i]) && !framing_lost)
				note(&k, PEER_VERDICT_TREAT_AS_WITHDRAW, 3, types[i], PEER_HDR_LEN,
				     NULL, 0, false, "missing well-known attribute %s", names[i]);
		}
	}

	/* §5.2: nothing to withdraw, and no proof the attributes were read right */
	if (out->verdict == PEER_VERDICT_TREAT_AS_WITHDRAW && n_body == 0 && !mp_reach &&
	    (other_than_unreach || framing_lost)) {
		static const char tail[] = " (no reachable NLRI)";
		size_t l = strlen(out->reason);
		out->verdict = PEER_VERDICT_SESSION_RESET;
		if (l > sizeof(out->reason) - sizeof(tail))
			l = sizeof(out->reason) - sizeof(tail);
		memcpy(out->reason + l, tail, sizeof(tail));
	}

	/* End-of-RIB (RFC 4724 §2) */
	if (out->verdict != PEER_VERDICT_SESSION_RESET && wlen == 0 && cur_empty(&nlri)) {
		if (alen == 0) {
			out->eor = true;
			out->eor_afi = BGP_AFI_IP;
			out->eor_safi = BGP_SAFI_UNICAST;
		} else if (n_attrs == 1 && seen_get(seen, BGP_ATTR_MP_UNREACH) && unreach_empty) {
			out->eor = true;
			out->eor_afi = eafi;
			out->eor_safi = esafi;
		}
	}
	return out->verdict;
}
