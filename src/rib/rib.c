/*
 * DOC: the RIB — prefix tables, interned AS paths, peers, full-feed status
 * and prefix visibility (see rib.h for the definitions).
 *
 * Layout, chosen so that an update touches few cache lines and a route
 * costs little more than its 6 bytes:
 * - Per family, an open-addressing table (linear probing, backward-shift
 *   deletion) whose slots are the prefix entries themselves (struct pfx, 16
 *   bytes with an IPv4 address, 28 with an IPv6 one): a lookup reads one
 *   slot and compares the prefix in place.
 * - A prefix's routes are one slab block: the path ids (uint32) of its
 *   routes, then their peer ids (uint16), sorted by peer id.  A block has
 *   room for exactly its routes up to 16 and at most 1/8 more beyond, and
 *   shrinks when less than half full, so a table seen by N peers holds
 *   6 * N bytes per prefix.
 * - Interned paths live in a second slab and are named by their handle; a
 *   table of 64-bit (hash, handle) slots finds them, so a probe reads one
 *   slot and a hit one path.
 * - A slab carves 256 KiB chunks into blocks of 4-byte units, keeps a free
 *   list per block size and names blocks by 32-bit handles (chunk, offset):
 *   no malloc per prefix or path, and no malloc overhead.  The route slab
 *   is compacted when a quarter of it is free (routes_compact()).
 * An update waits for two cache misses in a row (prefix slot, then route
 * block), with the path's slot and the path loaded meanwhile; dropping the
 * reference of a replaced path is deferred and batched (paths_flush()).
 * Callbacks must not modify the RIB (queries are fine).  docs/rib.md has
 * the figures.
 */
#include "rib/rib.h"
#include "rib/rib_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- slabs */

#define SLAB_SHIFT	16 /* 4-byte units per chunk: 2^16 (256 KiB) */
#define SLAB_CHUNK	(1u << SLAB_SHIFT)
#define SLAB_SMALL	4096u  /* units; larger blocks get a chunk of their own */
#define SLAB_MAX_CHUNKS 65535u /* chunk index + 1 must fit 16 bits */

struct slab {
	uint8_t **chunk; /* handle (i + 1) << SLAB_SHIFT | unit is in chunk i */
	uint32_t n_chunk, chunk_cap;
	uint32_t *spare; /* indices of released chunks */
	uint32_t n_spare, spare_cap;
	uint32_t cur, used;	       /* chunk being carved (index + 1; 0: none), units used */
	uint32_t head[SLAB_SMALL + 1]; /* free blocks by size in units */
	size_t bytes;		       /* chunk memory held */
	size_t small_units;	       /* units in chunks carved into blocks */
	size_t live_units;	       /* of which in blocks in use */
	size_t garbage_floor;	       /* free units just after the last compaction */
};

static inline void *slab_ptr(const struct slab *s, uint32_t h)
{
	return s->chunk[(h >> SLAB_SHIFT) - 1] + (size_t)(h & (SLAB_CHUNK - 1)) * 4;
}

/* Own @mem as a new chunk; returns its index + 1, or 0. */
static uint32_t slab_add_chunk(struct slab *s, uint8_t *mem)
{
	uint32_t i;

	if (s->n_spare) {
		i = s->spare[--s->n_spare];
	} else {
		if (s->n_chunk >= SLAB_MAX_CHUNKS)
			return 0;
		if (s->n_chunk == s->chunk_cap) {
			uint32_t nc = s->chunk_cap ? s->chunk_cap * 2 : 64;
			uint8_t **v = realloc(s->chunk, (size_t)nc * sizeof(*v));
			if (!v)
				return 0;
			s->chunk = v;
			s->chunk_cap = nc;
		}
		i = s->n_chunk++;
	}
	s->chunk[i] = mem;
	return i + 1;
}

/* Free chunk @i (of @units units) and keep its index for reuse. */
static void slab_release_chunk(struct slab *s, uint32_t i, size_t units)
{
	free(s->chunk[i]);
	s->chunk[i] = NULL;
	s->bytes -= units * 4;
	if (s->n_spare == s->spare_cap) {
		uint32_t nc = s->spare_cap ? s->spare_cap * 2 : 16;
		uint32_t *v = realloc(s->spare, (size_t)nc * sizeof(*v));
		if (!v)
			return; /* the index is lost, not the memory */
		s->spare = v;
		s->spare_cap = nc;
	}
	s->spare[s->n_spare++] = i;
}

static void slab_push(struct slab *s, uint32_t h, uint32_t units)
{
	memcpy(slab_ptr(s, h), &s->head[units], sizeof(uint32_t));
	s->head[units] = h;
}

static void slab_free(struct slab *s, uint32_t h, uint32_t units)
{
	if (units > SLAB_SMALL) {
		slab_release_chunk(s, (h >> SLAB_SHIFT) - 1, units);
		return;
	}
	s->live_units -= units;
	slab_push(s, h, units);
}

/* A block of @units 4-byte units; returns its handle (never 0), or 0. */
static uint32_t slab_alloc(struct slab *s, uint32_t units)
{
	uint32_t h, c;
	uint8_t *m;

	if (units > SLAB_SMALL) {
		if (!(m = malloc((size_t)units * 4)))
			return 0;
		if (!(c = slab_add_chunk(s, m))) {
			free(m);
			return 0;
		}
		s->bytes += (size_t)units * 4;
		return c << SLAB_SHIFT;
	}
	if ((h = s->head[units])) {
		memcpy(&s->head[units], slab_ptr(s, h), sizeof(uint32_t));
		s->live_units += units;
		return h;
	}
	if (!s->cur || s->used + units > SLAB_CHUNK) {
		if (!(m = malloc((size_t)SLAB_CHUNK * 4)))
			return 0;
		if (!(c = slab_add_chunk(s, m))) {
			free(m);
			return 0;
		}
		if (s->cur && s->used < SLAB_CHUNK) /* the old chunk's tail */
			slab_push(s, s->cur << SLAB_SHIFT | s->used, SLAB_CHUNK - s->used);
		s->cur = c;
		s->used = 0;
		s->bytes += (size_t)SLAB_CHUNK * 4;
		s->small_units += SLAB_CHUNK;
	}
	h = s->cur << SLAB_SHIFT | s->used;
	s->used += units;
	s->live_units += units;
	return h;
}

/* Units in free blocks (not counting the rest of the chunk being carved). */
static size_t slab_garbage(const struct slab *s)
{
	return s->small_units - s->live_units - (s->cur ? SLAB_CHUNK - s->used : 0);
}

static void slab_fini(struct slab *s)
{
	for (uint32_t i = 0; i < s->n_chunk; i++)
		free(s->chunk[i]);
	free(s->chunk);
	free(s->spare);
}

/* Bytes held besides the struct itself. */
static size_t slab_bytes(const struct slab *s)
{
	return s->bytes + s->chunk_cap * sizeof(*s->chunk) + s->spare_cap * sizeof(*s->spare);
}

/* ---------------------------------------------------------------- structures */

/* A prefix table slot.  The address (4 or 16 bytes) follows the struct. */
struct pfx {
	uint32_t routes; /* slab handle of the route block; 0: a free slot */
	uint16_t n, cap; /* routes held, room in the block */
	uint16_t ff;	 /* routes from full-feed peers */
	uint8_t len;
	uint8_t visible;
	uint8_t addr[];
};

struct path {
	uint32_t refs;
	uint32_t origin; /* last AS (0: none or an AS_SET) */
	uint16_t len;	 /* bytes of data: AS_PATH segments with 4-byte ASNs */
	uint8_t data[];
};

#define PATH_MAX_BYTES 8192
#define RELEASE_BATCH  16

struct peer {
	uint16_t collector;
	struct bgp_addr addr;
	uint32_t asn;
	size_t routes[2];
	bool ff[2];
	bool seen; /* has an entry in its collector's open RIB dump */
};

struct table {
	uint8_t *slot;	 /* nslots entries of esz bytes */
	uint32_t nslots; /* power of two; 0 before the first prefix */
	uint32_t esz;
	size_t live; /* prefixes present */
	size_t visible;
	size_t max_routes; /* routes of the largest peer */
	unsigned n_ff;
};

struct rib {
	struct rib_opts o;
	struct table t[2];
	struct slab routes_slab, paths_slab;
	struct peer *peers;
	unsigned n_peers, peers_cap;
	uint32_t *peer_slots;
	unsigned n_peer_slots;
	int last_peer;	      /* the peer found last (-1: none) */
	uint64_t *path_slots; /* hash << 32 | handle; 0 = empty */
	uint32_t n_path_slots;
	size_t live_paths;
	uint32_t release[RELEASE_BATCH]; /* paths to release, see paths_flush() */
	unsigned n_release;
	size_t routes;
	uint64_t rescans;
	uint8_t *down;			/* rib_peer_down: routes to report, see down_push() */
	size_t down_len, down_cap;	/* bytes */
	uint64_t dump_open[65536 / 64]; /* collectors with an open RIB dump */
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
	r->t[0].esz = sizeof(struct pfx) + 4;
	r->t[1].esz = sizeof(struct pfx) + 16;
	r->last_peer = -1;
	return r;
}

void rib_free(struct rib *r)
{
	if (!r)
		return;
	for (int f = 0; f < 2; f++)
		free(r->t[f].slot);
	slab_fini(&r->routes_slab);
	slab_fini(&r->paths_slab);
	free(r->path_slots);
	free(r->peers);
	free(r->peer_slots);
	free(r->down);
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

/* Hash of @n bytes, 8 at a time (paths are hashed on every announcement). */
static uint32_t bytes_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	for (w = 0; n; n--)
		w = w << 8 | p[n - 1];
	return mix(h ^ w * 0xc4ceb9fe1a85ec53ull);
}

static uint32_t pfx_hash(const uint8_t *addr, uint8_t len, int fi)
{
	uint64_t a = 0, b = 0;
	memcpy(&a, addr, 8 < addr_bytes(fi) ? 8 : addr_bytes(fi));
	if (fi)
		memcpy(&b, addr + 8, 8);
	return mix(a * 0x9e3779b97f4a7c15ull ^ b ^ ((uint64_t)len << 56 | (uint64_t)fi << 48));
}

/* Whether an entry whose home is @home may move from slot @j to the hole @i. */
static bool may_shift(uint32_t home, uint32_t i, uint32_t j)
{
	/* it may unless its home is in (i, j] cyclically */
	return (j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j));
}

/* ---------------------------------------------------------------- prefixes */

static inline struct pfx *ent(const struct table *t, uint32_t k)
{
	return (struct pfx *)(void *)(t->slot + (size_t)k * t->esz);
}

static inline bool addr_eq(int fi, const uint8_t *a, const uint8_t *b)
{
	return fi ? !memcmp(a, b, 16) : !memcmp(a, b, 4);
}

/*
 * The slot of (@addr, @len) of hash @h in @t (which has slots): true when
 * found, else false and *@slot is where it would go.
 */
static bool pfx_lookup(const struct table *t, int fi, const uint8_t *addr, uint8_t len, uint32_t h,
		       uint32_t *slot)
{
	uint32_t mask = t->nslots - 1, k = h & mask;

	for (;; k = (k + 1) & mask) {
		const struct pfx *e = ent(t, k);
		if (!e->routes) {
			*slot = k;
			return false;
		}
		if (e->len == len && addr_eq(fi, e->addr, addr)) {
			*slot = k;
			return true;
		}
	}
}

static int table_grow(struct table *t, int fi)
{
	uint32_t n = t->nslots ? t->nslots * 2 : 1024;
	uint8_t *s = calloc(n, t->esz);

	if (!s)
		return LO_ENOMEM;
	for (uint32_t i = 0; i < t->nslots; i++) {
		const struct pfx *e = ent(t, i);
		if (!e->routes)
			continue;
		uint32_t k = pfx_hash(e->addr, e->len, fi) & (n - 1);
		while (((const struct pfx *)(void *)(s + (size_t)k * t->esz))->routes)
			k = (k + 1) & (n - 1);
		memcpy(s + (size_t)k * t->esz, e, t->esz);
	}
	free(t->slot);
	t->slot = s;
	t->nslots = n;
	return 0;
}

/* Add @p (hash @h, absent) with route block @routes; *@slot is where it went. */
static int pfx_insert(struct rib *r, int fi, const struct bgp_prefix *p, uint32_t h,
		      uint32_t routes, uint32_t *slot)
{
	struct table *t = &r->t[fi];

	if (t->live >= r->o.max_prefixes)
		return LO_ETOOBIG;
	if ((t->live + 1) * 4 > (size_t)t->nslots * 3) {
		if (table_grow(t, fi))
			return LO_ENOMEM;
		pfx_lookup(t, fi, p->addr.b, p->len, h, slot);
	}
	struct pfx *e = ent(t, *slot);
	memset(e, 0, t->esz);
	e->routes = routes;
	e->len = p->len;
	memcpy(e->addr, p->addr.b, addr_bytes(fi));
	t->live++;
	return 0;
}

/* Remove the entry in slot @k (backward-shift deletion). */
static void pfx_delete(struct table *t, int fi, uint32_t k)
{
	uint32_t mask = t->nslots - 1, i = k, j = k;

	for (;;) {
		j = (j + 1) & mask;
		const struct pfx *e = ent(t, j);
		if (!e->routes)
			break;
		if (may_shift(pfx_hash(e->addr, e->len, fi) & mask, i, j)) {
			memcpy(ent(t, i), e, t->esz);
			i = j;
		}
	}
	ent(t, i)->routes = 0;
	t->live--;
}

static void pfx_to_prefix(int fi, const struct pfx *e, struct bgp_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->addr.family = fi ? 6 : 4;
	memcpy(p->addr.b, e->addr, addr_bytes(fi));
	p->len = e->len;
}

/* ---------------------------------------------------------------- routes */

/* A route block of room @cap: path ids [cap] (uint32), then peer ids [cap] (uint16). */
static uint32_t route_units(uint32_t cap)
{
	return (cap * 6 + 3) / 4;
}

static inline uint32_t *rb_path(void *b)
{
	return b;
}

static inline uint16_t *rb_peer(void *b, uint32_t cap)
{
	return (uint16_t *)(void *)((uint8_t *)b + (size_t)cap * 4);
}

/* Room for @n routes: exactly n up to 16, beyond that at most 1/8 more. */
static uint32_t route_cap(uint32_t n)
{
	unsigned k = 0;

	if (n <= 16)
		return n;
	while (((n - 1) >> k) >= 16)
		k++;
	uint32_t c = (((n - 1) >> k) + 1) << k;
	return c > 65535 ? 65535 : c;
}

/* Load @e's route block: its first and its last cache line (peer ids, path ids). */
static inline void route_prefetch(const struct rib *r, const struct pfx *e)
{
	const uint8_t *b = slab_ptr(&r->routes_slab, e->routes);
	__builtin_prefetch(b);
	__builtin_prefetch(b + route_units(e->cap) * 4 - 1);
}

static bool route_find(const struct rib *r, const struct pfx *e, uint16_t peer, uint32_t *pos)
{
	const uint16_t *pe = rb_peer(slab_ptr(&r->routes_slab, e->routes), e->cap);
	uint32_t lo = 0, hi = e->n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (pe[mid] < peer)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return lo < e->n && pe[lo] == peer;
}

/* Insert route (@peer, @pid) at @pos of @e's block, moving to a bigger block when full. */
static int route_insert(struct rib *r, struct pfx *e, uint32_t pos, uint16_t peer, uint32_t pid)
{
	uint8_t *b = slab_ptr(&r->routes_slab, e->routes);
	uint32_t n = e->n;

	if (n < e->cap) {
		uint32_t *pa = rb_path(b);
		uint16_t *pe = rb_peer(b, e->cap);
		memmove(pa + pos + 1, pa + pos, (n - pos) * sizeof(*pa));
		memmove(pe + pos + 1, pe + pos, (n - pos) * sizeof(*pe));
		pa[pos] = pid;
		pe[pos] = peer;
		e->n++;
		return 0;
	}
	if (n >= 65535)
		return LO_ETOOBIG;
	uint32_t nc = route_cap(n + 1), nh = slab_alloc(&r->routes_slab, route_units(nc));
	if (!nh)
		return LO_ENOMEM;
	uint8_t *nb = slab_ptr(&r->routes_slab, nh);
	const uint32_t *opa = rb_path(b);
	const uint16_t *ope = rb_peer(b, e->cap);
	uint32_t *pa = rb_path(nb);
	uint16_t *pe = rb_peer(nb, nc);
	memcpy(pa, opa, pos * sizeof(*pa));
	memcpy(pa + pos + 1, opa + pos, (n - pos) * sizeof(*pa));
	memcpy(pe, ope, pos * sizeof(*pe));
	memcpy(pe + pos + 1, ope + pos, (n - pos) * sizeof(*pe));
	pa[pos] = pid;
	pe[pos] = peer;
	slab_free(&r->routes_slab, e->routes, route_units(e->cap));
	e->routes = nh;
	e->cap = (uint16_t)nc;
	e->n++;
	return 0;
}

/*
 * Remove the route at @pos of @e's block; a block less than half full moves
 * to a smaller one.  The caller frees the block when no route is left.
 */
static void route_remove(struct rib *r, struct pfx *e, uint32_t pos)
{
	uint8_t *b = slab_ptr(&r->routes_slab, e->routes);
	uint32_t *pa = rb_path(b);
	uint16_t *pe = rb_peer(b, e->cap);
	uint32_t n = --e->n;

	memmove(pa + pos, pa + pos + 1, (n - pos) * sizeof(*pa));
	memmove(pe + pos, pe + pos + 1, (n - pos) * sizeof(*pe));
	if (!n || n * 2 >= e->cap)
		return;
	uint32_t nc = route_cap(n), nh = slab_alloc(&r->routes_slab, route_units(nc));
	if (!nh)
		return; /* keep the big block */
	uint8_t *nb = slab_ptr(&r->routes_slab, nh);
	memcpy(rb_path(nb), pa, n * sizeof(*pa));
	memcpy(rb_peer(nb, nc), pe, n * sizeof(*pe));
	slab_free(&r->routes_slab, e->routes, route_units(e->cap));
	e->routes = nh;
	e->cap = (uint16_t)nc;
}

/*
 * Route blocks freed by growth are reused only by blocks of their size: a
 * peer that announces a full table after the others leaves a free block of
 * the old size for each prefix.  When more than a quarter of the slab is
 * free, every block moves into fresh chunks, one old chunk after the other,
 * each freed as soon as it is empty, so the memory held never grows by more
 * than a chunk meanwhile; the free lists start again empty.
 */
static void routes_compact(struct rib *r)
{
	struct slab *s = &r->routes_slab;
	uint32_t nch = s->n_chunk;
	size_t n = r->t[0].live + r->t[1].live;
	uint32_t *start = calloc((size_t)nch + 2, sizeof(*start));
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order)); /* fi << 31 | slot, by chunk */
	uint8_t *old = malloc(nch ? nch : 1);

	if (!start || !order || !old)
		goto out;
	/* chunk i's entries go to order[start[i], start[i + 1]) (a counting sort) */
	for (int fi = 0; fi < 2; fi++)
		for (uint32_t k = 0; k < r->t[fi].nslots; k++)
			if (ent(&r->t[fi], k)->routes)
				start[(ent(&r->t[fi], k)->routes >> SLAB_SHIFT) + 1]++;
	for (uint32_t i = 0; i <= nch; i++)
		start[i + 1] += start[i];
	for (int fi = 0; fi < 2; fi++)
		for (uint32_t k = 0; k < r->t[fi].nslots; k++)
			if (ent(&r->t[fi], k)->routes)
				order[start[ent(&r->t[fi], k)->routes >> SLAB_SHIFT]++] =
					(uint32_t)fi << 31 | k;
	for (uint32_t i = 0; i < nch; i++)
		old[i] = s->chunk[i] != NULL;
	memset(s->head, 0, sizeof(s->head));
	s->cur = s->used = 0;
	for (uint32_t i = 0; i < nch; i++) {
		if (!old[i])
			continue;
		if (start[i] < start[i + 1] &&
		    route_units(
			    ent(&r->t[order[start[i]] >> 31], order[start[i]] & 0x7fffffff)->cap) >
			    SLAB_SMALL)
			continue; /* a big block, in a chunk of its own */
		for (uint32_t j = start[i]; j < start[i + 1]; j++) {
			struct pfx *e = ent(&r->t[order[j] >> 31], order[j] & 0x7fffffff);
			uint32_t u = route_units(e->cap), h;
			if (!(h = slab_alloc(s, u)))
				goto out; /* what is left stays where it is */
			memcpy(slab_ptr(s, h), slab_ptr(s, e->routes), (size_t)u * 4);
			e->routes = h;
			s->live_units -= u;
		}
		s->small_units -= SLAB_CHUNK;
		slab_release_chunk(s, i, SLAB_CHUNK);
	}
out:
	free(start);
	free(order);
	free(old);
}

static void routes_maybe_compact(struct rib *r)
{
	struct slab *s = &r->routes_slab;

	if (s->small_units < 8 * SLAB_CHUNK || slab_garbage(s) <= s->garbage_floor ||
	    (slab_garbage(s) - s->garbage_floor) * 4 <= s->small_units)
		return;
	routes_compact(r);
	/* what compaction cannot take back (chunk ends) does not count next time */
	s->garbage_floor = slab_garbage(s);
}

/* ---------------------------------------------------------------- paths */

static uint32_t path_units(size_t len)
{
	return (uint32_t)((offsetof(struct path, data) + len + 3) / 4);
}

static inline struct path *path_get(const struct rib *r, uint32_t id)
{
	return slab_ptr(&r->paths_slab, id);
}

/* Widen 2-byte AS_PATH segments to 4 bytes into @out; returns length or -1. */
static int path_normalise(const uint8_t *p, size_t len, uint8_t *out, size_t cap)
{
	struct cur c = cur_make(p, len);
	size_t n = 0;

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

static void path_slot_delete(struct rib *r, uint32_t k)
{
	uint64_t *s = r->path_slots;
	uint32_t mask = r->n_path_slots - 1, i = k, j = k;

	for (;;) {
		j = (j + 1) & mask;
		if (!s[j])
			break;
		if (may_shift((uint32_t)(s[j] >> 32) & mask, i, j)) {
			s[i] = s[j];
			i = j;
		}
	}
	s[i] = 0;
}

static int path_slots_grow(struct rib *r)
{
	uint32_t n = r->n_path_slots ? r->n_path_slots * 2 : 1024;
	uint64_t *s = calloc(n, sizeof(*s));

	if (!s)
		return LO_ENOMEM;
	for (uint32_t i = 0; i < r->n_path_slots; i++) {
		uint64_t v = r->path_slots[i];
		if (!v)
			continue;
		uint32_t k = (uint32_t)(v >> 32) & (n - 1);
		while (s[k])
			k = (k + 1) & (n - 1);
		s[k] = v;
	}
	free(r->path_slots);
	r->path_slots = s;
	r->n_path_slots = n;
	return 0;
}

static void paths_flush(struct rib *r);

/* Room for one more path in the path table (before hashing into it). */
static int path_reserve(struct rib *r)
{
	if ((r->live_paths + 1) * 4 > (size_t)r->n_path_slots * 3)
		return path_slots_grow(r);
	return 0;
}

/*
 * The id of path @data (4-byte ASNs, hash @h), interned on first use, with a
 * reference taken.  path_reserve() must have succeeded.
 */
static int64_t path_intern(struct rib *r, const uint8_t *data, size_t len, uint32_t h)
{
	uint32_t mask = r->n_path_slots - 1, k = h & mask;

	for (uint64_t v; (v = r->path_slots[k]) != 0; k = (k + 1) & mask) {
		if ((uint32_t)(v >> 32) != h)
			continue;
		struct path *pa = path_get(r, (uint32_t)v);
		if (pa->len == len && !memcmp(pa->data, data, len)) {
			pa->refs++;
			return (uint32_t)v;
		}
	}
	if (r->live_paths >= r->o.max_paths)
		paths_flush(r); /* queued releases may make room */
	if (r->live_paths >= r->o.max_paths)
		return LO_ETOOBIG;
	uint32_t id = slab_alloc(&r->paths_slab, path_units(len));
	if (!id)
		return LO_ENOMEM;
	struct path *pa = path_get(r, id);
	pa->refs = 1;
	pa->len = (uint16_t)len;
	if (len)
		memcpy(pa->data, data, len);
	pa->origin = bgp_aspath_origin(data, len, 4);
	r->path_slots[k] = (uint64_t)h << 32 | id;
	r->live_paths++;
	return id;
}

/*
 * Dropping a reference reads the path, a cache miss at the end of an
 * update's chain of misses.  So releases are queued, the path prefetched,
 * and done RELEASE_BATCH at a time, once the paths are in the cache.  What
 * counts paths (rib_stats, the max_paths cap) flushes the queue first.
 */
static void paths_flush(struct rib *r)
{
	uint32_t dead[RELEASE_BATCH], dead_h[RELEASE_BATCH];
	unsigned nd = 0;

	for (unsigned i = 0; i < r->n_release; i++) {
		struct path *pa = path_get(r, r->release[i]);
		if (--pa->refs)
			continue;
		dead_h[nd] = bytes_hash(pa->data, pa->len);
		__builtin_prefetch(&r->path_slots[dead_h[nd] & (r->n_path_slots - 1)]);
		dead[nd++] = r->release[i];
	}
	r->n_release = 0;
	for (unsigned i = 0; i < nd; i++) {
		uint32_t mask = r->n_path_slots - 1, k = dead_h[i] & mask;
		while ((uint32_t)r->path_slots[k] != dead[i])
			k = (k + 1) & mask;
		path_slot_delete(r, k);
		slab_free(&r->paths_slab, dead[i], path_units(path_get(r, dead[i])->len));
		r->live_paths--;
	}
}

static void path_release(struct rib *r, uint32_t id)
{
	__builtin_prefetch(path_get(r, id), 1);
	r->release[r->n_release++] = id;
	if (r->n_release == RELEASE_BATCH)
		paths_flush(r);
}

/* ---------------------------------------------------------------- peers */

static uint32_t peer_hash(uint16_t collector, const struct bgp_addr *a, uint32_t asn)
{
	uint64_t x, y;
	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	return mix(x * 0x9e3779b97f4a7c15ull ^ y ^
		   ((uint64_t)asn << 32 | (uint64_t)collector << 8 | a->family));
}

static bool peer_is(const struct peer *p, uint16_t collector, const struct bgp_addr *addr,
		    uint32_t asn)
{
	return p->collector == collector && p->asn == asn && p->addr.family == addr->family &&
	       !memcmp(p->addr.b, addr->b, 16);
}

int rib_peer(struct rib *r, uint16_t collector, const struct bgp_addr *addr, uint32_t asn)
{
	/* consecutive elems mostly come from one peer */
	if (r->last_peer >= 0 && peer_is(&r->peers[r->last_peer], collector, addr, asn))
		return r->last_peer;

	uint32_t h = peer_hash(collector, addr, asn);

	if (r->n_peer_slots) {
		uint32_t mask = r->n_peer_slots - 1, k = h & mask;
		while (r->peer_slots[k]) {
			if (peer_is(&r->peers[r->peer_slots[k] - 1], collector, addr, asn))
				return r->last_peer = (int)r->peer_slots[k] - 1;
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
	return r->last_peer = id;
}

int rib_peer_info(const struct rib *r, int peer, uint16_t *collector, struct bgp_addr *addr,
		  uint32_t *asn)
{
	if (peer < 0 || (unsigned)peer >= r->n_peers)
		return LO_EINVAL;
	const struct peer *p = &r->peers[peer];
	if (collector)
		*collector = p->collector;
	if (addr)
		*addr = p->addr;
	if (asn)
		*asn = p->asn;
	return 0;
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
		pfx_to_prefix(fi, e, &p);
		r->o.on_visibility(r->o.ctx, &p, vis, time);
	}
}

static void rescan_visibility(struct rib *r, int fi, uint32_t time)
{
	struct table *t = &r->t[fi];
	r->rescans++;
	for (uint32_t k = 0; k < t->nslots; k++)
		if (ent(t, k)->routes)
			set_visible(r, fi, ent(t, k), time);
}

/*
 * Walks over a whole table (a peer's routes, a change of its full-feed
 * status) read one route block per prefix: load them WALK_AHEAD slots
 * ahead, so that the misses overlap.
 */
#define WALK_AHEAD 32

static inline void walk_prefetch(const struct rib *r, const struct table *t, uint32_t k)
{
	if (k < t->nslots && ent(t, k)->routes)
		route_prefetch(r, ent(t, k));
}

/* A peer's full-feed status changed: fix the ff counts of its prefixes. */
static void peer_ff_changed(struct rib *r, int fi, uint16_t peer, bool now_ff)
{
	struct table *t = &r->t[fi];
	uint32_t pos;

	for (uint32_t k = 0; k < t->nslots; k++) {
		struct pfx *e = ent(t, k);
		walk_prefetch(r, t, k + WALK_AHEAD);
		if (!e->routes || !route_find(r, e, peer, &pos))
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
}

/*
 * Set the full-feed status of peer @only (-1: of every peer) by the current
 * largest table, then re-evaluate visibility once if any status changed
 * (or @rescan): a prefix's visibility is reported when the RIB is settled,
 * never for the halfway states between two peers' changes.
 */
static void settle_full_feed(struct rib *r, int fi, int only, bool rescan, uint32_t time)
{
	double thr = r->o.full_feed_ratio * (double)r->t[fi].max_routes;
	unsigned i = only < 0 ? 0 : (unsigned)only, end = only < 0 ? r->n_peers : i + 1;

	for (; i < end; i++) {
		struct peer *p = &r->peers[i];
		bool ff = p->routes[fi] > 0 && (double)p->routes[fi] >= thr;
		if (ff != p->ff[fi]) {
			p->ff[fi] = ff;
			peer_ff_changed(r, fi, (uint16_t)i, ff);
			rescan = true;
		}
	}
	if (rescan)
		rescan_visibility(r, fi, time);
}

static size_t largest_table(const struct rib *r, int fi)
{
	size_t m = 0;
	for (unsigned i = 0; i < r->n_peers; i++)
		if (r->peers[i].routes[fi] > m)
			m = r->peers[i].routes[fi];
	return m;
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
		t->max_routes = largest_table(r, fi);
	}
	/* when the largest table is the same, only @changed can have crossed the threshold */
	settle_full_feed(r, fi, t->max_routes == old_max ? changed : -1, false, time);
}

/* ---------------------------------------------------------------- updates */

int rib_announce(struct rib *r, int peer, const struct bgp_prefix *p, const uint8_t *path,
		 size_t path_len, unsigned asn_size, uint32_t time)
{
	uint8_t norm[PATH_MAX_BYTES];
	int fi = fam_idx(p->addr.family);
	struct table *t = &r->t[fi];
	uint32_t k = 0, pos = 0;
	struct pfx *e = NULL;
	bool had = false;
	int rc;

	if (peer < 0 || (unsigned)peer >= r->n_peers || p->len > (fi ? 128 : 32))
		return LO_EINVAL;
	if (asn_size != 4) {
		int n = path_normalise(path, path_len, norm, sizeof(norm));
		if (n < 0)
			return LO_EINVAL;
		path = norm;
		path_len = (size_t)n;
	} else if (path_len > sizeof(norm)) {
		return LO_EINVAL;
	}
	if ((rc = path_reserve(r)))
		return rc;
	/*
	 * Four cache misses are in the way, in two chains: the prefix's slot,
	 * then its route block; the path's slot, then the path.  Start both
	 * chains before waiting for either.
	 */
	uint32_t h = pfx_hash(p->addr.b, p->len, fi), ph = bytes_hash(path, path_len);
	if (t->nslots)
		__builtin_prefetch(ent(t, h & (t->nslots - 1)));
	__builtin_prefetch(&r->path_slots[ph & (r->n_path_slots - 1)]);
	if (t->nslots && pfx_lookup(t, fi, p->addr.b, p->len, h, &k)) {
		e = ent(t, k);
		route_prefetch(r, e);
	}
	int64_t pid = path_intern(r, path, path_len, ph);
	if (pid < 0)
		return (int)pid;
	uint32_t origin = path_get(r, (uint32_t)pid)->origin;

	if (!e) {
		uint32_t rh = slab_alloc(&r->routes_slab, route_units(1));
		if (!rh) {
			rc = LO_ENOMEM;
			goto out_path;
		}
		/* k is where the lookup stopped (pfx_insert looks again after a growth) */
		if ((rc = pfx_insert(r, fi, p, h, rh, &k))) {
			slab_free(&r->routes_slab, rh, route_units(1));
			goto out_path;
		}
		e = ent(t, k);
		e->cap = 1;
		rc = route_insert(r, e, 0, (uint16_t)peer, (uint32_t)pid);
	} else if (route_find(r, e, (uint16_t)peer, &pos)) {
		uint32_t *pa = &rb_path(slab_ptr(&r->routes_slab, e->routes))[pos];
		uint32_t old = *pa;
		*pa = (uint32_t)pid;
		if (old == (uint32_t)pid)
			path_get(r, old)->refs--; /* the same path again: it is in the cache */
		else
			path_release(r, old);
		had = true;
		goto out_report;
	} else {
		rc = route_insert(r, e, pos, (uint16_t)peer, (uint32_t)pid);
	}
	if (rc)
		goto out_path;
	r->routes++;
	struct peer *pe = &r->peers[peer];
	pe->routes[fi]++;
	if (pe->ff[fi]) {
		e->ff++;
		set_visible(r, fi, e, time);
	}
	update_full_feed(r, fi, (uint16_t)peer, true, time);
	routes_maybe_compact(r);
out_report:
	if (r->o.on_route)
		r->o.on_route(r->o.ctx, peer, p, RIB_ANNOUNCE, origin, had, time);
	return 0;
out_path:
	path_release(r, (uint32_t)pid);
	return rc;
}

int rib_withdraw(struct rib *r, int peer, const struct bgp_prefix *p, uint32_t time)
{
	int fi = fam_idx(p->addr.family);
	struct table *t = &r->t[fi];
	uint32_t k, pos;

	if (peer < 0 || (unsigned)peer >= r->n_peers)
		return LO_EINVAL;
	uint32_t h = pfx_hash(p->addr.b, p->len, fi);
	struct pfx *e;
	if (!t->nslots || !pfx_lookup(t, fi, p->addr.b, p->len, h, &k) ||
	    !route_find(r, (e = ent(t, k)), (uint16_t)peer, &pos)) {
		if (r->o.on_route)
			r->o.on_route(r->o.ctx, peer, p, RIB_WITHDRAW, 0, false, time);
		return 0;
	}
	uint32_t pid = rb_path(slab_ptr(&r->routes_slab, e->routes))[pos];
	uint32_t origin = path_get(r, pid)->origin;
	route_remove(r, e, pos);
	path_release(r, pid);
	r->routes--;
	struct peer *pe = &r->peers[peer];
	pe->routes[fi]--;
	if (pe->ff[fi]) {
		e->ff--;
		set_visible(r, fi, e, time);
	}
	if (!e->n) {
		slab_free(&r->routes_slab, e->routes, route_units(e->cap));
		pfx_delete(t, fi, k);
	}
	update_full_feed(r, fi, (uint16_t)peer, false, time);
	routes_maybe_compact(r);
	if (r->o.on_route)
		r->o.on_route(r->o.ctx, peer, p, RIB_WITHDRAW, origin, true, time);
	return 0;
}

/*
 * Routes removed by peer_down() are reported once the RIB is consistent
 * again; until then they wait in r->down as records of family index (1
 * byte), prefix length (1), origin (4) and address (4 or 16).
 */
static bool down_push(struct rib *r, int fi, const struct pfx *e, uint32_t origin)
{
	size_t need = 6 + addr_bytes(fi);

	if (r->down_len + need > r->down_cap) {
		size_t nc = r->down_cap ? r->down_cap * 2 : 4096;
		uint8_t *v = realloc(r->down, nc);
		if (!v)
			return false;
		r->down = v;
		r->down_cap = nc;
	}
	uint8_t *q = r->down + r->down_len;
	q[0] = (uint8_t)fi;
	q[1] = e->len;
	memcpy(q + 2, &origin, 4);
	memcpy(q + 6, e->addr, addr_bytes(fi));
	r->down_len += need;
	return true;
}

static void down_report(struct rib *r, int peer, uint32_t time)
{
	for (size_t off = 0; r->o.on_route && off < r->down_len;) {
		const uint8_t *q = r->down + off;
		struct bgp_prefix p;
		uint32_t origin;
		memset(&p, 0, sizeof(p));
		p.addr.family = q[0] ? 6 : 4;
		p.len = q[1];
		memcpy(&origin, q + 2, 4);
		memcpy(p.addr.b, q + 6, addr_bytes(q[0]));
		off += 6 + addr_bytes(q[0]);
		r->o.on_route(r->o.ctx, peer, &p, RIB_WITHDRAW, origin, true, time);
	}
	/* a full table's worth is not kept for the next session reset */
	free(r->down);
	r->down = NULL;
	r->down_len = r->down_cap = 0;
}

static void peer_down(struct rib *r, int peer, uint32_t time)
{
	struct peer *pe = &r->peers[peer];
	bool report = r->o.on_route != NULL;

	for (int fi = 0; fi < 2; fi++) {
		struct table *t = &r->t[fi];
		bool was_ff = pe->ff[fi];
		if (!pe->routes[fi])
			continue;
		/*
		 * A deletion shifts later entries back into slot k, so k is
		 * looked at again; entries that wrap around the end may be
		 * seen twice, but then without this peer's route.
		 */
		for (uint32_t k = 0; k < t->nslots;) {
			struct pfx *e = ent(t, k);
			uint32_t pos;
			walk_prefetch(r, t, k + WALK_AHEAD);
			if (!e->routes || !route_find(r, e, (uint16_t)peer, &pos)) {
				k++;
				continue;
			}
			uint32_t pid = rb_path(slab_ptr(&r->routes_slab, e->routes))[pos];
			if (report && !down_push(r, fi, e, path_get(r, pid)->origin)) {
				/* no memory to wait: report it now */
				struct bgp_prefix p;
				pfx_to_prefix(fi, e, &p);
				r->o.on_route(r->o.ctx, peer, &p, RIB_WITHDRAW,
					      path_get(r, pid)->origin, true, time);
			}
			route_remove(r, e, pos);
			path_release(r, pid);
			r->routes--;
			if (was_ff)
				e->ff--; /* visibility is settled below */
			if (!e->n) {
				set_visible(r, fi, e, time);
				slab_free(&r->routes_slab, e->routes, route_units(e->cap));
				pfx_delete(t, fi, k);
				continue;
			}
			k++;
		}
		pe->routes[fi] = 0;
		if (was_ff) {
			pe->ff[fi] = false;
			t->n_ff--;
		}
		/* the largest table may have been this peer's */
		t->max_routes = largest_table(r, fi);
		settle_full_feed(r, fi, -1, was_ff, time);
	}
	routes_maybe_compact(r);
	if (r->down_len)
		down_report(r, peer, time);
}

int rib_peer_down(struct rib *r, int peer, uint32_t time)
{
	if (peer < 0 || (unsigned)peer >= r->n_peers)
		return LO_EINVAL;
	peer_down(r, peer, time);
	return 0;
}

/* ---------------------------------------------------------------- RIB dumps */

static bool dump_is_open(const struct rib *r, uint16_t c)
{
	return r->dump_open[c / 64] >> (c % 64) & 1;
}

void rib_dump_begin(struct rib *r, uint16_t collector)
{
	r->dump_open[collector / 64] |= 1ull << (collector % 64);
	for (unsigned i = 0; i < r->n_peers; i++)
		if (r->peers[i].collector == collector)
			r->peers[i].seen = false;
}

void rib_peer_seen(struct rib *r, int peer)
{
	r->peers[peer].seen = true;
}

int rib_dump_end(struct rib *r, uint16_t collector, uint32_t time)
{
	int down = 0;

	if (!dump_is_open(r, collector))
		return 0;
	r->dump_open[collector / 64] &= ~(1ull << (collector % 64));
	for (unsigned i = 0; i < r->n_peers; i++) {
		const struct peer *p = &r->peers[i];
		if (p->collector != collector || p->seen || (!p->routes[0] && !p->routes[1]))
			continue;
		peer_down(r, (int)i, time);
		down++;
	}
	return down;
}

/* ---------------------------------------------------------------- queries */

bool rib_prefix_info(const struct rib *r, const struct bgp_prefix *p, struct rib_prefix_info *out)
{
	int fi = fam_idx(p->addr.family);
	const struct table *t = &r->t[fi];
	uint32_t k;

	memset(out, 0, sizeof(*out));
	if (!t->nslots ||
	    !pfx_lookup(t, fi, p->addr.b, p->len, pfx_hash(p->addr.b, p->len, fi), &k))
		return false;
	const struct pfx *e = ent(t, k);
	out->peers = e->n;
	out->full_feed_peers = e->ff;
	out->visible = e->visible;
	if (!e->n) /* its last route is being withdrawn (a visibility callback) */
		return false;
	/* the route of the highest peer id */
	const struct path *pa =
		path_get(r, rb_path(slab_ptr(&r->routes_slab, e->routes))[e->n - 1]);
	out->origin_asn = pa->origin;
	out->upstream_asn = path_upstream(pa->data, pa->len, pa->origin);
	return true;
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
	/* queued releases are not visible: settling them changes nothing else */
	paths_flush((struct rib *)r);
	memset(s, 0, sizeof(*s));
	s->peers = r->n_peers;
	s->routes = r->routes;
	s->paths = r->live_paths;
	s->rescans = r->rescans;
	size_t bytes = sizeof(*r) + r->peers_cap * sizeof(struct peer) +
		       r->n_peer_slots * sizeof(uint32_t) + slab_bytes(&r->routes_slab) +
		       slab_bytes(&r->paths_slab) + r->n_path_slots * sizeof(uint64_t) +
		       r->down_cap;
	for (int fi = 0; fi < 2; fi++) {
		const struct table *t = &r->t[fi];
		s->prefixes[fi] = t->live;
		s->visible[fi] = t->visible;
		bytes += (size_t)t->nslots * t->esz;
	}
	s->bytes = bytes;
}
