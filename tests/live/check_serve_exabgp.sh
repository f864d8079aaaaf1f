#!/bin/bash
# check_serve_exabgp.sh LIGHTSOUT DATA — `lightsout serve` peers with ExaBGP
# (Debian's exabgp) on loopback and sees a time-compressed North Korea:
# ExaBGP (AS4837) announces the four KP /24s and 200 other prefixes, flaps
# the KP /24s four times for 0.5 s, withdraws them (the outage) and announces
# them again 8 s later (tests/live/nk_timeline.py writes the times).
# Checks:
#   - the outage event is in the store within 1 s of the withdrawal (latency,
#     measured by polling `lightsout events` against the live store);
#   - its start and end match the script's withdrawal and return within 1 s;
#   - the 0.5 s flaps raised no outage; nothing for other countries;
#   - SIGTERM stops serve cleanly (exit 0, CEASE to ExaBGP);
#   - the MRT archive serve wrote is read by bgpdump and by `lightsout
#     replay`, which finds the same outage;
#   - a probe linked to country:KP (tcp to a local listener, `entity =
#     country:KP`) goes down before the withdrawal: the BGP outage joins
#     the probe's incident (the daemon's incident hint).
# Loopback only (127.0.0.1, 127.0.0.2), a port above 1024; every process is
# killed by PID on exit; every wait is bounded.
set -uo pipefail
lightsout=$1 data=$2
here=$(cd "$(dirname "$0")" && pwd)
command -v exabgp > /dev/null || { echo "SKIP: exabgp is not installed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-live.XXXXXX") || exit 1
serve_pid= exa_pid= lis_pid=
cleanup() {
	[ -n "$exa_pid" ] && { pkill -P "$exa_pid" 2> /dev/null; kill "$exa_pid" 2> /dev/null; }
	[ -n "$lis_pid" ] && kill "$lis_pid" 2> /dev/null
	[ -n "$serve_pid" ] && kill "$serve_pid" 2> /dev/null
	wait 2> /dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/lib.sh"
fail=0
port=$((20000 + $$ % 20000))
apnic=$data/rir/ipzone__delegated-apnic-latest.2014-06-30.gz

cat > "$tmp/lo.ini" << EOF
[store]
path = $tmp/live.db
[geo]
source = rir:$apnic
[bgp]
asn = 65000
router_id = 198.18.0.1
listen = 127.0.0.2:$port
mrt_dir = $tmp/mrt
[neighbor exa]
address = 127.0.0.1
asn = 4837
passive = yes
[detect]              ; time-compressed: 1 s bins, a minute of baseline
bin = 1
window = 60
warmup = 4
min_duration = 2
[probe kcna]          ; a service in KP: a local listener, stopped before the outage
target = tcp:127.0.0.1:$((port + 1))
interval = 1
timeout = 300
retries = 0
entity = country:KP
EOF
# the probe's target: accepts and closes connections until killed (at most 120 s)
timeout 120 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, _ = s.accept(); c.close()
' $((port + 1)) &
lis_pid=$!
"$lightsout" serve -c "$tmp/lo.ini" -n > /dev/null || { echo "FAIL: serve -n"; exit 1; }
"$lightsout" serve -c "$tmp/lo.ini" > "$tmp/serve.log" 2>&1 &
serve_pid=$!

sleep 0.5
start_exabgp 127.0.0.2 "$port" 65000

# the probe's target stops answering 4 s after the announcements, well
# before the flaps and the withdrawal
wait_for announced 20 && sleep 4
kill "$lis_pid" 2> /dev/null
wait "$lis_pid" 2> /dev/null
lis_pid=

# the withdrawal (within 40 s), then the live store polled for the event
wait_for out 40 || { echo "FAIL: the timeline did not reach the outage"; cat "$tmp/serve.log" "$tmp/exa.out"; exit 1; }
latency=$(latency_of_outage "$tmp/live.db")
if [ -z "$latency" ]; then
	echo "FAIL: no outage event in the store within 3 s of the withdrawal"
	fail=1
else
	printf 'outage latency: %.3f s from the withdrawal to the event in the store\n' "$latency"
	(($(echo "$latency <= 1.0" | bc -l))) || { echo "FAIL: latency over 1 s"; fail=1; }
fi
wait_for done 20
stop_serve
grep -q "Established -> Idle: closed: cease/administrative shutdown" "$tmp/serve.log" ||
	{ echo "FAIL: no CEASE to the neighbor at stop"; fail=1; }
check_kp_outage "$tmp/live.db"
# the probe went down first; the BGP outage joined its incident
pd=$("$lightsout" events --db "$tmp/live.db" --entity probe:kcna --format json | head -1)
echo "$pd" | jq -e '.kind == "probe_down" and .detail.why == "refused"' > /dev/null ||
	{ echo "FAIL: no probe_down event of probe:kcna: $pd"; fail=1; }
pinc=$(echo "$pd" | jq -r .incident) kinc=$(echo "$kp" | jq -r .incident)
pstart=$(date -u -d "$(echo "$pd" | jq -r .start)" +%s 2> /dev/null)
((${pstart:-0} < $(time_of out | cut -d. -f1))) ||
	{ echo "FAIL: the probe went down at ${pstart:-?}, not before the withdrawal"; fail=1; }
[ -n "$pinc" ] && [ "$pinc" = "$kinc" ] && echo "ok: KP's outage joined the probe's incident $pinc" ||
	{ echo "FAIL: probe_down in incident $pinc, KP's outage in $kinc"; fail=1; }

# the archive: bgpdump reads it, replay finds the same outage
files=$(ls "$tmp"/mrt/UPDATES/updates.*.gz 2> /dev/null)
[ -n "$files" ] || { echo "FAIL: no MRT archive written"; fail=1; }
w=$(for f in $files; do bgpdump -m "$f" 2> /dev/null; done | grep -c '|W|.*|175\.45\.17[6-9]\.0/24$')
[ "$w" -eq 20 ] || { echo "FAIL: bgpdump finds $w KP withdrawals in the archive, want 20"; fail=1; }
"$lightsout" replay -c "$tmp/lo.ini" --db "$tmp/replay.db" --entity country:KP "$tmp/mrt" \
	> "$tmp/replay.out" 2> "$tmp/replay.err"
read -r _ _ _ kind _ rstart rend _ <<< "$(grep ' country:KP ' "$tmp/replay.out" | grep outage)"
lstart=$(echo "$kp" | jq -r .start) lend=$(echo "$kp" | jq -r .end)
[ "$kind $rstart $rend" = "outage $lstart $lend" ] ||
	{ echo "FAIL: replay of the archive: $(cat "$tmp/replay.out")"; fail=1; }

if [ $fail -ne 0 ]; then
	echo "--- serve log"
	cat "$tmp/serve.log"
	echo "--- exabgp"
	tail -20 "$tmp/exa.out"
	cat "$tmp/times"
fi
[ $fail -eq 0 ] && echo "ok: live outage from ExaBGP, latency ${latency} s, archive replays the same"
exit $fail
