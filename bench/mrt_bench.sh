#!/bin/bash
# mrt_bench.sh — time `lightsout mrt` against `bgpdump` and the decompression
# floor on three real files, in one run, and print the ratios against the goals
# of issue 2.  A benchmark, not a test: it never fails on a missed goal.
#
# Usage: bench/mrt_bench.sh [LIGHTSOUT]      (default: build/lightsout)
#
# Per file, with hyperfine, every command's output to /dev/null:
#   bgpdump          bgpdump -m F
#   bgpdump-tuned    the same with GLIBC_TUNABLES set so that glibc's malloc
#                    does not give memory back to the kernel after every record
#                    (see "bgpdump's speed" below)
#   lightsout-m      LIGHTSOUT mrt -m F
#   lightsout-count  LIGHTSOUT mrt --count F       (decode only, no formatting)
#   floor            bzcat F or zcat F             (single-core decompression)
#   lbzip2-2t        lbzip2 -d -n 2 -c F           (bz2 only: 2-thread floor)
# lightsout and the floors: --warmup 1 --runs 3.  bgpdump takes minutes on the
# RIB, so its two rows get LO_BENCH_BGPDUMP_RUNS runs (default 1, no warm-up;
# the other commands have warmed the page cache by then).
# Max RSS of every run comes from GNU time (/usr/bin/time -f %M).
# Goals: bgpdump/lightsout-m >= 20 on the RIB, >= 5 on update files;
#        lightsout-count/floor <= 1.5.
#
# bgpdump's speed: on the RIB, Debian's bgpdump 1.6.2 spends most of its time
# in memset and page faults: each record grows the heap with brk, and free()
# trims it again, so fresh zeroed pages are faulted in for every entry.  How
# badly depends on the heap layout (`bgpdump -v`, which logs to stderr instead
# of syslog, is about 4x faster).  bgpdump-tuned shows bgpdump without that
# effect; the ratio against plain `bgpdump -m` is what users see.
#
# Environment: LO_BENCH_RUNS (3), LO_BENCH_WARMUP (1), LO_BENCH_BGPDUMP_RUNS
# (1), LO_BENCH_OUT (directory for hyperfine's JSON and the RSS logs; default
# bench/results/<UTC time>).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

lightsout=${1:-build/lightsout}
case "$lightsout" in /*) ;; *) lightsout=$root/$lightsout ;; esac
runs=${LO_BENCH_RUNS:-3}
warmup=${LO_BENCH_WARMUP:-1}
bgpdump_runs=${LO_BENCH_BGPDUMP_RUNS:-1}
out=${LO_BENCH_OUT:-$root/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}
data=$root/tests/data/mrt
tunables=glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=67108864

# file:kind — kind selects the speed goal (rib 20x, updates 5x)
files=(
	hask-mrt__rib.bz2:rib
	bgpdump__updates.et-header.2015.gz:updates
	bgp-rs__updates.20190101.0000.gz:updates
)

for tool in hyperfine jq bgpdump bzcat zcat lbzip2 /usr/bin/time; do
	if ! command -v "$tool" > /dev/null 2>&1; then
		echo "mrt_bench: $tool missing; run scripts/install-deps.sh" >&2
		exit 1
	fi
done
if [ ! -x "$lightsout" ]; then
	echo "mrt_bench: $lightsout is not an executable; build first" \
		"(cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build)" >&2
	exit 1
fi
mkdir -p "$out"

echo "lightsout: $lightsout"
echo "bgpdump:   $(dpkg-query -W -f='${Version}' bgpdump 2>/dev/null || echo '?')"
echo "machine:   $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "runs:      lightsout and floors $runs (+$warmup warm-up), bgpdump $bgpdump_runs;" \
	"results in $out"

# bench KEY RUNS WARMUP NAME...: one hyperfine run over the named commands
# (from cmds[]), each wrapped in GNU time for its max RSS.
bench() {
	local key=$1 n_runs=$2 n_warmup=$3 tag=$4 n args=()
	shift 3
	for n in "$@"; do
		rm -f "$out/$key.$n.rss"
		args+=(-n "$n" "/usr/bin/time -f %M -a -o $out/$key.$n.rss ${cmds[$n]} > /dev/null 2> /dev/null")
	done
	hyperfine -i --style basic --warmup "$n_warmup" --runs "$n_runs" \
		--export-json "$out/$key.$tag.json" "${args[@]}" 2>&1 | grep -vE '^\s*$' || true
}

# results KEY: print "name mean stddev exit rss_mb" for every command timed.
results() {
	local key=$1 name mean sd code rss
	jq -r '.results[] | [.command, .mean, (.stddev // 0), ((.exit_codes // [0]) | max)] | @tsv' \
		"$out/$key".*.json |
		while IFS=$'\t' read -r name mean sd code; do
			# GNU time appends one line per run; failed runs add a
			# "Command exited with non-zero status" line: keep numbers.
			rss=$(grep -hE '^[0-9]+$' "$out/$key.$name.rss" 2>/dev/null |
				sort -n | tail -1)
			printf '%s %s %s %s %s\n' "$name" "$mean" "$sd" "$code" \
				"$(awk -v k="${rss:-0}" 'BEGIN { printf "%.1f", k / 1024 }')"
		done
}

# ratio A B: mean[A]/mean[B] when both commands exited 0, else n/a.
ratio() {
	if [ "${rc[$1]:-1}" = 0 ] && [ "${rc[$2]:-1}" = 0 ]; then
		awk -v a="${mean[$1]}" -v b="${mean[$2]}" 'BEGIN { printf "%.2f", a / b }'
	else
		echo n/a
	fi
}

# verdict VALUE OP GOAL: "met" or "MISSED" (OP is >= or <=).
verdict() {
	[ "$1" = n/a ] && { echo "n/a"; return; }
	awk -v v="$1" -v g="$3" -v op="$2" \
		'BEGIN { ok = (op == ">=") ? v >= g : v <= g; print ok ? "met" : "MISSED" }'
}

fmt='%-36s %10s %-6s %-7s %11s %-6s %-7s %10s\n'
summary=()
for entry in "${files[@]}"; do
	f=${entry%%:*} kind=${entry##*:}
	path=$data/$f
	key=${f%%.*}
	if [ ! -r "$path" ]; then
		echo "mrt_bench: $path missing" >&2
		exit 1
	fi
	case "$(od -An -tx1 -N3 "$path" | tr -d ' \n')" in
	425a68) floor="bzcat" ;;
	1f8b*) floor="zcat" ;;
	*) floor="cat" ;;
	esac
	q=$(printf '%q' "$path")
	lo=$(printf '%q' "$lightsout")
	declare -A cmds=(
		[bgpdump]="bgpdump -m $q"
		[bgpdump-tuned]="env GLIBC_TUNABLES=$tunables bgpdump -m $q"
		[lightsout-m]="$lo mrt -m $q"
		[lightsout-count]="$lo mrt --count $q"
		[floor]="$floor $q"
		[lbzip2-2t]="lbzip2 -d -n 2 -c $q"
	)
	names=(lightsout-m lightsout-count floor)
	[ "$floor" = bzcat ] && names+=(lbzip2-2t)

	echo
	echo "=== $f ($(stat -c %s "$path") bytes, $kind; floor: $floor)"
	rm -f "$out/$key".*.json
	bench "$key" "$runs" "$warmup" "${names[@]}"
	bench "$key" "$bgpdump_runs" 0 bgpdump bgpdump-tuned
	unset cmds

	declare -A mean=() rc=()
	echo
	printf '%-16s %10s %9s %6s %10s\n' command "mean s" "± s" exit "maxRSS MB"
	while read -r n m sd code rss; do
		mean[$n]=$m rc[$n]=$code
		printf '%-16s %10.3f %9.3f %6s %10s\n' "$n" "$m" "$sd" "$code" "$rss"
	done < <(results "$key")

	goal=5
	[ "$kind" = rib ] && goal=20
	speed=$(ratio bgpdump lightsout-m)
	cost=$(ratio lightsout-count floor)
	# shellcheck disable=SC2059 # $fmt is a format on purpose
	summary+=("$(printf "$fmt" "$f" "${speed}x" ">=${goal}x" \
		"$(verdict "$speed" ">=" "$goal")" "${cost}x" "<=1.5x" \
		"$(verdict "$cost" "<=" 1.5)" "$(ratio bgpdump-tuned lightsout-m)x")")
	[ "$floor" = bzcat ] &&
		echo "lightsout-count / lbzip2-2t: $(ratio lightsout-count lbzip2-2t)x"
	unset mean rc
done

echo
echo "=== ratios (goals of issue 2)"
# shellcheck disable=SC2059 # $fmt is a format on purpose
printf "$fmt" file "bgpdump/lo" goal "" "count/floor" goal "" "tuned/lo"
printf '%s\n' "${summary[@]}"
