# netns.sh - the harness shared by tests/flow/lib.sh and tests/probe/lib.sh
# (sourced by them, not run, and not by the tests themselves).
#
# Usage from a lib, after `set -u` and LIGHTSOUT:
#	source "$DIR/../lib/netns.sh"
#	netns_init NAME KEEPVAR BUDGET TOOL...
#
# What a test in network namespaces needs whatever it checks: a skip (exit
# 77) when not root or a tool is missing, a temporary directory ($T), an
# EXIT trap that kills every process started with bg_in_ns (and their
# children) by PID and deletes the namespaces made with ns_add, checks that
# fail (bad, die) and a report, waits that never go past $DEADLINE
# (wait_until), and `lightsout serve` started and stopped in a namespace.
# What differs stays in the libs: their namespaces, addresses and names for
# them (start_bg, start_serve), the tools they need, the variable that keeps
# $T (FLOW_KEEP, PROBE_KEEP) and the budget (FLOW_BUDGET, PROBE_BUDGET).

PY=/usr/bin/python3 # the python3 on PATH may be a pyenv shim
[[ -x $PY ]] || PY=$(command -v python3)
T=
PIDS=()
NSS=()
declare -A PID
FAIL=0
NETNS_KEEP=

# skip MSG: the test cannot run here (exit 77: ctest's SKIP_RETURN_CODE)
skip() {
	echo "SKIP: $*"
	exit 77
}

# need TOOL...: skip unless every TOOL is on PATH
need() {
	local t
	for t; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}

# netns_init NAME KEEPVAR BUDGET TOOL...: skip unless root and every TOOL
# is on PATH; $DEADLINE is BUDGET s from now; $T is a new
# /tmp/lo-NAME.XXXXXX, kept at exit if the variable named KEEPVAR is set
# (FLOW_KEEP=1 ...); sets the traps
netns_init() {
	local name=$1
	NETNS_KEEP=$2
	DEADLINE=$((SECONDS + $3))
	shift 3
	[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
	need "$@"
	T=$(mktemp -d "/tmp/lo-$name.XXXXXX") || exit 1
	trap cleanup EXIT
	trap 'exit 1' INT TERM
}

# _descendants PID: the PIDs of PID's children, theirs..., one a line
_descendants() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		echo "$c"
		_descendants "$c"
	done
}

# cleanup: the EXIT trap.  SIGTERM to every process in $PIDS and their
# children (pmacctd forks its plugins), at most 3 s, then SIGKILL; deletes
# the namespaces in $NSS, and $T unless the variable named $NETNS_KEEP is set
cleanup() {
	local all=() p i alive n
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
	for n in "${NSS[@]}"; do ip netns del "$n" 2>/dev/null; done
	if [[ -n ${!NETNS_KEEP:-} ]]; then echo "kept $T"; else rm -rf "$T"; fi
}

# ok MSG: a passed check
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

# ns_sweep PREFIX LETTERS: deletes what runs killed before their trap ran (a
# ctest timeout sends SIGKILL) left: namespaces PREFIX<PID><letter> (LETTERS
# as in a bracket expression: "av", "a-z") whose PID is gone, and the
# processes still in them
ns_sweep() {
	local n p
	for n in $(ip netns list 2>/dev/null | awk -v re="^$1[0-9]+[$2]\$" '$1 ~ re {print $1}'); do
		p=${n#"$1"}
		p=${p%?}
		kill -0 "$p" 2>/dev/null && continue
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
}

# ns_add NETNS: a new namespace (skip if it cannot be made), deleted by the
# trap; IPv6 off, lo up
ns_add() {
	ip netns add "$1" || skip "cannot create network namespaces"
	NSS+=("$1")
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	ip -n "$1" link set lo up
}

# bg_in_ns NAME NETNS CMD...: run CMD in namespace NETNS in the background,
# output to $T/NAME.log; its PID in ${PID[NAME]} (and $PIDS, for the trap)
bg_in_ns() {
	local name=$1 n=$2
	shift 2
	ip netns exec "$n" "$@" >"$T/$name.log" 2>&1 &
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

# serve_start NAME NETNS: `lightsout serve -c $T/NAME.ini -v` in namespace
# NETNS once `serve -n` accepts the config; waits until it runs; SERVE_T0:
# the time it was started
serve_start() {
	"$LIGHTSOUT" serve -c "$T/$1.ini" -n >"$T/$1.check" 2>&1 ||
		die "serve config $1 rejected: $(cat "$T/$1.check")" "$T/$1.ini"
	SERVE_T0=$(now)
	bg_in_ns "$1" "$2" "$LIGHTSOUT" serve -c "$T/$1.ini" -v
	wait_until 10 grep -q "lightsout serve: running" "$T/$1.log" ||
		die "serve $1 did not start" "$T/$1.log"
}

# serve_term NAME: SIGTERM to serve NAME, at most 10 s (then SIGKILL); a
# failed check unless it exits 0 with no sanitizer report in its log
serve_term() {
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
}

# report: the end of a test
report() {
	if ((FAIL)); then
		echo "FAILED ($SECONDS s); logs in $T (set $NETNS_KEEP=1 to keep them)"
		exit 1
	fi
	echo "PASS ($SECONDS s)"
	exit 0
}
