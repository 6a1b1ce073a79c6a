#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The centre's life cycle against the real binary: a request in flight when
SIGTERM arrives is finished and its events are durable after a restart;
SIGINT stops cleanly too; HTTPS with a self-signed certificate made here
with openssl (skipped with a message without openssl), where a reload
(SIGHUP) says the TLS files are read only at start; SIGHUP to an admin
subcommand is harmless; listening on [::1]
(skipped without IPv6 loopback); a database newer than the binary is
refused with a clear error; a bad configuration file is refused; the port
file is written only once the server is up (its health and mail threads
started), so none is left by a start that fails at the mail settings; its
directory is checked by making a file there, on a read-only and a full file
system in a mount namespace (root only, skipped with a message elsewhere); a
data directory that cannot be made is named with its reason and a next step; the
report time zone is looked up once at start (strace, skipped without it)."""

import json
import resource
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import BIN, Center, World, check, dns_event, start_world  # noqa: E402


def read_until(sock, marker):
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_sigterm_in_flight(c, w):
    """Sends the headers with Expect: 100-continue, waits for the 100 (the
    server has started the request), sends SIGTERM, then the body."""
    key = w.tenants["A"]["key"]
    body = "".join(json.dumps(dns_event(s)) + "\n" for s in range(1000, 3000)).encode()
    sock = socket.create_connection(("127.0.0.1", c.port), timeout=60)
    head = ("POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/x-ndjson\r\nContent-Length: %d\r\n"
            "Expect: 100-continue\r\n\r\n" % (key, len(body))).encode()
    sock.sendall(head)
    got = read_until(sock, b"\r\n\r\n")
    check(got.startswith(b"HTTP/1.1 100"), "expected 100 Continue, got %r" % got[:80])
    c.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    check(c.proc.poll() is None, "server quit with a request in flight")
    sock.sendall(body)
    reply = read_until(sock, b"}")
    sock.close()
    check(b" 200 " in reply.split(b"\r\n")[0], "in-flight request: %r" % reply[:200])
    check(b'"accepted":2000' in reply, "in-flight request stored: %r" % reply[-200:])
    rc = c.proc.wait(timeout=60)
    c.proc = None
    check(rc == 0, "exit status after SIGTERM: %d\n%s" % (rc, c.server_log()))
    check("stopped cleanly" in c.server_log(), "clean stop logged")
    # Durable: after a restart the events are there, and a replay is all duplicates.
    c.start()
    r = c.request("GET", "/api/v1/sensors/%d" % w.tenants["A"]["sensor"],
                  session=c.login("owner@a.example"))
    check(r.json["events_total"] >= 2002, "events after restart: %r" % r)
    r = c.request("POST", "/api/v1/events", body, token=key)
    check(r.json["duplicates"] == 2000 and r.json["accepted"] == 0, "replay: %r" % r)
    check(c.stop(signal.SIGINT) == 0, "SIGINT stop")


def test_rehash_on_login(c):
    """Users made with the minimum cost get the interactive cost at login."""
    db = os.path.join(c.data, "center.db")

    def stored_hash():
        con = sqlite3.connect(db)
        h = con.execute("SELECT password_hash FROM users WHERE email = 'owner@a.example'")
        value = h.fetchone()[0]
        con.close()
        return value

    before = stored_hash()
    check(before.startswith("$argon2id$") and "m=64," in before, "min-cost hash: %s" % before)
    with open(c.config, "a") as f:
        f.write("password_cost = interactive\n")
    c.start()
    c.login("owner@a.example")
    check(c.stop() == 0, "clean stop")
    after = stored_hash()
    check("m=65536," in after and after != before, "re-hashed: %s" % after)


def test_newer_database_refused(c):
    db = sqlite3.connect(os.path.join(c.data, "center.db"))
    version = db.execute("PRAGMA user_version").fetchone()[0]
    check(version >= 3, "schema version %d" % version)
    db.execute("PRAGMA user_version = %d" % (version + 10))
    db.commit()
    db.close()
    p = subprocess.run([BIN, "--data", c.data, "--listen", "127.0.0.1:0"], capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 1, "newer database: exit %d" % p.returncode)
    check("upgrade mamori-center" in p.stderr and str(version + 10) in p.stderr,
          "message: %s" % p.stderr)
    p = subprocess.run([BIN, "admin", "--data", c.data, "tenant", "list"], capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 1 and "upgrade" in p.stderr, "admin refuses too: %s" % p.stderr)


def test_bad_config():
    tmp = Center(config="session_hours = many\n")
    try:
        p = subprocess.run([BIN, "--data", tmp.data, "--config", tmp.config], capture_output=True,
                           text=True, timeout=60)
        check(p.returncode == 2 and "session_hours" in p.stderr, "bad config: %s" % p.stderr)
        p = subprocess.run([BIN, "--data", tmp.data, "--listen", "nonsense"],
                           capture_output=True, text=True, timeout=60)
        check(p.returncode == 2 and "--listen" in p.stderr, "bad listen: %s" % p.stderr)
    finally:
        tmp.close()


def test_port_file_when_up():
    """The port file is written last (a test counting threads or stacks from
    it on saw the health and mail threads appear after it under load): a
    start that fails exits without one. (The mail settings used to be read
    after the HTTP server had started; they are now checked with the rest
    of the configuration, exit 2, before anything starts.)"""
    tmp = Center(config="[mail]\nhost = 127.0.0.1\nport = 99999\nfrom = a@vendor.example\n")
    try:
        p = subprocess.run([BIN, "--data", tmp.data, "--config", tmp.config, "--listen",
                            "127.0.0.1:0", "--port-file", tmp.port_file], capture_output=True,
                           text=True, timeout=60)
        check(p.returncode == 2 and "[mail] port" in p.stderr, "bad mail port: %d %s" %
              (p.returncode, p.stderr))
        check(not os.path.exists(tmp.port_file), "port file written by a start that failed")
        check(not os.path.exists(os.path.join(tmp.data, "center.db")),
              "database made by a start that failed")
    finally:
        tmp.close()


def test_port_file_dir_honest():
    """--port-file's directory is checked by making a file there (and removing it), not with
    access(): access() let a start through that then failed at its very end, exit 1, the
    database made, when no file could be made there although access() said yes (here a
    file system out of inodes; also a server whose effective user is not its real one, or
    a path-based security module). A read-only mount was refused before as well (access()
    reports EROFS, root included) and still is. The file systems are mounted in a mount
    namespace of their own (unshare -m), so only as root where that works; skipped with a
    message elsewhere."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        print("SKIP part: not root or no unshare, --port-file on a read-only or full file "
              "system not tested")
        return
    tmp = Center()
    try:
        ro, full, ok = (os.path.join(tmp.tmp, d) for d in ("ro", "full", "ok"))
        for d in (ro, full, ok):
            os.mkdir(d)
        mounts = ("mount -t tmpfs -o size=64k tmpfs {ro} && mount -o remount,ro {ro} && "
                  "mount -t tmpfs -o size=64k,nr_inodes=1 tmpfs {full}").format(ro=ro, full=full)
        p = subprocess.run(["unshare", "-m", "sh", "-c", mounts + " && ! touch %s/x 2>/dev/null"
                            % full], capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            print("SKIP part: no mount namespace with tmpfs here (%s), --port-file on a "
                  "read-only or full file system not tested" % p.stderr.strip())
            return
        # each said as it is (they were "not permitted" and "limit reached"), with what to
        # do and no bracket inside the bracket
        for d, why in ((ro, "read-only file system; give a place you can write to"),
                       (full, "no space left on the disk, or the quota is used up; free some "
                        "space")):
            port = os.path.join(d, "port")
            script = mounts + ' && exec "$@"'
            p = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", BIN, "--data",
                                tmp.data, "--config", tmp.config, "--listen", "127.0.0.1:0",
                                "--port-file", port], capture_output=True, text=True,
                               timeout=60)
            want = "mamori-center: --port-file: cannot write %s (%s: %s)" % (port, d, why)
            check(p.returncode == 2 and p.stderr.strip() == want,
                  "port file in %s: exit %d, %r" % (d, p.returncode, p.stderr))
            check(not os.path.exists(tmp.data), "data directory made: %s" % why)
        # the file made to check is removed: a start that fails after the check (a time
        # zone that does not exist) leaves the directory empty
        with open(tmp.config, "a") as f:
            f.write("[reports]\ntimezone = Mars/Olympus\n")
        p = subprocess.run([BIN, "--data", tmp.data, "--config", tmp.config, "--listen",
                            "127.0.0.1:0", "--port-file", os.path.join(ok, "port")],
                           capture_output=True, text=True, timeout=60)
        check(p.returncode == 2 and "Mars/Olympus" in p.stderr and os.listdir(ok) == [],
              "after the check: exit %d, %r, %r" % (p.returncode, p.stderr, os.listdir(ok)))
    finally:
        tmp.close()


DATA_DIR_TEXTS = {  # the step names the cause: the system's reason is not said as well
    "en": ("cannot create the data directory %s: %s", {
        "ENOTDIR": "a file is in the way (at that path, or where one of the directories "
                   "leading to it should be); move the file, or give another place with --data",
        "EPERM": "no permission to write in the directory above it; let the user "
                 "mamori-center runs as write there, or give another place with --data",
        "EROFS": "it is on a file system that cannot be written; give a place on a writable "
                 "one with --data",
        "ENOSPC": "the disk is full or the quota is used up; free some disk space, or give "
                  "another place with --data",
        # no step of the centre's own: the reason's text and its step (errors.json)
        "ELOOP": "too many symbolic links in the path, or links that point round in a loop; "
                 "check where the links point",
        "ENAMETOOLONG": "the file name or the path is too long; give a shorter one"}),
    "ja": ("データ用のフォルダー %s を作れません。%s", {
        "ENOTDIR": "そのパスか途中に、フォルダーではなくファイルがあります。そのファイルを移す"
                   "か、--data で別の場所を指定してください",
        "EPERM": "上のフォルダーに書き込む権限がありません。mamori-center を動かすユーザーが"
                 "書き込めるようにするか、--data で別の場所を指定してください",
        "EROFS": "書き込めないファイルシステムにあります。書き込めるファイルシステムの場所を "
                 "--data で指定してください",
        "ENOSPC": "ディスクの空きがないか、使える容量の上限に達しています。ディスクの空きを作るか、"
                  "--data で別の場所を指定してください",
        "ELOOP": "指定した場所の途中にあるシンボリックリンク（別の場所を指す目印のファイル）が多すぎる"
                 "か、リンクが輪になっています。リンクの行き先を確かめてください",
        "ENAMETOOLONG": "ファイルの名前か、フォルダーを含めた場所が長すぎます。もっと短い名前か場所を"
                        "指定してください"}),
}


def data_dir_refused(c, data, code, wrap=(), preexec=None):
    """The server and the admin command, in English and Japanese, each refuse data with one
    line naming it, the reason (code's text) and the next step, exit 1, leaving nothing."""
    for lang, env in (("en", "C.UTF-8"), ("ja", "ja_JP.UTF-8")):  # LC_ALL: over any other
        form, reasons = DATA_DIR_TEXTS[lang]
        want = form % (data, reasons[code])
        for args, prefix in (([BIN, "--data", data, "--config", c.config, "--listen",
                               "127.0.0.1:0"], " error: "),
                             ([BIN, "admin", "--data", data, "--config", c.config, "tenant",
                               "list"], "mamori-center admin: ")):
            p = subprocess.run(list(wrap) + args, capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, LC_ALL=env), preexec_fn=preexec)
            if p.returncode == 77 and preexec:
                return False
            lines = p.stderr.splitlines()
            check(p.returncode == 1 and len(lines) == 1 and lines[0].endswith(prefix + want),
                  "%s %s, %s: exit %d, %r (want %r)" % (args[1], data, lang, p.returncode,
                                                         p.stderr, want))
    return True


def without_file_override():
    """As root, a preexec_fn that drops the capability that passes over file permissions
    (CAP_DAC_OVERRIDE) from the bounding set before exec, so a directory of mode 0500
    refuses the centre as it does other users; the child exits 77 where that cannot be
    done. None when not root: permissions refuse already."""
    if os.geteuid() != 0:
        return None
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)

    def pre():
        if libc.prctl(24, 1, 0, 0, 0) != 0:  # PR_CAPBSET_DROP, CAP_DAC_OVERRIDE
            os._exit(77)
    return pre


def test_data_dir_unmakable():
    """A data directory that cannot be made is named with the reason and what to do, by the
    server and the admin command alike (it was "cannot create the data directory: PATH", no
    reason; a file at the path itself passed, then the database could not be opened): a
    file in the way, at the path or on it; a link loop and too long a name (their own
    texts, with one next step); no permission (as root, without the capability
    that passes over permissions); a read-only and a full file system in a mount namespace
    of their own (root only, skipped with a message elsewhere). An empty --data names no
    directory: a usage error, as none."""
    c = Center()
    try:
        afile = os.path.join(c.tmp, "afile")
        with open(afile, "w") as f:
            f.write("not a directory\n")
        data_dir_refused(c, afile, "ENOTDIR")
        data_dir_refused(c, os.path.join(afile, "data"), "ENOTDIR")
        with open(afile) as f:
            check(f.read() == "not a directory\n", "the file in the way was changed")
        # a link loop and too long a name: their own texts, whose step is the only one (it
        # read "...; check where the links point): check the path, or give another place")
        loop = os.path.join(c.tmp, "loop")
        os.symlink("loop", loop)
        data_dir_refused(c, os.path.join(loop, "data"), "ELOOP")
        data_dir_refused(c, os.path.join(c.tmp, "n" * 256), "ENAMETOOLONG")
        closed = os.path.join(c.tmp, "closed")
        os.mkdir(closed, 0o500)
        if not data_dir_refused(c, os.path.join(closed, "data"), "EPERM",
                                preexec=without_file_override()):
            print("SKIP part: the capability to pass over permissions cannot be dropped here, "
                  "a directory without permission not tested")
        check(os.listdir(closed) == [], "made in the closed directory: %r" % os.listdir(closed))
        for args in (["--data", "", "--config", c.config, "--listen", "127.0.0.1:0"],
                     ["admin", "--data", "", "--config", c.config, "tenant", "list"]):
            p = subprocess.run([BIN] + args, capture_output=True, text=True, timeout=60,
                               cwd=c.tmp)
            check(p.returncode == 2 and "give the data directory with --data" in p.stderr,
                  "--data '': exit %d, %r" % (p.returncode, p.stderr))
        if os.geteuid() != 0 or not shutil.which("unshare"):
            print("SKIP part: not root or no unshare, a data directory on a read-only or full "
                  "file system not tested")
            return
        ro, full = (os.path.join(c.tmp, d) for d in ("ro", "full"))
        for d in (ro, full):
            os.mkdir(d)
        mounts = ("mount -t tmpfs -o size=64k tmpfs {ro} && mount -o remount,ro {ro} && "
                  "mount -t tmpfs -o size=64k,nr_inodes=1 tmpfs {full}").format(ro=ro, full=full)
        p = subprocess.run(["unshare", "-m", "sh", "-c", mounts + " && ! mkdir %s/x 2>/dev/null"
                            % full], capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            print("SKIP part: no mount namespace with tmpfs here (%s), a data directory on a "
                  "read-only or full file system not tested" % p.stderr.strip())
            return
        wrap = ("unshare", "-m", "sh", "-c", mounts + ' && exec "$@"', "sh")
        data_dir_refused(c, os.path.join(ro, "data"), "EROFS", wrap)
        data_dir_refused(c, os.path.join(full, "a", "data"), "ENOSPC", wrap)
    finally:
        if os.path.isdir(os.path.join(c.tmp, "closed")):
            os.chmod(os.path.join(c.tmp, "closed"), 0o700)
        c.close()


def test_https():
    if not shutil.which("openssl"):
        print("SKIP part: openssl not installed, HTTPS not tested")
        return
    c = Center(tls=True)
    try:
        cert, key = os.path.join(c.tmp, "cert.pem"), os.path.join(c.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=localhost"],
                       check=True, capture_output=True, timeout=120)
        World(c)
        # only the files in force are read: the file's, which the options replace, are not
        with open(c.config, "a") as f:
            f.write("[server]\ntls_cert = %s\ntls_key = %s\n" %
                    (os.path.join(c.tmp, "none.crt"), os.path.join(c.tmp, "none.key")))
        c.start(extra=["--tls-cert", cert, "--tls-key", key])
        s = c.login("owner@a.example")  # checks the name: __Host-mm_session
        https_cookie_and_hsts(c, s)
        r = c.request("GET", "/api/v1/me", session=s)
        check(r.status == 200, "me over HTTPS: %r" % r)
        reload_under_https(c)
        c.tls = False
        try:
            r = c.request("GET", "/api/v1/me")
            check(r.status >= 400, "plain HTTP to the TLS port: %r" % r)
        except (OSError, Exception):
            pass
        c.tls = True
        check(c.stop() == 0, "HTTPS server stops cleanly")
        tls_files_read_once(c, cert, key)
    finally:
        c.close()


def https_cookie_and_hsts(c, s):
    """Under HTTPS the session cookie is __Host-mm_session (Secure, Path=/, no
    Domain: a browser keeps it only from this very host over HTTPS), and the
    plain name is not read; every reply says Strict-Transport-Security
    (until session 28 the cookie was mm_session and no reply had HSTS)."""
    attrs = [a.strip() for a in s.set_cookie.split(";")]
    check("Secure" in attrs and "Path=/" in attrs, "Secure, Path=/ under HTTPS: %s" % s.set_cookie)
    check(all(not a.lower().startswith("domain=") for a in attrs), "no Domain: %s" % s.set_cookie)
    r = c.request("GET", "/api/v1/me", headers={"Cookie": "mm_session=" + s.cookie})
    check(r.status == 401, "the plain name is not a session under HTTPS: %r" % r)
    hsts = "max-age=31536000"
    for path in ("/", "/api/v1/me", "/api/v1/nothing-here"):
        r = c.request("GET", path)
        check(r.headers.get("strict-transport-security") == hsts,
              "HSTS on %s: %r" % (path, r.headers))
    other = c.login("staff@a.example")
    r = c.request("POST", "/api/v1/logout", session=other)
    check(r.status == 204 and r.headers.get("strict-transport-security") == hsts, "logout: %r" % r)
    gone = r.headers.get("set-cookie", "")
    check(gone.startswith("__Host-mm_session=;") and "Max-Age=0" in gone and "Secure" in gone,
          "logout clears the __Host- cookie: %s" % gone)


def reload_under_https(c):
    """A reload says the TLS files are read only at start; the file's
    tls_cert/tls_key, which the options replace, are not what a restart
    would use, so no "a restart with this file would fail" for them."""
    c.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 60
    while "reloaded " not in c.server_log() and time.time() < deadline:
        time.sleep(0.05)
    log = c.server_log()
    check("TLS certificate and key files are read only at start" in log,
          "the reload says the TLS files are read at start: %s" % log[-1500:])
    check("a restart with this file would fail" not in log,
          "the options' files checked, not the file's: %s" % log[-1500:])


def test_sighup_harmless_before_serve():
    """SIGHUP to an admin subcommand (here one waiting for its password on
    stdin) is harmless: blocked from the top of main, it used to kill it."""
    c = Center()
    try:
        p = subprocess.Popen([BIN, "admin", "--data", c.data, "--config", c.config,
                              "create-admin", "--email", "hup@a.example", "--password-stdin"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)  # past the start: reading the password
        p.send_signal(signal.SIGHUP)
        out, err = p.communicate("correct-horse-battery\n", timeout=60)
        check(p.returncode == 0, "admin after SIGHUP: exit %d, %s" % (p.returncode, err))
    finally:
        c.close()


def tls_files_read_once(c, cert, key):
    """The TLS certificate and key are opened once each: the check before anything starts
    reads them and hands the texts to the server (it read them again when it started
    listening, so a file changed in between could pass the check and fail, or differ,
    there). Counted with strace on a start that serves HTTPS and stops on SIGTERM."""
    if not shutil.which("strace"):
        print("SKIP part: no strace, TLS file reads not counted")
        return
    trace = os.path.join(c.tmp, "trace-tls")
    if os.path.exists(c.port_file):
        os.unlink(c.port_file)
    p = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", trace,
                          BIN, "--data", c.data, "--config", c.config, "--listen", "127.0.0.1:0",
                          "--port-file", c.port_file, "--tls-cert", cert, "--tls-key", key],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not os.path.exists(c.port_file) and p.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        if p.poll() is not None:
            err = p.stderr.read()
            if "ptrace" in err:
                print("SKIP part: strace cannot trace here: " + err.strip())
                return
            check(False, "centre under strace exited %d: %s" % (p.returncode, err))
        check(os.path.exists(c.port_file), "centre under strace did not start")
        children = open("/proc/%d/task/%d/children" % (p.pid, p.pid)).read().split()
        check(len(children) == 1, "the traced centre: %r" % children)
        os.kill(int(children[0]), signal.SIGTERM)
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    with open(trace) as f:
        lines = f.readlines()
    for path in (cert, key):
        opens = [line for line in lines if '"%s"' % path in line]
        check(len(opens) == 1, "%s opened %d times: %s" % (path, len(opens), "".join(opens)))


def test_zone_looked_up_once():
    """[reports] timezone is looked up in the tz database once: the check before anything
    starts loads the zone the centre then uses (it was checked there, then checked and
    looked up again when the store opened: three access() calls). Counted with strace on
    the admin command, which starts the same way."""
    zone = "Europe/Berlin"
    if not shutil.which("strace") or os.environ.get("TZDIR") or \
            not os.path.exists("/usr/share/zoneinfo/" + zone):
        print("SKIP part: no strace or no %s in /usr/share/zoneinfo, look-ups not counted" % zone)
        return
    c = Center(config="[reports]\ntimezone = %s\n" % zone)
    try:
        trace = os.path.join(c.tmp, "trace")
        p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=access,faccessat,faccessat2",
                            "-o", trace, BIN, "admin", "--data", c.data, "--config", c.config,
                            "tenant", "list"], capture_output=True, text=True, timeout=120)
        if p.returncode != 0 and "ptrace" in p.stderr:
            print("SKIP part: strace cannot trace here: " + p.stderr.strip())
            return
        check(p.returncode == 0, "admin under strace: %d %s" % (p.returncode, p.stderr))
        with open(trace) as f:
            looks = [line for line in f if "/" + zone in line]
        check(len(looks) == 1, "zone looked up %d times: %s" % (len(looks), "".join(looks)))
    finally:
        c.close()


def test_ipv6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
    except OSError:
        print("SKIP part: no IPv6 loopback, [::1] not tested")
        return
    c = Center(listen="[::1]:0")
    try:
        World(c)
        c.start()
        r = c.request("POST", "/api/v1/login",
                      {"email": "owner@a.example", "password": "correct-horse-battery"})
        check(r.status == 200, "login over IPv6: %r" % r)
        check(c.stop() == 0, "IPv6 server stops cleanly")
    finally:
        c.close()


def soft_open_file_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    fail("no open-file limit in /proc/%d/limits" % pid)


def test_open_file_limit():
    """A low soft open-file limit is raised toward what max_connections can
    use (3 files each + 64); a hard limit below that leaves a warning."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 3 * 300 + 64:
        print("skip: hard open-file limit %d is too low for this test" % hard)
        return
    c = Center("[server]\nmax_connections = 300\n")
    try:
        c.start(preexec=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard)))
        check(soft_open_file_limit(c.proc.pid) == 3 * 300 + 64,
              "soft limit raised to 964: %d" % soft_open_file_limit(c.proc.pid))
        check("open-file limit" not in c.server_log(), "no warning: " + c.server_log())
        check(c.stop() == 0, "clean stop")
        c.start(preexec=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (128, 200)))
        check(soft_open_file_limit(c.proc.pid) == 200, "soft limit raised to the hard one")
        check("the open-file limit is 200; max_connections = 300 needs about 964" in
              c.server_log(), "warning: " + c.server_log())
        check(c.request("GET", "/api/v1/me").status == 401, "still serves")
    finally:
        c.close()


def main():
    c = Center()
    try:
        w = start_world(c)
        test_sigterm_in_flight(c, w)
        test_rehash_on_login(c)
        test_newer_database_refused(c)
    finally:
        c.close()
    test_bad_config()
    test_port_file_when_up()
    test_port_file_dir_honest()
    test_data_dir_unmakable()
    test_open_file_limit()
    test_https()
    test_sighup_harmless_before_serve()
    test_zone_looked_up_once()
    test_ipv6()
    print("ok")


if __name__ == "__main__":
    main()
