/*
 * DOC: http — the read-only HTTP API, Prometheus /metrics and the
 * dashboard's static files, on libevent's evhttp (docs/api.md).
 *
 *   GET /api/v1/entities  ?q=TEXT&limit=N
 *   GET /api/v1/signals   ?entity=E
 *   GET /api/v1/series    ?entity=E&signal=S&from=T&until=T&bin=SECONDS
 *   GET /api/v1/events    ?entity=&kind=&severity=&since=&until=&ongoing=0|1&limit=&order=
 *   GET /api/v1/attacks   ?entity=&since=&until=&ongoing=&limit=&order=
 *   GET /api/v1/incidents ?entity=&since=&until=&ongoing=&limit=&order=
 *   GET /api/v1/status
 *   GET /metrics
 *   GET /...              files under the web root (the dashboard)
 *
 * The server runs on its own threads, each with its own event loop, its
 * own read-only connection to the store (WAL: readers never block the
 * writer) and its own cache of answers (valid until another connection
 * commits), so a slow query or a burst of requests never delays the
 * daemon's BGP sessions or flow collectors.  Everything that grows from a
 * request is capped: header size, body, URL, parameters, rows, response
 * size, query time, connections, and the time a connection may take to
 * send a request (slow clients are cut off).
 *
 * Not here: TLS, authentication, writes of any kind.  Put a reverse proxy
 * in front for those; the default listen address is loopback.
 */
#ifndef LO_HTTP_H
#define LO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/lib.h"
#include "store/store.h"

/*
 * struct http_source - what the daemon adds to /api/v1/status and
 * /metrics (optional).  Both are called on the HTTP server's threads, never
 * on the caller's loop, possibly at the same time: they must be
 * thread-safe (serve hands out a snapshot it refreshes every second).
 * @status:  append JSON object members, each starting with a comma
 *           (`,"bgp":{...},"flow":{...}`)
 * @metrics: append Prometheus text exposition lines: # HELP, # TYPE and
 *           samples, metric names starting with lightsout_
 */
struct http_source {
	void (*status)(void *ctx, struct lo_buf *json_members);
	void (*metrics)(void *ctx, struct lo_buf *text);
	void *ctx;
};

/*
 * struct http_opts - set by http_opts_init(), then:
 * @addr, @addr_len: where to listen (required; port 0 picks one: http_port())
 * @db:           the store to read (required); opened once per thread
 * @web_root:     directory of static files; NULL serves none (404)
 * @mode:         "serve" or "dashboard", reported by /api/v1/status
 * @source:       the daemon's status and metrics (optional)
 * @threads:      server threads [2]
 * @max_conns:    open connections at most, over all threads [256]; more
 *                wait in the kernel's accept queue
 * @timeout_s:    a connection must send each request within this many
 *                seconds of connecting or of its previous request, and
 *                make progress reading answers [10]
 * @query_ms:     time cap of one request's store queries [2000]
 * @max_response: bytes of one answer at most [32 MiB]
 * @cache_bytes:  answers cached per thread [32 MiB]; 0 turns the cache off
 */
struct http_opts {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	const char *db;
	const char *web_root;
	const char *mode;
	struct http_source source;
	unsigned threads;
	unsigned max_conns;
	unsigned timeout_s;
	unsigned query_ms;
	size_t max_response;
	size_t cache_bytes;
};

void http_opts_init(struct http_opts *o);

struct http;

/*
 * http_start() - bind, open the store and start the server threads.
 * Returns 0 with *@out set, or LO_EINVAL (options), LO_EIO (bind, store,
 * web root), LO_ENOMEM, with @err filled.
 */
int http_start(struct http **out, const struct http_opts *o, struct lo_err *err);

/* http_port() - the port listened on (the one picked when asked for 0). */
uint16_t http_port(const struct http *h);

/* http_stop() - stop the threads, close connections and the store; NULL is fine. */
void http_stop(struct http *h);

/*
 * http_addr_parse() - "ADDR:PORT" or "[IPV6]:PORT" (numeric only) into
 * @ss; 0 or LO_EINVAL.
 */
int http_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/* ---------------------------------------------------------------- JSON */

/* http_json_str() - @s (NULL: "") as a JSON string, escaped (RFC 8259 §7). */
int http_json_str(struct lo_buf *b, const char *s);

/*
 * http_json_event() - one event as DESIGN.md §3's object, exactly as
 * `lightsout events --format json` prints it (without the newline): id,
 * entity, signal, kind, severity, start, end (null while ongoing),
 * duration_s, baseline, min, score, incident, detail.
 */
int http_json_event(struct lo_buf *b, const struct store_event_row *r);

/*
 * http_prom_label() - @s as a quoted Prometheus label value: backslash,
 * quote and newline escaped, other control and non-ASCII bytes as '?'.
 */
int http_prom_label(struct lo_buf *b, const char *s);

#endif
