# SPDX-License-Identifier: Apache-2.0
"""Emergency mail when an alert's severity rises later through aggregation,
against the real SMTP sink of test-mail.py (aiosmtpd on 127.0.0.1) and the
real mamori-center:
- an alert below the tenant's threshold (3 > 2) gets no mail; more events
  folded into it raise it to 2: one 'rise' mail (Japanese, saying from which
  level to which); another 2 changes nothing; a 1 gives one more mail; a
  further 1 and a 3 give none (at most once per alert and level);
- an alert mailed at 2 that rises to 1 gets exactly one more mail (English);
- two events in one batch (3 then 1) make one alert mailed once at 1, no rise;
- a rise while the tenant's throttle window is full becomes a digest item:
  3 immediate mails and one digest, no 'rise' row (the storm rule holds);
- after a restart nothing is mailed again."""

import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("mailtest", os.path.join(HERE, "test-mail.py"))
mailtest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mailtest)  # skips (77) itself when aiosmtpd is missing

from centerlib import alert_event, check  # noqa: E402

Fixture, Sink, wait_for, parts = mailtest.Fixture, mailtest.Sink, mailtest.wait_for, mailtest.parts


def send(f, name, events):
    """Ingests (sid, src, sev) alert events for tenant name, in one batch."""
    lines = []
    for sid, src, sev in events:
        f.seq[name] += 1
        lines.append(alert_event(f.seq[name], sid=sid, sev=sev, src=src))
    r = f.c.ingest(f.tenants[name][1], lines, compress=True)
    check(r.status == 200 and r.json["accepted"] == len(lines), "ingest: %r" % r)


def alert_row(f, tid, sid):
    """(id, severity, count) of the tenant's one alert of sid, as the API
    gives it (the centre writes alert rows once a second and before every
    read, so the database file alone may lag by a second)."""
    r = f.c.request("GET", "/api/v1/alerts?tenant=%d&signature=%d&limit=10" % (tid, sid),
                    token=f.token)
    check(r.status == 200, "alert list: %r" % r)
    rows = [(a["id"], a["severity"], a["count"]) for a in r.json["items"]]
    check(len(rows) == 1, "one aggregated alert for %d: %r" % (sid, rows))
    return rows[0]


def scanned(f, alert_id):
    with f.db() as db:
        return db.execute("SELECT last_alert_id FROM mail_scan").fetchone()[0] >= alert_id


def rises_settled(f):
    with f.db() as db:
        return db.execute("SELECT count(*) FROM mail_rises WHERE done = 0").fetchone()[0] == 0


def kinds(f, tid):
    with f.db() as db:
        return db.execute("SELECT kind, severity, status FROM mail_outbox WHERE tenant_id = ? "
                          "ORDER BY id", (tid,)).fetchall()


def settle(f, tid, n):
    wait_for(lambda: rises_settled(f) and len(kinds(f, tid)) == n and
             all(k[2] == "sent" for k in kinds(f, tid)), "%d mails sent" % n)
    time.sleep(0.5)  # one more mail would be a failure: give it the chance to show up


def test_rise_from_below(f, sink):
    tid = f.tenant("上昇商事", "ja", ["owner@rise.example"])
    send(f, "上昇商事", [(6001, "10.9.0.1", 3)])
    aid = alert_row(f, tid, 6001)[0]
    wait_for(lambda: scanned(f, aid), "the scan to pass the alert")
    check(kinds(f, tid) == [], "no mail below the threshold")
    send(f, "上昇商事", [(6001, "10.9.0.1", 2)])
    check(alert_row(f, tid, 6001) == (aid, 2, 2), "folded and raised: %r" %
          (alert_row(f, tid, 6001),))
    settle(f, tid, 1)
    got = sink.to("owner@rise.example")
    check(len(got) == 1, "one rise mail: %d" % len(got))
    msg = got[0][1]
    check(msg["Subject"].startswith("【mamori 緊急・重要度が上がりました】上昇商事: 危険な相手と通信しました"),
          "rise subject: %s" % msg["Subject"])
    plain, html = parts(msg)
    check("重要度が「注意（時間のあるときに確認してください）」から" in plain and
          "「要注意（今日中に確認してください）」に上がりました" in plain and "2 回検知" in plain,
          "from and to levels, count: %s" % plain)
    check('<html lang="ja">' in html and "https://centre.example/alerts/%d" % aid in html,
          "HTML part with the link")
    check(msg["To"] == "undisclosed-recipients:;", "To header: %s" % msg["To"])
    check(kinds(f, tid) == [("rise", 2, "sent")], "outbox: %r" % kinds(f, tid))
    # The same level again: nothing. Level 1: one more. Then nothing more.
    send(f, "上昇商事", [(6001, "10.9.0.1", 2)])
    send(f, "上昇商事", [(6001, "10.9.0.1", 1)])
    settle(f, tid, 2)
    send(f, "上昇商事", [(6001, "10.9.0.1", 1)])
    send(f, "上昇商事", [(6001, "10.9.0.1", 3)])
    settle(f, tid, 2)
    check(alert_row(f, tid, 6001) == (aid, 1, 6), "one alert, six events, severity 1")
    check(kinds(f, tid) == [("rise", 2, "sent"), ("rise", 1, "sent")], "outbox: %r" %
          kinds(f, tid))
    got = sink.to("owner@rise.example")
    check(len(got) == 2 and "「緊急（すぐに対応が必要です）」に上がりました" in parts(got[1][1])[0],
          "second rise mail at level 1")
    ids = [m[1]["Message-ID"] for m in got]
    check(len(set(ids)) == 2 and all("mamori.rise." in i for i in ids), "Message-IDs: %s" % ids)
    return tid


def test_rise_after_mail(f, sink):
    tid = f.tenant("Rise Ltd", "en", ["boss@rise.example"])
    send(f, "Rise Ltd", [(6002, "10.9.0.2", 2)])
    settle(f, tid, 1)
    send(f, "Rise Ltd", [(6002, "10.9.0.2", 1)])
    settle(f, tid, 2)
    check([k[:2] for k in kinds(f, tid)] == [("alert", None), ("rise", 1)], "outbox: %r" %
          kinds(f, tid))
    got = sink.to("boss@rise.example")
    check(len(got) == 2, "alert mail and rise mail: %d" % len(got))
    msg = got[1][1]
    check(msg["Subject"].startswith("[mamori URGENT, severity raised] Rise Ltd: Talked to a bad "
                                    "host"), "English rise subject: %s" % msg["Subject"])
    plain, html = parts(msg)
    check('from "medium (check today)" to "high (act now)"' in plain and
          '<html lang="en">' in html, "English rise text: %s" % plain)
    # Two events in one batch make one new alert at the higher level: one mail.
    send(f, "Rise Ltd", [(6003, "10.9.0.3", 3), (6003, "10.9.0.3", 1)])
    settle(f, tid, 3)
    check(kinds(f, tid)[2][:2] == ("alert", None), "no rise for a new alert: %r" % kinds(f, tid))
    return tid


def test_rise_throttled(f, sink):
    """immediate_max = 3: three new alerts fill the window; the rise that
    comes with them waits for the digest instead of a fourth mail."""
    tid = f.tenant("Rise Storm", "en", ["desk@risestorm.example"])
    send(f, "Rise Storm", [(6100, "10.9.1.1", 3)])
    aid = alert_row(f, tid, 6100)[0]
    wait_for(lambda: scanned(f, aid), "the scan to pass the alert")
    send(f, "Rise Storm", [(6101, "10.9.1.2", 1), (6102, "10.9.1.3", 1), (6103, "10.9.1.4", 1),
                           (6100, "10.9.1.1", 1)])
    settle(f, tid, 4)
    check([k[0] for k in kinds(f, tid)] == ["alert", "alert", "alert", "digest"],
          "throttled rise goes into the digest: %r" % kinds(f, tid))
    digest = sink.to("desk@risestorm.example")[3][1]
    check("1 more alerts" in digest["Subject"], "digest subject: %s" % digest["Subject"])
    return tid


def main():
    port = mailtest.free_port()
    sink = Sink()
    f = Fixture(port)
    sink.start(port)
    try:
        f.c.start()
        a = test_rise_from_below(f, sink)
        b = test_rise_after_mail(f, sink)
        c = test_rise_throttled(f, sink)
        before = len(sink.messages)
        check(f.c.stop() == 0, "clean stop")
        f.c.start()
        time.sleep(1)  # a few mail rounds: nothing may be sent again
        check(len(sink.messages) == before and rises_settled(f),
              "nothing mailed again after a restart")
        check(len(kinds(f, a)) == 2 and len(kinds(f, b)) == 3 and len(kinds(f, c)) == 4,
              "outbox unchanged after the restart")
        print("ok: severity rise mail (%d messages)" % len(sink.messages))
    finally:
        f.stop(sink)
    f.c.close()


if __name__ == "__main__":
    main()
