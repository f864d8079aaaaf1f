/*
 * DOC: `lightsout serve` — the daemon (src/serve): options, then serve_main().
 */
#include <getopt.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "lib/lib.h"
#include "serve/serve.h"

static const char usage[] =
	"usage: lightsout serve -c CONFIG [-n] [--db PATH] [-v]\n"
	"\n"
	"The daemon: BGP sessions with the configured neighbors and a BMP station\n"
	"feed the RIB, signals and detectors; series and events go to the store\n"
	"(read it with `lightsout events` / `series` while it runs); received\n"
	"messages are archived as MRT when [bgp] mrt_dir is set.  SIGHUP reloads\n"
	"the config, SIGTERM stops cleanly.  See docs/serve.md and docs/config.md.\n"
	"\n"
	"  -c, --config CONFIG  the config file (required)\n"
	"  -n, --check          check the config file and exit\n"
	"  --db PATH            SQLite store (overrides [store] path)\n"
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
		{"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
	};
	struct serve_opts o = {.log_level = LO_LOG_WARN};
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
	lo_log_level((enum lo_level)o.log_level);
	return serve_main(&o) ? CMD_USAGE : CMD_OK;
}
