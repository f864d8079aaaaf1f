/*
 * DOC: unit tests for the NetFlow v5, v9 and IPFIX decoders
 * (src/flow/netflow.c) through flow_decode().
 *
 * Real data: the logstash .dat payloads, Telegraf's .bin payloads checked
 * against its expected.out line by line (addresses, ports, bytes, packets,
 * times), and akvorado's pcaps (read here: classic pcap, Ethernet, IPv4,
 * UDP) checked against what `tshark -d udp.port==N,cflow -V` shows.
 * Hand-built datagrams for each rule of the decoder: template withdrawal,
 * enterprise and variable-length fields, reduced-size counters, padding,
 * data before its template, caps, malformed templates and sets (each with
 * the error code, its offset and a following good set still decoded),
 * times, sampling, and the mapping of the information elements.  A last
 * test prints the decoding speed (no assertion on it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow/flow.h"

#define DATA LO_TEST_DATA "/flows/"

/* ---------------------------------------------------------------- records */

#define MAX_RECS   8192
#define MAX_FIELDS (1 << 17)

/* What the callback saw: records with their fields copied (the values still
 * point into the datagram, which the tests keep). */
struct got {
	size_t n, nf;
	struct flow_rec r[MAX_RECS];
	struct flow_field f[MAX_FIELDS];
};

static struct got G;

static void got_reset(void)
{
	G.n = G.nf = 0;
}

static void on_rec(void *ctx, const struct flow_rec *r)
{
	(void)ctx;
	assert_true(G.n < MAX_RECS);
	assert_true(r->n_fields <= FLOW_MAX_FIELDS);
	assert_true(G.nf + r->n_fields <= MAX_FIELDS);
	G.r[G.n] = *r;
	if (r->n_fields)
		memcpy(&G.f[G.nf], r->fields, r->n_fields * sizeof(*r->fields));
	G.r[G.n].fields = &G.f[G.nf];
	G.nf += r->n_fields;
	G.n++;
}

static const struct bgp_addr EXP_A = {4, {192, 0, 2, 1}};
static const struct bgp_addr EXP_B = {4, {192, 0, 2, 2}};

static int feed(struct flow_dec *d, const struct bgp_addr *ex, const void *p, size_t n,
		struct lo_err *err)
{
	lo_err_clear(err);
	return flow_decode(d, ex, 2055, 1700000000000, p, n, on_rec, NULL, err);
}

static struct flow_dec *dec_new(size_t max_exp, size_t max_tpl, uint32_t sampling)
{
	struct flow_dec_opts o;
	struct flow_dec *d;

	flow_dec_opts_init(&o);
	if (max_exp)
		o.max_exporters = max_exp;
	if (max_tpl)
		o.max_templates = max_tpl;
	o.sampling = sampling;
	assert_int_equal(flow_dec_new(&d, &o), 0);
	return d;
}

static const struct flow_field *field(const struct flow_rec *r, uint16_t type)
{
	for (size_t i = 0; i < r->n_fields; i++)
		if (r->fields[i].type == type && !r->fields[i].enterprise)
			return &r->fields[i];
	return NULL;
}

static uint64_t be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void assert_v4(const struct bgp_addr *a, const char *text)
{
	uint8_t b[4];
	assert_int_equal(inet_pton(AF_INET, text, b), 1);
	assert_int_equal(a->family, 4);
	assert_memory_equal(a->b, b, 4);
}

static void assert_addr(const struct bgp_addr *a, const char *text)
{
	uint8_t b[16];
	if (strchr(text, ':')) {
		assert_int_equal(inet_pton(AF_INET6, text, b), 1);
		assert_int_equal(a->family, 6);
		assert_memory_equal(a->b, b, 16);
	} else {
		assert_v4(a, text);
	}
}

/* ---------------------------------------------------------------- files */

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	uint8_t *b = malloc((size_t)len + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	b[len] = 0;
	*n = (size_t)len;
	return b;
}

/* A datagram: a borrowed view of a file buffer. */
struct dgram {
	const uint8_t *p;
	size_t n;
};

#define MAX_DGRAMS 64

struct pcap {
	uint8_t *buf;
	size_t n;
	struct dgram d[MAX_DGRAMS];
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* pcap_load() - the UDP payloads of a classic little-endian Ethernet pcap. */
static void pcap_load(struct pcap *pc, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), DATA "%s", name);
	pc->buf = slurp(path, &pc->n);
	pc->d[0].n = 0;
	assert_true(pc->n >= 24);
	assert_int_equal(le32(pc->buf), 0xa1b2c3d4);
	assert_int_equal(le32(pc->buf + 20), 1); /* LINKTYPE_ETHERNET */
	size_t off = 24, k = 0;
	while (off + 16 <= pc->n) {
		uint32_t incl = le32(pc->buf + off + 8);
		const uint8_t *f = pc->buf + off + 16;
		assert_true(off + 16 + incl <= pc->n);
		assert_true(incl >= 14 + 20 + 8);
		assert_int_equal(f[12] << 8 | f[13], 0x0800);
		const uint8_t *ip = f + 14;
		assert_int_equal(ip[0] >> 4, 4);
		size_t ihl = (ip[0] & 15u) * 4;
		assert_int_equal(ip[9], 17);
		assert_true(14 + ihl + 8 <= incl);
		const uint8_t *udp = ip + ihl;
		size_t ulen = (size_t)(udp[4] << 8 | udp[5]);
		assert_true(ulen >= 8 && 14 + ihl + ulen <= incl);
		assert_true(k < MAX_DGRAMS - 1);
		pc->d[k].p = udp + 8;
		pc->d[k].n = ulen - 8;
		k++;
		off += 16 + incl;
	}
	pc->d[k].p = NULL;
	pc->d[k].n = 0;
}

/* pcap_feed() - decode every payload of @name; each must decode without error. */
static void pcap_feed(struct flow_dec *d, struct pcap *pc, const char *name)
{
	struct lo_err err;
	pcap_load(pc, name);
	for (size_t i = 0; pc->d[i].p; i++) {
		int rc = feed(d, &EXP_A, pc->d[i].p, pc->d[i].n, &err);
		if (rc < 0)
			fail_msg("%s #%zu: %s", name, i, err.msg);
	}
}

/* file_feed() - decode one payload file; returns the decoder's result. */
static int file_feed(struct flow_dec *d, const char *name, uint8_t **keep, struct lo_err *err)
{
	char path[512];
	size_t n;
	snprintf(path, sizeof(path), DATA "%s", name);
	*keep = slurp(path, &n);
	return feed(d, &EXP_A, *keep, n, err);
}

/* ---------------------------------------------------------------- builders */

struct bb {
	uint8_t p[8192];
	size_t n;
};

static void u8(struct bb *b, unsigned v)
{
	assert_true(b->n < sizeof(b->p));
	b->p[b->n++] = (uint8_t)v;
}
static void u16(struct bb *b, unsigned v)
{
	u8(b, v >> 8 & 0xff);
	u8(b, v & 0xff);
}
static void u32(struct bb *b, uint32_t v)
{
	u16(b, v >> 16);
	u16(b, v & 0xffff);
}
static void u64(struct bb *b, uint64_t v)
{
	u32(b, (uint32_t)(v >> 32));
	u32(b, (uint32_t)v);
}
static void bytes(struct bb *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->p));
	memcpy(b->p + b->n, p, n);
	b->n += n;
}
static void put16_at(struct bb *b, size_t at, unsigned v)
{
	b->p[at] = (uint8_t)(v >> 8);
	b->p[at + 1] = (uint8_t)v;
}

static void v9_hdr(struct bb *b, uint32_t uptime, uint32_t secs, uint32_t domain)
{
	b->n = 0;
	u16(b, 9);
	u16(b, 0); /* count: not checked */
	u32(b, uptime);
	u32(b, secs);
	u32(b, 1);
	u32(b, domain);
}

static void ipfix_hdr(struct bb *b, uint32_t secs, uint32_t domain)
{
	b->n = 0;
	u16(b, 10);
	u16(b, 0); /* fixed by ipfix_end() */
	u32(b, secs);
	u32(b, 1);
	u32(b, domain);
}

static void ipfix_end(struct bb *b)
{
	put16_at(b, 2, (unsigned)b->n);
}

static size_t set_begin(struct bb *b, unsigned id)
{
	size_t at = b->n;
	u16(b, id);
	u16(b, 0);
	return at;
}

static void set_end(struct bb *b, size_t at)
{
	put16_at(b, at + 2, (unsigned)(b->n - at));
}

/* A template record: @n (type, length) pairs. */
static void tpl_rec(struct bb *b, unsigned id, size_t n, const unsigned (*f)[2])
{
	u16(b, id);
	u16(b, (unsigned)n);
	for (size_t i = 0; i < n; i++) {
		u16(b, f[i][0]);
		u16(b, f[i][1]);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A small IPv4 template and a record for it. */
static const unsigned T4[][2] = {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {1, 4}, {2, 4}};
#define T4_LEN 21

static void t4_data(struct bb *b, uint8_t last_octet, uint16_t sport, uint32_t bytes_)
{
	u32(b, 0x0a000000u | last_octet);
	u32(b, 0xc6336401u);
	u16(b, sport);
	u16(b, 80);
	u8(b, 6);
	u32(b, bytes_);
	u32(b, 3);
}

/* ================================================================ NetFlow v5 */

static void test_v5_akvorado(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct pcap pc;

	got_reset();
	pcap_feed(d, &pc, "akvorado__netflow__nfv5.pcap");
	assert_int_equal(G.n, 29);
	/* tshark -d udp.port==9990,cflow -V: pdu 1/29 */
	const struct flow_rec *r = &G.r[0];
	assert_int_equal(r->version, FLOW_NETFLOW5);
	assert_int_equal(r->kind, FLOW_DATA);
	assert_v4(&r->src, "161.202.212.212");
	assert_v4(&r->dst, "202.152.70.24");
	assert_int_equal(r->sport, 30104);
	assert_int_equal(r->dport, 11963);
	assert_int_equal(r->proto, 6);
	assert_int_equal(r->tcp_flags, 0x18);
	assert_int_equal(r->bytes, 133);
	assert_int_equal(r->packets, 1);
	assert_int_equal(r->in_if, 117);
	assert_int_equal(r->out_if, 86);
	assert_int_equal(r->src_as, 36351);
	assert_int_equal(r->dst_as, 10101);
	assert_int_equal(r->sampling, 1);
	assert_int_equal(r->domain, 3); /* engine type 0, engine id 3 */
	assert_int_equal(r->n_fields, 0);
	assert_memory_equal(&r->exporter, &EXP_A, sizeof(EXP_A));
	/* header 1680626679 s, uptime 2874339 s, First = Last = 2874324 s */
	assert_int_equal(r->first_ms, 1680626664000);
	assert_int_equal(r->last_ms, 1680626664000);
	/* pdu 2/29: 173.194.4.8:443 > 202.160.21.5:37422, 10262 bytes, 7 packets */
	assert_v4(&G.r[1].src, "173.194.4.8");
	assert_int_equal(G.r[1].dport, 37422);
	assert_int_equal(G.r[1].bytes, 10262);
	assert_int_equal(G.r[1].packets, 7);
	assert_int_equal(G.r[1].first_ms, 1680626655000);
	assert_int_equal(flow_dec_stats(d)->netflow5, 1);
	assert_int_equal(flow_dec_stats(d)->records, 29);
	free(pc.buf);
	flow_dec_free(d);
}

static void test_v5_logstash(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	uint8_t *b;
	size_t n;

	got_reset();
	assert_int_equal(
		file_feed(d, "logstash_netflow_dat/netflow5_test_juniper_mx80.dat", &b, &err), 29);
	free(b);
	assert_int_equal(file_feed(d, "logstash_netflow_dat/netflow5_test_microtik.dat", &b, &err),
			 30);
	free(b);

	/* count 55582 and 163 in datagrams of 30 records: the 30 come, then the error */
	got_reset();
	assert_int_equal(file_feed(d, "logstash_netflow_dat/netflow5_test_invalid01.dat", &b, &err),
			 LO_ETRUNC);
	assert_int_equal(G.n, 30);
	assert_int_equal(err.offset, 24 + 30 * 48);
	assert_non_null(strstr(err.msg, "count 55582"));
	free(b);
	got_reset();
	assert_int_equal(file_feed(d, "logstash_netflow_dat/netflow5_test_invalid02.dat", &b, &err),
			 LO_ETRUNC);
	assert_int_equal(G.n, 30);
	free(b);

	/* netflow5.dat is 12 datagrams captured back to back by netcat */
	b = slurp(DATA "logstash_netflow_dat/netflow5.dat", &n);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b, n, &err), LO_ECORRUPT); /* as one datagram */
	assert_int_equal(G.n, 2);
	assert_int_equal(err.offset, 24 + 2 * 48);
	got_reset();
	size_t off = 0, k = 0;
	while (off < n) {
		size_t len = 24 + 48 * (size_t)(b[off + 2] << 8 | b[off + 3]);
		assert_true(off + len <= n);
		assert_true(feed(d, &EXP_A, b + off, len, &err) >= 0);
		off += len;
		k++;
	}
	assert_int_equal(k, 12);
	assert_int_equal(G.n, 30);
	/* softflowd: 10.0.2.2 <-> 10.0.2.15 */
	assert_v4(&G.r[0].src, "10.0.2.2");
	assert_v4(&G.r[0].dst, "10.0.2.15");
	assert_int_equal(G.r[0].proto, 6);
	free(b);
	assert_int_equal(flow_dec_stats(d)->malformed, 3);
	flow_dec_free(d);
}

static void v5_hdr(struct bb *b, unsigned count, uint32_t uptime, uint32_t secs, uint32_t nsecs,
		   unsigned sampling)
{
	b->n = 0;
	u16(b, 5);
	u16(b, count);
	u32(b, uptime);
	u32(b, secs);
	u32(b, nsecs);
	u32(b, 77);
	u8(b, 1);
	u8(b, 2);
	u16(b, sampling);
}

static void v5_rec(struct bb *b, uint32_t first, uint32_t last)
{
	u32(b, 0x01020304);
	u32(b, 0x05060708);
	u32(b, 0);
	u16(b, 3);
	u16(b, 4);
	u32(b, 10);
	u32(b, 1000);
	u32(b, first);
	u32(b, last);
	u16(b, 0);
	u16(b, 0x0303); /* ICMP port unreachable, as exporters put it */
	u8(b, 0);
	u8(b, 0);
	u8(b, 1);
	u8(b, 0);
	u16(b, 65001);
	u16(b, 65002);
	u8(b, 24);
	u8(b, 24);
	u16(b, 0);
}

static void test_v5_hand(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;

	/* header only: 0 records, no error */
	got_reset();
	v5_hdr(&b, 0, 1000, 1700000000, 0, 0);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	assert_int_equal(feed(d, &EXP_A, b.p, 23, &err), LO_ETRUNC);
	assert_int_equal(err.offset, 0);

	/* sampling: mode bits 01, rate 1000; uptime wrapped past 2^32 */
	got_reset();
	v5_hdr(&b, 2, 5000, 1700000000, 250000000, 0x4000 | 1000);
	v5_rec(&b, 0xffffff00u, 4000); /* started 5256 ms ago, before the wrap */
	v5_rec(&b, 4000, 4500);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 2);
	assert_int_equal(G.r[0].sampling, 1000);
	assert_int_equal(G.r[0].domain, 0x0102);
	assert_int_equal(G.r[0].first_ms, 1700000000250 - 5256);
	assert_int_equal(G.r[0].last_ms, 1700000000250 - 1000);
	assert_int_equal(G.r[1].last_ms, 1700000000250 - 500);
	assert_int_equal(G.r[0].dport, 0x0303);
	assert_int_equal(G.r[0].proto, 1);
	assert_int_equal(G.r[0].src_as, 65001);
	assert_int_equal(G.r[0].bytes, 1000);
	assert_int_equal(G.r[0].packets, 10);

	/* count 3 but room for 2: the 2 are delivered, then LO_ETRUNC */
	got_reset();
	put16_at(&b, 2, 3);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ETRUNC);
	assert_int_equal(G.n, 2);
	/* count 1 with 2 records: one record, then LO_ECORRUPT at the extra bytes */
	got_reset();
	put16_at(&b, 2, 1);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ECORRUPT);
	assert_int_equal(G.n, 1);
	assert_int_equal(err.offset, 24 + 48);
	/* a half record */
	got_reset();
	put16_at(&b, 2, 2);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n - 20, &err), LO_ETRUNC);
	assert_int_equal(G.n, 1);
	flow_dec_free(d);

	/* opts.sampling overrides the header */
	d = dec_new(0, 0, 64);
	got_reset();
	put16_at(&b, 2, 2);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 2);
	assert_int_equal(G.r[1].sampling, 64);
	flow_dec_free(d);
}

/* ================================================================ Telegraf */

/* exp_val() - the value of field @key in an expected.out line (quotes and
 * the integer suffix u removed) into @out; false when absent. */
static bool exp_val(const char *line, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	for (const char *p = line; (p = strstr(p, key)); p++) {
		if (p == line || (p[-1] != ',' && p[-1] != ' ') || p[kl] != '=')
			continue;
		p += kl + 1;
		size_t i = 0;
		if (*p == '"') {
			for (p++; *p && *p != '"' && i + 1 < n; p++)
				out[i++] = *p;
		} else {
			for (; *p && *p != ',' && *p != ' ' && *p != '\n' && i + 1 < n; p++)
				out[i++] = *p;
			if (i && out[i - 1] == 'u')
				i--;
		}
		out[i] = 0;
		return true;
	}
	return false;
}

static uint64_t exp_num(const char *line, const char *key)
{
	char v[64];
	assert_true(exp_val(line, key, v, sizeof(v)));
	return strtoull(v, NULL, 10);
}

/*
 * telegraf_check() - decode @files of telegraf_netflow/@dir in order, then
 * compare every "netflow," line of expected.out with the FLOW_DATA records
 * in order: addresses, ports, protocol, bytes, packets, and the times when
 * Telegraf gives them in ms.  Returns the number of data records checked.
 */
static size_t telegraf_check(const char *dir, const char *const *files, int want_rc)
{
	struct flow_dec *d = dec_new(0, 0, 0);
	uint8_t *keep[16];
	struct lo_err err;
	char path[512];
	size_t nf = 0, n;
	int rc = 0;

	got_reset();
	for (; files[nf]; nf++) {
		snprintf(path, sizeof(path), DATA "telegraf_netflow/%s/%s", dir, files[nf]);
		keep[nf] = slurp(path, &n);
		int r = feed(d, &EXP_A, keep[nf], n, &err);
		if (r < 0)
			rc = r;
	}
	assert_int_equal(rc, want_rc);

	snprintf(path, sizeof(path), DATA "telegraf_netflow/%s/expected.out", dir);
	char *text = (char *)slurp(path, &n);
	size_t k = 0, checked = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "netflow,", 8))
			continue;
		while (k < G.n && G.r[k].kind != FLOW_DATA)
			k++;
		assert_true(k < G.n);
		const struct flow_rec *r = &G.r[k++];
		char v[64];
		if (exp_val(line, "src", v, sizeof(v)))
			assert_addr(&r->src, v);
		if (exp_val(line, "dst", v, sizeof(v)))
			assert_addr(&r->dst, v);
		assert_int_equal(r->sport, exp_num(line, "src_port"));
		assert_int_equal(r->dport, exp_num(line, "dst_port"));
		if (exp_val(line, "in_bytes", v, sizeof(v)))
			assert_int_equal(r->bytes, strtoull(v, NULL, 10));
		else
			assert_int_equal(r->bytes, exp_num(line, "in_total_bytes"));
		if (exp_val(line, "in_packets", v, sizeof(v)))
			assert_int_equal(r->packets, strtoull(v, NULL, 10));
		else
			assert_int_equal(r->packets, exp_num(line, "in_total_packets"));
		if (exp_val(line, "protocol", v, sizeof(v)))
			assert_int_equal(r->proto, !strcmp(v, "tcp")   ? 6
						   : !strcmp(v, "udp") ? 17
								       : 1);
		if (exp_val(line, "flow_start_ms", v, sizeof(v)))
			assert_int_equal(r->first_ms, strtoull(v, NULL, 10));
		if (exp_val(line, "flow_end_ms", v, sizeof(v)))
			assert_int_equal(r->last_ms, strtoull(v, NULL, 10));
		if (exp_val(line, "in_snmp", v, sizeof(v)))
			assert_int_equal(r->in_if, strtoull(v, NULL, 10));
		if (exp_val(line, "out_snmp", v, sizeof(v)))
			assert_int_equal(r->out_if, strtoull(v, NULL, 10));
		if (exp_val(line, "bgp_src_as", v, sizeof(v)))
			assert_int_equal(r->src_as, strtoull(v, NULL, 10));
		if (exp_val(line, "bgp_dst_as", v, sizeof(v)))
			assert_int_equal(r->dst_as, strtoull(v, NULL, 10));
		if (exp_val(line, "sampling_interval", v, sizeof(v)))
			assert_int_equal(r->sampling,
					 strtoull(v, NULL, 10) ? strtoull(v, NULL, 10) : 1);
		checked++;
	}
	while (k < G.n && G.r[k].kind != FLOW_DATA)
		k++;
	assert_int_equal(k, G.n); /* no record more than Telegraf's */
	free(text);
	for (size_t i = 0; i < nf; i++)
		free(keep[i]);
	flow_dec_free(d);
	return checked;
}

static void test_telegraf(void **state)
{
	(void)state;
	static const char *const v5[] = {"netflow_v5.bin", NULL};
	static const char *const v9[] = {"netflow_v9.bin", NULL};
	static const char *const ipfix[] = {"ipfix_0.bin", "ipfix_1.bin", "ipfix_2.bin",
					    "ipfix_3.bin", "ipfix_4.bin", "ipfix_5.bin",
					    "ipfix_6.bin", NULL};
	static const char *const pen[] = {"message-1.bin", "message-2.bin", "message-3.bin",
					  "message-4.bin", NULL};
	static const char *const i14370[] = {"message.bin", NULL};

	assert_int_equal(telegraf_check("netflow_v5_example", v5, 0), 8);
	assert_int_equal(telegraf_check("netflow_v9_example", v9, 0), 8);
	assert_int_equal(telegraf_check("ipfix_example", ipfix, 0), 29);
	/* the two options records Telegraf prints as netflow_options */
	size_t opts = 0;
	for (size_t i = 0; i < G.n; i++)
		opts += G.r[i].kind == FLOW_OPTIONS;
	assert_int_equal(opts, 2);
	assert_int_equal(telegraf_check("ipfix_pen_35632", pen, 0), 2);
	assert_int_equal(telegraf_check("issue_13305", pen, 0), 2);
	/* fields of length 0 (flowStart/EndSeconds) and a message length 2
	 * bytes short of its last set: both records, then the error */
	assert_int_equal(telegraf_check("issue_14370", i14370, LO_ECORRUPT), 2);
	assert_int_equal(G.r[0].first_ms, 0);
	assert_int_equal(field(&G.r[0], 150)->len, 0);
}

static void test_telegraf_options(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	char path[256];
	uint8_t *b[10];
	size_t n;

	/* v9 options: scope System, then ifIndex, name, description */
	got_reset();
	assert_int_equal(
		file_feed(d, "telegraf_netflow/netflow_v9_options/message.bin", &b[0], &err), 8);
	const struct flow_rec *r = &G.r[0];
	assert_int_equal(r->kind, FLOW_OPTIONS);
	assert_int_equal(r->version, FLOW_NETFLOW9);
	assert_int_equal(r->n_fields, 5);
	assert_int_equal(r->fields[0].type, 1); /* the System scope */
	assert_int_equal(be(r->fields[0].val, 4), 169952189);
	assert_int_equal(be(field(r, 10)->val, 4), 1);
	assert_memory_equal(field(r, 82)->val, "Te0/0/0", 8);
	assert_memory_equal(field(r, 83)->val, "TenGigabitEthernet0/0/0", 24);
	assert_memory_equal(field(&G.r[7], 82)->val, "Lo0", 4);
	assert_int_equal(be(field(&G.r[7], 10)->val, 4), 10);
	assert_int_equal(flow_dec_stats(d)->options, 8);
	free(b[0]);

	/* IPFIX options: application names, 14 a message */
	got_reset();
	for (int i = 0; i < 9; i++) {
		snprintf(path, sizeof(path), DATA "telegraf_netflow/ipfix_options/message-%03d.bin",
			 i + 1);
		b[i] = slurp(path, &n);
		assert_int_equal(feed(d, &EXP_A, b[i], n, &err), 14);
	}
	assert_int_equal(G.n, 126);
	r = &G.r[0];
	assert_int_equal(r->kind, FLOW_OPTIONS);
	assert_int_equal(be(field(r, 95)->val, 4), 0x01000022);
	assert_string_equal((const char *)field(r, 96)->val, "3pc");
	assert_string_equal((const char *)field(r, 94)->val, "Third Party Connect Protocol");
	assert_string_equal((const char *)field(&G.r[1], 96)->val, "an");
	for (int i = 0; i < 9; i++)
		free(b[i]);
	flow_dec_free(d);
}

/* ================================================================ logstash */

struct ls_case {
	const char *files[7];
	int records; /* FLOW_DATA records */
	int options;
	uint64_t no_template;
};

static void logstash_run(const struct ls_case *c)
{
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	uint8_t *keep[7];
	char name[256];
	size_t k;

	got_reset();
	for (k = 0; c->files[k]; k++) {
		snprintf(name, sizeof(name), "logstash_netflow_dat/%s", c->files[k]);
		int rc = file_feed(d, name, &keep[k], &err);
		if (rc < 0)
			fail_msg("%s: %s (offset %" PRIu64 ")", name, err.msg, err.offset);
	}
	int data = 0, opt = 0;
	for (size_t i = 0; i < G.n; i++) {
		if (G.r[i].kind == FLOW_DATA)
			data++;
		else
			opt++;
	}
	if (data != c->records || opt != c->options ||
	    flow_dec_stats(d)->no_template != c->no_template)
		fail_msg("%s: %d data, %d options, %" PRIu64 " no_template", c->files[0], data, opt,
			 flow_dec_stats(d)->no_template);
	for (size_t i = 0; i < k; i++)
		free(keep[i]);
	flow_dec_free(d);
}

static void test_logstash_v9(void **state)
{
	(void)state;
	static const struct ls_case cases[] = {
		{{"netflow9_cisco_asr1001x_tpl259.dat"}, 25, 0, 0},
		{{"netflow9_test_cisco_1941K9.dat"}, 29, 0, 0},
		{{"netflow9_test_cisco_aci_tpl256-258.dat", "netflow9_test_cisco_aci_data256.dat"},
		 3,
		 0,
		 0},
		{{"netflow9_test_cisco_asa_1_tpl.dat", "netflow9_test_cisco_asa_1_data.dat"},
		 14,
		 0,
		 0},
		{{"netflow9_test_cisco_asa_2_tpl_26x.dat", "netflow9_test_cisco_asa_2_tpl_27x.dat",
		  "netflow9_test_cisco_asa_2_data.dat"},
		 19,
		 0,
		 0},
		{{"netflow9_test_cisco_asr9k_opttpl256.dat",
		  "netflow9_test_cisco_asr9k_opttpl257.dat",
		  "netflow9_test_cisco_asr9k_opttpl334.dat", "netflow9_test_cisco_asr9k_tpl260.dat",
		  "netflow9_test_cisco_asr9k_data256.dat", "netflow9_test_cisco_asr9k_data260.dat"},
		 21,
		 19,
		 0},
		{{"netflow9_test_cisco_nbar_opttpl260.dat", "netflow9_test_cisco_nbar_tpl262.dat",
		  "netflow9_test_cisco_nbar_data262.dat"},
		 5,
		 15,
		 0},
		{{"netflow9_test_cisco_wlc_tpl.dat", "netflow9_test_cisco_wlc_data261.dat"},
		 19,
		 0,
		 0},
		{{"netflow9_test_field_layer2segmentid_tpl.dat",
		  "netflow9_test_field_layer2segmentid_data.dat"},
		 1,
		 0,
		 0},
		{{"netflow9_test_fortigate_fortios_521_tpl.dat",
		  "netflow9_test_fortigate_fortios_521_data256.dat",
		  "netflow9_test_fortigate_fortios_521_data257.dat"},
		 1,
		 1,
		 0},
		{{"netflow9_test_fortigate_fortios_542_appid_tpl258-269.dat",
		  "netflow9_test_fortigate_fortios_542_appid_data258_262.dat"},
		 17,
		 0,
		 0},
		{{"netflow9_test_h3c_tpl3281.dat", "netflow9_test_h3c_data3281.dat"}, 16, 0, 0},
		{{"netflow9_test_huawei_netstream_tpl.dat",
		  "netflow9_test_huawei_netstream_data.dat"},
		 1,
		 0,
		 0},
		{{"netflow9_test_iptnetflow_reduced_size_encoding_tpldata260.dat"}, 12, 0, 6},
		{{"netflow9_test_macaddr_tpl.dat", "netflow9_test_macaddr_data.dat"}, 29, 1, 0},
		{{"netflow9_test_nprobe_tpl.dat", "netflow9_test_nprobe_data.dat",
		  "netflow9_test_nprobe_dpi.dat"},
		 2,
		 1,
		 0},
		{{"netflow9_test_paloalto_panos_tpl.dat", "netflow9_test_paloalto_panos_data.dat"},
		 8,
		 0,
		 0},
		{{"netflow9_test_softflowd_tpl_data.dat"}, 7, 0, 0},
		{{"netflow9_test_streamcore_tpl_data256.dat",
		  "netflow9_test_streamcore_tpl_data260.dat"},
		 4,
		 0,
		 0},
		{{"netflow9_test_ubnt_edgerouter_tpl.dat",
		  "netflow9_test_ubnt_edgerouter_data1024.dat",
		  "netflow9_test_ubnt_edgerouter_data1025.dat"},
		 16,
		 0,
		 0},
		{{"netflow9_test_unknown_tpl266_292_data.dat"}, 2, 0, 0},
		{{"netflow9_test_valid01.dat"}, 7, 0, 0},
		{{"netflow9_test_cisco_wlc_8510_tpl_262.dat"}, 0, 0, 0},
	};
	for (size_t i = 0; i < N(cases); i++)
		logstash_run(&cases[i]);
}

static void test_logstash_v9_special(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	uint8_t *b, *b2;

	/* templates padded with three (type 0, length 0) fields: accepted */
	got_reset();
	assert_int_equal(file_feed(d,
				   "logstash_netflow_dat/netflow9_test_0length_fields_tpl_data.dat",
				   &b, &err),
			 10);
	assert_int_equal(G.r[0].n_fields, 21);
	assert_int_equal(G.r[0].fields[20].len, 0);
	assert_v4(&G.r[0].src, "239.255.255.250");
	assert_v4(&G.r[0].dst, "192.168.1.80");
	free(b);

	/* "invalid" for logstash only: an options template set of 22 bytes, not
	 * padded to 4 (RFC 3954 §5.1: padding SHOULD be used), and a header
	 * count of 2 for 6 records (many exporters count sets, not records) */
	got_reset();
	assert_int_equal(
		file_feed(d, "logstash_netflow_dat/netflow9_test_invalid01.dat", &b2, &err), 3);
	assert_int_equal(G.n, 3);
	assert_int_equal(G.r[0].kind, FLOW_OPTIONS);
	assert_int_equal(G.r[1].sport, 123);
	assert_addr(&G.r[1].src, "2001:44b8:1118:7200::10");
	assert_int_equal(G.r[1].sampling, 100); /* from the options record: IE 34 = 100 */
	assert_int_equal(G.r[2].sport, 53);
	assert_v4(&G.r[2].dst, "192.168.0.105");
	free(b2);
	flow_dec_free(d);

	/* one flowset, then 1200 zero bytes */
	d = dec_new(0, 0, 0);
	got_reset();
	assert_int_equal(file_feed(d,
				   "logstash_netflow_dat/netflow9_test_paloalto_81_tpl256-263.dat",
				   &b, &err),
			 0);
	assert_int_equal(
		file_feed(
			d,
			"logstash_netflow_dat/"
			"netflow9_test_paloalto_81_data257_1flowset_in_large_zerofilled_packet.dat",
			&b2, &err),
		1);
	free(b);
	free(b2);
	flow_dec_free(d);

	/* H3C: a variable-length VRF name (length 65535) in v9 */
	d = dec_new(0, 0, 0);
	got_reset();
	assert_int_equal(
		file_feed(d,
			  "logstash_netflow_dat/netflow9_test_h3c_netstream_varstring_tpl3281.dat",
			  &b, &err),
		0);
	assert_int_equal(
		file_feed(d,
			  "logstash_netflow_dat/netflow9_test_h3c_netstream_varstring_data3281.dat",
			  &b2, &err),
		1);
	assert_v4(&G.r[0].src, "20.20.20.20");
	assert_v4(&G.r[0].dst, "20.20.255.255");
	assert_int_equal(G.r[0].dport, 137);
	assert_int_equal(G.r[0].bytes, 702);
	assert_int_equal(G.r[0].packets, 9);
	assert_int_equal(G.r[0].n_fields, 28);
	assert_int_equal(G.r[0].fields[27].type, 236);
	assert_int_equal(G.r[0].fields[27].len, 1); /* length byte 1, then a NUL */
	assert_int_equal(G.r[0].fields[27].val[0], 0);
	assert_ptr_equal(G.r[0].fields[27].val + 1, b2 + 108); /* the last byte */
	free(b);
	free(b2);
	flow_dec_free(d);

	/* Juniper SRX: an options template whose System scope is 0 bytes long */
	d = dec_new(0, 0, 0);
	got_reset();
	assert_int_equal(file_feed(d, "logstash_netflow_dat/netflow9_test_juniper_srx_tplopt.dat",
				   &b, &err),
			 1);
	assert_int_equal(G.r[0].kind, FLOW_OPTIONS);
	assert_int_equal(G.r[0].n_fields, 3);
	assert_int_equal(G.r[0].fields[0].len, 0);
	assert_int_equal(G.r[0].fields[2].type, 34);
	free(b);
	flow_dec_free(d);
}

static void test_logstash_ipfix(void **state)
{
	(void)state;
	static const struct ls_case cases[] = {
		{{"ipfix.dat"}, 12, 1, 0},
		{{"ipfix_test_barracuda_tpl.dat", "ipfix_test_barracuda_data256.dat"}, 8, 0, 0},
		{{"ipfix_test_barracuda_extended_uniflow_tpl256.dat",
		  "ipfix_test_barracuda_extended_uniflow_data256.dat"},
		 2,
		 0,
		 0},
		{{"ipfix_test_ixia_tpldata256.dat", "ipfix_test_ixia_tpldata271.dat"}, 3, 0, 0},
		{{"ipfix_test_juniper_mx240_junos151r6s3_opttpl512.dat",
		  "ipfix_test_juniper_mx240_junos151r6s3_data512.dat"},
		 0,
		 1,
		 0},
		{{"ipfix_test_mikrotik_tpl.dat", "ipfix_test_mikrotik_data258.dat",
		  "ipfix_test_mikrotik_data259.dat"},
		 46,
		 0,
		 0},
		{{"ipfix_test_netscaler_tpl.dat", "ipfix_test_netscaler_data.dat"}, 3, 0, 1},
		{{"ipfix_test_nokia_bras_tpl.dat", "ipfix_test_nokia_bras_data256.dat"}, 1, 0, 0},
		{{"ipfix_test_openbsd_pflow_tpl.dat", "ipfix_test_openbsd_pflow_data.dat"},
		 26,
		 0,
		 0},
		{{"ipfix_test_procera_tpl52935.dat", "ipfix_test_procera_data52935.dat"}, 8, 0, 0},
		{{"ipfix_test_viptela_tpl257.dat", "ipfix_test_viptela_data257.dat"}, 1, 0, 0},
		{{"ipfix_test_vmware_vds_tpl.dat", "ipfix_test_vmware_vds_data264.dat",
		  "ipfix_test_vmware_vds_data266.dat", "ipfix_test_vmware_vds_data266_267.dat"},
		 5,
		 0,
		 0},
		{{"ipfix_test_yaf_tpl45841.dat", "ipfix_test_yaf_tpls_option_tpl.dat",
		  "ipfix_test_yaf_data45841.dat", "ipfix_test_yaf_data45873.dat",
		  "ipfix_test_yaf_data53248.dat"},
		 2,
		 1,
		 0},
	};
	for (size_t i = 0; i < N(cases); i++)
		logstash_run(&cases[i]);

	/* OpenBSD pflow: flowStart/EndMilliseconds, IPv4 */
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	uint8_t *b, *b2;
	got_reset();
	assert_int_equal(
		file_feed(d, "logstash_netflow_dat/ipfix_test_openbsd_pflow_tpl.dat", &b, &err), 0);
	assert_int_equal(file_feed(d, "logstash_netflow_dat/ipfix_test_openbsd_pflow_data.dat", &b2,
				   &err),
			 26);
	assert_v4(&G.r[0].src, "192.168.0.17");
	assert_v4(&G.r[0].dst, "192.168.0.1");
	assert_int_equal(G.r[0].sport, 64020);
	assert_int_equal(G.r[0].dport, 80);
	assert_int_equal(G.r[0].bytes, 373);
	assert_int_equal(G.r[0].packets, 7);
	assert_int_equal(G.r[0].domain, 42);
	assert_int_equal(G.r[0].first_ms, 1469107799000);
	free(b);
	free(b2);
	flow_dec_free(d);
}

/* ================================================================ akvorado */

static void test_akvorado_v9(void **state)
{
	(void)state;
	struct pcap pc[4];
	struct flow_dec *d = dec_new(0, 0, 0);

	/* template, options template, options data (sampler 1: 30000), data */
	got_reset();
	pcap_feed(d, &pc[0], "akvorado__netflow__template.pcap");
	pcap_feed(d, &pc[1], "akvorado__netflow__options-template.pcap");
	pcap_feed(d, &pc[2], "akvorado__netflow__options-data.pcap");
	pcap_feed(d, &pc[3], "akvorado__netflow__data.pcap");
	assert_int_equal(G.n, 8);
	assert_int_equal(G.r[0].kind, FLOW_OPTIONS);
	const struct flow_rec *r = &G.r[4];
	assert_int_equal(r->kind, FLOW_DATA);
	assert_int_equal(r->template, 260);
	assert_v4(&r->src, "198.38.121.178");
	assert_v4(&r->dst, "91.170.143.87");
	assert_int_equal(r->sport, 443);
	assert_int_equal(r->dport, 19624);
	assert_int_equal(r->bytes, 1500);
	assert_int_equal(r->packets, 1);
	assert_int_equal(r->in_if, 335);
	assert_int_equal(r->out_if, 450);
	assert_int_equal(r->tcp_flags, 0x10);
	assert_int_equal(r->sampling, 30000);
	assert_int_equal(r->n_fields, 23);
	assert_int_equal(r->first_ms, 1647285925050);
	for (int i = 0; i < 4; i++)
		free(pc[i].buf);
	flow_dec_free(d);

	/* two samplers: 1 at 1/2000, 2 at 1/4000, the data records name theirs */
	d = dec_new(0, 0, 0);
	got_reset();
	pcap_feed(d, &pc[0], "akvorado__netflow__multiplesamplingrates-template.pcap");
	pcap_feed(d, &pc[1], "akvorado__netflow__multiplesamplingrates-options-template.pcap");
	pcap_feed(d, &pc[2], "akvorado__netflow__multiplesamplingrates-options-data.pcap");
	pcap_feed(d, &pc[3], "akvorado__netflow__multiplesamplingrates-data.pcap");
	assert_int_equal(G.n, 14);
	assert_int_equal(be(field(&G.r[0], 48)->val, 2), 1);
	assert_int_equal(be(field(&G.r[0], 34)->val, 4), 2000);
	assert_int_equal(be(field(&G.r[1], 48)->val, 2), 2);
	r = &G.r[2];
	assert_int_equal(be(field(r, 48)->val, 2), 2);
	assert_int_equal(r->sampling, 4000);
	assert_addr(&r->src, "ffff::68");
	assert_addr(&r->dst, "ffff::1a");
	assert_int_equal(r->sport, 443);
	assert_int_equal(r->dport, 52616);
	assert_int_equal(r->bytes, 1348);
	assert_int_equal(r->packets, 18);
	for (size_t i = 3; i < G.n; i++) {
		assert_int_equal(be(field(&G.r[i], 48)->val, 2), 1);
		assert_int_equal(G.r[i].sampling, 2000);
	}
	for (int i = 0; i < 4; i++)
		free(pc[i].buf);
	flow_dec_free(d);

	/* samplingInterval (34) in the data records */
	d = dec_new(0, 0, 0);
	got_reset();
	pcap_feed(d, &pc[0], "akvorado__netflow__samplingrate-template.pcap");
	pcap_feed(d, &pc[1], "akvorado__netflow__samplingrate-data.pcap");
	assert_int_equal(G.n, 6);
	assert_int_equal(G.r[0].sampling, 2048);
	assert_int_equal(G.r[0].domain, 369099009);
	assert_v4(&G.r[0].src, "232.131.215.65");
	assert_int_equal(G.r[0].sport, 13245);
	assert_int_equal(G.r[0].bytes, 160);
	for (int i = 0; i < 2; i++)
		free(pc[i].buf);
	flow_dec_free(d);

	/* ICMP and ICMPv6: type << 8 | code in dport, sport 0 */
	d = dec_new(0, 0, 0);
	got_reset();
	pcap_feed(d, &pc[0], "akvorado__netflow__icmp-template.pcap");
	pcap_feed(d, &pc[1], "akvorado__netflow__icmp-data.pcap");
	assert_int_equal(G.n, 4);
	assert_int_equal(G.r[0].proto, 58);
	assert_addr(&G.r[0].src, "2001:db8::");
	assert_addr(&G.r[0].dst, "2001:db8::1");
	assert_int_equal(G.r[0].dport, 128 << 8); /* echo request */
	assert_int_equal(G.r[1].dport, 129 << 8); /* echo reply */
	assert_int_equal(G.r[2].proto, 1);
	assert_v4(&G.r[2].src, "203.0.113.4");
	assert_int_equal(G.r[2].sport, 0);
	assert_int_equal(G.r[2].dport, 8 << 8);
	assert_int_equal(G.r[3].dport, 0);
	assert_int_equal(G.r[2].bytes, 84);
	for (int i = 0; i < 2; i++)
		free(pc[i].buf);
	flow_dec_free(d);

	/* options template and its data before the data, all in one datagram */
	d = dec_new(0, 0, 0);
	got_reset();
	pcap_feed(d, &pc[0], "akvorado__netflow__data+templates.pcap");
	assert_int_equal(G.r[0].kind, FLOW_OPTIONS);
	assert_int_equal(G.r[1].sampling, 100);
	assert_v4(&G.r[1].src, "120.120.180.202");
	assert_int_equal(G.r[1].src_as, 15169);
	assert_int_equal(G.r[1].bytes, 436);
	free(pc[0].buf);
	/* NAT events: no counters */
	pcap_feed(d, &pc[0], "akvorado__netflow__nat.pcap");
	assert_int_equal(G.r[G.n - 1].bytes, 0);
	assert_int_equal(G.r[G.n - 1].domain, 200);
	free(pc[0].buf);
	flow_dec_free(d);
}

static void test_akvorado_ipfix(void **state)
{
	(void)state;
	struct pcap pc[2];
	struct flow_dec *d = dec_new(0, 0, 0);

	got_reset();
	pcap_feed(d, &pc[0], "akvorado__netflow__ipfixprobe-templates.pcap");
	pcap_feed(d, &pc[1], "akvorado__netflow__ipfixprobe-data.pcap");
	assert_int_equal(G.n, 4);
	assert_int_equal(G.r[0].version, FLOW_IPFIX);
	assert_v4(&G.r[0].src, "10.10.1.4");
	assert_v4(&G.r[0].dst, "10.10.1.1");
	assert_int_equal(G.r[0].sport, 56166);
	assert_int_equal(G.r[0].dport, 53);
	assert_int_equal(G.r[0].proto, 17);
	assert_int_equal(G.r[0].bytes, 62);
	assert_int_equal(G.r[0].packets, 1);
	assert_int_equal(G.r[2].tcp_flags, 0x1b);
	assert_int_equal(G.r[2].bytes, 21673);
	assert_int_equal(G.r[3].proto, 1);
	for (int i = 0; i < 2; i++)
		free(pc[i].buf);

	/* options records scoped by template: systematic sampling 1 then 9 skipped */
	got_reset();
	pcap_feed(d, &pc[0], "akvorado__netflow__mpls.pcap");
	assert_int_equal(G.n, 3);
	assert_int_equal(G.r[0].kind, FLOW_OPTIONS);
	assert_int_equal(G.r[1].sampling, 10);
	assert_addr(&G.r[1].src, "fd00::1:0:1:7:1");
	assert_int_equal(G.r[1].dport, 862);
	assert_int_equal(G.r[1].out_if, 16);
	free(pc[0].buf);
	got_reset();
	pcap_feed(d, &pc[0], "akvorado__netflow__physicalinterfaces.pcap");
	assert_int_equal(G.r[1].sampling, 1000);
	assert_v4(&G.r[1].src, "147.53.240.75");
	assert_int_equal(G.r[1].dport, 993);
	assert_int_equal(G.r[1].bytes, 4506);
	free(pc[0].buf);

	/* records without addresses (data link only, SRv6, Juniper CPID) */
	static const char *const pairs[][2] = {
		{"akvorado__netflow__datalink-template.pcap",
		 "akvorado__netflow__datalink-data.pcap"},
		{"akvorado__netflow__ipfix-srv6-template.pcap",
		 "akvorado__netflow__ipfix-srv6-data.pcap"},
		{"akvorado__netflow__juniper-cpid-template.pcap",
		 "akvorado__netflow__juniper-cpid-data.pcap"},
	};
	for (size_t i = 0; i < N(pairs); i++) {
		got_reset();
		pcap_feed(d, &pc[0], pairs[i][0]);
		pcap_feed(d, &pc[1], pairs[i][1]);
		assert_int_equal(G.n, 1);
		assert_int_equal(G.r[0].kind, FLOW_DATA);
		free(pc[0].buf);
		free(pc[1].buf);
	}
	assert_int_equal(flow_dec_stats(d)->malformed, 0);
	flow_dec_free(d);
}

static void test_ndpi(void **state)
{
	(void)state;
	struct pcap pc[2];
	struct flow_dec *d = dec_new(0, 0, 0);

	/* a capture that starts after the templates: data skipped and counted */
	got_reset();
	pcap_feed(d, &pc[0], "ndpi__netflowv9.pcap");
	assert_int_equal(flow_dec_stats(d)->no_template, 23);
	pcap_feed(d, &pc[1], "ndpi__netflow-fritz.pcap");
	assert_int_equal(flow_dec_stats(d)->malformed, 0);
	free(pc[0].buf);
	free(pc[1].buf);
	flow_dec_free(d);
}

/* ================================================================ hand-built */

static void test_ipfix_withdrawal(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;

	/* templates 300 and 301, options template 400 */
	ipfix_hdr(&b, 1700000000, 5);
	s = set_begin(&b, 2);
	tpl_rec(&b, 300, N(T4), T4);
	tpl_rec(&b, 301, N(T4), T4);
	set_end(&b, s);
	s = set_begin(&b, 3);
	u16(&b, 400);
	u16(&b, 2);
	u16(&b, 1);
	u16(&b, 302); /* selectorId scope */
	u16(&b, 8);
	u16(&b, 34);
	u16(&b, 4);
	u16(&b, 0); /* padding */
	set_end(&b, s);
	ipfix_end(&b);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	assert_int_equal(flow_dec_stats(d)->templates, 3);

	/* withdraw 300, then data for 300 and 301 */
	ipfix_hdr(&b, 1700000001, 5);
	s = set_begin(&b, 2);
	u16(&b, 300);
	u16(&b, 0);
	set_end(&b, s);
	s = set_begin(&b, 300);
	t4_data(&b, 1, 1000, 100);
	set_end(&b, s);
	s = set_begin(&b, 301);
	t4_data(&b, 2, 1001, 100);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 1);
	assert_int_equal(G.r[0].template, 301);
	assert_int_equal(flow_dec_stats(d)->withdrawn, 1);
	assert_int_equal(flow_dec_stats(d)->no_template, 1);
	/* a withdrawal of a template that is not there: nothing */
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 1);
	assert_int_equal(flow_dec_stats(d)->withdrawn, 1);

	/* withdraw all data templates (ID 2): 301 goes, options template 400 stays */
	ipfix_hdr(&b, 1700000002, 5);
	s = set_begin(&b, 2);
	u16(&b, 2);
	u16(&b, 0);
	set_end(&b, s);
	s = set_begin(&b, 301);
	t4_data(&b, 2, 1001, 100);
	set_end(&b, s);
	s = set_begin(&b, 400);
	u64(&b, 7);
	u32(&b, 512);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 1);
	assert_int_equal(G.r[0].kind, FLOW_OPTIONS);
	assert_int_equal(flow_dec_stats(d)->withdrawn, 2);
	assert_int_equal(flow_dec_stats(d)->no_template, 3);

	/* withdraw all options templates (ID 3 in an options template set) */
	ipfix_hdr(&b, 1700000003, 5);
	s = set_begin(&b, 3);
	u16(&b, 3);
	u16(&b, 0);
	set_end(&b, s);
	s = set_begin(&b, 400);
	u64(&b, 7);
	u32(&b, 512);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	assert_int_equal(flow_dec_stats(d)->withdrawn, 3);
	assert_int_equal(flow_dec_stats(d)->no_template, 4);

	/* a withdrawal of ID 5 is malformed; the next set still decodes */
	ipfix_hdr(&b, 1700000004, 5);
	s = set_begin(&b, 2);
	u16(&b, 5);
	u16(&b, 0);
	set_end(&b, s);
	s = set_begin(&b, 2);
	tpl_rec(&b, 300, N(T4), T4);
	set_end(&b, s);
	s = set_begin(&b, 300);
	t4_data(&b, 9, 9, 9);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ECORRUPT);
	assert_int_equal(err.offset, 20);
	assert_int_equal(G.n, 1);
	assert_int_equal(G.r[0].sport, 9);
	flow_dec_free(d);
}

/* Withdrawals punch holes in the template table: every template left must
 * still be found, none withdrawn may be. */
static void test_ipfix_withdraw_many(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	static const unsigned t[][2] = {{7, 2}};
	struct lo_err err;
	struct bb b;
	size_t s;

	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 2);
	for (unsigned id = 256; id < 656; id++)
		tpl_rec(&b, id, N(t), t);
	set_end(&b, s);
	ipfix_end(&b);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 2);
	for (unsigned id = 256; id < 656; id += 3) {
		u16(&b, id);
		u16(&b, 0);
	}
	set_end(&b, s);
	ipfix_end(&b);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	assert_int_equal(flow_dec_stats(d)->withdrawn, 134);
	for (unsigned id = 256; id < 656; id++) {
		ipfix_hdr(&b, 1700000000, 1);
		s = set_begin(&b, id);
		u16(&b, id);
		set_end(&b, s);
		ipfix_end(&b);
		got_reset();
		assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), (id - 256) % 3 ? 1 : 0);
		if (G.n)
			assert_int_equal(G.r[0].sport, id);
	}
	assert_int_equal(flow_dec_stats(d)->no_template, 134);

	/* 40 options templates among them; withdraw all data templates */
	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 3);
	for (unsigned id = 700; id < 740; id++) {
		u16(&b, id);
		u16(&b, 1);
		u16(&b, 1);
		u16(&b, 302);
		u16(&b, 2);
	}
	set_end(&b, s);
	s = set_begin(&b, 2);
	u16(&b, 2);
	u16(&b, 0);
	set_end(&b, s);
	ipfix_end(&b);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	assert_int_equal(flow_dec_stats(d)->withdrawn, 400);
	for (unsigned id = 256; id < 740; id++) {
		ipfix_hdr(&b, 1700000000, 1);
		s = set_begin(&b, id);
		u16(&b, id);
		set_end(&b, s);
		ipfix_end(&b);
		assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), id >= 700 ? 1 : 0);
	}
	flow_dec_free(d);
}

/* Random template IDs: clusters in the table, and holes punched in them. */
static void test_ipfix_withdraw_random(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	static const unsigned t[][2] = {{7, 2}};
	static uint8_t known[65536];
	uint16_t ids[1000];
	struct lo_err err;
	struct bb b;
	uint32_t x = 12345;
	size_t s, n = 0;

	memset(known, 0, sizeof(known));
	while (n < 1000) {
		x = x * 1103515245u + 12345u;
		uint16_t id = (uint16_t)(256 + (x >> 8) % 65280);
		if (known[id])
			continue;
		known[id] = 1;
		ids[n++] = id;
	}
	for (size_t i = 0; i < n; i += 500) {
		ipfix_hdr(&b, 1700000000, 1);
		s = set_begin(&b, 2);
		for (size_t k = i; k < i + 500; k++)
			tpl_rec(&b, ids[k], N(t), t);
		set_end(&b, s);
		ipfix_end(&b);
		assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	}
	for (size_t i = 0; i < n; i += 2)
		known[ids[i]] = 2; /* withdrawn */
	for (size_t i = 0; i < n; i += 2 * 500) {
		ipfix_hdr(&b, 1700000000, 1);
		s = set_begin(&b, 2);
		for (size_t k = i; k < i + 2 * 500 && k < n; k += 2) {
			u16(&b, ids[k]);
			u16(&b, 0);
		}
		set_end(&b, s);
		ipfix_end(&b);
		assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	}
	assert_int_equal(flow_dec_stats(d)->withdrawn, 500);
	for (size_t i = 0; i < n; i++) {
		ipfix_hdr(&b, 1700000000, 1);
		s = set_begin(&b, ids[i]);
		u16(&b, ids[i]);
		set_end(&b, s);
		ipfix_end(&b);
		got_reset();
		assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), known[ids[i]] == 1 ? 1 : 0);
	}
	flow_dec_free(d);
}

/* More samplers than NF_MAX_SAMPLERS (256): the table grows, then caps. */
static void test_samplers_many(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	static const unsigned t[][2] = {{48, 2}, {7, 2}};
	struct lo_err err;
	struct bb b;
	size_t s;

	v9_hdr(&b, 1, 1700000000, 0);
	s = set_begin(&b, 1);
	u16(&b, 256);
	u16(&b, 0); /* no scope */
	u16(&b, 8);
	u16(&b, 48);
	u16(&b, 2);
	u16(&b, 34);
	u16(&b, 4);
	set_end(&b, s);
	s = set_begin(&b, 0);
	tpl_rec(&b, 257, N(t), t);
	set_end(&b, s);
	s = set_begin(&b, 256);
	for (unsigned i = 1; i <= 300; i++) {
		u16(&b, i);
		u32(&b, 1000 + i);
	}
	set_end(&b, s);
	s = set_begin(&b, 257);
	for (unsigned i = 1; i <= 300; i++) {
		u16(&b, i);
		u16(&b, i);
	}
	set_end(&b, s);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 600);
	for (unsigned i = 1; i <= 300; i++) {
		const struct flow_rec *r = &G.r[300 + i - 1];
		assert_int_equal(r->sport, i);
		/* beyond the cap: the domain's rate, the last options record's */
		assert_int_equal(r->sampling, i <= 256 ? 1000 + i : 1300);
	}
	assert_int_equal(flow_dec_stats(d)->capped, 44);
	flow_dec_free(d);
}

static void test_ipfix_enterprise(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;

	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 2);
	u16(&b, 256);
	u16(&b, 4);
	u16(&b, 8); /* sourceIPv4Address */
	u16(&b, 4);
	u16(&b, 0x8000 | 1); /* enterprise 29305 element 1: same number as octetDeltaCount */
	u16(&b, 4);
	u32(&b, 29305);
	u16(&b, 0x8000 | 100);
	u16(&b, 2);
	u32(&b, 6871);
	u16(&b, 1); /* the real octetDeltaCount, after the enterprise fields */
	u16(&b, 8);
	set_end(&b, s);
	s = set_begin(&b, 256);
	u32(&b, 0xc0000201);
	u32(&b, 0xdeadbeef);
	u16(&b, 0xabcd);
	u64(&b, 123456789012ull);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 1);
	const struct flow_rec *r = &G.r[0];
	assert_v4(&r->src, "192.0.2.1");
	assert_int_equal(r->bytes, 123456789012ull); /* not the enterprise element 1 */
	assert_int_equal(r->n_fields, 4);
	assert_int_equal(r->fields[1].type, 1);
	assert_int_equal(r->fields[1].enterprise, 29305);
	assert_int_equal(be(r->fields[1].val, 4), 0xdeadbeef);
	assert_int_equal(r->fields[2].type, 100);
	assert_int_equal(r->fields[2].enterprise, 6871);
	assert_int_equal(be(r->fields[2].val, 2), 0xabcd);
	assert_int_equal(r->fields[3].enterprise, 0);

	/* an enterprise number cut by the end of the set */
	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 2);
	u16(&b, 257);
	u16(&b, 1);
	u16(&b, 0x8000 | 5);
	u16(&b, 4);
	u16(&b, 0);
	set_end(&b, s);
	s = set_begin(&b, 256);
	u32(&b, 0xc0000202);
	u32(&b, 0);
	u16(&b, 0);
	u64(&b, 5);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ECORRUPT);
	assert_int_equal(err.offset, 20);
	assert_int_equal(G.n, 1);
	assert_int_equal(G.r[0].bytes, 5);
	flow_dec_free(d);
}

static void test_ipfix_varlen(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;
	uint8_t big[300];

	memset(big, 'x', sizeof(big));
	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 2);
	u16(&b, 256);
	u16(&b, 4);
	u16(&b, 7);
	u16(&b, 2);
	u16(&b, 96); /* applicationName, variable */
	u16(&b, 65535);
	u16(&b, 11);
	u16(&b, 2);
	u16(&b, 1);
	u16(&b, 4);
	set_end(&b, s);
	s = set_begin(&b, 256);
	/* a short length */
	u16(&b, 1111);
	u8(&b, 3);
	bytes(&b, "dns", 3);
	u16(&b, 53);
	u32(&b, 100);
	/* the long form: 255 then two bytes */
	u16(&b, 2222);
	u8(&b, 255);
	u16(&b, sizeof(big));
	bytes(&b, big, sizeof(big));
	u16(&b, 443);
	u32(&b, 200);
	/* empty */
	u16(&b, 3333);
	u8(&b, 0);
	u16(&b, 80);
	u32(&b, 300);
	u8(&b, 0); /* padding shorter than a record (at least 9 bytes) */
	u8(&b, 0);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 3);
	assert_int_equal(G.r[0].sport, 1111);
	assert_int_equal(G.r[0].fields[1].len, 3);
	assert_memory_equal(G.r[0].fields[1].val, "dns", 3);
	assert_int_equal(G.r[0].dport, 53);
	assert_int_equal(G.r[0].bytes, 100);
	assert_int_equal(G.r[1].fields[1].len, 300);
	assert_int_equal(G.r[1].dport, 443);
	assert_int_equal(G.r[1].bytes, 200);
	assert_int_equal(G.r[2].fields[1].len, 0);
	assert_int_equal(G.r[2].dport, 80);

	/* a length that overruns its set: the record before it and the next set */
	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 256);
	u16(&b, 1);
	u8(&b, 1);
	u8(&b, 'a');
	u16(&b, 1);
	u32(&b, 1);
	size_t bad = b.n;
	u16(&b, 2);
	u8(&b, 200); /* 200 bytes announced, 10 there */
	bytes(&b, big, 10);
	set_end(&b, s);
	s = set_begin(&b, 256);
	u16(&b, 3);
	u8(&b, 0);
	u16(&b, 3);
	u32(&b, 3);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ECORRUPT);
	assert_int_equal(err.offset, bad);
	assert_int_equal(G.n, 2);
	assert_int_equal(G.r[0].sport, 1);
	assert_int_equal(G.r[1].sport, 3);
	flow_dec_free(d);
}

static void test_reduced_size(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;
	static const unsigned t[][2] = {{1, 3}, {2, 1}, {10, 2}, {14, 1}, {16, 2}, {6, 2}};
	static const unsigned t2[][2] = {{1, 8}, {2, 5}, {17, 4}, {7, 1}};

	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 2);
	tpl_rec(&b, 256, N(t), t);
	tpl_rec(&b, 257, N(t2), t2);
	set_end(&b, s);
	s = set_begin(&b, 256);
	u8(&b, 0x01);
	u16(&b, 0x0203); /* 3-byte octetDeltaCount 0x010203 */
	u8(&b, 200);
	u16(&b, 5000);
	u8(&b, 7);
	u16(&b, 64512);
	u16(&b, 0x0112); /* tcpControlBits: ECE + flags 0x12, low 8 bits kept */
	set_end(&b, s);
	s = set_begin(&b, 257);
	u64(&b, 0xffffffffffffffffull);
	u8(&b, 0x01);
	u32(&b, 0x00000002); /* 5-byte packetDeltaCount 2^32 + 2 */
	u32(&b, 4200000000u);
	u8(&b, 22);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 2);
	assert_int_equal(G.r[0].bytes, 0x010203);
	assert_int_equal(G.r[0].packets, 200);
	assert_int_equal(G.r[0].in_if, 5000);
	assert_int_equal(G.r[0].out_if, 7);
	assert_int_equal(G.r[0].src_as, 64512);
	assert_int_equal(G.r[0].tcp_flags, 0x12);
	assert_int_equal(G.r[0].src.family, 0);
	assert_int_equal(G.r[1].bytes, 0xffffffffffffffffull);
	assert_int_equal(G.r[1].packets, 0x100000002ull);
	assert_int_equal(G.r[1].dst_as, 4200000000u);
	assert_int_equal(G.r[1].sport, 22);
	flow_dec_free(d);
}

static void test_padding(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;

	/* v9: options template set padded with 2 bytes, data sets padded to 4,
	 * then zero bytes to the end of the datagram */
	v9_hdr(&b, 10000, 1700000000, 3);
	s = set_begin(&b, 0);
	tpl_rec(&b, 256, N(T4), T4);
	set_end(&b, s);
	s = set_begin(&b, 1);
	u16(&b, 257);
	u16(&b, 4);
	u16(&b, 4);
	u16(&b, 1); /* scope System */
	u16(&b, 4);
	u16(&b, 34);
	u16(&b, 4);
	u16(&b, 0);
	set_end(&b, s);
	s = set_begin(&b, 257);
	u32(&b, 0);
	u32(&b, 250);
	u8(&b, 0);
	u8(&b, 0);
	u8(&b, 0);
	u8(&b, 0); /* 8-byte records: 4 padding bytes */
	set_end(&b, s);
	s = set_begin(&b, 256);
	t4_data(&b, 1, 1, 1);
	t4_data(&b, 2, 2, 2);
	u8(&b, 0);
	u8(&b, 0); /* 42 + 2 */
	set_end(&b, s);
	for (int i = 0; i < 100; i++)
		u8(&b, 0);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 3);
	assert_int_equal(G.r[1].sampling, 250);
	assert_int_equal(G.r[2].sport, 2);
	/* three odd bytes at the end are padding too */
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n - 97, &err), 3);

	/* IPFIX: the same, and a nonzero tail is an error after the records */
	ipfix_hdr(&b, 1700000000, 3);
	s = set_begin(&b, 2);
	tpl_rec(&b, 256, N(T4), T4);
	set_end(&b, s);
	s = set_begin(&b, 256);
	t4_data(&b, 1, 1, 1);
	u8(&b, 0);
	u8(&b, 0);
	u8(&b, 0);
	set_end(&b, s);
	ipfix_end(&b);
	u32(&b, 0);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 1);
	b.p[b.n - 1] = 1;
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ECORRUPT);
	assert_int_equal(G.n, 1);
	assert_int_equal(err.offset, b.n - 4);
	flow_dec_free(d);
}

static void test_no_template(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;

	/* data first, then its template in the same datagram, then data again */
	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 256);
	t4_data(&b, 1, 1, 1);
	set_end(&b, s);
	s = set_begin(&b, 0);
	tpl_rec(&b, 256, N(T4), T4);
	set_end(&b, s);
	s = set_begin(&b, 256);
	t4_data(&b, 2, 2, 2);
	set_end(&b, s);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 1);
	assert_int_equal(G.r[0].sport, 2);
	assert_int_equal(flow_dec_stats(d)->no_template, 1);
	/* the next datagram has the template already */
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 2);
	assert_int_equal(flow_dec_stats(d)->no_template, 1);
	/* another exporter, another domain: not known there */
	got_reset();
	assert_int_equal(feed(d, &EXP_B, b.p, 20 + 4 + T4_LEN, &err), 0);
	b.p[19] = 1; /* source ID 1 */
	assert_int_equal(feed(d, &EXP_A, b.p, 20 + 4 + T4_LEN, &err), 0);
	assert_int_equal(flow_dec_stats(d)->no_template, 3);
	/* nor for IPFIX with the same address and domain */
	ipfix_hdr(&b, 1700000000, 0);
	s = set_begin(&b, 256);
	t4_data(&b, 1, 1, 1);
	set_end(&b, s);
	ipfix_end(&b);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	assert_int_equal(flow_dec_stats(d)->no_template, 4);
	flow_dec_free(d);
}

static void test_caps(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(2, 2, 0);
	struct lo_err err;
	struct bb b;
	size_t s;

	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 0);
	tpl_rec(&b, 256, N(T4), T4);
	tpl_rec(&b, 257, N(T4), T4);
	tpl_rec(&b, 258, N(T4), T4); /* refused */
	set_end(&b, s);
	for (unsigned id = 256; id <= 258; id++) {
		s = set_begin(&b, id);
		t4_data(&b, (uint8_t)id, (uint16_t)id, 1);
		set_end(&b, s);
	}
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 2);
	const struct flow_dec_stats *st = flow_dec_stats(d);
	assert_int_equal(st->templates, 2);
	assert_int_equal(st->capped, 1);
	assert_int_equal(st->no_template, 1);
	assert_int_equal(st->malformed, 0);
	/* resent: the known two are no news, 258 is refused again */
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 2);
	assert_int_equal(st->templates, 2);
	assert_int_equal(st->capped, 2);
	/* a changed template 257 replaces the old one within the cap */
	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 0);
	u16(&b, 257);
	u16(&b, 2);
	u16(&b, 7);
	u16(&b, 2);
	u16(&b, 11);
	u16(&b, 2);
	set_end(&b, s);
	s = set_begin(&b, 257);
	u16(&b, 4242);
	u16(&b, 0);
	set_end(&b, s);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 1);
	assert_int_equal(G.r[0].sport, 4242);
	assert_int_equal(st->templates, 3);

	/* exporters: 2 caches (A/0 and B/0), a third (A/1) is refused */
	assert_int_equal(feed(d, &EXP_B, b.p, b.n, &err), 1);
	b.p[19] = 1;
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	assert_int_equal(st->capped, 3);
	assert_int_equal(st->malformed, 0);
	flow_dec_free(d);
}

/* The memory of all templates together is capped: templates from many
 * exporters (spoofed sources) stop at the budget, withdrawn ones free it. */
static void test_template_budget(void **state)
{
	(void)state;
	struct flow_dec_opts o;
	struct flow_dec *d;
	struct lo_err err;
	struct bb b;
	size_t s;

	flow_dec_opts_init(&o);
	o.max_template_bytes = 1000; /* a 4-field template takes ~150 */
	assert_int_equal(flow_dec_new(&d, &o), 0);
	const struct flow_dec_stats *st = flow_dec_stats(d);
	for (uint32_t dom = 0; dom < 20; dom++) {
		v9_hdr(&b, 10000, 1700000000, dom);
		s = set_begin(&b, 0);
		tpl_rec(&b, 256, N(T4), T4);
		set_end(&b, s);
		assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	}
	assert_true(st->templates >= 3 && st->templates < 10);
	assert_int_equal(st->templates + st->capped, 20);
	/* an exporter over the budget decodes nothing of its own... */
	uint64_t learned = st->templates;
	v9_hdr(&b, 10000, 1700000000, 19);
	s = set_begin(&b, 256);
	t4_data(&b, 1, 1, 1);
	set_end(&b, s);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 0);
	assert_int_equal(st->no_template, 1);
	/* ...and the first exporter still does */
	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 256);
	t4_data(&b, 1, 1, 1);
	set_end(&b, s);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 1);
	assert_int_equal(st->templates, learned);
	flow_dec_free(d);
}

/* The first set of each malformed datagram is the bad one; a good template
 * and data set follow and must decode. */
static void good_tail_v9(struct bb *b)
{
	size_t s = set_begin(b, 0);
	tpl_rec(b, 300, N(T4), T4);
	set_end(b, s);
	s = set_begin(b, 300);
	t4_data(b, 7, 7777, 70);
	set_end(b, s);
}

static void expect_bad_v9(struct flow_dec *d, struct bb *b, int code, uint64_t off,
			  const char *text, size_t good)
{
	struct lo_err err;
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b->p, b->n, &err), code);
	assert_int_equal(err.code, code);
	assert_int_equal(err.offset, off);
	if (!strstr(err.msg, text))
		fail_msg("\"%s\" not in \"%s\"", text, err.msg);
	assert_int_equal(G.n, good);
	if (good)
		assert_int_equal(G.r[good - 1].sport, 7777);
}

static void test_malformed_v9(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct bb b;
	size_t s;

	/* field count 0 */
	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 0);
	u16(&b, 260);
	u16(&b, 0);
	set_end(&b, s);
	good_tail_v9(&b);
	expect_bad_v9(d, &b, LO_ECORRUPT, 24, "netflow9: template 260: field count 0", 1);

	/* every field 0 bytes long: records of 0 bytes */
	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 0);
	u16(&b, 261);
	u16(&b, 2);
	u16(&b, 8);
	u16(&b, 0);
	u16(&b, 12);
	u16(&b, 0);
	set_end(&b, s);
	s = set_begin(&b, 261); /* never looped over */
	u32(&b, 0);
	set_end(&b, s);
	good_tail_v9(&b);
	expect_bad_v9(d, &b, LO_ECORRUPT, 24, "template 261: records of 0 bytes", 1);

	/* more than FLOW_MAX_FIELDS fields */
	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 0);
	u16(&b, 262);
	u16(&b, FLOW_MAX_FIELDS + 1);
	for (int i = 0; i <= FLOW_MAX_FIELDS; i++) {
		u16(&b, 1);
		u16(&b, 1);
	}
	set_end(&b, s);
	good_tail_v9(&b);
	expect_bad_v9(d, &b, LO_ECORRUPT, 24, "129 fields", 1);

	/* fields beyond the set */
	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 0);
	u16(&b, 263);
	u16(&b, 3);
	u16(&b, 1);
	u16(&b, 4);
	set_end(&b, s);
	good_tail_v9(&b);
	expect_bad_v9(d, &b, LO_ECORRUPT, 24, "do not fit the set", 1);

	/* a template ID below 256 */
	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 0);
	u16(&b, 255);
	u16(&b, 1);
	u16(&b, 1);
	u16(&b, 4);
	set_end(&b, s);
	good_tail_v9(&b);
	expect_bad_v9(d, &b, LO_ECORRUPT, 24, "template ID 255", 1);

	/* options template: scope length not a multiple of 4 */
	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 1);
	u16(&b, 264);
	u16(&b, 6);
	u16(&b, 4);
	u16(&b, 1);
	u16(&b, 4);
	u16(&b, 34);
	u16(&b, 4);
	u16(&b, 0);
	u16(&b, 0);
	set_end(&b, s);
	good_tail_v9(&b);
	expect_bad_v9(d, &b, LO_ECORRUPT, 24, "options template 264", 1);

	/* records longer than any set */
	v9_hdr(&b, 10000, 1700000000, 0);
	s = set_begin(&b, 0);
	u16(&b, 265);
	u16(&b, 2);
	u16(&b, 1);
	u16(&b, 65000);
	u16(&b, 2);
	u16(&b, 1000);
	set_end(&b, s);
	good_tail_v9(&b);
	expect_bad_v9(d, &b, LO_ECORRUPT, 24, "longer than a set", 1);

	/* a data set too short for one record of its template */
	v9_hdr(&b, 10000, 1700000000, 0);
	good_tail_v9(&b);
	s = set_begin(&b, 300);
	u32(&b, 0x01020304);
	set_end(&b, s);
	good_tail_v9(&b);
	expect_bad_v9(d, &b, LO_ECORRUPT, 20 + 4 + 4 * N(T4) + 4 + 4 + T4_LEN, "holds no record",
		      2);

	/* set length 2: the datagram ends there (records before it stay) */
	v9_hdr(&b, 10000, 1700000000, 0);
	good_tail_v9(&b);
	size_t at = b.n;
	u16(&b, 300);
	u16(&b, 2);
	good_tail_v9(&b);
	expect_bad_v9(d, &b, LO_ECORRUPT, at, "length 2 < 4", 1);

	/* a set longer than the datagram */
	v9_hdr(&b, 10000, 1700000000, 0);
	good_tail_v9(&b);
	at = b.n;
	u16(&b, 300);
	u16(&b, 1000);
	t4_data(&b, 1, 1, 1);
	expect_bad_v9(d, &b, LO_ETRUNC, at, "beyond the datagram", 1);

	/* header too short */
	struct lo_err err;
	assert_int_equal(feed(d, &EXP_A, b.p, 19, &err), LO_ETRUNC);
	assert_int_equal(flow_dec_stats(d)->malformed, 11);
	flow_dec_free(d);
}

static void test_malformed_ipfix(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;

	/* options template with scope count 0, then a good template and data */
	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 3);
	u16(&b, 400);
	u16(&b, 1);
	u16(&b, 0);
	u16(&b, 34);
	u16(&b, 4);
	u16(&b, 0);
	set_end(&b, s);
	s = set_begin(&b, 2);
	tpl_rec(&b, 300, N(T4), T4);
	set_end(&b, s);
	s = set_begin(&b, 300);
	t4_data(&b, 7, 7777, 70);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ECORRUPT);
	assert_int_equal(err.offset, 20);
	assert_non_null(strstr(err.msg, "ipfix: options template 400: scope field count 0"));
	assert_int_equal(G.n, 1);

	/* template ID 100; more than FLOW_MAX_FIELDS; a field cut by the set's
	 * end; an options template cut before its scope count; 2 nonzero bytes
	 * after the last set: each the first set of a message whose next set is
	 * good */
	for (int k = 0; k < 5; k++) {
		static const char *const what[] = {"template ID 100 < 256", "129 fields",
						   "field 2 of 2 beyond the set",
						   "options template 500: truncated",
						   "2 bytes after the last set"};
		ipfix_hdr(&b, 1700000000, 1);
		if (k < 4) {
			s = set_begin(&b, k == 3 ? 3 : 2);
			if (k == 0) {
				tpl_rec(&b, 100, 1, T4);
			} else if (k == 1) {
				u16(&b, 501);
				u16(&b, FLOW_MAX_FIELDS + 1);
				for (int i = 0; i <= FLOW_MAX_FIELDS; i++) {
					u16(&b, 1);
					u16(&b, 1);
				}
			} else if (k == 2) {
				u16(&b, 502);
				u16(&b, 2);
				u16(&b, 1);
				u16(&b, 4);
				u16(&b, 2);
			} else {
				u16(&b, 500);
				u16(&b, 1);
			}
			set_end(&b, s);
		}
		s = set_begin(&b, 300);
		t4_data(&b, 7, 7777, 70);
		set_end(&b, s);
		if (k == 4) {
			u8(&b, 0);
			u8(&b, 1);
		}
		ipfix_end(&b);
		got_reset();
		assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ECORRUPT);
		if (!strstr(err.msg, what[k]))
			fail_msg("\"%s\" not in \"%s\"", what[k], err.msg);
		assert_int_equal(err.offset, k < 4 ? 20 : b.n - 2);
		assert_int_equal(G.n, 1);
		assert_int_equal(G.r[0].sport, 7777);
	}

	/* set length 3 */
	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 300);
	t4_data(&b, 7, 7777, 70);
	set_end(&b, s);
	u16(&b, 300);
	u16(&b, 3);
	u32(&b, 0);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ECORRUPT);
	assert_int_equal(err.offset, 16 + 4 + T4_LEN);
	assert_int_equal(G.n, 1);

	/* message length beyond the datagram: the sets that arrived, then LO_ETRUNC */
	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 300);
	t4_data(&b, 7, 7777, 70);
	set_end(&b, s);
	ipfix_end(&b);
	put16_at(&b, 2, (unsigned)b.n + 100);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ETRUNC);
	assert_int_equal(err.offset, 0);
	assert_int_equal(G.n, 1);
	/* a set beyond the datagram */
	put16_at(&b, 2, (unsigned)b.n);
	put16_at(&b, 18, 200);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ETRUNC);
	assert_int_equal(err.offset, 16);
	assert_int_equal(G.n, 0);
	/* message length below the header */
	put16_at(&b, 2, 15);
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), LO_ECORRUPT);
	assert_int_equal(feed(d, &EXP_A, b.p, 15, &err), LO_ETRUNC);

	/* two messages in one datagram: both decode (the domains differ) */
	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 300);
	t4_data(&b, 7, 7777, 70);
	set_end(&b, s);
	ipfix_end(&b);
	struct bb two;
	two.n = 0;
	bytes(&two, b.p, b.n);
	ipfix_hdr(&b, 1700000000, 2);
	s = set_begin(&b, 2);
	tpl_rec(&b, 300, N(T4), T4);
	set_end(&b, s);
	s = set_begin(&b, 300);
	t4_data(&b, 8, 8888, 80);
	set_end(&b, s);
	ipfix_end(&b);
	bytes(&two, b.p, b.n);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, two.p, two.n, &err), 2);
	assert_int_equal(G.r[0].domain, 1);
	assert_int_equal(G.r[1].domain, 2);
	assert_int_equal(G.r[1].sport, 8888);
	flow_dec_free(d);
}

static void test_times_v9(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;
	static const unsigned t[][2] = {{22, 4}, {21, 4}, {7, 2}};
	static const unsigned ta[][2] = {{152, 8}, {153, 8}, {22, 4}, {21, 4}};
	static const unsigned ts[][2] = {{150, 4}, {151, 4}};

	/* sysUptime 1000 ms after a wrap: First before the wrap, Last after */
	v9_hdr(&b, 1000, 1700000000, 0);
	s = set_begin(&b, 0);
	tpl_rec(&b, 256, N(t), t);
	tpl_rec(&b, 257, N(ta), ta);
	tpl_rec(&b, 258, N(ts), ts);
	set_end(&b, s);
	s = set_begin(&b, 256);
	u32(&b, 0xfffffc18u); /* -1000 */
	u32(&b, 500);
	u16(&b, 1);
	u32(&b, 2000); /* ends a second after the export: clocks differ */
	u32(&b, 2000);
	u16(&b, 2);
	set_end(&b, s);
	s = set_begin(&b, 257);
	u64(&b, 1699999990123ull); /* absolute times win over uptime ones */
	u64(&b, 1699999995456ull);
	u32(&b, 1);
	u32(&b, 1);
	set_end(&b, s);
	s = set_begin(&b, 258);
	u32(&b, 1699999990);
	u32(&b, 1699999991);
	set_end(&b, s);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 4);
	assert_int_equal(G.r[0].first_ms, 1700000000000 - 2000);
	assert_int_equal(G.r[0].last_ms, 1700000000000 - 500);
	assert_int_equal(G.r[1].first_ms, 1700000000000 + 1000);
	assert_int_equal(G.r[2].first_ms, 1699999990123);
	assert_int_equal(G.r[2].last_ms, 1699999995456);
	assert_int_equal(G.r[3].first_ms, 1699999990000);
	assert_int_equal(G.r[3].last_ms, 1699999991000);
	flow_dec_free(d);
}

static void test_times_ipfix(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;
	static const unsigned tus[][2] = {{154, 8}, {155, 8}};
	static const unsigned tns[][2] = {{156, 8}, {157, 8}};
	static const unsigned tdelta[][2] = {{158, 4}, {159, 4}};
	static const unsigned tup[][2] = {{22, 4}, {21, 4}};
	static const unsigned tupi[][2] = {{22, 4}, {21, 4}, {160, 8}};
	/* NTP: 1700000000 s + 0.5 s */
	const uint64_t ntp = (1700000000ull + 2208988800ull) << 32 | 0x80000000u;

	ipfix_hdr(&b, 1700000100, 1);
	s = set_begin(&b, 2);
	tpl_rec(&b, 256, N(tus), tus);
	tpl_rec(&b, 257, N(tns), tns);
	tpl_rec(&b, 258, N(tdelta), tdelta);
	tpl_rec(&b, 259, N(tup), tup);
	tpl_rec(&b, 260, N(tupi), tupi);
	set_end(&b, s);
	s = set_begin(&b, 256);
	u64(&b, ntp);
	u64(&b, ntp + (1ull << 32)); /* a second later */
	set_end(&b, s);
	s = set_begin(&b, 257);
	u64(&b, ntp);
	u64(&b, 0); /* 0: before 1970, none */
	set_end(&b, s);
	s = set_begin(&b, 258);
	u32(&b, 5000000); /* started 5 s before the export */
	u32(&b, 250000);
	set_end(&b, s);
	s = set_begin(&b, 259);
	u32(&b, 100000);
	u32(&b, 103500);
	set_end(&b, s);
	s = set_begin(&b, 260);
	u32(&b, 100000);
	u32(&b, 103500);
	u64(&b, 1690000000000ull);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 5);
	assert_int_equal(G.r[0].first_ms, 1700000000500);
	assert_int_equal(G.r[0].last_ms, 1700000001500);
	assert_int_equal(G.r[1].first_ms, 1700000000500);
	assert_int_equal(G.r[1].last_ms, 0);
	assert_int_equal(G.r[2].first_ms, 1700000100000 - 5000);
	assert_int_equal(G.r[2].last_ms, 1700000100000 - 250);
	/* no systemInitTimeMilliseconds: the record ends at the export time */
	assert_int_equal(G.r[3].last_ms, 1700000100000);
	assert_int_equal(G.r[3].first_ms, 1700000100000 - 3500);
	/* with it, in the record */
	assert_int_equal(G.r[4].first_ms, 1690000100000);
	assert_int_equal(G.r[4].last_ms, 1690000103500);

	/* systemInitTimeMilliseconds from options data serves later records */
	ipfix_hdr(&b, 1700000100, 1);
	s = set_begin(&b, 3);
	u16(&b, 400);
	u16(&b, 2);
	u16(&b, 1);
	u16(&b, 149); /* observationDomainId scope */
	u16(&b, 4);
	u16(&b, 160);
	u16(&b, 8);
	set_end(&b, s);
	s = set_begin(&b, 400);
	u32(&b, 1);
	u64(&b, 1680000000000ull);
	set_end(&b, s);
	s = set_begin(&b, 259);
	u32(&b, 100000);
	u32(&b, 103500);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 2);
	assert_int_equal(G.r[1].first_ms, 1680000100000);
	assert_int_equal(G.r[1].last_ms, 1680000103500);
	flow_dec_free(d);
}

static void test_sampling(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;
	static const unsigned tsel[][2] = {{302, 8}, {7, 2}};
	static const unsigned town[][2] = {{302, 8}, {34, 4}, {7, 2}};
	static const unsigned tpkt[][2] = {{305, 4}, {306, 4}, {7, 2}};
	static const unsigned tspace[][2] = {{306, 4}, {7, 2}};
	static const unsigned tint[][2] = {{305, 4}, {7, 2}};
	static const unsigned tplain[][2] = {{7, 2}};

	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 2);
	tpl_rec(&b, 256, N(tsel), tsel);
	tpl_rec(&b, 257, N(town), town);
	tpl_rec(&b, 258, N(tpkt), tpkt);
	tpl_rec(&b, 259, N(tspace), tspace);
	tpl_rec(&b, 260, N(tint), tint);
	tpl_rec(&b, 261, N(tplain), tplain);
	set_end(&b, s);
	/* options: selector 7 samples 1 in 512 (samplerRandomInterval); then a
	 * selector 8 with 1 of 4 packets out of 5 */
	s = set_begin(&b, 3);
	u16(&b, 400);
	u16(&b, 2);
	u16(&b, 1);
	u16(&b, 302);
	u16(&b, 8);
	u16(&b, 50);
	u16(&b, 4);
	u16(&b, 401);
	u16(&b, 3);
	u16(&b, 1);
	u16(&b, 302);
	u16(&b, 8);
	u16(&b, 305);
	u16(&b, 4);
	u16(&b, 306);
	u16(&b, 4);
	set_end(&b, s);
	s = set_begin(&b, 400);
	u64(&b, 7);
	u32(&b, 512);
	set_end(&b, s);
	s = set_begin(&b, 401);
	u64(&b, 8);
	u32(&b, 4);
	u32(&b, 1); /* (4 + 1) / 4 = 1.25: 1 */
	set_end(&b, s);
	s = set_begin(&b, 256);
	u64(&b, 7);
	u16(&b, 1);
	u64(&b, 8);
	u16(&b, 2);
	u64(&b, 9); /* unknown selector: the domain's rate (the last options record) */
	u16(&b, 3);
	set_end(&b, s);
	s = set_begin(&b, 257);
	u64(&b, 7);
	u32(&b, 100); /* its own rate wins */
	u16(&b, 4);
	set_end(&b, s);
	s = set_begin(&b, 258);
	u32(&b, 1);
	u32(&b, 99);
	u16(&b, 5);
	set_end(&b, s);
	s = set_begin(&b, 259);
	u32(&b, 9);
	u16(&b, 6);
	set_end(&b, s);
	s = set_begin(&b, 260);
	u32(&b, 10); /* an interval alone says nothing: the domain's */
	u16(&b, 7);
	set_end(&b, s);
	s = set_begin(&b, 261);
	u16(&b, 8);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 10);
	assert_int_equal(G.r[2].sampling, 512);
	assert_int_equal(G.r[3].sampling, 1);
	assert_int_equal(G.r[4].sampling, 1);
	assert_int_equal(G.r[5].sampling, 100);
	assert_int_equal(G.r[6].sampling, 100);
	assert_int_equal(G.r[7].sampling, 10);
	assert_int_equal(G.r[8].sampling, 1);
	assert_int_equal(G.r[9].sampling, 1);
	assert_int_equal(G.r[9].sport, 8);
	/* another domain knows none of it */
	b.p[15] = 2;
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 10);
	flow_dec_free(d);

	/* opts.sampling overrides all */
	d = dec_new(0, 0, 33);
	b.p[15] = 1;
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 10);
	for (size_t i = 0; i < G.n; i++)
		if (G.r[i].kind == FLOW_DATA)
			assert_int_equal(G.r[i].sampling, 33);
	flow_dec_free(d);
}

static void test_mapping(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b;
	size_t s;
	/* ICMP type and code elements with a dport of 0 and proto 1 */
	static const unsigned ticmp[][2] = {{4, 1}, {7, 2}, {11, 2}, {176, 1}, {177, 1}};
	/* icmpTypeCodeIPv4 and no dport, TCP: dport from the ICMP element */
	static const unsigned tnodport[][2] = {{4, 1}, {32, 2}};
	/* both families' ICMP elements; proto 58 picks the IPv6 one */
	static const unsigned tboth[][2] = {{4, 1}, {32, 2}, {139, 2}, {11, 2}};
	/* fragments */
	static const unsigned tfrag[][2] = {{88, 2}, {197, 1}};
	/* both address families; byte counters in order of preference */
	static const unsigned taddr[][2] = {{8, 4}, {27, 16}, {12, 4}, {28, 16}, {23, 4}, {85, 4}};
	static const unsigned tpost[][2] = {{23, 4}, {24, 4}};
	/* wrong lengths: not mapped */
	static const unsigned tbad[][2] = {{8, 16}, {27, 4}, {1, 9}};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t zero[16] = {0};

	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 2);
	tpl_rec(&b, 256, N(ticmp), ticmp);
	tpl_rec(&b, 257, N(tnodport), tnodport);
	tpl_rec(&b, 258, N(tboth), tboth);
	tpl_rec(&b, 259, N(tfrag), tfrag);
	tpl_rec(&b, 260, N(taddr), taddr);
	tpl_rec(&b, 261, N(tpost), tpost);
	tpl_rec(&b, 262, N(tbad), tbad);
	set_end(&b, s);
	s = set_begin(&b, 256);
	u8(&b, 1);
	u16(&b, 1234);
	u16(&b, 0);
	u8(&b, 3);
	u8(&b, 13);
	set_end(&b, s);
	s = set_begin(&b, 257);
	u8(&b, 6);
	u16(&b, 0x0b00);
	set_end(&b, s);
	s = set_begin(&b, 258);
	u8(&b, 58);
	u16(&b, 0x0800);
	u16(&b, 0x8100);
	u16(&b, 0);
	u8(&b, 1);
	u16(&b, 0x0800);
	u16(&b, 0x8100);
	u16(&b, 0);
	set_end(&b, s);
	s = set_begin(&b, 259);
	u16(&b, 185); /* offset */
	u8(&b, 0x40); /* DF */
	u16(&b, 0);
	u8(&b, 0x20); /* MF */
	u16(&b, 0);
	u8(&b, 0x40);
	u16(&b, 0); /* padding: 2 bytes < a record of 3 */
	set_end(&b, s);
	s = set_begin(&b, 260);
	u32(&b, 0);
	bytes(&b, v6, 16);
	u32(&b, 0x0a000001);
	bytes(&b, v6, 16);
	u32(&b, 23);
	u32(&b, 85);
	u32(&b, 0);
	bytes(&b, zero, 16);
	u32(&b, 0);
	bytes(&b, zero, 16);
	u32(&b, 23);
	u32(&b, 85);
	set_end(&b, s);
	s = set_begin(&b, 261);
	u32(&b, 2300);
	u32(&b, 24);
	set_end(&b, s);
	s = set_begin(&b, 262);
	bytes(&b, v6, 16);
	u32(&b, 0x0a000001);
	u8(&b, 0);
	u64(&b, 5);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 11);
	assert_int_equal(G.r[0].dport, 3 << 8 | 13);
	assert_int_equal(G.r[0].sport, 0);
	assert_int_equal(G.r[1].dport, 0x0b00);
	assert_int_equal(G.r[2].dport, 0x8100);
	assert_int_equal(G.r[3].dport, 0x0800);
	assert_true(G.r[4].frag);  /* offset 185 */
	assert_true(G.r[5].frag);  /* MF */
	assert_false(G.r[6].frag); /* DF */
	/* 0.0.0.0 with an IPv6 address: the IPv6 one */
	assert_int_equal(G.r[7].src.family, 6);
	assert_memory_equal(G.r[7].src.b, v6, 16);
	assert_v4(&G.r[7].dst, "10.0.0.1");
	assert_int_equal(G.r[7].bytes, 85); /* octetTotalCount before postOctetDeltaCount */
	/* both zero: the IPv4 one */
	assert_v4(&G.r[8].src, "0.0.0.0");
	assert_int_equal(G.r[9].bytes, 2300);
	assert_int_equal(G.r[9].packets, 24);
	assert_int_equal(G.r[10].template, 262);
	flow_dec_free(d);

	d = dec_new(0, 0, 0);
	ipfix_hdr(&b, 1700000000, 1);
	s = set_begin(&b, 2);
	tpl_rec(&b, 262, N(tbad), tbad);
	set_end(&b, s);
	s = set_begin(&b, 262);
	bytes(&b, v6, 16);
	u32(&b, 0x0a000001);
	for (int i = 0; i < 9; i++)
		u8(&b, 1);
	set_end(&b, s);
	ipfix_end(&b);
	got_reset();
	assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 1);
	assert_int_equal(G.r[0].src.family, 0);
	assert_int_equal(G.r[0].bytes, 0);
	assert_int_equal(G.r[0].n_fields, 3);
	assert_int_equal(G.r[0].fields[2].len, 9);
	flow_dec_free(d);
}

static void test_templates_per_exporter(void **state)
{
	(void)state;
	struct flow_dec *d = dec_new(0, 0, 0);
	struct lo_err err;
	struct bb b, b2;
	size_t s;
	static const unsigned ta[][2] = {{7, 2}, {11, 2}};
	static const unsigned tb[][2] = {{11, 2}, {7, 2}};

	/* the same template ID with two layouts at two exporters */
	v9_hdr(&b, 1, 1700000000, 0);
	s = set_begin(&b, 0);
	tpl_rec(&b, 256, N(ta), ta);
	set_end(&b, s);
	s = set_begin(&b, 256);
	u16(&b, 1);
	u16(&b, 2);
	set_end(&b, s);
	v9_hdr(&b2, 1, 1700000000, 0);
	s = set_begin(&b2, 0);
	tpl_rec(&b2, 256, N(tb), tb);
	set_end(&b2, s);
	s = set_begin(&b2, 256);
	u16(&b2, 1);
	u16(&b2, 2);
	set_end(&b2, s);
	got_reset();
	for (int i = 0; i < 2; i++) {
		assert_int_equal(feed(d, &EXP_A, b.p, b.n, &err), 1);
		assert_int_equal(feed(d, &EXP_B, b2.p, b2.n, &err), 1);
	}
	assert_int_equal(G.r[0].sport, 1);
	assert_int_equal(G.r[1].sport, 2);
	assert_int_equal(G.r[2].sport, 1);
	assert_int_equal(G.r[3].sport, 2);
	assert_memory_equal(&G.r[3].exporter, &EXP_B, sizeof(EXP_B));
	assert_int_equal(flow_dec_stats(d)->templates, 2); /* resends are no news */
	/* many templates and exporters: the tables grow */
	for (unsigned e = 0; e < 100; e++) {
		struct bgp_addr a = {6,
				     {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				      (uint8_t)(e >> 8), (uint8_t)e}};
		v9_hdr(&b, 1, 1700000000, e);
		s = set_begin(&b, 0);
		for (unsigned id = 256; id < 356; id++)
			tpl_rec(&b, id, N(ta), ta);
		set_end(&b, s);
		for (unsigned id = 256; id < 356; id += 33) {
			s = set_begin(&b, id);
			u16(&b, id);
			u16(&b, e);
			set_end(&b, s);
		}
		got_reset();
		assert_int_equal(feed(d, &a, b.p, b.n, &err), 4);
		assert_int_equal(G.r[3].sport, 355);
		assert_int_equal(G.r[3].dport, e);
		assert_int_equal(G.r[3].domain, e);
	}
	assert_int_equal(flow_dec_stats(d)->templates, 2 + 100 * 100);
	flow_dec_free(d);
}

/* ---------------------------------------------------------------- speed */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t sink;
static void on_rec_count(void *ctx, const struct flow_rec *r)
{
	(void)ctx;
	sink += r->bytes + r->n_fields;
}

/* A typical 20-field IPv4 template, 24 records a datagram, decoded in a loop. */
static void test_speed(void **state)
{
	(void)state;
	static const unsigned t[][2] = {{8, 4},	 {12, 4}, {15, 4}, {10, 4}, {14, 4}, {2, 4}, {1, 4},
					{22, 4}, {21, 4}, {7, 2},  {11, 2}, {6, 1},  {4, 1}, {5, 1},
					{16, 4}, {17, 4}, {9, 1},  {13, 1}, {61, 1}, {48, 2}};
	for (int version = 9; version <= 10; version++) {
		struct flow_dec *d = dec_new(0, 0, 0);
		struct bb b;
		size_t s;
		if (version == 9)
			v9_hdr(&b, 100000, 1700000000, 0);
		else
			ipfix_hdr(&b, 1700000000, 0);
		s = set_begin(&b, version == 9 ? 0 : 2);
		tpl_rec(&b, 300, N(t), t);
		set_end(&b, s);
		s = set_begin(&b, 300);
		for (int r = 0; r < 24; r++)
			for (size_t i = 0; i < N(t); i++)
				for (unsigned k = 0; k < t[i][1]; k++)
					u8(&b, (unsigned)(r * 7 + i * 13 + k));
		set_end(&b, s);
		if (version == 10)
			ipfix_end(&b);
		long recs = 0;
		double t0 = now_s();
		for (int i = 0; i < 20000; i++)
			recs += flow_decode(d, &EXP_A, 0, 0, b.p, b.n, on_rec_count, NULL, NULL);
		double dt = now_s() - t0;
		assert_int_equal(recs, 20000 * 24);
		print_message("%s: %.1f M records/s (%ld records, template of %zu fields)\n",
			      version == 9 ? "netflow9" : "ipfix", (double)recs / dt / 1e6, recs,
			      N(t));
		flow_dec_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v5_akvorado),
		cmocka_unit_test(test_v5_logstash),
		cmocka_unit_test(test_v5_hand),
		cmocka_unit_test(test_telegraf),
		cmocka_unit_test(test_telegraf_options),
		cmocka_unit_test(test_logstash_v9),
		cmocka_unit_test(test_logstash_v9_special),
		cmocka_unit_test(test_logstash_ipfix),
		cmocka_unit_test(test_akvorado_v9),
		cmocka_unit_test(test_akvorado_ipfix),
		cmocka_unit_test(test_ndpi),
		cmocka_unit_test(test_ipfix_withdrawal),
		cmocka_unit_test(test_ipfix_withdraw_many),
		cmocka_unit_test(test_ipfix_withdraw_random),
		cmocka_unit_test(test_samplers_many),
		cmocka_unit_test(test_ipfix_enterprise),
		cmocka_unit_test(test_ipfix_varlen),
		cmocka_unit_test(test_reduced_size),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_no_template),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_template_budget),
		cmocka_unit_test(test_malformed_v9),
		cmocka_unit_test(test_malformed_ipfix),
		cmocka_unit_test(test_times_v9),
		cmocka_unit_test(test_times_ipfix),
		cmocka_unit_test(test_sampling),
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_templates_per_exporter),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
