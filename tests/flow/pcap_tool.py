#!/usr/bin/python3
"""pcap_tool.py - small, fast helpers on classic pcap files (Ethernet) for
the flow tests (tshark takes seconds per capture on a busy 2-core VM).

  pcap_tool.py filter IN OUT LIMIT
      keep the first LIMIT IPv4 frames that carry no inner IP header
      (drops ICMP - its errors quote the original packet -, IP-in-IP, GRE,
      IPv6, ARP...): what tcprewrite can make entirely ours
  pcap_tool.py check FILE PREFIX...
      print "PACKETS FOREIGN": frames, and IPv4 source/destination
      addresses outside every PREFIX (a.b.c.d/len)
  pcap_tool.py summary FILE
      one line: frames, then per kind (tcp flags, udp source port class,
      fragments) packets and bytes, for the log
  pcap_tool.py rate FILE
      "FRAMES PEAK MEAN FIRST LAST": frames, the most frames in one
      wall-clock second (unix seconds, as flow collectors count them), the
      mean over the whole seconds between the first and the last frame
      (the partial first and last seconds left out), and the times of the
      first and last frame
  pcap_tool.py seconds FILE
      frames in each wall-clock second, "HH:MM:SS:N ..." (UTC)
"""
import ipaddress, struct, sys, collections

INNER = {1, 4, 41, 47, 50, 51, 94, 97, 98, 131}  # ICMP, IP-in-IP, IPv6, GRE, ESP, AH...


def frames(path):
    with open(path, "rb") as f:
        gh = f.read(24)
        magic = struct.unpack("<I", gh[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            e = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            e = ">"
        else:
            sys.exit(f"{path}: not a classic pcap file (convert it with editcap -F pcap)")
        if struct.unpack(e + "I", gh[20:24])[0] != 1:
            sys.exit(f"{path}: not Ethernet")
        global NANO, ENDIAN
        NANO, ENDIAN = magic in (0xA1B23C4D, 0x4D3CB2A1), e
        yield gh
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            incl = struct.unpack(e + "I", h[8:12])[0]
            yield h + f.read(incl)


def ip_of(fr):
    """(offset of the IPv4 header, or -1) in a record (16-byte header + frame)"""
    p = 16 + 12
    if len(fr) < p + 2:
        return -1
    et = struct.unpack("!H", fr[p:p + 2])[0]
    while et in (0x8100, 0x88A8) and len(fr) >= p + 6:
        p += 4
        et = struct.unpack("!H", fr[p:p + 2])[0]
    if et != 0x0800 or len(fr) < p + 2 + 20:
        return -1
    return p + 2


def main():
    cmd = sys.argv[1]
    if cmd == "filter":
        src, dst, limit = sys.argv[2], sys.argv[3], int(sys.argv[4])
        n = 0
        with open(dst, "wb") as out:
            it = frames(src)
            out.write(next(it))
            for fr in it:
                o = ip_of(fr)
                if o < 0 or fr[o] >> 4 != 4 or fr[o + 9] in INNER:
                    continue
                out.write(fr)
                n += 1
                if n >= limit:
                    break
        print(n)
    elif cmd == "check":
        nets = [ipaddress.ip_network(p) for p in sys.argv[3:]]
        n = foreign = 0
        it = frames(sys.argv[2])
        next(it)
        for fr in it:
            n += 1
            o = ip_of(fr)
            if o < 0:
                continue
            for a in (fr[o + 12:o + 16], fr[o + 16:o + 20]):
                ip = ipaddress.ip_address(a)
                if not any(ip in net for net in nets):
                    foreign += 1
        print(n, foreign)
    elif cmd == "summary":
        c, b = collections.Counter(), collections.Counter()
        n = 0
        it = frames(sys.argv[2])
        next(it)
        for fr in it:
            n += 1
            o = ip_of(fr)
            if o < 0:
                continue
            ihl = (fr[o] & 15) * 4
            length = struct.unpack("!H", fr[o + 2:o + 4])[0]
            off = struct.unpack("!H", fr[o + 6:o + 8])[0]
            proto = fr[o + 9]
            l4 = o + ihl
            if off & 0x1FFF:
                k = "frag"
            elif proto == 6 and len(fr) >= l4 + 14:
                fl = fr[l4 + 13]
                k = "tcp:" + "".join(ch for bit, ch in
                                      ((0x02, "S"), (0x10, "A"), (0x04, "R"), (0x01, "F"), (0x08, "P"))
                                      if fl & bit)
            elif proto == 17 and len(fr) >= l4 + 4:
                sp = struct.unpack("!H", fr[l4:l4 + 2])[0]
                k = f"udp:{sp if sp < 1024 else 'high'}" + ("+mf" if off & 0x2000 else "")
            else:
                k = f"ip{proto}"
            c[k] += 1
            b[k] += length
        tb = sum(b.values()) or 1
        top = ", ".join(f"{k} {c[k]} ({100 * b[k] / tb:.0f}% B)" for k, _ in c.most_common(6))
        print(f"{n} frames: {top}")
    elif cmd == "rate":
        per = collections.Counter()
        first = last = None
        it = frames(sys.argv[2])
        next(it)
        for fr in it:
            sec, frac = struct.unpack(ENDIAN + "II", fr[:8])
            t = sec + frac / (1e9 if NANO else 1e6)
            first = t if first is None else first
            last = t
            per[sec] += 1
        if first is None:
            print(0, 0, 0, 0, 0)
            return
        whole = [per[s] for s in range(int(first) + 1, int(last))]
        mean = sum(whole) / len(whole) if whole else 0
        print(sum(per.values()), max(per.values()), f"{mean:.0f}", f"{first:.3f}", f"{last:.3f}")
    elif cmd == "seconds":
        per = collections.Counter()
        it = frames(sys.argv[2])
        next(it)
        for fr in it:
            per[struct.unpack(ENDIAN + "I", fr[:4])[0]] += 1
        import time
        print(" ".join(f"{time.strftime('%H:%M:%S', time.gmtime(s))}:{per[s]}" for s in sorted(per)))
    else:
        sys.exit(__doc__)


main()
