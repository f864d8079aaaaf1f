/*
 * DOC: error codes and struct lo_err helpers (see lib.h).
 */
#include "lib/lib.h"

#include <stdio.h>

const char *lo_strerror(int code)
{
	switch (code) {
	case LO_OK:
		return "success";
	case LO_ENOMEM:
		return "out of memory";
	case LO_EINVAL:
		return "invalid argument";
	case LO_ETRUNC:
		return "truncated input";
	case LO_ECORRUPT:
		return "corrupt input";
	case LO_EIO:
		return "input/output error";
	case LO_ETOOBIG:
		return "limit exceeded";
	case LO_EUNSUP:
		return "unsupported";
	case LO_ENOENT:
		return "not found";
	case LO_EAGAIN:
		return "need more data";
	}
	return "unknown error";
}

void lo_err_clear(struct lo_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->offset = LO_NOOFF;
	e->msg[0] = 0;
}

int lo_err_set(struct lo_err *e, int code, uint64_t offset, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	e->offset = offset;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

void lo_err_src(struct lo_err *e, const char *src)
{
	if (!e)
		return;
	snprintf(e->src, sizeof(e->src), "%s", src ? src : "");
}
