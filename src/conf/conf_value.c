/*
 * DOC: conf values — strict parsers for the value of one key: numbers,
 * booleans, addresses (inet_pton only: no host names, no DNS at load time),
 * ADDR:PORT endpoints, prefixes (through geo_entity_parse(), so the config
 * and the command line agree on what a prefix is), section names, geo
 * sources and probe targets.
 */
#include "conf/conf_int.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

const char *conf_val_uint(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (!*v)
		return "not a number";
	for (const char *s = v; *s; s++) {
		if (*s < '0' || *s > '9')
			return "not a whole decimal number";
		uint64_t d = (uint64_t)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return "out of range";
		x = x * 10 + d;
	}
	if (x < min || x > max)
		return "out of range";
	*out = x;
	return NULL;
}

const char *conf_val_double(const char *v, double min, double max, bool min_open, double *out)
{
	char *end;
	double x;

	if (!*v)
		return "not a number";
	/* strtod also takes inf, nan, hex floats and leading blanks: not here */
	for (const char *s = v; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' || *s == 'E' ||
		      *s == '+' || *s == '-'))
			return "not a decimal number";
	x = strtod(v, &end);
	if (end == v || *end || !isfinite(x))
		return "not a decimal number";
	if (x > max || x < min || (min_open && x == min))
		return "out of range";
	*out = x;
	return NULL;
}

const char *conf_val_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return NULL;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return NULL;
		}
	}
	return "not a boolean (yes/no, true/false, on/off, 1/0)";
}

const char *conf_val_addr(const char *v, struct bgp_addr *out)
{
	struct bgp_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, v, a.b) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, v, a.b) == 1)
		a.family = 6;
	else
		return "not an IPv4 or IPv6 address";
	*out = a;
	return NULL;
}

const char *conf_val_endpoint(const char *v, struct conf_endpoint *out)
{
	struct conf_endpoint e;
	char addr[64];
	const char *port;
	size_t alen;
	uint64_t p;

	memset(&e, 0, sizeof(e));
	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (!close || close[1] != ':')
			return "expected [IPV6]:PORT";
		alen = (size_t)(close - v - 1);
		if (alen == 0 || alen >= sizeof(addr))
			return "expected [IPV6]:PORT";
		memcpy(addr, v + 1, alen);
		addr[alen] = 0;
		if (inet_pton(AF_INET6, addr, e.addr.b) != 1)
			return "not an IPv6 address inside [ ]";
		e.addr.family = 6;
		port = close + 2;
	} else {
		const char *colon = strrchr(v, ':');
		if (!colon)
			return "expected ADDR:PORT (or [IPV6]:PORT)";
		alen = (size_t)(colon - v);
		if (memchr(v, ':', alen))
			return "an IPv6 address goes in brackets: [ADDR]:PORT";
		if (alen == 0 || alen >= sizeof(addr))
			return "expected ADDR:PORT (or [IPV6]:PORT)";
		memcpy(addr, v, alen);
		addr[alen] = 0;
		if (inet_pton(AF_INET, addr, e.addr.b) != 1)
			return "not an IPv4 address before ':PORT' (no host names)";
		e.addr.family = 4;
		port = colon + 1;
	}
	if (conf_val_uint(port, 1, 65535, &p))
		return "the port must be 1..65535";
	e.port = (uint16_t)p;
	*out = e;
	return NULL;
}

int conf_val_prefix(const char *v, struct bgp_prefix *out, char *why, size_t cap)
{
	struct geo_entity e;
	struct lo_err err;
	char spec[128];
	const char *reason;

	lo_err_clear(&err);
	if ((size_t)snprintf(spec, sizeof(spec), "prefix:%s", v) >= sizeof(spec)) {
		snprintf(why, cap, "not a prefix");
		return LO_EINVAL;
	}
	if (geo_entity_parse(&e, spec, &err)) {
		/* drop geo's "entity 'prefix:...': " lead-in: the caller names the key */
		reason = strstr(err.msg, "': ");
		snprintf(why, cap, "%s", reason ? reason + 3 : err.msg);
		return LO_EINVAL;
	}
	*out = e.prefix;
	return 0;
}

const char *conf_val_name(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > CONF_NAME_MAX)
		return "a name is 1 to 64 characters";
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return "a name has only letters, digits, '_' and '-'";
	}
	return NULL;
}

const char *conf_val_geo_source(const char *v)
{
	if (!strcmp(v, "libloc"))
		return NULL;
	if ((!strncmp(v, "libloc:", 7) && v[7]) || (!strncmp(v, "rir:", 4) && v[4]))
		return NULL;
	return "a geo source is libloc, libloc:PATH or rir:PATH";
}

int conf_val_probe_target(const char *v, struct conf_probe *p, char *why, size_t cap)
{
	int rc = probe_target_parse(v, &p->t, why, cap);

	if (rc)
		return rc;
	p->kind = (enum conf_probe_kind)p->t.kind;
	p->addr = p->t.addr;
	p->port = p->t.port;
	p->block = p->t.block;
	return 0;
}

bool conf_addr_eq(const struct bgp_addr *a, const struct bgp_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, sizeof(a->b));
}

bool conf_endpoint_eq(const struct conf_endpoint *a, const struct conf_endpoint *b)
{
	return a->port == b->port && conf_addr_eq(&a->addr, &b->addr);
}

bool conf_prefix_eq(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->len == b->len && conf_addr_eq(&a->addr, &b->addr);
}

size_t conf_endpoint_fmt(const struct conf_endpoint *e, char *out, size_t cap)
{
	char a[BGP_ADDR_STRLEN];
	int n;

	bgp_fmt_addr(&e->addr, a);
	if (e->addr.family == 6)
		n = snprintf(out, cap, "[%s]:%u", a, (unsigned)e->port);
	else
		n = snprintf(out, cap, "%s:%u", a, (unsigned)e->port);
	return n < 0 ? 0 : (size_t)n;
}
