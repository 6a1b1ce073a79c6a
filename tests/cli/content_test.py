#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Consistency of the advice across the content in data/: what one document
tells a person must not contradict another. Checked: the minimum password
length (the diagnosis advice, the five rules, the threats, the audit
messages, the handbook and the rule set, ja and en) is one number; the
backup advice (how often to back up, how often to test a restore) is the
same in the diagnosis advice and the rule set, ja and en; the
25-item check is called 自社診断 (the national programme's name, 情報セキュリティ
自社診断), never 自己診断, in data/, the source and the Japanese man pages and
README; there, in the Japanese deployment guide and in every text file under
tests/, words with two spellings have one (フォルダー, ウェブ, 重要な情報, 使い方の誤り,
受け入れる, ネットワークインターフェース, 操作の記録, 復元, ログイン, クッキー, see
WORD_FORMS and docs/design/messages.md); the helps of the mamori command and the content
catalogues an owner reads (advice, the rules, threats, audit fixes, the risk
report: CONTENT_CATALOGUES) use no jargon an owner cannot read
(HELP_JARGON); the assess texts and the message catalogues put no bracket
inside a bracket (「弱点（脆弱性（ぜいじゃくせい）といいます）」 reads badly), nor
the sensor's intel.why reasons, printed inside one, any bracket.

Usage: content_test.py SOURCE_DIR
"""
import glob
import json
import os
import re
import sys

PATTERNS = (re.compile(r"(\d+)\s*文字以上"), re.compile(r"at least (\d+) characters"))


def password_lengths(src):
    files = [os.path.join(src, "data", "diagnose", "items.json"),
             os.path.join(src, "data", "rules", "rules.json"),
             os.path.join(src, "data", "threats", "threats.json"),
             os.path.join(src, "data", "audit", "checks.json")]
    files += sorted(glob.glob(os.path.join(src, "data", "policy", "*.md")))
    found = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if "パスワード" not in line and "password" not in line.lower():
                    continue
                for pattern in PATTERNS:
                    for m in pattern.finditer(line):
                        found.append((int(m.group(1)), os.path.relpath(path, src), lineno))
    return found


# How often to back up, and to test a restore, as each document words it.
BACKUP_TERMS = {
    "backup": {"毎日": "daily", "every day": "daily", "週に一度": "weekly",
               "weekly": "weekly", "毎月": "monthly", "monthly": "monthly"},
    "restore": {"年に数回": "few-per-year", "a few times a year": "few-per-year",
                "半年に一度": "6-months", "every six months": "6-months",
                "年に一度": "yearly", "once a year": "yearly", "every year": "yearly"},
}


def backup_advice(src):
    """{kind: {term: [places]}} for the lines about backups."""
    files = [os.path.join(src, "data", "diagnose", "items.json")]
    files += sorted(glob.glob(os.path.join(src, "data", "policy", "rules-*.md")))
    found = {kind: {} for kind in BACKUP_TERMS}
    for path in files:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                low = line.lower()
                if "バックアップ" not in line and "back up" not in low and "backed up" not in low \
                        and "backup" not in low:
                    continue
                for kind, terms in BACKUP_TERMS.items():
                    if kind == "restore" and "戻" not in line and "restore" not in low:
                        continue
                    if kind == "backup" and ("戻" in line or "restore" in low) and \
                            "毎日" not in line and "every day" not in low:
                        continue
                    rest = low  # longest terms first: 半年に一度 holds 年に一度
                    for term in sorted(terms, key=len, reverse=True):
                        if term in rest:
                            rest = rest.replace(term, " ")
                            found[kind].setdefault(terms[term], []).append(
                                "%s:%d" % (os.path.relpath(path, src), lineno))
    return found


NESTED = re.compile(r"（[^）]*（")


def nested_brackets(src):
    """Places in the self-help texts and in every message catalogue (the
    centre's and the sensor's logs too, the web UI's Japanese) with a
    full-width bracket inside another, and the sensor's reasons for passing
    over a threat-intel file or line (intel.why.*) with a bracket at all:
    the report prints them inside one (intel.report_why, intel.report_first)."""
    files = sorted(glob.glob(os.path.join(src, "data", "diagnose", "*.json")))
    files += [os.path.join(src, "data", "rules", "rules.json"),
              os.path.join(src, "data", "threats", "threats.json")]
    files += sorted(glob.glob(os.path.join(src, "data", "policy", "*.ja.md")))
    files += sorted(glob.glob(os.path.join(src, "data", "i18n", "*.json")))
    files += [os.path.join(src, "data", "web", "i18n", "ja.json")]
    bad = []
    with open(os.path.join(src, "data", "i18n", "sensor-log.json"), encoding="utf-8") as f:
        for key, value in sorted(json.load(f).items()):
            if key.startswith("intel.why.") and "（" in value["ja"]:
                bad.append("data/i18n/sensor-log.json: %s: %s" % (key, value["ja"]))
    for path in files:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                for m in NESTED.finditer(line):
                    bad.append("%s:%d: %s" % (os.path.relpath(path, src), lineno,
                                              line[m.start():m.end() + 20]))
    return bad


def wrong_terms(src):
    """Places a person reads that call the 25-item check 自己診断."""
    files = [os.path.join(src, "README.md")]
    for top in ("data", "src", os.path.join("docs", "man", "ja")):
        for root, _, names in os.walk(os.path.join(src, top)):
            files += [os.path.join(root, n) for n in names
                      if n.endswith((".json", ".md", ".c", ".h", ".html", ".js", ".css"))]
    bad = []
    for path in sorted(files):
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                if "自己診断" in line:
                    bad.append("%s:%d" % (os.path.relpath(path, src), lineno))
    return bad


# One spelling for words written more than one way in Japanese: the long
# vowel mark on the loanwords (フォルダー as in the documents, not フォルダ) and
# ウェブ for "web" (not ウエブ, nor "Web" in a Japanese sentence).
JA = "\u3040-\u30ff\u3400-\u9fff\uff00-\uffef"
WORD_FORMS = [(re.compile(w + "(?!ー)"), w + "ー")
              for w in ("フォルダ", "ブラウザ", "サーバ", "ユーザ", "プリンタ", "ルータ",
                        "フィルタ", "キャプチャ", "コンピュータ")]
WORD_FORMS += [(re.compile("ウエブ"), "ウェブ"),
               (re.compile("5 か条"), "5か条"),  # the programme's name: 情報セキュリティ5か条
               (re.compile("セキュリティ +5か条"), "情報セキュリティ5か条"),
               # the asset class the rule set defines (rules-00-intro): one term everywhere
               (re.compile("大切な情報"), "重要な情報"),
               # one word for a folder where an owner or a vendor reads it; the attack's
               # name (ディレクトリトラバーサル) stays
               (re.compile("ディレクトリ(?!トラバーサル)"), "フォルダー"),
               # exit status 2 in every help and man page: one term (the audit and risk
               # helps said コマンドラインの誤り / bad command line)
               (re.compile("コマンドラインの誤り"), "使い方の誤り"),
               # a risk left without measures (mamori risk's decision, its help and report):
               # the plain word, not the jargon 受容
               (re.compile("受容"), "受け入れる"),
               (re.compile("bad command line"), "usage error"),
               # the Linux network device a sensor reads (the sensor's help and man page;
               # the guide and README said ネットワークの口)
               (re.compile("ネットワークの口"), "ネットワークインターフェース"),
               # the record of who did what: the web UI's page is 「操作の記録」
               (re.compile("監査ログ|監査記録"), "操作の記録"),
               # putting a backup back (the guide's 4. バックアップと復元)
               (re.compile("リストア"), "復元"),
               # the web UI's word for signing in (ログイン画面, ログインしました)
               (re.compile("サインイン"), "ログイン"),
               (re.compile("(?<![A-Za-z])Web *(?=[%s])|(?<=[%s]) *Web(?![A-Za-z])" % (JA, JA)),
                "ウェブ"),
               (re.compile("(?<![A-Za-z])Cookie *(?=[%s])|(?<=[%s]) *Cookie(?![A-Za-z])" % (JA, JA)),
                "クッキー")]


def word_forms(src):
    """Places a person reads that spell one of WORD_FORMS' words otherwise,
    and every text file under tests/ (expected outputs, fixtures, the words
    tests search for): a test written with the other spelling would pass
    while it checks a text the product no longer writes."""
    files = [os.path.join(src, "README.md"), os.path.join(src, "docs", "ja", "deploy.md")]
    for top in ("data", "src", os.path.join("docs", "man", "ja")):
        for root, _, names in os.walk(os.path.join(src, top)):
            files += [os.path.join(root, n) for n in names
                      if n.endswith((".json", ".md", ".csv", ".txt", ".c", ".h", ".html",
                                     ".js"))]
    for root, _, names in os.walk(os.path.join(src, "tests")):
        files += [os.path.join(root, n) for n in names
                  if os.path.realpath(os.path.join(root, n)) != os.path.realpath(__file__)
                  and not n.endswith((".pcap", ".pcapng", ".gz", ".png", ".der", ".bin"))]
    bad = []
    for path in sorted(files):
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                for pattern, want in WORD_FORMS:
                    for m in pattern.finditer(line):
                        bad.append("%s:%d: %r, write %s" % (os.path.relpath(path, src), lineno,
                                                            line[max(0, m.start() - 8):m.end() + 4],
                                                            want))
    return bad


# Words in the `mamori` helps an owner with no IT background cannot read:
# environment variables ($XDG_DATA_HOME: the helps say "the folder where
# mamori keeps your answers" and its usual place; the man pages' ENVIRONMENT
# section names the variables for a vendor), the byte-order mark and CP932
# without what it is (Excel's Japanese CSV, "Shift_JIS/CP932"; the option
# value cp932 stays). The risk term 受容 is in WORD_FORMS: 受け入れる everywhere.
HELP_JARGON = [(re.compile(r"\$?XDG_[A-Z_]+"), "the folder's usual place"),
               (re.compile(r"\bBOM\b|byte-order mark"), "what it does for Excel"),
               (re.compile(r"(?<!Shift_JIS/)CP932"), "Excel's Japanese CSV (Shift_JIS/CP932)")]
HELP_CATALOGUES = ("diagnose", "assess-docs", "risk", "audit", "cli")


def help_jargon(src):
    """Places in the helps of the mamori command (the catalogues' "help",
    "*.help", "cli.usage" and "usage.*" texts, ja and en) with HELP_JARGON."""
    bad = []
    for name in HELP_CATALOGUES:
        path = os.path.join(src, "data", "i18n", name + ".json")
        with open(path, encoding="utf-8") as f:
            texts = json.load(f)
        for key, value in sorted(texts.items()):
            if not (key == "help" or key.endswith(".help") or key == "cli.usage" or
                    key.startswith("usage.")):
                continue
            for lang in ("ja", "en"):
                for pattern, want in HELP_JARGON:
                    for m in pattern.finditer(value.get(lang, "")):
                        bad.append("data/i18n/%s.json: %s (%s): %r, say %s" %
                                   (name, key, lang, m.group(0), want))
    return bad


# The content whose texts become advice and steps an owner reads: the
# centre's explanations (what / now / threat are shown to owners) and the
# sensor's alert messages too; only a `vendor` text of theirs is the vendor's
# and stays out (vendor_only).
CONTENT_CATALOGUES = ("diagnose/items.json", "diagnose/bands.json", "rules/rules.json",
                      "threats/threats.json", "audit/checks.json", "risk/report.json",
                      "risk/columns.json", "center/explanations.json", "sensor/detectors.json")


def vendor_only(where):
    """True for a text under a `vendor` key (read by the vendor, not the owner)."""
    return "/vendor/" in where + "/"


def texts_of(value, where):
    """Every (where, lang, text) of the {"ja", "en"} objects in value, at any depth."""
    if isinstance(value, dict):
        for lang in ("ja", "en"):
            if isinstance(value.get(lang), str):
                yield where, lang, value[lang]
        for key, member in value.items():
            yield from texts_of(member, where + "/" + key)
    elif isinstance(value, list):
        for i, member in enumerate(value):
            yield from texts_of(member, "%s/%d" % (where, i))


def content_jargon(src):
    """Places in CONTENT_CATALOGUES with HELP_JARGON."""
    bad = []
    for name in CONTENT_CATALOGUES:
        with open(os.path.join(src, "data", name), encoding="utf-8") as f:
            doc = json.load(f)
        for where, lang, text in texts_of(doc, "data/" + name):
            if vendor_only(where):
                continue
            for pattern, want in HELP_JARGON:
                for m in pattern.finditer(text):
                    bad.append("%s (%s): %r, say %s" % (where, lang, m.group(0), want))
    return bad


def main():
    src = sys.argv[1]
    bad = help_jargon(src) + content_jargon(src)
    if bad:
        print("\n".join(bad))
        print("FAIL: %d words in the helps or the content an owner cannot read "
              "(docs/design/messages.md)" % len(bad))
        return 1
    bad = word_forms(src)
    if bad:
        print("\n".join(bad))
        print("FAIL: %d words spelt another way than the rest (docs/design/messages.md)" % len(bad))
        return 1
    bad = nested_brackets(src)
    if bad:
        print("\n".join(bad))
        print("FAIL: a bracket inside a bracket in %d places" % len(bad))
        return 1
    bad = wrong_terms(src)
    if bad:
        print("\n".join(bad))
        print("FAIL: 自己診断 in %d places; the 25-item check is 自社診断" % len(bad))
        return 1
    found = password_lengths(src)
    lengths = sorted({n for n, _, _ in found})
    if len(found) < 4 or len(lengths) != 1:
        for n, path, lineno in found:
            print("%s:%d: %d characters" % (path, lineno, n))
        print("FAIL: minimum password lengths %r (want one number, at least 4 mentions)" % lengths)
        return 1
    for kind, values in backup_advice(src).items():
        if len(values) != 1:
            for value, places in sorted(values.items()):
                print("%s %s: %s" % (kind, value, ", ".join(places)))
            print("FAIL: the %s advice differs between documents %r" % (kind, sorted(values)))
            return 1
    print("content: %d mentions of the password length, all %d" % (len(found), lengths[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
