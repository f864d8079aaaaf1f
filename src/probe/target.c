/*
 * DOC: target — probe_target_parse(): the text of a probe target, checked
 * once when the configuration is read, and probe_addr_allowed(), the one
 * place that says which addresses are never probed.
 *
 * Forms:
 * - icmp:ADDR                    IPv4 or IPv6 (bare or in brackets)
 * - tcp:ADDR:PORT, tcp:[V6]:PORT the port is required, 1..65535
 * - http://URL, https://URL      as written: printable ASCII, no blanks, a
 *                                host, at most PROBE_URL_MAX characters
 * - dns:ADDR[/NAME]              IPv4, or a bare IPv6 address (no port)
 *   dns:ADDR:PORT[/NAME]         IPv4 with a port
 *   dns:[V6][:PORT][/NAME]       IPv6 in brackets, a port optional
 *                                (port 53 and name "." by default)
 * - block:PREFIX                 IPv4, /16 to /32, no host bits
 *
 * A bare IPv6 address has no port: "dns:2001:db8::1:53" is the address
 * 2001:db8::1:53 on port 53, not 2001:db8::1 on port 53 (both are valid
 * addresses, so the text cannot say which was meant); a port goes with
 * brackets, "dns:[2001:db8::1]:53".  The same rule makes tcp:V6:PORT
 * without brackets an error rather than a guess.
 *
 * Addresses are parsed with inet_pton() only: no host names (they would
 * need DNS when the configuration is read).  The host of a URL may be a
 * name; when it is an address literal, in any form the resolver would
 * take (inet_aton() reads "3758096385" as 224.0.0.1), it is checked here
 * too.  Names are resolved by the engine, which must check what they
 * resolve to.
 */
#include "probe/probe.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#define TARGET_FORMS                                                                     \
	"a target is icmp:ADDR, tcp:ADDR:PORT, tcp:[V6]:PORT, http://URL, https://URL, " \
	"dns:ADDR[:PORT][/NAME], dns:[V6][:PORT][/NAME] or block:PREFIX"

static int fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (why && cap) {
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return LO_EINVAL;
}

const char *probe_kind_name(enum probe_kind k)
{
	switch (k) {
	case PROBE_ICMP:
		return "icmp";
	case PROBE_TCP:
		return "tcp";
	case PROBE_HTTP:
		return "http";
	case PROBE_DNS:
		return "dns";
	case PROBE_BLOCK:
		return "block";
	}
	return "?";
}

static const char *v4_refused(const uint8_t b[4])
{
	if (b[0] == 0)
		return "an unspecified address (0.0.0.0/8)";
	if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
		return "the limited broadcast address 255.255.255.255";
	if (b[0] >= 224 && b[0] < 240)
		return "a multicast address (224.0.0.0/4)";
	if (b[0] >= 240)
		return "a reserved address (240.0.0.0/4)";
	return NULL;
}

bool probe_addr_allowed(const struct bgp_addr *a, const char **why)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t zero[16];
	const char *r = NULL;

	if (!a || (a->family != 4 && a->family != 6))
		r = "no address";
	else if (a->family == 4)
		r = v4_refused(a->b);
	else if (!memcmp(a->b, zero, 16))
		r = "the unspecified address ::";
	else if (a->b[0] == 0xff)
		r = "a multicast address (ff00::/8)";
	else if (!memcmp(a->b, mapped, 12))
		/* ::ffff:a.b.c.d reaches IPv4 a.b.c.d through a dual-stack socket */
		r = v4_refused(a->b + 12);
	if (r && why)
		*why = r;
	return r == NULL;
}

/* parse_port() - @s[0..@n) is a decimal port 1..65535. */
static bool parse_port(const char *s, size_t n, uint16_t *out)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* parse_addr() - @s[0..@n) is an address of family @fam (4, 6, or 0: either). */
static bool parse_addr(const char *s, size_t n, int fam, struct bgp_addr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(out, 0, sizeof(*out));
	if (fam != 6 && inet_pton(AF_INET, buf, out->b) == 1) {
		out->family = 4;
		return true;
	}
	if (fam != 4 && inet_pton(AF_INET6, buf, out->b) == 1) {
		out->family = 6;
		return true;
	}
	return false;
}

static int check_allowed(const char *form, const struct bgp_addr *a, char *why, size_t cap)
{
	const char *r;

	if (!probe_addr_allowed(a, &r))
		return fail(why, cap, "%s: %s is never probed", form, r);
	return 0;
}

/*
 * qname_check() - @s is a DNS name as text: labels of 1..63 letters,
 * digits, '-' or '_', at most PROBE_QNAME_MAX characters without a final
 * dot, which is allowed; "." alone is the root.  Writes the name without
 * its final dot (the root as ".") to @out.
 */
static const char *qname_check(const char *s, char out[PROBE_QNAME_MAX + 2])
{
	size_t n = strlen(s), label = 0;

	if (!strcmp(s, ".")) {
		strcpy(out, ".");
		return NULL;
	}
	if (n && s[n - 1] == '.')
		n--;
	if (n == 0)
		return "an empty name (the root is \".\")";
	if (n > PROBE_QNAME_MAX)
		return "a name is at most 253 characters";
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : '.';
		if (c == '.') {
			if (label == 0)
				return "an empty label in the name";
			if (label > 63)
				return "a label of the name is over 63 characters";
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return "a name has only letters, digits, '-', '_' and dots";
		label++;
	}
	memcpy(out, s, n);
	out[n] = 0;
	return NULL;
}

static int parse_icmp(const char *v, struct probe_target *t, char *why, size_t cap)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '[' && v[n - 1] == ']') {
		if (!parse_addr(v + 1, n - 2, 6, &t->addr))
			return fail(why, cap, "icmp:ADDR: not an IPv6 address inside [ ]");
	} else if (!parse_addr(v, n, 0, &t->addr)) {
		return fail(why, cap, "icmp:ADDR: not an IPv4 or IPv6 address (no host names)");
	}
	t->kind = PROBE_ICMP;
	return check_allowed("icmp:ADDR", &t->addr, why, cap);
}

static int parse_tcp(const char *v, struct probe_target *t, char *why, size_t cap)
{
	const char *port;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (!close || close[1] != ':')
			return fail(why, cap, "tcp:[V6]:PORT: expected a port after the brackets");
		if (!parse_addr(v + 1, (size_t)(close - v - 1), 6, &t->addr))
			return fail(why, cap, "tcp:[V6]:PORT: not an IPv6 address inside [ ]");
		port = close + 2;
	} else {
		const char *colon = strchr(v, ':');
		if (!colon)
			return fail(why, cap, "tcp:ADDR:PORT: the port is missing");
		if (strchr(colon + 1, ':'))
			return fail(
				why, cap,
				"tcp:ADDR:PORT: an IPv6 address goes in brackets, tcp:[V6]:PORT");
		if (!parse_addr(v, (size_t)(colon - v), 4, &t->addr))
			return fail(
				why, cap,
				"tcp:ADDR:PORT: not an IPv4 address before ':' (no host names)");
		port = colon + 1;
	}
	if (!parse_port(port, strlen(port), &t->port))
		return fail(why, cap, "tcp:ADDR:PORT: the port must be 1..65535");
	t->kind = PROBE_TCP;
	return check_allowed("tcp:ADDR:PORT", &t->addr, why, cap);
}

static int parse_dns(const char *v, struct probe_target *t, char *why, size_t cap)
{
	const char *slash = strchr(v, '/');
	size_t n = slash ? (size_t)(slash - v) : strlen(v);
	const char *r, *colon;

	t->port = 53;
	if (n && v[0] == '[') {
		const char *close = memchr(v, ']', n);
		if (!close)
			return fail(why, cap, "dns:[V6][:PORT][/NAME]: the ']' is missing");
		if (!parse_addr(v + 1, (size_t)(close - v - 1), 6, &t->addr))
			return fail(why, cap,
				    "dns:[V6][:PORT][/NAME]: not an IPv6 address inside [ ]");
		if (close + 1 != v + n &&
		    (close[1] != ':' ||
		     !parse_port(close + 2, (size_t)(v + n - close - 2), &t->port)))
			return fail(why, cap, "dns:[V6]:PORT: the port must be 1..65535");
	} else if ((colon = memchr(v, ':', n)) &&
		   !memchr(colon + 1, ':', (size_t)(v + n - colon - 1))) {
		/* exactly one colon: IPv4:PORT (an IPv6 address has at least two) */
		if (!parse_addr(v, (size_t)(colon - v), 4, &t->addr))
			return fail(
				why, cap,
				"dns:ADDR:PORT: not an IPv4 address before ':' (no host names)");
		if (!parse_port(colon + 1, (size_t)(v + n - colon - 1), &t->port))
			return fail(why, cap, "dns:ADDR:PORT: the port must be 1..65535");
	} else if (!parse_addr(v, n, 0, &t->addr)) {
		return fail(why, cap,
			    "dns:ADDR[:PORT][/NAME]: not an IPv4 or IPv6 address (no host names; "
			    "an IPv6 address with a port goes in brackets)");
	}
	if (!slash)
		strcpy(t->qname, ".");
	else if ((r = qname_check(slash + 1, t->qname)))
		return fail(why, cap, "dns:ADDR/NAME: %s", r);
	t->kind = PROBE_DNS;
	return check_allowed("dns:ADDR", &t->addr, why, cap);
}

static int parse_block(const char *v, struct probe_target *t, char *why, size_t cap)
{
	const char *slash = strchr(v, '/');
	struct bgp_prefix *p = &t->block;
	unsigned len = 0;
	uint32_t a, host;
	const char *r;

	if (!slash)
		return fail(why, cap,
			    "block:PREFIX: expected ADDR/LENGTH, e.g. block:192.0.2.0/24");
	if (!parse_addr(v, (size_t)(slash - v), 0, &p->addr))
		return fail(why, cap, "block:PREFIX: not an address before '/'");
	if (p->addr.family != 4)
		return fail(why, cap, "block:PREFIX is IPv4 (IPv6 blocks are too sparse to sweep)");
	if (!slash[1] || strlen(slash + 1) > 2 ||
	    strspn(slash + 1, "0123456789") != strlen(slash + 1))
		return fail(why, cap, "block:PREFIX: the length must be 16..32");
	for (const char *d = slash + 1; *d; d++)
		len = len * 10 + (unsigned)(*d - '0');
	if (len < 16 || len > 32)
		return fail(why, cap,
			    "block:PREFIX is /16 to /32 (at most 256 /24 blocks), not /%u", len);
	p->len = (uint8_t)len;
	a = (uint32_t)p->addr.b[0] << 24 | (uint32_t)p->addr.b[1] << 16 |
	    (uint32_t)p->addr.b[2] << 8 | p->addr.b[3];
	host = len == 32 ? 0 : a & (0xffffffffu >> len);
	if (host) {
		uint32_t net = a & ~(0xffffffffu >> len);
		return fail(why, cap,
			    "block:PREFIX: host bits set after /%u (meant block:%u.%u.%u.%u/%u?)",
			    len, net >> 24, net >> 16 & 0xff, net >> 8 & 0xff, net & 0xff, len);
	}
	/* a /16 or longer lies within one /8, so its first address tells */
	if (!probe_addr_allowed(&p->addr, &r))
		return fail(why, cap, "block:PREFIX: lies in %s, never probed", r);
	if (len == 32 && (p->addr.b[3] == 0 || p->addr.b[3] == 255))
		return fail(why, cap,
			    "block:PREFIX: .0 and .255 are never probed, so this /32 is empty");
	t->kind = PROBE_BLOCK;
	return 0;
}

/*
 * parse_url() - an http(s) URL, kept as written.  Of its authority: a host
 * is there, a port if any is 1..65535, an address literal is one we may
 * probe.
 */
static int parse_url(const char *v, struct probe_target *t, char *why, size_t cap)
{
	size_t n = strlen(v), skip = strncasecmp(v, "https://", 8) ? 7 : 8;
	const char *auth = v + skip, *end, *host, *host_end, *at;
	struct bgp_addr a;
	struct in_addr in;
	char buf[PROBE_URL_MAX + 1];

	if (n > PROBE_URL_MAX)
		return fail(why, cap, "a URL is at most %d characters", PROBE_URL_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return fail(why, cap,
				    "a URL has no blanks and only printable ASCII (percent-encode "
				    "the rest)");
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	host = auth;
	while (at) {
		/* user:password@host: the host is after the last '@' */
		host = at + 1;
		at = memchr(host, '@', (size_t)(end - host));
	}
	if (host < end && *host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));
		if (!close || !parse_addr(host + 1, (size_t)(close - host - 1), 6, &a))
			return fail(why, cap, "a URL: not an IPv6 address inside [ ]");
		if (check_allowed("a URL", &a, why, cap))
			return LO_EINVAL;
		host_end = close + 1;
		if (host_end != end && *host_end != ':')
			return fail(why, cap, "a URL: expected ':PORT' or '/' after ']'");
	} else {
		host_end = memchr(host, ':', (size_t)(end - host));
		if (!host_end)
			host_end = end;
		if (host_end == host)
			return fail(why, cap, "a URL needs a host");
		memcpy(buf, host, (size_t)(host_end - host));
		buf[host_end - host] = 0;
		if (inet_aton(buf, &in)) {
			memset(&a, 0, sizeof(a));
			a.family = 4;
			memcpy(a.b, &in.s_addr, 4);
			if (check_allowed("a URL", &a, why, cap))
				return LO_EINVAL;
		}
	}
	if (host_end != end) {
		uint16_t port;
		if (!parse_port(host_end + 1, (size_t)(end - host_end - 1), &port))
			return fail(why, cap, "a URL: the port must be 1..65535");
	}
	memcpy(t->url, v, n + 1);
	t->kind = PROBE_HTTP;
	return 0;
}

int probe_target_parse(const char *spec, struct probe_target *t, char *why, size_t cap)
{
	/* kinds are lower case, as written in the docs; URL schemes are
	 * case-insensitive (RFC 3986 §3.1) */
	static const struct {
		const char *prefix;
		bool keep; /* the prefix is part of the value (URLs) */
		int (*parse)(const char *, struct probe_target *, char *, size_t);
	} forms[] = {
		{"icmp:", false, parse_icmp}, {"tcp:", false, parse_tcp},
		{"dns:", false, parse_dns},   {"block:", false, parse_block},
		{"http://", true, parse_url}, {"https://", true, parse_url},
	};
	struct probe_target tmp;

	if (!spec || !t)
		return fail(why, cap, "%s", TARGET_FORMS);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t pl = strlen(forms[i].prefix);
		if (forms[i].keep ? strncasecmp(spec, forms[i].prefix, pl)
				  : strncmp(spec, forms[i].prefix, pl))
			continue;
		memset(&tmp, 0, sizeof(tmp));
		if (forms[i].parse(forms[i].keep ? spec : spec + pl, &tmp, why, cap))
			return LO_EINVAL;
		*t = tmp;
		return 0;
	}
	return fail(why, cap, "%s", TARGET_FORMS);
}
