#!/bin/bash
# flow_bench.sh [LIGHTSOUT] - the flow collector of `lightsout serve` side by
# side with FastNetMon Community 1.2.4 (Debian's), in one run, on this
# machine.  A benchmark, not a test: it prints figures and never fails on
# them.  Root only (network namespaces); everything it starts is killed by
# PID and its namespaces deleted on exit (tests/flow/lib.sh).
#
# Usage: bash bench/flow_bench.sh [LIGHTSOUT]   (default: build/lightsout,
#        then /tmp/build-lab/lightsout; use a Release/RelWithDebInfo build)
#
# Both collectors run in one namespace and listen on its 127.0.0.1:
# lightsout on 2055 (a fresh `serve` for every part: it counts only in its
# stop summary), FastNetMon on 2056 (Prometheus on 127.0.0.1:9209; shipped
# config except: netflow on, networks_list 198.18.0.0/16, ban_time 30,
# usage reporting off, thresholds below).  The parts:
#  1 throughput: LO_FLOW_BENCH_FLOWS (1 M) NetFlow v9 flows (bench/nfgen.py,
#    30 a datagram), paced at 100 k flows/s so that neither drops, to one
#    collector, then the same datagrams to the other; (a) to 65536
#    destination hosts (198.18.0.0/16, all watched), (b) to 256: records received (lightsout's summary; FNM's
#    fastnetmon_netflow_v9_total_flows) per CPU-second of the collector
#    (utime+stime from /proc/PID/stat, minus what it burns idle over the
#    same time, measured first)
#  2 loss: the same datagrams offered at 1 M flows/s: datagrams received /
#    sent, and the namespace's UDP RcvbufErrors (/proc/net/snmp)
#  3 detection latency: a SYN flood in NetFlow v9 (nfgen.py attack: 20 k
#    one-packet flows/s at 198.18.5.5 for 8 s, stamped when sent) to both
#    collectors at once; threshold 10 k pps in both.  From the first attack
#    flow sent to lightsout's detection (the event's start + detect_delay_ms)
#    and to FastNetMon's notify script being called with "ban"
#  4 accuracy: tcpreplay sends 50 k UDP packets of 1028 bytes (L3) at
#    exactly 5 k pps (41.1 Mbit/s) for 10 s from another namespace over a
#    veth; softflowd (NetFlow v9, 1 s flow expiry) exports them to both;
#    threshold 2 k pps.  lightsout's peak_pps/peak_bps against the truth;
#    FastNetMon's pps and traffic in its attack report
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
lo=${1:-}
if [[ -z $lo ]]; then
	for c in build/lightsout /tmp/build-lab/lightsout build-ci/lightsout; do
		[[ -x $c ]] && { lo=$c; break; }
	done
fi
[[ -n $lo && -x $lo ]] || { echo "usage: $0 LIGHTSOUT (no build/lightsout here)"; exit 2; }
FLOW_BUDGET=1200 source "$root/tests/flow/lib.sh" "$lo"
flow_need fastnetmon curl softflowd tcpreplay jq bc
N=${LO_FLOW_BENCH_FLOWS:-1000000}
HZ=$(getconf CLK_TCK)
FNM=$T/fnm
mkdir -p "$FNM"

cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; } # ticks
secs() { echo "scale=3; $1 / $HZ" | bc; }
rcvbuf_errors() {
	vic cat /proc/net/snmp | awk '$1 == "Udp:" && $2 ~ /^[A-Za-z]/ { for (i = 2; i <= NF; i++) k[i] = $i; next }
		$1 == "Udp:" { for (i = 2; i <= NF; i++) if (k[i] == "RcvbufErrors") print $i }'
}
fnm_metric() { vic curl -s -m 2 127.0.0.1:9209/metrics | awk -v m="$1" '$1 == m { print $2 }'; }
ratio() { echo "scale=2; $1 / $2" | bc; }

# ---------------------------------------------------------------- collectors

# lo_start PPS [EXTRA]: a fresh serve "l" on 127.0.0.1:2055, host group
# 198.18.0.0/16 with a per-host pps threshold
lo_start() {
	rm -f "$T/l.db"*
	serve_ini l 2055 - "[hostgroup bench]
prefix = 198.18.0.0/16
pps = $1
${2:-}"
	start_serve l
}

# fnm_start THRESHOLD_PPS: FastNetMon on 127.0.0.1:2056
fnm_start() {
	cat >"$FNM/notify.sh" <<EOF
#!/bin/sh
echo "=== \$(date +%s.%N) ip=\$1 dir=\$2 pps=\$3 action=\$4" >> $FNM/notify.log
[ "\$4" = ban ] || [ "\$4" = attack_details ] && cat >> $FNM/notify.log
exit 0
EOF
	chmod +x "$FNM/notify.sh"
	: >"$FNM/notify.log"
	echo 198.18.0.0/16 >"$FNM/networks_list"
	: >"$FNM/networks_whitelist"
	sed -e 's/^disable_usage_report = .*/disable_usage_report = on/' \
		-e 's/^netflow = .*/netflow = on/' -e 's/^sflow = .*/sflow = off/' \
		-e 's/^netflow_host = .*/netflow_host = 127.0.0.1/' -e 's/^netflow_port = .*/netflow_port = 2056/' \
		-e "s/^threshold_pps = .*/threshold_pps = $1/" -e 's/^ban_time = .*/ban_time = 30/' \
		-e "s|^networks_list_path = .*|networks_list_path = $FNM/networks_list|" \
		-e "s|^white_list_path = .*|white_list_path = $FNM/networks_whitelist|" \
		-e "s|^notify_script_path = .*|notify_script_path = $FNM/notify.sh|" \
		-e "s|^pid_path = .*|pid_path = $FNM/fastnetmon.pid|" \
		-e "s|^cli_stats_file_path = .*|cli_stats_file_path = $FNM/fastnetmon.dat|" \
		-e "s|^cli_stats_ipv6_file_path = .*|cli_stats_ipv6_file_path = $FNM/fastnetmon_ipv6.dat|" \
		-e 's/^monitor_local_ip_addresses = .*/monitor_local_ip_addresses = off/' \
		/etc/fastnetmon.conf >"$FNM/fastnetmon.conf"
	start_bg fnm vic fastnetmon --configuration_file "$FNM/fastnetmon.conf" \
		--log_file "$FNM/fastnetmon.log" --disable_pid_logic
	fnm_up() { [[ -n $(fnm_metric fastnetmon_netflow_v9_total_flows) ]]; }
	wait_until 30 fnm_up || die "FastNetMon did not start" "$FNM/fastnetmon.log" "$T/fnm.log"
}

# idle_rate NAME: CPU ticks per second NAME burns doing nothing (5 s)
idle_rate() {
	local p=${PID[$1]} a b
	a=$(cpu_of "$p")
	sleep 5
	b=$(cpu_of "$p")
	echo "scale=4; ($b - $a) / 5" | bc
}

# ---------------------------------------------------------------- setup
echo "flow_bench: $(date -u +%FT%TZ) on $(uname -n): $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "lightsout: $lo ($(cd "$root" && git rev-parse --short HEAD 2>/dev/null)); FastNetMon $(fastnetmon --version 2>&1 | head -1)"
ns_setup
t=$SECONDS
"$PY" "$root/bench/nfgen.py" build "$N" "$T/flows.bin" || die "nfgen build"
echo "generated $N flows in $((SECONDS - t)) s ($(du -h "$T/flows.bin" | cut -f1))"
fnm_start 10000
declare -A TH_FLOWS TH_CPU LOSS_RECV LOSS_SENT LOSS_RCVBUF LAT PPS BPS

# ---------------------------------------------------------------- 1 throughput
# throughput FILE LABEL: part 1 on one flow file
throughput() {
	local f=$1 k=$2 idle c0 c1 w0 w1 out recs cpu f0 f1
	# lightsout
	lo_start 1000000000
	idle=$(idle_rate l)
	c0=$(cpu_of "${PID[l]}") w0=$(now)
	out=$(vic "$PY" "$root/bench/nfgen.py" send "$f" 100000 127.0.0.1 2055)
	sleep 2
	c1=$(cpu_of "${PID[l]}") w1=$(now)
	stop_serve l
	recs=$(echo "$SUMMARY" | grep -o '[0-9]* records' | awk '{print $1}')
	cpu=$(echo "scale=3; ($c1 - $c0 - $idle * ($w1 - $w0)) / $HZ" | bc)
	echo "lightsout: sent $(echo "$out" | jq .flows) flows in $(echo "$out" | jq '.end - .start' | cut -c1-5) s; received $recs records; CPU $(secs $((c1 - c0))) s ($cpu s above idle, $idle ticks/s); $SUMMARY"
	TH_FLOWS[lo$k]=$recs TH_CPU[lo$k]=$cpu
	# FastNetMon
	idle=$(idle_rate fnm)
	f0=$(fnm_metric fastnetmon_netflow_v9_total_flows)
	c0=$(cpu_of "${PID[fnm]}") w0=$(now)
	out=$(vic "$PY" "$root/bench/nfgen.py" send "$f" 100000 127.0.0.1 2056)
	sleep 2
	c1=$(cpu_of "${PID[fnm]}") w1=$(now)
	f1=$(fnm_metric fastnetmon_netflow_v9_total_flows)
	cpu=$(echo "scale=3; ($c1 - $c0 - $idle * ($w1 - $w0)) / $HZ" | bc)
	echo "FastNetMon: sent $(echo "$out" | jq .flows) flows; received $((f1 - f0)) flows; CPU $(secs $((c1 - c0))) s ($cpu s above idle, $idle ticks/s)"
	TH_FLOWS[fnm$k]=$((f1 - f0)) TH_CPU[fnm$k]=$cpu
}
echo
echo "== 1a. decode + count throughput, $N flows at 100 k flows/s to 65536 hosts (198.18.0.0/16)"
throughput "$T/flows.bin" ""
echo
echo "== 1b. the same, $N flows to 256 hosts (198.18.0.0/24)"
"$PY" "$root/bench/nfgen.py" build "$N" "$T/flows256.bin" 256 || die "nfgen build"
throughput "$T/flows256.bin" 256

# ---------------------------------------------------------------- 2 loss
echo
echo "== 2. loss at ~1 M flows/s offered"
lo_start 1000000000
r0=$(rcvbuf_errors)
out=$(vic "$PY" "$root/bench/nfgen.py" send "$T/flows.bin" 1000000 127.0.0.1 2055)
sleep 2
r1=$(rcvbuf_errors)
stop_serve l
LOSS_SENT[lo]=$(echo "$out" | jq .datagrams)
LOSS_RECV[lo]=$(summary_field datagrams)
LOSS_RCVBUF[lo]=$((r1 - r0))
LOSS_OWN=$(echo "$SUMMARY" | grep -o '[0-9]* dropped by the kernel' | awk '{print $1}')
echo "lightsout: offered $(echo "$out" | jq .flows) flows in $(echo "$out" | jq '.end - .start' | cut -c1-5) s ($(echo "$out" | jq '(.flows / (.end - .start)) | floor') flows/s); $SUMMARY; RcvbufErrors +$((r1 - r0))"
p0=$(fnm_metric fastnetmon_netflow_v9_total_packets)
r0=$(rcvbuf_errors)
out=$(vic "$PY" "$root/bench/nfgen.py" send "$T/flows.bin" 1000000 127.0.0.1 2056)
sleep 2
r1=$(rcvbuf_errors)
p1=$(fnm_metric fastnetmon_netflow_v9_total_packets)
LOSS_SENT[fnm]=$(echo "$out" | jq .datagrams)
LOSS_RECV[fnm]=$((p1 - p0))
LOSS_RCVBUF[fnm]=$((r1 - r0))
echo "FastNetMon: offered $(echo "$out" | jq .flows) flows in $(echo "$out" | jq '.end - .start' | cut -c1-5) s ($(echo "$out" | jq '(.flows / (.end - .start)) | floor') flows/s); received $((p1 - p0)) datagrams; RcvbufErrors +$((r1 - r0))"

# ---------------------------------------------------------------- 3 latency
echo
echo "== 3. detection latency: 20 k SYN flows/s at 198.18.5.5, threshold 10 k pps"
lo_start 10000
: >"$FNM/notify.log"
out=$(vic "$PY" "$root/bench/nfgen.py" attack 198.18.5.5 20000 8 127.0.0.1 2055,2056)
first=$(echo "$out" | jq .first)
wait_until 10 grep -q "ip=198.18.5.5 .*action=ban" "$FNM/notify.log"
ev=$(attack_of "$T/l.db" 198.18.5.5)
stop_serve l
if [[ -n $ev ]]; then
	det=$(echo "$ev" | jq '(.start | fromdateiso8601) * 1000 + .detail.detect_delay_ms')
	LAT[lo]=$(echo "scale=3; $det / 1000 - $first" | bc)
	echo "lightsout: detected $(echo "$ev" | jq -c '.detail | {vectors, reason, peak_pps, detect_delay_ms}') ${LAT[lo]} s after the first attack flow"
else
	LAT[lo]=none
	echo "lightsout: no attack"
fi
ban=$(grep -m1 "ip=198.18.5.5 .*action=ban" "$FNM/notify.log" | awk '{print $2}')
if [[ -n $ban ]]; then
	LAT[fnm]=$(echo "scale=3; $ban - $first" | bc)
	echo "FastNetMon: ban ${LAT[fnm]} s after the first attack flow; $(grep -m1 -E '^Attack type' "$FNM/notify.log"), $(grep -m1 -E '^Initial attack power' "$FNM/notify.log")"
else
	LAT[fnm]=none
	echo "FastNetMon: no ban"
fi

# ---------------------------------------------------------------- 4 accuracy
echo
echo "== 4. pps/bps accuracy: 50 k UDP packets of 1028 B at 5 k pps (41.1 Mbit/s) via softflowd v9"
stop fnm
fnm_start 2000
lo_start 1000000000 "[hostgroup victim]
prefix = 198.18.0.2/32
pps = 2000"
"$PY" - "$T/udp.pcap" <<'EOF'
import struct, sys, random
r = random.Random(3)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i in range(50000):
        pay = bytes(1000)
        udp = struct.pack("!HHHH", r.randrange(1024, 65535), 9999, 8 + len(pay), 0) + pay
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                         bytes((198, 19, r.randrange(256), r.randrange(256))), bytes((198, 18, 0, 2)))
        s = sum(struct.unpack("!10H", ip)); s = (s & 0xFFFF) + (s >> 16); s = (s & 0xFFFF) + (s >> 16)
        ip = ip[:10] + struct.pack("!H", ~s & 0xFFFF) + ip[12:]
        fr = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp
        f.write(struct.pack("<IIII", 0, i, len(fr), len(fr)) + fr)
EOF
ip -n "$NS_VIC" link set veth-vic address 02:00:00:00:00:02
start_bg sf vic softflowd -i veth-vic -v 9 -m 65536 -n 127.0.0.1:2055,127.0.0.1:2056 -d \
	-t maxlife=1 -t expint=1 -p "$T/sf.pid" -c "$T/sf.ctl"
start_filler 60
exporters_ready
atk timeout 30 tcpreplay -i veth-atk --pps=5000 "$T/udp.pcap" >"$T/tcpreplay.log" 2>&1
echo "truth: $(grep -E 'Actual|Rated' "$T/tcpreplay.log" | tr -s ' \n' ' ')"
sleep 8 # the exporter's last flows; the attack's end (attack_end 3 s)
stop_serve l
ev=$(attack_of "$T/l.db" 198.18.0.2)
PPS[lo]=$(echo "$ev" | jq .detail.peak_pps) BPS[lo]=$(echo "$ev" | jq .detail.peak_bps)
echo "lightsout: $(echo "$ev" | jq -c '.detail | {vectors, peak_pps, peak_bps, packets, bytes}')"
PPS[fnm]=$(grep -m1 '^Initial attack power' "$FNM/notify.log" | awk '{print $4}')
BPS[fnm]=$(grep -m1 '^Total incoming traffic' "$FNM/notify.log" | awk '{print $4 * 1000000}')
echo "FastNetMon: $(grep -m1 'action=ban' "$FNM/notify.log"); $(grep -m1 '^Total incoming traffic' "$FNM/notify.log"); $(grep -m1 '^Average incoming pps' "$FNM/notify.log")"

# ---------------------------------------------------------------- summary
per_cpu() { [[ ${TH_CPU[$1]} != 0 ]] && echo "scale=0; ${TH_FLOWS[$1]} / ${TH_CPU[$1]}" | bc || echo inf; }
tl2=$(per_cpu lo256) tf2=$(per_cpu fnm256)
pct() { echo "scale=1; 100 * $1 / $2" | bc; }
tl=$(per_cpu lo) tf=$(per_cpu fnm)
echo
echo "== summary ($(date -u +%F), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
printf '%-44s %16s %16s %8s\n' "" lightsout FastNetMon "lo/FNM"
printf '%-44s %16s %16s %8s\n' "1a records / CPU-second, 65536 hosts" "$tl" "$tf" "$(ratio "$tl" "$tf")"
printf '%-44s %16s %16s\n' "  records received (of $N)" "${TH_FLOWS[lo]}" "${TH_FLOWS[fnm]}"
printf '%-44s %16s %16s\n' "  CPU seconds above idle" "${TH_CPU[lo]}" "${TH_CPU[fnm]}"
printf '%-44s %16s %16s %8s\n' "1b records / CPU-second, 256 hosts" "$tl2" "$tf2" "$(ratio "$tl2" "$tf2")"
printf '%-44s %16s %16s\n' "  records received (of $N)" "${TH_FLOWS[lo256]}" "${TH_FLOWS[fnm256]}"
printf '%-44s %16s %16s\n' "  CPU seconds above idle" "${TH_CPU[lo256]}" "${TH_CPU[fnm256]}"
printf '%-44s %15s%% %15s%%\n' "2 datagrams received at ~1 M flows/s" "$(pct "${LOSS_RECV[lo]}" "${LOSS_SENT[lo]}")" "$(pct "${LOSS_RECV[fnm]}" "${LOSS_SENT[fnm]}")"
printf '%-44s %16s %16s\n' "  UDP RcvbufErrors during the send" "${LOSS_RCVBUF[lo]}" "${LOSS_RCVBUF[fnm]}"
printf '%-44s %16s %16s\n' "  drops the collector reports itself" "$LOSS_OWN" "-"
printf '%-44s %16s %16s %8s\n' "3 detection latency (s)" "${LAT[lo]}" "${LAT[fnm]}" \
	"$([[ ${LAT[lo]} != none && ${LAT[fnm]} != none ]] && ratio "${LAT[lo]}" "${LAT[fnm]}")"
printf '%-44s %16s %16s\n' "4 pps reported (truth 5000)" "${PPS[lo]:-none}" "${PPS[fnm]:-none}"
printf '%-44s %16s %16s\n' "  bps reported (truth 41120000)" "${BPS[lo]:-none}" "${BPS[fnm]:-none}"
