/*
 * DOC: lib — the small shared foundation every other module builds on.
 *
 * - One error convention: functions that act return 0 or a negative LO_E*
 *   code; predicates return bool; iterators return 1 (item), 0 (end) or <0.
 *   An optional struct lo_err carries text: what went wrong, where (source
 *   name and byte offset).  Codes are appended, never renumbered.
 * - A bounds-checked cursor for all wire parsing (cur_*): every read returns
 *   0 or LO_ETRUNC, so calls chain with ||.  Never cast a struct over a
 *   packet.
 * - An arena for per-record / per-request memory with a hard cap.
 * - A growable byte buffer with a hard cap (curl's dynbuf idea).
 * - Logging to stderr with a per-call-site rate limit.
 */
#ifndef LO_LIB_H
#define LO_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---------------------------------------------------------------- errors */

enum lo_errcode {
	LO_OK = 0,
	LO_ENOMEM = -1,	  /* allocation failed */
	LO_EINVAL = -2,	  /* bad argument or usage */
	LO_ETRUNC = -3,	  /* input ended before a complete item */
	LO_ECORRUPT = -4, /* input is malformed */
	LO_EIO = -5,	  /* read/write failed (errno in the message) */
	LO_ETOOBIG = -6,  /* a hard cap was hit */
	LO_EUNSUP = -7,	  /* valid but unsupported input */
	LO_ENOENT = -8,	  /* no such file or item */
	LO_EAGAIN = -9,	  /* need more bytes (incremental decoders) */
			  /* append new codes here; never renumber */
};

/* lo_strerror() - a short constant text for a LO_E* code. */
const char *lo_strerror(int code);

#define LO_ERR_MSG 256
#define LO_ERR_SRC 128

/*
 * struct lo_err - optional error detail filled by a failing call.
 * @code:   the LO_E* code returned
 * @offset: byte offset in the source where the problem was found, or
 *          UINT64_MAX when it does not apply
 * @src:    source name (file name, peer, exporter); may be empty
 * @msg:    human-readable description
 */
struct lo_err {
	int code;
	uint64_t offset;
	char src[LO_ERR_SRC];
	char msg[LO_ERR_MSG];
};

#define LO_NOOFF UINT64_MAX

/* lo_err_clear() - reset @e (may be NULL). */
void lo_err_clear(struct lo_err *e);

/*
 * lo_err_set() - record an error in @e (may be NULL) and return @code, so a
 * caller can write `return lo_err_set(err, LO_ECORRUPT, off, "...")`.
 */
int lo_err_set(struct lo_err *e, int code, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* lo_err_src() - set the source name of @e (may be NULL). */
void lo_err_src(struct lo_err *e, const char *src);

/* ---------------------------------------------------------------- cursor */

/*
 * struct cur - a read cursor over borrowed bytes [p, end).
 * All readers advance only on success and return 0 or LO_ETRUNC.
 */
struct cur {
	const uint8_t *p;
	const uint8_t *end;
};

static inline struct cur cur_make(const void *p, size_t n)
{
	/* NULL + 0 is undefined in C: an empty cursor has no pointer at all */
	struct cur c = {(const uint8_t *)p, p ? (const uint8_t *)p + n : NULL};
	return c;
}

static inline size_t cur_left(const struct cur *c)
{
	return (size_t)(c->end - c->p);
}

static inline bool cur_empty(const struct cur *c)
{
	return c->p >= c->end;
}

static inline int cur_u8(struct cur *c, uint8_t *v)
{
	if (c->end - c->p < 1)
		return LO_ETRUNC;
	*v = c->p[0];
	c->p += 1;
	return 0;
}

static inline int cur_be16(struct cur *c, uint16_t *v)
{
	if (c->end - c->p < 2)
		return LO_ETRUNC;
	*v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return 0;
}

static inline int cur_be32(struct cur *c, uint32_t *v)
{
	if (c->end - c->p < 4)
		return LO_ETRUNC;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	return 0;
}

static inline int cur_be64(struct cur *c, uint64_t *v)
{
	uint32_t hi, lo;
	if (c->end - c->p < 8)
		return LO_ETRUNC;
	cur_be32(c, &hi);
	cur_be32(c, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* cur_bytes() - borrow @n bytes at the cursor into *@out. */
static inline int cur_bytes(struct cur *c, size_t n, const uint8_t **out)
{
	if (cur_left(c) < n)
		return LO_ETRUNC;
	*out = c->p;
	c->p += n;
	return 0;
}

/* cur_copy() - copy @n bytes at the cursor into @dst. */
static inline int cur_copy(struct cur *c, void *dst, size_t n)
{
	if (cur_left(c) < n)
		return LO_ETRUNC;
	memcpy(dst, c->p, n);
	c->p += n;
	return 0;
}

static inline int cur_skip(struct cur *c, size_t n)
{
	if (cur_left(c) < n)
		return LO_ETRUNC;
	c->p += n;
	return 0;
}

/* cur_sub() - split off the next @n bytes as @sub and skip them in @c. */
static inline int cur_sub(struct cur *c, size_t n, struct cur *sub)
{
	if (cur_left(c) < n)
		return LO_ETRUNC;
	sub->p = c->p;
	sub->end = c->p + n;
	c->p += n;
	return 0;
}

/* ---------------------------------------------------------------- arena */

/*
 * struct arena - bump allocator for memory that dies together.
 * arena_init() sets a hard cap on the bytes it will hand out; arena_alloc()
 * returns NULL when the cap or malloc would be exceeded.  arena_reset()
 * keeps the first chunk for reuse; arena_fini() frees everything.
 */
struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	size_t used;  /* bytes handed out since the last reset */
	size_t cap;   /* hard cap on used */
	size_t chunk; /* default chunk size */
};

void arena_init(struct arena *a, size_t chunk, size_t cap);
void *arena_alloc(struct arena *a, size_t n);
void arena_reset(struct arena *a);
void arena_fini(struct arena *a);

/* ---------------------------------------------------------------- buffer */

/*
 * struct lo_buf - growable byte buffer with a hard cap (@toobig).
 * Appends return 0 or LO_ENOMEM / LO_ETOOBIG; the buffer keeps a NUL
 * after its contents so it can be printed as a string.
 */
struct lo_buf {
	char *p;
	size_t len;
	size_t alloc;
	size_t toobig;
};

void lo_buf_init(struct lo_buf *b, size_t toobig);
void lo_buf_fini(struct lo_buf *b);
int lo_buf_grow(struct lo_buf *b, size_t extra);
int lo_buf_add(struct lo_buf *b, const void *p, size_t n);
int lo_buf_printf(struct lo_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void lo_buf_reset(struct lo_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = 0;
}

/* ---------------------------------------------------------------- logging */

enum lo_level { LO_LOG_ERROR, LO_LOG_WARN, LO_LOG_INFO, LO_LOG_DEBUG };

/* lo_log_level() - set the most verbose level printed (default WARN). */
void lo_log_level(enum lo_level lvl);
void lo_log(enum lo_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * struct lo_ratelimit - allow @burst messages per @interval_s seconds;
 * the rest are counted and summarised when the window reopens.
 */
struct lo_ratelimit {
	int64_t window_start;
	unsigned interval_s;
	unsigned burst;
	unsigned printed;
	uint64_t suppressed;
};

#define LO_RATELIMIT_INIT(interval, burst)   \
	{                                    \
		0, (interval), (burst), 0, 0 \
	}

void lo_log_rl(struct lo_ratelimit *rl, enum lo_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* lo_log_err() - log @e (source, offset, message) through @rl (may be NULL). */
void lo_log_err(struct lo_ratelimit *rl, enum lo_level lvl, const struct lo_err *e);

/* lo_log_flush() - report messages still suppressed by @rl. */
void lo_log_flush(struct lo_ratelimit *rl);

/* ---------------------------------------------------------------- time */

/*
 * lo_time_parse() - ISO 8601 UTC ("2014-12-22T16:15:21Z", the Z optional) or
 * unix seconds; 0 or LO_EINVAL.  lo_time_parse32() also checks the range of
 * MRT times.
 */
int lo_time_parse(const char *s, int64_t *out);
int lo_time_parse32(const char *s, uint32_t *out);

/* lo_time_iso() - "YYYY-MM-DDTHH:MM:SSZ" into @buf (at least 21 bytes); length or 0. */
size_t lo_time_iso(int64_t t, char *buf, size_t n);

/* ---------------------------------------------------------------- hash set */

/*
 * struct lo_hset - a set of fixed-size keys (open addressing, linear
 * probing).  @max caps the number of keys (LO_ETOOBIG beyond it).
 */
struct lo_hset {
	uint8_t *keys;
	uint8_t *used;
	size_t ksize, cap, n, max;
};

int lo_hset_init(struct lo_hset *s, size_t ksize, size_t max);
/* lo_hset_add() - 1 when @key was added, 0 when present, <0 LO_E* on error. */
int lo_hset_add(struct lo_hset *s, const void *key);
void lo_hset_fini(struct lo_hset *s);
uint64_t lo_hash(const void *p, size_t n);

#endif
