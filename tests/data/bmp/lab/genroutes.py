#!/usr/bin/python3
"""genroutes.py N: N IPv4 /24 routes as 'prefix path...' lines; the first four
are AS131279's 175.45.176.0/22 split in /24s (origin 131279)."""
import sys, ipaddress
N = int(sys.argv[1])
for p in ["175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24", "175.45.179.0/24"]:
    print(p, 131279)
a = 1 << 24
n = 4
while n < N:
    net = ipaddress.IPv4Network((a, 24)); a += 256 * 257
    o = net.network_address.packed[0]
    if o in (10, 127, 175) or o >= 224:
        continue
    print(net, [174, 3356, 1299, 2914, 6939][n % 5], 64600 + n % 400)
    n += 1
