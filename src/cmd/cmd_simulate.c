/*
 * DOC: `lightsout simulate SPEC --out DIR` — write a RouteViews-style archive
 * (DIR/RIBS/rib.*.gz, DIR/UPDATES/updates.*.gz every 15 minutes) from a base
 * prefix -> origin table, a set of peers, background churn and a timeline of
 * events.  The spec format is documented in docs/simulate.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd/cmd.h"
#include "io/io.h"
#include "mrt/mrt.h"

#define MAX_PEERS    64
#define MAX_ACTIONS  100000
#define MAX_TABLE    (4u << 20)
#define FILE_SECONDS 900

enum op { OP_WITHDRAW, OP_ANNOUNCE, OP_DOWN };

struct action {
	uint32_t time;
	int peer;	 /* -1: all peers */
	uint32_t lo, hi; /* table index range */
	enum op op;
	uint32_t asn; /* only prefixes of this origin; 0 = all */
};

struct route {
	uint32_t addr;
	uint8_t len;
	uint32_t origin;
};

struct sim {
	uint32_t start, end;
	struct route *table;
	uint32_t n_table;
	unsigned peers;
	unsigned churn;		     /* background announcements per minute */
	uint32_t upstream_of[16][2]; /* origin -> upstream */
	unsigned n_upstream;
	struct action *act;
	unsigned n_act;
	struct mrt_peer peer[MAX_PEERS];
	uint64_t seed;
};

static const char usage[] = "usage: lightsout simulate SPEC --out DIR\n"
			    "\n"
			    "Write a RouteViews-style MRT archive from a scenario spec\n"
			    "(format: docs/simulate.md).\n";

static int parse_prefix(const char *s, uint32_t *addr, uint8_t *len)
{
	unsigned a, b, c, d, l;
	char tail;
	if (sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &l, &tail) != 5 || a > 255 || b > 255 ||
	    c > 255 || d > 255 || l > 32)
		return LO_EINVAL;
	*addr = a << 24 | b << 16 | c << 8 | d;
	*len = (uint8_t)l;
	return 0;
}

static int cmp_route(const void *x, const void *y)
{
	const struct route *p = x, *q = y;
	if (p->addr != q->addr)
		return p->addr < q->addr ? -1 : 1;
	return p->len < q->len ? -1 : p->len > q->len;
}

static int cmp_action(const void *x, const void *y)
{
	const struct action *p = x, *q = y;
	return p->time < q->time ? -1 : p->time > q->time;
}

/* The pyasn IPASN format: "prefix<TAB>origin" lines, ';' comments. */
static int load_table(struct sim *s, const char *path)
{
	struct io_reader *io;
	struct lo_err err;
	char buf[1 << 16], line[256];
	size_t ll = 0;
	ssize_t n;
	uint32_t cap = 0;

	if (io_open(&io, path, NULL, &err)) {
		fprintf(stderr, "lightsout simulate: %s: %s\n", path, err.msg);
		return LO_ENOENT;
	}
	while ((n = io_read(io, buf, sizeof(buf), &err)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (ll < sizeof(line) - 1)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = 0;
			ll = 0;
			char pfx[64];
			unsigned long asn;
			struct route r;
			if (line[0] == ';' || sscanf(line, "%63s %lu", pfx, &asn) != 2 ||
			    parse_prefix(pfx, &r.addr, &r.len) || asn > UINT32_MAX)
				continue;
			if (s->n_table == MAX_TABLE)
				break;
			if (s->n_table == cap) {
				cap = cap ? cap * 2 : 65536;
				struct route *v = realloc(s->table, cap * sizeof(*v));
				if (!v) {
					io_free(io);
					return LO_ENOMEM;
				}
				s->table = v;
			}
			r.origin = (uint32_t)asn;
			s->table[s->n_table++] = r;
		}
	}
	io_free(io);
	qsort(s->table, s->n_table, sizeof(*s->table), cmp_route);
	return s->n_table ? 0 : LO_ECORRUPT;
}

/* Table indices of the prefixes inside @addr/@len. */
static void range_of(const struct sim *s, uint32_t addr, uint8_t len, uint32_t *lo, uint32_t *hi)
{
	uint32_t mask = len ? ~0u << (32 - len) : 0, first = addr & mask, last = first | ~mask;
	uint32_t a = 0, b = s->n_table;
	while (a < b) {
		uint32_t m = (a + b) / 2;
		if (s->table[m].addr < first)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (a < s->n_table && s->table[a].addr <= last && s->table[a].len >= len)
		a++;
	*hi = a;
}

static int add_action(struct sim *s, uint32_t t, int peer, uint32_t lo, uint32_t hi, enum op op)
{
	if (s->n_act == MAX_ACTIONS)
		return LO_ETOOBIG;
	if (!s->act && !(s->act = malloc(MAX_ACTIONS * sizeof(*s->act))))
		return LO_ENOMEM;
	s->act[s->n_act++] = (struct action){t, peer, lo, hi, op, 0};
	return 0;
}

static uint64_t rnd(struct sim *s)
{
	s->seed ^= s->seed << 13;
	s->seed ^= s->seed >> 7;
	s->seed ^= s->seed << 17;
	return s->seed;
}

static int parse_spec(struct sim *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned no = 0;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "lightsout simulate: %s: %s\n", path, strerror(errno));
		return LO_ENOENT;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		char *w[8], *save = NULL;
		int n = 0;
		no++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 8;
		     t = strtok_r(NULL, " \t\r\n", &save))
			w[n++] = t;
		if (!n)
			continue;
		uint32_t t1 = 0, t2 = 0, addr;
		uint8_t len;
		rc = LO_EINVAL;
		if (!strcmp(w[0], "start") && n == 2)
			rc = lo_time_parse32(w[1], &s->start);
		else if (!strcmp(w[0], "end") && n == 2)
			rc = lo_time_parse32(w[1], &s->end);
		else if (!strcmp(w[0], "peers") && n == 2) {
			s->peers = (unsigned)atoi(w[1]);
			rc = s->peers >= 1 && s->peers <= MAX_PEERS ? 0 : LO_EINVAL;
		} else if (!strcmp(w[0], "churn") && n == 2) {
			s->churn = (unsigned)atoi(w[1]);
			rc = 0;
		} else if (!strcmp(w[0], "seed") && n == 2) {
			s->seed = strtoull(w[1], NULL, 10) | 1;
			rc = 0;
		} else if (!strcmp(w[0], "table") && n == 2) {
			char p[4096];
			if (w[1][0] != '/' && strrchr(path, '/'))
				snprintf(p, sizeof(p), "%.*s/%s", (int)(strrchr(path, '/') - path),
					 path, w[1]);
			else
				snprintf(p, sizeof(p), "%s", w[1]);
			rc = load_table(s, p);
		} else if (!strcmp(w[0], "upstream") && n == 3 && s->n_upstream < 16) {
			s->upstream_of[s->n_upstream][0] = (uint32_t)strtoul(w[1], NULL, 10);
			s->upstream_of[s->n_upstream++][1] = (uint32_t)strtoul(w[2], NULL, 10);
			rc = 0;
		} else if ((!strcmp(w[0], "withdraw") || !strcmp(w[0], "announce")) && n == 4 &&
			   !lo_time_parse32(w[1], &t1) && !parse_prefix(w[2], &addr, &len)) {
			uint32_t lo, hi;
			range_of(s, addr, len, &lo, &hi);
			int peer = !strcmp(w[3], "all") ? -1 : atoi(w[3]);
			rc = add_action(s, t1, peer, lo, hi,
					w[0][0] == 'w' ? OP_WITHDRAW : OP_ANNOUNCE);
		} else if ((!strcmp(w[0], "withdraw_asn") || !strcmp(w[0], "announce_asn")) &&
			   n == 4 && !lo_time_parse32(w[1], &t1)) {
			int peer = !strcmp(w[3], "all") ? -1 : atoi(w[3]);
			rc = add_action(s, t1, peer, 0, s->n_table,
					w[0][0] == 'w' ? OP_WITHDRAW : OP_ANNOUNCE);
			if (!rc)
				s->act[s->n_act - 1].asn = (uint32_t)strtoul(w[2], NULL, 10);
		} else if (!strcmp(w[0], "flaps") && n == 7 && !lo_time_parse32(w[1], &t1) &&
			   !lo_time_parse32(w[2], &t2) && !parse_prefix(w[3], &addr, &len) &&
			   t2 > t1) {
			/* withdraw at all peers, announce DOWN seconds later; the rate
			 * per hour rises linearly from RATE_FROM to RATE_TO */
			uint32_t lo, hi, down = (uint32_t)atoi(w[6]);
			double r0 = atof(w[4]), r1 = atof(w[5]);
			range_of(s, addr, len, &lo, &hi);
			rc = 0;
			for (double t = t1; t < t2 && !rc;) {
				double rate = r0 + (r1 - r0) * (t - t1) / (double)(t2 - t1);
				if (rate <= 0)
					rate = 0.1;
				rc = add_action(s, (uint32_t)t, -1, lo, hi, OP_WITHDRAW);
				if (!rc)
					rc = add_action(s, (uint32_t)t + down, -1, lo, hi,
							OP_ANNOUNCE);
				t += 3600.0 / rate;
			}
		} else if ((!strcmp(w[0], "reset") || !strcmp(w[0], "mass_withdraw")) && n == 4 &&
			   !lo_time_parse32(w[1], &t1)) {
			int peer = atoi(w[2]);
			uint32_t back = (uint32_t)atoi(w[3]);
			rc = peer < 0 || (unsigned)peer >= MAX_PEERS
				     ? LO_EINVAL
				     : add_action(s, t1, peer, 0, s->n_table,
						  w[0][0] == 'r' ? OP_DOWN : OP_WITHDRAW);
			if (!rc)
				rc = add_action(s, t1 + back, peer, 0, s->n_table, OP_ANNOUNCE);
		}
		if (rc)
			fprintf(stderr, "lightsout simulate: %s:%u: cannot use this line\n", path,
				no);
	}
	fclose(f);
	if (!rc && (!s->start || s->end <= s->start || !s->n_table || !s->peers)) {
		fprintf(stderr, "lightsout simulate: %s: needs start, end, table and peers\n",
			path);
		rc = LO_EINVAL;
	}
	return rc;
}

static const uint32_t transits[] = {3356, 174, 1299, 2914, 6939};

/* AS path of table entry @i seen by peer @p. */
static size_t path_of(const struct sim *s, uint32_t i, unsigned p, uint32_t out[4])
{
	uint32_t origin = s->table[i].origin;
	size_t n = 0;
	out[n++] = s->peer[p].asn;
	out[n++] = transits[(i + p) % 5];
	for (unsigned k = 0; k < s->n_upstream; k++)
		if (s->upstream_of[k][0] == origin)
			out[n++] = s->upstream_of[k][1];
	out[n++] = origin;
	return n;
}

static struct bgp_prefix pfx_of(const struct sim *s, uint32_t i)
{
	struct bgp_prefix p = {.addr = {.family = 4}, .len = s->table[i].len};
	uint32_t a = s->table[i].addr;
	p.addr.b[0] = (uint8_t)(a >> 24);
	p.addr.b[1] = (uint8_t)(a >> 16);
	p.addr.b[2] = (uint8_t)(a >> 8);
	p.addr.b[3] = (uint8_t)a;
	return p;
}

static int write_one(struct mrt_writer *w, const struct sim *s, uint32_t t, unsigned p, uint32_t i,
		     bool withdraw)
{
	struct mrt_bgp4mp h = {.time = t, .peer_asn = s->peer[p].asn, .local_asn = 6447};
	uint32_t path[4];
	struct mrt_attr_spec a = {.as_path = path, .n_as_path = path_of(s, i, p, path)};
	struct bgp_prefix pf = pfx_of(s, i);
	struct lo_err err;
	h.peer_addr = s->peer[p].addr;
	h.local_addr.family = 4;
	a.next_hop = s->peer[p].addr;
	return mrt_write_update(w, &h, &a, withdraw ? NULL : &pf, withdraw ? 0 : 1,
				withdraw ? &pf : NULL, withdraw ? 1 : 0, &err);
}

static int apply(struct mrt_writer *w, const struct sim *s, const struct action *a)
{
	for (unsigned p = 0; p < s->peers; p++) {
		if (a->peer >= 0 && (unsigned)a->peer != p)
			continue;
		if (a->op == OP_DOWN) {
			struct mrt_bgp4mp h = {
				.time = a->time, .peer_asn = s->peer[p].asn, .local_asn = 6447};
			struct lo_err err;
			h.peer_addr = s->peer[p].addr;
			h.local_addr.family = 4;
			if (mrt_write_state_change(w, &h, 6, 1, &err))
				return LO_EIO;
			continue;
		}
		for (uint32_t i = a->lo; i < a->hi; i++)
			if ((!a->asn || s->table[i].origin == a->asn) &&
			    write_one(w, s, a->time, p, i, a->op == OP_WITHDRAW))
				return LO_EIO;
	}
	return 0;
}

static struct io_writer *open_file(const char *dir, const char *sub, const char *kind, uint32_t t)
{
	char path[4096], name[32];
	time_t tt = t;
	struct tm tm;
	struct io_writer *io;
	struct lo_err err;
	gmtime_r(&tt, &tm);
	strftime(name, sizeof(name), "%Y%m%d.%H%M", &tm);
	snprintf(path, sizeof(path), "%s/%s/%s.%s.gz", dir, sub, kind, name);
	if (io_create(&io, path, IO_GZIP, 1, &err)) {
		fprintf(stderr, "lightsout simulate: %s: %s\n", path, err.msg);
		return NULL;
	}
	return io;
}

int cmd_simulate(int argc, char **argv)
{
	const char *spec = NULL, *out = NULL;
	struct sim s = {.seed = 88172645463325252ull};
	int status = CMD_OK;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return CMD_OK;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else if (!spec && argv[i][0] != '-') {
			spec = argv[i];
		} else {
			fputs(usage, stderr);
			return CMD_USAGE;
		}
	}
	if (!spec || !out) {
		fputs(usage, stderr);
		return CMD_USAGE;
	}
	if (parse_spec(&s, spec)) {
		free(s.table);
		free(s.act);
		return CMD_USAGE;
	}
	for (unsigned p = 0; p < s.peers; p++) {
		s.peer[p].addr.family = 4;
		s.peer[p].addr.b[0] = 198;
		s.peer[p].addr.b[1] = 18;
		s.peer[p].addr.b[2] = 0;
		s.peer[p].addr.b[3] = (uint8_t)(10 + p);
		s.peer[p].asn = 64500u + p;
		s.peer[p].bgp_id[0] = 198;
		s.peer[p].bgp_id[3] = (uint8_t)(10 + p);
	}
	qsort(s.act, s.n_act, sizeof(*s.act), cmp_action);
	char d[4096];
	mkdir(out, 0755);
	snprintf(d, sizeof(d), "%s/RIBS", out);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/UPDATES", out);
	mkdir(d, 0755);

	/* one RIB at the start */
	struct io_writer *io = open_file(out, "RIBS", "rib", s.start);
	struct mrt_writer *w;
	struct lo_err err;
	if (!io || mrt_writer_new(&w, io)) {
		status = CMD_USAGE;
		goto out;
	}
	const uint8_t cid[4] = {198, 18, 0, 1};
	mrt_write_peer_index(w, s.start, cid, "simulated", s.peer, s.peers, &err);
	struct mrt_attr_spec attrs[MAX_PEERS];
	struct mrt_rib_entry ent[MAX_PEERS];
	uint32_t paths[MAX_PEERS][4];
	for (uint32_t i = 0; i < s.n_table && !status; i++) {
		for (unsigned p = 0; p < s.peers; p++) {
			attrs[p] = (struct mrt_attr_spec){.as_path = paths[p],
							  .n_as_path = path_of(&s, i, p, paths[p])};
			attrs[p].next_hop = s.peer[p].addr;
			ent[p] = (struct mrt_rib_entry){(uint16_t)p, s.start - 86400, &attrs[p]};
		}
		struct bgp_prefix pf = pfx_of(&s, i);
		if (mrt_write_rib(w, s.start, &pf, ent, s.peers, &err))
			status = CMD_USAGE;
	}
	mrt_writer_free(w);
	if (io_close(io, &err) || status) {
		fprintf(stderr, "lightsout simulate: RIB: %s\n", err.msg);
		status = CMD_USAGE;
		goto out;
	}

	/* update files; background churn per minute; actions in time order */
	unsigned next = 0;
	uint64_t written = 0;
	for (uint32_t f = s.start; f < s.end && !status; f += FILE_SECONDS) {
		if (!(io = open_file(out, "UPDATES", "updates", f)) || mrt_writer_new(&w, io)) {
			status = CMD_USAGE;
			break;
		}
		for (uint32_t t = f; t < f + FILE_SECONDS && !status; t++) {
			while (next < s.n_act && s.act[next].time <= t && !status) {
				if (s.act[next].time >= s.start && apply(w, &s, &s.act[next]))
					status = CMD_USAGE;
				next++;
			}
			if (t % 60 == 30)
				for (unsigned k = 0; k < s.churn; k++) {
					uint32_t i = (uint32_t)(rnd(&s) % s.n_table);
					if (write_one(w, &s, t, (unsigned)(rnd(&s) % s.peers), i,
						      false))
						status = CMD_USAGE;
				}
		}
		written += mrt_writer_stats(w)->records;
		mrt_writer_free(w);
		if (io_close(io, &err))
			status = CMD_USAGE;
	}
	fprintf(stderr,
		"lightsout simulate: %" PRIu32 " prefixes x %u peers, %u scripted actions, %" PRIu64
		" update records in %s\n",
		s.n_table, s.peers, s.n_act, written, out);
out:
	free(s.table);
	free(s.act);
	return status;
}
