# SPDX-License-Identifier: Apache-2.0
"""The frame shared by the golden-file drivers tests/cli/audit/run.py and
tests/cli/risk/run.py (stdlib only): run the real `mamori` in a work folder
with the fixed test environment, record failed checks, compare bytes with a
golden file in expected/ (or rewrite it with --update), and the main()
that parses "run.py MAMORI_BINARY [--update]" and reports.
"""
import os
import shutil
import subprocess
import sys


class Suite:
    def __init__(self, name, expected, work):
        self.name, self.expected, self.work = name, expected, work
        self.binary, self.update, self.failures = None, False, []

    def run(self, args, cwd=None, stdin=None):
        """Runs mamori ARGS; returns (exit code, stdout bytes, stderr text)."""
        env = dict(os.environ, TZ="UTC", MAMORI_DATE="2026-04-01", LANG="C.UTF-8", LC_ALL="")
        p = subprocess.run([self.binary] + args, cwd=cwd or self.work, input=stdin,
                           capture_output=True, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")

    def check(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL:", what)

    def golden(self, name, data):
        """Compares data with expected/name, or rewrites it with --update."""
        path = os.path.join(self.expected, name)
        if self.update:
            with open(path, "wb") as f:
                f.write(data)
            return
        with open(path, "rb") as f:
            want = f.read()
        self.check(data == want, "%s differs from the golden file:\n--- got\n%s\n--- want\n%s" %
                   (name, data.decode("utf-8", "replace")[:3000],
                    want.decode("utf-8", "replace")[:3000]))

    def main(self, usage, setup, tests):
        """Runs setup() and every test; the work folder is kept on failure."""
        if len(sys.argv) < 2:
            print(usage)
            return 2
        self.binary = os.path.abspath(sys.argv[1])
        self.update = "--update" in sys.argv[2:]
        setup()
        for t in tests:
            t()
        if self.failures:
            print("%d failure(s)" % len(self.failures))
            return 1
        shutil.rmtree(self.work, ignore_errors=True)
        print("%s: all checks passed" % self.name)
        return 0
