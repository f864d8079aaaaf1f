/*
 * DOC: io — streaming readers for plain and compressed files.
 *
 * The format is chosen by magic bytes, never by file name: gzip (1f 8b,
 * multi-member), bzip2 ("BZh", multi-stream; blocks decoded in parallel on
 * worker threads, the way lbzip2 does), xz (fd 37 7a 58 5a 00), otherwise
 * plain.  "-" reads standard input.  Memory is constant in the file size.
 *
 * A compressed stream that stops early (no end-of-stream marker) yields all
 * bytes decodable up to the cut, then io_read() returns LO_ETRUNC with the
 * compressed offset in the error.
 */
#ifndef LO_IO_H
#define LO_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/lib.h"

enum io_format { IO_PLAIN, IO_GZIP, IO_BZIP2, IO_XZ };

struct io_opts {
	unsigned threads; /* bzip2 decode threads; 0 = number of online CPUs (max 8) */
};

struct io_reader;

/*
 * io_open() - open @path ("-" = stdin) and detect its format.
 * Returns 0 and a new reader in *@out (free with io_free()), or LO_ENOENT /
 * LO_EIO with @err filled.  @opts may be NULL.
 */
int io_open(struct io_reader **out, const char *path, const struct io_opts *opts,
	    struct lo_err *err);

/*
 * io_read() - read up to @n decompressed bytes into @buf.
 * Returns the number of bytes read (> 0), 0 at the clean end of input, or a
 * negative LO_E* code: LO_ETRUNC (compressed stream cut short), LO_ECORRUPT
 * (compressed data damaged), LO_EIO.  Every byte decodable before the
 * fault is returned by earlier calls.  After an error, further calls return
 * the same error.
 */
ssize_t io_read(struct io_reader *r, void *buf, size_t n, struct lo_err *err);

enum io_format io_format(const struct io_reader *r);
const char *io_format_name(enum io_format f);

/* io_name() - the path given to io_open() (borrowed, valid until io_free()). */
const char *io_name(const struct io_reader *r);

/* io_tell_in() - compressed (file) bytes consumed so far; for progress. */
uint64_t io_tell_in(const struct io_reader *r);

/* io_size_in() - the file size if known (regular file), else 0. */
uint64_t io_size_in(const struct io_reader *r);

void io_free(struct io_reader *r);

/* ---------------------------------------------------------------- writer */

/*
 * Writing (io_write.c): plain, gzip, bzip2 or xz, chosen by the caller.
 * The bytes go to a temporary file next to @path that replaces @path only
 * when io_close() succeeds, so a crash or an error never leaves a partial
 * file under the final name.  "-" writes to standard output.
 */
struct io_writer;

/*
 * io_create() - start writing @path in format @fmt.
 * @level: compression level 0..9 (bzip2: block size in 100 kB, 0 means 9),
 *         or -1 for the default (gzip 6, bzip2 9, xz 6); ignored for IO_PLAIN
 * Returns 0 and a new writer in *@out, or LO_EINVAL, LO_ENOMEM, LO_ENOENT
 * (the directory does not exist) or LO_EIO with @err filled.  The writer
 * must be finished with io_close() or discarded with io_abort().
 */
int io_create(struct io_writer **out, const char *path, enum io_format fmt, int level,
	      struct lo_err *err);

/*
 * io_write() - compress and write @n bytes at @p.
 * Returns 0 or LO_EIO (disk full, ...) / LO_ENOMEM.  Errors are sticky:
 * later calls and io_close() return the same error.
 */
int io_write(struct io_writer *w, const void *p, size_t n, struct lo_err *err);

/* io_writer_tell() - compressed bytes produced so far (written or buffered). */
uint64_t io_writer_tell(const struct io_writer *w);

/*
 * io_close() - finish the stream, flush, fsync, close and rename the file to
 * its final name.  Always frees @w (NULL is fine).  Returns 0, or the
 * writer's sticky error or a new LO_EIO (disk full, fsync, rename): then the
 * temporary file is removed and nothing is created under the final name.
 */
int io_close(struct io_writer *w, struct lo_err *err);

/* io_abort() - discard: free @w (NULL is fine) and remove its temporary file. */
void io_abort(struct io_writer *w);

#endif
