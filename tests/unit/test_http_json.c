/*
 * DOC: unit tests for src/http's JSON output: string escaping (quotes,
 * backslashes, control characters, valid UTF-8 kept, invalid UTF-8,
 * overlong forms and surrogates replaced), numbers (whole numbers exact,
 * NaN and infinities as null), the DESIGN.md §3 event object byte for
 * byte, Prometheus label values, and the buffer cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "http/http_int.h"

static struct lo_buf b;

static int setup(void **state)
{
	lo_buf_init(&b, 1 << 20);
	return 0;
}

static int teardown(void **state)
{
	lo_buf_fini(&b);
	return 0;
}

static const char *str(const char *s)
{
	lo_buf_reset(&b);
	assert_int_equal(http_json_str(&b, s), 0);
	return b.p;
}

static void strings_escaped(void **state)
{
	assert_string_equal(str("country:KP"), "\"country:KP\"");
	assert_string_equal(str(NULL), "\"\"");
	assert_string_equal(str("a\"b\\c"), "\"a\\\"b\\\\c\"");
	assert_string_equal(str("\n\t\x01\x1f"), "\"\\u000a\\u0009\\u0001\\u001f\"");
	assert_string_equal(str("\x7f"), "\"\x7f\"");
	assert_string_equal(str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\x8d"),
			    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\x8d\"");
	/* not UTF-8: a lone continuation, a truncated sequence, an overlong '/',
	 * a surrogate, beyond U+10FFFF, 0xff */
	assert_string_equal(str("a\x80z"), "\"a\\ufffdz\"");
	assert_string_equal(str("\xe2\x82"), "\"\\ufffd\\ufffd\"");
	assert_string_equal(str("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	assert_string_equal(str("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(str("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(str("\xff"), "\"\\ufffd\"");
}

static void numbers(void **state)
{
	lo_buf_reset(&b);
	http_json_num(&b, 4);
	lo_buf_add(&b, " ", 1);
	http_json_num(&b, -3);
	lo_buf_add(&b, " ", 1);
	http_json_num(&b, 123456789012.0);
	lo_buf_add(&b, " ", 1);
	http_json_num(&b, 0.5);
	lo_buf_add(&b, " ", 1);
	http_json_num(&b, NAN);
	lo_buf_add(&b, " ", 1);
	http_json_num(&b, INFINITY);
	lo_buf_add(&b, " ", 1);
	http_json_g(&b, 64.91423);
	lo_buf_add(&b, " ", 1);
	http_json_g(&b, -INFINITY);
	lo_buf_add(&b, " ", 1);
	http_json_i64(&b, INT64_MIN);
	lo_buf_add(&b, " ", 1);
	http_json_time(&b, 1419264921);
	assert_string_equal(b.p, "4 -3 123456789012 0.5 null null 64.9142 null "
				 "-9223372036854775808 \"2014-12-22T16:15:21Z\"");
}

static void event_object(void **state)
{
	struct store_event_row r = {
		.id = 3,
		.entity = "country:KP",
		.signal = "bgp.visible_slash24",
		.kind = "outage",
		.severity = "critical",
		.start = 1419264921,
		.end = 1419299178,
		.baseline = 4,
		.min = 0,
		.score = 64.91423,
		.detail = "{\"prefixes_lost\":[\"175.45.176.0/24\"]}",
		.incident = 1,
	};
	lo_buf_reset(&b);
	assert_int_equal(http_json_event(&b, &r), 0);
	assert_string_equal(b.p, "{\"id\":3,\"entity\":\"country:KP\",\"signal\":"
				 "\"bgp.visible_slash24\",\"kind\":\"outage\",\"severity\":"
				 "\"critical\",\"start\":\"2014-12-22T16:15:21Z\",\"end\":"
				 "\"2014-12-23T01:46:18Z\",\"duration_s\":34257,\"baseline\":4,"
				 "\"min\":0,\"score\":64.9142,\"incident\":1,\"detail\":"
				 "{\"prefixes_lost\":[\"175.45.176.0/24\"]}}");
	/* ongoing, no detail, a NaN score */
	r.end = 0;
	r.detail = NULL;
	r.score = NAN;
	lo_buf_reset(&b);
	assert_int_equal(http_json_event(&b, &r), 0);
	assert_non_null(strstr(b.p, "\"end\":null,\"duration_s\":null,"));
	assert_non_null(strstr(b.p, "\"score\":null,\"incident\":1,\"detail\":{}}"));
}

static void prom_labels(void **state)
{
	lo_buf_reset(&b);
	assert_int_equal(http_prom_label(&b, "a\"b\\c\nd\x01\xc3\xa9"), 0);
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\nd???\"");
}

static void capped(void **state)
{
	struct lo_buf small;
	lo_buf_init(&small, 16);
	assert_int_equal(http_json_str(&small, "0123456789"), LO_ETOOBIG); /* 6 per byte reserved */
	assert_int_equal(http_json_str(&small, "01"), 0);
	assert_string_equal(small.p, "\"01\"");
	lo_buf_fini(&small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(strings_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(event_object, setup, teardown),
		cmocka_unit_test_setup_teardown(prom_labels, setup, teardown),
		cmocka_unit_test(capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
