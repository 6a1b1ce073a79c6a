#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cmark older than 0.29 keeps raw HTML and javascript: links by default, so
mamori refuses it twice: configuring with a libcmark.pc of version 0.28.3
first on PKG_CONFIG_PATH fails, naming libcmark and 0.29 (CMakeLists.txt);
and src/core/html.c does not compile against a cmark_version.h saying
0.28.3 (its #error), while it does against one saying 0.29.0."""

import os
import shutil
import subprocess
import sys
import tempfile


def configure(src, tmp):
    pc = os.path.join(tmp, "pc")
    os.mkdir(pc)
    with open(os.path.join(pc, "libcmark.pc"), "w") as f:
        f.write("Name: libcmark\nDescription: too old\nVersion: 0.28.3\nLibs: -lcmark\nCflags:\n")
    env = dict(os.environ, PKG_CONFIG_PATH=pc)
    p = subprocess.run(["cmake", "-S", src, "-B", os.path.join(tmp, "build"), "-DMM_LTO=OFF"],
                       capture_output=True, text=True, env=env, timeout=120)
    said = " ".join((p.stdout + p.stderr).split())
    if p.returncode == 0 or "libcmark >= 0.29" not in said or "0.28.3" not in said:
        print("FAIL: configure with cmark 0.28.3: exit %d\n%s" % (p.returncode, p.stderr))
        return False
    return True


def compile_html(src, tmp, minor):
    """Compiles src/core/html.c with a cmark_version.h of 0.<minor>.0 read
    first (its include guard keeps the installed one out)."""
    hdr = os.path.join(tmp, "cmark_version_%d.h" % minor)
    with open(hdr, "w") as f:
        f.write("#ifndef CMARK_VERSION_H\n#define CMARK_VERSION_H\n"
                "#define CMARK_VERSION ((0 << 16) | (%d << 8) | 0)\n"
                "#define CMARK_VERSION_STRING \"0.%d.0\"\n#endif\n" % (minor, minor))
    cc = os.environ.get("CC", "cc")
    return subprocess.run([cc, "-fsyntax-only", "-include", hdr, "-I", os.path.join(src, "src"),
                           os.path.join(src, "src", "core", "html.c")],
                          capture_output=True, text=True, timeout=120)


def main():
    src = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="mm-cmark-min-")
    try:
        if not configure(src, tmp):
            return 1
        old = compile_html(src, tmp, 28)
        if old.returncode == 0 or "cmark 0.29 or newer" not in old.stderr:
            print("FAIL: html.c compiled against cmark 0.28: %s" % old.stderr)
            return 1
        new = compile_html(src, tmp, 29)
        if new.returncode != 0:
            print("FAIL: html.c against cmark 0.29: %s" % new.stderr)
            return 1
        print("ok: cmark 0.28 refused at configure and compile time, 0.29 compiles")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
