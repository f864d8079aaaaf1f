#!/bin/bash
# check_nk2014.sh LIGHTSOUT SPEC — the bundled scenario end to end:
# `lightsout simulate` writes scenarios/nk2014 over the real 2014 table
# (512,621 prefixes x 10 peers), `lightsout replay` replays it, and the events
# must be exactly: country:KP outages 16:15:21 -> 01:46:18 (9h31m),
# 07:41:00 -> 07:58:00 and 15:41:00 -> 16:12:00, and the synthetic country:SY
# outage 09:00 -> 11:00 on 21 Dec; nothing for the distractors (a peer's
# session reset, another peer's mass withdrawal) or the flaps (30 s dips).
set -uo pipefail
lightsout=$1 spec=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-nk2014.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

"$lightsout" simulate "$spec" --out "$tmp/arch" || { echo "FAIL: simulate"; exit 1; }
"$lightsout" replay --db "$tmp/db" "$tmp/arch" > "$tmp/out" 2> "$tmp/err"
rc=$?
cat "$tmp/out"
[ $rc -eq 0 ] || { echo "FAIL: replay exit $rc"; cat "$tmp/err"; exit 1; }
want='country:SY outage critical 2014-12-21T09:00:00Z 2014-12-21T11:00:00Z 2h00m
country:KP outage critical 2014-12-22T16:15:21Z 2014-12-23T01:46:18Z 9h31m
country:KP outage critical 2014-12-23T07:41:00Z 2014-12-23T07:58:00Z 17m00s
country:KP outage critical 2014-12-23T15:41:00Z 2014-12-23T16:12:00Z 31m00s'
got=$(awk 'NR > 1 { print $2, $4, $5, $6, $7, $8 }' "$tmp/out")
if [ "$got" != "$want" ]; then
	echo "FAIL: events differ; want:"
	echo "$want"
	exit 1
fi
echo "ok: the four expected outages, nothing else"
