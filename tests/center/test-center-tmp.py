# SPDX-License-Identifier: Apache-2.0
"""centerlib's temporary directories (/tmp/mm-center-*): a failed test prints
where its centre was and the end of its server.log, then removes the
directory; MM_KEEP_TMP=1 keeps it for debugging; a passing test leaves none.
Runs small child scripts that use centerlib (no server needed)."""

import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from centerlib import check  # noqa: E402

CHILD = """
import sys
sys.path.insert(0, %r)
import centerlib
c = centerlib.Center()
print(c.tmp, flush=True)
c.log.write("a line of the server's log\\n")
try:
    if sys.argv[1] == "fail":
        centerlib.fail("on purpose")
finally:
    c.close()
""" % HERE


def run(outcome, keep):
    env = dict(os.environ)
    env.pop("MM_KEEP_TMP", None)
    if keep:
        env["MM_KEEP_TMP"] = "1"
    p = subprocess.run([sys.executable, "-c", CHILD, outcome], capture_output=True, text=True,
                       env=env, timeout=60)
    tmp = p.stdout.strip()
    check(re.search(r"/mm-center-[^/]+$", tmp), "child's directory: %r %r" % (p.stdout, p.stderr))
    return p, tmp


def main():
    p, tmp = run("fail", keep=False)
    check(p.returncode == 1 and not os.path.exists(tmp),
          "a failed test's directory is removed: exit %d, %s exists %s" %
          (p.returncode, tmp, os.path.exists(tmp)))
    check(tmp in p.stderr and "a line of the server's log" in p.stderr and
          "MM_KEEP_TMP=1" in p.stderr, "its path and log said: %r" % p.stderr)
    p, tmp = run("fail", keep=True)
    kept = os.path.isdir(tmp) and os.path.exists(os.path.join(tmp, "server.log"))
    if os.path.isdir(tmp):
        shutil.rmtree(tmp)
    check(p.returncode == 1 and kept and tmp in p.stderr and "kept" in p.stderr,
          "MM_KEEP_TMP=1 keeps it: exit %d, %r" % (p.returncode, p.stderr))
    p, tmp = run("pass", keep=True)
    check(p.returncode == 0 and not os.path.exists(tmp) and p.stderr == "",
          "a passing test leaves nothing: exit %d, %r" % (p.returncode, p.stderr))
    print("ok: centerlib temporary directories")


if __name__ == "__main__":
    main()
