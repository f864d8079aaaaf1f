#!/bin/bash
# check_mrt.sh — golden test driver: decode one MRT file with lightsout and
# compare with a reference output.
#
# Usage: check_mrt.sh LIGHTSOUT MODE INPUT EXPECTED EXPECTED_EXIT [prefix[:N]]
#
#   LIGHTSOUT      the lightsout binary
#   MODE           -m or -M (passed to `lightsout mrt`)
#   INPUT          MRT file
#   EXPECTED       reference stdout: xz, gzip or plain (told by magic bytes)
#   EXPECTED_EXIT  exit status lightsout must return (0 good file, 2 corrupt)
#   prefix         optional: the reference need only be a byte prefix of our
#                  stdout (files where we resynchronise after damage and so
#                  decode more than bgpdump)
#   prefix:N       optional: only the first N lines of the reference, the
#                  part before the fault, must be a prefix of our stdout (where
#                  bgpdump prints garbage after the fault and we do not)
#
# Checks, all of which must hold:
#   1. stdout equals the reference (or starts with it, in prefix mode);
#   2. the exit status is EXPECTED_EXIT;
#   3. when EXPECTED_EXIT is 2, stderr is non-empty and names the file
#      (its base name) and an "offset";
#   4. no sanitizer report on stderr (ASan/UBSan/LSan).
# On failure prints what differs: line counts and the first lines of a diff.
set -uo pipefail

usage() {
	echo "usage: $0 LIGHTSOUT MODE INPUT EXPECTED EXPECTED_EXIT [prefix[:N]]" >&2
	exit 2
}
[ $# -eq 5 ] || [ $# -eq 6 ] || usage
lightsout=$1 mode=$2 input=$3 expected=$4 want_rc=$5 prefix=${6:-}
prefix_lines=
case "$prefix" in
"" | prefix) ;;
prefix:[0-9]*) prefix_lines=${prefix#prefix:} ;;
*) usage ;;
esac
case "$prefix_lines" in *[!0-9]*) usage ;; esac

export TZ=UTC LC_ALL=C

# decompress FILE: write its content to stdout, whatever its compression.
decompress() {
	local magic
	magic=$(od -An -tx1 -N6 "$1" | tr -d ' \n')
	case "$magic" in
	fd377a585a00) xz -dc "$1" ;;
	1f8b*) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

for f in "$input" "$expected"; do
	if [ ! -r "$f" ]; then
		echo "FAIL: cannot read $f" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-golden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

rc=0
"$lightsout" mrt "$mode" "$input" > "$tmp/out" 2> "$tmp/err" || rc=$?
decompress "$expected" > "$tmp/exp" || {
	echo "FAIL: cannot decompress $expected" >&2
	exit 1
}
if [ -n "$prefix_lines" ]; then
	head -n "$prefix_lines" "$tmp/exp" > "$tmp/exp.head"
	mv "$tmp/exp.head" "$tmp/exp"
	echo "reference: its first $prefix_lines lines (the part before the fault)"
fi

fail=0
name=$(basename "$input")
echo "lightsout mrt $mode $name: exit $rc, $(wc -l < "$tmp/out") lines," \
	"$(wc -c < "$tmp/err") bytes on stderr"

# 1. stdout
if [ -n "$prefix" ]; then
	size=$(wc -c < "$tmp/exp")
	if ! head -c "$size" "$tmp/out" | cmp -s - "$tmp/exp"; then
		echo "FAIL: reference is not a prefix of our output"
		fail=1
	fi
else
	if ! cmp -s "$tmp/out" "$tmp/exp"; then
		echo "FAIL: output differs from reference"
		fail=1
	fi
fi
if [ "$fail" = 1 ]; then
	echo "  lines: ours $(wc -l < "$tmp/out"), reference $(wc -l < "$tmp/exp")"
	first=$(cmp "$tmp/out" "$tmp/exp" 2>&1)
	echo "  $first"
	# diff only a window from the first differing line: a whole-file diff
	# of two very different 600k-line outputs can take minutes.
	line=$(printf '%s\n' "$first" | sed -n 's/.*line \([0-9][0-9]*\).*/\1/p')
	start=$(( ${line:-1} > 3 ? ${line:-1} - 3 : 1 ))
	echo "  differences from line $start (< ours, > reference):"
	diff <(sed -n "$start,$((start + 300))p;$((start + 300))q" "$tmp/out") \
		<(sed -n "$start,$((start + 300))p;$((start + 300))q" "$tmp/exp") |
		head -20 | cut -c1-300 | sed 's/^/  /'
fi

# 2. exit status
if [ "$rc" != "$want_rc" ]; then
	echo "FAIL: exit status $rc, want $want_rc"
	fail=1
fi

# 3. error report on corrupt input
if [ "$want_rc" = 2 ]; then
	if [ ! -s "$tmp/err" ]; then
		echo "FAIL: exit 2 wants an error on stderr, stderr is empty"
		fail=1
	else
		grep -qF -- "$name" "$tmp/err" ||
			{ echo "FAIL: stderr does not name the file ($name)"; fail=1; }
		grep -qi 'offset' "$tmp/err" ||
			{ echo "FAIL: stderr does not give an offset"; fail=1; }
	fi
fi

# 4. sanitizers
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$tmp/err"; then
	echo "FAIL: sanitizer report"
	fail=1
fi

if [ -s "$tmp/err" ] && { [ "$fail" = 1 ] || [ "$want_rc" != 0 ]; }; then
	echo "  stderr (first 20 lines):"
	head -20 "$tmp/err" | cut -c1-300 | sed 's/^/  /'
fi

[ "$fail" = 0 ] && echo "PASS"
exit "$fail"
