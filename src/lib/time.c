/*
 * DOC: times as the command line and the outputs write them: ISO 8601 UTC
 * ("2014-12-22T16:15:21Z") or unix seconds.
 */
#include "lib/lib.h"

#include <stdlib.h>
#include <time.h>

int lo_time_parse(const char *s, int64_t *out)
{
	char *end;
	struct tm tm = {0};

	if (!s || !*s)
		return LO_EINVAL;
	long long v = strtoll(s, &end, 10);
	if (!*end) {
		if (v < 0)
			return LO_EINVAL;
		*out = v;
		return 0;
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (*end && !(end[0] == 'Z' && !end[1])))
		return LO_EINVAL;
	time_t t = timegm(&tm);
	if (t < 0)
		return LO_EINVAL;
	*out = (int64_t)t;
	return 0;
}

int lo_time_parse32(const char *s, uint32_t *out)
{
	int64_t v;
	int rc = lo_time_parse(s, &v);
	if (rc)
		return rc;
	if (v > (int64_t)UINT32_MAX)
		return LO_EINVAL;
	*out = (uint32_t)v;
	return 0;
}

size_t lo_time_iso(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		return 0;
	return strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
