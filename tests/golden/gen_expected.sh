#!/bin/bash
# gen_expected.sh — regenerate tests/data/mrt/expected/ with Debian's bgpdump.
#
# Run ONCE (the outputs are committed); re-run only when input files are
# added, and review the diff.  Requires the Debian package bgpdump 1.6.2-2
# (refuses to run with another version, since the expectations are tied to it).
#
# For every input file F in tests/data/mrt/ it writes, in tests/data/mrt/expected/:
#   F.m.xz       stdout of `bgpdump -v -m F`, compressed with `xz -9 -T1`
#   F.M.xz       stdout of `bgpdump -v -M F`, compressed likewise
#   F.m.stderr   stderr of the -m run, with bgpdump's per-line local-time
#                stamp ("2026-01-01 12:00:00 ") removed so the file is stable
# and a summary table SUMMARY.tsv (file, lines of -m and -M, bgpdump exit code,
# stderr lines), plus bgpdump__updates.nlri_mask_trailing_bits.gz.M.upstream.xz
# (see the end of this script).  -v makes bgpdump log to stderr instead of
# syslog; it does not change stdout.  Takes about 4 minutes.
set -euo pipefail

cd "$(dirname "$0")/../data/mrt"

want="1.6.2-2"
have=$(dpkg-query -W -f='${Version}' bgpdump 2>/dev/null || true)
if [ "$have" != "$want" ]; then
	echo "gen_expected: need Debian bgpdump $want, found '${have:-none}'" >&2
	exit 1
fi

export TZ=UTC LC_ALL=C
mkdir -p expected
printf 'file\tlines_m\tlines_M\tbgpdump_exit\tstderr_lines\n' > expected/SUMMARY.tsv
for f in *; do
	[ -f "$f" ] || continue
	out=expected/$f
	rc=0
	bgpdump -v -m "$f" > "$out.m" 2> "$out.m.stderr.raw" || rc=$?
	sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} //' \
		"$out.m.stderr.raw" > "$out.m.stderr"
	rm -f "$out.m.stderr.raw"
	bgpdump -v -M "$f" > "$out.M" 2> /dev/null || true
	printf '%s\t%s\t%s\t%s\t%s\n' "$f" "$(wc -l < "$out.m")" "$(wc -l < "$out.M")" \
		"$rc" "$(wc -l < "$out.m.stderr")" >> expected/SUMMARY.tsv
	xz -9 -T1 -f "$out.m" "$out.M"
done

# The one deliberate deviation from Debian's output.  Debian's bgpdump 1.6.2
# keeps the host bits of an NLRI prefix (prints 11.13.0.0/13); bgpdump
# upstream masks them (its test_expect/ file prints 11.8.0.0/13) and lightsout
# follows upstream.  -m is checked against upstream's own file
# (upstream_golden/); upstream has no -M file, so derive one from Debian's -M
# output with that single prefix masked.
nlri=bgpdump__updates.nlri_mask_trailing_bits.gz
xz -dc "expected/$nlri.M.xz" | sed 's#|11\.13\.0\.0/13|#|11.8.0.0/13|#' |
	xz -9 -T1 > "expected/$nlri.M.upstream.xz"
if ! xz -dc "expected/$nlri.M.upstream.xz" | grep -q '|11\.8\.0\.0/13|'; then
	echo "gen_expected: $nlri: expected prefix 11.13.0.0/13 not found" >&2
	exit 1
fi

column -t -s "$(printf '\t')" expected/SUMMARY.tsv
