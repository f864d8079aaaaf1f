#!/usr/bin/python3
"""listen.py HOST PORT OUTPREFIX: accept BMP connections on loopback, write each
connection's raw bytes to OUTPREFIX-<n>.bin (n = connection number)."""
import socket, sys, threading
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def serve(conn, n):
    with open(f"{out}-{n}.bin", "wb") as f:
        while True:
            d = conn.recv(65536)
            if not d:
                break
            f.write(d)
            f.flush()
    print("closed", n, flush=True)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port))
s.listen(4)
n = 0
while True:
    c, a = s.accept()
    n += 1
    print("accepted", n, a, flush=True)
    threading.Thread(target=serve, args=(c, n), daemon=True).start()
