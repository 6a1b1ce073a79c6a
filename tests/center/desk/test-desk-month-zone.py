#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Monthly report periods follow [reports] timezone: with the default
(Asia/Tokyo) an alert the centre received at 2026-10-31T16:30:00Z (1 November
01:30 in Japan; alerts count by when the centre received them, so the test
sets that time in the SQLite file with the centre stopped) counts in November and not in October, the period runs from 15:00Z on the
last day of the previous month, and the printed times are Japan time; with
`timezone = UTC` the same alert counts in October and times say UTC. A zone
the tz database does not know stops the centre at start with a clear
message. Real mamori-center, real SQLite, real ingest."""

import os
import re
import sqlite3
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import centerlib  # noqa: E402
from centerlib import Center, alert_event, check, start_world  # noqa: E402

EDGE = "2026-10-31T16:30:00.000000+0000"  # 2026-11-01 01:30 JST
EDGE_USEC = 1793464200 * 1000000


def monthly(c, session, tenant, month, fmt="json", lang=None):
    q = "/api/v1/reports/monthly?tenant=%d&month=%s&format=%s" % (tenant, month, fmt)
    if lang:
        q += "&lang=" + lang
    r = c.request("GET", q, session=session)
    check(r.status == 200, "monthly %s %s: %r" % (month, fmt, r))
    return r


def count(c, session, tenant, month):
    return monthly(c, session, tenant, month).json["alerts"]["total"]


def write_config(c, extra):
    with open(c.config, "w") as f:
        f.write("[auth]\npassword_cost = min\n" + extra)


def received_at_edge(c, sid):
    """Stops the centre (its alert rows are written), makes the alert of sid
    received at EDGE and the others in 2020 (out of the way), and starts it
    again."""
    check(c.stop() == 0, "clean stop")
    db = sqlite3.connect(os.path.join(c.data, "center.db"), timeout=30)
    db.execute("UPDATE alerts SET created_at = ? WHERE signature_id != ?",
               (1577836800 * 1000000, sid))
    n = db.execute("UPDATE alerts SET created_at = ? WHERE signature_id = ?",
                   (EDGE_USEC, sid)).rowcount
    db.commit()
    db.close()
    check(n == 1, "one alert of sid %d: %d" % (sid, n))
    c.start()


def check_japan(c, w):
    a = w.tenants["A"]["id"]
    r = c.ingest(w.tenants["A"]["key"], [alert_event(10, sid=7777, ts=EDGE)])
    check(r.status == 200 and r.json["accepted"] == 1, "ingest: %r" % r)
    received_at_edge(c, 7777)
    analyst = c.login("analyst@vendor.example")
    nov = monthly(c, analyst, a, "2026-11").json
    check(nov["alerts"]["total"] == 1, "November (JST) has the alert: %r" % nov["alerts"])
    check(nov["timezone"] == "Asia/Tokyo", "zone in the model: %r" % nov.get("timezone"))
    check(nov["since"] == "2026-10-31T15:00:00Z" and nov["until"] == "2026-11-30T15:00:00Z",
          "November in Japan time: %s .. %s" % (nov["since"], nov["until"]))
    check(count(c, analyst, a, "2026-10") == 0, "October (JST) does not have it")
    md = monthly(c, analyst, a, "2026-11", "md", "en").raw.decode()
    check("Japan time" in md and " JST" in md and " UTC" not in md.replace("of UTC", ""),
          "English report in Japan time: %s" % md[-400:])
    # The month and the time made as people write them, as the web UI does
    # (the JSON model keeps "2026-11" and RFC 3339).
    check(md.startswith("# Monthly security report (November 2026)\n"), "en month: %s" % md[:200])
    check(re.search(r"\(made [1-9][0-9]? (January|February|March|April|May|June|July|August|"
                    r"September|October|November|December) 20[0-9]{2} [0-2][0-9]:[0-5][0-9] JST\)",
                    md), "en time made: %s" % md[:200])
    md = monthly(c, analyst, a, "2026-11", "md", "ja").raw.decode()
    check("日本時間" in md, "Japanese report says Japan time")
    check(md.startswith("# 月次セキュリティ報告（2026年11月）\n"), "ja month: %s" % md[:200])
    check(re.search(r"（作成 20[0-9]{2}年[1-9][0-9]?月[1-9][0-9]?日 [0-2][0-9]:[0-5][0-9]）", md),
          "ja time made: %s" % md[:200])
    return a


def check_utc(c, a):
    analyst = c.login("analyst@vendor.example")
    oct_ = monthly(c, analyst, a, "2026-10").json
    check(oct_["alerts"]["total"] == 1, "October (UTC) has the alert: %r" % oct_["alerts"])
    check(oct_["timezone"] == "UTC" and oct_["since"] == "2026-10-01T00:00:00Z" and
          oct_["until"] == "2026-11-01T00:00:00Z", "October in UTC: %r" % oct_)
    check(count(c, analyst, a, "2026-11") == 0, "November (UTC) does not have it")
    md = monthly(c, analyst, a, "2026-10", "md", "en").raw.decode()
    check("UTC time zone" in md and " JST" not in md, "English report in UTC")
    check(md.startswith("# Monthly security report (October 2026)\n") and
          re.search(r"\(made [0-9]+ [A-Z][a-z]+ 20[0-9]{2} [0-9:]{5} UTC\)", md),
          "en month and time made in UTC: %s" % md[:200])
    md = monthly(c, analyst, a, "2026-10", "md", "ja").raw.decode()
    check("UTC の時刻" in md and "日本時間とは違います" in md, "Japanese report names the zone")
    check(md.startswith("# 月次セキュリティ報告（2026年10月）\n") and
          re.search(r"（作成 20[0-9]{2}年[0-9]+月[0-9]+日 [0-9:]{5} UTC）", md),
          "ja month and time made in UTC: %s" % md[:200])


def check_unknown_zone(c):
    write_config(c, "[reports]\ntimezone = Nowhere/Atlantis\n")
    p = subprocess.run([centerlib.BIN, "--data", c.data, "--config", c.config, "--listen",
                        "127.0.0.1:0"], capture_output=True, text=True, timeout=60)
    check(p.returncode != 0 and "Nowhere/Atlantis" in p.stderr,
          "unknown zone refused at start: %d %s" % (p.returncode, p.stderr))
    write_config(c, "[reports]\ntimezone = ../../etc/passwd\n")
    p = subprocess.run([centerlib.BIN, "--data", c.data, "--config", c.config, "--listen",
                        "127.0.0.1:0"], capture_output=True, text=True, timeout=60)
    check(p.returncode != 0 and "timezone" in p.stderr, "path as zone refused: %s" % p.stderr)


def main():
    c = Center()
    try:
        w = start_world(c)
        a = check_japan(c, w)
        check(c.stop() == 0, "clean stop")
        write_config(c, "[reports]\ntimezone = UTC\n")
        c.start()
        check_utc(c, a)
        check(c.stop() == 0, "clean stop")
        check_unknown_zone(c)
    finally:
        c.close()
    print("ok")


if __name__ == "__main__":
    main()
