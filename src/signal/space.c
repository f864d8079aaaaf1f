/*
 * DOC: struct sig_space — union size of a multiset of prefixes.
 *
 * A binary trie down to the block length (24 for IPv4, 48 for IPv6).  Each
 * node knows how many copies of its own prefix are present and the number
 * of blocks its subtree's union covers: all of its blocks when the node is
 * present, else the sum of its children.  A change walks the path down and
 * then recomputes the covered count on the way back up.  Nodes are kept in
 * one array (indices, not pointers) with a free list.
 */
#include "signal/signal.h"

#include <stdlib.h>
#include <string.h>

struct node {
	uint32_t child[2]; /* index + 1; 0 = none */
	uint32_t count;	   /* copies of this exact prefix */
	uint32_t pad;
	uint64_t covered; /* blocks covered in this subtree */
};

struct sig_space {
	uint8_t family;
	uint8_t depth; /* block length */
	struct node *v;
	size_t n, cap, max;
	uint32_t *free;
	size_t nfree, free_cap;
};

struct sig_space *sig_space_new(uint8_t family, size_t max_nodes)
{
	struct sig_space *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->family = family;
	s->depth = family == 6 ? 48 : 24;
	s->max = max_nodes ? max_nodes : 1;
	s->cap = 64;
	s->v = calloc(s->cap, sizeof(*s->v));
	if (!s->v) {
		free(s);
		return NULL;
	}
	s->n = 1; /* the root */
	return s;
}

void sig_space_free(struct sig_space *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->free);
	free(s);
}

static int64_t node_new(struct sig_space *s)
{
	uint32_t idx;

	if (s->nfree) {
		idx = s->free[--s->nfree];
	} else {
		if (s->n >= s->max)
			return LO_ETOOBIG;
		if (s->n == s->cap) {
			size_t nc = s->cap * 2;
			struct node *v = realloc(s->v, nc * sizeof(*v));
			if (!v)
				return LO_ENOMEM;
			s->v = v;
			s->cap = nc;
		}
		idx = (uint32_t)s->n++;
	}
	memset(&s->v[idx], 0, sizeof(s->v[idx]));
	return idx;
}

static void node_free(struct sig_space *s, uint32_t idx)
{
	if (s->nfree == s->free_cap) {
		size_t nc = s->free_cap ? s->free_cap * 2 : 64;
		uint32_t *f = realloc(s->free, nc * sizeof(*f));
		if (!f)
			return; /* kept allocated until sig_space_free */
		s->free = f;
		s->free_cap = nc;
	}
	s->free[s->nfree++] = idx;
}

static inline unsigned bit(const uint8_t *b, unsigned i)
{
	return (b[i / 8] >> (7 - i % 8)) & 1;
}

static uint64_t node_blocks(const struct sig_space *s, unsigned depth)
{
	return (uint64_t)1 << (s->depth - depth);
}

int sig_space_add(struct sig_space *s, const struct bgp_prefix *p, int delta)
{
	uint32_t path[129];
	unsigned len = p->len < s->depth ? p->len : s->depth;

	if (p->addr.family != s->family || (delta != 1 && delta != -1))
		return LO_EINVAL;
	/* walk down, creating nodes when adding */
	uint32_t cur = 0;
	path[0] = 0;
	for (unsigned d = 0; d < len; d++) {
		unsigned b = bit(p->addr.b, d);
		uint32_t next = s->v[cur].child[b];
		if (!next) {
			if (delta < 0)
				return LO_EINVAL;
			int64_t k = node_new(s);
			if (k < 0)
				return (int)k;
			s->v[cur].child[b] = (uint32_t)k + 1;
			next = (uint32_t)k + 1;
		}
		cur = next - 1;
		path[d + 1] = cur;
	}
	struct node *e = &s->v[cur];
	if (delta < 0 && !e->count)
		return LO_EINVAL;
	e->count += delta > 0 ? 1u : (uint32_t)-1;
	/* recompute covered counts bottom-up, dropping empty nodes */
	for (int d = (int)len; d >= 0; d--) {
		struct node *n = &s->v[path[d]];
		uint64_t below = 0;
		for (int c = 0; c < 2; c++)
			if (n->child[c])
				below += s->v[n->child[c] - 1].covered;
		n->covered = n->count ? node_blocks(s, (unsigned)d) : below;
		if (d > 0 && !n->count && !n->child[0] && !n->child[1]) {
			struct node *parent = &s->v[path[d - 1]];
			unsigned b = bit(p->addr.b, (unsigned)d - 1);
			parent->child[b] = 0;
			node_free(s, path[d]);
		}
	}
	return 0;
}

uint64_t sig_space_blocks(const struct sig_space *s)
{
	return s->v[0].covered;
}

size_t sig_space_nodes(const struct sig_space *s)
{
	return s->n - s->nfree;
}
