# lib.sh - shared by the interop scripts in tests/net (sourced, not run).
#
# Gives each test a temporary directory ($T), loopback addresses on a
# random 127.0.N.0/24 ($SPK for the daemon, $COL for peer_driver), random
# ports above 1024, and a trap that kills every process started with
# start_bg by its PID (PID 1 here does not reap: <defunct> leftovers are
# harmless).  Every wait is bounded in time.

set -u
DRIVER=${1:?usage: $0 PEER_DRIVER}
DRIVER=$(realpath "$DRIVER")
T=$(mktemp -d /tmp/lo-net.XXXXXX)
PIDS=()
NET=$((RANDOM % 200 + 20))
SPK=127.0.$NET.1 # the daemon, active side, AS 4837
COL=127.0.$NET.2 # peer_driver, passive, AS 65000
DPORT=$((20000 + RANDOM % 20000))
SPORT=$((DPORT + 1))
APIPORT=$((DPORT + 2))
DEADLINE=$((SECONDS + 55)) # the whole test stays under 60 s

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	if [[ -n "${LO_NET_KEEP:-}" ]]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	echo "--- peer_driver (last 40 lines)"
	tail -40 "$T/driver.log" 2>/dev/null
	if [[ -n "${DAEMON_LOG:-}" ]]; then
		echo "--- $DAEMON_LOG (last 30 lines)"
		tail -30 "$DAEMON_LOG" 2>/dev/null
	fi
	exit 1
}

ok() {
	echo "ok: $*"
}

# start_bg CMD...: run in the background in its own session, remember the PID
start_bg() {
	setsid "$@" &
	PIDS+=($!)
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s, at most SECONDS (and never
# past the test's deadline); status 1 on timeout
wait_for() {
	local end=$((SECONDS + $1))
	shift
	((end > DEADLINE)) && end=$DEADLINE
	until "$@"; do
		((SECONDS >= end)) && return 1
		sleep 0.2
	done
}

driver_says() {
	grep -q -- "$1" "$T/driver.log"
}

# count_lines PATTERN: lines of the driver log matching PATTERN
count_lines() {
	grep -c -- "$1" "$T/driver.log"
}

# routes N: N IPv4 test routes as "PREFIX PATH..." (without the speaker's
# own AS): the four /24s of AS131279 (via 4837 in the path the speaker
# adds) and N-4 /24s from 20.0.0.0 with two-AS paths
routes() {
	local n=$1 i
	for i in 176 177 178 179; do echo "175.45.$i.0/24 131279"; done
	for ((i = 0; i < n - 4; i++)); do
		echo "20.$((i / 256)).$((i % 256)).0/24 $((174 + i % 3 * 1000)) $((64600 + i % 300))"
	done
}

# routes6 N: N IPv6 routes 2001:db8:N::/48 with origin 131279
routes6() {
	local i
	for ((i = 1; i <= $1; i++)); do echo "2001:db8:$i::/48 131279"; done
}

# start_driver ARGS...: peer_driver on $COL:$DPORT for $SPK AS 4837
start_driver() {
	start_bg "$DRIVER" --listen "$COL:$DPORT" --peer "$SPK" --peer-as 4837 --local-as 65000 \
		--id 198.18.0.1 --hold 30 --idle-hold 1000 --timeout 50 \
		--show 175.45.176.0/22 --show 198.18.96.0/20 "$@" >"$T/driver.log" 2>&1
	DRIVER_PID=${PIDS[-1]}
	wait_for 5 driver_says "listening on" || fail "peer_driver did not start"
}

# driver_exit: wait for peer_driver to finish; its status in DRIVER_STATUS
driver_exit() {
	local i
	for ((i = 0; i < 150; i++)); do
		kill -0 "$DRIVER_PID" 2>/dev/null || break
		((SECONDS >= DEADLINE)) && break
		sleep 0.2
	done
	if kill -0 "$DRIVER_PID" 2>/dev/null; then
		DRIVER_STATUS=124
	else
		wait "$DRIVER_PID"
		DRIVER_STATUS=$?
	fi
}

# common_checks EXPECTED [nocease]: what every daemon's run must show
# (nocease: session 1 ended without a NOTIFICATION, graceful restart)
common_checks() {
	local expected=$1 nocease=${2:-}
	driver_says "negotiated peer_as=4837 " || fail "no OPEN exchange"
	driver_says "negotiated .* as4=1 " || fail "4-octet AS not negotiated"
	ok "4-octet AS negotiated"
	[[ $(count_lines "state OpenConfirm -> Established") -ge 2 ]] || fail "not Established twice"
	ok "Established twice"
	[[ $(count_lines "expected prefixes reached: $expected ") -ge 2 ]] ||
		fail "not all $expected prefixes received in both sessions"
	ok "all $expected prefixes received, in both sessions"
	driver_says "route A 175.45.176.0/24 .*path 4837 131279$" || fail "175.45.176.0/24 path is not 4837 131279"
	driver_says "route A 175.45.179.0/24 .*path 4837 131279$" || fail "175.45.179.0/24 path is not 4837 131279"
	ok "175.45.176.0/24 .. 175.45.179.0/24 with path 4837 131279"
	if [[ -z $nocease ]]; then
		driver_says "NOTIFICATION received: cease/administrative shutdown" ||
			fail "the daemon's cease was not seen"
		ok "the daemon's administrative shutdown received"
	fi
	driver_says "closing: sending cease" || fail "peer_driver did not close"
	grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$T/driver.log" &&
		fail "sanitizer report from peer_driver"
	[[ $DRIVER_STATUS -eq 0 ]] || fail "peer_driver exit status $DRIVER_STATUS"
	driver_says "RESULT ok" || fail "peer_driver result"
	ok "peer_driver: $(grep '^summary' "$T/driver.log")"
}
