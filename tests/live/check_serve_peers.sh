#!/bin/bash
# check_serve_peers.sh LIGHTSOUT — BIRD 2 and GoBGP from Debian peer with
# `lightsout serve` at the same time and send their tables: BIRD (AS 4837)
# 300 IPv4 routes (the four KP /24s among them) and 20 IPv6 routes with
# ADD-PATH, GoBGP (AS 174) 20 IPv4 routes through its CLI.  Checked: both
# sessions come up; serve's RIB holds 2 peers and all 340 routes when it
# stops; BIRD is the full-feed peer, so its 300 IPv4 and 20 IPv6 prefixes
# are visible and GoBGP's 16 others are not; KP is visible (4 /24s); the
# archive holds both peers' announcements (bgpdump).  Loopback only
# (127.0.0.2, .6, .7), ports above 1024, every process killed by PID.
set -uo pipefail
lightsout=$1
here=$(cd "$(dirname "$0")" && pwd)
for b in bird birdc gobgpd gobgp; do
	command -v $b > /dev/null || { echo "SKIP: $b is not installed"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-peers.XXXXXX") || exit 1
serve_pid= bird_pid= gobgp_pid=
cleanup() {
	[ -n "$bird_pid" ] && kill "$bird_pid" 2> /dev/null
	[ -n "$gobgp_pid" ] && kill "$gobgp_pid" 2> /dev/null
	[ -n "$serve_pid" ] && kill "$serve_pid" 2> /dev/null
	wait 2> /dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/lib.sh"
fail=0
port=$((20000 + $$ % 20000))

cat > "$tmp/lo.ini" << EOF
[store]
path = $tmp/live.db
[geo]
source = rir:$here/../data/rir/ipzone__delegated-apnic-latest.2014-06-30.gz
[bgp]
asn = 65000
router_id = 198.18.0.1
listen = 127.0.0.2:$port
mrt_dir = $tmp/mrt
[neighbor bird]
address = 127.0.0.6
asn = 4837
passive = yes
[neighbor gobgp]
address = 127.0.0.7
asn = 174
passive = yes
[entity all]
prefix = 0.0.0.0/0
[detect]
bin = 1
EOF
"$lightsout" serve -c "$tmp/lo.ini" > "$tmp/serve.log" 2>&1 &
serve_pid=$!

{
	echo "router id 198.18.0.6;"
	echo "protocol device { }"
	echo "protocol static s4 {"
	echo "  ipv4;"
	for i in 176 177 178 179; do
		echo "  route 175.45.$i.0/24 blackhole { bgp_path.prepend(131279); };"
	done
	for ((i = 0; i < 296; i++)); do
		echo "  route 20.$((i / 256)).$((i % 256)).0/24 blackhole { bgp_path.prepend($((64600 + i % 300))); };"
	done
	echo "}"
	echo "protocol static s6 {"
	echo "  ipv6;"
	for ((i = 1; i <= 20; i++)); do
		echo "  route 2001:db8:$i::/48 blackhole { bgp_path.prepend(131279); };"
	done
	echo "}"
	cat << EOT
protocol bgp col {
  local 127.0.0.6 port $((port + 1)) as 4837;
  neighbor 127.0.0.2 port $port as 65000;
  multihop;
  connect delay time 1;
  connect retry time 1;
  hold time 30;
  ipv4 { import none; export all; next hop address 192.0.2.1; add paths tx; };
  ipv6 { import none; export all; next hop address 2001:db8::1; add paths tx; };
}
EOT
} > "$tmp/bird.conf"
bird -f -c "$tmp/bird.conf" -s "$tmp/bird.ctl" > "$tmp/bird.log" 2>&1 &
bird_pid=$!

cat > "$tmp/gobgpd.toml" << EOF
[global.config]
  as = 174
  router-id = "198.18.0.7"
  port = $((port + 2))
  local-address-list = ["127.0.0.7"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "127.0.0.2"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "127.0.0.7"
    remote-port = $port
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF
gobgpd -f "$tmp/gobgpd.toml" -p -l warn --api-hosts "127.0.0.1:$((port + 3))" --pprof-disable \
	> "$tmp/gobgpd.log" 2>&1 &
gobgp_pid=$!
gb() { gobgp -p $((port + 3)) "$@"; }
for _ in $(seq 100); do gb global > /dev/null 2>&1 && break; sleep 0.1; done
{
	for i in 176 177 178 179; do echo "-a ipv4 add 175.45.$i.0/24 nexthop 192.0.2.7 aspath 4837,131279 origin igp"; done
	for ((i = 0; i < 16; i++)); do echo "-a ipv4 add 30.0.$i.0/24 nexthop 192.0.2.7 aspath 64700 origin igp"; done
} > "$tmp/add"
xargs -P 8 -L 1 gobgp -p $((port + 3)) global rib < "$tmp/add" > "$tmp/cli.log" 2>&1 ||
	{ echo "FAIL: gobgp global rib add: $(head -3 "$tmp/cli.log")"; fail=1; }

# both sessions up, then the tables (at most 40 s)
for _ in $(seq 400); do
	[ "$(grep -c -- "-> Established" "$tmp/serve.log")" -ge 2 ] && break
	sleep 0.1
done
[ "$(grep -c -- "-> Established" "$tmp/serve.log")" -eq 2 ] ||
	{ echo "FAIL: both sessions did not come up"; cat "$tmp/serve.log"; exit 1; }
v=
for _ in $(seq 200); do
	v=$(sqlite3 "$tmp/live.db" "SELECT MAX(s.value) FROM series s JOIN entity e ON e.id = s.entity
		WHERE e.spec = 'group:all' AND s.signal = 'bgp.prefixes'" 2> /dev/null)
	[ "$v" = 300.0 ] && break
	sleep 0.1
done
[ "$v" = 300.0 ] || { echo "FAIL: group:all bgp.prefixes = $v, want 300 (BIRD's IPv4)"; fail=1; }
sleep 2 # GoBGP's last CLI routes
stop_serve
grep -q "RIB: 2 peers, 340 routes, 300/20 visible IPv4/IPv6 prefixes" "$tmp/serve.log" ||
	{ echo "FAIL: RIB at stop: $(grep 'RIB:' "$tmp/serve.log")"; fail=1; }
kp=$(sqlite3 "$tmp/live.db" "SELECT MAX(s.value) FROM series s JOIN entity e ON e.id = s.entity
	WHERE e.spec = 'country:KP' AND s.signal = 'bgp.visible_slash24'")
[ "$kp" = 4.0 ] || { echo "FAIL: KP visible /24s = $kp"; fail=1; }
a=$(for f in "$tmp"/mrt/UPDATES/*.gz; do bgpdump -m "$f" 2> /dev/null; done |
	awk -F'|' '$3 == "A" { print $4 }' | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
case "$a" in
*127.0.0.6=320*127.0.0.7=20*) ;;
*) echo "FAIL: announcements in the archive by peer: $a"; fail=1 ;;
esac
[ $fail -eq 0 ] || { echo "--- serve"; cat "$tmp/serve.log"; }
[ $fail -eq 0 ] && echo "ok: BIRD and GoBGP tables in serve's RIB (2 peers, 340 routes), archive: $a"
exit $fail
