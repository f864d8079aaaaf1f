#!/bin/bash
# run-ap.sh: GoBGP sends two paths (ADD-PATH ids 1, 2) per KP prefix to FRR; FRR BMP pre-policy.
set -u
L=/tmp/bgplab-bmp
cd $L
rm -f ap/*.bin ap/*.pid
( setsid /usr/bin/python3 bmp/listen.py 127.0.0.1 11020 ap/cap11020 > ap/listen.log 2>&1 & echo $! > ap/l.pid )
sleep 0.5
/usr/lib/frr/bgpd -d -f $L/ap/bgpd.conf -i $L/ap/bgpd.pid -p 12179 -l 127.0.0.3 -Z -M bmp -S --vty_socket $L/ap
( setsid gobgpd -f ap/gobgpd.toml -p -l warn --api-hosts 127.0.0.1:50061 --pprof-disable > ap/gobgpd.log 2>&1 & echo $! > ap/gobgpd.pid )
G="gobgp -u 127.0.0.1 -p 50061"
for i in $(seq 1 40); do $G neighbor 2>/dev/null | grep -q Establ && break; sleep 0.5; done
$G neighbor
for p in 175.45.176.0/24 175.45.177.0/24 175.45.178.0/24 175.45.179.0/24; do
  $G global rib -a ipv4 add $p identifier 1 nexthop 198.18.0.1 aspath 131279 origin igp
  $G global rib -a ipv4 add $p identifier 2 nexthop 198.18.0.2 aspath 9999,131279 origin igp
done
$G global rib -a ipv4 add 198.51.100.0/24 nexthop 198.18.0.1 aspath 64500 origin igp
sleep 4
vtysh --vty_socket $L/ap -c 'show bgp ipv4 unicast 175.45.176.0/24' | head -30
vtysh --vty_socket $L/ap -c 'show bgp neighbors 127.0.0.1' | grep -i -A3 "add.path" | head
for p in 175.45.176.0/24 175.45.177.0/24; do $G global rib -a ipv4 del $p identifier 2; done
sleep 3
kill $(cat ap/gobgpd.pid)
sleep 3
kill $(cat ap/bgpd.pid)
sleep 2
kill $(cat ap/l.pid)
ls -l ap/*.bin
