#!/bin/bash
# check_serve_bmp.sh LIGHTSOUT DATA — the same time-compressed North Korea
# as check_serve_exabgp.sh, seen over BMP: ExaBGP (AS4837) peers with GoBGP
# (Debian's gobgpd, AS65001), and GoBGP reports its Adj-RIB-In pre-policy to
# `lightsout serve`'s BMP station.  The same events must come out: one KP
# outage within 1 s of the script's withdrawal and return, no outage for the
# flaps, the monitored peer known by its address and AS.  Loopback only
# (127.0.0.1, .3), ports above 1024, every process killed by PID.
set -uo pipefail
lightsout=$1 data=$2
here=$(cd "$(dirname "$0")" && pwd)
for b in exabgp gobgpd; do
	command -v $b > /dev/null || { echo "SKIP: $b is not installed"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-bmp.XXXXXX") || exit 1
serve_pid= exa_pid= gobgp_pid=
cleanup() {
	[ -n "$exa_pid" ] && { pkill -P "$exa_pid" 2> /dev/null; kill "$exa_pid" 2> /dev/null; }
	[ -n "$gobgp_pid" ] && kill "$gobgp_pid" 2> /dev/null
	[ -n "$serve_pid" ] && kill "$serve_pid" 2> /dev/null
	wait 2> /dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/lib.sh"
fail=0
bmp_port=$((20000 + $$ % 20000)) bgp_port=$((20001 + $$ % 20000))
apnic=$data/rir/ipzone__delegated-apnic-latest.2014-06-30.gz

cat > "$tmp/lo.ini" << EOF
[store]
path = $tmp/live.db
[geo]
source = rir:$apnic
[bmp]
listen = 127.0.0.1:$bmp_port
[detect]
bin = 1
window = 60
warmup = 4
min_duration = 2
EOF
"$lightsout" serve -c "$tmp/lo.ini" > "$tmp/serve.log" 2>&1 &
serve_pid=$!
sleep 0.5

cat > "$tmp/gobgpd.toml" << EOF
[global.config]
  as = 65001
  router-id = "198.18.0.3"
  port = $bgp_port
  local-address-list = ["127.0.0.3"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "127.0.0.1"
    peer-as = 4837
  [neighbors.transport.config]
    passive-mode = true
    local-address = "127.0.0.3"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
[[bmp-servers]]
  [bmp-servers.config]
    address = "127.0.0.1"
    port = $bmp_port
    route-monitoring-policy = "pre-policy"
EOF
gobgpd -f "$tmp/gobgpd.toml" -p -l warn --api-hosts "127.0.0.1:$((bgp_port + 1))" --pprof-disable \
	> "$tmp/gobgpd.log" 2>&1 &
gobgp_pid=$!
sleep 1
start_exabgp 127.0.0.3 "$bgp_port" 65001

wait_for out 40 || { echo "FAIL: the timeline did not reach the outage"; cat "$tmp/serve.log" "$tmp/gobgpd.log"; exit 1; }
latency=$(latency_of_outage "$tmp/live.db")
if [ -z "$latency" ]; then
	echo "FAIL: no outage event in the store within 3 s of the withdrawal"
	fail=1
else
	printf 'outage latency over BMP: %.3f s from the withdrawal to the event in the store\n' "$latency"
fi
wait_for done 20
stop_serve
grep -q "BMP router .* connected" "$tmp/serve.log" || { echo "FAIL: no BMP connection"; fail=1; }
check_kp_outage "$tmp/live.db"
# the monitored peer is ExaBGP's session: 127.0.0.1 AS4837
echo "$kp" | jq -e '.detail.first_withdrawal.peer == "127.0.0.1" and .detail.first_withdrawal.asn == 4837
	and (.detail.first_withdrawal.collector | startswith("bmp:"))' > /dev/null ||
	{ echo "FAIL: the withdrawing peer: $kp"; fail=1; }

if [ $fail -ne 0 ]; then
	echo "--- serve log"
	cat "$tmp/serve.log"
	echo "--- gobgpd"
	tail -20 "$tmp/gobgpd.log"
	cat "$tmp/times"
fi
[ $fail -eq 0 ] && echo "ok: the outage over BMP (GoBGP pre-policy), latency ${latency} s"
exit $fail
