# lib.sh — shared parts of the live tests (sourced).  Expects $lightsout,
# $tmp and $here; sets $fail on failures.  Every wait is bounded.

# start_exabgp TARGET_ADDR PORT PEER_AS: ExaBGP (AS4837, router id
# 198.18.0.2, from 127.0.0.1) runs nk_timeline.py against TARGET_ADDR:PORT.
start_exabgp() {
	cat > "$tmp/exa.conf" << EOF2
process nk {
  run /usr/bin/python3 $here/nk_timeline.py $tmp/times;
  encoder text;
}
neighbor $1 {
  router-id 198.18.0.2;
  local-address 127.0.0.1;
  local-as 4837;
  peer-as $3;
  connect $2;
  hold-time 30;
  api { processes [ nk ]; }
}
EOF2
	(cd "$tmp" && exec env exabgp_daemon_user=root exabgp_api_cli=false exabgp_api_ack=false \
		exabgp_daemon_daemonize=false exabgp_log_destination="$tmp/exabgp.log" \
		exabgp "$tmp/exa.conf" > "$tmp/exa.out" 2>&1) &
	exa_pid=$!
}

# time_of EVENT: the script's time of EVENT (empty until it happened)
time_of() {
	awk -v e="$1" '$1 == e { print $2 }' "$tmp/times" 2> /dev/null
}

# wait_for EVENT SECONDS: until the timeline reaches EVENT
wait_for() {
	local i
	for i in $(seq $(($2 * 10))); do
		[ -n "$(time_of "$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

# latency_of_outage DB: seconds from the script's "out" to a country:KP
# outage in the live store (polled every 10 ms for at most 3 s); empty if none
latency_of_outage() {
	local t_out i
	t_out=$(time_of out)
	for i in $(seq 300); do
		if "$lightsout" events --db "$1" --entity country:KP --format json 2> /dev/null |
			grep -q '"kind":"outage"'; then
			echo "$(date +%s.%N) - $t_out" | bc -l
			return
		fi
		sleep 0.01
	done
}

# check_kp_outage DB: exactly one outage, KP's, within 1 s of the script's
# withdrawal and return, explained; sets $kp to its JSON
check_kp_outage() {
	local ev n start end
	ev=$("$lightsout" events --db "$1" --format json)
	n=$(echo "$ev" | grep -c '"kind":"outage"')
	[ "$n" -eq 1 ] || { echo "FAIL: $n outage events, want 1 (KP's; the flaps are dips)"; echo "$ev"; fail=1; }
	kp=$(echo "$ev" | grep '"entity":"country:KP".*"kind":"outage"' | head -1)
	start=$(date -u -d "$(echo "$kp" | jq -r .start)" +%s 2> /dev/null)
	end=$(date -u -d "$(echo "$kp" | jq -r .end)" +%s 2> /dev/null)
	within "${start:-0}" "$(time_of out)" || { echo "FAIL: start $start vs withdrawal $(time_of out)"; fail=1; }
	within "${end:-0}" "$(time_of back)" || { echo "FAIL: end $end vs return $(time_of back)"; fail=1; }
	echo "$kp" | jq -e '.detail.upstreams_lost == [4837] and .detail.prefixes_lost_count == 4' \
		> /dev/null || { echo "FAIL: detail: $kp"; fail=1; }
}

within() { (($(echo "d = $1 - $2; if (d < 0) d = -d; d <= 1.0" | bc -l))); }

# stop_serve: SIGTERM, at most 10 s, exit 0
stop_serve() {
	local i rc
	kill -TERM "$serve_pid"
	for i in $(seq 100); do kill -0 "$serve_pid" 2> /dev/null || break; sleep 0.1; done
	wait "$serve_pid"
	rc=$?
	serve_pid=
	[ $rc -eq 0 ] || { echo "FAIL: serve exited $rc after SIGTERM"; fail=1; }
}
