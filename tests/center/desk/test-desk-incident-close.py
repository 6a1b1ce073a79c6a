#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Closing an incident against the real mamori-center on 127.0.0.1 with a
real SQLite file: its alerts still escalated to it are closed in the same
step, with the reason "Closed with incident N: <outcome>" (事故対応 N で完了:
in a Japanese company's language) and an alert.status audit row; an alert a
person closed before keeps its own reason; the owner's 'escalated' filter is
empty afterwards. A close without an outcome is 400 missing_field naming the
field ("field": "outcome") and changes nothing."""

import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from centerlib import Center, alert_event, check, start_world  # noqa: E402


def expect(r, status, what):
    check(r.status == status, "%s: want %d, got %r" % (what, status, r))
    return r.json


def alert(c, session, aid):
    return expect(c.request("GET", "/api/v1/alerts/%d" % aid, session=session), 200, "alert")


def english_company(c, w, analyst):
    a = w.tenants["A"]
    owner = a["session"]
    items = expect(c.request("GET", "/api/v1/alerts", session=owner), 200, "alerts")["items"]
    first, second = items[0]["id"], items[1]["id"]
    inc = expect(c.request("POST", "/api/v1/incidents", {"alert_id": first}, session=analyst),
                 201, "incident")
    iid = inc["id"]
    expect(c.request("POST", "/api/v1/incidents/%d/alerts" % iid, {"alert_id": second},
                     session=analyst), 200, "link the second alert")
    # A person closes the second alert before the incident ends: its reason stays.
    expect(c.request("POST", "/api/v1/alerts/%d/close" % second, {"reason": "duplicate"},
                     session=analyst), 200, "close the second alert")
    esc = expect(c.request("GET", "/api/v1/alerts?status=escalated", session=owner), 200, "esc")
    check([x["id"] for x in esc["items"]] == [first], "escalated before: %r" % esc)

    # No outcome: the error names the field, and nothing moves.
    r = c.request("POST", "/api/v1/incidents/%d/transition" % iid, {"to": "closed"},
                  session=analyst)
    check(r.status == 400 and r.json["error"] == "missing_field" and
          r.json.get("field") == "outcome", "no outcome: %r" % r)
    check(alert(c, owner, first)["status"] == "escalated", "alert moved on a refused close")
    r = c.request("POST", "/api/v1/incidents/%d/transition" % iid, {"to": "closed", "colour": 1},
                  session=analyst)
    check(r.status == 400 and r.json.get("field") == "colour", "unknown field: %r" % r)
    # A field refused for its value is named too (the detail starts with it).
    r = c.request("POST", "/api/v1/incidents/%d/transition" % iid,
                  {"to": "onsite", "dispatch": {"who": "x", "when": "soon", "where": "y"}},
                  session=analyst)
    check(r.status == 400 and r.json.get("field") == "dispatch.when", "bad when: %r" % r)
    r = c.request("PATCH", "/api/v1/incidents/%d" % iid, {"impact": "x" * 4001}, session=analyst)
    check(r.status == 400 and r.json.get("field") == "impact", "long impact: %r" % r)
    # A detail that is no field name gets no "field".
    r = c.request("POST", "/api/v1/incidents/%d/transition" % iid,
                  {"to": "onsite", "dispatch": {"who": "x"}}, session=analyst)
    check(r.status == 400 and "field" not in r.json, "dispatch detail: %r" % r)

    expect(c.request("POST", "/api/v1/incidents/%d/transition" % iid,
                     {"to": "closed", "outcome": "Cleaned and restored"}, session=analyst),
           200, "close")
    got = alert(c, owner, first)
    want = "Closed with incident %d: Cleaned and restored" % iid
    check(got["status"] == "closed" and got["close_reason"] == want, "linked alert: %r" % got)
    check(got["incident_id"] == iid, "link kept: %r" % got)
    check(alert(c, owner, second)["close_reason"] == "duplicate", "own reason kept")
    esc = expect(c.request("GET", "/api/v1/alerts?status=escalated", session=owner), 200, "esc")
    check(esc["items"] == [], "escalated after: %r" % esc)
    audit = expect(c.request("GET", "/api/v1/audit?limit=200", session=owner), 200, "audit")
    rows = [e for e in audit["items"] if e["action"] == "alert.status" and
            e["detail"] == "escalated -> closed: " + want]
    check(len(rows) == 1, "audit: %r" % [e for e in audit["items"]
                                         if e["action"] == "alert.status"])
    # Closed is final: no way back, so the alerts stay closed.
    r = c.request("POST", "/api/v1/incidents/%d/transition" % iid, {"to": "remote"},
                  session=analyst)
    check(r.status == 409, "reopen: %r" % r)
    return iid


def japanese_company(c, w, analyst, admin):
    b = w.tenants["B"]
    expect(c.request("PATCH", "/api/v1/tenants/%d" % b["id"], {"lang": "ja"}, session=admin),
           200, "B reads Japanese")
    inc = expect(c.request("POST", "/api/v1/incidents", {"alert_id": b["alert"]},
                           session=analyst), 201, "incident for B")
    expect(c.request("POST", "/api/v1/incidents/%d/transition" % inc["id"],
                     {"to": "closed", "outcome": "誤検知でした"}, session=analyst), 200, "close")
    got = alert(c, b["session"], b["alert"])
    check(got["status"] == "closed" and
          got["close_reason"] == "事故対応 %d で完了: 誤検知でした" % inc["id"], "B: %r" % got)
    return inc["id"]


def long_outcome(c, w, analyst):
    """An outcome of 2000 bytes makes a reason cut to the alert API's 500
    bytes, on a character boundary."""
    a = w.tenants["A"]
    ev_sid = 4004
    r = c.ingest(a["key"], [alert_event(50, sid=ev_sid)])
    check(r.status == 200, "ingest: %r" % r)
    items = expect(c.request("GET", "/api/v1/alerts?status=new", session=analyst), 200,
                   "new")["items"]
    aid = [x["id"] for x in items if x["signature_id"] == ev_sid][0]
    inc = expect(c.request("POST", "/api/v1/incidents", {"alert_id": aid}, session=analyst),
                 201, "incident")
    expect(c.request("POST", "/api/v1/incidents/%d/transition" % inc["id"],
                     {"to": "closed", "outcome": "復" * 666}, session=analyst), 200, "close")
    reason = alert(c, analyst, aid)["close_reason"]
    check(len(reason.encode()) <= 500 and reason.endswith("復"), "cut: %r" % len(reason))


def main():
    c = Center()
    try:
        w = start_world(c)
        analyst = c.login("analyst@vendor.example")
        admin = c.login("admin@vendor.example")
        english_company(c, w, analyst)
        japanese_company(c, w, analyst, admin)
        long_outcome(c, w, analyst)
        rc = c.stop()
        check(rc == 0, "server exit status %d" % rc)
        db = sqlite3.connect(os.path.join(c.data, "center.db"))
        n = db.execute("SELECT COUNT(*) FROM alerts WHERE status = 'escalated'").fetchone()[0]
        check(n == 0, "escalated alerts left in the file: %d" % n)
        db.close()
    finally:
        c.close()
    print("ok")


if __name__ == "__main__":
    main()
