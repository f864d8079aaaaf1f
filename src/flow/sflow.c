/*
 * DOC: sflow — sflow_decode(): sFlow version 5 datagrams (sflow.org,
 * "sFlow Version 5", July 2004: the datagram, flow and counter sample
 * structures).
 *
 * Decoded (enterprise 0): flow samples (format 1) and expanded flow
 * samples (3) into one FLOW_DATA record each; counter samples (2) and
 * expanded counter samples (4) whose generic interface counters record
 * (counter format 1) becomes one FLOW_COUNTERS record.  In a flow sample:
 * the raw packet header (flow format 1, parsed by flow_hdr_parse() when
 * its header_protocol is Ethernet, IPv4 or IPv6), the IPv4 and IPv6 data
 * records (3, 4: used when there is no raw header with an IP packet) and
 * the extended gateway (1003: source AS, destination AS = the last AS of
 * the destination path).  Ethernet frame data (2), extended switch (1001)
 * and router (1002) records are known and skipped; samples of other
 * formats (discarded packets, vendors' samples) and flow records of other
 * formats are skipped and counted in st.skipped_samples.  Counter records
 * other than the generic ones are skipped without counting.
 *
 * The wire is XDR: big-endian 32-bit words, every opaque padded to 4
 * bytes, every length and count checked against what is left of its
 * container; a count larger than the bytes left ends at the end of its
 * container (a sample count of 10^9 costs one pass over the datagram).
 * A sample whose framing is within the datagram but whose contents are
 * malformed is skipped and the next one decoded; the error (the first one)
 * is returned after the good samples were delivered.  Framing that leaves
 * the datagram stops the decoding.
 *
 * A flow record is one packet of the raw header's frame_length bytes (the
 * IPv4/IPv6 data record's length without a raw header; stripped bytes are
 * not added back), sampled 1 in sampling_rate (0 read as 1); a flow
 * sample without a packet record (1, 3 or 4) yields no record.  @template
 * is the sample's source ID index (24 bits compact, 32 expanded).
 *
 * Interface numbers: a compact interface word is 2 bits of format and 30
 * of value (an expanded one a format word and a 32-bit value); only format
 * 0 (an ifIndex) is reported, and the value 0x3fffffff ("the device
 * itself") is reported as 0, as are discards and multiple output
 * interfaces.
 *
 * Not here: sFlow versions 2 and 4, discarded-packet samples (format 5),
 * MAC addresses and VLANs (flow_rec has no place for them), counter
 * records other than the generic interface counters.
 */
#include <stdarg.h>
#include <stdio.h>

#include "flow/flow_int.h"

#define SF_IF_LOCAL 0x3fffffffu /* format 0 value: no interface, the agent itself */

/* What one flow sample adds up to while its records are read. */
struct sf_flow {
	struct flow_rec r;
	bool have_hdr; /* a raw packet header record was seen */
	bool hdr_ip;   /* ... and flow_hdr_parse() found an IP header in it */
	bool have_ip;  /* an IPv4/IPv6 data record was seen */
	uint32_t ip_len;
	struct bgp_addr src, dst;
	uint8_t proto, tcp_flags;
	uint16_t sport, dport;
};

struct sf_dec {
	struct flow_dec *d;
	const uint8_t *base; /* the datagram's first byte, for offsets */
	struct flow_rec tmpl;
	flow_cb cb;
	void *ctx;
	int delivered;
	int bad;	    /* first sample error (LO_E*), 0 none */
	struct lo_err *err; /* may be NULL */
};

static uint64_t sf_off(const struct sf_dec *s, const struct cur *c)
{
	return (uint64_t)(c->p - s->base);
}

/*
 * sf_opaque() - the next XDR opaque<> of @c: a length word, the bytes as
 * @out, the padding skipped.  LO_ETRUNC when any of it is missing.
 */
static int sf_opaque(struct cur *c, struct cur *out)
{
	struct cur t = *c;
	uint32_t len;
	if (cur_be32(&t, &len))
		return LO_ETRUNC;
	size_t pad = (4 - (len & 3)) & 3;
	if (cur_left(&t) < pad || cur_left(&t) - pad < len)
		return LO_ETRUNC;
	cur_sub(&t, len, out);
	cur_skip(&t, pad);
	*c = t;
	return 0;
}

/* sf_addr() - an sFlow address: type 1 IPv4, 2 IPv6, 0 unknown (no bytes). */
static int sf_addr(struct cur *c, struct bgp_addr *a)
{
	uint32_t type;
	memset(a, 0, sizeof(*a));
	if (cur_be32(c, &type))
		return LO_ETRUNC;
	switch (type) {
	case 0:
		return 0;
	case 1:
		a->family = 4;
		return cur_copy(c, a->b, 4);
	case 2:
		a->family = 6;
		return cur_copy(c, a->b, 16);
	}
	return LO_ECORRUPT;
}

/* sf_if() - an interface (format, value) as an ifIndex, 0 when not one. */
static uint32_t sf_if(uint32_t format, uint32_t value)
{
	return format == 0 && value != SF_IF_LOCAL ? value : 0;
}

/* sf_bad() - a malformed sample or record: note the first error, return it. */
__attribute__((format(printf, 5, 6))) static int
sf_bad(struct sf_dec *s, int code, const struct cur *at, const char *what, const char *fmt, ...)
{
	if (!s->bad) {
		char msg[LO_ERR_MSG];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		s->bad = code;
		lo_err_set(s->err, code, sf_off(s, at), "sFlow %s: %s", what, msg);
	}
	return code;
}

/* sf_raw_header() - flow record 0:1, the sampled packet header. */
static int sf_raw_header(struct sf_dec *s, struct cur *c, struct sf_flow *f)
{
	uint32_t proto, frame_len, stripped;
	struct cur h;
	if (cur_be32(c, &proto) || cur_be32(c, &frame_len) || cur_be32(c, &stripped))
		return sf_bad(s, LO_ETRUNC, c, "raw packet header", "record too short");
	if (sf_opaque(c, &h))
		return sf_bad(s, LO_ETRUNC, c, "raw packet header",
			      "header length beyond its record");
	if (f->have_hdr)
		return 0; /* one packet per sample: the first header is it */
	f->have_hdr = true;
	f->r.bytes = frame_len;
	if (proto != FLOW_LINK_ETHERNET && proto != FLOW_LINK_IPV4 && proto != FLOW_LINK_IPV6)
		return 0; /* 802.11, PPP, MPLS...: counted, not looked into */
	struct flow_hdr ph;
	if (flow_hdr_parse(h.p, cur_left(&h), (enum flow_link)proto, &ph) < 0)
		return 0; /* not IP, or a bad packet: the sample is still good */
	f->hdr_ip = true;
	f->r.src = ph.src;
	f->r.dst = ph.dst;
	f->r.proto = ph.proto;
	f->r.sport = ph.sport;
	f->r.dport = ph.dport;
	f->r.tcp_flags = ph.tcp_flags;
	f->r.frag = ph.frag;
	return 0;
}

/* sf_ip_data() - flow records 0:3 (IPv4 data) and 0:4 (IPv6 data). */
static int sf_ip_data(struct sf_dec *s, struct cur *c, struct sf_flow *f, uint8_t family)
{
	uint32_t len, proto, sport, dport, flags;
	struct bgp_addr src = {.family = family}, dst = {.family = family};
	size_t alen = family == 4 ? 4 : 16;
	if (cur_be32(c, &len) || cur_be32(c, &proto) || cur_copy(c, src.b, alen) ||
	    cur_copy(c, dst.b, alen) || cur_be32(c, &sport) || cur_be32(c, &dport) ||
	    cur_be32(c, &flags) || cur_skip(c, 4))
		return sf_bad(s, LO_ETRUNC, c, family == 4 ? "IPv4 data" : "IPv6 data",
			      "record too short");
	if (f->have_ip)
		return 0;
	f->have_ip = true;
	f->ip_len = len;
	f->src = src;
	f->dst = dst;
	f->proto = (uint8_t)proto;
	f->sport = (uint16_t)sport;
	f->dport = (uint16_t)dport;
	f->tcp_flags = (uint8_t)flags;
	return 0;
}

/* sf_gateway() - flow record 0:1003, extended gateway: the AS numbers. */
static int sf_gateway(struct sf_dec *s, struct cur *c, struct sf_flow *f)
{
	struct bgp_addr nh;
	uint32_t as, src_as, peer_as, nseg, dst_as = 0;
	int rc = sf_addr(c, &nh);
	if (rc < 0)
		return sf_bad(s, rc, c, "extended gateway",
			      rc == LO_ECORRUPT ? "bad next hop address type" : "record too short");
	if (cur_be32(c, &as) || cur_be32(c, &src_as) || cur_be32(c, &peer_as) || cur_be32(c, &nseg))
		return sf_bad(s, LO_ETRUNC, c, "extended gateway", "record too short");
	for (uint32_t i = 0; i < nseg; i++) {
		uint32_t type, n;
		if (cur_be32(c, &type) || cur_be32(c, &n))
			return sf_bad(s, LO_ETRUNC, c, "extended gateway",
				      "AS path segment %u of %u beyond the record", i, nseg);
		if (n > cur_left(c) / 4)
			return sf_bad(s, LO_ETRUNC, c, "extended gateway",
				      "AS path segment of %u ASes beyond the record", n);
		if (n) {
			cur_skip(c, ((size_t)n - 1) * 4);
			cur_be32(c, &dst_as);
		}
	}
	/* communities and local preference follow: not needed */
	f->r.src_as = src_as;
	f->r.dst_as = dst_as;
	return 0;
}

static void sf_deliver(struct sf_dec *s, const struct flow_rec *r)
{
	if (r->kind == FLOW_COUNTERS)
		s->d->st.counters++;
	else
		s->d->st.records++;
	s->delivered++;
	s->cb(s->ctx, r);
}

/* sf_flow_sample() - samples 0:1 (compact) and 0:3 (expanded). */
static int sf_flow_sample(struct sf_dec *s, struct cur *c, bool expanded)
{
	uint32_t seq, src_type, src_index, rate, pool, drops, in_fmt, in_val, out_fmt, out_val;
	uint32_t nrec;
	struct sf_flow f;
	int rc;

	if (expanded) {
		if (cur_be32(c, &seq) || cur_be32(c, &src_type) || cur_be32(c, &src_index) ||
		    cur_be32(c, &rate) || cur_be32(c, &pool) || cur_be32(c, &drops) ||
		    cur_be32(c, &in_fmt) || cur_be32(c, &in_val) || cur_be32(c, &out_fmt) ||
		    cur_be32(c, &out_val) || cur_be32(c, &nrec))
			return sf_bad(s, LO_ETRUNC, c, "expanded flow sample", "sample too short");
	} else {
		uint32_t src, in, out;
		if (cur_be32(c, &seq) || cur_be32(c, &src) || cur_be32(c, &rate) ||
		    cur_be32(c, &pool) || cur_be32(c, &drops) || cur_be32(c, &in) ||
		    cur_be32(c, &out) || cur_be32(c, &nrec))
			return sf_bad(s, LO_ETRUNC, c, "flow sample", "sample too short");
		src_index = src & 0x00ffffff;
		in_fmt = in >> 30;
		in_val = in & 0x3fffffff;
		out_fmt = out >> 30;
		out_val = out & 0x3fffffff;
	}

	memset(&f, 0, sizeof(f));
	f.r = s->tmpl;
	f.r.kind = FLOW_DATA;
	f.r.template = src_index;
	f.r.in_if = sf_if(in_fmt, in_val);
	f.r.out_if = sf_if(out_fmt, out_val);
	f.r.sampling = s->d->opts.sampling ? s->d->opts.sampling : rate ? rate : 1;
	f.r.packets = 1;

	for (uint32_t i = 0; i < nrec; i++) {
		uint32_t fmt;
		struct cur r;
		if (cur_empty(c))
			return sf_bad(s, LO_ETRUNC, c, "flow sample",
				      "%u records announced, %u found", nrec, i);
		const struct cur at = *c;
		if (cur_be32(c, &fmt) || sf_opaque(c, &r))
			return sf_bad(s, LO_ETRUNC, &at, "flow sample",
				      "record %u longer than its sample", i);
		if (fmt >> 12) {
			s->d->st.skipped_samples++; /* a vendor's record */
			continue;
		}
		switch (fmt) {
		case 1:
			rc = sf_raw_header(s, &r, &f);
			break;
		case 3:
			rc = sf_ip_data(s, &r, &f, 4);
			break;
		case 4:
			rc = sf_ip_data(s, &r, &f, 6);
			break;
		case 1003:
			rc = sf_gateway(s, &r, &f);
			break;
		case 2:	   /* Ethernet frame data: MACs */
		case 1001: /* extended switch: VLANs */
		case 1002: /* extended router: next hop, masks */
			rc = 0;
			break;
		default:
			s->d->st.skipped_samples++;
			rc = 0;
			break;
		}
		if (rc < 0)
			return rc;
	}

	if (!f.have_hdr && !f.have_ip)
		return 0; /* nothing about a packet (only extended records) */
	if (!f.hdr_ip && f.have_ip) {
		f.r.src = f.src;
		f.r.dst = f.dst;
		f.r.proto = f.proto;
		f.r.sport = f.sport;
		f.r.dport = f.dport;
		f.r.tcp_flags = f.tcp_flags;
		if (!f.have_hdr)
			f.r.bytes = f.ip_len;
	}
	sf_deliver(s, &f.r);
	return 0;
}

/* sf_if_counters() - generic interface counters, counter record 0:1. */
static int sf_if_counters(struct sf_dec *s, struct cur *c, struct flow_rec *r)
{
	uint32_t ifindex, in_ucast, out_ucast;
	uint64_t in_octets, out_octets;
	/* ifIndex, ifType, ifSpeed (64), ifDirection, ifStatus, ifInOctets (64),
	 * ifInUcastPkts, 5 more in, ifOutOctets (64), ifOutUcastPkts, 5 more out */
	if (cur_be32(c, &ifindex) || cur_skip(c, 4 + 8 + 4 + 4) || cur_be64(c, &in_octets) ||
	    cur_be32(c, &in_ucast) || cur_skip(c, 5 * 4) || cur_be64(c, &out_octets) ||
	    cur_be32(c, &out_ucast) || cur_skip(c, 5 * 4))
		return sf_bad(s, LO_ETRUNC, c, "generic interface counters", "record too short");
	r->in_if = ifindex;
	r->bytes = in_octets;
	r->packets = in_ucast;
	r->out_bytes = out_octets;
	r->out_packets = out_ucast;
	return 0;
}

/* sf_counter_sample() - samples 0:2 (compact) and 0:4 (expanded). */
static int sf_counter_sample(struct sf_dec *s, struct cur *c, bool expanded)
{
	uint32_t seq, src_type, src_index, nrec;
	struct flow_rec r;
	bool have = false;

	if (expanded) {
		if (cur_be32(c, &seq) || cur_be32(c, &src_type) || cur_be32(c, &src_index) ||
		    cur_be32(c, &nrec))
			return sf_bad(s, LO_ETRUNC, c, "expanded counter sample",
				      "sample too short");
	} else {
		uint32_t src;
		if (cur_be32(c, &seq) || cur_be32(c, &src) || cur_be32(c, &nrec))
			return sf_bad(s, LO_ETRUNC, c, "counter sample", "sample too short");
		src_index = src & 0x00ffffff;
	}
	r = s->tmpl;
	r.kind = FLOW_COUNTERS;
	r.template = src_index;
	r.sampling = 1; /* counters are not sampled */

	for (uint32_t i = 0; i < nrec; i++) {
		uint32_t fmt;
		struct cur rc;
		if (cur_empty(c))
			return sf_bad(s, LO_ETRUNC, c, "counter sample",
				      "%u records announced, %u found", nrec, i);
		const struct cur at = *c;
		if (cur_be32(c, &fmt) || sf_opaque(c, &rc))
			return sf_bad(s, LO_ETRUNC, &at, "counter sample",
				      "record %u longer than its sample", i);
		/* Ethernet, VLAN, host... counters: skipped, not counted (a
		 * counter sample carries several) */
		if (fmt == 1 && !have) {
			if (sf_if_counters(s, &rc, &r) < 0)
				return s->bad;
			have = true;
		}
	}
	if (have)
		sf_deliver(s, &r);
	return 0;
}

int sflow_decode(struct flow_dec *d, const struct bgp_addr *exporter, int64_t now_ms,
		 const uint8_t *p, size_t n, flow_cb cb, void *ctx, struct lo_err *err)
{
	struct sf_dec s = {.d = d, .base = p, .cb = cb, .ctx = ctx, .err = err};
	struct cur c = cur_make(p, n);
	uint32_t version, sub_agent, seq, uptime, nsamples;
	int rc;

	if (cur_be32(&c, &version))
		return lo_err_set(err, LO_ETRUNC, 0, "sFlow: datagram too short");
	if (version != 5)
		return lo_err_set(err, LO_EUNSUP, 0, "sFlow: version %u", version);
	memset(&s.tmpl, 0, sizeof(s.tmpl));
	rc = sf_addr(&c, &s.tmpl.agent);
	if (rc == LO_ECORRUPT)
		return lo_err_set(err, rc, sf_off(&s, &c), "sFlow: agent address type unknown");
	if (rc < 0 || cur_be32(&c, &sub_agent) || cur_be32(&c, &seq) || cur_be32(&c, &uptime) ||
	    cur_be32(&c, &nsamples))
		return lo_err_set(err, LO_ETRUNC, sf_off(&s, &c), "sFlow: header truncated");
	s.tmpl.version = FLOW_SFLOW5;
	s.tmpl.domain = sub_agent;
	if (exporter)
		s.tmpl.exporter = *exporter;
	s.tmpl.first_ms = s.tmpl.last_ms = now_ms;
	s.tmpl.sampling = 1;

	for (uint32_t i = 0; i < nsamples; i++) {
		uint32_t fmt;
		struct cur sc;
		if (cur_empty(&c)) {
			sf_bad(&s, LO_ETRUNC, &c, "datagram", "%u samples announced, %u found",
			       nsamples, i);
			break;
		}
		const struct cur at = c;
		if (cur_be32(&c, &fmt) || sf_opaque(&c, &sc)) {
			sf_bad(&s, LO_ETRUNC, &at, "datagram", "sample %u longer than the datagram",
			       i);
			break;
		}
		switch (fmt) {
		case 1:
		case 3:
			sf_flow_sample(&s, &sc, fmt == 3);
			break;
		case 2:
		case 4:
			sf_counter_sample(&s, &sc, fmt == 4);
			break;
		default:
			d->st.skipped_samples++; /* discards (5), vendors' samples */
			break;
		}
	}
	return s.bad ? s.bad : s.delivered;
}
