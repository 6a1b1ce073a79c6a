#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the calls that print catalogue messages (core/msg.h): every
mm_msg_print, mm_msg_format and mm_log_tr in src/ names a key that exists in
its catalogue (data/i18n/<domain>.json) and passes as many arguments as the
message's conversions take; so does every mm__audit_evidence (domain "audit",
the key after the result) (the compiler cannot check a format that comes
from a catalogue; test-core-msg.c checks that ja and en agree).

    check_msg_calls.py SOURCE_DIR

Exit 0 pass, 1 fail."""
import glob
import json
import os
import re
import sys

CALL = re.compile(r"\b(mm_msg_print|mm_msg_format|mm_log_tr|mm__audit_evidence)\(")
CONVERSION = re.compile(r"%(?:%|[-0-9.*]*(?:ll|l|z|h)?[sdu])")


def arguments(text):
    """The comma-separated arguments of a call whose "(" ends just before text."""
    depth, cur, out, i, in_string = 0, "", [], 0, False
    while i < len(text):
        c = text[i]
        if in_string:
            cur += c
            if c == "\\":
                cur += text[i + 1]
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string, cur = True, cur + c
        elif c in "([":
            depth, cur = depth + 1, cur + c
        elif c in ")]":
            if depth == 0:
                out.append(cur.strip())
                return out
            depth, cur = depth - 1, cur + c
        elif c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    return out


def wanted(fmt):
    """How many arguments fmt takes (a "*" precision takes one more)."""
    return sum(1 + c.count("*") for c in CONVERSION.findall(fmt) if c != "%%")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = sys.argv[1]
    catalogues, failures, calls = {}, 0, 0
    for path in sorted(glob.glob(os.path.join(root, "src", "**", "*.c"), recursive=True)):
        text = open(path, encoding="utf-8").read()
        for m in CALL.finditer(text):
            args = arguments(text[m.end():])
            if m.group(1) == "mm__audit_evidence":
                if len(args) < 2 or not args[1].startswith('"'):
                    continue  # the definition in audit.c
                domain, key, rest = "audit", args[1], args[2:]
            else:
                at = [i for i, a in enumerate(args) if re.fullmatch(r'"[a-z0-9-]+"', a) and
                      os.path.exists(os.path.join(root, "data", "i18n", a.strip('"') + ".json"))]
                if not at or at[0] + 1 >= len(args):
                    continue  # the definitions in core/msg.c
                domain, key, rest = args[at[0]].strip('"'), args[at[0] + 1], args[at[0] + 2:]
            keys = re.findall(r'"([^"]+)"', key)
            if not keys:
                continue  # a key passed through a helper (bad_usage, link_usage)
            if domain not in catalogues:
                with open(os.path.join(root, "data", "i18n", domain + ".json"), encoding="utf-8") as f:
                    catalogues[domain] = json.load(f)
            line = text.count("\n", 0, m.start()) + 1
            for k in keys:
                calls += 1
                entry = catalogues[domain].get(k)
                if not entry:
                    print("%s:%d: %s has no %s" % (path, line, domain, k))
                    failures += 1
                elif wanted(entry["en"]) != len(rest) and not (wanted(entry["en"]) == 0 and
                                                                len(rest) <= 1):
                    print("%s:%d: %s takes %d arguments, given %d" %
                          (path, line, k, wanted(entry["en"]), len(rest)))
                    failures += 1
    if calls < 50:
        print("only %d calls found: is the source tree right?" % calls)
        return 1
    print("%d message calls checked, %d problems" % (calls, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
