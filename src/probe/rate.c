/*
 * DOC: rate — the token bucket that caps the probes of the whole process.
 *
 * Tokens come at @rate per second up to @burst; a probe takes one.  The
 * bucket starts full.  Time is whatever the caller passes (microseconds of
 * CLOCK_MONOTONIC in the engine); a time earlier than the last one seen
 * adds nothing, so a clock that steps back cannot mint tokens.
 *
 * Tokens are a double: a rate that does not divide a second evenly (3 per
 * second) accumulates rounding, so a token counts as there once it is
 * within RATE_EPS of whole, and probe_rate_wait() rounds up to the
 * microsecond: waiting what it says is always enough for
 * probe_rate_take() to succeed.
 */
#include "probe/probe.h"

#include <math.h>

#define RATE_EPS 1e-9

void probe_rate_init(struct probe_rate *r, double rate, double burst, int64_t now_us)
{
	/* a rate of 0 (or NaN) never refills; a bucket holds at least one token */
	r->rate = rate > 0 ? rate : 0;
	r->burst = burst >= 1 ? burst : 1;
	r->tokens = r->burst;
	r->last_us = now_us;
}

/* tokens_at() - the tokens there would be at @now_us. */
static double tokens_at(const struct probe_rate *r, int64_t now_us)
{
	double t = r->tokens;

	if (now_us > r->last_us)
		t += (double)(now_us - r->last_us) * r->rate / 1e6;
	return t < r->burst ? t : r->burst;
}

bool probe_rate_take(struct probe_rate *r, int64_t now_us)
{
	r->tokens = tokens_at(r, now_us);
	if (now_us > r->last_us)
		r->last_us = now_us;
	if (r->tokens < 1 - RATE_EPS)
		return false;
	r->tokens = r->tokens >= 1 ? r->tokens - 1 : 0;
	return true;
}

int64_t probe_rate_wait(const struct probe_rate *r, int64_t now_us)
{
	double t = tokens_at(r, now_us), us;

	if (t >= 1 - RATE_EPS)
		return 0;
	if (!(r->rate > 0))
		return INT64_MAX;
	/* aim half way into the slack take() allows, so that rounding in
	 * either function never makes the wait one microsecond short (or long) */
	us = ceil((1 - RATE_EPS / 2 - t) * 1e6 / r->rate);
	/* tokens come from last_us on: a @now_us before it waits for it too */
	if (now_us < r->last_us)
		us += (double)(r->last_us - now_us);
	return us < 9e18 ? (int64_t)us : INT64_MAX;
}
