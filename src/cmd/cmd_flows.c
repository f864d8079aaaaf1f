/*
 * DOC: `lightsout flows` — decode NetFlow v5/v9, IPFIX and sFlow v5 export
 * packets from captures (libpcap: pcap and pcapng), for forensics and
 * tests.  Every UDP datagram of the captures goes to the decoder, whatever
 * its port; templates are cached per exporter across all files, in order.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "flow/flow.h"

static const char usage[] =
	"usage: lightsout flows [-j] [--options] [--stats] [--sampling N] FILE.pcap...\n"
	"\n"
	"Decode NetFlow v5/v9, IPFIX and sFlow v5 packets from captures (pcap or\n"
	"pcapng; Ethernet, raw IP, Linux cooked or BSD loopback frames).  Any UDP\n"
	"port; templates are cached per exporter and domain across all files, in\n"
	"the order given (give template captures before data captures).\n"
	"\n"
	"  -j, --json       one JSON object per flow record (see docs/flows.md)\n"
	"      --options    also print options records and sFlow counter samples\n"
	"      --stats      print decoder counters to stderr at the end\n"
	"      --sampling N treat every record as sampled 1 in N (override)\n"
	"  -h, --help       this text\n"
	"\n"
	"Byte and packet counts are printed as exported (not scaled by the\n"
	"sampling rate).  Exit status: 0, 1 (usage, unreadable file), 2 (some\n"
	"datagrams malformed: reported on stderr with file and packet number; all\n"
	"good records are still printed).\n";

struct flows_ctx {
	bool json, options;
	FILE *out;
	uint64_t printed;
};

static void put_time(FILE *f, int64_t ms, bool quoted)
{
	char iso[32];
	if (!ms) {
		fputs(quoted ? "null" : "-", f);
		return;
	}
	int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	if (!lo_time_iso(s, iso, sizeof(iso))) {
		fputs("null", f);
		return;
	}
	iso[19] = 0; /* drop the Z */
	fprintf(f, quoted ? "\"%s.%03dZ\"" : "%s.%03dZ", iso, (int)(ms - s * 1000));
}

/* put_addr() - RFC 5952 text (inet_ntop), not bgpdump's form of MRT output. */
static void put_addr(FILE *f, const struct bgp_addr *a, bool quoted)
{
	char buf[INET6_ADDRSTRLEN];
	if (!a->family) {
		fputs(quoted ? "null" : "-", f);
		return;
	}
	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, buf, sizeof(buf));
	fprintf(f, quoted ? "\"%s\"" : "%s", buf);
}

static void put_fields(FILE *f, const struct flow_rec *r)
{
	fputs(",\"fields\":[", f);
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct flow_field *x = &r->fields[i];
		fprintf(f, "%s{\"type\":%u", i ? "," : "", x->type);
		if (x->enterprise)
			fprintf(f, ",\"enterprise\":%" PRIu32, x->enterprise);
		fputs(",\"value\":\"", f);
		for (uint16_t k = 0; k < x->len; k++)
			fprintf(f, "%02x", x->val[k]);
		fputs("\"}", f);
	}
	fputc(']', f);
}

static const char *kind_name(uint8_t k)
{
	return k == FLOW_OPTIONS ? "options" : k == FLOW_COUNTERS ? "counters" : "data";
}

static void print_json(struct flows_ctx *c, const struct flow_rec *r)
{
	FILE *f = c->out;
	fputs("{\"exporter\":", f);
	put_addr(f, &r->exporter, true);
	fprintf(f, ",\"version\":\"%s\",\"domain\":%" PRIu32 ",\"template\":%" PRIu32,
		flow_version_name(r->version), r->domain, r->template);
	if (r->version == FLOW_SFLOW5) {
		fputs(",\"agent\":", f);
		put_addr(f, &r->agent, true);
	}
	if (r->kind != FLOW_DATA)
		fprintf(f, ",\"kind\":\"%s\"", kind_name(r->kind));
	if (r->kind == FLOW_OPTIONS) {
		put_fields(f, r);
		fputs("}\n", f);
		return;
	}
	if (r->kind == FLOW_COUNTERS) {
		fprintf(f,
			",\"if\":%" PRIu32 ",\"in_bytes\":%" PRIu64 ",\"in_packets\":%" PRIu64
			",\"out_bytes\":%" PRIu64 ",\"out_packets\":%" PRIu64 "}\n",
			r->in_if, r->bytes, r->packets, r->out_bytes, r->out_packets);
		return;
	}
	fputs(",\"first\":", f);
	put_time(f, r->first_ms, true);
	fputs(",\"last\":", f);
	put_time(f, r->last_ms, true);
	fputs(",\"src\":", f);
	put_addr(f, &r->src, true);
	fputs(",\"dst\":", f);
	put_addr(f, &r->dst, true);
	fprintf(f,
		",\"proto\":%u,\"sport\":%u,\"dport\":%u,\"tcp_flags\":%u,\"bytes\":%" PRIu64
		",\"packets\":%" PRIu64 ",\"sampling_rate\":%" PRIu32 ",\"in_if\":%" PRIu32
		",\"out_if\":%" PRIu32 ",\"src_as\":%" PRIu32 ",\"dst_as\":%" PRIu32 ",\"frag\":%s",
		r->proto, r->sport, r->dport, r->tcp_flags, r->bytes, r->packets, r->sampling,
		r->in_if, r->out_if, r->src_as, r->dst_as, r->frag ? "true" : "false");
	if (c->options && r->n_fields)
		put_fields(f, r);
	fputs("}\n", f);
}

static void print_text(struct flows_ctx *c, const struct flow_rec *r)
{
	FILE *f = c->out;
	put_addr(f, &r->exporter, false);
	fprintf(f, " %s %" PRIu32 "/%" PRIu32 " ", flow_version_name(r->version), r->domain,
		r->template);
	if (r->kind == FLOW_OPTIONS) {
		fprintf(f, "options %zu fields\n", r->n_fields);
		return;
	}
	if (r->kind == FLOW_COUNTERS) {
		fprintf(f,
			"counters if %" PRIu32 " in %" PRIu64 " B %" PRIu64 " p out %" PRIu64
			" B %" PRIu64 " p\n",
			r->in_if, r->bytes, r->packets, r->out_bytes, r->out_packets);
		return;
	}
	put_time(f, r->first_ms, false);
	fputc(' ', f);
	put_addr(f, &r->src, false);
	fprintf(f, ":%u > ", r->sport);
	put_addr(f, &r->dst, false);
	fprintf(f, ":%u proto %u flags 0x%02x %" PRIu64 " B %" PRIu64 " p 1:%" PRIu32 "%s\n",
		r->dport, r->proto, r->tcp_flags, r->bytes, r->packets, r->sampling,
		r->frag ? " frag" : "");
}

static void on_rec(void *ctx, const struct flow_rec *r)
{
	struct flows_ctx *c = ctx;
	if (r->kind != FLOW_DATA && !c->options)
		return;
	c->printed++;
	if (c->json)
		print_json(c, r);
	else
		print_text(c, r);
}

/* link_of() - the frame's IP layer as a flow_hdr_parse() link; -1 unsupported. */
static int frame_ip(int dlt, const uint8_t **p, size_t *n, enum flow_link *link)
{
	switch (dlt) {
	case DLT_EN10MB:
		*link = FLOW_LINK_ETHERNET;
		return 0;
	case DLT_RAW:
		break;
	case DLT_LINUX_SLL:
		if (*n < 16)
			return -1;
		*p += 16, *n -= 16;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (*n < 4)
			return -1;
		*p += 4, *n -= 4;
		break;
	default:
		return -1;
	}
	if (*n < 1)
		return -1;
	*link = (**p >> 4) == 6 ? FLOW_LINK_IPV6 : FLOW_LINK_IPV4;
	return 0;
}

static int flows_file(const char *path, struct flow_dec *d, struct flows_ctx *c,
		      struct lo_ratelimit *rl, uint64_t *bad)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, ebuf);
	if (!pc) {
		fprintf(stderr, "lightsout flows: %s: %s\n", path, ebuf);
		return -1;
	}
	int dlt = pcap_datalink(pc);
	struct pcap_pkthdr *ph;
	const u_char *data;
	uint64_t pkt = 0;
	int rc;
	while ((rc = pcap_next_ex(pc, &ph, &data)) == 1) {
		pkt++;
		const uint8_t *p = data;
		size_t n = ph->caplen;
		enum flow_link link;
		struct flow_hdr h;
		if (frame_ip(dlt, &p, &n, &link) < 0 || flow_hdr_parse(p, n, link, &h) < 0 ||
		    h.proto != 17 || !h.l4 || !h.payload)
			continue; /* not a UDP datagram: nothing to decode */
		if (h.frag) {
			lo_log_rl(rl, LO_LOG_WARN, "%s: packet %" PRIu64 ": IP fragment skipped",
				  path, pkt);
			(*bad)++;
			continue;
		}
		size_t len = h.payload_len < h.udp_len ? h.payload_len : h.udp_len;
		int64_t ms = (int64_t)ph->ts.tv_sec * 1000 + ph->ts.tv_usec / 1000;
		struct lo_err err;
		lo_err_clear(&err);
		if (flow_decode(d, &h.src, h.sport, ms, h.payload, len, on_rec, c, &err) < 0) {
			(*bad)++;
			lo_log_rl(rl, LO_LOG_WARN, "%s: packet %" PRIu64 ": byte %" PRIu64 ": %s",
				  path, pkt, err.offset == LO_NOOFF ? 0 : err.offset,
				  err.msg[0] ? err.msg : lo_strerror(err.code));
		}
	}
	if (rc == -1) {
		fprintf(stderr, "lightsout flows: %s: packet %" PRIu64 ": %s\n", path, pkt + 1,
			pcap_geterr(pc));
		(*bad)++;
	}
	pcap_close(pc);
	return 0;
}

static void print_stats(const struct flow_dec_stats *s, uint64_t printed)
{
	fprintf(stderr,
		"datagrams %" PRIu64 " (netflow5 %" PRIu64 ", netflow9 %" PRIu64 ", ipfix %" PRIu64
		", sflow5 %" PRIu64 ", unknown %" PRIu64 ")\n"
		"records %" PRIu64 ", options %" PRIu64 ", counters %" PRIu64 ", printed %" PRIu64
		"\n"
		"templates %" PRIu64 ", withdrawn %" PRIu64 ", no template %" PRIu64
		", malformed %" PRIu64 ", capped %" PRIu64 ", skipped samples %" PRIu64 "\n",
		s->datagrams, s->netflow5, s->netflow9, s->ipfix, s->sflow5, s->unknown, s->records,
		s->options, s->counters, printed, s->templates, s->withdrawn, s->no_template,
		s->malformed, s->capped, s->skipped_samples);
}

int cmd_flows(int argc, char **argv)
{
	enum { OPT_OPTIONS = 256, OPT_STATS, OPT_SAMPLING };
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"options", no_argument, NULL, OPT_OPTIONS},
		{"stats", no_argument, NULL, OPT_STATS},
		{"sampling", required_argument, NULL, OPT_SAMPLING},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct flows_ctx c = {.out = stdout};
	struct flow_dec_opts o;
	bool stats = false;
	flow_dec_opts_init(&o);
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			c.json = true;
			break;
		case OPT_OPTIONS:
			c.options = true;
			break;
		case OPT_STATS:
			stats = true;
			break;
		case OPT_SAMPLING: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || !v || v > UINT32_MAX) {
				fprintf(stderr,
					"lightsout flows: --sampling wants a number >= 1\n");
				return CMD_USAGE;
			}
			o.sampling = (uint32_t)v;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "lightsout flows: no input file\n\n%s", usage);
		return CMD_USAGE;
	}
	struct flow_dec *d;
	if (flow_dec_new(&d, &o) < 0) {
		fprintf(stderr, "lightsout: out of memory\n");
		return CMD_USAGE;
	}
	struct lo_ratelimit rl = LO_RATELIMIT_INIT(1, 20);
	uint64_t bad = 0;
	int ret = CMD_OK;
	for (int i = optind; i < argc; i++)
		if (flows_file(argv[i], d, &c, &rl, &bad) < 0)
			ret = CMD_USAGE;
	lo_log_flush(&rl);
	fflush(c.out);
	if (stats)
		print_stats(flow_dec_stats(d), c.printed);
	flow_dec_free(d);
	if (ret == CMD_OK && bad)
		ret = CMD_CORRUPT;
	return ret;
}
