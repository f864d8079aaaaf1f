/*
 * DOC: signal — per-entity time series derived from the RIB.
 *
 * This first part holds the address-space arithmetic behind
 * bgp.visible_slash24 / bgp.visible_slash48 (DESIGN.md §4): struct sig_space
 * keeps a multiset of prefixes and the exact size of their union, counted in
 * /24 blocks (IPv4) or /48 blocks (IPv6), so that a /22 and its four /24s
 * count 4, not 8.  Prefixes longer than /24 (/48) count as the block that
 * contains them.  Every insert or remove costs O(prefix length).
 */
#ifndef LO_SIGNAL_H
#define LO_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "geo/geo.h"
#include "lib/lib.h"

struct sig_space;

/* sig_space_new() - an empty space for @family (4 or 6) holding at most @max_nodes trie nodes. */
struct sig_space *sig_space_new(uint8_t family, size_t max_nodes);
void sig_space_free(struct sig_space *s);

/*
 * sig_space_add() - add (@delta = +1) or remove (@delta = -1) one copy of
 * @p.  Returns 0, LO_EINVAL (wrong family, removing what is not there) or
 * LO_ETOOBIG (node cap).
 */
int sig_space_add(struct sig_space *s, const struct bgp_prefix *p, int delta);

/* sig_space_blocks() - blocks (/24 or /48) covered by the union of the prefixes. */
uint64_t sig_space_blocks(const struct sig_space *s);

/* sig_space_nodes() - trie nodes in use (memory is about 24 bytes each). */
size_t sig_space_nodes(const struct sig_space *s);

/* ---------------------------------------------------------------- entities */

/*
 * struct sig_tracker - bgp.visible_slash24 of every tracked entity, kept from
 * the RIB's visibility changes.  Entities: every country that geo knows (when
 * @all_countries), plus the explicit ones (country:, asn: by origin AS,
 * prefix: by address space).  A visible prefix counts for the origin AS it
 * had when it became visible, until it stops being visible.
 */
struct sig_tracker_opts {
	const struct geo_db *geo;
	bool all_countries;
	const struct geo_entity *entities; /* explicit entities */
	size_t n_entities;
	/* on_value - entity @idx's signal changed to @value at @time */
	void (*on_value)(void *ctx, unsigned idx, uint32_t time, double value);
	/* on_touch - @p's visibility change counted for entity @idx (before on_value) */
	void (*on_touch)(void *ctx, unsigned idx, const struct bgp_prefix *p, bool visible,
			 uint32_t time);
	void *ctx;
};

struct sig_tracker;

struct sig_tracker *sig_tracker_new(const struct sig_tracker_opts *o);
void sig_tracker_free(struct sig_tracker *t);

/* sig_tracker_visibility() - @p (origin @origin) became visible or stopped being visible at @time. */
int sig_tracker_visibility(struct sig_tracker *t, const struct bgp_prefix *p, bool visible,
			   uint32_t origin, uint32_t time);

unsigned sig_tracker_count(const struct sig_tracker *t);
/* sig_tracker_spec() - entity @idx as text ("country:KP"), borrowed. */
const char *sig_tracker_spec(const struct sig_tracker *t, unsigned idx);
double sig_tracker_value(const struct sig_tracker *t, unsigned idx);

#endif
