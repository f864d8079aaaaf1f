#!/bin/bash
# check_cli.sh — end-to-end checks of `lightsout mrt` beyond per-file output.
#
# Usage:
#   check_cli.sh stdin   LIGHTSOUT INPUT   `lightsout mrt -m - < INPUT` prints the
#                                          same bytes and exits with the same
#                                          status as `lightsout mrt -m INPUT`
#   check_cli.sh missing LIGHTSOUT         `lightsout mrt -m NONEXISTENT` exits 1
#                                          and says why on stderr, naming the file
# Any sanitizer report on stderr fails the check too.
set -uo pipefail

usage() {
	echo "usage: $0 stdin LIGHTSOUT INPUT | missing LIGHTSOUT" >&2
	exit 2
}
[ $# -ge 2 ] || usage
what=$1 lightsout=$2

export TZ=UTC LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

fail=0
sanitizer_check() {
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$@"; then
		echo "FAIL: sanitizer report"
		fail=1
	fi
}

case "$what" in
stdin)
	[ $# -eq 3 ] || usage
	input=$3
	rc_path=0 rc_stdin=0
	"$lightsout" mrt -m "$input" > "$tmp/path.out" 2> "$tmp/path.err" || rc_path=$?
	"$lightsout" mrt -m - < "$input" > "$tmp/stdin.out" 2> "$tmp/stdin.err" ||
		rc_stdin=$?
	echo "by path: exit $rc_path, $(wc -l < "$tmp/path.out") lines;" \
		"from stdin: exit $rc_stdin, $(wc -l < "$tmp/stdin.out") lines"
	if [ ! -s "$tmp/path.out" ]; then
		echo "FAIL: no output by path"
		fail=1
	fi
	if ! cmp "$tmp/path.out" "$tmp/stdin.out"; then
		echo "FAIL: stdin output differs from output by path"
		diff "$tmp/path.out" "$tmp/stdin.out" | head -20 | sed 's/^/  /'
		fail=1
	fi
	if [ "$rc_path" != "$rc_stdin" ]; then
		echo "FAIL: exit status differs (path $rc_path, stdin $rc_stdin)"
		fail=1
	fi
	sanitizer_check "$tmp/path.err" "$tmp/stdin.err"
	;;
missing)
	[ $# -eq 2 ] || usage
	nofile=$tmp/no-such-file.mrt
	rc=0
	"$lightsout" mrt -m "$nofile" > "$tmp/out" 2> "$tmp/err" || rc=$?
	echo "exit $rc; stderr: $(head -3 "$tmp/err")"
	if [ "$rc" != 1 ]; then
		echo "FAIL: exit status $rc, want 1"
		fail=1
	fi
	if ! grep -qF "no-such-file.mrt" "$tmp/err"; then
		echo "FAIL: stderr does not name the file"
		fail=1
	fi
	if [ -s "$tmp/out" ]; then
		echo "FAIL: output on stdout for a missing file"
		fail=1
	fi
	sanitizer_check "$tmp/err"
	;;
*)
	usage
	;;
esac

[ "$fail" = 0 ] && echo "PASS"
exit "$fail"
