/*
 * DOC: rib — every peer's Adj-RIB-In and the world's view of each prefix.
 *
 * One prefix table per address family maps a prefix to the routes that
 * peers hold for it (a route is 6 bytes: peer id and an interned AS path),
 * so a peer's Adj-RIB-In is the set of routes carrying its id.  AS paths
 * are interned and reference counted: a full table seen by many peers
 * shares a few hundred thousand paths.  A full IPv4 table seen by 10 peers
 * takes about 18 bytes per (prefix, peer) route in all (docs/rib.md).
 *
 * Definitions (DESIGN.md §4): a peer is *full-feed* for a family when its
 * table holds at least full_feed_ratio of the largest peer's table; a prefix
 * is *visible* when more than visibility_ratio of the full-feed peers of its
 * family announce it.  Both are kept up to date at every update: a prefix's
 * count of full-feed peers changes in O(1); only a change of a peer's
 * full-feed status (rare) walks that peer's routes, and only a change of the
 * number of full-feed peers re-evaluates prefixes.  Visibility changes are
 * reported through a callback with the time of the update that caused them,
 * once per call for the state the call leaves (no flip and flip back while
 * a peer's routes go and its full-feed status follows).  Route changes are
 * reported through a second callback, after the visibility changes they
 * cause.  Callbacks may query the RIB but must not change it.
 *
 * Peers are identified by (collector, address, ASN).  ADD-PATH: paths of one
 * peer for one prefix count as one route (the latest attributes are kept);
 * withdrawing it removes the route.
 *
 * Caps (set at rib_new): peers, prefixes per family, interned paths; hitting
 * one is an error (LO_ETOOBIG) that the caller counts.
 */
#ifndef LO_RIB_H
#define LO_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "lib/lib.h"
#include "mrt/mrt.h"

struct rib;

enum rib_change { RIB_ANNOUNCE = 1, RIB_WITHDRAW = 2 };

struct rib_opts {
	double full_feed_ratio;	 /* default 0.75 */
	double visibility_ratio; /* default 0.5 */
	unsigned max_peers;	 /* default 4096 */
	size_t max_prefixes;	 /* per family; default 8M */
	size_t max_paths;	 /* interned AS paths; default 16M */
	/*
	 * on_visibility - called when a prefix becomes visible or stops being
	 * visible; @time is the time of the update (or event) that caused it.
	 */
	void (*on_visibility)(void *ctx, const struct bgp_prefix *p, bool visible, uint32_t time);
	/*
	 * on_route - every announcement and withdrawal applied to a peer's
	 * Adj-RIB-In, including routes removed because the peer went down or
	 * left a RIB dump (RIB_WITHDRAW).  @origin: the announced path's origin
	 * AS, or for a withdrawal the origin of the route removed (0: the peer
	 * had no route, or an AS_SET origin).  @had_route: whether the peer
	 * held a route for @p before.  Called once the RIB (full-feed peers,
	 * visibility, on_visibility calls) reflects the change; a rib call
	 * that fails (LO_EINVAL, LO_ETOOBIG, LO_ENOMEM) reports nothing.
	 */
	void (*on_route)(void *ctx, int peer, const struct bgp_prefix *p, enum rib_change what,
			 uint32_t origin, bool had_route, uint32_t time);
	void *ctx; /* passed to both callbacks */
};

/* rib_opts_default() - fill @o with the defaults above. */
void rib_opts_default(struct rib_opts *o);

struct rib *rib_new(const struct rib_opts *o);
void rib_free(struct rib *r);

/*
 * rib_peer() - the id of peer (@collector, @addr, @asn), created on first use.
 * Returns the id (>= 0) or LO_ETOOBIG / LO_ENOMEM.
 */
int rib_peer(struct rib *r, uint16_t collector, const struct bgp_addr *addr, uint32_t asn);

/*
 * rib_peer_info() - who peer @peer is: its collector, address and ASN (any
 * out pointer may be NULL).  Returns 0 or LO_EINVAL for an unknown id.
 */
int rib_peer_info(const struct rib *r, int peer, uint16_t *collector, struct bgp_addr *addr,
		  uint32_t *asn);

/*
 * rib_announce() - peer @peer announces @p with AS path @path (raw AS_PATH
 * segments, @asn_size 2 or 4) at @time.  Replaces the peer's previous route
 * for @p.  Returns 0 or LO_ETOOBIG / LO_ENOMEM / LO_EINVAL.
 */
int rib_announce(struct rib *r, int peer, const struct bgp_prefix *p, const uint8_t *path,
		 size_t path_len, unsigned asn_size, uint32_t time);

/*
 * rib_withdraw() - remove @peer's route for @p (no-op when it has none, but
 * on_route still reports it with had_route false).
 */
int rib_withdraw(struct rib *r, int peer, const struct bgp_prefix *p, uint32_t time);

/*
 * rib_peer_down() - the peer's session went down: remove all its routes
 * (on_route reports each as a RIB_WITHDRAW with its origin, after all of
 * them are gone and full-feed status and visibility are updated).
 */
int rib_peer_down(struct rib *r, int peer, uint32_t time);

/*
 * RIB dumps.  A TABLE_DUMP_V2 RIB lists every route each peer of the
 * collector holds; a peer that holds routes here but has no entry in a
 * newer dump has lost its session while nobody was looking (a gap in the
 * update files, a collector restart), so its routes go.  Between
 * rib_dump_begin() and rib_dump_end(), every RIB entry applied with
 * rib_apply_elem() (MRT_ELEM_RIB) marks its peer as present; a peer listed
 * in the dump's PEER_INDEX_TABLE but without RIB entries counts as absent.
 * Peers of other collectors are not affected.  rib_dump_end() without a
 * rib_dump_begin() for that collector does nothing.
 */

/* rib_dump_begin() - a RIB dump of @collector starts. */
void rib_dump_begin(struct rib *r, uint16_t collector);

/*
 * rib_dump_end() - it ended at @time: peers of @collector that hold routes
 * but had no entry in the dump go down (their routes are removed, as by
 * rib_peer_down); returns how many peers went down.
 */
int rib_dump_end(struct rib *r, uint16_t collector, uint32_t time);

/* ---------------------------------------------------------------- queries */

struct rib_prefix_info {
	unsigned peers;		  /* peers with a route */
	unsigned full_feed_peers; /* of which full-feed */
	bool visible;
	uint32_t origin_asn;   /* origin of the most recent route (0 if a set) */
	uint32_t upstream_asn; /* the AS before the origin on that path (0 if none) */
};

/* rib_prefix_info() - what the RIB knows of @p; false when no peer has it. */
bool rib_prefix_info(const struct rib *r, const struct bgp_prefix *p, struct rib_prefix_info *out);

/* rib_peer_routes() - routes @peer holds for family 4 or 6. */
size_t rib_peer_routes(const struct rib *r, int peer, uint8_t family);
bool rib_peer_full_feed(const struct rib *r, int peer, uint8_t family);
unsigned rib_full_feed_peers(const struct rib *r, uint8_t family);

/*
 * rib_apply_elem() - apply one decoded MRT elem of collector @collector:
 * RIB entries and announcements add routes, withdrawals remove them, and a
 * state change out of Established (6) takes the peer down.  RIB entries
 * also mark their peer as present in an open RIB dump.  *@peer_out (when
 * not NULL) is set to the elem's peer id, or -1 when it has none.  Returns
 * 0 or the error of the rib call (the caller counts it and goes on).
 */
int rib_apply_elem(struct rib *r, uint16_t collector, const struct mrt_elem *e, int *peer_out);

struct rib_stats {
	size_t peers;
	size_t prefixes[2]; /* IPv4, IPv6 prefixes with at least one route */
	size_t routes;	    /* (prefix, peer) routes */
	size_t paths;	    /* interned AS paths */
	size_t visible[2];
	size_t bytes;	  /* memory held by the RIB's structures */
	uint64_t rescans; /* full visibility re-evaluations done */
};
void rib_stats(const struct rib *r, struct rib_stats *out);

#endif
