/*
 * DOC: the live feed — see serve_int.h.  A record is archived first, then
 * decoded with the archive reader's own code and applied elem by elem.
 */
#include "serve/serve_int.h"

#include <string.h>

int feed_init(struct feed *f, struct watch *w, struct recorder *rec)
{
	memset(f, 0, sizeof(*f));
	f->watch = w;
	f->rec = rec;
	f->rl = (struct lo_ratelimit)LO_RATELIMIT_INIT(10, 10);
	if (mrt_writer_new(&f->build, NULL) || !(f->dec = mrt_reader_new(NULL))) {
		feed_fini(f);
		return LO_ENOMEM;
	}
	return 0;
}

void feed_fini(struct feed *f)
{
	mrt_writer_free(f->build);
	mrt_reader_free(f->dec);
	f->build = NULL;
	f->dec = NULL;
	lo_log_flush(&f->rl);
}

int feed_record(struct feed *f, uint16_t collector, const uint8_t *rec, size_t len, uint32_t now,
		enum feed_apply how)
{
	const struct mrt_record *r;
	const struct mrt_elem *e;
	struct lo_err err;
	int rc, k;

	f->records++;
	if (f->rec)
		recorder_write(f->rec, rec, len, now);
	if (how == FEED_ARCHIVE_ONLY)
		return 0;
	if ((rc = mrt_reader_push(f->dec, rec, len))) {
		f->errors++;
		return rc;
	}
	while ((rc = mrt_reader_next(f->dec, &r, &err)) != 0) {
		if (rc < 0) {
			f->errors++;
			lo_log_err(&f->rl, LO_LOG_WARN, &err);
			continue;
		}
		watch_time(f->watch, r->time);
		while ((k = mrt_record_next_elem(f->dec, &e)) != 0) {
			if (k < 0)
				continue;
			f->elems++;
			if (how == FEED_AS_WITHDRAW && e->type == MRT_ELEM_ANNOUNCE) {
				struct mrt_elem wd = *e;
				wd.type = MRT_ELEM_WITHDRAW;
				watch_elem(f->watch, collector, &wd);
				continue;
			}
			watch_elem(f->watch, collector, e);
		}
	}
	return 0;
}

int feed_message(struct feed *f, const struct mrt_bgp4mp *h, const uint8_t *msg, size_t len,
		 unsigned flags, enum feed_apply how)
{
	struct lo_err err;
	size_t n;
	int rc = mrt_write_message(f->build, h, msg, len, flags, &err);
	if (rc) {
		f->errors++;
		lo_log_err(&f->rl, LO_LOG_WARN, &err);
		return rc;
	}
	const uint8_t *rec = mrt_writer_record(f->build, &n);
	return feed_record(f, 0, rec, n, h->time, how);
}

int feed_state(struct feed *f, const struct mrt_bgp4mp *h, uint16_t old_state, uint16_t new_state,
	       enum feed_apply how)
{
	struct lo_err err;
	size_t n;
	int rc = mrt_write_state_change(f->build, h, old_state, new_state, &err);
	if (rc) {
		f->errors++;
		lo_log_err(&f->rl, LO_LOG_WARN, &err);
		return rc;
	}
	const uint8_t *rec = mrt_writer_record(f->build, &n);
	return feed_record(f, 0, rec, n, h->time, how);
}
