# lib.sh - shared by the flow tests in tests/flow (sourced, not run).
#
# Usage from a test: `source "$(dirname "$0")/lib.sh" LIGHTSOUT` after
# nothing else; then flow_need TOOL... and ns_setup.
#
# Gives each test a temporary directory ($T), two network namespaces made
# here ($NS_ATK with veth-atk 198.18.0.1/24, $NS_VIC with veth-vic
# 198.18.0.2/24; 198.18.0.0/15 only, no default route, IPv6 off), and a
# trap that kills every process started with start_bg (and their children:
# pmacctd forks its plugins) by PID, then deletes the namespaces.  Exporters
# and `lightsout serve` run in $NS_VIC and talk over its own 127.0.0.1;
# floods come from $NS_ATK.  Every wait is bounded (wait_until) and never
# goes past the test's $DEADLINE.  Not root, or a tool missing: exit 77.
# FLOW_KEEP=1 keeps $T (logs, configs, stores) for a post-mortem.

set -u
LIGHTSOUT=${1:?usage: $0 LIGHTSOUT}
LIGHTSOUT=$(realpath "$LIGHTSOUT")
FLOW_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3 # the python3 on PATH may be a pyenv shim
[[ -x $PY ]] || PY=$(command -v python3)
DEADLINE=$((SECONDS + ${FLOW_BUDGET:-150}))
T=
PIDS=()
declare -A PID
FAIL=0
NS_ATK=loflow$$a
NS_VIC=loflow$$v

skip() {
	echo "SKIP: $*"
	exit 77
}

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"

# flow_need TOOL...: skip unless every TOOL is on PATH
flow_need() {
	local t
	for t; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}

flow_need ip pgrep timeout "$PY"
T=$(mktemp -d /tmp/lo-flow.XXXXXX) || exit 1

_descendants() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		echo "$c"
		_descendants "$c"
	done
}

cleanup() {
	local all=() p i alive
	for p in "${PIDS[@]}"; do
		all+=("$p")
		all+=($(_descendants "$p"))
	done
	for p in "${all[@]}"; do kill "$p" 2>/dev/null; done
	for ((i = 0; i < 30; i++)); do
		alive=0
		for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		((alive)) || break
		sleep 0.1
	done
	for p in "${all[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS_ATK" 2>/dev/null
	ip netns del "$NS_VIC" 2>/dev/null
	if [[ -n ${FLOW_KEEP:-} ]]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok: $*"; }

# bad MSG: a failed check (the test goes on, and exits 1 at the end)
bad() {
	echo "FAIL: $*"
	FAIL=1
}

# die MSG [LOG...]: a failed check the test cannot go on from; shows the logs' tails
die() {
	local f
	echo "FAIL: $1"
	shift
	for f; do
		echo "--- $f (last 25 lines)"
		tail -25 "$f" 2>/dev/null
	done
	exit 1
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s, at most SECONDS (never past $DEADLINE)
wait_until() {
	local end=$((SECONDS + $1))
	shift
	((end > DEADLINE)) && end=$DEADLINE
	until "$@"; do
		((SECONDS >= end)) && return 1
		sleep 0.1
	done
}

# now: unix time with nanoseconds
now() { date +%s.%N; }

atk() { ip netns exec "$NS_ATK" "$@"; }
vic() { ip netns exec "$NS_VIC" "$@"; }

# ns_setup: the two namespaces and the veth pair between them.  First
# deletes what a run killed before its trap ran (a ctest timeout sends
# SIGKILL) left: namespaces loflowPIDa/v whose PID is gone, and the
# processes still in them (the exporters, serve... that run started).
ns_setup() {
	local n p
	for n in $(ip netns list 2>/dev/null | awk '$1 ~ /^loflow[0-9]+[av]$/ {print $1}'); do
		p=${n#loflow}
		p=${p%[av]}
		kill -0 "$p" 2>/dev/null && continue
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
	ip netns add "$NS_ATK" || skip "cannot create network namespaces"
	ip netns add "$NS_VIC" || skip "cannot create network namespaces"
	for n in "$NS_ATK" "$NS_VIC"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
		ip netns exec "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
		ip -n "$n" link set lo up
	done
	ip link add veth-atk netns "$NS_ATK" type veth peer name veth-vic netns "$NS_VIC" ||
		die "cannot create the veth pair"
	ip -n "$NS_ATK" addr add 198.18.0.1/24 dev veth-atk
	ip -n "$NS_VIC" addr add 198.18.0.2/24 dev veth-vic
	ip -n "$NS_ATK" link set veth-atk up
	ip -n "$NS_VIC" link set veth-vic up
	MAC_ATK=$(ip -n "$NS_ATK" -br link show veth-atk | awk '{print $3}')
	MAC_VIC=$(ip -n "$NS_VIC" -br link show veth-vic | awk '{print $3}')
}

# start_bg NAME NS CMD...: run CMD in namespace NS (atk or vic) in the
# background, output to $T/NAME.log; its PID in ${PID[NAME]}
start_bg() {
	local name=$1 ns=$2
	shift 2
	[[ $ns == atk ]] && ns=$NS_ATK
	[[ $ns == vic ]] && ns=$NS_VIC
	ip netns exec "$ns" "$@" >"$T/$name.log" 2>&1 &
	PIDS+=($!)
	PID[$name]=$!
}

# stop NAME: SIGTERM to NAME (and its children), at most 5 s, then SIGKILL
stop() {
	local p=${PID[$1]:-} c i
	[[ -n $p ]] || return 0
	for c in $(_descendants "$p"); do kill "$c" 2>/dev/null; done
	kill "$p" 2>/dev/null
	for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	PID[$1]=
}

# ---------------------------------------------------------------- lightsout

# serve_ini NAME PORT SFLOWPORT [EXTRA]: a config for `serve` NAME in
# $T/NAME.ini: store $T/NAME.db, HTTP on a port of its own, NetFlow/IPFIX on
# 127.0.0.1:PORT (none if PORT is -), sFlow on SFLOWPORT (none if -), the
# exporter allowlist 127.0.0.0/8, attack_end $ATTACK_END (3) s, no
# baselines, a small RIR file for geo; EXTRA (text)
# is appended: the [hostgroup] sections and anything else
serve_ini() {
	local name=$1 port=$2 sport=$3 extra=${4:-}
	HTTP_PORT=$((${HTTP_PORT:-18079} + 1))
	{
		echo "[store]"
		echo "path = $T/$name.db"
		echo "[geo]" # small and quick: the default, libloc, takes 3-8 s to load here
		echo "source = rir:$FLOW_DIR/../data/rir/ipzone__delegated-afrinic-latest.2014-06-30"
		echo "[http]"
		echo "listen = 127.0.0.1:$HTTP_PORT"
		echo "[flow]"
		[[ $port != - ]] && echo "listen = 127.0.0.1:$port"
		[[ $sport != - ]] && echo "sflow = 127.0.0.1:$sport"
		echo "exporter = 127.0.0.0/8"
		echo "attack_end = ${ATTACK_END:-3}"
		echo "baseline = no"
		printf '%s\n' "$extra"
	} >"$T/$name.ini"
}

# start_serve NAME: `lightsout serve -c $T/NAME.ini -v` in $NS_VIC; waits
# until it runs
start_serve() {
	"$LIGHTSOUT" serve -c "$T/$1.ini" -n >"$T/$1.check" 2>&1 ||
		die "serve config $1 rejected: $(cat "$T/$1.check")" "$T/$1.ini"
	start_bg "$1" vic "$LIGHTSOUT" serve -c "$T/$1.ini" -v
	wait_until 10 grep -q "lightsout serve: running" "$T/$1.log" ||
		die "serve $1 did not start" "$T/$1.log"
}

# stop_serve NAME: SIGTERM, at most 10 s; fails unless it exits 0.  Sets
# SUMMARY to its "flow: N datagrams ..." line.
stop_serve() {
	local p=${PID[$1]} i rc
	kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$p" 2>/dev/null; then
		bad "serve $1 still running 10 s after SIGTERM"
		kill -9 "$p"
	fi
	wait "$p"
	rc=$?
	PID[$1]=
	[[ $rc -eq 0 ]] || bad "serve $1 exited $rc after SIGTERM"
	grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$T/$1.log" &&
		bad "sanitizer report from serve $1 (see $T/$1.log)"
	SUMMARY=$(grep -o 'flow: [0-9]* datagrams.*' "$T/$1.log" | tail -1)
}

# summary_field WORD: the number before WORD in $SUMMARY ("malformed", "datagrams", ...)
summary_field() {
	echo "$SUMMARY" | grep -o "[0-9]* $1" | head -1 | awk '{print $1}'
}

# attack_of DB HOST: the latest attack event on host:HOST as one JSON line (empty if none)
attack_of() {
	"$LIGHTSOUT" events --db "$1" --format json 2>/dev/null |
		grep -F "\"entity\":\"host:$2\"" | grep '"kind":"attack"' | tail -1
}

_has_attack() { [[ -n $(attack_of "$1" "$2") ]]; }

# wait_attack DB HOST SECONDS: until an attack on HOST is stored; prints the
# time it was first seen (unix s); status 1 if none within SECONDS
wait_attack() {
	wait_until "$3" _has_attack "$1" "$2" || return 1
	now
}

# ---------------------------------------------------------------- exporters

# start_filler SECONDS: non-IP frames at 1000/s from $NS_ATK onto the veth,
# so that libpcap-based exporters see their capture blocks filled (filler.py)
start_filler() {
	start_bg filler atk "$PY" "$FLOW_DIR/filler.py" veth-atk "$1" 1000
}

# start_softflowd NAME VERSION PORT: softflowd on veth-vic exporting NetFlow
# v9 (9) or IPFIX (10) to 127.0.0.1:PORT, flows expired after 1 s
start_softflowd() {
	start_bg "$1" vic softflowd -i veth-vic -v "$2" -m 65536 -n "127.0.0.1:$3" -d \
		-t maxlife=1 -t expint=1 -p "$T/$1.pid" -c "$T/$1.ctl"
}

# start_fprobe NAME PORT: fprobe (NetFlow v5) on veth-vic to 127.0.0.1:PORT;
# -B/-q: without the larger capture buffer and queue it lost half of a
# 2.5 kpps flood here
start_fprobe() {
	start_bg "$1" vic fprobe -i veth-vic -s 1 -d 1 -e 2 -n 5 -B 8192 -q 10000 -l "2:$1" \
		"127.0.0.1:$2"
}

# start_sfprobe NAME PORT RATE: pmacctd's sfprobe plugin (sFlow v5, 1 in
# RATE packets) on veth-vic to 127.0.0.1:PORT
start_sfprobe() {
	printf '%s\n' "daemonize: false" "pidfile: $T/$1.pid" "pcap_interface: veth-vic" \
		"plugins: sfprobe" "sfprobe_receiver: 127.0.0.1:$2" "sfprobe_agentip: 127.0.0.1" \
		"sampling_rate: $3" >"$T/$1.conf"
	start_bg "$1" vic pmacctd -f "$T/$1.conf"
}

# exporters_ready: give the exporters' captures time to open (they print
# nothing reliable when they are ready)
exporters_ready() {
	sleep 1.5
}

# report: the end of a test
report() {
	if ((FAIL)); then
		echo "FAILED ($SECONDS s); logs in $T (set FLOW_KEEP=1 to keep them)"
		exit 1
	fi
	echo "PASS ($SECONDS s)"
	exit 0
}
