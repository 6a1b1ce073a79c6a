#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The mamori command says why a file could not be read or written, in the
system's terms (mm_error_from_errno), where it used to say "input/output error":
1. no permission: `diagnose --history` on a folder it may not list ("permission
   denied") and `policy --profile` on a file it may not read ("not permitted",
   still exit 4: it was exit 4 by a list of codes that did not hold EPERM). As
   root, mode 000 does not deny: the command then runs without the capabilities
   that override it (setpriv), and the part is skipped with a message where
   that cannot be done;
2. `policy --out` on a read-only and on a full file system: each its own advice
   (the read-only one was "not permitted to write there", the full one
   "could not write the documents (input/output error)"). Real tmpfs mounts in
   a mount namespace (unshare -m), so as root where that works; skipped with a
   message elsewhere;
3. `risk --output` there: the system's reason in brackets after "could not
   write" (errors.json EROFS, ENOSPC), with what to do and no bracket inside
   the bracket (they read "(read-only file system (cannot write))" in Japanese
   and "(no space left on the disk (or the quota is used up))");
4. `--output -` in audit, declare, diagnose, risk and rules is a usage error
   (exit 2, "--output needs a file name (write ./- for a file named -)"), not
   a file named "-" written where every reading option's "-" is standard
   input: nothing is written.

Usage: fs_errors_test.py --bin PROGRAM
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
ANSWERS = os.path.join(SRC, "data", "demo", "diagnose-answers.json")
ENV = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
FAILURES = []


def check(ok, what):
    if not ok:
        FAILURES.append(what)
        print("FAIL: " + what)


def without_dac_override():
    """The prefix that runs a command unable to pass over file permissions, [] when the
    test does not run as root, None when it cannot be done."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        return None
    prefix = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search",
              "--"]
    p = subprocess.run(prefix + ["true"], capture_output=True)
    return prefix if p.returncode == 0 else None


def run(cmd):
    # stdin closed: run from a terminal, policy would ask its questions.
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=60,
                          stdin=subprocess.DEVNULL)


def test_no_permission(mamori, tmp):
    prefix = without_dac_override()
    if prefix is None:
        print("SKIP part: root without setpriv, no permission not tested")
        return
    hist = os.path.join(tmp, "hist")
    os.mkdir(hist, 0o000)
    profile = os.path.join(tmp, "profile.ini")
    with open(profile, "w") as f:
        f.write("[company]\nname = A\n")
    os.chmod(profile, 0o000)
    try:
        for lang, want in (("en", "mamori diagnose: %s: could not be read (permission denied)" % hist),
                           ("ja", "mamori diagnose: %s: 読み込めませんでした（権限がありません）" % hist)):
            p = run(prefix + [mamori, "--lang", lang, "diagnose", "--answers", ANSWERS,
                              "--history", hist])
            check(p.returncode == 4 and p.stderr.strip() == want,
                  "diagnose --history unlistable (%s): exit %d, %r" % (lang, p.returncode,
                                                                       p.stderr))
        for lang, want in (("en", "mamori policy: %s: cannot read the profile file — not "
                            "permitted" % profile),
                           ("ja", "mamori policy: %s: " % profile)):
            p = run(prefix + [mamori, "--lang", lang, "policy", "--profile", profile, "--out",
                              os.path.join(tmp, "out")])
            check(p.returncode == 4 and p.stderr.startswith(want) and
                  "input/output" not in p.stderr and "読み書き" not in p.stderr,
                  "policy --profile unreadable (%s): exit %d, %r" % (lang, p.returncode,
                                                                     p.stderr))
    finally:
        os.chmod(hist, 0o700)
        os.chmod(profile, 0o600)


def test_read_only_and_full(mamori, tmp):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        print("SKIP part: not root or no unshare, a read-only or full file system not tested")
        return
    ro, full = os.path.join(tmp, "ro"), os.path.join(tmp, "full")
    os.mkdir(ro)
    os.mkdir(full)
    mounts = ("mount -t tmpfs -o size=64k tmpfs {ro} && mount -o remount,ro {ro} && "
              "mount -t tmpfs -o size=16k tmpfs {full}").format(ro=ro, full=full)
    p = subprocess.run(["unshare", "-m", "sh", "-c", mounts], capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        print("SKIP part: no mount namespace with tmpfs here (%s), a read-only or full file "
              "system not tested" % p.stderr.strip())
        return
    cases = ((ro, "en", "it is on a read-only file system; give a directory you can write to "
              "with --out"),
             (ro, "ja", "ここは読み取り専用の場所のため書き込めません"),
             (full, "en", "there is no space left on the disk; make room or give a place on "
              "another disk with --out"),
             (full, "ja", "ディスクの空きが足りないため書き込めません"))
    for d, lang, want in cases:
        out = os.path.join(d, "policy")
        p = subprocess.run(["unshare", "-m", "sh", "-c", mounts + ' && exec "$@"', "sh", mamori,
                            "--lang", lang, "policy", "--name", "A", "--out", out],
                           capture_output=True, stdin=subprocess.DEVNULL, text=True, env=ENV, timeout=60)
        check(p.returncode == 4 and p.stderr.startswith("mamori policy: ") and
              want in p.stderr,
              "policy --out in %s (%s): exit %d, %r" % (os.path.basename(d), lang,
                                                        p.returncode, p.stderr))
    # the generic reason (errors.json), here after risk's "could not write"; a file system
    # with no inode left is full for the small template as well
    mounts = mounts.replace("size=16k", "size=16k,nr_inodes=1")
    cases = ((ro, "en", "could not write (read-only file system; give a place you can write to)"),
             (ro, "ja", "書き込めませんでした（この場所は読み取り専用です。書き込める場所を指定して"
              "ください）"),
             (full, "en", "could not write (no space left on the disk, or the quota is used up; "
              "free some space)"),
             (full, "ja", "書き込めませんでした（ディスクの空きがないか、使える容量の上限に達して"
              "います。不要なファイルを消して空きを作ってください）"))
    for d, lang, want in cases:
        out = os.path.join(d, "inventory.csv")
        p = subprocess.run(["unshare", "-m", "sh", "-c", mounts + ' && exec "$@"', "sh", mamori,
                            "--lang", lang, "risk", "--template", "--output", out],
                           capture_output=True, stdin=subprocess.DEVNULL, text=True, env=ENV, timeout=60)
        check(p.returncode == 4 and p.stderr == "mamori risk: %s: %s\n" % (out, want),
              "risk --output in %s (%s): exit %d, %r" % (os.path.basename(d), lang,
                                                       p.returncode, p.stderr))


def test_output_dash(mamori, tmp):
    work = os.path.join(tmp, "dash")
    os.mkdir(work)
    all_yes = os.path.join(SRC, "tests", "cli", "rules", "fixtures", "all-yes.json")
    runs = (["audit"], ["declare", "--org", "A"], ["diagnose", "--answers", ANSWERS],
            ["risk", "--template"], ["rules", "--answers", all_yes])
    want = {"en": "--output needs a file name (write ./- for a file named -)",
            "ja": "--output にはファイル名を指定してください（「-」という名前のファイルにするには ./- と書きます）"}
    for args in runs:
        for lang in ("en", "ja"):
            p = subprocess.run([mamori, "--lang", lang] + args + ["--output", "-"], cwd=work,
                               capture_output=True, text=True, stdin=subprocess.DEVNULL,
                               env=dict(ENV, HOME=work), timeout=60)
            check(p.returncode == 2 and p.stdout == "" and
                  p.stderr == "mamori %s: %s\n" % (args[0], want[lang]),
                  "%s --output - (%s): exit %d, %r" % (args[0], lang, p.returncode, p.stderr))
            check(not os.path.exists(os.path.join(work, "-")),
                  "%s --output - (%s) wrote a file named -" % (args[0], lang))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    args = ap.parse_args()
    mamori = os.path.abspath(args.bin)
    tmp = tempfile.mkdtemp(prefix="mm-fs-errors-")
    os.chmod(tmp, 0o755)  # setpriv keeps root: only the capabilities go
    try:
        test_no_permission(mamori, tmp)
        test_read_only_and_full(mamori, tmp)
        test_output_dash(mamori, tmp)
    finally:
        shutil.rmtree(tmp)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
