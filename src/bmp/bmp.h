/*
 * DOC: bmp — the decoding half of a BMP station (RFC 7854, RFC 8671
 * Adj-RIB-Out, RFC 9069 Loc-RIB), without I/O.
 *
 * Three layers, each usable alone:
 *
 * 1. Framing and decoding (msg.c).  bmp_next() takes the bytes a router
 *    sent over its TCP connection and returns one whole decoded message at a
 *    time, or LO_EAGAIN ("need more bytes").  The decoded message borrows the
 *    caller's buffer.  A framing error (version other than 3, a length below
 *    the 6-byte common header or above the stream's cap) is reported with the
 *    byte offset of the header in the stream and is sticky: a BMP stream has
 *    no way to resynchronise, so the caller closes the connection.  A
 *    message whose length is sane but whose body is malformed is returned
 *    with m->error < 0 (counted, reported in @err, to be skipped) and the
 *    stream goes on.  Unknown message types are returned with m->error ==
 *    LO_EUNSUP, as RFC 7854 §4.1 says to ignore them.
 *
 * 2. Station state (router.c).  struct bmp_router remembers, per router
 *    connection, the Initiation strings and every monitored peer announced
 *    by a Peer Up (or, lacking one, by Route Monitoring): whether it is up, its local address and AS, and what the
 *    two OPENs negotiated (4-byte AS, ADD-PATH per AFI/SAFI and direction).
 *    Peers are identified by peer type, distinguisher and address (Loc-RIB
 *    instances, whose address is zero, by type, distinguisher and BGP ID as
 *    RFC 9069 §6.1.1 says).  Hard cap: BMP_MAX_PEERS per router by default.
 *
 * 3. The bridge to MRT (bridge.c).  bmp_route_mrt() wraps the UPDATE of a
 *    Route Monitoring message as one BGP4MP_ET record, and a Peer Down as a
 *    STATE_CHANGE_AS4 record (Established -> Idle), which src/mrt decodes
 *    and an MRT archive can hold as is.
 *
 * Views.  One monitored peer may be reported in up to four RIB views
 * (Adj-RIB-In pre- and post-policy, Adj-RIB-Out pre- and post-policy) plus
 * the router's Loc-RIB.  They carry the same peer address and AS, so
 * downstream they would be one peer.  bmp_route_mrt() therefore writes only
 * the views its caller selects (BMP_VIEWS_DEFAULT: pre-policy Adj-RIB-In
 * and the global Loc-RIB); a caller that wants several views calls it once
 * per view with one output (and one collector name) each.
 *
 * Not here: sockets, TLS, the daemon; BMP v4 TLVs (draft); decoding the
 * routes themselves (src/mrt does that on the records made here).
 */
#ifndef LO_BMP_H
#define LO_BMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "lib/lib.h"

#define BMP_VERSION	 3
#define BMP_HDR_LEN	 6  /* version, length, type */
#define BMP_PEER_HDR_LEN 42 /* RFC 7854 §4.2 */

/*
 * Caps.  BMP_MAX_MSG is the default largest message a stream accepts: a
 * Peer Up carries two OPENs of at most 65535 bytes (RFC 8654) and a Route
 * Monitoring message one UPDATE, so 1 MiB leaves room for TLVs and a Route
 * Mirroring message of many PDUs.  bmp_stream_init() takes another cap up to
 * BMP_MAX_MSG_LIMIT.
 */
#define BMP_MAX_MSG	    (1u << 20)
#define BMP_MAX_MSG_LIMIT   (16u << 20)
#define BMP_MAX_TLVS	    16	 /* TLVs kept per message; more are counted */
#define BMP_MAX_STATS	    64	 /* statistics kept per Statistics Report */
#define BMP_MAX_PEERS	    4096 /* default peers per router connection */
#define BMP_MAX_PEERS_LIMIT 65535
#define BMP_MAX_NAME	    255 /* sysName / sysDescr bytes kept */

enum bmp_msg_type {
	BMP_MSG_ROUTE_MONITORING = 0,
	BMP_MSG_STATS = 1,
	BMP_MSG_PEER_DOWN = 2,
	BMP_MSG_PEER_UP = 3,
	BMP_MSG_INITIATION = 4,
	BMP_MSG_TERMINATION = 5,
	BMP_MSG_ROUTE_MIRRORING = 6,
};
#define BMP_MSG_TYPES 7

enum bmp_peer_type {
	BMP_PEER_GLOBAL = 0,  /* global instance peer */
	BMP_PEER_RD = 1,      /* RD instance peer (L3VPN) */
	BMP_PEER_LOCAL = 2,   /* local instance peer */
	BMP_PEER_LOC_RIB = 3, /* Loc-RIB instance (RFC 9069) */
};

/* Per-peer header flags, peer types 0-2 (RFC 7854 §4.2, RFC 8671 §4). */
#define BMP_PF_V 0x80 /* peer address is IPv6 */
#define BMP_PF_L 0x40 /* post-policy */
#define BMP_PF_A 0x20 /* legacy 2-byte AS_PATH */
#define BMP_PF_O 0x10 /* Adj-RIB-Out */
/* Peer type 3 (RFC 9069 §4.2): the same bit means "filtered". */
#define BMP_PF_F 0x80

/* Initiation / Termination / Peer Up information TLV types. */
enum bmp_tlv_type {
	BMP_TLV_STRING = 0,
	BMP_TLV_SYS_DESCR = 1,	/* Initiation */
	BMP_TLV_SYS_NAME = 2,	/* Initiation */
	BMP_TLV_REASON = 1,	/* Termination: 2-byte reason */
	BMP_TLV_VRF_NAME = 3,	/* Peer Up / Down (RFC 9069) */
	BMP_TLV_ADMIN_LABEL = 4 /* Peer Up (RFC 8671) */
};

enum bmp_term_reason {
	BMP_TERM_ADMIN = 0,
	BMP_TERM_UNSPEC = 1,
	BMP_TERM_RESOURCES = 2,
	BMP_TERM_REDUNDANT = 3,
	BMP_TERM_PERM_ADMIN = 4,
};

enum bmp_down_reason {
	BMP_DOWN_LOCAL_NOTIFY = 1, /* local close, NOTIFICATION PDU follows */
	BMP_DOWN_LOCAL_FSM = 2,	   /* local close, 2-byte FSM event code follows */
	BMP_DOWN_REMOTE_NOTIFY = 3,
	BMP_DOWN_REMOTE_NODATA = 4,
	BMP_DOWN_DECONFIGURED = 5,
	BMP_DOWN_LOCAL_TLV = 6, /* RFC 9069: local system closed, TLVs follow */
};

/* Route Mirroring TLVs and information codes (RFC 7854 §4.7). */
#define BMP_MIRROR_BGP	0
#define BMP_MIRROR_INFO 1

/* ---------------------------------------------------------------- messages */

/*
 * struct bmp_peer_hdr - the per-peer header (RFC 7854 §4.2).
 * @addr: family 6 when the V flag is set (types 0-2), else 4; the Loc-RIB
 *        peer (type 3) has the zero IPv4 address
 * @ts_sec, @ts_usec: 0 when the router does not know the time
 */
struct bmp_peer_hdr {
	uint8_t type;
	uint8_t flags;
	uint8_t rd[8];
	struct bgp_addr addr;
	uint32_t asn;
	uint8_t bgp_id[4];
	uint32_t ts_sec;
	uint32_t ts_usec;
};

/* bmp_ph_*() - the flags of @h as its peer type defines them. */
static inline bool bmp_ph_post_policy(const struct bmp_peer_hdr *h)
{
	return h->type != BMP_PEER_LOC_RIB && (h->flags & BMP_PF_L);
}
static inline bool bmp_ph_adj_out(const struct bmp_peer_hdr *h)
{
	return h->type != BMP_PEER_LOC_RIB && (h->flags & BMP_PF_O);
}
static inline bool bmp_ph_as2(const struct bmp_peer_hdr *h)
{
	return h->type != BMP_PEER_LOC_RIB && (h->flags & BMP_PF_A);
}
static inline bool bmp_ph_filtered(const struct bmp_peer_hdr *h)
{
	return h->type == BMP_PEER_LOC_RIB && (h->flags & BMP_PF_F);
}

/* struct bmp_tlv - one information TLV, value borrowed. */
struct bmp_tlv {
	uint16_t type;
	uint16_t len;
	const uint8_t *value;
};

/* struct bmp_tlvs - the TLVs of a message: the first BMP_MAX_TLVS kept. */
struct bmp_tlvs {
	uint16_t n;
	uint16_t dropped;
	struct bmp_tlv v[BMP_MAX_TLVS];
};

/* bmp_tlv_find() - the first TLV of @type in @t, or NULL. */
const struct bmp_tlv *bmp_tlv_find(const struct bmp_tlvs *t, uint16_t type);

/* Initiation (§4.3) and Termination (§4.5). @reason: -1 when absent. */
struct bmp_init {
	struct bmp_tlvs tlvs;
};
struct bmp_term {
	struct bmp_tlvs tlvs;
	int32_t reason;
};

/*
 * struct bmp_peer_up - Peer Up Notification (§4.10).  @sent_pdu and
 * @recv_pdu are the whole OPEN messages (BGP header included), borrowed;
 * @sent is the OPEN the monitored router sent, @recv the one it received
 * from its peer.
 */
struct bmp_peer_up {
	struct bgp_addr local_addr;
	uint16_t local_port;
	uint16_t remote_port;
	const uint8_t *sent_pdu;
	uint16_t sent_len;
	const uint8_t *recv_pdu;
	uint16_t recv_len;
	struct bgp_open sent;
	struct bgp_open recv;
	struct bmp_tlvs tlvs;
};

/*
 * struct bmp_peer_down - Peer Down Notification (§4.9).
 * @pdu: the NOTIFICATION message (reasons 1 and 3, header included) or, for
 *       other reasons, whatever data followed the reason; borrowed
 * @notification: decoded for reasons 1 and 3
 * @fsm_event: reason 2
 * @tlvs: reason 6
 */
struct bmp_peer_down {
	uint8_t reason;
	uint16_t fsm_event;
	const uint8_t *pdu;
	uint32_t pdu_len;
	struct bgp_notification notification;
	struct bmp_tlvs tlvs;
};

/*
 * struct bmp_route_mon - Route Monitoring (§4.6): the UPDATE, whole and
 * borrowed, and where its four prefix lists are (each may be empty).
 * @withdrawn / @nlri: the UPDATE's own IPv4 lists (RFC 4271 §4.3)
 * @reach_afi / @reach_safi, @unreach_afi / @unreach_safi: of MP_REACH_NLRI /
 *            MP_UNREACH_NLRI (RFC 4760), 0 when absent; @reach / @unreach
 *            their prefix lists
 * @eor:      End-of-RIB marker (RFC 4724 §2)
 * @trailing: bytes after the UPDATE inside the message (ignored)
 */
struct bmp_nlri_list {
	const uint8_t *p;
	uint16_t len;
};

struct bmp_route_mon {
	const uint8_t *pdu;
	uint16_t pdu_len;
	struct bmp_nlri_list withdrawn, nlri, reach, unreach;
	uint16_t reach_afi, unreach_afi;
	uint8_t reach_safi, unreach_safi;
	bool eor;
	uint32_t trailing;
};

enum bmp_stat_kind {
	BMP_STAT_COUNTER,   /* 32-bit counter */
	BMP_STAT_GAUGE,	    /* 64-bit gauge */
	BMP_STAT_AFI_GAUGE, /* AFI, SAFI, 64-bit gauge */
	BMP_STAT_RAW,	    /* unknown type of another length: @raw only */
};

/* Statistics types (IANA "BMP Statistics Types"; 14-17 from RFC 8671). */
enum bmp_stat_type {
	BMP_STAT_REJECTED = 0,
	BMP_STAT_DUP_PREFIX = 1,
	BMP_STAT_DUP_WITHDRAW = 2,
	BMP_STAT_CLUSTER_LOOP = 3,
	BMP_STAT_ASPATH_LOOP = 4,
	BMP_STAT_ORIGINATOR_LOOP = 5,
	BMP_STAT_CONFED_LOOP = 6,
	BMP_STAT_ADJ_RIB_IN = 7,
	BMP_STAT_LOC_RIB = 8,
	BMP_STAT_ADJ_RIB_IN_AFI = 9,
	BMP_STAT_LOC_RIB_AFI = 10,
	BMP_STAT_TREAT_WITHDRAW = 11,
	BMP_STAT_PREFIX_TREAT_WITHDRAW = 12,
	BMP_STAT_DUP_UPDATE = 13,
	BMP_STAT_ADJ_RIB_OUT_PRE = 14,
	BMP_STAT_ADJ_RIB_OUT_POST = 15,
	BMP_STAT_ADJ_RIB_OUT_PRE_AFI = 16,
	BMP_STAT_ADJ_RIB_OUT_POST_AFI = 17,
};

/*
 * struct bmp_stat - one statistic.  Types 0-17 must have the length their
 * kind implies (4, 8 or 11 bytes), else the message is malformed; other
 * types are decoded by their length (4, 8, 11) or kept raw.
 */
struct bmp_stat {
	uint16_t type;
	uint16_t len;
	enum bmp_stat_kind kind;
	uint16_t afi;
	uint8_t safi;
	uint64_t value;
	const uint8_t *raw;
};

/* struct bmp_stats - Statistics Report (§4.8): the first BMP_MAX_STATS kept. */
struct bmp_stats {
	uint32_t count; /* as announced by the router (and found) */
	uint16_t n;
	uint32_t dropped;
	struct bmp_stat v[BMP_MAX_STATS];
};

/*
 * struct bmp_mirror - Route Mirroring (§4.7).  @n_pdus BGP messages (TLV
 * type 0; @pdu is the first), @info: the last information code (TLV type 1;
 * 0 errored PDU, 1 messages lost) or -1.
 */
struct bmp_mirror {
	struct bmp_tlvs tlvs;
	uint32_t n_pdus;
	const uint8_t *pdu;
	uint16_t pdu_len;
	int32_t info;
};

/*
 * struct bmp_msg - one decoded BMP message; every pointer borrows the buffer
 * given to bmp_next() / bmp_decode().
 * @offset: stream offset of the common header
 * @error:  0, or the LO_E* code of a malformed body (LO_ECORRUPT,
 *          LO_ETRUNC) or of an unknown message or peer type (LO_EUNSUP);
 *          then only the common header (and @peer if @has_peer) is valid
 * @has_peer: the type has a per-peer header and it was decoded
 * @body:   the bytes after the common header
 */
struct bmp_msg {
	uint64_t offset;
	uint32_t length;
	uint8_t type;
	int error;
	bool has_peer;
	struct bmp_peer_hdr peer;
	const uint8_t *body;
	uint32_t body_len;
	union {
		struct bmp_init init;
		struct bmp_term term;
		struct bmp_peer_up up;
		struct bmp_peer_down down;
		struct bmp_route_mon rm;
		struct bmp_stats stats;
		struct bmp_mirror mirror;
	} u;
};

/* bmp_msg_type_name() - "route-monitoring", "peer-up", ... or "unknown". */
const char *bmp_msg_type_name(unsigned type);

/*
 * bmp_decode() - decode the one whole message of @len bytes at @p (its
 * common header included; @len must equal its length field).  Returns the
 * value also stored in @m->error: 0, LO_ECORRUPT / LO_ETRUNC (malformed
 * body) or LO_EUNSUP; @err gets the text, with offsets counted from @p plus
 * @m->offset (set @m->offset before the call, or leave it 0).
 */
int bmp_decode(const uint8_t *p, size_t len, struct bmp_msg *m, struct lo_err *err);

/* ---------------------------------------------------------------- stream */

struct bmp_stream_stats {
	uint64_t bytes;			 /* consumed in whole messages */
	uint64_t messages;		 /* returned, including malformed ones */
	uint64_t by_type[BMP_MSG_TYPES]; /* decoded without error */
	uint64_t unknown;		 /* unknown message or peer types (ignored) */
	uint64_t malformed;		 /* bodies with errors (skipped) */
};

/*
 * struct bmp_stream - framing state of one TCP connection (caller's
 * storage; bmp_stream_init() it, nothing to free).
 * @offset: stream offset of the next byte bmp_next() expects
 * @need:   after LO_EAGAIN, how many bytes (from the start of the unused
 *          input) the next message needs: 6 for its header, then its length
 * @dead:   0, or the framing error that ended the stream (sticky)
 */
struct bmp_stream {
	uint64_t offset;
	uint32_t max_msg;
	uint32_t need;
	int dead;
	struct bmp_stream_stats stats;
};

/* bmp_stream_init() - @max_msg: largest message (0: BMP_MAX_MSG; capped at BMP_MAX_MSG_LIMIT). */
void bmp_stream_init(struct bmp_stream *s, uint32_t max_msg);

/*
 * bmp_next() - frame and decode the next message at the start of @buf (the
 * stream's bytes not yet used, @len of them).
 * Returns 1 with *@used set to the message length and @out filled (check
 * @out->error: a malformed body is returned so it can be counted and
 * logged, and is skipped like any other); LO_EAGAIN with *@used = 0 when
 * @buf holds no whole message yet (see @s->need); or a framing error —
 * LO_ECORRUPT (bad version, length below 6) or LO_ETOOBIG (length above the
 * cap) — with @err naming the stream offset: the stream is dead, close it.
 * @out borrows @buf: valid while those bytes are.
 */
int bmp_next(struct bmp_stream *s, const uint8_t *buf, size_t len, size_t *used,
	     struct bmp_msg *out, struct lo_err *err);

/*
 * bmp_stream_end() - the connection closed with @pending bytes unused.
 * Returns 0 for a clean end, the framing error of a dead stream, or
 * LO_ETRUNC when it closed in the middle of a message.
 */
int bmp_stream_end(const struct bmp_stream *s, size_t pending, struct lo_err *err);

/* ---------------------------------------------------------------- router */

/*
 * RIB views of a route message, as bits (bmp_view_of()).  Peers of RD and
 * local instances (types 1, 2) and Loc-RIBs with a non-zero distinguisher
 * are in a view only when BMP_VIEW_INSTANCES is also set: their addresses
 * can repeat those of the global instance.
 */
enum bmp_view {
	BMP_VIEW_IN_PRE = 1u << 0,   /* Adj-RIB-In, pre-policy */
	BMP_VIEW_IN_POST = 1u << 1,  /* Adj-RIB-In, post-policy (L) */
	BMP_VIEW_OUT_PRE = 1u << 2,  /* Adj-RIB-Out, pre-policy (O) */
	BMP_VIEW_OUT_POST = 1u << 3, /* Adj-RIB-Out, post-policy (O, L) */
	BMP_VIEW_LOC_RIB = 1u << 4,  /* Loc-RIB instance (peer type 3) */
	BMP_VIEW_INSTANCES = 1u << 5,
};
#define BMP_VIEWS_DEFAULT (BMP_VIEW_IN_PRE | BMP_VIEW_LOC_RIB)
#define BMP_VIEWS_ALL	  0x3fu

/* bmp_view_of() - the one view bit of @h's RIB (without BMP_VIEW_INSTANCES). */
unsigned bmp_view_of(const struct bmp_peer_hdr *h);

/* bmp_view_selected() - whether @views selects messages with header @h. */
bool bmp_view_selected(unsigned views, const struct bmp_peer_hdr *h);

/* ADD-PATH state of one AFI/SAFI (bits of bmp_peer.addpath). */
#define BMP_AP_IN  0x1 /* the peer sends path ids to the router (Adj-RIB-In) */
#define BMP_AP_OUT 0x2 /* the router sends path ids to the peer (Adj-RIB-Out) */
#define BMP_AP_LOC 0x4 /* Loc-RIB messages carry path ids (RFC 9069 §5.2) */

/*
 * struct bmp_peer - what the station knows about one monitored peer.
 * @as4:      both OPENs carry the 4-byte AS capability (RFC 6793)
 * @addpath:  BMP_AP_* bits, indexed [afi 1..2][safi 1..3] like bgp_attrs.mp_reach
 * @local_asn: the router's AS in this session (its OPEN, 4-byte capability
 *            first)
 * @views:    BMP_VIEW_* bits of the Route Monitoring messages seen
 */
struct bmp_peer {
	uint8_t type;
	uint8_t rd[8];
	struct bgp_addr addr;
	uint32_t asn;
	uint8_t bgp_id[4];
	bool up;
	bool no_peer_up; /* known only from Route Monitoring (GoBGP's Loc-RIB) */
	bool as4;
	uint8_t addpath[3][4];
	struct bgp_addr local_addr;
	uint32_t local_asn;
	uint16_t local_port, remote_port;
	uint8_t views;
	uint8_t down_reason;
	uint32_t up_time, down_time; /* per-peer header times (0: unknown) */
	uint64_t ups, downs, route_msgs;
	uint64_t stat_adj_rib_in, stat_loc_rib; /* last gauges (types 7, 8) */
};

struct bmp_router_stats {
	uint64_t messages; /* applied, by type below */
	uint64_t by_type[BMP_MSG_TYPES];
	uint64_t peers_over_cap;    /* peers not kept: the table was full */
	uint64_t peer_up_again;	    /* Peer Up for a peer already up */
	uint64_t peer_down_unknown; /* Peer Down for a peer never up */
	uint64_t route_unknown;	    /* Route Monitoring for a peer without Peer Up */
	uint64_t route_peer_down;   /* Route Monitoring for a peer that is down */
	uint64_t addpath_mismatch;  /* UPDATEs whose prefixes contradict the
				       negotiated ADD-PATH (bmp_route_mrt) */
};

/*
 * struct bmp_router - station state of one router connection (caller's
 * storage: bmp_router_init() / bmp_router_fini()).
 */
struct bmp_router {
	bool initiated, terminated;
	int32_t term_reason; /* -1 when not given */
	char sys_name[BMP_MAX_NAME + 1];
	char sys_descr[BMP_MAX_NAME + 1];
	struct bmp_peer *peers;
	uint32_t n_peers, alloc, max_peers;
	uint32_t *index; /* open addressing: peer index + 1, 0 empty */
	uint32_t index_cap;
	struct bmp_router_stats stats;
};

/* bmp_router_init() - @max_peers: 0 for BMP_MAX_PEERS (at most BMP_MAX_PEERS_LIMIT). */
void bmp_router_init(struct bmp_router *r, unsigned max_peers);
void bmp_router_fini(struct bmp_router *r);

/*
 * bmp_router_apply() - update @r with a message from bmp_next().  Messages
 * with m->error are ignored.  Returns 0, or LO_ETOOBIG when a Peer Up finds
 * the peer table full (counted; the peer's routes are then converted
 * without its session details) or LO_ENOMEM, with @err filled.
 * A Peer Down for an unknown peer is only counted (FRR sends one for a
 * session that never came up).  Route Monitoring for a peer without a Peer
 * Up (GoBGP 3.10 sends its Loc-RIB so) is counted and makes the peer known,
 * up, without session details, so that its Peer Down or
 * bmp_router_down_all() still withdraws its routes downstream.
 */
int bmp_router_apply(struct bmp_router *r, const struct bmp_msg *m, struct lo_err *err);

/* bmp_router_peer() - the peer of header @h, or NULL; borrowed until the next apply. */
const struct bmp_peer *bmp_router_peer(const struct bmp_router *r, const struct bmp_peer_hdr *h);

/*
 * bmp_peer_addpath() - whether UPDATEs of view @view (a BMP_VIEW_* bit) for
 * @afi/@safi carry path identifiers.  Adj-RIB-In: the peer's OPEN (the
 * "received" one) offers to send and the router's (the "sent" one) to
 * receive (RFC 7911 §4); Adj-RIB-Out the reverse; Loc-RIB: the fabricated
 * OPEN has the capability for @afi/@safi at all (RFC 9069 §5.2).
 */
bool bmp_peer_addpath(const struct bmp_peer *p, unsigned view, uint16_t afi, uint8_t safi);

/* ---------------------------------------------------------------- MRT bridge */

/*
 * bmp_route_mrt() - append to @out the MRT record for @m, if it has one in
 * @views (BMP_VIEW_* bits):
 * - Route Monitoring: one BGP4MP_ET record holding the UPDATE as is, subtype
 *   MESSAGE_AS4, or MESSAGE when the A flag says the AS_PATH has 2-byte ASNs;
 *   the *_ADDPATH variant when the peer's session negotiated ADD-PATH for
 *   the UPDATE's address family (bmp_peer_addpath()); the *_LOCAL variant
 *   for Adj-RIB-Out.  When the UPDATE's prefix lists do not parse the way
 *   the negotiation says but do the other way (FRR 8.4 negotiates ADD-PATH
 *   and then sends Route Monitoring without path ids), the way that parses
 *   is written and r->stats.addpath_mismatch counts it.
 * - Peer Down of a peer the station knows (any peer once the table has
 *   overflowed): a BGP4MP_ET STATE_CHANGE_AS4 record, Established -> Idle.
 * Peer address and AS come from the per-peer header; local address and AS
 * from the peer's Peer Up (0 when unknown); the time from the per-peer
 * header, or @now_us (microseconds since 1970) when it is 0.
 * Returns 1 when a record was appended, 0 when @m has none (other type,
 * other view, malformed), or LO_EUNSUP (an UPDATE mixing address families
 * with and without ADD-PATH), LO_ETOOBIG / LO_ENOMEM from @out.  @r must
 * have seen @m through bmp_router_apply() first.
 */
int bmp_route_mrt(struct bmp_router *r, const struct bmp_msg *m, unsigned views, int64_t now_us,
		  struct lo_buf *out, struct lo_err *err);

/*
 * bmp_router_down_all() - the connection is gone: mark every peer down and,
 * when @out is not NULL, append a STATE_CHANGE_AS4 record (Established ->
 * Idle, time @now_us) for each peer that was up and is in @views, so that
 * downstream RIBs drop their routes.  Returns the number of records, or
 * LO_ETOOBIG / LO_ENOMEM from @out (the peers are marked down anyway).
 */
int bmp_router_down_all(struct bmp_router *r, unsigned views, int64_t now_us, struct lo_buf *out,
			struct lo_err *err);

#endif
