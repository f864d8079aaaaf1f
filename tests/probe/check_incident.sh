#!/bin/bash
# check_incident.sh LIGHTSOUT - a flood takes a host down: `lightsout serve`
# sees the attack in its flows and the outage in its probes, and files both
# in one incident, whichever came first; a host that fails at the same time
# without being linked keeps an incident of its own.
#
# $NS_P (the prober: serve runs there, its [flow] collector on
# 127.0.0.1:2055) has a veth pair to each of
#   a  198.18.0.2: nothing but the kernel (ICMP echo); flow_sender.py's
#      v5-syn records describe a SYN flood to this address (fixed there,
#      hence not one of 198.18.20-24 like the other probe tests)
#   b  198.18.0.6: nothing but the kernel (ICMP echo); no flows
# serve checks [probe host] icmp:198.18.0.2 and [probe other] icmp:198.18.0.6
# every 1 s (timeout 500 ms, 1 retry; [detect] bin = 1), and counts flows
# for [hostgroup lab] 198.18.0.0/24 (pps 500, attack_end 3 s, no baseline).
# The flood is NetFlow v5 records only, 2000 pps described, sent by
# flow_sender.py in $NS_P to the collector: no packet goes to 198.18.0.2.
# Two runs, each with a serve and a store of its own (one incident gathers
# an entity's events within the hour: one store would join the runs):
#   1 flood first: flood at A (8 s); once the attack is logged, at A+2,
#     a's and b's links down; the flood over (A+8), both links up
#   2 link first: at B a's and b's links down; once both probes are logged
#     down, at B+3, the flood (5 s); the flood over, both links up
# Checked, with `lightsout events --format json` once serve stopped, in each
# run: exactly one attack event (host:198.18.0.2, detail.target 198.18.0.2,
# ended) and one probe_down on each of probe:host and probe:other (ended);
# the earlier of attack and probe:host (by act, and by start) names the
# incident (its id) and the later one carries the same incident number (run
# 1: the probe event joins the attack's incident through its target's
# host:ADDR; run 2: the attack joins the probe's, asked by serve's flow side);
# probe:other's event is its own incident; serve stops cleanly (exit 0).
set -u
source "$(dirname "$0")/lib.sh" "$1"
INTERVAL=1 TIMEOUT=500 RETRIES=1
FLOW_PORT=2055 # within $NS_P: no other listener
FLOW_RATE=2000 PPS=500
SENDER=$PROBE_DIR/../live/flow_sender.py
HOST=198.18.0.2 OTHER=198.18.0.6
[[ -f $SENDER ]] || skip "no $SENDER"

ns_prober
ns_host a 198.18.0.1 "$HOST"
ns_host b 198.18.0.5 "$OTHER"
hpy ping "$HOST" 1000 >/dev/null || die "$HOST does not answer pings"
hpy ping "$OTHER" 1000 >/dev/null || die "$OTHER does not answer pings"

# config NAME: serve NAME's config
config() {
	local probes="" p
	for p in "host icmp:$HOST" "other icmp:$OTHER"; do
		probes+="[probe ${p%% *}]
target = ${p#* }
interval = $INTERVAL
timeout = $TIMEOUT
retries = $RETRIES
"
	done
	serve_ini "$1" "[prober]
rate = 100
burst = 20
sweep = 86400
[detect]
bin = 1
[flow]
listen = 127.0.0.1:$FLOW_PORT
exporter = 127.0.0.1
attack_end = 3
hold = 0
baseline = no
[hostgroup lab]
prefix = 198.18.0.0/24
pps = $PPS
$probes"
}

# logged NAME REGEX: serve NAME's log has a line matching REGEX
logged() { grep -Eq "$2" "$T/$1.log"; }
both_up() { logged "$1" "probe host: up" && logged "$1" "probe other: up"; }
both_down() { logged "$1" "probe host: down" && logged "$1" "probe other: down"; }
both_back() { logged "$1" "probe host: up again" && logged "$1" "probe other: up again"; }
gone() { ! kill -0 "${PID[$1]}" 2>/dev/null; }

# flood NAME SECONDS: flow_sender.py's SYN flood to $HOST, described in
# NetFlow v5 records to the collector, in the background (log $T/NAME.log)
flood() {
	start_bg "$1" p "$PY" "$SENDER" v5-syn "$FLOW_PORT" "$2" "$FLOW_RATE"
}

# flood_over NAME: the flood ended by itself and said what it sent
flood_over() {
	wait_until 5 gone "$1" || die "flood $1 still running" "$T/$1.log"
	stop "$1"
	grep -q "^total [1-9]" "$T/$1.log" || die "flood $1 sent nothing" "$T/$1.log"
	echo "  flood $1: $(grep "^total" "$T/$1.log" | awk '{print $2 " packets described in " $3 " datagrams"}')"
}

# links STATE: a's and b's links down or up
links() { link a "$1" && link b "$1"; }

# finish NAME: wait until the attack and both outages ended, stop serve
finish() {
	wait_until 10 logged "$1" "attack on $HOST \(lab\) ended" ||
		bad "$1: the attack did not end within 10 s"
	wait_until 5 both_back "$1" || bad "$1: not both probes up again within 5 s"
	kill -0 "${PID[$1]}" 2>/dev/null || die "serve $1 died" "$T/$1.log"
	stop_serve "$1"
	grep -E "probe [a-z]+: (down|up again)|attack on|flow: .*datagrams" "$T/$1.log" |
		sed 's/^/  serve: /'
}

# one KIND ENTITY: the one event of KIND on ENTITY in $EVENTS, in EV
one() {
	local n
	EV=$(echo "$EVENTS" | jq -c --arg k "$1" --arg e "$2" 'select(.kind == $k and .entity == $e)')
	n=$(echo -n "$EV" | grep -c .)
	[[ $n == 1 ]] && return 0
	bad "$RUN: $n $1 events on $2, want 1"
	return 1
}

# start_of EV: event EV's start, unix time
start_of() { echo "$1" | jq '.start | fromdateiso8601'; }

# check RUN FIRST: run RUN's events; FIRST (attack or probe) named the incident
check() {
	local first=$2 atk pd other ev a_id a_inc p_id p_inc o_id o_inc n
	RUN=$1
	EVENTS=$("$LIGHTSOUT" events --db "$T/$RUN.db" --format json 2>"$T/$RUN.events.err") ||
		{ bad "$RUN: lightsout events failed: $(cat "$T/$RUN.events.err")"; return; }
	echo "$EVENTS" | jq -c '{id, entity, kind, signal, start, "end": .end, incident}' |
		sed "s/^/  $RUN event: /"
	n=$(echo "$EVENTS" | jq -s 'map(select(.kind == "attack")) | length')
	[[ $n == 1 ]] || bad "$RUN: $n attack events in all, want 1"
	n=$(echo "$EVENTS" | jq -s 'map(select(.kind == "probe_down")) | length')
	[[ $n == 2 ]] || bad "$RUN: $n probe_down events in all, want 2"
	one attack "host:$HOST" && atk=$EV || return
	one probe_down probe:host && pd=$EV || return
	one probe_down probe:other && other=$EV || return
	echo "$atk" | jq -e --arg t "$HOST" '.detail.target == $t and .end != null' >/dev/null ||
		bad "$RUN: the attack's detail.target is not $HOST, or it did not end"
	for ev in "$pd" "$other"; do
		echo "$ev" | jq -e '.signal == "probe.up" and .end != null and
			(.detail.open_at_stop | not)' >/dev/null ||
			bad "$RUN: $(echo "$ev" | jq -r .entity): not a probe.up event that ended"
	done
	read -r a_id a_inc < <(echo "$atk" | jq -r '"\(.id) \(.incident)"')
	read -r p_id p_inc < <(echo "$pd" | jq -r '"\(.id) \(.incident)"')
	read -r o_id o_inc < <(echo "$other" | jq -r '"\(.id) \(.incident)"')
	if [[ $first == attack ]]; then
		(($(start_of "$atk") <= $(start_of "$pd"))) || bad "$RUN: the attack did not start first"
		[[ $a_inc == "$a_id" ]] || bad "$RUN: the attack (id $a_id, first) is in incident $a_inc, want $a_id"
		if [[ $p_inc == "$a_id" ]]; then
			ok "$RUN: probe:host's probe_down (id $p_id) joined the attack's incident $a_id"
		else
			bad "$RUN: probe:host's probe_down (id $p_id) is in incident $p_inc, want the attack's $a_id"
		fi
	else
		(($(start_of "$pd") <= $(start_of "$atk"))) || bad "$RUN: probe:host's outage did not start first"
		[[ $p_inc == "$p_id" ]] || bad "$RUN: probe:host's probe_down (id $p_id, first) is in incident $p_inc, want $p_id"
		if [[ $a_inc == "$p_id" ]]; then
			ok "$RUN: the attack (id $a_id) joined probe:host's incident $p_id"
		else
			bad "$RUN: the attack (id $a_id) is in incident $a_inc, want probe:host's $p_id"
		fi
	fi
	if [[ $o_inc == "$o_id" ]]; then
		ok "$RUN: probe:other's probe_down (id $o_id) is an incident of its own"
	else
		bad "$RUN: probe:other's probe_down (id $o_id) is in incident $o_inc, want $o_id (its own)"
	fi
}

# ---------------------------------------------------------------- run 1: flood first
config s1
start_serve s1
wait_until 10 both_up s1 || die "s1: not both probes up within 10 s" "$T/s1.log"
ok "s1: both probes up $(echo "$(now) - $SERVE_T0" | bc | cut -c1-4) s after serve started"
A=$(echo "$(now) + 1" | bc)
sleep_until "$A"
act flood1 flood flood1 8
wait_until 3 logged s1 "attack on $HOST \(lab\):" || die "s1: no attack on $HOST within 3 s of the flood" "$T/s1.log" "$T/flood1.log"
sleep_until "$(echo "$A + 2" | bc)"
act down1 links down
sleep_until "$(echo "$A + 8" | bc)"
flood_over flood1
act up1 links up
finish s1
check s1 attack

# ---------------------------------------------------------------- run 2: link first
config s2
start_serve s2
wait_until 10 both_up s2 || die "s2: not both probes up within 10 s" "$T/s2.log"
ok "s2: both probes up $(echo "$(now) - $SERVE_T0" | bc | cut -c1-4) s after serve started"
B=$(echo "$(now) + 1" | bc)
sleep_until "$B"
act down2 links down
wait_until 4 both_down s2 || die "s2: not both probes down within 4 s of the links" "$T/s2.log"
sleep_until "$(echo "$B + 3" | bc)"
act flood2 flood flood2 5
wait_until 3 logged s2 "attack on $HOST \(lab\):" || die "s2: no attack on $HOST within 3 s of the flood" "$T/s2.log" "$T/flood2.log"
sleep_until "$(echo "$B + 8" | bc)"
flood_over flood2
act up2 links up
finish s2
check s2 probe
report
