#!/bin/bash
# check_serve_alerts.sh LIGHTSOUT DATA — alerts of `lightsout serve`
# (docs/alerts.md) end to end on loopback:
#   - ExaBGP (AS4837) plays the time-compressed North Korea of
#     nk_timeline.py: four 0.5 s flaps of KP's four /24s, then the outage
#     (withdrawn 8 s) and the return.  [detect] min_duration = 0, so the
#     flaps are stored as short outages too: only [alert] delay (4 s) keeps
#     them from alerting;
#   - a NetFlow v5 SYN flood (flow_sender.py) raises an attack meanwhile;
#   - a local webhook receiver (Python, 127.0.0.1, a random port) records
#     every POST and answers 500 to the first try of each BGP alert, so
#     those go through the retry path.
# Checks:
#   - exactly one open and one close alert for the country:KP outage, each
#     accepted once after a refused first try (backoff of ~1 s), no update;
#     the open no sooner than the delay after the withdrawal, the close
#     within 3 s of the return; the close's event is the stored row;
#   - no alert for any of the flaps (stored, shorter than the delay);
#   - the attack's open and close, at once (no delay), on the same webhook;
#   - the [alert] script: `open|close country:KP outage SEVERITY` with the
#     event JSON on stdin; FastNetMon's `IP incoming PPS ban|unban` with the
#     report on stdin for the attack;
#   - a clean stop (exit 0) with the alert counters logged.
# Every process is killed by PID on exit; every wait is bounded.
set -uo pipefail
lightsout=$1 data=$2
here=$(cd "$(dirname "$0")" && pwd)
command -v exabgp > /dev/null || { echo "SKIP: exabgp is not installed"; exit 77; }
command -v jq > /dev/null || { echo "SKIP: jq is not installed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-alert.XXXXXX") || exit 1
serve_pid= exa_pid= hook_pid= flood_pid=
cleanup() {
	[ -n "$exa_pid" ] && { pkill -P "$exa_pid" 2> /dev/null; kill "$exa_pid" 2> /dev/null; }
	[ -n "$serve_pid" ] && kill "$serve_pid" 2> /dev/null
	[ -n "$hook_pid" ] && kill "$hook_pid" 2> /dev/null
	[ -n "$flood_pid" ] && kill "$flood_pid" 2> /dev/null
	wait 2> /dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/lib.sh"
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}
base=$((21000 + RANDOM % 20000))
port=$base nf=$((base + 1)) hook=$((base + 2))
apnic=$data/rir/ipzone__delegated-apnic-latest.2014-06-30.gz
delay=4

# the receiver: one JSON line per POST try (time, status, body); the first
# try of each distinct BGP alert body is refused with a 500
cat > "$tmp/hook.py" << 'EOF'
import http.server, json, sys, time
seen = set()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            kind = json.loads(body)["event"]["kind"]
        except Exception:
            kind = None
        status = 204
        if kind != "attack" and body not in seen:
            seen.add(body)
            status = 500
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"t": time.time(), "status": status,
                                "body": body.decode()}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
: > "$tmp/hook.log"
python3 "$tmp/hook.py" "$hook" "$tmp/hook.log" &
hook_pid=$!

# the script: its arguments, and its stdin in a file per call
cat > "$tmp/alert.sh" << EOF
#!/bin/sh
n=\$(date +%s%N)
echo "\$n \$*" >> $tmp/alert.log
cat > $tmp/stdin.\$n
EOF
chmod +x "$tmp/alert.sh"

cat > "$tmp/lo.ini" << EOF
[store]
path = $tmp/live.db
[geo]
source = rir:$apnic
[bgp]
asn = 65000
router_id = 198.18.0.1
listen = 127.0.0.2:$port
[neighbor exa]
address = 127.0.0.1
asn = 4837
passive = yes
[flow]
listen = 127.0.0.1:$nf
exporter = 127.0.0.1
attack_end = 2
baseline = no
[hostgroup web]
prefix = 198.18.0.0/24
pps = 1000
[detect]              ; time-compressed: 1 s bins, a minute of baseline
bin = 1
window = 60
warmup = 4
min_duration = 0      ; every dip is an event: only the alert delay holds them back
[alert]
webhook = http://127.0.0.1:$hook/alerts
script = $tmp/alert.sh
syslog = yes
delay = $delay
max_per_minute = 60
EOF
"$lightsout" serve -c "$tmp/lo.ini" -n > /dev/null || { echo "FAIL: serve -n"; exit 1; }
"$lightsout" serve -c "$tmp/lo.ini" -v > "$tmp/serve.log" 2>&1 &
serve_pid=$!
for i in $(seq 300); do
	grep -q "running" "$tmp/serve.log" && break
	sleep 0.1
done
grep -q "running" "$tmp/serve.log" || { cat "$tmp/serve.log"; exit 1; }
start_exabgp 127.0.0.2 "$port" 65000

# the flood during the baseline period, the outage after it
wait_for announced 40 || { bad "the session did not come up"; cat "$tmp/serve.log" "$tmp/exa.out"; exit 1; }
python3 "$here/flow_sender.py" v5-syn "$nf" 4 3000 > "$tmp/flood.out" &
flood_pid=$!
wait_for done 45 || bad "the timeline did not end"
wait "$flood_pid"
flood_pid=

# posts: accepted ones, by alert and event
accepted() { jq -c 'select(.status < 300) | .body | fromjson' "$tmp/hook.log"; }
tries() { jq -c '. as $p | .body | fromjson | . + {t: $p.t, status: $p.status}' "$tmp/hook.log"; }
n_kp_close() { accepted | jq -r 'select(.alert == "close" and .event.entity == "country:KP" and .event.kind == "outage") | .event.id' | wc -l; }
for i in $(seq 150); do
	[ "$(n_kp_close)" -ge 1 ] && [ "$(accepted | jq -r 'select(.event.kind == "attack" and .alert == "close")' | grep -c entity)" -ge 1 ] && break
	sleep 0.1
done
sleep 1.5 # anything more (a duplicate) would come now
stop_serve
kill "$hook_pid" 2> /dev/null
hook_pid=

# the KP outage: one open, one close, both after a refused first try
kp=$(accepted | jq -c 'select(.event.entity == "country:KP" and .event.kind == "outage")')
ids=$(echo "$kp" | jq -r .event.id | sort -u)
opens=$(echo "$kp" | jq -r 'select(.alert == "open") | .event.id' | wc -l)
closes=$(echo "$kp" | jq -r 'select(.alert == "close") | .event.id' | wc -l)
updates=$(echo "$kp" | jq -r 'select(.alert == "update") | .event.id' | wc -l)
[ "$opens" = 1 ] && [ "$closes" = 1 ] && [ "$updates" = 0 ] && [ "$(echo "$ids" | wc -l)" = 1 ] &&
	echo "ok: one open and one close alert for the KP outage (event $ids)" ||
	bad "KP outage alerts accepted: $opens open, $closes close, $updates update, events $(echo $ids)"
id=$(echo "$ids" | head -1)
for a in open close; do
	t=$(tries | jq -r "select(.alert == \"$a\" and .event.id == ${id:-0}) | \"\(.t) \(.status)\"")
	first=$(echo "$t" | head -1) last=$(echo "$t" | tail -1)
	if [ "$(echo "$t" | wc -l)" = 2 ] && [ "${first#* }" = 500 ] && [ "${last#* }" = 204 ] &&
		(($(echo "${last% *} - ${first% *} >= 0.9" | bc -l))); then
		printf 'ok: %s retried after a 500, accepted %.1f s later\n' "$a" "$(echo "${last% *} - ${first% *}" | bc -l)"
	else
		bad "$a: tries (time status): $(echo $t)"
	fi
	eval "t_$a=${first% *}"
done
out=$(time_of out) back=$(time_of back)
if (($(echo "${t_open:-0} - $out >= $delay - 1 && ${t_open:-0} - $out <= $delay + 2.5" | bc -l))); then
	printf 'ok: open sent %.1f s after the withdrawal (delay %d s)\n' "$(echo "$t_open - $out" | bc -l)" $delay
else
	bad "open sent at ${t_open:-none}, withdrawal at $out, delay $delay"
fi
if (($(echo "${t_close:-0} - $back >= -0.5 && ${t_close:-0} - $back <= 3" | bc -l))); then
	printf 'ok: close sent %.1f s after the return\n' "$(echo "$t_close - $back" | bc -l)"
else
	bad "close sent at ${t_close:-none}, return at $back"
fi
row=$("$lightsout" events --db "$tmp/live.db" --format json | jq -S -c "select(.id == ${id:-0})")
sent=$(echo "$kp" | jq -S -c 'select(.alert == "close") | .event')
[ -n "$row" ] && [ "$row" = "$sent" ] && echo "ok: the close carries the stored event" ||
	bad "close event differs from the store: $sent vs $row"

# the flaps: stored as short outages, never alerted
short=$("$lightsout" events --db "$tmp/live.db" --entity country:KP --format json |
	jq -r "select(.id != ${id:-0} and .duration_s != null and .duration_s < $delay) | .id")
n_short=$(echo "$short" | grep -c .)
alerted=0
for s in $short; do
	n=$(tries | jq -r "select(.event.id == $s)" | grep -c entity)
	alerted=$((alerted + n))
done
[ "$n_short" -ge 1 ] && [ "$alerted" = 0 ] &&
	echo "ok: $n_short flaps stored as short KP events, none alerted" ||
	bad "$n_short short KP events, $alerted posts for them"
# the flaps fold into instability (DESIGN §5): KP's may be alerted, nothing else
other=$(accepted | jq -r "select(.event.kind != \"attack\" and .event.id != ${id:-0}) | \"\(.alert) \(.event.kind) \(.event.entity)\"")
unexpected=$(echo "$other" | grep -v "^open instability country:KP$" | grep .)
[ -z "$unexpected" ] && echo "ok: no other BGP alert${other:+ than the instability of KP (the flaps)}" ||
	bad "other BGP alerts: $other"

# the attack: open and close at once
att=$(tries | jq -c 'select(.event.kind == "attack")')
t0=$(awk '$1 == "sent" { print $2; exit }' "$tmp/flood.out")
t1=$(awk '$1 == "sent" { t = $2 } END { print t + 1 }' "$tmp/flood.out")
ta=$(echo "$att" | jq -r 'select(.alert == "open") | .t' | head -1)
tc=$(echo "$att" | jq -r 'select(.alert == "close") | .t' | head -1)
n=$(echo "$att" | grep -c '"alert"')
[ "$n" = 2 ] && [ "$(echo "$att" | jq -r .event.entity | sort -u)" = host:198.18.0.2 ] &&
	echo "ok: attack open and close alerts" || bad "attack alerts: $att"
if [ -n "$ta" ] && (($(echo "$ta - $t0 <= 3" | bc -l))); then
	printf 'ok: attack open sent %.1f s after the flood started (no delay)\n' "$(echo "$ta - $t0" | bc -l)"
else
	bad "attack open at ${ta:-none}, flood from $t0"
fi
if [ -n "$tc" ] && (($(echo "$tc - $t1 <= 2 + 3" | bc -l))); then
	printf 'ok: attack close sent %.1f s after the flood ended (attack_end 2 s)\n' "$(echo "$tc - $t1" | bc -l)"
else
	bad "attack close at ${tc:-none}, flood until $t1"
fi

# the script
script_ok=1
log=$(cat "$tmp/alert.log" 2> /dev/null)
for want in "open country:KP outage critical" "close country:KP outage critical" \
	"198.18.0.2 incoming [0-9]* ban" "198.18.0.2 incoming [0-9]* unban"; do
	n=$(echo "$log" | grep -c "^[0-9]* $want\$")
	[ "$n" = 1 ] || { bad "script: '$want' $n times"; script_ok=0; }
done
open_in=$(echo "$log" | awk '$2 == "open" && $3 == "country:KP" && $4 == "outage" { print $1 }')
jq -e ".id == ${id:-0} and .kind == \"outage\" and .entity == \"country:KP\" and .end == null and
	(.detail.prefixes_lost | length) > 0" "$tmp/stdin.$open_in" > /dev/null 2>&1 ||
	{ bad "script: open's stdin is not the event JSON"; script_ok=0; }
close_in=$(echo "$log" | awk '$2 == "close" && $3 == "country:KP" && $4 == "outage" { print $1 }')
[ "$(jq -S -c . "$tmp/stdin.$close_in" 2> /dev/null)" = "$sent" ] ||
	{ bad "script: close's stdin is not the event of the webhook"; script_ok=0; }
ban_in=$(echo "$log" | awk '$5 == "ban" { print $1 }')
grep -q "Attack type: tcp_syn" "$tmp/stdin.$ban_in" 2> /dev/null ||
	{ bad "script: no attack report on stdin"; script_ok=0; }
[ $script_ok = 1 ] && echo "ok: script called with open/close and ban/unban, stdin as documented"

# counters at stop
summary=$(grep "alert: .* open, .* close alerts sent" "$tmp/serve.log")
echo "$summary"
echo "$summary" | grep -q "[1-9][0-9]* events ended within the delay" || bad "no event counted as held back"
grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" "$tmp/serve.log" && bad "sanitizer report"

if [ $fail -ne 0 ]; then
	echo "--- serve log"
	tail -40 "$tmp/serve.log"
	echo "--- posts"
	jq -c '{t, status, body: (.body | fromjson | {alert, id: .event.id, entity: .event.entity, kind: .event.kind, severity: .event.severity})}' "$tmp/hook.log"
	echo "--- events"
	"$lightsout" events --db "$tmp/live.db"
	cat "$tmp/times"
fi
[ $fail -eq 0 ] && echo "ok: alerts for open and close, retried, deduplicated, dips held back"
exit $fail
