#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The reports and incident titles in the reader's language, against the real
mamori-center on 127.0.0.1 with a real SQLite file: the monthly advice is
grouped by alert kind with its plain explanation, the counts of alerts and
devices and what the owner does about the kind (no English signature in the
Japanese report); the incident report
lists its alerts by their headline in the report's language and states the
SLA lines as an owner reads them ("1 分未満（目標の 1 時間 30 分以内でした）",
"まだ解決していません（目標の 2 日を過ぎています）"), targets in hours and days,
a time taken under a minute as such (not "0 分") and a step not reached yet by
what has not happened (not "まだです"), the first figure named by when work
started (対応開始, as the summary says);
an incident opened from an alert has its title in both languages, a typed
title stays as typed; another tool's alert (messages filled by ingest)
is listed by the headline its alert page and mail show, in each language;
a title and summary lines that start with digits read as typed (no
backslash), and "2. x" stays text, not a list."""

import json
import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from centerlib import Center, alert_event, check, start_world  # noqa: E402

NEW_DEVICE = "MAMORI device: new device joined the network"
URL_SIG = "MAMORI intel: HTTP request for a listed URL"
JA_MSG = "社内の機器 10.4.20.102 が、ウイルスを広めるアドレスからダウンロードしようとしました。通信を止めてください。"
EN_MSG = ("The office device 10.4.20.102 tried to download from a web address used to spread "
          "malware. Stop the traffic.")


def expect(r, status, what):
    check(r.status == status, "%s: want %d, got %r" % (what, status, r))
    return r.json


def ingest_kinds(c, t):
    """Two new devices (one alert each), one URL hit with a real message."""
    evs = [alert_event(10, sid=9100301, mac="02:00:5e:10:00:23", detector="new-device",
                       sig=NEW_DEVICE, sev=3),
           alert_event(11, sid=9100301, src="10.0.0.6", mac="02:00:5e:10:00:24",
                       detector="new-device", sig=NEW_DEVICE, sev=3),
           alert_event(12, sid=9100104, src="10.4.20.102", mac="02:00:5e:10:00:25", sig=URL_SIG)]
    evs[2]["mamori"]["message"] = {"ja": JA_MSG, "en": EN_MSG}
    r = c.ingest(t["key"], evs)
    check(r.status == 200 and r.json["accepted"] == 3, "ingest: %r" % r)


def monthly_checks(c, t, owner):
    # The alerts count in the month the centre received them: this one.
    month = expect(c.request("GET", "/api/v1/tenants/%d/reports/monthly?format=json" % t["id"],
                             session=owner), 200, "default month")["month"]
    path = "/api/v1/tenants/%d/reports/monthly?month=%s" % (t["id"], month)
    m = expect(c.request("GET", path + "&format=json", session=owner), 200, "monthly json")
    kinds = {a["kind"]: a for a in m["advice"]}
    # World's alerts: 1001 (intel) and 2002 (legacy-os); ours: two new devices, one URL hit.
    check(set(kinds) == {"new-device", "intel", "legacy-os"}, "kinds: %r" % m["advice"])
    nd = kinds["new-device"]
    check(nd["count"] == 2 and nd["devices"] == 2, "new devices: %r" % nd)
    check(kinds["intel"]["count"] == 2 and kinds["intel"]["devices"] == 2, "intel: %r" % kinds)
    check(m["advice"][0]["kind"] in ("new-device", "intel"), "most frequent first: %r" %
          m["advice"])
    check(nd["what"]["ja"].startswith("これまで見たことのない機器") and
          nd["threat"]["en"].startswith("Unapproved devices"), "explanation: %r" % nd)
    ja = c.request("GET", path + "&format=md&lang=ja", session=owner).raw.decode()
    en = c.request("GET", path + "&format=md&lang=en", session=owner).raw.decode()
    advice_ja = ja.split("## 今月のアドバイス", 1)[1].split("\n---", 1)[0]
    advice_en = en.split("## Advice for this month", 1)[1].split("\n---", 1)[0]
    for text in (advice_ja, advice_en):
        check("MAMORI" not in text and "mamori intel hit" not in text and
              "02:00:5e" not in text and " -" not in text, "signature in advice: %s" % text)
    check("これまで見たことのない機器が社内ネットワークにつながりました。**（2 件、機器 2 台）"
          "考えられる危険：無断で持ち込まれた機器や、外部の人による不正な接続。" in advice_ja,
          "ja advice: %s" % advice_ja)
    check("担当の IT 会社に相談してください。" in advice_ja, "ja next step: %s" % advice_ja)
    check("Find out whose device" not in advice_en and "誰の機器か" not in advice_ja,
          "an alert's immediate step in the monthly advice")
    check("A device never seen before joined your office network.** (2 alerts, 2 devices) "
          "Possible risk: Unapproved devices, or outsiders connecting without permission." in
          advice_en, "en advice: %s" % advice_en)
    check("(1 alert, 1 device)" in advice_en, "en singular: %s" % advice_en)
    # Each kind ends with what the owner does about it (explanations.json "todo").
    check(nd["todo"]["ja"].startswith("新しくつながった機器がどこにあるか"), "todo: %r" % nd)
    check("外部の人による不正な接続。→ していただきたいこと：新しくつながった機器がどこにあるか確かめ、"
          "持ち主の分からない機器があれば担当の IT 会社に相談してください。\n" in advice_ja,
          "ja todo: %s" % advice_ja)
    check("without permission. → What to do: Find out where each new device is, and ask your IT "
          "company about any device nobody recognises.\n" in advice_en, "en todo: %s" % advice_en)
    check(advice_ja.count("→ していただきたいこと：") == 3 and
          advice_en.count("→ What to do: ") == 3, "a step for each kind: %s" % advice_ja)


def incident_checks(c, t, owner, analyst, admin):
    items = expect(c.request("GET", "/api/v1/alerts?tenant=%d" % t["id"], session=analyst), 200,
                   "alerts")["items"]
    aid = [a["id"] for a in items if a["signature_id"] == 9100104][0]
    inc = expect(c.request("POST", "/api/v1/incidents", {"alert_id": aid}, session=analyst), 201,
                 "incident from the URL alert")
    want_ja = "社内の機器 10.4.20.102 が、ウイルスを広めるアドレスからダウンロードしようとしました。"
    want_en = "The office device 10.4.20.102 tried to download from a web address used to spread malware."
    # "title" stays the company's (English) one; title_i18n has both.
    check(inc["title"] == want_en, "title: %r" % inc["title"])
    check(inc["title_i18n"] == {"ja": want_ja, "en": want_en}, "title_i18n: %r" % inc)
    listed = expect(c.request("GET", "/api/v1/incidents", session=owner), 200, "list")["items"]
    check([x["title_i18n"]["ja"] for x in listed if x["id"] == inc["id"]] == [want_ja],
          "list: %r" % listed)
    path = "/api/v1/incidents/%d/report?format=md" % inc["id"]
    ja = c.request("GET", path + "&lang=ja", session=owner).raw.decode()
    en = c.request("GET", path + "&lang=en", session=owner).raw.decode()
    check(want_ja in ja and want_en not in ja, "ja report title: %s" % ja)
    check(want_en in en and want_ja not in en, "en report title: %s" % en)
    # Linked alerts by their headline in the report's language, not the signature.
    check("- #%d %s — " % (aid, want_ja) in ja and URL_SIG not in ja, "ja alerts: %s" % ja)
    check("- #%d %s — " % (aid, want_en.replace(".", "\\.")) in en or
          "- #%d %s — " % (aid, want_en) in en, "en alerts: %s" % en)
    check(URL_SIG not in en, "en alerts signature: %s" % en)
    # A new incident's first stage in plain words, not the jargon "triage".
    check("状況確認中" in ja and "トリアージ" not in ja, "ja first stage: %s" % ja)
    check("Assessing the situation" in en and "triage" not in en.lower(), "en first stage: %s" % en)
    # SLA targets in hours and days (defaults 60 and 1440 minutes), a step not
    # reached yet by what has not happened (not "まだです"), and the target as
    # an owner says it, not "(目標 1 日、目標内)" / "(target 1 day, within target)".
    check("- 対応開始までの時間：まだ対応を始めていません（目標は 1 時間以内）" in ja and
          "- 解決までの時間：まだ解決していません（目標は 1 日以内）" in ja and "まだです" not in ja and
          "目標内" not in ja, "ja not yet: %s" % ja)
    check("- Time until work started: work not started yet (target: within 1 hour)" in en and
          "- Time to resolve: not resolved yet (target: within 1 day)" in en and
          "not yet" not in en and "within target" not in en, "en not yet: %s" % en)
    # The figure is the time until work started, as the summary's 対応開始 / Work
    # started says, never 受付 (the opening itself) or "acknowledge".
    check("受付までの" not in ja and "acknowledge" not in en.lower(), "figure's name: %s\n%s" %
          (ja, en))
    check("分、" not in ja.replace("1 時間 30 分", ""), "minutes in ja: %s" % ja)
    expect(c.request("PUT", "/api/v1/tenants/%d/sla" % t["id"],
                     {"acknowledge_minutes": 90, "resolve_minutes": 2880}, session=admin), 200,
           "sla")
    ja = c.request("GET", path + "&lang=ja", session=owner).raw.decode()
    en = c.request("GET", path + "&lang=en", session=owner).raw.decode()
    check("（目標は 1 時間 30 分以内）" in ja and "（目標は 2 日以内）" in ja, "ja 90: %s" % ja)
    check("(target: within 1 hour 30 min)" in en and "(target: within 2 days)" in en,
          "en 90: %s" % en)
    # Work started at once: a time taken under a minute is said so, not "0 分".
    expect(c.request("POST", "/api/v1/incidents/%d/transition" % inc["id"], {"to": "remote"},
                     session=analyst), 200, "to remote")
    ja = c.request("GET", path + "&lang=ja", session=owner).raw.decode()
    en = c.request("GET", path + "&lang=en", session=owner).raw.decode()
    check("- 対応開始までの時間：1 分未満（目標の 1 時間 30 分以内でした）" in ja,
          "ja under 1 min: %s" % ja)
    check("- Time until work started: under 1 min (within the target of 1 hour 30 min)" in en,
          "en under 1 min: %s" % en)
    # Opened three days earlier (moved back in the database file): the start
    # of work took longer than its target, and the resolution's has passed.
    db = sqlite3.connect(os.path.join(c.data, "center.db"), timeout=30)
    db.execute("UPDATE incidents SET created_at = created_at - 3 * 86400 * 1000000 WHERE id = ?",
               (inc["id"],))
    db.commit()
    db.close()
    ja = c.request("GET", path + "&lang=ja", session=owner).raw.decode()
    en = c.request("GET", path + "&lang=en", session=owner).raw.decode()
    check("- 対応開始までの時間：3 日（目標の 1 時間 30 分を超えました）" in ja and
          "- 解決までの時間：まだ解決していません（目標の 2 日を過ぎています）" in ja,
          "ja missed: %s" % ja)
    check("- Time until work started: 3 days (over the target of 1 hour 30 min)" in en and
          "- Time to resolve: not resolved yet (the target of 2 days has passed)" in en,
          "en missed: %s" % en)
    # The title sent back as shown changes nothing; a typed one is kept as typed.
    same = expect(c.request("PATCH", "/api/v1/incidents/%d" % inc["id"], {"title": want_ja},
                            session=analyst), 200, "same title")
    check(same["title"] == want_en and same["title_i18n"] == {"ja": want_ja, "en": want_en},
          "title sent back: %r" % same)
    typed = expect(c.request("PATCH", "/api/v1/incidents/%d" % inc["id"],
                             {"title": "Emotet の疑い"}, session=analyst), 200, "typed title")
    check(typed["title"] == "Emotet の疑い" and
          typed["title_i18n"] == {"ja": "Emotet の疑い", "en": "Emotet の疑い"}, "typed: %r" % typed)
    en = c.request("GET", path + "&lang=en", session=owner).raw.decode()
    check("Emotet の疑い" in en and want_en not in en.split("##")[0], "typed in en: %s" % en)
    given = expect(c.request("POST", "/api/v1/incidents",
                             {"tenant_id": t["id"], "title": "Manual case"}, session=analyst),
                   201, "manual incident")
    check(given["title_i18n"] == {"ja": "Manual case", "en": "Manual case"}, "manual: %r" % given)


def filled_alert_checks(c, t, owner, analyst):
    """An alert from another tool (no mamori message: ingest fills the
    Japanese one from the generic explanation, the English one from the
    signature) is listed in the incident report by the same headline as the
    alert page (the first sentence of its message in the reader's language)
    and the mail's title, in each language; the generic "what to do now"
    (mm_alert_now, shown on the alert page and in the mail) is not repeated
    per alert: the report has its own advice section."""
    root = os.path.join(HERE, "..", "..", "..")
    with open(os.path.join(root, "data", "center", "explanations.json")) as fh:
        generic = json.load(fh)["generic"]
    sig = "ET SCAN Suspicious inbound to mySQL port 3306"
    eve = alert_event(20, sid=2010937, sev=2, src="10.4.20.103", sig=sig)
    del eve["mamori"]
    r = c.ingest(t["key"], [eve])
    check(r.status == 200 and r.json["accepted"] == 1, "ingest: %r" % r)
    items = expect(c.request("GET", "/api/v1/alerts?tenant=%d" % t["id"], session=analyst), 200,
                   "alerts")["items"]
    aid = [a["id"] for a in items if a["signature_id"] == 2010937][0]
    a = expect(c.request("GET", "/api/v1/alerts/%d" % aid, session=owner), 200, "the alert")
    check(a["message"] == {"ja": generic["what"]["ja"], "en": sig}, "filled: %r" % a["message"])
    inc = expect(c.request("POST", "/api/v1/incidents", {"alert_id": aid}, session=analyst), 201,
                 "incident from the other tool's alert")
    path = "/api/v1/incidents/%d/report?format=md" % inc["id"]
    ja = c.request("GET", path + "&lang=ja", session=owner).raw.decode()
    en = c.request("GET", path + "&lang=en", session=owner).raw.decode()
    head_ja = generic["what"]["ja"].split("。")[0] + "。"
    check("- #%d %s — " % (aid, head_ja) in ja, "ja headline of the filled alert: %s" % ja)
    check("- #%d %s — " % (aid, sig) in en, "en headline of the filled alert: %s" % en)
    check(generic["now"]["ja"] not in ja and generic["now"]["en"] not in en,
          "no per-alert step in the report: %s\n%s" % (ja, en))


def digit_title_checks(c, t, owner, analyst):
    """A title or a line of the summary that starts with digits reads as typed
    (Markdown shows a backslash before a digit: "\\2024年12月" was shown); a
    line "2. ..." stays text, not a numbered list."""
    title = "2024年12月 ランサムウェア"
    inc = expect(c.request("POST", "/api/v1/incidents",
                           {"tenant_id": t["id"], "title": title,
                            "summary": "2024年12月に見つかりました。\n2. 次に 3) バックアップ"},
                           session=analyst), 201, "incident with a digit title")
    path = "/api/v1/incidents/%d/report?lang=ja&format=" % inc["id"]
    html = c.request("GET", path + "html", session=owner)
    check(html.status == 200, "html report: %r" % html)
    page = html.raw.decode()
    check(title in page and "\\2024" not in page, "HTML title: %s" % page)
    check("2024年12月に見つかりました。" in page and "2. 次に 3) バックアップ" in page and
          "<ol" not in page, "HTML summary: %s" % page)
    md = c.request("GET", path + "md", session=owner).raw.decode()
    check("\\2024" not in md and "2\\. 次に" in md, "md: %s" % md)


def main():
    c = Center()
    try:
        w = start_world(c)
        t = w.tenants["A"]
        owner = t["session"]
        analyst = c.login("analyst@vendor.example")
        admin = c.login("admin@vendor.example")
        ingest_kinds(c, t)
        monthly_checks(c, t, owner)
        incident_checks(c, t, owner, analyst, admin)
        filled_alert_checks(c, t, owner, analyst)
        digit_title_checks(c, t, owner, analyst)
        rc = c.stop()
        check(rc == 0, "server exit status %d" % rc)
    finally:
        c.close()


if __name__ == "__main__":
    main()
