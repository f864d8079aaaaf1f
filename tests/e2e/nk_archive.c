/*
 * DOC: nk_archive — write a small RouteViews-style archive that replays the
 * core of the North Korea outage of December 2014, for the end-to-end replay
 * test: six full-feed peers, the four KP /24s behind 4837 131279 plus 200
 * other prefixes; all peers withdraw the KP /24s at 2014-12-22T16:15:21Z and
 * announce them again at 2014-12-23T01:46:18Z; as a distractor, peer 0's
 * session resets at 10:00:07 and comes back at 10:05:00.
 *
 * Usage: nk_archive DIR   (creates DIR/RIBS and DIR/UPDATES)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "io/io.h"
#include "mrt/mrt.h"

#define T0	     1419206400u /* 2014-12-22T00:00:00Z */
#define T_OUT	     1419264921u /* 16:15:21 */
#define T_BACK	     1419299178u /* 2014-12-23T01:46:18 */
#define T_RESET	     1419242407u
#define T_RESET_BACK 1419242700u
#define PEERS	     6
#define OTHER	     200

static struct mrt_peer peers[PEERS];
static struct bgp_prefix kp[4], other[OTHER];
static const uint32_t kp_path[] = {3356, 4837, 131279};
static const uint32_t other_path[] = {3356, 174};

static void die(const char *what, const struct lo_err *e)
{
	fprintf(stderr, "nk_archive: %s: %s\n", what, e ? e->msg : "");
	exit(1);
}

static struct io_writer *open_out(const char *dir, const char *sub, const char *kind, uint32_t t)
{
	char path[4096], name[64];
	time_t tt = t;
	struct tm tm;
	struct io_writer *io;
	struct lo_err err;
	gmtime_r(&tt, &tm);
	strftime(name, sizeof(name), "%Y%m%d.%H%M", &tm);
	snprintf(path, sizeof(path), "%s/%s/%s.%s.bz2", dir, sub, kind, name);
	if (io_create(&io, path, IO_BZIP2, 1, &err))
		die(path, &err);
	return io;
}

static void announce(struct mrt_writer *w, int p, uint32_t t, const struct bgp_prefix *pfx,
		     unsigned n, const uint32_t *path, size_t plen, bool withdraw)
{
	struct mrt_bgp4mp h = {.time = t, .peer_asn = peers[p].asn, .local_asn = 6447};
	struct mrt_attr_spec a = {.as_path = path, .n_as_path = plen};
	struct lo_err err;
	h.peer_addr = peers[p].addr;
	h.local_addr.family = 4;
	a.next_hop = peers[p].addr;
	if (mrt_write_update(w, &h, &a, withdraw ? NULL : pfx, withdraw ? 0 : n,
			     withdraw ? pfx : NULL, withdraw ? n : 0, &err))
		die("update", &err);
}

/* Write the scripted events with times in [@f, @upto) of the file starting at @f. */
static void specials(struct mrt_writer *w, uint32_t f, uint32_t upto)
{
	static uint32_t done; /* time up to which specials were written */
	struct lo_err err;
	uint32_t lo = done > f ? done : f;

	if (T_RESET >= lo && T_RESET < upto) {
		struct mrt_bgp4mp h = {
			.time = T_RESET, .peer_asn = peers[0].asn, .local_asn = 6447};
		h.peer_addr = peers[0].addr;
		h.local_addr.family = 4;
		if (mrt_write_state_change(w, &h, 6, 1, &err))
			die("state", &err);
	}
	if (T_RESET_BACK >= lo && T_RESET_BACK < upto) {
		announce(w, 0, T_RESET_BACK, kp, 4, kp_path, 3, false);
		announce(w, 0, T_RESET_BACK, other, OTHER, other_path, 2, false);
	}
	if (T_OUT >= lo && T_OUT < upto)
		for (int p = 0; p < PEERS; p++)
			announce(w, p, T_OUT, kp, 4, kp_path, 3, true);
	if (T_BACK >= lo && T_BACK < upto)
		for (int p = 0; p < PEERS; p++)
			announce(w, p, T_BACK, kp, 4, kp_path, 3, false);
	done = upto;
}

int main(int argc, char **argv)
{
	char d[4096];
	struct lo_err err;

	if (argc != 2) {
		fprintf(stderr, "usage: nk_archive DIR\n");
		return 1;
	}
	for (int i = 0; i < PEERS; i++) {
		peers[i].addr.family = 4;
		peers[i].addr.b[0] = 198;
		peers[i].addr.b[1] = 18;
		peers[i].addr.b[3] = (uint8_t)(10 + i);
		peers[i].asn = 64500u + (unsigned)i;
	}
	for (int i = 0; i < 4; i++)
		kp[i] = (struct bgp_prefix){
			.addr = {.family = 4, .b = {175, 45, (uint8_t)(176 + i), 0}}, .len = 24};
	for (int i = 0; i < OTHER; i++)
		other[i] = (struct bgp_prefix){
			.addr = {.family = 4, .b = {1, (uint8_t)(i / 4), (uint8_t)(i % 4 * 64), 0}},
			.len = 18};
	snprintf(d, sizeof(d), "%s/RIBS", argv[1]);
	mkdir(argv[1], 0755);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/UPDATES", argv[1]);
	mkdir(d, 0755);

	/* the RIB at 00:00 */
	struct io_writer *io = open_out(argv[1], "RIBS", "rib", T0);
	struct mrt_writer *w;
	if (mrt_writer_new(&w, io))
		die("writer", NULL);
	const uint8_t id[4] = {198, 18, 0, 1};
	if (mrt_write_peer_index(w, T0, id, "", peers, PEERS, &err))
		die("peer index", &err);
	struct mrt_attr_spec ak = {.as_path = kp_path, .n_as_path = 3};
	struct mrt_attr_spec ao = {.as_path = other_path, .n_as_path = 2};
	struct mrt_rib_entry e[PEERS];
	for (int p = 0; p < PEERS; p++)
		e[p].peer_index = (uint16_t)p, e[p].originated = T0 - 86400;
	for (int i = 0; i < 4 + OTHER; i++) {
		for (int p = 0; p < PEERS; p++)
			e[p].attrs = i < 4 ? &ak : &ao;
		ak.next_hop = ao.next_hop = peers[0].addr;
		if (mrt_write_rib(w, T0, i < 4 ? &kp[i] : &other[i - 4], e, PEERS, &err))
			die("rib", &err);
	}
	mrt_writer_free(w);
	if (io_close(io, &err))
		die("close", &err);

	/* 15-minute update files from 00:00 to 06:00 the next day */
	for (uint32_t f = T0; f < T0 + 30 * 3600; f += 900) {
		io = open_out(argv[1], "UPDATES", "updates", f);
		if (mrt_writer_new(&w, io))
			die("writer", NULL);
		/* background: one peer re-announces one prefix every minute; the
		 * scripted events are written in time order between them */
		for (uint32_t t = f + 30; t < f + 900 + 60; t += 60) {
			specials(w, f, t);
			if (t < f + 900)
				announce(w, (int)(t / 60 % PEERS), t, &other[t / 60 % OTHER], 1,
					 other_path, 2, false);
		}
		mrt_writer_free(w);
		if (io_close(io, &err))
			die("close", &err);
	}
	return 0;
}
