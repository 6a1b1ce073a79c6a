#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Drives `mamori declare` through a pseudo-terminal (stdlib only): when
nothing names the organisation (no --org, no name in a --profile, no
--policy that names one) and standard input and standard error are a
terminal, it asks for the name, so the `mamori declare` lines `mamori
rules` prints (rules knows no organisation) work as printed.
1. ja: five rules answered on a terminal, then the line the result ends
   with ("mamori declare" alone: the record was kept) typed in a shell on
   the terminal: the question, then the name typed with spaces around it
   (full-width too) gives a one-star record with the name cleaned as --org
   is;
2. en: the `mamori declare --rules FILE` line of `mamori rules --answers
   --output`, typed in bash: a name with "$", "!" and "'" is taken as typed
   (no shell quoting needed), one star;
3. a name too long (over 300 bytes) and one with a control character are
   said with --org's problem text and asked again; the next name is used;
4. the end of input (Ctrl-D) at the question, an empty line, spaces only
   (ja, en): exit 2 with the message asking for --org (its example), on a
   line of its own, and no record;
5. --format json with standard output piped: the question on the
   terminal, standard output only the JSON, with the name typed;
6. not asked: standard error not a terminal (a log) gives the error at
   once, exit 2; a policy that names the organisation gives its name (said
   as before), no question; an input read from standard input (--rules -)
   leaves nothing to ask on it: the error.
Without a terminal nothing is asked (the golden cases, chain_test.py step 9).

Usage: pty_test.py --bin PROGRAM
"""
import functools
import json
import os
import re
import select
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import ptysession  # noqa: E402

Session = functools.partial(ptysession.Session, screen=False)
RULES_ALL = os.path.join(HERE, "fixtures", "rules-all.json")
ASK_JA = "宣言の記録に載せる組織（会社・団体）の名前を入力してください（例: 山田商店）: "
ASK_EN = ("Type the name of the organisation (company or association) for the declaration "
          "record (for example: Yamada Shoten): ")
NO_ORG_JA = "mamori declare: 組織名が必要です。--org 山田製作所 のように付けるか"
NO_ORG_EN = "mamori declare: the organisation name is needed: add it with --org \"Yamada Ltd\""


def env_for(tmp):
    """HOME in tmp (its own kept records); mamori on PATH, as installed."""
    return dict(os.environ, TZ="UTC", MAMORI_DATE="2026-04-01", LC_ALL="", LANG="C.UTF-8",
                HOME=tmp, TERM="xterm", PS1="$ ", HISTFILE=os.devnull,
                PATH=os.path.join(tmp, "bin") + os.pathsep + os.environ.get("PATH", ""))


def install(binary, tmp):
    os.makedirs(os.path.join(tmp, "bin"))
    os.symlink(binary, os.path.join(tmp, "bin", "mamori"))


def printed_line_kept_ja(binary, tmp):
    """The line interactive `mamori rules` ends with, typed in a shell, on
    a Japanese system (LANG=ja_JP.UTF-8: the printed line has no --lang)."""
    install(binary, tmp)
    env = dict(env_for(tmp), LANG="ja_JP.UTF-8")
    s = Session([binary, "rules"], env)
    for _ in range(5):
        s.expect("[y/n/q]")
        s.send("y\n")
    shown = s.expect("で宣言の記録を作れます。")
    code, _ = s.finish()
    assert code == 0, "rules: exit %d" % code
    lines = re.findall(r"「(mamori declare[^」]*)」で宣言の記録を作れます。", shown)
    assert lines == ["mamori declare"], shown
    code, tail = ptysession.typed_in_shell(
        ["sh", "-i"], lines[0], env,
        [("保存してある5か条の記録（2026-04-01 の回答）を使います: ", None),
         (ASK_JA, "\u3000 守り商店 \u3000\n"), ("組織名: 守り商店\r\n", None),
         ("宣言の段階: 一つ星", None)])
    assert code == 0, "declare: exit %d\n%s" % (code, tail)


def printed_line_file_en(binary, tmp):
    """The `mamori declare --rules FILE` line, typed in bash from home."""
    install(binary, tmp)
    work = os.path.join(tmp, "owner's files")
    os.makedirs(work)
    shutil.copy(RULES_ALL, os.path.join(work, "answers.json"))
    out = subprocess.run(["mamori", "--lang", "en", "rules", "--answers", "answers.json",
                          "--output", "record $1!.json"], capture_output=True, cwd=work,
                         env=env_for(tmp), stdin=subprocess.DEVNULL, timeout=20)
    assert out.returncode == 0, out
    lines = re.findall(r'"(mamori declare --rules .*)" (?:writes|reads)', out.stdout.decode())
    assert len(lines) == 2, out.stdout.decode()
    name = "Mamori $HOME!'s"
    code, tail = ptysession.typed_in_shell(
        ["bash", "--norc", "--noprofile", "-i"], lines[-1], env_for(tmp),
        [(ASK_EN, name + "\n"), ("Organisation: %s\r\n" % name, None),
         ("Level: one star", None)])
    assert code == 0, "declare: exit %d\n%s" % (code, tail)


def declare(binary, tmp, lang, *more):
    return Session([binary, "--lang", lang, "declare", "--rules", RULES_ALL] + list(more),
                   env_for(tmp))


def bad_names_asked_again(binary, tmp):
    s = declare(binary, tmp, "en")
    s.expect(ASK_EN)
    s.send("x" * 301 + "\n")
    s.expect("mamori declare: that organisation name is too long (300 bytes at most); "
             "type it again\r\n")
    s.expect(ASK_EN)
    s.send("Mamori\x01Shoten\n")
    s.expect("mamori declare: that organisation name holds characters that are not allowed "
             "(control characters or invalid UTF-8); type it again\r\n")
    s.expect(ASK_EN)
    s.send("y" * 300 + "\n")  # at the limit: used
    s.expect("Organisation: %s\r\n" % ("y" * 300))
    code, _ = s.finish()
    assert code == 0, "exit %d" % code
    s = declare(binary, tmp, "ja")
    s.expect(ASK_JA)
    s.send("あ" * 101 + "\n")  # 303 bytes
    s.expect("mamori declare: 入力した組織名は長すぎます（300 バイトまで）。"
             "もう一度入力してください\r\n")
    s.expect(ASK_JA)
    s.send("山田商店\n")
    s.expect("組織名: 山田商店\r\n")
    code, _ = s.finish()
    assert code == 0, "exit %d" % code


def no_name_typed(binary, tmp):
    record = os.path.join(tmp, "declared.json")
    for lang, ask, no_org, typed in (("en", ASK_EN, NO_ORG_EN, "\x04"),
                                     ("ja", ASK_JA, NO_ORG_JA, "\x04"),
                                     ("en", ASK_EN, NO_ORG_EN, "\n"),
                                     ("ja", ASK_JA, NO_ORG_JA, " \u3000 \n")):
        s = declare(binary, tmp, lang, "--output", record)
        s.expect(ask)
        s.send(typed)
        code, tail = s.finish()
        assert code == 2, "%s %r: exit %d\n%s" % (lang, typed, code, tail)
        assert tail.startswith("\r\n" if typed == "\x04" else typed.replace("\n", "\r\n")), \
            "%s %r: the message does not start a line:\n%r" % (lang, typed, tail)
        assert tail.count(no_org) == 1 and ask not in tail, (lang, typed, tail)
        assert not os.path.exists(record), "a record was saved"


def json_on_piped_stdout(binary, tmp):
    master, slave = os.openpty()
    proc = subprocess.Popen([binary, "--lang", "en", "declare", "--rules", RULES_ALL,
                             "--format", "json"], stdin=slave, stderr=slave,
                            stdout=subprocess.PIPE, env=env_for(tmp))
    os.close(slave)
    seen = b""
    while ASK_EN.encode() not in seen:
        r, _, _ = select.select([master], [], [], 20)
        assert r, "no question; terminal so far:\n" + seen.decode("utf-8", "replace")
        seen += os.read(master, 65536)
    os.write(master, "守り商店\n".encode())
    out, _ = proc.communicate(timeout=20)
    os.close(master)
    assert proc.returncode == 0, "exit %d" % proc.returncode
    doc = json.loads(out)  # nothing but the JSON on standard output
    assert doc["organisation"] == "守り商店" and doc["level"] == "one-star", doc


def not_asked(binary, tmp):
    """stderr a log; a policy naming the organisation; --rules -."""
    master, slave = os.openpty()
    proc = subprocess.Popen([binary, "--lang", "en", "declare", "--rules", RULES_ALL],
                            stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                            env=env_for(tmp))
    os.close(slave)
    try:
        _, err = proc.communicate(timeout=20)  # a question would wait: the timeout
    finally:
        os.close(master)
    assert proc.returncode == 2 and err.decode().startswith(NO_ORG_EN), (proc.returncode, err)
    assert "Type the name" not in err.decode(), err

    policy = os.path.join(tmp, "policy")
    made = subprocess.run([binary, "policy", "--name", "守り商店", "--out", policy],
                          capture_output=True, env=env_for(tmp), timeout=20)
    assert made.returncode == 0, made
    s = declare(binary, tmp, "en", "--policy", os.path.join(policy, "policy.json"))
    s.expect("using the organisation name the policy record")
    s.expect("Organisation: 守り商店\r\n")
    code, tail = s.finish()
    assert code == 0, "exit %d\n%s" % (code, tail)

    s = Session([binary, "--lang", "en", "declare", "--rules", "-"], env_for(tmp))
    s.send(open(RULES_ALL).read() + "\n\x04")
    s.expect(NO_ORG_EN)
    code, tail = s.finish()
    assert code == 2 and "Type the name" not in tail, (code, tail)


if __name__ == "__main__":
    sys.exit(ptysession.run_cases(
        (printed_line_kept_ja, printed_line_file_en, bad_names_asked_again, no_name_typed,
         json_on_piped_stdout, not_asked), "mm-declare-pty-"))
