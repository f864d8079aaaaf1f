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
# and no receiver competes for the 2 vCPUs with another one.  The speaker
# sends about one UPDATE per prefix (the table has ~47k origins, and BIRD
# packs prefixes only when its buckets fill up, i.e. when the receiver lags).
#
# The speaker's pace: with the default `protocol device { }` BIRD 2.0.12 sent
# the table in 6-13 s in bursts, idle in between (TCP app-limited, neither
# process using CPU), and often held the last ~100 prefixes and its
# End-of-RIB back for up to 3 s (its poll() timeout).  `scan time 1` in the
# device protocol (a timer that wakes its main loop every second) brought
# that down to 1.7-3.8 s with no idle pauses; both BIRD configs here use it.
# The speaker's own End-of-RIB send time and the longest stretch in which
# neither the speaker nor the receiver got a CPU tick ("longest idle") are
# printed per session to show when the sender, not the receiver, set the pace.
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
# Time to absorb: from Established to the sender's End-of-RIB, as each
# receiver logs it (both are single-threaded and apply every UPDATE before
# they read the next message, so the whole table is in when the EoR is read):
#   lightsout  "neighbor NAME (ADDR): End-of-RIB AFI 1 SAFI 1: N prefixes
#              received, T s after Established" (stderr, warn level)
#   BIRD       `debug { states, packets }` with microsecond log times: "spk:
#              State changed to up" to "spk: Got END-OF-RIB" (the UPDATE
#              traces are rate-limited by BIRD; its import counter is checked
#              once afterwards)
# CPU: user + system time of the receiver (/proc/PID/stat) from the enable to
# the End-of-RIB: the receiver's own cost, whatever the sender's pace and the
# machine's load.  The logs are polled every LO_BENCH_POLL (0.02) s by grep;
# nothing queries the daemons while they load.
# Memory: VmRSS before the session (idle, config and geo loaded), VmRSS a
# settle time (LO_BENCH_SETTLE, 3 s) after the table is in, and VmHWM (peak);
# BIRD's `show memory` too.  Bytes per prefix = RSS after / prefixes, and
# (RSS after - RSS before) / prefixes.
# Rounds (LO_BENCH_ROUNDS, 3): the receivers load the table one after the
# other, then again in the same order with the speaker's session disabled
# and enabled (the receiver drops the peer's routes, then takes the whole
# table again), and so on.  Time and CPU are the medians of the rounds (the
# machine's load moves them by tens of per cent); RSS is taken after the
# first load, and again after the last one (RSS2).
# Goal verdicts: speed on the time ratio BIRD/lightsout >= 1, memory on the
# RSS ratio lightsout/BIRD <= 0.5; the CPU and peak ratios are printed too.
#
# Environment: LO_BENCH_LIMIT (use only the first N prefixes, for a quick
# try), LO_BENCH_RECEIVERS, LO_BENCH_ROUNDS, LO_BENCH_POLL, LO_BENCH_SETTLE,
# LO_BENCH_MRT=1 (lightsout also archives every message as MRT, as a
# production collector would; off by default since BIRD writes nothing),
# LO_BENCH_TIMEOUT (300 s, the bound on every wait), KEEP=1 (keep the temp
# dir with configs and logs).
#
# Loopback only (127.0.3.1 speaker, 127.0.4.k receivers), ports above 1024;
# every daemon runs in the foreground with a pid file in the temp dir and is
# killed by PID on exit.  Needs bird2 (apt-get install -y bird2).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
lightsout=${1:-build/lightsout}
case "$lightsout" in /*) ;; *) lightsout=$root/$lightsout ;; esac
limit=${LO_BENCH_LIMIT:-0}
receivers=${LO_BENCH_RECEIVERS:-bird lightsout lo-libloc lo-kponly}
poll=${LO_BENCH_POLL:-0.02}
settle=${LO_BENCH_SETTLE:-3}
rounds=${LO_BENCH_ROUNDS:-3}
timeout=${LO_BENCH_TIMEOUT:-300}
table_gz=$root/scenarios/nk2014/ipasn_20140513.dat.gz
apnic=$root/tests/data/rir/ipzone__delegated-apnic-latest.2014-06-30.gz

[ -x "$lightsout" ] || { echo "live_bench: no lightsout binary at $lightsout" >&2; exit 2; }
for b in bird birdc; do
	command -v $b > /dev/null || { echo "live_bench: $b not found (apt-get install -y bird2)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-live-bench.XXXXXX") || exit 2
alive() { kill -0 "$1" 2> /dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2> /dev/null; }
# on exit: SIGTERM to every daemon by the PID in its pid file, SIGKILL to any
# still running after 10 s, then reap them
cleanup() {
	local f pid pids=() n
	for f in "$tmp"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f" 2> /dev/null)
		[ -n "$pid" ] && kill "$pid" 2> /dev/null && pids+=("$pid")
	done
	for ((n = 0; n < 100; n++)); do
		for pid in "${pids[@]}"; do alive "$pid" && break; done
		alive "${pid:-0}" || break
		sleep 0.1
	done
	for pid in "${pids[@]}"; do alive "$pid" && kill -KILL "$pid" 2> /dev/null; done
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
		echo "listen = $a:$((p + 1000))"
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
protocol device { scan time 1; }   # wakes the main loop (see bench/live_bench.sh)
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
protocol device { scan time 1; }   # wakes the main loop (see bench/live_bench.sh)
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
# how many End-of-RIBs from the speaker the receiver has logged; how many
# times its session went down
n_eor() {
	if [ "$1" = bird ]; then grep -c ' spk: Got END-OF-RIB' "$tmp/bird.blog"
	else grep -c 'End-of-RIB AFI 1 SAFI 1' "$tmp/$1.log"; fi
}
n_down() {
	if [ "$1" = bird ]; then grep -c ' spk: State changed to down' "$tmp/bird.blog"
	else grep -c 'Established -> ' "$tmp/$1.log"; fi
}
# nth_time FILE PROTO PATTERN N: the log time of the Nth BIRD line of PROTO matching PATTERN
nth_time() {
	awk -v p="$2:" -v pat="$3" -v n="$4" '$3 == p && index($0, pat) && ++k == n { print $1; exit }' "$1"
}

# cpu_ticks PID: user + system clock ticks of PID in REPLY (no fork)
cpu_ticks() {
	local f
	REPLY=0
	read -r -a f < "/proc/$1/stat" 2> /dev/null && REPLY=$((f[13] + f[14]))
}
tck=$(getconf CLK_TCK)
us() { REPLY=${EPOCHREALTIME/./}; }

declare -A T RX BEFORE AFTER AFTERN HWM CPU SCPU GAP SEOR
for ((round = 1; round <= rounds; round++)); do
	for r in "${list[@]}"; do
		pid=$(cat "$tmp/$r.pid")
		proto=to_${r//-/_}
		if ((round > 1)); then
			# the speaker drops the session, the receiver its routes; then
			# wait until the receiver is quiet (no CPU tick for 0.5 s)
			cpu_ticks "$pid"; d0=$REPLY
			us; t_dis=$REPLY
			birdc -s "$tmp/spk.ctl" disable "$proto" > /dev/null || die "birdc disable $proto failed"
			wait_until "$timeout" eval '[ "$(n_down "$r")" -ge $((round - 1)) ]' ||
				die "$r: the session did not go down after the speaker's disable"
			cpu_ticks "$pid"; q=$REPLY
			us; t_quiet=$REPLY
			while :; do
				sleep 0.5
				cpu_ticks "$pid"
				[ "$REPLY" = "$q" ] && break
				q=$REPLY
				us; t_quiet=$REPLY
				((t_quiet - t_dis > timeout * 1000000)) && die "$r: still busy $timeout s after the disable"
			done
			printf '%s, round %d/%d: session disabled; routes dropped within %.2f s, CPU %.2f s\n' "$r" \
				$round $rounds "$(echo "($t_quiet - $t_dis) / 1000000" | bc -l)" "$(echo "($q - $d0) / $tck" | bc -l)"
		fi
		sleep 1
		((round == 1)) && BEFORE[$r]=$(rss_kb "$pid" VmRSS)
		printf '%s, round %d/%d: enabling the speaker'"'"'s session (RSS %d MB) ...\n' "$r" $round $rounds \
			$(($(rss_kb "$pid" VmRSS) / 1024))
		cpu_ticks "$pid"; r0=$REPLY
		cpu_ticks "$spk_pid"; s0=$REPLY
		us; t_en=$REPLY
		birdc -s "$tmp/spk.ctl" enable "$proto" > /dev/null || die "birdc enable $proto failed"
		# wait for the whole table; meanwhile note the longest time in which
		# neither the receiver nor the speaker got a CPU tick (counted from the
		# receiver's first tick after the enable): a stall of the speaker, or
		# both waiting for a CPU on a loaded machine
		prev=$((r0 + s0)) last=0 gap=0 ok=0
		while :; do
			if [ "$(n_eor "$r")" -ge $round ]; then ok=1; break; fi
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
		if [ $ok -ne 1 ]; then
			[ "$r" = bird ] && die "bird: no End-of-RIB after $timeout s ($(bird_count) of $nprefix routes)"
			echo "$r: no End-of-RIB after $timeout s; its log:" >&2
			tail -20 "$tmp/$r.log" >&2
			die "$r did not absorb the table"
		fi
		cpu_ticks "$pid"; rc=$REPLY
		cpu_ticks "$spk_pid"; sc=$REPLY
		k=$r,$round
		CPU[$k]=$(echo "scale=2; ($rc - $r0) / $tck" | bc)
		SCPU[$k]=$(echo "scale=2; ($sc - $s0) / $tck" | bc)
		GAP[$k]=$(echo "scale=3; $gap / 1000000" | bc)
		if [ "$r" = bird ]; then
			t_up=$(nth_time "$tmp/bird.blog" spk "State changed to up" $round)
			t_eor=$(nth_time "$tmp/bird.blog" spk "Got END-OF-RIB" $round)
			T[$k]=$(echo "scale=6; $t_eor - $t_up" | bc)
			RX[$k]=$(bird_count)
			echo "  BIRD: End-of-RIB with ${RX[$k]} routes imported, ${T[$k]} s after Established"
		else
			line=$(grep 'End-of-RIB AFI 1 SAFI 1' "$tmp/$r.log" | sed -n "${round}p")
			echo "  $line"
			T[$k]=$(echo "$line" | sed -n 's/.*, \([0-9.]*\) s after Established.*/\1/p')
			RX[$k]=$(echo "$line" | sed -n 's/.*: \([0-9]*\) prefixes received.*/\1/p')
		fi
		spk_up=$(nth_time "$tmp/spk.blog" "$proto" "State changed to up" $round)
		spk_eor=$(nth_time "$tmp/spk.blog" "$proto" "Sending END-OF-RIB" $round)
		SEOR[$k]=$(echo "scale=3; ${spk_eor:-0} - ${spk_up:-0}" | bc)
		sleep "$settle"
		alive "$pid" || die "$r died after the load: $(tail -5 "$tmp/$r.log" 2> /dev/null)"
		AFTERN[$r]=$(rss_kb "$pid" VmRSS)
		((round == 1)) && AFTER[$r]=${AFTERN[$r]}
		HWM[$r]=$(rss_kb "$pid" VmHWM)
		printf '  %s prefixes in %.3f s after Established; CPU %.2f s (speaker %.2f s)\n' \
			"${RX[$k]}" "${T[$k]}" "${CPU[$k]}" "${SCPU[$k]}"
		printf '  the speaker sent its End-of-RIB %.3f s after its Established; longest idle: %.3f s\n' \
			"${SEOR[$k]}" "${GAP[$k]}"
		printf '  RSS %d MB %s s after, peak %d MB\n' $((AFTERN[$r] / 1024)) "$settle" $((HWM[$r] / 1024))
	done
done
# median R: the median of receiver R's rounds of array T or CPU (name in $2)
median() {
	local -n arr=$2
	local i
	for ((i = 1; i <= rounds; i++)); do echo "${arr[$1,$i]}"; done | sort -g |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

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
	echo "$r: exit $rc after SIGTERM, $resets session end(s) in the log (expected $rounds:" \
		"$((rounds - 1)) disables and the stop); its log without the End-of-RIB lines:"
	grep -v 'End-of-RIB AFI 1 SAFI 1' "$tmp/$r.log" | sed 's/^/  /'
done

# ---------------------------------------------------------------- summary
div() { echo "scale=6; $1 / $2" | bc; }
declare -A MT MC
for r in "${list[@]}"; do
	MT[$r]=$(median "$r" T) MC[$r]=$(median "$r" CPU)
done
echo
echo "== full table: $nprefix prefixes from one BIRD 2 speaker, one receiver at a time, $rounds round(s) =="
echo "   $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (at the start: $load0)"
printf '%-10s %8s %8s %7s %10s %8s %8s %8s %6s %7s\n' receiver prefixes "time s" "CPU s" "pfx/CPU-s" \
	"RSS MB" "RSS2 MB" "peak MB" "B/pfx" "ΔB/pfx"
for r in "${list[@]}"; do
	printf '%-10s %8s %8.3f %7.2f %10.0f %8.1f %8.1f %8.1f %6.0f %7.0f\n' "$r" "${RX[$r,1]}" "${MT[$r]}" \
		"${MC[$r]}" "$(div "${RX[$r,1]}" "${MC[$r]}")" "$(div "${AFTER[$r]}" 1024)" \
		"$(div "${AFTERN[$r]}" 1024)" "$(div "${HWM[$r]}" 1024)" \
		"$(div "${AFTER[$r]} * 1024" "${RX[$r,1]}")" "$(div "(${AFTER[$r]} - ${BEFORE[$r]}) * 1024" "${RX[$r,1]}")"
done
for r in "${list[@]}"; do
	printf '  %-10s rounds: time' "$r"
	for ((i = 1; i <= rounds; i++)); do printf ' %.3f' "${T[$r,$i]}"; done
	printf ' s; CPU'
	for ((i = 1; i <= rounds; i++)); do printf ' %.2f' "${CPU[$r,$i]}"; done
	printf ' s\n'
done
cat << EOF
  time: Established to the sender's End-of-RIB in the receiver (both log it); CPU: user +
    system time of the receiver from the enable to the End-of-RIB; both the median of
    the rounds.  RSS: VmRSS $settle s after the first load; RSS2: after the last one (the
    session dropped and loaded again); peak: VmHWM at the end; B/pfx: RSS / prefixes;
    ΔB/pfx: the growth from the idle RSS before the first session, per prefix.
EOF
if [ -n "${MT[bird]:-}" ]; then
	echo
	echo "ratios against BIRD (goal of the issue: speed >= 1, memory <= 0.5)"
	printf '%-10s %14s %14s %14s %14s\n' "" "time BIRD/lo" "CPU BIRD/lo" "RSS lo/BIRD" "peak lo/BIRD"
	for r in "${list[@]}"; do
		[ "$r" = bird ] && continue
		ts=$(div "${MT[bird]}" "${MT[$r]}") cs=$(div "${MC[bird]}" "${MC[$r]}")
		rs=$(div "${AFTER[$r]}" "${AFTER[bird]}") ps=$(div "${HWM[$r]}" "${HWM[bird]}")
		printf '%-10s %14.2f %14.2f %14.2f %14.2f   speed %s, memory %s\n' "$r" "$ts" "$cs" "$rs" "$ps" \
			"$( (($(echo "$ts >= 1" | bc))) && echo met || echo missed)" \
			"$( (($(echo "$rs <= 0.5" | bc))) && echo met || echo missed)"
	done
fi
exit 0
