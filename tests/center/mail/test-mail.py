# SPDX-License-Identifier: Apache-2.0
"""Emergency mail against a real SMTP server on 127.0.0.1 (aiosmtpd, Debian's
python3-aiosmtpd) and the real mamori-center: recipients (contacts, analyst
on duty, duty address), language (ja/en), RFC 2047 subject, both MIME parts,
the severity threshold, retry while the SMTP server is down, a storm of 200
alerts throttled into 3 mails plus one digest, no duplicate after the
centre is killed with -9 while the SMTP server holds its reply, and STARTTLS
with AUTH against a server that requires both (certificate made with the
openssl command; that part skips visibly without it)."""

import os
import sys

try:
    import aiosmtpd  # noqa: F401
except ImportError:
    # pyenv and friends may hide Debian's package; use the system interpreter.
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: python3-aiosmtpd is not installed (scripts/deps.sh)")
    sys.exit(77)

import asyncio
import email
import email.policy
import json
import signal
import shutil
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
import centerlib  # noqa: E402
from centerlib import Center, alert_event, check, fail  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402


class Sink:
    """Keeps every message it accepts; can hold its reply to DATA."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # (envelope recipients, email.message.EmailMessage, raw bytes)
        self.sessions = []  # (STARTTLS used, AUTH done) per message
        self.delay = 0
        self.in_data = threading.Event()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        # Like a real MTA: the message is queued first, then the reply goes
        # out; a client dying in between has its message delivered anyway.
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.messages.append((sorted(envelope.rcpt_tos), msg, raw))
            self.sessions.append((session.ssl is not None, session.authenticated))
        if self.delay:
            self.in_data.set()
            await asyncio.sleep(self.delay)
        return "250 OK queued"

    def start(self, port, **kw):
        self.controller = Controller(self, hostname="127.0.0.1", port=port, **kw)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def to(self, addr):
        with self.lock:
            return [m for m in self.messages if addr in m[0]]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(cond, what, timeout=40):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def parts(msg):
    check(msg.get_content_type() == "multipart/alternative", "multipart/alternative: %s" %
          msg.get_content_type())
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    check(plain is not None and html is not None, "both parts present")
    check(plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8",
          "UTF-8 parts")
    return plain.get_content(), html.get_content()


class Fixture:
    def __init__(self, smtp_port, extra=""):
        self.c = Center(config="[alerts]\nwindow = 1\n[mail]\nhost = 127.0.0.1\nport = %d\n"
                        "from = mamori <alerts@vendor.example>\nduty = duty@vendor.example\n"
                        "immediate_max = 3\nwindow = 3\npoll_ms = 100\nretry_max = 1\n"
                        "base_url = https://centre.example\n%s" % (smtp_port, extra))
        c = self.c
        c.admin("create-admin", "--email", "admin@vendor.example", "--password-stdin",
                stdin=centerlib.PASSWORD + "\n")
        self.analyst = int(c.admin("user", "add", "--role", "analyst", "--email",
                                   "analyst@vendor.example", "--password-stdin",
                                   stdin=centerlib.PASSWORD + "\n"))
        c.admin("user", "add", "--role", "analyst", "--email", "offduty@vendor.example",
                "--password-stdin", stdin=centerlib.PASSWORD + "\n")
        self.token = c.admin("token", "create", "--user", "admin@vendor.example")
        self.tenants = {}
        self.seq = {}

    def stop(self, sink):
        """The end of a run, passed or not: the sink and the centre (when
        running) stop; close() follows only a run that passed."""
        sink.stop()
        if self.c.proc:
            self.c.stop()

    def tenant(self, name, lang, contacts, severity=2):
        c = self.c
        tid = int(c.admin("tenant", "add", "--name", name, "--lang", lang))
        r = c.request("PATCH", "/api/v1/tenants/%d" % tid, {"mail_severity": severity},
                      token=self.token)
        check(r.status == 200, "mail severity: %r" % r)
        r = c.request("PUT", "/api/v1/tenants/%d/contacts" % tid,
                      {"contacts": [{"email": e, "name": "Contact"} for e in contacts]},
                      token=self.token)
        check(r.status == 200 and len(r.json["items"]) == len(contacts), "contacts: %r" % r)
        code = c.admin("enrol", "--tenant", str(tid))
        r = c.request("POST", "/api/v1/enrol", {"code": code, "name": name})
        check(r.status == 201, "enrol: %r" % r)
        self.tenants[name] = (tid, r.json["key"])
        self.seq[name] = 0
        return tid

    def alerts(self, name, n, sev=1, src_base=1):
        events = []
        for i in range(n):
            self.seq[name] += 1
            ev = alert_event(self.seq[name], sid=5000 + self.seq[name], sev=sev,
                             src="10.1.%d.%d" % ((src_base + i) // 250, (src_base + i) % 250 + 1))
            events.append(ev)
        r = self.c.ingest(self.tenants[name][1], events, compress=True)
        check(r.status == 200 and r.json["accepted"] == n, "ingest: %r" % r)

    def db(self):
        return sqlite3.connect(os.path.join(self.c.data, "center.db"), timeout=30)

    def outbox(self, tenant):
        with self.db() as db:
            return db.execute("SELECT id, kind, status, message_id, attempts FROM mail_outbox "
                              "WHERE tenant_id = ? ORDER BY id", (tenant,)).fetchall()


STAFF_DUTY = ["analyst@vendor.example", "duty@vendor.example"]


def test_ja_mail_and_retry(f, sink, port):
    """The SMTP server is down when the first alert comes: retried, then sent."""
    tid = f.tenant("山田製作所", "ja", ["owner@yamada.example", "it@yamada.example"])
    f.alerts("山田製作所", 1, sev=1)
    # (attempts counts an attempt when it is claimed, status 'sending'; the
    # sink may start only once that attempt has failed)
    wait_for(lambda: any(r[4] >= 1 and r[2] != "sending" for r in f.outbox(tid)),
             "a failed first attempt")
    sink.start(port)
    wait_for(lambda: sink.to("owner@yamada.example"), "the Japanese mail")
    rcpts, msg, raw = sink.to("owner@yamada.example")[0]
    check(rcpts == sorted(["owner@yamada.example", "it@yamada.example"] + STAFF_DUTY),
          "recipients: %s" % rcpts)
    check(b"Subject: =?UTF-8?B?" in raw, "RFC 2047 subject")
    check(msg["Subject"].startswith("【mamori 緊急】山田製作所: 危険な相手と通信しました"),
          "decoded subject: %s" % msg["Subject"])
    check(msg["Message-ID"] and msg["Date"] and msg["From"] == "mamori <alerts@vendor.example>",
          "headers: %s" % msg.items())
    check(msg["To"] == "undisclosed-recipients:;", "To header: %s" % msg["To"])
    head = raw.split(b"\r\n\r\n", 1)[0]
    check(not any(a.encode() in head for a in rcpts),
          "no recipient address in the headers: %r" % head)
    plain, html = parts(msg)
    # A sensor detector's alert: its message is what happened and the one
    # next step; no second step from the explanation.
    check("■ 何が起きたか、何をすればよいか\n危険な相手と通信しました" in plain.replace("\r\n", "\n") and
          "いますぐしていただきたいこと" not in plain, "Japanese text part: %s" % plain)
    check('<html lang="ja">' in html and "https://centre.example/alerts/" in html, "HTML part")
    wait_for(lambda: f.outbox(tid)[0][2] == "sent", "the row marked sent")
    row = f.outbox(tid)[0]
    check(row[4] >= 2, "sent after a retry: %r" % (row,))


def test_en_and_threshold(f, sink):
    # induty@vendor.example contains the duty address duty@vendor.example:
    # the duty copy must still be sent (exact matches, not substrings).
    tid = f.tenant("Blue Bakery", "en", ["boss@bakery.example", "induty@vendor.example"],
                   severity=2)
    f.alerts("Blue Bakery", 1, sev=3, src_base=100)  # below the tenant's threshold
    f.alerts("Blue Bakery", 1, sev=2, src_base=101)
    wait_for(lambda: sink.to("boss@bakery.example"), "the English mail")
    with f.db() as db:
        last = db.execute("SELECT last_alert_id FROM mail_scan").fetchone()[0]
        top = db.execute("SELECT MAX(id) FROM alerts WHERE tenant_id = ?", (tid,)).fetchone()[0]
    check(last >= top, "every alert of the tenant scanned")
    rows = f.outbox(tid)
    check(len(rows) == 1, "only the severity-2 alert is mailed: %r" % rows)
    rcpts, msg, raw = sink.to("boss@bakery.example")[0]
    check(msg["Subject"].startswith("[mamori URGENT] Blue Bakery: Talked to a bad host"),
          "English subject: %s" % msg["Subject"])
    plain, html = parts(msg)
    check("* What happened and what to do\nTalked to a bad host" in plain.replace("\r\n", "\n")
          and "What to do now" not in plain and '<html lang="en">' in html
          and "<h2 style=\"color: #b00020;\">What happened and what to do</h2>" in html,
          "English parts: %s" % plain)
    check("offduty@vendor.example" not in rcpts, "analysts off duty get nothing")
    check(rcpts == sorted(["boss@bakery.example", "induty@vendor.example"] + STAFF_DUTY),
          "the duty address next to a contact containing it: %s" % rcpts)
    check(msg["To"] == "undisclosed-recipients:;", "To header: %s" % msg["To"])


def test_no_sensor_message(f, sink):
    """A sensor detector's alert that came without the sensor's message (an
    older sensor's, with mamori.detector; a Suricata-style EVE line whose
    signature the catalogue maps to a detector) gets the generic next step,
    exactly once, in the mail and in GET /alerts/ID; an alert with the
    sensor's message keeps none beside it (its message says it)."""
    with open(os.path.join(ROOT, "data", "center", "explanations.json")) as fh:
        generic = json.load(fh)["generic"]
    tid = f.tenant("古川商店", "ja", ["owner@furukawa.example"])
    older = alert_event(1, sid=5900, sev=1, src="10.9.0.1")
    del older["mamori"]["message"]
    eve = alert_event(2, sid=9100701, sev=1, src="10.9.0.2", sig="ET SCAN port scan")
    del eve["mamori"]
    f.seq["古川商店"] = 2
    r = f.c.ingest(f.tenants["古川商店"][1], [older, eve])
    check(r.status == 200 and r.json["accepted"] == 2, "ingest: %r" % r)
    wait_for(lambda: len(sink.to("owner@furukawa.example")) >= 2, "two Japanese mails")
    for _, msg, _ in sink.to("owner@furukawa.example"):
        plain, html = parts(msg)
        plain = plain.replace("\r\n", "\n")
        check(plain.count("■ いますぐしていただきたいこと\n" + generic["now"]["ja"]) == 1 and
              plain.count("いますぐしていただきたいこと") == 1 and
              "■ 何が起きたか\n" + generic["what"]["ja"] in plain,
              "the generic step once: %s" % plain)
        check(html.count("いますぐしていただきたいこと") == 1, "HTML step once: %s" % html)
    r = f.c.request("GET", "/api/v1/alerts?tenant=%d" % tid, token=f.token)
    check(r.status == 200 and len(r.json["items"]) == 2, "the two alerts: %r" % r)
    for item in r.json["items"]:
        one = f.c.request("GET", "/api/v1/alerts/%d" % item["id"], token=f.token).json
        check(one["explanation"].get("now") == generic["now"], "API step: %r" % one)
    # The sensor's own message: no step from the explanation (the first test's alert).
    r = f.c.request("GET", "/api/v1/alerts?tenant=%d" % f.tenants["山田製作所"][0],
                    token=f.token)
    one = f.c.request("GET", "/api/v1/alerts/%d" % r.json["items"][0]["id"], token=f.token).json
    check(one["message"]["ja"] == "危険な相手と通信しました", "the sensor's message: %r" % one)
    check("now" not in one["explanation"], "no second step: %r" % one["explanation"])


def test_english_only_message(f, sink):
    """An older sensor that sent its message in English only: ingest fills
    the Japanese one, and only that language takes the generic step. The
    English mail gives the message's own step and no "What to do now" (it
    gave both until the fallback became per language); GET /alerts/ID gives
    the generic step in Japanese alone. The contacts say mail is on."""
    with open(os.path.join(ROOT, "data", "center", "explanations.json")) as fh:
        generic = json.load(fh)["generic"]
    tid = f.tenant("Old Sensor Ltd", "en", ["desk@oldsensor.example"])
    r = f.c.request("GET", "/api/v1/tenants/%d/contacts" % tid, token=f.token)
    check(r.status == 200 and r.json["mail_enabled"] is True, "contacts, mail on: %r" % r)
    ev = alert_event(1, sid=5901, sev=1, src="10.9.1.1")
    ev["mamori"]["message"] = {"en": "Talked to a bad host. Scan the PC now."}
    f.seq["Old Sensor Ltd"] = 1
    r = f.c.ingest(f.tenants["Old Sensor Ltd"][1], [ev])
    check(r.status == 200 and r.json["accepted"] == 1, "ingest: %r" % r)
    wait_for(lambda: len(sink.to("desk@oldsensor.example")) >= 1, "the English mail")
    _, msg, _ = sink.to("desk@oldsensor.example")[0]
    plain, html = parts(msg)
    plain = plain.replace("\r\n", "\n")
    check("* What happened and what to do\nTalked to a bad host. Scan the PC now." in plain and
          "What to do now" not in plain and "What to do now" not in html and
          generic["now"]["en"] not in plain,
          "one step, the message's own: %s" % plain)
    r = f.c.request("GET", "/api/v1/alerts?tenant=%d" % tid, token=f.token)
    one = f.c.request("GET", "/api/v1/alerts/%d" % r.json["items"][0]["id"], token=f.token).json
    check(one["message"] == {"ja": generic["what"]["ja"],
                             "en": "Talked to a bad host. Scan the PC now."} and
          one["explanation"].get("now") == {"ja": generic["now"]["ja"]},
          "the generic step in Japanese only: %r" % one)


def test_storm(f, sink):
    tid = f.tenant("Storm Ltd", "en", ["desk@storm.example"])
    f.alerts("Storm Ltd", 200, sev=1, src_base=300)
    wait_for(lambda: len(sink.to("desk@storm.example")) >= 4, "3 mails and the digest")
    wait_for(lambda: all(r[2] == "sent" for r in f.outbox(tid)), "outbox drained")
    time.sleep(0.5)  # a fifth mail would be a failure; give it the chance to show up
    got = sink.to("desk@storm.example")
    kinds = [r[1] for r in f.outbox(tid)]
    check(len(got) == 4 and kinds == ["alert", "alert", "alert", "digest"],
          "storm: %d mails, kinds %s" % (len(got), kinds))
    digest = got[3][1]
    check("197 more alerts" in digest["Subject"], "digest subject: %s" % digest["Subject"])
    plain, html = parts(digest)
    check(plain.count("Talked to a bad host") == 100 and "(+97)" in plain,
          "digest lists 100 alerts and the rest as a count")
    check(html.count("<li>") == 101, "digest HTML list")


def test_kill_during_send(f, sink):
    """kill -9 while the SMTP server holds its reply to the message data: the
    message is not sent again after the restart, the others are sent once."""
    tid = f.tenant("Crash KK", "ja", ["owner@crash.example"])
    sink.delay = 3
    sink.in_data.clear()
    f.alerts("Crash KK", 3, sev=1, src_base=700)
    sink.in_data.wait(40)
    check(sink.in_data.is_set(), "the centre reached DATA")
    f.c.proc.send_signal(signal.SIGKILL)
    f.c.proc.wait()
    f.c.proc = None
    wait_for(lambda: len(sink.to("owner@crash.example")) >= 1, "the held message")
    sink.delay = 0
    f.c.start()
    wait_for(lambda: all(r[2] in ("sent", "uncertain") for r in f.outbox(tid)) and
             len(f.outbox(tid)) == 3, "outbox settled after the restart")
    time.sleep(0.5)
    got = sink.to("owner@crash.example")
    ids = [m[1]["Message-ID"] for m in got]
    rows = f.outbox(tid)
    check(len(ids) == len(set(ids)) == 3, "each of the 3 mails exactly once: %s" % ids)
    check([r[2] for r in rows].count("uncertain") == 1, "the interrupted one is uncertain: %r" %
          rows)
    check(sorted("<%s>" % r[3] for r in rows) == sorted(ids), "Message-IDs match the outbox")
    check("uncertain" in f.c.server_log(), "the restart logs the uncertain message")
    # The vendor sees it in the outbox and may send it again on purpose.
    r = f.c.request("GET", "/api/v1/mail/outbox?status=uncertain&tenant=%d" % tid,
                    token=f.token)
    check(r.status == 200 and len(r.json["items"]) == 1, "uncertain row listed: %r" % r)
    row = r.json["items"][0]
    sent_row = [x for x in rows if x[2] == "sent"][0]
    r = f.c.request("POST", "/api/v1/mail/outbox/%d/resend" % sent_row[0], {}, token=f.token)
    check(r.status == 409, "a sent mail is not resent: %r" % r)
    r = f.c.request("POST", "/api/v1/mail/outbox/%d/resend" % row["id"], {}, token=f.token)
    check(r.status == 200, "resend: %r" % r)
    wait_for(lambda: len(sink.to("owner@crash.example")) == 4, "the resent copy")
    again = sink.to("owner@crash.example")[3][1]["Message-ID"]
    check(again == "<%s>" % row["message_id"], "same Message-ID on the resent copy")


def test_starttls_auth():
    """A server that offers STARTTLS and requires it (and AUTH after it)."""
    if not shutil.which("openssl"):
        print("SKIP part: no openssl command for the test certificate")
        return
    tmp = tempfile.mkdtemp(prefix="mm-mail-tls-")
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)

    def auth(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and data.login == b"alerts" and \
            data.password == b"s3cret"
        return AuthResult(success=ok)

    port = free_port()
    sink = Sink()
    sink.start(port, tls_context=ctx, require_starttls=True, authenticator=auth,
               auth_require_tls=True)
    ca = os.path.join(tmp, "ca.pem")
    shutil.copy(cert, ca)
    f = Fixture(port, "starttls = always\nca_file = %s\nuser = alerts\npassword = s3cret\n" % ca)
    try:
        f.c.start()
        # ca_file is read once, at start, and libcurl gets that text from memory: the file
        # gone, the mail still goes out over a verified STARTTLS (libcurl read the file at
        # every STARTTLS)
        os.unlink(ca)
        f.tenant("TLS KK", "en", ["owner@tls.example"])
        f.alerts("TLS KK", 1, sev=1)
        wait_for(lambda: sink.to("owner@tls.example"), "the mail over STARTTLS")
        check(sink.sessions[0] == (True, True), "STARTTLS and AUTH used: %r" % sink.sessions)
    finally:
        f.stop(sink)
        f.c.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    port = free_port()
    sink = Sink()
    f = Fixture(port)
    try:
        f.c.start()
        r = f.c.request("PUT", "/api/v1/users/%d/duty" % f.analyst, {"on_duty": True},
                        token=f.token)
        check(r.status == 200 and r.json["on_duty"] is True, "on duty: %r" % r)
        r = f.c.request("GET", "/api/v1/duty", token=f.token)
        check(r.status == 200 and r.json["mail_enabled"] is True and
              [i["email"] for i in r.json["items"]] == STAFF_DUTY,
              "GET /duty with mail on: %r" % r)
        test_ja_mail_and_retry(f, sink, port)
        test_en_and_threshold(f, sink)
        test_no_sensor_message(f, sink)
        test_english_only_message(f, sink)
        test_storm(f, sink)
        test_kill_during_send(f, sink)
        print("ok: mail (%d messages)" % len(sink.messages))
    finally:
        f.stop(sink)
    f.c.close()
    test_starttls_auth()
    print("ok: STARTTLS and AUTH")


if __name__ == "__main__":
    main()
