/*
 * DOC: unit tests for src/geo — RIR delegated files (real 2014 APNIC,
 * AFRINIC and the truncated ARIN file under tests/data/rir, plus small files
 * made here for bad lines, nesting and priority), the libloc provider
 * (cross-checked against libloc's own loc_database_lookup), prefix
 * splitting, ASN lookups, range → CIDR conversion and entity specs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libloc/libloc.h>
#include <libloc/database.h>
#include <libloc/network.h>

#include "geo/geo.h"
#include "geo/geo_int.h"

#define RIR	  LO_TEST_DATA "/rir/"
#define APNIC	  RIR "ipzone__delegated-apnic-latest.2014-06-30.gz"
#define AFRINIC	  RIR "ipzone__delegated-afrinic-latest.2014-06-30"
#define ARIN	  RIR "meebox__delegated-arin-extended-latest.2014-08-04.gz"
#define LIBLOC_DB "/usr/share/libloc-location/location.db"

static char tmpdir[256];

/* ------------------------------------------------------------ helpers */

static const char *tmp_path(const char *name)
{
	static char buf[4][512];
	static unsigned k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static const char *write_tmp(const char *name, const char *text)
{
	const char *p = tmp_path(name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* Problems reported while loading. */
struct reports {
	unsigned n;
	uint64_t line[64];
	char msg[64][LO_ERR_MSG];
};

static void capture(void *ctx, const char *file, uint64_t line, const char *msg)
{
	struct reports *r = ctx;

	if (r->n < 64) {
		r->line[r->n] = line;
		snprintf(r->msg[r->n], LO_ERR_MSG, "%s", msg);
	}
	r->n++;
}

static bool reported(const struct reports *r, uint64_t line, const char *needle)
{
	for (unsigned i = 0; i < r->n && i < 64; i++)
		if (r->line[i] == line && strstr(r->msg[i], needle))
			return true;
	return false;
}

static struct bgp_prefix pfx(const char *text)
{
	struct bgp_prefix p;
	char a[64];
	const char *slash = strchr(text, '/');

	memset(&p, 0, sizeof(p));
	assert_non_null(slash);
	memcpy(a, text, (size_t)(slash - text));
	a[slash - text] = 0;
	if (inet_pton(AF_INET, a, p.addr.b) == 1)
		p.addr.family = 4;
	else {
		assert_int_equal(inet_pton(AF_INET6, a, p.addr.b), 1);
		p.addr.family = 6;
	}
	p.len = (uint8_t)atoi(slash + 1);
	return p;
}

/* The parts of a prefix as text: "FIRST-LAST CC;..." */
struct parts {
	char text[4096];
	int n;
};

static int collect(void *ctx, const struct geo_part *part)
{
	struct parts *ps = ctx;
	char a[BGP_ADDR_STRLEN], b[BGP_ADDR_STRLEN];
	size_t len = strlen(ps->text);

	bgp_fmt_addr(&part->first, a);
	bgp_fmt_addr(&part->last, b);
	snprintf(ps->text + len, sizeof(ps->text) - len, "%s%s-%s %s", ps->n ? ";" : "", a, b,
		 part->cc);
	ps->n++;
	return 0;
}

static const char *parts_of(const struct geo_db *db, const char *prefix)
{
	static struct parts ps;
	struct bgp_prefix p = pfx(prefix);

	memset(&ps, 0, sizeof(ps));
	assert_int_equal(geo_prefix_countries(db, &p, collect, &ps), 0);
	return ps.text;
}

static const char *country_of(const struct geo_db *db, const char *prefix, int want_parts)
{
	static char cc[3];
	struct bgp_prefix p = pfx(prefix);

	assert_int_equal(geo_prefix_country(db, &p, cc), want_parts);
	return cc;
}

static const char *asn_country(const struct geo_db *db, uint32_t asn)
{
	static char cc[3];

	geo_asn_country(db, asn, cc);
	return cc;
}

static struct geo_db *load(const char *source, struct reports *rep, struct geo_load_stats *st)
{
	struct geo_db *db = geo_db_new();
	struct lo_err err;

	assert_non_null(db);
	if (rep)
		geo_db_set_report(db, capture, rep);
	lo_err_clear(&err);
	int rc = geo_db_add(db, source, st, &err);
	if (rc)
		fprintf(stderr, "geo_db_add(%s): %s\n", source, err.msg);
	assert_int_equal(rc, 0);
	return db;
}

/* ------------------------------------------------------------ range → CIDR */

static const char *cidrs(uint32_t start, uint64_t count)
{
	static char out[2048];
	struct bgp_prefix p[64];
	int n = geo_ipv4_range_cidrs(start, count, p, 64);
	size_t len = 0;

	out[0] = 0;
	if (n < 0)
		return "EINVAL";
	for (int i = 0; i < n; i++) {
		char a[BGP_ADDR_STRLEN];
		bgp_fmt_addr(&p[i].addr, a);
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s/%u", i ? " " : "", a,
					p[i].len);
	}
	return out;
}

static void test_range_cidrs(void **state)
{
	(void)state;
	/* AFRINIC 2014: 196.1.8.0 + 1792, 164.146.0.0 + 393216 (6 x /16) */
	assert_string_equal(cidrs(0xC4010800, 1792), "196.1.8.0/22 196.1.12.0/23 196.1.14.0/24");
	assert_string_equal(cidrs(0xA4920000, 393216), "164.146.0.0/15 164.148.0.0/14");
	assert_string_equal(cidrs(0x0A000001, 3), "10.0.0.1/32 10.0.0.2/31");
	assert_string_equal(cidrs(0x0A0000FF, 258), "10.0.0.255/32 10.0.1.0/24 10.0.2.0/32");
	assert_string_equal(cidrs(0, 1ull << 32), "0.0.0.0/0");
	assert_string_equal(cidrs(0xFFFFFFFF, 1), "255.255.255.255/32");
	assert_string_equal(cidrs(0xAF2DB000, 1024), "175.45.176.0/22");
	assert_string_equal(cidrs(0xFFFFFFFF, 2), "EINVAL");
	assert_string_equal(cidrs(1, 0), "EINVAL");
	/* the worst case: 1 .. 2^32-2 needs 62 blocks */
	struct bgp_prefix p[1];
	assert_int_equal(geo_ipv4_range_cidrs(1, (1ull << 32) - 2, p, 1), 62);
}

/* ------------------------------------------------------------ real RIR files */

static void test_apnic_2014_kp(void **state)
{
	struct reports rep = {0};
	struct geo_load_stats st;
	struct geo_db *db = load("rir:" APNIC, &rep, &st);
	(void)state;

	assert_int_equal(rep.n, 0);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.damaged_files, 0);
	assert_int_equal(st.bad_lines, 0);
	assert_true(st.records > 30000);

	assert_string_equal(country_of(db, "175.45.176.0/22", 1), "KP");
	assert_string_equal(parts_of(db, "175.45.176.0/22"), "175.45.176.0-175.45.179.255 KP");
	assert_string_equal(country_of(db, "175.45.176.0/24", 1), "KP");
	assert_string_equal(country_of(db, "175.45.177.0/24", 1), "KP");
	assert_string_equal(country_of(db, "175.45.178.0/24", 1), "KP");
	assert_string_equal(country_of(db, "175.45.179.0/24", 1), "KP");
	assert_string_equal(asn_country(db, 131279), "KP");
	char cc[3];
	assert_true(geo_asn_country(db, 131279, cc));

	/* a /15 over two real blocks of different countries is split by block */
	assert_string_equal(parts_of(db, "1.8.0.0/15"),
			    "1.8.0.0-1.8.255.255 CN;1.9.0.0-1.9.255.255 MY");
	assert_string_equal(parts_of(db, "1.0.0.0/23"),
			    "1.0.0.0-1.0.0.255 AU;1.0.1.0-1.0.1.255 CN");
	assert_int_equal(
		geo_prefix_country(
			db, &(struct bgp_prefix){.addr = pfx("1.8.0.0/15").addr, .len = 15}, cc),
		2);
	/* space APNIC does not hold is unknown */
	assert_string_equal(parts_of(db, "8.8.8.0/24"), "8.8.8.0-8.8.8.255 ZZ");
	/* host bits of the looked-up prefix are ignored */
	assert_string_equal(country_of(db, "175.45.177.77/24", 1), "KP");

	/* IPv6: 2001:200::/35 .. /33 are JP allocations */
	assert_string_equal(country_of(db, "2001:200::/35", 1), "JP");
	assert_string_equal(country_of(db, "2001:200:100::/40", 1), "JP");
	assert_string_equal(parts_of(db, "2001:200::/32"),
			    "2001:200::-2001:200:ffff:ffff:ffff:ffff:ffff:ffff JP");
	assert_string_equal(country_of(db, "2001:db8::/32", 1), "ZZ");
	geo_db_free(db);
}

static void test_afrinic_non_power_of_two(void **state)
{
	struct geo_db *db = load("rir:" AFRINIC, NULL, NULL);
	(void)state;

	/* afrinic|ZA|ipv4|196.1.8.0|1792 then afrinic|AO|ipv4|196.1.15.0|256 */
	assert_string_equal(parts_of(db, "196.1.8.0/21"),
			    "196.1.8.0-196.1.14.255 ZA;196.1.15.0-196.1.15.255 AO");
	assert_string_equal(country_of(db, "196.1.12.0/23", 1), "ZA");
	assert_string_equal(country_of(db, "196.1.14.0/24", 1), "ZA");
	/* 164.146.0.0 + 393216 addresses = 164.146.0.0/15 + 164.148.0.0/14 */
	assert_string_equal(parts_of(db, "164.144.0.0/13"),
			    "164.144.0.0-164.145.255.255 ZZ;164.146.0.0-164.151.255.255 ZA");
	geo_db_free(db);
}

static void test_arin_truncated(void **state)
{
	struct reports rep = {0};
	struct geo_load_stats st;
	struct geo_db *db = load("rir:" ARIN, &rep, &st);
	(void)state;

	assert_int_equal(st.damaged_files, 1);
	assert_int_equal(st.bad_lines, 0);
	assert_true(reported(&rep, 0, "header says 111240 records, file holds 48961"));
	assert_true(reported(&rep, 48965, "no newline"));
	assert_int_equal(st.records + st.skipped, 48961);
	/* good lines are used, up to the cut last line */
	assert_string_equal(asn_country(db, 1), "US");
	assert_string_equal(country_of(db, "192.219.192.0/20", 1), "CA");
	assert_string_equal(country_of(db, "192.219.208.0/21", 1), "CA");
	geo_db_free(db);
}

/* ------------------------------------------------------------ small files */

static const char bad_file[] =
	"# a test file\n"				   /* 1 */
	"2|test|20140101|12|19700101|20140101|+0000\n"	   /* 2 */
	"test|*|ipv4|*|6|summary\n"			   /* 3 */
	"test|DE|ipv4|10.0.0.0|256|20100101|allocated\n"   /* 4 good */
	"test|DE|ipv4|10.0.1.300|256|20100101|allocated\n" /* 5 bad address */
	"test|DE|ipv4|10.0.2.0|0|20100101|allocated\n"	   /* 6 bad count */
	"test|DE|ipx|10.0.3.0|256|20100101|allocated\n"	   /* 7 bad type */
	"test|DE|ipv4|10.0.4.0\n"			   /* 8 few fields */
	"test|de|ipv4|10.0.5.0|256|20100101|allocated\n"   /* 9 bad cc */
	"test|FR|ipv4|10.0.6.0|512|20100101|assigned\n"	   /* 10 good */
	"test|FR|ipv6|2001:db8::1|32|20100101|allocated\n" /* 11 host bits */
	"test|FR|ipv6|2001:db8::|32|20100101|allocated\n"  /* 12 good */
	"test|FR|asn|64500|10|20100101|allocated\n"	   /* 13 good */
	"test|ZZ|ipv4|10.0.8.0|256||available\n"	   /* 14 skipped */
	"test|FR|asn|4294967295|2|20100101|allocated\n";   /* 15 bad count */

static void test_bad_lines(void **state)
{
	struct reports rep = {0};
	struct geo_load_stats st;
	const char *path = write_tmp("bad.txt", bad_file);
	char src[600];
	(void)state;

	snprintf(src, sizeof(src), "rir:%s", path);
	struct geo_db *db = load(src, &rep, &st);
	assert_int_equal(st.bad_lines, 7);
	assert_int_equal(rep.n, 7);
	assert_true(reported(&rep, 5, "bad IPv4 address '10.0.1.300'"));
	assert_true(reported(&rep, 6, "bad IPv4 address count"));
	assert_true(reported(&rep, 7, "unknown type 'ipx'"));
	assert_true(reported(&rep, 8, "fields"));
	assert_true(reported(&rep, 9, "bad country code 'de'"));
	assert_true(reported(&rep, 11, "host bits"));
	assert_true(reported(&rep, 15, "bad ASN count"));
	assert_int_equal(st.damaged_files, 0); /* 12 record lines, as the header says */
	assert_int_equal(st.records, 4);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.lines, 15);

	assert_string_equal(parts_of(db, "10.0.0.0/21"),
			    "10.0.0.0-10.0.0.255 DE;10.0.1.0-10.0.5.255 ZZ;10.0.6.0-10.0.7.255 FR");
	assert_string_equal(country_of(db, "2001:db8:1::/48", 1), "FR");
	assert_string_equal(asn_country(db, 64500), "FR");
	assert_string_equal(asn_country(db, 64509), "FR");
	assert_string_equal(asn_country(db, 64510), "ZZ");
	assert_false(geo_asn_country(db, 64499, (char[3]){0}));
	geo_db_free(db);
}

static void test_overlong_and_crlf(void **state)
{
	struct reports rep = {0};
	struct geo_load_stats st;
	char *text = malloc(10000);
	char src[600];
	(void)state;

	strcpy(text,
	       "2|test|1|3|0|0|+0000\r\ntest|SE|ipv4|10.1.0.0|256|0|allocated\r\ntest|SE|asn|");
	size_t n = strlen(text);
	memset(text + n, '1', 5000);
	strcpy(text + n + 5000, "|1|0|allocated\ntest|NO|ipv4|10.1.1.0|256|0|allocated");
	snprintf(src, sizeof(src), "rir:%s", write_tmp("long.txt", text));
	free(text);
	struct geo_db *db = load(src, &rep, &st);
	assert_true(reported(&rep, 3, "longer than 4096"));
	assert_true(reported(&rep, 4, "no newline"));
	assert_int_equal(st.bad_lines, 1);
	assert_int_equal(st.damaged_files, 1);
	assert_string_equal(parts_of(db, "10.1.0.0/23"),
			    "10.1.0.0-10.1.0.255 SE;10.1.1.0-10.1.1.255 NO");
	geo_db_free(db);
}

static const char nested_file[] =
	"2|test|1|6|0|0|+0000\n"
	"test|DE|ipv4|10.0.0.0|65536|0|allocated\n"
	"test|FR|ipv4|10.0.1.0|256|0|assigned\n"
	"test|IT|ipv4|10.0.1.0|256|0|assigned\n" /* identical block: the first wins */
	"test|DE|ipv6|2001:db8::|32|0|allocated\n"
	"test|NL|ipv6|2001:db8:ff00::|40|0|allocated\n"
	"test|DE|asn|64496|16|0|allocated\n";

static void test_nested_split(void **state)
{
	char src[600];
	(void)state;

	snprintf(src, sizeof(src), "rir:%s", write_tmp("nested.txt", nested_file));
	struct geo_db *db = load(src, NULL, NULL);
	assert_string_equal(parts_of(db, "10.0.0.0/22"),
			    "10.0.0.0-10.0.0.255 DE;10.0.1.0-10.0.1.255 FR;10.0.2.0-10.0.3.255 DE");
	assert_string_equal(
		parts_of(db, "10.0.0.0/15"),
		"10.0.0.0-10.0.0.255 DE;10.0.1.0-10.0.1.255 FR;10.0.2.0-10.0.255.255 DE;"
		"10.1.0.0-10.1.255.255 ZZ");
	assert_string_equal(country_of(db, "10.0.0.0/15", 4), "ZZ");
	assert_string_equal(country_of(db, "10.0.1.128/25", 1), "FR");
	assert_string_equal(country_of(db, "10.0.1.7/32", 1), "FR");
	assert_string_equal(parts_of(db, "2001:db8:fe00::/39"),
			    "2001:db8:fe00::-2001:db8:feff:ffff:ffff:ffff:ffff:ffff DE;"
			    "2001:db8:ff00::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff NL");
	assert_string_equal(country_of(db, "2001:db8:ff00::/128", 1), "NL");
	assert_string_equal(country_of(db, "::/0", 4), "ZZ");

	/* /24 and /48 units of the parts */
	struct bgp_prefix p = pfx("10.0.0.0/22");
	struct geo_part part = {.first = p.addr, .last = p.addr};
	part.last.b[2] = 3;
	part.last.b[3] = 255;
	assert_int_equal(geo_part_units(&part, 24), 4);
	assert_int_equal(geo_part_units(&part, 32), 1024);
	part.last.b[2] = 0;
	part.last.b[3] = 0;
	assert_int_equal(geo_part_units(&part, 24), 1);

	struct bgp_prefix bad = pfx("10.0.0.0/8");
	bad.len = 33;
	assert_int_equal(geo_prefix_countries(db, &bad, collect, &(struct parts){0}), LO_EINVAL);
	bad.addr.family = 0;
	bad.len = 8;
	assert_int_equal(geo_prefix_country(db, &bad, (char[3]){0}), LO_EINVAL);
	geo_db_free(db);
}

/* The first source that knows an address wins; later ones fill the gaps. */
static void test_priority(void **state)
{
	char a[600], b[600];
	struct geo_db *db;
	(void)state;

	snprintf(a, sizeof(a), "rir:%s",
		 write_tmp("a.txt", "2|a|1|2|0|0|+0000\n"
				    "a|FR|ipv4|10.0.0.0|256|0|allocated\n"
				    "a|FR|asn|64500|1|0|allocated\n"));
	snprintf(b, sizeof(b), "rir:%s",
		 write_tmp("b.txt", "2|b|1|2|0|0|+0000\n"
				    "b|DE|ipv4|10.0.0.0|65536|0|allocated\n"
				    "b|DE|asn|64500|4|0|allocated\n"));
	db = load(a, NULL, NULL);
	assert_int_equal(geo_db_add(db, b, NULL, NULL), 0);
	assert_int_equal(geo_db_sources(db), 2);
	assert_string_equal(parts_of(db, "10.0.0.0/23"),
			    "10.0.0.0-10.0.0.255 FR;10.0.1.0-10.0.1.255 DE");
	assert_string_equal(asn_country(db, 64500), "FR");
	assert_string_equal(asn_country(db, 64501), "DE");
	geo_db_free(db);

	db = load(b, NULL, NULL);
	assert_int_equal(geo_db_add(db, a, NULL, NULL), 0);
	assert_string_equal(parts_of(db, "10.0.0.0/23"), "10.0.0.0-10.0.1.255 DE");
	assert_string_equal(asn_country(db, 64500), "DE");
	geo_db_free(db);
}

static void test_sources_and_errors(void **state)
{
	struct geo_db *db = geo_db_new();
	struct reports rep = {0};
	struct geo_load_stats st;
	struct lo_err err;
	char src[600];
	(void)state;

	geo_db_set_report(db, capture, &rep);
	assert_int_equal(geo_db_add(db, "maxmind:/x", NULL, &err), LO_EINVAL);
	assert_non_null(strstr(err.msg, "unknown geo source"));
	assert_int_equal(geo_db_add(db, "rir", NULL, &err), LO_EINVAL);
	assert_int_equal(geo_db_add(db, "rir:", NULL, &err), LO_EINVAL);
	assert_int_equal(geo_db_add(db, "rir:/nonexistent/file", NULL, &err), LO_ENOENT);
	assert_int_equal(geo_db_add(db, "libloc:/nonexistent/db", NULL, &err), LO_ENOENT);
	assert_int_equal(geo_db_add(db, "libloc:" AFRINIC, NULL, &err), LO_ECORRUPT);
	snprintf(src, sizeof(src), "rir:%s",
		 write_tmp("stranger.txt", "prefix\tasn\n1.0.0.0/24\t13335\n"));
	assert_int_equal(geo_db_add(db, src, &st, &err), LO_ECORRUPT);
	assert_true(reported(&rep, 1, "not a delegated-statistics file"));
	assert_int_equal(geo_db_sources(db), 0);
	assert_int_equal(geo_db_runs(db, 4), 1);

	/* a directory: files in name order, strangers reported and ignored */
	const char *dir = tmp_path("dir");
	mkdir(dir, 0755);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "cp %s %s/ && printf 'hello\\n' > %s/zz-readme && cp %s %s/",
		 APNIC, dir, dir, AFRINIC, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(src, sizeof(src), "rir:%s", dir);
	rep.n = 0;
	assert_int_equal(geo_db_add(db, src, &st, &err), 0);
	assert_int_equal(st.files, 3);
	assert_int_equal(st.damaged_files, 1);
	assert_int_equal(rep.n, 1);
	assert_true(reported(&rep, 1, "not a delegated-statistics file"));
	assert_string_equal(country_of(db, "175.45.176.0/22", 1), "KP");
	assert_string_equal(country_of(db, "196.1.14.0/24", 1), "ZA");
	geo_db_free(db);
}

/* ------------------------------------------------------------ libloc */

static void test_libloc_kp(void **state)
{
	struct geo_load_stats st;
	struct geo_db *db = load("libloc", NULL, &st);
	(void)state;

	assert_true(st.records > 1000000);
	assert_string_equal(country_of(db, "175.45.176.0/22", 1), "KP");
	assert_string_equal(country_of(db, "175.45.176.0/24", 1), "KP");
	assert_string_equal(country_of(db, "175.45.177.0/24", 1), "KP");
	assert_string_equal(country_of(db, "175.45.178.0/24", 1), "KP");
	assert_string_equal(country_of(db, "175.45.179.0/24", 1), "KP");
	assert_string_equal(asn_country(db, 131279), "KP");
	assert_string_equal(asn_country(db, 4837), "CN");
	/* IPv6, and a real split: two US blocks inside the JP 2001:200::/32 */
	assert_string_equal(country_of(db, "2001:200::/32", 5), "JP");
	assert_string_equal(parts_of(db, "2001:200:134::/46"),
			    "2001:200:134::-2001:200:134:ffff:ffff:ffff:ffff:ffff JP;"
			    "2001:200:135::-2001:200:135:ffff:ffff:ffff:ffff:ffff US;"
			    "2001:200:136::-2001:200:137:ffff:ffff:ffff:ffff:ffff JP");
	assert_string_equal(country_of(db, "2001:4860::/32", 1), "US");
	assert_string_equal(parts_of(db, "1.8.0.0/15"),
			    "1.8.0.0-1.8.255.255 CN;1.9.0.0-1.9.255.255 MY");
	geo_db_free(db);
}

/* libloc's own per-address lookup and our flattened runs agree. */
static void test_libloc_matches_lookup(void **state)
{
	struct geo_db *db = load("libloc:" LIBLOC_DB, NULL, NULL);
	struct loc_ctx *ctx;
	struct loc_database *ldb;
	FILE *f = fopen(LIBLOC_DB, "r");
	unsigned seed = 12345, mismatch = 0, known = 0;
	(void)state;

	assert_non_null(f);
	assert_int_equal(loc_new(&ctx), 0);
	assert_int_equal(loc_database_new(ctx, &ldb, f), 0);
	for (int i = 0; i < 40000; i++) {
		struct in6_addr a;
		struct loc_network *n = NULL;
		struct bgp_prefix p = {0};
		char cc[3];
		bool v6 = i % 4 == 3;

		memset(&a, 0, sizeof(a));
		if (v6) {
			a.s6_addr[0] = 0x20 | (uint8_t)(rand_r(&seed) % 2 ? 0x0 : 0xa);
			for (int k = 1; k < 16; k++)
				a.s6_addr[k] = (uint8_t)rand_r(&seed);
			if (a.s6_addr[0] == 0x20)
				a.s6_addr[1] = 0x01;
			p.addr.family = 6;
			memcpy(p.addr.b, a.s6_addr, 16);
			p.len = 128;
		} else {
			a.s6_addr[10] = a.s6_addr[11] = 0xff;
			for (int k = 12; k < 16; k++)
				a.s6_addr[k] = (uint8_t)rand_r(&seed);
			p.addr.family = 4;
			memcpy(p.addr.b, a.s6_addr + 12, 4);
			p.len = 32;
		}
		assert_int_equal(geo_prefix_country(db, &p, cc), 1);
		const char *want = "ZZ";
		if (loc_database_lookup(ldb, &a, &n) == 0 && n) {
			const char *c = loc_network_get_country_code(n);
			if (c && strlen(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' &&
			    c[1] <= 'Z')
				want = c;
		}
		known += strcmp(want, "ZZ") != 0;
		if (strcmp(cc, want)) {
			if (mismatch++ < 5)
				fprintf(stderr, "mismatch %s: geo %s libloc %s\n",
					n ? loc_network_str(n) : "-", cc, want);
		}
		if (n)
			loc_network_unref(n);
	}
	assert_int_equal(mismatch, 0);
	assert_true(known > 20000);
	loc_database_unref(ldb);
	loc_unref(ctx);
	fclose(f);
	geo_db_free(db);
}

/* libloc first, the 2014 RIR file for what libloc does not know. */
static void test_libloc_then_rir(void **state)
{
	struct geo_db *db = load("libloc", NULL, NULL);
	(void)state;

	assert_int_equal(geo_db_add(db, "rir:" APNIC, NULL, NULL), 0);
	assert_string_equal(country_of(db, "175.45.176.0/22", 1), "KP");
	assert_string_equal(asn_country(db, 131279), "KP");
	geo_db_free(db);
}

/* ------------------------------------------------------------ the line parser */

static void test_parse_line(void **state)
{
	struct geo_rir_line x;
	struct lo_err err;
	(void)state;

#define PARSE(s) geo_rir_parse_line(s, strlen(s), &x, &err)
	assert_int_equal(PARSE("2.3|arin|1407128681650|111240|19700101|20140804|-0400"), 0);
	assert_int_equal(x.kind, GEO_RIR_VERSION);
	assert_int_equal(x.records, 111240);
	assert_int_equal(PARSE("apnic|*|ipv4|*|24065|summary"), 0);
	assert_int_equal(x.kind, GEO_RIR_SUMMARY);
	assert_int_equal(PARSE(""), 0);
	assert_int_equal(x.kind, GEO_RIR_COMMENT);
	assert_int_equal(PARSE("apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated"), 0);
	assert_int_equal(x.kind, GEO_RIR_RECORD);
	assert_true(x.used);
	assert_string_equal(x.cc, "KP");
	assert_true(x.lo == 0xAF2DB000u && x.hi == 0xAF2DB3FFu);
	assert_int_equal(PARSE("iana|ZZ|ipv4|45.66.0.0|131072|20150921|ripencc"), 0);
	assert_false(x.used);
	assert_int_equal(PARSE("lacnic||ipv4|24.152.0.0|1024||reserved|"), 0);
	assert_false(x.used);
	assert_int_equal(PARSE("arin|US|asn|3|1||assigned|d98c567cda2db06e693f2b574eafe848"), 0);
	assert_true(x.used);
	assert_int_equal(PARSE("apnic|KP|ipv4|175.45.176.0|4294967296|0|allocated"), LO_ECORRUPT);
	assert_int_equal(PARSE("apnic|KP|ipv4| 175.45.176.0|1|0|allocated"), LO_ECORRUPT);
	assert_int_equal(PARSE("apnic|KP|ipv4|175.45.176.0|-1|0|allocated"), LO_ECORRUPT);
	assert_int_equal(PARSE("apnic|KP|ipv6|2001:db8::|129|0|allocated"), LO_ECORRUPT);
	assert_int_equal(PARSE("apnic|KP|asn|4294967296|1|0|allocated"), LO_ECORRUPT);
	assert_int_equal(PARSE("apnic|*|ipv4|*|x|summary"), LO_ECORRUPT);
	assert_int_equal(PARSE("2|apnic|1|many|0|0|+0"), LO_ECORRUPT);
	assert_int_equal(PARSE("garbage"), LO_ECORRUPT);
#undef PARSE
}

/* ------------------------------------------------------------ entities */

static void test_entity_accept(void **state)
{
	static const struct {
		const char *in, *canon;
	} ok[] = {
		{"country:KP", "country:KP"},
		{"asn:131279", "asn:131279"},
		{"asn:1", "asn:1"},
		{"asn:4294967295", "asn:4294967295"},
		{"prefix:175.45.176.0/22", "prefix:175.45.176.0/22"},
		{"prefix:0.0.0.0/0", "prefix:0.0.0.0/0"},
		{"prefix:10.1.2.3/32", "prefix:10.1.2.3/32"},
		{"prefix:2001:DB8::/32", "prefix:2001:db8::/32"},
		{"prefix:::/0", "prefix:::/0"},
		{"group:kp", "group:kp"},
		{"group:North_Korea-2014", "group:North_Korea-2014"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct geo_entity e;
		struct lo_err err;
		char out[128];

		lo_err_clear(&err);
		if (geo_entity_parse(&e, ok[i].in, &err))
			fail_msg("%s: %s", ok[i].in, err.msg);
		geo_entity_fmt(&e, out, sizeof(out));
		assert_string_equal(out, ok[i].canon);
	}
	struct geo_entity e;
	assert_int_equal(geo_entity_parse(&e, "prefix:175.45.176.0/22", NULL), 0);
	assert_int_equal(e.kind, GEO_ENT_PREFIX);
	assert_int_equal(e.prefix.addr.family, 4);
	assert_int_equal(e.prefix.len, 22);
	assert_int_equal(geo_entity_parse(&e, "asn:131279", NULL), 0);
	assert_int_equal(e.kind, GEO_ENT_ASN);
	assert_int_equal(e.asn, 131279);
}

static void test_entity_reject(void **state)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{"KP", "KIND:VALUE"},
		{"country:kp", "upper-case"},
		{"country:KPX", "two upper-case"},
		{"country:", "two upper-case"},
		{"country:K1", "two upper-case"},
		{"asn:0", "out of range"},
		{"asn:4294967296", "out of range"},
		{"asn:99999999999", "decimal"},
		{"asn:AS131279", "decimal"},
		{"asn:-1", "decimal"},
		{"asn:", "decimal"},
		{"asn:12 ", "decimal"},
		{"prefix:175.45.176.0", "ADDRESS/LENGTH"},
		{"prefix:175.45.176.1/22", "did you mean prefix:175.45.176.0/22"},
		{"prefix:175.45.176.0/33", "0..32"},
		{"prefix:175.45.176.0/", "0..32"},
		{"prefix:175.45.176/24", "not an IPv4 or IPv6"},
		{"prefix:2001:db8::1/32", "did you mean prefix:2001:db8::/32"},
		{"prefix:2001:db8::/129", "0..128"},
		{"prefix:/8", "ADDRESS/LENGTH"},
		{"group:", "1 to 64"},
		{"group:a b", "letters, digits"},
		{"group:k.p", "letters, digits"},
		{"group:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 "1 to 64"},
		{"Country:KP", "unknown kind"},
		{"city:Pyongyang", "unknown kind"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct geo_entity e;
		struct lo_err err;

		lo_err_clear(&err);
		assert_int_equal(geo_entity_parse(&e, bad[i].in, &err), LO_EINVAL);
		if (!strstr(err.msg, bad[i].why))
			fail_msg("%s: message '%s' lacks '%s'", bad[i].in, err.msg, bad[i].why);
		assert_int_equal(e.kind, 0);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lo_test_geo.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_cidrs),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_apnic_2014_kp),
		cmocka_unit_test(test_afrinic_non_power_of_two),
		cmocka_unit_test(test_arin_truncated),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_overlong_and_crlf),
		cmocka_unit_test(test_nested_split),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_sources_and_errors),
		cmocka_unit_test(test_libloc_kp),
		cmocka_unit_test(test_libloc_matches_lookup),
		cmocka_unit_test(test_libloc_then_rir),
		cmocka_unit_test(test_entity_accept),
		cmocka_unit_test(test_entity_reject),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
