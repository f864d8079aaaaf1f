/*
 * DOC: `lightsout serve` — the daemon (src/serve): options, then serve_main().
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "lib/lib.h"
#include "serve/serve.h"

#ifndef LO_WEB_DIR
#define LO_WEB_DIR "web"
#endif

static const char usage[] =
	"usage: lightsout serve -c CONFIG [-n] [--db PATH] [--web DIR|--no-web] [-v]\n"
	"\n"
	"The daemon: BGP sessions with the configured neighbors and a BMP station\n"
	"feed the RIB, signals and detectors; flow collectors ([flow]) detect\n"
	"attacks; probers ([probe NAME]) check hosts, websites, DNS servers and\n"
	"/24 blocks; series and events go to the store (read it with `lightsout\n"
	"events` / `series` while it runs); received messages are archived as MRT\n"
	"when [bgp] mrt_dir is set.  SIGHUP reloads the config (probe targets are\n"
	"read at start), SIGTERM stops cleanly.  See docs/serve.md, docs/config.md,\n"
	"docs/flows.md and docs/probing.md.\n"
	"\n"
	"  -c, --config CONFIG  the config file (required)\n"
	"  -n, --check          check the config file and exit\n"
	"  --db PATH            SQLite store (overrides [store] path)\n"
	"  --web DIR            the dashboard's files served with [http] listen\n"
	"                       (default: this build's web/); --no-web: the API only\n"
	"  -v, --verbose        log sessions and messages (info level)\n"
	"  -h, --help\n"
	"\n"
	"Exit status: 0 stopped cleanly or config ok, 1 bad usage, bad config or a\n"
	"listener that cannot be opened.\n";

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 'n'},
		{"db", required_argument, NULL, 'd'},	  {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},	  {"web", required_argument, NULL, 'w'},
		{"no-web", no_argument, NULL, 'W'},	  {NULL, 0, NULL, 0},
	};
	struct serve_opts o = {.log_level = LO_LOG_WARN};
	bool no_web = false;
	struct stat st;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:nvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 'n':
			o.check_only = true;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 'v':
			o.log_level = LO_LOG_INFO;
			break;
		case 'w':
			o.web = optarg;
			break;
		case 'W':
			no_web = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_USAGE;
		}
	}
	if (!o.config || optind != argc) {
		fputs(usage, stderr);
		return CMD_USAGE;
	}
	if (no_web)
		o.web = NULL;
	else if (!o.web && !stat(LO_WEB_DIR, &st) && S_ISDIR(st.st_mode))
		o.web = LO_WEB_DIR; /* a build's own web/ */
	lo_log_level((enum lo_level)o.log_level);
	return serve_main(&o) ? CMD_USAGE : CMD_OK;
}
