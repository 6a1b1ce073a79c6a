#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Alert rows written once a second and before every read (center-storage.md,
"alert rows written per interval"), against the real mamori-center:
- kill -9 while a sensor posts batches, restart, the sensor sends again what
  was not acknowledged: nothing acknowledged is lost, and every alert (ids,
  counts, first/last seen, severity, newest events) is what a centre that was
  never killed and writes alert rows with every batch (flush_ms = 0) gives for
  the same batches; in the database every alert row
  counts exactly the events of its chain;
- readers while a sensor posts: every alert list counts at least every event
  acknowledged before the list was asked for (and at most those posted), and
  a read right after a batch's reply counts exactly what was acknowledged;
- a clean stop writes every row (no recovery at the next start);
- another process holding the write lock while rows wait: every read waits
  at most the readers' bound (MM_READER_FLUSH_WAIT_MS, 300 ms), not the 10 s
  busy timeout, and reads the rows as they are; one log line says so; the
  reads after it only try (no wait) until a commit writes every row; once
  the lock is free a read counts everything;
- a read while another sensor's large batch works (not waiting for a lock)
  waits for it past the bound and counts what was acknowledged before;
- the admin command while rows wait counts nothing again and writes no row;
- a write by another process that touches no alert (the admin command adding
  a tenant and a user) leaves the rows waiting and the memo kept through the
  next batch; one that changes an alert row (sqlite3 on the file) has the
  next batch write them first (migration 012, alert_gen);
- kill -9 of a centre whose rows wait, restarted with flush_ms = 0: the first
  read, before any batch, counts them from the chain; a clean restart finds
  nothing to count."""

import datetime
import json
import os
import random
import signal
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import PASSWORD, Center, alert_event, check, dns_event  # noqa: E402

T0 = datetime.datetime(2026, 4, 1, 10, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))


def ts(sec):
    return (T0 + datetime.timedelta(seconds=sec)).isoformat(timespec="microseconds")


def make_batches(seed, n, size):
    """n batches of size lines: alert events over 6 signatures x 5 devices,
    times spread over 40 minutes with late ones, severities 1-4, and dns
    events; seqs counting upwards."""
    rnd = random.Random(seed)
    batches, seq, clock = [], 0, 0
    for _ in range(n):
        lines = []
        clock += rnd.randint(0, 20)
        for _ in range(size):
            seq += 1
            if rnd.random() < 0.2:
                lines.append(dns_event(seq, ts=ts(clock)))
                continue
            t = clock - rnd.randint(0, 900) if rnd.random() < 0.1 else clock + rnd.randint(0, 30)
            lines.append(alert_event(seq, sid=8000 + rnd.randint(0, 5),
                                     src="10.8.0.%d" % rnd.randint(1, 5),
                                     sev=rnd.randint(1, 4), ts=ts(max(t, 0))))
        batches.append(lines)
    return batches


def start(config=""):
    c = Center(config="[alerts]\nwindow = 300\n" + config)
    c.admin("create-admin", "--email", "admin@vendor.example", "--password-stdin",
            stdin=PASSWORD + "\n")
    tid = int(c.admin("tenant", "add", "--name", "Flush KK", "--lang", "ja"))
    code = c.admin("enrol", "--tenant", str(tid))
    token = c.admin("token", "create", "--user", "admin@vendor.example")
    c.start()
    r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "s"})
    check(r.status == 201, "enrol: %r" % r)
    return c, r.json["key"], token


def all_alerts(c, token):
    """Every alert as the API lists it (following the cursor), with the
    seqs of its newest events from its page."""
    out, path = [], "/api/v1/alerts?limit=200"
    while path:
        r = c.request("GET", path, token=token)
        check(r.status == 200, "list: %r" % r)
        out += r.json["items"]
        path = r.json.get("next") and "/api/v1/alerts?limit=200&cursor=" + r.json["next"]
    rows = []
    for a in sorted(out, key=lambda a: a["id"]):
        r = c.request("GET", "/api/v1/alerts/%d" % a["id"], token=token)
        check(r.status == 200, "alert page: %r" % r)
        rows.append((a["id"], a["signature_id"], a["src_ip"], a["count"], a["first_seen"],
                     a["last_seen"], a["severity"], a["status"],
                     tuple(e["seq"] for e in r.json["events"])))
    return rows


def chain_consistent(c):
    """Every alert row counts exactly the events that name it."""
    db = sqlite3.connect(os.path.join(c.data, "center.db"))
    try:
        bad = db.execute(
            "SELECT a.id, a.count, e.n, a.first_seen, e.f, a.last_seen, e.l, a.severity, e.s, "
            "a.last_event_id, e.m FROM alerts a JOIN (SELECT alert_id, count(*) AS n, "
            "min(ts) AS f, max(ts) AS l, min(alert_severity) AS s, max(id) AS m FROM events "
            "WHERE alert_id IS NOT NULL GROUP BY alert_id) e ON e.alert_id = a.id WHERE "
            "a.count != e.n OR a.first_seen != e.f OR a.last_seen != e.l OR a.severity != e.s "
            "OR a.last_event_id != e.m").fetchall()
        events = db.execute("SELECT count(*) FROM events").fetchone()[0]
        return bad, events
    finally:
        db.close()


def test_kill_mid_ingest():
    batches = make_batches(11, 120, 60)
    ref, ref_key, ref_token = start("flush_ms = 0\n")  # rows written with every batch
    for b in batches:
        r = ref.ingest(ref_key, b)
        check(r.status == 200 and r.json["accepted"] == len(b), "reference: %r" % r)
    want = all_alerts(ref, ref_token)
    ref.close()

    c, key, token = start()
    acked = [0]  # batches acknowledged, in order
    stale = 0    # kills that left rows not counting their chain

    def sensor(first):
        for i in range(first, len(batches)):
            try:
                r = c.ingest(key, batches[i])
            except OSError:
                return
            if r.status != 200:
                return
            acked[0] = i + 1

    for kill in range(3):
        th = threading.Thread(target=sensor, args=(acked[0],))
        th.start()
        # Kill while batches go in: once a few more were acknowledged.
        until = min(acked[0] + 15 + 5 * kill, len(batches) - 1)
        deadline = time.time() + 60
        while acked[0] < until and time.time() < deadline:
            time.sleep(0.002)
        c.proc.send_signal(signal.SIGKILL)
        c.proc.wait(timeout=60)
        c.proc = None
        th.join(timeout=60)
        check(acked[0] >= until, "batches went in before kill %d" % kill)
        bad, _ = chain_consistent(c)  # the file as the kill left it
        stale += bad != []
        c.start()
    check(stale > 0, "a kill left rows to count again")
    # The sensor sends again from the first batch it has no reply for (a
    # batch committed whose reply was lost comes back as duplicates).
    for b in batches[acked[0]:]:
        r = c.ingest(key, b)
        check(r.status == 200, "after the restarts: %r" % r)
    got = all_alerts(c, token)
    check(got == want, "alerts after three kills differ from the reference:\n%r\n%r" %
          (got[:5], want[:5]))
    bad, events = chain_consistent(c)
    check(bad == [], "rows that do not count their chain: %r" % bad[:5])
    check(events == sum(len(b) for b in batches), "every event stored once: %d" % events)
    log = c.server_log()
    check("counted again from the event chain" in log, "a restart counted the chain:\n%s" %
          log[-2000:])
    c.close()


def test_readers_while_posting():
    c, key, token = start()
    batches = make_batches(12, 150, 40)
    alert_events = [sum(1 for e in b if e["event_type"] == "alert") for b in batches]
    acked = [0]   # alert events acknowledged
    posted = [0]  # alert events sent (acknowledged or on their way)
    errors = []

    def listed():
        total, path = 0, "/api/v1/alerts?limit=200"
        while path:
            r = c.request("GET", path, token=token)
            if r.status != 200:
                errors.append("list: %r" % r)
                return -1
            total += sum(a["count"] for a in r.json["items"])
            path = r.json.get("next") and "/api/v1/alerts?limit=200&cursor=" + r.json["next"]
        return total

    def sensor():
        for i, b in enumerate(batches):
            posted[0] += alert_events[i]
            r = c.ingest(key, b)
            if r.status != 200:
                errors.append("ingest: %r" % r)
                return
            acked[0] += alert_events[i]
            if i % 10 == 0:
                n = listed()  # the sensor's own read right after the reply
                if n != acked[0]:
                    errors.append("read after the reply: %d, acknowledged %d" % (n, acked[0]))

    def reader():
        while th.is_alive():
            lo = acked[0]
            n = listed()
            hi = posted[0]
            if not lo <= n <= hi:
                errors.append("a list counted %d with %d acknowledged, %d posted" % (n, lo, hi))
            reads[0] += 1

    reads = [0]
    th = threading.Thread(target=sensor)
    th.start()
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for r in readers:
        r.start()
    th.join(timeout=300)
    for r in readers:
        r.join(timeout=300)
    check(errors == [], "readers: %r" % errors[:5])
    check(reads[0] > 10, "the readers read (%d lists)" % reads[0])
    check(listed() == sum(alert_events), "every alert event counted at the end")
    # A clean stop writes every row: the next start has nothing to count again.
    check(c.stop() == 0, "clean stop")
    bad, _ = chain_consistent(c)
    check(bad == [], "rows after a clean stop: %r" % bad[:5])
    c.start()
    check(listed() == sum(alert_events), "the same after a restart")
    check("counted again" not in c.server_log(), "nothing counted again after a clean stop")
    c.close()


BEHIND = "the write lock stayed taken"  # store.rows_behind


def test_readers_while_locked():
    c, key, token = start("flush_ms = 60000\n")
    r = c.ingest(key, [alert_event(1, sid=8000, ts=ts(0))])
    check(r.status == 200, "first batch: %r" % r)
    c.request("GET", "/api/v1/alerts", token=token)  # the row written
    aid = c.request("GET", "/api/v1/alerts", token=token).json["items"][0]["id"]
    r = c.ingest(key, [alert_event(2, sid=8000, ts=ts(1))])  # its row waits
    check(r.status == 200, "second batch: %r" % r)
    db = sqlite3.connect(os.path.join(c.data, "center.db"), isolation_level=None, timeout=60)
    db.execute("BEGIN IMMEDIATE")  # another process writing for 6 s
    locked = time.time()
    took = [None] * 5

    def read(i):
        t = time.time()
        r = c.request("GET", "/api/v1/alerts", token=token)
        took[i] = (time.time() - t, r.status, r.json and r.json["items"][0]["count"])

    readers = [threading.Thread(target=read, args=(i,)) for i in range(3)]
    for th in readers:
        th.start()
    for th in readers:
        th.join(timeout=60)
    read(3)  # after one gave up, the next reads only try: no wait
    read(4)
    t = time.time()
    page = c.request("GET", "/api/v1/alerts/%d" % aid, token=token)  # reads the store twice
    page = (time.time() - t, page.status, page.json and page.json["count"])
    check(time.time() - locked < 5, "the reads ended before the lock was given up")
    time.sleep(max(0.0, 6 - (time.time() - locked)))
    db.execute("COMMIT")
    db.close()
    # Each read waits for the write lock at most the readers' bound (300 ms),
    # then shows the row as stored (count 1); before, 10 s (busy timeout).
    check(all(t is not None and t[1] == 200 and t[2] == 1 and t[0] < 2.5 for t in took),
          "readers during another process's write (seconds, status, count): %r" % took)
    # Once a read gave up, the next ones do not wait the bound again until a
    # commit leaves no row waiting (before, 0.3 s each, 0.6 s for a page).
    check(all(t[0] < 0.2 for t in took[3:]) and page[0] < 0.2 and page[1:] == (200, 1),
          "reads after one gave up (seconds, status, count): %r, page %r" % (took[3:], page))
    check(c.server_log().count(BEHIND) == 1, "said once:\n%s" % c.server_log()[-2000:])
    r = c.request("GET", "/api/v1/alerts", token=token)
    check(r.status == 200 and r.json["items"][0]["count"] == 2, "counted once free: %r" % r)
    # Free again: a read waits the bound again when the lock is taken.
    r = c.ingest(key, [alert_event(3, sid=8000, ts=ts(2))])
    check(r.status == 200, "third batch: %r" % r)
    db = sqlite3.connect(os.path.join(c.data, "center.db"), isolation_level=None, timeout=60)
    db.execute("BEGIN IMMEDIATE")
    read(0)
    db.execute("ROLLBACK")
    db.close()
    check(0.25 < took[0][0] < 2.5 and took[0][2] == 2, "a read waits again: %r" % (took[0],))
    r = c.request("GET", "/api/v1/alerts", token=token)
    check(r.status == 200 and r.json["items"][0]["count"] == 3, "counted once free: %r" % r)
    bad, _ = chain_consistent(c)
    check(bad == [], "rows after the wait: %r" % bad[:5])
    c.close()


def test_read_during_big_batch():
    """A read while another sensor's large batch works (it holds the ingest
    connection for its own work, not waiting for another process's lock)
    waits for it past the readers' bound: it counts the batch acknowledged
    before it began (before, it stopped after 300 ms and showed count 1 with
    a store.rows_behind warning)."""
    c = Center(config="[alerts]\nwindow = 300\nflush_ms = 60000\n")
    c.admin("create-admin", "--email", "admin@vendor.example", "--password-stdin",
            stdin=PASSWORD + "\n")
    tid = int(c.admin("tenant", "add", "--name", "Big KK", "--lang", "ja"))
    codes = [c.admin("enrol", "--tenant", str(tid)) for _ in range(2)]
    token = c.admin("token", "create", "--user", "admin@vendor.example")
    c.start()
    keys = []
    for i, code in enumerate(codes):
        r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "s%d" % i})
        check(r.status == 201, "enrol: %r" % r)
        keys.append(r.json["key"])
    r = c.ingest(keys[0], [alert_event(1, sid=8000, ts=ts(0))])
    check(r.status == 200, "first batch: %r" % r)
    r = c.request("GET", "/api/v1/alerts", token=token)  # the row written
    aid = r.json["items"][0]["id"]
    r = c.ingest(keys[0], [alert_event(2, sid=8000, ts=ts(1))])  # acknowledged; its row waits
    check(r.status == 200, "second batch: %r" % r)
    # 33,000 alerts of their own (about 14 MB, under the 16 MB body limit),
    # formatted beforehand: the store's work is most of the request's time.
    big = [json.dumps(alert_event(1 + i, sid=10000 + i, ts=ts(2))) + "\n"
           for i in range(33000)]
    done = [None]

    def sensor_b():
        t = time.time()
        r = c.ingest(keys[1], big)
        done[0] = (time.time() - t, r.status)

    # Read once the batch holds the write lock (its store work begun: a
    # BEGIN IMMEDIATE of ours that fails at once): the read waits for it.
    db = sqlite3.connect(os.path.join(c.data, "center.db"), isolation_level=None, timeout=0)
    th = threading.Thread(target=sensor_b)
    t0 = time.time()
    th.start()
    locked = None
    while th.is_alive() and locked is None:
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
            time.sleep(0.002)
        except sqlite3.OperationalError:
            locked = time.time() - t0
    db.close()
    check(locked is not None, "the batch took the write lock")
    t = time.time()
    r = c.request("GET", "/api/v1/alerts/%d" % aid, token=token)
    read = (round(t - t0, 3), round(time.time() - t, 3), r.status, r.json and r.json["count"])
    th.join(timeout=300)
    check(done[0] and done[0][1] == 200, "the big batch: %r" % (done,))
    check(read[2] == 200 and read[3] == 2,
          "a read during the big batch (started, seconds, status, count; batch %.2f s): %r"
          % (done[0][0], read))
    check(BEHIND not in c.server_log(), "no warning:\n%s" % c.server_log()[-2000:])
    c.close()


def flush_state(c):
    db = sqlite3.connect(os.path.join(c.data, "center.db"))
    try:
        return (db.execute("SELECT owner, event_id FROM alert_flush WHERE id = 1").fetchone(),
                db.execute("SELECT id, count FROM alerts ORDER BY id").fetchall())
    finally:
        db.close()


def start_rows_waiting():
    """A centre with flush_ms = 60000 whose one alert (sid 8000) has its row
    written at the first batch's read and then 3 events whose row waits.
    Returns the centre, the sensor key, the token and flush_state()."""
    c, key, token = start("flush_ms = 60000\n")
    r = c.ingest(key, [alert_event(1, sid=8000, ts=ts(0))])
    check(r.status == 200, "first batch: %r" % r)
    c.request("GET", "/api/v1/alerts", token=token)  # the row written
    for i in range(3):  # their rows wait
        r = c.ingest(key, [alert_event(2 + i, sid=8000, ts=ts(1 + i))])
        check(r.status == 200, "batch %d: %r" % (i, r))
    before = flush_state(c)
    check(before[0][0] != 0 and before[1][0][1] == 1, "rows wait: %r" % (before,))
    return c, key, token, before


def test_admin_leaves_rows():
    """The admin command while a centre runs with rows waiting: it counts
    nothing again (before, it recounted them at open, printed "counted
    again" and had the centre count its chain again), leaves the rows and
    alert_flush as they are, and the centre's counts stay right."""
    c, key, token, before = start_rows_waiting()
    p = c.admin("tenant", "list", expect=None)
    check(p.returncode == 0 and "counted again" not in p.stdout + p.stderr and
          "数え直し" not in p.stdout + p.stderr, "admin: %r %r" % (p.stdout, p.stderr))
    check(flush_state(c) == before, "admin left the rows: %r, before %r" % (flush_state(c), before))
    r = c.ingest(key, [alert_event(5, sid=8000, ts=ts(4))])
    check(r.status == 200, "batch after admin: %r" % r)
    r = c.request("GET", "/api/v1/alerts", token=token)
    check(r.status == 200 and r.json["items"][0]["count"] == 5, "counts after admin: %r" % r)
    check("counted again" not in c.server_log(), "the centre counted nothing again:\n%s"
          % c.server_log()[-2000:])
    bad, _ = chain_consistent(c)
    check(bad == [], "rows: %r" % bad[:5])
    c.close()


def test_foreign_writes():
    """Other processes' commits while rows wait: only those that change the
    alert rows (or alert_flush) have the centre write its waiting rows and
    forget its open-alert memo before its next batch. Before migration 012
    any commit did (an admin "tenant add" made the next batch write every
    waiting row and ask the database for every key again)."""
    c, key, token, before = start_rows_waiting()
    tid = int(c.admin("tenant", "add", "--name", "Other KK", "--lang", "en"))
    c.admin("user", "add", "--tenant", str(tid), "--role", "owner", "--email",
            "owner@other.example", "--password-stdin", stdin=PASSWORD + "\n")
    r = c.ingest(key, [alert_event(5, sid=8000, ts=ts(4)), dns_event(6, ts=ts(4))])
    check(r.status == 200, "batch after admin: %r" % r)
    after = flush_state(c)
    check(after[0][0] == before[0][0] and after[1] == before[1],
          "the admin's writes touched no alert, the rows still wait: %r, before %r" %
          (after, before))
    # Another process changes an alert row: the next batch writes the rows
    # that wait first (1 + 4 events) and folds its own event after them.
    db = sqlite3.connect(os.path.join(c.data, "center.db"), timeout=30)
    with db:
        db.execute("UPDATE alerts SET updated_at = updated_at WHERE id = ?", (before[1][0][0],))
    db.close()
    r = c.ingest(key, [alert_event(7, sid=8000, ts=ts(5))])
    check(r.status == 200, "batch after the alert write: %r" % r)
    check(flush_state(c)[1][0][1] == 5, "rows written after another process's alert write: %r"
          % (flush_state(c),))
    r = c.request("GET", "/api/v1/alerts?tenant=%d" % 1, token=token)
    check(r.status == 200 and r.json["items"][0]["count"] == 6, "counts: %r" % r)
    bad, _ = chain_consistent(c)
    check(bad == [], "rows: %r" % bad[:5])
    c.close()


def test_read_recovers_at_flush_0():
    c, key, token = start("flush_ms = 60000\n")
    for i in range(4):  # the first fold is written at once, the later ones wait
        r = c.ingest(key, [alert_event(1 + i, sid=8000, ts=ts(i))])
        check(r.status == 200, "batch %d: %r" % (i, r))
    c.proc.send_signal(signal.SIGKILL)
    c.proc.wait(timeout=60)
    c.proc = None
    bad, _ = chain_consistent(c)
    check(bad != [], "the kill left the row behind its chain")
    with open(c.config) as f:
        conf = f.read()
    with open(c.config, "w") as f:
        f.write(conf.replace("flush_ms = 60000", "flush_ms = 0"))
    c.start()
    # No batch yet: the read itself has the chain counted.
    r = c.request("GET", "/api/v1/alerts", token=token)
    check(r.status == 200 and r.json["items"][0]["count"] == 4,
          "a read after the restart with flush_ms = 0: %r" % r)
    bad, _ = chain_consistent(c)
    check(bad == [], "rows after that read: %r" % bad[:5])
    check(c.server_log().count("counted again from the event chain") == 1, "counted once")
    # A clean stop and start: nothing is owned, nothing counted again.
    check(c.stop() == 0, "clean stop")
    c.start()
    r = c.request("GET", "/api/v1/alerts", token=token)
    check(r.status == 200 and r.json["items"][0]["count"] == 4, "after a clean restart: %r" % r)
    check(c.server_log().count("counted again from the event chain") == 1,
          "nothing counted after a clean restart")
    c.close()


def main():
    test_kill_mid_ingest()
    test_readers_while_posting()
    test_readers_while_locked()
    test_read_during_big_batch()
    test_admin_leaves_rows()
    test_foreign_writes()
    test_read_recovers_at_flush_0()
    print("ok")


if __name__ == "__main__":
    main()
