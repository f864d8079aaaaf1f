/*
 * DOC: http internals: the query-string parser and parameter checks
 * (query.c), JSON helpers (json.c), the API as a function from a request
 * to an answer, without sockets (api.c), static files (files.c); the
 * server glue is server.c.
 */
#ifndef LO_HTTP_INT_H
#define LO_HTTP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "http/http.h"
#include "lib/lib.h"
#include "store/store.h"

#define HTTP_VERSION	   "0.1.0"
#define HTTP_URI_MAX	   4096 /* request target, bytes */
#define HTTP_QUERY_MAX	   2048 /* query string, bytes */
#define HTTP_PARAMS_MAX	   16
#define HTTP_NAME_MAX	   32	/* parameter name */
#define HTTP_HEADERS_SIZE  8192 /* request line and headers, bytes */
#define HTTP_HEADERS_MAX   64	/* header lines */
#define HTTP_BODY_MAX	   4096 /* request body (nothing takes one) */
#define HTTP_LIMIT_DEFAULT 1000 /* rows */
#define HTTP_LIMIT_MAX	   10000
#define HTTP_POINTS_MAX	   250000 /* series points in one answer */
#define HTTP_BIN_MAX	   (366 * 86400)
#define HTTP_TIME_MAX	   253402300799 /* 9999-12-31T23:59:59Z */
#define HTTP_ENTITY_MAX	   128
#define HTTP_FILE_MAX	   (16u << 20) /* a static file */

/* ---------------------------------------------------------------- query */

/*
 * struct http_query - a parsed query string (application/x-www-form-urlencoded):
 * names and values percent-decoded ('+' is a space) into @buf.  Names are
 * [a-z_]{1,32}, unique; values hold no control characters; at most
 * HTTP_PARAMS_MAX parameters in HTTP_QUERY_MAX bytes.  Empty pieces
 * ("a=1&&b=2") are skipped; "a" alone has the value "".
 */
struct http_query {
	char buf[HTTP_QUERY_MAX + 1];
	const char *name[HTTP_PARAMS_MAX];
	const char *value[HTTP_PARAMS_MAX];
	unsigned n;
	unsigned used; /* bit i: parameter i was asked for (http_query_unused) */
};

/* http_query_parse() - @s (may be NULL: no parameters); 0 or LO_EINVAL / LO_ETOOBIG with @err. */
int http_query_parse(struct http_query *q, const char *s, struct lo_err *err);

/* http_query_get() - the value of @name (marks it used), or NULL. */
const char *http_query_get(struct http_query *q, const char *name);

/* http_query_unused() - the first parameter never asked for, or NULL. */
const char *http_query_unused(const struct http_query *q);

/*
 * Parameter checks: each returns 0 (the default when absent) or LO_EINVAL
 * with a message for the client in @err.
 * http_param_uint():   decimal in [@min, @max]
 * http_param_time():   ISO 8601 UTC (YYYY-MM-DDTHH:MM:SS[Z]) or unix seconds
 * http_param_bool():   0/1/false/true into 0/1; @def (-1: either) when absent
 * http_param_entity(): an entity spec, made canonical ("country:kp" ->
 *                      "country:KP", "host:2001:DB8::1" -> "host:2001:db8::1")
 * http_param_word():   [a-z0-9_.]{1,64} (kinds, severities, signals)
 * http_param_choice(): one of the NULL-terminated @choices, as its index
 */
int http_param_uint(struct http_query *q, const char *name, unsigned def, unsigned min,
		    unsigned max, unsigned *out, struct lo_err *err);
int http_param_time(struct http_query *q, const char *name, int64_t def, int64_t *out,
		    struct lo_err *err);
int http_param_bool(struct http_query *q, const char *name, int def, int *out, struct lo_err *err);
int http_param_entity(struct http_query *q, const char *name, bool required, char *out, size_t cap,
		      struct lo_err *err);
int http_param_word(struct http_query *q, const char *name, const char **out, struct lo_err *err);
int http_param_choice(struct http_query *q, const char *name, const char *const *choices, int def,
		      int *out, struct lo_err *err);

/*
 * http_path_clean() - a request path (as sent, percent-encoded) into a
 * relative file name under the web root: "/" -> "index.html",
 * "/a/b.js" -> "a/b.js".  LO_EINVAL for anything that could leave the root
 * or name a hidden file: "..", "." or empty segments, segments starting with
 * a dot, backslashes, NUL or control characters, bad or encoded slashes
 * (%2f), absolute or over-long paths.
 */
int http_path_clean(const char *path, char *out, size_t cap);

/* http_content_type() - the type of a file name by extension; NULL for types not served. */
const char *http_content_type(const char *name);

/* ---------------------------------------------------------------- JSON */

int http_json_g(struct lo_buf *b, double v);   /* %g; null when not finite */
int http_json_num(struct lo_buf *b, double v); /* whole numbers exactly, else 12 digits */
int http_json_i64(struct lo_buf *b, int64_t v);
int http_json_time(struct lo_buf *b, int64_t t); /* "ISO" */

/* ---------------------------------------------------------------- API */

/*
 * struct http_resp - an answer.  @body holds it, or @fd (>= 0) a file of
 * @size bytes to send (static files; the caller closes it).
 */
struct http_resp {
	int status;
	const char *type;  /* Content-Type */
	const char *cache; /* Cache-Control */
	struct lo_buf body;
	int fd;
	off_t size;
	int64_t mtime;	/* of the file: Last-Modified */
	bool cacheable; /* may be kept until the store changes */
};

/* struct http_api - one thread's view: its store connection and options. */
struct http_api {
	struct store *store;
	const struct http_opts *o;
	const char *web_root; /* realpath of o->web_root, or NULL */
	struct lo_buf tmp;    /* scratch (series points) */
	struct lo_buf names;  /* scratch (entity names) */
	/* counters of the whole server, for /metrics (atomics, may be NULL) */
	const struct http_stats *stats;
};

/* struct http_stats - the server's counters (updated atomically). */
struct http_stats {
	uint64_t requests[6]; /* by status class: [1] 1xx .. [5] 5xx, [0] other */
	uint64_t cache_hits;
	uint64_t bytes_out;
	uint64_t conns_total;
	uint64_t conns_cut; /* cut off by the request deadline */
	int64_t conns_open;
	uint64_t query_timeouts;
};

int http_api_init(struct http_api *a, struct store *s, const struct http_opts *o,
		  const char *web_root, const struct http_stats *stats);
void http_api_fini(struct http_api *a);

/* http_resp_init() / http_resp_reset() / http_resp_fini() - @max: body cap. */
void http_resp_init(struct http_resp *r, size_t max);
void http_resp_reset(struct http_resp *r);
void http_resp_fini(struct http_resp *r);

/*
 * http_api_get() - answer GET @path?@query (both as sent, @query may be
 * NULL) into @r: the API, /metrics or a static file.  Never fails: errors
 * are answers (4xx/5xx with {"error":"..."}).
 */
void http_api_get(struct http_api *a, const char *path, const char *query, struct http_resp *r);

/* http_resp_error() - a JSON error answer {"error":@msg}. */
void http_resp_error(struct http_resp *r, int status, const char *msg);

/* http_files_get() - a static file under a->web_root for @path. */
void http_files_get(struct http_api *a, const char *path, struct http_resp *r);

#endif
