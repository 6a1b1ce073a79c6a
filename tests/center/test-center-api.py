#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration test of the centre's API basics against the real server:
login and session cookie, /me, CSRF, API tokens, logout, roles, strict
request validation (malformed JSON, bad UTF-8, unknown fields, oversized
bodies), 404/405 with its Allow header, HEAD answered like GET without the
body (pages, files, API and reports, same access rules, nothing after its
headers on a keep-alive connection), the audit log, the vendor
users' on-duty flag, the tenant list's contacts count, who is on duty (read only, for
analysts too, with the configuration's duty addresses), a sensor's event rate written with two decimals, and
login rate limiting under 12 concurrent wrong attempts."""

import os
import re
import sqlite3
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import (Center, World, alert_event, check, dns_event, head_raw,  # noqa: E402
                       head_then_get, send_until_close, split_reply, PASSWORD)


def test_login_and_session(c):
    r = c.request("POST", "/api/v1/login", {"email": "admin@vendor.example", "password": "nope"})
    check(r.status == 401 and r.json["error"] == "unauthenticated", "wrong password: %r" % r)
    s = c.login("Admin@Vendor.example")  # e-mail addresses compare case-insensitively
    attrs = [a.strip() for a in s.set_cookie.split(";")]
    for want in ("HttpOnly", "SameSite=Strict", "Path=/"):
        check(want in attrs, "cookie lacks %s: %s" % (want, s.set_cookie))
    check("Secure" not in attrs, "Secure cookie over plain HTTP")
    check(s.set_cookie.startswith("mm_session="), "plain name over HTTP: %s" % s.set_cookie)
    check(all(not a.lower().startswith("domain=") for a in attrs), "no Domain: %s" % s.set_cookie)
    r = c.request("GET", "/api/v1/me", session=s)
    check(r.status == 200, "me: %r" % r)
    check(r.json["user"]["role"] == "admin" and r.json["user"]["tenant_id"] == 0, "me: %r" % r)
    check(r.json["csrf_token"] == s.csrf and len(s.csrf) >= 32, "csrf in me")
    shown = r.raw.decode().replace('"must_change_password"', "")  # a flag, not a secret
    check("password" not in shown and "argon2" not in shown, "hash leaked")
    r = c.request("GET", "/api/v1/me")
    check(r.status == 401, "me without session: %r" % r)
    r = c.request("GET", "/api/v1/me", headers={"Cookie": "mm_session=forged"})
    check(r.status == 401, "forged session: %r" % r)
    return s


def test_csrf_and_tokens(c, s):
    body = {"name": "SME C"}
    r = c.request("POST", "/api/v1/tenants", body, session=s, headers={"X-CSRF-Token": ""})
    check(r.status == 403 and r.json["error"] == "csrf", "empty csrf: %r" % r)
    r = c.request("POST", "/api/v1/tenants", body, session=s, headers={"X-CSRF-Token": "x" * 43})
    check(r.status == 403 and r.json["error"] == "csrf", "wrong csrf: %r" % r)
    r = c.request("POST", "/api/v1/tenants", body,
                  headers={"Cookie": "mm_session=" + s.cookie})
    check(r.status == 403 and r.json["error"] == "csrf", "missing csrf: %r" % r)
    r = c.request("POST", "/api/v1/tenants", body, session=s)
    check(r.status == 201 and r.json["name"] == "SME C", "create tenant: %r" % r)
    token = c.admin("token", "create", "--user", "admin@vendor.example")
    check(token.startswith("mmt_"), "token form: %s" % token)
    r = c.request("POST", "/api/v1/tenants", {"name": "SME D"}, token=token)
    check(r.status == 201, "token is CSRF-exempt: %r" % r)
    r = c.request("GET", "/api/v1/tenants", token=token[:-2] + "xx")
    check(r.status == 401, "wrong token: %r" % r)
    r = c.request("GET", "/api/v1/tenants?limit=1", token=token)
    check(r.status == 200 and len(r.json["items"]) == 1 and r.json["next"], "page 1: %r" % r)
    r2 = c.request("GET", "/api/v1/tenants?limit=1&cursor=" + r.json["next"], token=token)
    check(r2.status == 200 and r2.json["items"][0]["id"] > r.json["items"][0]["id"],
          "page 2: %r" % r2)


def test_validation(c, s):
    cases = [
        (b'{"name": ', "bad_json"),
        (b'["name"]', "bad_json"),
        (b'{"name": "a", "name": "b"}', "bad_json"),
        (b'{"name": "\xff\xfe"}', "bad_utf8"),
        (b'{"name": "ok", "evil": 1}', "unknown_field"),
        (b'{"name": 5}', "bad_field"),
        (b'{"name": "' + b"x" * 300 + b'"}', "bad_field"),
        (b'{"lang": "en"}', "missing_field"),
        (b'{"name": "x", "lang": "fr"}', "bad_field"),
    ]
    for body, code in cases:
        r = c.request("POST", "/api/v1/tenants", body, session=s,
                      headers={"Content-Type": "application/json"})
        check(r.status == 400 and r.json and r.json["error"] == code,
              "%r -> %r (want %s)" % (body[:40], r, code))
        check(r.json["message"], "error without message")
    big = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    r = c.request("POST", "/api/v1/tenants", big, session=s,
                  headers={"Content-Type": "application/json"})
    check(r.status == 413 and r.json["error"] == "too_large", "oversized: %r" % r)
    # An endless chunked upload is cut off once far past the limit.
    conn = c.connection()
    chunk = b"x" * (1024 * 1024)
    try:
        conn.request("POST", "/api/v1/tenants", body=(chunk for _ in range(200)),
                     encode_chunked=True, headers={"Content-Type": "application/json"})
        status = conn.getresponse().status
    except OSError:
        status = None  # connection cut: fine
    finally:
        conn.close()
    check(status in (None, 413), "endless upload: %r" % status)
    # a Content-Length beside Transfer-Encoding (libmicrohttpd then reads the chunks and lets
    # any length through) in digits only, as every number: "+2" was read as 2 and the request
    # served; now the connection is cut, as for a length far too large (RFC 9112 6.3)
    for length, served in ((None, True), ("2", True), ("+2", False), (" x", False),
                           ("18446744073709551615", False)):
        data = send_until_close(c, (
            "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n%s"
            "\r\n2\r\n{}\r\n0\r\n\r\n" %
            ("" if length is None else "Content-Length: %s\r\n" % length)).encode())
        got = split_reply(data) if data else None
        check((got is not None and got[0] == 400) == served,
              "chunked, Content-Length %r: %r" % (length, data[:80]))
    r = c.request("GET", "/api/v1/nothing-here", session=s)
    check(r.status == 404 and r.json["error"] == "not_found", "404: %r" % r)
    r = c.request("DELETE", "/api/v1/alerts", session=s)
    check(r.status == 405 and r.json["error"] == "method_not_allowed", "405: %r" % r)
    r = c.request("GET", "/api/v1/alerts/0", session=s)
    check(r.status == 404, "id 0: %r" % r)
    r = c.request("GET", "/api/v1/alerts/abc", session=s)
    check(r.status == 404, "non-numeric id: %r" % r)
    r = c.request("GET", "/api/v1/alerts?limit=100000", session=s)
    check(r.status == 400, "limit bound: %r" % r)
    r = c.request("GET", "/api/v1/alerts?since=yesterday", session=s)
    check(r.status == 400, "bad since: %r" % r)
    # The server is still fine after all of that.
    r = c.request("GET", "/api/v1/me", session=s)
    check(r.status == 200, "alive: %r" % r)


def test_dates(c, s, w):
    """Dates and times that do not exist are refused like other bad ones:
    the filters' since/until (a date or an RFC 3339 time), stats' period and
    the monthly report's month (digits only, month 1-12)."""
    bad = ["2026-02-30", "2025-02-29", "2026-04-31", "2026-00-10", "2026-02-30T00:00:00Z",
           "2026-11-28T24:00:00Z", "2026-11-28T10:60:00Z", "2026-11-28T12:00:60Z"]
    good = ["2024-02-29", "2026-04-30", "2016-12-31T23:59:60Z", "2017-01-01T08:59:60+09:00"]
    for path in ("/api/v1/alerts?since=%s", "/api/v1/alerts?until=%s", "/api/v1/stats?since=%s"):
        for d in bad + good:
            r = c.request("GET", path % d.replace("+", "%2B"), session=s)
            want = 400 if d in bad else 200
            check(r.status == want and (want == 200 or "must be a date" in r.json["message"]),
                  "%s: %r" % (path % d, r))
    owner = c.login("owner@a.example")
    monthly = "/api/v1/tenants/%d/reports/monthly?format=json&month=" % w.tenants["A"]["id"]
    for m, want in (("2026-02", 200), ("2024-12", 200), ("2026-13", 400), ("2026-00", 400),
                    ("2026-%2B4", 400), ("2026-%204", 400), ("2026-+4", 400), ("%2B2026-4", 400),
                    ("1999-12", 400), ("2026-4", 400)):
        r = c.request("GET", monthly + m, session=owner)
        check(r.status == want, "month %s: %r" % (m, r))
    print("dates: %d impossible ones refused in 3 filters, months by the same rule" % len(bad))


def test_password_length(c, s, w):
    """One minimum everywhere a password is set: 12 characters (the web UI's
    hint and the self-help rules), counted as characters, not bytes."""
    tid = w.tenants["B"]["id"]

    def add(email, pw):
        return c.request("POST", "/api/v1/users", {"email": email, "password": pw,
                                                  "role": "staff", "tenant_id": tid}, session=s)
    for pw in ("x" * 11, "パスワード長い文字", "パスワード長い文字ですね"[:11]):
        r = add("short@b.example", pw)
        check(r.status == 400 and r.json["error"] == "password_too_short",
              "%d-character password: %r" % (len(pw), r))
    r = c.request("POST", "/api/v1/users", {"email": "short@b.example", "password": "x" * 11,
                                            "role": "staff", "tenant_id": tid}, session=s,
                  headers={"Accept-Language": "ja"})
    check(r.json["message"] == "パスワードは 12 文字以上にしてください",
          "Japanese message: %r" % r)
    r = add("twelve@b.example", "x" * 12)
    check(r.status == 201, "12 characters: %r" % r)
    r = add("kanji@b.example", "パスワードは長い文章がいい")  # 13 characters, 39 bytes
    check(r.status == 201, "13 Japanese characters: %r" % r)
    p = c.admin("user", "add", "--tenant", str(tid), "--role", "staff", "--email",
                "cli-short@b.example", "--password-stdin", stdin="x" * 11 + "\n", expect=None)
    check(p.returncode != 0 and "12" in p.stderr, "admin CLI, 11 characters: %r" % p)
    c.admin("user", "add", "--tenant", str(tid), "--role", "staff", "--email",
            "cli-twelve@b.example", "--password-stdin", stdin="x" * 12 + "\n")


def test_reply_language(c):
    """Before the caller is known, replies follow Accept-Language (the ja or
    en item with the highest weight); without it, or naming neither, they are
    Japanese, the product's first language, as everywhere else."""
    ja_404, en_404 = "見つかりません", "not found"
    ja_405, en_405 = "この操作はここではできません", "method not allowed"
    for headers, want in (({}, "ja"), ({"Accept-Language": "fr-FR, de"}, "ja"),
                          ({"Accept-Language": "ja-JP"}, "ja"), ({"Accept-Language": "en"}, "en"),
                          ({"Accept-Language": "en-US,ja;q=0.9"}, "en"),
                          ({"Accept-Language": "fr, en;q=0.8"}, "en"),
                          ({"Accept-Language": "en;q=0.5, ja"}, "ja"),
                          ({"Accept-Language": "ja;q=0.3, EN-gb;q=0.7"}, "en")):
        r = c.request("GET", "/api/v1/nothing-here", headers=headers)
        check(r.status == 404 and r.json["message"] == (ja_404 if want == "ja" else en_404),
              "404 with %r: %r" % (headers, r))
        r = c.request("DELETE", "/api/v1/alerts", headers=headers)
        check(r.status == 405 and r.json["message"] == (ja_405 if want == "ja" else en_405),
              "405 with %r: %r" % (headers, r))
        r = c.request("POST", "/index.html", headers=headers)
        check(r.status == 405 and r.json["message"] == (ja_405 if want == "ja" else en_405),
              "405 of a web UI file with %r: %r" % (headers, r))
        r = c.request("GET", "/api/v1/me", headers=headers)
        check(r.status == 401 and r.json["message"].startswith("ログイン" if want == "ja"
                                                              else "sign-in"),
              "401 with %r: %r" % (headers, r))


def test_head(c, s):
    """HEAD answers every GET route and page like GET: same status and
    headers (Content-Length that of GET's body), no body, same access rules."""
    token = c.admin("token", "create", "--user", "admin@vendor.example")
    cases = [("/", {}), ("/index.html", {}), ("/app.css", {}), ("/js/app.js", {}),
             ("/api/v1/report.css", {}), ("/api/v1/me", {}), ("/api/v1/nothing-here", {}),
             ("/nope.js", {}), ("/api/v1/me", {"session": s}), ("/api/v1/alerts", {"token": token}),
             ("/api/v1/tenants", {"session": s}), ("/api/v1/users/1", {"token": token}),
             ("/api/v1/tenants", {"session": c.login("staff@a.example")})]
    for path, who in cases:
        g = c.request("GET", path, **who)
        h = c.request("HEAD", path, **who)
        check(h.status == g.status, "HEAD %s: %r, GET %r" % (path, h, g))
        check(h.raw == b"", "HEAD %s has no body: %r" % (path, h))
        check(int(h.headers.get("content-length", -1)) == len(g.raw),
              "HEAD %s Content-Length %r, GET body %d" % (path, h.headers, len(g.raw)))
        for k in set(g.headers) | set(h.headers):
            if k in ("date", "set-cookie"):
                continue
            check(g.headers.get(k) == h.headers.get(k),
                  "HEAD %s header %s: %r, GET %r" % (path, k, h.headers.get(k), g.headers.get(k)))
        extra = "Cookie: mm_session=%s\r\n" % who["session"].cookie if "session" in who else ""
        if "token" in who:
            extra = "Authorization: Bearer %s\r\n" % who["token"]
        status, hdrs, rest = head_raw(c, path, extra)
        check(status == g.status and rest == b"" and
              int(hdrs.get("content-length", -1)) == len(g.raw),
              "HEAD %s on the wire: %d %r, body %r" % (path, status, hdrs, rest[:100]))
    # A HEAD needs no CSRF token, as a GET does not.
    h = c.request("HEAD", "/api/v1/me", headers={"Cookie": "mm_session=" + s.cookie})
    check(h.status == 200, "HEAD without CSRF token: %r" % h)
    # 405 names the methods the path takes.
    for method, path, allow in (("DELETE", "/api/v1/alerts", "GET, HEAD"),
                                ("PUT", "/api/v1/me", "GET, HEAD, PATCH"),
                                ("GET", "/api/v1/login", "POST"),
                                ("HEAD", "/api/v1/events", "POST"),
                                ("PATCH", "/api/v1/tenants", "GET, HEAD, POST"),
                                ("POST", "/", "GET, HEAD"),
                                ("DELETE", "/js/app.js", "GET, HEAD")):
        r = c.request(method, path, session=s)
        check(r.status == 405 and r.headers.get("allow") == allow,
              "%s %s: %r %r" % (method, path, r, r.headers.get("allow")))
        if method != "HEAD":
            check(r.json["error"] == "method_not_allowed", "%s %s: %r" % (method, path, r))
    r = c.request("POST", "/nope.js", session=s)
    check(r.status == 404 and "allow" not in r.headers, "POST to no file: %r" % r)


def test_head_keep_alive(c, s, w):
    """A HEAD of every kind of reply the centre makes (web UI files, API
    JSON, refusals, the report formats) leaves nothing after its headers on
    a keep-alive connection: a GET of the same path sent next on it is
    answered from its first byte, with the body length the HEAD announced.
    libmicrohttpd 0.9.75 writes a chunk end after a HEAD reply of unknown
    length, which would come before that GET's reply. A HEAD of a PDF (its
    length is unknown without rendering it) is the one reply with no
    Content-Length: the centre closes the connection after its headers."""
    owner = c.login("owner@a.example")
    cookie = "Cookie: mm_session=%s\r\n"
    monthly = "/api/v1/tenants/%d/reports/monthly?month=2026-04&format=" % w.tenants["A"]["id"]
    cases = [("/", ""), ("/js/app.js", ""), ("/api/v1/report.css", ""), ("/api/v1/me", ""),
             ("/api/v1/me", cookie % s.cookie), ("/api/v1/nothing-here", ""),
             ("/api/v1/events", ""),
             ("/api/v1/tenants", cookie % c.login("staff@a.example").cookie)]
    cases += [(monthly + f, cookie % owner.cookie) for f in ("html", "md", "json", "pdf")]
    for path, extra in cases:
        status, hdrs, after = head_then_get(c, path, extra)
        if hdrs.get("content-type") == "application/pdf":
            check(status == 200 and "content-length" not in hdrs and after is None,
                  "HEAD %s: %d %r, then %r" % (path, status, hdrs, after and after[:100]))
            continue
        got = split_reply(after or b"")
        check(got and got[0] == status and len(got[2]) == int(hdrs.get("content-length", -1)),
              "HEAD %s: %d %r, then %r" % (path, status, hdrs, after and after[:100]))
    print("HEAD then GET on one connection: %d paths" % len(cases))


def test_roles(c, w):
    staff = c.login("staff@a.example")
    owner = c.login("owner@a.example")
    analyst = c.login("analyst@vendor.example")
    tid = w.tenants["A"]["id"]
    check(c.request("GET", "/api/v1/users", session=staff).status == 403, "staff lists users")
    check(c.request("GET", "/api/v1/tenants", session=owner).status == 403, "owner lists tenants")
    check(c.request("POST", "/api/v1/tenants", {"name": "x"}, session=analyst).status == 403,
          "analyst adds tenant")
    r = c.request("POST", "/api/v1/users", {"email": "evil@a.example", "role": "admin"},
                  session=owner)
    check(r.status == 403, "owner creates vendor admin: %r" % r)
    r = c.request("POST", "/api/v1/users",
                  {"email": "new@a.example", "role": "staff", "password": PASSWORD},
                  session=owner)
    check(r.status == 201 and r.json["tenant_id"] == tid, "owner adds staff: %r" % r)
    r = c.request("POST", "/api/v1/users", {"email": "NEW@a.example", "role": "staff"},
                  session=owner)
    check(r.status == 409, "duplicate e-mail: %r" % r)
    c.login("new@a.example")
    r = c.request("GET", "/api/v1/users", session=owner)
    check(r.status == 200 and all(u["tenant_id"] == tid for u in r.json["items"]),
          "owner sees own users: %r" % r)
    r = c.request("PATCH", "/api/v1/tenants/%d" % tid, {"mail_severity": 1, "lang": "ja"},
                  session=owner)
    check(r.status == 200 and r.json["mail_severity"] == 1, "owner updates settings: %r" % r)
    r = c.request("GET", "/api/v1/me", session=staff)
    check(r.json["tenant"]["id"] == tid and r.json["user"]["role"] == "staff", "staff me")
    r = c.request("GET", "/api/v1/audit", session=owner)
    check(r.status == 200, "audit: %r" % r)
    actions = [(a["action"], a["actor"]) for a in r.json["items"]]
    check(all(a["tenant_id"] == tid for a in r.json["items"]), "audit scoped")
    check(any(a == "user.add" and actor.startswith("cli:") for a, actor in actions),
          "CLI change audited: %r" % actions)
    check(any(a == "tenant.update" and actor.startswith("user:") for a, actor in actions),
          "API change audited: %r" % actions)
    check(all(a["address"] for a in r.json["items"] if a["actor"].startswith("user:")),
          "address recorded: %r" % r.json["items"])


def test_duty(c, w):
    """Vendor user objects carry on_duty (the list, one user, /me and through an
    API token), SME users have none; only the vendor admin changes it."""
    admin = c.login("admin@vendor.example")
    analyst = c.login("analyst@vendor.example")
    aid = analyst.me["user"]["id"]
    check(analyst.me["user"]["on_duty"] is False, "off duty at first: %r" % analyst.me)
    r = c.request("PUT", "/api/v1/users/%d/duty" % aid, {"on_duty": True}, session=analyst)
    check(r.status == 403, "an analyst cannot switch it: %r" % r)
    r = c.request("PUT", "/api/v1/users/%d/duty" % aid, {"on_duty": True}, session=admin)
    check(r.status == 200 and r.json == {"id": aid, "on_duty": True}, "on duty: %r" % r)
    r = c.request("GET", "/api/v1/users/%d" % aid, session=admin)
    check(r.json["on_duty"] is True, "one user: %r" % r)
    r = c.request("GET", "/api/v1/users?tenant=0", session=admin)
    duty = {u["email"]: u["on_duty"] for u in r.json["items"]}
    check(duty == {"admin@vendor.example": False, "analyst@vendor.example": True},
          "vendor list: %r" % duty)
    r = c.request("GET", "/api/v1/me", session=analyst)
    check(r.json["user"]["on_duty"] is True, "me: %r" % r)
    token = c.admin("token", "create", "--user", "analyst@vendor.example")
    r = c.request("GET", "/api/v1/me", token=token)
    check(r.status == 200 and r.json["user"]["on_duty"] is True, "me by token: %r" % r)
    r = c.request("GET", "/api/v1/tenants?limit=1", token=token)
    check(r.status == 200, "the token still works (its id read after on_duty): %r" % r)
    owner = c.login("owner@a.example")
    r = c.request("GET", "/api/v1/users", session=owner)
    check(r.status == 200 and all("on_duty" not in u for u in r.json["items"]),
          "SME users have no duty flag: %r" % r)
    r = c.request("PUT", "/api/v1/users/%d/duty" % w.tenants["A"]["staff"], {"on_duty": True},
                  session=admin)
    check(r.status == 404, "SME users are never on duty: %r" % r)
    # Off again through the admin's API token: the audit names that token.
    token = c.admin("token", "create", "--user", "admin@vendor.example")
    r = c.request("PUT", "/api/v1/users/%d/duty" % aid, {"on_duty": False}, token=token)
    check(r.status == 200 and r.json["on_duty"] is False, "off duty: %r" % r)
    r = c.request("GET", "/api/v1/audit?tenant=0&limit=200", session=admin)
    items = r.json["items"]
    made = max((a for a in items if a["action"] == "token.create"), key=lambda a: a["id"])
    changed = max((a for a in items if a["actor"].startswith("token:")), key=lambda a: a["id"])
    check(changed["actor"] == "token:%s" % made["target"].split(":")[-1],
          "token id read with the user row: %r / %r" % (made, changed))


def test_tenant_contacts(c, w):
    """The tenant list says how many emergency-mail contacts each SME has (the
    vendor dashboard names the SMEs without one from it, instead of asking
    each SME's contacts), for the admin and an analyst; one tenant too. An
    SME user (owner or staff) reads its own company's count only: the list is
    the vendor's, and another company's id is not found. The contacts say
    whether the centre sends mail at all ("mail_enabled"), for the SME's
    people too."""
    admin = c.login("admin@vendor.example")
    analyst = c.login("analyst@vendor.example")
    a, b = w.tenants["A"]["id"], w.tenants["B"]["id"]

    def counts(session):
        r = c.request("GET", "/api/v1/tenants", session=session)
        check(r.status == 200, "tenant list: %r" % r)
        return {t["id"]: t.get("contacts") for t in r.json["items"]}

    check(counts(admin)[a] == 0 and counts(analyst)[b] == 0, "none yet: %r" % counts(admin))
    r = c.request("PUT", "/api/v1/tenants/%d/contacts" % a,
                  {"contacts": [{"email": "boss@a.example", "name": "Boss"},
                                {"email": "it@a.example"}]}, session=admin)
    check(r.status == 200, "contacts set: %r" % r)
    for who in (admin, analyst):
        seen = counts(who)
        check(seen[a] == 2 and seen[b] == 0, "A has two, B none: %r" % seen)
    r = c.request("GET", "/api/v1/tenants/%d" % a, session=analyst)
    check(r.status == 200 and r.json["contacts"] == 2, "one tenant: %r" % r)
    for who, own, n in (("owner@a.example", a, 2), ("staff@a.example", a, 2),
                        ("owner@b.example", b, 0)):
        s = c.login(who)
        r = c.request("GET", "/api/v1/tenants", session=s)
        check(r.status == 403, "%s: the tenant list is the vendor's: %r" % (who, r))
        r = c.request("GET", "/api/v1/tenants/%d" % own, session=s)
        check(r.status == 200 and r.json["id"] == own and r.json["contacts"] == n,
              "%s: its own company's count: %r" % (who, r))
        other = b if own == a else a
        r = c.request("GET", "/api/v1/tenants/%d" % other, session=s)
        check(r.status in (403, 404) and "contacts" not in (r.json or {}),
              "%s: not the other company's: %r" % (who, r))
    r = c.request("PUT", "/api/v1/tenants/%d/contacts" % a, {"contacts": []}, session=admin)
    check(r.status == 200 and counts(admin)[a] == 0, "emptied: %r" % counts(admin))
    check(r.json == {"items": [], "mail_enabled": False}, "PUT says mail is off: %r" % r.json)
    # An SME's people cannot read GET /duty, so the contacts say whether the
    # centre sends mail at all: this one has no [mail] host (test-mail.py
    # reads true with mail on).
    for who, own in (("owner@a.example", a), ("staff@b.example", b)):
        r = c.request("GET", "/api/v1/tenants/%d/contacts" % own, session=c.login(who))
        check(r.status == 200 and r.json["mail_enabled"] is False,
              "%s reads that mail is off: %r" % (who, r))


def many_vendor_users(c, n):
    """n more vendor users (analysts without a password), written straight
    into the database: making them one by one through the API hashes a
    password each time. Returns every vendor user's id, in id order."""
    db = sqlite3.connect(os.path.join(c.data, "center.db"), timeout=30)
    with db:
        db.executemany("INSERT INTO users (tenant_id, email, role, lang, created_at) "
                       "VALUES (0, ?, 'analyst', 'en', 0)",
                       [("many%03d@vendor.example" % i,) for i in range(n)])
        ids = [row[0] for row in db.execute("SELECT id FROM users WHERE tenant_id = 0 ORDER BY id")]
    db.close()
    return ids


def test_duty_view(c, w):
    """GET /duty tells every vendor user who is on duty, read only: the vendor
    users on duty and not disabled (address and flag, nothing else; the
    others are not named) and the
    [mail] duty addresses of the configuration, marked as such, and whether
    mail is on at all ("mail_enabled": this centre has no [mail] host, so
    nobody gets mail: the addresses are listed as configured, with false).
    The vendor users are read 200 at a time: people on duty on the first
    page's last row, the second page's first and its last are all listed.
    SME users get 403; an analyst still cannot list or change users."""
    admin = c.login("admin@vendor.example")
    analyst = c.login("analyst@vendor.example")
    aid = analyst.me["user"]["id"]
    r = c.request("POST", "/api/v1/users",
                  {"email": "gone@vendor.example", "role": "analyst", "tenant_id": 0,
                   "password": PASSWORD}, session=admin)
    check(r.status == 201, "vendor user added: %r" % r)
    gone = r.json["id"]
    for uid in (aid, gone):
        r = c.request("PUT", "/api/v1/users/%d/duty" % uid, {"on_duty": True}, session=admin)
        check(r.status == 200, "on duty: %r" % r)
    r = c.request("PATCH", "/api/v1/users/%d" % gone, {"disabled": True}, session=admin)
    check(r.status == 200, "disabled: %r" % r)
    vendor = many_vendor_users(c, 250)
    paged = [vendor[199], vendor[200], vendor[-1]]  # DUTY_PAGE (api/contacts.c) is 200
    for uid in paged:
        r = c.request("PUT", "/api/v1/users/%d/duty" % uid, {"on_duty": True}, session=admin)
        check(r.status == 200, "on duty: %r" % r)
    r = c.request("GET", "/api/v1/duty", session=analyst)
    check(r.status == 200 and
          [i["id"] for i in r.json["items"] if i["source"] == "user"] == [aid] + paged,
          "every page read: %r" % r.json)
    for uid in paged:
        r = c.request("PUT", "/api/v1/users/%d/duty" % uid, {"on_duty": False}, session=admin)
        check(r.status == 200, "off duty: %r" % r)
    r = c.request("GET", "/api/v1/duty", session=analyst)
    check(r.status == 200, "analyst reads who is on duty: %r" % r)
    users = [i for i in r.json["items"] if i["source"] == "user"]
    config = [i for i in r.json["items"] if i["source"] == "config"]
    check(all(set(i) == {"id", "email", "on_duty", "source"} for i in r.json["items"]),
          "address and flag only: %r" % r.json)
    check({i["email"]: i["on_duty"] for i in users} ==
          {"analyst@vendor.example": True},
          "vendor users on duty, the disabled one and the admin (off duty) left out: %r" % users)
    check(config == [{"id": None, "email": e, "on_duty": True, "source": "config"}
                     for e in ("duty@vendor.example", "soc@vendor.example")],
          "the configuration's duty addresses: %r" % config)
    check(set(r.json) == {"items", "mail_enabled"} and r.json["mail_enabled"] is False,
          "mail is off here, and said so: %r" % r.json)
    token = c.admin("token", "create", "--user", "analyst@vendor.example")
    check(c.request("GET", "/api/v1/duty", token=token).json == r.json, "by API token")
    check(c.request("GET", "/api/v1/duty", session=admin).json == r.json, "the admin reads the same")
    for who in ("owner@a.example", "staff@b.example"):
        r = c.request("GET", "/api/v1/duty", session=c.login(who))
        check(r.status == 403, "%s may not read it: %r" % (who, r))
    check(c.request("GET", "/api/v1/users?tenant=0", session=analyst).status == 403,
          "an analyst still cannot list users")
    r = c.request("PUT", "/api/v1/users/%d/duty" % aid, {"on_duty": False}, session=analyst)
    check(r.status == 403, "nor switch the flag: %r" % r)
    r = c.request("PUT", "/api/v1/users/%d/duty" % aid, {"on_duty": False}, session=admin)
    check(r.status == 200, "off again: %r" % r)


def test_own_language(c):
    s = c.login("staff@b.example")  # created without --lang: its company's language
    check(s.me["tenant"]["lang"] == "en" and s.me["user"]["lang"] == "en",
          "default language is the company's: %r" % s.me)
    r = c.request("PATCH", "/api/v1/me", {"lang": "ja"}, session=s)
    check(r.status == 200 and r.json["user"]["lang"] == "ja", "set Japanese: %r" % r)
    r = c.request("GET", "/api/v1/alerts/999999", session=s)
    check(r.json["message"] == "見つかりません", "Japanese message: %r" % r)
    r = c.request("PATCH", "/api/v1/me", {"lang": "en"}, session=s,
                  headers={"X-CSRF-Token": "wrong"})
    check(r.status == 403, "PATCH /me needs CSRF: %r" % r)
    r = c.request("PATCH", "/api/v1/me", {"lang": "fr"}, session=s)
    check(r.status == 400 and r.json["error"] == "bad_field", "bad language: %r" % r)
    r = c.request("PATCH", "/api/v1/me", {"lang": "en"}, session=s)
    check(r.status == 200 and r.json["user"]["lang"] == "en", "set language: %r" % r)
    r = c.request("GET", "/api/v1/alerts/999999", session=s)
    check(r.json["message"] == "not found", "English message: %r" % r)
    r = c.request("PATCH", "/api/v1/me", {"role": "admin"}, session=s)
    check(r.status == 400 and r.json["error"] == "unknown_field", "role via /me: %r" % r)


def test_logout(c):
    s = c.login("owner@b.example")
    r = c.request("POST", "/api/v1/logout", session=s)
    check(r.status == 204, "logout: %r" % r)
    check("Max-Age=0" in r.headers.get("set-cookie", ""), "cookie cleared")
    check(c.request("GET", "/api/v1/me", session=s).status == 401, "session gone")


def test_rate_limit(c):
    results = []
    lock = threading.Lock()

    def attempt():
        r = c.request("POST", "/api/v1/login",
                      {"email": "staff@b.example", "password": "wrong-password"})
        with lock:
            results.append(r.status)

    # 12 at once: below the per-address connection limit (16 by default).
    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    evaluated = results.count(401)
    limited = results.count(429)
    check(evaluated + limited == 12, "unexpected replies: %r" % results)
    check(1 <= evaluated <= 5, "%d wrong passwords evaluated, limit is 5" % evaluated)
    r = c.request("POST", "/api/v1/login", {"email": "staff@b.example", "password": PASSWORD})
    check(r.status == 429 and r.json["error"] == "rate_limited", "locked account: %r" % r)
    c.login("owner@a.example")  # other accounts still work from this address
    # The lock-out is the account's at this address only: from another
    # client the person signs in (until session 28 the account was locked
    # from everywhere, so anyone could keep anyone out).
    c.login("staff@b.example", source="127.0.0.2")
    print("rate limit: %d evaluated, %d refused" % (evaluated, limited))


def test_sensor_rate(c, w):
    """event_rate_per_min is the last hour's events per minute rounded to
    hundredths and written that way: 9 events are 0.15 (9 / 60.0 was written
    0.14999999999999999), 10 are 0.17, 60 are 1.0, in the list and the
    single sensor."""
    code = c.admin("enrol", "--tenant", str(w.tenants["A"]["id"]))
    r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "rate"})
    check(r.status == 201, "enrol: %r" % r)
    sid, key = r.json["sensor_id"], r.json["key"]
    s = c.login("admin@vendor.example")
    sent = 0
    for n, want in ((9, b"0.15"), (10, b"0.17"), (60, b"1.0")):
        r = c.ingest(key, [dns_event(seq) for seq in range(sent, n)])
        check(r.status == 200 and r.json["accepted"] == n - sent, "ingest: %r" % r)
        sent = n
        one = c.request("GET", "/api/v1/sensors/%d" % sid, session=s)
        listed = c.request("GET", "/api/v1/sensors?limit=200", session=s)
        for got in (one.raw, listed.raw):
            m = re.search(rb'"id":%d,[^}]*"event_rate_per_min":([^,]*),' % sid, got)
            check(m and m.group(1) == want,
                  "%d events: rate %r, want %r" % (n, m and m.group(1), want))
    print("sensor rate: 9, 10, 60 events are 0.15, 0.17, 1.0 a minute")


def test_strict_integers(c, w):
    """Integers in a query (limit, tenant, severity, signature, a cursor's parts) are digits
    only, as on the command line: a '+' or a space before them was read as the number
    (strtoll), now it is 400 as any other wrong form. A cursor's first part keeps its '-'
    (an alert's last_seen before 1970, as a sensor dated it)."""
    code = c.admin("enrol", "--tenant", str(w.tenants["A"]["id"]))
    r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "strict"})
    check(r.status == 201, "enrol: %r" % r)
    key = r.json["key"]
    old = [alert_event(seq, sid=7777, ts=ts) for seq, ts in
           ((1, "1969-12-30T00:00:00Z"), (2, "1969-12-31T00:00:00Z"), (3, "2026-04-01T00:00:00Z"))]
    r = c.ingest(key, old)
    check(r.status == 200 and r.json["accepted"] == 3, "ingest: %r" % r)
    s = c.login("admin@vendor.example")
    # "%2B" is '+', "%20" a space, "%09" a tab
    for q, name in (("limit=%2B5", "limit"), ("limit=%205", "limit"), ("limit=%095", "limit"),
                    ("limit=5%20", "limit"), ("limit=5x", "limit"), ("limit=0x5", "limit"),
                    ("limit=", "limit"), ("limit=-5", "limit"), ("limit=5.0", "limit"),
                    ("limit=99999999999999999999", "limit"), ("severity=%2B2", "severity"),
                    ("tenant=%2B1", "tenant"), ("tenant=%201", "tenant"), ("tenant=-1", "tenant"),
                    ("signature=%2B7777", "signature")):
        r = c.request("GET", "/api/v1/alerts?" + q, session=s)
        check(r.status == 400 and r.json["error"] == "bad_request" and
              (": %s must be an integer " % name) in r.json["message"], "%s: %r" % (q, r))
    for path in ("/api/v1/sensors?tenant=%2B1", "/api/v1/users?tenant=%201",
                 "/api/v1/tickets?tenant=%2B1", "/api/v1/incidents?tenant=%2B1",
                 "/api/v1/mail/outbox?tenant=%2B1", "/api/v1/tenants?limit=%2B1"):
        r = c.request("GET", path, session=s)
        check(r.status == 400 and "must be an integer" in r.json["message"], "%s: %r" % (path, r))
    for q in ("limit=5", "limit=05", "limit=200", "severity=2", "tenant=%d" % w.tenants["A"]["id"],
              "signature=7777"):
        r = c.request("GET", "/api/v1/alerts?" + q, session=s)
        check(r.status == 200, "%s: %r" % (q, r))
    # a cursor through pre-1970 alerts: "-86400000000.ID", as the server wrote it
    seen, cursor = [], None
    while True:
        r = c.request("GET", "/api/v1/alerts?signature=7777&limit=1" +
                      ("&cursor=" + cursor if cursor else ""), session=s)
        check(r.status == 200 and len(r.json["items"]) == 1, "page %r: %r" % (cursor, r))
        seen.append(r.json["items"][0]["id"])
        cursor = r.json["next"]
        if not cursor:
            break
        if len(seen) == 2:
            check(cursor.startswith("-86400000000."), "cursor of 1969-12-31: %r" % cursor)
    check(len(seen) == 3, "three alerts of 7777, one a page: %r" % seen)
    r = c.request("GET", "/api/v1/alerts?signature=7777&limit=1", session=s)
    a, _, b = r.json["next"].partition(".")
    for bad in ("%2B" + a + "." + b, "%20" + a + "." + b, a + ".%2B" + b, a + ".%20" + b,
                a + "." + b + "%20", a + "x." + b, a + ".-" + b, a + "." + b + ".1", "." + b,
                a + ".", "%2B1", "%201", "1%20", "99999999999999999999"):
        r = c.request("GET", "/api/v1/alerts?signature=7777&limit=1&cursor=" + bad, session=s)
        check(r.status == 400 and r.json["message"].endswith(": cursor"),
              "cursor %s: %r" % (bad, r))
        r = c.request("GET", "/api/v1/tenants?limit=1&cursor=" + bad, session=s)
        check(r.status == 400 and r.json["message"].endswith(": cursor"),
              "tenants cursor %s: %r" % (bad, r))
    print("strict integers: signs, spaces and trailing bytes refused in queries and cursors")


def main():
    c = Center(config="login_max_failures = 5\nlogin_max_failures_addr = 100\n"
               "[mail]\nduty = duty@vendor.example, soc@vendor.example\n")
    try:
        w = World(c)
        c.start()
        s = test_login_and_session(c)
        test_csrf_and_tokens(c, s)
        test_validation(c, s)
        test_dates(c, s, w)
        test_password_length(c, s, w)
        test_reply_language(c)
        test_head(c, s)
        test_head_keep_alive(c, s, w)
        test_roles(c, w)
        test_duty(c, w)
        test_tenant_contacts(c, w)
        test_duty_view(c, w)
        test_own_language(c)
        test_sensor_rate(c, w)
        test_strict_integers(c, w)
        test_logout(c)
        test_rate_limit(c)
        rc = c.stop()
        check(rc == 0, "server exit status %d: %s" % (rc, c.server_log()))
    finally:
        c.close()
    print("ok")


if __name__ == "__main__":
    main()
