/*
 * DOC: unit tests for src/conf — DESIGN.md §3's example verbatim (every
 * value checked), the shipped etc/lightsout.example.ini, repeatable keys,
 * comments and layout (inline `;`/`#`, indentation, CRLF, BOM, long
 * comments), every kind of error with its line number, the caps, and the
 * value parsers.
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
#include <unistd.h>

#include "conf/conf.h"
#include "conf/conf_int.h"

#define EXAMPLE_INI LO_TEST_DATA "/../../etc/lightsout.example.ini"

static char tmpdir[256];

/* ------------------------------------------------------------ helpers */

static const char *write_path(void)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/t.ini", tmpdir);
	return path;
}

static const char *write_tmp(const char *text)
{
	const char *path = write_path();
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* load() - load @text; returns the conf (NULL on error, with @err filled). */
static struct conf *load(const char *text, int *rc, struct lo_err *err)
{
	struct conf *c = NULL;

	*rc = conf_load(&c, write_tmp(text), err);
	if (*rc)
		assert_null(c);
	else
		assert_non_null(c);
	return c;
}

static struct conf *load_ok(const char *text)
{
	struct lo_err err;
	int rc;
	struct conf *c = load(text, &rc, &err);

	if (rc)
		fail_msg("unexpected error %d: %s", rc, err.msg);
	return c;
}

/* expect_error() - @text fails with @code at @line, the message holding @needle. */
static void expect_error_(const char *text, int code, unsigned line, const char *needle,
			  const char *file, int srcline)
{
	struct lo_err err;
	char prefix[600];
	int rc;

	load(text, &rc, &err);
	if (rc != code || err.offset != line || !strstr(err.msg, needle))
		fail_msg("%s:%d: expected %d at line %u with '%s', got %d at line %lld: %s", file,
			 srcline, code, line, needle, rc, (long long)err.offset, err.msg);
	snprintf(prefix, sizeof(prefix), "%s/t.ini:%u: ", tmpdir, line);
	assert_memory_equal(err.msg, prefix, strlen(prefix));
	assert_int_equal(err.code, code);
	assert_string_equal(err.src, write_path());
}
#define expect_error(text, code, line, needle) \
	expect_error_((text), (code), (line), (needle), __FILE__, __LINE__)

static void assert_addr(const struct bgp_addr *a, const char *text)
{
	char buf[BGP_ADDR_STRLEN];

	assert_true(a->family == 4 || a->family == 6);
	bgp_fmt_addr(a, buf);
	assert_string_equal(buf, text);
}

static void assert_endpoint(const struct conf_endpoint *e, const char *text)
{
	char buf[64];

	conf_endpoint_fmt(e, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void assert_prefix(const struct bgp_prefix *p, const char *text)
{
	char buf[BGP_ADDR_STRLEN + 8];
	size_t n = bgp_fmt_addr(&p->addr, buf);

	snprintf(buf + n, sizeof(buf) - n, "/%u", (unsigned)p->len);
	assert_string_equal(buf, text);
}

static void assert_member(const struct geo_entity *e, const char *spec)
{
	char buf[96];

	geo_entity_fmt(e, buf, sizeof(buf));
	assert_string_equal(buf, spec);
}

/* ------------------------------------------------------------ the contract */

/* DESIGN.md §3, verbatim. */
static const char design_example[] =
	"[store]\n"
	"path = lightsout.db              ; SQLite file (the default); later postgresql://...\n"
	"[geo]\n"
	"source = libloc                  ; repeatable, as --geo\n"
	"[http]\n"
	"listen = 127.0.0.1:8080\n"
	"[bgp]\n"
	"asn = 65000\n"
	"router_id = 198.18.0.1\n"
	"listen = 127.0.0.1:179           ; repeatable\n"
	"mrt_dir = mrt                    ; record received messages as MRT (optional)\n"
	"[neighbor rv1]                   ; one section per neighbor, any name\n"
	"address = 198.18.1.2\n"
	"asn = 4837\n"
	"passive = yes\n"
	"blackhole = no                   ; send RTBH routes to it\n"
	"[bmp]\n"
	"listen = 127.0.0.1:11019\n"
	"[flow]\n"
	"listen = 127.0.0.1:2055          ; NetFlow v5/v9 and IPFIX, auto-detected; repeatable\n"
	"sflow = 127.0.0.1:6343\n"
	"exporter = 127.0.0.1             ; allowlist, repeatable\n"
	"[hostgroup dns]                  ; DDoS thresholds for a set of hosts\n"
	"prefix = 198.18.0.0/24           ; repeatable\n"
	"pps = 10000\n"
	"bps = 100000000\n"
	"flows = 5000\n"
	"[entity kp]                      ; a custom group:kp\n"
	"prefix = 175.45.176.0/22         ; also asn = ...\n"
	"[probe kcna]\n"
	"target = http://198.18.2.1/      ; or icmp:ADDR, tcp:ADDR:PORT, block:PREFIX\n"
	"interval = 60\n"
	"[detect]\n"
	"bin = 300                        ; seconds per stored bin\n"
	"window = 86400                   ; baseline window, seconds\n"
	"warmup = 3600                    ; no events before this much history, seconds\n"
	"min_duration = 60                ; shorter dips fold into instability, seconds\n";

static void test_design_example(void **state)
{
	struct conf *c = load_ok(design_example);
	const struct geo_entity *m;
	size_t n;

	assert_string_equal(c->path, write_tmp(design_example));
	assert_string_equal(c->store_path, "lightsout.db");
	assert_int_equal(c->n_geo_sources, 1);
	assert_string_equal(c->geo_sources[0], "libloc");
	assert_true(c->has_http_listen);
	assert_endpoint(&c->http_listen, "127.0.0.1:8080");

	assert_true(c->has_bgp_asn);
	assert_int_equal(c->bgp_asn, 65000);
	assert_true(c->has_bgp_router_id);
	assert_addr(&c->bgp_router_id, "198.18.0.1");
	assert_int_equal(c->n_bgp_listen, 1);
	assert_endpoint(&c->bgp_listen[0], "127.0.0.1:179");
	assert_string_equal(c->bgp_mrt_dir, "mrt");

	assert_int_equal(c->n_neighbors, 1);
	assert_string_equal(c->neighbors[0].name, "rv1");
	assert_int_equal(c->neighbors[0].line, 12);
	assert_addr(&c->neighbors[0].address, "198.18.1.2");
	assert_int_equal(c->neighbors[0].asn, 4837);
	assert_true(c->neighbors[0].passive);
	assert_false(c->neighbors[0].blackhole);
	assert_int_equal(c->neighbors[0].port, CONF_BGP_PORT);
	assert_int_equal(c->neighbors[0].hold_time, CONF_HOLD_TIME);

	assert_true(c->has_bmp_listen);
	assert_endpoint(&c->bmp_listen, "127.0.0.1:11019");

	assert_int_equal(c->n_flow_listen, 1);
	assert_endpoint(&c->flow_listen[0], "127.0.0.1:2055");
	assert_int_equal(c->n_flow_sflow, 1);
	assert_endpoint(&c->flow_sflow[0], "127.0.0.1:6343");
	assert_int_equal(c->n_flow_exporters, 1);
	assert_prefix(&c->flow_exporters[0], "127.0.0.1/32");

	assert_int_equal(c->n_hostgroups, 1);
	assert_string_equal(c->hostgroups[0].name, "dns");
	assert_int_equal(c->hostgroups[0].n_prefixes, 1);
	assert_prefix(&c->hostgroups[0].prefixes[0], "198.18.0.0/24");
	assert_int_equal(c->hostgroups[0].pps, 10000);
	assert_int_equal(c->hostgroups[0].bps, 100000000);
	assert_int_equal(c->hostgroups[0].flows, 5000);
	/* defaults of what DESIGN's example leaves out */
	assert_true(c->hostgroups[0].blackhole);
	assert_int_equal(c->hostgroups[0].total_pps, 0);
	assert_int_equal(c->flow_sampling, 0);
	assert_int_equal(c->flow_max_hosts, 65536);
	assert_int_equal(c->flow_attack_end, 10);
	assert_int_equal(c->flow_hold, 300);
	assert_true(c->flow_baseline);
	assert_true(c->flow_baseline_factor == 8);
	assert_int_equal(c->flow_baseline_min_pps, 1000);
	assert_null(c->flow_webhook);
	assert_false(c->flow_syslog);
	/* no [alert]: no channels, the defaults */
	assert_int_equal(c->alert.n_webhooks, 0);
	assert_null(c->alert.script);
	assert_false(c->alert.syslog);
	assert_false(c->alert.has_delay);
	assert_int_equal(c->alert.max_per_minute, CONF_ALERT_MAX_PER_MINUTE);
	assert_int_equal(c->alert.kinds, CONF_ALERT_ALL);

	assert_int_equal(c->n_entities, 1);
	assert_string_equal(c->entities[0].name, "kp");
	assert_int_equal(conf_entity_members(c, "kp", &m, &n), 0);
	assert_int_equal(n, 1);
	assert_member(&m[0], "prefix:175.45.176.0/22");
	assert_ptr_equal(conf_entity_find(c, "kp"), &c->entities[0]);

	assert_int_equal(c->n_probes, 1);
	assert_string_equal(c->probes[0].name, "kcna");
	assert_int_equal(c->probes[0].kind, CONF_PROBE_HTTP);
	assert_string_equal(c->probes[0].target, "http://198.18.2.1/");
	assert_string_equal(c->probes[0].url, "http://198.18.2.1/");
	assert_int_equal(c->probes[0].interval, 60);

	assert_true(c->detect.has_bin);
	assert_int_equal(c->detect.bin, 300);
	assert_true(c->detect.has_window);
	assert_int_equal(c->detect.window, 86400);
	assert_true(c->detect.has_warmup);
	assert_int_equal(c->detect.warmup, 3600);
	assert_true(c->detect.has_min_duration);
	assert_int_equal(c->detect.min_duration, 60);
	assert_false(c->detect.has_warn_ratio);
	assert_false(c->detect.has_crit_ratio);
	assert_false(c->detect.has_recover_ratio);
	assert_false(c->detect.has_min_baseline);
	assert_false(c->detect.has_flap_window);
	assert_false(c->detect.has_instability_factor);
	assert_false(c->detect.has_instability_min_flaps);
	conf_free(c);
}

static void test_example_file(void **state)
{
	struct conf *c = NULL;
	struct lo_err err;
	const struct geo_entity *m;
	size_t n;
	int rc = conf_load(&c, EXAMPLE_INI, &err);

	if (rc)
		fail_msg("%s: %s", EXAMPLE_INI, err.msg);
	/* every key of the example is set */
	assert_non_null(c->store_path);
	assert_true(c->n_geo_sources >= 1);
	assert_true(c->has_http_listen && c->has_bgp_asn && c->has_bgp_router_id);
	assert_int_equal(c->n_bgp_listen, 2);
	assert_endpoint(&c->bgp_listen[1], "[::1]:179");
	assert_non_null(c->bgp_mrt_dir);
	assert_int_equal(c->n_neighbors, 2);
	assert_addr(&c->neighbors[1].address, "2001:db8::1");
	assert_true(c->has_bmp_listen);
	assert_int_equal(c->n_flow_exporters, 2);
	assert_prefix(&c->flow_exporters[1], "198.18.3.0/24");
	assert_int_equal(c->hostgroups[0].n_prefixes, 2);
	assert_int_equal(c->hostgroups[0].syn_pps, 5000);
	assert_int_equal(c->hostgroups[0].amp_pps, 5000);
	assert_int_equal(c->hostgroups[0].total_pps, 50000);
	assert_int_equal(c->hostgroups[0].udp_pps, 0);
	assert_true(c->hostgroups[0].blackhole);
	assert_int_equal(c->flow_attack_end, 10);
	assert_int_equal(c->flow_hold, 300);
	assert_null(c->flow_script); /* commented out */
	assert_int_equal(conf_entity_members(c, "koryolink", &m, &n), 0);
	assert_int_equal(n, 2);
	assert_member(&m[0], "country:KP");
	assert_int_equal(c->n_probes, 4);
	assert_string_equal(c->probes[0].expect, "KCNA");
	assert_string_equal(c->probes[0].entities[0], "group:kp");
	assert_int_equal(c->probes[1].kind, CONF_PROBE_TCP);
	assert_int_equal(c->probes[2].kind, CONF_PROBE_DNS);
	assert_string_equal(c->probes[2].t.qname, "example.org");
	assert_int_equal(c->probes[3].kind, CONF_PROBE_BLOCK);
	assert_null(c->probes[3].url);
	assert_int_equal(c->prober.rate, 100);
	assert_int_equal(c->prober.window, 7 * 86400);
	assert_int_equal(c->prober.warmup, 0);
	assert_int_equal(c->prober.min_duration, 0);
	assert_true(c->detect.has_bin && c->detect.has_window && c->detect.has_warmup &&
		    c->detect.has_min_duration && c->detect.has_warn_ratio &&
		    c->detect.has_crit_ratio && c->detect.has_recover_ratio &&
		    c->detect.has_min_baseline && c->detect.has_flap_window &&
		    c->detect.has_instability_factor && c->detect.has_instability_min_flaps);
	assert_int_equal(c->detect.flap_window, 600);
	assert_true(c->detect.warn_ratio == 0.99);
	assert_true(c->detect.crit_ratio == 0.5);
	assert_true(c->detect.instability_factor == 4);
	assert_int_equal(c->detect.instability_min_flaps, 8);
	assert_int_equal(c->alert.n_webhooks, 0); /* commented out */
	assert_false(c->alert.syslog);
	assert_true(c->alert.has_delay);
	assert_int_equal(c->alert.delay, 60);
	assert_int_equal(c->alert.max_per_minute, 60);
	assert_int_equal(c->alert.kinds, CONF_ALERT_ALL & ~CONF_ALERT_PROBE_DOWN);
	conf_free(c);
}

static void test_alert(void **state)
{
	struct conf *c = load_ok("[alert]\n"
				 "webhook = http://127.0.0.1:9000/a\n"
				 "webhook = https://alerts.example/hook?x=1;y=2\n"
				 "script = /usr/local/bin/alert\n"
				 "syslog = yes\n"
				 "delay = 0\n"
				 "max_per_minute = 0\n"
				 "kinds = outage,attack\n");

	assert_int_equal(c->alert.n_webhooks, 2);
	assert_string_equal(c->alert.webhooks[1], "https://alerts.example/hook?x=1;y=2");
	assert_string_equal(c->alert.script, "/usr/local/bin/alert");
	assert_true(c->alert.syslog);
	assert_true(c->alert.has_delay);
	assert_int_equal(c->alert.delay, 0);
	assert_int_equal(c->alert.max_per_minute, 0);
	assert_int_equal(c->alert.kinds, CONF_ALERT_OUTAGE | CONF_ALERT_ATTACK);
	conf_free(c);

	c = load_ok("[alert]\nkinds =  probe_down ,instability\t,  partial_outage\n");
	assert_int_equal(c->alert.kinds, CONF_ALERT_PROBE_DOWN | CONF_ALERT_INSTABILITY |
						 CONF_ALERT_PARTIAL_OUTAGE);
	conf_free(c);

	assert_int_equal(conf_alert_kind("outage"), CONF_ALERT_OUTAGE);
	assert_int_equal(conf_alert_kind("attack"), CONF_ALERT_ATTACK);
	assert_int_equal(conf_alert_kind("Outage"), 0);
	assert_int_equal(conf_alert_kind(NULL), 0);

	expect_error("[alert]\nwebhook = ftp://x/\n", LO_EINVAL, 2, "not an http");
	expect_error("[alert]\nwebhook = http://a/\nwebhook = http://a/\n", LO_EINVAL, 3,
		     "listed twice");
	expect_error("[alert]\nscript = alert.sh\n", LO_EINVAL, 2, "not an absolute path");
	expect_error("[alert]\nscript = /a\nscript = /b\n", LO_EINVAL, 3, "given twice");
	expect_error("[alert]\nsyslog = sometimes\n", LO_EINVAL, 2, "not a boolean");
	expect_error("[alert]\ndelay = 86401\n", LO_EINVAL, 2, "out of range (0..86400)");
	expect_error("[alert]\nmax_per_minute = 10001\n", LO_EINVAL, 2, "out of range (0..10000)");
	expect_error("[alert]\nkinds = outage,hijack\n", LO_EINVAL, 2,
		     "[alert] kinds: unknown kind 'hijack'");
	expect_error("[alert]\nkinds = outage, outage\n", LO_EINVAL, 2, "'outage' listed twice");
	expect_error("[alert]\nkinds = outage,,attack\n", LO_EINVAL, 2, "comma-separated");
	expect_error("[alert]\nkinds = outage,\n", LO_EINVAL, 2, "comma-separated");
	expect_error("[alert]\nkinds = outage attack\n", LO_EINVAL, 2, "separated by commas");
	expect_error("[alert]\nemail = a@b\n", LO_EINVAL, 2,
		     "unknown key 'email' in [alert] (known: webhook, script, syslog, delay");
	expect_error("[alert x]\n", LO_EINVAL, 1, "[alert] takes no name");
}

static void test_empty_and_missing(void **state)
{
	struct conf *c = NULL;
	struct lo_err err;
	char path[512];

	c = load_ok("");
	assert_null(c->store_path);
	assert_int_equal(c->n_geo_sources, 0);
	assert_false(c->has_http_listen);
	assert_false(c->has_bgp_asn);
	assert_int_equal(c->n_neighbors + c->n_entities + c->n_probes + c->n_hostgroups, 0);
	assert_false(c->detect.has_bin);
	assert_int_equal(conf_entity_members(c, "kp", &(const struct geo_entity *){NULL},
					     &(size_t){0}),
			 LO_ENOENT);
	conf_free(c);

	c = load_ok("; only a comment\n\n# and another\n   \n");
	conf_free(c);
	c = load_ok("[detect]\n"); /* an empty section is fine */
	conf_free(c);

	snprintf(path, sizeof(path), "%s/no-such.ini", tmpdir);
	c = NULL;
	assert_int_equal(conf_load(&c, path, &err), LO_ENOENT);
	assert_null(c);
	assert_int_equal(err.code, LO_ENOENT);
	assert_true(err.offset == LO_NOOFF);
	assert_non_null(strstr(err.msg, path));

	/* a directory cannot be read */
	assert_int_equal(conf_load(&c, tmpdir, &err), LO_EIO);
	assert_null(c);

	conf_free(NULL);
	assert_int_equal(conf_entity_members(NULL, "x", &(const struct geo_entity *){NULL},
					     &(size_t){0}),
			 LO_ENOENT);
}

static void test_repeatable(void **state)
{
	struct conf *c = load_ok("[geo]\n"
				 "source = rir:/a\n"
				 "source = libloc\n"
				 "source = libloc:/db\n"
				 "[bgp]\n"
				 "listen = 127.0.0.1:179\n"
				 "listen = [::1]:1179\n"
				 "listen = 0.0.0.0:179\n"
				 "[flow]\n"
				 "listen = 127.0.0.1:2055\n"
				 "listen = [2001:db8::2]:4739\n"
				 "sflow = 127.0.0.1:6343\n"
				 "sflow = 127.0.0.1:6344\n"
				 "exporter = 10.0.0.1\n"
				 "exporter = 2001:db8::/32\n"
				 "exporter = ::1\n"
				 "[hostgroup web]\n"
				 "prefix = 192.0.2.0/24\n"
				 "prefix = 198.51.100.0/24\n"
				 "[entity mixed]\n"
				 "country = KP\n"
				 "asn = 131279\n"
				 "prefix = 175.45.176.0/22\n"
				 "asn = 4837\n"
				 "prefix = 2001:db8::/32\n");
	const struct geo_entity *m;
	size_t n;

	assert_int_equal(c->n_geo_sources, 3);
	assert_string_equal(c->geo_sources[0], "rir:/a");
	assert_string_equal(c->geo_sources[2], "libloc:/db");
	assert_int_equal(c->n_bgp_listen, 3);
	assert_endpoint(&c->bgp_listen[1], "[::1]:1179");
	assert_endpoint(&c->bgp_listen[2], "0.0.0.0:179");
	assert_int_equal(c->n_flow_listen, 2);
	assert_endpoint(&c->flow_listen[1], "[2001:db8::2]:4739");
	assert_int_equal(c->n_flow_sflow, 2);
	assert_int_equal(c->n_flow_exporters, 3);
	assert_prefix(&c->flow_exporters[0], "10.0.0.1/32");
	assert_prefix(&c->flow_exporters[1], "2001:db8::/32");
	assert_prefix(&c->flow_exporters[2], "::1/128");
	assert_int_equal(c->hostgroups[0].n_prefixes, 2);
	assert_int_equal(c->hostgroups[0].pps, 0); /* no static threshold */
	assert_int_equal(conf_entity_members(c, "mixed", &m, &n), 0);
	assert_int_equal(n, 5);
	assert_member(&m[0], "country:KP");
	assert_member(&m[1], "asn:131279");
	assert_member(&m[2], "prefix:175.45.176.0/22");
	assert_member(&m[3], "asn:4837");
	assert_member(&m[4], "prefix:2001:db8::/32");
	assert_int_equal(conf_entity_members(c, "other", &m, &n), LO_ENOENT);
	assert_null(conf_entity_find(c, "MIXED"));
	conf_free(c);
}

/* Layout: comments, blanks, indentation, CRLF, a BOM, long comments. */
static void test_layout(void **state)
{
	char text[1024];
	struct conf *c;

	snprintf(text, sizeof(text),
		 "\xEF\xBB\xBF[store]\r\n"
		 "  path = a b.db   # inline hash comment\r\n"
		 "\t; indented comment\r\n"
		 "[  neighbor   n1  ]  ; spaced header\n"
		 "    address=10.0.0.1\n"
		 "    asn =64512;not-a-comment-without-blank\n"
		 "[bgp]\n"
		 "asn = 1 ; %0300d\n"
		 "router_id = 10.0.0.9\n"
		 "[probe p]\n"
		 "target = http://example.org/a;b#frag\n",
		 0);
	/* "64512;not..." is not a number: a comment needs a blank before it */
	expect_error(text, LO_EINVAL, 6, "[neighbor n1] asn = '64512;not-a-comment");

	snprintf(text, sizeof(text),
		 "\xEF\xBB\xBF[store]\r\n"
		 "  path = a b.db   # inline hash comment\r\n"
		 "\t; indented comment\r\n"
		 "[  neighbor   n1  ]  ; spaced header\n"
		 "    address=10.0.0.1\n"
		 "    asn =64512\n"
		 "[bgp]\n"
		 "asn = 1 ; %0300d\n"
		 "router_id = 10.0.0.9\n"
		 "[probe p]\n"
		 "target = http://example.org/a;b#frag\n",
		 0);
	c = load_ok(text);
	assert_string_equal(c->store_path, "a b.db");
	assert_string_equal(c->neighbors[0].name, "n1");
	assert_int_equal(c->neighbors[0].asn, 64512);
	assert_int_equal(c->neighbors[0].line, 4);
	assert_int_equal(c->bgp_asn, 1);
	assert_string_equal(c->probes[0].url, "http://example.org/a;b#frag");
	conf_free(c);

	/* no trailing newline */
	c = load_ok("[detect]\nbin = 60");
	assert_int_equal(c->detect.bin, 60);
	conf_free(c);
}

/* ------------------------------------------------------------ errors */

static void test_errors_structure(void **state)
{
	char text[1024];

	expect_error("path = x\n", LO_EINVAL, 1, "outside a section");
	expect_error("\n\n[nosuch]\n", LO_EINVAL, 3, "unknown section [nosuch]");
	expect_error("[alerts]\n", LO_EINVAL, 1, "probe NAME, prober, detect, alert)");
	expect_error("[store]\n[nosuch x]\n", LO_EINVAL, 2, "unknown section [nosuch]");
	expect_error("[store\n", LO_EINVAL, 1, "section header");
	expect_error("[store] x\n", LO_EINVAL, 1, "section header");
	expect_error("[flow]\nscript = notify.sh\n", LO_EINVAL, 2, "not an absolute path");
	expect_error("[flow]\nwebhook = ftp://x/\n", LO_EINVAL, 2, "not an http");
	expect_error("[flow]\nmax_hosts = 3\n", LO_EINVAL, 2, "max_hosts");
	expect_error("[flow]\nbaseline_factor = 1\n", LO_EINVAL, 2, "baseline_factor");
	expect_error("[hostgroup g]\nprefix = 198.18.0.0/24\nsyn_pps = 0\n", LO_EINVAL, 3,
		     "syn_pps");
	expect_error("[hostgroup g]\nprefix = 198.18.0.0/24\nblackhole = maybe\n", LO_EINVAL, 3,
		     "blackhole");
	expect_error("[]\n", LO_EINVAL, 1, "unknown section []");
	expect_error("[store]\npath\n", LO_EINVAL, 2, "expected 'key = value'");
	expect_error("[store]\npath: x\n", LO_EINVAL, 2, "expected 'key = value'");
	expect_error("[store]\n= x\n", LO_EINVAL, 2, "missing key");
	expect_error("[store]\npath =\n", LO_EINVAL, 2, "empty value");
	expect_error("[store]\npath = ; just a comment\n", LO_EINVAL, 2, "empty value");
	expect_error("[store]\nPath = x\n", LO_EINVAL, 2, "unknown key 'Path' in [store]");
	expect_error("[detect]\n\nbins = 1\n", LO_EINVAL, 3,
		     "unknown key 'bins' in [detect] (known: bin, window");
	expect_error("[store]\npath = a\npath = b\n", LO_EINVAL, 3,
		     "[store] 'path' given twice (first on line 2)");
	expect_error("[detect]\nbin = 1\n[store]\n[detect]\n", LO_EINVAL, 4,
		     "duplicate section [detect] (first on line 1)");
	expect_error("[neighbor]\n", LO_EINVAL, 1, "[neighbor] needs a name");
	expect_error("[entity a b]\n", LO_EINVAL, 1, "[entity a b]: a name has only");
	expect_error("[entity a.b]\n", LO_EINVAL, 1, "a name has only");
	expect_error("[detect x]\n", LO_EINVAL, 1, "[detect] takes no name");

	/* a NUL byte (written with fwrite: the text holds it) */
	{
		static const char nul[] = "[store]\npath = a\0b\n";
		FILE *f = fopen(write_tmp(""), "w");
		struct conf *c = NULL;
		struct lo_err err;
		assert_non_null(f);
		assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
		fclose(f);
		assert_int_equal(conf_load(&c, write_path(), &err), LO_EINVAL);
		assert_int_equal(err.offset, 2);
		assert_non_null(strstr(err.msg, "NUL byte"));
	}

	/* long lines: refused, not split; long comments are fine */
	snprintf(text, sizeof(text), "[store]\n; %0500d\npath = %0300d\n", 0, 0);
	expect_error(text, LO_EINVAL, 3, "line too long");
}

static void test_errors_values(void **state)
{
	/* numbers */
	expect_error("[bgp]\nasn = 0\n", LO_EINVAL, 2,
		     "[bgp] asn = '0': out of range (1..4294967295)");
	expect_error("[bgp]\nasn = 4294967296\n", LO_EINVAL, 2, "out of range");
	expect_error("[bgp]\nasn = 99999999999999999999999\n", LO_EINVAL, 2, "out of range");
	expect_error("[bgp]\nasn = AS65000\n", LO_EINVAL, 2, "not a whole decimal number");
	expect_error("[bgp]\nasn = -1\n", LO_EINVAL, 2, "not a whole decimal number");
	expect_error("[bgp]\nasn = 1.5\n", LO_EINVAL, 2, "not a whole decimal number");
	expect_error("[detect]\nbin = 0\n", LO_EINVAL, 2,
		     "[detect] bin = '0': out of range (1..86400)");
	expect_error("[detect]\nbin = 86401\n", LO_EINVAL, 2, "out of range");
	expect_error("[detect]\nwarn_ratio = 0\n", LO_EINVAL, 2, "out of range: must be in (0, 1]");
	expect_error("[detect]\nwarn_ratio = 1.01\n", LO_EINVAL, 2, "out of range");
	expect_error("[detect]\ncrit_ratio = nan\n", LO_EINVAL, 2, "not a decimal number");
	expect_error("[detect]\ncrit_ratio = inf\n", LO_EINVAL, 2, "not a decimal number");
	expect_error("[detect]\ncrit_ratio = 0x1p-1\n", LO_EINVAL, 2, "not a decimal number");
	expect_error("[detect]\ncrit_ratio = .5.\n", LO_EINVAL, 2, "not a decimal number");
	expect_error("[detect]\nmin_baseline = -1\n", LO_EINVAL, 2, "out of range");
	expect_error("[detect]\ninstability_factor = 0.5\n", LO_EINVAL, 2, "out of range");
	expect_error("[detect]\ninstability_min_flaps = 0\n", LO_EINVAL, 2, "out of range");
	expect_error("[detect]\nflap_window = 0\n", LO_EINVAL, 2, "out of range");
	expect_error("[detect]\nbin = 600\nwindow = 300\n", LO_EINVAL, 1,
		     "window (300) is shorter than bin (600)");
	expect_error("[detect]\nwarn_ratio = 0.5\ncrit_ratio = 0.6\n", LO_EINVAL, 1,
		     "crit_ratio (0.6) is above warn_ratio (0.5)");
	expect_error("[detect]\nwarn_ratio = 0.9\nrecover_ratio = 0.8\n", LO_EINVAL, 1,
		     "warn_ratio (0.9) is above recover_ratio (0.8)");
	expect_error("[hostgroup h]\nprefix = 10.0.0.0/8\npps = 0\n", LO_EINVAL, 3, "out of range");

	/* booleans */
	expect_error("[neighbor n]\naddress = 10.0.0.1\nasn = 1\npassive = maybe\n", LO_EINVAL, 4,
		     "not a boolean");

	/* addresses and endpoints */
	expect_error("[http]\nlisten = localhost:8080\n", LO_EINVAL, 2, "no host names");
	expect_error("[http]\nlisten = 127.0.0.1\n", LO_EINVAL, 2, "expected ADDR:PORT");
	expect_error("[http]\nlisten = 127.0.0.1:0\n", LO_EINVAL, 2, "port must be 1..65535");
	expect_error("[http]\nlisten = 127.0.0.1:65536\n", LO_EINVAL, 2, "port");
	expect_error("[http]\nlisten = 127.0.0.1:http\n", LO_EINVAL, 2, "port");
	expect_error("[http]\nlisten = ::1:8080\n", LO_EINVAL, 2, "in brackets");
	expect_error("[http]\nlisten = [127.0.0.1]:8080\n", LO_EINVAL, 2, "not an IPv6 address");
	expect_error("[http]\nlisten = [::1]8080\n", LO_EINVAL, 2, "expected [IPV6]:PORT");
	expect_error("[bmp]\nlisten = 300.0.0.1:1\n", LO_EINVAL, 2, "not an IPv4 address");
	expect_error("[bgp]\nrouter_id = ::1\n", LO_EINVAL, 2, "non-zero IPv4");
	expect_error("[bgp]\nrouter_id = 0.0.0.0\n", LO_EINVAL, 2, "non-zero IPv4");
	expect_error("[bgp]\nrouter_id = 1.2.3\n", LO_EINVAL, 2, "not an IPv4 or IPv6 address");
	expect_error("[bgp]\nlisten = 127.0.0.1:179\nlisten = 127.0.0.1:179\n", LO_EINVAL, 3,
		     "listed twice");
	expect_error("[flow]\nlisten = 127.0.0.1:2055\nsflow = 127.0.0.1:2055\n", LO_EINVAL, 3,
		     "already used");
	expect_error("[flow]\nexporter = 10.0.0.300\n", LO_EINVAL, 2, "address or prefix");
	expect_error("[flow]\nexporter = 10.0.0.1/24\n", LO_EINVAL, 2,
		     "did you mean prefix:10.0.0.0/24?");
	expect_error("[flow]\nexporter = 10.0.0.1\nexporter = 10.0.0.1/32\n", LO_EINVAL, 3,
		     "listed twice");

	/* prefixes, ASNs, countries (geo_entity_parse's messages) */
	expect_error("[hostgroup h]\nprefix = 10.0.0.0/33\n", LO_EINVAL, 2,
		     "[hostgroup h] prefix = '10.0.0.0/33': prefix length must be 0..32");
	expect_error("[hostgroup h]\nprefix = 10.0.0.0\n", LO_EINVAL, 2, "ADDRESS/LENGTH");
	expect_error("[hostgroup h]\nprefix = 10.0.0.0/8\nprefix = 10.0.0.0/8\n", LO_EINVAL, 3,
		     "listed twice");
	expect_error("[entity e]\nprefix = 175.45.176.1/22\n", LO_EINVAL, 2, "host bits set");
	expect_error("[entity e]\nasn = 0\n", LO_EINVAL, 2, "out of range");
	expect_error("[entity e]\nasn = AS1\n", LO_EINVAL, 2, "decimal");
	expect_error("[entity e]\ncountry = kp\n", LO_EINVAL, 2, "two upper-case letters");
	expect_error("[entity e]\ncountry = KP\ncountry = KP\n", LO_EINVAL, 3, "listed twice");
	expect_error("[entity e]\ngroup = f\n", LO_EINVAL, 2, "unknown key 'group'");

	/* geo sources and probe targets */
	expect_error("[geo]\nsource = maxmind\n", LO_EINVAL, 2, "libloc, libloc:PATH or rir:PATH");
	expect_error("[geo]\nsource = rir:\n", LO_EINVAL, 2, "rir:PATH");
	expect_error("[geo]\nsource = libloc\nsource = libloc\n", LO_EINVAL, 3, "listed twice");
	expect_error("[probe p]\ntarget = ftp://x/\n", LO_EINVAL, 2, "a target is");
	expect_error("[probe p]\ntarget = http:///x\n", LO_EINVAL, 2, "needs a host");
	expect_error("[probe p]\ntarget = icmp:host\n", LO_EINVAL, 2, "icmp:ADDR");
	expect_error("[probe p]\ntarget = tcp:10.0.0.1\n", LO_EINVAL, 2, "tcp:ADDR:PORT");
	expect_error("[probe p]\ntarget = block:10.0.0.0/8\n", LO_EINVAL, 2, "/16 to /32");
	expect_error("[probe p]\ntarget = block:2001:db8::/48\n", LO_EINVAL, 2, "IPv4");
	expect_error("[probe p]\ntarget = icmp:10.0.0.1\ninterval = 0\n", LO_EINVAL, 3,
		     "out of range (1..86400)");
}

static void test_errors_required(void **state)
{
	/* reported at the section's header line, when the next header closes it */
	expect_error("[neighbor n]\nasn = 1\n[bgp]\n", LO_EINVAL, 1,
		     "[neighbor n]: 'address' is required");
	expect_error("[neighbor n]\naddress = 10.0.0.1\n", LO_EINVAL, 1, "'asn' is required");
	expect_error("[bgp]\nasn = 1\nrouter_id = 1.1.1.1\n"
		     "[neighbor a]\naddress = 10.0.0.1\nasn = 2\n"
		     "[neighbor b]\naddress = 10.0.0.1\nasn = 3\n",
		     LO_EINVAL, 7, "address 10.0.0.1 is also [neighbor a] (line 4)");
	expect_error("[neighbor a]\naddress = 10.0.0.1\nasn = 2\n[neighbor a]\n", LO_EINVAL, 4,
		     "duplicate section [neighbor a] (first on line 1)");
	expect_error("[neighbor a]\naddress = 10.0.0.1\nasn = 2\nhold_time = 2\n", LO_EINVAL, 4,
		     "0 or 3..65535");
	expect_error("\n[neighbor a]\naddress = 10.0.0.1\nasn = 2\n", LO_EINVAL, 2,
		     "[neighbor a] needs 'asn' and 'router_id' in [bgp]");
	expect_error("[bgp]\nasn = 1\n[neighbor a]\naddress = 10.0.0.1\nasn = 2\n", LO_EINVAL, 3,
		     "router_id");
	expect_error("[hostgroup h]\npps = 1\n", LO_EINVAL, 1, "at least one 'prefix'");
	expect_error("[entity e]\n[detect]\n", LO_EINVAL, 1, "[entity e]: no members");
	expect_error("[entity e]\nasn = 1\n[entity e]\n", LO_EINVAL, 3, "duplicate section");
	expect_error("[probe p]\ninterval = 5\n", LO_EINVAL, 1, "'target' is required");
	expect_error("[hostgroup h]\nprefix = 10.0.0.0/8\n[hostgroup h]\n", LO_EINVAL, 3,
		     "duplicate section");
	expect_error("[probe p]\ntarget = icmp:10.0.0.1\n[probe p]\n", LO_EINVAL, 3,
		     "duplicate section");
}

/* build() - a file of @n repeats of @fmt (one %d: the index) after @head. */
static char *build(const char *head, const char *fmt, int n)
{
	size_t cap = strlen(head) + (size_t)n * (strlen(fmt) + 16) + 1, used;
	char *s = malloc(cap);

	assert_non_null(s);
	used = (size_t)snprintf(s, cap, "%s", head);
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, cap - used, fmt, i);
	return s;
}

static void test_caps(void **state)
{
	struct conf *c;
	char *s;

	/* repeatable values: 64 fine, the 65th fails on its line */
	s = build("[bgp]\n", "listen = 127.0.0.1:1%d\n", CONF_MAX_REPEAT);
	c = load_ok(s);
	assert_int_equal(c->n_bgp_listen, CONF_MAX_REPEAT);
	assert_endpoint(&c->bgp_listen[63], "127.0.0.1:163");
	conf_free(c);
	free(s);
	s = build("[bgp]\n", "listen = 127.0.0.1:1%d\n", CONF_MAX_REPEAT + 1);
	expect_error(s, LO_ETOOBIG, CONF_MAX_REPEAT + 2, "too many 'listen' values in [bgp]");
	free(s);

	/* members of one entity ("1%d": distinct ASNs from 10) */
	s = build("[entity big]\n", "asn = 1%d\n", CONF_MAX_MEMBERS + 1);
	expect_error(s, LO_ETOOBIG, CONF_MAX_MEMBERS + 2, "too many members in one [entity]");
	free(s);

	/* sections */
	s = build("", "[entity e%d]\ncountry = KP\n", CONF_MAX_ENTITIES);
	c = load_ok(s);
	assert_int_equal(c->n_entities, CONF_MAX_ENTITIES);
	assert_non_null(conf_entity_find(c, "e1023"));
	conf_free(c);
	free(s);
	s = build("", "[entity e%d]\ncountry = KP\n", CONF_MAX_ENTITIES + 1);
	expect_error(s, LO_ETOOBIG, 2 * CONF_MAX_ENTITIES + 1, "too many [entity] sections");
	free(s);
	{
		/* distinct addresses, else the second neighbor fails first */
		size_t cap = 64 + (CONF_MAX_NEIGHBORS + 1) * 64, used = 0;
		s = malloc(cap);
		assert_non_null(s);
		used += (size_t)snprintf(s, cap, "[bgp]\nasn = 1\nrouter_id = 1.1.1.1\n");
		for (int i = 0; i <= CONF_MAX_NEIGHBORS; i++)
			used += (size_t)snprintf(s + used, cap - used,
						 "[neighbor n%d]\naddress = 10.0.%d.%d\nasn = 1\n",
						 i, i / 256, i % 256);
	}
	expect_error(s, LO_ETOOBIG, 4 + 3 * CONF_MAX_NEIGHBORS, "too many [neighbor] sections");
	free(s);
}

/* ------------------------------------------------------------ value parsers */

static void test_values(void **state)
{
	struct conf_endpoint e;
	struct conf_probe p;
	uint64_t u;
	double d;
	bool b;
	char why[200];

	assert_null(conf_val_uint("18446744073709551615", 0, UINT64_MAX, &u));
	assert_true(u == UINT64_MAX);
	assert_non_null(conf_val_uint("18446744073709551616", 0, UINT64_MAX, &u));
	assert_non_null(conf_val_uint("", 0, 1, &u));
	assert_non_null(conf_val_uint(" 1", 0, 1, &u));
	assert_null(conf_val_double("1e-3", 0, 1, true, &d));
	assert_true(d == 0.001);
	assert_null(conf_val_double("1", 0, 1, true, &d));
	assert_non_null(conf_val_double("0.0", 0, 1, true, &d));
	assert_null(conf_val_double("0.0", 0, 1, false, &d));
	assert_non_null(conf_val_double("1e999", 0, 1e300, false, &d));
	assert_null(conf_val_bool("YES", &b));
	assert_true(b);
	assert_null(conf_val_bool("Off", &b));
	assert_false(b);
	assert_non_null(conf_val_bool("", &b));

	assert_null(conf_val_endpoint("[2001:db8::1]:179", &e));
	assert_int_equal(e.addr.family, 6);
	assert_int_equal(e.port, 179);
	assert_endpoint(&e, "[2001:db8::1]:179");
	assert_null(conf_val_endpoint("10.1.2.3:65535", &e));
	assert_endpoint(&e, "10.1.2.3:65535");
	assert_non_null(conf_val_endpoint(":80", &e));
	assert_non_null(conf_val_endpoint("[]:80", &e));
	assert_non_null(conf_val_endpoint("10.0.0.1:", &e));

	assert_null(conf_val_name("a-Z_09"));
	assert_non_null(conf_val_name(""));
	assert_non_null(conf_val_name("x/y"));

	memset(&p, 0, sizeof(p));
	assert_int_equal(conf_val_probe_target("tcp:[2001:db8::5]:443", &p, why, sizeof(why)), 0);
	assert_int_equal(p.kind, CONF_PROBE_TCP);
	assert_addr(&p.addr, "2001:db8::5");
	assert_int_equal(p.port, 443);
	assert_int_equal(conf_val_probe_target("icmp:2001:db8::9", &p, why, sizeof(why)), 0);
	assert_int_equal(p.kind, CONF_PROBE_ICMP);
	assert_int_equal(conf_val_probe_target("block:198.18.0.0/16", &p, why, sizeof(why)), 0);
	assert_int_equal(p.kind, CONF_PROBE_BLOCK);
	assert_prefix(&p.block, "198.18.0.0/16");
	assert_int_equal(conf_val_probe_target("https://a", &p, why, sizeof(why)), 0);
	assert_int_equal(p.kind, CONF_PROBE_HTTP);
	assert_int_equal(conf_val_probe_target("http://a b", &p, why, sizeof(why)), LO_EINVAL);
}

/* [probe NAME] keys beyond target and interval, and [prober] */
static void test_probe_keys(void **state)
{
	(void)state;
	struct conf *c = load_ok("[prober]\nrate = 500\nburst = 50\nsweep = 3600\nwindow = 86400\n"
				 "warmup = 600\nmin_duration = 30\n"
				 "[probe web]\ntarget = http://198.18.20.2:8080/\ntimeout = 500\n"
				 "retries = 0\nexpect = KCNA Watch\nexpect_status = 200\n"
				 "entity = country:KP\nentity = host:198.18.20.2\n"
				 "[probe ns]\ntarget = dns:198.18.20.3:5353/example.test\n"
				 "[probe blk]\ntarget = block:198.18.21.0/24\nentity = group:kp\n");
	assert_int_equal(c->prober.rate, 500);
	assert_int_equal(c->prober.burst, 50);
	assert_int_equal(c->prober.sweep, 3600);
	assert_int_equal(c->prober.window, 86400);
	assert_int_equal(c->prober.warmup, 600);
	assert_int_equal(c->prober.min_duration, 30);
	assert_int_equal(c->n_probes, 3);
	const struct conf_probe *w = &c->probes[0];
	assert_int_equal(w->timeout, 500);
	assert_int_equal(w->retries, 0);
	assert_string_equal(w->expect, "KCNA Watch");
	assert_int_equal(w->expect_status, 200);
	assert_int_equal(w->n_entities, 2);
	assert_string_equal(w->entities[0], "country:KP");
	assert_string_equal(w->entities[1], "host:198.18.20.2");
	assert_string_equal(w->t.url, "http://198.18.20.2:8080/");
	const struct conf_probe *d = &c->probes[1];
	assert_int_equal(d->kind, CONF_PROBE_DNS);
	assert_int_equal(d->port, 5353);
	assert_string_equal(d->t.qname, "example.test");
	assert_int_equal(d->timeout, CONF_PROBE_TIMEOUT);
	assert_int_equal(d->retries, CONF_PROBE_RETRIES);
	assert_null(d->expect);
	assert_int_equal(c->probes[2].kind, CONF_PROBE_BLOCK);
	conf_free(c);

	expect_error("[probe a]\ntarget = icmp:198.18.0.1\nexpect = x\n", LO_EINVAL, 1,
		     "are for http(s) targets");
	expect_error("[probe a]\ntarget = icmp:198.18.0.1\nretries = 11\n", LO_EINVAL, 3,
		     "retries");
	expect_error("[probe a]\ntarget = icmp:198.18.0.1\ntimeout = 5\n", LO_EINVAL, 3, "timeout");
	expect_error("[probe a]\ntarget = icmp:198.18.0.1\nentity = planet:mars\n", LO_EINVAL, 3,
		     "planet:mars");
	expect_error("[probe a]\ntarget = icmp:198.18.0.1\nentity = host:nope\n", LO_EINVAL, 3,
		     "host:nope");
	expect_error("[probe a]\ntarget = icmp:224.0.0.1\n", LO_EINVAL, 2, "icmp:224.0.0.1");
	expect_error("[probe a]\ntarget = icmp:255.255.255.255\n", LO_EINVAL, 2, "255.255.255.255");
	expect_error("[prober]\nrate = 0\n", LO_EINVAL, 2, "rate");
	expect_error("[prober]\nrate = 10001\n", LO_EINVAL, 2, "rate");
}

/* ------------------------------------------------------------ main */

static int setup(void **state)
{
	char tmpl[] = "/tmp/lo-conf-XXXXXX";

	if (!mkdtemp(tmpl))
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	return 0;
}

static int teardown(void **state)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/t.ini", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_alert),
		cmocka_unit_test(test_empty_and_missing),
		cmocka_unit_test(test_repeatable),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_errors_structure),
		cmocka_unit_test(test_errors_values),
		cmocka_unit_test(test_errors_required),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_probe_keys),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
