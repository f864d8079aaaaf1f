/*
 * DOC: hdr — flow_hdr_parse(): the packet-header parser shared by sFlow
 * raw-packet-header records and pcap reading (`lightsout flows`).
 *
 * Layers walked:
 * - Ethernet II (IEEE 802.3 §3.2.6 EtherType), with up to HDR_MAX_TAGS
 *   stacked VLAN tags of TPID 0x8100 (802.1Q), 0x88a8 (802.1ad) or 0x9100
 *   (pre-standard QinQ); the outermost VLAN ID is reported.  Also MPLS
 *   (0x8847/0x8848, up to HDR_MAX_LABELS labels; the payload's IP version
 *   is told by its first nibble, as label stacks do not say) and PPPoE
 *   session frames carrying IPv4/IPv6 (RFC 2516, PPP protocols 0x0021 and
 *   0x0057).
 * - IPv4 (RFC 791): options skipped; MF flag and fragment offset.
 * - IPv6 (RFC 8200 §4): hop-by-hop (0), routing (43), destination options
 *   (60), fragment (44) and AH (51, RFC 4302) headers, at most
 *   HDR_MAX_EXT of them.
 * - TCP (ports, flags), UDP (ports, length, payload view), SCTP, UDP-Lite
 *   and DCCP (ports), ICMP and ICMPv6 (type and code as type << 8 | code in
 *   @dport, the convention of NetFlow exporters).
 *
 * L4 is read only from the first fragment (offset 0).  The L4 view is cut
 * at the IP length when that is shorter than the capture, so Ethernet
 * padding never reads as UDP payload.  A truncated capture yields whatever
 * was complete: addresses once the fixed IP header is there, ports and
 * @l4 once the L4 header is.
 *
 * Not here: tunnels (GRE, VXLAN, IP-in-IP: the outer header is reported),
 * 802.3/LLC/SNAP frames, IPv6 jumbograms (RFC 2675), checksums.
 */
#include "flow/flow.h"

#define HDR_MAX_TAGS   4 /* VLAN tags in one frame */
#define HDR_MAX_LABELS 8 /* MPLS labels in one stack */
#define HDR_MAX_EXT    8 /* IPv6 extension headers */

enum {
	ETH_IPV4 = 0x0800,
	ETH_IPV6 = 0x86dd,
	ETH_8021Q = 0x8100,
	ETH_8021AD = 0x88a8,
	ETH_QINQ = 0x9100,
	ETH_MPLS = 0x8847,
	ETH_MPLS_MC = 0x8848,
	ETH_PPPOE = 0x8864,
};

enum {
	IP_HOPOPT = 0,
	IP_ICMP = 1,
	IP_TCP = 6,
	IP_UDP = 17,
	IP_DCCP = 33,
	IP_ROUTING = 43,
	IP_FRAGMENT = 44,
	IP_AH = 51,
	IP_ICMPV6 = 58,
	IP_DSTOPTS = 60,
	IP_SCTP = 132,
	IP_UDPLITE = 136,
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * hdr_l4() - ports, flags, ICMP type/code and the UDP payload from @c (the
 * L4 header, cut at the IP length).  Whatever is short stays 0 and @l4
 * false.
 */
static void hdr_l4(struct cur *c, uint8_t proto, struct flow_hdr *h)
{
	size_t left = cur_left(c);
	const uint8_t *x;

	switch (proto) {
	case IP_TCP:
		if (cur_bytes(c, 4, &x))
			return;
		h->sport = get16(x);
		h->dport = get16(x + 2);
		/* seq, ack, data offset; the flags are the low 8 bits of byte 13 */
		if (cur_skip(c, 9) || cur_u8(c, &h->tcp_flags))
			return;
		h->l4 = left >= 20;
		return;
	case IP_UDP: {
		if (cur_bytes(c, 4, &x))
			return;
		h->sport = get16(x);
		h->dport = get16(x + 2);
		if (cur_bytes(c, 4, &x)) /* length, checksum */
			return;
		uint16_t len = get16(x);
		h->l4 = true;
		if (len < 8)
			return; /* bad length (or an RFC 2675 jumbogram): no payload */
		h->udp_len = (uint16_t)(len - 8);
		size_t n = cur_left(c) < h->udp_len ? cur_left(c) : h->udp_len;
		if (n) {
			h->payload = c->p;
			h->payload_len = n;
		}
		return;
	}
	case IP_SCTP:
	case IP_UDPLITE:
	case IP_DCCP:
		if (cur_bytes(c, 4, &x))
			return;
		h->sport = get16(x);
		h->dport = get16(x + 2);
		/* common header: SCTP 12, UDP-Lite 8, DCCP generic 12 (X=0) */
		h->l4 = left >= (proto == IP_UDPLITE ? 8u : 12u);
		return;
	case IP_ICMP:
	case IP_ICMPV6:
		if (cur_bytes(c, 2, &x))
			return;
		h->dport = get16(x); /* type << 8 | code */
		h->l4 = left >= 4;   /* type, code, checksum */
		return;
	}
}

static int hdr_ipv4(struct cur c, struct flow_hdr *h)
{
	const uint8_t *ip;

	if (cur_bytes(&c, 20, &ip))
		return LO_ETRUNC;
	if (ip[0] >> 4 != 4)
		return LO_ECORRUPT;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20)
		return LO_ECORRUPT;
	uint16_t tot = get16(ip + 2), fragw = get16(ip + 6);
	h->src.family = 4;
	memcpy(h->src.b, ip + 12, 4);
	h->dst.family = 4;
	memcpy(h->dst.b, ip + 16, 4);
	h->proto = ip[9];
	h->ip_len = tot;
	h->frag_off = (uint32_t)(fragw & 0x1fff) * 8;
	h->frag = (fragw & 0x2000) || h->frag_off;
	if (cur_skip(&c, ihl - 20))
		return 0; /* options cut by the capture: no L4 */
	if (tot >= ihl && tot - ihl < cur_left(&c))
		c.end = c.p + (tot - ihl); /* padding after the datagram */
	if (h->frag_off == 0)
		hdr_l4(&c, h->proto, h);
	return 0;
}

static int hdr_ipv6(struct cur c, struct flow_hdr *h)
{
	const uint8_t *ip, *x;

	if (cur_bytes(&c, 40, &ip))
		return LO_ETRUNC;
	if (ip[0] >> 4 != 6)
		return LO_ECORRUPT;
	uint16_t plen = get16(ip + 4);
	uint8_t nh = ip[6];
	h->src.family = 6;
	memcpy(h->src.b, ip + 8, 16);
	h->dst.family = 6;
	memcpy(h->dst.b, ip + 24, 16);
	h->ip_len = plen > 65535 - 40 ? 65535 : (uint16_t)(plen + 40);
	if (plen && plen < cur_left(&c))
		c.end = c.p + plen;

	/* each pass reads one extension header; h->proto is the one at hand */
	for (int i = 0;; i++) {
		h->proto = nh;
		switch (nh) {
		case IP_HOPOPT:
		case IP_ROUTING:
		case IP_DSTOPTS:
		case IP_AH: {
			if (i == HDR_MAX_EXT || cur_bytes(&c, 2, &x))
				return 0;
			size_t len = nh == IP_AH ? ((size_t)x[1] + 2) * 4 : ((size_t)x[1] + 1) * 8;
			if (cur_skip(&c, len - 2))
				return 0; /* cut by the capture */
			nh = x[0];
			break;
		}
		case IP_FRAGMENT:
			/* next header, reserved, offset << 3 | M, identification */
			if (i == HDR_MAX_EXT || cur_bytes(&c, 8, &x))
				return 0;
			h->frag = true;
			h->frag_off = get16(x + 2) & 0xfff8;
			nh = x[0];
			if (h->frag_off) {
				h->proto = nh;
				return 0;
			}
			break;
		default:
			hdr_l4(&c, nh, h);
			return 0;
		}
	}
}

/* hdr_ip() - an IP packet of either version, told by its first nibble. */
static int hdr_ip(struct cur c, struct flow_hdr *h)
{
	if (cur_empty(&c))
		return LO_ETRUNC;
	switch (c.p[0] >> 4) {
	case 4:
		return hdr_ipv4(c, h);
	case 6:
		return hdr_ipv6(c, h);
	}
	return LO_ECORRUPT;
}

static int hdr_ethernet(struct cur c, struct flow_hdr *h)
{
	uint16_t type, tci;

	if (cur_skip(&c, 12) || cur_be16(&c, &type))
		return LO_ETRUNC;
	for (int tags = 0; type == ETH_8021Q || type == ETH_8021AD || type == ETH_QINQ; tags++) {
		if (tags == HDR_MAX_TAGS)
			return LO_EUNSUP;
		if (cur_be16(&c, &tci) || cur_be16(&c, &type))
			return LO_ETRUNC;
		if (!tags)
			h->vlan = tci & 0x0fff;
	}
	switch (type) {
	case ETH_IPV4:
		return hdr_ipv4(c, h);
	case ETH_IPV6:
		return hdr_ipv6(c, h);
	case ETH_MPLS:
	case ETH_MPLS_MC:
		for (int i = 0;; i++) {
			uint32_t label;
			if (i == HDR_MAX_LABELS)
				return LO_EUNSUP;
			if (cur_be32(&c, &label))
				return LO_ETRUNC;
			if (label & 0x100)
				break; /* bottom of stack */
		}
		if (cur_empty(&c))
			return LO_ETRUNC;
		/* 4 or 6: IP; anything else (pseudowire control word...): not IP */
		if (c.p[0] >> 4 != 4 && c.p[0] >> 4 != 6)
			return LO_EUNSUP;
		return hdr_ip(c, h);
	case ETH_PPPOE: {
		uint16_t ppp;
		/* version/type, code, session ID, length; then the PPP protocol */
		if (cur_skip(&c, 6) || cur_be16(&c, &ppp))
			return LO_ETRUNC;
		if (ppp == 0x0021)
			return hdr_ipv4(c, h);
		if (ppp == 0x0057)
			return hdr_ipv6(c, h);
		return LO_EUNSUP;
	}
	}
	return LO_EUNSUP; /* ARP, LLDP, 802.3 lengths... */
}

int flow_hdr_parse(const uint8_t *p, size_t n, enum flow_link link, struct flow_hdr *h)
{
	memset(h, 0, sizeof(*h));
	struct cur c = cur_make(p, n);
	switch (link) {
	case FLOW_LINK_ETHERNET:
		return hdr_ethernet(c, h);
	case FLOW_LINK_IPV4:
	case FLOW_LINK_IPV6:
		/* the version nibble decides: raw-IP captures do not say */
		return hdr_ip(c, h);
	}
	return LO_EUNSUP;
}
