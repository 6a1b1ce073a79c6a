# SPDX-License-Identifier: Apache-2.0
"""A mail whose outbox row cannot be marked 'transfer' is not sent, with the
real mamori-center and the real SMTP sink of test-mail.py (aiosmtpd on
127.0.0.1), here holding its reply to the first RCPT for 3 s.

The row is claimed ('sending', committed), then, while the sink waits, this
test takes the database's write lock (Python's sqlite3, BEGIN IMMEDIATE, as
a backup or an sqlite3 shell would) and holds it past the busy timeout
([server] busy_timeout_ms = 1000) of both the mark ('transfer', when the
body is about to flow) and the outcome that follows: the row stays
'sending'. Until session 29 the body was sent all the same: the sink kept
the mail, and the next recovery of rows left 'sending' (the next start of
the mail thread: a reload with another [mail], as here, or a restart)
queued it again, so it arrived twice (mail.md "The outbox and its states").
- the log says the row could not be marked, and the attempt says the
  content was not sent; the sink holds no mail after it;
- a reload with another [mail] duty recovers the row ('sending' ->
  'pending', "queued again") and the mail is sent: exactly one message."""

import importlib.util
import os
import signal
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("mailtest", os.path.join(HERE, "test-mail.py"))
mailtest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mailtest)  # skips (77) itself when aiosmtpd is missing

from centerlib import check, write_locked  # noqa: E402

Fixture, Sink, wait_for, free_port = (mailtest.Fixture, mailtest.Sink, mailtest.wait_for,
                                      mailtest.free_port)

OWNER = "owner@unmarked.example"
TENANT = "記録失敗工業"
MARK_FAILED = "cannot mark outbox row %d in transfer"
RECORD_FAILED = "cannot record the outcome of row %d"
NOT_SENT = "so its content was not sent"


class SlowSink(Sink):
    """Holds its reply to the first RCPT of a session for rcpt_delay s."""

    def __init__(self):
        super().__init__()
        self.rcpt_delay = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_delay and not getattr(session, "mm_delayed", False):
            session.mm_delayed = True
            await mailtest.asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def write_config(f, text):
    with open(f.c.config + ".new", "w") as out:
        out.write(text)
    os.replace(f.c.config + ".new", f.c.config)


def main():
    port = free_port()
    sink = SlowSink()
    sink.start(port)
    f = Fixture(port, extra="[server]\nbusy_timeout_ms = 1000\n")
    try:
        f.c.start()
        tid = f.tenant(TENANT, "ja", [OWNER])
        sink.rcpt_delay = 3
        f.alerts(TENANT, 1, sev=1, src_base=1)
        wait_for(lambda: [r for r in f.outbox(tid) if r[2] == "sending"], "the row claimed")
        row = f.outbox(tid)[0][0]
        with write_locked(f.c.data):
            wait_for(lambda: RECORD_FAILED % row in f.c.server_log(),
                     "the outcome's write failing", timeout=30)
        sink.rcpt_delay = 0
        log = f.c.server_log()
        check(MARK_FAILED % row in log, "the mark's failure logged: %s" % log[-2000:])
        check(NOT_SENT in log, "the attempt says the content was not sent: %s" % log[-2000:])
        rows = f.outbox(tid)
        check(len(rows) == 1 and rows[0][2] == "sending", "the row left sending: %r" % rows)
        time.sleep(1.0)
        check(sink.to(OWNER) == [], "no mail delivered without the mark: %d"
              % len(sink.to(OWNER)))

        # the next start of the mail thread recovers the row: sent once
        with open(f.c.config) as cf:
            text = cf.read()
        write_config(f, text.replace("duty = duty@vendor.example\n",
                                     "duty = night@vendor.example\n"))
        f.c.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "1 message(s) interrupted before their data was sent: queued again"
                 in f.c.server_log(), "the recovery at the reload")
        wait_for(lambda: f.outbox(tid)[0][2] == "sent", "the mail sent after the recovery")
        time.sleep(1.0)
        mails = sink.to(OWNER)
        check(len(mails) == 1, "the mail arrived once: %d" % len(mails))
        check(mails[0][1]["Message-ID"].strip("<>") == f.outbox(tid)[0][3].strip("<>"),
              "the row's message: %r" % (f.outbox(tid),))
        check(f.c.stop() == 0, "clean stop: %s" % f.c.server_log()[-2000:])
        print("ok: a mail whose row cannot be marked in transfer is not sent, then sent once")
    finally:
        f.stop(sink)
    f.c.close()


if __name__ == "__main__":
    main()
