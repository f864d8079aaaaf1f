/*
 * DOC: the rir: provider — RIR delegated statistics files.
 *
 * Format (the RIRs' "RIR statistics exchange format", versions 2 and 2.3):
 *   version|registry|serial|records|startdate|enddate|UTCoffset    header
 *   registry|*|type|*|count|summary                                summaries
 *   registry|cc|type|start|value|date|status[|opaque-id[|...]]     records
 *   # ...                                                          comments
 * type asn: value = number of ASNs from start; ipv4: value = number of
 * addresses from start (any count, not only powers of two: the range is cut
 * into CIDR blocks); ipv6: value = prefix length.  Only statuses allocated
 * and assigned with a real country are used; available, reserved, the IANA
 * file's pointers to RIRs (status = an RIR name) and country ZZ are skipped.
 *
 * Damage is reported and survived: a line that does not parse is reported
 * with file and line number and skipped; a file whose header record count
 * differs from the records present, whose last line has no newline, or whose
 * compressed stream stops early is reported as a whole and what it holds is
 * used.  A file with no version line is not a delegated-statistics file: it
 * is reported and ignored (so rir:DIR tolerates strangers in DIR).
 */
#include "geo/geo_int.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "io/io.h"

#define RIR_FIELDS 10

/* A field of the line: borrowed bytes. */
struct field {
	const char *p;
	size_t n;
};

static bool field_is(const struct field *f, const char *s)
{
	return f->n == strlen(s) && !memcmp(f->p, s, f->n);
}

/* Strict unsigned decimal: digits only, at most 20, no overflow. */
static bool field_u64(const struct field *f, uint64_t *v)
{
	uint64_t x = 0;

	if (f->n == 0 || f->n > 20)
		return false;
	for (size_t i = 0; i < f->n; i++) {
		unsigned d = (unsigned)(f->p[i] - '0');
		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static bool field_addr(const struct field *f, int af, uint8_t *out)
{
	char buf[48];

	if (f->n == 0 || f->n >= sizeof(buf))
		return false;
	memcpy(buf, f->p, f->n);
	buf[f->n] = 0;
	return inet_pton(af, buf, out) == 1;
}

static int bad(struct lo_err *err, const char *what, const struct field *f)
{
	return lo_err_set(err, LO_ECORRUPT, LO_NOOFF, "%s '%.*s'", what,
			  (int)(f->n > 48 ? 48 : f->n), f->p);
}

int geo_rir_parse_line(const char *line, size_t len, struct geo_rir_line *out, struct lo_err *err)
{
	struct field f[RIR_FIELDS];
	size_t nf = 0, start = 0;
	uint64_t v, val;

	memset(out, 0, sizeof(*out));
	if (len == 0 || line[0] == '#') {
		out->kind = GEO_RIR_COMMENT;
		return 0;
	}
	for (size_t i = 0; i <= len && nf < RIR_FIELDS; i++) {
		if (i == len || line[i] == '|') {
			f[nf].p = line + start;
			f[nf].n = i - start;
			nf++;
			start = i + 1;
		}
	}
	if (nf < 6)
		return lo_err_set(err, LO_ECORRUPT, LO_NOOFF, "%zu fields, expected at least 6",
				  nf);

	if (f[0].n && f[0].p[0] >= '0' && f[0].p[0] <= '9') {
		out->kind = GEO_RIR_VERSION;
		if (nf < 7 || !field_u64(&f[3], &out->records))
			return bad(err, "version line with bad record count", &f[3]);
		return 0;
	}
	if (field_is(&f[1], "*")) {
		out->kind = GEO_RIR_SUMMARY;
		if (!field_is(&f[5], "summary") || !field_u64(&f[4], &v))
			return bad(err, "bad summary line, count", &f[4]);
		return 0;
	}

	out->kind = GEO_RIR_RECORD;
	if (nf < 7)
		return lo_err_set(err, LO_ECORRUPT, LO_NOOFF, "%zu fields, expected at least 7",
				  nf);
	if (field_is(&f[2], "asn"))
		out->type = GEO_RIR_ASN;
	else if (field_is(&f[2], "ipv4"))
		out->type = GEO_RIR_IPV4;
	else if (field_is(&f[2], "ipv6"))
		out->type = GEO_RIR_IPV6;
	else
		return bad(err, "unknown type", &f[2]);
	if (!field_u64(&f[4], &val))
		return bad(err, "bad value", &f[4]);

	switch (out->type) {
	case GEO_RIR_ASN:
		if (!field_u64(&f[3], &v) || v > UINT32_MAX)
			return bad(err, "bad ASN", &f[3]);
		if (val == 0 || val - 1 > UINT32_MAX - v)
			return bad(err, "bad ASN count", &f[4]);
		out->lo = v;
		out->hi = v + val - 1;
		break;
	case GEO_RIR_IPV4: {
		uint8_t a[4];
		if (!field_addr(&f[3], AF_INET, a))
			return bad(err, "bad IPv4 address", &f[3]);
		v = (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
		if (val == 0 || val > (1ull << 32) - v)
			return bad(err, "bad IPv4 address count", &f[4]);
		out->lo = v;
		out->hi = v + val - 1;
		break;
	}
	case GEO_RIR_IPV6: {
		uint8_t a[16];
		geo_u128 x = 0, host;
		if (!field_addr(&f[3], AF_INET6, a))
			return bad(err, "bad IPv6 address", &f[3]);
		if (val > 128)
			return bad(err, "bad IPv6 prefix length", &f[4]);
		for (int i = 0; i < 16; i++)
			x = x << 8 | a[i];
		host = val == 0 ? ~(geo_u128)0 : ((geo_u128)1 << (128 - val)) - 1;
		if (x & host)
			return bad(err, "IPv6 prefix has host bits set:", &f[3]);
		out->lo = x;
		out->hi = x | host;
		break;
	}
	}

	bool cc_ok = f[1].n == 2 && f[1].p[0] >= 'A' && f[1].p[0] <= 'Z' && f[1].p[1] >= 'A' &&
		     f[1].p[1] <= 'Z';
	bool status_used = field_is(&f[6], "allocated") || field_is(&f[6], "assigned");
	if (cc_ok) {
		memcpy(out->cc, f[1].p, 2);
		out->cc[2] = 0;
	}
	if (status_used && !cc_ok)
		return bad(err, "bad country code", &f[1]);
	out->used = status_used && !field_is(&f[1], "ZZ");
	return 0;
}

/* ---------------------------------------------------------------- files */

struct rir_file {
	struct geo_load *l;
	const char *name;
	uint64_t lineno;
	uint64_t records; /* record lines seen, good or bad */
	uint64_t header_records;
	bool have_version;
	bool damaged;
	bool stranger; /* not a delegated-statistics file: stop */
};

static void file_damaged(struct rir_file *rf)
{
	if (!rf->damaged)
		rf->l->st->damaged_files++;
	rf->damaged = true;
}

static int use_record(struct rir_file *rf, const struct geo_rir_line *x)
{
	struct geo_load *l = rf->l;
	uint16_t cc = geo_cc_pack(x->cc);
	int rc = 0;

	if (!x->used) {
		l->st->skipped++;
		return 0;
	}
	l->st->records++;
	if (x->type == GEO_RIR_ASN)
		return geo_load_asns(l, (uint32_t)x->lo, (uint32_t)x->hi, cc);
	if (x->type == GEO_RIR_IPV6)
		return geo_load_block(l, 6, x->lo, x->hi, cc);

	struct bgp_prefix cidr[64];
	int n = geo_ipv4_range_cidrs((uint32_t)x->lo, (uint64_t)(x->hi - x->lo) + 1, cidr, 64);
	for (int i = 0; i < n && !rc; i++) {
		uint32_t a = (uint32_t)cidr[i].addr.b[0] << 24 | (uint32_t)cidr[i].addr.b[1] << 16 |
			     (uint32_t)cidr[i].addr.b[2] << 8 | cidr[i].addr.b[3];
		uint64_t size = 1ull << (32 - cidr[i].len);
		rc = geo_load_block(l, 4, a, a + size - 1, cc);
	}
	return rc;
}

/* One complete line (without its newline); 0 or a fatal LO_E* (caps, memory). */
static int rir_line(struct rir_file *rf, const char *line, size_t len)
{
	struct geo_rir_line x;
	struct lo_err e;

	rf->l->st->lines++;
	rf->lineno++;
	if (len && line[len - 1] == '\r')
		len--;
	lo_err_clear(&e);
	int rc = geo_rir_parse_line(line, len, &x, &e);
	if (!rf->have_version) {
		if (!rc && x.kind == GEO_RIR_COMMENT)
			return 0;
		if (rc || x.kind != GEO_RIR_VERSION) {
			geo_load_report(
				rf->l, rf->name, rf->lineno,
				"not a delegated-statistics file (no version line); ignored");
			file_damaged(rf);
			rf->stranger = true;
			return 0;
		}
		rf->have_version = true;
		rf->header_records = x.records;
		return 0;
	}
	if (rc) {
		/* a line that is neither comment, summary nor version was meant as a record */
		if (!(len && line[0] >= '0' && line[0] <= '9'))
			rf->records++;
		rf->l->st->bad_lines++;
		geo_load_report(rf->l, rf->name, rf->lineno, "%s; line skipped", e.msg);
		return 0;
	}
	switch (x.kind) {
	case GEO_RIR_COMMENT:
	case GEO_RIR_SUMMARY:
		return 0;
	case GEO_RIR_VERSION:
		rf->l->st->bad_lines++;
		geo_load_report(rf->l, rf->name, rf->lineno, "second version line; skipped");
		return 0;
	case GEO_RIR_RECORD:
		rf->records++;
		return use_record(rf, &x);
	}
	return 0;
}

static int rir_file(struct geo_load *l, const char *path, struct lo_err *err)
{
	struct rir_file rf = {.l = l, .name = path};
	struct io_reader *io;
	char *buf, *line;
	size_t llen = 0;
	bool overlong = false;
	ssize_t got = 0;
	int rc = io_open(&io, path, NULL, err);

	if (rc)
		return rc;
	l->st->files++;
	buf = malloc(65536);
	line = malloc(GEO_LINE_MAX);
	if (!buf || !line) {
		rc = LO_ENOMEM;
		goto out;
	}
	while (!rf.stranger && (got = io_read(io, buf, 65536, err)) > 0) {
		for (ssize_t i = 0; i < got && !rf.stranger; i++) {
			if (buf[i] != '\n') {
				if (llen < GEO_LINE_MAX)
					line[llen++] = buf[i];
				else
					overlong = true;
				continue;
			}
			if (overlong) {
				rf.lineno++;
				rf.records++; /* meant as a record, most likely */
				l->st->lines++;
				l->st->bad_lines++;
				geo_load_report(l, path, rf.lineno,
						"line longer than %d bytes; skipped", GEO_LINE_MAX);
			} else {
				rc = rir_line(&rf, line, llen);
				if (rc)
					goto out;
			}
			llen = 0;
			overlong = false;
		}
	}
	if (!rf.stranger && got < 0) {
		geo_load_report(l, path, 0, "%s; using the %" PRIu64 " lines before it",
				err && err->msg[0] ? err->msg : lo_strerror((int)got), rf.lineno);
		lo_err_clear(err);
		file_damaged(&rf);
	}
	if (!rf.stranger && (llen || overlong)) {
		geo_load_report(l, path, rf.lineno + 1,
				"last line has no newline (file cut short?)");
		file_damaged(&rf);
		if (!overlong) {
			rc = rir_line(&rf, line, llen);
			if (rc)
				goto out;
		}
	}
	if (!rf.stranger && !rf.have_version) {
		geo_load_report(l, path, 0, "not a delegated-statistics file (no version line)");
		file_damaged(&rf);
	}
	if (rf.have_version && rf.records != rf.header_records) {
		geo_load_report(l, path, 0,
				"header says %" PRIu64 " records, file holds %" PRIu64
				" (truncated?); using them",
				rf.header_records, rf.records);
		file_damaged(&rf);
	}
out:
	free(buf);
	free(line);
	io_free(io);
	if (rc && rc != LO_ENOMEM)
		lo_err_set(err, rc, LO_NOOFF, "%s: %s", path, lo_strerror(rc));
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular, non-hidden file of @dir, in name order. */
static int rir_dir(struct geo_load *l, const char *dir, struct lo_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d)
		return lo_err_set(err, LO_EIO, LO_NOOFF, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == GEO_FILES_MAX) {
			rc = lo_err_set(err, LO_ETOOBIG, LO_NOOFF, "%s: more than %d files", dir,
					GEO_FILES_MAX);
			goto out;
		}
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn) {
			rc = LO_ENOMEM;
			goto out;
		}
		names = nn;
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0) {
			rc = LO_ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && !rc; i++) {
		struct stat sb;
		struct lo_err e;

		if (stat(names[i], &sb) || !S_ISREG(sb.st_mode))
			continue;
		lo_err_clear(&e);
		rc = rir_file(l, names[i], &e);
		if (rc == LO_ENOENT || rc == LO_EIO) {
			geo_load_report(l, names[i], 0, "%s; file skipped", e.msg);
			l->st->damaged_files++;
			rc = 0;
		} else if (rc) {
			if (err)
				*err = e;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int geo_rir_load(struct geo_load *l, const char *path, struct lo_err *err)
{
	struct stat sb;

	if (stat(path, &sb))
		return lo_err_set(err, errno == ENOENT ? LO_ENOENT : LO_EIO, LO_NOOFF, "%s: %s",
				  path, strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return rir_dir(l, path, err);
	return rir_file(l, path, err);
}
