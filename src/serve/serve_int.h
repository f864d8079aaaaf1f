/*
 * DOC: serve internals: the recorder (rotating MRT archive), the feed (live
 * records into the archive and the pipeline) and the server state shared by
 * serve.c, serve_bgp.c and serve_bmp.c.
 */
#ifndef LO_SERVE_INT_H
#define LO_SERVE_INT_H

#include <event2/event.h>
#include <event2/listener.h>
#include <sys/socket.h>
#include <stdint.h>

#include "conf/conf.h"
#include "http/http.h"
#include "lib/lib.h"
#include "mrt/mrt.h"
#include "serve/serve.h"
#include "watch/watch.h"

/* ---------------------------------------------------------------- recorder */

#define REC_FILE_SECONDS 900 /* a new update file every 15 minutes */

/*
 * struct recorder - DIR/UPDATES/updates.YYYYMMDD.HHMM.gz, one file per 15
 * minutes of arrival time (RouteViews' layout, so `lightsout replay DIR`
 * and bgpdump read it).  A file appears under its final name only when it
 * is complete (io_create/io_close).
 */
struct recorder;

int recorder_new(struct recorder **out, const char *dir, struct lo_err *err);
/* recorder_write() - append one MRT record received at @now. */
int recorder_write(struct recorder *r, const uint8_t *rec, size_t len, uint32_t now);
/* recorder_rotate() - close the current file if its 15 minutes are over. */
void recorder_rotate(struct recorder *r, uint32_t now);
void recorder_free(struct recorder *r); /* closes the current file */

/* ---------------------------------------------------------------- feed */

/*
 * struct feed - records from live sources: archived (when a recorder is
 * set), decoded and applied to the watch.  One collector id for the whole
 * daemon (peers are told apart by address and ASN).
 */
struct feed {
	struct watch *watch;
	struct recorder *rec;
	struct mrt_writer *build; /* builds records in memory */
	struct mrt_reader *dec;	  /* decodes pushed records */
	uint64_t records, elems, errors;
	struct lo_ratelimit rl;
};

int feed_init(struct feed *f, struct watch *w, struct recorder *rec);
void feed_fini(struct feed *f);

/* What of a record reaches the pipeline (RFC 7606 verdicts); all is archived. */
enum feed_apply {
	FEED_APPLY,	   /* as decoded */
	FEED_AS_WITHDRAW,  /* announcements become withdrawals (treat-as-withdraw) */
	FEED_ARCHIVE_ONLY, /* not applied (a message that reset the session) */
};

/*
 * feed_record() - whole MRT records (from BMP, or built here) of collector
 * @collector: 0 for the BGP neighbors, one id per BMP router connection, so
 * that peers of two routers never merge.
 */
int feed_record(struct feed *f, uint16_t collector, const uint8_t *rec, size_t len, uint32_t now,
		enum feed_apply how);

/* feed_message() - a BGP message received on session @h (MRT_MSG_* @flags). */
int feed_message(struct feed *f, const struct mrt_bgp4mp *h, const uint8_t *msg, size_t len,
		 unsigned flags, enum feed_apply how);

/* feed_state() - session @h changed state (RFC 6396 numbers: 6 Established, 1 Idle). */
int feed_state(struct feed *f, const struct mrt_bgp4mp *h, uint16_t old_state, uint16_t new_state,
	       enum feed_apply how);

/* ---------------------------------------------------------------- server */

#define SERVE_MAX_COLLECTORS 1024 /* BMP connections get ids 1..1023 in turn */
#define SERVE_MAX_RTBH	     4096 /* blackhole routes announced at once */

struct alerter;	   /* serve_alert.c */
struct bgp_side;   /* serve_bgp.c */
struct bmp_side;   /* serve_bmp.c */
struct flow_side;  /* serve_flow.c */
struct http_side;  /* serve_http.c */
struct probe_side; /* serve_probe.c */
struct store;

struct server {
	struct event_base *base;
	const char *conf_path;
	struct conf *conf;  /* the running config */
	struct conf *conf0; /* the one the watch was built with (its groups) */
	struct feed feed;
	struct watch *watch;
	struct bgp_side *bgp;
	struct bmp_side *bmp;
	struct flow_side *flow;
	struct probe_side *probe;
	const struct geo_db *geo; /* [geo] sources */
	struct http_side *http;	  /* [http] listen: the API and /metrics (serve_http.c) */
	struct store *store;
	struct alerter *alert;		      /* alerts of every kind (serve_alert.c) */
	struct bgp_addr rtbh[SERVE_MAX_RTBH]; /* host routes announced with 65535:666 */
	size_t n_rtbh;
	bool stopping;
	bool trim; /* a session's routes went: give the freed memory back (next tick) */
	char collector_names[SERVE_MAX_COLLECTORS][64]; /* 0 "bgp", then "bmp:NAME" */
};

/* Wall clock, seconds and microseconds. */
void serve_now(uint32_t *sec, uint32_t *usec);

/* serve_sockaddr() - @a and @port as a socket address; returns its length. */
socklen_t serve_sockaddr(const struct bgp_addr *a, uint16_t port, struct sockaddr_storage *ss);
/* serve_addr_of() - the address of @sa into @a (IPv4-mapped IPv6 as IPv4); returns the port. */
uint16_t serve_addr_of(const struct sockaddr *sa, struct bgp_addr *a);
/* serve_listen() - a TCP listener on @e calling @cb; logs it as "@what listening on ...". */
struct evconnlistener *serve_listen(struct server *s, const struct conf_endpoint *e,
				    evconnlistener_cb cb, void *arg, const char *what,
				    struct lo_err *err);

/*
 * The BGP side copies what it needs of s->conf: a reload frees the previous
 * config.
 */
int bgp_side_new(struct server *s, struct lo_err *err);
/* bgp_side_reload() - apply the neighbors of s->conf (the new config). */
void bgp_side_reload(struct server *s);
void bgp_side_tick(struct server *s);
void bgp_side_free(struct server *s); /* closes sessions with a CEASE */
/*
 * bgp_side_blackhole() - announce (or withdraw) the host route of @a with
 * community 65535:666 to every neighbor with blackhole = yes, now and to
 * sessions established later.  0, LO_ETOOBIG (SERVE_MAX_RTBH), LO_ENOENT
 * (withdrawing a route not announced).
 */
int bgp_side_blackhole(struct server *s, const struct bgp_addr *a, bool announce);

/*
 * The flow side: UDP collectors on [flow] listen/sflow, decoders, the
 * attack detector and its actions (store, script, webhook, syslog, RTBH).
 */
int flow_side_new(struct server *s, struct lo_err *err);
void flow_side_tick(struct server *s);
void flow_side_free(struct server *s); /* ends ongoing attacks, withdraws blackholes */

/*
 * The probe side: [probe NAME] targets checked every interval (src/probe),
 * series probe.up / probe.rtt_ms / probe.up_blocks / probe.blocks and
 * probe_down events (serve_probe.c).  Targets are read at start (a reload
 * keeps them).
 */
int probe_side_new(struct server *s, struct lo_err *err);
void probe_side_free(struct server *s); /* ends the events still open */
void probe_side_tick(struct server *s); /* every second: the detectors see time pass */
/*
 * probe_side_incident() - the incident of a probe_down event, open at @t or
 * ended within the hour before it, of a target linked to entity @entity
 * (its host:ADDR, its country, its entity = ones); 0 when there is none.
 * Attacks and BGP events starting at @t join it.
 */
int64_t probe_side_incident(struct server *s, int64_t entity, int64_t t);

int bmp_side_new(struct server *s, struct lo_err *err);
void bmp_side_free(struct server *s);

/*
 * The HTTP side (serve_http.c): when [http] listen is set, the API,
 * /metrics and the dashboard (src/http) on their own threads, reading the
 * store through their own connections.  What the daemon adds to
 * /api/v1/status and /metrics is a snapshot remade every second on the
 * loop (http_side_tick) by the *_side_report() functions below, so the
 * HTTP threads never touch the daemon's state.
 */
int http_side_new(struct server *s, const char *db, const char *web_root, struct lo_err *err);
void http_side_tick(struct server *s);
void http_side_free(struct server *s);

/*
 * *_side_report() - append the side's `,"name":{...}` member to @status and
 * its metric families to @metrics (Prometheus text); the malformed inputs
 * it counted so far into *@malformed.
 */
void bgp_side_report(struct server *s, struct lo_buf *status, struct lo_buf *metrics,
		     uint64_t *malformed);
void bmp_side_report(struct server *s, struct lo_buf *status, struct lo_buf *metrics);
void flow_side_report(struct server *s, struct lo_buf *status, struct lo_buf *metrics,
		      uint64_t *malformed);
void probe_side_report(struct server *s, struct lo_buf *status, struct lo_buf *metrics);

/* ---------------------------------------------------------------- alerts */

/*
 * The alert gate: which changes of which events become alerts
 * (deduplication, the open delay, the rate limit).  Pure: no I/O, times
 * given by the caller (seconds), so it is unit-tested alone
 * (tests/unit/test_alert.c).  Events are told apart by @key (a store event
 * id).  At most @max_tracked events are followed at once (open alerts sent
 * and opens held back).
 */
enum alert_change { ALERT_OPEN, ALERT_UPDATE, ALERT_CLOSE, ALERT_CANCEL };

enum alert_verdict {
	ALERT_SEND,	   /* send this change now */
	ALERT_SEND_HELD,   /* a close of a held open that lasted the delay: send both */
	ALERT_SEND_CANCEL, /* a cancel of an event whose open was sent: send a close
			    * marked "cancelled" */
	ALERT_HOLD,	   /* an open held back for the delay (or a change to one) */
	ALERT_HELD_BACK,   /* it ended within the delay: nothing is ever sent for it */
	ALERT_QUIET,	   /* nothing new: a duplicate, the same severity, no open sent */
	ALERT_SUPPRESSED,  /* over max_per_minute: counted, summarised later */
	ALERT_FULL,	   /* max_tracked events followed already */
};

struct alert_gate_ent {
	uint64_t key;
	int64_t due;	   /* a held open may be sent from then on */
	unsigned severity; /* last sent, or (held) the latest */
	int state;	   /* sent, held, or muted (its open was suppressed) */
};

struct alert_gate {
	struct alert_gate_ent *ents;
	size_t n, max;
	int64_t *sent; /* ring: times of the last @rate alerts sent */
	unsigned rate; /* max_per_minute, 0: no limit */
	unsigned head, n_sent;
	uint64_t pending; /* suppressed since the last summary */
	int64_t pending_since;
};

/* alert_gate_init() - @max_tracked events, @max_per_minute (0: no limit); 0 or LO_ENOMEM. */
int alert_gate_init(struct alert_gate *g, size_t max_tracked, unsigned max_per_minute);
void alert_gate_fini(struct alert_gate *g);
/* alert_gate_rate() - a new max_per_minute (forgets the alerts counted so far). */
int alert_gate_rate(struct alert_gate *g, unsigned max_per_minute);

/*
 * alert_gate_offer() - event @key (started at @start, ended at @end, 0 when
 * open; severity @sev, higher is worse) changed by @what at @now; its open
 * is held until @start + @delay.  Rules:
 * - OPEN: held when @now is before the due time, else sent (one per key;
 *   a repeated open is quiet);
 * - UPDATE: of a held open, refreshes it (HOLD); of a sent one, sent only
 *   when @sev differs from the severity last sent; else quiet;
 * - CLOSE: sent only when the open was; a held open whose event lasted the
 *   delay (@end >= due) is sent with it (SEND_HELD); one that did not is
 *   HELD_BACK;
 * - CANCEL: of a held open, HELD_BACK; of a sent open, SEND_CANCEL.
 * Opens and updates count against max_per_minute (any 60 s) and are
 * SUPPRESSED beyond it (a suppressed open mutes its event: nothing more is
 * sent for it); closes of sent opens always go, so that a receiver never
 * keeps an alert open for ever, and are counted.  Closes and cancels stop
 * following the key.
 */
enum alert_verdict alert_gate_offer(struct alert_gate *g, enum alert_change what, uint64_t key,
				    unsigned sev, int64_t start, int64_t end, int64_t delay,
				    int64_t now);

/* alert_gate_knows() - whether @key is followed (sent or held). */
bool alert_gate_knows(const struct alert_gate *g, uint64_t key);

/*
 * alert_gate_due() - the next held open due at @now: 1 with *@key and
 * *@v (SEND, or SUPPRESSED: it is forgotten), 0 when there is none.
 */
int alert_gate_due(struct alert_gate *g, int64_t now, uint64_t *key, enum alert_verdict *v);

/*
 * alert_gate_summary() - the number of alerts suppressed, once the first
 * of them is 60 s old (and then reset); 0 otherwise.  @now < 0: whatever
 * is pending (at stop).
 */
uint64_t alert_gate_summary(struct alert_gate *g, int64_t now);

/*
 * The dispatcher: [alert] webhook, script and syslog for every kind
 * (filtered by [alert] kinds), [flow] webhook, script and syslog for
 * attacks.  Webhook POSTs go through a bounded queue to one worker thread
 * (libcurl multi: retries with backoff); scripts are spawned without a
 * shell and reaped by alert_tick().  See docs/alerts.md.
 */

/*
 * struct alert_extra - what an alert of an attack says its own way
 * (FastNetMon's script convention, the flow side's syslog line); any
 * member may be NULL.
 * @script_argv: argv[1..] of the scripts, NULL-terminated
 * @script_stdin: the scripts' standard input
 * @syslog_text: the syslog line
 */
struct alert_extra {
	const char *const *script_argv;
	const char *script_stdin;
	const char *syslog_text;
};

struct alert_stats {
	uint64_t sent[3];   /* open, update, close */
	uint64_t held_back; /* events that ended within the delay */
	uint64_t suppressed, quiet, full;
	uint64_t posted, retries, failed, dropped; /* webhook POSTs */
	uint64_t scripts, script_errors;
};

/* alert_new() - the dispatcher of @s (reads s->conf at each alert); 0 or LO_ENOMEM. */
int alert_new(struct alerter **out, struct server *s, struct lo_err *err);

/*
 * alert_event() - event @ev (as stored, entity text @entity) changed by
 * @what; @key tells events apart (the event id).  Attacks are never held
 * back; other kinds for [alert] delay.  @x may be NULL.  @a may be NULL.
 */
void alert_event(struct alerter *a, enum alert_change what, uint64_t key,
		 const struct store_event *ev, const char *entity, const struct alert_extra *x);

/* alert_watch_hook() - the watch's on_event hook; @ctx is the struct server. */
void alert_watch_hook(void *ctx, enum watch_change what, const struct store_event *ev,
		      const char *entity);

/* alert_tick() - every second: held opens now due, script exits, the rate summary. */
void alert_tick(struct alerter *a);

/* alert_stats() - the counters so far (webhook ones from the worker, under its lock). */
void alert_stats(struct alerter *a, struct alert_stats *out);

/*
 * alert_free() - drop opens still held, give webhook POSTs still queued
 * up to 5 s, log the counters.  NULL is fine.
 */
void alert_free(struct alerter *a);

#endif
