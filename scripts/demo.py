#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""demo.py: the data side of `make run` (scripts/run-demo.sh).

  demo.py capture OUT.pcap        write the demo capture (checked-in pcapgen):
                                  a new device joining (DHCP), a look-up of and
                                  a connection to a demo-intel address, and
                                  outbound SMB to the internet. Documentation
                                  addresses only; nothing is sent anywhere.
  demo.py eve OUT.jsonl           the EVE alerts the sensor raises on that
                                  capture, for builds without mamori-sensor
  demo.py seed URL OUT.json       create the demo vendor users, two SMEs with
                                  owners and one enrolment code per SME
                                  through the real API (the admin exists)
  demo.py enrol URL CODE NAME     exchange an enrolment code for a sensor key
  demo.py upload URL KEY EVE...   post EVE lines as that sensor would, with
                                  increasing seq numbers, in batches
  demo.py desk URL                a consultation ticket from the first SME with
                                  the analyst's answer, and an incident with an
                                  on-site visit for the second SME's most
                                  serious alert (skipped when the centre has
                                  no desk yet)
Python 3 standard library only.
"""
import datetime
import http.cookiejar
import json
import os
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "sensor", "gen"))

ADMIN = ("admin@vendor.example", "demo-admin-2026")
USERS = [
    # email, password, role, tenant key, language
    ("analyst@vendor.example", "demo-analyst-2026", "analyst", None, "en"),
    ("owner@yamada.example", "demo-yamada-2026", "owner", "yamada", "ja"),
    ("owner@sakura.example", "demo-sakura-2026", "owner", "sakura", "en"),
]
TENANTS = {"yamada": ("山田製作所", "ja"), "sakura": ("Sakura Trading", "en")}

OFFICE_GW = "192.168.10.1"
NEW_PC = ("192.168.10.23", "02:00:5e:10:00:23")
OLD_PC = ("192.168.10.31", "02:00:5e:10:00:31")
BAD_IP = "203.0.113.66"       # in data/demo/intel.tsv
BAD_NAME = "invoice-check.example"  # in data/demo/intel.tsv
SMB_IP = "198.51.100.20"
# MSS 1460, NOP, window scale 8, SACK permitted, NOP, NOP: 12 bytes (a whole
# number of 32-bit words, as the TCP header length needs).
SYN_OPTIONS = b"\x02\x04\x05\xb4\x01\x03\x03\x08\x04\x02\x01\x01"


def capture(path):
    import pcapgen as g
    w = g.PcapWriter(path)
    gw_mac = "02:00:5e:10:00:01"
    # A laptop nobody has seen before asks for an address (DHCP discover).
    dhcp = bytes([1, 1, 6, 0]) + b"\x3a\x1f\x00\x01" + b"\0" * 20 + g.mac_bytes(NEW_PC[1]) + b"\0" * 10
    dhcp += b"\0" * 192 + b"\x63\x82\x53\x63" + b"\x35\x01\x01" + b"\x0c\x0ePRESIDENT-NOTE"
    dhcp += b"\x37\x04\x01\x03\x06\x0f" + b"\xff"
    w.udp(("0.0.0.0", 68), ("255.255.255.255", 67), dhcp, src_mac=NEW_PC[1], dst_mac="ff:ff:ff:ff:ff:ff")
    # It looks up the demo-intel name and connects to the demo-intel address.
    q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    for label in BAD_NAME.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00\x00\x01\x00\x01"
    w.udp((NEW_PC[0], 53001), (OFFICE_GW, 53), q, src_mac=NEW_PC[1], dst_mac=gw_mac)
    s = g.TcpSession(w, (NEW_PC[0], 51000), (BAD_IP, 443), client_mac=NEW_PC[1], server_mac=gw_mac)
    s.handshake(syn_options=SYN_OPTIONS)
    s.send(b"\x16\x03\x01\x00\x05hello")
    s.recv(b"\x16\x03\x03\x00\x05hello")
    s.close()
    # An old PC opens Windows file sharing (SMB) to an address on the internet.
    s = g.TcpSession(w, (OLD_PC[0], 49800), (SMB_IP, 445), client_mac=OLD_PC[1], server_mac=gw_mac, isn_c=7000)
    s.handshake(syn_options=SYN_OPTIONS)
    s.send(b"\x00\x00\x00\x2f\xffSMBr" + b"\0" * 39)
    w.close()


def eve_alert(ts, src, mac, dest, dport, proto, sid, sig, sev, detector, category, ja, en):
    return {
        "timestamp": ts, "event_type": "alert", "src_ip": src, "src_port": 51000 if dport != 67 else 68,
        "dest_ip": dest, "dest_port": dport, "proto": proto, "ether": {"src_mac": mac},
        "alert": {"action": "allowed", "gid": 1, "signature_id": sid, "rev": 1, "signature": sig,
                  "category": category, "severity": sev},
        "mamori": {"detector": detector, "message": {"ja": ja, "en": en}},
    }


def eve(path):
    """The alerts mamori-sensor raises on the demo capture (fallback only)."""
    t = "2026-04-01T00:00:00.%06d+0000"
    events = [
        eve_alert(t % 1000, "0.0.0.0", NEW_PC[1], "255.255.255.255", 67, "UDP", 9002001,
                  "MAMORI new device on the network (PRESIDENT-NOTE)", 3, "newdevice", "Device",
                  "新しい機器(PRESIDENT-NOTE)が社内ネットワークにつながりました",
                  "A new device (PRESIDENT-NOTE) joined the office network"),
        eve_alert(t % 2000, NEW_PC[0], NEW_PC[1], OFFICE_GW, 53, "UDP", 9001002,
                  "MAMORI intel: DNS query for a listed domain (%s)" % BAD_NAME, 1, "intel",
                  "Potentially Bad Traffic",
                  "危険と知られている名前(%s)を調べる通信がありました" % BAD_NAME,
                  "A computer looked up a known-bad name (%s)" % BAD_NAME),
        eve_alert(t % 3000, NEW_PC[0], NEW_PC[1], BAD_IP, 443, "TCP", 9001001,
                  "MAMORI intel: connection to a listed address (%s)" % BAD_IP, 1, "intel",
                  "Potentially Bad Traffic",
                  "危険と知られている相手(%s)との通信がありました" % BAD_IP,
                  "Traffic to a known-bad address (%s)" % BAD_IP),
        eve_alert(t % 6000, OLD_PC[0], OLD_PC[1], SMB_IP, 445, "TCP", 9003001,
                  "MAMORI outbound SMB to the internet (%s)" % SMB_IP, 2, "exposure",
                  "Potential Corporate Privacy Violation",
                  "社外へのファイル共有(SMB)の通信がありました",
                  "Windows file sharing (SMB) to the internet"),
    ]
    with open(path, "w", encoding="utf-8") as f:
        for e in events:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = None

    def call(self, method, path, body=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if self.csrf and method != "GET":
            req.add_header("X-CSRF-Token", self.csrf)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with self.opener.open(req, timeout=30) as r:
                text = r.read().decode()
        except urllib.error.HTTPError as e:
            raise SystemExit("demo: %s %s -> %d %s" % (method, path, e.code, e.read().decode()[:300]))
        return json.loads(text) if text else None

    def login(self, email, password):
        self.call("POST", "/api/v1/login", {"email": email, "password": password})
        self.csrf = self.call("GET", "/api/v1/me")["csrf_token"]


def seed(base, out):
    api = Api(base)
    api.login(*ADMIN)
    tenants = {}
    for key, (name, lang) in TENANTS.items():
        tenants[key] = api.call("POST", "/api/v1/tenants", {"name": name, "lang": lang})["id"]
    for email, pw, role, tkey, lang in USERS:
        # The demo's passwords are in the README: no change at first sign-in.
        body = {"email": email, "password": pw, "role": role, "lang": lang,
                "must_change_password": False}
        if tkey:
            body["tenant_id"] = tenants[tkey]
        api.call("POST", "/api/v1/users", body)
    codes = {k: api.call("POST", "/api/v1/tenants/%d/enrol-codes" % v, {})["code"] for k, v in tenants.items()}
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"tenants": tenants, "codes": codes}, f)


def enrol(base, code, name):
    r = Api(base).call("POST", "/api/v1/enrol", {"code": code, "name": name})
    print(r["key"])


def upload(base, key, files, batch=500):
    """Posts EVE lines with seq numbers; skips stats/flow noise like the uplink's default."""
    keep = ("alert", "device", "stats")
    lines = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                ev = json.loads(line)
                if ev.get("event_type") in keep:
                    lines.append(ev)
    api = Api(base)
    accepted = 0
    for i in range(0, len(lines), batch):
        chunk = lines[i:i + batch]
        body = "".join(json.dumps(dict(e, seq=i + n + 1), ensure_ascii=False) + "\n" for n, e in enumerate(chunk))
        r = api.call("POST", "/api/v1/events", raw=body.encode(),
                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/x-ndjson"})
        accepted += r.get("accepted", 0)
        for rej in r.get("rejected", []):
            print("demo: line %s rejected: %s" % (rej.get("line"), rej.get("reason")), file=sys.stderr)
    print(accepted)


def next_morning(created_at):
    """10:00 Japan time on the day after created_at (RFC 3339 UTC), as RFC
    3339 UTC: the on-site visit comes after the incident it handles (a fixed
    date put it months before an incident opened today)."""
    opened = datetime.datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%SZ")
    japan_day = (opened + datetime.timedelta(hours=9)).date() + datetime.timedelta(days=1)
    visit = datetime.datetime.combine(japan_day, datetime.time(10)) - datetime.timedelta(hours=9)
    return visit.strftime("%Y-%m-%dT%H:%M:%SZ")


def desk(base):
    owner = Api(base)
    owner.login(USERS[1][0], USERS[1][1])
    try:
        owner.call("GET", "/api/v1/tickets")
    except SystemExit:
        print("demo: this centre has no consultation desk yet", file=sys.stderr)
        return
    ticket = owner.call("POST", "/api/v1/tickets", {
        "category": "suspicious_mail",
        "subject": "取引先を名乗るメールの添付ファイルを開いてしまいました",
        "body": "いつもの取引先の名前で「請求書」というメールが届き、添付ファイルを開いてしまいました。"
                "画面には何も起きていませんが、大丈夫でしょうか。"})
    analyst = Api(base)
    analyst.login(USERS[0][0], USERS[0][1])
    analyst.call("POST", "/api/v1/tickets/%d/messages" % ticket["id"], {
        "body": "ご連絡ありがとうございます。念のため、そのパソコンの LAN ケーブルを抜き、"
                "電源は入れたままにしてください。10 分以内にお電話します。"})
    alerts = analyst.call("GET", "/api/v1/alerts?status=new&limit=200")["items"]
    sakura = [a for a in alerts if a["tenant_id"] != ticket["tenant_id"]]
    if not sakura:
        return
    worst = sorted(sakura, key=lambda a: (a["severity"], a["id"]))[0]
    # No title: the centre titles it by the alert's headline in each
    # language (title_i18n); a title given here was the English headline
    # for the Japanese readers too.
    inc = analyst.call("POST", "/api/v1/incidents", {"alert_id": worst["id"]})
    analyst.call("POST", "/api/v1/incidents/%d/transition" % inc["id"], {
        "to": "remote", "note": "Called the owner; the PC was taken off the network."})
    analyst.call("POST", "/api/v1/incidents/%d/transition" % inc["id"], {
        "to": "onsite", "note": "Malware found in the mail client; cleaning on site.",
        "dispatch": {"who": "Sato (field engineer)", "when": next_morning(inc["created_at"]),
                     "where": "Sakura Trading head office"}})


def main(argv):
    if len(argv) >= 3 and argv[1] == "capture":
        capture(argv[2])
    elif len(argv) >= 3 and argv[1] == "eve":
        eve(argv[2])
    elif len(argv) >= 4 and argv[1] == "seed":
        seed(argv[2], argv[3])
    elif len(argv) >= 5 and argv[1] == "enrol":
        enrol(argv[2], argv[3], argv[4])
    elif len(argv) >= 5 and argv[1] == "upload":
        upload(argv[2], argv[3], argv[4:])
    elif len(argv) >= 3 and argv[1] == "desk":
        desk(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
