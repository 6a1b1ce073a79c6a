# SPDX-License-Identifier: Apache-2.0
"""The frame shared by the golden-file drivers tests/cli/audit/run.py and
tests/cli/risk/run.py (stdlib only): run the real `mamori` in a work folder
with the fixed test environment (HOME an empty folder of its own), record failed checks, compare bytes with a
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
        self.home = work.rstrip("/") + "-home"  # HOME of every run, beside the work folder
        self.binary, self.update, self.failures = None, False, []

    def run(self, args, cwd=None, stdin=None, env=None):
        """Runs mamori ARGS; returns (exit code, stdout bytes, stderr text).
        HOME is self.home (empty unless a test puts files there) and
        XDG_DATA_HOME is unset, so nothing kept in the real home (a
        self-diagnosis) is ever read; env adds variables."""
        os.makedirs(self.home, exist_ok=True)
        run_env = dict(os.environ, TZ="UTC", MAMORI_DATE="2026-04-01", LANG="C.UTF-8", LC_ALL="",
                       HOME=self.home)
        run_env.pop("XDG_DATA_HOME", None)
        run_env.update(env or {})
        # stdin is never the terminal (policy would ask its questions).
        p = subprocess.run([self.binary] + args, cwd=cwd or self.work,
                           input=stdin if stdin is not None else b"",
                           capture_output=True, env=run_env, timeout=60)
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
        shutil.rmtree(self.home, ignore_errors=True)
        setup()
        for t in tests:
            t()
        if self.failures:
            print("%d failure(s)" % len(self.failures))
            return 1
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.rmtree(self.home, ignore_errors=True)
        print("%s: all checks passed" % self.name)
        return 0
