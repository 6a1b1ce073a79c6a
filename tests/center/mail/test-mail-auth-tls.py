# SPDX-License-Identifier: Apache-2.0
"""The SMTP password goes only over TLS (a security review: under the default
starttls = try, someone on the path who strips STARTTLS from the server's
EHLO reply got the password of [mail] user in clear). Against a real SMTP
sink on 127.0.0.1 (aiosmtpd, as test-mail.py) that offers AUTH but no
STARTTLS, and the real mamori-center:
- with [mail] user and the default starttls: no AUTH command reaches the
  sink, nothing is delivered, the log says which setting and what to do, and
  the mail stays in the outbox, tried again (status pending, attempts rising);
- restarted with starttls = never written out: a warn line says the password
  goes unencrypted, and the waiting mail is delivered (with AUTH), once;
- without a user: a new alert's mail is delivered unencrypted as before;
- starttls = always (no user): the refusal names that setting, the mail waits."""

import importlib.util
import os
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("mailtest", os.path.join(HERE, "test-mail.py"))
mailtest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mailtest)  # skips (77) itself when aiosmtpd is missing

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword  # noqa: E402
from centerlib import check  # noqa: E402

Fixture, Sink, wait_for, free_port = (mailtest.Fixture, mailtest.Sink, mailtest.wait_for,
                                      mailtest.free_port)

AUTH_LINES = []  # every AUTH command the sink received, as sent
AUTH_LOCK = threading.Lock()


class RecordingSMTP(SMTP):
    async def smtp_AUTH(self, arg):
        with AUTH_LOCK:
            AUTH_LINES.append(arg)
        await super().smtp_AUTH(arg)


class AuthSink(Sink):
    """The sink of test-mail.py offering AUTH (PLAIN, LOGIN) without TLS and
    no STARTTLS (what a server looks like once STARTTLS was stripped)."""

    def start(self, port, **kw):
        sink = self

        class RecordingController(Controller):
            def factory(self):
                return RecordingSMTP(self.handler, **self.SMTP_kwargs)

        def auth(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login == b"alerts" and \
                data.password == b"s3cret"
            return AuthResult(success=ok)

        sink.controller = RecordingController(sink, hostname="127.0.0.1", port=port,
                                              authenticator=auth, auth_require_tls=False, **kw)
        sink.controller.start()


def set_mail_lines(f, old, new):
    with open(f.c.config) as cf:
        text = cf.read()
    check(old in text, "config holds %r" % old)
    with open(f.c.config + ".new", "w") as out:
        out.write(text.replace(old, new))
    os.replace(f.c.config + ".new", f.c.config)


def main():
    port = free_port()
    sink = AuthSink()
    sink.start(port)
    f = Fixture(port, "user = alerts\npassword = s3cret\n")
    try:
        f.c.start()
        tid = f.tenant("Auth KK", "en", ["owner@auth.example"])
        f.alerts("Auth KK", 1, sev=1)
        # tried at least twice (retry_max = 1 s): queued and retried, not given up
        wait_for(lambda: any(r[2] == "pending" and r[4] >= 2 for r in f.outbox(tid)),
                 "the mail tried twice and still pending")
        log = f.c.server_log()
        check("the password of [mail] user was not sent" in log and
              "set the SMTP server up to offer STARTTLS" in log and
              "starttls = never would send the password unencrypted" in log,
              "the log names the setting and the step: %s" % log[-3000:])
        with AUTH_LOCK:
            check(AUTH_LINES == [], "no AUTH reached the server: %r" % AUTH_LINES)
        check(sink.messages == [], "nothing delivered without TLS")
        with f.db() as db:
            err = db.execute("SELECT last_error FROM mail_outbox WHERE tenant_id = ?",
                             (tid,)).fetchone()[0]
        check("[mail] user" in err, "the outbox row says why: %r" % err)
        print("ok: no AUTH without STARTTLS, mail kept in the outbox")

        # the operator accepts an unencrypted password: written out, it is sent
        f.c.stop()
        set_mail_lines(f, "user = alerts\n", "user = alerts\nstarttls = never\n")
        f.c.start()
        wait_for(lambda: sink.to("owner@auth.example"), "the waiting mail, starttls = never")
        log = f.c.server_log()
        check("with [mail] starttls = never, the password of [mail] user goes to the SMTP "
              "server unencrypted" in log, "warned about the unencrypted password")
        check(sink.sessions[-1] == (False, True), "AUTH used, no TLS: %r" % sink.sessions)
        with AUTH_LOCK:
            check(len(AUTH_LINES) >= 1, "AUTH sent with starttls = never")
        wait_for(lambda: [r[2] for r in f.outbox(tid)] == ["sent"], "the row marked sent")
        check(len(sink.to("owner@auth.example")) == 1, "delivered once")
        print("ok: starttls = never sends the password, with a warning")

        # no user: delivered without TLS and without AUTH, as before
        f.c.stop()
        set_mail_lines(f, "user = alerts\nstarttls = never\npassword = s3cret\n", "")
        with AUTH_LOCK:
            before = len(AUTH_LINES)
        f.c.start()
        f.alerts("Auth KK", 1, sev=1, src_base=40)
        wait_for(lambda: len(sink.to("owner@auth.example")) == 2, "the mail without a user")
        check(sink.sessions[-1] == (False, None), "no TLS, no AUTH: %r" % sink.sessions)
        with AUTH_LOCK:
            check(len(AUTH_LINES) == before, "no AUTH without a user")
        check("password of [mail] user" not in f.c.server_log().split("sending through")[-1],
              "no TLS or password line without a user")
        print("ok: without a user, mail goes out as before")

        # starttls = always, no user: the same refusal names that setting
        f.c.stop()
        set_mail_lines(f, "retry_max = 1\n", "retry_max = 1\nstarttls = always\n")
        f.c.start()
        f.alerts("Auth KK", 1, sev=1, src_base=80)
        wait_for(lambda: "which [mail] starttls = always requires" in f.c.server_log(),
                 "the starttls = always refusal in the log")
        check(len(sink.to("owner@auth.example")) == 2, "nothing more delivered without TLS")
        check(any(r[2] == "pending" for r in f.outbox(tid)), "the mail waits: %r" % f.outbox(tid))
        print("ok: starttls = always without STARTTLS is named in the log")
    finally:
        f.stop(sink)
    f.c.close()


if __name__ == "__main__":
    main()
