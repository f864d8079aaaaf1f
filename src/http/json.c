/*
 * DOC: JSON output (RFC 8259) into a capped lo_buf: strings escaped,
 * invalid UTF-8 replaced, numbers never NaN or infinite, and the event
 * object of DESIGN.md §3 shared by the API and `lightsout events`.
 */
#include "http/http_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

/* utf8_len() - length of the valid UTF-8 sequence at @p (at most @n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	unsigned v = c & (0x3f >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return len;
}

int http_json_str(struct lo_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	/* worst case 6 bytes per input byte (\u00XX), plus quotes */
	int rc = lo_buf_grow(b, n * 6 + 2);
	if (rc)
		return rc;
	char *o = b->p + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
			i++;
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
			i++;
		} else if (c < 0x80) {
			*o++ = (char)c;
			i++;
		} else {
			size_t l = utf8_len(p + i, n - i);
			if (l) {
				memcpy(o, p + i, l);
				o += l;
				i += l;
			} else { /* not UTF-8: U+FFFD, and go on */
				memcpy(o, "\\ufffd", 6);
				o += 6;
				i++;
			}
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	b->p[b->len] = 0;
	return 0;
}

int http_json_g(struct lo_buf *b, double v)
{
	if (!isfinite(v))
		return lo_buf_add(b, "null", 4);
	return lo_buf_printf(b, "%g", v);
}

/* u64 in decimal without printf: series answers hold many of them. */
static size_t fmt_u64(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

int http_json_i64(struct lo_buf *b, int64_t v)
{
	int rc = lo_buf_grow(b, 21);
	if (rc)
		return rc;
	char *o = b->p + b->len;
	if (v < 0) {
		*o++ = '-';
		o += fmt_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		o += fmt_u64(o, (uint64_t)v);
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = 0;
	return 0;
}

int http_json_num(struct lo_buf *b, double v)
{
	if (!isfinite(v))
		return lo_buf_add(b, "null", 4);
	/* counts and levels are whole numbers: print them exactly and fast */
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return http_json_i64(b, (int64_t)v);
	return lo_buf_printf(b, "%.12g", v);
}

int http_json_time(struct lo_buf *b, int64_t t)
{
	char iso[32];
	if (!lo_time_iso(t, iso, sizeof(iso)))
		return lo_buf_add(b, "null", 4);
	return lo_buf_printf(b, "\"%s\"", iso);
}

int http_json_event(struct lo_buf *b, const struct store_event_row *r)
{
	int rc = lo_buf_printf(b, "{\"id\":%" PRId64 ",\"entity\":", r->id);
	rc = rc ? rc : http_json_str(b, r->entity);
	rc = rc ? rc : lo_buf_add(b, ",\"signal\":", 10);
	rc = rc ? rc : http_json_str(b, r->signal);
	rc = rc ? rc : lo_buf_add(b, ",\"kind\":", 8);
	rc = rc ? rc : http_json_str(b, r->kind);
	rc = rc ? rc : lo_buf_add(b, ",\"severity\":", 12);
	rc = rc ? rc : http_json_str(b, r->severity);
	rc = rc ? rc : lo_buf_add(b, ",\"start\":", 9);
	rc = rc ? rc : http_json_time(b, r->start);
	rc = rc ? rc : lo_buf_add(b, ",\"end\":", 7);
	if (r->end) {
		rc = rc ? rc : http_json_time(b, r->end);
		rc = rc ? rc : lo_buf_printf(b, ",\"duration_s\":%" PRId64, r->end - r->start);
	} else {
		rc = rc ? rc : lo_buf_printf(b, "null,\"duration_s\":null");
	}
	rc = rc ? rc : lo_buf_add(b, ",\"baseline\":", 12);
	rc = rc ? rc : http_json_g(b, r->baseline);
	rc = rc ? rc : lo_buf_add(b, ",\"min\":", 7);
	rc = rc ? rc : http_json_g(b, r->min);
	rc = rc ? rc : lo_buf_add(b, ",\"score\":", 9);
	rc = rc ? rc : http_json_g(b, r->score);
	rc = rc ? rc : lo_buf_printf(b, ",\"incident\":%" PRId64 ",\"detail\":", r->incident);
	/* the detail is JSON the detectors wrote */
	rc = rc ? rc : lo_buf_printf(b, "%s}", r->detail && *r->detail ? r->detail : "{}");
	return rc;
}

int http_prom_label(struct lo_buf *b, const char *s)
{
	int rc = lo_buf_add(b, "\"", 1);
	for (const char *p = s ? s : ""; *p && !rc; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\\' || c == '"')
			rc = lo_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			rc = lo_buf_add(b, "\\n", 2);
		else if (c < 0x20 || c >= 0x7f) /* keep the text ASCII */
			rc = lo_buf_add(b, "?", 1);
		else
			rc = lo_buf_add(b, p, 1);
	}
	return rc ? rc : lo_buf_add(b, "\"", 1);
}
