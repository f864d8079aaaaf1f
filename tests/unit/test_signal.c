/*
 * DOC: unit tests for src/signal — union of address space in /24 and /48
 * blocks, by hand (North Korea's /22 and its /24s) and against a brute-force
 * bitmap over thousands of random adds and removes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "signal/signal.h"

static struct bgp_prefix v4(uint32_t a, uint8_t len)
{
	struct bgp_prefix p;
	memset(&p, 0, sizeof(p));
	p.addr.family = 4;
	p.addr.b[0] = (uint8_t)(a >> 24);
	p.addr.b[1] = (uint8_t)(a >> 16);
	p.addr.b[2] = (uint8_t)(a >> 8);
	p.addr.b[3] = (uint8_t)a;
	p.len = len;
	return p;
}

static void north_korea_counts_four(void **state)
{
	struct sig_space *s = sig_space_new(4, 1u << 20);
	struct bgp_prefix s22 = v4(0xaf2db000u, 22); /* 175.45.176.0/22 */

	for (uint32_t i = 0; i < 4; i++) {
		struct bgp_prefix p = v4(0xaf2db000u + (i << 8), 24);
		assert_int_equal(sig_space_add(s, &p, 1), 0);
		assert_int_equal(sig_space_blocks(s), i + 1);
	}
	assert_int_equal(sig_space_add(s, &s22, 1), 0);
	assert_int_equal(sig_space_blocks(s), 4); /* not 8 */
	for (uint32_t i = 0; i < 4; i++) {
		struct bgp_prefix p = v4(0xaf2db000u + (i << 8), 24);
		assert_int_equal(sig_space_add(s, &p, -1), 0);
	}
	assert_int_equal(sig_space_blocks(s), 4);	/* the /22 still covers them */
	assert_int_equal(sig_space_add(s, &s22, 1), 0); /* a second copy */
	assert_int_equal(sig_space_add(s, &s22, -1), 0);
	assert_int_equal(sig_space_blocks(s), 4);
	assert_int_equal(sig_space_add(s, &s22, -1), 0);
	assert_int_equal(sig_space_blocks(s), 0);
	assert_int_equal(sig_space_nodes(s), 1); /* only the root is left */
	assert_int_equal(sig_space_add(s, &s22, -1), LO_EINVAL);
	sig_space_free(s);
}

static void sizes_and_long_prefixes(void **state)
{
	struct sig_space *s = sig_space_new(4, 1u << 20);
	struct bgp_prefix a8 = v4(0x0a000000u, 8), in16 = v4(0x0a010000u, 16),
			  out16 = v4(0x0b000000u, 16), h1 = v4(0x0c000000u, 25),
			  h2 = v4(0x0c000080u, 25);

	assert_int_equal(sig_space_add(s, &a8, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65536);
	assert_int_equal(sig_space_add(s, &in16, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65536);
	assert_int_equal(sig_space_add(s, &out16, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65536 + 256);
	/* longer than /24: the block containing them, once */
	assert_int_equal(sig_space_add(s, &h1, 1), 0);
	assert_int_equal(sig_space_add(s, &h2, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65536 + 256 + 1);
	struct bgp_prefix six = {.addr = {.family = 6}, .len = 32};
	assert_int_equal(sig_space_add(s, &six, 1), LO_EINVAL);
	sig_space_free(s);

	s = sig_space_new(6, 1u << 20);
	struct bgp_prefix p32 = {.addr = {.family = 6, .b = {0x20, 0x01, 0x0d, 0xb8}}, .len = 32};
	struct bgp_prefix p64 = {.addr = {.family = 6, .b = {0x20, 0x01, 0x0d, 0xb9}}, .len = 64};
	assert_int_equal(sig_space_add(s, &p32, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65536);
	assert_int_equal(sig_space_add(s, &p64, 1), 0);
	assert_int_equal(sig_space_blocks(s), 65537);
	sig_space_free(s);
}

static void random_against_bitmap(void **state)
{
	enum { N = 64, OPS = 4000 };
	struct sig_space *s = sig_space_new(4, 1u << 20);
	struct bgp_prefix set[N];
	int copies[N] = {0};
	static uint8_t blocks[65536]; /* counts per /24 of 10.0.0.0/8 */
	unsigned seed = 12345;

	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		uint8_t len = (uint8_t)(14 + (seed >> 16) % 13); /* 14..26 */
		uint32_t addr = 0x0a000000u | ((seed * 2654435761u) & 0x00ffffffu);
		if (len < 32)
			addr &= ~((1u << (32 - len)) - 1);
		set[i] = v4(addr, len);
	}
	for (int op = 0; op < OPS; op++) {
		seed = seed * 1103515245u + 12345u;
		int i = (int)((seed >> 16) % N);
		int delta = copies[i] && ((seed >> 8) & 1) ? -1 : 1;
		assert_int_equal(sig_space_add(s, &set[i], delta), 0);
		copies[i] += delta;
		uint32_t first = (set[i].addr.b[1] << 8) | set[i].addr.b[2];
		uint32_t n = set[i].len >= 24 ? 1 : 1u << (24 - set[i].len);
		for (uint32_t b = 0; b < n; b++)
			blocks[first + b] = (uint8_t)(blocks[first + b] + delta);
		uint64_t want = 0;
		for (int b = 0; b < 65536; b++)
			want += blocks[b] != 0;
		assert_int_equal(sig_space_blocks(s), want);
	}
	sig_space_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(north_korea_counts_four),
		cmocka_unit_test(sizes_and_long_prefixes),
		cmocka_unit_test(random_against_bitmap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
