# SPDX-License-Identifier: Apache-2.0
"""The vendor's contact ([vendor] name, phone, hours of center.ini) where an
SME needs it, against the real SMTP sink of test-mail.py (aiosmtpd on
127.0.0.1) and the real mamori-center:
- the alert mail (ja, en) and the digest (ja) say whom to call on which
  number, in both parts;
- the monthly and incident reports carry the issuer line;
- the texts use the web UI's terms (警告, IT 会社, 訪問, センサー) and label
  the English rule line as the IT company's technical information;
- GET /api/v1/me gives it ("vendor"), null without [vendor];
- a reload (SIGHUP) leaves it as it was and logs that [vendor] needs a
  restart;
- a centre whose [vendor] name has a control character, or is too long, does
  not start and says why (ja and en)."""

import importlib.util
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("mailtest", os.path.join(HERE, "test-mail.py"))
mailtest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mailtest)  # skips (77) itself when aiosmtpd is missing

import centerlib  # noqa: E402
from centerlib import check  # noqa: E402

Fixture, Sink, wait_for, parts = mailtest.Fixture, mailtest.Sink, mailtest.wait_for, mailtest.parts

VENDOR = "[vendor]\nname = 守りネット株式会社\nphone = 03-0000-0000\nhours = 平日 9:00〜18:00\n"


def test_mails(f, sink):
    f.tenant("山田製作所", "ja", ["owner@yamada.example"])
    f.tenant("Blue Bakery", "en", ["boss@bakery.example"])
    f.alerts("山田製作所", 1, sev=1)
    f.alerts("Blue Bakery", 1, sev=1, src_base=50)
    wait_for(lambda: sink.to("owner@yamada.example") and sink.to("boss@bakery.example"),
             "both mails")
    plain, html = parts(sink.to("owner@yamada.example")[0][1])
    plain = plain.replace("\r\n", "\n")
    call = "そのうえで、守りネット株式会社（電話 03-0000-0000、受付 平日 9:00〜18:00）にお電話ください。"
    check("Wi-Fi を切ってください。\n" + call in plain and call in html,
          "the Japanese mail names the vendor: %s" % plain)
    # on a line of its own in the HTML part too (a bare line break shows as a space there)
    check("Wi-Fi を切ってください。<br>\n" + call in html.replace("\r\n", "\n"),
          "the HTML part breaks the line before the vendor: %s" % html)
    # One term per thing, the web UI's: 警告, IT 会社; the English rule
    # labelled as the IT company's technical information.
    check("IT 業者" not in plain and "アラート" not in plain and "警告番号: " in plain,
          "the UI's terms: %s" % plain)
    check("・（IT 会社向けの技術情報）検知ルール: mamori intel hit" in plain and "検知の名前" not in plain,
          "the rule line labelled: %s" % plain)
    plain, html = parts(sink.to("boss@bakery.example")[0][1])
    call = "Then call 守りネット株式会社 on 03-0000-0000 (平日 9:00〜18:00)."
    check(call in plain and call in html, "the English mail names the vendor: %s" % plain)
    check(".<br>\n" + call in html.replace("\r\n", "\n"),
          "the English HTML part breaks the line before the vendor: %s" % html)
    check("- (technical, for your IT company) Rule: mamori intel hit" in plain.replace("\r\n", "\n"),
          "the English rule line labelled: %s" % plain)


def test_digest(f, sink):
    """The digest of a storm ends with the same line (ja)."""
    f.tenant("嵐商事", "ja", ["desk@arashi.example"])
    f.alerts("嵐商事", 6, sev=1, src_base=100)
    wait_for(lambda: any(m["Subject"].startswith("【mamori まとめ】")
                         for _, m, _ in sink.to("desk@arashi.example")), "the digest")
    digest = [m for _, m, _ in sink.to("desk@arashi.example")
              if m["Subject"].startswith("【mamori まとめ】")][0]
    check("件の警告がありました" in digest["Subject"], "digest subject: %s" % digest["Subject"])
    plain, html = parts(digest)
    call = "そのうえで、守りネット株式会社（電話 03-0000-0000、受付 平日 9:00〜18:00）にお電話ください。"
    check("Wi-Fi を切って、ネットワークから外してください。\n" + call in plain.replace("\r\n", "\n")
          and call in html, "the digest names the vendor: %s" % plain)
    check("ネットワークから外してください。<br>\n" + call in html.replace("\r\n", "\n"),
          "the digest's HTML part breaks the line before the vendor: %s" % html)


def test_reports(f):
    tid = f.tenants["山田製作所"][0]
    for lang, line in (("ja", "発行: 守りネット株式会社（監視センター）　電話 03-0000-0000"),
                       ("en", "Issued by 守りネット株式会社 (monitoring centre), phone 03-0000-0000")):
        r = f.c.request("GET", "/api/v1/tenants/%d/reports/monthly?month=2026-04&format=md&lang=%s"
                        % (tid, lang), token=f.token)
        check(r.status == 200 and line in r.raw.decode(), "monthly report %s: %r" % (lang, r.raw))
        if lang == "ja":  # the UI's terms; the sensor explained at its first mention only
            md = r.raw.decode()
            check("監視装置" not in md and "アラート" not in md and "現地" not in md and
                  "## センサーの稼働" in md and md.count("センサー（") == 1 and
                  md.index("センサー（") == md.index("センサー"), "monthly terms: %s" % md)
    r = f.c.request("POST", "/api/v1/incidents", {"tenant_id": tid, "title": "テスト",
                                                    "severity": 2}, token=f.token)
    check(r.status == 201, "incident: %r" % r)
    r = f.c.request("GET", "/api/v1/incidents/%d/report?format=md&lang=ja" % r.json["id"],
                    token=f.token)
    md = r.raw.decode()
    check(r.status == 200 and "発行: 守りネット株式会社（監視センター）" in md,
          "incident report: %r" % r.raw[:400])
    check("## 訪問\n" in md and "派遣" not in md and "アラート" not in md,
          "incident report terms: %s" % md)


def test_me(f):
    tid = f.tenants["山田製作所"][0]
    f.c.admin("user", "add", "--role", "owner", "--tenant", str(tid), "--email",
              "owner@yamada.example", "--password-stdin", stdin=centerlib.PASSWORD + "\n")
    s = f.c.login("owner@yamada.example")
    check(s.me["vendor"] == {"name": "守りネット株式会社", "phone": "03-0000-0000",
                             "hours": "平日 9:00〜18:00"}, "GET /me vendor: %r" % s.me)


def test_reload(f):
    with open(f.c.config, encoding="utf-8") as fh:
        text = fh.read()
    with open(f.c.config, "w", encoding="utf-8") as fh:
        fh.write(text.replace("03-0000-0000", "03-0000-9999"))
    f.c.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "[vendor] phone changed" in f.c.server_log(), "the restart notice")
    s = f.c.login("owner@yamada.example")
    check(s.me["vendor"]["phone"] == "03-0000-0000", "the old phone stays: %r" % s.me)


def test_refused():
    for value, ja, en in (("守り\tネット", "制御文字", "control characters"),
                          ("あ" * 41, "120 バイトまで", "at most 120 bytes")):
        c = centerlib.Center(config="[vendor]\nname = %s\nphone = 03-0000-0000\n" % value)
        try:
            for lang, want in (("ja_JP.UTF-8", ja), ("C.UTF-8", en)):
                p = subprocess.run([centerlib.BIN, "--data", c.data, "--config", c.config,
                                    "--listen", "127.0.0.1:0"], capture_output=True, text=True,
                                   timeout=60, env=dict(os.environ, LANG=lang, LC_ALL=lang))
                check(p.returncode != 0 and "[vendor] name" in p.stderr and want in p.stderr,
                      "refused (%s): rc %d %s" % (lang, p.returncode, p.stderr))
        finally:
            c.close()


def main():
    port = mailtest.free_port()
    sink = Sink()
    f = Fixture(port, VENDOR)
    try:
        sink.start(port)
        f.c.start()
        test_mails(f, sink)
        test_digest(f, sink)
        test_reports(f)
        test_me(f)
        test_reload(f)
    finally:
        f.stop(sink)
    f.c.close()
    plain = centerlib.Center()
    try:
        plain.start()
        plain.admin("create-admin", "--email", "admin@vendor.example", "--password-stdin",
                    stdin=centerlib.PASSWORD + "\n")
        s = plain.login("admin@vendor.example")
        check(s.me["vendor"] is None, "GET /me without [vendor]: %r" % s.me)
    finally:
        plain.close()
    test_refused()
    print("ok: vendor contact")


if __name__ == "__main__":
    main()
