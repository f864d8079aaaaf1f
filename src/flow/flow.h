/*
 * DOC: flow — flow telemetry: NetFlow v5/v9, IPFIX and sFlow v5 decoders
 * with per-exporter template caches (decode), the packet-header parser
 * shared by sFlow samples and pcap reading (hdr), and the per-second
 * traffic counters and attack detector (ddos).
 *
 * The decoders are sans-I/O: a UDP datagram's payload goes in, flow records
 * come out through a callback.  Nothing here reads sockets or files.
 *
 * Numbers are host order; addresses are struct bgp_addr (network order).
 * Byte and packet counts in a struct flow_rec are as exported, not scaled:
 * multiply by @sampling for the estimated traffic.
 */
#ifndef LO_FLOW_H
#define LO_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "lib/lib.h"

/* ================================================================ records */

enum flow_version {
	FLOW_NETFLOW5 = 5,
	FLOW_NETFLOW9 = 9,
	FLOW_IPFIX = 10,
	FLOW_SFLOW5 = 105, /* sFlow version 5 (not to be confused with NetFlow v5) */
};

/* flow_version_name() - "netflow5", "netflow9", "ipfix", "sflow5" or "?". */
const char *flow_version_name(uint8_t v);

enum flow_kind {
	FLOW_DATA,     /* a flow: NetFlow/IPFIX data record, or an sFlow flow sample */
	FLOW_OPTIONS,  /* a v9/IPFIX options data record (@fields only) */
	FLOW_COUNTERS, /* an sFlow generic interface counter sample */
};

/*
 * struct flow_field - one raw field of a v9/IPFIX record, borrowed from the
 * datagram (valid during the callback only).  @enterprise is 0 for IANA
 * elements (and always 0 for v9).
 */
struct flow_field {
	uint16_t type;
	uint32_t enterprise;
	uint16_t len;
	const uint8_t *val;
};

#define FLOW_MAX_FIELDS 128 /* fields of one template; a longer template is rejected */

/*
 * struct flow_rec - one decoded record.
 * @version:   enum flow_version of the datagram
 * @kind:      enum flow_kind
 * @exporter:  source address of the datagram (UDP), as given to flow_decode()
 * @agent:     sFlow agent address from the datagram (family 0 for NetFlow/IPFIX)
 * @domain:    v9 source ID, IPFIX observation domain ID, sFlow sub-agent ID
 * @template:  v9/IPFIX template ID; v5: 0; sFlow: the sample's source ID
 *             index (compact samples: the low 24 bits of source_id;
 *             expanded samples: the whole 32-bit index)
 * @first_ms, @last_ms: flow start and end, unix milliseconds (v5/v9:
 *             converted from sysUptime with the header's unix time; sFlow:
 *             the datagram's arrival time, both); 0 when the record has none
 * @src, @dst: IP addresses (family 0 when the record carries none)
 * @proto:     IP protocol number
 * @sport, @dport: L4 ports; for ICMP, @sport 0 and @dport type << 8 | code
 *             (what v5/v9 exporters put in the destination port)
 * @tcp_flags: cumulative TCP flags (low 8 bits)
 * @frag:      the flow is IP fragments (a known fragment offset > 0 or
 *             more-fragments flag; sFlow: from the sampled header)
 * @bytes, @packets: L3 bytes and packets as exported; an sFlow sample is
 *             one packet of its frame length
 * @sampling:  1 in @sampling packets was sampled; 1 when unknown
 * @in_if, @out_if: SNMP interface indexes (0 unknown)
 * @src_as, @dst_as: from the record when present (0 otherwise)
 * @out_bytes, @out_packets: FLOW_COUNTERS only: ifOutOctets and
 *             ifOutUcastPkts (and @bytes/@packets are ifInOctets and
 *             ifInUcastPkts, @in_if the ifIndex)
 * @fields, @n_fields: v9/IPFIX: every field of the record, in template order
 */
struct flow_rec {
	uint8_t version;
	uint8_t kind;
	uint8_t proto;
	uint8_t tcp_flags;
	bool frag;
	uint16_t sport, dport;
	uint32_t template;
	uint32_t domain;
	struct bgp_addr exporter;
	struct bgp_addr agent;
	struct bgp_addr src, dst;
	int64_t first_ms, last_ms;
	uint64_t bytes, packets;
	uint64_t out_bytes, out_packets;
	uint32_t sampling;
	uint32_t in_if, out_if;
	uint32_t src_as, dst_as;
	const struct flow_field *fields;
	size_t n_fields;
};

/* ================================================================ decoder */

/*
 * struct flow_dec_opts - caps and overrides (flow_dec_opts_init() sets the
 * defaults in brackets).
 * @max_exporters: template caches, one per (exporter address, domain) [4096]
 * @max_templates: templates per cache [1024]
 * @max_template_bytes: memory of all templates of all caches together
 *                 [64 MiB] (a template takes 64 + 12 bytes a field or so)
 * @sampling:      if not 0, the sampling rate of every record (overrides
 *                 what the exporter says) [0]
 */
struct flow_dec_opts {
	size_t max_exporters;
	size_t max_templates;
	size_t max_template_bytes;
	uint32_t sampling;
};

void flow_dec_opts_init(struct flow_dec_opts *o);

/*
 * struct flow_dec_stats - what the decoder has seen.  A datagram counts in
 * @datagrams and in exactly one of @netflow5 .. @sflow5 or @unknown.
 */
struct flow_dec_stats {
	uint64_t datagrams;
	uint64_t netflow5, netflow9, ipfix, sflow5, unknown;
	uint64_t records;	  /* FLOW_DATA records delivered */
	uint64_t options;	  /* FLOW_OPTIONS records delivered */
	uint64_t counters;	  /* FLOW_COUNTERS delivered */
	uint64_t templates;	  /* template records learned (new or changed) */
	uint64_t withdrawn;	  /* templates withdrawn (IPFIX) */
	uint64_t no_template;	  /* data sets skipped: template not (yet) known */
	uint64_t malformed;	  /* datagrams with an error (their good part is kept) */
	uint64_t capped;	  /* templates or exporters refused by a cap */
	uint64_t skipped_samples; /* sFlow samples/records of unknown formats (valid, skipped) */
};

struct flow_dec;

int flow_dec_new(struct flow_dec **out, const struct flow_dec_opts *o);
void flow_dec_free(struct flow_dec *d);
const struct flow_dec_stats *flow_dec_stats(const struct flow_dec *d);

/* flow_cb - called once per record; @r and what it points to are borrowed. */
typedef void (*flow_cb)(void *ctx, const struct flow_rec *r);

/*
 * flow_decode() - decode one UDP payload @p/@n from @exporter (port
 * @port), received at @now_ms (unix milliseconds).  The format is told by
 * the first bytes: 00 05 NetFlow v5, 00 09 v9, 00 0a IPFIX, 00 00 00 05
 * sFlow v5.  Templates are learned and kept per (exporter, domain).
 *
 * Returns the number of records delivered (>= 0), or a negative LO_E*
 * when the datagram is malformed or unsupported: the records before the
 * fault have been delivered, @err (may be NULL) says what and at which
 * byte offset of the datagram.  Never reads outside @p/@n.
 */
int flow_decode(struct flow_dec *d, const struct bgp_addr *exporter, uint16_t port, int64_t now_ms,
		const uint8_t *p, size_t n, flow_cb cb, void *ctx, struct lo_err *err);

/* ================================================================ headers */

/* Link types of a packet header: sFlow's header_protocol numbers. */
enum flow_link {
	FLOW_LINK_ETHERNET = 1,
	FLOW_LINK_IPV4 = 11,
	FLOW_LINK_IPV6 = 12,
};

/*
 * struct flow_hdr - what flow_hdr_parse() found in a packet header
 * (possibly truncated: sFlow samples the first 128 bytes or so).
 * @vlan:     outermost VLAN ID (0 none); 802.1Q and QinQ (0x88a8, 0x9100)
 * @src, @dst, @proto: from the IPv4/IPv6 header (family 0: not IP)
 * @ip_len:   IPv4 total length / IPv6 payload length + 40, from the header
 * @frag:     IPv4 MF or offset != 0; IPv6 fragment header present
 * @frag_off: fragment offset in bytes; ports are read only when it is 0
 * @sport, @dport, @tcp_flags: TCP/UDP (ICMP: @dport = type << 8 | code)
 * @l4:       true when the L4 header was complete and read
 * @payload, @payload_len: UDP payload (for pcap reading), else NULL/0;
 *            @payload_len is what the capture holds (may be short of the
 *            UDP length: check @udp_len)
 * @udp_len:  UDP length field minus 8
 */
struct flow_hdr {
	uint16_t vlan;
	struct bgp_addr src, dst;
	uint8_t proto;
	uint16_t ip_len;
	bool frag;
	uint32_t frag_off;
	bool l4;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	const uint8_t *payload;
	size_t payload_len;
	uint16_t udp_len;
};

/*
 * flow_hdr_parse() - parse a packet header of link type @link.  Returns 0
 * when an IP header was found (fields as far as the capture goes), or
 * LO_EUNSUP (not IP: ARP, LLDP...), LO_ETRUNC, LO_ECORRUPT.  IPv6
 * extension headers (hop-by-hop, routing, destination, fragment) are
 * walked, at most 8.
 */
int flow_hdr_parse(const uint8_t *p, size_t n, enum flow_link link, struct flow_hdr *h);

/* ================================================================ ddos */

/*
 * Attack detection (ddos.c).  Every flow record whose destination falls in
 * a host group is counted, sampling-corrected, into per-second slots of its
 * destination host and of its group (the group total catches "carpet
 * bombing": many hosts each below the per-host thresholds).  A record is
 * spread over the seconds it lasted (first..last), so long flows do not
 * show as spikes; the last DDOS_SLOTS seconds are kept.  A host or group
 * is attacked from the first second whose count crosses a threshold (the
 * check runs on every record: detection needs no timer) until it has
 * stayed under all thresholds for @attack_end seconds.
 */

#define DDOS_SLOTS 4 /* seconds of history per host */

/* Vectors (bit numbers of struct ddos_attack.vectors); names in ddos_vector_name(). */
enum ddos_vector {
	DDOS_TCP_SYN,
	DDOS_TCP_SYNACK,
	DDOS_TCP_ACK,
	DDOS_TCP_RST,
	DDOS_TCP_OTHER,
	DDOS_UDP,
	DDOS_ICMP,
	DDOS_FRAGMENT,
	DDOS_OTHER,
	DDOS_AMP_FIRST, /* amp_<service> by UDP source port, see ddos_amp_port() */
	DDOS_NVEC = DDOS_AMP_FIRST + 22,
};

/* ddos_vector_name() - "tcp_syn", ..., "amp_ntp"; NULL past the end. */
const char *ddos_vector_name(unsigned v);
/* ddos_amp_port() - the UDP source port of amplification vector @v (0 if none). */
uint16_t ddos_amp_port(unsigned v);

/*
 * struct ddos_group_spec - one host group (a [hostgroup] section): its
 * prefixes and per-second thresholds (0 = not set).  Borrowed while
 * ddos_add_group() runs.
 */
struct ddos_group_spec {
	const char *name;
	const struct bgp_prefix *prefixes;
	size_t n_prefixes;
	uint64_t pps, bps, flows;
	uint64_t syn_pps, udp_pps, icmp_pps, frag_pps, amp_pps;
	uint64_t total_pps, total_bps, total_flows;
	bool blackhole;
};

/*
 * struct ddos_opts - ddos_opts_init() sets the defaults in brackets.
 * @max_hosts:        hosts counted at once; more are counted in their
 *                    group total only (stats.capped) [65536]
 * @attack_end:       seconds under every threshold that end an attack [10]
 * @baseline:         learn each host's and group's normal pps (an
 *                    exponential average over @baseline_tau seconds that
 *                    attacks do not feed) and raise attacks above
 *                    @baseline_factor times it and @baseline_min_pps [yes,
 *                    8, 1000, tau 600]; a baseline needs @warmup seconds of
 *                    history [120]
 * @sampling:         not 0: the sampling rate of every record [0]
 */
struct ddos_opts {
	size_t max_hosts;
	uint32_t attack_end;
	bool baseline;
	double baseline_factor;
	uint64_t baseline_min_pps;
	uint32_t baseline_tau;
	uint32_t warmup;
	uint32_t sampling;
};

void ddos_opts_init(struct ddos_opts *o);

#define DDOS_TOP 10 /* top sources and source ASNs reported */

/* struct ddos_rates - one second (or a peak) of traffic, sampling-corrected. */
struct ddos_rates {
	uint64_t pps, bps, flows;
	uint64_t vec[DDOS_NVEC]; /* packets per second by vector */
};

struct ddos_top {
	struct bgp_addr addr; /* a source (top_src) or target (top_dst) */
	uint32_t asn;	      /* a source ASN (top_asn) */
	uint64_t packets;     /* estimated, sampling-corrected */
};

/*
 * struct ddos_attack - an attack, as passed to the callbacks (borrowed).
 * @id:          unique in this ddos (1, 2, ...)
 * @group:       the host group's name
 * @subnet:      a group-wide attack (target is the group), else a host
 * @target:      the attacked host (subnet: family 0)
 * @start_ms:    start of the first second over a threshold
 * @end_ms:      end of the last second over a threshold; 0 while ongoing
 * @detect_ms:   wall-clock time of the record that crossed the threshold
 * @reason:      what crossed first: "pps", "bps", "flows", "syn_pps",
 *               "udp_pps", "icmp_pps", "frag_pps", "amp_pps", "total_pps",
 *               "total_bps", "total_flows" or "baseline"
 * @threshold:   the value it crossed (per second)
 * @baseline:    the learned normal pps (0 when none)
 * @peak:        the highest second (each measure on its own)
 * @vectors:     bitmask of enum ddos_vector: vectors with at least 20 % of
 *               the attack's packets or of its bytes (the largest by packets
 *               when none has); at the start, of the crossing second's packets
 * @vec_packets, @vec_bytes: estimated packets and bytes by vector over the
 *               attack so far
 * @packets, @bytes: estimated totals over the attack so far
 * @top_src, @top_asn, @top_dst: heaviest sources, source ASNs (from the
 *               records; 0 unknown is left out) and, for subnet attacks,
 *               targets; n_* entries each, heaviest first
 * @sampling:    the highest sampling rate seen in the attack's records
 * @exporter:    the exporter of the record that crossed the threshold
 * @blackhole:   the group asks for RTBH
 */
struct ddos_attack {
	uint64_t id;
	const char *group;
	bool subnet;
	struct bgp_addr target;
	int64_t start_ms, end_ms, detect_ms;
	const char *reason;
	uint64_t threshold;
	double baseline;
	struct ddos_rates peak;
	uint32_t vectors;
	uint64_t vec_packets[DDOS_NVEC];
	uint64_t vec_bytes[DDOS_NVEC];
	uint64_t packets, bytes;
	struct ddos_top top_src[DDOS_TOP], top_asn[DDOS_TOP], top_dst[DDOS_TOP];
	size_t n_top_src, n_top_asn, n_top_dst;
	uint32_t sampling;
	struct bgp_addr exporter;
	bool blackhole;
};

/* ddos_vectors_fmt() - the vector names of @mask, comma-separated, into @buf. */
size_t ddos_vectors_fmt(uint32_t mask, char *buf, size_t n);

struct ddos_cbs {
	void (*start)(void *ctx, const struct ddos_attack *a);
	void (*end)(void *ctx, const struct ddos_attack *a);
	void *ctx;
};

struct ddos_stats {
	uint64_t records;   /* FLOW_DATA records seen */
	uint64_t monitored; /* ... with a destination in a host group */
	uint64_t hosts;	    /* hosts being counted now */
	uint64_t capped;    /* records not counted per host: max_hosts reached */
	uint64_t late;	    /* records entirely older than the slots (not counted) */
	uint64_t attacks;   /* attacks started */
	uint64_t active;    /* attacks ongoing */
};

struct ddos;

int ddos_new(struct ddos **out, const struct ddos_opts *o, const struct ddos_cbs *cbs);
/* ddos_add_group() - 0, LO_EINVAL (no prefixes, bad prefix), LO_ENOMEM. */
int ddos_add_group(struct ddos *d, const struct ddos_group_spec *g);
/* ddos_free() - ends nothing: call ddos_finish() first to end ongoing attacks. */
void ddos_free(struct ddos *d);

/*
 * ddos_record() - count one record received at @now_ms (wall clock, unix
 * ms); calls cbs.start when it makes a host or group cross a threshold.
 */
void ddos_record(struct ddos *d, const struct flow_rec *r, int64_t now_ms);

/* ddos_tick() - once a second or more: ends attacks, learns baselines, forgets idle hosts. */
void ddos_tick(struct ddos *d, int64_t now_ms);

/* ddos_finish() - end every ongoing attack now (shutdown), calling cbs.end. */
void ddos_finish(struct ddos *d, int64_t now_ms);

const struct ddos_stats *ddos_stats(const struct ddos *d);

/*
 * ddos_group_totals() - group @i's name (groups in the order added; NULL
 * past the last) and its cumulative estimated packets, bytes and flows
 * since ddos_new(): a reader takes differences for rates.
 */
const char *ddos_group_totals(const struct ddos *d, size_t i, uint64_t *packets, uint64_t *bytes,
			      uint64_t *flows);

/*
 * ddos_host_rates() - the traffic of host @a in the last complete second
 * (the second before @now_ms's): 0, or LO_ENOENT when @a is not counted.
 */
int ddos_host_rates(const struct ddos *d, const struct bgp_addr *a, int64_t now_ms,
		    struct ddos_rates *out);

#endif
