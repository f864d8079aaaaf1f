/*
 * DOC: `lightsout mrt` — decode MRT files: bgpdump -m / -M compatible lines,
 * JSON lines, a decode-only count, or a per-file summary.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "io/io.h"
#include "mrt/mrt.h"

static const char usage[] =
	"usage: lightsout mrt [-m|-M|-j|--count|--summary] [-q] [-T THREADS] FILE...\n"
	"\n"
	"Decode MRT archives (RFC 6396: TABLE_DUMP, TABLE_DUMP_V2, BGP4MP, BGP4MP_ET,\n"
	"ADD-PATH, and the deprecated BGP records of early RIS files).  Plain, gzip,\n"
	"bzip2 and xz input is recognised by its content; '-' reads standard input.\n"
	"\n"
	"  -m          one line per elem, unix time: exactly what 'bgpdump -m' prints (default)\n"
	"  -M          one line per elem, human time: exactly what 'bgpdump -M' prints\n"
	"  -j          one JSON object per elem (schema: docs/mrt.md)\n"
	"  --count     decode everything, print only record and elem counts\n"
	"  --summary   per-file summary: records, elems, peers, prefixes, time span, errors\n"
	"  -q          do not print decoding errors (they are still counted)\n"
	"  -T N        bzip2 decoding threads (default: number of CPUs, at most 8)\n"
	"  -h, --help  this text\n"
	"\n"
	"Errors go to standard error with the file name and byte offset (of the\n"
	"decompressed stream).  Exit status: 0 all input decoded, 1 bad usage or a file\n"
	"could not be opened, 2 some input was corrupt or truncated (the rest was\n"
	"decoded).\n";

enum mode { MODE_M, MODE_MM, MODE_JSON, MODE_COUNT, MODE_SUMMARY };

struct file_summary {
	uint64_t records, elems, errors, skipped;
	uint64_t announce, withdraw, rib, state;
	uint64_t messages[6];
	uint64_t batched, addpath_guessed;
	uint32_t first, last;
	bool have_time;
	struct lo_hset peers, prefixes;
	bool sets_ok;
	const char *format;
};

static struct lo_ratelimit err_rl = LO_RATELIMIT_INIT(1, 20);

static void report(const char *name, const struct lo_err *e, bool quiet)
{
	struct lo_err copy = *e;
	if (quiet)
		return;
	lo_err_src(&copy, name);
	lo_log_err(&err_rl, LO_LOG_ERROR, &copy);
}

static int flush(struct lo_buf *out)
{
	if (out->len && fwrite(out->p, 1, out->len, stdout) != out->len)
		return LO_EIO;
	lo_buf_reset(out);
	return 0;
}

static void summary_elem(struct file_summary *s, const struct mrt_elem *e)
{
	switch (e->type) {
	case MRT_ELEM_ANNOUNCE:
		s->announce++;
		break;
	case MRT_ELEM_WITHDRAW:
		s->withdraw++;
		break;
	case MRT_ELEM_RIB:
		s->rib++;
		break;
	case MRT_ELEM_STATE:
		s->state++;
		break;
	}
	if (!s->sets_ok)
		return;
	uint8_t pk[21];
	memcpy(pk, &e->peer_addr, 17);
	memcpy(pk + 17, &e->peer_asn, 4);
	lo_hset_add(&s->peers, pk);
	if (e->type != MRT_ELEM_STATE) {
		uint8_t k[18];
		memcpy(k, &e->prefix.addr, 17);
		k[17] = e->prefix.len;
		lo_hset_add(&s->prefixes, k);
	}
}

static void print_summary(const char *name, struct file_summary *s)
{
	char a[32] = "-", b[32] = "-";

	if (s->have_time) {
		lo_time_iso(s->first, a, sizeof(a));
		lo_time_iso(s->last, b, sizeof(b));
	}
	printf("%s\n", name);
	printf("  format     %s\n", s->format);
	printf("  records    %" PRIu64 "\n", s->records);
	printf("  elems      %" PRIu64 " (rib %" PRIu64 ", announce %" PRIu64 ", withdraw %" PRIu64
	       ", state %" PRIu64 ")\n",
	       s->elems, s->rib, s->announce, s->withdraw, s->state);
	printf("  messages   open %" PRIu64 ", notification %" PRIu64 ", keepalive %" PRIu64
	       ", route-refresh %" PRIu64 "\n",
	       s->messages[1], s->messages[3], s->messages[4], s->messages[5]);
	printf("  peers      %zu\n", s->peers.n);
	printf("  prefixes   %zu\n", s->prefixes.n);
	printf("  time span  %s .. %s (%" PRIu32 " s)\n", a, b,
	       s->have_time ? s->last - s->first : 0);
	printf("  errors     %" PRIu64 "%s\n", s->errors, s->skipped ? "" : "");
	if (s->skipped)
		printf("  skipped    %" PRIu64 " bytes while resynchronising\n", s->skipped);
	if (s->batched)
		printf("  anomaly    %" PRIu64 " TABLE_DUMP records 4 bytes longer than declared\n",
		       s->batched);
	if (s->addpath_guessed)
		printf("  anomaly    %" PRIu64 " NLRI lists with ADD-PATH ids in plain records\n",
		       s->addpath_guessed);
}

static int run_file(const char *name, enum mode mode, const struct io_opts *opts, bool quiet,
		    struct lo_buf *out, uint64_t *tot_records, uint64_t *tot_elems)
{
	struct io_reader *io;
	struct lo_err err;
	int status = CMD_OK;

	lo_err_clear(&err);
	if (io_open(&io, name, opts, &err)) {
		fprintf(stderr, "lightsout: %s: %s\n", name,
			err.msg[0] ? err.msg : lo_strerror(err.code));
		return CMD_USAGE;
	}
	struct mrt_reader *r = mrt_reader_new(io);
	if (!r) {
		io_free(io);
		fprintf(stderr, "lightsout: out of memory\n");
		return CMD_USAGE;
	}
	struct file_summary sum = {0};
	if (mode == MODE_SUMMARY) {
		sum.sets_ok = !lo_hset_init(&sum.peers, 21, 1u << 20) &&
			      !lo_hset_init(&sum.prefixes, 18, 1u << 26);
	}

	for (;;) {
		const struct mrt_record *rec;
		lo_err_clear(&err);
		int rc = mrt_reader_next(r, &rec, &err);
		if (rc == 0)
			break;
		if (rc < 0) {
			report(name, &err, quiet);
			status = CMD_CORRUPT;
			if (rc == LO_ECORRUPT)
				continue;
			break; /* truncated or unreadable input: nothing more */
		}
		if (rec->damaged) {
			report(name, &err, quiet);
			status = CMD_CORRUPT;
		}
		int erc = 0;
		if (mode == MODE_M || mode == MODE_MM || mode == MODE_JSON) {
			erc = mrt_fmt_record(r, rec,
					     mode == MODE_M    ? MRT_FMT_M
					     : mode == MODE_MM ? MRT_FMT_MM
							       : MRT_FMT_JSON,
					     out);
			if (erc == LO_ETOOBIG || erc == LO_ENOMEM) {
				fprintf(stderr, "lightsout: out of memory\n");
				status = CMD_USAGE;
				break;
			}
			if (out->len >= (1u << 20) && flush(out)) {
				status = CMD_USAGE;
				break;
			}
		} else {
			const struct mrt_elem *e;
			int k;
			while ((k = mrt_record_next_elem(r, &e)) != 0) {
				if (k < 0) {
					if (!erc)
						erc = k;
					continue;
				}
				if (mode == MODE_SUMMARY)
					summary_elem(&sum, e);
			}
		}
		if (erc < 0) {
			lo_err_set(&err, erc, rec->offset,
				   "malformed NLRI or RIB entry in record (type %u subtype %u)",
				   rec->type, rec->subtype);
			report(name, &err, quiet);
			status = CMD_CORRUPT;
		}
	}
	if (flush(out))
		status = CMD_USAGE;
	lo_log_flush(&err_rl);

	const struct mrt_stats *st = mrt_reader_stats(r);
	*tot_records += st->records;
	*tot_elems += st->elems;
	if (mode == MODE_SUMMARY) {
		sum.records = st->records;
		sum.elems = st->elems;
		sum.errors = st->errors;
		sum.skipped = st->skipped_bytes;
		memcpy(sum.messages, st->messages, sizeof(sum.messages));
		sum.batched = st->batched;
		sum.addpath_guessed = st->addpath_guessed;
		sum.first = st->first_time;
		sum.last = st->last_time;
		sum.have_time = st->records > 0;
		sum.format = io_format_name(io_format(io));
		print_summary(name, &sum);
		if (sum.sets_ok) {
			lo_hset_fini(&sum.peers);
			lo_hset_fini(&sum.prefixes);
		}
	}
	if (st->batched) {
		status = status == CMD_OK ? CMD_CORRUPT : status;
		if (!quiet)
			fprintf(stderr,
				"lightsout: %s: offset %" PRIu64 ": %" PRIu64
				" TABLE_DUMP records declare a length 4 bytes short of their data "
				"(early RIPE RIS batched format); decoded with the true length\n",
				name, st->batched_off, st->batched);
	}
	if (st->addpath_guessed) {
		status = status == CMD_OK ? CMD_CORRUPT : status;
		if (!quiet)
			fprintf(stderr,
				"lightsout: %s: offset %" PRIu64 ": %" PRIu64
				" NLRI lists carry ADD-PATH path ids although their record subtype "
				"says they do not; decoded with path ids\n",
				name, st->addpath_guessed_off, st->addpath_guessed);
	}
	if (!quiet && (st->errors || st->skipped_bytes))
		fprintf(stderr,
			"lightsout: %s: %" PRIu64 " records decoded, %" PRIu64 " errors, %" PRIu64
			" bytes skipped\n",
			name, st->records, st->errors, st->skipped_bytes);
	mrt_reader_free(r);
	io_free(io);
	return status;
}

int cmd_mrt(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"count", no_argument, NULL, 'c'},
		{"summary", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum mode mode = MODE_M;
	struct io_opts opts = {0};
	bool quiet = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "mMjqT:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mode = MODE_M;
			break;
		case 'M':
			mode = MODE_MM;
			break;
		case 'j':
			mode = MODE_JSON;
			break;
		case 'c':
			mode = MODE_COUNT;
			break;
		case 's':
			mode = MODE_SUMMARY;
			break;
		case 'q':
			quiet = true;
			break;
		case 'T': {
			char *end;
			long t = strtol(optarg, &end, 10);
			if (*end || t < 1 || t > 64) {
				fprintf(stderr, "lightsout mrt: -T wants a number from 1 to 64\n");
				return CMD_USAGE;
			}
			opts.threads = (unsigned)t;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "lightsout mrt: no input file\n\n%s", usage);
		return CMD_USAGE;
	}

	struct lo_buf out;
	lo_buf_init(&out, 64u << 20);
	int status = CMD_OK;
	uint64_t records = 0, elems = 0;
	for (int i = optind; i < argc; i++) {
		int rc = run_file(argv[i], mode, &opts, quiet, &out, &records, &elems);
		if (rc == CMD_USAGE || (rc == CMD_CORRUPT && status == CMD_OK))
			status = rc;
	}
	if (mode == MODE_COUNT)
		printf("records %" PRIu64 "\nelems %" PRIu64 "\n", records, elems);
	lo_buf_fini(&out);
	if (fflush(stdout) != 0)
		status = CMD_USAGE;
	return status;
}
