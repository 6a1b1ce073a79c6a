#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Accounts against the real centre on 127.0.0.1 with a real SQLite file:
one's own password change (wrong current password, too short, unchanged,
every session ended, the caller's too, which gets a new one in the reply:
new cookie and CSRF token, the old ones refused; the login limiter's
lock-out shared with sign-in, audited without the password); a manager's
reset to a temporary password the user must change first (only /me, sign-out
and the change itself until then), within the tenant (another tenant's user
answers like a missing id); new users added through the API must change
theirs too; disabling and re-enabling (sign-in refused exactly like a wrong
password, sessions and API tokens refused at once, never one's own account;
the user stays listed and in the audit log); a manager's reset revokes the
user's API tokens; `mamori-center admin user password|disable|enable` with
the same rules, every admin subcommand's missing required option answered
with the usage (exit 2); the address of the vendor admin's user.add in the audit
log; and the names of each entry's actor and target (users, sensors), within the
reader's scope."""

import os
import re
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import BIN, PASSWORD, Center, Session, check, start_world  # noqa: E402

NEW = "a-new-passphrase-2026"
TEMP = "temporary-pass-123"


def add_user(c, s, email, tenant=None, role="staff", **extra):
    body = {"email": email, "role": role, "password": PASSWORD, **extra}
    if tenant is not None:
        body["tenant_id"] = tenant
    r = c.request("POST", "/api/v1/users", body, session=s)
    check(r.status == 201, "add %s: %r" % (email, r))
    return r.json


def change(c, caller, current, new):
    return c.request("POST", "/api/v1/me/password",
                     {"current_password": current, "new_password": new}, **caller)


def renewed(c, s, r):
    """The session a password change gave the caller in its reply r (a new
    cookie and CSRF token: the session s ended with the old password)."""
    cookie = r.headers.get("set-cookie", "")
    check(cookie.startswith(c.cookie_name() + "="), "a new session cookie: %r" % cookie)
    fresh = Session(cookie.split(";")[0].split("=", 1)[1], r.json["csrf_token"], r.json, cookie,
                    c.cookie_name())
    check(fresh.cookie != s.cookie and fresh.csrf != s.csrf and fresh.csrf,
          "new token and CSRF token: %r" % r)
    check("HttpOnly" in cookie and "SameSite=Strict" in cookie, "cookie flags: %s" % cookie)
    return fresh


def audit(c, admin, tenant):
    r = c.request("GET", "/api/v1/audit?tenant=%d&limit=200" % tenant, session=admin)
    check(r.status == 200, "audit: %r" % r)
    return r.json["items"]


def said(p, en, ja):
    """The admin command's message, in the language of the environment."""
    return en in p.stderr or ja in p.stderr


def test_own_change(c, w, admin):
    tid = w.tenants["A"]["id"]
    owner = w.tenants["A"]["session"]
    u = add_user(c, owner, "change@a.example", must_change_password=False)
    check(u["must_change_password"] is False, "opted out: %r" % u)
    s1, s2 = c.login("change@a.example"), c.login("change@a.example")
    token = c.admin("token", "create", "--user", "change@a.example")
    r = change(c, {"session": s1}, "not-my-password!", NEW)
    check(r.status == 403 and r.json["error"] == "wrong_password", "wrong current: %r" % r)
    r = change(c, {"session": s1}, PASSWORD, "short-11chr")
    check(r.status == 400 and r.json["error"] == "password_too_short", "too short: %r" % r)
    r = change(c, {"session": s1}, PASSWORD, PASSWORD)
    check(r.status == 400 and r.json["error"] == "password_unchanged", "unchanged: %r" % r)
    r = c.request("POST", "/api/v1/me/password", {"current_password": PASSWORD}, session=s1)
    check(r.status == 400 and r.json["error"] == "missing_field", "no new password: %r" % r)
    r = c.request("POST", "/api/v1/me/password", {"current_password": PASSWORD, "new_password": NEW},
                  session=s1, headers={"X-CSRF-Token": "forged"})
    check(r.status == 403 and r.json["error"] == "csrf", "CSRF token needed: %r" % r)
    r = change(c, {"session": s1}, PASSWORD, NEW)
    check(r.status == 200 and r.json["user"]["email"] == "change@a.example", "changed: %r" % r)
    # The caller stays signed in with a new session; the one it used (its
    # token and CSRF token maybe seen by someone) ended with the old password.
    s3 = renewed(c, s1, r)
    check(c.request("GET", "/api/v1/me", session=s1).status == 401, "the old session ended")
    r = c.request("PATCH", "/api/v1/me", {"lang": "en"}, session=s3)
    check(r.status == 200, "a change of state with the new session: %r" % r)
    r = c.request("PATCH", "/api/v1/me", {"lang": "en"}, session=s3,
                  headers={"X-CSRF-Token": s1.csrf})
    check(r.status == 403 and r.json["error"] == "csrf", "the old CSRF token is refused: %r" % r)
    r = c.request("GET", "/api/v1/me", session=s2)
    check(r.status == 401, "another session of the user ended: %r" % r)
    check(c.request("GET", "/api/v1/me", token=token).status == 200, "API tokens are not sessions")
    r = c.request("POST", "/api/v1/login", {"email": "change@a.example", "password": PASSWORD})
    check(r.status == 401, "old password refused: %r" % r)
    c.login("change@a.example", NEW)
    # Through an API token (no session of its own): every session ends.
    r = change(c, {"token": token}, NEW, PASSWORD)
    check(r.status == 200 and "set-cookie" not in r.headers, "change by token: %r" % r)
    check(c.request("GET", "/api/v1/me", session=s3).status == 401, "token change ends all")
    items = [a for a in audit(c, admin, tid) if a["action"] == "user.password"]
    check(len(items) == 2 and items[0]["target"] == "user:%d" % u["id"], "audited: %r" % items)
    check(items[1]["detail"] == "sessions_ended=2" and items[1]["address"] == "127.0.0.1",
          "the caller's and the other session ended, with the address: %r" % items[1])
    shown = str(audit(c, admin, tid))
    check(PASSWORD not in shown and NEW not in shown and "argon2" not in shown, "no secrets")


def test_lockout(c, w):
    """A wrong current password counts like a failed sign-in (5 per account
    and address): then both the change and the sign-in answer 429 from this
    address; from another one (127.0.0.2) the person signs in."""
    add_user(c, w.tenants["B"]["session"], "locked@b.example", must_change_password=False)
    s = c.login("locked@b.example")
    for i in range(5):
        r = change(c, {"session": s}, "guess-number-%d" % i, NEW)
        check(r.status == 403, "guess %d: %r" % (i, r))
    r = change(c, {"session": s}, PASSWORD, NEW)
    check(r.status == 429 and r.json["error"] == "rate_limited", "locked out: %r" % r)
    r = c.request("POST", "/api/v1/login", {"email": "locked@b.example", "password": PASSWORD})
    check(r.status == 429, "sign-in locked out too: %r" % r)
    c.login("locked@b.example", source="127.0.0.2")


def test_must_change(c, w, admin):
    a, b = w.tenants["A"], w.tenants["B"]
    owner = a["session"]
    u = add_user(c, owner, "newbie@a.example")
    check(u["must_change_password"] is True, "a new user must change: %r" % u)
    s = c.login("newbie@a.example")
    check(s.me["user"]["must_change_password"] is True, "me says so: %r" % s.me)
    r = c.request("GET", "/api/v1/alerts", session=s)
    check(r.status == 403 and r.json["error"] == "password_change_required", "held: %r" % r)
    r = c.request("POST", "/api/v1/tickets", {"subject": "x", "body": "y"}, session=s)
    check(r.status == 403 and r.json["error"] == "password_change_required", "held: %r" % r)
    check(c.request("GET", "/api/v1/me", session=s).status == 200, "/me answers")
    r = c.request("PATCH", "/api/v1/me", {"lang": "ja"}, session=s)
    check(r.status == 200, "language can be switched: %r" % r)
    r = change(c, {"session": s}, PASSWORD, NEW)
    check(r.status == 200 and r.json["user"]["must_change_password"] is False, "done: %r" % r)
    s = renewed(c, s, r)
    check(c.request("GET", "/api/v1/alerts", session=s).status == 200, "free after the change")
    # A manager's reset: a temporary password, every session of the user ends.
    staff = c.login("staff@a.example")
    for who, caller in (("owner", owner), ("admin", admin)):
        r = c.request("POST", "/api/v1/users/%d/password" % a["staff"], {"password": TEMP},
                      session=caller)
        check(r.status == 200 and r.json["must_change_password"] is True,
              "%s resets: %r" % (who, r))
    check(c.request("GET", "/api/v1/me", session=staff).status == 401, "reset ends sessions")
    r = c.request("POST", "/api/v1/login", {"email": "staff@a.example", "password": PASSWORD})
    check(r.status == 401, "old password gone: %r" % r)
    s = c.login("staff@a.example", TEMP)
    r = c.request("GET", "/api/v1/sensors", session=s)
    check(r.status == 403 and r.json["error"] == "password_change_required", "held: %r" % r)
    r = change(c, {"session": s}, TEMP, PASSWORD)
    check(r.status == 200, "staff chooses its own: %r" % r)
    s = renewed(c, s, r)
    check(c.request("GET", "/api/v1/sensors", session=s).status == 200, "free again")
    # Within what the manager may manage; the same answer as a missing id.
    missing = c.request("POST", "/api/v1/users/999999/password", {"password": TEMP},
                        session=owner)
    foreign = c.request("POST", "/api/v1/users/%d/password" % b["staff"], {"password": TEMP},
                        session=owner)
    check(missing.status == foreign.status == 404 and missing.json == foreign.json,
          "another tenant's user: %r / %r" % (foreign, missing))
    r = c.request("POST", "/api/v1/users/%d/password" % a["owner"], {"password": TEMP},
                  session=owner)
    check(r.status == 409 and r.json["error"] == "own_account", "own reset: %r" % r)
    r = c.request("POST", "/api/v1/users/%d/password" % a["owner"], {"password": TEMP},
                  session=c.login("staff@a.example"))
    check(r.status == 403, "staff may not reset: %r" % r)
    r = c.request("POST", "/api/v1/users/%d/password" % a["staff"], {"password": "too-short"},
                  session=owner)
    check(r.status == 400 and r.json["error"] == "password_too_short", "short temp: %r" % r)
    resets = [x for x in audit(c, admin, a["id"]) if x["action"] == "user.password_reset"]
    check(len(resets) == 2 and all(x["target"] == "user:%d" % a["staff"] for x in resets),
          "resets audited: %r" % resets)


def test_disable(c, w, admin):
    a, b = w.tenants["A"], w.tenants["B"]
    owner = a["session"]
    u = add_user(c, owner, "leaver@a.example", must_change_password=False)
    s = c.login("leaver@a.example")
    token = c.admin("token", "create", "--user", "leaver@a.example")
    r = c.request("PATCH", "/api/v1/users/%d" % u["id"], {"disabled": True}, session=owner)
    check(r.status == 200 and r.json["disabled"] is True, "disabled: %r" % r)
    check(c.request("GET", "/api/v1/me", session=s).status == 401, "session ended at once")
    check(c.request("GET", "/api/v1/me", token=token).status == 401, "token refused")
    right = c.request("POST", "/api/v1/login", {"email": "leaver@a.example", "password": PASSWORD})
    wrong = c.request("POST", "/api/v1/login", {"email": "leaver@a.example", "password": "nope"})
    nobody = c.request("POST", "/api/v1/login", {"email": "nobody@a.example", "password": "x"})
    check(right.status == wrong.status == nobody.status == 401 and
          right.raw == wrong.raw == nobody.raw, "like a wrong password: %r %r" % (right, wrong))
    r = c.request("GET", "/api/v1/users/%d" % u["id"], session=owner)
    check(r.status == 200 and r.json["disabled"] is True, "still listed: %r" % r)
    r = c.request("PATCH", "/api/v1/users/%d" % u["id"], {"disabled": True}, session=owner)
    check(r.status == 200, "idempotent: %r" % r)
    r = c.request("PATCH", "/api/v1/users/%d" % u["id"], {"disabled": False}, session=owner)
    check(r.status == 200 and r.json["disabled"] is False, "enabled: %r" % r)
    c.login("leaver@a.example")
    check(c.request("GET", "/api/v1/me", token=token).status == 200, "token works again")
    acts = [x["action"] for x in audit(c, admin, a["id"])
            if x["target"] == "user:%d" % u["id"] and x["action"].startswith("user.")]
    check(acts == ["user.enable", "user.disable", "user.add"], "audited once each: %r" % acts)
    # Another tenant's user answers like a missing id, even with an empty body.
    for body in ({"disabled": True}, {}):
        foreign = c.request("PATCH", "/api/v1/users/%d" % b["staff"], body, session=owner)
        missing = c.request("PATCH", "/api/v1/users/999999", body, session=owner)
        check(foreign.status == missing.status == 404 and foreign.json == missing.json,
              "foreign disable: %r" % foreign)
    check(c.request("GET", "/api/v1/me", session=b["session"]).status == 200, "B untouched")
    r = c.request("PATCH", "/api/v1/users/%d" % a["owner"], {"disabled": True}, session=owner)
    check(r.status == 409 and r.json["error"] == "own_account", "not oneself: %r" % r)
    r = c.request("PATCH", "/api/v1/users/%d" % a["owner"], {}, session=owner)
    check(r.status == 200 and r.json["disabled"] is False, "an empty change: %r" % r)
    me = admin.me["user"]["id"]
    r = c.request("PATCH", "/api/v1/users/%d" % me, {"disabled": True}, session=admin)
    check(r.status == 409 and r.json["error"] == "own_account", "admin not itself: %r" % r)
    r = c.request("PATCH", "/api/v1/users/%d" % a["staff"], {"disabled": "yes"}, session=owner)
    check(r.status == 400 and r.json["error"] == "bad_field", "bad field: %r" % r)


def test_reset_revokes_tokens(c, w, admin):
    """A manager's reset means the account may be in other hands: the
    user's API tokens are revoked with the sessions (the reply and the audit
    row say how many); one's own change keeps them (test_own_change)."""
    a = w.tenants["A"]
    u = add_user(c, a["session"], "shared@a.example", must_change_password=False)
    t1 = c.admin("token", "create", "--user", "shared@a.example")
    t2 = c.admin("token", "create", "--user", "shared@a.example")
    c.admin("token", "revoke", t2)
    other = c.admin("token", "create", "--user", "staff@a.example")
    s = c.login("shared@a.example")
    r = c.request("POST", "/api/v1/users/%d/password" % u["id"], {"password": TEMP},
                  session=a["session"])
    check(r.status == 200 and r.json["tokens_revoked"] == 1 and r.json["sessions_ended"] == 1
          and r.json["must_change_password"] is True, "reset reply: %r" % r)
    check(c.request("GET", "/api/v1/me", token=t1).status == 401, "token revoked by the reset")
    check(c.request("GET", "/api/v1/me", session=s).status == 401, "session ended")
    check(c.request("GET", "/api/v1/me", token=other).status == 200, "another user's token stays")
    r = c.admin("token", "revoke", t1, expect=1)
    check(said(r, "already revoked", "すでに取り消されています"), "revoked for good: %r" % r.stderr)
    entry = [x for x in audit(c, admin, a["id"]) if x["action"] == "user.password_reset" and
             x["target"] == "user:%d" % u["id"]][0]
    check(entry["detail"] == "sessions_ended=1 tokens_revoked=1 must_change=1",
          "audited with the count: %r" % entry)
    r = c.request("POST", "/api/v1/users/%d/password" % u["id"], {"password": TEMP + "2"},
                  session=admin)
    check(r.status == 200 and r.json["tokens_revoked"] == 0 and r.json["sessions_ended"] == 0,
          "nothing left to revoke: %r" % r)


def test_admin_command(c, w, admin):
    """`mamori-center admin user password|disable|enable` on the data directory:
    the API's rules (reset ends sessions and revokes tokens, must change
    unless --keep; never the last active admin), audited as cli:<unix user>."""
    a = w.tenants["A"]
    u = add_user(c, a["session"], "forgot@a.example", must_change_password=False)
    s = c.login("forgot@a.example")
    token = c.admin("token", "create", "--user", "forgot@a.example")
    out = c.admin("user", "password", "--user", "Forgot@A.example", "--password-stdin",
                  stdin=TEMP + "\n")
    check(out == "sessions_ended=1 tokens_revoked=1", "counts on stdout: %r" % out)
    check(c.request("GET", "/api/v1/me", session=s).status == 401, "cli reset ends sessions")
    check(c.request("GET", "/api/v1/me", token=token).status == 401, "cli reset revokes tokens")
    s = c.login("forgot@a.example", TEMP)
    check(s.me["user"]["must_change_password"] is True, "must change: %r" % s.me)
    out = c.admin("user", "password", "--user", str(u["id"]), "--password-stdin", "--keep",
                  stdin=NEW + "\n")
    check(out == "sessions_ended=1 tokens_revoked=0", "by id: %r" % out)
    s = c.login("forgot@a.example", NEW)
    check(s.me["user"]["must_change_password"] is False, "--keep: %r" % s.me)
    check(c.request("GET", "/api/v1/alerts", session=s).status == 200, "--keep: free to work")
    # Errors: a short password, an unknown user (1); no --user, no --password-stdin (2).
    r = c.admin("user", "password", "--user", str(u["id"]), "--password-stdin",
                stdin="short\n", expect=1)
    check("12" in r.stderr and r.stdout == "", "short: %r" % r.stderr)
    r = c.admin("user", "password", "--user", "nobody@a.example", "--password-stdin",
                stdin=TEMP + "\n", expect=1)
    check(said(r, "no such user", "その利用者は見つかりません"), "unknown: %r" % r.stderr)
    c.admin("user", "password", "--password-stdin", stdin=TEMP + "\n", expect=2)
    c.admin("user", "password", "--user", str(u["id"]), stdin=TEMP + "\n", expect=2)
    c.admin("user", "disable", expect=2)
    check(c.admin("user", "disable", "--user", "999999", expect=1).returncode == 1, "unknown id")
    # Disable and enable (the failed calls changed nothing: NEW still signs in).
    s2 = c.login("forgot@a.example", NEW)
    check(c.admin("user", "disable", "--user", "forgot@a.example") == "", "disabled")
    check(c.request("GET", "/api/v1/me", session=s).status == 401 and
          c.request("GET", "/api/v1/me", session=s2).status == 401, "signed out at once")
    r = c.request("POST", "/api/v1/login", {"email": "forgot@a.example", "password": NEW})
    check(r.status == 401, "cannot sign in: %r" % r)
    c.admin("user", "disable", "--user", "forgot@a.example")  # already: nothing to do
    # user list shows the state in a fifth column (the four before stay in place)
    rows = {r.split("\t")[3]: r.split("\t") for r in c.admin("user", "list").splitlines()}
    check(rows["forgot@a.example"] == [str(u["id"]), str(a["id"]), "staff", "forgot@a.example",
                                       "disabled"], "list, disabled: %r" % rows)
    check(rows["admin@vendor.example"][4] == "active", "list, active: %r" % rows)
    # a password set on a disabled account says that it stays disabled
    for env, want in (({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"},
                       "stays disabled: run user enable"),
                      ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"}, "停止したままです。ログインできるようにするには user enable")):
        r = c.admin("user", "password", "--user", str(u["id"]), "--password-stdin", "--keep",
                    stdin=NEW + "\n", expect=None, env=env)
        check(r.returncode == 0 and want in r.stderr, "password, disabled: %r" % (r,))
    r = c.admin("user", "password", "--user", str(u["id"]), "--password-stdin",
                stdin=NEW + "\n", expect=None)
    check(r.returncode == 0 and "user enable" in r.stderr, "must change, disabled: %r" % (r,))
    row = [x for x in c.admin("user", "list", "--tenant", str(a["id"])).splitlines()
           if "\tforgot@a.example\t" in x]
    check(row and row[0].endswith("\tdisabled,must_change_password"), "list, both: %r" % row)
    check(c.request("POST", "/api/v1/login",
                    {"email": "forgot@a.example", "password": NEW}).status == 401,
          "still disabled after the password")
    c.admin("user", "password", "--user", str(u["id"]), "--password-stdin", "--keep",
            stdin=NEW + "\n")
    c.admin("user", "enable", "--user", str(u["id"]))
    r = c.admin("user", "password", "--user", str(u["id"]), "--password-stdin", "--keep",
                stdin=NEW + "\n", expect=None)
    check(r.returncode == 0 and "user enable" not in r.stderr, "enabled: no word: %r" % (r,))
    row = [x for x in c.admin("user", "list").splitlines() if "\tforgot@a.example\t" in x]
    check(row and row[0].endswith("\tactive"), "list, enabled: %r" % row)
    c.login("forgot@a.example", NEW)
    # The vendor's only active admin stays, whoever asks.
    r = c.admin("user", "disable", "--user", "admin@vendor.example", expect=1)
    check(said(r, "last active administrator", "最後の有効な管理者"), "last admin: %r" % r.stderr)
    check(c.request("GET", "/api/v1/me", session=admin).status == 200, "admin still signed in")
    acts = [(x["action"], x["detail"]) for x in audit(c, admin, a["id"])
            if x["target"] == "user:%d" % u["id"] and x["actor"].startswith("cli:")]
    reset0 = ("user.password_reset", "sessions_ended=0 tokens_revoked=0")
    check(acts == [reset0, ("user.enable", ""), reset0,
                   ("user.password_reset", "sessions_ended=0 tokens_revoked=0 must_change=1"),
                   reset0, reset0, ("user.disable", "sessions_ended=2"),
                   ("user.password_reset", "sessions_ended=1 tokens_revoked=0"),
                   ("user.password_reset", "sessions_ended=1 tokens_revoked=1 must_change=1")],
          "audited as the command line: %r" % acts)


def test_admin_required_options(c, w):
    """Every admin subcommand answers a required option that is missing (or given last
    without its value), a missing argument, and an optional option given last without its
    value with a line naming it and the usage, exit 2, changing nothing: what is required is
    read from the usage itself (what is not in brackets). `token create`, `create-admin`,
    `user add` and `enrol` answered some of them with "no such user", "not an e-mail
    address" or "no such company", exit 1; an optional one without its value was taken as
    not given (`user list --tenant` listed every user, `create-admin ... --lang` made the
    admin). A value that starts with "--" is the next option, not a value: every option's
    value so given, in the middle of the line, is missing too (`user add --email --role
    staff` took "--role" as the address, exit 1)."""
    usage = c.admin("no-such-subcommand", expect=2).stderr.splitlines()
    check(usage[0] == "mamori-center admin: no-such-subcommand: not an admin subcommand" and
          usage[1].startswith("Usage: mamori-center admin"), "usage: %r" % usage)
    usage = usage[1:]
    values = {"EMAIL": "required@a.example", "ID": str(w.tenants["A"]["id"]),
              "owner|staff": "owner", "admin|analyst": "analyst", "NAME": "Required Co",
              "ID-OR-EMAIL": "staff@a.example", "ID-OR-TOKEN": "1", "SENSOR-ID": "1",
              "ja|en": "en", "1-4": "3", "SECONDS": "60",
              "FILE": os.path.join(c.tmp, "required-backup.db")}
    before = (c.admin("tenant", "list"), c.admin("user", "list"))
    tried = []

    def refused(cmd, args, named, why):
        r = c.admin(*(cmd + args), stdin=PASSWORD + "\n", expect=None)
        first = r.stderr.split("\n")[0]
        check(r.returncode == 2 and first == "mamori-center admin: %s: %s" % (named, why) and
              "\nUsage: mamori-center admin" in r.stderr and r.stdout == "",
              "admin %s: exit %d, %r" % (" ".join(cmd + args), r.returncode, r.stderr))
        tried.append(cmd + args)

    for line in usage[1:]:
        words = re.sub(r"\[[^]]*\]", "", line).split()  # the optional parts left out
        cmd = [x for x in words if re.fullmatch(r"[a-z][a-z-]*", x)]
        rest = words[len(cmd):]
        # required parts: (option, value) pairs, flags (value None), arguments (option None)
        parts, i = [], 0
        while i < len(rest):
            if rest[i].startswith("--") and i + 1 < len(rest) and not rest[i + 1].startswith("--"):
                parts.append((rest[i], values[rest[i + 1]]))
                i += 2
            elif rest[i].startswith("--"):
                parts.append((rest[i], None))
                i += 1
            else:
                parts.append((None, values[rest[i]]))
                i += 1
        given = [x for p in parts for x in p if x is not None]
        optional = [o.split() for o in re.findall(r"\[([^]]*)\]", line) if " " in o]
        for k, (name, value) in enumerate(parts):
            others = [x for j, p in enumerate(parts) if j != k for x in p if x is not None]
            if name is None:
                refused(cmd, others, " ".join(cmd), "the argument is missing")
                continue
            required = ("required for the roles owner and staff (they belong to a tenant)"
                        if cmd == ["user", "add"] and name == "--tenant"
                        else "required by this subcommand")
            refused(cmd, others, name, required)
            if value is not None:
                refused(cmd, others + [name], name, "the value is missing (a value cannot "
                        "start with --)")
                # in the middle: the value given as the next option would be
                mid = [x for j, p in enumerate(parts) for x in
                       ((name, "--" + value) if j == k else p) if x is not None]
                refused(cmd, mid, name, "the value is missing (a value cannot start with --)")
        for name, placeholder in optional:  # an optional option last, then first, valueless
            refused(cmd, given + [name], name, "the value is missing (a value cannot start "
                    "with --)")
            refused(cmd, [name, "--" + values[placeholder]] + given, name,
                    "the value is missing (a value cannot start with --)")
    check(len(tried) >= 50 and ["token", "create"] in tried and ["enrol"] in tried and
          ["token", "create", "--user"] in tried and ["user", "list", "--tenant"] in tried and
          ["user", "add", "--tenant", str(w.tenants["A"]["id"]), "--role", "owner", "--email",
           "--required@a.example"] in tried, "cases: %r" % tried)
    check((c.admin("tenant", "list"), c.admin("user", "list")) == before, "nothing changed")


def test_admin_usage_creates_nothing(c):
    """A command line that cannot run is refused before the data directory is opened: no
    directory, no database is left behind (the database was opened, and made, before the
    command line was read). A usage error is exit 2; so is a value of the wrong form, one
    line naming the option (a tenant's empty or too long name and a malformed token or
    sensor id answered with the usage); a password that will not do is exit 1, as before,
    and read before the directory is opened too."""
    parent = os.path.join(c.tmp, "absent")
    data = os.path.join(parent, "data")
    bad = {  # the command line: (exit status, its first line of standard error)
        ("no-such-subcommand",): (2, "no-such-subcommand: not an admin subcommand"),
        (): (2, "Usage: mamori-center admin --data DIR one of:"),
        ("tenant", "add"): (2, "--name: required by this subcommand"),
        ("tenant", "add", "--name"): (2, "--name: the value is missing"),
        ("tenant", "list", "--bogus"): (2, "--bogus: not an option or argument of this"),
        ("tenant", "list", "extra"): (2, "extra: not an option or argument of this"),
        ("tenant", "add", "--name", "A", "--name", "B"): (2, "--name: given more than once"),
        ("user", "add", "--email", "--role", "staff"): (2, "--email: the value is missing"),
        ("user", "add", "--role", "staff", "--email", "a@a.example"):
            (2, "--tenant: required for the roles owner and staff"),
        ("token", "revoke"): (2, "token revoke: the argument is missing"),
        ("tenant", "add", "--name", ""): (2, "--name: a tenant's name must be 1 to 200 bytes"),
        ("tenant", "add", "--name", "x" * 201): (2, "--name: a tenant's name must be 1 to 200"),
        ("token", "revoke", "xyz"): (2, "token revoke: neither a token ID nor an API token "
                                        "(mmt_...): xyz"),
        ("token", "revoke", "0"): (2, "token revoke: neither a token ID nor an API token"),
        ("sensor", "revoke", "s1"): (2, "sensor revoke: not a sensor ID: s1"),
        # an id out of range is of the wrong form (it became the largest, then "not found")
        ("sensor", "revoke", "9" * 20): (2, "sensor revoke: not a sensor ID: " + "9" * 20),
        ("user", "disable", "--user", "9" * 20): (2, "--user: not a user number or e-mail"),
        ("tenant", "add", "--name", "A", "--lang", "fr"): (2, "--lang: the language must be"),
        ("tenant", "add", "--name", "A", "--mail-severity", "9"): (2, "--mail-severity: the mail"),
        ("user", "add", "--role", "boss", "--email", "a@a.example"): (2, "--role: the role must"),
        ("user", "add", "--role", "analyst", "--tenant", "1", "--email", "a@a.example"):
            (2, "--tenant: vendor roles (admin, analyst) take no --tenant"),
        ("user", "add", "--tenant", "x", "--role", "staff", "--email", "a@a.example"):
            (2, "--tenant: not a tenant number: x"),
        ("create-admin", "--email", "not-an-address", "--password-stdin"):
            (2, "--email: not a valid e-mail address: not-an-address"),
        ("user", "list", "--tenant", "-1"): (2, "--tenant: not a tenant number: -1"),
        # digits only: strtoll read these as 1
        ("user", "list", "--tenant", "+1"): (2, "--tenant: not a tenant number: +1"),
        ("user", "list", "--tenant", " 1"): (2, "--tenant: not a tenant number:  1"),
        ("sensor", "revoke", "+1"): (2, "sensor revoke: not a sensor ID: +1"),
        ("token", "revoke", " 1"): (2, "token revoke: neither a token ID nor an API token"),
        ("user", "disable", "--user", "+1"): (2, "--user: not a user number or e-mail"),
        ("enrol", "--tenant", "1", "--ttl", "+60"): (2, "--ttl: the validity is a number of"),
        ("tenant", "add", "--name", "A", "--mail-severity", "+2"): (2, "--mail-severity: the mail"),
        ("user", "disable", "--user", "nobody"): (2, "--user: not a user number or e-mail"),
        ("enrol", "--tenant", "1", "--ttl", "0"): (2, "--ttl: the validity is a number of"),
        ("enrol", "--tenant", "0"): (1, "no such tenant"),
        ("create-admin", "--email", "a@a.example", "--password-stdin"):
            (1, "give the password as one line on standard input"),
    }
    for args, (status, first) in bad.items():
        p = subprocess.run([BIN, "admin", "--data", data, "--config", c.config] + list(args),
                           input="short\n", capture_output=True, text=True, timeout=60)
        line = p.stderr.split("\n")[0]
        check(p.returncode == status and line.startswith(first if first.startswith("Usage")
                                                         else "mamori-center admin: " + first)
              and p.stdout == "", "admin %r: exit %d, %r" % (args, p.returncode, p.stderr))
        check(not os.path.exists(parent), "admin %r left %s behind" % (args, parent))
    # --data or --config without its value (the next option taken as it made "--config"), or
    # given twice, before `admin` or after it (the last won)
    for args, why in (
            (["admin", "--data"], "the value is missing"),
            (["admin", "--data", "--config", c.config, "tenant", "list"], "the value is missing"),
            (["admin", "--data", data, "--config", "--data", data, "tenant", "list"],
             "the value is missing"),
            (["admin", "--data", data, "--data", data, "tenant", "list"], "given more than once"),
            (["--config", c.config, "admin", "--data", data, "--config", c.config, "tenant",
              "list"], "given more than once"),
            (["--data", data, "admin", "--data", data, "tenant", "list"], "given more than once")):
        p = subprocess.run([BIN] + args, capture_output=True, text=True, timeout=60, cwd=c.tmp)
        check(p.returncode == 2 and re.match(r"mamori-center admin: --(data|config): " + why,
                                             p.stderr) and
              "\nUsage: mamori-center admin" in p.stderr, "admin %r: %d %r" %
              (args, p.returncode, p.stderr))
        check(not os.path.exists(os.path.join(c.tmp, "--config")) and
              not os.path.exists(parent), "admin %r made a directory" % args)
    # a command that can run makes the directory
    p = subprocess.run([BIN, "admin", "--data", data, "--config", c.config, "tenant", "list"],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and os.path.exists(os.path.join(data, "center.db")),
          "tenant list: %d %r" % (p.returncode, p.stderr))


def test_vendor_address(c, w, admin):
    """The vendor admin's user.add through the API records its address; the
    SME's owner sees it blank (the vendor's people's addresses are masked
    for SME readers, center-api.md), the vendor sees it."""
    a = w.tenants["A"]
    u = add_user(c, admin, "by-admin@a.example", tenant=a["id"])
    entry = [x for x in audit(c, admin, a["id"]) if x["target"] == "user:%d" % u["id"]][0]
    check(entry["action"] == "user.add" and entry["address"] == "127.0.0.1",
          "vendor sees the address: %r" % entry)
    mine = add_user(c, a["session"], "by-owner@a.example")
    c.admin("user", "add", "--tenant", str(a["id"]), "--role", "staff", "--email",
            "by-cli@a.example")
    r = c.request("GET", "/api/v1/audit?limit=200", session=a["session"])
    own = [x for x in r.json["items"] if x["id"] == entry["id"]][0]
    check(own["address"] == "", "masked for the SME: %r" % own)
    by_owner = [x for x in r.json["items"] if x["target"] == "user:%d" % mine["id"]][0]
    check(by_owner["address"] == "127.0.0.1", "the SME's own people's address: %r" % by_owner)
    by_cli = [x for x in r.json["items"] if x["actor"].startswith("cli:")]
    check(by_cli and all(x["address"] == "" for x in by_cli), "the command line's: %r" % by_cli)
    vendor = audit(c, admin, a["id"])
    check([x for x in vendor if x["actor"].startswith("cli:")][0]["address"] == "cli",
          "the vendor sees every address: %r" % vendor[:3])


def test_names(c, w, admin):
    """Each audit entry names its actor and target (actor_name, target_name):
    a user by address, a sensor by its name, from the store in the same query
    and within the reader's scope: an SME reader gets no name of the vendor's
    people nor of another company's, a user or sensor no longer on record
    and any other kind of actor or target have null (session 29; the web UI
    had listed every user to find the addresses and named no sensor)."""
    a, b = w.tenants["A"], w.tenants["B"]
    u = add_user(c, admin, "named-by-admin@a.example", tenant=a["id"])
    c.admin("sensor", "revoke", str(a["sensor"]))
    db = sqlite3.connect(os.path.join(c.data, "center.db"), timeout=30, isolation_level=None)
    try:
        for actor, target in (("sensor:99999", "user:99999"),
                              ("user:%d" % a["owner"], "user:%d" % b["owner"])):
            db.execute("INSERT INTO audit (at, tenant_id, actor, action, target) VALUES "
                       "((SELECT max(at) FROM audit), ?, ?, 'user.disable', ?)",
                       (a["id"], actor, target))
    finally:
        db.close()

    def entries(session, query=""):
        r = c.request("GET", "/api/v1/audit?limit=200" + query, session=session)
        check(r.status == 200, "audit: %r" % r)
        items = r.json["items"]
        check(all("actor_name" in x and "target_name" in x for x in items), "named: %r" % items[:2])
        return items

    def one(items, **want):
        found = [x for x in items if all(x[k] == v for k, v in want.items())]
        check(len(found) == 1, "one entry %r: %r" % (want, found))
        return found[0]

    sensor = "sensor:%d" % a["sensor"]
    owner_a = "user:%d" % a["owner"]
    for who, items in (("vendor", entries(admin, "&tenant=%d" % a["id"])),
                       ("owner", entries(a["session"]))):
        vendor = who == "vendor"
        enrol = one(items, action="sensor.enrol", actor=sensor)
        check((enrol["actor_name"], enrol["target_name"]) == ("sensor-A", "sensor-A"),
              "%s: the sensor by its name: %r" % (who, enrol))
        revoke = one(items, action="sensor.revoke", target=sensor)
        check((revoke["actor_name"], revoke["target_name"]) == (None, "sensor-A"),
              "%s: the command line unnamed, the sensor named: %r" % (who, revoke))
        added = one(items, action="user.add", target="user:%d" % u["id"])
        check(added["target_name"] == "named-by-admin@a.example" and
              added["actor_name"] == ("admin@vendor.example" if vendor else None),
              "%s: the vendor's admin named for the vendor only: %r" % (who, added))
        login = [x for x in items if x["action"] == "session.login" and x["actor"] == owner_a]
        check(login and all(x["actor_name"] == x["target_name"] == "owner@a.example"
                            for x in login), "%s: the owner's sign-ins: %r" % (who, login))
        gone = one(items, actor="sensor:99999")
        check((gone["actor_name"], gone["target_name"]) == (None, None),
              "%s: no longer on record: %r" % (who, gone))
        other = one(items, actor=owner_a, target="user:%d" % b["owner"])
        check(other["actor_name"] == "owner@a.example" and
              other["target_name"] == ("owner@b.example" if vendor else None),
              "%s: another company's person named for the vendor only: %r" % (who, other))
    text = str(entries(a["session"]))
    for hidden in ("admin@vendor.example", "owner@b.example", "sensor-B"):
        check(hidden not in text, "the owner reads no %s" % hidden)


def main():
    c = Center()
    try:
        w = start_world(c)
        admin = c.login("admin@vendor.example")
        test_own_change(c, w, admin)
        test_lockout(c, w)
        test_must_change(c, w, admin)
        test_disable(c, w, admin)
        test_reset_revokes_tokens(c, w, admin)
        test_admin_command(c, w, admin)
        test_admin_required_options(c, w)
        test_admin_usage_creates_nothing(c)
        test_vendor_address(c, w, admin)
        test_names(c, w, admin)
        check(c.stop() == 0, "server exit status")
    finally:
        c.close()
    print("ok")


if __name__ == "__main__":
    main()
