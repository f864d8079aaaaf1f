/*
 * DOC: unit tests for src/flow/sflow.c — sFlow v5 through flow_decode().
 *
 * Real captures (tests/data/flows): every frame goes through
 * flow_hdr_parse() to reach its UDP payload, and the decoded records are
 * compared with what tshark 4.0 prints for the same packets (`tshark -V`,
 * `-T fields -e sflow_245.*`): agent, sub-agent, addresses, ports,
 * protocol, TCP flags, frame length, sampling rate, interfaces, source ID,
 * AS numbers, interface counters.  Where we and tshark differ on purpose
 * the test says why (interface 0x3fffffff is reported as 0; tshark
 * misreads the host counter records of two datagrams and calls them
 * malformed).  The Telegraf fixtures are checked against the values of
 * their expected.out.
 *
 * Built datagrams: XDR padding, agent address types, sampling rate 0 and
 * the override, expanded interfaces, vendor samples and records, IPv4/IPv6
 * data records without a raw header, AS paths, and the malformed cases: a
 * sample count of 10^9, a bad sample between good ones (skipped, error at
 * the end), lengths beyond the datagram (stop), every truncation and
 * thousands of random mutations of a datagram (no crash, no read outside
 * it: run under the sanitizers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"

#define FLOWS	 LO_TEST_DATA "/flows/"
#define TELEGRAF FLOWS "telegraf_netflow/"
#define NOW	 1700000000123

/* ---------------------------------------------------------------- helpers */

#define MAX_RECS 256

struct sink {
	struct flow_rec r[MAX_RECS];
	size_t n;
};

static void on_rec(void *ctx, const struct flow_rec *r)
{
	struct sink *s = ctx;
	assert_true(s->n < MAX_RECS);
	s->r[s->n++] = *r;
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	uint8_t *p = malloc(len ? (size_t)len : 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

static struct bgp_addr addr(const char *s)
{
	struct bgp_addr a;
	memset(&a, 0, sizeof(a));
	if (strchr(s, ':')) {
		a.family = 6;
		assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	} else {
		a.family = 4;
		assert_int_equal(inet_pton(AF_INET, s, a.b), 1);
	}
	return a;
}

static void assert_addr(const struct bgp_addr *a, const char *s)
{
	struct bgp_addr x = addr(s);
	assert_int_equal(a->family, x.family);
	assert_memory_equal(a->b, x.b, 16);
}

/*
 * struct cap - the UDP payloads of a classic pcap file (Ethernet link
 * type), each found with flow_hdr_parse(), with its IP source.
 */
#define MAX_PKTS 64
struct cap {
	uint8_t *file;
	size_t n;
	const uint8_t *pay[MAX_PKTS];
	size_t len[MAX_PKTS];
	struct bgp_addr src[MAX_PKTS];
	uint16_t sport[MAX_PKTS], dport[MAX_PKTS];
	size_t frames; /* records in the file, UDP or not */
};

static uint32_t rd32(const uint8_t *p, bool swap)
{
	return swap ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			       (uint32_t)p[3] << 24
		    : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void cap_load(struct cap *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	size_t size;
	uint8_t *f = slurp(path, &size);
	c->file = f;
	assert_true(size >= 24);
	uint32_t magic = rd32(f, false);
	bool swap = false;
	if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		swap = true;
	else if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d)
		fail_msg("%s: not a classic pcap file", path);
	assert_int_equal(rd32(f + 20, swap), 1); /* LINKTYPE_ETHERNET */
	size_t off = 24;
	while (off < size) {
		assert_true(size - off >= 16);
		uint32_t caplen = rd32(f + off + 8, swap);
		off += 16;
		assert_true(caplen <= size - off);
		struct flow_hdr h;
		c->frames++;
		if (flow_hdr_parse(f + off, caplen, FLOW_LINK_ETHERNET, &h) == 0 && h.proto == 17 &&
		    h.l4 && h.payload) {
			assert_true(c->n < MAX_PKTS);
			assert_false(h.frag);
			/* the whole datagram was captured */
			assert_int_equal(h.payload_len, h.udp_len);
			c->pay[c->n] = h.payload;
			c->len[c->n] = h.payload_len;
			c->src[c->n] = h.src;
			c->sport[c->n] = h.sport;
			c->dport[c->n] = h.dport;
			c->n++;
		}
		off += caplen;
	}
}

static void cap_free(struct cap *c)
{
	free(c->file);
}

static bool is_sflow(const uint8_t *p, size_t n)
{
	return n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 5;
}

/* decode() - one payload through a decoder; returns flow_decode()'s result. */
static int decode(struct flow_dec *d, const uint8_t *p, size_t n, const struct bgp_addr *exp,
		  struct sink *s, struct lo_err *err)
{
	lo_err_clear(err);
	return flow_decode(d, exp, 6343, NOW, p, n, on_rec, s, err);
}

/* decode_pcap() - every sFlow payload of @path; each must decode without error. */
static void decode_pcap(const char *path, struct sink *s, struct flow_dec **dp, size_t *dgrams)
{
	struct cap c;
	struct lo_err err;
	cap_load(&c, path);
	assert_int_equal(flow_dec_new(dp, NULL), 0);
	memset(s, 0, sizeof(*s));
	*dgrams = 0;
	for (size_t i = 0; i < c.n; i++) {
		if (!is_sflow(c.pay[i], c.len[i]))
			continue;
		(*dgrams)++;
		size_t before = s->n;
		int rc = decode(*dp, c.pay[i], c.len[i], &c.src[i], s, &err);
		if (rc < 0)
			fail_msg("%s: datagram %zu: %s at %llu", path, i, err.msg,
				 (unsigned long long)err.offset);
		assert_int_equal((size_t)rc, s->n - before);
		for (size_t k = before; k < s->n; k++) {
			assert_int_equal(s->r[k].version, FLOW_SFLOW5);
			assert_memory_equal(&s->r[k].exporter, &c.src[i], sizeof(c.src[i]));
			assert_int_equal(s->r[k].first_ms, NOW);
			assert_int_equal(s->r[k].last_ms, NOW);
		}
	}
	cap_free(&c);
}

struct want {
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint64_t bytes;
	uint32_t sampling, in_if, out_if, template;
	uint32_t src_as, dst_as;
};

static void assert_flow(const struct flow_rec *r, const struct want *w)
{
	assert_int_equal(r->kind, FLOW_DATA);
	assert_addr(&r->src, w->src);
	assert_addr(&r->dst, w->dst);
	assert_int_equal(r->proto, w->proto);
	assert_int_equal(r->sport, w->sport);
	assert_int_equal(r->dport, w->dport);
	assert_int_equal(r->tcp_flags, w->tcp_flags);
	assert_int_equal(r->bytes, w->bytes);
	assert_int_equal(r->packets, 1);
	assert_int_equal(r->sampling, w->sampling);
	assert_int_equal(r->in_if, w->in_if);
	assert_int_equal(r->out_if, w->out_if);
	assert_int_equal(r->template, w->template);
	assert_int_equal(r->src_as, w->src_as);
	assert_int_equal(r->dst_as, w->dst_as);
	assert_false(r->frag);
}

/* one_pcap() - a single-datagram capture: its records, agent and sub-agent checked. */
static struct flow_dec *one_pcap(const char *name, struct sink *s, size_t nrec, const char *agent,
				 uint32_t domain)
{
	char path[512];
	struct flow_dec *d;
	size_t dgrams;
	snprintf(path, sizeof(path), FLOWS "%s", name);
	decode_pcap(path, s, &d, &dgrams);
	assert_int_equal(dgrams, 1);
	assert_int_equal(s->n, nrec);
	for (size_t i = 0; i < s->n; i++) {
		assert_addr(&s->r[i].agent, agent);
		assert_int_equal(s->r[i].domain, domain);
	}
	return d;
}

/* ---------------------------------------------------------------- akvorado captures */

static void test_akvorado_1140(void **state)
{
	struct sink s;
	struct flow_dec *d = one_pcap("akvorado__sflow__data-1140.pcap", &s, 5, "172.16.0.3", 0);
	const char *v6s = "2a0c:8880:2:0:185:21:130:38", *v6d = "2a0c:8880:2:0:185:21:130:39";
	struct want w[5] = {
		{v6s, v6d, 6, 46026, 22, 0x10, 1518, 1024, 27, 28, 28, 0, 0},
		{"104.26.8.24", "45.90.161.46", 6, 443, 56876, 0x18, 439, 1024, 49001, 25, 25,
		 13335, 0},
		{v6s, v6d, 6, 46026, 22, 0x10, 1518, 1024, 27, 28, 27, 0, 0},
		{"45.90.161.148", "191.87.91.27", 6, 55658, 5555, 0x02, 64, 1024, 28, 49001, 28, 0,
		 26615},
		{v6s, v6d, 6, 46026, 22, 0x10, 1518, 1024, 27, 28, 28, 0, 0},
	};
	for (int i = 0; i < 5; i++)
		assert_flow(&s.r[i], &w[i]);
	const struct flow_dec_stats *st = flow_dec_stats(d);
	assert_int_equal(st->datagrams, 1);
	assert_int_equal(st->sflow5, 1);
	assert_int_equal(st->records, 5);
	assert_int_equal(st->counters, 0);
	assert_int_equal(st->malformed, 0);
	assert_int_equal(st->skipped_samples, 0);
	flow_dec_free(d);
}

/*
 * The same sample with output 0x3fffffff (format 0, "the agent itself"),
 * 0x40000001 (discarded, reason 1) and 0x80000007 (7 interfaces): no
 * output ifIndex in any of them.
 */
static void test_akvorado_interfaces(void **state)
{
	static const char *files[] = {"akvorado__sflow__data-local-interface.pcap",
				      "akvorado__sflow__data-discard-interface.pcap",
				      "akvorado__sflow__data-multiple-interfaces.pcap"};
	for (int i = 0; i < 3; i++) {
		struct sink s;
		struct flow_dec *d = one_pcap(files[i], &s, 1, "172.16.0.3", 0);
		const char *v6s = "2a0c:8880:2:0:185:21:130:38";
		const char *v6d = "2a0c:8880:2:0:185:21:130:39";
		struct want w = {v6s, v6d, 6, 46026, 22, 0x10, 1518, 1024, 27, 0, 28, 0, 0};
		assert_flow(&s.r[0], &w);
		flow_dec_free(d);
	}
}

/* an expanded flow sample; the sampled frame has VLAN tags 1062 (outer) and 1493 */
static void test_akvorado_qinq(void **state)
{
	struct sink s;
	struct flow_dec *d =
		one_pcap("akvorado__sflow__data-qinq.pcap", &s, 1, "172.17.128.58", 100);
	/* expanded flow sample: ifIndex values of 32 bits */
	struct want w = {"49.49.49.2", "49.49.49.109", 6,	  32017,     443, 0x10, 106,
			 4096,	       369098852,      369098851, 369098852, 0,	  0};
	assert_flow(&s.r[0], &w);
	flow_dec_free(d);

	/* the sampled header itself: find it in the capture by its first bytes */
	static const uint8_t start[] = {0x00, 0x01, 0x10, 0x62, 0x14, 0x93, 0x4c, 0xae,
					0xa3, 0x52, 0x0f, 0xf6, 0x81, 0x00, 0x44, 0x26};
	size_t n;
	uint8_t *f = slurp(FLOWS "akvorado__sflow__data-qinq.pcap", &n);
	const uint8_t *hdr = memmem(f, n, start, sizeof(start));
	assert_non_null(hdr);
	/* the 4 bytes before it are the header length (102) */
	assert_int_equal(hdr[-1], 102);
	struct flow_hdr h;
	assert_int_equal(flow_hdr_parse(hdr, 102, FLOW_LINK_ETHERNET, &h), 0);
	assert_int_equal(h.vlan, 1062);
	assert_int_equal(h.ip_len, 80);
	assert_true(h.l4);
	assert_int_equal(h.tcp_flags, 0x10);
	free(f);
}

static void test_akvorado_icmp(void **state)
{
	struct sink s;
	struct flow_dec *d =
		one_pcap("akvorado__sflow__data-icmpv4.pcap", &s, 1, "127.0.0.1", 1402);
	/* echo request 8/0; input and output 0x3fffffff */
	struct want w4 = {"203.0.113.4", "203.0.113.5", 1, 0, 8 << 8, 0, 102, 1, 0, 0, 1, 0, 0};
	assert_flow(&s.r[0], &w4);
	flow_dec_free(d);

	d = one_pcap("akvorado__sflow__data-icmpv6.pcap", &s, 1, "127.0.0.1", 1402);
	/* neighbor solicitation 135/0 */
	struct want w6 = {"fe80::d05b:45ff:feee:5ecf",
			  "2001:db8::",
			  58,
			  0,
			  135 << 8,
			  0,
			  90,
			  1,
			  0,
			  0,
			  1,
			  0,
			  0};
	assert_flow(&s.r[0], &w6);
	flow_dec_free(d);
}

static void test_akvorado_expanded(void **state)
{
	struct sink s;
	struct flow_dec *d = one_pcap("akvorado__sflow__data-sflow-expanded-sample.pcap", &s, 1,
				      "49.49.49.49", 0);
	/* extended gateway: source AS 203476, path 8218 29605 203361 */
	struct want w = {"52.52.52.52", "53.53.53.53", 6,	   22,	  52237,  0x18,	 126,
			 1000,		29001,	       1285816721, 11001, 203476, 203361};
	assert_flow(&s.r[0], &w);
	flow_dec_free(d);
}

/* raw header, Ethernet frame data, extended switch and IPv4 data, all agreeing */
static void test_akvorado_ipv4_data(void **state)
{
	struct sink s;
	struct flow_dec *d =
		one_pcap("akvorado__sflow__data-sflow-ipv4-data.pcap", &s, 1, "49.49.49.49", 1);
	struct want w = {"50.50.50.50", "51.51.51.51", 17, 46622, 58631, 0, 1390, 256, 0,
			 182,		182,	       0,  0};
	assert_flow(&s.r[0], &w);
	assert_int_equal(flow_dec_stats(d)->skipped_samples, 0);
	flow_dec_free(d);
}

/* header_protocol 11: the header starts at the IPv4 header */
static void test_akvorado_raw_ipv4(void **state)
{
	struct sink s;
	struct flow_dec *d = one_pcap("akvorado__sflow__data-sflow-raw-ipv4.pcap", &s, 2,
				      "172.19.64.116", 100000);
	struct want w0 = {"69.58.92.107", "92.222.186.1", 1, 0, 0, 0, 50, 1, 0, 2, 2, 0, 0};
	struct want w1 = {"69.58.92.107", "92.222.184.1", 1, 0, 0, 0, 50, 1, 0, 2, 2, 0, 0};
	assert_flow(&s.r[0], &w0);
	assert_flow(&s.r[1], &w1);
	flow_dec_free(d);
}

/* a VXLAN packet: the outer UDP header is what is reported */
static void test_akvorado_vxlan(void **state)
{
	struct sink s;
	struct flow_dec *d =
		one_pcap("akvorado__sflow__data-encap-vxlan.pcap", &s, 1, "127.0.0.1", 1402);
	struct want w = {
		"192.168.108.40", "192.168.15.14", 17, 45833, 4789, 0, 172, 1, 0, 0, 1, 0, 0};
	assert_flow(&s.r[0], &w);
	flow_dec_free(d);
}

/* ---------------------------------------------------------------- other captures */

static void assert_counters(const struct flow_rec *r, uint32_t ifindex, uint64_t inoct,
			    uint64_t inpkt, uint64_t outoct, uint64_t outpkt)
{
	assert_int_equal(r->kind, FLOW_COUNTERS);
	assert_int_equal(r->in_if, ifindex);
	assert_int_equal(r->bytes, inoct);
	assert_int_equal(r->packets, inpkt);
	assert_int_equal(r->out_bytes, outoct);
	assert_int_equal(r->out_packets, outpkt);
	assert_int_equal(r->sampling, 1);
}

static void test_ndpi(void **state)
{
	struct sink s;
	struct flow_dec *d;
	size_t dgrams;
	decode_pcap(FLOWS "ndpi__sflow.pcap", &s, &d, &dgrams);
	assert_int_equal(dgrams, 9);
	assert_int_equal(s.n, 9);
	static const uint64_t c[8][5] = {
		{1036, 25963724, 39811, 5455297, 41143}, {1043, 50956132, 15759, 102590282, 21495},
		{1036, 25968223, 39816, 5456185, 41150}, {1043, 50958458, 15789, 102595118, 21525},
		{1036, 25976419, 39836, 5471528, 41176}, {1043, 50961004, 15822, 102600290, 21558},
		{1036, 25980564, 39838, 5472352, 41182}, {1043, 50963330, 15852, 102605777, 21588},
	};
	for (size_t i = 0, k = 0; i < s.n; i++) {
		assert_addr(&s.r[i].agent, "172.21.35.17");
		assert_int_equal(s.r[i].domain, 1);
		if (i == 3) {
			struct want w = {"172.21.32.254",
					 "172.21.32.241",
					 1,
					 0,
					 8 << 8,
					 0,
					 82,
					 2048,
					 1048,
					 1043,
					 1043,
					 0,
					 0};
			assert_flow(&s.r[i], &w);
			continue;
		}
		assert_counters(&s.r[i], (uint32_t)c[k][0], c[k][1], c[k][2], c[k][3], c[k][4]);
		assert_int_equal(s.r[i].template, c[k][0]);
		k++;
	}
	const struct flow_dec_stats *st = flow_dec_stats(d);
	assert_int_equal(st->records, 1);
	assert_int_equal(st->counters, 8);
	flow_dec_free(d);
}

/* 25 datagrams from an IPv6 agent, over IPv6 */
static void test_tcpdump_v6(void **state)
{
	struct sink s;
	struct flow_dec *d;
	size_t dgrams;
	decode_pcap(FLOWS "tcpdump__sflow-print-v6.pcap", &s, &d, &dgrams);
	assert_int_equal(dgrams, 25);
	/* tshark: generic interface counters in order (ifIndex, in octets, in
	 * unicast packets, out octets, out unicast packets) */
	static const uint32_t c[48][5] = {
		{23001, 0, 0, 9717, 0},	 {20001, 0, 0, 9717, 0},   {3001, 0, 0, 9348, 0},
		{21001, 0, 0, 11759, 2}, {18001, 0, 0, 9717, 0},   {10001, 0, 0, 93062, 109},
		{1001, 0, 0, 9348, 0},	 {19001, 0, 0, 9717, 0},   {8001, 0, 0, 9348, 0},
		{4001, 0, 0, 9348, 0},	 {13001, 0, 0, 9717, 0},   {5001, 0, 0, 9348, 0},
		{9001, 0, 0, 9348, 0},	 {7001, 192, 3, 11262, 0}, {14001, 0, 0, 9717, 0},
		{23001, 0, 0, 9717, 0},	 {20001, 0, 0, 9717, 0},   {3001, 0, 0, 9348, 0},
		{21001, 0, 0, 12073, 4}, {18001, 0, 0, 9717, 0},   {10001, 0, 0, 96914, 117},
		{1001, 0, 0, 9348, 0},	 {19001, 0, 0, 9717, 0},   {8001, 0, 0, 9348, 0},
		{4001, 0, 0, 9348, 0},	 {13001, 0, 0, 9717, 0},   {5001, 0, 0, 9348, 0},
		{9001, 0, 0, 9348, 0},	 {7001, 442, 4, 11262, 0}, {14001, 0, 0, 9717, 0},
		{23001, 0, 0, 9717, 0},	 {20001, 0, 0, 9717, 0},   {3001, 0, 0, 9348, 0},
		{21001, 0, 0, 12573, 5}, {18001, 0, 0, 9717, 0},   {10001, 0, 0, 100512, 124},
		{1001, 0, 0, 9348, 0},	 {19001, 0, 0, 9717, 0},   {8001, 0, 0, 9348, 0},
		{4001, 0, 0, 9348, 0},	 {13001, 0, 0, 9717, 0},   {5001, 0, 0, 9348, 0},
		{9001, 0, 0, 9348, 0},	 {7001, 942, 5, 11262, 0}, {14001, 0, 0, 9717, 0},
		{23001, 0, 0, 9717, 0},	 {20001, 0, 0, 9717, 0},   {3001, 0, 0, 9348, 0},
	};
	/* tshark: frame lengths of the 13 flow samples, in order */
	static const uint64_t fl[13] = {64, 250, 500, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64};
	size_t nc = 0, nf = 0;
	for (size_t i = 0; i < s.n; i++) {
		const struct flow_rec *r = &s.r[i];
		assert_addr(&r->agent, "30::1:1:1");
		assert_addr(&r->exporter, "30::1:1:1");
		assert_int_equal(r->domain, 0);
		if (r->kind == FLOW_COUNTERS) {
			assert_true(nc < 48);
			assert_counters(r, c[nc][0], c[nc][1], c[nc][2], c[nc][3], c[nc][4]);
			nc++;
		} else {
			assert_true(nf < 13);
			/* output 0x80000000: multiple interfaces, number unknown */
			struct want w = {"10.10.10.2", "50.1.1.2", 63,	 0, 0, 0, fl[nf], 1,
					 7001,	       0,	   7001, 0, 0};
			assert_flow(r, &w);
			nf++;
		}
	}
	assert_int_equal(nc, 48);
	assert_int_equal(nf, 13);
	flow_dec_free(d);
}

/*
 * 30 packets to port 6343: 25 sFlow datagrams of counter samples and 5
 * NetFlow v5 ones.  tshark calls packets 12 and 18 malformed: it reads the
 * host adapters record (0:2001: a list of adapters, each an ifIndex and a
 * list of MACs padded to 8 bytes) with a wrong length and loses its place;
 * the records are well formed (68 = 4 + 4 * 16 and 36 = 4 + 2 * 16 bytes),
 * and they carry no generic interface counters.  The 142 generic records
 * of the other packets add up to what tshark prints.
 */
static void test_tcpdump_counters(void **state)
{
	struct cap c;
	struct flow_dec *d;
	struct sink *s = calloc(1, sizeof(*s));
	struct lo_err err;
	cap_load(&c, FLOWS "tcpdump__sflow_multiple_counter_30_pdus.pcap");
	assert_int_equal(c.n, 30);
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	size_t sflow = 0, v5 = 0;
	uint64_t sum[5] = {0};
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.dport[i], 6343);
		if (!is_sflow(c.pay[i], c.len[i])) {
			assert_int_equal(c.pay[i][1], 5); /* NetFlow v5: not ours */
			v5++;
			continue;
		}
		sflow++;
		s->n = 0;
		int rc = decode(d, c.pay[i], c.len[i], &c.src[i], s, &err);
		assert_int_equal(rc, (int)s->n);
		if (i == 11 || i == 17)
			assert_int_equal(rc, 0);
		for (size_t k = 0; k < s->n; k++) {
			assert_int_equal(s->r[k].kind, FLOW_COUNTERS);
			sum[0] += s->r[k].in_if;
			sum[1] += s->r[k].bytes;
			sum[2] += s->r[k].packets;
			sum[3] += s->r[k].out_bytes;
			sum[4] += s->r[k].out_packets;
		}
		if (i == 0) {
			assert_addr(&s->r[0].agent, "15.184.8.4");
			assert_int_equal(s->r[0].domain, 2);
			assert_counters(&s->r[0], 55, 820721, 9601, 178785248, 9736);
		}
	}
	assert_int_equal(sflow, 25);
	assert_int_equal(v5, 5);
	const struct flow_dec_stats *st = flow_dec_stats(d);
	assert_int_equal(st->counters, 142);
	assert_int_equal(st->records, 0);
	assert_int_equal(st->malformed, 0);
	assert_int_equal(sum[0], 3548);
	assert_int_equal(sum[1], 163896183007);
	assert_int_equal(sum[2], 70886819806);
	assert_int_equal(sum[3], 328336516752);
	assert_int_equal(sum[4], 65842369535);
	flow_dec_free(d);
	cap_free(&c);
	free(s);
}

/* tcpdump's regression capture for a crash: an error, nothing read outside */
static void test_tcpdump_segv(void **state)
{
	struct cap c;
	struct flow_dec *d;
	struct sink s = {.n = 0};
	struct lo_err err;
	cap_load(&c, FLOWS "tcpdump__sflow_print-segv.pcap");
	assert_int_equal(c.n, 1);
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	/* an exact copy, so that ASan sees any read past its end */
	uint8_t *p = malloc(c.len[0]);
	memcpy(p, c.pay[0], c.len[0]);
	int rc = decode(d, p, c.len[0], &c.src[0], &s, &err);
	assert_true(rc == LO_ETRUNC || rc == LO_ECORRUPT);
	assert_int_equal(err.code, rc);
	assert_true(err.offset <= c.len[0]);
	assert_true(err.msg[0] != 0);
	assert_int_equal(flow_dec_stats(d)->malformed, 1);
	assert_int_equal(c.len[0], 8); /* the UDP length says 16 */
	free(p);

	/* what tcpdump read: the rest of the IP packet (868 bytes) as the datagram */
	struct flow_hdr h;
	const uint8_t *frame = c.file + 24 + 16;
	assert_int_equal(flow_hdr_parse(frame, 914, FLOW_LINK_ETHERNET, &h), 0);
	assert_int_equal(h.ip_len, 896);
	size_t n = h.ip_len - 28u;
	p = malloc(n);
	memcpy(p, h.payload, n);
	rc = decode(d, p, n, &c.src[0], &s, &err);
	/* the first flow sample's first record overruns the sample */
	assert_int_equal(rc, LO_ETRUNC);
	assert_int_equal(err.offset, 68);
	assert_non_null(strstr(err.msg, "record 0 longer than its sample"));
	free(p);
	flow_dec_free(d);
	cap_free(&c);
}

/* ---------------------------------------------------------------- Telegraf */

static struct flow_dec *telegraf(const char *path, struct sink *s, int want_rc)
{
	size_t n;
	uint8_t *p = slurp(path, &n);
	struct flow_dec *d;
	struct lo_err err;
	struct bgp_addr ex = addr("127.0.0.1");
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	memset(s, 0, sizeof(*s));
	int rc = decode(d, p, n, &ex, s, &err);
	assert_int_equal(rc, want_rc);
	free(p);
	return d;
}

/* expected.out: agent_ip="192.168.119.184",agent_subid=100000u, in_snmp=3u,
 * in_bytes=3910u, in_unicast_packets_total=28u, out_bytes=3946u,
 * out_unicast_packets_total=29u (after an if_name record "eno1") */
static void test_telegraf_v5_example(void **state)
{
	struct sink s;
	struct flow_dec *d = telegraf(TELEGRAF "sflow_v5_example/sflow_v5.bin", &s, 1);
	assert_addr(&s.r[0].agent, "192.168.119.184");
	assert_addr(&s.r[0].exporter, "127.0.0.1");
	assert_int_equal(s.r[0].domain, 100000);
	assert_counters(&s.r[0], 3, 3910, 28, 3946, 29);
	assert_int_equal(s.r[0].template, 3);
	flow_dec_free(d);
}

/* a discarded-packet sample (format 5): valid, skipped */
static void test_telegraf_drop(void **state)
{
	struct sink s;
	struct flow_dec *d = telegraf(TELEGRAF "sflow_issue_15375/sflow_drop_1036.bin", &s, 0);
	assert_int_equal(flow_dec_stats(d)->skipped_samples, 1);
	assert_int_equal(flow_dec_stats(d)->malformed, 0);
	flow_dec_free(d);
}

/* expanded counters: interface=1258293248u, in_bytes=59347538341644u,
 * in_unicast_packets_total=1698396964u, out_bytes=89572325677612u,
 * out_unicast_packets_total=2754096045u */
static void test_telegraf_18876(void **state)
{
	struct sink s;
	struct flow_dec *d = telegraf(TELEGRAF "sflow_issue_18876/message.bin", &s, 1);
	assert_addr(&s.r[0].agent, "172.16.254.196");
	assert_int_equal(s.r[0].domain, 0);
	assert_counters(&s.r[0], 1258293248, 59347538341644u, 1698396964, 89572325677612u,
			2754096045u);
	assert_int_equal(s.r[0].template, 1258293248);
	flow_dec_free(d);
}

/*
 * One counter sample and six flow samples.  Checked against expected.out:
 * src, dst, ports, protocol, sampling_interval=200, l2_bytes (the frame
 * length), and the counters.  Telegraf's in_snmp/out_snmp are not the
 * sample's input/output for egress samples (it puts the source ID there),
 * so the interfaces are checked against tshark.  Its protocol="hopopt"
 * for the MLD report is the first IPv6 next header; we walk the hop-by-hop
 * header to ICMPv6 (58), type 143.  Output 0x8000000a: 10 interfaces.
 */
static void test_telegraf_15918(void **state)
{
	struct sink s;
	struct flow_dec *d = telegraf(TELEGRAF "sflow_issue_15918/message.bin", &s, 7);
	for (int i = 0; i < 7; i++) {
		assert_addr(&s.r[i].agent, "192.168.227.2");
		assert_int_equal(s.r[i].domain, 0);
	}
	assert_counters(&s.r[0], 101, 21286022420858u, 1153749508, 8929238553590u, 3892490465u);
	const char *ll = "fe80::f3a8:9738:cab4:2286";
	struct want w[6] = {
		{"192.168.227.2", "192.168.101.2", 17, 49469, 2055, 0, 1286, 200, 96, 95, 96, 0, 0},
		{"142.250.200.99", "192.168.100.104", 17, 443, 52851, 0, 563, 200, 101, 60, 60, 0,
		 0},
		{ll, "ff02::16", 58, 0, 143 << 8, 0, 114, 200, 97, 0, 76, 0, 0},
		{"192.168.153.106", "142.250.185.14", 17, 64969, 443, 0, 77, 200, 60, 101, 101, 0,
		 0},
		{"142.250.185.14", "192.168.153.106", 17, 443, 64969, 0, 719, 200, 6, 97, 6, 0, 0},
		{ll, "ff02::1:3", 17, 49770, 5355, 0, 93, 200, 97, 0, 72, 0, 0},
	};
	for (int i = 0; i < 6; i++)
		assert_flow(&s.r[i + 1], &w[i]);
	flow_dec_free(d);
}

/* ---------------------------------------------------------------- built datagrams */

struct bb {
	uint8_t p[4096];
	size_t n;
};

static void put(struct bb *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->p));
	memcpy(b->p + b->n, p, n);
	b->n += n;
}
static void w32(struct bb *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	put(b, x, 4);
}
static void w64(struct bb *b, uint64_t v)
{
	w32(b, (uint32_t)(v >> 32));
	w32(b, (uint32_t)v);
}
static void wpad(struct bb *b)
{
	while (b->n & 3)
		b->p[b->n++] = 0;
}
/* set32() - patch the word at @at (a length written as 0 before). */
static void set32(struct bb *b, size_t at, uint32_t v)
{
	b->p[at] = (uint8_t)(v >> 24);
	b->p[at + 1] = (uint8_t)(v >> 16);
	b->p[at + 2] = (uint8_t)(v >> 8);
	b->p[at + 3] = (uint8_t)v;
}
/* open_len()/close_len() - a length word filled in when the item ends */
static size_t open_len(struct bb *b)
{
	size_t at = b->n;
	w32(b, 0);
	return at;
}
static void close_len(struct bb *b, size_t at)
{
	set32(b, at, (uint32_t)(b->n - at - 4));
}

static void dgram_head(struct bb *b, uint32_t nsamples)
{
	w32(b, 5);
	w32(b, 1);
	w32(b, 0xc0000201); /* agent 192.0.2.1 */
	w32(b, 7);	    /* sub-agent */
	w32(b, 1);	    /* sequence */
	w32(b, 1000);	    /* uptime */
	w32(b, nsamples);
}

/* an Ethernet/IPv4/UDP packet of @len bytes (a header of 42 bytes) */
static void raw_header_record(struct bb *b, uint32_t frame_len, uint16_t sport)
{
	static const uint8_t pkt[42] = {2,  0,	  0,	0,    0,    2,	  2,	0, 0,  0, 0,
					1,  0x08, 0x00, 0x45, 0,    0x05, 0xc8, 0, 1,  0, 0,
					64, 17,	  0,	0,    10,   0,	  0,	1, 10, 0, 0,
					2,  0x00, 0x35, 0x05, 0xb4, 0x05, 0xb4, 0, 0};
	w32(b, 1); /* raw packet header */
	size_t l = open_len(b);
	w32(b, 1); /* Ethernet */
	w32(b, frame_len);
	w32(b, 4); /* stripped */
	w32(b, sizeof(pkt));
	put(b, pkt, sizeof(pkt));
	b->p[b->n - 8] = (uint8_t)(sport >> 8);
	b->p[b->n - 7] = (uint8_t)sport;
	wpad(b);
	close_len(b, l);
}

static void flow_sample(struct bb *b, uint32_t rate, uint32_t in, uint32_t out, uint16_t sport)
{
	w32(b, 1);
	size_t l = open_len(b);
	w32(b, 1);	    /* sequence */
	w32(b, 0x00000009); /* source ID: ifIndex 9 */
	w32(b, rate);
	w32(b, 1000); /* pool */
	w32(b, 0);    /* drops */
	w32(b, in);
	w32(b, out);
	w32(b, 1);
	raw_header_record(b, 1500, sport);
	close_len(b, l);
}

static int run(struct flow_dec *d, const struct bb *b, struct sink *s, struct lo_err *err)
{
	struct bgp_addr ex = addr("192.0.2.99");
	memset(s, 0, sizeof(*s));
	/* an exact-size copy: reads past the end show under ASan */
	uint8_t *p = malloc(b->n ? b->n : 1);
	memcpy(p, b->p, b->n);
	int rc = decode(d, p, b->n, &ex, s, err);
	free(p);
	return rc;
}

static void test_built_basic(void **state)
{
	struct bb b = {.n = 0};
	struct sink s;
	struct lo_err err;
	struct flow_dec *d;
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	dgram_head(&b, 3);
	flow_sample(&b, 0, 5, 6, 53);			      /* rate 0: 1 */
	flow_sample(&b, 512, 0x40000000 | 3, 0x3fffffff, 54); /* input: a discard format */
	flow_sample(&b, 2000, 1, 0x80000002, 55);	      /* 2 outputs */
	assert_int_equal(run(d, &b, &s, &err), 3);
	assert_int_equal(s.r[0].sampling, 1);
	assert_int_equal(s.r[0].in_if, 5);
	assert_int_equal(s.r[0].out_if, 6);
	assert_int_equal(s.r[0].sport, 53);
	assert_int_equal(s.r[0].dport, 1460);
	assert_int_equal(s.r[0].bytes, 1500);
	assert_int_equal(s.r[0].template, 9);
	assert_int_equal(s.r[0].domain, 7);
	assert_addr(&s.r[0].agent, "192.0.2.1");
	assert_addr(&s.r[0].exporter, "192.0.2.99");
	assert_addr(&s.r[0].src, "10.0.0.1");
	assert_addr(&s.r[0].dst, "10.0.0.2");
	assert_int_equal(s.r[1].sampling, 512);
	assert_int_equal(s.r[1].in_if, 0);
	assert_int_equal(s.r[1].out_if, 0);
	assert_int_equal(s.r[2].sampling, 2000);
	assert_int_equal(s.r[2].in_if, 1);
	assert_int_equal(s.r[2].out_if, 0);
	flow_dec_free(d);

	/* the override */
	struct flow_dec_opts o;
	flow_dec_opts_init(&o);
	o.sampling = 100;
	assert_int_equal(flow_dec_new(&d, &o), 0);
	assert_int_equal(run(d, &b, &s, &err), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(s.r[i].sampling, 100);
	flow_dec_free(d);
}

/* agent address types: 0 (unknown, no bytes), 2 (IPv6), 3 (bad) */
static void test_built_agent(void **state)
{
	struct sink s;
	struct lo_err err;
	struct flow_dec *d;
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	for (uint32_t type = 0; type <= 3; type++) {
		struct bb b = {.n = 0};
		w32(&b, 5);
		w32(&b, type);
		if (type == 1)
			w32(&b, 0xc0000201);
		if (type == 2) {
			w32(&b, 0x20010db8);
			w32(&b, 0);
			w32(&b, 0);
			w32(&b, 1);
		}
		w32(&b, 0);
		w32(&b, 1);
		w32(&b, 0);
		w32(&b, 1);
		flow_sample(&b, 10, 1, 2, 7);
		int rc = run(d, &b, &s, &err);
		if (type == 3) {
			assert_int_equal(rc, LO_ECORRUPT);
			assert_int_equal(err.offset, 8);
			continue;
		}
		assert_int_equal(rc, 1);
		if (type == 0)
			assert_int_equal(s.r[0].agent.family, 0);
		if (type == 2)
			assert_addr(&s.r[0].agent, "2001:db8::1");
	}
	/* no samples at all */
	struct bb v = {.n = 0};
	dgram_head(&v, 0);
	assert_int_equal(run(d, &v, &s, &err), 0);
	flow_dec_free(d);
}

/* expanded flow sample with IPv6 data and extended gateway, no raw header */
static void test_built_expanded(void **state)
{
	struct bb b = {.n = 0};
	struct sink s;
	struct lo_err err;
	struct flow_dec *d;
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	dgram_head(&b, 2);
	w32(&b, 3);
	size_t l = open_len(&b);
	w32(&b, 1);	     /* sequence */
	w32(&b, 0);	     /* source ID type */
	w32(&b, 0x7fffffff); /* source ID index */
	w32(&b, 4096);
	w32(&b, 0);
	w32(&b, 0);
	w32(&b, 0);	     /* input format */
	w32(&b, 0xfffffff0); /* input: 32 bits */
	w32(&b, 2);	     /* output format: multiple */
	w32(&b, 3);
	w32(&b, 4); /* records */
	w32(&b, 1001);
	size_t r = open_len(&b);
	w64(&b, 0);
	w64(&b, 0);
	close_len(&b, r);
	w32(&b, 4); /* IPv6 data */
	r = open_len(&b);
	w32(&b, 1280);
	w32(&b, 6);
	w32(&b, 0x20010db8);
	w32(&b, 0);
	w32(&b, 0);
	w32(&b, 1);
	w32(&b, 0x20010db8);
	w32(&b, 0);
	w32(&b, 0);
	w32(&b, 2);
	w32(&b, 443);
	w32(&b, 60000);
	w32(&b, 0x12);
	w32(&b, 0);
	close_len(&b, r);
	w32(&b, 1003); /* gateway: two segments */
	r = open_len(&b);
	w32(&b, 1);
	w32(&b, 0x0a000001);
	w32(&b, 64500);
	w32(&b, 64501);
	w32(&b, 64502);
	w32(&b, 2);
	w32(&b, 2); /* AS_SEQUENCE */
	w32(&b, 2);
	w32(&b, 64502);
	w32(&b, 64510);
	w32(&b, 1); /* AS_SET */
	w32(&b, 3);
	w32(&b, 65001);
	w32(&b, 65002);
	w32(&b, 65003);
	w32(&b, 0); /* communities */
	w32(&b, 100);
	close_len(&b, r);
	w32(&b, 9 << 12 | 1); /* a vendor record */
	r = open_len(&b);
	w32(&b, 0xdead);
	close_len(&b, r);
	close_len(&b, l);
	w32(&b, 4444 << 12 | 1); /* a vendor sample */
	r = open_len(&b);
	w32(&b, 1);
	w32(&b, 2);
	close_len(&b, r);
	assert_int_equal(run(d, &b, &s, &err), 1);
	const struct flow_rec *x = &s.r[0];
	assert_int_equal(x->template, 0x7fffffff);
	assert_int_equal(x->in_if, 0xfffffff0);
	assert_int_equal(x->out_if, 0);
	assert_int_equal(x->sampling, 4096);
	assert_int_equal(x->bytes, 1280);
	assert_int_equal(x->packets, 1);
	assert_addr(&x->src, "2001:db8::1");
	assert_addr(&x->dst, "2001:db8::2");
	assert_int_equal(x->proto, 6);
	assert_int_equal(x->sport, 443);
	assert_int_equal(x->dport, 60000);
	assert_int_equal(x->tcp_flags, 0x12);
	assert_int_equal(x->src_as, 64501);
	assert_int_equal(x->dst_as, 65003);
	assert_int_equal(flow_dec_stats(d)->skipped_samples, 2);
	flow_dec_free(d);
}

/* a raw header of 13 bytes (padded to 16) followed by IPv4 data */
static void test_built_padding(void **state)
{
	struct bb b = {.n = 0};
	struct sink s;
	struct lo_err err;
	struct flow_dec *d;
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	dgram_head(&b, 1);
	w32(&b, 1);
	size_t l = open_len(&b);
	w32(&b, 1);
	w32(&b, 3);
	w32(&b, 10);
	w32(&b, 0);
	w32(&b, 0);
	w32(&b, 0);
	w32(&b, 0);
	w32(&b, 2);
	w32(&b, 1);
	size_t r = open_len(&b);
	w32(&b, 1);
	w32(&b, 60);
	w32(&b, 0);
	w32(&b, 13); /* an Ethernet header and a bit: not IP */
	static const uint8_t arp[13] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 8};
	put(&b, arp, 13);
	wpad(&b);
	close_len(&b, r);
	w32(&b, 3);
	r = open_len(&b);
	w32(&b, 28);
	w32(&b, 17);
	w32(&b, 0x0a000001);
	w32(&b, 0x0a000002);
	w32(&b, 53);
	w32(&b, 1053);
	w32(&b, 0);
	w32(&b, 0);
	close_len(&b, r);
	close_len(&b, l);
	assert_int_equal(run(d, &b, &s, &err), 1);
	/* the raw header gave no IP packet: the IPv4 data is used, the frame length kept */
	assert_addr(&s.r[0].src, "10.0.0.1");
	assert_int_equal(s.r[0].dport, 1053);
	assert_int_equal(s.r[0].bytes, 60);
	assert_int_equal(s.r[0].sampling, 10);
	flow_dec_free(d);
}

/* CVE-2024-56072 shape: a sample count of 10^9 and one sample */
static void test_built_huge_count(void **state)
{
	struct bb b = {.n = 0};
	struct sink s;
	struct lo_err err;
	struct flow_dec *d;
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	dgram_head(&b, 1000000000);
	flow_sample(&b, 1, 1, 2, 3);
	assert_int_equal(run(d, &b, &s, &err), LO_ETRUNC);
	assert_int_equal(s.n, 1); /* the sample that was there */
	assert_int_equal(err.offset, b.n);
	assert_non_null(strstr(err.msg, "1000000000 samples announced, 1 found"));

	/* the same with a record count of 10^9 inside the sample */
	struct bb r = {.n = 0};
	dgram_head(&r, 1);
	w32(&r, 1);
	size_t l = open_len(&r);
	for (int i = 0; i < 7; i++)
		w32(&r, 1);
	w32(&r, 1000000000);
	raw_header_record(&r, 100, 1);
	close_len(&r, l);
	assert_int_equal(run(d, &r, &s, &err), LO_ETRUNC);
	assert_int_equal(s.n, 0);
	assert_int_equal(err.offset, r.n);

	/* and 10^9 AS path segments */
	struct bb g = {.n = 0};
	dgram_head(&g, 1);
	w32(&g, 1);
	l = open_len(&g);
	for (int i = 0; i < 7; i++)
		w32(&g, 1);
	w32(&g, 1);
	w32(&g, 1003);
	size_t rl = open_len(&g);
	w32(&g, 0);
	w32(&g, 1);
	w32(&g, 2);
	w32(&g, 3);
	w32(&g, 1000000000);
	w32(&g, 2);
	w32(&g, 0xffffffff); /* ASes in the segment */
	close_len(&g, rl);
	close_len(&g, l);
	assert_int_equal(run(d, &g, &s, &err), LO_ETRUNC);
	assert_int_equal(s.n, 0);
	flow_dec_free(d);
}

/* a bad sample between two good ones: skipped, the error returned at the end */
static void test_built_bad_sample(void **state)
{
	struct bb b = {.n = 0};
	struct sink s;
	struct lo_err err;
	struct flow_dec *d;
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	dgram_head(&b, 4);
	flow_sample(&b, 1, 1, 2, 100);
	/* a flow sample whose raw header claims more bytes than its record */
	w32(&b, 1);
	size_t l = open_len(&b);
	for (int i = 0; i < 7; i++)
		w32(&b, 1);
	w32(&b, 1);
	w32(&b, 1);
	size_t r = open_len(&b);
	w32(&b, 1);
	w32(&b, 100);
	w32(&b, 0);
	size_t hl = b.n;
	w32(&b, 500);
	w32(&b, 0);
	close_len(&b, r);
	close_len(&b, l);
	/* a counter sample with a generic record of 80 bytes */
	w32(&b, 2);
	l = open_len(&b);
	w32(&b, 1);
	w32(&b, 3);
	w32(&b, 1);
	w32(&b, 1);
	r = open_len(&b);
	for (int i = 0; i < 20; i++)
		w32(&b, 0);
	close_len(&b, r);
	close_len(&b, l);
	flow_sample(&b, 1, 1, 2, 101);
	assert_int_equal(run(d, &b, &s, &err), LO_ETRUNC);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.r[0].sport, 100);
	assert_int_equal(s.r[1].sport, 101);
	assert_int_equal(err.code, LO_ETRUNC);
	assert_int_equal(err.offset, hl); /* the header length word */
	assert_non_null(strstr(err.msg, "raw packet header"));
	const struct flow_dec_stats *st = flow_dec_stats(d);
	assert_int_equal(st->records, 2);
	assert_int_equal(st->counters, 0);
	assert_int_equal(st->malformed, 1);
	flow_dec_free(d);
}

/* framing that leaves the datagram: stop there */
static void test_built_stop(void **state)
{
	struct bb b = {.n = 0};
	struct sink s;
	struct lo_err err;
	struct flow_dec *d;
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	dgram_head(&b, 3);
	flow_sample(&b, 1, 1, 2, 100);
	size_t at = b.n;
	w32(&b, 1);
	w32(&b, 0xfffffff0); /* sample length */
	flow_sample(&b, 1, 1, 2, 101);
	assert_int_equal(run(d, &b, &s, &err), LO_ETRUNC);
	assert_int_equal(s.n, 1);
	assert_int_equal(err.offset, at);
	assert_non_null(strstr(err.msg, "sample 1 longer than the datagram"));

	/* a sample length of 6: its padding is not there */
	struct bb p = {.n = 0};
	dgram_head(&p, 1);
	w32(&p, 1);
	w32(&p, 6);
	w32(&p, 0);
	p.p[p.n++] = 0;
	p.p[p.n++] = 0;
	assert_int_equal(run(d, &p, &s, &err), LO_ETRUNC);

	/* header cut */
	struct bb h = {.n = 0};
	dgram_head(&h, 1);
	for (size_t n = 4; n < 28; n++) { /* below 4 it is not sFlow */
		h.n = n;
		int rc = run(d, &h, &s, &err);
		assert_int_equal(rc, LO_ETRUNC);
	}
	flow_dec_free(d);
}

/* a datagram with every sample and record kind, used below */
static void build_full(struct bb *b)
{
	b->n = 0;
	dgram_head(b, 4);
	flow_sample(b, 100, 1, 2, 3);
	w32(b, 4); /* expanded counters */
	size_t l = open_len(b);
	w32(b, 1);
	w32(b, 0);
	w32(b, 17);
	w32(b, 2);
	w32(b, 2); /* Ethernet counters: skipped */
	size_t r = open_len(b);
	for (int i = 0; i < 13; i++)
		w32(b, (uint32_t)i);
	close_len(b, r);
	w32(b, 1);
	r = open_len(b);
	w32(b, 17);
	w32(b, 6);
	w64(b, 10000000000);
	w32(b, 1);
	w32(b, 3);
	w64(b, 123456789012);
	w32(b, 1000);
	for (int i = 0; i < 5; i++)
		w32(b, 0);
	w64(b, 987654321098);
	w32(b, 2000);
	for (int i = 0; i < 6; i++)
		w32(b, 0);
	close_len(b, r);
	close_len(b, l);
	flow_sample(b, 200, 3, 4, 5);
	w32(b, 5); /* a discard sample */
	l = open_len(b);
	w32(b, 0);
	close_len(b, l);
}

static void test_built_counters(void **state)
{
	struct bb b;
	struct sink s;
	struct lo_err err;
	struct flow_dec *d;
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	build_full(&b);
	assert_int_equal(run(d, &b, &s, &err), 3);
	assert_int_equal(s.r[1].kind, FLOW_COUNTERS);
	assert_counters(&s.r[1], 17, 123456789012, 1000, 987654321098, 2000);
	assert_int_equal(s.r[1].template, 17);
	assert_int_equal(s.r[2].sampling, 200);
	const struct flow_dec_stats *st = flow_dec_stats(d);
	assert_int_equal(st->records, 2);
	assert_int_equal(st->counters, 1);
	assert_int_equal(st->skipped_samples, 1);
	flow_dec_free(d);
}

/* every prefix of the full datagram is an error, with the records before the cut */
static void test_built_truncations(void **state)
{
	struct bb b;
	struct sink s;
	struct lo_err err;
	struct flow_dec *d;
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	build_full(&b);
	size_t full = b.n;
	for (size_t n = 4; n < full; n++) {
		b.n = n;
		int rc = run(d, &b, &s, &err);
		assert_true(rc == LO_ETRUNC);
		assert_true(s.n <= 3);
		assert_true(err.offset <= n);
	}
	flow_dec_free(d);
}

static uint64_t rng = 0x2545f4914f6cdd1du;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* random byte changes of the full datagram and of the real ones: no crash */
static void test_built_mutations(void **state)
{
	struct bb base, b;
	struct sink *s = malloc(sizeof(*s));
	struct lo_err err;
	struct flow_dec *d;
	assert_int_equal(flow_dec_new(&d, NULL), 0);
	build_full(&base);
	for (int i = 0; i < 50000; i++) {
		b = base;
		int k = 1 + (int)(rnd() % 4);
		while (k--) {
			size_t at = 4 + rnd() % (b.n - 4);
			if (rnd() & 1)
				b.p[at] = (uint8_t)rnd();
			else
				b.p[at] ^= (uint8_t)(1u << (rnd() % 8));
		}
		if (rnd() % 4 == 0)
			b.n = 4 + rnd() % (b.n - 4);
		int rc = run(d, &b, s, &err);
		assert_true(rc >= 0 || rc == LO_ETRUNC || rc == LO_ECORRUPT);
		if (rc >= 0)
			assert_int_equal((size_t)rc, s->n);
		else
			assert_true(err.offset <= b.n);
	}
	flow_dec_free(d);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_akvorado_1140),
		cmocka_unit_test(test_akvorado_interfaces),
		cmocka_unit_test(test_akvorado_qinq),
		cmocka_unit_test(test_akvorado_icmp),
		cmocka_unit_test(test_akvorado_expanded),
		cmocka_unit_test(test_akvorado_ipv4_data),
		cmocka_unit_test(test_akvorado_raw_ipv4),
		cmocka_unit_test(test_akvorado_vxlan),
		cmocka_unit_test(test_ndpi),
		cmocka_unit_test(test_tcpdump_v6),
		cmocka_unit_test(test_tcpdump_counters),
		cmocka_unit_test(test_tcpdump_segv),
		cmocka_unit_test(test_telegraf_v5_example),
		cmocka_unit_test(test_telegraf_drop),
		cmocka_unit_test(test_telegraf_18876),
		cmocka_unit_test(test_telegraf_15918),
		cmocka_unit_test(test_built_basic),
		cmocka_unit_test(test_built_agent),
		cmocka_unit_test(test_built_expanded),
		cmocka_unit_test(test_built_padding),
		cmocka_unit_test(test_built_huge_count),
		cmocka_unit_test(test_built_bad_sample),
		cmocka_unit_test(test_built_stop),
		cmocka_unit_test(test_built_counters),
		cmocka_unit_test(test_built_truncations),
		cmocka_unit_test(test_built_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
