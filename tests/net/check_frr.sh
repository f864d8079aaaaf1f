#!/bin/bash
# check_frr.sh PEER_DRIVER - FRR bgpd (AS 4837, active) -> peer_driver (AS 65000).
#
# bgpd runs without zebra (-Z) and originates 300 IPv4 networks from its
# config (175.45.176.0/22 as four /24s with 131279 prepended by a route-map,
# so the path is 4837 131279), with ADD-PATH tx-all-paths.  Checked: 4-octet
# AS, ADD-PATH and extended messages negotiated, all 300 prefixes arrive,
# `neighbor shutdown message` sends a Cease with the shutdown communication,
# the session comes back after `no neighbor shutdown`, and bgpd logs
# peer_driver's Cease.
source "$(dirname "$0")/lib.sh"
BGPD=/usr/lib/frr/bgpd
[[ -x $BGPD ]] && command -v vtysh >/dev/null || skip "FRR (frr) is not installed"

N4=300
DAEMON_LOG=$T/bgpd.log
{
	cat <<EOT
frr defaults traditional
hostname lo-net-frr
log file $T/bgpd.log informational
route-map KP permit 10
 set as-path prepend 131279
exit
router bgp 4837
 bgp router-id $SPK
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor $COL remote-as 65000
 neighbor $COL port $DPORT
 neighbor $COL update-source $SPK
 neighbor $COL disable-connected-check
 neighbor $COL timers connect 1
 neighbor $COL timers 10 30
 address-family ipv4 unicast
  neighbor $COL addpath-tx-all-paths
EOT
	routes $N4 | while read -r p a b; do
		if [[ -z "${b:-}" ]]; then echo "  network $p route-map KP"; else echo "  network $p"; fi
	done
	echo " exit-address-family"
	echo "exit"
} >"$T/bgpd.conf"

start_driver --expect $N4 --close-in-session 2 --sessions 2
start_bg "$BGPD" -Z -S -f "$T/bgpd.conf" -i "$T/bgpd.pid" -p "$SPORT" -l "$SPK" \
	--vty_socket "$T"
vt() { vtysh --vty_socket "$T" -c "$@"; }

wait_for 25 driver_says "expected prefixes reached: .* in session 1" || fail "session 1: prefixes"
driver_says "negotiated .* addpath_ipv4=1 " || fail "ADD-PATH not negotiated"
ok "ADD-PATH receive negotiated for IPv4"
driver_says "negotiated .* ext_msg=1 " || fail "extended messages not negotiated"
ok "extended messages negotiated"

vtysh --vty_socket "$T" -c "configure terminal" -c "router bgp 4837" \
	-c "neighbor $COL shutdown message bye from frr" >/dev/null || fail "vtysh shutdown"
wait_for 5 driver_says 'NOTIFICATION received: cease/administrative shutdown: "bye from frr"' ||
	fail "FRR's cease not seen"
vtysh --vty_socket "$T" -c "configure terminal" -c "router bgp 4837" \
	-c "no neighbor $COL shutdown" >/dev/null || fail "vtysh no shutdown"

driver_exit
common_checks $N4
frr_saw_cease() {
	vt "show bgp neighbors $COL" >"$T/neighbor.txt" 2>&1
	grep -q "Notification received (Cease/Administrative Shutdown" "$T/neighbor.txt"
}
wait_for 5 frr_saw_cease || { cat "$T/neighbor.txt"; fail "bgpd did not report our cease"; }
ok "FRR: $(grep -m1 -o 'Last reset.*' "$T/neighbor.txt")"
echo "PASS: FRR $("$BGPD" --version 2>&1 | awk '/version/ {print $3; exit}')"
