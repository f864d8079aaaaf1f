/*
 * DOC: unit tests for the attack detector (src/flow/ddos.c): floods of known
 * rate fed as flow records, checked for the exact start, end, peak rates,
 * vectors, top sources, sampling correction, spreading of long flows, group
 * totals (carpet bombing), learned baselines and caps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "flow/flow.h"

#define T0 1700000000000ll /* ms */

struct log {
	int starts, ends;
	struct ddos_attack start, end;
};

static void on_start(void *ctx, const struct ddos_attack *a)
{
	struct log *l = ctx;
	l->starts++;
	l->start = *a;
}

static void on_end(void *ctx, const struct ddos_attack *a)
{
	struct log *l = ctx;
	l->ends++;
	l->end = *a;
}

static struct bgp_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct bgp_addr x = {.family = 4};
	x.b[0] = a, x.b[1] = b, x.b[2] = c, x.b[3] = d;
	return x;
}

static struct ddos *make(struct log *l, const struct ddos_group_spec *g, struct ddos_opts *o)
{
	struct ddos_opts def;
	if (!o) {
		ddos_opts_init(&def);
		def.baseline = false;
		o = &def;
	}
	struct ddos_cbs cbs = {on_start, on_end, l};
	struct ddos *d;
	assert_int_equal(ddos_new(&d, o, &cbs), 0);
	assert_int_equal(ddos_add_group(d, g), 0);
	return d;
}

static struct bgp_prefix net24 = {.addr = {.family = 4, .b = {198, 18, 0, 0}}, .len = 24};

/* one-packet records, as an exporter makes of a spoofed flood */
static struct flow_rec pkt(struct bgp_addr src, struct bgp_addr dst, uint8_t proto, uint16_t sport,
			   uint8_t flags, int64_t t)
{
	struct flow_rec r = {.version = FLOW_IPFIX,
			     .kind = FLOW_DATA,
			     .proto = proto,
			     .tcp_flags = flags,
			     .sport = sport,
			     .dport = 80,
			     .src = src,
			     .dst = dst,
			     .first_ms = t,
			     .last_ms = t,
			     .bytes = 60,
			     .packets = 1,
			     .sampling = 1};
	return r;
}

static void syn_flood(void **state)
{
	(void)state;
	struct log l = {0};
	struct ddos_group_spec g = {
		.name = "web", .prefixes = &net24, .n_prefixes = 1, .pps = 1000};
	struct ddos *d = make(&l, &g, NULL);
	struct bgp_addr victim = v4(198, 18, 0, 2);
	/* 3 seconds at 5000 pps from 5000 spoofed sources a second */
	for (int s = 0; s < 3; s++) {
		for (int i = 0; i < 5000; i++) {
			struct flow_rec r = pkt(v4(198, 19, (uint8_t)(i >> 8), (uint8_t)i), victim,
						6, 1024, 0x02, T0 + s * 1000 + i / 5);
			ddos_record(d, &r, T0 + s * 1000 + i / 5);
			if (s == 0 && i == 1000)
				assert_int_equal(l.starts, 1); /* on the 1001st packet */
		}
		ddos_tick(d, T0 + s * 1000 + 999);
	}
	/* new hosts while the attack goes on move the host array (ASan checks) */
	for (int i = 0; i < 300; i++) {
		struct flow_rec r = pkt(v4(198, 19, 0, 1), v4(198, 18, 0, (uint8_t)(3 + i % 250)),
					6, 1024, 0x10, T0 + 2999);
		r.dst.b[3] = (uint8_t)(3 + i % 250);
		ddos_record(d, &r, T0 + 2999);
	}
	assert_int_equal(l.starts, 1);
	assert_string_equal(l.start.reason, "pps");
	assert_int_equal(l.start.threshold, 1000);
	assert_int_equal(l.start.start_ms, T0);
	assert_int_equal(l.start.detect_ms, T0 + 200);
	assert_true(l.start.vectors == 1u << DDOS_TCP_SYN);
	assert_false(l.start.subnet);
	assert_memory_equal(l.start.target.b, victim.b, 4);
	/* quiet: ends attack_end (10) s after the last second over */
	for (int s = 3; s < 13; s++)
		ddos_tick(d, T0 + s * 1000 + 500);
	assert_int_equal(l.ends, 0);
	ddos_tick(d, T0 + 13 * 1000 + 500);
	assert_int_equal(l.ends, 1);
	assert_int_equal(l.end.end_ms, T0 + 3000);
	assert_int_equal(l.end.peak.pps, 5000);
	assert_int_equal(l.end.peak.bps, 5000 * 60 * 8);
	assert_int_equal(l.end.peak.flows, 5000);
	assert_int_equal(l.end.packets, 15000 - 1000); /* counted once the attack began */
	assert_true(l.end.vectors == 1u << DDOS_TCP_SYN);
	assert_int_equal(ddos_stats(d)->active, 0);
	ddos_free(d);
}

static void ntp_amplification(void **state)
{
	(void)state;
	struct log l = {0};
	struct ddos_group_spec g = {
		.name = "dns", .prefixes = &net24, .n_prefixes = 1, .bps = 10000000};
	struct ddos *d = make(&l, &g, NULL);
	struct bgp_addr victim = v4(198, 18, 0, 53);
	/* 8 reflectors, 468-byte NTP monlist answers, 4000 pps = 15 Mbit/s; one heavy reflector */
	for (int i = 0; i < 4000; i++) {
		uint8_t refl = (uint8_t)(i % 10 < 3 ? 1 : 2 + i % 7);
		struct flow_rec r = pkt(v4(198, 19, 1, refl), victim, 17, 123, 0, T0 + i / 4);
		r.bytes = 468;
		r.src_as = 64500 + refl;
		ddos_record(d, &r, T0 + i / 4);
	}
	assert_int_equal(l.starts, 1);
	assert_string_equal(l.start.reason, "bps");
	char buf[128];
	ddos_vectors_fmt(l.start.vectors, buf, sizeof(buf));
	assert_string_equal(buf, "amp_ntp");
	ddos_finish(d, T0 + 1500);
	assert_int_equal(l.ends, 1);
	assert_true(l.end.n_top_src >= 2);
	assert_memory_equal(l.end.top_src[0].addr.b, ((uint8_t[]){198, 19, 1, 1}), 4);
	assert_int_equal(l.end.top_asn[0].asn, 64501);
	ddos_free(d);
}

static void sampling_and_spreading(void **state)
{
	(void)state;
	struct log l = {0};
	struct ddos_group_spec g = {.name = "g", .prefixes = &net24, .n_prefixes = 1, .pps = 2000};
	struct ddos *d = make(&l, &g, NULL);
	struct bgp_addr victim = v4(198, 18, 0, 9);
	/* one long flow: 10000 packets over 7 s is ~1430 pps, under 2000 */
	struct flow_rec r = pkt(v4(198, 19, 0, 1), victim, 17, 40000, 0, T0);
	r.first_ms = T0;
	r.last_ms = T0 + 6999;
	r.packets = 10000;
	ddos_record(d, &r, T0 + 7000);
	assert_int_equal(l.starts, 0);
	struct ddos_rates rt;
	assert_int_equal(ddos_host_rates(d, &victim, T0 + 6000, &rt), 0);
	assert_int_equal(rt.pps, 1428);
	/* 1:100 sampled: 30 samples in a second are 3000 pps */
	for (int i = 0; i < 30; i++) {
		struct flow_rec x = pkt(v4(198, 19, 0, 2), victim, 1, 0, 0, T0 + 8000 + i * 30);
		x.sampling = 100;
		x.version = FLOW_SFLOW5;
		ddos_record(d, &x, T0 + 8000 + i * 30);
	}
	assert_int_equal(l.starts, 1);
	assert_true(l.start.vectors == 1u << DDOS_ICMP);
	ddos_finish(d, T0 + 9000);
	assert_int_equal(l.end.peak.pps, 3000);
	assert_int_equal(l.end.sampling, 100);
	ddos_free(d);
}

static void carpet_bombing(void **state)
{
	(void)state;
	struct log l = {0};
	struct ddos_group_spec g = {.name = "net",
				    .prefixes = &net24,
				    .n_prefixes = 1,
				    .pps = 1000,
				    .total_pps = 20000};
	struct ddos *d = make(&l, &g, NULL);
	/* 254 hosts at 100 pps each: 25400 pps in all, no host over 1000 */
	for (int i = 0; i < 254 * 100; i++) {
		struct flow_rec r = pkt(v4(198, 19, 2, 1), v4(198, 18, 0, (uint8_t)(1 + i % 254)),
					17, 53, 0, T0 + i / 26);
		ddos_record(d, &r, T0 + i / 26);
	}
	assert_int_equal(l.starts, 1);
	assert_true(l.start.subnet);
	assert_string_equal(l.start.reason, "total_pps");
	assert_string_equal(l.start.group, "net");
	ddos_finish(d, T0 + 2000);
	assert_true(l.end.n_top_dst > 0);
	assert_int_equal(ddos_stats(d)->hosts, 254);
	/* outside every group: not counted */
	struct flow_rec o = pkt(v4(198, 19, 2, 1), v4(198, 20, 0, 1), 17, 53, 0, T0);
	uint64_t mon = ddos_stats(d)->monitored;
	ddos_record(d, &o, T0);
	assert_int_equal(ddos_stats(d)->monitored, mon);
	ddos_free(d);
}

static void learned_baseline(void **state)
{
	(void)state;
	struct log l = {0};
	struct ddos_opts o;
	ddos_opts_init(&o);
	o.warmup = 60;
	o.baseline_tau = 60;
	struct ddos_group_spec g = {.name = "b", .prefixes = &net24, .n_prefixes = 1};
	struct ddos *d = make(&l, &g, &o);
	struct bgp_addr h = v4(198, 18, 0, 7);
	int64_t t = T0;
	/* 300 pps for 200 s: normal */
	for (int s = 0; s < 200; s++, t += 1000) {
		struct flow_rec r = pkt(v4(198, 19, 0, 1), h, 6, 443, 0x1b, t);
		r.packets = 300;
		ddos_record(d, &r, t);
		ddos_tick(d, t + 10);
	}
	assert_int_equal(l.starts, 0);
	/* 1500 pps: 5x, under factor 8 */
	struct flow_rec r = pkt(v4(198, 19, 0, 1), h, 6, 443, 0x1b, t);
	r.packets = 1500;
	ddos_record(d, &r, t);
	assert_int_equal(l.starts, 0);
	/* 3000 pps: 10x the baseline */
	t += 1000;
	r.first_ms = r.last_ms = t;
	r.packets = 3000;
	ddos_record(d, &r, t);
	assert_int_equal(l.starts, 1);
	assert_string_equal(l.start.reason, "baseline");
	assert_true(l.start.baseline > 250 && l.start.baseline < 350);
	ddos_free(d);
}

static void caps_and_forgetting(void **state)
{
	(void)state;
	struct log l = {0};
	struct ddos_opts o;
	ddos_opts_init(&o);
	o.baseline = false;
	o.max_hosts = 16;
	o.baseline_tau = 60;
	struct bgp_prefix p16 = {.addr = {.family = 4, .b = {198, 18, 0, 0}}, .len = 16};
	struct ddos_group_spec g = {
		.name = "big", .prefixes = &p16, .n_prefixes = 1, .pps = 1000000};
	struct ddos *d = make(&l, &g, &o);
	for (int i = 0; i < 20; i++) {
		struct flow_rec r =
			pkt(v4(198, 19, 0, 1), v4(198, 18, 1, (uint8_t)i), 6, 1, 0x1b, T0);
		ddos_record(d, &r, T0);
	}
	assert_int_equal(ddos_stats(d)->hosts, 16);
	assert_int_equal(ddos_stats(d)->capped, 4);
	/* idle hosts are forgotten; the index stays right for the rest */
	ddos_tick(d, T0 + 30000);
	for (int i = 0; i < 8; i++) {
		struct flow_rec r =
			pkt(v4(198, 19, 0, 1), v4(198, 18, 1, (uint8_t)i), 6, 1, 0x1b, T0 + 50000);
		ddos_record(d, &r, T0 + 50000);
	}
	ddos_tick(d, T0 + 100000);
	assert_int_equal(ddos_stats(d)->hosts, 8);
	struct ddos_rates rt;
	for (int i = 0; i < 16; i++) {
		struct bgp_addr a = v4(198, 18, 1, (uint8_t)i);
		assert_int_equal(ddos_host_rates(d, &a, T0 + 100000, &rt), i < 8 ? 0 : LO_ENOENT);
	}
	for (int i = 100; i < 116; i++) {
		struct flow_rec r =
			pkt(v4(198, 19, 0, 1), v4(198, 18, 2, (uint8_t)i), 6, 1, 0x1b, T0 + 100000);
		ddos_record(d, &r, T0 + 100000);
	}
	assert_int_equal(ddos_stats(d)->hosts, 16);
	ddos_free(d);
}

static void ipv6_and_fragments(void **state)
{
	(void)state;
	struct log l = {0};
	struct bgp_prefix p6 = {.addr = {.family = 6, .b = {0x20, 0x01, 0x0d, 0xb8}}, .len = 48};
	struct ddos_group_spec g = {
		.name = "v6", .prefixes = &p6, .n_prefixes = 1, .frag_pps = 500};
	struct ddos *d = make(&l, &g, NULL);
	struct bgp_addr dst = {.family = 6, .b = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 1}};
	struct bgp_addr src = {.family = 6, .b = {0x20, 0x01, 0x0d, 0xb9}};
	dst.b[15] = 1;
	for (int i = 0; i < 600; i++) {
		struct flow_rec r = pkt(src, dst, 17, 0, 0, T0 + i);
		r.frag = true;
		ddos_record(d, &r, T0 + i);
	}
	assert_int_equal(l.starts, 1);
	assert_string_equal(l.start.reason, "frag_pps");
	assert_true(l.start.vectors == 1u << DDOS_FRAGMENT);
	assert_int_equal(l.start.target.family, 6);
	ddos_free(d);
}

/* A reflection attack named by its bytes: the big DNS answers (and their
 * fragments, exported without ports) are few packets next to the victim's
 * own small TCP packets. */
static void vectors_by_bytes(void **state)
{
	(void)state;
	struct log l = {0};
	struct ddos_group_spec g = {
		.name = "dns", .prefixes = &net24, .n_prefixes = 1, .pps = 1000};
	struct ddos *d = make(&l, &g, NULL);
	struct bgp_addr victim = v4(198, 18, 0, 53);
	for (int i = 0; i < 2000; i++) {
		struct flow_rec r;
		if (i % 10 < 6) { /* 60 %: the victim's TCP, 60 bytes */
			r = pkt(v4(198, 19, 4, 4), victim, 6, 443, 0x18, T0 + i / 2);
		} else if (i % 10 < 8) { /* 20 %: DNS answers, 1400 bytes */
			r = pkt(v4(198, 19, 5, 5), victim, 17, 53, 0, T0 + i / 2);
			r.bytes = 1400;
		} else { /* their fragments, no ports */
			r = pkt(v4(198, 19, 5, 5), victim, 17, 0, 0, T0 + i / 2);
			r.dport = 0;
			r.bytes = 1400;
		}
		ddos_record(d, &r, T0 + i / 2);
	}
	ddos_finish(d, T0 + 1000);
	char buf[128];
	ddos_vectors_fmt(l.end.vectors, buf, sizeof(buf));
	assert_string_equal(buf, "tcp_other,fragment,amp_dns");
	/* counted from the crossing record (the 1001st) on: 200 answers */
	assert_int_equal(l.end.vec_bytes[DDOS_AMP_FIRST + 2], 200 * 1400);
	ddos_free(d);
}

static void vector_names(void **state)
{
	(void)state;
	assert_string_equal(ddos_vector_name(DDOS_TCP_SYN), "tcp_syn");
	bool seen[65536] = {0};
	for (unsigned v = DDOS_AMP_FIRST; ddos_vector_name(v); v++) {
		uint16_t p = ddos_amp_port(v);
		assert_true(p != 0);
		assert_false(seen[p]);
		seen[p] = true;
	}
	assert_true(seen[123] && seen[1900] && seen[53] && seen[11211] && seen[389] && seen[161] &&
		    seen[19] && seen[500] && seen[47808]);
	char buf[16];
	ddos_vectors_fmt(1u << DDOS_TCP_SYN | 1u << DDOS_UDP | 1u << DDOS_ICMP, buf, sizeof(buf));
	assert_string_equal(buf, "tcp_syn,udp"); /* cut at a whole name */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syn_flood),
		cmocka_unit_test(ntp_amplification),
		cmocka_unit_test(sampling_and_spreading),
		cmocka_unit_test(carpet_bombing),
		cmocka_unit_test(learned_baseline),
		cmocka_unit_test(caps_and_forgetting),
		cmocka_unit_test(ipv6_and_fragments),
		cmocka_unit_test(vector_names),
		cmocka_unit_test(vectors_by_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
