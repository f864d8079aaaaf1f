/*
 * DOC: `lightsout replay` — MRT archives through RIB, signals and detectors
 * into the store, then the events table.
 *
 * Data flow: archive (records in time order) -> rib (visibility changes) ->
 * sig_tracker (visible /24s per entity) -> det_level per entity (events) and
 * 5-minute bins -> store.  This first version computes bgp.visible_slash24
 * for every country and the entities given with --entity; the other
 * signals, groups from a config file and the progress bar come next.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "detect/detect.h"
#include "geo/geo.h"
#include "mrt/mrt.h"
#include "rib/rib.h"
#include "signal/signal.h"
#include "store/store.h"

#define SIGNAL_V24	 "bgp.visible_slash24"
#define MAX_CLI_ENTITIES 256
#define MAX_GEO		 8

static const char usage[] =
	"usage: lightsout replay [--db PATH] [--geo SOURCE]... [--bin SECONDS]\n"
	"                        [--from TIME] [--until TIME] [--entity SPEC]... PATH...\n"
	"\n"
	"Replay MRT archives (files, or directories laid out like RouteViews RIBS/ +\n"
	"UPDATES/ or RIS bview.* + updates.*, several collectors merged in time order)\n"
	"through the RIB, per-entity signals and the outage detector; write series and\n"
	"events to the store and print the events.\n"
	"\n"
	"  --db PATH       SQLite store (default lightsout.db)\n"
	"  --geo SOURCE    libloc, libloc:PATH or rir:PATH (repeatable; default libloc)\n"
	"  --bin SECONDS   bin length of stored series (default 300)\n"
	"  --from TIME     ISO 8601 UTC (2014-12-22T16:15:00Z) or unix seconds\n"
	"  --until TIME\n"
	"  --entity SPEC   also track country:CC, asn:N or prefix:P (repeatable)\n"
	"  -h, --help\n"
	"\n"
	"Exit status: 0 ok, 1 bad usage or unreadable input, 2 some input was corrupt.\n";

#define LOSS_RING 64

/* A prefix of the entity that stopped being visible, for event details. */
struct loss {
	struct bgp_prefix p;
	uint32_t time;
	uint32_t upstream;
	double peers_lost; /* share of full-feed peers without it when it went dark */
};

struct entity_state {
	struct loss ring[LOSS_RING];
	unsigned n_loss; /* total ever; ring index = n_loss % LOSS_RING */
	char detail[2048];
	bool detail_done; /* made once the event has lasted min_duration */
	struct det_level *det;
	int64_t store_id;
	uint32_t bin; /* start of the bin being filled */
	double value; /* current value */
	bool have;
	struct store_event ev;
	bool ev_open;
};

struct replay {
	struct store *store;
	struct sig_tracker *tracker;
	struct rib *rib;
	struct entity_state *es;
	unsigned n_es;
	uint32_t bin;
	uint32_t from, until;
	uint64_t events, errors;
	struct det_level_opts det_opts;
	unsigned current;    /* entity whose detector is reporting */
	struct loss pending; /* the visibility loss being dispatched to entities */
};

static void fmt_duration(int64_t s, char *buf, size_t n)
{
	if (s >= 3600) {
		int64_t m = (s + 30) / 60; /* to the nearest minute, as outages are reported */
		snprintf(buf, n, "%" PRId64 "h%02" PRId64 "m", m / 60, m % 60);
	} else if (s >= 60)
		snprintf(buf, n, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else
		snprintf(buf, n, "%" PRId64 "s", s);
}

/* ---------------------------------------------------------------- plumbing */

static int grow_entities(struct replay *rp, unsigned n)
{
	if (n <= rp->n_es)
		return 0;
	struct entity_state *v = realloc(rp->es, n * sizeof(*v));
	if (!v)
		return LO_ENOMEM;
	memset(v + rp->n_es, 0, (n - rp->n_es) * sizeof(*v));
	rp->es = v;
	rp->n_es = n;
	return 0;
}

/*
 * The event's detail: the entity's prefixes that went dark from 10 minutes
 * before the event's start up to @upto, the upstream ASNs of their last
 * paths, and the share of full-feed peers without them now (made once the
 * event has lasted the minimum duration, when the withdrawals have landed).
 */
static void make_detail(struct replay *rp, struct entity_state *es, uint32_t start, uint32_t upto)
{
	char *p = es->detail, *end = es->detail + sizeof(es->detail) - 64;
	uint32_t ups[8];
	unsigned n_up = 0, listed = 0, total = 0;
	double share = 0;

	p += snprintf(p, (size_t)(end - p), "{\"prefixes_lost\":[");
	unsigned first = es->n_loss > LOSS_RING ? es->n_loss - LOSS_RING : 0;
	for (unsigned i = first; i < es->n_loss; i++) {
		const struct loss *l = &es->ring[i % LOSS_RING];
		if (l->time > upto || l->time + 600 < start)
			continue;
		total++;
		struct rib_prefix_info info;
		unsigned n_ff = rib_full_feed_peers(rp->rib, l->p.addr.family);
		double lost = 1.0;
		if (rib_prefix_info(rp->rib, &l->p, &info) && n_ff)
			lost = 1.0 - (double)info.full_feed_peers / n_ff;
		if (lost > share)
			share = lost;
		bool known = false;
		for (unsigned k = 0; k < n_up; k++)
			known |= ups[k] == l->upstream;
		if (!known && l->upstream && n_up < 8)
			ups[n_up++] = l->upstream;
		if (listed < 32 && end - p > 64) {
			char a[BGP_ADDR_STRLEN];
			bgp_fmt_addr(&l->p.addr, a);
			p += snprintf(p, (size_t)(end - p), "%s\"%s/%u\"", listed ? "," : "", a,
				      l->p.len);
			listed++;
		}
	}
	p += snprintf(p, (size_t)(end - p), "],\"prefixes_lost_count\":%u,\"upstreams_lost\":[",
		      total);
	for (unsigned k = 0; k < n_up; k++)
		p += snprintf(p, (size_t)(end - p), "%s%" PRIu32, k ? "," : "", ups[k]);
	snprintf(p, (size_t)(end + 64 - p), "],\"full_feed_peers_lost_share\":%.2f}", share);
}

/* Once an open event has lasted the minimum duration, explain it. */
static void maybe_detail(struct replay *rp, struct entity_state *es, uint32_t t)
{
	if (es->ev_open && !es->detail_done && t >= es->ev.start + rp->det_opts.min_duration) {
		make_detail(rp, es, (uint32_t)es->ev.start, t);
		es->detail_done = true;
	}
}

static void on_det(void *ctx, enum det_change what, const struct det_event *ev)
{
	struct replay *rp = ctx;
	struct entity_state *es = &rp->es[rp->current];

	if (what == DET_CANCEL) {
		es->ev_open = false;
		return;
	}
	es->ev.entity = es->store_id;
	es->ev.signal = SIGNAL_V24;
	es->ev.kind = ev->kind == DET_OUTAGE ? "outage" : "partial_outage";
	es->ev.severity = ev->severity == DET_CRITICAL ? "critical" : "warning";
	es->ev.start = ev->start;
	es->ev.end = ev->end;
	es->ev.baseline = ev->baseline;
	es->ev.min = ev->min;
	es->ev.score = ev->score;
	if (what == DET_OPEN) {
		es->detail_done = false;
		make_detail(rp, es, ev->start, ev->start);
	}
	if (what == DET_CLOSE && !es->detail_done)
		make_detail(rp, es, ev->start, ev->end);
	es->ev.detail = es->detail;
	es->ev_open = what != DET_CLOSE;
	if (what == DET_CLOSE) {
		if (store_event_put(rp->store, &es->ev))
			rp->errors++;
		es->ev.id = 0;
		rp->events++;
	}
}

/* Write finished bins of entity @i up to @t. */
static void flush_bins(struct replay *rp, unsigned i, uint32_t t)
{
	struct entity_state *es = &rp->es[i];
	while (es->have && t >= es->bin + rp->bin) {
		if (store_series_put(rp->store, es->store_id, SIGNAL_V24, es->bin, es->value))
			rp->errors++;
		es->bin += rp->bin;
		if (t - es->bin > 86400u * 7) /* long silence: jump, the value is unchanged */
			es->bin = t - t % rp->bin;
	}
}

static int entity_state(struct replay *rp, unsigned idx)
{
	if (grow_entities(rp, idx + 1))
		return LO_ENOMEM;
	struct entity_state *es = &rp->es[idx];
	if (!es->det) {
		es->det = det_level_new(&rp->det_opts);
		es->store_id = store_entity(rp->store, sig_tracker_spec(rp->tracker, idx));
		if (!es->det || es->store_id < 0)
			return LO_EIO;
	}
	return 0;
}

static void on_value(void *ctx, unsigned idx, uint32_t time, double value)
{
	struct replay *rp = ctx;
	if (entity_state(rp, idx)) {
		rp->errors++;
		return;
	}
	struct entity_state *es = &rp->es[idx];
	if (!es->have) {
		es->have = true;
		es->bin = time - time % rp->bin;
	}
	flush_bins(rp, idx, time);
	maybe_detail(rp, es, time);
	es->value = value;
	rp->current = idx;
	det_level_update(es->det, time, value);
}

static void on_touch(void *ctx, unsigned idx, const struct bgp_prefix *p, bool visible,
		     uint32_t time)
{
	struct replay *rp = ctx;
	if (visible || entity_state(rp, idx))
		return;
	struct entity_state *es = &rp->es[idx];
	es->ring[es->n_loss++ % LOSS_RING] = rp->pending;
}

static void on_visibility(void *ctx, const struct bgp_prefix *p, bool visible, uint32_t time)
{
	struct replay *rp = ctx;
	struct rib_prefix_info info;
	uint32_t origin = 0;
	if (visible && rib_prefix_info(rp->rib, p, &info))
		origin = info.origin_asn;
	if (!visible) {
		unsigned n_ff = rib_full_feed_peers(rp->rib, p->addr.family);
		memset(&rp->pending, 0, sizeof(rp->pending));
		rp->pending.p = *p;
		rp->pending.time = time;
		if (rib_prefix_info(rp->rib, p, &info)) {
			rp->pending.upstream = info.upstream_asn;
			if (n_ff)
				rp->pending.peers_lost = 1.0 - (double)info.full_feed_peers / n_ff;
		} else {
			rp->pending.peers_lost = 1.0;
		}
	}
	if (sig_tracker_visibility(rp->tracker, p, visible, origin, time))
		rp->errors++;
}

static void tick_all(struct replay *rp, uint32_t t)
{
	for (unsigned i = 0; i < rp->n_es; i++) {
		if (!rp->es[i].det)
			continue;
		flush_bins(rp, i, t);
		maybe_detail(rp, &rp->es[i], t);
		rp->current = i;
		det_level_tick(rp->es[i].det, t);
	}
}

struct print_ctx {
	unsigned rows;
	int64_t after; /* print only events with a larger id (this run's) */
};

static int max_id(void *ctx, const struct store_event_row *row)
{
	int64_t *m = ctx;
	if (row->id > *m)
		*m = row->id;
	return 0;
}

static int print_event(void *ctx, const struct store_event_row *row)
{
	struct print_ctx *pc = ctx;
	if (row->id <= pc->after)
		return 0;
	char a[32], b[32] = "-", d[32] = "ongoing";
	lo_time_iso(row->start, a, sizeof(a));
	if (row->end) {
		lo_time_iso(row->end, b, sizeof(b));
		fmt_duration(row->end - row->start, d, sizeof(d));
	}
	if (!pc->rows++)
		printf("%-6s %-18s %-20s %-15s %-9s %-21s %-21s %-9s %8s %6s\n", "id", "entity",
		       "signal", "kind", "severity", "start", "end", "duration", "baseline", "min");
	printf("%-6" PRId64 " %-18s %-20s %-15s %-9s %-21s %-21s %-9s %8.0f %6.0f\n", row->id,
	       row->entity, row->signal, row->kind, row->severity, a, b, d, row->baseline,
	       row->min);
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},	 {"geo", required_argument, NULL, 'g'},
		{"bin", required_argument, NULL, 'b'},	 {"from", required_argument, NULL, 'f'},
		{"until", required_argument, NULL, 'u'}, {"entity", required_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},	 {NULL, 0, NULL, 0},
	};
	const char *db_path = "lightsout.db", *geo_src[MAX_GEO];
	unsigned n_geo = 0;
	struct geo_entity ents[MAX_CLI_ENTITIES];
	size_t n_ents = 0;
	struct replay rp = {.bin = 300};
	struct lo_err err;
	int c, status = CMD_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'g':
			if (n_geo == MAX_GEO) {
				fprintf(stderr, "lightsout replay: at most %d --geo\n", MAX_GEO);
				return CMD_USAGE;
			}
			geo_src[n_geo++] = optarg;
			break;
		case 'b': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 60 || v > 86400) {
				fprintf(stderr,
					"lightsout replay: --bin wants 60..86400 seconds\n");
				return CMD_USAGE;
			}
			rp.bin = (uint32_t)v;
			break;
		}
		case 'f':
		case 'u':
			if (lo_time_parse32(optarg, c == 'f' ? &rp.from : &rp.until)) {
				fprintf(stderr, "lightsout replay: bad time '%s'\n", optarg);
				return CMD_USAGE;
			}
			break;
		case 'e':
			if (n_ents == MAX_CLI_ENTITIES ||
			    geo_entity_parse(&ents[n_ents], optarg, &err)) {
				fprintf(stderr, "lightsout replay: --entity %s: %s\n", optarg,
					n_ents == MAX_CLI_ENTITIES ? "too many" : err.msg);
				return CMD_USAGE;
			}
			n_ents++;
			break;
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "lightsout replay: no input\n\n%s", usage);
		return CMD_USAGE;
	}
	if (!n_geo)
		geo_src[n_geo++] = "libloc";

	struct geo_db *geo = geo_db_new();
	if (!geo)
		return CMD_USAGE;
	for (unsigned i = 0; i < n_geo; i++) {
		struct geo_load_stats gs = {0};
		if (geo_db_add(geo, geo_src[i], &gs, &err)) {
			fprintf(stderr, "lightsout replay: --geo %s: %s\n", geo_src[i], err.msg);
			geo_db_free(geo);
			return CMD_USAGE;
		}
		if (gs.bad_lines || gs.damaged_files)
			status = CMD_CORRUPT;
	}
	rp.store = store_open(db_path, &err);
	if (!rp.store) {
		fprintf(stderr, "lightsout replay: %s: %s\n", db_path, err.msg);
		geo_db_free(geo);
		return CMD_USAGE;
	}
	det_level_opts_default(&rp.det_opts);
	rp.det_opts.bin = rp.bin;
	rp.det_opts.on_event = on_det;
	rp.det_opts.ctx = &rp;
	struct sig_tracker_opts to = {.geo = geo,
				      .all_countries = true,
				      .entities = ents,
				      .n_entities = n_ents,
				      .on_value = on_value,
				      .on_touch = on_touch,
				      .ctx = &rp};
	rp.tracker = sig_tracker_new(&to);
	struct rib_opts ro;
	rib_opts_default(&ro);
	ro.on_visibility = on_visibility;
	ro.ctx = &rp;
	rp.rib = rib_new(&ro);
	struct mrt_archive *ar = NULL;
	if (!rp.tracker || !rp.rib ||
	    mrt_archive_open(&ar, argv + optind, (unsigned)(argc - optind), rp.from, rp.until, NULL,
			     &err)) {
		fprintf(stderr, "lightsout replay: %s\n", err.msg[0] ? err.msg : "out of memory");
		status = CMD_USAGE;
		goto out;
	}

	struct lo_ratelimit rl = LO_RATELIMIT_INIT(1, 20);
	uint32_t last_tick = 0;
	/* progress on stderr when it is a terminal: by record time over the files' span */
	bool progress = isatty(2);
	uint32_t span_lo = UINT32_MAX, span_hi = 0;
	uint64_t records = 0;
	time_t last_progress = 0;
	for (unsigned i = 0; i < mrt_archive_files(ar); i++) {
		uint32_t ft;
		mrt_archive_file(ar, i, NULL, NULL, &ft);
		if (ft && ft < span_lo)
			span_lo = ft;
		if (ft && ft + 900 > span_hi)
			span_hi = ft + 900;
	}
	if (rp.until && rp.until < span_hi)
		span_hi = rp.until;
	int64_t first_id = 0;
	store_events(rp.store, NULL, 0, UINT32_MAX, max_id, &first_id);
	store_begin(rp.store);
	for (;;) {
		const struct mrt_record *rec;
		struct mrt_reader *rd;
		uint16_t col;
		lo_err_clear(&err);
		int rc = mrt_archive_next(ar, &rec, &col, &rd, &err);
		if (rc == 0)
			break;
		if (rc < 0) {
			lo_log_err(&rl, LO_LOG_ERROR, &err);
			status = CMD_CORRUPT;
			continue;
		}
		if (rp.until && rec->time > rp.until)
			continue;
		if (progress && !(++records & 0xfff) && time(NULL) != last_progress &&
		    span_hi > span_lo) {
			char ts[32];
			last_progress = time(NULL);
			lo_time_iso(rec->time, ts, sizeof(ts));
			double pct = rec->time <= span_lo   ? 0
				     : rec->time >= span_hi ? 100
							    : 100.0 * (rec->time - span_lo) /
								      (double)(span_hi - span_lo);
			fprintf(stderr, "\rlightsout replay: %5.1f%%  %s  %" PRIu64 " records", pct,
				ts, records);
		}
		if (rec->time >= last_tick + rp.bin) {
			tick_all(&rp, rec->time);
			last_tick = rec->time - rec->time % rp.bin;
			store_commit(rp.store);
			store_begin(rp.store);
		}
		const struct mrt_elem *e;
		int k;
		while ((k = mrt_record_next_elem(rd, &e)) != 0)
			if (k > 0 && rib_apply_elem(rp.rib, col, e))
				rp.errors++;
	}
	/* close the last bins and store still-open events */
	if (last_tick)
		tick_all(&rp, last_tick + rp.bin);
	for (unsigned i = 0; i < rp.n_es; i++) {
		struct entity_state *es = &rp.es[i];
		if (es->have &&
		    store_series_put(rp.store, es->store_id, SIGNAL_V24, es->bin, es->value))
			rp.errors++;
		es->ev.detail = es->detail; /* es may have moved since the event opened */
		if (es->ev_open && store_event_put(rp.store, &es->ev))
			rp.errors++;
	}
	store_commit(rp.store);
	if (progress && records >= 0x1000)
		fprintf(stderr, "\r%60s\r", "");
	lo_log_flush(&rl);

	struct print_ctx pc = {.after = first_id};
	struct rib_stats st;
	rib_stats(rp.rib, &st);
	fprintf(stderr,
		"lightsout replay: %u files, %zu peers, %zu routes, %zu/%zu visible IPv4/IPv6 "
		"prefixes, %u entities\n",
		mrt_archive_files(ar), st.peers, st.routes, st.visible[0], st.visible[1],
		sig_tracker_count(rp.tracker));
	if (n_ents) {
		for (size_t i = 0; i < n_ents; i++) {
			char spec[96];
			geo_entity_fmt(&ents[i], spec, sizeof(spec));
			store_events(rp.store, spec, 0, 100000, print_event, &pc);
		}
	} else {
		store_events(rp.store, NULL, 0, 100000, print_event, &pc);
	}
	if (!pc.rows)
		printf("no events\n");
out:
	mrt_archive_free(ar);
	for (unsigned i = 0; i < rp.n_es; i++)
		det_level_free(rp.es[i].det);
	free(rp.es);
	rib_free(rp.rib);
	sig_tracker_free(rp.tracker);
	store_close(rp.store);
	geo_db_free(geo);
	return status;
}
