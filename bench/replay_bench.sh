#!/bin/bash
# replay_bench.sh — replay throughput and memory on a simulated archive with
# the full 2014 IPv4 table (512,621 prefixes from a real RouteViews RIB, see
# scenarios/nk2014/PROVENANCE.md) seen by 10 peers, and the goals of issue 3.
# A benchmark, not a test: it never fails on a missed goal.
#
# Usage: bench/replay_bench.sh [LIGHTSOUT] [RIB_LOAD]
#        (defaults: build/lightsout, build/bench/rib_load; use a Release build)
#
# The archive: one RIB (5.1 M routes) and LO_BENCH_HOURS (2) hours of updates
# with LO_BENCH_CHURN (20000) re-announcements a minute plus a few scripted
# withdrawals, written by `lightsout simulate`.  Then, in one run:
#   replay      `lightsout replay` of the archive (RIB, all signals of every
#               country, detectors, SQLite store): total time, update elems/s
#               after the RIB is loaded (as replay reports it), peak RSS / route;
#               once with the default geo (libloc, ~70 MB of it in memory) and
#               once with the 2014 APNIC delegated file
#   rib_load    the RIB alone (bench/rib_load): update elems/s, the RIB's own
#               bytes per route, and the process's peak RSS / route
#   bgpdump     `bgpdump -m` of the same files (decoding and printing only,
#               no state): the ratio bgpdump time / replay time
# Goals (issue 3): >= 2 M update elems/s per core after the RIB is loaded;
# <= 32 bytes resident per (prefix, peer) route.  For scale: BIRD holds about
# 57 B per route at 10 peers, GoBGP about 1.35 KB (measured in the issue).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
lightsout=${1:-build/lightsout}
rib_load=${2:-build/bench/rib_load}
case "$lightsout" in /*) ;; *) lightsout=$root/$lightsout ;; esac
case "$rib_load" in /*) ;; *) rib_load=$root/$rib_load ;; esac
hours=${LO_BENCH_HOURS:-2}
churn=${LO_BENCH_CHURN:-20000}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-replay-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

end=$(( 1419206400 + hours * 3600 ))
cat > "$tmp/spec" <<EOF
seed 7
start 2014-12-22T00:00:00Z
end $end
table $root/scenarios/nk2014/ipasn_20140513.dat.gz
peers 10
churn $churn
upstream 131279 4837
withdraw 2014-12-22T00:40:00Z 175.45.176.0/22 all
announce 2014-12-22T01:10:00Z 175.45.176.0/22 all
mass_withdraw 2014-12-22T01:20:00Z 5 300
EOF
echo "simulating: 512,621 prefixes x 10 peers, $hours h, $churn updates/min ..."
"$lightsout" simulate "$tmp/spec" --out "$tmp/arch" 2>&1 | tail -1

echo
echo "== lightsout replay"
t0=$(date +%s.%N)
/usr/bin/time -f "maxrss_kb %M" "$lightsout" replay --db "$tmp/db" "$tmp/arch" \
	> "$tmp/replay.out" 2> "$tmp/replay.err"
t1=$(date +%s.%N)
grep -v "^maxrss" "$tmp/replay.err" | sed 's/^/  /'
replay_s=$(echo "$t1 - $t0" | bc -l)
rss=$(awk '/^maxrss_kb/ { print $2 }' "$tmp/replay.err")
routes=$(grep -o '[0-9]* routes' "$tmp/replay.err" | head -1 | awk '{ print $1 }')
ups=$(grep -o 'elems, [0-9]*/s' "$tmp/replay.err" | head -1 | grep -o '[0-9]*/s' | tr -d /s)
printf '  wall %.1f s, peak RSS %d MB = %.1f B per route (%s routes)\n' "$replay_s" \
	$((rss / 1024)) "$(echo "$rss * 1024 / $routes" | bc -l)" "$routes"

echo
echo "== lightsout replay --geo rir:(APNIC 2014): the same without the libloc database in memory"
/usr/bin/time -f "maxrss_kb %M" "$lightsout" replay --db "$tmp/db2" \
	--geo "rir:$root/tests/data/rir/ipzone__delegated-apnic-latest.2014-06-30.gz" "$tmp/arch" \
	> /dev/null 2> "$tmp/replay2.err"
rss2=$(awk '/^maxrss_kb/ { print $2 }' "$tmp/replay2.err")
ups2=$(grep -o 'elems, [0-9]*/s' "$tmp/replay2.err" | head -1 | grep -o '[0-9]*/s' | tr -d /s)
printf '  update elems/s %s, peak RSS %d MB = %.1f B per route\n' "$ups2" $((rss2 / 1024)) \
	"$(echo "$rss2 * 1024 / $routes" | bc -l)"

echo
echo "== rib_load (the RIB alone)"
/usr/bin/time -f "maxrss_kb %M" "$rib_load" "$tmp"/arch/RIBS/* "$tmp"/arch/UPDATES/* \
	> "$tmp/rib.out" 2> "$tmp/rib.err" || true
sed 's/^/  /' "$tmp/rib.out"
rib_rss=$(awk '/^maxrss_kb/ { print $2 }' "$tmp/rib.err")
printf '  peak RSS %d MB = %.1f B per route\n' $((rib_rss / 1024)) \
	"$(echo "$rib_rss * 1024 / $routes" | bc -l)"

echo
echo "== bgpdump -m of the same files (decode and print only)"
t0=$(date +%s.%N)
for f in "$tmp"/arch/RIBS/* "$tmp"/arch/UPDATES/*; do
	GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=67108864 \
		bgpdump -m "$f"
done > /dev/null 2>&1
t1=$(date +%s.%N)
bgpdump_s=$(echo "$t1 - $t0" | bc -l)
printf '  %.1f s (glibc-tuned, see mrt_bench.sh)\n' "$bgpdump_s"

echo
echo "== summary"
printf '  update elems/s after the RIB is loaded: %s (goal >= 2000000)\n' "${ups:-?}"
printf '  bytes per route, whole replay process: %.1f with libloc, %.1f with RIR files (goal <= 32)\n' \
	"$(echo "$rss * 1024 / $routes" | bc -l)" "$(echo "$rss2 * 1024 / $routes" | bc -l)"
printf '  bytes per route, the RIB (rib_load peak RSS): %.1f\n' "$(echo "$rib_rss * 1024 / $routes" | bc -l)"
printf '  bgpdump -m time / lightsout replay time: %.2fx\n' \
	"$(echo "$bgpdump_s / $replay_s" | bc -l)"
