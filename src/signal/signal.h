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

/* ---------------------------------------------------------------- signals */

/*
 * The BGP signals of an entity (DESIGN.md §4).  Levels hold a current
 * value; counters count events (stored per bin as the increments).
 * @SIG_VISIBLE_SLASH24:   /24 blocks of the entity's IPv4 space covered by visible prefixes
 * @SIG_VISIBLE_SLASH48:   the same for IPv6, in /48 blocks
 * @SIG_PREFIXES:          visible prefixes counted for the entity
 * @SIG_ORIGIN_ASNS:       distinct origin ASNs of those prefixes
 * @SIG_ANNOUNCEMENTS:     announcements (RIB entries included) received by any peer
 * @SIG_WITHDRAWALS:       withdrawals received by any peer (explicit, or its session going down)
 * @SIG_FLAPS:             a prefix withdrawn and re-announced at the same peer within flap_window
 * @SIG_VISIBILITY_FLAPS:  a prefix that stopped being visible and became visible again within
 *                         flap_window: a flap the world saw, which one peer cannot fake
 */
enum sig_id {
	SIG_VISIBLE_SLASH24,
	SIG_VISIBLE_SLASH48,
	SIG_PREFIXES,
	SIG_ORIGIN_ASNS,
	SIG_ANNOUNCEMENTS,
	SIG_WITHDRAWALS,
	SIG_FLAPS,
	SIG_VISIBILITY_FLAPS,
	SIG_COUNT
};

/* sig_name() - "bgp.visible_slash24" ...; sig_lookup() the reverse (-1 if unknown). */
const char *sig_name(enum sig_id s);
int sig_lookup(const char *name);
/* sig_is_counter() - true for announcements, withdrawals, flaps, visibility flaps. */
bool sig_is_counter(enum sig_id s);

/* ---------------------------------------------------------------- entities */

/* struct sig_group - group:NAME, the union of its members (country, asn, prefix). */
struct sig_group {
	const char *name;
	const struct geo_entity *members;
	size_t n_members;
};

/*
 * struct sig_tracker - every signal of every tracked entity.  Entities:
 * every country that geo knows (when @all_countries), plus the explicit
 * ones (country:, asn: by origin AS, prefix: by address space) and groups.
 * A prefix counts for a country by the parts of it geo places there, for a
 * prefix entity by the part inside it, for an AS by its origin: the visible
 * prefix counts for the origin it had when it became visible, until it
 * stops being visible; an announcement by its path's origin, a withdrawal
 * by the origin of the route it removed.
 *
 * Inputs: sig_tracker_visibility() from the RIB's visibility changes and
 * sig_tracker_route() from every route change.  Level signals report every
 * change through on_value; counters are read with sig_tracker_value(),
 * except visibility flaps, which are reported as they happen (the
 * instability detector wants each one's time).
 *
 * Memory: one entry per prefix ever seen (about 40 bytes), and one per
 * (peer, prefix) withdrawn in the last flap_window; both capped.
 */
struct sig_tracker_opts {
	const struct geo_db *geo;
	bool all_countries;
	const struct geo_entity *entities; /* explicit entities (no groups) */
	size_t n_entities;
	const struct sig_group *groups;
	size_t n_groups;
	uint32_t flap_window;	  /* seconds, default 600 */
	size_t max_prefixes;	  /* prefixes remembered, default 16M */
	size_t max_pending_flaps; /* (peer, prefix) withdrawals remembered, default 4M */
	/* on_value - level @sig of entity @idx changed to @value at @time (for
	 * SIG_VISIBILITY_FLAPS: a flap, @value the count so far) */
	void (*on_value)(void *ctx, unsigned idx, enum sig_id sig, uint32_t time, double value);
	/* on_touch - @p's visibility change counted for entity @idx (before on_value) */
	void (*on_touch)(void *ctx, unsigned idx, const struct bgp_prefix *p, bool visible,
			 uint32_t time);
	/* on_withdraw - peer @peer lost its route for @p, which counts for entity @idx */
	void (*on_withdraw)(void *ctx, unsigned idx, int peer, const struct bgp_prefix *p,
			    uint32_t time);
	void *ctx;
};

struct sig_tracker;

/* sig_tracker_new() - NULL when out of memory or an entity is bad (a group without members). */
struct sig_tracker *sig_tracker_new(const struct sig_tracker_opts *o);
void sig_tracker_free(struct sig_tracker *t);

/*
 * sig_tracker_visibility() - @p (origin @origin, upstream @upstream: the AS
 * before the origin, 0 if none) became visible or stopped being visible at
 * @time.  Origin and upstream are remembered while it is visible.
 */
int sig_tracker_visibility(struct sig_tracker *t, const struct bgp_prefix *p, bool visible,
			   uint32_t origin, uint32_t upstream, uint32_t time);

/*
 * sig_tracker_last_path() - the origin and upstream @p had when it last
 * became visible; false when it never was.
 */
bool sig_tracker_last_path(const struct sig_tracker *t, const struct bgp_prefix *p,
			   uint32_t *origin, uint32_t *upstream);

/*
 * sig_tracker_route() - peer @peer announced (@announce) or withdrew @p at
 * @time; @origin is the announced origin, or the withdrawn route's;
 * @had_route whether the peer held a route for @p before.  Returns 0 or
 * LO_ETOOBIG / LO_ENOMEM (the change is still counted where it can be).
 */
int sig_tracker_route(struct sig_tracker *t, int peer, const struct bgp_prefix *p, bool announce,
		      uint32_t origin, bool had_route, uint32_t time);

unsigned sig_tracker_count(const struct sig_tracker *t);
/* sig_tracker_spec() - entity @idx as text ("country:KP"), borrowed. */
const char *sig_tracker_spec(const struct sig_tracker *t, unsigned idx);
/* sig_tracker_value() - a level's current value, or a counter's total so far. */
double sig_tracker_value(const struct sig_tracker *t, unsigned idx, enum sig_id sig);
/* sig_tracker_has_v6() - whether IPv6 space ever counted for entity @idx. */
bool sig_tracker_has_v6(const struct sig_tracker *t, unsigned idx);

struct sig_tracker_stats {
	size_t prefixes;      /* prefixes remembered */
	size_t pending_flaps; /* withdrawals waiting for a re-announcement */
	uint64_t dropped;     /* changes not fully counted: a cap was hit */
	size_t bytes;
};
void sig_tracker_stats(const struct sig_tracker *t, struct sig_tracker_stats *out);

#endif
