/*
 * DOC: mrt — MRT archives (RFC 6396, RFC 8050) as a stream of records and
 * elems, plus the output formats of `lightsout mrt`.
 *
 * Shape (after libbgpstream): mrt_reader_next() returns one record; then
 * mrt_record_next_elem() returns its elems one at a time (announce,
 * withdraw, RIB entry, peer state change).  Pointers in records and elems
 * are borrowed and valid until the next mrt_reader_next() call.
 *
 * Record framing is checked before decoding: a header with an unknown type,
 * an absurd length or a length running past the end of the input is a
 * framing error; the reader reports it with the byte offset and tries to
 * resynchronise on the next plausible header (so the rest of a damaged
 * archive is still read).  A record whose body is malformed is reported
 * and skipped.  Hard caps: MRT_MAX_RECORD bytes per record.
 *
 * Covered: TABLE_DUMP (v1, IPv4/IPv6, incl. 4-byte-AS subtypes),
 * TABLE_DUMP_V2 (PEER_INDEX_TABLE, RIB_IPV4/IPV6_UNICAST/MULTICAST,
 * RIB_GENERIC, ADD-PATH subtypes 8-12), BGP4MP / BGP4MP_ET (STATE_CHANGE,
 * MESSAGE, MESSAGE_AS4, STATE_CHANGE_AS4, *_LOCAL, ADD-PATH subtypes 8-11)
 * and the deprecated type 5 (BGP) records of early RIPE RIS archives.
 */
#ifndef LO_MRT_H
#define LO_MRT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bgp/bgp.h"
#include "io/io.h"
#include "lib/lib.h"

#define MRT_MAX_RECORD (16u << 20)
#define MRT_MAX_PEERS  65535

enum mrt_type {
	MRT_T_BGP = 5, /* deprecated, RIS 1999-2001 */
	MRT_T_TABLE_DUMP = 12,
	MRT_T_TABLE_DUMP_V2 = 13,
	MRT_T_BGP4MP = 16,
	MRT_T_BGP4MP_ET = 17,
};

enum mrt_bgp4mp_subtype {
	MRT_BGP4MP_STATE_CHANGE = 0,
	MRT_BGP4MP_MESSAGE = 1,
	MRT_BGP4MP_ENTRY = 2,
	MRT_BGP4MP_SNAPSHOT = 3,
	MRT_BGP4MP_MESSAGE_AS4 = 4,
	MRT_BGP4MP_STATE_CHANGE_AS4 = 5,
	MRT_BGP4MP_MESSAGE_LOCAL = 6,
	MRT_BGP4MP_MESSAGE_AS4_LOCAL = 7,
	MRT_BGP4MP_MESSAGE_ADDPATH = 8,
	MRT_BGP4MP_MESSAGE_AS4_ADDPATH = 9,
	MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH = 10,
	MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH = 11,
};

enum mrt_td2_subtype {
	MRT_TD2_PEER_INDEX = 1,
	MRT_TD2_RIB_IPV4_UNICAST = 2,
	MRT_TD2_RIB_IPV4_MULTICAST = 3,
	MRT_TD2_RIB_IPV6_UNICAST = 4,
	MRT_TD2_RIB_IPV6_MULTICAST = 5,
	MRT_TD2_RIB_GENERIC = 6,
	MRT_TD2_RIB_IPV4_UNICAST_AP = 8,
	MRT_TD2_RIB_IPV4_MULTICAST_AP = 9,
	MRT_TD2_RIB_IPV6_UNICAST_AP = 10,
	MRT_TD2_RIB_IPV6_MULTICAST_AP = 11,
	MRT_TD2_RIB_GENERIC_AP = 12,
};

/* Deprecated type 5 subtypes (RFC 6396 §4.1 of the old MRT draft). */
enum mrt_bgp_subtype {
	MRT_BGP_NULL = 0,
	MRT_BGP_UPDATE = 1,
	MRT_BGP_PREF_UPDATE = 2,
	MRT_BGP_STATE_CHANGE = 3,
	MRT_BGP_SYNC = 4,
	MRT_BGP_OPEN = 5,
	MRT_BGP_NOTIFY = 6,
	MRT_BGP_KEEPALIVE = 7,
};

/* struct mrt_peer - one entry of a PEER_INDEX_TABLE. */
struct mrt_peer {
	struct bgp_addr addr;
	uint32_t asn;
	uint8_t bgp_id[4];
	uint8_t addr_text_len;
	char addr_text[BGP_ADDR_STRLEN]; /* @addr as text, made once per table */
};

enum mrt_elem_type {
	MRT_ELEM_RIB = 'R',	 /* a RIB entry (TABLE_DUMP, TABLE_DUMP_V2) */
	MRT_ELEM_ANNOUNCE = 'A', /* a prefix announced in an UPDATE */
	MRT_ELEM_WITHDRAW = 'W', /* a prefix withdrawn in an UPDATE */
	MRT_ELEM_STATE = 'S',	 /* a peer's FSM state changed */
};

/* Where an announced prefix's next hop comes from (the formats differ). */
enum mrt_nh_src {
	MRT_NH_NONE,
	MRT_NH_ATTR, /* NEXT_HOP attribute (or INADDR_NONE when absent) */
	MRT_NH_MP,   /* MP_REACH next hop of the prefix's AFI/SAFI */
};

/*
 * struct mrt_elem - one route-level event.  Borrowed; valid until the next
 * mrt_reader_next().
 */
struct mrt_elem {
	enum mrt_elem_type type;
	uint32_t time;
	uint32_t usec;
	struct bgp_addr peer_addr;
	uint32_t peer_asn;
	const struct mrt_peer *peer; /* TABLE_DUMP_V2: the PEER_INDEX_TABLE entry */
	struct bgp_prefix prefix;
	const struct bgp_attrs *attrs; /* RIB and ANNOUNCE (and WITHDRAW) */
	uint16_t afi, safi;	       /* of the prefix */
	enum mrt_nh_src nh_src;
	const struct bgp_mp *mp;       /* when nh_src == MRT_NH_MP */
	uint32_t originated;	       /* RIB entries: originated time */
	uint16_t old_state, new_state; /* STATE */
};

/*
 * struct mrt_record - one decoded MRT record.
 * @offset:  byte offset of the record header in the decompressed input
 * @addpath: the record's NLRI carry path identifiers
 * @local:   BGP4MP *_LOCAL subtype (message sent by the collector)
 * @msg_type: BGP message type for BGP4MP MESSAGE records (0 otherwise)
 * @session_afi: address family of the BGP4MP session header
 */
struct mrt_record {
	uint64_t offset;
	uint32_t time;
	uint32_t usec;
	uint16_t type;
	uint16_t subtype;
	uint32_t length;
	const uint8_t *body;
	bool addpath;
	bool local;
	uint8_t msg_type;
	uint16_t session_afi;
	struct bgp_addr peer_addr, local_addr;
	uint32_t peer_asn, local_asn;
	uint32_t n_elems; /* elems this record yields */
	int damaged;	  /* <0: malformed but partly decoded; the error was reported */
	/* the decoded message, by @msg_type (BGP4MP MESSAGE records) */
	union {
		struct bgp_open open;
		struct bgp_notification notification;
		struct bgp_route_refresh refresh;
	} msg;
	bool batched; /* TABLE_DUMP of early RIS: many entries, length 4 short */
};

struct mrt_reader;

/*
 * mrt_reader_new() - wrap @io (ownership stays with the caller); or, with
 * @io NULL, a reader of records the caller pushes (mrt_reader_push()).
 */
struct mrt_reader *mrt_reader_new(struct io_reader *io);

/*
 * mrt_reader_push() - append @len bytes (whole records) to a reader made
 * without io; mrt_reader_next() then returns them and 0 when they are used
 * up.  Elems of the previous record must have been consumed.  Returns 0,
 * LO_EINVAL (a reader with io) or LO_ENOMEM / LO_ETOOBIG (over 2 records of
 * MRT_MAX_RECORD waiting).
 */
int mrt_reader_push(struct mrt_reader *r, const uint8_t *data, size_t len);
void mrt_reader_free(struct mrt_reader *r);

/*
 * mrt_reader_next() - read and decode the next record.
 * Returns 1 with *@rec set, 0 at the end of input, or a negative LO_E*:
 * LO_ECORRUPT for a malformed record (skipped; call again to continue),
 * LO_ETRUNC / LO_EIO when the input itself failed (no more records).  @err
 * gets the text and offset of every error.  A record that is malformed but
 * still yields elems is returned (1) with rec->damaged < 0 and @err filled.
 */
int mrt_reader_next(struct mrt_reader *r, const struct mrt_record **rec, struct lo_err *err);

/*
 * mrt_record_next_elem() - the next elem of the current record.
 * Returns 1 with *@elem set, 0 when the record has no more elems.
 */
int mrt_record_next_elem(struct mrt_reader *r, const struct mrt_elem **elem);

/* mrt_reader_peers() - the current PEER_INDEX_TABLE (borrowed). */
const struct mrt_peer *mrt_reader_peers(const struct mrt_reader *r, unsigned *n);

/* struct mrt_stats - what a reader has seen so far. */
struct mrt_stats {
	uint64_t records;
	uint64_t elems;
	uint64_t errors;	      /* records reported corrupt */
	uint64_t attr_errors;	      /* malformed attributes (RFC 7606 style) */
	uint64_t skipped_bytes;	      /* bytes skipped while resynchronising */
	uint64_t addpath_guessed;     /* NLRI lists with path ids in a plain record */
	uint64_t addpath_guessed_off; /* offset of the first such record */
	uint64_t batched;	      /* TABLE_DUMP records 4 bytes longer than declared */
	uint64_t batched_off;	      /* offset of the first one */
	uint64_t messages[6];	      /* BGP4MP messages by type (1 OPEN .. 5 ROUTE-REFRESH) */
	uint64_t bytes;		      /* decompressed bytes consumed */
	uint32_t first_time, last_time;
};
const struct mrt_stats *mrt_reader_stats(const struct mrt_reader *r);

/* ---------------------------------------------------------------- output */

enum mrt_fmt { MRT_FMT_M, MRT_FMT_MM, MRT_FMT_JSON };

/*
 * mrt_fmt_record() - append the text of @rec (and all its elems, which it
 * consumes) to @out in format @fmt.  -m and -M follow bgpdump 1.6.2 byte for
 * byte (see docs/mrt.md for the documented differences).
 */
int mrt_fmt_record(struct mrt_reader *r, const struct mrt_record *rec, enum mrt_fmt fmt,
		   struct lo_buf *out);

/* ================================================================ writer */

/*
 * Writing MRT (writer.c): TABLE_DUMP_V2 RIB dumps and BGP4MP / BGP4MP_ET
 * update streams whose output bgpdump reads.  Records go to an io_writer
 * (so the file is plain, gzip, bzip2 or xz as it was created); the
 * mrt_writer does not own it: finish the file with io_close() after
 * mrt_writer_free().  Every write returns 0 or a negative LO_E*: LO_EINVAL
 * for bad arguments (nothing written), LO_ETOOBIG when a cap is hit
 * (MRT_MAX_RECORD per record, 65535 bytes of attributes), LO_ENOMEM, or the
 * io_writer's error (LO_EIO).  After an I/O error the file is unusable:
 * io_abort() it.  Only the subtypes with 4-byte ASNs are written.
 */

/*
 * struct mrt_attr_spec - path attributes to encode (all borrowed).
 * @origin:      0 IGP, 1 EGP, 2 INCOMPLETE
 * @as_path:     AS_PATH as 4-byte ASNs, written as AS_SEQUENCE segments of
 *               at most 255; empty for a locally originated route
 * @next_hop:    IPv4: the NEXT_HOP attribute; IPv6: the MP_REACH next hop
 *               (with @next_hop_ll, family 6, as link-local second address)
 * @communities: RFC 1997 communities, (ASN << 16) | value
 * MED and LOCAL_PREF are written when their has_ flag is set.
 */
struct mrt_attr_spec {
	uint8_t origin;
	const uint32_t *as_path;
	size_t n_as_path;
	struct bgp_addr next_hop;
	struct bgp_addr next_hop_ll;
	bool has_med;
	uint32_t med;
	bool has_local_pref;
	uint32_t local_pref;
	const uint32_t *communities;
	size_t n_communities;
};

#define MRT_ATTRS_RIB6	      0x1 /* add the abbreviated MP_REACH of RFC 6396 §4.3.4 */
#define MRT_ATTRS_NO_NEXT_HOP 0x2 /* leave out the IPv4 NEXT_HOP attribute */

/*
 * mrt_attrs_encode() - append the attribute block for @a to @b: ORIGIN,
 * AS_PATH, NEXT_HOP, MED, LOCAL_PREF, COMMUNITIES in type order (then the
 * abbreviated MP_REACH with MRT_ATTRS_RIB6).  Attributes over 255 bytes use
 * the extended length.  Returns 0, LO_EINVAL or LO_ETOOBIG / LO_ENOMEM from
 * @b's cap.
 */
int mrt_attrs_encode(struct lo_buf *b, const struct mrt_attr_spec *a, unsigned flags,
		     struct lo_err *err);

/* struct mrt_rib_entry - one RIB entry: a peer's route to the record's prefix. */
struct mrt_rib_entry {
	uint16_t peer_index; /* into the last PEER_INDEX_TABLE written */
	uint32_t originated; /* originated time */
	const struct mrt_attr_spec *attrs;
};

/*
 * struct mrt_bgp4mp - the record time and BGP session of a BGP4MP record.
 * @et: write BGP4MP_ET with @usec microseconds (else BGP4MP, @usec unused)
 * @peer_addr, @local_addr: both IPv4 or both IPv6 (the session AFI)
 */
struct mrt_bgp4mp {
	uint32_t time;
	uint32_t usec;
	bool et;
	uint32_t peer_asn;
	uint32_t local_asn;
	uint16_t ifindex;
	struct bgp_addr peer_addr;
	struct bgp_addr local_addr;
};

/* struct mrt_writer_stats - what a writer has written so far. */
struct mrt_writer_stats {
	uint64_t records;
	uint64_t bytes; /* uncompressed */
	uint64_t rib_entries;
	uint64_t updates; /* BGP UPDATE messages (one per record) */
	uint64_t announced, withdrawn;
	uint64_t state_changes;
};

struct mrt_writer;

/*
 * mrt_writer_new() - write records to @io (borrowed; must outlive the
 * writer), or nowhere when @io is NULL: each record is then only built, for
 * mrt_writer_record() (a live feed that decodes what it would archive).
 */
int mrt_writer_new(struct mrt_writer **out, struct io_writer *io);
void mrt_writer_free(struct mrt_writer *w);
const struct mrt_writer_stats *mrt_writer_stats(const struct mrt_writer *w);

/*
 * mrt_write_peer_index() - a TABLE_DUMP_V2 PEER_INDEX_TABLE.  Of @peers only
 * addr, asn and bgp_id are used; @view may be NULL.  Resets the RIB
 * sequence number; later RIB entries index into @peers.
 */
int mrt_write_peer_index(struct mrt_writer *w, uint32_t time, const uint8_t collector_id[4],
			 const char *view, const struct mrt_peer *peers, unsigned n,
			 struct lo_err *err);

/*
 * mrt_write_rib() - a RIB_IPV4_UNICAST or RIB_IPV6_UNICAST record (by the
 * family of @pfx) with @n entries and the next sequence number.  Each
 * entry's next hop must be of the prefix's family.
 */
int mrt_write_rib(struct mrt_writer *w, uint32_t time, const struct bgp_prefix *pfx,
		  const struct mrt_rib_entry *e, unsigned n, struct lo_err *err);

/*
 * mrt_write_update() - BGP4MP(_ET) MESSAGE_AS4 records carrying UPDATEs
 * that withdraw @wd (IPv4 in the withdrawn routes, IPv6 in MP_UNREACH_NLRI)
 * and announce @ann with attributes @a (IPv4 as NLRI with NEXT_HOP, IPv6
 * in MP_REACH_NLRI; all of @a->next_hop's family).  Withdrawals come first;
 * what does not fit one 4096-byte message goes on in further messages, one
 * record each.  Nothing is written when both lists are empty.
 */
int mrt_write_update(struct mrt_writer *w, const struct mrt_bgp4mp *h,
		     const struct mrt_attr_spec *a, const struct bgp_prefix *ann, unsigned n_ann,
		     const struct bgp_prefix *wd, unsigned n_wd, struct lo_err *err);

/* mrt_writer_record() - the bytes of the last record built (valid until the next write). */
const uint8_t *mrt_writer_record(const struct mrt_writer *w, size_t *len);

#define MRT_MSG_AS2	0x1 /* the session has 2-byte ASNs: subtype MESSAGE(_ADDPATH) */
#define MRT_MSG_ADDPATH 0x2 /* ADD-PATH was negotiated for receiving: an _ADDPATH subtype */

/*
 * mrt_write_message() - a BGP4MP(_ET) MESSAGE record carrying @msg, one
 * whole BGP message as received (marker, length and type included), of the
 * session @h; @flags pick the subtype (MESSAGE_AS4 by default).  Returns 0,
 * LO_EINVAL (addresses of two families, a message under 19 bytes) or the
 * io_writer's error.
 */
int mrt_write_message(struct mrt_writer *w, const struct mrt_bgp4mp *h, const uint8_t *msg,
		      size_t len, unsigned flags, struct lo_err *err);

/*
 * mrt_write_state_change() - a BGP4MP(_ET) STATE_CHANGE_AS4 record
 * (states as RFC 6396 §4.4.1 numbers them: 1 Idle .. 6 Established).
 */
int mrt_write_state_change(struct mrt_writer *w, const struct mrt_bgp4mp *h, uint16_t old_state,
			   uint16_t new_state, struct lo_err *err);

/* ---------------------------------------------------------------- archives */

/*
 * An archive is a set of collectors, each a RIB dump and the update files
 * after it, laid out like RouteViews (COLLECTOR/RIBS/rib.YYYYMMDD.HHMM.bz2,
 * COLLECTOR/UPDATES/updates.YYYYMMDD.HHMM.bz2) or RIPE RIS
 * (COLLECTOR/bview.YYYYMMDD.HHMM.gz, COLLECTOR/updates.YYYYMMDD.HHMM.gz),
 * or plain files named on the command line (their directory is the
 * collector).  mrt_archive_next() merges all collectors' records in time
 * order.  Per collector it starts from the latest RIB at or before @from (or
 * the first RIB) and reads the update files from that RIB's time until
 * @until.  Files that cannot be read, and corrupt records, are reported
 * (LO_ECORRUPT with the file name in @err) and skipped.
 */
#define MRT_ARCHIVE_MAX_FILES	   (1u << 20)
#define MRT_ARCHIVE_MAX_COLLECTORS 1024

enum mrt_file_kind { MRT_FILE_RIB, MRT_FILE_UPDATES };

struct mrt_archive;

/*
 * mrt_archive_open() - scan @paths (files or directories); @from / @until are
 * unix times, 0 = unbounded.  Returns 0 and a new archive, or LO_ENOENT /
 * LO_EIO / LO_ETOOBIG with @err naming the path.
 */
int mrt_archive_open(struct mrt_archive **out, char *const *paths, unsigned n, uint32_t from,
		     uint32_t until, const struct io_opts *io, struct lo_err *err);
void mrt_archive_free(struct mrt_archive *a);

/* mrt_archive_files() - files selected, in per-collector reading order. */
unsigned mrt_archive_files(const struct mrt_archive *a);
const char *mrt_archive_file(const struct mrt_archive *a, unsigned i, uint16_t *collector,
			     enum mrt_file_kind *kind, uint32_t *time);
const char *mrt_archive_collector_name(const struct mrt_archive *a, uint16_t collector);

/*
 * mrt_archive_next() - the next record in time order over all collectors.
 * Returns 1 with *@rec, its *@collector and its reader in *@reader (for
 * mrt_record_next_elem(); all borrowed until the next call), 0 at the end,
 * LO_ECORRUPT after a reported problem (call again).
 */
int mrt_archive_next(struct mrt_archive *a, const struct mrt_record **rec, uint16_t *collector,
		     struct mrt_reader **reader, struct lo_err *err);

#endif
