/*
 * DOC: icmp — ICMP echo requests built and replies read, without sockets.
 *
 * - RFC 792: echo (8) and echo reply (0), destination unreachable (3) and
 *   time exceeded (11), which quote the IPv4 header of the packet that
 *   failed and its first 8 bytes (for an echo request of ours: type, code,
 *   checksum, identifier, sequence number).  RFC 1071: the checksum.
 * - RFC 4443: ICMPv6 echo (128) and reply (129), destination unreachable
 *   (1) and time exceeded (3), which quote as much of the IPv6 packet as
 *   fits.
 *
 * An IPv4 raw socket gives the packet with its IPv4 header (in network
 * order on Linux); a ping socket (SOCK_DGRAM, IPPROTO_ICMP) and every IPv6
 * socket give the ICMP message alone.  The ICMPv4 checksum is verified
 * here; the ICMPv6 one covers a pseudo-header this code does not see, and
 * the kernel verifies it for ICMPv6 sockets.  The outer IPv4 header
 * checksum is the kernel's business too: it dropped the packet otherwise.
 *
 * Not here: an IPv6 header before the message (no socket gives one), IPv6
 * extension headers inside a quote (ours have none, so such a quote is
 * not about us), fragments.
 */
#include "probe/probe.h"

enum {
	ICMP4_ECHO_REPLY = 0,
	ICMP4_UNREACH = 3,
	ICMP4_ECHO = 8,
	ICMP4_TIME_EXCEEDED = 11,
	ICMP6_UNREACH = 1,
	ICMP6_TIME_EXCEEDED = 3,
	ICMP6_ECHO = 128,
	ICMP6_ECHO_REPLY = 129,
	IPPROTO_ICMP4 = 1,
	IPPROTO_ICMP6 = 58,
	ICMP_HDR = 8,
	IP6_HDR = 40,
	ICMP_MAX_PAYLOAD = 65535 - 20 - ICMP_HDR, /* what fits an IPv4 packet */
};

/* icmp_sum() - the RFC 1071 one's complement sum of @p[0..@n), folded, not inverted. */
static uint16_t icmp_sum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (; n >= 2; p += 2, n -= 2) {
		s += (uint32_t)p[0] << 8 | p[1];
		/* fold as we go: no overflow whatever the length */
		s = (s & 0xffff) + (s >> 16);
	}
	if (n)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

int probe_icmp_echo(uint8_t *buf, size_t cap, int family, uint16_t id, uint16_t seq,
		    const void *payload, size_t plen)
{
	uint16_t ck;

	if ((family != 4 && family != 6) || (plen && !payload))
		return LO_EINVAL;
	if (plen > ICMP_MAX_PAYLOAD || !buf || cap < ICMP_HDR + plen)
		return LO_ETOOBIG;
	buf[0] = family == 4 ? ICMP4_ECHO : ICMP6_ECHO;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)(id >> 8);
	buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	if (plen)
		memcpy(buf + ICMP_HDR, payload, plen);
	if (family == 4) {
		ck = (uint16_t)~icmp_sum(buf, ICMP_HDR + plen);
		buf[2] = (uint8_t)(ck >> 8);
		buf[3] = (uint8_t)ck;
	}
	return (int)(ICMP_HDR + plen);
}

/*
 * ip4_hdr() - an IPv4 header at @c: version 4, IHL at least 5 and all of
 * it there (options skipped).  @c is left after it.
 */
static int ip4_hdr(struct cur *c, uint16_t *total, uint8_t *proto, struct bgp_addr *src,
		   struct bgp_addr *dst, size_t *hlen)
{
	uint8_t vihl;
	int rc;

	if ((rc = cur_u8(c, &vihl)))
		return rc;
	if (vihl >> 4 != 4 || (vihl & 0xf) < 5)
		return LO_ECORRUPT;
	*hlen = (size_t)(vihl & 0xf) * 4;
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	src->family = dst->family = 4;
	if ((rc = cur_skip(c, 1)) || (rc = cur_be16(c, total)) || (rc = cur_skip(c, 5)) ||
	    (rc = cur_u8(c, proto)) || (rc = cur_skip(c, 2)) || (rc = cur_copy(c, src->b, 4)) ||
	    (rc = cur_copy(c, dst->b, 4)) || (rc = cur_skip(c, *hlen - 20)))
		return rc;
	return 0;
}

/* icmp_hdr() - type, code, (checksum), identifier and sequence number at @c. */
static int icmp_hdr(struct cur *c, uint8_t *type, uint8_t *code, uint16_t *id, uint16_t *seq)
{
	if (cur_u8(c, type) || cur_u8(c, code) || cur_skip(c, 2) || cur_be16(c, id) ||
	    cur_be16(c, seq))
		return LO_ETRUNC;
	return 0;
}

/*
 * quote4() - the IPv4 packet an ICMPv4 error quotes: its header and the
 * first 8 bytes of its payload.  Its total length is that of the packet
 * as sent, not of the quote: not checked.  1 when it is an echo request.
 */
static int quote4(struct cur *c, struct probe_icmp_msg *out)
{
	struct bgp_addr qsrc;
	uint16_t total, id, seq;
	uint8_t proto, type, code;
	size_t hlen;
	int rc;

	if ((rc = ip4_hdr(c, &total, &proto, &qsrc, &out->dst, &hlen)))
		return rc;
	if ((rc = icmp_hdr(c, &type, &code, &id, &seq)))
		return rc;
	if (proto != IPPROTO_ICMP4 || type != ICMP4_ECHO)
		return 0;
	out->id = id;
	out->seq = seq;
	return 1;
}

/* quote6() - the same for ICMPv6: a fixed IPv6 header, then ICMPv6. */
static int quote6(struct cur *c, struct probe_icmp_msg *out)
{
	uint8_t vtc, next, type, code;
	uint16_t id, seq;

	if (cur_u8(c, &vtc) || cur_skip(c, 5) || cur_u8(c, &next) || cur_skip(c, 1 + 16))
		return LO_ETRUNC;
	if (vtc >> 4 != 6)
		return LO_ECORRUPT;
	out->dst.family = 6;
	if (cur_copy(c, out->dst.b, 16) || icmp_hdr(c, &type, &code, &id, &seq))
		return LO_ETRUNC;
	if (next != IPPROTO_ICMP6 || type != ICMP6_ECHO)
		return 0;
	out->id = id;
	out->seq = seq;
	return 1;
}

/*
 * classify() - the message after its header: an echo reply (@reply), an
 * error quoting one of our echo requests (@error, through @quote), or
 * anything else.
 */
static int classify(struct cur *c, struct probe_icmp_msg *out, uint16_t id, uint16_t seq,
		    bool reply, bool error, int (*quote)(struct cur *, struct probe_icmp_msg *))
{
	int rc;

	if (reply) {
		out->type = PROBE_ICMP_REPLY;
		out->id = id;
		out->seq = seq;
		return 0;
	}
	if (error) {
		if ((rc = quote(c, out)) < 0)
			return rc;
		if (rc == 1) {
			out->type = PROBE_ICMP_UNREACH;
			return 0;
		}
	}
	memset(&out->dst, 0, sizeof(out->dst));
	out->id = out->seq = 0;
	out->type = PROBE_ICMP_OTHER;
	return 0;
}

static int parse4(struct cur *c, struct probe_icmp_msg *out)
{
	uint16_t id, seq, sum;
	int rc;

	if (cur_left(c) < ICMP_HDR)
		return LO_ETRUNC;
	/* a correct checksum makes the sum all ones (or all zeros, the other
	 * zero of one's complement, when every byte is 0) */
	sum = icmp_sum(c->p, cur_left(c));
	if (sum != 0xffff && sum != 0)
		return LO_ECORRUPT;
	if ((rc = icmp_hdr(c, &out->icmp_type, &out->code, &id, &seq)))
		return rc;
	bool reply = out->icmp_type == ICMP4_ECHO_REPLY;
	bool error = out->icmp_type == ICMP4_UNREACH || out->icmp_type == ICMP4_TIME_EXCEEDED;
	return classify(c, out, id, seq, reply, error, quote4);
}

static int parse6(struct cur *c, struct probe_icmp_msg *out)
{
	uint16_t id, seq;
	int rc;

	if ((rc = icmp_hdr(c, &out->icmp_type, &out->code, &id, &seq)))
		return rc;
	bool reply = out->icmp_type == ICMP6_ECHO_REPLY;
	bool error = out->icmp_type == ICMP6_UNREACH || out->icmp_type == ICMP6_TIME_EXCEEDED;
	return classify(c, out, id, seq, reply, error, quote6);
}

int probe_icmp_parse(const uint8_t *pkt, size_t len, int family, bool with_ip,
		     struct probe_icmp_msg *out)
{
	struct cur c = cur_make(pkt, len), icmp;
	struct probe_icmp_msg m;
	struct bgp_addr dst;
	uint16_t total;
	uint8_t proto;
	size_t hlen;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(out, 0, sizeof(*out));
	if (family == 6) {
		if (with_ip)
			return LO_EINVAL;
		if ((rc = parse6(&c, &m)))
			return rc;
		*out = m;
		return 0;
	}
	if (family != 4)
		return LO_EINVAL;
	if (with_ip) {
		if ((rc = ip4_hdr(&c, &total, &proto, &m.src, &dst, &hlen)))
			return rc;
		if (total < hlen)
			return LO_ECORRUPT;
		if (total > len)
			return LO_ETRUNC;
		if (proto != IPPROTO_ICMP4)
			return LO_ECORRUPT;
		/* the ICMP message ends where the IP packet does */
		if ((rc = cur_sub(&c, total - hlen, &icmp)))
			return rc;
	} else {
		icmp = c;
	}
	if ((rc = parse4(&icmp, &m)))
		return rc;
	*out = m;
	return 0;
}
