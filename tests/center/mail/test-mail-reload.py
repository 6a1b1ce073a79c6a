# SPDX-License-Identifier: Apache-2.0
"""SIGHUP makes the real mamori-center read its settings file again, against
the real SMTP sink of test-mail.py (aiosmtpd on 127.0.0.1):
- started with mail off ([mail] without host), GET /api/v1/duty says
  "mail_enabled": false and an alert mails nobody; the file is edited to
  name the sink, SIGHUP: /duty says true and the next alert's mail arrives,
  while requests sent all along the reloads are all answered;
- a file that no longer parses, and one with a wrong [mail] value: the log
  says the settings were not reloaded and why, and the old ones stay
  (mail still on, the next alert still mailed);
- a changed [server] listen port is logged as needing a restart (a changed
  busy_timeout_ms is taken at once, test-center-db-busy.py) and the
  server goes on answering where it was;
- a misspelt setting and section are told as not settings, never also as
  "changed... restart";
- a reload with [mail] unchanged says so and leaves the mail thread alone;
- [mail] duty changed by a reload: /duty's "config" items follow it;
- a reload while a mail is in its SMTP data phase waits for it, and it is
  sent once (the new thread's start recovers rows left sending, but the
  old thread has finished the row by then);
- a wrong [reports] timezone: the reload warns that a restart would fail;
- [mail] turned off again by a reload: /duty says false;
- SIGTERM still stops it cleanly (exit 0);
- started with --listen, a changed [server] listen is logged as replaced by
  the option (a restart would not use it either);
- a wrong [server] listen that --listen replaces is warned about once at the
  start, not again by reloads of the same file, once for a new wrong value."""

import importlib.util
import os
import signal
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("mailtest", os.path.join(HERE, "test-mail.py"))
mailtest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mailtest)  # skips (77) itself when aiosmtpd is missing

import centerlib  # noqa: E402
from centerlib import check  # noqa: E402

Fixture, Sink, wait_for, free_port = (mailtest.Fixture, mailtest.Sink, mailtest.wait_for,
                                      mailtest.free_port)

OWNER = "owner@reload.example"


def write_config(f, text):
    with open(f.c.config + ".new", "w") as out:
        out.write(text)
    os.replace(f.c.config + ".new", f.c.config)


def start_listening_from_file(f):
    """Starts the centre without --listen: it listens where the file's
    [server] listen says (centerlib's start always gives --listen)."""
    args = [centerlib.BIN, "--data", f.c.data, "--config", f.c.config, "--port-file",
            f.c.port_file, "--threads", "4"]
    f.c.proc = subprocess.Popen(args, stdout=f.c.log, stderr=f.c.log)
    wait_for(lambda: os.path.exists(f.c.port_file) or f.c.proc.poll() is not None,
             "the centre to start")
    check(f.c.proc.poll() is None, "the centre started: %s" % f.c.server_log()[-2000:])
    with open(f.c.port_file) as pf:
        f.c.port = int(pf.read())


def reload(f, marker):
    """Sends SIGHUP and waits for one more log line holding marker."""
    before = f.c.server_log().count(marker)
    f.c.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: f.c.server_log().count(marker) > before or f.c.proc.poll() is not None,
             "the log line '%s'" % marker)
    check(f.c.proc.poll() is None, "the centre runs on after SIGHUP (exit %r)" % f.c.proc.poll())


def mail_enabled(f):
    r = f.c.request("GET", "/api/v1/duty", token=f.token)
    check(r.status == 200, "duty: %r" % r)
    return r.json["mail_enabled"]


def config_duty(f):
    r = f.c.request("GET", "/api/v1/duty", token=f.token)
    check(r.status == 200, "duty: %r" % r)
    return sorted(i["email"] for i in r.json["items"] if i["source"] == "config")


def alert_mailed(f, sink, src_base, total):
    """One more alert of the tenant; waits until the sink holds total mails
    to the owner (the alert raised while mail was off is mailed too, once
    mail is on)."""
    f.alerts("再読込工業", 1, sev=1, src_base=src_base)
    wait_for(lambda: len(sink.to(OWNER)) >= total, "mail number %d" % total)


class Poller(threading.Thread):
    """GET /api/v1/duty without pause while the centre reloads: every
    request must be answered (a reload drops none)."""

    def __init__(self, f):
        super().__init__(daemon=True)
        self.f, self.stop, self.answered, self.bad = f, threading.Event(), 0, []

    def run(self):
        while not self.stop.is_set():
            try:
                r = self.f.c.request("GET", "/api/v1/duty", token=self.f.token)
                if r.status == 200:
                    self.answered += 1
                else:
                    self.bad.append(r.status)
            except Exception as e:  # noqa: BLE001 - any failure is what this counts
                self.bad.append(repr(e))
            time.sleep(0.01)

    def finish(self, what):
        """The end of the reloads: stops polling, checks every request was
        answered (and some were), then stops the centre, which must exit 0;
        what names the reloads in the messages. Returns how many were
        answered."""
        self.stop.set()
        self.join(timeout=60)
        check(self.bad == [] and self.answered > 0,
              "every request answered during the %s: %d answered, failures %r"
              % (what, self.answered, self.bad[:5]))
        rc = self.f.c.stop()
        check(rc == 0, "clean stop after the %s: exit %d" % (what, rc))
        return self.answered


def main():
    port = free_port()
    sink = Sink()
    sink.start(port)
    f = Fixture(port)
    with open(f.c.config) as cf:
        mail_on = cf.read()
    on_line = "[mail]\nhost = 127.0.0.1\nport = %d\n" % port
    check(on_line in mail_on and "immediate_max = 3\n" in mail_on,
          "the fixture's [mail] names the sink")
    # no throttling here: each alert gets its own mail
    mail_on = mail_on.replace("immediate_max = 3\n", "immediate_max = 100\n")
    listen = "[server]\nlisten = 127.0.0.1:%d\n" % free_port()
    mail_on += listen
    mail_off = mail_on.replace(on_line, "[mail]\n")
    write_config(f, mail_off)
    try:
        start_listening_from_file(f)
        tid = f.tenant("再読込工業", "ja", [OWNER])
        check(mail_enabled(f) is False, "/duty: mail off at the start")
        f.alerts("再読込工業", 1, sev=1, src_base=1)
        time.sleep(1.0)
        check(sink.to(OWNER) == [], "no mail while mail is off")

        poller = Poller(f)
        poller.start()
        write_config(f, mail_on)
        reload(f, "reloaded %s" % f.c.config)
        check(mail_enabled(f) is True, "/duty: mail on after SIGHUP")
        check("mail: sending through 127.0.0.1:%d" % port in f.c.server_log(),
              "the log names the new SMTP server")
        alert_mailed(f, sink, 10, 2)

        # a file that no longer parses: logged, nothing changed
        write_config(f, mail_on + "[mail\nhost 127.0.0.1\n")
        reload(f, "the settings were not reloaded")
        check(mail_enabled(f) is True, "/duty: mail still on after a broken file")
        alert_mailed(f, sink, 20, 3)
        # a wrong value in [mail]: named, nothing changed
        write_config(f, mail_on.replace(on_line, "[mail]\nhost = 127.0.0.1\nport = 99999\n"))
        reload(f, "the settings were not reloaded")
        log = f.c.server_log()
        check("[mail] port must be an integer 1-65535" in log and f.c.config in log,
              "the wrong value and its file named: %s" % log[-2000:])
        check(mail_enabled(f) is True, "/duty: mail still on after a wrong value")
        alert_mailed(f, sink, 30, 4)

        # a new listening port: needs a restart, said in the log; a new busy
        # timeout is taken at once
        other = free_port()
        write_config(f, mail_on.replace(listen, "[server]\nlisten = 127.0.0.1:%d\nlisen = x\n"
                                        "busy_timeout_ms = 2000\n" % other) + "[mial]\nhost = x\n")
        reload(f, "reloaded %s" % f.c.config)
        log = f.c.server_log()
        check("%s: [server] listen changed, but a reload does not change this setting"
              % f.c.config in log, "the new port logged as needing a restart")
        check("[server] busy_timeout_ms changed from 10000 ms to 2000 ms" in log and
              "busy_timeout_ms changed, but" not in log,
              "the busy timeout taken at once, not as needing a restart: %s" % log[-2000:])
        check("[server] lisen is not a setting" in log and "section [mial] is not one" in log,
              "the typos told as not settings: %s" % log[-2000:])
        check("lisen changed" not in log and "[mial] host changed" not in log,
              "a typo is not also told as changed: %s" % log[-2000:])
        check(mail_enabled(f) is True, "still answering on the old port")
        alert_mailed(f, sink, 40, 5)

        # [mail] unchanged: the mail thread is not restarted
        starts = f.c.server_log().count("mail: sending through")
        reload(f, "reloaded %s" % f.c.config)
        log = f.c.server_log()
        check("mail: [mail] is unchanged" in log, "the log says [mail] is unchanged")
        check(log.count("mail: sending through") == starts,
              "the mail thread was not restarted: %s" % log[-2000:])

        # [mail] duty changed: /duty's addresses from the file follow it
        check(config_duty(f) == ["duty@vendor.example"], "duty at first: %r" % config_duty(f))
        duty_line = "duty = duty@vendor.example\n"
        check(duty_line in mail_on, "the fixture's [mail] has a duty line")
        write_config(f, mail_on.replace(duty_line, "duty = night@vendor.example, "
                                        "day@vendor.example\n"))
        reload(f, "reloaded %s" % f.c.config)
        check(config_duty(f) == ["day@vendor.example", "night@vendor.example"],
              "duty after the reload: %r" % config_duty(f))

        # a reload while a mail is being sent (the sink holds its reply to
        # the data): the old thread is stopped after that mail, its row
        # recorded sent, before the new thread's start recovers rows left
        # sending (mail_recover): it finds none, and the mail goes out once
        sink.delay = 3
        sink.in_data.clear()
        f.alerts("再読込工業", 1, sev=1, src_base=45)
        wait_for(sink.in_data.is_set, "the SMTP data phase of mail number 6")
        write_config(f, mail_on.replace(duty_line, "duty = dusk@vendor.example\n"))
        t0 = time.monotonic()
        reload(f, "reloaded %s" % f.c.config)
        took = time.monotonic() - t0
        sink.delay = 0
        check(took >= 1.5, "the reload waited for the mail in flight: %.1f s" % took)
        log = f.c.server_log()
        check("queued again" not in log and "marked uncertain" not in log,
              "no row left sending or in transfer for the recovery: %s" % log[-2000:])
        time.sleep(1.5)  # a second send would come within poll_ms
        rows = f.outbox(tid)
        check(len(sink.to(OWNER)) == 6 and len(rows) == 6 and all(r[2] == "sent" for r in rows),
              "the mail in flight sent once: %d mails, rows %r" % (len(sink.to(OWNER)), rows))

        # a wrong timezone: [mail] taken, but a restart would fail, said now
        write_config(f, mail_on + "[reports]\ntimezone = Mars/Olympus\n")
        reload(f, "reloaded %s" % f.c.config)
        check("a restart with this file would fail" in f.c.server_log() and
              "Mars/Olympus" in f.c.server_log(), "the wrong timezone warned about: %s"
              % f.c.server_log()[-2000:])
        check(config_duty(f) == ["duty@vendor.example"], "the file's [mail] still taken")

        # mail off again
        write_config(f, mail_off)
        reload(f, "reloaded %s" % f.c.config)
        check(mail_enabled(f) is False, "/duty: mail off after a reload turned it off")
        check("mail: no mail is sent" in f.c.server_log(), "the log says mail is off")

        time.sleep(0.5)
        check(len(sink.to(OWNER)) == 6, "each alert mailed once across the reloads: %d"
              % len(sink.to(OWNER)))
        poller.finish("reloads")

        # --listen replaces the file's [server] listen: not "restart", but why
        f.c.start()
        write_config(f, mail_off.replace(listen, "[server]\nlisten = 127.0.0.1:%d\n" % other))
        reload(f, "reloaded %s" % f.c.config)
        check("%s: [server] listen changed, but --listen on the command line replaces this "
              "setting" % f.c.config in f.c.server_log(), "the option named: %s"
              % f.c.server_log()[-1500:])
        check(mail_enabled(f) is False, "still answering after the reload")

        # a wrong [server] listen that --listen replaces: warned once at the
        # start, not again by a reload of the same file (until session 26
        # each SIGHUP said it again); a different wrong value is told once
        check(f.c.stop() == 0, "clean stop before the wrong-listen start")
        bad = "listen = not-an-address\n"
        write_config(f, mail_off.replace(listen, "[server]\n" + bad))
        said = "[server] listen \"%s\" is not ADDR:PORT"
        before = f.c.server_log().count(said % "not-an-address")
        f.c.start()
        check(f.c.server_log().count(said % "not-an-address") == before + 1,
              "the replaced listen warned about at the start: %s" % f.c.server_log()[-1500:])
        reload(f, "reloaded %s" % f.c.config)
        reload(f, "reloaded %s" % f.c.config)
        check(f.c.server_log().count(said % "not-an-address") == before + 1,
              "the same replaced listen not warned about again by two reloads: %s"
              % f.c.server_log()[-2500:])
        write_config(f, mail_off.replace(listen, "[server]\nlisten = still-wrong\n"))
        reload(f, "reloaded %s" % f.c.config)
        reload(f, "reloaded %s" % f.c.config)
        check(f.c.server_log().count(said % "still-wrong") == 1,
              "a different wrong listen warned about once: %s" % f.c.server_log()[-2500:])
        check(f.c.server_log().count(said % "not-an-address") == before + 1,
              "the first one not repeated")
        print("ok: reload on SIGHUP (%d requests answered meanwhile)" % poller.answered)
    finally:
        f.stop(sink)
    f.c.close()


if __name__ == "__main__":
    main()
