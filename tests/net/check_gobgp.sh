#!/bin/bash
# check_gobgp.sh PEER_DRIVER - GoBGP (AS 4837, active) -> peer_driver (AS 65000).
#
# gobgpd with ADD-PATH send and graceful restart (IPv4 and IPv6 unicast)
# gets 200 IPv4 routes (175.45.176.0/22 as four /24s, origin 131279: GoBGP
# prepends 4837) and 10 IPv6 routes through its CLI.  Checked: 4-octet AS,
# ADD-PATH and graceful restart negotiated, all 210 prefixes arrive,
# `gobgp neighbor shutdown --reason` sends a Cease with the shutdown
# communication, the session comes back after `enable`, and GoBGP logs
# peer_driver's Cease.
source "$(dirname "$0")/lib.sh"
command -v gobgpd >/dev/null && command -v gobgp >/dev/null || skip "gobgpd (gobgpd) is not installed"

N4=200
N6=10
DAEMON_LOG=$T/gobgpd.log
cat >"$T/gobgpd.toml" <<EOT
[global.config]
  as = 4837
  router-id = "$SPK"
  port = $SPORT
  local-address-list = ["$SPK"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "$COL"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "$SPK"
    remote-port = $DPORT
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 30
    keepalive-interval = 10
    idle-hold-time-after-reset = 1
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 120
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.add-paths.config]
      send-max = 8
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
EOT
gobgpd -d -f "$T/gobgpd.toml" >"$T/check.log" 2>&1 || { cat "$T/check.log"; fail "gobgpd config"; }

start_driver --expect $((N4 + N6)) --close-in-session 2 --sessions 2
start_bg gobgpd -f "$T/gobgpd.toml" -p -l info --api-hosts "127.0.0.1:$APIPORT" --pprof-disable >"$T/gobgpd.log" 2>&1
gb() { gobgp -p "$APIPORT" "$@"; }
wait_for 10 gb global >/dev/null 2>&1 || fail "gobgpd API not up"

# routes through the CLI, eight calls at a time (one route per call: `gobgp mrt
# inject` is faster but loses the tail of its input), while gobgpd makes its
# first connection (it waits 5-10 s before connecting)
routes $N4 | while read -r p a b; do echo "-a ipv4 add $p nexthop 192.0.2.1 aspath ${a}${b:+,$b} origin igp"; done >"$T/add"
routes6 $N6 | while read -r p a; do echo "-a ipv6 add $p nexthop 2001:db8::1 aspath $a origin igp"; done >>"$T/add"
xargs -P 8 -L 1 gobgp -p "$APIPORT" global rib <"$T/add" >"$T/cli.log" 2>&1 ||
	fail "gobgp global rib add: $(head -3 "$T/cli.log")"
[[ $(gb global rib -a ipv4 | grep -c '^\*') -eq $N4 ]] || fail "GoBGP does not hold $N4 IPv4 routes"
ok "$((N4 + N6)) routes added to GoBGP's RIB by $SECONDS s"

wait_for 25 driver_says "expected prefixes reached: .* in session 1" || fail "session 1: prefixes"
driver_says "negotiated .* addpath_ipv4=1 " || fail "ADD-PATH not negotiated for IPv4"
ok "ADD-PATH receive negotiated for IPv4"
driver_says "negotiated .* gr=1 gr_afis=2" || fail "graceful restart not negotiated"
ok "graceful restart: the peer's capability with 2 address families"

# `shutdown` (deprecated, = disable) is the command that sends --reason
gb neighbor "$COL" shutdown --reason "bye from gobgp" >/dev/null || fail "gobgp neighbor shutdown"
wait_for 5 driver_says 'NOTIFICATION received: cease/administrative shutdown: "bye from gobgp"' ||
	fail "GoBGP's cease not seen"
gb neighbor "$COL" enable >/dev/null || fail "gobgp neighbor enable"

driver_exit
common_checks $((N4 + N6))
wait_for 5 grep -q 'Reason="notification-received code 6(cease) subcode 2(administrative shutdown)"' \
	"$T/gobgpd.log" || fail "GoBGP did not log our cease"
ok "GoBGP: Peer Down, notification-received code 6(cease) subcode 2(administrative shutdown)"
echo "PASS: GoBGP $(gobgpd --version | awk '{print $3}')"
