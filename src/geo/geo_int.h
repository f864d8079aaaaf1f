/*
 * DOC: geo internals — the provider descriptor, the raw block lists a
 * provider fills while loading, and the delegated-statistics line parser
 * (exposed for the fuzz target and unit tests).  Private to src/geo.
 */
#ifndef LO_GEO_INT_H
#define LO_GEO_INT_H

#include "geo/geo.h"

/* Addresses as integers: IPv4 in the low 32 bits, IPv6 in all 128. */
typedef unsigned __int128 geo_u128;

/* A country code as two bytes, first letter high; 0 = unknown. */
static inline uint16_t geo_cc_pack(const char *cc)
{
	return (uint16_t)((uint8_t)cc[0] << 8 | (uint8_t)cc[1]);
}

/* Hard caps on what one source may add (STYLE.md #8). */
#define GEO_MAX_BLOCKS (32u << 20) /* address blocks per family */
#define GEO_MAX_ASNS   (8u << 20)  /* ASN ranges */
#define GEO_LINE_MAX   4096	   /* longest delegated-statistics line */
#define GEO_FILES_MAX  4096	   /* files in a rir: directory */

/* One block or range as read, before flattening. */
struct geo_raw {
	geo_u128 lo, hi; /* inclusive */
	uint32_t seq;	 /* read order: first wins among identical blocks */
	uint16_t cc;
};

struct geo_rawvec {
	struct geo_raw *v;
	size_t n, alloc, max;
};

/*
 * struct geo_load - what a provider's load hook fills: blocks per family
 * (CIDR blocks, nested or disjoint) and ASN ranges, plus the counters and
 * the problem reporter of the database.
 */
struct geo_load {
	struct geo_rawvec v4, v6, asn;
	uint32_t seq;
	struct geo_load_stats *st;
	geo_report_fn report;
	void *report_ctx;
};

int geo_load_block(struct geo_load *l, int family, geo_u128 lo, geo_u128 hi, uint16_t cc);
int geo_load_asns(struct geo_load *l, uint32_t lo, uint32_t hi, uint16_t cc);
void geo_load_report(struct geo_load *l, const char *file, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * struct geo_provider - a source kind (STYLE.md #9).
 * @name:      the word before ':' in a --geo spec
 * @need_path: a path must follow the ':'
 * @load:      read @path (NULL: the provider's default) into @l; 0 or LO_E*
 */
struct geo_provider {
	const char *name;
	bool need_path;
	int (*load)(struct geo_load *l, const char *path, struct lo_err *err);
};

int geo_rir_load(struct geo_load *l, const char *path, struct lo_err *err);
int geo_libloc_load(struct geo_load *l, const char *path, struct lo_err *err);

/* ------------------------------------------------ delegated statistics */

enum geo_rir_kind {
	GEO_RIR_COMMENT, /* '#' line or empty */
	GEO_RIR_VERSION, /* version|registry|serial|records|start|end|utc */
	GEO_RIR_SUMMARY, /* registry|*|type|*|count|summary */
	GEO_RIR_RECORD,	 /* registry|cc|type|start|value|date|status[|...] */
};

enum geo_rir_type { GEO_RIR_ASN = 1, GEO_RIR_IPV4, GEO_RIR_IPV6 };

/*
 * struct geo_rir_line - one parsed line.
 * @records: the version line's record count
 * @lo, @hi: the record's first and last address (IPv4 in the low 32 bits) or
 *           ASN; IPv6 records are one CIDR block, IPv4 ranges may be any size
 * @used:    status allocated or assigned and a real country (not ZZ)
 */
struct geo_rir_line {
	enum geo_rir_kind kind;
	enum geo_rir_type type;
	uint64_t records;
	char cc[3];
	geo_u128 lo, hi;
	bool used;
};

/*
 * geo_rir_parse_line() - parse one line of @len bytes (no newline).
 * Returns 0 or LO_ECORRUPT with the reason in @err.
 */
int geo_rir_parse_line(const char *line, size_t len, struct geo_rir_line *out, struct lo_err *err);

#endif
