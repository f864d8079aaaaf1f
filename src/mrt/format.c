/*
 * DOC: text output of MRT records: bgpdump's one-line formats (-m with unix
 * time, -M with a human date) reproduced byte for byte, and one JSON object
 * per elem (-j; schema in docs/mrt.md).
 *
 * The bgpdump formats have irregularities that scripts depend on and that
 * are reproduced on purpose: the next hop of an MP_REACH with an unusual
 * next-hop length is left out together with LOCAL_PREF and MED; an absent
 * NEXT_HOP prints as 255.255.255.255; LOCAL_PREF/MED of IPv4 prefixes in
 * MP_REACH print as signed numbers; the deprecated BGP (type 5) records glue
 * the communities to the MED field.  Differences we chose are listed in
 * docs/mrt.md.
 *
 * Lines are assembled with memcpy into a caller-owned buffer; no printf on
 * the per-elem path.
 */
#include "mrt/mrt_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_BYTES (20u * 1024u) /* AS path (8000) + communities (8192) + fields */

struct w {
	char *p;
};

static inline void put(struct w *w, const char *s, size_t n)
{
	memcpy(w->p, s, n);
	w->p += n;
}

static inline void puts_(struct w *w, const char *s)
{
	put(w, s, strlen(s));
}

static inline void putc_(struct w *w, char c)
{
	*w->p++ = c;
}

static inline void put_u32(struct w *w, uint32_t v)
{
	w->p += bgp_fmt_u32(v, w->p);
}

static inline void put_i32(struct w *w, uint32_t v)
{
	if ((int32_t)v < 0) {
		*w->p++ = '-';
		v = (uint32_t)(-(int64_t)(int32_t)v);
	}
	w->p += bgp_fmt_u32(v, w->p);
}

static inline void put_v4(struct w *w, const uint8_t *b)
{
	w->p += bgp_fmt_ipv4(b, w->p);
}

static inline void put_v6(struct w *w, const uint8_t *b)
{
	w->p += bgp_fmt_ipv6(b, w->p);
}

static inline void put_addr(struct w *w, const struct bgp_addr *a)
{
	w->p += bgp_fmt_addr(a, w->p);
}

/* Text of one attribute set, computed once and reused for its prefixes. */
struct attr_text {
	char aspath[8200];
	size_t aspath_len;
	char comm[8200];
	size_t comm_len;
	const char *origin;
	const char *ag;
	size_t origin_len, ag_len;
	bool has_agg;
	char nh[BGP_ADDR_STRLEN]; /* NEXT_HOP attribute (255.255.255.255 when absent) */
	size_t nh_len;
	const struct bgp_mp *mp; /* the MP block @mp_nh was made for */
	char mp_nh[BGP_ADDR_STRLEN];
	size_t mp_nh_len; /* 0: bgpdump prints no next hop for it */
	char peer[BGP_ADDR_STRLEN];
	size_t peer_len;
};

static const char *origin_name(int o)
{
	return o == 0 ? "IGP" : o == 1 ? "EGP" : "INCOMPLETE";
}

static void attr_text_make(struct attr_text *t, const struct bgp_attrs *a)
{
	if (a->as_path && bgp_attr_seen(a, BGP_ATTR_AS_PATH))
		t->aspath_len = bgp_aspath_fmt(a->as_path, a->as_path_len, a->asn_size, t->aspath,
					       sizeof(t->aspath));
	else
		t->aspath_len = 0;
	t->aspath[t->aspath_len] = 0;
	if (bgp_attr_seen(a, BGP_ATTR_COMMUNITIES) && a->communities_len) {
		t->comm_len = bgp_communities_fmt(a->communities, a->communities_len, t->comm,
						  sizeof(t->comm));
	} else {
		t->comm_len = 0;
		t->comm[0] = 0;
	}
	t->origin = origin_name(a->origin);
	t->origin_len = strlen(t->origin);
	t->ag = bgp_attr_seen(a, BGP_ATTR_ATOMIC_AGGREGATE) ? "AG" : "NAG";
	t->ag_len = t->ag[0] == 'A' ? 2 : 3;
	static const uint8_t none[4] = {0xff, 0xff, 0xff, 0xff};
	t->has_agg = a->has_aggregator && memcmp(a->aggregator_addr, none, 4) != 0;
	t->nh_len = bgp_fmt_ipv4(a->next_hop, t->nh);
	t->mp = NULL;
}

/* next hop text of an MP block as bgpdump prints it (empty for odd lengths) */
static void mp_nh_text(struct attr_text *t, const struct bgp_mp *mp)
{
	if (t->mp == mp)
		return;
	t->mp = mp;
	if (mp->nh_len == 4)
		t->mp_nh_len = bgp_fmt_ipv4(mp->nh, t->mp_nh);
	else if (mp->nh_len == 16 || mp->nh_len == 32)
		t->mp_nh_len = bgp_fmt_ipv6(mp->nh, t->mp_nh);
	else
		t->mp_nh_len = 0;
}

/* "comm|AG|agg|" — the common tail of -m lines (without the newline). */
static void put_tail(struct w *w, const struct attr_text *t, const struct bgp_attrs *a)
{
	if (t->comm_len > 1)
		put(w, t->comm + 1, t->comm_len - 1);
	putc_(w, '|');
	put(w, t->ag, t->ag_len);
	putc_(w, '|');
	if (t->has_agg) {
		put_u32(w, a->aggregator_as);
		putc_(w, ' ');
		put_v4(w, a->aggregator_addr);
	}
	putc_(w, '|');
}

static uint32_t pref_of(const struct bgp_attrs *a)
{
	return bgp_attr_seen(a, BGP_ATTR_LOCAL_PREF) ? a->local_pref : 0;
}

static uint32_t med_of(const struct bgp_attrs *a)
{
	return bgp_attr_seen(a, BGP_ATTR_MED) ? a->med : 0;
}

/* next hop of an MP block, cached in @t; false when bgpdump prints none */
static bool put_nh(struct w *w, struct attr_text *t, const struct bgp_mp *mp)
{
	mp_nh_text(t, mp);
	put(w, t->mp_nh, t->mp_nh_len);
	return t->mp_nh_len != 0;
}

/* next hop of an MP block as bgpdump prints it; false when it prints nothing */
static bool put_mp_nh(struct w *w, const struct bgp_mp *mp)
{
	if (mp->nh_len == 4)
		put_v4(w, mp->nh);
	else if (mp->nh_len == 16 || mp->nh_len == 32)
		put_v6(w, mp->nh);
	else
		return false;
	return true;
}

struct tstr {
	char s[48];
	size_t n;
};

static void time_text(struct tstr *t, uint32_t sec, bool human, bool with_usec, uint32_t usec)
{
	if (human) {
		time_t tt = (time_t)sec;
		struct tm tm;
		gmtime_r(&tt, &tm);
		t->n = (size_t)snprintf(t->s, sizeof(t->s), "%02d/%02d/%02d %02d:%02d:%02d",
					tm.tm_mon + 1, tm.tm_mday, tm.tm_year % 100, tm.tm_hour,
					tm.tm_min, tm.tm_sec);
	} else {
		t->n = bgp_fmt_u32(sec, t->s);
	}
	if (with_usec)
		t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, ".%06" PRIu32, usec);
}

static const char *bgp4mp_name(const struct mrt_record *rec)
{
	bool et = rec->type == MRT_T_BGP4MP_ET;
	if (rec->local)
		return et ? (rec->addpath ? "BGP4MP_ET_LOCAL_AP" : "BGP4MP_ET_LOCAL")
			  : (rec->addpath ? "BGP4MP_LOCAL_AP" : "BGP4MP_LOCAL");
	return et ? (rec->addpath ? "BGP4MP_ET_AP" : "BGP4MP_ET")
		  : (rec->addpath ? "BGP4MP_AP" : "BGP4MP");
}

static void line_start(struct w *w, const char *name, const struct tstr *t, const char *kind)
{
	puts_(w, name);
	putc_(w, '|');
	put(w, t->s, t->n);
	putc_(w, '|');
	puts_(w, kind);
	putc_(w, '|');
}

static void put_path_id(struct w *w, const struct bgp_prefix *p)
{
	if (p->has_path_id) {
		put_u32(w, p->path_id);
		putc_(w, '|');
	}
}

/* ---------------------------------------------------------------- JSON */

static void json_str(struct w *w, const char *s, size_t n)
{
	putc_(w, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			putc_(w, '\\');
			putc_(w, (char)c);
		} else if (c < 0x20) {
			static const char hx[] = "0123456789abcdef";
			put(w, "\\u00", 4);
			putc_(w, hx[c >> 4]);
			putc_(w, hx[c & 15]);
		} else {
			putc_(w, (char)c);
		}
	}
	putc_(w, '"');
}

static void json_key(struct w *w, const char *k)
{
	putc_(w, ',');
	putc_(w, '"');
	puts_(w, k);
	put(w, "\":", 2);
}

static const char *record_name(const struct mrt_record *rec)
{
	switch (rec->type) {
	case MRT_T_TABLE_DUMP:
		return "TABLE_DUMP";
	case MRT_T_TABLE_DUMP_V2:
		return rec->addpath ? "TABLE_DUMP2_AP" : "TABLE_DUMP2";
	case MRT_T_BGP:
		return "BGP";
	default:
		return bgp4mp_name(rec);
	}
}

static size_t json_cap(const struct bgp_attrs *a)
{
	/* worst case per attribute byte, plus fixed fields */
	if (!a)
		return 1024;
	size_t n = 2048 + (size_t)a->as_path_len * 6 + (size_t)a->communities_len * 4 +
		   (size_t)a->large_communities_len * 3 + (size_t)a->ext_communities_len * 3 +
		   (size_t)a->cluster_list_len * 5;
	for (unsigned i = 0; i < a->n_unknown; i++)
		n += 64 + 2 * (size_t)a->unknown[i].len; /* hex */
	return n;
}

static void json_elem(struct w *w, const struct mrt_record *rec, const struct mrt_elem *e,
		      const struct attr_text *t)
{
	static const char *const tname[] = {
		['R'] = "rib", ['A'] = "announce", ['W'] = "withdraw", ['S'] = "state"};
	const struct bgp_attrs *a = e->attrs;

	put(w, "{\"type\":", 8);
	json_str(w, tname[e->type], strlen(tname[e->type]));
	json_key(w, "record");
	json_str(w, record_name(rec), strlen(record_name(rec)));
	json_key(w, "timestamp");
	put_u32(w, e->time);
	json_key(w, "usec");
	put_u32(w, e->usec);
	json_key(w, "peer_ip");
	putc_(w, '"');
	put_addr(w, &e->peer_addr);
	putc_(w, '"');
	json_key(w, "peer_asn");
	put_u32(w, e->peer_asn);
	if (e->type == MRT_ELEM_STATE) {
		json_key(w, "old_state");
		put_u32(w, e->old_state);
		json_key(w, "new_state");
		put_u32(w, e->new_state);
		put(w, "}\n", 2);
		return;
	}
	json_key(w, "prefix");
	putc_(w, '"');
	put_addr(w, &e->prefix.addr);
	putc_(w, '/');
	put_u32(w, e->prefix.len);
	putc_(w, '"');
	if (e->prefix.has_path_id) {
		json_key(w, "path_id");
		put_u32(w, e->prefix.path_id);
	}
	if (e->type == MRT_ELEM_WITHDRAW) {
		put(w, "}\n", 2);
		return;
	}
	if (e->type == MRT_ELEM_RIB) {
		json_key(w, "originated");
		put_u32(w, e->originated);
	}
	json_key(w, "as_path");
	json_str(w, t->aspath, t->aspath_len);
	json_key(w, "origin");
	if (a->origin < 0)
		puts_(w, "null");
	else
		json_str(w, t->origin, strlen(t->origin));
	json_key(w, "next_hop");
	const struct bgp_mp *mp = e->mp;
	if (e->type == MRT_ELEM_RIB) {
		mp = NULL;
		if (a->mp_reach[e->afi == BGP_AFI_IP6 ? 2 : 1][1].present)
			mp = &a->mp_reach[e->afi == BGP_AFI_IP6 ? 2 : 1][1];
		else if (a->mp_abbrev)
			mp = &a->mp_reach[2][1];
	}
	if (mp && (mp->nh_len == 4 || mp->nh_len == 16 || mp->nh_len == 32)) {
		putc_(w, '"');
		put_mp_nh(w, mp);
		putc_(w, '"');
		if (mp->nh_len == 32) {
			json_key(w, "next_hop_local");
			putc_(w, '"');
			put_v6(w, mp->nh + 16);
			putc_(w, '"');
		}
	} else if (bgp_attr_seen(a, BGP_ATTR_NEXT_HOP)) {
		putc_(w, '"');
		put_v4(w, a->next_hop);
		putc_(w, '"');
	} else {
		puts_(w, "null");
	}
	json_key(w, "local_pref");
	if (bgp_attr_seen(a, BGP_ATTR_LOCAL_PREF))
		put_u32(w, a->local_pref);
	else
		puts_(w, "null");
	json_key(w, "med");
	if (bgp_attr_seen(a, BGP_ATTR_MED))
		put_u32(w, a->med);
	else
		puts_(w, "null");
	json_key(w, "communities");
	putc_(w, '[');
	for (size_t i = 0; i + 4 <= a->communities_len; i += 4) {
		const uint8_t *q = a->communities + i;
		if (i)
			putc_(w, ',');
		putc_(w, '"');
		put_u32(w, (uint32_t)q[0] << 8 | q[1]);
		putc_(w, ':');
		put_u32(w, (uint32_t)q[2] << 8 | q[3]);
		putc_(w, '"');
	}
	putc_(w, ']');
	if (a->large_communities_len) {
		json_key(w, "large_communities");
		putc_(w, '[');
		for (size_t i = 0; i + 12 <= a->large_communities_len; i += 12) {
			const uint8_t *q = a->large_communities + i;
			if (i)
				putc_(w, ',');
			putc_(w, '"');
			for (int k = 0; k < 3; k++) {
				if (k)
					putc_(w, ':');
				put_u32(w, (uint32_t)q[4 * k] << 24 | (uint32_t)q[4 * k + 1] << 16 |
						   (uint32_t)q[4 * k + 2] << 8 | q[4 * k + 3]);
			}
			putc_(w, '"');
		}
		putc_(w, ']');
	}
	if (a->ext_communities_len) {
		static const char hx[] = "0123456789abcdef";
		json_key(w, "ext_communities");
		putc_(w, '[');
		for (size_t i = 0; i + 8 <= a->ext_communities_len; i += 8) {
			if (i)
				putc_(w, ',');
			putc_(w, '"');
			for (int k = 0; k < 8; k++) {
				putc_(w, hx[a->ext_communities[i + k] >> 4]);
				putc_(w, hx[a->ext_communities[i + k] & 15]);
			}
			putc_(w, '"');
		}
		putc_(w, ']');
	}
	json_key(w, "atomic_aggregate");
	puts_(w, bgp_attr_seen(a, BGP_ATTR_ATOMIC_AGGREGATE) ? "true" : "false");
	if (a->has_aggregator) {
		json_key(w, "aggregator");
		put(w, "{\"asn\":", 7);
		put_u32(w, a->aggregator_as);
		put(w, ",\"ip\":\"", 7);
		put_v4(w, a->aggregator_addr);
		put(w, "\"}", 2);
	}
	if (a->has_originator_id) {
		json_key(w, "originator_id");
		putc_(w, '"');
		put_v4(w, a->originator_id);
		putc_(w, '"');
	}
	if (a->cluster_list_len) {
		json_key(w, "cluster_list");
		putc_(w, '[');
		for (size_t i = 0; i + 4 <= a->cluster_list_len; i += 4) {
			if (i)
				putc_(w, ',');
			putc_(w, '"');
			put_v4(w, a->cluster_list + i);
			putc_(w, '"');
		}
		putc_(w, ']');
	}
	if (a->n_unknown) {
		static const char hx[] = "0123456789abcdef";
		json_key(w, "unknown_attributes");
		putc_(w, '[');
		for (unsigned i = 0; i < a->n_unknown; i++) {
			const struct bgp_raw_attr *u = &a->unknown[i];
			if (i)
				putc_(w, ',');
			put(w, "{\"type\":", 8);
			put_u32(w, u->type);
			put(w, ",\"flags\":", 9);
			put_u32(w, u->flags);
			put(w, ",\"data\":\"", 9);
			for (unsigned k = 0; k < u->len; k++) {
				putc_(w, hx[u->data[k] >> 4]);
				putc_(w, hx[u->data[k] & 15]);
			}
			put(w, "\"}", 2);
		}
		putc_(w, ']');
	}
	put(w, "}\n", 2);
}

/* ---------------------------------------------------------------- -m / -M */

int mrt_fmt_record(struct mrt_reader *r, const struct mrt_record *rec, enum mrt_fmt fmt,
		   struct lo_buf *out)
{
	static struct attr_text txt; /* large; one formatter runs at a time per thread */
	const struct mrt_elem *e;
	struct tstr t;
	bool human = fmt == MRT_FMT_MM;
	bool m = fmt == MRT_FMT_M;
	int first_err = 0, rc;
	bool per_entry = rec->type == MRT_T_TABLE_DUMP_V2 || rec->type == MRT_T_TABLE_DUMP;
	bool text_ready = false;

	char peer[BGP_ADDR_STRLEN];
	size_t peer_len = bgp_fmt_addr(&rec->peer_addr, peer);
	/* BGP4MP lines of one record share "NAME|TIME|A|PEER|ASN|": made once */
	char head[2][160];
	size_t head_len[2] = {0, 0};

	switch (rec->type) {
	case MRT_T_BGP4MP:
	case MRT_T_BGP4MP_ET:
		time_text(&t, rec->time, human, rec->type == MRT_T_BGP4MP_ET, rec->usec);
		break;
	default:
		time_text(&t, rec->time, human, false, 0);
	}

	if (rec->type == MRT_T_BGP4MP || rec->type == MRT_T_BGP4MP_ET) {
		for (int k = 0; k < 2; k++) {
			struct w hw = {head[k]};
			line_start(&hw, bgp4mp_name(rec), &t, k ? "W" : "A");
			put(&hw, peer, peer_len);
			putc_(&hw, '|');
			put_u32(&hw, rec->peer_asn);
			putc_(&hw, '|');
			head_len[k] = (size_t)(hw.p - head[k]);
		}
	}

	while ((rc = mrt_record_next_elem(r, &e)) != 0) {
		if (rc < 0) {
			if (!first_err)
				first_err = rc;
			continue;
		}
		if (e->attrs && e->type != MRT_ELEM_WITHDRAW && (per_entry || !text_ready)) {
			attr_text_make(&txt, e->attrs);
			text_ready = true;
		}
		size_t need = fmt == MRT_FMT_JSON ? json_cap(e->attrs) + txt.aspath_len * 2 + 1024
						  : LINE_MAX_BYTES;
		int grc = lo_buf_grow(out, need);
		if (grc)
			return grc;
		struct w w = {out->p + out->len};

		if (fmt == MRT_FMT_JSON) {
			json_elem(&w, rec, e, &txt);
			out->len = (size_t)(w.p - out->p);
			continue;
		}
		const struct bgp_attrs *a = e->attrs;
		switch (rec->type) {
		case MRT_T_TABLE_DUMP:
			line_start(&w, "TABLE_DUMP", &t, "B");
			put_addr(&w, &e->peer_addr);
			putc_(&w, '|');
			put_u32(&w, e->peer_asn);
			putc_(&w, '|');
			put_addr(&w, &e->prefix.addr);
			putc_(&w, '/');
			put_u32(&w, e->prefix.len);
			putc_(&w, '|');
			put(&w, txt.aspath, txt.aspath_len);
			putc_(&w, '|');
			put(&w, txt.origin, txt.origin_len);
			if (m) {
				putc_(&w, '|');
				if (bgp_attr_seen(a, BGP_ATTR_MP_REACH) &&
				    a->mp_reach[2][1].present)
					put_v6(&w, a->mp_reach[2][1].nh);
				else
					put(&w, txt.nh, txt.nh_len);
				putc_(&w, '|');
				put_u32(&w, pref_of(a));
				putc_(&w, '|');
				put_u32(&w, med_of(a));
				putc_(&w, '|');
				put_tail(&w, &txt, a);
			}
			putc_(&w, '\n');
			break;
		case MRT_T_TABLE_DUMP_V2:
			line_start(&w, rec->addpath ? "TABLE_DUMP2_AP" : "TABLE_DUMP2", &t, "B");
			if (e->peer)
				put(&w, e->peer->addr_text, e->peer->addr_text_len);
			else
				put_addr(&w, &e->peer_addr);
			putc_(&w, '|');
			put_u32(&w, e->peer_asn);
			putc_(&w, '|');
			put_addr(&w, &e->prefix.addr);
			putc_(&w, '/');
			put_u32(&w, e->prefix.len);
			putc_(&w, '|');
			put_path_id(&w, &e->prefix);
			put(&w, txt.aspath, txt.aspath_len);
			putc_(&w, '|');
			put(&w, txt.origin, txt.origin_len);
			if (m) {
				putc_(&w, '|');
				if (bgp_attr_seen(a, BGP_ATTR_MP_REACH) &&
				    a->mp_reach[2][1].present)
					put_mp_nh(&w, &a->mp_reach[2][1]);
				else if (bgp_attr_seen(a, BGP_ATTR_MP_REACH) &&
					 a->mp_reach[1][1].present)
					put_mp_nh(&w, &a->mp_reach[1][1]);
				else
					put(&w, txt.nh, txt.nh_len);
				putc_(&w, '|');
				put_u32(&w, pref_of(a));
				putc_(&w, '|');
				put_u32(&w, med_of(a));
				putc_(&w, '|');
				put_tail(&w, &txt, a);
			}
			putc_(&w, '\n');
			break;
		case MRT_T_BGP:
			if (e->type == MRT_ELEM_STATE) {
				line_start(&w, "BGP", &t, "STATE");
				put_addr(&w, &e->peer_addr);
				putc_(&w, '|');
				put_u32(&w, e->peer_asn);
				putc_(&w, '|');
				put_u32(&w, e->old_state);
				putc_(&w, '|');
				put_u32(&w, e->new_state);
				putc_(&w, '\n');
				break;
			}
			line_start(&w, "BGP", &t, e->type == MRT_ELEM_WITHDRAW ? "W" : "A");
			put_addr(&w, &e->peer_addr);
			putc_(&w, '|');
			put_u32(&w, e->peer_asn);
			putc_(&w, '|');
			/*
			 * The reference prints the peer address in place of a
			 * withdrawn prefix of these records (two inet_ntoa() calls
			 * share one static buffer).  Scripts written against it see
			 * this; -j has the real prefix.
			 */
			if (e->type == MRT_ELEM_WITHDRAW)
				put_addr(&w, &e->peer_addr);
			else
				put_addr(&w, &e->prefix.addr);
			putc_(&w, '/');
			put_u32(&w, e->prefix.len);
			if (e->type == MRT_ELEM_ANNOUNCE) {
				putc_(&w, '|');
				put(&w, txt.aspath, txt.aspath_len);
				putc_(&w, '|');
				put(&w, txt.origin, txt.origin_len);
				if (m) {
					putc_(&w, '|');
					put(&w, txt.nh, txt.nh_len);
					putc_(&w, '|');
					put_u32(&w, pref_of(a));
					putc_(&w, '|');
					put_u32(&w, med_of(a));
					/* the reference glues communities to MED */
					if (bgp_attr_seen(a, BGP_ATTR_COMMUNITIES)) {
						if (txt.comm_len > 1)
							put(&w, txt.comm + 1, txt.comm_len - 1);
						putc_(&w, '|');
					} else {
						put(&w, "|", 1);
					}
					puts_(&w, txt.ag);
					putc_(&w, '|');
					if (txt.has_agg) {
						put_u32(&w, a->aggregator_as);
						putc_(&w, ' ');
						put_v4(&w, a->aggregator_addr);
					}
					putc_(&w, '|');
				}
			}
			putc_(&w, '\n');
			break;
		default: /* BGP4MP, BGP4MP_ET */
			if (e->type == MRT_ELEM_STATE) {
				line_start(&w,
					   rec->type == MRT_T_BGP4MP_ET ? "BGP4MP_ET" : "BGP4MP",
					   &t, "STATE");
				put(&w, peer, peer_len);
				putc_(&w, '|');
				put_u32(&w, e->peer_asn);
				putc_(&w, '|');
				put_u32(&w, e->old_state);
				putc_(&w, '|');
				put_u32(&w, e->new_state);
				putc_(&w, '\n');
				break;
			}
			put(&w, head[e->type == MRT_ELEM_WITHDRAW],
			    head_len[e->type == MRT_ELEM_WITHDRAW]);
			put_addr(&w, &e->prefix.addr);
			putc_(&w, '/');
			put_u32(&w, e->prefix.len);
			if (e->type == MRT_ELEM_WITHDRAW) {
				if (rec->addpath) {
					putc_(&w, '|');
					put_u32(&w, e->prefix.path_id);
				}
				putc_(&w, '\n');
				break;
			}
			putc_(&w, '|');
			if (rec->addpath)
				put_path_id(&w, &e->prefix);
			if (e->nh_src == MRT_NH_ATTR || e->afi == BGP_AFI_IP || !m) {
				put(&w, txt.aspath, txt.aspath_len);
				putc_(&w, '|');
				put(&w, txt.origin, txt.origin_len);
				if (!m) {
					putc_(&w, '\n');
					break;
				}
				putc_(&w, '|');
				if (e->nh_src == MRT_NH_ATTR) {
					put(&w, txt.nh, txt.nh_len);
					putc_(&w, '|');
					put_u32(&w, pref_of(a));
					putc_(&w, '|');
					put_u32(&w, med_of(a));
					putc_(&w, '|');
				} else if (put_nh(&w, &txt, e->mp)) {
					putc_(&w, '|');
					put_i32(&w, pref_of(a));
					putc_(&w, '|');
					put_i32(&w, med_of(a));
					putc_(&w, '|');
				}
			} else {
				/* IPv6 prefixes: the fields depend on the next-hop length */
				if (e->mp->nh_len == 4 || e->mp->nh_len == 16 ||
				    e->mp->nh_len == 32) {
					put(&w, txt.aspath, txt.aspath_len);
					putc_(&w, '|');
					put(&w, txt.origin, txt.origin_len);
					putc_(&w, '|');
					put_nh(&w, &txt, e->mp);
					putc_(&w, '|');
					put_u32(&w, pref_of(a));
					putc_(&w, '|');
					put_u32(&w, med_of(a));
					putc_(&w, '|');
				}
			}
			put_tail(&w, &txt, a);
			putc_(&w, '\n');
			break;
		}
		out->len = (size_t)(w.p - out->p);
	}
	if (out->p)
		out->p[out->len] = 0;
	return first_err;
}
