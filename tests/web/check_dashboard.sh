#!/bin/bash
# check_dashboard.sh LIGHTSOUT SPEC ARTIFACTS — the web dashboard end to end:
# the North Korea scenario (SPEC, scenarios/nk2014/spec) simulated and
# replayed into a store as tests/e2e/check_nk2014.sh does, a copy of it with
# made-up active probing added (add_probes.py: probe:kcna, KP's /24 blocks),
# `lightsout dashboard` serving the copy and web/ on a free loopback port, and
# check_dashboard.mjs driving Debian's chromium (playwright-core) through the
# KP page, the probe:kcna page, the overview and the search.  Screenshots go
# to ARTIFACTS/ (kp.png, kcna.png; the paths are printed).
#
# The store is kept in ARTIFACTS/../web-nk2014/ and made again only when
# LIGHTSOUT or SPEC is newer than it (a second run takes seconds).
#
# Skips (exit 77) when node, python3 or chromium is missing, or when the npm
# packages (scripts/web-deps.sh) are absent and the npm registry cannot be
# reached.
# LO_WEB_SERVER=mock runs tests/web/mock_api.py instead of `lightsout
# dashboard` (for working on web/ with a binary that has no dashboard).
set -uo pipefail
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
lightsout=$(abs "$1") spec=$(abs "$2") artifacts=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
chromium=${LO_CHROMIUM:-/usr/bin/chromium}

command -v node > /dev/null 2>&1 || { echo "SKIP: node not found (scripts/install-deps.sh)"; exit 77; }
command -v python3 > /dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
[ -x "$chromium" ] || { echo "SKIP: $chromium not found (scripts/install-deps.sh installs chromium)"; exit 77; }

# npm packages: uPlot into web/vendor/, playwright-core
bash "$root/scripts/web-deps.sh" -q
case $? in
0) ;;
3)
	echo "SKIP: npm packages absent and the npm registry unreachable"
	exit 77
	;;
*)
	echo "FAIL: scripts/web-deps.sh"
	exit 1
	;;
esac

mkdir -p "$artifacts" || exit 1
artifacts=$(cd "$artifacts" && pwd)
cache=$(dirname "$artifacts")/web-nk2014
mkdir -p "$cache" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-web.XXXXXX") || exit 1
server_pid=
# shellcheck disable=SC2317 # (called by the EXIT trap)
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2> /dev/null; then
		kill "$server_pid" 2> /dev/null
		for _ in $(seq 50); do
			kill -0 "$server_pid" 2> /dev/null || break
			sleep 0.1
		done
		kill -9 "$server_pid" 2> /dev/null
		wait "$server_pid" 2> /dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# the store of the scenario
db=$cache/nk2014.db
if [ ! -s "$db" ] || [ "$lightsout" -nt "$db" ] || [ "$spec" -nt "$db" ]; then
	echo "== simulating and replaying $spec"
	rm -f "$cache"/nk2014.db*
	# in $tmp, so that the collector is called "arch" in the events' details
	(cd "$tmp" && "$lightsout" simulate "$spec" --out arch) > "$tmp/sim.out" 2>&1 ||
		{ echo "FAIL: simulate"; cat "$tmp/sim.out"; exit 1; }
	(cd "$tmp" && "$lightsout" replay --db nk2014.db arch) > "$tmp/replay.out" 2> "$tmp/replay.err" ||
		{ echo "FAIL: replay"; cat "$tmp/replay.out" "$tmp/replay.err"; exit 1; }
	rm -rf "$tmp/arch"
	cat "$tmp/replay.out"
	mv "$tmp"/nk2014.db* "$cache/" || exit 1
fi

# the copy with probe data (made again every run: a second or so)
db_probes=$tmp/nk2014-probes.db
python3 "$here/add_probes.py" "$db" "$db_probes" || { echo "FAIL: add_probes.py"; exit 1; }
db=$db_probes

# the server, on a port it picks (port 0), its URL read from its first line
if [ "${LO_WEB_SERVER:-}" = mock ]; then
	echo "== tests/web/mock_api.py --attacks (LO_WEB_SERVER=mock), not lightsout dashboard"
	python3 "$here/mock_api.py" --db "$db" --web "$root/web" --listen 127.0.0.1:0 --attacks \
		> "$tmp/server.out" 2> "$tmp/server.err" &
elif "$lightsout" dashboard --help > /dev/null 2>&1; then
	echo "== lightsout dashboard --db $db --listen 127.0.0.1:0 --web $root/web"
	"$lightsout" dashboard --db "$db" --listen 127.0.0.1:0 --web "$root/web" \
		> "$tmp/server.out" 2> "$tmp/server.err" &
else
	echo "FAIL: $lightsout has no dashboard command (LO_WEB_SERVER=mock uses the mock)"
	exit 1
fi
server_pid=$!
url=
for _ in $(seq 100); do
	url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$tmp/server.out" 2> /dev/null | head -1)
	[ -n "$url" ] && break
	kill -0 "$server_pid" 2> /dev/null || break
	sleep 0.1
done
if [ -z "$url" ]; then
	echo "FAIL: the server did not start"
	cat "$tmp/server.out" "$tmp/server.err"
	exit 1
fi
echo "== server at $url (pid $server_pid)"

# the browser
(cd "$here" && LO_CHROMIUM=$chromium node check_dashboard.mjs --url "$url" --out "$artifacts")
rc=$?
if [ $rc -ne 0 ]; then
	echo "== server stderr"
	tail -20 "$tmp/server.err"
	[ $rc -eq 2 ] && echo "FAIL: the browser could not be driven"
	exit 1
fi
kill -0 "$server_pid" 2> /dev/null || { echo "FAIL: the server exited during the test"; exit 1; }
echo "ok: dashboard checked in Chromium against $url; screenshots in $artifacts"
exit 0
