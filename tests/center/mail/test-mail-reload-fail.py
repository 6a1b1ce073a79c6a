# SPDX-License-Identifier: Apache-2.0
"""SIGHUP when the mail thread cannot start, with the real mamori-center and
the real SMTP sink of test-mail.py (aiosmtpd on 127.0.0.1).

What makes mm_mail_start fail for real: its first step is a write to the
outbox (mail_recover, BEGIN IMMEDIATE), and another process holding the
database's write lock past the busy timeout makes that write fail ([server]
busy_timeout_ms, 2 s here: each try waits it out, and with the default 10 s
this test took 85 s).
This test is that other process: Python's sqlite3 module on center.db,
holding BEGIN IMMEDIATE while the centre reloads (a backup or an sqlite3
shell left in a transaction does the same). The CA file cannot do it: it is
read by the reload's check, before any start (a bad one is `reload.failed`,
changing nothing, test-mail-reload.py), and the old settings keep its text
in memory.
- the new [mail] settings do not start (the lock held), the lock is let go
  once the log says so (its own line, written before the old settings are
  started again), the old ones start again: the log says the settings were
  not reloaded and why, /duty says mail is on with the old duty address, the next alert
  is mailed through the old settings;
- neither starts (the lock held through both), while a mail waits in the
  outbox for the SMTP server: the log says no mail is sent, /duty says mail
  is off, the waiting row stays in the outbox, an alert raised meanwhile
  queues nothing; the log says to reload or restart once the cause is gone;
- with mail off that way, a reload of the same [mail] with the lock held
  tries that start once, not twice (one busy timeout, not two, SIGTERM
  blocked);
- a later reload of the file the centre ran with ([mail] the same as the
  old settings) starts mail again (until session 27 it said "[mail] is
  unchanged" and left mail off), and the waiting mail and the alert raised
  while mail was off are each mailed once;
- neither again, then a reload whose new settings fail while the old ones
  start: the log says mail started again with the previous settings, not
  "nothing was changed", and /duty says mail is on;
- requests sent all along are all answered; SIGTERM stops it (exit 0)."""

import importlib.util
import os
import re
import signal
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("reloadtest",
                                               os.path.join(HERE, "test-mail-reload.py"))
reloadtest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reloadtest)  # skips (77) itself when aiosmtpd is missing

from centerlib import check, write_locked  # noqa: E402

mailtest = reloadtest.mailtest
Fixture, Sink, wait_for, free_port = (mailtest.Fixture, mailtest.Sink, mailtest.wait_for,
                                      mailtest.free_port)
write_config, mail_enabled, config_duty, Poller = (reloadtest.write_config,
                                                   reloadtest.mail_enabled,
                                                   reloadtest.config_duty, reloadtest.Poller)

OWNER = "owner@reloadfail.example"
TENANT = "再読込失敗工業"
STARTED = "mail: sending through"
NOT_RELOADED = "the settings were not reloaded"
# since session 27 the cause, not "database error" (test-center-db-busy.py)
BUSY = "cannot start: the database is busy: another program holds it"
NO_MAIL = "mail could be started again with neither the new nor the old settings"
NEW_FAILED = "mail: cannot start with the new [mail] settings: "
AGAIN = "reload the settings again (SIGHUP, systemctl reload) or restart the centre"
BACK = "mail, which was off, started again with the previous settings"
BUSY_S = 2  # [server] busy_timeout_ms, in seconds


def reload_until(f, marker):
    """SIGHUP, then waits for one more log line holding marker: a stop and
    two starts, each waiting out the busy timeout, take about 2 * BUSY_S."""
    before = f.c.server_log().count(marker)
    f.c.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: f.c.server_log().count(marker) > before or f.c.proc.poll() is not None,
             "the log line '%s'" % marker, timeout=120)
    check(f.c.proc.poll() is None, "the centre runs on after SIGHUP (exit %r)" % f.c.proc.poll())


def mails(sink):
    return sink.to(OWNER)


def main():
    port = free_port()
    sink = Sink()
    sink.start(port)
    f = Fixture(port)
    with open(f.c.config) as cf:
        mail_on = cf.read().replace("immediate_max = 3\n", "immediate_max = 100\n")
    mail_on += "[server]\nbusy_timeout_ms = %d\n" % (BUSY_S * 1000)
    duty_line = "duty = duty@vendor.example\n"
    check(duty_line in mail_on, "the fixture's [mail] has a duty line")
    night = mail_on.replace(duty_line, "duty = night@vendor.example\n")
    write_config(f, mail_on)
    poller = None
    try:
        f.c.start()
        tid = f.tenant(TENANT, "ja", [OWNER])
        f.alerts(TENANT, 1, sev=1, src_base=1)
        wait_for(lambda: len(mails(sink)) == 1, "the first mail")
        poller = Poller(f)
        poller.start()

        # 1. the new settings do not start, the old ones do
        starts = f.c.server_log().count(STARTED)
        refused = f.c.server_log().count(NOT_RELOADED)
        write_config(f, night)
        with write_locked(f.c.data):
            reload_until(f, NEW_FAILED)
            check(f.c.server_log().count(NOT_RELOADED) == refused,
                  "the new settings' failure is told before the old ones are started again")
        wait_for(lambda: f.c.server_log().count(STARTED) > starts or f.c.proc.poll() is not None,
                 "the old settings started again")
        wait_for(lambda: f.c.server_log().count(NOT_RELOADED) > refused, "reload.failed")
        log = f.c.server_log()
        check("%s (mail: %s" % (NOT_RELOADED, BUSY) in log, "the log says why: %s" % log[-2000:])
        check(NEW_FAILED + BUSY[len("cannot start: "):] in log,
              "the new settings' line says why: %s" % log[-2000:])
        check(re.search(r"mail: cannot start$", log, re.M) is None,
              "no generic 'mail: cannot start' line as well: %s" % log[-2000:])
        check(NO_MAIL not in log and "reloaded %s" % f.c.config not in log,
              "neither 'no mail' nor 'reloaded': %s" % log[-2000:])
        check(mail_enabled(f) is True, "/duty: mail on with the old settings")
        check(config_duty(f) == ["duty@vendor.example"], "the old duty: %r" % config_duty(f))
        f.alerts(TENANT, 1, sev=1, src_base=10)
        wait_for(lambda: len(mails(sink)) == 2, "the second mail, through the old settings")
        check("duty@vendor.example" in mails(sink)[1][0] and
              "night@vendor.example" not in mails(sink)[1][0],
              "sent to the old duty address: %r" % (mails(sink)[1][0],))

        # 2. neither starts, with a mail waiting for the SMTP server
        sink.stop()
        f.alerts(TENANT, 1, sev=1, src_base=20)
        wait_for(lambda: len(f.outbox(tid)) == 3 and
                 f.outbox(tid)[2][4] >= 1 and f.outbox(tid)[2][2] == "pending",
                 "the third mail waiting after a failed attempt")
        starts = f.c.server_log().count(STARTED)
        with write_locked(f.c.data):
            reload_until(f, NO_MAIL)
        check(f.c.server_log().count(STARTED) == starts, "no mail thread started")
        check(mail_enabled(f) is False, "/duty: mail off when neither starts")
        check(AGAIN in f.c.server_log(), "the log says to reload or restart: %s"
              % f.c.server_log()[-2000:])
        rows = f.outbox(tid)
        check(len(rows) == 3 and rows[2][2] == "pending",
              "the waiting mail stays in the outbox: %r" % rows)
        f.alerts(TENANT, 1, sev=1, src_base=30)
        time.sleep(1.0)  # ten rounds of poll_ms: no thread scans it
        check(len(f.outbox(tid)) == 3, "no mail queued while mail is off: %r" % f.outbox(tid))
        sink.start(port)
        time.sleep(1.0)
        check(len(mails(sink)) == 2, "nothing sent while mail is off")

        # 2b. the same [mail] as the old settings, the lock still held: one start, not two
        write_config(f, mail_on)
        with write_locked(f.c.data):
            t0 = time.monotonic()
            reload_until(f, NO_MAIL)
            took = time.monotonic() - t0
        check(BUSY_S * 0.9 <= took < BUSY_S * 1.7,
              "the same settings are tried once, not twice: %.1f s" % took)
        check(mail_enabled(f) is False, "/duty: mail still off")
        check(f.c.server_log().count(STARTED) == starts, "no mail thread started")

        # 3. the file the centre ran with, reloaded: mail on again
        reload_until(f, "reloaded %s" % f.c.config)
        check(mail_enabled(f) is True, "/duty: mail on after a good reload")
        check(f.c.server_log().count(STARTED) == starts + 1, "the mail thread started again")
        wait_for(lambda: len(mails(sink)) == 4, "the waiting mail and the held alert's")
        time.sleep(1.0)
        rows = f.outbox(tid)
        check(len(mails(sink)) == 4 and len(rows) == 4 and all(r[2] == "sent" for r in rows),
              "each alert mailed once: %d mails, rows %r" % (len(mails(sink)), rows))
        ids = [m[1]["Message-ID"].strip("<>") for m in mails(sink)]
        check(len(set(ids)) == 4 and sorted(ids) == sorted(r[3].strip("<>") for r in rows),
              "one message per outbox row: %r / %r" % (ids, rows))

        # 4. neither again, then the new settings fail and the old ones start
        write_config(f, night)
        with write_locked(f.c.data):
            reload_until(f, NO_MAIL)
        check(mail_enabled(f) is False, "/duty: mail off when neither starts, again")
        starts = f.c.server_log().count(STARTED)
        refused = f.c.server_log().count(NOT_RELOADED)
        back = f.c.server_log().count(BACK)
        with write_locked(f.c.data):
            reload_until(f, NEW_FAILED)
        wait_for(lambda: f.c.server_log().count(BACK) > back, "mail started again")
        log = f.c.server_log()
        check(log.count(STARTED) == starts + 1, "the old settings started: %s" % log[-2000:])
        check("%s (mail: %s" % (NOT_RELOADED, BUSY) in log.split(NEW_FAILED)[-1] and
              "nothing was changed" not in log.split(NEW_FAILED)[-1],
              "the log says mail is on again, not 'nothing was changed': %s" % log[-2000:])
        check(mail_enabled(f) is True, "/duty: mail on with the old settings")
        check(config_duty(f) == ["duty@vendor.example"], "the old duty: %r" % config_duty(f))

        answered = poller.finish("failed reloads")
        print("ok: reload when mail cannot start (%d requests answered meanwhile)" % answered)
    finally:
        if poller:
            poller.stop.set()
        f.stop(sink)
    f.c.close()


if __name__ == "__main__":
    main()
