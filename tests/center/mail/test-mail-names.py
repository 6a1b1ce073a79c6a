# SPDX-License-Identifier: Apache-2.0
"""A tenant's name in the emergency mails, against the real SMTP sink of
test-mail.py (aiosmtpd on 127.0.0.1) and the real mamori-center: an SME
owner renames the tenant (PATCH /api/v1/tenants/N) to a text with a web
address; the alert mail that follows, to the vendor's duty address and to
the contact the owner added, shows the name defanged (hxxps://, [.]) in the
subject, the greeting and the HTML part, so no mail program makes a link of
it. A name with a control or bidi character is refused (400
bad_characters), and so is another tenant's name (409 name_taken)."""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("mailtest", os.path.join(HERE, "test-mail.py"))
mailtest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mailtest)  # skips (77) itself when aiosmtpd is missing

import centerlib  # noqa: E402
from centerlib import check  # noqa: E402

Fixture, Sink, wait_for, parts = mailtest.Fixture, mailtest.Sink, mailtest.wait_for, mailtest.parts

PHISH = "Blue Bakery - reset at https://mamori-login.evil.example/reset"
DEFANGED = "hxxps://mamori-login[.]evil[.]example/reset"


def test_renamed_tenant(f, sink):
    c = f.c
    tid = f.tenant("Blue Bakery", "en", ["boss@bakery.example"])
    c.admin("user", "add", "--tenant", str(tid), "--role", "owner", "--email",
            "owner@bakery.example", "--password-stdin", "--lang", "en",
            stdin=centerlib.PASSWORD + "\n")
    owner = c.login("owner@bakery.example")
    for bad in ("Blue\x07Bakery", "Blue\u202eyrekaB", "Blue\u2066Bakery", "Blue\u200fBakery",
                "Blue\u0085Bakery", "Blue\nBakery"):
        r = c.request("PATCH", "/api/v1/tenants/%d" % tid, {"name": bad}, session=owner)
        check(r.status == 400 and r.json["error"] == "bad_characters", "%r: %r" % (bad, r))
    r = c.request("PATCH", "/api/v1/tenants/%d" % tid, {"name": PHISH}, session=owner)
    check(r.status == 200 and r.json["name"] == PHISH, "owner renames: %r" % r)
    # the owner's own contact address too
    r = c.request("PUT", "/api/v1/tenants/%d/contacts" % tid,
                  {"contacts": [{"email": "boss@bakery.example", "name": "Boss"},
                                {"email": "victim@bakery.example", "name": "Victim"}]},
                  session=owner)
    check(r.status == 200, "contacts: %r" % r)
    f.tenants[PHISH] = f.tenants.pop("Blue Bakery")
    f.seq[PHISH] = f.seq.pop("Blue Bakery")
    f.alerts(PHISH, 1, sev=1)
    for addr in ("duty@vendor.example", "victim@bakery.example"):
        wait_for(lambda: len(sink.to(addr)) >= 1, "the alert mail to " + addr)
        msg = sink.to(addr)[0][1]
        plain, html = parts(msg)
        subject = str(msg["Subject"])
        for what, text in (("subject", subject), ("text", plain), ("html", html)):
            check("evil.example" not in text and "https://mamori-login" not in text,
                  "%s of the mail to %s carries the live address: %s" % (what, addr, text))
        check(subject.startswith("[mamori URGENT] Blue Bakery - reset at " + DEFANGED + ": "),
              "subject: %s" % subject)
        check("Dear Blue Bakery - reset at %s contact," % DEFANGED in plain, "greeting: %s" % plain)
        check(DEFANGED in html and "href=\"https://centre.example/alerts/" in html,
              "HTML: the name defanged, the centre's own link kept")


def main():
    port = mailtest.free_port()
    sink = Sink()
    f = Fixture(port)
    try:
        f.c.start()
        sink.start(port)
        test_renamed_tenant(f, sink)
        print("ok: tenant names in mail (%d messages)" % len(sink.messages))
    finally:
        f.stop(sink)
    f.c.close()


if __name__ == "__main__":
    main()
