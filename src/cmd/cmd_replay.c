/*
 * DOC: `lightsout replay` — MRT archives through RIB, signals and detectors
 * into the store, then the events table.
 *
 * Data flow: archive (records in time order, src/mrt) -> watch (rib,
 * signals, detectors, store; src/watch).  This file reads the options and
 * the config file, drives the archive, ends RIB dumps, shows progress and
 * prints the events of the run.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "conf/conf.h"
#include "detect/detect.h"
#include "geo/geo.h"
#include "mrt/mrt.h"
#include "rib/rib.h"
#include "signal/signal.h"
#include "store/store.h"
#include "watch/watch.h"

#define MAX_CLI_ENTITIES 256
#define MAX_GEO		 8

static const char usage[] =
	"usage: lightsout replay [-c CONFIG] [--db PATH] [--geo SOURCE]... [--bin SECONDS]\n"
	"                        [--from TIME] [--until TIME] [--entity SPEC]... PATH...\n"
	"\n"
	"Replay MRT archives (files, or directories laid out like RouteViews RIBS/ +\n"
	"UPDATES/ or RIS bview.* + updates.*, several collectors merged in time order)\n"
	"through the RIB, per-entity signals and the outage detector; write series and\n"
	"events to the store and print the events.\n"
	"\n"
	"  -c CONFIG       config file (docs/config.md): [store], [geo], [entity NAME]\n"
	"                  groups, [detect] settings; options override it\n"
	"  --db PATH       SQLite store (default lightsout.db)\n"
	"  --geo SOURCE    libloc, libloc:PATH or rir:PATH (repeatable; default libloc)\n"
	"  --bin SECONDS   bin length of stored series (default 300)\n"
	"  --from TIME     ISO 8601 UTC (2014-12-22T16:15:00Z) or unix seconds\n"
	"  --until TIME\n"
	"  --entity SPEC   also track country:CC, asn:N, prefix:P or group:NAME (from the\n"
	"                  config); the events printed are then only theirs (repeatable)\n"
	"  -h, --help\n"
	"\n"
	"Exit status: 0 ok, 1 bad usage or unreadable input, 2 some input was corrupt.\n";

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

static const char *collector_name(void *ctx, uint16_t id)
{
	return mrt_archive_collector_name(ctx, id);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
		printf("%-6s %-18s %-20s %-15s %-9s %-21s %-21s %-9s %8s %6s %8s\n", "id", "entity",
		       "signal", "kind", "severity", "start", "end", "duration", "baseline", "min",
		       "incident");
	printf("%-6" PRId64 " %-18s %-20s %-15s %-9s %-21s %-21s %-9s %8.0f %6.0f %8" PRId64 "\n",
	       row->id, row->entity, row->signal, row->kind, row->severity, a, b, d, row->baseline,
	       row->min, row->incident);
	return 0;
}

/* Print the events of this run (ids above @after) with the incidents they form. */
static unsigned print_events(struct store *st, const struct geo_entity *ents, size_t n_ents,
			     int64_t after)
{
	struct print_ctx pc = {.after = after};
	if (n_ents) {
		for (size_t i = 0; i < n_ents; i++) {
			char spec[96];
			geo_entity_fmt(&ents[i], spec, sizeof(spec));
			store_events(st, spec, 0, 100000, print_event, &pc);
		}
	} else {
		store_events(st, NULL, 0, 100000, print_event, &pc);
	}
	return pc.rows;
}

/* Per collector, the RIB file being read as a dump (to end it when the collector moves on). */
struct dumps {
	const struct mrt_reader *rd[MRT_ARCHIVE_MAX_COLLECTORS];
	uint32_t time[MRT_ARCHIVE_MAX_COLLECTORS];
};

static void track_dump(struct watch *w, struct dumps *d, uint16_t col, const struct mrt_record *rec,
		       const struct mrt_reader *rd)
{
	bool dump = rec->type == MRT_T_TABLE_DUMP || rec->type == MRT_T_TABLE_DUMP_V2;
	bool index = rec->type == MRT_T_TABLE_DUMP_V2 && rec->subtype == MRT_TD2_PEER_INDEX;
	if (col >= MRT_ARCHIVE_MAX_COLLECTORS)
		return;
	if (d->rd[col] && (d->rd[col] != rd || index)) {
		watch_dump_end(w, col, d->time[col]);
		d->rd[col] = NULL;
	}
	if (dump && !d->rd[col]) {
		watch_dump_begin(w, col);
		d->rd[col] = rd;
	}
	if (dump)
		d->time[col] = rec->time;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"geo", required_argument, NULL, 'g'},
		{"bin", required_argument, NULL, 'b'},
		{"from", required_argument, NULL, 'f'},
		{"until", required_argument, NULL, 'u'},
		{"entity", required_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{"config", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *db_path = NULL, *geo_src[MAX_GEO], *conf_path = NULL;
	bool have_bin = false;
	unsigned n_geo = 0;
	struct geo_entity ents[MAX_CLI_ENTITIES];
	size_t n_ents = 0;
	uint32_t bin = 300, from = 0, until = 0;
	struct lo_err err;
	int c, status = CMD_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hc:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			break;
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
			if (*end || v < 1 || v > 86400) {
				fprintf(stderr, "lightsout replay: --bin wants 1..86400 seconds\n");
				return CMD_USAGE;
			}
			bin = (uint32_t)v;
			have_bin = true;
			break;
		}
		case 'f':
		case 'u':
			if (lo_time_parse32(optarg, c == 'f' ? &from : &until)) {
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
	struct conf *conf = NULL;
	if (conf_path && conf_load(&conf, conf_path, &err)) {
		fprintf(stderr, "lightsout replay: %s\n", err.msg);
		return CMD_USAGE;
	}
	/* options, then the config file, then the defaults */
	if (!db_path)
		db_path = conf && conf->store_path ? conf->store_path : "lightsout.db";
	for (size_t i = 0; conf && !n_geo && i < conf->n_geo_sources && i < MAX_GEO; i++)
		geo_src[i] = conf->geo_sources[i];
	if (conf && !n_geo)
		n_geo = conf->n_geo_sources < MAX_GEO ? (unsigned)conf->n_geo_sources : MAX_GEO;
	if (!n_geo)
		geo_src[n_geo++] = "libloc";
	/* groups: every [entity NAME] of the config; --entity group:NAME must be one */
	size_t n_plain = 0;
	struct geo_entity plain[MAX_CLI_ENTITIES];
	for (size_t i = 0; i < n_ents; i++) {
		if (ents[i].kind != GEO_ENT_GROUP) {
			plain[n_plain++] = ents[i];
			continue;
		}
		if (!conf || !conf_entity_find(conf, ents[i].group)) {
			fprintf(stderr,
				"lightsout replay: --entity group:%s: no [entity %s] in %s\n",
				ents[i].group, ents[i].group,
				conf ? conf_path : "a config file (-c)");
			conf_free(conf);
			return CMD_USAGE;
		}
	}

	struct geo_db *geo = geo_db_new();
	if (!geo) {
		conf_free(conf);
		return CMD_USAGE;
	}
	for (unsigned i = 0; i < n_geo; i++) {
		struct geo_load_stats gs = {0};
		if (geo_db_add(geo, geo_src[i], &gs, &err)) {
			fprintf(stderr, "lightsout replay: --geo %s: %s\n", geo_src[i], err.msg);
			geo_db_free(geo);
			conf_free(conf);
			return CMD_USAGE;
		}
		if (gs.bad_lines || gs.damaged_files)
			status = CMD_CORRUPT;
	}
	struct store *store = store_open(db_path, &err);
	if (!store) {
		fprintf(stderr, "lightsout replay: %s: %s\n", db_path, err.msg);
		geo_db_free(geo);
		conf_free(conf);
		return CMD_USAGE;
	}
	struct mrt_archive *ar = NULL;
	struct watch *w = NULL;
	struct dumps *dumps = calloc(1, sizeof(*dumps));
	if (!dumps || mrt_archive_open(&ar, argv + optind, (unsigned)(argc - optind), from, until,
				       NULL, &err)) {
		fprintf(stderr, "lightsout replay: %s\n", dumps ? err.msg : "out of memory");
		status = CMD_USAGE;
		goto out;
	}
	struct watch_opts wo;
	watch_opts_default(&wo);
	wo.geo = geo;
	wo.store = store;
	wo.entities = plain;
	wo.n_entities = n_plain;
	wo.conf = conf;
	wo.bin = have_bin ? bin : 0; /* else the config's, else 300 */
	wo.collector_name = collector_name;
	wo.ctx = ar;
	if (!(w = watch_new(&wo, &err))) {
		fprintf(stderr, "lightsout replay: %s\n", err.msg);
		status = CMD_USAGE;
		goto out;
	}

	struct lo_ratelimit rl = LO_RATELIMIT_INIT(1, 20);
	/* progress on stderr when it is a terminal: by record time over the files' span */
	bool progress = isatty(2);
	uint32_t span_lo = UINT32_MAX, span_hi = 0;
	uint64_t records = 0, update_elems = 0;
	time_t last_progress = 0;
	for (unsigned i = 0; i < mrt_archive_files(ar); i++) {
		uint32_t ft;
		mrt_archive_file(ar, i, NULL, NULL, &ft);
		if (ft && ft < span_lo)
			span_lo = ft;
		if (ft && ft + 900 > span_hi)
			span_hi = ft + 900;
	}
	if (until && until < span_hi)
		span_hi = until;
	int64_t first_id = 0;
	store_events(store, NULL, 0, UINT32_MAX, max_id, &first_id);
	double t0 = now_s(), t_updates = 0;
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
		if (until && rec->time > until)
			continue;
		records++;
		if (progress && !(records & 0xfff) && time(NULL) != last_progress &&
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
		watch_time(w, rec->time);
		track_dump(w, dumps, col, rec, rd);
		bool update = rec->type == MRT_T_BGP4MP || rec->type == MRT_T_BGP4MP_ET ||
			      rec->type == MRT_T_BGP;
		if (update && !t_updates)
			t_updates = now_s();
		const struct mrt_elem *e;
		int k;
		while ((k = mrt_record_next_elem(rd, &e)) != 0)
			if (k > 0) {
				watch_elem(w, col, e);
				update_elems += update;
			}
	}
	for (uint16_t i = 0; i < MRT_ARCHIVE_MAX_COLLECTORS; i++)
		if (dumps->rd[i])
			watch_dump_end(w, i, dumps->time[i]);
	watch_finish(w);
	double t1 = now_s();
	if (progress && records >= 0x1000)
		fprintf(stderr, "\r%60s\r", "");
	lo_log_flush(&rl);

	struct watch_stats st;
	watch_stats(w, &st);
	fprintf(stderr,
		"lightsout replay: %u files, %" PRIu64 " records, %" PRIu64
		" elems in %.1f s (updates: %" PRIu64 " elems, %.0f/s); %zu peers, %zu routes, "
		"%zu/%zu visible IPv4/IPv6 prefixes, %u entities, %" PRIu64 " series rows\n",
		mrt_archive_files(ar), records, st.elems, t1 - t0, update_elems,
		t_updates && t1 > t_updates ? (double)update_elems / (t1 - t_updates) : 0,
		st.rib.peers, st.rib.routes, st.rib.visible[0], st.rib.visible[1], st.entities,
		st.series_rows);
	if (st.errors)
		fprintf(stderr, "lightsout replay: %" PRIu64 " elems or writes not fully counted\n",
			st.errors);
	if (!print_events(store, ents, n_ents, first_id))
		printf("no events\n");
out:
	watch_free(w);
	mrt_archive_free(ar);
	free(dumps);
	store_close(store);
	geo_db_free(geo);
	conf_free(conf);
	return status;
}
