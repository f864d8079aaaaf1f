#!/usr/bin/env python3
"""tshark2tsv.py - the flow records tshark decodes in a pcap, as a TSV.

Usage: tshark2tsv.py [--bad FRAME,...] CAPTURE.pcap > EXPECTED.tsv

Used by gen_expected.sh only (the tests themselves never run tshark).  Runs
tshark (Wireshark 4.0.x) on CAPTURE -- the capture set concatenated in order,
so that tshark learns templates the way `lightsout flows` does -- and prints
one line per flow record, in decode order:

    version exporter domain template src dst proto sport dport tcp_flags
    bytes packets [sampling_rate in_if out_if agent]   (last 4: sFlow only)

with the same meaning as the fields of `lightsout flows -j`; check_flows.sh
turns our JSON into the same columns.  --bad lists the frames (packet
numbers in CAPTURE) that are malformed: their records are printed with a
"?" first column, meaning lightsout may print them or not (it prints the
records before the fault, and what tshark shows of a malformed datagram is
at most that).  How each column is derived from tshark's fields, and every
normalisation, is documented at FIELDS below.  Notes (e.g. packets tshark
calls malformed) go to stderr.

Only flow records are printed: NetFlow v5 records, v9/IPFIX data records of
a (non-options) template, sFlow flow samples (compact and expanded).  Not
printed: templates, options data records (tracked from tshark's own template
decode: a data set whose cflow.template_frame/flowset_id is an options
template), data sets tshark has no template for, sFlow counter samples and
samples of other formats.

Standard library only.
"""
import json
import struct
import subprocess
import sys

# ---------------------------------------------------------------- FIELDS
#
# Common columns
#   version    cflow.version 5/9/10 -> netflow5/netflow9/ipfix; an sFlow v5
#              datagram -> sflow5.  The format of a packet is told by the
#              first bytes of its UDP payload (00 00 00 05 sFlow v5, 00 05
#              NetFlow v5, 00 09 v9, 00 0a IPFIX), as lightsout does, not by
#              the UDP port: tshark is told to decode every port that carries
#              NetFlow/IPFIX as cflow (-d udp.port==P,cflow), and in a second
#              run also port 6343 when NetFlow is sent there (the tcpdump
#              sflow_multiple_counter_30_pdus capture).
#   exporter   source address of the outermost IP header (ip.src/ipv6.src).
#   domain     v9: cflow.source_id; IPFIX: cflow.od_id; NetFlow v5:
#              cflow.engine_type * 256 + cflow.engine_id (the header's two
#              bytes 20-21 as one number: Cisco's v9 format document calls
#              the v9 source ID "the equivalent of the engine type and engine
#              ID fields found in the NetFlow Version 5 and Version 8
#              headers"); sFlow: sflow_245.sub_agent_id.
#   template   v9/IPFIX: the data set's flowset ID (= its template ID);
#              NetFlow v5: 0; sFlow: the sample's source ID index
#              (sflow.flow_sample.index or .source_id_index).
#   src, dst   NetFlow/IPFIX: cflow.srcaddr/dstaddr (IE 8/12), else
#              cflow.srcaddrv6/dstaddrv6 (IE 27/28), else "-" (the record
#              carries no address; lightsout prints null, check_flows.sh maps
#              null to "-").  A record with both pairs (Procera's template
#              has IE 8, 12, 27 and 28) is IPv6 when its IPv4 pair is
#              0.0.0.0/0.0.0.0 (or absent) and its IPv6 pair is not ::/::.
#              Addresses are printed as tshark prints them: IPv6 in RFC 5952
#              form, where "::" never stands for a single 0 group.
#              Addresses carried only inside a data-link frame section
#              (IE 315, e.g. Juniper's sampled headers) are not interpreted:
#              such records have no address ("-").
#              sFlow: ip.src/ip.dst or ipv6.src/ipv6.dst of the FIRST IP
#              header inside the sampled packet header (for a VXLAN or other
#              tunnel, the outer one), "-" when the sampled header holds no
#              IP packet (ARP, LLDP...).
#   proto      cflow.protocol (IE 4), 0 if absent.  sFlow: ip.proto of that
#              first IP header; for IPv6, the protocol of the L4 header tshark
#              found after it (tcp 6, udp 17, icmpv6 58), else ipv6.nxt.
#   sport,     cflow.srcport/dstport (IE 7/11), 0 if absent.  sFlow: tcp or
#   dport      udp srcport/dstport of the L4 header right after that IP
#              header; 0 if there is none (not the first fragment, header
#              cut before the ports).
#              ICMP (proto 1, or 58 for ICMPv6): sport 0 and dport =
#              type * 256 + code, as v5/v9 exporters put it in the
#              destination port.  NetFlow/IPFIX: ICMP: type/code from
#              cflow.icmp_type_code_ipv4 (IE 32) if present, else from
#              cflow.icmp_ipv4_type + _code (IE 176/177); ICMPv6: from
#              cflow.icmp_ipv6_type + _code (tshark's fields for IE 139 as
#              well as IE 178/179); else the exported dstport as it is.
#              sFlow: icmp.type/code or icmpv6.type/code.
#   tcp_flags  cflow.tcpflags (hex in tshark: 0x18) as a decimal number, low
#              8 bits only (IPFIX tcpControlBits may be 2 bytes: 0x0018);
#              0 if absent.  sFlow: tcp.flags & 0xff of the sampled TCP
#              header, 0 if not TCP.
#   bytes      cflow.octets (IE 1 octetDeltaCount, v9 IN_BYTES); if absent
#              cflow.permanent_octets (IE 85 octetTotalCount); if absent
#              cflow.post_octets (IE 23 postOctetDeltaCount, v9 OUT_BYTES);
#              if absent but the record counts bytes per direction
#              (cflow.initiator_octets / responder_octets, IE 231/232, Cisco
#              ASA NSEL) "*" -- which one, or their sum, is a choice tshark
#              cannot make for us, so the column is not compared for that
#              record; else 0.  sFlow: sflow_245.header.frame_length of the
#              raw packet header record (the sampled frame's length).
#   packets    likewise: cflow.packets (IE 2), cflow.permanent_packets
#              (IE 86), cflow.post_packets (IE 24), "*" when only IE 298/299
#              (initiator/responderPackets) are present, else 0.  sFlow: 1.
#
# sFlow-only columns
#   sampling_rate  sflow.flow_sample.sampling_rate.
#   in_if, out_if  the sample's input/output interface: compact samples
#              carry format (top 2 bits) and value (low 30 bits) in one 32-bit
#              word (sflow.flow_sample.input_interface / output_interface),
#              expanded samples separately.  The column is the value when the
#              format is 0 (a single ifIndex) and the value is not 0x3fffffff
#              (the packet came from / went to the agent itself); otherwise
#              0 ("unknown": format 1 is a discard reason, format 2 a count of
#              interfaces, neither an ifIndex).
#   agent      sflow_245.agent or sflow_245.agent.v6.
#
# A column whose value is "*" in an expected file is not compared for that
# record (check_flows.sh copies "*" over our value before diffing).
# -----------------------------------------------------------------------

SFLOW_MAGIC = "00000005"


def pairs_hook(p):
    """Keep tshark's JSON objects as ordered (key, value) lists: tshark
    repeats keys (two samples with the same label, one per flow record...)
    and a dict would merge or reorder them."""
    return p


def first(pairs, key, default=None):
    for k, v in pairs:
        if k == key:
            return v
    return default


def leaves(pairs):
    """{key: value} of a record's direct string fields (first occurrence)."""
    d = {}
    for k, v in pairs:
        if isinstance(v, str) and k not in d:
            d[k] = v
    return d


def is_obj(v):
    return isinstance(v, list) and (not v or isinstance(v[0], tuple))


def tshark_json(pcap, decode_as):
    # -n: no name resolution; cflow.max_template_fields: tshark ignores
    # templates of more than 60 fields by default, lightsout takes up to 128
    cmd = ["tshark", "-n", "-o", "cflow.max_template_fields:0", "-r", pcap,
           "-T", "json"]
    for port in decode_as:
        cmd += ["-d", "udp.port==%d,cflow" % port]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout
    return json.loads(out, object_pairs_hook=pairs_hook)


def packet_info(pcap):
    """[(frame, UDP destination port, first 4 payload bytes in hex)] of each
    packet of a pcap file (Ethernet, optional 802.1Q tags, IPv4/IPv6, UDP),
    read directly: tshark must know the ports before it runs."""
    with open(pcap, "rb") as f:
        buf = f.read()
    magic = buf[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError("%s: not a pcap file" % pcap)
    if struct.unpack_from(endian + "I", buf, 20)[0] != 1:
        raise ValueError("%s: link type is not Ethernet" % pcap)
    info, off, frame = [], 24, 0
    while off + 16 <= len(buf):
        caplen = struct.unpack_from(endian + "I", buf, off + 8)[0]
        pkt = buf[off + 16:off + 16 + caplen]
        off += 16 + caplen
        frame += 1
        port, head = 0, ""
        p, etype = 14, struct.unpack_from("!H", pkt, 12)[0]
        while etype in (0x8100, 0x88A8, 0x9100):
            etype = struct.unpack_from("!H", pkt, p + 2)[0]
            p += 4
        proto = None
        if etype == 0x0800:
            proto = pkt[p + 9]
            p += (pkt[p] & 0x0F) * 4
        elif etype == 0x86DD:
            proto = pkt[p + 6]
            p += 40
        if proto == 17:
            port = struct.unpack_from("!H", pkt, p + 2)[0]
            head = pkt[p + 8:p + 12].hex()
        info.append((frame, port, head))
    return info


def layers(pkt):
    return first(first(pkt, "_source"), "layers")


def outer_src(lay):
    for k, v in lay:
        if k == "ip":
            return first(v, "ip.src")
        if k == "ipv6":
            return first(v, "ipv6.src")
    return "-"


def has_key(tree, key):
    if not is_obj(tree):
        return False
    return any(k == key or has_key(v, key) for k, v in tree)


def num(s, default=0):
    if s is None:
        return default
    return int(s, 0)


# ------------------------------------------------------------ NetFlow/IPFIX

def icmp_dport(r, proto, dport):
    if proto == 1:
        tc = r.get("cflow.icmp_type_code_ipv4")
        t, c = r.get("cflow.icmp_ipv4_type"), r.get("cflow.icmp_ipv4_code")
    else:
        tc = None  # tshark shows IE 139 as icmp_ipv6_type + _code
        t, c = r.get("cflow.icmp_ipv6_type"), r.get("cflow.icmp_ipv6_code")
    if tc is not None:
        return num(tc)
    if t is not None or c is not None:
        return num(t) * 256 + num(c)
    return dport


def counter(r, names, split_names):
    for n in names:
        if n in r:
            return str(num(r[n]))
    if any(n in r for n in split_names):
        return "*"
    return "0"


def nf_record(version, exporter, domain, template, r):
    src, dst = r.get("cflow.srcaddr"), r.get("cflow.dstaddr")
    src6, dst6 = r.get("cflow.srcaddrv6"), r.get("cflow.dstaddrv6")
    if (src is None and dst is None) or (
            src in (None, "0.0.0.0") and dst in (None, "0.0.0.0")
            and (src6 not in (None, "::") or dst6 not in (None, "::"))):
        src, dst = src6, dst6
    src = "-" if src is None else src
    dst = "-" if dst is None else dst
    proto = num(r.get("cflow.protocol"))
    sport = num(r.get("cflow.srcport"))
    dport = num(r.get("cflow.dstport"))
    if proto in (1, 58):
        sport, dport = 0, icmp_dport(r, proto, dport)
    flags = num(r.get("cflow.tcpflags")) & 0xFF
    nbytes = counter(r, ("cflow.octets", "cflow.permanent_octets",
                         "cflow.post_octets"),
                     ("cflow.initiator_octets", "cflow.responder_octets"))
    npkts = counter(r, ("cflow.packets", "cflow.permanent_packets",
                        "cflow.post_packets"),
                    ("cflow.initiator_packets", "cflow.responder_packets"))
    return [version, exporter, str(domain), str(template), src, dst,
            str(proto), str(sport), str(dport), str(flags), nbytes, npkts]


class Cflow:
    def __init__(self):
        self.options = set()  # (frame, template id) of options templates

    def packet(self, frame, exporter, cf, out, note):
        top = leaves(cf)
        v = num(top.get("cflow.version"))
        if v == 5:
            domain = (num(top.get("cflow.engine_type")) << 8
                      | num(top.get("cflow.engine_id")))
            for k, rec in cf:
                if k.startswith("pdu ") and is_obj(rec):
                    out.append(nf_record("netflow5", exporter, domain, 0,
                                         leaves(rec)))
            return
        if v not in (9, 10):
            note("frame %d: cflow version %s ignored" % (frame, v))
            return
        name = "netflow9" if v == 9 else "ipfix"
        domain = num(top.get("cflow.source_id" if v == 9 else "cflow.od_id"))
        for k, fs in cf:
            # "FlowSet N [id=..." in v9, "Set N [id=..." in IPFIX
            if not (k.startswith(("FlowSet ", "Set ")) and is_obj(fs)):
                continue
            fsl = leaves(fs)
            fsid = num(fsl.get("cflow.flowset_id"))
            for k2, sub in fs:
                if k2.startswith("Options Template (Id = "):
                    tid = num(first(sub, "cflow.template_id"))
                    self.options.add((frame, tid))
            tframe = fsl.get("cflow.template_frame")
            if tframe is None:
                continue
            if (num(tframe), fsid) in self.options:
                continue
            for k2, rec in fs:
                if k2.startswith("Flow ") and is_obj(rec):
                    out.append(nf_record(name, exporter, domain, fsid,
                                         leaves(rec)))


# -------------------------------------------------------------------- sFlow

def sflow_header(sample):
    """The raw packet header record's (frame_length, header_tree)."""
    for k, rec in sample:
        if k == "Raw packet header" and is_obj(rec):
            return (first(rec, "sflow_245.header.frame_length"),
                    first(rec, "sflow_245.header_tree"))
    return None, None


def find_ip(tree):
    """(ip layer name, its pairs, the L4 layer (name, pairs) after it)."""
    if not is_obj(tree):
        return None, None, None
    items = list(tree)
    for i, (k, v) in enumerate(items):
        if k in ("ip", "ipv6") and is_obj(v):
            l4 = None
            for k2, v2 in items[i + 1:]:
                if k2 in ("tcp", "udp", "icmp", "icmpv6") and is_obj(v2):
                    l4 = (k2, v2)
                    break
                if k2 in ("ip", "ipv6"):
                    break
            return k, v, l4
    # an IP header nested one level down
    for k, v in items:
        if is_obj(v) and k not in ("ip", "ipv6"):
            r = find_ip(v)
            if r[0]:
                return r
    return None, None, None


def interface(fmt, value):
    if fmt == 0 and value != 0x3FFFFFFF:
        return value
    return 0


def sflow_sample(exporter, domain, agent, sample, frame, note):
    s = leaves(sample)
    if "sflow.flow_sample.index" in s:  # compact flow sample
        template = num(s["sflow.flow_sample.index"])
        word = num(s["sflow.flow_sample.input_interface"])
        in_if = interface(word >> 30, word & 0x3FFFFFFF)
        word = num(s["sflow.flow_sample.output_interface"])
        out_if = interface(word >> 30, word & 0x3FFFFFFF)
    else:  # expanded flow sample
        template = num(s["sflow.flow_sample.source_id_index"])
        in_if = interface(num(s["sflow.flow_sample.input_interface_format"]),
                          num(s["sflow.flow_sample.input_interface_value"]))
        out_if = interface(num(s["sflow.flow_sample.output_interface.format"]),
                           num(s["sflow.flow_sample.output_interface_value"]))
    rate = num(s["sflow.flow_sample.sampling_rate"])
    flen, tree = sflow_header(sample)
    if flen is None:
        raise ValueError("frame %d: flow sample without a raw packet header"
                         % frame)
    src = dst = "-"
    proto = sport = dport = flags = 0
    name, ip, l4 = find_ip(tree)
    if name == "ip":
        ipl = leaves(ip)
        src, dst, proto = ipl["ip.src"], ipl["ip.dst"], num(ipl["ip.proto"])
    elif name == "ipv6":
        ipl = leaves(ip)
        src, dst, proto = ipl["ipv6.src"], ipl["ipv6.dst"], num(ipl["ipv6.nxt"])
        if l4:
            proto = {"tcp": 6, "udp": 17, "icmpv6": 58}.get(l4[0], proto)
    if name and l4:
        l4n, l4l = l4[0], leaves(l4[1])
        if l4n in ("tcp", "udp") and proto in (6, 17):
            sport = num(l4l.get(l4n + ".srcport"))
            dport = num(l4l.get(l4n + ".dstport"))
            if l4n == "tcp":
                flags = num(l4l.get("tcp.flags")) & 0xFF
        elif l4n == "icmp" and proto == 1 or l4n == "icmpv6" and proto == 58:
            dport = num(l4l.get(l4n + ".type")) * 256 + num(l4l.get(l4n + ".code"))
    if name and proto in (6, 17) and not l4:
        note("frame %d: sFlow sample %s/%s proto %d without L4 header "
             "(ports 0)" % (frame, src, dst, proto))
    return ["sflow5", exporter, str(domain), str(template), src, dst,
            str(proto), str(sport), str(dport), str(flags), str(num(flen)),
            "1", str(rate), str(in_if), str(out_if), agent]


def sflow_packet(frame, exporter, sf, out, note):
    top = leaves(sf)
    agent = top.get("sflow_245.agent", top.get("sflow_245.agent.v6", "-"))
    domain = num(top.get("sflow_245.sub_agent_id"))
    for k, sample in sf:
        if not is_obj(sample):
            continue
        if k.startswith(("Flow sample, seq ", "Expanded flow sample, seq ")):
            out.append(sflow_sample(exporter, domain, agent, sample, frame,
                                    note))


# --------------------------------------------------------------------- main

def main(argv):
    args = argv[1:]
    bad = set()
    if len(args) == 3 and args[0] == "--bad":
        bad = {int(x) for x in args[1].split(",") if x}
        args = args[2:]
    if len(args) != 1:
        sys.stderr.write("usage: tshark2tsv.py [--bad FRAME,...] CAPTURE.pcap\n")
        return 2
    pcap = args[0]

    def note(msg):
        sys.stderr.write("tshark2tsv: %s: %s\n" % (pcap, msg))

    info = packet_info(pcap)
    nf_ports = sorted({p for _, p, m in info if m != SFLOW_MAGIC and p != 6343})
    nf_on_6343 = any(m != SFLOW_MAGIC and p == 6343 for _, p, m in info)
    run_a = tshark_json(pcap, nf_ports)
    run_b = tshark_json(pcap, nf_ports + [6343]) if nf_on_6343 else run_a
    if len(run_a) != len(info) or len(run_b) != len(info):
        raise ValueError("tshark saw %d packets, the pcap holds %d"
                         % (len(run_a), len(info)))
    cflow = Cflow()
    for i, (frame, port, magic) in enumerate(info):
        pkt = run_b[i] if magic != SFLOW_MAGIC and port == 6343 else run_a[i]
        lay = layers(pkt)
        if num(first(first(lay, "frame"), "frame.number")) != frame:
            raise ValueError("frame %d: tshark runs disagree" % frame)
        exporter = outer_src(lay)
        if has_key(lay, "_ws.malformed"):
            note("frame %d: tshark: malformed packet" % frame)
        out = []
        if magic == SFLOW_MAGIC:
            sf = first(lay, "sflow")
            if sf is not None:
                sflow_packet(frame, exporter, sf, out, note)
        else:
            cf = first(lay, "cflow")
            if cf is not None:
                cflow.packet(frame, exporter, cf, out, note)
            else:
                note("frame %d: not decoded as cflow" % frame)
        for rec in out:
            # a record of a malformed datagram: lightsout may print it or
            # not (it prints the records before the fault)
            prefix = "?\t" if frame in bad else ""
            sys.stdout.write(prefix + "\t".join(rec) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
