/*
 * DOC: the libloc provider — the IPFire location database through libloc's
 * C API (0.9.16 as in Debian 12: loc_new, loc_database_new, the network
 * enumerator, loc_network_get_country_code / _get_asn).
 *
 * Why enumerate instead of calling loc_database_lookup() per prefix: a
 * lookup answers for one address only (the most specific network holding
 * it) and cannot say whether a more specific network of another country
 * lies further inside a prefix; replays also look up millions of prefixes.
 * So the whole tree is read once at load (about 1.3 M networks, well under
 * a second without the enumerator's FLATTEN flag, which is ~100x slower)
 * and flattened by geo.c with the same rule libloc's lookup applies: the
 * most specific network wins.  A network without a country makes its space
 * unknown (as a lookup would), so a later source may fill it.
 *
 * ASN → country: libloc keeps no country per AS, so it is derived from the
 * networks each AS announces: the country holding most of its IPv4 space,
 * or of its IPv6 space for IPv6-only ASes.
 */
#include "geo/geo_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <libloc/libloc.h>
#include <libloc/database.h>
#include <libloc/network.h>

/* Tried in order when no path is given: `location update`'s, then Debian's. */
static const char *const libloc_default_paths[] = {
	"/var/lib/location/database.db",
	"/usr/share/libloc-location/location.db",
};

struct asn_w {
	uint32_t asn;
	uint16_t cc;
	uint64_t w4, w6; /* IPv4 addresses, IPv6 /64s (saturating) */
};

struct asn_vec {
	struct asn_w *v;
	size_t n, alloc;
};

static int asn_w_cmp(const void *pa, const void *pb)
{
	const struct asn_w *a = pa, *b = pb;

	if (a->asn != b->asn)
		return a->asn < b->asn ? -1 : 1;
	return a->cc < b->cc ? -1 : a->cc > b->cc;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Sum the weights per (ASN, country) and add each ASN's heaviest country. */
static int asn_countries(struct geo_load *l, struct asn_vec *av)
{
	size_t i = 0;

	if (av->n)
		qsort(av->v, av->n, sizeof(*av->v), asn_w_cmp);
	while (i < av->n) {
		uint32_t asn = av->v[i].asn;
		uint16_t best = 0;
		uint64_t b4 = 0, b6 = 0;

		while (i < av->n && av->v[i].asn == asn) {
			struct asn_w s = av->v[i++];
			while (i < av->n && av->v[i].asn == asn && av->v[i].cc == s.cc) {
				s.w4 = sat_add(s.w4, av->v[i].w4);
				s.w6 = sat_add(s.w6, av->v[i].w6);
				i++;
			}
			if (!best || s.w4 > b4 || (s.w4 == b4 && s.w6 > b6)) {
				best = s.cc;
				b4 = s.w4;
				b6 = s.w6;
			}
		}
		int rc = geo_load_asns(l, asn, asn, best);
		if (rc)
			return rc;
	}
	return 0;
}

/* libloc's own messages go to our log at debug level: we report its errors ourselves. */
static void libloc_log(struct loc_ctx *ctx, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), format, args);
	msg[strcspn(msg, "\n")] = 0;
	lo_log(LO_LOG_DEBUG, "libloc: %s", msg);
}

static int cc_valid(const char *cc)
{
	return cc && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z' && !cc[2] &&
	       strcmp(cc, GEO_CC_UNKNOWN);
}

static geo_u128 in6_to_u128(const struct in6_addr *a, int from)
{
	geo_u128 v = 0;

	for (int i = from; i < 16; i++)
		v = v << 8 | a->s6_addr[i];
	return v;
}

int geo_libloc_load(struct geo_load *l, const char *path, struct lo_err *err)
{
	struct loc_ctx *ctx = NULL;
	struct loc_database *db = NULL;
	struct loc_database_enumerator *en = NULL;
	struct asn_vec av = {0};
	FILE *f = NULL;
	int rc = 0;

	if (!path) {
		for (size_t i = 0; i < sizeof(libloc_default_paths) / sizeof(*libloc_default_paths);
		     i++) {
			f = fopen(libloc_default_paths[i], "r");
			if (f) {
				path = libloc_default_paths[i];
				break;
			}
		}
		if (!f)
			return lo_err_set(err, LO_ENOENT, LO_NOOFF,
					  "no libloc database in %s or %s (install "
					  "libloc-database, or give libloc:PATH)",
					  libloc_default_paths[0], libloc_default_paths[1]);
	} else {
		f = fopen(path, "r");
		if (!f)
			return lo_err_set(err, errno == ENOENT ? LO_ENOENT : LO_EIO, LO_NOOFF,
					  "%s: %s", path, strerror(errno));
	}
	l->st->files++;
	if (loc_new(&ctx)) {
		rc = lo_err_set(err, LO_ENOMEM, LO_NOOFF, "libloc: cannot make a context");
		goto out;
	}
	loc_set_log_fn(ctx, libloc_log);
	if (loc_database_new(ctx, &db, f)) {
		rc = lo_err_set(err, LO_ECORRUPT, LO_NOOFF, "%s: not a libloc database (%s)", path,
				strerror(errno));
		goto out;
	}
	if (loc_database_enumerator_new(&en, db, LOC_DB_ENUMERATE_NETWORKS, 0)) {
		rc = lo_err_set(err, LO_ENOMEM, LO_NOOFF, "%s: cannot enumerate networks", path);
		goto out;
	}
	for (;;) {
		struct loc_network *n = NULL;
		if (loc_database_enumerator_next_network(en, &n)) {
			rc = lo_err_set(err, LO_ECORRUPT, LO_NOOFF, "%s: enumeration failed", path);
			goto out;
		}
		if (!n)
			break;
		int fam = loc_network_address_family(n) == AF_INET ? 4 : 6;
		const struct in6_addr *first = loc_network_get_first_address(n);
		const struct in6_addr *last = loc_network_get_last_address(n);
		const char *cc = loc_network_get_country_code(n);
		uint32_t asn = loc_network_get_asn(n);
		uint16_t c = cc_valid(cc) ? geo_cc_pack(cc) : 0;
		geo_u128 lo = in6_to_u128(first, fam == 4 ? 12 : 0);
		geo_u128 hi = in6_to_u128(last, fam == 4 ? 12 : 0);

		l->st->records += c != 0;
		l->st->skipped += c == 0;
		rc = geo_load_block(l, fam, lo, hi, c);
		if (!rc && c && asn) {
			if (av.n == av.alloc) {
				size_t na = av.alloc ? av.alloc * 2 : 65536;
				struct asn_w *p = na <= GEO_MAX_BLOCKS
							  ? realloc(av.v, na * sizeof(*p))
							  : NULL;
				if (!p)
					rc = LO_ENOMEM;
				else {
					av.v = p;
					av.alloc = na;
				}
			}
			if (!rc) {
				geo_u128 size = hi - lo;
				struct asn_w w = {.asn = asn, .cc = c};
				if (fam == 4)
					w.w4 = (uint64_t)size + 1;
				else
					w.w6 = (size >> 64) >= UINT64_MAX
						       ? UINT64_MAX
						       : (uint64_t)(size >> 64) + 1;
				av.v[av.n++] = w;
			}
		}
		loc_network_unref(n);
		if (rc) {
			lo_err_set(err, rc, LO_NOOFF, "%s: %s", path, lo_strerror(rc));
			goto out;
		}
	}
	rc = asn_countries(l, &av);
	if (rc)
		lo_err_set(err, rc, LO_NOOFF, "%s: %s", path, lo_strerror(rc));
out:
	free(av.v);
	if (en)
		loc_database_enumerator_unref(en);
	if (db)
		loc_database_unref(db);
	if (ctx)
		loc_unref(ctx);
	fclose(f);
	return rc;
}
