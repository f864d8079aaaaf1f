# lib.sh - shared by the probe tests in tests/probe (sourced, not run).
#
# Usage from a test: `source "$(dirname "$0")/lib.sh" LIGHTSOUT` after
# nothing else; then probe_need TOOL..., ns_prober and ns_host.
#
# Gives each test a temporary directory ($T), a namespace for the prober
# ($NS_P: `lightsout serve` and `lightsout probe` run there, so the root
# namespace is never touched) and one namespace per far host (ns_host), each
# joined to $NS_P by a veth pair of its own with a /30 (each test its own
# addresses, all within 198.18.20.0-198.18.24.255: 198.18.0.0/15 only; no
# default route anywhere, IPv6 off, forwarding off).  A trap kills every process started with start_bg (and
# their children) by PID, then deletes the namespaces.  Every wait is
# bounded (wait_until) and never goes past the test's $DEADLINE.  Not root,
# or a tool missing: exit 77.  PROBE_KEEP=1 keeps $T (logs, configs,
# stores) for a post-mortem.  The generic part (the trap, skip, ok/bad/die,
# wait_until, stop, report...) is tests/lib/netns.sh, shared with
# tests/flow/lib.sh.

set -u
LIGHTSOUT=${1:?usage: $0 LIGHTSOUT}
LIGHTSOUT=$(realpath "$LIGHTSOUT")
PROBE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOSTS_PY=$PROBE_DIR/hosts.py
NS_P=lo7$$p
# libcurl (HTTP probes) honours these; nothing here may leave the namespaces
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
# shellcheck source-path=SCRIPTDIR source=../lib/netns.sh
source "$PROBE_DIR/../lib/netns.sh"
netns_init probe PROBE_KEEP "${PROBE_BUDGET:-150}" ip pgrep timeout jq bc "$PY"

# probe_need TOOL...: skip unless every TOOL is on PATH
probe_need() { need "$@"; }

# sleep_until T: sleep until unix time T (at once if it passed; never past $DEADLINE)
sleep_until() {
	sleep "$(echo "t = $1 - $(now); m = $DEADLINE - $SECONDS; if (t > m) t = m; if (t < 0) t = 0; t" | bc)"
}

# ns NAME: the namespace of host NAME ("p": the prober's)
ns() { echo "lo7$$$1"; }

# in_ns NAME CMD...: run CMD in host NAME's namespace
in_ns() {
	local n
	n=$(ns "$1")
	shift
	ip netns exec "$n" "$@"
}

# _ns_new NAME: a namespace, lo up, IPv6 and forwarding off.  The first call
# deletes what a run killed before its trap ran left (ns_sweep): namespaces
# lo7PIDx whose PID is gone, and the processes still in them.
_ns_new() {
	local n
	if ((${#NSS[@]} == 0)); then ns_sweep lo7 a-z; fi
	n=$(ns "$1")
	ns_add "$n"
	ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=0
}

# ns_prober: the prober's namespace $NS_P
ns_prober() {
	_ns_new p
}

# ns_host NAME PADDR HADDR: host NAME's namespace and the veth pair joining
# it to $NS_P: "to-NAME" there with PADDR/30, "eth0" in the host with
# HADDR/30.  The host does not rate-limit its ICMP errors (a closed UDP
# port answers every query), and the prober's neighbour entry for HADDR is
# permanent, so that a host whose link is down is silent (no ARP failure
# turning into an ICMP host unreachable on the prober).
ns_host() {
	local name=$1 pa=$2 ha=$3 n mac
	_ns_new "$name"
	n=$(ns "$name")
	ip netns exec "$n" sysctl -qw net.ipv4.icmp_ratelimit=0
	ip link add "to-$name" netns "$NS_P" type veth peer name eth0 netns "$n" ||
		die "cannot create the veth pair to $name"
	ip -n "$NS_P" addr add "$pa/30" dev "to-$name"
	ip -n "$n" addr add "$ha/30" dev eth0
	ip -n "$NS_P" link set "to-$name" up
	ip -n "$n" link set eth0 up
	mac=$(ip -n "$n" -br link show eth0 | awk '{print $3}')
	ip -n "$NS_P" neigh replace "$ha" lladdr "$mac" dev "to-$name" nud permanent
}

# link NAME up|down: host NAME's end of its veth pair
link() {
	ip -n "$(ns "$1")" link set eth0 "$2"
}

# nft_drop NAME RULE: drop what RULE matches as it enters host NAME ("tcp
# dport 9000", "icmp type echo-request", ...); nft_flush NAME: drop nothing
nft_drop() {
	local n
	n=$(ns "$1")
	shift
	ip netns exec "$n" nft add table inet lo7 &&
		ip netns exec "$n" nft add chain inet lo7 in '{ type filter hook input priority 0 ; }' &&
		ip netns exec "$n" nft add rule inet lo7 in "$@" drop
}
nft_flush() {
	ip netns exec "$(ns "$1")" nft flush chain inet lo7 in
}

# start_bg NAME HOST CMD...: run CMD in host HOST's namespace ("p": the
# prober's) in the background, output to $T/NAME.log; its PID in ${PID[NAME]}
start_bg() {
	local name=$1 n
	n=$(ns "$2")
	shift 2
	bg_in_ns "$name" "$n" "$@"
}

# ---------------------------------------------------------------- far ends

# start_http NAME HOST ADDR PORT: hosts.py's HTTP server; its page is
# $T/NAME.html (page NAME TEXT writes it)
start_http() {
	[[ -f $T/$1.html ]] || page "$1" "<html><body>KCNA Watch</body></html>"
	start_bg "$1" "$2" "$PY" "$HOSTS_PY" http "$3" "$4" "$T/$1.html"
	wait_until 5 grep -qs "^listening" "$T/$1.log" || die "HTTP server $1 did not start" "$T/$1.log"
}

# page NAME TEXT: the page HTTP server NAME serves from now on (atomic)
page() {
	printf '%s\n' "$2" >"$T/$1.html.new" && mv "$T/$1.html.new" "$T/$1.html"
}

# start_tcp NAME HOST ADDR PORT: hosts.py's TCP listener
start_tcp() {
	start_bg "$1" "$2" "$PY" "$HOSTS_PY" tcp "$3" "$4"
	wait_until 5 grep -qs "^listening" "$T/$1.log" || die "TCP listener $1 did not start" "$T/$1.log"
}

# start_dns NAME HOST ADDR: dnsmasq on ADDR:53, authoritative for nothing,
# no upstream: example.test is 198.18.20.9, every other name is refused
start_dns() {
	start_bg "$1" "$2" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
		--no-poll --bind-interfaces --listen-address="$3" --port=53 --pid-file= \
		--address=/example.test/198.18.20.9 --log-queries
	wait_until 5 grep -qs "started, version" "$T/$1.log" || die "dnsmasq $1 did not start" "$T/$1.log"
}

# from_p CMD...: run CMD in the prober's namespace
from_p() { ip netns exec "$NS_P" "$@"; }

# hpy ARGS...: hosts.py in the prober's namespace (ping, dns)
hpy() { from_p "$PY" "$HOSTS_PY" "$@"; }

# ---------------------------------------------------------------- lightsout

# serve_ini NAME TEXT: a config for `serve` NAME in $T/NAME.ini: store
# $T/NAME.db, a small RIR file for geo (the default, libloc, takes 3-8 s to
# load here), then TEXT ([prober], [probe ...] and anything else)
serve_ini() {
	{
		echo "[store]"
		echo "path = $T/$1.db"
		echo "[geo]"
		echo "source = rir:$PROBE_DIR/../data/rir/ipzone__delegated-afrinic-latest.2014-06-30"
		printf '%s\n' "$2"
	} >"$T/$1.ini"
}

# start_serve NAME: `lightsout serve -c $T/NAME.ini -v` in $NS_P; waits
# until it runs; SERVE_T0: the time it was started
start_serve() { serve_start "$1" "$NS_P"; }

# stop_serve NAME: SIGTERM, at most 10 s; fails unless it exits 0
stop_serve() { serve_term "$1"; }

# probe_events DB ENTITY [SIGNAL]: the probe_down events of ENTITY (and
# SIGNAL, default probe.up), one JSON object a line, oldest first
probe_events() {
	"$LIGHTSOUT" events --db "$1" --format json 2>/dev/null |
		jq -c --arg e "$2" --arg s "${3:-probe.up}" \
			'select(.entity == $e and .signal == $s and .kind == "probe_down")'
}

# series DB ENTITY SIGNAL: "UNIXTIME VALUE" a line; its errors in $T/series.err
series() {
	"$LIGHTSOUT" series --db "$1" --entity "$2" --signal "$3" --format json 2>"$T/series.err" |
		jq -r '"\(.time | fromdateiso8601) \(.value)"'
}

# within X LO HI: LO <= X <= HI (decimals)
within() {
	(($(echo "$1 >= $2 && $1 <= $3" | bc)))
}

# floor X, ceil X: of a decimal
floor() { echo "${1%.*}"; }
ceil() {
	local i=${1%.*}
	[[ $1 == *.* && ! ${1#*.} =~ ^0*$ ]] && i=$((i + 1))
	echo "$i"
}

# act NAME CMD...: run CMD (an outage or its repair) and keep the times
# just before and just after it in T_LO[NAME] and T_HI[NAME]
declare -A T_LO T_HI
act() {
	local name=$1
	shift
	T_LO[$name]=$(now)
	"$@" || bad "$name: $* failed"
	T_HI[$name]=$(now)
	echo "$(date -u -d @"${T_LO[$name]}" +%T.%3N) $name: $*"
}

# check_event EV WHYS ACT START_SLACK RES END_SLACK: the event EV (one JSON
# object) started within [act's start, act's end + START_SLACK] and ended
# within [res's start, res's end + END_SLACK], ACT and RES being act names
# (the store keeps whole seconds, the start rounded down and the end up:
# the bounds are widened to whole seconds); its detail.why is one of WHYS
# (a |-list; "-": not checked)
check_event() {
	local ev=$1 whys=$2 a=$3 ss=$4 r=$5 es=$6 s e why lo hi
	s=$(echo "$ev" | jq '.start | fromdateiso8601')
	e=$(echo "$ev" | jq -r 'if .end then .end | fromdateiso8601 else "null" end')
	why=$(echo "$ev" | jq -r '.detail.why // "none"')
	echo "  $(echo "$ev" | jq -c '{entity, signal, start, "end": .end, duration_s, detail}')"
	echo "    start $(echo "$s - ${T_LO[$a]}" | bc) s after $a, end $([[ $e == null ]] && echo "-" || echo "$e - ${T_LO[$r]}" | bc) s after $r"
	if [[ $whys != - && "|$whys|" != *"|$why|"* ]]; then
		bad "$a: why \"$why\", want ${whys//|/ or }"
	fi
	lo=$(floor "${T_LO[$a]}")
	hi=$(ceil "$(echo "${T_HI[$a]} + $ss" | bc)")
	within "$s" "$lo" "$hi" || bad "$a: the event started at $s, not within [$lo, $hi] ($a + up to $ss s)"
	if [[ $e == null ]]; then
		bad "$r: the event did not end"
	else
		lo=$(floor "${T_LO[$r]}")
		hi=$(ceil "$(echo "${T_HI[$r]} + $es" | bc)")
		within "$e" "$lo" "$hi" || bad "$r: the event ended at $e, not within [$lo, $hi] ($r + up to $es s)"
	fi
}

# check_series DB ENTITY SIGNAL UP HEAD TAIL SETTLE [ACT RES]...: the bins
# of ENTITY's SIGNAL (1 s bins: [detect] bin = 1).  A bin that starts HEAD
# s or more after an ACT began and ends TAIL s or more before its RES began
# must be 0; a bin that ends before the first ACT, or starts SETTLE s or
# more after a RES ended and ends before the next ACT, must be UP.  The
# bins in between (an outage's edges) are not checked.  Each outage must
# have a 0 bin.
check_series() {
	local db=$1 ent=$2 sig=$3 up=$4 head=$5 tail=$6 settle=$7 rows i times="" res
	shift 7
	local -a acts=("$@")
	for i; do times+="${T_LO[$i]} ${T_HI[$i]} "; done
	rows=$(series "$db" "$ent" "$sig")
	[[ -n $rows ]] || { bad "$ent $sig: no series ($(head -c 300 "$T/series.err"))"; return; }
	# one line per failure, then "N_IN N_OUT ZERO_BINS_PER_OUTAGE..."
	res=$(echo "$rows" | awk -v times="$times" -v up="$up" -v head="$head" -v tail="$tail" \
		-v settle="$settle" '
		BEGIN { n = split(times, t, " ") / 4 }  # outage k: t[4k-3..4k-2] act lo/hi, t[4k-1..4k] res lo/hi
		{
			b = $1; v = $2; where = "edge"
			for (k = 1; k <= n; k++)
				if (b >= t[4*k-3] + head && b + 1 <= t[4*k-1] - tail) { where = "in"; zero[k]++ }
			if (where == "edge") {
				if (b + 1 <= t[1]) where = "out"
				for (k = 1; k <= n; k++)
					if (b >= t[4*k] + settle && (k == n || b + 1 <= t[4*k+1])) where = "out"
			}
			if (where == "in") { nin++; if (v != 0) print v " at " b ", in an outage (want 0)" }
			if (where == "out") { nout++; if (v != up) print v " at " b ", outside the outages (want " up ")" }
		}
		END { printf "%d %d", nin, nout; for (k = 1; k <= n; k++) printf " %d", zero[k]; print "" }')
	echo "$res" | sed '$d' | while read -r line; do
		echo "FAIL: $ent $sig: $line ($(date -u -d @"$(echo "$line" | awk '{print $3}' | tr -d ,)" +%T))"
	done
	[[ $(echo "$res" | wc -l) == 1 ]] || FAIL=1
	set -- $(echo "$res" | tail -1)
	local n_in=$1 n_out=$2 k=0 z
	shift 2
	for z; do
		((z > 0)) || bad "$ent $sig: no bin within the outage ${acts[2 * k]} .. ${acts[2 * k + 1]}"
		k=$((k + 1))
	done
	[[ $(echo "$res" | wc -l) == 1 ]] &&
		ok "$ent $sig: $n_in bins within the outages all 0, $n_out bins outside all $up ($(echo "$rows" | wc -l) bins)"
}
