/*
 * DOC: lo_buf — a growable byte buffer with a hard cap, NUL-terminated.
 */
#include "lib/lib.h"

#include <stdio.h>
#include <stdlib.h>

void lo_buf_init(struct lo_buf *b, size_t toobig)
{
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
	b->toobig = toobig;
}

void lo_buf_fini(struct lo_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->alloc = 0;
}

int lo_buf_grow(struct lo_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need < b->len || need > b->toobig)
		return LO_ETOOBIG;
	if (need <= b->alloc)
		return 0;
	size_t n = b->alloc ? b->alloc : 256;
	while (n < need)
		n *= 2;
	if (n > b->toobig)
		n = b->toobig;
	char *p = realloc(b->p, n);
	if (!p)
		return LO_ENOMEM;
	b->p = p;
	b->alloc = n;
	return 0;
}

int lo_buf_add(struct lo_buf *b, const void *p, size_t n)
{
	int rc = lo_buf_grow(b, n);
	if (rc)
		return rc;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

int lo_buf_printf(struct lo_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return LO_EINVAL;
	rc = lo_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}
