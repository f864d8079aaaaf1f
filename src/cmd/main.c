/*
 * DOC: the `lightsout` binary: dispatch to subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static const char usage[] =
	"usage: lightsout COMMAND [OPTIONS] ...\n"
	"\n"
	"An Internet observatory: did a country or network go dark, when, for how\n"
	"long, and why?\n"
	"\n"
	"commands:\n"
	"  mrt       decode MRT archives (bgpdump -m / -M compatible, JSON, summary)\n"
	"  replay    replay MRT archives through RIB, signals and detectors into the store\n"
	"  events    list detected events from the store\n"
	"  series    list a signal's binned values from the store\n"
	"  simulate  write a RouteViews-style archive from a scenario spec\n"
	"  serve     the daemon: BGP sessions and BMP into the same pipeline\n"
	"  flows     decode NetFlow v5/v9, IPFIX and sFlow v5 packets from captures\n"
	"  dashboard serve the HTTP API, /metrics and the dashboard for a store\n"
	"  probe     check hosts, ports, websites, DNS servers and /24 blocks once\n"
	"\n"
	"Run 'lightsout COMMAND --help' for the options of a command.\n";

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
	{"mrt", cmd_mrt},	{"replay", cmd_replay},	      {"events", cmd_events},
	{"series", cmd_series}, {"simulate", cmd_simulate},   {"serve", cmd_serve},
	{"flows", cmd_flows},	{"dashboard", cmd_dashboard}, {"probe", cmd_probe},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return CMD_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return CMD_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		puts("lightsout 0.1.0");
		return CMD_OK;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "lightsout: unknown command '%s'\n\n%s", argv[1], usage);
	return CMD_USAGE;
}
