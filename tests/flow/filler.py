#!/usr/bin/python3
"""filler.py IFACE SECONDS [RATE] - send non-IP Ethernet frames (EtherType
0x88b5, IEEE local experimental, 1400 bytes, broadcast) on IFACE at RATE
frames per second (default 1000) for at most SECONDS.

Why: softflowd (1.1.0 as Debian builds it) reads packets through libpcap's
TPACKET_V3 ring, which hands a block to the program only when it is full
(256 KiB) - a slow or short test flood may sit in a half-full block and
never be exported.  These frames fill the blocks; every exporter ignores
them (they are not IP).  Bounded in time and count (RATE x SECONDS)."""
import socket, sys, time

iface, secs = sys.argv[1], float(sys.argv[2])
rate = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + b"filler" + bytes(1400 - 20)
tick = 0.01
per_tick = max(1, rate // 100)
end = time.monotonic() + secs
budget = int(rate * secs) + per_tick
sent = 0
nxt = time.monotonic()
while sent < budget and time.monotonic() < end:
    for _ in range(per_tick):
        try:
            s.send(frame)
        except OSError:
            pass
        sent += 1
    nxt += tick
    d = nxt - time.monotonic()
    if d > 0:
        time.sleep(d)
