#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Security tests of mamori-sensor: what another account of the machine
could do to a sensor run (links planted in its output folders, files others
may read, the enrolment code in the process list, a folder of intel that
links back to itself) and what a centre's reply could put in its files.

    sec_test.py TEST SENSOR_BINARY

TEST is one of the functions named test_* below (dashes for underscores).
Tests that need root (switching user, a live capture) skip with a message
(exit 77) when not run as root. Exit 0 pass, 1 fail, 77 skipped."""
import gzip
import http.server
import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sensor_test as st  # noqa: E402

check, run, SKIP = st.check, st.run, st.SKIP


def small_capture(tmp):
    pcap = os.path.join(tmp, "in.pcap")
    st.many_udp_flows(pcap, 3)
    return pcap


def test_symlink_eve(tmp):
    """An EVE file that is a symbolic link (planted by an account that may
    write the output folder) is refused, named, and the file it points at is
    left as it was; before, the run (as root) appended its lines to it."""
    victim = os.path.join(tmp, "victim")
    with open(victim, "w") as f:
        f.write("keep\n")
    out = os.path.join(tmp, "out")
    os.mkdir(out)
    eve = os.path.join(out, "eve.json")
    os.symlink(victim, eve)
    for lang, says in (("en", "symbolic link"), ("ja", "シンボリックリンク")):
        r = run(["-r", small_capture(tmp), "--eve", eve, "--lang", lang])
        check(r.returncode == 4, "exit %d: %s" % (r.returncode, r.stderr))
        check(eve in r.stderr and says in r.stderr, r.stderr)
    with open(victim) as f:
        check(f.read() == "keep\n", "the linked file was written")
    # a plain file is still appended to
    os.unlink(eve)
    r = run(["-r", small_capture(tmp), "--eve", eve])
    check(r.returncode == 0 and len(st.events(eve)) > 0, r.stderr)


def test_symlink_spool(tmp):
    """The spool's lock file and its newest segment, when symbolic links,
    are refused and named (nothing is written through them); before, the
    lock was created and the segment repaired (cut, written) through the
    link."""
    victim = os.path.join(tmp, "victim")
    for name in ("lock", "00000000000000000001.seg"):
        with open(victim, "w") as f:
            f.write("keep\n")
        state = os.path.join(tmp, "state-" + name[:4])
        os.makedirs(os.path.join(state, "spool"))
        link = os.path.join(state, "spool", name)
        os.symlink(victim, link)
        r = run(["-r", small_capture(tmp), "--eve", os.devnull, "--state", state])
        check(r.returncode == 4, "%s: exit %d: %s" % (name, r.returncode, r.stderr))
        check(link in r.stderr and "symbolic link" in r.stderr, r.stderr)
        with open(victim) as f:
            check(f.read() == "keep\n", "%s: the linked file was changed" % name)


def test_file_modes(tmp):
    """With umask 022 the EVE file and devices.json are 0640, as the
    spool's files (they were 0644: any account read the network's
    devices and events)."""
    old = os.umask(0o022)
    try:
        eve = os.path.join(tmp, "eve.json")
        state = os.path.join(tmp, "state")
        r = run(["-r", small_capture(tmp), "--eve", eve, "--state", state])
    finally:
        os.umask(old)
    check(r.returncode == 0, r.stderr)
    for path in (eve, os.path.join(state, "devices.json")):
        mode = os.stat(path).st_mode & 0o777
        check(mode == 0o640, "%s: mode %o" % (path, mode))


def test_read_user(tmp):
    """As root, -r with --user runs as that account: the EVE file it
    creates is that account's. Without --user the run keeps its user."""
    if os.geteuid() != 0:
        print("read-user: needs root to switch user; skipped")
        return SKIP
    nobody = pwd.getpwnam("nobody")
    os.chmod(tmp, 0o755)
    pcap = small_capture(tmp)
    os.chmod(pcap, 0o644)
    out = os.path.join(tmp, "out")
    os.mkdir(out, 0o750)
    os.chown(out, nobody.pw_uid, nobody.pw_gid)
    eve = os.path.join(out, "eve.json")
    r = run(["-r", pcap, "--eve", eve, "--user", "nobody"])
    check(r.returncode == 0, r.stderr)
    check(os.stat(eve).st_uid == nobody.pw_uid, "owner %d" % os.stat(eve).st_uid)
    # a folder only root may write: the message says who the sensor runs as
    r = run(["-r", pcap, "--eve", os.path.join(tmp, "eve.json"), "--user", "nobody"])
    check(r.returncode == 4 and "runs as user nobody" in r.stderr, r.stderr)
    os.unlink(eve)
    r = run(["-r", pcap, "--eve", eve])
    check(r.returncode == 0 and os.stat(eve).st_uid == 0, r.stderr)


class FakeCentre:
    """A centre on http://127.0.0.1 (plain http: loopback): POST
    /api/v1/enrol answers `key` (sensor 7), POST /api/v1/events keeps the
    events and the Authorization headers; hang: accept the connection and
    never answer (the request body is kept in self.bodies)."""

    def __init__(self, key="mms_Abc-_09", hang=False):
        self.events, self.auth, self.bodies = [], [], []
        self.hang = threading.Event()
        if hang:
            self.hang.set()
        self.release = threading.Event()
        centre = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                centre.bodies.append(body)
                if centre.hang.is_set():
                    centre.release.wait(60)
                    return
                if self.path.endswith("/api/v1/enrol"):
                    reply = json.dumps({"key": key, "sensor_id": 7}).encode()
                    status = 201
                else:
                    if self.headers.get("Content-Encoding") == "gzip":
                        body = gzip.decompress(body)
                    lines = [json.loads(x) for x in body.decode().splitlines() if x.strip()]
                    centre.events.extend(lines)
                    centre.auth.append(self.headers.get("Authorization"))
                    reply = json.dumps({"accepted": len(lines), "duplicates": 0,
                                        "rejected": []}).encode()
                    status = 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def test_enrol_privdrop(tmp):
    """--enrol CODE -i IF as root, switching to --user nobody: uplink.conf,
    written by the enrolment for root alone (0600), is read before the
    switch, and the events reach the centre with the key. Before, the
    uplink's start read it as nobody and the run stopped (exit 2)."""
    if os.geteuid() != 0:
        print("enrol-privdrop: needs root to open a live capture; skipped")
        return SKIP
    nobody = pwd.getpwnam("nobody").pw_uid
    os.chmod(tmp, 0o755)
    state = os.path.join(tmp, "state")  # (the installer's: the sensor's user writes it)
    os.mkdir(state, 0o750)
    os.chown(state, nobody, -1)
    cfg = os.path.join(tmp, "s.ini")
    with open(cfg, "w") as f:
        f.write("[uplink]\nevent_types = flow\nflush_timeout = 5\n")
    centre = FakeCentre()
    try:
        p = subprocess.Popen([st.SENSOR, "--enrol", "ABCD-EFGH-JKLM-NPQR", "--center", centre.url,
                              "-i", "lo", "--bpf", "udp port 9", "--user", "nobody", "--eve",
                              os.devnull, "--state", state, "--config", cfg],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        lock = os.path.join(state, "spool", "lock")
        uid = st.proc_uid_when(p.pid, lambda u: u == nobody and st.fd_open(p.pid, lock), 300)
        if p.poll() is not None:
            _, err = p.communicate()
            if "cannot start the capture" in err or "Operation not permitted" in err:
                print("enrol-privdrop: live capture unavailable here: " + err.strip())
                return SKIP
            check(False, "the sensor stopped (%d): %s" % (p.returncode, err))
        check(uid == nobody, "uid %r" % uid)
        conf = os.stat(os.path.join(state, "uplink.conf"))
        check(conf.st_uid == 0 and conf.st_mode & 0o777 == 0o600, "uplink.conf %o" % conf.st_mode)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.sendto(b"x" * 20, ("127.0.0.1", 9))
        finally:
            sock.close()
        time.sleep(1.0)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
    finally:
        centre.close()
    check(p.returncode == 0 and st.sanitizer_clean(err), "exit %d: %s" % (p.returncode, err))
    flows = [e for e in centre.events if e.get("event_type") == "flow"]
    check(len(flows) >= 1, "%d flows delivered: %s" % (len(flows), err))
    check(set(centre.auth) == {"Bearer mms_Abc-_09"}, "Authorization %r" % centre.auth)


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read()


def test_enrol_cmdline(tmp):
    """While the centre is asked, the one-time code is not in
    /proc/PID/cmdline (any account reads it), in both --enrol CODE and
    --enrol=CODE; --enrol - reads it from standard input."""
    code = "WXYZ-2345-6789-ABCD"
    centre = FakeCentre(hang=True)
    try:
        for i, args in enumerate((["--enrol", code], ["--enrol=" + code], ["--enrol", "-"])):
            n = len(centre.bodies)
            p = subprocess.Popen([st.SENSOR] + args + ["--center", centre.url, "--state",
                                                       os.path.join(tmp, "st%d" % i)],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
            if args[-1] == "-":
                p.stdin.write((code + "\n").encode())
            p.stdin.close()
            end = time.monotonic() + 30
            while len(centre.bodies) == n and time.monotonic() < end and p.poll() is None:
                time.sleep(0.02)
            try:
                check(len(centre.bodies) > n, "%r: no request came" % args)
                check(code.encode() in centre.bodies[-1], "%r: body %r" % (args, centre.bodies[-1]))
                seen = cmdline(p.pid)
                check(code.encode() not in seen, "%r: /proc/PID/cmdline %r" % (args, seen))
                check(b"--center" in seen, "%r: %r" % (args, seen))
            finally:
                p.kill()
                p.wait()
                p.stderr.close()
    finally:
        centre.close()
    # an empty code from standard input is refused before the centre is asked
    r = run(["--enrol", "-", "--center", "http://127.0.0.1:9", "--state",
             os.path.join(tmp, "st")], input="\n")
    check(r.returncode == 2 and "standard input" in r.stderr, r.stderr)
    # nor with -r -: standard input cannot carry both
    r = run(["--enrol", "-", "--center", "http://127.0.0.1:9", "--state",
             os.path.join(tmp, "st"), "-r", "-"], input="ABCD-EFGH-JKLM-NPQR\n")
    check(r.returncode == 2 and "cannot go with -r -" in r.stderr, r.stderr)


def test_enrol_bad_key(tmp):
    """A key in the centre's reply that is not of the centre's form ("mms_"
    and base64url characters) is refused and nothing is saved: a line end
    would add lines to uplink.conf, CR LF headers to every request."""
    for key in ("mms_abc\nkey = mms_other", "mms_abc\r\nX-Evil: 1", "abc", "mms_a b"):
        centre = FakeCentre(key=key)
        state = os.path.join(tmp, "st%d" % len(key))
        try:
            r = run(["--enrol", "ABCD-EFGH-JKLM-NPQR", "--center", centre.url, "--state", state])
        finally:
            centre.close()
        check(r.returncode == 1 and "not of the centre's form" in r.stderr,
              "%r: exit %d: %s" % (key, r.returncode, r.stderr))
        check(not os.path.exists(os.path.join(state, "uplink.conf")), "%r: saved" % key)
    centre = FakeCentre()
    try:
        state = os.path.join(tmp, "good")
        r = run(["--enrol", "ABCD-EFGH-JKLM-NPQR", "--center", centre.url, "--state", state])
    finally:
        centre.close()
    check(r.returncode == 0, r.stderr)
    # a key edited by hand into uplink.conf is refused the same way
    conf = os.path.join(state, "uplink.conf")
    with open(conf, "a") as f:
        f.write("key = mms_a b\n")
    r = run(["-r", small_capture(tmp), "--eve", os.devnull, "--state", state])
    check(r.returncode == 2 and "uplink.conf" in r.stderr, "edited key: %r" % (r,))


def test_eve_stream(tmp):
    """--eve /dev/stdout and /dev/fd/1 (as >(cmd) gives /dev/fd/63) write
    the EVE lines there: a link to a pipe, a terminal or a device is
    followed when root or the run's own user made it. Before, exit 4 and
    "remove the link". A link to a regular file stays refused
    (test_symlink_eve), and so does one another account planted."""
    pcap = small_capture(tmp)
    for eve in ("/dev/stdout", "/dev/fd/1"):
        r = run(["-r", pcap, "--eve", eve], timeout=60)
        check(r.returncode == 0, "%s: exit %d: %s" % (eve, r.returncode, r.stderr))
        lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
        check(any(e.get("event_type") == "flow" for e in lines), "%s: %r" % (eve, r.stdout[:200]))
    if os.geteuid() != 0:
        print("eve-stream: the link of another account needs root; skipped that part")
        return 0
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    link = os.path.join(tmp, "eve.json")
    os.symlink(fifo, link)
    os.lchown(link, pwd.getpwnam("nobody").pw_uid, -1)
    r = run(["-r", pcap, "--eve", link], timeout=20)
    check(r.returncode == 4 and link in r.stderr and "symbolic link" in r.stderr,
          "nobody's link: exit %d: %s" % (r.returncode, r.stderr))


def test_state_unsafe(tmp):
    """STATE/uplink.conf is read as root, in a folder the --user account
    writes: a link (to /dev/zero, to root's own file with another key), a
    FIFO, a hard link or another account's file is refused at once, named;
    before, root read /dev/zero for ever, waited on the FIFO or used the
    linked key. A plain uplink.conf is still read, also one of the --user
    account (sensor-uplink-ca-privdrop)."""
    if os.geteuid() != 0:
        print("state-unsafe: needs root (the file is read as root); skipped")
        return SKIP
    nobody = pwd.getpwnam("nobody")
    pcap = small_capture(tmp)
    other = os.path.join(tmp, "root-only.conf")
    with open(other, "w") as f:
        f.write("[uplink]\ncenter = http://127.0.0.1:9\nkey = mms_other\nsensor_id = 3\n")
    os.chmod(other, 0o600)
    for name, says, plant in (
            ("zero", "symbolic link", lambda c: os.symlink("/dev/zero", c)),
            ("key", "symbolic link", lambda c: os.symlink(other, c)),
            ("fifo", "not a plain file", os.mkfifo),
            ("hardlink", "hard link", lambda c: os.link(other, c)),
            ("nobody", "not a plain file",
             lambda c: (open(c, "w").write(open(other).read()),
                        os.chown(c, nobody.pw_uid, nobody.pw_gid)))):
        state = os.path.join(tmp, "state-" + name)
        os.mkdir(state)
        conf = os.path.join(state, "uplink.conf")
        plant(conf)
        for lang, text in (("en", says), ("ja", None)):
            start = time.monotonic()
            r = run(["-r", pcap, "--eve", os.devnull, "--state", state, "--lang", lang],
                    timeout=30)
            took = time.monotonic() - start
            check(r.returncode == 2 and "uplink.conf" in r.stderr and state in r.stderr,
                  "%s %s: exit %d: %s" % (name, lang, r.returncode, r.stderr))
            check(text is None or text in r.stderr, "%s: %s" % (name, r.stderr))
            check(took < 20, "%s: %.1f s" % (name, took))
    centre = FakeCentre()
    try:
        state = os.path.join(tmp, "good")
        r = run(["--enrol", "ABCD-EFGH-JKLM-NPQR", "--center", centre.url, "--state", state])
        check(r.returncode == 0, r.stderr)
        r = run(["-r", pcap, "--eve", os.devnull, "--state", state], timeout=60)
        check(r.returncode == 0, "plain uplink.conf: exit %d: %s" % (r.returncode, r.stderr))
    finally:
        centre.close()


def test_long_lines(tmp):
    """A settings line longer than the reader takes is refused, naming the
    file and the line (its rest was read as a line of its own, silently);
    --enrol refuses a centre URL that uplink.conf could not hold."""
    cfg = os.path.join(tmp, "s.ini")
    with open(cfg, "w") as f:
        f.write("[output]\neve_max_bytes = 0 ; %s\n" % ("a" * 300))
    r = run(["-r", small_capture(tmp), "--eve", os.devnull, "--config", cfg])
    check(r.returncode == 2 and (cfg + ":2:") in r.stderr and "longer than 199 bytes" in r.stderr,
          "exit %d: %s" % (r.returncode, r.stderr))
    r = run(["-r", small_capture(tmp), "--eve", os.devnull, "--config", cfg, "--lang", "ja"])
    check(r.returncode == 2 and "2 行目が長すぎます" in r.stderr, r.stderr)
    centre = FakeCentre()
    try:
        for length, ok in ((189, True), (190, False)):
            url = centre.url + "/" + "p" * (length - len(centre.url) - 1)
            state = os.path.join(tmp, "st%d" % length)
            r = run(["--enrol", "ABCD-EFGH-JKLM-NPQR", "--center", url, "--state", state])
            if ok:
                check(r.returncode == 0, "%d: %s" % (length, r.stderr))
                with open(os.path.join(state, "uplink.conf")) as f:
                    check("center = " + url + "\n" in f.read(), "uplink.conf")
                r = run(["-r", small_capture(tmp), "--eve", os.devnull, "--state", state,
                         "--config", os.devnull])
                check(r.returncode == 0, "read back: %s" % r.stderr)
            else:
                check(r.returncode == 1 and "189 characters at most" in r.stderr,
                      "%d: exit %d: %s" % (length, r.returncode, r.stderr))
    finally:
        centre.close()


def test_intel_loops(tmp):
    """An intel folder with links back to itself (`ln -s . again`) is read
    once: each folder reached again is one report line. Before, 3 such
    links read it 3,280 times. A feed file that is a link is read."""
    feeds = os.path.join(tmp, "feeds")
    os.mkdir(feeds)
    with open(os.path.join(feeds, "a.txt"), "w") as f:
        f.write("198.51.100.7\n")
    outside = os.path.join(tmp, "outside.txt")
    with open(outside, "w") as f:
        f.write("evil.example\n")
    os.symlink(outside, os.path.join(feeds, "b.txt"))
    for name in ("l1", "l2", "l3"):
        os.symlink(".", os.path.join(feeds, name))
    os.mkdir(os.path.join(feeds, "sub"))
    os.symlink("..", os.path.join(feeds, "sub", "up"))
    started = time.monotonic()
    r = run(["-r", small_capture(tmp), "--eve", os.devnull, "--intel", feeds], timeout=60)
    took = time.monotonic() - started
    check(r.returncode == 0, r.stderr)
    lines = [x for x in r.stderr.splitlines() if "intel " in x]
    again = [x for x in lines if "already read" in x]
    check(len(again) == 4, "%d lines, %d again:\n%s" % (len(lines), len(again),
                                                         "\n".join(lines[:20])))
    check(sum(1 for x in lines if "/a.txt:" in x) == 1 and
          sum(1 for x in lines if "/b.txt:" in x and "1 loaded" in x) == 1, "\n".join(lines))
    check(len(lines) < 10 and took < 30, "%d lines in %.1f s" % (len(lines), took))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    name = sys.argv[1]
    st.SENSOR = os.path.abspath(sys.argv[2])
    return st.run_named(name, globals()["test_" + name.replace("-", "_")], "mm-sensor-sec-")


if __name__ == "__main__":
    sys.exit(main())
