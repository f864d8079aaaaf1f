/*
 * DOC: the RIB — prefix tables, interned AS paths, peers, full-feed status
 * and prefix visibility (see rib.h for the definitions).
 *
 * Layout: per family, an array of struct pfx (32 bytes) found through an
 * open-addressing hash of prefix indices (linear probing, backward-shift
 * deletion); each pfx owns a small array of 8-byte routes sorted by peer id.
 * Interned paths live in a second hash; routes refer to them by id.
 */
#include "rib/rib.h"

#include <stdlib.h>
#include <string.h>

struct route {
	uint32_t path; /* interned path id */
	uint16_t peer;
	uint16_t pad;
};

struct pfx {
	uint8_t addr[16];
	uint8_t len;
	uint8_t visible;
	uint16_t n, cap; /* routes */
	uint16_t ff;	 /* routes from full-feed peers */
	struct route *routes;
};

struct path {
	uint32_t refs;
	uint32_t hash;
	uint32_t origin;
	uint32_t upstream;
	uint16_t len; /* bytes of 4-byte-ASN segments */
	uint8_t data[];
};

struct peer {
	uint16_t collector;
	struct bgp_addr addr;
	uint32_t asn;
	size_t routes[2];
	bool ff[2];
};

struct table {
	struct pfx *v;
	uint32_t n, cap; /* used slots of v (incl. free ones), allocated */
	uint32_t *free;	 /* free indices of v */
	uint32_t nfree, free_cap;
	uint32_t *slots; /* index + 1; 0 = empty */
	uint32_t *hash;	 /* hash of each slot's prefix: probes do not touch v */
	uint32_t nslots; /* power of two */
	size_t live;	 /* prefixes present */
	size_t visible;
	size_t max_routes; /* routes of the largest peer */
	unsigned n_ff;
};

struct rib {
	struct rib_opts o;
	struct table t[2];
	struct peer *peers;
	unsigned n_peers, peers_cap;
	uint32_t *peer_slots;
	unsigned n_peer_slots;
	struct path **paths;
	uint32_t n_paths_ids, paths_cap;
	uint32_t *path_free;
	uint32_t n_path_free, path_free_cap;
	uint32_t *path_slots;
	uint32_t *path_hash; /* hash of each slot's path */
	uint32_t n_path_slots;
	size_t live_paths, path_bytes;
	size_t routes;
	uint64_t rescans;
};

void rib_opts_default(struct rib_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->full_feed_ratio = 0.75;
	o->visibility_ratio = 0.5;
	o->max_peers = 4096;
	o->max_prefixes = 8u << 20;
	o->max_paths = 16u << 20;
}

static int fam_idx(uint8_t family)
{
	return family == 6;
}

static size_t addr_bytes(int fi)
{
	return fi ? 16 : 4;
}

struct rib *rib_new(const struct rib_opts *o)
{
	struct rib *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (o)
		r->o = *o;
	else
		rib_opts_default(&r->o);
	return r;
}

void rib_free(struct rib *r)
{
	if (!r)
		return;
	for (int f = 0; f < 2; f++) {
		struct table *t = &r->t[f];
		for (uint32_t i = 0; i < t->n; i++)
			free(t->v[i].routes);
		free(t->v);
		free(t->free);
		free(t->slots);
		free(t->hash);
	}
	for (uint32_t i = 0; i < r->n_paths_ids; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r->path_free);
	free(r->path_slots);
	free(r->path_hash);
	free(r->peers);
	free(r->peer_slots);
	free(r);
}

/* ---------------------------------------------------------------- hashing */

static uint32_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static uint32_t pfx_hash(const uint8_t *addr, uint8_t len, int fi)
{
	uint64_t a = 0, b = 0;
	memcpy(&a, addr, 8 < addr_bytes(fi) ? 8 : addr_bytes(fi));
	if (fi)
		memcpy(&b, addr + 8, 8);
	return mix(a * 0x9e3779b97f4a7c15ull ^ b ^ ((uint64_t)len << 56 | (uint64_t)fi << 48));
}

/*
 * Backward-shift deletion for linear probing over index+1 slots, with the
 * hash of each slot kept alongside in @hash.
 */
static void slots_delete(uint32_t *slots, uint32_t *hash, uint32_t nslots, uint32_t pos)
{
	uint32_t mask = nslots - 1, i = pos, j = pos;

	for (;;) {
		j = (j + 1) & mask;
		if (!slots[j])
			break;
		uint32_t k = hash[j] & mask;
		/* move slots[j] to i when its home is not in (i, j] cyclically */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			slots[i] = slots[j];
			hash[i] = hash[j];
			i = j;
		}
	}
	slots[i] = 0;
}

/* ---------------------------------------------------------------- prefixes */

static int table_grow_slots(struct table *t, int fi)
{
	uint32_t n = t->nslots ? t->nslots * 2 : 1024;
	uint32_t *s = calloc(n, sizeof(*s)), *h = calloc(n, sizeof(*h));
	if (!s || !h) {
		free(s);
		free(h);
		return LO_ENOMEM;
	}
	for (uint32_t i = 0; i < t->nslots; i++) {
		if (!t->slots[i])
			continue;
		uint32_t k = t->hash[i] & (n - 1);
		while (s[k])
			k = (k + 1) & (n - 1);
		s[k] = t->slots[i];
		h[k] = t->hash[i];
	}
	free(t->slots);
	free(t->hash);
	t->slots = s;
	t->hash = h;
	t->nslots = n;
	(void)fi;
	return 0;
}

/* Find (or with @create, add) the entry of @p; returns its index or <0. */
static int64_t pfx_find(struct rib *r, int fi, const struct bgp_prefix *p, bool create,
			uint32_t *slotp)
{
	struct table *t = &r->t[fi];
	size_t nb = addr_bytes(fi);

	if (!t->nslots) {
		if (!create)
			return LO_ENOENT;
		if (table_grow_slots(t, fi))
			return LO_ENOMEM;
	}
	uint32_t h = pfx_hash(p->addr.b, p->len, fi), mask = t->nslots - 1, k = h & mask;
	while (t->slots[k]) {
		struct pfx *e = &t->v[t->slots[k] - 1];
		if (t->hash[k] == h && e->len == p->len && !memcmp(e->addr, p->addr.b, nb)) {
			if (slotp)
				*slotp = k;
			return t->slots[k] - 1;
		}
		k = (k + 1) & mask;
	}
	if (!create)
		return LO_ENOENT;
	if (t->live >= r->o.max_prefixes)
		return LO_ETOOBIG;
	uint32_t idx;
	if (t->nfree) {
		idx = t->free[--t->nfree];
	} else {
		if (t->n == t->cap) {
			uint32_t nc = t->cap ? t->cap * 2 : 1024;
			struct pfx *v = realloc(t->v, (size_t)nc * sizeof(*v));
			if (!v)
				return LO_ENOMEM;
			t->v = v;
			t->cap = nc;
		}
		idx = t->n++;
	}
	struct pfx *e = &t->v[idx];
	memset(e, 0, sizeof(*e));
	memcpy(e->addr, p->addr.b, nb);
	e->len = p->len;
	t->slots[k] = idx + 1;
	t->hash[k] = h;
	t->live++;
	if (slotp)
		*slotp = k;
	if ((t->live + 1) * 4 > (size_t)t->nslots * 3 && table_grow_slots(t, fi))
		return LO_ENOMEM;
	if (slotp && t->slots[*slotp] != idx + 1) {
		/* rehashed: find the slot again */
		uint32_t m2 = t->nslots - 1, k2 = h & m2;
		while (t->slots[k2] != idx + 1)
			k2 = (k2 + 1) & m2;
		*slotp = k2;
	}
	return idx;
}

static void pfx_remove(struct rib *r, int fi, uint32_t idx)
{
	struct table *t = &r->t[fi];
	struct pfx *e = &t->v[idx];
	uint32_t mask = t->nslots - 1, k = pfx_hash(e->addr, e->len, fi) & mask;

	while (t->slots[k] != idx + 1)
		k = (k + 1) & mask;
	slots_delete(t->slots, t->hash, t->nslots, k);
	free(e->routes);
	e->routes = NULL;
	e->n = e->cap = 0;
	if (t->nfree == t->free_cap) {
		uint32_t nc = t->free_cap ? t->free_cap * 2 : 256;
		uint32_t *f = realloc(t->free, (size_t)nc * sizeof(*f));
		if (!f)
			return; /* the slot is leaked until rib_free; not an error */
		t->free = f;
		t->free_cap = nc;
	}
	t->free[t->nfree++] = idx;
	t->live--;
}

/* ---------------------------------------------------------------- paths */

/* Widen 2-byte AS_PATH segments to 4 bytes into @out; returns length or -1. */
static int path_normalise(const uint8_t *p, size_t len, unsigned asn_size, uint8_t *out, size_t cap)
{
	struct cur c = cur_make(p, len);
	size_t n = 0;

	if (asn_size == 4) {
		if (len > cap)
			return -1;
		if (len)
			memcpy(out, p, len);
		return (int)len;
	}
	while (!cur_empty(&c)) {
		uint8_t type, cnt;
		if (cur_u8(&c, &type) || cur_u8(&c, &cnt) || n + 2 + (size_t)cnt * 4 > cap)
			return -1;
		out[n++] = type;
		out[n++] = cnt;
		for (unsigned i = 0; i < cnt; i++) {
			uint16_t a;
			if (cur_be16(&c, &a))
				return -1;
			out[n++] = 0;
			out[n++] = 0;
			out[n++] = (uint8_t)(a >> 8);
			out[n++] = (uint8_t)a;
		}
	}
	return (int)n;
}

/* The last AS before @origin in the sequences of a 4-byte path (prepends skipped). */
static uint32_t path_upstream(const uint8_t *p, size_t len, uint32_t origin)
{
	struct cur c = cur_make(p, len);
	uint32_t up = 0;

	if (!origin)
		return 0;
	while (!cur_empty(&c)) {
		uint8_t type, n;
		if (cur_u8(&c, &type) || cur_u8(&c, &n))
			return 0;
		for (unsigned i = 0; i < n; i++) {
			uint32_t a;
			if (cur_be32(&c, &a))
				return 0;
			if (type == BGP_AS_SEQUENCE && a != origin)
				up = a;
		}
	}
	return up;
}

static int64_t path_intern(struct rib *r, const uint8_t *data, size_t len)
{
	uint32_t h = (uint32_t)lo_hash(data, len);

	if (!r->n_path_slots) {
		r->n_path_slots = 1024;
		r->path_slots = calloc(r->n_path_slots, sizeof(uint32_t));
		r->path_hash = calloc(r->n_path_slots, sizeof(uint32_t));
		if (!r->path_slots || !r->path_hash)
			return LO_ENOMEM;
	}
	uint32_t mask = r->n_path_slots - 1, k = h & mask;
	while (r->path_slots[k]) {
		if (r->path_hash[k] != h) {
			k = (k + 1) & mask;
			continue;
		}
		struct path *pa = r->paths[r->path_slots[k] - 1];
		if (pa->len == len && !memcmp(pa->data, data, len)) {
			pa->refs++;
			return r->path_slots[k] - 1;
		}
		k = (k + 1) & mask;
	}
	if (r->live_paths >= r->o.max_paths)
		return LO_ETOOBIG;
	struct path *pa = malloc(sizeof(*pa) + len);
	if (!pa)
		return LO_ENOMEM;
	pa->refs = 1;
	pa->hash = h;
	pa->len = (uint16_t)len;
	if (len)
		memcpy(pa->data, data, len);
	pa->origin = bgp_aspath_origin(data, len, 4);
	pa->upstream = path_upstream(data, len, pa->origin);
	uint32_t id;
	if (r->n_path_free) {
		id = r->path_free[--r->n_path_free];
	} else {
		if (r->n_paths_ids == r->paths_cap) {
			uint32_t nc = r->paths_cap ? r->paths_cap * 2 : 1024;
			struct path **v = realloc(r->paths, (size_t)nc * sizeof(*v));
			if (!v) {
				free(pa);
				return LO_ENOMEM;
			}
			r->paths = v;
			r->paths_cap = nc;
		}
		id = r->n_paths_ids++;
	}
	r->paths[id] = pa;
	r->path_slots[k] = id + 1;
	r->path_hash[k] = h;
	r->live_paths++;
	r->path_bytes += sizeof(*pa) + len;
	if ((r->live_paths + 1) * 4 > (size_t)r->n_path_slots * 3) {
		uint32_t n = r->n_path_slots * 2;
		uint32_t *s = calloc(n, sizeof(*s)), *hs = calloc(n, sizeof(*hs));
		if (!s || !hs) {
			free(s);
			free(hs);
			return LO_ENOMEM;
		}
		for (uint32_t i = 0; i < r->n_path_slots; i++) {
			if (!r->path_slots[i])
				continue;
			uint32_t kk = r->path_hash[i] & (n - 1);
			while (s[kk])
				kk = (kk + 1) & (n - 1);
			s[kk] = r->path_slots[i];
			hs[kk] = r->path_hash[i];
		}
		free(r->path_slots);
		free(r->path_hash);
		r->path_slots = s;
		r->path_hash = hs;
		r->n_path_slots = n;
	}
	return id;
}

static void path_release(struct rib *r, uint32_t id)
{
	struct path *pa = r->paths[id];

	if (--pa->refs)
		return;
	uint32_t mask = r->n_path_slots - 1, k = pa->hash & mask;
	while (r->path_slots[k] != id + 1)
		k = (k + 1) & mask;
	slots_delete(r->path_slots, r->path_hash, r->n_path_slots, k);
	r->path_bytes -= sizeof(*pa) + pa->len;
	free(pa);
	r->paths[id] = NULL;
	r->live_paths--;
	if (r->n_path_free == r->path_free_cap) {
		uint32_t nc = r->path_free_cap ? r->path_free_cap * 2 : 256;
		uint32_t *f = realloc(r->path_free, (size_t)nc * sizeof(*f));
		if (!f)
			return;
		r->path_free = f;
		r->path_free_cap = nc;
	}
	r->path_free[r->n_path_free++] = id;
}

/* ---------------------------------------------------------------- peers */

static uint32_t peer_hash(uint16_t collector, const struct bgp_addr *a, uint32_t asn)
{
	uint8_t k[24];
	memcpy(k, &collector, 2);
	memcpy(k + 2, a->b, 16);
	k[18] = a->family;
	memcpy(k + 19, &asn, 4);
	return (uint32_t)lo_hash(k, 23);
}

int rib_peer(struct rib *r, uint16_t collector, const struct bgp_addr *addr, uint32_t asn)
{
	uint32_t h = peer_hash(collector, addr, asn);

	if (r->n_peer_slots) {
		uint32_t mask = r->n_peer_slots - 1, k = h & mask;
		while (r->peer_slots[k]) {
			struct peer *p = &r->peers[r->peer_slots[k] - 1];
			if (p->collector == collector && p->asn == asn &&
			    p->addr.family == addr->family && !memcmp(p->addr.b, addr->b, 16))
				return (int)r->peer_slots[k] - 1;
			k = (k + 1) & mask;
		}
	}
	if (r->n_peers >= r->o.max_peers || r->n_peers >= 65535)
		return LO_ETOOBIG;
	if (r->n_peers == r->peers_cap) {
		unsigned nc = r->peers_cap ? r->peers_cap * 2 : 64;
		struct peer *v = realloc(r->peers, nc * sizeof(*v));
		if (!v)
			return LO_ENOMEM;
		r->peers = v;
		r->peers_cap = nc;
	}
	if ((r->n_peers + 1) * 2 > r->n_peer_slots) {
		unsigned n = r->n_peer_slots ? r->n_peer_slots * 2 : 128;
		uint32_t *s = calloc(n, sizeof(*s));
		if (!s)
			return LO_ENOMEM;
		for (unsigned i = 0; i < r->n_peers; i++) {
			struct peer *p = &r->peers[i];
			uint32_t k = peer_hash(p->collector, &p->addr, p->asn) & (n - 1);
			while (s[k])
				k = (k + 1) & (n - 1);
			s[k] = i + 1;
		}
		free(r->peer_slots);
		r->peer_slots = s;
		r->n_peer_slots = n;
	}
	int id = (int)r->n_peers++;
	struct peer *p = &r->peers[id];
	memset(p, 0, sizeof(*p));
	p->collector = collector;
	p->addr = *addr;
	p->asn = asn;
	uint32_t k = h & (r->n_peer_slots - 1);
	while (r->peer_slots[k])
		k = (k + 1) & (r->n_peer_slots - 1);
	r->peer_slots[k] = (uint32_t)id + 1;
	return id;
}

/* ---------------------------------------------------------------- visibility */

static void set_visible(struct rib *r, int fi, struct pfx *e, uint32_t time)
{
	struct table *t = &r->t[fi];
	bool vis = t->n_ff > 0 && (double)e->ff > r->o.visibility_ratio * (double)t->n_ff;

	if (vis == (bool)e->visible)
		return;
	e->visible = vis;
	if (vis)
		t->visible++;
	else
		t->visible--;
	if (r->o.on_visibility) {
		struct bgp_prefix p;
		memset(&p, 0, sizeof(p));
		p.addr.family = fi ? 6 : 4;
		memcpy(p.addr.b, e->addr, addr_bytes(fi));
		p.len = e->len;
		r->o.on_visibility(r->o.ctx, &p, vis, time);
	}
}

static void rescan_visibility(struct rib *r, int fi, uint32_t time)
{
	struct table *t = &r->t[fi];
	r->rescans++;
	for (uint32_t i = 0; i < t->n; i++)
		if (t->v[i].n)
			set_visible(r, fi, &t->v[i], time);
}

static struct route *route_find(struct pfx *e, uint16_t peer, uint32_t *pos)
{
	uint32_t lo = 0, hi = e->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (e->routes[mid].peer < peer)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return lo < e->n && e->routes[lo].peer == peer ? &e->routes[lo] : NULL;
}

/* A peer's full-feed status changed: fix the ff counts of its prefixes. */
static void peer_ff_changed(struct rib *r, int fi, uint16_t peer, bool now_ff, uint32_t time)
{
	struct table *t = &r->t[fi];
	uint32_t pos;

	for (uint32_t i = 0; i < t->n; i++) {
		struct pfx *e = &t->v[i];
		if (!e->n || !route_find(e, peer, &pos))
			continue;
		if (now_ff)
			e->ff++;
		else
			e->ff--;
	}
	if (now_ff)
		t->n_ff++;
	else
		t->n_ff--;
	rescan_visibility(r, fi, time);
}

/*
 * Re-evaluate full-feed statuses after peer @changed's table size changed.
 * The largest table is tracked exactly; when it may have shrunk, it is
 * recomputed over the peers.
 */
static void update_full_feed(struct rib *r, int fi, uint16_t changed, bool grew, uint32_t time)
{
	struct table *t = &r->t[fi];
	size_t old_max = t->max_routes;
	size_t mine = r->peers[changed].routes[fi];

	if (grew) {
		if (mine > t->max_routes)
			t->max_routes = mine;
	} else if (mine + 1 == t->max_routes) {
		size_t m = 0;
		for (unsigned i = 0; i < r->n_peers; i++)
			if (r->peers[i].routes[fi] > m)
				m = r->peers[i].routes[fi];
		t->max_routes = m;
	}
	double thr = r->o.full_feed_ratio * (double)t->max_routes;
	if (t->max_routes == old_max) {
		/* only @changed can have crossed the threshold */
		struct peer *p = &r->peers[changed];
		bool ff = p->routes[fi] > 0 && (double)p->routes[fi] >= thr;
		if (ff != p->ff[fi]) {
			p->ff[fi] = ff;
			peer_ff_changed(r, fi, changed, ff, time);
		}
		return;
	}
	for (unsigned i = 0; i < r->n_peers; i++) {
		struct peer *p = &r->peers[i];
		bool ff = p->routes[fi] > 0 && (double)p->routes[fi] >= thr;
		if (ff != p->ff[fi]) {
			p->ff[fi] = ff;
			peer_ff_changed(r, fi, (uint16_t)i, ff, time);
		}
	}
}

/* ---------------------------------------------------------------- updates */

int rib_announce(struct rib *r, int peer, const struct bgp_prefix *p, const uint8_t *path,
		 size_t path_len, unsigned asn_size, uint32_t time)
{
	uint8_t norm[8192];
	int fi = fam_idx(p->addr.family);

	if (peer < 0 || (unsigned)peer >= r->n_peers || p->len > (fi ? 128 : 32))
		return LO_EINVAL;
	int nlen = path_normalise(path, path_len, asn_size, norm, sizeof(norm));
	if (nlen < 0)
		return LO_EINVAL;
	int64_t pid = path_intern(r, norm, (size_t)nlen);
	if (pid < 0)
		return (int)pid;
	int64_t idx = pfx_find(r, fi, p, true, NULL);
	if (idx < 0) {
		path_release(r, (uint32_t)pid);
		return (int)idx;
	}
	struct pfx *e = &r->t[fi].v[idx];
	uint32_t pos;
	struct route *rt = route_find(e, (uint16_t)peer, &pos);
	if (rt) {
		path_release(r, rt->path);
		rt->path = (uint32_t)pid;
		return 0;
	}
	if (e->n == e->cap) {
		uint16_t nc = e->cap ? (uint16_t)(e->cap * 2) : 2;
		if (nc < e->cap || e->cap >= 32768) {
			path_release(r, (uint32_t)pid);
			return LO_ETOOBIG;
		}
		struct route *v = realloc(e->routes, nc * sizeof(*v));
		if (!v) {
			path_release(r, (uint32_t)pid);
			return LO_ENOMEM;
		}
		e->routes = v;
		e->cap = nc;
	}
	memmove(&e->routes[pos + 1], &e->routes[pos], (e->n - pos) * sizeof(*e->routes));
	e->routes[pos].path = (uint32_t)pid;
	e->routes[pos].peer = (uint16_t)peer;
	e->routes[pos].pad = 0;
	e->n++;
	r->routes++;
	struct peer *pe = &r->peers[peer];
	pe->routes[fi]++;
	if (pe->ff[fi]) {
		e->ff++;
		set_visible(r, fi, e, time);
	}
	update_full_feed(r, fi, (uint16_t)peer, true, time);
	return 0;
}

int rib_withdraw(struct rib *r, int peer, const struct bgp_prefix *p, uint32_t time)
{
	int fi = fam_idx(p->addr.family);

	if (peer < 0 || (unsigned)peer >= r->n_peers)
		return LO_EINVAL;
	int64_t idx = pfx_find(r, fi, p, false, NULL);
	if (idx < 0)
		return 0;
	struct pfx *e = &r->t[fi].v[idx];
	uint32_t pos;
	struct route *rt = route_find(e, (uint16_t)peer, &pos);
	if (!rt)
		return 0;
	path_release(r, rt->path);
	memmove(&e->routes[pos], &e->routes[pos + 1], (e->n - pos - 1) * sizeof(*e->routes));
	e->n--;
	r->routes--;
	struct peer *pe = &r->peers[peer];
	pe->routes[fi]--;
	if (pe->ff[fi]) {
		e->ff--;
		set_visible(r, fi, e, time);
	}
	if (!e->n)
		pfx_remove(r, fi, (uint32_t)idx);
	update_full_feed(r, fi, (uint16_t)peer, false, time);
	return 0;
}

int rib_peer_down(struct rib *r, int peer, uint32_t time)
{
	if (peer < 0 || (unsigned)peer >= r->n_peers)
		return LO_EINVAL;
	struct peer *pe = &r->peers[peer];
	for (int fi = 0; fi < 2; fi++) {
		struct table *t = &r->t[fi];
		bool was_ff = pe->ff[fi];
		if (!pe->routes[fi])
			continue;
		for (uint32_t i = 0; i < t->n; i++) {
			struct pfx *e = &t->v[i];
			uint32_t pos;
			struct route *rt;
			if (!e->n || !(rt = route_find(e, (uint16_t)peer, &pos)))
				continue;
			path_release(r, rt->path);
			memmove(&e->routes[pos], &e->routes[pos + 1],
				(e->n - pos - 1) * sizeof(*e->routes));
			e->n--;
			r->routes--;
			if (was_ff) {
				e->ff--;
				set_visible(r, fi, e, time);
			}
			if (!e->n)
				pfx_remove(r, fi, i);
		}
		pe->routes[fi] = 0;
		if (was_ff) {
			pe->ff[fi] = false;
			t->n_ff--;
			rescan_visibility(r, fi, time);
		}
		/* the largest table may have been this peer's */
		size_t m = 0;
		for (unsigned i = 0; i < r->n_peers; i++)
			if (r->peers[i].routes[fi] > m)
				m = r->peers[i].routes[fi];
		t->max_routes = m;
		double thr = r->o.full_feed_ratio * (double)m;
		for (unsigned i = 0; i < r->n_peers; i++) {
			struct peer *q = &r->peers[i];
			bool ff = q->routes[fi] > 0 && (double)q->routes[fi] >= thr;
			if (ff != q->ff[fi]) {
				q->ff[fi] = ff;
				peer_ff_changed(r, fi, (uint16_t)i, ff, time);
			}
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- queries */

bool rib_prefix_info(const struct rib *r, const struct bgp_prefix *p, struct rib_prefix_info *out)
{
	int fi = fam_idx(p->addr.family);
	int64_t idx = pfx_find((struct rib *)r, fi, p, false, NULL);

	memset(out, 0, sizeof(*out));
	if (idx < 0)
		return false;
	const struct pfx *e = &r->t[fi].v[idx];
	out->peers = e->n;
	out->full_feed_peers = e->ff;
	out->visible = e->visible;
	if (e->n) {
		const struct path *pa = r->paths[e->routes[e->n - 1].path];
		out->origin_asn = pa->origin;
		out->upstream_asn = pa->upstream;
	}
	return e->n > 0;
}

size_t rib_peer_routes(const struct rib *r, int peer, uint8_t family)
{
	if (peer < 0 || (unsigned)peer >= r->n_peers)
		return 0;
	return r->peers[peer].routes[fam_idx(family)];
}

bool rib_peer_full_feed(const struct rib *r, int peer, uint8_t family)
{
	if (peer < 0 || (unsigned)peer >= r->n_peers)
		return false;
	return r->peers[peer].ff[fam_idx(family)];
}

unsigned rib_full_feed_peers(const struct rib *r, uint8_t family)
{
	return r->t[fam_idx(family)].n_ff;
}

void rib_stats(const struct rib *r, struct rib_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->peers = r->n_peers;
	s->routes = r->routes;
	s->paths = r->live_paths;
	s->rescans = r->rescans;
	size_t bytes = sizeof(*r) + r->peers_cap * sizeof(struct peer) +
		       r->n_peer_slots * sizeof(uint32_t) + r->paths_cap * sizeof(struct path *) +
		       r->path_free_cap * sizeof(uint32_t) +
		       r->n_path_slots * 2 * sizeof(uint32_t) + r->path_bytes +
		       r->live_paths * 16 /* malloc overhead */;
	for (int fi = 0; fi < 2; fi++) {
		const struct table *t = &r->t[fi];
		s->prefixes[fi] = t->live;
		s->visible[fi] = t->visible;
		bytes += (size_t)t->cap * sizeof(struct pfx) +
			 (size_t)t->nslots * sizeof(uint32_t) +
			 (size_t)t->free_cap * sizeof(uint32_t);
		for (uint32_t i = 0; i < t->n; i++)
			if (t->v[i].cap)
				bytes += t->v[i].cap * sizeof(struct route) + 16;
	}
	s->bytes = bytes;
}
