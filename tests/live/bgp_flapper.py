#!/usr/bin/python3
"""bgp_flapper.py ADDR PORT LOCAL_ADDR ROUNDS PREFIXES -- a minimal BGP
speaker (AS4837, router id 198.18.0.9) for the session-flap test: ROUNDS
times it connects from LOCAL_ADDR to ADDR:PORT, exchanges OPEN and
KEEPALIVE, announces PREFIXES /24s (the four KP /24s first) in UPDATEs of up
to 500 prefixes, sends one malformed UPDATE (ORIGIN 5, announcing the first
KP /24: treat-as-withdraw under RFC 7606), then ends the session: odd rounds with a Cease
NOTIFICATION, even rounds by closing the TCP connection.  Prints one line
per round; exits 1 if a session does not come up within 5 s."""
import socket, struct, sys, time

addr, port, local, rounds, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
MARKER = b"\xff" * 16

def msg(t, body):
    return MARKER + struct.pack("!HB", 19 + len(body), t) + body

def open_msg():
    caps = bytes([1, 4, 0, 1, 0, 1])            # MP IPv4 unicast
    caps += bytes([65, 4]) + struct.pack("!I", 4837)  # 4-octet AS
    opt = bytes([2, len(caps)]) + caps
    return msg(1, struct.pack("!BHH4sB", 4, 4837, 30, socket.inet_aton("198.18.0.9"), len(opt)) + opt)

def prefixes():
    out = [(175, 45, 176 + i) for i in range(4)]
    i = 0
    while len(out) < n:
        out.append((100 + i // 65536 % 100, i // 256 % 256, i % 256))
        i += 1
    return out

def update(pfx, origin=0):
    path = struct.pack("!BB", 2, 2) + struct.pack("!II", 4837, 131279)
    attrs = bytes([0x40, 1, 1, origin]) + bytes([0x40, 2, len(path)]) + path
    attrs += bytes([0x40, 3, 4]) + socket.inet_aton("198.18.0.9")
    nlri = b"".join(bytes([24, a, b, c]) for a, b, c in pfx)
    return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)

def read_msg(s, deadline):
    buf = b""
    while len(buf) < 19:
        s.settimeout(max(0.01, deadline - time.time()))
        c = s.recv(19 - len(buf))
        if not c:
            raise EOFError("closed")
        buf += c
    ln = struct.unpack("!H", buf[16:18])[0]
    while len(buf) < ln:
        c = s.recv(ln - len(buf))
        if not c:
            raise EOFError("closed")
        buf += c
    return buf[18], buf

def session(r):
    s = socket.socket()
    s.bind((local, 0))
    s.settimeout(5)
    s.connect((addr, port))
    s.sendall(open_msg())
    deadline = time.time() + 5
    t, _ = read_msg(s, deadline)
    if t != 1:
        raise EOFError(f"expected OPEN, got type {t}")
    s.sendall(msg(4, b""))
    t, _ = read_msg(s, deadline)
    if t != 4:
        raise EOFError(f"expected KEEPALIVE, got type {t}")
    for i in range(0, len(pfx), 500):
        s.sendall(update(pfx[i:i + 500]))
    # a malformed UPDATE (ORIGIN 5): RFC 7606 treat-as-withdraw, no reset
    s.sendall(update(pfx[:1], origin=5))
    s.sendall(msg(4, b""))
    if r % 2:
        s.sendall(msg(3, bytes([6, 2])))  # Cease, administrative shutdown
    time.sleep(0.02)
    s.close()

pfx = prefixes()
for r in range(rounds):
    for attempt in range(50):  # the collector may still be tearing the last one down
        try:
            session(r)
            break
        except (OSError, EOFError) as e:
            err = e
            time.sleep(0.1)
    else:
        sys.exit(f"round {r}: no session in 5 s: {err}")
    print(f"round {r} ok", flush=True)
    time.sleep(0.05)
