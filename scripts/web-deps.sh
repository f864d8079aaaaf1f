#!/bin/bash
# web-deps.sh — the dashboard's npm packages: `npm ci` from the committed
# package-lock.json (uPlot for web/, playwright-core for tests/web/), then
# uPlot's files copied into web/vendor/, where web/index.html loads them
# (the dashboard uses no CDN: everything is served by `lightsout dashboard`).
#
# Idempotent: npm ci runs only when node_modules/ does not match the lock file
# (a stamp holds the lock's checksum), so a second run needs no network.
# Nothing in node_modules/ or web/vendor/ is committed.
#
# Exit status: 0 ok; 1 an error (no node/npm, npm ci failed with packages
# present but stale, a file missing); 3 the npm registry could not be reached
# and node_modules/ is absent (tests/web/check_dashboard.sh skips then).
#
# Usage: scripts/web-deps.sh [-q]
set -euo pipefail

quiet=0
[ "${1:-}" = "-q" ] && quiet=1
say() { [ "$quiet" = 1 ] || echo "web-deps: $*"; }

cd "$(dirname "$0")/.."
root=$(pwd)

for tool in node npm; do
	if ! command -v "$tool" > /dev/null 2>&1; then
		echo "web-deps: $tool not found (Debian: apt-get install nodejs npm)" >&2
		exit 1
	fi
done

stamp=node_modules/.lightsout-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat "$stamp" 2> /dev/null || true)

if [ "$want" != "$have" ] || [ ! -f node_modules/uplot/package.json ] ||
	[ ! -f node_modules/playwright-core/package.json ]; then
	say "npm ci (package-lock.json changed or node_modules/ missing)"
	# fail fast when the registry is unreachable instead of retrying for minutes;
	# no install scripts are needed (playwright-core downloads no browser: the
	# tests use Debian's chromium)
	if npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error \
		--fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-timeout=60000 \
		> "${TMPDIR:-/tmp}/web-deps.$$.log" 2>&1; then
		echo "$want" > "$stamp"
		rm -f "${TMPDIR:-/tmp}/web-deps.$$.log"
	else
		cat "${TMPDIR:-/tmp}/web-deps.$$.log" >&2
		rm -f "${TMPDIR:-/tmp}/web-deps.$$.log"
		if [ ! -d node_modules ]; then
			echo "web-deps: npm ci failed and node_modules/ is absent (registry unreachable?)" >&2
			exit 3
		fi
		echo "web-deps: npm ci failed; node_modules/ does not match package-lock.json" >&2
		exit 1
	fi
fi

# uPlot into web/vendor/ (copied only when changed, so file times stay put)
mkdir -p web/vendor
for f in dist/uPlot.esm.js dist/uPlot.min.css LICENSE; do
	src=node_modules/uplot/$f
	dst=web/vendor/$(basename "$f")
	[ "$f" = LICENSE ] && dst=web/vendor/uPlot.LICENSE
	[ -f "$src" ] || {
		echo "web-deps: $src missing" >&2
		exit 1
	}
	cmp -s "$src" "$dst" 2> /dev/null || cp "$src" "$dst"
done
say "uplot $(node -p "require('$root/node_modules/uplot/package.json').version") in web/vendor/," \
	"playwright-core $(node -p "require('$root/node_modules/playwright-core/package.json').version")"
