#!/usr/bin/env python3
"""add_probes.py — a copy of a store with made-up active probing added.

    add_probes.py SRC DST

Copies the lightsout store SRC (the North Korea scenario's replay) to DST
and adds what active probing would have stored over it, so that the
dashboard's probe plots and probe_down events can be seen and tested with
either `lightsout dashboard` or tests/web/mock_api.py:

- probe:kcna, an HTTP check of a KP web server every minute (at :40):
  probe.up (the share of the bin's checks that answered) and probe.rtt_ms
  (their mean round trip), 1 -> 0 -> 1 over each of the scenario's three KP
  outages (timeouts) and over a made-up half hour on 21 Dec when the server
  answered with the wrong page (content); a probe_down event for each;
- country:KP, its four /24 blocks probed Trinocular-style: probe.blocks (4)
  and probe.up_blocks (0 inside the outages, 2 in the bins where they start
  or end), and a probe_down event for each outage, linked into the incident
  of the BGP outage it overlaps.

The times are those of scenarios/nk2014/spec (the data runs from 2014-12-20
to 2014-12-24; probing from the 21st).  Python's standard library only.
"""

import json
import math
import sqlite3
import sys
from datetime import datetime, timezone

BIN = 300
PROBE_FROM = "2014-12-21T00:00:00Z"
PROBE_UNTIL = "2014-12-24T00:00:00Z"
# the scenario's KP outages: [withdrawn, announced again)
OUTAGES = [
    ("2014-12-22T16:15:21Z", "2014-12-23T01:46:18Z"),
    ("2014-12-23T07:41:00Z", "2014-12-23T07:58:00Z"),
    ("2014-12-23T15:41:00Z", "2014-12-23T16:12:00Z"),
]
# the made-up wrong page: checks in [start, end) answer without the text
CONTENT = ("2014-12-21T20:05:00Z", "2014-12-21T20:41:00Z")
TARGET = "http://175.45.176.71/"
EXPECT = "KCNA"
BLOCKS = ["175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24", "175.45.179.0/24"]


def unix(iso):
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def iso(t):
    return datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entity_id(db, spec):
    db.execute("INSERT OR IGNORE INTO entity (spec) VALUES (?)", (spec,))
    return db.execute("SELECT id FROM entity WHERE spec = ?", (spec,)).fetchone()[0]


def add_event(db, ent, signal, start, end, baseline, mn, detail, incident=None):
    cur = db.execute(
        "INSERT INTO event (entity, signal, kind, severity, start, end, baseline, min, score,"
        " detail, incident) VALUES (?, ?, 'probe_down', 'critical', ?, ?, ?, ?, ?, ?, ?)",
        (ent, signal, start, end, baseline, mn, float(baseline - mn),
         json.dumps(detail, separators=(",", ":")), incident))
    if incident is None:
        db.execute("UPDATE event SET incident = id WHERE id = ?", (cur.lastrowid,))


def check(t, outages, content):
    """the outcome of the check at t: None (answered) or why it failed"""
    if any(s <= t < e for s, e in outages):
        return "timeout"
    if content[0] <= t < content[1]:
        return "content"
    return None


def runs(checks):
    """[(why, first failed check, first answered check after, last answered before)]"""
    out, cur, last_ok = [], None, None
    for t, why in checks:
        if why and cur is None:
            cur = [why, t, None, last_ok]
        elif not why:
            if cur is not None:
                cur[2] = t
                out.append(tuple(cur))
                cur = None
            last_ok = t
    return out


def add(db):
    t0, t1 = unix(PROBE_FROM), unix(PROBE_UNTIL)
    outages = [(unix(s), unix(e)) for s, e in OUTAGES]
    content = (unix(CONTENT[0]), unix(CONTENT[1]))

    # probe:kcna: a check a minute, at :40
    kcna = entity_id(db, "probe:kcna")
    checks = [(t, check(t, outages, content)) for t in range(t0 + 40, t1, 60)]
    for b in range(t0, t1, BIN):
        mine = [why for t, why in checks if b <= t < b + BIN]
        ok = sum(1 for why in mine if why is None)
        db.execute("INSERT INTO series VALUES (?, 'probe.up', ?, ?)", (kcna, b, ok / len(mine)))
        if ok:
            rtt = 212 + 9 * math.sin(b / 2711) + 4 * math.sin(b / 377)
            db.execute("INSERT INTO series VALUES (?, 'probe.rtt_ms', ?, ?)", (kcna, b, round(rtt, 1)))
    for why, start, end, last_ok in runs(checks):
        detail = {"target": TARGET, "why": why,
                  "detail": f'body lacks "{EXPECT}"' if why == "content" else "no answer within 2000 ms",
                  "last_ok": iso(last_ok) if last_ok is not None else None, "attempts": 3}
        add_event(db, kcna, "probe.up", start, end, 1, 0, detail)

    # country:KP's four /24 blocks
    kp = entity_id(db, "country:KP")
    for b in range(t0, t1, BIN):
        dark = sum(max(0, min(e, b + BIN) - max(s, b)) for s, e in outages)
        up = len(BLOCKS) if dark == 0 else 0 if dark == BIN else len(BLOCKS) // 2
        db.execute("INSERT INTO series VALUES (?, 'probe.blocks', ?, ?)", (kp, b, len(BLOCKS)))
        db.execute("INSERT INTO series VALUES (?, 'probe.up_blocks', ?, ?)", (kp, b, up))
    for s, e in outages:
        # Trinocular needs a few probes to believe a block down, and one answer to believe it up
        start, end = s + 102, e + 61
        row = db.execute(
            "SELECT incident FROM event WHERE entity = ? AND kind = 'outage' AND start <= ?"
            " AND (end IS NULL OR end >= ?) ORDER BY start LIMIT 1", (kp, start, start)).fetchone()
        add_event(db, kp, "probe.up_blocks", start, end, len(BLOCKS), 0,
                  {"blocks_down": BLOCKS, "probes": 4}, row[0] if row else None)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    src = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    dst = sqlite3.connect(sys.argv[2])
    src.backup(dst)
    src.close()
    with dst:
        add(dst)
    dst.execute("PRAGMA journal_mode = DELETE")
    dst.close()


if __name__ == "__main__":
    main()
