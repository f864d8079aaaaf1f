#!/bin/bash
# check_bird.sh PEER_DRIVER - BIRD 2 (AS 4837, active) -> peer_driver (AS 65000).
#
# BIRD exports 296 + 4 IPv4 routes (175.45.176.0/22 as four /24s with path
# 4837 131279) and 20 IPv6 routes with ADD-PATH send.  Checked: the session
# comes up with 4-octet AS and ADD-PATH for IPv4 and IPv6, all 320 prefixes
# arrive, `birdc disable` sends a Cease with a shutdown communication that
# peer_driver reports, the session comes back after `birdc enable`, and
# peer_driver's own Cease (administrative shutdown) is logged by BIRD.
source "$(dirname "$0")/lib.sh"
command -v bird >/dev/null && command -v birdc >/dev/null || skip "bird (bird2) is not installed"

N4=300
N6=20
DAEMON_LOG=$T/bird.log
{
	echo "router id $SPK;"
	echo "log \"$T/bird.log\" all;"
	echo "protocol device { }"
	echo "protocol static s4 {"
	echo "  ipv4;"
	routes $N4 | while read -r p a b; do
		if [[ -n "${b:-}" ]]; then
			echo "  route $p blackhole { bgp_path.prepend($b); bgp_path.prepend($a); };"
		else
			echo "  route $p blackhole { bgp_path.prepend($a); };"
		fi
	done
	echo "}"
	echo "protocol static s6 {"
	echo "  ipv6;"
	routes6 $N6 | while read -r p a; do echo "  route $p blackhole { bgp_path.prepend($a); };"; done
	echo "}"
	cat <<EOT
protocol bgp col {
  local $SPK port $SPORT as 4837;
  neighbor $COL port $DPORT as 65000;
  multihop;
  connect delay time 1;
  connect retry time 1;
  error wait time 1, 2;
  hold time 30;
  enable extended messages on;
  ipv4 { import none; export all; next hop address 192.0.2.1; add paths tx; };
  ipv6 { import none; export all; next hop address 2001:db8::1; add paths tx; };
}
EOT
} >"$T/bird.conf"
bird -p -c "$T/bird.conf" >"$T/parse.log" 2>&1 || { cat "$T/parse.log"; fail "bird config"; }

start_driver --expect $((N4 + N6)) --close-in-session 2 --sessions 2
start_bg bird -f -c "$T/bird.conf" -s "$T/bird.ctl"
bc() { birdc -s "$T/bird.ctl" "$@"; }

wait_for 25 driver_says "expected prefixes reached: .* in session 1" || fail "session 1: prefixes"
driver_says "negotiated .* addpath_ipv4=1 addpath_ipv6=1 " || fail "ADD-PATH not negotiated"
ok "ADD-PATH receive negotiated for IPv4 and IPv6"
driver_says "negotiated .* ext_msg=1 " || fail "extended messages not negotiated"
ok "extended messages negotiated"

# BIRD ends session 1 with an RFC 9003 shutdown communication, then comes back
bc disable col '"bye from bird"' >/dev/null || fail "birdc disable"
wait_for 5 driver_says 'NOTIFICATION received: cease/administrative shutdown: "bye from bird"' ||
	fail "BIRD's cease not seen"
bc enable col >/dev/null || fail "birdc enable"

# session 2 is closed by peer_driver once all prefixes are in again
driver_exit
common_checks $((N4 + N6))
wait_for 5 grep -q "Received: Administrative shutdown" "$T/bird.log" ||
	fail "BIRD did not log our cease"
ok "BIRD: $(grep -m1 -o 'Received: Administrative shutdown.*' "$T/bird.log")"
echo "PASS: BIRD $(bird --version 2>&1 | awk '{print $3}')"
