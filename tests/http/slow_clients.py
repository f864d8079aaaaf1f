#!/usr/bin/env python3
"""slow_clients.py — slow HTTP clients against `lightsout dashboard`, on loopback.

usage: slow_clients.py HOST PORT N LIMIT

Opens N connections that each send the start of a request and never finish
it, plus one that keeps sending a header a byte every 0.2 s (slowloris, so
an inactivity timeout alone would never end it).  Half a second later it
asks GET /api/v1/status on a fresh connection and times the answer.  Then it
waits (at most LIMIT seconds) for the server to close every slow
connection.  Prints one line:

  normal_ms=T normal_status=S closed=C/TOTAL last_close_s=L

and exits 0; the caller judges the figures.  Every wait is bounded.
"""
import socket
import sys
import time

host, port, n, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
assert n <= 1000 and limit <= 120, "bounded runs only"

start = time.monotonic()
slow = []
for i in range(n):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    s.setblocking(False)
    slow.append(s)
drip = socket.create_connection((host, port), timeout=5)
drip.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Drip: ")
drip.setblocking(False)
conns = slow + [drip]
closed_at = {}

def poll():
    now = time.monotonic() - start
    for s in conns:
        if s in closed_at:
            continue
        try:
            data = s.recv(4096)
            if data == b"":
                closed_at[s] = now
            # an answer (an error page) is fine: the server then closes
        except BlockingIOError:
            pass
        except OSError:
            closed_at[s] = now

time.sleep(0.5)
# a normal client while the slow ones hold their connections
t0 = time.monotonic()
status = 0
try:
    c = socket.create_connection((host, port), timeout=limit)
    c.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        buf += d
    c.close()
    status = int(buf.split(b" ", 2)[1]) if buf.startswith(b"HTTP/1.1 ") else -1
except OSError:
    status = -2
normal_ms = (time.monotonic() - t0) * 1000

next_drip = time.monotonic()
while len(closed_at) < len(conns) and time.monotonic() - start < limit:
    if drip not in closed_at and time.monotonic() >= next_drip:
        try:
            drip.send(b"a")
        except OSError:
            closed_at[drip] = time.monotonic() - start
        next_drip += 0.2
    poll()
    time.sleep(0.05)
poll()
for s in conns:
    s.close()
last = max(closed_at.values()) if closed_at else -1
print("normal_ms=%.0f normal_status=%d closed=%d/%d last_close_s=%.1f"
      % (normal_ms, status, len(closed_at), len(conns), last))
