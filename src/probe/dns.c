/*
 * DOC: dns — the one DNS query a probe sends and the reading of its answer
 * (RFC 1035 §4.1), without sockets.
 *
 * The query asks for type A of the name (SOA for the root), class IN,
 * recursion desired, no EDNS.  The answer must be a response (QR) to a
 * standard query with exactly one question, the one asked: the same name
 * (ASCII case-insensitively, RFC 4343), type and class.  Then every
 * resource record of the answer, authority and additional sections is
 * walked, so that one that runs past the message is caught; their data is
 * not read.  Bytes after the last record are ignored.
 *
 * Names (RFC 1035 §4.1.4): a compression pointer must point backward, to
 * a name after the header, and at most DNS_MAX_JUMPS are followed per
 * name; an uncompressed name is at most 255 bytes.  A backward pointer
 * can still loop (into the middle of its own name): the jump cap ends it.
 * Label types 0x40 and 0x80 (RFC 6891 §5 retired the extended ones) are
 * malformed.
 *
 * Not here: the ID (the engine matches it), EDNS extended RCODEs, what the
 * records say.
 */
#include "probe/probe.h"

#define DNS_HDR	      12
#define DNS_MAX_JUMPS 64
#define DNS_NAME_MAX  255 /* wire bytes of an uncompressed name */

enum {
	DNS_TYPE_A = 1,
	DNS_TYPE_SOA = 6,
	DNS_CLASS_IN = 1,
	DNS_FLAG_QR = 0x8000,
	DNS_FLAG_AA = 0x0400,
	DNS_FLAG_TC = 0x0200,
	DNS_FLAG_RD = 0x0100,
};

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/*
 * name_encode() - @qname in wire form into @out (DNS_NAME_MAX bytes): its
 * length, or LO_EINVAL.  "." is the root; one final dot is allowed.
 */
static int name_encode(const char *qname, uint8_t *out)
{
	size_t n, len = 0, start;

	if (!qname || !*qname)
		return LO_EINVAL;
	if (!strcmp(qname, ".")) {
		out[0] = 0;
		return 1;
	}
	n = strlen(qname);
	if (qname[n - 1] == '.')
		n--;
	if (n > PROBE_QNAME_MAX)
		return LO_EINVAL;
	for (start = 0; start <= n;) {
		const char *dot = memchr(qname + start, '.', n - start);
		size_t l = dot ? (size_t)(dot - qname) - start : n - start;
		if (l == 0 || l > 63)
			return LO_EINVAL;
		out[len++] = (uint8_t)l;
		memcpy(out + len, qname + start, l);
		len += l;
		start += l + 1;
	}
	out[len++] = 0;
	return (int)len;
}

int probe_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *qname)
{
	uint8_t name[DNS_NAME_MAX];
	uint16_t qtype;
	int nl;

	if ((nl = name_encode(qname, name)) < 0)
		return nl;
	if (!buf || cap < DNS_HDR + (size_t)nl + 4)
		return LO_ETOOBIG;
	qtype = nl == 1 ? DNS_TYPE_SOA : DNS_TYPE_A;
	memset(buf, 0, DNS_HDR);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = DNS_FLAG_RD >> 8;
	buf[5] = 1; /* QDCOUNT */
	memcpy(buf + DNS_HDR, name, (size_t)nl);
	buf[DNS_HDR + nl] = 0;
	buf[DNS_HDR + nl + 1] = (uint8_t)qtype;
	buf[DNS_HDR + nl + 2] = 0;
	buf[DNS_HDR + nl + 3] = DNS_CLASS_IN;
	return DNS_HDR + nl + 4;
}

/*
 * name_read() - the name at @c in message @msg (@len bytes), in wire form
 * without compression and in lower case, into @out (DNS_NAME_MAX bytes,
 * may be NULL); @c is left after the name as written (after its first
 * pointer).
 */
static int name_read(const uint8_t *msg, size_t len, struct cur *c, uint8_t *out, size_t *outlen)
{
	struct cur n = *c;
	unsigned jumps = 0;
	bool jumped = false;
	size_t wl = 0;
	uint8_t l, lo;
	int rc;

	for (;;) {
		size_t at = (size_t)(n.p - msg);
		if ((rc = cur_u8(&n, &l)))
			return rc;
		if ((l & 0xc0) == 0xc0) {
			size_t ptr;
			if ((rc = cur_u8(&n, &lo)))
				return rc;
			ptr = (size_t)(l & 0x3f) << 8 | lo;
			if (!jumped)
				*c = n;
			jumped = true;
			if (++jumps > DNS_MAX_JUMPS || ptr >= at || ptr < DNS_HDR)
				return LO_ECORRUPT;
			n = cur_make(msg + ptr, len - ptr);
			continue;
		}
		if (l & 0xc0)
			return LO_ECORRUPT;
		if (wl + 1 + l > DNS_NAME_MAX)
			return LO_ECORRUPT;
		if (out)
			out[wl] = l;
		wl++;
		if (l == 0)
			break;
		if (cur_left(&n) < l)
			return LO_ETRUNC;
		for (unsigned i = 0; i < l; i++)
			if (out)
				out[wl + i] = lower(n.p[i]);
		cur_skip(&n, l);
		wl += l;
	}
	if (!jumped)
		*c = n;
	if (outlen)
		*outlen = wl;
	return 0;
}

int probe_dns_parse(const uint8_t *msg, size_t len, const char *qname, struct probe_dns_reply *out)
{
	struct cur c = cur_make(msg, len);
	uint16_t id, flags, qd, an, ns, ar, qtype, qclass;
	uint8_t want[DNS_NAME_MAX], got[DNS_NAME_MAX];
	size_t gl;
	int wl, rc;

	memset(out, 0, sizeof(*out));
	if ((wl = name_encode(qname, want)) < 0)
		return wl;
	for (int i = 0; i < wl; i++)
		want[i] = lower(want[i]);
	if (cur_be16(&c, &id) || cur_be16(&c, &flags) || cur_be16(&c, &qd) || cur_be16(&c, &an) ||
	    cur_be16(&c, &ns) || cur_be16(&c, &ar))
		return LO_ETRUNC;
	/* a response (QR) to a standard query (opcode 0), one question; an
	 * error (FORMERR, REFUSED ...) may come without it (RFC 1035 leaves it
	 * to the server, and some drop it): then the ID alone matches it */
	if (!(flags & DNS_FLAG_QR) || (flags >> 11 & 0xf) != 0 || qd > 1 ||
	    (qd == 0 && !(flags & 0xf)))
		return LO_ECORRUPT;
	if (qd == 0) {
		out->id = id;
		out->rcode = (uint8_t)(flags & 0xf);
		out->aa = flags & DNS_FLAG_AA;
		out->tc = flags & DNS_FLAG_TC;
		return 0;
	}
	if ((rc = name_read(msg, len, &c, got, &gl)))
		return rc;
	if (cur_be16(&c, &qtype) || cur_be16(&c, &qclass))
		return LO_ETRUNC;
	if (gl != (size_t)wl || memcmp(got, want, gl) ||
	    qtype != (wl == 1 ? DNS_TYPE_SOA : DNS_TYPE_A) || qclass != DNS_CLASS_IN)
		return LO_ECORRUPT;
	for (uint32_t i = 0; i < (uint32_t)an + ns + ar; i++) {
		uint16_t rdlen;
		/* owner name, type, class, TTL, RDLENGTH, RDATA */
		if ((rc = name_read(msg, len, &c, NULL, NULL)))
			return rc;
		if (cur_skip(&c, 8) || cur_be16(&c, &rdlen) || cur_skip(&c, rdlen))
			return LO_ETRUNC;
	}
	out->id = id;
	out->rcode = (uint8_t)(flags & 0xf);
	out->aa = flags & DNS_FLAG_AA;
	out->tc = flags & DNS_FLAG_TC;
	out->answers = an;
	return 0;
}
