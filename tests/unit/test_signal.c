/*
 * DOC: unit tests for src/signal — union of address space in /24 and /48
 * blocks, by hand (North Korea's /22 and its /24s) and against a brute-force
 * bitmap over thousands of random adds and removes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signal/signal.h"

static struct bgp_prefix v4(uint32_t a, uint8_t len)
{
	struct bgp_prefix p;
	memset(&p, 0, sizeof(p));
	p.addr.family = 4;
	p.addr.b[0] = (uint8_t)(a >> 24);
	p.addr.b[1] = (uint8_t)(a >> 16);
	p.addr.b[2] = (uint8_t)(a >> 8);
	p.addr.b[3] = (uint8_t)a;
	p.len = len;
	return p;
}

static void north_korea_counts_four(void **state)
{
	struct sig_space *s = sig_space_new(4, 1u << 20);
	struct bgp_prefix s22 = v4(0xaf2db000u, 22); /* 175.45.176.0/22 */

	for (uint32_t i = 0; i < 4; i++) {
		struct bgp_prefix p = v4(0xaf2db000u + (i << 8), 24);
		assert_int_equal(sig_space_add(s, &p, 1), 0);
		assert_int_equal(sig_space_blocks(s), i + 1);
	}
	assert_int_equal(sig_space_add(s, &s22, 1), 0);
	assert_int_equal(sig_space_blocks(s), 4); /* not 8 */
	for (uint32_t i = 0; i < 4; i++) {
		struct bgp_prefix p = v4(0xaf2db000u + (i << 8), 24);
		assert_int_equal(sig_space_add(s, &p, -1), 0);
	}
	assert_int_equal(sig_space_blocks(s), 4);	/* the /22 still covers them */
	assert_int_equal(sig_space_add(s, &s22, 1), 0); /* a second copy */
	assert_int_equal(sig_space_add(s, &s22, -1), 0);
	assert_int_equal(sig_space_blocks(s), 4);
	assert_int_equal(sig_space_add(s, &s22, -1), 0);
	assert_int_equal(sig_space_blocks(s), 0);
	assert_int_equal(sig_space_nodes(s), 1); /* only the root is left */
	assert_int_equal(sig_space_add(s, &s22, -1), LO_EINVAL);
	sig_space_free(s);
}

static void sizes_and_long_prefixes(void **state)
{
	struct sig_space *s = sig_space_new(4, 1u << 20);
	struct bgp_prefix a8 = v4(0x0a000000u, 8), in16 = v4(0x0a010000u, 16),
			  out16 = v4(0x0b000000u, 16), h1 = v4(0x0c000000u, 25),
			  h2 = v4(0x0c000080u, 25);

	assert_int_equal(sig_space_add(s, &a8, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65536);
	assert_int_equal(sig_space_add(s, &in16, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65536);
	assert_int_equal(sig_space_add(s, &out16, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65536 + 256);
	/* longer than /24: the block containing them, once */
	assert_int_equal(sig_space_add(s, &h1, 1), 0);
	assert_int_equal(sig_space_add(s, &h2, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65536 + 256 + 1);
	struct bgp_prefix six = {.addr = {.family = 6}, .len = 32};
	assert_int_equal(sig_space_add(s, &six, 1), LO_EINVAL);
	sig_space_free(s);

	s = sig_space_new(6, 1u << 20);
	struct bgp_prefix p32 = {.addr = {.family = 6, .b = {0x20, 0x01, 0x0d, 0xb8}}, .len = 32};
	struct bgp_prefix p64 = {.addr = {.family = 6, .b = {0x20, 0x01, 0x0d, 0xb9}}, .len = 64};
	assert_int_equal(sig_space_add(s, &p32, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65536);
	assert_int_equal(sig_space_add(s, &p64, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65537);
	sig_space_free(s);
}

static void random_against_bitmap(void **state)
{
	enum { N = 64, OPS = 4000 };
	struct sig_space *s = sig_space_new(4, 1u << 20);
	struct bgp_prefix set[N];
	int copies[N] = {0};
	static uint8_t blocks[65536]; /* counts per /24 of 10.0.0.0/8 */
	unsigned seed = 12345;

	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		uint8_t len = (uint8_t)(14 + (seed >> 16) % 13); /* 14..26 */
		uint32_t addr = 0x0a000000u | ((seed * 2654435761u) & 0x00ffffffu);
		if (len < 32)
			addr &= ~((1u << (32 - len)) - 1);
		set[i] = v4(addr, len);
	}
	for (int op = 0; op < OPS; op++) {
		seed = seed * 1103515245u + 12345u;
		int i = (int)((seed >> 16) % N);
		int delta = copies[i] && ((seed >> 8) & 1) ? -1 : 1;
		assert_int_equal(sig_space_add(s, &set[i], delta), 0);
		copies[i] += delta;
		uint32_t first = (set[i].addr.b[1] << 8) | set[i].addr.b[2];
		uint32_t n = set[i].len >= 24 ? 1 : 1u << (24 - set[i].len);
		for (uint32_t b = 0; b < n; b++)
			blocks[first + b] = (uint8_t)(blocks[first + b] + delta);
		uint64_t want = 0;
		for (int b = 0; b < 65536; b++)
			want += blocks[b] != 0;
		assert_int_equal(sig_space_blocks(s), want);
	}
	sig_space_free(s);
}

/* ------------------------------------------------------------ tracker */

static const char geo_text[] = "2|test|20140101|4|19700101|20140101|+0000\n"
			       "test|*|ipv4|*|2|summary\n"
			       "test|KP|ipv4|175.45.176.0|1024|20091221|allocated\n"
			       "test|CN|ipv4|175.45.180.0|1024|20091221|allocated\n"
			       "test|JP|ipv6|2001:db8::|32|20100101|allocated\n"
			       "test|JP|asn|64500|1|20100101|allocated\n";

struct seen {
	unsigned flaps[16];    /* visibility flaps reported, by entity */
	unsigned withdraw[16]; /* on_withdraw calls, by entity */
	unsigned values;
};

static void seen_value(void *ctx, unsigned idx, enum sig_id sig, uint32_t time, double value)
{
	struct seen *s = ctx;
	s->values++;
	if (sig == SIG_VISIBILITY_FLAPS && idx < 16)
		assert_int_equal(++s->flaps[idx], (unsigned)value);
}

static void seen_withdraw(void *ctx, unsigned idx, int peer, const struct bgp_prefix *p,
			  uint32_t time)
{
	struct seen *s = ctx;
	if (idx < 16)
		s->withdraw[idx]++;
}

static int find(const struct sig_tracker *t, const char *spec)
{
	for (unsigned i = 0; i < sig_tracker_count(t); i++)
		if (!strcmp(sig_tracker_spec(t, i), spec))
			return (int)i;
	return -1;
}

static double val(const struct sig_tracker *t, const char *spec, enum sig_id sig)
{
	int i = find(t, spec);
	assert_true(i >= 0);
	return sig_tracker_value(t, (unsigned)i, sig);
}

static struct bgp_prefix v6(uint16_t a, uint16_t b, uint16_t c, uint8_t len)
{
	struct bgp_prefix p;
	memset(&p, 0, sizeof(p));
	p.addr.family = 6;
	uint16_t w[3] = {a, b, c};
	for (int i = 0; i < 3; i++) {
		p.addr.b[2 * i] = (uint8_t)(w[i] >> 8);
		p.addr.b[2 * i + 1] = (uint8_t)w[i];
	}
	p.len = len;
	return p;
}

/* Every signal of countries, an AS, a prefix and a group, computed by hand. */
static void tracker_by_hand(void **state)
{
	char path[] = "/tmp/lo-test-signal-XXXXXX", src[64];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, geo_text, sizeof(geo_text) - 1), (ssize_t)sizeof(geo_text) - 1);
	close(fd);
	snprintf(src, sizeof(src), "rir:%s", path);
	struct geo_db *geo = geo_db_new();
	assert_int_equal(geo_db_add(geo, src, NULL, NULL), 0);
	unlink(path);

	struct geo_entity ents[2], members[2];
	struct lo_err err;
	assert_int_equal(geo_entity_parse(&ents[0], "asn:131279", &err), 0);
	assert_int_equal(geo_entity_parse(&ents[1], "prefix:175.45.178.0/23", &err), 0);
	assert_int_equal(geo_entity_parse(&members[0], "asn:64999", &err), 0);
	assert_int_equal(geo_entity_parse(&members[1], "prefix:175.45.176.0/24", &err), 0);
	struct sig_group group = {"kpnet", members, 2};
	struct seen seen = {0};
	struct sig_tracker_opts o = {.geo = geo,
				     .all_countries = true,
				     .entities = ents,
				     .n_entities = 2,
				     .groups = &group,
				     .n_groups = 1,
				     .on_value = seen_value,
				     .on_withdraw = seen_withdraw,
				     .ctx = &seen};
	struct sig_tracker *t = sig_tracker_new(&o);
	assert_non_null(t);
	const char *A = "asn:131279", *P = "prefix:175.45.178.0/23", *G = "group:kpnet";
	struct bgp_prefix s24 = v4(0xaf2db000u, 24), s22 = v4(0xaf2db000u, 22),
			  s21 = v4(0xaf2db000u, 21), j48 = v6(0x2001, 0x0db8, 0x0001, 48);

	/* 175.45.176.0/24 from AS131279: KP 1 block; the AS; the group by its prefix */
	assert_int_equal(sig_tracker_visibility(t, &s24, true, 131279, 4837, 100), 0);
	uint32_t og = 0, up = 0;
	assert_true(sig_tracker_last_path(t, &s24, &og, &up));
	assert_int_equal(og, 131279);
	assert_int_equal(up, 4837);
	assert_false(sig_tracker_last_path(t, &s22, &og, &up));
	assert_true(val(t, "country:KP", SIG_VISIBLE_SLASH24) == 1);
	assert_true(val(t, "country:KP", SIG_PREFIXES) == 1);
	assert_true(val(t, "country:KP", SIG_ORIGIN_ASNS) == 1);
	assert_true(val(t, A, SIG_VISIBLE_SLASH24) == 1);
	assert_true(val(t, P, SIG_VISIBLE_SLASH24) == 0);
	assert_true(val(t, G, SIG_VISIBLE_SLASH24) == 1);

	/* the covering /22: KP's union is 4 blocks, not 5; the /23 entity takes its part */
	assert_int_equal(sig_tracker_visibility(t, &s22, true, 131279, 0, 110), 0);
	assert_true(val(t, "country:KP", SIG_VISIBLE_SLASH24) == 4);
	assert_true(val(t, "country:KP", SIG_PREFIXES) == 2);
	assert_true(val(t, "country:KP", SIG_ORIGIN_ASNS) == 1);
	assert_true(val(t, A, SIG_VISIBLE_SLASH24) == 4);
	assert_true(val(t, P, SIG_VISIBLE_SLASH24) == 2);
	assert_true(val(t, G, SIG_VISIBLE_SLASH24) == 1);
	assert_true(val(t, G, SIG_PREFIXES) == 2);

	/* a /21 from AS4837 over KP and CN: split by country */
	assert_int_equal(sig_tracker_visibility(t, &s21, true, 4837, 0, 120), 0);
	assert_true(val(t, "country:KP", SIG_VISIBLE_SLASH24) == 4);
	assert_true(val(t, "country:KP", SIG_PREFIXES) == 3);
	assert_true(val(t, "country:KP", SIG_ORIGIN_ASNS) == 2);
	assert_true(val(t, "country:CN", SIG_VISIBLE_SLASH24) == 4);
	assert_true(val(t, "country:CN", SIG_PREFIXES) == 1);
	assert_true(val(t, A, SIG_VISIBLE_SLASH24) == 4);

	/* a default route (a leak) counts for nobody */
	struct bgp_prefix dflt = v4(0, 0);
	assert_int_equal(sig_tracker_visibility(t, &dflt, true, 51336, 0, 125), 0);
	assert_int_equal(sig_tracker_route(t, 0, &dflt, true, 51336, false, 125), 0);
	assert_true(val(t, "country:KP", SIG_VISIBLE_SLASH24) == 4);
	assert_true(val(t, "country:KP", SIG_PREFIXES) == 3);
	assert_true(val(t, "country:KP", SIG_ANNOUNCEMENTS) == 0);

	/* IPv6: /48 blocks */
	assert_int_equal(sig_tracker_visibility(t, &j48, true, 64500, 0, 130), 0);
	int jp = find(t, "country:JP");
	assert_true(jp >= 0);
	assert_true(sig_tracker_has_v6(t, (unsigned)jp));
	assert_true(val(t, "country:JP", SIG_VISIBLE_SLASH48) == 1);
	assert_true(val(t, "country:JP", SIG_VISIBLE_SLASH24) == 0);

	/* the /22 goes and comes back within 600 s: one visibility flap for each entity */
	assert_int_equal(sig_tracker_visibility(t, &s22, false, 0, 0, 200), 0);
	assert_true(val(t, "country:KP", SIG_PREFIXES) == 2);
	assert_true(val(t, A, SIG_VISIBLE_SLASH24) == 1);
	assert_true(val(t, P, SIG_VISIBLE_SLASH24) == 2); /* the /21 still covers it */
	assert_int_equal(sig_tracker_visibility(t, &s22, true, 131279, 0, 500), 0);
	assert_true(val(t, "country:KP", SIG_VISIBILITY_FLAPS) == 1);
	assert_true(val(t, A, SIG_VISIBILITY_FLAPS) == 1);
	assert_true(val(t, P, SIG_VISIBILITY_FLAPS) == 1);
	assert_true(val(t, G, SIG_VISIBILITY_FLAPS) == 1);
	assert_true(val(t, "country:CN", SIG_VISIBILITY_FLAPS) == 0);
	/* ... and for 700 s: not a flap */
	assert_int_equal(sig_tracker_visibility(t, &s22, false, 0, 0, 1000), 0);
	assert_int_equal(sig_tracker_visibility(t, &s22, true, 131279, 0, 1700), 0);
	assert_true(val(t, "country:KP", SIG_VISIBILITY_FLAPS) == 1);
	assert_int_equal(seen.flaps[find(t, "country:KP")], 1);

	/* route changes: peer 0 withdraws the /24 and re-announces it 300 s later */
	assert_int_equal(sig_tracker_route(t, 0, &s24, false, 131279, true, 2000), 0);
	assert_int_equal(sig_tracker_route(t, 0, &s24, true, 131279, false, 2300), 0);
	/* 700 s later: not a flap */
	assert_int_equal(sig_tracker_route(t, 0, &s24, false, 131279, true, 3000), 0);
	assert_int_equal(sig_tracker_route(t, 0, &s24, true, 131279, false, 3700), 0);
	/* withdrawn at peer 1, announced at peer 2: not a flap */
	assert_int_equal(sig_tracker_route(t, 1, &s24, false, 131279, true, 4000), 0);
	assert_int_equal(sig_tracker_route(t, 2, &s24, true, 131279, false, 4100), 0);
	/* a withdrawal of a route the peer did not have, then an announcement */
	assert_int_equal(sig_tracker_route(t, 3, &s24, false, 0, false, 5000), 0);
	assert_int_equal(sig_tracker_route(t, 3, &s24, true, 131279, false, 5010), 0);
	/* a replacing announcement is not a flap either */
	assert_int_equal(sig_tracker_route(t, 0, &s24, true, 131279, true, 5020), 0);
	assert_true(val(t, "country:KP", SIG_ANNOUNCEMENTS) == 5);
	assert_true(val(t, "country:KP", SIG_WITHDRAWALS) == 4);
	assert_true(val(t, "country:KP", SIG_FLAPS) == 1);
	assert_true(val(t, A, SIG_ANNOUNCEMENTS) == 5);
	assert_true(val(t, A, SIG_WITHDRAWALS) == 3); /* the one without a route has no origin */
	assert_true(val(t, G, SIG_FLAPS) == 1);
	assert_true(val(t, P, SIG_ANNOUNCEMENTS) == 0);
	assert_true(val(t, "country:CN", SIG_ANNOUNCEMENTS) == 0);
	assert_int_equal(seen.withdraw[find(t, "country:KP")], 3);
	/* the /21 counts for both countries */
	assert_int_equal(sig_tracker_route(t, 0, &s21, true, 4837, false, 6000), 0);
	assert_true(val(t, "country:KP", SIG_ANNOUNCEMENTS) == 6);
	assert_true(val(t, "country:CN", SIG_ANNOUNCEMENTS) == 1);
	assert_true(val(t, "asn:131279", SIG_ANNOUNCEMENTS) == 5);

	/* everything withdrawn: all levels back to zero */
	assert_int_equal(sig_tracker_visibility(t, &s24, false, 0, 0, 7000), 0);
	assert_int_equal(sig_tracker_visibility(t, &s22, false, 0, 0, 7000), 0);
	assert_int_equal(sig_tracker_visibility(t, &s21, false, 0, 0, 7000), 0);
	assert_int_equal(sig_tracker_visibility(t, &j48, false, 0, 0, 7000), 0);
	const char *all[] = {"country:KP", "country:CN", "country:JP", A, P, G};
	for (unsigned i = 0; i < 6; i++)
		for (int sig = SIG_VISIBLE_SLASH24; sig <= SIG_ORIGIN_ASNS; sig++)
			assert_true(val(t, all[i], (enum sig_id)sig) == 0);
	struct sig_tracker_stats st;
	sig_tracker_stats(t, &st);
	assert_int_equal(st.prefixes, 4);
	assert_int_equal(st.dropped, 0);
	sig_tracker_free(t);
	geo_db_free(geo);
}

/* Many withdrawals at once (a session reset): all remembered, flaps counted on return. */
static void tracker_many_pending(void **state)
{
	struct sig_tracker_opts o = {.all_countries = false};
	struct geo_entity e;
	struct lo_err err;
	assert_int_equal(geo_entity_parse(&e, "prefix:10.0.0.0/8", &err), 0);
	o.entities = &e;
	o.n_entities = 1;
	struct sig_tracker *t = sig_tracker_new(&o);
	assert_non_null(t);
	for (uint32_t i = 0; i < 50000; i++) {
		struct bgp_prefix p = v4(0x0a000000u + (i << 8), 24);
		assert_int_equal(sig_tracker_route(t, 7, &p, false, 1, true, 1000 + i / 1000), 0);
	}
	for (uint32_t i = 0; i < 50000; i++) {
		struct bgp_prefix p = v4(0x0a000000u + (i << 8), 24);
		assert_int_equal(sig_tracker_route(t, 7, &p, true, 1, false, 1500), 0);
	}
	/* withdrawn at 1000..1049, back at 1500: all within 600 s */
	assert_true(sig_tracker_value(t, 0, SIG_FLAPS) == 50000);
	struct sig_tracker_stats st;
	sig_tracker_stats(t, &st);
	assert_int_equal(st.pending_flaps, 0);
	/* old withdrawals expire: 10k more withdrawn at 2000, announced at 3000 */
	for (uint32_t i = 0; i < 10000; i++) {
		struct bgp_prefix p = v4(0x0a000000u + (i << 8), 24);
		assert_int_equal(sig_tracker_route(t, 7, &p, false, 1, true, 2000), 0);
	}
	for (uint32_t i = 0; i < 10000; i++) {
		struct bgp_prefix p = v4(0x0a000000u + (i << 8), 24);
		assert_int_equal(sig_tracker_route(t, 7, &p, true, 1, false, 3000), 0);
	}
	assert_true(sig_tracker_value(t, 0, SIG_FLAPS) == 50000);
	sig_tracker_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(north_korea_counts_four),
		cmocka_unit_test(sizes_and_long_prefixes),
		cmocka_unit_test(random_against_bitmap),
		cmocka_unit_test(tracker_by_hand),
		cmocka_unit_test(tracker_many_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
