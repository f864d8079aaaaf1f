/*
 * DOC: io_gz.c — gzip codec on zlib's inflate (RFC 1952).
 *
 * Multi-member files (cat a.gz b.gz) decode as the concatenation: after a
 * member's trailer, a following 1f 8b starts the next member.  Other bytes
 * after a complete member are ignored with a warning, as gzip does.  The
 * member CRC-32 and length are checked by zlib.  Large input and output
 * buffers keep the per-call overhead of inflate() small; inflateBack()
 * would save a copy but cannot parse the gzip header.
 */
#include "io/io_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <zlib.h>

struct gz_state {
	z_stream z;
	uint8_t *obuf;
	bool member_done; /* the last member ended; looking for another */
};

static int gz_init(struct io_reader *r, struct lo_err *err)
{
	struct gz_state *s = calloc(1, sizeof(*s));

	if (!s)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "gzip: out of memory");
	r->state = s;
	s->obuf = malloc(IO_OBUF_SIZE);
	if (!s->obuf)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "gzip: out of memory");
	/* 16 + 15: gzip wrapper only, largest window */
	if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
		free(s->obuf);
		s->obuf = NULL;
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "gzip: inflateInit2 failed");
	}
	return 0;
}

static void gz_fini(struct io_reader *r)
{
	struct gz_state *s = r->state;

	if (!s)
		return;
	if (s->obuf)
		inflateEnd(&s->z);
	free(s->obuf);
	free(s);
	r->state = NULL;
}

/*
 * After a member: returns 1 when another member follows (zlib reset), 0 at
 * the end, or an error for a member header cut short.
 */
static int gz_next_member(struct io_reader *r, struct gz_state *s, struct lo_err *err)
{
	while (r->ilen - r->ipos < 2 && !r->ieof) {
		ssize_t n = io_in_more(r, r->ioff + r->ipos, err);
		if (n < 0)
			return (int)n;
	}
	size_t left = r->ilen - r->ipos;
	const uint8_t *p = r->ibuf + r->ipos;
	uint64_t off = r->ioff + r->ipos;

	if (left == 0)
		return 0;
	if (left == 1 && p[0] == 0x1f)
		return lo_err_set(err, LO_ETRUNC, off + 1,
				  "gzip stream truncated at compressed offset %" PRIu64, off + 1);
	if (left >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		inflateReset(&s->z);
		s->member_done = false;
		return 1;
	}
	io_warn_trailing(r, off);
	return 0;
}

static int gz_fill(struct io_reader *r, struct lo_err *err)
{
	struct gz_state *s = r->state;
	int rc = 1;

	s->z.next_out = s->obuf;
	s->z.avail_out = IO_OBUF_SIZE;
	while (s->z.avail_out == IO_OBUF_SIZE) {
		if (s->member_done) {
			rc = gz_next_member(r, s, err);
			if (rc <= 0)
				break;
		}
		if (r->ipos == r->ilen && !r->ieof) {
			ssize_t n = io_in_more(r, r->ioff + r->ilen, err);
			if (n < 0) {
				rc = (int)n;
				break;
			}
		}
		s->z.next_in = r->ibuf + r->ipos;
		s->z.avail_in = (uInt)(r->ilen - r->ipos);
		int zr = inflate(&s->z, Z_NO_FLUSH);
		r->ipos = r->ilen - s->z.avail_in;
		uint64_t off = r->ioff + r->ipos;

		if (zr == Z_STREAM_END) {
			s->member_done = true;
		} else if (zr == Z_BUF_ERROR) {
			/* no progress possible: input used up before the trailer */
			if (r->ieof && r->ipos == r->ilen) {
				rc = lo_err_set(
					err, LO_ETRUNC, off,
					"gzip stream truncated at compressed offset %" PRIu64, off);
				break;
			}
		} else if (zr == Z_MEM_ERROR) {
			rc = lo_err_set(err, LO_ENOMEM, off, "gzip: out of memory");
			break;
		} else if (zr != Z_OK) { /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
			rc = lo_err_set(err, LO_ECORRUPT, off,
					"gzip data corrupt at compressed offset %" PRIu64 ": %s",
					off, s->z.msg ? s->z.msg : "bad data");
			break;
		}
	}
	return io_emit(r, s->obuf, IO_OBUF_SIZE - s->z.avail_out, rc, err);
}

const struct io_codec io_codec_gzip = {
	.name = "gzip",
	.format = IO_GZIP,
	.init = gz_init,
	.fill = gz_fill,
	.fini = gz_fini,
};
