#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration test of `mamori risk`: runs the real binary on the fixtures in
this directory and compares with the golden files in expected/ (ja and en;
CSV, JSON, text and the template exactly, HTML by markers), then checks every
input error: the message on stderr, exit code 3, and that no output file (not
even a temporary one) is left behind and an existing one is untouched.

Usage: run.py MAMORI_BINARY [--update]   (--update rewrites the golden files)
The CP932 input is made here from inventory-ja.csv, as Japanese Excel would
save it, so no Shift_JIS bytes are committed."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import clirun  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected")
BUILD = os.environ.get("MAMORI_BUILD_DIR", "/tmp")
WORK = os.path.join(BUILD, "tests", "cli", "risk-work")
HEADER_EN = ("asset,owner,location,medium,confidentiality,integrity,availability,"
             "threat,vulnerability\n")

SUITE = clirun.Suite("risk", EXPECTED, WORK)
check, run, golden = SUITE.check, SUITE.run, SUITE.golden


def golden_bytes(name):
    with open(os.path.join(EXPECTED, name), "rb") as f:
        return f.read()


def write(name, data):
    with open(os.path.join(WORK, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def setup():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    for lang in ("ja", "en"):
        shutil.copy(os.path.join(HERE, "inventory-%s.csv" % lang), WORK)
    with open(os.path.join(HERE, "inventory-ja.csv"), "rb") as f:
        text = f.read().decode("utf-8-sig")
    write("inventory-cp932.csv", text.encode("cp932"))


def test_outputs():
    for lang in ("ja", "en"):
        for fmt, ext in (("csv", "csv"), ("json", "json"), ("text", "txt")):
            rc, out, err = run(["--lang", lang, "risk", "--format", fmt, "inventory-%s.csv" % lang])
            check(rc == 0 and err == "", "%s %s: rc %d, stderr %r" % (lang, fmt, rc, err))
            golden("%s.%s" % (lang, ext), out)
        rc, out, err = run(["--lang", lang, "risk", "--format", "html", "inventory-%s.csv" % lang])
        check(rc == 0, "%s html: rc %d %s" % (lang, rc, err))
        html = out.decode()
        markers = {
            "ja": ['<html lang="ja">', "<h1>情報資産のリスク分析</h1>", "作成日: 2026-04-01",
                   "<td class=\"text\">設計図面</td>", "9 高</td>", "対策する", "受け入れる",
                   "顧客名簿",
                   "見積書(A 社, B 社向け)", "リスク値 4 未満は受け入れる",
                   'id="risk-likelihood"', "@page"],
            "en": ['<html lang="en">', "<h1>Risk analysis of information assets</h1>",
                   "Date: 2026-04-01", "<td class=\"text\">Design drawings</td>", "9 high</td>", "treat",
                   "accept", "Quotations (for A Ltd, B Ltd)",
                   "risk value below 4 is accepted", 'id="risk-likelihood"', "@page"],
        }[lang]
        for m in markers:
            check(m in html, "%s html lacks %r" % (lang, m))
        if lang == "en":  # an English inventory gives a page without Japanese text
            kana = [c for c in html if "\u3000" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff"]
            check(not kana, "en html has Japanese characters %r" % "".join(kana[:10]))
        # rows come highest risk first: the drawings (9) before the website (2)
        first, last = {"ja": ("設計図面", "会社のウェブサイト"),
                       "en": ("Design drawings", "Company website")}[lang]
        check(html.index(first) < html.index(last), "%s html not sorted" % lang)
    # the default format is text, the default language from LANG (C.UTF-8: en)
    rc, out, _ = run(["risk", "inventory-en.csv"])
    golden("en.txt", out)


def test_output_file_and_bom():
    rc, out, err = run(["--lang", "ja", "risk", "--format", "csv", "--bom", "--output",
                        "out.csv", "inventory-ja.csv"])
    check(rc == 0 and out == b"" and err == "", "--output: rc %d out %r err %r" % (rc, out, err))
    with open(os.path.join(EXPECTED, "ja.csv"), "rb") as f:
        want = f.read()
    with open(os.path.join(WORK, "out.csv"), "rb") as f:
        got = f.read()
    check(got == b"\xef\xbb\xbf" + want, "--bom --output content")
    check(sorted(os.listdir(WORK)) == sorted(["inventory-ja.csv", "inventory-en.csv",
                                              "inventory-cp932.csv", "out.csv"]),
          "stray files: %r" % os.listdir(WORK))
    os.unlink(os.path.join(WORK, "out.csv"))


def test_cp932_and_stdin():
    # CP932 (detected) gives exactly the output of the UTF-8 file
    rc, out, err = run(["--lang", "ja", "risk", "--format", "csv", "inventory-cp932.csv"])
    check(rc == 0, "cp932: rc %d %s" % (rc, err))
    golden("ja.csv", out)
    rc, out, _ = run(["--lang", "ja", "risk", "--format", "json", "--encoding", "cp932",
                      "inventory-cp932.csv"])
    doc = json.loads(out)
    check(doc["encoding"] == "cp932", "cp932 json encoding %r" % doc["encoding"])
    # forced UTF-8 on CP932 bytes: an error at the first header cell
    rc, out, err = run(["risk", "--encoding", "utf-8", "inventory-cp932.csv"])
    check(rc == 3 and out == b"" and err == "mamori risk: inventory-cp932.csv: line 1, column 1: "
          "it holds bytes that are not valid UTF-8; save the file as UTF-8 again, or give "
          "\"--encoding cp932\".\n", "forced utf-8: rc %d err %r" % (rc, err))
    # a UTF-8 header above rows saved as CP932: the error names the first
    # CP932 row (line 2), not line 1
    with open(os.path.join(HERE, "inventory-ja.csv"), "rb") as f:
        lines = f.read().decode("utf-8-sig").splitlines(True)
    write("mixed.csv", lines[0].encode() + "".join(lines[1:]).encode("cp932"))
    rc, out, err = run(["--lang", "ja", "risk", "mixed.csv"])
    check(rc == 3 and out == b"" and err.startswith("mamori risk: mixed.csv: 2 行目 1 列目") and
          "CP932（Shift_JIS）で書いた行が混ざっている" in err, "mixed: rc %d err %r" % (rc, err))
    os.unlink(os.path.join(WORK, "mixed.csv"))
    # CP932 whose first non-ASCII bytes are valid UTF-8 (ﾄｸ is C4 B8, U+0138)
    # on the line that then turns invalid: CP932, not mixed
    write("hw-en.csv", (HEADER_EN + "ﾄｸｲｻｷ ﾘｽﾄ,Sales,Office NAS,Electronic data,3,2,2,3,2\n")
          .encode("cp932"))
    rc, out, err = run(["risk", "--format", "csv", "hw-en.csv"])
    check(rc == 0 and err == "" and "ﾄｸｲｻｷ ﾘｽﾄ" in out.decode(),
          "half-width katakana cp932: rc %d err %r" % (rc, err))
    os.unlink(os.path.join(WORK, "hw-en.csv"))
    # a byte-order mark then CP932 on line 1: no lines before it, so not mixed
    write("bom-cp932.csv", b"\xef\xbb\xbf" + "資産名,機密性\n".encode("cp932"))
    rc, out, err = run(["risk", "bom-cp932.csv"])
    check(rc == 3 and out == b"" and err.startswith("mamori risk: bom-cp932.csv: line 1, column 1: "
                                                   "it holds bytes that are neither UTF-8 nor CP932"),
          "bom + cp932: rc %d err %r" % (rc, err))
    os.unlink(os.path.join(WORK, "bom-cp932.csv"))
    # standard input
    with open(os.path.join(WORK, "inventory-en.csv"), "rb") as f:
        rc, out, err = run(["risk", "--format", "csv", "-"], stdin=f.read())
    golden("en.csv", out)


def test_accept_below():
    for n, treat in ((1, 8), (2, 8), (3, 7), (4, 6), (5, 3), (7, 1), (10, 0)):
        rc, out, _ = run(["risk", "--format", "json", "--accept-below", str(n), "inventory-en.csv"])
        doc = json.loads(out)
        check(rc == 0 and doc["accept_below"] == n and doc["summary"]["treat"] == treat and
              sum(a["decision"] == "treat" for a in doc["assets"]) == treat,
              "--accept-below %d: %r" % (n, doc["summary"]))


def test_template():
    for lang in ("ja", "en"):
        rc, out, err = run(["--lang", lang, "risk", "--template"])
        check(rc == 0 and err == "", "template %s: %d %s" % (lang, rc, err))
        golden("template-%s.csv" % lang, out)
        # what we hand out must be accepted as input
        write("t.csv", out)
        rc, out, err = run(["--lang", lang, "risk", "t.csv"])
        check(rc == 0, "template %s as input: %d %s" % (lang, rc, err))
    rc, _, _ = run(["risk", "--template", "--bom", "--output", "t2.csv"])
    with open(os.path.join(WORK, "t2.csv"), "rb") as f:
        check(f.read().startswith(b"\xef\xbb\xbfasset,owner"), "template --bom --output")
    # to a file the template has the mark (BOM) by default, so that Japanese Excel opens it
    # by a double-click; the next step is said after it; --no-bom leaves the mark out
    rc, out, err = run(["--lang", "ja", "risk", "--template", "--output", "資産一覧.csv"])
    check(rc == 0 and err == "" and out.decode() == (
        "資産一覧.csv にひな形を書きました。Excel で開き、記入例の行を自社の資産に書き換えて保存"
        "してから「mamori risk --format html --output リスク分析.html 資産一覧.csv」を実行して"
        "ください。評価は 1〜3 の数字で書きます（3 が、影響がいちばん大きい・いちばん起こりやすい）。\n"),
          "template ja --output: %d %r %r" % (rc, out, err))
    with open(os.path.join(WORK, "資産一覧.csv"), "rb") as f:
        check(f.read() == b"\xef\xbb\xbf" + golden_bytes("template-ja.csv"),
              "template --output: BOM and the golden template")
    rc, out, err = run(["risk", "--template", "--output", "my list.csv"])
    check(rc == 0 and out.decode() == (
        "Wrote the template to my list.csv. Open it in Excel, replace the example rows with your "
        "own assets and save it, then run \"mamori risk --format html --output "
        "risk-analysis.html 'my list.csv'\". Ratings are 1 to 3 (3 is the greatest impact or "
        "the most likely).\n"), "template en --output: %d %r %r" % (rc, out, err))
    rc, out, err = run(["risk", "--template", "--no-bom", "--output", "t3.csv"])
    with open(os.path.join(WORK, "t3.csv"), "rb") as f:
        check(rc == 0 and f.read() == golden_bytes("template-en.csv"), "template --no-bom")
    # the finished CSV to a file has the mark too; on standard output only with --bom
    rc, out, err = run(["--lang", "ja", "risk", "--format", "csv", "--output", "t4.csv",
                        "inventory-ja.csv"])
    with open(os.path.join(WORK, "t4.csv"), "rb") as f:
        check(rc == 0 and out == b"" and f.read() == b"\xef\xbb\xbf" + golden_bytes("ja.csv"),
              "csv --output: BOM by default")
    rc, out, err = run(["--lang", "ja", "risk", "--format", "csv", "--bom", "inventory-ja.csv"])
    check(rc == 0 and out == b"\xef\xbb\xbf" + golden_bytes("ja.csv"), "csv --bom to stdout")
    for name in ("t.csv", "t2.csv", "t3.csv", "t4.csv", "資産一覧.csv", "my list.csv"):
        os.unlink(os.path.join(WORK, name))


ERRORS = [
    # (file content, language, exit code, expected stderr after "mamori risk: bad.csv: ")
    (HEADER_EN + "PC,Me,Desk,Device,1,1,1,1,1\nNAS,IT,Office,Device,4,1,1,1,1\n", "en", 3,
     "line 3, column 5 (confidentiality): \"4\" is out of range; "
     "enter the whole number 1, 2 or 3 in each rating cell (or low, medium, high; no decimals)."),
    (HEADER_EN + "PC,Me,Desk,Device,1,1,1,1,1\n\"multi\nline\",IT,Office,Device,1,x,1,1,1\n",
     "en", 3, "line 3, column 6 (integrity): \"x\" is not a rating; enter the whole number 1, 2 "
     "or 3 in each rating cell (or low, medium, high; no decimals)."),
    ("asset,owner,location,medium,confidentiality,integrity,availability,threat\nPC,a,b,c,1,1,1,1\n",
     "en", 3, "line 1: the required column \"vulnerability\" is missing; head it with one of: "
     "vulnerability, vulnerabilities, vulnerability level, 脆弱性, 脆弱性の大きさ, 脆弱性レベル"),
    (HEADER_EN.encode() + b"PC,Me,\x81\x7f,Device,1,1,1,1,1\n", "en", 3,
     "line 2, column 3 (location): it holds bytes that are neither UTF-8 nor CP932 (Shift_JIS); "
     "save it again in Excel as \"CSV UTF-8 (Comma delimited)\"."),
    (HEADER_EN + "PC,Me,Desk,Device,1,1,1,1,1\nNAS,\"IT,Office,Device,1,1,1,1,1\n", "en", 3,
     "line 3, column 2 (owner): a cell opened with a quotation mark (\") is never closed before "
     "the end of the file; add the closing \"."),
    (HEADER_EN + "PC,Me,De\"sk,Device,1,1,1,1,1\n", "en", 3,
     "line 2, column 3 (location): a quotation mark (\") is misplaced; a cell holding \" or a "
     "comma must be wrapped in \" as a whole, with each \" inside written twice (\"\")."),
    ("", "en", 3, "the file is empty; put the column headings on line 1 and one asset per line "
     "below them (\"mamori risk --template\" writes an example)."),
    (HEADER_EN, "en", 3, "line 1: there are no asset rows; write one asset per line below the "
     "headings."),
    (b"\xff\xfea\x00,\x00", "en", 3, "UTF-16 files (Excel's \"Unicode Text\") are not supported; "
     "save again in Excel as \"CSV UTF-8 (Comma delimited)\" or \"CSV (Comma delimited)\"."),
    (HEADER_EN + "PC,Me,Desk,Device,1,1,1,1,1,surplus\n", "en", 3,
     "line 2, column 10: the value \"surplus\" is in a column without a heading; give every "
     "column that holds values a heading, or delete those values."),
    (HEADER_EN + "PC,Me,Desk,Device,1,1,1,3,３\n,Me,Desk,Device,1,1,1,1,1\n", "en", 3,
     "line 3, column 1 (asset): the asset name is empty; name each asset, or delete the rows "
     "that are not assets."),
    # a misplaced quote in the heading row: that one error, no data cell named as a heading
    (HEADER_EN.replace("owner", "ow\"ner") + "PC,note,Desk,Device,1,1,1,1,1\n"
     "NAS,\"x\"y,Office,Device,1,1,1,1,1\n", "en", 3,
     "line 1, column 2: a quotation mark (\") is misplaced; a cell holding \" or a comma must be "
     "wrapped in \" as a whole, with each \" inside written twice (\"\")."),
    (HEADER_EN + "PC,Me,Desk,Device,1,1,1,1,1" + ",x" * 56 + "\n", "en", 3,
     "line 2, column 65: too many columns (at most 64 in one row); delete the columns you do not "
     "use (empty columns on the right count too)."),
    (HEADER_EN + "PC,Me,Desk,Device,1,1,1,1,1" + "," * 56 + "\n", "ja", 3,
     "2 行目 65 列目: 列が多すぎます（1 行に 64 列までです）。使っていない列を削除してください"
     "（右側の空の列も数に入ります）。"),
    ("資産名,管理者,保管場所,媒体,機密性,完全性,可用性,脅威,脆弱性\n顧客名簿,営業,NAS,電子,3,2,2,5,1\n",
     "ja", 3,
     "2 行目 8 列目（「脅威」）: 「5」は範囲外です。評価の欄には 1・2・3 のどれかの整数を"
     "入れてください（低・中・高 とも書けます。小数は使えません）。"),
]


QUOTE_EN = "a quotation mark (\") is misplaced."
QUOTE_JA = "引用符（\"）の使い方が正しくありません。"
QUOTE_STEP_EN = ("what to do: a cell holding \" or a comma must be wrapped in \" as a whole, with "
                 "each \" inside written twice (\"\").")
QUOTE_STEP_JA = ("直し方: セルの中で \" やコンマを使うときは、セル全体を \" で囲み、中の \" は \"\" と "
                 "2 つ重ねてください。")
# past 20 errors: how many more, said at the end of the list; its step after the others
MORE_STEP_EN = ("what to do: correct the errors listed above and read the file again: the others "
                "are shown then.")
MORE_STEP_JA = ("直し方: 上に示した誤りを直してから、もう一度読み込んでください。"
                "残りの誤りはそのときに示します。")


def test_every_format_error():
    """A broken quote does not hide the other rows' format errors: each is said with its line
    (a NUL and a misplaced quote on other lines, a good multi-line cell between them), each
    next step once after the list, the exit code stays 3, and past 20 the rest are counted."""
    write("keep.csv", b"old\n")
    rows = ["PC,Me,De\"sk,Device,1,1,1,1,1",        # line 2: quote inside an unquoted cell
            "\"multi\nline\",IT,Office,Device,1,1,1,1,1",  # lines 3-4: fine
            "NAS,\"IT\"x,Office,Device,1,1,1,1,1",    # line 5: text after a closing quote
            "Fax,Me,Desk\x00,Device,1,1,1,1,1",      # line 6: a NUL
            "Mail,Me,Cloud,Data,1,1,1,1,1",          # line 7: fine
            "Web,Me,Cloud,Data,1,\"1\"\"2,1,1,1"]      # line 8: a doubled quote, not closed here
    write("bad.csv", HEADER_EN + "\n".join(rows) + "\n")
    rc, out, err = run(["--lang", "en", "risk", "--output", "keep.csv", "bad.csv"])
    lines = ["line 2, column 3 (location): " + QUOTE_EN,
             "line 5, column 2 (owner): " + QUOTE_EN,
             "line 6, column 3 (location): it holds a NUL character (code 0).",
             "line 8, column 6 (integrity): a cell opened with a quotation mark (\") is never "
             "closed before the end of the file.",
             QUOTE_STEP_EN,
             "what to do: save the file again as CSV from your spreadsheet.",
             "what to do: add the closing \"."]
    want = "".join("mamori risk: bad.csv: " + line + "\n" for line in lines)
    check(rc == 3 and out == b"" and err == want,
          "several errors: exit %d\n got %r\nwant %r" % (rc, err, want))
    check_no_output("several errors")
    # 25 broken rows: the first 20, how many more, the step once, then the step for the rest
    write("bad.csv", HEADER_EN + "".join("PC%d,M\"e,Desk,Device,1,1,1,1,1\n" % i
                                         for i in range(25)))
    for lang, quote, step, more, more_step in (
            ("en", QUOTE_EN, QUOTE_STEP_EN, "5 more errors are not listed (only the first 20 are).",
             MORE_STEP_EN),
            ("ja", QUOTE_JA, QUOTE_STEP_JA, "ほかにも 5 件の誤りがあります（最初の 20 件だけを示しました）。",
             MORE_STEP_JA)):
        rc, out, err = run(["--lang", lang, "risk", "bad.csv"])
        at = "line %d, column 2 (owner): " if lang == "en" else "%d 行目 2 列目（「owner」）: "
        want = "".join("mamori risk: bad.csv: " + at % (i + 2) + quote + "\n" for i in range(20))
        want += "mamori risk: bad.csv: " + more + "\n"
        want += "mamori risk: bad.csv: " + step + "\n"
        want += "mamori risk: bad.csv: " + more_step + "\n"
        check(rc == 3 and out == b"" and err == want,
              "25 errors %s: exit %d\n got %r\nwant %r" % (lang, rc, err, want))
    # 20 misplaced quotes, then a NUL: the NUL is not listed, but its step is still said
    write("bad.csv", HEADER_EN + "".join("PC%d,M\"e,Desk,Device,1,1,1,1,1\n" % i
                                         for i in range(20)) + "Fax,Me,Desk\x00,Device,1,1,1,1,1\n")
    rc, out, err = run(["--lang", "en", "risk", "bad.csv"])
    want = "".join("mamori risk: bad.csv: " + line + "\n" for line in (
        "1 more error is not listed (only the first 20 are).", QUOTE_STEP_EN,
        "what to do: save the file again as CSV from your spreadsheet.", MORE_STEP_EN))
    check(rc == 3 and err.endswith(want) and err.count("\n") == 24 and "NUL" not in err,
          "format step past the list: exit %d %r" % (rc, err))
    # a broken line that then opens a quoted cell going on over the next line: the cell is read
    # as one (its second line gives no second, false error); a real error in a later row is
    # still said, and so is a cell opened after the bad one and never closed
    for lang, quote, step in (("en", QUOTE_EN, QUOTE_STEP_EN), ("ja", QUOTE_JA, QUOTE_STEP_JA)):
        write("bad.csv", HEADER_EN + "PC,\"M\"e,\"De\nsk\",Device,1,1,1,1,1\n")
        rc, out, err = run(["--lang", lang, "risk", "bad.csv"])
        at = "line 2, column 2 (owner): " if lang == "en" else "2 行目 2 列目（「owner」）: "
        want = "mamori risk: bad.csv: " + at + quote[:-1] + ("; " if lang == "en" else "。") + \
            step.split(": ", 1)[1] + "\n"
        check(rc == 3 and out == b"" and err == want,
              "quote then a two-line cell %s: exit %d\n got %r\nwant %r" % (lang, rc, err, want))
    write("bad.csv", HEADER_EN + "PC,\"M\"e,\"De\nsk\",Device,1,1,1,1,1\n"
          "NAS,IT,Office,Data,1,1,1,1,1\nFax,M\"e,Desk,Device,1,1,1,1,1\n"
          "Web,\"M\"e,\"Cloud\n")
    rc, out, err = run(["--lang", "en", "risk", "bad.csv"])
    want = "".join("mamori risk: bad.csv: " + line + "\n" for line in (
        "line 2, column 2 (owner): " + QUOTE_EN, "line 5, column 2 (owner): " + QUOTE_EN,
        "line 6, column 2 (owner): " + QUOTE_EN,
        "line 6, column 3 (location): a cell opened with a quotation mark (\") is never closed "
        "before the end of the file.",
        QUOTE_STEP_EN, "what to do: add the closing \"."))
    check(rc == 3 and out == b"" and err == want,
          "quote, a two-line cell, then real errors: exit %d\n got %r\nwant %r" % (rc, err, want))
    os.unlink(os.path.join(WORK, "bad.csv"))


# Rows with problems in their cells (lines 2-8; line 6 is fine): every one is named with its line,
# column and header, in the order of the file, then each next step once (the three kinds of bad
# rating share one step).
CONTENT_ROWS = ["PC,Me,Desk,Device,4,1,1,1,1",        # line 2: rating out of range
                ",Me,Desk,Device,1,x,1,1,1",          # line 3: empty asset, a word as rating
                "NAS,IT,Office,Data,1,1,,2,9",        # line 4: empty rating, rating out of range
                "Fax,Me",                             # line 5: ends before the location
                "OK,Me,Desk,Device,1,1,1,1,1",        # line 6: fine
                "Web,Me,Cloud,Data,1,1,1,1,1,,stray",  # line 7: a value without a heading
                "Mail,Me,Cloud,Data,0,1,1,1,1"]       # line 8: rating out of range again
CONTENT_ERRORS = {
    "en": ["line 2, column 5 (confidentiality): \"4\" is out of range.",
           "line 3, column 1 (asset): the asset name is empty.",
           "line 3, column 6 (integrity): \"x\" is not a rating.",
           "line 4, column 7 (availability): the rating is empty.",
           "line 4, column 9 (vulnerability): \"9\" is out of range.",
           "line 5, column 3 (location): the row ends before the \"location\" column.",
           "line 7, column 11: the value \"stray\" is in a column without a heading.",
           "line 8, column 5 (confidentiality): \"0\" is out of range.",
           "what to do: enter the whole number 1, 2 or 3 in each rating cell (or low, medium, high; no decimals).",
           "what to do: name each asset, or delete the rows that are not assets.",
           "what to do: fill in the missing cells.",
           "what to do: give every column that holds values a heading, or delete those values."],
    "ja": ["2 行目 5 列目（「機密性」）: 「4」は範囲外です。",
           "3 行目 1 列目（「資産名」）: 資産名が空です。",
           "3 行目 6 列目（「完全性」）: 「x」は評価として使えません。",
           "4 行目 7 列目（「可用性」）: 評価が空です。",
           "4 行目 9 列目（「脆弱性」）: 「9」は範囲外です。",
           "5 行目 3 列目（「保管場所」）: この行は「保管場所」の列まで届いていません。",
           "7 行目 11 列目: 見出しのない列に値「stray」があります。",
           "8 行目 5 列目（「機密性」）: 「0」は範囲外です。",
           "直し方: 評価の欄には 1・2・3 のどれかの整数を入れてください（低・中・高 とも書けます。小数は使えません）。",
           "直し方: 資産の名前を入れるか、資産でない行は行ごと削除してください。",
           "直し方: 足りないセルに値を入れてください。",
           "直し方: 値のある列には見出しを付けるか、その値を消してください。"],
}
HEADER_JA = "資産名,管理者,保管場所,媒体,機密性,完全性,可用性,脅威,脆弱性\n"


def test_every_content_error():
    """A bad cell does not hide the others: every problem of every row is named (line, column,
    header, what is wrong), each next step is said once after the list, exit code 3, no output
    written; past 20 the rest are counted."""
    write("keep.csv", b"old\n")
    for lang, header in (("en", HEADER_EN), ("ja", HEADER_JA)):
        write("bad.csv", header + "\n".join(CONTENT_ROWS) + "\n")
        rc, out, err = run(["--lang", lang, "risk", "--output", "keep.csv", "bad.csv"])
        want = "".join("mamori risk: bad.csv: " + line + "\n" for line in CONTENT_ERRORS[lang])
        check(rc == 3 and out == b"" and err == want,
              "content errors %s: exit %d\n got %r\nwant %r" % (lang, rc, err, want))
        for line in CONTENT_ERRORS[lang]:
            check(err.count(line) == 1, "content errors %s: %r not said once" % (lang, line))
        check_no_output("content errors %s" % lang)
    # 30 rows with a rating of 5: the first 20, the step once, then how many more
    write("bad.csv", HEADER_EN + "".join("PC%d,Me,Desk,Device,1,1,1,1,5\n" % i for i in range(30)))
    rc, out, err = run(["risk", "bad.csv"])
    want = "".join("mamori risk: bad.csv: line %d, column 9 (vulnerability): \"5\" is out of "
                   "range.\n" % (i + 2) for i in range(20))
    want += ("mamori risk: bad.csv: 10 more errors are not listed (only the first 20 are).\n"
             "mamori risk: bad.csv: what to do: enter the whole number 1, 2 or 3 in each rating "
             "cell (or low, medium, high; no decimals).\n"
             "mamori risk: bad.csv: " + MORE_STEP_EN + "\n")
    check(rc == 3 and out == b"" and err == want,
          "30 content errors: exit %d\n got %r\nwant %r" % (rc, err, want))
    # 20 empty asset names, then 5 bad ratings: the ratings are not listed, but their step is
    # still said (once), after the asset name's
    write("bad.csv", HEADER_EN + "".join(",Me,Desk,Device,1,1,1,1,1\n" for i in range(20))
          + "".join("PC%d,Me,Desk,Device,1,1,1,1,7\n" % i for i in range(5)))
    for lang, steps in (
            ("en", ["what to do: name each asset, or delete the rows that are not assets.",
                    "what to do: enter the whole number 1, 2 or 3 in each rating cell (or low, medium, high; no decimals).", MORE_STEP_EN]),
            ("ja", ["直し方: 資産の名前を入れるか、資産でない行は行ごと削除してください。",
                    "直し方: 評価の欄には 1・2・3 のどれかの整数を入れてください（低・中・高 とも書けます。小数は使えません）。", MORE_STEP_JA])):
        rc, out, err = run(["--lang", lang, "risk", "bad.csv"])
        lines = err.splitlines()
        check(rc == 3 and len(lines) == 24 and "5 " in lines[20] and
              lines[21:24] == ["mamori risk: bad.csv: " + step for step in steps] and
              all("asset name is empty" in l or "資産名が空" in l for l in lines[:20]),
              "steps past the list %s: exit %d %r" % (lang, rc, err))
    os.unlink(os.path.join(WORK, "bad.csv"))


# A heading row with a duplicate and two missing columns (and a bad rating below it, not read):
# every heading problem is named, the duplicate first, then each next step once, the accepted
# headings of both missing columns together in the last line.
HEADING_FILES = {
    "en": "asset,name,location,medium,confidentiality,integrity,availability,threat\n"
          "PC,PC,Desk,Device,9,1,1,1\n",
    "ja": "資産名,資産,保管場所,媒体,機密性,完全性,可用性,脅威\nPC,PC,机,機器,9,1,1,1\n",
}
HEADING_ERRORS = {
    "en": ["line 1: the \"asset\" column appears more than once (column 1 \"asset\" and column 2 "
           "\"name\").",
           "line 1: the required column \"owner\" is missing.",
           "line 1: the required column \"vulnerability\" is missing.",
           "what to do: keep only one of each column that appears more than once.",
           "what to do: head each missing column with one of the headings accepted for it: "
           "\"owner\": owner, user, users, owner/user, user/owner, responsible, 管理者/利用者, "
           "利用者/管理者, 管理者, 利用者, 所有者, 担当者, 責任者, 利用者範囲, 管理部署; "
           "\"vulnerability\": vulnerability, vulnerabilities, vulnerability level, 脆弱性, "
           "脆弱性の大きさ, 脆弱性レベル"],
    "ja": ["1 行目: 「資産名」の列が重複しています（1 列目の「資産名」と 2 列目の「資産」）。",
           "1 行目: 必要な列「管理者/利用者」が見つかりません。",
           "1 行目: 必要な列「脆弱性」が見つかりません。",
           "直し方: 同じ列が 2 つ以上あるときは、1 つだけにしてください。",
           "直し方: 見つからない列の見出しには、列ごとに次のどれかを使ってください。"
           "「管理者/利用者」: owner、user、users、owner/user、user/owner、responsible、"
           "管理者/利用者、利用者/管理者、管理者、利用者、所有者、担当者、責任者、利用者範囲、"
           "管理部署。「脆弱性」: vulnerability、vulnerabilities、vulnerability level、脆弱性、"
           "脆弱性の大きさ、脆弱性レベル"],
}


def test_every_heading_error():
    """A heading problem does not hide the others: each duplicate and each missing column is
    named in one reading, the steps once after the list (the accepted headings said once, for
    every missing column), exit code 3, no output written, the rows not checked."""
    write("keep.csv", b"old\n")
    for lang in ("en", "ja"):
        write("bad.csv", HEADING_FILES[lang])
        rc, out, err = run(["--lang", lang, "risk", "--output", "keep.csv", "bad.csv"])
        want = "".join("mamori risk: bad.csv: " + line + "\n" for line in HEADING_ERRORS[lang])
        check(rc == 3 and out == b"" and err == want,
              "heading errors %s: exit %d\n got %r\nwant %r" % (lang, rc, err, want))
        check(err.count("vulnerability level") == 1 and err.count("管理部署") == 1,
              "heading errors %s: accepted headings not said once: %r" % (lang, err))
        check_no_output("heading errors %s" % lang)
    # none of the headings (data on line 1): one short line, not nine missing columns
    write("bad.csv", "PC,Me,Desk,Device,1,1,1,1,1\nNAS,IT,Office,Data,1,1,1,1,1\n")
    for lang, want in (
            ("en", "line 1: none of the headings an asset list needs is here (is this the right "
                   "file?); the first line must hold the column headings: asset, owner, location, "
                   "medium, confidentiality, integrity, availability, threat, vulnerability "
                   "(\"mamori risk --template\" writes an example)."),
            ("ja", "1 行目: 資産一覧に必要な見出しが 1 つもありません（別のファイルではありませんか）。"
                   "1 行目には列の見出しとして次のものを書いてください: 資産名、管理者/利用者、"
                   "保管場所、媒体、機密性、完全性、可用性、脅威、脆弱性（「mamori risk --template」"
                   "でひな形を作れます）。")):
        rc, out, err = run(["--lang", lang, "risk", "bad.csv"])
        check(rc == 3 and out == b"" and err == "mamori risk: bad.csv: " + want + "\n",
              "no headings %s: exit %d %r" % (lang, rc, err))
    # too few of them (fewer than five of the nine): the same short message, naming those found,
    # not eight missing columns
    write("bad.csv", "name,kind,value\nPC,laptop,3\n")
    for lang, want in (
            ("en", "line 1: of the nine headings an asset list needs, this line has only \"name\" "
                   "for the asset column (is this the right file?); the first line must hold the "
                   "column headings: asset, owner, location, medium, confidentiality, integrity, "
                   "availability, threat, vulnerability (\"mamori risk --template\" writes an "
                   "example)."),
            ("ja", "1 行目: 資産一覧に必要な 9 つの見出しのうち、この行にあるのは「name」（資産名の"
                   "列）だけです（別のファイルではありませんか）。1 行目には列の見出しとして次のも"
                   "のを書いてください: 資産名、管理者/利用者、保管場所、媒体、機密性、完全性、可用"
                   "性、脅威、脆弱性（「mamori risk --template」でひな形を作れます）。")):
        rc, out, err = run(["--lang", lang, "risk", "bad.csv"])
        check(rc == 3 and out == b"" and err == "mamori risk: bad.csv: " + want + "\n",
              "too few headings %s: exit %d %r" % (lang, rc, err))
    os.unlink(os.path.join(WORK, "bad.csv"))


def check_no_output(tag):
    names = sorted(os.listdir(WORK))
    check(names == sorted(["inventory-ja.csv", "inventory-en.csv", "inventory-cp932.csv",
                           "bad.csv", "keep.csv"]), "%s: files left behind: %r" % (tag, names))
    with open(os.path.join(WORK, "keep.csv"), "rb") as f:
        check(f.read() == b"old\n", "%s: existing output file was changed" % tag)


def test_errors():
    write("keep.csv", b"old\n")
    for i, (content, lang, code, message) in enumerate(ERRORS):
        write("bad.csv", content)
        for fmt in ("csv", "html"):
            for target in ("new.csv", "keep.csv"):
                rc, out, err = run(["--lang", lang, "risk", "--format", fmt, "--output", target,
                                    "bad.csv"])
                want = "mamori risk: bad.csv: " + message + "\n"
                check(rc == code, "case %d: exit %d, want %d (%s)" % (i, rc, code, err))
                check(err == want, "case %d: stderr\n got %r\nwant %r" % (i, err, want))
                check(out == b"", "case %d: stdout not empty" % i)
                check_no_output("case %d" % i)
    os.unlink(os.path.join(WORK, "bad.csv"))


def test_big_inputs():
    write("keep.csv", b"old\n")
    # one byte over 16 MiB
    with open(os.path.join(WORK, "bad.csv"), "wb") as f:
        f.write(HEADER_EN.encode())
        f.write(b"x" * (16 * 1024 * 1024 + 1 - len(HEADER_EN)))
    rc, out, err = run(["risk", "--output", "keep.csv", "bad.csv"])
    check(rc == 3 and err == "mamori risk: bad.csv: the file is too large (the limit is 16 MiB); "
          "split the inventory into smaller files.\n", "too large: %d %r" % (rc, err))
    check_no_output("too large")
    # 10,001 asset rows: one too many
    write("bad.csv", HEADER_EN + "a,o,l,m,1,2,3,1,2\n" * 10001)
    rc, out, err = run(["risk", "--output", "keep.csv", "bad.csv"])
    check(rc == 3 and err == "mamori risk: bad.csv: line 10002: too many asset rows (the limit "
          "is 10000); split the inventory into smaller files.\n", "too many rows: %d %r" % (rc, err))
    check_no_output("too many rows")
    # exactly 10,000 rows are fine
    write("bad.csv", HEADER_EN + "a,o,l,m,1,2,3,1,2\n" * 10000)
    rc, out, err = run(["risk", "--format", "json", "bad.csv"])
    check(rc == 0 and json.loads(out)["summary"]["assets"] == 10000, "10000 rows: %d" % rc)
    for name in ("bad.csv", "keep.csv"):
        os.unlink(os.path.join(WORK, name))


def test_usage():
    cases = [
        (["risk", "--format", "pdf", "inventory-en.csv"], 2,
         "mamori risk: --format takes text, csv, json or html\n"),
        (["risk", "--accept-below", "0", "inventory-en.csv"], 2,
         "mamori risk: --accept-below takes a whole number from 1 to 10\n"),
        (["risk", "--accept-below", "4x", "inventory-en.csv"], 2,
         "mamori risk: --accept-below takes a whole number from 1 to 10\n"),
        # digits only (strtol read these as 4)
        (["risk", "--accept-below", "+4", "inventory-en.csv"], 2,
         "mamori risk: --accept-below takes a whole number from 1 to 10\n"),
        (["risk", "--accept-below", " 4", "inventory-en.csv"], 2,
         "mamori risk: --accept-below takes a whole number from 1 to 10\n"),
        (["risk", "--encoding", "latin1", "inventory-en.csv"], 2,
         "mamori risk: --encoding takes auto, utf-8 or cp932\n"),
        # no file at all: how to make the template
        (["risk"], 2, "mamori risk: give exactly one inventory CSV file (\"mamori risk --template "
         "--output inventory.csv\" writes an example to fill in)\n"),
        (["--lang", "ja", "risk"], 2, "mamori risk: 資産一覧の CSV ファイルを 1 つ指定してください"
         "（記入例つきのひな形は「mamori risk --template --output 資産一覧.csv」で作れます）\n"),
        (["risk", "--bom", "--no-bom", "--template"], 2,
         "mamori risk: --bom and --no-bom cannot be given together\n"),
        (["risk", "a.csv", "b.csv"], 2, "mamori risk: give exactly one inventory CSV file\n"),
        (["risk", "--template", "inventory-en.csv"], 2,
         "mamori risk: --template does not take an input file\n"),
        # each option once (the last won)
        (["risk", "--format", "json", "-f", "csv", "inventory-en.csv"], 2,
         "mamori risk: --format: given more than once\n"),
        (["risk", "--bom", "--bom", "inventory-en.csv"], 2,
         "mamori risk: --bom: given more than once\n"),
        (["risk", "--frobnicate", "inventory-en.csv"], 2,
         "mamori risk: --frobnicate: unknown option (see --help)\n"),
        (["risk", "inventory-en.csv", "--output"], 2,
         "mamori risk: --output: this option needs a value (see --help)\n"),
        # a missing input file: the message every mamori command gives (cli.json error.no_input)
        (["risk", "missing.csv"], 4, "mamori risk: missing.csv: there is no such file; check the "
         "file's name and the folder it is in\n"),
        (["--lang", "ja", "risk", "missing.csv"], 4, "mamori risk: missing.csv: このファイルが見つ"
         "かりません。ファイルの名前と、置いてあるフォルダーが合っているか確かめてください\n"),
        # a reason without a step of its own: the reason, then what to do; for a device error
        # (EIO) copying the file elsewhere (step.csv.device), not the permission (step.csv.io)
        (["risk", "/proc/self/mem"], 4, "mamori risk: /proc/self/mem: the file could not be read "
         "(input/output error); the disk or USB stick that holds it may be failing: copy the "
         "file to another place and try again.\n"),
        (["--lang", "ja", "risk", "/proc/self/mem"], 4, "mamori risk: /proc/self/mem: ファイルを読み"
         "込めませんでした（読み書きに失敗しました）。ファイルを置いているディスクや USB メモリーが"
         "傷んでいるかもしれません。ファイルを別の場所にコピーして、もう一度試してください。\n"),
        # a reason with its own step (is a directory): that step alone
        (["risk", "."], 4, "mamori risk: .: the file could not be read (is a directory; give a "
         "file)\n"),
        # a reason with its own next step (errors.json) is the only step: "check that you may
        # read it" is left out
        (["risk", "inventory-en.csv/x.csv"], 4, "mamori risk: inventory-en.csv/x.csv: the file "
         "could not be read (there is a file where a directory should be; check the path)\n"),
        (["--lang", "ja", "risk", "inventory-en.csv/x.csv"], 4, "mamori risk: inventory-en.csv/"
         "x.csv: ファイルを読み込めませんでした（フォルダーがあるはずのところにファイルがあります。"
         "指定した場所を確かめてください）\n"),
        (["--lang", "ja", "risk", "--output", "no-dir/x.csv", "inventory-en.csv"], 4,
         "mamori risk: no-dir/x.csv: 書き込めませんでした。保存先のフォルダーがありません。"
         "先にそのフォルダーを作るか、別の場所を指定してください\n"),
    ]
    for args, code, want in cases:
        rc, out, err = run(args)
        check(rc == code and err == want and out == b"",
              "%r: exit %d (want %d), stderr %r (want %r)" % (args, rc, code, err, want))
    if os.geteuid() != 0:  # a refusal (EACCES) keeps the permission step (root reads it all)
        write("locked.csv", HEADER_EN)
        os.chmod(os.path.join(WORK, "locked.csv"), 0)
        rc, out, err = run(["risk", "locked.csv"])
        check(rc == 4 and err == "mamori risk: locked.csv: the file could not be read (not "
              "permitted); check that you may read it.\n", "unreadable: %d %r" % (rc, err))
    rc, out, err = run(["risk", "--output", "/nonexistent-dir/x.csv", "inventory-en.csv"])
    check(rc == 4 and "could not write" in err, "unwritable output: %d %r" % (rc, err))
    for lang, first in (("en", "Usage: mamori risk"), ("ja", "使い方: mamori risk")):
        rc, out, err = run(["--lang", lang, "risk", "--help"])
        check(rc == 0 and out.decode().startswith(first), "--help %s" % lang)


def main():
    return SUITE.main(__doc__, setup, (test_outputs, test_output_file_and_bom,
                                       test_cp932_and_stdin, test_accept_below, test_template,
                                       test_errors, test_every_format_error,
                                       test_every_content_error, test_every_heading_error,
                                       test_big_inputs, test_usage))


if __name__ == "__main__":
    sys.exit(main())
