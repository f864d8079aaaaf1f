#!/usr/bin/python3
"""nfgen.py - NetFlow v9 datagrams for bench/flow_bench.sh: precomputed, then
sent by a plain UDP loop (no C).

  nfgen.py build N OUT [HOSTS]
      N flows (30 a datagram, as softflowd sends them) into OUT: a template
      flowset in the first datagram and every 32nd, then data.  Flows: from
      198.19.0.0/16 to HOSTS (65536: all of 198.18.0.0/16; 256: 198.18.0.0/24)
      destination hosts, UDP to 53/123/443/1900/
      11211 and TCP to 80/443 with SYN or ACK, 1-10 packets of 40-1500
      bytes - nothing near a threshold.  OUT holds each datagram after a
      2-byte length.
  nfgen.py send FILE RATE HOST PORT[,PORT...]
      send FILE's datagrams to every PORT in turn at RATE flows a second
      (0: as fast as the loop goes), the header's unix time set when sent
      (so that collectors count the flows now); prints one JSON line:
      datagrams and flows sent (per port), start and end (unix s)
  nfgen.py attack VICTIM PPS SECONDS HOST PORT[,PORT...]
      a SYN flood seen by an exporter: PPS one-packet TCP SYN flows a
      second (40 bytes) from random 198.19.x.y to VICTIM port 80, for
      SECONDS, stamped when sent (source ID 2, its own template); prints
      one JSON line with the time the first attack flow was sent
"""
import json, random, socket, struct, sys, time

PER = 30
FIELDS = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (1, 4), (2, 4), (22, 4), (21, 4)]
REC = struct.Struct("!4s4sHHBBIIII")
UPTIME = 1_000_000  # sysUptime in every header (ms); flows end at it


def template(tid=256):
    body = struct.pack("!HH", tid, len(FIELDS)) + b"".join(struct.pack("!HH", t, l) for t, l in FIELDS)
    return struct.pack("!HH", 0, 4 + len(body)) + body


def header(count, seq, source_id, unix=0):
    return struct.pack("!HHIIII", 9, count, UPTIME, unix, seq, source_id)


def datagram(recs, seq, source_id, with_template):
    data = b"".join(recs)
    sets = (template() if with_template else b"") + struct.pack("!HH", 256, 4 + len(data)) + data
    return header(len(recs) + (1 if with_template else 0), seq, source_id) + sets


def build(n, out, hosts=65536):
    r = random.Random(1)
    kinds = [(17, 53, 0), (17, 123, 0), (17, 443, 0), (17, 1900, 0), (17, 11211, 0), (6, 80, 0x02),
             (6, 443, 0x10), (6, 80, 0x18)]
    with open(out, "wb") as f:
        seq = 0
        left = n
        while left > 0:
            k = min(PER, left)
            recs = []
            for _ in range(k):
                proto, port, flags = kinds[r.randrange(len(kinds))]
                pk = r.randrange(1, 11)
                src = bytes((198, 19, r.randrange(256), r.randrange(256)))
                h = r.randrange(hosts)
                dst = bytes((198, 18, h >> 8, h & 255))
                recs.append(REC.pack(src, dst, r.randrange(1024, 65535), port, proto, flags,
                                     pk * r.randrange(40, 1501), pk, UPTIME - r.randrange(0, 1000), UPTIME))
            d = datagram(recs, seq, 1, seq % 32 == 0)
            f.write(struct.pack("!H", len(d)) + d)
            seq += 1
            left -= k


def load(path):
    out = []
    with open(path, "rb") as f:
        b = f.read()
    i = 0
    while i < len(b):
        ln = struct.unpack("!H", b[i:i + 2])[0]
        d = bytearray(b[i + 2:i + 2 + ln])
        n = struct.unpack("!H", d[2:4])[0] - (1 if d[20:22] == b"\x00\x00" else 0)
        out.append((d, n))
        i += 2 + ln
    return out


def pace(items, rate, host, ports):
    """send (bytearray, flows) items to every port; rate flows/s (0: no pacing)"""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    addrs = [(host, p) for p in ports]
    sent = flows = errors = 0
    t0 = time.time()
    start = time.monotonic()
    budget = 0.0
    for d, n in items:
        if rate:
            # flows allowed so far; sleep in 1 ms steps when ahead
            while flows + n > budget:
                now = time.monotonic()
                budget = (now - start) * rate + PER
                if flows + n > budget:
                    time.sleep(0.001)
        struct.pack_into("!I", d, 8, int(time.time()))
        for a in addrs:
            try:
                s.sendto(d, a)
            except OSError:
                errors += 1
        sent += 1
        flows += n
    return {"datagrams": sent, "flows": flows, "errors": errors, "start": t0, "end": time.time()}


def attack(victim, pps, secs, host, ports):
    r = random.Random(2)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    addrs = [(host, p) for p in ports]
    dst = socket.inet_aton(victim)
    t_first = None
    start = time.monotonic()
    sent = seq = 0
    while True:
        el = time.monotonic() - start
        if el >= secs:
            break
        due = int(el * pps)
        while sent + PER <= due or (sent < due and el + 0.002 >= secs):
            k = min(PER, due - sent)
            recs = [REC.pack(bytes((198, 19, r.randrange(256), r.randrange(256))), dst,
                             r.randrange(1024, 65535), 80, 6, 0x02, 40, 1, UPTIME, UPTIME) for _ in range(k)]
            d = bytearray(datagram(recs, seq, 2, seq % 32 == 0))
            struct.pack_into("!I", d, 8, int(time.time()))
            t = time.time()
            for a in addrs:
                s.sendto(d, a)
            if t_first is None:
                t_first = t
            sent += k
            seq += 1
        time.sleep(0.001)
    return {"flows": sent, "first": t_first, "end": time.time()}


def main():
    a = sys.argv
    if len(a) in (4, 5) and a[1] == "build":
        build(int(a[2]), a[3], int(a[4]) if len(a) == 5 else 65536)
    elif len(a) == 6 and a[1] == "send":
        res = pace(load(a[2]), float(a[3]), a[4], [int(p) for p in a[5].split(",")])
        print(json.dumps(res))
    elif len(a) == 7 and a[1] == "attack":
        print(json.dumps(attack(a[2], int(a[3]), float(a[4]), a[5], [int(p) for p in a[6].split(",")])))
    else:
        sys.exit(__doc__)


main()
