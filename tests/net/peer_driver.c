/*
 * DOC: peer_driver — a tiny BGP listener around src/peer for interop tests.
 *
 * Listens on ADDR:PORT (loopback), accepts connections from one configured
 * neighbor address only, runs a passive session with lo_peer over plain
 * POSIX sockets and poll(), and prints one line per state change and per
 * received message.  UPDATEs are decoded with src/bgp to count distinct
 * prefixes (IPv4 and IPv6, path ids ignored) and to print the routes that
 * fall inside --show networks with their AS paths.
 *
 * Exit status: 0 when --sessions sessions ended, the session(s) reached the
 * --expect prefix count, at least --expect-taw treat-as-withdraw UPDATEs
 * were seen and no UPDATE was a session reset; 1 otherwise; 2 on usage.
 *
 * Usage: peer_driver --listen ADDR:PORT --peer ADDR --peer-as N
 *        [--local-as N] [--id A.B.C.D] [--hold S] [--idle-hold MS]
 *        [--expect N] [--expect-taw N] [--close-in-session K] [--settle MS]
 *        [--sessions K] [--timeout S] [--show NET/LEN]... [--quiet]
 *        [--close-text TEXT]   (RFC 9003 shutdown communication; "" for none)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bgp/bgp.h"
#include "lib/lib.h"
#include "peer/peer.h"

#define MAX_SHOW 8

struct show_net {
	struct bgp_addr addr;
	uint8_t len;
};

static struct {
	struct peer *p;
	int fd;
	bool want_close;
	/* options */
	struct in_addr peer_addr;
	unsigned expect, expect_taw, close_in, sessions, settle_ms;
	const char *close_text;
	bool quiet;
	struct show_net show[MAX_SHOW];
	int n_show;
	/* the current session */
	struct lo_hset seen;
	unsigned distinct;
	bool expect_reached;
	int64_t reached_at;
	bool closing;
	/* totals */
	unsigned session_no, sessions_done, expect_sessions;
	unsigned taw, resets, updates;
	bool established_once;
} D;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cb_send(void *ctx, const uint8_t *b, size_t n)
{
	while (n > 0 && D.fd >= 0) {
		ssize_t w = send(D.fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return LO_EIO;
		b += w;
		n -= (size_t)w;
	}
	return D.fd >= 0 ? 0 : LO_EIO;
}

static bool in_show(const struct bgp_prefix *pfx)
{
	for (int i = 0; i < D.n_show; i++) {
		const struct show_net *s = &D.show[i];
		if (s->addr.family != pfx->addr.family || pfx->len < s->len)
			continue;
		unsigned full = s->len / 8, rest = s->len % 8;
		if (memcmp(s->addr.b, pfx->addr.b, full))
			continue;
		if (rest && (s->addr.b[full] ^ pfx->addr.b[full]) & (0xff00 >> rest))
			continue;
		return true;
	}
	return false;
}

/* one prefix of an UPDATE: 'A' announced, 'W' withdrawn, 'T' treat-as-withdraw */
static void prefix_seen(char what, const struct bgp_prefix *pfx, const char *path)
{
	if (what == 'A') {
		uint8_t key[18] = {pfx->addr.family, pfx->len};
		memcpy(key + 2, pfx->addr.b, 16);
		if (lo_hset_add(&D.seen, key) == 1)
			D.distinct++;
	}
	if (in_show(pfx)) {
		char a[BGP_ADDR_STRLEN];
		bgp_fmt_addr(&pfx->addr, a);
		if (pfx->has_path_id)
			printf("route %c %s/%u path_id=%u path %s\n", what, a, pfx->len,
			       pfx->path_id, what == 'A' ? path : "-");
		else
			printf("route %c %s/%u path %s\n", what, a, pfx->len,
			       what == 'A' ? path : "-");
	}
}

static void walk(char what, const uint8_t *p, size_t len, uint8_t family, bool addpath,
		 const char *path)
{
	struct cur c = cur_make(p, len);
	struct bgp_prefix pfx;
	while (bgp_nlri_next(&c, family, addpath, &pfx) == 1)
		prefix_seen(what, &pfx, path);
}

static void decode_update(const struct peer_msg *m)
{
	static struct bgp_attrs a;
	static uint8_t merge[2 * 65536 + 16];
	static char path[8192];
	const struct peer_neg *ng = peer_negotiated(D.p);
	const struct peer_update_info *u = m->update;
	struct cur c = cur_make(m->data + 19, m->len - 19);
	uint16_t wlen, alen;
	const uint8_t *wd, *at;
	char ann = u->verdict == PEER_VERDICT_TREAT_AS_WITHDRAW ? 'T' : 'A';

	if (cur_be16(&c, &wlen) || cur_bytes(&c, wlen, &wd) || cur_be16(&c, &alen) ||
	    cur_bytes(&c, alen, &at))
		return;
	bgp_attrs_parse(&a, at, alen, ng->asn_size, 0, merge, sizeof(merge));
	path[0] = 0;
	if (ann == 'A' && a.as_path) {
		size_t n = bgp_aspath_fmt(a.as_path, a.as_path_len, a.asn_size, path, sizeof(path));
		path[n] = 0;
	}
	walk('W', wd, wlen, 4, ng->addpath_ipv4, path);
	walk(ann, c.p, cur_left(&c), 4, ng->addpath_ipv4, path);
	for (int afi = 1; afi <= 2; afi++) {
		bool ap = afi == 1 ? ng->addpath_ipv4 : ng->addpath_ipv6;
		const struct bgp_mp *r = &a.mp_reach[afi][BGP_SAFI_UNICAST];
		const struct bgp_mp *w = &a.mp_unreach[afi][BGP_SAFI_UNICAST];
		if (w->present)
			walk('W', w->nlri.p, w->nlri.len, w->nlri.family, ap, path);
		if (r->present)
			walk(ann, r->nlri.p, r->nlri.len, r->nlri.family, ap, path);
	}
}

static void cb_msg(void *ctx, const struct peer_msg *m)
{
	static const char *const names[] = {"?",	 "OPEN",	 "UPDATE", "NOTIFICATION",
					    "KEEPALIVE", "ROUTE-REFRESH"};
	const char *name = m->type <= 5 ? names[m->type] : "?";

	if (m->type != BGP_MSG_UPDATE) {
		if (!D.quiet || m->type != BGP_MSG_KEEPALIVE)
			printf("msg %s len=%zu verdict=%s\n", name, m->len,
			       peer_verdict_name(m->verdict));
		return;
	}
	D.updates++;
	if (m->verdict == PEER_VERDICT_TREAT_AS_WITHDRAW)
		D.taw++;
	if (m->verdict == PEER_VERDICT_SESSION_RESET)
		D.resets++;
	if (m->update && m->verdict != PEER_VERDICT_SESSION_RESET)
		decode_update(m);
	if (!D.quiet || m->verdict != PEER_VERDICT_OK || (m->update && m->update->eor))
		printf("msg UPDATE len=%zu verdict=%s ann=%u wd=%u eor=%d total=%u%s%s\n", m->len,
		       peer_verdict_name(m->verdict), m->update ? m->update->n_announced : 0,
		       m->update ? m->update->n_withdrawn : 0, m->update && m->update->eor,
		       D.distinct, m->update && m->update->reason[0] ? " reason=" : "",
		       m->update ? m->update->reason : "");
	if (D.expect && !D.expect_reached && D.distinct >= D.expect) {
		D.expect_reached = true;
		D.expect_sessions++;
		D.reached_at = m->now;
		printf("expected prefixes reached: %u in session %u\n", D.distinct, D.session_no);
	}
	fflush(stdout);
}

static void print_negotiated(void)
{
	const struct peer_neg *n = peer_negotiated(D.p);
	char id[BGP_ADDR_STRLEN];

	bgp_fmt_ipv4(n->peer_id, id);
	printf("negotiated peer_as=%u peer_id=%s hold=%u as4=%d ipv4=%d ipv6=%d addpath_ipv4=%d "
	       "addpath_ipv6=%d ext_msg=%d route_refresh=%d enh_refresh=%d gr=%d gr_afis=%u\n",
	       n->peer_asn, id, n->hold, n->as4, n->ipv4, n->ipv6, n->addpath_ipv4, n->addpath_ipv6,
	       n->ext_msg, n->route_refresh, n->enh_refresh, n->gr, n->n_gr_afi);
	printf("capabilities");
	for (unsigned i = 0; i < n->n_caps; i++)
		printf(" %u/%u", n->caps[i].code, n->caps[i].len);
	printf("\n");
}

static void cb_state(void *ctx, enum peer_state from, enum peer_state to, const char *reason)
{
	printf("state %s -> %s: %s\n", peer_state_name(from), peer_state_name(to), reason);
	if (to == PEER_OPENCONFIRM)
		print_negotiated();
	if (to == PEER_ESTABLISHED) {
		D.established_once = true;
		D.session_no++;
	}
	if (from >= PEER_OPENSENT && to < PEER_OPENSENT) {
		const struct peer_stats *s = peer_stats_get(D.p);
		D.want_close = true;
		if (from == PEER_ESTABLISHED) {
			D.sessions_done++;
			printf("session %u ended: updates ok=%llu attr-discard=%llu "
			       "treat-as-withdraw=%llu session-reset=%llu prefixes=%llu "
			       "withdrawn=%llu eor=%llu distinct=%u\n",
			       D.session_no, (unsigned long long)s->updates[0],
			       (unsigned long long)s->updates[1], (unsigned long long)s->updates[2],
			       (unsigned long long)s->updates[3],
			       (unsigned long long)s->rx_prefixes,
			       (unsigned long long)s->rx_withdrawn, (unsigned long long)s->eor,
			       D.distinct);
		}
	}
	fflush(stdout);
}

static int parse_net(const char *s, struct show_net *n)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	memset(n, 0, sizeof(*n));
	n->len = (uint8_t)atoi(slash + 1);
	if (inet_pton(AF_INET, buf, n->addr.b) == 1)
		n->addr.family = 4;
	else if (inet_pton(AF_INET6, buf, n->addr.b) == 1)
		n->addr.family = 6;
	else
		return -1;
	return 0;
}

/* a new connection: count prefixes afresh */
static void new_connection(void)
{
	lo_hset_fini(&D.seen);
	lo_hset_init(&D.seen, 18, 1u << 22);
	D.distinct = 0;
	D.expect_reached = false;
	D.closing = false;
}

/*
 * close_conn() - half-close, read what the peer still sends until it closes
 * (at most 1 s), then close: closing with unread data would send a RST that
 * can make the peer lose our NOTIFICATION.
 */
static void close_conn(void)
{
	if (D.fd >= 0) {
		int64_t end = now_ms() + 1000;
		shutdown(D.fd, SHUT_WR);
		for (;;) {
			int64_t left = end - now_ms();
			struct pollfd pf = {D.fd, POLLIN, 0};
			uint8_t buf[4096];
			if (left <= 0 || poll(&pf, 1, (int)left) <= 0 ||
			    read(D.fd, buf, sizeof(buf)) <= 0)
				break;
		}
		close(D.fd);
		D.fd = -1;
		printf("connection closed\n");
	}
	D.want_close = false;
}

static void usage(void)
{
	fprintf(stderr, "usage: peer_driver --listen ADDR:PORT --peer ADDR --peer-as N "
			"[--local-as N] [--id A.B.C.D] [--hold S] [--idle-hold MS] [--expect N] "
			"[--expect-taw N] [--close-in-session K] [--settle MS] [--sessions K] "
			"[--timeout S] [--show NET/LEN]... [--quiet] [--close-text TEXT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"listen", 1, 0, 'l'},		 {"peer", 1, 0, 'p'},	{"peer-as", 1, 0, 'a'},
		{"local-as", 1, 0, 'L'},	 {"id", 1, 0, 'i'},	{"hold", 1, 0, 'h'},
		{"idle-hold", 1, 0, 'I'},	 {"expect", 1, 0, 'e'}, {"expect-taw", 1, 0, 'w'},
		{"close-in-session", 1, 0, 'c'}, {"settle", 1, 0, 'S'}, {"sessions", 1, 0, 's'},
		{"timeout", 1, 0, 't'},		 {"show", 1, 0, 'n'},	{"quiet", 0, 0, 'q'},
		{"close-text", 1, 0, 'T'},	 {0, 0, 0, 0},
	};
	struct peer_opts o;
	struct sockaddr_in la = {.sin_family = AF_INET};
	unsigned timeout_s = 50;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	peer_opts_init(&o);
	snprintf(o.name, sizeof(o.name), "driver");
	o.local_asn = 65000;
	o.router_id[0] = 198, o.router_id[1] = 18, o.router_id[3] = 1;
	o.idle_hold_ms = 1000;
	D.fd = -1;
	D.sessions = 1;
	D.close_in = 0;
	D.settle_ms = 1000;
	D.close_text = "lightsout interop test done";
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l': {
			char buf[64];
			const char *colon = strrchr(optarg, ':');
			if (!colon || (size_t)(colon - optarg) >= sizeof(buf))
				usage();
			memcpy(buf, optarg, (size_t)(colon - optarg));
			buf[colon - optarg] = 0;
			if (inet_pton(AF_INET, buf, &la.sin_addr) != 1)
				usage();
			la.sin_port = htons((uint16_t)atoi(colon + 1));
			break;
		}
		case 'p':
			if (inet_pton(AF_INET, optarg, &D.peer_addr) != 1)
				usage();
			memcpy(o.remote.b, &D.peer_addr, 4);
			o.remote.family = 4;
			break;
		case 'a':
			o.remote_asn = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'L':
			o.local_asn = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			if (inet_pton(AF_INET, optarg, o.router_id) != 1)
				usage();
			break;
		case 'h':
			o.hold_time = (uint16_t)atoi(optarg);
			break;
		case 'I':
			o.idle_hold_ms = (uint32_t)atoi(optarg);
			break;
		case 'e':
			D.expect = (unsigned)atoi(optarg);
			break;
		case 'w':
			D.expect_taw = (unsigned)atoi(optarg);
			break;
		case 'c':
			D.close_in = (unsigned)atoi(optarg);
			break;
		case 'S':
			D.settle_ms = (unsigned)atoi(optarg);
			break;
		case 's':
			D.sessions = (unsigned)atoi(optarg);
			break;
		case 't':
			timeout_s = (unsigned)atoi(optarg);
			break;
		case 'n':
			if (D.n_show >= MAX_SHOW || parse_net(optarg, &D.show[D.n_show++]))
				usage();
			break;
		case 'q':
			D.quiet = true;
			break;
		case 'T':
			D.close_text = optarg;
			break;
		default:
			usage();
		}
	}
	if (!la.sin_port || !D.peer_addr.s_addr || !o.remote_asn)
		usage();

	struct lo_err err;
	struct peer_cbs cbs = {NULL, cb_send, cb_msg, cb_state, NULL};
	if (peer_new(&D.p, &o, &cbs, &err)) {
		fprintf(stderr, "peer_driver: %s\n", err.msg);
		return 2;
	}
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&la, sizeof(la)) || listen(ls, 4)) {
		fprintf(stderr, "peer_driver: listen: %s\n", strerror(errno));
		return 2;
	}
	char la_s[INET_ADDRSTRLEN], pa_s[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &la.sin_addr, la_s, sizeof(la_s));
	inet_ntop(AF_INET, &D.peer_addr, pa_s, sizeof(pa_s));
	printf("listening on %s:%u for %s AS%u\n", la_s, ntohs(la.sin_port), pa_s, o.remote_asn);
	lo_hset_init(&D.seen, 18, 1u << 22);
	peer_start(D.p, now_ms());

	int64_t end = now_ms() + (int64_t)timeout_s * 1000;
	bool timed_out = false;
	while (D.sessions_done < D.sessions) {
		int64_t now = now_ms();
		if (now >= end) {
			timed_out = true;
			break;
		}
		int64_t dl = peer_next_deadline(D.p), wait = end - now;
		if (D.expect_reached && !D.closing && D.session_no == D.close_in)
			wait = 50;
		if (dl - now < wait)
			wait = dl - now < 0 ? 0 : dl - now;
		struct pollfd pf[2] = {{ls, POLLIN, 0}, {D.fd, POLLIN, 0}};
		int n = poll(pf, D.fd >= 0 ? 2 : 1, (int)(wait > 1000 ? 1000 : wait));
		now = now_ms();
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && pf[0].revents & POLLIN) {
			struct sockaddr_in ra;
			socklen_t rl = sizeof(ra);
			int c = accept(ls, (struct sockaddr *)&ra, &rl);
			if (c >= 0) {
				printf("connection from %s:%u", inet_ntoa(ra.sin_addr),
				       ntohs(ra.sin_port));
				int rc = ra.sin_addr.s_addr == D.peer_addr.s_addr ? 0 : LO_EINVAL;
				int old = D.fd;
				printf("\n");
				if (!rc) {
					D.fd = c; /* peer_connected() sends the OPEN */
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					rc = peer_connected(D.p, now);
					if (rc)
						D.fd = old;
				}
				if (rc) {
					printf("connection refused (%s)\n",
					       rc == LO_EAGAIN ? "session Idle"
							       : "not the neighbor, or busy");
					close(c);
				} else {
					new_connection();
					D.want_close = false;
					if (old >= 0)
						close(old);
				}
			}
		}
		if (n > 0 && D.fd >= 0 && pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			uint8_t buf[65536];
			ssize_t r = read(D.fd, buf, sizeof(buf));
			if (r > 0) {
				peer_input(D.p, buf, (size_t)r, now);
			} else if (r == 0 || errno != EINTR) {
				printf("TCP connection closed by the peer\n");
				close_conn();
				peer_tcp_lost(D.p, now);
			}
		}
		if (D.want_close)
			close_conn();
		peer_tick(D.p, now_ms());
		if (D.want_close)
			close_conn();
		if (D.expect_reached && !D.closing && D.session_no == D.close_in &&
		    peer_state(D.p) == PEER_ESTABLISHED && D.taw >= D.expect_taw &&
		    now_ms() >= D.reached_at + D.settle_ms) {
			D.closing = true;
			printf("closing: sending cease\n");
			peer_close(D.p, PEER_CEASE_ADMIN_SHUTDOWN, D.close_text, now_ms());
			close_conn();
		}
	}
	close_conn();
	printf("summary sessions=%u expect_reached_sessions=%u updates=%u treat-as-withdraw=%u "
	       "session-reset=%u\n",
	       D.sessions_done, D.expect_sessions, D.updates, D.taw, D.resets);
	const char *fail = NULL;
	if (timed_out)
		fail = "timeout";
	else if (!D.established_once)
		fail = "never established";
	else if (D.expect && !D.expect_sessions)
		fail = "expected prefixes not received";
	else if (D.taw < D.expect_taw)
		fail = "too few treat-as-withdraw UPDATEs";
	else if (D.resets)
		fail = "an UPDATE reset the session";
	printf("RESULT %s%s\n", fail ? "fail: " : "ok", fail ? fail : "");
	lo_hset_fini(&D.seen);
	peer_free(D.p);
	close(ls);
	return fail ? 1 : 0;
}
