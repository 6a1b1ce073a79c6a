#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration test of the centre's limits per client and on slow or
inflating bodies, against the real server on 127.0.0.1 (clients on
127.0.0.2, 127.0.0.3, ...: all of 127/8 is loopback on Linux, and each is
another client), with small settings so that the limits are reached fast:
- the public routes (login, enrolment) take bodies of 16 KiB at most, so
  anonymous clients sending large bodies slowly cannot spend the body
  budget and make every login and ingest 503;
- one client (an IPv4 address; an IPv6 /64, see test-center-clients) holds
  at most per_ip_body_mb of the body budget: past it its requests get 503
  with Retry-After, while other clients' ingest goes on;
- one client holds at most per_ip_connections connections, and gets them
  back once they close; another client is served meanwhile;
- a body that has not all arrived within body_timeout seconds (sent a byte
  now and then) has its connection cut, and this is logged;
- an inflated gzip body is charged to the body budget as it grows: past
  the budget the batch gets 503 with Retry-After and nothing of it is
  stored (the sensor keeps it and sends it again), and a batch that fits
  is taken afterwards."""

import gzip
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import (Center, World, check, PASSWORD, dns_event, connect_from,  # noqa: E402
                       reply_within, body_admitted)

KIB = 1024
MIB = 1024 * KIB


def post_head(path, length, extra=""):
    return ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s"
            "Content-Length: %d\r\n\r\n" % (path, extra, length)).encode()


def enrol(c):
    code = c.admin("enrol", "--tenant", "1")
    r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "s"})
    check(r.status == 201, "enrol: %r" % r)
    return r.json["key"]


def test_public_bodies_small():
    """Before: two anonymous clients sending a bit over 512 KiB of a login
    body each held the whole 1 MiB budget, and every login got 503."""
    c = Center(config="[server]\nbody_budget_mb = 1\n")
    held = []
    try:
        World(c)
        c.start()
        for source in ("127.0.0.2", "127.0.0.3"):
            s = connect_from(c, source)
            held.append(s)
            s.sendall(post_head("/api/v1/login", 600 * KIB))
            s.sendall(b" " * (520 * KIB if source == "127.0.0.2" else 500 * KIB))
        time.sleep(0.5)
        r = c.request("POST", "/api/v1/login",
                      {"email": "admin@vendor.example", "password": PASSWORD})
        check(r.status == 200, "login while anonymous bodies are being received: %r" % r)
        code = c.admin("enrol", "--tenant", "1")
        r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "s"})
        check(r.status == 201, "enrolment while anonymous bodies are being received: %r" % r)
        r = c.request("POST", "/api/v1/login", {"email": "x@y.example", "password": "p" * 20000})
        check(r.status == 413, "a login body over 16 KiB: %r" % r)
        r = c.request("POST", "/api/v1/login",
                      {"email": "admin@vendor.example", "password": "\u0001" * 1024})
        check(r.status == 401, "the largest login body (escaped, ~6 KiB) is read: %r" % r)
    finally:
        for s in held:
            s.close()
        c.close()


def refused_once_held(c, source, head, deadline=30):
    """The reply to a body that the client at source may send only once the
    server holds bytes of its earlier one: asks (Expect: 100-continue)
    until the server refuses, as it may still be reading the earlier body
    when first asked; a connection it admits is closed unsent. None when it
    admits every one until the deadline."""
    end = time.time() + deadline
    while time.time() < end:
        s = connect_from(c, source)
        try:
            got = body_admitted(s, head)
        finally:
            s.close()
        if got is not True:
            return got
        time.sleep(0.2)
    return None


def test_client_share():
    """Before: eight connections of one client, each with 600 KiB of a
    sensor's batch received, held the whole 8 MiB budget: every other
    sensor's ingest got 503. Each body declares per_ip_body_mb (1 MiB), so
    any byte of the first one held makes the others too many; whether the
    server takes a body is asked (Expect: 100-continue), never guessed from
    a silence."""
    c = Center(config="[server]\nbody_budget_mb = 8\nper_ip_body_mb = 1\n")
    held = []
    try:
        World(c)
        c.start()
        key = enrol(c)
        head = post_head("/api/v1/events", MIB,
                         "Authorization: Bearer %s\r\nExpect: 100-continue\r\n" % key)
        s = connect_from(c, "127.0.0.2")
        held.append(s)
        got = body_admitted(s, head)
        check(got is True, "the first body of the client: %r" % (got,))
        s.sendall(b" " * (600 * KIB))
        replies = [refused_once_held(c, "127.0.0.2", head)]
        for _ in range(6):  # the server holds the first body's bytes now: at once
            s = connect_from(c, "127.0.0.2")
            held.append(s)
            replies.append(body_admitted(s, head))
        for reply in replies:
            check(reply not in (None, True) and reply[0] == 503
                  and reply[1].get("retry-after") == "10",
                  "a body past the client's share: %r" % (reply,))
        text = replies[1][2]  # held[1]'s
        while len(text) < int(replies[1][1].get("content-length", "0")):
            text += held[1].recv(65536)  # the rest of the body came after the headers
        body = json.loads(text.decode())
        check(body["error"] == "unavailable" and "Retry-After" in body["message"],
              "the reply says when to send again: %r" % body)
        r = c.ingest(key, [dns_event(1)])
        check(r.status == 200 and r.json["accepted"] == 1,
              "another client's ingest while one client holds its share: %r" % r)
        for s in held:
            s.close()
        held = []
        deadline = time.time() + 20
        while True:  # the share comes back once the first connection is gone
            s = connect_from(c, "127.0.0.2")
            held.append(s)
            got = body_admitted(s, head)
            if got is True:
                break
            check(time.time() < deadline, "the client's share did not come back: %r" % (got,))
            time.sleep(0.2)
    finally:
        for s in held:
            s.close()
        c.close()


def test_connections_per_client():
    c = Center(config="[server]\nper_ip_connections = 4\n")
    try:
        c.start()
        # As in test-center-security: the server accepts the idle connections
        # asynchronously, so a probe may overtake them; retry the round.
        deadline = time.time() + 20
        while True:
            idle = [connect_from(c, "127.0.0.2") for _ in range(4)]
            try:
                time.sleep(0.3)
                probe = connect_from(c, "127.0.0.2")
                probe.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n")
                refused = reply_within(probe, 3)
                probe.close()
                other = connect_from(c, "127.0.0.3")
                other.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n")
                served = reply_within(other, 10)
                other.close()
            finally:
                for s in idle:
                    s.close()
            if (refused is None or refused[0] == "closed") or time.time() > deadline:
                break
            time.sleep(0.3)
        check(refused is None or refused[0] == "closed",
              "a fifth connection of 127.0.0.2 was served: %r" % (refused,))
        check(served and served[0] == 401, "127.0.0.3 while 127.0.0.2 is at its limit: %r"
              % (served,))
        deadline = time.time() + 10
        while True:  # the closed connections are counted out
            s = connect_from(c, "127.0.0.2")
            s.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = reply_within(s, 3)
            s.close()
            if reply and reply[0] == 401:
                break
            check(time.time() < deadline, "127.0.0.2 is not served again: %r" % (reply,))
            time.sleep(0.2)
    finally:
        c.close()


def test_body_timeout():
    """Before: a body sent a byte at a time (libmicrohttpd's timeout counts
    idle time only) held its connection as long as the client liked."""
    c = Center(config="[server]\nbody_timeout = 4\n")
    try:
        c.start()
        s = connect_from(c, "127.0.0.2")
        s.sendall(post_head("/api/v1/login", 100))
        start = time.time()
        closed = None
        while time.time() - start < 12:
            try:
                s.sendall(b" ")
            except (BrokenPipeError, ConnectionError):
                closed = time.time() - start
                break
            reply = reply_within(s, 0.5)
            if reply is not None:
                closed = time.time() - start
                check(reply[0] == "closed", "a reply to a body still arriving: %r" % (reply,))
                break
        s.close()
        check(closed is not None and 4 <= closed < 9,
              "a body trickling for 12 s kept its connection (closed after %r s)" % closed)
        log = c.server_log()
        check("had not all arrived after 4 s" in log or "4 秒たっても届き終わらなかった" in log,
              "the cut is logged: %s" % log[-2000:])
        # a body that arrives within the time is read as ever
        s = connect_from(c, "127.0.0.2")
        body = json.dumps({"email": "x@y.example", "password": "wrong"}).encode()
        s.sendall(post_head("/api/v1/login", len(body)))
        for i in range(0, len(body), 10):  # in pieces, ~0.5 s of the 4 s
            s.sendall(body[i:i + 10])
            time.sleep(0.1)
        reply = reply_within(s, 10)
        s.close()
        check(reply and reply[0] == 401, "a login sent within the time: %r" % (reply,))
    finally:
        c.close()


def test_gzip_charged():
    """Before: a gzip body of a few hundred KiB inflating to 10 MiB was
    taken with an 8 MiB budget (the inflated copy was not charged)."""
    c = Center(config="[server]\nbody_budget_mb = 8\n")
    try:
        World(c)
        c.start()
        key = enrol(c)
        pad = "x" * 800
        lines = []
        for i in range(12000):
            ev = dns_event(1000 + i)
            ev["dns"]["rrname"] = "h%d.%s.example.jp" % (i, pad[:200])
            ev["pad"] = pad
            lines.append(json.dumps(ev) + "\n")
        raw = "".join(lines).encode()
        check(9 * 1024 * KIB < len(raw) < 16 * 1024 * KIB, "batch size %d" % len(raw))
        body = gzip.compress(raw)
        h = {"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip",
             "Accept-Language": "en"}
        r = c.request("POST", "/api/v1/events", body, headers=h, token=key)
        check(r.status == 503 and r.headers.get("retry-after") == "10",
              "%d KiB of gzip inflating to %d KiB with an 8 MiB budget: %r"
              % (len(body) // KIB, len(raw) // KIB, r))
        check(r.json["error"] == "unavailable" and "too many uploads" in r.json["message"],
              "the message: %r" % r.json)
        # nothing of it was stored: the first part, sent again, is all new
        part = "".join(lines[:2000]).encode()
        r = c.request("POST", "/api/v1/events", gzip.compress(part), headers=h, token=key)
        check(r.status == 200 and r.json["accepted"] == 2000 and r.json["duplicates"] == 0,
              "a batch within the budget after the refused one: %r" % r)
    finally:
        c.close()


def main():
    test_public_bodies_small()
    test_client_share()
    test_connections_per_client()
    test_body_timeout()
    test_gzip_charged()
    print("test-center-http-limits: ok")


if __name__ == "__main__":
    main()
