/*
 * DOC: io_cat — decompress files with src/io to stdout (or count bytes),
 * for timing the readers against bzcat / lbzip2 / zcat.  Not a test.
 *
 *   io_cat [-t THREADS] [-n] FILE...    (-n: count only, no output)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct io_opts opts = {0};
	bool count_only = false;
	int c, status = 0;
	static char buf[1 << 20];

	while ((c = getopt(argc, argv, "t:n")) != -1) {
		switch (c) {
		case 't':
			opts.threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			count_only = true;
			break;
		default:
			fprintf(stderr, "usage: io_cat [-t THREADS] [-n] FILE...\n");
			return 2;
		}
	}
	for (int i = optind; i < argc; i++) {
		struct io_reader *r;
		struct lo_err err;
		uint64_t total = 0;
		ssize_t n;

		lo_err_clear(&err);
		if (io_open(&r, argv[i], &opts, &err)) {
			fprintf(stderr, "io_cat: %s\n", err.msg);
			status = 1;
			continue;
		}
		while ((n = io_read(r, buf, sizeof(buf), &err)) > 0) {
			total += (uint64_t)n;
			if (!count_only && write_all(STDOUT_FILENO, buf, (size_t)n)) {
				perror("io_cat: write");
				return 1;
			}
		}
		if (n < 0) {
			fprintf(stderr, "io_cat: %s: %s (%s, offset %" PRIu64 ")\n", argv[i],
				err.msg, lo_strerror((int)n), err.offset);
			status = 1;
		}
		if (count_only)
			fprintf(stderr, "%s: %s, %" PRIu64 " bytes\n", argv[i],
				io_format_name(io_format(r)), total);
		io_free(r);
	}
	return status;
}
