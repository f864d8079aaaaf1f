#!/bin/bash
# demo.sh — the README's first command: install what is missing, build
# lightsout (Release) into build/, decode the bundled real MRT archives
# (a per-file summary: records, elems, peers, prefixes, time span, errors),
# then simulate the North Korea scenario of December 2014 over a real 2014
# table and replay it, printing the events table.
#
# Exits 0 when lightsout exits 0 or 2: eight bundled files are corrupt or
# truncated on purpose (tests/data/PROVENANCE.md, "Parsing anomalies"), so
# lightsout's "read, but parts were corrupt" status is the expected outcome.
set -euo pipefail

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
