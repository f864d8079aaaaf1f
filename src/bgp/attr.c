/*
 * DOC: BGP path attribute and NLRI parsing (RFC 4271 §4.3 and §5, RFC 4760,
 * RFC 6793 §4.2.3, RFC 7911, RFC 6396 §4.3.4 for the abbreviated MP_REACH of
 * MRT RIB entries).
 *
 * Duplicate attributes: the first occurrence is kept and later ones are
 * reported (RFC 7606 §3g).  An attribute whose length runs past the block
 * ends parsing of the block (framing is lost); one whose length is wrong
 * for its type is reported and read as far as it goes, zero-filled, which
 * is what the reference tool (bgpdump) prints for such input.
 */
#include "bgp/bgp.h"

#include <string.h>

int bgp_nlri_next(struct cur *c, uint8_t family, bool addpath, struct bgp_prefix *out)
{
	uint8_t plen;
	unsigned nbytes, max = family == 6 ? 128 : 32;

	if (cur_empty(c))
		return 0;
	out->has_path_id = addpath;
	out->path_id = 0;
	if (addpath && cur_be32(c, &out->path_id))
		return LO_ETRUNC;
	if (cur_u8(c, &plen))
		return LO_ETRUNC;
	if (plen > max)
		return LO_ECORRUPT;
	nbytes = (plen + 7u) / 8u;
	memset(&out->addr, 0, sizeof(out->addr));
	out->addr.family = family;
	if (cur_copy(c, out->addr.b, nbytes))
		return LO_ETRUNC;
	if (plen % 8)
		out->addr.b[nbytes - 1] &= (uint8_t)(0xff00u >> (plen % 8));
	out->len = plen;
	return 1;
}

static void attr_error(struct bgp_attrs *a, uint8_t type, uint32_t off, int code)
{
	a->n_errors_total++;
	if (a->n_errors < BGP_MAX_ERRORS) {
		a->errors[a->n_errors].type = type;
		a->errors[a->n_errors].offset = off;
		a->errors[a->n_errors].code = code;
		a->n_errors++;
	}
}

/* Read up to @n bytes into @dst, zero-filling what is missing. */
static void read_zf(struct cur *c, void *dst, size_t n)
{
	size_t have = cur_left(c) < n ? cur_left(c) : n;
	memcpy(dst, c->p, have);
	memset((uint8_t *)dst + have, 0, n - have);
	c->p += have;
}

static uint32_t read_u32_zf(struct cur *c)
{
	uint8_t b[4];
	read_zf(c, b, 4);
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t read_asn_zf(struct cur *c, unsigned size)
{
	if (size == 4)
		return read_u32_zf(c);
	uint8_t b[2];
	read_zf(c, b, 2);
	return (uint32_t)b[0] << 8 | b[1];
}

static void parse_mp_reach(struct bgp_attrs *a, struct cur *c, unsigned opts, uint32_t off)
{
	bool addpath = opts & BGP_PARSE_ADDPATH;
	struct bgp_mp *mp;
	uint16_t afi;
	uint8_t safi, nh_len = 0, nsnpa;

	if (cur_left(c) && c->p[0] != 0) {
		/* MRT RIB entry: next-hop length and next hop only. */
		mp = &a->mp_reach[BGP_AFI_IP6][BGP_SAFI_UNICAST];
		if (mp->present) {
			attr_error(a, BGP_ATTR_MP_REACH, off, LO_ECORRUPT);
			return;
		}
		cur_u8(c, &nh_len);
		memset(mp, 0, sizeof(*mp));
		mp->present = true;
		mp->afi = BGP_AFI_IP6;
		mp->safi = BGP_SAFI_UNICAST;
		mp->nh_len = nh_len;
		read_zf(c, mp->nh, nh_len < 32 ? nh_len : 32);
		a->mp_abbrev = true;
		return;
	}
	if (cur_be16(c, &afi) || cur_u8(c, &safi)) {
		attr_error(a, BGP_ATTR_MP_REACH, off, LO_ETRUNC);
		return;
	}
	if (afi < 1 || afi > 2 || safi < 1 || safi > 3)
		return; /* a family we do not decode (VPN, flowspec, ...) */
	mp = &a->mp_reach[afi][safi];
	if (mp->present) {
		attr_error(a, BGP_ATTR_MP_REACH, off, LO_ECORRUPT);
		return;
	}
	memset(mp, 0, sizeof(*mp));
	mp->present = true;
	mp->afi = afi;
	mp->safi = safi;
	mp->nlri.family = afi == BGP_AFI_IP6 ? 6 : 4;
	mp->nlri.addpath = addpath;
	if (cur_u8(c, &nh_len)) {
		attr_error(a, BGP_ATTR_MP_REACH, off, LO_ETRUNC);
		return;
	}
	mp->nh_len = nh_len;
	if (cur_left(c) < nh_len) {
		read_zf(c, mp->nh, nh_len < 32 ? nh_len : 32);
		attr_error(a, BGP_ATTR_MP_REACH, off, LO_ETRUNC);
		return;
	}
	memcpy(mp->nh, c->p, nh_len < 32 ? nh_len : 32);
	c->p += nh_len;
	/* RFC 4760 reserved octet; RFC 2858 SNPAs when non-zero. */
	if (cur_u8(c, &nsnpa))
		return;
	for (; nsnpa > 0; nsnpa--) {
		uint8_t l;
		if (cur_u8(c, &l) || cur_skip(c, l)) {
			attr_error(a, BGP_ATTR_MP_REACH, off, LO_ETRUNC);
			return;
		}
	}
	mp->nlri.p = c->p;
	mp->nlri.len = (uint32_t)cur_left(c);
}

static void parse_mp_unreach(struct bgp_attrs *a, struct cur *c, unsigned opts, uint32_t off)
{
	uint16_t afi;
	uint8_t safi;
	struct bgp_mp *mp;

	if (cur_be16(c, &afi) || cur_u8(c, &safi)) {
		attr_error(a, BGP_ATTR_MP_UNREACH, off, LO_ETRUNC);
		return;
	}
	if (afi < 1 || afi > 2 || safi < 1 || safi > 3)
		return;
	mp = &a->mp_unreach[afi][safi];
	if (mp->present) {
		attr_error(a, BGP_ATTR_MP_UNREACH, off, LO_ECORRUPT);
		return;
	}
	memset(mp, 0, sizeof(*mp));
	mp->present = true;
	mp->afi = afi;
	mp->safi = safi;
	mp->nlri.family = afi == BGP_AFI_IP6 ? 6 : 4;
	mp->nlri.addpath = opts & BGP_PARSE_ADDPATH;
	mp->nlri.p = c->p;
	mp->nlri.len = (uint32_t)cur_left(c);
}

/*
 * bgpdump-compatible path length: sequences count their ASes, sets count 1,
 * confederation segments too; a malformed path counts 0.
 */
static int aspath_count_compat(const uint8_t *p, size_t len, unsigned asn_size)
{
	int n = bgp_aspath_count(p, len, asn_size);
	return n < 0 ? 0 : n;
}

/*
 * RFC 6793 §4.2.3: rebuild the path from a 2-byte AS_PATH and AS4_PATH.
 * The leading (count(AS_PATH) - count(AS4_PATH)) ASes of AS_PATH are kept,
 * widened to 4 bytes, and AS4_PATH is appended.
 */
static void merge_as4(struct bgp_attrs *a, uint8_t *buf, size_t cap)
{
	int total = aspath_count_compat(a->as_path, a->as_path_len, 2);
	int tail = aspath_count_compat(a->as4_path, a->as4_path_len, 4);
	int keep = total - tail, have = 0;
	size_t out = 0;
	struct cur c = cur_make(a->as_path, a->as_path_len);

	if (total < tail)
		return;
	if ((size_t)a->as_path_len * 2 + a->as4_path_len + 8 > cap)
		return;
	while (have < keep) {
		uint8_t type, n;
		if (cur_u8(&c, &type) || cur_u8(&c, &n) || cur_left(&c) < (size_t)n * 2)
			break;
		unsigned take = n;
		if (type == BGP_AS_SET || type == BGP_AS_CONFED_SET) {
			have += 1;
		} else {
			have += n;
			if (have > keep)
				take = n - (unsigned)(have - keep);
		}
		buf[out++] = type;
		buf[out++] = (uint8_t)take;
		for (unsigned i = 0; i < n; i++) {
			uint16_t asn = 0;
			cur_be16(&c, &asn);
			if (i < take) {
				buf[out++] = 0;
				buf[out++] = 0;
				buf[out++] = (uint8_t)(asn >> 8);
				buf[out++] = (uint8_t)asn;
			}
		}
	}
	memcpy(buf + out, a->as4_path, a->as4_path_len);
	out += a->as4_path_len;
	a->merged = buf;
	a->merged_len = (uint32_t)out;
	a->as_path = buf;
	a->as_path_len = (uint16_t)(out > 0xffff ? 0xffff : out);
	a->asn_size = 4;
}

int bgp_attrs_parse(struct bgp_attrs *a, const uint8_t *p, size_t len, unsigned asn_size,
		    unsigned opts, uint8_t *merge_buf, size_t merge_cap)
{
	struct cur blk = cur_make(p, len);
	int rc = 0;

	/* Reset only the header fields; the MP slots by their present flags. */
	a->seen = 0;
	a->asn_size = (uint8_t)asn_size;
	a->origin = -1;
	a->as_path = NULL;
	a->as_path_len = 0;
	a->as4_path = NULL;
	a->as4_path_len = 0;
	memset(a->next_hop, 0xff, 4); /* INADDR_NONE, as bgpdump prints it */
	a->med = 0;
	a->local_pref = 0;
	a->has_aggregator = false;
	a->has_as4_aggregator = false;
	a->communities = a->ext_communities = a->large_communities = NULL;
	a->communities_len = a->ext_communities_len = a->large_communities_len = 0;
	a->has_originator_id = false;
	a->cluster_list = NULL;
	a->cluster_list_len = 0;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++)
			a->mp_reach[i][j].present = a->mp_unreach[i][j].present = false;
	a->mp_abbrev = false;
	a->n_unknown = 0;
	a->dropped_unknown = 0;
	a->n_errors = 0;
	a->n_errors_total = 0;
	a->merged = NULL;
	a->merged_len = 0;

	while (!cur_empty(&blk)) {
		uint32_t off = (uint32_t)(blk.p - p);
		uint8_t flags, type;
		uint16_t alen;
		struct cur c;

		if (cur_u8(&blk, &flags) || cur_u8(&blk, &type)) {
			attr_error(a, 0, off, LO_ETRUNC);
			rc = LO_ECORRUPT;
			break;
		}
		if (flags & BGP_ATTR_FLAG_EXTLEN) {
			if (cur_be16(&blk, &alen)) {
				attr_error(a, type, off, LO_ETRUNC);
				rc = LO_ECORRUPT;
				break;
			}
		} else {
			uint8_t l8;
			if (cur_u8(&blk, &l8)) {
				attr_error(a, type, off, LO_ETRUNC);
				rc = LO_ECORRUPT;
				break;
			}
			alen = l8;
		}
		if (cur_sub(&blk, alen, &c)) {
			attr_error(a, type, off, LO_ETRUNC);
			rc = LO_ECORRUPT;
			blk.p = blk.end;
			break;
		}
		bool dup = bgp_attr_seen(a, type);
		if (type >= 1 && type <= 32)
			a->seen |= 1u << (type - 1);
		if (dup && type != BGP_ATTR_MP_REACH && type != BGP_ATTR_MP_UNREACH) {
			attr_error(a, type, off, LO_ECORRUPT);
			continue;
		}
		switch (type) {
		case BGP_ATTR_ORIGIN: {
			uint8_t o = 0;
			if (alen != 1)
				attr_error(a, type, off, LO_ECORRUPT);
			read_zf(&c, &o, 1);
			a->origin = o;
			break;
		}
		case BGP_ATTR_AS_PATH:
			a->as_path = c.p;
			a->as_path_len = alen;
			break;
		case BGP_ATTR_NEXT_HOP:
			if (alen != 4)
				attr_error(a, type, off, LO_ECORRUPT);
			read_zf(&c, a->next_hop, 4);
			break;
		case BGP_ATTR_MED:
			if (alen != 4)
				attr_error(a, type, off, LO_ECORRUPT);
			a->med = read_u32_zf(&c);
			break;
		case BGP_ATTR_LOCAL_PREF:
			if (alen != 4)
				attr_error(a, type, off, LO_ECORRUPT);
			a->local_pref = read_u32_zf(&c);
			break;
		case BGP_ATTR_ATOMIC_AGGREGATE:
			break;
		case BGP_ATTR_AGGREGATOR:
			if (alen != asn_size + 4)
				attr_error(a, type, off, LO_ECORRUPT);
			a->has_aggregator = true;
			a->aggregator_as = read_asn_zf(&c, asn_size);
			read_zf(&c, a->aggregator_addr, 4);
			break;
		case BGP_ATTR_AS4_AGGREGATOR:
			if (alen != 8)
				attr_error(a, type, off, LO_ECORRUPT);
			a->has_as4_aggregator = true;
			a->as4_aggregator_as = read_u32_zf(&c);
			read_zf(&c, a->as4_aggregator_addr, 4);
			break;
		case BGP_ATTR_COMMUNITIES:
			if (alen % 4)
				attr_error(a, type, off, LO_ECORRUPT);
			a->communities = c.p;
			a->communities_len = alen & ~3u;
			break;
		case BGP_ATTR_EXT_COMMUNITIES:
			if (alen % 8)
				attr_error(a, type, off, LO_ECORRUPT);
			a->ext_communities = c.p;
			a->ext_communities_len = alen & ~7u;
			break;
		case BGP_ATTR_LARGE_COMMUNITIES:
			if (alen % 12)
				attr_error(a, type, off, LO_ECORRUPT);
			a->large_communities = c.p;
			a->large_communities_len = (uint16_t)(alen - alen % 12);
			break;
		case BGP_ATTR_ORIGINATOR_ID:
			if (alen != 4)
				attr_error(a, type, off, LO_ECORRUPT);
			a->has_originator_id = true;
			read_zf(&c, a->originator_id, 4);
			break;
		case BGP_ATTR_CLUSTER_LIST:
			if (alen % 4)
				attr_error(a, type, off, LO_ECORRUPT);
			a->cluster_list = c.p;
			a->cluster_list_len = alen & ~3u;
			break;
		case BGP_ATTR_AS4_PATH:
			a->as4_path = c.p;
			a->as4_path_len = alen;
			break;
		case BGP_ATTR_MP_REACH:
			parse_mp_reach(a, &c, opts, off);
			break;
		case BGP_ATTR_MP_UNREACH:
			parse_mp_unreach(a, &c, opts, off);
			break;
		default:
			if (a->n_unknown < BGP_MAX_UNKNOWN_ATTRS) {
				struct bgp_raw_attr *u = &a->unknown[a->n_unknown++];
				u->flags = flags;
				u->type = type;
				u->len = alen;
				u->data = c.p;
			} else {
				a->dropped_unknown++;
			}
			break;
		}
	}

	/* RFC 6793 §4.2.3, with the reference tool's precedence rules. */
	if (asn_size == 2) {
		if (a->has_aggregator && a->has_as4_aggregator) {
			if (a->aggregator_as != BGP_AS_TRANS)
				return rc;
			a->aggregator_as = a->as4_aggregator_as;
			memcpy(a->aggregator_addr, a->as4_aggregator_addr, 4);
		}
		if (a->as4_path && bgp_attr_seen(a, BGP_ATTR_AS_PATH) && merge_buf)
			merge_as4(a, merge_buf, merge_cap);
	}
	return rc;
}
