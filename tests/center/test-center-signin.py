#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Sign-in limits of a real mamori-center on 127.0.0.1; other loopback
addresses (127.0.0.2, 127.0.0.3, ...) are other clients to it.

- Failed sign-ins lock an account out only from the address they came from
  ([auth] login_max_failures, 5): five wrong passwords for the vendor admin
  from 127.0.0.2 answer 429 there, also to the right password, while the
  admin signs in from 127.0.0.1 (until session 28 the account was locked
  everywhere: anyone could keep the admin out by sending five wrong
  passwords every 15 minutes).
- The account from all addresses has a looser limit
  (login_max_failures_account, 12 here): once reached the account answers
  429 from every address, also where it signed in before; a success at
  one address does not reset that count. Other accounts are not affected.
- One address for all accounts keeps its limit (login_max_failures_addr,
  20): after 20 failures for made-up accounts it gets 429 even for a real
  account and the right password; another address does not.
- Password checks at once are bounded for the whole process (the
  processors online, at most --threads): 32 simultaneous sign-ins from four
  addresses at the interactive cost (argon2id, 64 MiB each) raise the
  server's peak memory (VmHWM) by a few checks' worth (the bound here is
  five: 320 MiB), not one per sign-in (about 2 GB without the bound); each
  gets 401 or 503.
- A sign-in that found every check busy for [auth] password_wait (0 here:
  not waiting at all) answers 503 `unavailable` with Retry-After: 5 and a
  message in the caller's language (ja or en).
- The other password checks share that bound and answer alike (one check at
  once, --threads 1, held by sign-ins without pause): one's own password
  change, a manager's reset of another user's password and a new user with
  a password each answer the same 503 when they find the check busy, and
  change nothing: the password stays the old one (the new one does not sign
  in), no user is created."""

import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import PASSWORD, Center, check  # noqa: E402

ADMIN = "admin@vendor.example"
ANALYST = "analyst@vendor.example"
MIB = 1024 * 1024


def login(c, email, password, source, lang=None):
    h = {"Accept-Language": lang} if lang else None
    return c.request("POST", "/api/v1/login", {"email": email, "password": password},
                     source=source, headers=h)


def wrong(c, email, source, times):
    for i in range(times):
        r = login(c, email, "wrong-password-%d" % i, source)
        check(r.status == 401, "wrong password %d for %s from %s: %r" % (i, email, source, r))


def test_pair_lockout(c):
    """Five failures from 127.0.0.2 lock the admin out there, not at 127.0.0.1."""
    wrong(c, ADMIN, "127.0.0.2", 5)
    r = login(c, ADMIN, PASSWORD, "127.0.0.2")
    check(r.status == 429 and r.json["error"] == "rate_limited",
          "locked out at the address the failures came from: %r" % r)
    c.login(ADMIN, source="127.0.0.1")  # checks 200: the admin's own address is not locked
    r = login(c, ADMIN, PASSWORD, "127.0.0.2")
    check(r.status == 429, "the success elsewhere does not unlock 127.0.0.2: %r" % r)
    c.login(ANALYST, source="127.0.0.2")  # another account from that address: 200
    print("pair: 5 failures from 127.0.0.2 lock the admin out there only")


def test_account_limit(c):
    """Failures from many addresses reach the account's own limit (12):
    5 (127.0.0.2, above) + 5 + 2. Then 429 from everywhere, also from
    127.0.0.1, where the admin signed in."""
    wrong(c, ADMIN, "127.0.0.3", 5)
    wrong(c, ADMIN, "127.0.0.4", 2)
    for source in ("127.0.0.5", "127.0.0.1"):
        r = login(c, ADMIN, PASSWORD, source)
        check(r.status == 429 and r.json["error"] == "rate_limited",
              "account limit reached, from %s: %r" % (source, r))
    c.login(ANALYST, source="127.0.0.5")  # other accounts still sign in
    print("account: 12 failures from three addresses lock the admin out everywhere")


def test_address_limit(c):
    """20 failures for made-up accounts from one address: that address gets
    429 for a real account too; another address does not."""
    for i in range(20):
        r = login(c, "nobody%d@guess.example" % i, "wrong-password", "127.0.0.6")
        check(r.status == 401, "made-up account %d: %r" % (i, r))
    r = login(c, ANALYST, PASSWORD, "127.0.0.6")
    check(r.status == 429, "address limit reached: %r" % r)
    c.login(ANALYST, source="127.0.0.7")
    print("address: 20 failures lock 127.0.0.6 out for every account")


def test_limits():
    c = Center(config="login_max_failures_account = 12\n")  # in [auth]
    try:
        c.admin("create-admin", "--email", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
        c.admin("user", "add", "--role", "analyst", "--email", ANALYST, "--password-stdin",
                stdin=PASSWORD + "\n")
        c.start()
        check("not a setting" not in c.server_log(), "settings read: %s" % c.server_log())
        test_pair_lockout(c)
        test_account_limit(c)
        test_address_limit(c)
        check(c.stop() == 0, "server exit status: %s" % c.server_log()[-2000:])
    finally:
        c.close()


def burst(c, n, tag):
    """n sign-ins at once for made-up accounts (a missing account costs one
    full check, like a wrong password), from 127.0.0.11-14, half asking for
    Japanese; returns [(language, reply)]."""
    barrier = threading.Barrier(n)
    out, lock = [], threading.Lock()

    def one(i):
        lang = "ja" if i % 2 else "en"
        barrier.wait()
        r = login(c, "%s%d@guess.example" % (tag, i), "wrong-password", "127.0.0.%d" % (11 + i % 4),
                  lang)
        with lock:
            out.append((lang, r))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def vm_hwm(c):
    with open("/proc/%d/status" % c.proc.pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def check_busy(lang, r):
    check(r.headers.get("retry-after") == "5", "503 with Retry-After: 5: %r" % r.headers)
    want = {"en": "the centre is checking many passwords at once",
            "ja": "今、たくさんのパスワードを同時に確認しているため"}[lang]
    check(r.json["error"] == "unavailable" and r.json["message"].startswith(want),
          "503 in %s: %r" % (lang, r.json))


def test_memory_bound():
    c = Center(config="password_cost = interactive\n")  # in [auth]
    try:
        c.start(extra=["--threads", "2"])
        before = vm_hwm(c)
        replies = burst(c, 32, "mem")
        grown = vm_hwm(c) - before
        statuses = sorted(r.status for _, r in replies)
        check(all(s in (401, 503) for s in statuses), "answers: %r" % statuses)
        for lang, r in replies:
            if r.status == 503:
                check_busy(lang, r)
        check(grown < 5 * 64 * MIB,
              "peak memory grew by %d MiB for 32 sign-ins at once" % (grown // MIB))
        check(c.stop() == 0, "server exit status: %s" % c.server_log()[-2000:])
        print("memory: 32 sign-ins at once raised the peak by %d MiB (%d answered 401, %d 503)"
              % (grown // MIB, statuses.count(401), statuses.count(503)))
    finally:
        c.close()


def test_busy_reply():
    """With password_wait = 0 a sign-in that finds both checks busy answers
    503 at once; bursts until one has come in each language."""
    c = Center(config="password_cost = interactive\npassword_wait = 0\n")  # in [auth]
    try:
        c.start(extra=["--threads", "2"])
        check("not a setting" not in c.server_log(), "settings read: %s" % c.server_log())
        seen = {}
        for round_ in range(5):
            for lang, r in burst(c, 16, "busy%d-" % round_):
                check(r.status in (401, 503), "answer: %r" % r)
                if r.status == 503:
                    check_busy(lang, r)
                    seen[lang] = seen.get(lang, 0) + 1
            if len(seen) == 2:
                break
        check(len(seen) == 2, "a 503 in both languages: %r" % seen)
        check(c.stop() == 0, "server exit status: %s" % c.server_log()[-2000:])
        print("busy: 503 with Retry-After in ja and en: %r" % seen)
    finally:
        c.close()


class Holder(threading.Thread):
    """Signs in with the right password without pause: with one check at
    once and password_wait = 0 the check is held nearly all the time."""

    def __init__(self, c, email, source):
        super().__init__(daemon=True)
        self.c, self.email, self.source = c, email, source
        self.stop, self.bad = threading.Event(), []

    def run(self):
        while not self.stop.is_set():
            r = login(self.c, self.email, PASSWORD, self.source)
            if r.status not in (200, 503):
                self.bad.append(r)


def until_busy(what, session, send):
    """send(i) until it answers 503 (one in a gap between the holders'
    checks goes through); checks the 503 is sign-in's, in the language of
    the session's user (a signed-in caller's). Returns the tries,
    [(i, reply)], the last one the 503."""
    tries = []
    lang = session.me["user"]["lang"]
    for i in range(60):
        r = send(i)
        tries.append((i, r))
        if r.status == 503:
            check_busy(lang, r)
            return tries
    check(False, "%s never found the check busy: %r" % (what, tries[-3:]))


def test_busy_other_checks():
    """Password change, reset and a new user with a password: 503 like a
    sign-in when the one check is held, and nothing changed."""
    owner, staff, holder = "owner@busy.example", "staff@busy.example", "holder@vendor.example"
    c = Center(config="password_cost = interactive\npassword_wait = 0\n")  # in [auth]
    holders = []
    try:
        c.admin("create-admin", "--email", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
        c.admin("user", "add", "--role", "analyst", "--email", holder, "--password-stdin",
                stdin=PASSWORD + "\n")
        tid = int(c.admin("tenant", "add", "--name", "SME Busy", "--lang", "en"))
        for email, role in ((owner, "owner"), (staff, "staff")):  # the owner reads English
            c.admin("user", "add", "--tenant", str(tid), "--role", role, "--email", email,
                    "--password-stdin", "--lang", "en" if role == "owner" else "ja",
                    stdin=PASSWORD + "\n")
        c.start(extra=["--threads", "1"])
        admin, own = c.login(ADMIN), c.login(owner)
        r = c.request("GET", "/api/v1/users?tenant=%d" % tid, session=admin)
        staff_id = [u["id"] for u in r.json["items"] if u["email"] == staff][0]
        holders = [Holder(c, holder, "127.0.0.%d" % (20 + i)) for i in range(3)]
        for h in holders:
            h.start()
        cur = {"own": PASSWORD, "staff": PASSWORD}

        def change(i):
            new = "changed-password-%d" % i
            r = c.request("POST", "/api/v1/me/password",
                          {"current_password": cur["own"], "new_password": new},
                          session=own)
            check(r.status in (200, 503), "own change: %r" % r)
            if r.status == 200:
                cur["own"] = new
            return r

        def reset(i):
            new = "reset-password-%d" % i
            r = c.request("POST", "/api/v1/users/%d/password" % staff_id, {"password": new},
                          session=admin)
            check(r.status in (200, 503), "reset: %r" % r)
            if r.status == 200:
                cur["staff"] = new
            return r

        def add(i):
            r = c.request("POST", "/api/v1/users",
                          {"email": "new%d@busy.example" % i, "role": "staff", "tenant_id": tid,
                           "password": "new-user-password"},
                          session=admin)
            check(r.status in (201, 503), "user add: %r" % r)
            return r

        changed = until_busy("the own password change", own, change)
        resets = until_busy("the reset", admin, reset)
        adds = until_busy("the new user", admin, add)
        for h in holders:
            h.stop.set()
        for h in holders:
            h.join(timeout=60)
            check(h.bad == [], "the holders' sign-ins: %r" % h.bad[:3])

        refused = "changed-password-%d" % changed[-1][0]
        check(login(c, owner, refused, "127.0.0.30").status == 401,
              "the change answered 503 did not change the password")
        c.login(owner, cur["own"], source="127.0.0.30")
        refused = "reset-password-%d" % resets[-1][0]
        check(login(c, staff, refused, "127.0.0.31").status == 401,
              "the reset answered 503 did not change the password")
        c.login(staff, cur["staff"], source="127.0.0.31")
        r = c.request("GET", "/api/v1/users?tenant=%d" % tid, session=admin)
        emails = sorted(u["email"] for u in r.json["items"])
        made = sorted("new%d@busy.example" % i for i, rr in adds if rr.status == 201)
        check(emails == sorted([owner, staff] + made),
              "no user created by the add answered 503: %r" % emails)
        check(c.stop() == 0, "server exit status: %s" % c.server_log()[-2000:])
        print("busy: password change, reset and user add answer 503 and change nothing "
              "(tries: %d, %d, %d)" % (len(changed), len(resets), len(adds)))
    finally:
        for h in holders:
            h.stop.set()
        c.close()


def main():
    test_limits()
    test_memory_bound()
    test_busy_reply()
    test_busy_other_checks()
    print("ok")


if __name__ == "__main__":
    main()
