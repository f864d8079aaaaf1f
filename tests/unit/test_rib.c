/*
 * DOC: unit tests for src/rib — full-feed peers and prefix visibility by the
 * DESIGN.md §4 definitions, computed by hand on small tables; interning;
 * single-peer resets and mass withdrawals; memory per route at scale.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rib/rib.h"

struct flips {
	int up, down;
	uint32_t last_time;
	struct bgp_prefix last;
};

static void on_vis(void *ctx, const struct bgp_prefix *p, bool visible, uint32_t time)
{
	struct flips *f = ctx;
	if (visible)
		f->up++;
	else
		f->down++;
	f->last_time = time;
	f->last = *p;
}

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

static struct bgp_addr peer_addr(int i)
{
	struct bgp_addr a;
	memset(&a, 0, sizeof(a));
	a.family = 4;
	a.b[0] = 198;
	a.b[1] = 18;
	a.b[3] = (uint8_t)(i + 1);
	return a;
}

/* AS_PATH of one AS_SEQUENCE with 4-byte ASNs */
static size_t path4(uint8_t *out, const uint32_t *asns, unsigned n)
{
	out[0] = 2;
	out[1] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		out[2 + 4 * i] = (uint8_t)(asns[i] >> 24);
		out[3 + 4 * i] = (uint8_t)(asns[i] >> 16);
		out[4 + 4 * i] = (uint8_t)(asns[i] >> 8);
		out[5 + 4 * i] = (uint8_t)asns[i];
	}
	return 2 + 4 * n;
}

static void full_feed_and_visibility_by_hand(void **state)
{
	struct flips f = {0};
	struct rib_opts o;
	rib_opts_default(&o);
	o.on_visibility = on_vis;
	o.ctx = &f;
	struct rib *r = rib_new(&o);
	uint8_t path[64];
	const uint32_t kp[] = {4837, 131279};
	size_t pl = path4(path, kp, 2);
	int peer[4];

	for (int i = 0; i < 4; i++) {
		struct bgp_addr a = peer_addr(i);
		peer[i] = rib_peer(r, 1, &a, 65000u + (unsigned)i);
		assert_int_equal(peer[i], i);
	}
	struct bgp_addr a0 = peer_addr(0);
	assert_int_equal(rib_peer(r, 1, &a0, 65000), 0); /* same peer, same id */

	/* peers 0..2: 100 /24s from 10.0.0.0 (full feeds); peer 3: 10 of them */
	for (int i = 0; i < 3; i++)
		for (uint32_t k = 0; k < 100; k++) {
			struct bgp_prefix p = v4(0x0a000000u + (k << 8), 24);
			assert_int_equal(rib_announce(r, peer[i], &p, path, pl, 4, 1000), 0);
		}
	for (uint32_t k = 0; k < 10; k++) {
		struct bgp_prefix p = v4(0x0a000000u + (k << 8), 24);
		assert_int_equal(rib_announce(r, peer[3], &p, path, pl, 4, 1000), 0);
	}
	assert_int_equal(rib_full_feed_peers(r, 4), 3);
	assert_false(rib_peer_full_feed(r, peer[3], 4));
	assert_int_equal(rib_peer_routes(r, peer[0], 4), 100);

	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.prefixes[0], 100);
	assert_int_equal(st.routes, 310);
	assert_int_equal(st.paths, 1); /* one interned path for all routes */
	assert_int_equal(st.visible[0], 100);

	/* 175.45.176.0/24 only at peer 0 and 1: 2 of 3 full-feed peers > 50 % */
	struct bgp_prefix kp24 = v4(0xaf2db000u, 24);
	assert_int_equal(rib_announce(r, peer[0], &kp24, path, pl, 4, 2000), 0);
	assert_int_equal(rib_announce(r, peer[1], &kp24, path, pl, 4, 2001), 0);
	struct rib_prefix_info info;
	assert_true(rib_prefix_info(r, &kp24, &info));
	assert_int_equal(info.peers, 2);
	assert_int_equal(info.full_feed_peers, 2);
	assert_true(info.visible);
	assert_int_equal(info.origin_asn, 131279);
	assert_int_equal(f.last_time, 2001); /* became visible with the 2nd update */

	/* one withdrawal: 1 of 3 is not more than half -> invisible at t=3000 */
	int down = f.down;
	assert_int_equal(rib_withdraw(r, peer[1], &kp24, 3000), 0);
	assert_int_equal(f.down, down + 1);
	assert_int_equal(f.last_time, 3000);
	assert_true(rib_prefix_info(r, &kp24, &info));
	assert_false(info.visible);
	/* the last withdrawal removes the prefix */
	assert_int_equal(rib_withdraw(r, peer[0], &kp24, 3001), 0);
	assert_false(rib_prefix_info(r, &kp24, &info));
	/* withdrawing what is not there is a no-op */
	assert_int_equal(rib_withdraw(r, peer[0], &kp24, 3002), 0);
	rib_free(r);
}

static void single_peer_reset_and_mass_withdrawal_keep_visibility(void **state)
{
	struct flips f = {0};
	struct rib_opts o;
	rib_opts_default(&o);
	o.on_visibility = on_vis;
	o.ctx = &f;
	struct rib *r = rib_new(&o);
	uint8_t path[64];
	const uint32_t asns[] = {3356, 4837, 131279};
	size_t pl = path4(path, asns, 3);

	for (int i = 0; i < 5; i++) {
		struct bgp_addr a = peer_addr(i);
		int id = rib_peer(r, 1, &a, 65000u + (unsigned)i);
		for (uint32_t k = 0; k < 200; k++) {
			struct bgp_prefix p = v4(0x0b000000u + (k << 8), 24);
			assert_int_equal(rib_announce(r, id, &p, path, pl, 4, 100), 0);
		}
	}
	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.visible[0], 200);
	int down = f.down;

	/* peer 0 resets its session: 4 full-feed peers remain, all still visible */
	assert_int_equal(rib_peer_down(r, 0, 500), 0);
	assert_int_equal(rib_full_feed_peers(r, 4), 4);
	rib_stats(r, &st);
	assert_int_equal(st.visible[0], 200);
	assert_int_equal(st.routes, 800);
	assert_int_equal(f.down, down);

	/* peer 1 withdraws everything, one by one: it stops being full-feed and
	 * nothing becomes invisible */
	for (uint32_t k = 0; k < 200; k++) {
		struct bgp_prefix p = v4(0x0b000000u + (k << 8), 24);
		assert_int_equal(rib_withdraw(r, 1, &p, 600 + k), 0);
	}
	assert_int_equal(rib_full_feed_peers(r, 4), 3);
	rib_stats(r, &st);
	assert_int_equal(st.visible[0], 200);
	assert_int_equal(f.down, down);

	/* but when all of them withdraw one prefix, it goes dark */
	struct bgp_prefix p0 = v4(0x0b000000u, 24);
	for (int i = 2; i < 5; i++)
		assert_int_equal(rib_withdraw(r, i, &p0, 900 + (uint32_t)i), 0);
	assert_int_equal(f.down, down + 1);
	/* 3 ff peers: invisible once 2 of 3 have withdrawn (1 > 1.5 is false) */
	assert_int_equal(f.last_time, 903);
	rib_free(r);
}

static void two_byte_paths_are_widened_and_interned(void **state)
{
	struct rib *r = rib_new(NULL);
	struct bgp_addr a = peer_addr(0);
	int id = rib_peer(r, 1, &a, 3333);
	const uint8_t p2[] = {2, 2, 0x12, 0xe5, 0x0d, 0x05}; /* 4837 3333, 2-byte */
	uint8_t p4[16];
	const uint32_t asns[] = {4837, 3333};
	size_t l4 = path4(p4, asns, 2);
	struct bgp_prefix x = v4(0xc6120000u, 15), y = v4(0xc6140000u, 16);

	assert_int_equal(rib_announce(r, id, &x, p2, sizeof(p2), 2, 1), 0);
	assert_int_equal(rib_announce(r, id, &y, p4, l4, 4, 1), 0);
	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.paths, 1);
	/* replacing a route releases its old path */
	const uint32_t other[] = {174};
	l4 = path4(p4, other, 1);
	assert_int_equal(rib_announce(r, id, &x, p4, l4, 4, 2), 0);
	assert_int_equal(rib_announce(r, id, &y, p4, l4, 4, 2), 0);
	rib_stats(r, &st);
	assert_int_equal(st.paths, 1);
	struct rib_prefix_info info;
	assert_true(rib_prefix_info(r, &x, &info));
	assert_int_equal(info.origin_asn, 174);
	/* bad input is refused */
	struct bgp_prefix bad = v4(0, 33);
	assert_int_equal(rib_announce(r, id, &bad, p4, l4, 4, 3), LO_EINVAL);
	assert_int_equal(rib_announce(r, 99, &x, p4, l4, 4, 3), LO_EINVAL);
	rib_free(r);
}

static void memory_per_route_at_scale(void **state)
{
	struct rib *r = rib_new(NULL);
	uint8_t path[64];
	enum { PEERS = 10, PREFIXES = 200000 };

	for (int i = 0; i < PEERS; i++) {
		struct bgp_addr a = peer_addr(i);
		int id = rib_peer(r, 1, &a, 65000u + (unsigned)i);
		for (uint32_t k = 0; k < PREFIXES; k++) {
			/* ~20k distinct paths, as in a real table */
			const uint32_t asns[] = {65000u + (unsigned)i, 3356, 10000 + k % 20000};
			size_t pl = path4(path, asns, 3);
			struct bgp_prefix p = v4(0x01000000u + (k << 8), 24);
			assert_int_equal(rib_announce(r, id, &p, path, pl, 4, 1), 0);
		}
	}
	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.routes, (size_t)PEERS * PREFIXES);
	assert_int_equal(st.visible[0], PREFIXES);
	double per_route = (double)st.bytes / (double)st.routes;
	print_message("rib: %zu routes, %zu paths, %.1f bytes per route\n", st.routes, st.paths,
		      per_route);
	assert_true(per_route <= 32.0);
	rib_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_feed_and_visibility_by_hand),
		cmocka_unit_test(single_peer_reset_and_mass_withdrawal_keep_visibility),
		cmocka_unit_test(two_byte_paths_are_widened_and_interned),
		cmocka_unit_test(memory_per_route_at_scale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
