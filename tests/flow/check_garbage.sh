#!/bin/bash
# check_garbage.sh LIGHTSOUT - `lightsout serve` under a stream of malformed
# export datagrams, with a real flood going on at the same time.
#
# garbage.py's corpus (truncated, lying and bit-flipped NetFlow v5/v9,
# IPFIX and sFlow v5 datagrams, plus datagrams in no known format) is first
# decoded offline by `lightsout flows --stats` to learn which share of it
# is malformed.  Then, in $NS_VIC, one python process sends it round and
# round, as fast as it can, from 127.0.0.3 to serve's NetFlow and sFlow
# ports (127.0.0.1:2055 and :6343) for 5 s (at most 1.5 M datagrams), while
# hping3 floods 198.18.0.2 with 9000 TCP SYNs and softflowd exports them as
# NetFlow v9 to the same NetFlow port.  Checked:
#   - serve stays up, and stops cleanly on SIGTERM (exit 0);
#   - its stop summary counts the garbage as malformed: at least half of
#     what the offline share predicts for the datagrams it received;
#   - the flood is still detected: an attack on host:198.18.0.2, tcp_syn;
#   - the log stays short (warnings about bad datagrams are rate-limited).
set -u
source "$(dirname "$0")/lib.sh" "$1"
flow_need softflowd hping3 jq bc

"$PY" "$FLOW_DIR/garbage.py" corpus "$T/corpus.pcap" >/dev/null || die "garbage.py corpus"
"$LIGHTSOUT" flows --stats "$T/corpus.pcap" >/dev/null 2>"$T/offline.log"
read -r off_dgrams off_unknown < <(sed -n 's/^datagrams \([0-9]*\) .*unknown \([0-9]*\))$/\1 \2/p' "$T/offline.log")
off_mal=$(grep -o 'malformed [0-9]*' "$T/offline.log" | awk '{print $2}')
[[ -n ${off_dgrams:-} && -n ${off_mal:-} ]] || die "lightsout flows --stats: no counts" "$T/offline.log"
echo "corpus: $off_dgrams datagrams, $off_mal malformed and $off_unknown in no known format for lightsout flows"

ns_setup
serve_ini s 2055 6343 "[hostgroup web]
prefix = 198.18.0.2/32
syn_pps = 1000"
start_serve s
start_softflowd sf 9 2055
start_filler 60
exporters_ready

start_bg garbage vic "$PY" "$FLOW_DIR/garbage.py" send 127.0.0.1 2055,6343 5 1500000 127.0.0.3
sleep 0.5
t0=$(now)
atk timeout 10 hping3 -n -q -S -p 80 -i u200 -c 9000 198.18.0.2 >"$T/hping.log" 2>&1
echo "flood: $(grep -o '[0-9]* packets transmitted' "$T/hping.log") in $(echo "$(now) - $t0" | bc | cut -c1-4) s"
wait_until 10 bash -c "! kill -0 ${PID[garbage]} 2>/dev/null"
echo "garbage: $(cat "$T/garbage.log")"
kill -0 "${PID[s]}" 2>/dev/null || die "serve died" "$T/s.log"
ok "serve is still running"

if wait_until 10 _has_attack "$T/s.db" 198.18.0.2; then
	ev=$(attack_of "$T/s.db" 198.18.0.2)
	echo "$ev" | jq -e '.detail.vectors == ["tcp_syn"]' >/dev/null &&
		ok "the flood was detected: $(echo "$ev" | jq -c '.detail | {vectors, reason, peak_pps, detect_delay_ms}')" ||
		bad "attack on 198.18.0.2 with vectors $(echo "$ev" | jq -c .detail.vectors), want [\"tcp_syn\"]"
else
	bad "the flood was not detected"
fi

sleep 3 # softflowd's last flows expire (maxlife 1 s, checked every 1 s)
command -v softflowctl >/dev/null &&
	echo "softflowd: $(vic softflowctl -c "$T/sf.ctl" statistics 2>/dev/null | grep -E 'Packets (processed|dropped)|Flows exported' | tr -s ' \n' ' ')"
stop_serve s
echo "serve: $SUMMARY"
ev=$(attack_of "$T/s.db" 198.18.0.2)
[[ -n $ev ]] && echo "attack at its end: $(echo "$ev" | jq -c '.detail | {peak_pps, packets}')"
d=$(summary_field datagrams)
m=$(summary_field malformed)
k=$(echo "$SUMMARY" | grep -o '[0-9]* dropped by the kernel' | awk '{print $1}')
want=$(echo "$d * $off_mal / $off_dgrams / 2" | bc)
echo "received $d datagrams ($k dropped by the kernel): $m malformed, $(echo "$d * $off_mal / $off_dgrams" | bc) expected from the offline share"
((${m:-0} > 0 && ${m:-0} >= want)) && ok "garbage counted as malformed ($m >= $want)" ||
	bad "only ${m:-?} malformed datagrams counted; want at least $want"
lines=$(wc -l <"$T/s.log")
((lines < 500)) && ok "serve's log: $lines lines" || bad "serve's log has $lines lines (not rate-limited?)"
grep 'datagram from' "$T/s.log" | head -3 | sed 's/^/  /'
report
