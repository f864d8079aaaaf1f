#!/bin/bash
# check_serve_flaps.sh LIGHTSOUT — 100 session resets, each with a malformed
# UPDATE (treat-as-withdraw, counted, no reset), then SIGHUP reloads: a minimal speaker
# (tests/live/bgp_flapper.py) connects to `lightsout serve`, announces 2,000
# prefixes and ends the session (a Cease NOTIFICATION or a dropped TCP
# connection, alternately), 100 times.  Every session must come up; the
# routes must go with each session (the store's last bin shows none left);
# serve's resident memory after the 100th round must be within 10 % (and
# 8 MB) of its level after the 10th; a SIGHUP with a neighbor added adds it,
# one with a broken file keeps the running config, one without the neighbor
# removes it; SIGTERM must stop it cleanly.  In the
# ASan build LeakSanitizer checks at exit: a leak fails the exit status.
set -uo pipefail
lightsout=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-flaps.XXXXXX") || exit 1
serve_pid=
cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2> /dev/null
	wait 2> /dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/lib.sh"
fail=0
port=$((20000 + $$ % 20000))
cat > "$tmp/lo.ini" << EOF
[store]
path = $tmp/live.db
[geo]
source = rir:$here/../data/rir/ipzone__delegated-apnic-latest.2014-06-30.gz
[bgp]
asn = 65000
router_id = 198.18.0.1
listen = 127.0.0.2:$port
[neighbor flapper]
address = 127.0.0.4
asn = 4837
passive = yes
EOF
"$lightsout" serve -c "$tmp/lo.ini" > "$tmp/serve.log" 2>&1 &
serve_pid=$!
sleep 0.5
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$serve_pid/status"; }
timeout 120 /usr/bin/python3 "$here/bgp_flapper.py" 127.0.0.2 "$port" 127.0.0.4 10 2000 > "$tmp/f1" ||
	{ echo "FAIL: the first 10 sessions"; tail -3 "$tmp/f1"; cat "$tmp/serve.log"; exit 1; }
sleep 0.5
rss10=$(rss)
timeout 300 /usr/bin/python3 "$here/bgp_flapper.py" 127.0.0.2 "$port" 127.0.0.4 90 2000 > "$tmp/f2" ||
	{ echo "FAIL: sessions 11-100"; tail -3 "$tmp/f2"; fail=1; }
sleep 0.5
rss100=$(rss)
echo "serve RSS after 10 sessions: $rss10 kB, after 100: $rss100 kB"
if [ "$rss100" -gt $((rss10 * 110 / 100 + 8192)) ]; then
	echo "FAIL: memory grew with the sessions"
	fail=1
fi
# SIGHUP: a neighbor added takes effect; a broken config is refused, the daemon goes on
cp "$tmp/lo.ini" "$tmp/good.ini"
printf '[neighbor extra]\naddress = 127.0.0.5\nasn = 64999\npassive = yes\n' >> "$tmp/lo.ini"
kill -HUP "$serve_pid"
sleep 0.5
grep -q "neighbor extra: added" "$tmp/serve.log" || { echo "FAIL: SIGHUP did not add the neighbor"; fail=1; }
echo "[nonsense" >> "$tmp/lo.ini"
kill -HUP "$serve_pid"
sleep 0.5
grep -q "keeping the running config" "$tmp/serve.log" || { echo "FAIL: a broken config was not refused"; fail=1; }
kill -0 "$serve_pid" || { echo "FAIL: serve died on a broken config"; fail=1; }
cp "$tmp/good.ini" "$tmp/lo.ini"
kill -HUP "$serve_pid"
sleep 0.5
grep -q "neighbor extra: removed from the config" "$tmp/serve.log" || { echo "FAIL: SIGHUP did not remove the neighbor"; fail=1; }
up=$(grep -c -- "-> Established" "$tmp/serve.log")
[ "$up" -eq 100 ] || { echo "FAIL: $up sessions established, want 100"; fail=1; }
stop_serve
# one malformed UPDATE per session: treat-as-withdraw, counted, no reset
grep -q "neighbor flapper (127.0.0.4): [0-9]* UPDATEs (.* 0 attribute-discard, 100 treat-as-withdraw, 0 session-reset), 100 sessions established" \
	"$tmp/serve.log" || { echo "FAIL: RFC 7606 counts: $(grep 'neighbor flapper (' "$tmp/serve.log")"; fail=1; }
# every session's routes went with it: the last stored bin has no visible KP /24
v=$(sqlite3 "$tmp/live.db" "SELECT s.value FROM series s JOIN entity e ON e.id = s.entity
	WHERE e.spec = 'country:KP' AND s.signal = 'bgp.visible_slash24'
	ORDER BY s.bin_start DESC LIMIT 1")
[ "${v:-0}" = 0.0 ] || [ -z "$v" ] || { echo "FAIL: KP still visible after the last session: $v"; fail=1; }
grep -q "LeakSanitizer" "$tmp/serve.log" && { echo "FAIL: leaks"; grep -A20 LeakSanitizer "$tmp/serve.log"; fail=1; }
[ $fail -eq 0 ] || tail -20 "$tmp/serve.log"
[ $fail -eq 0 ] && echo "ok: 100 session resets, memory $rss10 -> $rss100 kB, clean stop"
exit $fail
