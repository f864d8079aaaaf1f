/*
 * flow_rate — decode + count throughput of the flow code, in records per
 * CPU-second, without sockets: IPFIX datagrams (30 records each, one
 * template, as softflowd sends) built in memory, decoded by flow_decode()
 * and counted by ddos_record() into a /24 host group, the way the daemon
 * does for every datagram it receives.
 *
 * usage: flow_rate [RECORDS [HOSTS]]   (defaults 20000000 and 512; HOSTS a
 * power of two up to 65536, destinations spread over 198.18.0.0/16)
 *
 * Prints records/s for decode alone and for decode + count.  The socket
 * side (recvmmsg) and the comparison with FastNetMon are in
 * bench/flow_bench.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow/flow.h"

#define N_DGRAMS 1024
#define PER	 30
#define REC_LEN	 38

static uint8_t dgrams[N_DGRAMS][16 + 4 + 4 + 4 * 10 + 4 + PER * REC_LEN];
static size_t dlen[N_DGRAMS];

static void be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16), be16(p + 2, v & 0xffff);
}

static void be64(uint8_t *p, uint64_t v)
{
	be32(p, (uint32_t)(v >> 32)), be32(p + 4, (uint32_t)v);
}

static uint64_t rnd = 88172645463325252ull;
static uint32_t next(void)
{
	rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
	return (uint32_t)rnd;
}

static uint32_t host_mask = 511;

static void build(uint64_t now_ms)
{
	static const uint16_t fields[10][2] = {{8, 4}, {12, 4}, {7, 2}, {11, 2},  {4, 1},
					       {6, 1}, {2, 4},	{1, 4}, {152, 8}, {153, 8}};
	for (int d = 0; d < N_DGRAMS; d++) {
		uint8_t *p = dgrams[d];
		size_t k = 16;
		/* template set on every datagram, as a worst case for the cache */
		be16(p + k, 2), be16(p + k + 2, 4 + 4 + 40), k += 4;
		be16(p + k, 256), be16(p + k + 2, 10), k += 4;
		for (int f = 0; f < 10; f++)
			be16(p + k, fields[f][0]), be16(p + k + 2, fields[f][1]), k += 4;
		be16(p + k, 256), be16(p + k + 2, 4 + PER * REC_LEN), k += 4;
		for (int r = 0; r < PER; r++) {
			uint32_t x = next();
			be32(p + k, 0xC6130000u | (x & 0xffff));		/* 198.19.x.x */
			be32(p + k + 4, 0xC6120000u | ((x >> 16) & host_mask)); /* 198.18.x.x */
			be16(p + k + 8, (x >> 5) & 1 ? 123 : 1024 + (x & 0x3ff));
			be16(p + k + 10, 80);
			p[k + 12] = (x >> 6) & 1 ? 17 : 6;
			p[k + 13] = 0x02;
			be32(p + k + 14, 1 + (x & 7));
			be32(p + k + 18, 60 * (1 + (x & 7)));
			be64(p + k + 22, now_ms - 900);
			be64(p + k + 30, now_ms - 100);
			k += REC_LEN;
		}
		be16(p, 10), be16(p + 2, (unsigned)k);
		be32(p + 4, (uint32_t)(now_ms / 1000)), be32(p + 8, (uint32_t)d), be32(p + 12, 0);
		dlen[d] = k;
	}
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct ctx {
	struct ddos *ddos;
	int64_t now;
	uint64_t n;
};

static void on_count(void *c, const struct flow_rec *r)
{
	struct ctx *x = c;
	x->n++;
	if (x->ddos)
		ddos_record(x->ddos, r, x->now);
}

static double run(struct ctx *x, uint64_t want, int64_t now_ms)
{
	struct flow_dec *d;
	struct bgp_addr exp = {.family = 4, .b = {127, 0, 0, 1}};
	if (flow_dec_new(&d, NULL) < 0)
		exit(1);
	double t0 = cpu_s();
	for (uint64_t i = 0; x->n < want; i++) {
		x->now = now_ms + (int64_t)i; /* a datagram a millisecond: 30 k records/s */
		flow_decode(d, &exp, 2055, x->now, dgrams[i % N_DGRAMS], dlen[i % N_DGRAMS],
			    on_count, x, NULL);
		if (x->ddos && i % 1000 == 0)
			ddos_tick(x->ddos, x->now);
	}
	double t = cpu_s() - t0;
	flow_dec_free(d);
	return t;
}

int main(int argc, char **argv)
{
	uint64_t want = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000;
	unsigned long hosts = argc > 2 ? strtoul(argv[2], NULL, 10) : 512;
	if (hosts < 1 || hosts > 65536 || (hosts & (hosts - 1))) {
		fprintf(stderr, "flow_rate: HOSTS must be a power of two up to 65536\n");
		return 1;
	}
	host_mask = (uint32_t)hosts - 1;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now_ms = (int64_t)ts.tv_sec * 1000;
	build((uint64_t)now_ms);

	struct ctx a = {0};
	double t1 = run(&a, want, now_ms);
	printf("decode:         %.2f M records/CPU-s (%llu records, %.2f s)\n", a.n / t1 / 1e6,
	       (unsigned long long)a.n, t1);

	struct ddos_opts o;
	ddos_opts_init(&o);
	struct bgp_prefix p = {.addr = {.family = 4, .b = {198, 18, 0, 0}}, .len = 16};
	struct ddos_group_spec g = {
		.name = "bench", .prefixes = &p, .n_prefixes = 1, .pps = 100000000000ull};
	struct ctx b = {0};
	if (ddos_new(&b.ddos, &o, NULL) < 0 || ddos_add_group(b.ddos, &g) < 0)
		return 1;
	double t2 = run(&b, want, now_ms);
	printf("decode + count: %.2f M records/CPU-s (%llu records, %.2f s, %llu hosts)\n",
	       b.n / t2 / 1e6, (unsigned long long)b.n, t2,
	       (unsigned long long)ddos_stats(b.ddos)->hosts);
	ddos_free(b.ddos);
	return 0;
}
