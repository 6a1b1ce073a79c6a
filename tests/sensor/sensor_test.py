#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of mamori-sensor: real binary, captures written by
gen/pcapgen.py, EVE output checked field by field.

    sensor_test.py TEST SENSOR_BINARY

TEST is one of the functions named test_* below, or "case:NAME" for a data
case in cases/NAME/ (case.py writes the capture and names the options;
expected.jsonl lists, in order, the fields that matching output events must
carry). Exit 0 pass, 1 fail, 77 skipped (with a message)."""
import errno
import fcntl
import json
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "gen"))
import pcapgen as g  # noqa: E402

SENSOR = None
SKIP = 77


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run(args, timeout=120, **kw):
    return subprocess.run([SENSOR] + args, capture_output=True, text=True, timeout=timeout, **kw)


def events(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sanitizer_clean(stderr):
    return "AddressSanitizer" not in stderr and "runtime error:" not in stderr and \
        "LeakSanitizer" not in stderr


def subset(want, have):
    """True when every key of want is in have with an equal (or, for
    objects, recursively matching) value."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and subset(v, have[k])
                                              for k, v in want.items())
    return want == have


def match_in_order(expected, got):
    i = 0
    for ev in got:
        if i < len(expected) and subset(expected[i], ev):
            i += 1
    return i


# ---- data cases --------------------------------------------------------------

def run_case(name, tmp):
    cdir = os.path.join(HERE, "cases", name)
    ns = {}
    with open(os.path.join(cdir, "case.py"), encoding="utf-8") as f:
        exec(compile(f.read(), "case.py", "exec"), ns)
    args = ns["build"](tmp, g)
    eve = os.path.join(tmp, "eve.json")
    r = run(args + ["--eve", eve])
    check(r.returncode == ns.get("EXIT", 0), "exit %d: %s" % (r.returncode, r.stderr))
    check(sanitizer_clean(r.stderr), r.stderr)
    with open(os.path.join(cdir, "expected.jsonl"), encoding="utf-8") as f:
        expected = [json.loads(line) for line in f if line.strip()]
    got = events(eve)
    n = match_in_order(expected, got)
    if n < len(expected):
        raise Fail("case %s: expected event %d not found in order: %s\noutput:\n%s" % (
            name, n + 1, json.dumps(expected[n]), "\n".join(json.dumps(e) for e in got)))


# ---- tests ---------------------------------------------------------------------

def many_udp_flows(path, n, spacing=1.0, writer=g.PcapWriter):
    w = writer(path)
    for i in range(n):
        w.udp(("192.168.1.%d" % (10 + i % 200), 40000 + i % 20000), ("198.51.100.7", 9999),
              b"x" * 20, ts=1775001600.0 + i * spacing)
    w.close()


def test_usage(tmp):
    r = run([])
    check(r.returncode == 2 and "-r FILE" in r.stderr, "no arguments: %r" % (r,))
    r = run(["-r", "x", "--bogus"])
    check(r.returncode == 2 and "--bogus" in r.stderr, "unknown option: %r" % (r,))
    r = run(["-r", "x", "--stats", "abc"])
    check(r.returncode == 2, "bad number: %r" % (r,))
    r = run(["--help"])
    check(r.returncode == 0 and "--community-id-seed" in r.stdout, "help: %r" % (r,))
    r = run(["--help"], env=dict(os.environ, LANG="ja_JP.UTF-8"))
    check(r.returncode == 0 and "使い方" in r.stdout, "ja help: %r" % (r,))
    r = run(["--version"])
    check(r.returncode == 0 and r.stdout.startswith("mamori-sensor "), "version: %r" % (r,))
    version = r.stdout
    r = run(["-V"])
    check(r.returncode == 0 and r.stdout == version, "-V: %r" % (r,))
    for lang in ("C", "ja_JP.UTF-8"):  # -V is in --help, both languages
        r = run(["--help"], env=dict(os.environ, LC_ALL="", LC_MESSAGES="", LANG=lang))
        check(r.returncode == 0 and "  -V, --version" in r.stdout, "-V in help (%s): %r" % (lang, r))
    r = run(["-r", os.path.join(tmp, "missing.pcap")])
    check(r.returncode == 3 and "missing.pcap" in r.stderr, "missing file: %r" % (r,))
    capdir = os.path.join(tmp, "captures")
    os.mkdir(capdir)
    r = run(["-r", capdir])
    check(r.returncode == 3 and "captures: it is a directory" in r.stderr and
          "-r" in r.stderr and "dump file" not in r.stderr, "a directory: %r" % (r,))
    r = run(["-r", capdir], env=dict(os.environ, LC_ALL="", LC_MESSAGES="", LANG="ja_JP.UTF-8"))
    check(r.returncode == 3 and "captures を読めません。これはフォルダー" in r.stderr,
          "a directory (ja): %r" % (r,))
    cfg = os.path.join(tmp, "bad.ini")
    with open(cfg, "w") as f:
        f.write("[flow]\ntimeout_udp = soon\n")
    r = run(["-r", "x", "--config", cfg])
    check(r.returncode == 2 and "timeout_udp" in r.stderr, "bad config: %r" % (r,))
    with open(cfg, "w") as f:
        f.write("[tls]\nmemcap = 1000\n")  # below 65536
    r = run(["-r", "x", "--config", cfg])
    check(r.returncode == 2 and "memcap" in r.stderr and "tls" in r.stderr,
          "tls memcap out of range: %r" % (r,))
    pcap = os.path.join(tmp, "one.pcap")
    many_udp_flows(pcap, 3)
    with open(cfg, "w") as f:
        f.write("[tls]\nmemcap = 1048576\n")
    r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg])
    check(r.returncode == 0, "tls memcap in range: %r" % (r,))
    if os.path.exists("/dev/full"):
        r = run(["-r", pcap, "--eve", "/dev/full"])
        check(r.returncode == 4 and "could not be written" in r.stderr, "disk full: %r" % (r,))
    r = run(["-r", pcap, "--eve", os.path.join(tmp, "no", "such", "dir", "eve.json")])
    check(r.returncode == 4 and "cannot open EVE output" in r.stderr, "bad eve path: %r" % (r,))


def config_error(tmp, text, lang="en", args=(), eve=os.devnull):
    """Runs the sensor on a small capture with a settings file of text (and
    the further arguments args; --eve eve unless eve is None)."""
    cfg = os.path.join(tmp, "settings.ini")
    with open(cfg, "w") as f:
        f.write(text)
    pcap = os.path.join(tmp, "config-one.pcap")
    if not os.path.exists(pcap):
        many_udp_flows(pcap, 1)
    env = dict(os.environ, LC_ALL="", LC_MESSAGES="", LANG="ja_JP.UTF-8" if lang == "ja" else "C")
    return run(["-r", pcap] + (["--eve", eve] if eve else []) + ["--config", cfg] + list(args),
               env=env), cfg


def test_config_errors(tmp):
    """A bad settings value stops the sensor at start (exit 2) with a
    message naming the file, the section and the key, and what it takes."""
    # [detect.NAME]: an unknown key, a word not allowed, a number out of range
    r, cfg = config_error(tmp, "[detect.scan]\nbogus = 1\n")
    check(r.returncode == 2 and cfg in r.stderr and "[detect.scan] bogus" in r.stderr and
          "window_seconds" in r.stderr and "scope" in r.stderr, "detect unknown key: %r" % (r,))
    r, cfg = config_error(tmp, "[detect.scan]\nscope = office\n")
    check(r.returncode == 2 and cfg in r.stderr and "[detect.scan] scope" in r.stderr and
          "home, any" in r.stderr and "office" in r.stderr, "detect word: %r" % (r,))
    r, cfg = config_error(tmp, "[detect.scan]\nscope = office\n", "ja")
    check(r.returncode == 2 and "[detect.scan] scope には home, any のどれか" in r.stderr,
          "detect word (ja): %r" % (r,))
    r, cfg = config_error(tmp, "[detect.beacon]\njitter_percent = 90\n")
    check(r.returncode == 2 and cfg in r.stderr and "[detect.beacon] jitter_percent" in r.stderr and
          "1 to 50" in r.stderr, "detect range: %r" % (r,))
    r, cfg = config_error(tmp, "[detect.beacon]\njitter_percent = 10\n[detect.scan]\nscope = any\n")
    check(r.returncode == 0 and r.stderr == "", "good detect settings: %r" % (r,))
    # [uplink]: checked when the settings are read, enrolled or not
    for text, words in (("batch = 0", ("[uplink] batch", "1 to 10000")),
                        ("retry_max_ms = 5", ("[uplink] retry_max_ms", "10 to 3600000")),
                        ("flush_timeout = -1", ("[uplink] flush_timeout", "0 to 3600")),
                        ("enabled = maybe", ("[uplink] enabled", "yes or no")),
                        ("allow_insecure = 2", ("[uplink] allow_insecure", "yes or no"))):
        r, cfg = config_error(tmp, "[uplink]\n%s\n" % text)
        check(r.returncode == 2 and all(w in r.stderr for w in words), "%s: %r" % (text, r))
    r, cfg = config_error(tmp, "[uplink]\nbatch = 0\n", "ja")
    check(r.returncode == 2 and "[uplink] batch には 1 から 10000 までの数値" in r.stderr,
          "uplink batch (ja): %r" % (r,))
    r, cfg = config_error(tmp, "[uplink]\nbatch = 10000\nretry_max_ms = 10\nflush_timeout = 0\n"
                               "enabled = no\nallow_insecure = yes\nevent_types = alert, dns\n")
    check(r.returncode == 0 and r.stderr == "", "good uplink settings: %r" % (r,))
    # [uplink] center: as the uplink would take it, but when the settings are
    # read (it was checked only once enrolled, when the uplink started)
    for url, words in (("ftp://centre.example", ("must be an https:// URL", "ftp://centre")),
                       ("https://", ("must be an https:// URL",)),
                       ("http://192.0.2.7:8080", ("is plain http:// to another machine",
                                                  "allow_insecure = yes", "--allow-insecure"))):
        r, cfg = config_error(tmp, "[uplink]\ncenter = %s\n" % url)
        check(r.returncode == 2 and cfg in r.stderr and "[uplink] center" in r.stderr and
              all(w in r.stderr for w in words), "center %s: %r" % (url, r))
    r, cfg = config_error(tmp, "[uplink]\ncenter = http://192.0.2.7:8080\n", "ja")
    check(r.returncode == 2 and "[uplink] center の http://192.0.2.7:8080 は、別のマシンへの" in
          r.stderr, "center plain (ja): %r" % (r,))
    for text, args in (("center = https://centre.example", ()),
                       ("center = http://127.0.0.1:8080", ()),
                       ("center = http://192.0.2.7:8080\nallow_insecure = yes", ()),
                       ("center = http://192.0.2.7:8080", ("--allow-insecure",))):
        r, cfg = config_error(tmp, "[uplink]\n%s\n" % text, args=args)
        check(r.returncode == 0 and r.stderr == "", "%s %s: %r" % (text, args, r))
    # [uplink] event_types takes the names the sensor writes, as [output]
    # event_types (before: any list, and a misspelt one sent nothing to the
    # centre without a word)
    for value, bad in (("alerts,devices", "alerts"), ("alert,bogus", "bogus")):
        r, cfg = config_error(tmp, "[uplink]\nevent_types = %s\n" % value)
        check(r.returncode == 2 and cfg + ': [uplink] event_types: unknown event type "%s"' % bad
              in r.stderr and "(known: alert anomaly device dhcp dns" in r.stderr,
              "uplink event_types %s: %r" % (value, r))
    r, cfg = config_error(tmp, "[uplink]\nevent_types = alert,bogus\n", "ja")
    check(r.returncode == 2 and '[uplink] event_types: 知らないイベント種別 "bogus"' in r.stderr,
          "uplink event_types (ja): %r" % (r,))
    r, cfg = config_error(tmp, "[uplink]\nevent_types = ,\n")
    check(r.returncode == 2 and cfg + ": [uplink] event_types is empty" in r.stderr and
          "enabled = no" in r.stderr, "uplink event_types empty: %r" % (r,))


# A wrong value in each section the sensor reads, with the key and what it
# takes as its message says it (English, Japanese): [section] key = value.
BAD_SETTINGS = (
    ("sensor", "home_net", "office", "office is not an IP address", "office は"),
    ("sensor", "stats_interval", "-1", "from 0 to 86400", "0 から 86400 まで"),
    ("sensor", "max_flows", "0", "from 1 to 67108864", "1 から 67108864 まで"),
    ("sensor", "community_id_seed", "65536", "from 0 to 65535", "0 から 65535 まで"),
    ("output", "eve_max_bytes", "100", "or a size from 16384", "16384 から"),
    ("output", "eve_rotate_count", "0", "from 1 to 1000", "1 から 1000 まで"),
    ("output", "event_types", "alert,foo", "(known: alert anomaly", "使える種別: alert anomaly"),
    ("output", "event_types", ",", "leave the line out", "この行を消してください"),
    ("flow", "timeout_tcp", "0", "from 1 to 604800", "1 から 604800 まで"),
    ("flow", "timeout_tcp_closed", "x", "from 1 to 604800", "1 から 604800 まで"),
    ("flow", "timeout_udp", "soon", "from 1 to 604800", "1 から 604800 まで"),
    ("flow", "timeout_icmp", "0", "from 1 to 604800", "1 から 604800 まで"),
    ("flow", "timeout_other", "0", "from 1 to 604800", "1 から 604800 まで"),
    ("flow", "active_timeout", "-1", "from 0 to 2592000", "0 から 2592000 まで"),
    ("stream", "depth", "1", "from 1024 to 16777216", "1024 から 16777216 まで"),
    ("stream", "ooo_max", "-1", "from 0 to 16777216", "0 から 16777216 まで"),
    ("stream", "memcap", "1", "from 65536 to 17179869184", "65536 から 17179869184 まで"),
    ("tls", "memcap", "1000", "from 65536 to 17179869184", "65536 から 17179869184 まで"),
    ("defrag", "enabled", "maybe", "yes or no", "yes か no"),
    ("defrag", "memcap", "1", "from 1048576 to 4294967296", "1048576 から 4294967296 まで"),
    ("defrag", "timeout_seconds", "0", "from 1 to 3600", "1 から 3600 まで"),
    ("defrag", "max_datagrams", "0", "from 1 to 1048576", "1 から 1048576 まで"),
    ("spool", "max_bytes", "1", "from 65536 to", "65536 から"),
    ("uplink", "event_types", "alerts,devices", "(known: alert anomaly", "使える種別: alert"),
    ("uplink", "event_types", ",", "enabled = no", "enabled = no"),
    ("uplink", "enabled", "maybe", "yes or no", "yes か no"),
    ("uplink", "allow_insecure", "2", "yes or no", "yes か no"),
    ("uplink", "batch", "0", "from 1 to 10000", "1 から 10000 まで"),
    ("uplink", "retry_max_ms", "5", "from 10 to 3600000", "10 から 3600000 まで"),
    ("uplink", "flush_timeout", "-1", "from 0 to 3600", "0 から 3600 まで"),
    ("uplink", "center", "ftp://centre.example", "must be an https:// URL", "https://（"),
    ("uplink", "center", "http://192.0.2.7", "plain http:// to another machine",
     "暗号化されない http://"),
    ("uplink", "ca_file", "/nonexistent/ca.pem", "must name a file of CA certificates",
     "CA 証明書（PEM 形式）"),
    ("uplink", "ca_file", "/dev/null", "no PEM certificate in it", "PEM 形式の証明書がありません"),
    # a reason with its own step says it alone (it followed "must name a file of CA
    # certificates ...", a second step)
    ("uplink", "ca_file", "/", "ca_file: cannot use /: is a directory; give a file",
     "ca_file: / を使えません: フォルダーです。ファイルを指定してください"),
    ("uplink", "ca_file", "/dev/null/ca.pem", "ca_file: cannot use /dev/null/ca.pem: there is a "
     "file where a directory should be; check the path", "ca_file: /dev/null/ca.pem を使えません: "
     "フォルダーがあるはずのところにファイルがあります。指定した場所を確かめてください"),
    ("anomaly", "rate", "-1", "from 0 to 100000", "0 から 100000 まで"),
    ("intel", "settle_ms", "-1", "from 0 to 600000", "0 から 600000 まで"),
    ("devices", "allow", "nonsense", "nonsense is not a MAC address", "nonsense は、MAC アドレス"),
    ("devices", "max", "0", "from 1 to 1000000", "1 から 1000000 まで"),
    ("devices", "address_change_interval", "-1", "from 0 to 31622400", "0 から 31622400 まで"),
    ("policy", "personal_devices", "maybe", "yes or no", "yes か no"),
    ("detect.scan", "suppress_seconds", "604801", "from 0 to 604800", "0 から 604800 まで"),
    ("detect.scan", "scope", "office", "one of: home, any", "home, any のどれか"),
    ("detect.scan", "bogus", "1", "it takes: window_seconds", "使える設定は window_seconds"),
    # paths opened once the sensor starts: an output that cannot be opened
    # (exit 4, as for --eve and --state, whose messages name the path alone)
    ("output", "eve", "/nonexistent/eve.json", "cannot open EVE output /nonexistent/eve.json: "
     "no such file or folder; check that the directory exists and can be written",
     "/nonexistent/eve.json を開けません", 4),
    ("sensor", "state", "/dev/null/state", "cannot open the spool in /dev/null/state/spool",
     "/dev/null/state/spool のスプール", 4),
)


def test_settings_errors(tmp):
    """Every settings error (a wrong value in each section the sensor
    reads) stops the sensor at start (exit 2) with one message, in English
    and Japanese, naming the settings file, the section and the key, and
    what the key takes. Before, [uplink] ca_file was not read until the
    uplink started (a missing file showed only as failed deliveries),
    [output] event_types, [policy]
    personal_devices and [defrag] enabled did not name the file, [devices]
    named no key ("[devices] settings: malformed input; allow takes ...,
    max ..."), and a misspelt [uplink] event_types was taken without a
    word; [output] eve and [sensor] state that cannot be opened named the
    path and not the key. A row's sixth item is the exit status (default
    2)."""
    for section, key, value, en, ja, *status in BAD_SETTINGS:
        for lang, takes in (("en", en), ("ja", ja)):
            r, cfg = config_error(tmp, "[%s]\n%s = %s\n" % (section, key, value), lang,
                                  eve=None if (section, key) == ("output", "eve") else os.devnull)
            named = "%s: [%s] %s" % (cfg, section, key)
            lines = r.stderr.splitlines()
            check(r.returncode == (status[0] if status else 2) and len(lines) == 1 and
                  named in lines[0] and
                  takes in lines[0] and (lang == "en") != any(ord(c) > 0x3000 for c in lines[0]),
                  "[%s] %s = %s (%s): want %r and %r: %r" % (section, key, value, lang, named,
                                                            takes, r))


def test_state_in_use(tmp):
    """A state directory whose spool another mamori-sensor holds (its lock,
    held here) stops the sensor (exit 4) with a message naming where the
    directory came from: --state, or the settings file's [sensor] state
    (the message then starts "FILE: [sensor] state: "), in English and
    Japanese. Before, the Japanese message said "この --state" for a
    directory from the settings file too."""
    import fcntl
    state = os.path.join(tmp, "state")
    os.makedirs(os.path.join(state, "spool"))
    lock = open(os.path.join(state, "spool", "lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        want = {("en", False): "(another mamori-sensor uses this --state directory)",
                ("ja", False): "（この --state のフォルダーは別の mamori-sensor が使っています）",
                ("en", True): "(another mamori-sensor uses this [sensor] state directory)",
                ("ja", True): "（この [sensor] state のフォルダーは別の mamori-sensor が使っています）"}
        for (lang, from_file), words in sorted(want.items()):
            if from_file:
                r, cfg = config_error(tmp, "[sensor]\nstate = %s\n" % state, lang)
            else:
                r, cfg = config_error(tmp, "", lang, args=("--state", state))
            lines = r.stderr.splitlines()
            named = "%s: [sensor] state: " % cfg
            check(r.returncode == 4 and len(lines) == 1 and words in lines[0] and
                  state + "/spool" in lines[0] and (named in lines[0]) == from_file and
                  ("--state" in lines[0]) != from_file,
                  "%s, from the file %s: want %r: %r" % (lang, from_file, words, r))
    finally:
        lock.close()


def kept_stamp(path):
    """The stamp of a copy of path kept aside: its modification time."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(os.stat(path).st_mtime))


def take_kept_names(inv, kind):
    """Makes every name a copy of inv kept aside as KIND can take
    (inv.KIND-STAMP, -2 ... -100, STAMP its modification time) a file of
    other text, so that keeping it fails. The names follow from the file,
    not from the clock: no window of time in which the start must come."""
    stamp = kept_stamp(inv)
    for i in range(1, 101):
        name = "%s.%s-%s%s" % (inv, kind, stamp, "" if i == 1 else "-%d" % i)
        if not os.path.exists(name):
            open(name, "w").close()


def test_devices_damaged(tmp):
    """STATE/devices.json that cannot be read stops the sensor (exit 4) with
    a message naming the file (and FILE: [sensor] state when the directory
    came from the settings file) and what to do; a damaged one (not JSON,
    or records of another shape) is kept aside under a new name, never
    replacing a file, before the sensor starts with what could be loaded,
    and a warning names both files; a copy that cannot be made stops the
    sensor. en and ja. Before, the unreadable file's message was "device
    inventory: is a directory" (no path, no key), and a damaged file was
    replaced by the first save without a word."""
    state = os.path.join(tmp, "state")
    os.mkdir(state)
    inv = os.path.join(state, "devices.json")

    def kept():
        return sorted(n for n in os.listdir(state) if n.startswith("devices.json.damaged-"))

    def start(lang, from_file):
        if from_file:
            return config_error(tmp, "[sensor]\nstate = %s\n" % state, lang)
        return config_error(tmp, "", lang, args=("--state", state))

    # not JSON: kept aside, an empty inventory, the file replaced by the save
    for n, (lang, from_file) in enumerate((("en", False), ("ja", True))):
        text = "{not json %d" % n
        with open(inv, "w") as f:
            f.write(text)
        before = kept()
        r, cfg = start(lang, from_file)
        new = [k for k in kept() if k not in before]
        lines = r.stderr.splitlines()
        words = ("the device inventory %s is damaged" % inv if lang == "en" else
                 "機器の一覧 %s が壊れています" % inv)
        check(r.returncode == 0 and len(lines) == 1 and words in lines[0] and len(new) == 1 and
              os.path.join(state, new[0]) in lines[0] and
              lines[0].startswith("mamori-sensor: %s: [sensor] state: " % cfg) == from_file,
              "not JSON (%s): %r %r" % (lang, new, r))
        with open(os.path.join(state, new[0])) as f:
            check(f.read() == text, "the kept copy")
        with open(inv) as f:
            check("devices" in json.load(f), "devices.json replaced by the save")
    # one record of another shape: left out, the rest loaded, the file kept
    good = ('{"mac":"02:00:00:00:00:21","ips":["192.168.1.21"],"hostnames":[],'
            '"user_agents":[],"evidence":[]}')
    bad = '{"mac":"02:00:00:00:00:22","ips":[7],"hostnames":[],"user_agents":[],"evidence":[]}'
    text = '{"version":1,"devices":[%s,%s]}' % (good, bad)
    with open(inv, "w") as f:
        f.write(text)
    before = kept()
    r, cfg = start("en", False)
    new = [k for k in kept() if k not in before]
    check(r.returncode == 0 and "has 1 damaged device records" in r.stderr and len(new) == 1 and
          new[0] in r.stderr, "a record left out: %r %r" % (new, r))
    with open(os.path.join(state, new[0])) as f:
        check(f.read() == text, "the kept copy (records)")
    with open(inv) as f:
        macs = [d.get("mac") for d in json.load(f)["devices"]]
    check("02:00:00:00:00:21" in macs and "02:00:00:00:00:22" not in macs, "loaded: %s" % macs)
    # every name the copy could take is taken: the sensor stops, the file stays
    with open(inv, "w") as f:
        f.write("{not json")
    take_kept_names(inv, "damaged")
    for lang, words in (("en", "could not be kept aside under another name"),
                        ("ja", "別の名前で残しておくことができませんでした")):
        r, cfg = start(lang, True)
        lines = r.stderr.splitlines()
        check(r.returncode == 4 and len(lines) == 1 and words in lines[0] and inv in lines[0] and
              "%s: [sensor] state: " % cfg in lines[0], "no copy (%s): %r" % (lang, r))
        with open(inv) as f:
            check(f.read() == "{not json", "the damaged file left as it was")
    for name in kept():
        os.unlink(os.path.join(state, name))
    # a file that cannot be read (a directory here: root reads any file)
    os.unlink(inv)
    os.mkdir(inv)
    for lang, from_file, words in (("en", False, "cannot read the device inventory"),
                                   ("en", True, "move it away"),
                                   ("ja", True, "機器の一覧 %s を読めません" % inv),
                                   ("ja", False, "別の場所へ移して")):
        r, cfg = start(lang, from_file)
        lines = r.stderr.splitlines()
        check(r.returncode == 4 and len(lines) == 1 and inv in lines[0] and words in lines[0] and
              ("%s: [sensor] state: " % cfg in lines[0]) == from_file and not kept(),
              "unreadable (%s, file %s): %r" % (lang, from_file, r))


def test_eve_max_bytes(tmp):
    """[output] eve_max_bytes below 16384 (a size that holds a few EVE lines
    at most) is a settings error; from 16384 files rotate, no file passes
    the limit and no line is lost (up to eve_rotate_count files)."""
    for value, ok in (("100", False), ("16383", False), ("16384", True), ("0", True)):
        r, cfg = config_error(tmp, "[output]\neve_max_bytes = %s\n" % value)
        if ok:
            check(r.returncode == 0 and r.stderr == "", "%s: %r" % (value, r))
        else:
            check(r.returncode == 2 and cfg in r.stderr and "[output] eve_max_bytes" in r.stderr and
                  "16384" in r.stderr and value in r.stderr, "%s: %r" % (value, r))
    r, cfg = config_error(tmp, "[output]\neve_max_bytes = 100\n", "ja")
    check(r.returncode == 2 and "[output] eve_max_bytes には、0" in r.stderr, "ja: %r" % (r,))
    pcap = os.path.join(tmp, "long.pcap")
    w = g.PcapWriter(pcap)
    for i in range(200):
        w.udp(("192.168.1.%d" % (10 + i % 200), 40000 + i), ("198.51.100.7", 9999), b"x" * 20,
              ts=1775001600.0 + i)
    w.close()
    cfg = os.path.join(tmp, "rot.ini")
    with open(cfg, "w") as f:
        f.write("[output]\neve_max_bytes = 16384\neve_rotate_count = 100\n")
    eve = os.path.join(tmp, "rot", "eve.json")
    os.mkdir(os.path.dirname(eve))
    r = run(["-r", pcap, "--eve", eve, "--config", cfg])
    check(r.returncode == 0, r.stderr)
    files = os.listdir(os.path.dirname(eve))
    check(len(files) > 1, "rotated: %s" % files)
    n = 0
    for name in files:
        path = os.path.join(os.path.dirname(eve), name)
        check(os.path.getsize(path) <= 16384, "%s: %d bytes" % (name, os.path.getsize(path)))
        n += sum(1 for e in events(path) if e["event_type"] == "flow")
    check(n == 200, "flows in all files: %d" % n)


def fsize_limit(limit):
    """A preexec_fn setting RLIMIT_FSIZE (ulimit -f) to limit bytes, with
    SIGXFSZ back at its default action (the child inherits an ignored one)."""
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return pre


def test_eve_fsize(tmp):
    """The EVE file reaching the file size limit (RLIMIT_FSIZE): the sensor
    stops with the EVE error and the EFBIG reason and its step (raise the
    limit, or another file system), not killed by SIGXFSZ (it was: the
    signal's default action ends the process before write() fails)."""
    pcap = os.path.join(tmp, "many.pcap")
    many_udp_flows(pcap, 200)
    for lang, words in (("en", ["ulimit -f", "LimitFSIZE=", "another file system"]),
                        ("ja", ["ulimit -f", "LimitFSIZE=", "別のファイルシステム"])):
        eve = os.path.join(tmp, "eve-%s.json" % lang)
        env = dict(os.environ, LC_ALL="", LC_MESSAGES="",
                   LANG="ja_JP.UTF-8" if lang == "ja" else "C")
        r = run(["-r", pcap, "--eve", eve], env=env, preexec_fn=fsize_limit(4096))
        check(r.returncode == 4, "%s: exit %d, not 4 (killed by a signal when < 0): %r" %
              (lang, r.returncode, r.stderr))
        check(eve in r.stderr and all(w in r.stderr for w in words),
              "%s: the EFBIG message: %r" % (lang, r.stderr))
        check(os.path.getsize(eve) <= 4096, "%s: %d bytes" % (lang, os.path.getsize(eve)))


def test_truncated(tmp):
    """A capture cut in the middle of a packet: exit 3, a message naming the
    file and how much was read, and the events before the cut kept."""
    pcap = os.path.join(tmp, "cut.pcap")
    g.cut_dns_capture(pcap)  # 4 whole packets, the 5th cut
    eve = os.path.join(tmp, "eve.json")
    r = run(["-r", pcap, "--eve", eve])
    check(r.returncode == 3, "exit %d" % r.returncode)
    check("cut.pcap" in r.stderr and "after 4 packets" in r.stderr and "bytes read" in r.stderr,
          "message: " + r.stderr)
    evs = events(eve)
    flows = [e for e in evs if e["event_type"] == "flow"]
    check(len(flows) == 4, "flows before the cut: %d" % len(flows))
    check(any(e["event_type"] == "stats" for e in evs), "no final stats")
    # the same from a pipe: no byte offset to tell (before: "0 bytes read")
    fifo = os.path.join(tmp, "cut.fifo")
    os.mkfifo(fifo)
    data = open(pcap, "rb").read()

    def feed():
        with open(fifo, "wb") as f:
            f.write(data)
    t = threading.Thread(target=feed)
    t.start()
    r = run(["-r", fifo, "--eve", eve])
    t.join()
    check(r.returncode == 3 and "cut.fifo" in r.stderr and "after 4 packets" in r.stderr and
          "bytes read" not in r.stderr, "pipe message: " + r.stderr)
    # a file with a broken header
    bad = os.path.join(tmp, "bad.pcap")
    with open(bad, "wb") as f:
        f.write(b"this is not a capture")
    r = run(["-r", bad, "-r", pcap, "--eve", eve])
    check(r.returncode == 3 and "bad.pcap" in r.stderr, "bad header: %r" % (r,))


def test_stdin_file(tmp):
    """-r - with standard input redirected from a file ("-r - < x.pcap")
    gives what -r x.pcap gives: the same EVE, exit status and messages (the
    file's name aside), for whole captures in pcap and pcapng, one cut in
    the middle of a packet, one of a link type the sensor does not decode
    and one that is not a capture at all (the last two go to libpcap, from
    where the sensor's reader found standard input), and from standard
    input at an offset (the bytes before it are not read). Before, standard
    input went to libpcap (4 KiB reads) and a cut capture's message was
    libpcap's ("truncated dump file; ..."), without the record and its
    offset."""
    whole = os.path.join(tmp, "whole.pcap")
    many_udp_flows(whole, 40)
    ng = os.path.join(tmp, "whole.pcapng")
    many_udp_flows(ng, 40, writer=g.PcapngWriter)
    cut = os.path.join(tmp, "cut.pcap")
    g.cut_dns_capture(cut)
    wifi = os.path.join(tmp, "wifi.pcap")
    w = g.PcapWriter(wifi, linktype=105)
    w.raw(b"\x08\x00" + b"\x00" * 40)
    w.close()
    bad = os.path.join(tmp, "bad.pcap")
    with open(bad, "wb") as f:
        f.write(b"this is not a capture")
    for path in (whole, ng, cut, wifi, bad):
        got = []
        for how in ("file", "stdin"):
            eve = os.path.join(tmp, "%s-%s.json" % (os.path.basename(path), how))
            if how == "file":
                r = run(["-r", path, "--eve", eve, "--stats", "1"])
                r.stderr = r.stderr.replace(path, "-")
            else:
                with open(path, "rb") as f:
                    r = run(["-r", "-", "--eve", eve, "--stats", "1"], stdin=f)
            with open(eve, "rb") as f:
                got.append((r.returncode, r.stderr, f.read()))
        check(sanitizer_clean(got[1][1]), got[1][1])
        check(got[0] == got[1], "%s: -r FILE %r, -r - %r" % (path, got[0][:2], got[1][:2]))
        check(got[0][0] == (0 if path in (whole, ng) else 3), "%s: %r" % (path, got[0][:2]))
        check(path != cut or "record 5 at byte offset" in got[1][1], got[1][1])
    # standard input at an offset: read from there
    shifted = os.path.join(tmp, "shifted")
    with open(shifted, "wb") as f, open(whole, "rb") as src:
        f.write(b"skip" + src.read())
    eves = []
    for i, args in enumerate((["-r", whole], ["-r", "-"])):
        eve = os.path.join(tmp, "shift-%d.json" % i)
        with open(shifted, "rb") as f:
            f.seek(4)
            r = run(args + ["--eve", eve], stdin=f)
        check(r.returncode == 0 and r.stderr == "", "%s: %r" % (args, r))
        with open(eve, "rb") as f:
            eves.append(f.read())
    check(eves[0] == eves[1], "from an offset")
    # a cut capture from standard input at an offset: the same message as
    # -r FILE's, "bytes read" counted from the offset (before: the file
    # offset, 4 more) and the reason's "byte offset" the file's (4 more)
    with open(shifted, "wb") as f, open(cut, "rb") as src:
        f.write(b"skip" + src.read())
    r_file = run(["-r", cut, "--eve", os.path.join(tmp, "cut-file.json")])
    with open(shifted, "rb") as f:
        f.seek(4)
        r_in = run(["-r", "-", "--eve", os.path.join(tmp, "cut-in.json")], stdin=f)
    m = re.search(r"record 5 at byte offset (\d+)", r_file.stderr)
    check(m is not None and r_file.returncode == 3, r_file.stderr)
    want = r_file.stderr.replace(cut, "-").replace(
        m.group(0), "record 5 at byte offset %d" % (int(m.group(1)) + 4))
    check(r_in.returncode == 3 and r_in.stderr == want,
          "cut at an offset: %r, want %r" % (r_in.stderr, want))


def test_rotation(tmp):
    pcap = os.path.join(tmp, "flows.pcap")
    many_udp_flows(pcap, 300)
    cfg = os.path.join(tmp, "sensor.ini")
    with open(cfg, "w") as f:
        f.write("[output]\neve_max_bytes = 20000\neve_rotate_count = 50\n")
    eve = os.path.join(tmp, "eve.json")
    r = run(["-r", pcap, "--eve", eve, "--config", cfg])
    check(r.returncode == 0, r.stderr)
    files = sorted(p for p in os.listdir(tmp) if p.startswith("eve.json"))
    check(len(files) > 5, "rotated files: %s" % files)
    total = 0
    for name in files:
        path = os.path.join(tmp, name)
        check(os.path.getsize(path) <= 20000, "%s too big" % name)
        evs = events(path)  # every line parses: no line was split
        total += sum(1 for e in evs if e["event_type"] == "flow")
    check(total == 300, "flow records over all files: %d" % total)
    # the newest file is eve.json, older ones eve.json.1, .2, ...
    first = events(os.path.join(tmp, "eve.json.%d" % (len(files) - 1)))[0]
    last = events(eve)[-1]
    check(first["timestamp"] <= last["timestamp"], "order of rotated files")


def test_stats(tmp):
    pcap = os.path.join(tmp, "flows.pcap")
    many_udp_flows(pcap, 50, spacing=0.2)  # 10 seconds of capture
    eve = os.path.join(tmp, "eve.json")
    r = run(["-r", pcap, "--eve", eve, "--stats", "2"])
    check(r.returncode == 0, r.stderr)
    stats = [e["stats"] for e in events(eve) if e["event_type"] == "stats"]
    check(len(stats) >= 5, "stats records: %d" % len(stats))
    final = stats[-1]
    check(final["decoder"]["pkts"] == 50 and final["decoder"]["udp"] == 50, json.dumps(final))
    check(final["flow"]["total"] == 50 and final["flow"]["logged"] == 50, json.dumps(final))
    check("kernel_drops" in final["capture"] and "intel_hits" in final["events"], "fields")
    pk = [s["decoder"]["pkts"] for s in stats]
    check(pk == sorted(pk), "counters go up: %s" % pk)


def test_stats_quiet(tmp):
    """A run that saw no packet (an empty capture, as a quiet network) ends
    with the final stats record all the same (mamori-sensor(8): always),
    with --stats and without; its counts are zero, its time the clock's."""
    pcap = os.path.join(tmp, "empty.pcap")
    g.PcapWriter(pcap).close()
    for opts in ([], ["--stats", "60"]):
        eve = os.path.join(tmp, "eve.json")
        r = run(["-r", pcap, "--eve", eve] + opts)
        check(r.returncode == 0 and r.stderr == "", "%r: %r" % (opts, r))
        evs = events(eve)
        check(len(evs) == 1 and evs[0]["event_type"] == "stats", "%r: %r" % (opts, evs))
        st = evs[0]["stats"]
        check(st["decoder"]["pkts"] == 0 and st["uptime"] == 0, json.dumps(st))
        check(not evs[0]["timestamp"].startswith("1970"), evs[0]["timestamp"])
        os.unlink(eve)


def test_event_types(tmp):
    """[output] event_types keeps only the listed event types in the EVE
    output (flow records included), counts the others in stats, and an
    unknown name is a settings error (exit 2) that names it."""
    pcap = os.path.join(tmp, "mixed.pcap")
    w = g.PcapWriter(pcap)
    tcp_http(w)
    w.close()
    cfg = os.path.join(tmp, "sensor.ini")
    eve = os.path.join(tmp, "all.json")
    r = run(["-r", pcap, "--eve", eve])
    check(r.returncode == 0, r.stderr)
    everything = {e["event_type"] for e in events(eve)}
    check({"http", "flow", "stats"} <= everything, "default output: %s" % everything)
    for wanted in (["http"], ["flow", "stats"], ["stats"]):
        with open(cfg, "w") as f:
            f.write("[output]\nevent_types = %s\n" % " , ".join(wanted))
        eve = os.path.join(tmp, "only-%s.json" % "-".join(wanted))
        r = run(["-r", pcap, "--eve", eve, "--config", cfg])
        check(r.returncode == 0, r.stderr)
        got = [e["event_type"] for e in events(eve)]
        check(got and set(got) == set(wanted), "event_types=%s gave %s" % (wanted, got))
        if "stats" in wanted:
            total = [e for e in events(eve) if e["event_type"] == "stats"][-1]["stats"]
            check(total["flow"]["logged"] >= 1, "flows still counted: %s" % total["flow"])
    with open(cfg, "w") as f:
        f.write("[output]\nevent_types = alert, flows\n")
    r = run(["-r", pcap, "--eve", os.path.join(tmp, "bad.json"), "--config", cfg])
    check(r.returncode == 2, "unknown type: exit %d" % r.returncode)
    check('"flows"' in r.stderr and "event_types" in r.stderr, r.stderr)
    # names are separated by commas: "http dns" is one unknown name, not two
    # names (the writer would match neither and write nothing)
    with open(cfg, "w") as f:
        f.write("[output]\nevent_types = http dns\n")
    r = run(["-r", pcap, "--eve", os.path.join(tmp, "spaces.json"), "--config", cfg])
    check(r.returncode == 2, "space-separated names: exit %d" % r.returncode)
    check("http dns" in r.stderr, r.stderr)
    with open(cfg, "w") as f:
        f.write("[output]\nevent_types = ,\n")
    r = run(["-r", pcap, "--eve", os.path.join(tmp, "empty.json"), "--config", cfg])
    check(r.returncode == 2 and "event_types is empty" in r.stderr, "empty list: %r" % (r,))


def test_vlans(tmp):
    """The same DNS exchange on VLAN 10, VLAN 20 and QinQ 100/200: three
    flows (VLAN ids are part of the flow key), and every event carries its
    Suricata "vlan" array right after event_type."""
    pcap = os.path.join(tmp, "vlans.pcap")
    w = g.PcapWriter(pcap)
    client, server = ("192.168.1.10", 5353), ("192.168.1.1", 53)
    for i, vlans in enumerate([(10,), (20,), (100, 200)]):
        t = 1775001600.0 + i
        w.udp(client, server, g.dns_query("host%d.example" % i), ts=t, vlans=vlans)
        w.udp(server, client, g.dns_response("host%d.example" % i, ["192.0.2.%d" % (i + 1)]),
              ts=t + 0.01, vlans=vlans, src_mac=g.MAC_B, dst_mac=g.MAC_A)
    w.close()
    eve = os.path.join(tmp, "eve.json")
    r = run(["-r", pcap, "--eve", eve])
    check(r.returncode == 0, r.stderr)
    evs = events(eve)
    flows = [e for e in evs if e["event_type"] == "flow"]
    check(sorted(tuple(f.get("vlan", ())) for f in flows) == [(10,), (20,), (100, 200)],
          "flows: %s" % [(f.get("vlan"), f["flow"]) for f in flows])
    check(all(f["flow"]["pkts_toserver"] == 1 and f["flow"]["pkts_toclient"] == 1 for f in flows),
          "each VLAN's reply joins its own flow: %s" % [f["flow"] for f in flows])
    dns = [e for e in evs if e["event_type"] == "dns"]
    check(dns and all("vlan" in e for e in dns), "dns events without vlan")
    with open(eve) as f:
        line = next(l for l in f if '"event_type":"dns"' in l)
    check('"event_type":"dns","vlan":[' in line, "vlan right after event_type: " + line[:160])


def test_anomaly(tmp):
    """Malformed packets become rate-limited anomaly events."""
    pcap = os.path.join(tmp, "bad.pcap")
    w = g.PcapWriter(pcap)
    good = g.ipv4("192.168.1.10", "192.168.1.1", 17, g.udp("192.168.1.10", 1, "192.168.1.1", 2,
                                                           b"abc"))
    for i in range(100):  # one capture second: IPv4 total length beyond the frame
        bad = good[:2] + struct.pack("!H", 400) + good[4:]
        w.raw(g.ether(g.MAC_A, g.MAC_B, 0x0800, bad), ts=1775001600.0 + i * 0.001)
    w.raw(g.ether(g.MAC_A, g.MAC_B, 0x0800, good[:12]), ts=1775001602.0)
    w.close()
    eve = os.path.join(tmp, "eve.json")
    r = run(["-r", pcap, "--eve", eve])
    check(r.returncode == 0, r.stderr)
    evs = events(eve)
    an = [e for e in evs if e["event_type"] == "anomaly"]
    check(len(an) == 21, "anomaly events: %d" % len(an))
    check(an[0]["anomaly"] == {"type": "decode", "event": "ipv4.trunc_pkt", "layer": "ipv4"},
          json.dumps(an[0]))
    check(an[-1]["anomaly"]["event"] == "ipv4.pkt_too_small", json.dumps(an[-1]))
    st = [e for e in evs if e["event_type"] == "stats"][-1]["stats"]["events"]
    check(st["anomaly"] == 101 and st["anomaly_suppressed"] == 80, json.dumps(st))


def test_nonmonotonic(tmp):
    """Time stamps jumping back years neither crash nor end live flows."""
    pcap = os.path.join(tmp, "jumps.pcap")
    w = g.PcapWriter(pcap)
    t0 = 1775001600.0
    for i in range(20):
        ts = t0 + i if i % 2 == 0 else t0 - 10 * 365 * 86400 + i
        w.udp(("192.168.1.10", 1000), ("192.168.1.1", 2000), b"x", ts=ts)
    w.close()
    eve = os.path.join(tmp, "eve.json")
    r = run(["-r", pcap, "--eve", eve])
    check(r.returncode == 0, r.stderr)
    flows = [e for e in events(eve) if e["event_type"] == "flow"]
    check(len(flows) == 1 and flows[0]["flow"]["pkts_toserver"] == 20, json.dumps(flows))
    check(flows[0]["flow"]["reason"] == "shutdown", json.dumps(flows))


def tcp_http(w):
    s = g.TcpSession(w, ("192.168.1.10", 51000), ("203.0.113.5", 80))
    s.handshake()
    s.send(b"GET /a HTTP/1.1\r\nHost: www.example.com\r\n\r\n", segment=9)
    s.recv(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    s.close()


def test_pcapng(tmp):
    """pcap and pcapng copies of the same packets give the same events."""
    outs = []
    for writer, name in ((g.PcapWriter, "a.pcap"), (g.PcapngWriter, "a.pcapng")):
        path = os.path.join(tmp, name)
        w = writer(path)
        tcp_http(w)
        w.udp(("192.168.1.10", 5353), ("192.168.1.1", 53), g.dns_query("www.example.com"))
        w.close()
        eve = os.path.join(tmp, name + ".json")
        r = run(["-r", path, "--eve", eve])
        check(r.returncode == 0, r.stderr)
        outs.append([e for e in events(eve) if e["event_type"] != "stats"])
    check(outs[0] == outs[1], "pcap and pcapng differ")
    check(any(e["event_type"] == "flow" and e["proto"] == "TCP" for e in outs[0]), "no TCP flow")


def pppoe_wan_traffic(w):
    """DNS over IPv4 and IPv6 and an HTTP exchange, for test_pppoe."""
    tcp_http(w)
    w.udp(("192.168.1.10", 5353), ("192.168.1.1", 53), g.dns_query("www.example.com"))
    w.udp(("192.168.1.1", 53), ("192.168.1.10", 5353),
          g.dns_response("www.example.com", ["192.0.2.80"]), src_mac=g.MAC_B, dst_mac=g.MAC_A)
    w.udp(("2001:db8::10", 5300), ("2001:db8::1", 53), g.dns_query("v6.example.com", qtype=28))


def test_pppoe(tmp):
    """The same DNS and HTTP traffic plain and inside PPPoE session frames,
    with PPPoE discovery (PADI/PADO/PADR/PADS ... PADT) and PPP link control
    (LCP) around it, as on the WAN side of a FLET'S router: the same dns and
    http events; discovery and LCP are skipped quietly; the decoder stats
    count every PPPoE frame; a PPPoE length beyond the frame is an anomaly."""
    t0 = 1775001600.0
    plain, wan = os.path.join(tmp, "plain.pcap"), os.path.join(tmp, "pppoe.pcap")
    w = g.PcapWriter(plain, start=t0)
    pppoe_wan_traffic(w)
    w.close()
    w = g.PcapWriter(wan, start=t0)
    tags = g.pppoe_tags([(0x0101, b""), (0x0103, b"\x00\x00\x00\x01")])
    for i, (code, sid) in enumerate(((g.PADI, 0), (g.PADO, 0), (g.PADR, 0), (g.PADS, 0x2A))):
        src, dst = (g.MAC_A, "ff:ff:ff:ff:ff:ff") if code == g.PADI else \
            ((g.MAC_B, g.MAC_A) if i % 2 else (g.MAC_A, g.MAC_B))
        w.raw(g.ether(src, dst, g.ETH_PPPOE_DISCOVERY, g.pppoe(code, sid, tags)),
              ts=t0 - 1 + i * 0.1)
    lcp = struct.pack("!H", g.PPP_LCP) + bytes([9, 1, 0, 8, 0x12, 0x34, 0x56, 0x78])
    w.raw(g.ether(g.MAC_A, g.MAC_B, g.ETH_PPPOE_SESSION, g.pppoe(0, 0x2A, lcp)), ts=t0 - 0.5)
    w.pppoe_session = 0x2A
    pppoe_wan_traffic(w)
    w.pppoe_session = None
    bad = bytearray(g.pppoe(0, 0x2A, lcp))
    bad[4:6] = struct.pack("!H", 1400)
    w.raw(g.ether(g.MAC_A, g.MAC_B, g.ETH_PPPOE_SESSION, bytes(bad)), ts=t0 + 5)
    w.raw(g.ether(g.MAC_A, g.MAC_B, g.ETH_PPPOE_DISCOVERY, g.pppoe(g.PADT, 0x2A, b"")),
          ts=t0 + 6)
    w.close()
    runs = []
    for path in (plain, wan):
        eve = path + ".json"
        r = run(["-r", path, "--eve", eve])
        check(r.returncode == 0 and sanitizer_clean(r.stderr), r.stderr)
        runs.append(events(eve))
    apps = []
    for evs in runs:
        apps.append([{k: v for k, v in e.items() if k != "pcap_cnt"} for e in evs
                     if e["event_type"] in ("dns", "http")])
    check(len(apps[0]) >= 4, "plain run: too few dns/http events: %s" % apps[0])
    check(apps[0] == apps[1], "PPPoE changes the dns/http events:\nplain %s\npppoe %s" % (
        json.dumps(apps[0]), json.dumps(apps[1])))
    check({e["event_type"] for e in apps[1]} == {"dns", "http"}, "event types: %s" % apps[1])
    an = [e["anomaly"] for e in runs[1] if e["event_type"] == "anomaly"]
    check(an == [{"type": "decode", "event": "pppoe.trunc_pkt", "layer": "pppoe"}],
          "anomalies: %s" % an)
    plain_dec, dec = [[e for e in evs if e["event_type"] == "stats"][-1]["stats"]["decoder"]
                      for evs in runs]
    # every frame of the WAN capture is PPPoE: the IP ones, 4 discovery
    # frames before and PADT after, one LCP echo and the cut one
    check(dec["pppoe"] == dec["pkts"] == plain_dec["pkts"] + 7 and dec["invalid"] == 1,
          json.dumps(dec))
    check(plain_dec["pppoe"] == 0 and dec["ipv4"] == plain_dec["ipv4"] and
          dec["ipv6"] == plain_dec["ipv6"] and dec["tcp"] == plain_dec["tcp"],
          "plain %s, pppoe %s" % (plain_dec, dec))


def test_pppoe_sessions(tmp):
    """The same DNS exchange (same addresses and ports) in two PPPoE
    sessions and outside PPPoE: three flows, each reply in its own (the
    session id is part of the flow key, as VLAN ids are), all with the same
    Community ID (v1 over the 5-tuple alone)."""
    pcap = os.path.join(tmp, "sessions.pcap")
    w = g.PcapWriter(pcap)
    client, server = ("100.64.1.10", 40000), ("192.0.2.53", 53)
    for i, sid in enumerate((0x0101, 0x0202, None)):
        t = 1775001600.0 + i
        w.udp(client, server, g.dns_query("host%d.example" % i), ts=t, pppoe_session=sid)
        w.udp(server, client, g.dns_response("host%d.example" % i, ["192.0.2.%d" % (i + 1)]),
              ts=t + 0.01, pppoe_session=sid, src_mac=g.MAC_B, dst_mac=g.MAC_A)
    w.close()
    eve = os.path.join(tmp, "eve.json")
    r = run(["-r", pcap, "--eve", eve])
    check(r.returncode == 0 and sanitizer_clean(r.stderr), r.stderr)
    evs = events(eve)
    flows = [e for e in evs if e["event_type"] == "flow"]
    check(len(flows) == 3, "flows: %s" % [f["flow"] for f in flows])
    check(all(f["flow"]["pkts_toserver"] == 1 and f["flow"]["pkts_toclient"] == 1 for f in flows),
          "each session's reply joins its own flow: %s" % [f["flow"] for f in flows])
    check(len({f["flow_id"] for f in flows}) == 3, "flow ids: %s" % flows)
    check(len({f["community_id"] for f in flows}) == 1, "community ids: %s" % flows)
    dns = [e for e in evs if e["event_type"] == "dns"]
    check(len(dns) == 6 and len({e["flow_id"] for e in dns}) == 3, "dns: %s" % dns)


def test_devices_exit(tmp):
    """A device's address change held back by address_change_interval (a
    new address within the hour of its announcement) is announced at the
    end of a run without --state, not lost; with --state it is saved as
    held back (announced after a restart) and not announced at exit."""
    pcap = os.path.join(tmp, "devices.pcap")
    w = g.PcapWriter(pcap)
    server = ("192.0.2.53", 53)
    t0 = 1775001600.0
    w.udp(("192.168.1.10", 40000), server, g.dns_query("a.example"), ts=t0)
    w.udp(("192.168.1.11", 40001), server, g.dns_query("b.example"), ts=t0 + 60)
    w.close()
    for state in (False, True):
        eve = os.path.join(tmp, "eve-%s.json" % state)
        sdir = os.path.join(tmp, "state")
        args = ["-r", pcap, "--eve", eve] + (["--state", sdir] if state else [])
        r = run(args)
        check(r.returncode == 0 and sanitizer_clean(r.stderr), r.stderr)
        evs = events(eve)
        devs = [e for e in evs if e["event_type"] == "device"]
        actions = [e["device"]["action"] for e in devs]
        # the final stats record comes last and counts every event before it
        check(evs[-1]["event_type"] == "stats", "last line: %s" % evs[-1])
        st = evs[-1]["stats"]["events"]
        others = [e for e in evs if e["event_type"] != "stats"]
        check(st["total"] == len(others) and st["alert"] == sum(
            1 for e in others if e["event_type"] == "alert"),
            "stats events %s, events written %d (state %s)" % (st, len(others), state))
        if not state:
            check(actions == ["new", "changed"], "without --state: %s" % devs)
            check(devs[1]["device"]["ips"] == ["192.168.1.10", "192.168.1.11"] and
                  devs[1]["timestamp"].startswith("2026-04-01T00:01:00"), "changed: %s" % devs[1])
        else:
            check(actions == ["new"], "with --state: %s" % devs)
            with open(os.path.join(sdir, "devices.json"), encoding="utf-8") as f:
                saved = json.load(f)["devices"]
            check(len(saved) == 1 and saved[0].get("address_change_pending") is True,
                  "devices.json: %s" % saved)


def test_devices_max(tmp):
    """[devices] max reached: the first device kept out is told once on
    stderr (the setting, its value, what is lost), not per packet, and the
    final stats record counts them (devices.known, devices.max_drops); at
    start, devices.json records past max are told once the same way (the
    next save leaves them out of the file). en and ja. Before, both were
    silent and counted nowhere. The file is kept aside first, as it was
    (devices.json.over-max-YYYYMMDDTHHMMSSZ, the file's modification time,
    -2 ... never replacing a file), and the warning names the copy; a copy
    that cannot be written stops the sensor (exit 4) with the file
    untouched. Before, the records past max were gone with the first save.
    A start that finds the file as it was copied (a sensor stopped before
    its first save) names that copy instead of making another; before, each
    such start made one more (session 18)."""
    pcap = os.path.join(tmp, "five.pcap")
    w = g.PcapWriter(pcap)
    t0 = 1775001600.0
    for rnd in range(3):  # five devices, three packets each
        for k in range(5):
            w.udp(("192.168.1.%d" % (10 + k), 40000 + k), ("192.0.2.53", 53),
                  g.dns_query("d%d.example" % k), src_mac="02:00:00:00:01:%02x" % k,
                  dst_mac="02:00:00:00:00:fe", ts=t0 + rnd * 10 + k)
    w.close()
    cfg = os.path.join(tmp, "max.ini")
    sdir = os.path.join(tmp, "state")
    for lang, words in (("en", "the device inventory is full ([devices] max = 2): devices first"
                         " seen from now on are not recorded"),
                        ("ja", "機器の一覧がいっぱいです（[devices] max = 2）")):
        with open(cfg, "w") as f:
            f.write("[devices]\nmax = 2\n")
        eve = os.path.join(tmp, "eve-%s.json" % lang)
        r = run(["-r", pcap, "--eve", eve, "--config", cfg, "--lang", lang])
        lines = r.stderr.splitlines()
        check(r.returncode == 0 and len(lines) == 1 and words in lines[0] and
              "devices.max_drops" in lines[0], "full (%s): %r" % (lang, r))
        evs = events(eve)
        news = [e["device"]["mac"] for e in evs if e["event_type"] == "device"]
        st = evs[-1]["stats"]
        check(news == ["02:00:00:00:01:00", "02:00:00:00:01:01"], "recorded: %s" % news)
        # three devices kept out, three packets each
        check(st["devices"] == {"known": 2, "max_drops": 9}, "stats: %s" % st["devices"])
    # a saved inventory of five, then max = 3: two records not loaded
    r = run(["-r", pcap, "--eve", os.devnull, "--state", sdir])
    check(r.returncode == 0 and r.stderr == "", "five saved: %r" % (r,))
    inv = os.path.join(sdir, "devices.json")

    def copies(kind="over-max"):
        return sorted(n for n in os.listdir(sdir) if n.startswith("devices.json.%s-" % kind))

    with open(inv) as f:
        before = f.read()
    mtimes = {"en": t0, "ja": t0 + 86400}  # the file's modification time names the copy
    for lang, words, kept_words in (
            ("en", "%s: 2 device records are past [devices] max = 3 and not loaded" % inv,
             "the next save leaves them out of the file, so the file as it is was kept as %s "
             "(the sensor does not read the copy"),
            ("ja", "機器の一覧 %s のうち 2 台は、[devices] max = 3 を超えるため" % inv,
             "その前の元のファイルを %s として残しました")):
        with open(cfg, "w") as f:
            f.write("[devices]\nmax = 3\n")
        os.utime(inv, (mtimes[lang], mtimes[lang]))
        eve = os.path.join(tmp, "eve-load-%s.json" % lang)
        old = copies()
        r = run(["-r", pcap, "--eve", eve, "--config", cfg, "--state", sdir, "--lang", lang])
        new = [n for n in copies() if n not in old]
        lines = r.stderr.splitlines()
        name = "devices.json.over-max-%s" % time.strftime("%Y%m%dT%H%M%SZ",
                                                          time.gmtime(mtimes[lang]))
        check(r.returncode == 0 and len(lines) == 1 and words in lines[0] and new == [name] and
              (kept_words % os.path.join(sdir, new[0])) in lines[0],
              "at load (%s): %r %r" % (lang, new, r))
        with open(os.path.join(sdir, new[0])) as f:
            check(f.read() == before, "the copy is the file as it was (%s)" % lang)
        st = last_stats(eve)
        # two records at the load, then the two devices' six packets
        check(st["devices"] == {"known": 3, "max_drops": 8}, "stats (load): %s" % st["devices"])
        with open(inv) as f:
            check(len(json.load(f)["devices"]) == 3, "saved: three")
        # the next start has nothing past max: no copy, no warning at load
        # (the capture's two other devices are told as kept out)
        r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg, "--state", sdir])
        check(r.returncode == 0 and "past [devices] max" not in r.stderr and
              len(r.stderr.splitlines()) == 1 and len(copies()) == len(old) + 1,
              "after the save (%s): %r" % (lang, r))
        with open(inv, "w") as f:
            f.write(before)
    check(len(copies()) == 2, "one copy a start, none replaced: %s" % copies())
    # the file as the en start found it (a sensor stopped before its first
    # save): that copy is named again, no other is made
    with open(cfg, "w") as f:
        f.write("[devices]\nmax = 3\n")
    for n in range(2):
        with open(inv, "w") as f:
            f.write(before)
        os.utime(inv, (mtimes["en"], mtimes["en"]))
        en_copy = os.path.join(sdir, "devices.json.over-max-%s" % kept_stamp(inv))
        old = copies()
        r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg, "--state", sdir])
        check(r.returncode == 0 and copies() == old and "past [devices] max = 3" in r.stderr and
              "kept as %s (" % en_copy in r.stderr, "copied before (%d): %r %r" % (n, copies(), r))
    # other text with the same time: its own copy, the next name (-2)
    with open(inv, "w") as f:
        f.write(before + "\n")
    os.utime(inv, (mtimes["en"], mtimes["en"]))
    old = copies()
    r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg, "--state", sdir])
    new = [n for n in copies() if n not in old]
    check(r.returncode == 0 and new == [os.path.basename(en_copy) + "-2"] and
          "kept as %s-2 (" % en_copy in r.stderr, "other text: %r %r" % (new, r))
    with open(en_copy + "-2") as f:
        check(f.read() == before + "\n", "the -2 copy")
    # a damaged record too: the damaged copy is the one kept, and named
    doc = json.loads(before)
    doc["devices"].insert(0, {"mac": 7})
    doc.pop("recent_addresses", None)
    with open(inv, "w") as f:
        json.dump(doc, f)
    with open(inv) as f:
        damaged_text = f.read()
    old, old_damaged = copies(), copies("damaged")
    r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg, "--state", sdir])
    kept = [n for n in copies("damaged") if n not in old_damaged]
    check(r.returncode == 0 and copies() == old and len(kept) == 1 and
          "past [devices] max = 3" in r.stderr and "kept as %s" % os.path.join(sdir, kept[0])
          in r.stderr and "has 1 damaged device records" in r.stderr, "damaged too: %r" % (r,))
    with open(os.path.join(sdir, kept[0])) as f:
        check(f.read() == damaged_text, "the damaged copy")
    # every name the copy could take is taken: the sensor stops (exit 4),
    # the file stays as it was
    with open(inv, "w") as f:
        f.write(before)
    take_kept_names(inv, "over-max")
    for lang, from_file, words in (
            ("en", False, "holds more devices than [devices] max, and it could not be kept aside "
             "under another name"),
            ("ja", True, "元のファイルを別の名前で残しておくことができませんでした")):
        with open(cfg, "w") as f:
            f.write("[devices]\nmax = 3\n" + ("[sensor]\nstate = %s\n" % sdir if from_file else ""))
        r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg, "--lang", lang]
                + ([] if from_file else ["--state", sdir]))
        lines = r.stderr.splitlines()
        check(r.returncode == 4 and len(lines) == 1 and words in lines[0] and inv in lines[0] and
              ("%s: [sensor] state: " % cfg in lines[0]) == from_file,
              "no copy (%s): %r" % (lang, r))
        with open(inv) as f:
            check(f.read() == before, "the file left as it was (%s)" % lang)


def test_linktypes(tmp):
    """The same ICMP echo over SLL, SLL2, raw IP and BSD loopback."""
    ip = g.ipv4("192.168.1.10", "192.168.1.1", 1, g.icmp_echo())
    ip6 = g.ipv6("2001:db8::1", "2001:db8::2", 17, g.udp("2001:db8::1", 1000, "2001:db8::2", 53,
                                                          g.dns_query("v6.example")))
    cases = [(g.DLT_LINUX_SLL, g.sll(0x0800, ip), "192.168.1.10"),
             (g.DLT_LINUX_SLL2, g.sll2(0x0800, ip), "192.168.1.10"),
             (g.DLT_RAW, ip, "192.168.1.10"),
             (g.DLT_RAW, ip6, "2001:db8::1"),
             (g.DLT_NULL, g.null_loopback(2, ip), "192.168.1.10"),
             (g.DLT_EN10MB, g.ether(g.MAC_A, g.MAC_B, 0x0800, ip, vlans=(5, 6)), "192.168.1.10")]
    for i, (dlt, frame, src) in enumerate(cases):
        path = os.path.join(tmp, "l%d.pcap" % i)
        w = g.PcapWriter(path, linktype=dlt)
        w.raw(frame)
        w.close()
        eve = path + ".json"
        r = run(["-r", path, "--eve", eve])
        check(r.returncode == 0, r.stderr)
        flows = [e for e in events(eve) if e["event_type"] == "flow"]
        check(len(flows) == 1 and flows[0]["src_ip"] == src, "link %d: %s" % (dlt, flows))
    # a link type the sensor does not decode (802.11): refused like a file that
    # cannot be read (exit 3, named with what is decoded), and the next -r file read
    wifi = os.path.join(tmp, "wifi.pcap")
    w = g.PcapWriter(wifi, linktype=105)
    w.raw(b"\x08\x00" + b"\x00" * 40)
    w.close()
    eve = os.path.join(tmp, "wifi.json")
    good = os.path.join(tmp, "l0.pcap")
    r = run(["-r", wifi, "-r", good, "--eve", eve])
    check(r.returncode == 3 and sanitizer_clean(r.stderr), "unsupported link: %r" % (r,))
    check("wifi.pcap" in r.stderr and "link type 105 (IEEE802_11)" in r.stderr and
          "EN10MB" in r.stderr and "LINUX_SLL" in r.stderr, "message: " + r.stderr)
    flows = [e for e in events(eve) if e["event_type"] == "flow"]
    check(len(flows) == 1, "the next file is read: %s" % flows)
    r = run(["-r", wifi, "--eve", eve], env=dict(os.environ, LC_ALL="", LC_MESSAGES="",
                                                   LANG="ja_JP.UTF-8"))
    check(r.returncode == 3 and "リンク種別 105（IEEE802_11" in r.stderr, "ja: " + r.stderr)


def read_spool(sdir):
    """Parses every segment; returns ([(seq, bytes)], torn_tail_bytes)."""
    recs, torn = [], 0
    for name in sorted(os.listdir(sdir)):
        if not name.endswith(".seg"):
            continue
        data = open(os.path.join(sdir, name), "rb").read()
        check(data[:8] == b"MMSPOOL1" or len(data) < 8, "segment magic")
        off = 8
        while off < len(data):
            if off + 16 > len(data):
                torn += len(data) - off
                break
            ln, _crc, seq = struct.unpack("<IIQ", data[off:off + 16])
            if off + 16 + ln > len(data):
                torn += len(data) - off
                break
            payload = data[off + 16:off + 16 + ln]
            ev = json.loads(payload)
            check(ev["seq"] == seq, "seq field")
            recs.append((seq, payload))
            off += 16 + ln
    return recs, torn


def test_spool_crash(tmp):
    """kill -9 at random moments, restart, repeat: the spool keeps every
    record that was written, never repeats a seq, and numbering runs on
    without gaps; a torn tail is cut on restart."""
    pcap = os.path.join(tmp, "many.pcap")
    many_udp_flows(pcap, 40000, spacing=0.01)
    cfg = os.path.join(tmp, "s.ini")
    with open(cfg, "w") as f:
        f.write("[uplink]\nevent_types = flow\n[flow]\ntimeout_udp = 1\n")
    state = os.path.join(tmp, "state")
    sdir = os.path.join(state, "spool")
    rnd = random.Random(20260401)
    kept = []
    kills = 0
    for attempt in range(8):
        p = subprocess.Popen([SENSOR, "-r", pcap, "--eve", os.devnull, "--config", cfg,
                              "--state", state], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        time.sleep(rnd.uniform(0.02, 0.4))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
        p.stderr.close()
        recs, _torn = read_spool(sdir) if os.path.isdir(sdir) else ([], 0)
        check(recs[:len(kept)] == kept, "attempt %d: earlier records changed or lost" % attempt)
        seqs = [s for s, _ in recs]
        check(seqs == list(range(1, len(seqs) + 1)), "attempt %d: seqs not 1..n" % attempt)
        kept = recs
    check(kills >= 3, "only %d runs were killed; slow machine?" % kills)
    r = subprocess.run([SENSOR, "-r", pcap, "--eve", os.devnull, "--config", cfg, "--state",
                        state], capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, r.stderr)
    recs, torn = read_spool(sdir)
    check(torn == 0, "torn tail after a clean run")
    check(recs[:len(kept)] == kept, "final run lost records")
    seqs = [s for s, _ in recs]
    check(seqs == list(range(1, len(seqs) + 1)), "final seqs")
    check(len(recs) >= len(kept) + 40000, "final run spooled %d" % (len(recs) - len(kept)))


REC = 16 + 14 + 20 + 8 + 20  # one many_udp_flows packet in the capture (pcap record header on)


def write_config(tmp, settle_ms):
    """tmp/sensor.ini: [intel] settle_ms."""
    cfg = os.path.join(tmp, "sensor.ini")
    with open(cfg, "w") as f:
        f.write("[intel]\nsettle_ms = %d\n" % settle_ms)
    return cfg


def last_stats(eve):
    """The "stats" object of the last stats event in the EVE file eve."""
    return [e for e in events(eve) if e["event_type"] == "stats"][-1]["stats"]


def wait_stderr(errf, want, count=1, timeout=10):
    """True once the sensor's stderr (errf) holds want count times (within
    timeout seconds)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        errf.seek(0)
        if errf.read().count(want) >= count:
            return True
        time.sleep(0.05)
    return False


def signal_taken(pid, sig, timeout=30):
    """True once sig, sent to process pid, is no longer pending in it (a
    thread has taken it and run its handler), within timeout seconds."""
    bit = 1 << (sig - 1)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with open("/proc/%d/status" % pid) as f:
            pending = [int(x.split()[1], 16) for x in f if x.startswith(("ShdPnd:", "SigPnd:"))]
        if not any(p & bit for p in pending):
            return True
        time.sleep(0.01)
    return False


def fd_open(pid, path):
    """Whether process pid has path open."""
    fds = "/proc/%d/fd" % pid
    for fd in os.listdir(fds):
        try:
            if os.readlink(os.path.join(fds, fd)) == path:
                return True
        except OSError:  # (closed meanwhile)
            pass
    return False


def fifo_feed(path, text, timeout=30):
    """Writes text to the fifo path once a reader has it open (a load of
    intel waiting for its feed), within timeout seconds; never blocks
    without one."""
    end = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as e:
            if e.errno != errno.ENXIO or time.monotonic() > end:
                raise
            time.sleep(0.02)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def pcap_big_endian(data):
    """The little-endian pcap capture data in the other byte order."""
    out, off = [struct.pack(">IHHiIII", *struct.unpack("<IHHiIII", data[:24]))], 24
    while off < len(data):
        sec, usec, cap, length = struct.unpack("<IIII", data[off:off + 16])
        out.append(struct.pack(">IIII", sec, usec, cap, length) + data[off + 16:off + 16 + cap])
        off += 16 + cap
    return b"".join(out)


def capture_records(data):
    """The end offsets of a capture's file header and of each record after
    it: pcap (either byte order) or little-endian pcapng (its header: the
    section header and interface blocks; then every block)."""
    ends, off = [], 0
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        while off < len(data):
            btype, total = struct.unpack("<II", data[off:off + 8])
            off += total
            if ends or btype == 1:  # (the first interface ends the header)
                ends.append(off)
        return ends
    order = "<" if data[:4] == struct.pack("<I", 0xA1B2C3D4) else ">"
    ends, off = [24], 24
    while off < len(data):
        off += 16 + struct.unpack(order + "I", data[off + 8:off + 12])[0]
        ends.append(off)
    return ends


class FifoRun:
    """The sensor reading, from a fifo (tmp/in.pcap), a capture of `flows`
    UDP packets (many_udp_flows, REC bytes each after the 24-byte file
    header; fmt "pcap-be": in big-endian order, "pcapng": in pcapng) that
    the test hands it as it goes, with --intel intel and --config cfg
    (intel may be a list of paths); its stderr kept in tmp/stderr
    (self.errf), its EVE in tmp/eve.json (self.eve)."""

    def __init__(self, tmp, intel, cfg, flows, fmt="pcap"):
        self.fifo = os.path.join(tmp, "in.pcap")
        os.mkfifo(self.fifo)
        self.eve = os.path.join(tmp, "eve.json")
        self.errf = open(os.path.join(tmp, "stderr"), "w+")
        intel = [intel] if isinstance(intel, str) else intel  # (a list: one --intel each)
        self.p = subprocess.Popen([SENSOR, "-r", self.fifo, "--eve", self.eve] +
                                  [a for path in intel for a in ("--intel", path)] +
                                  ["--config", cfg], stdout=subprocess.DEVNULL, stderr=self.errf)
        staging = os.path.join(tmp, "all.pcap")
        many_udp_flows(staging, flows, spacing=0.001,
                       writer=g.PcapngWriter if fmt == "pcapng" else g.PcapWriter)
        with open(staging, "rb") as f:
            self.data = f.read()
        if fmt == "pcap-be":
            self.data = pcap_big_endian(self.data)
        self.f = None
        self.off = 0

    def open(self):
        """Opens the fifo; returns once the sensor has opened it too (after
        its start's load of intel)."""
        self.f = open(self.fifo, "wb")

    def write(self, packets=None):
        """Writes the file header (the first time) and the next `packets`
        packets (None: all that are left)."""
        end = len(self.data) if packets is None else max(self.off, 24) + packets * REC
        self.f.write(self.data[self.off:end])
        self.f.flush()
        self.off = min(end, len(self.data))

    def write_to(self, end):
        """Writes the capture up to byte end (flushed: the fifo has it)."""
        self.f.write(self.data[self.off:end])
        self.f.flush()
        self.off = end

    def wait_drained(self, timeout=30):
        """Returns once the sensor has read every byte written to the fifo
        (none left in it), not after some sleep."""
        end = time.monotonic() + timeout
        buf = bytearray(4)
        while time.monotonic() < end:
            fcntl.ioctl(self.f.fileno(), termios.FIONREAD, buf)
            if int.from_bytes(buf, sys.byteorder) == 0:
                return
            time.sleep(0.01)
        check(False, "the sensor left bytes in the fifo: " + self.stderr())

    def feed(self, packets, pause, until=None, timeout=None):
        """Writes the rest `packets` at a time, `pause` seconds after each,
        until the capture ends; with until, no more once the stderr holds
        it (or timeout seconds have gone)."""
        end = time.monotonic() + timeout if timeout else None
        while self.off < len(self.data) and (end is None or time.monotonic() < end):
            if until and until in self.stderr():
                break
            self.write(packets)
            time.sleep(pause)

    def stderr(self):
        """What the sensor has written to its stderr so far."""
        self.errf.seek(0)
        return self.errf.read()

    def wait_stderr(self, want, count=1, timeout=10):
        return wait_stderr(self.errf, want, count, timeout)

    def close(self):
        """Writes what is left of the capture and closes the fifo: the
        input ends."""
        if self.f:
            self.write()
            self.f.close()
            self.f = None

    def terminate(self, when):
        """SIGTERM (taken), then waits up to 10 s for the sensor to end; past
        that, ends its input and fails the test (still running `when`).
        Returns its stderr; the fifo's write end is closed."""
        self.signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.close()
            self.p.wait(timeout=60)
            check(False, "still running 10 s after SIGTERM %s: %s" % (when, self.stderr()))
        if self.f:
            self.f.close()
            self.f = None
        return self.stderr()

    def signal(self, sig):
        """Sends sig; returns once the sensor has taken it (no longer
        pending: its handler has run), not after some sleep."""
        self.p.send_signal(sig)
        check(signal_taken(self.p.pid, sig), "signal %d still pending" % sig)

    def wait_input_closed(self, timeout=30):
        """Returns once the sensor has closed the fifo: it has read the end
        of the input (call close() first)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not fd_open(self.p.pid, self.fifo):
                return
            time.sleep(0.02)
        check(False, "the sensor still holds its input open")

    def finish(self):
        """close(), then waits for the sensor: exit 0, no sanitizer report.
        Returns its stderr."""
        self.close()
        self.p.wait(timeout=60)
        text = self.stderr()
        check(self.p.returncode == 0, text)
        check(sanitizer_clean(text), text)
        return text


def reload_setup(tmp, settle_ms):
    """intel.txt listing bad.example and a config file of settle_ms (the
    feed is written just before the start: with settle_ms, the start waits
    for it)."""
    intel = os.path.join(tmp, "intel.txt")
    with open(intel, "w") as f:
        f.write("bad.example\n")
    return intel, write_config(tmp, settle_ms)


def test_sighup(tmp, settle_ms=0):
    """SIGHUP while reading: intel is rebuilt in the background and swapped
    between packets; every packet is still processed."""
    intel, cfg = reload_setup(tmp, settle_ms)  # settle_ms: test_sighup_settle
    r = FifoRun(tmp, intel, cfg, 2000)
    r.open()
    r.write(1000)
    with open(intel, "a") as i:
        i.write("worse.example\n")
    if settle_ms == 0:
        time.sleep(0.3)
        r.p.send_signal(signal.SIGHUP)
    else:
        # SIGHUP while the feed is still being written (its writer goes on
        # until the sensor has seen that, whenever it gets to it)
        with InPlaceWriter(intel, 0.02, "bad.example\nworse.example\n") as w:
            r.p.send_signal(signal.SIGHUP)
            end = time.monotonic() + 60
            # ("intel reload postponed", or "intel reloaded": it had settled)
            while "intel reload" not in r.stderr() and time.monotonic() < end:
                time.sleep(0.02)
        if "intel reload postponed" not in r.stderr() and w.starved(settle_ms):
            r.finish()
            return starved_note("sighup-settle", w, settle_ms)
    # Keep feeding packets while the new set is built: the swap happens
    # between packets, and nothing may be lost.
    if settle_ms == 0:
        r.feed(50, 0.02)
    else:
        r.feed(5, 0.02, until="intel reloaded", timeout=60)
    text = r.finish()
    if "not built in" in text:
        print("sighup: intel support not built; reload path not checked")
        return SKIP
    check("intel reloaded" in text, text)
    st = last_stats(r.eve)
    check(st["decoder"]["pkts"] == 2000, json.dumps(st["decoder"]))
    if settle_ms == 0:
        check(st["intel"]["reloads"] == 1, json.dumps(st["intel"]))
        check(st["intel"]["indicators"] == 2, json.dumps(st["intel"]))
        return None
    # SIGHUP while the feed is still being written: the reload is postponed
    # (the set in use stays, its reports not printed); tried again a settle
    # time later (without a signal; again if the writer had not stopped
    # yet), it reads both
    check("intel reload postponed: %s is still being written" % intel in text, text)
    check("the reload is tried again in 0.3 s" in text, text)
    check(text.count("SIGHUP: reloading intel") == 1, text)
    check("a postponed reload, tried again" in text, text)
    check(text.count("intel.txt: list, 2 loaded") == 1 and text.count("1 loaded") == 1, text)
    check(st["intel"]["reloads"] == 1, json.dumps(st["intel"]))
    check(st["intel"]["indicators"] == 2, json.dumps(st["intel"]))
    return None


def test_sighup_settle(tmp):
    """SIGHUP while a feed is still being written (the settle rule)."""
    return settle_tries(tmp, test_sighup, 300)


# The in-place writer's own process: rewrites argv[1] every argv[2] seconds
# (with argv[3], the same text each time) until its stdin ends; prints
# "started" after the first write, and at the end the longest the file went
# unwritten, in ms, by the file's own times (those the sensor reads), the
# last gap up to the end.
WRITER = r"""
import os, select, sys, time
path, every = sys.argv[1], float(sys.argv[2])
i, last, gap = 0, None, 0
while True:
    with open(path, "r+" if os.path.exists(path) else "w") as f:
        f.write(sys.argv[3] if len(sys.argv) > 3 else "bad%04d.example\n" % (i % 10000))
    st = os.stat(path)
    t = max(st.st_mtime_ns, st.st_ctime_ns)
    gap = max(gap, t - last) if last is not None else 0
    last = t
    if i == 0:
        print("started", flush=True)
    i += 1
    if select.select([sys.stdin], [], [], every)[0]:
        break
print(max(gap, time.time_ns() - last) // 1000000, flush=True)
"""


class InPlaceWriter:
    """A background writer that rewrites path in place (its first line, a
    new name each time; with text, the whole file, the same each time) every
    `every` seconds, from its first write (done when the block starts)
    until the block ends: a feed still being written, for the settle rule.
    A process of its own (a thread would wait for the test's own Python
    work, the interpreter's lock, as well as for the CPU). A loaded machine
    can still leave it unscheduled for a while: after the block, max_gap_ms
    is the longest the feed went unwritten (see starved)."""

    def __init__(self, path, every, text=None):
        self.path, self.every, self.text = path, every, text
        self.max_gap_ms = None

    def __enter__(self):
        args = [sys.executable, "-c", WRITER, self.path, str(self.every)]
        self.p = subprocess.Popen(args + ([self.text] if self.text else []),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.p.stdout.readline() != "started\n":
            self.p.wait()
            check(False, "the feed's writer did not start")
        return self

    def __exit__(self, *exc):
        self.p.stdin.close()
        out = self.p.stdout.read().split()
        self.p.wait(timeout=60)
        self.p.stdout.close()
        self.max_gap_ms = int(out[0]) if out else None

    def starved(self, settle_ms):
        """Whether the feed went unwritten for about settle_ms at some time
        in the block (50 ms spare for the file times' granularity): it may
        have settled then, and a test that needs it still being written
        throughout proved nothing."""
        return self.max_gap_ms is None or self.max_gap_ms >= settle_ms - 50


AGAIN = "again"  # a settle test's try proved nothing (settle_tries)
SETTLE_TRIES = 5
# settle_ms of the start tests: the writer must keep the feed busy through
# the start's three settle times (a gap of one lets it settle); on a loaded
# machine a process can go unscheduled for a few hundred ms.
START_SETTLE_MS = 500


def settle_tries(tmp, body, *args):
    """body(dir, *args) in a new directory under tmp, again while it answers
    AGAIN (its feed's writer was starved: see InPlaceWriter.starved), up to
    SETTLE_TRIES times; its answer."""
    for n in range(1, SETTLE_TRIES + 1):
        d = os.path.join(tmp, "try%d" % n)
        os.mkdir(d)
        r = body(d, *args)
        if r is not AGAIN:
            return r
    check(False, "the feed's writer was starved in each of %d tries" % SETTLE_TRIES)
    return None


def starved_note(name, w, settle_ms):
    """Says that a try of test name proved nothing (InPlaceWriter w
    starved); AGAIN."""
    print("%s: the feed went unwritten for %d ms (settle_ms %d) and was read as settled: "
          "this try proves nothing; again" % (name, w.max_gap_ms or -1, settle_ms))
    return AGAIN


def settle_feeds(tmp, settle_ms):
    """feeds/ with calm.txt (left alone) and the path of busy.txt (for an
    InPlaceWriter), a config file of settle_ms, an empty capture."""
    feeds = os.path.join(tmp, "feeds")
    os.mkdir(feeds)
    busy, calm = os.path.join(feeds, "busy.txt"), os.path.join(feeds, "calm.txt")
    with open(calm, "w") as f:
        f.write("calm.example\n")
    old = time.time() - 60
    os.utime(calm, (old, old))  # (its ctime is new: the start's wait covers it)
    cfg = write_config(tmp, settle_ms)
    pcap = os.path.join(tmp, "empty.pcap")
    g.PcapWriter(pcap).close()
    return feeds, busy, cfg, pcap


UNSETTLED_NOTE = (" (it was still being written after the wait at start: loaded as it was read, "
                  "which may hold lines its writer had cut or mixed; it is read again by itself "
                  "once its writer is done)")


def test_settle_start(tmp):
    """A feed rewritten again and again while the sensor starts (the settle
    rule): the start waits three settle times for it, then loads it as it
    was read and says so for that file; a feed left alone is read as always.
    The start schedules a retry for the feed (as a postponed reload); the
    sensor stops before it, and says that the reload was not done."""
    return settle_tries(tmp, settle_start_try)


def settle_start_try(tmp):
    feeds, busy, cfg, pcap = settle_feeds(tmp, START_SETTLE_MS)
    with InPlaceWriter(busy, 0.02) as w:
        t0 = time.monotonic()
        r = run(["-r", pcap, "--eve", os.path.join(tmp, "eve.json"), "--intel", feeds,
                 "--config", cfg])
        took = time.monotonic() - t0
    check(r.returncode == 0, r.stderr)
    check(sanitizer_clean(r.stderr), r.stderr)
    lines = r.stderr.splitlines()
    busy_line = [x for x in lines if "busy.txt: list" in x]
    calm_line = [x for x in lines if "calm.txt" in x]
    if (len(busy_line) == 1 and not busy_line[0].endswith(UNSETTLED_NOTE) and
            w.starved(START_SETTLE_MS)):
        return starved_note("settle-start", w, START_SETTLE_MS)
    # (the start reads it again by itself: its note no longer asks for a
    # SIGHUP, as it did before that retry came)
    check(len(busy_line) == 1 and busy_line[0].endswith(UNSETTLED_NOTE), r.stderr)
    check(len(calm_line) == 1 and "list, 1 loaded, 0 malformed" in calm_line[0] and
          "written" not in calm_line[0], r.stderr)
    check("busy.txt was loaded while still being written: the intel is read again in 0.5 s"
          in r.stderr, r.stderr)
    check("the intel reload postponed while %s was still being written was not done: the "
          "sensor stops" % busy in r.stderr, r.stderr)
    # It waited the three settle times (1.5 s: the bound that cannot fail on
    # a slow machine), and then no longer: the feed was still being written
    # when it ended (the writer ran until the sensor had exited), so a wait
    # for the feed to settle would not have ended at all. The upper bound
    # only guards against a wait far longer than three settle times; a
    # loaded machine's start (ASan) is well within it.
    check(1.45 <= took < 60, "start took %.2f s" % took)
    return None


def test_settle_start_retry(tmp, idle=False):
    """A feed loaded as read at start (still being written after the wait)
    is read again once its writer has stopped: the start schedules the
    retry a postponed reload gets, which loads the settled feed (before, it
    stayed as read until a SIGHUP). idle: the capture (a fifo) stays idle
    meanwhile (test_settle_retry_idle)."""
    return settle_tries(tmp, settle_start_retry_try, idle)


def settle_start_retry_try(tmp, idle):
    feeds, busy, cfg, _ = settle_feeds(tmp, START_SETTLE_MS)
    with InPlaceWriter(busy, 0.02) as w:
        r = FifoRun(tmp, feeds, cfg, 2000)
        r.open()  # (the sensor opens it after its start's load)
        r.write(10 if idle else 0)
    if ("busy.txt was loaded while still being written" not in r.stderr() and
            w.starved(START_SETTLE_MS)):
        r.finish()
        return starved_note("settle-start-retry", w, START_SETTLE_MS)
    if idle:
        # No packet comes while the feed settles: the retries still run on
        # time (they ran only when a packet came), and so does a SIGHUP.
        reloaded = r.wait_stderr("intel reloaded", timeout=60)
        if reloaded:
            r.p.send_signal(signal.SIGHUP)
            reloaded = r.wait_stderr("intel reloaded", 2, timeout=60)
    else:
        r.feed(5, 0.05, until="intel reloaded", timeout=60)
    text = r.finish()
    if idle:
        check(reloaded, "no reload while the capture was idle: " + text)
    check("busy.txt was loaded while still being written: the intel is read again in 0.5 s"
          in text, text)
    check("a postponed reload, tried again" in text, text)
    busy_lines = [x for x in text.splitlines() if "busy.txt: list" in x]
    check(len(busy_lines) == 2 + idle and "still being written" in busy_lines[0] and
          all(x.endswith("busy.txt: list, 1 loaded, 0 malformed") for x in busy_lines[1:]), text)
    check("was not done" not in text, text)
    st = last_stats(r.eve)
    check(st["intel"]["reloads"] == 1 + idle, json.dumps(st["intel"]))
    check(st["decoder"]["pkts"] == 2000, json.dumps(st["decoder"]))
    return None


def test_settle_retry_idle(tmp):
    """test_settle_start_retry with the capture, a fifo, idle while the
    feed settles."""
    return test_settle_start_retry(tmp, idle=True)


def test_settle_exit(tmp):
    """A reload postponed (a feed still being written) when the sensor
    stops is not done, and the sensor says so (it was dropped silently)."""
    return settle_tries(tmp, settle_exit_try)


def settle_exit_try(tmp):
    intel, cfg = reload_setup(tmp, 1000)
    r = FifoRun(tmp, intel, cfg, 20)
    r.open()  # (opened once the start has waited for intel.txt)
    r.write(10)
    with open(intel, "a") as i:
        i.write("worse.example\n")
    # (still being written until the sensor has stopped: its retries too are
    # postponed, however slow its stop)
    with InPlaceWriter(intel, 0.02, "bad.example\nworse.example\n") as w:
        r.p.send_signal(signal.SIGHUP)
        check(r.wait_stderr("SIGHUP: reloading intel", timeout=60), "no reload: " + r.stderr())
        text = r.finish()
    if "intel reloaded" in text and w.starved(1000):
        return starved_note("settle-exit", w, 1000)
    check(text.count("the intel reload postponed while %s was still being written was not "
                     "done: the sensor stops" % intel) == 1, text)
    check("intel reloaded" not in text, text)
    return None


def test_sighup_during_build(tmp):
    """A SIGHUP while a reload is being built is kept until the build is
    done, then starts another (it was dropped: the change it was sent for
    waited for the next signal). The second feed is a fifo: each load of it
    waits until the test writes it, so the second SIGHUP is taken while the
    build runs, whatever the machine's load (no sleeps)."""
    small, held = os.path.join(tmp, "a.txt"), os.path.join(tmp, "held.fifo")
    with open(small, "w") as f:
        f.write("bad.example\n")
    os.mkfifo(held)
    r = FifoRun(tmp, [small, held], write_config(tmp, 0), 400)
    fifo_feed(held, "held.example\n")  # the start's load
    r.open()
    r.write(10)
    r.signal(signal.SIGHUP)
    check(r.wait_stderr("SIGHUP: reloading intel"), "no reload started: " + r.stderr())
    with open(small, "a") as i:
        i.write("worse.example\n")
    r.signal(signal.SIGHUP)  # taken while the build waits for held.fifo: kept
    fifo_feed(held, "held.example\n")  # the first build ends
    check(r.wait_stderr("intel reloaded"), "first build: " + r.stderr())
    second = r.wait_stderr("SIGHUP: reloading intel", 2)
    if second:  # (else no reader would ever come for the fifo)
        fifo_feed(held, "held.example\n")
        second = r.wait_stderr("intel reloaded", 2)
    text = r.finish()
    check(second, "the SIGHUP taken during the build was dropped: " + text)
    st = last_stats(r.eve)
    check(st["intel"]["reloads"] == 2, text + json.dumps(st["intel"]))
    check(st["intel"]["indicators"] == 3, json.dumps(st["intel"]))
    check(st["decoder"]["pkts"] == 400, json.dumps(st["decoder"]))
    return None


def test_sighup_after_input(tmp):
    """A SIGHUP that comes once the -r input has ended (the sensor is
    finishing: here waiting for a reload's build) is not started, and the
    sensor says so (it was dropped silently); so is one kept while that
    build ran. The feed is a fifo, so the test holds the build until both
    signals are in; it waits for the sensor to close its input, not for a
    time."""
    feed = os.path.join(tmp, "feed.fifo")
    os.mkfifo(feed)
    r = FifoRun(tmp, feed, write_config(tmp, 0), 20)
    fifo_feed(feed, "bad.example\n")  # the start's load
    r.open()
    r.write()
    r.signal(signal.SIGHUP)  # its build waits for the feed's writer
    check(r.wait_stderr("SIGHUP: reloading intel"), "no reload started")
    r.signal(signal.SIGHUP)  # kept for after the build
    r.close()
    r.wait_input_closed()  # the input has ended: the sensor waits for the build
    r.signal(signal.SIGHUP)
    fifo_feed(feed, "bad.example\nworse.example\n")
    text = r.finish()
    check(text.count("SIGHUP: reloading intel") == 1, text)
    check(text.count("intel reloaded: 2 indicators") == 1, text)
    check(text.count("SIGHUP: intel not reloaded: the input has ended") == 1, text)
    st = last_stats(r.eve)
    check(st["intel"]["reloads"] == 1, json.dumps(st["intel"]))
    check(st["decoder"]["pkts"] == 20, json.dumps(st["decoder"]))
    return None


def test_pipe_stop_mid_record(tmp):
    """SIGTERM while a pipe's writer has stopped inside a record (tcpdump
    -w - without -U flushes its buffer by size, not by packet): the sensor
    stops within a wait (500 ms), with the packets before that record
    counted; it stayed blocked in libpcap's read of the rest until the
    writer went on. A SIGHUP then is handled too."""
    intel, cfg = reload_setup(tmp, 0)
    r = FifoRun(tmp, intel, cfg, 20)
    r.open()
    r.off = 24 + 5 * REC + REC // 2  # the file header, 5 packets, half of the 6th
    r.f.write(r.data[:r.off])
    r.f.flush()
    r.signal(signal.SIGHUP)
    check(r.wait_stderr("intel reloaded"), "SIGHUP mid-record: " + r.stderr())
    text = r.terminate("with a record cut")
    check(r.p.returncode == 0 and sanitizer_clean(text) and "truncated" not in text, text)
    st = last_stats(r.eve)
    check(st["decoder"]["pkts"] == 5, json.dumps(st["decoder"]))
    return None


def pipe_pieces(tmp, fmt):
    """A writer that flushes pieces smaller than a record, pausing after
    each until the sensor has read it (the fifo is empty): every record so
    written is decoded as a whole (its flow, its time), and while a record
    stays cut (pcapng: after a statistics block, which libpcap reads on
    past) SIGHUP and SIGTERM still act at once (before, the sensor waited
    in libpcap's read for the rest of the record, and did neither until the
    writer went on). The capture is in fmt (FifoRun)."""
    intel, cfg = reload_setup(tmp, 0)
    r = FifoRun(tmp, intel, cfg, 12, fmt)
    ends = capture_records(r.data)
    if fmt == "pcapng":  # an interface statistics block before packet 9
        isb = struct.pack("<IIIII", 5, 24, 0, 0, 0) + struct.pack("<I", 24)
        r.data = r.data[:ends[8]] + isb + r.data[ends[8]:]
        ends = capture_records(r.data)
    r.open()
    r.write_to(ends[0])  # the file header
    for end in ends[1:9]:  # 8 packets, each in 4 pieces
        start = r.off
        for cut in (start + 5, start + 11, start + 23, end):
            r.write_to(cut)
            r.wait_drained()
    stall = ends[9] + 20 if fmt == "pcapng" else ends[8] + 20  # its record header and a bit
    for cut in (r.off + 5, stall):
        r.write_to(cut)
        r.wait_drained()
    r.signal(signal.SIGHUP)
    reloaded = r.wait_stderr("intel reloaded")
    text = r.terminate("in a cut record")
    check(reloaded, "no reload while a record was cut: " + text)
    check(r.p.returncode == 0 and sanitizer_clean(text) and "truncated" not in text, text)
    st = last_stats(r.eve)
    check(st["decoder"]["pkts"] == 8, json.dumps(st["decoder"]))
    flows = sorted((e for e in events(r.eve) if e["event_type"] == "flow"),
                   key=lambda e: e["src_port"])
    check([(e["src_ip"], e["src_port"], e["flow"]["start"][:23]) for e in flows] ==
          [("192.168.1.%d" % (10 + i), 40000 + i, "2026-04-01T00:00:00.%03d" % i)
           for i in range(8)], json.dumps(flows))
    return None


def test_pipe_pieces(tmp):
    return pipe_pieces(tmp, "pcap")


def test_pipe_pieces_swapped(tmp):
    return pipe_pieces(tmp, "pcap-be")


def test_pipe_pieces_pcapng(tmp):
    return pipe_pieces(tmp, "pcapng")


def pipe_peak_kib(tmp, name, data):
    """Feeds data to `mamori-sensor -r -` and, with the pipe still open once
    the sensor has read all of it, returns the sensor's peak resident
    memory in KiB (VmHWM; its rusage would carry this test's own). Then
    ends the input; the sensor must exit cleanly."""
    eve = os.path.join(tmp, name + ".json")
    p = subprocess.Popen([SENSOR, "-r", "-", "--eve", eve, "-q"], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    writer = threading.Thread(target=p.stdin.write, args=(data,))
    writer.start()
    writer.join(120)
    buf = bytearray(4)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        fcntl.ioctl(p.stdin.fileno(), termios.FIONREAD, buf)
        if int.from_bytes(buf, sys.byteorder) == 0:
            break
        time.sleep(0.01)
    # its last read done: waiting for more again (asleep twice in a row; a
    # fixed pause was too short on a busy machine, which measured the peak
    # of a sensor that had not yet handled what it read)
    asleep, end = 0, time.monotonic() + 30
    while asleep < 2 and time.monotonic() < end:
        with open("/proc/%d/stat" % p.pid, encoding="ascii") as f:
            asleep = asleep + 1 if f.read().rsplit(")", 1)[1].split()[0] == "S" else 0
        time.sleep(0.05)
    with open("/proc/%d/status" % p.pid, encoding="ascii") as f:
        peak = int(next(x for x in f if x.startswith("VmHWM:")).split()[1])
    p.stdin.close()
    err = p.stderr.read().decode("utf-8", "replace")
    p.wait(60)
    check(p.returncode == 0 and sanitizer_clean(err), "%s: exit %d: %s" % (name, p.returncode, err))
    st = last_stats(eve)
    check(st["decoder"]["pkts"] == 2, "%s: %s" % (name, json.dumps(st["decoder"])))
    return peak


def test_pipe_pcapng_skipped_blocks(tmp):
    """Blocks libpcap reads past (statistics, unknown types) between two
    packets of a pcapng stream on a pipe are not all buffered before the
    next packet: 48 blocks of 1 MiB cost less than 16 MiB more than none
    (before, the pipe reader held all of them, 64 MiB more). The packets on
    both sides of them are decoded."""
    datas = []
    for blocks in (0, 48):
        path = os.path.join(tmp, "blocks-%d.pcapng" % blocks)
        w = g.PcapngWriter(path)
        w.udp(("192.168.1.10", 40000), ("198.51.100.7", 53), b"x" * 20)
        for i in range(blocks):
            w._block(5 if i % 2 else 0x00004242, b"\0" * (1 << 20))
        w.udp(("192.168.1.11", 40001), ("198.51.100.7", 53), b"y" * 20)
        w.close()
        with open(path, "rb") as f:
            datas.append(f.read())
    peaks = [pipe_peak_kib(tmp, "blocks-%d" % i, d) for i, d in enumerate(datas)]
    check(peaks[1] - peaks[0] < 16 * 1024, "peak memory without the blocks %d KiB, with %d KiB" %
          tuple(peaks))
    return None


def pipe_stop_at_open(r, header_bytes):
    """test_pipe_stop_at_open with r (a FifoRun) and header_bytes written."""
    end = time.monotonic() + 30
    while not fd_open(r.p.pid, r.fifo) and time.monotonic() < end:
        time.sleep(0.02)
    check(fd_open(r.p.pid, r.fifo), "fifo not opened without a writer: " + r.stderr())
    if header_bytes:
        r.open()
        r.write_to(header_bytes)
        r.wait_drained()
    r.terminate("at open")


def test_pipe_stop_at_open(tmp):
    """SIGTERM while the sensor waits for a fifo's writer to come, and then
    for the rest of the file header: it stops at once (exit 0, nothing
    said about the capture). Before, it waited in open(2) for a writer and
    then in libpcap's read of the header, and took no signal until the
    writer went on."""
    intel, cfg = reload_setup(tmp, 0)
    for header_bytes in (0, 10):
        sub = os.path.join(tmp, "h%d" % header_bytes)
        os.mkdir(sub)
        r = FifoRun(sub, intel, cfg, 5)
        try:
            pipe_stop_at_open(r, header_bytes)
        finally:
            if r.p.poll() is None:  # (failed: not left behind)
                r.p.kill()
                r.p.wait()
        text = r.stderr()
        check(r.p.returncode == 0 and sanitizer_clean(text) and "cannot read" not in text,
              "%d header bytes: %s" % (header_bytes, text))
    return None


def test_pipe_sighup_at_open(tmp):
    """SIGHUP while the sensor waits for a fifo's writer to come, and then
    for the rest of the file header: the intel is reloaded then and there,
    as during any other wait for the pipe (each reload before any packet),
    and the capture is read in full after. Before, the reload waited in
    libpcap's read of the header, and took place only once the header had
    come."""
    intel, cfg = reload_setup(tmp, 0)
    r = FifoRun(tmp, intel, cfg, 20)
    try:
        end = time.monotonic() + 30
        while not fd_open(r.p.pid, r.fifo) and time.monotonic() < end:
            time.sleep(0.02)
        check(fd_open(r.p.pid, r.fifo), "fifo not opened without a writer: " + r.stderr())
        for n, (name, header_bytes) in enumerate((("no writer yet", 0), ("10 bytes", 10))):
            if header_bytes:
                r.open()
                r.write_to(header_bytes)
                r.wait_drained()
            with open(intel, "a") as f:
                f.write("worse%d.example\n" % n)
            time.sleep(0.05)  # (settle_ms is 0; the feed's times move on)
            r.signal(signal.SIGHUP)
            check(r.wait_stderr("intel reloaded", n + 1),
                  "%s: no reload while the header is awaited: %s" % (name, r.stderr()))
        text = r.finish()
    finally:
        if r.p.poll() is None:  # (failed: not left behind)
            r.p.kill()
            r.p.wait()
    if "not built in" in text:
        print("pipe-sighup-at-open: intel support not built; skipped")
        return SKIP
    st = last_stats(r.eve)
    check(st["decoder"]["pkts"] == 20 and st["intel"]["reloads"] == 2 and
          st["intel"]["indicators"] == 3, json.dumps(st))
    return None


def test_settle_stop(tmp):
    """SIGTERM while the start waits for a feed rewritten in place by a
    background writer (settle_ms 60000: a wait of up to 180 s): the wait
    ends and the sensor exits at once (before: it waited the wait out)."""
    feeds, busy, cfg, pcap = settle_feeds(tmp, 60000)
    with InPlaceWriter(busy, 0.05):
        p = subprocess.Popen([SENSOR, "-r", pcap, "--eve", os.path.join(tmp, "eve.json"),
                              "--intel", busy, "--config", cfg],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # (the feed open: the start's load of it, which waits for it)
        end = time.monotonic() + 60
        while p.poll() is None and not fd_open(p.pid, busy):
            if time.monotonic() > end:
                p.kill()
                check(False, "the sensor did not open the feed within 60 s")
            time.sleep(0.01)
        check(p.poll() is None, "the sensor did not wait")
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        try:
            _, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            check(False, "still waiting 60 s after SIGTERM")
        took = time.monotonic() - t0
    check(sanitizer_clean(err), err)
    check(p.returncode == 0, err)
    print("settle-stop: exited %.2f s after SIGTERM" % took)
    # (far under the 180 s the wait would have gone on: the stop ended it;
    # ASan's exit on a loaded machine may take seconds)
    check(took < 30, "exit took %.2f s after SIGTERM" % took)
    return None


def proc_uid_when(pid, done, tries):
    """Reads process pid's real uid every 50 ms until done(uid) or tries run
    out or the process is gone; returns the last uid read (None: never)."""
    uid = None
    for _ in range(tries):
        time.sleep(0.05)
        try:
            with open("/proc/%d/status" % pid) as f:
                uid = [int(x.split()[1]) for x in f if x.startswith("Uid:")][0]
        except OSError:
            break
        if done(uid):
            break
    return uid


def test_privdrop(tmp):
    """Live capture on loopback (listen only) as root: after opening the
    device the process runs as the --user account."""
    if os.geteuid() != 0:
        print("privdrop: needs root to open a live capture; skipped")
        return SKIP
    r = run(["-i", "lo", "--bpf", "udp port 9", "--user", "no-such-user-mamori"], timeout=30)
    if "cannot start the capture" in r.stderr or "Operation not permitted" in r.stderr:
        print("privdrop: live capture unavailable here: " + r.stderr.strip())
        return SKIP
    check(r.returncode == 1 and "no such user" in r.stderr, "unknown user: %r" % (r,))
    p = subprocess.Popen([SENSOR, "-i", "lo", "--bpf", "udp port 9", "--user", "nobody",
                          "--eve", os.devnull], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    uid = proc_uid_when(p.pid, lambda u: u not in (None, 0), 100)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    import pwd
    check(uid == pwd.getpwnam("nobody").pw_uid, "uid after drop: %r (%s)" % (uid, err))
    check(p.returncode == 0, "exit after SIGTERM: %d %s" % (p.returncode, err))
    # an EVE file or --state the switched-to user cannot write: the message
    # says who the sensor runs as (before: "not permitted" alone, which an
    # installer running as root cannot explain)
    root_only = os.path.join(tmp, "root-only")
    os.mkdir(root_only, 0o755)
    for extra in (["--eve", os.path.join(root_only, "eve.json")],
                  ["--eve", os.devnull, "--state", os.path.join(root_only, "state")]):
        r = run(["-i", "lo", "--bpf", "udp port 9", "--user", "nobody"] + extra, timeout=30)
        check(r.returncode == 4 and "runs as user nobody" in r.stderr and "--user" in r.stderr,
              "%s as nobody: %r" % (extra, r))


class HttpsCentre:
    """A fake centre on https://127.0.0.1 (a certificate of its own made
    with openssl, tmp/ca/cert.pem, for [uplink] ca_file): POST
    /api/v1/events is answered as the centre's ingest does, and the events
    are kept (self.events)."""

    def __init__(self, tmp):
        import http.server
        import ssl
        import gzip
        self.ca_dir = os.path.join(tmp, "ca")
        os.mkdir(self.ca_dir, 0o700)
        self.cert = os.path.join(self.ca_dir, "cert.pem")
        key = os.path.join(self.ca_dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
                        self.cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        os.chmod(self.cert, 0o600)
        self.events = []
        centre = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                lines = [json.loads(x) for x in body.decode().splitlines() if x.strip()]
                centre.events.extend(lines)
                reply = json.dumps({"accepted": len(lines), "duplicates": 0,
                                    "rejected": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = "https://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def enrolled_state(self, state, owner=None):
        """A --state directory enrolled at this centre (uplink.conf, mode
        0600), given to owner (a uid) when not None."""
        os.mkdir(state, 0o750)
        conf = os.path.join(state, "uplink.conf")
        with open(conf, "w") as f:
            f.write("[uplink]\ncenter = %s\nkey = mms_test\nsensor_id = 1\n" % self.url)
        os.chmod(conf, 0o600)
        if owner is not None:
            for path in (state, conf):
                os.chown(path, owner, -1)

    def settings(self, tmp):
        """A settings file: [uplink] ca_file is the centre's certificate,
        flow records go to the centre, and the exit waits 5 s at most."""
        cfg = os.path.join(tmp, "uplink.ini")
        with open(cfg, "w") as f:
            f.write("[uplink]\nca_file = %s\nevent_types = flow\nflush_timeout = 5\n" % self.cert)
        return cfg

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_uplink_ca_memory(tmp):
    """[uplink] ca_file is read once, with the settings: an HTTPS centre's
    certificate is checked with it after the file is gone (removed once the
    sensor has started, while it waits for its fifo's writer). Before, the
    uplink handed libcurl the path, which it opened at its first
    connection: the file was needed then (a live sensor, switched to
    --user, could not read one only root may read), and nothing was
    delivered."""
    if not shutil.which("openssl"):
        print("uplink-ca-memory: openssl not installed; skipped")
        return SKIP
    centre = HttpsCentre(tmp)
    try:
        state = os.path.join(tmp, "state")
        centre.enrolled_state(state)
        fifo = os.path.join(tmp, "in.pcap")
        os.mkfifo(fifo)
        pcap = os.path.join(tmp, "flows.pcap")
        many_udp_flows(pcap, 5)
        p = subprocess.Popen([SENSOR, "-r", fifo, "--eve", os.devnull, "--state", state,
                              "--config", centre.settings(tmp)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        end = time.monotonic() + 30
        while not fd_open(p.pid, fifo) and time.monotonic() < end and p.poll() is None:
            time.sleep(0.02)
        check(fd_open(p.pid, fifo), "the sensor did not open its fifo")
        shutil.rmtree(centre.ca_dir)  # (the uplink runs: its settings were read)
        with open(fifo, "wb") as f, open(pcap, "rb") as src:
            f.write(src.read())
        _, err = p.communicate(timeout=60)
    finally:
        centre.close()
    check(p.returncode == 0 and sanitizer_clean(err), err)
    flows = [e for e in centre.events if e.get("event_type") == "flow"]
    check(len(flows) == 5 and "cannot deliver" not in err and "did not take" not in err,
          "%d flows delivered: %s" % (len(flows), err))
    return None


def opens_openssl_settings(args, tmp, timeout=60):
    """Runs the sensor with args and OPENSSL_CONF naming a fifo: libcurl's
    global set-up (curl_global_init) makes OpenSSL read its settings file,
    which opens the fifo; nothing else in a run without QUIC does. Returns
    (whether the fifo was opened, the finished process)."""
    fifo = os.path.join(tmp, "openssl-%d.cnf" % random.randrange(1 << 30))
    os.mkfifo(fifo)
    opened = threading.Event()

    def writer():
        with open(fifo, "wb"):  # (returns once a reader opened it; empty settings)
            opened.set()
    t = threading.Thread(target=writer, daemon=True)
    t.start()
    env = dict(os.environ, OPENSSL_CONF=fifo)
    p = subprocess.run([SENSOR] + args, capture_output=True, text=True, timeout=timeout, env=env)
    was_opened = opened.is_set()  # (the sensor has ended: no reader comes later)
    if not was_opened:  # the writer still waits: let it go
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    t.join(10)
    return was_opened, p


def test_curl_setup(tmp):
    """libcurl is set up only by a run that uses it: a -r run without
    uplink (none configured, or a --state never enrolled) does not, a run
    with the uplink and an enrolment do. Before, every run called
    curl_global_init (start-up work, OpenSSL's settings read)."""
    pcap = os.path.join(tmp, "flows.pcap")
    many_udp_flows(pcap, 3)
    plain = ["-r", pcap, "--eve", os.devnull]
    opened, p = opens_openssl_settings(plain, tmp)
    check(p.returncode == 0 and sanitizer_clean(p.stderr), p.stderr)
    check(not opened, "a run without uplink set libcurl up")
    never = os.path.join(tmp, "never-enrolled")
    os.mkdir(never)
    opened, p = opens_openssl_settings(plain + ["--state", never], tmp)
    check(p.returncode == 0 and sanitizer_clean(p.stderr), p.stderr)
    check(not opened, "a run with a --state never enrolled set libcurl up")
    # the probe sees a set-up: an enrolment (to a port nothing listens on)
    enrol = ["--enrol", "CODE", "--center", "http://127.0.0.1:1", "--state", never]
    opened, p = opens_openssl_settings(enrol, tmp)
    check(p.returncode == 1 and sanitizer_clean(p.stderr), p.stderr)
    if not opened:
        print("curl-setup: this libcurl does not read OpenSSL's settings at set-up; the "
              "runs without it cannot be told apart; skipped")
        return SKIP
    if not shutil.which("openssl"):
        print("curl-setup: openssl not installed (the uplink's centre); skipped")
        return SKIP
    centre = HttpsCentre(tmp)
    try:
        state = os.path.join(tmp, "state")
        centre.enrolled_state(state)
        opened, p = opens_openssl_settings(plain + ["--state", state, "--config",
                                                    centre.settings(tmp)], tmp)
    finally:
        centre.close()
    check(p.returncode == 0 and sanitizer_clean(p.stderr), p.stderr)
    check(opened, "a run with the uplink did not set libcurl up")
    flows = [e for e in centre.events if e.get("event_type") == "flow"]
    check(len(flows) == 3, "%d flows delivered: %s" % (len(flows), p.stderr))
    return None


def test_uplink_ca_privdrop(tmp):
    """Live capture as root switched to --user nobody, with [uplink]
    ca_file in a directory only root may read: events reach the HTTPS
    centre (the file was read before the switch). Before, libcurl opened
    the file as nobody at the first connection and failed; nothing was
    delivered."""
    if os.geteuid() != 0:
        print("uplink-ca-privdrop: needs root to open a live capture; skipped")
        return SKIP
    if not shutil.which("openssl"):
        print("uplink-ca-privdrop: openssl not installed; skipped")
        return SKIP
    import pwd
    nobody = pwd.getpwnam("nobody").pw_uid
    os.chmod(tmp, 0o755)  # (nobody reaches the state directory)
    centre = HttpsCentre(tmp)
    try:
        state = os.path.join(tmp, "state")
        centre.enrolled_state(state, nobody)
        p = subprocess.Popen([SENSOR, "-i", "lo", "--bpf", "udp port 9", "--user", "nobody",
                              "--eve", os.devnull, "--state", state, "--config",
                              centre.settings(tmp)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        lock = os.path.join(state, "spool", "lock")
        uid = proc_uid_when(p.pid, lambda u: u == nobody and fd_open(p.pid, lock), 200)
        if p.poll() is not None:
            _, err = p.communicate()
            if "cannot start the capture" in err or "Operation not permitted" in err:
                print("uplink-ca-privdrop: live capture unavailable here: " + err.strip())
                return SKIP
            check(False, "the sensor stopped: " + err)
        check(uid == nobody, "uid %r" % uid)
        import socket
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.sendto(b"x" * 20, ("127.0.0.1", 9))
        finally:
            sock.close()
        time.sleep(1.0)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
    finally:
        centre.close()
    check(p.returncode == 0 and sanitizer_clean(err), err)
    flows = [e for e in centre.events if e.get("event_type") == "flow"]
    check(len(flows) >= 1 and "cannot deliver" not in err, "%d flows delivered: %s" %
          (len(flows), err))
    return None


def test_shared_captures(tmp):
    """Every capture in $MAMORI_SHARED_DIR/pcaps runs clean; the
    suricata-verify Community ID vectors match."""
    shared = os.environ.get("MAMORI_SHARED_DIR", "")
    pdir = os.path.join(shared, "pcaps")
    if not shared or not os.path.isdir(pdir):
        print("shared captures: $MAMORI_SHARED_DIR/pcaps not found; skipped")
        return SKIP
    names = sorted(n for n in os.listdir(pdir) if n.endswith((".pcap", ".pcapng")))
    check(names, "no captures")
    for name in names:
        eve = os.path.join(tmp, name + ".json")
        r = run(["-r", os.path.join(pdir, name), "--eve", eve, "--state",
                 os.path.join(tmp, "st-" + name)], timeout=300)
        check(r.returncode == 0, "%s: exit %d: %s" % (name, r.returncode, r.stderr))
        check(sanitizer_clean(r.stderr), "%s: %s" % (name, r.stderr))
        evs = events(eve)
        st = [e for e in evs if e["event_type"] == "stats"][-1]["stats"]
        check(st["decoder"]["pkts"] > 0, name)
        print("%s: %d packets, %d flows, %d events" % (name, st["decoder"]["pkts"],
                                                      st["flow"]["total"], len(evs)))
    cid = os.path.join(pdir, "sv_community-id-ipv4.pcap")
    for seed, want in ((None, "1:0rRFlkfZsYZ0l7PqLoMEAxHMqrI="), ("7", "1:IwiTNfuO7aCaamMijl+7/X9uLx0=")):
        eve = os.path.join(tmp, "cid-%s.json" % seed)
        args = ["-r", cid, "--eve", eve] + (["--community-id-seed", seed] if seed else [])
        r = run(args)
        check(r.returncode == 0, r.stderr)
        flows = [e for e in events(eve) if e["event_type"] == "flow"]
        check(len(flows) == 1 and flows[0]["community_id"] == want, json.dumps(flows))
        tls = [e for e in events(eve) if e["event_type"] == "tls"]
        check(all(e["community_id"] == want for e in tls), "tls community_id")


def run_named(name, test, prefix):
    """Runs test(tmp) in a temporary folder of its own (removed after) and
    says PASS or FAIL name: 0, 1, or SKIP when the test returns SKIP (the
    sensor test scripts' common end)."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    try:
        if test(tmp) == SKIP:
            return SKIP
        print("PASS " + name)
        return 0
    except Fail as e:
        print("FAIL %s: %s" % (name, e))
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    global SENSOR
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    name, SENSOR = sys.argv[1], os.path.abspath(sys.argv[2])
    if name.startswith("case:"):
        return run_named(name, lambda tmp: run_case(name[5:], tmp), "mm-sensor-test-")
    return run_named(name, globals()["test_" + name.replace("-", "_")], "mm-sensor-test-")


if __name__ == "__main__":
    sys.exit(main())
