#!/bin/bash
# run.sh: start listeners, FRR, GoBGP; announce routes; outage; recovery; stop.
set -u
L=/tmp/bgplab-bmp
cd $L
rm -f bmp/*.bin bmp/*.pid
for p in 11019 11020 11021; do
  ( setsid /usr/bin/python3 bmp/listen.py 127.0.0.1 $p bmp/cap$p > bmp/listen$p.log 2>&1 & echo $! > bmp/l$p.pid )
done
sleep 0.5
/usr/lib/frr/bgpd -d -f $L/frr/bgpd.conf -i $L/frr/bgpd.pid -p 12179 -l 127.0.0.3 -Z -M bmp -S --vty_socket $L/frr
( setsid gobgpd -f gobgp/gobgpd.toml -p -l warn --api-hosts 127.0.0.1:50061 --pprof-disable > gobgp/gobgpd.log 2>&1 & echo $! > gobgp/gobgpd.pid )
G="gobgp -u 127.0.0.1 -p 50061"
for i in $(seq 1 40); do $G neighbor 2>/dev/null | grep -q Establ && break; sleep 0.5; done
$G neighbor
/usr/bin/python3 genroutes.py ${NROUTES:-300} | while read p path; do
  $G global rib -a ipv4 add $p nexthop 198.18.0.1 aspath "$(echo $path | tr ' ' ',')" origin igp
done
for i in 0 1 2 3 4 5 6 7; do
  $G global rib -a ipv6 add 2001:db8:$i::/48 nexthop 2001:db8:ffff::1 aspath 131279 origin igp
done
sleep 7
# outage of AS131279's four /24s, then recovery
for p in 175.45.176.0/24 175.45.177.0/24 175.45.178.0/24 175.45.179.0/24; do $G global rib -a ipv4 del $p; done
sleep 2
for p in 175.45.176.0/24 175.45.177.0/24 175.45.178.0/24 175.45.179.0/24; do
  $G global rib -a ipv4 add $p nexthop 198.18.0.1 aspath 131279 origin igp; done
sleep 6
vtysh --vty_socket $L/frr -c 'show bgp ipv4 unicast summary' | tail -4
vtysh --vty_socket $L/frr -c 'show bmp' | head -40
# the session goes down: stop GoBGP (FRR reports Peer Down)
kill $(cat gobgp/gobgpd.pid)
sleep 3
kill $(cat frr/bgpd.pid)
sleep 2
for p in 11019 11020 11021; do kill $(cat bmp/l$p.pid); done
ls -l bmp/*.bin
