# SPDX-License-Identifier: Apache-2.0
"""centerlib's safety net and temporary directories (/tmp/mm-center-*): a
failing test prints where its centre was and the end of its server.log, then
removes the directory, or keeps it with MM_KEEP_TMP=1 (for debugging); a
passing one leaves nothing, whatever MM_KEEP_TMP says. Each case runs a small
script that opens a centre fixture (not started: no server needed) and ends
in its own way; the directory must be kept or gone after it."""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from centerlib import check  # noqa: E402

PRELUDE = ("import sys, centerlib\nc = centerlib.Center()\nprint(c.tmp, flush=True)\n"
           "c.log.write(\"a line of the server's log\\n\")\n")

# (how the script ends, its exit code, whether it failed)
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


def run_case(name, tail, code, failed, keep):
    env = dict(os.environ, PYTHONPATH=HERE)
    env.pop("MM_KEEP_TMP", None)
    if keep:
        env["MM_KEEP_TMP"] = "1"
    name = "%s%s" % (name, " (MM_KEEP_TMP=1)" if keep else "")
    p = subprocess.run([sys.executable, "-c", PRELUDE + tail], env=env, capture_output=True,
                       text=True, timeout=60)
    tmp = p.stdout.split("\n")[0].strip()
    check(tmp.startswith("/"), "%s: no directory printed: %r %r" % (name, p.stdout, p.stderr))
    there = os.path.isdir(tmp)
    if there:
        shutil.rmtree(tmp, ignore_errors=True)
    check(p.returncode == code, "%s: exit %d, want %d: %s" % (name, p.returncode, code, p.stderr))
    check(there == (failed and keep), "%s: directory %s" % (name, "kept" if there else "removed"))
    said = tmp in p.stderr and "a line of the server's log" in p.stderr
    check(said == failed, "%s: path and log said %s: %r" % (name, said, p.stderr))
    check(("kept " + tmp in p.stderr) == (failed and keep), "%s: stderr %r" % (name, p.stderr))
    check(("MM_KEEP_TMP=1 keeps it" in p.stderr) == (failed and not keep),
          "%s: how to keep it said: %r" % (name, p.stderr))


def main():
    for keep in (False, True):
        for case in CASES:
            run_case(*case, keep=keep)
    print("ok")


if __name__ == "__main__":
    main()
