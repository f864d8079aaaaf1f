/*
 * DOC: bgp — BGP message codec: path attributes, NLRI and address text.
 *
 * Implements the parts of RFC 4271 (UPDATE, attributes), RFC 4760
 * (MP_REACH/MP_UNREACH), RFC 6793 (4-byte ASNs, AS4_PATH/AS4_AGGREGATOR
 * merge), RFC 7911 (ADD-PATH path identifiers), RFC 1997/4360/8092
 * (communities) that a route collector needs.  Parsing never trusts a
 * length: everything goes through struct cur.  Parsed attributes borrow
 * the message bytes; nothing here allocates.
 *
 * Error handling follows RFC 7606 in spirit: a malformed attribute is
 * recorded in struct bgp_attrs.errors (with its offset) and skipped; the
 * rest of the attribute list is still used when its framing is intact.
 *
 * Not here: the session FSM (a later issue), OPEN capability negotiation.
 */
#ifndef LO_BGP_H
#define LO_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"

/* ---------------------------------------------------------------- constants */

enum bgp_afi { BGP_AFI_IP = 1, BGP_AFI_IP6 = 2 };
enum bgp_safi { BGP_SAFI_UNICAST = 1, BGP_SAFI_MULTICAST = 2, BGP_SAFI_BOTH = 3 };

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5,
};

enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_ORIGINATOR_ID = 9,
	BGP_ATTR_CLUSTER_LIST = 10,
	BGP_ATTR_MP_REACH = 14,
	BGP_ATTR_MP_UNREACH = 15,
	BGP_ATTR_EXT_COMMUNITIES = 16,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_LARGE_COMMUNITIES = 32,
};

#define BGP_ATTR_FLAG_OPTIONAL	 0x80
#define BGP_ATTR_FLAG_TRANSITIVE 0x40
#define BGP_ATTR_FLAG_PARTIAL	 0x20
#define BGP_ATTR_FLAG_EXTLEN	 0x10

#define BGP_AS_SET	       1
#define BGP_AS_SEQUENCE	       2
#define BGP_AS_CONFED_SEQUENCE 3
#define BGP_AS_CONFED_SET      4
#define BGP_AS_TRANS	       23456

/* Hard caps on what one message may make us hold. */
#define BGP_MAX_UNKNOWN_ATTRS 16
#define BGP_MAX_ERRORS	      4

/* ---------------------------------------------------------------- addresses */

/*
 * struct bgp_addr - an IPv4 or IPv6 address in network byte order.
 * IPv4 uses the first 4 bytes; the rest are zero.
 */
struct bgp_addr {
	uint8_t family; /* 4 or 6; 0 = none */
	uint8_t b[16];
};

/*
 * struct bgp_prefix - a route prefix.  Host bits beyond @len are zero
 * (masked when parsed: RFC 4271 says trailing bits are irrelevant).
 */
struct bgp_prefix {
	struct bgp_addr addr;
	uint8_t len;
	bool has_path_id;
	uint32_t path_id;
};

/* Text forms.  Buffers must hold BGP_ADDR_STRLEN bytes; return the length. */
#define BGP_ADDR_STRLEN 48
size_t bgp_fmt_ipv4(const uint8_t b[4], char *out);
/* bgp_fmt_ipv6() - the form bgpdump prints (also compresses single zero groups). */
size_t bgp_fmt_ipv6(const uint8_t b[16], char *out);
size_t bgp_fmt_addr(const struct bgp_addr *a, char *out);
/* bgp_fmt_u32() - decimal, no NUL; returns length (at most 10). */
size_t bgp_fmt_u32(uint32_t v, char *out);

/* ---------------------------------------------------------------- NLRI */

/*
 * struct bgp_nlri - an undecoded NLRI list (withdrawn routes, NLRI, or the
 * prefixes of MP_REACH/MP_UNREACH), borrowed from the message.
 */
struct bgp_nlri {
	const uint8_t *p;
	uint32_t len;
	uint8_t family; /* 4 or 6 */
	bool addpath;	/* each prefix preceded by a 4-byte path id (RFC 7911) */
};

/*
 * bgp_nlri_next() - decode the next prefix from @c (a cursor over an NLRI
 * list).  Returns 1 and fills @out, 0 at the end, LO_ECORRUPT for a prefix
 * length beyond the family's maximum, or LO_ETRUNC when the list ends
 * inside a prefix.
 */
int bgp_nlri_next(struct cur *c, uint8_t family, bool addpath, struct bgp_prefix *out);

/* ---------------------------------------------------------------- attributes */

/* One MP_REACH_NLRI or MP_UNREACH_NLRI (RFC 4760). */
struct bgp_mp {
	bool present;
	uint16_t afi;
	uint8_t safi;
	uint8_t nh_len; /* next-hop length as sent (4, 16, 32, ...) */
	uint8_t nh[32]; /* next hop bytes (global, then link-local) */
	struct bgp_nlri nlri;
};

struct bgp_raw_attr {
	uint8_t flags;
	uint8_t type;
	uint16_t len;
	const uint8_t *data;
};

struct bgp_attr_error {
	uint8_t type;
	uint32_t offset; /* offset of the attribute within the attribute block */
	int code;	 /* LO_E* */
};

/*
 * struct bgp_attrs - the parsed path attributes of one UPDATE or RIB entry.
 * All pointers borrow the input buffer.
 *
 * @seen:      bit (type-1) set for every attribute type 1..32 that was
 *             present and well framed (bgpdump's notion of "present")
 * @asn_size:  2 or 4, the AS number size of @as_path and @aggregator
 * @as_path:   raw AS_PATH segments; when @as4_path was merged (RFC 6793 §4.2.3)
 *             @as_path points into @merged and @asn_size is 4
 * @mp_reach / @mp_unreach: indexed [afi][safi] for afi 1..2, safi 1..3
 * @mp_abbrev: MRT RIB entries carry an abbreviated MP_REACH holding only the
 *             next hop (RFC 6396 §4.3.4); it is stored in mp_reach[2][1]
 *             like bgpdump does, and this flag is set.
 */
struct bgp_attrs {
	uint32_t seen;
	uint8_t asn_size;
	int16_t origin; /* -1 when absent */
	const uint8_t *as_path;
	uint16_t as_path_len;
	const uint8_t *as4_path;
	uint16_t as4_path_len;
	uint8_t next_hop[4];
	uint32_t med;
	uint32_t local_pref;
	bool has_aggregator;
	uint32_t aggregator_as;
	uint8_t aggregator_addr[4];
	bool has_as4_aggregator;
	uint32_t as4_aggregator_as;
	uint8_t as4_aggregator_addr[4];
	const uint8_t *communities;
	uint16_t communities_len;
	const uint8_t *ext_communities;
	uint16_t ext_communities_len;
	const uint8_t *large_communities;
	uint16_t large_communities_len;
	bool has_originator_id;
	uint8_t originator_id[4];
	const uint8_t *cluster_list;
	uint16_t cluster_list_len;
	struct bgp_mp mp_reach[3][4];
	struct bgp_mp mp_unreach[3][4];
	bool mp_abbrev;
	uint8_t n_unknown;
	struct bgp_raw_attr unknown[BGP_MAX_UNKNOWN_ATTRS];
	uint8_t n_errors;
	uint16_t dropped_unknown; /* unknown attributes beyond the cap */
	struct bgp_attr_error errors[BGP_MAX_ERRORS];
	uint32_t n_errors_total;
	/* storage for an AS_PATH rebuilt from AS_PATH + AS4_PATH */
	uint8_t *merged;
	uint32_t merged_len;
	uint32_t merged_cap;
};

static inline bool bgp_attr_seen(const struct bgp_attrs *a, unsigned type)
{
	return type >= 1 && type <= 32 && (a->seen >> (type - 1)) & 1;
}

/* Options for bgp_attrs_parse(). */
#define BGP_PARSE_ADDPATH 0x1 /* NLRI inside MP attributes carry path ids */
#define BGP_PARSE_MRT_RIB 0x2 /* allow the abbreviated MP_REACH of MRT RIBs */

/*
 * bgp_attrs_parse() - parse an attribute block of @len bytes at @p.
 * @asn_size: 2 or 4 (AS_PATH / AGGREGATOR encoding of the session)
 * @merge_buf: scratch for the RFC 6793 merge, at least 2 * @len + 16 bytes,
 *             or NULL to skip merging
 * Returns 0, or LO_ECORRUPT when the block's framing is broken (attributes
 * before the break are kept).  Per-attribute problems are listed in
 * @a->errors and do not fail the call.
 */
int bgp_attrs_parse(struct bgp_attrs *a, const uint8_t *p, size_t len, unsigned asn_size,
		    unsigned opts, uint8_t *merge_buf, size_t merge_cap);

/*
 * bgp_aspath_fmt() - write an AS path as text the way bgpdump does:
 * sequences space separated, sets as {a,b}, confederations as (a b) / [a,b];
 * "! Error !" for a malformed path.  Returns the length written (no NUL), at
 * most @cap - 1.  @cap must be at least 8192.
 */
size_t bgp_aspath_fmt(const uint8_t *p, size_t len, unsigned asn_size, char *out, size_t cap);

/* bgp_aspath_count() - path length as RFC 4271 counts it (a set counts 1); -1 if malformed. */
int bgp_aspath_count(const uint8_t *p, size_t len, unsigned asn_size);

/* bgp_aspath_origin() - the last AS of the path (0 if none / ends in a set). */
uint32_t bgp_aspath_origin(const uint8_t *p, size_t len, unsigned asn_size);

/* ---------------------------------------------------------------- messages */

#define BGP_MAX_CAPS 32

/* struct bgp_cap - one capability of an OPEN (RFC 5492), borrowed value. */
struct bgp_cap {
	uint8_t code;
	uint8_t len;
	const uint8_t *value;
};

/*
 * struct bgp_open - a decoded OPEN (RFC 4271 §4.2, RFC 5492, RFC 9072
 * extended optional parameters).  @asn is the 4-byte AS from the capability
 * (RFC 6793) when present, else @my_as.
 */
struct bgp_open {
	uint8_t version;
	uint16_t my_as;
	uint16_t hold_time;
	uint8_t bgp_id[4];
	uint32_t asn;
	bool as4;	    /* 4-byte AS capability present */
	bool addpath_rx;    /* ADD-PATH (RFC 7911) offered for receiving */
	bool route_refresh; /* RFC 2918 */
	bool ext_message;   /* RFC 8654 */
	uint8_t n_caps;
	uint16_t dropped_caps; /* beyond BGP_MAX_CAPS */
	struct bgp_cap caps[BGP_MAX_CAPS];
};

/* struct bgp_notification - RFC 4271 §4.5; @data borrowed. */
struct bgp_notification {
	uint8_t code, subcode;
	const uint8_t *data;
	uint16_t len;
};

/* struct bgp_route_refresh - RFC 2918 / RFC 7313. */
struct bgp_route_refresh {
	uint16_t afi;
	uint8_t subtype;
	uint8_t safi;
};

/*
 * bgp_open_parse() / bgp_notification_parse() / bgp_route_refresh_parse() -
 * decode a message body (after the 19-byte header).  Return 0, LO_ETRUNC or
 * LO_ECORRUPT.
 */
int bgp_open_parse(struct bgp_open *o, const uint8_t *p, size_t len);
int bgp_notification_parse(struct bgp_notification *n, const uint8_t *p, size_t len);
int bgp_route_refresh_parse(struct bgp_route_refresh *rr, const uint8_t *p, size_t len);

/* bgp_communities_fmt() - " a:b no-export ..." like bgpdump (leading space). */
size_t bgp_communities_fmt(const uint8_t *p, size_t len, char *out, size_t cap);
size_t bgp_large_communities_fmt(const uint8_t *p, size_t len, char *out, size_t cap);

#endif
