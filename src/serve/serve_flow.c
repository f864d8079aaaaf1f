/*
 * DOC: the flow side of the daemon: UDP collectors for NetFlow v5/v9, IPFIX
 * ([flow] listen) and sFlow v5 ([flow] sflow), the decoder and the attack
 * detector (src/flow), and what is done when an attack starts and ends.
 *
 * Receiving: non-blocking sockets with large receive buffers (32 MiB asked;
 * SO_RCVBUFFORCE when root), read with recvmmsg() in batches of
 * FLOW_BATCH; the kernel's count of datagrams dropped for a full buffer
 * (SO_RXQ_OVFL, and SO_MEMINFO every second) is kept per socket.  Datagrams from addresses outside the
 * [flow] exporter allowlist are dropped and counted (an empty list allows
 * every source: the sockets bind to 127.0.0.1 by default).
 *
 * Actions, on attack start and end:
 * - the store: an `attack` event (entity host:ADDR, or hostgroup:NAME for
 *   a group-wide attack), updated at the end with the peaks and the
 *   vectors over the whole attack;
 * - alerts, open at the start and close at the end, at once, through the
 *   daemon's dispatcher (serve_alert.c: deduplication, rate limit, webhook
 *   retries) to [alert] channels and to [flow] script, webhook and syslog;
 *   scripts get FastNetMon's convention, `script IP incoming PPS ban` with
 *   the attack report on stdin at the start, `... unban` at the end;
 * - RTBH: the host's /32 or /128 announced with 65535:666 to neighbors
 *   with blackhole = yes (group blackhole = yes), withdrawn [flow] hold
 *   seconds after the attack ends (or when the daemon stops).
 */
#include "serve/serve_int.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "flow/flow.h"
#include "rib/rib.h"
#include "store/store.h"

#define FLOW_BATCH	 64    /* datagrams per recvmmsg() */
#define FLOW_DGRAM	 65536 /* largest UDP payload */
#define FLOW_BATCHES	 16    /* recvmmsg() calls per readable event (fairness) */
#define FLOW_RCVBUF	 (32 << 20)
#define FLOW_COALESCE_US 2000 /* read a busy socket every 2 ms */
#define FLOW_MAX_SOCKS	 (2 * CONF_MAX_REPEAT)
#define FLOW_MAX_ACTIVE	 1024 /* attacks followed for their store event */

struct fsock {
	struct flow_side *fs;
	int fd;
	struct event *ev;
	struct event *timer; /* coalescing: read again on a timer */
	char name[112];
	uint32_t drops; /* the kernel's SO_RXQ_OVFL counter */
};

struct active {
	uint64_t attack_id;
	int64_t event_id;
	int64_t incident; /* kept at the end's update */
};

struct hold {
	struct bgp_addr addr;
	int64_t until_ms; /* withdraw at; 0 while the attack goes on */
};

struct flow_side {
	struct server *s;
	struct flow_dec *dec;
	struct ddos *ddos;
	struct fsock socks[FLOW_MAX_SOCKS];
	size_t n_socks;
	struct mmsghdr msgs[FLOW_BATCH];
	struct iovec iov[FLOW_BATCH];
	struct sockaddr_storage from[FLOW_BATCH];
	char ctl[FLOW_BATCH][64];
	uint8_t *bufs; /* FLOW_BATCH x FLOW_DGRAM */
	int64_t now_ms;
	uint64_t datagrams, denied, bytes;
	struct active active[FLOW_MAX_ACTIVE];
	size_t n_active;
	struct hold holds[SERVE_MAX_RTBH];
	size_t n_holds;
	int64_t stats_at; /* next periodic counters line */
	uint64_t last_dgrams, last_records, last_malformed, last_drops;
	int64_t bin_start;   /* of the series bin being counted */
	uint64_t (*bin0)[3]; /* each group's totals at bin_start */
	struct lo_ratelimit rl;
};

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool allowed(const struct conf *c, const struct bgp_addr *a)
{
	if (!c->n_flow_exporters)
		return true;
	for (size_t i = 0; i < c->n_flow_exporters; i++) {
		const struct bgp_prefix *p = &c->flow_exporters[i];
		if (p->addr.family != a->family)
			continue;
		unsigned bits = p->len, k = 0;
		for (; bits >= 8; bits -= 8, k++)
			if (p->addr.b[k] != a->b[k])
				break;
		if (bits >= 8)
			continue;
		if (!bits || !((p->addr.b[k] ^ a->b[k]) & (0xff00u >> bits)))
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------- reports */

static void fmt_ms(int64_t ms, char *buf, size_t n)
{
	if (!ms) {
		snprintf(buf, n, "null");
		return;
	}
	char iso[32];
	lo_time_iso(ms / 1000, iso, sizeof(iso));
	iso[19] = 0; /* without the Z: milliseconds follow */
	snprintf(buf, n, "\"%s.%03dZ\"", iso, (int)(ms % 1000));
}

static void target_text(const struct ddos_attack *a, char *buf)
{
	if (a->subnet)
		snprintf(buf, BGP_ADDR_STRLEN, "%s", a->group);
	else
		bgp_fmt_addr(&a->target, buf);
}

/*
 * origin_of() - the origin ASN of the most specific route the BGP side
 * knows covering @a (0: none, or no BGP feed).  Only for the few top
 * sources of an attack: it tries each prefix length in turn.
 */
static uint32_t origin_of(const struct flow_side *fs, const struct bgp_addr *a)
{
	const struct rib *r = fs->s->watch ? watch_rib(fs->s->watch) : NULL;
	if (!r || !a->family)
		return 0;
	unsigned max = a->family == 4 ? 32 : 128, min = a->family == 4 ? 8 : 16;
	for (unsigned len = max; len >= min; len--) {
		struct bgp_prefix p = {.addr = *a, .len = (uint8_t)len};
		for (unsigned i = len / 8; i < 16; i++)
			p.addr.b[i] &= (uint8_t)(i == len / 8 ? 0xff00u >> (len % 8) : 0);
		struct rib_prefix_info info;
		if (rib_prefix_info(r, &p, &info) && info.origin_asn)
			return info.origin_asn;
	}
	return 0;
}

/* attack_json() - the event's detail object (DESIGN §3: target, vectors, top sources). */
static void attack_json(const struct flow_side *fs, struct lo_buf *b, const struct ddos_attack *a,
			bool blackholed)
{
	char t[BGP_ADDR_STRLEN], x[BGP_ADDR_STRLEN];
	target_text(a, t);
	lo_buf_printf(b, "{\"target\":\"%s\",\"hostgroup\":\"%s\",\"scope\":\"%s\"", t, a->group,
		      a->subnet ? "group" : "host");
	lo_buf_printf(b, ",\"direction\":\"incoming\",\"reason\":\"%s\",\"threshold\":%" PRIu64,
		      a->reason, a->threshold);
	if (a->baseline > 0)
		lo_buf_printf(b, ",\"baseline_pps\":%.0f", a->baseline);
	lo_buf_printf(b, ",\"vectors\":[");
	bool first = true;
	for (unsigned v = 0; v < DDOS_NVEC; v++)
		if (a->vectors & (1u << v)) {
			lo_buf_printf(b, "%s\"%s\"", first ? "" : ",", ddos_vector_name(v));
			first = false;
		}
	lo_buf_printf(b, "],\"vector_packets\":{");
	first = true;
	for (unsigned v = 0; v < DDOS_NVEC; v++)
		if (a->vec_packets[v]) {
			lo_buf_printf(b, "%s\"%s\":%" PRIu64, first ? "" : ",", ddos_vector_name(v),
				      a->vec_packets[v]);
			first = false;
		}
	lo_buf_printf(b,
		      "},\"peak_pps\":%" PRIu64 ",\"peak_bps\":%" PRIu64 ",\"peak_flows\":%" PRIu64
		      ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64,
		      a->peak.pps, a->peak.bps, a->peak.flows, a->packets, a->bytes);
	/* sources' ASNs: as exported when the records carry them, else from BGP */
	struct ddos_top asns[DDOS_TOP];
	size_t n_asns = a->n_top_asn;
	memcpy(asns, a->top_asn, n_asns * sizeof(asns[0]));
	lo_buf_printf(b, ",\"top_sources\":[");
	for (size_t i = 0; i < a->n_top_src; i++) {
		uint32_t asn = origin_of(fs, &a->top_src[i].addr);
		bgp_fmt_addr(&a->top_src[i].addr, x);
		lo_buf_printf(b, "%s{\"addr\":\"%s\",\"packets\":%" PRIu64, i ? "," : "", x,
			      a->top_src[i].packets);
		if (asn)
			lo_buf_printf(b, ",\"asn\":%" PRIu32, asn);
		lo_buf_printf(b, "}");
		if (!asn || a->n_top_asn)
			continue;
		size_t k = 0;
		while (k < n_asns && asns[k].asn != asn)
			k++;
		if (k == n_asns)
			asns[n_asns++] = (struct ddos_top){.asn = asn};
		asns[k].packets += a->top_src[i].packets;
	}
	lo_buf_printf(b, "],\"top_source_asns\":[");
	for (size_t i = 0; i < n_asns; i++)
		lo_buf_printf(b, "%s{\"asn\":%" PRIu32 ",\"packets\":%" PRIu64 "}", i ? "," : "",
			      asns[i].asn, asns[i].packets);
	lo_buf_printf(b, "]");
	if (a->subnet) {
		lo_buf_printf(b, ",\"top_targets\":[");
		for (size_t i = 0; i < a->n_top_dst; i++) {
			bgp_fmt_addr(&a->top_dst[i].addr, x);
			lo_buf_printf(b, "%s{\"addr\":\"%s\",\"packets\":%" PRIu64 "}",
				      i ? "," : "", x, a->top_dst[i].packets);
		}
		lo_buf_printf(b, "]");
	}
	bgp_fmt_addr(&a->exporter, x);
	char det[40];
	fmt_ms(a->detect_ms, det, sizeof(det));
	lo_buf_printf(b,
		      ",\"sampling_rate\":%" PRIu32 ",\"exporter\":\"%s\",\"detected\":%s"
		      ",\"detect_delay_ms\":%" PRId64 ",\"blackhole\":%s}",
		      a->sampling ? a->sampling : 1, x, det, a->detect_ms - a->start_ms,
		      blackholed ? "true" : "false");
}

static const char *signal_of(const char *reason)
{
	if (strstr(reason, "bps"))
		return "flow.bps";
	if (strstr(reason, "flows"))
		return "flow.flows";
	return "flow.pps";
}

/* ---------------------------------------------------------------- actions */

/*
 * script_ip() - the IP argument of FastNetMon's script convention: the
 * host, or for a group-wide attack the group's first prefix.
 */
static void script_ip(const struct flow_side *fs, const struct ddos_attack *a, char *ip, size_t n)
{
	if (!a->subnet) {
		bgp_fmt_addr(&a->target, ip);
		return;
	}
	const struct conf *c = fs->s->conf;
	ip[0] = 0;
	for (size_t i = 0; i < c->n_hostgroups; i++)
		if (!strcmp(c->hostgroups[i].name, a->group)) {
			char p[BGP_ADDR_STRLEN];
			bgp_fmt_addr(&c->hostgroups[i].prefixes[0].addr, p);
			snprintf(ip, n, "%.40s/%u", p, c->hostgroups[i].prefixes[0].len);
		}
}

static struct hold *hold_find(struct flow_side *fs, const struct bgp_addr *a)
{
	for (size_t i = 0; i < fs->n_holds; i++)
		if (fs->holds[i].addr.family == a->family && !memcmp(fs->holds[i].addr.b, a->b, 16))
			return &fs->holds[i];
	return NULL;
}

static bool want_blackhole(struct flow_side *fs, const struct ddos_attack *a)
{
	if (a->subnet || !a->blackhole)
		return false;
	for (size_t i = 0; i < fs->s->conf->n_neighbors; i++)
		if (fs->s->conf->neighbors[i].blackhole)
			return true;
	return false;
}

static void on_attack(struct flow_side *fs, const struct ddos_attack *a, bool start)
{
	char t[BGP_ADDR_STRLEN], vec[256], entity[96];
	target_text(a, t);
	ddos_vectors_fmt(a->vectors, vec, sizeof(vec));
	snprintf(entity, sizeof(entity), "%s:%s", a->subnet ? "hostgroup" : "host", t);
	bool bh = want_blackhole(fs, a);

	struct lo_buf detail;
	lo_buf_init(&detail, 1 << 16);
	attack_json(fs, &detail, a, bh);

	/* the store */
	struct store_event ev = {0};
	size_t slot = fs->n_active;
	for (size_t i = 0; i < fs->n_active; i++)
		if (fs->active[i].attack_id == a->id) {
			slot = i;
			ev.id = fs->active[i].event_id;
			ev.incident = fs->active[i].incident;
		}
	ev.entity = store_entity(fs->s->store, entity);
	if (!ev.id && ev.entity > 0) { /* a new attack joins a probe's incident on its host */
		int64_t inc = probe_side_incident(fs->s, ev.entity, a->start_ms / 1000);
		ev.incident = inc > 0 ? inc : 0;
	}
	ev.signal = signal_of(a->reason);
	ev.kind = "attack";
	ev.severity = a->peak.pps > 4 * a->threshold && strstr(a->reason, "pps")   ? "critical"
		      : a->peak.bps > 4 * a->threshold && strstr(a->reason, "bps") ? "critical"
										   : "warning";
	ev.start = a->start_ms / 1000;
	ev.end = start ? 0 : (a->end_ms + 999) / 1000;
	ev.baseline = a->baseline > 0 ? a->baseline : (double)a->threshold;
	ev.score = a->threshold ? (double)a->peak.pps / (double)a->threshold : 0;
	ev.detail = detail.p;
	if (ev.entity > 0 && store_event_put(fs->s->store, &ev) == 0) {
		if (start && slot == fs->n_active && fs->n_active < FLOW_MAX_ACTIVE) {
			fs->active[fs->n_active++] = (struct active){a->id, ev.id, ev.incident};
		} else if (!start && slot < fs->n_active) {
			fs->active[slot] = fs->active[--fs->n_active];
		}
	} else {
		lo_log_rl(&fs->rl, LO_LOG_ERROR, "flow: attack on %s: cannot store the event", t);
	}

	/* the log */
	char det[40];
	fmt_ms(a->detect_ms, det, sizeof(det));
	if (start)
		lo_log(LO_LOG_WARN,
		       "attack on %s (%s): %s, %s %" PRIu64 " > %" PRIu64 ", detected %s (%" PRId64
		       " ms after its first second)",
		       t, a->group, vec, a->reason, a->peak.pps, a->threshold, det,
		       a->detect_ms - a->start_ms);
	else
		lo_log(LO_LOG_WARN,
		       "attack on %s (%s) ended: %s, %.0f s, peak %" PRIu64 " pps %" PRIu64 " bps",
		       t, a->group, vec, (double)(a->end_ms - a->start_ms) / 1000, a->peak.pps,
		       a->peak.bps);

	/* the alerts: the event as stored; scripts FastNetMon's way */
	char st[40], ip[BGP_ADDR_STRLEN + 8], pps[24], line[512];
	fmt_ms(a->start_ms, st, sizeof(st));
	struct lo_buf r;
	lo_buf_init(&r, 1 << 16);
	if (start)
		lo_buf_printf(&r,
			      "IP: %s\nAttack type: %s\nHost group: %s\nPeak: %" PRIu64
			      " pps %" PRIu64 " bps %" PRIu64 " flows/s\nReason: %s > %" PRIu64
			      "\nStart: %s\nDetail: %s\n",
			      t, vec, a->group, a->peak.pps, a->peak.bps, a->peak.flows, a->reason,
			      a->threshold, st, detail.p ? detail.p : "{}");
	script_ip(fs, a, ip, sizeof(ip));
	snprintf(pps, sizeof(pps), "%" PRIu64, a->peak.pps);
	const char *argv[] = {ip, "incoming", pps, start ? "ban" : "unban", NULL};
	snprintf(line, sizeof(line),
		 "attack %s on %s (%s): %s, peak %" PRIu64 " pps %" PRIu64 " bps",
		 start ? "started" : "ended", t, a->group, vec, a->peak.pps, a->peak.bps);
	struct alert_extra x = {argv, start ? r.p : NULL, line};
	/* the attack's own id tells attacks apart, stored or not (event ids stay below 2^62) */
	uint64_t key = (1ull << 62) | a->id;
	alert_event(fs->s->alert, start ? ALERT_OPEN : ALERT_CLOSE, key, &ev, entity, &x);
	lo_buf_fini(&r);
	lo_buf_fini(&detail);

	/* RTBH: announce now; withdraw after the hold-down */
	if (bh) {
		struct hold *h = hold_find(fs, &a->target);
		if (start) {
			if (h) {
				h->until_ms = 0; /* attacked again while held */
			} else if (fs->n_holds < SERVE_MAX_RTBH &&
				   bgp_side_blackhole(fs->s, &a->target, true) == 0) {
				fs->holds[fs->n_holds++] = (struct hold){a->target, 0};
			}
		} else if (h) {
			h->until_ms = wall_ms() + (int64_t)fs->s->conf->flow_hold * 1000;
		}
	}
}

static void cb_start(void *ctx, const struct ddos_attack *a)
{
	on_attack(ctx, a, true);
}

static void cb_end(void *ctx, const struct ddos_attack *a)
{
	on_attack(ctx, a, false);
}

static void holds_expire(struct flow_side *fs, int64_t now_ms, bool all)
{
	for (size_t i = 0; i < fs->n_holds;) {
		struct hold *h = &fs->holds[i];
		if (all || (h->until_ms && h->until_ms <= now_ms)) {
			bgp_side_blackhole(fs->s, &h->addr, false);
			*h = fs->holds[--fs->n_holds];
		} else {
			i++;
		}
	}
}

/* ---------------------------------------------------------------- receiving */

static void on_rec(void *ctx, const struct flow_rec *r)
{
	struct flow_side *fs = ctx;
	ddos_record(fs->ddos, r, fs->now_ms);
}

/* drain() - read and decode up to FLOW_BATCHES batches; how many datagrams. */
static int drain(struct fsock *k)
{
	struct flow_side *fs = k->fs;
	evutil_socket_t fd = k->fd;
	int got = 0;
	for (int batch = 0; batch < FLOW_BATCHES; batch++) {
		for (unsigned i = 0; i < FLOW_BATCH; i++) {
			struct msghdr *m = &fs->msgs[i].msg_hdr;
			m->msg_name = &fs->from[i];
			m->msg_namelen = sizeof(fs->from[i]);
			m->msg_iov = &fs->iov[i];
			m->msg_iovlen = 1;
			m->msg_control = fs->ctl[i];
			m->msg_controllen = sizeof(fs->ctl[i]);
			m->msg_flags = 0;
		}
		int n = recvmmsg(fd, fs->msgs, FLOW_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				lo_log_rl(&fs->rl, LO_LOG_ERROR, "flow: %s: recvmmsg: %s", k->name,
					  strerror(errno));
			return got;
		}
		got += n;
		fs->now_ms = wall_ms();
		for (int i = 0; i < n; i++) {
			struct msghdr *m = &fs->msgs[i].msg_hdr;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
				    c->cmsg_len >= CMSG_LEN(sizeof(uint32_t)))
					memcpy(&k->drops, CMSG_DATA(c), sizeof(uint32_t));
			struct bgp_addr from;
			uint16_t port = serve_addr_of((struct sockaddr *)&fs->from[i], &from);
			fs->datagrams++;
			fs->bytes += fs->msgs[i].msg_len;
			if (!allowed(fs->s->conf, &from)) {
				fs->denied++;
				char a[BGP_ADDR_STRLEN];
				bgp_fmt_addr(&from, a);
				lo_log_rl(
					&fs->rl, LO_LOG_WARN,
					"flow: %s: datagram from %s dropped: not a configured exporter",
					k->name, a);
				continue;
			}
			struct lo_err err;
			lo_err_clear(&err);
			if (flow_decode(fs->dec, &from, port, fs->now_ms, fs->iov[i].iov_base,
					fs->msgs[i].msg_len, on_rec, fs, &err) < 0) {
				char a[BGP_ADDR_STRLEN];
				bgp_fmt_addr(&from, a);
				lo_log_rl(&fs->rl, LO_LOG_WARN,
					  "flow: %s: datagram from %s: byte %" PRIu64 ": %s",
					  k->name, a, err.offset == LO_NOOFF ? 0 : err.offset,
					  err.msg[0] ? err.msg : lo_strerror(err.code));
			}
		}
		if (n < FLOW_BATCH)
			return got;
	}
	return got;
}

/*
 * Interrupt coalescing: a socket that had datagrams is read again on a
 * FLOW_COALESCE_US timer instead of on every readiness, so that at high
 * rates one recvmmsg() takes many datagrams (and one wakeup does not cost
 * a wakeup per datagram); once a timer read finds nothing, readiness takes
 * over again.  Detection waits at most that long more.
 */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fsock *k = arg;
	(void)fd, (void)what;
	static const struct timeval again = {0, FLOW_COALESCE_US};
	if (drain(k) > 0)
		evtimer_add(k->timer, &again);
	else
		event_add(k->ev, NULL);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct fsock *k = arg;
	(void)fd, (void)what;
	static const struct timeval again = {0, FLOW_COALESCE_US};
	if (drain(k) > 0) {
		event_del(k->ev);
		evtimer_add(k->timer, &again);
	}
}

static int open_sock(struct flow_side *fs, const struct conf_endpoint *e, const char *what,
		     struct lo_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = serve_sockaddr(&e->addr, e->port, &ss);
	char text[80];
	conf_endpoint_fmt(e, text, sizeof(text));
	if (fs->n_socks == FLOW_MAX_SOCKS)
		return lo_err_set(err, LO_ETOOBIG, LO_NOOFF, "flow: too many listeners");
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, size = FLOW_RCVBUF;
	if (fd < 0)
		return lo_err_set(err, LO_EIO, LO_NOOFF, "flow: %s %s: %s", what, text,
				  strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e2 = errno;
		close(fd);
		return lo_err_set(err, LO_EIO, LO_NOOFF, "flow: %s listen %s: %s", what, text,
				  strerror(e2));
	}
	int got = 0;
	socklen_t gl = sizeof(got);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl);
	struct fsock *k = &fs->socks[fs->n_socks];
	k->fs = fs;
	k->fd = fd;
	snprintf(k->name, sizeof(k->name), "%s %s", what, text);
	k->ev = event_new(fs->s->base, fd, EV_READ | EV_PERSIST, on_readable, k);
	k->timer = evtimer_new(fs->s->base, on_timer, k);
	if (!k->ev || !k->timer || event_add(k->ev, NULL)) {
		close(fd);
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "flow: event: out of memory");
	}
	fs->n_socks++;
	lo_log(LO_LOG_INFO, "%s listening on %s (receive buffer %d KiB)", what, text, got / 1024);
	return 0;
}

static void series(struct flow_side *fs, int64_t now_ms, bool flush);

int flow_side_new(struct server *s, struct lo_err *err)
{
	const struct conf *c = s->conf;
	if (!c->n_flow_listen && !c->n_flow_sflow)
		return 0;
	struct flow_side *fs = calloc(1, sizeof(*fs));
	if (!fs || !(fs->bufs = malloc((size_t)FLOW_BATCH * FLOW_DGRAM))) {
		free(fs);
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "flow: out of memory");
	}
	s->flow = fs;
	fs->s = s;
	fs->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 10);
	for (unsigned i = 0; i < FLOW_BATCH; i++) {
		fs->iov[i].iov_base = fs->bufs + (size_t)i * FLOW_DGRAM;
		fs->iov[i].iov_len = FLOW_DGRAM;
	}
	struct flow_dec_opts fo;
	flow_dec_opts_init(&fo);
	fo.sampling = c->flow_sampling;
	struct ddos_opts dopt;
	ddos_opts_init(&dopt);
	dopt.max_hosts = c->flow_max_hosts;
	dopt.attack_end = c->flow_attack_end;
	dopt.baseline = c->flow_baseline;
	dopt.baseline_factor = c->flow_baseline_factor;
	dopt.baseline_min_pps = c->flow_baseline_min_pps;
	dopt.sampling = c->flow_sampling;
	struct ddos_cbs cbs = {cb_start, cb_end, fs};
	if (flow_dec_new(&fs->dec, &fo) < 0 || ddos_new(&fs->ddos, &dopt, &cbs) < 0)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "flow: out of memory");
	for (size_t i = 0; i < c->n_hostgroups; i++) {
		const struct conf_hostgroup *h = &c->hostgroups[i];
		struct ddos_group_spec g = {
			.name = h->name,
			.prefixes = h->prefixes,
			.n_prefixes = h->n_prefixes,
			.pps = h->pps,
			.bps = h->bps,
			.flows = h->flows,
			.syn_pps = h->syn_pps,
			.udp_pps = h->udp_pps,
			.icmp_pps = h->icmp_pps,
			.frag_pps = h->frag_pps,
			.amp_pps = h->amp_pps,
			.total_pps = h->total_pps,
			.total_bps = h->total_bps,
			.total_flows = h->total_flows,
			.blackhole = h->blackhole,
		};
		if (ddos_add_group(fs->ddos, &g) < 0)
			return lo_err_set(err, LO_EINVAL, LO_NOOFF,
					  "flow: [hostgroup %s]: cannot add", h->name);
	}
	if (!(fs->bin0 = calloc(c->n_hostgroups + 1, sizeof(*fs->bin0))))
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "flow: out of memory");
	series(fs, wall_ms(), false);
	for (size_t i = 0; i < c->n_flow_listen; i++)
		if (open_sock(fs, &c->flow_listen[i], "NetFlow/IPFIX", err) < 0)
			return err ? err->code : LO_EIO;
	for (size_t i = 0; i < c->n_flow_sflow; i++)
		if (open_sock(fs, &c->flow_sflow[i], "sFlow", err) < 0)
			return err ? err->code : LO_EIO;
	if (!c->n_flow_exporters)
		lo_log(LO_LOG_WARN, "flow: no [flow] exporter allowlist: datagrams from any source "
				    "are accepted");
	if (!c->n_hostgroups)
		lo_log(LO_LOG_WARN,
		       "flow: no [hostgroup]: flows are decoded but nothing is watched");
	return 0;
}

/*
 * series() - at the end of each bin, every group's average rates over it
 * as series flow.pps, flow.bps and flow.flows of entity hostgroup:NAME.
 */
static void series(struct flow_side *fs, int64_t now_ms, bool flush)
{
	uint32_t bin = fs->s->conf->detect.has_bin ? fs->s->conf->detect.bin : 300;
	int64_t now_s = now_ms / 1000, start = now_s - now_s % bin;
	if (!fs->bin_start) {
		fs->bin_start = start;
		flush = false; /* only (re)set the reference totals */
	} else if (start == fs->bin_start && !flush) {
		return;
	}
	uint64_t p, b, f;
	const char *name;
	for (size_t i = 0; (name = ddos_group_totals(fs->ddos, i, &p, &b, &f)); i++) {
		if (flush || fs->bin_start != start) {
			char entity[96];
			snprintf(entity, sizeof(entity), "hostgroup:%s", name);
			int64_t id = store_entity(fs->s->store, entity);
			/* a partial bin (shutdown) is averaged over the seconds it had */
			double secs = flush ? (double)(now_s - fs->bin_start + 1) : (double)bin;
			if (id > 0) {
				store_series_put(fs->s->store, id, "flow.pps", fs->bin_start,
						 (double)(p - fs->bin0[i][0]) / secs);
				store_series_put(fs->s->store, id, "flow.bps", fs->bin_start,
						 (double)(b - fs->bin0[i][1]) * 8 / secs);
				store_series_put(fs->s->store, id, "flow.flows", fs->bin_start,
						 (double)(f - fs->bin0[i][2]) / secs);
			}
		}
		fs->bin0[i][0] = p, fs->bin0[i][1] = b, fs->bin0[i][2] = f;
	}
	fs->bin_start = start;
}

/*
 * refresh_drops() - the sockets' drop counts from SO_MEMINFO: SO_RXQ_OVFL
 * only comes with a datagram queued after a drop, so a burst's last drops
 * would go unseen until the next datagram.
 */
static void refresh_drops(struct flow_side *fs)
{
	for (size_t i = 0; i < fs->n_socks; i++) {
		uint32_t mem[SK_MEMINFO_VARS] = {0};
		socklen_t len = sizeof(mem);
		if (getsockopt(fs->socks[i].fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
		    len > SK_MEMINFO_DROPS * sizeof(uint32_t) &&
		    mem[SK_MEMINFO_DROPS] > fs->socks[i].drops)
			fs->socks[i].drops = mem[SK_MEMINFO_DROPS];
	}
}

static uint64_t kernel_drops(const struct flow_side *fs)
{
	uint64_t n = 0;
	for (size_t i = 0; i < fs->n_socks; i++)
		n += fs->socks[i].drops;
	return n;
}

/* stats_line() - every minute (-v): what arrived, and what was lost. */
static void stats_line(struct flow_side *fs, int64_t now)
{
	if (now < fs->stats_at)
		return;
	const struct flow_dec_stats *f = flow_dec_stats(fs->dec);
	uint64_t drops = kernel_drops(fs);
	double secs = fs->stats_at ? 60 : 1;
	if (fs->stats_at)
		lo_log(LO_LOG_INFO,
		       "flow: last minute: %.0f datagrams/s, %.0f records/s, %" PRIu64
		       " malformed, %" PRIu64 " dropped by the kernel; %" PRIu64
		       " hosts counted, %" PRIu64 " attacks ongoing",
		       (double)(fs->datagrams - fs->last_dgrams) / secs,
		       (double)(f->records - fs->last_records) / secs,
		       f->malformed - fs->last_malformed, drops - fs->last_drops,
		       ddos_stats(fs->ddos)->hosts, ddos_stats(fs->ddos)->active);
	fs->last_dgrams = fs->datagrams;
	fs->last_records = f->records;
	fs->last_malformed = f->malformed;
	fs->last_drops = drops;
	fs->stats_at = now + 60000;
}

void flow_side_tick(struct server *s)
{
	struct flow_side *fs = s->flow;
	if (!fs)
		return;
	int64_t now = wall_ms();
	refresh_drops(fs);
	ddos_tick(fs->ddos, now);
	series(fs, now, false);
	stats_line(fs, now);
	holds_expire(fs, now, false);
}

void flow_side_free(struct server *s)
{
	struct flow_side *fs = s->flow;
	if (!fs)
		return;
	if (fs->ddos) {
		refresh_drops(fs);
		ddos_finish(fs->ddos, wall_ms());
		if (fs->bin0)
			series(fs, wall_ms(), true);
		const struct ddos_stats *d = ddos_stats(fs->ddos);
		uint64_t drops = kernel_drops(fs);
		const struct flow_dec_stats *f = flow_dec_stats(fs->dec);
		lo_log(LO_LOG_WARN,
		       "flow: %" PRIu64 " datagrams (%" PRIu64 " not from an exporter, %" PRIu64
		       " malformed, %" PRIu64 " of no known format, %" PRIu64
		       " dropped by the kernel), %" PRIu64 " records (%" PRIu64
		       " monitored), %" PRIu64 " attacks",
		       fs->datagrams, fs->denied, f->malformed, f->unknown, drops, f->records,
		       d->monitored, d->attacks);
	}
	holds_expire(fs, 0, true);
	for (size_t i = 0; i < fs->n_socks; i++) {
		event_free(fs->socks[i].ev);
		if (fs->socks[i].timer)
			event_free(fs->socks[i].timer);
		close(fs->socks[i].fd);
	}
	ddos_free(fs->ddos);
	flow_dec_free(fs->dec);
	free(fs->bin0);
	free(fs->bufs);
	free(fs);
	s->flow = NULL;
}

/* ---------------------------------------------------------------- reports (HTTP) */

void flow_side_report(struct server *s, struct lo_buf *status, struct lo_buf *metrics,
		      uint64_t *malformed)
{
	const struct flow_side *fs = s->flow;
	struct flow_dec_stats f = {0};
	struct ddos_stats d = {0};
	uint64_t datagrams = 0, denied = 0, drops = 0;
	if (fs) {
		f = *flow_dec_stats(fs->dec);
		d = *ddos_stats(fs->ddos);
		datagrams = fs->datagrams;
		denied = fs->denied;
		drops = kernel_drops(fs);
	}
	lo_buf_printf(status, ",\"flow\":{\"listeners\":[");
	for (size_t i = 0; fs && i < fs->n_socks; i++) {
		lo_buf_printf(status, "%s{\"listen\":", i ? "," : "");
		http_json_str(status, fs->socks[i].name);
		lo_buf_printf(status, ",\"kernel_drops\":%" PRIu32 "}", fs->socks[i].drops);
	}
	lo_buf_printf(status,
		      "],\"exporters_allowed\":%zu,\"datagrams\":%" PRIu64 ",\"denied\":%" PRIu64
		      ",\"kernel_drops\":%" PRIu64 ",\"netflow5\":%" PRIu64 ",\"netflow9\":%" PRIu64
		      ",\"ipfix\":%" PRIu64 ",\"sflow5\":%" PRIu64 ",\"unknown\":%" PRIu64
		      ",\"records\":%" PRIu64 ",\"templates\":%" PRIu64 ",\"malformed\":%" PRIu64
		      ",\"hosts\":%" PRIu64 ",\"monitored_records\":%" PRIu64
		      ",\"attacks\":%" PRIu64 ",\"attacks_ongoing\":%" PRIu64 "}",
		      s->conf->n_flow_exporters, datagrams, denied, drops, f.netflow5, f.netflow9,
		      f.ipfix, f.sflow5, f.unknown, f.records, f.templates, f.malformed, d.hosts,
		      d.monitored, d.attacks, d.active);
	lo_buf_printf(metrics,
		      "# HELP lightsout_flow_datagrams_total Flow datagrams received (from "
		      "allowed exporters), by protocol.\n"
		      "# TYPE lightsout_flow_datagrams_total counter\n"
		      "lightsout_flow_datagrams_total{protocol=\"netflow5\"} %" PRIu64 "\n"
		      "lightsout_flow_datagrams_total{protocol=\"netflow9\"} %" PRIu64 "\n"
		      "lightsout_flow_datagrams_total{protocol=\"ipfix\"} %" PRIu64 "\n"
		      "lightsout_flow_datagrams_total{protocol=\"sflow5\"} %" PRIu64 "\n"
		      "lightsout_flow_datagrams_total{protocol=\"unknown\"} %" PRIu64 "\n",
		      f.netflow5, f.netflow9, f.ipfix, f.sflow5, f.unknown);
	lo_buf_printf(metrics,
		      "# HELP lightsout_flow_denied_total Flow datagrams from sources outside the "
		      "exporter allowlist (dropped).\n"
		      "# TYPE lightsout_flow_denied_total counter\n"
		      "lightsout_flow_denied_total %" PRIu64 "\n"
		      "# HELP lightsout_flow_kernel_drops_total Flow datagrams dropped by the "
		      "kernel (socket buffer full).\n"
		      "# TYPE lightsout_flow_kernel_drops_total counter\n"
		      "lightsout_flow_kernel_drops_total %" PRIu64 "\n"
		      "# HELP lightsout_flow_records_total Flow records decoded.\n"
		      "# TYPE lightsout_flow_records_total counter\n"
		      "lightsout_flow_records_total %" PRIu64 "\n"
		      "# HELP lightsout_flow_templates_total NetFlow v9 and IPFIX templates "
		      "learned.\n# TYPE lightsout_flow_templates_total counter\n"
		      "lightsout_flow_templates_total %" PRIu64 "\n",
		      denied, drops, f.records, f.templates);
	lo_buf_printf(metrics,
		      "# HELP lightsout_flow_hosts Hosts being counted by the attack detector.\n"
		      "# TYPE lightsout_flow_hosts gauge\nlightsout_flow_hosts %" PRIu64 "\n"
		      "# HELP lightsout_flow_attacks_total Attacks detected.\n"
		      "# TYPE lightsout_flow_attacks_total counter\n"
		      "lightsout_flow_attacks_total %" PRIu64 "\n"
		      "# HELP lightsout_flow_attacks_ongoing Attacks going on.\n"
		      "# TYPE lightsout_flow_attacks_ongoing gauge\n"
		      "lightsout_flow_attacks_ongoing %" PRIu64 "\n",
		      d.hosts, d.attacks, d.active);
	*malformed = f.malformed;
}
