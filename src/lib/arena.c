/*
 * DOC: arena — a bump allocator for memory that dies together (one MRT
 * record, one packet, one request).  Chunks are malloc'd on demand; reset
 * keeps the newest chunk so steady-state use does not call malloc at all.
 */
#include "lib/lib.h"

#include <stdlib.h>

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

void arena_init(struct arena *a, size_t chunk, size_t cap)
{
	a->head = NULL;
	a->used = 0;
	a->cap = cap;
	a->chunk = chunk ? chunk : 64 * 1024;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);

	if (need < n || a->used + need > a->cap)
		return NULL;
	if (!c || c->size - c->used < need) {
		size_t sz = need > a->chunk ? need : a->chunk;
		c = malloc(sizeof(*c) + sz);
		if (!c)
			return NULL;
		c->size = sz;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += need;
	a->used += need;
	return p;
}

void arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head;

	if (!c)
		return;
	/* keep the newest chunk only if it is a regular one */
	struct arena_chunk *rest = c->next;
	if (c->size > a->chunk) {
		rest = c;
		c = NULL;
	}
	while (rest) {
		struct arena_chunk *n = rest->next;
		free(rest);
		rest = n;
	}
	if (c) {
		c->next = NULL;
		c->used = 0;
	}
	a->head = c;
	a->used = 0;
}

void arena_fini(struct arena *a)
{
	struct arena_chunk *c = a->head;

	while (c) {
		struct arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
	a->used = 0;
}
