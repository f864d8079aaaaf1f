/*
 * DOC: watch — see watch.h.  Per entity: the bin being filled, the
 * detectors (one det_level per address family, one det_rate for
 * visibility flaps), the event each of them has open, and two small rings
 * for explaining events: the entity's prefixes that lost visibility and the
 * routes its peers withdrew.
 */
#include "watch/watch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOSS_RING 256 /* visibility changes of the entity's prefixes */
#define WD_RING	  256 /* withdrawals, per entity */
#define DETAIL	  4096
#define LEVELS	  4 /* level signals stored every bin: v24, v48, prefixes, origin_asns */

enum { W_V4, W_V6, W_FLAPS, W_COUNT };

struct loss {
	struct bgp_prefix p;
	uint32_t time;
	uint32_t upstream; /* of the last path, when it was lost */
	bool visible;	   /* a regain, not a loss */
};

struct wd {
	struct bgp_prefix p;
	uint32_t time;
	int peer;
};

struct wstate {
	struct det_level *lvl;
	struct det_rate *rate;
	struct store_event ev;
	struct det_event last; /* as the detector last reported it */
	bool open;
	bool stored;	       /* the open event has its row */
	int64_t prev_incident; /* the entity's incident before this event opened */
	uint32_t prev_until;
	bool detail_done;
	char detail[DETAIL];
};

struct ent {
	int64_t store_id;
	unsigned idx; /* in the tracker */
	uint32_t bin;
	double counter_at_bin[SIG_COUNT];
	struct wstate w[W_COUNT];
	unsigned n_open;	 /* events open (incl. tentative) */
	int64_t incident;	 /* of the latest stored event, 0 = none yet */
	uint32_t incident_until; /* end of the latest event of that incident */
	struct loss loss[LOSS_RING];
	unsigned n_loss;
	struct wd wds[WD_RING];
	unsigned n_wd;
};

struct watch {
	struct watch_opts o;
	struct sig_group *groups; /* the explicit ones and the config's */
	struct rib *rib;
	struct sig_tracker *sig;
	struct ent **ents; /* by tracker index; allocated on first change */
	unsigned n_ents;
	uint32_t now, last_tick;
	time_t last_commit; /* wall clock */
	bool started;
	unsigned cur_ent, cur_w; /* whose detector is reporting */
	struct loss pending;	 /* the visibility loss being dispatched */
	struct watch_stats st;
};

void watch_opts_default(struct watch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->all_countries = true;
	o->bin = 0; /* the config's, else 300 */
	o->flap_window = 600;
	o->link_gap = 3600;
	det_level_opts_default(&o->level);
	det_rate_opts_default(&o->rate);
}

/* ---------------------------------------------------------------- details */

static const char *kind_name(enum det_kind k)
{
	return k == DET_OUTAGE ? "outage" : k == DET_INSTABILITY ? "instability" : "partial_outage";
}

struct out {
	char *p, *end;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->p, (size_t)(o->end - o->p), fmt, ap);
	va_end(ap);
	if (n > 0)
		o->p += n < o->end - o->p ? n : o->end - o->p - 1;
}

static void put_prefix(struct out *o, const struct bgp_prefix *p)
{
	char a[BGP_ADDR_STRLEN];
	bgp_fmt_addr(&p->addr, a);
	put(o, "\"%s/%u\"", a, p->len);
}

static void put_peer(struct watch *w, struct out *o, const char *key, const struct wd *x)
{
	uint16_t col;
	struct bgp_addr addr;
	uint32_t asn;
	char a[BGP_ADDR_STRLEN], ts[32];
	if (rib_peer_info(w->rib, x->peer, &col, &addr, &asn))
		return;
	const char *cname = w->o.collector_name ? w->o.collector_name(w->o.ctx, col) : NULL;
	bgp_fmt_addr(&addr, a);
	lo_time_iso(x->time, ts, sizeof(ts));
	put(o, ",\"%s\":{\"collector\":\"%s\",\"peer\":\"%s\",\"asn\":%" PRIu32 ",\"time\":\"%s\"}",
	    key, cname ? cname : "", a, asn, ts);
}

static bool same_prefix(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->len == b->len && a->addr.family == b->addr.family &&
	       !memcmp(a->addr.b, b->addr.b, 16);
}

/*
 * The prefixes an outage lost: from the visibility changes in the ring up
 * to @upto, each prefix of @family whose latest change is a loss at or
 * after @from; with the time it last regained visibility before that (the
 * withdrawals that matter came after it).
 */
struct lost {
	const struct loss *l;
	uint32_t since; /* withdrawals from this time on caused it */
};

static unsigned lost_prefixes(const struct watch *w, const struct ent *x, uint8_t family,
			      uint32_t from, uint32_t upto, struct lost *out, unsigned cap)
{
	unsigned first = x->n_loss > LOSS_RING ? x->n_loss - LOSS_RING : 0, n = 0;
	for (unsigned i = x->n_loss; i-- > first && n < cap;) {
		const struct loss *l = &x->loss[i % LOSS_RING];
		if (l->p.addr.family != family || l->time > upto)
			continue;
		bool later = false; /* a newer change of this prefix was looked at already */
		for (unsigned k = i + 1; k < x->n_loss && !later; k++) {
			const struct loss *m = &x->loss[k % LOSS_RING];
			later = m->time <= upto && same_prefix(&m->p, &l->p);
		}
		if (later || l->visible || l->time < from)
			continue;
		uint32_t since = l->time > w->o.flap_window ? l->time - w->o.flap_window : 0;
		for (unsigned k = i; k-- > first;) {
			const struct loss *m = &x->loss[k % LOSS_RING];
			if (same_prefix(&m->p, &l->p)) {
				if (m->visible && m->time > since)
					since = m->time;
				break;
			}
		}
		out[n++] = (struct lost){l, since};
	}
	return n;
}

/*
 * An outage's detail: the entity's prefixes of @family that went dark
 * between flap_window before the start and @upto and are still dark, the
 * upstream ASNs of their last paths, the share of full-feed peers without
 * them now, and the first and last peer to withdraw one of them.
 */
static void outage_detail(struct watch *w, struct ent *x, struct wstate *s, uint8_t family,
			  uint32_t upto)
{
	struct out o = {s->detail, s->detail + sizeof(s->detail) - 1};
	uint32_t start = (uint32_t)s->ev.start;
	uint32_t from = start > w->o.flap_window ? start - w->o.flap_window : 0;
	uint32_t ups[8];
	unsigned n_up = 0;
	double share = 0;
	struct lost lost[LOSS_RING];
	unsigned n_lost = lost_prefixes(w, x, family, from, upto, lost, LOSS_RING);

	put(&o, "{\"prefixes_lost\":[");
	for (unsigned i = 0; i < n_lost; i++) {
		const struct loss *l = lost[n_lost - 1 - i].l; /* oldest first */
		struct rib_prefix_info info;
		unsigned n_ff = rib_full_feed_peers(w->rib, family);
		double gone = 1.0;
		if (rib_prefix_info(w->rib, &l->p, &info) && n_ff)
			gone = 1.0 - (double)info.full_feed_peers / n_ff;
		if (gone > share)
			share = gone;
		bool known = false;
		for (unsigned k = 0; k < n_up; k++)
			known |= ups[k] == l->upstream;
		if (!known && l->upstream && n_up < 8)
			ups[n_up++] = l->upstream;
		if (i < 32) {
			if (i)
				put(&o, ",");
			put_prefix(&o, &l->p);
		}
	}
	put(&o, "],\"prefixes_lost_count\":%u,\"upstreams_lost\":[", n_lost);
	for (unsigned k = 0; k < n_up; k++)
		put(&o, "%s%" PRIu32, k ? "," : "", ups[k]);
	put(&o, "],\"full_feed_peers_lost_share\":%.2f", share);

	/* first and last peer to withdraw a lost prefix after it was last visible */
	const struct wd *fw = NULL, *lw = NULL;
	unsigned wfirst = x->n_wd > WD_RING ? x->n_wd - WD_RING : 0, peers = 0;
	int seen[64];
	for (unsigned i = wfirst; i < x->n_wd; i++) {
		const struct wd *d = &x->wds[i % WD_RING];
		bool hit = false;
		for (unsigned k = 0; k < n_lost && !hit; k++)
			hit = same_prefix(&lost[k].l->p, &d->p) && d->time >= lost[k].since &&
			      d->time <= upto;
		if (!hit)
			continue;
		if (!fw)
			fw = d;
		lw = d;
		bool known = false;
		for (unsigned k = 0; k < peers; k++)
			known |= seen[k] == d->peer;
		if (!known && peers < 64)
			seen[peers++] = d->peer;
	}
	if (fw) {
		put(&o, ",\"peers_withdrawing\":%u", peers);
		put_peer(w, &o, "first_withdrawal", fw);
		put_peer(w, &o, "last_withdrawal", lw);
	}
	put(&o, "}");
}

static void instability_detail(struct watch *w, struct ent *x, struct wstate *s, uint32_t upto)
{
	struct out o = {s->detail, s->detail + sizeof(s->detail) - 1};
	const struct det_event *ev = &s->last;
	(void)w;
	put(&o,
	    "{\"flaps\":%.0f,\"baseline_per_hour\":%.2f,\"threshold_per_hour\":%.0f,"
	    "\"rate_at_start_per_hour\":%.0f,\"peak_per_hour\":%.0f,\"trend_per_hour\":%.2f,"
	    "\"rising\":%s,\"hourly\":[",
	    ev->score, ev->baseline, ev->threshold, ev->rate_open, ev->rate_peak, ev->trend,
	    ev->trend > 0 ? "true" : "false");
	for (unsigned i = 0; i < ev->n_hourly; i++)
		put(&o, "%s%" PRIu32, i ? "," : "", ev->hourly[i]);
	put(&o, "],\"prefixes\":[");
	unsigned first = x->n_loss > LOSS_RING ? x->n_loss - LOSS_RING : 0, listed = 0;
	for (unsigned i = first; i < x->n_loss && listed < 32; i++) {
		const struct loss *l = &x->loss[i % LOSS_RING];
		bool dup = false;
		if (l->visible || l->time + w->o.flap_window < (uint32_t)s->ev.start ||
		    l->time > upto)
			continue;
		for (unsigned k = first; k < i && !dup; k++)
			dup = !x->loss[k % LOSS_RING].visible &&
			      same_prefix(&x->loss[k % LOSS_RING].p, &l->p) &&
			      x->loss[k % LOSS_RING].time + w->o.flap_window >=
				      (uint32_t)s->ev.start;
		if (dup)
			continue;
		if (listed++)
			put(&o, ",");
		put_prefix(&o, &l->p);
	}
	put(&o, "]}");
}

/* ---------------------------------------------------------------- events */

static void make_detail(struct watch *w, struct ent *x, unsigned wi, uint32_t upto)
{
	struct wstate *s = &x->w[wi];
	if (wi == W_FLAPS)
		instability_detail(w, x, s, upto);
	else
		outage_detail(w, x, s, wi == W_V6 ? 6 : 4, upto);
}

/* Tell the on_event hook (if any) what became of @s's row. */
static void notify(struct watch *w, struct ent *x, struct wstate *s, enum watch_change what)
{
	if (w->o.on_event)
		w->o.on_event(w->o.ctx, what, &s->ev, sig_tracker_spec(w->sig, x->idx));
}

/* Write the event's row (insert or update); the first row of an incident names it. */
static void store_event(struct watch *w, struct ent *x, struct wstate *s)
{
	s->ev.detail = s->detail;
	s->ev.incident = x->incident;
	if (store_event_put(w->o.store, &s->ev)) {
		w->st.errors++;
		return;
	}
	if (!x->incident)
		x->incident = s->ev.id;
	s->stored = true;
	if (w->o.live) /* readers see it now, not at the next bin */
		watch_commit(w);
}

static void on_event(void *ctx, enum det_change what, const struct det_event *ev)
{
	struct watch *w = ctx;
	struct ent *x = w->ents[w->cur_ent];
	struct wstate *s = &x->w[w->cur_w];
	static const char *const sig[W_COUNT] = {"bgp.visible_slash24", "bgp.visible_slash48",
						 "bgp.visibility_flaps"};

	s->last = *ev;
	if (what == DET_CANCEL) { /* a dip: the tentative row goes */
		s->open = false;
		x->n_open--;
		if (s->stored && store_event_delete(w->o.store, s->ev.id))
			w->st.errors++;
		if (s->stored && x->incident == s->ev.id && !x->n_open) {
			x->incident = s->prev_incident;
			x->incident_until = s->prev_until;
		}
		if (s->stored)
			notify(w, x, s, WATCH_CANCEL);
		s->stored = false;
		return;
	}
	if (what == DET_OPEN) {
		s->prev_incident = x->incident;
		s->prev_until = x->incident_until;
		/* a new incident unless another event of the entity is open or just ended */
		if (!x->n_open && (!x->incident || ev->start > x->incident_until + w->o.link_gap)) {
			x->incident = 0;
			/* an event of another source (a probe) may have opened one;
			 * live, the daemon may know one of a linked entity */
			int64_t near = store_incident_near(w->o.store, x->store_id, ev->start,
							   w->o.link_gap);
			if (near <= 0 && w->o.live && w->o.incident_hint)
				near = w->o.incident_hint(w->o.ctx, x->store_id, ev->start);
			if (near > 0)
				x->incident = near;
		}
		x->n_open++;
		memset(&s->ev, 0, sizeof(s->ev));
		s->open = true;
		s->stored = false;
		s->detail_done = false;
		s->ev.entity = x->store_id;
		s->ev.signal = sig[w->cur_w];
	}
	s->ev.kind = kind_name(ev->kind);
	s->ev.severity = ev->severity == DET_CRITICAL ? "critical" : "warning";
	s->ev.start = ev->start;
	s->ev.end = ev->end;
	s->ev.baseline = ev->baseline;
	s->ev.min = ev->kind == DET_INSTABILITY ? ev->rate_open : ev->min;
	s->ev.score = ev->score;
	if (what == DET_OPEN)
		make_detail(w, x, w->cur_w, ev->start);
	if (what == DET_ESCALATE && s->stored) {
		store_event(w, x, s);
		notify(w, x, s, WATCH_UPDATE);
	}
	if (what == DET_CLOSE) {
		if (!s->detail_done || w->cur_w == W_FLAPS)
			make_detail(w, x, w->cur_w, ev->end);
		s->open = false;
		x->n_open--;
		if (ev->end > x->incident_until || !x->incident_until)
			x->incident_until = ev->end;
		store_event(w, x, s);
		w->st.events++;
		if (s->stored)
			notify(w, x, s, WATCH_CLOSE);
	} else if (what == DET_OPEN) {
		/* stored at once, so that a live store shows it within the second;
		 * an outage is tentative until it has lasted min_duration */
		store_event(w, x, s);
		if (ev->start > x->incident_until)
			x->incident_until = ev->start;
		if (s->stored)
			notify(w, x, s, WATCH_OPEN);
	}
}

/* Once an open event has lasted the minimum duration: explain it and store it. */
static void maybe_detail(struct watch *w, struct ent *x, uint32_t t)
{
	for (unsigned wi = W_V4; wi <= W_V6; wi++) {
		struct wstate *s = &x->w[wi];
		if (s->open && !s->detail_done &&
		    t >= (uint32_t)s->ev.start + w->o.level.min_duration) {
			make_detail(w, x, wi, t);
			s->detail_done = true;
			if ((uint32_t)s->ev.start > x->incident_until)
				x->incident_until = (uint32_t)s->ev.start;
			store_event(w, x, s);
			if (s->stored)
				notify(w, x, s, WATCH_UPDATE);
		}
	}
}

/* ---------------------------------------------------------------- entities */

static struct ent *ent_get(struct watch *w, unsigned idx)
{
	if (idx >= w->n_ents) {
		unsigned n = w->n_ents ? w->n_ents : 64;
		while (n <= idx)
			n *= 2;
		struct ent **v = realloc(w->ents, n * sizeof(*v));
		if (!v)
			return NULL;
		memset(v + w->n_ents, 0, (n - w->n_ents) * sizeof(*v));
		w->ents = v;
		w->n_ents = n;
	}
	struct ent *x = w->ents[idx];
	if (x)
		return x;
	if (!(x = calloc(1, sizeof(*x))))
		return NULL;
	x->store_id = store_entity(w->o.store, sig_tracker_spec(w->sig, idx));
	x->w[W_V4].lvl = det_level_new(&w->o.level);
	x->w[W_FLAPS].rate = det_rate_new(&w->o.rate);
	if (x->store_id < 0 || !x->w[W_V4].lvl || !x->w[W_FLAPS].rate) {
		det_level_free(x->w[W_V4].lvl);
		det_rate_free(x->w[W_FLAPS].rate);
		free(x);
		return NULL;
	}
	w->ents[idx] = x;
	x->idx = idx;
	x->bin = w->now - w->now % w->o.bin;
	for (int s = SIG_ANNOUNCEMENTS; s < SIG_COUNT; s++)
		x->counter_at_bin[s] = sig_tracker_value(w->sig, idx, (enum sig_id)s);
	w->st.entities++;
	w->cur_ent = idx;
	w->cur_w = W_FLAPS;
	det_rate_tick(x->w[W_FLAPS].rate, w->now);
	return x;
}

static void put_series(struct watch *w, struct ent *x, enum sig_id sig, uint32_t bin, double v)
{
	if (store_series_put(w->o.store, x->store_id, sig_name(sig), bin, v))
		w->st.errors++;
	else
		w->st.series_rows++;
}

/* Write entity @idx's finished bins up to @t: levels every bin, counters when non-zero. */
static void flush_bins(struct watch *w, unsigned idx, uint32_t t)
{
	struct ent *x = w->ents[idx];
	while (t >= x->bin + w->o.bin) {
		bool v6 = sig_tracker_has_v6(w->sig, idx);
		for (int s = 0; s < SIG_COUNT; s++) {
			double v = sig_tracker_value(w->sig, idx, (enum sig_id)s);
			if (s == SIG_VISIBLE_SLASH48 && !v6)
				continue;
			if (sig_is_counter((enum sig_id)s)) {
				double d = v - x->counter_at_bin[s];
				x->counter_at_bin[s] = v;
				if (d == 0)
					continue;
				v = d;
			}
			put_series(w, x, (enum sig_id)s, x->bin, v);
		}
		x->bin += w->o.bin;
		if (t - x->bin > 86400u * 7) /* long silence: jump, the levels are unchanged */
			x->bin = t - t % w->o.bin;
	}
}

/* ---------------------------------------------------------------- callbacks */

static void on_value(void *ctx, unsigned idx, enum sig_id sig, uint32_t time, double value)
{
	struct watch *w = ctx;
	struct ent *x = ent_get(w, idx);
	if (!x) {
		w->st.errors++;
		return;
	}
	w->cur_ent = idx;
	switch (sig) {
	case SIG_VISIBLE_SLASH24:
		maybe_detail(w, x, time);
		w->cur_w = W_V4;
		det_level_update(x->w[W_V4].lvl, time, value);
		break;
	case SIG_VISIBLE_SLASH48:
		if (!x->w[W_V6].lvl && !(x->w[W_V6].lvl = det_level_new(&w->o.level))) {
			w->st.errors++;
			return;
		}
		maybe_detail(w, x, time);
		w->cur_w = W_V6;
		det_level_update(x->w[W_V6].lvl, time, value);
		break;
	case SIG_VISIBILITY_FLAPS:
		w->cur_w = W_FLAPS;
		det_rate_hit(x->w[W_FLAPS].rate, time, 1);
		break;
	default:
		break;
	}
}

static void on_touch(void *ctx, unsigned idx, const struct bgp_prefix *p, bool visible,
		     uint32_t time)
{
	struct watch *w = ctx;
	struct ent *x = ent_get(w, idx);
	if (!x)
		return;
	struct loss *l = &x->loss[x->n_loss++ % LOSS_RING];
	if (visible)
		*l = (struct loss){.p = *p, .time = time, .visible = true};
	else
		*l = w->pending;
}

static void on_withdraw(void *ctx, unsigned idx, int peer, const struct bgp_prefix *p,
			uint32_t time)
{
	struct watch *w = ctx;
	struct ent *x = ent_get(w, idx);
	if (x)
		x->wds[x->n_wd++ % WD_RING] = (struct wd){*p, time, peer};
}

static void on_visibility(void *ctx, const struct bgp_prefix *p, bool visible, uint32_t time)
{
	struct watch *w = ctx;
	struct rib_prefix_info info;
	uint32_t origin = 0;
	bool known = rib_prefix_info(w->rib, p, &info);

	uint32_t upstream = 0;
	if (visible && known) {
		origin = info.origin_asn;
		upstream = info.upstream_asn;
	}
	if (!visible) {
		uint32_t o;
		memset(&w->pending, 0, sizeof(w->pending));
		w->pending.p = *p;
		w->pending.time = time;
		if (known) /* the path of a peer that still has it */
			w->pending.upstream = info.upstream_asn;
		else /* its last route is gone: the path it had when it became visible */
			sig_tracker_last_path(w->sig, p, &o, &w->pending.upstream);
	}
	if (sig_tracker_visibility(w->sig, p, visible, origin, upstream, time))
		w->st.errors++;
}

static void on_route(void *ctx, int peer, const struct bgp_prefix *p, enum rib_change what,
		     uint32_t origin, bool had_route, uint32_t time)
{
	struct watch *w = ctx;
	if (sig_tracker_route(w->sig, peer, p, what == RIB_ANNOUNCE, origin, had_route, time))
		w->st.errors++;
}

/* ---------------------------------------------------------------- life */

/* The [detect] settings of the config file over the defaults. */
static void apply_detect(struct watch_opts *wo, const struct conf_detect *d)
{
	if (d->has_bin && !wo->bin) /* a bin the caller set (an option) wins */
		wo->bin = d->bin;
	if (d->has_window)
		wo->level.window = wo->rate.window = d->window;
	if (d->has_warmup)
		wo->level.warmup = wo->rate.warmup = d->warmup;
	if (d->has_min_duration)
		wo->level.min_duration = d->min_duration;
	if (d->has_warn_ratio)
		wo->level.warn_ratio = d->warn_ratio;
	if (d->has_crit_ratio)
		wo->level.crit_ratio = d->crit_ratio;
	if (d->has_recover_ratio)
		wo->level.recover_ratio = d->recover_ratio;
	if (d->has_min_baseline)
		wo->level.min_baseline = d->min_baseline;
	if (d->has_flap_window)
		wo->flap_window = d->flap_window;
	if (d->has_instability_factor)
		wo->rate.factor = d->instability_factor;
	if (d->has_instability_min_flaps)
		wo->rate.min_hits = d->instability_min_flaps;
}

struct watch *watch_new(const struct watch_opts *o, struct lo_err *err)
{
	struct watch *w = calloc(1, sizeof(*w));
	if (!w) {
		lo_err_set(err, LO_ENOMEM, 0, "out of memory");
		return NULL;
	}
	w->o = *o;
	if (o->conf) {
		const struct conf *c = o->conf;
		size_t n = o->n_groups + c->n_entities;
		if (!(w->groups = calloc(n ? n : 1, sizeof(*w->groups)))) {
			free(w);
			lo_err_set(err, LO_ENOMEM, 0, "out of memory");
			return NULL;
		}
		for (size_t i = 0; i < o->n_groups; i++)
			w->groups[i] = o->groups[i];
		for (size_t i = 0; i < c->n_entities; i++)
			w->groups[o->n_groups + i] = (struct sig_group){c->entities[i].name,
									c->entities[i].members,
									c->entities[i].n_members};
		w->o.groups = w->groups;
		w->o.n_groups = n;
		apply_detect(&w->o, &c->detect);
	}
	if (!w->o.bin)
		w->o.bin = 300;
	if (!w->o.flap_window)
		w->o.flap_window = 600;
	w->o.level.bin = w->o.bin;
	w->o.level.on_event = on_event;
	w->o.level.ctx = w;
	w->o.rate.bin = w->o.bin;
	w->o.rate.on_event = on_event;
	w->o.rate.ctx = w;

	struct rib_opts ro;
	rib_opts_default(&ro);
	if (o->full_feed_ratio > 0)
		ro.full_feed_ratio = o->full_feed_ratio;
	if (o->visibility_ratio > 0)
		ro.visibility_ratio = o->visibility_ratio;
	ro.on_visibility = on_visibility;
	ro.on_route = on_route;
	ro.ctx = w;
	struct sig_tracker_opts so = {
		.geo = o->geo,
		.all_countries = o->all_countries,
		.entities = o->entities,
		.n_entities = o->n_entities,
		.groups = w->o.groups,
		.n_groups = w->o.n_groups,
		.flap_window = w->o.flap_window,
		.on_value = on_value,
		.on_touch = on_touch,
		.on_withdraw = on_withdraw,
		.ctx = w,
	};
	w->rib = rib_new(&ro);
	w->sig = sig_tracker_new(&so);
	if (!w->rib || !w->sig) {
		lo_err_set(err, LO_ENOMEM, 0, "out of memory (or a group without members)");
		watch_free(w);
		return NULL;
	}
	return w;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->n_ents; i++) {
		struct ent *x = w->ents[i];
		if (!x)
			continue;
		for (int k = 0; k < W_COUNT; k++) {
			det_level_free(x->w[k].lvl);
			det_rate_free(x->w[k].rate);
		}
		free(x);
	}
	free(w->ents);
	free(w->groups);
	rib_free(w->rib);
	sig_tracker_free(w->sig);
	free(w);
}

const struct rib *watch_rib(const struct watch *w)
{
	return w->rib;
}

int watch_elem(struct watch *w, uint16_t collector, const struct mrt_elem *e)
{
	w->st.elems++;
	int rc = rib_apply_elem(w->rib, collector, e, NULL);
	if (rc)
		w->st.errors++;
	return rc;
}

static void tick_all(struct watch *w, uint32_t t)
{
	for (unsigned i = 0; i < w->n_ents; i++) {
		struct ent *x = w->ents[i];
		if (!x)
			continue;
		flush_bins(w, i, t);
		maybe_detail(w, x, t);
		w->cur_ent = i;
		for (unsigned k = 0; k < W_COUNT; k++) {
			w->cur_w = k;
			if (x->w[k].lvl)
				det_level_tick(x->w[k].lvl, t);
			if (x->w[k].rate)
				det_rate_tick(x->w[k].rate, t);
		}
	}
}

void watch_time(struct watch *w, uint32_t t)
{
	if (!w->started) {
		w->started = true;
		w->now = t;
		w->last_tick = t - t % w->o.bin;
		store_begin(w->o.store);
		return;
	}
	if (t <= w->now)
		return;
	w->now = t;
	if (t >= w->last_tick + w->o.bin) {
		tick_all(w, t);
		w->last_tick = t - t % w->o.bin;
		/* commit at a bin boundary, at most once a second: a replay goes
		 * through many bins a second, and each commit rewrites every page
		 * the bin touched */
		time_t wall = time(NULL);
		if (wall != w->last_commit) {
			w->last_commit = wall;
			store_commit(w->o.store);
			store_begin(w->o.store);
		}
	}
}

void watch_commit(struct watch *w)
{
	if (!w->started)
		return;
	store_commit(w->o.store);
	store_begin(w->o.store);
	w->last_commit = time(NULL);
}

void watch_dump_begin(struct watch *w, uint16_t collector)
{
	rib_dump_begin(w->rib, collector);
}

void watch_dump_end(struct watch *w, uint16_t collector, uint32_t time)
{
	rib_dump_end(w->rib, collector, time);
}

void watch_finish(struct watch *w)
{
	if (!w->started)
		return;
	tick_all(w, w->last_tick + w->o.bin);
	for (unsigned i = 0; i < w->n_ents; i++) {
		struct ent *x = w->ents[i];
		if (!x)
			continue;
		for (unsigned k = 0; k < W_COUNT; k++) {
			struct wstate *s = &x->w[k];
			if (!s->open)
				continue;
			if (k != W_FLAPS && !s->detail_done)
				make_detail(w, x, k, w->now);
			if (k == W_FLAPS) /* ongoing: the counts so far */
				make_detail(w, x, k, w->now);
			s->ev.end = 0;
			store_event(w, x, s);
		}
	}
	store_commit(w->o.store);
	w->started = false;
}

void watch_stats(const struct watch *w, struct watch_stats *out)
{
	*out = w->st;
	rib_stats(w->rib, &out->rib);
	sig_tracker_stats(w->sig, &out->sig);
}
