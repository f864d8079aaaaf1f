/*
 * DOC: libFuzzer target for the flow decoders (src/flow): NetFlow v5/v9,
 * IPFIX and sFlow through flow_decode(), with template caches that live
 * across the datagrams of one input.
 *
 * Input: one byte of options (bit 0: tiny caps, 2 exporters and 3
 * templates, so that the caps are hit; bit 1: a sampling override), then
 * datagrams, each as (control byte, 2-byte length, payload).  The control
 * byte picks the exporter (bits 0-1, two IPv4 and two IPv6 addresses) and
 * how the payload is framed (bits 2-3): as it is; after a NetFlow v9
 * header; after an IPFIX header whose length is right; after a NetFlow v5
 * header with the count that fits.  Bit 4 is the v9 source ID / IPFIX
 * domain.  Templates learned from one datagram are used by the next.
 *
 * Each datagram is copied to a buffer of its exact size (so that ASan sees
 * a read past it), and every record is checked: its fields lie inside the
 * datagram, the counts agree with the return value, an error has an
 * offset inside the datagram.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"

static const uint8_t *dg_start, *dg_end;
static int seen;
static volatile uint8_t touch;

static void on_rec(void *ctx, const struct flow_rec *r)
{
	(void)ctx;
	seen++;
	if (r->n_fields > FLOW_MAX_FIELDS || (r->n_fields && !r->fields))
		__builtin_trap();
	if (r->kind != FLOW_DATA && r->kind != FLOW_OPTIONS && r->kind != FLOW_COUNTERS)
		__builtin_trap();
	if (r->sampling == 0)
		__builtin_trap();
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct flow_field *f = &r->fields[i];
		if (!f->len)
			continue;
		if (f->val < dg_start || f->val > dg_end || (size_t)(dg_end - f->val) < f->len)
			__builtin_trap();
		touch ^= f->val[0] ^ f->val[f->len - 1];
	}
}

static size_t put_v9_hdr(uint8_t *p, unsigned domain)
{
	static const uint8_t h[20] = {0, 9, 0, 1, 0, 0, 0x10, 0, 0x65, 0x5f, 0x2a, 0, 0, 0, 0, 1};
	memcpy(p, h, sizeof(h));
	p[19] = (uint8_t)domain;
	return sizeof(h);
}

static size_t put_ipfix_hdr(uint8_t *p, size_t total, unsigned domain)
{
	static const uint8_t h[16] = {0, 10, 0, 0, 0x65, 0x5f, 0x2a, 0, 0, 0, 0, 1};
	memcpy(p, h, sizeof(h));
	p[2] = (uint8_t)(total >> 8);
	p[3] = (uint8_t)total;
	p[15] = (uint8_t)domain;
	return sizeof(h);
}

static size_t put_v5_hdr(uint8_t *p, size_t payload)
{
	static const uint8_t h[24] = {0, 5, 0, 0, 0, 0, 0x10, 0, 0x65, 0x5f, 0x2a, 0};
	memcpy(p, h, sizeof(h));
	p[3] = (uint8_t)(payload / 48);
	return sizeof(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bgp_addr exporters[4] = {
		{4, {192, 0, 2, 1}},
		{4, {192, 0, 2, 2}},
		{6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}},
	};
	struct flow_dec_opts o;
	struct flow_dec *d;
	struct lo_err err;

	if (!size)
		return 0;
	flow_dec_opts_init(&o);
	if (data[0] & 1) {
		o.max_exporters = 2;
		o.max_templates = 3;
	}
	if (data[0] & 2)
		o.sampling = 100;
	if (flow_dec_new(&d, &o))
		return 0;

	size_t i = 1;
	while (i + 3 <= size) {
		uint8_t ctl = data[i];
		size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
		i += 3;
		if (len > size - i)
			len = size - i;
		unsigned mode = ctl >> 2 & 3, domain = ctl >> 4 & 1;
		size_t hdr = mode == 1 ? 20 : mode == 2 ? 16 : mode == 3 ? 24 : 0;
		size_t n = hdr + len;
		uint8_t *p = malloc(n ? n : 1);
		if (!p)
			break;
		if (mode == 1)
			put_v9_hdr(p, domain);
		else if (mode == 2)
			put_ipfix_hdr(p, n, domain);
		else if (mode == 3)
			put_v5_hdr(p, len);
		if (len)
			memcpy(p + hdr, data + i, len);
		i += len;

		const struct flow_dec_stats *st = flow_dec_stats(d);
		uint64_t before = st->records + st->options + st->counters;
		dg_start = p;
		dg_end = p + n;
		seen = 0;
		lo_err_clear(&err);
		int rc = flow_decode(d, &exporters[ctl & 3], 2055, 1700000000000, p, n, on_rec,
				     NULL, &err);
		if (rc >= 0 && rc != seen)
			__builtin_trap();
		if (rc < 0 && (err.code != rc || (err.offset != LO_NOOFF && err.offset > n)))
			__builtin_trap();
		if (st->records + st->options + st->counters - before != (uint64_t)seen)
			__builtin_trap();
		free(p);
	}
	flow_dec_free(d);
	return 0;
}
