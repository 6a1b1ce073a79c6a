#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks every man page (stdlib only):

- each English page (docs/man/NAME.SECTION.md) has the sections a reader
  looks for and a title line naming its own section;
- each has a Japanese twin (docs/man/ja/NAME.SECTION.md) and no Japanese page
  lacks an English one; the twin is in Japanese, keeps each paragraph on one
  line, has the same sections in the same order (standard ones under their
  usual Japanese names), names the same command-line options (--long and -x
  tokens) and shows the same example commands;
- when go-md2man is installed, each page was turned into roff in the man
  tree (build/man/manS, build/man/ja/manS); every table row has as many
  cells as its heading (go-md2man 2.0.2 splits rows, docs/man-fixup.py
  mends them); groff (when installed) formats it, tables included, without
  a single warning, and finishes at narrow widths without hyphenation;
  at 80 columns (a terminal's usual width) no table is wider than the
  terminal, nor is a line of a settings example (```ini) once indented;
  `lexgrog` (man-db) reads its NAME line for whatis/apropos; and
  `cmake --install --component man` puts every page under share/man.

Usage: check_man.py DOCS_MAN_DIR BUILD_MAN_DIR [--build-dir CMAKE_BUILD_DIR]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata

REQUIRED = ["NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS"]
# The usual Japanese names of the standard sections (as in manpages-ja).
JAPANESE = {
    "NAME": "名前",
    "SYNOPSIS": "書式",
    "DESCRIPTION": "説明",
    "OPTIONS": "オプション",
    "EXIT STATUS": "終了ステータス",
    "ENVIRONMENT": "環境変数",
    "FILES": "ファイル",
    "EXAMPLES": "例",
    "SEE ALSO": "関連項目",
    "SIGNALS": "シグナル",
}
LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]")
SHORT_OPTION = re.compile(r"(?<![\w\-/.])-[a-zA-Z](?![\w-])")
NARROW_WIDTHS = (50, 64, 80)
TERMINAL = 80  # columns of a terminal (groff's own line is 78)
INDENT = 14  # columns man indents an example by (section, then code block)
KANA = re.compile(r"[\u3040-\u30ff]")
CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
BLOCK_START = re.compile(r"^\s*(?:$|[|#:%]|```|[-*] |\d+\. )")


def display_width(text):
    """Columns a terminal gives the text: a Japanese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wide_settings(text):
    """Lines of a settings example (```ini) that pass 80 columns once man
    indents them by INDENT (a comment goes on its own line above its setting)."""
    found, fenced = [], False
    for n, line in enumerate(text.split("\n"), 1):
        if line.startswith("```"):
            fenced = line == "```ini"
        elif fenced and INDENT + display_width(line) > TERMINAL:
            found.append(n)
    return found


def wrapped_lines(text):
    """Line numbers where a Japanese paragraph goes on on the next line: the
    line break would print as a space in the middle of a sentence."""
    found, fenced, lines = [], False, text.split("\n")
    for i, line in enumerate(lines[:-1]):
        if line.startswith("```"):
            fenced = not fenced
        nxt = lines[i + 1]
        if (not fenced and line.strip() and CJK.match(line.rstrip()[-1])
                and not re.match(r"^\s*(?:[|#%]|```)", line) and not BLOCK_START.match(nxt)):
            found.append(i + 1)
    return found


def headings(text):
    """[(level, title)] of the Markdown headings outside code blocks."""
    out, fenced = [], False
    for line in text.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        m = None if fenced else re.match(r"^(#+)\s*(.+?)\s*$", line)
        if m:
            out.append((len(m.group(1)), m.group(2)))
    return out


def options(text):
    return set(LONG_OPTION.findall(text)) | set(SHORT_OPTION.findall(text))


def example_commands(text, names):
    """Lines of code (fenced or indented) in the examples section."""
    part = re.split(r"^#+\s*(?:%s)\s*$" % "|".join(names), text, flags=re.M)
    if len(part) < 2:
        return None
    section = re.split(r"^#+\s", part[1], flags=re.M)[0]
    lines, fenced = [], False
    for line in section.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        elif (fenced or line.startswith("    ")) and line.strip():
            lines.append(line.strip())
    return lines


def title_line(text, page, failures):
    name, section = page[:-3].rsplit(".", 1)
    first = text.split("\n", 1)[0]
    if not re.match(r'^%% %s %s\b' % (re.escape(name.upper()), section), first):
        failures.append(f"{page}: first line is not '% {name.upper()} {section} ...'"
                        " (the title and section of the man page)")


def check_english(src, page, failures):
    text = open(os.path.join(src, page), encoding="utf-8").read()
    heads = {h.upper() for _, h in headings(text)}
    for sec in REQUIRED:
        if sec not in heads:
            failures.append(f"{page}: no '{sec}' section")
    title_line(text, page, failures)
    for n in wide_settings(text):
        failures.append(f"{page}:{n}: a settings line passes {TERMINAL} columns in man;"
                        " put its comment on a line of its own above it")
    return text


def check_twin(src, page, en, failures):
    path = os.path.join(src, "ja", page)
    if not os.path.exists(path):
        failures.append(f"{page}: no Japanese twin ja/{page}")
        return
    ja = open(path, encoding="utf-8").read()
    title_line(ja, page, failures)
    if len(KANA.findall(ja)) < 200:
        failures.append(f"ja/{page}: not written in Japanese")
    for n in wide_settings(ja):
        failures.append(f"ja/{page}:{n}: a settings line passes {TERMINAL} columns in man;"
                        " put its comment on a line of its own above it")
    for n in wrapped_lines(ja):
        failures.append(f"ja/{page}:{n}: the paragraph goes on on the next line; write it on"
                        " one line (the line break would show as a space)")
    en_heads, ja_heads = headings(en), headings(ja)
    if [lv for lv, _ in en_heads] != [lv for lv, _ in ja_heads]:
        failures.append(f"ja/{page}: sections differ from {page}: "
                        f"{[h for _, h in ja_heads]} vs {[h for _, h in en_heads]}")
    else:
        for (_, e), (_, j) in zip(en_heads, ja_heads):
            want = JAPANESE.get(e.upper())
            if want and j != want:
                failures.append(f"ja/{page}: section '{j}' should be '{want}' ({e})")
    en_opts, ja_opts = options(en), options(ja)
    for opt in sorted(en_opts - ja_opts):
        failures.append(f"ja/{page}: does not name {opt} (named in {page})")
    for opt in sorted(ja_opts - en_opts):
        failures.append(f"ja/{page}: names {opt}, which {page} does not")
    en_ex = example_commands(en, ["EXAMPLES?"])
    ja_ex = example_commands(ja, ["例"])
    if en_ex != ja_ex:
        failures.append(f"ja/{page}: example commands differ from {page}:"
                        f" {ja_ex} vs {en_ex}")


def table_problems(roff):
    """Tables whose rows do not all have as many cells as the heading row,
    e.g. a cell after a text block ("T}") that went onto a line of its own."""
    problems, lines, i = [], roff.split("\n"), 0
    while i < len(lines):
        if lines[i] != ".TS":
            i += 1
            continue
        start = i
        while not lines[i].rstrip().endswith("."):
            i += 1
        counts, cells, block = [], 1, False
        for line in lines[i + 1:lines.index(".TE", i)]:
            if block:
                block = not line.startswith("T}")
                if block:
                    continue
                line = line[2:]
                if not line:  # the row ends with this block
                    counts.append(cells)
                    cells = 1
                    continue
            cells += line.count("\t")
            block = line.endswith("T{")
            if not block:
                counts.append(cells)
                cells = 1
        if len(set(counts)) > 1:
            problems.append(f"table at line {start + 1}: rows of {sorted(set(counts))} cells")
        i += 1
    return problems


def wide_tables(roff):
    """The width of the widest table line groff draws past TERMINAL columns,
    as `MANWIDTH=80 man` runs it (groff's own width and hyphenation; 0 when
    every table fits)."""
    cmd = ["groff", "-k", "-t", "-man", "-Tutf8", "-P-cbou", roff]
    out = subprocess.run(cmd, capture_output=True, timeout=60).stdout.decode("utf-8", "replace")
    widths = [display_width(l) for l in out.split("\n") if any(c in l for c in "│┌├└")]
    return max([w for w in widths if w > TERMINAL], default=0)


def check_roff(roff, label, failures):
    if not os.path.exists(roff) or os.path.getsize(roff) < 100:
        failures.append(f"{label}: not converted to {roff}")
        return
    text = open(roff, encoding="utf-8").read()
    for problem in table_problems(text):
        failures.append(f"{label}: {problem}")
    if shutil.which("groff"):
        # As man-db runs it: -k preconv (UTF-8 input), -t tbl (tables); -ww:
        # every warning, at groff's own width (78 columns, hyphenation on).
        cmd = ["groff", "-k", "-t", "-man", "-Tutf8", "-ww", "-z", roff]
        proc = subprocess.run(cmd, capture_output=True, timeout=60)
        err = proc.stderr.decode("utf-8", "replace").strip()
        if proc.returncode != 0 or err:
            failures.append(f"{label}: groff warns: {err[:300]}")
        # man-db turns hyphenation off and uses the terminal's width; some
        # Japanese runs without a break point once made groff 1.22.4 loop
        # forever there. Warnings (a long path in a narrow column) are fine.
        for width in NARROW_WIDTHS:
            try:
                subprocess.run(cmd[:-1] + ["-rHY=0", f"-rLL={width}n", roff],
                               capture_output=True, timeout=30)
            except subprocess.TimeoutExpired:
                failures.append(f"{label}: groff does not finish at {width} columns"
                                " without hyphenation (a long run with no break point?)")
        wide = wide_tables(roff)
        if wide:
            failures.append(f"{label}: a table is {wide} columns wide at {TERMINAL} columns")
    if shutil.which("lexgrog"):
        proc = subprocess.run(["lexgrog", roff], capture_output=True, timeout=60)
        if proc.returncode != 0 or b"parse failed" in proc.stdout:
            failures.append(f"{label}: lexgrog cannot read the NAME line (whatis, apropos)")


def check_install(build, pages, failures):
    with tempfile.TemporaryDirectory(prefix="mamori-man-") as prefix:
        proc = subprocess.run(["cmake", "--install", build, "--prefix", prefix,
                               "--component", "man"], capture_output=True, timeout=120)
        if proc.returncode != 0:
            failures.append("cmake --install --component man failed: "
                            + proc.stderr.decode("utf-8", "replace")[:300])
            return
        for page in pages:
            section = page[:-3].rsplit(".", 1)[1]
            for sub in ("", "ja/"):
                path = os.path.join(prefix, "share/man", f"{sub}man{section}", page[:-3])
                if not os.path.isfile(path):
                    failures.append(f"{sub}{page}: not installed as {path[len(prefix):]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--build-dir")
    args = ap.parse_args()
    pages = sorted(p for p in os.listdir(args.src) if p.endswith(".md"))
    failures = []
    for page in pages:
        en = check_english(args.src, page, failures)
        check_twin(args.src, page, en, failures)
    ja_dir = os.path.join(args.src, "ja")
    for page in sorted(os.listdir(ja_dir)) if os.path.isdir(ja_dir) else []:
        if page.endswith(".md") and page not in pages:
            failures.append(f"ja/{page}: no English page {page}")
    if shutil.which("go-md2man"):
        for page in pages:
            section = page[:-3].rsplit(".", 1)[1]
            for sub in ("", "ja/"):
                roff = os.path.join(args.out, f"{sub}man{section}", page[:-3])
                check_roff(roff, sub + page, failures)
        if args.build_dir:
            check_install(args.build_dir, pages, failures)
    else:
        print("go-md2man is not installed: roff, groff and install checks skipped")
    for f in failures:
        print(f)
    print(f"{len(pages)} man pages and their Japanese twins checked, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
