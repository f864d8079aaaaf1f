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
# FLOW_KEEP=1 keeps $T (logs, configs, stores) for a post-mortem.  The
# generic part (the trap, skip, ok/bad/die, wait_until, stop, report...) is
# tests/lib/netns.sh, shared with tests/probe/lib.sh.

set -u
LIGHTSOUT=${1:?usage: $0 LIGHTSOUT}
LIGHTSOUT=$(realpath "$LIGHTSOUT")
FLOW_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_ATK=loflow$$a
NS_VIC=loflow$$v
# shellcheck source-path=SCRIPTDIR source=../lib/netns.sh
source "$FLOW_DIR/../lib/netns.sh"
netns_init flow FLOW_KEEP "${FLOW_BUDGET:-150}" ip pgrep timeout "$PY"

# flow_need TOOL...: skip unless every TOOL is on PATH
flow_need() { need "$@"; }

# atk CMD..., vic CMD...: run CMD in $NS_ATK or in $NS_VIC
atk() { ip netns exec "$NS_ATK" "$@"; }
vic() { ip netns exec "$NS_VIC" "$@"; }

# ns_setup: the two namespaces and the veth pair between them.  First
# deletes what a run killed before its trap ran left (ns_sweep): namespaces
# loflowPIDa/v whose PID is gone, and the processes still in them (the
# exporters, serve... that run started).
ns_setup() {
	ns_sweep loflow av
	ns_add "$NS_ATK"
	ns_add "$NS_VIC"
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
	bg_in_ns "$name" "$ns" "$@"
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
start_serve() { serve_start "$1" "$NS_VIC"; }

# stop_serve NAME: SIGTERM, at most 10 s; fails unless it exits 0.  Sets
# SUMMARY to its "flow: N datagrams ..." line.
stop_serve() {
	serve_term "$1"
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
