/*
 * DOC: text forms of BGP values — addresses, AS paths, communities — written
 * to be byte-identical with what bgpdump prints (its IPv6 form compresses
 * the longest zero run even when it is a single group, and prints
 * IPv4-mapped and IPv4-compatible addresses with a dotted quad).  These are
 * on the hot path of `mrt -m`, so they avoid printf.
 */
#include "bgp/bgp.h"

#include <string.h>

static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

size_t bgp_fmt_u32(uint32_t v, char *out)
{
	char tmp[10];
	size_t n = 10;

	while (v >= 100) {
		uint32_t q = v / 100, r = v - q * 100;
		n -= 2;
		memcpy(tmp + n, digits2 + 2 * r, 2);
		v = q;
	}
	if (v >= 10) {
		n -= 2;
		memcpy(tmp + n, digits2 + 2 * v, 2);
	} else {
		tmp[--n] = (char)('0' + v);
	}
	memcpy(out, tmp + n, 10 - n);
	return 10 - n;
}

/* "0." .. "255." with their lengths, so an IPv4 address is four copies. */
static const struct {
	char s[4];
	uint8_t n;
} octets[256] = {
	{"0.", 2},   {"1.", 2},	  {"2.", 2},   {"3.", 2},   {"4.", 2},	 {"5.", 2},   {"6.", 2},
	{"7.", 2},   {"8.", 2},	  {"9.", 2},   {"10.", 3},  {"11.", 3},	 {"12.", 3},  {"13.", 3},
	{"14.", 3},  {"15.", 3},  {"16.", 3},  {"17.", 3},  {"18.", 3},	 {"19.", 3},  {"20.", 3},
	{"21.", 3},  {"22.", 3},  {"23.", 3},  {"24.", 3},  {"25.", 3},	 {"26.", 3},  {"27.", 3},
	{"28.", 3},  {"29.", 3},  {"30.", 3},  {"31.", 3},  {"32.", 3},	 {"33.", 3},  {"34.", 3},
	{"35.", 3},  {"36.", 3},  {"37.", 3},  {"38.", 3},  {"39.", 3},	 {"40.", 3},  {"41.", 3},
	{"42.", 3},  {"43.", 3},  {"44.", 3},  {"45.", 3},  {"46.", 3},	 {"47.", 3},  {"48.", 3},
	{"49.", 3},  {"50.", 3},  {"51.", 3},  {"52.", 3},  {"53.", 3},	 {"54.", 3},  {"55.", 3},
	{"56.", 3},  {"57.", 3},  {"58.", 3},  {"59.", 3},  {"60.", 3},	 {"61.", 3},  {"62.", 3},
	{"63.", 3},  {"64.", 3},  {"65.", 3},  {"66.", 3},  {"67.", 3},	 {"68.", 3},  {"69.", 3},
	{"70.", 3},  {"71.", 3},  {"72.", 3},  {"73.", 3},  {"74.", 3},	 {"75.", 3},  {"76.", 3},
	{"77.", 3},  {"78.", 3},  {"79.", 3},  {"80.", 3},  {"81.", 3},	 {"82.", 3},  {"83.", 3},
	{"84.", 3},  {"85.", 3},  {"86.", 3},  {"87.", 3},  {"88.", 3},	 {"89.", 3},  {"90.", 3},
	{"91.", 3},  {"92.", 3},  {"93.", 3},  {"94.", 3},  {"95.", 3},	 {"96.", 3},  {"97.", 3},
	{"98.", 3},  {"99.", 3},  {"100.", 4}, {"101.", 4}, {"102.", 4}, {"103.", 4}, {"104.", 4},
	{"105.", 4}, {"106.", 4}, {"107.", 4}, {"108.", 4}, {"109.", 4}, {"110.", 4}, {"111.", 4},
	{"112.", 4}, {"113.", 4}, {"114.", 4}, {"115.", 4}, {"116.", 4}, {"117.", 4}, {"118.", 4},
	{"119.", 4}, {"120.", 4}, {"121.", 4}, {"122.", 4}, {"123.", 4}, {"124.", 4}, {"125.", 4},
	{"126.", 4}, {"127.", 4}, {"128.", 4}, {"129.", 4}, {"130.", 4}, {"131.", 4}, {"132.", 4},
	{"133.", 4}, {"134.", 4}, {"135.", 4}, {"136.", 4}, {"137.", 4}, {"138.", 4}, {"139.", 4},
	{"140.", 4}, {"141.", 4}, {"142.", 4}, {"143.", 4}, {"144.", 4}, {"145.", 4}, {"146.", 4},
	{"147.", 4}, {"148.", 4}, {"149.", 4}, {"150.", 4}, {"151.", 4}, {"152.", 4}, {"153.", 4},
	{"154.", 4}, {"155.", 4}, {"156.", 4}, {"157.", 4}, {"158.", 4}, {"159.", 4}, {"160.", 4},
	{"161.", 4}, {"162.", 4}, {"163.", 4}, {"164.", 4}, {"165.", 4}, {"166.", 4}, {"167.", 4},
	{"168.", 4}, {"169.", 4}, {"170.", 4}, {"171.", 4}, {"172.", 4}, {"173.", 4}, {"174.", 4},
	{"175.", 4}, {"176.", 4}, {"177.", 4}, {"178.", 4}, {"179.", 4}, {"180.", 4}, {"181.", 4},
	{"182.", 4}, {"183.", 4}, {"184.", 4}, {"185.", 4}, {"186.", 4}, {"187.", 4}, {"188.", 4},
	{"189.", 4}, {"190.", 4}, {"191.", 4}, {"192.", 4}, {"193.", 4}, {"194.", 4}, {"195.", 4},
	{"196.", 4}, {"197.", 4}, {"198.", 4}, {"199.", 4}, {"200.", 4}, {"201.", 4}, {"202.", 4},
	{"203.", 4}, {"204.", 4}, {"205.", 4}, {"206.", 4}, {"207.", 4}, {"208.", 4}, {"209.", 4},
	{"210.", 4}, {"211.", 4}, {"212.", 4}, {"213.", 4}, {"214.", 4}, {"215.", 4}, {"216.", 4},
	{"217.", 4}, {"218.", 4}, {"219.", 4}, {"220.", 4}, {"221.", 4}, {"222.", 4}, {"223.", 4},
	{"224.", 4}, {"225.", 4}, {"226.", 4}, {"227.", 4}, {"228.", 4}, {"229.", 4}, {"230.", 4},
	{"231.", 4}, {"232.", 4}, {"233.", 4}, {"234.", 4}, {"235.", 4}, {"236.", 4}, {"237.", 4},
	{"238.", 4}, {"239.", 4}, {"240.", 4}, {"241.", 4}, {"242.", 4}, {"243.", 4}, {"244.", 4},
	{"245.", 4}, {"246.", 4}, {"247.", 4}, {"248.", 4}, {"249.", 4}, {"250.", 4}, {"251.", 4},
	{"252.", 4}, {"253.", 4}, {"254.", 4}, {"255.", 4},
};

size_t bgp_fmt_ipv4(const uint8_t b[4], char *out)
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		memcpy(out + n, octets[b[i]].s, 4);
		n += octets[b[i]].n;
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
	const uint8_t *pnt = p, *end = p ? p + len : p;
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
