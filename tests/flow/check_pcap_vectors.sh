#!/bin/bash
# check_pcap_vectors.sh LIGHTSOUT DDOS_DIR - real attack captures, replayed
# through real exporters, are named right by `lightsout serve`.
#
# Every capture in DDOS_DIR (tests/data/ddos/*.pcap*) is made ours first:
# converted to pcap (editcap); cut to its first LIMIT (9000) IPv4 packets
# without ICMP and tunnels (ICMP errors and GRE carry inner IP headers whose
# addresses tcprewrite cannot rewrite; pcap_tool.py filter); the victim
# 10.10.10.10 mapped to 198.18.1.N and every other address into
# 198.19.0.0/16, Ethernet addresses set to the veth pair's, checksums fixed
# (tcprewrite); then checked to hold no other address (pcap_tool.py check).
# Each is replayed by tcpreplay from $NS_ATK onto the veth at RATE (3000)
# packets/s, one after the other, while four exporters capture veth-vic at
# the same time, each feeding its own `lightsout serve` (own port, store):
#   v9     softflowd NetFlow v9        -> 127.0.0.1:2101
#   ipfix  softflowd IPFIX             -> 127.0.0.1:2102
#   v5     fprobe NetFlow v5           -> 127.0.0.1:2103
#   sflow  pmacctd sfprobe sFlow 1:10  -> 127.0.0.1:2104 (an sFlow port)
# [hostgroup cap] 198.18.1.0/24, pps = 500.  Checked, for each capture and
# each exporter: an attack on 198.18.1.N is stored and its detail.vectors
# holds what the capture is (tshark and pcap_tool.py summary show it):
#   SYN-ACK reflection (85 % SYN-ACK, 13 % RST)     -> tcp_synack
#   SNMP responses from port 161 (all UDP)          -> amp_snmp
#   DNS RRSIG answers from port 53, fragmented,     -> amp_dns or fragment
#     with a TCP session to the victim (84 % of the bytes are the DNS
#     answers and their fragments, 29 % of the packets)
#   spoofed SYN flood (all SYN)                     -> tcp_syn
# and each serve stops cleanly having counted 0 malformed datagrams.  When
# a vector is wrong, what that exporter sent about the victim is shown:
# the export datagrams are captured on $NS_VIC's lo (dumpcap) and decoded
# with `lightsout flows -j`.
set -u
source "$(dirname "$0")/lib.sh" "$1"
DDOS=${2:?usage: $0 LIGHTSOUT DDOS_DIR}
flow_need editcap tcprewrite tcpreplay softflowd fprobe pmacctd
RATE=${RATE:-3000}
LIMIT=${LIMIT:-9000}

# expected vector(s) by capture name (a regexp over detail.vectors joined by ",")
want_of() {
	case "$1" in
	*SYNACK*) echo 'tcp_synack' ;;
	*snmp*) echo 'amp_snmp' ;;
	*dns*RRSIG*) echo 'amp_dns|fragment' ;;
	*synflood*) echo 'tcp_syn([^a]|$)' ;;
	*) echo '' ;;
	esac
}

# ---- the captures, made ours
caps=()
n=0
for f in "$DDOS"/*.pcap*; do
	[[ -f $f ]] || continue
	n=$((n + 1))
	b=$(basename "$f")
	[[ -n $(want_of "$b") ]] || die "no expected vector known for $b"
	editcap -F pcap "$f" "$T/conv$n.pcap" >/dev/null 2>&1 || die "editcap cannot convert $b"
	kept=$("$PY" "$FLOW_DIR/pcap_tool.py" filter "$T/conv$n.pcap" "$T/in$n.pcap" "$LIMIT") ||
		die "pcap_tool filter $b"
	tcprewrite -i "$T/in$n.pcap" -o "$T/cap$n.pcap" \
		--srcipmap=10.10.10.10/32:198.18.1.$n/32,0.0.0.0/0:198.19.0.0/16 \
		--dstipmap=10.10.10.10/32:198.18.1.$n/32,0.0.0.0/0:198.19.0.0/16 \
		--enet-dmac=02:00:00:00:00:02 --enet-smac=02:00:00:00:00:01 --fixcsum \
		>"$T/tcprewrite$n.log" 2>&1 || die "tcprewrite $b" "$T/tcprewrite$n.log"
	# nothing of the original addresses is left
	read -r pk foreign < <("$PY" "$FLOW_DIR/pcap_tool.py" check "$T/cap$n.pcap" 198.18.0.0/15)
	[[ $pk -eq $kept && $foreign -eq 0 ]] ||
		die "$b: $pk packets ($kept wanted), $foreign addresses outside 198.18.0.0/15 after tcprewrite"
	caps+=("$b")
	echo "capture $n: $b -> 198.18.1.$n, want $(want_of "$b"); $("$PY" "$FLOW_DIR/pcap_tool.py" summary "$T/cap$n.pcap")"
done
((n > 0)) || skip "no captures in $DDOS"
echo "captures ready after $SECONDS s"

ns_setup
ip -n "$NS_ATK" link set veth-atk mtu 9000 # some captured frames are GRO'd (6 kB)
ip -n "$NS_VIC" link set veth-vic mtu 9000
ip -n "$NS_ATK" link set veth-atk address 02:00:00:00:00:01
ip -n "$NS_VIC" link set veth-vic address 02:00:00:00:00:02

groups="[hostgroup cap]
prefix = 198.18.1.0/24
pps = 500"
modes=(v9 ipfix v5 sflow)
serve_ini v9 2101 - "$groups"
serve_ini ipfix 2102 - "$groups"
serve_ini v5 2103 - "$groups"
serve_ini sflow - 2104 "$groups"
for m in "${modes[@]}"; do start_serve "$m"; done
start_softflowd x-v9 9 2101
start_softflowd x-ipfix 10 2102
start_fprobe x-v5 2103
start_sfprobe x-sflow 2104 10
start_filler 120
# the export datagrams themselves, for a post-mortem (`lightsout flows`)
if command -v dumpcap >/dev/null; then
	start_bg dumpcap vic dumpcap -q -P -i lo -f "udp and dst portrange 2101-2104" -w "$T/export.pcap"
fi
exporters_ready
for m in "${modes[@]}"; do
	kill -0 "${PID[x-$m]}" 2>/dev/null || die "exporter $m died" "$T/x-$m.log"
done

# ---- replay, one capture after the other
t_replay=$SECONDS
for ((i = 1; i <= n; i++)); do
	atk timeout 20 tcpreplay -q -i veth-atk --pps="$RATE" --limit="$LIMIT" "$T/cap$i.pcap" \
		>"$T/tcpreplay$i.log" 2>&1 || bad "tcpreplay cap$i: $(tail -2 "$T/tcpreplay$i.log")"
	echo "replayed capture $i: $(grep -o 'Actual: [0-9]* packets[^)]*)' "$T/tcpreplay$i.log")"
	sleep 1
done
echo "replays took $((SECONDS - t_replay)) s"

# ---- every exporter's serve names every capture's vector
for ((i = 1; i <= n; i++)); do
	for m in "${modes[@]}"; do
		wait_until 15 _has_attack "$T/$m.db" 198.18.1.$i
	done
done
stop dumpcap
declare -A port=([v9]=2101 [ipfix]=2102 [v5]=2103 [sflow]=2104)

# why MODE HOST: what the exporter sent about HOST (from the capture of the
# export datagrams on lo, decoded by `lightsout flows -j`): records and
# packets by protocol, TCP flags, UDP source port (53, 0 or other) and the
# fragment flag, with their share of packets and bytes
why() {
	[[ -s $T/export.pcap ]] && command -v tshark >/dev/null || return
	tshark -r "$T/export.pcap" -Y "udp.dstport == ${port[$1]}" -w "$T/why.pcap" -F pcap >/dev/null 2>&1 || return
	echo "    what $1 exported for $2 (lightsout flows -j of the captured datagrams):"
	"$LIGHTSOUT" flows -j "$T/why.pcap" 2>/dev/null | jq -r --arg h "$2" 'select(.dst == $h) |
		"\(.proto) flags=\(.tcp_flags) sport=\(if .proto == 17 then (if .sport == 53 then "53" elif .sport == 0 then "0" else "other" end) else "-" end) frag=\(.frag) \(.packets * .sampling_rate) \(.bytes * .sampling_rate)"' |
		awk '{ k = $1 " " $2 " " $3 " " $4; r[k]++; p[k] += $5; b[k] += $6; tp += $5; tb += $6 }
			END { for (k in r) printf "      proto %-36s %5d records %6d packets (%4.1f%%) %9d bytes (%4.1f%%)\n", k, r[k], p[k], 100 * p[k] / tp, b[k], 100 * b[k] / tb }' |
		sort -k8 -rn | head -8
}

declare -A mal
for m in "${modes[@]}"; do stop_serve "$m"; echo "serve $m: $SUMMARY"; mal[$m]=$(summary_field malformed); done
for ((i = 1; i <= n; i++)); do
	want=$(want_of "${caps[i - 1]}")
	for m in "${modes[@]}"; do
		ev=$(attack_of "$T/$m.db" 198.18.1.$i)
		if [[ -z $ev ]]; then
			bad "$m: no attack on 198.18.1.$i (${caps[i - 1]})"
			continue
		fi
		vec=$(echo "$ev" | jq -r '.detail.vectors | join(",")')
		line="$m 198.18.1.$i ${caps[i - 1]}: vectors $vec, peak $(echo "$ev" |
			jq -r '"\(.detail.peak_pps) pps \(.detail.peak_bps) bps, reason \(.detail.reason), detected after \(.detail.detect_delay_ms) ms, sampling \(.detail.sampling_rate)"')"
		if [[ $vec =~ $want ]]; then
			ok "$line"
		else
			bad "$line; want $want"
			echo "    vector_packets: $(echo "$ev" | jq -c .detail.vector_packets)"
			why "$m" 198.18.1.$i
		fi
	done
done
for m in "${modes[@]}"; do
	[[ ${mal[$m]:-x} == 0 ]] || bad "serve $m: ${mal[$m]:-?} malformed datagrams from a real exporter"
done
report
