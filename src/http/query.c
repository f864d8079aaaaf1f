/*
 * DOC: what a request may say, checked before anything reads the store:
 * the query string (application/x-www-form-urlencoded, as URL.searchParams
 * writes it), each parameter's syntax and range, the static file path, and
 * the listen address.  Every check fails with a message meant for the
 * client; nothing here allocates.
 */
#include "http/http_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "bgp/bgp.h"
#include "geo/geo.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* decode() - percent-decode [@p, @end) into @out; its length, or -1 on a bad escape or byte. */
static long decode(const char *p, const char *end, char *out)
{
	char *o = out;
	while (p < end) {
		int c = (unsigned char)*p++;
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = p < end ? hexval((unsigned char)p[0]) : -1;
			int lo = p + 1 < end ? hexval((unsigned char)p[1]) : -1;
			if (hi < 0 || lo < 0)
				return -1;
			c = hi << 4 | lo;
			p += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		*o++ = (char)c;
	}
	*o = 0;
	return (long)(o - out);
}

static bool valid_name(const char *s)
{
	size_t n = 0;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return false;
	return n >= 1 && n <= HTTP_NAME_MAX;
}

int http_query_parse(struct http_query *q, const char *s, struct lo_err *err)
{
	q->n = 0;
	q->used = 0;
	q->buf[0] = 0;
	if (!s)
		return 0;
	size_t len = strlen(s);
	if (len > HTTP_QUERY_MAX)
		return lo_err_set(err, LO_ETOOBIG, LO_NOOFF, "query string longer than %d bytes",
				  HTTP_QUERY_MAX);
	char *o = q->buf; /* decoding never makes anything longer */
	const char *p = s, *end = s + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		if (stop == p) { /* an empty piece */
			p = stop + 1;
			continue;
		}
		if (q->n == HTTP_PARAMS_MAX)
			return lo_err_set(err, LO_ETOOBIG, LO_NOOFF, "more than %d parameters",
					  HTTP_PARAMS_MAX);
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		long nl = decode(p, eq ? eq : stop, o);
		if (nl < 0)
			return lo_err_set(
				err, LO_EINVAL, (uint64_t)(p - s),
				"bad percent-encoding or control character in a parameter name");
		if (!valid_name(o))
			return lo_err_set(err, LO_EINVAL, (uint64_t)(p - s),
					  "bad parameter name (want [a-z_]{1,%d})", HTTP_NAME_MAX);
		for (unsigned i = 0; i < q->n; i++)
			if (!strcmp(q->name[i], o))
				return lo_err_set(err, LO_EINVAL, (uint64_t)(p - s),
						  "parameter '%s' given twice", o);
		q->name[q->n] = o;
		o += nl + 1;
		long vl = 0;
		if (eq && (vl = decode(eq + 1, stop, o)) < 0)
			return lo_err_set(err, LO_EINVAL, (uint64_t)(eq + 1 - s),
					  "bad percent-encoding or control character in '%s'",
					  q->name[q->n]);
		if (!eq)
			*o = 0;
		q->value[q->n++] = o;
		o += vl + 1;
		p = amp ? amp + 1 : end;
	}
	return 0;
}

static int find(const struct http_query *q, const char *name)
{
	for (unsigned i = 0; i < q->n; i++)
		if (!strcmp(q->name[i], name))
			return (int)i;
	return -1;
}

const char *http_query_get(struct http_query *q, const char *name)
{
	int i = find(q, name);
	if (i < 0)
		return NULL;
	q->used |= 1u << i;
	return q->value[i];
}

const char *http_query_unused(const struct http_query *q)
{
	for (unsigned i = 0; i < q->n; i++)
		if (!(q->used & (1u << i)))
			return q->name[i];
	return NULL;
}

static bool all_digits(const char *s, size_t max)
{
	size_t n = 0;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return false;
	return n >= 1 && n <= max;
}

int http_param_uint(struct http_query *q, const char *name, unsigned def, unsigned min,
		    unsigned max, unsigned *out, struct lo_err *err)
{
	const char *v = http_query_get(q, name);
	if (!v) {
		*out = def;
		return 0;
	}
	if (!all_digits(v, 10) || strtoull(v, NULL, 10) < min || strtoull(v, NULL, 10) > max)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: want a whole number from %u to %u",
				  name, min, max);
	*out = (unsigned)strtoull(v, NULL, 10);
	return 0;
}

/* iso_shape() - exactly YYYY-MM-DDTHH:MM:SS with an optional Z. */
static bool iso_shape(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;
	for (i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	}
	return !s[i] || (s[i] == 'Z' && !s[i + 1]);
}

int http_param_time(struct http_query *q, const char *name, int64_t def, int64_t *out,
		    struct lo_err *err)
{
	const char *v = http_query_get(q, name);
	int64_t t;
	if (!v) {
		*out = def;
		return 0;
	}
	if (!(all_digits(v, 12) || iso_shape(v)) || lo_time_parse(v, &t) || t < 0 ||
	    t > HTTP_TIME_MAX)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF,
				  "%s: want a time as YYYY-MM-DDTHH:MM:SSZ (UTC) or unix seconds",
				  name);
	*out = t;
	return 0;
}

int http_param_bool(struct http_query *q, const char *name, int def, int *out, struct lo_err *err)
{
	const char *v = http_query_get(q, name);
	if (!v)
		*out = def;
	else if (!strcmp(v, "1") || !strcmp(v, "true"))
		*out = 1;
	else if (!strcmp(v, "0") || !strcmp(v, "false"))
		*out = 0;
	else
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: want 0 or 1", name);
	return 0;
}

int http_param_word(struct http_query *q, const char *name, const char **out, struct lo_err *err)
{
	const char *v = http_query_get(q, name);
	*out = NULL;
	if (!v)
		return 0;
	size_t n = 0;
	for (const char *p = v; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '.'))
			return lo_err_set(err, LO_EINVAL, LO_NOOFF,
					  "%s: want lower-case letters, digits, '_' and '.'", name);
	if (n < 1 || n > 64)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: want 1 to 64 characters", name);
	*out = v;
	return 0;
}

int http_param_choice(struct http_query *q, const char *name, const char *const *choices, int def,
		      int *out, struct lo_err *err)
{
	const char *v = http_query_get(q, name);
	if (!v) {
		*out = def;
		return 0;
	}
	for (int i = 0; choices[i]; i++)
		if (!strcmp(v, choices[i])) {
			*out = i;
			return 0;
		}
	char list[128] = "";
	size_t n = 0;
	for (int i = 0; choices[i] && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      choices[i]);
	return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: want one of %s", name, list);
}

/* host:ADDR with the address in its canonical text form. */
static bool host_entity(const char *v, char *out, size_t cap)
{
	struct bgp_addr a = {0};
	char text[BGP_ADDR_STRLEN];
	if (strncmp(v, "host:", 5) || strlen(v + 5) >= INET6_ADDRSTRLEN)
		return false;
	if (inet_pton(AF_INET, v + 5, a.b) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, v + 5, a.b) == 1)
		a.family = 6;
	else
		return false;
	bgp_fmt_addr(&a, text);
	snprintf(out, cap, "host:%s", text);
	return true;
}

int http_param_entity(struct http_query *q, const char *name, bool required, char *out, size_t cap,
		      struct lo_err *err)
{
	const char *v = http_query_get(q, name);
	struct geo_entity e;
	struct lo_err perr;
	out[0] = 0;
	if (!v) {
		if (required)
			return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: required", name);
		return 0;
	}
	size_t n = strlen(v);
	if (n < 3 || n > HTTP_ENTITY_MAX || n >= cap || !strchr(v, ':'))
		return lo_err_set(err, LO_EINVAL, LO_NOOFF,
				  "%s: want an entity such as country:KP, asn:131279, "
				  "prefix:175.45.176.0/22, group:NAME, host:ADDR, hostgroup:NAME",
				  name);
	if (host_entity(v, out, cap))
		return 0;
	if (!strncmp(v, "host:", 5))
		return lo_err_set(err, LO_EINVAL, LO_NOOFF,
				  "%s: host:ADDR wants an IPv4 or IPv6 address", name);
	if (!strncasecmp(v, "country:", 8) || !strncmp(v, "asn:", 4) || !strncmp(v, "prefix:", 7) ||
	    !strncmp(v, "group:", 6)) {
		char tmp[HTTP_ENTITY_MAX + 1];
		memcpy(tmp, v, n + 1);
		if (!strncasecmp(tmp, "country:", 8)) { /* country:kp is country:KP */
			memcpy(tmp, "country:", 8);
			for (char *p = tmp + 8; *p; p++)
				*p = (char)toupper((unsigned char)*p);
		}
		if (geo_entity_parse(&e, tmp, &perr))
			return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: %s", name, perr.msg);
		geo_entity_fmt(&e, out, cap);
		return 0;
	}
	/* hostgroup:NAME and kinds to come: a plain, printable spec */
	for (const char *p = v; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr(":._/-", *p)))
			return lo_err_set(err, LO_EINVAL, LO_NOOFF,
					  "%s: an entity holds letters, digits and :._/- only",
					  name);
	memcpy(out, v, n + 1);
	return 0;
}

/* ---------------------------------------------------------------- static paths */

int http_path_clean(const char *path, char *out, size_t cap)
{
	if (!path || path[0] != '/' || cap < 2)
		return LO_EINVAL;
	size_t len = strlen(path);
	if (len > 1024)
		return LO_EINVAL;
	char dec[1025];
	/* decode, refusing encoded slashes, NUL and control characters */
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)path[i];
		if (c == '%') {
			int hi = i + 1 < len ? hexval((unsigned char)path[i + 1]) : -1;
			int lo = i + 2 < len ? hexval((unsigned char)path[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return LO_EINVAL;
			c = hi << 4 | lo;
			i += 2;
			if (c == '/')
				return LO_EINVAL;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			return LO_EINVAL;
		dec[n++] = (char)c;
	}
	dec[n] = 0;
	/* "/" and "/dir/" name the directory's index.html */
	const char *index = dec[n - 1] == '/' ? "index.html" : "";
	size_t o = 0;
	const char *p = dec + 1;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t sl = slash ? (size_t)(slash - p) : strlen(p);
		if (sl == 0 || p[0] == '.') /* "//", ".", "..", ".hidden" */
			return LO_EINVAL;
		if (o + sl + 1 >= cap)
			return LO_EINVAL;
		memcpy(out + o, p, sl);
		o += sl;
		if (slash)
			out[o++] = '/';
		p += sl + (slash ? 1 : 0);
	}
	size_t il = strlen(index);
	if (o + il + 1 > cap)
		return LO_EINVAL;
	memcpy(out + o, index, il + 1);
	return 0;
}

const char *http_content_type(const char *name)
{
	static const char *const types[][2] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".json", "application/json"},
		{".map", "application/json"},
		{".ico", "image/x-icon"},
		{".txt", "text/plain; charset=utf-8"},
		{".woff2", "font/woff2"},
	};
	const char *dot = strrchr(name, '.');
	if (!dot || strchr(dot, '/'))
		return NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i][0]))
			return types[i][1];
	return NULL;
}

/* ---------------------------------------------------------------- listen address */

int http_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port;
	memset(ss, 0, sizeof(*ss));
	if (!s)
		return LO_EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return LO_EINVAL;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = 0;
		port = close + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host) ||
		    memchr(s, ':', (size_t)(colon - s)))
			return LO_EINVAL;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
		port = colon + 1;
	}
	if (!all_digits(port, 5) || strtoul(port, NULL, 10) > 65535)
		return LO_EINVAL;
	uint16_t p = (uint16_t)strtoul(port, NULL, 10);
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		*len = sizeof(*sin6);
		return 0;
	}
	return LO_EINVAL;
}
