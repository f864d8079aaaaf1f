/*
 * DOC: probe — active probing: are the hosts, blocks and websites answering?
 *
 * Two halves, as in src/flow:
 * - sans-I/O parts, unit-tested and fuzzed alone: target specs
 *   (probe_target_parse), ICMP echo and DNS messages (build and parse),
 *   the Trinocular-style belief of a /24 block (probe_block_*) and the
 *   global token bucket (probe_rate_*);
 * - the engine (struct prober), on a libevent loop: ICMP echo over raw
 *   sockets (or unprivileged ping sockets), TCP connect, HTTP(S) GET through
 *   libcurl's multi interface, DNS over UDP; timeouts, retries, and one
 *   hard cap on probes per second for the whole process.
 *
 * Safety: the engine probes only the targets it is given; it refuses
 * unspecified, broadcast, multicast and reserved (240/4) addresses
 * (probe_addr_allowed), never sets SO_BROADCAST (so the kernel refuses a
 * subnet's broadcast address too), skips .0 and .255 of block probing and
 * never follows HTTP redirects (a redirect answers the check; its target is
 * not probed).
 *
 * Times are microseconds of CLOCK_MONOTONIC unless named otherwise.
 */
#ifndef LO_PROBE_H
#define LO_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "lib/lib.h"

/* ================================================================ targets */

enum probe_kind {
	PROBE_ICMP = 1, /* icmp:ADDR */
	PROBE_TCP,	/* tcp:ADDR:PORT, tcp:[V6]:PORT */
	PROBE_HTTP,	/* http://... or https://... (the URL as written) */
	PROBE_DNS,	/* dns:ADDR[/NAME], dns:ADDR:PORT[/NAME], dns:[V6]:PORT[/NAME] */
	PROBE_BLOCK,	/* block:PREFIX: IPv4, /16 to /32 (its /24 blocks, at most 256) */
};

#define PROBE_URL_MAX	2048
#define PROBE_QNAME_MAX 253 /* a DNS name in text, without the final dot */

/*
 * struct probe_target - a parsed target spec.
 * @addr, @port: ICMP/TCP/DNS (DNS port default 53)
 * @url:    HTTP(S) only: the URL as written, NUL-terminated
 * @qname:  DNS only: the name asked for (type A; "." asks the root's SOA);
 *          default "."
 * @block:  PROBE_BLOCK only
 */
struct probe_target {
	enum probe_kind kind;
	struct bgp_addr addr;
	uint16_t port;
	struct bgp_prefix block;
	char qname[PROBE_QNAME_MAX + 2];
	char url[PROBE_URL_MAX + 1];
};

/*
 * probe_target_parse() - @spec into @t; 0, or LO_EINVAL with the reason in
 * @why (a sentence naming the accepted forms).  Addresses that
 * probe_addr_allowed() refuses are refused here too.
 */
int probe_target_parse(const char *spec, struct probe_target *t, char *why, size_t cap);

/* probe_kind_name() - "icmp", "tcp", "http", "dns", "block" or "?". */
const char *probe_kind_name(enum probe_kind k);

/*
 * probe_addr_allowed() - false for addresses never probed: unspecified
 * (0.0.0.0/8, ::), limited broadcast 255.255.255.255, multicast (224/4,
 * ff00::/8) and reserved 240/4.  @why gets the reason when false (may be NULL).
 */
bool probe_addr_allowed(const struct bgp_addr *a, const char **why);

/* ================================================================ ICMP echo */

/*
 * probe_icmp_echo() - an echo request (ICMP type 8, or ICMPv6 type 128 for
 * @family 6) with @id, @seq and @payload into @buf; returns its length, or
 * LO_ETOOBIG when @cap is too small.  The IPv4 checksum is computed; the
 * ICMPv6 one is left 0 (the kernel fills it on raw and ping sockets).
 * LO_EINVAL for a @family other than 4 or 6, or a NULL @payload with a length.
 */
int probe_icmp_echo(uint8_t *buf, size_t cap, int family, uint16_t id, uint16_t seq,
		    const void *payload, size_t plen);

enum probe_icmp_type {
	PROBE_ICMP_REPLY = 1, /* echo reply: @id, @seq from the reply */
	PROBE_ICMP_UNREACH,   /* destination unreachable (or time exceeded) quoting
				  * an echo request of ours: @id, @seq from the quote,
				  * @dst its destination */
	PROBE_ICMP_OTHER,     /* anything else (an echo request, a redirect ...) */
};

/*
 * struct probe_icmp_msg - what probe_icmp_parse() found.
 * @src:  the source of the packet (from its IP header when @with_ip)
 * @dst:  for PROBE_ICMP_UNREACH, the destination of the quoted request
 * @code: the ICMP code (unreachable: which)
 */
struct probe_icmp_msg {
	enum probe_icmp_type type;
	uint16_t id, seq;
	uint8_t icmp_type, code;
	struct bgp_addr src, dst;
};

/*
 * probe_icmp_parse() - one packet read from an ICMP socket of @family.
 * @with_ip: the packet starts with its IPv4 header (IPv4 raw sockets);
 * IPv6 raw and ping sockets give the ICMP message alone.  Returns 0, or
 * LO_ETRUNC / LO_ECORRUPT for a packet too short or malformed (a bad IPv4
 * header, an ICMPv4 checksum that does not add up); LO_EINVAL for a
 * @family other than 4 or 6, or @with_ip for IPv6.
 */
int probe_icmp_parse(const uint8_t *pkt, size_t len, int family, bool with_ip,
		     struct probe_icmp_msg *out);

/* ================================================================ DNS */

/*
 * probe_dns_query() - a standard query (RD set) for @qname, type A (SOA when
 * @qname is "."), class IN, with @id, into @buf; its length, or LO_EINVAL
 * (a bad name: an empty label, a label over 63 bytes, over 253 in all) or
 * LO_ETOOBIG.
 */
int probe_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *qname);

/*
 * struct probe_dns_reply - a parsed response.
 * @rcode:   RCODE (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED ...)
 * @answers: resource records in the answer section (all of them walked)
 * @aa, @tc: flags
 */
struct probe_dns_reply {
	uint16_t id;
	uint8_t rcode;
	bool aa, tc;
	uint16_t answers;
};

/*
 * probe_dns_parse() - a response to a query for @qname: 0, LO_ETRUNC or
 * LO_ECORRUPT (not a response, not one question, another question than
 * @qname, a name that loops or runs past the message, records that do not
 * fit).  An error response (RCODE not 0) without its question is accepted
 * (some servers send FORMERR or REFUSED so): only its ID can match it.
 * Compression pointers are followed at most 64 times per name.
 */
int probe_dns_parse(const uint8_t *msg, size_t len, const char *qname, struct probe_dns_reply *out);

/* ================================================================ rate */

/*
 * struct probe_rate - a token bucket: at most @rate probes per second on
 * average and @burst at once.  The engine takes one token per packet (an
 * ICMP echo, a TCP SYN, a DNS query, an HTTP request).
 */
struct probe_rate {
	double rate, burst, tokens;
	int64_t last_us;
};

void probe_rate_init(struct probe_rate *r, double rate, double burst, int64_t now_us);
/* probe_rate_take() - take one token at @now_us: true, or false when empty. */
bool probe_rate_take(struct probe_rate *r, int64_t now_us);
/* probe_rate_wait() - microseconds from @now_us until a token is there (0: now). */
int64_t probe_rate_wait(const struct probe_rate *r, int64_t now_us);

/* ================================================================ block belief */

/*
 * Trinocular (Quan, Heidemann, Pradkin, SIGCOMM 2013), as here:
 * - E(b): the block's ever-responsive addresses, found by a sweep of all
 *   its addresses (1..254) and refreshed by later sweeps;
 * - A: the share of E(b) that answers while the block is up, learnt from
 *   probes answered or not while the block is up and B >= @up before them
 *   (a moving average), kept within [a_min, a_max];
 * - B: the belief that the block is up, updated by Bayes' rule after each
 *   probe: an answer is likely A when up and @p_false when down; silence
 *   1 - A and 1 - @p_false.  B stays within [b_floor, 1 - b_floor];
 * - each round probes one address of E(b) (in a shuffled order); while B is
 *   between @down and @up, or says otherwise than the state, it probes
 *   again, up to @max_probes in the round;
 * - the state turns up once B >= @up, down once B <= @down.
 * Blocks whose E(b) is empty are unmeasurable: they are not counted up or
 * down.
 */
struct probe_block_opts {
	double up, down;     /* belief thresholds, default 0.9 and 0.1 */
	double p_false;	     /* an answer from a down block, default 0.01 */
	double a_min, a_max; /* default 0.1 and 0.95 */
	double a_alpha;	     /* weight of a new probe in A, default 0.05 */
	double b_floor;	     /* default 0.01 */
	unsigned max_probes; /* per round, default 15 */
};

void probe_block_opts_default(struct probe_block_opts *o);

enum probe_block_state { PROBE_BLOCK_UNKNOWN, PROBE_BLOCK_UP, PROBE_BLOCK_DOWN };

/*
 * struct probe_block - one /24.  @base: its first address (host order);
 * @ever: a bitmap of E(b) by last octet; @order: E(b) shuffled, @n_ever of
 * them; @next: the next one to probe.
 */
struct probe_block {
	uint32_t base;
	uint8_t ever[32];
	uint8_t order[256];
	unsigned n_ever, next;
	double a, belief;
	enum probe_block_state state;
	unsigned round_probes; /* probes sent in the current round */
	bool round_open;
	uint64_t probes, answers; /* in all */
	uint64_t seed;
	struct probe_block_opts o;
};

/* probe_block_init() - block @base (host order, low 8 bits ignored), E(b) empty, state unknown. */
void probe_block_init(struct probe_block *b, uint32_t base, const struct probe_block_opts *o,
		      uint64_t seed);

/*
 * probe_block_set_ever() - E(b) := the addresses of @bitmap (last octet i
 * is bit i % 8, low bit first, of byte i / 8; .0 and .255 are ignored); A starts at a_max when
 * E(b) was empty, B at 0.5 while the state is unknown.
 */
void probe_block_set_ever(struct probe_block *b, const uint8_t bitmap[32]);

/* probe_block_measurable() - E(b) is not empty. */
bool probe_block_measurable(const struct probe_block *b);

/* probe_block_round() - start a round: its first probe may go. */
void probe_block_round(struct probe_block *b);

/*
 * probe_block_next() - the address (host order) the round should probe
 * now: 1 with *@addr, or 0 when the round is over (the belief is
 * confident and agrees with the state, or max_probes went out, or the
 * block is not measurable).
 */
int probe_block_next(struct probe_block *b, uint32_t *addr);

/*
 * probe_block_result() - the probe of @addr was answered or not.  Updates
 * A (only while the state is up) and B; returns the new state when it
 * changed, else -1.
 */
int probe_block_result(struct probe_block *b, uint32_t addr, bool answered);

/* ================================================================ engine */

struct event_base;
struct prober;

/*
 * struct prober_opts - engine settings.
 * @rate:        probes per second at most, for the whole process (default 100)
 * @burst:       at once (default 20; at least 10 ms worth of @rate, since
 *               the loop's clock moves in jiffies)
 * @max_pending: checks in flight at most; more are queued (default 1024)
 * @max_queued:  checks waiting at most; more fail with PROBE_ERR_BUSY
 *               (default 65536)
 * @http_body_max: bytes of an HTTP body kept for the content check
 *               (default 1 MiB; the rest is read and dropped)
 */
struct prober_opts {
	double rate, burst;
	unsigned max_pending, max_queued;
	size_t http_body_max;
};

void prober_opts_default(struct prober_opts *o);

/*
 * struct probe_check - what one check asks.
 * @timeout_ms: per attempt (default 2000)
 * @retries:    attempts after the first that failed (default 2)
 * @expect:     HTTP: text the body must contain (NULL: none)
 * @expect_status: HTTP: the status required (0: any 2xx or 3xx)
 */
struct probe_check {
	const struct probe_target *target; /* ICMP, TCP, HTTP, DNS (not BLOCK) */
	unsigned timeout_ms;
	unsigned retries;
	const char *expect;
	unsigned expect_status;
};

enum probe_why {
	PROBE_OK = 0,
	PROBE_TIMEOUT,	   /* no answer within the timeout (every attempt) */
	PROBE_REFUSED,	   /* TCP: RST (the host is there, the port is closed) */
	PROBE_UNREACHABLE, /* an ICMP unreachable / EHOSTUNREACH / ENETUNREACH */
	PROBE_HTTP_STATUS, /* the status was not the one expected */
	PROBE_CONTENT,	   /* the body lacks the expected text */
	PROBE_DNS_RCODE,   /* a DNS answer, but not NOERROR or NXDOMAIN */
	PROBE_ERROR,	   /* anything else: TLS, a malformed answer, a local error */
	PROBE_ERR_BUSY,	   /* the queue was full: not probed */
	PROBE_ERR_REFUSED, /* the address may not be probed (probe_addr_allowed) */
};

/* probe_why_name() - "ok", "timeout", "refused", ... */
const char *probe_why_name(enum probe_why w);

/*
 * struct probe_result - the outcome of a check.
 * @sent_wall, @done_wall: unix time (seconds, with microseconds) of the
 *              first attempt and of the outcome
 * @rtt_ms:     of the attempt that answered (<0 when none did)
 * @status:     HTTP status, DNS RCODE, ICMP unreachable code (else 0)
 * @detail:     a short human text ("connection refused", "HTTP 503",
 *              "body lacks \"KCNA\"", "SERVFAIL" ...)
 */
struct probe_result {
	bool up;
	enum probe_why why;
	unsigned attempts;
	double rtt_ms;
	int status;
	double sent_wall, done_wall;
	char detail[160];
};

typedef void (*probe_cb)(void *ctx, const struct probe_result *r);

/*
 * prober_new() - an engine on @base.  Opens the ICMP sockets lazily (raw
 * when permitted, else ping sockets; neither: ICMP checks fail with
 * PROBE_ERROR "no ICMP socket").  NULL with @err on failure.
 */
struct prober *prober_new(struct event_base *base, const struct prober_opts *o, struct lo_err *err);

/*
 * prober_free() - cancel everything in flight (no callbacks) and free.
 * NULL is fine.
 */
void prober_free(struct prober *p);

/*
 * prober_check() - start check @c (copied, with its target; @c->expect
 * too); @cb(@ctx, result) is called once, from the loop, never from within
 * prober_check().  0, or LO_EINVAL (a BLOCK target) / LO_ENOMEM.
 */
int prober_check(struct prober *p, const struct probe_check *c, probe_cb cb, void *ctx);

/*
 * prober_echo() - one ICMP echo to @a (no retries) for block probing:
 * @cb gets up (answered) or not within @timeout_ms.
 */
int prober_echo(struct prober *p, const struct bgp_addr *a, unsigned timeout_ms, probe_cb cb,
		void *ctx);

struct prober_stats {
	uint64_t checks, up, down;
	uint64_t sent;		    /* packets / requests sent */
	uint64_t rate_waits;	    /* times a probe waited for the rate cap */
	uint64_t busy;		    /* checks refused: the queue was full */
	uint64_t icmp_in, icmp_bad; /* ICMP packets read, malformed ones */
	uint64_t icmp_stray;	    /* well-formed but not ours */
	uint64_t dns_bad;	    /* malformed or mismatched DNS answers */
	unsigned pending, queued;
};

void prober_stats(const struct prober *p, struct prober_stats *out);

/* ================================================================ block runner */

/*
 * struct probe_blockset - the /24 blocks of one block:PREFIX target, probed
 * through a prober: the first round (and one every @sweep_s seconds) sweeps
 * every address .1 to .254 of each block to find E(b); every round then
 * runs the belief rounds of all blocks (probe_block_*), one probe in flight
 * per block at a time.
 * @timeout_ms: per echo (default 1500)
 * @sweep_s:    seconds between sweeps (default 86400)
 */
struct probe_blockset_opts {
	unsigned timeout_ms;
	unsigned sweep_s;
	struct probe_block_opts block;
	/* on_change - block @i (of probe_blockset_block()) went from @old to its
	 * state now, decided by a probe answered (or timed out) at @wall (unix
	 * seconds); @probes: the probes of this round so far */
	void (*on_change)(void *ctx, size_t i, const struct probe_block *b,
			  enum probe_block_state old, double wall, unsigned probes);
	/* on_round - every block's round ended (after the sweep, if any) */
	void (*on_round)(void *ctx);
	void *ctx;
};

void probe_blockset_opts_default(struct probe_blockset_opts *o);

struct probe_blockset;

/* probe_blockset_new() - the blocks of @prefix (IPv4, /16../32); NULL with @err. */
struct probe_blockset *probe_blockset_new(struct prober *p, const struct bgp_prefix *prefix,
					  const struct probe_blockset_opts *o, struct lo_err *err);
void probe_blockset_free(struct probe_blockset *s);

/*
 * probe_blockset_round() - start a round now (a sweep first when one is
 * due).  A round still running is left to finish: returns LO_EAGAIN.
 */
int probe_blockset_round(struct probe_blockset *s);

bool probe_blockset_busy(const struct probe_blockset *s);
size_t probe_blockset_count(const struct probe_blockset *s);
const struct probe_block *probe_blockset_block(const struct probe_blockset *s, size_t i);
/* probe_blockset_up() - blocks up now; *@measurable (may be NULL) those counted at all. */
unsigned probe_blockset_up(const struct probe_blockset *s, unsigned *measurable);

#endif
