# SPDX-License-Identifier: Apache-2.0
"""The centre's benchmark (make bench; not a test). Prints a table with:
1. ingest: events/s over HTTP on 127.0.0.1 in batches of 1,000 from a
   separate client process (mm-bench-center, libcurl keep-alive) against the
   real mamori-center, next to the raw SQLite insert rate of the same rows
   (same schema and pragmas, one transaction per batch) -- target >= 50 %;
2. alert list: p50/p95/p99 of GET /api/v1/alerts with 1,000,000 stored
   events (filled directly with SQL) for a vendor analyst and an SME owner,
   plain and filtered -- target p99 < 50 ms.
Usage: center-bench.py BUILD_DIR WORK_DIR [--events N] [--batches N] [--ingest-only]
                       [--case SYNC:CONNS ...] [--one-key]
--ingest-only skips the alert list (its 1,000,000-event fill takes minutes);
--case runs only the given ingest cases (e.g. --case full:1), repeatable;
--one-key makes the connections of a case post as one sensor instead of one
sensor (of its own SME) each."""

import argparse
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "center"))


def run(args, center=None, **kw):
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        log = center.server_log()[-3000:] if center else ""
        sys.exit("bench: %s failed: %s%s\n%s" % (" ".join(args[:2]), p.stdout, p.stderr, log))
    return dict(line.split(" ", 1) for line in p.stdout.strip().splitlines())


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux /proc)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_center(centerlib, sync):
    """A centre in its own temporary folder (removed by close())."""
    return centerlib.Center(config="[server]\nsync = %s\n" % sync)


def ingest(centerlib, tool, work, batches, sync, conns, one_key=False):
    """Each connection is a sensor of its own SME (tenant), as four sensors
    posting at the same time are; one_key: all connections send with one
    sensor's key (the shape of the benchmark before 2026-11-26's fifth
    round, where every alert key then has one open alert per connection)."""
    c = start_center(centerlib, sync)
    codes = []
    for i in range(1 if one_key else conns):
        tid = int(c.admin("tenant", "add", "--name", "Bench KK %d" % i, "--lang", "ja"))
        codes.append(c.admin("enrol", "--tenant", str(tid)))
    c.start()
    keys = []
    for code in codes:
        r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "bench"})
        if r.status != 201:
            sys.exit("bench: enrol: %r" % r)
        keys.append(r.json["key"])
    url = "http://127.0.0.1:%d" % c.port
    cpu0 = cpu_seconds(c.proc.pid)
    http = run([tool, "http", url, ",".join(keys), str(batches), str(conns)], center=c,
               timeout=3600)
    cpu = cpu_seconds(c.proc.pid) - cpu0
    c.close()
    raw_dir = os.path.join(work, "raw-" + sync)
    shutil.rmtree(raw_dir, ignore_errors=True)
    os.makedirs(raw_dir)
    raw = run([tool, "raw", raw_dir, str(batches)], timeout=3600)
    return (float(http["http_events_per_s"]), float(raw["raw_events_per_s"]),
            batches * 1000 / max(cpu, 0.01), float(raw["raw_events_per_cpu_s"]))


def alert_list(centerlib, tool, events):
    c = start_center(centerlib, "full")
    os.makedirs(c.data, exist_ok=True)
    fill = run([tool, "fill", c.data, "200", str(events // 10), str(events)], timeout=3600)
    c.admin("create-admin", "--email", "admin@vendor.example", "--password-stdin",
            stdin=centerlib.PASSWORD + "\n")
    c.admin("user", "add", "--role", "analyst", "--email", "analyst@vendor.example",
            "--password-stdin", stdin=centerlib.PASSWORD + "\n")
    c.admin("user", "add", "--tenant", "7", "--role", "owner", "--email", "owner@sme7.example",
            "--password-stdin", stdin=centerlib.PASSWORD + "\n")
    vendor = c.admin("token", "create", "--user", "analyst@vendor.example")
    owner = c.admin("token", "create", "--user", "owner@sme7.example")
    c.start()
    url = "http://127.0.0.1:%d" % c.port
    rows = []
    for who, token, path in (("vendor", vendor, "/api/v1/alerts?limit=50"),
                             ("vendor", vendor, "/api/v1/alerts?status=new&limit=50"),
                             ("vendor", vendor, "/api/v1/alerts?severity=1&limit=50"),
                             ("vendor", vendor, "/api/v1/alerts?tenant=42&limit=50"),
                             ("vendor", vendor, "/api/v1/alerts?severity=2&tenant=42&limit=50"),
                             ("SME owner", owner, "/api/v1/alerts?limit=50"),
                             ("SME owner", owner, "/api/v1/alerts?status=new&limit=50"),
                             ("SME owner", owner, "/api/v1/alerts?severity=1&limit=50")):
        q = run([tool, "query", url, token, "1000", path], center=c, timeout=3600)
        rows.append((who, path, float(q["query_p50_ms"]), float(q["query_p95_ms"]),
                     float(q["query_p99_ms"])))
    c.close()
    return fill, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("work")
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--batches", type=int, default=200)
    ap.add_argument("--ingest-only", action="store_true")
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("--one-key", action="store_true",
                    help="all connections post as one sensor (the older shape)")
    a = ap.parse_args()
    cases = [(s, c) for s in ("full", "normal") for c in (1, 4)]
    if a.case:
        cases = [(c.split(":")[0], int(c.split(":")[1])) for c in a.case]
    os.environ["MAMORI_BUILD_DIR"] = os.path.abspath(a.build)
    import centerlib
    tool = os.path.join(a.build, "bench", "center", "mm-bench-center")
    os.makedirs(a.work, exist_ok=True)
    print("-- ingest: %d batches of 1,000 events over HTTP (127.0.0.1) vs raw SQLite --" %
          a.batches)
    print("%-6s %-6s %11s %11s %6s   %14s %14s %6s" % (
        "sync", "conns", "HTTP ev/s", "raw ev/s", "ratio", "HTTP ev/CPU-s", "raw ev/CPU-s",
        "ratio"))
    for sync, conns in cases:
        http, raw, hcpu, rcpu = ingest(centerlib, tool, a.work, a.batches, sync, conns,
                                       a.one_key)
        print("%-6s %-6d %11.0f %11.0f %5.0f%%   %14.0f %14.0f %5.0f%%" % (
            sync, conns, http, raw, 100 * http / raw, hcpu, rcpu, 100 * hcpu / rcpu), flush=True)
    print("(target: HTTP >= 50% of raw; sync = full is the default and the durable one;")
    print(" raw is one writer; 4 connections are 4 sensors (of 4 SMEs) posting at the same")
    print(" time%s;" % (", all with one sensor key (--one-key)" if a.one_key else ""))
    print(" ev/CPU-s divides by the CPU time of the centre process or of the raw loop, which")
    print(" stays meaningful when other work shares the machine; wall-clock rates do not)")
    if a.ingest_only:
        return
    fill, rows = alert_list(centerlib, tool, a.events)
    print("-- alert list: %s events, %s alerts, %s tenants (filled in %s s) --" %
          (fill["fill_events"], fill["fill_alerts"], fill["fill_tenants"], fill["fill_seconds"]))
    print("%-10s %-46s %8s %8s %8s" % ("caller", "GET", "p50 ms", "p95 ms", "p99 ms"))
    for who, path, p50, p95, p99 in rows:
        print("%-10s %-46s %8.2f %8.2f %8.2f" % (who, path, p50, p95, p99))
    print("(target: p99 < 50 ms; 1,000 requests each, following up to 5 pages of cursors)")


if __name__ == "__main__":
    main()
