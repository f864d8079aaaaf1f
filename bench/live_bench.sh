#!/bin/bash
# live_bench.sh — a full table from a real BGP daemon, absorbed by `lightsout
# serve` and by BIRD side by side: time and memory, and the ratios against the
# goal of the issue (at least BIRD's speed with at most half its memory).
# A benchmark, not a test: it never fails on a missed goal (it exits non-zero
# only when the setup itself breaks: a daemon that does not start, a session
# that never comes up, a bounded wait that runs out).
#
# Usage: bench/live_bench.sh [LIGHTSOUT]      (default: build/lightsout;
#                                              use a Release build)
#
# The table: every prefix of scenarios/nk2014/ipasn_20140513.dat.gz (the
# 13 May 2014 RouteViews table, pyasn IPASN format, 512,621 IPv4 prefixes,
# the four KP /24s among them), as a BIRD static table with one route per
# prefix and bgp_path = ORIGIN.
#
# The sender: one BIRD 2 "speaker" (AS4837, 127.0.3.1) with that static table
# and one eBGP session per receiver, each exporting the whole table (AS path
# "4837 ORIGIN", next hop 192.0.2.1).  The sessions start disabled and are
# enabled one after the other (`birdc enable`), each only when the previous
# receiver has the whole table, so every receiver gets the same sender alone
# and no receiver competes for the 2 vCPUs with another one.
#
# The receivers, all passive, each on its own loopback address:
#   bird         a BIRD 2 collector (AS65000, import all, export none)
#   lightsout    `lightsout serve` (AS65000), [geo] = the APNIC delegated file
#                of 30 June 2014 (tests/data/rir): every APNIC country tracked
#   lo-libloc    the same with [geo] = libloc (every country of the world);
#                only when the libloc database is installed
#   lo-kponly    the same with [geo] = a one-line RIR file (KP's /22): the
#                RIB and pipeline with almost no per-country state, to split
#                lightsout's memory between RIB and geo/signals
# LO_BENCH_RECEIVERS lists them in run order (default "bird lightsout
# lo-libloc lo-kponly"); the ratios are printed for every lightsout row.
#
# Time to absorb, from Established to the whole table in the receiver:
#   lightsout  its own log line at the sender's End-of-RIB: "neighbor NAME
#              (ADDR): End-of-RIB AFI 1 SAFI 1: N prefixes received, T s after
#              Established" (the daemon is single-threaded and applies every
#              UPDATE before it reads the next message, so every route before
#              the EoR is in the RIB and the signals then)
#   BIRD       `birdc show protocols all` polled every LO_BENCH_POLL (0.02) s
#              until the import counter reaches the table size, minus the
#              protocol's "since" time (Established, microseconds); so BIRD's
#              figure can be up to one poll interval too long.
# Memory: VmRSS before the session (idle, config and geo loaded), VmRSS a
# settle time (LO_BENCH_SETTLE, 3 s) after the table is in, and VmHWM (peak);
# BIRD's `show memory` too.  Bytes per prefix = RSS after / prefixes, and
# (RSS after - RSS before) / prefixes.
#
# Environment: LO_BENCH_LIMIT (use only the first N prefixes, for a quick
# try), LO_BENCH_RECEIVERS, LO_BENCH_POLL, LO_BENCH_SETTLE, LO_BENCH_MRT=1
# (lightsout also archives every message as MRT, as a production collector
# would; off by default since BIRD writes nothing), LO_BENCH_TIMEOUT (300 s,
# the bound on every wait), KEEP=1 (keep the temp dir with configs and logs).
#
# Loopback only (127.0.3.1 speaker, 127.0.4.k receivers), ports above 1024;
# every daemon runs in the foreground with a pid file in the temp dir and is
# killed by PID on exit.  Needs bird2 (apt-get install -y bird2).
set -uo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
lightsout=${1:-build/lightsout}
case "$lightsout" in /*) ;; *) lightsout=$root/$lightsout ;; esac
limit=${LO_BENCH_LIMIT:-0}
receivers=${LO_BENCH_RECEIVERS:-bird lightsout lo-libloc lo-kponly}
poll=${LO_BENCH_POLL:-0.02}
settle=${LO_BENCH_SETTLE:-3}
timeout=${LO_BENCH_TIMEOUT:-300}
table_gz=$root/scenarios/nk2014/ipasn_20140513.dat.gz
apnic=$root/tests/data/rir/ipzone__delegated-apnic-latest.2014-06-30.gz

[ -x "$lightsout" ] || { echo "live_bench: no lightsout binary at $lightsout" >&2; exit 2; }
for b in bird birdc; do
	command -v $b > /dev/null || { echo "live_bench: $b not found (apt-get install -y bird2)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-live-bench.XXXXXX") || exit 2
cleanup() {
	local f pid
	for f in "$tmp"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f" 2> /dev/null)
		[ -n "$pid" ] && kill "$pid" 2> /dev/null
	done
	wait 2> /dev/null
	if [ -n "${KEEP:-}" ]; then echo "kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "live_bench: $*" >&2
	exit 1
}
now() { echo "$EPOCHREALTIME"; }
# wait_until SECONDS CMD...: run CMD every $poll s until it succeeds; false on timeout
wait_until() {
	local end
	end=$(echo "$(now) + $1" | bc)
	shift
	while ! "$@"; do
		(($(echo "$(now) > $end" | bc))) && return 1
		sleep "$poll"
	done
}
rss_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2> /dev/null; }
alive() { kill -0 "$1" 2> /dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2> /dev/null; }

base=$((20000 + $$ % 20000))
load0=$(cut -d' ' -f1-3 /proc/loadavg)
spk_addr=127.0.3.1

# ---------------------------------------------------------------- the table
echo "table: $table_gz"
zcat "$table_gz" | awk -F'\t' -v lim="$limit" '
	/^;/ || NF < 2 { next }
	{ printf "  route %s blackhole { bgp_path.prepend(%s); };\n", $1, $2; n++ }
	lim > 0 && n >= lim { exit }' > "$tmp/table.inc" 2> /dev/null
nprefix=$(wc -l < "$tmp/table.inc")
[ "$nprefix" -gt 0 ] || die "no prefixes read from $table_gz"
kp=$(grep -c 'route 175\.45\.17[6-9]\.0/24 ' "$tmp/table.inc")
echo "  $nprefix prefixes ($kp KP /24s), path 4837 ORIGIN"

# ---------------------------------------------------------------- receivers
has_libloc=0
[ -e /var/lib/location/database.db ] || [ -e /usr/share/libloc-location/location.db ] && has_libloc=1
printf '%s\n' '2|apnic|20140701|2|19850701|20140630|+1000' \
	'apnic|KP|asn|131279|1|20091221|allocated' \
	'apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated' > "$tmp/kp-only.txt"

list=() k=0
for r in $receivers; do
	case $r in
	bird | lightsout | lo-kponly) ;;
	lo-libloc) [ $has_libloc -eq 1 ] || {
		echo "  (no libloc database: skipping lo-libloc)"
		continue
	} ;;
	*) die "unknown receiver $r (bird, lightsout, lo-libloc, lo-kponly)" ;;
	esac
	k=$((k + 1))
	list+=("$r")
	declare "addr_${r//-/_}=127.0.4.$k" "port_${r//-/_}=$((base + k))"
done
[ ${#list[@]} -gt 0 ] || die "no receivers"
var() { local v="$1_${2//-/_}"; echo "${!v}"; }

lo_geo() {
	case $1 in
	lightsout) echo "rir:$apnic" ;;
	lo-libloc) echo "libloc" ;;
	lo-kponly) echo "rir:$tmp/kp-only.txt" ;;
	esac
}

start_lightsout() {
	local r=$1 a p
	a=$(var addr "$r") p=$(var port "$r")
	{
		echo "[store]"
		echo "path = $tmp/$r.db"
		echo "[geo]"
		echo "source = $(lo_geo "$r")"
		echo "[http]"
		echo "listen = 127.0.0.1:$((p + 1000))"
		echo "[bgp]"
		echo "asn = 65000"
		echo "router_id = 198.18.0.1"
		echo "listen = $a:$p"
		[ -n "${LO_BENCH_MRT:-}" ] && echo "mrt_dir = $tmp/$r.mrt"
		echo "[neighbor spk]"
		echo "address = $spk_addr"
		echo "asn = 4837"
		echo "passive = yes"
	} > "$tmp/$r.ini"
	"$lightsout" serve -c "$tmp/$r.ini" -n > "$tmp/$r.check" 2>&1 ||
		die "$r: serve -n: $(cat "$tmp/$r.check")"
	"$lightsout" serve -c "$tmp/$r.ini" > "$tmp/$r.log" 2>&1 &
	echo $! > "$tmp/$r.pid"
}

start_bird_collector() {
	local a p
	a=$(var addr bird) p=$(var port bird)
	cat > "$tmp/bird.conf" << EOF
# BIRD 2 collector: AS65000, passive, one session from the speaker
router id 198.18.0.3;
log "$tmp/bird.blog" all;
timeformat log "%s.%6f";
protocol device { scan time 1; }   # see "the speaker's pace" above
protocol bgp spk {
  local $a port $p as 65000;
  neighbor $spk_addr as 4837;
  passive on;
  multihop;
  allow local as;         # 9 prefixes of the table have origin 65000
  debug { states, packets };   # Established and End-of-RIB times (UPDATE traces are rate-limited)
  ipv4 { import all; export none; };
}
EOF
	bird -p -c "$tmp/bird.conf" > "$tmp/bird.check" 2>&1 || die "bird collector config: $(cat "$tmp/bird.check")"
	bird -f -c "$tmp/bird.conf" -s "$tmp/bird.ctl" -P "$tmp/bird-daemon.pid" > "$tmp/bird.out" 2>&1 &
	echo $! > "$tmp/bird.pid"
}

for r in "${list[@]}"; do
	if [ "$r" = bird ]; then start_bird_collector; else start_lightsout "$r"; fi
done

# ---------------------------------------------------------------- the speaker
{
	cat << EOF
# BIRD 2 speaker: AS4837, the static table, one session per receiver (disabled
# until the script enables it)
router id 198.18.0.2;
log "$tmp/spk.blog" all;
timeformat log "%s.%6f";
protocol device { scan time 1; }   # see "the speaker's pace" above
protocol static table4 {
  ipv4 { import all; };
  include "$tmp/table.inc";
}
EOF
	for r in "${list[@]}"; do
		cat << EOF
protocol bgp to_${r//-/_} {
  disabled;
  local $spk_addr port $base as 4837;
  neighbor $(var addr "$r") port $(var port "$r") as 65000;
  multihop;
  debug { states, packets };   # the time it sends its End-of-RIB (UPDATE traces are rate-limited)
  connect delay time 1;
  connect retry time 1;
  ipv4 { import none; export where proto = "table4"; next hop address 192.0.2.1; };
}
EOF
	done
} > "$tmp/spk.conf"
bird -p -c "$tmp/spk.conf" > "$tmp/spk.check" 2>&1 || die "speaker config: $(cat "$tmp/spk.check")"
t0=$(now)
bird -f -c "$tmp/spk.conf" -s "$tmp/spk.ctl" -P "$tmp/spk-daemon.pid" > "$tmp/spk.out" 2>&1 &
echo $! > "$tmp/spk.pid"
spk_pid=$!

spk_loaded() {
	local n
	n=$(birdc -s "$tmp/spk.ctl" show protocols all table4 2> /dev/null | awk '/Routes:/ { print $2; exit }')
	[ "${n:-0}" -ge "$nprefix" ]
}
echo "speaker: loading the static table ..."
wait_until "$timeout" spk_loaded || die "the speaker did not load its table in $timeout s: $(tail -5 "$tmp/spk.out" "$tmp/spk.blog" 2> /dev/null)"
printf '  %d routes in %.1f s, speaker RSS %d MB\n' "$nprefix" "$(echo "$(now) - $t0" | bc)" \
	$(($(rss_kb "$spk_pid" VmRSS) / 1024))

# every receiver is up by now (they started before the speaker)
for r in "${list[@]}"; do
	pid=$(cat "$tmp/$r.pid")
	if [ "$r" = bird ]; then
		wait_until 30 birdc -s "$tmp/bird.ctl" show status > /dev/null 2>&1 || die "the BIRD collector does not answer: $(cat "$tmp/bird.out")"
	fi
	alive "$pid" || die "$r died at start: $(tail -5 "$tmp/$r.log" "$tmp/bird.out" 2> /dev/null)"
done

# ---------------------------------------------------------------- one receiver at a time
bird_count() {
	birdc -s "$tmp/bird.ctl" show protocols all spk 2> /dev/null | awk '/Routes:/ { print $2; exit }'
}
bird_eor() { grep -q ' spk: Got END-OF-RIB' "$tmp/bird.blog"; }
lo_eor() { grep -q 'End-of-RIB AFI 1 SAFI 1' "$tmp/$1.log"; }

# cpu_ticks PID: user + system clock ticks of PID in REPLY (no fork)
cpu_ticks() {
	local f
	REPLY=0
	read -r -a f < "/proc/$1/stat" 2> /dev/null && REPLY=$((f[13] + f[14]))
}
tck=$(getconf CLK_TCK)
us() { REPLY=${EPOCHREALTIME/./}; }

declare -A T RX BEFORE AFTER HWM CPU SCPU WALL GAP POST SEOR
for r in "${list[@]}"; do
	pid=$(cat "$tmp/$r.pid")
	sleep 1
	BEFORE[$r]=$(rss_kb "$pid" VmRSS)
	echo "$r: enabling the speaker's session (idle RSS $((BEFORE[$r] / 1024)) MB) ..."
	if [ "$r" = bird ]; then done_check=bird_eor; else done_check="lo_eor $r"; fi
	cpu_ticks "$pid"; r0=$REPLY
	cpu_ticks "$spk_pid"; s0=$REPLY
	us; t_en=$REPLY
	birdc -s "$tmp/spk.ctl" enable "to_${r//-/_}" > /dev/null || die "birdc enable to_${r//-/_} failed"
	# wait for the whole table; meanwhile note the longest time in which
	# neither the receiver nor the speaker got a CPU tick (counted from the
	# receiver's first tick after the enable): a stall of the speaker, or
	# both waiting for a CPU on a loaded machine
	prev=$((r0 + s0)) last=0 gap=0 ok=0
	while :; do
		if $done_check; then ok=1; break; fi
		us; t=$REPLY
		((t - t_en > timeout * 1000000)) && break
		cpu_ticks "$pid"; rc=$REPLY
		cpu_ticks "$spk_pid"; sc=$REPLY
		if ((rc + sc != prev)); then
			if ((last)); then ((t - last > gap)) && gap=$((t - last)); fi
			((rc != r0 || last)) && last=$t
			prev=$((rc + sc))
		fi
		sleep "$poll"
	done
	us; t_done=$REPLY
	if [ $ok -ne 1 ]; then
		if [ "$r" = bird ]; then
			die "bird: no End-of-RIB after $timeout s ($(bird_count) of $nprefix routes)"
		fi
		echo "$r: no End-of-RIB after $timeout s; its log:" >&2
		tail -20 "$tmp/$r.log" >&2
		die "$r did not absorb the table"
	fi
	cpu_ticks "$pid"; rc=$REPLY
	cpu_ticks "$spk_pid"; sc=$REPLY
	CPU[$r]=$(echo "scale=2; ($rc - $r0) / $tck" | bc)
	SCPU[$r]=$(echo "scale=2; ($sc - $s0) / $tck" | bc)
	WALL[$r]=$(echo "scale=3; ($t_done - $t_en) / 1000000" | bc)
	GAP[$r]=$(echo "scale=3; $gap / 1000000" | bc)
	if [ "$r" = bird ]; then
		t_up=$(awk '$3 == "spk:" && /State changed to up/ { t = $1 } END { print t }' "$tmp/bird.blog")
		t_eor=$(awk '$3 == "spk:" && /Got END-OF-RIB/ { print $1; exit }' "$tmp/bird.blog")
		T[$r]=$(echo "scale=6; $t_eor - $t_up" | bc)
		RX[$r]=$(bird_count)
		echo "  BIRD: End-of-RIB with ${RX[$r]} routes imported, ${T[$r]} s after Established"
	else
		line=$(grep -m1 'End-of-RIB AFI 1 SAFI 1' "$tmp/$r.log")
		echo "  $line"
		T[$r]=$(echo "$line" | sed -n 's/.*, \([0-9.]*\) s after Established.*/\1/p')
		RX[$r]=$(echo "$line" | sed -n 's/.*: \([0-9]*\) prefixes received.*/\1/p')
	fi
	sleep "$settle"
	alive "$pid" || die "$r died after the load: $(tail -5 "$tmp/$r.log" 2> /dev/null)"
	AFTER[$r]=$(rss_kb "$pid" VmRSS)
	HWM[$r]=$(rss_kb "$pid" VmHWM)
	cpu_ticks "$pid"
	POST[$r]=$(echo "scale=2; ($REPLY - $rc) / $tck" | bc)
	spk_up=$(awk -v p="to_${r//-/_}:" '$3 == p && /State changed to up/ { t = $1 } END { print t }' "$tmp/spk.blog")
	spk_eor=$(awk -v p="to_${r//-/_}:" '$3 == p && /Sending END-OF-RIB/ { print $1; exit }' "$tmp/spk.blog")
	SEOR[$r]=$(echo "scale=3; ${spk_eor:-0} - ${spk_up:-0}" | bc)
	printf '  %s prefixes in %.3f s after Established; CPU %.2f s (speaker %.2f s); %.3f s from the enable\n' \
		"${RX[$r]}" "${T[$r]}" "${CPU[$r]}" "${SCPU[$r]}" "${WALL[$r]}"
	printf '  the speaker sent its End-of-RIB %.3f s after its Established; longest idle: %.3f s\n' \
		"${SEOR[$r]}" "${GAP[$r]}"
	printf '  RSS %d MB, peak %d MB; CPU in the %s s after: %.2f s\n' $((AFTER[$r] / 1024)) \
		$((HWM[$r] / 1024)) "$settle" "${POST[$r]}"
done

# ---------------------------------------------------------------- checks and details
echo
echo "sessions at the end (speaker):"
birdc -s "$tmp/spk.ctl" show protocols | awk 'NR > 1 && $2 == "BGP" { printf "  %-14s %s %s\n", $1, $4, $6 }'
if [[ " ${list[*]} " == *" bird "* ]]; then
	echo "BIRD collector: $(birdc -s "$tmp/bird.ctl" show route count | grep -i total)"
	birdc -s "$tmp/bird.ctl" show memory | sed -n '2,$p' | sed 's/^/  /'
fi
for r in "${list[@]}"; do
	[ "$r" = bird ] && continue
	pid=$(cat "$tmp/$r.pid")
	kill -TERM "$pid"
	wait_until 60 eval "! alive $pid" || echo "  $r: still running 60 s after SIGTERM"
	wait "$pid" 2> /dev/null
	rc=$?
	rm -f "$tmp/$r.pid"
	resets=$(grep -c 'Established -> ' "$tmp/$r.log")
	echo "$r: exit $rc after SIGTERM, $resets session end(s) in the log; its log:"
	sed 's/^/  /' "$tmp/$r.log"
done

# ---------------------------------------------------------------- summary
div() { echo "scale=6; $1 / $2" | bc; }
echo
echo "== full table: $nprefix prefixes from one BIRD 2 speaker, one receiver at a time =="
echo "   $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (at the start: $load0)"
printf '%-10s %8s %8s %7s %10s %8s %8s %6s %7s\n' receiver prefixes "time s" "CPU s" "pfx/CPU-s" \
	"RSS MB" "peak MB" "B/pfx" "ΔB/pfx"
for r in "${list[@]}"; do
	printf '%-10s %8s %8.3f %7.2f %10.0f %8.1f %8.1f %6.0f %7.0f\n' "$r" "${RX[$r]}" "${T[$r]}" "${CPU[$r]}" \
		"$(div "${RX[$r]}" "${CPU[$r]}")" "$(div "${AFTER[$r]}" 1024)" "$(div "${HWM[$r]}" 1024)" \
		"$(div "${AFTER[$r]} * 1024" "${RX[$r]}")" "$(div "(${AFTER[$r]} - ${BEFORE[$r]}) * 1024" "${RX[$r]}")"
done
cat << EOF
  time: Established to the sender's End-of-RIB in the receiver (both log it); the
    speaker paces this (it sends about one UPDATE per prefix) and so does the load.
  CPU: user + system time of the receiver from the enable to the End-of-RIB.
  RSS: VmRSS $settle s after; peak: VmHWM; B/pfx: RSS / prefixes; ΔB/pfx: the growth
    from the idle RSS before the session, per prefix.
EOF
if [ -n "${T[bird]:-}" ]; then
	echo
	echo "ratios against BIRD (goal of the issue: speed >= 1, memory <= 0.5)"
	printf '%-10s %14s %14s %14s %14s\n' "" "time BIRD/lo" "CPU BIRD/lo" "RSS lo/BIRD" "peak lo/BIRD"
	for r in "${list[@]}"; do
		[ "$r" = bird ] && continue
		ts=$(div "${T[bird]}" "${T[$r]}") cs=$(div "${CPU[bird]}" "${CPU[$r]}")
		rs=$(div "${AFTER[$r]}" "${AFTER[bird]}") ps=$(div "${HWM[$r]}" "${HWM[bird]}")
		printf '%-10s %14.2f %14.2f %14.2f %14.2f   speed %s, memory %s\n' "$r" "$ts" "$cs" "$rs" "$ps" \
			"$( (($(echo "$cs >= 1" | bc))) && echo met || echo missed)" \
			"$( (($(echo "$rs <= 0.5" | bc))) && echo met || echo missed)"
	done
	echo "  (speed judged on CPU time: the wall time is the speaker's pace)"
fi
exit 0
