#!/bin/bash
# run-gb.sh: FRR originates the KP /24s (path 65001 131279) to GoBGP; GoBGP BMP "all".
set -u
L=/tmp/bgplab-bmp
cd $L
rm -f gb/*.bin gb/*.pid
( setsid /usr/bin/python3 bmp/listen.py 127.0.0.1 11021 gb/cap11021 > gb/listen.log 2>&1 & echo $! > gb/l.pid )
sleep 0.5
/usr/lib/frr/bgpd -d -f $L/gb/bgpd.conf -i $L/gb/bgpd.pid -p 12179 -l 127.0.0.3 -Z -S --vty_socket $L/gb
( setsid gobgpd -f gb/gobgpd.toml -p -l warn --api-hosts 127.0.0.1:50061 --pprof-disable > gb/gobgpd.log 2>&1 & echo $! > gb/gobgpd.pid )
G="gobgp -u 127.0.0.1 -p 50061"
for i in $(seq 1 40); do $G neighbor 2>/dev/null | grep -q Establ && break; sleep 0.5; done
$G neighbor
/usr/bin/python3 genroutes.py 40 | tail -36 | while read p path; do
  $G global rib -a ipv4 add $p nexthop 198.18.0.1 aspath "$(echo $path | tr ' ' ',')" origin igp
done
sleep 4
$G global rib -a ipv4 | head -12
# KP outage at the origin, then recovery
vtysh --vty_socket $L/gb -c 'configure terminal' -c 'router bgp 65001' -c 'address-family ipv4 unicast' \
  -c 'no network 175.45.176.0/24 route-map KP' -c 'no network 175.45.177.0/24 route-map KP'
sleep 3
vtysh --vty_socket $L/gb -c 'configure terminal' -c 'router bgp 65001' -c 'address-family ipv4 unicast' \
  -c 'network 175.45.176.0/24 route-map KP' -c 'network 175.45.177.0/24 route-map KP'
sleep 3
# FRR goes away: GoBGP reports Peer Down
kill $(cat gb/bgpd.pid)
sleep 3
kill $(cat gb/gobgpd.pid)
sleep 2
kill $(cat gb/l.pid)
ls -l gb/*.bin
