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

struct bgp_side;  /* serve_bgp.c */
struct bmp_side;  /* serve_bmp.c */
struct flow_side; /* serve_flow.c */
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
	struct store *store;
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

int bmp_side_new(struct server *s, struct lo_err *err);
void bmp_side_free(struct server *s);

#endif
