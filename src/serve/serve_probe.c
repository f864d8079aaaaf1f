/*
 * The probe side of the daemon: [probe NAME] targets checked every
 * interval through one engine (src/probe), their results as signals and
 * events.
 *
 * Signals (entity probe:NAME): probe.up, the share of the bin's checks that
 * succeeded, and probe.rtt_ms, their mean round trip; block targets
 * probe.up_blocks and probe.blocks (measurable), also on every entity the
 * probe names with `entity =`.
 *
 * Events (kind probe_down) come from a det_level per signal and entity,
 * as BGP outages do (DESIGN.md §5): a moving-median baseline over
 * [prober] window, thresholds relative to it, at update resolution.
 * - probe.up of a target is 0 from the first attempt of the first failed
 *   check (its retries included) and 1 again from the answer of the next
 *   good one;
 * - probe.up_blocks of an entity changes at the probe that turned a block
 *   down or up (the Trinocular belief is each block's hysteresis), so an
 *   entity whose baseline has some blocks down raises nothing for them.
 * A new event joins the incident of an event of its entity, or of an entity
 * the probe names (or host:ADDR of its address), that is open or ended
 * within the hour: a probe outage and the BGP outage or the attack behind it
 * make one incident.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "serve/serve_int.h"
#include "store/store.h"

#define LINK_GAP	 3600			       /* events this close join one incident */
#define MAX_LINKS	 (CONF_MAX_PROBE_ENTITIES + 2) /* + its country, + host:ADDR */
#define PROBE_DETAIL_MAX 1024

/*
 * struct pevent - the detector of one entity's probe signal (det_level) and
 * the event it raised: @ev is the stored row (@ev.id 0: none), @open while
 * it goes on; @explain (re)writes @detail from @owner's state.
 */
struct pevent {
	struct probe_side *ps;
	struct det_level *d;
	struct store_event ev;
	bool open;
	int64_t entity;
	const char *spec, *signal;
	const int64_t *links; /* entities whose incidents it joins */
	size_t n_links;
	void (*explain)(struct pevent *e);
	void *owner;
	char detail[PROBE_DETAIL_MAX];
};

/* An entity fed by block targets: probe.up_blocks summed over them. */
struct bent {
	char spec[80];
	int64_t id;
	unsigned up, measurable;
	struct pevent e;
	unsigned probes_now; /* probes of the latest change */
	char down[512];	     /* the blocks down, for the detail */
};

struct ptarget {
	struct probe_side *ps;
	char name[CONF_NAME_MAX + 1];
	char entity[CONF_NAME_MAX + 8];
	char *spec;
	struct probe_target t;
	uint32_t interval, timeout, retries, expect_status;
	char *expect;
	int64_t id;		  /* store id of probe:NAME */
	int64_t links[MAX_LINKS]; /* entities whose incidents it joins */
	size_t n_links;
	struct event *timer;
	bool busy;
	int state; /* -1 unknown, 0 down, 1 up */
	double last_ok, first_fail;
	unsigned failed_checks;
	struct probe_result last_fail;
	struct pevent e;
	/* the bin being filled */
	int64_t bin_start;
	unsigned bin_checks, bin_ups, bin_rtts;
	double bin_rtt;
	/* blocks */
	struct probe_blockset *bs;
	size_t bents[MAX_LINKS]; /* indexes into ps->bents: probe:NAME first */
	size_t n_bents;
};

struct probe_side {
	struct server *s;
	struct prober *pr;
	struct ptarget *t;
	size_t n;
	struct bent *bents;
	size_t n_bents;
	uint32_t bin;
	struct lo_ratelimit rl;
};

static double wall_now(void)
{
	uint32_t s, us;
	serve_now(&s, &us);
	return s + us / 1e6;
}

static void iso(double t, char *buf)
{
	lo_time_iso((int64_t)t, buf, 24);
}

/* ---------------------------------------------------------------- events */

static int64_t incident_of(struct probe_side *ps, int64_t own, const int64_t *links, size_t n,
			   int64_t start)
{
	int64_t inc = store_incident_near(ps->s->store, own, start, LINK_GAP);
	for (size_t i = 0; inc <= 0 && i < n; i++)
		inc = store_incident_near(ps->s->store, links[i], start, LINK_GAP);
	return inc > 0 ? inc : 0;
}

static void event_write(struct probe_side *ps, struct pevent *e, const char *entity,
			enum alert_change what)
{
	e->ev.detail = e->detail;
	if (store_event_put(ps->s->store, &e->ev)) {
		lo_log_rl(&ps->rl, LO_LOG_ERROR, "probe: %s: cannot store the event", entity);
		return;
	}
	alert_event(ps->s->alert, what, (uint64_t)e->ev.id, &e->ev, entity, NULL);
}

/* The detail of a target's event: its latest failure. */
static void explain_target(struct pevent *e)
{
	struct ptarget *pt = e->owner;
	const struct probe_result *r = &pt->last_fail;
	struct lo_buf b;
	char t[32];

	lo_buf_init(&b, PROBE_DETAIL_MAX - 1);
	lo_buf_printf(&b, "{\"target\":");
	http_json_str(&b, pt->spec);
	lo_buf_printf(&b, ",\"why\":\"%s\",\"detail\":", probe_why_name(r->why));
	http_json_str(&b, r->detail);
	lo_buf_printf(&b, ",\"attempts\":%u,\"failed_checks\":%u", r->attempts, pt->failed_checks);
	if (r->status)
		lo_buf_printf(&b, ",\"status\":%d", r->status);
	if (pt->last_ok > 0) {
		iso(pt->last_ok, t);
		lo_buf_printf(&b, ",\"last_ok\":\"%s\"", t);
	}
	lo_buf_printf(&b, "}");
	snprintf(e->detail, sizeof(e->detail), "%s", b.p ? b.p : "{}");
	lo_buf_fini(&b);
}

/* The detector's verdicts become stored events (and alerts). */
static void on_det(void *ctx, enum det_change what, const struct det_event *dv)
{
	struct pevent *e = ctx;
	struct probe_side *ps = e->ps;

	if (what == DET_OPEN) {
		memset(&e->ev, 0, sizeof(e->ev));
		e->ev.entity = e->entity;
		e->ev.signal = e->signal;
		e->ev.kind = "probe_down";
		e->ev.start = dv->start;
		e->ev.incident = incident_of(ps, e->entity, e->links, e->n_links, dv->start);
	}
	e->ev.severity = dv->severity == DET_CRITICAL ? "critical" : "warning";
	e->ev.baseline = dv->baseline;
	e->ev.min = dv->min;
	e->ev.score = dv->score;
	if (what == DET_CANCEL) { /* shorter than [prober] min_duration: a dip */
		if (e->ev.id) {
			e->ev.end = dv->end;
			alert_event(ps->s->alert, ALERT_CANCEL, (uint64_t)e->ev.id, &e->ev, e->spec,
				    NULL);
			store_event_delete(ps->s->store, e->ev.id);
		}
		memset(&e->ev, 0, sizeof(e->ev));
		e->open = false;
		return;
	}
	e->ev.end = what == DET_CLOSE ? dv->end : 0;
	e->explain(e);
	event_write(ps, e, e->spec,
		    what == DET_OPEN	? ALERT_OPEN
		    : what == DET_CLOSE ? ALERT_CLOSE
					: ALERT_UPDATE);
	e->open = what != DET_CLOSE;
}

int64_t probe_side_incident(struct server *s, int64_t entity, int64_t t)
{
	const struct probe_side *ps = s->probe;
	for (size_t i = 0; ps && i < ps->n; i++) {
		const struct ptarget *pt = &ps->t[i];
		const struct store_event *ev = &pt->e.ev;
		if (!ev->id || !ev->incident || ev->start > t ||
		    (!pt->e.open && ev->end + LINK_GAP < t))
			continue;
		for (size_t k = 0; k < pt->n_links; k++)
			if (pt->links[k] == entity)
				return ev->incident;
	}
	return 0;
}

/* ---------------------------------------------------------------- checks */

/* The check counts in the bin of its start; the bin's row is rewritten. */
static void bin_put(struct probe_side *ps, struct ptarget *pt, const struct probe_result *r)
{
	int64_t bs = (int64_t)r->sent_wall - (int64_t)r->sent_wall % ps->bin;
	if (bs != pt->bin_start) {
		pt->bin_start = bs;
		pt->bin_checks = pt->bin_ups = pt->bin_rtts = 0;
		pt->bin_rtt = 0;
	}
	pt->bin_checks++;
	if (r->up) {
		pt->bin_ups++;
		pt->bin_rtts++;
		pt->bin_rtt += r->rtt_ms;
	}
	if (pt->id <= 0)
		return;
	store_series_put(ps->s->store, pt->id, "probe.up", bs,
			 (double)pt->bin_ups / pt->bin_checks);
	if (pt->bin_rtts)
		store_series_put(ps->s->store, pt->id, "probe.rtt_ms", bs,
				 pt->bin_rtt / pt->bin_rtts);
}

static void on_result(void *ctx, const struct probe_result *r)
{
	struct ptarget *pt = ctx;
	struct probe_side *ps = pt->ps;

	pt->busy = false;
	if (r->why == PROBE_ERR_BUSY || r->why == PROBE_ERR_REFUSED) {
		/* not probed: says nothing of the target */
		lo_log_rl(&ps->rl, LO_LOG_WARN, "probe %s: not checked: %s", pt->name, r->detail);
		return;
	}
	bin_put(ps, pt, r);

	if (r->up) {
		if (pt->state == 0)
			lo_log(LO_LOG_WARN, "probe %s: up again after %.0f s (%s)", pt->name,
			       r->done_wall - pt->first_fail, r->detail);
		else if (pt->state != 1)
			lo_log(LO_LOG_INFO, "probe %s: up (%s, %.1f ms)", pt->name, r->detail,
			       r->rtt_ms);
		pt->state = 1;
		pt->failed_checks = 0;
		pt->last_ok = r->done_wall;
		/* back at the answer (whole seconds, rounded up) */
		det_level_update(pt->e.d, (uint32_t)ceil(r->done_wall), 1);
		return;
	}
	pt->failed_checks++;
	pt->last_fail = *r;
	if (pt->state != 0) {
		pt->state = 0;
		pt->first_fail = r->sent_wall;
		lo_log(LO_LOG_WARN, "probe %s: down (%s: %s) after %u attempts", pt->name,
		       probe_why_name(r->why), r->detail, r->attempts);
	}
	/* down since the first attempt of the check (rounded down) */
	det_level_update(pt->e.d, (uint32_t)r->sent_wall, 0);
	if (pt->e.open) { /* still down: the detail follows the latest failure */
		explain_target(&pt->e);
		pt->e.ev.detail = pt->e.detail;
		store_event_put(ps->s->store, &pt->e.ev);
	}
}

/* ---------------------------------------------------------------- blocks */

static void block_text(const struct probe_block *b, char *out, size_t cap)
{
	snprintf(out, cap, "%u.%u.%u.0/24", b->base >> 24, (b->base >> 16) & 0xff,
		 (b->base >> 8) & 0xff);
}

/*
 * The detail of an entity's blocks event: the blocks down now, and the
 * probes the latest change took (at the close: those that brought it back).
 */
static void explain_bent(struct pevent *e)
{
	struct bent *be = e->owner;
	snprintf(e->detail, sizeof(e->detail),
		 "{\"blocks_down\":[%s],\"blocks\":%u,\"up\":%u,\"probes\":%u}", be->down,
		 be->measurable, be->up, be->probes_now);
}

/* The blocks of every target feeding @be, summed; their events. */
static void bent_update(struct probe_side *ps, size_t bi, double when, unsigned probes)
{
	struct bent *be = &ps->bents[bi];
	unsigned up = 0, m = 0;
	size_t dl = 0;

	be->down[0] = 0;
	for (size_t i = 0; i < ps->n; i++) {
		struct ptarget *pt = &ps->t[i];
		bool feeds = false;
		for (size_t k = 0; k < pt->n_bents; k++)
			feeds |= pt->bents[k] == bi;
		if (!pt->bs || !feeds)
			continue;
		unsigned mm;
		up += probe_blockset_up(pt->bs, &mm);
		m += mm;
		for (size_t k = 0; k < probe_blockset_count(pt->bs); k++) {
			const struct probe_block *b = probe_blockset_block(pt->bs, k);
			if (b->state != PROBE_BLOCK_DOWN || !probe_block_measurable(b))
				continue;
			char t[24];
			block_text(b, t, sizeof(t));
			if (dl + strlen(t) + 4 < sizeof(be->down))
				dl += (size_t)snprintf(be->down + dl, sizeof(be->down) - dl,
						       "%s\"%s\"", dl ? "," : "", t);
		}
	}
	be->up = up;
	be->measurable = m;
	int64_t bs = (int64_t)when - (int64_t)when % ps->bin;
	if (be->id > 0) {
		store_series_put(ps->s->store, be->id, "probe.up_blocks", bs, up);
		store_series_put(ps->s->store, be->id, "probe.blocks", bs, m);
	}
	if (probes)
		be->probes_now = probes;
	if (m)
		det_level_update(be->e.d, (uint32_t)when, up);
	if (be->e.open) { /* the detail follows the blocks */
		explain_bent(&be->e);
		be->e.ev.detail = be->e.detail;
		store_event_put(ps->s->store, &be->e.ev);
	}
}

static void on_block_change(void *ctx, size_t i, const struct probe_block *b,
			    enum probe_block_state old, double wall, unsigned probes)
{
	struct ptarget *pt = ctx;
	char t[24];
	(void)i;

	block_text(b, t, sizeof(t));
	if (old == PROBE_BLOCK_UNKNOWN && b->state == PROBE_BLOCK_UP)
		lo_log(LO_LOG_INFO,
		       "probe %s: block %s up after %u probes (its sweep: %u addresses answer, "
		       "belief %.3f)",
		       pt->name, t, probes, b->n_ever, b->belief);
	else
		lo_log(LO_LOG_WARN, "probe %s: block %s %s after %u probes (belief %.3f)", pt->name,
		       t, b->state == PROBE_BLOCK_UP ? "up" : "down", probes, b->belief);
	for (size_t k = 0; k < pt->n_bents; k++)
		bent_update(pt->ps, pt->bents[k], wall, probes);
}

static void on_block_round(void *ctx)
{
	struct ptarget *pt = ctx;
	for (size_t k = 0; k < pt->n_bents; k++)
		bent_update(pt->ps, pt->bents[k], wall_now(), 0);
}

/* ---------------------------------------------------------------- schedule */

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ptarget *pt = arg;
	struct probe_side *ps = pt->ps;
	struct timeval tv = {(time_t)pt->interval, 0};
	(void)fd;
	(void)what;

	evtimer_add(pt->timer, &tv);
	if (pt->bs) {
		if (probe_blockset_round(pt->bs) == LO_EAGAIN)
			lo_log_rl(&ps->rl, LO_LOG_INFO, "probe %s: the last round still runs",
				  pt->name);
		return;
	}
	if (pt->busy)
		return; /* the last check still runs (timeout x attempts > interval) */
	struct probe_check c = {
		.target = &pt->t,
		.timeout_ms = pt->timeout,
		.retries = pt->retries,
		.expect = pt->expect,
		.expect_status = pt->expect_status,
	};
	if (prober_check(ps->pr, &c, on_result, pt) == 0)
		pt->busy = true;
}

/*
 * pevent_init() - the detector of @signal of entity @entity (@spec): a
 * det_level with [prober] window, warmup and min_duration, [detect] bin and
 * ratios (DESIGN.md §5: probes keep a 7-day baseline).
 */
static int pevent_init(struct probe_side *ps, struct pevent *e, int64_t entity, const char *spec,
		       const char *signal, void (*explain)(struct pevent *), void *owner)
{
	const struct conf *c = ps->s->conf;
	struct det_level_opts o;

	det_level_opts_default(&o);
	o.bin = ps->bin;
	o.window = c->prober.window > ps->bin ? c->prober.window : ps->bin;
	o.warmup = c->prober.warmup;
	o.min_duration = c->prober.min_duration;
	if (c->detect.has_warn_ratio)
		o.warn_ratio = c->detect.warn_ratio;
	if (c->detect.has_crit_ratio)
		o.crit_ratio = c->detect.crit_ratio;
	if (c->detect.has_recover_ratio)
		o.recover_ratio = c->detect.recover_ratio;
	if (!strcmp(signal, "probe.up")) { /* a share, 0..1: answered most of the time */
		o.min_baseline = 0.5;
		o.min_drop = 0.5;
	}
	o.on_event = on_det;
	o.ctx = e;
	e->ps = ps;
	e->entity = entity;
	e->spec = spec;
	e->signal = signal;
	e->explain = explain;
	e->owner = owner;
	return (e->d = det_level_new(&o)) ? 0 : LO_ENOMEM;
}

static size_t bent_get(struct probe_side *ps, const char *spec)
{
	for (size_t i = 0; i < ps->n_bents; i++)
		if (!strcmp(ps->bents[i].spec, spec))
			return i;
	struct bent *be = &ps->bents[ps->n_bents];
	memset(be, 0, sizeof(*be));
	snprintf(be->spec, sizeof(be->spec), "%s", spec);
	be->id = store_entity(ps->s->store, spec);
	if (pevent_init(ps, &be->e, be->id, be->spec, "probe.up_blocks", explain_bent, be))
		return SIZE_MAX;
	return ps->n_bents++;
}

static int target_init(struct probe_side *ps, struct ptarget *pt, const struct conf_probe *cp,
		       size_t idx, struct lo_err *err)
{
	const struct conf *c = ps->s->conf;

	pt->ps = ps;
	snprintf(pt->name, sizeof(pt->name), "%s", cp->name);
	snprintf(pt->entity, sizeof(pt->entity), "probe:%s", cp->name);
	pt->t = cp->t;
	pt->interval = cp->interval;
	pt->timeout = cp->timeout;
	pt->retries = cp->retries;
	pt->expect_status = cp->expect_status;
	pt->state = -1;
	if (!(pt->spec = strdup(cp->target)) || (cp->expect && !(pt->expect = strdup(cp->expect))))
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	pt->id = store_entity(ps->s->store, pt->entity);
	/* the entities it names, and the country of its address (geo) */
	char specs[MAX_LINKS][80];
	size_t n_specs = 0;
	for (size_t k = 0; k < cp->n_entities; k++)
		snprintf(specs[n_specs++], sizeof(specs[0]), "%s", cp->entities[k]);
	char cc[3];
	struct bgp_prefix where = {.addr = pt->t.addr, .len = pt->t.addr.family == 4 ? 32 : 128};
	if (pt->t.kind == PROBE_BLOCK)
		where = pt->t.block;
	if (pt->t.kind != PROBE_HTTP && ps->s->geo && n_specs < MAX_LINKS &&
	    geo_prefix_country(ps->s->geo, &where, cc) >= 1 && strcmp(cc, "ZZ")) {
		char spec[16];
		snprintf(spec, sizeof(spec), "country:%s", cc);
		bool named = false;
		for (size_t k = 0; k < n_specs; k++)
			named |= !strcmp(specs[k], spec);
		if (!named)
			snprintf(specs[n_specs++], sizeof(specs[0]), "%s", spec);
	}
	for (size_t k = 0; k < n_specs; k++) {
		int64_t id = store_entity(ps->s->store, specs[k]);
		if (id > 0)
			pt->links[pt->n_links++] = id;
	}
	if (pt->t.kind != PROBE_BLOCK && pt->t.kind != PROBE_HTTP &&
	    pt->n_links < MAX_LINKS) { /* its host: attacks on it */
		char a[BGP_ADDR_STRLEN], spec[BGP_ADDR_STRLEN + 8];
		a[bgp_fmt_addr(&pt->t.addr, a)] = 0;
		snprintf(spec, sizeof(spec), "host:%s", a);
		int64_t id = store_entity(ps->s->store, spec);
		if (id > 0)
			pt->links[pt->n_links++] = id;
	}
	pt->e.links = pt->links;
	pt->e.n_links = pt->n_links;
	if (pt->t.kind == PROBE_BLOCK) {
		struct probe_blockset_opts bo;
		probe_blockset_opts_default(&bo);
		bo.timeout_ms = cp->timeout;
		bo.sweep_s = c->prober.sweep;
		bo.on_change = on_block_change;
		bo.on_round = on_block_round;
		bo.ctx = pt;
		if (!(pt->bs = probe_blockset_new(ps->pr, &pt->t.block, &bo, err)))
			return err->code;
		for (size_t k = 0; k <= n_specs && pt->n_bents < MAX_LINKS; k++) {
			size_t bi = bent_get(ps, k ? specs[k - 1] : pt->entity);
			if (bi == SIZE_MAX)
				return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
			pt->bents[pt->n_bents++] = bi;
		}
	} else if (pevent_init(ps, &pt->e, pt->id, pt->entity, "probe.up", explain_target, pt)) {
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	}
	if (!(pt->timer = evtimer_new(ps->s->base, on_timer, pt)))
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	/* the first checks spread over the first second */
	struct timeval tv = {0, (suseconds_t)(idx * 997 % 1000) * 1000};
	evtimer_add(pt->timer, &tv);
	return 0;
}

int probe_side_new(struct server *s, struct lo_err *err)
{
	const struct conf *c = s->conf;

	if (!c->n_probes)
		return 0;
	struct probe_side *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	s->probe = ps;
	ps->s = s;
	ps->bin = c->detect.has_bin ? c->detect.bin : 300;
	ps->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 5);
	struct prober_opts po;
	prober_opts_default(&po);
	po.rate = c->prober.rate;
	po.burst = c->prober.burst;
	if (!(ps->pr = prober_new(s->base, &po, err)))
		return err->code;
	ps->t = calloc(c->n_probes, sizeof(*ps->t));
	ps->bents = calloc(c->n_probes * MAX_LINKS, sizeof(*ps->bents));
	if (!ps->t || !ps->bents)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	for (size_t i = 0; i < c->n_probes; i++, ps->n++) {
		int rc = target_init(ps, &ps->t[i], &c->probes[i], i, err);
		if (rc) {
			ps->n++; /* freed with the rest */
			return rc;
		}
	}
	lo_log(LO_LOG_WARN, "probe: %zu targets, at most %u probes/s", ps->n, c->prober.rate);
	return 0;
}

void probe_side_tick(struct server *s)
{
	struct probe_side *ps = s->probe;
	uint32_t now;

	if (!ps)
		return;
	serve_now(&now, NULL);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->t[i].e.d)
			det_level_tick(ps->t[i].e.d, now);
	for (size_t i = 0; i < ps->n_bents; i++)
		det_level_tick(ps->bents[i].e.d, now);
}

/* An event still open at stop ends then, and says so in its detail. */
static void close_at_stop(struct probe_side *ps, struct pevent *e, const char *entity, double now)
{
	size_t n = strlen(e->detail);
	const char *mark = ",\"open_at_stop\":true}";
	if (n && e->detail[n - 1] == '}' && n - 1 + strlen(mark) < sizeof(e->detail))
		strcpy(e->detail + n - 1, mark);
	e->open = false;
	e->ev.end = (int64_t)ceil(now);
	event_write(ps, e, entity, ALERT_CLOSE);
}

void probe_side_free(struct server *s)
{
	struct probe_side *ps = s->probe;
	if (!ps)
		return;
	double now = wall_now();
	/* events still open end now (the daemon no longer knows), marked so */
	for (size_t i = 0; i < ps->n; i++)
		if (ps->t[i].e.open)
			close_at_stop(ps, &ps->t[i].e, ps->t[i].entity, now);
	for (size_t i = 0; i < ps->n_bents; i++)
		if (ps->bents[i].e.open)
			close_at_stop(ps, &ps->bents[i].e, ps->bents[i].spec, now);
	struct prober_stats st = {0};
	if (ps->pr)
		prober_stats(ps->pr, &st);
	lo_log(LO_LOG_WARN,
	       "probe: %" PRIu64 " checks (%" PRIu64 " up, %" PRIu64 " down), %" PRIu64
	       " probes sent, %" PRIu64 " waits for the rate cap, %" PRIu64
	       " malformed ICMP, %" PRIu64 " malformed DNS answers",
	       st.checks, st.up, st.down, st.sent, st.rate_waits, st.icmp_bad, st.dns_bad);
	prober_free(ps->pr); /* first: nothing calls back into the targets after */
	for (size_t i = 0; i < ps->n_bents; i++)
		det_level_free(ps->bents[i].e.d);
	for (size_t i = 0; i < ps->n; i++) {
		struct ptarget *pt = &ps->t[i];
		det_level_free(pt->e.d);
		if (pt->timer)
			event_free(pt->timer);
		probe_blockset_free(pt->bs);
		free(pt->spec);
		free(pt->expect);
	}
	free(ps->t);
	free(ps->bents);
	free(ps);
	s->probe = NULL;
}

/* ---------------------------------------------------------------- reports (HTTP) */

void probe_side_report(struct server *s, struct lo_buf *status, struct lo_buf *metrics)
{
	const struct probe_side *ps = s->probe;
	struct prober_stats st = {0};

	if (ps)
		prober_stats(ps->pr, &st);
	lo_buf_printf(status,
		      ",\"probe\":{\"targets\":%zu,\"checks\":%" PRIu64 ",\"up\":%" PRIu64
		      ",\"down\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"rate_waits\":%" PRIu64
		      ",\"busy\":%" PRIu64 ",\"icmp_malformed\":%" PRIu64
		      ",\"dns_malformed\":%" PRIu64 ",\"state\":[",
		      ps ? ps->n : 0, st.checks, st.up, st.down, st.sent, st.rate_waits, st.busy,
		      st.icmp_bad, st.dns_bad);
	for (size_t i = 0; ps && i < ps->n; i++) {
		const struct ptarget *pt = &ps->t[i];
		lo_buf_printf(status, "%s{\"name\":", i ? "," : "");
		http_json_str(status, pt->name);
		lo_buf_printf(status, ",\"target\":");
		http_json_str(status, pt->spec);
		if (pt->bs) {
			unsigned m, up = probe_blockset_up(pt->bs, &m);
			lo_buf_printf(status, ",\"up_blocks\":%u,\"blocks\":%u}", up, m);
		} else {
			lo_buf_printf(status, ",\"up\":%s}",
				      pt->state < 0 ? "null"
				      : pt->state   ? "true"
						    : "false");
		}
	}
	lo_buf_printf(status, "]}");

	lo_buf_printf(metrics,
		      "# HELP lightsout_probe_checks_total Probe checks done, by outcome.\n"
		      "# TYPE lightsout_probe_checks_total counter\n"
		      "lightsout_probe_checks_total{outcome=\"up\"} %" PRIu64 "\n"
		      "lightsout_probe_checks_total{outcome=\"down\"} %" PRIu64 "\n"
		      "# HELP lightsout_probe_sent_total Probe packets and requests sent.\n"
		      "# TYPE lightsout_probe_sent_total counter\n"
		      "lightsout_probe_sent_total %" PRIu64 "\n",
		      st.up, st.down, st.sent);
	if (!ps || !ps->n)
		return;
	lo_buf_printf(metrics, "# HELP lightsout_probe_up Whether a probe target answers (1), "
			       "does not (0); blocks: the share of measurable blocks up.\n"
			       "# TYPE lightsout_probe_up gauge\n");
	for (size_t i = 0; i < ps->n; i++) {
		const struct ptarget *pt = &ps->t[i];
		double v;
		if (pt->bs) {
			unsigned m, up = probe_blockset_up(pt->bs, &m);
			if (!m)
				continue;
			v = (double)up / m;
		} else if (pt->state < 0) {
			continue;
		} else {
			v = pt->state;
		}
		lo_buf_printf(metrics, "lightsout_probe_up{probe=\"%s\"} %g\n", pt->name, v);
	}
}
