#!/bin/bash
# check_serve_metrics.sh LIGHTSOUT — the daemon's HTTP side: `lightsout serve`
# with [http] listen, a [flow] collector and a passive BGP neighbor (which
# never connects) on loopback.  Synthetic NetFlow (tests/live/flow_sender.py)
# and garbage datagrams arrive; then:
#   - /api/v1/status says mode "serve" and carries the daemon's members
#     (bgp: the neighbor and its state, bmp, flow: datagrams, records,
#     malformed; feed, rib, watch);
#   - /metrics has the daemon's families with the counts sent (datagrams by
#     protocol, records, malformed flow inputs, BGP neighbors by state) next
#     to the store's and the server's, and passes `promtool check metrics`;
#   - the API answers (events, entities) from the live store;
#   - SIGTERM stops the daemon cleanly (status 0).
# Exits 77 (skip) when everything else passed but promtool is missing.
set -uo pipefail
lightsout=$1
here=$(cd "$(dirname "$0")" && pwd)
sender=$here/../live/flow_sender.py
for t in curl jq python3; do
	command -v $t > /dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-http-serve.XXXXXX") || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}

# free ports: try a few random ones until serve starts
for attempt in 1 2 3 4 5; do
	base=$((21000 + RANDOM % 20000))
	http=$base flow=$((base + 1)) bgp=$((base + 2))
	cat > "$tmp/lo.ini" << EOF
[http]
listen = 127.0.0.1:$http
[flow]
listen = 127.0.0.1:$flow
exporter = 127.0.0.1
[hostgroup web]
prefix = 198.18.0.0/24
pps = 100000000
[bgp]
asn = 65000
router_id = 198.18.0.1
listen = 127.0.0.1:$bgp
[neighbor rv1]
address = 127.0.0.1
asn = 4837
passive = yes
[detect]
bin = 60
EOF
	"$lightsout" serve -c "$tmp/lo.ini" --db "$tmp/live.db" --no-web > "$tmp/serve.log" 2>&1 &
	pid=$!
	# up to 60 s (the geo database loads first; slow under the sanitizers)
	for _ in $(seq 600); do
		grep -q 'running' "$tmp/serve.log" && break
		kill -0 $pid 2> /dev/null || break
		sleep 0.1
	done
	grep -q 'running' "$tmp/serve.log" && break
	kill $pid 2> /dev/null # exited (a port in use?), or never started: try others
	wait $pid 2> /dev/null
	pid=
done
[ -n "$pid" ] || { echo "FAIL: serve did not start"; cat "$tmp/serve.log"; exit 1; }
url=http://127.0.0.1:$http
C=(curl -s --max-time 10)

python3 "$sender" v5-syn "$flow" 2 2000 > "$tmp/sent" || bad "flow_sender v5-syn"
python3 "$sender" garbage "$flow" 1 100 > "$tmp/garbage" || bad "flow_sender garbage"
sent=$(awk '$1 == "total" { print $3 }' "$tmp/sent")
echo "sent $sent NetFlow v5 datagrams and some garbage"
sleep 1.5 # the daemon's snapshot is remade every second

"${C[@]}" "$url/api/v1/status" > "$tmp/status" || bad "status"
jq -e --argjson sent "${sent:-1}" '.mode == "serve" and .version == "0.1.0"
	and .bgp.neighbors[0].name == "rv1" and .bgp.neighbors[0].state == "Active"
	and .bgp.neighbors[0].asn == 4837 and .bgp.listeners == 1
	and .bmp.listening == false and .flow.datagrams >= $sent and .flow.netflow5 >= $sent
	and .flow.records > 0 and .flow.malformed > 0 and (.flow.listeners | length) == 1
	and .feed.records == 0 and .rib.peers == 0 and .store.path != null' "$tmp/status" > /dev/null ||
	bad "status: $(cat "$tmp/status")"

"${C[@]}" "$url/metrics" > "$tmp/metrics" || bad "metrics"
v5=$(sed -n 's/^lightsout_flow_datagrams_total{protocol="netflow5"} //p' "$tmp/metrics")
[ "${v5:-0}" -ge "${sent:-1}" ] || bad "metrics: netflow5 datagrams ${v5:-none} < $sent"
rec=$(sed -n 's/^lightsout_flow_records_total //p' "$tmp/metrics")
[ "${rec:-0}" -gt 0 ] || bad "metrics: flow records ${rec:-none}"
mal=$(sed -n 's/^lightsout_malformed_inputs_total{input="flow"} //p' "$tmp/metrics")
[ "${mal:-0}" -gt 0 ] || bad "metrics: malformed flow inputs ${mal:-none}"
grep -q '^lightsout_bgp_neighbors{state="Active"} 1$' "$tmp/metrics" || bad "metrics: BGP neighbors by state"
grep -q '^lightsout_bgp_neighbor_up{neighbor="rv1"} 0$' "$tmp/metrics" || bad "metrics: neighbor_up"
for m in lightsout_build_info lightsout_store_events lightsout_events_open lightsout_http_requests_total \
	lightsout_bgp_records_total lightsout_bgp_elems_total lightsout_rib_routes lightsout_rib_prefixes \
	lightsout_flow_kernel_drops_total lightsout_flow_denied_total lightsout_bmp_routers \
	lightsout_malformed_inputs_total lightsout_bgp_updates_received_total; do
	grep -q "^# TYPE $m " "$tmp/metrics" || bad "metrics: no $m"
done
grep -q '^lightsout_build_info{version="0.1.0",mode="serve"} 1$' "$tmp/metrics" || bad "metrics: build_info"
promtool=0
if command -v promtool > /dev/null; then
	promtool check metrics < "$tmp/metrics" > "$tmp/promtool" 2>&1 ||
		bad "promtool check metrics: $(cat "$tmp/promtool")"
	promtool=1
fi
echo "metrics: $v5 NetFlow v5 datagrams, $rec records, $mal malformed"

code=$("${C[@]}" -o "$tmp/body" -w '%{http_code}' "$url/api/v1/events")
[ "$code" = 200 ] && jq -e '.events | type == "array"' "$tmp/body" > /dev/null || bad "events: $code"
code=$("${C[@]}" -o "$tmp/body" -w '%{http_code}' "$url/")
[ "$code" = 404 ] || bad "no web root: GET / gave $code"

kill -TERM $pid
for _ in $(seq 100); do
	kill -0 $pid 2> /dev/null || break
	sleep 0.1
done
if kill -0 $pid 2> /dev/null; then
	bad "SIGTERM: still running after 10 s"
else
	wait $pid
	rc=$?
	[ $rc -eq 0 ] || bad "SIGTERM: exit status $rc"
fi
pid=
if grep -E -q 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/serve.log"; then
	bad "sanitizer report:"
	cat "$tmp/serve.log"
fi
[ $fail -eq 0 ] || { tail -20 "$tmp/serve.log"; exit 1; }
if [ $promtool -eq 0 ]; then
	echo "SKIP: promtool is not installed (Debian package prometheus); everything else passed"
	exit 77
fi
echo "ok: the daemon's status and metrics over HTTP, promtool clean"
