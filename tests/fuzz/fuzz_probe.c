/*
 * DOC: libFuzzer target for the sans-I/O half of src/probe.  The first
 * byte picks what the rest is fed to, always from an exact-size copy so
 * that AddressSanitizer sees any read past its end:
 *   0  probe_target_parse() (NUL-terminated); an accepted target must be
 *      one the engine may probe, and its DNS name one probe_dns_query()
 *      takes;
 *   1  probe_icmp_parse(), IPv4 with its header; 2 without; 3 ICMPv6;
 *   4  probe_dns_parse() for one of a few names (the next byte says which);
 *   5  probe_dns_query() of a name, then its bytes with QR set parsed back
 *      as the answer to it (must succeed);
 *   6  the block belief (probe_block_*) driven by the bytes: E(b), rounds,
 *      answers and silences, with its invariants checked after each step.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

static char *cstr(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static void fuzz_target(const uint8_t *p, size_t n)
{
	struct probe_target t;
	char why[200], *s = cstr(p, n);
	uint8_t q[300];
	int rc;

	why[0] = 0;
	rc = probe_target_parse(s, &t, why, sizeof(why));
	if (rc != 0 && rc != LO_EINVAL)
		abort();
	if (rc) {
		if (!why[0] || strlen(why) >= sizeof(why))
			abort();
		goto out;
	}
	switch (t.kind) {
	case PROBE_ICMP:
	case PROBE_TCP:
	case PROBE_DNS:
		if (!probe_addr_allowed(&t.addr, NULL))
			abort();
		if (t.kind != PROBE_ICMP && t.port == 0)
			abort();
		if (t.kind == PROBE_DNS && probe_dns_query(q, sizeof(q), 1, t.qname) < 0)
			abort();
		break;
	case PROBE_HTTP:
		if (strlen(t.url) > PROBE_URL_MAX || strcmp(t.url, s))
			abort();
		break;
	case PROBE_BLOCK:
		if (t.block.addr.family != 4 || t.block.len < 16 || t.block.len > 32 ||
		    !probe_addr_allowed(&t.block.addr, NULL))
			abort();
		for (unsigned bit = t.block.len; bit < 32; bit++)
			if (t.block.addr.b[bit / 8] & (0x80 >> (bit % 8)))
				abort();
		break;
	default:
		abort();
	}
out:
	free(s);
}

static void fuzz_icmp(const uint8_t *p, size_t n, int family, bool with_ip)
{
	struct probe_icmp_msg m;
	int rc = probe_icmp_parse(p, n, family, with_ip, &m);

	if (rc != 0 && rc != LO_ETRUNC && rc != LO_ECORRUPT)
		abort();
	if (rc)
		return;
	if (m.type < PROBE_ICMP_REPLY || m.type > PROBE_ICMP_OTHER)
		abort();
	if (m.src.family != (with_ip ? 4 : 0))
		abort();
	if (m.type == PROBE_ICMP_UNREACH ? m.dst.family != family : m.dst.family != 0)
		abort();
	if (m.type == PROBE_ICMP_OTHER && (m.id || m.seq))
		abort();
}

static void fuzz_dns(const uint8_t *p, size_t n)
{
	static const char *const names[] = {"example.org", ".", "nx.example.org", "EXAMPLE.org.",
					    "a"};
	struct probe_dns_reply r;
	int rc;

	if (n < 1)
		return;
	rc = probe_dns_parse(n > 1 ? p + 1 : NULL, n - 1, names[p[0] % 5], &r);
	if (rc != 0 && rc != LO_ETRUNC && rc != LO_ECORRUPT)
		abort();
	if (rc == 0 && r.rcode > 15)
		abort();
}

static void fuzz_dns_roundtrip(const uint8_t *p, size_t n)
{
	struct probe_dns_reply r;
	char *s = cstr(p, n);
	uint8_t q[300];
	int len;

	len = probe_dns_query(q, sizeof(q), 0x1234, s);
	if (len == LO_EINVAL)
		goto out;
	if (len < 17 || len > 12 + 255 + 4)
		abort();
	q[2] |= 0x80; /* QR: the query read back as its own (empty) answer */
	if (probe_dns_parse(q, (size_t)len, s, &r) || r.id != 0x1234 || r.answers || r.rcode)
		abort();
out:
	free(s);
}

static void check_block(const struct probe_block *b)
{
	const struct probe_block_opts *o = &b->o;

	if (!(b->belief >= o->b_floor && b->belief <= 1 - o->b_floor))
		abort();
	if (!(b->a >= o->a_min && b->a <= o->a_max))
		abort();
	if (b->n_ever > 254 || b->round_probes > o->max_probes || b->answers > b->probes)
		abort();
	if (b->state != PROBE_BLOCK_UNKNOWN && b->state != PROBE_BLOCK_UP &&
	    b->state != PROBE_BLOCK_DOWN)
		abort();
}

/*
 * fuzz_belief() - byte 0: max_probes; 1..8: the seed; 9..40: E(b); then
 * one step a byte: 0xff and 32 bytes a new E(b); 0x80 set: a new round;
 * else the next probe, answered when bit 0 is set (or, when the round is
 * over, a result for address .byte anyway).
 */
static void fuzz_belief(const uint8_t *p, size_t n)
{
	struct probe_block_opts o;
	struct probe_block b;
	uint32_t seen[256]; /* draws of each address since E(b) was set */
	uint32_t drawn = 0;
	uint64_t seed = 0;
	uint32_t a;

	if (n < 41)
		return;
	probe_block_opts_default(&o);
	o.max_probes = 1 + p[0] % 32;
	for (int i = 1; i <= 8; i++)
		seed = seed << 8 | p[i];
	probe_block_init(&b, 0xc0000200, &o, seed);
	probe_block_set_ever(&b, p + 9);
	memset(seen, 0, sizeof(seen));
	for (size_t i = 41; i < n; i++) {
		uint8_t op = p[i];
		if (op == 0xff && n - i > 32) {
			probe_block_set_ever(&b, p + i + 1);
			i += 32;
			memset(seen, 0, sizeof(seen));
			drawn = 0;
		} else if (op & 0x80) {
			probe_block_round(&b);
		} else if (probe_block_next(&b, &a)) {
			unsigned last = a & 0xff;
			int c;
			if ((a & 0xffffff00u) != 0xc0000200 || last == 0 || last == 255 ||
			    !(b.ever[last / 8] & 1u << (last % 8)))
				abort();
			/* each address of E(b) once before any repeats */
			if (seen[last] != drawn / b.n_ever)
				abort();
			seen[last]++;
			drawn++;
			c = probe_block_result(&b, a, op & 1);
			if (c != -1 && c != PROBE_BLOCK_UP && c != PROBE_BLOCK_DOWN)
				abort();
			if ((b.belief >= o.up && b.state != PROBE_BLOCK_UP) ||
			    (b.belief <= o.down && b.state != PROBE_BLOCK_DOWN))
				abort();
		} else {
			probe_block_result(&b, 0xc0000200 | op, op & 1);
		}
		check_block(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	p = malloc(n ? n : 1);
	if (!p)
		return 0;
	if (n)
		memcpy(p, data + 1, n);
	switch (data[0] % 7) {
	case 0:
		fuzz_target(p, n);
		break;
	case 1:
		fuzz_icmp(n ? p : NULL, n, 4, true);
		break;
	case 2:
		fuzz_icmp(n ? p : NULL, n, 4, false);
		break;
	case 3:
		fuzz_icmp(n ? p : NULL, n, 6, false);
		break;
	case 4:
		fuzz_dns(p, n);
		break;
	case 5:
		fuzz_dns_roundtrip(p, n);
		break;
	case 6:
		fuzz_belief(p, n);
		break;
	}
	free(p);
	return 0;
}
