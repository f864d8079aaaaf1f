/*
 * DOC: io_write.c — writing plain, gzip, bzip2 and xz files.
 *
 * The output goes to a temporary file next to the final name
 * ("<path>.tmp.<pid>.<n>", created with O_EXCL so it respects the umask)
 * and is renamed over the final name only when io_close() has finished the
 * compressed stream, written every byte, fsync()ed and closed the file.  A
 * crash or an error therefore never leaves a half-written file under the
 * final name; a failed writer removes its temporary file.  "-" writes to
 * standard output (no temporary file, no rename).
 *
 * Compression: gzip is one zlib deflate member with a gzip header
 * (RFC 1952), bzip2 one libbz2 stream, xz one liblzma stream with a CRC64
 * check.  All three are read back by io_open() / io_read().
 *
 * Errors are sticky: after a failed io_write() every later call returns the
 * same error, and io_close() discards the file.
 */
#include "io/io.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define IO_WBUF_SIZE (256u << 10) /* output buffer: compressed (or plain) bytes */
#define IO_WCHUNK    (1u << 20)	  /* largest input handed to a codec at once */
#define IO_TMP_TRIES 100

struct io_writer {
	char *path; /* final name */
	char *tmp;  /* temporary name; NULL for stdout */
	int fd;
	bool close_fd;
	enum io_format fmt;
	bool started; /* codec state initialised */
	int fail;     /* sticky LO_E* */
	struct lo_err fail_err;
	uint64_t out_bytes; /* bytes written to the file */
	uint8_t *obuf;
	size_t olen;
	union {
		z_stream gz;
		bz_stream bz;
		lzma_stream xz;
	} s;
};

/* Remember @code/@err as the sticky failure and return it. */
static int fail_with(struct io_writer *w, int code, struct lo_err *err)
{
	w->fail = code;
	if (err)
		w->fail_err = *err;
	else
		lo_err_clear(&w->fail_err);
	w->fail_err.code = code;
	return code;
}

static int sticky(struct io_writer *w, struct lo_err *err)
{
	if (err)
		*err = w->fail_err;
	return w->fail;
}

/* Write [p, p + n) to the file descriptor, handling short writes. */
static int fd_write_all(struct io_writer *w, const uint8_t *p, size_t n, struct lo_err *err)
{
	while (n > 0) {
		ssize_t k = write(w->fd, p, n > IO_WCHUNK ? IO_WCHUNK : n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = k < 0 ? errno : ENOSPC;
			lo_err_src(err, w->path);
			lo_err_set(err, LO_EIO, w->out_bytes, "write %s: %s",
				   w->tmp ? w->tmp : "stdout", strerror(e));
			return fail_with(w, LO_EIO, err);
		}
		p += k;
		n -= (size_t)k;
		w->out_bytes += (uint64_t)k;
	}
	return 0;
}

static int flush_obuf(struct io_writer *w, struct lo_err *err)
{
	int rc = fd_write_all(w, w->obuf, w->olen, err);

	w->olen = 0;
	return rc;
}

static int codec_error(struct io_writer *w, const char *what, int code, struct lo_err *err)
{
	lo_err_src(err, w->path);
	lo_err_set(err, code == LO_ENOMEM ? LO_ENOMEM : LO_EIO, w->out_bytes, "%s %s: %s",
		   io_format_name(w->fmt), w->path, what);
	return fail_with(w, code == LO_ENOMEM ? LO_ENOMEM : LO_EIO, err);
}

static int codec_init(struct io_writer *w, int level, struct lo_err *err)
{
	switch (w->fmt) {
	case IO_PLAIN:
		break;
	case IO_GZIP:
		memset(&w->s.gz, 0, sizeof(w->s.gz));
		/* windowBits 15 + 16: a gzip header and trailer instead of zlib's */
		if (deflateInit2(&w->s.gz, level < 0 ? 6 : level, Z_DEFLATED, 15 + 16, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return codec_error(w, "deflateInit2 failed", LO_ENOMEM, err);
		break;
	case IO_BZIP2:
		memset(&w->s.bz, 0, sizeof(w->s.bz));
		if (BZ2_bzCompressInit(&w->s.bz, level < 1 ? 9 : level, 0, 0) != BZ_OK)
			return codec_error(w, "BZ2_bzCompressInit failed", LO_ENOMEM, err);
		break;
	case IO_XZ: {
		lzma_stream init = LZMA_STREAM_INIT;
		w->s.xz = init;
		if (lzma_easy_encoder(&w->s.xz, level < 0 ? 6 : (uint32_t)level,
				      LZMA_CHECK_CRC64) != LZMA_OK)
			return codec_error(w, "lzma_easy_encoder failed", LO_ENOMEM, err);
		break;
	}
	}
	w->started = true;
	return 0;
}

static void codec_end(struct io_writer *w)
{
	if (!w->started)
		return;
	switch (w->fmt) {
	case IO_PLAIN:
		break;
	case IO_GZIP:
		deflateEnd(&w->s.gz);
		break;
	case IO_BZIP2:
		BZ2_bzCompressEnd(&w->s.bz);
		break;
	case IO_XZ:
		lzma_end(&w->s.xz);
		break;
	}
	w->started = false;
}

/*
 * Feed @n bytes at @p to the codec (@finish: end the stream; @p may then be
 * NULL), writing out the output buffer whenever it fills up.
 */
static int codec_run(struct io_writer *w, const uint8_t *p, size_t n, bool finish,
		     struct lo_err *err)
{
	for (;;) {
		size_t in = n > IO_WCHUNK ? IO_WCHUNK : n;
		size_t space = IO_WBUF_SIZE - w->olen;
		size_t used_in = 0, made = 0;
		bool done = false;
		/* the last piece of input is the one that may finish the stream */
		bool fin = finish && in == n;

		switch (w->fmt) {
		case IO_PLAIN:
			return 0;
		case IO_GZIP: {
			z_stream *z = &w->s.gz;
			z->next_in = (Bytef *)(uintptr_t)p;
			z->avail_in = (uInt)in;
			z->next_out = w->obuf + w->olen;
			z->avail_out = (uInt)space;
			int zr = deflate(z, fin ? Z_FINISH : Z_NO_FLUSH);
			if (zr == Z_STREAM_ERROR)
				return codec_error(w, "deflate failed", LO_EIO, err);
			used_in = in - z->avail_in;
			made = space - z->avail_out;
			done = zr == Z_STREAM_END;
			break;
		}
		case IO_BZIP2: {
			bz_stream *b = &w->s.bz;
			b->next_in = (char *)(uintptr_t)p;
			b->avail_in = (unsigned)in;
			b->next_out = (char *)w->obuf + w->olen;
			b->avail_out = (unsigned)space;
			int br = BZ2_bzCompress(b, fin ? BZ_FINISH : BZ_RUN);
			if (br != BZ_RUN_OK && br != BZ_FINISH_OK && br != BZ_STREAM_END)
				return codec_error(w, "BZ2_bzCompress failed", LO_EIO, err);
			used_in = in - b->avail_in;
			made = space - b->avail_out;
			done = br == BZ_STREAM_END;
			break;
		}
		case IO_XZ: {
			lzma_stream *x = &w->s.xz;
			x->next_in = p;
			x->avail_in = in;
			x->next_out = w->obuf + w->olen;
			x->avail_out = space;
			lzma_ret xr = lzma_code(x, fin ? LZMA_FINISH : LZMA_RUN);
			if (xr != LZMA_OK && xr != LZMA_STREAM_END)
				return codec_error(w, "lzma_code failed",
						   xr == LZMA_MEM_ERROR ? LO_ENOMEM : LO_EIO, err);
			used_in = in - x->avail_in;
			made = space - x->avail_out;
			done = xr == LZMA_STREAM_END;
			break;
		}
		}
		p = p ? p + used_in : p;
		n -= used_in;
		w->olen += made;
		if (w->olen == IO_WBUF_SIZE) {
			int rc = flush_obuf(w, err);
			if (rc)
				return rc;
		}
		if (finish ? done : n == 0)
			return 0;
	}
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* Create the temporary file next to w->path. */
static int open_tmp(struct io_writer *w, struct lo_err *err)
{
	static unsigned counter;
	size_t cap = strlen(w->path) + 48;

	w->tmp = malloc(cap);
	if (!w->tmp)
		return LO_ENOMEM;
	for (int i = 0; i < IO_TMP_TRIES; i++) {
		unsigned k = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
		snprintf(w->tmp, cap, "%s.tmp.%ld.%u", w->path, (long)getpid(), k);
		w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (w->fd >= 0) {
			w->close_fd = true;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	int e = errno;
	lo_err_src(err, w->path);
	lo_err_set(err, e == ENOENT || e == ENOTDIR ? LO_ENOENT : LO_EIO, LO_NOOFF, "create %s: %s",
		   w->tmp, strerror(e));
	free(w->tmp);
	w->tmp = NULL;
	return e == ENOENT || e == ENOTDIR ? LO_ENOENT : LO_EIO;
}

/* Release everything; remove the temporary file unless it was renamed. */
static void writer_destroy(struct io_writer *w)
{
	codec_end(w);
	if (w->close_fd && w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	free(w->tmp);
	free(w->path);
	free(w->obuf);
	free(w);
}

int io_create(struct io_writer **out, const char *path, enum io_format fmt, int level,
	      struct lo_err *err)
{
	int rc;

	*out = NULL;
	if (!path || !*path || (unsigned)fmt > IO_XZ || level > 9 || level < -1) {
		lo_err_src(err, path ? path : "");
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "io_create: bad path, format or level");
	}
	struct io_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	w->fd = -1;
	w->fmt = fmt;
	w->path = dup_str(path);
	w->obuf = malloc(IO_WBUF_SIZE);
	if (!w->path || !w->obuf) {
		rc = lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
		goto out_free;
	}
	if (strcmp(path, "-") == 0) {
		w->fd = STDOUT_FILENO;
	} else {
		rc = open_tmp(w, err);
		if (rc)
			goto out_free;
	}
	rc = codec_init(w, level, err);
	if (rc)
		goto out_free;
	*out = w;
	return 0;

out_free:
	writer_destroy(w);
	return rc;
}

int io_write(struct io_writer *w, const void *p, size_t n, struct lo_err *err)
{
	if (w->fail)
		return sticky(w, err);
	if (n == 0)
		return 0;
	if (w->fmt != IO_PLAIN)
		return codec_run(w, p, n, false, err);
	/* plain: gather small writes, pass large ones straight through */
	if (n > IO_WBUF_SIZE - w->olen) {
		int rc = flush_obuf(w, err);
		if (rc)
			return rc;
		if (n >= IO_WBUF_SIZE)
			return fd_write_all(w, p, n, err);
	}
	memcpy(w->obuf + w->olen, p, n);
	w->olen += n;
	return 0;
}

uint64_t io_writer_tell(const struct io_writer *w)
{
	return w->out_bytes + w->olen;
}

int io_close(struct io_writer *w, struct lo_err *err)
{
	int rc = 0;

	if (!w)
		return 0;
	if (w->fail) {
		rc = sticky(w, err);
		goto out;
	}
	if (w->fmt != IO_PLAIN) {
		rc = codec_run(w, NULL, 0, true, err);
		if (rc)
			goto out;
	}
	rc = flush_obuf(w, err);
	if (rc)
		goto out;
	if (!w->tmp)
		goto out; /* stdout: nothing to rename */
	if (fsync(w->fd) != 0 && errno != EINVAL && errno != EROFS) {
		rc = lo_err_set(err, LO_EIO, w->out_bytes, "fsync %s: %s", w->tmp, strerror(errno));
		goto out;
	}
	int fd = w->fd;
	w->fd = -1;
	if (close(fd) != 0) {
		rc = lo_err_set(err, LO_EIO, w->out_bytes, "close %s: %s", w->tmp, strerror(errno));
		goto out;
	}
	if (rename(w->tmp, w->path) != 0) {
		rc = lo_err_set(err, LO_EIO, LO_NOOFF, "rename %s to %s: %s", w->tmp, w->path,
				strerror(errno));
		goto out;
	}
	free(w->tmp);
	w->tmp = NULL;
out:
	if (rc)
		lo_err_src(err, w->path);
	writer_destroy(w);
	return rc;
}

void io_abort(struct io_writer *w)
{
	if (w)
		writer_destroy(w);
}
