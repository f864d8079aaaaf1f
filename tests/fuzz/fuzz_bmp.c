/*
 * DOC: libFuzzer target for the BMP station: framing, every message
 * decoder, the router state and the MRT bridge, then src/mrt on the records
 * made (which must always be well framed: the reader may never skip bytes).
 *
 * Two ways to read an input, by its first byte:
 * - 3 (a BMP version byte): the input is a raw BMP stream, fed in pieces of
 *   varying size the way a socket delivers it;
 * - anything else: after that byte, a list of (type, 2-byte length, body)
 *   that is wrapped in valid common headers, so that the fuzzer spends its
 *   time in the body decoders rather than on the framing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bmp/bmp.h"
#include "io/io.h"
#include "mrt/mrt.h"

#define MAX_STREAM (1u << 20)

static uint8_t stream[MAX_STREAM + 64];

/* Wrap (type, length, body) items in common headers. */
static size_t wrap(const uint8_t *data, size_t size)
{
	size_t n = 0, i = 0;

	while (i + 3 <= size) {
		uint8_t type = data[i];
		size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
		i += 3;
		if (len > size - i)
			len = size - i;
		if (n + 6 + len > MAX_STREAM)
			break;
		uint32_t total = (uint32_t)(6 + len);
		stream[n++] = 3;
		stream[n++] = (uint8_t)(total >> 24);
		stream[n++] = (uint8_t)(total >> 16);
		stream[n++] = (uint8_t)(total >> 8);
		stream[n++] = (uint8_t)total;
		stream[n++] = type;
		memcpy(stream + n, data + i, len);
		n += len;
		i += len;
	}
	return n;
}

/* The MRT records must be well framed and decodable by src/mrt. */
static void check_mrt(const struct lo_buf *out)
{
	static int fd = -1;
	char path[64];
	struct io_reader *io;
	struct io_opts opts = {.threads = 1};
	struct lo_buf text;

	if (!out->len)
		return;
	if (fd < 0 && (fd = memfd_create("fuzz_bmp", 0)) < 0)
		return;
	if (ftruncate(fd, 0) || pwrite(fd, out->p, out->len, 0) != (ssize_t)out->len)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (io_open(&io, path, &opts, NULL))
		return;
	struct mrt_reader *r = mrt_reader_new(io);
	if (!r) {
		io_free(io);
		return;
	}
	lo_buf_init(&text, 64u << 20);
	for (;;) {
		const struct mrt_record *rec;
		int rc = mrt_reader_next(r, &rec, NULL);
		if (rc == 0 || (rc < 0 && rc != LO_ECORRUPT))
			break;
		if (rc < 0)
			continue;
		lo_buf_reset(&text);
		mrt_fmt_record(r, rec, MRT_FMT_M, &text);
	}
	/* a record we made that the reader had to skip is our bug */
	if (mrt_reader_stats(r)->skipped_bytes)
		__builtin_trap();
	lo_buf_fini(&text);
	mrt_reader_free(r);
	io_free(io);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bmp_stream s;
	struct bmp_router r;
	struct lo_buf out;
	struct lo_err err;
	size_t n, fed = 0, start = 0, step;
	const uint8_t *src;

	lo_log_level(LO_LOG_ERROR - 1); /* silent */
	if (!size)
		return 0;
	if (data[0] == 3) {
		src = data;
		n = size;
	} else {
		n = wrap(data + 1, size - 1);
		src = stream;
	}
	step = 1 + (size % 97);
	unsigned views = BMP_VIEWS_ALL & (size % 3 ? BMP_VIEWS_ALL : BMP_VIEWS_DEFAULT);

	bmp_stream_init(&s, size % 5 ? 0 : 512);
	bmp_router_init(&r, 8);
	lo_buf_init(&out, 1u << 24);
	/* deliver src[0..fed) in pieces; decode from start */
	while (fed < n) {
		fed += step < n - fed ? step : n - fed;
		step = step * 13 % 4099 + 1;
		for (;;) {
			size_t used;
			struct bmp_msg m;
			int rc = bmp_next(&s, src + start, fed - start, &used, &m, &err);
			if (rc == LO_EAGAIN)
				break;
			if (rc < 0)
				goto done; /* framing error: the connection would close */
			if (used == 0 || used > fed - start)
				__builtin_trap();
			start += used;
			bmp_router_apply(&r, &m, &err);
			bmp_route_mrt(&r, &m, views, 1700000000000000ll, &out, &err);
			/* the stream goes on with a fresh decode of the same bytes too */
			struct bmp_msg again;
			memset(&again, 0, sizeof(again));
			if (bmp_decode(src + start - used, used, &again, NULL) != m.error)
				__builtin_trap();
		}
	}
done:
	bmp_stream_end(&s, fed - start, &err);
	bmp_router_down_all(&r, views, 1700000000000000ll, &out, &err);
	check_mrt(&out);
	lo_buf_fini(&out);
	bmp_router_fini(&r);
	return 0;
}
