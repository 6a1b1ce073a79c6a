#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The sensor benchmark (scripts/bench.sh runs it; not a test).

    sensor-bench.py BUILD_DIR SHARED_DIR WORK_DIR

Builds (once) a capture of at least 1 GB from SHARED_DIR/pcaps with
mm-bench-make-capture, writes at least one million indicators (the shared
feeds plus generated IPs and domains) into WORK_DIR, then runs over the same
file, one after the other, single-threaded: the bare libpcap read loop and
mamori-sensor -r with the indicators loaded, each MM_BENCH_REPEAT times (5;
interleaved, the median kept), and ndpiReader -i once when installed.
Prints packets/s, MB/s and peak memory (getrusage of each child) side by
side, and whether the targets hold: at least 50% of the bare
loop's packets/s, and under 256 MB peak for the sensor."""
import glob
import os
import shutil
import struct
import subprocess
import sys
import time

TARGET_BYTES = 1_100_000_000
GENERATED = 1_000_000
# Runs of each command, interleaved; each row is their median. An odd number.
REPEAT = max(1, int(os.environ.get("MM_BENCH_REPEAT", "5")) | 1)
FEEDS = ["maltrail/malware/*.txt", "maltrail/suspicious/*.txt", "maltrail/mass_scanner_cidr.txt",
         "ipsum/*.txt", "abusech/*", "et/*.txt"]


def build_capture(build, shared, work):
    cap = os.path.join(work, "bench-1g.pcap")
    if os.path.exists(cap) and os.path.getsize(cap) >= TARGET_BYTES:
        return cap
    pcaps = sorted(glob.glob(os.path.join(shared, "pcaps", "*.pcap*")))
    tool = os.path.join(build, "bench", "mm-bench-make-capture")
    subprocess.run([tool, cap, str(TARGET_BYTES)] + pcaps, check=True)
    return cap


def write_indicators(shared, work):
    """The shared feeds plus generated IPv4 addresses and domains so the
    total is at least one million; returns the --intel paths."""
    paths = []
    for pattern in FEEDS:
        paths += sorted(glob.glob(os.path.join(shared, "intel", pattern)))
    ips = os.path.join(work, "generated-ips.txt")
    doms = os.path.join(work, "generated-domains.txt")
    if not os.path.exists(doms):
        with open(ips, "w") as f:
            for i in range(GENERATED // 2):  # 100.64.0.0/10, never in the captures
                f.write("100.%d.%d.%d\n" % (64 + (i >> 16) % 64, (i >> 8) & 255, i & 255))
        with open(doms, "w") as f:
            for i in range(GENERATED // 2):
                f.write("host%d.bench-%d.example\n" % (i, i % 9973))
    return paths + [ips, doms]


def run_measured(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd and waits with wait4 so the figures are the child's own:
    returns (CPU seconds, wall seconds, peak RSS in MB, exit code, stderr).
    Rates use CPU time (user + system), which a busy shared machine does not
    distort; wall time is printed too."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    cpu = ru.ru_utime + ru.ru_stime
    return cpu, wall, ru.ru_maxrss / 1024.0, p.returncode, err.decode(errors="replace")


def median_row(results):
    """(CPU s, wall s, peak MB, exit code) over several runs of one command:
    the median CPU and wall seconds, the highest peak and the first failing
    exit code (0 when all succeeded)."""
    cpus = sorted(r[0] for r in results)
    walls = sorted(r[1] for r in results)
    mid = len(results) // 2
    rc = next((r[3] for r in results if r[3] != 0), 0)
    return cpus[mid], walls[mid], max(r[2] for r in results), rc


def main():
    build, shared, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    cap = build_capture(build, shared, work)
    size = os.path.getsize(cap)
    intel = write_indicators(shared, work)
    loop = os.path.join(build, "bench", "mm-bench-pcap-loop")
    sensor = os.path.join(build, "src", "sensor", "mamori-sensor")

    # Warm the page cache so every tool reads from memory alike.
    run_measured([loop, cap])
    out = subprocess.run([loop, cap], capture_output=True, text=True).stdout.split()
    packets, pbytes = int(out[0]), int(out[1])

    intel_args = []
    for path in intel:
        intel_args += ["--intel", path]
    args = [sensor, "-r", cap, "--eve", os.devnull, "-q"] + intel_args
    # Start-up alone (loading the indicators, OUI and OS tables): the same
    # command on a capture with no packets. Subtracted, it gives the rate of
    # the packet phase, which is what a long-running sensor sustains.
    empty = os.path.join(work, "empty.pcap")
    with open(empty, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    startup = [sensor, "-r", empty, "--eve", os.devnull, "-q"] + intel_args
    # The same run with flow records left out of the EVE output
    # ([output] event_types): how much of the cost they are.
    ini = os.path.join(work, "no-flow.ini")
    with open(ini, "w") as f:
        f.write("[output]\nevent_types = alert, anomaly, device, dhcp, dns, http, mdns, "
                "netbios, rdp, smb, stats, tls\n")

    # Each command REPEAT times, interleaved (loop, sensor, start-up, no
    # flow records, then again), so a slow stretch of a shared machine falls
    # on all of them alike; each row is the median of its runs.
    runs = {"loop": [], "sensor": [], "startup": [], "noflow": []}
    err = ""
    for _ in range(REPEAT):
        runs["loop"].append(run_measured([loop, cap]))
        r = run_measured(args)
        runs["sensor"].append(r)
        err = r[4]
        runs["startup"].append(run_measured(startup))
        runs["noflow"].append(run_measured(args + ["--config", ini]))
    loaded = [l for l in err.splitlines() if " loaded" in l]
    total_ind = 0
    for line in loaded:
        try:
            total_ind += int(line.split(", ")[1].split()[0])
        except (IndexError, ValueError):
            pass
    loop_row, sensor_row = median_row(runs["loop"]), median_row(runs["sensor"])
    start_row, noflow_row = median_row(runs["startup"]), median_row(runs["noflow"])
    if sensor_row[3] != 0:
        print(err[-2000:], file=sys.stderr)
    rows = [("bare libpcap loop",) + loop_row,
            ("mamori-sensor -r (%d indicators)" % total_ind,) + sensor_row,
            ("  packet phase (start-up %.2f CPU s excluded)" % start_row[0],
             max(sensor_row[0] - start_row[0], 1e-3), max(sensor_row[1] - start_row[1], 1e-3), 0,
             start_row[3]),
            ("mamori-sensor -r, no flow records",) + noflow_row]
    spread = {name: (min(r[0] for r in rs), max(r[0] for r in rs)) for name, rs in runs.items()}

    ndpi = shutil.which("ndpiReader")
    if ndpi:
        # ndpiReader writes these two files (fixed names) whatever its options;
        # the ones this run created are removed again.
        leftovers = [p for p in ("/tmp/ses_result.csv", "/tmp/des_result.csv")
                     if not os.path.exists(p)]
        cpu, wall, rss, rc, _ = run_measured([ndpi, "-i", cap, "-q"])
        rows.append(("ndpiReader -i", cpu, wall, rss, rc))
        for p in leftovers:
            if os.path.exists(p):
                os.unlink(p)
    else:
        rows.append(("ndpiReader -i (not installed: libndpi-bin)", 0, 0, 0, -1))

    print("capture: %s, %.2f GB, %d packets" % (cap, size / 1e9, packets))
    print("rates per CPU second (user+sys), median of %d interleaved runs each; wall seconds "
          "shown for reference" % REPEAT)
    print("%-46s %11s %9s %9s %9s %8s %5s" % ("", "packets/s", "MB/s", "CPU s", "wall s",
                                             "peak MB", "exit"))
    for name, cpu, wall, rss, rc in rows:
        if wall <= 0 and rc != 0:
            print("%-46s %11s %9s %9s %9s %8s %5s" % (name, "-", "-", "-", "-", "-", "-"))
            continue
        cpu = max(cpu, 1e-3)
        print("%-46s %11.0f %9.1f %9.2f %9.2f %8.1f %5d" % (
            name, packets / cpu, pbytes / cpu / 1e6, cpu, wall, rss, rc))
    base, mm, phase = rows[0][1], rows[1][1], rows[2][1]
    ratio = max(base, 1e-3) / mm if mm > 0 else 0
    print("sensor speed: %.1f%% of the bare loop's packets/s (target >= 50%%; packet phase "
          "alone %.1f%%); peak %.0f MB (target < 256 MB)" %
          (100 * ratio, 100 * max(base, 1e-3) / phase, rows[1][3]))
    if REPEAT > 1:
        pairs = sorted(100 * l[0] / max(m[0], 1e-3) for l, m in zip(runs["loop"], runs["sensor"]))
        print("spread of the %d runs: bare loop %.2f-%.2f CPU s, sensor %.2f-%.2f CPU s; "
              "per-pair ratio %.1f-%.1f%%" % ((REPEAT,) + spread["loop"] + spread["sensor"] +
                                              (pairs[0], pairs[-1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
