#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Loads the HTML risk report (ja and en) in headless Chromium and saves a
screenshot of each under the build folder (screenshots/risk-LANG.png, A4
proportions). The screenshot must be a real PNG of the page size with a fair
amount of ink on it (text and table lines), not a blank page.
Skips (exit 77) when Chromium is not installed.

Usage: browser.py MAMORI_BINARY"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1240, 1754


def png_pixels(path):
    """Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes):
    returns (width, height, rows of bytes, bytes per pixel)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    w, h, depth, ctype, _, _, interlace = ihdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, "unexpected PNG format"
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xff
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xff
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xff
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xff
        rows.append(bytes(line))
        prev = line
    return w, h, rows, bpp


def dark_fraction(rows, bpp):
    dark = total = 0
    for row in rows[::4]:
        for x in range(0, len(row), bpp * 4):
            total += 1
            if row[x] + row[x + 1] + row[x + 2] < 3 * 160:
                dark += 1
    return dark / total


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if not os.access(CHROMIUM, os.X_OK):
        print("SKIP: %s not installed (scripts/deps.sh check installs it)" % CHROMIUM)
        return 77
    mamori = os.path.abspath(sys.argv[1])
    outdir = os.path.join(os.environ.get("MAMORI_BUILD_DIR", tempfile.gettempdir()),
                          "screenshots")
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ, TZ="UTC", MAMORI_DATE="2026-04-01")
    failures = 0
    for lang in ("ja", "en"):
        html = os.path.join(outdir, "risk-%s.html" % lang)
        png = os.path.join(outdir, "risk-%s.png" % lang)
        if os.path.exists(png):
            os.unlink(png)
        subprocess.run([mamori, "--lang", lang, "risk", "--format", "html", "--output", html,
                        os.path.join(HERE, "inventory-%s.csv" % lang)], check=True, env=env)
        profile = tempfile.mkdtemp(prefix="mm-chromium-")
        try:
            subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                            "--screenshot=" + png, "--window-size=%d,%d" % (WIDTH, HEIGHT),
                            "file://" + html],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=90,
                           check=False)
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        if not os.path.exists(png):
            print("FAIL: %s: no screenshot" % lang)
            failures += 1
            continue
        w, h, rows, bpp = png_pixels(png)
        ink = dark_fraction(rows, bpp)
        print("%s: %s %dx%d, dark fraction %.3f" % (lang, png, w, h, ink))
        if (w, h) != (WIDTH, HEIGHT) or not 0.01 < ink < 0.5:
            print("FAIL: %s: screenshot looks wrong" % lang)
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
