/*
 * DOC: io.c — opening inputs, format detection, the shared input buffer,
 * io_read() and the plain (uncompressed) codec.
 *
 * Detection looks only at the first bytes, which are read into the input
 * buffer and left there for the decoder, so stdin ("-") needs no seeking.
 * Errors are sticky: once io_read() has reported one, it reports the same
 * one again.  The compressed formats live in io_gz.c, io_xz.c, io_bz2.c
 * (sequential) and io_bz2_par.c (parallel blocks).
 */
#include "io/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IO_PEEK 6 /* longest magic: xz */

ssize_t io_in_more(struct io_reader *r, uint64_t keep, struct lo_err *err)
{
	if (r->ieof)
		return 0;
	if (keep > r->ioff) {
		size_t drop = (size_t)(keep - r->ioff);

		if (drop > r->ilen)
			drop = r->ilen;
		memmove(r->ibuf, r->ibuf + drop, r->ilen - drop);
		r->ilen -= drop;
		r->ipos = r->ipos > drop ? r->ipos - drop : 0;
		r->ioff += drop;
	}
	size_t space = r->icap - r->ilen;
	if (space == 0)
		return LO_ETOOBIG;
	if (space > IO_READ_MAX)
		space = IO_READ_MAX;
	for (;;) {
		ssize_t n = read(r->fd, r->ibuf + r->ilen, space);

		if (n > 0) {
			r->ilen += (size_t)n;
			r->nread += (uint64_t)n;
			return n;
		}
		if (n == 0) {
			r->ieof = true;
			return 0;
		}
		if (errno != EINTR) {
			lo_err_src(err, r->name);
			return lo_err_set(err, LO_EIO, r->nread, "read %s: %s", r->name,
					  strerror(errno));
		}
	}
}

int io_in_grow(struct io_reader *r, size_t cap)
{
	if (cap <= r->icap)
		return 0;
	uint8_t *p = realloc(r->ibuf, cap);
	if (!p)
		return LO_ENOMEM;
	r->ibuf = p;
	r->icap = cap;
	return 0;
}

int io_emit(struct io_reader *r, const uint8_t *p, size_t n, int code, struct lo_err *err)
{
	if (n == 0)
		return code;
	r->optr = p;
	r->olen = n;
	r->opos = 0;
	if (code < 0) {
		r->pend = code;
		r->pend_err = *err;
	}
	return 1;
}

void io_warn_trailing(struct io_reader *r, uint64_t offset)
{
	lo_log_rl(&r->rl, LO_LOG_WARN,
		  "%s: trailing garbage after %s data at offset %" PRIu64 " ignored", r->name,
		  r->codec->name, offset);
}

void io_test_bz2_false_cuts(struct io_reader *r)
{
	r->test_false_cuts = true;
}

/* ------------------------------------------------------------ plain codec */

static int plain_fill(struct io_reader *r, struct lo_err *err)
{
	if (r->ipos == r->ilen) {
		ssize_t n = io_in_more(r, r->ioff + r->ilen, err);
		if (n <= 0)
			return (int)n;
	}
	r->optr = r->ibuf + r->ipos;
	r->olen = r->ilen - r->ipos;
	r->ipos = r->ilen;
	return 1;
}

const struct io_codec io_codec_plain = {
	.name = "plain",
	.format = IO_PLAIN,
	.fill = plain_fill,
};

/* ------------------------------------------------------------ open / detect */

static const struct io_codec *detect(const uint8_t *p, size_t n, unsigned threads)
{
	static const uint8_t xz_magic[IO_PEEK] = {0xfd, '7', 'z', 'X', 'Z', 0x00};

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return &io_codec_gzip;
	if (n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9')
		return threads > 1 ? &io_codec_bzip2_par : &io_codec_bzip2;
	if (n >= IO_PEEK && memcmp(p, xz_magic, IO_PEEK) == 0)
		return &io_codec_xz;
	return &io_codec_plain;
}

static unsigned pick_threads(const struct io_opts *opts)
{
	unsigned t = opts ? opts->threads : 0;

	if (t == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		t = n < 1 ? 1 : (unsigned)n;
		if (t > IO_AUTO_THREADS)
			t = IO_AUTO_THREADS;
	}
	return t > IO_MAX_THREADS ? IO_MAX_THREADS : t;
}

static int open_fd(struct io_reader *r, const char *path, struct lo_err *err)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
		r->close_fd = false;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			int e = errno;
			lo_err_src(err, path);
			return lo_err_set(err, e == ENOENT ? LO_ENOENT : LO_EIO, LO_NOOFF,
					  "cannot open %s: %s", path, strerror(e));
		}
		r->close_fd = true;
	}
	if (fstat(r->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			lo_err_src(err, path);
			return lo_err_set(err, LO_EIO, LO_NOOFF, "cannot read %s: %s", path,
					  strerror(EISDIR));
		}
		if (S_ISREG(st.st_mode)) {
			r->size_in = (uint64_t)st.st_size;
			posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		}
	}
	return 0;
}

int io_open(struct io_reader **out, const char *path, const struct io_opts *opts,
	    struct lo_err *err)
{
	struct io_reader *r;
	int rc;

	*out = NULL;
	if (!path)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "io_open: no path");
	r = calloc(1, sizeof(*r));
	if (!r)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "io_open: out of memory");
	r->fd = -1;
	r->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 5);
	r->threads = pick_threads(opts);
	r->codec = &io_codec_plain;
	r->name = strdup(path);
	r->ibuf = malloc(IO_IBUF_SIZE);
	if (!r->name || !r->ibuf) {
		rc = lo_err_set(err, LO_ENOMEM, LO_NOOFF, "io_open: out of memory");
		goto out_free;
	}
	r->icap = IO_IBUF_SIZE;
	rc = open_fd(r, path, err);
	if (rc)
		goto out_free;
	while (r->ilen < IO_PEEK) {
		ssize_t n = io_in_more(r, 0, err);
		if (n < 0) {
			rc = (int)n;
			goto out_free;
		}
		if (n == 0)
			break;
	}
	r->codec = detect(r->ibuf, r->ilen, r->threads);
	if (r->codec->init) {
		rc = r->codec->init(r, err);
		if (rc) {
			lo_err_src(err, path);
			goto out_free;
		}
	}
	*out = r;
	return 0;

out_free:
	io_free(r);
	return rc;
}

/* Remember @code as the reader's sticky error and hand it to the caller. */
static int fail(struct io_reader *r, int code, struct lo_err *err)
{
	r->fail = code;
	if (r->fail_err.code != code) /* codec did not describe it */
		lo_err_set(&r->fail_err, code, LO_NOOFF, "%s", lo_strerror(code));
	lo_err_src(&r->fail_err, r->name);
	if (err)
		*err = r->fail_err;
	return code;
}

ssize_t io_read(struct io_reader *r, void *buf, size_t n, struct lo_err *err)
{
	uint8_t *dst = buf;
	size_t got = 0;

	if (r->fail)
		return fail(r, r->fail, err);
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	while (got < n) {
		if (r->opos == r->olen) {
			int rc;

			r->optr = NULL;
			r->olen = r->opos = 0;
			lo_err_clear(&r->fail_err);
			if (r->pend) {
				rc = r->pend;
				r->fail_err = r->pend_err;
				r->pend = 0;
			} else {
				rc = r->codec->fill(r, &r->fail_err);
			}
			if (rc == 0)
				break;
			if (rc < 0) {
				if (got) {
					/* hand out what we have; the error comes next call */
					r->fail = rc;
					break;
				}
				return fail(r, rc, err);
			}
			continue;
		}
		size_t k = r->olen - r->opos;
		if (k > n - got)
			k = n - got;
		memcpy(dst + got, r->optr + r->opos, k);
		r->opos += k;
		got += k;
	}
	return (ssize_t)got;
}

enum io_format io_format(const struct io_reader *r)
{
	return r->codec->format;
}

const char *io_format_name(enum io_format f)
{
	switch (f) {
	case IO_PLAIN:
		return "plain";
	case IO_GZIP:
		return "gzip";
	case IO_BZIP2:
		return "bzip2";
	case IO_XZ:
		return "xz";
	}
	return "unknown";
}

const char *io_name(const struct io_reader *r)
{
	return r->name;
}

uint64_t io_tell_in(const struct io_reader *r)
{
	return r->nread;
}

uint64_t io_size_in(const struct io_reader *r)
{
	return r->size_in;
}

void io_free(struct io_reader *r)
{
	if (!r)
		return;
	if (r->codec && r->codec->fini)
		r->codec->fini(r);
	if (r->close_fd && r->fd >= 0)
		close(r->fd);
	free(r->ibuf);
	free(r->name);
	free(r);
}
