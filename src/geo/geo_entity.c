/*
 * DOC: entity specs (DESIGN.md §3) — country:CC, asn:N, prefix:P,
 * group:NAME — parsed strictly, with messages that say what is wrong.
 * Groups are only named here; their members come from the config file.
 */
#include "geo/geo.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

static int einval(struct lo_err *err, const char *spec, const char *why)
{
	return lo_err_set(err, LO_EINVAL, LO_NOOFF, "entity '%.64s': %s", spec, why);
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int parse_country(struct geo_entity *e, const char *spec, const char *v, struct lo_err *err)
{
	if (strlen(v) != 2 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z')
		return einval(
			err, spec,
			"a country is two upper-case letters (ISO 3166-1 alpha-2), e.g. country:KP");
	memcpy(e->cc, v, 3);
	return 0;
}

static int parse_asn(struct geo_entity *e, const char *spec, const char *v, struct lo_err *err)
{
	size_t n = strlen(v);
	uint64_t x = 0;

	if (!all_digits(v, n) || n > 10)
		return einval(err, spec,
			      "an ASN is a decimal number 1..4294967295, e.g. asn:131279");
	for (size_t i = 0; i < n; i++)
		x = x * 10 + (uint64_t)(v[i] - '0');
	if (x == 0 || x > UINT32_MAX)
		return einval(err, spec, "ASN out of range 1..4294967295");
	e->asn = (uint32_t)x;
	return 0;
}

static int parse_prefix(struct geo_entity *e, const char *spec, const char *v, struct lo_err *err)
{
	const char *slash = strchr(v, '/');
	char addr[64];
	size_t alen = slash ? (size_t)(slash - v) : 0;
	struct bgp_prefix *p = &e->prefix;
	unsigned width, len = 0;
	bool host = false;

	if (!slash || alen == 0 || alen >= sizeof(addr))
		return einval(err, spec, "a prefix is ADDRESS/LENGTH, e.g. prefix:175.45.176.0/22");
	memcpy(addr, v, alen);
	addr[alen] = 0;
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, addr, p->addr.b) == 1)
		p->addr.family = 4;
	else if (inet_pton(AF_INET6, addr, p->addr.b) == 1)
		p->addr.family = 6;
	else
		return einval(err, spec, "not an IPv4 or IPv6 address before '/'");
	width = p->addr.family == 4 ? 32 : 128;
	if (!all_digits(slash + 1, strlen(slash + 1)) || strlen(slash + 1) > 3 ||
	    (len = (unsigned)strtoul(slash + 1, NULL, 10)) > width)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF,
				  "entity '%.64s': prefix length must be 0..%u", spec, width);
	p->len = (uint8_t)len;
	for (unsigned bit = len; bit < width; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));
		if (p->addr.b[bit / 8] & m) {
			host = true;
			p->addr.b[bit / 8] &= (uint8_t)~m;
		}
	}
	if (host) {
		char txt[64];
		bgp_fmt_addr(&p->addr, txt);
		return lo_err_set(
			err, LO_EINVAL, LO_NOOFF,
			"entity '%.64s': host bits set after /%u (did you mean prefix:%s/%u?)",
			spec, len, txt, len);
	}
	return 0;
}

static int parse_group(struct geo_entity *e, const char *spec, const char *v, struct lo_err *err)
{
	size_t n = strlen(v);

	if (n == 0 || n > GEO_GROUP_MAX)
		return einval(err, spec, "a group name is 1 to 64 characters");
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return einval(err, spec,
				      "a group name has only letters, digits, '_' and '-'");
	}
	memcpy(e->group, v, n + 1);
	return 0;
}

int geo_entity_parse(struct geo_entity *e, const char *spec, struct lo_err *err)
{
	static const struct {
		const char *kind;
		enum geo_entity_kind k;
		int (*parse)(struct geo_entity *, const char *, const char *, struct lo_err *);
	} kinds[] = {
		{"country", GEO_ENT_COUNTRY, parse_country},
		{"asn", GEO_ENT_ASN, parse_asn},
		{"prefix", GEO_ENT_PREFIX, parse_prefix},
		{"group", GEO_ENT_GROUP, parse_group},
	};
	const char *colon = strchr(spec, ':');

	memset(e, 0, sizeof(*e));
	if (!colon)
		return einval(err, spec,
			      "expected KIND:VALUE with KIND country, asn, prefix or group");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strlen(kinds[i].kind) == (size_t)(colon - spec) &&
		    !memcmp(kinds[i].kind, spec, (size_t)(colon - spec))) {
			int rc = kinds[i].parse(e, spec, colon + 1, err);
			if (rc)
				memset(e, 0, sizeof(*e));
			else
				e->kind = kinds[i].k;
			return rc;
		}
	}
	return einval(err, spec, "unknown kind (use country:, asn:, prefix: or group:)");
}

size_t geo_entity_fmt(const struct geo_entity *e, char *out, size_t cap)
{
	char txt[64];
	int n;

	switch (e->kind) {
	case GEO_ENT_COUNTRY:
		n = snprintf(out, cap, "country:%s", e->cc);
		break;
	case GEO_ENT_ASN:
		n = snprintf(out, cap, "asn:%u", e->asn);
		break;
	case GEO_ENT_PREFIX:
		bgp_fmt_addr(&e->prefix.addr, txt);
		n = snprintf(out, cap, "prefix:%s/%u", txt, e->prefix.len);
		break;
	case GEO_ENT_GROUP:
		n = snprintf(out, cap, "group:%s", e->group);
		break;
	default:
		n = snprintf(out, cap, "?");
		break;
	}
	return n < 0 ? 0 : (size_t)n;
}
