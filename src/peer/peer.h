/*
 * DOC: peer — one BGP-4 session with a configured neighbor, as a sans-I/O
 * state machine.
 *
 * The caller (the daemon) owns the TCP connection and the clock: it tells
 * the session that a connection came up (peer_connected), hands it the bytes
 * it read in any split (peer_input), calls peer_tick at the deadline that
 * peer_next_deadline names, and reports a lost connection (peer_tcp_lost).
 * The session answers through callbacks: bytes to write (send), every
 * received message once its header checked out (on_message), state changes
 * with a reason text (on_state), and, for an active session, a request to
 * open a TCP connection (connect).  Times are monotonic milliseconds.
 *
 * Implements RFC 4271 (FSM §8 with the states Idle, Connect, Active,
 * OpenSent, OpenConfirm, Established; message checks §6; timers §10),
 * RFC 6793 (4-octet ASNs, AS_TRANS), RFC 4760 (multiprotocol capability,
 * IPv4 and IPv6 unicast), RFC 2918 and RFC 7313 (route refresh, accepted and
 * ignored: we have nothing to send), RFC 7911 (ADD-PATH, receive), RFC 4724
 * (graceful restart: helper/awareness only), RFC 8654 (extended messages),
 * RFC 9072 (extended optional parameters in OPEN), RFC 6286 (BGP
 * identifier), RFC 6608 (FSM error subcodes), RFC 9003 (shutdown
 * communication) and RFC 7606 (revised UPDATE error handling:
 * peer_update_check classifies every UPDATE).
 *
 * Not here: sockets, collision detection between two connections of one
 * neighbor (one struct peer is one connection at a time), sending routes
 * (peer_send_update frames a ready UPDATE body; encoding routes is a later
 * issue), AFI/SAFI disable (RFC 7606 §2; we reset instead), ORF, BGP roles.
 *
 * Memory: a session owns one fixed buffer for a partial message (4 KiB, or
 * 64 KiB once extended messages are negotiated) and a copy of the peer's
 * OPEN; nothing grows with input.  The session does not log: the caller
 * logs the reasons on_state gives and the verdicts on_message gives (rate
 * limited), and records malformed UPDATEs whole (RFC 7606 §6).  See
 * docs/peer.md.
 */
#ifndef LO_PEER_H
#define LO_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "lib/lib.h"

struct peer;

/* ---------------------------------------------------------------- constants */

enum peer_state {
	PEER_IDLE,
	PEER_CONNECT,
	PEER_ACTIVE,
	PEER_OPENSENT,
	PEER_OPENCONFIRM,
	PEER_ESTABLISHED,
};

/* peer_state_name() - "Idle", "Connect", ... "Established". */
const char *peer_state_name(enum peer_state s);

#define PEER_HDR_LEN	 19
#define PEER_MAX_MSG	 4096  /* RFC 4271 */
#define PEER_MAX_EXT_MSG 65535 /* RFC 8654 */
#define PEER_MAX_CAPS	 64    /* peer capabilities listed by peer_negotiated() */
#define PEER_MAX_GR_AFI	 8     /* address families kept from a graceful restart capability */

/* NOTIFICATION error codes (RFC 4271 §4.5, RFC 7313). */
enum peer_err {
	PEER_ERR_HEADER = 1,
	PEER_ERR_OPEN = 2,
	PEER_ERR_UPDATE = 3,
	PEER_ERR_HOLD = 4,
	PEER_ERR_FSM = 5,
	PEER_ERR_CEASE = 6,
	PEER_ERR_ROUTE_REFRESH = 7,
};

/* Cease subcodes (RFC 4486, RFC 8538). */
enum peer_cease {
	PEER_CEASE_MAX_PREFIXES = 1,
	PEER_CEASE_ADMIN_SHUTDOWN = 2,
	PEER_CEASE_DECONFIGURED = 3,
	PEER_CEASE_ADMIN_RESET = 4,
	PEER_CEASE_REJECTED = 5,
	PEER_CEASE_CONFIG_CHANGE = 6,
	PEER_CEASE_COLLISION = 7,
	PEER_CEASE_RESOURCES = 8,
	PEER_CEASE_HARD_RESET = 9,
};

/*
 * peer_notify_name() - "cease/administrative reset", "hold timer expired",
 * "OPEN message error/bad peer AS", ... into @buf (always NUL-terminated);
 * returns @buf.  Unknown codes print as numbers.
 */
const char *peer_notify_name(uint8_t code, uint8_t subcode, char *buf, size_t n);

/*
 * peer_shutdown_text() - the RFC 9003 shutdown communication in the data of
 * a Cease NOTIFICATION (subcode 2 or 4) as printable text into @buf: valid
 * UTF-8 is kept, control characters and invalid bytes become \xNN.  Returns
 * 1 with text, 0 when there is none, LO_ECORRUPT when the length octet does
 * not match the data (@buf then holds what could be read).
 */
int peer_shutdown_text(const uint8_t *data, size_t len, char *buf, size_t n);

/* ---------------------------------------------------------------- UPDATE checks (RFC 7606) */

/*
 * enum peer_verdict - what a receiver must do with a message (RFC 7606 §2).
 * Ordered by strength: when several errors are found the strongest wins.
 *
 * PEER_VERDICT_OK:        use the message as it is.
 * PEER_VERDICT_ATTR_DISCARD: use the UPDATE, but ignore every attribute whose
 *      type has its bit set in peer_update_info.discard, and every second
 *      and later occurrence of an attribute type (bgp_attrs_parse keeps the
 *      first occurrence already).  Routes and withdrawals are valid.
 * PEER_VERDICT_TREAT_AS_WITHDRAW: every prefix the UPDATE announces (in the
 *      NLRI field and in MP_REACH_NLRI, as far as the attribute list could be
 *      walked) must be handled as withdrawn; withdrawn routes and
 *      MP_UNREACH_NLRI are withdrawn as usual; no attribute may be used.
 *      The NLRI field starts where the Total Path Attribute Length says,
 *      even when an attribute inside overran it (RFC 7606 §4).
 * PEER_VERDICT_SESSION_RESET: do not apply the message at all.  The session
 *      has sent a NOTIFICATION and is going down; every route of the peer
 *      is to be dropped when on_state leaves Established.
 */
enum peer_verdict {
	PEER_VERDICT_OK = 0,
	PEER_VERDICT_ATTR_DISCARD = 1,
	PEER_VERDICT_TREAT_AS_WITHDRAW = 2,
	PEER_VERDICT_SESSION_RESET = 3,
};
#define PEER_VERDICTS 4

/* peer_verdict_name() - "ok", "attribute-discard", "treat-as-withdraw", "session-reset". */
const char *peer_verdict_name(enum peer_verdict v);

/* struct peer_update_ctx - what the session negotiated that UPDATE parsing depends on. */
struct peer_update_ctx {
	uint8_t asn_size;  /* 2 or 4 (AS_PATH and AGGREGATOR encoding) */
	bool ibgp;	   /* local ASN == peer ASN: LOCAL_PREF etc. are expected */
	bool addpath_ipv4; /* IPv4 unicast NLRI carry path ids (RFC 7911) */
	bool addpath_ipv6; /* IPv6 unicast NLRI carry path ids */
};

#define PEER_REASON_LEN 128

/*
 * struct peer_update_info - the RFC 7606 classification of one UPDATE.
 * @verdict:   what to do with it (see enum peer_verdict)
 * @code, @subcode: the NOTIFICATION sent for SESSION_RESET; for the
 *             milder verdicts the RFC 4271 code the error would have had
 *             (0/0 when OK)
 * @err_type:  type code of the attribute that decided the verdict, 0 if
 *             none (framing, NLRI fields, missing attributes)
 * @err_offset: byte offset of the problem in the message (from its marker)
 * @data, @data_len: the NOTIFICATION data (borrowed from the message)
 * @discard:   bitmap of attribute type codes to ignore (bit t%32 of word t/32)
 * @eor:       an End-of-RIB marker (RFC 4724 §2) for @eor_afi/@eor_safi
 * @n_withdrawn, @n_announced: prefixes found in the withdrawn routes and
 *             MP_UNREACH_NLRI / NLRI field and MP_REACH_NLRI (IPv4/IPv6
 *             unicast and multicast; other families are not decoded)
 * @other_family: MP_REACH/MP_UNREACH of a family not decoded here
 * @n_errors:  errors found (the strongest decided @verdict)
 * @reason:    text of the deciding error, "" when OK
 */
struct peer_update_info {
	enum peer_verdict verdict;
	uint8_t code, subcode;
	uint8_t err_type;
	uint32_t err_offset;
	const uint8_t *data;
	uint16_t data_len;
	uint32_t discard[8];
	bool eor;
	uint16_t eor_afi;
	uint8_t eor_safi;
	bool other_family;
	uint32_t n_withdrawn, n_announced;
	uint16_t n_errors;
	char reason[PEER_REASON_LEN];
};

static inline bool peer_update_discarded(const struct peer_update_info *u, uint8_t type)
{
	return (u->discard[type / 32] >> (type % 32)) & 1;
}

/*
 * peer_update_check() - classify the UPDATE message @msg (@len bytes from
 * the marker on, header already checked) per RFC 7606 and fill @out.
 * Pure: no state, no allocation.  Returns @out->verdict.
 */
enum peer_verdict peer_update_check(const uint8_t *msg, size_t len,
				    const struct peer_update_ctx *ctx,
				    struct peer_update_info *out);

/* ---------------------------------------------------------------- options */

/* Capabilities we offer (bits of peer_opts.caps). */
#define PEER_CAP_MP_IPV4      0x001 /* RFC 4760, IPv4 unicast */
#define PEER_CAP_MP_IPV6      0x002 /* RFC 4760, IPv6 unicast */
#define PEER_CAP_ROUTE_REFR   0x004 /* RFC 2918 */
#define PEER_CAP_ENH_REFRESH  0x008 /* RFC 7313 */
#define PEER_CAP_EXT_MSG      0x010 /* RFC 8654 */
#define PEER_CAP_GR	      0x020 /* RFC 4724, R bit, no address families */
#define PEER_CAP_AS4	      0x040 /* RFC 6793 (required for a local ASN > 65535) */
#define PEER_CAP_ADDPATH_IPV4 0x080 /* RFC 7911, receive */
#define PEER_CAP_ADDPATH_IPV6 0x100 /* RFC 7911, receive */
#define PEER_CAP_DEFAULT      0x1ff

/*
 * struct peer_opts - the configuration of one neighbor; peer_opts_init()
 * sets the defaults, then fill in the rest.
 * @name:          for reason texts and logs (e.g. "rv1 198.18.1.2")
 * @local_asn:     our ASN (4-octet)
 * @router_id:     our BGP identifier, non-zero
 * @remote:        the neighbor's address (informational; the caller
 *                 matches connections)
 * @remote_asn:    the neighbor's ASN, non-zero: its OPEN must carry it
 * @hold_time:     seconds we propose; 0 or 3..65535 (default 90)
 * @connect_retry_ms: ConnectRetryTimer (default 120 s): active sessions
 *                 retry connecting at this interval
 * @idle_hold_ms:  after a session ends with an error, stay Idle this long
 *                 before restarting (default 5 s, doubled after every
 *                 failure before Established up to 120 s); 0: no automatic
 *                 restart, the caller calls peer_start()
 * @open_wait_ms:  hold time while waiting for the peer's OPEN (default 240 s)
 * @passive:       never connect, only accept (the collector default)
 * @caps:          PEER_CAP_* to offer (default PEER_CAP_DEFAULT)
 * @gr_restart_time: restart time in our graceful restart capability (s)
 */
struct peer_opts {
	char name[64];
	uint32_t local_asn;
	uint8_t router_id[4];
	struct bgp_addr remote;
	uint32_t remote_asn;
	uint16_t hold_time;
	uint32_t connect_retry_ms;
	uint32_t idle_hold_ms;
	uint32_t open_wait_ms;
	bool passive;
	unsigned caps;
	uint16_t gr_restart_time;
};

void peer_opts_init(struct peer_opts *o);

/* ---------------------------------------------------------------- callbacks */

/*
 * struct peer_msg - a received message handed to on_message.
 * @type:    BGP message type (enum bgp_msg_type)
 * @data, @len: the whole message including the 19-byte header, borrowed
 *           until on_message returns (record it as MRT from here)
 * @verdict: OK when the session accepted the message; for UPDATEs the
 *           RFC 7606 verdict (@update has the details); SESSION_RESET for any
 *           message the session rejects (an OPEN that fails validation, a
 *           message unexpected in the state) — such a message is delivered
 *           for recording and must not be applied
 * @update:  the classification of an UPDATE received in Established, NULL
 *           for other types and for an UPDATE the FSM rejects
 * @now:     the time given to peer_input
 *
 * Messages are delivered in stream order, each before the session acts on
 * it: the OPEN before the change to OpenConfirm, a NOTIFICATION before the
 * change to Idle.  A message whose header is broken (marker, length, type)
 * is not delivered.
 */
struct peer_msg {
	uint8_t type;
	const uint8_t *data;
	size_t len;
	enum peer_verdict verdict;
	const struct peer_update_info *update;
	int64_t now;
};

/*
 * struct peer_cbs - how the session talks to its owner.  Callbacks may call
 * the query functions (peer_state, peer_negotiated, peer_stats ...) but no
 * function that acts on the session (those return LO_EINVAL meanwhile).
 * @send:       write @n bytes to the TCP connection (buffer them; the
 *              session never waits); return 0, or <0 when the connection is
 *              unusable (the session then ends as if TCP was lost)
 * @on_message: see struct peer_msg (optional)
 * @on_state:   every state change, with a reason such as "hold timer
 *              expired" or "NOTIFICATION received: cease/administrative
 *              reset" (optional).  Whenever the new state is Idle, Active or
 *              Connect after OpenSent or later, the caller closes the TCP
 *              connection once the bytes given to send() are written.
 * @connect:    an active session (not @passive) wants a new TCP connection
 *              to the neighbor now; the caller answers later with
 *              peer_connected() or peer_tcp_lost() (optional for passive)
 */
struct peer_cbs {
	void *ctx;
	int (*send)(void *ctx, const uint8_t *p, size_t n);
	void (*on_message)(void *ctx, const struct peer_msg *m);
	void (*on_state)(void *ctx, enum peer_state from, enum peer_state to, const char *reason);
	void (*connect)(void *ctx);
};

/* ---------------------------------------------------------------- lifecycle */

/*
 * peer_new() - a session in Idle.  Checks @opts (LO_EINVAL with text in
 * @err: zero ASN or router id, hold time 1 or 2, a 4-octet local ASN without
 * PEER_CAP_AS4, no send callback).  Free with peer_free().
 */
int peer_new(struct peer **out, const struct peer_opts *opts, const struct peer_cbs *cbs,
	     struct lo_err *err);

/*
 * peer_free() - free @p (NULL is fine); not from a callback.  Sends
 * nothing: call peer_close() first for a clean end.
 */
void peer_free(struct peer *p);

/*
 * peer_start() - ManualStart / AutomaticStart (RFC 4271 §8.1.2): Idle to
 * Active (passive) or Connect (the connect callback fires).  No-op in any
 * other state.  Returns 0 or LO_EINVAL (inside a callback).
 */
int peer_start(struct peer *p, int64_t now);

/*
 * peer_connected() - the TCP connection to the neighbor is up (accepted or
 * connected): the session sends its OPEN and enters OpenSent.  Allowed in
 * Connect and Active.  In Established with a peer that advertised graceful
 * restart, the new connection replaces the old one (RFC 4724 §4.2: the old
 * session counts as lost; the caller closes the old socket).  Otherwise
 * returns LO_EAGAIN (Idle: refuse the connection) or LO_EINVAL (a
 * connection is already in use: refuse the new one).
 */
int peer_connected(struct peer *p, int64_t now);

/*
 * peer_input() - bytes read from the connection, in any split.  Messages
 * are framed (marker, length up to 4096 or 65535 with extended messages),
 * checked and handed to on_message, and the FSM acts on them.  Returns 0
 * while the connection stays up, LO_ECORRUPT when this input ended the
 * session (an error found, a NOTIFICATION received: on_state said why), or
 * LO_EINVAL when there is no connection (or inside a callback).  Bytes
 * after a message that ended the session are ignored.
 */
int peer_input(struct peer *p, const void *buf, size_t len, int64_t now);

/*
 * peer_tick() - run the timers due at @now: ConnectRetry, idle hold (the
 * automatic restart), the hold timer (NOTIFICATION "hold timer expired",
 * also while waiting for the OPEN or in OpenConfirm) and the keepalive
 * timer (hold time / 3).  Call it at peer_next_deadline() or any time
 * earlier; returns 0 or LO_EINVAL (inside a callback).
 */
int peer_tick(struct peer *p, int64_t now);

/* peer_next_deadline() - when peer_tick() has work next; INT64_MAX if never. */
int64_t peer_next_deadline(const struct peer *p);

/*
 * peer_close() - stop the session (ManualStop): when a connection is up a
 * Cease NOTIFICATION with @subcode is sent, with @text (may be NULL) as
 * the RFC 9003 shutdown communication for administrative shutdown and
 * reset (cut at 255 bytes on a UTF-8 boundary).  The session goes Idle; it
 * restarts by itself after the idle hold time unless @subcode is
 * PEER_CEASE_ADMIN_SHUTDOWN or PEER_CEASE_DECONFIGURED (then only
 * peer_start() restarts it).  Returns 0 or LO_EINVAL.
 */
int peer_close(struct peer *p, enum peer_cease subcode, const char *text, int64_t now);

/* peer_tcp_lost() - the connection failed or the peer closed it. */
int peer_tcp_lost(struct peer *p, int64_t now);

/*
 * peer_send_update() - frame the UPDATE body @body (everything after the
 * 19-byte header) and send it.  Only in Established; LO_ETOOBIG when the
 * message would exceed the negotiated maximum.  The session itself only
 * sends End-of-RIB markers (when graceful restart was negotiated); routes
 * (blackholes) are for a later issue.
 */
int peer_send_update(struct peer *p, const uint8_t *body, size_t len, int64_t now);

/* ---------------------------------------------------------------- queries */

enum peer_state peer_state(const struct peer *p);
const struct peer_opts *peer_opts_get(const struct peer *p);

/*
 * struct peer_gr_afi - one address family of a graceful restart capability.
 * @forwarding: the F bit (forwarding state preserved)
 */
struct peer_gr_afi {
	uint16_t afi;
	uint8_t safi;
	bool forwarding;
};

/*
 * struct peer_neg - what the peer's OPEN said and what was negotiated.
 * Valid from OpenConfirm on; kept after the session ends until the next
 * connection.  @caps borrow the session's copy of the OPEN.
 * @peer_asn:     the peer's ASN (from the 4-octet AS capability if present)
 * @peer_id:      its BGP identifier
 * @peer_hold:    the hold time it proposed; @hold the one in use (the
 *                smaller), @keepalive = @hold / 3 (seconds)
 * @as4:          both sides support 4-octet ASNs; @asn_size is 4 then, else 2
 * @ipv4/@ipv6:   unicast negotiated (IPv4 also when the peer sent no
 *                multiprotocol capability at all, RFC 4760 §8)
 * @addpath_ipv4/6: the peer sends us path ids (we offered receive, it
 *                offered send)
 * @ext_msg:      both sides offered extended messages; @max_msg is the
 *                largest UPDATE / NOTIFICATION / ROUTE-REFRESH accepted
 * @route_refresh, @enh_refresh: the peer offered them
 * @gr:           the peer advertised graceful restart (@gr_flags: the 4
 *                flag bits, R = 0x8, N = 0x4; @gr_time seconds; @gr_afi)
 * @ibgp:         peer ASN == local ASN
 */
struct peer_neg {
	uint32_t peer_asn;
	uint8_t peer_id[4];
	uint16_t peer_hold, hold, keepalive;
	bool as4;
	uint8_t asn_size;
	bool ipv4, ipv6;
	bool addpath_ipv4, addpath_ipv6;
	bool ext_msg;
	uint32_t max_msg;
	bool route_refresh, enh_refresh;
	bool gr;
	uint8_t gr_flags;
	uint16_t gr_time;
	uint8_t n_gr_afi;
	struct peer_gr_afi gr_afi[PEER_MAX_GR_AFI];
	bool ibgp;
	uint8_t n_caps;
	uint16_t dropped_caps;
	struct bgp_cap caps[PEER_MAX_CAPS];
};

/* peer_negotiated() - NULL before the first OPEN was accepted. */
const struct peer_neg *peer_negotiated(const struct peer *p);

/* peer_update_ctx_get() - the context peer_update_check() uses for this session. */
void peer_update_ctx_get(const struct peer *p, struct peer_update_ctx *ctx);

/*
 * struct peer_gr_state - a graceful restart in progress (RFC 4724 §4.2).
 * Set when an Established session whose peer advertised graceful restart
 * (with at least one address family) ends without a NOTIFICATION (TCP
 * lost, or replaced by a new connection).  The consumer may keep the
 * peer's routes of @afi as stale until @until (ms, the peer's restart time)
 * or, after the next Established, until an End-of-RIB for the family
 * (peer_update_info.eor) — families missing from the new capability, or
 * without the F bit, are flushed at once.  Cleared at the next session
 * loss without restart, or by peer_start() after peer_close().
 */
struct peer_gr_state {
	bool restarting;
	int64_t until;
	uint8_t n_afi;
	struct peer_gr_afi afi[PEER_MAX_GR_AFI];
};
const struct peer_gr_state *peer_gr(const struct peer *p);

/*
 * struct peer_stats - counters.  The first group counts the current (or
 * last) connection and restarts at peer_connected(); the totals count the
 * session's whole life.
 * @rx_msgs, @tx_msgs: by message type 1..5 (index 0: other)
 * @updates:  received UPDATEs by verdict (enum peer_verdict)
 * @rx_prefixes, @rx_withdrawn: prefixes announced / withdrawn in UPDATEs
 *            (as counted by peer_update_check)
 * @last_sent_code/subcode, @last_rcvd_code/subcode: the last NOTIFICATION
 *            sent / received (0 = none)
 */
struct peer_stats {
	uint64_t rx_msgs[6], tx_msgs[6];
	uint64_t rx_bytes, tx_bytes;
	uint64_t updates[PEER_VERDICTS];
	uint64_t rx_prefixes, rx_withdrawn;
	uint64_t eor;
	/* totals */
	uint64_t connections;
	uint64_t established;
	uint64_t total_updates[PEER_VERDICTS];
	uint8_t last_sent_code, last_sent_subcode;
	uint8_t last_rcvd_code, last_rcvd_subcode;
};
const struct peer_stats *peer_stats_get(const struct peer *p);

/* peer_last_reason() - the reason of the last state change ("" at first). */
const char *peer_last_reason(const struct peer *p);

#endif
