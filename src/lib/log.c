/*
 * DOC: logging to stderr, with per-call-site rate limits so that a
 * corrupt file or a hostile peer cannot flood the log.
 */
#include "lib/lib.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

static enum lo_level max_level = LO_LOG_WARN;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void lo_log_level(enum lo_level lvl)
{
	max_level = lvl;
}

static void vlog(enum lo_level lvl, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "lightsout: %s: ", level_names[lvl]);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", line);
}

void lo_log(enum lo_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > max_level)
		return;
	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
}

static int64_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Returns true when a message may be printed now. */
static bool rl_allow(struct lo_ratelimit *rl, enum lo_level lvl)
{
	int64_t now = now_s();

	if (now - rl->window_start >= (int64_t)rl->interval_s) {
		if (rl->suppressed)
			lo_log(lvl, "%" PRIu64 " similar messages suppressed", rl->suppressed);
		rl->window_start = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->suppressed++;
	return false;
}

void lo_log_rl(struct lo_ratelimit *rl, enum lo_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > max_level)
		return;
	if (rl && !rl_allow(rl, lvl))
		return;
	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
}

void lo_log_err(struct lo_ratelimit *rl, enum lo_level lvl, const struct lo_err *e)
{
	if (e->offset != LO_NOOFF)
		lo_log_rl(rl, lvl, "%s: offset %" PRIu64 ": %s", e->src[0] ? e->src : "-",
			  e->offset, e->msg[0] ? e->msg : lo_strerror(e->code));
	else
		lo_log_rl(rl, lvl, "%s: %s", e->src[0] ? e->src : "-",
			  e->msg[0] ? e->msg : lo_strerror(e->code));
}

void lo_log_flush(struct lo_ratelimit *rl)
{
	if (rl && rl->suppressed) {
		lo_log(LO_LOG_WARN, "%" PRIu64 " similar messages suppressed", rl->suppressed);
		rl->suppressed = 0;
	}
}
