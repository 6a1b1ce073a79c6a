#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Golden-file runner for command-line integration tests (stdlib only).

Each case is a directory under CASES:
  args             one argument per line (blank lines and lines starting with
                   '#' are skipped); placeholders: @SRC@ source tree, @CASE@ the
                   case directory, @TMP@ a fresh temporary directory
  env              optional KEY=VALUE lines added to the environment
                   (KEY= with no value removes KEY)
  stdin            optional file fed to standard input (default: empty)
  init/            optional files copied into @TMP@ before the run
  init.shared      optional lines "NAME FILE": after init/, FILE is copied to
                   @TMP@/NAME (its folders made); FILE may use @SRC@ and @CASE@.
                   A fixture many cases start from (a diagnosis report, a big
                   file) is kept once under tests/cli/*/fixtures/ and named
                   here, not copied into each init/. No spaces in NAME or FILE
  expected.stdout  exact standard output (optional when expected.contains exists)
  expected.stderr  optional exact standard error
  expected.exit    exit status (default 0)
  expected.contains  optional: each non-empty line must occur in stdout
  expected.files   optional: lines "NAME" - after the run @TMP@/NAME must exist
                   and be non-empty
Output is compared after replacing the temporary directory by @TMP@ and the
source tree by @SRC@. With UPDATE_GOLDEN=1 the expected.* files are rewritten
from the actual run (read them before committing).

Usage: golden.py --bin PROGRAM --cases DIR [--case NAME ...]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("MAMORI_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))


def read(path, default=None):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default


def subst(text, case_dir, tmp):
    return text.replace("@SRC@", SRC).replace("@CASE@", case_dir).replace("@TMP@", tmp)


def normalise(data, tmp):
    text = data.decode("utf-8", "replace")
    return text.replace(os.path.realpath(tmp), "@TMP@").replace(tmp, "@TMP@").replace(SRC, "@SRC@")


def case_env(case_dir, tmp):
    env = dict(os.environ)
    env.setdefault("TZ", "UTC")
    env.setdefault("MAMORI_DATE", "2026-04-01")
    env["HOME"] = tmp  # never touch the real home (progress files, kept diagnoses)
    env.pop("XDG_STATE_HOME", None)
    env.pop("XDG_DATA_HOME", None)  # the kept diagnoses go under HOME (@TMP@) too
    for line in (read(os.path.join(case_dir, "env"), b"").decode().splitlines()):
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if value:
            env[key] = subst(value, case_dir, tmp)
        else:
            env.pop(key, None)
    return env


def prepare(case_dir, tmp):
    """Fills tmp with the case's starting files: init/, then init.shared.
    Returns a list of failure messages (a bad init.shared line)."""
    init = os.path.join(case_dir, "init")
    if os.path.isdir(init):
        shutil.copytree(init, tmp, dirs_exist_ok=True)
    failures = []
    lines = read(os.path.join(case_dir, "init.shared"), b"").decode().splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) != 2 or os.path.isabs(fields[0]) or ".." in fields[0].split("/"):
            failures.append("init.shared line %d: not NAME FILE: %s" % (n, line))
            continue
        dest = os.path.join(tmp, fields[0])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        try:
            shutil.copy2(subst(fields[1], case_dir, tmp), dest)
        except OSError as e:
            failures.append("init.shared line %d: %s" % (n, e))
    return failures


def run_case(binary, case_dir, update):
    """Runs one case; returns a list of failure messages (empty when it passed)."""
    tmp = tempfile.mkdtemp(prefix="mm-golden-")
    try:
        failures = prepare(case_dir, tmp)
        if failures:
            return failures
        args = [subst(a, case_dir, tmp) for a in read(os.path.join(case_dir, "args"), b"")
                .decode().splitlines() if a.strip() and not a.startswith("#")]
        stdin = read(os.path.join(case_dir, "stdin"), b"")
        proc = subprocess.run([binary] + args, input=stdin, capture_output=True,
                              env=case_env(case_dir, tmp), cwd=tmp, timeout=60)
        out, err = normalise(proc.stdout, tmp), normalise(proc.stderr, tmp)
        paths = {k: os.path.join(case_dir, "expected." + k) for k in
                 ("stdout", "stderr", "exit", "contains", "files")}
        if update:
            if read(paths["contains"]) is None or read(paths["stdout"]) is not None:
                open(paths["stdout"], "w").write(out)
            if err or read(paths["stderr"]) is not None:
                open(paths["stderr"], "w").write(err)
            open(paths["exit"], "w").write("%d\n" % proc.returncode)
            return []
        want_exit = int((read(paths["exit"], b"0").decode().strip() or "0"))
        if proc.returncode != want_exit:
            failures.append("exit %d, expected %d" % (proc.returncode, want_exit))
        want_out = read(paths["stdout"])
        if want_out is not None and out != want_out.decode():
            failures.append("stdout differs:\n" + diff(want_out.decode(), out))
        want_err = read(paths["stderr"])
        if want_err is not None and err != want_err.decode():
            failures.append("stderr differs:\n" + diff(want_err.decode(), err))
        for line in read(paths["contains"], b"").decode().splitlines():
            if line.strip() and line not in out:
                failures.append("stdout lacks: " + line)
        for line in read(paths["files"], b"").decode().splitlines():
            p = os.path.join(tmp, line.strip())
            if line.strip() and (not os.path.isfile(p) or os.path.getsize(p) == 0):
                failures.append("missing or empty output file: " + line.strip())
        if failures and err and want_err is None:
            failures.append("stderr was:\n" + err)
        return failures
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def diff(want, got):
    import difflib
    lines = difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                 "expected", "actual", n=2)
    return "".join(list(lines)[:80])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--case", action="append")
    opts = ap.parse_args()
    update = os.environ.get("UPDATE_GOLDEN") == "1"
    names = opts.case or sorted(d for d in os.listdir(opts.cases)
                                if os.path.isfile(os.path.join(opts.cases, d, "args")))
    failed = 0
    for name in names:
        failures = run_case(os.path.abspath(opts.bin), os.path.join(opts.cases, name), update)
        print("%s %s" % ("FAIL" if failures else ("UPDATED" if update else "ok  "), name))
        for f in failures:
            print("    " + f.replace("\n", "\n    "))
        failed += bool(failures)
    print("%d of %d cases failed" % (failed, len(names)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
