/*
 * DOC: geo database — the provider table, flattening of nested blocks into
 * sorted runs, first-source-wins merging, and the lookups.
 *
 * Representation: per table (IPv4, IPv6, ASN) an array of runs sorted by
 * start; run i covers [lo[i], lo[i+1] - 1] (the last one up to the end of
 * the space) with country cc[i], 0 meaning unknown.  Run 0 starts at 0 and
 * adjacent runs differ in country, so the array is canonical: merging two
 * sources is one linear walk over both, and a lookup is a binary search for
 * the prefix's first address and a walk to its last.  IPv4 and ASN runs keep
 * 32-bit starts (6 bytes a run), IPv6 128-bit ones.
 */
#include "geo/geo_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- providers */

static const struct geo_provider geo_providers[] = {
	{"rir", true, geo_rir_load},
	{"libloc", false, geo_libloc_load},
};

/* ---------------------------------------------------------------- runs */

struct geo_runs {
	size_t n;
	uint32_t *lo32;	 /* IPv4 and ASN tables */
	geo_u128 *lo128; /* IPv6 table */
	uint16_t *cc;
};

struct geo_db {
	struct geo_runs v4, v6, asn;
	size_t nsrc;
	geo_report_fn report;
	void *report_ctx;
	struct lo_ratelimit rl;
};

static inline geo_u128 runs_lo(const struct geo_runs *r, size_t i)
{
	return r->lo128 ? r->lo128[i] : r->lo32[i];
}

static void runs_fini(struct geo_runs *r)
{
	free(r->lo32);
	free(r->lo128);
	free(r->cc);
	memset(r, 0, sizeof(*r));
}

/* A growable run list being built; starts as one unknown run from 0. */
struct runbuf {
	geo_u128 *lo;
	uint16_t *cc;
	size_t n, alloc;
	bool nomem;
};

static void runbuf_init(struct runbuf *b)
{
	memset(b, 0, sizeof(*b));
}

static void runbuf_fini(struct runbuf *b)
{
	free(b->lo);
	free(b->cc);
}

/* Country @cc from @at on: overwrite a run starting there, skip a repeat. */
static void runbuf_emit(struct runbuf *b, geo_u128 at, uint16_t cc)
{
	if (b->n && b->lo[b->n - 1] == at) {
		b->cc[b->n - 1] = cc;
		if (b->n >= 2 && b->cc[b->n - 2] == cc)
			b->n--;
		return;
	}
	if (b->n && b->cc[b->n - 1] == cc)
		return;
	if (b->n == b->alloc) {
		size_t na = b->alloc ? b->alloc * 2 : 1024;
		geo_u128 *lo = realloc(b->lo, na * sizeof(*lo));
		if (lo)
			b->lo = lo;
		uint16_t *c = realloc(b->cc, na * sizeof(*c));
		if (c)
			b->cc = c;
		if (!lo || !c) {
			b->nomem = true;
			return;
		}
		b->alloc = na;
	}
	b->lo[b->n] = at;
	b->cc[b->n] = cc;
	b->n++;
}

/* Move @b into @r, with 32-bit starts unless @wide. */
static int runbuf_detach(struct runbuf *b, bool wide, struct geo_runs *r)
{
	struct geo_runs t = {0};

	if (b->nomem)
		return LO_ENOMEM;
	if (b->n == 0)
		runbuf_emit(b, 0, 0);
	if (b->nomem)
		return LO_ENOMEM;
	t.n = b->n;
	t.cc = malloc(b->n * sizeof(*t.cc));
	if (wide)
		t.lo128 = malloc(b->n * sizeof(*t.lo128));
	else
		t.lo32 = malloc(b->n * sizeof(*t.lo32));
	if (!t.cc || (!t.lo128 && !t.lo32)) {
		runs_fini(&t);
		return LO_ENOMEM;
	}
	for (size_t i = 0; i < b->n; i++) {
		t.cc[i] = b->cc[i];
		if (wide)
			t.lo128[i] = b->lo[i];
		else
			t.lo32[i] = (uint32_t)b->lo[i];
	}
	*r = t;
	return 0;
}

static geo_u128 space_max(int family)
{
	return family == 6 ? ~(geo_u128)0 : (geo_u128)UINT32_MAX;
}

static int raw_cmp_nested(const void *pa, const void *pb)
{
	const struct geo_raw *a = pa, *b = pb;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi > b->hi ? -1 : 1; /* the enclosing block first */
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * Flatten CIDR blocks (nested or disjoint) into runs: the most specific
 * block wins; of identical blocks the first read.  A stack holds the blocks
 * enclosing the current address; CIDR nesting is at most 129 deep.
 */
static void flatten_blocks(struct geo_rawvec *v, geo_u128 max, struct runbuf *b)
{
	struct geo_raw *stack[130];
	size_t sp = 0;
	const struct geo_raw *prev = NULL;

	if (v->n)
		qsort(v->v, v->n, sizeof(*v->v), raw_cmp_nested);
	runbuf_emit(b, 0, 0);
	for (size_t i = 0; i <= v->n; i++) {
		struct geo_raw *x = i < v->n ? &v->v[i] : NULL;

		if (x && prev && prev->lo == x->lo && prev->hi == x->hi)
			continue;
		/* close the blocks that end before x */
		while (sp && (!x || stack[sp - 1]->hi < x->lo)) {
			const struct geo_raw *t = stack[--sp];
			if (t->hi != max)
				runbuf_emit(b, t->hi + 1, sp ? stack[sp - 1]->cc : 0);
		}
		if (!x)
			break;
		if (sp && x->hi > stack[sp - 1]->hi)
			x->hi = stack[sp - 1]->hi; /* not CIDR-nested: clip to the parent */
		prev = x;
		runbuf_emit(b, x->lo, x->cc);
		if (sp < sizeof(stack) / sizeof(stack[0]))
			stack[sp++] = x;
	}
}

static int raw_cmp_seq(const void *pa, const void *pb)
{
	const struct geo_raw *a = pa, *b = pb;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Flatten ASN ranges: overlaps are trimmed, the earlier start wins. */
static void flatten_ranges(struct geo_rawvec *v, geo_u128 max, struct runbuf *b)
{
	geo_u128 cursor = 0;
	bool full = false;

	if (v->n)
		qsort(v->v, v->n, sizeof(*v->v), raw_cmp_seq);
	runbuf_emit(b, 0, 0);
	for (size_t i = 0; i < v->n && !full; i++) {
		const struct geo_raw *x = &v->v[i];
		geo_u128 lo = x->lo > cursor ? x->lo : cursor;

		if (lo > x->hi)
			continue;
		runbuf_emit(b, lo, x->cc);
		if (x->hi == max) {
			full = true;
		} else {
			runbuf_emit(b, x->hi + 1, 0);
			cursor = x->hi + 1;
		}
	}
}

/* Merge: @a (earlier source) wins wherever it knows; @b fills the rest. */
static void merge_runs(const struct geo_runs *a, const struct geo_runs *b, struct runbuf *out)
{
	size_t i = 0, j = 0;

	runbuf_emit(out, 0, a->cc[0] ? a->cc[0] : b->cc[0]);
	for (;;) {
		bool ha = i + 1 < a->n, hb = j + 1 < b->n;
		geo_u128 na = ha ? runs_lo(a, i + 1) : 0, nb = hb ? runs_lo(b, j + 1) : 0, p;

		if (!ha && !hb)
			break;
		if (ha && (!hb || na <= nb))
			p = na;
		else
			p = nb;
		if (ha && na == p)
			i++;
		if (hb && nb == p)
			j++;
		runbuf_emit(out, p, a->cc[i] ? a->cc[i] : b->cc[j]);
	}
}

/* ---------------------------------------------------------------- loading */

struct geo_db *geo_db_new(void)
{
	struct geo_db *db = calloc(1, sizeof(*db));
	struct runbuf b;

	if (!db)
		return NULL;
	db->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 20);
	runbuf_init(&b);
	runbuf_emit(&b, 0, 0);
	if (runbuf_detach(&b, false, &db->v4) || runbuf_detach(&b, true, &db->v6) ||
	    runbuf_detach(&b, false, &db->asn)) {
		runbuf_fini(&b);
		geo_db_free(db);
		return NULL;
	}
	runbuf_fini(&b);
	return db;
}

void geo_db_free(struct geo_db *db)
{
	if (!db)
		return;
	runs_fini(&db->v4);
	runs_fini(&db->v6);
	runs_fini(&db->asn);
	free(db);
}

void geo_db_set_report(struct geo_db *db, geo_report_fn fn, void *ctx)
{
	db->report = fn;
	db->report_ctx = ctx;
}

size_t geo_db_sources(const struct geo_db *db)
{
	return db->nsrc;
}

size_t geo_db_runs(const struct geo_db *db, int family)
{
	return family == 4 ? db->v4.n : family == 6 ? db->v6.n : db->asn.n;
}

static int rawvec_add(struct geo_rawvec *v, const struct geo_raw *r)
{
	if (v->n == v->alloc) {
		size_t na = v->alloc ? v->alloc * 2 : 4096;
		struct geo_raw *p;

		if (v->n >= v->max)
			return LO_ETOOBIG;
		if (na > v->max)
			na = v->max;
		p = realloc(v->v, na * sizeof(*p));
		if (!p)
			return LO_ENOMEM;
		v->v = p;
		v->alloc = na;
	}
	v->v[v->n++] = *r;
	return 0;
}

int geo_load_block(struct geo_load *l, int family, geo_u128 lo, geo_u128 hi, uint16_t cc)
{
	struct geo_raw r = {.lo = lo, .hi = hi, .seq = l->seq++, .cc = cc};
	int rc = rawvec_add(family == 6 ? &l->v6 : &l->v4, &r);

	if (!rc)
		l->st->blocks++;
	return rc;
}

int geo_load_asns(struct geo_load *l, uint32_t lo, uint32_t hi, uint16_t cc)
{
	struct geo_raw r = {.lo = lo, .hi = hi, .seq = l->seq++, .cc = cc};
	int rc = rawvec_add(&l->asn, &r);

	if (!rc)
		l->st->asn_ranges++;
	return rc;
}

void geo_load_report(struct geo_load *l, const char *file, uint64_t line, const char *fmt, ...)
{
	char msg[LO_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->report(l->report_ctx, file, line, msg);
}

static void default_report(void *ctx, const char *file, uint64_t line, const char *msg)
{
	struct geo_db *db = ctx;

	if (line)
		lo_log_rl(&db->rl, LO_LOG_WARN, "%s:%" PRIu64 ": %s", file, line, msg);
	else
		lo_log_rl(&db->rl, LO_LOG_WARN, "%s: %s", file, msg);
}

/* Flatten @v and merge it under @cur into a new table @res. */
static int merge_source(const struct geo_runs *cur, struct geo_rawvec *v, int family, bool ranges,
			struct geo_runs *res)
{
	struct runbuf flat, merged;
	struct geo_runs src = {0};
	geo_u128 max = space_max(family);
	int rc;

	runbuf_init(&flat);
	runbuf_init(&merged);
	if (ranges)
		flatten_ranges(v, max, &flat);
	else
		flatten_blocks(v, max, &flat);
	rc = runbuf_detach(&flat, family == 6, &src);
	if (!rc) {
		merge_runs(cur, &src, &merged);
		rc = runbuf_detach(&merged, family == 6, res);
	}
	runs_fini(&src);
	runbuf_fini(&flat);
	runbuf_fini(&merged);
	return rc;
}

int geo_db_add(struct geo_db *db, const char *source, struct geo_load_stats *stats,
	       struct lo_err *err)
{
	struct geo_load_stats st = {0};
	struct geo_load l = {.st = &st};
	const struct geo_provider *pv = NULL;
	const char *colon = strchr(source, ':');
	size_t nlen = colon ? (size_t)(colon - source) : strlen(source);
	const char *path = colon ? colon + 1 : NULL;
	struct geo_runs n4 = {0}, n6 = {0}, nasn = {0};
	int rc;

	for (size_t i = 0; i < sizeof(geo_providers) / sizeof(geo_providers[0]); i++)
		if (strlen(geo_providers[i].name) == nlen &&
		    !memcmp(geo_providers[i].name, source, nlen))
			pv = &geo_providers[i];
	if (!pv)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF,
				  "unknown geo source '%s' (use rir:PATH, libloc or libloc:PATH)",
				  source);
	if (path && !*path)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "geo source '%s': empty path", source);
	if (pv->need_path && !path)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF,
				  "geo source '%s' needs a path (%s:PATH)", source, pv->name);

	l.v4.max = l.v6.max = GEO_MAX_BLOCKS;
	l.asn.max = GEO_MAX_ASNS;
	l.report = db->report ? db->report : default_report;
	l.report_ctx = db->report ? db->report_ctx : db;
	rc = pv->load(&l, path, err);
	if (!rc && st.records == 0)
		rc = lo_err_set(err, LO_ECORRUPT, LO_NOOFF, "%s: no usable records", source);
	if (rc)
		goto out;

	/* Build all three new tables; the database changes only if all succeed. */
	rc = merge_source(&db->v4, &l.v4, 4, false, &n4);
	if (!rc)
		rc = merge_source(&db->v6, &l.v6, 6, false, &n6);
	if (!rc)
		rc = merge_source(&db->asn, &l.asn, 4, true, &nasn);
	if (rc) {
		runs_fini(&n4);
		runs_fini(&n6);
		runs_fini(&nasn);
		lo_err_set(err, rc, LO_NOOFF, "%s: %s while building the tables", source,
			   lo_strerror(rc));
		goto out;
	}
	runs_fini(&db->v4);
	runs_fini(&db->v6);
	runs_fini(&db->asn);
	db->v4 = n4;
	db->v6 = n6;
	db->asn = nasn;
	db->nsrc++;
out:
	free(l.v4.v);
	free(l.v6.v);
	free(l.asn.v);
	if (stats)
		*stats = st;
	return rc;
}

/* ---------------------------------------------------------------- lookups */

static geo_u128 addr_to_u128(const struct bgp_addr *a)
{
	geo_u128 v = 0;
	int n = a->family == 6 ? 16 : 4;

	for (int i = 0; i < n; i++)
		v = v << 8 | a->b[i];
	return v;
}

static void u128_to_addr(geo_u128 v, int family, struct bgp_addr *a)
{
	int n = family == 6 ? 16 : 4;

	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	for (int i = n - 1; i >= 0; i--) {
		a->b[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Index of the run holding @x: the last run whose start is <= @x. */
static size_t runs_find(const struct geo_runs *r, geo_u128 x)
{
	size_t lo = 0, hi = r->n; /* answer in [lo, hi) */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (runs_lo(r, mid) <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static void cc_unpack(uint16_t c, char cc[3])
{
	if (!c) {
		memcpy(cc, GEO_CC_UNKNOWN, 3);
		return;
	}
	cc[0] = (char)(c >> 8);
	cc[1] = (char)(c & 0xff);
	cc[2] = 0;
}

int geo_prefix_countries(const struct geo_db *db, const struct bgp_prefix *p, geo_part_fn fn,
			 void *ctx)
{
	int family = p->addr.family;
	unsigned width = family == 6 ? 128 : 32;
	const struct geo_runs *r = family == 6 ? &db->v6 : &db->v4;
	geo_u128 host, a, b;

	if ((family != 4 && family != 6) || p->len > width)
		return LO_EINVAL;
	host = p->len == 0 ? space_max(family) : ((geo_u128)1 << (width - p->len)) - 1;
	a = addr_to_u128(&p->addr) & ~host;
	b = a | host;
	for (size_t k = runs_find(r, a); k < r->n; k++) {
		struct geo_part part;
		geo_u128 lo = runs_lo(r, k), first = lo > a ? lo : a, last = b;
		bool more = k + 1 < r->n && runs_lo(r, k + 1) <= b;
		int rc;

		if (more)
			last = runs_lo(r, k + 1) - 1;
		u128_to_addr(first, family, &part.first);
		u128_to_addr(last, family, &part.last);
		cc_unpack(r->cc[k], part.cc);
		rc = fn(ctx, &part);
		if (rc)
			return rc;
		if (!more)
			break;
	}
	return 0;
}

struct best {
	int parts;
	geo_u128 size;
	char cc[3];
};

static int best_part(void *ctx, const struct geo_part *part)
{
	struct best *bs = ctx;
	geo_u128 size = addr_to_u128(&part->last) - addr_to_u128(&part->first);

	if (bs->parts++ == 0 || size > bs->size) {
		bs->size = size;
		memcpy(bs->cc, part->cc, 3);
	}
	return 0;
}

int geo_prefix_country(const struct geo_db *db, const struct bgp_prefix *p, char cc[3])
{
	struct best bs = {0};
	int rc = geo_prefix_countries(db, p, best_part, &bs);

	if (rc)
		return rc;
	memcpy(cc, bs.cc, 3);
	return bs.parts;
}

bool geo_asn_country(const struct geo_db *db, uint32_t asn, char cc[3])
{
	uint16_t c = db->asn.cc[runs_find(&db->asn, asn)];

	cc_unpack(c, cc);
	return c != 0;
}

uint64_t geo_part_units(const struct geo_part *part, unsigned unit_len)
{
	unsigned width = part->first.family == 6 ? 128 : 32;
	geo_u128 a, b, n;

	if (unit_len > width)
		unit_len = width;
	a = addr_to_u128(&part->first) >> (width - unit_len);
	b = addr_to_u128(&part->last) >> (width - unit_len);
	n = b - a; /* units touched, minus one */
	return n >= UINT64_MAX ? UINT64_MAX : (uint64_t)n + 1;
}

int geo_ipv4_range_cidrs(uint32_t start, uint64_t count, struct bgp_prefix *out, size_t cap)
{
	uint64_t at = start, end;
	int n = 0;

	if (count == 0 || count > (1ull << 32) - start)
		return LO_EINVAL;
	end = at + count; /* exclusive */
	while (at < end) {
		unsigned bits = at ? (unsigned)__builtin_ctzll(at) : 32;
		if (bits > 32)
			bits = 32;
		while ((1ull << bits) > end - at)
			bits--;
		if ((size_t)n < cap) {
			struct bgp_prefix *p = &out[n];
			memset(p, 0, sizeof(*p));
			u128_to_addr(at, 4, &p->addr);
			p->len = (uint8_t)(32 - bits);
		}
		n++;
		at += 1ull << bits;
	}
	return n;
}
