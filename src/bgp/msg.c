/*
 * DOC: BGP messages other than UPDATE: OPEN with its capabilities (RFC 4271
 * §4.2, RFC 5492, RFC 9072 extended parameter length), NOTIFICATION (§4.5)
 * and ROUTE-REFRESH (RFC 2918, RFC 7313).  Values are borrowed.
 */
#include "bgp/bgp.h"

#include <string.h>

enum {
	CAP_MP = 1,
	CAP_ROUTE_REFRESH = 2,
	CAP_EXT_MESSAGE = 6,
	CAP_AS4 = 65,
	CAP_ADDPATH = 69,
};

static int parse_caps(struct bgp_open *o, struct cur *c)
{
	while (!cur_empty(c)) {
		uint8_t code, len;
		const uint8_t *v;
		if (cur_u8(c, &code) || cur_u8(c, &len) || cur_bytes(c, len, &v))
			return LO_ETRUNC;
		if (o->n_caps < BGP_MAX_CAPS) {
			struct bgp_cap *cap = &o->caps[o->n_caps++];
			cap->code = code;
			cap->len = len;
			cap->value = v;
		} else {
			o->dropped_caps++;
		}
		switch (code) {
		case CAP_AS4:
			if (len != 4)
				return LO_ECORRUPT;
			o->as4 = true;
			o->asn = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 |
				 v[3];
			break;
		case CAP_ROUTE_REFRESH:
			o->route_refresh = true;
			break;
		case CAP_EXT_MESSAGE:
			o->ext_message = true;
			break;
		case CAP_ADDPATH:
			/* AFI(2) SAFI(1) send/receive(1) tuples; bit 1 = receive */
			if (len % 4)
				return LO_ECORRUPT;
			for (unsigned i = 0; i < len; i += 4)
				if (v[i + 3] & 1)
					o->addpath_rx = true;
			break;
		}
	}
	return 0;
}

int bgp_open_parse(struct bgp_open *o, const uint8_t *p, size_t len)
{
	struct cur c = cur_make(p, len);
	uint8_t optlen;
	uint16_t plen;

	memset(o, 0, sizeof(*o));
	if (cur_u8(&c, &o->version) || cur_be16(&c, &o->my_as) || cur_be16(&c, &o->hold_time) ||
	    cur_copy(&c, o->bgp_id, 4) || cur_u8(&c, &optlen))
		return LO_ETRUNC;
	o->asn = o->my_as;
	if (o->version != 4)
		return LO_ECORRUPT;
	bool extended = false;
	plen = optlen;
	if (optlen == 255 && cur_left(&c) >= 3 && c.p[0] == 255) {
		/* RFC 9072: non-extended type 255, then a 2-byte length */
		uint8_t t;
		cur_u8(&c, &t);
		cur_be16(&c, &plen);
		extended = true;
	}
	struct cur params;
	if (cur_sub(&c, plen, &params))
		return LO_ETRUNC;
	while (!cur_empty(&params)) {
		uint8_t type;
		uint16_t l;
		if (cur_u8(&params, &type))
			return LO_ETRUNC;
		if (extended) {
			if (cur_be16(&params, &l))
				return LO_ETRUNC;
		} else {
			uint8_t l8;
			if (cur_u8(&params, &l8))
				return LO_ETRUNC;
			l = l8;
		}
		struct cur v;
		if (cur_sub(&params, l, &v))
			return LO_ETRUNC;
		if (type == 2) { /* capabilities */
			int rc = parse_caps(o, &v);
			if (rc)
				return rc;
		}
	}
	return cur_empty(&c) ? 0 : LO_ECORRUPT;
}

int bgp_notification_parse(struct bgp_notification *n, const uint8_t *p, size_t len)
{
	struct cur c = cur_make(p, len);

	memset(n, 0, sizeof(*n));
	if (cur_u8(&c, &n->code) || cur_u8(&c, &n->subcode))
		return LO_ETRUNC;
	n->data = c.p;
	n->len = (uint16_t)cur_left(&c);
	return n->code >= 1 && n->code <= 6 ? 0 : LO_ECORRUPT;
}

int bgp_route_refresh_parse(struct bgp_route_refresh *rr, const uint8_t *p, size_t len)
{
	struct cur c = cur_make(p, len);

	if (cur_be16(&c, &rr->afi) || cur_u8(&c, &rr->subtype) || cur_u8(&c, &rr->safi))
		return LO_ETRUNC;
	return cur_empty(&c) ? 0 : LO_ECORRUPT;
}
