#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Consultation desk and incidents against the real mamori-center on
127.0.0.1 with real SQLite files: an SME owner opens a ticket, an analyst
answers (with a vendor-only note), escalates it to an incident, dispatches
someone on site, recovers and closes it; a second incident from an alert
goes the remote-only way. Checks the state machines (409), bad input (4xx
with reasons), the thread's visibility, tenant isolation (404), the audit
log, the SLA breach flag, and the incident report in ja and en."""

import datetime
import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from centerlib import Center, alert_event, check, start_world  # noqa: E402


def expect(r, status, what, error=None):
    check(r.status == status, "%s: want %d, got %r" % (what, status, r))
    if error:
        check(r.json and r.json.get("error") == error, "%s: want error %s, got %r" % (what, error, r))
    return r.json


def bad_tickets(c, owner, w):
    a, b = w.tenants["A"], w.tenants["B"]
    base = {"category": "suspicious_mail", "subject": "s", "body": "b"}
    cases = [
        ({"category": "suspicious_mail", "body": "b"}, 400, "missing_field"),
        (dict(base, category="bogus"), 400, "bad_field"),
        (dict(base, subject=""), 400, "bad_field"),
        (dict(base, body="x" * 10001), 400, "bad_field"),
        (dict(base, channel="phone"), 400, "bad_field"),
        (dict(base, colour="red"), 400, "unknown_field"),
        (dict(base, alert_ids=[b["alert"]]), 404, "not_found"),
        (dict(base, alert_ids=["x"]), 400, "bad_field"),
        (dict(base, tenant_id=b["id"]), 404, "not_found"),
    ]
    for body, status, error in cases:
        expect(c.request("POST", "/api/v1/tickets", body, session=owner), status,
               "bad ticket %r" % body, error)
    expect(c.request("POST", "/api/v1/tickets", "{not json", session=owner,
                     headers={"Content-Type": "application/json"}), 400, "bad json", "bad_json")
    check(a["id"] != b["id"], "two tenants")


def ticket_flow(c, w, owner, analyst):
    a = w.tenants["A"]
    cats = expect(c.request("GET", "/api/v1/ticket-categories", session=owner), 200, "categories")
    ids = [x["id"] for x in cats["categories"]]
    check(ids == ["suspicious_mail", "fake_warning", "encrypted_files", "unauthorised_access",
                  "lost_device", "other"], "categories: %r" % ids)
    check(all(x["label"]["ja"] and x["label"]["en"] for x in cats["categories"]), "labels")
    t = expect(c.request("POST", "/api/v1/tickets",
                         {"category": "suspicious_mail", "subject": "Strange invoice mail",
                          "body": "An invoice came from a supplier we do not know. I opened "
                                  "the attachment.", "alert_ids": [a["alert"]]},
                         session=owner), 201, "open ticket")
    check(t["status"] == "open" and t["channel"] == "web" and t["tenant_id"] == a["id"],
          "new ticket: %r" % t)
    check(len(t["messages"]) == 1 and t["alert_ids"] == [a["alert"]], "thread: %r" % t)
    check(t["category_label"]["ja"] == "怪しいメール", "label: %r" % t["category_label"])
    tid = t["id"]
    expect(c.request("POST", "/api/v1/tickets/%d/messages" % tid,
                     {"body": "Please unplug the network cable; we will call you."},
                     session=analyst), 201, "analyst reply")
    note = expect(c.request("POST", "/api/v1/tickets/%d/messages" % tid,
                            {"body": "VENDOR-ONLY: check the mail gateway logs",
                             "internal": True}, session=analyst), 201, "internal note")
    check(note["internal"] is True and note["author"]["vendor"] is True, "note: %r" % note)
    expect(c.request("POST", "/api/v1/tickets/%d/messages" % tid,
                     {"body": "x", "internal": True}, session=owner), 403, "SME internal",
           "forbidden")
    mine = expect(c.request("GET", "/api/v1/tickets/%d" % tid, session=owner), 200, "SME view")
    check(len(mine["messages"]) == 2 and mine["message_count"] == 2, "SME thread: %r" % mine)
    check("VENDOR-ONLY" not in mine and all(not m["internal"] for m in mine["messages"]),
          "internal note leaked")
    theirs = expect(c.request("GET", "/api/v1/tickets/%d" % tid, session=analyst), 200, "vendor")
    check(len(theirs["messages"]) == 3, "vendor thread: %r" % theirs)
    t = expect(c.request("POST", "/api/v1/tickets/%d/alerts" % tid, {"alert_id": a["alert"]},
                         session=owner), 200, "link again")
    check(t["alert_ids"] == [a["alert"]], "link is idempotent: %r" % t)
    expect(c.request("POST", "/api/v1/tickets/%d/alerts" % tid,
                     {"alert_id": w.tenants["B"]["alert"]}, session=owner), 404,
           "link a foreign alert", "not_found")
    lst = expect(c.request("GET", "/api/v1/tickets", session=owner), 200, "list")
    check([x["id"] for x in lst["items"]] == [tid], "list: %r" % lst)
    # Status machine: waiting (vendor only), reply from the SME reopens.
    expect(c.request("PATCH", "/api/v1/tickets/%d" % tid, {"status": "waiting"}, session=owner),
           403, "SME sets waiting", "forbidden")
    t = expect(c.request("PATCH", "/api/v1/tickets/%d" % tid, {"status": "waiting"},
                         session=analyst), 200, "waiting")
    check(t["status"] == "waiting", "waiting: %r" % t)
    expect(c.request("POST", "/api/v1/tickets/%d/messages" % tid,
                     {"body": "Cable unplugged. What next?"}, session=owner), 201, "SME reply")
    t = expect(c.request("GET", "/api/v1/tickets/%d" % tid, session=owner), 200, "after reply")
    check(t["status"] == "open", "SME reply reopens: %r" % t["status"])
    expect(c.request("PATCH", "/api/v1/tickets/%d" % tid, {"status": "nope"}, session=analyst),
           400, "bad status", "bad_field")
    # A staff member opens one too, marks it resolved and reopens it.
    staff = c.login("staff@a.example")
    s = expect(c.request("POST", "/api/v1/tickets",
                         {"category": "fake_warning", "subject": "A warning with a phone number",
                          "body": "The screen says to call Microsoft."}, session=staff), 201,
               "staff ticket")
    check(s["opened_by"]["role"] == "staff" and s["opened_by"]["vendor"] is False, "%r" % s)
    s = expect(c.request("PATCH", "/api/v1/tickets/%d" % s["id"], {"status": "resolved"},
                         session=staff), 200, "staff resolves")
    check(s["status"] == "resolved" and s["resolved_at"], "resolved: %r" % s)
    s = expect(c.request("PATCH", "/api/v1/tickets/%d" % s["id"], {"status": "open"},
                         session=staff), 200, "staff reopens")
    check(s["status"] == "open" and s["resolved_at"] is None, "reopened: %r" % s)
    expect(c.request("PATCH", "/api/v1/tickets/%d" % s["id"], {"status": "closed"},
                     session=staff), 200, "staff closes")
    # Phone ticket on behalf of tenant B.
    b = w.tenants["B"]
    expect(c.request("POST", "/api/v1/tickets", {"category": "lost_device", "subject": "s",
                                                 "body": "b", "channel": "phone"},
                     session=analyst), 400, "vendor without tenant", "missing_field")
    p = expect(c.request("POST", "/api/v1/tickets",
                         {"tenant_id": b["id"], "channel": "phone", "category": "lost_device",
                          "subject": "Laptop left on a train", "body": "Called at 9:10."},
                         session=analyst), 201, "phone ticket")
    check(p["channel"] == "phone" and p["tenant_id"] == b["id"], "phone: %r" % p)
    # A closed ticket takes no more messages and cannot change.
    expect(c.request("PATCH", "/api/v1/tickets/%d" % p["id"], {"status": "closed"},
                     session=analyst), 200, "close")
    expect(c.request("POST", "/api/v1/tickets/%d/messages" % p["id"], {"body": "x"},
                     session=analyst), 409, "message on closed", "invalid_transition")
    expect(c.request("PATCH", "/api/v1/tickets/%d" % p["id"], {"status": "open"},
                     session=analyst), 409, "reopen closed", "invalid_transition")
    return tid


def transition(c, iid, session, body, status=200, error=None):
    return expect(c.request("POST", "/api/v1/incidents/%d/transition" % iid, body,
                            session=session), status, "transition %r" % body, error)


def incident_flow(c, w, owner, analyst, tid):
    a = w.tenants["A"]
    inc = expect(c.request("POST", "/api/v1/tickets/%d/escalate" % tid, {"severity": 1},
                           session=analyst), 201, "escalate ticket")
    iid = inc["id"]
    check(inc["status"] == "triage" and inc["source"] == "ticket" and inc["severity"] == 1,
          "incident: %r" % inc)
    check(inc["alert_ids"] == [a["alert"]] and inc["title"] == "Strange invoice mail", "%r" % inc)
    al = expect(c.request("GET", "/api/v1/alerts/%d" % a["alert"], session=owner), 200, "alert")
    check(al["status"] == "escalated" and al["incident_id"] == iid, "alert: %r" % al)
    t = expect(c.request("GET", "/api/v1/tickets/%d" % tid, session=owner), 200, "ticket")
    check(t["incident_id"] == iid, "ticket link: %r" % t)
    expect(c.request("POST", "/api/v1/tickets/%d/escalate" % tid, {}, session=analyst), 409,
           "escalate twice", "conflict")
    expect(c.request("POST", "/api/v1/tickets/%d/escalate" % tid, {}, session=owner), 403,
           "SME escalates", "forbidden")
    # The state machine; "next" lists the stages the centre accepts from here.
    check(inc["next"] == ["remote", "onsite", "closed"], "next from triage: %r" % inc["next"])
    transition(c, iid, analyst, {"to": "recovery"}, 409, "invalid_transition")
    transition(c, iid, analyst, {"to": "bogus"}, 400, "bad_field")
    transition(c, iid, analyst, {"to": "onsite"}, 400, "missing_field")
    transition(c, iid, analyst, {"to": "closed"}, 400, "missing_field")
    inc = transition(c, iid, analyst, {"to": "remote", "note": "Called the owner."})
    check(inc["status"] == "remote" and inc["acknowledged_at"], "remote: %r" % inc)
    check(inc["next"] == ["onsite", "recovery"], "next from remote: %r" % inc["next"])
    transition(c, iid, analyst, {"to": "onsite", "dispatch": {"who": "Sato", "where": "x",
                                                                 "when": "tomorrow"}},
               400, "bad_field")
    transition(c, iid, analyst, {"to": "onsite", "dispatch": {"who": "Sato", "where": "x",
                                                                 "when": "2026-04-02T01:00:00Z",
                                                                 "car": "blue"}},
               400, "unknown_field")
    inc = transition(c, iid, analyst, {
        "to": "onsite", "note": "Infection likely; sending an engineer.",
        "dispatch": {"who": "Sato Kenji", "when": "2026-04-02T01:00:00Z",
                     "where": "Head office, 2-3 Chuo, Sendai", "contact": "Owner, 022-000-0000",
                     "notes": "Bring a clean USB installer"}})
    check(inc["status"] == "onsite" and inc["handling"] == "onsite", "onsite: %r" % inc)
    check(inc["next"] == ["remote", "recovery"], "next from onsite: %r" % inc["next"])
    check(inc["dispatch"]["who"] == "Sato Kenji" and
          inc["dispatch"]["when"] == "2026-04-02T01:00:00Z", "dispatch: %r" % inc["dispatch"])
    transition(c, iid, analyst, {"to": "closed", "outcome": "x"}, 409, "invalid_transition")
    transition(c, iid, owner, {"to": "recovery"}, 403, "forbidden")
    transition(c, iid, analyst, {"to": "recovery", "note": "PC reinstalled from a clean image."})
    me = expect(c.request("GET", "/api/v1/me", session=analyst), 200, "me")
    inc = expect(c.request("PATCH", "/api/v1/incidents/%d" % iid, {
        "assignee_id": me["user"]["id"],
        "summary": "An employee opened a fake invoice; the PC contacted a known bad server.",
        "impact": "One PC. No sign that customer data left the company.",
        "actions": "Network cut, PC reinstalled, mail password changed.",
        "advice": "Do not open attachments from unknown senders; call the sender to check."},
        session=analyst), 200, "edit")
    check(inc["assignee_id"] == me["user"]["id"], "assignee: %r" % inc)
    expect(c.request("PATCH", "/api/v1/incidents/%d" % iid, {"assignee_id": a["owner"]},
                     session=analyst), 400, "SME assignee", "bad_field")
    expect(c.request("PATCH", "/api/v1/incidents/%d" % iid, {"severity": 9}, session=analyst),
           400, "bad severity", "bad_field")
    expect(c.request("POST", "/api/v1/incidents/%d/notes" % iid,
                     {"body": "SECRET-NOTE: invoice vendor is on our watch list",
                      "internal": True}, session=analyst), 201, "internal note")
    expect(c.request("POST", "/api/v1/incidents/%d/notes" % iid,
                     {"body": "Backups checked with the owner."}, session=analyst), 201, "note")
    inc = transition(c, iid, analyst, {"to": "closed",
                                       "outcome": "Recovered; no data loss confirmed."})
    check(inc["status"] == "closed" and inc["resolved_at"], "closed: %r" % inc)
    check(inc["next"] == [], "next from closed: %r" % inc["next"])
    check(inc["sla"]["time_to_resolve_s"] is not None, "resolve time: %r" % inc["sla"])
    transition(c, iid, analyst, {"to": "remote"}, 409, "invalid_transition")
    mine = expect(c.request("GET", "/api/v1/incidents/%d" % iid, session=owner), 200, "SME view")
    kinds = [e["kind"] for e in mine["timeline"]]
    check(kinds[0] == "created" and "dispatch" in kinds and "alert" in kinds, "timeline %r" % kinds)
    check("SECRET-NOTE" not in mine.__repr__() and "edit" not in kinds, "internal timeline leaked")
    steps = [e["to"] for e in mine["timeline"] if e["kind"] == "status"]
    check(steps == ["remote", "onsite", "recovery", "closed"], "steps: %r" % steps)
    full = expect(c.request("GET", "/api/v1/incidents/%d" % iid, session=analyst), 200, "vendor")
    check("SECRET-NOTE" in repr(full), "vendor sees internal notes")
    return iid


def remote_only_and_sla(c, w, owner, analyst, admin):
    a = w.tenants["A"]
    alerts = expect(c.request("GET", "/api/v1/alerts?status=new", session=owner), 200, "alerts")
    second = alerts["items"][0]["id"]
    # Opened without a title, an incident takes the alert's message in its
    # company's language (the SME reads it too), not the English signature.
    expect(c.request("PATCH", "/api/v1/tenants/%d" % w.tenants["B"]["id"], {"lang": "ja"},
                     session=admin), 200, "B reads Japanese")
    inc_b = expect(c.request("POST", "/api/v1/incidents", {"alert_id": w.tenants["B"]["alert"]},
                             session=analyst), 201, "incident for B")
    check(inc_b["title"] == "危険な相手と通信しました", "B's title: %r" % inc_b["title"])
    expect(c.request("POST", "/api/v1/incidents", {}, session=analyst), 400, "no origin",
           "missing_field")
    expect(c.request("POST", "/api/v1/incidents", {"alert_id": second, "tenant_id": 999},
                     session=analyst), 400, "tenant mismatch", "bad_field")
    inc = expect(c.request("POST", "/api/v1/incidents", {"alert_id": second}, session=analyst),
                 201, "incident from alert")
    check(inc["source"] == "alert" and inc["alert_ids"] == [second], "from alert: %r" % inc)
    check(inc["title"] == "Talked to a bad host", "A's title: %r" % inc["title"])
    # The incident takes the alert's severity (a high alert is not a medium incident).
    check(inc["severity"] == alerts["items"][0]["severity"] == 1, "severity: %r" % inc)
    expect(c.request("POST", "/api/v1/incidents", {"alert_id": second}, session=analyst), 409,
           "alert escalated twice", "invalid_transition")
    iid = inc["id"]
    sla = expect(c.request("GET", "/api/v1/tenants/%d/sla" % a["id"], session=owner), 200, "sla")
    check(sla["acknowledge_minutes"] == 60 and sla["resolve_minutes"] == 1440, "defaults %r" % sla)
    expect(c.request("PUT", "/api/v1/tenants/%d/sla" % a["id"],
                     {"acknowledge_minutes": 30, "resolve_minutes": 240}, session=owner), 403,
           "SME sets SLA", "forbidden")
    expect(c.request("PUT", "/api/v1/tenants/%d/sla" % a["id"],
                     {"acknowledge_minutes": 0, "resolve_minutes": 240}, session=admin), 400,
           "bad SLA", "bad_field")
    expect(c.request("PUT", "/api/v1/tenants/%d/sla" % a["id"],
                     {"acknowledge_minutes": 30, "resolve_minutes": 240}, session=admin), 200,
           "set SLA")
    inc = expect(c.request("GET", "/api/v1/incidents/%d" % iid, session=owner), 200, "fresh")
    check(inc["sla"]["acknowledge_breached"] is False, "fresh incident breached: %r" % inc["sla"])
    # Age the incident by 45 minutes in the real database: past the 30-minute target.
    db = sqlite3.connect(os.path.join(c.data, "center.db"), timeout=30)
    db.execute("UPDATE incidents SET created_at = created_at - 45 * 60 * 1000000 WHERE id = ?",
               (iid,))
    db.commit()
    db.close()
    inc = expect(c.request("GET", "/api/v1/incidents/%d" % iid, session=owner), 200, "aged")
    s = inc["sla"]
    check(s["acknowledge_breached"] is True and s["resolve_breached"] is False and
          s["time_to_acknowledge_s"] is None and s["acknowledge_minutes"] == 30, "sla: %r" % s)
    for step in ("remote", "recovery"):
        transition(c, iid, analyst, {"to": step})
    inc = transition(c, iid, analyst, {"to": "closed", "outcome": "Blocked at the router."})
    check(inc["handling"] == "remote" and inc["dispatch"] is None, "remote only: %r" % inc)
    check(inc["sla"]["time_to_acknowledge_s"] >= 45 * 60 and inc["sla"]["acknowledge_breached"],
          "ack time: %r" % inc["sla"])
    lst = expect(c.request("GET", "/api/v1/incidents?status=closed", session=owner), 200, "list")
    check(len(lst["items"]) == 2 and all(i["tenant_id"] == a["id"] for i in lst["items"]),
          "closed list: %r" % lst)
    return iid


def report_checks(c, owner, analyst, iid):
    j = expect(c.request("GET", "/api/v1/incidents/%d/report?format=json" % iid, session=owner),
               200, "report json")
    check(j["incident"]["summary"].startswith("An employee") and j["dispatch"]["who"] ==
          "Sato Kenji" and j["alerts"] and j["tenant"]["name"] == "SME A", "model: %r" % j)
    check("SECRET-NOTE" not in repr(j), "internal note in report")
    md = c.request("GET", "/api/v1/incidents/%d/report?format=md&lang=ja" % iid, session=owner)
    check(md.status == 200 and md.headers["content-type"].startswith("text/markdown"), "md")
    text = md.raw.decode()
    for want in ("# セキュリティ事故の報告書", "## 何が起きたか", "An employee opened a fake invoice",
                 "## 影響", "## 行った対応", "## これからお願いしたいこと", "Sato Kenji",
                 "訪問して対応中", "対応完了", "目標", "INC-%d" % iid, "保険会社"):
        check(want in text, "ja report lacks %r:\n%s" % (want, text))
    check("SECRET-NOTE" not in text, "internal note in md")
    html = c.request("GET", "/api/v1/incidents/%d/report" % iid, session=owner)
    check(html.status == 200 and html.headers["content-type"].startswith("text/html"), "html")
    page = html.raw.decode()
    for want in ('<html lang="en"', "<h2>What happened</h2>", "Sato Kenji", "Head office",
                 "/api/v1/report.css", "What was done", "Timeline", "target"):
        check(want in page, "en report lacks %r" % want)
    check("SECRET-NOTE" not in page, "internal note in html")
    vendor = c.request("GET", "/api/v1/incidents/%d/report?format=md" % iid, session=analyst)
    check(vendor.status == 200 and b"SECRET-NOTE" not in vendor.raw, "vendor report: internal")
    expect(c.request("GET", "/api/v1/incidents/%d/report?format=docx" % iid, session=owner), 400,
           "bad format", "bad_request")
    expect(c.request("GET", "/api/v1/incidents/%d/report?lang=fr" % iid, session=owner), 400,
           "bad lang", "bad_request")
    css = c.request("GET", "/api/v1/report.css")
    check(css.status == 200 and b"@page" in css.raw, "report css: %r" % css)


def isolation_checks(c, w, tid, iid):
    b = w.tenants["B"]
    bs = b["session"]
    for path in ("/api/v1/tickets/%d" % tid, "/api/v1/incidents/%d" % iid,
                 "/api/v1/incidents/%d/report" % iid,
                 "/api/v1/tenants/%d/reports/monthly" % w.tenants["A"]["id"],
                 "/api/v1/tenants/%d/sla" % w.tenants["A"]["id"]):
        expect(c.request("GET", path, session=bs), 404, "B reads " + path, "not_found")
    expect(c.request("POST", "/api/v1/tickets/%d/messages" % tid, {"body": "hi"}, session=bs),
           404, "B posts", "not_found")
    expect(c.request("PATCH", "/api/v1/tickets/%d" % tid, {"status": "closed"}, session=bs), 404,
           "B closes", "not_found")
    expect(c.request("POST", "/api/v1/tickets/%d/alerts" % tid, {"alert_id": b["alert"]},
                     session=bs), 404, "B links", "not_found")
    own = expect(c.request("GET", "/api/v1/tickets?tenant=%d" % w.tenants["A"]["id"], session=bs),
                 200, "B lists A")
    check(own["items"] == [], "B sees A's tickets: %r" % own)
    mine = expect(c.request("GET", "/api/v1/incidents", session=bs), 200, "B incidents")
    check(all(i["tenant_id"] == b["id"] for i in mine["items"]), "B incident list %r" % mine)


def audit_checks(c, w, admin):
    a = w.tenants["A"]
    r = expect(c.request("GET", "/api/v1/audit?tenant=%d&limit=200" % a["id"], session=admin), 200,
               "audit")
    actions = {e["action"] for e in r["items"]}
    for want in ("ticket.open", "ticket.message", "ticket.status", "ticket.link_alert",
                 "incident.open", "incident.status", "incident.edit", "incident.note",
                 "alert.status", "tenant.sla"):
        check(want in actions, "audit lacks %s: %r" % (want, sorted(actions)))
    # Vendor-only notes are audited under the vendor: the SME's owner never sees one exists.
    mine = expect(c.request("GET", "/api/v1/audit?limit=200", session=a["session"]), 200, "own")
    check(not any("internal" in e["detail"] for e in mine["items"]), "internal in SME audit")
    vendor = expect(c.request("GET", "/api/v1/audit?tenant=0&limit=200", session=admin), 200,
                    "vendor audit")
    check(sum("internal" in e["detail"] for e in vendor["items"]) == 2, "vendor audit: %r" %
          [e for e in vendor["items"] if e["action"].endswith(".note") or "message" in e["action"]])


def japan_month(rfc3339):
    """YYYY-MM of a UTC time stamp in Japan time (the reports' default zone)."""
    t = datetime.datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
    return (t + datetime.timedelta(hours=9)).strftime("%Y-%m")


def monthly_checks(c, w, owner, analyst):
    a = w.tenants["A"]
    r = expect(c.request("GET", "/api/v1/tenants/%d/reports/monthly?month=2026-04&format=json" %
                         a["id"], session=owner), 200, "monthly april")
    # The alerts' events are of April 2026, but they count in the month the
    # centre received them (now), not in April.
    check(r["alerts"]["total"] == 0 and r["advice"] == [], "no alerts in April: %r" % r)
    # Months are Japan-time months by default ([reports] timezone = Asia/Tokyo).
    check(r["month"] == "2026-04" and r["since"] == "2026-03-31T15:00:00Z" and
          r["until"] == "2026-04-30T15:00:00Z", "period %r" % r)
    # The month the alerts, tickets and incidents were made in (the default
    # month is the current one).
    made = expect(c.request("GET", "/api/v1/tickets?limit=1", session=owner), 200, "ticket")
    month = japan_month(made["items"][0]["created_at"])
    now = expect(c.request("GET", "/api/v1/tenants/%d/reports/monthly?format=json&month=%s" %
                           (a["id"], month), session=owner), 200, "monthly now")
    check(now["alerts"]["total"] == 2 and now["alerts"]["by_severity"]["1"] == 2,
          "alerts %r" % now)
    check(len(now["advice"]) == 2 and now["sensors"][0]["name"] == "sensor-A", "advice %r" % now)
    check(now["tickets"]["opened"] == 2 and now["incidents"]["opened"] == 2 and
          now["incidents"]["onsite"] == 1 and now["incidents"]["remote"] == 1 and
          now["incidents"]["closed"] == 2 and now["incidents"]["sla_breaches"] == 1,
          "this month: %r" % now)
    check(now["tickets"]["by_category"] == [{"category": "fake_warning", "count": 1},
                                            {"category": "suspicious_mail", "count": 1}],
          "ticket categories %r" % now["tickets"])
    dflt = expect(c.request("GET", "/api/v1/tenants/%d/reports/monthly?format=json" % a["id"],
                            session=owner), 200, "monthly default")
    check(dflt["month"] == japan_month(dflt["generated_at"]), "default month: %r" % dflt["month"])
    page = c.request("GET", "/api/v1/reports/monthly?tenant=%d&month=%s&lang=ja" % (a["id"], month),
                     session=analyst)
    ja_month = "%d年%d月" % (int(month[:4]), int(month[5:7]))
    check(page.status == 200 and "月次セキュリティ報告（%s）" % ja_month in page.raw.decode() and
          "<title>月次セキュリティ報告（%s）</title>" % ja_month in page.raw.decode() and
          "<html lang=\"ja\"" in page.raw.decode(), "monthly html: %r" % page)
    # Severity words as the web UI and the mails say them (緊急/要注意/注意/お知らせ).
    check(all(w in page.raw.decode() for w in ("緊急（すぐに対応が必要）：2 件", "要注意：0 件",
                                               "注意：0 件")) and "中：" not in page.raw.decode(),
          "monthly severity words: %r" % page.raw.decode())
    expect(c.request("GET", "/api/v1/reports/monthly?month=2026-04", session=analyst), 400,
           "no tenant", "missing_field")
    expect(c.request("GET", "/api/v1/tenants/%d/reports/monthly?month=2026-13" % a["id"],
                     session=owner), 400, "bad month", "bad_request")
    expect(c.request("GET", "/api/v1/reports/monthly?tenant=%d" % a["id"], session=owner), 403,
           "SME on vendor route", "forbidden")


def bracket_titles(c, w, analyst):
    """An incident opened without a title takes the alert's first sentence
    by the web UI's rule (mm_first_sentence_len): a stop inside brackets or
    quotes does not end it (it used to cut at the first 。 / ". ")."""
    ja = "「今すぐ更新してください。」という画面が出ました（偽物です。）。画面を閉じてください。"
    en = 'A page said "Update now. Call us" and showed a number. Close it.'
    for name, sid, want in (("B", 3003, "「今すぐ更新してください。」という画面が出ました（偽物です。）。"),
                            ("A", 3004, 'A page said "Update now. Call us" and showed a number.')):
        t = w.tenants[name]
        ev = alert_event(1000, sid=sid)
        ev["mamori"]["message"] = {"ja": ja, "en": en}
        r = c.ingest(t["key"], [ev])
        check(r.status == 200 and r.json["accepted"] == 1, "ingest: %r" % r)
        items = expect(c.request("GET", "/api/v1/alerts?tenant=%d" % t["id"], session=analyst),
                       200, "alerts")["items"]
        aid = [a["id"] for a in items if a["signature_id"] == sid][0]
        inc = expect(c.request("POST", "/api/v1/incidents", {"alert_id": aid}, session=analyst),
                     201, "incident from a bracketed message")
        check(inc["title"] == want, "%s's title: %r" % (name, inc["title"]))


def main():
    c = Center()
    try:
        w = start_world(c)
        owner = w.tenants["A"]["session"]
        analyst = c.login("analyst@vendor.example")
        admin = c.login("admin@vendor.example")
        bad_tickets(c, owner, w)
        tid = ticket_flow(c, w, owner, analyst)
        iid = incident_flow(c, w, owner, analyst, tid)
        remote_only_and_sla(c, w, owner, analyst, admin)
        report_checks(c, owner, analyst, iid)
        isolation_checks(c, w, tid, iid)
        audit_checks(c, w, admin)
        monthly_checks(c, w, owner, analyst)
        bracket_titles(c, w, analyst)
        rc = c.stop()
        check(rc == 0, "server exit status %d" % rc)
    finally:
        c.close()
    print("ok")


if __name__ == "__main__":
    main()
