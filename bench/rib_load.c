/*
 * DOC: rib_load — load MRT files into the RIB and report throughput and
 * memory: elems per second (decode + RIB update, and RIB update alone),
 * routes, prefixes, visible prefixes, and bytes per (prefix, peer) route
 * (the RIB's own accounting and the process's peak RSS).  A file whose
 * first elem is a RIB entry is treated as a RIB dump (rib_dump_begin/end).
 *
 * Usage: rib_load FILE...   (all files are one collector's, in order)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "io/io.h"
#include "mrt/mrt.h"
#include "rib/rib.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rib *rib = rib_new(NULL);
	uint64_t elems = 0, errors = 0, upd = 0;
	double t_rib = 0, t_upd = 0, t_upd_files = 0, t0 = now();
	int dumps_down = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: rib_load FILE...\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		struct io_reader *io;
		struct lo_err err;
		if (io_open(&io, argv[i], NULL, &err)) {
			fprintf(stderr, "rib_load: %s: %s\n", argv[i], err.msg);
			return 1;
		}
		struct mrt_reader *r = mrt_reader_new(io);
		const struct mrt_record *rec;
		int rc, first = 1, dump = 0;
		uint32_t last_time = 0;
		double f0 = now();
		while ((rc = mrt_reader_next(r, &rec, &err)) != 0) {
			if (rc < 0) {
				errors++;
				if (rc != LO_ECORRUPT)
					break;
				continue;
			}
			const struct mrt_elem *e;
			int k;
			while ((k = mrt_record_next_elem(r, &e)) != 0) {
				if (k < 0)
					continue;
				if (first && e->type == MRT_ELEM_RIB) {
					rib_dump_begin(rib, 0);
					dump = 1;
				}
				first = 0;
				last_time = e->time;
				double a = now();
				if (rib_apply_elem(rib, 0, e, NULL)) /* one collector */
					errors++;
				double dt = now() - a;
				t_rib += dt;
				if (e->type != MRT_ELEM_RIB) {
					t_upd += dt;
					upd++;
				}
				elems++;
			}
		}
		if (dump)
			dumps_down += rib_dump_end(rib, 0, last_time);
		else
			t_upd_files += now() - f0;
		mrt_reader_free(r);
		io_free(io);
	}
	double total = now() - t0;
	struct rib_stats st;
	struct rusage ru;
	rib_stats(rib, &st);
	getrusage(RUSAGE_SELF, &ru);
	printf("elems          %llu (errors %llu)\n", (unsigned long long)elems,
	       (unsigned long long)errors);
	printf("time           %.2f s total, %.2f s in the RIB\n", total, t_rib);
	printf("throughput     %.2f M elems/s end to end, %.2f M elems/s RIB only\n",
	       (double)elems / total / 1e6, (double)elems / t_rib / 1e6);
	if (upd)
		printf("updates        %.2f M elems/s in the RIB, %.2f M elems/s end to end "
		       "(%llu announcements, withdrawals and state changes after the RIB)\n",
		       (double)upd / t_upd / 1e6, (double)upd / t_upd_files / 1e6,
		       (unsigned long long)upd);
	printf("dumps          %d peers absent from a RIB dump taken down\n", dumps_down);
	printf("peers          %zu\n", st.peers);
	printf("prefixes       %zu IPv4, %zu IPv6 (visible %zu, %zu)\n", st.prefixes[0],
	       st.prefixes[1], st.visible[0], st.visible[1]);
	printf("routes         %zu, interned paths %zu\n", st.routes, st.paths);
	printf("memory         %.1f bytes/route (RIB accounting), peak RSS %ld KB (%.1f bytes/route)\n",
	       st.routes ? (double)st.bytes / (double)st.routes : 0.0, ru.ru_maxrss,
	       st.routes ? (double)ru.ru_maxrss * 1024.0 / (double)st.routes : 0.0);
	rib_free(rib);
	return 0;
}
