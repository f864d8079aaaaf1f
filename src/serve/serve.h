/*
 * DOC: serve — the daemon (`lightsout serve`, DESIGN.md §3): one event loop
 * (libevent) around the same pipeline as replay.
 *
 *   BGP sessions (src/peer) ─┐                       ┌─> MRT archive (mrt_dir)
 *   BMP routers  (src/bmp)  ─┴─> BGP4MP_ET records ──┤
 *                                                    └─> MRT decoder -> watch
 *                                                        (rib, signals, detectors, store)
 *
 * Every BGP message a neighbor sends, and every route monitoring message a
 * BMP router sends, becomes one BGP4MP_ET record: the record is archived as
 * is (files rotated every 15 minutes, like RouteViews) and decoded by the
 * same code that replays archives, so a live feed and its replay give the
 * same signals and events.  Time is the wall clock at arrival.  A one-second
 * timer advances time for the detectors and commits the store, so an event
 * is readable (`lightsout events`) within a second of the update that
 * raised it.
 *
 * Signals: SIGTERM / SIGINT stop cleanly (sessions closed with a CEASE
 * NOTIFICATION, bins closed, open events and the archive file flushed);
 * SIGHUP reloads the config file: neighbors added or removed take effect,
 * sessions of unchanged neighbors stay up; other changes are reported as
 * needing a restart.
 */
#ifndef LO_SERVE_H
#define LO_SERVE_H

#include <stdbool.h>

struct serve_opts {
	const char *config; /* path of the config file (required) */
	bool check_only;    /* -n: load and check the config, then exit */
	const char *db;	    /* overrides [store] path */
	int log_level;	    /* LO_LOG_* */
	const char *web;    /* the dashboard's files for [http] (NULL: API only) */
};

/* serve_main() - run the daemon; returns the process exit status (0, 1). */
int serve_main(const struct serve_opts *o);

#endif
