/*
 * DOC: alerts — one dispatcher for every alert of the daemon: BGP events
 * from the watch (outage, partial_outage, instability) and attacks from the
 * flow side.  docs/alerts.md is the user's description.
 *
 * An event change (open, update, close, cancel) goes through the gate
 * first (pure, below): one alert per (event, change); an update only when
 * the severity changed; a close only when the open was sent.  Opens of
 * kinds other than attack are held back for [alert] delay (default
 * [detect] min_duration): an event that ends or is cancelled within it is
 * never alerted, so dips make no noise (BGPalerter's users' complaint).
 * Attacks are alerted at once.  At most [alert] max_per_minute opens and
 * updates go out in any 60 s; the others are counted and summarised in one
 * line a minute.  Closes of alerts that were sent always go out.
 *
 * What passes goes to the channels, all from the event loop's thread
 * except the HTTP itself:
 * - webhooks: the JSON body is queued (at most ALERT_QUEUE posts waiting;
 *   beyond, the oldest is dropped and counted) for one worker thread that
 *   runs a libcurl multi handle: up to ALERT_PARALLEL posts at once,
 *   ALERT_TIMEOUT_MS each, retried with exponential backoff (1, 2, 4, 8 s;
 *   ALERT_TRIES in all) on transport errors, 408, 429 and 5xx;
 * - syslog: one line, facility daemon;
 * - scripts: posix_spawn() without a shell, the text on a pipe to stdin,
 *   reaped by alert_tick() (at most ALERT_SCRIPTS running).
 *
 * [alert] channels get every kind in [alert] kinds; [flow] script, webhook
 * and syslog get attacks only (what they did before [alert] existed).
 * Scripts get attacks FastNetMon's way (the flow side's alert_extra).
 *
 * Not done here: persistence (a restart forgets what was sent), per-entity
 * rate limits, templates of the body.
 */
#include "serve/serve_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define ALERT_TRACKED	 4096 /* events followed at once (sent or held opens) */
#define ALERT_QUEUE	 256  /* webhook posts waiting, retries included */
#define ALERT_PARALLEL	 8    /* webhook posts in flight */
#define ALERT_TRIES	 5    /* tries per post */
#define ALERT_TIMEOUT_MS 5000 /* per try */
#define ALERT_DRAIN_MS	 5000 /* at stop, posts still queued get this long */
#define ALERT_SCRIPTS	 64   /* scripts running at once */
#define ALERT_JSON_MAX	 (1 << 18)

/* ---------------------------------------------------------------- the gate */

enum { GATE_SENT, GATE_HELD, GATE_MUTED };

int alert_gate_init(struct alert_gate *g, size_t max_tracked, unsigned max_per_minute)
{
	memset(g, 0, sizeof(*g));
	g->max = max_tracked;
	if (!(g->ents = calloc(max_tracked ? max_tracked : 1, sizeof(*g->ents))))
		return LO_ENOMEM;
	if (alert_gate_rate(g, max_per_minute)) {
		free(g->ents);
		g->ents = NULL;
		return LO_ENOMEM;
	}
	return 0;
}

void alert_gate_fini(struct alert_gate *g)
{
	free(g->ents);
	free(g->sent);
	memset(g, 0, sizeof(*g));
}

int alert_gate_rate(struct alert_gate *g, unsigned max_per_minute)
{
	int64_t *ring = NULL;
	if (max_per_minute && !(ring = calloc(max_per_minute, sizeof(*ring))))
		return LO_ENOMEM;
	free(g->sent);
	g->sent = ring;
	g->rate = max_per_minute;
	g->head = g->n_sent = 0;
	return 0;
}

static struct alert_gate_ent *gate_find(const struct alert_gate *g, uint64_t key)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->ents[i].key == key)
			return &g->ents[i];
	return NULL;
}

static void gate_forget(struct alert_gate *g, struct alert_gate_ent *e)
{
	*e = g->ents[--g->n];
}

static struct alert_gate_ent *gate_add(struct alert_gate *g, uint64_t key, int state, int64_t due,
				       unsigned sev)
{
	struct alert_gate_ent *e = &g->ents[g->n++];
	*e = (struct alert_gate_ent){.key = key, .due = due, .severity = sev, .state = state};
	return e;
}

/* Fewer than @rate alerts in the last 60 s: the oldest of the last @rate is older. */
static bool rate_ok(const struct alert_gate *g, int64_t now)
{
	return !g->rate || g->n_sent < g->rate || g->sent[g->head] <= now - 60;
}

static void rate_take(struct alert_gate *g, int64_t now)
{
	if (!g->rate)
		return;
	g->sent[g->head] = now;
	g->head = (g->head + 1) % g->rate;
	if (g->n_sent < g->rate)
		g->n_sent++;
}

static enum alert_verdict suppress(struct alert_gate *g, int64_t now)
{
	if (!g->pending++)
		g->pending_since = now;
	return ALERT_SUPPRESSED;
}

bool alert_gate_knows(const struct alert_gate *g, uint64_t key)
{
	return gate_find(g, key) != NULL;
}

enum alert_verdict alert_gate_offer(struct alert_gate *g, enum alert_change what, uint64_t key,
				    unsigned sev, int64_t start, int64_t end, int64_t delay,
				    int64_t now)
{
	struct alert_gate_ent *e = gate_find(g, key);
	int state = e ? e->state : -1;

	switch (what) {
	case ALERT_OPEN:
		if (e)
			return ALERT_QUIET;
		if (g->n == g->max)
			return ALERT_FULL;
		if (delay > 0 && now < start + delay) {
			gate_add(g, key, GATE_HELD, start + delay, sev);
			return ALERT_HOLD;
		}
		if (!rate_ok(g, now)) {
			gate_add(g, key, GATE_MUTED, 0, sev); /* its close stays quiet */
			return suppress(g, now);
		}
		rate_take(g, now);
		gate_add(g, key, GATE_SENT, 0, sev);
		return ALERT_SEND;
	case ALERT_UPDATE:
		if (!e || state == GATE_MUTED)
			return ALERT_QUIET;
		if (state == GATE_HELD) {
			e->severity = sev;
			return ALERT_HOLD;
		}
		if (sev == e->severity)
			return ALERT_QUIET;
		if (!rate_ok(g, now))
			return suppress(g, now); /* the severity sent stays the old one */
		rate_take(g, now);
		e->severity = sev;
		return ALERT_SEND;
	case ALERT_CLOSE:
		if (!e)
			return ALERT_QUIET;
		if (state == GATE_HELD) {
			bool lasted = (end ? end : now) >= e->due;
			gate_forget(g, e);
			if (!lasted)
				return ALERT_HELD_BACK;
			if (!rate_ok(g, now))
				return suppress(g, now);
			rate_take(g, now);
			rate_take(g, now);
			return ALERT_SEND_HELD;
		}
		gate_forget(g, e);
		if (state == GATE_MUTED)
			return ALERT_QUIET;
		rate_take(g, now);
		return ALERT_SEND;
	case ALERT_CANCEL:
		if (!e)
			return ALERT_QUIET;
		gate_forget(g, e);
		if (state == GATE_HELD)
			return ALERT_HELD_BACK;
		if (state == GATE_MUTED)
			return ALERT_QUIET;
		rate_take(g, now);
		return ALERT_SEND_CANCEL;
	}
	return ALERT_QUIET;
}

int alert_gate_due(struct alert_gate *g, int64_t now, uint64_t *key, enum alert_verdict *v)
{
	for (size_t i = 0; i < g->n; i++) {
		struct alert_gate_ent *e = &g->ents[i];
		if (e->state != GATE_HELD || e->due > now)
			continue;
		*key = e->key;
		e->due = 0;
		if (!rate_ok(g, now)) {
			e->state = GATE_MUTED;
			*v = suppress(g, now);
			return 1;
		}
		rate_take(g, now);
		e->state = GATE_SENT;
		*v = ALERT_SEND;
		return 1;
	}
	return 0;
}

uint64_t alert_gate_summary(struct alert_gate *g, int64_t now)
{
	uint64_t n = g->pending;
	if (!n || (now >= 0 && now < g->pending_since + 60))
		return 0;
	g->pending = 0;
	return n;
}

/* ---------------------------------------------------------------- webhooks */

struct job {
	uint64_t seq; /* order of queueing: the oldest is dropped first */
	int64_t due_ms;
	unsigned tries;
	CURL *easy;
	struct curl_slist *hdr;
	char *url, *body;
};

/*
 * The worker's state.  @mu guards the queue, @stop and the counters; the
 * transfers in flight (@fly) belong to the worker alone.
 */
struct hooks {
	CURLM *multi;
	pthread_t thread;
	bool running; /* the thread was started (event loop's thread only) */
	pthread_mutex_t mu;
	struct job *wait[ALERT_QUEUE];
	size_t n_wait;
	uint64_t seq;
	bool stop;
	int64_t drain_until;
	uint64_t posted, retries, failed, dropped;
	struct job *fly[ALERT_PARALLEL];
	size_t n_fly;
	struct lo_ratelimit rl; /* the worker's */
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void job_free(struct hooks *h, struct job *j)
{
	if (!j)
		return;
	if (j->easy) {
		curl_multi_remove_handle(h->multi, j->easy);
		curl_easy_cleanup(j->easy);
	}
	curl_slist_free_all(j->hdr);
	free(j->url);
	free(j->body);
	free(j);
}

/* queue() - add @j to the waiting posts (under mu); when full, the oldest goes. */
static void queue(struct hooks *h, struct job *j, struct lo_ratelimit *rl)
{
	if (h->n_wait == ALERT_QUEUE) {
		size_t old = 0;
		for (size_t i = 1; i < h->n_wait; i++)
			if (h->wait[i]->seq < h->wait[old]->seq)
				old = i;
		struct job *drop = j;
		if (h->wait[old]->seq < j->seq) {
			drop = h->wait[old];
			h->wait[old] = j;
		}
		h->dropped++;
		lo_log_rl(rl, LO_LOG_WARN,
			  "alert: webhook %s: %d posts waiting; the oldest dropped", drop->url,
			  ALERT_QUEUE);
		job_free(h, drop);
		return;
	}
	h->wait[h->n_wait++] = j;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p, (void)ctx;
	return size * n;
}

static int job_start(struct hooks *h, struct job *j)
{
	if (!(j->easy = curl_easy_init()) ||
	    !(j->hdr = curl_slist_append(NULL, "Content-Type: application/json")))
		return LO_ENOMEM;
	curl_easy_setopt(j->easy, CURLOPT_URL, j->url);
	curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->body);
	curl_easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(j->body));
	curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->hdr);
	curl_easy_setopt(j->easy, CURLOPT_USERAGENT, "lightsout");
	curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, (long)ALERT_TIMEOUT_MS);
	curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
	j->tries++;
	if (curl_multi_add_handle(h->multi, j->easy) != CURLM_OK)
		return LO_EIO;
	h->fly[h->n_fly++] = j;
	return 0;
}

/* job_done() - a try ended: posted, again later (backoff), or given up. */
static void job_done(struct hooks *h, struct job *j, CURLcode rc)
{
	long code = 0;
	char why[96];

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &code);
	for (size_t i = 0; i < h->n_fly; i++)
		if (h->fly[i] == j)
			h->fly[i] = h->fly[--h->n_fly];
	curl_multi_remove_handle(h->multi, j->easy);
	curl_easy_cleanup(j->easy);
	j->easy = NULL;
	curl_slist_free_all(j->hdr);
	j->hdr = NULL;
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		pthread_mutex_lock(&h->mu);
		h->posted++;
		pthread_mutex_unlock(&h->mu);
		job_free(h, j);
		return;
	}
	if (rc != CURLE_OK)
		snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
	else
		snprintf(why, sizeof(why), "HTTP %ld", code);
	/* transport errors and overload are worth another try; a refusal is not */
	bool again = rc != CURLE_OK || code == 408 || code == 429 || code >= 500;
	if (again && j->tries < ALERT_TRIES) {
		int64_t wait = 1000LL << (j->tries - 1);
		j->due_ms = mono_ms() + wait;
		lo_log_rl(&h->rl, LO_LOG_INFO,
			  "alert: webhook %s: try %u: %s; again in %" PRId64 " s", j->url, j->tries,
			  why, wait / 1000);
		pthread_mutex_lock(&h->mu);
		h->retries++;
		queue(h, j, &h->rl);
		pthread_mutex_unlock(&h->mu);
		return;
	}
	lo_log_rl(&h->rl, LO_LOG_WARN, "alert: webhook %s: given up after %u tries: %s", j->url,
		  j->tries, why);
	pthread_mutex_lock(&h->mu);
	h->failed++;
	pthread_mutex_unlock(&h->mu);
	job_free(h, j);
}

static void *hooks_run(void *arg)
{
	struct hooks *h = arg;

	for (;;) {
		struct job *start[ALERT_PARALLEL];
		size_t n_start = 0;
		int64_t now = mono_ms(), timeout = 1000;

		pthread_mutex_lock(&h->mu);
		if (h->stop && ((!h->n_wait && !h->n_fly) || now >= h->drain_until)) {
			pthread_mutex_unlock(&h->mu);
			break;
		}
		while (h->n_fly + n_start < ALERT_PARALLEL) { /* the oldest due first */
			size_t best = SIZE_MAX;
			for (size_t i = 0; i < h->n_wait; i++)
				if (h->wait[i]->due_ms <= now &&
				    (best == SIZE_MAX || h->wait[i]->seq < h->wait[best]->seq))
					best = i;
			if (best == SIZE_MAX)
				break;
			start[n_start++] = h->wait[best];
			h->wait[best] = h->wait[--h->n_wait];
		}
		for (size_t i = 0; i < h->n_wait; i++)
			if (h->wait[i]->due_ms - now < timeout)
				timeout = h->wait[i]->due_ms - now;
		if (h->stop && h->drain_until - now < timeout)
			timeout = h->drain_until - now;
		pthread_mutex_unlock(&h->mu);

		for (size_t i = 0; i < n_start; i++)
			if (job_start(h, start[i])) {
				lo_log_rl(&h->rl, LO_LOG_WARN, "alert: webhook %s: cannot start",
					  start[i]->url);
				pthread_mutex_lock(&h->mu);
				h->failed++;
				pthread_mutex_unlock(&h->mu);
				job_free(h, start[i]);
			}
		int running = 0, left = 0;
		curl_multi_perform(h->multi, &running);
		CURLMsg *m;
		while ((m = curl_multi_info_read(h->multi, &left)))
			if (m->msg == CURLMSG_DONE) {
				struct job *j = NULL;
				CURLcode rc = m->data.result;
				curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
				if (j)
					job_done(h, j, rc);
			}
		curl_multi_poll(h->multi, NULL, 0, timeout > 0 ? (int)timeout : 0, NULL);
	}

	/* stopping: what did not make it in time is dropped */
	size_t n = h->n_fly;
	while (h->n_fly)
		job_free(h, h->fly[--h->n_fly]);
	pthread_mutex_lock(&h->mu);
	n += h->n_wait;
	while (h->n_wait)
		job_free(h, h->wait[--h->n_wait]);
	h->dropped += n;
	pthread_mutex_unlock(&h->mu);
	if (n)
		lo_log(LO_LOG_WARN, "alert: %zu webhook posts not done at stop", n);
	return NULL;
}

/* hooks_post() - queue a POST of @body to @url (the worker starts on first use). */
static void hooks_post(struct hooks *h, const char *url, const char *body, struct lo_ratelimit *rl)
{
	if (!h->multi)
		return;
	if (!h->running) {
		/* the worker takes no signals: the event loop handles them */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int rc = pthread_create(&h->thread, NULL, hooks_run, h);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc) {
			lo_log_rl(rl, LO_LOG_ERROR, "alert: webhook thread: %s", strerror(rc));
			h->dropped++;
			return;
		}
		h->running = true;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (!j || !(j->url = strdup(url)) || !(j->body = strdup(body))) {
		if (j)
			free(j->url);
		free(j);
		h->dropped++;
		return;
	}
	pthread_mutex_lock(&h->mu);
	j->seq = h->seq++;
	j->due_ms = 0;
	queue(h, j, rl);
	pthread_mutex_unlock(&h->mu);
	curl_multi_wakeup(h->multi);
}

static void hooks_stop(struct hooks *h)
{
	if (h->running) {
		pthread_mutex_lock(&h->mu);
		h->stop = true;
		h->drain_until = mono_ms() + ALERT_DRAIN_MS;
		pthread_mutex_unlock(&h->mu);
		curl_multi_wakeup(h->multi);
		pthread_join(h->thread, NULL);
		h->running = false;
	}
	if (h->multi)
		curl_multi_cleanup(h->multi);
	h->multi = NULL;
}

/* ---------------------------------------------------------------- the dispatcher */

/* struct amsg - what an alert says of its event; kept while its open is held. */
struct amsg {
	uint64_t key;
	char *event; /* the event object (JSON) */
	char entity[160], kind[32], severity[16];
	int64_t id, start, end;
};

struct alerter {
	struct server *s;
	struct alert_gate gate;
	struct amsg *held[ALERT_TRACKED];
	size_t n_held;
	struct hooks hooks;
	pid_t kids[ALERT_SCRIPTS];
	size_t n_kids;
	struct alert_stats st;
	struct lo_ratelimit rl;
};

static const char *const change_name[] = {"open", "update", "close", "close"};

static unsigned severity_of(const char *s)
{
	return !s ? 0 : !strcmp(s, "critical") ? 2 : !strcmp(s, "warning") ? 1 : 0;
}

/* json_str() - @s as a JSON string (our own text, escaped anyway). */
static void json_str(struct lo_buf *b, const char *s)
{
	lo_buf_add(b, "\"", 1);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			lo_buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			lo_buf_printf(b, "\\u%04x", c);
		else
			lo_buf_add(b, s, 1);
	}
	lo_buf_add(b, "\"", 1);
}

/* event_json() - the event as `lightsout events --format json` prints it. */
static void event_json(struct lo_buf *b, const struct store_event *ev, const char *entity)
{
	char st[32], en[32];
	lo_time_iso(ev->start, st, sizeof(st));
	lo_buf_printf(b, "{\"id\":%" PRId64 ",\"entity\":", ev->id);
	json_str(b, entity);
	lo_buf_printf(b, ",\"signal\":");
	json_str(b, ev->signal);
	lo_buf_printf(b, ",\"kind\":");
	json_str(b, ev->kind);
	lo_buf_printf(b, ",\"severity\":");
	json_str(b, ev->severity);
	lo_buf_printf(b, ",\"start\":\"%s\",\"end\":", st);
	if (ev->end) {
		lo_time_iso(ev->end, en, sizeof(en));
		lo_buf_printf(b, "\"%s\",\"duration_s\":%" PRId64, en, ev->end - ev->start);
	} else {
		lo_buf_printf(b, "null,\"duration_s\":null");
	}
	lo_buf_printf(b,
		      ",\"baseline\":%g,\"min\":%g,\"score\":%g,\"incident\":%" PRId64
		      ",\"detail\":%s}",
		      ev->baseline, ev->min, ev->score, ev->incident,
		      ev->detail && *ev->detail ? ev->detail : "{}");
}

/* amsg_fill() - @m describes @ev; its JSON goes to @b (m->event points into it). */
static void amsg_fill(struct amsg *m, uint64_t key, const struct store_event *ev,
		      const char *entity, struct lo_buf *b)
{
	memset(m, 0, sizeof(*m));
	m->key = key;
	snprintf(m->entity, sizeof(m->entity), "%s", entity ? entity : "");
	snprintf(m->kind, sizeof(m->kind), "%s", ev->kind ? ev->kind : "");
	snprintf(m->severity, sizeof(m->severity), "%s", ev->severity ? ev->severity : "");
	m->id = ev->id;
	m->start = ev->start;
	m->end = ev->end;
	event_json(b, ev, entity);
	m->event = b->p ? b->p : "{}";
}

static struct amsg *held_take(struct alerter *a, uint64_t key)
{
	for (size_t i = 0; i < a->n_held; i++)
		if (a->held[i]->key == key) {
			struct amsg *m = a->held[i];
			a->held[i] = a->held[--a->n_held];
			return m;
		}
	return NULL;
}

static void held_free(struct amsg *m)
{
	if (m)
		free(m->event);
	free(m);
}

/* held_put() - keep (or refresh) the held open of @m's key; a copy is made. */
static void held_put(struct alerter *a, const struct amsg *m)
{
	struct amsg *h = held_take(a, m->key);
	held_free(h);
	if (a->n_held < ALERT_TRACKED && (h = malloc(sizeof(*h)))) {
		*h = *m;
		if ((h->event = strdup(m->event))) {
			a->held[a->n_held++] = h;
			return;
		}
		free(h);
	}
	lo_log_rl(&a->rl, LO_LOG_ERROR, "alert: %s of %s: out of memory; its open is lost", m->kind,
		  m->entity);
}

static void reap(struct alerter *a)
{
	for (size_t i = 0; i < a->n_kids;) {
		int status = 0;
		pid_t r = waitpid(a->kids[i], &status, WNOHANG);
		if (r == 0) {
			i++;
			continue;
		}
		if (r > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			a->st.script_errors++;
			lo_log_rl(&a->rl, LO_LOG_WARN, "alert: script (pid %d) %s %d", (int)r,
				  WIFEXITED(status) ? "exited with status" : "killed by signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		}
		a->kids[i] = a->kids[--a->n_kids];
	}
}

/* spawn() - run @argv[0] without a shell, @in (may be NULL) on its stdin. */
static void spawn(struct alerter *a, char *const argv[], const char *in)
{
	const char *path = argv[0];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int p[2];
	pid_t pid;

	reap(a);
	if (a->n_kids == ALERT_SCRIPTS) {
		a->st.script_errors++;
		lo_log_rl(&a->rl, LO_LOG_WARN, "alert: script %s: %d still running; not run", path,
			  ALERT_SCRIPTS);
		return;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		a->st.script_errors++;
		lo_log_rl(&a->rl, LO_LOG_ERROR, "alert: script %s: pipe: %s", path,
			  strerror(errno));
		return;
	}
	/* the daemon ignores SIGPIPE and an exec keeps that: give the script the defaults */
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	int rc = posix_spawn(&pid, path, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[0]);
	if (rc) {
		a->st.script_errors++;
		lo_log_rl(&a->rl, LO_LOG_ERROR, "alert: script %s: %s", path, strerror(rc));
		close(p[1]);
		return;
	}
	a->kids[a->n_kids++] = pid;
	a->st.scripts++;
	/* written at once, up to the pipe's capacity (64 KiB): never blocks the loop */
	size_t len = in ? strlen(in) : 0;
	if (len) {
		fcntl(p[1], F_SETFL, O_NONBLOCK);
		ssize_t n = write(p[1], in, len);
		if (n < 0 || (size_t)n < len)
			lo_log_rl(&a->rl, LO_LOG_WARN, "alert: script %s: stdin %s", path,
				  n < 0 ? strerror(errno) : "cut at the pipe's capacity");
	}
	close(p[1]);
}

static bool alert_channels(const struct conf *c)
{
	return c->alert.n_webhooks || c->alert.script || c->alert.syslog;
}

static bool flow_channels(const struct conf *c)
{
	return c->flow_webhook || c->flow_script || c->flow_syslog;
}

/* wanted() - whether an event of @kind opening now is followed at all. */
static bool wanted(const struct conf *c, const char *kind)
{
	unsigned bit = conf_alert_kind(kind);
	if (alert_channels(c) && (c->alert.kinds & bit))
		return true;
	return bit == CONF_ALERT_ATTACK && flow_channels(c);
}

/* The open delay of events other than attacks. */
static int64_t open_delay(const struct conf *c)
{
	if (c->alert.has_delay)
		return c->alert.delay;
	return c->detect.has_min_duration ? c->detect.min_duration : 60;
}

/*
 * emit() - send one alert to its channels: [alert] ones (for an attack
 * only when kinds lists attack), [flow] ones for an attack.  A target in
 * both gets it once.
 */
static void emit(struct alerter *a, enum alert_change what, const struct amsg *m,
		 const struct alert_extra *x, bool cancelled)
{
	const struct conf *c = a->s->conf;
	bool attack = !strcmp(m->kind, "attack");
	bool mine = !attack || (c->alert.kinds & CONF_ALERT_ATTACK);
	const char *change = change_name[what];
	char st[32], en[32], text[512];

	a->st.sent[what == ALERT_CANCEL ? ALERT_CLOSE : what]++;
	lo_log(LO_LOG_INFO, "alert: %s%s: %s of %s (%s), event %" PRId64, change,
	       cancelled ? " (cancelled)" : "", m->kind, m->entity, m->severity, m->id);

	/* webhooks */
	struct lo_buf body;
	lo_buf_init(&body, ALERT_JSON_MAX);
	lo_buf_printf(&body, "{\"alert\":\"%s\",\"event\":%s%s}", change, m->event,
		      cancelled ? ",\"cancelled\":true" : "");
	if (body.p && body.len) {
		size_t n = mine ? c->alert.n_webhooks : 0;
		for (size_t i = 0; i < n; i++)
			hooks_post(&a->hooks, c->alert.webhooks[i], body.p, &a->rl);
		bool dup = false;
		for (size_t i = 0; attack && c->flow_webhook && i < n; i++)
			dup |= !strcmp(c->alert.webhooks[i], c->flow_webhook);
		if (attack && c->flow_webhook && !dup)
			hooks_post(&a->hooks, c->flow_webhook, body.p, &a->rl);
	} else {
		lo_log_rl(&a->rl, LO_LOG_ERROR, "alert: event %" PRId64 ": body too big", m->id);
	}
	lo_buf_fini(&body);

	/* syslog */
	if ((mine && c->alert.syslog) || (attack && c->flow_syslog)) {
		const char *line = x && x->syslog_text ? x->syslog_text : text;
		lo_time_iso(m->start, st, sizeof(st));
		if (m->end) {
			lo_time_iso(m->end, en, sizeof(en));
			snprintf(text, sizeof(text),
				 "alert %s%s: %s of %s (%s) from %s to %s (%" PRId64 " s), event "
				 "%" PRId64,
				 change, cancelled ? " (cancelled)" : "", m->kind, m->entity,
				 m->severity, st, en, m->end - m->start, m->id);
		} else {
			snprintf(text, sizeof(text),
				 "alert %s%s: %s of %s (%s) since %s, event %" PRId64, change,
				 cancelled ? " (cancelled)" : "", m->kind, m->entity, m->severity,
				 st, m->id);
		}
		syslog(LOG_DAEMON | (what == ALERT_OPEN || what == ALERT_UPDATE ? LOG_WARNING
										: LOG_NOTICE),
		       "%s", line);
	}

	/* scripts */
	const char *paths[2] = {mine ? c->alert.script : NULL, attack ? c->flow_script : NULL};
	if (paths[0] && paths[1] && !strcmp(paths[0], paths[1]))
		paths[1] = NULL;
	for (int k = 0; k < 2; k++) {
		if (!paths[k])
			continue;
		char *argv[8] = {(char *)paths[k]};
		int n = 1;
		if (x && x->script_argv) {
			for (int i = 0; x->script_argv[i] && n < 7; i++)
				argv[n++] = (char *)x->script_argv[i];
		} else {
			argv[n++] = (char *)change;
			argv[n++] = (char *)m->entity;
			argv[n++] = (char *)m->kind;
			argv[n++] = (char *)m->severity;
			if (cancelled)
				argv[n++] = "cancelled";
		}
		argv[n] = NULL;
		spawn(a, argv, x && x->script_argv ? x->script_stdin : m->event);
	}
}

void alert_event(struct alerter *a, enum alert_change what, uint64_t key,
		 const struct store_event *ev, const char *entity, const struct alert_extra *x)
{
	if (!a)
		return;
	const struct conf *c = a->s->conf;
	if (!alert_gate_knows(&a->gate, key)) {
		if (!wanted(c, ev->kind))
			return;
		if (what == ALERT_UPDATE) /* it just became a kind that is alerted */
			what = ALERT_OPEN;
		else if (what != ALERT_OPEN)
			return;
	}
	if (c->alert.max_per_minute != a->gate.rate &&
	    alert_gate_rate(&a->gate, c->alert.max_per_minute) == 0)
		lo_log(LO_LOG_INFO, "alert: max_per_minute is now %u", a->gate.rate);

	bool attack = ev->kind && !strcmp(ev->kind, "attack");
	uint32_t now;
	serve_now(&now, NULL);
	enum alert_verdict v = alert_gate_offer(&a->gate, what, key, severity_of(ev->severity),
						ev->start, ev->end, attack ? 0 : open_delay(c),
						now);
	struct lo_buf b;
	struct amsg m, *h;
	struct store_event cancelled;
	lo_buf_init(&b, ALERT_JSON_MAX);
	switch (v) {
	case ALERT_SEND:
		amsg_fill(&m, key, ev, entity, &b);
		emit(a, what, &m, x, false);
		break;
	case ALERT_SEND_HELD:
		if ((h = held_take(a, key)))
			emit(a, ALERT_OPEN, h, NULL, false);
		held_free(h);
		amsg_fill(&m, key, ev, entity, &b);
		emit(a, ALERT_CLOSE, &m, x, false);
		break;
	case ALERT_SEND_CANCEL: /* the row is gone: it ended now */
		cancelled = *ev;
		cancelled.end = now;
		amsg_fill(&m, key, &cancelled, entity, &b);
		emit(a, ALERT_CANCEL, &m, x, true);
		break;
	case ALERT_HOLD:
		amsg_fill(&m, key, ev, entity, &b);
		held_put(a, &m);
		break;
	case ALERT_HELD_BACK:
		held_free(held_take(a, key));
		a->st.held_back++;
		lo_log(LO_LOG_INFO,
		       "alert: %s of %s (event %" PRId64 ") ended within the delay: not alerted",
		       ev->kind, entity, ev->id);
		break;
	case ALERT_SUPPRESSED:
		held_free(held_take(a, key));
		a->st.suppressed++;
		break;
	case ALERT_QUIET:
		a->st.quiet++;
		break;
	case ALERT_FULL:
		a->st.full++;
		lo_log_rl(&a->rl, LO_LOG_WARN,
			  "alert: %d events followed already; %s of %s not "
			  "alerted",
			  ALERT_TRACKED, ev->kind, entity);
		break;
	}
	lo_buf_fini(&b);
}

void alert_watch_hook(void *ctx, enum watch_change what, const struct store_event *ev,
		      const char *entity)
{
	struct server *s = ctx;
	static const enum alert_change map[] = {
		[WATCH_OPEN] = ALERT_OPEN,
		[WATCH_UPDATE] = ALERT_UPDATE,
		[WATCH_CLOSE] = ALERT_CLOSE,
		[WATCH_CANCEL] = ALERT_CANCEL,
	};
	if (ev->id > 0)
		alert_event(s->alert, map[what], (uint64_t)ev->id, ev, entity, NULL);
}

static void summary(struct alerter *a, uint64_t n)
{
	const struct conf *c = a->s->conf;
	lo_log(LO_LOG_WARN, "alert: %" PRIu64 " alerts suppressed (more than %u a minute)", n,
	       a->gate.rate);
	if (c->alert.syslog || c->flow_syslog)
		syslog(LOG_DAEMON | LOG_WARNING,
		       "alert: %" PRIu64 " alerts suppressed (more than %u a minute)", n,
		       a->gate.rate);
}

void alert_tick(struct alerter *a)
{
	uint64_t key;
	enum alert_verdict v;
	uint32_t now;

	if (!a)
		return;
	serve_now(&now, NULL);
	while (alert_gate_due(&a->gate, now, &key, &v) == 1) {
		struct amsg *h = held_take(a, key);
		if (v == ALERT_SEND && h)
			emit(a, ALERT_OPEN, h, NULL, false);
		else if (v == ALERT_SUPPRESSED)
			a->st.suppressed++;
		held_free(h);
	}
	uint64_t n = alert_gate_summary(&a->gate, now);
	if (n)
		summary(a, n);
	reap(a);
}

void alert_stats(struct alerter *a, struct alert_stats *out)
{
	struct hooks *h = &a->hooks;
	*out = a->st;
	pthread_mutex_lock(&h->mu);
	out->posted = h->posted;
	out->retries = h->retries;
	out->failed = h->failed;
	out->dropped = h->dropped;
	pthread_mutex_unlock(&h->mu);
}

int alert_new(struct alerter **out, struct server *s, struct lo_err *err)
{
	struct alerter *a = calloc(1, sizeof(*a));
	*out = NULL;
	if (!a)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "alert: out of memory");
	a->s = s;
	a->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 10);
	a->hooks.rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 10);
	if (alert_gate_init(&a->gate, ALERT_TRACKED, s->conf->alert.max_per_minute)) {
		free(a);
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "alert: out of memory");
	}
	pthread_mutex_init(&a->hooks.mu, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread */
	if (!(a->hooks.multi = curl_multi_init()))
		lo_log(LO_LOG_ERROR, "alert: libcurl: cannot start; webhooks are off");
	else
		curl_multi_setopt(a->hooks.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
				  (long)ALERT_PARALLEL);
	openlog("lightsout", LOG_PID, LOG_DAEMON); /* connects on first use */
	*out = a;
	return 0;
}

void alert_free(struct alerter *a)
{
	if (!a)
		return;
	if (a->n_held)
		lo_log(LO_LOG_INFO, "alert: %zu opens still held back at stop: not sent",
		       a->n_held);
	while (a->n_held)
		held_free(a->held[--a->n_held]);
	uint64_t n = alert_gate_summary(&a->gate, -1);
	if (n)
		summary(a, n);
	hooks_stop(&a->hooks);
	reap(a);
	struct alert_stats st;
	alert_stats(a, &st);
	if (st.sent[0] + st.sent[1] + st.sent[2] + st.held_back + st.suppressed + st.dropped)
		lo_log(LO_LOG_WARN,
		       "alert: %" PRIu64 " open, %" PRIu64 " update, %" PRIu64
		       " close alerts sent; %" PRIu64 " events ended within the delay, %" PRIu64
		       " alerts suppressed; webhook: %" PRIu64 " posted, %" PRIu64
		       " retries, %" PRIu64 " failed, %" PRIu64 " dropped; %" PRIu64
		       " scripts (%" PRIu64 " failed)",
		       st.sent[0], st.sent[1], st.sent[2], st.held_back, st.suppressed, st.posted,
		       st.retries, st.failed, st.dropped, st.scripts, st.script_errors);
	pthread_mutex_destroy(&a->hooks.mu);
	curl_global_cleanup();
	alert_gate_fini(&a->gate);
	free(a);
}
