/*
 * DOC: feeding decoded MRT elems into the RIB.
 *
 * BGP FSM states are those of RFC 6396 §4.4.1 (6 = Established); a session
 * leaving Established withdraws everything the peer had announced, as a
 * route collector's Adj-RIB-In does.  RIB entries mark their peer as
 * present in the collector's open RIB dump (rib_dump_begin()).
 */
#include "rib/rib.h"
#include "rib/rib_int.h"

#define FSM_ESTABLISHED 6

int rib_apply_elem(struct rib *r, uint16_t collector, const struct mrt_elem *e, int *peer_out)
{
	int peer = rib_peer(r, collector, &e->peer_addr, e->peer_asn);
	if (peer_out)
		*peer_out = peer < 0 ? -1 : peer;
	if (peer < 0)
		return peer;
	if (e->type == MRT_ELEM_RIB)
		rib_peer_seen(r, peer);
	switch (e->type) {
	case MRT_ELEM_RIB:
	case MRT_ELEM_ANNOUNCE: {
		const struct bgp_attrs *a = e->attrs;
		return rib_announce(r, peer, &e->prefix, a->as_path,
				    a->as_path ? a->as_path_len : 0, a->asn_size, e->time);
	}
	case MRT_ELEM_WITHDRAW:
		return rib_withdraw(r, peer, &e->prefix, e->time);
	case MRT_ELEM_STATE:
		if (e->old_state == FSM_ESTABLISHED && e->new_state != FSM_ESTABLISHED)
			return rib_peer_down(r, peer, e->time);
		return 0;
	}
	return 0;
}
