/*
 * DOC: conf loading — the file is read line by line by reader() below and
 * handed to inih's ini_parse_stream(), which splits `key = value`; every
 * key goes through handler(), which looks it up in the table of its
 * section (sections[]) and calls the key's setter.  Section headers are
 * also seen by reader(), so empty sections are checked too, and each
 * section's required keys are checked when the next header (or the end of
 * the file) closes it.
 *
 * reader() prepares each line for inih: it strips the UTF-8 BOM, comments
 * (`;` or `#` at the start or after a blank) and surrounding blanks, and
 * refuses lines whose remaining text does not fit inih's buffer
 * (INI_MAX_LINE, 200 bytes in Debian's build; inih itself would silently
 * split them).  Since every line reaches inih as one call of reader(), the
 * reader's line count is the line number of every message.
 *
 * The first problem stops the load; no partial conf is returned.
 */
#include "conf/conf.h"
#include "conf/conf_int.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct pstate;

/* One key of a section: its setter parses the value into the conf. */
struct key_def {
	const char *name;
	bool repeat;
	int (*set)(struct pstate *st, const char *v);
};

#define SECT_MAX_KEYS 16

/*
 * One kind of section.  @begin makes the object of a named section (after
 * checking the name is new); @end checks required keys, with the header's
 * line in messages.
 */
struct sect_def {
	const char *name;
	bool named;
	const struct key_def *keys;
	int (*begin)(struct pstate *st, const char *name);
	int (*end)(struct pstate *st);
};

struct pstate {
	FILE *f;
	const char *path;
	struct conf *c;
	struct lo_err *err;
	int rc;		   /* first error, 0 while all is well */
	uint32_t err_line; /* its line */
	uint32_t line;	   /* line being read */
	char *buf;	   /* getline() buffer */
	size_t cap;
	const struct sect_def *sect;	  /* the open section, NULL before the first */
	char label[CONF_NAME_MAX + 16];	  /* "neighbor rv1", for messages */
	uint32_t sect_line;		  /* line of its header */
	uint32_t key_line[SECT_MAX_KEYS]; /* first line of each key in it, 0 = not yet */
	uint32_t single_line[16];	  /* header line of each unnamed section seen */
	const char *key;		  /* key being set, for messages */
};

/* ---------------------------------------------------------------- errors */

static int vfail(struct pstate *st, int code, uint32_t line, const char *fmt, va_list ap)
{
	char msg[LO_ERR_MSG];

	if (st->rc)
		return st->rc;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	st->rc = code;
	st->err_line = line;
	if (line)
		lo_err_set(st->err, code, line, "%s:%u: %s", st->path, (unsigned)line, msg);
	else
		lo_err_set(st->err, code, LO_NOOFF, "%s: %s", st->path, msg);
	return code;
}

/* fail_at() - record the first error, at @line (0: the file as a whole). */
__attribute__((format(printf, 4, 5))) static int fail_at(struct pstate *st, int code, uint32_t line,
							 const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(st, code, line, fmt, ap);
	va_end(ap);
	return rc;
}

/* bad_value() - the value of the current key is wrong: "[sect] key = 'v': why". */
static int bad_value(struct pstate *st, const char *v, const char *why)
{
	return fail_at(st, LO_EINVAL, st->line, "[%s] %s = '%.64s': %s", st->label, st->key, v,
		       why);
}

static int bad_range_u(struct pstate *st, const char *v, const char *why, uint64_t min,
		       uint64_t max)
{
	return fail_at(st, LO_EINVAL, st->line, "[%s] %s = '%.64s': %s (%llu..%llu)", st->label,
		       st->key, v, why, (unsigned long long)min, (unsigned long long)max);
}

/* ---------------------------------------------------------------- storage */

/*
 * push() - append a zeroed element to the array whose pointer is at @parr
 * (any `T **`) and has *@n elements; capacity grows in powers of two from
 * 4.  Returns the new element, or NULL after recording LO_ETOOBIG (@max
 * reached: "too many @what") or LO_ENOMEM; the array is unchanged then.
 * The pointer is read and written with memcpy, so @parr need not be void **.
 */
static void *push(struct pstate *st, void *parr, size_t *n, size_t size, size_t max,
		  const char *what)
{
	char *p;

	memcpy(&p, parr, sizeof(p));
	if (*n >= max) {
		fail_at(st, LO_ETOOBIG, st->line, "too many %s (at most %zu)", what, max);
		return NULL;
	}
	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
		size_t cap = *n == 0 ? 4 : *n * 2;
		char *np = realloc(p, cap * size);
		if (!np) {
			fail_at(st, LO_ENOMEM, st->line, "out of memory");
			return NULL;
		}
		p = np;
		memcpy(parr, &p, sizeof(p));
	}
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

static int set_str(struct pstate *st, char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return fail_at(st, LO_ENOMEM, st->line, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

static int set_u32(struct pstate *st, const char *v, uint64_t min, uint64_t max, uint32_t *dst,
		   bool *has)
{
	uint64_t x;
	const char *why = conf_val_uint(v, min, max, &x);

	if (why)
		return bad_range_u(st, v, why, min, max);
	*dst = (uint32_t)x;
	if (has)
		*has = true;
	return 0;
}

static int set_double(struct pstate *st, const char *v, double min, double max, bool min_open,
		      double *dst, bool *has)
{
	const char *why = conf_val_double(v, min, max, min_open, dst);

	if (why)
		return fail_at(st, LO_EINVAL, st->line,
			       "[%s] %s = '%.64s': %s: must be in %s%g, %g]", st->label, st->key, v,
			       why, min_open ? "(" : "[", min, max);
	*has = true;
	return 0;
}

static int set_bool(struct pstate *st, const char *v, bool *dst)
{
	const char *why = conf_val_bool(v, dst);

	return why ? bad_value(st, v, why) : 0;
}

static int set_endpoint(struct pstate *st, const char *v, struct conf_endpoint *dst, bool *has)
{
	const char *why = conf_val_endpoint(v, dst);

	if (why)
		return bad_value(st, v, why);
	*has = true;
	return 0;
}

/* add_endpoint() - one more value of a repeatable listen key; @other: a list it must not share. */
static int add_endpoint(struct pstate *st, const char *v, struct conf_endpoint **arr, size_t *n,
			const struct conf_endpoint *other, size_t n_other)
{
	struct conf_endpoint e, *slot;
	const char *why = conf_val_endpoint(v, &e);
	char what[128];

	if (why)
		return bad_value(st, v, why);
	for (size_t i = 0; i < *n; i++)
		if (conf_endpoint_eq(&(*arr)[i], &e))
			return bad_value(st, v, "listed twice");
	for (size_t i = 0; i < n_other; i++)
		if (conf_endpoint_eq(&other[i], &e))
			return bad_value(st, v, "already used by another key of this section");
	snprintf(what, sizeof(what), "'%s' values in [%s]", st->key, st->label);
	if (!(slot = push(st, arr, n, sizeof(e), CONF_MAX_REPEAT, what)))
		return st->rc;
	*slot = e;
	return 0;
}

/* ---------------------------------------------------------------- [store] [geo] [http] */

static int store_path(struct pstate *st, const char *v)
{
	return set_str(st, &st->c->store_path, v);
}

static int geo_source(struct pstate *st, const char *v)
{
	struct conf *c = st->c;
	const char *why = conf_val_geo_source(v);
	char **slot;

	if (why)
		return bad_value(st, v, why);
	for (size_t i = 0; i < c->n_geo_sources; i++)
		if (!strcmp(c->geo_sources[i], v))
			return bad_value(st, v, "listed twice");
	if (!(slot = push(st, &c->geo_sources, &c->n_geo_sources, sizeof(*slot), CONF_MAX_REPEAT,
			  "'source' values in [geo]")))
		return st->rc;
	return set_str(st, slot, v);
}

static int http_listen(struct pstate *st, const char *v)
{
	return set_endpoint(st, v, &st->c->http_listen, &st->c->has_http_listen);
}

/* ---------------------------------------------------------------- [bgp] [bmp] */

static int bgp_asn(struct pstate *st, const char *v)
{
	return set_u32(st, v, 1, UINT32_MAX, &st->c->bgp_asn, &st->c->has_bgp_asn);
}

static int bgp_router_id(struct pstate *st, const char *v)
{
	struct bgp_addr a;
	const char *why = conf_val_addr(v, &a);

	if (why)
		return bad_value(st, v, why);
	if (a.family != 4 || !memcmp(a.b, "\0\0\0\0", 4))
		return bad_value(st, v, "a router id is a non-zero IPv4 address (RFC 4271 4.2)");
	st->c->bgp_router_id = a;
	st->c->has_bgp_router_id = true;
	return 0;
}

static int bgp_listen(struct pstate *st, const char *v)
{
	return add_endpoint(st, v, &st->c->bgp_listen, &st->c->n_bgp_listen, NULL, 0);
}

static int bgp_mrt_dir(struct pstate *st, const char *v)
{
	return set_str(st, &st->c->bgp_mrt_dir, v);
}

static int bmp_listen(struct pstate *st, const char *v)
{
	return set_endpoint(st, v, &st->c->bmp_listen, &st->c->has_bmp_listen);
}

/* ---------------------------------------------------------------- [neighbor NAME] */

static struct conf_neighbor *cur_neighbor(struct pstate *st)
{
	return &st->c->neighbors[st->c->n_neighbors - 1];
}

static int neighbor_begin(struct pstate *st, const char *name)
{
	struct conf *c = st->c;
	struct conf_neighbor *n;

	for (size_t i = 0; i < c->n_neighbors; i++)
		if (!strcmp(c->neighbors[i].name, name))
			return fail_at(st, LO_EINVAL, st->line,
				       "duplicate section [neighbor %s] (first on line %u)", name,
				       (unsigned)c->neighbors[i].line);
	if (!(n = push(st, &c->neighbors, &c->n_neighbors, sizeof(*n), CONF_MAX_NEIGHBORS,
		       "[neighbor] sections")))
		return st->rc;
	strcpy(n->name, name);
	n->line = st->line;
	n->port = CONF_BGP_PORT;
	n->hold_time = CONF_HOLD_TIME;
	return 0;
}

static int neighbor_address(struct pstate *st, const char *v)
{
	const char *why = conf_val_addr(v, &cur_neighbor(st)->address);

	return why ? bad_value(st, v, why) : 0;
}

static int neighbor_asn(struct pstate *st, const char *v)
{
	return set_u32(st, v, 1, UINT32_MAX, &cur_neighbor(st)->asn, NULL);
}

static int neighbor_port(struct pstate *st, const char *v)
{
	uint32_t x = 0;
	int rc = set_u32(st, v, 1, 65535, &x, NULL);

	if (!rc)
		cur_neighbor(st)->port = (uint16_t)x;
	return rc;
}

static int neighbor_hold_time(struct pstate *st, const char *v)
{
	uint32_t x = 0;
	int rc = set_u32(st, v, 0, 65535, &x, NULL);

	if (rc)
		return rc;
	if (x == 1 || x == 2)
		return bad_value(st, v, "a hold time is 0 or 3..65535 seconds (RFC 4271 4.2)");
	cur_neighbor(st)->hold_time = (uint16_t)x;
	return 0;
}

static int neighbor_passive(struct pstate *st, const char *v)
{
	return set_bool(st, v, &cur_neighbor(st)->passive);
}

static int neighbor_blackhole(struct pstate *st, const char *v)
{
	return set_bool(st, v, &cur_neighbor(st)->blackhole);
}

static int neighbor_end(struct pstate *st)
{
	const struct conf_neighbor *n = cur_neighbor(st);
	char a[BGP_ADDR_STRLEN];

	if (!n->address.family)
		return fail_at(st, LO_EINVAL, st->sect_line, "[%s]: 'address' is required",
			       st->label);
	if (!n->asn)
		return fail_at(st, LO_EINVAL, st->sect_line, "[%s]: 'asn' is required", st->label);
	for (size_t i = 0; i + 1 < st->c->n_neighbors; i++) {
		const struct conf_neighbor *o = &st->c->neighbors[i];
		if (conf_addr_eq(&o->address, &n->address)) {
			bgp_fmt_addr(&n->address, a);
			return fail_at(st, LO_EINVAL, st->sect_line,
				       "[%s]: address %s is also [neighbor %s] (line %u)",
				       st->label, a, o->name, (unsigned)o->line);
		}
	}
	return 0;
}

static int set_rate(struct pstate *st, const char *v, uint64_t *dst)
{
	const uint64_t max = 1000000000000000ull; /* 10^15 per second */
	const char *why = conf_val_uint(v, 1, max, dst);

	return why ? bad_range_u(st, v, why, 1, max) : 0;
}

/* ---------------------------------------------------------------- [flow] */

static int flow_listen(struct pstate *st, const char *v)
{
	struct conf *c = st->c;

	return add_endpoint(st, v, &c->flow_listen, &c->n_flow_listen, c->flow_sflow,
			    c->n_flow_sflow);
}

static int flow_sflow(struct pstate *st, const char *v)
{
	struct conf *c = st->c;

	return add_endpoint(st, v, &c->flow_sflow, &c->n_flow_sflow, c->flow_listen,
			    c->n_flow_listen);
}

static int flow_exporter(struct pstate *st, const char *v)
{
	struct conf *c = st->c;
	struct bgp_prefix p, *slot;
	char why[160];

	memset(&p, 0, sizeof(p));
	if (strchr(v, '/')) {
		if (conf_val_prefix(v, &p, why, sizeof(why)))
			return bad_value(st, v, why);
	} else {
		const char *w = conf_val_addr(v, &p.addr);
		if (w)
			return bad_value(st, v, "not an IPv4 or IPv6 address or prefix");
		p.len = p.addr.family == 4 ? 32 : 128;
	}
	for (size_t i = 0; i < c->n_flow_exporters; i++)
		if (conf_prefix_eq(&c->flow_exporters[i], &p))
			return bad_value(st, v, "listed twice");
	if (!(slot = push(st, &c->flow_exporters, &c->n_flow_exporters, sizeof(p), CONF_MAX_REPEAT,
			  "'exporter' values in [flow]")))
		return st->rc;
	*slot = p;
	return 0;
}

static int flow_sampling(struct pstate *st, const char *v)
{
	return set_u32(st, v, 1, UINT32_MAX, &st->c->flow_sampling, NULL);
}

static int flow_max_hosts(struct pstate *st, const char *v)
{
	return set_u32(st, v, 16, 16777216, &st->c->flow_max_hosts, NULL);
}

static int flow_attack_end(struct pstate *st, const char *v)
{
	return set_u32(st, v, 1, 86400, &st->c->flow_attack_end, NULL);
}

static int flow_hold(struct pstate *st, const char *v)
{
	return set_u32(st, v, 0, 30 * 86400, &st->c->flow_hold, NULL);
}

static int flow_baseline(struct pstate *st, const char *v)
{
	return set_bool(st, v, &st->c->flow_baseline);
}

static int flow_baseline_factor(struct pstate *st, const char *v)
{
	bool has;
	return set_double(st, v, 1, 1000, true, &st->c->flow_baseline_factor, &has);
}

static int flow_baseline_min_pps(struct pstate *st, const char *v)
{
	return set_rate(st, v, &st->c->flow_baseline_min_pps);
}

static int flow_script(struct pstate *st, const char *v)
{
	if (v[0] != '/')
		return bad_value(st, v, "not an absolute path");
	return set_str(st, &st->c->flow_script, v);
}

static int flow_webhook(struct pstate *st, const char *v)
{
	if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
		return bad_value(st, v, "not an http:// or https:// URL");
	return set_str(st, &st->c->flow_webhook, v);
}

static int flow_syslog(struct pstate *st, const char *v)
{
	return set_bool(st, v, &st->c->flow_syslog);
}

/* ---------------------------------------------------------------- [hostgroup NAME] */

static struct conf_hostgroup *cur_hostgroup(struct pstate *st)
{
	return &st->c->hostgroups[st->c->n_hostgroups - 1];
}

static int hostgroup_begin(struct pstate *st, const char *name)
{
	struct conf *c = st->c;
	struct conf_hostgroup *g;

	for (size_t i = 0; i < c->n_hostgroups; i++)
		if (!strcmp(c->hostgroups[i].name, name))
			return fail_at(st, LO_EINVAL, st->line,
				       "duplicate section [hostgroup %s] (first on line %u)", name,
				       (unsigned)c->hostgroups[i].line);
	if (!(g = push(st, &c->hostgroups, &c->n_hostgroups, sizeof(*g), CONF_MAX_HOSTGROUPS,
		       "[hostgroup] sections")))
		return st->rc;
	strcpy(g->name, name);
	g->line = st->line;
	g->blackhole = true;
	return 0;
}

static int hostgroup_prefix(struct pstate *st, const char *v)
{
	struct conf_hostgroup *g = cur_hostgroup(st);
	struct bgp_prefix p, *slot;
	char why[160];

	if (conf_val_prefix(v, &p, why, sizeof(why)))
		return bad_value(st, v, why);
	for (size_t i = 0; i < g->n_prefixes; i++)
		if (conf_prefix_eq(&g->prefixes[i], &p))
			return bad_value(st, v, "listed twice");
	if (!(slot = push(st, &g->prefixes, &g->n_prefixes, sizeof(p), CONF_MAX_GROUP_PREFIXES,
			  "prefixes in one [hostgroup]")))
		return st->rc;
	*slot = p;
	return 0;
}

static int hostgroup_pps(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->pps);
}

static int hostgroup_bps(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->bps);
}

static int hostgroup_flows(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->flows);
}

static int hostgroup_syn_pps(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->syn_pps);
}

static int hostgroup_udp_pps(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->udp_pps);
}

static int hostgroup_icmp_pps(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->icmp_pps);
}

static int hostgroup_frag_pps(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->frag_pps);
}

static int hostgroup_amp_pps(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->amp_pps);
}

static int hostgroup_total_pps(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->total_pps);
}

static int hostgroup_total_bps(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->total_bps);
}

static int hostgroup_total_flows(struct pstate *st, const char *v)
{
	return set_rate(st, v, &cur_hostgroup(st)->total_flows);
}

static int hostgroup_blackhole(struct pstate *st, const char *v)
{
	return set_bool(st, v, &cur_hostgroup(st)->blackhole);
}

static int hostgroup_end(struct pstate *st)
{
	if (!cur_hostgroup(st)->n_prefixes)
		return fail_at(st, LO_EINVAL, st->sect_line,
			       "[%s]: at least one 'prefix' is required", st->label);
	return 0;
}

/* ---------------------------------------------------------------- [entity NAME] */

static struct conf_entity *cur_entity(struct pstate *st)
{
	return &st->c->entities[st->c->n_entities - 1];
}

static int entity_begin(struct pstate *st, const char *name)
{
	struct conf *c = st->c;
	struct conf_entity *e;

	for (size_t i = 0; i < c->n_entities; i++)
		if (!strcmp(c->entities[i].name, name))
			return fail_at(st, LO_EINVAL, st->line,
				       "duplicate section [entity %s] (first on line %u)", name,
				       (unsigned)c->entities[i].line);
	if (!(e = push(st, &c->entities, &c->n_entities, sizeof(*e), CONF_MAX_ENTITIES,
		       "[entity] sections")))
		return st->rc;
	strcpy(e->name, name);
	e->line = st->line;
	return 0;
}

/* entity_member() - `KIND = VALUE` is the member KIND:VALUE, parsed as on the command line. */
static int entity_member(struct pstate *st, const char *v)
{
	struct conf_entity *e = cur_entity(st);
	struct geo_entity m, *slot;
	struct lo_err err;
	char spec[160];
	const char *why;

	lo_err_clear(&err);
	snprintf(spec, sizeof(spec), "%s:%s", st->key, v);
	if (geo_entity_parse(&m, spec, &err)) {
		why = strstr(err.msg, "': ");
		return bad_value(st, v, why ? why + 3 : err.msg);
	}
	for (size_t i = 0; i < e->n_members; i++) {
		const struct geo_entity *o = &e->members[i];
		if (o->kind == m.kind && !strcmp(o->cc, m.cc) && o->asn == m.asn &&
		    (m.kind != GEO_ENT_PREFIX || conf_prefix_eq(&o->prefix, &m.prefix)))
			return bad_value(st, v, "listed twice");
	}
	if (!(slot = push(st, &e->members, &e->n_members, sizeof(m), CONF_MAX_MEMBERS,
			  "members in one [entity]")))
		return st->rc;
	*slot = m;
	return 0;
}

static int entity_end(struct pstate *st)
{
	if (!cur_entity(st)->n_members)
		return fail_at(st, LO_EINVAL, st->sect_line,
			       "[%s]: no members (add prefix =, asn = or country =)", st->label);
	return 0;
}

/* ---------------------------------------------------------------- [probe NAME] */

static struct conf_probe *cur_probe(struct pstate *st)
{
	return &st->c->probes[st->c->n_probes - 1];
}

static int probe_begin(struct pstate *st, const char *name)
{
	struct conf *c = st->c;
	struct conf_probe *p;

	for (size_t i = 0; i < c->n_probes; i++)
		if (!strcmp(c->probes[i].name, name))
			return fail_at(st, LO_EINVAL, st->line,
				       "duplicate section [probe %s] (first on line %u)", name,
				       (unsigned)c->probes[i].line);
	if (!(p = push(st, &c->probes, &c->n_probes, sizeof(*p), CONF_MAX_PROBES,
		       "[probe] sections")))
		return st->rc;
	strcpy(p->name, name);
	p->line = st->line;
	p->interval = CONF_PROBE_INTERVAL;
	p->timeout = CONF_PROBE_TIMEOUT;
	p->retries = CONF_PROBE_RETRIES;
	return 0;
}

static int probe_target(struct pstate *st, const char *v)
{
	struct conf_probe *p = cur_probe(st);
	char why[200];
	int rc;

	if (conf_val_probe_target(v, p, why, sizeof(why)))
		return bad_value(st, v, why);
	if ((rc = set_str(st, &p->target, v)))
		return rc;
	p->url = p->kind == CONF_PROBE_HTTP ? p->target : NULL;
	return 0;
}

static int probe_interval(struct pstate *st, const char *v)
{
	return set_u32(st, v, 1, 86400, &cur_probe(st)->interval, NULL);
}

static int probe_timeout(struct pstate *st, const char *v)
{
	return set_u32(st, v, 10, 60000, &cur_probe(st)->timeout, NULL);
}

static int probe_retries(struct pstate *st, const char *v)
{
	return set_u32(st, v, 0, 10, &cur_probe(st)->retries, NULL);
}

static int probe_expect(struct pstate *st, const char *v)
{
	if (!*v || strlen(v) > 256)
		return bad_value(st, v, "1 to 256 bytes of text");
	return set_str(st, &cur_probe(st)->expect, v);
}

static int probe_expect_status(struct pstate *st, const char *v)
{
	return set_u32(st, v, 100, 599, &cur_probe(st)->expect_status, NULL);
}

static int probe_entity(struct pstate *st, const char *v)
{
	struct conf_probe *p = cur_probe(st);
	struct geo_entity m;
	struct bgp_addr a;
	struct lo_err err;

	if (!strncmp(v, "host:", 5)) {
		const char *r = conf_val_addr(v + 5, &a);
		if (r)
			return bad_value(st, v, r);
	} else if (strncmp(v, "group:", 6) && geo_entity_parse(&m, v, &err)) {
		const char *why = strstr(err.msg, "': ");
		return bad_value(st, v, why ? why + 3 : err.msg);
	}
	if (strlen(v) >= sizeof(p->entities[0]))
		return bad_value(st, v, "too long");
	for (size_t i = 0; i < p->n_entities; i++)
		if (!strcmp(p->entities[i], v))
			return bad_value(st, v, "listed twice");
	if (p->n_entities >= CONF_MAX_PROBE_ENTITIES)
		return fail_at(st, LO_ETOOBIG, st->line, "[%s]: more than %d entity =", st->label,
			       CONF_MAX_PROBE_ENTITIES);
	strcpy(p->entities[p->n_entities++], v);
	return 0;
}

static int probe_end(struct pstate *st)
{
	struct conf_probe *p = cur_probe(st);

	if (!p->target)
		return fail_at(st, LO_EINVAL, st->sect_line, "[%s]: 'target' is required",
			       st->label);
	if ((p->expect || p->expect_status) && p->kind != CONF_PROBE_HTTP)
		return fail_at(st, LO_EINVAL, st->sect_line,
			       "[%s]: 'expect' and 'expect_status' are for http(s) targets",
			       st->label);
	return 0;
}

/* ---------------------------------------------------------------- [prober] */

static int prober_rate(struct pstate *st, const char *v)
{
	return set_u32(st, v, 1, 10000, &st->c->prober.rate, NULL);
}

static int prober_burst(struct pstate *st, const char *v)
{
	return set_u32(st, v, 1, 10000, &st->c->prober.burst, NULL);
}

static int prober_sweep(struct pstate *st, const char *v)
{
	return set_u32(st, v, 60, 31536000, &st->c->prober.sweep, NULL);
}

static int prober_window(struct pstate *st, const char *v)
{
	return set_u32(st, v, 1, 31536000, &st->c->prober.window, NULL);
}

static int prober_warmup(struct pstate *st, const char *v)
{
	return set_u32(st, v, 0, 31536000, &st->c->prober.warmup, NULL);
}

static int prober_min_duration(struct pstate *st, const char *v)
{
	return set_u32(st, v, 0, 31536000, &st->c->prober.min_duration, NULL);
}

/* ---------------------------------------------------------------- [detect] */

#define YEAR_S 31536000

static int detect_bin(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_u32(st, v, 1, 86400, &d->bin, &d->has_bin);
}

static int detect_window(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_u32(st, v, 1, YEAR_S, &d->window, &d->has_window);
}

static int detect_warmup(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_u32(st, v, 0, YEAR_S, &d->warmup, &d->has_warmup);
}

static int detect_min_duration(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_u32(st, v, 0, YEAR_S, &d->min_duration, &d->has_min_duration);
}

static int detect_warn_ratio(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_double(st, v, 0, 1, true, &d->warn_ratio, &d->has_warn_ratio);
}

static int detect_crit_ratio(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_double(st, v, 0, 1, true, &d->crit_ratio, &d->has_crit_ratio);
}

static int detect_recover_ratio(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_double(st, v, 0, 1, true, &d->recover_ratio, &d->has_recover_ratio);
}

static int detect_min_baseline(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_double(st, v, 0, 1e12, false, &d->min_baseline, &d->has_min_baseline);
}

static int detect_flap_window(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_u32(st, v, 1, 86400, &d->flap_window, &d->has_flap_window);
}

static int detect_instability_factor(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_double(st, v, 1, 1000, false, &d->instability_factor,
			  &d->has_instability_factor);
}

static int detect_instability_min_flaps(struct pstate *st, const char *v)
{
	struct conf_detect *d = &st->c->detect;
	return set_u32(st, v, 1, 1000000, &d->instability_min_flaps, &d->has_instability_min_flaps);
}

static int detect_end(struct pstate *st)
{
	const struct conf_detect *d = &st->c->detect;

	if (d->has_bin && d->has_window && d->window < d->bin)
		return fail_at(st, LO_EINVAL, st->sect_line,
			       "[detect]: window (%u) is shorter than bin (%u)",
			       (unsigned)d->window, (unsigned)d->bin);
	if (d->has_crit_ratio && d->has_warn_ratio && d->crit_ratio > d->warn_ratio)
		return fail_at(st, LO_EINVAL, st->sect_line,
			       "[detect]: crit_ratio (%g) is above warn_ratio (%g)", d->crit_ratio,
			       d->warn_ratio);
	if (d->has_warn_ratio && d->has_recover_ratio && d->warn_ratio > d->recover_ratio)
		return fail_at(st, LO_EINVAL, st->sect_line,
			       "[detect]: warn_ratio (%g) is above recover_ratio (%g)",
			       d->warn_ratio, d->recover_ratio);
	return 0;
}

/* ---------------------------------------------------------------- [alert] */

static const char *const alert_kind_names[] = {"outage", "partial_outage", "instability", "attack",
					       "probe_down"};

unsigned conf_alert_kind(const char *name)
{
	for (unsigned i = 0; name && i < sizeof(alert_kind_names) / sizeof(alert_kind_names[0]);
	     i++)
		if (!strcmp(name, alert_kind_names[i]))
			return 1u << i;
	return 0;
}

static int alert_webhook(struct pstate *st, const char *v)
{
	struct conf_alert *a = &st->c->alert;
	char **slot;

	if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
		return bad_value(st, v, "not an http:// or https:// URL");
	for (size_t i = 0; i < a->n_webhooks; i++)
		if (!strcmp(a->webhooks[i], v))
			return bad_value(st, v, "listed twice");
	if (!(slot = push(st, &a->webhooks, &a->n_webhooks, sizeof(*slot), CONF_MAX_REPEAT,
			  "'webhook' values in [alert]")))
		return st->rc;
	return set_str(st, slot, v);
}

static int alert_script(struct pstate *st, const char *v)
{
	if (v[0] != '/')
		return bad_value(st, v, "not an absolute path");
	return set_str(st, &st->c->alert.script, v);
}

static int alert_syslog(struct pstate *st, const char *v)
{
	return set_bool(st, v, &st->c->alert.syslog);
}

static int alert_delay(struct pstate *st, const char *v)
{
	struct conf_alert *a = &st->c->alert;
	return set_u32(st, v, 0, 86400, &a->delay, &a->has_delay);
}

static int alert_max_per_minute(struct pstate *st, const char *v)
{
	return set_u32(st, v, 0, 10000, &st->c->alert.max_per_minute, NULL);
}

/* alert_kinds() - a comma-separated list of event kinds, blanks around commas allowed. */
static int alert_kinds(struct pstate *st, const char *v)
{
	unsigned kinds = 0;
	const char *p = v;

	for (;;) {
		char name[32];
		size_t n;
		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ", \t");
		if (!n || n >= sizeof(name))
			return bad_value(st, v,
					 "a comma-separated list of outage, partial_outage, "
					 "instability, attack, probe_down");
		memcpy(name, p, n);
		name[n] = 0;
		unsigned bit = conf_alert_kind(name);
		if (!bit)
			return fail_at(st, LO_EINVAL, st->line,
				       "[%s] %s: unknown kind '%.31s' (known: outage, "
				       "partial_outage, instability, attack, probe_down)",
				       st->label, st->key, name);
		if (kinds & bit)
			return fail_at(st, LO_EINVAL, st->line, "[%s] %s: '%s' listed twice",
				       st->label, st->key, name);
		kinds |= bit;
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (*p++ != ',')
			return bad_value(st, v, "kinds are separated by commas");
	}
	st->c->alert.kinds = kinds;
	return 0;
}

/* ---------------------------------------------------------------- tables */

static const struct key_def store_keys[] = {{"path", false, store_path}, {NULL, false, NULL}};
static const struct key_def geo_keys[] = {{"source", true, geo_source}, {NULL, false, NULL}};
static const struct key_def http_keys[] = {{"listen", false, http_listen}, {NULL, false, NULL}};
static const struct key_def bgp_keys[] = {
	{"asn", false, bgp_asn},      {"router_id", false, bgp_router_id},
	{"listen", true, bgp_listen}, {"mrt_dir", false, bgp_mrt_dir},
	{NULL, false, NULL},
};
static const struct key_def neighbor_keys[] = {
	{"address", false, neighbor_address},
	{"asn", false, neighbor_asn},
	{"port", false, neighbor_port},
	{"hold_time", false, neighbor_hold_time},
	{"passive", false, neighbor_passive},
	{"blackhole", false, neighbor_blackhole},
	{NULL, false, NULL},
};
static const struct key_def bmp_keys[] = {{"listen", false, bmp_listen}, {NULL, false, NULL}};
static const struct key_def flow_keys[] = {
	{"listen", true, flow_listen},
	{"sflow", true, flow_sflow},
	{"exporter", true, flow_exporter},
	{"sampling", false, flow_sampling},
	{"max_hosts", false, flow_max_hosts},
	{"attack_end", false, flow_attack_end},
	{"hold", false, flow_hold},
	{"baseline", false, flow_baseline},
	{"baseline_factor", false, flow_baseline_factor},
	{"baseline_min_pps", false, flow_baseline_min_pps},
	{"script", false, flow_script},
	{"webhook", false, flow_webhook},
	{"syslog", false, flow_syslog},
	{NULL, false, NULL},
};
static const struct key_def hostgroup_keys[] = {
	{"prefix", true, hostgroup_prefix},
	{"pps", false, hostgroup_pps},
	{"bps", false, hostgroup_bps},
	{"flows", false, hostgroup_flows},
	{"syn_pps", false, hostgroup_syn_pps},
	{"udp_pps", false, hostgroup_udp_pps},
	{"icmp_pps", false, hostgroup_icmp_pps},
	{"frag_pps", false, hostgroup_frag_pps},
	{"amp_pps", false, hostgroup_amp_pps},
	{"total_pps", false, hostgroup_total_pps},
	{"total_bps", false, hostgroup_total_bps},
	{"total_flows", false, hostgroup_total_flows},
	{"blackhole", false, hostgroup_blackhole},
	{NULL, false, NULL},
};
static const struct key_def entity_keys[] = {
	{"prefix", true, entity_member},
	{"asn", true, entity_member},
	{"country", true, entity_member},
	{NULL, false, NULL},
};
static const struct key_def probe_keys[] = {
	{"target", false, probe_target},   {"interval", false, probe_interval},
	{"timeout", false, probe_timeout}, {"retries", false, probe_retries},
	{"expect", false, probe_expect},   {"expect_status", false, probe_expect_status},
	{"entity", true, probe_entity},	   {NULL, false, NULL},
};
static const struct key_def prober_keys[] = {
	{"rate", false, prober_rate},
	{"burst", false, prober_burst},
	{"sweep", false, prober_sweep},
	{"window", false, prober_window},
	{"warmup", false, prober_warmup},
	{"min_duration", false, prober_min_duration},
	{NULL, false, NULL},
};
static const struct key_def detect_keys[] = {
	{"bin", false, detect_bin},
	{"window", false, detect_window},
	{"warmup", false, detect_warmup},
	{"min_duration", false, detect_min_duration},
	{"warn_ratio", false, detect_warn_ratio},
	{"crit_ratio", false, detect_crit_ratio},
	{"recover_ratio", false, detect_recover_ratio},
	{"min_baseline", false, detect_min_baseline},
	{"flap_window", false, detect_flap_window},
	{"instability_factor", false, detect_instability_factor},
	{"instability_min_flaps", false, detect_instability_min_flaps},
	{NULL, false, NULL},
};

static const struct key_def alert_keys[] = {
	{"webhook", true, alert_webhook},
	{"script", false, alert_script},
	{"syslog", false, alert_syslog},
	{"delay", false, alert_delay},
	{"max_per_minute", false, alert_max_per_minute},
	{"kinds", false, alert_kinds},
	{NULL, false, NULL},
};

static const struct sect_def sections[] = {
	{"store", false, store_keys, NULL, NULL},
	{"geo", false, geo_keys, NULL, NULL},
	{"http", false, http_keys, NULL, NULL},
	{"bgp", false, bgp_keys, NULL, NULL},
	{"neighbor", true, neighbor_keys, neighbor_begin, neighbor_end},
	{"bmp", false, bmp_keys, NULL, NULL},
	{"flow", false, flow_keys, NULL, NULL},
	{"hostgroup", true, hostgroup_keys, hostgroup_begin, hostgroup_end},
	{"entity", true, entity_keys, entity_begin, entity_end},
	{"probe", true, probe_keys, probe_begin, probe_end},
	{"prober", false, prober_keys, NULL, NULL},
	{"detect", false, detect_keys, NULL, detect_end},
	{"alert", false, alert_keys, NULL, NULL},
};

#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

/* pstate's per-section arrays must hold the largest tables */
_Static_assert(sizeof(detect_keys) / sizeof(detect_keys[0]) - 1 <= SECT_MAX_KEYS,
	       "raise SECT_MAX_KEYS");
_Static_assert(sizeof(flow_keys) / sizeof(flow_keys[0]) - 1 <= SECT_MAX_KEYS,
	       "raise SECT_MAX_KEYS");
_Static_assert(sizeof(hostgroup_keys) / sizeof(hostgroup_keys[0]) - 1 <= SECT_MAX_KEYS,
	       "raise SECT_MAX_KEYS");
_Static_assert(N_SECTIONS <= sizeof(((struct pstate *)0)->single_line) / sizeof(uint32_t),
	       "raise pstate.single_line");

/* ---------------------------------------------------------------- sections */

static int section_end(struct pstate *st)
{
	int rc = 0;

	if (st->sect && st->sect->end)
		rc = st->sect->end(st);
	st->sect = NULL;
	return rc;
}

/* section_begin() - close the open section and open the one of header text @h ("[...]"). */
static int section_begin(struct pstate *st, char *h)
{
	size_t len = strlen(h), idx;
	char *kind, *name, *e;
	const char *why;

	if (section_end(st))
		return st->rc;
	if (len < 2 || h[len - 1] != ']')
		return fail_at(st, LO_EINVAL, st->line,
			       "a section header is [KIND] or [KIND NAME], with nothing after ']'");
	h[len - 1] = 0;
	kind = h + 1;
	while (*kind == ' ' || *kind == '\t')
		kind++;
	for (e = kind; *e && *e != ' ' && *e != '\t'; e++)
		;
	name = e;
	while (*name == ' ' || *name == '\t')
		*name++ = 0;
	for (e = name + strlen(name); e > name && (e[-1] == ' ' || e[-1] == '\t');)
		*--e = 0;

	for (idx = 0; idx < N_SECTIONS; idx++)
		if (!strcmp(sections[idx].name, kind))
			break;
	if (idx == N_SECTIONS)
		return fail_at(
			st, LO_EINVAL, st->line,
			"unknown section [%.64s] (known: store, geo, http, bgp, neighbor NAME, bmp, flow, hostgroup NAME, entity NAME, probe NAME, prober, detect, alert)",
			kind);
	if (sections[idx].named) {
		if (!*name)
			return fail_at(st, LO_EINVAL, st->line, "[%s] needs a name: [%s NAME]",
				       kind, kind);
		if ((why = conf_val_name(name)))
			return fail_at(st, LO_EINVAL, st->line, "[%s %.64s]: %s", kind, name, why);
		snprintf(st->label, sizeof(st->label), "%s %s", kind, name);
	} else {
		if (*name)
			return fail_at(st, LO_EINVAL, st->line, "[%s] takes no name", kind);
		if (st->single_line[idx])
			return fail_at(st, LO_EINVAL, st->line,
				       "duplicate section [%s] (first on line %u)", kind,
				       (unsigned)st->single_line[idx]);
		st->single_line[idx] = st->line;
		snprintf(st->label, sizeof(st->label), "%s", kind);
	}
	st->sect_line = st->line;
	memset(st->key_line, 0, sizeof(st->key_line));
	if (sections[idx].begin && sections[idx].begin(st, name))
		return st->rc;
	st->sect = &sections[idx];
	return 0;
}

/* ---------------------------------------------------------------- inih hooks */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/*
 * reader() - inih's line source (an fgets() look-alike): the next line
 * without comments and surrounding blanks, newline-terminated, or NULL at
 * the end of the file or after the first error.
 */
static char *reader(char *str, int num, void *stream)
{
	struct pstate *st = stream;
	ssize_t n;
	size_t len;
	char *s, *e;

	if (st->rc)
		return NULL;
	errno = 0;
	n = getline(&st->buf, &st->cap, st->f);
	if (n < 0) {
		if (ferror(st->f))
			fail_at(st, LO_EIO, 0, "read error: %s", strerror(errno ? errno : EIO));
		return NULL;
	}
	st->line++;
	s = st->buf;
	if (memchr(s, 0, (size_t)n)) {
		fail_at(st, LO_EINVAL, st->line, "NUL byte in the line");
		return NULL;
	}
	if (st->line == 1 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (is_blank(*s))
		s++;
	/* a comment starts the line or follows a blank */
	for (e = s; *e; e++) {
		if ((*e == ';' || *e == '#') && (e == s || is_blank(e[-1]))) {
			*e = 0;
			break;
		}
	}
	len = strlen(s);
	while (len && is_blank(s[len - 1]))
		s[--len] = 0;

	if (*s == '[') {
		if (section_begin(st, s))
			return NULL;
		/* inih needs to see only that it is a header; the name is ours */
		strcpy(str, "[x]\n");
		return str;
	}
	/* inih splits at the first '=' or ':'; only '=' is ours */
	if (*s && ((e = strpbrk(s, "=:")) == NULL || *e != '=')) {
		fail_at(st, LO_EINVAL, st->line, "expected 'key = value' or a [section] header");
		return NULL;
	}
	if (len + 2 > (size_t)num) {
		fail_at(st, LO_EINVAL, st->line,
			"line too long (at most %d characters without comments)", num - 2);
		return NULL;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = 0;
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct pstate *st = user;
	const struct key_def *k;
	size_t i;

	(void)section; /* reader() tracks the section itself */
	if (st->rc)
		return 0;
	if (!st->sect) {
		fail_at(st, LO_EINVAL, st->line,
			"'%.64s' outside a section (put keys under a [section] header)", name);
		return 0;
	}
	if (!*name) {
		fail_at(st, LO_EINVAL, st->line, "missing key before '='");
		return 0;
	}
	for (i = 0, k = st->sect->keys; k->name; k++, i++)
		if (!strcmp(k->name, name))
			break;
	if (!k->name) {
		char known[160] = "";
		size_t used = 0;
		for (const struct key_def *o = st->sect->keys; o->name && used < sizeof(known);
		     o++) {
			int w = snprintf(known + used, sizeof(known) - used, "%s%s",
					 used ? ", " : "", o->name);
			used += w > 0 ? (size_t)w : 0;
		}
		fail_at(st, LO_EINVAL, st->line, "unknown key '%.64s' in [%s] (known: %s)", name,
			st->label, known);
		return 0;
	}
	if (!k->repeat && st->key_line[i]) {
		fail_at(st, LO_EINVAL, st->line, "[%s] '%s' given twice (first on line %u)",
			st->label, name, (unsigned)st->key_line[i]);
		return 0;
	}
	if (!st->key_line[i])
		st->key_line[i] = st->line;
	st->key = k->name;
	if (!*value) {
		bad_value(st, value, "empty value");
		return 0;
	}
	return k->set(st, value) ? 0 : 1;
}

/* ---------------------------------------------------------------- load */

/* check_all() - rules across sections, once the whole file is read. */
static int check_all(struct pstate *st)
{
	const struct conf *c = st->c;

	if (c->n_neighbors && (!c->has_bgp_asn || !c->has_bgp_router_id))
		return fail_at(st, LO_EINVAL, c->neighbors[0].line,
			       "[neighbor %s] needs 'asn' and 'router_id' in [bgp]",
			       c->neighbors[0].name);
	return 0;
}

int conf_load(struct conf **out, const char *path, struct lo_err *err)
{
	struct pstate st;
	int ret;

	memset(&st, 0, sizeof(st));
	st.path = path;
	st.err = err;
	lo_err_clear(err);
	lo_err_src(err, path);
	if (!(st.f = fopen(path, "r"))) {
		int e = errno;
		return fail_at(&st, e == ENOENT ? LO_ENOENT : LO_EIO, 0, "%s", strerror(e));
	}
	if (!(st.c = calloc(1, sizeof(*st.c))) || !(st.c->path = strdup(path))) {
		fail_at(&st, LO_ENOMEM, 0, "out of memory");
		goto out;
	}
	st.c->flow_max_hosts = 65536;
	st.c->flow_attack_end = 10;
	st.c->flow_hold = 300;
	st.c->flow_baseline = true;
	st.c->flow_baseline_factor = 8;
	st.c->flow_baseline_min_pps = 1000;
	st.c->alert.max_per_minute = CONF_ALERT_MAX_PER_MINUTE;
	st.c->alert.kinds = CONF_ALERT_ALL;
	st.c->prober =
		(struct conf_prober){.rate = 100, .burst = 20, .sweep = 86400, .window = 7 * 86400};

	ret = ini_parse_stream(reader, &st, handler, &st);
	if (ret > 0 && (!st.rc || (uint32_t)ret < st.err_line)) {
		/* something inih refused that reader() let through */
		st.rc = 0;
		fail_at(&st, LO_EINVAL, (uint32_t)ret, "syntax error");
	} else if (ret < 0 && !st.rc) {
		fail_at(&st, LO_ENOMEM, 0, "out of memory");
	}
	if (!st.rc && !section_end(&st))
		check_all(&st);
out:
	fclose(st.f);
	free(st.buf);
	if (st.rc) {
		conf_free(st.c);
		return st.rc;
	}
	*out = st.c;
	return 0;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->store_path);
	for (size_t i = 0; i < c->n_geo_sources; i++)
		free(c->geo_sources[i]);
	free(c->geo_sources);
	free(c->bgp_listen);
	free(c->bgp_mrt_dir);
	free(c->flow_script);
	free(c->flow_webhook);
	for (size_t i = 0; i < c->alert.n_webhooks; i++)
		free(c->alert.webhooks[i]);
	free(c->alert.webhooks);
	free(c->alert.script);
	free(c->neighbors);
	free(c->flow_listen);
	free(c->flow_sflow);
	free(c->flow_exporters);
	for (size_t i = 0; i < c->n_hostgroups; i++)
		free(c->hostgroups[i].prefixes);
	free(c->hostgroups);
	for (size_t i = 0; i < c->n_entities; i++)
		free(c->entities[i].members);
	free(c->entities);
	for (size_t i = 0; i < c->n_probes; i++)
		free(c->probes[i].target), free(c->probes[i].expect);
	free(c->probes);
	free(c);
}

const struct conf_entity *conf_entity_find(const struct conf *c, const char *name)
{
	if (!c || !name)
		return NULL;
	for (size_t i = 0; i < c->n_entities; i++)
		if (!strcmp(c->entities[i].name, name))
			return &c->entities[i];
	return NULL;
}

int conf_entity_members(const struct conf *c, const char *name, const struct geo_entity **members,
			size_t *n)
{
	const struct conf_entity *e = conf_entity_find(c, name);

	if (!e)
		return LO_ENOENT;
	*members = e->members;
	*n = e->n_members;
	return 0;
}
