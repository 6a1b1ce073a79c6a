#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A trusted reverse proxy ([server] trusted_proxies) in front of a real
mamori-center on 127.0.0.1. All of 127/8 is loopback: 127.0.0.2 is the
proxy, 127.0.0.3 a client that is not one; the 198.51.100.x and 203.0.113.x
addresses are only header text (X-Forwarded-For), never a socket.

- Five wrong passwords with X-Forwarded-For: 198.51.100.7 through the proxy
  lock the account out for that forwarded address only: 198.51.100.8
  through the same proxy still signs in (before: every client had the
  proxy's address, so five wrong passwords from anyone locked the account
  out for everyone). The address read is the right-most one that is not a
  trusted proxy: what a client writes left of it changes nothing.
- The audit log records the forwarded address.
- The same header from 127.0.0.3, which is not a trusted proxy, is
  ignored: it cannot spoof its address (its failures count against
  127.0.0.3 whatever it writes, and a locked-out forwarded address does
  not lock it out).
- X-Forwarded-Proto: https through the proxy gives the __Host-mm_session
  cookie (Secure) and HSTS, and that cookie is what the centre reads back
  in such a request; from 127.0.0.3 the header changes nothing.
- A malformed X-Forwarded-For through the proxy: the proxy is taken as
  the client, and one warning is logged for several such requests.
- per_ip_connections does not apply to the proxy's connections; it still
  applies to 127.0.0.3's.
- A reload with another trusted_proxies says that it needs a restart."""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import (BIN, PASSWORD, Center, answer, body_admitted, check,  # noqa: E402
                       connect_from)

ADMIN = "admin@vendor.example"
PROXY, OTHER = "127.0.0.2", "127.0.0.3"


def login(c, source, forwarded=None, password=PASSWORD, proto=None):
    h = {}
    if forwarded is not None:
        h["X-Forwarded-For"] = forwarded
    if proto:
        h["X-Forwarded-Proto"] = proto
    return c.request("POST", "/api/v1/login", {"email": ADMIN, "password": password},
                     source=source, headers=h)


def wrong(c, source, forwarded, times):
    for i in range(times):
        r = login(c, source, forwarded, "wrong-password-%d" % i)
        check(r.status == 401, "wrong password %d from %s for %s: %r" % (i, source, forwarded, r))


def test_lockout_per_forwarded_address(c):
    wrong(c, PROXY, "198.51.100.7", 5)
    r = login(c, PROXY, "198.51.100.7")
    check(r.status == 429, "198.51.100.7 locked out: %r" % r)
    r = login(c, PROXY, "198.51.100.8")
    check(r.status == 200, "198.51.100.8 through the same proxy signs in: %r" % r)
    # right-most address that is not a trusted proxy: the client's own text left of it,
    # and a trusted proxy right of it, change nothing
    for header in ("198.51.100.8, 198.51.100.7", "198.51.100.7, 127.0.0.2",
                   "garbage, 198.51.100.7"):
        r = login(c, PROXY, header)
        check(r.status == 429, "%r names 198.51.100.7: %r" % (header, r))
    r = login(c, PROXY, "198.51.100.7, 198.51.100.8")
    check(r.status == 200, "the right-most item is the client: %r" % r)
    r = login(c, PROXY, "[2001:db8::1]:4711")
    check(r.status == 200, "IPv6 with a port: %r" % r)
    print("lockout: 5 failures for 198.51.100.7 through the proxy lock out only that address")


def test_audit_address(c):
    s = c.login(ADMIN, source=PROXY)  # no header: the proxy is the client
    r = c.request("POST", "/api/v1/login", {"email": ADMIN, "password": PASSWORD},
                  source=PROXY, headers={"X-Forwarded-For": "203.0.113.9"})
    check(r.status == 200, "login through the proxy: %r" % r)
    r = c.request("GET", "/api/v1/audit?limit=200", session=s)
    check(r.status == 200, "audit: %r" % r)
    logins = [x["address"] for x in r.json["items"] if x["action"] == "session.login"]
    check("203.0.113.9" in logins and PROXY in logins, "audited addresses: %r" % logins)
    print("audit: the forwarded address is recorded")


def test_untrusted_ignored(c):
    r = login(c, OTHER, "198.51.100.7")
    check(r.status == 200, "127.0.0.3 is not the locked-out 198.51.100.7: %r" % r)
    for i in range(5):  # a new forwarded address each time: all are 127.0.0.3
        r = login(c, OTHER, "198.51.100.%d" % (20 + i), "wrong-%d" % i)
        check(r.status == 401, "wrong password %d from 127.0.0.3: %r" % (i, r))
    r = login(c, OTHER, "198.51.100.99")
    check(r.status == 429, "127.0.0.3 locked out whatever it forwards: %r" % r)
    r = login(c, OTHER, "198.51.100.8", proto="https")
    check(r.status == 429, "still 127.0.0.3: %r" % r)
    print("untrusted: 127.0.0.3 cannot spoof its address with X-Forwarded-For")


def test_https_forwarded(c):
    r = login(c, PROXY, "198.51.100.30", proto="https")
    cookie = r.headers.get("set-cookie", "")
    check(r.status == 200 and cookie.startswith("__Host-mm_session=") and "; Secure" in cookie,
          "__Host- cookie through a TLS proxy: %r" % r)
    check(r.headers.get("strict-transport-security") == "max-age=31536000", "HSTS: %r" % r)
    value = cookie.split(";")[0].split("=", 1)[1]
    h = {"X-Forwarded-For": "198.51.100.30", "X-Forwarded-Proto": "https",
         "Cookie": "__Host-mm_session=" + value}
    r = c.request("GET", "/api/v1/me", source=PROXY, headers=h)
    check(r.status == 200, "the __Host- cookie is read back under HTTPS: %r" % r)
    h["Cookie"] = "mm_session=" + value
    r = c.request("GET", "/api/v1/me", source=PROXY, headers=h)
    check(r.status == 401, "the plain name is not read under HTTPS: %r" % r)
    r = c.request("GET", "/api/v1/me", source=OTHER, headers={
        "X-Forwarded-Proto": "https", "Cookie": "__Host-mm_session=" + value})
    check(r.status == 401 and "strict-transport-security" not in r.headers,
          "127.0.0.3's X-Forwarded-Proto is ignored: %r" % r)
    r = login(c, PROXY, "198.51.100.31")
    check(r.status == 200 and r.headers.get("set-cookie", "").startswith("mm_session=") and
          "strict-transport-security" not in r.headers, "plain HTTP through the proxy: %r" % r)
    print("https: X-Forwarded-Proto https through the proxy gives __Host-mm_session and HSTS")


def test_malformed(c):
    for i, header in enumerate(("unknown", "198.51.100.7, unknown", "", "1.2.3.4:x")):
        r = login(c, PROXY, header, "wrong-%d" % i)
        check(r.status == 401, "malformed %r: %r" % (header, r))
    r = login(c, PROXY, None, "wrong-4")
    check(r.status == 401, "the fifth failure of the proxy itself: %r" % r)
    r = login(c, PROXY, None)
    check(r.status == 429, "the malformed headers counted for the proxy: %r" % r)
    r = login(c, PROXY, "198.51.100.40")
    check(r.status == 200, "a well-formed header is still read: %r" % r)
    log = c.server_log()
    check(log.count("sent an X-Forwarded-For header") == 1 and
          'proxy 127.0.0.2 sent an X-Forwarded-For header "unknown"' in log,
          "one warning for the malformed headers: %s" % log[-3000:])
    print("malformed: the proxy is the client, one warning logged")


def test_settings_and_reload(c):
    log = c.server_log()
    check("not a setting" not in log, "trusted_proxies read: %s" % log)
    with open(c.config, "a") as f:
        f.write("trusted_proxies = 127.0.0.9\n")  # in [server]
    c.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 20
    while "[server] trusted_proxies changed" not in c.server_log():
        check(time.time() < deadline, "reload: %s" % c.server_log()[-2000:])
        time.sleep(0.1)
    r = login(c, PROXY, "198.51.100.41")
    check(r.status == 200, "the proxy is still trusted until a restart: %r" % r)
    print("reload: a changed trusted_proxies needs a restart, and says so")


def test_lists():
    c = Center(config="[server]\ntrusted_proxies = 127.0.0.2, ::1\n")
    try:
        c.admin("create-admin", "--email", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
        c.start()
        test_lockout_per_forwarded_address(c)
        test_audit_address(c)
        test_untrusted_ignored(c)
        test_https_forwarded(c)
        test_malformed(c)
        test_settings_and_reload(c)
        check(c.stop() == 0, "server exit status: %s" % c.server_log()[-2000:])
    finally:
        c.close()


def test_bad_setting():
    c = Center(config="[server]\ntrusted_proxies = 127.0.0.2, proxy.example\n")
    try:
        p = subprocess.run([BIN, "--data", c.data,
                            "--config", c.config, "--listen", "127.0.0.1:0"],
                           capture_output=True, text=True, timeout=60)
        check(p.returncode != 0 and "[server] trusted_proxies must be a comma list" in p.stderr
              and "proxy.example" in p.stderr, "refused: %d %s" % (p.returncode, p.stderr))
    finally:
        c.close()
    print("setting: a name that is not an address is refused at start")


def body_share(c):
    """per_ip_body_mb = 1: a sensor's batch being received for 198.51.100.7
    through the proxy does not spend 198.51.100.8's share (before: both were
    the proxy's, and the second got 503); a second one for 198.51.100.7
    does. Each batch declares exactly 1 MiB, so any byte of the first one
    held fills 198.51.100.7's share; whether the server takes a body is
    asked (Expect: 100-continue), never guessed from a silence."""
    tid = c.admin("tenant", "add", "--name", "SME", "--lang", "en")
    code = c.admin("enrol", "--tenant", tid)
    r = c.request("POST", "/api/v1/enrol", {"code": code, "name": "s"})
    check(r.status == 201, "enrol: %r" % r)

    def head(client):
        return ("POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: "
                "application/x-ndjson\r\nAuthorization: Bearer %s\r\n"
                "X-Forwarded-For: %s\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n"
                % (r.json["key"], client, 1024 * 1024)).encode()

    held = []
    try:
        s = connect_from(c, PROXY)
        held.append(s)
        got = body_admitted(s, head("198.51.100.7"))
        check(got is True, "198.51.100.7's first batch: %r" % (got,))
        s.sendall(b" " * (600 * 1024))
        deadline = time.time() + 30
        while True:  # until the server holds bytes of the first batch
            s = connect_from(c, PROXY)
            got = body_admitted(s, head("198.51.100.7"))
            s.close()
            if got is not True or time.time() > deadline:
                break
            time.sleep(0.2)
        check(got not in (None, True) and got[0] == 503,
              "198.51.100.7's second batch: %r" % (got,))
        s = connect_from(c, PROXY)
        held.append(s)
        got = body_admitted(s, head("198.51.100.8"))
        check(got is True, "198.51.100.8 has a share of its own: %r" % (got,))
    finally:
        for s in held:
            s.close()
    print("body share: each forwarded client has its own per_ip_body_mb")


def test_proxy_limits():
    """per_ip_connections = 2: the proxy keeps 6 connections open and each is
    served; 127.0.0.3's third is refused. The body share is per forwarded
    client."""
    c = Center(config="[server]\nper_ip_connections = 2\ntrusted_proxies = 127.0.0.2\n"
               "body_budget_mb = 8\nper_ip_body_mb = 1\n")
    held = []
    try:
        c.start()
        body_share(c)
        held = [connect_from(c, PROXY) for _ in range(6)]
        time.sleep(0.3)
        for s in held:
            got = answer(s, 10)
            check(got == 401, "the proxy's connection %d: %r" % (len(held), got))
        deadline = time.time() + 20
        while True:  # the server counts connections as it accepts them: retry the round
            idle = [connect_from(c, OTHER) for _ in range(2)]
            time.sleep(0.3)
            probe = connect_from(c, OTHER)
            got = answer(probe, 3)
            for s in idle + [probe]:
                s.close()
            if got in (None, "closed") or time.time() > deadline:
                break
            time.sleep(0.3)
        check(got in (None, "closed"), "127.0.0.3's third connection was served: %r" % got)
        print("connections: the proxy is not held to per_ip_connections, 127.0.0.3 is")
    finally:
        for s in held:
            s.close()
        c.close()


def main():
    test_lists()
    test_bad_setting()
    test_proxy_limits()
    print("ok")


if __name__ == "__main__":
    main()
