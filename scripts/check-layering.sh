#!/bin/bash
# Check that every module includes only modules that come before it in the
# data flow (DESIGN.md §1-2), and only their public header (src/X/X.h);
# private headers (X_int.h, io_int.h ...) stay inside their folder.
set -euo pipefail
cd "$(dirname "$0")/.."

# Order of the data flow; a module may include modules listed before it.
order=(lib io bgp mrt bmp peer rib geo signal detect flow probe store conf watch http serve cmd)
rank() {
	local i
	for i in "${!order[@]}"; do
		[[ "${order[$i]}" == "$1" ]] && { echo "$i"; return; }
	done
	echo -1
}

fail=0
while IFS= read -r -d '' f; do
	mod=$(echo "$f" | cut -d/ -f2)
	r=$(rank "$mod")
	if [[ $r -lt 0 ]]; then
		echo "layering: $f: module '$mod' is not in the data-flow order" >&2
		fail=1
		continue
	fi
	while IFS= read -r inc; do
		dep=${inc%%/*}
		hdr=${inc#*/}
		d=$(rank "$dep")
		if [[ $d -lt 0 ]]; then
			echo "layering: $f includes \"$inc\" from unknown module '$dep'" >&2
			fail=1
		elif [[ "$dep" != "$mod" && $d -gt $r ]]; then
			echo "layering: $f ($mod) includes \"$inc\": $dep comes later in the data flow" >&2
			fail=1
		elif [[ "$dep" != "$mod" && "$hdr" != "$dep.h" ]]; then
			echo "layering: $f includes \"$inc\": only $dep/$dep.h is public" >&2
			fail=1
		fi
	done < <(grep -oE '^#include "[^"]+"' "$f" | sed -E 's/#include "(.*)"/\1/')
done < <(find src -name '*.[ch]' -print0)

if [[ $fail -ne 0 ]]; then
	echo "layering: FAILED" >&2
	exit 1
fi
echo "layering: ok"
