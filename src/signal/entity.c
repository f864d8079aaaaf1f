/*
 * DOC: per-entity visible address space (see signal.h, struct sig_tracker).
 *
 * Countries are found through geo's split of each prefix into country
 * parts; each part's address range becomes CIDR blocks added to that
 * country's sig_space.  AS entities take the whole prefix of their origin AS;
 * prefix entities the part of the prefix inside them.  The origin a visible
 * prefix was counted under is remembered, so that it is removed from the
 * same AS even if the origin changed meanwhile.
 */
#include "signal/signal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTITIES 100000

struct ent {
	struct geo_entity e;
	char spec[96];
	struct sig_space *v4;
	double value;
};

struct origin_slot {
	uint8_t key[18]; /* family, len, 16 address bytes */
	uint8_t used;	 /* 0 empty, 1 used, 2 deleted */
	uint32_t origin;
};

struct sig_tracker {
	struct sig_tracker_opts o;
	struct ent *v;
	unsigned n, cap;
	int country[26 * 26]; /* entity index + 1 of each country */
	struct origin_slot *origins;
	size_t n_origins, n_origin_slots, n_used_slots;
	/* per visibility change: entities touched (deduplicated) */
	unsigned *touched;
	unsigned n_touched;
	uint8_t *is_touched;
};

static int ent_add(struct sig_tracker *t, const struct geo_entity *e)
{
	if (t->n >= MAX_ENTITIES)
		return LO_ETOOBIG;
	if (t->n == t->cap) {
		unsigned nc = t->cap ? t->cap * 2 : 64;
		struct ent *v = realloc(t->v, nc * sizeof(*v));
		unsigned *tv = realloc(t->touched, nc * sizeof(*tv));
		uint8_t *it = realloc(t->is_touched, nc);
		if (v)
			t->v = v;
		if (tv)
			t->touched = tv;
		if (it)
			t->is_touched = it;
		if (!v || !tv || !it)
			return LO_ENOMEM;
		t->cap = nc;
	}
	struct ent *x = &t->v[t->n];
	memset(x, 0, sizeof(*x));
	x->e = *e;
	geo_entity_fmt(e, x->spec, sizeof(x->spec));
	if (!(x->v4 = sig_space_new(4, 1u << 26)))
		return LO_ENOMEM;
	t->is_touched[t->n] = 0;
	if (e->kind == GEO_ENT_COUNTRY && e->cc[0] >= 'A' && e->cc[0] <= 'Z' && e->cc[1] >= 'A' &&
	    e->cc[1] <= 'Z')
		t->country[(e->cc[0] - 'A') * 26 + (e->cc[1] - 'A')] = (int)t->n + 1;
	return (int)t->n++;
}

struct sig_tracker *sig_tracker_new(const struct sig_tracker_opts *o)
{
	struct sig_tracker *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->o = *o;
	for (size_t i = 0; i < o->n_entities; i++) {
		const struct geo_entity *e = &o->entities[i];
		if (e->kind == GEO_ENT_COUNTRY && e->cc[0] >= 'A' && e->cc[0] <= 'Z' &&
		    e->cc[1] >= 'A' && e->cc[1] <= 'Z' &&
		    t->country[(e->cc[0] - 'A') * 26 + (e->cc[1] - 'A')])
			continue; /* listed twice */
		if (ent_add(t, e) < 0) {
			sig_tracker_free(t);
			return NULL;
		}
	}
	return t;
}

void sig_tracker_free(struct sig_tracker *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->n; i++)
		sig_space_free(t->v[i].v4);
	free(t->v);
	free(t->origins);
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

double sig_tracker_value(const struct sig_tracker *t, unsigned idx)
{
	return idx < t->n ? t->v[idx].value : 0;
}

/* ---------------------------------------------------------------- origins */

static void origin_key(const struct bgp_prefix *p, uint8_t k[18])
{
	k[0] = p->addr.family;
	k[1] = p->len;
	memcpy(k + 2, p->addr.b, 16);
}

static struct origin_slot *origin_find(struct sig_tracker *t, const uint8_t k[18], bool insert)
{
	if (insert && (t->n_used_slots + 1) * 4 > t->n_origin_slots * 3) {
		size_t n = t->n_origin_slots ? t->n_origin_slots * 2 : 1024;
		if (t->n_origins * 2 < t->n_origin_slots)
			n = t->n_origin_slots; /* mostly tombstones: rebuild in place size */
		struct origin_slot *v = calloc(n, sizeof(*v));
		if (!v)
			return NULL;
		for (size_t i = 0; i < t->n_origin_slots; i++) {
			if (t->origins[i].used != 1)
				continue;
			size_t j = lo_hash(t->origins[i].key, 18) & (n - 1);
			while (v[j].used)
				j = (j + 1) & (n - 1);
			v[j] = t->origins[i];
		}
		free(t->origins);
		t->origins = v;
		t->n_origin_slots = n;
		t->n_used_slots = t->n_origins;
	}
	if (!t->n_origin_slots)
		return NULL;
	size_t mask = t->n_origin_slots - 1, j = lo_hash(k, 18) & mask;
	struct origin_slot *tomb = NULL;
	while (t->origins[j].used) {
		if (t->origins[j].used == 1 && !memcmp(t->origins[j].key, k, 18))
			return &t->origins[j];
		if (t->origins[j].used == 2 && !tomb)
			tomb = &t->origins[j];
		j = (j + 1) & mask;
	}
	if (!insert)
		return NULL;
	struct origin_slot *s = tomb ? tomb : &t->origins[j];
	if (!tomb)
		t->n_used_slots++;
	memcpy(s->key, k, 18);
	s->used = 1;
	t->n_origins++;
	return s;
}

/* ---------------------------------------------------------------- updates */

static void touch(struct sig_tracker *t, unsigned idx)
{
	if (!t->is_touched[idx]) {
		t->is_touched[idx] = 1;
		t->touched[t->n_touched++] = idx;
	}
}

static int add_space(struct sig_tracker *t, unsigned idx, const struct bgp_prefix *p, int delta)
{
	touch(t, idx);
	return sig_space_add(t->v[idx].v4, p, delta);
}

struct parts_ctx {
	struct sig_tracker *t;
	int delta;
	int rc;
};

static int on_part(void *ctx, const struct geo_part *part)
{
	struct parts_ctx *c = ctx;
	struct sig_tracker *t = c->t;
	const char *cc = part->cc;

	if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' || !strcmp(cc, GEO_CC_UNKNOWN))
		return 0;
	int slot = (cc[0] - 'A') * 26 + (cc[1] - 'A');
	if (!t->country[slot]) {
		if (!t->o.all_countries)
			return 0;
		struct geo_entity e = {.kind = GEO_ENT_COUNTRY};
		memcpy(e.cc, cc, 3);
		int id = ent_add(t, &e);
		if (id < 0) {
			c->rc = id;
			return 1;
		}
	}
	unsigned idx = (unsigned)t->country[slot] - 1;
	uint32_t start = (uint32_t)part->first.b[0] << 24 | (uint32_t)part->first.b[1] << 16 |
			 (uint32_t)part->first.b[2] << 8 | part->first.b[3];
	uint32_t last = (uint32_t)part->last.b[0] << 24 | (uint32_t)part->last.b[1] << 16 |
			(uint32_t)part->last.b[2] << 8 | part->last.b[3];
	struct bgp_prefix cidrs[64];
	int n = geo_ipv4_range_cidrs(start, (uint64_t)last - start + 1, cidrs, 64);
	for (int i = 0; i < n; i++) {
		int rc = add_space(t, idx, &cidrs[i], c->delta);
		if (rc && !c->rc)
			c->rc = rc;
	}
	return 0;
}

static bool prefix_within(const struct bgp_prefix *outer, const struct bgp_prefix *p)
{
	if (p->len < outer->len)
		return false;
	for (unsigned i = 0; i < outer->len; i++) {
		unsigned byte = i / 8, bit = 7 - i % 8;
		if (((outer->addr.b[byte] >> bit) & 1) != ((p->addr.b[byte] >> bit) & 1))
			return false;
	}
	return true;
}

int sig_tracker_visibility(struct sig_tracker *t, const struct bgp_prefix *p, bool visible,
			   uint32_t origin, uint32_t time)
{
	int delta = visible ? 1 : -1, rc = 0;
	uint8_t k[18];

	if (p->addr.family != 4)
		return 0; /* bgp.visible_slash48: next step */
	origin_key(p, k);
	if (visible) {
		struct origin_slot *s = origin_find(t, k, true);
		if (!s)
			return LO_ENOMEM;
		s->origin = origin;
	} else {
		struct origin_slot *s = origin_find(t, k, false);
		if (s) {
			origin = s->origin;
			s->used = 2;
			t->n_origins--;
		}
	}
	t->n_touched = 0;
	if (t->o.geo) {
		struct parts_ctx c = {t, delta, 0};
		geo_prefix_countries(t->o.geo, p, on_part, &c);
		rc = c.rc;
	}
	for (unsigned i = 0; i < t->n; i++) {
		const struct geo_entity *e = &t->v[i].e;
		int r = 0;
		if (e->kind == GEO_ENT_ASN && e->asn == origin)
			r = add_space(t, i, p, delta);
		else if (e->kind == GEO_ENT_PREFIX && e->prefix.addr.family == 4) {
			if (prefix_within(&e->prefix, p))
				r = add_space(t, i, p, delta);
			else if (prefix_within(p, &e->prefix))
				r = add_space(t, i, &e->prefix, delta);
		}
		if (r && !rc)
			rc = r;
	}
	for (unsigned i = 0; i < t->n_touched; i++) {
		unsigned idx = t->touched[i];
		t->is_touched[idx] = 0;
		if (t->o.on_touch)
			t->o.on_touch(t->o.ctx, idx, p, visible, time);
		double v = (double)sig_space_blocks(t->v[idx].v4);
		if (v != t->v[idx].value) {
			t->v[idx].value = v;
			if (t->o.on_value)
				t->o.on_value(t->o.ctx, idx, time, v);
		}
	}
	return rc;
}
