#!/bin/bash
# test.sh — install what is missing, build, and run the whole test suite.
# This is the README's test command and what CI runs (.ci/run).
#
# Stages (each one is reported; a failure does not stop the later stages):
#   deps        scripts/install-deps.sh
#   build-ci    gcc, -DLO_WERROR=ON                     -> build-ci/
#   test-ci     ctest there
#   build-asan  clang, -DLO_SANITIZE=ON -DLO_WERROR=ON   -> build-asan/
#   test-asan   ctest there, with leak detection
#   build-fuzz  clang, -DLO_FUZZ=ON (only if tests/fuzz/CMakeLists.txt exists)
#   fuzz.<t>    each libFuzzer target fuzz_* for LO_FUZZ_SECONDS (30) seconds
#               on its seed corpus tests/fuzz/corpus/<t>/
# Ends with "N passed, N failed"; exits non-zero if any stage failed.
#
# Environment: LO_CI_CC (default gcc), LO_ASAN_CC (default clang),
# LO_FUZZ_SECONDS (default 30), LO_JOBS (default nproc).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
root=$(pwd)

jobs=${LO_JOBS:-$(nproc)}
fuzz_seconds=${LO_FUZZ_SECONDS:-30}
ci_cc=${LO_CI_CC:-gcc}
asan_cc=${LO_ASAN_CC:-clang}

passed=() failed=() skipped=()
t_start=$(date +%s)

# stage NAME CMD...: run CMD, record the outcome and time.
stage() {
	local name=$1 t0 rc=0
	shift
	echo
	echo "=== [$name] $*"
	t0=$(date +%s)
	"$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		passed+=("$name")
		echo "=== [$name] passed ($(($(date +%s) - t0)) s)"
	else
		failed+=("$name")
		echo "=== [$name] FAILED with status $rc ($(($(date +%s) - t0)) s)"
	fi
	return "$rc"
}

skip() {
	skipped+=("$1")
	echo
	echo "=== [$1] skipped: $2"
}

summary() {
	echo
	echo "=== summary ($(($(date +%s) - t_start)) s)"
	[ ${#passed[@]} -eq 0 ] || echo "passed:  ${passed[*]}"
	[ ${#failed[@]} -eq 0 ] || echo "FAILED:  ${failed[*]}"
	[ ${#skipped[@]} -eq 0 ] || echo "skipped: ${skipped[*]}"
	echo "${#passed[@]} passed, ${#failed[@]} failed"
	[ ${#failed[@]} -eq 0 ]
}

# configure_build DIR CC CMAKE-ARGS...: configure (the compiler is pinned per
# build directory, so re-runs stay incremental) and build everything.
configure_build() {
	local dir=$1 cc=$2
	shift 2
	cmake -S . -B "$dir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" &&
		cmake --build "$dir" -j"$jobs"
}

run_ctest() {
	ctest --test-dir "$1" --output-on-failure -j2
}

# fuzz_one BIN: run one libFuzzer target on a scratch copy of its seed corpus
# (libFuzzer adds new inputs to the first directory; the seeds stay clean).
fuzz_one() {
	local bin=$1 name work seeds
	name=$(basename "$bin")
	work=$root/build-fuzz/fuzz-work/$name
	seeds=$root/tests/fuzz/corpus/$name
	rm -rf "$work/corpus"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "$seeds" ]; then
		echo "seed corpus: $seeds ($(find "$seeds" -type f | wc -l) files)"
	else
		echo "no seed corpus $seeds: starting from an empty corpus"
		seeds=
	fi
	# timeout: a hang in libFuzzer itself must not eat CI's time budget.
	timeout -k 10 $((fuzz_seconds + 120)) "$bin" \
		-max_total_time="$fuzz_seconds" -timeout=25 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
		"$work/corpus" ${seeds:+"$seeds"} > "$work/fuzz.log" 2>&1
	local rc=$?
	if [ "$rc" -eq 0 ]; then
		grep -E '^(stat::|Done )' "$work/fuzz.log"
	else
		tail -80 "$work/fuzz.log"
		echo "fuzz target $name failed (status $rc); log $work/fuzz.log;" \
			"crash inputs in $work/artifacts/:"
		ls -l "$work/artifacts/"
	fi
	return "$rc"
}

# --- deps ------------------------------------------------------------------
if ! stage deps bash scripts/install-deps.sh; then
	summary
	exit 1
fi

# --- -Werror build and tests -----------------------------------------------
if stage build-ci configure_build build-ci "$ci_cc" -DLO_WERROR=ON; then
	stage test-ci run_ctest build-ci
else
	skip test-ci "build-ci failed"
fi

# --- ASan + UBSan ------------------------------------------------------------
if stage build-asan configure_build build-asan "$asan_cc" -DLO_SANITIZE=ON -DLO_WERROR=ON; then
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		stage test-asan run_ctest build-asan
else
	skip test-asan "build-asan failed"
fi

# --- libFuzzer ---------------------------------------------------------------
if [ ! -f tests/fuzz/CMakeLists.txt ]; then
	skip fuzz "no tests/fuzz/CMakeLists.txt"
elif ! stage build-fuzz cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DLO_FUZZ=ON; then
	:
else
	# Build only the fuzz_* targets (the rest is covered above).
	mapfile -t targets < <(cmake --build build-fuzz --target help |
		sed -n 's/^\.\.\. \(fuzz_[A-Za-z0-9_]*\).*/\1/p' | sort -u)
	if [ ${#targets[@]} -eq 0 ]; then
		skip fuzz "no fuzz_* targets in tests/fuzz"
	elif stage build-fuzz-targets cmake --build build-fuzz -j"$jobs" \
		--target "${targets[@]}"; then
		for t in "${targets[@]}"; do
			bin=$(find build-fuzz -type f -perm -u+x -name "$t" | head -1)
			if [ -z "$bin" ]; then
				failed+=("fuzz.$t")
				echo "=== [fuzz.$t] FAILED: binary not found"
				continue
			fi
			stage "fuzz.$t" fuzz_one "$root/$bin"
		done
	fi
fi

summary
