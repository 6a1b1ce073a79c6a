#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Connections of the centre do not wait for each other, against the real
server on 127.0.0.1 (plain HTTP and HTTPS):
- an ingest request whose handler cannot finish (this test holds the
  database's write lock from outside, so the batch waits in SQLite) does not
  hold up requests on other connections: the operator's alert list, the
  caller's own record and a static page on eight connections opened
  afterwards are all answered while the ingest still has no reply, and the
  ingest is acknowledged (and stored) once the lock is given back. The
  server runs with --threads 1: a single worker thread (the thread pool this
  replaced) serves them only after the ingest;
- an upload that stops half-way holds up nobody either, and is stored once
  it is finished;
- four sensors posting batches at once over four connections while sixteen
  other requests run: every batch is acknowledged and stored exactly once;
- [server] max_connections bounds the connections served (and the threads
  serving them): past it a new connection is closed unanswered, and served
  again once others have closed;
- replies decided from a body-less request's headers (static files, 401,
  404) keep the connection open for the next request;
- requests pipelined in one write are all answered in order, except what
  follows a body refused from its headers (the connection is closed);
- a malformed Content-Length gets libmicrohttpd's 400/413 and a closed
  connection;
- SIGTERM with idle keep-alive connections and a half-sent upload open
  stops the server cleanly (exit 0) after shutdown_grace.
No timing assertions: where the test waits for something not to happen,
a slow machine can only make it pass, never fail."""

import json
import os
import re
import select
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import PASSWORD, Center, World, alert_event, check, dns_event  # noqa: E402


def open_socket(c, timeout=60):
    s = socket.create_connection((c.host, c.port), timeout=timeout)
    if c.tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname="localhost")
    return s


def request_bytes(method, path, headers=None, body=b""):
    h = {"Host": "127.0.0.1"}
    h.update(headers or {})
    if body or method in ("POST", "PUT", "PATCH"):
        h["Content-Length"] = str(len(body))
    head = "%s %s HTTP/1.1\r\n" % (method, path)
    head += "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
    return head.encode(), body


class Reader:
    """Reads one HTTP/1.1 reply (Content-Length bodies) from a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.data = b""

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by the server")
        self.data += chunk

    def reply(self):
        while b"\r\n\r\n" not in self.data:
            self._more()
        head, rest = self.data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        length = 0
        for line in lines[1:]:
            k, v = line.split(":", 1)
            if k.strip().lower() == "content-length":
                length = int(v.strip())
        self.data = rest
        while len(self.data) < length:
            self._more()
        body, self.data = self.data[:length], self.data[length:]
        return status, json.loads(body) if body.startswith(b"{") else body

    def pending(self):
        """True when nothing of a reply has arrived yet (without waiting)."""
        if self.data:
            return False
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return False
        readable, _, _ = select.select([self.sock], [], [], 0)
        return not readable


def send(sock, method, path, headers=None, body=b""):
    head, body = request_bytes(method, path, headers, body)
    sock.sendall(head + body)


def batch(first, n, maker=dns_event):
    return "".join(json.dumps(maker(s)) + "\n" for s in range(first, first + n)).encode()


def ingest_headers(key):
    return {"Authorization": "Bearer " + key, "Content-Type": "application/x-ndjson"}


def events_total(c, token, sensor):
    r = c.request("GET", "/api/v1/sensors/%d" % sensor, token=token)
    check(r.status == 200, "sensor %d: %r" % (sensor, r))
    return r.json["events_total"]


def other_requests(token):
    """The requests that must get through: the operator's alert list, the
    caller's own record and a static page of the web UI."""
    auth = {"Authorization": "Bearer " + token}
    return [("GET", "/api/v1/alerts?limit=50", auth), ("GET", "/api/v1/me", auth),
            ("GET", "/", {})] * 3


def answered_on_new_connections(c, requests):
    """Opens one connection per request, sends them all, then reads every
    reply; returns the statuses."""
    socks = [open_socket(c) for _ in requests]
    try:
        for s, (method, path, headers) in zip(socks, requests):
            send(s, method, path, headers)
        return [Reader(s).reply()[0] for s in socks]
    finally:
        for s in socks:
            s.close()


def test_blocked_handler(c, w, vendor):
    """The ingest handler waits for the database lock this test holds."""
    t = w.tenants["A"]
    before = events_total(c, vendor, t["sensor"])
    lock = sqlite3.connect(os.path.join(c.data, "center.db"), timeout=60, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    held = True
    slow = open_socket(c)
    try:
        send(slow, "POST", "/api/v1/events", ingest_headers(t["key"]), batch(10000, 500))
        slow_reader = Reader(slow)
        statuses = answered_on_new_connections(c, other_requests(vendor))
        check(statuses == [200] * len(statuses), "requests beside the held ingest: %r" % statuses)
        check(slow_reader.pending(), "the ingest was answered while the database was locked: %r"
              % slow_reader.data[:200])
        lock.execute("ROLLBACK")
        held = False
        status, reply = slow_reader.reply()
        check(status == 200 and reply["accepted"] == 500, "held ingest: %d %r" % (status, reply))
    finally:
        if held:
            lock.execute("ROLLBACK")
        lock.close()
        slow.close()
    check(events_total(c, vendor, t["sensor"]) == before + 500, "held ingest stored")


def test_half_upload(c, w, vendor):
    """An upload that stops half-way: the others are served; then it ends."""
    t = w.tenants["B"]
    before = events_total(c, vendor, t["sensor"])
    body = batch(20000, 400)
    head, _ = request_bytes("POST", "/api/v1/events", ingest_headers(t["key"]), body)
    slow = open_socket(c)
    try:
        slow.sendall(head + body[:len(body) // 2])
        statuses = answered_on_new_connections(c, other_requests(vendor))
        check(statuses == [200] * len(statuses), "requests beside a half upload: %r" % statuses)
        slow_reader = Reader(slow)
        check(slow_reader.pending(), "a half upload was answered: %r" % slow_reader.data[:200])
        slow.sendall(body[len(body) // 2:])
        status, reply = slow_reader.reply()
        check(status == 200 and reply["accepted"] == 400, "half upload: %d %r" % (status, reply))
    finally:
        slow.close()
    check(events_total(c, vendor, t["sensor"]) == before + 400, "half upload stored")


def test_simultaneous(c, w, vendor):
    """Four sensor connections post five batches each while sixteen other
    requests run on their own connections; all answered, stored once."""
    sensors = [w.tenants["A"], w.tenants["A"], w.tenants["B"], w.tenants["B"]]
    before = {t["sensor"]: events_total(c, vendor, t["sensor"]) for t in sensors}
    results, errors = [], []

    def post(i, t):
        try:
            s = open_socket(c)
            reader = Reader(s)
            for k in range(5):
                first = 100000 + i * 10000 + k * 1000
                send(s, "POST", "/api/v1/events", ingest_headers(t["key"]),
                     batch(first, 200, alert_event if k % 2 else dns_event))
                results.append(reader.reply())
            s.close()
        except Exception as e:  # reported below, in the main thread
            errors.append(repr(e))

    threads = [threading.Thread(target=post, args=(i, t)) for i, t in enumerate(sensors)]
    for th in threads:
        th.start()
    statuses = answered_on_new_connections(c, other_requests(vendor) + other_requests(vendor)[:7])
    for th in threads:
        th.join()
    check(not errors, "sensor connections failed: %r" % errors)
    check(statuses == [200] * 16, "requests beside four sensors: %r" % statuses)
    check(len(results) == 20 and all(s == 200 and r["accepted"] == 200 for s, r in results),
          "batches of four sensors at once: %r" % results)
    for sensor, n in before.items():
        check(events_total(c, vendor, sensor) == n + 2000, "events of sensor %d" % sensor)


def outcome(sock):
    """200 (or another status) for a served request, None for a connection
    the server closed without a reply."""
    try:
        return Reader(sock).reply()[0]
    except (ConnectionError, OSError):
        return None


def test_bounded(c_factory):
    """max_connections = 6: six keep-alive connections are served, two more
    opened meanwhile are closed unanswered (libmicrohttpd refuses past its
    limit rather than queueing); six connections hold six threads at most;
    once two close, new connections are served again."""
    c = c_factory("[server]\nmax_connections = 6\n")
    try:
        c.admin("create-admin", "--email", "admin@vendor.example", "--password-stdin",
                stdin=PASSWORD + "\n")
        # An authorised API request keeps its connection open (a reply given
        # from the request's headers alone, like a static page, closes it).
        me = ("GET", "/api/v1/me", {"Authorization": "Bearer " + c.admin(
            "token", "create", "--user", "admin@vendor.example")})
        c.start()
        idle_threads = threads_of(c)
        socks = [open_socket(c) for _ in range(8)]
        for s in socks:
            try:
                send(s, *me)
            except OSError:
                pass  # already closed by the server: counted below
        outcomes = [outcome(s) for s in socks]
        check(outcomes.count(200) == 6 and outcomes.count(None) == 2,
              "eight connections with max_connections = 6: %r" % outcomes)
        check(threads_of(c) <= idle_threads + 6,
              "threads: %d with six connections, %d with none" % (threads_of(c), idle_threads))
        served = [s for s, o in zip(socks, outcomes) if o == 200]
        for s in served[:2]:
            s.close()
        deadline = time.time() + 30
        while True:
            s = open_socket(c)
            try:
                send(s, *me)
                if outcome(s) == 200:
                    break
            except OSError:
                pass
            finally:
                s.close()
            check(time.time() < deadline, "no connection served after two of six closed")
            time.sleep(0.05)
        for s in socks:
            s.close()
    finally:
        c.close()


def threads_of(c):
    with open("/proc/%d/status" % c.proc.pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def test_keep_alive(c, vendor):
    """Replies decided from the headers alone (a static page, 401, 404) keep
    a body-less request's connection open for the next request, as a full
    reply does; with a body announced, a refusal still closes it unread."""
    s = open_socket(c)
    try:
        reader = Reader(s)
        statuses = []
        for method, path, headers in (("GET", "/", {}), ("GET", "/api/v1/me", {}),
                                      ("GET", "/no/such/page", {}),
                                      ("GET", "/api/v1/me", {"Authorization": "Bearer " + vendor}),
                                      ("GET", "/", {})):
            send(s, method, path, headers)
            statuses.append(reader.reply()[0])
        check(statuses == [200, 401, 404, 200, 200], "one keep-alive connection: %r" % statuses)
        send(s, "POST", "/api/v1/events", {"Content-Type": "application/x-ndjson"}, b"{}\n" * 1000)
        check(reader.reply()[0] == 401, "events without a key")
        try:
            send(s, "GET", "/")
            after = reader.reply()[0]
        except (ConnectionError, OSError):
            after = None
        check(after is None, "connection kept after refusing an announced body: %r" % after)
    finally:
        s.close()


def test_pipelined(c, w, vendor):
    """Requests sent back to back in one write (HTTP/1.1 pipelining) are all
    answered, in order, on the one connection: static files, 401, 404, an
    API request, a JSON body, a sensor's batch. Only a refusal of an
    announced body decided from the headers (here 401 for a batch without a
    key) closes the connection unread, so what follows it in the same write
    gets no reply (center-api.md)."""
    auth = {"Authorization": "Bearer " + vendor}
    t = w.tenants["A"]
    rounds = [
        ([("GET", "/", {}, b""), ("GET", "/", {}, b"")], [200, 200]),
        ([("GET", "/api/v1/me", {}, b""), ("GET", "/api/v1/me", {}, b"")], [401, 401]),
        ([("GET", "/no/such/page", {}, b""), ("GET", "/", {}, b""),
          ("GET", "/api/v1/me", {}, b"")], [404, 200, 401]),
        ([("GET", "/api/v1/me", auth, b""), ("GET", "/api/v1/alerts?limit=5", auth, b""),
          ("GET", "/", {}, b"")], [200, 200, 200]),
        ([("POST", "/api/v1/login", {"Content-Type": "application/json"}, b"{}"),
          ("GET", "/api/v1/me", auth, b"")], [400, 200]),
        ([("POST", "/api/v1/events", ingest_headers(t["key"]), batch(70000, 3)),
          ("POST", "/api/v1/events", ingest_headers(t["key"]), batch(70003, 3)),
          ("GET", "/", {}, b"")], [200, 200, 200]),
    ]
    for reqs, want in rounds:
        s = open_socket(c)
        try:
            s.sendall(b"".join(b"".join(request_bytes(m, p, h, b)) for m, p, h, b in reqs))
            reader = Reader(s)
            got = [reader.reply()[0] for _ in reqs]
            check(got == want, "pipelined %r: %r" % ([r[1] for r in reqs], got))
            send(s, "GET", "/")
            check(reader.reply()[0] == 200, "connection after pipelined requests")
        finally:
            s.close()
    s = open_socket(c)
    try:
        s.sendall(b"".join(request_bytes("POST", "/api/v1/events",
                                         {"Content-Type": "application/x-ndjson"}, b"{}\n" * 10)) +
                  b"".join(request_bytes("GET", "/")))
        reader = Reader(s)
        check(reader.reply()[0] == 401, "batch without a key")
        try:
            after = reader.reply()[0]
        except (ConnectionError, OSError):
            after = None
        check(after is None, "reply after a refused body: %r" % after)
    finally:
        s.close()


def test_malformed_length(c):
    """A Content-Length that is not a number, or too large for 64 bits, is
    answered by libmicrohttpd itself (400, 413) before the centre sees the
    request, and the connection is closed; libmicrohttpd 0.9.75 sends that
    reply's status line and headers twice (center-api.md), so only that the
    reply is this status, whatever the repeats, is checked. The server
    serves the next connection."""
    for value, want in (("abc", 400), ("-1", 400), ("1, 2", 400), ("9" * 25, 413)):
        s = open_socket(c)
        try:
            s.sendall(("POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/json\r\nContent-Length: %s\r\n\r\n{}" %
                       value).encode())
            data = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except (ConnectionError, OSError):
                    break
                if not chunk:
                    break
                data += chunk
            statuses = [int(x) for x in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]
            check(statuses and set(statuses) == {want},
                  "Content-Length: %s: %r" % (value, data[:300]))
        finally:
            s.close()
    s = open_socket(c)
    try:
        send(s, "GET", "/")
        check(Reader(s).reply()[0] == 200, "served after malformed Content-Length")
    finally:
        s.close()


def test_stop_with_connections_open(c, w):
    """SIGTERM with idle keep-alive connections and a half upload open."""
    idle = [open_socket(c) for _ in range(5)]
    for s in idle:
        send(s, "GET", "/")
        Reader(s).reply()
    t = w.tenants["A"]
    body = batch(50000, 100)
    head, _ = request_bytes("POST", "/api/v1/events", ingest_headers(t["key"]), body)
    half = open_socket(c)
    half.sendall(head + body[:len(body) // 2])
    check(c.stop() == 0, "clean stop with connections open:\n%s" % c.server_log())
    check("stopped cleanly" in c.server_log(), "clean stop logged")
    for s in idle + [half]:
        s.close()


def run(c, label):
    w = World(c)
    vendor = c.admin("token", "create", "--user", "analyst@vendor.example")
    c.start(extra=["--threads", "1"])
    w.enrol_and_ingest()
    test_blocked_handler(c, w, vendor)
    test_half_upload(c, w, vendor)
    test_simultaneous(c, w, vendor)
    test_keep_alive(c, vendor)
    test_pipelined(c, w, vendor)
    test_malformed_length(c)
    test_stop_with_connections_open(c, w)
    print("ok: %s" % label)


def main():
    c = Center(config="[server]\nshutdown_grace = 1\n")
    try:
        run(c, "HTTP")
    finally:
        c.close()
    test_bounded(lambda config: Center(config=config))
    if not shutil.which("openssl"):
        print("SKIP part: openssl not installed, HTTPS not tested")
        return
    c = Center(config="[server]\nshutdown_grace = 1\n", tls=True)
    try:
        cert, key = os.path.join(c.tmp, "cert.pem"), os.path.join(c.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=localhost"],
                       check=True, capture_output=True, timeout=120)
        start = c.start
        c.start = lambda extra=(): start(extra=list(extra) + ["--tls-cert", cert, "--tls-key", key])
        run(c, "HTTPS")
    finally:
        c.close()


if __name__ == "__main__":
    main()
