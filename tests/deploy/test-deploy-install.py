# SPDX-License-Identifier: Apache-2.0
"""`cmake --install` gives a tree that works on its own: with DESTDIR and
prefix /usr (a package's layout) mamori lands in usr/bin, mamori-sensor and
mamori-center in usr/sbin, the man pages (English and Japanese, sections 1
and 8) in usr/share/man, the units in systemd's unit directory, the default
settings in etc/mamori; with --prefix DIR alone everything lands under DIR.
The installed programs run from there, away from the source and build
trees (their data is embedded: --version, the threats text, the centre's
web UI), and a second install (an upgrade) keeps settings the vendor
changed while it replaces the programs."""

import os
import signal
import subprocess
import http.client
import time

from deploylib import BUILD, check, fail, install, man_built, remove, tmpdir

PROGRAMS = {"usr/bin/mamori": "mamori", "usr/sbin/mamori-sensor": "mamori-sensor",
            "usr/sbin/mamori-center": "mamori-center"}
PAGES = ["man1/mamori.1", "man1/mamori-diagnose.1", "man8/mamori-sensor.8",
         "man8/mamori-center.8"]


def clean_env():
    """No MAMORI_* variable, no path into the build; the sanitizers' settings
    of `make check` (its ASan build) kept."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"}
    for k in ("ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def run(prog, *args, cwd):
    """A program of the installed tree with no trace of the build: an empty
    working directory and an environment without MAMORI_* variables."""
    return subprocess.run([prog] + list(args), cwd=cwd, env=clean_env(), capture_output=True,
                          text=True, timeout=60)


def check_programs(root, empty):
    for rel, name in PROGRAMS.items():
        path = os.path.join(root, rel)
        check(os.access(path, os.X_OK), "%s not installed (or not executable)" % rel)
        p = run(path, "--version", cwd=empty)
        check(p.returncode == 0 and p.stdout.startswith(name + " "),
              "%s --version: exit %d, %r %r" % (rel, p.returncode, p.stdout, p.stderr))
    # embedded content: the threats text comes from data/, built into the binary
    p = run(os.path.join(root, "usr/bin/mamori"), "threats", "--format", "json", cwd=empty)
    check(p.returncode == 0 and "ransomware" in p.stdout, "mamori threats: %r" % p.stderr)


def check_centre_web(root, empty):
    """The installed centre serves its web UI (embedded assets) and stops cleanly."""
    data, port_file = os.path.join(empty, "data"), os.path.join(empty, "port")
    proc = subprocess.Popen([os.path.join(root, "usr/sbin/mamori-center"), "--data", data,
                             "--listen", "127.0.0.1:0", "--port-file", port_file],
                            cwd=empty, env=clean_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30
        while not os.path.exists(port_file):
            if proc.poll() is not None:
                fail("installed centre exited: %s" % proc.stderr.read())
            check(time.time() < deadline, "installed centre did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            port = int(f.read())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/")
        r = conn.getresponse()
        body = r.read().decode()
        conn.close()
        check(r.status == 200 and "<html" in body.lower(), "web UI: %d" % r.status)
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
    check(rc == 0, "installed centre: exit %d after SIGTERM" % rc)


def check_man(root):
    if not man_built():
        print("SKIP (part): go-md2man is not installed, so no man pages were built: "
              "their installation is not checked")
        return
    for lang in ("", "ja/"):
        for page in PAGES:
            path = os.path.join(root, "usr/share/man", lang + page)
            check(os.path.getsize(path) > 1000 if os.path.exists(path) else False,
                  "man page not installed: usr/share/man/%s%s" % (lang, page))


def check_package_layout(dest):
    units = [os.path.join(dest, d) for d in ("lib/systemd/system", "usr/lib/systemd/system")]
    found = [d for d in units if os.path.exists(os.path.join(d, "mamori-center.service"))]
    check(found, "mamori-center.service not in lib/systemd/system or usr/lib/systemd/system")
    check(os.path.exists(os.path.join(found[0], "mamori-sensor@.service")),
          "mamori-sensor@.service not beside mamori-center.service")
    with open(os.path.join(found[0], "mamori-center.service")) as f:
        check("ExecStart=/usr/sbin/mamori-center " in f.read(),
              "the centre's unit does not start /usr/sbin/mamori-center")
    for ini in ("center.ini", "sensor.ini"):
        check(os.path.exists(os.path.join(dest, "etc/mamori", ini)), "etc/mamori/%s missing" % ini)
    check(os.path.isdir(os.path.join(dest, "etc/mamori/intel")), "etc/mamori/intel missing")
    check(os.path.exists(os.path.join(dest, "usr/lib/sysusers.d/mamori.conf")),
          "usr/lib/sysusers.d/mamori.conf missing")


def check_upgrade_keeps_settings(dest):
    ini = os.path.join(dest, "etc/mamori/center.ini")
    with open(ini, "w") as f:
        f.write("[server]\nlisten = 127.0.0.1:9999\n")
    os.unlink(os.path.join(dest, "usr/sbin/mamori-center"))
    out = install(dest)
    with open(ini) as f:
        check(f.read() == "[server]\nlisten = 127.0.0.1:9999\n",
              "a second install replaced the vendor's center.ini")
    check("Kept: " + ini in out, "the install does not say it kept center.ini:\n" + out)
    check(os.path.exists(os.path.join(dest, "usr/sbin/mamori-center")),
          "a second install did not put mamori-center back")


def check_prefix_only(tmp, empty):
    """--prefix DIR without DESTDIR: nothing outside DIR, and the units name
    DIR's programs and settings."""
    prefix = os.path.join(tmp, "opt-mamori")
    out = subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], capture_output=True,
                         text=True, timeout=120)
    check(out.returncode == 0, "cmake --install --prefix: %s" % out.stderr)
    for line in out.stdout.splitlines():
        if line.startswith("-- Installing: ") or line.startswith("-- Up-to-date: "):
            path = line.split(": ", 1)[1]
            check(path.startswith(prefix + "/"), "installed outside the prefix: " + path)
    for rel in ("bin/mamori", "sbin/mamori-sensor", "sbin/mamori-center"):
        check(os.access(os.path.join(prefix, rel), os.X_OK), "%s missing under --prefix" % rel)
    with open(os.path.join(prefix, "lib/systemd/system/mamori-center.service")) as f:
        unit = f.read()
    check("ExecStart=%s/sbin/mamori-center " % prefix in unit and
          "--config %s/etc/mamori/center.ini" % prefix in unit,
          "the unit does not name the prefix's program and settings:\n" + unit)
    p = run(os.path.join(prefix, "sbin/mamori-sensor"), "--version", cwd=empty)
    check(p.returncode == 0, "mamori-sensor --version under --prefix: %r" % p.stderr)


def main():
    tmp = tmpdir("install")
    try:
        dest, empty = os.path.join(tmp, "dest"), os.path.join(tmp, "empty")
        os.mkdir(empty)
        install(dest)
        check_programs(dest, empty)
        check_centre_web(dest, empty)
        check_man(dest)
        check_package_layout(dest)
        check_upgrade_keeps_settings(dest)
        check_prefix_only(tmp, empty)
    finally:
        remove(tmp)
    print("ok")


if __name__ == "__main__":
    try:
        main()
    except subprocess.TimeoutExpired as e:
        fail("timed out: %s" % e)
