# SPDX-License-Identifier: Apache-2.0
"""centerlib's safety net: a failing test keeps its centres' directories
(for their server.log), a passing one has them removed. Each case runs a
small script that opens a centre fixture (not started: no server needed)
and ends in its own way; the directory must be kept or gone after it."""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from centerlib import check  # noqa: E402

PRELUDE = "import sys, centerlib\nc = centerlib.Center()\nprint(c.tmp, flush=True)\n"

# (how the script ends, its exit code, the directory kept?)
CASES = [
    ("pass", "", 0, False),
    ("sys.exit(0)", "sys.exit(0)", 0, False),
    ("skip", "sys.exit(77)", 77, False),
    ("closed", "c.close()", 0, False),
    ("fail()", "centerlib.fail('x')", 1, True),
    ("exception", "raise ValueError('x')", 1, True),
    ("sys.exit(1)", "sys.exit(1)", 1, True),
    ("exit(2)", "exit(2)", 2, True),
    ("sys.exit(1) then close", "try:\n    sys.exit(1)\nfinally:\n    c.close()", 1, True),
    ("fail() then close", "try:\n    centerlib.fail('x')\nfinally:\n    c.close()", 1, True),
]


def main():
    env = dict(os.environ, PYTHONPATH=HERE)
    for name, tail, code, kept in CASES:
        p = subprocess.run([sys.executable, "-c", PRELUDE + tail], env=env, capture_output=True,
                           text=True, timeout=60)
        tmp = p.stdout.split("\n")[0].strip()
        check(tmp.startswith("/"), "%s: no directory printed: %r %r" % (name, p.stdout, p.stderr))
        there = os.path.isdir(tmp)
        if there:
            shutil.rmtree(tmp, ignore_errors=True)
        check(p.returncode == code, "%s: exit %d, want %d: %s" % (name, p.returncode, code,
                                                                  p.stderr))
        check(there == kept, "%s: directory %s" % (name, "kept" if there else "removed"))
        check(("kept " + tmp in p.stderr) == kept, "%s: stderr %r" % (name, p.stderr))
    print("ok")


if __name__ == "__main__":
    main()
