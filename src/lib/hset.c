/*
 * DOC: lo_hset — a capped set of fixed-size keys (open addressing).
 */
#include "lib/lib.h"

#include <stdlib.h>

uint64_t lo_hash(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull ^ n;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

int lo_hset_init(struct lo_hset *s, size_t ksize, size_t max)
{
	s->ksize = ksize;
	s->cap = 1024;
	s->n = 0;
	s->max = max;
	s->keys = malloc(s->cap * ksize);
	s->used = calloc(s->cap, 1);
	if (!s->keys || !s->used) {
		lo_hset_fini(s);
		return LO_ENOMEM;
	}
	return 0;
}

void lo_hset_fini(struct lo_hset *s)
{
	free(s->keys);
	free(s->used);
	s->keys = s->used = NULL;
	s->n = s->cap = 0;
}

static int insert(uint8_t *keys, uint8_t *used, size_t cap, size_t ksize, const void *key)
{
	size_t i = (size_t)lo_hash(key, ksize) & (cap - 1);

	while (used[i]) {
		if (!memcmp(keys + i * ksize, key, ksize))
			return 0;
		i = (i + 1) & (cap - 1);
	}
	used[i] = 1;
	memcpy(keys + i * ksize, key, ksize);
	return 1;
}

static bool contains(const struct lo_hset *s, const void *key)
{
	size_t i = (size_t)lo_hash(key, s->ksize) & (s->cap - 1);

	while (s->used[i]) {
		if (!memcmp(s->keys + i * s->ksize, key, s->ksize))
			return true;
		i = (i + 1) & (s->cap - 1);
	}
	return false;
}

int lo_hset_add(struct lo_hset *s, const void *key)
{
	if (s->n >= s->max)
		return contains(s, key) ? 0 : LO_ETOOBIG;
	if ((s->n + 1) * 4 > s->cap * 3) {
		size_t ncap = s->cap * 2;
		uint8_t *nk = malloc(ncap * s->ksize), *nu = calloc(ncap, 1);
		if (!nk || !nu) {
			free(nk);
			free(nu);
			return LO_ENOMEM;
		}
		for (size_t i = 0; i < s->cap; i++)
			if (s->used[i])
				insert(nk, nu, ncap, s->ksize, s->keys + i * s->ksize);
		free(s->keys);
		free(s->used);
		s->keys = nk;
		s->used = nu;
		s->cap = ncap;
	}
	int rc = insert(s->keys, s->used, s->cap, s->ksize, key);
	s->n += (size_t)rc;
	return rc;
}
