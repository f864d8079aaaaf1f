/*
 * DOC: geo — where address space and ASes are: prefix → country(ies),
 * ASN → country, and entity specs (country:CC, asn:N, prefix:P, group:NAME).
 *
 * A geo database is built from one or more sources (DESIGN.md §3, --geo):
 *   rir:PATH       RIR delegated-statistics files (a file or a directory of
 *                  them, plain or compressed; io detects the format);
 *   libloc         the installed libloc (IPFire location) database;
 *   libloc:PATH    a given libloc database file.
 * Each source is a provider: a static descriptor of hooks (geo.c) that
 * turns its input into address blocks and ASN ranges with a country.  At
 * load time the blocks are flattened into sorted runs (a run starts at an
 * address and lasts until the next run starts), one array per family, so a
 * lookup is a binary search plus a walk over the runs the prefix spans.
 *
 * Priority: the first source added that knows an address (or an ASN) wins,
 * address by address: a later source only fills what earlier ones leave
 * unknown.  Within a source, a more specific block wins over the block it
 * is nested in; of two identical blocks, the first read wins.
 *
 * Unknown space is reported as country "ZZ" (never skipped), so the parts
 * of a prefix always cover it exactly.
 *
 * Lookups only read the database: any number of threads may look up at once
 * once loading is done.  Loading is not thread-safe.
 */
#ifndef LO_GEO_H
#define LO_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"
#include "bgp/bgp.h"

/* The country reported for space or ASNs no source knows. */
#define GEO_CC_UNKNOWN "ZZ"

struct geo_db;

/*
 * struct geo_load_stats - what one geo_db_add() read.  A source whose input
 * was damaged still loads what it could; @damaged_files / @bad_lines say so
 * (a command exits 2 then).
 * @files:         files read (1 for libloc)
 * @damaged_files: files reported as a whole: header record count not matching
 *                 the records present, last line without newline, stream cut
 *                 short or corrupt, or not a delegated-statistics file at all
 * @lines:         lines read (all kinds)
 * @bad_lines:     lines that did not parse (reported with file and line, skipped)
 * @records:       delegations used (status allocated / assigned; libloc networks)
 * @skipped:       well-formed records not used (available, reserved, IANA
 *                 pointers to RIRs, country ZZ)
 * @blocks:        address blocks added (after range → CIDR conversion)
 * @asn_ranges:    ASN ranges added
 */
struct geo_load_stats {
	uint64_t files;
	uint64_t damaged_files;
	uint64_t lines;
	uint64_t bad_lines;
	uint64_t records;
	uint64_t skipped;
	uint64_t blocks;
	uint64_t asn_ranges;
};

/*
 * geo_report_fn - receives every problem found while loading.
 * @file: the file name; @line: 1-based line number, or 0 when the problem is
 * about the whole file; @msg: what is wrong.  Without a hook set, problems
 * are logged (warn level, rate-limited) as "FILE:LINE: MSG".
 */
typedef void (*geo_report_fn)(void *ctx, const char *file, uint64_t line, const char *msg);

/* geo_db_new() - an empty database (everything "ZZ"); NULL when out of memory. */
struct geo_db *geo_db_new(void);

/* geo_db_free() - free @db and all its tables; NULL is fine. */
void geo_db_free(struct geo_db *db);

/* geo_db_set_report() - send load problems to @fn (NULL: log them). */
void geo_db_set_report(struct geo_db *db, geo_report_fn fn, void *ctx);

/*
 * geo_db_add() - load @source ("rir:PATH", "libloc", "libloc:PATH") with a
 * lower priority than the sources added before.  Returns 0 when the source
 * was loaded, even if parts were damaged (see @stats, may be NULL);
 * LO_EINVAL for an unknown provider or a bad spec, LO_ENOENT / LO_EIO when
 * nothing could be read, LO_ECORRUPT when the input held no usable record,
 * LO_ENOMEM / LO_ETOOBIG.  On error the database is unchanged.
 */
int geo_db_add(struct geo_db *db, const char *source, struct geo_load_stats *stats,
	       struct lo_err *err);

/* geo_db_sources() - number of sources added so far. */
size_t geo_db_sources(const struct geo_db *db);

/* geo_db_runs() - runs held for family 4 or 6, or 0 for the ASN table; for stats. */
size_t geo_db_runs(const struct geo_db *db, int family);

/*
 * struct geo_part - one part of a looked-up prefix that lies in one block
 * (run) of one country.
 * @first, @last: the part's first and last address (same family as the prefix)
 * @cc:           country code, NUL-terminated; "ZZ" when no source knows it
 */
struct geo_part {
	struct bgp_addr first;
	struct bgp_addr last;
	char cc[3];
};

/*
 * geo_part_fn - called for each part, in address order.  Return 0 to go on;
 * any other value stops the walk and is returned by geo_prefix_countries().
 */
typedef int (*geo_part_fn)(void *ctx, const struct geo_part *part);

/*
 * geo_prefix_countries() - report the country of every part of @p: the
 * prefix is split where the country changes, parts nobody knows are "ZZ".
 * Adjacent blocks of the same country make one part.  Host bits of @p are
 * ignored.  Returns 0, LO_EINVAL (family not 4/6 or length too long), or the
 * first nonzero value @fn returned.
 */
int geo_prefix_countries(const struct geo_db *db, const struct bgp_prefix *p, geo_part_fn fn,
			 void *ctx);

/*
 * geo_prefix_country() - the country of @p for the common single-country
 * case: @cc gets the country holding the most addresses of @p ("ZZ" if that
 * is unknown space).  Returns the number of parts (1: the whole prefix is in
 * one country) or LO_EINVAL.
 */
int geo_prefix_country(const struct geo_db *db, const struct bgp_prefix *p, char cc[3]);

/*
 * geo_asn_country() - the country of AS @asn from the first source that
 * knows it (RIR: the delegation; libloc: the country holding most of the
 * AS's announced address space).  Returns true and fills @cc, or false with
 * @cc = "ZZ".
 */
bool geo_asn_country(const struct geo_db *db, uint32_t asn, char cc[3]);

/*
 * geo_part_units() - size of @part in /@unit_len blocks, partial blocks
 * rounded up (unit_len 24 for IPv4 /24s, 48 for IPv6 /48s; 32 or 128 for
 * addresses).  Saturates at UINT64_MAX.
 */
uint64_t geo_part_units(const struct geo_part *part, unsigned unit_len);

/*
 * geo_ipv4_range_cidrs() - split the IPv4 range of @count addresses from
 * @start (host order) into the fewest CIDR blocks, in address order.
 * Writes at most @cap prefixes to @out and returns how many the range needs
 * (at most 62), or LO_EINVAL when @count is 0 or the range passes
 * 255.255.255.255.
 */
int geo_ipv4_range_cidrs(uint32_t start, uint64_t count, struct bgp_prefix *out, size_t cap);

/* ---------------------------------------------------------------- entities */

enum geo_entity_kind { GEO_ENT_COUNTRY = 1, GEO_ENT_ASN, GEO_ENT_PREFIX, GEO_ENT_GROUP };

#define GEO_GROUP_MAX 64

/*
 * struct geo_entity - a parsed entity spec.  Only the field of @kind is set.
 * @cc:     two upper-case letters (country:)
 * @asn:    1..4294967295 (asn:)
 * @prefix: host bits zero (prefix:)
 * @group:  [A-Za-z0-9_-]{1,64} (group:; defined in the config file)
 */
struct geo_entity {
	enum geo_entity_kind kind;
	char cc[3];
	uint32_t asn;
	struct bgp_prefix prefix;
	char group[GEO_GROUP_MAX + 1];
};

/*
 * geo_entity_parse() - parse @spec ("country:KP", "asn:131279",
 * "prefix:175.45.176.0/22", "group:kp") into @e.  Returns 0 or LO_EINVAL
 * with a message in @err saying what is wrong (and, for a prefix with host
 * bits set, which prefix was probably meant).
 */
int geo_entity_parse(struct geo_entity *e, const char *spec, struct lo_err *err);

/*
 * geo_entity_fmt() - the canonical spec of @e into @out (@cap bytes, NUL
 * terminated; 96 is always enough).  Returns the length it needs.
 */
size_t geo_entity_fmt(const struct geo_entity *e, char *out, size_t cap);

#endif
