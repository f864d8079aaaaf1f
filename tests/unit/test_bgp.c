/*
 * DOC: unit tests for src/bgp — text forms (checked against what bgpdump
 * prints), NLRI decoding and bounds, attribute parsing incl. RFC 6793 merge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp.h"

static void v6(const char *in, const char *want)
{
	uint8_t b[16];
	char out[BGP_ADDR_STRLEN];
	assert_int_equal(inet_pton(AF_INET6, in, b), 1);
	size_t n = bgp_fmt_ipv6(b, out);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void ipv6_text_like_bgpdump(void **state)
{
	v6("fe80::", "fe80::");
	v6("2001:db8::1", "2001:db8::1");
	v6("::ffff:192.168.2.1", "::ffff:192.168.2.1");
	v6("::192.168.1.2", "::192.168.1.2");
	v6("2001:7f8:30::2:1:0:8447", "2001:7f8:30::2:1:0:8447");
	v6("::", "::");
	v6("::1", "::1");
	/* unlike inet_ntop, a single zero group is compressed too */
	v6("2001:db8:0:1:1:1:1:1", "2001:db8::1:1:1:1:1");
	/* the first of two equal runs wins */
	v6("1:0:0:2:3:0:0:4", "1::2:3:0:0:4");
	v6("2001:db8:a0b:12f0::1", "2001:db8:a0b:12f0::1");
	v6("fd02::10", "fd02::10");
}

static void ipv4_and_numbers(void **state)
{
	const uint8_t a[4] = {0, 10, 255, 1};
	char out[BGP_ADDR_STRLEN];
	assert_int_equal(bgp_fmt_ipv4(a, out), 10);
	assert_string_equal(out, "0.10.255.1");
	char n[16] = {0};
	assert_int_equal(bgp_fmt_u32(4294967295u, n), 10);
	assert_string_equal(n, "4294967295");
	memset(n, 0, sizeof(n));
	bgp_fmt_u32(0, n);
	assert_string_equal(n, "0");
}

static char *aspath(const uint8_t *p, size_t n, unsigned asn)
{
	static char out[8300];
	bgp_aspath_fmt(p, n, asn, out, sizeof(out));
	return out;
}

static void aspath_text(void **state)
{
	const uint8_t seq[] = {2, 3, 0x0d, 0xdd, 0x02, 0xbd, 0x00, 0x50};
	assert_string_equal(aspath(seq, sizeof(seq), 2), "3549 701 80");
	const uint8_t seq_set[] = {2, 1, 0, 1, 1, 2, 0, 2, 0, 3};
	assert_string_equal(aspath(seq_set, sizeof(seq_set), 2), "1 {2,3}");
	const uint8_t set_seq[] = {1, 2, 0, 2, 0, 3, 2, 1, 0, 1};
	assert_string_equal(aspath(set_seq, sizeof(set_seq), 2), "{2,3} 1");
	const uint8_t confed[] = {3, 2, 0, 7, 0, 8, 2, 1, 0, 1, 4, 2, 0, 5, 0, 6};
	assert_string_equal(aspath(confed, sizeof(confed), 2), "(7 8) 1 [5,6]");
	const uint8_t as4[] = {2, 2, 0xfa, 0x56, 0xea, 0x00, 0x00, 0x00, 0xfc, 0x00};
	assert_string_equal(aspath(as4, sizeof(as4), 4), "4200000000 64512");
	const uint8_t bad_type[] = {9, 1, 0, 1};
	assert_string_equal(aspath(bad_type, sizeof(bad_type), 2), "! Error !");
	const uint8_t short_seg[] = {2, 3, 0, 1, 0, 2};
	assert_string_equal(aspath(short_seg, sizeof(short_seg), 2), "! Error !");
	assert_string_equal(aspath(NULL, 0, 2), "");
	assert_int_equal(bgp_aspath_count(seq_set, sizeof(seq_set), 2), 2);
	assert_int_equal(bgp_aspath_count(bad_type, sizeof(bad_type), 2), -1);
	assert_int_equal(bgp_aspath_origin(seq, sizeof(seq), 2), 80);
	assert_int_equal(bgp_aspath_origin(seq_set, sizeof(seq_set), 2), 0);
}

static void aspath_long_is_cut_like_bgpdump(void **state)
{
	/* 255 ASNs of 4294967295 per segment, 4 segments: > 8000 chars */
	size_t n = 4 * (2 + 255 * 4);
	uint8_t *p = malloc(n);
	for (int s = 0; s < 4; s++) {
		uint8_t *q = p + s * (2 + 255 * 4);
		q[0] = 2;
		q[1] = 255;
		memset(q + 2, 0xff, 255 * 4);
	}
	char *t = aspath(p, n, 4);
	size_t len = strlen(t);
	assert_true(len > 7900 && len < 8000);
	assert_string_equal(t + len - 3, "...");
	free(p);
}

static void communities_text(void **state)
{
	const uint8_t c[] = {0x0d, 0xdd, 0x00, 0x01, 0xff, 0xff, 0xff, 0x01, 0xff, 0xff,
			     0xff, 0x02, 0xff, 0xff, 0xff, 0x03, 0xff, 0xff, 0x02, 0x9a};
	char out[9000];
	bgp_communities_fmt(c, sizeof(c), out, sizeof(out));
	assert_string_equal(out, " 3549:1 no-export no-advertise local-AS 65535:666");
	const uint8_t l[] = {0, 0, 0xfd, 0xe8, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff};
	bgp_large_communities_fmt(l, sizeof(l), out, sizeof(out));
	assert_string_equal(out, " 65000:1:4294967295");
}

static void nlri_decoding_and_bounds(void **state)
{
	/* 11.13.0.0/13 has host bits: masked to 11.8.0.0/13 */
	const uint8_t a[] = {13, 11, 13, 24, 10, 1, 2, 0};
	struct cur c = cur_make(a, sizeof(a));
	struct bgp_prefix p;
	char out[BGP_ADDR_STRLEN];

	assert_int_equal(bgp_nlri_next(&c, 4, false, &p), 1);
	bgp_fmt_addr(&p.addr, out);
	assert_string_equal(out, "11.8.0.0");
	assert_int_equal(p.len, 13);
	assert_int_equal(bgp_nlri_next(&c, 4, false, &p), 1);
	bgp_fmt_addr(&p.addr, out);
	assert_string_equal(out, "10.1.2.0");
	assert_int_equal(bgp_nlri_next(&c, 4, false, &p), 1); /* 0.0.0.0/0 */
	assert_int_equal(p.len, 0);
	assert_int_equal(bgp_nlri_next(&c, 4, false, &p), 0);

	const uint8_t toolong[] = {33, 1, 2, 3, 4, 5};
	c = cur_make(toolong, sizeof(toolong));
	assert_int_equal(bgp_nlri_next(&c, 4, false, &p), LO_ECORRUPT);
	const uint8_t cut[] = {24, 10, 1};
	c = cur_make(cut, sizeof(cut));
	assert_int_equal(bgp_nlri_next(&c, 4, false, &p), LO_ETRUNC);

	const uint8_t ap[] = {0, 0, 0, 7, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1};
	c = cur_make(ap, sizeof(ap));
	assert_int_equal(bgp_nlri_next(&c, 6, true, &p), 1);
	assert_true(p.has_path_id);
	assert_int_equal(p.path_id, 7);
	bgp_fmt_addr(&p.addr, out);
	assert_string_equal(out, "2001:db8:0:1::");
}

static void attrs_parse_basic_and_errors(void **state)
{
	/* ORIGIN IGP, AS_PATH 65001, NEXT_HOP 192.0.2.1, MED 5, dup ORIGIN, then a
	 * LOCAL_PREF whose length runs past the block */
	const uint8_t blk[] = {0x40, 1,	   1,	0, 0x40, 2,    4,    2, 1, 0xfd, 0xe9, 0x40,
			       3,    4,	   192, 0, 2,	 1,    0x80, 4, 4, 0,	 0,    0,
			       5,    0x40, 1,	1, 2,	 0x40, 5,    9, 0, 0};
	struct bgp_attrs *a = calloc(1, sizeof(*a));

	assert_int_equal(bgp_attrs_parse(a, blk, sizeof(blk), 2, 0, NULL, 0), LO_ECORRUPT);
	assert_int_equal(a->origin, 0); /* first ORIGIN kept */
	assert_true(bgp_attr_seen(a, BGP_ATTR_AS_PATH));
	assert_true(bgp_attr_seen(a, BGP_ATTR_MED));
	assert_false(bgp_attr_seen(a, BGP_ATTR_LOCAL_PREF));
	assert_int_equal(a->med, 5);
	assert_int_equal(a->next_hop[0], 192);
	assert_int_equal(a->n_errors, 2); /* duplicate ORIGIN, truncated LOCAL_PREF */
	free(a);
}

static void attrs_as4_merge(void **state)
{
	/* AS_PATH (2-byte) 701 23456 23456, AS4_PATH 4200000000 4200000001 */
	const uint8_t blk[] = {0x40, 2,	 8, 2, 3,    0x02, 0xbd, 0x5b, 0xa0, 0x5b, 0xa0, 0xc0,
			       17,   10, 2, 2, 0xfa, 0x56, 0xea, 0x00, 0xfa, 0x56, 0xea, 0x01};
	struct bgp_attrs *a = calloc(1, sizeof(*a));
	uint8_t merge[256];
	char out[8300];

	assert_int_equal(bgp_attrs_parse(a, blk, sizeof(blk), 2, 0, merge, sizeof(merge)), 0);
	assert_int_equal(a->asn_size, 4);
	bgp_aspath_fmt(a->as_path, a->as_path_len, a->asn_size, out, sizeof(out));
	assert_string_equal(out, "701 4200000000 4200000001");
	free(a);
}

static void attrs_mp_reach_and_abbreviated(void **state)
{
	/* MP_REACH IPv6 unicast, next hop 2001:db8::1, NLRI 2001:db8::/32 */
	const uint8_t blk[] = {0x80, 14, 26, 0, 2,  1,	  16,	0x20, 0x01, 0x0d,
			       0xb8, 0,	 0,  0, 0,  0,	  0,	0,    0,    0,
			       0,    0,	 1,  0, 32, 0x20, 0x01, 0x0d, 0xb8};
	struct bgp_attrs *a = calloc(1, sizeof(*a));

	assert_int_equal(bgp_attrs_parse(a, blk, sizeof(blk), 4, 0, NULL, 0), 0);
	const struct bgp_mp *mp = &a->mp_reach[2][1];
	assert_true(mp->present);
	assert_int_equal(mp->nh_len, 16);
	assert_int_equal(mp->nlri.len, 5);
	assert_false(a->mp_abbrev);

	/* RFC 6396 §4.3.4: RIB entries carry only the next hop */
	const uint8_t rib[] = {0x80, 14, 5, 4, 10, 0, 0, 1};
	assert_int_equal(bgp_attrs_parse(a, rib, sizeof(rib), 4, BGP_PARSE_MRT_RIB, NULL, 0), 0);
	assert_true(a->mp_abbrev);
	assert_int_equal(a->mp_reach[2][1].nh_len, 4);
	assert_int_equal(a->mp_reach[2][1].nh[0], 10);
	free(a);
}

static void open_and_notification(void **state)
{
	/* OPEN v4, AS 23456, hold 180, id 198.18.0.1, caps: MP IPv4 unicast,
	 * route refresh, 4-byte AS 4200000000, ADD-PATH IPv4 unicast receive */
	/* clang-format off */
	const uint8_t open[] = {4, 0x5b, 0xa0, 0, 180, 198, 18, 0, 1, 22, /* header */
				2, 20,					 /* capabilities */
				1, 4, 0, 1, 0, 1,			 /* MP IPv4 unicast */
				2, 0,					 /* route refresh */
				65, 4, 0xfa, 0x56, 0xea, 0,		 /* 4-byte AS */
				69, 4, 0, 1, 1, 1};			 /* ADD-PATH rx */
	/* clang-format on */
	struct bgp_open o;
	assert_int_equal(bgp_open_parse(&o, open, sizeof(open)), 0);
	assert_int_equal(o.version, 4);
	assert_int_equal(o.hold_time, 180);
	assert_true(o.as4);
	assert_int_equal(o.asn, 4200000000u);
	assert_true(o.route_refresh);
	assert_true(o.addpath_rx);
	assert_int_equal(o.n_caps, 4);
	/* optional parameters longer than the message */
	assert_int_equal(bgp_open_parse(&o, open, sizeof(open) - 1), LO_ETRUNC);
	const uint8_t bad_version[] = {3, 0, 1, 0, 90, 1, 2, 3, 4, 0};
	assert_int_equal(bgp_open_parse(&o, bad_version, sizeof(bad_version)), LO_ECORRUPT);

	const uint8_t notif[] = {6, 2, 'b', 'y', 'e'};
	struct bgp_notification n;
	assert_int_equal(bgp_notification_parse(&n, notif, sizeof(notif)), 0);
	assert_int_equal(n.code, 6);
	assert_int_equal(n.subcode, 2);
	assert_int_equal(n.len, 3);
	assert_int_equal(bgp_notification_parse(&n, notif, 1), LO_ETRUNC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv6_text_like_bgpdump),
		cmocka_unit_test(ipv4_and_numbers),
		cmocka_unit_test(aspath_text),
		cmocka_unit_test(aspath_long_is_cut_like_bgpdump),
		cmocka_unit_test(communities_text),
		cmocka_unit_test(nlri_decoding_and_bounds),
		cmocka_unit_test(attrs_parse_basic_and_errors),
		cmocka_unit_test(attrs_as4_merge),
		cmocka_unit_test(attrs_mp_reach_and_abbreviated),
		cmocka_unit_test(open_and_notification),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
