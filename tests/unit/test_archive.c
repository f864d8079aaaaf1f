/*
 * DOC: unit tests for MRT archives — two collectors (one in RouteViews
 * layout, one in RIS layout) written with the MRT writer; the archive picks
 * the right RIB for --from, drops update files outside the range, and merges
 * the collectors' records in time order; an unreadable file is reported
 * and the rest is read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "mrt/mrt.h"

#define T0 1419206400u /* 2014-12-22T00:00:00Z */

static char root[64];

static void write_updates(const char *path, uint32_t t0, unsigned n, uint32_t step, uint8_t peer)
{
	struct io_writer *io;
	struct mrt_writer *w;
	struct lo_err err;
	assert_int_equal(io_create(&io, path, IO_GZIP, -1, &err), 0);
	assert_int_equal(mrt_writer_new(&w, io), 0);
	const uint32_t path_asns[] = {4837, 131279};
	struct mrt_attr_spec a = {.origin = 0, .as_path = path_asns, .n_as_path = 2};
	a.next_hop.family = 4;
	a.next_hop.b[0] = 198;
	a.next_hop.b[1] = 18;
	a.next_hop.b[3] = peer;
	for (unsigned i = 0; i < n; i++) {
		struct mrt_bgp4mp h = {
			.time = t0 + i * step, .peer_asn = 64500u + peer, .local_asn = 65000};
		h.peer_addr = a.next_hop;
		h.local_addr.family = 4;
		struct bgp_prefix p = {.addr = {.family = 4, .b = {175, 45, 176, 0}}, .len = 24};
		assert_int_equal(mrt_write_update(w, &h, &a, &p, 1, NULL, 0, &err), 0);
	}
	mrt_writer_free(w);
	assert_int_equal(io_close(io, &err), 0);
}

static void write_rib(const char *path, uint32_t t)
{
	struct io_writer *io;
	struct mrt_writer *w;
	struct lo_err err;
	assert_int_equal(io_create(&io, path, IO_BZIP2, -1, &err), 0);
	assert_int_equal(mrt_writer_new(&w, io), 0);
	struct mrt_peer peer = {.addr = {.family = 4, .b = {198, 18, 0, 9}}, .asn = 4837};
	const uint8_t id[4] = {198, 18, 0, 1};
	assert_int_equal(mrt_write_peer_index(w, t, id, "", &peer, 1, &err), 0);
	const uint32_t asns[] = {4837, 131279};
	struct mrt_attr_spec a = {.as_path = asns, .n_as_path = 2};
	a.next_hop = peer.addr;
	struct mrt_rib_entry e = {.peer_index = 0, .originated = t, .attrs = &a};
	struct bgp_prefix p = {.addr = {.family = 4, .b = {175, 45, 177, 0}}, .len = 24};
	assert_int_equal(mrt_write_rib(w, t, &p, &e, 1, &err), 0);
	mrt_writer_free(w);
	assert_int_equal(io_close(io, &err), 0);
}

static int setup(void **state)
{
	char p[512];
	snprintf(root, sizeof(root), "/tmp/lo_test_archive_%d", (int)getpid());
	snprintf(p, sizeof(p), "rm -rf %s && mkdir -p %s/rv/RIBS %s/rv/UPDATES %s/rrc00", root,
		 root, root, root);
	assert_int_equal(system(p), 0);
	/* RouteViews collector: RIBs at 00:00 and 02:00, updates every 15 min */
	snprintf(p, sizeof(p), "%s/rv/RIBS/rib.20141222.0000.bz2", root);
	write_rib(p, T0);
	snprintf(p, sizeof(p), "%s/rv/RIBS/rib.20141222.0200.bz2", root);
	write_rib(p, T0 + 7200);
	for (int q = 0; q < 16; q++) {
		snprintf(p, sizeof(p), "%s/rv/UPDATES/updates.20141222.%02d%02d.bz2", root, q / 4,
			 q % 4 * 15);
		write_updates(p, T0 + (uint32_t)q * 900, 3, 300, 1);
	}
	/* RIS collector: bview at 00:00, updates every 5 min, offset by 100 s */
	snprintf(p, sizeof(p), "%s/rrc00/bview.20141222.0000.gz", root);
	write_rib(p, T0);
	for (int m = 0; m < 48; m++) {
		snprintf(p, sizeof(p), "%s/rrc00/updates.20141222.%02d%02d.gz", root, m / 12,
			 m % 12 * 5);
		write_updates(p, T0 + (uint32_t)m * 300 + 100, 1, 300, 2);
	}
	return 0;
}

static int teardown(void **state)
{
	char p[128];
	snprintf(p, sizeof(p), "rm -rf %s", root);
	return system(p);
}

static void merges_in_time_order_and_selects_files(void **state)
{
	struct mrt_archive *a;
	struct lo_err err;
	char *paths[] = {root};

	/* from 02:30 until 03:00: RV's 02:00 RIB and its updates from 02:00,
	 * RIS's bview (its only RIB) and all updates until 03:00 */
	assert_int_equal(mrt_archive_open(&a, paths, 1, T0 + 9000, T0 + 10800, NULL, &err), 0);
	unsigned ribs = 0, rv_updates = 0;
	for (unsigned i = 0; i < mrt_archive_files(a); i++) {
		uint16_t c;
		enum mrt_file_kind k;
		uint32_t t;
		const char *f = mrt_archive_file(a, i, &c, &k, &t);
		if (k == MRT_FILE_RIB) {
			ribs++;
			if (strstr(f, "/rv/"))
				assert_int_equal(t, T0 + 7200);
		} else if (strstr(f, "/rv/")) {
			rv_updates++;
			assert_true(t >= T0 + 7200 && t <= T0 + 10800);
		}
	}
	assert_int_equal(ribs, 2);
	assert_int_equal(rv_updates, 5); /* 02:00 02:15 02:30 02:45 03:00 */

	const struct mrt_record *rec;
	uint16_t col;
	struct mrt_reader *rd;
	uint32_t last = 0;
	unsigned n = 0, seen[2] = {0};
	int rc;
	while ((rc = mrt_archive_next(a, &rec, &col, &rd, &err)) != 0) {
		assert_int_equal(rc, 1);
		assert_true(rec->time >= last);
		last = rec->time;
		seen[col & 1]++;
		const struct mrt_elem *e;
		while (mrt_record_next_elem(rd, &e) > 0)
			n++;
	}
	assert_true(seen[0] > 0 && seen[1] > 0);
	assert_true(n > 40);
	mrt_archive_free(a);
}

static void unreadable_file_is_reported_and_skipped(void **state)
{
	char p[256], *paths[] = {root};
	snprintf(p, sizeof(p), "%s/rrc00/updates.20141222.0105.gz", root);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("\x1f\x8b garbage that is not gzip", f);
	fclose(f);

	struct mrt_archive *a;
	struct lo_err err;
	assert_int_equal(mrt_archive_open(&a, paths, 1, 0, 0, NULL, &err), 0);
	const struct mrt_record *rec;
	uint16_t col;
	struct mrt_reader *rd;
	int rc, errors = 0, records = 0;
	bool named = false;
	while ((rc = mrt_archive_next(a, &rec, &col, &rd, &err)) != 0) {
		if (rc < 0) {
			errors++;
			named |= strstr(err.src, "updates.20141222.0105.gz") != NULL ||
				 strstr(err.msg, "updates.20141222.0105.gz") != NULL;
			continue;
		}
		records++;
	}
	assert_true(errors >= 1);
	assert_true(named);
	assert_true(records >= 95); /* 2 + 48 RouteViews, 2 + 47 RIS */
	mrt_archive_free(a);

	char *missing[] = {"/nonexistent/archive"};
	assert_int_equal(mrt_archive_open(&a, missing, 1, 0, 0, NULL, &err), LO_ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merges_in_time_order_and_selects_files),
		cmocka_unit_test(unreadable_file_is_reported_and_skipped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
