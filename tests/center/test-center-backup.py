# SPDX-License-Identifier: Apache-2.0
"""`mamori-center admin backup --output FILE` with the real mamori-center on
a real SQLite file, sensors posting events all the while:
- each backup, taken while a sensor's batches keep arriving, prints FILE and
  its size (tab-separated), is mode 0600, passes PRAGMA integrity_check, and
  leaves no temporary file beside it; the batches are all accepted
  (the backup holds up no writer);
- an existing FILE is never overwritten (exit 1, a message in English or
  Japanese, the file unchanged); a --data without a database is exit 1 and
  makes nothing (no empty database backed up); a missing --output or an empty one is a
  usage error (exit 2); a folder that does not exist is exit 1 and nothing
  is written;
- a copy that fails half-way (a file size limit on the admin command) is
  exit 1 and leaves neither FILE nor a part of it;
- restoring as docs/deploy.md says (stop the server, the copy put as
  DIR/center.db, center.db-wal and -shm removed, start) serves the alerts
  that were there at the backup, and not those that came after it."""

import glob
import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import BIN, Center, alert_event, check, start_world  # noqa: E402


class Poster(threading.Thread):
    """A sensor posting small batches of alert events until stopped."""

    def __init__(self, c, key):
        super().__init__(daemon=True)
        self.c, self.key = c, key
        self.seq, self.batches, self.bad = 100, 0, []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            evs = [alert_event(self.seq + i, sid=3000 + (self.seq + i) % 7) for i in range(20)]
            self.seq += 20
            r = self.c.ingest(self.key, evs)
            if r.status != 200 or r.json["accepted"] != 20:
                self.bad.append(r)
            self.batches += 1


def alert_ids(c, session):
    r = c.request("GET", "/api/v1/alerts?limit=200", session=session)
    check(r.status == 200, "alerts: %r" % r)
    return {a["id"] for a in r.json["items"]}


def check_copy(path, out):
    check(out == "%s\t%d" % (path, os.path.getsize(path)), "backup printed %r" % out)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    check(mode == 0o600, "backup mode %o, not 600" % mode)
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        check(db.execute("PRAGMA integrity_check").fetchall() == [("ok",)],
              "integrity_check of %s" % path)
        n = db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
        check(n >= 4, "only %d alerts in the backup" % n)
    finally:
        db.close()
    left = glob.glob(path + ".partial-*") + glob.glob(path + "-journal")
    check(not left, "left beside the backup: %r" % left)


def backups_while_posting(c, w, folder):
    poster = Poster(c, w.tenants["A"]["key"])
    poster.start()
    try:
        paths = []
        for i in range(5):
            path = os.path.join(folder, "center-%d.db" % i)
            before = poster.batches
            check_copy(path, c.admin("backup", "--output", path))
            paths.append((path, poster.batches - before))
    finally:
        poster.done.set()
        poster.join(timeout=60)
    check(not poster.bad, "batches refused during the backups: %r" % poster.bad[:3])
    check(poster.batches >= 5 and any(n > 0 for _, n in paths),
          "no batch arrived while a backup ran: %r" % paths)
    return paths[-1][0]


def refusals(c, path, folder):
    with open(path, "rb") as f:
        before = f.read()
    p = c.admin("backup", "--output", path, expect=1)
    check("exists already and is not overwritten" in p.stderr and p.stdout == "",
          "overwrite: %r" % p.stderr)
    p = c.admin("backup", "--output", path, expect=1, env={"LANG": "ja_JP.UTF-8"})
    check("すでにあるため、上書きしません" in p.stderr, "overwrite, ja: %r" % p.stderr)
    with open(path, "rb") as f:
        check(f.read() == before, "the existing backup was changed")
    p = c.admin("backup", expect=2)
    check("--output: required by this subcommand" in p.stderr, "no --output: %r" % p.stderr)
    p = c.admin("backup", "--output", "", expect=2)
    check("--output: give the backup's file name" in p.stderr, "empty --output: %r" % p.stderr)
    missing = os.path.join(folder, "no-such-folder", "x.db")
    p = c.admin("backup", "--output", missing, expect=1)
    check("the backup file could not be created: " + missing in p.stderr, "%r" % p.stderr)
    check(not os.path.exists(os.path.dirname(missing)), "a folder was made for the backup")
    # a wrong --data: no empty database made and backed up
    wrong = os.path.join(c.tmp, "no-such-data")
    p = subprocess.run([BIN, "admin", "--data", wrong, "backup", "--output",
                        os.path.join(folder, "wrong.db")], capture_output=True, text=True,
                       timeout=60)
    check(p.returncode == 1 and "no centre database in this data directory: check --data: " +
          os.path.join(wrong, "center.db") in p.stderr, "wrong --data: %r" % p.stderr)
    check(not os.path.exists(wrong) and not os.path.exists(os.path.join(folder, "wrong.db")),
          "a backup with a wrong --data made something")


def limit_file_size():
    """In the admin command's process: files past 64 KiB cannot be written
    (a full disk, in effect); EFBIG instead of the signal."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))


def failed_copy(c, folder):
    path = os.path.join(folder, "half.db")
    p = c.admin("backup", "--output", path, expect=1, preexec=limit_file_size)
    check("the backup could not be made; the partly written file was removed" in p.stderr,
          "a copy past the size limit: %r" % p.stderr)
    left = [n for n in os.listdir(folder) if n.startswith("half.db")]
    check(not left, "a failed backup left %r" % left)


def restore(c, backup, owner):
    """docs/deploy.md's restore: stop, put the copy as DIR/center.db,
    remove -wal and -shm, start."""
    c.stop()
    db = os.path.join(c.data, "center.db")
    with open(backup, "rb") as src, open(db, "wb") as dst:
        dst.write(src.read())
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    c.start()


def main():
    c = Center()
    w = start_world(c)
    folder = os.path.join(c.tmp, "backups")
    os.mkdir(folder)
    owner = "owner@a.example"
    backup = backups_while_posting(c, w, folder)
    at_backup = alert_ids(c, c.login(owner))
    refusals(c, backup, folder)
    failed_copy(c, folder)
    # after the backup: an alert the restored centre must not have
    r = c.ingest(w.tenants["A"]["key"], [alert_event(100000, sid=4242, src="10.9.9.9")])
    check(r.status == 200 and r.json["accepted"] == 1, "ingest after the backup: %r" % r)
    after = alert_ids(c, c.login(owner)) - at_backup
    check(after, "no new alert after the backup")
    restore(c, backup, owner)
    restored = alert_ids(c, c.login(owner))
    check(restored == at_backup, "restored alerts %r, at the backup %r" % (
        sorted(restored), sorted(at_backup)))
    c.close()
    print("ok")


if __name__ == "__main__":
    main()
