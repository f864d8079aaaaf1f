#!/usr/bin/env python3
"""mock_api.py — a stand-in for `lightsout dashboard`, for developing web/.

Serves the dashboard's static files and the JSON API that `lightsout
dashboard` serves (/api/v1/...) from a lightsout SQLite store (as `lightsout
replay` writes it), with nothing but Python's standard library.  It reads the
store's tables directly, so the data is real (the North Korea scenario:
`lightsout replay` of scenarios/nk2014), and the JSON is shaped like the real
server's.

    mock_api.py --db build/nk2014.db --web web --listen 127.0.0.1:8080 [--attacks]

--attacks adds a made-up host group `hostgroup:kp-web` with flow.* series
and two DDoS attack events on 22 Dec 2014 (the replay has no flow data), so
the attack page can be seen without `lightsout serve`.  For probe data, serve
a copy made by add_probes.py (this directory).

When the listen port is 0 the port chosen is printed on stdout as
"listening on http://HOST:PORT/".  Not a production server: GET only,
loopback only, one SQLite connection per request.
"""

import argparse
import json
import math
import mimetypes
import os
import posixpath
import sqlite3
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "0.1.0"
COUNTERS = {"bgp.announcements", "bgp.withdrawals", "bgp.flaps", "bgp.visibility_flaps"}
MEANS_PREFIX = "flow."


def iso(t):
    if t is None:
        return None
    return datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(s):
    """ISO 8601 UTC (2014-12-22T16:15:21Z, seconds optional) or unix seconds."""
    if s is None or s == "":
        return None
    s = s.strip()
    if s.lstrip("-").isdigit():
        return int(s)
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return int(datetime.strptime(s, fmt).replace(tzinfo=timezone.utc).timestamp())
        except ValueError:
            pass
    raise ValueError("bad time: " + s)


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


# --- synthetic attacks (--attacks) ----------------------------------------

ATTACK_GROUP = "hostgroup:kp-web"


def synthetic_attacks():
    """Two made-up attacks on a KP web host before the outage, and the host
    group's flow.* series around them (5-minute bins)."""
    a1s, a1e = parse_time("2014-12-22T09:02:10Z"), parse_time("2014-12-22T09:47:35Z")
    a2s, a2e = parse_time("2014-12-22T13:31:02Z"), parse_time("2014-12-22T14:06:40Z")
    events = [
        {
            "id": 101, "entity": "host:175.45.176.71", "signal": "flow.pps", "kind": "attack",
            "severity": "critical", "start": iso(a1s), "end": iso(a1e), "duration_s": a1e - a1s,
            "baseline": 850, "min": 0, "score": 23.4, "incident": 101,
            "detail": {
                "target": "175.45.176.71", "hostgroup": "kp-web", "scope": "host",
                "direction": "incoming", "reason": "pps", "threshold": 10000,
                "vectors": ["amp_dns", "amp_ntp"],
                "vector_packets": {"amp_dns": 411000000, "amp_ntp": 268000000, "udp": 21000000,
                                   "tcp_syn": 3100000},
                "peak_pps": 234000, "peak_bps": 1530000000, "peak_flows": 61000,
                "packets": 703100000, "bytes": 575000000000,
                "top_sources": [
                    {"addr": "203.0.113.53", "packets": 9100000, "asn": 64511},
                    {"addr": "198.51.100.7", "packets": 8800000, "asn": 64496},
                    {"addr": "192.0.2.123", "packets": 7400000, "asn": 64500},
                    {"addr": "203.0.113.9", "packets": 6900000, "asn": 64511},
                    {"addr": "198.51.100.200", "packets": 5200000},
                ],
                "top_source_asns": [
                    {"asn": 64511, "packets": 16000000}, {"asn": 64496, "packets": 8800000},
                    {"asn": 64500, "packets": 7400000},
                ],
                "sampling_rate": 1000, "exporter": "127.0.0.1",
                "detected": "2014-12-22T09:02:11.204Z", "detect_delay_ms": 1204,
                "blackhole": True,
            },
        },
        {
            "id": 102, "entity": "hostgroup:kp-web", "signal": "flow.pps", "kind": "attack",
            "severity": "warning", "start": iso(a2s), "end": iso(a2e), "duration_s": a2e - a2s,
            "baseline": 900, "min": 0, "score": 2.7, "incident": 102,
            "detail": {
                "target": "175.45.176.0/22", "hostgroup": "kp-web", "scope": "group",
                "direction": "incoming", "reason": "total_pps", "threshold": 30000,
                "vectors": ["tcp_syn"], "vector_packets": {"tcp_syn": 151000000, "tcp_ack": 9000000},
                "peak_pps": 81000, "peak_bps": 41000000, "peak_flows": 80000,
                "packets": 160000000, "bytes": 9600000000,
                "top_sources": [], "top_source_asns": [],
                "top_targets": [{"addr": "175.45.176.71", "packets": 41000000},
                                {"addr": "175.45.177.10", "packets": 39000000}],
                "sampling_rate": 1000, "exporter": "127.0.0.1",
                "detected": "2014-12-22T13:31:02.950Z", "detect_delay_ms": 950,
                "blackhole": False,
            },
        },
    ]
    series = {"flow.pps": [], "flow.bps": [], "flow.flows": []}
    t0, t1 = parse_time("2014-12-20T00:00:00Z"), parse_time("2014-12-24T00:00:00Z")
    for t in range(t0, t1, 300):
        hour = (t // 3600) % 24
        pps = 800 + 300 * math.sin((hour - 6) / 24 * 2 * math.pi) + 40 * math.sin(t / 977)
        bps = pps * 700 * 8
        if parse_time("2014-12-22T16:15:21Z") <= t < parse_time("2014-12-23T01:46:18Z"):
            pps, bps = 0, 0  # unreachable: nothing arrives
        for (s, e, peak, size) in ((a1s, a1e, 234000, 820), (a2s, a2e, 81000, 60)):
            if s - 300 < t < e:
                ramp = min(1.0, (t - s + 300) / 900)
                pps += peak * ramp * (0.85 + 0.15 * math.sin(t / 311))
                bps += peak * ramp * size * 8
        series["flow.pps"].append((t, round(pps, 1)))
        series["flow.bps"].append((t, round(bps)))
        series["flow.flows"].append((t, round(pps / 3.5, 1)))
    return events, series


# --- the store ------------------------------------------------------------

class Store:
    def __init__(self, path, attacks):
        self.path = path
        self.extra_events, self.extra_series = synthetic_attacks() if attacks else ([], {})

    def db(self):
        uri = "file:" + urllib.parse.quote(os.path.abspath(self.path)) + "?mode=ro"
        return sqlite3.connect(uri, uri=True)

    def event_dict(self, row):
        (eid, entity, signal, kind, severity, start, end, baseline, mn, score, detail,
         incident) = row
        if end == 0:
            end = None
        try:
            det = json.loads(detail) if detail else {}
        except ValueError:
            det = {}
        return {
            "id": eid, "entity": entity, "signal": signal, "kind": kind, "severity": severity,
            "start": iso(start), "end": iso(end), "duration_s": None if end is None else end - start,
            "baseline": baseline, "min": mn, "score": score, "incident": incident or eid,
            "detail": det,
        }

    def all_events(self):
        with self.db() as c:
            rows = c.execute(
                "SELECT e.id, n.spec, e.signal, e.kind, e.severity, e.start, e.end, e.baseline,"
                " e.min, e.score, e.detail, e.incident FROM event e JOIN entity n"
                " ON n.id = e.entity").fetchall()
        evs = [self.event_dict(r) for r in rows] + [dict(e) for e in self.extra_events]
        evs.sort(key=lambda e: (parse_time(e["start"]), e["id"]), reverse=True)
        return evs

    def signals(self, entity):
        if entity == ATTACK_GROUP and self.extra_series:
            return sorted(self.extra_series)
        with self.db() as c:
            rows = c.execute(
                "SELECT DISTINCT s.signal FROM series s JOIN entity n ON n.id = s.entity"
                " WHERE n.spec = ?", (entity,)).fetchall()
        return sorted(r[0] for r in rows)

    def all_signals(self):
        """{entity: [signal, ...]} in one query"""
        out = {}
        with self.db() as c:
            for spec, sig in c.execute(
                    "SELECT DISTINCT n.spec, s.signal FROM series s JOIN entity n"
                    " ON n.id = s.entity"):
                out.setdefault(spec, []).append(sig)
        if self.extra_series:
            out[ATTACK_GROUP] = sorted(self.extra_series)
        return {k: sorted(v) for k, v in out.items()}

    def entity_names(self):
        with self.db() as c:
            names = [r[0] for r in c.execute("SELECT spec FROM entity")]
        if self.extra_series:
            names.append(ATTACK_GROUP)
        for e in self.extra_events:
            if e["entity"] not in names:
                names.append(e["entity"])
        return names

    def series(self, entity, signal, frm, until, bin_s):
        if entity == ATTACK_GROUP and self.extra_series:
            pts = [p for p in self.extra_series.get(signal, [])
                   if (frm is None or p[0] >= frm) and (until is None or p[0] < until)]
        else:
            q = ("SELECT s.bin_start, s.value FROM series s JOIN entity n ON n.id = s.entity"
                 " WHERE n.spec = ? AND s.signal = ?")
            args = [entity, signal]
            if frm is not None:
                q += " AND s.bin_start >= ?"
                args.append(frm)
            if until is not None:
                q += " AND s.bin_start < ?"
                args.append(until)
            with self.db() as c:
                pts = c.execute(q + " ORDER BY s.bin_start", args).fetchall()
        if not bin_s or bin_s <= 300:
            return 300, [[t, v] for t, v in pts]
        # coarser bins: counters summed, flow rates averaged, levels their lowest
        # value (a dip stays visible), as the real server does
        out, cur, acc, n = [], None, 0.0, 0
        for t, v in pts:
            b = t - t % bin_s
            if b != cur:
                if cur is not None:
                    out.append([cur, acc / n if signal.startswith(MEANS_PREFIX) else acc])
                cur, acc, n = b, 0.0, 0
            if signal in COUNTERS or signal.startswith(MEANS_PREFIX):
                acc += v
            else:
                acc = v if n == 0 else min(acc, v)
            n += 1
        if cur is not None:
            out.append([cur, acc / n if signal.startswith(MEANS_PREFIX) else acc])
        return bin_s, out


# --- HTTP -----------------------------------------------------------------

def qint(q, name, default=None, lo=None, hi=None):
    v = q.get(name)
    if v is None or v == "":
        return default
    try:
        n = int(v)
    except ValueError:
        raise ApiError(400, f"{name}: not an integer")
    if lo is not None:
        n = max(lo, n)
    if hi is not None:
        n = min(hi, n)
    return n


def qtime(q, name):
    try:
        return parse_time(q.get(name))
    except ValueError as e:
        raise ApiError(400, f"{name}: {e}")


class Handler(BaseHTTPRequestHandler):
    server_version = "lightsout-mock/" + VERSION
    store = None
    web = None
    started = time.time()

    def log_message(self, fmt, *args):
        if os.environ.get("MOCK_API_LOG"):
            sys.stderr.write("mock_api: " + fmt % args + "\n")

    def send(self, status, body, ctype, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj):
        self.send(status, json.dumps(obj, separators=(",", ":")).encode(),
                  "application/json; charset=utf-8")

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        self.send_json(405, {"error": "GET only"})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        try:
            if url.path.startswith("/api/"):
                self.send_json(200, self.api(url.path, q))
            else:
                self.static(url.path)
        except ApiError as e:
            self.send_json(e.status, {"error": e.message})
        except (sqlite3.Error, OSError) as e:
            self.send_json(500, {"error": str(e)})

    def static(self, path):
        path = posixpath.normpath(urllib.parse.unquote(path))
        if path in ("/", "."):
            path = "/index.html"
        rel = path.lstrip("/")
        full = os.path.realpath(os.path.join(self.web, rel))
        if not full.startswith(os.path.realpath(self.web) + os.sep) or not os.path.isfile(full):
            self.send(404, b"not found\n", "text/plain; charset=utf-8")
            return
        ctype = mimetypes.guess_type(full)[0] or "application/octet-stream"
        if full.endswith(".js") or full.endswith(".mjs"):
            ctype = "text/javascript"
        if ctype.startswith("text/") or ctype.endswith("javascript"):
            ctype += "; charset=utf-8"
        with open(full, "rb") as f:
            self.send(200, f.read(), ctype)

    def api(self, path, q):
        st = self.store
        if path == "/api/v1/status":
            return {
                "version": VERSION, "mode": "dashboard",
                "now": iso(time.time()),
                "uptime_s": int(time.time() - self.started),
                "store": {"path": os.path.abspath(st.path), "bin": 300,
                          "events": len(st.all_events())},
                "mock": True,
            }
        if path == "/api/v1/entities":
            text = (q.get("q") or "").lower()
            limit = qint(q, "limit", 50, 1, 1000)
            evs = st.all_events()
            sigs = st.all_signals()
            out = []
            for name in st.entity_names():
                if text and text not in name.lower():
                    continue
                mine = [e for e in evs if e["entity"] == name]
                out.append({
                    "entity": name, "signals": sigs.get(name, []), "events": len(mine),
                    "ongoing": sum(1 for e in mine if e["end"] is None),
                    "last_event_start": max((e["start"] for e in mine), default=None),
                })
            out.sort(key=lambda e: (-(e["events"] > 0), e["last_event_start"] or "", e["entity"]))
            with_ev = sorted((e for e in out if e["events"]),
                             key=lambda e: e["last_event_start"], reverse=True)
            out = with_ev + [e for e in out if not e["events"]]
            return {"entities": out[:limit]}
        if path == "/api/v1/signals":
            ent = q.get("entity")
            if not ent:
                raise ApiError(400, "entity is required")
            if ent not in st.entity_names():
                raise ApiError(404, "no such entity: " + ent)
            return {"entity": ent, "signals": st.signals(ent)}
        if path == "/api/v1/series":
            ent, sig = q.get("entity"), q.get("signal") or "bgp.visible_slash24"
            if not ent:
                raise ApiError(400, "entity is required")
            if ent not in st.entity_names():
                raise ApiError(404, "no such entity: " + ent)
            b = qint(q, "bin", 300, 1, 86400 * 366)
            b = max(300, b - b % 300)
            bin_s, pts = st.series(ent, sig, qtime(q, "from"), qtime(q, "until"), b)
            return {"entity": ent, "signal": sig, "bin": bin_s, "points": pts}
        if path in ("/api/v1/events", "/api/v1/attacks"):
            evs = st.all_events()
            if path == "/api/v1/attacks":
                evs = [e for e in evs if e["kind"] == "attack"]
            for key in ("entity", "kind", "severity"):
                if q.get(key):
                    evs = [e for e in evs if e[key] == q[key]]
            since, until = qtime(q, "since"), qtime(q, "until")
            if since is not None:  # overlapping [since, until]
                evs = [e for e in evs if e["end"] is None or parse_time(e["end"]) >= since]
            if until is not None:
                evs = [e for e in evs if parse_time(e["start"]) <= until]
            if q.get("ongoing") in ("1", "true"):
                evs = [e for e in evs if e["end"] is None]
            elif q.get("ongoing") in ("0", "false"):
                evs = [e for e in evs if e["end"] is not None]
            evs = evs[:qint(q, "limit", 100, 1, 10000)]
            return {"attacks" if path == "/api/v1/attacks" else "events": evs}
        if path == "/api/v1/incidents":
            evs = st.all_events()
            if q.get("entity"):
                evs = [e for e in evs if e["entity"] == q["entity"]]
            since = qtime(q, "since")
            inc = {}
            for e in sorted(evs, key=lambda e: e["id"]):
                inc.setdefault(e["incident"], []).append(e)
            out = []
            for iid, members in inc.items():
                ends = [m["end"] for m in members]
                end = None if None in ends else max(ends)
                if since is not None and end is not None and parse_time(end) < since:
                    continue
                out.append({
                    "id": iid, "entity": members[0]["entity"],
                    "start": min(m["start"] for m in members), "end": end,
                    "kinds": sorted({m["kind"] for m in members}), "events": members,
                })
            out.sort(key=lambda i: i["start"], reverse=True)
            return {"incidents": out[:qint(q, "limit", 50, 1, 10000)]}
        raise ApiError(404, "no such endpoint: " + path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="lightsout SQLite store")
    ap.add_argument("--web", required=True, help="the dashboard's directory (web/)")
    ap.add_argument("--listen", default="127.0.0.1:0", help="ADDR:PORT (loopback)")
    ap.add_argument("--attacks", action="store_true", help="add made-up DDoS attacks")
    a = ap.parse_args()
    if not os.path.isfile(a.db):
        ap.error("no store at " + a.db)
    host, _, port = a.listen.rpartition(":")
    Handler.store = Store(a.db, a.attacks)
    Handler.web = os.path.abspath(a.web)
    srv = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
    srv.daemon_threads = True
    h, p = srv.server_address[:2]
    print(f"listening on http://{h}:{p}/", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
