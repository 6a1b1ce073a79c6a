#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration test of the sensor side of the centre: enrolment (once,
expiry, unknown codes), event ingest (idempotent replay, partial overlap,
mixed good and bad lines, gzip, gzip bombs, oversized bodies, wrong
credentials), alert aggregation, explanations, filters, the text search
(ja/en messages, tenant-scoped, literal wildcards), paging, the status
state machine and bulk actions, the open-alert memo against closes and a
second centre process on the same database, sensor health, and the
"sensor silent" alert raised by the periodic check."""

import gzip
import http.client
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import centerlib  # noqa: E402
from centerlib import Center, alert_event, check, dns_event, start_world  # noqa: E402


def enrol(c, tenant, name="s", ttl=None):
    args = ["enrol", "--tenant", str(tenant)] + (["--ttl", str(ttl)] if ttl else [])
    code = c.admin(*args)
    return code, c.request("POST", "/api/v1/enrol", {"code": code, "name": name})


def test_enrolment(c, w):
    tid = w.tenants["A"]["id"]
    code, r = enrol(c, tid)
    check(r.status == 201 and r.json["key"].startswith("mms_"), "enrol: %r" % r)
    check(r.json["tenant_id"] == tid, "enrolled into the code's tenant")
    r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "again"})
    check(r.status == 410 and r.json["error"] == "code_expired", "reuse: %r" % r)
    r = c.request("POST", "/api/v1/enrol", {"code": code.lower().replace("-", ""), "name": "x"})
    check(r.status == 410, "reuse, typed sloppily: %r" % r)
    r = c.request("POST", "/api/v1/enrol", {"code": "AAAA-BBBB-CCCC-DDDD", "name": "x"})
    check(r.status == 404, "unknown code: %r" % r)
    r = c.request("POST", "/api/v1/enrol", {"code": "'; DROP TABLE sensors; --", "name": "x"})
    check(r.status == 404, "garbage code: %r" % r)
    code, _ = c.admin("enrol", "--tenant", str(tid), "--ttl", "1"), None
    time.sleep(1.5)
    r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "late"})
    check(r.status == 410, "expired code: %r" % r)
    p = c.admin("enrol", "--tenant", "999", expect=1)
    check("tenant" in p.stderr, "enrol for a missing tenant: %r" % p.stderr)
    admin = c.login("admin@vendor.example")
    r = c.request("POST", "/api/v1/tenants/%d/enrol-codes" % tid, {"ttl": 600}, session=admin)
    check(r.status == 201 and r.json["code"], "code over the API: %r" % r)
    check(list(r.json) == documented_keys("POST | /api/v1/tenants/{tenant}/enrol-codes |"),
          "enrol-codes reply as center-api.md says: %r" % r.json)
    r = c.request("POST", "/api/v1/enrol", {"code": r.json["code"], "name": "api"})
    check(r.status == 201, "API code works: %r" % r)


def documented_keys(start):
    """The keys, in order, that docs/design/center-api.md gives after `start`: the reply (last
    column) of a route row ("POST | /path |"), else the first {"a","b",...} (an object)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                        "design", "center-api.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    at = text.index(start) + len(start)
    if start.endswith("|"):
        line = text[at:text.index("\n", at)]
        obj = line[line.rindex("{"):line.rindex("}") + 1]
    else:
        obj = text[text.index("{", at):text.index("}", at) + 1]
    return obj.strip("{}").replace('"', "").replace("\n", "").replace(" ", "").split(",")


def test_ingest(c, w):
    key = w.tenants["A"]["key"]
    batch = [dns_event(s) if s % 3 else alert_event(s, mac="00:11:22:33:44:%02x" % (s % 4))
             for s in range(100, 200)]
    r = c.ingest(key, batch)
    check(r.status == 200 and r.json == {"accepted": 100, "duplicates": 0, "rejected": []},
          "batch: %r" % r)
    r = c.ingest(key, batch)
    check(r.json == {"accepted": 0, "duplicates": 100, "rejected": []}, "replay: %r" % r)
    overlap = [dns_event(s) for s in range(150, 250)]
    r = c.ingest(key, overlap, compress=True)
    check(r.json["accepted"] == 50 and r.json["duplicates"] == 50, "overlap + gzip: %r" % r)
    lines = [json.dumps(dns_event(300)) + "\n",
             "{not json\n",
             json.dumps({"timestamp": "2026-04-01T10:00:00Z", "event_type": "dns"}) + "\n",
             '{"timestamp":"2026-04-01T10:00:00Z","event_type":"dns","seq":301,"x":"\xff"}\n',
             json.dumps({"timestamp": "2026-04-01T10:00:00Z", "event_type": "alert",
                         "seq": 302, "alert": {"signature": "no id", "severity": 1}}) + "\n",
             "\n",
             json.dumps(dns_event(303)) + "\n",
             # a date or time that does not exist is a bad line of its own;
             # a leap second (23:59:60 UTC at a month's end) is a time
             json.dumps(dns_event(304, "2026-02-30T10:00:00.000000+0900")) + "\n",
             json.dumps(dns_event(305, "2026-04-01T10:00:61.000000+0900")) + "\n",
             json.dumps(dns_event(306, "2026-04-01T10:59:60.000000+0900")) + "\n",
             json.dumps(dns_event(307, "2017-01-01T08:59:60.000000+0900")) + "\n"]
    body = "".join(lines).encode("utf-8", "surrogateescape")
    body = body.replace("\xff".encode(), b"\xff")
    r = c.request("POST", "/api/v1/events", body, token=key)
    check(r.status == 200 and r.json["accepted"] == 3, "mixed batch: %r" % r)
    bad = {x["line"]: x["reason"] for x in r.json["rejected"]}
    check(sorted(bad) == [2, 3, 4, 5, 8, 9, 10], "rejected lines: %r" % bad)
    check("seq" in bad[3] and "UTF-8" in bad[4] and "signature_id" in bad[5], "reasons: %r" % bad)
    check(all("timestamp" in bad[n] and "exist" in bad[n] for n in (8, 9, 10)),
          "reasons: %r" % bad)
    # A large batch is parsed in parallel runs of lines: numbering must hold.
    big = [json.dumps(dns_event(s)) + "\n" for s in range(5000, 8000)]
    big[4] = "oops\n"
    big[2499] = "{\"also\": \"bad\"}\n"
    r = c.ingest(key, big)
    check(r.json["accepted"] == 2998 and [x["line"] for x in r.json["rejected"]] == [5, 2500],
          "large batch: %r" % r.json["rejected"])
    long_line = json.dumps(dict(dns_event(400), pad="x" * 300000)) + "\n"
    r = c.ingest(key, [long_line, dns_event(401)])
    check(r.json["accepted"] == 1 and r.json["rejected"][0]["line"] == 1, "long line: %r" % r)
    # Limits and errors: a gzip bomb, a corrupt stream, other encodings, oversize.
    bomb = gzip.compress(b"\n" * (20 * 1024 * 1024))
    r = c.request("POST", "/api/v1/events", bomb, token=key,
                  headers={"Content-Encoding": "gzip"})
    check(r.status == 413 and r.json["error"] == "too_large", "gzip bomb: %r" % r)
    r = c.request("POST", "/api/v1/events", b"\x1f\x8b\x08\x00garbage", token=key,
                  headers={"Content-Encoding": "gzip"})
    check(r.status == 400, "corrupt gzip: %r" % r)
    r = c.request("POST", "/api/v1/events", gzip.compress(b"{}\n")[:-6], token=key,
                  headers={"Content-Encoding": "gzip"})
    check(r.status == 400, "truncated gzip: %r" % r)
    # 415 unsupported_media has two causes; this one's message is about the encoding
    for lang, words in (("ja", "この圧縮形式（Content-Encoding）には対応していません"),
                        ("en", "unsupported Content-Encoding (use gzip or identity): br")):
        r = c.request("POST", "/api/v1/events", b"x", token=key,
                      headers={"Content-Encoding": "br", "Accept-Language": lang})
        check(r.status == 415 and r.json["error"] == "unsupported_media" and
              words in r.json["message"] and "application/json" not in r.json["message"],
              "brotli, %s: %r" % (lang, r))
    r = c.request("POST", "/api/v1/events", b"\n" * (16 * 1024 * 1024 + 1), token=key)
    check(r.status == 413, "oversized events body: %r" % r)
    r = c.ingest("mms_" + "A" * 43, [dns_event(1)])
    check(r.status == 401, "unknown key: %r" % r)
    r = c.request("POST", "/api/v1/events", b"{}", session=w.tenants["A"]["session"])
    check(r.status == 401, "user session on the sensor route: %r" % r)
    r = c.ingest(key, [])
    check(r.status == 200 and r.json["accepted"] == 0, "empty batch: %r" % r)


def alerts(c, s, query=""):
    r = c.request("GET", "/api/v1/alerts" + query, session=s)
    check(r.status == 200, "alerts%s: %r" % (query, r))
    return r.json["items"]


def test_aggregation(c, w):
    t = w.tenants["B"]
    s = t["session"]
    evs = [alert_event(10 + i, sid=3003, mac="aa:bb:cc:00:00:01", detector="port-scan",
                       ts="2026-04-01T11:%02d:00.000000+0900" % i, sig="internal port scan")
           for i in range(5)]
    evs.append(alert_event(20, sid=3003, mac="aa:bb:cc:00:00:02", detector="port-scan",
                           ts="2026-04-01T11:30:00+0900", sig="internal port scan"))
    evs.append(alert_event(21, sid=3003, mac="aa:bb:cc:00:00:01", detector="port-scan",
                           ts="2026-04-01T14:00:00+0900", sig="internal port scan", sev=2))
    r = c.ingest(t["key"], evs)
    check(r.json["accepted"] == 7, "aggregation batch: %r" % r)
    items = alerts(c, s, "?signature=3003")
    counts = sorted((a["device"], a["count"]) for a in items)
    check(counts == [("aa:bb:cc:00:00:01", 1), ("aa:bb:cc:00:00:01", 5),
                     ("aa:bb:cc:00:00:02", 1)], "aggregated: %r" % counts)
    five = [a for a in items if a["count"] == 5][0]
    check(five["first_seen"] == "2026-04-01T02:00:00Z" and five["last_seen"] ==
          "2026-04-01T02:04:00Z", "first/last seen: %r" % five)
    r = c.request("GET", "/api/v1/alerts/%d" % five["id"], session=s)
    check(r.status == 200, "alert: %r" % r)
    ex = r.json["explanation"]
    for part in ("what", "threat"):
        check(ex[part]["ja"] and ex[part]["en"], "explanation %s: %r" % (part, ex))
    check("now" not in ex, "a sensor detector's next step is its message's, once: %r" % ex)
    check(r.json["category_label"] is None, "no plain name for an unknown category: %r" %
          r.json["category_label"])
    check(len(r.json["events"]) == 5 and r.json["events"][0]["seq"] == 14, "events of alert")
    # More events for the same alert over two later batches, with a replay of
    # the first batch in between: the alert's newest 20 events come back
    # newest first, each once, across batches (the per-alert event chain).
    more = [alert_event(200 + i, sid=3003, mac="aa:bb:cc:00:00:01", detector="port-scan",
                        ts="2026-04-01T11:%02d:30.000000+0900" % (5 + i), sig="internal port scan")
            for i in range(30)]
    r = c.ingest(t["key"], more[:12])
    check(r.json["accepted"] == 12, "second batch: %r" % r)
    r = c.ingest(t["key"], evs)
    check(r.json["accepted"] == 0 and r.json["duplicates"] == 7, "replay: %r" % r)
    r = c.ingest(t["key"], more[12:] + more[:3])
    check(r.json["accepted"] == 18 and r.json["duplicates"] == 3, "third batch: %r" % r)
    r = c.request("GET", "/api/v1/alerts/%d" % five["id"], session=s)
    check(r.json["count"] == 35, "count across batches: %r" % r.json["count"])
    seqs = [e["seq"] for e in r.json["events"]]
    check(seqs == list(range(229, 209, -1)), "newest 20 events across batches: %r" % seqs)
    check(r.json["message"]["ja"], "fallback message kept")
    # Filters, search, paging.
    check(len(alerts(c, s, "?severity=1&signature=3003")) == 2, "severity filter")
    check(len(alerts(c, s, "?q=port%20scan")) == 3, "text search")
    check(len(alerts(c, s, "?q=aa:bb:cc:00:00:02")) == 1, "search by device")
    check(len(alerts(c, s, "?since=2026-04-01T04:00:00Z&signature=3003")) == 1, "since")
    check(len(alerts(c, s, "?until=2026-04-01T03:00:00Z&signature=3003")) == 2, "until")
    seen, cursor = [], ""
    while True:
        r = c.request("GET", "/api/v1/alerts?limit=2" + cursor, session=s)
        seen += [a["id"] for a in r.json["items"]]
        if not r.json["next"]:
            break
        cursor = "&cursor=" + r.json["next"]
    check(len(seen) == len(set(seen)) == len(alerts(c, s, "?limit=200")), "paging: %r" % seen)
    return five["id"], [a["id"] for a in items if a["count"] == 1]


def search_event(seq):
    ev = alert_event(seq, sid=4004, mac="aa:00:00:00:06:00", detector="smb-exposure",
                     sig="mamori smb exposed")
    ev["mamori"]["message"] = {"ja": "共有フォルダーが社外から見える状態です。",
                               "en": "A shared folder can be reached from outside."}
    ev["alert"]["category"] = "Potentially Bad Traffic"
    return ev


def test_search(c, w):
    """q finds an alert by a Japanese word of its ja message and an English
    word of its en message, only ever within the caller's tenant; LIKE's
    wildcards are literal; q is bounded (200 characters, valid UTF-8)."""
    a, b = w.tenants["A"], w.tenants["B"]
    for t in (a, b):
        r = c.ingest(t["key"], [search_event(600)])
        check(r.status == 200 and r.json["accepted"] == 1, "search alert: %r" % r)
    analyst = c.login("analyst@vendor.example")

    def found(s, q, extra=""):
        items = alerts(c, s, "?q=" + urllib.parse.quote(q) + extra)
        return sorted((x["tenant_id"], x["signature_id"]) for x in items)

    mine = [(a["id"], 4004)]
    check(found(a["session"], "共有フォルダー") == mine, "ja word of the ja message")
    check(found(a["session"], "reached from OUTSIDE") == mine, "en words of the en message")
    check(found(a["session"], "共有フォルダー", "&tenant=%d" % b["id"]) == [],
          "another tenant's filter: an empty list, never its alert (nor one's own)")
    check(found(b["session"], "shared folder") == [(b["id"], 4004)], "tenant B finds its own")
    check(found(analyst, "共有フォルダー") == sorted([(a["id"], 4004), (b["id"], 4004)]),
          "the vendor sees both")
    check(found(analyst, "共有フォルダー", "&tenant=%d" % b["id"]) == [(b["id"], 4004)],
          "the vendor's tenant filter")
    check(found(a["session"], "共有%フォルダー") == [] and found(a["session"], "_有フォルダー") == [],
          "% and _ are not wildcards")
    check(found(a["session"], "社内のサーバー") == [], "no match")
    for q, status in (("あ" * 200, 200), ("あ" * 201, 400), ("x" * 201, 400), ("%ff", 400)):
        r = c.request("GET", "/api/v1/alerts?q=" + (q if q == "%ff" else urllib.parse.quote(q)),
                      session=a["session"])
        check(r.status == status, "q bound %r...: %r" % (q[:3], r))
    # One alert names its category in plain words in each language (the
    # alert page shows it; the sensor's English name stays in "category").
    aid = alerts(c, a["session"], "?signature=4004")[0]["id"]
    r = c.request("GET", "/api/v1/alerts/%d" % aid, session=a["session"])
    check(r.json["category"] == "Potentially Bad Traffic" and r.json["category_label"] ==
          {"ja": "危険につながるおそれのある通信", "en": "Traffic that could lead to harm"},
          "category label: %r" % r.json.get("category_label"))


def test_status(c, w, aid, others):
    t = w.tenants["B"]
    owner = t["session"]
    staff = c.login("staff@b.example")
    analyst = c.login("analyst@vendor.example")
    base = "/api/v1/alerts/%d/" % aid
    r = c.request("POST", base + "acknowledge", session=staff)
    check(r.status == 403, "staff cannot triage: %r" % r)
    r = c.request("POST", base + "acknowledge", session=owner)
    check(r.status == 200 and r.json["status"] == "acknowledged", "ack: %r" % r)
    r = c.request("POST", base + "acknowledge", session=owner)
    check(r.status == 409 and r.json["error"] == "invalid_transition", "ack twice: %r" % r)
    inc = c.request("POST", "/api/v1/incidents", {"tenant_id": t["id"], "title": "case"},
                    session=analyst)
    check(inc.status == 201, "incident: %r" % inc)
    iid = inc.json["id"]
    r = c.request("POST", base + "escalate", {"incident_id": iid}, session=owner)
    check(r.status == 403, "owner cannot escalate: %r" % r)
    r = c.request("POST", base + "escalate", {"incident_id": iid}, session=analyst)
    check(r.status == 200 and r.json["status"] == "escalated" and r.json["incident_id"] == iid,
          "escalate: %r" % r)
    r = c.request("POST", base + "close", {}, session=analyst)
    check(r.status == 400 and r.json["error"] == "missing_field", "close needs reason: %r" % r)
    r = c.request("POST", base + "close", {"reason": "handled by phone"}, session=analyst)
    check(r.status == 200 and r.json["close_reason"] == "handled by phone", "close: %r" % r)
    r = c.request("POST", base + "escalate", {}, session=analyst)
    check(r.status == 409, "closed stays closed: %r" % r)
    r = c.request("POST", "/api/v1/alerts/bulk",
                  {"ids": others + [aid], "action": "acknowledge"}, session=owner)
    check(r.status == 200 and r.json["updated"] == len(others), "bulk ack: %r" % r)
    check(r.json["failed"] == [{"id": aid, "error": "invalid_transition"}], "bulk: %r" % r)
    r = c.request("POST", "/api/v1/alerts/bulk", {"ids": others, "action": "close"},
                  session=owner)
    check(r.status == 400, "bulk close without reason: %r" % r)
    r = c.request("POST", "/api/v1/alerts/bulk", {"ids": others, "action": "delete"},
                  session=owner)
    check(r.status == 400, "bulk unknown action: %r" % r)
    check(len(alerts(c, owner, "?status=acknowledged&signature=3003")) == len(others),
          "status filter")
    r = c.request("GET", "/api/v1/audit", session=owner)
    check(any(a["action"] == "alert.status" and "escalated -> closed" in a["detail"]
              for a in r.json["items"]), "status changes audited")


def start_second(c):
    """A second mamori-center process on the same data folder (as when two
    run on one database); returns (process, port)."""
    import subprocess
    port_file = os.path.join(c.tmp, "port2")
    proc = subprocess.Popen([centerlib.BIN, "--data", c.data, "--config", c.config, "--listen",
                             "127.0.0.1:0", "--port-file", port_file, "--threads", "2"],
                            stdout=c.log, stderr=c.log)
    deadline = time.time() + 60
    while not os.path.exists(port_file):
        check(proc.poll() is None and time.time() < deadline, "second centre did not start")
        time.sleep(0.05)
    with open(port_file) as f:
        return proc, int(f.read())


def test_open_alert_memo(c, w):
    """Ingest remembers each key's open alert between batches (the open-alert
    memo); whatever else changes alerts must be seen: a close through the
    API starts a new alert, an acknowledged one goes on counting, and a
    second centre process on the same database is followed in both ways."""
    t = w.tenants["A"]
    s = t["session"]
    mac = "aa:bb:cc:00:07:01"

    def ev(seq, minute):
        return alert_event(seq, sid=7007, mac=mac, ts="2026-04-01T12:%02d:00+0900" % minute)

    def post(port, lines):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/api/v1/events", "\n".join(json.dumps(e) for e in lines),
                     {"Authorization": "Bearer " + t["key"]})
        r = conn.getresponse()
        body = json.loads(r.read())
        check(r.status == 200 and body["accepted"] == len(lines), "post: %r" % body)

    def mine():
        return sorted((a["id"], a["count"], a["status"]) for a in alerts(c, s, "?signature=7007"))

    post(c.port, [ev(70000, 0)])
    post(c.port, [ev(70001, 1), ev(70002, 2)])
    (x, n, st), = mine()
    check(n == 3 and st == "new", "one alert over two batches: %r" % mine())
    r = c.request("POST", "/api/v1/alerts/%d/close" % x, {"reason": "done"}, session=s)
    check(r.status == 200, "close: %r" % r)
    post(c.port, [ev(70003, 3)])
    check(len(mine()) == 2 and mine()[0] == (x, 3, "closed") and mine()[1][1:] == (1, "new"),
          "after a close a new alert opens: %r" % mine())
    y = mine()[1][0]
    r = c.request("POST", "/api/v1/alerts/%d/acknowledge" % y, session=s)
    check(r.status == 200, "ack: %r" % r)
    post(c.port, [ev(70004, 4)])
    check(mine()[1] == (y, 2, "acknowledged"), "an acknowledged alert goes on: %r" % mine())
    proc, port2 = start_second(c)
    try:
        post(port2, [ev(70005, 5)])  # the second process joins the same alert
        post(c.port, [ev(70006, 6), ev(70007, 7)])  # and the first one sees that
        post(port2, [ev(70008, 8)])
        check(mine()[1] == (y, 6, "acknowledged"), "two processes, one alert: %r" % mine())
        r = c.request("GET", "/api/v1/alerts/%d" % y, session=s)
        seqs = [e["seq"] for e in r.json["events"]]
        check(seqs == list(range(70008, 70002, -1)), "one event chain: %r" % seqs)
        conn = http.client.HTTPConnection("127.0.0.1", port2, timeout=60)
        conn.request("POST", "/api/v1/alerts/%d/close" % y, json.dumps({"reason": "done"}),
                     {"Authorization": "Bearer " + c.admin("token", "create", "--user",
                                                           "owner@a.example"),
                      "Content-Type": "application/json"})
        r = conn.getresponse()
        check(r.status == 200, "close in the second process: %r" % r.read())
        post(c.port, [ev(70009, 9)])
        check(len(mine()) == 3 and mine()[2][1:] == (1, "new"),
              "a close by the other process starts a new alert: %r" % mine())
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_health(c, w):
    t = w.tenants["A"]
    r = c.ingest(t["key"], [dns_event(900)],
                 headers={"Mamori-Spool-Backlog": "12", "Mamori-Drops": "3"})
    check(r.status == 200, "health headers: %r" % r)
    r = c.request("GET", "/api/v1/sensors/%d" % t["sensor"], session=t["session"])
    check(r.status == 200, "sensor: %r" % r)
    s = r.json
    check(s["spool_backlog"] == 12 and s["drops"] == 3 and s["last_seen"], "health: %r" % s)
    check(list(s) == documented_keys("- sensor: "), "sensor as center-api.md says: %r" % s)
    check(s["events_total"] >= 150 and s["event_rate_per_min"] > 0, "counts: %r" % s)
    stats = {"timestamp": "2026-04-01T10:00:00Z", "event_type": "stats", "seq": 901,
             "stats": {"spool": {"backlog": 0}, "capture": {"kernel_drops": 5}}}
    c.ingest(t["key"], [stats])
    r = c.request("GET", "/api/v1/sensors", session=t["session"])
    mine = [x for x in r.json["items"] if x["id"] == t["sensor"]][0]
    check(mine["spool_backlog"] == 0 and mine["drops"] == 5, "stats event: %r" % mine)
    # a stats event is older than its request's header (counted at sending): the header wins
    stats = dict(stats, seq=902, stats={"spool": {"backlog": 9}})
    c.ingest(t["key"], [stats], headers={"Mamori-Spool-Backlog": "0"})
    r = c.request("GET", "/api/v1/sensors/%d" % t["sensor"], session=t["session"])
    check(r.json["spool_backlog"] == 0, "header over stats event: %r" % r.json)
    # a count not in digits only is not recorded (strtoll took "+7" as 7 and a number past
    # 2^63 - 1 as its largest), and is logged; the batch is taken all the same
    for n, (backlog, drops) in enumerate((("+7", "99999999999999999999"), ("7x", "-1"),
                                          ("", "0x10"), ("\x01\x7f" + "9" * 40, "5 6"))):
        r = c.ingest(t["key"], [dns_event(910 + n)],
                     headers={"Mamori-Spool-Backlog": backlog, "Mamori-Drops": drops})
        check(r.status == 200 and r.json["accepted"] == 1, "bad health headers: %r" % r)
        r = c.request("GET", "/api/v1/sensors/%d" % t["sensor"], session=t["session"])
        check(r.json["spool_backlog"] == 0 and r.json["drops"] == 5,
              "bad health headers %r %r recorded: %r" % (backlog, drops, r.json))
    # logged once per sensor and header (a sensor with a broken header sends it with every
    # POST; every value was logged until session 20), the other values of the loop not
    log = c.server_log()
    for name, value in (("Mamori-Spool-Backlog", "+7"), ("Mamori-Drops", "99999999999999999999")):
        check(log.count("ingest: sensor %d sent %s " % (t["sensor"], name)) == 1,
              "%s of sensor %d not logged exactly once: %s" % (name, t["sensor"], log))
        want = 'warn: ingest: sensor %d sent %s "%s", not a whole number 0 or more' % (
            t["sensor"], name, value)
        check(want in log and "at most once every 10 minutes for each sensor and header" in log,
              "not logged: %s" % want)
    # another sensor's broken header is logged, only its first 32 bytes, unprintable ones as ?
    _, other = enrol(c, t["id"], name="bad-header")
    for n in range(3):
        r = c.ingest(other.json["key"], [dns_event(n)],
                     headers={"Mamori-Spool-Backlog": "\x01\x7f" + "9" * 40,
                              "Mamori-Drops": "5 6"})
        check(r.status == 200 and r.json["accepted"] == 1, "bad headers, other sensor: %r" % r)
    log = c.server_log()
    for name, value in (("Mamori-Drops", "5 6"), ("Mamori-Spool-Backlog", "??" + "9" * 30)):
        want = 'warn: ingest: sensor %d sent %s "%s", not a whole number 0 or more' % (
            other.json["sensor_id"], name, value)
        check(log.count(want) == 1, "not logged once: %s" % want)
    # the next good header is recorded again
    c.ingest(t["key"], [dns_event(920)], headers={"Mamori-Spool-Backlog": "3"})
    r = c.request("GET", "/api/v1/sensors/%d" % t["sensor"], session=t["session"])
    check(r.json["spool_backlog"] == 3, "good header after bad ones: %r" % r.json)


def test_concurrent_sensors(c, w):
    """Four sensors of two tenants post and replay batches at the same time:
    every event is stored exactly once and each tenant sees only its own."""
    import threading
    keys = []
    for name in ("A", "B"):
        for i in range(2):
            _, r = enrol(c, w.tenants[name]["id"], name="conc-%s-%d" % (name, i))
            keys.append((name, r.json["sensor_id"], r.json["key"]))
    totals, errors, lock = {}, [], threading.Lock()

    def run(key):
        acc = 0
        for rep in range(2):  # the second round replays everything
            for b in range(5):
                lines = [alert_event(b * 400 + i, sid=5005, mac="02:00:00:00:00:%02x" % (i % 3))
                         if i % 10 == 0 else dns_event(b * 400 + i) for i in range(400)]
                r = c.ingest(key, lines, compress=(b % 2 == 0))
                if r.status != 200 or r.json["rejected"]:
                    with lock:
                        errors.append(r)
                    return
                acc += r.json["accepted"]
                if rep == 1 and r.json["duplicates"] != 400:
                    with lock:
                        errors.append(r)
        with lock:
            totals[key] = acc

    threads = [threading.Thread(target=run, args=(k,)) for _, _, k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "concurrent ingest: %r" % errors[:3])
    check(all(totals[k] == 2000 for _, _, k in keys), "each event once: %r" % totals)
    for name in ("A", "B"):
        s = w.tenants[name]["session"]
        mine = {sid for n, sid, _ in keys if n == name}
        r = c.request("GET", "/api/v1/sensors?limit=200", session=s)
        seen = {x["id"]: x for x in r.json["items"]}
        check(mine <= set(seen), "own sensors listed")
        check(all(seen[sid]["events_total"] == 2000 for sid in mine), "totals: %r" % seen)
        check(not ({sid for n, sid, _ in keys if n != name} & set(seen)), "foreign sensors")
        items = alerts(c, s, "?signature=5005&limit=200")
        # Same tenant, signature and device: one alert even across its two sensors.
        check(len(items) == 3 and sum(a["count"] for a in items) == 400,
              "concurrent aggregation %s: %r" % (name, [(a["device"], a["count"]) for a in items]))


def test_silent():
    c = Center(config="[alerts]\nsensor_silent_after = 1\nhealth_interval = 1\n")
    try:
        w = start_world(c)
        s = w.tenants["A"]["session"]
        deadline = time.time() + 30
        while time.time() < deadline:
            found = alerts(c, s, "?signature=9000001")
            if found:
                break
            time.sleep(0.2)
        check(len(found) == 1 and found[0]["detector"] == "sensor-silent",
              "silent alert: %r" % found)
        r = c.request("GET", "/api/v1/alerts/%d" % found[0]["id"], session=s)
        check(r.json["explanation"]["now"]["ja"], "silent explanation")
        r = c.request("GET", "/api/v1/sensors", session=s)
        check(r.json["items"][0]["silent"], "sensor flagged silent: %r" % r)
        time.sleep(1.5)  # a second check must not raise it again
        check(len(alerts(c, s, "?signature=9000001")) == 1, "silent alert raised once")
        check(c.stop() == 0, "clean stop")
    finally:
        c.close()


def main():
    c = Center()
    try:
        w = start_world(c)
        test_enrolment(c, w)
        test_ingest(c, w)
        aid, others = test_aggregation(c, w)
        test_status(c, w, aid, others)
        test_open_alert_memo(c, w)
        test_search(c, w)
        test_health(c, w)
        test_concurrent_sensors(c, w)
        rc = c.stop()
        check(rc == 0, "server exit status %d: %s" % (rc, c.server_log()))
    finally:
        c.close()
    test_silent()
    print("ok")


if __name__ == "__main__":
    main()
