/*
 * DOC: libFuzzer target for the MRT record decoder and all its output
 * formats.  The input is handed to the io layer through a memfd, so format
 * detection and the gzip/bzip2/xz decoders are exercised too.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/io.h"
#include "mrt/mrt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct lo_buf out;
	char path[64];
	struct io_reader *io;
	struct io_opts opts = {.threads = 1};

	lo_log_level(LO_LOG_ERROR - 1); /* silent */
	if (fd < 0) {
		fd = memfd_create("fuzz_mrt", 0);
		if (fd < 0)
			return 0;
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (io_open(&io, path, &opts, NULL))
		return 0;
	struct mrt_reader *r = mrt_reader_new(io);
	if (!r) {
		io_free(io);
		return 0;
	}
	/* a fresh, small output buffer per input, so that a formatter writing
	 * past what it reserved is caught by ASan */
	lo_buf_init(&out, 64u << 20);
	for (int i = 0; i < 100000; i++) {
		const struct mrt_record *rec;
		int rc = mrt_reader_next(r, &rec, NULL);
		if (rc == 0 || (rc < 0 && rc != LO_ECORRUPT))
			break;
		if (rc < 0)
			continue;
		lo_buf_reset(&out);
		mrt_fmt_record(r, rec, (enum mrt_fmt)(i % 3), &out);
	}
	lo_buf_fini(&out);
	mrt_reader_free(r);
	io_free(io);
	return 0;
}
