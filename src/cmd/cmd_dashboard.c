/*
 * DOC: `lightsout dashboard` — the HTTP API, /metrics and the dashboard
 * (src/http) over a store written by `lightsout replay` (or by a daemon
 * that is running: the store is read through its own connection), without
 * the daemon.  SIGINT and SIGTERM stop it cleanly.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "http/http.h"
#include "lib/lib.h"

#ifndef LO_WEB_DIR
#define LO_WEB_DIR "web"
#endif

static const char usage[] =
	"usage: lightsout dashboard [--db PATH] [--listen ADDR:PORT] [--web DIR|--no-web]\n"
	"                           [--threads N] [--max-conns N] [--timeout SECONDS]\n"
	"\n"
	"Serve the HTTP API (/api/v1/...), /metrics and the dashboard for a store\n"
	"written by `lightsout replay` or `lightsout serve`; prints the URL, runs\n"
	"until SIGINT or SIGTERM.  See docs/api.md.\n"
	"\n"
	"  --db PATH            the SQLite store (default lightsout.db; must exist)\n"
	"  --listen ADDR:PORT   default 127.0.0.1:8080; port 0 picks a free one\n"
	"  --web DIR            the dashboard's files (default: this build's web/,\n"
	"                       " LO_WEB_DIR ")\n"
	"  --no-web             serve the API only\n"
	"  --threads N          server threads, 1-64 (default 2)\n"
	"  --max-conns N        open connections at most (default 256)\n"
	"  --timeout SECONDS    a client must send each request within this time\n"
	"                       (default 10)\n"
	"  -h, --help\n"
	"\n"
	"Exit status: 0 stopped by a signal, 1 bad usage, a missing store or an\n"
	"address that cannot be listened on.\n";

/* print_url() - "dashboard: http://ADDR:PORT/" on stdout. */
static void print_url(const struct sockaddr_storage *ss, uint16_t port)
{
	char text[INET6_ADDRSTRLEN];
	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, text,
			  sizeof(text));
		printf("dashboard: http://[%s]:%u/\n", text, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, text, sizeof(text));
		printf("dashboard: http://%s:%u/\n", text, port);
	}
	fflush(stdout);
}

static int number(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);
	if (!*s || *end || n < min || n > max)
		return LO_EINVAL;
	*out = (unsigned)n;
	return 0;
}

static int bad_number(const char *opt, unsigned min, unsigned max)
{
	fprintf(stderr, "lightsout dashboard: %s wants %u to %u\n", opt, min, max);
	return CMD_USAGE;
}

int cmd_dashboard(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"web", required_argument, NULL, 'w'},
		{"no-web", no_argument, NULL, 'W'},
		{"threads", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{"max-conns", required_argument, NULL, 'm'},
		{"timeout", required_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	const char *db = "lightsout.db", *listen = "127.0.0.1:8080", *web = NULL;
	bool no_web = false;
	struct http_opts o;
	int c;

	http_opts_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'w':
			web = optarg;
			break;
		case 'W':
			no_web = true;
			break;
		case 't':
			if (number(optarg, 1, 64, &o.threads))
				return bad_number("--threads", 1, 64);
			break;
		case 'm':
			if (number(optarg, 1, 65536, &o.max_conns))
				return bad_number("--max-conns", 1, 65536);
			break;
		case 'T':
			if (number(optarg, 1, 3600, &o.timeout_s))
				return bad_number("--timeout", 1, 3600);
			break;
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return CMD_USAGE;
	}
	if (http_addr_parse(listen, &o.addr, &o.addr_len)) {
		fprintf(stderr, "lightsout dashboard: --listen %s: want ADDR:PORT or [IPV6]:PORT\n",
			listen);
		return CMD_USAGE;
	}
	struct stat st;
	if (stat(db, &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr,
			"lightsout dashboard: %s: no such store (write one with `lightsout replay "
			"--db %s ...`)\n",
			db, db);
		return CMD_USAGE;
	}
	if (!no_web) {
		if (web) {
			o.web_root = web;
		} else if (!stat(LO_WEB_DIR, &st) && S_ISDIR(st.st_mode)) {
			o.web_root = LO_WEB_DIR;
		} else {
			fprintf(stderr,
				"lightsout dashboard: no web root (%s is missing): serving the API "
				"only; give one with --web DIR\n",
				LO_WEB_DIR);
		}
	}
	o.db = db;
	o.mode = "dashboard";

	/* SIGINT and SIGTERM are taken with sigwait(); the server threads block all signals */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct http *h;
	struct lo_err err;
	if (http_start(&h, &o, &err)) {
		fprintf(stderr, "lightsout dashboard: %s\n", err.msg);
		return CMD_USAGE;
	}
	print_url(&o.addr, http_port(h));
	int sig = 0;
	while (sigwait(&stop, &sig))
		;
	fprintf(stderr, "lightsout dashboard: %s: stopping\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_stop(h);
	return CMD_OK;
}
