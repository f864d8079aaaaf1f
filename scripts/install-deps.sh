#!/bin/bash
# install-deps.sh — install the Debian 12 packages that lightsout's build,
# tests and benchmark need.
#
# Idempotent and non-interactive: asks dpkg which packages are missing and
# installs only those; runs `apt-get update` only when something is missing,
# so a second run is fast, quiet and needs no network.  Runs as root; as any
# other user it uses sudo when there is one.
#
# Usage: scripts/install-deps.sh [-q]     (-q: print nothing when all present)
set -euo pipefail

quiet=0
[ "${1:-}" = "-q" ] && quiet=1

packages=(
	# build
	build-essential cmake pkg-config git
	zlib1g-dev libbz2-dev liblzma-dev libsqlite3-dev sqlite3
	# geo: libloc C API and its database (the default --geo source)
	libloc-dev libloc-database
	# config file parser (src/conf); the daemon's event loop and HTTP (src/serve)
	libinih-dev libevent-dev
	# flows (src/flow): pcap reading for `lightsout flows`, webhooks (libcurl)
	libpcap-dev libcurl4-openssl-dev
	# real BGP daemons as peers in the net tests (tests/net), bc for bench/
	bird2 gobgpd exabgp frr bc
	# flow tests (tests/flow): reference decoder, real exporters, floods, replay,
	# nfdump as a second collector, FastNetMon side by side in bench/
	tshark softflowd fprobe pmacct hping3 tcpreplay nfdump nfdump-sflow fastnetmon
	python3-scapy iproute2 procps
	# probe tests (tests/probe): nft drops probes in a host's namespace,
	# dnsmasq is the DNS server probed
	nftables dnsmasq-base
	# second compiler, sanitizers and libFuzzer (clang 14 on Debian 12)
	clang libclang-rt-14-dev
	# lint.format ctest (skipped when clang-format is missing)
	clang-format
	# tests: unit tests, reference decoder, decompressors for golden files
	libcmocka-dev bgpdump bzip2 lbzip2 xz-utils gzip
	# bench/mrt_bench.sh: timing, max RSS (GNU time), reading hyperfine's JSON;
	# fping: the peer of `lightsout probe` in bench/probe_bench.sh
	hyperfine time jq fping
	# the HTTP API (tests/http): curl for the end-to-end checks, promtool (from
	# prometheus) to validate /metrics; wrk for bench/api_bench.sh
	curl prometheus wrk
	# the dashboard's browser test (tests/web): Debian's Chromium, driven by
	# playwright-core from npm (Node.js and npm come with the machine image)
	chromium
)

# The dashboard's npm packages (package-lock.json: uPlot, copied into
# web/vendor/, and playwright-core): npm ci when node_modules/ is stale, else
# nothing.  Not fatal: web.dashboard skips without them.
web_deps() {
	bash "$(dirname "$0")/web-deps.sh" -q ||
		echo "install-deps: scripts/web-deps.sh failed; web/ lacks uPlot until it runs" >&2
}

# Prints the packages of "$@" that are not installed and configured ("ii";
# absent, half-installed or config-files-only ones need apt).  One dpkg-query
# call for all of them (it exits 1 when some are unknown: not an error here).
missing_of() {
	local ok p
	ok=" $(dpkg-query -W -f='${db:Status-Abbrev}${Package} ' "$@" 2>/dev/null |
		grep -o 'ii [^ ]*' | cut -c4- | tr '\n' ' ' || true) "
	for p in "$@"; do
		case "$ok" in *" $p "*) ;; *) echo "$p" ;; esac
	done
}

mapfile -t missing < <(missing_of "${packages[@]}")

if [ ${#missing[@]} -eq 0 ]; then
	[ "$quiet" = 1 ] || echo "install-deps: all ${#packages[@]} packages present"
	web_deps
	exit 0
fi

echo "install-deps: installing ${missing[*]}"

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo > /dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "install-deps: not root and no sudo; as root run:" >&2
		echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
fi

apt_opts=(-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get -q -o DPkg::Lock::Timeout=300 update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get "${apt_opts[@]}" install "${missing[@]}"

# Verify: a package that apt could not install must fail here, not later.
mapfile -t still < <(missing_of "${missing[@]}")
if [ ${#still[@]} -ne 0 ]; then
	echo "install-deps: still missing after apt-get: ${still[*]}" >&2
	exit 1
fi
echo "install-deps: done"
web_deps
