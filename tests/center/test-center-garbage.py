#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Robustness: sends every route of the centre (from --list-routes) a few
hundred malformed requests — random bytes, broken JSON, wrong types, deep
nesting, odd encodings and headers, strange paths and query strings — as a
signed-in vendor admin, an SME owner and a sensor. Every reply must be a
well-formed JSON error (never a 5xx), successes declared JSON must parse, the server must stay up,
and it must stop cleanly at the end (which under ASan also means no leak).
The random generator is seeded, so a failure replays."""

import gzip
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import BIN, Center, check, start_world  # noqa: E402

SEED = 20260401


def bodies(rng):
    yield b""
    yield b"{"
    yield b"null"
    yield b"[]"
    yield b'{"a": ' * 3000 + b"1" + b"}" * 3000  # deep nesting
    yield b'{"ids": [' + b",".join(b"1" for _ in range(5000)) + b'], "action": "close"}'
    yield b'{"email": 1, "password": [], "name": {}, "code": true, "lang": null}'
    yield b'{"name": "\\u0000"}'
    yield b'{"name": "\xc3\x28"}'
    yield b'{"ttl": 99999999999999999999999}'
    yield b'{"incident_id": -5, "reason": ""}'
    yield b'{"timestamp":"2026-04-01T10:00:00Z","event_type":"alert","seq":1,"alert":{}}\n'
    for _ in range(4):
        n = rng.randrange(1, 400)
        yield bytes(rng.randrange(256) for _ in range(n))
    for _ in range(3):
        keys = ["name", "email", "role", "tenant_id", "password", "lang", "ids", "action",
                "reason", "code", "ttl", "mail_severity", "incident_id", "x"]
        obj = {rng.choice(keys): rng.choice([None, True, 0, -1, 2**62, "", "ja", "x" * 300,
                                             [1, "a"], {"k": 1}])
               for _ in range(rng.randrange(1, 5))}
        yield json.dumps(obj).encode()


def paths(rng, pattern):
    fills = ["1", "999999", "0", "1e3", "%31", "9" * 30]
    out = []
    for f in fills:
        out.append(pattern.replace("{", "").replace("}", "") if "{" not in pattern else
                   "/".join(f if seg.startswith("{") else seg for seg in pattern.split("/")))
    out.append(pattern + "?limit=abc&cursor=..&since=x&tenant=-1&q=" + "%ff" * 10)
    out.append(pattern + "?cursor=9223372036854775807.9223372036854775807")
    out.append(pattern + "/")
    return [p for p in out if "*" not in p]


def check_reply(r, what):
    check(r.status < 500, "%s: server error %r" % (what, r))
    json_reply = r.headers.get("content-type", "").startswith("application/json")
    if r.status != 204 and r.raw and (json_reply or r.status >= 400):
        check(json_reply and isinstance(r.json, (dict, list)),
              "%s: reply is not JSON: %r" % (what, r))
    if r.status >= 400:
        check(isinstance(r.json.get("error"), str) and r.json.get("message"),
              "%s: error without code or message: %r" % (what, r))


def main():
    rng = random.Random(SEED)
    routes = json.loads(subprocess.run([BIN, "--list-routes"], capture_output=True, text=True,
                                       check=True).stdout)
    c = Center()
    try:
        w = start_world(c)
        callers = [
            {"session": c.login("admin@vendor.example")},
            {"session": w.tenants["A"]["session"]},
            {"token": w.tenants["A"]["key"]},
            {},
        ]
        sent = 0
        for rt in routes:
            for path in paths(rng, rt["path"]):
                for body in bodies(rng):
                    caller = rng.choice(callers)
                    headers = {"Content-Type": rng.choice(["application/json", "text/plain",
                                                           "application/x-ndjson"])}
                    if rng.random() < 0.1:
                        headers["Content-Encoding"] = rng.choice(["gzip", "deflate", "x"])
                        if headers["Content-Encoding"] == "gzip" and rng.random() < 0.5:
                            body = gzip.compress(body)
                    if rng.random() < 0.05:
                        headers["X-CSRF-Token"] = "\u00e9".encode().decode("latin-1")
                    r = c.request(rt["method"], path, body, headers=headers, **caller)
                    check_reply(r, "%s %s" % (rt["method"], path))
                    sent += 1
        for method in ("OPTIONS", "HEAD", "TRACE", "BREW"):
            r = c.request(method, "/api/v1/alerts", session=callers[0]["session"])
            check(r.status < 500, "%s: %r" % (method, r))
        r = c.request("GET", "/api/v1/me", session=c.login("owner@b.example"))
        check(r.status == 200, "still alive: %r" % r)
        print("%d malformed requests answered" % sent)
        rc = c.stop()
        check(rc == 0, "server exit status %d: %s" % (rc, c.server_log()[-2000:]))
    finally:
        c.close()
    print("ok")


if __name__ == "__main__":
    main()
