#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Drives `mamori policy` through a pseudo-terminal (stdlib only): the
profile's yes/no questions it was not given are asked one by one.
1. ja, --wifi yes given: the six others are asked in the profile's order
   (wifi is not); はい, n, a full-width ｙ, a word that is no answer (asked
   again), いいえ, y, then q: the rest (outsourcing) stays no and the summary
   names it as assumed; policy.json records every answer;
2. en with a diagnosis that answers item 9 (Wi-Fi) and item 23 (cloud): those
   two are not asked; the end of input (Ctrl-D) at the first question
   leaves all the others no, named as assumed.
3. a first run with no option at all (ja and en): the organisation's name
   is asked (an over-long one is said and asked again), and the
   documents go to ./mamori-documents, whose full path is said.
Without a terminal nothing is asked (the golden cases: the summary's
"taken as no" line, err-no-out-ja, err-no-name-flags-ja).

Usage: pty_test.py --bin PROGRAM
"""
import functools
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import ptysession  # noqa: E402

Session = functools.partial(ptysession.Session, screen=False)
HERE = os.path.dirname(os.path.abspath(__file__))
DIAGNOSIS = os.path.join(HERE, "..", "declare", "fixtures", "diagnosis-incomplete.json")


def env_for(tmp):
    return dict(os.environ, TZ="UTC", MAMORI_DATE="2026-04-01", LC_ALL="", LANG="C.UTF-8",
                HOME=tmp, TERM="xterm")


def profile_of(out):
    with open(os.path.join(out, "policy.json")) as f:
        return json.load(f)["profile"]


def answers_in_japanese(binary, tmp):
    out = os.path.join(tmp, "out")
    s = Session([binary, "--lang", "ja", "policy", "--name", "山田製作所", "--wifi", "yes",
                 "--out", out], env_for(tmp))
    s.expect("プロフィールで答えていない質問をします。")
    for question, reply in (("マイナンバー（個人番号）を扱いますか？ [y/n/q]", "はい"),
                            ("クラウドサービス（", "n"),
                            ("自社のウェブサイトがありますか？ [y/n/q]", "ｙ"),
                            ("私物のパソコンやスマートフォンを仕事に使うことを認めますか？", "たぶん")):
        s.expect(question)
        s.send(reply + "\n")
    s.expect("y（はい）か n（いいえ）で答えてください。")
    s.expect("[y/n/q]")
    s.send("いいえ\n")
    s.expect("テレワーク（自宅など会社の外での仕事）をしますか？ [y/n/q]")
    s.send("y\n")
    s.expect("業務の一部を外部の会社に委託していますか？ [y/n/q]")
    s.send("q\n")
    code, tail = s.finish()
    assert code == 0, "exit %d:\n%s" % (code, tail)
    assert "Wi-Fi（無線 LAN）を使いますか" not in tail, "wifi was given, yet asked:\n" + tail
    assert "答えのなかった次の項目は「いいえ」とみなして、文書を作りました: " \
        "業務を外部に委託する（outsourcing）。\r\n" in tail, "assumed line:\n" + tail
    # the step to bring them back is said once, after everything left out
    assert tail.count("作り直") == 1 and "端末でもう一度実行して質問に答えてください。" in tail, \
        "one step:\n" + tail
    got = profile_of(out)
    want = {"my_number": True, "cloud": False, "website": True, "personal_devices": False,
            "telework": True, "wifi": True, "outsourcing": False}
    assert {k: got[k] for k in want} == want, got


def diagnosis_answers_two(binary, tmp):
    out = os.path.join(tmp, "out")
    s = Session([binary, "--lang", "en", "policy", "--name", "A", "--diagnosis", DIAGNOSIS,
                 "--out", out], env_for(tmp))
    s.expect("Do you handle My Number (individual numbers)? [y/n/q]")
    s.send(b"\x04")  # Ctrl-D: the end of input
    code, tail = s.finish()
    assert code == 0, "exit %d:\n%s" % (code, tail)
    assert "Wi-Fi" not in tail.split("Documents written")[0] and "cloud services (mail" not in tail, \
        "a practice the diagnosis answers was asked:\n" + tail
    assert "Not answered, so the documents take these as no: handles My Number (my_number), " \
        "has its own website (website), personal computers and phones used for work " \
        "(personal_devices), works remotely (telework), outsources work (outsourcing).\r\n" \
        in tail, "assumed line:\n" + tail
    assert tail.count("generate the documents again") == 1 and "write it as yes in the profile " \
        "(my_number = yes) or give it as a flag (--my-number yes)" in tail, "one step:\n" + tail
    got = profile_of(out)
    assert got["wifi"] and got["cloud"] and not got["my_number"], got


def first_run(binary, tmp):
    for lang, prompt, said in (
            ("ja", "文書に載せる会社（組織）の名前を入力してください", "文書は %s に置きました"),
            ("en", "Type the name of your company", "the documents are in %s.")):
        cwd = os.path.join(tmp, lang)
        os.makedirs(cwd)
        s = Session([binary, "--lang", lang, "policy"], env_for(tmp), cwd=cwd)
        s.expect(prompt)
        s.send("x" * 400 + "\n")  # too long: said, and asked again
        s.expect(prompt)
        s.send("山田商店\n")
        s.expect("[y/n/q]")
        s.send("q\n")
        code, tail = s.finish()
        out = os.path.join(os.path.realpath(cwd), "mamori-documents")
        assert code == 0, "%s: exit %d:\n%s" % (lang, code, tail)
        assert said % out in tail, "%s: where the documents went:\n%s" % (lang, tail)
        with open(os.path.join(out, "policy.json")) as f:
            assert json.load(f)["organisation"] == "山田商店"


if __name__ == "__main__":
    sys.exit(ptysession.run_cases((answers_in_japanese, diagnosis_answers_two, first_run), "mm-policy-pty-"))
