# SPDX-License-Identifier: Apache-2.0
"""Drives a real mamori-center for the integration tests: a temporary data
directory, the admin CLI, the server on 127.0.0.1 with a port the kernel
picks (--listen 127.0.0.1:0 --port-file), HTTP(S) requests with the Python
standard library, sessions with cookie and CSRF token, and a small "world"
of two SME tenants with users, sensors and alerts. Python stdlib only."""

import atexit
import contextlib
import builtins
import gzip
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("MAMORI_BUILD_DIR", os.getcwd())
BIN = os.path.join(BUILD, "src", "center", "mamori-center")
PASSWORD = "correct-horse-battery"


# Centres not closed yet, and whether the test failed (fail(), an uncaught
# exception, or sys.exit/exit with a code other than 0 or 77, the skip): at
# exit those left open are stopped and their directories (/tmp/mm-center-*)
# removed. After a failure (close() in a "finally" leaves that to the exit)
# each directory's path and the end of its server.log are printed first, and
# MM_KEEP_TMP=1 keeps the directory for debugging instead of removing it.
# Only a bare "raise SystemExit(1)" is not seen: use fail() or sys.exit.
KEEP_TMP = os.environ.get("MM_KEEP_TMP") == "1"
LOG_TAIL = 40  # lines of a failed test's server.log printed before it is removed
_open = []
_failed = False
_excepthook = sys.excepthook
_sys_exit = sys.exit


def _note_exception(*args):
    global _failed
    _failed = True
    _excepthook(*args)


sys.excepthook = _note_exception


def _note_exit(code=None):
    global _failed
    if code not in (None, 0, 77):
        _failed = True
    _sys_exit(code)


sys.exit = builtins.exit = builtins.quit = _note_exit


def fail(msg):
    global _failed
    _failed = True
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


@atexit.register
def _close_left_open():
    for c in list(_open):
        if c.proc and c.proc.poll() is None:
            c.proc.kill()
            c.proc.wait()
        c.proc = None
        if _failed:
            _report_failed(c)
            if KEEP_TMP:
                continue
        else:
            print("centerlib: a centre fixture was left open; removed %s" % c.tmp,
                  file=sys.stderr)
        c.log.close()
        shutil.rmtree(c.tmp, ignore_errors=True)
        _open.remove(c)


def _report_failed(c):
    """Where a failed test's centre was, and the end of its server.log."""
    try:
        c.log.flush()
        with open(os.path.join(c.tmp, "server.log"), errors="replace") as f:
            tail = f.readlines()[-LOG_TAIL:]
    except OSError:
        tail = []
    if tail:
        print("centerlib: end of %s/server.log:\n%s" % (c.tmp, "".join(tail).rstrip()),
              file=sys.stderr)
    if KEEP_TMP:
        print("centerlib: kept %s (MM_KEEP_TMP=1)" % c.tmp, file=sys.stderr)
    else:
        print("centerlib: the failed test's centre was in %s; removed (MM_KEEP_TMP=1 keeps it)"
              % c.tmp, file=sys.stderr)


def check(cond, msg):
    if not cond:
        fail(msg)


@contextlib.contextmanager
def write_locked(data_dir):
    """Another process's write lock on the centre's database (center.db in
    data_dir), held inside the with block: the centre's writers wait out
    its busy timeout ([server] busy_timeout_ms, default 10 s), then fail (a backup or an sqlite3 shell left
    in a transaction does this in real life)."""
    db = sqlite3.connect(os.path.join(data_dir, "center.db"), timeout=30, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield
    finally:
        db.execute("ROLLBACK")
        db.close()


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "Reply(%d, %r)" % (self.status, self.raw[:300])


class Center:
    def __init__(self, config="", listen="127.0.0.1:0", tls=False):
        self.tmp = tempfile.mkdtemp(prefix="mm-center-")
        self.data = os.path.join(self.tmp, "data")
        self.config = os.path.join(self.tmp, "center.ini")
        self.port_file = os.path.join(self.tmp, "port")
        self.listen = listen
        self.tls = tls
        self.host = "::1" if listen.startswith("[") else "127.0.0.1"
        self.proc = None
        self.port = None
        self.log = open(os.path.join(self.tmp, "server.log"), "w+")
        with open(self.config, "w") as f:
            f.write("[auth]\npassword_cost = min\n" + config)
        _open.append(self)

    # --- admin CLI ---
    def admin(self, *args, stdin=None, expect=0, env=None, preexec=None):
        p = subprocess.run([BIN, "admin", "--data", self.data, "--config", self.config] +
                           list(args), input=stdin, capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, **env) if env else None, preexec_fn=preexec)
        if expect is not None and p.returncode != expect:
            fail("admin %s: exit %d, stderr: %s" % (" ".join(args), p.returncode, p.stderr))
        return p.stdout.strip() if expect == 0 else p

    # --- server ---
    def start(self, extra=(), preexec=None):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        # each option once (the server refuses one given twice): extra's --threads replaces 4
        threads = [] if "--threads" in extra else ["--threads", "4"]
        args = [BIN, "--data", self.data, "--config", self.config, "--listen", self.listen,
                "--port-file", self.port_file] + threads + list(extra)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log, preexec_fn=preexec)
        deadline = time.time() + 60
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                fail("server exited with %d: %s" % (self.proc.returncode, self.server_log()))
            if time.time() > deadline:
                fail("server did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())

    def server_log(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        """Stops the server; returns its exit status (0 after a clean stop)."""
        if not self.proc:
            return 0
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("server did not stop on signal %d" % sig)
        self.proc = None
        return rc

    def close(self):
        if self.proc:
            rc = self.stop()
            if rc != 0:
                print(self.server_log(), file=sys.stderr)
                fail("server exited with %d" % rc)
        if _failed:
            return  # the exit says where it was, then removes it (_close_left_open)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self in _open:
            _open.remove(self)

    # --- HTTP ---
    def connection(self, timeout=60, source=None):
        """A connection to the centre; source is the client's address (another
        loopback address, 127.0.0.2 ..., is another client to the centre)."""
        src = (source, 0) if source else None
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=ctx,
                                               source_address=src)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout,
                                          source_address=src)

    def cookie_name(self):
        """The session cookie's name: __Host-mm_session under HTTPS, else mm_session."""
        return "__Host-mm_session" if self.tls else "mm_session"

    def request(self, method, path, body=None, headers=None, token=None, session=None,
                raw=False, source=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if session:
            h["Cookie"] = session.name + "=" + session.cookie
            if method != "GET" and session.csrf and "X-CSRF-Token" not in h:
                h["X-CSRF-Token"] = session.csrf
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        conn = self.connection(source=source)
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    def login(self, email, password=PASSWORD, source=None):
        r = self.request("POST", "/api/v1/login", {"email": email, "password": password},
                         source=source)
        check(r.status == 200, "login %s: %r" % (email, r))
        cookie = r.headers.get("set-cookie", "")
        name = self.cookie_name()
        check(cookie.startswith(name + "="), "no session cookie %s: %r" % (name, cookie))
        s = Session(cookie.split(";")[0].split("=", 1)[1], r.json["csrf_token"], r.json, cookie,
                    name)
        return s

    def ingest(self, key, lines, compress=False, headers=None):
        body = "".join(json.dumps(l) + "\n" if isinstance(l, dict) else l for l in lines).encode()
        h = dict(headers or {})
        h["Content-Type"] = "application/x-ndjson"
        if compress:
            body = gzip.compress(body)
            h["Content-Encoding"] = "gzip"
        return self.request("POST", "/api/v1/events", body, headers=h, token=key)


class Session:
    def __init__(self, cookie, csrf, me, set_cookie, name="mm_session"):
        self.cookie = cookie  # the token, the cookie's value
        self.csrf = csrf
        self.me = me
        self.set_cookie = set_cookie
        self.name = name  # the cookie's name (Center.cookie_name)


def send_until_close(c, raw):
    """Sends the bytes raw on a new connection to the centre and returns every byte it
    answers until it closes the connection."""
    with socket.create_connection((c.host, c.port), timeout=30) as sock:
        sock.sendall(raw)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


def head_raw(c, path, headers="", keep_alive=False):
    """A HEAD request on a socket of its own, as the bytes go on the wire:
    HTTP/1.1 with "Connection: close" (none when keep_alive) and the extra
    header lines given (each ending in CRLF). Returns the status, the
    headers (lower-case names) and every byte that follows them until the
    server closes."""
    data = send_until_close(c, ("HEAD %s HTTP/1.1\r\nHost: x\r\n%s%s\r\n" %
                                (path, "" if keep_alive else "Connection: close\r\n",
                                 headers)).encode())
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return int(lines[0].split()[1]), hdrs, rest


def split_reply(data):
    """One HTTP reply as bytes: (status, headers with lower-case names, the
    body: everything after the headers), or None when data does not begin
    with a status line ("HTTP/1.x NNN")."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    first = lines[0].split()
    if len(first) < 2 or not first[0].startswith("HTTP/1.") or not first[1].isdigit():
        return None
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return int(first[1]), hdrs, body


def connect_from(c, source, timeout=10):
    """A TCP connection to the centre from the loopback address source
    (all of 127/8 is loopback on Linux: each address is another client)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect((c.host, c.port))
    return s


def reply_within(s, seconds):
    """The reply (status, headers, body so far) the server sends on s within
    seconds, None when it sends none by then; ("closed", {}, bytes) when it
    closes without one. An interim "100 Continue" is a reply of its own."""
    s.settimeout(seconds)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return ("closed", {}, data) if not data else split_reply(data)
            data += chunk
    except socket.timeout:
        return split_reply(data) if data else None
    except ConnectionError:
        return ("closed", {}, data)
    return split_reply(data)


def answer(s, seconds):
    """The status of GET /api/v1/me sent on s: None when no reply comes
    within seconds, "closed" when the server closes without one."""
    s.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n")
    reply = reply_within(s, seconds)
    return reply[0] if reply else None


def body_admitted(s, head, seconds=30):
    """Sends head, the headers of a request with a body and with
    "Expect: 100-continue", on s and waits for the server's word on it:
    True when it answers "100 Continue" (it takes the body), else the
    reply (status, headers, body), None when none came within seconds.
    Whether a body is taken, without guessing from a silence."""
    s.sendall(head)
    reply = reply_within(s, seconds)
    return True if reply and reply[0] == 100 else reply


def head_then_get(c, path, headers=""):
    """A HEAD of path and then, on the same keep-alive connection, a GET of
    it with "Connection: close", as the bytes go on the wire (extra header
    lines in both). Returns the HEAD's status, its headers (lower-case
    names), and every byte that came after its headers until the server
    closed: exactly the GET's reply when the connection stayed open after
    the HEAD; None when nothing came (the server closed after the HEAD)."""
    with socket.create_connection((c.host, c.port), timeout=30) as sock:
        sock.sendall(("HEAD %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path, headers)).encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        status, hdrs, rest = split_reply(data)
        try:
            sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n" %
                          (path, headers)).encode())
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
        except ConnectionError:  # closed after the HEAD, the GET unread
            pass
    return status, hdrs, rest or None


def alert_event(seq, sid=1001, src="10.0.0.5", mac=None, detector="intel", sev=1,
                ts="2026-04-01T10:00:00.000000+0900", sig="mamori intel hit"):
    ev = {"timestamp": ts, "event_type": "alert", "seq": seq, "src_ip": src,
          "src_port": 50000, "dest_ip": "203.0.113.9", "dest_port": 443, "proto": "TCP",
          "alert": {"signature_id": sid, "signature": sig, "category": "Threat intel",
                    "severity": sev},
          "mamori": {"detector": detector,
                     "message": {"ja": "危険な相手と通信しました", "en": "Talked to a bad host"}}}
    if mac:
        ev["ether"] = {"src_mac": mac}
    return ev


def dns_event(seq, ts="2026-04-01T10:00:00.000000+0900"):
    return {"timestamp": ts, "event_type": "dns", "seq": seq, "src_ip": "10.0.0.5",
            "dest_ip": "10.0.0.1", "dns": {"type": "query", "rrname": "example.jp"}}


class World:
    """Vendor admin and analyst, and tenants A and B each with an owner, a
    staff member, an enrolled sensor and one alert."""

    def __init__(self, center):
        c = center
        self.c = c
        c.admin("create-admin", "--email", "admin@vendor.example", "--password-stdin",
                stdin=PASSWORD + "\n")
        c.admin("user", "add", "--role", "analyst", "--email", "analyst@vendor.example",
                "--password-stdin", stdin=PASSWORD + "\n")
        self.tenants = {}
        for name in ("A", "B"):
            tid = int(c.admin("tenant", "add", "--name", "SME " + name, "--lang", "en"))
            owner = int(c.admin("user", "add", "--tenant", str(tid), "--role", "owner",
                                "--email", "owner@%s.example" % name.lower(),
                                "--password-stdin", "--lang", "en", stdin=PASSWORD + "\n"))
            staff = int(c.admin("user", "add", "--tenant", str(tid), "--role", "staff",
                                "--email", "staff@%s.example" % name.lower(),
                                "--password-stdin", stdin=PASSWORD + "\n"))
            self.tenants[name] = {"id": tid, "owner": owner, "staff": staff}

    def enrol_and_ingest(self):
        c = self.c
        for name, t in self.tenants.items():
            code = c.admin("enrol", "--tenant", str(t["id"]))
            r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "sensor-" + name})
            check(r.status == 201, "enrol: %r" % r)
            t["sensor"] = r.json["sensor_id"]
            t["key"] = r.json["key"]
            r = c.ingest(t["key"], [alert_event(1), alert_event(2, sid=2002, detector="legacy-os")])
            check(r.status == 200 and r.json["accepted"] == 2, "ingest: %r" % r)
            s = c.login("owner@%s.example" % name.lower())
            r = c.request("GET", "/api/v1/alerts", session=s)
            check(r.status == 200 and len(r.json["items"]) == 2, "alerts: %r" % r)
            t["alert"] = r.json["items"][0]["id"]
            t["session"] = s
        audit = c.request("GET", "/api/v1/audit?tenant=%d" % self.tenants["B"]["id"],
                          session=c.login("admin@vendor.example"))
        check(audit.status == 200, "audit: %r" % audit)


def start_world(c):
    """The usual opening: World(c) on the stopped server, then start it and
    enrol and ingest for both tenants. Returns the World."""
    w = World(c)
    c.start()
    w.enrol_and_ingest()
    return w
