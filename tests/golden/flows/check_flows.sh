#!/bin/bash
# check_flows.sh — flow golden test driver: decode one capture set with
# `lightsout flows -j` and compare its flow records with what tshark decoded
# (expected/NAME.tsv, made by gen_expected.sh).
#
# Usage: check_flows.sh LIGHTSOUT EXPECTED.tsv EXIT FILE...
#
#   LIGHTSOUT  the lightsout binary
#   EXPECTED   expected/NAME.tsv; NAME also names the temporary pcap below
#   EXIT       0, or 2:N[,N...] (packets N are malformed), as in sets.tsv
#   FILE...    the set's files, in order: pcaps, or raw payloads (*.dat,
#              *.bin) that are first wrapped into ONE pcap, $tmp/NAME.pcap,
#              by dat2pcap.py (python3, standard library); lightsout then
#              reads that pcap
#
# Checks, all of which must hold:
#   1. the exit status is 0 when EXIT is 0, 2 when it is 2:N...;
#   2. with 2:N...: stderr names the capture file (its base name) and each
#      packet number N;
#   3. no sanitizer report on stderr (ASan/UBSan/LSan);
#   4. every stdout line is a JSON object (jq), a flow record: without
#      --options nothing else (options records, counter samples) is printed;
#   5. the records, turned into expected's columns by jq, equal the expected
#      lines in order.  Normalisation of our JSON (the same as
#      tshark2tsv.py's of tshark's fields): one tab-separated line per record
#        version exporter domain template src dst proto sport dport
#        tcp_flags bytes packets [+ sampling_rate in_if out_if agent if sflow5]
#      numbers in decimal, a null src/dst/agent as "-".  In the expected file
#      a "*" field is not compared (our value is copied over it), and a line
#      starting with "?" (a record of a malformed packet) may be absent:
#      of each run of "?" lines we must print a prefix, nothing else;
#   6. `lightsout flows -j --options` prints the same flow records (and only
#      lines with a "kind" besides them).
# On a mismatch it prints a unified diff (expected, resolved as in 5, against
# ours) and exits 1.
set -uo pipefail

usage() {
	echo "usage: $0 LIGHTSOUT EXPECTED.tsv EXIT FILE..." >&2
	exit 2
}
[ $# -ge 4 ] || usage
lightsout=$1 expected=$2 exit_spec=$3
shift 3
case $exit_spec in
0) want_rc=0 bad= ;;
2:[0-9]*) want_rc=2 bad=${exit_spec#2:} ;;
*) usage ;;
esac
case $bad in *[!0-9,]*) usage ;; esac
command -v jq > /dev/null || { echo "FAIL: jq not found" >&2; exit 1; }

export TZ=UTC LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$expected" .tsv)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-flows.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# The inputs: the pcaps as they are, or raw payloads wrapped into one pcap.
raw=0 pcap=0
for f in "$@"; do
	case $f in *.dat | *.bin) raw=1 ;; *) pcap=1 ;; esac
done
if [ $raw = 1 ]; then
	if [ $pcap = 1 ]; then
		echo "FAIL: a set mixes pcaps and raw payloads" >&2
		exit 1
	fi
	python3 "$here/dat2pcap.py" "$tmp/$name.pcap" "$@" || exit 1
	set -- "$tmp/$name.pcap"
fi

# to_tsv FILE: our JSON records as expected's columns; non-flow lines as
# "KIND\t<kind>".  jq fails on a line that is not JSON.
to_tsv() {
	jq -r 'if (.kind // "flow") != "flow" then "KIND\t\(.kind)" else
		([.version, .exporter, .domain, .template, (.src // "-"), (.dst // "-"),
		  .proto, .sport, .dport, .tcp_flags, .bytes, .packets]
		 + (if .version == "sflow5"
		    then [.sampling_rate, .in_if, .out_if, (.agent // "-")] else [] end))
		| map(if . == null then "null" else tostring end) | join("\t") end' "$1"
}

# resolve EXPECTED OURS: EXPECTED as it must read given OURS: "*" fields
# take our value; of each run of "?" lines, those that match our next lines
# (a prefix of the run) are kept without the "?", the rest dropped.
resolve() {
	awk -F'\t' -v OFS='\t' '
	function fill(e, o,    ne, no, i, a, b, s) {
		ne = split(e, a, "\t"); no = split(o, b, "\t")
		s = ""
		for (i = 1; i <= ne; i++)
			s = s (i > 1 ? "\t" : "") ((a[i] == "*" && i <= no) ? b[i] : a[i])
		return s
	}
	FNR == NR { if ($0 !~ /^#/) xp[++ne] = $0; next }
	{ our[++no] = $0 }
	END {
		j = 1; dead = 0
		for (i = 1; i <= ne; i++) {
			if (substr(xp[i], 1, 2) == "?\t") {
				e = substr(xp[i], 3)
				if (!dead && j <= no && fill(e, our[j]) == our[j]) { print our[j]; j++ }
				else dead = 1
				continue
			}
			dead = 0
			print fill(xp[i], j <= no ? our[j] : "")
			j++
		}
	}' "$1" "$2"
}

fail=0
sanitizer='AddressSanitizer|UndefinedBehaviorSanitizer|runtime error|LeakSanitizer'

# run OPTS...: run lightsout on the inputs; sets rc, $tmp/out, $tmp/err.
run() {
	"$lightsout" flows -j "$@" "${inputs[@]}" > "$tmp/out" 2> "$tmp/err"
	rc=$?
}
inputs=("$@")

run
if [ $rc -ne $want_rc ]; then
	echo "FAIL: exit status $rc, expected $want_rc" >&2
	fail=1
fi
if grep -qE "$sanitizer" "$tmp/err"; then
	echo "FAIL: sanitizer report" >&2
	fail=1
fi
if [ $want_rc -eq 2 ]; then
	if [ ! -s "$tmp/err" ]; then
		echo "FAIL: malformed packets ($bad) but nothing on stderr" >&2
		fail=1
	else
		base=
		for f in "${inputs[@]}"; do
			grep -qF "$(basename "$f")" "$tmp/err" && base=1
		done
		if [ -z "$base" ]; then
			echo "FAIL: stderr does not name the file" >&2
			fail=1
		fi
		for n in ${bad//,/ }; do
			if ! grep -qE "(^|[^0-9])$n([^0-9]|$)" "$tmp/err"; then
				echo "FAIL: stderr does not mention packet $n" >&2
				fail=1
			fi
		done
	fi
fi
if [ $fail -ne 0 ]; then
	echo "--- stderr (first 20 lines):" >&2
	head -20 "$tmp/err" >&2
fi

if ! to_tsv "$tmp/out" > "$tmp/ours" 2> "$tmp/jqerr"; then
	echo "FAIL: stdout is not one JSON object per line:" >&2
	head -3 "$tmp/jqerr" >&2
	exit 1
fi
if grep -q '^KIND' "$tmp/ours"; then
	echo "FAIL: without --options, non-flow records were printed:" >&2
	grep '^KIND' "$tmp/ours" | sort | uniq -c >&2
	fail=1
fi
resolve "$expected" "$tmp/ours" > "$tmp/want"
if ! diff -u --label "expected/$name.tsv (tshark)" --label "lightsout flows -j" \
	"$tmp/want" "$tmp/ours" > "$tmp/diff"; then
	echo "FAIL: flow records differ from tshark's ($(wc -l < "$tmp/want") expected," \
		"$(wc -l < "$tmp/ours") ours); columns:" >&2
	head -1 "$expected" >&2
	head -60 "$tmp/diff" >&2
	fail=1
fi

# --options adds options records / counter samples, and changes no flow.
run --options
if [ $rc -ne $want_rc ]; then
	echo "FAIL: --options: exit status $rc, expected $want_rc" >&2
	fail=1
fi
if grep -qE "$sanitizer" "$tmp/err"; then
	echo "FAIL: --options: sanitizer report" >&2
	head -20 "$tmp/err" >&2
	fail=1
fi
if ! to_tsv "$tmp/out" > "$tmp/ours-opt" 2> "$tmp/jqerr"; then
	echo "FAIL: --options: stdout is not one JSON object per line:" >&2
	head -3 "$tmp/jqerr" >&2
	exit 1
fi
awk '!/^KIND\t/' "$tmp/ours-opt" > "$tmp/ours-opt-flows"
if ! diff -u --label "without --options" --label "with --options" \
	"$tmp/ours" "$tmp/ours-opt-flows" > "$tmp/diff"; then
	echo "FAIL: --options changes the flow records:" >&2
	head -30 "$tmp/diff" >&2
	fail=1
fi

if [ $fail -ne 0 ]; then
	exit 1
fi
echo "ok: $(wc -l < "$tmp/ours") flow records as tshark decodes them" \
	"($(grep -c '^KIND' "$tmp/ours-opt") options/counter records with --options)"
