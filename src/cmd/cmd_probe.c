/*
 * DOC: `lightsout probe` — one-shot checks of targets from the command line,
 * through the same engine as the daemon's probers (src/probe).  Every target
 * is checked once (blocks: a sweep, then belief rounds until each block's
 * state is known, at most 5); the checks run concurrently under the rate cap.
 */
#include <event2/event.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "http/http.h"
#include "lib/lib.h"
#include "probe/probe.h"

#define CMD_DOWN    3 /* some target did not answer */
#define MAX_ROUNDS  5 /* belief rounds of a block target */
#define MAX_TARGETS 4096

static const char usage[] =
	"usage: lightsout probe [-j] [--timeout MS] [--retries N] [--expect TEXT]\n"
	"                       [--status CODE] [--rate PPS] TARGET...\n"
	"\n"
	"Check each TARGET once and print whether it answers:\n"
	"  icmp:ADDR                 ICMP echo (raw socket as root, else a ping socket)\n"
	"  tcp:ADDR:PORT             TCP connect (tcp:[V6]:PORT for IPv6)\n"
	"  http://URL, https://URL   GET: a 2xx or 3xx status (redirects are not followed)\n"
	"  dns:ADDR[:PORT][/NAME]    a DNS query for NAME (type A; default \".\", SOA):\n"
	"                            NOERROR or NXDOMAIN is up\n"
	"  block:PREFIX              the /24 blocks of an IPv4 prefix (/16 to /32): a sweep\n"
	"                            of .1-.254 finds the addresses that answer, then\n"
	"                            Trinocular belief rounds decide each block up or down\n"
	"Broadcast, multicast, unspecified and reserved addresses are refused.\n"
	"\n"
	"  -j, --json           one JSON object per target (docs/probing.md)\n"
	"  --timeout MS         per attempt, 10-60000 (default 2000; blocks 1500)\n"
	"  --retries N          attempts after a failed one, 0-10 (default 2)\n"
	"  --expect TEXT        HTTP: the body must contain TEXT\n"
	"  --status CODE        HTTP: the status must be CODE\n"
	"  --rate PPS           probes per second at most, 1-10000 (default 100)\n"
	"  -h, --help\n"
	"\n"
	"Exit status: 0 every target answered, 3 some did not, 1 bad usage.\n";

struct item {
	const char *spec;
	struct probe_target t;
	struct probe_result r;
	bool done;
	struct probe_blockset *bs;
	unsigned rounds;
	struct run *run;
};

struct run {
	struct event_base *base;
	struct item *items;
	size_t n, left;
};

static void one_done(struct run *run)
{
	if (!--run->left)
		event_base_loopbreak(run->base);
}

static void on_result(void *ctx, const struct probe_result *r)
{
	struct item *it = ctx;
	it->r = *r;
	it->done = true;
	one_done(it->run);
}

static bool block_settled(const struct item *it)
{
	for (size_t i = 0; i < probe_blockset_count(it->bs); i++) {
		const struct probe_block *b = probe_blockset_block(it->bs, i);
		if (probe_block_measurable(b) && b->state == PROBE_BLOCK_UNKNOWN)
			return false;
	}
	return true;
}

static void on_block_round(void *ctx)
{
	struct item *it = ctx;
	it->rounds++;
	if (it->done)
		return;
	if (block_settled(it) || it->rounds >= MAX_ROUNDS) {
		it->done = true;
		one_done(it->run);
		return;
	}
	probe_blockset_round(it->bs);
}

static void json_item(const struct item *it)
{
	struct lo_buf b;
	lo_buf_init(&b, 1 << 20);
	lo_buf_printf(&b, "{\"target\":");
	http_json_str(&b, it->spec);
	lo_buf_printf(&b, ",\"kind\":\"%s\"", probe_kind_name(it->t.kind));
	if (it->bs) {
		unsigned m, up = probe_blockset_up(it->bs, &m);
		lo_buf_printf(&b, ",\"up\":%s,\"up_blocks\":%u,\"measurable\":%u,\"blocks\":[",
			      m && up == m ? "true" : "false", up, m);
		for (size_t i = 0; i < probe_blockset_count(it->bs); i++) {
			const struct probe_block *k = probe_blockset_block(it->bs, i);
			const char *st = !probe_block_measurable(k)	? "unmeasurable"
					 : k->state == PROBE_BLOCK_UP	? "up"
					 : k->state == PROBE_BLOCK_DOWN ? "down"
									: "unknown";
			lo_buf_printf(&b,
				      "%s{\"block\":\"%u.%u.%u.0/24\",\"state\":\"%s\",\"ever\":%u,"
				      "\"probes\":%" PRIu64 ",\"answers\":%" PRIu64
				      ",\"availability\":%.3f,\"belief\":%.3f}",
				      i ? "," : "", k->base >> 24, (k->base >> 16) & 0xff,
				      (k->base >> 8) & 0xff, st, k->n_ever, k->probes, k->answers,
				      k->a, k->belief);
		}
		lo_buf_printf(&b, "]}");
	} else {
		const struct probe_result *r = &it->r;
		char t[24];
		lo_time_iso((int64_t)r->sent_wall, t, sizeof(t));
		lo_buf_printf(&b, ",\"up\":%s,\"why\":\"%s\",\"attempts\":%u,\"status\":%d",
			      r->up ? "true" : "false", probe_why_name(r->why), r->attempts,
			      r->status);
		if (r->rtt_ms >= 0)
			lo_buf_printf(&b, ",\"rtt_ms\":%.3f", r->rtt_ms);
		else
			lo_buf_printf(&b, ",\"rtt_ms\":null");
		lo_buf_printf(&b, ",\"time\":\"%s\",\"detail\":", t);
		http_json_str(&b, r->detail);
		lo_buf_printf(&b, "}");
	}
	puts(b.p ? b.p : "{}");
	lo_buf_fini(&b);
}

static void table_item(const struct item *it)
{
	if (it->bs) {
		unsigned m, up = probe_blockset_up(it->bs, &m);
		printf("%-40s %-5s %u of %u blocks up\n", it->spec, m && up == m ? "up" : "DOWN",
		       up, m);
		for (size_t i = 0; i < probe_blockset_count(it->bs); i++) {
			const struct probe_block *k = probe_blockset_block(it->bs, i);
			printf("  %u.%u.%u.0/24 %s: %u addresses answer, %" PRIu64
			       " probes, belief %.3f\n",
			       k->base >> 24, (k->base >> 16) & 0xff, (k->base >> 8) & 0xff,
			       !probe_block_measurable(k)     ? "unmeasurable"
			       : k->state == PROBE_BLOCK_UP   ? "up"
			       : k->state == PROBE_BLOCK_DOWN ? "down"
							      : "unknown",
			       k->n_ever, k->probes, k->belief);
		}
		return;
	}
	const struct probe_result *r = &it->r;
	char rtt[32] = "-";
	if (r->rtt_ms >= 0)
		snprintf(rtt, sizeof(rtt), "%.1f ms", r->rtt_ms);
	printf("%-40s %-5s %-10s %s (%s, %u attempts)\n", it->spec, r->up ? "up" : "DOWN", rtt,
	       r->detail, probe_why_name(r->why), r->attempts);
}

static int num(const char *v, long lo, long hi, long *out)
{
	char *e;
	long x = strtol(v, &e, 10);
	if (!*v || *e || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"retries", required_argument, NULL, 'r'},
		{"expect", required_argument, NULL, 'e'},
		{"status", required_argument, NULL, 's'},
		{"rate", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool json = false;
	long timeout = 0, retries = 2, status = 0, rate = 100;
	const char *expect = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 'j':
			json = true;
			break;
		case 't':
			bad = num(optarg, 10, 60000, &timeout);
			break;
		case 'r':
			bad = num(optarg, 0, 10, &retries);
			break;
		case 'e':
			expect = optarg;
			break;
		case 's':
			bad = num(optarg, 100, 599, &status);
			break;
		case 'R':
			bad = num(optarg, 1, 10000, &rate);
			break;
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_USAGE;
		}
		if (bad) {
			fprintf(stderr, "lightsout probe: bad value '%s'\n%s", optarg, usage);
			return CMD_USAGE;
		}
	}
	size_t n = (size_t)(argc - optind);
	if (!n || n > MAX_TARGETS) {
		fprintf(stderr, "lightsout probe: %s\n%s", n ? "too many targets" : "no target",
			usage);
		return CMD_USAGE;
	}
	struct item *items = calloc(n, sizeof(*items));
	if (!items) {
		fprintf(stderr, "lightsout probe: out of memory\n");
		return CMD_USAGE;
	}
	/* every target parses (and is allowed) before anything is sent */
	for (size_t i = 0; i < n; i++) {
		char why[200];
		items[i].spec = argv[optind + (int)i];
		if (probe_target_parse(items[i].spec, &items[i].t, why, sizeof(why))) {
			fprintf(stderr, "lightsout probe: %s: %s\n", items[i].spec, why);
			free(items);
			return CMD_USAGE;
		}
	}

	int rc = CMD_USAGE;
	struct run run = {.items = items, .n = n, .left = n};
	struct prober *pr = NULL;
	struct lo_err err;
	struct prober_opts po;
	prober_opts_default(&po);
	po.rate = (double)rate;
	po.burst = rate < 20 ? (double)rate : 20;
	if (!(run.base = event_base_new()) || !(pr = prober_new(run.base, &po, &err))) {
		fprintf(stderr, "lightsout probe: %s\n", run.base ? err.msg : "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		it->run = &run;
		if (it->t.kind == PROBE_BLOCK) {
			struct probe_blockset_opts bo;
			probe_blockset_opts_default(&bo);
			if (timeout)
				bo.timeout_ms = (unsigned)timeout;
			bo.on_round = on_block_round;
			bo.ctx = it;
			if (!(it->bs = probe_blockset_new(pr, &it->t.block, &bo, &err))) {
				fprintf(stderr, "lightsout probe: %s: %s\n", it->spec, err.msg);
				goto out;
			}
			probe_blockset_round(it->bs);
			continue;
		}
		struct probe_check ck = {
			.target = &it->t,
			.timeout_ms = timeout ? (unsigned)timeout : 2000,
			.retries = (unsigned)retries,
			.expect = expect,
			.expect_status = (unsigned)status,
		};
		if (prober_check(pr, &ck, on_result, it)) {
			fprintf(stderr, "lightsout probe: %s: cannot start the check\n", it->spec);
			goto out;
		}
	}
	if (run.left) /* (a block with nothing to send may be done already) */
		event_base_dispatch(run.base);

	rc = CMD_OK;
	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		bool up;
		if (it->bs) {
			unsigned m, u = probe_blockset_up(it->bs, &m);
			up = m && u == m;
		} else {
			up = it->r.up;
		}
		if (!up)
			rc = CMD_DOWN;
		if (json)
			json_item(it);
		else
			table_item(it);
	}
out:
	prober_free(pr);
	for (size_t i = 0; i < n; i++)
		probe_blockset_free(items[i].bs);
	if (run.base)
		event_base_free(run.base);
	free(items);
	return rc;
}
