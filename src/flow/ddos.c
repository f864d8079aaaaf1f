/*
 * ddos.c — per-second traffic counters per destination host and per host
 * group, and the attack detector on top of them (flow.h, "ddos").
 *
 * Hot path (ddos_record, once per flow record): find the group by longest
 * prefix (a hash per prefix length in use), find or make the host (open
 * addressing over indexes into a host array), spread the sampling-corrected
 * packets and bytes over the record's seconds, and compare the touched
 * seconds with the thresholds.  Nothing is allocated per record except
 * when a host is seen for the first time or an attack starts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"

/* ---------------------------------------------------------------- vectors */

static const struct {
	const char *name;
	uint16_t port;
} amp_services[] = {
	{"amp_chargen", 19},   {"amp_qotd", 17},	{"amp_dns", 53},
	{"amp_tftp", 69},      {"amp_portmap", 111},	{"amp_ntp", 123},
	{"amp_netbios", 137},  {"amp_snmp", 161},	{"amp_cldap", 389},
	{"amp_isakmp", 500},   {"amp_rip", 520},	{"amp_mssql", 1434},
	{"amp_l2tp", 1701},    {"amp_ssdp", 1900},	{"amp_ard", 3283},
	{"amp_wsd", 3702},     {"amp_sentinel", 5093},	{"amp_mdns", 5353},
	{"amp_coap", 5683},    {"amp_ubiquiti", 10001}, {"amp_memcached", 11211},
	{"amp_bacnet", 47808},
};

#define N_AMP (sizeof(amp_services) / sizeof(amp_services[0]))
_Static_assert(DDOS_AMP_FIRST + N_AMP <= DDOS_NVEC, "raise DDOS_NVEC");
_Static_assert(DDOS_NVEC <= 32, "vectors are a 32-bit mask");

static const char *const base_names[DDOS_AMP_FIRST] = {
	"tcp_syn", "tcp_synack", "tcp_ack",  "tcp_rst", "tcp_other",
	"udp",	   "icmp",	 "fragment", "other",
};

const char *ddos_vector_name(unsigned v)
{
	if (v < DDOS_AMP_FIRST)
		return base_names[v];
	if (v - DDOS_AMP_FIRST < N_AMP)
		return amp_services[v - DDOS_AMP_FIRST].name;
	return NULL;
}

uint16_t ddos_amp_port(unsigned v)
{
	if (v >= DDOS_AMP_FIRST && v - DDOS_AMP_FIRST < N_AMP)
		return amp_services[v - DDOS_AMP_FIRST].port;
	return 0;
}

size_t ddos_vectors_fmt(uint32_t mask, char *buf, size_t n)
{
	size_t len = 0;
	if (n)
		buf[0] = 0;
	for (unsigned v = 0; v < DDOS_NVEC; v++) {
		const char *name = ddos_vector_name(v);
		if (!(mask & (1u << v)) || !name)
			continue;
		int k = snprintf(buf + len, n > len ? n - len : 0, "%s%s", len ? "," : "", name);
		if (k < 0 || (size_t)k >= (n > len ? n - len : 0)) {
			if (n > len)
				buf[len] = 0; /* whole names only */
			break;
		}
		len += (size_t)k;
	}
	return len;
}

/* amp_of[port] - 1 + index into amp_services, or 0 */
static uint8_t amp_of[65536];

static void amp_init(void)
{
	if (amp_of[53])
		return;
	for (unsigned i = 0; i < N_AMP; i++)
		amp_of[amp_services[i].port] = (uint8_t)(1 + i);
}

static unsigned classify(const struct flow_rec *r)
{
	if (r->frag)
		return DDOS_FRAGMENT;
	/* exporters that know nothing of fragments send the non-first ones
	 * as flows without ports (softflowd) */
	if ((r->proto == 17 || r->proto == 6) && !r->sport && !r->dport)
		return DDOS_FRAGMENT;
	switch (r->proto) {
	case 6: {
		uint8_t f = r->tcp_flags;
		bool syn = f & 0x02, ack = f & 0x10, rst = f & 0x04, fin = f & 0x01, psh = f & 0x08;
		if (syn && !ack)
			return DDOS_TCP_SYN;
		if (syn && ack && !fin && !psh)
			return DDOS_TCP_SYNACK;
		if (rst && !syn)
			return DDOS_TCP_RST;
		if (ack && !syn && !fin && !psh)
			return DDOS_TCP_ACK;
		return DDOS_TCP_OTHER;
	}
	case 17:
		return amp_of[r->sport] ? DDOS_AMP_FIRST + amp_of[r->sport] - 1u : DDOS_UDP;
	case 1:
	case 58:
		return DDOS_ICMP;
	}
	return DDOS_OTHER;
}

/* ---------------------------------------------------------------- counters */

/*
 * struct slot - one second of a host or group.  The base vectors are
 * counted exactly; of the amp_* services only the two heaviest of the
 * second are kept (space-saving), with all of them together in @amp: an
 * attack's own totals (struct ddos_attack.vec_packets) are exact for all.
 * Small on purpose: 65536 hosts of DDOS_SLOTS slots must stay cache-sized.
 */
struct slot {
	uint64_t bytes;
	uint32_t pkts, flows;
	uint32_t amp; /* the amp_* vectors together */
	uint32_t vec[DDOS_AMP_FIRST];
	uint32_t amp_n[2];
	uint8_t amp_v[2]; /* 1 + service index; 0 none */
};

static void amp_add(struct slot *x, unsigned svc, uint32_t p)
{
	uint8_t v = (uint8_t)(svc + 1);
	int i = x->amp_v[0] == v ? 0 : x->amp_v[1] == v ? 1 : !x->amp_v[0] ? 0 : 1;
	if (x->amp_v[i] != v) /* a new one takes the lighter place, and its count */
		x->amp_v[i] = v;
	x->amp_n[i] += p;
	if (i == 1 && x->amp_n[1] > x->amp_n[0]) {
		uint32_t n = x->amp_n[0];
		uint8_t w = x->amp_v[0];
		x->amp_n[0] = x->amp_n[1], x->amp_v[0] = x->amp_v[1];
		x->amp_n[1] = n, x->amp_v[1] = w;
	}
}

/* slot_vec() - @x's packets by vector (amp services: the two kept). */
static void slot_vec(const struct slot *x, uint64_t *vec)
{
	for (unsigned v = 0; v < DDOS_NVEC; v++)
		vec[v] = v < DDOS_AMP_FIRST ? x->vec[v] : 0;
	for (int i = 0; i < 2; i++)
		if (x->amp_v[i])
			vec[DDOS_AMP_FIRST + x->amp_v[i] - 1u] = x->amp_n[i];
}

struct attack;

/* struct cnt - the per-second counters of a host or of a group total. */
struct cnt {
	int64_t stamp[DDOS_SLOTS]; /* the second each slot holds */
	struct slot slot[DDOS_SLOTS];
	int64_t first_s, last_s; /* first and last second with traffic */
	int64_t learned_s;	 /* last second fed into the baseline */
	int64_t quiet_s;	 /* seconds up to this one belong to the last attack */
	double base;		 /* learned pps */
	struct attack *atk;
};

struct host {
	struct bgp_addr addr;
	uint16_t group;
	bool used;
	uint32_t next_free;
	struct cnt c;
};

struct thresholds {
	uint64_t pps, bps, flows, syn, udp, icmp, frag, amp;
};

struct group {
	char *name;
	struct thresholds host, total;
	bool blackhole;
	struct cnt c;
	uint64_t packets, bytes, flows; /* cumulative */
};

#define NO_HOST UINT32_MAX

/* space-saving top-k */
#define TOPK 16
struct topk {
	struct ddos_top e[TOPK];
	size_t n;
};

struct attack {
	struct ddos_attack pub;
	struct attack *next;
	int64_t last_over_s;
	uint32_t host;	/* index of the attacked host, or NO_HOST */
	uint16_t group; /* index of its group (arrays move: no pointers) */
	struct topk src, asn, dst;
};

/* group prefixes: one hash entry per (family, length, masked address) */
struct gpfx {
	struct bgp_addr addr;
	uint8_t len;
	bool used;
	uint16_t group;
};

struct ddos {
	struct ddos_opts o;
	struct ddos_cbs cbs;
	struct ddos_stats st;
	struct group *groups;
	size_t n_groups;
	struct gpfx *pfx;
	size_t pfx_cap, n_pfx;
	uint8_t lens4[33], lens6[129]; /* lengths in use, longest first */
	size_t n_lens4, n_lens6;
	struct host *hosts;
	size_t hosts_n, hosts_alloc;
	uint32_t free_host; /* 1 + index, 0 none */
	uint64_t *index;    /* hash tag << 32 | (1 + host index); 0 empty */
	size_t index_cap;
	struct attack *attacks;
	uint64_t next_id;
	int64_t tick_s;
	double decay; /* per second, for the baseline */
};

void ddos_opts_init(struct ddos_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_hosts = 65536;
	o->attack_end = 10;
	o->baseline = true;
	o->baseline_factor = 8;
	o->baseline_min_pps = 1000;
	o->baseline_tau = 600;
	o->warmup = 120;
}

static uint64_t addr_hash(const struct bgp_addr *a, uint8_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)a->family << 8 | len);
	const uint8_t *b = a->b;
	size_t n = a->family == 6 ? 16 : 4;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t w = (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 |
			     (uint32_t)b[i + 2] << 8 | b[i + 3];
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

static bool addr_eq(const struct bgp_addr *a, const struct bgp_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, a->family == 6 ? 16 : 4);
}

static void mask_addr(struct bgp_addr *a, uint8_t len)
{
	size_t n = a->family == 6 ? 16 : 4;
	for (size_t i = 0; i < n; i++) {
		unsigned keep = len >= 8 * (i + 1) ? 8 : len > 8 * i ? len - 8 * i : 0;
		a->b[i] &= (uint8_t)(0xff00u >> keep);
	}
}

int ddos_new(struct ddos **out, const struct ddos_opts *o, const struct ddos_cbs *cbs)
{
	amp_init();
	struct ddos *d = calloc(1, sizeof(*d));
	if (!d)
		return LO_ENOMEM;
	if (o)
		d->o = *o;
	else
		ddos_opts_init(&d->o);
	if (d->o.max_hosts < 16)
		d->o.max_hosts = 16;
	if (d->o.attack_end < 1)
		d->o.attack_end = 1;
	if (cbs)
		d->cbs = *cbs;
	d->index_cap = 32;
	while (d->index_cap < 2 * d->o.max_hosts)
		d->index_cap <<= 1;
	d->index = calloc(d->index_cap, sizeof(*d->index));
	d->pfx_cap = 64;
	d->pfx = calloc(d->pfx_cap, sizeof(*d->pfx));
	if (!d->index || !d->pfx) {
		ddos_free(d);
		return LO_ENOMEM;
	}
	d->decay = d->o.baseline_tau ? exp(-1.0 / d->o.baseline_tau) : 0;
	d->next_id = 1;
	*out = d;
	return 0;
}

static void attack_free_all(struct ddos *d)
{
	while (d->attacks) {
		struct attack *a = d->attacks;
		d->attacks = a->next;
		free(a);
	}
}

void ddos_free(struct ddos *d)
{
	if (!d)
		return;
	attack_free_all(d);
	for (size_t i = 0; i < d->n_groups; i++)
		free(d->groups[i].name);
	free(d->groups);
	free(d->pfx);
	free(d->hosts);
	free(d->index);
	free(d);
}

const struct ddos_stats *ddos_stats(const struct ddos *d)
{
	return &d->st;
}

const char *ddos_group_totals(const struct ddos *d, size_t i, uint64_t *packets, uint64_t *bytes,
			      uint64_t *flows)
{
	if (i >= d->n_groups)
		return NULL;
	*packets = d->groups[i].packets;
	*bytes = d->groups[i].bytes;
	*flows = d->groups[i].flows;
	return d->groups[i].name;
}

/* ---------------------------------------------------------------- groups */

static struct gpfx *pfx_slot(struct gpfx *t, size_t cap, const struct bgp_addr *a, uint8_t len)
{
	size_t i = (size_t)addr_hash(a, len) & (cap - 1);
	while (t[i].used && !(t[i].len == len && addr_eq(&t[i].addr, a)))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

static int pfx_grow(struct ddos *d)
{
	size_t cap = d->pfx_cap * 2;
	struct gpfx *t = calloc(cap, sizeof(*t));
	if (!t)
		return LO_ENOMEM;
	for (size_t i = 0; i < d->pfx_cap; i++)
		if (d->pfx[i].used)
			*pfx_slot(t, cap, &d->pfx[i].addr, d->pfx[i].len) = d->pfx[i];
	free(d->pfx);
	d->pfx = t;
	d->pfx_cap = cap;
	return 0;
}

static void add_len(uint8_t *lens, size_t *n, uint8_t len)
{
	size_t i = 0;
	while (i < *n && lens[i] > len)
		i++;
	if (i < *n && lens[i] == len)
		return;
	memmove(lens + i + 1, lens + i, *n - i);
	lens[i] = len;
	(*n)++;
}

int ddos_add_group(struct ddos *d, const struct ddos_group_spec *g)
{
	if (!g->name || !g->n_prefixes || d->n_groups >= UINT16_MAX)
		return LO_EINVAL;
	for (size_t i = 0; i < g->n_prefixes; i++) {
		const struct bgp_prefix *p = &g->prefixes[i];
		if ((p->addr.family != 4 && p->addr.family != 6) ||
		    p->len > (p->addr.family == 4 ? 32 : 128))
			return LO_EINVAL;
	}
	struct group *ng = realloc(d->groups, (d->n_groups + 1) * sizeof(*ng));
	if (!ng)
		return LO_ENOMEM;
	d->groups = ng;
	struct group *x = &d->groups[d->n_groups];
	memset(x, 0, sizeof(*x));
	if (!(x->name = strdup(g->name)))
		return LO_ENOMEM;
	x->host = (struct thresholds){g->pps,	  g->bps,      g->flows,    g->syn_pps,
				      g->udp_pps, g->icmp_pps, g->frag_pps, g->amp_pps};
	x->total = (struct thresholds){
		.pps = g->total_pps, .bps = g->total_bps, .flows = g->total_flows};
	x->blackhole = g->blackhole;
	uint16_t gi = (uint16_t)d->n_groups++;
	for (size_t i = 0; i < g->n_prefixes; i++) {
		if ((d->n_pfx + 1) * 2 > d->pfx_cap && pfx_grow(d) < 0)
			return LO_ENOMEM;
		struct bgp_addr a = g->prefixes[i].addr;
		uint8_t len = g->prefixes[i].len;
		mask_addr(&a, len);
		struct gpfx *s = pfx_slot(d->pfx, d->pfx_cap, &a, len);
		if (s->used)
			continue; /* the first group listing a prefix keeps it */
		*s = (struct gpfx){a, len, true, gi};
		d->n_pfx++;
		if (a.family == 4)
			add_len(d->lens4, &d->n_lens4, len);
		else
			add_len(d->lens6, &d->n_lens6, len);
	}
	return 0;
}

static int group_of(const struct ddos *d, const struct bgp_addr *a)
{
	const uint8_t *lens = a->family == 4 ? d->lens4 : d->lens6;
	size_t n = a->family == 4 ? d->n_lens4 : a->family == 6 ? d->n_lens6 : 0;
	for (size_t i = 0; i < n; i++) {
		struct bgp_addr m = *a;
		mask_addr(&m, lens[i]);
		const struct gpfx *s = pfx_slot(d->pfx, d->pfx_cap, &m, lens[i]);
		if (s->used)
			return s->group;
	}
	return -1;
}

/* ---------------------------------------------------------------- hosts */

/*
 * The host index: open addressing with linear probing; each entry keeps the
 * high half of the address's hash, so a probe reads the host (a cache miss
 * with 65536 hosts) only when the tags match.
 */
#define IX_HOST(e) ((uint32_t)(e)-1u)
#define IX_TAG(h)  ((h)&0xffffffff00000000ull)

static uint64_t *index_slot(const struct ddos *d, const struct bgp_addr *a, uint64_t h)
{
	size_t i = (size_t)h & (d->index_cap - 1);
	uint64_t *ix = d->index;
	while (ix[i] && (IX_TAG(ix[i]) != IX_TAG(h) || !addr_eq(&d->hosts[IX_HOST(ix[i])].addr, a)))
		i = (i + 1) & (d->index_cap - 1);
	return &ix[i];
}

static void cnt_init(struct cnt *c, int64_t now_s)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < DDOS_SLOTS; i++)
		c->stamp[i] = INT64_MIN;
	c->first_s = c->last_s = c->learned_s = now_s;
	c->quiet_s = INT64_MIN;
}

static struct host *host_get(struct ddos *d, const struct bgp_addr *a, uint16_t g, int64_t now_s)
{
	uint64_t hash = addr_hash(a, 0);
	uint64_t *ix = index_slot(d, a, hash);
	if (*ix)
		return &d->hosts[IX_HOST(*ix)];
	if (d->st.hosts >= d->o.max_hosts)
		return NULL;
	uint32_t hi;
	if (d->free_host) {
		hi = d->free_host - 1;
		d->free_host = d->hosts[hi].next_free;
	} else {
		if (d->hosts_n == d->hosts_alloc) {
			size_t na = d->hosts_alloc ? d->hosts_alloc * 2 : 64;
			struct host *nh = realloc(d->hosts, na * sizeof(*nh));
			if (!nh)
				return NULL;
			d->hosts = nh;
			d->hosts_alloc = na;
		}
		hi = (uint32_t)d->hosts_n++;
	}
	struct host *h = &d->hosts[hi];
	h->addr = *a;
	h->group = g;
	h->used = true;
	h->next_free = 0;
	cnt_init(&h->c, now_s);
	*ix = IX_TAG(hash) | (hi + 1u);
	d->st.hosts++;
	return h;
}

/* host_drop() - remove from the index by backward shift (no tombstones). */
static void host_drop(struct ddos *d, struct host *h)
{
	size_t mask = d->index_cap - 1;
	size_t i = (size_t)(index_slot(d, &h->addr, addr_hash(&h->addr, 0)) - d->index);
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!d->index[j])
			break;
		size_t k = (size_t)addr_hash(&d->hosts[IX_HOST(d->index[j])].addr, 0) & mask;
		/* move j into the hole at i unless its home k lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		d->index[i] = d->index[j];
		i = j;
	}
	d->index[i] = 0;
	h->used = false;
	uint32_t hi = (uint32_t)(h - d->hosts);
	h->next_free = d->free_host;
	d->free_host = hi + 1;
	d->st.hosts--;
}

/* ---------------------------------------------------------------- counting */

static struct slot *slot_at(struct cnt *c, int64_t s)
{
	unsigned i = (unsigned)((uint64_t)s % DDOS_SLOTS);
	if (c->stamp[i] != s) {
		if (c->stamp[i] > s)
			return NULL;
		memset(&c->slot[i], 0, sizeof(c->slot[i]));
		c->stamp[i] = s;
	}
	return &c->slot[i];
}

static const char *over(const struct slot *x, const struct thresholds *t, bool total, uint64_t *thr)
{
#define OVER(val, lim, name)                         \
	if ((lim) && (uint64_t)(val) > (lim)) {      \
		*thr = (lim);                        \
		return total ? "total_" name : name; \
	}
	uint64_t amp = x->amp, udp = x->vec[DDOS_UDP] + amp;
	OVER(x->pkts, t->pps, "pps");
	OVER(x->bytes * 8, t->bps, "bps");
	OVER(x->flows, t->flows, "flows");
	OVER(x->vec[DDOS_TCP_SYN], t->syn, "syn_pps");
	OVER(udp, t->udp, "udp_pps");
	OVER(x->vec[DDOS_ICMP], t->icmp, "icmp_pps");
	OVER(x->vec[DDOS_FRAGMENT], t->frag, "frag_pps");
	OVER(amp, t->amp, "amp_pps");
#undef OVER
	return NULL;
}

static bool baseline_ready(const struct ddos *d, const struct cnt *c)
{
	return d->o.baseline && c->learned_s - c->first_s >= (int64_t)d->o.warmup;
}

static const char *over_all(const struct ddos *d, const struct cnt *c, const struct slot *x,
			    const struct thresholds *t, bool total, uint64_t *thr)
{
	const char *why = over(x, t, total, thr);
	if (why || !baseline_ready(d, c))
		return why;
	double lim = c->base * d->o.baseline_factor;
	if (lim < (double)d->o.baseline_min_pps)
		lim = (double)d->o.baseline_min_pps;
	if (x->pkts > lim) {
		*thr = (uint64_t)lim;
		return "baseline";
	}
	return NULL;
}

static void top_add(struct topk *t, const struct bgp_addr *a, uint32_t asn, uint64_t w)
{
	size_t min = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (asn ? t->e[i].asn == asn : addr_eq(&t->e[i].addr, a)) {
			t->e[i].packets += w;
			return;
		}
		if (t->e[i].packets < t->e[min].packets)
			min = i;
	}
	if (t->n < TOPK) {
		t->e[t->n] = (struct ddos_top){.packets = w, .asn = asn};
		if (a)
			t->e[t->n].addr = *a;
		t->n++;
		return;
	}
	t->e[min].packets += w;
	t->e[min].asn = asn;
	if (a)
		t->e[min].addr = *a;
}

static int top_cmp(const void *x, const void *y)
{
	const struct ddos_top *a = x, *b = y;
	return a->packets < b->packets ? 1 : a->packets > b->packets ? -1 : 0;
}

static size_t top_out(const struct topk *t, struct ddos_top *out)
{
	struct ddos_top tmp[TOPK];
	memcpy(tmp, t->e, t->n * sizeof(tmp[0]));
	qsort(tmp, t->n, sizeof(tmp[0]), top_cmp);
	size_t n = t->n < DDOS_TOP ? t->n : DDOS_TOP;
	memcpy(out, tmp, n * sizeof(tmp[0]));
	return n;
}

/* big_shares() - the vectors with at least 20 % of the total of @vec. */
static uint32_t big_shares(const uint64_t *vec)
{
	uint64_t total = 0;
	for (unsigned v = 0; v < DDOS_NVEC; v++)
		total += vec[v];
	uint32_t m = 0;
	for (unsigned v = 0; v < DDOS_NVEC; v++)
		if (vec[v] && vec[v] * 5 >= total)
			m |= 1u << v;
	return m;
}

/*
 * vectors_of() - vectors with at least 20 % of the packets or (when @bytes
 * is not NULL) of the bytes; the largest by packets when none has.
 */
static uint32_t vectors_of(const uint64_t *vec, const uint64_t *bytes)
{
	uint32_t m = big_shares(vec) | (bytes ? big_shares(bytes) : 0);
	if (m)
		return m;
	unsigned best = 0;
	for (unsigned v = 1; v < DDOS_NVEC; v++)
		if (vec[v] > vec[best])
			best = v;
	return vec[best] ? 1u << best : 0;
}

static void attack_publish(struct attack *a)
{
	/* by packets, and by bytes: a reflection attack's big answers may be
	 * a small share of the packets next to the victim's own traffic */
	a->pub.vectors = vectors_of(a->pub.vec_packets, a->pub.vec_bytes);
	a->pub.n_top_src = top_out(&a->src, a->pub.top_src);
	a->pub.n_top_asn = top_out(&a->asn, a->pub.top_asn);
	a->pub.n_top_dst = top_out(&a->dst, a->pub.top_dst);
}

static void peak_update(struct ddos_rates *p, const struct slot *x)
{
	if (x->pkts > p->pps)
		p->pps = x->pkts;
	if (x->bytes * 8 > p->bps)
		p->bps = x->bytes * 8;
	if (x->flows > p->flows)
		p->flows = x->flows;
	for (unsigned v = 0; v < DDOS_AMP_FIRST; v++)
		if (x->vec[v] > p->vec[v])
			p->vec[v] = x->vec[v];
	for (int i = 0; i < 2; i++)
		if (x->amp_v[i] && x->amp_n[i] > p->vec[DDOS_AMP_FIRST + x->amp_v[i] - 1u])
			p->vec[DDOS_AMP_FIRST + x->amp_v[i] - 1u] = x->amp_n[i];
}

static void attack_start(struct ddos *d, struct cnt *c, struct group *g, const struct host *h,
			 const struct slot *x, int64_t s, const char *why, uint64_t thr,
			 const struct flow_rec *r, int64_t now_ms)
{
	struct attack *a = calloc(1, sizeof(*a));
	if (!a)
		return;
	a->host = h ? (uint32_t)(h - d->hosts) : NO_HOST;
	a->group = (uint16_t)(g - d->groups);
	a->last_over_s = s;
	a->pub.id = d->next_id++;
	a->pub.group = g->name;
	a->pub.subnet = !h;
	if (h)
		a->pub.target = h->addr;
	a->pub.start_ms = s * 1000;
	a->pub.detect_ms = now_ms;
	a->pub.reason = why;
	a->pub.threshold = thr;
	a->pub.baseline = baseline_ready(d, c) ? c->base : 0;
	a->pub.exporter = r->exporter;
	a->pub.blackhole = g->blackhole;
	/* the seconds so far of this attack, as the slots hold them */
	for (unsigned i = 0; i < DDOS_SLOTS; i++)
		if (c->stamp[i] >= s - 1 && c->stamp[i] <= s)
			peak_update(&a->pub.peak, &c->slot[i]);
	uint64_t vec[DDOS_NVEC];
	slot_vec(x, vec);
	a->pub.vectors = vectors_of(vec, NULL);
	c->atk = a;
	a->next = d->attacks;
	d->attacks = a;
	d->st.attacks++;
	d->st.active++;
	if (d->cbs.start)
		d->cbs.start(d->cbs.ctx, &a->pub);
}

/* by_host_slot() - packets of attacked host @h in second @s. */
static uint64_t by_host_slot(const struct host *h, int64_t s)
{
	unsigned i = (unsigned)((uint64_t)s % DDOS_SLOTS);
	return h->c.stamp[i] == s ? h->c.slot[i].pkts : 0;
}

/*
 * count() - add @pk packets (@by bytes, @fl flows) of vector @v spread over
 * seconds [s0, s1] to @c, then check the touched seconds.  A group total
 * (@h NULL) does not start an attack of its own while @by_host, an attacked
 * host of the group, makes half of its traffic: that attack is the host's.
 */
static void count(struct ddos *d, struct cnt *c, struct group *g, const struct host *h,
		  const struct host *by_host, const struct thresholds *t, int64_t s0, int64_t s1,
		  int64_t lo, uint64_t pk, uint64_t by, uint64_t fl, unsigned v,
		  const struct flow_rec *r, int64_t now_ms)
{
	uint64_t nsec = (uint64_t)(s1 - s0 + 1);
	uint64_t pk1 = pk / nsec, by1 = by / nsec, fl1 = fl / nsec;
	int64_t from = s0 < lo ? lo : s0;
	if (s1 > c->last_s)
		c->last_s = s1;
	for (int64_t s = from; s <= s1; s++) {
		struct slot *x = slot_at(c, s);
		if (!x)
			continue;
		bool last = s == s1; /* the remainders go to the last second */
		uint64_t p = pk1 + (last ? pk % nsec : 0), b = by1 + (last ? by % nsec : 0);
		uint64_t f = fl1 + (last ? fl % nsec : 0);
		x->pkts += (uint32_t)(p > UINT32_MAX ? UINT32_MAX : p);
		x->bytes += b;
		x->flows += (uint32_t)(f > UINT32_MAX ? UINT32_MAX : f);
		uint32_t p32 = (uint32_t)(p > UINT32_MAX ? UINT32_MAX : p);
		if (v < DDOS_AMP_FIRST) {
			x->vec[v] += p32;
		} else {
			x->amp += p32;
			amp_add(x, v - DDOS_AMP_FIRST, p32);
		}
		uint64_t thr;
		struct attack *a = c->atk;
		if (a) {
			peak_update(&a->pub.peak, x);
			if (s > a->last_over_s && over_all(d, c, x, t, !h, &thr))
				a->last_over_s = s;
		} else if (s > c->quiet_s) {
			const char *why = over_all(d, c, x, t, !h, &thr);
			if (why && !(by_host && by_host_slot(by_host, s) * 2 >= x->pkts))
				attack_start(d, c, g, h, x, s, why, thr, r, now_ms);
		}
	}
	struct attack *a = c->atk;
	if (a) {
		a->pub.vec_packets[v] += pk;
		a->pub.vec_bytes[v] += by;
		a->pub.packets += pk;
		a->pub.bytes += by;
		if (r->src.family)
			top_add(&a->src, &r->src, 0, pk);
		if (r->src_as)
			top_add(&a->asn, NULL, r->src_as, pk);
		if (!h)
			top_add(&a->dst, &r->dst, 0, pk);
		uint32_t rate = r->sampling ? r->sampling : 1;
		if (rate > a->pub.sampling)
			a->pub.sampling = rate;
	}
}

void ddos_record(struct ddos *d, const struct flow_rec *r, int64_t now_ms)
{
	if (r->kind != FLOW_DATA)
		return;
	d->st.records++;
	int gi = r->dst.family ? group_of(d, &r->dst) : -1;
	if (gi < 0)
		return;
	d->st.monitored++;
	struct group *g = &d->groups[gi];
	uint64_t rate = d->o.sampling ? d->o.sampling : r->sampling ? r->sampling : 1;
	uint64_t pk = r->packets * rate, by = r->bytes * rate;
	uint64_t fl = r->version == FLOW_SFLOW5 ? 0 : rate;
	g->packets += pk;
	g->bytes += by;
	g->flows += fl;
	unsigned v = classify(r);

	/* the record's seconds, on our clock when the exporter's is off */
	int64_t now_s = now_ms / 1000;
	int64_t s1 = r->last_ms ? r->last_ms / 1000 : now_s;
	int64_t s0 = r->first_ms && r->first_ms <= r->last_ms ? r->first_ms / 1000 : s1;
	if (s1 > now_s + 1 || s1 < now_s - 60) {
		s0 += now_s - s1;
		s1 = now_s;
	} else if (s1 > now_s) {
		s0 -= s1 - now_s;
		s1 = now_s;
	}
	int64_t lo = now_s - DDOS_SLOTS + 1;
	if (s1 < lo) {
		d->st.late++;
		return;
	}
	struct host *h = host_get(d, &r->dst, (uint16_t)gi, now_s);
	if (h)
		count(d, &h->c, g, h, NULL, &g->host, s0, s1, lo, pk, by, fl, v, r, now_ms);
	else
		d->st.capped++;
	count(d, &g->c, g, NULL, h && h->c.atk ? h : NULL, &g->total, s0, s1, lo, pk, by, fl, v, r,
	      now_ms);
}

/* ---------------------------------------------------------------- time */

static void attack_end(struct ddos *d, struct attack *a)
{
	a->pub.end_ms = (a->last_over_s + 1) * 1000;
	attack_publish(a);
	struct cnt *c = a->host == NO_HOST ? &d->groups[a->group].c : &d->hosts[a->host].c;
	c->atk = NULL;
	c->quiet_s = a->last_over_s;
	d->st.active--;
	if (d->cbs.end)
		d->cbs.end(d->cbs.ctx, &a->pub);
}

static void end_attacks(struct ddos *d, int64_t now_s, bool all)
{
	struct attack **pp = &d->attacks;
	while (*pp) {
		struct attack *a = *pp;
		if (all || now_s - a->last_over_s > (int64_t)d->o.attack_end) {
			*pp = a->next;
			attack_end(d, a);
			free(a);
		} else {
			attack_publish(a); /* keep the public view fresh for readers */
			pp = &a->next;
		}
	}
}

/*
 * learn() - feed the settled seconds (3 s behind, as exporters are late)
 * into the baseline, unless the counter is under attack.
 */
static void learn(struct ddos *d, struct cnt *c, int64_t now_s)
{
	int64_t upto = now_s - 3;
	if (upto - c->learned_s > 3600)
		c->learned_s = upto - 3600;
	for (int64_t s = c->learned_s + 1; s <= upto; s++) {
		unsigned i = (unsigned)((uint64_t)s % DDOS_SLOTS);
		double x = c->stamp[i] == s ? c->slot[i].pkts : 0;
		if (!c->atk)
			c->base = c->base * d->decay + x * (1 - d->decay);
	}
	if (upto > c->learned_s)
		c->learned_s = upto;
}

void ddos_tick(struct ddos *d, int64_t now_ms)
{
	int64_t now_s = now_ms / 1000;
	end_attacks(d, now_s, false);
	if (now_s == d->tick_s)
		return;
	d->tick_s = now_s;
	for (size_t i = 0; i < d->n_groups; i++)
		learn(d, &d->groups[i].c, now_s);
	int64_t idle = d->o.baseline_tau > 60 ? d->o.baseline_tau : 60;
	for (size_t i = 0; i < d->hosts_n; i++) {
		struct host *h = &d->hosts[i];
		if (!h->used)
			continue;
		if (!h->c.atk && now_s - h->c.last_s > idle) {
			host_drop(d, h);
			continue;
		}
		learn(d, &h->c, now_s);
	}
}

void ddos_finish(struct ddos *d, int64_t now_ms)
{
	end_attacks(d, now_ms / 1000, true);
}

int ddos_host_rates(const struct ddos *d, const struct bgp_addr *a, int64_t now_ms,
		    struct ddos_rates *out)
{
	memset(out, 0, sizeof(*out));
	const uint64_t *ix = index_slot(d, a, addr_hash(a, 0));
	if (!*ix)
		return LO_ENOENT;
	const struct cnt *c = &d->hosts[IX_HOST(*ix)].c;
	int64_t s = now_ms / 1000 - 1;
	unsigned i = (unsigned)((uint64_t)s % DDOS_SLOTS);
	if (c->stamp[i] != s)
		return 0;
	const struct slot *x = &c->slot[i];
	out->pps = x->pkts;
	out->bps = x->bytes * 8;
	out->flows = x->flows;
	slot_vec(x, out->vec);
	return 0;
}
