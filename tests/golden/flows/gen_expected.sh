#!/bin/bash
# gen_expected.sh — regenerate tests/golden/flows/expected/ with tshark.
#
# Usage: gen_expected.sh [OUTDIR]   write the expected files (default:
#                                   expected/ beside this script)
#        gen_expected.sh --check    regenerate into a temporary directory and
#                                   compare with expected/ (exit 0 same, 1
#                                   different, 77 = skip: no TShark 4.0.17)
#
# Run once; the outputs are committed, so the tests (check_flows.sh) never
# need tshark.  Re-run when a capture or a set is added, and review the diff.
# The ctest golden.flows.regen (flows.cmake) runs --check, so a hand-edited
# expected file or a script change that alters the output is caught.
#
# Needs TShark (Wireshark) 4.0.17 — Debian 12's 4.0.17-0+deb12u3 — and refuses
# another version (LO_TSHARK_ANY=1 overrides, for experiments only), plus
# mergecap, capinfos (same package family) and python3.  Takes about 4
# minutes of CPU, mostly tshark starting once per set (twice for one set);
# sets run in parallel, one per CPU.
#
# For every set NAME of sets.tsv it writes expected/NAME.tsv, and it writes
# expected/SUMMARY.tsv (per set: files, packets, flow records, expected exit
# status, packets tshark calls malformed).
#
# How a set becomes an expected file
#   1. Its files are put in one capture, in the set's order: pcaps with
#      `mergecap -F pcap -a` (concatenated, not merged by time), raw payload
#      files with dat2pcap.py (one Ethernet/IPv4/UDP packet per datagram,
#      exporter 192.0.2.1, port 6343 for sFlow and 2055 otherwise).  tshark
#      thus learns v9/IPFIX templates in the order lightsout does (lightsout
#      is given the separate files and caches templates across them).
#   2. tshark2tsv.py runs tshark on it (-T json) and prints one TSV line per
#      flow record.  Its FIELDS comment documents every column and every
#      normalisation; in short:
#        - columns: version exporter domain template src dst proto sport
#          dport tcp_flags bytes packets, and for sFlow also sampling_rate
#          in_if out_if agent;
#        - the format of a datagram is told by its first bytes, not its port
#          (tshark is told to decode the ports used as NetFlow/IPFIX);
#        - an absent address is "-" (lightsout's null), an absent number 0
#          (lightsout prints 0 for "not in the record"); IPv6 addresses as
#          tshark prints them (RFC 5952);
#        - NetFlow v5's domain is engine_type * 256 + engine_id;
#        - tshark's hex tcp_flags become decimal, low 8 bits;
#        - ICMP: sport 0, dport type*256+code (IE 32/139, else 176-179, else
#          the exported dport);
#        - bytes/packets: IE 1/2, else IE 85/86, else IE 23/24; a record that
#          counts only per direction (NSEL IE 231/232, 298/299) gets "*":
#          which of them lightsout should report is not tshark's to say, and
#          "*" columns are not compared;
#        - sFlow: addresses, protocol and ports of the first IP header in the
#          sampled packet header (tshark's dissection of it); bytes = sampled
#          frame length, packets = 1; in_if/out_if 0 unless a plain ifIndex
#          (format 0, not 0x3fffffff);
#        - not compared: NetFlow/IPFIX sampling rates (learnt from options
#          records, which tshark does not apply to data records), first/last
#          times, interfaces, ASes and frag of NetFlow/IPFIX records;
#        - only flow records: not options records (tshark's own decode tells
#          which templates are options templates), not data tshark has no
#          template for, not sFlow counter samples.
#      Records of packets listed as malformed in sets.tsv get a "?" first
#      column (lightsout may print them or not, see check_flows.sh).
#   3. Each expected file starts with a "#" line naming the columns.
#
# Where tshark 4.0.17 is wrong, its input is patched (only for tshark; the
# tests run lightsout on the original bytes).  See TSHARK_PATCHES below.
#
# Malformed or not (sets.tsv's EXIT column), decided by reading the bytes:
#   - tcpdump__sflow_print-segv.pcap: malformed (exit 2).  Its UDP length
#     field says 16 (8 bytes of payload: a cut sFlow header), and in the 868
#     bytes the IP packet carries after the UDP header the first flow
#     sample's first record claims 1,180,566,168 bytes.  No flow record
#     either way.
#   - tcpdump__sflow_multiple_counter_30_pdus.pcap: NOT malformed (exit 0),
#     although tshark flags frames 12 and 18.  Both are expanded counter
#     samples with the sFlow host structures (records 2000-2006); every
#     record length adds up to the sample length and the sample length to
#     the datagram (frame 12: 424 of 460 bytes, frame 18: 388 of 424).  tshark 4.0.17 does not skip a
#     counter record of a format it does not know (2001, host adapters) by
#     its length and reads garbage after it.  Its 5 NetFlow v5 datagrams
#     sent to the sFlow port (frames 13, 19-22) are valid v5 (count matches
#     the length); their 7 records are the set's only flow records (the 25
#     sFlow datagrams hold counter samples only).
#   - logstash netflow5_test_invalid01/02.dat: malformed (exit 2): the header
#     count (55582; 163) exceeds 30 and the 1,440 bytes after the header,
#     which hold exactly 30 records (randomly corrupted values).  tshark
#     shows the 30 records; lightsout may print them or a prefix ("?").
#   - logstash netflow9_test_invalid01.dat: NOT malformed (exit 0).  Its six
#     flowsets (two templates, an options template, options data, an IPv6
#     and an IPv4 data record) have consistent lengths and end exactly at
#     the end of the datagram; only the header count (2) understates the
#     records (6).  tshark stops after `count` records; see TSHARK_PATCHES.
#   - akvorado sflow data-discard-interface, -local-interface,
#     -multiple-interfaces: exit 0.  Akvorado made them from data-1140 by
#     setting the sample count to 1 and changing the output interface; the
#     964 bytes of the 4 other samples remain after the declared sample and
#     are ignored (tshark too).
#   - telegraf issue_14370/message.bin: malformed (exit 2).  Its IPFIX
#     header says 290 bytes, the datagram has 292 and its last set (257,
#     84 bytes at offset 208) ends 2 bytes beyond the message.  tshark
#     shows "partial flow (292/290 bytes)" and both records; lightsout may
#     print both, the first (set 256) or none ("?").
#   - Trailing zero padding is not malformed: logstash
#     netflow9_test_paloalto_81_data257_1flowset_in_large_zerofilled_packet
#     (1,220 zero bytes after its flowset) and netflow9_test_cisco_aci_tpl
#     (64 bytes).
#   - "no template found" is not malformed (tshark marks it so): ndpi
#     netflowv9.pcap (no template in the capture), data sets before their
#     template (akvorado data+templates: the first of its two 257 sets),
#     ipt_NETFLOW's sets 259/262 and NetScaler's 280 (never defined).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
data=$(cd "$here/../../data/flows" && pwd)
check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
export LC_ALL=C TZ=UTC

want=4.0.17
have=$(tshark --version 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9][0-9.]*\).*/\1/p')
if [ "$have" != "$want" ] && [ "${LO_TSHARK_ANY:-}" != 1 ]; then
	echo "gen_expected: need TShark $want, found '${have:-none}'" >&2
	[ $check = 1 ] && exit 77
	exit 1
fi
for tool in mergecap capinfos python3; do
	if ! command -v $tool > /dev/null; then
		echo "gen_expected: $tool not found" >&2
		[ $check = 1 ] && exit 77
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lo-flowgen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ $check = 1 ]; then
	out=$tmp/expected
else
	out=${1:-$here/expected}
fi
mkdir -p "$out"

# TSHARK_PATCHES: FILE OFFSET OLD NEW — bytes (hex) changed in tshark's copy
# of FILE only.
#   - netflow9_test_h3c_tpl3281.dat, ..._netstream_varstring_tpl3281.dat:
#     template 3281's field 22 is type 43 (IPV4_ROUTER_SC) of length 2.
#     tshark 4.0.17 reads type 43 as an IPv4 address, throws "Trying to
#     fetch an IPv4 address with length 2" in the first record and decodes
#     none of the 15 others.  The type becomes 0 (unassigned; tshark shows
#     its 2 bytes raw).  No compared column comes from that field; a decoder
#     takes the length from the template whatever the type.
#   - netflow9_test_invalid01.dat: header count 2 -> 6 (its real number of
#     records): tshark stops decoding a v9 datagram after `count` records,
#     lightsout decodes every flowset up to the end of the datagram.
TSHARK_PATCHES="
logstash_netflow_dat/netflow9_test_h3c_tpl3281.dat 112 002b0002 00000002
logstash_netflow_dat/netflow9_test_h3c_netstream_varstring_tpl3281.dat 112 002b0002 00000002
logstash_netflow_dat/netflow9_test_invalid01.dat 2 0002 0006
"

# input FILE: path of FILE as tshark must see it (a patched copy or the file).
input() {
	local f=$1 pf off old new
	while read -r pf off old new; do
		[ "$pf" = "$f" ] || continue
		mkdir -p "$tmp/patched/$(dirname "$f")"
		python3 - "$data/$f" "$tmp/patched/$f" "$off" "$old" "$new" <<-'EOF'
			import sys
			src, dst, off, old, new = sys.argv[1:]
			b = bytearray(open(src, "rb").read())
			off, old, new = int(off), bytes.fromhex(old), bytes.fromhex(new)
			if b[off:off + len(old)] != old:
			    sys.exit("gen_expected: %s: expected %s at %d" % (src, old.hex(), off))
			b[off:off + len(new)] = new
			open(dst, "wb").write(b)
		EOF
		echo "$tmp/patched/$f"
		return
	done <<< "$TSHARK_PATCHES"
	echo "$data/$f"
}

# gen_set NAME EXIT FILES: write $out/NAME.tsv and $tmp/NAME.summary.
gen_set() {
	local name=$1 exit_spec=$2 files=$3 f raw=0 pcap=$tmp/$1.pcap bad=
	local -a paths=()
	for f in $files; do
		paths+=("$(input "$f")")
		case $f in *.dat | *.bin) raw=1 ;; esac
	done
	if [ $raw = 1 ]; then
		python3 "$here/dat2pcap.py" "$pcap" "${paths[@]}"
	else
		mergecap -F pcap -a -w "$pcap" "${paths[@]}"
	fi
	case $exit_spec in 2:*) bad=${exit_spec#2:} ;; esac
	{
		printf '#version\texporter\tdomain\ttemplate\tsrc\tdst\tproto\tsport\tdport'
		printf '\ttcp_flags\tbytes\tpackets\t[sflow5: sampling_rate\tin_if\tout_if\tagent]\n'
		python3 "$here/tshark2tsv.py" --bad "$bad" "$pcap" 2> "$tmp/$name.notes"
	} > "$out/$name.tsv.new"
	mv "$out/$name.tsv.new" "$out/$name.tsv"
	local malformed
	malformed=$(sed -n 's/.*frame \([0-9]*\): tshark: malformed packet$/\1/p' "$tmp/$name.notes" |
		paste -sd, -)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$(wc -w <<< "$files")" \
		"$(capinfos -Mc "$pcap" | awk '/^Number of packets/ { print $NF }')" \
		"$(grep -vc '^#' "$out/$name.tsv" || true)" "$exit_spec" "${malformed:--}" > "$tmp/$name.summary"
}

jobs_max=$(nproc 2> /dev/null || echo 2)
names=()
while IFS=$'\t' read -r name exit_spec files; do
	case $name in '' | '#'*) continue ;; esac
	names+=("$name")
	gen_set "$name" "$exit_spec" "$files" &
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n
	done
done < "$here/sets.tsv"
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do
	wait -n
done
wait

{
	printf '# generated by tests/golden/flows/gen_expected.sh with %s\n' \
		"$(tshark --version 2>/dev/null | head -1)"
	printf '#set\tfiles\tpackets\tflow_records\texit\ttshark_malformed\n'
	for name in "${names[@]}"; do
		cat "$tmp/$name.summary"
	done
} > "$out/SUMMARY.tsv"
awk -F'\t' '!/^#/ { sets++; recs += $4 } END { printf "gen_expected: %d sets, %d flow records\n", sets, recs }' \
	"$out/SUMMARY.tsv"
if [ $check = 1 ]; then
	if ! diff -r "$here/expected" "$out"; then
		echo "gen_expected: the committed expected files differ from tshark's output" >&2
		exit 1
	fi
	echo "gen_expected: the committed expected files are what tshark $have gives"
fi
