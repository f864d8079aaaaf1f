/*
 * DOC: io_bz2_par.c — bzip2 decoded block by block on worker threads, the
 * way lbzip2 does it, with stock libbz2 doing the decoding.
 *
 * A bzip2 stream is "BZh" + level digit, then blocks, each starting with
 * the 48-bit magic 0x314159265359 and its 32-bit CRC, then the 48-bit
 * end-of-stream magic 0x177245385090, the 32-bit combined CRC and padding
 * to a byte.  Blocks are bit-aligned, not byte-aligned.
 *
 * The thread calling io_read() scans the compressed bits for the two
 * magics and cuts the input into chunks, one per block.  Each chunk becomes
 * a standalone one-block stream in memory: the header, the chunk's bits
 * shifted to a byte boundary, the end-of-stream magic and, as the combined
 * CRC, the block's own CRC (for one block they are equal).  Workers decode
 * these with BZ2_bzDecompress, which also checks the block CRC.  Chunks
 * live in a ring of threads * BZP_RING_PER_THREAD slots, handed out in
 * order, so memory does not grow with the file.  The caller sleeps on a
 * condition variable while the oldest chunk is being decoded.
 *
 * A 48-bit magic can occur by chance inside block data.  The block before
 * such a false cut then fails to decode; it is merged with the following
 * chunk(s) and retried (bzp_merge()).  The consumer also recomputes each
 * stream's combined CRC from the block CRCs and compares it with the stored
 * one.  A false end-of-stream match is not recovered: the file is then
 * reported corrupt (never decoded wrongly); threads = 1 is immune.
 *
 * A file cut short ends in a "tail" chunk without end marker.  It is
 * decoded like libbz2 would decode it sequentially (no trailer appended),
 * which yields every complete block, and then LO_ETRUNC.  The output equals
 * what bzcat prints for the same file.
 */
#include "io/io_int.h"

#include <bzlib.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define BZP_MAGIC_BLOCK	    0x314159265359ull
#define BZP_MAGIC_EOS	    0x177245385090ull
#define BZP_M48		    0xffffffffffffull
#define BZP_HDR_BITS	    80u	       /* magic + CRC */
#define BZP_MAX_CHUNK	    (4u << 20) /* a valid 900k block compresses to < 2.3 MB */
#define BZP_SOFT_OUT	    (8u << 20) /* beyond this only the oldest block may grow */
#define BZP_RING_PER_THREAD 4u

enum bzp_slot { BZJ_FREE, BZJ_QUEUED, BZJ_BUSY, BZJ_DONE };

/* outcome of decoding one chunk; negative values are LO_E* codes */
enum bzp_res {
	BZR_OK = 1,	/* stream end reached: the block is good */
	BZR_SHORT = 2,	/* input ended inside the block (cut, or a false magic) */
	BZR_BAD = 3,	/* libbz2 data error: damage, CRC, or a false magic */
	BZR_CANCEL = 4, /* dropped by the consumer */
};

/*
 * struct bzp_job - one chunk: its one-block stream and decoded bytes.
 * The scanner fills @in while the slot is free; a worker owns @out while
 * the slot is busy; the consumer reads @out once the slot is done.
 */
struct bzp_job {
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_cap;
	uint64_t seq;
	uint64_t bit_start;  /* absolute bit offset of the block magic */
	uint64_t nbits;	     /* chunk length in bits (payload of @in from bit 32) */
	uint32_t crc;	     /* block CRC from the block header */
	uint32_t stream_crc; /* stored combined CRC, when @ends_stream */
	int level;
	bool tail;	  /* input ended: no end-of-stream trailer appended */
	bool ends_stream; /* the end-of-stream magic follows this block */
	atomic_bool cancel;
	enum bzp_slot state;
	int res;
};

/*
 * struct bzp_mem - a decoder's allocations kept for the next block.  libbz2
 * allocates its state and a 4 * 100k * level byte table per stream; with
 * one stream per block that would be an mmap, page faults and munmap of
 * megabytes for every block.  Keyed by size, at most BZP_MEM_SLOTS kept.
 */
#define BZP_MEM_SLOTS 4
struct bzp_mem {
	void *p[BZP_MEM_SLOTS];
	size_t size[BZP_MEM_SLOTS];
	bool used[BZP_MEM_SLOTS];
};

enum bzs_state { BZS_HEADER, BZS_FIRST, BZS_BLOCK, BZS_END };

struct bzp {
	/* scanner, used by the consumer thread only */
	enum bzs_state st;
	uint64_t hdr; /* byte offset of the current stream header */
	int level;
	uint64_t job_bit;  /* bit offset of the block being scanned */
	uint64_t spos;	   /* next byte to shift into @w */
	uint64_t w;	   /* the last 64 bits scanned */
	bool have_pending; /* tests: the real cut held back by a false one */
	bool pending_eos;
	uint64_t pending_at;
	int term; /* once st == BZS_END: 0 or the LO_E* code to report */
	struct lo_err term_err;
	uint8_t filter[8192]; /* 16-bit values that can lie inside a magic */

	/* consumer */
	uint32_t combined; /* combined CRC of the stream so far */
	unsigned consume;  /* ring slots used by the output now handed out */
	struct bzp_job merge;
	struct bzp_mem merge_mem;

	/* shared; mu guards the slot states, head, tail, dispatch and quit */
	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* workers: a job was queued, or quit */
	pthread_cond_t done_cv; /* consumer: a job is done */
	pthread_cond_t head_cv; /* paused workers: head moved, cancel, or quit */
	struct bzp_job *ring;
	unsigned nring;
	uint64_t head, tail, dispatch;
	bool quit;
	pthread_t *tids;
	unsigned nthreads;
	bool sync_ok; /* mu and the condition variables exist */
};

/* ------------------------------------------------------------ bit helpers */

/* bits_get() - @n (1..32) bits at bit @bit of @p[0..@len); zeros past @len. */
static uint32_t bits_get(const uint8_t *p, size_t len, uint64_t bit, unsigned n)
{
	size_t b = (size_t)(bit >> 3);
	unsigned r = (unsigned)(bit & 7);
	uint64_t v;

	if (b + 5 <= len) {
		v = (uint64_t)p[b] << 32 | (uint64_t)p[b + 1] << 24 | (uint64_t)p[b + 2] << 16 |
		    (uint64_t)p[b + 3] << 8 | p[b + 4];
	} else {
		v = 0;
		for (size_t i = 0; i < 5; i++)
			v = v << 8 | (b + i < len ? p[b + i] : 0);
	}
	return (uint32_t)((v >> (40 - r - n)) & ((1ull << n) - 1));
}

static uint64_t bits_get48(const uint8_t *p, size_t len, uint64_t bit)
{
	return (uint64_t)bits_get(p, len, bit, 24) << 24 | bits_get(p, len, bit + 24, 24);
}

struct bitw {
	uint8_t *p;
	size_t len;
	uint64_t acc;
	unsigned nacc;
};

static void bw_put(struct bitw *w, uint32_t v, unsigned n)
{
	w->acc = w->acc << n | (v & ((1ull << n) - 1));
	w->nacc += n;
	while (w->nacc >= 8) {
		w->nacc -= 8;
		w->p[w->len++] = (uint8_t)(w->acc >> w->nacc);
	}
}

static void bw_copy(struct bitw *w, const uint8_t *src, size_t len, uint64_t bit, uint64_t n)
{
	for (; n >= 32; n -= 32, bit += 32)
		bw_put(w, bits_get(src, len, bit, 32), 32);
	if (n)
		bw_put(w, bits_get(src, len, bit, (unsigned)n), (unsigned)n);
}

static void bw_flush(struct bitw *w)
{
	if (w->nacc)
		w->p[w->len++] = (uint8_t)(w->acc << (8 - w->nacc));
	w->nacc = 0;
}

/* ------------------------------------------------------------ chunk streams */

/* struct bzp_seg - a run of compressed bits to put into a one-block stream. */
struct bzp_seg {
	const uint8_t *p;
	size_t len;
	uint64_t bit;
	uint64_t nbits;
};

/*
 * job_build() - write "BZh<level>", the bits of @seg[0..@nseg) and, with
 * @trailer, the end-of-stream magic and @crc into @j->in.
 */
static int job_build(struct bzp_job *j, int level, const struct bzp_seg *seg, unsigned nseg,
		     bool trailer, uint32_t crc)
{
	uint64_t bits = 32 + (trailer ? BZP_HDR_BITS : 0);
	struct bitw w = {0};

	for (unsigned i = 0; i < nseg; i++)
		bits += seg[i].nbits;
	size_t need = (size_t)(bits + 7) / 8;
	if (need > j->in_cap) {
		uint8_t *p = realloc(j->in, need);
		if (!p)
			return LO_ENOMEM;
		j->in = p;
		j->in_cap = need;
	}
	w.p = j->in;
	bw_put(&w, (uint32_t)('B' << 24 | 'Z' << 16 | 'h' << 8 | ('0' + level)), 32);
	for (unsigned i = 0; i < nseg; i++)
		bw_copy(&w, seg[i].p, seg[i].len, seg[i].bit, seg[i].nbits);
	if (trailer) {
		bw_put(&w, (uint32_t)(BZP_MAGIC_EOS >> 24), 24);
		bw_put(&w, (uint32_t)(BZP_MAGIC_EOS & 0xffffff), 24);
		bw_put(&w, crc, 32);
	}
	bw_flush(&w);
	j->in_len = w.len;
	return 0;
}

/* largest output of one block: run-length coding expands 5 bytes to 259 */
static size_t bzp_out_max(int level)
{
	return (size_t)level * 100000 / 5 * 259 + 4096;
}

/*
 * job_grow() - enlarge @j->out.  A worker (@may_wait) whose block is not the
 * oldest waits before going past BZP_SOFT_OUT, so that only one block at a
 * time can reach the ~46 MB worst case and memory stays bounded.
 */
static int job_grow(struct bzp *p, struct bzp_job *j, bool may_wait)
{
	size_t max = bzp_out_max(j->level);
	size_t n = j->out_cap ? j->out_cap * 2 : (size_t)j->level * 100000 + (64u << 10);

	if (n > max)
		n = max;
	if (n <= j->out_cap)
		return LO_ETOOBIG;
	if (may_wait && n > BZP_SOFT_OUT) {
		pthread_mutex_lock(&p->mu);
		while (j->seq != p->head && !atomic_load(&j->cancel) && !p->quit)
			pthread_cond_wait(&p->head_cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
		if (atomic_load(&j->cancel))
			return BZR_CANCEL;
	}
	uint8_t *o = realloc(j->out, n);
	if (!o)
		return LO_ENOMEM;
	j->out = o;
	j->out_cap = n;
	return 0;
}

static void *bzp_mem_alloc(void *opaque, int items, int size)
{
	struct bzp_mem *m = opaque;
	size_t n = (size_t)items * (size_t)size;
	int spare = -1;

	for (int i = 0; i < BZP_MEM_SLOTS; i++) {
		if (m->used[i])
			continue;
		if (m->p[i] && m->size[i] == n) {
			m->used[i] = true;
			return m->p[i];
		}
		if (spare < 0 || !m->p[i])
			spare = i;
	}
	void *q = malloc(n);
	if (q && spare >= 0) {
		free(m->p[spare]);
		m->p[spare] = q;
		m->size[spare] = n;
		m->used[spare] = true;
	}
	return q; /* untracked when every slot is in use: freed in bzp_mem_free */
}

static void bzp_mem_free(void *opaque, void *q)
{
	struct bzp_mem *m = opaque;

	for (int i = 0; i < BZP_MEM_SLOTS; i++) {
		if (m->p[i] == q) {
			m->used[i] = false;
			return;
		}
	}
	free(q);
}

static void bzp_mem_fini(struct bzp_mem *m)
{
	for (int i = 0; i < BZP_MEM_SLOTS; i++)
		free(m->p[i]);
	memset(m, 0, sizeof(*m));
}

/* bzp_decode() - decode @j->in into @j->out and set @j->res. */
static void bzp_decode(struct bzp *p, struct bzp_job *j, struct bzp_mem *mem, bool may_wait)
{
	bz_stream z;

	memset(&z, 0, sizeof(z));
	z.bzalloc = bzp_mem_alloc;
	z.bzfree = bzp_mem_free;
	z.opaque = mem;
	j->out_len = 0;
	if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK) {
		j->res = LO_ENOMEM;
		return;
	}
	z.next_in = (char *)j->in;
	z.avail_in = (unsigned)j->in_len;
	for (;;) {
		if (j->out_len == j->out_cap) {
			int rc = job_grow(p, j, may_wait);
			if (rc) {
				j->res = rc;
				break;
			}
		}
		size_t room = j->out_cap - j->out_len;
		z.next_out = (char *)j->out + j->out_len;
		z.avail_out = room > UINT_MAX ? UINT_MAX : (unsigned)room;
		int br = BZ2_bzDecompress(&z);
		j->out_len = (size_t)((uint8_t *)z.next_out - j->out);
		if (br == BZ_STREAM_END) {
			j->res = BZR_OK;
			break;
		}
		if (br != BZ_OK) {
			j->res = br == BZ_MEM_ERROR ? LO_ENOMEM : BZR_BAD;
			break;
		}
		if (z.avail_in == 0 && z.avail_out > 0) {
			j->res = BZR_SHORT;
			break;
		}
		if (atomic_load(&j->cancel)) {
			j->res = BZR_CANCEL;
			break;
		}
	}
	BZ2_bzDecompressEnd(&z);
}

static void *bzp_worker(void *arg)
{
	struct bzp *p = arg;
	struct bzp_mem mem = {0};

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->dispatch == p->tail)
			pthread_cond_wait(&p->work_cv, &p->mu);
		if (p->quit)
			break;
		struct bzp_job *j = &p->ring[p->dispatch++ % p->nring];
		j->state = BZJ_BUSY;
		pthread_mutex_unlock(&p->mu);
		if (atomic_load(&j->cancel))
			j->res = BZR_CANCEL;
		else
			bzp_decode(p, j, &mem, true);
		pthread_mutex_lock(&p->mu);
		j->state = BZJ_DONE;
		pthread_cond_broadcast(&p->done_cv);
	}
	pthread_mutex_unlock(&p->mu);
	bzp_mem_fini(&mem);
	return NULL;
}

/* ------------------------------------------------------------ scanner */

static void filter_init(struct bzp *p)
{
	static const uint64_t magic[2] = {BZP_MAGIC_BLOCK, BZP_MAGIC_EOS};

	/* bits 16..31 of the scan window lie inside a magic at any of the 8
	 * alignments checked per byte; most bytes fail this test */
	for (unsigned m = 0; m < 2; m++) {
		for (unsigned k = 0; k < 8; k++) {
			unsigned v = (unsigned)(magic[m] >> (16 - k)) & 0xffff;
			p->filter[v >> 3] |= (uint8_t)(1u << (v & 7));
		}
	}
}

/* Stop scanning; @code (0 or LO_E*, described in p->term_err) comes last. */
static int bzs_stop(struct bzp *p, int code)
{
	p->st = BZS_END;
	p->term = code;
	return 0;
}

static int bzs_trunc(struct io_reader *r, struct bzp *p)
{
	uint64_t off = r->ioff + r->ilen;

	return bzs_stop(p, lo_err_set(&p->term_err, LO_ETRUNC, off,
				      "bzip2 stream truncated at compressed offset %" PRIu64, off));
}

/* Read until byte @upto is buffered or EOF, keeping bytes from @keep on. */
static int bzs_need(struct io_reader *r, uint64_t keep, uint64_t upto, struct lo_err *err)
{
	while (r->ioff + r->ilen < upto && !r->ieof) {
		ssize_t n = io_in_more(r, keep, err);
		if (n < 0)
			return (int)n;
	}
	return 0;
}

/*
 * bzs_scan() - look for the next magic in the buffered bytes.  Returns 1
 * with its bit offset in *@at, or 0 when the buffer is used up.  Matches
 * are reported in bit order, skipping the current block's own header.
 */
static int bzs_scan(struct io_reader *r, struct bzp *p, uint64_t *at, bool *eos)
{
	const uint8_t *buf = r->ibuf;
	uint64_t off = r->ioff, end = r->ioff + r->ilen;
	uint64_t w = p->w, minbit = p->job_bit + BZP_HDR_BITS;

	for (uint64_t pos = p->spos; pos < end; pos++) {
		w = w << 8 | buf[pos - off];
		unsigned v16 = (unsigned)(w >> 16) & 0xffff;
		if (!(p->filter[v16 >> 3] & (1u << (v16 & 7))))
			continue;
		for (int k = 7; k >= 0; k--) {
			uint64_t v = (w >> k) & BZP_M48;
			if (v != BZP_MAGIC_BLOCK && v != BZP_MAGIC_EOS)
				continue;
			uint64_t start = (pos + 1) * 8 - (uint64_t)k - 48;
			if (start < minbit)
				continue;
			p->w = w;
			p->spos = pos + 1;
			*at = start;
			*eos = v == BZP_MAGIC_EOS;
			return 1;
		}
	}
	p->w = w;
	p->spos = end;
	return 0;
}

/* Put the buffered bits [@from, @to) into @j as a one-block stream. */
static int bzs_cut(struct io_reader *r, struct bzp *p, struct bzp_job *j, uint64_t from,
		   uint64_t to, bool tail)
{
	uint64_t base = r->ioff * 8;
	struct bzp_seg seg = {r->ibuf, r->ilen, from - base, to - from};

	j->bit_start = from;
	j->nbits = to - from;
	j->level = p->level;
	j->tail = tail;
	j->ends_stream = false;
	j->crc = bits_get(r->ibuf, r->ilen, from - base + 48, 32);
	if (job_build(j, p->level, &seg, 1, !tail, j->crc))
		return bzs_stop(p, lo_err_set(&p->term_err, LO_ENOMEM, LO_NOOFF,
					      "bzip2: out of memory"));
	return 1;
}

static int bzs_header(struct io_reader *r, struct bzp *p)
{
	int rc = bzs_need(r, p->hdr, p->hdr + 4, &p->term_err);

	if (rc < 0)
		return bzs_stop(p, rc);
	uint64_t have = r->ioff + r->ilen - p->hdr;
	const uint8_t *h = r->ibuf + (p->hdr - r->ioff);

	if (have == 0)
		return bzs_stop(p, 0);
	if (have >= 4 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h' && h[3] >= '1' && h[3] <= '9') {
		p->level = h[3] - '0';
		p->st = BZS_FIRST;
		return 1;
	}
	if (have < 4 && memcmp(h, "BZh", have < 3 ? (size_t)have : 3) == 0)
		return bzs_trunc(r, p);
	io_warn_trailing(r, p->hdr);
	return bzs_stop(p, 0);
}

/* Just after a stream header: a block or the end-of-stream must follow. */
static int bzs_first(struct io_reader *r, struct bzp *p)
{
	uint64_t b = p->hdr + 4;
	int rc = bzs_need(r, p->hdr, b + 10, &p->term_err);

	if (rc < 0)
		return bzs_stop(p, rc);
	if (r->ioff + r->ilen < b + 10)
		return bzs_trunc(r, p);
	uint64_t bit = (b - r->ioff) * 8;
	uint64_t v = bits_get48(r->ibuf, r->ilen, bit);
	if (v == BZP_MAGIC_BLOCK) {
		p->job_bit = b * 8;
		p->spos = b;
		p->w = 0;
		p->st = BZS_BLOCK;
		return 1;
	}
	if (v == BZP_MAGIC_EOS && bits_get(r->ibuf, r->ilen, bit + 48, 32) == 0) {
		p->hdr = b + 10; /* an empty stream */
		p->st = BZS_HEADER;
		return 1;
	}
	return bzs_stop(p, lo_err_set(&p->term_err, LO_ECORRUPT, b,
				      "bzip2 data corrupt at compressed offset %" PRIu64
				      ": bad block header after the stream header",
				      b));
}

/*
 * bzs_next() - scan the next chunk into @j.  Returns 1 when @j is ready to
 * decode (the scanner may have stopped too, e.g. after a tail chunk), 0
 * when there are no more chunks (p->term says why).
 */
static int bzs_next(struct io_reader *r, struct bzp *p, struct bzp_job *j)
{
	for (;;) {
		uint64_t at;
		bool eos, pending = false;
		int rc;

		switch (p->st) {
		case BZS_HEADER:
			if (bzs_header(r, p) == 0)
				return 0;
			continue;
		case BZS_FIRST:
			if (bzs_first(r, p) == 0)
				return 0;
			continue;
		case BZS_END:
			return 0;
		case BZS_BLOCK:
			break;
		}
		if (p->have_pending) {
			at = p->pending_at;
			eos = p->pending_eos;
			p->have_pending = false;
			pending = true;
		} else if (!bzs_scan(r, p, &at, &eos)) {
			if (p->spos - p->job_bit / 8 > BZP_MAX_CHUNK)
				return bzs_stop(
					p,
					lo_err_set(&p->term_err, LO_ECORRUPT, p->job_bit / 8,
						   "bzip2 data corrupt at compressed offset %" PRIu64
						   ": no block boundary within %u bytes",
						   p->job_bit / 8, BZP_MAX_CHUNK));
			ssize_t n = io_in_more(r, p->job_bit / 8, &p->term_err);
			if (n < 0)
				return bzs_stop(p, (int)n);
			if (n == 0) {
				rc = bzs_cut(r, p, j, p->job_bit, (r->ioff + r->ilen) * 8, true);
				if (rc == 1)
					bzs_trunc(r, p);
				return rc;
			}
			continue;
		}
		if (r->test_false_cuts && !pending && at - p->job_bit > 4 * BZP_HDR_BITS) {
			/* pretend a magic matched inside the block's data */
			p->pending_at = at;
			p->pending_eos = eos;
			p->have_pending = true;
			at = p->job_bit + BZP_HDR_BITS + (at - p->job_bit - BZP_HDR_BITS) / 2;
			eos = false;
		}
		if (!eos) {
			rc = bzs_cut(r, p, j, p->job_bit, at, false);
			p->job_bit = at;
			return rc;
		}
		/* end of stream: the combined CRC follows, then maybe a new stream */
		rc = bzs_need(r, p->job_bit / 8, (at + BZP_HDR_BITS + 7) / 8, &p->term_err);
		if (rc < 0)
			return bzs_stop(p, rc);
		rc = bzs_cut(r, p, j, p->job_bit, at, false);
		if (rc != 1)
			return rc;
		if ((r->ioff + r->ilen) * 8 < at + BZP_HDR_BITS) {
			bzs_trunc(r, p);
			return 1;
		}
		j->ends_stream = true;
		j->stream_crc = bits_get(r->ibuf, r->ilen, at - r->ioff * 8 + 48, 32);
		p->hdr = (at + BZP_HDR_BITS + 7) / 8;
		p->st = BZS_HEADER;
		return 1;
	}
}

/* ------------------------------------------------------------ consumer */

static struct bzp_job *slot(struct bzp *p, uint64_t seq)
{
	return &p->ring[seq % p->nring];
}

/* Scan and queue chunks until the ring is full or the input ends. */
static void bzp_top_up(struct io_reader *r, struct bzp *p)
{
	while (p->st != BZS_END && p->tail - p->head < p->nring) {
		struct bzp_job *j = slot(p, p->tail);

		if (bzs_next(r, p, j) != 1)
			break;
		pthread_mutex_lock(&p->mu);
		j->seq = p->tail++;
		j->state = BZJ_QUEUED;
		pthread_cond_signal(&p->work_cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Free the ring slots of the output handed out last. */
static void bzp_release(struct bzp *p)
{
	pthread_mutex_lock(&p->mu);
	for (; p->consume; p->consume--) {
		struct bzp_job *j = slot(p, p->head);

		while (j->state != BZJ_DONE)
			pthread_cond_wait(&p->done_cv, &p->mu);
		j->state = BZJ_FREE;
		atomic_store(&j->cancel, false);
		p->head++;
		if (j->out_cap > BZP_SOFT_OUT) { /* do not keep a huge block around */
			free(j->out);
			j->out = NULL;
			j->out_cap = 0;
		}
	}
	pthread_cond_broadcast(&p->head_cv);
	pthread_mutex_unlock(&p->mu);
}

/*
 * bzp_merge() - the oldest chunk @j failed: retry it joined with the
 * chunks after it, in case a false magic had cut its block.  Returns the
 * merged job on success (p->consume set), NULL when no merge decodes.
 */
static struct bzp_job *bzp_merge(struct bzp *p, struct bzp_job *j)
{
	struct bzp_seg seg[64];
	struct bzp_job *m = &p->merge;
	uint64_t bits = j->nbits;
	unsigned nseg = 1;

	seg[0] = (struct bzp_seg){j->in, j->in_len, 32, j->nbits};
	for (uint64_t s = p->head + 1; s < p->tail && nseg < 64; s++) {
		struct bzp_job *prev = slot(p, s - 1), *nx = slot(p, s);

		if (prev->ends_stream || prev->tail)
			break;
		bits += nx->nbits;
		if (bits > (uint64_t)BZP_MAX_CHUNK * 8)
			break;
		seg[nseg++] = (struct bzp_seg){nx->in, nx->in_len, 32, nx->nbits};
		m->level = j->level;
		m->seq = j->seq;
		if (job_build(m, j->level, seg, nseg, !nx->tail, j->crc))
			break;
		bzp_decode(p, m, &p->merge_mem, false);
		if (m->res == BZR_OK || (nx->tail && m->res == BZR_SHORT)) {
			m->bit_start = j->bit_start;
			m->nbits = bits;
			m->crc = j->crc;
			m->tail = nx->tail;
			m->ends_stream = nx->ends_stream;
			m->stream_crc = nx->stream_crc;
			pthread_mutex_lock(&p->mu);
			for (uint64_t c = p->head + 1; c <= s; c++)
				atomic_store(&slot(p, c)->cancel, true);
			pthread_cond_broadcast(&p->head_cv);
			pthread_mutex_unlock(&p->mu);
			p->consume = nseg;
			return m;
		}
	}
	return NULL;
}

static int bzp_fill(struct io_reader *r, struct lo_err *err)
{
	struct bzp *p = r->state;

	for (;;) {
		bzp_release(p);
		bzp_top_up(r, p);
		if (p->head == p->tail) {
			if (p->term < 0)
				*err = p->term_err;
			return p->term;
		}

		struct bzp_job *j = slot(p, p->head);
		pthread_mutex_lock(&p->mu);
		while (j->state != BZJ_DONE)
			pthread_cond_wait(&p->done_cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
		p->consume = 1;

		if (j->res < 0)
			return lo_err_set(err, j->res, j->bit_start / 8,
					  "bzip2 block at compressed offset %" PRIu64 ": %s",
					  j->bit_start / 8, lo_strerror(j->res));
		if (j->tail && j->res == BZR_SHORT)
			return io_emit(r, j->out, j->out_len, 1, err); /* then term */
		if (j->res != BZR_OK) {
			struct bzp_job *m = bzp_merge(p, j);
			if (!m) {
				uint64_t off = j->bit_start / 8;
				lo_err_set(
					err, LO_ECORRUPT, off,
					"bzip2 data corrupt in block at compressed offset %" PRIu64
					" (bit %" PRIu64 "): bad block data or CRC",
					off, j->bit_start);
				return io_emit(r, j->out, j->out_len, LO_ECORRUPT, err);
			}
			j = m;
			if (j->tail) /* merged with the cut tail */
				return io_emit(r, j->out, j->out_len, 1, err);
		}

		int code = 1;
		p->combined = (p->combined << 1 | p->combined >> 31) ^ j->crc;
		if (j->ends_stream) {
			if (p->combined != j->stream_crc) {
				uint64_t off = (j->bit_start + j->nbits) / 8;
				code = lo_err_set(
					err, LO_ECORRUPT, off,
					"bzip2 stream CRC mismatch at compressed offset %" PRIu64
					" (stored %08x, blocks give %08x)",
					off, j->stream_crc, p->combined);
			}
			p->combined = 0;
		}
		code = io_emit(r, j->out, j->out_len, code, err);
		if (code != 1 || r->olen) /* else an empty block: go on */
			return code;
	}
}

/* ------------------------------------------------------------ life cycle */

static void bzp_fini(struct io_reader *r)
{
	struct bzp *p = r->state;

	if (!p)
		return;
	if (p->sync_ok) {
		pthread_mutex_lock(&p->mu);
		p->quit = true;
		for (unsigned i = 0; i < p->nring; i++)
			atomic_store(&p->ring[i].cancel, true);
		pthread_cond_broadcast(&p->work_cv);
		pthread_cond_broadcast(&p->head_cv);
		pthread_mutex_unlock(&p->mu);
		for (unsigned i = 0; i < p->nthreads; i++)
			pthread_join(p->tids[i], NULL);
		pthread_cond_destroy(&p->work_cv);
		pthread_cond_destroy(&p->done_cv);
		pthread_cond_destroy(&p->head_cv);
		pthread_mutex_destroy(&p->mu);
	}
	for (unsigned i = 0; p->ring && i < p->nring; i++) {
		free(p->ring[i].in);
		free(p->ring[i].out);
	}
	bzp_mem_fini(&p->merge_mem);
	free(p->merge.in);
	free(p->merge.out);
	free(p->ring);
	free(p->tids);
	free(p);
	r->state = NULL;
}

static int bzp_init(struct io_reader *r, struct lo_err *err)
{
	struct bzp *p = calloc(1, sizeof(*p));
	unsigned want = r->threads;

	if (!p)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "bzip2: out of memory");
	r->state = p;
	p->nring = want * BZP_RING_PER_THREAD;
	p->ring = calloc(p->nring, sizeof(*p->ring));
	p->tids = calloc(want, sizeof(*p->tids));
	if (!p->ring || !p->tids || io_in_grow(r, BZP_MAX_CHUNK + IO_READ_MAX))
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "bzip2: out of memory");
	for (unsigned i = 0; i < p->nring; i++)
		atomic_init(&p->ring[i].cancel, false);
	atomic_init(&p->merge.cancel, false);
	filter_init(p);
	p->st = BZS_HEADER;
	if (pthread_mutex_init(&p->mu, NULL))
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "bzip2: mutex init failed");
	if (pthread_cond_init(&p->work_cv, NULL) || pthread_cond_init(&p->done_cv, NULL) ||
	    pthread_cond_init(&p->head_cv, NULL)) {
		pthread_mutex_destroy(&p->mu);
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "bzip2: condvar init failed");
	}
	p->sync_ok = true;
	for (unsigned i = 0; i < want; i++) {
		if (pthread_create(&p->tids[i], NULL, bzp_worker, p))
			break;
		p->nthreads++;
	}
	if (p->nthreads == 0)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "bzip2: cannot start worker threads");
	return 0;
}

const struct io_codec io_codec_bzip2_par = {
	.name = "bzip2",
	.format = IO_BZIP2,
	.init = bzp_init,
	.fill = bzp_fill,
	.fini = bzp_fini,
};
