# SPDX-License-Identifier: Apache-2.0
"""Shared by the deployment tests: installs the build into a temporary
directory as a package would (DESTDIR, prefix /usr) and reads systemd unit
files. Python stdlib only."""

import os
import shutil
import subprocess
import sys
import tempfile

BUILD = os.environ.get("MAMORI_BUILD_DIR", os.getcwd())
SOURCE = os.environ.get("MAMORI_SOURCE_DIR", os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def install(dest=None, prefix="/usr", component=None):
    """cmake --install BUILD --prefix PREFIX, with DESTDIR=dest when given; the output."""
    args = ["cmake", "--install", BUILD, "--prefix", prefix]
    if component:
        args += ["--component", component]
    env = dict(os.environ)
    env.pop("DESTDIR", None)
    if dest:
        env["DESTDIR"] = dest
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "cmake --install failed: %s%s" % (p.stdout, p.stderr))
    return p.stdout


def man_built():
    """The man pages are made only with go-md2man (docs/CMakeLists.txt)."""
    return os.path.exists(os.path.join(BUILD, "man", "man8", "mamori-center.8"))


def read_unit(path):
    """{section: [(key, value), ...]} of a unit file (no line continuations
    are used in ours: one is refused)."""
    sections, cur = {}, None
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            check(not line.endswith("\\"), "%s:%d: a continued line" % (path, n))
            if line.startswith("["):
                cur = sections.setdefault(line.strip("[]"), [])
                continue
            check(cur is not None and "=" in line, "%s:%d: not key=value: %s" % (path, n, line))
            k, v = line.split("=", 1)
            cur.append((k.strip(), v.strip()))
    return sections


def unit_values(unit, section, key):
    return [v for k, v in unit.get(section, []) if k == key]


def tmpdir(name):
    d = tempfile.mkdtemp(prefix="mm-deploy-%s-" % name)
    os.chmod(d, 0o755)  # the sensor's unprivileged user walks through it
    return d


def remove(d):
    shutil.rmtree(d, ignore_errors=True)
