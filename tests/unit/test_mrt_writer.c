/*
 * DOC: unit tests for the writers — src/io/io_write.c (every format
 * round-trips through io_open/io_read; a missing directory, io_abort() and
 * a full disk leave nothing under the final name) and src/mrt/writer.c
 * (a TABLE_DUMP_V2 RIB and a BGP4MP update stream written as .gz and .bz2,
 * read back with the project's reader and -m formatter, and checked
 * against the real `bgpdump -v -m`: exit 0, nothing on stderr, the same
 * lines).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/io.h"
#include "mrt/mrt.h"

static char tmpdir[256];

static const char *path_of(const char *name)
{
	static char buf[4][512];
	static unsigned k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/lo_wr_XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Names in the temporary directory, sorted, space separated. */
static const char *dir_list(void)
{
	static char out[4096];
	struct dirent **ents;
	int n = scandir(tmpdir, &ents, NULL, alphasort);

	out[0] = 0;
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			if (out[0])
				strncat(out, " ", sizeof(out) - strlen(out) - 1);
			strncat(out, ents[i]->d_name, sizeof(out) - strlen(out) - 1);
		}
		free(ents[i]);
	}
	free(ents);
	return out;
}

static void empty_dir(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -f '%s'/*", tmpdir);
	assert_int_equal(system(cmd), 0);
}

/* Like assert_string_equal, but prints both texts in full on a mismatch. */
static void assert_text(const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "--- got:\n%s--- want:\n%s---\n", got, want);
		fail_msg("text differs");
	}
}

static bool have_tool(const char *name)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static char *slurp_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = 0;
	fclose(f);
	return p;
}

/* ------------------------------------------------------------ io writer */

/* Data that compresses somewhat but not trivially. */
static uint8_t *make_data(size_t n)
{
	uint8_t *p = malloc(n);
	uint32_t x = 12345;

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (i % 7 == 0) ? (uint8_t)(x >> 24) : (uint8_t)("lightsout"[i % 9]);
	}
	return p;
}

static void test_io_roundtrip(void **state)
{
	static const enum io_format fmts[] = {IO_PLAIN, IO_GZIP, IO_BZIP2, IO_XZ};
	static const char *names[] = {"d.raw", "d.gz", "d.bz2", "d.xz"};
	size_t n = (3u << 20) + 17;
	uint8_t *data = make_data(n);
	uint8_t *back = malloc(n + 1);
	struct lo_err err;

	assert_non_null(back);
	for (unsigned f = 0; f < 4; f++) {
		struct io_writer *w;
		empty_dir();
		assert_int_equal(io_create(&w, path_of(names[f]), fmts[f], -1, &err), 0);
		/* while writing, only the temporary name exists */
		assert_string_not_equal(dir_list(), names[f]);
		assert_int_equal(strncmp(dir_list(), names[f], strlen(names[f])), 0);
		size_t off = 0, step = 1;
		while (off < n) {
			size_t k = step < n - off ? step : n - off;
			assert_int_equal(io_write(w, data + off, k, &err), 0);
			off += k;
			step = step * 3 + 1; /* 1, 4, 13, ... up to megabytes */
		}
		assert_int_equal(io_close(w, &err), 0);
		assert_string_equal(dir_list(), names[f]);

		struct io_reader *r;
		assert_int_equal(io_open(&r, path_of(names[f]), NULL, &err), 0);
		assert_int_equal(io_format(r), fmts[f]);
		size_t got = 0;
		ssize_t k;
		while ((k = io_read(r, back + got, n + 1 - got, &err)) > 0)
			got += (size_t)k;
		assert_int_equal(k, 0);
		assert_int_equal(got, n);
		assert_memory_equal(back, data, n);
		io_free(r);
	}
	/* an empty file is a valid empty stream in every format */
	for (unsigned f = 0; f < 4; f++) {
		struct io_writer *w;
		struct io_reader *r;
		uint8_t b[8];
		assert_int_equal(io_create(&w, path_of(names[f]), fmts[f], 1, &err), 0);
		assert_int_equal(io_close(w, &err), 0);
		assert_int_equal(io_open(&r, path_of(names[f]), NULL, &err), 0);
		assert_int_equal(io_read(r, b, sizeof(b), &err), 0);
		io_free(r);
	}
	free(data);
	free(back);
}

static void test_io_missing_dir(void **state)
{
	struct io_writer *w = (struct io_writer *)1;
	struct lo_err err;

	empty_dir();
	int rc = io_create(&w, path_of("no/such/dir/x.gz"), IO_GZIP, -1, &err);
	assert_true(rc == LO_ENOENT || rc == LO_EIO);
	assert_int_equal(err.code, rc);
	assert_null(w);
	assert_string_equal(dir_list(), "");
	assert_int_equal(io_create(&w, path_of("x"), IO_GZIP, 10, &err), LO_EINVAL);
	assert_null(w);
}

static void test_io_abort(void **state)
{
	struct io_writer *w;
	struct lo_err err;

	empty_dir();
	assert_int_equal(io_create(&w, path_of("a.bz2"), IO_BZIP2, -1, &err), 0);
	assert_int_equal(io_write(w, "hello", 5, &err), 0);
	assert_string_not_equal(dir_list(), "");
	io_abort(w);
	assert_string_equal(dir_list(), "");
	io_abort(NULL);
	assert_int_equal(io_close(NULL, &err), 0);
}

/* A full disk (here: RLIMIT_FSIZE, so write() fails with EFBIG). */
static void test_io_disk_full(void **state)
{
	static const enum io_format fmts[] = {IO_PLAIN, IO_GZIP};
	struct rlimit old, lim;
	size_t n = 2u << 20;
	uint8_t *data = make_data(n);
	struct lo_err err;

	for (size_t i = 0; i < n; i++) /* incompressible */
		data[i] = (uint8_t)(data[i] ^ (i * 2654435761u >> 13));
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	for (unsigned f = 0; f < 2; f++) {
		struct io_writer *w;
		empty_dir();
		assert_int_equal(io_create(&w, path_of("full"), fmts[f], -1, &err), 0);
		lim = old;
		lim.rlim_cur = 100000;
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
		int rc = 0;
		for (size_t off = 0; off < n && !rc; off += 65536)
			rc = io_write(w, data + off, 65536, &err);
		assert_int_equal(rc, LO_EIO);
		assert_non_null(strstr(err.msg, "write"));
		/* sticky */
		assert_int_equal(io_write(w, data, 1, &err), LO_EIO);
		assert_int_equal(io_close(w, &err), LO_EIO);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
		assert_string_equal(dir_list(), "");
	}
	/* an error found only when io_close() flushes the last bytes */
	struct io_writer *w;
	empty_dir();
	assert_int_equal(io_create(&w, path_of("full"), IO_PLAIN, -1, &err), 0);
	assert_int_equal(io_write(w, data, 1000, &err), 0); /* buffered */
	lim = old;
	lim.rlim_cur = 100;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(io_close(w, &err), LO_EIO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_string_equal(dir_list(), "");
	signal(SIGXFSZ, SIG_DFL);
	free(data);
}

/* ------------------------------------------------------------ MRT helpers */

static struct bgp_addr v4(const char *s)
{
	struct bgp_addr a = {.family = 4};
	unsigned x[4];
	assert_int_equal(sscanf(s, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]), 4);
	for (int i = 0; i < 4; i++)
		a.b[i] = (uint8_t)x[i];
	return a;
}

/* IPv6 from 8 groups (tests only use full forms). */
static struct bgp_addr v6(unsigned g0, unsigned g1, unsigned g2, unsigned g7)
{
	struct bgp_addr a = {.family = 6};
	unsigned g[8] = {g0, g1, g2, 0, 0, 0, 0, g7};
	for (int i = 0; i < 8; i++) {
		a.b[2 * i] = (uint8_t)(g[i] >> 8);
		a.b[2 * i + 1] = (uint8_t)g[i];
	}
	return a;
}

static struct bgp_prefix pfx(struct bgp_addr a, unsigned len)
{
	struct bgp_prefix p = {.addr = a, .len = (uint8_t)len};
	return p;
}

/* Every record of @path as -m text, through the project's reader. */
static char *read_m(const char *path, unsigned *n_records)
{
	struct io_reader *io;
	struct lo_err err;
	struct lo_buf out;
	const struct mrt_record *rec;
	int rc;

	lo_buf_init(&out, 64u << 20);
	assert_int_equal(io_open(&io, path, NULL, &err), 0);
	struct mrt_reader *r = mrt_reader_new(io);
	assert_non_null(r);
	*n_records = 0;
	while ((rc = mrt_reader_next(r, &rec, &err)) == 1) {
		assert_int_equal(rec->damaged, 0);
		assert_int_equal(mrt_fmt_record(r, rec, MRT_FMT_M, &out), 0);
		++*n_records;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(mrt_reader_stats(r)->errors, 0);
	assert_int_equal(mrt_reader_stats(r)->attr_errors, 0);
	mrt_reader_free(r);
	io_free(io);
	if (!out.p)
		lo_buf_add(&out, "", 0);
	return out.p;
}

/*
 * Run `bgpdump -v -m @path`: it must exit 0, print nothing on stderr and
 * print exactly @expect.  Skipped (returns false) when bgpdump is missing.
 */
static bool check_bgpdump(const char *path, const char *expect)
{
	char cmd[2048];

	if (!have_tool("bgpdump"))
		return false;
	snprintf(cmd, sizeof(cmd), "bgpdump -v -m '%s' >'%s' 2>'%s'", path, path_of("bgpdump.out"),
		 path_of("bgpdump.err"));
	int st = system(cmd);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	char *err = slurp_text(path_of("bgpdump.err"));
	assert_string_equal(err, "");
	char *out = slurp_text(path_of("bgpdump.out"));
	assert_text(out, expect);
	free(err);
	free(out);
	unlink(path_of("bgpdump.out"));
	unlink(path_of("bgpdump.err"));
	return true;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ------------------------------------------------------------ RIB */

#define T_RIB 1419206400u /* 2014-12-22 00:00:00 UTC */

static const uint32_t path_kp[] = {3356, 4837, 131279};
static const uint32_t path_kp2[] = {4200000001u, 174, 4837, 131279};
static const uint32_t path_v6[] = {6939, 64500};
static const uint32_t comm_kp[] = {(3356u << 16) | 100, (3356u << 16) | 2001};

static void write_rib(const char *path, enum io_format fmt, uint32_t *long_path, size_t n_long)
{
	struct io_writer *io;
	struct mrt_writer *w;
	struct lo_err err;
	struct mrt_peer peers[3] = {0};
	const uint8_t collector[4] = {128, 223, 51, 102};

	peers[0].addr = v4("198.51.100.1");
	peers[0].asn = 3356;
	memcpy(peers[0].bgp_id, peers[0].addr.b, 4);
	peers[1].addr = v6(0x2001, 0xdb8, 0, 2);
	peers[1].asn = 6939;
	memcpy(peers[1].bgp_id, v4("203.0.113.2").b, 4);
	peers[2].addr = v4("192.0.2.3");
	peers[2].asn = 4200000001u;
	memcpy(peers[2].bgp_id, peers[2].addr.b, 4);

	struct mrt_attr_spec a0 = {.origin = 0,
				   .as_path = path_kp,
				   .n_as_path = 3,
				   .next_hop = v4("198.51.100.1"),
				   .communities = comm_kp,
				   .n_communities = 2};
	struct mrt_attr_spec a2 = {.origin = 0,
				   .as_path = path_kp2,
				   .n_as_path = 4,
				   .next_hop = v4("192.0.2.3"),
				   .has_med = true,
				   .med = 10,
				   .has_local_pref = true,
				   .local_pref = 200};
	struct mrt_attr_spec a6 = {.origin = 2,
				   .as_path = path_v6,
				   .n_as_path = 2,
				   .next_hop = v6(0x2001, 0xdb8, 0, 2),
				   .next_hop_ll = v6(0xfe80, 0, 0, 1)};
	struct mrt_attr_spec along = {.origin = 1,
				      .as_path = long_path,
				      .n_as_path = n_long,
				      .next_hop = v4("198.51.100.1")};

	assert_int_equal(io_create(&io, path, fmt, -1, &err), 0);
	assert_int_equal(mrt_writer_new(&w, io), 0);
	/* a RIB record before the peer table is refused */
	struct bgp_prefix p = pfx(v4("175.45.176.0"), 24);
	struct mrt_rib_entry e[2] = {{0, T_RIB - 3600, &a0}, {2, T_RIB - 60, &a2}};
	assert_int_equal(mrt_write_rib(w, T_RIB, &p, e, 2, &err), LO_EINVAL);

	assert_int_equal(mrt_write_peer_index(w, T_RIB, collector, "nk2014", peers, 3, &err), 0);
	for (unsigned i = 0; i < 4; i++) {
		p = pfx(v4("175.45.176.0"), 24);
		p.addr.b[2] = (uint8_t)(176 + i);
		assert_int_equal(mrt_write_rib(w, T_RIB, &p, e, 2, &err), 0);
	}
	/* a peer index beyond the table and a next hop of the wrong family */
	struct mrt_rib_entry bad = {3, 0, &a0};
	assert_int_equal(mrt_write_rib(w, T_RIB, &p, &bad, 1, &err), LO_EINVAL);
	struct mrt_rib_entry bad6 = {1, 0, &a6};
	assert_int_equal(mrt_write_rib(w, T_RIB, &p, &bad6, 1, &err), LO_EINVAL);

	/* host bits are masked: 10.1.2.3/8 is written as 10.0.0.0/8 */
	p = pfx(v4("10.1.2.3"), 8);
	struct mrt_rib_entry el = {0, T_RIB - 1, &along};
	assert_int_equal(mrt_write_rib(w, T_RIB, &p, &el, 1, &err), 0);

	p = pfx(v6(0x2001, 0xdb8, 0x1000, 0), 36);
	struct mrt_rib_entry e6[2] = {{1, T_RIB - 7200, &a6}, {0, T_RIB - 7200, &a6}};
	assert_int_equal(mrt_write_rib(w, T_RIB, &p, e6, 2, &err), 0);
	p = pfx(v6(0, 0, 0, 0), 0); /* ::/0 */
	assert_int_equal(mrt_write_rib(w, T_RIB, &p, e6, 1, &err), 0);

	assert_int_equal(mrt_writer_stats(w)->records, 8);
	assert_int_equal(mrt_writer_stats(w)->rib_entries, 12);
	mrt_writer_free(w);
	assert_int_equal(io_close(io, &err), 0);
}

static void test_rib_roundtrip(void **state)
{
	static const char *files[] = {"rib.20141222.0000.gz", "rib.20141222.0000.bz2"};
	static const enum io_format fmts[] = {IO_GZIP, IO_BZIP2};
	uint32_t long_path[300];
	char expect[16384], aspath[4096];
	size_t k = 0;

	/* 300 ASNs: two AS_SEQUENCE segments (255 + 45), printed as one sequence */
	for (unsigned i = 0; i < 300; i++) {
		long_path[i] = i < 290 ? 3356 : 65000 + i;
		k += (size_t)snprintf(aspath + k, sizeof(aspath) - k, "%s%u", i ? " " : "",
				      long_path[i]);
	}
	snprintf(
		expect, sizeof(expect),
		"TABLE_DUMP2|1419206400|B|198.51.100.1|3356|175.45.176.0/24|3356 4837 131279|IGP|198.51.100.1|0|0|3356:100 3356:2001|NAG||\n"
		"TABLE_DUMP2|1419206400|B|192.0.2.3|4200000001|175.45.176.0/24|4200000001 174 4837 131279|IGP|192.0.2.3|200|10||NAG||\n"
		"TABLE_DUMP2|1419206400|B|198.51.100.1|3356|175.45.177.0/24|3356 4837 131279|IGP|198.51.100.1|0|0|3356:100 3356:2001|NAG||\n"
		"TABLE_DUMP2|1419206400|B|192.0.2.3|4200000001|175.45.177.0/24|4200000001 174 4837 131279|IGP|192.0.2.3|200|10||NAG||\n"
		"TABLE_DUMP2|1419206400|B|198.51.100.1|3356|175.45.178.0/24|3356 4837 131279|IGP|198.51.100.1|0|0|3356:100 3356:2001|NAG||\n"
		"TABLE_DUMP2|1419206400|B|192.0.2.3|4200000001|175.45.178.0/24|4200000001 174 4837 131279|IGP|192.0.2.3|200|10||NAG||\n"
		"TABLE_DUMP2|1419206400|B|198.51.100.1|3356|175.45.179.0/24|3356 4837 131279|IGP|198.51.100.1|0|0|3356:100 3356:2001|NAG||\n"
		"TABLE_DUMP2|1419206400|B|192.0.2.3|4200000001|175.45.179.0/24|4200000001 174 4837 131279|IGP|192.0.2.3|200|10||NAG||\n"
		"TABLE_DUMP2|1419206400|B|198.51.100.1|3356|10.0.0.0/8|%s|EGP|198.51.100.1|0|0||NAG||\n"
		"TABLE_DUMP2|1419206400|B|2001:db8::2|6939|2001:db8:1000::/36|6939 64500|INCOMPLETE|2001:db8::2|0|0||NAG||\n"
		"TABLE_DUMP2|1419206400|B|198.51.100.1|3356|2001:db8:1000::/36|6939 64500|INCOMPLETE|2001:db8::2|0|0||NAG||\n"
		"TABLE_DUMP2|1419206400|B|2001:db8::2|6939|::/0|6939 64500|INCOMPLETE|2001:db8::2|0|0||NAG||\n",
		aspath);

	for (unsigned f = 0; f < 2; f++) {
		unsigned nrec;
		write_rib(path_of(files[f]), fmts[f], long_path, 300);
		char *m = read_m(path_of(files[f]), &nrec);
		assert_int_equal(nrec, 8);
		assert_text(m, expect);
		if (!check_bgpdump(path_of(files[f]), expect))
			fprintf(stderr, "bgpdump not installed: golden check skipped\n");
		free(m);
	}
}

/* ------------------------------------------------------------ updates */

#define T_UPD	1419265800u /* 2014-12-22 16:30:00 UTC */
#define N_MANY4 2500	    /* IPv4 /24s: 3 UPDATEs */
#define N_MANY6 1300	    /* IPv6 /48s: 3 UPDATEs */

static struct mrt_bgp4mp sess4(uint32_t t)
{
	struct mrt_bgp4mp h = {.time = t,
			       .peer_asn = 3356,
			       .local_asn = 6447,
			       .peer_addr = v4("198.51.100.1"),
			       .local_addr = v4("198.51.100.254")};
	return h;
}

static void write_updates(const char *path, enum io_format fmt)
{
	struct io_writer *io;
	struct mrt_writer *w;
	struct lo_err err;
	struct bgp_prefix kp[4], many4[N_MANY4], many6[N_MANY6], wd[3];
	struct mrt_attr_spec a = {.origin = 0,
				  .as_path = path_kp,
				  .n_as_path = 3,
				  .next_hop = v4("198.51.100.1"),
				  .has_med = true,
				  .med = 5,
				  .communities = comm_kp,
				  .n_communities = 2};
	struct mrt_attr_spec a6 = {.origin = 0,
				   .as_path = path_v6,
				   .n_as_path = 2,
				   .next_hop = v6(0x2001, 0xdb8, 0, 2)};

	for (unsigned i = 0; i < 4; i++) {
		kp[i] = pfx(v4("175.45.176.0"), 24);
		kp[i].addr.b[2] = (uint8_t)(176 + i);
	}
	for (unsigned i = 0; i < N_MANY4; i++) {
		many4[i] = pfx(v4("20.0.0.0"), 24);
		many4[i].addr.b[1] = (uint8_t)(i >> 8);
		many4[i].addr.b[2] = (uint8_t)i;
	}
	for (unsigned i = 0; i < N_MANY6; i++) {
		many6[i] = pfx(v6(0x2001, 0xdb8, i, 0), 48);
	}
	wd[0] = kp[0];
	wd[1] = pfx(v6(0x2001, 0xdb8, 0x1000, 0), 36);
	wd[2] = kp[1];

	assert_int_equal(io_create(&io, path, fmt, -1, &err), 0);
	assert_int_equal(mrt_writer_new(&w, io), 0);
	struct mrt_bgp4mp h = sess4(T_UPD);
	assert_int_equal(mrt_write_update(w, &h, &a, kp, 4, NULL, 0, &err), 0);
	/* mixed: IPv4 withdrawals, an IPv6 one in MP_UNREACH, and announcements */
	h.time++;
	assert_int_equal(mrt_write_update(w, &h, &a, kp + 2, 2, wd, 3, &err), 0);
	/* IPv6 announcement with microseconds (BGP4MP_ET) over an IPv6 session */
	struct mrt_bgp4mp h6 = {.time = T_UPD + 2,
				.usec = 250000,
				.et = true,
				.peer_asn = 6939,
				.local_asn = 6447,
				.peer_addr = v6(0x2001, 0xdb8, 0, 2),
				.local_addr = v6(0x2001, 0xdb8, 0, 0xfe)};
	assert_int_equal(mrt_write_update(w, &h6, &a6, many6, 2, NULL, 0, &err), 0);
	/* mismatched families are refused */
	assert_int_equal(mrt_write_update(w, &h6, &a, many6, 1, NULL, 0, &err), LO_EINVAL);
	struct mrt_bgp4mp hbad = h6;
	hbad.local_addr = v4("192.0.2.1");
	assert_int_equal(mrt_write_update(w, &hbad, &a6, many6, 1, NULL, 0, &err), LO_EINVAL);
	/* nothing to say: nothing written */
	assert_int_equal(mrt_write_update(w, &h, &a, NULL, 0, NULL, 0, &err), 0);
	uint64_t before = mrt_writer_stats(w)->updates;
	assert_int_equal(before, 3);

	/* many prefixes: split over several UPDATEs */
	h.time = T_UPD + 10;
	assert_int_equal(mrt_write_update(w, &h, &a, many4, N_MANY4, NULL, 0, &err), 0);
	h.time++;
	assert_int_equal(mrt_write_update(w, &h, NULL, NULL, 0, many4, N_MANY4, &err), 0);
	h6.time = T_UPD + 12;
	assert_int_equal(mrt_write_update(w, &h6, &a6, many6, N_MANY6, NULL, 0, &err), 0);
	h6.time++;
	assert_int_equal(mrt_write_update(w, &h6, NULL, NULL, 0, many6, N_MANY6, &err), 0);
	assert_true(mrt_writer_stats(w)->updates >= before + 12);

	/* the session resets: Established -> Idle, then back */
	h.time = T_UPD + 20;
	assert_int_equal(mrt_write_state_change(w, &h, 6, 1, &err), 0);
	h.time++;
	assert_int_equal(mrt_write_state_change(w, &h, 1, 6, &err), 0);
	assert_int_equal(mrt_writer_stats(w)->state_changes, 2);
	mrt_writer_free(w);
	assert_int_equal(io_close(io, &err), 0);
}

/* The first 3 UPDATEs and the state changes, as -m prints them. */
static const char upd_head[] =
	"BGP4MP|1419265800|A|198.51.100.1|3356|175.45.176.0/24|3356 4837 131279|IGP|198.51.100.1|0|5|3356:100 3356:2001|NAG||\n"
	"BGP4MP|1419265800|A|198.51.100.1|3356|175.45.177.0/24|3356 4837 131279|IGP|198.51.100.1|0|5|3356:100 3356:2001|NAG||\n"
	"BGP4MP|1419265800|A|198.51.100.1|3356|175.45.178.0/24|3356 4837 131279|IGP|198.51.100.1|0|5|3356:100 3356:2001|NAG||\n"
	"BGP4MP|1419265800|A|198.51.100.1|3356|175.45.179.0/24|3356 4837 131279|IGP|198.51.100.1|0|5|3356:100 3356:2001|NAG||\n"
	"BGP4MP|1419265801|W|198.51.100.1|3356|175.45.176.0/24\n"
	"BGP4MP|1419265801|W|198.51.100.1|3356|175.45.177.0/24\n"
	"BGP4MP|1419265801|W|198.51.100.1|3356|2001:db8:1000::/36\n"
	"BGP4MP|1419265801|A|198.51.100.1|3356|175.45.178.0/24|3356 4837 131279|IGP|198.51.100.1|0|5|3356:100 3356:2001|NAG||\n"
	"BGP4MP|1419265801|A|198.51.100.1|3356|175.45.179.0/24|3356 4837 131279|IGP|198.51.100.1|0|5|3356:100 3356:2001|NAG||\n"
	"BGP4MP_ET|1419265802.250000|A|2001:db8::2|6939|2001:db8::/48|6939 64500|IGP|2001:db8::2|0|0||NAG||\n"
	"BGP4MP_ET|1419265802.250000|A|2001:db8::2|6939|2001:db8:1::/48|6939 64500|IGP|2001:db8::2|0|0||NAG||\n";
static const char upd_tail[] = "BGP4MP|1419265820|STATE|198.51.100.1|3356|6|1\n"
			       "BGP4MP|1419265821|STATE|198.51.100.1|3356|1|6\n";

/* Read @path elem by elem and check every prefix of the big UPDATEs. */
static void check_update_elems(const char *path)
{
	struct io_reader *io;
	struct lo_err err;
	const struct mrt_record *rec;
	const struct mrt_elem *e;
	unsigned a4 = 0, w4 = 0, a6 = 0, w6 = 0, states = 0, msgs = 0;

	assert_int_equal(io_open(&io, path, NULL, &err), 0);
	struct mrt_reader *r = mrt_reader_new(io);
	while (mrt_reader_next(r, &rec, &err) == 1) {
		if (rec->msg_type == BGP_MSG_UPDATE) {
			/* the BGP message (after the BGP4MP header) is at most 4096 bytes */
			size_t hdr = 4 + 4 + 2 + 2 + 2 * (rec->session_afi == 2 ? 16 : 4) +
				     (rec->type == MRT_T_BGP4MP_ET ? 4 : 0);
			assert_true(rec->length - hdr <= 4096);
			assert_true(rec->length - hdr >= 19);
			msgs++;
		}
		while (mrt_record_next_elem(r, &e) == 1) {
			if (e->time < T_UPD + 10)
				continue;
			if (e->type == MRT_ELEM_STATE) {
				states++;
				continue;
			}
			unsigned fam = e->prefix.addr.family;
			unsigned i = fam == 4 ? (e->type == MRT_ELEM_ANNOUNCE ? a4 : w4)
					      : (e->type == MRT_ELEM_ANNOUNCE ? a6 : w6);
			if (fam == 4) {
				assert_int_equal(e->prefix.len, 24);
				assert_int_equal(e->prefix.addr.b[0], 20);
				assert_int_equal(e->prefix.addr.b[1] << 8 | e->prefix.addr.b[2], i);
			} else {
				assert_int_equal(e->prefix.len, 48);
				assert_int_equal(e->prefix.addr.b[4] << 8 | e->prefix.addr.b[5], i);
			}
			if (e->type == MRT_ELEM_ANNOUNCE) {
				assert_non_null(e->attrs);
				assert_int_equal(e->attrs->origin, 0);
				assert_int_equal(bgp_aspath_origin(e->attrs->as_path,
								   e->attrs->as_path_len,
								   e->attrs->asn_size),
						 fam == 4 ? 131279 : 64500);
				*(fam == 4 ? &a4 : &a6) += 1;
			} else {
				*(fam == 4 ? &w4 : &w6) += 1;
			}
		}
	}
	assert_int_equal(a4, N_MANY4);
	assert_int_equal(w4, N_MANY4);
	assert_int_equal(a6, N_MANY6);
	assert_int_equal(w6, N_MANY6);
	assert_int_equal(states, 2);
	/* 3 small ones; 2500 x 4 B and 1300 x 7 B need 3 messages each way */
	assert_int_equal(msgs, 3 + 3 + 3 + 3 + 3);
	mrt_reader_free(r);
	io_free(io);
}

static void test_update_roundtrip(void **state)
{
	static const char *files[] = {"updates.20141222.1630.gz", "updates.20141222.1630.bz2"};
	static const enum io_format fmts[] = {IO_GZIP, IO_BZIP2};

	for (unsigned f = 0; f < 2; f++) {
		unsigned nrec;
		write_updates(path_of(files[f]), fmts[f]);
		char *m = read_m(path_of(files[f]), &nrec);
		assert_int_equal(nrec, 15 + 2);
		assert_int_equal(count_lines(m), 11 + 2 * N_MANY4 + 2 * N_MANY6 + 2);
		assert_memory_equal(m, upd_head, sizeof(upd_head) - 1);
		size_t n = strlen(m);
		assert_string_equal(m + n - (sizeof(upd_tail) - 1), upd_tail);
		check_update_elems(path_of(files[f]));
		check_bgpdump(path_of(files[f]), m);
		free(m);
	}
}

/* An UPDATE whose attributes leave no room for a prefix is refused. */
static void test_update_too_big(void **state)
{
	static uint32_t path[1100];
	struct io_writer *io;
	struct mrt_writer *w;
	struct lo_err err;

	for (unsigned i = 0; i < 1100; i++)
		path[i] = 64512 + i;
	struct mrt_attr_spec a = {.as_path = path, .n_as_path = 1100, .next_hop = v4("192.0.2.1")};
	struct bgp_prefix p = pfx(v4("192.0.2.0"), 24);
	struct mrt_bgp4mp h = sess4(T_UPD);

	empty_dir();
	assert_int_equal(io_create(&io, path_of("big"), IO_PLAIN, -1, &err), 0);
	assert_int_equal(mrt_writer_new(&w, io), 0);
	assert_int_equal(mrt_write_update(w, &h, &a, &p, 1, NULL, 0, &err), LO_ETOOBIG);
	assert_int_equal(mrt_writer_stats(w)->records, 0);
	/* the same path fits a RIB entry (2-byte attribute length) */
	struct mrt_peer peer = {.addr = v4("192.0.2.1"), .asn = 64512};
	const uint8_t id[4] = {1, 2, 3, 4};
	assert_int_equal(mrt_write_peer_index(w, T_RIB, id, NULL, &peer, 1, &err), 0);
	struct mrt_rib_entry e = {0, T_RIB, &a};
	assert_int_equal(mrt_write_rib(w, T_RIB, &p, &e, 1, &err), 0);
	mrt_writer_free(w);
	assert_int_equal(io_close(io, &err), 0);
	unsigned nrec;
	char *m = read_m(path_of("big"), &nrec);
	assert_int_equal(nrec, 2);
	assert_int_equal(count_lines(m), 1);
	free(m);
}

/*
 * A live message through memory: one UPDATE as a router sends it (ORIGIN
 * IGP, AS_PATH 4837 131279, NEXT_HOP 198.18.1.2, NLRI 175.45.176.0/24 and
 * .177.0/24; 4-byte ASNs) becomes a BGP4MP_ET record built without a file,
 * and a reader without io decodes it back into two elems.  With ADD-PATH
 * the NLRI carry path ids; with 2-byte ASNs the subtype is MESSAGE.
 */
static void test_message_in_memory(void **state)
{
	static const uint8_t upd[] =
		{
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,	  55,	2, /* header: length 55, UPDATE */
			0,    0,					   /* no withdrawals */
			0,    24,					   /* attributes */
			0x40, 1,    1,	  0,				   /* ORIGIN IGP */
			0x40, 2,    10,	  2,	2,    0,    0,	  0x12, 0xe5, 0,
			2,    0x00, 0xcf,		       /* AS_PATH 4837 131279 */
			0x40, 3,    4,	  198,	18,   1,    2, /* NEXT_HOP */
			24,   175,  45,	  176,	24,   175,  45,	  177};
	static const uint8_t upd_ap[] =
		{
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0,    55,   2,	  0,	0,    0,    24,	  0x40,
			1,    1,    0,	  0x40, 2,    10,   2,	  2,	0,    0,    0x12, 0xe5,
			0,    2,    0x00, 0xcf, 0x40, 3,    4,	  198,	18,   1,    2,	  0,
			0,    0,    7,	  24,	175,  45,   176}; /* path id 7, 175.45.176.0/24 */
	struct mrt_writer *w;
	struct lo_err err;
	struct mrt_bgp4mp h = {
		.time = 1419264921, .usec = 5, .et = true, .peer_asn = 4837, .local_asn = 65000};
	h.peer_addr.family = h.local_addr.family = 4;
	memcpy(h.peer_addr.b, (uint8_t[]){198, 18, 1, 2}, 4);
	memcpy(h.local_addr.b, (uint8_t[]){198, 18, 0, 1}, 4);

	assert_int_equal(mrt_writer_new(&w, NULL), 0);
	struct mrt_reader *r = mrt_reader_new(NULL);
	assert_non_null(r);
	const struct mrt_record *rec;
	const struct mrt_elem *e;
	size_t len;

	/* nothing pushed: the end */
	assert_int_equal(mrt_reader_next(r, &rec, &err), 0);

	assert_int_equal(mrt_write_message(w, &h, upd, sizeof(upd), 0, &err), 0);
	const uint8_t *b = mrt_writer_record(w, &len);
	assert_int_equal(len, 16 + 4 + 4 + 2 + 2 + 8 + sizeof(upd));
	assert_int_equal(b[5], MRT_T_BGP4MP_ET);
	assert_int_equal(b[7], MRT_BGP4MP_MESSAGE_AS4);
	assert_int_equal(mrt_reader_push(r, b, len), 0);
	assert_int_equal(mrt_reader_next(r, &rec, &err), 1);
	assert_int_equal(rec->time, 1419264921);
	assert_int_equal(rec->peer_asn, 4837);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(mrt_record_next_elem(r, &e), 1);
		assert_int_equal(e->type, MRT_ELEM_ANNOUNCE);
		assert_int_equal(e->prefix.len, 24);
		assert_int_equal(e->prefix.addr.b[2], 176 + i);
		assert_int_equal(e->attrs->as_path_len, 10);
	}
	assert_int_equal(mrt_record_next_elem(r, &e), 0);
	assert_int_equal(mrt_reader_next(r, &rec, &err), 0);

	/* ADD-PATH: subtype 9, the path id decoded */
	assert_int_equal(mrt_write_message(w, &h, upd_ap, sizeof(upd_ap), MRT_MSG_ADDPATH, &err),
			 0);
	b = mrt_writer_record(w, &len);
	assert_int_equal(b[7], MRT_BGP4MP_MESSAGE_AS4_ADDPATH);
	assert_int_equal(mrt_reader_push(r, b, len), 0);
	assert_int_equal(mrt_reader_next(r, &rec, &err), 1);
	assert_int_equal(mrt_record_next_elem(r, &e), 1);
	assert_true(e->prefix.has_path_id);
	assert_int_equal(e->prefix.path_id, 7);
	assert_int_equal(e->prefix.addr.b[2], 176);
	assert_int_equal(mrt_record_next_elem(r, &e), 0);

	/* 2-byte session: subtype MESSAGE, 2-byte ASNs, AS_TRANS for a large one */
	h.local_asn = 4200000000u;
	assert_int_equal(mrt_write_message(w, &h, upd, 19, MRT_MSG_AS2, &err), 0);
	b = mrt_writer_record(w, &len);
	assert_int_equal(b[7], MRT_BGP4MP_MESSAGE);
	assert_int_equal(b[16] << 8 | b[17], 4837);
	assert_int_equal(b[18] << 8 | b[19], 23456);

	/* bad input */
	assert_int_equal(mrt_write_message(w, &h, upd, 18, 0, &err), LO_EINVAL);
	h.local_addr.family = 6;
	assert_int_equal(mrt_write_message(w, &h, upd, sizeof(upd), 0, &err), LO_EINVAL);
	assert_int_equal(mrt_writer_stats(w)->updates, 3);
	mrt_writer_free(w);
	mrt_reader_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_roundtrip),   cmocka_unit_test(test_io_missing_dir),
		cmocka_unit_test(test_io_abort),       cmocka_unit_test(test_io_disk_full),
		cmocka_unit_test(test_rib_roundtrip),  cmocka_unit_test(test_update_roundtrip),
		cmocka_unit_test(test_update_too_big), cmocka_unit_test(test_message_in_memory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
