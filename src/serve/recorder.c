/*
 * DOC: the recorder — see serve_int.h.
 */
#include "serve/serve_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "io/io.h"

struct recorder {
	char dir[4096];
	struct io_writer *io;
	uint32_t file_start; /* start of the current file's 15 minutes */
	uint64_t errors;
	struct lo_ratelimit rl;
};

int recorder_new(struct recorder **out, const char *dir, struct lo_err *err)
{
	struct recorder *r = calloc(1, sizeof(*r));
	char sub[4200];
	if (!r)
		return lo_err_set(err, LO_ENOMEM, LO_NOOFF, "out of memory");
	if (strlen(dir) >= sizeof(r->dir) - 64) {
		free(r);
		return lo_err_set(err, LO_EINVAL, LO_NOOFF, "%s: path too long", dir);
	}
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	snprintf(sub, sizeof(sub), "%s/UPDATES", dir);
	if ((mkdir(dir, 0755) && errno != EEXIST) || (mkdir(sub, 0755) && errno != EEXIST)) {
		lo_err_set(err, LO_EIO, LO_NOOFF, "%s: %s", sub, strerror(errno));
		free(r);
		return LO_EIO;
	}
	r->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 5);
	*out = r;
	return 0;
}

static void close_file(struct recorder *r)
{
	struct lo_err err;
	if (r->io && io_close(r->io, &err)) {
		r->errors++;
		lo_log_err(&r->rl, LO_LOG_ERROR, &err);
	}
	r->io = NULL;
}

void recorder_rotate(struct recorder *r, uint32_t now)
{
	if (r->io && now >= r->file_start + REC_FILE_SECONDS)
		close_file(r);
}

int recorder_write(struct recorder *r, const uint8_t *rec, size_t len, uint32_t now)
{
	struct lo_err err;
	recorder_rotate(r, now);
	if (!r->io) {
		char path[4200], name[32];
		time_t t = now - now % REC_FILE_SECONDS;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(name, sizeof(name), "%Y%m%d.%H%M", &tm);
		snprintf(path, sizeof(path), "%s/UPDATES/updates.%s.gz", r->dir, name);
		if (io_create(&r->io, path, IO_GZIP, 6, &err)) {
			r->errors++;
			lo_log_err(&r->rl, LO_LOG_ERROR, &err);
			r->io = NULL;
			return LO_EIO;
		}
		r->file_start = (uint32_t)t;
	}
	if (io_write(r->io, rec, len, &err)) {
		r->errors++;
		lo_log_err(&r->rl, LO_LOG_ERROR, &err);
		io_abort(r->io);
		r->io = NULL;
		return LO_EIO;
	}
	return 0;
}

void recorder_free(struct recorder *r)
{
	if (!r)
		return;
	close_file(r);
	lo_log_flush(&r->rl);
	free(r);
}
