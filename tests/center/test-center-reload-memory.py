# SPDX-License-Identifier: Apache-2.0
"""Reloads (SIGHUP) free the settings they replace, with the real
mamori-center on 127.0.0.1: each reload reads the settings file into memory
(an INI), and the [mail] settings in force point into the one they came
from. Until session 29 every INI a reload read was kept until the server
stopped (GET /api/v1/duty might still read the duty text of one), a leak per
reload that an LSan run did not see (all freed at the stop).
- the settings file is made large (8,000 repeated [mail] duty lines, of
  which the last counts: about 2 MB in memory each time it is read), and
  its last duty address alternates at each of 60 reloads, so each reload
  replaces the settings in force: the centre's resident memory grows by
  less than 12 MB from the 10th reload to the 70th (with the INIs kept it
  grew by about 100 MB);
- GET /api/v1/duty is asked without pause all along: every answer names
  one of the two addresses (the text is read under the lock with which a
  reload replaces it, so the INI freed is never read: an ASan run would
  stop at a use after free);
- SIGTERM stops it cleanly (exit 0; under ASan, with no leak).
With mail off ([mail] enabled = no) the duty text is still the settings'
(/duty lists it with "mail_enabled": false), and a changed one is a change
of [mail]: no SMTP server is needed."""

import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import Center, PASSWORD, check, fail  # noqa: E402

FILLER = 8000
WARM = 10
RELOADS = 60
GROWTH_MAX_KB = 12 * 1024


def mail_section(last):
    lines = ["[mail]", "enabled = no"]
    lines += ["duty = filler-%05d-%s@vendor.example" % (i, "x" * 90) for i in range(FILLER)]
    lines.append("duty = %s" % last)
    return "\n".join(lines) + "\n"


def write_config(c, text):
    with open(c.config + ".new", "w") as out:
        out.write(text)
    os.replace(c.config + ".new", c.config)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    fail("no VmRSS for %d" % pid)


def reload(c, marker):
    before = c.server_log().count(marker)
    c.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 60
    while c.server_log().count(marker) <= before:
        check(c.proc.poll() is None, "the centre runs on after SIGHUP (exit %r): %s"
              % (c.proc.poll(), c.server_log()[-1500:]))
        check(time.time() < deadline, "timed out waiting for '%s'" % marker)
        time.sleep(0.02)


class Poller(threading.Thread):
    """GET /api/v1/duty without pause; every answer must name one of want."""

    def __init__(self, c, session, want):
        super().__init__(daemon=True)
        self.c, self.session, self.want = c, session, want
        self.stop, self.answered, self.bad = threading.Event(), 0, []

    def run(self):
        while not self.stop.is_set():
            try:
                r = self.c.request("GET", "/api/v1/duty", session=self.session)
                got = [i["email"] for i in r.json["items"] if i["source"] == "config"] \
                    if r.status == 200 else r
                if got in ([w] for w in self.want):
                    self.answered += 1
                else:
                    self.bad.append(got)
            except Exception as e:  # noqa: BLE001 - any failure is what this counts
                self.bad.append(repr(e))


def main():
    # ASan keeps freed memory aside (its quarantine, 256 MB by default)
    # instead of using it again: that would look like growth here
    opts = os.environ.get("ASAN_OPTIONS", "")
    os.environ["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "quarantine_size_mb=0"
    first, second = "day@vendor.example", "night@vendor.example"
    c = Center()
    with open(c.config) as f:
        base = f.read()
    write_config(c, base + mail_section(first))
    c.admin("create-admin", "--email", "admin@vendor.example", "--password-stdin",
            stdin=PASSWORD + "\n")
    c.start()
    s = c.login("admin@vendor.example")
    poller = Poller(c, s, (first, second))
    poller.start()
    done = "reloaded %s" % c.config
    try:
        for i in range(WARM + RELOADS):
            if i == WARM:
                rss0 = rss_kb(c.proc.pid)
            last = second if i % 2 == 0 else first
            write_config(c, base + mail_section(last))
            reload(c, done)
        rss1 = rss_kb(c.proc.pid)
    finally:
        poller.stop.set()
        poller.join(timeout=60)
    log = c.server_log()
    check("[mail] is unchanged" not in log, "each reload replaced [mail]: %s" % log[-1500:])
    r = c.request("GET", "/api/v1/duty", session=s)
    check(r.status == 200 and r.json["mail_enabled"] is False and
          [i["email"] for i in r.json["items"] if i["source"] == "config"] == [first],
          "/duty names the last file's address: %r" % r)
    check(poller.bad == [] and poller.answered > 0,
          "every /duty answer named one of the two addresses: %d answered, wrong %r"
          % (poller.answered, poller.bad[:3]))
    grew = rss1 - rss0
    check(grew < GROWTH_MAX_KB, "%d reloads grew the centre by %d kB (from %d kB): the "
          "settings replaced are not freed" % (RELOADS, grew, rss0))
    rc = c.stop()
    check(rc == 0, "clean stop: exit %d: %s" % (rc, c.server_log()[-1500:]))
    print("ok: %d reloads grew the centre by %d kB (%d /duty answers meanwhile)"
          % (RELOADS, grew, poller.answered))
    c.close()


if __name__ == "__main__":
    main()
