/*
 * DOC: unit tests for src/io — every format round-trips, multi-member gzip,
 * multi-stream bzip2 and xz, many-block bzip2 on worker threads, cut files
 * (a correct prefix, then LO_ETRUNC with the offset), damaged files
 * (LO_ECORRUPT), detection by magic and not by name, stdin through a pipe,
 * and the merge path for false block magics.
 *
 * Test inputs are made at run time in a temporary directory with the
 * gzip / bzip2 / xz command line tools (lbzip2 when installed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/io.h"
#include "io/io_int.h"

static char tmpdir[256];

struct blob {
	uint8_t *p;
	size_t n;
};

/* ------------------------------------------------------------ helpers */

static const char *path_of(const char *name)
{
	static char buf[4][512];
	static unsigned k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

static bool have_tool(const char *name)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static struct blob slurp(const char *path)
{
	struct blob b = {0};
	struct stat st;
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	b.n = (size_t)st.st_size;
	b.p = malloc(b.n + 1);
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, b.n, f), b.n);
	fclose(f);
	return b;
}

/*
 * Text that compresses like logs do but is not trivially repetitive: words
 * from a small vocabulary, numbers, line breaks, driven by an LCG.
 */
static struct blob gen_text(size_t n, uint32_t seed)
{
	static const char *words[] = {"route",	    "peer",    "prefix",    "withdraw",
				      "announce",   "AS",      "path",	    "origin",
				      "IGP",	    "nexthop", "community", "med",
				      "local_pref", "update",  "keepalive", "open"};
	struct blob b = {malloc(n + 64), 0};
	uint32_t x = seed;

	assert_non_null(b.p);
	while (b.n < n) {
		x = x * 1103515245u + 12345u;
		unsigned r = x >> 16;
		int k;
		if (r % 7 == 0)
			k = snprintf((char *)b.p + b.n, 64, "%u.%u.%u.0/%u ", r & 0xff,
				     (r >> 4) & 0xff, (x >> 8) & 0xff, 8 + r % 17);
		else if (r % 11 == 0)
			k = snprintf((char *)b.p + b.n, 64, "\n");
		else
			k = snprintf((char *)b.p + b.n, 64, "%s ", words[r % 16]);
		b.n += (size_t)k;
	}
	b.n = n;
	return b;
}

/*
 * struct got - everything read from one file: the bytes, the final return
 * code (0 for a clean end) and the error.
 */
struct got {
	struct blob out;
	int rc;
	struct lo_err err;
	enum io_format fmt;
	uint64_t tell_in;
};

/* Read @path fully in odd-sized pieces with @threads (false cuts if @cuts). */
static struct got read_all_ex(const char *path, unsigned threads, bool cuts)
{
	struct io_opts opts = {.threads = threads};
	struct io_reader *r = NULL;
	struct got g = {{0}, 0, {0}, IO_PLAIN, 0};
	size_t cap = 1 << 16;
	static const size_t sizes[] = {1, 4093, 65536, 7, 200000, 12};
	unsigned i = 0;
	ssize_t n;

	lo_err_clear(&g.err);
	assert_int_equal(io_open(&r, path, &opts, &g.err), 0);
	if (cuts)
		io_test_bz2_false_cuts(r);
	g.fmt = io_format(r);
	g.out.p = malloc(cap);
	for (;;) {
		size_t want = sizes[i++ % 6];
		if (g.out.n + want > cap) {
			while (g.out.n + want > cap)
				cap *= 2;
			g.out.p = realloc(g.out.p, cap);
			assert_non_null(g.out.p);
		}
		n = io_read(r, g.out.p + g.out.n, want, &g.err);
		if (n <= 0)
			break;
		assert_true((size_t)n <= want);
		g.out.n += (size_t)n;
	}
	g.rc = (int)n;
	if (n < 0) { /* errors are sticky */
		struct lo_err again;
		uint8_t c;
		assert_int_equal(io_read(r, &c, 1, &again), n);
		assert_int_equal(again.code, n);
	} else {
		uint8_t c;
		assert_int_equal(io_read(r, &c, 1, NULL), 0);
	}
	g.tell_in = io_tell_in(r);
	io_free(r);
	return g;
}

static struct got read_all(const char *path, unsigned threads)
{
	return read_all_ex(path, threads, false);
}

static void got_free(struct got *g)
{
	free(g->out.p);
	g->out.p = NULL;
}

static void assert_same(const struct blob *a, const struct blob *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->p, b->p, a->n);
}

static void assert_prefix(const struct blob *part, const struct blob *whole)
{
	assert_true(part->n <= whole->n);
	assert_memory_equal(part->p, whole->p, part->n);
}

static void cut_file(const char *from, const char *to, size_t keep)
{
	struct blob b = slurp(from);
	assert_true(keep <= b.n);
	write_file(to, b.p, keep);
	free(b.p);
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

/* ------------------------------------------------------------ fixtures */

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/lo_test_io.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ plain */

static void plain_roundtrip(void **state)
{
	struct blob t = gen_text(300000, 1);
	const char *p = path_of("plain.txt");

	write_file(p, t.p, t.n);
	struct got g = read_all(p, 0);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.fmt, IO_PLAIN);
	assert_same(&g.out, &t);
	assert_int_equal(g.tell_in, t.n);

	struct io_reader *r;
	assert_int_equal(io_open(&r, p, NULL, NULL), 0);
	assert_int_equal(io_size_in(r), t.n);
	assert_string_equal(io_name(r), p);
	assert_string_equal(io_format_name(io_format(r)), "plain");
	assert_string_equal(io_format_name(IO_GZIP), "gzip");
	assert_string_equal(io_format_name(IO_BZIP2), "bzip2");
	assert_string_equal(io_format_name(IO_XZ), "xz");
	io_free(r);
	got_free(&g);
	free(t.p);
}

static void empty_file(void **state)
{
	const char *p = path_of("empty");

	write_file(p, "", 0);
	struct got g = read_all(p, 2);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.fmt, IO_PLAIN);
	assert_int_equal(g.out.n, 0);
	got_free(&g);
}

static void missing_file(void **state)
{
	struct io_reader *r = (struct io_reader *)&r;
	struct lo_err err;
	const char *p = path_of("does/not/exist.bz2");

	lo_err_clear(&err);
	assert_int_equal(io_open(&r, p, NULL, &err), LO_ENOENT);
	assert_null(r);
	assert_int_equal(err.code, LO_ENOENT);
	assert_non_null(strstr(err.msg, p));
	io_free(NULL);
}

static void directory_is_an_error(void **state)
{
	struct io_reader *r;
	struct lo_err err;

	assert_int_equal(io_open(&r, tmpdir, NULL, &err), LO_EIO);
	assert_non_null(strstr(err.msg, tmpdir));
}

static void detection_ignores_names(void **state)
{
	struct blob t = gen_text(5000, 2);

	/* gzip data called .txt, plain text called .bz2 / .gz */
	write_file(path_of("g.src"), t.p, t.n);
	sh("gzip -c %s > %s", path_of("g.src"), path_of("data.txt"));
	write_file(path_of("fake.bz2"), t.p, t.n);
	write_file(path_of("fake.gz"), "BZ", 2); /* too short for any magic */

	struct got g = read_all(path_of("data.txt"), 1);
	assert_int_equal(g.fmt, IO_GZIP);
	assert_same(&g.out, &t);
	got_free(&g);
	g = read_all(path_of("fake.bz2"), 1);
	assert_int_equal(g.fmt, IO_PLAIN);
	assert_same(&g.out, &t);
	got_free(&g);
	g = read_all(path_of("fake.gz"), 1);
	assert_int_equal(g.fmt, IO_PLAIN);
	assert_int_equal(g.out.n, 2);
	got_free(&g);
	free(t.p);
}

/* ------------------------------------------------------------ gzip */

static void gzip_roundtrip_and_members(void **state)
{
	struct blob a = gen_text(700000, 3), b = gen_text(300000, 4);
	struct blob ab = {malloc(a.n + b.n), a.n + b.n};

	memcpy(ab.p, a.p, a.n);
	memcpy(ab.p + a.n, b.p, b.n);
	write_file(path_of("a.txt"), a.p, a.n);
	write_file(path_of("b.txt"), b.p, b.n);
	sh("gzip -9 -c %s > %s", path_of("a.txt"), path_of("a.gz"));
	sh("gzip -1 -c %s > %s", path_of("b.txt"), path_of("b.gz"));
	sh("cat %s %s > %s", path_of("a.gz"), path_of("b.gz"), path_of("ab.gz"));

	struct got g = read_all(path_of("a.gz"), 0);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.fmt, IO_GZIP);
	assert_same(&g.out, &a);
	assert_int_equal(g.tell_in, file_size(path_of("a.gz")));
	got_free(&g);

	g = read_all(path_of("ab.gz"), 0); /* both members, not just the first */
	assert_int_equal(g.rc, 0);
	assert_same(&g.out, &ab);
	got_free(&g);

	/* bytes after the last member are ignored, as gzip does */
	sh("cat %s > %s && printf 'junk' >> %s", path_of("a.gz"), path_of("ajunk.gz"),
	   path_of("ajunk.gz"));
	g = read_all(path_of("ajunk.gz"), 0);
	assert_int_equal(g.rc, 0);
	assert_same(&g.out, &a);
	got_free(&g);
	free(a.p);
	free(b.p);
	free(ab.p);
}

static void gzip_truncated(void **state)
{
	struct blob t = gen_text(1000000, 5);

	write_file(path_of("t.txt"), t.p, t.n);
	sh("gzip -c %s > %s", path_of("t.txt"), path_of("t.gz"));
	uint64_t full = file_size(path_of("t.gz"));
	size_t cuts[] = {(size_t)full * 6 / 10, (size_t)full - 4 /* inside the trailer */,
			 (size_t)full + 1 /* a lone 1f of a next member */};

	for (int i = 0; i < 3; i++) {
		if (i == 2)
			sh("cp %s %s && printf '\\037' >> %s", path_of("t.gz"), path_of("tcut.gz"),
			   path_of("tcut.gz"));
		else
			cut_file(path_of("t.gz"), path_of("tcut.gz"), cuts[i]);
		struct got g = read_all(path_of("tcut.gz"), 0);
		assert_int_equal(g.rc, LO_ETRUNC);
		assert_int_equal(g.err.code, LO_ETRUNC);
		assert_prefix(&g.out, &t);
		if (i == 0)
			assert_true(g.out.n > t.n / 3);
		else
			assert_int_equal(g.out.n, t.n); /* all data came out */
		assert_int_equal(g.err.offset, cuts[i]);
		assert_non_null(strstr(g.err.msg, "gzip stream truncated at compressed offset"));
		got_free(&g);
	}
	free(t.p);
}

static void gzip_corrupt(void **state)
{
	struct blob t = gen_text(500000, 6);

	write_file(path_of("c.txt"), t.p, t.n);
	sh("gzip -c %s > %s", path_of("c.txt"), path_of("c.gz"));
	struct blob z = slurp(path_of("c.gz"));
	for (size_t i = z.n / 2; i < z.n / 2 + 64; i++)
		z.p[i] ^= 0x5a;
	write_file(path_of("c.gz"), z.p, z.n);

	struct got g = read_all(path_of("c.gz"), 0);
	assert_int_equal(g.rc, LO_ECORRUPT);
	assert_true(g.err.offset != LO_NOOFF && g.err.offset <= z.n);
	assert_non_null(strstr(g.err.msg, "gzip data corrupt"));
	assert_true(g.out.n > 1000);
	assert_memory_equal(g.out.p, t.p, 1000);
	got_free(&g);
	free(z.p);
	free(t.p);
}

/* ------------------------------------------------------------ bzip2 */

static void bzip2_roundtrip(void **state)
{
	struct blob t = gen_text(2000000, 7);

	write_file(path_of("b.txt"), t.p, t.n);
	sh("bzip2 -9 -c %s > %s", path_of("b.txt"), path_of("b.bz2"));
	for (unsigned th = 0; th <= 4; th++) {
		struct got g = read_all(path_of("b.bz2"), th);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.fmt, IO_BZIP2);
		assert_same(&g.out, &t);
		assert_int_equal(g.tell_in, file_size(path_of("b.bz2")));
		got_free(&g);
	}
	free(t.p);
}

static void bzip2_many_blocks_threads(void **state)
{
	struct blob t = gen_text(4000000, 8);

	write_file(path_of("m.txt"), t.p, t.n);
	sh("bzip2 -1 -c %s > %s", path_of("m.txt"), path_of("m.bz2"));
	/* -1 makes 100k blocks: about 40 of them, decoded out of order */
	for (unsigned th = 2; th <= 3; th++) {
		struct got g = read_all(path_of("m.bz2"), th);
		assert_int_equal(g.rc, 0);
		assert_same(&g.out, &t);
		got_free(&g);
	}
	/* freeing mid-stream stops busy workers (no hang, no leak under ASan) */
	for (unsigned th = 2; th <= 8; th *= 2) {
		struct io_opts opts = {.threads = th};
		struct io_reader *r;
		uint8_t buf[10];
		assert_int_equal(io_open(&r, path_of("m.bz2"), &opts, NULL), 0);
		assert_int_equal(io_read(r, buf, sizeof(buf), NULL), sizeof(buf));
		assert_memory_equal(buf, t.p, sizeof(buf));
		io_free(r);
	}
	if (have_tool("lbzip2")) { /* a different encoder of the same format */
		sh("lbzip2 -n 2 -c %s > %s", path_of("m.txt"), path_of("ml.bz2"));
		struct got g = read_all(path_of("ml.bz2"), 2);
		assert_int_equal(g.rc, 0);
		assert_same(&g.out, &t);
		got_free(&g);
	}
	free(t.p);
}

static void bzip2_multi_stream(void **state)
{
	struct blob a = gen_text(450000, 9), b = gen_text(250000, 10);
	struct blob e = {(uint8_t *)"", 0};
	struct blob ab = {malloc(a.n + b.n), a.n + b.n};

	memcpy(ab.p, a.p, a.n);
	memcpy(ab.p + a.n, b.p, b.n);
	write_file(path_of("sa.txt"), a.p, a.n);
	write_file(path_of("sb.txt"), b.p, b.n);
	write_file(path_of("se.txt"), "", 0);
	sh("bzip2 -2 -c %s > %s", path_of("sa.txt"), path_of("sa.bz2"));
	sh("bzip2 -9 -c %s > %s", path_of("sb.txt"), path_of("sb.bz2"));
	sh("bzip2 -c %s > %s", path_of("se.txt"), path_of("se.bz2"));
	/* an empty stream between two others, as some tools write */
	sh("cat %s %s %s > %s", path_of("sa.bz2"), path_of("se.bz2"), path_of("sb.bz2"),
	   path_of("sab.bz2"));
	for (unsigned th = 1; th <= 2; th++) {
		struct got g = read_all(path_of("sab.bz2"), th);
		assert_int_equal(g.rc, 0);
		assert_same(&g.out, &ab);
		got_free(&g);

		g = read_all(path_of("se.bz2"), th);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.fmt, IO_BZIP2);
		assert_same(&g.out, &e);
		got_free(&g);

		g = read_all_ex(path_of("sab.bz2"), th, true);
		assert_int_equal(g.rc, 0);
		assert_same(&g.out, &ab);
		got_free(&g);
	}
	/* trailing garbage is ignored, as bzip2 does */
	sh("cat %s > %s && printf 'garbage!' >> %s", path_of("sa.bz2"), path_of("sg.bz2"),
	   path_of("sg.bz2"));
	for (unsigned th = 1; th <= 2; th++) {
		struct got g = read_all(path_of("sg.bz2"), th);
		assert_int_equal(g.rc, 0);
		assert_same(&g.out, &a);
		got_free(&g);
	}
	free(a.p);
	free(b.p);
	free(ab.p);
}

/* False 48-bit magics inside block data: the merge-and-retry path. */
static void bzip2_false_magic_merge(void **state)
{
	struct blob t = gen_text(1500000, 11);

	write_file(path_of("f.txt"), t.p, t.n);
	sh("bzip2 -1 -c %s > %s", path_of("f.txt"), path_of("f.bz2"));
	for (unsigned th = 2; th <= 4; th += 2) {
		struct got g = read_all_ex(path_of("f.bz2"), th, true);
		assert_int_equal(g.rc, 0);
		assert_same(&g.out, &t);
		got_free(&g);
	}
	/* and when the file is also cut short */
	cut_file(path_of("f.bz2"), path_of("fcut.bz2"), (size_t)file_size(path_of("f.bz2")) / 2);
	struct got s = read_all(path_of("fcut.bz2"), 1);
	struct got g = read_all_ex(path_of("fcut.bz2"), 2, true);
	assert_int_equal(s.rc, LO_ETRUNC);
	assert_int_equal(g.rc, LO_ETRUNC);
	assert_same(&g.out, &s.out);
	got_free(&g);
	got_free(&s);
	free(t.p);
}

static void bzip2_truncated(void **state)
{
	struct blob t = gen_text(2500000, 12);

	write_file(path_of("tr.txt"), t.p, t.n);
	sh("bzip2 -1 -c %s > %s", path_of("tr.txt"), path_of("tr.bz2"));
	uint64_t full = file_size(path_of("tr.bz2"));
	/* in the middle of a block; inside the end-of-stream trailer; after
	 * "BZ" of a next stream's header */
	size_t cuts[] = {(size_t)full / 2, (size_t)full - 3, (size_t)full + 2};

	for (int i = 0; i < 3; i++) {
		if (i == 2)
			sh("cp %s %s && printf 'BZ' >> %s", path_of("tr.bz2"), path_of("trc.bz2"),
			   path_of("trc.bz2"));
		else
			cut_file(path_of("tr.bz2"), path_of("trc.bz2"), cuts[i]);
		struct got seq = read_all(path_of("trc.bz2"), 1);
		for (unsigned th = 1; th <= 3; th++) {
			struct got g = read_all(path_of("trc.bz2"), th);
			assert_int_equal(g.rc, LO_ETRUNC);
			assert_int_equal(g.err.code, LO_ETRUNC);
			assert_int_equal(g.err.offset, cuts[i]);
			char want[96];
			snprintf(want, sizeof(want),
				 "bzip2 stream truncated at compressed offset %zu", cuts[i]);
			assert_string_equal(g.err.msg, want);
			assert_prefix(&g.out, &t);
			if (i == 0) /* whole 100k blocks only */
				assert_true(g.out.n > t.n / 4 && g.out.n < t.n);
			else /* every block was complete */
				assert_int_equal(g.out.n, t.n);
			assert_same(&g.out, &seq.out); /* threads do not change it */
			got_free(&g);
		}
		got_free(&seq);
	}
	free(t.p);
}

static void bzip2_corrupt(void **state)
{
	struct blob t = gen_text(1200000, 13);

	write_file(path_of("bc.txt"), t.p, t.n);
	sh("bzip2 -1 -c %s > %s", path_of("bc.txt"), path_of("bc.bz2"));
	struct blob z = slurp(path_of("bc.bz2"));
	for (size_t i = z.n * 6 / 10; i < z.n * 6 / 10 + 16; i++)
		z.p[i] ^= 0xa5;
	write_file(path_of("bc.bz2"), z.p, z.n);

	struct got seq = read_all(path_of("bc.bz2"), 1);
	assert_int_equal(seq.rc, LO_ECORRUPT);
	for (unsigned th = 2; th <= 3; th++) {
		struct got g = read_all(path_of("bc.bz2"), th);
		assert_int_equal(g.rc, LO_ECORRUPT);
		assert_true(g.err.offset < z.n * 6 / 10);
		assert_non_null(strstr(g.err.msg, "bzip2 data corrupt"));
		/* the blocks before the damage are all there */
		assert_true(g.out.n >= 300000);
		assert_memory_equal(g.out.p, t.p, 300000);
		assert_same(&g.out, &seq.out); /* as libbz2 decodes it sequentially */
		got_free(&g);
	}
	got_free(&seq);
	free(z.p);
	free(t.p);
}

/* A stream CRC that disagrees with its blocks is caught in parallel mode. */
static void bzip2_stream_crc_checked(void **state)
{
	struct blob t = gen_text(300000, 14);

	write_file(path_of("sc.txt"), t.p, t.n);
	sh("bzip2 -1 -c %s > %s", path_of("sc.txt"), path_of("sc.bz2"));
	struct blob z = slurp(path_of("sc.bz2"));
	/* the stored combined CRC is in the last 4-5 bytes; flip one of its bits
	 * that is not padding: the 32 bits before the final padding */
	z.p[z.n - 2] ^= 0x10;
	write_file(path_of("sc.bz2"), z.p, z.n);
	for (unsigned th = 1; th <= 2; th++) {
		struct got g = read_all(path_of("sc.bz2"), th);
		assert_int_equal(g.rc, LO_ECORRUPT);
		assert_same(&g.out, &t); /* the blocks themselves are fine */
		got_free(&g);
	}
	free(z.p);
	free(t.p);
}

/* "-" reads stdin, which cannot seek: feed it through a pipe. */
static void stdin_pipe(void **state)
{
	struct blob t = gen_text(600000, 15);
	int fds[2], saved = dup(STDIN_FILENO);

	write_file(path_of("in.txt"), t.p, t.n);
	sh("bzip2 -1 -c %s > %s", path_of("in.txt"), path_of("in.bz2"));
	for (unsigned th = 1; th <= 2; th++) {
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			dup2(fds[1], STDOUT_FILENO);
			execlp("cat", "cat", path_of("in.bz2"), (char *)NULL);
			_exit(127);
		}
		close(fds[1]);
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		struct got g = read_all("-", th);
		int status;
		waitpid(pid, &status, 0);
		dup2(saved, STDIN_FILENO);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.fmt, IO_BZIP2);
		assert_same(&g.out, &t);
		got_free(&g);
	}
	close(saved);
	free(t.p);
}

/* ------------------------------------------------------------ xz */

static void xz_roundtrip_streams_truncated(void **state)
{
	struct blob a = gen_text(800000, 16), b = gen_text(100000, 17);
	struct blob ab = {malloc(a.n + b.n), a.n + b.n};

	memcpy(ab.p, a.p, a.n);
	memcpy(ab.p + a.n, b.p, b.n);
	write_file(path_of("xa.txt"), a.p, a.n);
	write_file(path_of("xb.txt"), b.p, b.n);
	sh("xz -c %s > %s", path_of("xa.txt"), path_of("xa.xz"));
	sh("xz -1 -c %s > %s", path_of("xb.txt"), path_of("xb.xz"));
	sh("cat %s %s > %s", path_of("xa.xz"), path_of("xb.xz"), path_of("xab.xz"));

	struct got g = read_all(path_of("xa.xz"), 0);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.fmt, IO_XZ);
	assert_same(&g.out, &a);
	got_free(&g);

	g = read_all(path_of("xab.xz"), 0);
	assert_int_equal(g.rc, 0);
	assert_same(&g.out, &ab);
	got_free(&g);

	size_t cut = (size_t)file_size(path_of("xa.xz")) / 2;
	cut_file(path_of("xa.xz"), path_of("xcut.xz"), cut);
	g = read_all(path_of("xcut.xz"), 0);
	assert_int_equal(g.rc, LO_ETRUNC);
	assert_prefix(&g.out, &a);
	assert_true(g.out.n > a.n / 4);
	assert_int_equal(g.err.offset, cut);
	assert_non_null(strstr(g.err.msg, "xz stream truncated at compressed offset"));
	got_free(&g);

	struct blob z = slurp(path_of("xa.xz"));
	z.p[z.n / 2] ^= 0xff;
	write_file(path_of("xbad.xz"), z.p, z.n);
	g = read_all(path_of("xbad.xz"), 0);
	assert_int_equal(g.rc, LO_ECORRUPT);
	got_free(&g);
	free(z.p);
	free(a.p);
	free(b.p);
	free(ab.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_roundtrip),
		cmocka_unit_test(empty_file),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(directory_is_an_error),
		cmocka_unit_test(detection_ignores_names),
		cmocka_unit_test(gzip_roundtrip_and_members),
		cmocka_unit_test(gzip_truncated),
		cmocka_unit_test(gzip_corrupt),
		cmocka_unit_test(bzip2_roundtrip),
		cmocka_unit_test(bzip2_many_blocks_threads),
		cmocka_unit_test(bzip2_multi_stream),
		cmocka_unit_test(bzip2_false_magic_merge),
		cmocka_unit_test(bzip2_truncated),
		cmocka_unit_test(bzip2_corrupt),
		cmocka_unit_test(bzip2_stream_crc_checked),
		cmocka_unit_test(stdin_pipe),
		cmocka_unit_test(xz_roundtrip_streams_truncated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
