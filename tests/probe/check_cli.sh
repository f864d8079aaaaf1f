#!/bin/bash
# check_cli.sh LIGHTSOUT - `lightsout probe`, the one-shot checks, against a
# real host in a namespace: JSON fields and exit statuses.
#
# Host c (198.18.23.2, joined to $NS_P by a veth pair) runs hosts.py's HTTP
# server on :8080 (a page with "KCNA"; /missing is a 404), its TCP listener
# on :9000 (:9001 is closed) and dnsmasq on :53 (example.test is
# 198.18.20.9, every other name REFUSED); it also holds 12 addresses of
# 198.18.24.0/24 on its lo, routed there from $NS_P (198.18.24.4 is one of
# the silent 242).  `lightsout probe` runs in $NS_P, --timeout 300
# --retries 1 unless said otherwise.  Checked, for each target, the object
# printed by -j ({"target", "kind", "up", "why", "rtt_ms", "attempts",
# "status", "detail"}; blocks {"target", "kind", "up_blocks", "measurable",
# "blocks": [{"block", "state", "ever", "probes", "answers", "belief"}]})
# and the exit status: 0 when every target is up, 3 when one is down, 1 for
# bad usage - which includes the addresses never probed (multicast
# 224.0.0.1, broadcast 255.255.255.255, unspecified 0.0.0.0): for those
# nothing at all may leave $NS_P's stack, not even for the good targets of
# the same command line (an nft counter on $NS_P's output hook; $NS_P has a
# route for 224.0.0.0/4 to host c, so that a multicast echo, if one were
# sent, would be counted instead of failing for want of a route; the test
# itself sends nothing outside 198.18.0.0/15).  The same counter checks the
# global rate cap: `--rate 50` sends a block's 255 echoes over at least
# (255 - 20 burst) / 50 s.
set -u
source "$(dirname "$0")/lib.sh" "$1"
probe_need nft dnsmasq

ns_prober
ns_host c 198.18.23.1 198.18.23.2
for o in 1 2 3 10 20 33 50 77 100 128 200 254; do in_ns c ip addr add "198.18.24.$o/32" dev lo; done
from_p ip route add 198.18.24.0/24 via 198.18.23.2
from_p ip route add 224.0.0.0/4 dev to-c
start_http web c 198.18.23.2 8080
start_tcp tcp c 198.18.23.2 9000
start_dns dns c 198.18.23.2
from_p nft add table inet lo7out
from_p nft add chain inet lo7out out '{ type filter hook output priority 0 ; }'
from_p nft add rule inet lo7out out counter
# sent: the packets $NS_P's stack has sent so far (any interface, lo too)
sent() { from_p nft -j list chain inet lo7out out | jq '[.nftables[].rule.expr[]?.counter.packets // empty] | add'; }

# probe WANT_RC ARGS...: `lightsout probe ARGS...` in $NS_P; its exit status
# must be WANT_RC; its output in OUT (and $T/out.N), its status in RC
N=0
probe() {
	local want=$1
	shift
	N=$((N + 1))
	from_p timeout 60 "$LIGHTSOUT" probe "$@" >"$T/out.$N" 2>"$T/err.$N"
	RC=$?
	OUT=$(cat "$T/out.$N")
	if [[ $RC != "$want" ]]; then
		bad "probe $*: exit $RC, want $want ($(head -c 300 "$T/err.$N"))"
		return 1
	fi
}

# expect DESC JQ: the JSON object in OUT (the first line; -j) satisfies JQ
expect() {
	if echo "$OUT" | head -1 | jq -e "$2" >/dev/null 2>&1; then
		ok "$1: $(echo "$OUT" | head -1 | jq -c 'del(.blocks)')"
	else
		bad "$1: $(echo "$OUT" | head -1) does not satisfy $2"
	fi
}

J=(-j --timeout 300 --retries 1)
OKF='.up == true and .why == "ok" and (.rtt_ms | type == "number" and . >= 0) and .attempts == 1'

probe 0 "${J[@]}" icmp:198.18.23.2 &&
	expect "icmp up" '.target == "icmp:198.18.23.2" and .kind == "icmp" and '"$OKF"
probe 3 "${J[@]}" icmp:198.18.24.4 &&
	expect "icmp silent" '.kind == "icmp" and .up == false and .why == "timeout" and .attempts == 2'
probe 0 "${J[@]}" tcp:198.18.23.2:9000 &&
	expect "tcp open" '.target == "tcp:198.18.23.2:9000" and .kind == "tcp" and '"$OKF"
probe 3 "${J[@]}" tcp:198.18.23.2:9001 &&
	expect "tcp closed" '.kind == "tcp" and .up == false and .why == "refused" and .attempts >= 1 and .attempts <= 2'
probe 0 "${J[@]}" --expect KCNA --status 200 http://198.18.23.2:8080/ &&
	expect "http ok" '.target == "http://198.18.23.2:8080/" and .kind == "http" and .status == 200 and '"$OKF"
probe 3 "${J[@]}" --expect "Rodong Sinmun" http://198.18.23.2:8080/ &&
	expect "http wrong content" '.kind == "http" and .up == false and .why == "content" and .status == 200'
probe 3 "${J[@]}" --status 200 http://198.18.23.2:8080/missing &&
	expect "http 404 with --status 200" '.up == false and .why == "http_status" and .status == 404'
probe 3 "${J[@]}" http://198.18.23.2:8080/missing &&
	expect "http 404 (not 2xx or 3xx)" '.up == false and .why == "http_status" and .status == 404'
probe 3 "${J[@]}" http://198.18.23.2:8081/ &&
	expect "http closed port" '.up == false and .why == "refused"'
probe 0 "${J[@]}" dns:198.18.23.2/example.test &&
	expect "dns ok" '.target == "dns:198.18.23.2/example.test" and .kind == "dns" and .status == 0 and '"$OKF"
probe 3 "${J[@]}" dns:198.18.23.2/other.test &&
	expect "dns REFUSED" '.kind == "dns" and .up == false and .why == "dns_rcode" and .status == 5'
probe 3 "${J[@]}" dns:198.18.23.2:5353/example.test &&
	expect "dns closed port" '.kind == "dns" and .up == false and (.why == "refused" or .why == "unreachable")'
# IPv6, on the prober's own loopback (the only IPv6 a test may probe; the
# namespaces start with IPv6 off)
from_p sysctl -qw net.ipv6.conf.lo.disable_ipv6=0
from_p ip -6 addr show dev lo | grep -q '::1/128' || from_p ip -6 addr add ::1/128 dev lo
probe 0 "${J[@]}" icmp:::1 &&
	expect "icmp ::1 (ICMPv6)" '.target == "icmp:::1" and .kind == "icmp" and '"$OKF"
probe 3 "${J[@]}" 'tcp:[::1]:9' &&
	expect "tcp [::1]:9 closed" '.kind == "tcp" and .up == false and .why == "refused"'

# several targets: one object each, in order; 3 when any is down
probe 3 "${J[@]}" icmp:198.18.23.2 tcp:198.18.23.2:9001 dns:198.18.23.2/example.test &&
	if [[ $(echo "$OUT" | jq -sc 'map([.target, .up])') == \
		'[["icmp:198.18.23.2",true],["tcp:198.18.23.2:9001",false],["dns:198.18.23.2/example.test",true]]' ]]; then
		ok "3 targets, 1 down: exit 3, $(echo "$OUT" | jq -sc 'map([.target, .up])')"
	else
		bad "3 targets, 1 down: $(echo "$OUT" | tr '\n' ' ')"
	fi
probe 0 "${J[@]}" icmp:198.18.23.2 tcp:198.18.23.2:9000 http://198.18.23.2:8080/ &&
	if [[ $(echo "$OUT" | jq -s 'map(select(.up == true)) | length') == 3 ]]; then
		ok "3 targets up: exit 0"
	else
		bad "3 targets up: $(echo "$OUT" | tr '\n' ' ')"
	fi
# the table (no -j): a line per target
probe 3 --timeout 300 --retries 1 icmp:198.18.23.2 tcp:198.18.23.2:9001 &&
	if grep -q "icmp:198.18.23.2" <<<"$OUT" && grep -q "tcp:198.18.23.2:9001" <<<"$OUT"; then
		ok "table: $(echo "$OUT" | wc -l) lines"
	else
		bad "table without the targets: $OUT"
	fi

# a block: the sweep finds the 12 addresses, the block is up
BF='.kind == "block" and .up_blocks == 1 and .measurable == 1 and (.blocks | length) == 1 and
	(.blocks[0] | .block == "198.18.24.0/24" and .state == "up" and .ever == 12 and .probes >= 1 and
	 .answers >= 1 and .answers <= .probes and .belief >= 0.9)'
probe 0 -j --timeout 300 block:198.18.24.0/24 &&
	expect "block up" '.target == "block:198.18.24.0/24" and '"$BF" &&
	echo "  blocks: $(echo "$OUT" | jq -c .blocks)"

# the rate cap: --rate 50 (burst 20) spaces the sweep's 254 echoes and the
# round's out over at least (packets - 20) / 50 s
before=$(sent)
t0=$(now)
probe 0 -j --rate 50 --timeout 300 block:198.18.24.0/24
t1=$(now)
n=$(($(sent) - before))
el=$(echo "$t1 - $t0" | bc -l)
floor_s=$(echo "($n - 20) / 50" | bc -l)
if (($(echo "$n >= 255 && $el >= $floor_s" | bc))); then
	ok "--rate 50: $n packets in $(printf %.2f "$el") s (at least $(printf %.2f "$floor_s") s)"
else
	bad "--rate 50: $n packets in $el s, want at least 255 in at least $floor_s s"
fi

# never probed: refused before anything is sent
before=$(sent)
for t in icmp:224.0.0.1 icmp:255.255.255.255 icmp:0.0.0.0 tcp:224.0.0.1:80 dns:255.255.255.255/example.test \
	"icmp:198.18.23.2 icmp:224.0.0.1"; do
	# shellcheck disable=SC2086 # two targets in the last one
	probe 1 "${J[@]}" $t && ok "$t: exit 1: $(head -c 200 "$T/err.$N" | tr '\n' ' ')"
done
after=$(sent)
[[ -n $before && $before == "$after" ]] && ok "nothing sent for them ($before packets in all, before and after)" ||
	bad "$((after - before)) packets sent for the refused targets"
# the counter does count an echo (hosts.py's, to host c)
hpy ping 198.18.23.2 1000 >/dev/null
(($(sent) > after)) || bad "the nft counter missed an echo: the check above proves nothing"
# bad usage
for args in "" "-j" "-j bogus:1" "-j icmp:198.18.23" "-j tcp:198.18.23.2" "-j --timeout 5 icmp:198.18.23.2" \
	"-j --retries 11 icmp:198.18.23.2" "-j --rate 0 icmp:198.18.23.2" "-j --nope icmp:198.18.23.2"; do
	# shellcheck disable=SC2086
	probe 1 $args && ok "'probe $args': exit 1"
done
report
