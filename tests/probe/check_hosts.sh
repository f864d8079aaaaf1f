#!/bin/bash
# check_hosts.sh LIGHTSOUT - `lightsout serve` probes real hosts in network
# namespaces while they go down and come back, and stores what it saw.
#
# $NS_P (the prober: serve runs there) has a veth pair to each of
#   a  198.18.20.2: hosts.py's HTTP server on :8080 (a page with "KCNA"), its
#      TCP listener on :9000, dnsmasq on :53 (example.test is 198.18.20.9)
#   b  198.18.20.6: nothing but the kernel (ICMP echo)
# and serve checks [probe icmp] icmp:198.18.20.6, [probe tcp]
# tcp:198.18.20.2:9000, [probe web] http://198.18.20.2:8080/ (expect KCNA,
# status 200) and [probe dns] dns:198.18.20.2/example.test, every 1 s,
# timeout 500 ms, 1 retry; bins of 1 s ([detect] bin = 1).
# Timeline (A: about 6 s after every probe was first up):
#   A+0   icmp: b's end of its link down     tcp: nft drops SYNs to :9000
#         web: the HTTP server stopped (RST)
#   A+2   dns: dnsmasq stopped (ICMP port unreachable)
#   A+7   icmp, tcp, web restored (the server with the right page)
#   A+9   dns restored
#   A+13  web: the page lacks "KCNA"         A+19 the page is right again
# Checked, with `lightsout events` and `series` once serve stopped:
#   - exactly these probe_down events (signal probe.up) per probe:NAME:
#     icmp 1 (why timeout), tcp 1 (timeout), web 2 (refused, then content),
#     dns 1 (refused or unreachable: the port unreachable's reading is the
#     engine's to choose); detail.target is the target as configured;
#   - each starts within [outage, outage + interval + (retries + 1) *
#     timeout + 1 s] and ends within [repair, repair + interval + 1 s];
#   - probe.up is 0 in every bin within an outage (after its first 0.5 s,
#     and before the last check that could reach past the repair) and 1 in
#     every bin outside them; each outage has a 0 bin;
#   - serve stops cleanly (exit 0).
set -u
source "$(dirname "$0")/lib.sh" "$1"
probe_need nft dnsmasq
INTERVAL=1 TIMEOUT=500 RETRIES=1
START_SLACK=$(echo "$INTERVAL + ($RETRIES + 1) * $TIMEOUT / 1000 + 1" | bc -l)
END_SLACK=$((INTERVAL + 1))

ns_prober
ns_host a 198.18.20.1 198.18.20.2
ns_host b 198.18.20.5 198.18.20.6
start_http web a 198.18.20.2 8080
start_tcp tcp a 198.18.20.2 9000
start_dns dns a 198.18.20.2
# the fixtures answer before serve starts
hpy ping 198.18.20.6 1000 >/dev/null || die "198.18.20.6 does not answer pings"
from_p curl -sf -m 2 http://198.18.20.2:8080/ | grep -q KCNA || die "no page from 198.18.20.2:8080"
[[ $(hpy dns 198.18.20.2 example.test) == "rcode 0 answers 1 198.18.20.9" ]] ||
	die "dnsmasq on 198.18.20.2 does not answer"

probes=""
for p in "icmp icmp:198.18.20.6" "tcp tcp:198.18.20.2:9000" "web http://198.18.20.2:8080/" \
	"dns dns:198.18.20.2/example.test"; do
	probes+="[probe ${p%% *}]
target = ${p#* }
interval = $INTERVAL
timeout = $TIMEOUT
retries = $RETRIES
"
	[[ $p == web* ]] && probes+="expect = KCNA
expect_status = 200
entity = country:KP
"
done
serve_ini s "[prober]
rate = 100
burst = 20
sweep = 86400
[detect]
bin = 1
$probes"
start_serve s

all_up() {
	local n
	for n in icmp tcp web dns; do grep -q "probe $n: up" "$T/s.log" || return 1; done
}
wait_until 10 all_up || die "not every probe was up within 10 s" "$T/s.log"
ok "every probe up $(echo "$(now) - $SERVE_T0" | bc | cut -c1-4) s after serve started"
A=$(echo "$(now) + 6" | bc)

sleep_until "$A"
act icmp_down link b down
act tcp_down nft_drop a tcp dport 9000
act web_down stop web
sleep_until "$(echo "$A + 2" | bc)"
act dns_down stop dns
sleep_until "$(echo "$A + 7" | bc)"
act icmp_up link b up
act tcp_up nft_flush a
act web_up start_http web a 198.18.20.2 8080
sleep_until "$(echo "$A + 9" | bc)"
act dns_up start_dns dns a 198.18.20.2
sleep_until "$(echo "$A + 13" | bc)"
act web_wrong page web "<html><body>Rodong Sinmun</body></html>"
sleep_until "$(echo "$A + 19" | bc)"
act web_right page web "<html><body>KCNA Watch</body></html>"
sleep_until "$(echo "$A + 19 + $END_SLACK + 1" | bc)"
kill -0 "${PID[s]}" 2>/dev/null || die "serve died" "$T/s.log"
stop_serve s
grep -E "probe [a-z]+: (down|up again)|probe: [0-9]+ checks" "$T/s.log" | sed 's/^/  serve: /'

# events NAME COUNT: the probe_down events of probe:NAME, COUNT of them
# wanted; the list in EVS (one JSON object a line)
events() {
	local n
	EVS=$(probe_events "$T/s.db" "probe:$1")
	n=$(echo -n "$EVS" | grep -c .)
	if [[ $n != "$2" ]]; then
		bad "probe:$1: $n probe_down events, want $2"
		echo "$EVS" | sed 's/^/  /'
		return 1
	fi
	echo "$EVS" | jq -e --arg t "$3" '.detail.target == $t and (.detail.detail | length > 0)' >/dev/null ||
		bad "probe:$1: detail.target is not \"$3\", or detail.detail is empty"
}

"$LIGHTSOUT" events --db "$T/s.db" >"$T/events.txt" 2>&1 || bad "lightsout events failed: $(cat "$T/events.txt")"
if events icmp 1 icmp:198.18.20.6; then
	check_event "$EVS" timeout icmp_down "$START_SLACK" icmp_up "$END_SLACK"
fi
if events tcp 1 tcp:198.18.20.2:9000; then
	check_event "$EVS" timeout tcp_down "$START_SLACK" tcp_up "$END_SLACK"
fi
if events web 2 http://198.18.20.2:8080/; then
	check_event "$(echo "$EVS" | sed -n 1p)" refused web_down "$START_SLACK" web_up "$END_SLACK"
	check_event "$(echo "$EVS" | sed -n 2p)" content web_wrong "$START_SLACK" web_right "$END_SLACK"
fi
if events dns 1 dns:198.18.20.2/example.test; then
	check_event "$EVS" "refused|unreachable" dns_down "$START_SLACK" dns_up "$END_SLACK"
fi
n=$("$LIGHTSOUT" events --db "$T/s.db" --format json | jq -s 'map(select(.kind == "probe_down")) | length')
[[ $n == 5 ]] || bad "$n probe_down events in all, want 5"
((FAIL)) || ok "5 probe_down events, each with the right why, start and end"

TAIL=$(echo "$RETRIES * $TIMEOUT / 1000" | bc -l)
check_series "$T/s.db" probe:icmp probe.up 1 0.5 "$TAIL" 0 icmp_down icmp_up
check_series "$T/s.db" probe:tcp probe.up 1 0.5 "$TAIL" 0 tcp_down tcp_up
check_series "$T/s.db" probe:web probe.up 1 0.5 "$TAIL" 0 web_down web_up web_wrong web_right
check_series "$T/s.db" probe:dns probe.up 1 0.5 "$TAIL" 0 dns_down dns_up
report
