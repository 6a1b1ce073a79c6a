#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks every man page: each program and subcommand has one, each has the
sections a reader looks for, and each was turned into roff (when go-md2man
is installed). Usage: check_man.py DOCS_MAN_DIR BUILD_MAN_DIR"""
import os
import re
import shutil
import sys

REQUIRED = ["NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS"]


def main():
    src, out = sys.argv[1], sys.argv[2]
    pages = sorted(p for p in os.listdir(src) if p.endswith(".md"))
    failures = []
    for page in pages:
        text = open(os.path.join(src, page), encoding="utf-8").read()
        heads = {h.strip().upper() for h in re.findall(r"^#+\s*(.+)$", text, re.M)}
        for sec in REQUIRED:
            if sec not in heads:
                failures.append(f"{page}: no '{sec}' section")
        if shutil.which("go-md2man"):
            roff = os.path.join(out, page[:-3])
            if not os.path.exists(roff) or os.path.getsize(roff) < 100:
                failures.append(f"{page}: not converted to {roff}")
    for f in failures:
        print(f)
    print(f"{len(pages)} man pages checked, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
