/*
 * DOC: unit tests for the sans-I/O half of src/probe — target specs
 * (every accepted form and every kind of refusal, with the reason given),
 * ICMP echo requests (checksums against values worked out by hand) and
 * the parsing of replies, unreachables and time-exceeded messages built
 * byte by byte, with and without an IPv4 header; DNS queries byte for
 * byte and responses with compression pointers, NXDOMAIN, pointer loops,
 * forward pointers and jump caps; truncation at every length and random
 * bytes (no crash: run under the sanitizers); the token bucket's burst
 * and refill; and the Trinocular belief: how many silences take a block
 * down and how many answers bring it back, for a dense and a sparse
 * block, the bound on a round, and the probing order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

/* ---------------------------------------------------------------- builders */

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
static void u8(struct bb *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(b, &x, 1);
}
static void u16(struct bb *b, unsigned v)
{
	u8(b, v >> 8);
	u8(b, v & 0xff);
}
static void u32(struct bb *b, uint32_t v)
{
	u16(b, v >> 16);
	u16(b, v & 0xffff);
}
static void ip4(struct bb *b, const char *s)
{
	uint8_t a[4];
	assert_int_equal(inet_pton(AF_INET, s, a), 1);
	put(b, a, 4);
}
static void ip6(struct bb *b, const char *s)
{
	uint8_t a[16];
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
	put(b, a, 16);
}
static void set16(struct bb *b, size_t off, unsigned v)
{
	b->p[off] = (uint8_t)(v >> 8);
	b->p[off + 1] = (uint8_t)v;
}

/* csum() - RFC 1071 the long way, for the tests' own packets. */
static unsigned csum(const uint8_t *p, size_t n)
{
	unsigned long s = 0;
	for (size_t i = 0; i < n; i++)
		s += i % 2 ? p[i] : (unsigned long)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/* fix_csum() - write the checksum of the ICMP message at @off..end of @b. */
static void fix_csum(struct bb *b, size_t off)
{
	set16(b, off + 2, 0);
	set16(b, off + 2, csum(b->p + off, b->n - off));
}

/* ipv4_hdr() - a 20-byte header (+@optlen bytes of NOP options), total length @tot. */
static void ipv4_hdr(struct bb *b, unsigned optlen, unsigned tot, unsigned proto, const char *src,
		     const char *dst)
{
	u8(b, 0x40 | (5 + optlen / 4));
	u8(b, 0);
	u16(b, tot);
	u16(b, 0x1234);
	u16(b, 0);
	u8(b, 64);
	u8(b, proto);
	u16(b, 0); /* header checksum: the kernel checked it, the parser does not */
	ip4(b, src);
	ip4(b, dst);
	for (unsigned i = 0; i < optlen; i++)
		u8(b, 1);
}

static bool addr_is(const struct bgp_addr *a, const char *s)
{
	struct bgp_addr w;
	memset(&w, 0, sizeof(w));
	if (inet_pton(AF_INET, s, w.b) == 1)
		w.family = 4;
	else if (inet_pton(AF_INET6, s, w.b) == 1)
		w.family = 6;
	return a->family == w.family && !memcmp(a->b, w.b, 16);
}

/* ---------------------------------------------------------------- targets */

static struct probe_target T;
static char why[256];

static void ok(const char *spec)
{
	why[0] = 0;
	int rc = probe_target_parse(spec, &T, why, sizeof(why));
	if (rc)
		fail_msg("'%s' refused: %s", spec, why);
}

/* no() - @spec is refused with a reason that contains @reason. */
static void no(const char *spec, const char *reason)
{
	why[0] = 0;
	if (probe_target_parse(spec, &T, why, sizeof(why)) != LO_EINVAL)
		fail_msg("'%s' accepted", spec);
	if (!strstr(why, reason))
		fail_msg("'%s': reason '%s' lacks '%s'", spec, why, reason);
}

static void test_target_icmp_tcp(void **state)
{
	(void)state;
	ok("icmp:192.0.2.1");
	assert_int_equal(T.kind, PROBE_ICMP);
	assert_true(addr_is(&T.addr, "192.0.2.1"));
	ok("icmp:2001:db8::1");
	assert_true(addr_is(&T.addr, "2001:db8::1"));
	ok("icmp:[2001:db8::2]");
	assert_true(addr_is(&T.addr, "2001:db8::2"));
	ok("icmp:127.0.0.1"); /* loopback is fine: tests probe it */
	ok("icmp:::1");
	ok("icmp:223.255.255.255");
	ok("tcp:192.0.2.1:443");
	assert_int_equal(T.kind, PROBE_TCP);
	assert_int_equal(T.port, 443);
	assert_true(addr_is(&T.addr, "192.0.2.1"));
	ok("tcp:[2001:db8::1]:22");
	assert_int_equal(T.port, 22);
	assert_true(addr_is(&T.addr, "2001:db8::1"));
	ok("tcp:192.0.2.1:1");
	ok("tcp:192.0.2.1:65535");
	assert_int_equal(T.port, 65535);
}

static void test_target_http(void **state)
{
	static char big[PROBE_URL_MAX + 2];
	(void)state;
	ok("http://example.org/");
	assert_int_equal(T.kind, PROBE_HTTP);
	assert_string_equal(T.url, "http://example.org/");
	ok("https://example.org:8443/path?q=1#x");
	assert_string_equal(T.url, "https://example.org:8443/path?q=1#x");
	ok("HTTPS://Example.ORG");
	assert_string_equal(T.url, "HTTPS://Example.ORG");
	ok("http://user:pw@example.org/");
	ok("http://[2001:db8::1]:8080/");
	ok("http://192.0.2.1/x");
	ok("http://kcna.kp?x=1");

	memcpy(big, "http://a/", 9);
	memset(big + 9, 'x', PROBE_URL_MAX - 9);
	big[PROBE_URL_MAX] = 0;
	ok(big);
	assert_int_equal(strlen(T.url), PROBE_URL_MAX);
	big[PROBE_URL_MAX] = 'x';
	big[PROBE_URL_MAX + 1] = 0;
	no(big, "at most 2048");

	no("http://", "needs a host");
	no("https:///index.html", "needs a host");
	no("http://:80/", "needs a host");
	no("http://user@/", "needs a host");
	no("http:// example.org/", "no blanks");
	no("http://example.org/a b", "no blanks");
	no("http://example.org/\tb", "no blanks");
	no("http://example.org/\x7f", "printable ASCII");
	no("http://example.org/\xc3\xa9", "printable ASCII");
	no("http://example.org:0/", "port");
	no("http://example.org:65536/", "port");
	no("http://example.org:/", "port");
	no("http://example.org:8o/", "port");
	no("http://[2001:db8::1/", "IPv6");
	no("http://[example.org]/", "IPv6");
	no("http://[2001:db8::1]x/", "after ']'");
	/* address literals are checked, in the forms the resolver reads too */
	no("http://224.0.0.1/", "multicast");
	no("http://3758096385/", "multicast");
	no("http://0xe0.0.0.1/", "multicast");
	no("http://255.255.255.255/", "broadcast");
	no("http://0.0.0.0:8080/", "unspecified");
	no("http://[ff02::1]/", "multicast");
	no("http://[::]/", "unspecified");
}

static void test_target_dns(void **state)
{
	char name[300];
	(void)state;
	ok("dns:192.0.2.53");
	assert_int_equal(T.kind, PROBE_DNS);
	assert_int_equal(T.port, 53);
	assert_string_equal(T.qname, ".");
	assert_true(addr_is(&T.addr, "192.0.2.53"));
	ok("dns:192.0.2.53/example.org");
	assert_int_equal(T.port, 53);
	assert_string_equal(T.qname, "example.org");
	ok("dns:192.0.2.53:5353/example.org.");
	assert_int_equal(T.port, 5353);
	assert_string_equal(T.qname, "example.org"); /* the final dot goes */
	ok("dns:192.0.2.53:5353");
	assert_int_equal(T.port, 5353);
	assert_string_equal(T.qname, ".");
	ok("dns:192.0.2.53/.");
	assert_string_equal(T.qname, ".");
	/* a bare IPv6 address: port 53, never a port after it */
	ok("dns:2001:db8::53");
	assert_true(addr_is(&T.addr, "2001:db8::53"));
	assert_int_equal(T.port, 53);
	ok("dns:2001:db8::1:53/example.org");
	assert_true(addr_is(&T.addr, "2001:db8::1:53"));
	assert_int_equal(T.port, 53);
	assert_string_equal(T.qname, "example.org");
	ok("dns:[2001:db8::53]/Example.ORG");
	assert_true(addr_is(&T.addr, "2001:db8::53"));
	assert_int_equal(T.port, 53);
	assert_string_equal(T.qname, "Example.ORG"); /* as written */
	ok("dns:[2001:db8::53]:5353/x");
	assert_int_equal(T.port, 5353);
	assert_string_equal(T.qname, "x");
	ok("dns:[2001:db8::53]:5353");
	assert_int_equal(T.port, 5353);
	assert_string_equal(T.qname, ".");
	ok("dns:[2001:db8::53]");
	assert_int_equal(T.port, 53);
	ok("dns:1.1.1.1/_dmarc.example-1.org");
	assert_string_equal(T.qname, "_dmarc.example-1.org");

	/* a label of 63, a name of 253 (and 254 with its final dot) */
	memset(name, 0, sizeof(name));
	strcpy(name, "dns:1.1.1.1/");
	memset(name + 12, 'a', 63);
	ok(name);
	name[12 + 63] = 'a';
	no(name, "over 63");
	for (size_t i = 0; i < 253; i++)
		name[12 + i] = i % 2 ? '.' : 'b';
	name[12 + 253] = 0;
	ok(name);
	assert_int_equal(strlen(T.qname), 253);
	name[12 + 253] = '.';
	ok(name);
	assert_int_equal(strlen(T.qname), 253);
	name[12 + 253] = 'b';
	name[12 + 254] = 'b';
	no(name, "at most 253");

	no("dns:1.1.1.1/", "empty name");
	no("dns:1.1.1.1/..", "empty label");
	no("dns:1.1.1.1/a..b", "empty label");
	no("dns:1.1.1.1/.a", "empty label");
	no("dns:1.1.1.1/a b", "only letters");
	no("dns:1.1.1.1/a*b", "only letters");
	no("dns:1.1.1.1/a/b", "only letters");
	no("dns:1.1.1.1/a\\.b", "only letters");
	no("dns:192.0.2.1:0", "1..65535");
	no("dns:192.0.2.1:65536/x", "1..65535");
	no("dns:192.0.2.1:/x", "1..65535");
	no("dns:[2001:db8::1]:70000", "1..65535");
	no("dns:[2001:db8::1]:", "1..65535");
	no("dns:[2001:db8::1]x", "1..65535");
	no("dns:[2001:db8::1", "missing");
	no("dns:[192.0.2.1]", "IPv6");
	no("dns:example.org", "no host names");
	no("dns:", "not an IPv4 or IPv6");
	no("dns:/example.org", "not an IPv4 or IPv6");
	no("dns:host:53", "not an IPv4");
	no("dns:255.255.255.255", "broadcast");
	no("dns:[ff02::1]:53", "multicast");
	no("dns:0.0.0.0/example.org", "unspecified");
}

static void test_target_block(void **state)
{
	(void)state;
	ok("block:192.0.2.0/24");
	assert_int_equal(T.kind, PROBE_BLOCK);
	assert_int_equal(T.block.len, 24);
	assert_true(addr_is(&T.block.addr, "192.0.2.0"));
	ok("block:10.1.0.0/16");
	assert_int_equal(T.block.len, 16);
	ok("block:10.1.2.3/32");
	ok("block:10.1.2.128/25");

	no("block:10.0.0.0/15", "/16 to /32");
	no("block:10.0.0.0/8", "/16 to /32");
	no("block:10.0.0.0/0", "/16 to /32");
	no("block:10.0.0.0/33", "/16 to /32");
	no("block:10.0.0.0/024", "16..32");
	no("block:10.0.0.0/", "16..32");
	no("block:10.0.0.0/x", "16..32");
	no("block:10.0.0.0", "ADDR/LENGTH");
	no("block:10.0.0.1/24", "meant block:10.0.0.0/24?");
	no("block:10.0.3.0/22", "meant block:10.0.0.0/22?");
	no("block:10.1.2.3/16", "meant block:10.1.0.0/16?");
	no("block:2001:db8::/48", "IPv4");
	no("block:example.org/24", "not an address");
	no("block:224.0.0.0/24", "multicast");
	no("block:239.255.0.0/16", "multicast");
	no("block:240.0.0.0/16", "reserved");
	no("block:255.255.0.0/16", "reserved");
	no("block:0.0.1.0/24", "unspecified");
	no("block:10.0.0.0/32", "never probed");
	no("block:10.0.0.255/32", "never probed");
}

static void test_target_refused(void **state)
{
	struct probe_target keep;
	(void)state;
	no("icmp:224.0.0.1", "multicast");
	no("icmp:255.255.255.255", "broadcast");
	no("icmp:0.0.0.0", "unspecified");
	no("icmp:0.1.2.3", "unspecified");
	no("icmp:ff02::1", "multicast");
	no("icmp:[ff02::1]", "multicast");
	no("icmp:240.0.0.1", "reserved");
	no("icmp:::", "unspecified");
	no("icmp:::ffff:224.0.0.1", "multicast");
	no("icmp:::ffff:0.0.0.0", "unspecified");
	no("tcp:224.0.0.1:80", "multicast");
	no("tcp:[ff05::2]:80", "multicast");

	no("icmp:example.org", "no host names");
	no("icmp:", "not an IPv4 or IPv6");
	no("icmp:1.2.3", "not an IPv4 or IPv6");
	no("icmp:1.2.3.4:80", "not an IPv4 or IPv6");
	no("icmp: 1.2.3.4", "not an IPv4 or IPv6");
	no("icmp:[1.2.3.4]", "IPv6");
	no("tcp:192.0.2.1:0", "1..65535");
	no("tcp:192.0.2.1:65536", "1..65535");
	no("tcp:192.0.2.1:99999", "1..65535");
	no("tcp:192.0.2.1:123456", "1..65535");
	no("tcp:192.0.2.1:", "1..65535");
	no("tcp:192.0.2.1:-1", "1..65535");
	no("tcp:192.0.2.1:+80", "1..65535");
	no("tcp:192.0.2.1:80x", "1..65535");
	no("tcp:192.0.2.1", "missing");
	no("tcp:2001:db8::1:80", "brackets");
	no("tcp:[2001:db8::1]", "port after");
	no("tcp:[2001:db8::1]80", "port after");
	no("tcp:[2001:db8::1]:0", "1..65535");
	no("tcp:[nope]:80", "IPv6");
	no("tcp:host:80", "no host names");

	no("", "a target is");
	no("ftp://example.org/", "a target is");
	no("udp:192.0.2.1:53", "a target is");
	no("ICMP:192.0.2.1", "a target is");
	no("192.0.2.1", "a target is");

	/* the target is left as it was on failure; NULL and short buffers are fine */
	ok("tcp:192.0.2.1:80");
	keep = T;
	no("tcp:192.0.2.1:0", "1..65535");
	assert_memory_equal(&keep, &T, sizeof(T));
	assert_int_equal(probe_target_parse(NULL, &T, why, sizeof(why)), LO_EINVAL);
	assert_int_equal(probe_target_parse("icmp:224.0.0.1", &T, NULL, 0), LO_EINVAL);
	assert_int_equal(probe_target_parse("icmp:224.0.0.1", &T, why, 4), LO_EINVAL);
	assert_int_equal(strlen(why), 3);
}

static void test_addr_allowed(void **state)
{
	static const struct {
		const char *a;
		bool ok;
	} cases[] = {
		{"192.0.2.1", true},
		{"1.0.0.0", true},
		{"223.255.255.255", true},
		{"127.0.0.1", true},
		{"10.0.0.255", true},
		{"0.0.0.0", false},
		{"0.255.255.255", false},
		{"224.0.0.0", false},
		{"239.255.255.255", false},
		{"240.0.0.0", false},
		{"254.0.0.1", false},
		{"255.255.255.255", false},
		{"::", false},
		{"::1", true},
		{"2001:db8::1", true},
		{"fe80::1", true},
		{"ff00::", false},
		{"ff02::1", false},
		{"::ffff:192.0.2.1", true},
		{"::ffff:224.0.0.1", false},
		{"::ffff:255.255.255.255", false},
	};
	struct bgp_addr a;
	const char *r;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.family = strchr(cases[i].a, ':') ? 6 : 4;
		assert_int_equal(inet_pton(a.family == 4 ? AF_INET : AF_INET6, cases[i].a, a.b), 1);
		r = NULL;
		if (probe_addr_allowed(&a, &r) != cases[i].ok)
			fail_msg("%s: expected %s", cases[i].a,
				 cases[i].ok ? "allowed" : "refused");
		assert_true(cases[i].ok ? r == NULL : r != NULL);
		assert_int_equal(probe_addr_allowed(&a, NULL), cases[i].ok);
	}
	memset(&a, 0, sizeof(a));
	assert_false(probe_addr_allowed(&a, &r));
	assert_false(probe_addr_allowed(NULL, NULL));
}

static void test_kind_name(void **state)
{
	(void)state;
	assert_string_equal(probe_kind_name(PROBE_ICMP), "icmp");
	assert_string_equal(probe_kind_name(PROBE_TCP), "tcp");
	assert_string_equal(probe_kind_name(PROBE_HTTP), "http");
	assert_string_equal(probe_kind_name(PROBE_DNS), "dns");
	assert_string_equal(probe_kind_name(PROBE_BLOCK), "block");
	assert_string_equal(probe_kind_name((enum probe_kind)0), "?");
	assert_string_equal(probe_kind_name((enum probe_kind)99), "?");
}

/* ---------------------------------------------------------------- ICMP */

static void test_icmp_checksum_kat(void **state)
{
	/*
	 * Worked by hand (RFC 1071): words 0800 (type 8, code 0), 0000
	 * (checksum), 1234 (id), 0001 (seq), 6162 ("ab"), 6364 ("cd"):
	 * 0800 + 1234 + 0001 + 6162 + 6364 = DEFB, no carry; ~DEFB = 2104.
	 * "abc": the odd byte is padded, 6300: 0800 + 1234 + 0001 + 6162 +
	 * 6300 = DE97; ~DE97 = 2168.  id FFFF, seq FFFF, no payload: 0800 +
	 * FFFF + FFFF = 207FE, folded 07FE + 2 = 0800; ~0800 = F7FF.
	 */
	static const uint8_t abcd[] = {8, 0, 0x21, 0x04, 0x12, 0x34, 0, 1, 'a', 'b', 'c', 'd'};
	static const uint8_t abc[] = {8, 0, 0x21, 0x68, 0x12, 0x34, 0, 1, 'a', 'b', 'c'};
	static const uint8_t ffff[] = {8, 0, 0xf7, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t v6[] = {128, 0, 0, 0, 0x12, 0x34, 0, 1, 'a', 'b', 'c', 'd'};
	uint8_t buf[64];
	(void)state;

	assert_int_equal(probe_icmp_echo(buf, sizeof(buf), 4, 0x1234, 1, "abcd", 4), 12);
	assert_memory_equal(buf, abcd, 12);
	assert_int_equal(probe_icmp_echo(buf, sizeof(buf), 4, 0x1234, 1, "abc", 3), 11);
	assert_memory_equal(buf, abc, 11);
	assert_int_equal(probe_icmp_echo(buf, sizeof(buf), 4, 0xffff, 0xffff, NULL, 0), 8);
	assert_memory_equal(buf, ffff, 8);
	/* ICMPv6: the kernel fills the checksum (it covers a pseudo-header) */
	assert_int_equal(probe_icmp_echo(buf, sizeof(buf), 6, 0x1234, 1, "abcd", 4), 12);
	assert_memory_equal(buf, v6, 12);
	/* the test's own checksum agrees */
	assert_int_equal(csum(abcd, 12), 0);
}

static void test_icmp_echo_errors(void **state)
{
	uint8_t buf[16];
	(void)state;
	assert_int_equal(probe_icmp_echo(buf, 11, 4, 1, 1, "abcd", 4), LO_ETOOBIG);
	assert_int_equal(probe_icmp_echo(buf, 12, 4, 1, 1, "abcd", 4), 12);
	assert_int_equal(probe_icmp_echo(buf, 7, 6, 1, 1, NULL, 0), LO_ETOOBIG);
	assert_int_equal(probe_icmp_echo(NULL, 0, 4, 1, 1, NULL, 0), LO_ETOOBIG);
	assert_int_equal(probe_icmp_echo(buf, sizeof(buf), 5, 1, 1, NULL, 0), LO_EINVAL);
	assert_int_equal(probe_icmp_echo(buf, sizeof(buf), 4, 1, 1, NULL, 4), LO_EINVAL);
	assert_int_equal(probe_icmp_echo(buf, SIZE_MAX, 4, 1, 1, buf, 70000), LO_ETOOBIG);
}

/* reply4() - an echo reply (id, seq, payload "lightsout!") into @b at its end. */
static size_t reply4(struct bb *b, unsigned id, unsigned seq)
{
	size_t off = b->n;
	int n = probe_icmp_echo(b->p + off, sizeof(b->p) - off, 4, (uint16_t)id, (uint16_t)seq,
				"lightsout!", 10);
	assert_int_equal(n, 18);
	b->n += (size_t)n;
	b->p[off] = 0; /* echo reply */
	fix_csum(b, off);
	return off;
}

static void test_icmp_v4(void **state)
{
	struct probe_icmp_msg m;
	struct bb b = {0};
	(void)state;

	/* ping socket: the ICMP message alone */
	reply4(&b, 0xabcd, 7);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, false, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_REPLY);
	assert_int_equal(m.icmp_type, 0);
	assert_int_equal(m.id, 0xabcd);
	assert_int_equal(m.seq, 7);
	assert_int_equal(m.src.family, 0);
	assert_int_equal(m.dst.family, 0);
	b.p[12] ^= 1; /* a payload bit flips: the checksum no longer adds up */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, false, &m), LO_ECORRUPT);

	/* raw socket: with its IPv4 header, plus two bytes of padding after it */
	memset(&b, 0, sizeof(b));
	ipv4_hdr(&b, 0, 20 + 18, 1, "192.0.2.9", "198.51.100.2");
	reply4(&b, 0xabcd, 8);
	u16(&b, 0xeeee);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_REPLY);
	assert_int_equal(m.seq, 8);
	assert_true(addr_is(&m.src, "192.0.2.9"));
	assert_int_equal(probe_icmp_parse(b.p, b.n - 2, 4, true, &m), 0);
	assert_int_equal(probe_icmp_parse(b.p, b.n - 3, 4, true, &m), LO_ETRUNC);
	/* the same without the header is not ICMP */
	assert_int_not_equal(probe_icmp_parse(b.p, b.n, 4, false, &m), 0);

	/* with 8 bytes of options */
	memset(&b, 0, sizeof(b));
	ipv4_hdr(&b, 8, 28 + 18, 1, "192.0.2.10", "198.51.100.2");
	reply4(&b, 1, 2);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), 0);
	assert_true(addr_is(&m.src, "192.0.2.10"));
	assert_int_equal(m.id, 1);

	/* bad headers */
	b.p[0] = 0x66; /* version 6 */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), LO_ECORRUPT);
	b.p[0] = 0x44; /* IHL 4 */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), LO_ECORRUPT);
	b.p[0] = 0x4f; /* IHL 15: 60 bytes, more than there are */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), LO_ETRUNC);
	b.p[0] = 0x47;
	set16(&b, 2, 27); /* total length shorter than the header */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), LO_ECORRUPT);
	set16(&b, 2, 28 + 18 + 1); /* longer than what was read */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), LO_ETRUNC);
	set16(&b, 2, 28 + 18);
	b.p[9] = 6; /* TCP */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), LO_ECORRUPT);
	b.p[9] = 1;
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), 0);
	set16(&b, 2, 28 + 7); /* room for less than an ICMP header */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), LO_ETRUNC);

	/* our own request (a raw socket sees it on loopback): not a reply */
	memset(&b, 0, sizeof(b));
	b.n = (size_t)probe_icmp_echo(b.p, sizeof(b.p), 4, 5, 6, "x", 1);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, false, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_OTHER);
	assert_int_equal(m.icmp_type, 8);
	assert_int_equal(m.id, 0);

	/* a redirect (5): other */
	memset(&b, 0, sizeof(b));
	u8(&b, 5);
	u8(&b, 1);
	u16(&b, 0);
	ip4(&b, "192.0.2.254");
	fix_csum(&b, 0);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, false, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_OTHER);
	assert_int_equal(m.code, 1);

	/* usage errors */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 5, false, &m), LO_EINVAL);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 6, true, &m), LO_EINVAL);
	assert_int_equal(probe_icmp_parse(NULL, 0, 4, false, &m), LO_ETRUNC);
	assert_int_equal(probe_icmp_parse(NULL, 0, 4, true, &m), LO_ETRUNC);
	assert_int_equal(probe_icmp_parse(NULL, 0, 6, false, &m), LO_ETRUNC);
}

/*
 * unreach4() - from router 203.0.113.1, ICMP @type/@code quoting a packet
 * (IP protocol @qproto, ICMP type @qtype) to 192.0.2.77.
 */
static void unreach4(struct bb *b, unsigned type, unsigned code, unsigned qproto, unsigned qtype)
{
	size_t icmp;
	memset(b, 0, sizeof(*b));
	ipv4_hdr(b, 0, 20 + 8 + 20 + 8, 1, "203.0.113.1", "198.51.100.2");
	icmp = b->n;
	u8(b, type);
	u8(b, code);
	u16(b, 0);
	u32(b, 0); /* unused (or next-hop MTU) */
	ipv4_hdr(b, 0, 84, qproto, "198.51.100.2", "192.0.2.77");
	u8(b, qtype);
	u8(b, 0);
	u16(b, 0x1111); /* its checksum: not checked */
	u16(b, 0x4242); /* id */
	u16(b, 0x0009); /* seq */
	fix_csum(b, icmp);
}

static void test_icmp_unreach_v4(void **state)
{
	struct probe_icmp_msg m;
	struct bb b;
	(void)state;

	unreach4(&b, 3, 1, 1, 8);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_UNREACH);
	assert_int_equal(m.icmp_type, 3);
	assert_int_equal(m.code, 1);
	assert_int_equal(m.id, 0x4242);
	assert_int_equal(m.seq, 9);
	assert_true(addr_is(&m.src, "203.0.113.1"));
	assert_true(addr_is(&m.dst, "192.0.2.77"));
	/* the same from a ping socket */
	assert_int_equal(probe_icmp_parse(b.p + 20, b.n - 20, 4, false, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_UNREACH);
	assert_int_equal(m.src.family, 0);
	assert_true(addr_is(&m.dst, "192.0.2.77"));

	unreach4(&b, 11, 0, 1, 8); /* time exceeded in transit */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_UNREACH);
	assert_int_equal(m.icmp_type, 11);
	assert_int_equal(m.seq, 9);

	/* quoting a TCP segment, or an echo reply: not about a probe of ours */
	unreach4(&b, 3, 3, 6, 8);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_OTHER);
	assert_int_equal(m.dst.family, 0);
	assert_int_equal(m.id, 0);
	unreach4(&b, 3, 3, 1, 0);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_OTHER);

	/* a quote that is not IPv4 */
	unreach4(&b, 3, 1, 1, 8);
	b.p[28] = 0x65;
	fix_csum(&b, 20);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 4, true, &m), LO_ECORRUPT);

	/* cut anywhere: an error, never a crash (every length, with and without the header) */
	unreach4(&b, 3, 1, 1, 8);
	for (size_t n = 0; n < b.n; n++) {
		uint8_t *cp = malloc(n ? n : 1);
		memcpy(cp, b.p, n);
		assert_int_not_equal(probe_icmp_parse(cp, n, 4, true, &m), 0);
		free(cp);
	}
	for (size_t n = 0; n < b.n - 20; n++) {
		/* the quote shortened, the checksum fixed: still an error */
		struct bb c = {0};
		put(&c, b.p + 20, n);
		if (n >= 8)
			fix_csum(&c, 0);
		assert_int_not_equal(probe_icmp_parse(c.p, c.n, 4, false, &m), 0);
	}
}

static void test_icmp_v6(void **state)
{
	struct probe_icmp_msg m;
	struct bb b = {0};
	size_t full;
	(void)state;

	b.n = (size_t)probe_icmp_echo(b.p, sizeof(b.p), 6, 0x77, 0x88, "payload", 7);
	assert_int_equal(b.n, 15);
	assert_int_equal(b.p[0], 128);
	assert_int_equal(probe_icmp_parse(b.p, b.n, 6, false, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_OTHER);
	assert_int_equal(m.icmp_type, 128);
	b.p[0] = 129; /* echo reply */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 6, false, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_REPLY);
	assert_int_equal(m.id, 0x77);
	assert_int_equal(m.seq, 0x88);
	assert_int_equal(m.src.family, 0); /* the caller fills it from recvfrom() */
	for (size_t n = 0; n < 8; n++)
		assert_int_equal(probe_icmp_parse(b.p, n, 6, false, &m), LO_ETRUNC);

	/* destination unreachable (1), code 3 (address), quoting our echo */
	memset(&b, 0, sizeof(b));
	u8(&b, 1);
	u8(&b, 3);
	u16(&b, 0);
	u32(&b, 0);
	u32(&b, 0x60000000); /* version 6 */
	u16(&b, 16);	     /* payload length */
	u8(&b, 58);	     /* next header: ICMPv6 */
	u8(&b, 64);
	ip6(&b, "2001:db8:1::2");
	ip6(&b, "2001:db8:2::77");
	u8(&b, 128);
	u8(&b, 0);
	u16(&b, 0);
	u16(&b, 0x0101);
	u16(&b, 0x0202);
	full = b.n;
	u32(&b, 0xdeadbeef); /* the rest of the quoted payload */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 6, false, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_UNREACH);
	assert_int_equal(m.code, 3);
	assert_int_equal(m.id, 0x0101);
	assert_int_equal(m.seq, 0x0202);
	assert_true(addr_is(&m.dst, "2001:db8:2::77"));
	for (size_t n = 0; n < full; n++) {
		uint8_t *cp = malloc(n ? n : 1);
		memcpy(cp, b.p, n);
		assert_int_not_equal(probe_icmp_parse(cp, n, 6, false, &m), 0);
		free(cp);
	}
	assert_int_equal(probe_icmp_parse(b.p, full, 6, false, &m), 0);

	b.p[0] = 3; /* time exceeded */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 6, false, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_UNREACH);
	assert_int_equal(m.icmp_type, 3);
	b.p[0] = 2; /* packet too big */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 6, false, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_OTHER);
	b.p[0] = 1;
	b.p[14] = 6; /* the quote is TCP */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 6, false, &m), 0);
	assert_int_equal(m.type, PROBE_ICMP_OTHER);
	assert_int_equal(m.dst.family, 0);
	b.p[14] = 58;
	b.p[8] = 0x40; /* the quote is not IPv6 */
	assert_int_equal(probe_icmp_parse(b.p, b.n, 6, false, &m), LO_ECORRUPT);
}

static void test_icmp_garbage(void **state)
{
	struct probe_icmp_msg m;
	uint8_t buf[256];
	uint64_t x = 88172645463325252ull;
	(void)state;

	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(round % 256);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		if (round % 3 == 0 && n)
			buf[0] = (uint8_t)(0x45 + round % 11); /* look like IPv4 now and then */
		for (int f = 0; f < 3; f++) {
			uint8_t *cp = malloc(n ? n : 1);
			memcpy(cp, buf, n);
			int rc = probe_icmp_parse(cp, n, f == 2 ? 6 : 4, f == 0, &m);
			assert_true(rc == 0 || rc == LO_ETRUNC || rc == LO_ECORRUPT);
			if (rc == 0)
				assert_true(m.type >= PROBE_ICMP_REPLY &&
					    m.type <= PROBE_ICMP_OTHER);
			free(cp);
		}
	}
}

/* ---------------------------------------------------------------- DNS */

static void test_dns_query_kat(void **state)
{
	static const uint8_t example[] = {
		0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* RD */
		7,    'e',  'x',  'a',	'm',  'p',  'l',  'e',	3,    'o',  'r',  'g',
		0,    0x00, 0x01, 0x00, 0x01, /* A, IN */
	};
	static const uint8_t root[] = {0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0,    0x00, 0x06, 0x00, 0x01};
	uint8_t buf[512];
	char name[300];
	(void)state;

	assert_int_equal(probe_dns_query(buf, sizeof(buf), 0xbeef, "example.org"), 29);
	assert_memory_equal(buf, example, sizeof(example));
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 0xbeef, "example.org."), 29);
	assert_memory_equal(buf, example, sizeof(example));
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 1, "."), 17);
	assert_memory_equal(buf, root, sizeof(root));

	assert_int_equal(probe_dns_query(buf, 28, 0xbeef, "example.org"), LO_ETOOBIG);
	assert_int_equal(probe_dns_query(buf, 29, 0xbeef, "example.org"), 29);
	assert_int_equal(probe_dns_query(NULL, 0, 0xbeef, "example.org"), LO_ETOOBIG);
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 1, ""), LO_EINVAL);
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 1, NULL), LO_EINVAL);
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 1, ".."), LO_EINVAL);
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 1, "a..b"), LO_EINVAL);
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 1, ".a"), LO_EINVAL);
	memset(name, 0, sizeof(name));
	memset(name, 'a', 63);
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 1, name), 12 + 65 + 4);
	name[63] = 'a';
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 1, name), LO_EINVAL);
	/* 253 characters: 127 labels "b", 255 bytes on the wire, the most there is */
	for (size_t i = 0; i < 253; i++)
		name[i] = i % 2 ? '.' : 'b';
	name[253] = 0;
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 1, name), 12 + 255 + 4);
	name[253] = 'b';
	assert_int_equal(probe_dns_query(buf, sizeof(buf), 1, name), LO_EINVAL);
}

/* dns_hdr() - a response header (flags @flags), one question @qname (A, IN). */
static void dns_hdr(struct bb *b, unsigned flags, unsigned an, unsigned ns, unsigned ar,
		    const char *qname)
{
	uint8_t q[300];
	int n;
	memset(b, 0, sizeof(*b));
	n = probe_dns_query(q, sizeof(q), 0xbeef, qname);
	assert_true(n > 12);
	put(b, q, (size_t)n);
	set16(b, 2, flags);
	set16(b, 6, an);
	set16(b, 8, ns);
	set16(b, 10, ar);
}

static void label(struct bb *b, const char *s)
{
	u8(b, (unsigned)strlen(s));
	put(b, s, strlen(s));
}

/* label_x() - a label of @n times 'x'. */
static void label_x(struct bb *b, size_t n)
{
	u8(b, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		u8(b, 'x');
}

/* rr() - type, class, TTL, RDLENGTH after an owner name. */
static void rr(struct bb *b, unsigned type, unsigned cls, unsigned rdlen)
{
	u16(b, type);
	u16(b, cls);
	u32(b, 300);
	u16(b, rdlen);
}

/*
 * A response to example.org A: a CNAME to www.example.org (its owner a
 * pointer to the question, its data "www" and a pointer), the A record of
 * www.example.org (a pointer to that data: two jumps), and an EDNS OPT.
 */
static size_t dns_compressed(struct bb *b)
{
	size_t rdata;
	dns_hdr(b, 0x8580, 2, 0, 1, "example.org");
	u16(b, 0xc00c);
	rr(b, 5, 1, 6);
	rdata = b->n;
	label(b, "www");
	u16(b, 0xc00c);
	u16(b, 0xc000 | (unsigned)rdata);
	rr(b, 1, 1, 4);
	ip4(b, "192.0.2.80");
	u8(b, 0); /* OPT: the root, type 41, class = UDP size */
	rr(b, 41, 1232, 0);
	return rdata;
}

static void test_dns_parse(void **state)
{
	struct probe_dns_reply r;
	struct bb b;
	(void)state;

	dns_compressed(&b);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), 0);
	assert_int_equal(r.id, 0xbeef);
	assert_int_equal(r.rcode, 0);
	assert_true(r.aa);
	assert_false(r.tc);
	assert_int_equal(r.answers, 2);
	/* the name compares without case and without a final dot */
	assert_int_equal(probe_dns_parse(b.p, b.n, "EXAMPLE.Org.", &r), 0);
	b.p[13] = 'E';
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), 0);
	/* bytes after the last record are ignored */
	u32(&b, 0);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), 0);

	/* another question */
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.com", &r), LO_ECORRUPT);
	assert_int_equal(probe_dns_parse(b.p, b.n, "www.example.org", &r), LO_ECORRUPT);
	assert_int_equal(probe_dns_parse(b.p, b.n, "org", &r), LO_ECORRUPT);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.orgg", &r), LO_ECORRUPT);
	assert_int_equal(probe_dns_parse(b.p, b.n, ".", &r), LO_ECORRUPT);
	assert_int_equal(probe_dns_parse(b.p, b.n, "a..b", &r), LO_EINVAL);
	dns_compressed(&b);
	set16(&b, 12 + 13, 28); /* AAAA */
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);
	dns_compressed(&b);
	set16(&b, 12 + 15, 3); /* class CH */
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);

	/* not a response; another opcode; not one question */
	dns_compressed(&b);
	set16(&b, 2, 0x0580);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);
	set16(&b, 2, 0x8580 | 2 << 11); /* STATUS */
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);
	set16(&b, 2, 0x8580);
	set16(&b, 4, 0); /* no question in a NOERROR answer */
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);
	set16(&b, 4, 2);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);
	/* an error without its question (REFUSED, FORMERR) is an answer: by ID */
	set16(&b, 2, 0x8585);
	set16(&b, 4, 0);
	assert_int_equal(probe_dns_parse(b.p, 12, "example.org", &r), 0);
	assert_int_equal(r.rcode, 5);
	assert_int_equal(r.answers, 0);
	assert_int_equal(r.id, b.p[0] << 8 | b.p[1]);

	/* more records counted than there are */
	dns_compressed(&b);
	set16(&b, 10, 2);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ETRUNC);
	/* RDLENGTH past the end */
	dns_compressed(&b);
	set16(&b, b.n - 2, 1);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ETRUNC);

	/* the root: SOA, with TC set */
	dns_hdr(&b, 0x8300, 0, 0, 0, ".");
	assert_int_equal(b.n, 17);
	assert_int_equal(probe_dns_parse(b.p, b.n, ".", &r), 0);
	assert_true(r.tc);
	assert_false(r.aa);
	assert_int_equal(r.rcode, 0);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);
	set16(&b, 13, 1); /* asks A of the root: not what we asked */
	assert_int_equal(probe_dns_parse(b.p, b.n, ".", &r), LO_ECORRUPT);

	/* SERVFAIL, REFUSED: parsed, the rcode says */
	dns_hdr(&b, 0x8182, 0, 0, 0, "example.org");
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), 0);
	assert_int_equal(r.rcode, 2);
	dns_hdr(&b, 0x8105, 0, 0, 0, "example.org");
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), 0);
	assert_int_equal(r.rcode, 5);
}

static void test_dns_nxdomain(void **state)
{
	struct probe_dns_reply r;
	struct bb b;
	(void)state;

	/* nx.example.org: NXDOMAIN, the zone's SOA in the authority section,
	 * every name in it a pointer into the question (example.org at 15) */
	dns_hdr(&b, 0x8183, 0, 1, 0, "nx.example.org");
	u16(&b, 0xc00f);
	rr(&b, 6, 1, 4 + 2 + 11 + 2 + 20);
	label(&b, "ns1");
	u16(&b, 0xc00f);
	label(&b, "hostmaster");
	u16(&b, 0xc00f);
	for (int i = 0; i < 5; i++)
		u32(&b, 3600);
	assert_int_equal(probe_dns_parse(b.p, b.n, "nx.example.org", &r), 0);
	assert_int_equal(r.rcode, 3);
	assert_int_equal(r.answers, 0);
	for (size_t n = 0; n < b.n; n++) {
		uint8_t *cp = malloc(n ? n : 1);
		memcpy(cp, b.p, n);
		assert_int_not_equal(probe_dns_parse(cp, n, "nx.example.org", &r), 0);
		free(cp);
	}
}

static void test_dns_pointers(void **state)
{
	struct probe_dns_reply r;
	struct bb b;
	size_t at;
	(void)state;

	/* the question is a pointer to itself */
	dns_hdr(&b, 0x8180, 0, 0, 0, "example.org");
	b.n = 12;
	u16(&b, 0xc00c);
	u16(&b, 1);
	u16(&b, 1);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);

	/* a forward pointer: the question points at a copy of its name after it */
	dns_hdr(&b, 0x8180, 0, 0, 0, "example.org");
	b.n = 12;
	u16(&b, 0xc012);
	u16(&b, 1);
	u16(&b, 1);
	label(&b, "example");
	label(&b, "org");
	u8(&b, 0);
	assert_int_equal(b.p[0x12], 7);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);

	/* a pointer into the header */
	dns_hdr(&b, 0x8180, 1, 0, 0, "example.org");
	u16(&b, 0xc004);
	rr(&b, 1, 1, 0);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);

	/* a backward pointer that loops: "a" then a pointer to that "a" */
	dns_hdr(&b, 0x8180, 1, 0, 0, "example.org");
	at = b.n;
	label(&b, "a");
	u16(&b, 0xc000 | (unsigned)at);
	rr(&b, 1, 1, 0);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);

	/* two pointers to each other: one of them points forward */
	dns_hdr(&b, 0x8180, 2, 0, 0, "example.org");
	at = b.n;
	u16(&b, 0xc000 | (unsigned)(at + 12));
	rr(&b, 1, 1, 0);
	u16(&b, 0xc000 | (unsigned)at);
	rr(&b, 1, 1, 0);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);

	/* label types 01 and 10 (0x40, 0x80) */
	dns_compressed(&b);
	b.p[12] = 0x47;
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);
	b.p[12] = 0x87;
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);

	/* a name longer than 255 bytes once uncompressed: "x" * 63 four
	 * times (256 bytes with the root) */
	dns_hdr(&b, 0x8180, 1, 0, 0, "example.org");
	for (int i = 0; i < 4; i++)
		label_x(&b, 63);
	u8(&b, 0);
	rr(&b, 1, 1, 0);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);
	/* 3 of them and a pointer to example.org: 3 * 64 + 13 = 205, fine */
	dns_hdr(&b, 0x8180, 1, 0, 0, "example.org");
	for (int i = 0; i < 3; i++)
		label_x(&b, 63);
	u16(&b, 0xc00c);
	rr(&b, 1, 1, 0);
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), 0);
}

/*
 * chain() - a response whose first record's data is @k pointers, each to
 * the one before it, the first to the question; the second record's owner
 * is a pointer to the last of them: reading it takes k + 1 jumps.
 */
static void chain(struct bb *b, unsigned k)
{
	size_t start;
	dns_hdr(b, 0x8180, 2, 0, 0, "example.org");
	u16(b, 0xc00c);
	rr(b, 0xff00, 1, 2 * k);
	start = b->n;
	u16(b, 0xc00c);
	for (unsigned i = 1; i < k; i++)
		u16(b, 0xc000 | (unsigned)(start + 2 * (i - 1)));
	u16(b, 0xc000 | (unsigned)(start + 2 * (k - 1)));
	rr(b, 1, 1, 4);
	u32(b, 0xc0000201);
}

static void test_dns_jumps(void **state)
{
	struct probe_dns_reply r;
	struct bb b;
	(void)state;

	chain(&b, 63); /* 64 jumps: the most followed */
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), 0);
	assert_int_equal(r.answers, 2);
	chain(&b, 64); /* 65 */
	assert_int_equal(probe_dns_parse(b.p, b.n, "example.org", &r), LO_ECORRUPT);
}

static void test_dns_truncated(void **state)
{
	struct probe_dns_reply r;
	struct bb b;
	(void)state;

	dns_compressed(&b);
	for (size_t n = 0; n < b.n; n++) {
		uint8_t *cp = malloc(n ? n : 1);
		memcpy(cp, b.p, n);
		int rc = probe_dns_parse(cp, n, "example.org", &r);
		assert_true(rc == LO_ETRUNC || rc == LO_ECORRUPT);
		free(cp);
	}
	assert_int_equal(probe_dns_parse(NULL, 0, "example.org", &r), LO_ETRUNC);

	/* random bytes behind a plausible header */
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 3000; round++) {
		size_t n = 12 + (size_t)(round % 200);
		uint8_t *cp = malloc(n);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			cp[i] = (uint8_t)x;
		}
		cp[2] |= 0x80;
		cp[4] = 0;
		cp[5] = 1;
		if (round % 2)
			cp[12] = 0xc0;
		int rc = probe_dns_parse(cp, n, "example.org", &r);
		assert_true(rc == 0 || rc == LO_ETRUNC || rc == LO_ECORRUPT);
		free(cp);
	}
}

/* ---------------------------------------------------------------- rate */

static void test_rate(void **state)
{
	struct probe_rate r;
	int64_t t0 = 1000000000, t;
	int n;
	(void)state;

	/* 10 per second, 5 at once: the burst, then one every 100 ms */
	probe_rate_init(&r, 10, 5, t0);
	for (int i = 0; i < 5; i++)
		assert_true(probe_rate_take(&r, t0));
	assert_false(probe_rate_take(&r, t0));
	assert_int_equal(probe_rate_wait(&r, t0), 100000);
	assert_int_equal(probe_rate_wait(&r, t0 + 40000), 60000);
	assert_false(probe_rate_take(&r, t0 + 99999));
	assert_int_equal(probe_rate_wait(&r, t0 + 99999), 1);
	assert_true(probe_rate_take(&r, t0 + 100000));
	assert_false(probe_rate_take(&r, t0 + 100000));
	assert_int_equal(probe_rate_wait(&r, t0 + 100000), 100000);
	/* a clock that steps back mints nothing */
	assert_false(probe_rate_take(&r, t0));
	assert_int_equal(probe_rate_wait(&r, t0 + 50000), 150000);
	/* a long pause refills up to the burst, no more */
	t = t0 + 100000 + 60 * 1000000ll;
	assert_int_equal(probe_rate_wait(&r, t), 0);
	for (int i = 0; i < 5; i++)
		assert_true(probe_rate_take(&r, t));
	assert_false(probe_rate_take(&r, t));

	/* 3 per second does not divide a second: waiting what wait() says is
	 * always enough and never more than needed, and 10.2 s give 3 * 10 +
	 * the burst of 1 */
	probe_rate_init(&r, 3, 1, 0);
	t = 0;
	n = 0;
	for (;;) {
		int64_t w = probe_rate_wait(&r, t);
		if (w) {
			assert_true(w <= 333334);
			assert_false(probe_rate_take(&r, t + w - 1));
			t += w;
		}
		if (t >= 10200000)
			break;
		assert_true(probe_rate_take(&r, t));
		n++;
	}
	assert_int_equal(n, 31);

	/* nonsense settings: at least one token, a rate of 0 never refills */
	probe_rate_init(&r, 0, 0, 0);
	assert_true(probe_rate_take(&r, 0));
	assert_false(probe_rate_take(&r, 1000000000));
	assert_int_equal(probe_rate_wait(&r, 0), INT64_MAX);
}

/* ---------------------------------------------------------------- belief */

static const uint8_t ALL[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};
static const uint8_t NONE[32];

/*
 * round_of() - one round where every probe gets @answered: the state
 * changes seen (the last one in *@change, else -1), and how many probes
 * went.
 */
static unsigned round_of(struct probe_block *b, bool answered, int *change)
{
	unsigned n = 0;
	uint32_t a;
	*change = -1;
	probe_block_round(b);
	while (probe_block_next(b, &a)) {
		int c = probe_block_result(b, a, answered);
		n++;
		if (c >= 0)
			*change = c;
	}
	assert_false(b->round_open);
	assert_int_equal(b->round_probes, n);
	return n;
}

static void test_block_setup(void **state)
{
	struct probe_block_opts o;
	struct probe_block b;
	uint8_t bm[32];
	uint32_t a;
	(void)state;

	probe_block_opts_default(&o);
	assert_true(o.up == 0.9 && o.down == 0.1 && o.p_false == 0.01);
	assert_true(o.a_min == 0.1 && o.a_max == 0.95 && o.a_alpha == 0.05 && o.b_floor == 0.01);
	assert_int_equal(o.max_probes, 15);

	probe_block_init(&b, 0xc000024d, NULL, 1); /* 192.0.2.77: the /24 */
	assert_int_equal(b.base, 0xc0000200);
	assert_int_equal(b.state, PROBE_BLOCK_UNKNOWN);
	assert_int_equal(b.n_ever, 0);
	assert_false(probe_block_measurable(&b));
	probe_block_round(&b);
	assert_int_equal(probe_block_next(&b, &a), 0);
	assert_false(b.round_open);

	/* .0 and .255 never enter E(b); bit i of byte i / 8, low bit first */
	memset(bm, 0, sizeof(bm));
	bm[0] = 0x01 | 0x02 | 0x80; /* .0 .1 .7 */
	bm[25] = 0x01;		    /* .200 */
	bm[31] = 0x40 | 0x80;	    /* .254 .255 */
	probe_block_set_ever(&b, bm);
	assert_int_equal(b.n_ever, 4);
	assert_int_equal(b.ever[0], 0x82);
	assert_int_equal(b.ever[31], 0x40);
	assert_true(probe_block_measurable(&b));
	assert_true(b.a == 0.95 && b.belief == 0.5);
	probe_block_set_ever(&b, ALL);
	assert_int_equal(b.n_ever, 254);
	probe_block_set_ever(&b, NONE);
	assert_int_equal(b.n_ever, 0);
	assert_false(probe_block_measurable(&b));

	/* a result for another block changes nothing */
	probe_block_set_ever(&b, ALL);
	assert_int_equal(probe_block_result(&b, 0xc0000301, true), -1);
	assert_int_equal(b.probes, 0);
	assert_true(b.belief == 0.5);
	/* any address of the block counts */
	assert_int_equal(probe_block_result(&b, 0xc00002ff, true), PROBE_BLOCK_UP);
	assert_int_equal(b.probes, 1);
	assert_int_equal(b.answers, 1);
}

static void test_block_order(void **state)
{
	struct probe_block b, c;
	uint8_t seen[256], first[254];
	uint32_t a;
	bool sorted = true, same = true;
	(void)state;

	/* every round takes one probe (answered, agreeing with up), so the
	 * order runs across rounds: all of E(b) once, then again the same */
	probe_block_init(&b, 0x0a000000, NULL, 42);
	probe_block_set_ever(&b, ALL);
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < 2 * 254; i++) {
		probe_block_round(&b);
		assert_int_equal(probe_block_next(&b, &a), 1);
		assert_int_equal(a & 0xffffff00u, 0x0a000000);
		assert_true((a & 0xff) >= 1 && (a & 0xff) <= 254);
		if (i < 254) {
			assert_int_equal(seen[a & 0xff], 0);
			seen[a & 0xff] = 1;
			first[i] = (uint8_t)a;
			if (i && first[i] < first[i - 1])
				sorted = false;
		} else {
			assert_int_equal((uint8_t)a, first[i - 254]);
		}
		probe_block_result(&b, a, true);
		assert_int_equal(probe_block_next(&b, &a), 0);
	}
	assert_false(sorted); /* shuffled */

	/* the same seed gives the same order, another seed another */
	probe_block_init(&c, 0x0a000000, NULL, 42);
	probe_block_set_ever(&c, ALL);
	assert_memory_equal(c.order, first, 254);
	probe_block_init(&c, 0x0a000000, NULL, 43);
	probe_block_set_ever(&c, ALL);
	for (unsigned i = 0; i < 254; i++)
		if (c.order[i] != first[i])
			same = false;
	assert_false(same);
	/* a new E(b) is shuffled again and probed from its start */
	memcpy(first, c.order, 254);
	probe_block_set_ever(&c, ALL);
	assert_int_equal(c.next, 0);
	same = true;
	for (unsigned i = 0; i < 254; i++)
		if (c.order[i] != first[i])
			same = false;
	assert_false(same);

	/* a sparse E(b): each of its 3 addresses, then again */
	{
		uint8_t bm[32] = {0};
		bm[1] = 0x04;  /* .10 */
		bm[12] = 0x02; /* .97 */
		bm[31] = 0x20; /* .253 */
		probe_block_init(&c, 0x0a000100, NULL, 7);
		probe_block_set_ever(&c, bm);
		memset(seen, 0, sizeof(seen));
		for (int i = 0; i < 6; i++) {
			probe_block_round(&c);
			assert_int_equal(probe_block_next(&c, &a), 1);
			seen[a & 0xff]++;
			if (i == 2)
				assert_true(seen[10] == 1 && seen[97] == 1 && seen[253] == 1);
			probe_block_result(&c, a, true);
			assert_int_equal(probe_block_next(&c, &a), 0);
		}
		assert_int_equal(seen[10], 2);
		assert_int_equal(seen[97], 2);
		assert_int_equal(seen[253], 2);
	}
}

static void test_block_dense(void **state)
{
	struct probe_block b;
	int change;
	(void)state;

	/*
	 * A = 0.95, p_false = 0.01, B within [0.01, 0.99].  In odds, an answer
	 * multiplies by A / p_false = 95, a silence by (1 - A) / 0.99 = 1/19.8.
	 *
	 * Unknown, B = 0.5 (odds 1): one answer, odds 95, B = 0.9896 >= 0.9:
	 * up, and the round ends (the belief agrees).  The next answer takes B
	 * to the cap 0.99 (odds 99).
	 *
	 * Going down, from B = 0.99:
	 *   1st silence: odds 99 / 19.8 = 5.0, B = 0.833 (doubt: probe again).
	 *     A learns from this probe (B was 0.99 before it): A = 0.95 * 0.95
	 *     = 0.9025.
	 *   2nd silence: A learns no more (B was 0.833 before it); odds
	 *     5.0 * 0.0975 / 0.99 = 0.492, B = 0.330.
	 *   3rd silence: odds 0.0485, B = 0.0463 <= 0.1: down.  3 probes.
	 * A round later a silence takes B to the floor, 0.01 (odds 1/99).
	 * Coming back with A = 0.9025, an answer multiplies the odds by 90.25:
	 *   1st answer: odds 0.912, B = 0.477; 2nd: odds 82.3, B = 0.988: up.
	 *   2 probes.
	 */
	probe_block_init(&b, 0xc6336400, NULL, 1);
	probe_block_set_ever(&b, ALL);
	assert_int_equal(round_of(&b, true, &change), 1);
	assert_int_equal(change, PROBE_BLOCK_UP);
	assert_true(fabs(b.belief - 0.98958) < 1e-4);
	assert_int_equal(round_of(&b, true, &change), 1);
	assert_int_equal(change, -1);
	assert_true(b.belief == 0.99);
	assert_true(b.a == 0.95); /* at a_max */

	assert_int_equal(round_of(&b, false, &change), 3);
	assert_int_equal(change, PROBE_BLOCK_DOWN);
	assert_int_equal(b.state, PROBE_BLOCK_DOWN);
	assert_true(fabs(b.belief - 0.04625) < 1e-4);
	assert_true(fabs(b.a - 0.9025) < 1e-9);

	assert_int_equal(round_of(&b, false, &change), 1); /* agrees: one probe */
	assert_true(b.belief == 0.01);
	assert_true(fabs(b.a - 0.9025) < 1e-9); /* not learnt while down */

	assert_int_equal(round_of(&b, true, &change), 2);
	assert_int_equal(change, PROBE_BLOCK_UP);
	assert_true(fabs(b.belief - 0.98799) < 1e-4);
	assert_int_equal(b.probes, 2 + 3 + 1 + 2);
	assert_int_equal(b.answers, 2 + 2);

	/* answers while up bring A back to a_max */
	for (int i = 0; i < 200; i++)
		round_of(&b, true, &change);
	assert_true(b.a == 0.95);

	/* from unknown, one silence is enough: odds 1 / 19.8, B = 0.048 */
	probe_block_init(&b, 0xc6336400, NULL, 1);
	probe_block_set_ever(&b, ALL);
	assert_int_equal(round_of(&b, false, &change), 1);
	assert_int_equal(change, PROBE_BLOCK_DOWN);
}

static void test_block_sparse(void **state)
{
	struct probe_block_opts o;
	struct probe_block b;
	unsigned n;
	int change;
	(void)state;

	/*
	 * A = 0.3 (a_max 0.3 so that A starts there).  A silence multiplies
	 * the odds by only 0.7 / 0.99 = 0.707, and A learns from each silence
	 * while B stays >= 0.9 before the probe: the first 9 silences take the
	 * odds from 99 to 8.41 (B = 0.894) and A to 0.3 * 0.95^9 = 0.189.
	 * From there each silence multiplies the odds by 0.811 / 0.99 = 0.819,
	 * and reaching 1/9 (B = 0.1) takes 22 more: 31 silences (in rounds of
	 * 1 x 8, 15, 8), against 3 for A = 0.95.  (With A
	 * fixed at 0.3 it would be 20; learning A from every probe while up,
	 * 48, A sliding down to a_min.)
	 *
	 * Back up from the floor (odds 1/99), an answer multiplies the odds by
	 * 0.189 / 0.01 = 18.9: 0.191, 3.61, 68.3: 3 answers, against 2.
	 */
	probe_block_opts_default(&o);
	o.a_max = 0.3;
	probe_block_init(&b, 0x0a000000, &o, 5);
	probe_block_set_ever(&b, ALL);
	assert_int_equal(round_of(&b, true, &change), 1);
	assert_int_equal(change, PROBE_BLOCK_UP);
	round_of(&b, true, &change);
	assert_true(b.belief == 0.99);

	/* while B stays >= 0.9 a round ends after its one silence (the
	 * belief still agrees); the 9th takes B under 0.9 and the round goes
	 * on to max_probes (15); the next ends down after 8 */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(round_of(&b, false, &change), 1);
		assert_int_equal(change, -1);
		assert_true(b.belief >= 0.9);
	}
	assert_int_equal(round_of(&b, false, &change), 15);
	assert_int_equal(change, -1);
	assert_int_equal(b.state, PROBE_BLOCK_UP);
	assert_true(b.belief < 0.9 && b.belief > 0.1);
	assert_int_equal(round_of(&b, false, &change), 8);
	assert_int_equal(change, PROBE_BLOCK_DOWN);
	assert_int_equal(b.probes - b.answers, 8 + 15 + 8);
	assert_true(fabs(b.belief - 0.09451) < 1e-4);
	assert_true(fabs(b.a - 0.3 * pow(0.95, 9)) < 1e-9);
	assert_true(probe_block_measurable(&b));

	for (n = 0; b.belief > 0.01; n++)
		assert_int_equal(round_of(&b, false, &change), 1);
	assert_true(n > 5);
	assert_int_equal(round_of(&b, true, &change), 3);
	assert_int_equal(change, PROBE_BLOCK_UP);
}

static void test_block_unknown(void **state)
{
	struct probe_block_opts o;
	struct probe_block b;
	uint32_t a;
	int change;
	(void)state;

	/* weak evidence (an answer 0.6 vs 0.5, a silence 0.4 vs 0.5): while
	 * unknown the round goes on to max_probes, then the next round's
	 * first probe goes again */
	probe_block_opts_default(&o);
	o.a_max = 0.6;
	o.p_false = 0.5;
	o.max_probes = 7;
	probe_block_init(&b, 0x0a000000, &o, 5);
	probe_block_set_ever(&b, ALL);
	for (int r = 0; r < 3; r++) {
		unsigned n = 0;
		probe_block_round(&b);
		while (probe_block_next(&b, &a))
			assert_int_equal(probe_block_result(&b, a, n++ % 2 == 0), -1);
		assert_int_equal(n, 7);
		assert_int_equal(b.state, PROBE_BLOCK_UNKNOWN);
	}
	/* answers add up: 1.2 per answer in odds, 0.5 -> 0.9 takes 13 (1.2^13 = 10.7 >= 9) */
	probe_block_init(&b, 0x0a000000, &o, 5);
	probe_block_set_ever(&b, ALL);
	assert_int_equal(round_of(&b, true, &change), 7);
	assert_int_equal(change, -1);
	assert_int_equal(round_of(&b, true, &change), 6);
	assert_int_equal(change, PROBE_BLOCK_UP);

	/* A is learnt only while up */
	probe_block_opts_default(&o);
	probe_block_init(&b, 0x0a000000, &o, 5);
	probe_block_set_ever(&b, ALL);
	probe_block_result(&b, 0x0a000001, false);
	assert_int_equal(b.state, PROBE_BLOCK_DOWN);
	assert_true(b.a == 0.95);
}

static void test_block_set_ever(void **state)
{
	struct probe_block b;
	uint32_t a;
	int change;
	(void)state;

	probe_block_init(&b, 0x0a000000, NULL, 5);
	probe_block_set_ever(&b, ALL);
	round_of(&b, true, &change);
	round_of(&b, false, &change); /* down, A lowered to 0.9025 */
	assert_int_equal(b.state, PROBE_BLOCK_DOWN);
	assert_true(b.a < 0.95);
	/* a new sweep that still finds addresses: A and B carry on */
	probe_block_set_ever(&b, ALL);
	assert_true(b.a < 0.95);
	assert_true(b.belief < 0.1);
	/* E(b) empty: unmeasurable, a round ends before it starts */
	probe_block_set_ever(&b, NONE);
	assert_false(probe_block_measurable(&b));
	probe_block_round(&b);
	assert_int_equal(probe_block_next(&b, &a), 0);
	/* then not empty: A starts at a_max again; the state stays */
	probe_block_set_ever(&b, ALL);
	assert_true(b.a == 0.95);
	assert_int_equal(b.state, PROBE_BLOCK_DOWN);
	/* while unknown, B starts at 0.5 */
	probe_block_init(&b, 0x0a000000, NULL, 5);
	b.belief = 0.7;
	probe_block_set_ever(&b, ALL);
	assert_true(b.belief == 0.5 && b.a == 0.95);
	/* a round left open by set_ever goes on in the new order */
	probe_block_round(&b);
	assert_int_equal(probe_block_next(&b, &a), 1);
	probe_block_set_ever(&b, ALL);
	assert_int_equal(probe_block_next(&b, &a), 1);
	assert_int_equal(a & 0xff, b.order[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_icmp_tcp),	 cmocka_unit_test(test_target_http),
		cmocka_unit_test(test_target_dns),	 cmocka_unit_test(test_target_block),
		cmocka_unit_test(test_target_refused),	 cmocka_unit_test(test_addr_allowed),
		cmocka_unit_test(test_kind_name),	 cmocka_unit_test(test_icmp_checksum_kat),
		cmocka_unit_test(test_icmp_echo_errors), cmocka_unit_test(test_icmp_v4),
		cmocka_unit_test(test_icmp_unreach_v4),	 cmocka_unit_test(test_icmp_v6),
		cmocka_unit_test(test_icmp_garbage),	 cmocka_unit_test(test_dns_query_kat),
		cmocka_unit_test(test_dns_parse),	 cmocka_unit_test(test_dns_nxdomain),
		cmocka_unit_test(test_dns_pointers),	 cmocka_unit_test(test_dns_jumps),
		cmocka_unit_test(test_dns_truncated),	 cmocka_unit_test(test_rate),
		cmocka_unit_test(test_block_setup),	 cmocka_unit_test(test_block_order),
		cmocka_unit_test(test_block_dense),	 cmocka_unit_test(test_block_sparse),
		cmocka_unit_test(test_block_unknown),	 cmocka_unit_test(test_block_set_ever),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
