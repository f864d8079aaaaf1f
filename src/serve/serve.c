/*
 * DOC: the daemon's main loop — see serve.h.
 */
#include "serve/serve_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <malloc.h>
#include <string.h>
#include <sys/time.h>

#include "geo/geo.h"
#include "store/store.h"

void serve_now(uint32_t *sec, uint32_t *usec)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	*sec = (uint32_t)tv.tv_sec;
	if (usec)
		*usec = (uint32_t)tv.tv_usec;
}

socklen_t serve_sockaddr(const struct bgp_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->b, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->b, 16);
	return sizeof(*sin6);
}

uint16_t serve_addr_of(const struct sockaddr *sa, struct bgp_addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		a->family = 4;
		memcpy(a->b, &sin->sin_addr, 4);
		return ntohs(sin->sin_port);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *v6 = (const uint8_t *)&sin6->sin6_addr;
		if (!memcmp(v6, mapped, 12)) { /* an IPv4 peer on an IPv6 socket */
			a->family = 4;
			memcpy(a->b, v6 + 12, 4);
		} else {
			a->family = 6;
			memcpy(a->b, v6, 16);
		}
		return ntohs(sin6->sin6_port);
	}
	return 0;
}

struct evconnlistener *serve_listen(struct server *s, const struct conf_endpoint *e,
				    evconnlistener_cb cb, void *arg, const char *what,
				    struct lo_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = serve_sockaddr(&e->addr, e->port, &ss);
	char text[80];
	conf_endpoint_fmt(e, text, sizeof(text));
	struct evconnlistener *l =
		evconnlistener_new_bind(s->base, cb, arg, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
					64, (struct sockaddr *)&ss, (int)sl);
	if (!l)
		lo_err_set(err, LO_EIO, LO_NOOFF, "%s listen %s: %s", what, text, strerror(errno));
	else
		lo_log(LO_LOG_INFO, "%s listening on %s", what, text);
	return l;
}

/* A BGP event joins the incident of a probe of its entity (watch_opts). */
static int64_t incident_hint(void *ctx, int64_t entity, uint32_t start)
{
	return probe_side_incident(ctx, entity, start);
}

/* Every second: time moves on for the detectors, the store commits. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	uint32_t now;
	(void)fd;
	(void)what;
	serve_now(&now, NULL);
	watch_time(s->watch, now);
	watch_commit(s->watch);
	alert_tick(s->alert); /* after the watch: a held open goes with its latest detail */
	if (s->feed.rec)
		recorder_rotate(s->feed.rec, now);
	if (s->trim) { /* glibc keeps freed route arrays otherwise */
		s->trim = false;
		malloc_trim(0);
	}
	bgp_side_tick(s);
	flow_side_tick(s);
	probe_side_tick(s);
	http_side_tick(s); /* the status and metrics the API hands out */
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;
	(void)what;
	lo_log(LO_LOG_WARN, "lightsout serve: %s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	s->stopping = true;
	event_base_loopexit(s->base, NULL);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;
	struct conf *c;
	struct lo_err err;
	(void)sig;
	(void)what;
	if (conf_load(&c, s->conf_path, &err)) {
		lo_log(LO_LOG_ERROR, "lightsout serve: SIGHUP: %s; keeping the running config",
		       err.msg);
		return;
	}
	struct conf *old = s->conf;
	s->conf = c;
	bgp_side_reload(s);
	/* the watch keeps pointers into the config it started with */
	if (old->n_entities != c->n_entities || memcmp(&old->detect, &c->detect, sizeof(c->detect)))
		lo_log(LO_LOG_WARN, "lightsout serve: SIGHUP: entities and [detect] settings take "
				    "effect at the next start");
	if (old->n_hostgroups != c->n_hostgroups || old->n_flow_listen != c->n_flow_listen ||
	    old->n_flow_sflow != c->n_flow_sflow)
		lo_log(LO_LOG_WARN, "lightsout serve: SIGHUP: host groups and flow listeners take "
				    "effect at the next start (exporters, script, webhook, syslog "
				    "and hold apply now)");
	/* [alert] is read at each alert: it applies now */
	if (old != s->conf0) /* the watch keeps the first one */
		conf_free(old);
	lo_log(LO_LOG_WARN, "lightsout serve: SIGHUP: %s reloaded", s->conf_path);
}

static const char *collector_name(void *ctx, uint16_t id)
{
	struct server *s = ctx;
	return id < SERVE_MAX_COLLECTORS ? s->collector_names[id] : "";
}

static struct geo_db *load_geo(const struct conf *c, struct lo_err *err)
{
	struct geo_db *geo = geo_db_new();
	if (!geo) {
		lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
		return NULL;
	}
	size_t n = c->n_geo_sources;
	for (size_t i = 0; i < (n ? n : 1); i++) {
		const char *src = n ? c->geo_sources[i] : "libloc";
		if (geo_db_add(geo, src, NULL, err)) {
			geo_db_free(geo);
			return NULL;
		}
	}
	return geo;
}

int serve_main(const struct serve_opts *o)
{
	static struct server s; /* large (collector names); one per process */
	struct lo_err err;
	struct geo_db *geo = NULL;
	struct store *store = NULL;
	struct recorder *rec = NULL;
	struct event *ev_tick = NULL, *ev_term = NULL, *ev_int = NULL, *ev_hup = NULL;
	int status = 1;

	memset(&s, 0, sizeof(s));
	s.conf_path = o->config;
	if (conf_load(&s.conf, o->config, &err)) {
		fprintf(stderr, "lightsout serve: %s\n", err.msg);
		return 1;
	}
	s.conf0 = s.conf;
	if (o->check_only) {
		printf("%s: ok (%zu neighbors, %zu BGP listeners, %s BMP, %zu flow listeners, %zu "
		       "host groups, %zu entities, %zu probes)\n",
		       o->config, s.conf->n_neighbors, s.conf->n_bgp_listen,
		       s.conf->has_bmp_listen ? "with" : "no",
		       s.conf->n_flow_listen + s.conf->n_flow_sflow, s.conf->n_hostgroups,
		       s.conf->n_entities, s.conf->n_probes);
		conf_free(s.conf);
		return 0;
	}
	const char *db = o->db ? o->db : s.conf->store_path ? s.conf->store_path : "lightsout.db";
	if (alert_new(&s.alert, &s, &err) || !(geo = load_geo(s.conf, &err)) ||
	    !(store = store_open(db, &err)) ||
	    (s.conf->bgp_mrt_dir && recorder_new(&rec, s.conf->bgp_mrt_dir, &err))) {
		fprintf(stderr, "lightsout serve: %s\n", err.msg);
		goto out;
	}
	struct watch_opts wo;
	watch_opts_default(&wo);
	wo.geo = geo;
	wo.store = store;
	wo.conf = s.conf;
	wo.live = true;
	wo.collector_name = collector_name;
	wo.on_event = alert_watch_hook;
	wo.incident_hint = incident_hint;
	wo.ctx = &s;
	snprintf(s.collector_names[0], sizeof(s.collector_names[0]), "bgp");
	if (!(s.watch = watch_new(&wo, &err)) || feed_init(&s.feed, s.watch, rec)) {
		fprintf(stderr, "lightsout serve: %s\n", err.msg[0] ? err.msg : "out of memory");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!(s.base = event_base_new())) {
		fprintf(stderr, "lightsout serve: event loop: out of memory\n");
		goto out;
	}
	struct timeval one_s = {1, 0};
	ev_tick = event_new(s.base, -1, EV_PERSIST, on_tick, &s);
	ev_term = evsignal_new(s.base, SIGTERM, on_stop, &s);
	ev_int = evsignal_new(s.base, SIGINT, on_stop, &s);
	ev_hup = evsignal_new(s.base, SIGHUP, on_hup, &s);
	if (!ev_tick || !ev_term || !ev_int || !ev_hup || event_add(ev_tick, &one_s) ||
	    event_add(ev_term, NULL) || event_add(ev_int, NULL) || event_add(ev_hup, NULL)) {
		fprintf(stderr, "lightsout serve: event loop: cannot set up timers and signals\n");
		goto out;
	}
	uint32_t now;
	serve_now(&now, NULL);
	watch_time(s.watch, now);
	s.store = store;
	s.geo = geo;
	if (bgp_side_new(&s, &err) || bmp_side_new(&s, &err) || flow_side_new(&s, &err) ||
	    probe_side_new(&s, &err) || http_side_new(&s, db, o->web, &err)) {
		fprintf(stderr, "lightsout serve: %s\n", err.msg);
		goto out;
	}
	lo_log(LO_LOG_WARN, "lightsout serve: running (store %s, %zu neighbors)", db,
	       s.conf->n_neighbors);
	event_base_dispatch(s.base);
	status = 0;
out:
	http_side_free(&s);  /* first: no answers from a daemon being taken apart */
	flow_side_free(&s);  /* ends attacks (stored), withdraws blackholes */
	probe_side_free(&s); /* ends probe events still open */
	bgp_side_free(&s);   /* CEASE to every established session */
	bmp_side_free(&s);
	if (s.watch) {
		watch_finish(s.watch);
		struct watch_stats st;
		watch_stats(s.watch, &st);
		lo_log(LO_LOG_WARN,
		       "lightsout serve: stopped: %" PRIu64 " records, %" PRIu64 " elems, %" PRIu64
		       " events, %" PRIu64 " errors; RIB: %zu peers, %zu routes, %zu/%zu visible "
		       "IPv4/IPv6 prefixes",
		       s.feed.records, s.feed.elems, st.events, s.feed.errors + st.errors,
		       st.rib.peers, st.rib.routes, st.rib.visible[0], st.rib.visible[1]);
	}
	alert_free(s.alert); /* after the last closes (attacks ended, events finished) */
	s.alert = NULL;
	feed_fini(&s.feed);
	recorder_free(rec);
	watch_free(s.watch);
	if (ev_tick)
		event_free(ev_tick);
	if (ev_term)
		event_free(ev_term);
	if (ev_int)
		event_free(ev_int);
	if (ev_hup)
		event_free(ev_hup);
	if (s.base)
		event_base_free(s.base);
	store_close(store);
	geo_db_free(geo);
	if (s.conf != s.conf0)
		conf_free(s.conf0);
	conf_free(s.conf);
	return status;
}
