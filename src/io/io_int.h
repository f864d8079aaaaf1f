/*
 * DOC: io_int.h — private to src/io: the reader, its input buffer and the
 * codec descriptor every format implements.
 *
 * A codec is a static table of hooks (BIRD's struct protocol idea).  Its
 * fill() hook makes the next run of decompressed bytes visible through
 * r->optr / r->olen; io_read() copies them out.  All codecs share one input
 * buffer so that the bytes peeked for format detection (stdin cannot seek)
 * are simply the first bytes every decoder sees.
 */
#ifndef LO_IO_INT_H
#define LO_IO_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "io/io.h"
#include "lib/lib.h"

#define IO_IBUF_SIZE	(256u << 10) /* input buffer of the streaming codecs */
#define IO_OBUF_SIZE	(256u << 10) /* output buffer of the streaming codecs */
#define IO_READ_MAX	(1u << 20)   /* largest single read(2) */
#define IO_MAX_THREADS	64u	     /* cap on io_opts.threads */
#define IO_AUTO_THREADS 8u	     /* cap when threads = 0 (online CPUs) */

struct io_reader;

/*
 * struct io_codec - one compressed format.
 * @init: set up r->state; may grow the input buffer.  0 or LO_E*.
 * @fill: make the next decompressed bytes visible in r->optr/r->olen.
 *        Returns 1 (bytes available), 0 (clean end) or a LO_E* code with
 *        @err filled.  Called only when the previous bytes are used up.
 * @fini: release r->state (also after a failed init).
 */
struct io_codec {
	const char *name;
	enum io_format format;
	int (*init)(struct io_reader *r, struct lo_err *err);
	int (*fill)(struct io_reader *r, struct lo_err *err);
	void (*fini)(struct io_reader *r);
};

extern const struct io_codec io_codec_plain;
extern const struct io_codec io_codec_gzip;
extern const struct io_codec io_codec_xz;
extern const struct io_codec io_codec_bzip2;	 /* sequential libbz2 */
extern const struct io_codec io_codec_bzip2_par; /* parallel block decoder */

/*
 * struct io_reader - an open input.
 * The input buffer holds file bytes [ioff, ioff + ilen); streaming codecs
 * consume from ipos.  The output view [optr + opos, optr + olen) is what
 * io_read() hands out next; it points into a codec-owned buffer.
 */
struct io_reader {
	char *name;
	int fd;
	bool close_fd;
	const struct io_codec *codec;
	unsigned threads;
	uint64_t size_in;

	uint8_t *ibuf;
	size_t icap;
	size_t ilen;
	size_t ipos;
	uint64_t ioff;
	uint64_t nread; /* bytes read from fd so far */
	bool ieof;

	const uint8_t *optr;
	size_t olen;
	size_t opos;

	int fail; /* sticky LO_E* code once an error was returned */
	struct lo_err fail_err;
	int pend; /* error to report once the current output is out */
	struct lo_err pend_err;
	struct lo_ratelimit rl; /* warnings about this input (trailing garbage) */
	bool test_false_cuts;	/* tests only: see io_test_bz2_false_cuts() */
	void *state;		/* codec private */
};

/*
 * io_in_more() - read more input into the buffer.
 * Bytes before the absolute offset @keep may be dropped to make room (the
 * buffer is compacted; ipos moves with it).  Returns the number of bytes
 * added, 0 at end of file, LO_ETOOBIG when nothing can be dropped and the
 * buffer is full, or LO_EIO with @err filled.
 */
ssize_t io_in_more(struct io_reader *r, uint64_t keep, struct lo_err *err);

/*
 * io_emit() - finish a fill(): publish @n bytes at @p as the next output.
 * @code is the outcome that goes with them: 1, or a LO_E* error (described
 * in @err) that is reported after these bytes, so that every byte decoded
 * before a fault reaches the caller.  Returns what fill() should return.
 */
int io_emit(struct io_reader *r, const uint8_t *p, size_t n, int code, struct lo_err *err);

/* io_in_grow() - make the input buffer at least @cap bytes.  0 or LO_ENOMEM. */
int io_in_grow(struct io_reader *r, size_t cap);

/*
 * io_warn_trailing() - note (rate limited) that bytes after the last
 * complete member/stream were ignored, as gzip and bzip2 do.
 */
void io_warn_trailing(struct io_reader *r, uint64_t offset);

/*
 * io_test_bz2_false_cuts() - tests only: make the parallel bzip2 scanner
 * also cut every block in its middle, as a false 48-bit magic match inside
 * block data would, so the merge-and-retry path gets exercised.  Call
 * before the first io_read().
 */
void io_test_bz2_false_cuts(struct io_reader *r);

#endif
