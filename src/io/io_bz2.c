/*
 * DOC: io_bz2.c — sequential bzip2 codec on libbz2 (used for threads = 1).
 *
 * Multi-stream files (pbzip2 output, cat a.bz2 b.bz2) decode fully: after
 * a stream's end-of-stream marker a byte-aligned "BZh1".."BZh9" starts the
 * next stream.  Other trailing bytes are ignored with a warning, as bzip2
 * does.  libbz2 checks every block CRC and the combined stream CRC.
 * libbz2 emits a block only once all of it has been read, so a cut file
 * yields exactly the complete blocks before the cut, like bzcat.
 */
#include "io/io_int.h"

#include <bzlib.h>
#include <inttypes.h>
#include <stdlib.h>

struct bz_state {
	bz_stream z;
	uint8_t *obuf;
	bool live;	  /* z is initialised */
	bool stream_done; /* the last stream ended; looking for another */
};

static int bz_start(struct bz_state *s, struct lo_err *err)
{
	memset(&s->z, 0, sizeof(s->z));
	if (BZ2_bzDecompressInit(&s->z, 0, 0) != BZ_OK)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "bzip2: decoder init failed");
	s->live = true;
	s->stream_done = false;
	return 0;
}

static int bz_init(struct io_reader *r, struct lo_err *err)
{
	struct bz_state *s = calloc(1, sizeof(*s));

	if (!s)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "bzip2: out of memory");
	r->state = s;
	s->obuf = malloc(IO_OBUF_SIZE);
	if (!s->obuf)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "bzip2: out of memory");
	return bz_start(s, err);
}

static void bz_fini(struct io_reader *r)
{
	struct bz_state *s = r->state;

	if (!s)
		return;
	if (s->live)
		BZ2_bzDecompressEnd(&s->z);
	free(s->obuf);
	free(s);
	r->state = NULL;
}

/* After a stream: 1 when another follows (decoder restarted), 0 at the end. */
static int bz_next_stream(struct io_reader *r, struct bz_state *s, struct lo_err *err)
{
	static const char hdr[3] = {'B', 'Z', 'h'};

	while (r->ilen - r->ipos < 4 && !r->ieof) {
		ssize_t n = io_in_more(r, r->ioff + r->ipos, err);
		if (n < 0)
			return (int)n;
	}
	size_t left = r->ilen - r->ipos;
	const uint8_t *p = r->ibuf + r->ipos;
	uint64_t off = r->ioff + r->ipos;

	if (left == 0)
		return 0;
	if (left < 4 && memcmp(p, hdr, left < 3 ? left : 3) == 0)
		return lo_err_set(err, LO_ETRUNC, r->ioff + r->ilen,
				  "bzip2 stream truncated at compressed offset %" PRIu64,
				  r->ioff + r->ilen);
	if (left >= 4 && memcmp(p, hdr, 3) == 0 && p[3] >= '1' && p[3] <= '9') {
		BZ2_bzDecompressEnd(&s->z);
		s->live = false;
		return bz_start(s, err) ? LO_ENOMEM : 1;
	}
	io_warn_trailing(r, off);
	return 0;
}

static int bz_fill(struct io_reader *r, struct lo_err *err)
{
	struct bz_state *s = r->state;
	size_t got = 0;
	int rc = 1;

	while (got == 0) {
		if (s->stream_done) {
			rc = bz_next_stream(r, s, err);
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
		s->z.next_in = (char *)r->ibuf + r->ipos;
		s->z.avail_in = (unsigned)(r->ilen - r->ipos);
		s->z.next_out = (char *)s->obuf; /* bz_start() clears these */
		s->z.avail_out = IO_OBUF_SIZE;
		int br = BZ2_bzDecompress(&s->z);
		r->ipos = r->ilen - s->z.avail_in;
		got = IO_OBUF_SIZE - s->z.avail_out;
		uint64_t off = r->ioff + r->ipos;

		if (br == BZ_STREAM_END) {
			s->stream_done = true;
		} else if (br == BZ_OK) {
			if (r->ieof && r->ipos == r->ilen && got == 0) {
				rc = lo_err_set(
					err, LO_ETRUNC, off,
					"bzip2 stream truncated at compressed offset %" PRIu64,
					off);
				break;
			}
		} else if (br == BZ_MEM_ERROR) {
			rc = lo_err_set(err, LO_ENOMEM, off, "bzip2: out of memory");
			break;
		} else { /* BZ_DATA_ERROR (incl. CRC), BZ_DATA_ERROR_MAGIC */
			rc = lo_err_set(err, LO_ECORRUPT, off,
					"bzip2 data corrupt near compressed offset %" PRIu64
					" (%s)",
					off,
					br == BZ_DATA_ERROR_MAGIC ? "bad stream header"
								  : "bad block data or CRC");
			break;
		}
	}
	return io_emit(r, s->obuf, got, rc, err);
}

const struct io_codec io_codec_bzip2 = {
	.name = "bzip2",
	.format = IO_BZIP2,
	.init = bz_init,
	.fill = bz_fill,
	.fini = bz_fini,
};
