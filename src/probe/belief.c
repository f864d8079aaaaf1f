/*
 * DOC: belief — is a /24 block up?  The Trinocular belief (Quan, Heidemann
 * and Pradkin, "Trinocular: Understanding Internet Reliability Through
 * Adaptive Probing", SIGCOMM 2013, §3), without sockets or clocks.
 *
 * Bayes' rule on the belief B that the block is up, after a probe of one
 * address of E(b), with A the chance that such an address answers when
 * the block is up and p_false that it answers when it is down:
 *
 *   answer:  B' = A B / (A B + p_false (1 - B))
 *   silence: B' = (1 - A) B / ((1 - A) B + (1 - p_false)(1 - B))
 *
 * In odds (B / (1 - B)) each answer multiplies by A / p_false and each
 * silence by (1 - A) / (1 - p_false): with the defaults and A = 0.95, 95
 * and 1/19.8.  B is kept within [b_floor, 1 - b_floor] so that no run of
 * one kind makes the other kind of news take longer and longer to believe.
 *
 * A is learnt as a moving average of the probes (weight a_alpha each),
 * within [a_min, a_max], and only from probes sent while the state is up
 * and B was at least @up before the probe: a probe sent while the block is
 * believed up is a fair draw of A, but one sent after a silence raised
 * doubt may be the start of an outage, and learning from it would lower A
 * and with it the weight of every later silence, so that a sparse block
 * would slide towards unmeasurable instead of down.  Which probes are
 * learnt from depends on earlier answers only, never on the probe's own,
 * so A is not biased for a block that is really up.
 *
 * Rounds: the first probe always goes; more go while B is between the
 * thresholds or contradicts the state, up to max_probes.  The state turns
 * up once B >= @up and down once B <= @down; unknown stays unknown until
 * then.  Addresses are probed in a shuffled order of E(b), each one once
 * before any repeats (the order carries on across rounds), shuffled
 * again (Fisher-Yates, splitmix64 from @seed) each time E(b) is set.
 */
#include "probe/probe.h"

void probe_block_opts_default(struct probe_block_opts *o)
{
	o->up = 0.9;
	o->down = 0.1;
	o->p_false = 0.01;
	o->a_min = 0.1;
	o->a_max = 0.95;
	o->a_alpha = 0.05;
	o->b_floor = 0.01;
	o->max_probes = 15;
}

/* splitmix64() - the next number of the sequence of state *@s (Steele, Lea, Flood 2014). */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void probe_block_init(struct probe_block *b, uint32_t base, const struct probe_block_opts *o,
		      uint64_t seed)
{
	memset(b, 0, sizeof(*b));
	b->base = base & 0xffffff00u;
	if (o)
		b->o = *o;
	else
		probe_block_opts_default(&b->o);
	b->a = b->o.a_max;
	b->belief = 0.5;
	b->state = PROBE_BLOCK_UNKNOWN;
	b->seed = seed;
}

void probe_block_set_ever(struct probe_block *b, const uint8_t bitmap[32])
{
	bool was_empty = b->n_ever == 0;
	unsigned n = 0;

	memcpy(b->ever, bitmap, sizeof(b->ever));
	b->ever[0] &= (uint8_t)~0x01;  /* .0 */
	b->ever[31] &= (uint8_t)~0x80; /* .255 */
	for (unsigned i = 1; i < 255; i++)
		if (b->ever[i / 8] & 1u << (i % 8))
			b->order[n++] = (uint8_t)i;
	for (unsigned i = n; i > 1; i--) {
		/* j uniform in [0, i): the high half of a 64-bit draw, scaled */
		unsigned j = (unsigned)(((splitmix64(&b->seed) >> 32) * i) >> 32);
		uint8_t t = b->order[i - 1];
		b->order[i - 1] = b->order[j];
		b->order[j] = t;
	}
	b->n_ever = n;
	b->next = 0;
	if (was_empty && n) {
		b->a = b->o.a_max;
		if (b->state == PROBE_BLOCK_UNKNOWN)
			b->belief = 0.5;
	}
}

bool probe_block_measurable(const struct probe_block *b)
{
	return b->n_ever > 0 && b->a >= b->o.a_min;
}

void probe_block_round(struct probe_block *b)
{
	b->round_open = true;
	b->round_probes = 0;
}

/* agrees() - B is confident and says what the state says. */
static bool agrees(const struct probe_block *b)
{
	return (b->state == PROBE_BLOCK_UP && b->belief >= b->o.up) ||
	       (b->state == PROBE_BLOCK_DOWN && b->belief <= b->o.down);
}

int probe_block_next(struct probe_block *b, uint32_t *addr)
{
	if (!b->round_open)
		return 0;
	if (!probe_block_measurable(b) || b->round_probes >= b->o.max_probes ||
	    (b->round_probes > 0 && agrees(b))) {
		b->round_open = false;
		return 0;
	}
	if (b->next >= b->n_ever)
		b->next = 0;
	*addr = b->base | b->order[b->next];
	b->next = (b->next + 1) % b->n_ever;
	b->round_probes++;
	return 1;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int probe_block_result(struct probe_block *b, uint32_t addr, bool answered)
{
	const struct probe_block_opts *o = &b->o;
	double prior = b->belief, a = b->a, num, den, post;
	enum probe_block_state old = b->state;

	if ((addr & 0xffffff00u) != b->base)
		return -1;
	b->probes++;
	if (answered) {
		b->answers++;
		num = a * prior;
		den = num + o->p_false * (1 - prior);
	} else {
		num = (1 - a) * prior;
		den = num + (1 - o->p_false) * (1 - prior);
	}
	post = den > 0 ? num / den : prior;
	if (post != post) /* NaN from options out of range: keep what we had */
		post = prior;
	b->belief = clamp(post, o->b_floor, 1 - o->b_floor);
	if (b->state == PROBE_BLOCK_UP && prior >= o->up)
		b->a = clamp((1 - o->a_alpha) * a + (answered ? o->a_alpha : 0), o->a_min,
			     o->a_max);
	if (b->belief >= o->up)
		b->state = PROBE_BLOCK_UP;
	else if (b->belief <= o->down)
		b->state = PROBE_BLOCK_DOWN;
	return b->state != old ? (int)b->state : -1;
}
