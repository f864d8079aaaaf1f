/*
 * The probe engine: checks on a libevent loop.
 *
 * A check waits in the ready queue until the token bucket lets its next
 * attempt go (one token per packet or request); then it is in flight until
 * an answer, an error or its attempt timer.  A failed attempt goes back to
 * the queue while retries are left.  Every callback runs from the loop.
 *
 * ICMP: one socket per family, opened on first use (raw when permitted,
 * else an unprivileged ping socket); echoes are told apart by sequence
 * number (a table of 65536) and the address they went to.  HTTP: libcurl's
 * multi interface driven by the loop's events (CURLMOPT_SOCKETFUNCTION /
 * TIMERFUNCTION).
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe.h"

#define ECHO_PAYLOAD 24 /* "lightsout" + padding: 32-byte ICMP messages */

struct check {
	struct prober *p;
	struct probe_check c;
	enum probe_kind kind;
	struct bgp_addr addr; /* ICMP, TCP, DNS */
	uint16_t port;
	struct probe_target *t; /* a copy of the target: checks only (URL, name);
				 * the echoes of block probing, by the thousand,
				 * keep only the three members above */
	char *expect;
	probe_cb cb;
	void *ctx;
	struct probe_result r;
	bool echo_only;	   /* prober_echo: no retries, no detail */
	bool refuse;	   /* fail without sending (r is set) */
	bool started;	   /* counts against max_pending */
	unsigned attempt;  /* attempts sent */
	int64_t sent_mono; /* of the current attempt */
	struct event *timer;
	/* TCP and DNS */
	int fd;
	struct event *io;
	uint16_t dns_id;
	/* ICMP */
	int seq; /* -1: none registered */
	/* HTTP */
	CURL *easy;
	struct lo_buf body;
	const char *denied; /* why the address a name resolved to was refused */
	struct check *next; /* ready queue */
	struct check *prev_all, *next_all;
};

struct icmp_sock {
	int fd;
	bool raw;
	bool tried;
	struct event *ev;
};

struct prober {
	struct event_base *base;
	struct prober_opts o;
	struct probe_rate rate;
	struct event *pump;
	struct queue {
		struct check *head, *tail;
	} q[2];		   /* ready to send an attempt: checks first, then block echoes */
	struct check *all; /* every check alive */
	unsigned queued, started;
	struct icmp_sock icmp4, icmp6;
	uint16_t icmp_id;
	uint16_t next_seq;
	struct check **echo; /* by sequence number */
	CURLM *multi;
	struct event *curl_timer;
	struct prober_stats st;
};

/* ---------------------------------------------------------------- clocks */

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double wall_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* ---------------------------------------------------------------- names */

const char *probe_why_name(enum probe_why w)
{
	static const char *const names[] = {
		[PROBE_OK] = "ok",
		[PROBE_TIMEOUT] = "timeout",
		[PROBE_REFUSED] = "refused",
		[PROBE_UNREACHABLE] = "unreachable",
		[PROBE_HTTP_STATUS] = "http_status",
		[PROBE_CONTENT] = "content",
		[PROBE_DNS_RCODE] = "dns_rcode",
		[PROBE_ERROR] = "error",
		[PROBE_ERR_BUSY] = "busy",
		[PROBE_ERR_REFUSED] = "not_allowed",
	};
	return (unsigned)w < sizeof(names) / sizeof(names[0]) && names[w] ? names[w] : "?";
}

void prober_opts_default(struct prober_opts *o)
{
	*o = (struct prober_opts){
		.rate = 100,
		.burst = 20,
		.max_pending = 1024,
		.max_queued = 65536,
		.http_body_max = 1 << 20,
	};
}

/* ---------------------------------------------------------------- queue */

/*
 * Two queues: checks go before the echoes of block probing, so that a
 * sweep of thousands of addresses never holds a website's check back.
 */
static void enqueue(struct prober *p, struct check *k)
{
	struct queue *q = &p->q[k->echo_only];
	k->next = NULL;
	if (q->tail)
		q->tail->next = k;
	else
		q->head = k;
	q->tail = k;
	p->queued++;
	event_active(p->pump, EV_TIMEOUT, 0);
}

static struct check *queue_first(struct prober *p)
{
	return p->q[0].head ? p->q[0].head : p->q[1].head;
}

/* unqueue() - take @k, the head of its queue (or anywhere in it: freeing). */
static void unqueue(struct prober *p, struct check *k)
{
	struct queue *q = &p->q[k->echo_only];
	struct check **pp = &q->head, *prev = NULL;
	for (; *pp; prev = *pp, pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			if (q->tail == k)
				q->tail = prev;
			p->queued--;
			return;
		}
}

/* Release what the current attempt holds (socket, events, echo slot, curl handle). */
static void attempt_release(struct check *k)
{
	struct prober *p = k->p;

	if (k->timer)
		evtimer_del(k->timer);
	if (k->io) {
		event_free(k->io);
		k->io = NULL;
	}
	if (k->fd >= 0) {
		close(k->fd);
		k->fd = -1;
	}
	if (k->seq >= 0) {
		if (p->echo[k->seq] == k)
			p->echo[k->seq] = NULL;
		k->seq = -1;
	}
	if (k->easy) {
		curl_multi_remove_handle(p->multi, k->easy);
		curl_easy_cleanup(k->easy);
		k->easy = NULL;
	}
}

static void check_free(struct check *k)
{
	struct prober *p = k->p;

	attempt_release(k);
	if (k->timer)
		event_free(k->timer);
	lo_buf_fini(&k->body);
	free(k->expect);
	free(k->t);
	if (k->prev_all)
		k->prev_all->next_all = k->next_all;
	else
		p->all = k->next_all;
	if (k->next_all)
		k->next_all->prev_all = k->prev_all;
	free(k);
}

/* The check is over: report and free. */
static void finish(struct check *k)
{
	struct prober *p = k->p;

	attempt_release(k);
	if (k->started && p->started)
		p->started--;
	k->r.done_wall = wall_now();
	if (!k->r.sent_wall)
		k->r.sent_wall = k->r.done_wall;
	k->r.attempts = k->attempt;
	if (!k->echo_only) {
		p->st.checks++;
		if (k->r.up)
			p->st.up++;
		else
			p->st.down++;
	}
	struct probe_result r = k->r;
	probe_cb cb = k->cb;
	void *ctx = k->ctx;
	check_free(k);
	cb(ctx, &r);
	event_active(p->pump, EV_TIMEOUT, 0); /* a slot is free */
}

static void succeed(struct check *k, int status, const char *detail)
{
	k->r.up = true;
	k->r.why = PROBE_OK;
	k->r.status = status;
	k->r.rtt_ms = (double)(mono_us() - k->sent_mono) / 1000.0;
	snprintf(k->r.detail, sizeof(k->r.detail), "%s", detail);
	finish(k);
}

/*
 * An attempt failed with @why: a definitive answer (refused, a status, the
 * content, an rcode) ends the check; anything else is retried while retries
 * are left.
 */
static void fail(struct check *k, enum probe_why why, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct check *k, enum probe_why why, int status, const char *fmt, ...)
{
	va_list ap;

	k->r.up = false;
	k->r.why = why;
	k->r.status = status;
	k->r.rtt_ms = -1;
	va_start(ap, fmt);
	vsnprintf(k->r.detail, sizeof(k->r.detail), fmt, ap);
	va_end(ap);
	bool definitive = why == PROBE_REFUSED || why == PROBE_HTTP_STATUS ||
			  why == PROBE_CONTENT || why == PROBE_DNS_RCODE ||
			  why == PROBE_ERR_REFUSED;
	if (definitive || k->echo_only || k->attempt > k->c.retries) {
		finish(k);
		return;
	}
	attempt_release(k);
	enqueue(k->p, k);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct check *k = arg;
	(void)fd;
	(void)what;
	fail(k, PROBE_TIMEOUT, 0, "no answer within %u ms", k->c.timeout_ms);
}

static void arm_timer(struct check *k, unsigned ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
	evtimer_add(k->timer, &tv);
}

static enum probe_why errno_why(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return PROBE_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
		return PROBE_UNREACHABLE;
	case ETIMEDOUT:
		return PROBE_TIMEOUT;
	default:
		return PROBE_ERROR;
	}
}

static socklen_t sockaddr_of(const struct bgp_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->b, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->b, 16);
	return sizeof(*s6);
}

static void addr_of(const struct sockaddr *sa, struct bgp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		a->family = 4;
		memcpy(a->b, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		a->family = 6;
		memcpy(a->b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

static bool addr_eq(const struct bgp_addr *a, const struct bgp_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

/* ---------------------------------------------------------------- TCP */

static void tcp_io(evutil_socket_t fd, short what, void *arg)
{
	struct check *k = arg;
	int e = 0;
	socklen_t el = sizeof(e);
	(void)what;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el))
		e = errno;
	if (!e) {
		succeed(k, 0, "connected");
		return;
	}
	fail(k, errno_why(e), 0, "%s", strerror(e));
}

static void tcp_start(struct check *k)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(&k->addr, k->port, &ss);

	k->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0) {
		fail(k, PROBE_ERROR, 0, "socket: %s", strerror(errno));
		return;
	}
	if (connect(k->fd, (struct sockaddr *)&ss, sl) == 0) {
		succeed(k, 0, "connected");
		return;
	}
	if (errno != EINPROGRESS) {
		int e = errno;
		fail(k, errno_why(e), 0, "%s", strerror(e));
		return;
	}
	k->io = event_new(k->p->base, k->fd, EV_WRITE, tcp_io, k);
	if (!k->io) {
		fail(k, PROBE_ERROR, 0, "out of memory");
		return;
	}
	event_add(k->io, NULL);
	arm_timer(k, k->c.timeout_ms);
}

/* ---------------------------------------------------------------- DNS */

static void dns_io(evutil_socket_t fd, short what, void *arg)
{
	struct check *k = arg;
	uint8_t msg[4096];
	(void)what;

	for (int i = 0; i < 16; i++) { /* bounded: the rest waits for the next wakeup */
		ssize_t n = recv(fd, msg, sizeof(msg), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			int e = errno;
			fail(k, errno_why(e), 0, "%s", strerror(e));
			return;
		}
		struct probe_dns_reply r;
		if (probe_dns_parse(msg, (size_t)n, k->t->qname, &r) || r.id != k->dns_id) {
			k->p->st.dns_bad++;
			continue; /* not the answer: keep waiting */
		}
		if (r.rcode == 0 || r.rcode == 3) {
			char d[64];
			snprintf(d, sizeof(d), "%s, %u answers", r.rcode ? "NXDOMAIN" : "NOERROR",
				 r.answers);
			succeed(k, r.rcode, d);
		} else {
			static const char *const rc[] = {"NOERROR",  "FORMERR", "SERVFAIL",
							 "NXDOMAIN", "NOTIMP",	"REFUSED"};
			if (r.rcode < 6)
				fail(k, PROBE_DNS_RCODE, r.rcode, "%s", rc[r.rcode]);
			else
				fail(k, PROBE_DNS_RCODE, r.rcode, "RCODE %u", r.rcode);
		}
		return;
	}
}

static void dns_start(struct check *k)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(&k->addr, k->port, &ss);
	uint8_t q[512];
	int n;

	k->dns_id = (uint16_t)(lo_hash(&k->sent_mono, sizeof(k->sent_mono)) ^ (uintptr_t)k);
	if ((n = probe_dns_query(q, sizeof(q), k->dns_id, k->t->qname)) < 0) {
		fail(k, PROBE_ERROR, 0, "bad name \"%s\"", k->t->qname);
		return;
	}
	k->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0) {
		fail(k, PROBE_ERROR, 0, "socket: %s", strerror(errno));
		return;
	}
	if (connect(k->fd, (struct sockaddr *)&ss, sl) || send(k->fd, q, (size_t)n, 0) != n) {
		int e = errno;
		fail(k, errno_why(e), 0, "%s", strerror(e));
		return;
	}
	k->io = event_new(k->p->base, k->fd, EV_READ | EV_PERSIST, dns_io, k);
	if (!k->io) {
		fail(k, PROBE_ERROR, 0, "out of memory");
		return;
	}
	event_add(k->io, NULL);
	arm_timer(k, k->c.timeout_ms);
}

/* ---------------------------------------------------------------- ICMP */

static void icmp_read(evutil_socket_t fd, short what, void *arg);

static struct icmp_sock *icmp_sock(struct prober *p, int family)
{
	struct icmp_sock *s = family == 4 ? &p->icmp4 : &p->icmp6;
	int af = family == 4 ? AF_INET : AF_INET6;
	int proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;

	if (s->tried)
		return s->fd >= 0 ? s : NULL;
	s->tried = true;
	s->fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	s->raw = s->fd >= 0;
	if (s->fd < 0)
		s->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (s->fd < 0) {
		lo_log(LO_LOG_WARN, "probe: no ICMPv%s socket (raw or ping): %s",
		       family == 4 ? "4" : "6", strerror(errno));
		return NULL;
	}
	if (family == 6 && s->raw) {
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		setsockopt(s->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	int big = 1 << 20;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	s->ev = event_new(p->base, s->fd, EV_READ | EV_PERSIST, icmp_read, p);
	if (!s->ev) {
		close(s->fd);
		s->fd = -1;
		return NULL;
	}
	event_add(s->ev, NULL);
	return s;
}

static void icmp_read(evutil_socket_t fd, short what, void *arg)
{
	struct prober *p = arg;
	bool v4 = fd == p->icmp4.fd;
	struct icmp_sock *s = v4 ? &p->icmp4 : &p->icmp6;
	uint8_t pkt[2048];
	(void)what;

	for (int i = 0; i < 256; i++) { /* bounded per wakeup */
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		p->st.icmp_in++;
		struct probe_icmp_msg m;
		if (probe_icmp_parse(pkt, (size_t)n, v4 ? 4 : 6, v4 && s->raw, &m)) {
			p->st.icmp_bad++;
			continue;
		}
		struct bgp_addr src;
		addr_of((struct sockaddr *)&from, &src);
		struct check *k = NULL;
		if (m.type == PROBE_ICMP_REPLY || m.type == PROBE_ICMP_UNREACH)
			k = p->echo[m.seq];
		/* raw sockets see every echo: ours carry our id (ping sockets
		 * rewrite it and deliver only their own) */
		if (k && s->raw && m.id != p->icmp_id)
			k = NULL;
		if (k && m.type == PROBE_ICMP_REPLY && !addr_eq(&src, &k->addr))
			k = NULL;
		if (k && m.type == PROBE_ICMP_UNREACH && !addr_eq(&m.dst, &k->addr))
			k = NULL;
		if (!k) {
			p->st.icmp_stray++;
			continue;
		}
		if (m.type == PROBE_ICMP_REPLY) {
			succeed(k, 0, "echo reply");
		} else {
			char a[BGP_ADDR_STRLEN];
			a[bgp_fmt_addr(&src, a)] = 0;
			fail(k, PROBE_UNREACHABLE, m.code, "ICMP type %u code %u from %s",
			     m.icmp_type, m.code, a);
		}
	}
}

static void icmp_start(struct check *k)
{
	struct prober *p = k->p;
	struct icmp_sock *s = icmp_sock(p, k->addr.family);
	uint8_t pkt[64];
	static const char payload[ECHO_PAYLOAD] = "lightsout probe";

	if (!s) {
		fail(k, PROBE_ERROR, 0, "no ICMP socket");
		return;
	}
	/* a free sequence number (at most 65536 echoes in flight) */
	for (unsigned i = 0; i < 65536; i++, p->next_seq++)
		if (!p->echo[p->next_seq])
			break;
	if (p->echo[p->next_seq]) {
		fail(k, PROBE_ERROR, 0, "too many echoes in flight");
		return;
	}
	k->seq = p->next_seq++;
	p->echo[k->seq] = k;
	int n = probe_icmp_echo(pkt, sizeof(pkt), k->addr.family, p->icmp_id, (uint16_t)k->seq,
				payload, sizeof(payload));
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(&k->addr, 0, &ss);
	if (n < 0 || sendto(s->fd, pkt, (size_t)n, 0, (struct sockaddr *)&ss, sl) != n) {
		int e = n < 0 ? EINVAL : errno;
		fail(k, errno_why(e), 0, "send: %s", strerror(e));
		return;
	}
	arm_timer(k, k->c.timeout_ms);
}

/* ---------------------------------------------------------------- HTTP */

struct curl_sock {
	struct event *ev;
};

static void curl_done(struct prober *p);

static void curl_event(evutil_socket_t fd, short what, void *arg)
{
	struct prober *p = arg;
	int running, flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(p->multi, fd, flags, &running);
	curl_done(p);
}

static int curl_sock_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct prober *p = userp;
	struct curl_sock *cs = sockp;
	(void)e;

	if (what == CURL_POLL_REMOVE) {
		if (cs) {
			event_free(cs->ev);
			free(cs);
		}
		curl_multi_assign(p->multi, fd, NULL);
		return 0;
	}
	short ev = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) |
		   (what & CURL_POLL_OUT ? EV_WRITE : 0);
	if (!cs) {
		if (!(cs = calloc(1, sizeof(*cs))))
			return -1;
		curl_multi_assign(p->multi, fd, cs);
	} else {
		event_free(cs->ev);
	}
	cs->ev = event_new(p->base, fd, ev, curl_event, p);
	if (!cs->ev)
		return -1;
	event_add(cs->ev, NULL);
	return 0;
}

static void curl_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct prober *p = arg;
	int running;
	(void)fd;
	(void)what;
	curl_multi_socket_action(p->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	curl_done(p);
}

static int curl_timer_cb(CURLM *m, long ms, void *userp)
{
	struct prober *p = userp;
	(void)m;
	if (ms < 0) {
		evtimer_del(p->curl_timer);
		return 0;
	}
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
	evtimer_add(p->curl_timer, &tv);
	return 0;
}

static size_t curl_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct check *k = arg;
	size_t len = size * n;
	size_t room = k->p->o.http_body_max - k->body.len;
	lo_buf_add(&k->body, ptr, len < room ? len : room); /* the rest is dropped */
	return len;
}

/* The outcome of a finished transfer. */
static void http_result(struct check *k, CURLcode rc)
{
	long status = 0, oserr = 0;

	if (rc != CURLE_OK && k->denied) {
		fail(k, PROBE_ERR_REFUSED, 0, "not probed: the host's address is %s", k->denied);
		return;
	}
	if (rc != CURLE_OK) {
		curl_easy_getinfo(k->easy, CURLINFO_OS_ERRNO, &oserr);
		if (rc == CURLE_OPERATION_TIMEDOUT)
			fail(k, PROBE_TIMEOUT, 0, "no answer within %u ms", k->c.timeout_ms);
		else if (rc == CURLE_COULDNT_CONNECT && oserr)
			fail(k, errno_why((int)oserr), 0, "%s", strerror((int)oserr));
		else
			fail(k, PROBE_ERROR, 0, "%s", curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &status);
	bool ok = k->c.expect_status ? status == (long)k->c.expect_status
				     : status >= 200 && status < 400;
	if (!ok) {
		fail(k, PROBE_HTTP_STATUS, (int)status, "HTTP %ld", status);
		return;
	}
	if (k->expect && *k->expect &&
	    (!k->body.len || !memmem(k->body.p, k->body.len, k->expect, strlen(k->expect)))) {
		fail(k, PROBE_CONTENT, (int)status, "body lacks \"%.64s\" (%zu bytes read)",
		     k->expect, k->body.len);
		return;
	}
	char d[64];
	snprintf(d, sizeof(d), "HTTP %ld, %zu bytes", status, k->body.len);
	succeed(k, (int)status, d);
}

static void curl_done(struct prober *p)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(p->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct check *k = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&k);
		if (k)
			http_result(k, m->data.result);
	}
}

/*
 * Every connection curl opens goes through here: the address a host name
 * resolved to (or a numeric form curl decoded itself) must be one we may
 * probe.
 */
static curl_socket_t http_open(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct check *k = arg;
	struct bgp_addr x;
	const char *why = "not an IP address";

	addr_of(&a->addr, &x);
	if (purpose != CURLSOCKTYPE_IPCXN || !x.family || !probe_addr_allowed(&x, &why)) {
		k->denied = why;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static void http_start(struct check *k)
{
	CURL *e = curl_easy_init();

	if (!e) {
		fail(k, PROBE_ERROR, 0, "out of memory");
		return;
	}
	k->easy = e;
	lo_buf_reset(&k->body);
	curl_easy_setopt(e, CURLOPT_URL, k->t->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)k);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, curl_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)k->c.timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* never probe what is not listed */
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "lightsout-probe/1");
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L); /* each check connects anew */
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, http_open);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, k);
	k->denied = NULL;
	if (curl_multi_add_handle(k->p->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		k->easy = NULL;
		fail(k, PROBE_ERROR, 0, "curl_multi_add_handle failed");
	}
}

/* ---------------------------------------------------------------- pump */

static void attempt_start(struct check *k)
{
	k->attempt++;
	k->sent_mono = mono_us();
	if (k->attempt == 1)
		k->r.sent_wall = wall_now();
	k->p->st.sent++;
	switch (k->kind) {
	case PROBE_ICMP:
		icmp_start(k);
		break;
	case PROBE_TCP:
		tcp_start(k);
		break;
	case PROBE_DNS:
		dns_start(k);
		break;
	case PROBE_HTTP:
		http_start(k);
		break;
	default:
		fail(k, PROBE_ERROR, 0, "not a check target");
		break;
	}
}

static void pump(evutil_socket_t fd, short what, void *arg)
{
	struct prober *p = arg;
	(void)fd;
	(void)what;

	/* bounded per call: a long queue yields to the loop between batches */
	for (unsigned n = 0; n < 256 && queue_first(p); n++) {
		struct check *k = queue_first(p);
		if (k->refuse) {
			unqueue(p, k);
			finish(k);
			continue;
		}
		if (!k->started && p->started >= p->o.max_pending)
			return; /* a finishing check wakes us */
		int64_t now = mono_us();
		if (!probe_rate_take(&p->rate, now)) {
			int64_t w = probe_rate_wait(&p->rate, now);
			struct timeval tv = {(time_t)(w / 1000000), (suseconds_t)(w % 1000000)};
			p->st.rate_waits++;
			event_add(p->pump, &tv);
			return;
		}
		unqueue(p, k);
		if (!k->started) {
			k->started = true;
			p->started++;
		}
		attempt_start(k);
	}
	if (queue_first(p))
		event_active(p->pump, EV_TIMEOUT, 0);
}

/* ---------------------------------------------------------------- API */

struct prober *prober_new(struct event_base *base, const struct prober_opts *o, struct lo_err *err)
{
	static bool curl_ready;
	struct prober *p = calloc(1, sizeof(*p));

	if (!p) {
		lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
		return NULL;
	}
	p->base = base;
	if (o)
		p->o = *o;
	else
		prober_opts_default(&p->o);
	if (p->o.rate <= 0 || p->o.burst < 1 || !p->o.max_pending || !p->o.max_queued) {
		free(p);
		lo_err_set(err, LO_EINVAL, LO_NOOFF, "bad prober options");
		return NULL;
	}
	/* libevent's default clock is CLOCK_MONOTONIC_COARSE, which moves in
	 * jiffies (4 ms at HZ 250, 10 ms at HZ 100): the bucket must hold what
	 * the rate earns in one (10 ms), or the pump, woken once a jiffy,
	 * sends less than the rate */
	if (p->o.burst < p->o.rate * 0.01)
		p->o.burst = p->o.rate * 0.01;
	probe_rate_init(&p->rate, p->o.rate, p->o.burst, mono_us());
	p->icmp4.fd = p->icmp6.fd = -1;
	p->icmp_id = (uint16_t)(getpid() ^ (mono_us() >> 10));
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = true;
	}
	p->echo = calloc(65536, sizeof(*p->echo));
	p->pump = event_new(base, -1, 0, pump, p);
	p->curl_timer = evtimer_new(base, curl_timeout, p);
	p->multi = curl_multi_init();
	if (!p->echo || !p->pump || !p->curl_timer || !p->multi) {
		prober_free(p);
		lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
		return NULL;
	}
	curl_multi_setopt(p->multi, CURLMOPT_SOCKETFUNCTION, curl_sock_cb);
	curl_multi_setopt(p->multi, CURLMOPT_SOCKETDATA, p);
	curl_multi_setopt(p->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(p->multi, CURLMOPT_TIMERDATA, p);
	return p;
}

void prober_free(struct prober *p)
{
	if (!p)
		return;
	while (p->all)
		check_free(p->all);
	if (p->multi)
		curl_multi_cleanup(p->multi);
	if (p->curl_timer)
		event_free(p->curl_timer);
	if (p->pump)
		event_free(p->pump);
	for (int i = 0; i < 2; i++) {
		struct icmp_sock *s = i ? &p->icmp6 : &p->icmp4;
		if (s->ev)
			event_free(s->ev);
		if (s->fd >= 0)
			close(s->fd);
	}
	free(p->echo);
	free(p);
}

static struct check *check_alloc(struct prober *p, probe_cb cb, void *ctx)
{
	struct check *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->p = p;
	k->cb = cb;
	k->ctx = ctx;
	k->fd = -1;
	k->seq = -1;
	k->r.rtt_ms = -1;
	lo_buf_init(&k->body, p->o.http_body_max + 1);
	if (!(k->timer = evtimer_new(p->base, on_timeout, k))) {
		free(k);
		return NULL;
	}
	k->next_all = p->all;
	if (p->all)
		p->all->prev_all = k;
	p->all = k;
	return k;
}

static int submit(struct prober *p, struct check *k)
{
	const char *why;

	if (k->kind != PROBE_HTTP && !probe_addr_allowed(&k->addr, &why)) {
		k->refuse = true;
		k->r.why = PROBE_ERR_REFUSED;
		snprintf(k->r.detail, sizeof(k->r.detail), "not probed: %s", why);
	} else if (p->queued >= p->o.max_queued) {
		k->refuse = true;
		k->r.why = PROBE_ERR_BUSY;
		snprintf(k->r.detail, sizeof(k->r.detail), "not probed: queue full");
		p->st.busy++;
	}
	enqueue(p, k);
	return 0;
}

int prober_check(struct prober *p, const struct probe_check *c, probe_cb cb, void *ctx)
{
	if (!c->target || c->target->kind == PROBE_BLOCK || !c->target->kind)
		return LO_EINVAL;
	struct check *k = check_alloc(p, cb, ctx);
	if (!k)
		return LO_ENOMEM;
	k->c = *c;
	if (!(k->t = malloc(sizeof(*k->t)))) {
		check_free(k);
		return LO_ENOMEM;
	}
	*k->t = *c->target;
	k->c.target = k->t;
	k->kind = k->t->kind;
	k->addr = k->t->addr;
	k->port = k->t->port;
	if (!k->c.timeout_ms)
		k->c.timeout_ms = 2000;
	if (c->expect && !(k->expect = strdup(c->expect))) {
		check_free(k);
		return LO_ENOMEM;
	}
	k->c.expect = k->expect;
	return submit(p, k);
}

int prober_echo(struct prober *p, const struct bgp_addr *a, unsigned timeout_ms, probe_cb cb,
		void *ctx)
{
	struct check *k = check_alloc(p, cb, ctx);
	if (!k)
		return LO_ENOMEM;
	k->echo_only = true;
	k->kind = PROBE_ICMP;
	k->addr = *a;
	k->c.timeout_ms = timeout_ms ? timeout_ms : 1500;
	return submit(p, k);
}

void prober_stats(const struct prober *p, struct prober_stats *out)
{
	*out = p->st;
	out->pending = p->started;
	out->queued = p->queued;
}
