/*
 * DOC: unit tests for src/mrt — records built byte by byte (RFC 6396
 * layouts), read back through the streaming API and the -m formatter:
 * elem order, ADD-PATH, framing errors with resynchronisation, truncation,
 * missing PEER_INDEX_TABLE, records over 64 KiB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "mrt/mrt.h"

struct bb {
	uint8_t *p;
	size_t n, cap;
};

static void bb_put(struct bb *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}
static void u8(struct bb *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	bb_put(b, &x, 1);
}
static void u16(struct bb *b, unsigned v)
{
	u8(b, v >> 8);
	u8(b, v);
}
static void u32(struct bb *b, uint32_t v)
{
	u16(b, v >> 16);
	u16(b, v & 0xffff);
}
static void hdr(struct bb *b, uint32_t t, unsigned type, unsigned sub, uint32_t len)
{
	u32(b, t);
	u16(b, type);
	u16(b, sub);
	u32(b, len);
}

/* A BGP4MP_ET MESSAGE_AS4 UPDATE from 192.0.2.1 AS 4200000000: withdraw
 * 10.0.0.0/8, announce 198.18.0.0/15 with path 4200000000 64500. */
static void add_update_et(struct bb *b, uint32_t t)
{
	struct bb m = {0};
	u16(&m, 3); /* withdrawn length */
	u8(&m, 8);  /* 10.0.0.0/8 */
	u8(&m, 10);
	u8(&m, 0); /* 0.0.0.0/0 */
	/* path attributes: ORIGIN, AS_PATH, NEXT_HOP */
	u16(&m, 4 + 13 + 7);
	u8(&m, 0x40), u8(&m, 1), u8(&m, 1), u8(&m, 0);
	u8(&m, 0x40), u8(&m, 2), u8(&m, 10), u8(&m, 2), u8(&m, 2), u32(&m, 4200000000u),
		u32(&m, 64500);
	u8(&m, 0x40), u8(&m, 3), u8(&m, 4), u8(&m, 192), u8(&m, 0), u8(&m, 2), u8(&m, 1);
	u8(&m, 15), u8(&m, 198), u8(&m, 18); /* NLRI */

	struct bb body = {0};
	u32(&body, 123456);	 /* microseconds */
	u32(&body, 4200000000u); /* peer AS */
	u32(&body, 65000);	 /* local AS */
	u16(&body, 0);		 /* ifindex */
	u16(&body, 1);		 /* AFI IPv4 */
	u8(&body, 192), u8(&body, 0), u8(&body, 2), u8(&body, 1);
	u8(&body, 192), u8(&body, 0), u8(&body, 2), u8(&body, 2);
	for (int i = 0; i < 16; i++)
		u8(&body, 0xff);
	u16(&body, (unsigned)(19 + m.n));
	u8(&body, 2);
	bb_put(&body, m.p, m.n);
	hdr(b, t, MRT_T_BGP4MP_ET, MRT_BGP4MP_MESSAGE_AS4, (uint32_t)body.n);
	bb_put(b, body.p, body.n);
	free(m.p);
	free(body.p);
}

static void add_peer_index(struct bb *b, uint32_t t)
{
	struct bb body = {0};
	u32(&body, 0x01020304);
	u16(&body, 0); /* view name length */
	u16(&body, 1); /* one peer */
	u8(&body, 2);  /* IPv4, AS4 */
	u32(&body, 0x0a000001);
	u8(&body, 198), u8(&body, 18), u8(&body, 0), u8(&body, 1);
	u32(&body, 4837);
	hdr(b, t, MRT_T_TABLE_DUMP_V2, MRT_TD2_PEER_INDEX, (uint32_t)body.n);
	bb_put(b, body.p, body.n);
	free(body.p);
}

/* RIB_IPV4_UNICAST_ADDPATH for 175.45.176.0/24 with @n entries of peer 0 */
static void add_rib_ap(struct bb *b, uint32_t t, unsigned n, unsigned pad_comm)
{
	struct bb body = {0};
	u32(&body, 7);
	u8(&body, 24), u8(&body, 175), u8(&body, 45), u8(&body, 176);
	u16(&body, n);
	for (unsigned i = 0; i < n; i++) {
		u16(&body, 0);
		u32(&body, t - 60);
		u32(&body, i + 1); /* path id */
		unsigned alen = 4 + 13 + (pad_comm ? 4 + pad_comm * 4 : 0);
		u16(&body, alen);
		u8(&body, 0x40), u8(&body, 1), u8(&body, 1), u8(&body, 0);
		u8(&body, 0x40), u8(&body, 2), u8(&body, 10), u8(&body, 2), u8(&body, 2);
		u32(&body, 4837), u32(&body, 131279);
		/* no NEXT_HOP: bgpdump prints 255.255.255.255 */
		if (pad_comm) {
			u8(&body, 0xd0), u8(&body, 8), u16(&body, pad_comm * 4);
			for (unsigned k = 0; k < pad_comm; k++)
				u32(&body, (4837u << 16) | k);
		}
	}
	hdr(b, t, MRT_T_TABLE_DUMP_V2, MRT_TD2_RIB_IPV4_UNICAST_AP, (uint32_t)body.n);
	bb_put(b, body.p, body.n);
	free(body.p);
}

struct run {
	char *text;
	int errors, corrupt, trunc;
	uint64_t records, elems, skipped;
};

static struct run decode(const struct bb *b)
{
	char path[] = "/tmp/lo_test_mrt_XXXXXX";
	int fd = mkstemp(path);
	struct run res = {0};
	struct io_reader *io;
	struct lo_buf out;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->p, b->n), (ssize_t)b->n);
	close(fd);
	assert_int_equal(io_open(&io, path, NULL, NULL), 0);
	struct mrt_reader *r = mrt_reader_new(io);
	lo_buf_init(&out, 1u << 26);
	for (int guard = 0; guard < 10000; guard++) {
		const struct mrt_record *rec;
		struct lo_err err;
		int rc = mrt_reader_next(r, &rec, &err);
		if (rc == 0)
			break;
		if (rc < 0) {
			res.errors++;
			res.corrupt += rc == LO_ECORRUPT;
			res.trunc += rc == LO_ETRUNC;
			if (rc != LO_ECORRUPT)
				break;
			continue;
		}
		if (mrt_fmt_record(r, rec, MRT_FMT_M, &out) < 0)
			res.errors++;
	}
	res.records = mrt_reader_stats(r)->records;
	res.elems = mrt_reader_stats(r)->elems;
	res.skipped = mrt_reader_stats(r)->skipped_bytes;
	res.text = strdup(out.p ? out.p : "");
	lo_buf_fini(&out);
	mrt_reader_free(r);
	io_free(io);
	unlink(path);
	return res;
}

static void update_elems_in_bgpdump_order(void **state)
{
	struct bb b = {0};
	add_update_et(&b, 1419265000);
	struct run r = decode(&b);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.elems, 3);
	assert_string_equal(
		r.text,
		"BGP4MP_ET|1419265000.123456|W|192.0.2.1|4200000000|10.0.0.0/8\n"
		"BGP4MP_ET|1419265000.123456|W|192.0.2.1|4200000000|0.0.0.0/0\n"
		"BGP4MP_ET|1419265000.123456|A|192.0.2.1|4200000000|198.18.0.0/15|4200000000 64500|IGP|192.0.2.1|0|0||NAG||\n");
	free(r.text);
	free(b.p);
}

static void rib_addpath_and_missing_next_hop(void **state)
{
	struct bb b = {0};
	add_peer_index(&b, 1419265000);
	add_rib_ap(&b, 1419265000, 2, 0);
	struct run r = decode(&b);
	assert_int_equal(r.errors, 0);
	assert_string_equal(
		r.text,
		"TABLE_DUMP2_AP|1419265000|B|198.18.0.1|4837|175.45.176.0/24|1|4837 131279|IGP|255.255.255.255|0|0||NAG||\n"
		"TABLE_DUMP2_AP|1419265000|B|198.18.0.1|4837|175.45.176.0/24|2|4837 131279|IGP|255.255.255.255|0|0||NAG||\n");
	free(r.text);
	free(b.p);
}

static void rib_without_peer_index_is_reported(void **state)
{
	struct bb b = {0};
	add_rib_ap(&b, 1419265000, 1, 0);
	add_update_et(&b, 1419265001);
	struct run r = decode(&b);
	assert_int_equal(r.corrupt, 1);
	assert_int_equal(r.records, 2);
	assert_int_equal(r.elems, 3); /* the update after it is still decoded */
	free(r.text);
	free(b.p);
}

static void garbage_between_records_resynchronises(void **state)
{
	struct bb b = {0};
	add_update_et(&b, 1419265000);
	for (int i = 0; i < 37; i++)
		u8(&b, 0xa5);
	add_update_et(&b, 1419265001);
	add_update_et(&b, 1419265002);
	struct run r = decode(&b);
	assert_int_equal(r.corrupt, 1);
	assert_int_equal(r.records, 3);
	assert_int_equal(r.elems, 9);
	assert_int_equal(r.skipped, 37);
	free(r.text);
	free(b.p);
}

static void truncated_last_record(void **state)
{
	struct bb b = {0};
	add_update_et(&b, 1419265000);
	add_update_et(&b, 1419265001);
	b.n -= 5;
	struct run r = decode(&b);
	assert_int_equal(r.trunc, 1);
	assert_int_equal(r.records, 1);
	assert_int_equal(r.elems, 3);
	free(r.text);
	free(b.p);
}

static void record_over_64k(void **state)
{
	struct bb b = {0};
	add_peer_index(&b, 1419265000);
	/* 40 entries with 500 communities each: ~80 KB record */
	add_rib_ap(&b, 1419265000, 40, 500);
	assert_true(b.n > 70000);
	struct run r = decode(&b);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.elems, 40);
	free(r.text);
	free(b.p);
}

static void empty_and_tiny_inputs(void **state)
{
	struct bb b = {0};
	u8(&b, 0);
	struct run r = decode(&b);
	assert_int_equal(r.trunc, 1);
	assert_int_equal(r.records, 0);
	free(r.text);
	free(b.p);
}

/* TABLE_DUMP entry (no view/seq) for @pfx/@len from @peer, 2-byte AS */
static void td1_entry(struct bb *b, uint8_t family, const uint8_t *pfx, unsigned len,
		      const uint8_t *peer, unsigned as)
{
	bb_put(b, pfx, family == 6 ? 16 : 4);
	u8(b, len), u8(b, 1), u32(b, 1000);
	bb_put(b, peer, family == 6 ? 16 : 4);
	u16(b, as);
	u16(b, 4 + 5);
	u8(b, 0x40), u8(b, 1), u8(b, 1), u8(b, 2);	     /* ORIGIN INCOMPLETE */
	u8(b, 0x40), u8(b, 2), u8(b, 2), u8(b, 2), u8(b, 0); /* empty sequence */
}

static void table_dump_v1_ipv6_and_batched(void **state)
{
	static const uint8_t p6[16] = {0x20, 0x01, 0x0d, 0xb8};
	static const uint8_t peer6[16] = {0x20, 0x01, 0x07, 0xf8, [15] = 1};
	static const uint8_t p4[4] = {175, 45, 176, 0}, peerA[4] = {198, 18, 0, 1},
			     peerB[4] = {198, 18, 0, 2};
	struct bb b = {0}, e = {0};

	/* a standard IPv6 TABLE_DUMP record */
	td1_entry(&e, 6, p6, 32, peer6, 3333);
	hdr(&b, 1000, MRT_T_TABLE_DUMP, 2, (uint32_t)(4 + e.n));
	u16(&b, 0), u16(&b, 0);
	bb_put(&b, e.p, e.n);
	/* two early-RIS batched records: two entries each, length 4 short */
	for (int k = 0; k < 2; k++) {
		e.n = 0;
		td1_entry(&e, 4, p4, 24, peerA, 4837);
		td1_entry(&e, 4, p4, 24, peerB, 4837);
		hdr(&b, 1000, MRT_T_TABLE_DUMP, 1, (uint32_t)e.n);
		u16(&b, 0), u16(&b, (unsigned)k);
		bb_put(&b, e.p, e.n);
	}
	struct run r = decode(&b);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.records, 3);
	assert_int_equal(r.elems, 5);
	assert_non_null(
		strstr(r.text, "TABLE_DUMP|1000|B|2001:7f8::1|3333|2001:db8::/32||INCOMPLETE|"));
	assert_non_null(strstr(
		r.text,
		"TABLE_DUMP|1000|B|198.18.0.2|4837|175.45.176.0/24||INCOMPLETE|255.255.255.255|0|0||NAG||\n"));
	free(r.text);
	free(b.p);
	free(e.p);
}

static void rib_generic_ipv6(void **state)
{
	struct bb b = {0}, body = {0};
	add_peer_index(&b, 2000);
	u32(&body, 1);
	u16(&body, 2), u8(&body, 1); /* AFI IPv6, SAFI unicast */
	u8(&body, 48), u8(&body, 0x20), u8(&body, 0x01), u8(&body, 0x0d), u8(&body, 0xb8),
		u8(&body, 0), u8(&body, 1);
	u16(&body, 1);
	u16(&body, 0), u32(&body, 1990);
	u16(&body, 4 + 13 + 20);
	u8(&body, 0x40), u8(&body, 1), u8(&body, 1), u8(&body, 0);
	u8(&body, 0x40), u8(&body, 2), u8(&body, 10), u8(&body, 2), u8(&body, 2);
	u32(&body, 4837), u32(&body, 131279);
	/* abbreviated MP_REACH: next hop length 16 + address */
	u8(&body, 0x80), u8(&body, 14), u8(&body, 17), u8(&body, 16);
	u8(&body, 0x20), u8(&body, 0x01), u8(&body, 0x0d), u8(&body, 0xb8);
	for (int i = 0; i < 11; i++)
		u8(&body, 0);
	u8(&body, 9);
	hdr(&b, 2000, MRT_T_TABLE_DUMP_V2, MRT_TD2_RIB_GENERIC, (uint32_t)body.n);
	bb_put(&b, body.p, body.n);
	struct run r = decode(&b);
	assert_int_equal(r.errors, 0);
	assert_string_equal(
		r.text,
		"TABLE_DUMP2|2000|B|198.18.0.1|4837|2001:db8:1::/48|4837 131279|IGP|2001:db8::9|0|0||NAG||\n");
	free(r.text);
	free(b.p);
	free(body.p);
}

static void message_local_is_named_and_uses_the_peer_fields(void **state)
{
	struct bb b = {0};
	add_update_et(&b, 3000);
	/* turn MESSAGE_AS4 into MESSAGE_AS4_LOCAL */
	b.p[7] = MRT_BGP4MP_MESSAGE_AS4_LOCAL;
	struct run r = decode(&b);
	assert_int_equal(r.errors, 0);
	assert_non_null(strstr(
		r.text, "BGP4MP_ET_LOCAL|3000.123456|A|192.0.2.1|4200000000|198.18.0.0/15|"));
	free(r.text);
	free(b.p);
}

/* JSON of an UPDATE carrying a 30,000-byte unknown attribute: the output
 * buffer must be grown for its hex, not overrun (ASan checks). */
static void json_with_huge_unknown_attribute(void **state)
{
	struct bb m = {0}, body = {0}, b = {0};
	const unsigned big = 30000;

	u16(&m, 0);
	u16(&m, 4 + 4 + big + 7);
	u8(&m, 0x40), u8(&m, 1), u8(&m, 1), u8(&m, 0);
	u8(&m, 0xd0), u8(&m, 99), u16(&m, big); /* optional transitive, ext length */
	for (unsigned i = 0; i < big; i++)
		u8(&m, i);
	u8(&m, 0x40), u8(&m, 3), u8(&m, 4), u8(&m, 192), u8(&m, 0), u8(&m, 2), u8(&m, 1);
	u8(&m, 8), u8(&m, 10);
	u32(&body, 65001), u32(&body, 65000), u16(&body, 0), u16(&body, 1);
	u32(&body, 0xc0000201), u32(&body, 0xc0000202);
	for (int i = 0; i < 16; i++)
		u8(&body, 0xff);
	u16(&body, (unsigned)(19 + m.n));
	u8(&body, 2);
	bb_put(&body, m.p, m.n);
	hdr(&b, 4000, MRT_T_BGP4MP, MRT_BGP4MP_MESSAGE_AS4, (uint32_t)body.n);
	bb_put(&b, body.p, body.n);

	char path[] = "/tmp/lo_test_mrt_json_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b.p, b.n), (ssize_t)b.n);
	close(fd);
	struct io_reader *io;
	assert_int_equal(io_open(&io, path, NULL, NULL), 0);
	struct mrt_reader *r = mrt_reader_new(io);
	const struct mrt_record *rec;
	struct lo_buf out;
	lo_buf_init(&out, 1u << 24);
	assert_int_equal(mrt_reader_next(r, &rec, NULL), 1);
	assert_int_equal(mrt_fmt_record(r, rec, MRT_FMT_JSON, &out), 0);
	assert_true(out.len > 2 * big);
	assert_non_null(strstr(
		out.p, "\"unknown_attributes\":[{\"type\":99,\"flags\":208,\"data\":\"000102"));
	lo_buf_fini(&out);
	mrt_reader_free(r);
	io_free(io);
	unlink(path);
	free(m.p);
	free(body.p);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(update_elems_in_bgpdump_order),
		cmocka_unit_test(rib_addpath_and_missing_next_hop),
		cmocka_unit_test(rib_without_peer_index_is_reported),
		cmocka_unit_test(garbage_between_records_resynchronises),
		cmocka_unit_test(truncated_last_record),
		cmocka_unit_test(record_over_64k),
		cmocka_unit_test(empty_and_tiny_inputs),
		cmocka_unit_test(table_dump_v1_ipv6_and_batched),
		cmocka_unit_test(rib_generic_ipv6),
		cmocka_unit_test(message_local_is_named_and_uses_the_peer_fields),
		cmocka_unit_test(json_with_huge_unknown_attribute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
