#!/usr/bin/python3
"""garbage.py - malformed flow export datagrams, for check_garbage.sh.

  garbage.py corpus OUT.pcap
      write the corpus (one datagram per frame, from 127.0.0.3 to
      127.0.0.1:2055) so that `lightsout flows --stats` can say how many of
      them it finds malformed; prints "N KNOWN_BAD UNKNOWN"
  garbage.py send HOST PORT[,PORT...] SECONDS MAX [SRC]
      send the corpus round and round, as fast as one process can, to every
      PORT in turn, for at most SECONDS and MAX datagrams; prints
      "sent N in S s"

The corpus (deterministic, seed 7), built around valid NetFlow v5, v9,
IPFIX and sFlow v5 datagrams whose flows go to 198.18.9.0/24 (not a
watched host):
  - every valid datagram cut short at many lengths;
  - length and count fields that lie: v5 count > records, v9/IPFIX
    flowset/set length past the end or under 4, IPFIX message length not
    the datagram's, sFlow sample count 2^31 and sample/record lengths past
    the end (FastNetMon's CVE-2024-56072);
  - templates with zero fields (v9), zero-length fields (IPFIX), 65535
    fields, and a variable-length IPFIX field with a length byte past the
    end;
  - the tolerated: an IPFIX template withdrawal, a v9 template with a
    zero-length field (FastNetMon's CVE-2024-56073 divided by it);
  - random bit flips of the valid datagrams (may or may not be malformed);
  - datagrams in no known format: random bytes, empty, 1 byte.
"""
import random, socket, struct, sys, time

R = random.Random(7)


def ip(a):
    return socket.inet_aton(a)


def v5(count=2, real=None):
    real = count if real is None else real
    h = struct.pack("!HHIIIIBBH", 5, count, 1000, int(time.time()), 0, 1, 0, 0, 0)
    recs = b""
    for i in range(real):
        recs += ip("198.19.0.%d" % (i + 1)) + ip("198.18.9.%d" % (i + 1)) + ip("0.0.0.0")
        recs += struct.pack("!HHIIIIHHBBBBHHBBH", 1, 2, 10, 4000, 500, 900, 1234, 80, 0, 0x02, 6, 0, 0, 0, 24, 24, 0)
    return h + recs


V9_FIELDS = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (1, 4), (2, 4), (22, 4), (21, 4)]


def v9_template(tid=256, fields=V9_FIELDS, flen=None):
    body = struct.pack("!HH", tid, len(fields)) + b"".join(struct.pack("!HH", t, l) for t, l in fields)
    ln = 4 + len(body) if flen is None else flen
    return struct.pack("!HH", 0, ln) + body


def v9_data(tid=256, n=2, flen=None):
    recs = b""
    for i in range(n):
        recs += ip("198.19.1.%d" % (i + 1)) + ip("198.18.9.%d" % (i + 1)) + struct.pack("!HHBB", 1234, 80, 6, 2)
        recs += struct.pack("!IIII", 10, 400, 900, 500)
    ln = 4 + len(recs) if flen is None else flen
    return struct.pack("!HH", tid, ln) + recs


def v9(*sets, count=None):
    return struct.pack("!HHIIII", 9, len(sets) if count is None else count, 1000, int(time.time()), 1, 0) + b"".join(sets)


def ipfix_template(tid=300, fields=V9_FIELDS, slen=None, raw=None):
    body = raw if raw is not None else (
        struct.pack("!HH", tid, len(fields)) + b"".join(struct.pack("!HH", t, l) for t, l in fields))
    ln = 4 + len(body) if slen is None else slen
    return struct.pack("!HH", 2, ln) + body


def ipfix_data(tid=300, n=2, slen=None, rec=None):
    recs = rec if rec is not None else b"".join(
        ip("198.19.2.%d" % (i + 1)) + ip("198.18.9.%d" % (i + 1)) + struct.pack("!HHBB", 1234, 80, 6, 2)
        + struct.pack("!IIII", 10, 400, 900, 500) for i in range(n))
    ln = 4 + len(recs) if slen is None else slen
    return struct.pack("!HH", tid, ln) + recs


def ipfix(*sets, mlen=None):
    body = b"".join(sets)
    ln = 16 + len(body) if mlen is None else mlen
    return struct.pack("!HHIII", 10, ln, int(time.time()), 1, 0) + body


def sflow_raw_packet():
    eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0, ip("198.19.3.1"), ip("198.18.9.1"))
    tcp = struct.pack("!HHIIBBHHH", 1234, 80, 0, 0, 0x50, 0x02, 1024, 0, 0)
    return eth + iph + tcp


def sflow(nsamples=None, slen=None, rlen=None, hlen=None):
    pkt = sflow_raw_packet()
    hdr_rec_body = struct.pack("!IIII", 1, len(pkt) + 4, 4, len(pkt) if hlen is None else hlen) + pkt
    rec = struct.pack("!II", 1, len(hdr_rec_body) if rlen is None else rlen) + hdr_rec_body
    sample_body = struct.pack("!IIIIIIII", 1, 3, 10, 1000, 0, 3, 0, 1) + rec
    sample = struct.pack("!II", 1, len(sample_body) if slen is None else slen) + sample_body
    head = struct.pack("!II4sIII", 5, 1, ip("127.0.0.3"), 0, 1, 1000)
    return head + struct.pack("!I", 1 if nsamples is None else nsamples) + sample


def corpus():
    valid = [
        v5(),
        v9(v9_template(), v9_data()),
        ipfix(ipfix_template(), ipfix_data()),
        sflow(),
    ]
    bad = []
    # cut short: every valid datagram at 20 lengths inside it
    for d in valid:
        for _ in range(20):
            bad.append(d[:R.randrange(1, len(d))])
    # lying lengths and counts
    bad += [
        v5(count=30, real=2),
        v5(count=2, real=1),
        v9(v9_template(flen=4000), v9_data()),
        v9(v9_template(flen=2), v9_data()),
        v9(v9_template(), v9_data(flen=3)),
        v9(v9_template(), v9_data(flen=9000)),
        v9(v9_template(fields=[])),
        v9(struct.pack("!HHHH", 0, 200, 257, 65535) + struct.pack("!HH", 8, 4) * 48),
        ipfix(ipfix_template(), ipfix_data(), mlen=9000),
        ipfix(ipfix_template(), ipfix_data(), mlen=20),
        ipfix(ipfix_template(slen=3)),
        ipfix(ipfix_template(slen=5000)),
        ipfix(ipfix_template(fields=[(8, 0)])),
        ipfix(ipfix_template(tid=301, fields=[(8, 4), (82, 0xFFFF)]), ipfix_data(tid=301, rec=ip("198.18.9.1") + b"\xff\x10")),
        ipfix(ipfix_template(tid=302, fields=[(8, 4), (82, 0xFFFF)]), ipfix_data(tid=302, rec=ip("198.18.9.1") + b"\xff\x00")),
        sflow(nsamples=0x7FFFFFFF),
        sflow(slen=5000),
        sflow(rlen=5000),
        sflow(hlen=5000),
    ]
    known_bad = len(bad)
    # valid or tolerated: an IPFIX template with no fields withdraws it (RFC
    # 7011 8.1); a v9 field of length 0 (FastNetMon divided by it)
    bad += [
        ipfix(ipfix_template(fields=[])),
        v9(v9_template(tid=258, fields=[(8, 0), (12, 4)]), v9_data(tid=258)),
    ]
    # bit flips of the valid datagrams
    for d in valid:
        for _ in range(20):
            b = bytearray(d)
            for _ in range(R.randrange(1, 4)):
                i = R.randrange(4, len(b))  # keep the version
                b[i] ^= 1 << R.randrange(8)
            bad.append(bytes(b))
    # no known format
    unknown = [b"", b"\x00", b"\x00\x07" + bytes(30)]
    for _ in range(20):
        d = bytes(R.randrange(256) for _ in range(R.randrange(2, 1400)))
        if d[:2] in (b"\x00\x05", b"\x00\x09", b"\x00\x0a") or d[:4] == b"\x00\x00\x00\x05":
            d = b"\xff" + d[1:]
        unknown.append(d)
    return bad + unknown, known_bad, len(unknown)


def write_pcap(path, dgrams):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # raw IPv4
        t = int(time.time())
        for i, d in enumerate(dgrams):
            udp = struct.pack("!HHHH", 40000, 2055, 8 + len(d), 0) + d
            iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                              ip("127.0.0.3"), ip("127.0.0.1"))
            frame = iph + udp
            f.write(struct.pack("<IIII", t, i, len(frame), len(frame)) + frame)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "corpus":
        dgrams, known_bad, unknown = corpus()
        write_pcap(sys.argv[2], dgrams)
        print(len(dgrams), known_bad, unknown)
    elif len(sys.argv) >= 6 and sys.argv[1] == "send":
        host, ports = sys.argv[2], [int(p) for p in sys.argv[3].split(",")]
        secs, cap = float(sys.argv[4]), int(sys.argv[5])
        src = sys.argv[6] if len(sys.argv) > 6 else "127.0.0.3"
        dgrams = corpus()[0]
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        targets = [(d, (host, p)) for p in ports for d in dgrams]
        t0 = time.monotonic()
        end = t0 + secs
        n = 0
        while n < cap and time.monotonic() < end:
            for d, a in targets:
                try:
                    s.sendto(d, a)
                except OSError:
                    pass
            n += len(targets)
        print("sent %d in %.2f s" % (n, time.monotonic() - t0))
    else:
        sys.exit(__doc__)


main()
