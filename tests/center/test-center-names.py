# SPDX-License-Identifier: Apache-2.0
"""The names of tenants and sensors, on the real centre and SQLite file:
- a control character (C0, DEL, C1) or a bidi formatting character (U+061C,
  U+200E/F, U+202A-202E, U+2066-2069) in a tenant's name (POST and PATCH
  /api/v1/tenants, `admin tenant add`) or a sensor's (POST /api/v1/enrol) is
  refused: 400 bad_characters (the admin command: exit 2), nothing stored;
- a tenant's name that another tenant has, also in another case or in
  full-width letters, is refused: 409 name_taken (admin: exit 1); a PATCH
  that keeps the tenant's own name passes, also when an older database
  holds two tenants of that name (no unique index: its migration cannot
  fail on such data)."""

import sqlite3
import os

from centerlib import Center, PASSWORD, World, check

BAD = ["A\x01B", "A\tB", "A\nB", "A\x1fB", "A\x7fB", "A\x80B", "A\x9fB", "A\u061cB",
       "A\u200eB", "A\u200fB", "A\u202aB", "A\u202eB", "A\u2066B", "A\u2069B"]
GOOD = ["株式会社 山田製作所", "Ｍａｍｏｒｉ 商店", "Café «Ünïcode»", "A\u200dB"]


def test_characters(c, w, admin, owner_a):
    ta = w.tenants["A"]["id"]
    for bad in BAD:
        for r in (c.request("POST", "/api/v1/tenants", {"name": bad}, session=admin),
                  c.request("PATCH", "/api/v1/tenants/%d" % ta, {"name": bad}, session=owner_a)):
            check(r.status == 400 and r.json["error"] == "bad_characters" and
                  r.json["message"], "%r: %r" % (bad, r))
        code = c.admin("enrol", "--tenant", str(ta))
        r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "pc" + bad})
        check(r.status == 400 and r.json["error"] == "bad_characters", "enrol %r: %r" % (bad, r))
    r = c.request("GET", "/api/v1/tenants/%d" % ta, session=owner_a)
    check(r.json["name"] == "SME A", "nothing stored: %r" % r)
    # the code was not spent by a refused name
    r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "pc-ok"})
    check(r.status == 201, "enrol after a refused name: %r" % r)
    r = c.request("PATCH", "/api/v1/tenants/%d" % ta, {"name": "A\x07"}, session=owner_a)
    check("control characters" in r.json["message"], "en message: %r" % r)
    r = c.request("POST", "/api/v1/tenants", {"name": "A\x07"}, session=admin)
    check("制御文字" in r.json["message"], "ja message: %r" % r)
    for good in GOOD:
        r = c.request("POST", "/api/v1/tenants", {"name": good}, session=admin)
        check(r.status == 201 and r.json["name"] == good, "%r: %r" % (good, r))
    p = c.admin("tenant", "add", "--name", "Evil\u202eCorp", expect=2)
    check("--name" in p.stderr, "admin: %s" % p.stderr)


def test_duplicates(c, w, admin, owner_a):
    ta = w.tenants["A"]["id"]
    for same in ("SME B", "sme b", "ＳＭＥ　Ｂ", "Sme b"):
        r = c.request("PATCH", "/api/v1/tenants/%d" % ta, {"name": same}, session=owner_a)
        check(r.status == 409 and r.json["error"] == "name_taken", "%r: %r" % (same, r))
        r = c.request("POST", "/api/v1/tenants", {"name": same}, session=admin)
        check(r.status == 409 and r.json["error"] == "name_taken", "POST %r: %r" % (same, r))
    r = c.request("GET", "/api/v1/tenants/%d" % ta, session=owner_a)
    check(r.json["name"] == "SME A", "nothing stored: %r" % r)
    p = c.admin("tenant", "add", "--name", "SME B", expect=1)
    check(p.stderr.strip(), "admin says why: %r" % p.stderr)
    # another spelling of its own name, and another name, pass
    for name in ("sme a", "SME A", "SME B2"):
        r = c.request("PATCH", "/api/v1/tenants/%d" % ta, {"name": name}, session=owner_a)
        check(r.status == 200 and r.json["name"] == name, "%r: %r" % (name, r))


def test_older_duplicates(c, w, admin):
    """Two tenants of one name from before the check: each may still be
    changed while it keeps that name."""
    with sqlite3.connect(os.path.join(c.data, "center.db"), timeout=30) as db:
        ids = [db.execute("INSERT INTO tenants (name, lang, mail_severity, created_at) VALUES "
                          "('Twin KK', 'ja', 2, 0)").lastrowid for _ in range(2)]
    for tid in ids:
        r = c.request("PATCH", "/api/v1/tenants/%d" % tid, {"name": "Twin KK", "lang": "en",
                                                            "mail_severity": 1}, session=admin)
        check(r.status == 200 and r.json["lang"] == "en", "keeps its name: %r" % r)
    r = c.request("PATCH", "/api/v1/tenants/%d" % ids[1], {"name": "Twin KK 2"}, session=admin)
    check(r.status == 200, "renamed away: %r" % r)
    r = c.request("PATCH", "/api/v1/tenants/%d" % ids[1], {"name": "twin kk"}, session=admin)
    check(r.status == 409 and r.json["error"] == "name_taken", "and not back: %r" % r)


def main():
    c = Center()
    w = World(c)
    c.start()
    admin = c.login("admin@vendor.example")
    owner_a = c.login("owner@a.example")
    test_characters(c, w, admin, owner_a)
    test_duplicates(c, w, admin, owner_a)
    test_older_duplicates(c, w, admin)
    c.close()
    print("ok: names")


if __name__ == "__main__":
    main()
