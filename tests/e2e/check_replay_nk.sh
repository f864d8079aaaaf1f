#!/bin/bash
# check_replay_nk.sh LIGHTSOUT NK_ARCHIVE RIR_DIR — write the North-Korea-like
# archive (tests/e2e/nk_archive.c), replay it with the 2014 APNIC delegated
# file as geography, and check the events: exactly one event for country:KP,
# an outage from 2014-12-22T16:15:21Z to 2014-12-23T01:46:18Z printed as
# 9h31m, baseline 4, min 0; and nothing for the peer-0 session reset at
# 10:00:07 (no other event at all).
set -uo pipefail
lightsout=$1 mk=$2 rir=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-nk.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

"$mk" "$tmp/rv" || { echo "FAIL: nk_archive"; exit 1; }
"$lightsout" replay --db "$tmp/nk.db" --geo "rir:$rir/ipzone__delegated-apnic-latest.2014-06-30.gz" \
	--entity country:KP --entity asn:131279 "$tmp/rv" > "$tmp/out" 2> "$tmp/err"
rc=$?
cat "$tmp/out"
if [ $rc -ne 0 ]; then
	echo "FAIL: replay exited $rc"
	cat "$tmp/err"
	exit 1
fi
fail=0
for entity in country:KP asn:131279; do
	n=$(grep -c " $entity " "$tmp/out")
	line=$(grep " $entity " "$tmp/out")
	if [ "$n" -ne 1 ]; then
		echo "FAIL: $n events for $entity, want 1"
		fail=1
		continue
	fi
	read -r _ _ signal kind severity start end duration baseline min _ <<< "$line"
	[ "$signal" = bgp.visible_slash24 ] || { echo "FAIL: signal $signal"; fail=1; }
	[ "$kind" = outage ] || { echo "FAIL: kind $kind"; fail=1; }
	[ "$severity" = critical ] || { echo "FAIL: severity $severity"; fail=1; }
	[ "$start" = 2014-12-22T16:15:21Z ] || { echo "FAIL: start $start"; fail=1; }
	[ "$end" = 2014-12-23T01:46:18Z ] || { echo "FAIL: end $end"; fail=1; }
	[ "$duration" = 9h31m ] || { echo "FAIL: duration $duration"; fail=1; }
	[ "$baseline" = 4 ] || { echo "FAIL: baseline $baseline"; fail=1; }
	[ "$min" = 0 ] || { echo "FAIL: min $min"; fail=1; }
done
# the distractor (one peer's session reset) raised nothing anywhere
others=$(grep -cvE " (country:KP|asn:131279) |^id " "$tmp/out")
if [ "$others" -ne 0 ]; then
	echo "FAIL: unexpected events:"
	grep -vE " (country:KP|asn:131279) |^id " "$tmp/out"
	fail=1
fi
# the series are in the store: 4 visible /24s before, 0 during
# and the other signals, by hand: 6 peers x 4 KP /24s withdrawn in the 16:15
# bin and announced again in the 01:45 bin; peer 0's session reset takes its
# 4 KP routes down in the 10:00 bin and brings them back (4 flaps) at 10:05
sig() { # ENTITY SIGNAL BIN_START -> value, or "-" when the bin has no row
	local v
	v=$(sqlite3 "$tmp/nk.db" "SELECT s.value FROM series s JOIN entity e ON e.id = s.entity
		WHERE e.spec = '$1' AND s.signal = '$2' AND s.bin_start = $3")
	echo "${v:--}"
}
while read -r entity signal bin want; do
	got=$(sig "$entity" "$signal" "$bin")
	[ "$got" = "$want" ] || { echo "FAIL: $entity $signal bin $bin = $got, want $want"; fail=1; }
done <<'EOT'
country:KP bgp.visible_slash24 1419264000 4.0
country:KP bgp.visible_slash24 1419264900 0.0
country:KP bgp.prefixes 1419264000 4.0
country:KP bgp.prefixes 1419264900 0.0
country:KP bgp.origin_asns 1419264000 1.0
country:KP bgp.origin_asns 1419264900 0.0
asn:131279 bgp.prefixes 1419264000 4.0
country:KP bgp.withdrawals 1419264900 24.0
country:KP bgp.withdrawals 1419264600 -
country:KP bgp.announcements 1419299100 24.0
country:KP bgp.withdrawals 1419242400 4.0
country:KP bgp.announcements 1419242700 4.0
country:KP bgp.flaps 1419242700 4.0
country:KP bgp.flaps 1419299100 -
country:KP bgp.visibility_flaps 1419242700 -
EOT
# lightsout events / series read the same store
ev=$("$lightsout" events --db "$tmp/nk.db" --entity country:KP --format json)
echo "$ev" | grep -q '"start":"2014-12-22T16:15:21Z","end":"2014-12-23T01:46:18Z","duration_s":34257' ||
	{ echo "FAIL: events --format json: $ev"; fail=1; }
for want in '"upstreams_lost":[4837]' '"prefixes_lost_count":4' '"full_feed_peers_lost_share":1.00' \
	'"peers_withdrawing":6' '"time":"2014-12-22T16:15:21Z"}}' \
	'"prefixes_lost":["175.45.176.0/24","175.45.177.0/24","175.45.178.0/24","175.45.179.0/24"]'; do
	echo "$ev" | grep -qF "$want" || { echo "FAIL: event detail lacks $want: $ev"; fail=1; }
done
ser=$("$lightsout" series --db "$tmp/nk.db" --entity country:KP --from 2014-12-22T16:00:00Z \
	--until 2014-12-22T16:30:00Z --format csv)
want=$'time,value\n2014-12-22T16:00:00Z,4\n2014-12-22T16:05:00Z,4\n2014-12-22T16:10:00Z,4
2014-12-22T16:15:00Z,0\n2014-12-22T16:20:00Z,0\n2014-12-22T16:25:00Z,0'
[ "$ser" = "$want" ] || { echo "FAIL: series: $ser"; fail=1; }
# a group from a config file: the same outage, binned as [detect] says
cat > "$tmp/kp.ini" <<'EOC'
[store]
path = ignored-when-db-given.db
[entity kp]            ; North Korea's routed space and its AS
prefix = 175.45.176.0/22
asn = 131279
[detect]
bin = 600
EOC
"$lightsout" replay -c "$tmp/kp.ini" --db "$tmp/g.db" \
	--geo "rir:$rir/ipzone__delegated-apnic-latest.2014-06-30.gz" --entity group:kp "$tmp/rv" \
	> "$tmp/gout" 2> "$tmp/gerr" || { echo "FAIL: replay -c"; cat "$tmp/gerr"; fail=1; }
read -r _ entity _ kind _ start end duration _ <<< "$(grep ' group:kp ' "$tmp/gout")"
[ "$entity $kind $start $end $duration" = \
	"group:kp outage 2014-12-22T16:15:21Z 2014-12-23T01:46:18Z 9h31m" ] ||
	{ echo "FAIL: group:kp: $(cat "$tmp/gout")"; fail=1; }
[ "$(grep -c . "$tmp/gout")" -eq 2 ] || { echo "FAIL: other events with -c"; fail=1; }
bins=$(sqlite3 "$tmp/g.db" "SELECT COUNT(*) FROM series s JOIN entity e ON e.id = s.entity
	WHERE e.spec = 'group:kp' AND s.signal = 'bgp.visible_slash24' AND s.bin_start % 600 != 0")
[ "$bins" = 0 ] || { echo "FAIL: [detect] bin = 600 not applied"; fail=1; }
"$lightsout" replay -c "$tmp/kp.ini" --entity group:nope "$tmp/rv" > /dev/null 2>&1
[ $? -eq 1 ] || { echo "FAIL: an unknown group is not a usage error"; fail=1; }
# an event of another source already in the store (a probe's blocks of KP
# going down at 16:14, as `lightsout serve` stores them): the BGP outage
# opening at 16:15:21 joins its incident; asn:131279's outage does not (another
# entity), and a probe event that ended more than an hour before links nothing
cp "$tmp/nk.db" "$tmp/p.db"
sqlite3 "$tmp/p.db" "DELETE FROM event;
	INSERT INTO event (id, entity, signal, kind, severity, start, end, baseline, min, score,
	  detail, incident) VALUES
	(100, (SELECT id FROM entity WHERE spec = 'country:KP'), 'probe.up_blocks', 'probe_down',
	 'critical', 1419264840, NULL, 4, 0, 0, '{}', 100),
	(90, (SELECT id FROM entity WHERE spec = 'asn:131279'), 'probe.up_blocks', 'probe_down',
	 'critical', 1419250000, 1419250100, 4, 0, 0, '{}', 90);" ||
	{ echo "FAIL: seeding probe events"; fail=1; }
"$lightsout" replay --db "$tmp/p.db" --geo "rir:$rir/ipzone__delegated-apnic-latest.2014-06-30.gz" \
	--entity country:KP --entity asn:131279 "$tmp/rv" > /dev/null 2> "$tmp/perr" ||
	{ echo "FAIL: replay into a store with probe events"; cat "$tmp/perr"; fail=1; }
inc=$(sqlite3 "$tmp/p.db" "SELECT e.kind || ' ' || e.incident FROM event e JOIN entity n ON n.id = e.entity
	WHERE e.signal = 'bgp.visible_slash24' ORDER BY n.spec")
[ "$inc" = $'outage 102\noutage 100' ] && [ "$(sqlite3 "$tmp/p.db" "SELECT id FROM event e
	WHERE signal = 'bgp.visible_slash24' AND incident = id")" = 102 ] ||
	{ echo "FAIL: incidents of the BGP outages with probe events stored: $inc"; fail=1; }
[ $fail -eq 0 ] && echo "ok: North Korea outage 16:15:21 -> 01:46:18 (9h31m), no false event"
exit $fail
