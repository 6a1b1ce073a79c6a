#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Drives `mamori diagnose` interactively through a pseudo-terminal: answer
with number keys and arrow keys + Enter, go back with b and the left arrow,
change an answer, quit with q (progress saved), resume after the prompt,
start over and quit at once (the earlier answers stay),
finish, and check the result; then check that Ctrl-C restores the terminal
and that Ctrl-Z stops with the terminal restored and continuing works.

Usage: pty_test.py --bin PROGRAM
"""
import functools
import json
import os
import signal
import subprocess
import sys
import termios

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import ptysession  # noqa: E402

DOWN, LEFT, RIGHT = b"\x1b[B", b"\x1b[D", b"\x1b[C"


Session = functools.partial(ptysession.Session, screen=True)


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def interactive_diagnosis(binary, tmp):
    """Answer, back, change, quit, resume, finish, Ctrl-C, Ctrl-Z."""
    # HOME and XDG_DATA_HOME in tmp: the progress file and the results an
    # interactive run keeps never touch the real home.
    data = os.path.join(tmp, "data")
    env = dict(os.environ, HOME=tmp, TERM="xterm", MAMORI_DATE="2026-04-01", TZ="UTC",
               XDG_DATA_HOME=data)
    env.pop("XDG_STATE_HOME", None)
    kept_dir = os.path.join(data, "mamori", "diagnosis")
    out = os.path.join(tmp, "result.json")
    progress = os.path.join(tmp, ".local/state/mamori/diagnose-progress.json")
    argv = [binary, "--lang", "en", "diagnose", "--format", "json", "--output", out]

    # First run: answer 1 (done), 2 (partly), 3 with arrows + Enter (not done),
    # go back to 3, change it to done, then quit.
    s = Session(argv, env)
    s.expect("[1/25]")
    s.expect("> 1) Done")
    s.send(b"1")
    s.expect("[2/25]")
    s.send(b"2")
    s.expect("[3/25]")
    s.send(DOWN + DOWN)
    s.expect("> 3) Not done")
    s.send(b"\r")
    s.expect("[4/25]")
    s.send(b"b")
    screen = s.expect("> 3) Not done (current answer)")  # back on item 3, cursor on its answer
    check("[3/25]" in screen, "b did not go back to item 3")
    s.send(b"1")
    s.expect("[4/25]")
    s.send(b"q")
    code, tail = s.finish()
    check(code == 0, "quit: exit %r" % code)
    check("saved" in tail, "quit did not say where progress went:\n" + tail)
    check(not os.path.exists(out), "a report was written although the person quit")
    saved = json.load(open(progress))
    check(saved["answers"] == {"1": "done", "2": "partly", "3": "done"},
          "progress file holds %r" % saved["answers"])

    # Second run: the saved answers are offered; accept and go on from item 4.
    s = Session(argv, env)
    s.expect("3 answers saved")
    s.send(b"y")
    s.expect("[4/25]")
    for item in range(4, 26):
        if item == 10:  # left arrow back to 9 (answered N/A), right arrow forward again
            s.send(LEFT)
            s.expect("> 5) Not applicable (current answer)")
            s.send(RIGHT)
            s.expect("[10/25]")
        key = b"5" if item == 9 else b"4" if item == 12 else b"1"
        s.send(key)
        if item < 25:
            s.expect("[%d/25]" % (item + 1))
    code, tail = s.finish()
    check(code == 0, "finish: exit %r" % code)
    check("All 25 items are answered; the result is saved in %s." % out in tail,
          "finishing with --output did not say where the result went:\n" + tail[-300:])
    result = json.load(open(out))
    answers = {i["id"]: i["answer"] for i in result["items"]}
    check(answers[1] == "done" and answers[2] == "partly" and answers[3] == "done",
          "answers of the first run were lost: %r" % answers)
    check(answers[9] == "na" and answers[12] == "unknown", "answers %r" % answers)
    check(result["score"] == 93, "score %r" % result["score"])
    check(result["unknown"] == [12] and result["na"] == [9], "lists %r %r" %
          (result["unknown"], result["na"]))
    check(not os.path.exists(progress), "progress file kept after finishing")
    # Answered on the terminal, the result is kept where mamori declare,
    # mamori policy and mamori audit look, and the closing text names all three.
    kept = os.path.join(kept_dir, "diagnose-2026-04-01.json")
    check(os.path.isfile(kept), "the result was not kept in %s" % kept_dir)
    check("the result is kept in %s" % kept in tail and
          all("\"mamori %s\"" % c in tail for c in ("declare", "policy", "audit")),
          "the closing text did not say where the result was kept and who uses it:\n" +
          tail[-400:])
    check(json.load(open(kept))["score"] == 93, "kept result differs from the report")
    check_kept_used(binary, env, tmp, kept)

    # Third run: --resume skips the question; N/A is not offered where it
    # cannot apply (key 5 on item 1 does nothing); Ctrl-C restores the terminal.
    s = Session(argv + ["--resume"], env)
    s.expect("[1/25]")
    attrs = termios.tcgetattr(s.fd)
    check(not attrs[3] & termios.ECHO, "raw mode is not active")
    s.send(b"5")
    s.expect("[1/25]")  # still on item 1
    s.send(b"\x03")
    while s.read_some(20) is not None:
        pass
    _, status = os.waitpid(s.pid, 0)
    check(os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT,
          "Ctrl-C: status %r" % status)
    attrs = termios.tcgetattr(s.fd)
    check(attrs[3] & termios.ECHO and attrs[3] & termios.ICANON,
          "terminal left in raw mode after Ctrl-C")
    os.close(s.fd)

    # Ctrl-Z under job control: the stopped program leaves the terminal cooked
    # (echo on); once continued it is raw again, redraws the question and
    # takes keys as before.
    suspend = [binary, "--lang", "en", "diagnose", "--progress", os.path.join(tmp, "tstp.json")]
    s = Session(suspend, env, job_control=True)
    s.expect("[1/25]")
    s.send(b"1")
    s.expect("[2/25]")
    check(not s.lflag() & termios.ECHO, "raw mode is not active before Ctrl-Z")
    s.stop_with_ctrl_z()
    check(s.lflag() & termios.ECHO and s.lflag() & termios.ICANON,
          "terminal left in raw mode while stopped by Ctrl-Z")
    s.resume()
    s.expect("[2/25]")  # drawn again
    check(not s.lflag() & termios.ECHO, "raw mode not re-applied after continuing")
    s.send(b"2")
    s.expect("[3/25]")
    s.send(b"q")
    code, tail = s.finish()
    check(code == 0, "quit after fg: exit %r" % code)
    check(json.load(open(os.path.join(tmp, "tstp.json")))["answers"] == {"1": "done", "2": "partly"},
          "answers around Ctrl-Z were not kept")

    # "n" (start over) then quit before a new answer: the earlier answers
    # stay saved (they were deleted); the first new answer replaces them.
    tstp = os.path.join(tmp, "tstp.json")
    s = Session(suspend, env)
    s.expect("2 answers saved")
    s.send(b"n")
    s.expect("[1/25]")
    s.send(b"q")
    code, tail = s.finish()
    check(code == 0, "start over, quit: exit %r" % code)
    check("earlier answers are still saved in %s" % tstp in tail, "start over, quit:\n" + tail)
    check(json.load(open(tstp))["answers"] == {"1": "done", "2": "partly"},
          "starting over and quitting lost the saved answers")
    s = Session(suspend, env)
    s.expect("2 answers saved")
    s.send(b"n")
    s.expect("[1/25]")
    s.send(b"3")
    s.expect("[2/25]")
    s.send(b"q")
    code, tail = s.finish()
    check(code == 0 and json.load(open(tstp))["answers"] == {"1": "not"},
          "a new answer after starting over: exit %r, %r" % (code, json.load(open(tstp))))

    # Quitting before the first answer saves nothing and says so (it claimed
    # to have saved the answers so far and left an empty progress file).
    empty = os.path.join(tmp, "empty.json")
    s = Session([binary, "--lang", "en", "diagnose", "--progress", empty], env)
    s.expect("[1/25]")
    s.send(b"q")
    code, tail = s.finish()
    check(code == 0, "quit at once: exit %r" % code)
    check("no question was answered yet, so nothing is saved" in tail, "quit at once:\n" + tail)
    check(not os.path.exists(empty), "quit at once left a progress file")

    # The screen in Japanese, with its own progress file.
    ja = [binary, "--lang", "ja", "diagnose", "--progress", os.path.join(tmp, "ja.json")]
    s = Session(ja, env)
    s.expect("> 1) できている")
    s.send(b"3")
    s.expect("[2/25]")
    # A Japanese input method left on sends full-width keys: "２" answers
    # partly, "ｑ" stops, as "2" and "q" do.
    s.send("２".encode())
    s.expect("[3/25]")
    s.send("ｑ".encode())
    code, tail = s.finish()
    check(code == 0, "ja quit: exit %r" % code)
    check("途中までの回答を保存しました" in tail, "ja quit message:\n" + tail)
    check(json.load(open(os.path.join(tmp, "ja.json")))["answers"] == {"1": "not", "2": "partly"},
          "ja progress")

    # When the report cannot be written, the answers are not thrown away.
    keep = os.path.join(tmp, "keep.json")
    with open(keep, "w") as f:
        json.dump({"answers": {str(i): "done" for i in range(1, 25)}}, f)
    bad_out = [binary, "--lang", "en", "diagnose", "--progress", keep, "--resume",
               "--output", os.path.join(tmp, "no", "such", "dir", "r.txt")]
    s = Session(bad_out, env)
    s.expect("[25/25]")
    s.send(b"1")
    code, tail = s.finish()
    check(code == 4, "bad output: exit %r" % code)
    check(len(json.load(open(keep))["answers"]) == 25, "answers lost when the report failed")
    check(os.listdir(kept_dir) == ["diagnose-2026-04-01.json"], "a failed report was kept")

    check_keeping(binary, env, tmp, kept_dir)

    # A damaged progress file is an input error naming the file (exit 3), not
    # silently discarded answers.
    os.makedirs(os.path.dirname(progress), exist_ok=True)
    with open(progress, "w") as f:
        f.write('{"answers": {"1": "maybe"}}')
    s = Session(argv, env)
    code, tail = s.finish()
    check(code == 3, "bad progress: exit %r" % code)
    check("broken progress file" in tail and "item 1" in tail, "message was:\n" + tail)

    # An oversized progress file (over 256 KiB) is damaged too: exit 3 like
    # the one above and like an oversized answers file (it gave 4).
    with open(progress, "w") as f:
        f.write('{"answers": {"1": "done"}}' + " " * (256 * 1024))
    s = Session(argv, env)
    code, tail = s.finish()
    check(code == 3, "oversized progress: exit %r" % code)
    check("broken progress file" in tail and "file too large" in tail, "message was:\n" + tail)

def finish_last(binary, env, tmp, name, extra, key=b"1"):
    """Answers item 25 of a run resumed with 24 answers; returns (exit, tail)."""
    progress = os.path.join(tmp, name)
    with open(progress, "w") as f:
        json.dump({"answers": {str(i): "done" for i in range(1, 25)}}, f)
    s = Session([binary, "--lang", "en", "diagnose", "--progress", progress, "--resume"] + extra,
                env)
    s.expect("[25/25]")
    s.send(key)
    return s.finish()


def check_kept_used(binary, env, tmp, kept):
    """mamori declare and mamori policy without --diagnosis use the kept result."""
    rules = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "declare", "fixtures",
                         "rules-all.json")
    proc = subprocess.run([binary, "--lang", "en", "declare", "--org", "A", "--rules", rules,
                           "--format", "json"], capture_output=True, env=env, timeout=30)
    check(proc.returncode == 0, "declare: exit %d %s" % (proc.returncode, proc.stderr))
    rec = json.loads(proc.stdout)
    check(rec["diagnosis"] == {"score": 93, "max": 100, "band": "good", "date": "2026-04-01"},
          "declare did not use the kept result: %r" % rec["diagnosis"])
    check(kept in proc.stderr.decode(), "declare did not say which result: %s" % proc.stderr)
    out = os.path.join(tmp, "policy")
    proc = subprocess.run([binary, "--lang", "en", "policy", "--name", "A", "--out", out],
                          capture_output=True, stdin=subprocess.DEVNULL, env=env, timeout=30)
    check(proc.returncode == 0, "policy: exit %d %s" % (proc.returncode, proc.stderr))
    check(json.load(open(os.path.join(out, "policy.json")))["diagnosis_rules"] == [2, 12],
          "policy did not use the kept result")


def check_keeping(binary, env, tmp, kept_dir):
    """--no-history, --answers and an unwritable place keep nothing; the
    report is still shown. Two keeps the same day get -2."""
    code, tail = finish_last(binary, env, tmp, "nohist.json", ["--no-history"])
    check(code == 0 and "Score" in tail, "--no-history: exit %r\n%s" % (code, tail[-300:]))
    check(os.listdir(kept_dir) == ["diagnose-2026-04-01.json"], "--no-history kept a result")
    code, tail = finish_last(binary, env, tmp, "again.json", [])
    check(code == 0 and os.path.isfile(os.path.join(kept_dir, "diagnose-2026-04-01-2.json")),
          "a second run the same day was not kept as -2")
    check("Since the last diagnosis" in tail, "the kept run was not compared with the last one")
    answers = os.path.join(tmp, "nohist.json")
    with open(answers, "w") as f:
        json.dump({"answers": {str(i): "done" for i in range(1, 26)}}, f)
    proc = subprocess.run([binary, "diagnose", "--answers", answers], capture_output=True,
                          env=env, timeout=30)
    check(proc.returncode == 0 and len(os.listdir(kept_dir)) == 2,
          "--answers kept a result (or failed: %d)" % proc.returncode)
    proc = subprocess.run([binary, "--lang", "en", "diagnose", "--answers", answers, "--history",
                           kept_dir, "--no-history"], capture_output=True, env=env, timeout=30)
    check(proc.returncode == 2, "--history with --no-history: exit %d" % proc.returncode)
    # A damaged latest result there: said, the report shown without the
    # comparison, and this result kept after it (exit 0; with --history DIR
    # the same file is an error, exit 3).
    damaged = os.path.join(tmp, "damaged-data")
    os.makedirs(os.path.join(damaged, "mamori", "diagnosis"))
    with open(os.path.join(damaged, "mamori", "diagnosis", "diagnose-2026-03-01.json"), "w") as f:
        f.write("{")
    code, tail = finish_last(binary, dict(env, XDG_DATA_HOME=damaged), tmp, "damaged.json", [])
    check(code == 0 and "Score" in tail and "Since the last diagnosis" not in tail,
          "damaged latest: exit %r\n%s" % (code, tail[-400:]))
    check("the previous result cannot be read" in tail and "diagnose-2026-03-01.json" in tail,
          "damaged latest not said:\n" + tail[-400:])
    check(os.path.isfile(os.path.join(damaged, "mamori", "diagnosis", "diagnose-2026-04-01.json")),
          "not kept after a damaged latest result")
    # The place cannot be made (XDG_DATA_HOME is a file): said, report shown, exit 0;
    # the reason's own next step ends the line, the only one (the line went on with
    # "Next time, give a folder you can write to with --history ...").
    blocked = os.path.join(tmp, "blocked")
    open(blocked, "w").close()
    code, tail = finish_last(binary, dict(env, XDG_DATA_HOME=blocked), tmp, "blocked.json", [])
    check(code == 0, "unwritable place: exit %r" % code)
    said = ("mamori diagnose: the result is shown above, but it could not be kept, so "
            "\"mamori declare\", \"mamori policy\" and \"mamori audit\" will not find it: "
            "%s/mamori/diagnosis (there is a file where a "
            "directory should be; check the path)" % blocked)
    check("Score" in tail and said in tail.splitlines() and "Next time" not in tail,
          "unwritable place:\n" + tail[-400:])
    check("the previous result cannot be read" not in tail,
          "unwritable place: a previous result was said to be unreadable:\n" + tail[-400:])


if __name__ == "__main__":
    sys.exit(ptysession.run_cases((interactive_diagnosis,), "mm-pty-"))
