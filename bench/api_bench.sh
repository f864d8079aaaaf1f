#!/bin/bash
# api_bench.sh — latency of the HTTP API's series query under load (issue 6).
# A benchmark, not a test: it never fails on a missed goal.
#
# Usage: bench/api_bench.sh [LIGHTSOUT]   (default build/lightsout; use a Release build)
#
# The store: LO_BENCH_ENTITIES (100) entities x 3 signals x 30 days of
# 5-minute bins (8,640 bins a series, 2.6 M rows), written with the sqlite3
# CLI into the schema `lightsout` creates.  `lightsout dashboard` serves it
# (LO_BENCH_THREADS, 2, server threads) and wrk runs LO_BENCH_SECONDS (20)
# seconds with 50 connections (2 wrk threads) for each of:
#   same      one series of 30 days (8,640 points, ~170 KB of JSON), the same
#             request every time: what many dashboards looking at one entity
#             ask (answered from the per-thread cache after the first)
#   distinct  the same 30 days, but each request's URL differs (a `from` a
#             few seconds apart), so none is a cache hit: every request reads
#             8,640 rows from SQLite and writes the JSON
#   hour      the same 30 days re-binned to hours (720 points), distinct URLs
#   events    /api/v1/events?entity=... (the default 1000 rows at most), distinct
# each as a browser asks (Accept-Encoding: gzip), and same-raw, dist-raw: the
# first two without compression (as curl asks); dist-1c, raw-1c: distinct
# series requests on one connection (the service time, no queueing).  Prints
# requests/s, p50 and p99 latency; goal: p99 < 20 ms for the series at 50
# connections.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
lightsout=${1:-build/lightsout}
case "$lightsout" in /*) ;; *) lightsout=$root/$lightsout ;; esac
entities=${LO_BENCH_ENTITIES:-100}
threads=${LO_BENCH_THREADS:-2}
seconds=${LO_BENCH_SECONDS:-20}
for t in wrk sqlite3 curl; do
	command -v $t > /dev/null || { echo "api_bench: $t is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-api-bench.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---------------------------------------------------------------- the store
db=$tmp/bench.db
"$lightsout" events --db "$db" > /dev/null # creates the schema
end=1735689600                             # 2025-01-01T00:00:00Z
start=$((end - 30 * 86400))
t0=$(date +%s.%N)
sqlite3 "$db" > /dev/null << EOF
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $entities)
INSERT INTO entity (spec) SELECT 'asn:' || (64500 + i) FROM n;
INSERT INTO entity (spec) VALUES ('country:KP');
WITH RECURSIVE b(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM b WHERE i < 8639),
     s(name) AS (VALUES ('bgp.visible_slash24'), ('bgp.prefixes'), ('bgp.origin_asns'))
INSERT INTO series (entity, signal, bin_start, value)
SELECT e.id, s.name, $start + 300 * b.i,
       CASE WHEN b.i % 2000 BETWEEN 1000 AND 1100 THEN 0 ELSE 4 + abs(random() % 3) END
FROM entity e, s, b;
INSERT INTO event (entity, signal, kind, severity, start, end, baseline, min, score, detail, incident)
SELECT e.id, 'bgp.visible_slash24', 'outage', 'critical', $start + 300 * (1000 + 2000 * k.i),
       $start + 300 * (1100 + 2000 * k.i), 4, 0, 1, '{}', NULL
FROM entity e, (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) k;
UPDATE event SET incident = id;
COMMIT;
EOF
t1=$(date +%s.%N)
rows=$(sqlite3 "$db" 'SELECT count(*) FROM series')
echo "store: $((entities + 1)) entities, $rows series rows, $(du -m "$db" | cut -f1) MB," \
	"written in $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s"

# ---------------------------------------------------------------- the server
"$lightsout" dashboard --db "$db" --listen 127.0.0.1:0 --no-web --threads "$threads" \
	> "$tmp/dash.out" 2> "$tmp/dash.err" &
pid=$!
for _ in $(seq 100); do
	grep -q '^dashboard: http://' "$tmp/dash.out" && break
	sleep 0.1
done
url=$(sed -n 's|^dashboard: \(http://127.0.0.1:[0-9]*\)/$|\1|p' "$tmp/dash.out")
[ -n "$url" ] || { echo "api_bench: the dashboard did not start" >&2; cat "$tmp/dash.err" >&2; exit 1; }
q="entity=country:KP&signal=bgp.visible_slash24&from=$start&until=$end"
points=$(curl -s "$url/api/v1/series?$q" | tee "$tmp/one.json" | grep -o '\],\[' | wc -l)
echo "series: $((points + 1)) points, $(wc -c < "$tmp/one.json") bytes of JSON a request"

# lua PATH_BEFORE PATH_AFTER: a wrk script whose every request has its own URL
# (PATH_BEFORE, a number counting down from the series' start, PATH_AFTER):
# the same rows each time, but never a cache hit
lua() {
	cat << EOF
counter = 0
request = function()
   counter = counter + 1
   return wrk.format("GET", "$1" .. ($start - counter % 1000000) .. "$2")
end
EOF
}
lua "/api/v1/series?entity=country:KP&signal=bgp.visible_slash24&from=" "&until=$end" \
	> "$tmp/distinct.lua"
lua "/api/v1/series?entity=country:KP&signal=bgp.visible_slash24&bin=3600&from=" "&until=$end" \
	> "$tmp/hour.lua"
lua "/api/v1/events?entity=country:KP&since=" "" > "$tmp/events.lua"

# ms VALUE: wrk's "635.91us" / "1.48ms" / "1.02s" in milliseconds
ms() {
	case "$1" in
	*us) echo "$1" | sed 's/us$//' | awk '{ printf "%.2f", $1 / 1000 }' ;;
	*ms) echo "$1" | sed 's/ms$//' | awk '{ printf "%.2f", $1 }' ;;
	*s) echo "$1" | sed 's/s$//' | awk '{ printf "%.2f", $1 * 1000 }' ;;
	esac
}

# run NAME CONNECTIONS WRK_ARGS...
run() {
	local name=$1 conns=$2
	shift 2
	wrk -t$((conns > 1 ? 2 : 1)) -c"$conns" -d"${seconds}s" --latency "$@" > "$tmp/$name.wrk" 2>&1 || true
	local rps p50 p99 errs
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/$name.wrk")
	p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$tmp/$name.wrk")")
	p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$tmp/$name.wrk")")
	errs=$(grep -E 'Non-2xx|Socket errors' "$tmp/$name.wrk" | tr -s ' ' | tr '\n' ' ' || true)
	printf '%-9s %8s req/s   p50 %7s ms   p99 %7s ms   %s\n' "$name" "$rps" "$p50" "$p99" "$errs"
	echo "$name $p99" >> "$tmp/p99"
}

echo
echo "wrk: 50 connections (2 threads) unless -1c, ${seconds} s each; server: $threads threads" \
	"($(nproc) cores, wrk on the same machine)"
gz=(-H 'Accept-Encoding: gzip')
run same 50 "${gz[@]}" "$url/api/v1/series?$q"
run distinct 50 "${gz[@]}" -s "$tmp/distinct.lua" "$url"
run hour 50 "${gz[@]}" -s "$tmp/hour.lua" "$url"
run events 50 "${gz[@]}" -s "$tmp/events.lua" "$url"
run same-raw 50 "$url/api/v1/series?$q"
run dist-raw 50 -s "$tmp/distinct.lua" "$url"
# one connection: the time one answer takes, without queueing
run dist-1c 1 "${gz[@]}" -s "$tmp/distinct.lua" "$url"
run raw-1c 1 -s "$tmp/distinct.lua" "$url"
echo
while read -r name p99; do
	case $name in same | distinct | hour | same-raw | dist-raw)
		verdict=$(awk -v p="$p99" 'BEGIN { print (p < 20) ? "met" : "MISSED" }')
		echo "goal p99 < 20 ms ($name): $verdict" ;;
	esac
done < "$tmp/p99"
