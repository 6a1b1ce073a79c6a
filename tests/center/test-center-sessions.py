#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Sessions at sign-in, against the real centre on 127.0.0.1 with a real
SQLite file: a sign-in ends the session whose cookie the browser sent with
it (one browser, one session; the earlier one may have been another
person's, or a token someone planted): A signs in, then B signs in sending
A's cookie: A's old token answers 401, B's works, and the end is in A's
audit as session.logout; a failed sign-in ends nothing; signing in again as
the same person replaces the session too."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import Center, PASSWORD, World, check  # noqa: E402


def login_with(c, email, cookie, password=PASSWORD):
    return c.request("POST", "/api/v1/login", {"email": email, "password": password},
                     headers={"Cookie": "%s=%s" % (c.cookie_name(), cookie)})


def main():
    c = Center()
    w = World(c)
    c.start()
    admin = c.login("admin@vendor.example")
    a = c.login("owner@a.example")
    r = login_with(c, "owner@b.example", a.cookie, "a-wrong-password-1")
    check(r.status == 401, "wrong password: %r" % r)
    check(c.request("GET", "/api/v1/me", session=a).status == 200, "a failed sign-in ends nothing")
    r = login_with(c, "owner@b.example", a.cookie)
    check(r.status == 200 and r.json["user"]["email"] == "owner@b.example", "B signs in: %r" % r)
    check(c.request("GET", "/api/v1/me", session=a).status == 401, "A's session ended")
    b_cookie = r.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    r = c.request("GET", "/api/v1/me", headers={"Cookie": "%s=%s" % (c.cookie_name(), b_cookie)})
    check(r.status == 200 and r.json["user"]["email"] == "owner@b.example", "B's works: %r" % r)
    r = c.request("GET", "/api/v1/audit?tenant=%d&limit=50" % w.tenants["A"]["id"], session=admin)
    ends = [x for x in r.json["items"] if x["action"] == "session.logout"]
    check(len(ends) == 1 and ends[0]["actor"] == "user:%d" % w.tenants["A"]["owner"],
          "in A's audit: %r" % ends)
    # the same person again
    r = login_with(c, "owner@b.example", b_cookie)
    check(r.status == 200, "B again: %r" % r)
    r = c.request("GET", "/api/v1/me", headers={"Cookie": "%s=%s" % (c.cookie_name(), b_cookie)})
    check(r.status == 401, "B's earlier session ended: %r" % r)
    # an unknown cookie is no obstacle
    r = login_with(c, "owner@a.example", "not-a-session-token")
    check(r.status == 200, "unknown cookie: %r" % r)
    c.close()
    print("ok: sessions at sign-in")


if __name__ == "__main__":
    main()
