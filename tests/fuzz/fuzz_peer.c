/*
 * DOC: libFuzzer target for the BGP session (src/peer).  The first two
 * input bytes pick the session's options and how the stream is cut; a
 * session then goes through a valid OPEN exchange (or, with one option bit,
 * gets the input as the peer's OPEN) and the rest of the input arrives as
 * TCP bytes in fuzz-chosen chunks, with timers ticking in between and
 * reconnections after the session ends.  Separately the input is
 * classified as an UPDATE body under four contexts.
 *
 * Invariants checked (abort on violation): an UPDATE that is not a session
 * reset has withdrawn routes and NLRI fields that parse and count as
 * peer_update_check said; the FSM never delivers a message whose header
 * length differs from the delivered length; timers never point into the
 * past after peer_tick.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer/peer.h"

struct fz {
	struct peer *p;
	size_t sent;
	int64_t now;
};

static int f_send(void *ctx, const uint8_t *b, size_t n)
{
	struct fz *f = ctx;
	if (n < 19 || (size_t)(b[16] << 8 | b[17]) != n)
		abort();
	f->sent += n;
	return 0;
}

/* an UPDATE that was not a session reset: both NLRI fields must parse */
static void check_update(const uint8_t *m, size_t len, const struct peer_update_info *u,
			 bool addpath)
{
	struct cur c = cur_make(m + 19, len - 19), wd, attrs;
	uint16_t wlen, alen;
	struct bgp_prefix pfx;
	uint32_t nw = 0, na = 0;
	int rc;

	if (u->verdict == PEER_VERDICT_SESSION_RESET)
		return;
	if (cur_be16(&c, &wlen) || cur_sub(&c, wlen, &wd) || cur_be16(&c, &alen) ||
	    cur_sub(&c, alen, &attrs))
		abort();
	while ((rc = bgp_nlri_next(&wd, 4, addpath, &pfx)) == 1)
		nw++;
	if (rc < 0)
		abort();
	while ((rc = bgp_nlri_next(&c, 4, addpath, &pfx)) == 1)
		na++;
	if (rc < 0)
		abort();
	if (nw > u->n_withdrawn || na > u->n_announced)
		abort();
}

static void f_msg(void *ctx, const struct peer_msg *m)
{
	struct fz *f = ctx;
	struct peer_update_ctx uc;

	if (m->len != (size_t)(m->data[16] << 8 | m->data[17]) || m->data[18] != m->type)
		abort();
	if (m->type == BGP_MSG_UPDATE && m->update) {
		peer_update_ctx_get(f->p, &uc);
		check_update(m->data, m->len, m->update, uc.addpath_ipv4);
	}
	/* queries are allowed inside callbacks; acting is not */
	(void)peer_negotiated(f->p);
	if (peer_tick(f->p, f->now) != LO_EINVAL)
		abort();
}

static void f_state(void *ctx, enum peer_state from, enum peer_state to, const char *reason)
{
	if (from == to || !reason)
		abort();
}

static size_t put_open(uint8_t *b, unsigned flags)
{
	uint8_t caps[64];
	size_t n = 0, o = 0;

	const uint8_t mp[] = {1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1, 2, 0};
	memcpy(caps, mp, sizeof(mp)), n += sizeof(mp);
	if (!(flags & 2)) {
		const uint8_t as4[] = {65, 4, 0, 0, 0x12, 0xe5};
		memcpy(caps + n, as4, sizeof(as4)), n += sizeof(as4);
	}
	if (flags & 4) {
		const uint8_t ap[] = {69, 8, 0, 1, 1, 3, 0, 2, 1, 2};
		memcpy(caps + n, ap, sizeof(ap)), n += sizeof(ap);
	}
	if (flags & 8)
		caps[n++] = 6, caps[n++] = 0;
	if (flags & 16) {
		const uint8_t gr[] = {64, 6, 0, 120, 0, 1, 1, 0x80};
		memcpy(caps + n, gr, sizeof(gr)), n += sizeof(gr);
	}
	memset(b, 0xff, 16);
	o = 19;
	b[o++] = 4;
	b[o++] = (flags & 1) ? 0xfd : 0x12; /* iBGP: AS 65000, else 4837 */
	b[o++] = (flags & 1) ? 0xe8 : 0xe5;
	b[o++] = 0;
	b[o++] = (flags & 32) ? 3 : 90;
	b[o++] = 10, b[o++] = 0, b[o++] = 0, b[o++] = 1;
	b[o++] = (uint8_t)(n + 2);
	b[o++] = 2;
	b[o++] = (uint8_t)n;
	memcpy(b + o, caps, n);
	o += n;
	b[16] = (uint8_t)(o >> 8);
	b[17] = (uint8_t)o;
	b[18] = 1;
	return o;
}

static void classify(const uint8_t *data, size_t size)
{
	static uint8_t m[19 + 65535];
	struct peer_update_info u;

	if (size > 65535 - 19)
		size = 65535 - 19;
	memset(m, 0xff, 16);
	m[16] = (uint8_t)((size + 19) >> 8);
	m[17] = (uint8_t)(size + 19);
	m[18] = 2;
	memcpy(m + 19, data, size);
	for (unsigned i = 0; i < 4; i++) {
		struct peer_update_ctx ctx = {i & 1 ? 2 : 4, i & 2, i == 1, i == 2};
		peer_update_check(m, size + 19, &ctx, &u);
		if (u.verdict >= PEER_VERDICTS)
			abort();
		check_update(m, size + 19, &u, ctx.addpath_ipv4);
	}
	char text[1100];
	peer_shutdown_text(data, size, text, sizeof(text));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {NULL, 0, 1000};
	struct peer_opts o;
	struct peer_cbs cbs = {&f, f_send, f_msg, f_state, NULL};
	uint8_t open[256], ka[19];
	unsigned flags, chunk;

	classify(data, size);
	if (size < 2)
		return 0;
	flags = data[0];
	chunk = data[1];
	data += 2;
	size -= 2;

	peer_opts_init(&o);
	o.local_asn = 65000;
	o.remote_asn = (flags & 1) ? 65000 : 4837;
	o.router_id[0] = 198, o.router_id[1] = 18, o.router_id[3] = 1;
	o.passive = !(flags & 128);
	o.idle_hold_ms = 1000;
	if (peer_new(&f.p, &o, &cbs, NULL))
		return 0;
	peer_start(f.p, f.now);
	if (peer_state(f.p) == PEER_CONNECT)
		peer_tcp_lost(f.p, f.now), peer_tick(f.p, f.now + o.connect_retry_ms);
	peer_connected(f.p, f.now);
	memset(ka, 0xff, 16);
	ka[16] = 0, ka[17] = 19, ka[18] = 4;
	if (!(flags & 64)) {
		peer_input(f.p, open, put_open(open, flags), f.now);
		peer_input(f.p, ka, sizeof(ka), f.now);
	}

	/* the rest, in chunks of 1..256 bytes whose sizes follow from @chunk */
	size_t off = 0;
	for (int rounds = 0; off < size && rounds < 100000; rounds++) {
		size_t n = 1 + (chunk * 31 + off * 7) % 256;
		if (n > size - off)
			n = size - off;
		if (peer_state(f.p) < PEER_OPENSENT) {
			/* the session ended: let the timers restart it and reconnect */
			int64_t d = peer_next_deadline(f.p);
			if (d != INT64_MAX)
				f.now = d;
			peer_tick(f.p, f.now);
			if (peer_connected(f.p, f.now) && peer_state(f.p) == PEER_IDLE)
				peer_start(f.p, f.now), peer_connected(f.p, f.now);
			if (peer_state(f.p) < PEER_OPENSENT)
				break;
			peer_input(f.p, open, put_open(open, flags), f.now);
			peer_input(f.p, ka, sizeof(ka), f.now);
		}
		peer_input(f.p, data + off, n, f.now);
		off += n;
		f.now += (int64_t)(data[off - 1] % 8) * 500;
		peer_tick(f.p, f.now);
		if (peer_next_deadline(f.p) <= f.now)
			abort();
	}
	if (peer_state(f.p) >= PEER_OPENSENT && (flags & 1))
		peer_close(f.p, PEER_CEASE_ADMIN_SHUTDOWN, "fuzz \xc3\xa9", f.now);
	peer_free(f.p);
	return 0;
}
