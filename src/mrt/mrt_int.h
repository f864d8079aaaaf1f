/*
 * DOC: private state of the MRT reader, shared by reader.c and format.c.
 */
#ifndef LO_MRT_INT_H
#define LO_MRT_INT_H

#include "mrt/mrt.h"

/* Elem iteration phases of a BGP UPDATE, in the order bgpdump prints them. */
enum mrt_phase {
	PH_WITHDRAWN = 0,
	PH_MP_UNREACH = 1, /* 1..6: [afi 1..2][safi 1..3] */
	PH_NLRI = 7,
	PH_MP_REACH = 8, /* 8..13 */
	PH_DONE = 14,
};

struct mrt_reader {
	struct io_reader *io;
	uint8_t *buf;
	size_t cap, start, end;
	uint64_t base; /* decompressed offset of buf[0] */
	bool eof;
	int io_rc;
	struct lo_err io_err;

	struct mrt_record rec;
	struct mrt_stats stats;
	bool have_time;

	/* TABLE_DUMP_V2 peer index */
	struct mrt_peer *peers;
	unsigned n_peers;
	bool have_peers;

	/* current record's elem iteration */
	struct mrt_elem elem;
	struct bgp_attrs attrs;
	uint8_t *merge_buf;
	size_t merge_cap;
	int phase;
	struct cur list; /* current NLRI list or TDv2 entries */
	uint8_t list_family;
	bool list_addpath;
	const struct bgp_mp *list_mp;
	uint32_t entries_left; /* TDv2 / TDv1 */
	uint8_t rib_family;
	uint16_t rib_afi, rib_safi;
	struct bgp_prefix rib_prefix;
	struct bgp_nlri withdrawn, nlri;
	bool has_update;
	bool rib_generic_skip;
	int td1_pending_err; /* an entry was decoded from a short record */
};

#endif
