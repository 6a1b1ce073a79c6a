#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Consistency of the advice across the content in data/: what one document
tells a person must not contradict another. Checked: the minimum password
length (the diagnosis advice, the five rules, the threats, the audit
messages, the handbook and the rule set, ja and en) is one number.

Usage: content_test.py SOURCE_DIR
"""
import glob
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


def main():
    src = sys.argv[1]
    found = password_lengths(src)
    lengths = sorted({n for n, _, _ in found})
    if len(found) < 4 or len(lengths) != 1:
        for n, path, lineno in found:
            print("%s:%d: %d characters" % (path, lineno, n))
        print("FAIL: minimum password lengths %r (want one number, at least 4 mentions)" % lengths)
        return 1
    print("content: %d mentions of the password length, all %d" % (len(found), lengths[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
