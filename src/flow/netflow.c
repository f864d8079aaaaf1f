/*
 * DOC: netflow — NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011)
 * decoders, and the template caches behind v9 and IPFIX.
 *
 * Caches.  One struct nf_exp per (exporter address, domain, version): v9
 * source ID or IPFIX observation domain, and v9 and IPFIX kept apart since
 * their template IDs are unrelated.  It holds the templates (open
 * addressing by template ID), the sampling rates learned from options data
 * (one for the domain, one per sampler ID) and the IPFIX
 * systemInitTimeMilliseconds.  Both levels are capped (opts.max_exporters,
 * opts.max_templates; NF_MAX_SAMPLERS); what a cap refuses is counted in
 * st.capped and dropped, never an error.  Caps of 0 mean the defaults.
 *
 * Compiled templates.  When a template is learned, every field gets its
 * offset in the record (when no field before it is variable-length), and
 * the fields that map into struct flow_rec become a short list of actions
 * with the priorities already resolved (octetDeltaCount before
 * octetTotalCount before postOctetDeltaCount...).  Decoding a record is
 * then: point each struct flow_field at its bytes, run the actions.  The
 * per-datagram path never allocates.
 *
 * What a record gets (v9 and IPFIX alike, IANA elements only):
 * - bytes: 1 octetDeltaCount, else 85 octetTotalCount, else 23
 *   postOctetDeltaCount, else 231 initiatorOctets; packets: 2, 86, 24, 298;
 *   counters of any length 1..8 (reduced-size encoding, RFC 7011 §6.2).
 * - proto 4, tcp_flags 6 (low 8 bits), ports 7/11, addresses 8/12 (4
 *   bytes) and 27/28 (16 bytes; when a template has both, the IPv4 one
 *   unless it is 0.0.0.0 and the IPv6 one is not), ifIndex 10/14, AS 16/17.
 * - ICMP: 32/139 (type << 8 | code) or 176/177, 178/179 (type, code):
 *   they replace dport when the protocol is ICMP/ICMPv6 (and sport is set
 *   to 0) or the template has no dport.
 * - frag: 88 fragmentOffset & 0x1fff > 0, or 197 fragmentFlags has MF (0x20).
 * - times: 152/153 ms, 154/155 µs and 156/157 ns (NTP format, RFC 7011
 *   §6.1.9-10), 150/151 s, 158/159 flowStart/EndDeltaMicroseconds (before
 *   the export time), 22/21 sysUpTime ms, in that order of preference.
 *   v9: uptime via the header (export time - (sysUptime - value)), the
 *   export time being the arrival time when it falls within the header's
 *   unix_secs (the header has whole seconds only), else unix_secs * 1000.
 *   IPFIX: uptime + systemInitTimeMilliseconds (160, from the record or
 *   from options data); without it there is no uptime in the header, so
 *   the record is assumed to be exported when it ends: last = export time,
 *   first = export time - (end - start).
 * - sampling: the record's own rate (34 samplingInterval, 50
 *   samplerRandomInterval, or 305/306: (interval + space) / interval, the
 *   interval taken as 1 when only the space is given; an interval alone
 *   says nothing); else the rate options data gave its sampler ID (48
 *   samplerId, 302 selectorId); else the rate options data gave the
 *   (exporter, domain); else 1.  opts.sampling overrides all.
 * Options data records (FLOW_OPTIONS, fields only) feed the rates and
 * systemInitTimeMilliseconds above.  In v9 their scope fields come first
 * in @fields with their RFC 3954 scope types (1 system, 2 interface, 3
 * line card, 4 cache, 5 template), which are not IE numbers.
 *
 * Framing and faults.  A set is framed by its length; a fault inside a set
 * (a bad template, a record overrunning the set) drops the rest of that set
 * and decoding goes on with the next one.  A set length < 4 or beyond the
 * datagram ends the datagram.  The first fault is the one returned, after
 * everything decodable has been delivered.  Zero bytes after the last set
 * or at the end of a set are padding.  Fields of length 0 are accepted (a
 * Juniper SRX options scope and some IPFIX exporters send them; they carry
 * no value); a template whose records would be 0 bytes long is refused.
 * Length 65535 is variable-length (RFC 7011 §7) in v9 too (H3C does this).
 * IPFIX: a set running past the message length but not past the datagram
 * is decoded and the message length reported wrong; messages following
 * the first in a datagram are decoded too.
 *
 * v5: 24-byte header, 48-byte records; @domain is engine_type << 8 |
 * engine_id; @fields is NULL.  first/last from the header's unix time
 * (with the nanoseconds) minus (sysUptime - First/Last).
 *
 * Not here: IPFIX over TCP/SCTP framing and template lifetimes (UDP only:
 * templates live until withdrawn, replaced or the decoder is freed),
 * RFC 5103 reverse elements and enterprise elements (delivered raw in
 * @fields, never mapped), structured data (RFC 6313), the v9 header
 * record count (exporters disagree on what it counts; it is not checked),
 * sampling rates scoped by anything but a sampler ID (an options record
 * scoped by templateId or interface sets the domain's rate), NTP era 1
 * (2036+).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow_int.h"

#define NF5_HDR_LEN	     24
#define NF5_REC_LEN	     48
#define NF9_HDR_LEN	     20
#define IPFIX_HDR_LEN	     16
#define NF_VARLEN	     65535u
#define NF_MAX_REC_LEN	     (65535u - 4) /* a record must fit a set */
#define NF_MAX_SAMPLERS	     256	  /* sampler IDs remembered per (exporter, domain) */
#define NF_DEF_EXPORTERS     4096
#define NF_DEF_TEMPLATES     1024
#define NF_DEF_TPL_BYTES     (64u << 20)   /* all templates: 64 MiB */
#define NTP_UNIX_OFFSET	     2208988800ull /* 1900-01-01 to 1970-01-01, seconds */
#define FRAG_FLAG_MF	     0x20	   /* fragmentFlags: R, DF, MF from the top bit */
#define IPPROTO_ICMP_NUM     1
#define IPPROTO_ICMPV6_NUM   58
#define IPFIX_SET_TEMPLATE   2
#define IPFIX_SET_OPTIONS    3
#define NF9_SET_TEMPLATE     0
#define NF9_SET_OPTIONS	     1
#define NF_FIRST_DATA_SET_ID 256

/* ================================================================ cache */

/* Where a mapped field goes; the order is also the order of the actions. */
enum nf_slot {
	S_BYTES,
	S_PKTS,
	S_PROTO,
	S_TCP_FLAGS,
	S_SPORT,
	S_DPORT,
	S_SRC4,
	S_DST4,
	S_SRC6,
	S_DST6,
	S_IN_IF,
	S_OUT_IF,
	S_SRC_AS,
	S_DST_AS,
	S_ICMP4,
	S_ICMP6,
	S_ICMP4_TYPE,
	S_ICMP4_CODE,
	S_ICMP6_TYPE,
	S_ICMP6_CODE,
	S_FRAG_OFF,
	S_FRAG_FLAGS,
	S_RATE,
	S_PKT_INTERVAL,
	S_PKT_SPACE,
	S_SAMPLER,
	S_START,
	S_END,
	S_SYS_INIT,
	S_COUNT
};

/* Units of the time slots. */
enum nf_unit { T_MS, T_US_NTP, T_NS_NTP, T_SEC, T_DELTA_US, T_UPTIME };

struct nf_fspec {
	uint16_t type;
	uint16_t len; /* NF_VARLEN: variable */
	uint32_t en;
	uint32_t off; /* offset in the record; fixed-length templates only */
};

struct nf_act {
	uint8_t slot;
	uint8_t unit;
	uint16_t idx; /* field index */
};

struct nf_tpl {
	uint16_t id;
	bool options;
	bool varlen;
	uint16_t n_fields;
	uint16_t n_scope;
	uint16_t n_acts;
	uint8_t unit_start, unit_end; /* enum nf_unit of the S_START/S_END actions */
	uint32_t rec_len;	      /* fixed: the record length; variable: its minimum */
	size_t size;		      /* bytes allocated, for the cache's budget */
	struct nf_fspec *f;
	struct nf_act *acts;
};

struct nf_key {
	uint8_t addr[16];
	uint32_t domain;
	uint8_t family;
	uint8_t version;
	uint8_t pad[2];
};

struct nf_smp {
	uint64_t id;
	uint32_t rate;
	bool used;
};

struct nf_cache;

struct nf_exp {
	struct nf_cache *cache;
	struct nf_key key;
	uint32_t rate;	     /* from options data; 0 unknown */
	int64_t sys_init_ms; /* IPFIX systemInitTimeMilliseconds; 0 unknown */
	size_t n_tpl, tpl_cap;
	struct nf_tpl **tpl;
	size_t n_smp, smp_cap;
	struct nf_smp *smp;
};

struct nf_cache {
	size_t max_exporters, max_templates;
	size_t tpl_bytes, max_tpl_bytes; /* all templates of all exporters */
	size_t n, cap;
	struct nf_exp **slot;
	struct nf_exp *last;
};

int nf_cache_new(struct nf_cache **out, const struct flow_dec_opts *o)
{
	struct nf_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return LO_ENOMEM;
	c->max_exporters = o && o->max_exporters ? o->max_exporters : NF_DEF_EXPORTERS;
	c->max_templates = o && o->max_templates ? o->max_templates : NF_DEF_TEMPLATES;
	c->max_tpl_bytes = o && o->max_template_bytes ? o->max_template_bytes : NF_DEF_TPL_BYTES;
	*out = c;
	return 0;
}

/* tpl_free() - free @t, learned by @e (NULL: never learned). */
static void tpl_free(struct nf_exp *e, struct nf_tpl *t)
{
	if (e && t)
		e->cache->tpl_bytes -= t->size;
	free(t);
}

static void exp_free(struct nf_exp *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->tpl_cap; i++)
		tpl_free(e, e->tpl[i]);
	free(e->tpl);
	free(e->smp);
	free(e);
}

void nf_cache_free(struct nf_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		exp_free(c->slot[i]);
	free(c->slot);
	free(c);
}

static void key_make(struct nf_key *k, const struct bgp_addr *a, uint32_t domain, uint8_t version)
{
	memset(k, 0, sizeof(*k));
	if (a) {
		k->family = a->family;
		memcpy(k->addr, a->b, sizeof(k->addr));
	}
	k->domain = domain;
	k->version = version;
}

static size_t key_slot(const struct nf_key *k, size_t cap)
{
	return (size_t)lo_hash(k, sizeof(*k)) & (cap - 1);
}

static int cache_grow(struct nf_cache *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 64;
	struct nf_exp **ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return LO_ENOMEM;
	for (size_t i = 0; i < c->cap; i++) {
		struct nf_exp *e = c->slot[i];
		if (!e)
			continue;
		size_t j = key_slot(&e->key, ncap);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = e;
	}
	free(c->slot);
	c->slot = ns;
	c->cap = ncap;
	return 0;
}

/*
 * exp_get() - the cache of (@a, @domain, @version), made when new.  NULL
 * when the exporter cap refuses it (counted) or memory is short.
 */
static struct nf_exp *exp_get(struct flow_dec *d, const struct bgp_addr *a, uint32_t domain,
			      uint8_t version)
{
	struct nf_cache *c = d->nf;
	struct nf_key k;

	key_make(&k, a, domain, version);
	if (c->last && !memcmp(&c->last->key, &k, sizeof(k)))
		return c->last;
	if (c->cap) {
		size_t i = key_slot(&k, c->cap);
		while (c->slot[i]) {
			if (!memcmp(&c->slot[i]->key, &k, sizeof(k)))
				return c->last = c->slot[i];
			i = (i + 1) & (c->cap - 1);
		}
	}
	if (c->n >= c->max_exporters) {
		d->st.capped++;
		return NULL;
	}
	if ((c->n + 1) * 4 > c->cap * 3 && cache_grow(c) < 0)
		return NULL;
	struct nf_exp *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = k;
	e->cache = c;
	size_t i = key_slot(&k, c->cap);
	while (c->slot[i])
		i = (i + 1) & (c->cap - 1);
	c->slot[i] = e;
	c->n++;
	return c->last = e;
}

/* ---------------------------------------------------------------- templates */

static size_t tpl_hash(uint16_t id, size_t cap)
{
	return ((size_t)id * 0x9e3779b1u >> 7) & (cap - 1);
}

static struct nf_tpl **tpl_slot(const struct nf_exp *e, uint16_t id)
{
	if (!e->tpl_cap)
		return NULL;
	size_t i = tpl_hash(id, e->tpl_cap);
	while (e->tpl[i]) {
		if (e->tpl[i]->id == id)
			return &e->tpl[i];
		i = (i + 1) & (e->tpl_cap - 1);
	}
	return NULL;
}

static struct nf_tpl *tpl_find(const struct nf_exp *e, uint16_t id)
{
	struct nf_tpl **s = tpl_slot(e, id);
	return s ? *s : NULL;
}

static void tpl_place(struct nf_tpl **tab, size_t cap, struct nf_tpl *t)
{
	size_t i = tpl_hash(t->id, cap);
	while (tab[i])
		i = (i + 1) & (cap - 1);
	tab[i] = t;
}

static int tpl_grow(struct nf_exp *e)
{
	size_t ncap = e->tpl_cap ? e->tpl_cap * 2 : 16;
	struct nf_tpl **nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return LO_ENOMEM;
	for (size_t i = 0; i < e->tpl_cap; i++)
		if (e->tpl[i])
			tpl_place(nt, ncap, e->tpl[i]);
	free(e->tpl);
	e->tpl = nt;
	e->tpl_cap = ncap;
	return 0;
}

/* tpl_remove() - free the template in slot @i (linear probing: shift back). */
static void tpl_remove(struct nf_exp *e, size_t i)
{
	size_t mask = e->tpl_cap - 1;

	tpl_free(e, e->tpl[i]);
	e->tpl[i] = NULL;
	e->n_tpl--;
	for (size_t j = (i + 1) & mask; e->tpl[j]; j = (j + 1) & mask) {
		struct nf_tpl *t = e->tpl[j];
		size_t h = tpl_hash(t->id, e->tpl_cap);
		/* t may move to the hole at i when i is cyclically in [h, j) */
		if (((j - h) & mask) >= ((j - i) & mask)) {
			e->tpl[i] = t;
			e->tpl[j] = NULL;
			i = j;
		}
	}
}

/* tpl_withdraw() - withdraw template @id; 1 when it was there. */
static int tpl_withdraw(struct nf_exp *e, uint16_t id)
{
	struct nf_tpl **s = tpl_slot(e, id);

	if (!s)
		return 0;
	tpl_remove(e, (size_t)(s - e->tpl));
	return 1;
}

/* tpl_withdraw_all() - withdraw every (options or data) template; how many. */
static uint64_t tpl_withdraw_all(struct nf_exp *e, bool options)
{
	uint64_t n = 0;

	for (size_t i = 0; i < e->tpl_cap;) {
		if (e->tpl[i] && e->tpl[i]->options == options) {
			tpl_remove(e, i);
			n++;
			continue; /* another one may have moved into slot i */
		}
		i++;
	}
	return n;
}

/* ---------------------------------------------------------------- samplers */

static size_t smp_hash(uint64_t id, size_t cap)
{
	return (size_t)(id * 0x9e3779b97f4a7c15ull >> 32) & (cap - 1);
}

static uint32_t smp_rate(const struct nf_exp *e, uint64_t id)
{
	if (!e->smp_cap)
		return 0;
	for (size_t i = smp_hash(id, e->smp_cap); e->smp[i].used; i = (i + 1) & (e->smp_cap - 1))
		if (e->smp[i].id == id)
			return e->smp[i].rate;
	return 0;
}

static void smp_put(struct nf_smp *tab, size_t cap, uint64_t id, uint32_t rate)
{
	size_t i = smp_hash(id, cap);
	while (tab[i].used && tab[i].id != id)
		i = (i + 1) & (cap - 1);
	tab[i].used = true;
	tab[i].id = id;
	tab[i].rate = rate;
}

static void smp_set(struct flow_dec *d, struct nf_exp *e, uint64_t id, uint32_t rate)
{
	if (e->smp_cap) {
		size_t i = smp_hash(id, e->smp_cap);
		for (; e->smp[i].used; i = (i + 1) & (e->smp_cap - 1)) {
			if (e->smp[i].id == id) {
				e->smp[i].rate = rate;
				return;
			}
		}
	}
	if (e->n_smp >= NF_MAX_SAMPLERS) {
		d->st.capped++;
		return;
	}
	if ((e->n_smp + 1) * 2 > e->smp_cap) {
		size_t ncap = e->smp_cap ? e->smp_cap * 2 : 8;
		struct nf_smp *nt = calloc(ncap, sizeof(*nt));
		if (!nt)
			return;
		for (size_t i = 0; i < e->smp_cap; i++)
			if (e->smp[i].used)
				smp_put(nt, ncap, e->smp[i].id, e->smp[i].rate);
		free(e->smp);
		e->smp = nt;
		e->smp_cap = ncap;
	}
	smp_put(e->smp, e->smp_cap, id, rate);
	e->n_smp++;
}

/* ================================================================ messages */

/* struct nf_msg - one v9 packet or IPFIX message being decoded. */
struct nf_msg {
	struct flow_dec *d;
	struct nf_exp *e; /* NULL: refused by the exporter cap */
	const char *name; /* "netflow9", "ipfix" */
	const uint8_t *base;
	const struct bgp_addr *exporter;
	uint8_t version;
	uint32_t domain;
	uint32_t uptime; /* v9 sysUptime */
	int64_t hdr_ms;	 /* v9: unix_secs * 1000; IPFIX: export time * 1000 */
	flow_cb cb;
	void *ctx;
	struct lo_err *err;
	int rc; /* the first fault, 0 none */
	int delivered;
};

static void nf_fail(struct nf_msg *m, int code, const uint8_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void nf_fail(struct nf_msg *m, int code, const uint8_t *at, const char *fmt, ...)
{
	char msg[LO_ERR_MSG];
	va_list ap;

	if (m->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m->rc = lo_err_set(m->err, code, (uint64_t)(at - m->base), "%s: %s", m->name, msg);
}

static bool all_zero(const uint8_t *p, const uint8_t *end)
{
	for (; p < end; p++)
		if (*p)
			return false;
	return true;
}

static inline uint64_t be_uint(const uint8_t *p, size_t len)
{
	switch (len) {
	case 1:
		return p[0];
	case 2:
		return (uint64_t)p[0] << 8 | p[1];
	case 4:
		return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
	}
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---------------------------------------------------------------- compile */

/*
 * ie_slot() - where IANA element @type of @len bytes goes: its slot, its
 * rank among the elements of that slot (0 best) and the unit of a time.
 * false when it is not mapped.
 */
static bool ie_slot(uint16_t type, uint16_t len, uint8_t *slot, uint8_t *rank, uint8_t *unit)
{
	static const struct {
		uint16_t type;
		uint8_t slot, rank, unit;
	} map[] = {
		{1, S_BYTES, 0, 0},
		{85, S_BYTES, 1, 0},
		{23, S_BYTES, 2, 0},
		{231, S_BYTES, 3, 0},
		{2, S_PKTS, 0, 0},
		{86, S_PKTS, 1, 0},
		{24, S_PKTS, 2, 0},
		{298, S_PKTS, 3, 0},
		{4, S_PROTO, 0, 0},
		{6, S_TCP_FLAGS, 0, 0},
		{7, S_SPORT, 0, 0},
		{11, S_DPORT, 0, 0},
		{8, S_SRC4, 0, 0},
		{12, S_DST4, 0, 0},
		{27, S_SRC6, 0, 0},
		{28, S_DST6, 0, 0},
		{10, S_IN_IF, 0, 0},
		{14, S_OUT_IF, 0, 0},
		{16, S_SRC_AS, 0, 0},
		{17, S_DST_AS, 0, 0},
		{32, S_ICMP4, 0, 0},
		{139, S_ICMP6, 0, 0},
		{176, S_ICMP4_TYPE, 0, 0},
		{177, S_ICMP4_CODE, 0, 0},
		{178, S_ICMP6_TYPE, 0, 0},
		{179, S_ICMP6_CODE, 0, 0},
		{88, S_FRAG_OFF, 0, 0},
		{197, S_FRAG_FLAGS, 0, 0},
		{34, S_RATE, 0, 0},
		{50, S_RATE, 1, 0},
		{305, S_PKT_INTERVAL, 0, 0},
		{306, S_PKT_SPACE, 0, 0},
		{48, S_SAMPLER, 0, 0},
		{302, S_SAMPLER, 1, 0},
		{152, S_START, 0, T_MS},
		{154, S_START, 1, T_US_NTP},
		{156, S_START, 2, T_NS_NTP},
		{150, S_START, 3, T_SEC},
		{158, S_START, 4, T_DELTA_US},
		{22, S_START, 5, T_UPTIME},
		{153, S_END, 0, T_MS},
		{155, S_END, 1, T_US_NTP},
		{157, S_END, 2, T_NS_NTP},
		{151, S_END, 3, T_SEC},
		{159, S_END, 4, T_DELTA_US},
		{21, S_END, 5, T_UPTIME},
		{160, S_SYS_INIT, 0, 0},
	};

	if (len == 0 || len == NF_VARLEN)
		return false;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].type != type)
			continue;
		switch (map[i].slot) {
		case S_SRC4:
		case S_DST4:
			if (len != 4)
				return false;
			break;
		case S_SRC6:
		case S_DST6:
			if (len != 16)
				return false;
			break;
		default:
			if (len > 8)
				return false;
			if ((map[i].unit == T_US_NTP || map[i].unit == T_NS_NTP) && len != 8)
				return false;
		}
		*slot = map[i].slot;
		*rank = map[i].rank;
		*unit = map[i].unit;
		return true;
	}
	return false;
}

/*
 * tpl_compile() - offsets, record length and actions of a template made of
 * @n specs, into one fresh allocation.  LO_ECORRUPT when its records
 * would be 0 bytes long, LO_ETOOBIG when they could not fit a set.
 */
static int tpl_compile(struct nf_tpl **out, uint16_t id, bool options, uint16_t n_scope,
		       bool skip_scope, const struct nf_fspec *specs, uint16_t n)
{
	struct {
		uint8_t rank, unit;
		int16_t idx;
	} best[S_COUNT];
	uint32_t off = 0;
	bool varlen = false;
	uint16_t n_acts = 0;

	memset(best, 0, sizeof(best));
	for (int s = 0; s < S_COUNT; s++)
		best[s].idx = -1;
	for (uint16_t i = 0; i < n; i++) {
		if (specs[i].len == NF_VARLEN) {
			varlen = true;
			off += 1; /* at least the length byte */
		} else {
			off += specs[i].len;
		}
		uint8_t slot, rank, unit;
		if (specs[i].en || (skip_scope && i < n_scope) ||
		    !ie_slot(specs[i].type, specs[i].len, &slot, &rank, &unit))
			continue;
		if (best[slot].idx < 0) {
			n_acts++;
		} else if (rank >= best[slot].rank) {
			continue;
		}
		best[slot].idx = (int16_t)i;
		best[slot].rank = rank;
		best[slot].unit = unit;
	}
	if (off == 0)
		return LO_ECORRUPT;
	if (off > NF_MAX_REC_LEN)
		return LO_ETOOBIG;

	size_t sz = sizeof(struct nf_tpl) + n * sizeof(struct nf_fspec) +
		    n_acts * sizeof(struct nf_act);
	struct nf_tpl *t = calloc(1, sz);
	if (!t)
		return LO_ENOMEM;
	t->size = sz;
	t->f = (struct nf_fspec *)(t + 1);
	t->acts = (struct nf_act *)(t->f + n);
	t->id = id;
	t->options = options;
	t->varlen = varlen;
	t->n_fields = n;
	t->n_scope = n_scope;
	t->rec_len = off;
	off = 0;
	for (uint16_t i = 0; i < n; i++) {
		t->f[i] = specs[i];
		t->f[i].off = off;
		off += specs[i].len == NF_VARLEN ? 0 : specs[i].len; /* only used when !varlen */
	}
	for (int s = 0; s < S_COUNT; s++) {
		if (best[s].idx < 0)
			continue;
		struct nf_act *a = &t->acts[t->n_acts++];
		a->slot = (uint8_t)s;
		a->unit = best[s].unit;
		a->idx = (uint16_t)best[s].idx;
	}
	t->unit_start = best[S_START].unit;
	t->unit_end = best[S_END].unit;
	*out = t;
	return 0;
}

/* tpl_same() - @t is the template of these specs (a periodic resend). */
static bool tpl_same(const struct nf_tpl *t, bool options, uint16_t n_scope,
		     const struct nf_fspec *specs, uint16_t n)
{
	if (t->options != options || t->n_scope != n_scope || t->n_fields != n)
		return false;
	for (uint16_t i = 0; i < n; i++)
		if (t->f[i].type != specs[i].type || t->f[i].len != specs[i].len ||
		    t->f[i].en != specs[i].en)
			return false;
	return true;
}

/*
 * tpl_learn() - learn a template read at @at (for errors).  A resend of
 * the same template is a no-op; a new one beyond max_templates is counted
 * and dropped.  false when the template is refused as malformed (the fault
 * is recorded).
 */
static bool tpl_learn(struct nf_msg *m, const uint8_t *at, uint16_t id, bool options,
		      uint16_t n_scope, const struct nf_fspec *specs, uint16_t n)
{
	struct nf_exp *e = m->e;
	struct nf_tpl **s, *t;

	if (!e)
		return true;
	s = tpl_slot(e, id);
	if (s && tpl_same(*s, options, n_scope, specs, n))
		return true;
	if (!s && e->n_tpl >= m->d->nf->max_templates) {
		m->d->st.capped++;
		return true;
	}
	int rc = tpl_compile(&t, id, options, n_scope, m->version == FLOW_NETFLOW9, specs, n);
	if (rc == LO_ECORRUPT) {
		nf_fail(m, LO_ECORRUPT, at, "template %u: records of 0 bytes", id);
		return false;
	}
	if (rc == LO_ETOOBIG) {
		nf_fail(m, LO_ECORRUPT, at, "template %u: records longer than a set", id);
		return false;
	}
	if (rc < 0) {
		nf_fail(m, rc, at, "template %u: out of memory", id);
		return false;
	}
	if (e->cache->tpl_bytes + t->size - (s ? (*s)->size : 0) > e->cache->max_tpl_bytes) {
		tpl_free(NULL, t); /* the budget of all templates together */
		m->d->st.capped++;
		return true;
	}
	e->cache->tpl_bytes += t->size;
	if (s) {
		tpl_free(e, *s);
		*s = t;
	} else {
		if ((e->n_tpl + 1) * 2 > e->tpl_cap && tpl_grow(e) < 0) {
			tpl_free(e, t);
			nf_fail(m, LO_ENOMEM, at, "template %u: out of memory", id);
			return false;
		}
		tpl_place(e->tpl, e->tpl_cap, t);
		e->n_tpl++;
	}
	m->d->st.templates++;
	return true;
}

/* ---------------------------------------------------------------- records */

static int64_t ntp_ms(uint64_t v)
{
	uint64_t sec = v >> 32, frac = v & 0xffffffffu;

	if (sec < NTP_UNIX_OFFSET)
		return 0;
	return (int64_t)((sec - NTP_UNIX_OFFSET) * 1000 + (frac * 1000 >> 32));
}

/* nf_time() - the unix ms of a time field (not the uptime ones). */
static int64_t nf_time(const struct nf_msg *m, uint8_t unit, uint64_t v)
{
	switch (unit) {
	case T_MS:
		return (int64_t)v;
	case T_SEC:
		return (int64_t)(v * 1000);
	case T_US_NTP:
	case T_NS_NTP:
		return ntp_ms(v);
	case T_DELTA_US:
		return (int64_t)((uint64_t)m->hdr_ms - v / 1000);
	}
	return 0;
}

/* uptime_ms() - @up ms of uptime when the uptime was @now at @at_ms. */
static int64_t uptime_ms(int64_t at_ms, uint32_t now, uint64_t up)
{
	int32_t ago = (int32_t)(now - (uint32_t)up);
	return at_ms - ago;
}

static uint32_t rate_clamp(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* nf_rate() - a sampling rate from the slots; 0 when they say nothing. */
static uint32_t nf_rate(const uint64_t *v, uint32_t have)
{
	if (have & (1u << S_RATE) && v[S_RATE])
		return rate_clamp(v[S_RATE]);
	if (have & (1u << S_PKT_SPACE)) {
		uint64_t iv = have & (1u << S_PKT_INTERVAL) ? v[S_PKT_INTERVAL] : 1;
		if (iv && v[S_PKT_SPACE] < UINT32_MAX && iv < UINT32_MAX)
			return rate_clamp((iv + v[S_PKT_SPACE] + iv / 2) / iv);
	}
	return 0;
}

/* nf_values() - run the actions of @t over @f; the raw slot values. */
static uint32_t nf_values(const struct nf_tpl *t, const struct flow_field *f, uint64_t *v,
			  const uint8_t **addr)
{
	uint32_t have = 0;

	for (uint16_t i = 0; i < t->n_acts; i++) {
		const struct nf_act *a = &t->acts[i];
		const struct flow_field *x = &f[a->idx]; /* mapped: 1..16 bytes */
		switch (a->slot) {
		case S_SRC4:
		case S_DST4:
		case S_SRC6:
		case S_DST6:
			addr[a->slot - S_SRC4] = x->val;
			break;
		default:
			v[a->slot] = be_uint(x->val, x->len);
		}
		have |= 1u << a->slot;
	}
	return have;
}

static void set_addr(struct bgp_addr *out, const uint8_t *v4, const uint8_t *v6)
{
	static const uint8_t zero[16];

	if (v4 && (!v6 || memcmp(v4, zero, 4) || !memcmp(v6, zero, 16))) {
		out->family = 4;
		memcpy(out->b, v4, 4);
	} else if (v6) {
		out->family = 6;
		memcpy(out->b, v6, 16);
	}
}

/* nf_map() - fill the members of data record @r from its fields. */
static void nf_map(const struct nf_msg *m, const struct nf_tpl *t, const struct flow_field *f,
		   struct flow_rec *r)
{
	uint64_t v[S_COUNT];
	const uint8_t *addr[4] = {NULL, NULL, NULL, NULL};
	uint32_t have = nf_values(t, f, v, addr);

#define HAVE(s) (have & (1u << (s)))
	if (HAVE(S_BYTES))
		r->bytes = v[S_BYTES];
	if (HAVE(S_PKTS))
		r->packets = v[S_PKTS];
	if (HAVE(S_PROTO))
		r->proto = (uint8_t)v[S_PROTO];
	if (HAVE(S_TCP_FLAGS))
		r->tcp_flags = (uint8_t)v[S_TCP_FLAGS];
	if (HAVE(S_SPORT))
		r->sport = (uint16_t)v[S_SPORT];
	if (HAVE(S_DPORT))
		r->dport = (uint16_t)v[S_DPORT];
	if (HAVE(S_IN_IF))
		r->in_if = (uint32_t)v[S_IN_IF];
	if (HAVE(S_OUT_IF))
		r->out_if = (uint32_t)v[S_OUT_IF];
	if (HAVE(S_SRC_AS))
		r->src_as = (uint32_t)v[S_SRC_AS];
	if (HAVE(S_DST_AS))
		r->dst_as = (uint32_t)v[S_DST_AS];
	set_addr(&r->src, addr[0], addr[2]);
	set_addr(&r->dst, addr[1], addr[3]);

	/* ICMP type and code: the family's own elements first */
	bool has4 = HAVE(S_ICMP4) || HAVE(S_ICMP4_TYPE) || HAVE(S_ICMP4_CODE);
	bool has6 = HAVE(S_ICMP6) || HAVE(S_ICMP6_TYPE) || HAVE(S_ICMP6_CODE);
	if (has4 || has6) {
		bool use6 = has6 && (r->proto == IPPROTO_ICMPV6_NUM || !has4);
		uint64_t tc;
		if (use6)
			tc = HAVE(S_ICMP6)
				     ? v[S_ICMP6]
				     : (HAVE(S_ICMP6_TYPE) ? v[S_ICMP6_TYPE] << 8 : 0) |
					       (HAVE(S_ICMP6_CODE) ? v[S_ICMP6_CODE] & 0xff : 0);
		else
			tc = HAVE(S_ICMP4)
				     ? v[S_ICMP4]
				     : (HAVE(S_ICMP4_TYPE) ? v[S_ICMP4_TYPE] << 8 : 0) |
					       (HAVE(S_ICMP4_CODE) ? v[S_ICMP4_CODE] & 0xff : 0);
		bool icmp = r->proto == IPPROTO_ICMP_NUM || r->proto == IPPROTO_ICMPV6_NUM;
		if (icmp || !HAVE(S_DPORT))
			r->dport = (uint16_t)tc;
	}
	/* ICMP has no ports: the contract is sport 0, dport type << 8 | code
	 * (some exporters put the type in the source port) */
	if (r->proto == IPPROTO_ICMP_NUM || r->proto == IPPROTO_ICMPV6_NUM)
		r->sport = 0;
	r->frag = (HAVE(S_FRAG_OFF) && (v[S_FRAG_OFF] & 0x1fff)) ||
		  (HAVE(S_FRAG_FLAGS) && (v[S_FRAG_FLAGS] & FRAG_FLAG_MF));

	/* sampling: own rate, the sampler's, the domain's, 1 */
	uint32_t rate = nf_rate(v, have);
	if (!rate && HAVE(S_SAMPLER))
		rate = smp_rate(m->e, v[S_SAMPLER]);
	if (!rate)
		rate = m->e->rate;
	r->sampling = m->d->opts.sampling ? m->d->opts.sampling : rate ? rate : 1;

	/* times */
	if (HAVE(S_START) || HAVE(S_END)) {
		uint8_t us = t->unit_start, ue = t->unit_end;
		bool up = (HAVE(S_START) && us == T_UPTIME) || (HAVE(S_END) && ue == T_UPTIME);
		uint32_t now = m->uptime; /* v9: uptime at hdr_ms */
		int64_t init = 0;
		if (up && m->version == FLOW_IPFIX) {
			init = HAVE(S_SYS_INIT) && v[S_SYS_INIT] ? (int64_t)v[S_SYS_INIT]
								 : m->e->sys_init_ms;
			/* no uptime in the header: the record is exported as it ends */
			if (!init)
				now = (uint32_t)(HAVE(S_END) && ue == T_UPTIME ? v[S_END]
									       : v[S_START]);
		}
		if (HAVE(S_START))
			r->first_ms = us != T_UPTIME ? nf_time(m, us, v[S_START])
				      : init	     ? (int64_t)((uint64_t)init + v[S_START])
						     : uptime_ms(m->hdr_ms, now, v[S_START]);
		if (HAVE(S_END))
			r->last_ms = ue != T_UPTIME ? nf_time(m, ue, v[S_END])
				     : init	    ? (int64_t)((uint64_t)init + v[S_END])
						    : uptime_ms(m->hdr_ms, now, v[S_END]);
	}
#undef HAVE
}

/* nf_options() - what options data record @f says about sampling and time. */
static void nf_options(struct nf_msg *m, const struct nf_tpl *t, const struct flow_field *f)
{
	uint64_t v[S_COUNT];
	const uint8_t *addr[4] = {NULL, NULL, NULL, NULL};
	uint32_t have = nf_values(t, f, v, addr);
	uint32_t rate = nf_rate(v, have);

	if (rate) {
		m->e->rate = rate;
		if (have & (1u << S_SAMPLER))
			smp_set(m->d, m->e, v[S_SAMPLER], rate);
	}
	if (have & (1u << S_SYS_INIT) && v[S_SYS_INIT])
		m->e->sys_init_ms = (int64_t)v[S_SYS_INIT];
}

/*
 * nf_data_set() - decode the records of data set @id, body @c (the set
 * header at @set).  Records of unknown templates are skipped and counted.
 */
static void nf_data_set(struct nf_msg *m, uint16_t id, const uint8_t *set, struct cur *c)
{
	struct flow_field f[FLOW_MAX_FIELDS];
	const struct nf_tpl *t;
	int n = 0;

	if (!m->e)
		return; /* refused by the exporter cap, counted there */
	if (!(t = tpl_find(m->e, id))) {
		m->d->st.no_template++;
		return;
	}
	struct flow_rec base;
	memset(&base, 0, sizeof(base));
	base.version = m->version;
	base.kind = t->options ? FLOW_OPTIONS : FLOW_DATA;
	base.template = id;
	base.domain = m->domain;
	if (m->exporter)
		base.exporter = *m->exporter;
	base.sampling = 1;
	base.fields = f;
	base.n_fields = t->n_fields;
	for (uint16_t i = 0; i < t->n_fields; i++) {
		f[i].type = t->f[i].type;
		f[i].enterprise = t->f[i].en;
		f[i].len = t->f[i].len;
	}

	while (cur_left(c) >= t->rec_len) {
		const uint8_t *rec = c->p;
		if (!t->varlen) {
			if (cur_skip(c, t->rec_len) < 0)
				break; /* cannot fail: the loop checked */
			for (uint16_t i = 0; i < t->n_fields; i++)
				f[i].val = rec + t->f[i].off;
		} else {
			struct cur rc = *c;
			for (uint16_t i = 0; i < t->n_fields; i++) {
				uint16_t len = t->f[i].len;
				if (len == NF_VARLEN) {
					uint8_t l8;
					uint16_t l16;
					if (cur_u8(&rc, &l8) < 0)
						goto overrun;
					len = l8;
					if (l8 == 255) {
						if (cur_be16(&rc, &l16) < 0)
							goto overrun;
						len = l16;
					}
				}
				f[i].len = len;
				if (cur_bytes(&rc, len, &f[i].val) < 0)
					goto overrun;
			}
			c->p = rc.p;
		}
		struct flow_rec r = base;
		if (t->options) {
			nf_options(m, t, f);
			m->d->st.options++;
		} else {
			nf_map(m, t, f, &r);
			m->d->st.records++;
		}
		m->delivered++;
		n++;
		m->cb(m->ctx, &r);
		continue;
overrun:
		nf_fail(m, LO_ECORRUPT, rec,
			"template %u: variable-length record overruns its set (%zu bytes left)", id,
			cur_left(c));
		return;
	}
	if (!n && !cur_empty(c) && !all_zero(c->p, c->end))
		nf_fail(m, LO_ECORRUPT, set,
			"template %u: set of %zu bytes holds no record of %u bytes", id,
			cur_left(c), (unsigned)t->rec_len);
}

/* ================================================================ v9 */

/* nf9_template_set() - template (@options false) or options template set. */
static void nf9_template_set(struct nf_msg *m, bool options, struct cur *c)
{
	struct nf_fspec specs[FLOW_MAX_FIELDS];
	const size_t min = options ? 6 : 4;

	while (cur_left(c) >= min && !all_zero(c->p, c->end)) {
		const uint8_t *at = c->p;
		uint16_t id, n, n_scope = 0, scope_len = 0, opt_len = 0;
		if (options) {
			if (cur_be16(c, &id) || cur_be16(c, &scope_len) || cur_be16(c, &opt_len))
				return; /* cannot fail: 6 bytes were left */
			if (scope_len % 4 || opt_len % 4) {
				nf_fail(m, LO_ECORRUPT, at,
					"options template %u: scope length %u or option length %u not a multiple of 4",
					id, scope_len, opt_len);
				return;
			}
			n_scope = scope_len / 4;
			n = (uint16_t)(n_scope + opt_len / 4);
		} else if (cur_be16(c, &id) || cur_be16(c, &n)) {
			return; /* cannot fail: 4 bytes were left */
		}
		if (id < NF_FIRST_DATA_SET_ID) {
			nf_fail(m, LO_ECORRUPT, at, "template ID %u < 256", id);
			return;
		}
		if (n == 0) {
			nf_fail(m, LO_ECORRUPT, at, "template %u: field count 0", id);
			return;
		}
		if (n > FLOW_MAX_FIELDS) {
			nf_fail(m, LO_ECORRUPT, at, "template %u: %u fields (at most %d)", id, n,
				FLOW_MAX_FIELDS);
			return;
		}
		if (cur_left(c) < (size_t)n * 4) {
			nf_fail(m, LO_ECORRUPT, at,
				"template %u: %u fields do not fit the set (%zu bytes left)", id, n,
				cur_left(c));
			return;
		}
		for (uint16_t i = 0; i < n; i++) {
			specs[i].en = 0;
			specs[i].off = 0;
			if (cur_be16(c, &specs[i].type) || cur_be16(c, &specs[i].len))
				return; /* cannot fail: the length was checked */
		}
		if (!tpl_learn(m, at, id, options, n_scope, specs, n))
			return; /* a template refused: the rest of the set goes with it */
	}
}

/*
 * hdr_time_ms() - the header's export time in ms.  v9 and IPFIX headers
 * have whole seconds only; when the datagram arrived within that second
 * (@now_ms), the arrival time is the better reference: flow times built on
 * the whole second would land early by up to a second.
 */
static int64_t hdr_time_ms(uint32_t secs, int64_t now_ms)
{
	int64_t ms = (int64_t)secs * 1000;
	return now_ms >= ms && now_ms < ms + 1000 ? now_ms : ms;
}

int nf9_decode(struct flow_dec *d, const struct bgp_addr *exporter, int64_t now_ms,
	       const uint8_t *p, size_t n, flow_cb cb, void *ctx, struct lo_err *err)
{
	struct nf_msg m = {.d = d,
			   .name = "netflow9",
			   .base = p,
			   .exporter = exporter,
			   .version = FLOW_NETFLOW9,
			   .cb = cb,
			   .ctx = ctx,
			   .err = err};
	struct cur c = cur_make(p, n);
	uint16_t version, count;
	uint32_t secs, seq;

	if (cur_be16(&c, &version) || cur_be16(&c, &count) || cur_be32(&c, &m.uptime) ||
	    cur_be32(&c, &secs) || cur_be32(&c, &seq) || cur_be32(&c, &m.domain))
		return lo_err_set(err, LO_ETRUNC, 0, "netflow9: header of %zu bytes (20 needed)",
				  n);
	if (version != FLOW_NETFLOW9)
		return lo_err_set(err, LO_EUNSUP, 0, "netflow9: version %u", version);
	m.hdr_ms = hdr_time_ms(secs, now_ms);
	m.e = exp_get(d, exporter, m.domain, FLOW_NETFLOW9);

	while (cur_left(&c) >= 4) {
		const uint8_t *set = c.p;
		uint16_t id, len;
		struct cur body;
		if (all_zero(c.p, c.end))
			break; /* zero padding after the last set */
		if (cur_be16(&c, &id) || cur_be16(&c, &len))
			break; /* cannot fail: 4 bytes were left */
		if (len < 4) {
			nf_fail(&m, LO_ECORRUPT, set, "flowset %u: length %u < 4", id, len);
			break;
		}
		if (cur_sub(&c, len - 4u, &body) < 0) {
			nf_fail(&m, LO_ETRUNC, set,
				"flowset %u: length %u beyond the datagram (%zu bytes left)", id,
				len, cur_left(&c) + 4);
			break;
		}
		if (id == NF9_SET_TEMPLATE || id == NF9_SET_OPTIONS)
			nf9_template_set(&m, id == NF9_SET_OPTIONS, &body);
		else if (id >= NF_FIRST_DATA_SET_ID)
			nf_data_set(&m, id, set, &body);
		/* 2..255: reserved, skipped */
	}
	return m.rc ? m.rc : m.delivered;
}

/* ================================================================ IPFIX */

/* ipfix_template_set() - template (@options false) or options template set. */
static void ipfix_template_set(struct nf_msg *m, bool options, struct cur *c)
{
	struct nf_fspec specs[FLOW_MAX_FIELDS];

	while (cur_left(c) >= 4 && !all_zero(c->p, c->end)) {
		const uint8_t *at = c->p;
		uint16_t id, n, n_scope = 0;
		if (cur_be16(c, &id) || cur_be16(c, &n))
			return; /* cannot fail: 4 bytes were left */
		if (n == 0) {
			/* RFC 7011 §8.1: withdrawal of one template, or all of the set's kind */
			uint16_t all = options ? IPFIX_SET_OPTIONS : IPFIX_SET_TEMPLATE;
			if (id == all) {
				if (m->e)
					m->d->st.withdrawn += tpl_withdraw_all(m->e, options);
			} else if (id >= NF_FIRST_DATA_SET_ID) {
				if (m->e)
					m->d->st.withdrawn += (uint64_t)tpl_withdraw(m->e, id);
			} else {
				nf_fail(m, LO_ECORRUPT, at, "withdrawal of template ID %u", id);
				return;
			}
			continue;
		}
		if (id < NF_FIRST_DATA_SET_ID) {
			nf_fail(m, LO_ECORRUPT, at, "template ID %u < 256", id);
			return;
		}
		if (options) {
			if (cur_be16(c, &n_scope) < 0) {
				nf_fail(m, LO_ECORRUPT, at, "options template %u: truncated", id);
				return;
			}
			if (n_scope == 0 || n_scope > n) {
				nf_fail(m, LO_ECORRUPT, at,
					"options template %u: scope field count %u of %u fields",
					id, n_scope, n);
				return;
			}
		}
		if (n > FLOW_MAX_FIELDS) {
			nf_fail(m, LO_ECORRUPT, at, "template %u: %u fields (at most %d)", id, n,
				FLOW_MAX_FIELDS);
			return;
		}
		for (uint16_t i = 0; i < n; i++) {
			uint16_t type;
			if (cur_be16(c, &type) || cur_be16(c, &specs[i].len)) {
				nf_fail(m, LO_ECORRUPT, at,
					"template %u: field %u of %u beyond the set", id, i + 1, n);
				return;
			}
			specs[i].type = type & 0x7fff;
			specs[i].en = 0;
			specs[i].off = 0;
			if (type & 0x8000 && cur_be32(c, &specs[i].en) < 0) {
				nf_fail(m, LO_ECORRUPT, at,
					"template %u: enterprise number of field %u beyond the set",
					id, i + 1);
				return;
			}
		}
		if (!tpl_learn(m, at, id, options, n_scope, specs, n))
			return;
	}
}

/*
 * ipfix_message() - decode the sets of the message at @c.  A set that runs
 * past the message length but not past the datagram (@dgram_end) is still
 * decoded (the message length is what is wrong: some exporters get it
 * wrong) and @c is extended to the datagram's end.
 */
static void ipfix_message(struct nf_msg *m, struct cur *c, const uint8_t *dgram_end)
{
	while (cur_left(c) >= 4) {
		const uint8_t *set = c->p;
		uint16_t id, len;
		struct cur body;
		if (all_zero(c->p, c->end))
			break;
		if (cur_be16(c, &id) || cur_be16(c, &len))
			break; /* cannot fail: 4 bytes were left */
		if (len < 4) {
			nf_fail(m, LO_ECORRUPT, set, "set %u: length %u < 4", id, len);
			return;
		}
		if (cur_left(c) < len - 4u && (size_t)(dgram_end - c->p) >= len - 4u) {
			nf_fail(m, LO_ECORRUPT, set,
				"set %u: length %u beyond the message length (%zu bytes left)", id,
				len, cur_left(c) + 4);
			c->end = dgram_end;
		}
		if (cur_sub(c, len - 4u, &body) < 0) {
			nf_fail(m, LO_ETRUNC, set,
				"set %u: length %u beyond the datagram (%zu bytes left)", id, len,
				cur_left(c) + 4);
			return;
		}
		if (id == IPFIX_SET_TEMPLATE || id == IPFIX_SET_OPTIONS)
			ipfix_template_set(m, id == IPFIX_SET_OPTIONS, &body);
		else if (id >= NF_FIRST_DATA_SET_ID)
			nf_data_set(m, id, set, &body);
		/* 0, 1, 4..255: not used or reserved, skipped */
	}
	if (!cur_empty(c) && !all_zero(c->p, c->end))
		nf_fail(m, LO_ECORRUPT, c->p, "%zu bytes after the last set", cur_left(c));
}

int ipfix_decode(struct flow_dec *d, const struct bgp_addr *exporter, int64_t now_ms,
		 const uint8_t *p, size_t n, flow_cb cb, void *ctx, struct lo_err *err)
{
	struct nf_msg m = {.d = d,
			   .name = "ipfix",
			   .base = p,
			   .exporter = exporter,
			   .version = FLOW_IPFIX,
			   .cb = cb,
			   .ctx = ctx,
			   .err = err};
	struct cur c = cur_make(p, n);

	/* one message per datagram (RFC 7011 §10.3.3); more are read if they follow */
	do {
		const uint8_t *hdr = c.p;
		uint16_t version, len;
		uint32_t secs, seq;
		struct cur msg;
		if (cur_be16(&c, &version) || cur_be16(&c, &len) || cur_be32(&c, &secs) ||
		    cur_be32(&c, &seq) || cur_be32(&c, &m.domain)) {
			nf_fail(&m, LO_ETRUNC, hdr, "header of %zu bytes (16 needed)",
				(size_t)(c.end - hdr));
			break;
		}
		if (version != FLOW_IPFIX) {
			nf_fail(&m, LO_EUNSUP, hdr, "version %u", version);
			break;
		}
		if (len < IPFIX_HDR_LEN) {
			nf_fail(&m, LO_ECORRUPT, hdr, "message length %u < 16", len);
			break;
		}
		if (cur_sub(&c, len - IPFIX_HDR_LEN, &msg) < 0) {
			/* decode what arrived; the fault is reported after it */
			nf_fail(&m, LO_ETRUNC, hdr,
				"message length %u beyond the datagram (%zu bytes)", len,
				(size_t)(c.end - hdr));
			msg = c;
			c.p = c.end;
		}
		m.hdr_ms = hdr_time_ms(secs, now_ms);
		m.e = exp_get(d, exporter, m.domain, FLOW_IPFIX);
		ipfix_message(&m, &msg, c.end);
		if (msg.end > c.p)
			c.p = msg.end; /* a set ran past the message length */
	} while (cur_left(&c) >= 4 && c.p[0] == 0 && c.p[1] == FLOW_IPFIX);
	if (!cur_empty(&c) && !all_zero(c.p, c.end))
		nf_fail(&m, LO_ECORRUPT, c.p, "%zu bytes after the message", cur_left(&c));
	return m.rc ? m.rc : m.delivered;
}

/* ================================================================ v5 */

int nf5_decode(struct flow_dec *d, const struct bgp_addr *exporter, int64_t now_ms,
	       const uint8_t *p, size_t n, flow_cb cb, void *ctx, struct lo_err *err)
{
	struct cur c = cur_make(p, n);
	uint16_t version, count, smp;
	uint32_t uptime, secs, nsecs, seq;
	uint8_t engine_type, engine_id;
	struct flow_rec base;

	(void)now_ms;
	if (cur_be16(&c, &version) || cur_be16(&c, &count) || cur_be32(&c, &uptime) ||
	    cur_be32(&c, &secs) || cur_be32(&c, &nsecs) || cur_be32(&c, &seq) ||
	    cur_u8(&c, &engine_type) || cur_u8(&c, &engine_id) || cur_be16(&c, &smp))
		return lo_err_set(err, LO_ETRUNC, 0, "netflow5: header of %zu bytes (24 needed)",
				  n);
	if (version != FLOW_NETFLOW5)
		return lo_err_set(err, LO_EUNSUP, 0, "netflow5: version %u", version);

	int64_t hdr_ms = (int64_t)secs * 1000 + nsecs / 1000000;
	uint32_t rate = smp & 0x3fff; /* the top 2 bits are the sampling mode */
	memset(&base, 0, sizeof(base));
	base.version = FLOW_NETFLOW5;
	base.kind = FLOW_DATA;
	base.domain = (uint32_t)engine_type << 8 | engine_id;
	if (exporter)
		base.exporter = *exporter;
	base.sampling = d->opts.sampling ? d->opts.sampling : rate ? rate : 1;

	size_t room = cur_left(&c) / NF5_REC_LEN;
	size_t todo = count < room ? count : room;
	for (size_t i = 0; i < todo; i++) {
		struct flow_rec r = base;
		uint32_t nexthop, pkts, octets, first, last;
		uint16_t in_if, out_if, src_as, dst_as, pad2;
		uint8_t pad1, tos, src_mask, dst_mask;
		r.src.family = r.dst.family = 4;
		if (cur_copy(&c, r.src.b, 4) || cur_copy(&c, r.dst.b, 4) ||
		    cur_be32(&c, &nexthop) || cur_be16(&c, &in_if) || cur_be16(&c, &out_if) ||
		    cur_be32(&c, &pkts) || cur_be32(&c, &octets) || cur_be32(&c, &first) ||
		    cur_be32(&c, &last) || cur_be16(&c, &r.sport) || cur_be16(&c, &r.dport) ||
		    cur_u8(&c, &pad1) || cur_u8(&c, &r.tcp_flags) || cur_u8(&c, &r.proto) ||
		    cur_u8(&c, &tos) || cur_be16(&c, &src_as) || cur_be16(&c, &dst_as) ||
		    cur_u8(&c, &src_mask) || cur_u8(&c, &dst_mask) || cur_be16(&c, &pad2))
			break; /* cannot fail: the room was counted */
		r.in_if = in_if;
		r.out_if = out_if;
		r.packets = pkts;
		r.bytes = octets;
		r.src_as = src_as;
		r.dst_as = dst_as;
		r.first_ms = uptime_ms(hdr_ms, uptime, first);
		r.last_ms = uptime_ms(hdr_ms, uptime, last);
		d->st.records++;
		cb(ctx, &r);
	}
	if (count > room)
		return lo_err_set(err, LO_ETRUNC, NF5_HDR_LEN + room * NF5_REC_LEN,
				  "netflow5: count %u but room for %zu records", count, room);
	if (!cur_empty(&c))
		return lo_err_set(err, LO_ECORRUPT, NF5_HDR_LEN + todo * NF5_REC_LEN,
				  "netflow5: %zu bytes after %u records", cur_left(&c), count);
	return (int)todo;
}
