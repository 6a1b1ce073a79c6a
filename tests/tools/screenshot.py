#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Headless-Chromium screenshot helper for browser tests (stdlib only).

As a module:  from screenshot import screenshot; screenshot(html_path, png_path)
As a script:  screenshot.py HTML PNG [--size 1240,1754]

Loads a local HTML file in /usr/bin/chromium (no network: background
networking, component updates and sync are off, and the page is a file://
URL), saves a PNG and checks that it is a real, non-trivial image: PNG
signature, the requested size in the IHDR chunk, and more than MIN_BYTES.
Exit status 77 (skip) when Chromium is not installed.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

CHROMIUM = os.environ.get("MAMORI_CHROMIUM", "/usr/bin/chromium")
MIN_BYTES = 20000  # a blank A4-sized page compresses to a few kilobytes
SKIP = 77


class BrowserMissing(Exception):
    pass


def png_size(path):
    """Returns (width, height) from the PNG header, or None if not a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def screenshot(html_path, png_path, size=(1240, 1754), timeout=120):
    """Renders html_path into png_path; raises AssertionError when the image
    is missing or trivial, BrowserMissing when there is no Chromium."""
    if not os.access(CHROMIUM, os.X_OK):
        raise BrowserMissing(CHROMIUM + " not found")
    os.makedirs(os.path.dirname(os.path.abspath(png_path)), exist_ok=True)
    if os.path.exists(png_path):
        os.unlink(png_path)
    profile = tempfile.mkdtemp(prefix="mm-chromium-")
    try:
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--hide-scrollbars",
               "--user-data-dir=" + profile, "--screenshot=" + os.path.abspath(png_path),
               "--window-size=%d,%d" % size, "file://" + os.path.abspath(html_path)]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not os.path.isfile(png_path):
        raise AssertionError("no screenshot written; chromium said:\n" +
                             proc.stderr.decode("utf-8", "replace")[-2000:])
    dims = png_size(png_path)
    if dims is None:
        raise AssertionError(png_path + " is not a PNG")
    if dims != tuple(size):
        raise AssertionError("%s is %dx%d, expected %dx%d" % ((png_path,) + dims + size))
    if os.path.getsize(png_path) < MIN_BYTES:
        raise AssertionError("%s is only %d bytes: blank page?" %
                             (png_path, os.path.getsize(png_path)))
    return png_path


def main():
    args = sys.argv[1:]
    size = (1240, 1754)
    if "--size" in args:
        i = args.index("--size")
        size = tuple(int(v) for v in args[i + 1].split(","))
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__)
        return 2
    try:
        screenshot(args[0], args[1], size)
    except BrowserMissing as e:
        print("SKIP: " + str(e))
        return SKIP
    except AssertionError as e:
        print("FAIL: " + str(e))
        return 1
    print("ok: " + args[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
