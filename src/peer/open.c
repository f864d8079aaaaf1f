/*
 * DOC: the OPEN message: the one we send and the checks of the one we get.
 *
 * Ours (RFC 4271 §4.2): version 4, our ASN (AS_TRANS when it needs 4
 * octets, RFC 6793 §3), the configured hold time and BGP identifier, and
 * one Capabilities optional parameter (RFC 5492) with what peer_opts.caps
 * offers: multiprotocol IPv4 and IPv6 unicast (RFC 4760), route refresh
 * (RFC 2918) and enhanced route refresh (RFC 7313), extended messages
 * (RFC 8654), graceful restart with the R bit and no address families —
 * awareness / helper only (RFC 4724) —, 4-octet AS (RFC 6793) and ADD-PATH
 * receive for IPv4 and IPv6 unicast (RFC 7911).
 *
 * Theirs (RFC 4271 §6.2), in this order: version (Unsupported Version
 * Number, data = 4), the optional parameters including RFC 9072 extended
 * ones (only type 2 is known: others give Unsupported Optional Parameter;
 * broken framing or a malformed capability that changes the encoding of
 * later messages — multiprotocol, 4-octet AS, ADD-PATH, extended
 * messages — gives subcode 0, Unspecific), the peer AS (Bad Peer AS: the
 * 4-octet AS from the capability, else My Autonomous System, must equal the
 * configured one; AS 0 never does, RFC 7607), the hold time (0 or at least
 * 3, else Unacceptable Hold Time) and the BGP identifier (Bad BGP Identifier
 * when zero, or equal to ours from an internal peer: RFC 6286 §2.2).
 * Unknown capabilities are ignored (RFC 5492 §3), as is a malformed
 * graceful restart capability and an ADD-PATH tuple with an unknown
 * Send/Receive value (RFC 7911 §4: the capability is ignored).
 */
#include "peer/peer_int.h"

#include <stdio.h>

size_t peer_open_build(const struct peer *p, uint8_t *out, size_t cap)
{
	const struct peer_opts *o = &p->opts;
	uint8_t caps[64];
	size_t n = 0, len;

	if (o->caps & PEER_CAP_MP_IPV4) {
		const uint8_t c[] = {CAP_MP, 4, 0, BGP_AFI_IP, 0, BGP_SAFI_UNICAST};
		memcpy(caps + n, c, sizeof(c)), n += sizeof(c);
	}
	if (o->caps & PEER_CAP_MP_IPV6) {
		const uint8_t c[] = {CAP_MP, 4, 0, BGP_AFI_IP6, 0, BGP_SAFI_UNICAST};
		memcpy(caps + n, c, sizeof(c)), n += sizeof(c);
	}
	if (o->caps & PEER_CAP_ROUTE_REFR)
		caps[n++] = CAP_ROUTE_REFRESH, caps[n++] = 0;
	if (o->caps & PEER_CAP_ENH_REFRESH)
		caps[n++] = CAP_ENH_REFRESH, caps[n++] = 0;
	if (o->caps & PEER_CAP_EXT_MSG)
		caps[n++] = CAP_EXT_MESSAGE, caps[n++] = 0;
	if (o->caps & PEER_CAP_GR) {
		/* R bit (0x8 in the flag nibble), restart time, no AFI/SAFI */
		caps[n++] = CAP_GR;
		caps[n++] = 2;
		caps[n++] = (uint8_t)(0x80 | ((o->gr_restart_time >> 8) & 0x0f));
		caps[n++] = (uint8_t)o->gr_restart_time;
	}
	if (o->caps & PEER_CAP_AS4) {
		caps[n++] = CAP_AS4;
		caps[n++] = 4;
		put32(caps + n, o->local_asn);
		n += 4;
	}
	if (o->caps & (PEER_CAP_ADDPATH_IPV4 | PEER_CAP_ADDPATH_IPV6)) {
		size_t l = n + 1;
		caps[n++] = CAP_ADDPATH;
		caps[n++] = 0;
		if (o->caps & PEER_CAP_ADDPATH_IPV4) {
			const uint8_t c[] = {0, BGP_AFI_IP, BGP_SAFI_UNICAST, 1};
			memcpy(caps + n, c, 4), n += 4;
		}
		if (o->caps & PEER_CAP_ADDPATH_IPV6) {
			const uint8_t c[] = {0, BGP_AFI_IP6, BGP_SAFI_UNICAST, 1};
			memcpy(caps + n, c, 4), n += 4;
		}
		caps[l] = (uint8_t)(n - l - 1);
	}

	len = PEER_HDR_LEN + 10 + (n ? 2 + n : 0);
	if (len > cap)
		return 0;
	peer_hdr(out, len, BGP_MSG_OPEN);
	out[19] = 4;
	put16(out + 20, o->local_asn > 0xffff ? BGP_AS_TRANS : (uint16_t)o->local_asn);
	put16(out + 22, o->hold_time);
	memcpy(out + 24, o->router_id, 4);
	out[28] = (uint8_t)(n ? 2 + n : 0);
	if (n) {
		out[29] = 2; /* Capabilities */
		out[30] = (uint8_t)n;
		memcpy(out + 31, caps, n);
	}
	return len;
}

/* What the capabilities said, before negotiation. */
struct peer_caps_seen {
	bool any_mp, mp_ipv4, mp_ipv6;
	bool as4;
	uint32_t as4_asn;
	bool addpath_send_ipv4, addpath_send_ipv6;
	bool ext_msg, rr, err, gr;
};

static int bad(struct peer_notif *n, uint8_t sub, char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int bad(struct peer_notif *n, uint8_t sub, char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	peer_notif_set(n, PEER_ERR_OPEN, sub, NULL, 0);
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return LO_ECORRUPT;
}

/* One capability: 0, or LO_ECORRUPT with *what naming the malformed one. */
static int cap_one(uint8_t code, const uint8_t *v, uint8_t len, struct peer_caps_seen *s,
		   struct peer_neg *neg, const char **what)
{
	struct cur c = cur_make(v, len);

	switch (code) {
	case CAP_MP: {
		uint16_t afi;
		uint8_t res, safi;
		if (len != 4 || cur_be16(&c, &afi) || cur_u8(&c, &res) || cur_u8(&c, &safi)) {
			*what = "multiprotocol";
			return LO_ECORRUPT;
		}
		s->any_mp = true;
		if (afi == BGP_AFI_IP && safi == BGP_SAFI_UNICAST)
			s->mp_ipv4 = true;
		if (afi == BGP_AFI_IP6 && safi == BGP_SAFI_UNICAST)
			s->mp_ipv6 = true;
		break;
	}
	case CAP_ROUTE_REFRESH:
	case CAP_ROUTE_REFRESH_OLD:
		s->rr = true;
		break;
	case CAP_ENH_REFRESH:
		s->err = true;
		break;
	case CAP_EXT_MESSAGE:
		if (len != 0) {
			*what = "extended message";
			return LO_ECORRUPT;
		}
		s->ext_msg = true;
		break;
	case CAP_AS4:
		if (len != 4 || cur_be32(&c, &s->as4_asn)) {
			*what = "4-octet AS";
			return LO_ECORRUPT;
		}
		s->as4 = true;
		break;
	case CAP_ADDPATH: {
		bool v4 = false, v6 = false;
		if (len == 0 || len % 4) {
			*what = "ADD-PATH";
			return LO_ECORRUPT;
		}
		while (!cur_empty(&c)) {
			uint16_t afi;
			uint8_t safi, sr;
			if (cur_be16(&c, &afi) || cur_u8(&c, &safi) || cur_u8(&c, &sr))
				return LO_ECORRUPT; /* not reached: len % 4 == 0 */
			if (sr < 1 || sr > 3)
				return 0; /* RFC 7911 §4: ignore the capability */
			if (afi == BGP_AFI_IP && safi == BGP_SAFI_UNICAST)
				v4 = sr & 2;
			if (afi == BGP_AFI_IP6 && safi == BGP_SAFI_UNICAST)
				v6 = sr & 2;
		}
		s->addpath_send_ipv4 = v4;
		s->addpath_send_ipv6 = v6;
		break;
	}
	case CAP_GR: {
		uint16_t ft;
		if (len < 2 || (len - 2) % 4 || cur_be16(&c, &ft))
			break; /* malformed: ignored, no graceful restart */
		s->gr = true;
		neg->gr_flags = (uint8_t)(ft >> 12);
		neg->gr_time = ft & 0x0fff;
		neg->n_gr_afi = 0;
		while (!cur_empty(&c)) {
			uint16_t afi;
			uint8_t safi, fl;
			if (cur_be16(&c, &afi) || cur_u8(&c, &safi) || cur_u8(&c, &fl))
				break;
			if (neg->n_gr_afi < PEER_MAX_GR_AFI) {
				struct peer_gr_afi *a = &neg->gr_afi[neg->n_gr_afi++];
				a->afi = afi;
				a->safi = safi;
				a->forwarding = fl & 0x80;
			}
		}
		break;
	}
	}
	return 0;
}

/*
 * The Capabilities optional parameter @c: LO_ETRUNC when its framing is
 * broken, LO_ECORRUPT with *what naming a malformed capability.
 */
static int caps_walk(struct cur *c, struct peer_caps_seen *s, struct peer_neg *neg,
		     const char **what)
{
	while (!cur_empty(c)) {
		uint8_t code, len;
		const uint8_t *v;
		if (cur_u8(c, &code) || cur_u8(c, &len) || cur_bytes(c, len, &v))
			return LO_ETRUNC;
		if (neg->n_caps < PEER_MAX_CAPS) {
			struct bgp_cap *cap = &neg->caps[neg->n_caps++];
			cap->code = code;
			cap->len = len;
			cap->value = v;
		} else if (neg->dropped_caps < UINT16_MAX) {
			neg->dropped_caps++;
		}
		if (cap_one(code, v, len, s, neg, what))
			return LO_ECORRUPT;
	}
	return 0;
}

int peer_open_check(const struct peer *p, const uint8_t *msg, size_t len, struct peer_neg *neg,
		    struct peer_notif *n, char *why, size_t why_len)
{
	const struct peer_opts *o = &p->opts;
	struct cur c = cur_make(msg, len), params;
	struct peer_caps_seen s;
	uint8_t version, optlen;
	uint16_t my_as, plen;
	bool ext = false;
	const char *what = NULL;

	memset(neg, 0, sizeof(*neg));
	memset(&s, 0, sizeof(s));
	if (cur_skip(&c, PEER_HDR_LEN) || cur_u8(&c, &version) || cur_be16(&c, &my_as) ||
	    cur_be16(&c, &neg->peer_hold) || cur_copy(&c, neg->peer_id, 4) || cur_u8(&c, &optlen))
		return bad(n, 0, why, why_len, "OPEN too short");
	if (version != 4) {
		static const uint8_t v4[2] = {0, 4};
		bad(n, 1, why, why_len, "unsupported version %u", version);
		peer_notif_set(n, PEER_ERR_OPEN, 1, v4, 2);
		return LO_ECORRUPT;
	}
	plen = optlen;
	if (optlen == 255 && cur_left(&c) >= 1 && c.p[0] == 255) {
		/* RFC 9072: Non-Ext OP Type 255, then the 2-octet Extended OP Len */
		uint8_t t;
		if (cur_u8(&c, &t) || cur_be16(&c, &plen))
			return bad(n, 0, why, why_len, "extended optional parameters truncated");
		ext = true;
	}
	if (cur_sub(&c, plen, &params) || !cur_empty(&c))
		return bad(n, 0, why, why_len,
			   "optional parameters length %u does not match the message", plen);
	while (!cur_empty(&params)) {
		uint8_t type, l8 = 0;
		uint16_t l = 0;
		struct cur v;
		int rc = cur_u8(&params, &type);
		if (!rc && ext)
			rc = cur_be16(&params, &l);
		else if (!rc)
			rc = cur_u8(&params, &l8), l = l8;
		if (rc)
			return bad(n, 0, why, why_len, "optional parameter truncated");
		if (cur_sub(&params, l, &v))
			return bad(n, 0, why, why_len, "optional parameter %u overruns the list",
				   type);
		if (type != 2)
			return bad(n, 4, why, why_len, "unsupported optional parameter %u", type);
		int rc2 = caps_walk(&v, &s, neg, &what);
		if (rc2 == LO_ETRUNC)
			return bad(n, 0, why, why_len, "a capability overruns its parameter");
		if (rc2)
			return bad(n, 0, why, why_len, "malformed %s capability", what);
	}

	neg->peer_asn = s.as4 ? s.as4_asn : my_as;
	if (neg->peer_asn != o->remote_asn)
		return bad(n, 2, why, why_len, "bad peer AS %u (expected %u)", neg->peer_asn,
			   o->remote_asn);
	if (neg->peer_hold == 1 || neg->peer_hold == 2)
		return bad(n, 6, why, why_len, "unacceptable hold time %u", neg->peer_hold);
	neg->ibgp = neg->peer_asn == o->local_asn;
	if (!memcmp(neg->peer_id, "\0\0\0\0", 4) ||
	    (neg->ibgp && !memcmp(neg->peer_id, o->router_id, 4))) {
		char id[BGP_ADDR_STRLEN];
		bgp_fmt_ipv4(neg->peer_id, id);
		return bad(n, 3, why, why_len, "bad BGP identifier %s", id);
	}

	/* negotiation */
	bool ours_mp = o->caps & (PEER_CAP_MP_IPV4 | PEER_CAP_MP_IPV6);
	neg->hold = neg->peer_hold < o->hold_time ? neg->peer_hold : o->hold_time;
	neg->keepalive = neg->hold / 3;
	neg->as4 = s.as4 && (o->caps & PEER_CAP_AS4);
	neg->asn_size = neg->as4 ? 4 : 2;
	neg->ipv4 = (s.any_mp ? s.mp_ipv4 : true) && (ours_mp ? o->caps & PEER_CAP_MP_IPV4 : true);
	neg->ipv6 = s.mp_ipv6 && (o->caps & PEER_CAP_MP_IPV6);
	neg->addpath_ipv4 = s.addpath_send_ipv4 && (o->caps & PEER_CAP_ADDPATH_IPV4);
	neg->addpath_ipv6 = s.addpath_send_ipv6 && (o->caps & PEER_CAP_ADDPATH_IPV6);
	neg->ext_msg = s.ext_msg && (o->caps & PEER_CAP_EXT_MSG);
	neg->max_msg = neg->ext_msg ? PEER_MAX_EXT_MSG : PEER_MAX_MSG;
	neg->route_refresh = s.rr;
	neg->enh_refresh = s.err;
	neg->gr = s.gr;
	if (!s.gr)
		neg->n_gr_afi = 0;
	return 0;
}
