# SPDX-License-Identifier: Apache-2.0
"""Another program holding the database's write lock past the busy timeout
([server] busy_timeout_ms, 1.5 s here: the default 10 s made this test
wait 20 s), with the real mamori-center on a real SQLite file: this test is that
program, Python's sqlite3 module holding BEGIN IMMEDIATE on center.db (a
backup or an sqlite3 shell left in a transaction does the same).
- a read is answered meanwhile (WAL: readers do not wait for the writer);
- a write waits the busy timeout set (not the default 10 s), then is
  answered 503 `db_busy` with Retry-After (the timeout in seconds,
  rounded up: 2) and a message that says another program uses the
  database, not 500 `internal`;
- the log says the database is busy because another program holds it, and
  what to do, not only "database error";
- once the lock is let go the same write succeeds;
- a sign-in the busy database fails (503) does not count as a failed login:
  with [auth] login_max_failures = 1 the next one, the lock let go, signs
  in (until session 27 it was refused 429 as locked out);
- a reload (SIGHUP) of busy_timeout_ms = 300 takes effect at once: the
  next refused write waits about 0.3 s, Retry-After 1;
- busy_timeout_ms takes digits only, 100-600000: another value is refused
  (exit 2) naming the key."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import PASSWORD, Center, check, write_locked  # noqa: E402

BUSY_MS = 1500
BUSY_LOG = ("the database is busy: another program holds it (a backup or an sqlite3 shell?); "
            "try again when it is done")


def main():
    c = Center(config="login_max_failures = 1\n"  # in [auth]
               "[server]\nbusy_timeout_ms = %d\n" % BUSY_MS)
    c.admin("create-admin", "--email", "admin@vendor.example", "--password-stdin",
            stdin=PASSWORD + "\n")
    c.start()
    s = c.login("admin@vendor.example")
    body = {"name": "SME Busy"}
    with write_locked(c.data):
        r = c.request("GET", "/api/v1/tenants", session=s)
        check(r.status == 200, "a read while another program writes: %r" % r)
        began = time.monotonic()
        r = c.request("POST", "/api/v1/tenants", body, session=s)
        waited = time.monotonic() - began
        check(r.status == 503 and r.json and r.json["error"] == "db_busy",
              "a write past the busy timeout: 503 db_busy, not 500: %r" % r)
        check(r.headers.get("retry-after") == "2", "Retry-After: %r" % r.headers)
        check("別のプログラム" in r.json["message"], "the reply says why (ja): %r" % r)
        check(BUSY_MS / 1000 * 0.9 <= waited < 8,
              "it waited the busy timeout set first (%.1f s)" % waited)
    log = c.server_log()
    check("POST /api/v1/tenants: " + BUSY_LOG in log, "the log says why: %s" % log[-2000:])
    check("database error" not in log, "not only 'database error': %s" % log[-2000:])
    r = c.request("POST", "/api/v1/tenants", body, session=s)
    check(r.status == 201 and r.json["name"] == "SME Busy", "after the lock is let go: %r" % r)
    with write_locked(c.data):
        r = c.request("POST", "/api/v1/login", {"email": "admin@vendor.example",
                                                "password": PASSWORD})
        check(r.status == 503, "a sign-in the busy database fails: 503: %r" % r)
    c.login("admin@vendor.example")  # checks 200: the busy one did not lock the account
    with open(c.config) as f:
        text = f.read()
    with open(c.config, "w") as f:
        f.write(text.replace("busy_timeout_ms = %d" % BUSY_MS, "busy_timeout_ms = 300"))
    c.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while "reloaded " + c.config not in c.server_log() and time.monotonic() < deadline:
        time.sleep(0.05)
    check("busy_timeout_ms changed from %d ms to 300 ms" % BUSY_MS in c.server_log(),
          "the reload says the new busy timeout: %s" % c.server_log()[-2000:])
    with write_locked(c.data):
        began = time.monotonic()
        r = c.request("POST", "/api/v1/tenants", {"name": "SME Busy 2"}, session=s)
        waited = time.monotonic() - began
        check(r.status == 503 and r.headers.get("retry-after") == "1",
              "after the reload: 503, Retry-After 1: %r %r" % (r, r.headers))
        check(0.25 <= waited < BUSY_MS / 1000 * 0.9,
              "after the reload it waited the new busy timeout (%.2f s)" % waited)
    c.close()
    for bad in ("99", "600001", "+500", "1e3", "1.5"):
        b = Center(config="[server]\nbusy_timeout_ms = %s\n" % bad)
        p = b.admin("tenant", "list", expect=2)
        check("busy_timeout_ms" in p.stderr and "100" in p.stderr and "600000" in p.stderr,
              "busy_timeout_ms = %r refused naming the key and range: %s" % (bad, p.stderr))
        b.close()
    print("ok: a busy database is 503 with Retry-After and said in the log, "
          "and not counted as a failed login")


if __name__ == "__main__":
    main()
