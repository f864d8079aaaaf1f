#!/bin/bash
# check_exabgp.sh PEER_DRIVER [gr] - ExaBGP (AS 4837, active) -> peer_driver (AS 65000).
#
# An ExaBGP API process announces 300 IPv4 routes (175.45.176.0/22 as four
# /24s with path 4837 131279; ExaBGP does not prepend its AS) and then two
# crafted malformed UPDATEs through generic attributes: 198.18.98.0/24 with
# ORIGIN value 5 and 198.18.99.0/24 with a COMMUNITIES attribute of 3
# octets.  Checked: 4-octet AS, ADD-PATH and graceful restart negotiated,
# the 300 good prefixes arrive, both malformed UPDATEs are classified
# treat-as-withdraw and the session stays up (RFC 7606), ExaBGP's teardown
# (Cease, administrative shutdown) is reported, ExaBGP reconnects and logs
# peer_driver's Cease.
#
# With "gr" ExaBGP offers graceful restart for IPv4 unicast; its teardown is
# then a close without NOTIFICATION (ExaBGP's graceful restart), which
# peer_driver must report as a restarting peer whose routes are kept stale;
# the session comes back with ADD-PATH and an End-of-RIB.
MODE=${2:-}
source "$(dirname "$0")/lib.sh"
command -v exabgp >/dev/null || skip "exabgp is not installed"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || skip "python3 is not installed"

N4=300
DAEMON_LOG=$T/exabgp.log
routes $N4 | while read -r p a b; do
	echo "announce route $p next-hop 192.0.2.1 origin igp as-path [ 4837 $a ${b:-} ]"
done >"$T/routes.txt"
cat >>"$T/routes.txt" <<EOT
announce route 198.18.98.0/24 next-hop 192.0.2.1 as-path [ 4837 64998 ] attribute [ 0x01 0x40 0x05 ]
announce route 198.18.99.0/24 next-hop 192.0.2.1 origin igp as-path [ 4837 64999 ] attribute [ 0x08 0xc0 0x000001 ]
EOT

# the API process: announce once, tear the session down when asked, then idle
cat >"$T/announcer.py" <<'EOT'
import os, sys, time
routes, trigger, neighbor = sys.argv[1], sys.argv[2], sys.argv[3]
time.sleep(0.5)
for line in open(routes):
    sys.stdout.write(line)
sys.stdout.flush()
for _ in range(600):
    if os.path.exists(trigger):
        sys.stdout.write("neighbor %s teardown 2\n" % neighbor)
        sys.stdout.flush()
        break
    time.sleep(0.1)
while True:
    time.sleep(3600)
EOT

# a second API process writes ExaBGP's neighbor state changes (with reasons) to a file
cat >"$T/watcher.py" <<'EOT'
import sys
with open(sys.argv[1], "a", buffering=1) as out:
    for line in sys.stdin:
        out.write(line)
EOT

cat >"$T/exabgp.conf" <<EOT
process watcher {
  run $PY $T/watcher.py $T/events.log;
  encoder text;
}
process announcer {
  run $PY $T/announcer.py $T/routes.txt $T/TEARDOWN $COL;
  encoder text;
}
neighbor $COL {
  router-id $SPK;
  local-address $SPK;
  local-as 4837;
  peer-as 65000;
  connect $DPORT;
  hold-time 30;
  group-updates true;
  capability {
    add-path send;
    route-refresh;
    $([[ $MODE == gr ]] && echo "graceful-restart 120;")
  }
  family {
    ipv4 unicast;
  }
  api {
    processes [ announcer ];
  }
  api events {
    processes [ watcher ];
    neighbor-changes;
  }
}
EOT

# ExaBGP 4.2.21 cannot decode a Cease carrying an RFC 9003 shutdown
# communication (a Python TypeError in Notification.__init__; it answers with
# UPDATE error 3/1): peer_driver sends its Cease without text here.
start_driver --expect $N4 --expect-taw 2 --close-in-session 2 --sessions 2 --settle 1500 --close-text ""
start_bg env exabgp_daemon_user=root exabgp_daemon_daemonize=false exabgp_api_cli=false \
	exabgp_api_ack=false exabgp_log_destination="$T/exabgp.log" exabgp_log_level=INFO \
	exabgp_tcp_bind= exabgp_reactor_speed=0.5 \
	exabgp "$T/exabgp.conf" >"$T/exabgp.out" 2>&1

wait_for 25 driver_says "expected prefixes reached: .* in session 1" || fail "session 1: prefixes"
wait_for 5 bash -c "[[ \$(grep -c 'verdict=treat-as-withdraw' '$T/driver.log') -ge 2 ]]" ||
	fail "the malformed UPDATEs were not classified treat-as-withdraw"
driver_says "verdict=treat-as-withdraw .*reason=ORIGIN: undefined value 5" || fail "bad ORIGIN verdict"
driver_says "verdict=treat-as-withdraw .*reason=COMMUNITIES: length 3" || fail "bad COMMUNITIES verdict"
driver_says "route T 198.18.98.0/24" && driver_says "route T 198.18.99.0/24" ||
	fail "the malformed routes were not treated as withdrawn"
driver_says "route A 198.18.9[89].0/24" && fail "a malformed route was accepted"
ok "ORIGIN 5 and a 3-octet COMMUNITIES: treat-as-withdraw, session kept"
driver_says "negotiated .* addpath_ipv4=1 " || fail "ADD-PATH not negotiated"
ok "ADD-PATH receive negotiated for IPv4"
if [[ $MODE == gr ]]; then
	driver_says "negotiated .* gr=1 gr_afis=1" || fail "graceful restart not negotiated"
	ok "graceful restart: the peer's capability with 1 address family"
else
	driver_says "negotiated .* gr=0 " || fail "graceful restart negotiated"
fi

touch "$T/TEARDOWN" # ExaBGP tears session 1 down, then reconnects
if [[ $MODE == gr ]]; then
	wait_for 5 driver_says "TCP connection lost; peer graceful restart: keep its routes stale for 120 s" ||
		fail "ExaBGP's graceful restart not reported"
	ok "ExaBGP closed without NOTIFICATION: reported as graceful restart, routes stale for 120 s"
else
	wait_for 5 driver_says "NOTIFICATION received: cease/administrative shutdown" ||
		fail "ExaBGP's teardown not seen"
fi

driver_exit
grep -q "^state Established -> Idle: NOTIFICATION received" "$T/driver.log" &&
	[[ $(grep -B1 "^state Established -> Idle: NOTIFICATION received" "$T/driver.log" |
		grep -c "verdict=treat-as-withdraw") -ne 0 ]] && fail "a malformed UPDATE ended a session"
if [[ $MODE == gr ]]; then
	[[ $(grep -c "^msg UPDATE .* eor=1 " "$T/driver.log") -ge 2 ]] || fail "no End-of-RIB"
	ok "End-of-RIB received in both sessions"
	common_checks $N4 nocease
else
	common_checks $N4
fi
wait_for 5 grep -q "notification received (6,2)" "$T/events.log" || fail "ExaBGP did not report our cease"
ok "ExaBGP: $(grep -m1 'notification received (6,2)' "$T/events.log" | head -c 200)"
echo "PASS: ExaBGP $(exabgp --version 2>&1 | awk '/ExaBGP/ {print $3}')${MODE:+ ($MODE)}"
