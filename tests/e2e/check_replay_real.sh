#!/bin/bash
# check_replay_real.sh LIGHTSOUT DATA — replay real files (DATA = tests/data).
#
# 1. bgpdump__updates.et-header.2015.gz (RouteViews, 2015-10-23, one peer,
#    AS3856, 577,744 elems: a full table as updates) with the 2014 APNIC
#    delegated file as geography: North Korea's four /24s are visible, from
#    one origin, and the announcements counted for country:KP are exactly the
#    KP lines of bgpdump's own -m output (tests/data/mrt/expected).
# 2. The same file in a RIS-like directory next to a corrupt copy: the replay
#    reads the good file and what it can of the other, names the bad file and
#    its offset on stderr, exits 2, and KP is still there.
set -uo pipefail
lightsout=$1 data=$2
apnic=$data/rir/ipzone__delegated-apnic-latest.2014-06-30.gz
et=$data/mrt/bgpdump__updates.et-header.2015.gz
expected=$data/mrt/expected/bgpdump__updates.et-header.2015.gz.m.xz
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-real.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

q() { # DB SQL
	sqlite3 "$1" "$2"
}
series() { # DB ENTITY SIGNAL AGG -> AGG(value) over all bins
	q "$1" "SELECT $4(s.value) FROM series s JOIN entity e ON e.id = s.entity
		WHERE e.spec = '$2' AND s.signal = '$3'"
}

"$lightsout" replay --db "$tmp/a.db" --geo "rir:$apnic" --entity country:KP --entity asn:131279 \
	"$et" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: replay of $et exited $rc"; cat "$tmp/err"; fail=1; }
want_ann=$(xzcat "$expected" | awk -F'|' '$3 == "A" && $6 ~ /^175\.45\.17[6-9]\./' | wc -l)
[ "$want_ann" -eq 4 ] || { echo "FAIL: bgpdump's output has $want_ann KP announcements"; fail=1; }
while read -r entity signal agg want; do
	got=$(series "$tmp/a.db" "$entity" "$signal" "$agg")
	[ "$got" = "$want" ] || { echo "FAIL: $entity $signal $agg = $got, want $want"; fail=1; }
done <<EOF
country:KP bgp.visible_slash24 MAX 4.0
country:KP bgp.prefixes MAX 4.0
country:KP bgp.origin_asns MAX 1.0
asn:131279 bgp.visible_slash24 MAX 4.0
country:KP bgp.announcements SUM $want_ann.0
country:KP bgp.withdrawals SUM
EOF
# the whole table: every prefix of the one peer is visible
grep -q "577744 elems" "$tmp/err" || { echo "FAIL: elems:"; cat "$tmp/err"; fail=1; }

# 2. a corrupt file beside a good one
mkdir -p "$tmp/ris/rrc99"
cp "$et" "$tmp/ris/rrc99/updates.20151023.0200.gz"
zcat "$et" > "$tmp/plain"
# garble 64 bytes in the middle of the MRT stream, then compress again
size=$(stat -c %s "$tmp/plain")
printf '%64s' '' | tr ' ' '\377' | dd of="$tmp/plain" bs=1 seek=$((size / 2)) conv=notrunc 2> /dev/null
gzip -c "$tmp/plain" > "$tmp/ris/rrc99/updates.20151023.0215.gz"
"$lightsout" replay --db "$tmp/b.db" --geo "rir:$apnic" --entity country:KP "$tmp/ris" \
	> "$tmp/out2" 2> "$tmp/err2"
rc=$?
[ $rc -eq 2 ] || { echo "FAIL: replay of a directory with a corrupt file exited $rc, want 2"; fail=1; }
grep -q "updates.20151023.0215.gz.*offset\|updates.20151023.0215.gz:[0-9]" "$tmp/err2" ||
	{ echo "FAIL: the corrupt file is not named with its offset:"; cat "$tmp/err2"; fail=1; }
got=$(series "$tmp/b.db" country:KP bgp.visible_slash24 MAX)
[ "$got" = 4.0 ] || { echo "FAIL: KP after the corrupt file: $got"; fail=1; }
# both files were read: twice the good file's elems, less what the damage cost
n=$(grep -o '[0-9]* elems in' "$tmp/err2" | awk '{ print $1 }')
[ "${n:-0}" -gt 577744 ] || { echo "FAIL: only ${n:-0} elems read"; cat "$tmp/err2"; fail=1; }

[ $fail -eq 0 ] && echo "ok: real 2015 file: KP's four /24s visible; corrupt file reported, rest replayed"
exit $fail
