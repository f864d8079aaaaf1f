#!/bin/bash
# check_api.sh LIGHTSOUT scenario SPEC
# check_api.sh LIGHTSOUT archive NK_ARCHIVE RIR_DIR
#
# The HTTP API end to end: North Korea, December 2014, replayed into a store
# (the bundled scenario over the real 2014 table, or the small archive of
# tests/e2e/nk_archive.c in sanitizer builds), served by `lightsout dashboard`
# on a free loopback port, and every endpoint checked with curl and jq:
#   - status; entities search 'KP' finds country:KP; its signals;
#   - the series of country:KP bgp.visible_slash24 drops to 0 at the outage and
#     comes back, at 300 s and re-binned to an hour;
#   - the KP outage 16:15:21 -> 01:46:18 in events (the very object
#     `lightsout events --format json` prints) and in incidents (with the
#     instability before it, for the scenario); attacks; /metrics passes
#     `promtool check metrics`;
#   - static files, and no way out of the web root (../, %2e%2e, a symlink);
#   - hostile requests: a 64 KiB header, a long URL, bad parameters (400 with
#     a JSON error), unknown paths (404), POST/PUT/DELETE (405), 2000 requests
#     in a burst, slow clients (a held connection does not block others; more
#     slow clients than the connection cap are cut off in time) — and the
#     server answers after each;
#   - SIGTERM stops it with status 0.
# Exits 77 (skip) when everything else passed but promtool is missing.
# Loopback only; the server is killed by PID; every wait is bounded.
set -uo pipefail
lightsout=$1 mode=$2
here=$(cd "$(dirname "$0")" && pwd)
for t in curl jq python3; do
	command -v $t > /dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-http.XXXXXX") || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}

# ---------------------------------------------------------------- the store
case "$mode" in
scenario)
	"$lightsout" simulate "$3" --out "$tmp/arch" > /dev/null 2>&1 || { echo "FAIL: simulate"; exit 1; }
	"$lightsout" replay --db "$tmp/db" "$tmp/arch" > "$tmp/replay.out" 2> "$tmp/replay.err" ||
		{ echo "FAIL: replay"; cat "$tmp/replay.err"; exit 1; }
	;;
archive)
	mk=$3 rir=$4
	"$mk" "$tmp/arch" > /dev/null || { echo "FAIL: nk_archive"; exit 1; }
	"$lightsout" replay --db "$tmp/db" --geo "rir:$rir/ipzone__delegated-apnic-latest.2014-06-30.gz" \
		--entity country:KP --entity asn:131279 "$tmp/arch" > "$tmp/replay.out" 2> "$tmp/replay.err" ||
		{ echo "FAIL: replay"; cat "$tmp/replay.err"; exit 1; }
	;;
*)
	echo "usage: check_api.sh LIGHTSOUT scenario SPEC | archive NK_ARCHIVE RIR_DIR"
	exit 1
	;;
esac
set -- "${@:1:1}"
"$lightsout" events --db "$tmp/db" --format json > "$tmp/events.cli" || { echo "FAIL: events"; exit 1; }

# a web root with a page, a hidden file and a symlink pointing out of it
mkdir -p "$tmp/web/assets" "$tmp/web/.hidden"
echo '<!doctype html><title>lightsout</title>' > "$tmp/web/index.html"
echo 'console.log(1);' > "$tmp/web/assets/app.js"
echo 'secret' > "$tmp/web/.hidden/key.txt"
ln -s /etc/passwd "$tmp/web/leak.html"

# ---------------------------------------------------------------- the server
"$lightsout" dashboard --db "$tmp/db" --listen 127.0.0.1:0 --web "$tmp/web" --max-conns 32 \
	--timeout 2 > "$tmp/dash.out" 2> "$tmp/dash.err" &
pid=$!
for _ in $(seq 100); do
	grep -q '^dashboard: http://' "$tmp/dash.out" && break
	sleep 0.1
done
url=$(sed -n 's|^dashboard: \(http://127.0.0.1:[0-9]*\)/$|\1|p' "$tmp/dash.out")
[ -n "$url" ] || { echo "FAIL: no URL printed"; cat "$tmp/dash.out" "$tmp/dash.err"; exit 1; }
echo "serving $url"
C=(curl -s --max-time 10)

# get PATH: the body into $tmp/body, the status as the output
get() {
	"${C[@]}" -o "$tmp/body" -w '%{http_code}' "$@"
}
alive() {
	[ "$(get "$url/api/v1/status")" = 200 ] || bad "the server does not answer after: $*"
}

# ---------------------------------------------------------------- endpoints
[ "$(get "$url/api/v1/status")" = 200 ] || bad "status"
jq -e '.version == "0.1.0" and .mode == "dashboard" and (.now | test("Z$")) and
	.store.events >= 1 and .store.entities >= 1 and .store.schema == 3' "$tmp/body" > /dev/null ||
	bad "status: $(cat "$tmp/body")"

[ "$(get "$url/api/v1/entities?q=KP")" = 200 ] || bad "entities"
jq -e '.entities[0].entity == "country:KP" and (.entities[0].signals | index("bgp.visible_slash24"))
	and .entities[0].events >= 1 and .entities[0].ongoing == 0
	and (.entities[0].last_event_start | test("^2014-12-2"))' "$tmp/body" > /dev/null ||
	bad "entities?q=KP: $(head -c 600 "$tmp/body")"
[ "$(get "$url/api/v1/entities")" = 200 ] && jq -e '.entities | length >= 1' "$tmp/body" > /dev/null ||
	bad "entities"
[ "$(get "$url/api/v1/signals?entity=country:KP")" = 200 ] &&
	jq -e '.entity == "country:KP" and (.signals | index("bgp.visible_slash24"))' "$tmp/body" > /dev/null ||
	bad "signals: $(cat "$tmp/body")"

# series: 4 blocks before, 0 during the outage, 4 after
q="entity=country:KP&signal=bgp.visible_slash24&from=2014-12-22T16:00:00Z&until=2014-12-23T03:00:00Z"
[ "$(get "$url/api/v1/series?$q")" = 200 ] || bad "series"
jq -e '.bin == 300 and (.points | length) == 132 and .points[0] == [1419264000, 4]
	and ([.points[] | select(.[0] >= 1419264900 and .[0] < 1419298800) | .[1]] | max == 0)
	and ([.points[] | select(.[0] >= 1419300000) | .[1]] | min == 4)' "$tmp/body" > /dev/null ||
	bad "series: $(head -c 400 "$tmp/body")"
[ "$(get "$url/api/v1/series?$q&bin=3600")" = 200 ] || bad "series bin=3600"
jq -e '.bin == 3600 and (.points | length) == 11 and .points[0][0] == 1419264000
	and .points[0][1] == 0 and .points[-1] == [1419300000, 4]' "$tmp/body" > /dev/null ||
	bad "series bin=3600: $(cat "$tmp/body")"

# events: the outage, exactly as `lightsout events --format json` has it
[ "$(get "$url/api/v1/events?entity=country:KP&kind=outage")" = 200 ] || bad "events"
jq -e '[.events[] | select(.start == "2014-12-22T16:15:21Z" and .end == "2014-12-23T01:46:18Z"
	and .duration_s == 34257 and .severity == "critical")] | length == 1' "$tmp/body" > /dev/null ||
	bad "events: no KP outage 16:15:21 -> 01:46:18: $(head -c 600 "$tmp/body")"
api=$(jq -c '.events[] | select(.start == "2014-12-22T16:15:21Z")' "$tmp/body")
cli=$(jq -c 'select(.entity == "country:KP" and .start == "2014-12-22T16:15:21Z")' "$tmp/events.cli")
[ -n "$api" ] && [ "$api" = "$cli" ] || bad "events: the API's object differs from the CLI's:
  api $api
  cli $cli"
[ "$(get "$url/api/v1/events?ongoing=1")" = 200 ] && jq -e '.events == []' "$tmp/body" > /dev/null ||
	bad "events?ongoing=1: $(head -c 300 "$tmp/body")"
[ "$(get "$url/api/v1/events?since=2014-12-23T00:00:00Z&until=2014-12-23T01:00:00Z&order=asc")" = 200 ] &&
	jq -e '.events | map(.start) | index("2014-12-22T16:15:21Z")' "$tmp/body" > /dev/null ||
	bad "events since/until: $(head -c 300 "$tmp/body")"

# incidents
[ "$(get "$url/api/v1/incidents?entity=country:KP")" = 200 ] || bad "incidents"
jq -e '[.incidents[] | select(.end == "2014-12-23T01:46:18Z" and .start <= "2014-12-22T16:15:21Z"
	and (.events | map(.start) | index("2014-12-22T16:15:21Z"))
	and (.events[0].incident as $i | .events | all(.incident == $i))
	and (.events | all(.entity == "country:KP")))]
	| length == 1' "$tmp/body" > /dev/null || bad "incidents: $(head -c 600 "$tmp/body")"
if [ "$mode" = scenario ]; then
	jq -e '[.incidents[] | select(.end == "2014-12-23T01:46:18Z")][0].kinds == ["instability","outage"]' \
		"$tmp/body" > /dev/null || bad "incidents: kinds of the outage's incident"
fi
[ "$(get "$url/api/v1/attacks?since=2014-12-01T00:00:00Z")" = 200 ] &&
	jq -e '.attacks == []' "$tmp/body" > /dev/null || bad "attacks: $(cat "$tmp/body")"

# metrics
[ "$(get "$url/metrics")" = 200 ] || bad "metrics"
cp "$tmp/body" "$tmp/metrics"
grep -q '^lightsout_store_events [1-9]' "$tmp/metrics" || bad "metrics: lightsout_store_events"
grep -q '^lightsout_events_open{kind="outage"} 0$' "$tmp/metrics" || bad "metrics: events_open"
grep -q '^lightsout_build_info{version="0.1.0",mode="dashboard"} 1$' "$tmp/metrics" || bad "metrics: build_info"
promtool=0
if command -v promtool > /dev/null; then
	promtool check metrics < "$tmp/metrics" > "$tmp/promtool" 2>&1 ||
		bad "promtool check metrics: $(cat "$tmp/promtool")"
	promtool=1
fi

# ---------------------------------------------------------------- static files, traversal
[ "$(get "$url/")" = 200 ] && grep -q lightsout "$tmp/body" || bad "GET /"
ct=$("${C[@]}" -o /dev/null -w '%{content_type}' "$url/")
[ "$ct" = "text/html; charset=utf-8" ] || bad "GET /: Content-Type $ct"
ct=$("${C[@]}" -o /dev/null -w '%{content_type}' "$url/assets/app.js")
[ "$ct" = "text/javascript; charset=utf-8" ] || bad "GET /assets/app.js: Content-Type $ct"
for p in /../../etc/passwd /%2e%2e/%2e%2e/etc/passwd /assets/..%2f..%2f..%2fetc/passwd \
	/leak.html /.hidden/key.txt /assets/../../../../etc/passwd '/%2E%2E/etc/passwd' \
	/..%5c..%5cetc/passwd /etc/passwd //etc/passwd; do
	code=$(get --path-as-is "$url$p")
	case "$code" in 400 | 404) ;; *) bad "GET $p: status $code" ;; esac
	if grep -q -e 'root:' -e secret "$tmp/body"; then bad "GET $p: file contents leaked"; fi
done
alive "traversal"

# ---------------------------------------------------------------- hostile requests
for q in 'events?limit=abc' 'events?limit=0' 'events?limit=10001' 'events?since=yesterday' \
	'events?ongoing=2' 'events?bogus=1' 'events?limit=1&limit=2' 'series' 'series?entity=nonsense' \
	'series?entity=country:KP&bin=-5' 'series?entity=country:KP&from=9&until=3' \
	'entities?q=%zz' 'signals?entity=host:1.2.3' "events?entity=$(printf 'x%.0s' $(seq 300))"; do
	code=$(get "$url/api/v1/$q")
	[ "$code" = 400 ] || bad "GET /api/v1/$q: status $code, want 400"
	jq -e '.error | type == "string" and length > 0' "$tmp/body" > /dev/null ||
		bad "GET /api/v1/$q: not a JSON error: $(head -c 200 "$tmp/body")"
done
for p in /api/v1/nope /api/v1/events/ /api/v2/events /api; do
	code=$(get "$url$p")
	[ "$code" = 404 ] && jq -e .error "$tmp/body" > /dev/null || bad "GET $p: status $code, want 404"
done
[ "$(get "$url/api/v1/series?entity=country:XX")" = 404 ] || bad "unknown entity: want 404"
for m in POST PUT DELETE PATCH OPTIONS; do
	code=$(get -X $m -d 'x=1' "$url/api/v1/events")
	[ "$code" = 405 ] || bad "$m: status $code, want 405"
done
allow=$("${C[@]}" -o /dev/null -D - -X POST "$url/api/v1/events" | tr -d '\r' | sed -n 's/^Allow: //p')
[ "$allow" = "GET, HEAD" ] || bad "405 without Allow: GET, HEAD ($allow)"
code=$(get -I "$url/api/v1/status")
[ "$code" = 200 ] || bad "HEAD: $code"
alive "methods"

# a 64 KiB header: refused (4xx), and the server goes on
head -c 65536 /dev/zero | tr '\0' a > "$tmp/big"
code=$("${C[@]}" -o /dev/null -w '%{http_code}' -H "X-Big: $(cat "$tmp/big")" "$url/api/v1/status")
case "$code" in 4??) ;; *) bad "64 KiB header: status $code, want 4xx" ;; esac
hdrs=()
for i in $(seq 100); do hdrs+=(-H "X-H$i: $i"); done
code=$(get "${hdrs[@]}" "$url/api/v1/status")
[ "$code" = 431 ] || bad "100 header lines: status $code, want 431"
code=$(get "$url/api/v1/events?q=$(head -c 8000 "$tmp/big")")
case "$code" in 4??) ;; *) bad "8 KB URL: status $code, want 4xx" ;; esac
code=$(get -X POST --data-binary @"$tmp/big" "$url/api/v1/events")
case "$code" in 4??) ;; *) bad "64 KiB body: status $code, want 4xx" ;; esac
alive "oversized requests"

# 2000 requests in a burst (50 at a time), every one answered
for i in $(seq 2000); do
	case $((i % 4)) in
	0) echo "url = \"$url/api/v1/series?entity=country:KP&from=2014-12-22T00:00:00Z\"" ;;
	1) echo "url = \"$url/api/v1/events?entity=country:KP\"" ;;
	2) echo "url = \"$url/api/v1/entities?q=K&limit=$((i % 50 + 1))\"" ;;
	3) echo "url = \"$url/api/v1/status\"" ;;
	esac
	echo 'output = "/dev/null"'
	echo 'write-out = "%{http_code}\n"'
done > "$tmp/burst.cfg"
t0=$(date +%s.%N)
curl -s --max-time 60 --parallel --parallel-max 50 --config "$tmp/burst.cfg" > "$tmp/burst" 2> /dev/null
t1=$(date +%s.%N)
ok=$(grep -c '^200$' "$tmp/burst")
[ "$ok" = 2000 ] || bad "burst: $ok of 2000 answered 200 ($(sort "$tmp/burst" | uniq -c | tr '\n' ' '))"
echo "burst: $ok/2000 in $(echo "$t1 - $t0" | bc) s"
alive "the burst"

# slow clients: under the cap, a normal request is answered at once; over it
# (40 > 32), within the 2 s deadline; every slow client is cut off in time
line=$(python3 "$here/slow_clients.py" 127.0.0.1 "${url##*:}" 4 15)
echo "slow clients (4): $line"
read -r ms st cl last <<< "$(echo "$line" | sed 's/[a-z_]*=//g')"
[ "$st" = 200 ] && [ "${ms%.*}" -lt 1000 ] || bad "4 slow clients delayed a normal request: $line"
[ "${cl%/*}" = "${cl#*/}" ] && [ "${last%.*}" -lt 6 ] || bad "4 slow clients not cut off in time: $line"
line=$(python3 "$here/slow_clients.py" 127.0.0.1 "${url##*:}" 40 20)
echo "slow clients (40, cap 32): $line"
read -r ms st cl last <<< "$(echo "$line" | sed 's/[a-z_]*=//g')"
[ "$st" = 200 ] && [ "${ms%.*}" -lt 5000 ] || bad "40 slow clients blocked a normal request: $line"
[ "${cl%/*}" = "${cl#*/}" ] && [ "${last%.*}" -lt 10 ] || bad "40 slow clients not cut off in time: $line"
alive "slow clients"
"${C[@]}" "$url/metrics" | grep -q '^lightsout_http_connections_cut_total [1-9]' ||
	bad "metrics: no connection counted as cut"

# ---------------------------------------------------------------- stop
kill -TERM "$pid"
for _ in $(seq 50); do
	kill -0 "$pid" 2> /dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2> /dev/null; then
	bad "SIGTERM: still running after 5 s"
else
	wait "$pid"
	rc=$?
	[ $rc -eq 0 ] || bad "SIGTERM: exit status $rc"
fi
pid=
if grep -E -q 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/dash.err"; then
	bad "sanitizer report:"
	cat "$tmp/dash.err"
fi

if [ $fail -ne 0 ]; then
	exit 1
fi
if [ $promtool -eq 0 ]; then
	echo "SKIP: promtool is not installed (Debian package prometheus); everything else passed"
	exit 77
fi
echo "ok: every endpoint, the KP outage in events and incidents, traversal refused, hostile requests survived, promtool clean"
