#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The incident and monthly reports as PDF from the real mamori-center:
A4 pages that poppler (pdftoppm) turns into PNG, with the Japanese text
extractable (pdftotext) and a CJK font embedded (pdffonts), in ja and en.
A HEAD of a PDF report answers with GET's status and headers (no
Content-Length, no body, the connection closed) without rendering: no
font is opened until the first GET. Skips (77) when poppler-utils is
missing or the centre was built without pangocairo."""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def lsan_with_fonts():
    """Fontconfig, cairo and Pango keep process-wide caches that LeakSanitizer
    may report at exit in sanitizer builds; they are not the centre's leaks.
    Adds lsan-fonts.supp to the suppressions already in LSAN_OPTIONS (make
    check names tests/lsan.supp there), keeping the other options."""
    opts = [o for o in os.environ.get("LSAN_OPTIONS", "").split(":") if o]
    files = [os.path.join(HERE, "lsan-fonts.supp")]
    rest = []
    for o in opts:
        if o.startswith("suppressions="):
            files.insert(0, o.split("=", 1)[1])
        else:
            rest.append(o)
    merged = tempfile.NamedTemporaryFile("w", prefix="mm-lsan-", suffix=".supp", delete=False)
    for f in files:
        if os.path.exists(f):
            with open(f) as src:
                merged.write(src.read() + "\n")
    merged.close()
    os.environ["LSAN_OPTIONS"] = ":".join(rest + ["suppressions=" + merged.name])
    return merged.name


from centerlib import Center, check, head_raw, start_world  # noqa: E402

SUMMARY_JA = "社員が偽の請求書メールの添付ファイルを開き、パソコンが不審なサーバーと通信しました。"


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def poppler(tool, *args):
    p = subprocess.run([tool] + list(args), capture_output=True, timeout=120)
    check(p.returncode == 0, "%s failed: %s" % (tool, p.stderr.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


def check_pdf(data, tmp, name, want_texts):
    check(data.startswith(b"%PDF-"), "%s: not a PDF: %r" % (name, data[:20]))
    path = os.path.join(tmp, name + ".pdf")
    with open(path, "wb") as f:
        f.write(data)
    info = poppler("pdfinfo", path)
    check("595.276 x 841.89 pts" in info or "A4" in info, "%s: not A4:\n%s" % (name, info))
    poppler("pdftoppm", "-png", "-r", "40", path, os.path.join(tmp, name))
    pngs = [p for p in os.listdir(tmp) if p.startswith(name + "-") and p.endswith(".png")]
    check(pngs and all(os.path.getsize(os.path.join(tmp, p)) > 1000 for p in pngs),
          "%s: pages not rendered: %r" % (name, pngs))
    text = poppler("pdftotext", "-enc", "UTF-8", path, "-")
    flat = "".join(text.split())
    for want in want_texts:
        check("".join(want.split()) in flat, "%s lacks %r:\n%s" % (name, want, text))
    fonts = poppler("pdffonts", path)
    check("CJK" in fonts, "%s: no CJK font embedded:\n%s" % (name, fonts))
    return len(pngs)


def fonts_open(c):
    """Font and fontconfig cache files the centre has mapped: none until its
    first rendering (Pango's font map is made then, and kept)."""
    with open("/proc/%d/maps" % c.proc.pid) as f:
        files = {line.split()[-1] for line in f if "/" in line}
    return sorted(p for p in files if "/fonts/" in p or ".cache-" in p)


def test_head(c, w, iid):
    """HEAD of the PDF reports: GET's status and headers, for the right
    user and the wrong one, with nothing rendered. Returns the paths and
    HEAD replies, compared with GET's once the PDFs are made."""
    a, b = w.tenants["A"], w.tenants["B"]
    monthly = "/api/v1/tenants/%d/reports/monthly?month=2026-04&format=pdf&lang=ja" % a["id"]
    incident = "/api/v1/incidents/%d/report?format=pdf" % iid
    vendor = "/api/v1/reports/monthly?tenant=%d&format=pdf" % a["id"]
    heads = []
    for path, s in ((monthly, a["session"]), (incident, a["session"]), (monthly, b["session"]),
                    (incident, b["session"]), (vendor, a["session"])):
        h = c.request("HEAD", path, session=s)
        if h.status == 400 and "pdf" in path and s is a["session"] and not heads:
            skip("this mamori-center was built without pangocairo (no PDF reports)")
        check(h.raw == b"", "HEAD %s has a body: %r" % (path, h))
        heads.append((path, s, h))
    check(fonts_open(c) == [], "a HEAD rendered a PDF (fonts open): %r" % fonts_open(c))
    check(heads[0][2].status == 200 and heads[0][2].headers["content-type"] == "application/pdf",
          "HEAD monthly pdf: %r %r" % (heads[0][2], heads[0][2].headers))
    check(heads[1][2].status == 200 and heads[1][2].headers["content-type"] == "application/pdf",
          "HEAD incident pdf: %r %r" % (heads[1][2], heads[1][2].headers))
    check(all(h.status in (403, 404) for _, _, h in heads[2:]),
          "HEAD of another tenant's or the vendor's report: %r" % [h for _, _, h in heads[2:]])
    check("content-length" not in heads[0][2].headers,
          "HEAD without rendering has no Content-Length: %r" % heads[0][2].headers)
    # On the wire: no Content-Length, no chunked body, no byte after the
    # headers; the server closes the keep-alive connection.
    status, hdrs, rest = head_raw(c, monthly, "Cookie: mm_session=%s\r\n" % a["session"].cookie,
                                  keep_alive=True)
    check(status == 200 and rest == b"" and "content-length" not in hdrs and
          "transfer-encoding" not in hdrs and hdrs.get("connection") == "close",
          "HEAD on the wire: %d %r, body %r" % (status, hdrs, rest[:100]))
    return heads


def check_head_like_get(c, heads):
    for path, s, h in heads:
        g = c.request("GET", path, session=s)
        check(h.status == g.status, "HEAD %s: %d, GET %d" % (path, h.status, g.status))
        for k in set(g.headers) | set(h.headers):
            if k in ("date", "content-length", "connection"):
                continue
            check(g.headers.get(k) == h.headers.get(k), "HEAD %s header %s: %r, GET %r" %
                  (path, k, h.headers.get(k), g.headers.get(k)))


def main():
    for tool in ("pdftoppm", "pdftotext", "pdffonts", "pdfinfo"):
        if not shutil.which(tool):
            skip("%s (poppler-utils) is not installed" % tool)
    supp = lsan_with_fonts()
    c = Center()
    tmp = tempfile.mkdtemp(prefix="mm-desk-pdf-")
    try:
        w = start_world(c)
        a = w.tenants["A"]
        analyst = c.login("analyst@vendor.example")
        r = c.request("POST", "/api/v1/incidents", {"alert_id": a["alert"], "title": "偽の請求書メール",
                                                    "summary": SUMMARY_JA}, session=analyst)
        check(r.status == 201, "incident: %r" % r)
        iid = r.json["id"]
        for step in ({"to": "remote", "note": "社長に電話で状況を確認しました。"},
                     {"to": "onsite", "dispatch": {"who": "佐藤 健二", "when": "2026-04-02T01:00:00Z",
                                                   "where": "仙台市青葉区 本社 2 階"}},
                     {"to": "recovery"}, {"to": "closed", "outcome": "復旧し、情報の流出はありませんでした。"}):
            r = c.request("POST", "/api/v1/incidents/%d/transition" % iid, step, session=analyst)
            check(r.status == 200, "transition %r: %r" % (step, r))
        heads = test_head(c, w, iid)
        r = c.request("GET", "/api/v1/incidents/%d/report?format=pdf&lang=ja" % iid,
                      session=a["session"])
        if r.status == 400 and b"PDF" in r.raw:
            skip("this mamori-center was built without pangocairo (no PDF reports)")
        check(r.status == 200 and r.headers["content-type"] == "application/pdf", "pdf: %r" % r)
        check("incident-%d.pdf" % iid in r.headers.get("content-disposition", ""), "file name")
        check_pdf(r.raw, tmp, "incident-ja",
                  ["セキュリティ事故の報告書", "何が起きたか", SUMMARY_JA, "佐藤 健二",
                   "訪問して対応中", "INC-%d" % iid, "2026年4月2日 10:00",
                   "対応開始までの時間：1 分未満（目標の 1 時間以内でした）"])
        r = c.request("GET", "/api/v1/incidents/%d/report?format=pdf&lang=en" % iid,
                      session=a["session"])
        check(r.status == 200, "en pdf: %r" % r)
        check_pdf(r.raw, tmp, "incident-en", ["Security incident report", "What happened",
                                               SUMMARY_JA, "On-site visit",
                                               "2 April 2026 10:00 JST",
                                               "Time until work started: under 1 min (within "
                                               "the target of 1 hour)"])
        r = c.request("GET", "/api/v1/tenants/%d/reports/monthly?month=2026-04&format=pdf&lang=ja"
                      % a["id"], session=a["session"])
        check(r.status == 200, "monthly pdf: %r" % r)
        check_pdf(r.raw, tmp, "monthly-ja", ["月次セキュリティ報告（2026年4月）", "今月のアドバイス"])
        r = c.request("GET", "/api/v1/tenants/%d/reports/monthly?month=2026-04&format=pdf&lang=en"
                      % a["id"], session=a["session"])
        check(r.status == 200, "monthly en pdf: %r" % r)
        check_pdf(r.raw, tmp, "monthly-en", ["Monthly security report (April 2026)"])
        r = c.request("GET", "/api/v1/incidents/%d/report?format=pdf" % iid,
                      session=w.tenants["B"]["session"])
        check(r.status == 404, "foreign pdf: %r" % r)
        # The observable of test_head: GET's rendering opened the fonts.
        check(fonts_open(c) != [], "no font open after rendering PDFs")
        check_head_like_get(c, heads)
        rc = c.stop()
        check(rc == 0, "server exit status %d:\n%s" % (rc, c.server_log()[-3000:]))
    finally:
        c.close()
        shutil.rmtree(tmp, ignore_errors=True)
        os.unlink(supp)
    print("ok")


if __name__ == "__main__":
    main()
