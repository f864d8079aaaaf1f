#!/bin/bash
# check_flood_rtbh.sh LIGHTSOUT - hping3 floods, seen through softflowd
# (NetFlow v9), detected by `lightsout serve`, blackholed at a real BIRD 2.
#
# $NS_ATK (198.18.0.1) is the attacker and the upstream router: BIRD 2
# (AS 65001) there peers with serve's BGP listener in $NS_VIC
# (198.18.0.2:1179, AS 65000, [neighbor up] blackhole = yes, passive).
# softflowd exports veth-vic's traffic to serve (127.0.0.1:2055 in $NS_VIC;
# flows expire after 1 s).  [flow] attack_end = 3, hold = 2.
# Two floods at 198.18.0.2, one after the other, each bounded in count and
# time (hping3 -c, timeout):
#   1. TCP SYN to port 80, 9000 packets at ~2.5-5 kpps
#   2. UDP 100-byte datagrams to port 9999, 9000 packets at ~2.5-5 kpps
# Checked for each:
#   - the attack event on host:198.18.0.2 names the vector (tcp_syn, udp)
#     and the reason (syn_pps, udp_pps > 1000) and its peak_pps is within
#     20 % of the busiest second of the flood (dumpcap on veth-atk);
#   - BIRD gets 198.18.0.2/32 from serve with communities (65535,666)
#     (RFC 7999 BLACKHOLE) and (65535,65281) (NO_EXPORT) within 6 s of the
#     flood's first packet (softflowd expires flows after 1 s and checks
#     every 1 s);
#   - it is still there attack_end s after the flood's last packet, and
#     withdrawn by attack_end + hold + 6 s (exporter delay, end of second);
#   - serve stops cleanly: 0 malformed datagrams, and BIRD receives a
#     Cease (administrative shutdown) - not just the TCP connection closed.
set -u
source "$(dirname "$0")/lib.sh" "$1"
flow_need softflowd hping3 bird birdc jq bc dumpcap
ATTACK_END=3
HOLD=2

ns_setup
bgp="[bgp]
asn = 65000
router_id = 198.18.0.2
listen = 198.18.0.2:1179
[neighbor up]
address = 198.18.0.1
asn = 65001
passive = yes
blackhole = yes
hold_time = 30"
serve_ini s 2055 - "hold = $HOLD
[hostgroup web]
prefix = 198.18.0.2/32
syn_pps = 1000
udp_pps = 1000
blackhole = yes
$bgp"
start_serve s

cat >"$T/bird.conf" <<EOF
router id 198.18.0.1;
log "$T/bird.log" all;
protocol device { scan time 1; }
protocol bgp lightsout {
  local 198.18.0.1 port 1180 as 65001;
  neighbor 198.18.0.2 port 1179 as 65000;
  connect delay time 1;
  connect retry time 1;
  error wait time 1, 2;
  hold time 30;
  debug { states, events };
  ipv4 { import all; export none; };
}
EOF
bird -p -c "$T/bird.conf" >"$T/bird-parse.log" 2>&1 || die "bird config" "$T/bird-parse.log"
start_bg bird atk bird -f -c "$T/bird.conf" -s "$T/bird.ctl"
bc_() { birdc -s "$T/bird.ctl" "$@" 2>/dev/null; }
established() { bc_ show protocols lightsout | grep -q Established; }
wait_until 20 established || die "BGP session with BIRD not established" "$T/s.log" "$T/bird.log"
ok "BGP session BIRD (AS 65001) <-> serve (AS 65000) established after $SECONDS s"

start_softflowd sf 9 2055
# what softflowd sends, for a post-mortem of a wrong peak (lightsout flows)
start_bg expcap vic dumpcap -q -P -i lo -f "udp dst port 2055" -w "$T/export.pcap"
start_filler 200
exporters_ready

# the /32 in BIRD's table, with both communities
route_in() {
	local r
	r=$(bc_ show route 198.18.0.2/32 all)
	[[ $r == *"(65535,666)"* && $r == *"(65535,65281)"* ]]
}
route_gone() { ! bc_ show route 198.18.0.2/32 | grep -q '198.18.0.2/32'; }

# flood NAME VECTOR FILTER HPING-ARGS...: one flood and its checks; the
# truth is what dumpcap sees leave veth-atk (FILTER)
flood() {
	local name=$1 vec=$2 filter=$3 t0 t1 t_det t_rt ev n_ev peak t_end truth
	shift 3
	n_ev=$("$LIGHTSOUT" events --db "$T/s.db" --format json | grep -c '"kind":"attack"')
	start_bg "dumpcap-$name" atk dumpcap -q -P -B 32 -i veth-atk -f "$filter" -w "$T/$name.pcap"
	wait_until 5 grep -q "Capturing on" "$T/dumpcap-$name.log" || die "dumpcap did not start" "$T/dumpcap-$name.log"
	sleep 0.3
	# the flood in the background; meanwhile, watch BIRD's table
	start_bg "hping-$name" atk timeout 10 hping3 "$@" 198.18.0.2
	wait_until 15 route_in && t_rt=$(now) || t_rt=
	wait_until 12 bash -c "! kill -0 ${PID[hping-$name]} 2>/dev/null"
	stop "dumpcap-$name"
	# frames, most in one second, mean, first, last
	read -r -a truth < <("$PY" "$FLOW_DIR/pcap_tool.py" rate "$T/$name.pcap")
	echo "$name flood: ${truth[0]} packets, ${truth[2]} pps on average, ${truth[1]} in its busiest second, $(echo "${truth[4]} - ${truth[3]}" | bc | cut -c1-5) s (dumpcap)"
	t0=${truth[3]} t1=${truth[4]} # the first and the last packet
	[[ -n $t_rt ]] || { bad "$name: BIRD has no 198.18.0.2/32 with (65535,666) and (65535,65281)"; return; }
	new_event() { (($("$LIGHTSOUT" events --db "$T/s.db" --format json | grep -c '"kind":"attack"') > n_ev)); }
	wait_until 5 new_event || { bad "$name: no attack event"; return; }
	ev=$(attack_of "$T/s.db" 198.18.0.2)
	t_det=$(echo "$ev" | jq '(.start | fromdateiso8601) + .detail.detect_delay_ms / 1000')
	echo "$name: detected $(echo "$t_det - $t0" | bc | cut -c1-5) s, route in BIRD $(echo "$t_rt - $t0" | bc | cut -c1-5) s after the flood's first packet"
	echo "  BIRD: $(bc_ show route 198.18.0.2/32 all | grep -E 'via|community' | tr -s ' \n' ' ')"
	(($(echo "$t_rt - $t0 < 6" | bc))) || bad "$name: route in BIRD only $(echo "$t_rt - $t0" | bc) s after the flood's first packet"
	echo "$ev" | jq -e --arg v "$vec" '.detail.vectors == [$v] and .detail.reason == ($v | sub("tcp_";"")) + "_pps" and .detail.blackhole == true' >/dev/null &&
		ok "$name: $(echo "$ev" | jq -c '.detail | {vectors, reason, threshold, peak_pps, blackhole, detect_delay_ms}')" ||
		bad "$name: event $(echo "$ev" | jq -c '.detail | {vectors, reason, blackhole}'), want vectors [$vec], reason ${vec#tcp_}_pps, blackhole"
	# still there attack_end s after the last packet; gone by attack_end + hold + 6 s
	sleep "$(echo "$t1 + $ATTACK_END - $(now)" | bc)" 2>/dev/null
	route_in && ok "$name: route still in BIRD ${ATTACK_END} s after the flood's end" ||
		bad "$name: route withdrawn before attack_end (${ATTACK_END} s) after the flood's end"
	wait_until $((HOLD + 8)) route_gone || { bad "$name: route not withdrawn"; return; }
	t_end=$(now)
	echo "$name: route withdrawn $(echo "$t_end - $t1" | bc | cut -c1-5) s after the flood's end (attack_end $ATTACK_END + hold $HOLD)"
	(($(echo "$t_end - $t1 <= $ATTACK_END + $HOLD + 6" | bc))) || bad "$name: withdrawn too late"
	ev=$(attack_of "$T/s.db" 198.18.0.2)
	peak=$(echo "$ev" | jq .detail.peak_pps)
	echo "$name: attack $(echo "$ev" | jq -r '"\(.start) .. \(.end)"'), peak $peak pps vs ${truth[1]} sent in the busiest second"
	echo "$name: the attack counted $(echo "$ev" | jq .detail.packets) packets from its start (${truth[0]} sent in all)"
	if ! (($(echo "$peak >= ${truth[1]} * 0.8 && $peak <= ${truth[1]} * 1.2" | bc))); then
		bad "$name: peak_pps $peak not within 20 % of the busiest second's ${truth[1]} packets"
		per_second "$name" "$filter"
	fi
}

# per_second NAME FILTER: packets a second as sent (dumpcap on veth-atk) and
# as softflowd exported them (by each flow's last time, `lightsout flows -j`
# of the datagrams captured on lo so far)
per_second() {
	local proto=6
	[[ $2 == udp* ]] && proto=17
	echo "  sent a second:     $("$PY" "$FLOW_DIR/pcap_tool.py" seconds "$T/$1.pcap")"
	cp "$T/export.pcap" "$T/export-$1.pcap" 2>/dev/null
	echo "  exported a second: $("$LIGHTSOUT" flows -j "$T/export-$1.pcap" 2>/dev/null |
		jq -r --argjson p $proto 'select(.dst == "198.18.0.2" and .proto == $p) | "\(.last[11:19]) \(.packets)"' |
		awk '{ c[$1] += $2 } END { for (s in c) printf "%s:%d\n", s, c[s] }' | sort | tr '\n' ' ')"
}

flood syn tcp_syn "tcp dst port 80" -n -q -S -p 80 -i u200 -c 9000
flood udp udp "udp dst port 9999" -n -q --udp -s 20000 -p 9999 -d 100 -i u200 -c 9000

stop expcap
stop_serve s
echo "serve: $SUMMARY"
[[ $(summary_field malformed) == 0 ]] || bad "malformed datagrams from softflowd"
# BIRD logs a NOTIFICATION it receives as "Received: ..."
if wait_until 3 grep -q "Received: Administrative shutdown" "$T/bird.log"; then
	ok "BIRD: $(grep -o 'Received: Administrative shutdown.*' "$T/bird.log" | head -1)"
else
	bad "BIRD got no Cease when serve stopped (serve: \"$(grep -o 'Established -> Idle.*' "$T/s.log")\"; BIRD: \"$(grep -m1 -o 'lightsout: Connection closed' "$T/bird.log")\")"
fi
grep "blackhole" "$T/s.log" | sed 's/^/  serve: /'
report
