/*
 * DOC: MRT archives — find the RIB and update files of each collector in
 * RouteViews or RIS layouts, choose the ones a time range needs, and merge
 * all collectors' records in time order (a k-way merge over one open reader
 * per collector; see mrt.h).
 *
 * A file's time comes from the YYYYMMDD.HHMM in its name; its kind from the
 * name (rib / bview -> RIB, updates -> updates).  Files whose names carry
 * no time are read in the order given, after the timed ones.
 */
#include "mrt/mrt_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct afile {
	char *path;
	uint16_t collector;
	enum mrt_file_kind kind;
	uint32_t time; /* 0 = unknown */
	unsigned order;
};

struct stream {
	unsigned next_file; /* index into a->files of the next file to open */
	unsigned end_file;  /* one past this collector's last file */
	struct io_reader *io;
	struct mrt_reader *r;
	const struct mrt_record *rec; /* current record, NULL when exhausted */
	const char *path;
};

struct mrt_archive {
	struct afile *files;
	unsigned n_files, cap_files;
	char **collectors;
	unsigned n_collectors;
	struct stream *streams;
	unsigned *heap; /* stream indices ordered by rec->time */
	unsigned n_heap;
	int advance; /* stream to advance before the next pick, -1 none */
	struct io_opts io;
	bool started;
};

/* ---------------------------------------------------------------- scanning */

/* "YYYYMMDD.HHMM" anywhere in @name -> unix time, else 0. */
static uint32_t name_time(const char *name)
{
	for (const char *p = name; *p; p++) {
		int d = 0;
		while (d < 13 && p[d] && (d == 8 ? p[d] == '.' : p[d] >= '0' && p[d] <= '9'))
			d++;
		if (d < 13)
			continue;
		struct tm tm = {0};
		tm.tm_year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 +
			     (p[3] - '0') - 1900;
		tm.tm_mon = (p[4] - '0') * 10 + (p[5] - '0') - 1;
		tm.tm_mday = (p[6] - '0') * 10 + (p[7] - '0');
		tm.tm_hour = (p[9] - '0') * 10 + (p[10] - '0');
		tm.tm_min = (p[11] - '0') * 10 + (p[12] - '0');
		if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
		    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_year < 70)
			continue;
		time_t t = timegm(&tm);
		return t > 0 && t < (time_t)UINT32_MAX ? (uint32_t)t : 0;
	}
	return 0;
}

static int collector_id(struct mrt_archive *a, const char *dir, struct lo_err *err)
{
	for (unsigned i = 0; i < a->n_collectors; i++)
		if (!strcmp(a->collectors[i], dir))
			return (int)i;
	if (a->n_collectors >= MRT_ARCHIVE_MAX_COLLECTORS)
		return lo_err_set(err, LO_ETOOBIG, LO_NOOFF, "more than %u collectors",
				  MRT_ARCHIVE_MAX_COLLECTORS);
	char **v = realloc(a->collectors, (a->n_collectors + 1) * sizeof(*v));
	if (!v)
		return LO_ENOMEM;
	a->collectors = v;
	if (!(v[a->n_collectors] = strdup(dir)))
		return LO_ENOMEM;
	return (int)a->n_collectors++;
}

static int add_file(struct mrt_archive *a, const char *path, const char *collector_dir,
		    struct lo_err *err)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int c = collector_id(a, collector_dir, err);

	if (c < 0)
		return c;
	if (a->n_files >= MRT_ARCHIVE_MAX_FILES)
		return lo_err_set(err, LO_ETOOBIG, LO_NOOFF, "more than %u files",
				  MRT_ARCHIVE_MAX_FILES);
	if (a->n_files == a->cap_files) {
		unsigned nc = a->cap_files ? a->cap_files * 2 : 64;
		struct afile *v = realloc(a->files, nc * sizeof(*v));
		if (!v)
			return LO_ENOMEM;
		a->files = v;
		a->cap_files = nc;
	}
	struct afile *f = &a->files[a->n_files];
	if (!(f->path = strdup(path)))
		return LO_ENOMEM;
	f->collector = (uint16_t)c;
	f->kind = (strstr(base, "rib") || strstr(base, "bview")) ? MRT_FILE_RIB : MRT_FILE_UPDATES;
	f->time = name_time(base);
	f->order = a->n_files++;
	return 0;
}

static bool is_mrt_name(const char *base)
{
	return base[0] != '.' &&
	       (strstr(base, "rib") || strstr(base, "bview") || strstr(base, "updates"));
}

/* Walk @dir (depth <= 2): RIBS/ and UPDATES/ belong to @dir's collector. */
static int scan_dir(struct mrt_archive *a, const char *dir, const char *collector, int depth,
		    struct lo_err *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return lo_err_set(err, errno == ENOENT ? LO_ENOENT : LO_EIO, LO_NOOFF, "%s: %s",
				  dir, strerror(errno));
	struct dirent *de;
	char **names = NULL;
	unsigned n = 0;
	int rc = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char **v = realloc(names, (n + 1) * sizeof(*v));
		if (!v) {
			rc = LO_ENOMEM;
			break;
		}
		names = v;
		if (!(names[n] = strdup(de->d_name))) {
			rc = LO_ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	for (unsigned i = 0; i < n && !rc; i++) {
		char path[4096];
		struct stat st;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path))
			continue;
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 2) {
			bool layout = !strcmp(names[i], "RIBS") || !strcmp(names[i], "UPDATES");
			rc = scan_dir(a, path, layout ? collector : path, depth + 1, err);
		} else if (S_ISREG(st.st_mode) && is_mrt_name(names[i])) {
			rc = add_file(a, path, collector, err);
		}
	}
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int cmp_files(const void *x, const void *y)
{
	const struct afile *p = x, *q = y;
	if (p->collector != q->collector)
		return p->collector < q->collector ? -1 : 1;
	/* timed files by time (a RIB before updates of the same minute), then untimed by order */
	if (!p->time != !q->time)
		return p->time ? -1 : 1;
	if (p->time != q->time)
		return p->time < q->time ? -1 : 1;
	if (p->kind != q->kind)
		return p->kind == MRT_FILE_RIB ? -1 : 1;
	return p->order < q->order ? -1 : p->order > q->order;
}

/* Keep, per collector, the RIB a range needs and the updates after it. */
static void select_files(struct mrt_archive *a, uint32_t from, uint32_t until)
{
	unsigned out = 0;

	for (unsigned i = 0; i < a->n_files;) {
		unsigned j = i;
		while (j < a->n_files && a->files[j].collector == a->files[i].collector)
			j++;
		/* the RIB: latest at or before @from, else the first one */
		int rib = -1;
		for (unsigned k = i; k < j; k++) {
			struct afile *f = &a->files[k];
			if (f->kind != MRT_FILE_RIB)
				continue;
			if (rib < 0 || (from && f->time && f->time <= from))
				rib = (int)k;
			if (!from)
				break;
		}
		uint32_t start = rib >= 0 ? a->files[rib].time : 0;
		for (unsigned k = i; k < j; k++) {
			struct afile *f = &a->files[k];
			bool keep;
			if (f->kind == MRT_FILE_RIB)
				keep = (int)k == rib;
			else
				keep = (!f->time || f->time >= start) &&
				       (!until || !f->time || f->time <= until) &&
				       (!from || !f->time || f->time + 3600 > from || rib >= 0);
			if (keep)
				a->files[out++] = *f;
			else
				free(f->path);
		}
		i = j;
	}
	a->n_files = out;
}

int mrt_archive_open(struct mrt_archive **out, char *const *paths, unsigned n, uint32_t from,
		     uint32_t until, const struct io_opts *io, struct lo_err *err)
{
	struct mrt_archive *a = calloc(1, sizeof(*a));
	int rc = 0;

	if (!a)
		return LO_ENOMEM;
	if (io)
		a->io = *io;
	a->advance = -1;
	for (unsigned i = 0; i < n && !rc; i++) {
		struct stat st;
		if (stat(paths[i], &st)) {
			rc = lo_err_set(err, errno == ENOENT ? LO_ENOENT : LO_EIO, LO_NOOFF,
					"%s: %s", paths[i], strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = scan_dir(a, paths[i], paths[i], 0, err);
		} else {
			char dir[4096];
			snprintf(dir, sizeof(dir), "%s", paths[i]);
			char *slash = strrchr(dir, '/');
			if (slash)
				*slash = 0;
			else
				snprintf(dir, sizeof(dir), ".");
			rc = add_file(a, paths[i], dir, err);
		}
	}
	if (rc) {
		mrt_archive_free(a);
		return rc;
	}
	qsort(a->files, a->n_files, sizeof(*a->files), cmp_files);
	select_files(a, from, until);
	a->streams = calloc(a->n_collectors ? a->n_collectors : 1, sizeof(*a->streams));
	a->heap = calloc(a->n_collectors ? a->n_collectors : 1, sizeof(*a->heap));
	if (!a->streams || !a->heap) {
		mrt_archive_free(a);
		return LO_ENOMEM;
	}
	for (unsigned i = 0; i < a->n_files; i++) {
		struct stream *s = &a->streams[a->files[i].collector];
		if (!s->end_file)
			s->next_file = i;
		s->end_file = i + 1;
	}
	*out = a;
	return 0;
}

void mrt_archive_free(struct mrt_archive *a)
{
	if (!a)
		return;
	for (unsigned i = 0; a->streams && i < a->n_collectors; i++) {
		mrt_reader_free(a->streams[i].r);
		io_free(a->streams[i].io);
	}
	for (unsigned i = 0; i < a->n_files; i++)
		free(a->files[i].path);
	for (unsigned i = 0; i < a->n_collectors; i++)
		free(a->collectors[i]);
	free(a->files);
	free(a->collectors);
	free(a->streams);
	free(a->heap);
	free(a);
}

unsigned mrt_archive_files(const struct mrt_archive *a)
{
	return a->n_files;
}

const char *mrt_archive_file(const struct mrt_archive *a, unsigned i, uint16_t *collector,
			     enum mrt_file_kind *kind, uint32_t *time)
{
	if (i >= a->n_files)
		return NULL;
	if (collector)
		*collector = a->files[i].collector;
	if (kind)
		*kind = a->files[i].kind;
	if (time)
		*time = a->files[i].time;
	return a->files[i].path;
}

const char *mrt_archive_collector_name(const struct mrt_archive *a, uint16_t c)
{
	return c < a->n_collectors ? a->collectors[c] : NULL;
}

/* ---------------------------------------------------------------- merging */

/*
 * Move stream @si to its next record, opening its next file when one ends.
 * Returns 0, or LO_ECORRUPT with @err filled after a reported problem (the
 * stream is still positioned on a valid record or exhausted).
 */
static int stream_step(struct mrt_archive *a, unsigned si, struct lo_err *err)
{
	struct stream *s = &a->streams[si];
	int status = 0;

	for (;;) {
		if (!s->r) {
			if (s->next_file >= s->end_file) {
				s->rec = NULL;
				return status;
			}
			s->path = a->files[s->next_file++].path;
			struct lo_err e;
			if (io_open(&s->io, s->path, &a->io, &e)) {
				s->io = NULL;
				lo_err_set(err, LO_ECORRUPT, LO_NOOFF, "%s: %s", s->path, e.msg);
				status = LO_ECORRUPT;
				continue;
			}
			if (!(s->r = mrt_reader_new(s->io))) {
				io_free(s->io);
				s->io = NULL;
				lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
				return LO_ECORRUPT;
			}
		}
		struct lo_err e;
		lo_err_clear(&e);
		int rc = mrt_reader_next(s->r, &s->rec, &e);
		if (rc == 1) {
			if (s->rec->damaged && !status) {
				lo_err_src(&e, s->path);
				*err = e;
				status = LO_ECORRUPT;
			}
			return status;
		}
		if (rc < 0 && !status) {
			lo_err_src(&e, s->path);
			if (err)
				*err = e;
			status = LO_ECORRUPT;
		}
		if (rc == LO_ECORRUPT)
			continue;
		mrt_reader_free(s->r);
		io_free(s->io);
		s->r = NULL;
		s->io = NULL;
	}
}

static bool heap_less(const struct mrt_archive *a, unsigned x, unsigned y)
{
	const struct mrt_record *p = a->streams[x].rec, *q = a->streams[y].rec;
	if (p->time != q->time)
		return p->time < q->time;
	if (p->usec != q->usec)
		return p->usec < q->usec;
	return x < y;
}

static void heap_push(struct mrt_archive *a, unsigned si)
{
	unsigned i = a->n_heap++;
	a->heap[i] = si;
	while (i && heap_less(a, a->heap[i], a->heap[(i - 1) / 2])) {
		unsigned p = (i - 1) / 2, t = a->heap[p];
		a->heap[p] = a->heap[i];
		a->heap[i] = t;
		i = p;
	}
}

static unsigned heap_pop(struct mrt_archive *a)
{
	unsigned top = a->heap[0], i = 0;
	a->heap[0] = a->heap[--a->n_heap];
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		if (l < a->n_heap && heap_less(a, a->heap[l], a->heap[m]))
			m = l;
		if (r < a->n_heap && heap_less(a, a->heap[r], a->heap[m]))
			m = r;
		if (m == i)
			break;
		unsigned t = a->heap[m];
		a->heap[m] = a->heap[i];
		a->heap[i] = t;
		i = m;
	}
	return top;
}

int mrt_archive_next(struct mrt_archive *a, const struct mrt_record **rec, uint16_t *collector,
		     struct mrt_reader **reader, struct lo_err *err)
{
	int status = 0;

	if (!a->started) {
		a->started = true;
		for (unsigned i = 0; i < a->n_collectors; i++) {
			if (stream_step(a, i, err))
				status = LO_ECORRUPT;
			if (a->streams[i].rec)
				heap_push(a, i);
		}
		if (status)
			return status;
	}
	if (a->advance >= 0) {
		unsigned si = (unsigned)a->advance;
		a->advance = -1;
		if (stream_step(a, si, err))
			status = LO_ECORRUPT;
		if (a->streams[si].rec)
			heap_push(a, si);
		if (status)
			return status;
	}
	if (!a->n_heap)
		return 0;
	unsigned si = heap_pop(a);
	a->advance = (int)si;
	*rec = a->streams[si].rec;
	*collector = (uint16_t)si;
	*reader = a->streams[si].r;
	return 1;
}
