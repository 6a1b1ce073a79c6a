#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Finishes the roff that go-md2man (2.0.2, Debian 12) makes of a man page.

- Tables: go-md2man ends a long cell with "T}" and a line break, so the next
  cell of the row starts a new, misaligned row; and it leaves cells whose
  text begins with a short run before a code span unwrapped, so a table can
  be 200 columns wide. Every table is rewritten: one row per Markdown row,
  every body cell longer than a short word is a text block (T{ ... T}),
  which groff wraps, and the column with the longest text stretches to the
  page width.
- Japanese pages (--lang ja): after the .TH line, ja.tmac (a line may break
  between two Japanese characters, which have no spaces between them) and
  left-aligned lines (stretching the few spaces of a Japanese line looks odd
  and makes groff warn "cannot adjust line"). Other formatters skip it.

Usage: man-fixup.py [--lang ja|en] IN OUT   (stdlib only)
"""
import argparse
import re
import sys
import unicodedata

JAPANESE_PREAMBLE = """.\\" Japanese text: break lines between Japanese characters, align left.
.if \\n[.g] \\{\\
.  mso ja.tmac
.  ad l
.\\}
"""
# Japanese punctuation after which a line may break, and opening brackets
# before which it may: without these, a run such as "state、stats_interval、
# max_flows" has no break point at all, and groff 1.22.4 without hyphenation
# (as man-db runs it) loops forever on a narrow terminal.
BREAK_AFTER = re.compile(r"([、。，．：；！？）」』】])(?![、。，．：；！？）」』】]|\\:|$)")
BREAK_BEFORE = re.compile(r"(?<!^)(?<!\\:)([（「『【])")
SHORT_CELL = 16  # characters; longer body cells become text blocks


def table_rows(data):
    """Rows of cells from the data lines of one go-md2man table."""
    rows, row, p, block = [], [], 0, False
    while p < len(data):
        block = data.startswith("T{\n", p)
        if block:
            end = data.index("\nT}", p)
            row.append(data[p + 3:end])
            p = end + 3
        else:
            q = p
            while q < len(data) and data[q] not in "\t\n":
                q += 1
            row.append(data[p:q])
            p = q
        if p < len(data) and data[p] == "\t":
            p += 1
            continue
        p += 1
        if block and p < len(data) and data[p] == "\t":  # go-md2man's "T}\n\tnext"
            p += 1
            continue
        rows.append(row)
        row = []
    if row:
        rows.append(row)
    return rows


def expand_column(line, column):
    """A column format line ("l l l" or "l l l ."): the given column expands
    to the page width, so its text blocks wrap there."""
    words = line.split()
    if not all(w in ("l", ".") for w in words) or column >= len(words):
        return line
    words[column] = "lx"
    return " ".join(words)


def display_width(text):
    """Columns a terminal gives the text: a Japanese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def widest_column(rows):
    widths = [0] * max(len(r) for r in rows)
    for row in rows[1:]:
        for n, cell in enumerate(row):
            widths[n] = max(widths[n], display_width(cell))
    return widths.index(max(widths))


def cell_text(cell, header):
    if header or ("\n" not in cell and display_width(cell) <= SHORT_CELL):
        return cell
    return "T{\n" + cell + "\nT}"


def fix_tables(roff):
    out, lines, i = [], roff.split("\n"), 0
    while i < len(lines):
        if lines[i] != ".TS":
            out.append(lines[i])
            i += 1
            continue
        # text blocks left-aligned: justifying a narrow column stretches
        # spaces and makes groff warn "cannot adjust line"
        out.append(".ds mm-adjust \\n[.j]")
        out.append(".ad l")
        out.append(".TS")
        i += 1
        if lines[i].rstrip().endswith(";"):  # options
            out.append(lines[i])
            i += 1
        formats = []
        while not formats or not formats[-1].rstrip().endswith("."):
            formats.append(lines[i])
            i += 1
        end = lines.index(".TE", i)
        rows = table_rows("\n".join(lines[i:end]))
        widest = widest_column(rows)
        out.extend(expand_column(f, widest) for f in formats)
        for n, row in enumerate(rows):
            out.append("\t".join(cell_text(c, n == 0) for c in row))
        out.append(".TE")
        out.append(".ad \\*[mm-adjust]")
        i = end + 1
    return "\n".join(out)


def japanese_break_points(roff):
    """A zero-width break point (\\:) after Japanese punctuation and before
    opening brackets, in running text (not in requests or no-fill blocks)."""
    out, nofill = [], False
    for line in roff.split("\n"):
        if line.startswith(".nf"):
            nofill = True
        elif line.startswith(".fi"):
            nofill = False
        elif not nofill and not line.startswith((".", "'")):
            line = BREAK_BEFORE.sub(r"\\:\1", BREAK_AFTER.sub(r"\1\\:", line))
        out.append(line)
    return "\n".join(out)


def add_japanese_preamble(roff):
    th = roff.find("\n.TH ")
    if th < 0:
        raise SystemExit("man-fixup: no .TH line to put the Japanese preamble after")
    eol = roff.index("\n", th + 1) + 1
    return roff[:eol] + JAPANESE_PREAMBLE + roff[eol:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lang", default="en", choices=["en", "ja"])
    ap.add_argument("input")
    ap.add_argument("output")
    args = ap.parse_args()
    roff = open(args.input, encoding="utf-8").read()
    roff = fix_tables(roff)
    if args.lang == "ja":
        roff = add_japanese_preamble(japanese_break_points(roff))
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(roff)
    return 0


if __name__ == "__main__":
    sys.exit(main())
