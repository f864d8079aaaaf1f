/*
 * DOC: conf — the config file (DESIGN.md §3, docs/config.md), parsed once
 * into an immutable struct conf.
 *
 * The file is INI, read with inih: `[section]` or `[section NAME]` headers,
 * one `key = value` a line, `;` or `#` comments (a whole line, or after a
 * value when preceded by a space or tab), repeatable keys where the table in
 * docs/config.md says so.  inih as Debian builds it knows inline comments
 * with `;` only, treats indented lines as continuations of the previous
 * value and cuts lines at 200 bytes without saying so; conf.c therefore
 * feeds it lines it has prepared itself: comments and surrounding blanks
 * removed (so indentation is harmless and there are no continuation lines),
 * line numbers counted, over-long lines refused.
 *
 * Everything is validated while loading, and the first problem fails the
 * whole load with "PATH:LINE: what is wrong" (struct lo_err: @msg that text,
 * @offset the line, @src the path): unknown sections and keys, duplicate
 * sections, single-valued keys given twice, numbers that do not parse or are
 * out of range, bad addresses, prefixes, ASNs and countries, missing required
 * keys, too many repeats (the CONF_MAX_* caps).
 *
 * Unset values stay unset (a has_ flag, a NULL string or an empty list), so
 * a command can apply its own order: command-line option, else config, else
 * the program's default.  Values of objects that the command line cannot
 * override (neighbors, probes) get their documented defaults here.
 *
 * Ownership: conf_load() allocates, conf_free() frees; every pointer reached
 * from a struct conf is valid until then.  A loaded conf is never modified:
 * a reload loads a new one and swaps the pointer.
 */
#ifndef LO_CONF_H
#define LO_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"
#include "bgp/bgp.h"
#include "geo/geo.h"
#include "probe/probe.h"

/* Hard caps: hitting one fails the load with LO_ETOOBIG. */
#define CONF_NAME_MAX		64   /* section NAME: [A-Za-z0-9_-]{1,64} */
#define CONF_MAX_REPEAT		64   /* values of one repeatable key (listen, source, ...) */
#define CONF_MAX_NEIGHBORS	256  /* [neighbor NAME] sections */
#define CONF_MAX_HOSTGROUPS	256  /* [hostgroup NAME] sections */
#define CONF_MAX_GROUP_PREFIXES 256  /* prefixes of one hostgroup */
#define CONF_MAX_ENTITIES	1024 /* [entity NAME] sections */
#define CONF_MAX_MEMBERS	256  /* members of one entity */
#define CONF_MAX_PROBES		1024 /* [probe NAME] sections */
#define CONF_MAX_PROBE_ENTITIES 8    /* entity = of one probe */

/* Defaults filled in by conf_load() for per-object keys. */
#define CONF_BGP_PORT	    179
#define CONF_HOLD_TIME	    90
#define CONF_PROBE_INTERVAL 60
#define CONF_PROBE_TIMEOUT  2000 /* ms per attempt */
#define CONF_PROBE_RETRIES  2

/*
 * struct conf_endpoint - a socket address from ADDR:PORT or [IPV6]:PORT.
 * @addr: IPv4 or IPv6; @port: 1..65535.
 */
struct conf_endpoint {
	struct bgp_addr addr;
	uint16_t port;
};

/* conf_endpoint_fmt() - "ADDR:PORT" / "[ADDR]:PORT" into @out (64 bytes is enough). */
size_t conf_endpoint_fmt(const struct conf_endpoint *e, char *out, size_t cap);

/*
 * struct conf_neighbor - one [neighbor NAME] section: a BGP peer.
 * @line:      line of the section header (for messages)
 * @address:   peer address (required)
 * @asn:       peer AS (required)
 * @port:      TCP port, default 179
 * @hold_time: proposed hold time in seconds, 0 or 3..65535 (RFC 4271 4.2), default 90
 * @passive:   wait for the peer to connect, never connect out (default no)
 * @blackhole: send RTBH routes to this peer (default no)
 */
struct conf_neighbor {
	char name[CONF_NAME_MAX + 1];
	uint32_t line;
	struct bgp_addr address;
	uint32_t asn;
	uint16_t port;
	uint16_t hold_time;
	bool passive;
	bool blackhole;
};

/*
 * struct conf_hostgroup - one [hostgroup NAME] section: DDoS thresholds for
 * a set of hosts.  A threshold of 0 is not set (no static threshold on that
 * measure; learned baselines still apply).  All are per second and
 * sampling-corrected.
 * @prefixes: at least one (host bits zero)
 * @pps, @bps, @flows: per host
 * @syn_pps, @udp_pps, @icmp_pps, @frag_pps, @amp_pps: per host, one
 *            protocol/vector (TCP SYN, UDP, ICMP, fragments, UDP from
 *            amplification source ports)
 * @total_pps, @total_bps, @total_flows: the whole group together (carpet
 *            bombing: many hosts each under the per-host thresholds)
 * @blackhole: announce RTBH routes for this group's attacked hosts
 *            (default yes when some neighbor has blackhole = yes)
 */
struct conf_hostgroup {
	char name[CONF_NAME_MAX + 1];
	uint32_t line;
	struct bgp_prefix *prefixes;
	size_t n_prefixes;
	uint64_t pps, bps, flows;
	uint64_t syn_pps, udp_pps, icmp_pps, frag_pps, amp_pps;
	uint64_t total_pps, total_bps, total_flows;
	bool blackhole;
};

/*
 * struct conf_entity - one [entity NAME] section: the custom entity
 * group:NAME.  @members: at least one; each is GEO_ENT_COUNTRY, GEO_ENT_ASN
 * or GEO_ENT_PREFIX (no nested groups), in file order, no duplicates.
 */
struct conf_entity {
	char name[CONF_NAME_MAX + 1];
	uint32_t line;
	struct geo_entity *members;
	size_t n_members;
};

enum conf_probe_kind {
	CONF_PROBE_HTTP = PROBE_HTTP,	/* http:// or https:// URL: @url */
	CONF_PROBE_ICMP = PROBE_ICMP,	/* icmp:ADDR: @addr */
	CONF_PROBE_TCP = PROBE_TCP,	/* tcp:ADDR:PORT or tcp:[V6]:PORT: @addr, @port */
	CONF_PROBE_DNS = PROBE_DNS,	/* dns:ADDR[:PORT][/NAME]: @addr, @port, @t.qname */
	CONF_PROBE_BLOCK = PROBE_BLOCK, /* block:PREFIX (IPv4, /16../32): @block */
};

/*
 * struct conf_probe - one [probe NAME] section.
 * @target:   the target as written (required); @t: parsed
 * @url:      equals @target for CONF_PROBE_HTTP, else NULL
 * @interval: seconds between checks (blocks: between rounds), 1..86400, default 60
 * @timeout:  ms per attempt, 10..60000, default 2000
 * @retries:  attempts after a failed one, 0..10, default 2
 * @expect:   HTTP: text the body must contain (NULL: none)
 * @expect_status: HTTP: the status required (0: any 2xx or 3xx)
 * @entities: entity = specs ("country:KP", "asn:N", "prefix:P", "group:NAME",
 *            "host:ADDR") the probe's events link with and its blocks count toward
 */
struct conf_probe {
	char name[CONF_NAME_MAX + 1];
	uint32_t line;
	enum conf_probe_kind kind;
	char *target;
	const char *url;
	struct bgp_addr addr;
	uint16_t port;
	struct bgp_prefix block;
	struct probe_target t;
	uint32_t interval;
	uint32_t timeout;
	uint32_t retries;
	char *expect;
	uint32_t expect_status;
	char entities[CONF_MAX_PROBE_ENTITIES][80];
	size_t n_entities;
};

/*
 * struct conf_prober - the [prober] section (settings of the whole engine).
 * @rate:  probes per second at most, 1..10000, default 100
 * @burst: probes at once, 1..10000, default 20
 * @sweep: seconds between sweeps of block targets, 60..31536000, default 86400
 * @window: baseline window of the probe signals' detectors, seconds, 1..31536000,
 *          default 7 days
 * @warmup: history needed before probe events, seconds, default 0 (the first
 *          bin still has to close)
 * @min_duration: shorter probe outages are dropped, seconds, default 0
 */
struct conf_prober {
	uint32_t rate, burst, sweep, window, warmup, min_duration;
};

/*
 * struct conf_detect - the [detect] section.  Each value is meaningful only
 * when its has_ flag is set; otherwise the program's default applies
 * (docs/config.md lists them).  Checked here: the ranges below, window >=
 * bin, crit_ratio <= warn_ratio <= recover_ratio (of those given).
 */
struct conf_detect {
	bool has_bin, has_window, has_warmup, has_min_duration;
	bool has_warn_ratio, has_crit_ratio, has_recover_ratio, has_min_baseline;
	bool has_flap_window, has_instability_factor, has_instability_min_flaps;
	uint32_t bin;			/* seconds per stored bin, 1..86400 */
	uint32_t window;		/* baseline window, seconds, 1..31536000 */
	uint32_t warmup;		/* seconds, 0..31536000 */
	uint32_t min_duration;		/* seconds, 0..31536000 */
	double warn_ratio;		/* (0, 1] */
	double crit_ratio;		/* (0, 1] */
	double recover_ratio;		/* (0, 1] */
	double min_baseline;		/* 0..1e12 */
	uint32_t flap_window;		/* seconds, 1..86400 */
	double instability_factor;	/* 1..1000 */
	uint32_t instability_min_flaps; /* 1..1000000 */
};

/*
 * enum conf_alert_kind - event kinds, as bits of [alert] kinds (one bit per
 * kind the store knows: DESIGN.md §3's outage, partial_outage, instability,
 * attack, probe_down).
 */
enum conf_alert_kind {
	CONF_ALERT_OUTAGE = 1u << 0,
	CONF_ALERT_PARTIAL_OUTAGE = 1u << 1,
	CONF_ALERT_INSTABILITY = 1u << 2,
	CONF_ALERT_ATTACK = 1u << 3,
	CONF_ALERT_PROBE_DOWN = 1u << 4,
	CONF_ALERT_ALL = (1u << 5) - 1,
};

/* conf_alert_kind() - the bit of event kind @name ("outage" ...), 0 when unknown. */
unsigned conf_alert_kind(const char *name);

#define CONF_ALERT_MAX_PER_MINUTE 60 /* default of [alert] max_per_minute */

/*
 * struct conf_alert - the [alert] section: where alerts of events go
 * (docs/alerts.md).
 * @webhooks:       http(s) URLs, repeatable; each alert is POSTed to each
 * @script:         absolute path run for each alert (no shell)
 * @syslog:         one syslog line (daemon facility) per alert
 * @delay:          seconds an event must last before its open is sent
 *                  (only when @has_delay; else [detect] min_duration, else 60)
 * @max_per_minute: alerts in any 60 s, 0..10000 (0: no limit), default 60
 * @kinds:          CONF_ALERT_* bits of the kinds alerted, default all
 */
struct conf_alert {
	char **webhooks;
	size_t n_webhooks;
	char *script;
	bool syslog;
	bool has_delay;
	uint32_t delay;
	uint32_t max_per_minute;
	unsigned kinds;
};

/*
 * struct conf - the whole file.  Lists are (pointer, count); a count of 0
 * means the key or section was absent.  Strings are NULL when absent.
 */
struct conf {
	char *path; /* the file loaded */

	/* [store] */
	char *store_path;

	/* [geo] source: geo_db_add() specs, in priority order */
	char **geo_sources;
	size_t n_geo_sources;

	/* [http] */
	bool has_http_listen;
	struct conf_endpoint http_listen;

	/* [bgp] */
	bool has_bgp_asn, has_bgp_router_id;
	uint32_t bgp_asn;
	struct bgp_addr bgp_router_id; /* IPv4, not 0.0.0.0 */
	struct conf_endpoint *bgp_listen;
	size_t n_bgp_listen;
	char *bgp_mrt_dir;

	/* [neighbor NAME]; when there is one, [bgp] asn and router_id are required */
	struct conf_neighbor *neighbors;
	size_t n_neighbors;

	/* [bmp] */
	bool has_bmp_listen;
	struct conf_endpoint bmp_listen;

	/* [flow] */
	struct conf_endpoint *flow_listen; /* NetFlow v5/v9, IPFIX */
	size_t n_flow_listen;
	struct conf_endpoint *flow_sflow; /* sFlow v5 */
	size_t n_flow_sflow;
	struct bgp_prefix *flow_exporters; /* allowlist; an address is a /32 or /128 */
	size_t n_flow_exporters;
	uint32_t flow_sampling;		/* 0: as exported; else the rate of every flow */
	uint32_t flow_max_hosts;	/* hosts counted at once (default 65536) */
	uint32_t flow_attack_end;	/* seconds under thresholds that end an attack (10) */
	uint32_t flow_hold;		/* seconds a blackhole route stays after the end (300) */
	bool flow_baseline;		/* learned per-host/group baselines (yes) */
	double flow_baseline_factor;	/* attack when above factor x baseline (8) */
	uint64_t flow_baseline_min_pps; /* ... and above this many pps (1000) */
	char *flow_script;		/* run on attack start/end (FastNetMon's arguments) */
	char *flow_webhook;		/* POST the attack event JSON here */
	bool flow_syslog;		/* log attacks to syslog (no) */

	struct conf_hostgroup *hostgroups;
	size_t n_hostgroups;

	struct conf_entity *entities;
	size_t n_entities;

	struct conf_probe *probes;
	size_t n_probes;
	struct conf_prober prober;

	struct conf_detect detect;

	/* [alert] ([flow] script, webhook and syslog stay attack-only channels) */
	struct conf_alert alert;
};

/*
 * conf_load() - read and validate the config file at @path into a new
 * struct conf in *@out (set only on success; free it with conf_free()).
 * Returns 0; LO_ENOENT when the file does not exist; LO_EIO when it cannot
 * be read; LO_EINVAL for anything wrong in it; LO_ETOOBIG when a cap was
 * hit; LO_ENOMEM.  On error @err holds "PATH:LINE: ..." (or "PATH: ..."
 * when no line applies), @err->offset the line (LO_NOOFF if none).
 */
int conf_load(struct conf **out, const char *path, struct lo_err *err);

/* conf_free() - free @c and everything in it; NULL is fine. */
void conf_free(struct conf *c);

/* conf_entity_find() - the [entity @name] section, or NULL (borrowed from @c). */
const struct conf_entity *conf_entity_find(const struct conf *c, const char *name);

/*
 * conf_entity_members() - resolve group:@name: *@members and *@n get the
 * members of [entity @name] (borrowed from @c).  Returns 0, or LO_ENOENT
 * when @c (may be NULL) has no such entity.
 */
int conf_entity_members(const struct conf *c, const char *name, const struct geo_entity **members,
			size_t *n);

#endif
