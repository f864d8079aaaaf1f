/*
 * DOC: cmd — the `lightsout` command's subcommands.  Each takes argc/argv
 * after the subcommand name and returns the process exit code:
 * 0 success, 1 bad usage or unreadable input, 2 input read but parts corrupt.
 */
#ifndef LO_CMD_H
#define LO_CMD_H

enum { CMD_OK = 0, CMD_USAGE = 1, CMD_CORRUPT = 2 };

int cmd_mrt(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_series(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_dashboard(int argc, char **argv);
int cmd_probe(int argc, char **argv);

#endif
