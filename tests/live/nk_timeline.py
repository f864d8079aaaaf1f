#!/usr/bin/python3
"""nk_timeline.py TIMES_FILE [N_OTHER] -- an ExaBGP API process: a
time-compressed North Korea timeline.  Announces the four KP /24s
(175.45.176.0/22 split, AS path 4837 131279) and N_OTHER (200) other /24s
behind 4837, then: four 0.5 s flaps of the KP /24s 1.5 s apart, the outage
(all four withdrawn), the return 8 s later.  Writes "EVENT UNIX_TIME" lines
to TIMES_FILE as it goes (flush after each) and "done" at the end; then
idles (ExaBGP treats an exiting helper as dead)."""
import sys, time

times = open(sys.argv[1], "w")
n_other = int(sys.argv[2]) if len(sys.argv) > 2 else 200
KP = ["175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24", "175.45.179.0/24"]

def say(lines):
    for l in lines:
        sys.stdout.write(l + "\n")
    sys.stdout.flush()

def mark(what):
    times.write(f"{what} {time.time():.3f}\n")
    times.flush()

def kp(action):
    if action == "announce":
        say([f"announce route {p} next-hop self as-path [ 4837 131279 ]" for p in KP])
    else:
        say([f"withdraw route {p} next-hop self" for p in KP])

time.sleep(2)  # the session comes up
others = [f"{1 + i // 256}.{i % 256}.0.0/24" for i in range(n_other)]
say([f"announce route {p} next-hop self as-path [ 4837 {64600 + i % 300} ]"
     for i, p in enumerate(others)])
kp("announce")
mark("announced")
time.sleep(8)  # the baseline: KP visible
for i in range(4):  # progressive degradation, time-compressed
    kp("withdraw")
    mark("flap_down")
    time.sleep(0.5)
    kp("announce")
    mark("flap_up")
    time.sleep(1.5)
time.sleep(3)
kp("withdraw")
mark("out")
time.sleep(8)
kp("announce")
mark("back")
time.sleep(3)
mark("done")
while True:
    time.sleep(3600)
