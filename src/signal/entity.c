/*
 * DOC: per-entity signals (see signal.h, struct sig_tracker).
 *
 * Prefixes: one entry per prefix ever seen, in an open-addressed table
 * that never deletes (a prefix's index is stable), holding whether it is
 * visible, the origin it was counted under, when it last lost visibility,
 * and the countries geo places it in (cached: geo is asked once per prefix
 * for route changes; visibility changes ask again for the parts' ranges).
 *
 * Flaps: a withdrawal of (peer, prefix) is remembered with its time in a
 * second table, keyed by peer and prefix index; a re-announcement within
 * flap_window is a flap.  Entries expire by time: the table is swept when it
 * fills, and grows only if the sweep freed too little.
 *
 * Countries are found through geo's split of each prefix into country
 * parts; each part's address range becomes CIDR blocks added to that
 * country's sig_space.  AS entities take the whole prefix of their origin
 * AS; prefix entities the part of the prefix inside them; groups what their
 * members take.
 */
#include "signal/signal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTITIES 100000
#define CC_SLOTS     (26 * 26)
#define N_CC_CACHE   3
#define CC_UNKNOWN   0xff /* countries not looked up yet */
#define CC_MANY	     0xfe /* more than N_CC_CACHE: look up every time */

/* ---------------------------------------------------------------- names */

static const char *const names[SIG_COUNT] = {
	[SIG_VISIBLE_SLASH24] = "bgp.visible_slash24",
	[SIG_VISIBLE_SLASH48] = "bgp.visible_slash48",
	[SIG_PREFIXES] = "bgp.prefixes",
	[SIG_ORIGIN_ASNS] = "bgp.origin_asns",
	[SIG_ANNOUNCEMENTS] = "bgp.announcements",
	[SIG_WITHDRAWALS] = "bgp.withdrawals",
	[SIG_FLAPS] = "bgp.flaps",
	[SIG_VISIBILITY_FLAPS] = "bgp.visibility_flaps",
};

const char *sig_name(enum sig_id s)
{
	return (unsigned)s < SIG_COUNT ? names[s] : "?";
}

int sig_lookup(const char *name)
{
	for (int i = 0; i < SIG_COUNT; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

bool sig_is_counter(enum sig_id s)
{
	return s >= SIG_ANNOUNCEMENTS && s < SIG_COUNT;
}

/* ---------------------------------------------------------------- ASN multiset */

/* Distinct origins of an entity's visible prefixes: ASN -> count, linear probing. */
struct asn_bag {
	uint32_t *asn, *cnt;
	uint32_t cap, live;
};

static uint32_t asn_slot(uint32_t asn, uint32_t mask)
{
	return (uint32_t)((asn * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

static int bag_grow(struct asn_bag *b)
{
	uint32_t n = b->cap ? b->cap * 2 : 16;
	uint32_t *a = calloc(n, sizeof(*a)), *c = calloc(n, sizeof(*c));
	if (!a || !c) {
		free(a);
		free(c);
		return LO_ENOMEM;
	}
	for (uint32_t i = 0; i < b->cap; i++) {
		if (!b->cnt[i])
			continue;
		uint32_t j = asn_slot(b->asn[i], n - 1);
		while (c[j])
			j = (j + 1) & (n - 1);
		a[j] = b->asn[i];
		c[j] = b->cnt[i];
	}
	free(b->asn);
	free(b->cnt);
	b->asn = a;
	b->cnt = c;
	b->cap = n;
	return 0;
}

static int bag_add(struct asn_bag *b, uint32_t asn, int delta)
{
	if (delta > 0 && (b->live + 1) * 2 > b->cap && bag_grow(b))
		return LO_ENOMEM;
	if (!b->cap)
		return LO_EINVAL;
	uint32_t mask = b->cap - 1, j = asn_slot(asn, mask);
	while (b->cnt[j] && b->asn[j] != asn)
		j = (j + 1) & mask;
	if (delta > 0) {
		if (!b->cnt[j]) {
			b->asn[j] = asn;
			b->live++;
		}
		b->cnt[j]++;
		return 0;
	}
	if (!b->cnt[j])
		return LO_EINVAL;
	if (--b->cnt[j])
		return 0;
	/* delete by shifting back the entries of the probe run */
	b->live--;
	for (uint32_t i = j, k = (j + 1) & mask; b->cnt[k]; k = (k + 1) & mask) {
		uint32_t home = asn_slot(b->asn[k], mask);
		if (((k - home) & mask) >= ((k - i) & mask)) {
			b->asn[i] = b->asn[k];
			b->cnt[i] = b->cnt[k];
			b->cnt[k] = 0;
			i = k;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- state */

struct ent {
	struct geo_entity e;
	char spec[96];
	const struct sig_group *group;
	struct sig_space *space[2]; /* IPv4, IPv6 (made on first use) */
	double level[SIG_ANNOUNCEMENTS];
	uint64_t count[SIG_COUNT - SIG_ANNOUNCEMENTS];
	struct asn_bag origins;
};

struct pstate {
	uint8_t key[18]; /* family, len, 16 address bytes */
	uint8_t used;
	uint8_t visible;
	uint8_t n_cc; /* cached countries, CC_UNKNOWN or CC_MANY */
	uint16_t cc[N_CC_CACHE];
	uint32_t origin;   /* counted under this origin while visible */
	uint32_t upstream; /* the AS before it, when it became visible */
	uint32_t vis_lost; /* when it last stopped being visible (0: never) */
};

struct pending {
	uint64_t key; /* peer << 32 | prefix index; 0 = empty */
	uint32_t time;
};

struct sig_tracker {
	struct sig_tracker_opts o;
	struct ent *v;
	unsigned n, cap;
	int country[CC_SLOTS]; /* entity index + 1 of each country */
	unsigned *others;      /* entities that are not countries */
	unsigned n_others;
	struct pstate *ps;
	uint64_t *ps_slots; /* hash << 32 | (index + 1) */
	size_t n_ps, ps_cap, n_ps_slots;
	struct pending *pend;
	size_t n_pend, n_pend_slots;
	uint64_t dropped;
	/* per change: entities touched (deduplicated) */
	unsigned *touched;
	unsigned n_touched;
	uint8_t *is_touched;
};

static bool cc_valid(const char *cc)
{
	return cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z' && !cc[2];
}

static int cc_slot(const char *cc)
{
	return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

static int ent_add(struct sig_tracker *t, const struct geo_entity *e, const struct sig_group *g)
{
	if (t->n >= MAX_ENTITIES)
		return LO_ETOOBIG;
	if (t->n == t->cap) {
		unsigned nc = t->cap ? t->cap * 2 : 64;
		struct ent *v = realloc(t->v, nc * sizeof(*v));
		unsigned *tv = realloc(t->touched, nc * sizeof(*tv));
		unsigned *ov = realloc(t->others, nc * sizeof(*ov));
		uint8_t *it = realloc(t->is_touched, nc);
		if (v)
			t->v = v;
		if (tv)
			t->touched = tv;
		if (ov)
			t->others = ov;
		if (it)
			t->is_touched = it;
		if (!v || !tv || !it || !ov)
			return LO_ENOMEM;
		t->cap = nc;
	}
	struct ent *x = &t->v[t->n];
	memset(x, 0, sizeof(*x));
	x->e = *e;
	x->group = g;
	geo_entity_fmt(e, x->spec, sizeof(x->spec));
	if (!(x->space[0] = sig_space_new(4, 1u << 26)))
		return LO_ENOMEM;
	t->is_touched[t->n] = 0;
	if (e->kind == GEO_ENT_COUNTRY)
		t->country[cc_slot(e->cc)] = (int)t->n + 1;
	else
		t->others[t->n_others++] = t->n;
	return (int)t->n++;
}

struct sig_tracker *sig_tracker_new(const struct sig_tracker_opts *o)
{
	struct sig_tracker *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->o = *o;
	if (!t->o.flap_window)
		t->o.flap_window = 600;
	if (!t->o.max_prefixes)
		t->o.max_prefixes = 16u << 20;
	if (!t->o.max_pending_flaps)
		t->o.max_pending_flaps = 4u << 20;
	for (size_t i = 0; i < o->n_entities; i++) {
		const struct geo_entity *e = &o->entities[i];
		if (e->kind == GEO_ENT_GROUP || (e->kind == GEO_ENT_COUNTRY && !cc_valid(e->cc)))
			goto fail;
		if (e->kind == GEO_ENT_COUNTRY && t->country[cc_slot(e->cc)])
			continue; /* listed twice */
		if (ent_add(t, e, NULL) < 0)
			goto fail;
	}
	for (size_t i = 0; i < o->n_groups; i++) {
		const struct sig_group *g = &o->groups[i];
		struct geo_entity e = {.kind = GEO_ENT_GROUP};
		if (!g->n_members || strlen(g->name) > GEO_GROUP_MAX)
			goto fail;
		for (size_t k = 0; k < g->n_members; k++)
			if (g->members[k].kind == GEO_ENT_GROUP)
				goto fail;
		memcpy(e.group, g->name, strlen(g->name) + 1);
		if (ent_add(t, &e, g) < 0)
			goto fail;
	}
	return t;
fail:
	sig_tracker_free(t);
	return NULL;
}

void sig_tracker_free(struct sig_tracker *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->n; i++) {
		sig_space_free(t->v[i].space[0]);
		sig_space_free(t->v[i].space[1]);
		free(t->v[i].origins.asn);
		free(t->v[i].origins.cnt);
	}
	free(t->v);
	free(t->others);
	free(t->ps);
	free(t->ps_slots);
	free(t->pend);
	free(t->touched);
	free(t->is_touched);
	free(t);
}

unsigned sig_tracker_count(const struct sig_tracker *t)
{
	return t->n;
}

const char *sig_tracker_spec(const struct sig_tracker *t, unsigned idx)
{
	return idx < t->n ? t->v[idx].spec : NULL;
}

double sig_tracker_value(const struct sig_tracker *t, unsigned idx, enum sig_id sig)
{
	if (idx >= t->n || (unsigned)sig >= SIG_COUNT)
		return 0;
	if (sig_is_counter(sig))
		return (double)t->v[idx].count[sig - SIG_ANNOUNCEMENTS];
	return t->v[idx].level[sig];
}

bool sig_tracker_has_v6(const struct sig_tracker *t, unsigned idx)
{
	return idx < t->n && t->v[idx].space[1];
}

void sig_tracker_stats(const struct sig_tracker *t, struct sig_tracker_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->prefixes = t->n_ps;
	s->pending_flaps = t->n_pend;
	s->dropped = t->dropped;
	s->bytes = sizeof(*t) + t->ps_cap * sizeof(struct pstate) +
		   t->n_ps_slots * sizeof(uint64_t) + t->n_pend_slots * sizeof(struct pending) +
		   t->cap * (sizeof(struct ent) + 2 * sizeof(unsigned) + 1);
	for (unsigned i = 0; i < t->n; i++) {
		s->bytes += sig_space_nodes(t->v[i].space[0]) * 24 + t->v[i].origins.cap * 8;
		if (t->v[i].space[1])
			s->bytes += sig_space_nodes(t->v[i].space[1]) * 24;
	}
}

/* ---------------------------------------------------------------- prefixes */

static void pkey(const struct bgp_prefix *p, uint8_t k[18])
{
	k[0] = p->addr.family;
	k[1] = p->len;
	memcpy(k + 2, p->addr.b, 16);
}

/* A cheap hash of a prefix key: two 64-bit words and the length, mixed. */
static uint32_t pkey_hash(const uint8_t k[18])
{
	uint64_t a, b;
	memcpy(&a, k + 2, 8);
	memcpy(&b, k + 10, 8);
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)k[1] << 56 | k[0])) *
		     0xff51afd7ed558ccdull;
	h ^= h >> 32;
	return (uint32_t)(h * 0xc4ceb9fe1a85ec53ull >> 32);
}

/* Slots hold hash << 32 | (index + 1): a probe reads only the slot array. */
static int ps_grow_slots(struct sig_tracker *t)
{
	size_t n = t->n_ps_slots ? t->n_ps_slots * 2 : 4096;
	uint64_t *s = calloc(n, sizeof(*s));
	if (!s)
		return LO_ENOMEM;
	for (size_t i = 0; i < t->n_ps; i++) {
		uint32_t h = pkey_hash(t->ps[i].key);
		size_t j = h & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = (uint64_t)h << 32 | (i + 1);
	}
	free(t->ps_slots);
	t->ps_slots = s;
	t->n_ps_slots = n;
	return 0;
}

/* The state of @p, made on first sight; NULL when out of memory or at the cap. */
static struct pstate *ps_get(struct sig_tracker *t, const struct bgp_prefix *p, uint32_t *idx)
{
	uint8_t k[18];
	pkey(p, k);
	if ((t->n_ps + 1) * 2 > t->n_ps_slots && ps_grow_slots(t))
		return NULL;
	uint32_t h = pkey_hash(k);
	size_t mask = t->n_ps_slots - 1, j = h & mask;
	while (t->ps_slots[j]) {
		if ((uint32_t)(t->ps_slots[j] >> 32) == h) {
			uint32_t i = (uint32_t)t->ps_slots[j] - 1;
			if (!memcmp(t->ps[i].key, k, 18)) {
				*idx = i;
				return &t->ps[i];
			}
		}
		j = (j + 1) & mask;
	}
	if (t->n_ps >= t->o.max_prefixes)
		return NULL;
	if (t->n_ps == t->ps_cap) {
		size_t nc = t->ps_cap ? t->ps_cap * 2 : 4096;
		struct pstate *v = realloc(t->ps, nc * sizeof(*v));
		if (!v)
			return NULL;
		t->ps = v;
		t->ps_cap = nc;
	}
	struct pstate *s = &t->ps[t->n_ps];
	memset(s, 0, sizeof(*s));
	memcpy(s->key, k, 18);
	s->used = 1;
	s->n_cc = CC_UNKNOWN;
	t->ps_slots[j] = (uint64_t)h << 32 | (t->n_ps + 1);
	*idx = (uint32_t)t->n_ps++;
	return s;
}

/* The state of @p, or NULL when it was never seen. */
static const struct pstate *ps_find(const struct sig_tracker *t, const struct bgp_prefix *p)
{
	uint8_t k[18];
	if (!t->n_ps_slots)
		return NULL;
	pkey(p, k);
	uint32_t h = pkey_hash(k);
	size_t mask = t->n_ps_slots - 1, j = h & mask;
	while (t->ps_slots[j]) {
		if ((uint32_t)(t->ps_slots[j] >> 32) == h) {
			const struct pstate *s = &t->ps[(uint32_t)t->ps_slots[j] - 1];
			if (!memcmp(s->key, k, 18))
				return s;
		}
		j = (j + 1) & mask;
	}
	return NULL;
}

bool sig_tracker_last_path(const struct sig_tracker *t, const struct bgp_prefix *p,
			   uint32_t *origin, uint32_t *upstream)
{
	const struct pstate *s = ps_find(t, p);
	if (!s || (!s->origin && !s->upstream))
		return false;
	*origin = s->origin;
	*upstream = s->upstream;
	return true;
}

/* ---------------------------------------------------------------- entity matching */

static void touch(struct sig_tracker *t, unsigned idx)
{
	if (!t->is_touched[idx]) {
		t->is_touched[idx] = 1;
		t->touched[t->n_touched++] = idx;
	}
}

static bool prefix_within(const struct bgp_prefix *outer, const struct bgp_prefix *p)
{
	if (p->addr.family != outer->addr.family || p->len < outer->len)
		return false;
	unsigned full = outer->len / 8, rest = outer->len % 8;
	if (memcmp(outer->addr.b, p->addr.b, full))
		return false;
	if (!rest)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (outer->addr.b[full] & m) == (p->addr.b[full] & m);
}

/* Country entity for @cc (made when tracking all countries), or -1. */
static int country_entity(struct sig_tracker *t, const char *cc, int *rc)
{
	if (!cc_valid(cc) || !strcmp(cc, GEO_CC_UNKNOWN))
		return -1;
	int slot = cc_slot(cc);
	if (!t->country[slot]) {
		if (!t->o.all_countries)
			return -1;
		struct geo_entity e = {.kind = GEO_ENT_COUNTRY};
		memcpy(e.cc, cc, 3);
		int id = ent_add(t, &e, NULL);
		if (id < 0) {
			*rc = id;
			return -1;
		}
	}
	return t->country[slot] - 1;
}

struct cc_list {
	uint16_t slot[32]; /* route changes of prefixes in more countries count for the first 32 */
	unsigned n;
	bool many;
};

static int collect_cc(void *ctx, const struct geo_part *part)
{
	struct cc_list *l = ctx;
	if (!cc_valid(part->cc) || !strcmp(part->cc, GEO_CC_UNKNOWN))
		return 0;
	uint16_t s = (uint16_t)cc_slot(part->cc);
	for (unsigned i = 0; i < l->n; i++)
		if (l->slot[i] == s)
			return 0;
	if (l->n == 32) {
		l->many = true;
		return 0;
	}
	l->slot[l->n++] = s;
	return 0;
}

/* Does member @m (country, asn, prefix) take prefix @p of origin @origin? */
static bool member_takes(const struct geo_entity *m, const struct bgp_prefix *p, uint32_t origin,
			 const struct cc_list *ccs)
{
	switch (m->kind) {
	case GEO_ENT_ASN:
		return origin && m->asn == origin;
	case GEO_ENT_PREFIX:
		return prefix_within(&m->prefix, p) || prefix_within(p, &m->prefix);
	case GEO_ENT_COUNTRY:
		for (unsigned i = 0; i < ccs->n; i++)
			if (ccs->slot[i] == cc_slot(m->cc))
				return true;
		return false;
	default:
		return false;
	}
}

/*
 * Touch every entity @p counts for (origin @origin).  Countries come from
 * the prefix's cached list (looked up on first sight).
 */
static int match(struct sig_tracker *t, struct pstate *s, const struct bgp_prefix *p,
		 uint32_t origin)
{
	struct cc_list ccs = {0};
	int rc = 0;

	t->n_touched = 0;
	if (t->o.geo) {
		if (s && s->n_cc <= N_CC_CACHE) {
			for (unsigned i = 0; i < s->n_cc; i++)
				ccs.slot[ccs.n++] = s->cc[i];
		} else {
			geo_prefix_countries(t->o.geo, p, collect_cc, &ccs);
			if (s) {
				s->n_cc = ccs.many || ccs.n > N_CC_CACHE ? CC_MANY : (uint8_t)ccs.n;
				for (unsigned i = 0; i < ccs.n && i < N_CC_CACHE; i++)
					s->cc[i] = ccs.slot[i];
			}
		}
		for (unsigned i = 0; i < ccs.n; i++) {
			char cc[3] = {(char)('A' + ccs.slot[i] / 26),
				      (char)('A' + ccs.slot[i] % 26), 0};
			int id = country_entity(t, cc, &rc);
			if (id >= 0)
				touch(t, (unsigned)id);
		}
	}
	for (unsigned i = 0; i < t->n_others; i++) {
		unsigned idx = t->others[i];
		const struct ent *x = &t->v[idx];
		if (x->group) {
			for (size_t k = 0; k < x->group->n_members; k++)
				if (member_takes(&x->group->members[k], p, origin, &ccs)) {
					touch(t, idx);
					break;
				}
		} else if (member_takes(&x->e, p, origin, &ccs)) {
			touch(t, idx);
		}
	}
	return rc;
}

static void untouch(struct sig_tracker *t)
{
	for (unsigned i = 0; i < t->n_touched; i++)
		t->is_touched[t->touched[i]] = 0;
	t->n_touched = 0;
}

/* ---------------------------------------------------------------- space */

/* IPv6 range [first, last] as CIDR blocks (unsigned __int128: GCC and clang). */
static int v6_range_cidrs(const uint8_t *first, const uint8_t *last, struct bgp_prefix *out,
			  int cap)
{
	typedef unsigned __int128 u128;
	u128 a = 0, b = 0;
	int n = 0;
	for (int i = 0; i < 16; i++) {
		a = a << 8 | first[i];
		b = b << 8 | last[i];
	}
	while (a <= b && n < cap) {
		unsigned size = 0; /* log2 of the block */
		while (size < 128) {
			u128 blk = (u128)1 << (size + 1);
			if (size + 1 == 128 || (a & (blk - 1)) || a + blk - 1 > b ||
			    a + blk - 1 < a)
				break;
			size++;
		}
		struct bgp_prefix *p = &out[n++];
		memset(p, 0, sizeof(*p));
		p->addr.family = 6;
		p->len = (uint8_t)(128 - size);
		for (int i = 15; i >= 0; i--)
			p->addr.b[i] = (uint8_t)(a >> (8 * (15 - i)));
		u128 next = a + ((u128)1 << size);
		if (next == 0 || next - 1 >= b)
			break;
		a = next;
	}
	return n;
}

static int space_add(struct sig_tracker *t, unsigned idx, const struct bgp_prefix *p, int delta)
{
	struct ent *x = &t->v[idx];
	int fi = p->addr.family == 6;
	if (!x->space[fi] && !(x->space[fi] = sig_space_new(6, 1u << 26)))
		return LO_ENOMEM;
	return sig_space_add(x->space[fi], p, delta);
}

struct parts_ctx {
	struct sig_tracker *t;
	int delta;
	int only; /* -1: every country; else only this entity (a group's member) */
	int rc;
};

static int part_space(struct parts_ctx *c, unsigned idx, const struct geo_part *part)
{
	struct bgp_prefix cidrs[256];
	int n, rc = 0;

	if (part->first.family == 4) {
		uint32_t a = (uint32_t)part->first.b[0] << 24 | (uint32_t)part->first.b[1] << 16 |
			     (uint32_t)part->first.b[2] << 8 | part->first.b[3];
		uint32_t z = (uint32_t)part->last.b[0] << 24 | (uint32_t)part->last.b[1] << 16 |
			     (uint32_t)part->last.b[2] << 8 | part->last.b[3];
		n = geo_ipv4_range_cidrs(a, (uint64_t)z - a + 1, cidrs, 64);
	} else {
		n = v6_range_cidrs(part->first.b, part->last.b, cidrs, 256);
	}
	for (int i = 0; i < n && i < 256; i++) {
		int r = space_add(c->t, idx, &cidrs[i], c->delta);
		if (r && !rc)
			rc = r;
	}
	return rc;
}

static int on_part(void *ctx, const struct geo_part *part)
{
	struct parts_ctx *c = ctx;
	struct sig_tracker *t = c->t;
	int rc = 0;

	if (c->only >= 0) { /* a group: add the parts of its country members */
		const struct sig_group *g = t->v[c->only].group;
		for (size_t k = 0; k < g->n_members; k++)
			if (g->members[k].kind == GEO_ENT_COUNTRY &&
			    !strcmp(g->members[k].cc, part->cc))
				rc = part_space(c, (unsigned)c->only, part);
	} else {
		int id = country_entity(t, part->cc, &c->rc);
		if (id >= 0) {
			touch(t, (unsigned)id);
			rc = part_space(c, (unsigned)id, part);
		}
	}
	if (rc && !c->rc)
		c->rc = rc;
	return 0;
}

/* Add or remove the space @p gives member @m (of entity @idx). */
static int member_space(struct sig_tracker *t, unsigned idx, const struct geo_entity *m,
			const struct bgp_prefix *p, uint32_t origin, int delta)
{
	if (m->kind == GEO_ENT_ASN && origin && m->asn == origin)
		return space_add(t, idx, p, delta);
	if (m->kind == GEO_ENT_PREFIX) {
		if (prefix_within(&m->prefix, p))
			return space_add(t, idx, p, delta);
		if (prefix_within(p, &m->prefix))
			return space_add(t, idx, &m->prefix, delta);
	}
	return 0;
}

/* ---------------------------------------------------------------- inputs */

/*
 * A default route, or anything shorter than /8 (IPv4) or /16 (IPv6), covers
 * whole continents: when a peer leaks one it says nothing about who can be
 * reached.  Such prefixes stay in the RIB but count for no entity.
 */
static bool too_short(const struct bgp_prefix *p)
{
	return p->len < (p->addr.family == 4 ? 8 : 16);
}

static void set_level(struct sig_tracker *t, unsigned idx, enum sig_id sig, double v, uint32_t time)
{
	struct ent *x = &t->v[idx];
	if (v == x->level[sig])
		return;
	x->level[sig] = v;
	if (t->o.on_value)
		t->o.on_value(t->o.ctx, idx, sig, time, v);
}

int sig_tracker_visibility(struct sig_tracker *t, const struct bgp_prefix *p, bool visible,
			   uint32_t origin, uint32_t upstream, uint32_t time)
{
	int delta = visible ? 1 : -1, rc = 0;
	uint32_t pidx;
	struct pstate *s;
	bool flap = false;

	if (p->addr.family != 4 && p->addr.family != 6)
		return LO_EINVAL;
	if (too_short(p))
		return 0;
	if (!(s = ps_get(t, p, &pidx))) {
		t->dropped++;
		return LO_ETOOBIG;
	}
	if (visible == (bool)s->visible)
		return 0; /* nothing changes */
	if (visible) {
		s->origin = origin;
		s->upstream = upstream;
		flap = s->vis_lost && time - s->vis_lost <= t->o.flap_window;
		s->vis_lost = 0;
	} else {
		origin = s->origin;
		s->vis_lost = time ? time : 1;
	}
	s->visible = visible;
	rc = match(t, s, p, origin);

	/* address space: country parts, then the other entities */
	if (t->o.geo) {
		struct parts_ctx c = {t, delta, -1, 0};
		geo_prefix_countries(t->o.geo, p, on_part, &c);
		if (c.rc && !rc)
			rc = c.rc;
	}
	for (unsigned i = 0; i < t->n_touched; i++) {
		unsigned idx = t->touched[i];
		struct ent *x = &t->v[idx];
		int r = 0;
		if (x->e.kind == GEO_ENT_COUNTRY)
			continue;
		if (x->group) {
			bool countries = false;
			for (size_t k = 0; k < x->group->n_members; k++) {
				const struct geo_entity *m = &x->group->members[k];
				countries |= m->kind == GEO_ENT_COUNTRY;
				int q = member_space(t, idx, m, p, origin, delta);
				if (q && !r)
					r = q;
			}
			if (countries && t->o.geo) {
				struct parts_ctx c = {t, delta, (int)idx, 0};
				geo_prefix_countries(t->o.geo, p, on_part, &c);
				if (c.rc && !r)
					r = c.rc;
			}
		} else {
			r = member_space(t, idx, &x->e, p, origin, delta);
		}
		if (r && !rc)
			rc = r;
	}

	for (unsigned i = 0; i < t->n_touched; i++) {
		unsigned idx = t->touched[i];
		struct ent *x = &t->v[idx];
		if (t->o.on_touch)
			t->o.on_touch(t->o.ctx, idx, p, visible, time);
		if (origin && bag_add(&x->origins, origin, delta) && !rc)
			rc = LO_ENOMEM;
		int fi = p->addr.family == 6;
		set_level(t, idx, fi ? SIG_VISIBLE_SLASH48 : SIG_VISIBLE_SLASH24,
			  x->space[fi] ? (double)sig_space_blocks(x->space[fi]) : 0, time);
		set_level(t, idx, SIG_PREFIXES, x->level[SIG_PREFIXES] + delta, time);
		set_level(t, idx, SIG_ORIGIN_ASNS, (double)x->origins.live, time);
		if (flap) {
			uint64_t c = ++x->count[SIG_VISIBILITY_FLAPS - SIG_ANNOUNCEMENTS];
			if (t->o.on_value)
				t->o.on_value(t->o.ctx, idx, SIG_VISIBILITY_FLAPS, time, (double)c);
		}
	}
	untouch(t);
	return rc;
}

/* ---------------------------------------------------------------- flaps */

static size_t pend_slot(uint64_t key, size_t mask)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & mask;
}

static void pend_delete(struct sig_tracker *t, size_t j)
{
	size_t mask = t->n_pend_slots - 1;
	t->pend[j].key = 0;
	t->n_pend--;
	for (size_t i = j, k = (j + 1) & mask; t->pend[k].key; k = (k + 1) & mask) {
		size_t home = pend_slot(t->pend[k].key, mask);
		if (((k - home) & mask) >= ((k - i) & mask)) {
			t->pend[i] = t->pend[k];
			t->pend[k].key = 0;
			i = k;
		}
	}
}

/* Rebuild without the withdrawals older than flap_window, in @n slots. */
static int pend_rebuild(struct sig_tracker *t, size_t n, uint32_t now)
{
	struct pending *v = calloc(n, sizeof(*v));
	if (!v)
		return LO_ENOMEM;
	size_t live = 0;
	for (size_t i = 0; i < t->n_pend_slots; i++) {
		struct pending *e = &t->pend[i];
		if (!e->key || now - e->time > t->o.flap_window)
			continue;
		size_t j = pend_slot(e->key, n - 1);
		while (v[j].key)
			j = (j + 1) & (n - 1);
		v[j] = *e;
		live++;
	}
	free(t->pend);
	t->pend = v;
	t->n_pend_slots = n;
	t->n_pend = live;
	return 0;
}

/* Slot of @key, or of the empty slot where it would go. */
static size_t pend_find(const struct sig_tracker *t, uint64_t key)
{
	size_t mask = t->n_pend_slots - 1, j = pend_slot(key, mask);
	while (t->pend[j].key && t->pend[j].key != key)
		j = (j + 1) & mask;
	return j;
}

static int pend_put(struct sig_tracker *t, uint64_t key, uint32_t now)
{
	if ((t->n_pend + 1) * 2 > t->n_pend_slots) {
		/* half full: sweep out the expired, and double if still over a quarter */
		if (t->n_pend_slots && pend_rebuild(t, t->n_pend_slots, now))
			return LO_ENOMEM;
		size_t n = t->n_pend_slots ? t->n_pend_slots : 4096;
		if ((t->n_pend + 1) * 4 > n && n <= t->o.max_pending_flaps)
			n *= 2;
		if ((t->n_pend + 1) * 2 > n)
			return LO_ETOOBIG;
		if (n != t->n_pend_slots && pend_rebuild(t, n, now))
			return LO_ENOMEM;
	}
	size_t j = pend_find(t, key);
	if (!t->pend[j].key)
		t->n_pend++;
	t->pend[j].key = key;
	t->pend[j].time = now;
	return 0;
}

/* Was @key withdrawn within flap_window before @now?  Forgets it either way. */
static bool pend_take(struct sig_tracker *t, uint64_t key, uint32_t now)
{
	if (!t->n_pend)
		return false;
	size_t j = pend_find(t, key);
	if (!t->pend[j].key)
		return false;
	bool flap = now - t->pend[j].time <= t->o.flap_window;
	pend_delete(t, j);
	return flap;
}

int sig_tracker_route(struct sig_tracker *t, int peer, const struct bgp_prefix *p, bool announce,
		      uint32_t origin, bool had_route, uint32_t time)
{
	uint32_t pidx = 0;
	struct pstate *s;
	int rc = 0;
	bool flap = false;

	if (p->addr.family != 4 && p->addr.family != 6)
		return LO_EINVAL;
	if (too_short(p))
		return 0;
	if (!(s = ps_get(t, p, &pidx))) {
		t->dropped++;
		rc = LO_ETOOBIG;
	} else if (peer >= 0) {
		uint64_t key = (uint64_t)(peer + 1) << 32 | pidx;
		if (announce && !had_route)
			flap = pend_take(t, key, time);
		else if (!announce && had_route && (rc = pend_put(t, key, time)))
			t->dropped++;
	}
	int r = match(t, s, p, origin);
	if (r && !rc)
		rc = r;
	for (unsigned i = 0; i < t->n_touched; i++) {
		unsigned idx = t->touched[i];
		uint64_t *c = t->v[idx].count;
		if (announce) {
			c[SIG_ANNOUNCEMENTS - SIG_ANNOUNCEMENTS]++;
			c[SIG_FLAPS - SIG_ANNOUNCEMENTS] += flap;
		} else {
			c[SIG_WITHDRAWALS - SIG_ANNOUNCEMENTS]++;
			if (had_route && t->o.on_withdraw)
				t->o.on_withdraw(t->o.ctx, idx, peer, p, time);
		}
	}
	untouch(t);
	return rc;
}
