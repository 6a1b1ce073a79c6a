#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Drives `mamori rules` interactively through a pseudo-terminal (stdlib only):
1. ja: each answer is one key with no Enter, as diagnose reads them: y,
   Enter alone (ignored), full-width ｙ, a word typed with the input method
   on (asked again, once: nothing more is shown before the next key's echo),
   n, another key (asked again), Y, y; the key
   is shown after the question; the result names the missing rule, exit 1,
   and the saved record has rule 3 false;
2. en: all yes with --format json, standard output piped: it holds only the
   JSON (questions go to the terminal), one_star_possible true, exit 0; the
   record is kept and `mamori declare` without --rules uses it;
3. quit with q at the second rule: exit 1 and no record written or kept;
4. Ctrl-Z at a prompt: stopped with echo on; continued, the answers count;
5. --no-history (as for diagnose): all answered, exit 0, nothing kept and
   no line saying so; `mamori declare` without --rules then has no record;
6. keeping fails (a file where the folder should be): the next step follows
   what happened, answering again with --output (said once), or, with
   --output, `mamori declare --rules FILE`; with --format json and --output
   (no "saved in" line on standard output), nowhere to keep them (no HOME):
   the line names the saved record and its `mamori declare --rules FILE`,
   not answering again; a file in the way: the line names the saved record
   and ends with the reason's own step (check the path), the only one (en,
   ja); with --format json alone: the answering-again step, once.

Usage: pty_test.py --bin PROGRAM
"""
import argparse
import functools
import json
import os
import pty
import select
import shutil
import sys
import tempfile
import termios

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import ptysession  # noqa: E402


Session = functools.partial(ptysession.Session, screen=False)


def env_for(tmp):
    return dict(os.environ, TZ="UTC", MAMORI_DATE="2026-04-01", LC_ALL="", LANG="C.UTF-8",
                HOME=tmp, TERM="xterm")


def answer_all_yes(args, env, until="A one-star declaration is possible"):
    """Runs `mamori` with args on a terminal, answers yes to the five
    questions and waits for until; returns (exit code, what followed)."""
    s = Session(args, env)
    for _ in range(5):
        s.expect("[y/n/q]")
        s.send("y\n")
    s.expect(until)
    return s.finish()


def settled(s, prompt):
    """Waits for prompt, then reads until the terminal is quiet for a moment
    (the rest of what one batch of keys caused); returns all that was shown
    and leaves the session after the last prompt."""
    shown = s.expect(prompt)
    upto = shown.index(prompt) + len(prompt)
    while s.read_some(0.3):
        pass
    shown = shown[:upto] + s.buf.decode("utf-8", "replace")
    last = s.buf.rfind(prompt.encode())
    if last >= 0:
        s.buf = s.buf[last + len(prompt.encode()):]
    return shown


def answer_with_one_no(binary, tmp):
    record = os.path.join(tmp, "record.json")
    s = Session([binary, "--lang", "ja", "rules", "--output", record], env_for(tmp))
    s.expect("1. OS やソフトウェアは常に最新の状態にしよう")
    prompt = "すでに守っていますか）？ [y/n/q]"
    s.expect(prompt)
    s.send("y")  # one key: no Enter
    s.expect(" y\r\n")  # the key is shown after the question
    s.expect("2. ウイルス対策ソフト")
    s.expect(prompt)
    s.send("\r")  # Enter alone: nothing happens
    s.send("ｙ")  # full-width, an input method left on
    s.expect(" y\r\n")  # the key is shown after the question
    s.expect("3. パスワードを強化しよう")
    s.expect(prompt)
    again = "y（はい）、n（いいえ）、q（中断）のどれかのキーを押してください。"
    s.send("はい")  # a word with the input method on: asked again, once
    shown = settled(s, prompt)
    assert shown.count(again) == 1, "not asked again exactly once for one word:\n" + shown
    # A second copy that came after the quiet moment would follow n's echo
    # only if it were n's: the program answers keys in order, so whatever
    # the word caused is shown before " n" (a late copy cannot pass unseen).
    s.send("n")
    shown = s.expect(" n\r\n")
    late = shown[:shown.index(" n\r\n")]
    assert again not in late, "asked again more than once for one word:\n" + late
    s.expect("4. 共有設定を見直そう")
    s.expect(prompt)
    s.send("x")  # another key: asked again
    s.expect(again)
    s.expect(prompt)
    s.send("Y")
    s.expect(prompt)
    s.send("y")
    s.expect("一つ星の自己宣言には、まだ次の条への取り組みが足りません:")
    s.expect("  - 3. パスワードを強化しよう")
    code, tail = s.finish()
    assert code == 1, "exit %d, expected 1" % code
    assert again not in tail, "asked again more than once for one word:\n" + tail
    rec = json.load(open(record))
    assert rec["rules"] == {"1": True, "2": True, "3": False, "4": True, "5": True}, rec
    assert rec["one_star_possible"] is False and rec["missing"] == [3], rec
    assert rec["date"] == "2026-04-01", rec


def all_yes_json(binary, tmp):
    """Questions on the terminal (stdin, stderr), pure JSON on a piped stdout;
    without --output the terminal is told the answers are not kept."""
    import subprocess
    master, slave = pty.openpty()
    proc = subprocess.Popen([binary, "--lang", "en", "rules", "--format", "json"],
                            stdin=slave, stderr=slave, stdout=subprocess.PIPE,
                            env=env_for(tmp))
    os.close(slave)
    seen = b""
    for n in range(5):
        while seen.count(b"[y/n/q]") <= n:
            r, _, _ = select.select([master], [], [], 20)
            assert r, "no prompt; terminal so far:\n" + seen.decode("utf-8", "replace")
            seen += os.read(master, 65536)
        os.write(master, b"y\n")
    out, _ = proc.communicate(timeout=20)
    while select.select([master], [], [], 1)[0]:  # the rest the terminal was shown
        try:
            more = os.read(master, 65536)
        except OSError:  # the terminal's other end is closed: all read
            break
        if not more:
            break
        seen += more
    os.close(master)
    assert proc.returncode == 0, "exit %d, expected 0" % proc.returncode
    # Answered on the terminal without --output: the record is kept where
    # mamori declare finds it without --rules (it was not kept at all), and
    # the terminal says where.
    shown = seen.decode("utf-8", "replace")
    kept = os.path.join(tmp, ".local", "share", "mamori", "rules", "rules-2026-04-01.json")
    assert "these answers are kept in %s" % kept in shown, shown
    doc = json.loads(out)  # nothing but the JSON on standard output
    assert doc["one_star_possible"] is True and doc["missing"] == [], doc
    assert all(r["committed"] for r in doc["rules"]), doc
    rec = json.load(open(kept))
    assert rec["format"] == "mamori-rules/1" and all(rec["rules"].values()), rec
    declare = subprocess.run([binary, "--lang", "en", "declare", "--org", "A", "--format", "json"],
                             capture_output=True, env=env_for(tmp), timeout=20)
    got = json.loads(declare.stdout)
    assert declare.returncode == 0 and got["level"] == "one-star", got
    assert declare.stderr.decode() == ("mamori declare: using the five-rules record of 2026-04-01 "
                                       "kept in %s\n" % kept), declare.stderr


def quit_early(binary, tmp):
    record = os.path.join(tmp, "quit.json")
    s = Session([binary, "--lang", "en", "rules", "--output", record], env_for(tmp))
    s.expect("[y/n/q]")
    s.send("y\n")
    s.expect("[y/n/q]")
    s.send("q\n")
    s.expect("Stopped. Nothing was saved.")
    code, _ = s.finish()
    assert code == 1, "exit %d, expected 1" % code
    assert not os.path.exists(record), "a record was written after quitting"
    assert not os.path.exists(os.path.join(tmp, ".local", "share", "mamori", "rules")), \
        "a record was kept after quitting"


def not_kept_with_no_history(binary, tmp):
    """--no-history: the answers are shown, but kept nowhere, so `mamori
    declare` without --rules finds no record (case 2 shows the default)."""
    import subprocess
    code, tail = answer_all_yes([binary, "--lang", "en", "rules", "--no-history"], env_for(tmp))
    assert code == 0, "exit %d, expected 0" % code
    assert "kept in" not in tail, "a line says the answers were kept:\n" + tail
    # the next step is one that works without a kept record
    assert "\"mamori declare\" writes" not in tail and \
        "\"mamori rules --output rules.json\"" in tail and \
        "\"mamori declare --rules rules.json\"" in tail, \
        "the suggestion does not work without a kept record:\n" + tail
    assert not os.path.exists(os.path.join(tmp, ".local", "share", "mamori")), \
        "a record was kept with --no-history: %r" % os.listdir(tmp)
    declare = subprocess.run([binary, "--lang", "en", "declare", "--org", "A", "--format", "json"],
                             capture_output=True, env=env_for(tmp), timeout=20)
    got = json.loads(declare.stdout)
    assert declare.returncode == 1 and got["level"] == "none", got
    assert declare.stderr == b"", declare.stderr


def keep_fails(binary, tmp):
    """A file where the record folder should be: the answers are not kept,
    so the result does not send the reader to a `mamori declare` that would
    find nothing; the next step is given once. With --output the saved
    record is the way: `mamori declare --rules FILE`, no answering again."""
    with open(os.path.join(tmp, ".local"), "w") as f:
        f.write("not a folder\n")
    code, tail = answer_all_yes([binary, "--lang", "en", "rules"], env_for(tmp))
    assert code == 0, "exit %d, expected 0" % code
    assert "\"mamori declare\" writes" not in tail, "suggests a record that was not kept:\n" + tail
    assert "these answers could not be kept" in tail, tail
    assert tail.count("\"mamori rules --output rules.json\"") == 1, \
        "the next step is not given exactly once:\n" + tail
    record = os.path.join(tmp, "record.json")
    code, tail = answer_all_yes([binary, "--lang", "en", "rules", "--output", record],
                                env_for(tmp))
    assert code == 0, "exit %d, expected 0" % code
    assert "\"mamori declare --rules %s\" writes" % record in tail, tail
    assert "\"mamori declare\" writes" not in tail and "answer again" not in tail, tail
    assert "these answers could not be kept" in tail, tail


def full_width_replies(binary, tmp):
    """A Japanese input method left on types full-width letters (ｙ, Ｙ, ｎ):
    they are the same keys; a y followed by Enter out of habit is one answer
    (the Enter is ignored at the next question)."""
    record = os.path.join(tmp, "wide.json")
    s = Session([binary, "--lang", "ja", "rules", "--output", record], env_for(tmp))
    for reply in ("ｙ", "Ｙ", "y\r", "ｙ\r", "ｎ"):
        s.expect("[y/n/q]")
        s.send(reply)
    s.expect("一つ星の自己宣言には、まだ次の条への取り組みが足りません:")
    code, _ = s.finish()
    assert code == 1, "exit %d, expected 1" % code
    got = json.load(open(record))["rules"]
    assert got == {"1": True, "2": True, "3": True, "4": True, "5": False}, got


def suspend_and_continue(binary, tmp):
    """Ctrl-Z under job control stops at a prompt with the terminal cooked
    (echo on); after continuing, the question is shown again (key mode is
    back: what was typed while stopped is dropped, as in diagnose) and the
    keys pressed then are taken as usual; continuing is not a wrong key (before
    session 27 the owner was told "Please press y, n or q" after fg)."""
    record = os.path.join(tmp, "tstp.json")
    s = Session([binary, "--lang", "en", "rules", "--output", record], env_for(tmp),
                job_control=True)
    s.expect("[y/n/q]")
    s.send("y\n")
    s.expect("[y/n/q]")
    s.stop_with_ctrl_z()
    assert s.lflag() & termios.ECHO and s.lflag() & termios.ICANON, "terminal not cooked"
    s.resume()
    shown = s.expect("[y/n/q]")  # asked again, not told off: fg is not a wrong key
    assert "Please press" not in shown, "fg taken for a wrong key:\n" + shown
    s.send("y")
    s.expect(" y\r\n")
    for _ in range(3):
        s.expect("[y/n/q]")
        s.send("y")
        s.expect(" y\r\n")
    code, _ = s.finish()
    assert code == 0, "exit %d, expected 0" % code
    assert all(json.load(open(record))["rules"].values()), "answers after Ctrl-Z lost"


def saved_record_is_the_step(tail, record):
    """The line saying the answers are not kept names the --output record
    and the `mamori declare --rules` that reads it, once, and does not send
    the reader to answer again (before session 25 it did, though the
    record was saved)."""
    assert tail.count("these answers are saved in %s, which \"mamori declare --rules %s\" reads"
                      % (record, record)) == 1, tail
    assert "answer again" not in tail and "mamori rules --output" not in tail, \
        "the step says to answer again though the record was saved:\n" + tail


def nowhere_json_output(binary, tmp):
    """Neither HOME nor XDG_DATA_HOME, with --format json and --output:
    standard output holds only the JSON (no "saved in" line with its
    `mamori declare --rules FILE`), so the line saying the answers are not
    kept gives the next step: the saved record's. With --format json alone
    (nothing saved), answering again, once."""
    env = env_for(tmp)
    del env["HOME"]
    env.pop("XDG_DATA_HOME", None)
    record = os.path.join(tmp, "record.json")
    code, tail = answer_all_yes([binary, "--lang", "en", "rules", "--format", "json", "--output",
                                 record], env, until="one_star_possible")
    assert code == 0, "exit %d, expected 0" % code
    assert os.path.exists(record), "no record saved with --output"
    assert "there is nowhere to keep them" in tail, tail
    saved_record_is_the_step(tail, record)
    code, tail = answer_all_yes([binary, "--lang", "en", "rules", "--format", "json"], env,
                                until="one_star_possible")
    assert code == 0, "exit %d, expected 0" % code
    assert "there is nowhere to keep them" in tail, tail
    assert tail.count("\"mamori rules --output rules.json\"") == 1, \
        "the next step is not given exactly once:\n" + tail


def keep_fails_json_output(binary, tmp):
    """A file where the record folder should be, with --format json and
    --output: the record is saved, and the line saying the answers could
    not be kept names it, but its reason ("there is a file where a directory
    should be; check the path") carries its own step, so the line gives no
    `mamori declare --rules FILE` besides (one next step; before session 25
    it gave both), in English and Japanese; `mamori declare --rules FILE`
    does declare one star."""
    import subprocess
    with open(os.path.join(tmp, ".local"), "w") as f:
        f.write("not a folder\n")
    record = os.path.join(tmp, "record.json")
    folder = os.path.join(tmp, ".local", "share", "mamori", "rules")
    for lang, said, step in (
            ("en", "these answers are saved in %s, but they could not be kept in %s"
             % (record, folder), "check the path"),
            ("ja", "この答えは %s に保存しました。ただし、%s には保存できなかったため"
             % (record, folder), "指定した場所を確かめてください")):
        code, tail = answer_all_yes([binary, "--lang", lang, "rules", "--format", "json",
                                     "--output", record], env_for(tmp), until="one_star_possible")
        assert code == 0, "exit %d, expected 0" % code
        assert tail.count(said) == 1, tail
        assert tail.count(step) == 1, "the reason's step is not given exactly once:\n" + tail
        assert "mamori declare --rules" not in tail, \
            "a second step besides the reason's:\n" + tail
        assert "answer again" not in tail and "mamori rules --output" not in tail, tail
    declare = subprocess.run([binary, "--lang", "en", "declare", "--org", "A", "--rules", record,
                              "--format", "json"], capture_output=True, env=env_for(tmp),
                             timeout=20)
    got = json.loads(declare.stdout)
    assert declare.returncode == 0 and got["level"] == "one-star", got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    binary = os.path.abspath(ap.parse_args().bin)
    tmp = tempfile.mkdtemp(prefix="mm-rules-pty-")
    failed = 0
    try:
        for test in (answer_with_one_no, all_yes_json, quit_early, full_width_replies,
                     suspend_and_continue, not_kept_with_no_history, keep_fails,
                     nowhere_json_output, keep_fails_json_output):
            try:
                test(binary, tempfile.mkdtemp(dir=tmp))  # its own HOME: its own kept records
                print("ok   " + test.__name__)
            except AssertionError as e:
                failed += 1
                print("FAIL %s: %s" % (test.__name__, e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
