/*
 * DOC: peer internals — the session structure and the helpers the files of
 * src/peer share.  Private to this folder.
 */
#ifndef LO_PEER_INT_H
#define LO_PEER_INT_H

#include "peer/peer.h"

#include <string.h>

/* Capability codes (IANA "Capability Codes"). */
enum {
	CAP_MP = 1,
	CAP_ROUTE_REFRESH = 2,
	CAP_EXT_NEXTHOP = 5,
	CAP_EXT_MESSAGE = 6,
	CAP_GR = 64,
	CAP_AS4 = 65,
	CAP_ADDPATH = 69,
	CAP_ENH_REFRESH = 70,
	CAP_ROUTE_REFRESH_OLD = 128,
};

/* A NOTIFICATION to send: code, subcode and up to 64 bytes of data. */
struct peer_notif {
	uint8_t code, subcode;
	uint16_t len;
	uint8_t data[64];
};

/* Timer indices; a deadline of INT64_MAX is off. */
enum peer_timer {
	T_CONNECT_RETRY, /* Connect / Active (active sessions) */
	T_IDLE_HOLD,	 /* Idle: automatic restart */
	T_HOLD,		 /* OpenSent (open wait), OpenConfirm, Established */
	T_KEEPALIVE,	 /* OpenConfirm, Established */
	T_COUNT
};

struct peer {
	struct peer_opts opts;
	struct peer_cbs cbs;
	enum peer_state state;
	bool stopped;		/* ManualStop: no automatic restart */
	bool in_cb;		/* inside a callback: acting calls are refused */
	bool have_neg;		/* neg is valid */
	bool ended;		/* the current peer_input() call ended the session */
	bool send_failed;	/* a send() callback failed */
	bool gr_pending;	/* the session ending now is a graceful restart */
	uint32_t idle_hold_cur; /* current idle hold (doubles on failures) */
	int64_t timer[T_COUNT];

	/* framing: a partial message */
	uint8_t rx[PEER_MAX_MSG];
	uint8_t *rx_big; /* PEER_MAX_EXT_MSG bytes once extended messages are on */
	size_t rx_len;
	uint32_t max_msg; /* current cap for UPDATE/NOTIFICATION/ROUTE-REFRESH */

	/* the peer's OPEN, which neg.caps borrow */
	uint8_t open_rx[PEER_MAX_MSG];
	size_t open_rx_len;
	struct peer_neg neg;
	struct peer_gr_state gr;

	struct peer_stats stats;
	struct peer_update_info upd; /* the last UPDATE's classification */
	char reason[384];
};

/* open.c */
size_t peer_open_build(const struct peer *p, uint8_t *out, size_t cap);
/*
 * peer_open_check() - validate the peer's OPEN @msg (whole message) and fill
 * @neg.  Returns 0, or fills @n (the NOTIFICATION to send) and @why (text)
 * and returns LO_ECORRUPT.
 */
int peer_open_check(const struct peer *p, const uint8_t *msg, size_t len, struct peer_neg *neg,
		    struct peer_notif *n, char *why, size_t why_len);

/* notify.c */
size_t peer_notif_build(const struct peer_notif *n, uint8_t *out, size_t cap);
void peer_notif_set(struct peer_notif *n, uint8_t code, uint8_t subcode, const void *data,
		    size_t len);
/* peer_shutdown_encode() - RFC 9003 data (length octet + UTF-8 text, <= 255) into @out[256]. */
size_t peer_shutdown_encode(const char *text, uint8_t *out);

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* peer_hdr() - write a message header (marker, @len, @type) at @out. */
static inline void peer_hdr(uint8_t *out, size_t len, uint8_t type)
{
	memset(out, 0xff, 16);
	put16(out + 16, (uint16_t)len);
	out[18] = type;
}

#endif
