/*
 * The block runner: sweeps and belief rounds of the /24 blocks of one
 * block:PREFIX target, through the engine's echoes (probe.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/probe.h"

struct bs_block;

/*
 * What an echo in flight was for: one slot per address (at most one echo
 * per address is out: sweeps and rounds never overlap, a round has one
 * probe out per block), so nothing is allocated per echo and nothing leaks
 * when the prober is freed with echoes in flight.
 */
struct bs_slot {
	struct probe_blockset *s;
	uint32_t i;    /* the block */
	uint32_t addr; /* host order */
	bool sweep;
};

struct bs_block {
	struct probe_block b;
	struct bs_slot slot[256];
	uint8_t seen[32];    /* answers of the sweep running */
	unsigned sweep_left; /* sweep echoes still out */
	unsigned sweep_sent; /* by the sweep running */
	bool in_round;	     /* its belief round is running */
	unsigned probes;     /* of the belief round running */
};

struct probe_blockset {
	struct prober *p;
	struct probe_blockset_opts o;
	size_t n;
	struct bs_block *blocks;
	bool swept;
	int64_t last_sweep; /* monotonic seconds */
	unsigned sweeping;  /* blocks whose sweep is running */
	unsigned rounding;  /* blocks whose belief round is running */
};

static int64_t mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void probe_blockset_opts_default(struct probe_blockset_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = 1500;
	o->sweep_s = 86400;
	probe_block_opts_default(&o->block);
}

static struct bgp_addr v4(uint32_t a)
{
	struct bgp_addr x = {.family = 4};
	x.b[0] = (uint8_t)(a >> 24);
	x.b[1] = (uint8_t)(a >> 16);
	x.b[2] = (uint8_t)(a >> 8);
	x.b[3] = (uint8_t)a;
	return x;
}

static void round_step(struct probe_blockset *s, size_t i);

static void block_round_done(struct probe_blockset *s, size_t i)
{
	s->blocks[i].in_round = false;
	if (s->rounding && !--s->rounding && s->o.on_round)
		s->o.on_round(s->o.ctx);
}

static void on_echo(void *ctx, const struct probe_result *r)
{
	const struct bs_slot *e = ctx;
	struct probe_blockset *s = e->s;
	struct bs_block *bb = &s->blocks[e->i];
	size_t i = e->i;
	uint32_t addr = e->addr;

	if (e->sweep) {
		unsigned last = addr & 0xff;
		if (r->up)
			bb->seen[last / 8] |= (uint8_t)(1u << (last % 8));
		if (--bb->sweep_left)
			return;
		/* the sweep of this block is over: E(b) is what answered, unless
		 * nothing did and an earlier sweep knew better (an outage) */
		unsigned found = 0;
		for (int k = 0; k < 32; k++)
			found += (unsigned)__builtin_popcount(bb->seen[k]);
		if (found)
			probe_block_set_ever(&bb->b, bb->seen);
		/* the sweep's answers say the block is up now: a block of unknown
		 * state starts from that, not from one later silence */
		if (found && bb->b.state == PROBE_BLOCK_UNKNOWN) {
			for (unsigned k = 1; k < 255; k++)
				if (bb->seen[k / 8] & (1u << (k % 8))) {
					if (probe_block_result(&bb->b, bb->b.base | k, true) >= 0 &&
					    s->o.on_change)
						s->o.on_change(s->o.ctx, i, &bb->b,
							       PROBE_BLOCK_UNKNOWN, r->done_wall,
							       found);
					break;
				}
		}
		if (s->sweeping && !--s->sweeping) {
			s->swept = true;
			s->last_sweep = mono_s();
			probe_blockset_round(s); /* now the belief rounds */
		}
		return;
	}
	enum probe_block_state old = bb->b.state;
	int ch = probe_block_result(&bb->b, addr, r->up);
	if (ch >= 0 && s->o.on_change)
		s->o.on_change(s->o.ctx, i, &bb->b, old, r->done_wall ? r->done_wall : wall_s(),
			       bb->probes);
	round_step(s, i);
}

static int send_echo(struct probe_blockset *s, size_t i, uint32_t addr, bool sweep)
{
	struct bs_slot *e = &s->blocks[i].slot[addr & 0xff];
	*e = (struct bs_slot){s, (uint32_t)i, addr, sweep};
	struct bgp_addr a = v4(addr);
	return prober_echo(s->p, &a, s->o.timeout_ms, on_echo, e);
}

/* The next probe of block @i's round, or its end. */
static void round_step(struct probe_blockset *s, size_t i)
{
	struct bs_block *bb = &s->blocks[i];
	uint32_t addr;

	if (!bb->in_round)
		return;
	if (probe_block_next(&bb->b, &addr) == 1) {
		bb->probes++;
		if (!send_echo(s, i, addr, false))
			return;
	}
	block_round_done(s, i);
}

static void sweep_start(struct probe_blockset *s)
{
	s->sweeping = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct bs_block *bb = &s->blocks[i];
		memset(bb->seen, 0, sizeof(bb->seen));
		bb->sweep_left = 0;
		s->sweeping++;
		for (uint32_t last = 1; last <= 254; last++)
			if (!send_echo(s, i, bb->b.base | last, true))
				bb->sweep_left++;
		bb->sweep_sent = bb->sweep_left;
		if (!bb->sweep_left) /* nothing could be sent */
			s->sweeping--;
	}
	if (!s->sweeping) { /* nothing at all went out: try again next round */
		s->swept = true;
		s->last_sweep = mono_s();
	}
}

int probe_blockset_round(struct probe_blockset *s)
{
	if (probe_blockset_busy(s))
		return LO_EAGAIN;
	if (!s->swept || mono_s() - s->last_sweep >= (int64_t)s->o.sweep_s) {
		sweep_start(s);
		if (s->sweeping)
			return 0; /* the rounds follow the sweep */
	}
	s->rounding = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct bs_block *bb = &s->blocks[i];
		if (!probe_block_measurable(&bb->b))
			continue;
		probe_block_round(&bb->b);
		bb->in_round = true;
		bb->probes = 0;
		s->rounding++;
	}
	if (!s->rounding) {
		if (s->o.on_round)
			s->o.on_round(s->o.ctx);
		return 0;
	}
	/* rounding counts down as blocks finish; a block may finish at once */
	for (size_t i = 0; i < s->n; i++)
		if (s->blocks[i].in_round)
			round_step(s, i);
	return 0;
}

bool probe_blockset_busy(const struct probe_blockset *s)
{
	return s->sweeping || s->rounding;
}

struct probe_blockset *probe_blockset_new(struct prober *p, const struct bgp_prefix *prefix,
					  const struct probe_blockset_opts *o, struct lo_err *err)
{
	if (prefix->addr.family != 4 || prefix->len < 16 || prefix->len > 32) {
		lo_err_set(err, LO_EINVAL, LO_NOOFF, "a block target is IPv4, /16 to /32");
		return NULL;
	}
	struct probe_blockset *s = calloc(1, sizeof(*s));
	if (!s) {
		lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
		return NULL;
	}
	s->p = p;
	if (o)
		s->o = *o;
	else
		probe_blockset_opts_default(&s->o);
	uint32_t base = (uint32_t)prefix->addr.b[0] << 24 | (uint32_t)prefix->addr.b[1] << 16 |
			(uint32_t)prefix->addr.b[2] << 8;
	s->n = prefix->len >= 24 ? 1 : (size_t)1 << (24 - prefix->len);
	if (!(s->blocks = calloc(s->n, sizeof(*s->blocks)))) {
		free(s);
		lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < s->n; i++)
		probe_block_init(&s->blocks[i].b, base + ((uint32_t)i << 8), &s->o.block,
				 lo_hash(&base, sizeof(base)) + i);
	return s;
}

void probe_blockset_free(struct probe_blockset *s)
{
	if (!s)
		return;
	/* echoes still in flight point into s: the caller frees the prober first */
	free(s->blocks);
	free(s);
}

size_t probe_blockset_count(const struct probe_blockset *s)
{
	return s->n;
}

const struct probe_block *probe_blockset_block(const struct probe_blockset *s, size_t i)
{
	return i < s->n ? &s->blocks[i].b : NULL;
}

unsigned probe_blockset_up(const struct probe_blockset *s, unsigned *measurable)
{
	unsigned up = 0, m = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct probe_block *b = &s->blocks[i].b;
		if (!probe_block_measurable(b) || b->state == PROBE_BLOCK_UNKNOWN)
			continue;
		m++;
		up += b->state == PROBE_BLOCK_UP;
	}
	if (measurable)
		*measurable = m;
	return up;
}
