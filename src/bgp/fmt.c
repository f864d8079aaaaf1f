/*
 * DOC: text forms of BGP values — addresses, AS paths, communities — written
 * to be byte-identical with what bgpdump prints (its IPv6 form compresses
 * the longest zero run even when it is a single group, and prints
 * IPv4-mapped and IPv4-compatible addresses with a dotted quad).  These are
 * on the hot path of `mrt -m`, so they avoid printf.
 */
#include "bgp/bgp.h"

#include <string.h>

size_t bgp_fmt_u32(uint32_t v, char *out)
{
	char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

size_t bgp_fmt_ipv4(const uint8_t b[4], char *out)
{
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		n += bgp_fmt_u32(b[i], out + n);
		out[n++] = '.';
	}
	out[--n] = 0;
	return n;
}

static const char hexd[] = "0123456789abcdef";

size_t bgp_fmt_ipv6(const uint8_t b[16], char *out)
{
	static const uint8_t zero12[12];
	int zr[8], best = -1, bestlen = 0, run = 0;
	size_t n = 0;

	if (memcmp(b, zero12, 10) == 0 &&
	    ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0))) {
		bool mapped = b[10] == 0xff;
		/* IN6_IS_ADDR_V4COMPAT excludes :: and ::1 */
		bool compat = !mapped && (b[12] | b[13] | b[14]) != 0 ? true
			      : !mapped && b[15] > 1		      ? true
								      : false;
		if (mapped || compat) {
			memcpy(out, mapped ? "::ffff:" : "::", mapped ? 7 : 2);
			n = mapped ? 7 : 2;
			return n + bgp_fmt_ipv4(b + 12, out + n);
		}
	}
	for (int i = 7; i >= 0; i--) {
		run = (b[2 * i] | b[2 * i + 1]) == 0 ? run + 1 : 0;
		zr[i] = run;
	}
	for (int i = 0; i < 8; i++)
		if (zr[i] > bestlen) {
			best = i;
			bestlen = zr[i];
		}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			if (i == 0)
				out[n++] = ':';
			out[n++] = ':';
			i += bestlen - 1;
			continue;
		}
		uint8_t hi = b[2 * i], lo = b[2 * i + 1];
		if (hi >> 4)
			out[n++] = hexd[hi >> 4];
		if (hi)
			out[n++] = hexd[hi & 15];
		if (hi || (lo >> 4))
			out[n++] = hexd[lo >> 4];
		out[n++] = hexd[lo & 15];
		if (i != 7)
			out[n++] = ':';
	}
	out[n] = 0;
	return n;
}

size_t bgp_fmt_addr(const struct bgp_addr *a, char *out)
{
	if (a->family == 6)
		return bgp_fmt_ipv6(a->b, out);
	return bgp_fmt_ipv4(a->b, out);
}

int bgp_aspath_count(const uint8_t *p, size_t len, unsigned asn_size)
{
	struct cur c = cur_make(p, len);
	int count = 0;

	while (!cur_empty(&c)) {
		uint8_t type, n;
		if (cur_u8(&c, &type) || cur_u8(&c, &n))
			return -1;
		if (type < BGP_AS_SET || type > BGP_AS_CONFED_SET)
			return -1;
		if (cur_skip(&c, (size_t)n * asn_size))
			return -1;
		count += (type == BGP_AS_SET || type == BGP_AS_CONFED_SET) ? 1 : n;
	}
	return count;
}

uint32_t bgp_aspath_origin(const uint8_t *p, size_t len, unsigned asn_size)
{
	struct cur c = cur_make(p, len);
	uint32_t last = 0;

	while (!cur_empty(&c)) {
		uint8_t type, n;
		if (cur_u8(&c, &type) || cur_u8(&c, &n) || cur_left(&c) < (size_t)n * asn_size)
			return 0;
		if (n == 0)
			continue;
		const uint8_t *q = c.p + (size_t)(n - 1) * asn_size;
		uint32_t v = asn_size == 4 ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
						     (uint32_t)q[2] << 8 | q[3]
					   : (uint32_t)q[0] << 8 | q[1];
		last = type == BGP_AS_SEQUENCE ? v : 0;
		c.p += (size_t)n * asn_size;
	}
	return last;
}

static char seg_open(uint8_t t)
{
	return t == BGP_AS_SET		     ? '{'
	       : t == BGP_AS_CONFED_SET	     ? '['
	       : t == BGP_AS_CONFED_SEQUENCE ? '('
					     : ' ';
}

static char seg_close(uint8_t t)
{
	return t == BGP_AS_SET		     ? '}'
	       : t == BGP_AS_CONFED_SET	     ? ']'
	       : t == BGP_AS_CONFED_SEQUENCE ? ')'
					     : ' ';
}

#define ASPATH_MAX 8000 /* the reference tool's limit, after which it prints "..." */

size_t bgp_aspath_fmt(const uint8_t *p, size_t len, unsigned asn_size, char *out, size_t cap)
{
	static const char errstr[] = "! Error !";
	const uint8_t *pnt = p, *end = p + len;
	uint8_t prev = BGP_AS_SEQUENCE, last = 0;
	bool space = false, any = false;
	size_t pos = 0;

	if (cap < ASPATH_MAX + 16)
		return 0;
	while (pnt < end) {
		if (end - pnt < 2)
			goto error;
		uint8_t type = pnt[0], n = pnt[1];
		if (type < BGP_AS_SET || type > BGP_AS_CONFED_SET)
			goto error;
		if ((size_t)(end - pnt) < 2 + (size_t)n * asn_size)
			goto error;
		if (prev != BGP_AS_SEQUENCE)
			out[pos++] = seg_close(prev);
		if (space)
			out[pos++] = ' ';
		if (type != BGP_AS_SEQUENCE)
			out[pos++] = seg_open(type);
		space = false;
		const uint8_t *q = pnt + 2;
		for (unsigned i = 0; i < n; i++, q += asn_size) {
			if (space)
				out[pos++] = (type == BGP_AS_SET || type == BGP_AS_CONFED_SET)
						     ? ','
						     : ' ';
			else
				space = true;
			uint32_t v = asn_size == 4 ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
							     (uint32_t)q[2] << 8 | q[3]
						   : (uint32_t)q[0] << 8 | q[1];
			pos += bgp_fmt_u32(v, out + pos);
			if (pos > ASPATH_MAX - 100) {
				memcpy(out + pos, "...", 4);
				return pos + 3;
			}
		}
		prev = type;
		last = type;
		any = true;
		pnt += 2 + (size_t)n * asn_size;
	}
	if (any && last != BGP_AS_SEQUENCE)
		out[pos++] = seg_close(last);
	out[pos] = 0;
	return pos;
error:
	memcpy(out, errstr, sizeof(errstr));
	return sizeof(errstr) - 1;
}

#define COMM_BUFSIZ 8192 /* the reference tool formats into BUFSIZ bytes */

size_t bgp_communities_fmt(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t pos = 0, limit = (cap < COMM_BUFSIZ ? cap : COMM_BUFSIZ) - 1;

	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t v = (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 |
			     (uint32_t)p[i + 2] << 8 | p[i + 3];
		const char *wk = NULL;
		char tmp[16];
		size_t n;

		if (v == 0xFFFFFF01u)
			wk = " no-export";
		else if (v == 0xFFFFFF02u)
			wk = " no-advertise";
		else if (v == 0xFFFFFF03u)
			wk = " local-AS";
		if (wk) {
			/* well-known names are appended whole or not at all */
			n = strlen(wk);
			if (pos + n > limit)
				continue;
			memcpy(out + pos, wk, n);
			pos += n;
			continue;
		}
		tmp[0] = ' ';
		n = 1 + bgp_fmt_u32(v >> 16, tmp + 1);
		tmp[n++] = ':';
		n += bgp_fmt_u32(v & 0xffff, tmp + n);
		if (pos + n > limit)
			n = limit - pos; /* numbers are cut to fit, like snprintf */
		memcpy(out + pos, tmp, n);
		pos += n;
	}
	out[pos] = 0;
	return pos;
}

size_t bgp_large_communities_fmt(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t pos = 0;

	for (size_t i = 0; i + 12 <= len; i += 12) {
		if (pos + 36 >= cap)
			break;
		for (int k = 0; k < 3; k++) {
			const uint8_t *q = p + i + 4 * k;
			out[pos++] = k ? ':' : ' ';
			pos += bgp_fmt_u32((uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
						   (uint32_t)q[2] << 8 | q[3],
					   out + pos);
		}
	}
	out[pos] = 0;
	return pos;
}
