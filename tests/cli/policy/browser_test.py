#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Loads the generated policy HTML (ja and en rule sets, the ja basic policy)
in headless Chromium and saves screenshots under the build folder
(OUT/policy-ja.png, policy-en.png, basic-policy-ja.png). Skips (77) when
Chromium is missing.

Usage: browser_test.py --bin PROGRAM --out DIR
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
from screenshot import BrowserMissing, SKIP, screenshot  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    opts = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="mm-policy-browser-")
    # HOME and XDG_DATA_HOME in tmp: no diagnosis kept in the real home is read
    env = dict(os.environ, TZ="UTC", MAMORI_DATE="2026-04-01", LC_ALL="", LANG="C.UTF-8",
               HOME=tmp, XDG_DATA_HOME=os.path.join(tmp, "data"))
    shots = []
    try:
        for lang in ("ja", "en"):
            out = os.path.join(tmp, lang)
            subprocess.run([os.path.abspath(opts.bin), "--lang", lang, "policy", "--profile",
                            os.path.join(HERE, "fixtures", "full.ini"), "--out", out],
                           check=True, env=env, capture_output=True, timeout=60)
            shots.append((os.path.join(out, "rules.html"),
                          os.path.join(opts.out, "policy-%s.png" % lang)))
            if lang == "ja":
                shots.append((os.path.join(out, "basic-policy.html"),
                              os.path.join(opts.out, "basic-policy-ja.png")))
        for html, png in shots:
            screenshot(html, png)
            print("ok: " + png)
    except BrowserMissing as e:
        print("SKIP: " + str(e))
        return SKIP
    except AssertionError as e:
        print("FAIL: " + str(e))
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
