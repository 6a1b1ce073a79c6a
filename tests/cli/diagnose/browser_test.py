#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Renders the HTML diagnosis report (ja and en) in headless Chromium and
keeps the screenshots under <build>/screenshots/ (diagnose-ja.png,
diagnose-en.png) for people to look at. Skips (77) without Chromium.

Usage: browser_test.py --bin PROGRAM [--out DIR]
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from screenshot import BrowserMissing, SKIP, screenshot  # noqa: E402

SRC = os.environ.get("MAMORI_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", default=os.path.join(os.environ.get("MAMORI_BUILD_DIR", "."),
                                                  "screenshots"))
    opts = ap.parse_args()
    os.makedirs(opts.out, exist_ok=True)
    answers = os.path.join(SRC, "data", "demo", "diagnose-answers.json")
    env = dict(os.environ, MAMORI_DATE="2026-04-01", TZ="UTC")
    for lang in ("ja", "en"):
        html = os.path.join(opts.out, "diagnose-%s.html" % lang)
        png = os.path.join(opts.out, "diagnose-%s.png" % lang)
        subprocess.run([opts.bin, "--lang", lang, "diagnose", "--answers", answers,
                        "--format", "html", "--output", html], check=True, env=env)
        try:
            screenshot(html, png)
        except BrowserMissing as e:
            print("SKIP: " + str(e))
            return SKIP
        except AssertionError as e:
            print("FAIL: " + str(e))
            return 1
        print("ok: " + png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
