/*
 * DOC: unit tests for src/rib — full-feed peers and prefix visibility by the
 * DESIGN.md §4 definitions, computed by hand on small tables; interning;
 * single-peer resets and mass withdrawals; the route callback; RIB dumps
 * that no longer list a peer; memory per route at scale (also when peers
 * load their tables one after the other).
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

/* ---------------------------------------------------------------- on_route */

/* What the callbacks saw, in order: visibility changes and route changes. */
struct ev {
	char kind; /* 'V' visibility, 'R' route */
	int peer;
	struct bgp_prefix p;
	enum rib_change what;
	uint32_t origin;
	bool had, visible;
	uint32_t time;
	size_t peer_routes; /* rib_peer_routes() of the peer when called */
	unsigned prefix_peers;
};

struct evlog {
	struct rib *r;
	struct ev ev[64];
	int n;
};

static void log_vis(void *ctx, const struct bgp_prefix *p, bool visible, uint32_t time)
{
	struct evlog *l = ctx;
	struct rib_prefix_info info;
	assert_true(l->n < 64);
	/* a query from the callback sees the prefix as it is now */
	bool has = rib_prefix_info(l->r, p, &info);
	assert_int_equal(has, info.peers > 0);
	assert_int_equal(info.visible, visible);
	l->ev[l->n++] = (struct ev){.kind = 'V',
				    .peer = -1,
				    .p = *p,
				    .visible = visible,
				    .time = time,
				    .prefix_peers = info.peers};
}

static void log_route(void *ctx, int peer, const struct bgp_prefix *p, enum rib_change what,
		      uint32_t origin, bool had_route, uint32_t time)
{
	struct evlog *l = ctx;
	struct rib_prefix_info info;
	assert_true(l->n < 64);
	l->ev[l->n++] = (struct ev){
		.kind = 'R',
		.peer = peer,
		.p = *p,
		.what = what,
		.origin = origin,
		.had = had_route,
		.time = time,
		.peer_routes = rib_peer_routes(l->r, peer, p->addr.family),
		.prefix_peers = rib_prefix_info(l->r, p, &info) ? info.peers : 0,
	};
}

static struct rib *logged_rib(struct evlog *l)
{
	struct rib_opts o;
	rib_opts_default(&o);
	o.on_visibility = log_vis;
	o.on_route = log_route;
	o.ctx = l;
	memset(l, 0, sizeof(*l));
	l->r = rib_new(&o);
	return l->r;
}

static bool same_prefix(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->addr.family == b->addr.family && a->len == b->len &&
	       !memcmp(a->addr.b, b->addr.b, 16);
}

static void assert_route(const struct ev *e, int peer, const struct bgp_prefix *p,
			 enum rib_change what, uint32_t origin, bool had, uint32_t time)
{
	assert_int_equal(e->kind, 'R');
	assert_int_equal(e->peer, peer);
	assert_true(same_prefix(&e->p, p));
	assert_int_equal(e->what, what);
	assert_int_equal(e->origin, origin);
	assert_int_equal(e->had, had);
	assert_int_equal(e->time, time);
}

static void on_route_reports_every_change(void **state)
{
	struct evlog l;
	struct rib *r = logged_rib(&l);
	uint8_t pa[64], pb[64], pset[16];
	const uint32_t a[] = {3356, 4837, 131279}, b[] = {174, 64512};
	size_t la = path4(pa, a, 3), lb = path4(pb, b, 2);
	/* 65001 {64600 64601}: ends in an AS_SET, no origin */
	const uint8_t set[] = {2, 1, 0, 0, 0xfd, 0xe9, 1, 2, 0, 0, 0xfc, 0x58, 0, 0, 0xfc, 0x59};
	memcpy(pset, set, sizeof(set));
	struct bgp_addr a0 = peer_addr(0);
	int p0 = rib_peer(r, 7, &a0, 65000);
	struct bgp_prefix x = v4(0xc0000200u, 24), y = v4(0xc6336400u, 24);

	/* a new route: the only peer is full-feed, so x becomes visible first */
	assert_int_equal(rib_announce(r, p0, &x, pa, la, 4, 10), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ev[0].kind, 'V');
	assert_true(l.ev[0].visible);
	assert_route(&l.ev[1], p0, &x, RIB_ANNOUNCE, 131279, false, 10);
	assert_int_equal(l.ev[1].peer_routes, 1);
	assert_int_equal(l.ev[1].prefix_peers, 1);

	/* a replacing route, then the same route again */
	assert_int_equal(rib_announce(r, p0, &x, pb, lb, 4, 11), 0);
	assert_int_equal(rib_announce(r, p0, &x, pb, lb, 4, 12), 0);
	assert_int_equal(l.n, 4);
	assert_route(&l.ev[2], p0, &x, RIB_ANNOUNCE, 64512, true, 11);
	assert_route(&l.ev[3], p0, &x, RIB_ANNOUNCE, 64512, true, 12);
	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.paths, 1);
	assert_int_equal(st.routes, 1);

	/* a route ending in an AS_SET has no origin */
	assert_int_equal(rib_announce(r, p0, &y, pset, sizeof(set), 4, 13), 0);
	assert_route(&l.ev[l.n - 1], p0, &y, RIB_ANNOUNCE, 0, false, 13);

	/* withdrawals: with a route (its origin), then without */
	int n = l.n;
	assert_int_equal(rib_withdraw(r, p0, &x, 20), 0);
	/* x goes dark (y keeps p0 full-feed), then the withdrawal is reported */
	assert_int_equal(l.n, n + 2);
	assert_int_equal(l.ev[n].kind, 'V');
	assert_true(same_prefix(&l.ev[n].p, &x));
	assert_false(l.ev[n].visible);
	assert_int_equal(l.ev[n].time, 20);
	assert_route(&l.ev[n + 1], p0, &x, RIB_WITHDRAW, 64512, true, 20);
	assert_int_equal(l.ev[n + 1].peer_routes, 1);
	assert_int_equal(l.ev[n + 1].prefix_peers, 0);
	assert_int_equal(rib_withdraw(r, p0, &x, 21), 0);
	assert_route(&l.ev[n + 2], p0, &x, RIB_WITHDRAW, 0, false, 21);
	struct bgp_prefix never = v4(0x0a000000u, 8);
	assert_int_equal(rib_withdraw(r, p0, &never, 22), 0);
	assert_route(&l.ev[n + 3], p0, &never, RIB_WITHDRAW, 0, false, 22);
	assert_int_equal(l.n, n + 4);

	/* refused input reports nothing */
	struct bgp_prefix bad = v4(0, 33);
	assert_int_equal(rib_announce(r, p0, &bad, pa, la, 4, 23), LO_EINVAL);
	assert_int_equal(rib_withdraw(r, 42, &x, 23), LO_EINVAL);
	assert_int_equal(l.n, n + 4);
	rib_free(r);
}

static void on_route_reports_peer_down_after_the_fact(void **state)
{
	struct evlog l;
	struct rib *r = logged_rib(&l);
	uint8_t path[64];
	struct bgp_addr a0 = peer_addr(0), a1 = peer_addr(1);
	int p0 = rib_peer(r, 1, &a0, 65000), p1 = rib_peer(r, 1, &a1, 65001);
	struct bgp_prefix q[3] = {v4(0x0b000000u, 24), v4(0x0b000100u, 24), v4(0x0b000200u, 24)};
	const uint32_t origins[3] = {100, 200, 300};

	/* both peers hold q0..q2, each prefix from its own origin: all visible */
	for (int i = 0; i < 3; i++) {
		const uint32_t asns[] = {3356, origins[i]};
		size_t pl = path4(path, asns, 2);
		assert_int_equal(rib_announce(r, p0, &q[i], path, pl, 4, 50), 0);
		assert_int_equal(rib_announce(r, p1, &q[i], path, pl, 4, 50), 0);
	}
	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.visible[0], 3);

	/*
	 * p1 goes down at t=60: 1 of 1 full-feed peers still has them, so
	 * visibility stays (also on the way: no flip while p1's routes are
	 * gone but it still counts as full-feed)
	 */
	l.n = 0;
	assert_int_equal(rib_peer_down(r, p1, 60), 0);
	assert_int_equal(l.n, 3);
	bool seen[3] = {false, false, false};
	for (int i = 0; i < 3; i++) {
		const struct ev *e = &l.ev[i];
		int j = 0;
		while (j < 3 && !same_prefix(&e->p, &q[j]))
			j++;
		assert_true(j < 3);
		assert_false(seen[j]);
		seen[j] = true;
		assert_route(e, p1, &q[j], RIB_WITHDRAW, origins[j], true, 60);
		assert_int_equal(e->peer_routes, 0); /* reported once all are gone */
		assert_int_equal(e->prefix_peers, 1);
	}

	/* p0 goes down too: the prefixes go dark first, then the routes are reported */
	l.n = 0;
	assert_int_equal(rib_peer_down(r, p0, 70), 0);
	assert_int_equal(l.n, 6);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(l.ev[i].kind, 'V');
		assert_false(l.ev[i].visible);
		assert_int_equal(l.ev[3 + i].kind, 'R');
		assert_int_equal(l.ev[3 + i].what, RIB_WITHDRAW);
		assert_int_equal(l.ev[3 + i].prefix_peers, 0);
	}
	/* a peer without routes reports nothing */
	l.n = 0;
	assert_int_equal(rib_peer_down(r, p0, 80), 0);
	assert_int_equal(l.n, 0);
	rib_free(r);
}

static void peer_info_and_apply_elem_name_the_peer(void **state)
{
	struct rib_opts o;
	rib_opts_default(&o);
	o.max_peers = 1;
	struct rib *r = rib_new(&o);
	uint8_t path[16];
	const uint32_t asns[] = {3356, 15169};
	struct bgp_attrs attrs;
	memset(&attrs, 0, sizeof(attrs));
	attrs.asn_size = 4;
	attrs.as_path = path;
	attrs.as_path_len = (uint16_t)path4(path, asns, 2);
	struct mrt_elem e;
	memset(&e, 0, sizeof(e));
	e.type = MRT_ELEM_ANNOUNCE;
	e.time = 5;
	e.peer_addr = peer_addr(3);
	e.peer_asn = 64999;
	e.prefix = v4(0x08080800u, 24);
	e.attrs = &attrs;

	int peer = -7;
	assert_int_equal(rib_apply_elem(r, 9, &e, &peer), 0);
	assert_int_equal(peer, 0);
	assert_int_equal(rib_apply_elem(r, 9, &e, NULL), 0);
	uint16_t col = 0;
	struct bgp_addr addr;
	uint32_t asn = 0;
	assert_int_equal(rib_peer_info(r, peer, &col, &addr, &asn), 0);
	assert_int_equal(col, 9);
	assert_int_equal(asn, 64999);
	assert_int_equal(addr.family, 4);
	assert_memory_equal(addr.b, e.peer_addr.b, 16);
	assert_int_equal(rib_peer_info(r, peer, NULL, NULL, NULL), 0);
	assert_int_equal(rib_peer_info(r, 1, &col, &addr, &asn), LO_EINVAL);
	assert_int_equal(rib_peer_info(r, -1, NULL, NULL, NULL), LO_EINVAL);

	/* a second peer is over the cap: no id */
	e.peer_asn = 65000;
	assert_int_equal(rib_apply_elem(r, 9, &e, &peer), LO_ETOOBIG);
	assert_int_equal(peer, -1);
	rib_free(r);
}

/* ---------------------------------------------------------------- RIB dumps */

static int apply(struct rib *r, uint16_t col, enum mrt_elem_type type, int peer_idx, uint32_t asn,
		 struct bgp_prefix p, uint32_t origin, uint32_t time)
{
	uint8_t path[16];
	const uint32_t asns[] = {asn, origin};
	struct bgp_attrs attrs;
	memset(&attrs, 0, sizeof(attrs));
	attrs.asn_size = 4;
	attrs.as_path = path;
	attrs.as_path_len = (uint16_t)path4(path, asns, 2);
	struct mrt_elem e;
	memset(&e, 0, sizeof(e));
	e.type = type;
	e.time = time;
	e.peer_addr = peer_addr(peer_idx);
	e.peer_asn = asn;
	e.prefix = p;
	e.attrs = &attrs;
	return rib_apply_elem(r, col, &e, NULL);
}

static void dump_without_a_peer_takes_it_down(void **state)
{
	struct evlog l;
	struct rib *r = logged_rib(&l);
	struct bgp_prefix p1 = v4(0x0c000000u, 16), p2 = v4(0x0c010000u, 16),
			  p3 = v4(0x0c020000u, 16), p5 = v4(0x0c040000u, 16);
	enum { A = 0, B = 1, C = 2, D = 3 };
	const uint32_t asn[] = {65000, 65001, 65002, 65003};

	/* dump 1 of collector 1: A and B hold p1 and p2 */
	rib_dump_begin(r, 1);
	assert_int_equal(apply(r, 1, MRT_ELEM_RIB, A, asn[A], p1, 101, 100), 0);
	assert_int_equal(apply(r, 1, MRT_ELEM_RIB, A, asn[A], p2, 102, 100), 0);
	assert_int_equal(apply(r, 1, MRT_ELEM_RIB, B, asn[B], p1, 101, 100), 0);
	assert_int_equal(apply(r, 1, MRT_ELEM_RIB, B, asn[B], p2, 102, 100), 0);
	assert_int_equal(rib_dump_end(r, 1, 100), 0);
	/* collector 2's peer C holds p1 and p3: 3 full-feed peers of 2 routes */
	assert_int_equal(apply(r, 2, MRT_ELEM_ANNOUNCE, C, asn[C], p1, 101, 150), 0);
	assert_int_equal(apply(r, 2, MRT_ELEM_ANNOUNCE, C, asn[C], p3, 103, 150), 0);
	assert_int_equal(rib_full_feed_peers(r, 4), 3);
	struct rib_prefix_info info;
	assert_true(rib_prefix_info(r, &p2, &info));
	assert_true(info.visible); /* 2 of 3 */
	assert_true(rib_prefix_info(r, &p3, &info));
	assert_false(info.visible); /* 1 of 3 */

	/* dump 2 of collector 1 lists only A: B goes down at its end */
	rib_dump_begin(r, 1);
	assert_int_equal(apply(r, 1, MRT_ELEM_RIB, A, asn[A], p1, 101, 200), 0);
	assert_int_equal(apply(r, 1, MRT_ELEM_RIB, A, asn[A], p2, 102, 200), 0);
	l.n = 0;
	assert_int_equal(rib_dump_end(r, 1, 210), 1);
	int b = rib_peer(r, 1, &(struct bgp_addr){.family = 4, .b = {198, 18, 0, 2}}, asn[B]);
	assert_int_equal(b, 1);
	assert_int_equal(rib_peer_routes(r, b, 4), 0);
	assert_false(rib_peer_full_feed(r, b, 4));
	assert_int_equal(rib_full_feed_peers(r, 4), 2);
	/* p2: A only, 1 of 2 full-feed peers is not more than half */
	assert_true(rib_prefix_info(r, &p2, &info));
	assert_false(info.visible);
	assert_true(rib_prefix_info(r, &p1, &info));
	assert_true(info.visible);
	assert_int_equal(info.peers, 2);
	/* the callbacks: p2 went dark, then B's two routes, all at the dump's end */
	assert_int_equal(l.n, 3);
	assert_int_equal(l.ev[0].kind, 'V');
	assert_true(same_prefix(&l.ev[0].p, &p2));
	assert_false(l.ev[0].visible);
	assert_int_equal(l.ev[0].time, 210);
	for (int i = 1; i < 3; i++) {
		const struct bgp_prefix *want = same_prefix(&l.ev[i].p, &p1) ? &p1 : &p2;
		assert_route(&l.ev[i], b, want, RIB_WITHDRAW, want == &p1 ? 101 : 102, true, 210);
	}
	assert_false(same_prefix(&l.ev[1].p, &l.ev[2].p));
	/* C, of another collector, is untouched */
	int c = rib_peer(r, 2, &(struct bgp_addr){.family = 4, .b = {198, 18, 0, 3}}, asn[C]);
	assert_int_equal(rib_peer_routes(r, c, 4), 2);

	/* D announces p5 between dumps and is in the next dump's peer index, but
	 * without entries: absent too (no RIB elem names it) */
	assert_int_equal(apply(r, 1, MRT_ELEM_ANNOUNCE, D, asn[D], p5, 105, 250), 0);
	rib_dump_begin(r, 1);
	assert_int_equal(apply(r, 1, MRT_ELEM_RIB, A, asn[A], p1, 101, 300), 0);
	assert_int_equal(apply(r, 1, MRT_ELEM_RIB, A, asn[A], p2, 102, 300), 0);
	assert_int_equal(rib_dump_end(r, 1, 300), 1);
	assert_false(rib_prefix_info(r, &p5, &info));
	/* a dump of collector 2 without entries takes C down; B (no routes) is not counted */
	rib_dump_begin(r, 2);
	assert_int_equal(rib_dump_end(r, 2, 400), 1);
	assert_int_equal(rib_peer_routes(r, c, 4), 0);
	assert_true(rib_prefix_info(r, &p1, &info));
	assert_int_equal(info.peers, 1);
	/* an end without a begin does nothing */
	assert_int_equal(rib_dump_end(r, 1, 500), 0);
	assert_int_equal(rib_peer_routes(r, 0, 4), 2);
	rib_free(r);
}

static void prefixes_seen_by_thousands_of_peers(void **state)
{
	struct flips f = {0};
	struct rib_opts o;
	rib_opts_default(&o);
	o.on_visibility = on_vis;
	o.ctx = &f;
	struct rib *r = rib_new(&o);
	uint8_t path[64];
	enum { PEERS = 2800, PREFIXES = 40 };

	/* peer after peer: every prefix's routes outgrow the small blocks */
	for (int i = 0; i < PEERS; i++) {
		struct bgp_addr a = peer_addr(i);
		a.b[2] = (uint8_t)(i >> 8);
		int id = rib_peer(r, 1, &a, 65000u + (unsigned)i);
		assert_int_equal(id, i);
		const uint32_t asns[] = {65000u + (unsigned)i, 3356, 15169};
		size_t pl = path4(path, asns, 3);
		for (uint32_t k = 0; k < PREFIXES; k++) {
			struct bgp_prefix p = v4(0x0d000000u + (k << 8), 24);
			assert_int_equal(rib_announce(r, id, &p, path, pl, 4, 1), 0);
		}
	}
	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.routes, (size_t)PEERS * PREFIXES);
	assert_int_equal(st.paths, PEERS);
	assert_int_equal(st.visible[0], PREFIXES);
	assert_int_equal(rib_full_feed_peers(r, 4), PEERS);
	print_message("rib: %zu routes of %d peers, %.1f bytes per route\n", st.routes, PEERS,
		      (double)st.bytes / (double)st.routes);
	assert_true((double)st.bytes / (double)st.routes <= 32.0);

	/* 2400 peers withdraw the first prefix: 400 of 2800 is not more than half */
	struct bgp_prefix p0 = v4(0x0d000000u, 24), p1 = v4(0x0d000100u, 24);
	int down = f.down;
	for (int i = 0; i < 2400; i++)
		assert_int_equal(rib_withdraw(r, i, &p0, 2), 0);
	struct rib_prefix_info info;
	assert_true(rib_prefix_info(r, &p0, &info));
	assert_int_equal(info.peers, 400);
	assert_int_equal(info.full_feed_peers, 400);
	assert_false(info.visible);
	assert_int_equal(info.origin_asn, 15169);
	assert_int_equal(info.upstream_asn, 3356);
	assert_int_equal(f.down, down + 1);
	assert_int_equal(f.last_time, 2);
	/* the last peer goes down: every other prefix keeps 2799 routes */
	assert_int_equal(rib_peer_down(r, PEERS - 1, 3), 0);
	assert_true(rib_prefix_info(r, &p1, &info));
	assert_int_equal(info.peers, PEERS - 1);
	assert_true(info.visible);
	assert_true(rib_prefix_info(r, &p0, &info));
	assert_int_equal(info.peers, 399);
	rib_stats(r, &st);
	assert_int_equal(st.routes, (size_t)(PEERS - 1) * PREFIXES - 2400);
	assert_int_equal(st.visible[0], PREFIXES - 1);
	rib_free(r);
}

/* ---------------------------------------------------------------- model */

enum { M_PEERS = 8, M_V4 = 200, M_V6 = 60, M_PFX = M_V4 + M_V6 };

struct model {
	struct bgp_prefix p[M_PFX];
	uint32_t origin[M_PEERS][M_PFX]; /* 0: no route (origins are never 0 here) */
	bool vis[M_PFX];		 /* as told by on_visibility */
	int bad;			 /* repeated or unknown visibility reports */
};

static void model_vis(void *ctx, const struct bgp_prefix *p, bool visible, uint32_t time)
{
	struct model *m = ctx;
	int i = 0;
	while (i < M_PFX && !same_prefix(&m->p[i], p))
		i++;
	if (i == M_PFX || m->vis[i] == visible)
		m->bad++;
	else
		m->vis[i] = visible;
}

/* Full-feed peers and visibility straight from the DESIGN.md §4 definitions. */
static void model_check(struct rib *r, const struct model *m)
{
	for (int f = 0; f < 2; f++) {
		int lo = f ? M_V4 : 0, hi = f ? M_PFX : M_V4;
		size_t routes[M_PEERS], max = 0;
		bool ff[M_PEERS];
		unsigned n_ff = 0;
		for (int q = 0; q < M_PEERS; q++) {
			routes[q] = 0;
			for (int i = lo; i < hi; i++)
				routes[q] += m->origin[q][i] != 0;
			if (routes[q] > max)
				max = routes[q];
		}
		for (int q = 0; q < M_PEERS; q++) {
			ff[q] = routes[q] > 0 && (double)routes[q] >= 0.75 * (double)max;
			n_ff += ff[q];
			assert_int_equal(rib_peer_routes(r, q, f ? 6 : 4), routes[q]);
			assert_int_equal(rib_peer_full_feed(r, q, f ? 6 : 4), ff[q]);
		}
		assert_int_equal(rib_full_feed_peers(r, f ? 6 : 4), n_ff);
		for (int i = lo; i < hi; i++) {
			unsigned n = 0, nf = 0;
			uint32_t last = 0;
			for (int q = 0; q < M_PEERS; q++)
				if (m->origin[q][i]) {
					n++;
					nf += ff[q];
					last = m->origin[q][i];
				}
			bool visible = n_ff > 0 && (double)nf > 0.5 * (double)n_ff;
			struct rib_prefix_info info;
			assert_int_equal(rib_prefix_info(r, &m->p[i], &info), n > 0);
			assert_int_equal(info.peers, n);
			assert_int_equal(info.full_feed_peers, nf);
			assert_int_equal(info.visible, visible);
			assert_int_equal(m->vis[i], visible);
			assert_int_equal(info.origin_asn, last); /* of the highest peer id */
		}
	}
	assert_int_equal(m->bad, 0);
}

static void random_updates_match_a_model(void **state)
{
	static struct model m;
	struct rib_opts o;
	rib_opts_default(&o);
	o.on_visibility = model_vis;
	o.ctx = &m;
	memset(&m, 0, sizeof(m));
	struct rib *r = rib_new(&o);
	uint64_t x = 0x2545f4914f6cdd1dull;
	uint8_t path[64];

	for (int i = 0; i < M_PFX; i++) {
		if (i < M_V4) {
			m.p[i] = v4(0x64000000u + ((uint32_t)i << 12), (uint8_t)(20 + i % 5));
		} else {
			memset(&m.p[i], 0, sizeof(m.p[i]));
			m.p[i].addr.family = 6;
			m.p[i].addr.b[0] = 0x20;
			m.p[i].addr.b[1] = 0x01;
			m.p[i].addr.b[5] = (uint8_t)i;
			m.p[i].len = 48;
		}
	}
	for (int q = 0; q < M_PEERS; q++) {
		struct bgp_addr a = peer_addr(q);
		assert_int_equal(rib_peer(r, 1, &a, 65000u + (unsigned)q), q);
	}
	for (uint32_t op = 1; op <= 30000; op++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int q = (int)(x % M_PEERS), i = (int)((x >> 8) % M_PFX);
		unsigned what = (unsigned)((x >> 24) % 1000);
		if (what < 3) {
			assert_int_equal(rib_peer_down(r, q, op), 0);
			for (int k = 0; k < M_PFX; k++)
				m.origin[q][k] = 0;
		} else if (what < 400) {
			assert_int_equal(rib_withdraw(r, q, &m.p[i], op), 0);
			m.origin[q][i] = 0;
		} else {
			uint32_t origin = 1 + (uint32_t)((x >> 40) % 50);
			const uint32_t asns[] = {65000u + (unsigned)q, 3356, origin};
			size_t pl = path4(path, asns, 3);
			assert_int_equal(rib_announce(r, q, &m.p[i], path, pl, 4, op), 0);
			m.origin[q][i] = origin;
		}
		if (op % 500 == 0)
			model_check(r, &m);
	}
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
		cmocka_unit_test(on_route_reports_every_change),
		cmocka_unit_test(on_route_reports_peer_down_after_the_fact),
		cmocka_unit_test(peer_info_and_apply_elem_name_the_peer),
		cmocka_unit_test(dump_without_a_peer_takes_it_down),
		cmocka_unit_test(prefixes_seen_by_thousands_of_peers),
		cmocka_unit_test(random_updates_match_a_model),
		cmocka_unit_test(memory_per_route_at_scale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
