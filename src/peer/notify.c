/*
 * DOC: NOTIFICATION messages: names of error codes and subcodes (RFC 4271
 * §4.5 and §6, RFC 4486 / RFC 8538 Cease subcodes, RFC 6608 FSM error
 * subcodes, RFC 7313), building a NOTIFICATION, and the RFC 9003 shutdown
 * communication carried by Cease / administrative shutdown and reset.
 */
#include "peer/peer_int.h"

#include <stdio.h>
#include <string.h>

static const char *const code_names[] = {
	NULL,
	"message header error",
	"OPEN message error",
	"UPDATE message error",
	"hold timer expired",
	"finite state machine error",
	"cease",
	"route-refresh message error",
};

static const char *const header_sub[] = {
	NULL,
	"connection not synchronized",
	"bad message length",
	"bad message type",
};

static const char *const open_sub[] = {
	NULL,
	"unsupported version number",
	"bad peer AS",
	"bad BGP identifier",
	"unsupported optional parameter",
	"authentication failure",
	"unacceptable hold time",
	"unsupported capability",
	NULL,
	NULL,
	NULL,
	"role mismatch",
};

static const char *const update_sub[] = {
	NULL,
	"malformed attribute list",
	"unrecognized well-known attribute",
	"missing well-known attribute",
	"attribute flags error",
	"attribute length error",
	"invalid ORIGIN attribute",
	"AS routing loop",
	"invalid NEXT_HOP attribute",
	"optional attribute error",
	"invalid network field",
	"malformed AS_PATH",
};

static const char *const fsm_sub[] = {
	NULL,
	"unexpected message in OpenSent state",
	"unexpected message in OpenConfirm state",
	"unexpected message in Established state",
};

static const char *const cease_sub[] = {
	NULL,
	"maximum number of prefixes reached",
	"administrative shutdown",
	"peer de-configured",
	"administrative reset",
	"connection rejected",
	"other configuration change",
	"connection collision resolution",
	"out of resources",
	"hard reset",
	"BFD down",
};

static const char *const rr_sub[] = {
	NULL,
	"invalid message length",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *sub_name(uint8_t code, uint8_t sub)
{
	const char *const *t = NULL;
	size_t n = 0;

	switch (code) {
	case PEER_ERR_HEADER:
		t = header_sub, n = N(header_sub);
		break;
	case PEER_ERR_OPEN:
		t = open_sub, n = N(open_sub);
		break;
	case PEER_ERR_UPDATE:
		t = update_sub, n = N(update_sub);
		break;
	case PEER_ERR_FSM:
		t = fsm_sub, n = N(fsm_sub);
		break;
	case PEER_ERR_CEASE:
		t = cease_sub, n = N(cease_sub);
		break;
	case PEER_ERR_ROUTE_REFRESH:
		t = rr_sub, n = N(rr_sub);
		break;
	}
	return t && sub < n ? t[sub] : NULL;
}

const char *peer_notify_name(uint8_t code, uint8_t subcode, char *buf, size_t n)
{
	const char *c = code < N(code_names) ? code_names[code] : NULL;
	const char *s = sub_name(code, subcode);

	if (!n)
		return buf;
	if (!c)
		snprintf(buf, n, "error code %u/%u", code, subcode);
	else if (subcode == 0)
		snprintf(buf, n, "%s", c);
	else if (s)
		snprintf(buf, n, "%s/%s", c, s);
	else
		snprintf(buf, n, "%s/subcode %u", c, subcode);
	return buf;
}

void peer_notif_set(struct peer_notif *n, uint8_t code, uint8_t subcode, const void *data,
		    size_t len)
{
	n->code = code;
	n->subcode = subcode;
	if (len > sizeof(n->data))
		len = sizeof(n->data);
	if (len)
		memcpy(n->data, data, len);
	n->len = (uint16_t)len;
}

size_t peer_notif_build(const struct peer_notif *n, uint8_t *out, size_t cap)
{
	size_t len = PEER_HDR_LEN + 2 + n->len;

	if (len > cap)
		return 0;
	peer_hdr(out, len, BGP_MSG_NOTIFICATION);
	out[19] = n->code;
	out[20] = n->subcode;
	memcpy(out + 21, n->data, n->len);
	return len;
}

/*
 * Length of the valid UTF-8 sequence at @p (at most @n bytes), or 0 when
 * the bytes there are not one (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF).
 */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t len;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t peer_shutdown_encode(const char *text, uint8_t *out)
{
	const uint8_t *t = (const uint8_t *)(text ? text : "");
	size_t n = strlen((const char *)t), len = 0;

	/* keep whole characters only, up to 255 bytes (RFC 9003 §2) */
	while (len < n) {
		size_t l = utf8_len(t + len, n - len);
		if (!l || len + l > 255)
			break;
		len += l;
	}
	out[0] = (uint8_t)len;
	memcpy(out + 1, t, len);
	return len + 1;
}

int peer_shutdown_text(const uint8_t *data, size_t len, char *buf, size_t n)
{
	size_t o = 0, have, i = 0;
	int rc;

	if (!n)
		return 0;
	buf[0] = 0;
	if (len == 0 || data[0] == 0)
		return len > 1 ? LO_ECORRUPT : 0;
	have = len - 1;
	rc = data[0] == have ? 1 : LO_ECORRUPT;
	if (have > data[0])
		have = data[0];
	data++;
	while (i < have && o + 5 < n) {
		size_t l = utf8_len(data + i, have - i);
		if (l == 1 && data[i] >= 0x20 && data[i] != 0x7f && data[i] != '\\') {
			buf[o++] = (char)data[i];
		} else if (l > 1 && o + l < n) {
			memcpy(buf + o, data + i, l);
			o += l;
		} else if (l > 1) {
			break;
		} else {
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", data[i]);
			l = 1;
		}
		i += l;
	}
	buf[o] = 0;
	return rc;
}
