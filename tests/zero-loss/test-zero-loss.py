# SPDX-License-Identifier: Apache-2.0
"""Zero-loss test (issue 4): a real mamori-center and a real mamori-sensor
replaying a generated capture with 2,000 intel alerts (pcapgen.py, a domain
list in the project's intel format), the sensor enrolled with --enrol and
shipping through its uplink; the centre and the sensor are killed with
SIGKILL at random moments (seeded RNG, seed printed; MM_ZERO_LOSS_SEED
replays a run) and restarted. At the end the centre must hold every event
the sensor ever spooled exactly once, byte for byte the same JSON, and every
sensor run's alerts must be a prefix of the reference replay (the last run
complete). The oracle is the spool itself: a driver thread hard-links every
segment file into an archive as soon as it appears (a segment holds 8 MiB,
far more than can be acknowledged between two polls), so segments the uplink
deletes after acknowledgement stay readable; the records are read at the end.

Python 3 stdlib only; loopback only."""

import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("MAMORI_SOURCE_DIR", os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "center"))
sys.path.insert(0, os.path.join(SRC, "tests", "sensor", "gen"))
import centerlib  # noqa: E402
from centerlib import Center, check, fail  # noqa: E402
from pcapgen import PcapWriter, dns_query  # noqa: E402

BUILD = os.environ.get("MAMORI_BUILD_DIR", os.getcwd())
SENSOR = os.path.join(BUILD, "src", "sensor", "mamori-sensor")
ALERTS = 2000
KILLS = 8
INTEL_SID = 9100102


def generate(tmp):
    """A capture with ALERTS DNS look-ups of listed domains, and the list."""
    intel = os.path.join(tmp, "intel-domains.txt")
    with open(intel, "w") as f:
        f.write("# zero-loss test: one listed domain per look-up\n")
        for i in range(ALERTS):
            f.write("bad%d.example\n" % i)
    pcap = os.path.join(tmp, "alerts.pcap")
    w = PcapWriter(pcap)
    for i in range(ALERTS):
        w.udp(("192.168.1.%d" % (10 + i % 4), 40000 + i), ("192.168.1.1", 53),
              dns_query("bad%d.example" % i, ident=i & 0xFFFF))
    w.close()
    return pcap, intel


def intel_alerts(events):
    return [e for e in events if e.get("event_type") == "alert" and
            e["alert"]["signature_id"] == INTEL_SID]


def strip(ev):
    return {k: v for k, v in ev.items() if k != "seq"}


def reference(tmp, pcap, intel):
    eve = os.path.join(tmp, "reference.json")
    p = subprocess.run([SENSOR, "-r", pcap, "--intel", intel, "--eve", eve, "-q"],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "reference replay: %s" % p.stderr)
    with open(eve) as f:
        ref = intel_alerts(json.loads(line) for line in f)
    check(len(ref) == ALERTS, "reference has %d intel alerts" % len(ref))
    return [strip(e) for e in ref]


def read_spool(spool, out):
    """Adds every record of every segment to out: {seq: json text}."""
    if not os.path.isdir(spool):
        return out
    segs = sorted(n for n in os.listdir(spool) if n.endswith(".seg"))
    for name in segs:
        with open(os.path.join(spool, name), "rb") as f:
            data = f.read()
        check(data[:8] == b"MMSPOOL1", "segment magic")
        off = 8
        while off + 16 <= len(data):
            length, _crc, seq = struct.unpack_from("<IIQ", data, off)
            if off + 16 + length > len(data):
                break
            text = data[off + 16:off + 16 + length].decode()
            check(out.setdefault(seq, text) == text, "seq %d reused with other content" % seq)
            off += 16 + length
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Run:
    def __init__(self, tmp, pcap, intel, url):
        self.args = [SENSOR, "-r", pcap, "--intel", intel, "--state", os.path.join(tmp, "state"),
                     "--config", os.path.join(tmp, "sensor.ini"), "--eve", "/dev/null",
                     "--center", url, "-q"]
        self.log = open(os.path.join(tmp, "sensor.log"), "a")
        self.proc = None
        self.starts = 0
        self.spool_dir = os.path.join(tmp, "state", "spool")
        self.archive = os.path.join(tmp, "spool-archive")
        os.makedirs(self.archive)
        self.stop_archiver = threading.Event()
        self.archiver = threading.Thread(target=self.archive_segments, daemon=True)
        self.archiver.start()

    def link_segments(self):
        if not os.path.isdir(self.spool_dir):
            return
        for name in os.listdir(self.spool_dir):
            dst = os.path.join(self.archive, name)
            if name.endswith(".seg") and not os.path.exists(dst):
                try:
                    os.link(os.path.join(self.spool_dir, name), dst)
                except FileNotFoundError:
                    pass  # deleted between listdir and link: checked at the end

    def archive_segments(self):
        while not self.stop_archiver.is_set():
            self.link_segments()
            time.sleep(0.02)

    def spooled(self):
        self.stop_archiver.set()
        self.archiver.join()
        self.link_segments()
        return read_spool(self.archive, {})

    def start(self):
        self.link_segments()
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=self.log)
        self.starts += 1

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def kill_centre(c):
    c.proc.send_signal(signal.SIGKILL)
    c.proc.wait()
    c.proc = None


def chaos(rng, c, sensor):
    """KILLS kills at random moments of the centre or the sensor."""
    for k in range(KILLS):
        time.sleep(rng.uniform(0.05, 0.6))
        if rng.random() < 0.5:
            kill_centre(c)
            print("kill %d: centre" % (k + 1))
            time.sleep(rng.uniform(0.0, 0.4))
            c.start()
        elif sensor.running():
            sensor.kill()
            print("kill %d: sensor (run %d)" % (k + 1, sensor.starts))
            sensor.start()
        else:
            print("kill %d: sensor had finished; new run" % (k + 1))
            sensor.start()


def check_centre(c, sensor_id, spool, ref):
    db = sqlite3.connect(os.path.join(c.data, "center.db"))
    rows = db.execute("SELECT seq, body FROM events WHERE sensor_id = ?", (sensor_id,)).fetchall()
    db.close()
    seqs = [r[0] for r in rows]
    check(len(seqs) == len(set(seqs)), "no (sensor, seq) stored twice")
    missing = sorted(set(spool) - set(seqs))
    extra = sorted(set(seqs) - set(spool))
    check(not missing, "%d spooled events missing at the centre, e.g. %s" % (len(missing),
                                                                             missing[:5]))
    check(not extra, "%d events at the centre that were never spooled: %s" % (len(extra),
                                                                              extra[:5]))
    for seq, body in rows:
        check(json.loads(body) == json.loads(spool[seq]), "content of seq %d differs" % seq)
    db = sqlite3.connect(os.path.join(c.data, "center.db"))
    total, last_seen, drops = db.execute("SELECT events_total, last_seen, drops FROM sensors "
                                         "WHERE id = ?", (sensor_id,)).fetchone()
    db.close()
    check(total == len(rows) and last_seen and drops == 0,
          "sensor health: events_total %s, last_seen %s, drops %s" % (total, last_seen, drops))
    check(sorted(spool) == list(range(1, len(spool) + 1)), "spool seqs contiguous from 1")
    # Each sensor run restarts the replay: its intel alerts are a prefix of
    # the reference, and the last run is complete.
    events = [json.loads(spool[s]) for s in sorted(spool)]
    alerts = [strip(e) for e in intel_alerts(events)]
    runs, cur = [], []
    for a in alerts:
        if a == ref[0] and cur:
            runs.append(cur)
            cur = []
        cur.append(a)
    runs.append(cur)
    for i, run in enumerate(runs):
        check(run == ref[:len(run)], "run %d is not a prefix of the reference replay" % (i + 1))
    check(len(runs[-1]) == ALERTS, "the last run delivered all %d alerts" % ALERTS)
    return len(rows), len(runs)


def main():
    seed = int(os.environ.get("MM_ZERO_LOSS_SEED", random.SystemRandom().randrange(1 << 30)))
    print("zero-loss seed %d (MM_ZERO_LOSS_SEED=%d to replay)" % (seed, seed))
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="mm-zero-loss-")
    port = free_port()
    c = Center(listen="127.0.0.1:%d" % port)
    sensor = None
    try:
        pcap, intel = generate(tmp)
        ref = reference(tmp, pcap, intel)
        with open(os.path.join(tmp, "sensor.ini"), "w") as f:
            f.write("[uplink]\nevent_types = alert\nbatch = 50\nretry_max_ms = 200\n"
                    "flush_timeout = 60\n")
        c.admin("create-admin", "--email", "admin@vendor.example", "--password-stdin",
                stdin=centerlib.PASSWORD + "\n")
        tid = int(c.admin("tenant", "add", "--name", "Zero Loss KK", "--lang", "ja"))
        code = c.admin("enrol", "--tenant", str(tid))
        c.start()
        url = "http://127.0.0.1:%d" % port
        state = os.path.join(tmp, "state")
        p = subprocess.run([SENSOR, "--enrol", code, "--center", url, "--state", state],
                           capture_output=True, text=True, timeout=60)
        check(p.returncode == 0, "enrolment: %s" % p.stderr)
        check(os.stat(os.path.join(state, "uplink.conf")).st_mode & 0o777 == 0o600,
              "key file mode 0600")
        again = subprocess.run([SENSOR, "--enrol", code, "--center", url, "--state",
                                os.path.join(tmp, "other")], capture_output=True, text=True)
        check(again.returncode == 1 and "refused" in again.stderr,
              "a used code is refused: %s" % again.stderr)
        with open(os.path.join(state, "uplink.conf")) as f:
            sensor_id = int([ln for ln in f if ln.startswith("sensor_id")][0].split("=")[1])

        sensor = Run(tmp, pcap, intel, url)
        sensor.start()
        chaos(rng, c, sensor)
        if not c.proc:
            c.start()
        if sensor.running():
            rc = sensor.proc.wait(timeout=120)
        else:
            rc = sensor.proc.returncode
        check(rc == 0, "the last sensor run exits 0 after draining (exit %s)" % rc)
        spool = sensor.spooled()
        with open(os.path.join(state, "spool", "acked")) as f:
            check(int(f.read()) == max(spool), "everything acknowledged")
        check(c.stop() == 0, "centre stops cleanly")
        stored, runs = check_centre(c, sensor_id, spool, ref)
        print("ok: %d events stored exactly once over %d sensor runs, %d kills" %
              (stored, runs, KILLS))
    finally:
        if sensor and sensor.running():
            sensor.kill()
        if c.proc:
            c.stop(signal.SIGKILL)
        c.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
