#!/bin/bash
# check_json.sh — `lightsout mrt -j` on a real file: every line is one valid
# JSON object (checked by jq), there is exactly one per elem (the count
# `--count` reports), and each has the fields docs/mrt.md promises for its type.
#
# Usage: check_json.sh LIGHTSOUT INPUT
set -uo pipefail
lightsout=$1 input=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-json.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

"$lightsout" mrt -j -q "$input" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
	echo "FAIL: exit status $rc" >&2
	cat "$tmp/err" >&2
	exit 1
fi
if grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error|LeakSanitizer' "$tmp/err"; then
	echo "FAIL: sanitizer report" >&2
	cat "$tmp/err" >&2
	exit 1
fi
elems=$("$lightsout" mrt --count -q "$input" | awk '$1 == "elems" { print $2 }')
lines=$(wc -l < "$tmp/out")
if [ "$elems" != "$lines" ]; then
	echo "FAIL: $lines JSON lines for $elems elems" >&2
	exit 1
fi
# Each line must be an object with the fields of its type; jq -e fails on
# the first that is not.
bad=$(jq -c 'select(
	(.type | IN("rib","announce","withdraw","state") | not)
	or (.timestamp | type) != "number" or (.peer_ip | type) != "string"
	or (.peer_asn | type) != "number"
	or (.type != "state" and (.prefix | type) != "string")
	or (.type == "state" and ((.old_state | type) != "number" or (.new_state | type) != "number"))
	or ((.type == "rib" or .type == "announce") and
	    ((.as_path | type) != "string" or (.communities | type) != "array"
	     or (.atomic_aggregate | type) != "boolean")))' "$tmp/out" 2> "$tmp/jqerr" | head -3)
if [ -s "$tmp/jqerr" ]; then
	echo "FAIL: invalid JSON:" >&2
	head -3 "$tmp/jqerr" >&2
	exit 1
fi
if [ -n "$bad" ]; then
	echo "FAIL: objects without their documented fields:" >&2
	echo "$bad" >&2
	exit 1
fi
echo "ok: $lines JSON objects"
