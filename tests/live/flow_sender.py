#!/usr/bin/env python3
"""flow_sender.py — synthetic flow export for the live flow test.

Sends, on loopback only, flow records describing traffic towards addresses in
198.18.0.0/15 (nothing is sent to those addresses: they only appear inside
the records).  Every run is bounded in time and count.

usage: flow_sender.py KIND PORT SECONDS RATE [--from ADDR]
  KIND   v5-syn     NetFlow v5, one-packet TCP SYN flows to 198.18.0.2
         ipfix-ntp  IPFIX, 468-byte UDP from port 123 to 198.18.0.53
         sflow-icmp sFlow v5 samples (1:100) of ICMP echo to 198.18.0.7
         v9-carpet  NetFlow v9, UDP to every host of 198.18.1.0/24
         garbage    random and truncated datagrams (no valid records)
  RATE   packets per second described (sflow-icmp: a sample stands for 100)
Prints one line per wall-clock second: "sent UNIXSECOND COUNT" (packets
described; the first and last seconds are partial), and a
last line "total COUNT DATAGRAMS".
"""
import os
import random
import socket
import struct
import sys
import time

kind, port, seconds, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
src = sys.argv[6] if len(sys.argv) > 6 and sys.argv[5] == "--from" else "127.0.0.1"
assert seconds <= 30 and rate <= 200000, "bounded runs only"

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((src, 0))
boot = time.time() - 1000.0  # the exporter's sysUptime origin
seq = 0
rnd = random.Random(7)


def ip(a, b, c, d):
    return bytes([a, b, c, d])


def v5(records, now):
    hdr = struct.pack("!HHIIIIBBH", 5, len(records), int((now - boot) * 1000), int(now),
                      int((now % 1) * 1e9), seq, 0, 0, 0)
    body = b""
    up = int((now - boot) * 1000)
    for (s, d, sport, dport, flags, proto, pkts, octets) in records:
        body += s + d + b"\0\0\0\0" + struct.pack(
            "!HHIIIIHHBBBBHHBBH", 1, 2, pkts, octets, up - 50, up, sport, dport, 0, flags, proto,
            0, 0, 0, 24, 24, 0)
    return hdr + body


V9_TPL = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (2, 4), (1, 4), (22, 4), (21, 4)]


def v9(records, now):
    up = int((now - boot) * 1000)
    tpl = struct.pack("!HH", 256, len(V9_TPL)) + b"".join(struct.pack("!HH", *f) for f in V9_TPL)
    tset = struct.pack("!HH", 0, 4 + len(tpl)) + tpl
    data = b"".join(s + d + struct.pack("!HHBBIIII", sport, dport, proto, flags, pkts, octets,
                                        up - 50, up)
                    for (s, d, sport, dport, flags, proto, pkts, octets) in records)
    dset = struct.pack("!HH", 256, 4 + len(data)) + data
    hdr = struct.pack("!HHIIII", 9, len(records) + 1, up, int(now), seq, 1)
    return hdr + tset + dset


IPFIX_TPL = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (2, 8), (1, 8), (152, 8), (153, 8)]


def ipfix(records, now):
    ms = int(now * 1000)
    tpl = struct.pack("!HH", 300, len(IPFIX_TPL)) + b"".join(
        struct.pack("!HH", *f) for f in IPFIX_TPL)
    tset = struct.pack("!HH", 2, 4 + len(tpl)) + tpl
    data = b"".join(s + d + struct.pack("!HHBBQQQQ", sport, dport, proto, flags, pkts, octets,
                                        ms - 50, ms)
                    for (s, d, sport, dport, flags, proto, pkts, octets) in records)
    dset = struct.pack("!HH", 300, 4 + len(data)) + data
    body = tset + dset
    return struct.pack("!HHIII", 10, 16 + len(body), int(now), seq, 7) + body


def sflow(samples, now):
    out = b""
    for i, (s, d) in enumerate(samples):
        # Ethernet + IPv4 + ICMP echo header, as a switch samples it
        icmp = struct.pack("!BBHHH", 8, 0, 0, 1, i) + b"x" * 56
        iph = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(icmp), i, 0, 64, 1, 0) + s + d
        frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + iph + icmp
        pad = b"\0" * (-len(frame) % 4)  # XDR opaque padding
        hdr = struct.pack("!IIII", 1, len(frame) + 4, 4, len(frame)) + frame + pad
        rec = struct.pack("!II", 1, len(hdr)) + hdr
        smp = struct.pack("!IIIIIIII", seq * 100 + i, 3, 100, seq * 10000, 0, 1, 4, 1) + rec
        out += struct.pack("!II", 1, len(smp)) + smp
    return struct.pack("!IIIIIII", 5, 1, 0x7f000001, 0, seq, int((now - boot) * 1000),
                       len(samples)) + out


total = 0
datagrams = 0
t0 = time.time()
per_second = {}
while time.time() - t0 < seconds:
    now = time.time()
    batch = max(1, min(30, rate // 100))
    if kind == "v5-syn":
        recs = [(ip(198, 19, rnd.randrange(256), rnd.randrange(256)), ip(198, 18, 0, 2),
                 rnd.randrange(1024, 65535), 80, 0x02, 6, 1, 60) for _ in range(batch)]
        msg, n = v5(recs, now), batch
    elif kind == "ipfix-ntp":
        recs = [(ip(198, 19, 9, 1 + i % 8), ip(198, 18, 0, 53), 123, 40000, 0, 17, 1, 468)
                for i in range(batch)]
        msg, n = ipfix(recs, now), batch
    elif kind == "sflow-icmp":
        smp = [(ip(198, 19, 5, 5), ip(198, 18, 0, 7)) for _ in range(batch)]
        msg, n = sflow(smp, now), batch * 100
    elif kind == "v9-carpet":
        recs = [(ip(198, 19, 3, 3), ip(198, 18, 1, 1 + (seq * batch + i) % 254), 53, 33333, 0,
                 17, 1, 512) for i in range(batch)]
        msg, n = v9(recs, now), batch
    elif kind == "garbage":
        r = rnd.randrange(6)
        if r == 0:
            msg = os.urandom(rnd.randrange(1, 1400))
        elif r == 1:
            msg = v9([(ip(1, 1, 1, 1), ip(198, 18, 0, 2), 1, 2, 2, 6, 1, 60)] * 5, now)
            msg = msg[:rnd.randrange(1, len(msg))]
        elif r == 2:
            msg = b"\x00\x0a" + os.urandom(rnd.randrange(0, 200))
        elif r == 3:
            msg = b"\x00\x00\x00\x05" + os.urandom(rnd.randrange(0, 300))
        elif r == 4:
            msg = b"\x00\x09\x00\xff" + os.urandom(rnd.randrange(16, 300))
        else:
            msg = b"\x00\x05\x00\x1e" + os.urandom(rnd.randrange(20, 1400))
        n = 0
    else:
        sys.exit("unknown kind " + kind)
    sock.sendto(msg, ("127.0.0.1", port))
    seq += 1
    datagrams += 1
    total += n
    sec = int(now)  # wall-clock seconds, as the collector counts them
    per_second[sec] = per_second.get(sec, 0) + n
    # pace on the described packets (garbage: RATE datagrams per second)
    due = t0 + (total / rate if n else datagrams / rate)
    delay = due - time.time()
    if delay > 0:
        time.sleep(delay)
for s in sorted(per_second):
    print("sent", s, per_second[s])
print("total", total, datagrams)
