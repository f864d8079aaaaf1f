#!/usr/bin/env python3
"""dat2pcap.py - wrap raw flow-export UDP payloads into a pcap file.

Usage: dat2pcap.py [-p PORT] OUT.pcap PAYLOAD_FILE...

Each PAYLOAD_FILE (NetFlow v5/v9, IPFIX or sFlow v5 UDP payloads, as the
logstash and Telegraf test fixtures under tests/data/flows/ store them)
becomes one or more Ethernet/IPv4/UDP packets, in the order given, from the
exporter 192.0.2.1 port 49152 to 192.0.2.2.  Standard library only.

  * Destination port: PORT if -p is given; otherwise 6343 (sFlow's port)
    for a payload starting 00 00 00 05 (sFlow v5) and 2055 for all others,
    so that tshark picks the right dissector without "decode as" rules.
  * Timestamps are fixed: 2000-01-01T00:00:00Z plus one second per packet,
    so the output is the same byte for byte on every run.
  * Concatenated messages: some fixtures were captured with `nc -l > file`,
    which writes consecutive datagrams back to back (logstash's netflow5.dat
    holds 12 NetFlow v5 datagrams, ipfix.dat 3 IPFIX messages).  A file is
    split into one packet per message when its format says where a message
    ends -- NetFlow v5: 24 + 48 * count bytes; IPFIX: the header's length
    field -- and only if the messages, all of that version, cover the file
    exactly.  Otherwise (NetFlow v9 and sFlow have no message length, and
    deliberately invalid files such as netflow5_test_invalid01.dat whose
    count does not fit) the whole file is one datagram.
  * The IPv4 header checksum is computed; the UDP checksum is 0 (none),
    which IPv4 allows.
"""
import struct
import sys

EPOCH = 946684800  # 2000-01-01T00:00:00Z
SRC_IP = bytes([192, 0, 2, 1])
DST_IP = bytes([192, 0, 2, 2])
SRC_MAC = bytes.fromhex("020000000001")
DST_MAC = bytes.fromhex("020000000002")
SRC_PORT = 49152
MAX_UDP = 65507


def ip_checksum(hdr):
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(payload, port, ident):
    udp = struct.pack("!HHHH", SRC_PORT, port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xFFFF,
                     0x4000, 64, 17, 0, SRC_IP, DST_IP)
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    return DST_MAC + SRC_MAC + b"\x08\x00" + ip + udp


def message_length(buf, off):
    """Length of the NetFlow v5 / IPFIX message at buf[off:], or None."""
    if len(buf) - off < 4:
        return None
    version, n = struct.unpack_from("!HH", buf, off)
    if version == 5:
        return 24 + 48 * n
    if version == 10 and n >= 16:
        return n
    return None


def split_messages(buf):
    """The messages concatenated in buf, or [buf] if it is not exactly that."""
    if len(buf) < 4:
        return [buf]
    version = struct.unpack_from("!H", buf, 0)[0]
    parts, off = [], 0
    while off < len(buf):
        n = message_length(buf, off)
        if (n is None or off + n > len(buf)
                or struct.unpack_from("!H", buf, off)[0] != version):
            return [buf]
        parts.append(buf[off:off + n])
        off += n
    return parts


def main(argv):
    port = None
    args = argv[1:]
    if len(args) >= 2 and args[0] == "-p":
        port = int(args[1])
        args = args[2:]
        if not 0 < port < 65536:
            args = []
    if len(args) < 2:
        sys.stderr.write("usage: dat2pcap.py [-p PORT] OUT.pcap PAYLOAD_FILE...\n")
        return 2
    out, names = args[0], args[1:]
    # pcap global header: magic, version 2.4, thiszone, sigfigs, snaplen, Ethernet
    data = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    i = 0
    for name in names:
        with open(name, "rb") as f:
            buf = f.read()
        for payload in split_messages(buf):
            if len(payload) > MAX_UDP:
                sys.stderr.write("dat2pcap.py: %s: %d bytes, too long for UDP\n"
                                 % (name, len(payload)))
                return 1
            dport = port
            if dport is None:
                dport = 6343 if payload[:4] == b"\0\0\0\5" else 2055
            pkt = frame(payload, dport, i + 1)
            data.append(struct.pack("<IIII", EPOCH + i, 0, len(pkt), len(pkt)))
            data.append(pkt)
            i += 1
    with open(out, "wb") as f:
        f.write(b"".join(data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
