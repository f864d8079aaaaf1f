#!/bin/bash
# probe_bench.sh [LIGHTSOUT] - `lightsout probe` side by side with fping
# (Debian's, 5.1) in one run, on this machine, against the same hosts.  A
# benchmark, not a test: it prints figures and never fails on them.  Root
# only (network namespaces); everything runs in two namespaces it makes
# (tests/probe/lib.sh: lo7<PID>p, the prober, and lo7<PID>h, the hosts),
# every command bounded by timeout(1), and the namespaces are deleted on
# exit (trap).  docs/probing-bench.md has the method and the figures.
#
# Usage: bash bench/probe_bench.sh [LIGHTSOUT]   (default: build/lightsout,
#        then /tmp/build-bench7/lightsout; use a Release/RelWithDebInfo build)
#        LO_PROBE_BENCH_REPS=N (default 7) timed runs of each tool per case
#        (plus one warm-up run each, not counted); the median is reported.
#
# The network: the prober's namespace reaches the host's over a veth pair
# (198.18.28.1/30 - 198.18.28.2/30) and routes 198.18.24.0/22 there.  The
# host holds, on its lo (this kernel has no dummy devices), all 254
# addresses .1-.254 of 198.18.24.0/24 and 10 of 198.18.25.0/24; every other
# address of the /22 is silent (the host does not forward, so no ICMP error
# either).  An nft counter in the host counts the echo requests that
# arrive: the probes each tool really sent.
#
# The cases, each at two nominal rates (lightsout --rate 1000 and --rate
# 10000, its hard cap; fping -i 1 and -i 0.1, below 1 ms as root only),
# one attempt (no retries), 500 ms timeout:
#  1 reachability of the 1024 addresses of 198.18.24.0/22 (264 answer):
#    lightsout probe -j --retries 0 --timeout 500 --rate R icmp:A ... vs
#    fping -r 0 -t 500 -i I -q -a A ...; both must find the same addresses
#  2 a /24 block: lightsout probe -j --timeout 500 --rate R block:P (a sweep
#    of .1-.254, then belief rounds until the block's state is known) vs
#    fping -r 0 -t 500 -i I -q -a -g P (a sweep, nothing more); (a) the
#    dense 198.18.24.0/24, (b) the sparse 198.18.25.0/24 (10 answer)
#  0 (for scale) one answering address: the fixed cost of a run
#  1p case 1 at 10000/s with EVENT_PRECISE_TIMER=1 in lightsout's
#    environment (libevent then times with CLOCK_MONOTONIC, not _COARSE)
# For every run: wall time (spawn to exit) and CPU time (user + sys of the
# process and its children, from wait4's rusage), in the prober's namespace.
# After the timed runs, one more run of each tool with dumpcap capturing
# the echo requests in the host gives the rate they really went out at
# (first to last echo; a block's sweep only); without dumpcap, "-".
set -u
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
lo=${1:-}
if [[ -z $lo ]]; then
	for c in build/lightsout /tmp/build-bench7/lightsout build-ci/lightsout; do
		[[ -x $c ]] && { lo=$c; break; }
	done
fi
[[ -n $lo && -x $lo ]] || { echo "usage: $0 LIGHTSOUT (no build/lightsout here)"; exit 2; }
PROBE_BUDGET=${LO_PROBE_BENCH_BUDGET:-900} source "$root/tests/probe/lib.sh" "$lo"
probe_need fping nft
REPS=${LO_PROBE_BENCH_REPS:-7}
RUN_MAX=30 # seconds: any single run is killed after this
SPARSE=(10 35 60 85 110 135 160 185 210 235) # the answering addresses of 198.18.25.0/24

# ---------------------------------------------------------------- helpers

# The timer: runs CMD with stdout to OUT and prints "WALL USER SYS RC"
# (seconds); the clock starts after python's own start-up, the CPU time is
# the child's (timeout(1)) and its child's (the tool).  posix_spawn, not
# fork: a forked python child would add ~15 ms of page copying to it.
cat >"$T/timed.py" <<'EOF'
import os, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=[
    (os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)])
_, status, ru = os.wait4(pid, 0)
t1 = time.monotonic()
print("%.4f %.4f %.4f %d" % (t1 - t0, ru.ru_utime, ru.ru_stime, os.waitstatus_to_exitcode(status)))
EOF

# timed OUT CMD...: CMD in the prober's namespace, at most $RUN_MAX s;
# sets WALL, CPU (user + sys), RC; stderr to OUT.err
timed() {
	local out=$1 r
	shift
	r=$(from_p "$PY" "$T/timed.py" "$out" timeout -k 2 "$RUN_MAX" "$@" 2>"$out.err")
	set -- $r
	WALL=${1:-nan} CPU=$(awk -v u="${2:-0}" -v s="${3:-0}" 'BEGIN { printf "%.4f", u + s }') RC=${4:-?}
	[[ $RC == 124 || $RC == 137 ]] && echo "  (a run took over $RUN_MAX s and was killed: $*)"
}

echoes() { # echo requests the host has received so far
	in_ns h nft list counter ip lo7b echoes | awk '$1 == "packets" { print $2 }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "-" }'; }

# ---------------------------------------------------------------- setup
echo "probe_bench: $(date -u +%FT%TZ) on $(uname -n): $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "lightsout: $lo ($(cd "$root" && git rev-parse --short HEAD 2>/dev/null)); $(fping -v 2>&1 | head -1); $REPS runs each, medians"
ns_prober
ns_host h 198.18.28.1 198.18.28.2
{
	for i in $(seq 1 254); do echo "addr add 198.18.24.$i/32 dev lo"; done
	for i in "${SPARSE[@]}"; do echo "addr add 198.18.25.$i/32 dev lo"; done
} | in_ns h ip -batch - || die "cannot set up the host's addresses"
from_p ip route add 198.18.24.0/22 via 198.18.28.2
in_ns h nft -f - <<'EOF' || die "nft in the host"
table ip lo7b {
	counter echoes { }
	chain pre {
		type filter hook prerouting priority 0;
		icmp type echo-request counter name echoes
	}
}
EOF
hpy ping 198.18.24.254 1000 >/dev/null || die "198.18.24.254 does not answer"
hpy ping 198.18.25.235 1000 >/dev/null || die "198.18.25.235 does not answer"
[[ $(hpy ping 198.18.25.11 300) == timeout ]] || die "198.18.25.11 is not silent"
[[ $(hpy ping 198.18.27.9 300) == timeout ]] || die "198.18.27.9 is not silent"

ADDRS=()
for c in 24 25 26 27; do for i in $(seq 0 255); do ADDRS+=("198.18.$c.$i"); done; done
ICMP=("${ADDRS[@]/#/icmp:}")
bytes=$(printf '%s\0' "$lo" "${ICMP[@]}" | wc -c)
((bytes < $(getconf ARG_MAX) / 4)) ||
	die "1024 targets take $bytes bytes of arguments, near ARG_MAX $(getconf ARG_MAX)"
echo "1024 targets: $bytes bytes of arguments (ARG_MAX $(getconf ARG_MAX)); expected answers: $((254 + ${#SPARSE[@]}))"

# ---------------------------------------------------------------- the runs
declare -A W C N P S # by "CASE RATE TOOL": walls, cpus (lists), answers, echoes sent, sent/s
CASES=()

# send_rate KEY MAX CMD...: one more run of CMD (untimed), dumpcap in the
# host capturing the echo requests; S[KEY]: echoes / s from the first to
# the MAXth (a block's sweep: 254, not the belief probe after it)
send_rate() {
	local k=$1 max=$2
	shift 2
	S[$k]=-
	[[ -n $DUMPCAP ]] || return 0
	rm -f "$T/cap.pcapng"
	start_bg cap h timeout -s INT 60 dumpcap -q -i eth0 -f "icmp[0] == 8" -w "$T/cap.pcapng"
	wait_until 10 test -s "$T/cap.pcapng" || { stop cap; return 0; }
	sleep 0.3
	from_p timeout -k 2 "$RUN_MAX" "$@" >/dev/null 2>&1
	sleep 0.3
	stop cap
	S[$k]=$(tshark -r "$T/cap.pcapng" -T fields -e frame.time_epoch 2>/dev/null |
		awk -v max="$max" 'NR > max { exit } NR == 1 { f = $1 } { l = $1; n++ } END { if (n > 1 && l > f) printf "%.0f", (n - 1) / (l - f); else print "-" }')
}

# bench CASE RATE: REPS (+1 warm-up) runs of both tools, alternating which
# goes first; then one run of each for its send rate
bench() {
	local cs=$1 rate=$2 ivl r k tool e0 lo_cmd fp_cmd lo_opt fp_opt lo_tg fp_tg order what env=()
	ivl=$(echo "scale=1; 1000 / $rate" | bc | sed 's/^\./0./; s/\.0$//')
	lo_opt=(-j --retries 0 --timeout 500 --rate "$rate")
	fp_opt=(-r 0 -t 500 -i "$ivl" -q -a)
	case $cs in
	0) lo_tg=(icmp:198.18.24.1) fp_tg=(198.18.24.1) what="icmp:198.18.24.1 | 198.18.24.1" ;;
	1 | 1p) lo_tg=("${ICMP[@]}") fp_tg=("${ADDRS[@]}")
	   what="icmp:198.18.24.0 ... icmp:198.18.27.255 | 198.18.24.0 ... 198.18.27.255" ;;
	2a) lo_tg=(block:198.18.24.0/24) fp_tg=(-g 198.18.24.0/24) ;;
	2b) lo_tg=(block:198.18.25.0/24) fp_tg=(-g 198.18.25.0/24) ;;
	esac
	[[ $cs == 2* ]] && lo_opt=(-j --timeout 500 --rate "$rate") what="${lo_tg[*]} | ${fp_tg[*]}"
	[[ $cs == 1p ]] && env=(env EVENT_PRECISE_TIMER=1) # libevent: no CLOCK_MONOTONIC_COARSE
	lo_cmd=("${env[@]}" "$LIGHTSOUT" probe "${lo_opt[@]}" "${lo_tg[@]}")
	fp_cmd=(fping "${fp_opt[@]}" "${fp_tg[@]}")
	CASES+=("$cs $rate")
	echo
	echo "== $cs at $rate/s (load $(cut -d' ' -f1 /proc/loadavg)): ${env[*]:+${env[*]} }lightsout probe ${lo_opt[*]} ${what%% |*}"
	echo "   vs fping ${fp_opt[*]} ${what##*| }"
	for ((r = 0; r <= REPS; r++)); do
		order="lo fp"
		((r % 2)) && order="fp lo"
		for tool in $order; do
			k="$cs $rate $tool"
			e0=$(echoes)
			if [[ $tool == lo ]]; then
				timed "$T/out.$tool" "${lo_cmd[@]}"
			else
				timed "$T/out.$tool" "${fp_cmd[@]}"
			fi
			if [[ ($tool == lo && $RC != [03]) || ($tool == fp && $RC != [01]) ]]; then
				echo "  $tool exited $RC: $(head -c 300 "$T/out.$tool.err")"
			fi
			((r == 0)) && continue # warm-up
			W[$k]+="$WALL " C[$k]+="$CPU "
			P[$k]=$(($(echoes) - e0))
			if [[ $tool == fp ]]; then
				N[$k]=$(wc -l <"$T/out.fp")
			elif [[ $cs == [01]* ]]; then
				N[$k]=$(jq -s '[.[] | select(.up)] | length' "$T/out.lo")
			else
				N[$k]=$(jq -r '.blocks[0] | "\(.ever) (\(.state), JSON probes \(.probes))"' "$T/out.lo")
			fi
		done
	done
	if [[ $cs == 1* ]]; then # the same addresses?
		jq -r 'select(.up) | .target | ltrimstr("icmp:")' "$T/out.lo" | sort >"$T/up.lo"
		sort "$T/out.fp" >"$T/up.fp"
		if cmp -s "$T/up.lo" "$T/up.fp"; then
			echo "  both found the same $(wc -l <"$T/up.lo") addresses (last run)"
		else
			echo "  they DISAGREE (last run): $(diff "$T/up.lo" "$T/up.fp" | grep -c '^[<>]') addresses differ"
		fi
	fi
	local max=1024
	[[ $cs == 2* ]] && max=254
	send_rate "$cs $rate lo" $max "${lo_cmd[@]}"
	send_rate "$cs $rate fp" $max "${fp_cmd[@]}"
	for tool in lo fp; do
		k="$cs $rate $tool"
		echo "  $tool: wall ${W[$k]}| cpu ${C[$k]}| answers ${N[$k]}; echoes $((P[$k])) at ${S[$k]}/s"
	done
}

DUMPCAP=
command -v dumpcap >/dev/null && command -v tshark >/dev/null && DUMPCAP=1
[[ -n $DUMPCAP ]] || echo "(no dumpcap/tshark: send rates not measured)"
t0=$SECONDS
bench 0 10000 # the fixed cost of a run
for rate in 1000 10000; do
	bench 1 "$rate"
	bench 2a "$rate"
	bench 2b "$rate"
done
bench 1p 10000

# ---------------------------------------------------------------- summary
echo
echo "== summary ($(date -u +%FT%TZ), runs took $((SECONDS - t0)) s, $(nproc) CPUs, load now $(cut -d' ' -f1-3 /proc/loadavg)); medians of $REPS runs; ratio > 1: lightsout is faster"
printf '%-32s %8s %8s %6s  %8s %8s %6s  %-24s %-5s %-9s %s\n' "case" "lo wall" "fp wall" "fp/lo" \
	"lo CPU" "fp CPU" "fp/lo" "answers lo" "fp" "echoes" "sent/s lo fp"
declare -A names=([0]="0 one address" [1]="1 1024 addresses" [1p]="1p = 1, precise timer"
	[2a]="2a block 24.0/24" [2b]="2b block 25.0/24")
for c in "${CASES[@]}"; do
	set -- $c
	wl=$(median ${W[$c lo]}) wf=$(median ${W[$c fp]})
	cl=$(median ${C[$c lo]}) cf=$(median ${C[$c fp]})
	printf '%-32s %7.3fs %7.3fs %6s  %7.3fs %7.3fs %6s  %-24s %-5s %-9s %s\n' "${names[$1]} @$2/s" \
		"$wl" "$wf" "$(ratio "$wf" "$wl")" "$cl" "$cf" "$(ratio "$cf" "$cl")" \
		"${N[$c lo]}" "${N[$c fp]}" "${P[$c lo]}/${P[$c fp]}" "${S[$c lo]} ${S[$c fp]}"
done
