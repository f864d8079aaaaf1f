/*
 * DOC: the API (docs/api.md) as a function from a GET request to an answer,
 * with no sockets: http_api_get() routes /api/v1/..., /metrics and static
 * files.  Every handler checks all its parameters before it reads the
 * store (400 with {"error":"..."} otherwise, unknown parameters included),
 * reads at most its row limit, and builds the answer in a capped buffer.
 *
 * Series re-binning: a bin larger than the stored one (rounded up to a
 * multiple of it) takes, per new bin, the minimum of a level signal (a dip
 * stays visible), the sum of a counter (bgp.announcements, withdrawals,
 * flaps, visibility_flaps: sig_is_counter) and the mean of anything else
 * (flow.* rates are averages over their bins).
 */
#include "http/http_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "signal/signal.h"

void http_resp_init(struct http_resp *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	lo_buf_init(&r->body, max);
	r->fd = -1;
}

void http_resp_reset(struct http_resp *r)
{
	lo_buf_reset(&r->body);
	r->status = 200;
	r->type = "application/json";
	r->cache = "no-cache";
	r->fd = -1;
	r->size = 0;
	r->mtime = 0;
	r->cacheable = false;
}

void http_resp_fini(struct http_resp *r)
{
	lo_buf_fini(&r->body);
}

void http_resp_error(struct http_resp *r, int status, const char *msg)
{
	lo_buf_reset(&r->body);
	r->status = status;
	r->type = "application/json";
	r->cache = "no-store";
	r->cacheable = false;
	if (lo_buf_add(&r->body, "{\"error\":", 9) || http_json_str(&r->body, msg) ||
	    lo_buf_add(&r->body, "}\n", 2)) {
		lo_buf_reset(&r->body); /* a message longer than the cap: say less */
		lo_buf_printf(&r->body, "{\"error\":\"error\"}\n");
	}
}

/*
 * finish() - close a handler: @store_rc is what the store said (LO_ETOOBIG:
 * its deadline), @out_rc what writing the answer said (LO_ETOOBIG: the
 * answer's cap); either becomes the error answer.
 */
static void finish(struct http_api *a, struct http_resp *r, int store_rc, int out_rc)
{
	char msg[160];
	if (!store_rc && !out_rc) {
		r->cacheable = true;
		return;
	}
	if (!store_rc && out_rc == LO_ETOOBIG) {
		snprintf(
			msg, sizeof(msg),
			"the answer would be larger than %zu bytes: ask for fewer rows (limit) or a "
			"shorter time range",
			r->body.toobig);
		http_resp_error(r, 413, msg);
	} else if (store_rc == LO_ETOOBIG) {
		if (a->stats)
			__atomic_fetch_add((uint64_t *)&a->stats->query_timeouts, 1,
					   __ATOMIC_RELAXED);
		snprintf(msg, sizeof(msg),
			 "the query took longer than %u ms: ask for fewer rows or a shorter range",
			 a->o->query_ms);
		http_resp_error(r, 503, msg);
	} else if (store_rc == LO_ENOENT) {
		http_resp_error(r, 404, "unknown entity");
	} else if (store_rc) {
		http_resp_error(r, 500, "the store could not be read");
	} else {
		http_resp_error(r, 503, "out of memory");
	}
}

/* params_done() - 400 for a parameter the endpoint does not know; true when the request may go on. */
static bool params_done(struct http_query *q, struct http_resp *r, struct lo_err *err)
{
	char msg[96];
	if (err->code) {
		http_resp_error(r, 400, err->msg);
		return false;
	}
	const char *u = http_query_unused(q);
	if (u) {
		snprintf(msg, sizeof(msg), "unknown parameter '%s'", u);
		http_resp_error(r, 400, msg);
		return false;
	}
	return true;
}

/*
 * struct out - a JSON writer with a sticky error: after the first failed
 * append (the answer's cap, or memory) every later one does nothing, and
 * the handler looks at @rc once at the end.
 */
struct out {
	struct lo_buf *b;
	int rc;
};

static void o_raw(struct out *o, const char *s)
{
	if (!o->rc)
		o->rc = lo_buf_add(o->b, s, strlen(s));
}

static void o_bytes(struct out *o, const char *p, size_t n)
{
	if (!o->rc && n)
		o->rc = lo_buf_add(o->b, p, n);
}

static void o_str(struct out *o, const char *s)
{
	if (!o->rc)
		o->rc = http_json_str(o->b, s);
}

static void o_i64(struct out *o, int64_t v)
{
	if (!o->rc)
		o->rc = http_json_i64(o->b, v);
}

static void o_time(struct out *o, int64_t t)
{
	if (!o->rc)
		o->rc = http_json_time(o->b, t);
}

static void o_event(struct out *o, const struct store_event_row *r)
{
	if (!o->rc)
		o->rc = http_json_event(o->b, r);
}

static void o_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void o_printf(struct out *o, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	if (o->rc)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		o->rc = LO_EINVAL; /* our own formats are short: a bug */
	else
		o->rc = lo_buf_add(o->b, tmp, (size_t)n);
}

/* ---------------------------------------------------------------- entities, signals */

struct ent {
	size_t name; /* offset in a->names */
	int64_t events, ongoing, last;
	bool has_last;
};

struct ent_list {
	struct http_api *a;
	struct ent *v;
	size_t n;
	int rc;
};

static int collect_entity(void *ctx, const struct store_entity_row *row)
{
	struct ent_list *l = ctx;
	size_t off = l->a->names.len;
	if ((l->rc = lo_buf_add(&l->a->names, row->spec, strlen(row->spec) + 1)))
		return 1;
	l->v[l->n++] = (struct ent){off, row->events, row->ongoing, row->last_start, row->has_last};
	return 0;
}

struct sig_out {
	struct out *o;
	bool first;
};

static int write_signal(void *ctx, const char *name)
{
	struct sig_out *s = ctx;
	if (!s->first)
		o_raw(s->o, ",");
	o_str(s->o, name);
	s->first = false;
	return s->o->rc != 0;
}

/* signals_array() - ["sig",...] of @entity; the store's error, if any. */
static int signals_array(struct http_api *a, struct out *o, const char *entity)
{
	struct sig_out s = {o, true};
	o_raw(o, "[");
	int rc = o->rc ? 0 : store_entity_signals(a->store, entity, write_signal, &s);
	o_raw(o, "]");
	return rc;
}

static void api_entities(struct http_api *a, struct http_query *q, struct http_resp *r)
{
	struct lo_err err = {0};
	unsigned limit;
	const char *text = http_query_get(q, "q");
	if (!http_param_uint(q, "limit", HTTP_LIMIT_DEFAULT, 1, HTTP_LIMIT_MAX, &limit, &err) &&
	    text && strlen(text) > 64)
		lo_err_set(&err, LO_EINVAL, LO_NOOFF, "q: at most 64 characters");
	if (!params_done(q, r, &err))
		return;
	struct ent_list l = {a, calloc(limit, sizeof(struct ent)), 0, 0};
	if (!l.v) {
		http_resp_error(r, 503, "out of memory");
		return;
	}
	lo_buf_reset(&a->names);
	int rc = store_entities(a->store, text, limit, collect_entity, &l);
	struct out o = {&r->body, l.rc}; /* the names' buffer full: too big an answer */
	o_raw(&o, "{\"entities\":[");
	for (size_t i = 0; i < l.n && !rc && !o.rc; i++) {
		const struct ent *e = &l.v[i];
		const char *name = a->names.p + e->name;
		o_raw(&o, i ? ",{\"entity\":" : "{\"entity\":");
		o_str(&o, name);
		o_raw(&o, ",\"signals\":");
		rc = signals_array(a, &o, name);
		o_printf(&o,
			 ",\"events\":%" PRId64 ",\"ongoing\":%" PRId64 ",\"last_event_start\":",
			 e->events, e->ongoing);
		if (e->has_last)
			o_time(&o, e->last);
		else
			o_raw(&o, "null");
		o_raw(&o, "}");
	}
	o_raw(&o, "]}\n");
	free(l.v);
	finish(a, r, rc, o.rc);
}

static void api_signals(struct http_api *a, struct http_query *q, struct http_resp *r)
{
	struct lo_err err = {0};
	char entity[HTTP_ENTITY_MAX + 1];
	http_param_entity(q, "entity", true, entity, sizeof(entity), &err);
	if (!params_done(q, r, &err))
		return;
	struct out o = {&r->body, 0};
	o_raw(&o, "{\"entity\":");
	o_str(&o, entity);
	o_raw(&o, ",\"signals\":");
	int rc = signals_array(a, &o, entity);
	o_raw(&o, "}\n");
	finish(a, r, rc, o.rc);
}

/* ---------------------------------------------------------------- series */

enum agg { AGG_MIN, AGG_SUM, AGG_MEAN };

static enum agg agg_of(const char *signal)
{
	int id = sig_lookup(signal);
	if (id >= 0)
		return sig_is_counter((enum sig_id)id) ? AGG_SUM : AGG_MIN;
	if (!strncmp(signal, "probe.", 6))
		return AGG_MIN; /* up counts: levels */
	return AGG_MEAN;	/* flow.* rates and anything else */
}

/* struct series_out - points written as they come, re-binned on the fly (rows are in time order). */
struct series_out {
	struct out o;
	int64_t bin; /* re-bin into this (0: as stored) */
	enum agg agg;
	int64_t cur; /* the new bin being aggregated, INT64_MIN none */
	double acc;
	unsigned cnt;
	int64_t prev; /* the last stored bin seen */
	int64_t step; /* the smallest gap between stored bins seen */
	size_t points;
	bool too_many;
};

static void put_point(struct series_out *s, int64_t t, double v)
{
	if (++s->points > HTTP_POINTS_MAX) {
		s->too_many = true;
		return;
	}
	if (s->o.rc || (s->o.rc = lo_buf_grow(s->o.b, 64)))
		return;
	/* the hot loop of a series answer: room made once, no strlen */
	struct lo_buf *b = s->o.b;
	if (s->points > 1)
		b->p[b->len++] = ',';
	b->p[b->len++] = '[';
	http_json_i64(b, t);
	b->p[b->len++] = ',';
	s->o.rc = http_json_num(b, v);
	if (!s->o.rc && !(s->o.rc = lo_buf_grow(b, 1))) {
		b->p[b->len++] = ']';
		b->p[b->len] = 0;
	}
}

static void put_bin(struct series_out *s)
{
	if (s->cur != INT64_MIN)
		put_point(s, s->cur, s->agg == AGG_MEAN ? s->acc / s->cnt : s->acc);
}

static int on_bin(void *ctx, int64_t t, double v)
{
	struct series_out *s = ctx;
	if (s->prev != INT64_MIN && t > s->prev && (!s->step || t - s->prev < s->step))
		s->step = t - s->prev;
	s->prev = t;
	if (!s->bin) {
		put_point(s, t, v);
	} else {
		int64_t start = t - ((t % s->bin) + s->bin) % s->bin;
		if (start != s->cur) {
			put_bin(s);
			s->cur = start;
			s->acc = v;
			s->cnt = 1;
		} else {
			if (s->agg == AGG_MIN)
				s->acc = v < s->acc ? v : s->acc;
			else
				s->acc += v;
			s->cnt++;
		}
	}
	return s->too_many || s->o.rc;
}

static void api_series(struct http_api *a, struct http_query *q, struct http_resp *r)
{
	struct lo_err err = {0};
	char entity[HTTP_ENTITY_MAX + 1];
	const char *signal = NULL;
	int64_t from = 0, until = 0;
	unsigned bin = 0;
	if (!http_param_entity(q, "entity", true, entity, sizeof(entity), &err) &&
	    !http_param_word(q, "signal", &signal, &err) &&
	    !http_param_time(q, "from", 0, &from, &err) &&
	    !http_param_time(q, "until", HTTP_TIME_MAX + 1, &until, &err) &&
	    !http_param_uint(q, "bin", 0, 1, HTTP_BIN_MAX, &bin, &err) && from >= until)
		lo_err_set(&err, LO_EINVAL, LO_NOOFF, "from must be before until");
	if (!params_done(q, r, &err))
		return;
	if (!signal)
		signal = "bgp.visible_slash24";
	int64_t id = store_entity_find(a->store, entity);
	if (id < 0) {
		finish(a, r, (int)id, 0);
		return;
	}
	/* the stored bin: needed first when re-binning, otherwise seen in the rows */
	int64_t stored = bin ? store_series_step(a->store, entity) : 0;
	if (stored < 0) {
		finish(a, r, (int)stored, 0);
		return;
	}
	struct series_out s = {
		.o = {&a->tmp, 0}, .agg = agg_of(signal), .cur = INT64_MIN, .prev = INT64_MIN};
	if (bin && (!stored || bin > stored))
		s.bin = stored ? ((int64_t)bin + stored - 1) / stored * stored : bin;
	lo_buf_reset(&a->tmp);
	int rc = store_series(a->store, entity, signal, from, until, on_bin, &s);
	if (!rc)
		put_bin(&s);
	if (s.too_many) {
		char msg[128];
		snprintf(msg, sizeof(msg),
			 "more than %d points: ask for a larger bin or a shorter range",
			 HTTP_POINTS_MAX);
		http_resp_error(r, 400, msg);
		return;
	}
	int64_t shown = s.bin;
	if (!shown && !rc) {
		/* counters are stored only for bins where something happened */
		if (!s.step || s.agg == AGG_SUM)
			stored = store_series_step(a->store, entity);
		shown = stored > 0 && (!s.step || stored < s.step) ? stored : s.step;
	}
	struct out o = {&r->body, 0};
	o_raw(&o, "{\"entity\":");
	o_str(&o, entity);
	o_raw(&o, ",\"signal\":");
	o_str(&o, signal);
	o_raw(&o, ",\"bin\":");
	if (shown > 0)
		o_i64(&o, shown);
	else
		o_raw(&o, "null");
	o_raw(&o, ",\"points\":[");
	o_bytes(&o, a->tmp.p, a->tmp.len);
	o_raw(&o, "]}\n");
	finish(a, r, rc, s.o.rc ? s.o.rc : o.rc);
}

/* ---------------------------------------------------------------- events, attacks */

static const char *const orders[] = {"desc", "asc", NULL};

struct ev_out {
	struct out *o;
	size_t n;
};

static int write_event(void *ctx, const struct store_event_row *row)
{
	struct ev_out *e = ctx;
	if (e->n++)
		o_raw(e->o, ",");
	o_event(e->o, row);
	return e->o->rc != 0;
}

/* event_filter() - the parameters events and attacks share. */
static int event_filter(struct http_query *q, struct store_event_filter *f, char *entity,
			size_t cap, struct lo_err *err)
{
	int order = 0;
	if (http_param_entity(q, "entity", false, entity, cap, err) ||
	    http_param_time(q, "since", INT64_MIN, &f->since, err) ||
	    http_param_time(q, "until", INT64_MAX, &f->until, err) ||
	    http_param_bool(q, "ongoing", -1, &f->ongoing, err) ||
	    http_param_uint(q, "limit", HTTP_LIMIT_DEFAULT, 1, HTTP_LIMIT_MAX, &f->limit, err) ||
	    http_param_choice(q, "order", orders, 0, &order, err))
		return LO_EINVAL;
	if (f->since != INT64_MIN && f->until != INT64_MAX && f->since >= f->until)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "since must be before until");
	f->entity = entity[0] ? entity : NULL;
	f->newest_first = order == 0;
	return 0;
}

static void api_events(struct http_api *a, struct http_query *q, struct http_resp *r, bool attacks)
{
	struct lo_err err = {0};
	struct store_event_filter f;
	char entity[HTTP_ENTITY_MAX + 1];
	store_event_filter_init(&f);
	if (!event_filter(q, &f, entity, sizeof(entity), &err) && !attacks &&
	    !http_param_word(q, "kind", &f.kind, &err))
		http_param_word(q, "severity", &f.severity, &err);
	if (!params_done(q, r, &err))
		return;
	if (attacks)
		f.kind = "attack";
	struct out o = {&r->body, 0};
	struct ev_out e = {&o, 0};
	o_raw(&o, attacks ? "{\"attacks\":[" : "{\"events\":[");
	int rc = store_events_query(a->store, &f, write_event, &e);
	o_raw(&o, "]}\n");
	finish(a, r, rc, o.rc);
}

/* ---------------------------------------------------------------- incidents */

struct inc {
	int64_t id, start, end;
	size_t entity; /* offset in a->names */
};

struct inc_list {
	struct http_api *a;
	struct inc *v;
	size_t n;
	int rc;
};

static int collect_incident(void *ctx, const struct store_incident_row *row)
{
	struct inc_list *l = ctx;
	size_t off = l->a->names.len;
	if ((l->rc = lo_buf_add(&l->a->names, row->entity, strlen(row->entity) + 1)))
		return 1;
	l->v[l->n++] = (struct inc){row->id, row->start, row->end, off};
	return 0;
}

/* the incident's kinds in order of first appearance, and its events */
struct inc_events {
	struct out *o; /* events, into a->tmp */
	size_t n;
	char kinds[8][32];
	unsigned n_kinds;
};

static int write_inc_event(void *ctx, const struct store_event_row *row)
{
	struct inc_events *e = ctx;
	unsigned k;
	for (k = 0; k < e->n_kinds && strcmp(e->kinds[k], row->kind); k++)
		;
	if (k == e->n_kinds && k < 8 && strlen(row->kind) < sizeof(e->kinds[0]))
		snprintf(e->kinds[e->n_kinds++], sizeof(e->kinds[0]), "%s", row->kind);
	if (e->n++)
		o_raw(e->o, ",");
	o_event(e->o, row);
	return e->o->rc != 0;
}

static void api_incidents(struct http_api *a, struct http_query *q, struct http_resp *r)
{
	struct lo_err err = {0};
	struct store_event_filter f;
	char entity[HTTP_ENTITY_MAX + 1];
	store_event_filter_init(&f);
	event_filter(q, &f, entity, sizeof(entity), &err);
	if (!params_done(q, r, &err))
		return;
	struct inc_list l = {a, calloc(f.limit, sizeof(struct inc)), 0, 0};
	if (!l.v) {
		http_resp_error(r, 503, "out of memory");
		return;
	}
	lo_buf_reset(&a->names);
	int rc = store_incidents(a->store, &f, collect_incident, &l);
	struct out o = {&r->body, l.rc};
	size_t events = 0; /* over the whole answer: at most HTTP_LIMIT_MAX */
	o_raw(&o, "{\"incidents\":[");
	for (size_t i = 0; i < l.n && !rc && !o.rc && events < HTTP_LIMIT_MAX; i++) {
		const struct inc *in = &l.v[i];
		struct out eo = {&a->tmp, 0};
		struct inc_events e = {.o = &eo};
		struct store_event_filter ef;
		store_event_filter_init(&ef);
		ef.incident = in->id;
		ef.limit = (unsigned)(HTTP_LIMIT_MAX - events);
		lo_buf_reset(&a->tmp);
		if ((rc = store_events_query(a->store, &ef, write_inc_event, &e)))
			break;
		if (eo.rc) {
			o.rc = eo.rc;
			break;
		}
		events += e.n;
		o_printf(&o, "%s{\"id\":%" PRId64 ",\"entity\":", i ? "," : "", in->id);
		o_str(&o, a->names.p + in->entity);
		o_raw(&o, ",\"start\":");
		o_time(&o, in->start);
		o_raw(&o, ",\"end\":");
		if (in->end)
			o_time(&o, in->end);
		else
			o_raw(&o, "null");
		o_raw(&o, ",\"kinds\":[");
		for (unsigned k = 0; k < e.n_kinds; k++) {
			if (k)
				o_raw(&o, ",");
			o_str(&o, e.kinds[k]);
		}
		o_raw(&o, "],\"events\":[");
		o_bytes(&o, a->tmp.p, a->tmp.len);
		o_raw(&o, "]}");
	}
	o_raw(&o, "]}\n");
	free(l.v);
	finish(a, r, rc, o.rc);
}

/* ---------------------------------------------------------------- status, metrics */

static void api_status(struct http_api *a, struct http_query *q, struct http_resp *r)
{
	struct lo_err err = {0};
	if (!params_done(q, r, &err))
		return;
	struct store_counts c;
	int rc = store_counts(a->store, &c);
	struct out o = {&r->body, 0};
	o_printf(&o, "{\"version\":\"%s\",\"mode\":", HTTP_VERSION);
	o_str(&o, a->o->mode ? a->o->mode : "dashboard");
	o_raw(&o, ",\"now\":");
	o_time(&o, (int64_t)time(NULL));
	o_raw(&o, ",\"store\":{\"path\":");
	o_str(&o, a->o->db);
	o_printf(&o,
		 ",\"schema\":%d,\"events\":%" PRId64 ",\"open_events\":%" PRId64
		 ",\"entities\":%" PRId64 "}",
		 store_schema_version(a->store), c.events, c.open_events, c.entities);
	if (a->stats) {
		const struct http_stats *st = a->stats;
		o_printf(&o,
			 ",\"http\":{\"threads\":%u,\"connections\":%" PRId64
			 ",\"max_connections\":%u,\"requests\":%" PRIu64 ",\"web_root\":",
			 a->o->threads, __atomic_load_n(&st->conns_open, __ATOMIC_RELAXED),
			 a->o->max_conns,
			 __atomic_load_n(&st->requests[1], __ATOMIC_RELAXED) +
				 __atomic_load_n(&st->requests[2], __ATOMIC_RELAXED) +
				 __atomic_load_n(&st->requests[3], __ATOMIC_RELAXED) +
				 __atomic_load_n(&st->requests[4], __ATOMIC_RELAXED) +
				 __atomic_load_n(&st->requests[5], __ATOMIC_RELAXED) +
				 __atomic_load_n(&st->requests[0], __ATOMIC_RELAXED));
		if (a->web_root)
			o_str(&o, a->web_root);
		else
			o_raw(&o, "null");
		o_raw(&o, "}");
	}
	if (a->o->source.status && !o.rc) {
		size_t before = r->body.len;
		a->o->source.status(a->o->source.ctx, &r->body);
		if (r->body.len > before && r->body.p[before] != ',') {
			r->body.len = before; /* not members: leave them out */
			r->body.p[before] = 0;
		}
	}
	o_raw(&o, "}\n");
	finish(a, r, rc, o.rc);
	r->cacheable = false;
	r->cache = "no-store";
}

struct kinds_out {
	struct out *o;
	bool seen[8];
};

static const char *const known_kinds[] = {"outage", "partial_outage", "instability", "attack",
					  "probe_down"};
#define N_KNOWN_KINDS (sizeof(known_kinds) / sizeof(known_kinds[0]))

static int write_kind(void *ctx, const char *kind, int64_t n)
{
	struct kinds_out *k = ctx;
	for (size_t i = 0; i < N_KNOWN_KINDS; i++)
		if (!strcmp(kind, known_kinds[i]))
			k->seen[i] = true;
	o_raw(k->o, "lightsout_events_open{kind=");
	if (!k->o->rc)
		k->o->rc = http_prom_label(k->o->b, kind);
	o_printf(k->o, "} %" PRId64 "\n", n);
	return k->o->rc != 0;
}

static void counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	o_printf(o, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name, name, v);
}

static void api_metrics(struct http_api *a, struct http_query *q, struct http_resp *r)
{
	struct lo_err err = {0};
	if (!params_done(q, r, &err))
		return;
	struct store_counts c;
	int rc = store_counts(a->store, &c);
	struct out o = {&r->body, 0};
	o_raw(&o, "# HELP lightsout_build_info The running lightsout: version and mode.\n"
		  "# TYPE lightsout_build_info gauge\n");
	o_printf(&o, "lightsout_build_info{version=\"%s\",mode=", HTTP_VERSION);
	if (!o.rc)
		o.rc = http_prom_label(o.b, a->o->mode ? a->o->mode : "dashboard");
	o_raw(&o, "} 1\n");
	o_printf(&o,
		 "# HELP lightsout_store_events Events in the store.\n"
		 "# TYPE lightsout_store_events gauge\nlightsout_store_events %" PRId64 "\n"
		 "# HELP lightsout_store_entities Entities in the store.\n"
		 "# TYPE lightsout_store_entities gauge\nlightsout_store_entities %" PRId64 "\n",
		 c.events, c.entities);
	o_raw(&o, "# HELP lightsout_events_open Events still going on, by kind.\n"
		  "# TYPE lightsout_events_open gauge\n");
	struct kinds_out k = {&o, {false}};
	if (!rc)
		rc = store_event_kinds(a->store, true, write_kind, &k);
	for (size_t i = 0; i < N_KNOWN_KINDS; i++)
		if (!k.seen[i])
			o_printf(&o, "lightsout_events_open{kind=\"%s\"} 0\n", known_kinds[i]);
	if (a->stats) {
		const struct http_stats *st = a->stats;
		static const char *const classes[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
		o_raw(&o, "# HELP lightsout_http_requests_total HTTP requests answered, by status "
			  "class.\n# TYPE lightsout_http_requests_total counter\n");
		for (int i = 1; i <= 6; i++)
			o_printf(&o, "lightsout_http_requests_total{code=\"%s\"} %" PRIu64 "\n",
				 classes[i % 6],
				 __atomic_load_n(&st->requests[i % 6], __ATOMIC_RELAXED));
		o_printf(&o,
			 "# HELP lightsout_http_connections HTTP connections open.\n"
			 "# TYPE lightsout_http_connections gauge\n"
			 "lightsout_http_connections %" PRId64 "\n",
			 __atomic_load_n(&st->conns_open, __ATOMIC_RELAXED));
		counter(&o, "lightsout_http_connections_total", "HTTP connections accepted.",
			__atomic_load_n(&st->conns_total, __ATOMIC_RELAXED));
		counter(&o, "lightsout_http_connections_cut_total",
			"HTTP connections closed for not sending a request in time.",
			__atomic_load_n(&st->conns_cut, __ATOMIC_RELAXED));
		counter(&o, "lightsout_http_cache_hits_total", "API answers served from the cache.",
			__atomic_load_n(&st->cache_hits, __ATOMIC_RELAXED));
		counter(&o, "lightsout_http_query_timeouts_total",
			"API requests whose store queries ran out of time.",
			__atomic_load_n(&st->query_timeouts, __ATOMIC_RELAXED));
		counter(&o, "lightsout_http_response_bytes_total", "Bytes of HTTP answers.",
			__atomic_load_n(&st->bytes_out, __ATOMIC_RELAXED));
	}
	if (a->o->source.metrics && !o.rc)
		a->o->source.metrics(a->o->source.ctx, &r->body);
	finish(a, r, rc, o.rc);
	r->type = "text/plain; version=0.0.4; charset=utf-8";
	r->cacheable = false;
	r->cache = "no-store";
}

/* ---------------------------------------------------------------- routing */

struct route {
	const char *path;
	void (*fn)(struct http_api *a, struct http_query *q, struct http_resp *r);
};

static void api_events_all(struct http_api *a, struct http_query *q, struct http_resp *r)
{
	api_events(a, q, r, false);
}

static void api_attacks(struct http_api *a, struct http_query *q, struct http_resp *r)
{
	api_events(a, q, r, true);
}

static const struct route routes[] = {
	{"/api/v1/entities", api_entities}, {"/api/v1/signals", api_signals},
	{"/api/v1/series", api_series},	    {"/api/v1/events", api_events_all},
	{"/api/v1/attacks", api_attacks},   {"/api/v1/incidents", api_incidents},
	{"/api/v1/status", api_status},	    {"/metrics", api_metrics},
};

int http_api_init(struct http_api *a, struct store *s, const struct http_opts *o,
		  const char *web_root, const struct http_stats *stats)
{
	memset(a, 0, sizeof(*a));
	a->store = s;
	a->o = o;
	a->web_root = web_root;
	a->stats = stats;
	lo_buf_init(&a->tmp, o->max_response);
	lo_buf_init(&a->names, (size_t)HTTP_LIMIT_MAX * (HTTP_ENTITY_MAX + 1) * 2);
	return 0;
}

void http_api_fini(struct http_api *a)
{
	lo_buf_fini(&a->tmp);
	lo_buf_fini(&a->names);
}

void http_api_get(struct http_api *a, const char *path, const char *query, struct http_resp *r)
{
	struct http_query q;
	struct lo_err err;
	http_resp_reset(r);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path))
			continue;
		if (http_query_parse(&q, query, &err)) {
			http_resp_error(r, 400, err.msg);
			return;
		}
		routes[i].fn(a, &q, r);
		return;
	}
	if (!strncmp(path, "/api/", 5) || !strcmp(path, "/api")) {
		http_resp_error(r, 404,
				"no such API endpoint (see /api/v1/status and docs/api.md)");
		return;
	}
	http_files_get(a, path, r);
}
