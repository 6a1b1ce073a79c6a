#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Where the mamori command's result goes, for every command with --output
(audit, declare, diagnose, risk, rules):
1. --output naming a device node (a copy of /dev/null; as root only, skipped
   with a message else), a FIFO (read by another process) or a link to
   /proc/self/fd/1 (standard output, here a pipe) writes into it: it was
   replaced by a regular file (as root, /dev/null itself);
2. --output naming a link to an existing report kept at mode 0640 replaces
   the report where it is: the link stays a link, the report keeps its mode
   (it became 0644, or 0600 for audit);
3. --output '' is a usage error (exit 2, "--output is empty"), not
   "mamori risk: : could not write" (exit 4);
4. standard output that takes nothing (/dev/full) is exit 4 with "standard
   output ...: could not write (no space left ...)" in ja and en, also for
   threats, policy's summary, declare and rules (they said nothing, exit 0)
   and diagnose (it said "input/output error");
5. without hard links (FAT, exFAT: link() fails with EPERM, made so by
   strace's fault injection; skipped with a message without strace), a
   diagnosis kept in --history is still saved, by renameat2 or, with that
   failing too (EINVAL, an older kernel's FAT), created directly; a second one
   takes the next name, the first is not replaced (it was "cannot write
   DIR (permission denied)", exit 4).

Usage: output_target_test.py --bin PROGRAM
"""
import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
ANSWERS = os.path.join(SRC, "data", "demo", "diagnose-answers.json")
ALL_YES = os.path.join(SRC, "tests", "cli", "rules", "fixtures", "all-yes.json")
ENV = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
FAILURES = []
# each command with --output; what it writes there is not empty (declare: a record
# of the five rules, written by rules in main())
RUNS = [["audit"], ["declare", "--org", "A", "--rules", None],
        ["diagnose", "--answers", ANSWERS], ["risk", "--template"],
        ["rules", "--answers", ALL_YES]]
STDOUT = {"en": "standard output (where the result goes: the screen, or where > or | sends "
                "it): could not write (no space left on the disk, or the quota is used up; "
                "free some space)",
          "ja": "標準出力（結果を出す先。画面、または > や | でつないだ先のファイルやコマンド）: "
                "書き込めませんでした（ディスクの空きがないか、使える容量の上限に達しています。"
                "不要なファイルを消して空きを作ってください）"}


def check(ok, what):
    if not ok:
        FAILURES.append(what)
        print("FAIL: " + what)


def run(mamori, args, work, stdout=subprocess.PIPE, lang="en"):
    return subprocess.run([mamori, "--lang", lang] + args, cwd=work, stdout=stdout,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          env=dict(ENV, HOME=work), timeout=60)


def ran(p):
    """A run that wrote its result: exit 0 or 1 (a negative result), nothing on stderr
    but audit's notes."""
    return p.returncode in (0, 1)


def test_device(mamori, work):
    if os.geteuid() != 0:
        print("SKIP part: not root, --output to a device node not tested")
        return
    dev = os.path.join(work, "null")
    for args in RUNS:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        p = run(mamori, args + ["--output", dev], work)
        mode = os.lstat(dev).st_mode
        check(ran(p) and stat.S_ISCHR(mode),
              "%s --output DEVICE: exit %d, %s, %r" % (args[0], p.returncode,
                                                       "still a device" if stat.S_ISCHR(mode)
                                                       else "replaced by a file", p.stderr))
        os.unlink(dev)


def read_all(fd):
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_fifo(mamori, work):
    fifo = os.path.join(work, "fifo")
    os.mkfifo(fifo)
    for args in RUNS:
        # the reader is open before the command runs: its open does not wait, and what
        # it writes (under 64 KiB) waits in the pipe
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        p = run(mamori, args + ["--output", fifo], work)
        got = read_all(reader)
        os.close(reader)
        mode = os.lstat(fifo).st_mode
        check(ran(p) and stat.S_ISFIFO(mode) and len(got) > 0,
              "%s --output FIFO: exit %d, %s, reader got %d bytes" % (
                  args[0], p.returncode, "still a FIFO" if stat.S_ISFIFO(mode) else "replaced",
                  len(got)))
        if not stat.S_ISFIFO(mode):
            os.unlink(fifo)
            os.mkfifo(fifo)
    os.unlink(fifo)


def test_link_to_stdout(mamori, work):
    link = os.path.join(work, "mystdout")
    os.symlink("/proc/self/fd/1", link)
    for args in RUNS:
        p = run(mamori, args + ["--output", link], work)
        check(ran(p) and os.path.islink(link) and len(p.stdout) > 0,
              "%s --output LINK-TO-STDOUT: exit %d, %s, %d bytes on the pipe, %r" % (
                  args[0], p.returncode, "link kept" if os.path.islink(link) else "replaced",
                  len(p.stdout), p.stderr))
        if not os.path.islink(link):
            os.unlink(link)
            os.symlink("/proc/self/fd/1", link)


def test_link_to_report(mamori, work):
    report, link = os.path.join(work, "report.txt"), os.path.join(work, "latest")
    os.symlink("report.txt", link)
    for args in RUNS:
        with open(report, "w") as f:
            f.write("old\n")
        os.chmod(report, 0o640)
        p = run(mamori, args + ["--output", link], work)
        with open(report) as f:
            text = f.read()
        mode = stat.S_IMODE(os.stat(report).st_mode)
        want = 0o600 if args[0] == "audit" else 0o640  # audit's report: 0600 at most
        check(ran(p) and os.path.islink(link) and text != "old\n" and mode == want,
              "%s --output LINK-TO-REPORT: exit %d, %s, %s, mode %o" % (
                  args[0], p.returncode, "link kept" if os.path.islink(link) else "replaced",
                  "written" if text != "old\n" else "report not written", mode))
        if not os.path.islink(link):
            os.unlink(link)
            os.symlink("report.txt", link)


def test_audit_mode(mamori, work):
    """audit's report is 0600 also where it replaces a file others could read."""
    report = os.path.join(work, "audit.txt")
    with open(report, "w") as f:
        f.write("old\n")
    os.chmod(report, 0o644)
    p = run(mamori, ["audit", "--output", report], work)
    mode = stat.S_IMODE(os.stat(report).st_mode)
    check(ran(p) and mode == 0o600, "audit --output EXISTING-0644: exit %d, mode %o" % (
        p.returncode, mode))
    os.unlink(report)


def test_stdout_to_file(mamori, work):
    """--output /dev/stdout (or /dev/fd/1) with standard output sent to a file
    writes into it where the shell's > or >> left off: the file is not replaced,
    what came before and after stays."""
    log = os.path.join(work, "log.txt")
    for args in RUNS:
        for name in ("/dev/stdout", "/dev/fd/1"):
            with open(log, "w") as f:
                f.write("old\n")
            with open(log, "a") as out:
                p = run(mamori, args + ["--output", name], work, stdout=out)
            with open(log, "rb") as f:
                text = f.read()
            check(ran(p) and text.startswith(b"old\n") and len(text) > 20,
                  "%s --output %s >> log: exit %d, log %r" % (args[0], name, p.returncode,
                                                              text[:40]))
        cmd = "{ echo header; \"$0\" --lang en \"$@\"; echo footer; } > combo.txt"
        p = subprocess.run(["sh", "-c", cmd, mamori] + args + ["--output", "/dev/stdout"],
                           cwd=work, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                           env=dict(ENV, HOME=work), timeout=60)
        with open(os.path.join(work, "combo.txt"), "rb") as f:
            text = f.read()
        check(p.returncode == 0 and text.startswith(b"header\n") and text.endswith(b"footer\n")
              and len(text) > 30,
              "%s --output /dev/stdout in { header; ...; footer; } > combo: %r ... %r" % (
                  args[0], text[:20], text[-20:]))
    os.unlink(log)
    os.unlink(os.path.join(work, "combo.txt"))


def test_empty_output(mamori, work):
    want = {"en": "--output is empty; give the name of the file to write",
            "ja": "--output に空の名前が指定されています。書き込むファイルの名前を指定してください"}
    for args in RUNS:
        for lang in ("en", "ja"):
            p = run(mamori, args + ["--output", ""], work, lang=lang)
            err = p.stderr.decode()
            check(p.returncode == 2 and p.stdout == b"" and
                  err == "mamori %s: %s\n" % (args[0], want[lang]),
                  "%s --output '' (%s): exit %d, %r" % (args[0], lang, p.returncode, err))


def test_full_stdout(mamori, work):
    if not os.path.exists("/dev/full"):
        print("SKIP part: no /dev/full, standard output that takes nothing not tested")
        return
    runs = [["threats"], ["policy", "--name", "A", "--out", os.path.join(work, "policy")]]
    for args in runs + list(RUNS):
        for lang in ("en", "ja"):
            with open("/dev/full", "w") as full:
                p = run(mamori, args, work, stdout=full, lang=lang)
            err = p.stderr.decode()
            check(p.returncode == 4 and
                  err.endswith("mamori %s: %s\n" % (args[0], STDOUT[lang])),
                  "%s >/dev/full (%s): exit %d, %r" % (args[0], lang, p.returncode, err))


def strace_inject():
    """The strace prefix that makes link() fail with EPERM, None where strace cannot."""
    if not shutil.which("strace"):
        return None
    prefix = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=link,renameat2",
              "-e", "inject=link:error=EPERM"]
    p = subprocess.run(prefix + ["true"], capture_output=True)
    return prefix if p.returncode == 0 else None


def traced_env(work):
    """The environment of a program under strace: LeakSanitizer (the ASan build) stops
    with an error under ptrace, so leaks are not looked for there."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return dict(ENV, HOME=work, ASAN_OPTIONS=(asan + ":" if asan else "") + "detect_leaks=0")


def test_no_hard_links(mamori, work):
    prefix = strace_inject()
    if prefix is None:
        print("SKIP part: no strace with fault injection, a file system without hard links "
              "not tested")
        return
    ways = (("renameat2", prefix), ("create", prefix + ["-e", "inject=renameat2:error=EINVAL"]))
    for way, cmd in ways:
        hist = os.path.join(work, "hist-" + way)
        os.mkdir(hist)
        saved = []
        for _ in range(2):
            p = subprocess.run(cmd + [mamori, "--lang", "en", "diagnose", "--answers", ANSWERS,
                                      "--history", hist], capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, env=traced_env(work), timeout=60)
            saved.append((p.returncode, p.stderr))
        names = sorted(os.listdir(hist))
        check([r for r, _ in saved] == [0, 0] and len(names) == 2 and
              all(n.startswith("diagnose-") and n.endswith(".json") for n in names) and
              all(os.path.getsize(os.path.join(hist, n)) > 0 for n in names),
              "diagnose --history without hard links (%s): %r, folder holds %r" % (
                  way, saved, names))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    args = ap.parse_args()
    mamori = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="mm-output-target-")
    try:
        record = os.path.join(work, "rules.json")
        p = run(mamori, ["rules", "--answers", ALL_YES, "--output", record], work)
        check(p.returncode == 0, "rules --output FILE: exit %d, %r" % (p.returncode, p.stderr))
        RUNS[1][-1] = record
        test_device(mamori, work)
        test_fifo(mamori, work)
        test_link_to_stdout(mamori, work)
        test_link_to_report(mamori, work)
        test_audit_mode(mamori, work)
        test_stdout_to_file(mamori, work)
        test_empty_output(mamori, work)
        test_full_stdout(mamori, work)
        test_no_hard_links(mamori, work)
    finally:
        shutil.rmtree(work)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
