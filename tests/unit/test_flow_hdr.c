/*
 * DOC: unit tests for src/flow/hdr.c — flow_hdr_parse() on frames built
 * byte by byte: Ethernet with 802.1Q, QinQ (0x88a8, 0x9100) and too many
 * tags, MPLS and PPPoE; IPv4 with options, first and later fragments,
 * Ethernet padding; IPv6 with hop-by-hop, AH, fragment headers and too
 * many of them; TCP flags, UDP payload views, ICMP and ICMPv6 type/code,
 * SCTP ports; truncation at every length of a frame (what is filled, and
 * when @l4 turns true); ARP and other non-IP frames; random bytes of every
 * link type (no crash: run under the sanitizers).  The real captures of
 * tests/data/flows go through flow_hdr_parse() in test_flow_sflow.c.
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

#include "flow/flow.h"

/* ---------------------------------------------------------------- builders */

struct bb {
	uint8_t p[2048];
	size_t n;
};

static void put(struct bb *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->p));
	memcpy(b->p + b->n, p, n);
	b->n += n;
}
static void u8(struct bb *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(b, &x, 1);
}
static void u16(struct bb *b, unsigned v)
{
	u8(b, v >> 8);
	u8(b, v & 0xff);
}
static void u32(struct bb *b, uint32_t v)
{
	u16(b, v >> 16);
	u16(b, v & 0xffff);
}
static void zeros(struct bb *b, size_t n)
{
	while (n--)
		u8(b, 0);
}
static void ip6(struct bb *b, const char *s)
{
	uint8_t a[16];
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
	put(b, a, 16);
}

/* eth() - destination and source MACs, then the EtherType @type. */
static void eth(struct bb *b, unsigned type)
{
	static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	put(b, mac, 12);
	u16(b, type);
}

/* ipv4() - a 20-byte header (+@optlen option bytes) with total length @tot. */
static void ipv4(struct bb *b, unsigned optlen, unsigned tot, unsigned fragw, unsigned proto)
{
	u8(b, 0x40 | (5 + optlen / 4));
	u8(b, 0);
	u16(b, tot);
	u16(b, 0x1234); /* id */
	u16(b, fragw);
	u8(b, 64);
	u8(b, proto);
	u16(b, 0);
	u32(b, 0xc0000201); /* 192.0.2.1 */
	u32(b, 0xc6336402); /* 198.51.100.2 */
	for (unsigned i = 0; i < optlen; i++)
		u8(b, 1); /* NOP options */
}

static void ipv6(struct bb *b, unsigned plen, unsigned nh)
{
	u32(b, 0x60000000);
	u16(b, plen);
	u8(b, nh);
	u8(b, 64);
	ip6(b, "2001:db8::1");
	ip6(b, "2001:db8:ffff::2");
}

static void tcp(struct bb *b, unsigned sport, unsigned dport, unsigned flags)
{
	u16(b, sport);
	u16(b, dport);
	u32(b, 1000); /* seq */
	u32(b, 2000); /* ack */
	u8(b, 5 << 4);
	u8(b, flags);
	u16(b, 65535);
	u16(b, 0);
	u16(b, 0);
}

static void udp(struct bb *b, unsigned sport, unsigned dport, unsigned payload)
{
	u16(b, sport);
	u16(b, dport);
	u16(b, 8 + payload);
	u16(b, 0);
	for (unsigned i = 0; i < payload; i++)
		u8(b, 0xa0 + i);
}

static int parse(const struct bb *b, enum flow_link link, struct flow_hdr *h)
{
	return flow_hdr_parse(b->p, b->n, link, h);
}

static void assert_v4(const struct bgp_addr *a, const char *s)
{
	uint8_t x[4];
	assert_int_equal(inet_pton(AF_INET, s, x), 1);
	assert_int_equal(a->family, 4);
	assert_memory_equal(a->b, x, 4);
}

static void assert_v6(const struct bgp_addr *a, const char *s)
{
	uint8_t x[16];
	assert_int_equal(inet_pton(AF_INET6, s, x), 1);
	assert_int_equal(a->family, 6);
	assert_memory_equal(a->b, x, 16);
}

/* ---------------------------------------------------------------- Ethernet */

static void test_ipv4_tcp(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	eth(&b, 0x0800);
	ipv4(&b, 0, 40, 0x4000 /* DF */, 6);
	tcp(&b, 443, 51000, 0x12 /* SYN ACK */);
	assert_int_equal(parse(&b, FLOW_LINK_ETHERNET, &h), 0);
	assert_int_equal(h.vlan, 0);
	assert_v4(&h.src, "192.0.2.1");
	assert_v4(&h.dst, "198.51.100.2");
	assert_int_equal(h.proto, 6);
	assert_int_equal(h.ip_len, 40);
	assert_false(h.frag);
	assert_int_equal(h.frag_off, 0);
	assert_true(h.l4);
	assert_int_equal(h.sport, 443);
	assert_int_equal(h.dport, 51000);
	assert_int_equal(h.tcp_flags, 0x12);
	assert_null(h.payload);
	assert_int_equal(h.payload_len, 0);
	assert_int_equal(h.udp_len, 0);
}

static void test_vlan(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	eth(&b, 0x8100);
	u16(&b, 0xa000 | 100); /* PCP 5, VID 100 */
	u16(&b, 0x86dd);
	ipv6(&b, 8, 17);
	udp(&b, 53, 40000, 0);
	assert_int_equal(parse(&b, FLOW_LINK_ETHERNET, &h), 0);
	assert_int_equal(h.vlan, 100);
	assert_v6(&h.src, "2001:db8::1");
	assert_v6(&h.dst, "2001:db8:ffff::2");
	assert_int_equal(h.proto, 17);
	assert_int_equal(h.ip_len, 48);
	assert_true(h.l4);
	assert_int_equal(h.sport, 53);
	assert_int_equal(h.dport, 40000);
	assert_int_equal(h.udp_len, 0);
	assert_null(h.payload); /* empty datagram: no payload view */
}

static void test_qinq(void **state)
{
	static const unsigned tpids[] = {0x88a8, 0x9100, 0x8100};
	for (size_t i = 0; i < 3; i++) {
		struct bb b = {0};
		struct flow_hdr h;
		eth(&b, tpids[i]);
		u16(&b, 0x1000 | 200); /* DEI set, VID 200: the outer one is reported */
		u16(&b, 0x8100);
		u16(&b, 300);
		u16(&b, 0x0800);
		ipv4(&b, 0, 28, 0, 17);
		udp(&b, 1234, 6343, 0);
		assert_int_equal(parse(&b, FLOW_LINK_ETHERNET, &h), 0);
		assert_int_equal(h.vlan, 200);
		assert_int_equal(h.dport, 6343);
		assert_true(h.l4);
	}
}

static void test_vlan_limit(void **state)
{
	for (int tags = 1; tags <= 5; tags++) {
		struct bb b = {0};
		struct flow_hdr h;
		eth(&b, 0x88a8);
		for (int t = 0; t < tags; t++) {
			u16(&b, 10 + t);
			u16(&b, t == tags - 1 ? 0x0800 : 0x8100);
		}
		ipv4(&b, 0, 28, 0, 17);
		udp(&b, 1, 2, 0);
		int rc = parse(&b, FLOW_LINK_ETHERNET, &h);
		if (tags <= 4) {
			assert_int_equal(rc, 0);
			assert_int_equal(h.vlan, 10);
			assert_int_equal(h.dport, 2);
		} else {
			assert_int_equal(rc, LO_EUNSUP);
		}
	}
}

static void test_not_ip(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	eth(&b, 0x0806); /* ARP request */
	u16(&b, 1);
	u16(&b, 0x0800);
	u8(&b, 6);
	u8(&b, 4);
	u16(&b, 1);
	zeros(&b, 20);
	assert_int_equal(parse(&b, FLOW_LINK_ETHERNET, &h), LO_EUNSUP);
	assert_int_equal(h.src.family, 0);

	struct bb l = {0};
	eth(&l, 0x88cc); /* LLDP */
	zeros(&l, 30);
	assert_int_equal(parse(&l, FLOW_LINK_ETHERNET, &h), LO_EUNSUP);

	struct bb v = {0};
	eth(&v, 0x8100); /* ARP in a VLAN */
	u16(&v, 5);
	u16(&v, 0x0806);
	zeros(&v, 28);
	assert_int_equal(parse(&v, FLOW_LINK_ETHERNET, &h), LO_EUNSUP);
	assert_int_equal(h.vlan, 5);

	struct bb x = {0};
	eth(&x, 46); /* an 802.3 length, LLC follows */
	zeros(&x, 46);
	assert_int_equal(parse(&x, FLOW_LINK_ETHERNET, &h), LO_EUNSUP);

	/* unknown link type */
	assert_int_equal(flow_hdr_parse(b.p, b.n, (enum flow_link)13, &h), LO_EUNSUP);
}

static void test_mpls_pppoe(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	eth(&b, 0x8847);
	u32(&b, 16000 << 12 | 0 << 8 | 64); /* label 16000 */
	u32(&b, 24 << 12 | 1 << 8 | 64);    /* label 24, bottom of stack */
	ipv4(&b, 0, 40, 0, 6);
	tcp(&b, 179, 33000, 0x18);
	assert_int_equal(parse(&b, FLOW_LINK_ETHERNET, &h), 0);
	assert_int_equal(h.sport, 179);
	assert_int_equal(h.tcp_flags, 0x18);
	assert_v4(&h.dst, "198.51.100.2");

	/* pseudowire: a control word (first nibble 0) after the labels */
	struct bb pw = {0};
	eth(&pw, 0x8847);
	u32(&pw, 100 << 12 | 1 << 8 | 64);
	zeros(&pw, 40);
	assert_int_equal(parse(&pw, FLOW_LINK_ETHERNET, &h), LO_EUNSUP);

	/* nine labels: more than we walk */
	struct bb deep = {0};
	eth(&deep, 0x8847);
	for (int i = 0; i < 9; i++)
		u32(&deep, (uint32_t)(i + 16) << 12 | (i == 8) << 8 | 64);
	ipv4(&deep, 0, 20, 0, 6);
	assert_int_equal(parse(&deep, FLOW_LINK_ETHERNET, &h), LO_EUNSUP);

	/* labels cut by the capture */
	struct bb cut = {0};
	eth(&cut, 0x8847);
	u16(&cut, 1);
	assert_int_equal(parse(&cut, FLOW_LINK_ETHERNET, &h), LO_ETRUNC);

	struct bb p = {0};
	eth(&p, 0x8864);
	u8(&p, 0x11); /* version 1, type 1 */
	u8(&p, 0);    /* session data */
	u16(&p, 0x1234);
	u16(&p, 2 + 40 + 8);
	u16(&p, 0x0057); /* PPP: IPv6 */
	ipv6(&p, 8, 17);
	udp(&p, 5000, 5001, 0);
	assert_int_equal(parse(&p, FLOW_LINK_ETHERNET, &h), 0);
	assert_v6(&h.src, "2001:db8::1");
	assert_int_equal(h.dport, 5001);

	struct bb lcp = {0};
	eth(&lcp, 0x8864);
	u8(&lcp, 0x11);
	u8(&lcp, 0);
	u16(&lcp, 1);
	u16(&lcp, 6);
	u16(&lcp, 0xc021); /* LCP */
	zeros(&lcp, 4);
	assert_int_equal(parse(&lcp, FLOW_LINK_ETHERNET, &h), LO_EUNSUP);
}

/* ---------------------------------------------------------------- IPv4 */

static void test_ipv4_options_udp(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	eth(&b, 0x0800);
	ipv4(&b, 8, 28 + 8 + 5, 0, 17);
	size_t at = b.n + 8;
	udp(&b, 2055, 9995, 5);
	assert_int_equal(parse(&b, FLOW_LINK_ETHERNET, &h), 0);
	assert_int_equal(h.ip_len, 41);
	assert_true(h.l4);
	assert_int_equal(h.sport, 2055);
	assert_int_equal(h.dport, 9995);
	assert_int_equal(h.udp_len, 5);
	assert_ptr_equal(h.payload, b.p + at);
	assert_int_equal(h.payload_len, 5);
	assert_int_equal(h.payload[0], 0xa0);
	assert_int_equal(h.payload[4], 0xa4);
}

static void test_ethernet_padding(void **state)
{
	/* a 2-byte UDP payload in a minimum-size (60-byte) frame */
	struct bb b = {0};
	struct flow_hdr h;
	eth(&b, 0x0800);
	ipv4(&b, 0, 30, 0, 17);
	udp(&b, 7, 7, 2);
	while (b.n < 60)
		u8(&b, 0xee);
	assert_int_equal(parse(&b, FLOW_LINK_ETHERNET, &h), 0);
	assert_int_equal(h.udp_len, 2);
	assert_int_equal(h.payload_len, 2);

	/* UDP length larger than the capture: the view is what was captured */
	struct bb s = {0};
	eth(&s, 0x0800);
	ipv4(&s, 0, 1500, 0, 17);
	u16(&s, 1);
	u16(&s, 2);
	u16(&s, 1480);
	u16(&s, 0);
	zeros(&s, 100);
	assert_int_equal(parse(&s, FLOW_LINK_ETHERNET, &h), 0);
	assert_int_equal(h.udp_len, 1472);
	assert_int_equal(h.payload_len, 100);

	/* UDP length below 8: ports, no payload */
	struct bb z = {0};
	eth(&z, 0x0800);
	ipv4(&z, 0, 40, 0, 17);
	u16(&z, 1);
	u16(&z, 2);
	u16(&z, 4);
	u16(&z, 0);
	zeros(&z, 12);
	assert_int_equal(parse(&z, FLOW_LINK_ETHERNET, &h), 0);
	assert_true(h.l4);
	assert_int_equal(h.udp_len, 0);
	assert_null(h.payload);
}

static void test_ipv4_fragments(void **state)
{
	struct bb first = {0}, later = {0}, last = {0};
	struct flow_hdr h;

	eth(&first, 0x0800);
	ipv4(&first, 0, 1500, 0x2000 /* MF, offset 0 */, 17);
	udp(&first, 123, 40000, 40);
	assert_int_equal(parse(&first, FLOW_LINK_ETHERNET, &h), 0);
	assert_true(h.frag);
	assert_int_equal(h.frag_off, 0);
	assert_true(h.l4);
	assert_int_equal(h.sport, 123);
	assert_int_equal(h.dport, 40000);

	eth(&later, 0x0800);
	ipv4(&later, 0, 1500, 0x2000 | 185 /* MF, offset 1480 */, 17);
	udp(&later, 123, 40000, 40); /* looks like UDP, but it is data */
	assert_int_equal(parse(&later, FLOW_LINK_ETHERNET, &h), 0);
	assert_true(h.frag);
	assert_int_equal(h.frag_off, 1480);
	assert_false(h.l4);
	assert_int_equal(h.sport, 0);
	assert_int_equal(h.dport, 0);
	assert_null(h.payload);
	assert_int_equal(h.proto, 17);
	assert_v4(&h.src, "192.0.2.1");

	eth(&last, 0x0800);
	ipv4(&last, 0, 100, 370 /* no MF, offset 2960 */, 6);
	tcp(&last, 1, 2, 2);
	assert_int_equal(parse(&last, FLOW_LINK_ETHERNET, &h), 0);
	assert_true(h.frag);
	assert_int_equal(h.frag_off, 2960);
	assert_false(h.l4);
	assert_int_equal(h.tcp_flags, 0);
}

static void test_ipv4_bad(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;

	/* IHL 4 */
	ipv4(&b, 0, 40, 0, 6);
	b.p[0] = 0x44;
	assert_int_equal(parse(&b, FLOW_LINK_IPV4, &h), LO_ECORRUPT);
	/* version 5 */
	b.p[0] = 0x55;
	assert_int_equal(parse(&b, FLOW_LINK_IPV4, &h), LO_ECORRUPT);

	/* Ethernet says IPv4, the packet says 6 */
	struct bb e = {0};
	eth(&e, 0x0800);
	ipv6(&e, 0, 59);
	assert_int_equal(parse(&e, FLOW_LINK_ETHERNET, &h), LO_ECORRUPT);

	/* total length 0 (TSO captures) or below the header: not used to cut */
	struct bb t = {0};
	ipv4(&t, 0, 0, 0, 6);
	tcp(&t, 80, 8080, 0x10);
	assert_int_equal(parse(&t, FLOW_LINK_IPV4, &h), 0);
	assert_true(h.l4);
	assert_int_equal(h.dport, 8080);
	assert_int_equal(h.ip_len, 0);

	/* total length shorter than the TCP header: the cut leaves it short */
	struct bb s = {0};
	ipv4(&s, 0, 30, 0, 6);
	tcp(&s, 80, 8080, 0x10);
	assert_int_equal(parse(&s, FLOW_LINK_IPV4, &h), 0);
	assert_false(h.l4);
	assert_int_equal(h.sport, 80);
	assert_int_equal(h.dport, 8080);
	assert_int_equal(h.tcp_flags, 0);
}

static void test_icmp(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	eth(&b, 0x0800);
	ipv4(&b, 0, 28, 0, 1);
	u8(&b, 3); /* destination unreachable */
	u8(&b, 3); /* port unreachable */
	u16(&b, 0);
	u32(&b, 0);
	assert_int_equal(parse(&b, FLOW_LINK_ETHERNET, &h), 0);
	assert_true(h.l4);
	assert_int_equal(h.sport, 0);
	assert_int_equal(h.dport, 0x0303);

	struct bb e = {0};
	ipv4(&e, 0, 28, 0, 1);
	u8(&e, 8); /* echo request */
	u8(&e, 0);
	assert_int_equal(parse(&e, FLOW_LINK_IPV4, &h), 0);
	assert_int_equal(h.dport, 8 << 8);
	assert_false(h.l4); /* no checksum: not complete */

	struct bb v6 = {0};
	ipv6(&v6, 8, 58);
	u8(&v6, 128); /* echo request */
	u8(&v6, 0);
	u16(&v6, 0);
	u32(&v6, 0x00010002);
	assert_int_equal(parse(&v6, FLOW_LINK_IPV6, &h), 0);
	assert_int_equal(h.proto, 58);
	assert_int_equal(h.dport, 128 << 8);
	assert_int_equal(h.sport, 0);
	assert_true(h.l4);
}

static void test_sctp(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	ipv4(&b, 0, 32, 0, 132);
	u16(&b, 2905);
	u16(&b, 2906);
	u32(&b, 1);
	u32(&b, 0);
	assert_int_equal(parse(&b, FLOW_LINK_IPV4, &h), 0);
	assert_true(h.l4);
	assert_int_equal(h.sport, 2905);
	assert_int_equal(h.dport, 2906);

	/* a protocol without ports: IP fields only, l4 false */
	struct bb g = {0};
	ipv4(&g, 0, 44, 0, 47); /* GRE */
	zeros(&g, 24);
	assert_int_equal(parse(&g, FLOW_LINK_IPV4, &h), 0);
	assert_int_equal(h.proto, 47);
	assert_false(h.l4);
}

/* ---------------------------------------------------------------- IPv6 */

static void test_ipv6_ext(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	eth(&b, 0x86dd);
	ipv6(&b, 8 + 16 + 8 + 12, 0);
	/* hop-by-hop: router alert, padded to 8 */
	u8(&b, 60);
	u8(&b, 0);
	u32(&b, 0x05020000);
	u16(&b, 0x0100);
	/* destination options, 16 bytes */
	u8(&b, 44);
	u8(&b, 1);
	zeros(&b, 14);
	/* fragment: offset 0, M set */
	u8(&b, 17);
	u8(&b, 0);
	u16(&b, 0x0001);
	u32(&b, 0xdeadbeef);
	size_t at = b.n + 8;
	udp(&b, 500, 4500, 4);
	assert_int_equal(parse(&b, FLOW_LINK_ETHERNET, &h), 0);
	assert_int_equal(h.proto, 17);
	assert_true(h.frag);
	assert_int_equal(h.frag_off, 0);
	assert_true(h.l4);
	assert_int_equal(h.sport, 500);
	assert_int_equal(h.dport, 4500);
	assert_ptr_equal(h.payload, b.p + at);
	assert_int_equal(h.payload_len, 4);
	assert_int_equal(h.ip_len, 40 + 44);

	/* the same, a later fragment: no ports */
	struct bb l = {0};
	ipv6(&l, 8 + 8 + 20, 0);
	u8(&l, 44);
	u8(&l, 0);
	zeros(&l, 6);
	u8(&l, 6);
	u8(&l, 0);
	u16(&l, 1448 | 1);
	u32(&l, 7);
	tcp(&l, 1, 2, 0x02);
	assert_int_equal(parse(&l, FLOW_LINK_IPV6, &h), 0);
	assert_int_equal(h.proto, 6);
	assert_true(h.frag);
	assert_int_equal(h.frag_off, 1448);
	assert_false(h.l4);
	assert_int_equal(h.sport, 0);

	/* routing header and AH ((len + 2) * 4 bytes) before TCP */
	struct bb a = {0};
	ipv6(&a, 24 + 24 + 20, 43);
	u8(&a, 51);
	u8(&a, 2); /* 24 bytes */
	u8(&a, 4); /* SRH */
	u8(&a, 1);
	zeros(&a, 4);
	ip6(&a, "2001:db8::99");
	u8(&a, 6);
	u8(&a, 4); /* (4 + 2) * 4 = 24 bytes */
	zeros(&a, 22);
	tcp(&a, 22, 50000, 0x11);
	assert_int_equal(parse(&a, FLOW_LINK_IPV6, &h), 0);
	assert_int_equal(h.proto, 6);
	assert_false(h.frag);
	assert_true(h.l4);
	assert_int_equal(h.sport, 22);
	assert_int_equal(h.tcp_flags, 0x11);

	/* no next header */
	struct bb n = {0};
	ipv6(&n, 0, 59);
	assert_int_equal(parse(&n, FLOW_LINK_IPV6, &h), 0);
	assert_int_equal(h.proto, 59);
	assert_false(h.l4);
	assert_int_equal(h.ip_len, 40);
}

static void test_ipv6_ext_limit(void **state)
{
	for (int k = 7; k <= 9; k++) {
		struct bb b = {0};
		struct flow_hdr h;
		ipv6(&b, (unsigned)(8 * k + 8), 60);
		for (int i = 0; i < k; i++) {
			u8(&b, i == k - 1 ? 17 : 60);
			u8(&b, 0);
			zeros(&b, 6);
		}
		udp(&b, 9, 10, 0);
		assert_int_equal(parse(&b, FLOW_LINK_IPV6, &h), 0);
		if (k <= 8) {
			assert_int_equal(h.proto, 17);
			assert_true(h.l4);
			assert_int_equal(h.dport, 10);
		} else {
			assert_int_equal(h.proto, 60); /* the ninth is not walked */
			assert_false(h.l4);
		}
	}
}

static void test_ipv6_big(void **state)
{
	/* payload length 65535: ip_len saturates */
	struct bb b = {0};
	struct flow_hdr h;
	ipv6(&b, 65535, 6);
	tcp(&b, 1, 2, 0);
	assert_int_equal(parse(&b, FLOW_LINK_IPV6, &h), 0);
	assert_int_equal(h.ip_len, 65535);
	assert_true(h.l4);

	/* link IPv4 with an IPv6 packet: the version nibble decides */
	assert_int_equal(parse(&b, FLOW_LINK_IPV4, &h), 0);
	assert_int_equal(h.src.family, 6);
}

/* ---------------------------------------------------------------- truncation */

/*
 * Cut a VLAN / IPv4 / TCP frame at every length: below 14 + 4 + 20 bytes
 * the IP header is incomplete (LO_ETRUNC); then addresses; ports at +4;
 * flags at +14; l4 at +20.
 */
static void test_truncated_tcp(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	eth(&b, 0x8100);
	u16(&b, 7);
	u16(&b, 0x0800);
	ipv4(&b, 0, 40, 0, 6);
	tcp(&b, 1111, 2222, 0x29);
	const size_t ip = 18, l4 = 38;
	for (size_t n = 0; n <= b.n; n++) {
		uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
		memcpy(copy, b.p, n);
		int rc = flow_hdr_parse(copy, n, FLOW_LINK_ETHERNET, &h);
		if (n < ip + 20) {
			assert_int_equal(rc, LO_ETRUNC);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(h.vlan, 7);
			assert_v4(&h.src, "192.0.2.1");
			assert_int_equal(h.proto, 6);
			assert_int_equal(h.sport, n >= l4 + 4 ? 1111 : 0);
			assert_int_equal(h.dport, n >= l4 + 4 ? 2222 : 0);
			assert_int_equal(h.tcp_flags, n >= l4 + 14 ? 0x29 : 0);
			assert_int_equal(h.l4, n >= l4 + 20);
		}
		free(copy);
	}
	assert_int_equal(flow_hdr_parse(NULL, 0, FLOW_LINK_ETHERNET, &h), LO_ETRUNC);
	assert_int_equal(flow_hdr_parse(NULL, 0, FLOW_LINK_IPV4, &h), LO_ETRUNC);
}

static void test_truncated_ipv6(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	ipv6(&b, 16 + 8 + 12, 0);
	u8(&b, 44);
	u8(&b, 1);
	zeros(&b, 14);
	u8(&b, 17);
	u8(&b, 0);
	u16(&b, 0);
	u32(&b, 1);
	udp(&b, 1, 2, 4);
	for (size_t n = 0; n <= b.n; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, b.p, n);
		int rc = flow_hdr_parse(copy, n, FLOW_LINK_IPV6, &h);
		if (n < 40) {
			assert_int_equal(rc, LO_ETRUNC);
		} else {
			assert_int_equal(rc, 0);
			assert_v6(&h.dst, "2001:db8:ffff::2");
			/* the header being walked when the capture ended */
			assert_int_equal(h.proto, n < 56 ? 0 : n < 64 ? 44 : 17);
			assert_int_equal(h.frag, n >= 64);
			assert_int_equal(h.l4, n >= 72);
			assert_int_equal(h.payload_len, n > 72 ? n - 72 : 0);
		}
		free(copy);
	}
}

static void test_truncated_options(void **state)
{
	struct bb b = {0};
	struct flow_hdr h;
	ipv4(&b, 40, 60 + 8, 0, 17);
	udp(&b, 1, 2, 0);
	assert_int_equal(flow_hdr_parse(b.p, 30, FLOW_LINK_IPV4, &h), 0);
	assert_v4(&h.dst, "198.51.100.2");
	assert_int_equal(h.proto, 17);
	assert_false(h.l4);
	assert_int_equal(flow_hdr_parse(b.p, b.n, FLOW_LINK_IPV4, &h), 0);
	assert_true(h.l4);
	assert_int_equal(h.dport, 2);
}

/* ---------------------------------------------------------------- garbage */

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void test_garbage(void **state)
{
	static const enum flow_link links[] = {FLOW_LINK_ETHERNET, FLOW_LINK_IPV4, FLOW_LINK_IPV6};
	static const uint8_t starts[][2] = {{0x08, 0x00}, {0x86, 0xdd}, {0x81, 0x00},
					    {0x88, 0x47}, {0x88, 0x64}, {0x88, 0xa8}};
	for (int i = 0; i < 20000; i++) {
		size_t n = rnd() % 200;
		uint8_t *p = malloc(n ? n : 1);
		for (size_t k = 0; k < n; k++)
			p[k] = (uint8_t)rnd();
		/* make the interesting paths likely */
		if (n > 14 && (i & 1)) {
			const uint8_t *s = starts[rnd() % 6];
			p[12] = s[0];
			p[13] = s[1];
		}
		if (n > 14 && (i & 2))
			p[14] = (i & 4) ? 0x45 : 0x60;
		if (n > 0 && (i & 8))
			p[0] = (i & 16) ? 0x46 : 0x60;
		struct flow_hdr h;
		int rc = flow_hdr_parse(p, n, links[i % 3], &h);
		assert_true(rc == 0 || rc == LO_ETRUNC || rc == LO_ECORRUPT || rc == LO_EUNSUP);
		if (h.payload) {
			assert_true(h.payload >= p && h.payload + h.payload_len <= p + n);
			assert_true(h.payload_len <= h.udp_len);
		}
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_qinq),
		cmocka_unit_test(test_vlan_limit),
		cmocka_unit_test(test_not_ip),
		cmocka_unit_test(test_mpls_pppoe),
		cmocka_unit_test(test_ipv4_options_udp),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv4_bad),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_sctp),
		cmocka_unit_test(test_ipv6_ext),
		cmocka_unit_test(test_ipv6_ext_limit),
		cmocka_unit_test(test_ipv6_big),
		cmocka_unit_test(test_truncated_tcp),
		cmocka_unit_test(test_truncated_ipv6),
		cmocka_unit_test(test_truncated_options),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
