#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Vendor statistics on a seeded dataset: alerts, tickets and incidents with
known times are written straight into the real SQLite file of a real
mamori-center (closed, so nothing races), then /api/v1/stats must give the
exact counts and medians, per tenant and overall; SME users get 403 and bad
periods 400. Then alerts whose events are years old (a replayed capture)
arrive through the real ingest: they count in the month and period in which
the centre received them, and the report says so."""

import datetime
import os
import sqlite3
import sys
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from centerlib import Center, World, alert_event, check  # noqa: E402

S = 1000000
JAN = 1735689600 * S  # 2025-01-01T00:00:00Z
DAY = 86400 * S


def seed(path, a, b, c3):
    db = sqlite3.connect(path, timeout=30)
    alert = ("INSERT INTO alerts (tenant_id, sensor_id, signature_id, signature, severity, "
             "first_seen, last_seen, created_at, updated_at) VALUES (?, 0, ?, 'seeded', 2, ?, ?, ?, ?)")
    for tenant, day in ((a, 1), (a, 2), (a, 40), (b, 3)):  # day 40 is outside January
        t = JAN + day * DAY
        db.execute(alert, (tenant, 9000 + day, t, t, t, t))
    ticket = ("INSERT INTO tickets (tenant_id, subject, category, channel, opened_by, "
              "created_at, updated_at) VALUES (?, 'seeded', 'other', 'phone', 1, ?, ?)")
    db.execute(ticket, (b, JAN + 5 * DAY, JAN + 5 * DAY))
    inc = ("INSERT INTO incidents (tenant_id, title, source, created_by, created_at, updated_at, "
           "acknowledged_at, resolved_at, dispatched, status) VALUES (?, 'seeded', 'manual', 1, "
           "?, ?, ?, ?, ?, ?)")
    # tenant, day, seconds to acknowledge (None: not yet), to resolve, on site
    rows = [(a, 1, 600, 3600, 0), (a, 2, 1200, 7200, 1), (a, 3, 3000, None, 0),
            (b, 4, 300, None, 0), (b, 50, 10, 20, 1)]  # day 50: outside January
    for tenant, day, ack, res, onsite in rows:
        t = JAN + day * DAY
        db.execute(inc, (tenant, t, t, t + ack * S if ack else 0, t + res * S if res else 0,
                         onsite, "closed" if res else "remote"))
    db.commit()
    db.close()
    check(c3 is None, "no third tenant")


def check_alert_dates(c, session):
    """The alert list reads a date as the stats do: the seeded alert of day 1
    (last seen 2025-01-02T00:00:00Z, 09:00 on 2 January in Japan) is after
    the start of 2 January and not before it (until is inclusive there)."""
    q = "/api/v1/alerts?signature=9001&"
    for arg, n in (("since=2025-01-02", 1), ("until=2025-01-02", 0), ("until=2025-01-03", 1),
                   ("until=2025-01-02T00:00:00Z", 1)):
        r = c.request("GET", q + arg, session=session)
        check(r.status == 200 and len(r.json["items"]) == n, "alerts %s: %r" % (arg, r))


def check_replayed(c, w):
    """The demo replays 2022 traffic: its alerts are this month's news for
    the owner and the vendor, so they count now, not in 2022."""
    a = w.tenants["A"]["id"]
    code = c.admin("enrol", "--tenant", str(a))
    r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "replay"})
    check(r.status == 201, "enrol: %r" % r)
    key = r.json["key"]
    old = [alert_event(100 + i, sid=8100 + i, ts="2022-03-%02dT10:00:00.000000+0900" % (10 + i))
           for i in range(3)]
    r = c.ingest(key, old)
    check(r.status == 200 and r.json["accepted"] == 3, "ingest: %r" % r)
    analyst = c.login("analyst@vendor.example")
    month = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Tokyo")).strftime("%Y-%m")
    q = "/api/v1/reports/monthly?tenant=%d&month=%%s&format=%%s" % a
    r = c.request("GET", q % (month, "json"), session=analyst)
    check(r.status == 200 and r.json["alerts"]["total"] == 3 and
          r.json["alerts"]["by_severity"]["1"] == 3, "this month's report: %r" % r)
    r = c.request("GET", q % ("2022-03", "json"), session=analyst)
    check(r.status == 200 and r.json["alerts"]["total"] == 0, "March 2022: %r" % r)
    md = c.request("GET", q % (month, "md") + "&lang=ja", session=analyst).raw.decode()
    check("監視センターに届いた警告は合計 **3 件**" in md and "届いた日時で数えています" in md,
          "Japanese report says what is counted: %s" % md[:600])
    md = c.request("GET", q % (month, "md") + "&lang=en", session=analyst).raw.decode()
    check("The centre received **3 alerts** this month" in md and
          "counted by when they reached the centre" in md,
          "English report says what is counted: %s" % md[:600])
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Tokyo")).date()
    r = c.request("GET", "/api/v1/stats?since=%s&until=%s&tenant=%d" %
                  (today, today + datetime.timedelta(days=1), a), session=analyst)
    check(r.status == 200 and r.json["overall"]["alerts"] == 3, "stats of today: %r" % r)
    r = c.request("GET", "/api/v1/stats?since=2022-03-01&until=2022-04-01", session=analyst)
    check(r.status == 200 and r.json["overall"]["alerts"] == 0, "stats of March 2022: %r" % r)
    r = c.request("GET", "/api/v1/alerts?tenant=%d&limit=10" % a, session=analyst)
    got = sorted(x["first_seen"][:4] + "/" + x["received_at"][:10] for x in r.json["items"]
                 if 8100 <= x["signature_id"] < 8200)
    check(got == ["2022/%s" % today] * 3,
          "alerts carry event and received times: %r" % got)


def main():
    c = Center()
    try:
        w = World(c)
        a, b = w.tenants["A"]["id"], w.tenants["B"]["id"]
        seed(os.path.join(c.data, "center.db"), a, b, None)
        c.start()
        analyst = c.login("analyst@vendor.example")
        q = "/api/v1/stats?since=2025-01-01&until=2025-02-01"
        r = c.request("GET", q, session=analyst)
        check(r.status == 200, "stats: %r" % r)
        o = r.json["overall"]
        want = {"smes_served": 2, "alerts": 3, "tickets": 1, "incidents": 4, "remote": 3,
                "onsite": 1, "median_acknowledge_s": 900, "median_resolve_s": 5400}
        check(o == want, "overall: %r" % o)
        # A date is that day in the report zone (Asia/Tokyo): midnight UTC
        # until session 26, nine hours off the web UI's and reports' days.
        check(r.json["since"] == "2024-12-31T15:00:00Z" and
              r.json["until"] == "2025-01-31T15:00:00Z", "period: %r" % r.json)
        rows = {t["tenant_id"]: t for t in r.json["tenants"]}
        check(rows[a] == {"tenant_id": a, "name": "SME A", "smes_served": 1, "alerts": 2,
                          "tickets": 0, "incidents": 3, "remote": 2, "onsite": 1,
                          "median_acknowledge_s": 1200, "median_resolve_s": 5400},
              "tenant A: %r" % rows[a])
        check(rows[b] == {"tenant_id": b, "name": "SME B", "smes_served": 1, "alerts": 1,
                          "tickets": 1, "incidents": 1, "remote": 1, "onsite": 0,
                          "median_acknowledge_s": 300, "median_resolve_s": None},
              "tenant B: %r" % rows[b])
        r = c.request("GET", q + "&tenant=%d" % b, session=analyst)
        check(r.status == 200 and [t["tenant_id"] for t in r.json["tenants"]] == [b] and
              r.json["overall"]["incidents"] == 1 and r.json["overall"]["smes_served"] == 1,
              "tenant filter: %r" % r)
        check_alert_dates(c, analyst)
        r = c.request("GET", "/api/v1/stats?since=2030-01-01&until=2030-02-01", session=analyst)
        check(r.status == 200 and r.json["overall"]["smes_served"] == 0 and
              r.json["overall"]["median_acknowledge_s"] is None, "empty period: %r" % r)
        for bad in ("since=2025-02-01&until=2025-01-01", "since=yesterday", "tenant=x"):
            r = c.request("GET", "/api/v1/stats?" + bad, session=analyst)
            check(r.status == 400 and r.json["error"] == "bad_request", "%s: %r" % (bad, r))
        r = c.request("GET", q, session=c.login("owner@a.example"))
        check(r.status == 403 and r.json["error"] == "forbidden", "SME stats: %r" % r)
        # The monthly report agrees with the same seeded rows.
        r = c.request("GET", "/api/v1/reports/monthly?tenant=%d&month=2025-01&format=json" % a,
                      session=analyst)
        check(r.status == 200 and r.json["incidents"] == {"opened": 3, "closed": 2, "remote": 2,
                                                         "onsite": 1, "sla_breaches": 1} and
              r.json["alerts"]["total"] == 2 and r.json["alerts"]["by_severity"]["2"] == 2,
              "monthly: %r" % r)
        check_replayed(c, w)
        rc = c.stop()
        check(rc == 0, "server exit status %d" % rc)
    finally:
        c.close()
    print("ok")


if __name__ == "__main__":
    main()
