/*
 * DOC: unit tests for src/http's request checks: the query-string parser
 * (percent-decoding, '+', empty pieces, caps, duplicates, bad names and
 * bytes), each parameter check (numbers, times, booleans, words, choices,
 * entity specs made canonical), static file paths (every way out of the web
 * root refused), content types and listen addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "http/http_int.h"

static struct http_query q;

static int parse(const char *s)
{
	struct lo_err err;
	lo_err_clear(&err);
	return http_query_parse(&q, s, &err);
}

static void query_parse_decodes(void **state)
{
	assert_int_equal(parse("entity=country%3AKP&limit=10"), 0);
	assert_int_equal(q.n, 2);
	assert_string_equal(http_query_get(&q, "entity"), "country:KP");
	assert_string_equal(http_query_get(&q, "limit"), "10");
	assert_null(http_query_get(&q, "since"));
	assert_null(http_query_unused(&q));

	/* '+' is a space, empty pieces are skipped, a name alone has "" */
	assert_int_equal(parse("&q=north+korea&&ongoing&"), 0);
	assert_int_equal(q.n, 2);
	assert_string_equal(http_query_get(&q, "q"), "north korea");
	assert_string_equal(http_query_get(&q, "ongoing"), "");
	assert_int_equal(parse("q=%C3%A9t%c3%A9"), 0); /* UTF-8 passes through */
	assert_string_equal(http_query_get(&q, "q"), "\xc3\xa9t\xc3\xa9");
	assert_int_equal(parse("q="), 0);
	assert_string_equal(http_query_get(&q, "q"), "");
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(q.n, 0);
	assert_int_equal(parse(""), 0);
	assert_int_equal(q.n, 0);

	/* a parameter not asked for is reported */
	assert_int_equal(parse("entity=x&bogus=1"), 0);
	http_query_get(&q, "entity");
	assert_string_equal(http_query_unused(&q), "bogus");
}

static void query_parse_refuses(void **state)
{
	static const char *const bad[] = {
		"a=%zz", "a=%4", "a=%",	  "a=%00", "a=x%0ay", "a=\x01", "a=1&a=2", "A=1",
		"a1=2",	 "=x",	 "%61=1", "a-b=1", "a=\x7f",  "a%3d=1", "_=1&_=1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lo_err err;
		lo_err_clear(&err);
		if (!strcmp(bad[i], "%61=1")) { /* an encoded name is fine once decoded */
			assert_int_equal(http_query_parse(&q, bad[i], &err), 0);
			continue;
		}
		assert_int_equal(http_query_parse(&q, bad[i], &err), LO_EINVAL);
		assert_true(err.msg[0] != 0);
	}
	/* caps: parameters and length */
	char many[512] = "";
	for (int i = 0; i < 17; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s%c=1", i ? "&" : "",
			 'a' + i);
	assert_int_equal(parse(many), LO_ETOOBIG);
	char long_q[HTTP_QUERY_MAX + 8];
	memset(long_q, 'a', sizeof(long_q) - 1);
	long_q[sizeof(long_q) - 1] = 0;
	long_q[0] = 'q', long_q[1] = '=';
	assert_int_equal(parse(long_q), LO_ETOOBIG);
	long_q[HTTP_QUERY_MAX] = 0; /* exactly the cap is fine */
	assert_int_equal(parse(long_q), 0);
	char name[64];
	memset(name, 'a', 33);
	strcpy(name + 33, "=1");
	assert_int_equal(parse(name), LO_EINVAL); /* names of 32 at most */
}

static void params_checked(void **state)
{
	struct lo_err err;
	unsigned u;
	int64_t t;
	int b;
	const char *w;

	lo_err_clear(&err);
	assert_int_equal(parse("limit=10&big=10001&neg=-1&x=1e3&lead=+1&zero=0"), 0);
	assert_int_equal(http_param_uint(&q, "limit", 1000, 1, 10000, &u, &err), 0);
	assert_int_equal(u, 10);
	assert_int_equal(http_param_uint(&q, "none", 1000, 1, 10000, &u, &err), 0);
	assert_int_equal(u, 1000);
	assert_int_equal(http_param_uint(&q, "big", 1000, 1, 10000, &u, &err), LO_EINVAL);
	assert_non_null(strstr(err.msg, "big"));
	assert_int_equal(http_param_uint(&q, "neg", 0, 0, 10, &u, &err), LO_EINVAL);
	assert_int_equal(http_param_uint(&q, "x", 0, 0, 10000, &u, &err), LO_EINVAL);
	assert_int_equal(http_param_uint(&q, "lead", 0, 0, 10, &u, &err), LO_EINVAL); /* a space */
	assert_int_equal(http_param_uint(&q, "zero", 5, 1, 10, &u, &err), LO_EINVAL);

	assert_int_equal(parse("a=2014-12-22T16:15:21Z&b=2014-12-22T16:15:21&c=1419264921"
			       "&d=2014-12-22&e=2014-12-22T16:15:21%2B01:00&f=-5&g=9999999999999"
			       "&h=2014-13-45T99:99:99Z&i=+1419264921&j=0"),
			 0);
	assert_int_equal(http_param_time(&q, "a", 0, &t, &err), 0);
	assert_int_equal(t, 1419264921);
	assert_int_equal(http_param_time(&q, "b", 0, &t, &err), 0);
	assert_int_equal(t, 1419264921);
	assert_int_equal(http_param_time(&q, "c", 0, &t, &err), 0);
	assert_int_equal(t, 1419264921);
	assert_int_equal(http_param_time(&q, "j", 7, &t, &err), 0);
	assert_int_equal(t, 0);
	assert_int_equal(http_param_time(&q, "none", 7, &t, &err), 0);
	assert_int_equal(t, 7);
	for (const char *n = "defghi"; *n; n++) {
		char name[2] = {*n, 0};
		assert_int_equal(http_param_time(&q, name, 0, &t, &err), LO_EINVAL);
	}

	assert_int_equal(parse("a=1&b=0&c=true&d=false&e=yes&f="), 0);
	assert_int_equal(http_param_bool(&q, "a", -1, &b, &err), 0);
	assert_int_equal(b, 1);
	assert_int_equal(http_param_bool(&q, "b", -1, &b, &err), 0);
	assert_int_equal(b, 0);
	assert_int_equal(http_param_bool(&q, "c", -1, &b, &err), 0);
	assert_int_equal(b, 1);
	assert_int_equal(http_param_bool(&q, "d", -1, &b, &err), 0);
	assert_int_equal(b, 0);
	assert_int_equal(http_param_bool(&q, "none", -1, &b, &err), 0);
	assert_int_equal(b, -1);
	assert_int_equal(http_param_bool(&q, "e", -1, &b, &err), LO_EINVAL);
	assert_int_equal(http_param_bool(&q, "f", -1, &b, &err), LO_EINVAL);

	assert_int_equal(parse("kind=partial_outage&s=bgp.visible_slash24&bad=Outage&e="
			       "&sq=%27%3B"),
			 0);
	assert_int_equal(http_param_word(&q, "kind", &w, &err), 0);
	assert_string_equal(w, "partial_outage");
	assert_int_equal(http_param_word(&q, "s", &w, &err), 0);
	assert_string_equal(w, "bgp.visible_slash24");
	assert_int_equal(http_param_word(&q, "none", &w, &err), 0);
	assert_null(w);
	assert_int_equal(http_param_word(&q, "bad", &w, &err), LO_EINVAL);
	assert_int_equal(http_param_word(&q, "e", &w, &err), LO_EINVAL);
	assert_int_equal(http_param_word(&q, "sq", &w, &err), LO_EINVAL);

	static const char *const orders[] = {"desc", "asc", NULL};
	assert_int_equal(parse("o=asc&p=up"), 0);
	assert_int_equal(http_param_choice(&q, "o", orders, 0, &b, &err), 0);
	assert_int_equal(b, 1);
	assert_int_equal(http_param_choice(&q, "none", orders, 0, &b, &err), 0);
	assert_int_equal(b, 0);
	assert_int_equal(http_param_choice(&q, "p", orders, 0, &b, &err), LO_EINVAL);
	assert_non_null(strstr(err.msg, "desc, asc"));
}

static void entities_made_canonical(void **state)
{
	static const char *const good[][2] = {
		{"country:KP", "country:KP"},
		{"country:kp", "country:KP"},
		{"COUNTRY:kp", "country:KP"},
		{"asn:131279", "asn:131279"},
		{"prefix:175.45.176.0/22", "prefix:175.45.176.0/22"},
		{"group:kp", "group:kp"},
		{"host:198.18.0.2", "host:198.18.0.2"},
		{"host:2001:DB8:0:0::1", "host:2001:db8::1"},
		{"hostgroup:web", "hostgroup:web"},
	};
	static const char *const bad[] = {
		"country:KPX",
		"asn:x",
		"prefix:175.45.176.1/22",
		"bad",
		"",
		":",
		"x:<script>",
		"group:a b",
		"host:1.2.3",
		"hostgroup:web\"",
		"country:",
	};
	struct lo_err err;
	char out[HTTP_ENTITY_MAX + 1], qs[256];
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(qs, sizeof(qs), "entity=%s", good[i][0]);
		assert_int_equal(parse(qs), 0);
		lo_err_clear(&err);
		assert_int_equal(http_param_entity(&q, "entity", true, out, sizeof(out), &err), 0);
		assert_string_equal(out, good[i][1]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(qs, sizeof(qs), "entity=%s", bad[i]);
		assert_int_equal(parse(qs), 0);
		lo_err_clear(&err);
		assert_int_equal(http_param_entity(&q, "entity", true, out, sizeof(out), &err),
				 LO_EINVAL);
		assert_true(err.msg[0] != 0);
	}
	assert_int_equal(parse(""), 0);
	assert_int_equal(http_param_entity(&q, "entity", true, out, sizeof(out), &err), LO_EINVAL);
	assert_int_equal(http_param_entity(&q, "entity", false, out, sizeof(out), &err), 0);
	assert_string_equal(out, "");
	char longest[256] = "hostgroup:";
	memset(longest + 10, 'a', 200);
	longest[210] = 0;
	snprintf(qs, sizeof(qs), "entity=%s", longest);
	assert_int_equal(parse(qs), 0);
	assert_int_equal(http_param_entity(&q, "entity", true, out, sizeof(out), &err), LO_EINVAL);
}

static void paths_stay_in_the_root(void **state)
{
	char out[256];
	static const char *const good[][2] = {
		{"/", "index.html"},
		{"/index.html", "index.html"},
		{"/assets/app.js", "assets/app.js"},
		{"/assets/", "assets/index.html"},
		{"/a%20b.css", "a b.css"},
		{"/x..y.js", "x..y.js"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(http_path_clean(good[i][0], out, sizeof(out)), 0);
		assert_string_equal(out, good[i][1]);
	}
	static const char *const bad[] = {
		"",	      "index.html",  "/../etc/passwd", "/../../etc/passwd",
		"/a/../../b", "/%2e%2e/etc", "/%2E%2E/etc",    "/.%2e/etc",
		"/a/%2fetc",  "/a//b",	     "/.git/config",   "/a/.htpasswd",
		"/./a",	      "/a\\..\\b",   "/a%5c..%5cb",    "/a%00.html",
		"/a%0a",      "/%zz",	     "/a%2",	       "/..",
		"/.",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(http_path_clean(bad[i], out, sizeof(out)), LO_EINVAL);
	char longp[2048];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	assert_int_equal(http_path_clean(longp, out, sizeof(out)), LO_EINVAL);
	assert_int_equal(http_path_clean("/abcdef", out, 4), LO_EINVAL); /* does not fit */

	assert_string_equal(http_content_type("index.html"), "text/html; charset=utf-8");
	assert_string_equal(http_content_type("a/app.js"), "text/javascript; charset=utf-8");
	assert_string_equal(http_content_type("style.css"), "text/css; charset=utf-8");
	assert_string_equal(http_content_type("logo.svg"), "image/svg+xml");
	assert_string_equal(http_content_type("logo.png"), "image/png");
	assert_string_equal(http_content_type("data.json"), "application/json");
	assert_null(http_content_type("passwd"));
	assert_null(http_content_type("a.sh"));
	assert_null(http_content_type("dir.js/x"));
}

static void listen_addresses(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	assert_int_equal(http_addr_parse("127.0.0.1:8080", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8080);
	assert_int_equal(http_addr_parse("[::1]:0", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 0);
	static const char *const bad[] = {"localhost:80",    "127.0.0.1",  "127.0.0.1:",
					  "127.0.0.1:65536", "::1:80",	   "[::1]80",
					  "[::1]:x",	     "1.2.3.4:-1", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(http_addr_parse(bad[i], &ss, &len), LO_EINVAL);
	assert_int_equal(http_addr_parse(NULL, &ss, &len), LO_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_parse_decodes),	  cmocka_unit_test(query_parse_refuses),
		cmocka_unit_test(params_checked),	  cmocka_unit_test(entities_made_canonical),
		cmocka_unit_test(paths_stay_in_the_root), cmocka_unit_test(listen_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
