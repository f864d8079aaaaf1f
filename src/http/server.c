/*
 * DOC: the HTTP server: evhttp on worker threads that share one listening
 * socket.  Each worker has its own event loop, store connection (read only,
 * queries under a deadline), answer cache and counters of its connections.
 *
 * Hostile clients (DESIGN.md §7):
 * - request line and headers together at most HTTP_HEADERS_SIZE bytes
 *   (evhttp answers 400 and closes), at most HTTP_HEADERS_MAX header lines
 *   (431), a body of at most HTTP_BODY_MAX bytes (413), a request target of
 *   at most HTTP_URI_MAX bytes (414);
 * - only GET and HEAD (405 with Allow);
 * - evhttp's inactivity timeout, and a deadline of our own: a connection
 *   must deliver each complete request within timeout_s of connecting or of
 *   its previous answer (plus the time to read that answer at 64 KiB/s),
 *   or it is shut down.  So a client sending its headers a byte at a time
 *   (slowloris) holds a connection for timeout_s at most;
 * - at most max_conns connections (split over the workers): a worker at
 *   its share stops accepting until one closes; the rest wait in the
 *   kernel's queue.
 *
 * Connection accounting: libevent 2.1 has no connection limit and no hook
 * for a new server connection, so the bufferevent callback (called for each
 * accepted socket) counts it and queues it; right after, in the same loop
 * iteration and before any I/O on it, an "adopt" event registers a close
 * callback on its evhttp connection (the bufferevent's callback argument).
 *
 * The answer cache: GET answers of the API that depend only on the store
 * (not status or metrics) are kept per worker, keyed by the request target,
 * and dropped as soon as the store's data version moves (another
 * connection committed).  A hit is sent by reference, without a copy.
 *
 * Compression: answers of GZIP_MIN bytes or more go gzipped to clients that
 * accept it (browsers): at level 1 when made for one request, at level 6
 * once for a cached answer asked for again.  Static files go as they are
 * (sendfile).  Sockets have TCP_NODELAY: an answer's last segment must not
 * wait for the client's delayed ACK.
 */
#include "http/http_int.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define CACHE_ENTRIES 64
#define GZIP_MIN      1024 /* smaller answers go as they are */

struct blob {
	unsigned refs; /* the cache's and each output buffer's; one thread only */
	size_t len;
	char data[];
};

struct centry {
	char *key;
	struct blob *body;
	struct blob *gz; /* the body gzipped (NULL: small) */
	int status;
	const char *type, *cache;
	uint64_t used;
};

struct cache {
	struct centry e[CACHE_ENTRIES];
	size_t bytes, max;
	uint64_t clock;
	int64_t version; /* the store's data version the entries belong to */
};

struct worker;

struct conn {
	struct worker *w;
	struct bufferevent *bev;
	struct evhttp_connection *evcon; /* once adopted */
	struct event *deadline;
	struct conn *prev, *next;
};

struct worker {
	struct http *h;
	pthread_t thread;
	bool running;
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *lis;
	struct event *ev_stop, *ev_adopt;
	struct conn *pending; /* counted, not yet adopted */
	struct conn *conns;
	unsigned n_conns, max_conns;
	bool paused;
	struct store *store;
	struct http_api api;
	struct http_resp resp;
	struct lo_buf gz; /* an answer gzipped */
	struct cache cache;
};

struct http {
	struct http_opts o;
	char *db, *mode, *web_root; /* copies; web_root is the realpath */
	int fd;
	uint16_t port;
	int stop[2]; /* a pipe: readable means stop */
	struct worker *w;
	unsigned n;
	struct http_stats stats;
};

static void stat_add(uint64_t *v, uint64_t n)
{
	__atomic_fetch_add(v, n, __ATOMIC_RELAXED);
}

void http_opts_init(struct http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = "dashboard";
	o->threads = 2;
	o->max_conns = 256;
	o->timeout_s = 10;
	o->query_ms = 2000;
	o->max_response = 32u << 20;
	o->cache_bytes = 32u << 20;
}

/* ---------------------------------------------------------------- cache */

static void blob_unref(struct blob *b)
{
	if (b && !--b->refs)
		free(b);
}

static void blob_cleanup(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	blob_unref(arg);
}

static void cache_drop(struct cache *c, struct centry *e)
{
	if (!e->key)
		return;
	c->bytes -= e->body->len + (e->gz ? e->gz->len : 0) + strlen(e->key);
	free(e->key);
	blob_unref(e->body);
	blob_unref(e->gz);
	memset(e, 0, sizeof(*e));
}

/* gzip() - @n bytes at @p as a gzip member (RFC 1952) into @out; 0 or LO_E*. */
static int gzip(const char *p, size_t n, int level, struct lo_buf *out)
{
	z_stream z = {0};
	lo_buf_reset(out);
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return LO_ENOMEM;
	size_t bound = deflateBound(&z, (uLong)n);
	int rc = lo_buf_grow(out, bound);
	if (!rc) {
		z.next_in = (Bytef *)p;
		z.avail_in = (uInt)n;
		z.next_out = (Bytef *)out->p;
		z.avail_out = (uInt)bound;
		if (deflate(&z, Z_FINISH) == Z_STREAM_END)
			out->len = z.total_out;
		else
			rc = LO_EIO;
	}
	deflateEnd(&z);
	return rc;
}

static struct blob *blob_new(const char *p, size_t n)
{
	struct blob *b = malloc(sizeof(*b) + n);
	if (b) {
		b->refs = 1;
		b->len = n;
		memcpy(b->data, p, n);
	}
	return b;
}

static void cache_clear(struct cache *c)
{
	for (size_t i = 0; i < CACHE_ENTRIES; i++)
		cache_drop(c, &c->e[i]);
}

/* cache_check() - forget everything when the store changed since the entries were made. */
static void cache_check(struct cache *c, struct store *s)
{
	int64_t v = store_data_version(s);
	if (v < 0 || v != c->version) {
		cache_clear(c);
		c->version = v;
	}
}

static struct centry *cache_find(struct cache *c, const char *key)
{
	for (size_t i = 0; i < CACHE_ENTRIES; i++)
		if (c->e[i].key && !strcmp(c->e[i].key, key)) {
			c->e[i].used = ++c->clock;
			return &c->e[i];
		}
	return NULL;
}

/* cache_put() - keep @r's body for @key, evicting the least recently used; NULL if not kept. */
static struct centry *cache_put(struct cache *c, const char *key, const struct http_resp *r)
{
	size_t kl = strlen(key), need = r->body.len + kl;
	if (!c->max || need > c->max / 4)
		return NULL;
	struct centry *slot = NULL;
	for (;;) { /* room: a free slot and the bytes */
		struct centry *lru = NULL;
		slot = NULL;
		for (size_t i = 0; i < CACHE_ENTRIES; i++) {
			if (!c->e[i].key)
				slot = slot ? slot : &c->e[i];
			else if (!lru || c->e[i].used < lru->used)
				lru = &c->e[i];
		}
		if (slot && c->bytes + need <= c->max)
			break;
		if (!lru)
			return NULL;
		cache_drop(c, lru);
	}
	struct blob *b = blob_new(r->body.p, r->body.len);
	char *k = strdup(key);
	if (!b || !k) {
		blob_unref(b);
		free(k);
		return NULL;
	}
	*slot = (struct centry){k, b, NULL, r->status, r->type, r->cache, ++c->clock};
	c->bytes += need;
	return slot;
}

/* cache_gzip() - add the gzip form of @e's body (when it fits in the cache's bytes). */
static void cache_gzip(struct cache *c, struct centry *e, struct lo_buf *tmp)
{
	if (gzip(e->body->data, e->body->len, 6, tmp) || c->bytes + tmp->len > c->max ||
	    !(e->gz = blob_new(tmp->p, tmp->len)))
		return;
	c->bytes += tmp->len;
}

/* ---------------------------------------------------------------- connections */

static void arm_deadline(struct conn *c, size_t answer_bytes)
{
	struct timeval tv = {(time_t)(c->w->h->o.timeout_s + answer_bytes / 65536), 0};
	evtimer_add(c->deadline, &tv);
}

/* The client did not send a complete request in time: make evhttp see the end of it. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	evutil_socket_t s = bufferevent_getfd(c->bev);
	stat_add(&c->w->h->stats.conns_cut, 1);
	if (s >= 0)
		shutdown(s, SHUT_RDWR);
}

static void list_del(struct conn **head, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		*head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void list_add(struct conn **head, struct conn *c)
{
	c->prev = NULL;
	c->next = *head;
	if (*head)
		(*head)->prev = c;
	*head = c;
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;
	struct worker *w = c->w;
	(void)evcon;
	list_del(&w->conns, c);
	event_free(c->deadline);
	free(c);
	w->n_conns--;
	__atomic_fetch_sub(&w->h->stats.conns_open, 1, __ATOMIC_RELAXED);
	if (w->paused && w->n_conns < w->max_conns) {
		w->paused = false;
		evconnlistener_enable(w->lis);
	}
}

static void on_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	while (w->pending) {
		struct conn *c = w->pending;
		void *cbarg = NULL;
		list_del(&w->pending, c);
		bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
		c->evcon = cbarg; /* evhttp's callbacks take the connection */
		evhttp_connection_set_closecb(c->evcon, on_close, c);
		list_add(&w->conns, c);
		arm_deadline(c, 0);
		/* answers go out whole: no Nagle wait for the last segment (the
		 * client's delayed ACK would add 40 ms), and writes larger than
		 * libevent's default 16 KiB */
		int one = 1;
		evutil_socket_t s = bufferevent_getfd(c->bev);
		if (s >= 0)
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		bufferevent_set_max_single_write(c->bev, 256 << 10);
	}
}

/* A socket was accepted: evhttp asks for its bufferevent. */
static struct bufferevent *on_new_conn(struct event_base *base, void *arg)
{
	struct worker *w = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, 0); /* evhttp closes the fd */
	struct conn *c = bev ? calloc(1, sizeof(*c)) : NULL;
	stat_add(&w->h->stats.conns_total, 1);
	if (!c)
		return bev; /* not counted: evhttp still serves it */
	c->w = w;
	c->bev = bev;
	if (!(c->deadline = evtimer_new(base, on_deadline, c))) {
		free(c);
		return bev;
	}
	list_add(&w->pending, c);
	event_active(w->ev_adopt, EV_TIMEOUT, 0);
	w->n_conns++;
	__atomic_fetch_add(&w->h->stats.conns_open, 1, __ATOMIC_RELAXED);
	if (w->n_conns >= w->max_conns && !w->paused) {
		w->paused = true;
		evconnlistener_disable(w->lis);
	}
	return bev;
}

static struct conn *conn_of(struct worker *w, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	for (struct conn *c = w->conns; c; c = c->next)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

/* ---------------------------------------------------------------- requests */

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	default:
		return status >= 500 ? "Internal Server Error" : "Error";
	}
}

static void http_date(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		buf[0] = 0;
}

/* accepts_gzip() - the request's Accept-Encoding names gzip (and not with q=0). */
static bool accepts_gzip(struct evhttp_request *req)
{
	const char *ae =
		evhttp_find_header(evhttp_request_get_input_headers(req), "Accept-Encoding");
	const char *g = ae ? strstr(ae, "gzip") : NULL;
	return g && strncmp(g + 4, ";q=0", 4) != 0;
}

static void send_answer(struct worker *w, struct evhttp_request *req, int status, const char *type,
			const char *cache, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", cache);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	stat_add(&w->h->stats.requests[status / 100 < 6 ? status / 100 : 0], 1);
	stat_add(&w->h->stats.bytes_out, evbuffer_get_length(body));
	evhttp_send_reply(req, status, reason(status), body);
}

static void send_error(struct worker *w, struct evhttp_request *req, int status, const char *msg)
{
	struct evbuffer *out = evbuffer_new();
	if (!out) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	http_resp_error(&w->resp, status, msg);
	evbuffer_add(out, w->resp.body.p, w->resp.body.len);
	if (status == 405)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
	send_answer(w, req, status, w->resp.type, w->resp.cache, out);
	evbuffer_free(out);
}

/* send_blob() - a cached answer, by reference; gzipped when the client takes it. */
static size_t send_blob(struct worker *w, struct evhttp_request *req, const struct centry *e)
{
	struct evbuffer *out = evbuffer_new();
	struct blob *b = e->gz && accepts_gzip(req) ? e->gz : e->body;
	if (!out) {
		evhttp_send_error(req, 503, NULL);
		return 0;
	}
	b->refs++;
	if (evbuffer_add_reference(out, b->data, b->len, blob_cleanup, b))
		blob_unref(b);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Vary", "Accept-Encoding");
	if (b == e->gz)
		evhttp_add_header(h, "Content-Encoding", "gzip");
	send_answer(w, req, e->status, e->type, e->cache, out);
	evbuffer_free(out);
	return b->len;
}

/* send_body() - an answer made now; gzipped (fast) when large and the client takes it. */
static size_t send_body(struct worker *w, struct evhttp_request *req, const struct http_resp *r)
{
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	if (!out) {
		evhttp_send_error(req, 503, NULL);
		return 0;
	}
	evhttp_add_header(h, "Vary", "Accept-Encoding");
	if (r->body.len >= GZIP_MIN && accepts_gzip(req) &&
	    !gzip(r->body.p, r->body.len, 1, &w->gz)) {
		evhttp_add_header(h, "Content-Encoding", "gzip");
		evbuffer_add(out, w->gz.p, w->gz.len);
	} else {
		evbuffer_add(out, r->body.p, r->body.len);
	}
	size_t n = evbuffer_get_length(out);
	send_answer(w, req, r->status, r->type, r->cache, out);
	evbuffer_free(out);
	return n;
}

static unsigned header_count(struct evhttp_request *req)
{
	unsigned n = 0;
	for (struct evkeyval *kv = evhttp_request_get_input_headers(req)->tqh_first; kv;
	     kv = kv->next.tqe_next)
		n++;
	return n;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct worker *w = arg;
	struct conn *c = conn_of(w, req);
	const char *uri = evhttp_request_get_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	size_t sent = 0;

	if (!uri || strlen(uri) > HTTP_URI_MAX) {
		send_error(w, req, 414, "request target too long");
		goto out;
	}
	if (header_count(req) > HTTP_HEADERS_MAX) {
		send_error(w, req, 431, "too many header lines");
		goto out;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		send_error(w, req, 405, "only GET and HEAD: the API is read-only");
		goto out;
	}
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;
	if (!u || !path || path[0] != '/') {
		send_error(w, req, 400, "bad request target");
		goto out;
	}
	const char *query = evhttp_uri_get_query(u);

	cache_check(&w->cache, w->store);
	struct centry *hit = cache_find(&w->cache, uri);
	if (hit && !hit->gz && hit->body->len >= GZIP_MIN && accepts_gzip(req))
		cache_gzip(&w->cache, hit, &w->gz); /* asked again: worth compressing well, once */
	if (hit) {
		stat_add(&w->h->stats.cache_hits, 1);
		sent = send_blob(w, req, hit);
		goto out;
	}

	struct http_resp *r = &w->resp;
	http_api_get(&w->api, path, query, r);
	if (r->fd >= 0) { /* a static file */
		struct evkeyvalq *h = evhttp_request_get_output_headers(req);
		char date[64];
		http_date(r->mtime, date, sizeof(date));
		const char *ims = evhttp_find_header(evhttp_request_get_input_headers(req),
						     "If-Modified-Since");
		struct evbuffer *out = evbuffer_new();
		if (!out) {
			close(r->fd);
			evhttp_send_error(req, 503, NULL);
			goto out;
		}
		if (date[0])
			evhttp_add_header(h, "Last-Modified", date);
		if (ims && date[0] && !strcmp(ims, date)) {
			close(r->fd);
			send_answer(w, req, 304, r->type, r->cache, out);
		} else if (evbuffer_add_file(out, r->fd, 0, r->size)) { /* takes the fd */
			evbuffer_free(out);
			send_error(w, req, 503, "cannot send the file");
			goto out;
		} else {
			sent = (size_t)r->size;
			send_answer(w, req, 200, r->type, r->cache, out);
		}
		evbuffer_free(out);
		goto out;
	}
	if (r->cacheable && r->status == 200 && cmd == EVHTTP_REQ_GET)
		cache_put(&w->cache, uri, r);
	sent = send_body(w, req, r);
out:
	if (c)
		arm_deadline(c, sent);
}

/* ---------------------------------------------------------------- workers */

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	event_base_loopbreak(w->base);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	event_base_dispatch(w->base);
	return NULL;
}

static int worker_init(struct http *h, struct worker *w, struct lo_err *err)
{
	w->h = h;
	w->max_conns = h->o.max_conns / h->n ? h->o.max_conns / h->n : 1;
	w->cache.max = h->o.cache_bytes;
	w->cache.version = -1;
	http_resp_init(&w->resp, h->o.max_response);
	lo_buf_init(&w->gz, h->o.max_response + (h->o.max_response >> 4) + 1024);
	if (!(w->store = store_open_reader(h->db, err)))
		return LO_EIO;
	store_set_timeout(w->store, h->o.query_ms);
	http_api_init(&w->api, w->store, &h->o, h->web_root, &h->stats);
	if (!(w->base = event_base_new()) || !(w->http = evhttp_new(w->base)))
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "http: out of memory");
	w->lis = evconnlistener_new(w->base, NULL, NULL, LEV_OPT_CLOSE_ON_EXEC, -1, h->fd);
	if (!w->lis || !evhttp_bind_listener(w->http, w->lis)) {
		if (w->lis)
			evconnlistener_free(w->lis);
		w->lis = NULL;
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "http: out of memory");
	}
	evhttp_set_timeout(w->http, (int)h->o.timeout_s);
	evhttp_set_max_headers_size(w->http, HTTP_HEADERS_SIZE);
	evhttp_set_max_body_size(w->http, HTTP_BODY_MAX);
	/* every method reaches on_request, which says 405 (evhttp would say 501) */
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
						    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(w->http, on_new_conn, w);
	evhttp_set_gencb(w->http, on_request, w);
	w->ev_stop = event_new(w->base, h->stop[0], EV_READ, on_stop, w);
	w->ev_adopt = event_new(w->base, -1, 0, on_adopt, w);
	if (!w->ev_stop || !w->ev_adopt || event_add(w->ev_stop, NULL))
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "http: out of memory");
	return 0;
}

static void worker_fini(struct worker *w)
{
	if (w->http)
		evhttp_free(w->http); /* closes connections: on_close frees ours */
	while (w->pending) {	      /* never adopted (no loop ran) */
		struct conn *c = w->pending;
		list_del(&w->pending, c);
		event_free(c->deadline);
		free(c);
	}
	if (w->ev_stop)
		event_free(w->ev_stop);
	if (w->ev_adopt)
		event_free(w->ev_adopt);
	if (w->base)
		event_base_free(w->base);
	cache_clear(&w->cache);
	http_api_fini(&w->api);
	http_resp_fini(&w->resp);
	lo_buf_fini(&w->gz);
	store_close(w->store);
}

static int listen_socket(struct http *h, struct lo_err *err)
{
	const struct sockaddr *sa = (const struct sockaddr *)&h->o.addr;
	int one = 1;
	h->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(h->fd, sa, h->o.addr_len) || listen(h->fd, 128))
		return lo_err_set(err, LO_EIO, LO_NOOFF, "http: listen: %s", strerror(errno));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(h->fd, (struct sockaddr *)&ss, &sl))
		return lo_err_set(err, LO_EIO, LO_NOOFF, "http: getsockname: %s", strerror(errno));
	h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int http_start(struct http **out, const struct http_opts *o, struct lo_err *err)
{
	*out = NULL;
	if (!o->db || !o->addr_len || !o->threads || o->threads > 64 || !o->max_conns ||
	    !o->timeout_s || !o->max_response)
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "http: bad options");
	struct http *h = calloc(1, sizeof(*h));
	if (!h)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "http: out of memory");
	h->fd = -1;
	h->stop[0] = h->stop[1] = -1;
	h->o = *o;
	h->n = o->threads;
	int rc = LO_ENOMEM;
	if (!(h->db = strdup(o->db)) || !(h->mode = strdup(o->mode ? o->mode : "dashboard")) ||
	    !(h->w = calloc(h->n, sizeof(*h->w)))) {
		lo_err_set(err, LO_ENOMEM, LO_NOOFF, "http: out of memory");
		goto fail;
	}
	h->o.db = h->db;
	h->o.mode = h->mode;
	if (o->web_root) {
		char real[PATH_MAX];
		if (!realpath(o->web_root, real) || !(h->web_root = strdup(real))) {
			rc = lo_err_set(err, LO_EIO, LO_NOOFF, "http: web root %s: %s", o->web_root,
					strerror(errno));
			goto fail;
		}
	}
	h->o.web_root = h->web_root;
	if ((rc = listen_socket(h, err)))
		goto fail;
	if (pipe2(h->stop, O_CLOEXEC | O_NONBLOCK)) {
		rc = lo_err_set(err, LO_EIO, LO_NOOFF, "http: pipe: %s", strerror(errno));
		goto fail;
	}
	for (unsigned i = 0; i < h->n; i++)
		if ((rc = worker_init(h, &h->w[i], err)))
			goto fail;
	/* the workers take no signals: the caller's thread handles them */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < h->n; i++) {
		if (pthread_create(&h->w[i].thread, NULL, worker_main, &h->w[i])) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			rc = lo_err_set(err, LO_ENOMEM, LO_NOOFF, "http: cannot start a thread");
			goto fail;
		}
		h->w[i].running = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*out = h;
	return 0;
fail:
	http_stop(h);
	return rc;
}

uint16_t http_port(const struct http *h)
{
	return h->port;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	if (h->stop[1] >= 0) {
		ssize_t n;
		do
			n = write(h->stop[1], "x", 1);
		while (n < 0 && errno == EINTR);
	}
	for (unsigned i = 0; h->w && i < h->n; i++)
		if (h->w[i].running)
			pthread_join(h->w[i].thread, NULL);
	for (unsigned i = 0; h->w && i < h->n; i++)
		worker_fini(&h->w[i]);
	if (h->fd >= 0)
		close(h->fd);
	if (h->stop[0] >= 0)
		close(h->stop[0]);
	if (h->stop[1] >= 0)
		close(h->stop[1]);
	free(h->w);
	free(h->db);
	free(h->mode);
	free(h->web_root);
	free(h);
}
