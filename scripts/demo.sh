#!/bin/bash
# demo.sh — the README's first command: install what is missing, build
# lightsout (Release) into build/, decode the bundled real MRT archives
# (a per-file summary: records, elems, peers, prefixes, time span, errors),
# then simulate the North Korea scenario of December 2014 over a real 2014
# table and replay it, printing the events table; then serve the replayed
# store with `lightsout dashboard` (the API and the dashboard) and print its
# URL, http://127.0.0.1:8080/ (LO_DEMO_LISTEN=ADDR:PORT to change it), until
# Ctrl-C.
#
# Usage: scripts/demo.sh [--no-serve]   (--no-serve: stop after the events,
#        for scripts and CI)
#
# Exits 0 when lightsout exits 0 or 2: eight bundled files are corrupt or
# truncated on purpose (tests/data/PROVENANCE.md, "Parsing anomalies"), so
# lightsout's "read, but parts were corrupt" status is the expected outcome.
set -euo pipefail

serve=1
for arg in "$@"; do
	case "$arg" in
	--no-serve) serve=0 ;;
	-h | --help)
		echo "usage: scripts/demo.sh [--no-serve]"
		exit 0
		;;
	*)
		echo "demo: unknown option $arg (usage: scripts/demo.sh [--no-serve])" >&2
		exit 1
		;;
	esac
done

cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"

# The MRT files only: tests/data/mrt/ also holds the expected/ and
# upstream_golden/ directories.
files=()
for f in tests/data/mrt/*; do
	[ -f "$f" ] && files+=("$f")
done

echo
echo "== lightsout mrt --summary: ${#files[@]} bundled MRT files (tests/data/mrt)"
rc=0
build/lightsout mrt --summary "${files[@]}" || rc=$?
case "$rc" in
0 | 2) ;; # 2: some bundled files are damaged on purpose (tests/data/PROVENANCE.md)
*)
	echo "demo: lightsout mrt failed with status $rc" >&2
	exit "$rc"
	;;
esac

# The main job: North Korea, December 2014, replayed over a real 2014 table.
echo
echo "== lightsout simulate scenarios/nk2014/spec --out build/nk2014"
rm -rf build/nk2014 build/nk2014.db build/nk2014.db-wal build/nk2014.db-shm
build/lightsout simulate scenarios/nk2014/spec --out build/nk2014
echo
echo "== lightsout replay --db build/nk2014.db build/nk2014"
build/lightsout replay --db build/nk2014.db build/nk2014
echo
echo "== lightsout events --db build/nk2014.db --entity country:KP --format json (why: the details)"
build/lightsout events --db build/nk2014.db --entity country:KP --format json
echo
echo "(the store is build/nk2014.db: try 'build/lightsout events --db build/nk2014.db'"
echo " or 'build/lightsout series --db build/nk2014.db --entity country:KP')"
[ "$serve" = 1 ] || exit 0

# The dashboard over the replayed store: the API, /metrics and web/ (Ctrl-C stops it).
listen=${LO_DEMO_LISTEN:-127.0.0.1:8080}
echo
echo "== lightsout dashboard --db build/nk2014.db --listen $listen (Ctrl-C to stop)"
exec build/lightsout dashboard --db build/nk2014.db --listen "$listen"
