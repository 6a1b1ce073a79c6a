#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Configures the project (into a temporary directory) with a jansson.pc of
version 2.10 first on PKG_CONFIG_PATH: configuring must fail at once with the
message naming the Jansson version mamori needs (CMakeLists.txt,
MM_JANSSON_MIN) and the one found, not later in the build."""

import os
import shutil
import subprocess
import sys
import tempfile


def main():
    src = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="mm-jansson-min-")
    try:
        pc = os.path.join(tmp, "pc")
        os.mkdir(pc)
        with open(os.path.join(pc, "jansson.pc"), "w") as f:
            f.write("Name: Jansson\nDescription: too old\nVersion: 2.10\nLibs: -ljansson\n"
                    "Cflags:\n")
        env = dict(os.environ, PKG_CONFIG_PATH=pc)
        p = subprocess.run(["cmake", "-S", src, "-B", os.path.join(tmp, "build"),
                            "-DMM_LTO=OFF"], capture_output=True, text=True, env=env,
                           timeout=120)
        said = " ".join(p.stderr.split())
        if p.returncode == 0 or "mamori needs Jansson 2.11 or newer (version 2.10 found)" not in said:
            print("FAIL: configure with Jansson 2.10: exit %d\n%s" % (p.returncode, p.stderr))
            return 1
        print("ok: Jansson 2.10 refused at configure time")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
