/*
 * DOC: unit tests for src/lib — cursor bounds, arena caps, buffer caps,
 * error helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/lib.h"

static void cursor_reads_and_bounds(void **state)
{
	const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
	struct cur c = cur_make(data, sizeof(data));
	uint8_t a;
	uint16_t b;
	uint32_t d;

	assert_int_equal(cur_u8(&c, &a), 0);
	assert_int_equal(a, 1);
	assert_int_equal(cur_be16(&c, &b), 0);
	assert_int_equal(b, 0x0203);
	assert_int_equal(cur_be32(&c, &d), 0);
	assert_int_equal(d, 0x04050607u);
	assert_true(cur_empty(&c));
	/* reading past the end fails and does not move the cursor */
	assert_int_equal(cur_u8(&c, &a), LO_ETRUNC);
	assert_int_equal(cur_left(&c), 0);
}

static void cursor_partial_read_does_not_advance(void **state)
{
	const uint8_t data[] = {0xaa, 0xbb, 0xcc};
	struct cur c = cur_make(data, sizeof(data));
	uint32_t v = 7;
	struct cur sub;

	assert_int_equal(cur_be32(&c, &v), LO_ETRUNC);
	assert_int_equal(v, 7);
	assert_int_equal(cur_left(&c), 3);
	assert_int_equal(cur_sub(&c, 4, &sub), LO_ETRUNC);
	assert_int_equal(cur_sub(&c, 2, &sub), 0);
	assert_int_equal(cur_left(&sub), 2);
	assert_int_equal(cur_left(&c), 1);
	assert_int_equal(cur_skip(&c, 2), LO_ETRUNC);
	assert_int_equal(cur_skip(&c, 1), 0);
}

static void arena_respects_cap(void **state)
{
	struct arena a;
	arena_init(&a, 128, 1024);
	void *p = arena_alloc(&a, 100);
	assert_non_null(p);
	assert_null(arena_alloc(&a, 2000)); /* over the cap */
	for (int i = 0; i < 5; i++)
		assert_non_null(arena_alloc(&a, 100));
	arena_reset(&a);
	assert_int_equal(a.used, 0);
	assert_non_null(arena_alloc(&a, 1000));
	arena_fini(&a);
}

static void buf_caps_and_printf(void **state)
{
	struct lo_buf b;
	lo_buf_init(&b, 16);
	assert_int_equal(lo_buf_printf(&b, "%d|%s", 42, "ab"), 0);
	assert_string_equal(b.p, "42|ab");
	assert_int_equal(lo_buf_add(&b, "0123456789abcdef", 16), LO_ETOOBIG);
	assert_int_equal(b.len, 5);
	lo_buf_fini(&b);
}

static void err_set_returns_code(void **state)
{
	struct lo_err e;
	lo_err_clear(&e);
	lo_err_src(&e, "file.mrt");
	assert_int_equal(lo_err_set(&e, LO_ECORRUPT, 12, "bad %s", "thing"), LO_ECORRUPT);
	assert_int_equal(e.offset, 12);
	assert_string_equal(e.msg, "bad thing");
	assert_string_equal(e.src, "file.mrt");
	assert_int_equal(lo_err_set(NULL, LO_EIO, 0, "x"), LO_EIO);
	assert_string_equal(lo_strerror(LO_ETRUNC), "truncated input");
}

static void time_parse_and_format(void **state)
{
	int64_t t;
	uint32_t t32;
	char buf[32];

	assert_int_equal(lo_time_parse("2014-12-22T16:15:21Z", &t), 0);
	assert_int_equal(t, 1419264921);
	assert_int_equal(lo_time_parse("2014-12-22T16:15:21", &t), 0);
	assert_int_equal(t, 1419264921);
	assert_int_equal(lo_time_parse("1419264921", &t), 0);
	assert_int_equal(t, 1419264921);
	assert_int_equal(lo_time_parse("2014-12-22 16:15", &t), LO_EINVAL);
	assert_int_equal(lo_time_parse("2014-12-22T16:15:21Zx", &t), LO_EINVAL);
	assert_int_equal(lo_time_parse("-5", &t), LO_EINVAL);
	assert_int_equal(lo_time_parse("", &t), LO_EINVAL);
	assert_int_equal(lo_time_parse32("99999999999", &t32), LO_EINVAL);
	assert_int_equal(lo_time_iso(1419299178, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "2014-12-23T01:46:18Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cursor_reads_and_bounds),
		cmocka_unit_test(cursor_partial_read_does_not_advance),
		cmocka_unit_test(arena_respects_cap),
		cmocka_unit_test(buf_caps_and_printf),
		cmocka_unit_test(err_set_returns_code),
		cmocka_unit_test(time_parse_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
