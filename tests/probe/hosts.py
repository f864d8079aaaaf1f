#!/usr/bin/env python3
"""hosts.py - the far ends of the probe tests (tests/probe), and the tools
to check them before lightsout probes them (the machine has no ping or dig).

  hosts.py http ADDR PORT FILE     HTTP/1.1 server: GET / answers 200 with
                                   FILE's bytes, read again for every request
                                   (rewrite FILE to change the page);
                                   GET /missing answers 404; other paths 404
  hosts.py tcp ADDR PORT           accepts connections and closes them
  hosts.py ping ADDR [TIMEOUT_MS]  one ICMP echo (raw socket, root): prints
                                   "reply RTT_MS", "unreachable CODE",
                                   "timeout" or "error WHY" (the kernel
                                   refused to send); exit 0 only for a reply
  hosts.py dns ADDR NAME [PORT [TIMEOUT_MS]]
                                   one query (type A) over UDP: prints
                                   "rcode N answers N A1 ..." or "refused"
                                   (ICMP port unreachable) or "timeout"

The servers print "listening ADDR PORT" once they accept (the tests wait for
that line), log one line per request to stderr, and stop on SIGTERM.
Everything is bounded: no retries, one packet per ping or query.
"""
import os
import signal
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def stop_on_term():
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


def http(addr, port, path):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if self.path == "/":
                try:
                    with open(path, "rb") as f:
                        body, code = f.read(), 200
                except OSError:
                    body, code = b"no page\n", 500
            else:
                body, code = b"not here\n", 404
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, fmt, *args):
            sys.stderr.write("%.3f %s\n" % (time.time(), fmt % args))

    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer((addr, int(port)), Handler)
    stop_on_term()
    print("listening %s %s" % (addr, port), flush=True)
    srv.serve_forever()


def tcp(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(64)
    stop_on_term()
    print("listening %s %s" % (addr, port), flush=True)
    while True:
        c, peer = s.accept()
        sys.stderr.write("%.3f accepted %s:%d\n" % (time.time(), peer[0], peer[1]))
        c.close()


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ping(addr, timeout_ms=1000):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident, seq = os.getpid() & 0xFFFF, 1
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    payload = b"lightsout-test"
    pkt = struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq) + payload
    t0 = time.monotonic()
    end = t0 + int(timeout_ms) / 1000
    try:
        s.sendto(pkt, (addr, 0))
    except OSError as e:  # EACCES: a broadcast address (no SO_BROADCAST)
        print("error %s" % e.strerror)
        return 1
    while True:
        left = end - time.monotonic()
        if left <= 0:
            print("timeout")
            return 1
        s.settimeout(left)
        try:
            data, src = s.recvfrom(2048)
        except socket.timeout:
            continue
        ihl = (data[0] & 15) * 4
        icmp = data[ihl:]
        if len(icmp) < 8:
            continue
        typ, code = icmp[0], icmp[1]
        if typ == 0 and src[0] == addr and struct.unpack("!HH", icmp[4:8]) == (ident, seq):
            print("reply %.3f" % ((time.monotonic() - t0) * 1000))
            return 0
        if typ == 3 and len(icmp) >= 8 + 20 + 8:
            q = icmp[8:]
            qihl = (q[0] & 15) * 4
            qi = q[qihl : qihl + 8]
            if len(qi) == 8 and qi[0] == 8 and struct.unpack("!HH", qi[4:8]) == (ident, seq):
                print("unreachable %d" % code)
                return 1


def dns(addr, name, port=53, timeout_ms=1000):
    qid = os.getpid() & 0xFFFF
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(int(timeout_ms) / 1000)
    s.connect((addr, int(port)))
    s.send(q)
    try:
        r = s.recv(4096)
    except socket.timeout:
        print("timeout")
        return 1
    except ConnectionRefusedError:
        print("refused")
        return 1
    rid, flags, qd, an = struct.unpack("!HHHH", r[:8])
    out = ["rcode", str(flags & 15), "answers", str(an)]
    # the A records: skip the question, then walk the answers
    i = 12
    for _ in range(qd):
        while r[i] and r[i] < 0xC0:
            i += r[i] + 1
        i += 2 if r[i] >= 0xC0 else 1
        i += 4
    for _ in range(an):
        while r[i] and r[i] < 0xC0:
            i += r[i] + 1
        i += 2 if r[i] >= 0xC0 else 1
        typ, _cls, _ttl, rdlen = struct.unpack("!HHIH", r[i : i + 10])
        i += 10
        if typ == 1 and rdlen == 4:
            out.append(socket.inet_ntoa(r[i : i + 4]))
        i += rdlen
    print(" ".join(out))
    return 0 if rid == qid and flags & 15 == 0 else 1


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "http" and len(args) == 3:
        http(*args)
    elif cmd == "tcp" and len(args) == 2:
        tcp(*args)
    elif cmd == "ping" and 1 <= len(args) <= 2:
        sys.exit(ping(*args))
    elif cmd == "dns" and 2 <= len(args) <= 4:
        sys.exit(dns(*args))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
