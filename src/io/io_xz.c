/*
 * DOC: io_xz.c — xz codec on liblzma.
 *
 * LZMA_CONCATENATED makes concatenated .xz files (and stream padding)
 * decode as one.  The decoder memory is capped (IO_XZ_MEMLIMIT); a file
 * that needs more is refused with LO_ETOOBIG rather than trusted.  At end
 * of input LZMA_FINISH tells a clean end from a cut: liblzma then answers
 * LZMA_BUF_ERROR for a stream without its footer.
 */
#include "io/io_int.h"

#include <inttypes.h>
#include <lzma.h>
#include <stdlib.h>

#define IO_XZ_MEMLIMIT (1024ull << 20) /* xz -9 needs ~65 MiB; -9e with big dicts more */

struct xz_state {
	lzma_stream z;
	uint8_t *obuf;
	bool done;
};

static int xz_init(struct io_reader *r, struct lo_err *err)
{
	struct xz_state *s = calloc(1, sizeof(*s));

	if (!s)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "xz: out of memory");
	r->state = s;
	s->z = (lzma_stream)LZMA_STREAM_INIT;
	s->obuf = malloc(IO_OBUF_SIZE);
	if (!s->obuf)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "xz: out of memory");
	if (lzma_stream_decoder(&s->z, IO_XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "xz: decoder init failed");
	return 0;
}

static void xz_fini(struct io_reader *r)
{
	struct xz_state *s = r->state;

	if (!s)
		return;
	lzma_end(&s->z);
	free(s->obuf);
	free(s);
	r->state = NULL;
}

static int xz_fill(struct io_reader *r, struct lo_err *err)
{
	struct xz_state *s = r->state;
	int rc = 1;

	if (s->done)
		return 0;
	s->z.next_out = s->obuf;
	s->z.avail_out = IO_OBUF_SIZE;
	while (rc == 1 && s->z.avail_out == IO_OBUF_SIZE) {
		if (r->ipos == r->ilen && !r->ieof) {
			ssize_t n = io_in_more(r, r->ioff + r->ilen, err);
			if (n < 0) {
				rc = (int)n;
				break;
			}
		}
		s->z.next_in = r->ibuf + r->ipos;
		s->z.avail_in = r->ilen - r->ipos;
		lzma_ret zr = lzma_code(&s->z, r->ieof ? LZMA_FINISH : LZMA_RUN);
		r->ipos = r->ilen - s->z.avail_in;
		uint64_t off = s->z.total_in;

		switch (zr) {
		case LZMA_OK:
			break;
		case LZMA_STREAM_END:
			s->done = true;
			rc = 0;
			break;
		case LZMA_BUF_ERROR:
			rc = lo_err_set(err, LO_ETRUNC, off,
					"xz stream truncated at compressed offset %" PRIu64, off);
			break;
		case LZMA_MEM_ERROR:
			rc = lo_err_set(err, LO_ENOMEM, off, "xz: out of memory");
			break;
		case LZMA_MEMLIMIT_ERROR:
			rc = lo_err_set(err, LO_ETOOBIG, off,
					"xz stream needs more than %llu MiB to decode",
					IO_XZ_MEMLIMIT >> 20);
			break;
		default: /* LZMA_FORMAT_ERROR, LZMA_OPTIONS_ERROR, LZMA_DATA_ERROR */
			rc = lo_err_set(err, LO_ECORRUPT, off,
					"xz data corrupt at compressed offset %" PRIu64
					" (lzma error %d)",
					off, (int)zr);
			break;
		}
	}
	size_t n = IO_OBUF_SIZE - s->z.avail_out;
	if (rc == 0) /* clean end: s->done makes the next fill return 0 */
		return n ? io_emit(r, s->obuf, n, 1, err) : 0;
	return io_emit(r, s->obuf, n, rc, err);
}

const struct io_codec io_codec_xz = {
	.name = "xz",
	.format = IO_XZ,
	.init = xz_init,
	.fill = xz_fill,
	.fini = xz_fini,
};
