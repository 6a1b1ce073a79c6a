#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration test of the centre's answers to the security review, against
the real server on 127.0.0.1: callers of non-public routes are refused from
the headers alone (the body is never read), the per-address connection
limit and the server-wide body budget, escalation to another tenant's
incident, JSON routes that refuse other content types (login CSRF through
text/plain forms), the CSRF token only from its header, one
Content-Security-Policy per reply (allowing a report's inline style by its
hash only; Trusted Types required for scripts' DOM sinks) and
Cross-Origin-Opener-Policy same-origin, e-mail addresses that could carry a
second recipient, gzip bodies of several members, revoked API tokens and sensor keys, staff addresses
masked for SME callers, and a duplicate e-mail in another tenant."""

import gzip
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import Center, World, check, PASSWORD, alert_event, dns_event  # noqa: E402

BIG = 16 * 1024 * 1024


def raw_request(c, head, timeout=20):
    """Sends only the request head and reads the reply the server sends
    without ever getting the announced body (fails on a timeout)."""
    s = socket.create_connection((c.host, c.port), timeout=timeout)
    try:
        s.sendall(head.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                break
            data += chunk
        return data
    finally:
        s.close()


def status_of(reply):
    if not reply:
        return None
    return int(reply.split(b" ", 2)[1])


def test_refused_before_body(c, w):
    for path, auth in (("/api/v1/events", ""), ("/api/v1/tenants", ""),
                       ("/api/v1/events", "Authorization: Bearer mms_forged\r\n"),
                       ("/api/v1/tenants", "Cookie: mm_session=forged\r\n")):
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s"
                "Content-Length: %d\r\n\r\n" % (path, auth, BIG))
        reply = raw_request(c, head)
        check(reply is not None, "%s: no reply without the body (the server waits for it)" % path)
        check(status_of(reply) == 401, "%s: %r" % (path, reply[:200]))
    # No such route: 404 at once, whatever the body.
    reply = raw_request(c, "POST /api/v1/nothing HTTP/1.1\r\nHost: x\r\nContent-Length: %d"
                           "\r\n\r\n" % (1024 * 1024))
    check(status_of(reply) == 404, "unknown route: %r" % (reply or b"")[:200])
    # A signed-in SME user posting to a vendor route: 403 at once too.
    s = w.tenants["A"]["session"]
    head = ("POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Cookie: mm_session=%s\r\nX-CSRF-Token: %s\r\nContent-Length: %d\r\n\r\n"
            % (s.cookie, s.csrf, 1024 * 1024))
    check(status_of(raw_request(c, head)) == 403, "SME user on a vendor route")
    r = c.request("GET", "/api/v1/me", session=s)
    check(r.status == 200, "server alive: %r" % r)


def test_escalate_foreign_incident(c, w):
    admin = c.login("admin@vendor.example")
    mine = c.request("POST", "/api/v1/incidents",
                     {"tenant_id": w.tenants["A"]["id"], "title": "A's case"}, session=admin)
    other = c.request("POST", "/api/v1/incidents",
                      {"tenant_id": w.tenants["B"]["id"], "title": "B's case"}, session=admin)
    check(mine.status == 201 and other.status == 201, "incidents: %r %r" % (mine, other))
    alert = w.tenants["A"]["alert"]
    for bad in (other.json["id"], 999999):
        r = c.request("POST", "/api/v1/alerts/%d/escalate" % alert, {"incident_id": bad},
                      session=admin)
        check(r.status == 404 and r.json["error"] == "not_found", "incident %d: %r" % (bad, r))
    r = c.request("GET", "/api/v1/alerts/%d" % alert, session=admin)
    check(r.json["status"] != "escalated" and not r.json["incident_id"], "unchanged: %r" % r)
    r = c.request("POST", "/api/v1/alerts/%d/escalate" % alert,
                  {"incident_id": mine.json["id"]}, session=admin)
    check(r.status == 200 and r.json["incident_id"] == mine.json["id"], "own incident: %r" % r)


def test_json_content_type(c, w):
    body = '{"email": "owner@a.example", "password": "%s"}' % PASSWORD
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                  None, "application/jsonp", "text/json"):
        h = {"Content-Type": ctype} if ctype else {}
        r = c.request("POST", "/api/v1/login", body, headers=h)
        check(r.status == 415 and r.json["error"] == "unsupported_media",
              "login as %s: %r" % (ctype, r))
        check("set-cookie" not in r.headers, "session from a %s form" % ctype)
    # 415 unsupported_media has two causes; this one's message is about the type, not the
    # compression (it said "unsupported content encoding")
    for lang, words in (("ja", "Content-Type: application/json を付けて送ってください"),
                        ("en", "the body must be JSON sent with Content-Type: application/json")):
        r = c.request("POST", "/api/v1/login", body,
                      headers={"Content-Type": "text/plain", "Accept-Language": lang})
        check(r.status == 415 and words in r.json["message"] and
              not any(w in r.json["message"] for w in ("圧縮", "Encoding", "encoding")),
              "415 message, %s: %r" % (lang, r))
    for ctype in ("application/json", "application/json; charset=utf-8",
                  "Application/JSON;charset=UTF-8"):
        r = c.request("POST", "/api/v1/login", body, headers={"Content-Type": ctype})
        check(r.status == 200, "login as %s: %r" % (ctype, r))
    s = w.tenants["A"]["session"]
    r = c.request("PATCH", "/api/v1/me", '{"lang": "en"}', session=s,
                  headers={"Content-Type": "text/plain"})
    check(r.status == 415, "PATCH /me as text/plain: %r" % r)
    # An empty body needs no type (acknowledge has nothing to send).
    r = c.request("POST", "/api/v1/alerts/%d/acknowledge" % w.tenants["B"]["alert"],
                  session=w.tenants["B"]["session"])
    check(r.status == 200, "acknowledge without a body: %r" % r)


def test_csrf_header_only(c, w):
    s = w.tenants["A"]["session"]
    r = c.request("PATCH", "/api/v1/me?csrf_token=" + s.csrf, {"lang": "en"},
                  headers={"Cookie": "mm_session=" + s.cookie})
    check(r.status == 403 and r.json["error"] == "csrf", "token from the query: %r" % r)
    r = c.request("PATCH", "/api/v1/me", {"lang": "en"}, session=s)
    check(r.status == 200, "token from the header: %r" % r)


def test_one_csp(c):
    for path in ("/", "/api/v1/me", "/api/v1/report.css"):
        conn = c.connection()
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        csp = [v for k, v in resp.getheaders() if k.lower() == "content-security-policy"]
        hsts = [v for k, v in resp.getheaders() if k.lower() == "strict-transport-security"]
        coop = [v for k, v in resp.getheaders() if k.lower() == "cross-origin-opener-policy"]
        conn.close()
        check(len(csp) == 1, "%s: %d Content-Security-Policy headers" % (path, len(csp)))
        # DOM sinks take no plain string (Trusted Types); no other site's
        # window keeps a handle on a centre page it opened
        check(csp[0].endswith("; require-trusted-types-for 'script'"), "%s: %s" % (path, csp[0]))
        check(coop == ["same-origin"], "%s: Cross-Origin-Opener-Policy %r" % (path, coop))
        check(not hsts, "%s: HSTS over plain HTTP: %r" % (path, hsts))  # only under HTTPS


def test_report_style_allowed(c, w):
    """A report page's inline style (kept for a saved copy) is allowed by its SHA-256 in
    the policy, so browsers neither refuse it nor log an error; no other inline style is."""
    import base64
    import hashlib
    import re
    t = w.tenants["A"]
    r = c.request("GET", "/api/v1/tenants/%s/reports/monthly?month=2026-04&format=html" % t["id"],
                  session=t["session"])
    check(r.status == 200, "monthly report: %r" % (r,))
    style = re.search(rb"<style>(.*?)</style>", r.raw, re.S)
    check(style is not None, "the report has an inline style")
    digest = base64.b64encode(hashlib.sha256(style.group(1)).digest()).decode()
    csp = r.headers.get("content-security-policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ") if d}
    check(directives.get("style-src") == ["'self'", "'sha256-%s'" % digest],
          "style-src allows exactly the report's style: %r (want sha256-%s)" % (csp, digest))
    check("'unsafe-inline'" not in csp, csp)


def test_email_injection(c, w):
    owner = w.tenants["A"]["session"]
    for email in ("x@a.example,evil@x.example", "x@a.example;evil@x.example",
                  "x@a.example evil@x.example", "x@a.example\r\nBcc: evil@x.example"):
        r = c.request("POST", "/api/v1/users", {"email": email, "role": "staff"}, session=owner)
        check(r.status == 400, "%r accepted: %r" % (email, r))


def test_conflict_is_generic(c, w):
    owner = w.tenants["A"]["session"]
    r = c.request("POST", "/api/v1/users", {"email": "owner@b.example", "role": "staff"},
                  session=owner)
    check(r.status == 409 and r.json["error"] == "conflict", "taken elsewhere: %r" % r)
    check("mail" not in r.json["message"].lower() and "owner@b" not in r.raw.decode(),
          "409 tells which e-mail is taken: %r" % r)


def test_revoke(c, w):
    token = c.admin("token", "create", "--user", "admin@vendor.example")
    r = c.request("GET", "/api/v1/tenants", token=token)
    check(r.status == 200, "token works: %r" % r)
    c.admin("token", "revoke", token)
    r = c.request("GET", "/api/v1/tenants", token=token)
    check(r.status == 401, "revoked token: %r" % r)
    t = w.tenants["B"]
    r = c.ingest(t["key"], [alert_event(100)])
    check(r.status == 200, "sensor works: %r" % r)
    c.admin("sensor", "revoke", str(t["sensor"]))
    r = c.ingest(t["key"], [alert_event(101)])
    check(r.status == 401, "revoked sensor key: %r" % r)
    r = c.request("GET", "/api/v1/sensors/%d" % t["sensor"], session=t["session"])
    check(r.status == 200 and r.json.get("revoked_at"), "sensor shows revocation: %r" % r)
    c.admin("sensor", "revoke", "999999", expect=1)
    c.admin("token", "revoke", token, expect=1)  # already revoked


def test_vendor_address_masked(c, w):
    admin = c.login("admin@vendor.example")
    tid = w.tenants["A"]["id"]
    r = c.request("PATCH", "/api/v1/tenants/%d" % tid, {"mail_severity": 2}, session=admin)
    check(r.status == 200, "vendor change: %r" % r)
    owner = w.tenants["A"]["session"]
    r = c.request("GET", "/api/v1/audit?limit=200", session=owner)
    check(r.status == 200, "audit: %r" % r)
    vendor = [a for a in r.json["items"] if a["actor"] == "user:%d" % admin.me["user"]["id"]]
    check(vendor, "vendor entries visible: %r" % r.json["items"][:3])
    check(all(a["address"] in ("", None) for a in vendor), "vendor address shown: %r" % vendor)
    r = c.request("GET", "/api/v1/audit?tenant=%d&limit=200" % tid, session=admin)
    check(any(a["address"] for a in r.json["items"] if a["actor"] == vendor[0]["actor"]),
          "vendor sees addresses: %r" % r.json["items"][:3])


def test_gzip_members(c, w):
    key = w.tenants["A"]["key"]
    part = lambda lo, hi: "".join(json.dumps(dns_event(i)) + "\n" for i in range(lo, hi))
    body = gzip.compress(part(500, 510).encode()) + gzip.compress(part(510, 530).encode())
    h = {"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}
    r = c.request("POST", "/api/v1/events", body, headers=h, token=key)
    check(r.status == 200 and r.json["accepted"] == 30, "two gzip members: %r" % r)
    r = c.request("POST", "/api/v1/events", gzip.compress(part(530, 531).encode()) + b"junk",
                  headers=h, token=key)
    check(r.status == 400, "gzip member followed by junk: %r" % r)


def test_limits():
    c = Center(config="[server]\nper_ip_connections = 4\nbody_budget_mb = 1\n")
    try:
        c.start()
        # Four idle connections use up the limit; three probes must then be
        # refused. The server accepts the idle ones asynchronously, so on a
        # loaded machine a probe can overtake them in the listen queue and be
        # served: each round holds a fresh idle set, lets it settle, probes, and
        # the check fails only if no round within the deadline (shorter than
        # the server's 30 s idle timeout) sees all three probes refused.
        deadline = time.time() + 25
        while True:
            idle = [socket.create_connection((c.host, c.port), timeout=10) for _ in range(4)]
            try:
                time.sleep(0.5)
                refused, replies = 0, []
                for _ in range(3):
                    try:
                        reply = raw_request(c, "GET /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n",
                                            timeout=10)
                        refused += not reply
                        replies.append(reply)
                    except (ConnectionError, OSError) as e:
                        refused += 1
                        replies.append(repr(e))
            finally:
                for s in idle:
                    s.close()
            if refused == 3 or time.time() > deadline:
                break
            time.sleep(0.5)
        check(refused == 3, "connections past the per-address limit were served: %r"
              % replies)
        deadline = time.time() + 20
        while True:
            try:
                if c.request("GET", "/api/v1/me").status == 401:
                    break
            except (ConnectionError, OSError):
                pass
            check(time.time() < deadline, "server does not serve again after the idle closed")
            time.sleep(0.1)
        World(c)
        code = c.admin("enrol", "--tenant", "1")
        r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "s"})
        check(r.status == 201, "enrol: %r" % r)
        key = r.json["key"]
        head = ("POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Length: %d\r\n\r\n" % (key, 2 * 1024 * 1024))
        reply = raw_request(c, head)
        check(status_of(reply) == 503, "over the body budget: %r" % (reply or b"")[:200])
    finally:
        c.close()


def main():
    c = Center()
    try:
        c.start()
        w = World(c)
        w.enrol_and_ingest()
        test_refused_before_body(c, w)
        test_escalate_foreign_incident(c, w)
        test_json_content_type(c, w)
        test_csrf_header_only(c, w)
        test_one_csp(c)
        test_report_style_allowed(c, w)
        test_email_injection(c, w)
        test_conflict_is_generic(c, w)
        test_vendor_address_masked(c, w)
        test_gzip_members(c, w)
        test_revoke(c, w)
    finally:
        c.close()
    test_limits()
    print("ok")


if __name__ == "__main__":
    main()
