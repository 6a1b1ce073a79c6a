#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Detector integration tests: each case writes a capture with
gen/detectgen.py, runs the real `mamori-sensor -r` with a small intel file
and configuration, and checks that the alerts raised are exactly the
expected signature ids (nothing missing, nothing unexpected).

    detect_test.py CASE SENSOR_BINARY     (CASE "all" runs every case)

Exit 0 pass, 1 fail."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import detectgen  # noqa: E402

# The two pcapgen MACs (office PC and gateway) are known devices unless a
# case is about devices; the home net is the default (RFC 1918).
KNOWN = "[devices]\nallow = 02:00:00:00:00:01, 02:00:00:00:00:02\n"
INTEL = """type\tvalue\tfamily\treference
domain\tc2-test.example\tsomebot\thttps://example.org/somebot
domain\ttls-test.example\tsomebot\t
url\tdl.example.net/payload/\tsomeloader\t
ip\t198.51.100.66:8443\tsomebot\t
"""

# Extra feed files of a case (file name: content; names matter: an
# *allowlist* file is an allowlist, a Maltrail file's family is its name).
# intel-weak: detectgen's ClientHello's JA3 (md5 of its JA3 string) listed,
# one site allowlisted, a mass scanner's range.
JA3_DETECTGEN = hashlib.md5(b"771,4865-49199-156,0-16,,").hexdigest()
EXTRA_INTEL = {
    "intel-weak": {
        "ja3.tsv": "type\tvalue\tfamily\treference\nja3\t%s\tSomebot\t\n" % JA3_DETECTGEN,
        "test_allowlist.txt": "allowed-site.example\n",
        "mass_scanner_cidr.txt": "# A Maltrail trail file\n192.0.2.0/24 # scanner.example\n",
    },
    # intel-scanner: a scanner list read before a C2 list that names one of
    # its ranges again and a wider range around another
    "intel-scanner": {
        "mass_scanner.txt": "# A Maltrail trail file\n198.18.1.0/24\n198.18.9.0/24\n"
                            "198.19.7.0/24\n",
        "some_c2.txt": "# A Maltrail trail file\n198.18.1.0/24\n198.19.0.0/16\n",
    },
    # intel-udp-reply: a DNS server and a prober, both on a C2 list
    "intel-udp-reply": {
        "some_c2.txt": "# A Maltrail trail file\n198.51.100.53\n198.51.100.99\n",
    },
}


def check_intel_weak(alerts):
    """The JA3 hit is raised on its first connection, to the allowlisted
    site (a client chooses the server name it sends, and allowlists name
    cloud hosts where malware's servers live), and names that site (server
    name and address); the scanner's hit is its probe of the office PC
    (matched as the source)."""
    ja3 = [a for a in alerts if a["alert"]["signature_id"] == 9100106]
    if len(ja3) != 1:
        return "expected one JA3 alert, got %d" % len(ja3)
    e = ja3[0]["mamori"]["evidence"]
    if e.get("sni") != "www.allowed-site.example" or e.get("server") != "203.0.113.85":
        return "JA3 evidence without the site's name and address: %s" % e
    ip = [(a["alert"]["signature_id"], a["mamori"]["evidence"]) for a in alerts
          if a["alert"]["signature_id"] in (9100101, 9100111)]
    if [(sid, e["matched_on"], e["value"], e["family"]) for sid, e in ip] != \
            [(9100111, "ip.src", "192.0.2.79", "mass_scanner_cidr")]:
        return "mass scanner hits other than its probe as the source: %s" % ip
    return None


def check_intel_scanner(alerts):
    """The C2 list's ranges are raised for the PC's connections, though a
    scanner list read first names the same /24 or a /24 inside the /16; a
    scanner's range is raised only for its probe of the PC (inbound, with
    its own message), not for the PC's connection or a server's answer."""
    got = sorted((a["alert"]["signature_id"], a["mamori"]["evidence"]["value"],
                  a["mamori"]["evidence"]["indicator"], a["mamori"]["evidence"]["family"])
                 for a in alerts)
    want = [(9100101, "198.18.1.10", "198.18.1.0/24", "some_c2"),
            (9100101, "198.19.7.20", "198.19.0.0/16", "some_c2"),
            (9100111, "198.18.9.40", "198.18.9.0/24", "mass_scanner")]
    if got != want:
        return "expected %s, got %s" % (want, got)
    probe = [a for a in alerts if a["alert"]["signature_id"] == 9100111][0]
    if probe["mamori"]["evidence"]["host"] != detectgen.OFFICE_PC or \
            "tried to connect" not in probe["mamori"]["message"]["en"]:
        return "the probe's alert does not name the PC as probed: %s" % probe["mamori"]
    return None


def check_intel_udp_reply(alerts):
    """The listed DNS server answering first is a server the PC asked (an
    outbound hit, 9100101), not an address that tried to reach the office;
    the listed address sending to the PC's SNMP port from an ephemeral
    port did try (9100111). Both name the PC as the office host."""
    got = [(a["alert"]["signature_id"], a["mamori"]["evidence"]["value"],
            a["mamori"]["evidence"]["host"]) for a in alerts]
    want = [(9100101, "198.51.100.53", detectgen.OFFICE_PC),
            (9100111, "198.51.100.99", detectgen.OFFICE_PC)]
    if sorted(got) != want:
        return "expected %s, got %s" % (want, sorted(got))
    return None


def check_outbound(alerts):
    """For TCP the detector waits for the office device's first data on an
    accepted connection: the SMB, RDP and Telnet messages say it connected
    (not that it tried: a bare attempt raises nothing), and each alert is
    about the office device (its source address)."""
    for a in alerts:
        if a["alert"]["signature_id"] not in (9100501, 9100502, 9100503):
            continue
        m = a["mamori"]["message"]
        if "connected to" not in m["en"] or "つなぎ" not in m["ja"] or \
                "tried" in m["en"] or "うとしました" in m["ja"]:
            return "%d does not say the device connected: %s" % (a["alert"]["signature_id"], m)
        if a["src_ip"] != detectgen.OFFICE_PC:
            return "%d is not about the office PC: %s" % (a["alert"]["signature_id"], a["src_ip"])
    return None


def smb1_roles(alerts, sid, words_en, words_ja):
    """The one SMBv1 alert names the office PC as the client and the file
    server as the server, in its evidence and its texts (words_*: what the
    message must say)."""
    smb = [a for a in alerts if a["alert"]["signature_id"] == sid]
    if len(smb) != 1:
        return "expected one %d alert, got %d" % (sid, len(smb))
    e = smb[0]["mamori"]["evidence"]
    if e.get("client") != detectgen.OFFICE_PC or e.get("server") != detectgen.FILE_SERVER:
        return "SMBv1 evidence without the client and server roles: %s" % e
    m = smb[0]["mamori"]["message"]
    for word in words_en:
        if word not in m["en"]:
            return "%d's message does not say %r: %s" % (sid, word, m["en"])
    for word in words_ja:
        if word not in m["ja"]:
            return "%d's message does not say %r: %s" % (sid, word, m["ja"])
    return None


def check_smb1_client(alerts):
    """The client offered SMB1 only: it is the one still using SMBv1."""
    return smb1_roles(alerts, 9100302,
                      ["device %s still uses" % detectgen.OFFICE_PC,
                       "file server %s" % detectgen.FILE_SERVER],
                      ["機器 %s が" % detectgen.OFFICE_PC, "まだ使っています"])


def check_smb1_server(alerts):
    """A modern client, a server answering in SMB1: the server offers it."""
    return smb1_roles(alerts, 9100304,
                      ["device %s offers" % detectgen.FILE_SERVER,
                       "answered %s" % detectgen.OFFICE_PC],
                      ["機器 %s が" % detectgen.FILE_SERVER, "提供して"])


def unknown_in_signature(sig):
    """Whether a signature names a fact as unknown ("-", "unknown",
    "unnamed device") instead of leaving it out."""
    return sig.endswith(" -") or " - " in sig or "unknown" in sig or "unnamed" in sig


def phone_alert(alerts, ip):
    """The personal-device alert names the phone, its MAC address and its
    IP address (ip; None: it has none, and the texts leave it out instead
    of calling it unknown)."""
    phone = [a for a in alerts if a["alert"]["signature_id"] == 9100401]
    if len(phone) != 1:
        return "expected one personal-device alert, got %d" % len(phone)
    m = phone[0]["mamori"]["message"]
    for lang, words in (("en", ["Kenta-iPhone", detectgen.PHONE_MAC]),
                        ("ja", ["Kenta-iPhone", detectgen.PHONE_MAC])):
        for word in words + ([ip] if ip else []):
            if word not in m[lang]:
                return "personal-device %s message without %s: %s" % (lang, word, m[lang])
    if "不明" in m["ja"] or "unknown" in m["en"]:
        return "personal-device message calls something unknown: %s" % m
    sig = phone[0]["alert"]["signature"]
    if "Kenta-iPhone" not in sig or unknown_in_signature(sig):
        return "personal-device signature without the name or with an unknown: %s" % sig
    if not ip and ("IP アドレス" in m["ja"] or "IP address" in m["en"]):
        return "personal-device message names an IP address the phone never had: %s" % m
    return None


def new_device_alert(alerts, ip, first_seen, at_least=None):
    """The one new-device alert names the device's IP address (ip; None:
    it had none when the alert was raised, and the texts leave the address
    out instead of calling it unknown), carries the device's first_seen (the DISCOVER's time) in
    its evidence, and, held back, the time of what released it (at_least:
    the earliest time stamp it may carry)."""
    new = [a for a in alerts if a["alert"]["signature_id"] == 9100201]
    if len(new) != 1:
        return "expected one new-device alert, got %d" % len(new)
    m, e = new[0]["mamori"]["message"], new[0]["mamori"]["evidence"]
    if ip and (ip not in m["ja"] or ip not in m["en"]):
        return "new-device alert without the address %s: %s" % (ip, m)
    if not ip and ("IP アドレス" in m["ja"] or "IP address" in m["en"]):
        return "new-device alert names an address the device never had: %s" % m
    if any(w in m["ja"] for w in ("名前不明", "メーカー 不明", "種類 不明")) or \
            any(w in m["en"] for w in ("unnamed device", "maker unknown", "system unknown", " -")):
        return "new-device message calls something unknown: %s" % m
    sig = new[0]["alert"]["signature"]
    if e.get("mac") not in sig or (ip and ip not in sig) or unknown_in_signature(sig):
        return "new-device signature without the known addresses or with an unknown: %s" % sig
    if e.get("first_seen") != first_seen:
        return "new-device evidence first_seen %s, not %s" % (e.get("first_seen"), first_seen)
    if at_least and new[0]["timestamp"] < at_least:
        return "new-device alert at %s, before %s" % (new[0]["timestamp"], at_least)
    return None


def phone_first_seen(alerts):
    """The held personal-device alert carries the phone's first_seen."""
    e = [a for a in alerts if a["alert"]["signature_id"] == 9100401][0]["mamori"]["evidence"]
    if e.get("first_seen") != T_START:
        return "personal-device evidence first_seen %s, not %s" % (e.get("first_seen"), T_START)
    return None


def check_outbound_many(alerts):
    """Suppression off: each connection alerts once, on its first data
    segment, whatever follows (two SMB connections, two SMB alerts)."""
    counts = {}
    for a in alerts:
        sid = a["alert"]["signature_id"]
        counts[sid] = counts.get(sid, 0) + 1
        if a["src_ip"] != detectgen.OFFICE_PC:
            return "%d is not about the office PC: %s" % (sid, a["src_ip"])
    if counts != {9100501: 2, 9100502: 1, 9100503: 1}:
        return "expected one alert per connection, got %s" % counts
    return None


# The generator's first packet (its DISCOVER in the device cases).
T_START = "2026-04-01T00:00:00.001000+0000"

# Checks beyond the signature ids, per case.
CHECKS = {"intel-weak": check_intel_weak, "intel-scanner": check_intel_scanner,
          "intel-udp-reply": check_intel_udp_reply,
          "outbound": check_outbound,
          # an SMB1-only client and its server answering in SMB1: both sides
          "smb1": lambda alerts: check_smb1_client(alerts) or check_smb1_server(alerts),
          "smb1-server": check_smb1_server,
          "smb1-setup": check_smb1_client,
          "iphone-discover": lambda alerts: (
              phone_alert(alerts, "192.168.1.41") or phone_first_seen(alerts) or
              new_device_alert(alerts, "192.168.1.41", T_START)),
          "iphone-no-address": lambda alerts: (
              phone_alert(alerts, None) or phone_first_seen(alerts) or
              new_device_alert(alerts, None, T_START)),
          # held 30 s, then raised by the first packet after them, still
          # without the address that packet brings
          "discover-late": lambda alerts: new_device_alert(
              alerts, None, T_START, "2026-04-01T00:00:30.001000+0000"),
          "outbound-many": check_outbound_many}

# Web cases: office addresses are known devices.
WEB = "[devices]\nallow = 192.168.1.0/24\n"

# case: (scenario, extra config, expected signature ids)
CASES = {
    "intel": ("intel", "", {9100101, 9100102, 9100103, 9100105}),
    "intel-weak": ("intel-weak", "", {9100111, 9100106}),
    "intel-scanner": ("intel-scanner", "", {9100101, 9100111}),
    # a listed DNS server's answer seen first: outbound; a listed prober: inbound
    "intel-udp-reply": ("intel-udp-reply", "", {9100101, 9100111}),
    "windows-xp": ("windows-xp", "", {9100201, 9100301}),
    "iphone": ("iphone", "[policy]\npersonal_devices = no\n", {9100201, 9100401}),
    "iphone-allowed": ("iphone", "[policy]\npersonal_devices = yes\n", {9100201}),
    # a phone first seen asking for an address: the alert waits for it
    "iphone-discover": ("iphone-discover", "[policy]\npersonal_devices = no\n",
                        {9100201, 9100401}),
    "iphone-no-address": ("iphone-no-address", "[policy]\npersonal_devices = no\n",
                          {9100201, 9100401}),
    "new-device": ("new-device", "", {9100201}),
    "smb1": ("smb1", "", {9100302, 9100304}),
    "smb1-server": ("smb1-server", "", {9100304}),
    "smb1-setup": ("smb1-setup", "", {9100302}),
    "outbound": ("outbound", "", {9100501, 9100502, 9100503, 9100504}),
    # many data segments each way: once per connection (suppression off)
    "outbound-many": ("outbound-many", "[detect.outbound-service]\nsuppress_seconds = 0\n",
                      {9100501, 9100502, 9100503}),
    # a new device silent for 30 s after its DISCOVER
    "discover-late": ("discover-late", "", {9100201}),
    # a SYN scan of a host on the internet is a scan, not three uses of
    # SMB, RDP and Telnet with it
    "syn-scan-out": ("syn-scan-out", "", {9100701}),
    "inbound-rdp": ("inbound-rdp", "", {9100601}),
    "port-scan": ("port-scan", "[devices]\nallow = 192.168.1.0/24\n", {9100701}),
    "host-sweep": ("host-sweep", "[devices]\nallow = 192.168.1.0/24\n", {9100702}),
    "dga": ("dga", "", {9100801, 9100802}),
    "dns-tunnel": ("dns-tunnel", "", {9100803}),
    "beacon": ("beacon", "", {9100901}),
    "cleartext": ("cleartext", "[devices]\nallow = 192.168.1.0/24\n",
                  {9101001, 9101002, 9101003}),
    "clean": ("clean", "", set()),
    # web-attack: one case per variant, and ordinary browsing that stays quiet
    "web-sqli": ("web-sqli", WEB, {9101101}),
    "web-traversal": ("web-traversal", WEB, {9101102}),
    "web-rce": ("web-rce", WEB, {9101103}),
    "web-xss": ("web-xss", WEB, {9101104}),
    "web-iot": ("web-iot", WEB, {9101105}),
    "web-proxy": ("web-proxy", WEB, {9101106}),
    "web-proxy-connect": ("web-proxy-connect", WEB, {9101106}),
    "web-exe": ("web-exe", WEB, {9101107}),
    "web-tool-ua": ("web-tool-ua", WEB, {9101108}),
    "web-scan": ("web-scan", WEB, {9101109}),
    "web-clean": ("web-clean", WEB, set()),
    # two runs over the same capture sharing --state: the second announces
    # nothing (the inventory was saved and reloaded)
    "state-restart": ("windows-xp", "", [{9100201, 9100301}, set()]),
}


def check_web_evidence(alert):
    """web-attack evidence names the category, URL (cut to 512 bytes),
    host and user agent, and never a password from the URL."""
    m = alert.get("mamori", {})
    if m.get("detector") != "web-attack":
        return None
    e = m.get("evidence") or {}
    for key in ("category", "matched", "url", "hostname", "http_user_agent"):
        if key not in e:
            return "web-attack evidence without %s: %s" % (key, e)
    if len(e["url"].encode()) >= 512:
        return "web-attack evidence URL not cut: %d bytes" % len(e["url"].encode())
    if "hunter2" in json.dumps(alert):
        return "a password from the URL reached the alert: %s" % e["url"]
    return None


def run_case(name, sensor, tmp):
    scenario, extra, want = CASES[name]
    if isinstance(want, list):  # several runs sharing one --state directory
        state = os.path.join(tmp, name + "-state")
        os.makedirs(state, exist_ok=True)
        for i, w in enumerate(want):
            err = run_once(name, scenario, extra, w, sensor, tmp, state)
            if err:
                return "run %d: %s" % (i + 1, err)
        if not os.path.exists(os.path.join(state, "devices.json")):
            return "no devices.json under --state"
        return None
    return run_once(name, scenario, extra, want, sensor, tmp, None)


def run_once(name, scenario, extra, want, sensor, tmp, state):
    pcap = os.path.join(tmp, name + ".pcap")
    detectgen.write(pcap, scenario)
    cfg = os.path.join(tmp, name + ".ini")
    with open(cfg, "w", encoding="utf-8") as f:
        # (feeds written just before: the settle rule is not what is tested)
        f.write(KNOWN + extra + "\n[intel]\nsettle_ms = 0\n")
    intel = os.path.join(tmp, "intel.tsv")
    with open(intel, "w", encoding="utf-8") as f:
        f.write(INTEL)
    eve = os.path.join(tmp, name + ".json")
    if os.path.exists(eve):
        os.unlink(eve)
    args = [sensor, "-q", "-r", pcap, "--intel", intel, "--config", cfg, "--eve", eve]
    for fname, text in EXTRA_INTEL.get(name, {}).items():
        path = os.path.join(tmp, fname)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        args += ["--intel", path]
    if state:
        args += ["--state", state]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        return "exit %d: %s" % (p.returncode, p.stderr.strip())
    if "runtime error:" in p.stderr or "Sanitizer" in p.stderr:
        return "sanitizer: " + p.stderr
    alerts = []
    with open(eve, encoding="utf-8") as f:
        for line in f:
            ev = json.loads(line)
            if ev.get("event_type") == "alert":
                alerts.append(ev)
    got = {a["alert"]["signature_id"] for a in alerts}
    for a in alerts:
        err = check_web_evidence(a)
        if err:
            return err
    for a in alerts:  # every alert carries its texts and evidence
        m = a.get("mamori", {})
        if not m.get("message", {}).get("ja") or not m.get("message", {}).get("en"):
            return "alert %d without ja/en message" % a["alert"]["signature_id"]
    if got != want:
        detail = sorted((a["alert"]["signature_id"], a["alert"]["signature"]) for a in alerts)
        return "expected %s, got %s: %s" % (sorted(want), sorted(got), detail)
    return CHECKS[name](alerts) if name in CHECKS else None


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    names = list(CASES) if sys.argv[1] == "all" else [sys.argv[1]]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="mm-detect-") as tmp:
        for name in names:
            err = run_case(name, sys.argv[2], tmp)
            print("%s %s%s" % ("FAIL" if err else "ok  ", name, ": " + err if err else ""))
            failed += err is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
