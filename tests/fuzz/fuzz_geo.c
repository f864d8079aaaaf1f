/*
 * DOC: libFuzzer target for the delegated-statistics provider: each input
 * is parsed line by line with geo_rir_parse_line() and then loaded as a
 * whole file through geo_db_add("rir:..."), so line splitting, the 4 KiB
 * line cap, range → CIDR conversion, flattening and lookups all run.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "geo/geo.h"
#include "geo/geo_int.h"

static void quiet(void *ctx, const char *file, uint64_t line, const char *msg)
{
	(void)ctx;
	(void)file;
	(void)line;
	(void)msg;
}

static int count_part(void *ctx, const struct geo_part *part)
{
	(void)part;
	++*(unsigned *)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char src[64];
	const char *p = (const char *)data, *end = p + size;

	lo_log_level(LO_LOG_ERROR - 1); /* silent */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct geo_rir_line x;
		geo_rir_parse_line(p, len, &x, NULL);
		p += len + 1;
	}

	if (fd < 0) {
		fd = memfd_create("fuzz_geo", 0);
		if (fd < 0)
			return 0;
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(src, sizeof(src), "rir:/proc/self/fd/%d", fd);
	struct geo_db *db = geo_db_new();
	if (!db)
		return 0;
	geo_db_set_report(db, quiet, NULL);
	if (geo_db_add(db, src, NULL, NULL) == 0) {
		static const char *const probes[] = {"10.0.0.0", "175.45.176.0", "0.0.0.0"};
		for (unsigned i = 0; i < 3; i++) {
			struct bgp_prefix q = {.addr.family = 4, .len = (uint8_t)(8 * i)};
			unsigned n = 0;
			sscanf(probes[i], "%hhu.%hhu.%hhu.%hhu", &q.addr.b[0], &q.addr.b[1],
			       &q.addr.b[2], &q.addr.b[3]);
			geo_prefix_countries(db, &q, count_part, &n);
		}
		struct bgp_prefix q6 = {.addr.family = 6, .len = 16};
		char cc[3];
		q6.addr.b[0] = 0x20;
		q6.addr.b[1] = 0x01;
		geo_prefix_country(db, &q6, cc);
		geo_asn_country(db, 64500, cc);
	}
	geo_db_free(db);
	return 0;
}
