#!/bin/bash
# check_nk2014.sh LIGHTSOUT SPEC — the bundled scenario end to end:
# `lightsout simulate` writes scenarios/nk2014 over the real 2014 table
# (512,621 prefixes x 10 peers), `lightsout replay` replays it, and the events
# must be exactly: country:KP instability from 21 Dec (the flaps, at a rising
# rate) until the last flap before the outage; country:KP outages 16:15:21 ->
# 01:46:18 (9h31m), 07:41:00 -> 07:58:00 and 15:41:00 -> 16:12:00, and the
# synthetic country:SY outage 09:00 -> 11:00 on 21 Dec; nothing for the
# distractors (a peer's session reset, another peer's mass withdrawal) and no
# outage for the flaps (30 s dips).
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
got=$(awk 'NR > 1 && $4 != "instability" { print $2, $4, $5, $6, $7, $8 }' "$tmp/out")
fail=0
if [ "$got" != "$want" ]; then
	echo "FAIL: outages differ; want:"
	echo "$want"
	fail=1
fi
# exactly one instability event, KP's, from 21 Dec until before the outage
inst=$(awk 'NR > 1 && $4 == "instability"' "$tmp/out")
if [ "$(echo "$inst" | grep -c .)" -ne 1 ] || [ "$(echo "$inst" | awk '{ print $2 }')" != country:KP ]; then
	echo "FAIL: want one instability event, for country:KP; got:"
	echo "$inst"
	fail=1
fi
start=$(echo "$inst" | awk '{ print $6 }') end=$(echo "$inst" | awk '{ print $7 }')
case "$start" in 2014-12-21T*) ;; *) echo "FAIL: instability starts $start, not on 21 Dec"; fail=1 ;; esac
if ! [[ "$end" > 2014-12-22T12:00:00Z && "$end" < 2014-12-22T16:15:21Z ]]; then
	echo "FAIL: instability ends $end, want the afternoon of 22 Dec before 16:15:21"
	fail=1
fi
# ... with a rising flap rate: positive trend, the last full hours well above the first
"$lightsout" events --db "$tmp/db" --entity country:KP --format json > "$tmp/json" || fail=1
jq -s -e '[.[] | select(.kind == "instability") | .detail] | length == 1 and (.[0] |
	.rising == true and .trend_per_hour > 0.5 and (.hourly[1:4] | add) * 4 < (.hourly[-6:-1] | add)
	and .prefixes == ["175.45.176.0/24","175.45.177.0/24","175.45.178.0/24","175.45.179.0/24"])' \
	"$tmp/json" > /dev/null ||
	{ echo "FAIL: instability detail:"; grep instability "$tmp/json"; fail=1; }
# the outage and the instability before it are one incident
jq -s -e '[.[] | select(.kind == "instability" or .start == "2014-12-22T16:15:21Z") | .incident]
	| length == 2 and .[0] == .[1]' "$tmp/json" > /dev/null ||
	{ echo "FAIL: instability and outage not linked into one incident"; fail=1; }
[ $fail -eq 0 ] && echo "ok: KP instability from $start (rising), the four expected outages, nothing else"
exit $fail
