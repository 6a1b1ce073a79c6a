#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tenant isolation: walks EVERY route of the centre (the table printed by
`mamori-center --list-routes`, i.e. src/center/routes.def) as users of
tenant A with the ids of tenant B's objects and asserts 404 (403 where the
role may not call the route at all); list routes must not show B's rows,
and with ?tenant=B (or 0) they are empty, with ?tenant=A the same as
without it; bulk actions must not touch B's alerts.
A route whose {name} has no fixture fails the test: a resource added later
brings its own fixture as tests/center/fixtures/<name>.py defining
create(center, world, tenant) -> id (tenant is "A" or "B"; world.tenants[..]
holds "id", "owner", "staff", "sensor", "alert", "session" and "key")."""

import glob
import importlib.util
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import BIN, Center, check, start_world  # noqa: E402

# Roles an SME user can hold, and whether each route's "allow" admits them.
SME_ALLOWED = {"owner": {"user", "manager", "triage", "self"}, "staff": {"user", "self"}}


def routes():
    out = subprocess.run([BIN, "--list-routes"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def fill(path, ids):
    parts = []
    for seg in path.split("/"):
        if seg.startswith("{"):
            name = seg[1:-1]
            check(name in ids, "no fixture for {%s} in %s: add one to this test" % (name, path))
            parts.append(str(ids[name]))
        else:
            parts.append(seg)
    return "/".join(parts)


def ids_of(t):
    ids = {"tenant": t["id"], "user": t["owner"], "sensor": t["sensor"], "alert": t["alert"]}
    ids.update(t.get("extra", {}))
    return ids


def load_fixtures(c, w):
    """Runs tests/center/fixtures/<name>.py for both tenants."""
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "fixtures", "*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location("fixture_" + name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for tenant in ("A", "B"):
            w.tenants[tenant].setdefault("extra", {})[name] = mod.create(c, w, tenant)


def walk_foreign(c, w, role, caller):
    mine, theirs = w.tenants["A"], w.tenants["B"]
    checked = 0
    for rt in routes():
        if "{" not in rt["path"] or rt["allow"] in ("public", "sensor") or "*" in rt["path"]:
            continue
        path = fill(rt["path"], ids_of(theirs))
        body = None if rt["method"] == "GET" else {}
        r = c.request(rt["method"], path, body, **caller)
        allowed = rt["allow"] in SME_ALLOWED[role]
        want = (404,) if allowed else (403, 404)
        check(r.status in want, "%s %s as %s of A: %r (want %s)" % (rt["method"], path, role, r,
                                                                   want))
        if allowed and rt["method"] == "GET":
            own = c.request("GET", fill(rt["path"], ids_of(mine)), **caller)
            check(own.status == 200, "own %s as %s: %r" % (rt["path"], role, own))
        checked += 1
    return checked


def item_tenants(reply):
    return {item.get("tenant_id", item.get("id")) for item in reply.json["items"]}


def ids(reply):
    return [item.get("id") for item in reply.json["items"]]


def walk_lists(c, w, role, caller):
    """Every list an SME user may call: with ?tenant= of another tenant (or of
    the vendor, 0) it is empty, with its own tenant's it is the list without
    the filter (center-storage.md "Tenancy"; the alert list gave the SME's own
    alerts for any tenant until session 20). Lists of the vendor's people only
    answer 403 whatever the filter."""
    a, b = w.tenants["A"], w.tenants["B"]
    lists = 0
    for rt in routes():
        if "{" in rt["path"] or "*" in rt["path"] or rt["method"] != "GET" or \
                rt["allow"] == "public" or rt["path"] == "/api/v1/me":
            continue
        if rt["allow"] not in SME_ALLOWED[role]:
            r = c.request("GET", rt["path"] + "?tenant=%d" % b["id"], **caller)
            check(r.status == 403, "%s?tenant=B as %s: %r" % (rt["path"], role, r))
            continue
        plain = c.request("GET", rt["path"], **caller)
        check(plain.status == 200, "%s as %s: %r" % (rt["path"], role, plain))
        if not isinstance(plain.json, dict) or "items" not in plain.json:
            continue  # not a list (a page, a summary): nothing to compare
        check(item_tenants(plain) <= {a["id"]},
              "%s as %s shows tenants %r" % (rt["path"], role, item_tenants(plain)))
        if not all("tenant_id" in item for item in plain.json["items"]):
            continue  # not rows of a tenant (ticket categories)
        for other in (b["id"], 0):
            r = c.request("GET", rt["path"] + "?tenant=%d" % other, **caller)
            check(r.status == 200 and r.json["items"] == [],
                  "%s?tenant=%d (not A) as %s: %r" % (rt["path"], other, role, r))
        r = c.request("GET", rt["path"] + "?tenant=%d" % a["id"], **caller)
        check(r.status == 200 and ids(r) == ids(plain),
              "%s?tenant=A as %s: %r, without the filter %r" % (rt["path"], role, r, plain))
        lists += 1 if plain.json["items"] else 0
    # users and audit (owner only), sensors, alerts, tickets, incidents
    want = 6 if role == "owner" else 4
    check(lists >= want, "only %d lists with rows as %s" % (lists, role))


def check_bulk(c, w, caller):
    b = w.tenants["B"]
    r = c.request("POST", "/api/v1/alerts/bulk",
                  {"ids": [b["alert"]], "action": "close", "reason": "not mine"}, **caller)
    check(r.status == 200 and r.json["updated"] == 0, "bulk on foreign alert: %r" % r)
    check(r.json["failed"] == [{"id": b["alert"], "error": "not_found"}], "bulk reply: %r" % r)


def main():
    c = Center()
    try:
        w = start_world(c)
        load_fixtures(c, w)
        b = w.tenants["B"]
        before = c.request("GET", "/api/v1/alerts/%d" % b["alert"], session=b["session"]).json
        owner_token = c.admin("token", "create", "--user", "owner@a.example")
        callers = [
            ("owner", {"session": w.tenants["A"]["session"]}),
            ("owner", {"token": owner_token}),
            ("staff", {"session": c.login("staff@a.example")}),
        ]
        total = 0
        for role, caller in callers:
            total += walk_foreign(c, w, role, caller)
            walk_lists(c, w, role, caller)
        check_bulk(c, w, callers[0][1])
        check(total >= 3 * 8, "walked only %d route/caller pairs" % total)
        # Tenant B's data is untouched and visible to its own owner.
        r = c.request("GET", "/api/v1/alerts/%d" % b["alert"], session=b["session"])
        check(r.status == 200 and r.json["status"] == before["status"] and
              r.json["count"] == before["count"], "B's alert changed: %r" % r)
        vendor = c.login("analyst@vendor.example")
        r = c.request("GET", "/api/v1/alerts", session=vendor)
        check(item_tenants(r) == {w.tenants["A"]["id"], b["id"]}, "vendor sees all tenants")
        r = c.request("GET", "/api/v1/alerts?tenant=%d" % b["id"], session=vendor)
        check(item_tenants(r) == {b["id"]}, "vendor tenant filter: %r" % r)
        print("walked %d route/caller pairs with foreign ids" % total)
        rc = c.stop()
        check(rc == 0, "server exit status %d" % rc)
    finally:
        c.close()
    print("ok")


if __name__ == "__main__":
    main()
