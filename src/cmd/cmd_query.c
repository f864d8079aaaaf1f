/*
 * DOC: `lightsout events` and `lightsout series` — read the store (DESIGN.md
 * §3).  Both work on a store another process is writing (WAL).
 */
#include <getopt.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "geo/geo.h"
#include "http/http.h"
#include "store/store.h"

enum fmt { FMT_TABLE, FMT_JSON, FMT_CSV };

static int parse_fmt(const char *s, enum fmt *f)
{
	if (!strcmp(s, "table"))
		*f = FMT_TABLE;
	else if (!strcmp(s, "json"))
		*f = FMT_JSON;
	else if (!strcmp(s, "csv"))
		*f = FMT_CSV;
	else
		return LO_EINVAL;
	return 0;
}

/* A JSON string: the store's text came from us, but escape it anyway (as the API does). */
static void json_str(const char *s)
{
	struct lo_buf b;
	lo_buf_init(&b, 1u << 20);
	if (http_json_str(&b, s) == 0)
		fputs(b.p, stdout);
	lo_buf_fini(&b);
}

struct ev_ctx {
	enum fmt fmt;
	unsigned rows;
	struct lo_buf json;
};

static int print_event(void *ctx, const struct store_event_row *r)
{
	struct ev_ctx *c = ctx;
	char a[32], b[32] = "";
	int64_t dur = r->end ? r->end - r->start : -1;

	lo_time_iso(r->start, a, sizeof(a));
	if (r->end)
		lo_time_iso(r->end, b, sizeof(b));
	switch (c->fmt) {
	case FMT_JSON: /* the API's object (src/http), one a line */
		lo_buf_reset(&c->json);
		if (http_json_event(&c->json, r) == 0)
			printf("%s\n", c->json.p);
		break;
	case FMT_CSV:
		if (!c->rows)
			puts("id,entity,signal,kind,severity,start,end,duration_s,baseline,min,score,"
			     "incident");
		printf("%" PRId64 ",%s,%s,%s,%s,%s,%s,", r->id, r->entity, r->signal, r->kind,
		       r->severity, a, b);
		if (r->end)
			printf("%" PRId64, dur);
		printf(",%g,%g,%g,%" PRId64 "\n", r->baseline, r->min, r->score, r->incident);
		break;
	case FMT_TABLE:
		if (!c->rows)
			printf("%-6s %-24s %-20s %-15s %-9s %-21s %-21s %10s %8s %6s %8s\n", "id",
			       "entity", "signal", "kind", "severity", "start", "end", "duration_s",
			       "baseline", "min", "incident");
		printf("%-6" PRId64 " %-24s %-20s %-15s %-9s %-21s %-21s ", r->id, r->entity,
		       r->signal, r->kind, r->severity, a, r->end ? b : "ongoing");
		if (r->end)
			printf("%10" PRId64, dur);
		else
			printf("%10s", "-");
		printf(" %8g %6g %8" PRId64 "\n", r->baseline, r->min, r->incident);
		break;
	}
	c->rows++;
	return 0;
}

/*
 * flow_entity() - the entities of the daemon's own sources: host:ADDR
 * (normalised) and hostgroup:NAME of attacks, probe:NAME of probe targets;
 * true when @arg is one (written to @spec).
 */
static bool flow_entity(const char *arg, char *spec, size_t n)
{
	if ((!strncmp(arg, "hostgroup:", 10) && arg[10]) ||
	    (!strncmp(arg, "probe:", 6) && arg[6])) {
		snprintf(spec, n, "%s", arg);
		return true;
	}
	struct bgp_addr a = {0};
	if (strncmp(arg, "host:", 5))
		return false;
	if (inet_pton(AF_INET, arg + 5, a.b) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, arg + 5, a.b) == 1)
		a.family = 6;
	else
		return false;
	char text[BGP_ADDR_STRLEN];
	bgp_fmt_addr(&a, text);
	snprintf(spec, n, "host:%s", text);
	return true;
}

static const char events_usage[] =
	"usage: lightsout events [--db PATH] [--entity SPEC] [--since TIME]\n"
	"                        [--format table|json|csv]\n"
	"\n"
	"List detected events, oldest first.  TIME: ISO 8601 UTC or unix seconds.\n"
	"SPEC: country:CC, asn:N, prefix:P, group:NAME, for attacks host:ADDR\n"
	"or hostgroup:NAME, for probe targets probe:NAME.\n";

static const char series_usage[] =
	"usage: lightsout series [--db PATH] --entity SPEC [--signal NAME] [--from TIME]\n"
	"                        [--until TIME] [--format table|json|csv]\n"
	"\n"
	"List a signal's binned values (default signal bgp.visible_slash24).\n"
	"SPEC as for events; flow signals (flow.pps, flow.bps, flow.flows) are kept\n"
	"per hostgroup:NAME; probe.up and probe.rtt_ms per probe:NAME; probe.up_blocks\n"
	"and probe.blocks per probe:NAME and the entities a block probe names.\n";

struct series_ctx {
	enum fmt fmt;
	const char *entity, *signal;
	unsigned rows;
};

static int print_bin(void *ctx, int64_t bin, double v)
{
	struct series_ctx *c = ctx;
	char t[32];
	lo_time_iso(bin, t, sizeof(t));
	switch (c->fmt) {
	case FMT_JSON:
		printf("{\"entity\":");
		json_str(c->entity);
		printf(",\"signal\":");
		json_str(c->signal);
		printf(",\"time\":\"%s\",\"value\":%g}\n", t, v);
		break;
	case FMT_CSV:
		if (!c->rows)
			puts("time,value");
		printf("%s,%g\n", t, v);
		break;
	case FMT_TABLE:
		if (!c->rows)
			printf("%-21s %s\n", "time", "value");
		printf("%-21s %g\n", t, v);
		break;
	}
	c->rows++;
	return 0;
}

static int run(int argc, char **argv, bool series)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"entity", required_argument, NULL, 'e'},
		{"since", required_argument, NULL, 's'},
		{"from", required_argument, NULL, 'f'},
		{"until", required_argument, NULL, 'u'},
		{"signal", required_argument, NULL, 'S'},
		{"format", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db = "lightsout.db", *entity = NULL, *signal = "bgp.visible_slash24";
	const char *usage = series ? series_usage : events_usage;
	int64_t from = 0, until = INT64_MAX;
	enum fmt fmt = FMT_TABLE;
	char spec[128];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'e': {
			struct geo_entity e;
			struct lo_err err;
			if (flow_entity(optarg, spec, sizeof(spec))) {
				entity = spec; /* an attack's host:ADDR or hostgroup:NAME */
				break;
			}
			if (geo_entity_parse(&e, optarg, &err)) {
				fprintf(stderr, "lightsout: --entity %s: %s\n", optarg, err.msg);
				return CMD_USAGE;
			}
			geo_entity_fmt(&e, spec, sizeof(spec));
			entity = spec;
			break;
		}
		case 's':
		case 'f':
		case 'u':
			if (lo_time_parse(optarg, c == 'u' ? &until : &from)) {
				fprintf(stderr, "lightsout: bad time '%s'\n", optarg);
				return CMD_USAGE;
			}
			break;
		case 'S':
			signal = optarg;
			break;
		case 'F':
			if (parse_fmt(optarg, &fmt)) {
				fprintf(stderr, "lightsout: --format wants table, json or csv\n");
				return CMD_USAGE;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_USAGE;
		}
	}
	if (optind != argc || (series && !entity)) {
		fputs(usage, stderr);
		return CMD_USAGE;
	}
	struct lo_err err;
	struct store *s = store_open(db, &err);
	if (!s) {
		fprintf(stderr, "lightsout: %s: %s\n", db, err.msg);
		return CMD_USAGE;
	}
	int rc;
	if (series) {
		struct series_ctx sc = {fmt, entity, signal, 0};
		rc = store_series(s, entity, signal, from, until, print_bin, &sc);
	} else {
		struct ev_ctx ec = {fmt, 0, {0}};
		lo_buf_init(&ec.json, 64u << 20);
		rc = store_events(s, entity, from, 1000000, print_event, &ec);
		lo_buf_fini(&ec.json);
	}
	store_close(s);
	if (rc) {
		fprintf(stderr, "lightsout: %s: query failed\n", db);
		return CMD_USAGE;
	}
	return CMD_OK;
}

int cmd_events(int argc, char **argv)
{
	return run(argc, argv, false);
}

int cmd_series(int argc, char **argv)
{
	return run(argc, argv, true);
}
