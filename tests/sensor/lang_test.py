#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mamori-sensor's messages on stderr in Japanese and English: --lang ja|en,
else LC_ALL, LC_MESSAGES, LANG (ja when it starts with "ja"), else English.
Real binary, captures written by gen/pcapgen.py, real intel files.

    lang_test.py SENSOR_BINARY

Each check names the situation (a missing capture, a bad config value, a
failed intel file, a cut capture, a bad --lang). The "mamori-sensor: "
prefix, file names and numbers stay the same in both languages. A message
ends with one next step: a system reason whose text carries its own
(errors.json; mm_error_has_step) is said without the message's step.
Exit 0 pass, 1 fail."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "gen"))
import pcapgen as g  # noqa: E402

SENSOR = None
JA = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"}
EN = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
# a file where a folder should be (MM_ENOTDIR, data/i18n/errors.json)
ENOTDIR_EN = "there is a file where a directory should be; check the path"
ENOTDIR_JA = "フォルダーがあるはずのところにファイルがあります。指定した場所を確かめてください"
# a symbolic link to itself in the path (MM_ELOOP) and a name too long (MM_ENAMETOOLONG):
# their own texts, each with its next step (they were "input/output error")
ELOOP_EN = ("too many symbolic links in the path, or links that point round in a loop; "
            "check where the links point")
ELOOP_JA = ("指定した場所の途中にあるシンボリックリンク（別の場所を指す目印のファイル）が多すぎるか、"
            "リンクが輪になっています。リンクの行き先を確かめてください")
# (a file the sensor writes that is a symbolic link: refused, not written through)
ESYMLINK_EN = ("it is a symbolic link, which is not written through (another account could point "
               "it at a file that must not change); remove the link, or give the file itself, "
               "or choose another name or folder")
ESYMLINK_JA = ("シンボリックリンク（別の場所を指す目印のファイル）なので、書き込みません（ほかのアカウントが、"
               "書き換えてはいけないファイルを指すようにできるためです）。リンクを消すか、"
               "リンクではないファイルそのもの、または別の名前か別のフォルダーのファイルを指定してください")
NAMETOOLONG_EN = "the file name or the path is too long; give a shorter one"
NAMETOOLONG_JA = "ファイルの名前か、フォルダーを含めた場所が長すぎます。もっと短い名前か場所を指定してください"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def run(args, env):
    r = subprocess.run([SENSOR] + args, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, **env))
    check("Sanitizer" not in r.stderr and "runtime error:" not in r.stderr, r.stderr)
    for line in r.stderr.splitlines():
        check(line.startswith("mamori-sensor: "), "prefix kept: %r" % line)
    return r


def empty_pcap(tmp):
    """tmp/empty.pcap: a pcap header (snaplen 65535, Ethernet) and no packets."""
    pcap = os.path.join(tmp, "empty.pcap")
    g.PcapWriter(pcap, snaplen=0xFFFF).close()
    return pcap


def japanese(text):
    return re.search(r"[\u3040-\u30ff]", text) is not None


def test_missing_capture(tmp):
    missing = os.path.join(tmp, "missing.pcap")
    r = run(["--lang", "ja", "-r", missing], EN)
    check(r.returncode == 3, "exit %d" % r.returncode)
    check("missing.pcap を読めません" in r.stderr and "確かめてください" in r.stderr,
          "--lang ja: " + r.stderr)
    r = run(["-r", missing], JA)
    check(r.returncode == 3 and "missing.pcap を読めません" in r.stderr, "LANG=ja: " + r.stderr)
    r = run(["-r", missing], dict(EN, LC_ALL="ja_JP.UTF-8"))
    check("を読めません" in r.stderr, "LC_ALL wins over LANG: " + r.stderr)
    r = run(["-r", missing, "--lang=en"], JA)
    check("cannot read capture " + missing in r.stderr and not japanese(r.stderr),
          "--lang en wins over LANG: " + r.stderr)
    r = run(["-r", missing], EN)
    check("cannot read capture " + missing in r.stderr, "default English: " + r.stderr)


def test_bad_config(tmp):
    cfg = os.path.join(tmp, "bad.ini")
    with open(cfg, "w") as f:
        f.write("[flow]\ntimeout_udp = soon\n")
    r = run(["--lang", "ja", "-r", "x", "--config", cfg], EN)
    check(r.returncode == 2, "exit %d" % r.returncode)
    check("bad.ini: [flow] timeout_udp には 1 から 604800 までの数値を書いてください" in r.stderr,
          "bad value: " + r.stderr)
    with open(cfg, "w") as f:
        f.write("[output]\nevent_types = alert, flows\n")
    r = run(["-r", "x", "--config", cfg], JA)
    check(r.returncode == 2 and '知らないイベント種別 "flows"' in r.stderr and
          "alert anomaly" in r.stderr, "event type: " + r.stderr)
    r = run(["-r", "x", "--stats", "abc"], JA)
    check(r.returncode == 2 and "--stats には 0 から 86400 までの整数を指定してください: abc" in
          r.stderr and "'mamori-sensor --help'" in r.stderr, "bad number: " + r.stderr)
    # the option and its range are named (before: "invalid number: 0" alone)
    r = run(["-r", "x", "--max-flows", "0"], EN)
    check(r.returncode == 2 and "--max-flows must be a whole number from 1 to 67108864: 0" in
          r.stderr, "bad --max-flows: " + r.stderr)
    r = run(["-r", "x", "--community-id-seed", "70000"], JA)
    check(r.returncode == 2 and "--community-id-seed には 0 から 65535 までの整数" in r.stderr,
          "bad seed: " + r.stderr)
    # an option given twice is a usage error (the last won), but for -r and --intel, which
    # the man page says to repeat; the enrolment options too
    for args, name in ((["-r", "x", "--max-flows", "5", "--max-flows", "6"], "--max-flows"),
                       (["-i", "lo", "-i", "lo"], "--interface"),
                       (["-r", "x", "--eve", "a", "--eve=b"], "--eve"),
                       (["-r", "x", "-q", "--quiet"], "--quiet"),
                       (["--enrol", "A", "--enrol", "B"], "--enrol"),
                       (["--enrol", "A", "--center=http://x", "--center", "http://y"], "--center"),
                       (["-r", "x", "--allow-insecure", "--allow-insecure"], "--allow-insecure")):
        for env, says in ((EN, "option given more than once: "),
                          (JA, "同じオプションが 2 回以上指定されています: ")):
            r = run(args, env)
            check(r.returncode == 2 and r.stderr.startswith("mamori-sensor: " + says + name) and
                  "mamori-sensor --help" in r.stderr, "twice %r: %r" % (args, r))
    r = run(["-r", "x", "--lang", "ja", "--lang", "ja"], EN)  # in the language it names
    check(r.returncode == 2 and r.stderr.startswith(
        "mamori-sensor: 同じオプションが 2 回以上指定されています: --lang"), "--lang twice: %r" % (r,))
    pcap, intel = empty_pcap(tmp), os.path.join(tmp, "intel.txt")
    with open(intel, "w") as f:
        f.write("192.0.2.1\n")
    r = run(["-r", pcap, "-r", pcap, "--intel", intel, "--intel", intel, "--eve", os.devnull],
            EN)
    check(r.returncode == 0, "-r and --intel twice: %r" % (r,))
    for args in (["-h", "-h"], ["--help", "-h"]):  # help asked twice is still help
        r = run(args, EN)
        check(r.returncode == 0 and "mamori-sensor" in r.stdout and r.stderr == "",
              "help twice %r: %r" % (args, r))
    # digits only, on the command line and in the file (strtol read these as 5)
    for value in ("+5", " 5"):
        r = run(["-r", "x", "--max-flows", value], EN)
        check(r.returncode == 2 and "--max-flows must be a whole number from 1 to 67108864: " +
              value in r.stderr, "--max-flows %r: %r" % (value, r.stderr))
    with open(cfg, "w") as f:
        f.write("[flow]\ntimeout_udp = +5\n")
    r = run(["-r", "x", "--config", cfg], JA)
    check(r.returncode == 2 and "bad.ini: [flow] timeout_udp には 1 から 604800 までの数値を" in
          r.stderr, "timeout_udp = +5: " + r.stderr)
    r = run(["-r", "x", "--home-net", "10.0.0.0/+8"], EN)
    check(r.returncode == 2 and "--home-net: 10.0.0.0/+8 is not an IP address" in r.stderr,
          "--home-net /+8: %r" % (r,))
    # [devices] and [detect.*] mistakes are settings errors (exit 2, not 4 as
    # for an output), and the message points to the settings file, not --state
    # (and names the key at fault, what it takes, and the item; before: all
    # three keys' rules after "malformed input")
    pcap = empty_pcap(tmp)
    for text, ja, en in (("[devices]\nallow = 10.0.0.1, zz:zz\n",
                          "bad.ini: [devices] allow の zz:zz は、MAC アドレス",
                          "bad.ini: [devices] allow: zz:zz is not a MAC address"),
                         ("[devices]\nmax = -1\n",
                          "bad.ini: [devices] max には 1 から 1000000 までの数値",
                          "bad.ini: [devices] max must be a number from 1 to 1000000")):
        with open(cfg, "w") as f:
            f.write(text)
        r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg], JA)
        check(r.returncode == 2 and ja in r.stderr and "--state" not in r.stderr,
              "devices settings %r: %r" % (text, r))
        r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg], EN)
        check(r.returncode == 2 and en in r.stderr and "address_change_interval" not in r.stderr,
              "devices settings %r, English: %r" % (text, r))
    # a bad home network names the item and where the list came from
    # (before: the whole list, and "try --help" for a settings-file value)
    r = run(["-r", pcap, "--home-net", "192.168.1.0/24,10.0.0.0/33"], EN)
    check(r.returncode == 2 and "--home-net: 10.0.0.0/33 is not an IP address" in r.stderr,
          "bad --home-net: %r" % (r,))
    with open(cfg, "w") as f:
        f.write("[sensor]\nhome_net = 192.168.1.0/24, office\n")
    r = run(["-r", pcap, "--config", cfg], JA)
    check(r.returncode == 2 and "[sensor] home_net の office は" in r.stderr and
          "--help" not in r.stderr, "bad home_net: %r" % (r,))
    # a key or section the sensor does not read is warned about, not
    # silently left at its default (before: no word); known ones are not
    with open(cfg, "w") as f:
        f.write("[sensor]\nstats_intreval = 5\nHome_Net = 10.0.0.0/8\n[detect.scann]\nx = 1\n"
                "[detect.scan]\nsuppress_seconds = 60\n[devices]\nallow = 10.0.0.1\n")
    r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg], EN)
    check(r.returncode == 0 and "[sensor] stats_intreval is not a setting" in r.stderr and
          "section [detect.scann] is not one" in r.stderr and "Home_Net" not in r.stderr and
          "[devices]" not in r.stderr and len(r.stderr.splitlines()) == 2,
          "unknown settings: %r" % (r,))
    r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg], JA)
    check(r.returncode == 0 and "[sensor] stats_intreval という設定はないため" in r.stderr,
          "unknown settings, ja: %r" % (r,))
    with open(cfg, "w") as f:
        f.write("[detect.scan]\nsuppress_seconds = soon\n")
    r = run(["-r", pcap, "--eve", os.devnull, "--config", cfg], EN)
    check(r.returncode == 2 and "[detect.scan]" in r.stderr, "detector settings: %r" % (r,))
    r = run(["-r", "x", "--lang", "fr"], JA)
    check(r.returncode == 2 and "--lang には ja か en を指定してください: fr" in r.stderr,
          "bad --lang: " + r.stderr)
    r = run(["-r", "x", "--lang", "fr"], EN)
    check(r.returncode == 2 and "--lang must be ja or en: fr" in r.stderr, "bad --lang: " + r.stderr)


# A value for every key the man page documents under CONFIGURATION (the
# test checks the man pages list exactly these keys, so a key documented
# later needs a value here); bold words there that are not keys:
NOT_KEYS = {"output": {"flow"}, "tls": {"tls"}, "defrag": {"stats"}, "anomaly": {"stats"},
            "devices": {"allowlisted", "changed"}, "policy": {"name"}}


def documented_settings(tmp):
    return {
        "sensor": {"home_net": "192.168.1.0/24", "state": os.path.join(tmp, "state"),
                   "stats_interval": "0", "max_flows": "1000", "community_id_seed": "0"},
        "output": {"eve": os.path.join(tmp, "eve.json"), "eve_max_bytes": "0",
                   "eve_rotate_count": "5", "event_types": "alert, flow, stats"},
        "flow": {"timeout_tcp": "600", "timeout_tcp_closed": "30", "timeout_udp": "120",
                 "timeout_icmp": "60", "timeout_other": "120", "active_timeout": "3600"},
        "stream": {"depth": "262144", "ooo_max": "65536", "memcap": "67108864"},
        "tls": {"memcap": "33554432"},
        "defrag": {"enabled": "yes", "memcap": "16777216", "timeout_seconds": "60",
                   "max_datagrams": "4096"},
        "spool": {"max_bytes": "1073741824"},
        "uplink": {"event_types": "alert,device", "enabled": "yes",
                   "center": "http://127.0.0.1:1", "batch": "1000", "retry_max_ms": "60000",
                   "flush_timeout": "10", "ca_file": os.path.join(tmp, "ca.pem"),
                   "allow_insecure": "no"},
        "anomaly": {"rate": "20"},
        "intel": {"settle_ms": "0"},
        "devices": {"allow": "10.0.0.1, 02:00:00:00:00:01", "max": "1000",
                    "address_change_interval": "60"},
        "policy": {"personal_devices": "no"},
    }


def man_settings(path, heading):
    """The keys a man page's settings section names in bold, by section."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.index("\n# " + heading + "\n")
    body = text[start:text.index("\n# ", start + 3)]
    found = {}
    for para in body.split("\n\n"):
        m = re.match(r"\*\*\[([a-z]+)\]\*\*", para)
        if m:
            words = set(re.findall(r"\*\*([a-z][a-z0-9_]*)\*\*", para))
            found[m.group(1)] = words - NOT_KEYS.get(m.group(1), set())
    return found


def man_detectors(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.index("\n# DETECTORS\n")
    body = text[start:text.index("\n# ", start + 3)]
    return re.findall(r"^\*\*([a-z-]+)\*\* \(9", body, re.M)


def test_documented_settings(tmp):
    """Every key the man page documents, with a valid value, is read and
    so never warned about; the warning comes from what the code reads (not
    a separate list of keys that could miss one), and a typo beside them,
    also in a section read only by the inventory, a detector or the uplink,
    is still named."""
    root = os.path.join(HERE, "..", "..", "docs", "man")
    settings = documented_settings(tmp)
    want = {sec: set(keys) for sec, keys in settings.items()}
    for page, heading in (("mamori-sensor.8.md", "CONFIGURATION"),
                          (os.path.join("ja", "mamori-sensor.8.md"), "設定")):
        got = man_settings(os.path.join(root, page), heading)
        check(got == want, "%s lists %r, the test sets %r" % (page, got, want))
    detectors = man_detectors(os.path.join(root, "mamori-sensor.8.md"))
    check(len(detectors) >= 11 and "web-attack" in detectors, "detectors: %r" % detectors)
    with open(os.path.join(tmp, "ca.pem"), "w") as f:  # read at load: a PEM block
        f.write("-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n")
    pcap = empty_pcap(tmp)
    text = ""
    for sec, keys in settings.items():
        text += "[%s]\n" % sec + "".join("%s = %s\n" % kv for kv in keys.items())
    for name in detectors:  # new-device alone has no suppress time: it learns
        key = "learn_seconds" if name == "new-device" else "suppress_seconds"
        text += "[detect.%s]\n%s = 60\n" % (name, key)
    text += "[detect.web-attack]\nwindow_seconds = 60\npaths = 12\nscan_sources = any\n"
    cfg = os.path.join(tmp, "all.ini")
    with open(cfg, "w") as f:
        f.write(text)
    r = run(["-r", pcap, "--config", cfg], EN)
    check(r.returncode == 0 and r.stderr == "", "documented settings: %r" % (r,))
    # a key the command line overrides is still one the sensor reads: not
    # warned about (it was, and [sensor] as a section nothing reads)
    r = run(["-r", pcap, "--config", cfg, "--eve", os.path.join(tmp, "cli.json"), "--state",
             os.path.join(tmp, "state"), "--home-net", "10.0.0.0/8", "--stats", "0",
             "--max-flows", "2000", "--community-id-seed", "1"], EN)
    check(r.returncode == 0 and r.stderr == "", "settings the options override: %r" % (r,))
    typos = ("[uplink]\nbacth = 10\n[devices]\nalow = 10.0.0.2\n[policy]\npersonal = no\n"
             "[Uplinks]\na = 1\nb = 2\n")
    with open(cfg, "w") as f:
        f.write(text + typos)
    for env, words in ((EN, ("[uplink] bacth is not a setting", "[devices] alow is not a setting",
                             "[policy] personal is not a setting",
                             "section [Uplinks] is not one")),
                       (JA, ("[uplink] bacth という設定はない", "[devices] alow という設定はない",
                             "[policy] personal という設定はない", "[Uplinks] という見出しはない"))):
        r = run(["-r", pcap, "--config", cfg], env)
        check(r.returncode == 0 and all(w in r.stderr for w in words) and
              len(r.stderr.splitlines()) == 4, "typos: %r" % (r,))


def without_file_override():
    """As root, a preexec_fn that drops the two capabilities that pass over file permissions
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from the bounding set before exec, so a mode-0
    file refuses the sensor; the child exits 77 where that cannot be done (skip). None when
    not root: permissions refuse already."""
    if os.geteuid() != 0:
        return None
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)

    def pre():
        for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                os._exit(77)
    return pre


def intel_without_override(pcap, feeds, env, pre, test):
    """The sensor on pcap with --intel feeds, run through pre (without the capability that
    passes over file permissions); None, with a skip message for test, where that cannot
    be done here."""
    r = subprocess.run([SENSOR, "-r", pcap, "--eve", os.devnull, "--intel", feeds],
                       capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, **env), preexec_fn=pre)
    if r.returncode == 77 and pre:
        print("skip %s: cannot drop CAP_DAC_OVERRIDE here" % test)
        return None
    return r


def test_intel_dir_file(tmp):
    """A file of an --intel directory that cannot be read is named, not the
    directory (before: 'intel feeds: not permitted', which file unsaid).
    As root, whom a mode-0 file does not refuse, the sensor runs without the
    two capabilities that let root read it (dropped from the bounding set
    before exec: no file or directory has to change for another user)."""
    pcap = empty_pcap(tmp)
    feeds = os.path.join(tmp, "feeds")
    os.mkdir(feeds)
    with open(os.path.join(feeds, "a.txt"), "w") as f:
        f.write("a.example\n")
    with open(os.path.join(feeds, "b.txt"), "w") as f:
        f.write("b.example\n")
    os.chmod(os.path.join(feeds, "b.txt"), 0)
    pre = without_file_override()
    for env, want in ((EN, "intel %s: not permitted"), (JA, "脅威情報 %s: ")):
        r = intel_without_override(pcap, feeds, env, pre, "test_intel_dir_file")
        if r is None:
            return
        check(r.returncode == 3 and want % os.path.join(feeds, "b.txt") in r.stderr and
              (want % feeds) + "\n" not in r.stderr, "unreadable feed file: %r" % (r,))


def test_intel_subdir_unreadable(tmp):
    """A folder inside an --intel directory that cannot be listed is named with the
    system's reason (before: 'intel FEEDS: input/output error', the directory given and
    no reason); a path through a file says a file is where a directory should be (was
    'no such file')."""
    pcap = empty_pcap(tmp)
    feeds = os.path.join(tmp, "feeds")
    sub = os.path.join(feeds, "sub")
    os.makedirs(sub)
    with open(os.path.join(feeds, "a.txt"), "w") as f:
        f.write("a.example\n")
    os.chmod(sub, 0)
    r = run(["-r", pcap, "--eve", os.devnull, "--intel", os.path.join(feeds, "a.txt", "x")],
            EN)
    through = os.path.join(feeds, "a.txt", "x")
    check(r.returncode == 3
          and "intel %s: there is a file where a directory should be" % through in r.stderr,
          "intel path through a file: %r" % (r,))
    pre = without_file_override()
    for env, want in ((EN, "intel %s: not permitted"), (JA, "脅威情報 %s: 許可されていない操作です")):
        r = intel_without_override(pcap, feeds, env, pre, "test_intel_subdir_unreadable")
        if r is None:
            return
        check(r.returncode == 3 and want % sub in r.stderr, "unreadable feed folder: %r" % (r,))


def test_spool_unwritable(tmp):
    """A spool folder that exists but cannot be written says so ("not permitted", with the
    user the sensor runs as), where it said "input/output error"; --state naming a file
    says that a file is where a directory should be. As root the sensor runs without the
    capabilities that pass over file permissions, as in test_intel_dir_file."""
    pcap = empty_pcap(tmp)
    # a reason with its own next step ends the message: no second step after it (it read
    # "...; check the path; check that the --state directory can be created and written")
    long_state = os.path.join(tmp, "n" * 300)
    for state, env, want in (
            (pcap, EN, "cannot open the spool in %s/spool: " + ENOTDIR_EN),
            (pcap, JA, "%s/spool のスプール（センターへ送る前のイベントの置き場所）を開けません: "
             + ENOTDIR_JA),
            (long_state, EN, "cannot open the spool in %s/spool: " + NAMETOOLONG_EN),
            (long_state, JA, "%s/spool のスプール（センターへ送る前のイベントの置き場所）を開けません: "
             + NAMETOOLONG_JA)):
        r = run(["-r", pcap, "--eve", os.devnull, "--state", state], env)
        check(r.returncode != 0 and r.stderr == "mamori-sensor: %s\n" % (want % state),
              "spool under a file or too long a name: %r" % (r,))
    state = os.path.join(tmp, "state")
    os.makedirs(os.path.join(state, "spool"))
    os.chmod(os.path.join(state, "spool"), 0o555)
    pre = without_file_override()
    for env, want in ((EN, "cannot open the spool in %s/spool: not permitted;"),
                      (JA, "%s/spool のスプール（センターへ送る前のイベントの置き場所）を開けません: "
                           "許可されていない操作です。")):
        r = subprocess.run([SENSOR, "-r", pcap, "--eve", os.devnull, "--state", state],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, **env), preexec_fn=pre)
        if r.returncode == 77 and pre:
            print("skip test_spool_unwritable: cannot drop CAP_DAC_OVERRIDE here")
            return
        check(r.returncode != 0 and want % state in r.stderr, "unwritable spool: %r" % (r,))


def test_spool_unreadable(tmp):
    """A spool segment the uplink cannot read is named with the system's reason (before:
    "cannot deliver to http://127.0.0.1:1 (input/output error)", the centre blamed and
    the file unsaid). The older of two segments has mode 0; as root the sensor runs
    without the capabilities that pass over file permissions (test_intel_dir_file)."""
    pcap = empty_pcap(tmp)
    state = os.path.join(tmp, "state")
    spool = os.path.join(state, "spool")
    os.makedirs(spool)
    with open(os.path.join(state, "uplink.conf"), "w") as f:
        f.write("[uplink]\ncenter = http://127.0.0.1:1\nkey = mms_test\nsensor_id = 1\n")
    older = os.path.join(spool, "%020d.seg" % 1)
    for first in (1, 2):  # segments holding only their header
        with open(os.path.join(spool, "%020d.seg" % first), "wb") as f:
            f.write(b"MMSPOOL1")
    os.chmod(older, 0)
    cfg = os.path.join(tmp, "sensor.conf")  # the end waits a second for the uplink, not ten
    with open(cfg, "w") as f:
        f.write("[uplink]\nflush_timeout = 1\n")
    pre = without_file_override()
    for env, want in ((EN, "cannot read the spool's %s (not permitted), so nothing is sent to "
                           "the centre"),
                      (JA, "スプール（センターへ送る前のイベントの置き場所）の %s を読めません"
                           "（許可されていない操作です）。そのため、センターへ送れません")):
        r = subprocess.run([SENSOR, "-r", pcap, "--eve", os.devnull, "--state", state,
                            "--config", cfg], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, **env), preexec_fn=pre)
        if r.returncode == 77 and pre:
            print("skip test_spool_unreadable: cannot drop CAP_DAC_OVERRIDE here")
            return
        check(want % older in r.stderr and "cannot deliver" not in r.stderr,
              "unreadable segment: %r" % (r,))


def test_spool_acked_damaged(tmp):
    """An acked file (the last seq the centre confirmed) that is not a number as the
    sensor writes it is refused with what to do, the spool left as it is (before:
    strtoull took "-1" as the largest number: every spooled event skipped, numbering
    wrapped)."""
    pcap = empty_pcap(tmp)
    state = os.path.join(tmp, "state")
    spool = os.path.join(state, "spool")
    os.makedirs(spool)
    with open(os.path.join(spool, "acked"), "w") as f:
        f.write("-1\n")
    for env, want in ((EN, "cannot open the spool in %s: its file %s/acked, which holds the "
                           "number of the last event the centre confirmed, is damaged"),
                      (JA, "%s のスプール（センターへ送る前のイベントの置き場所）を開けません: "
                           "センターが受け取りを確かめた最後のイベントの番号を書いておくファイル "
                           "%s/acked が壊れています")):
        r = run(["-r", pcap, "--eve", os.devnull, "--state", state], env)
        check(r.returncode != 0 and want % (spool, spool) in r.stderr, "acked -1: %r" % (r,))
    with open(os.path.join(spool, "acked")) as f:
        check(f.read() == "-1\n", "acked left as it was")


def test_help(tmp):
    """--lang chooses the language of --help wherever it stands (before:
    --help --lang ja printed the English help)."""
    for args in (["--lang", "ja", "--help"], ["--help", "--lang", "ja"], ["-h", "--lang=ja"]):
        r = run(args, EN)
        check(r.returncode == 0 and r.stdout.startswith("使い方:"), "%s: %r" % (args, r))
    r = run(["--help", "--lang", "en"], JA)
    check(r.returncode == 0 and r.stdout.startswith("Usage:"), "--help --lang en: %r" % (r,))


def test_outputs(tmp):
    """The sensor's own start-up errors (EVE output that cannot be opened)."""
    pcap = empty_pcap(tmp)
    eve = os.path.join(tmp, "no-such-dir", "eve.json")
    r = run(["-r", pcap, "--eve", eve], JA)
    check(r.returncode == 4 and "EVE の出力先 " + eve + " を開けません" in r.stderr,
          "eve open, ja: " + r.stderr)
    r = run(["-r", pcap, "--eve", eve], EN)
    check(r.returncode == 4 and "cannot open EVE output " + eve in r.stderr, "eve open: " + r.stderr)
    # the reason is the system's, not a bare "input/output error"
    check("no such file" in r.stderr, "eve open reason: " + r.stderr)
    # and the English has the hint the Japanese has
    check("check that the directory exists and can be written" in r.stderr,
          "eve open hint: " + r.stderr)
    # a file where the directory should be, a link loop: said so, with what to do (was
    # "input/output error", then a bare "not a directory"), and that one step ends the
    # line (it read "...; check the path; check that the directory exists and can be
    # written")
    loop = os.path.join(tmp, "loop")
    os.symlink("loop", loop)
    for eve, en, ja in ((os.path.join(pcap, "eve.json"), ENOTDIR_EN, ENOTDIR_JA),
                        (os.path.join(loop, "eve.json"), ELOOP_EN, ELOOP_JA)):
        r = run(["-r", pcap, "--eve", eve], EN)
        check(r.returncode == 4
              and r.stderr == "mamori-sensor: cannot open EVE output %s: %s\n" % (eve, en),
              "eve under a file or a loop: %r" % (r,))
        r = run(["-r", pcap, "--eve", eve], JA)
        check(r.returncode == 4
              and r.stderr == "mamori-sensor: EVE の出力先 %s を開けません: %s\n" % (eve, ja),
              "eve under a file or a loop, ja: %r" % (r,))


def link_to_itself(path):
    """A symbolic link at path that points to itself (opening it fails with ELOOP)."""
    os.symlink(os.path.basename(path), path)


def remove(path):
    """Removes what link_to_itself or os.mkdir made at path."""
    if os.path.islink(path):
        os.unlink(path)
    else:
        os.rmdir(path)


def test_state_files_one_step(tmp):
    """The device inventory and the enrolment file of a --state folder that cannot be
    read for a reason with its own next step (a symbolic link to itself; a folder) say
    that step alone (they added "let the sensor read it, or move it away..." and "enrol
    first..." after it); a folder in the inventory's place is told to be moved away
    (EISDIR's own "give a file" does not fit a name the sensor chose); so does a spool
    segment the uplink cannot read."""
    pcap = empty_pcap(tmp)
    state = os.path.join(tmp, "state")
    os.makedirs(state)
    inv = os.path.join(state, "devices.json")
    conf = os.path.join(state, "uplink.conf")
    looped = os.path.join(tmp, "looped")
    sdir = os.path.join(looped, "spool")
    os.makedirs(sdir)
    newest = os.path.join(sdir, "%020d.seg" % 1)
    # (what, --state, the file in the way, how it is made, exit code, English, Japanese,
    # what the texts name)
    cases = (
        ("inventory through a link loop", state, inv, link_to_itself, 4,
         "cannot read the device inventory %s: " + ELOOP_EN,
         "機器の一覧 %s を読めません: " + ELOOP_JA, (inv,)),
        ("inventory a folder", state, inv, os.mkdir, 4,
         "cannot read the device inventory %s: it is a directory, not a file; move it away and "
         "start again (with an empty inventory)",
         "機器の一覧 %s を読めません: ファイルではなくフォルダーです。"
         "別の場所へ移してから起動し直してください（空の一覧から始まります）", (inv,)),
        # a folder in the enrolment file's place: moved away, as the inventory's (it said
        # "is a directory; give a file" of a name the sensor chose)
        ("enrolment file a folder", state, conf, os.mkdir, 2,
         "the enrolment file %s is a directory, not a file; move it away and enrol again with "
         "--enrol CODE --center URL",
         "登録のファイル %s がファイルではなくフォルダーです。別の場所へ移してから、"
         "--enrol 登録コード --center センターのURL で登録し直してください", (conf,)),
        # an enrolment file that cannot be read (a link, here to itself) is not "never
        # enrolled": said with its reason (it was taken as missing: the sensor ran without
        # its uplink); a link is not followed at all (sec_test.py state-unsafe)
        ("enrolment file through a link loop", state, conf, link_to_itself, 2,
         "cannot read the enrolment file %s: " + ESYMLINK_EN,
         "登録のファイル %s を読めません: " + ESYMLINK_JA, (conf,)),
        # the newest spool segment a link (to itself): named, with the reason's step alone
        # (the file was not named: "cannot open the spool in DIR: too many symbolic
        # links..."); a link is not opened at all (sec_test.py symlink-spool)
        ("newest spool segment a link", looped, newest, link_to_itself, 4,
         "cannot open the spool in %s; nothing was cut or deleted. Its file %s could not be "
         "read or repaired: " + ESYMLINK_EN,
         "%s のスプール（センターへ送る前のイベントの置き場所）を開けません。何も切り詰めず、"
         "消してもいません。そのファイル %s を読むか直すことができませんでした: " + ESYMLINK_JA,
         (sdir, newest)),
    )
    for what, where, path, make, code, en, ja, names in cases:
        make(path)
        for env, want in ((EN, en), (JA, ja)):
            r = run(["-r", pcap, "--eve", os.devnull, "--state", where], env)
            check(r.returncode == code and r.stderr == "mamori-sensor: %s\n" % (want % names),
                  "%s: %r" % (what, r))
        remove(path)
    # ... but with the uplink switched off the enrolment file is not read: the sensor runs
    # (it stopped with exit 2 for a file it would not use)
    link_to_itself(conf)
    off = os.path.join(tmp, "uplink-off.conf")
    with open(off, "w") as f:
        f.write("[uplink]\nenabled = no\n")
    r = run(["-r", pcap, "--eve", os.devnull, "--state", state, "--config", off], EN)
    check(r.returncode == 0 and "enrolment file" not in r.stderr,
          "uplink off, enrolment file through a link loop: %r" % (r,))
    os.unlink(conf)
    # a spool segment the uplink cannot read (a link to itself): the line ends with the
    # reason's step (it went on with "check the file's permissions and the disk")
    state = os.path.join(tmp, "enrolled")
    spool = os.path.join(state, "spool")
    os.makedirs(spool)
    with open(os.path.join(state, "uplink.conf"), "w") as f:
        f.write("[uplink]\ncenter = http://127.0.0.1:1\nkey = mms_test\nsensor_id = 1\n")
    with open(os.path.join(spool, "%020d.seg" % 2), "wb") as f:
        f.write(b"MMSPOOL1")
    seg = os.path.join(spool, "%020d.seg" % 1)
    link_to_itself(seg)
    cfg = os.path.join(tmp, "sensor.conf")  # the end waits a second for the uplink, not ten
    with open(cfg, "w") as f:
        f.write("[uplink]\nflush_timeout = 1\n")
    for env, want in ((EN, "cannot read the spool's %s, so nothing is sent to the centre "
                           "(retrying with backoff): " + ELOOP_EN),
                      (JA, "スプール（センターへ送る前のイベントの置き場所）の %s を読めないため、"
                           "センターへ送れません（間隔を少しずつ空けながら読み直します）: " + ELOOP_JA)):
        r = run(["-r", pcap, "--eve", os.devnull, "--state", state, "--config", cfg], env)
        check(r.returncode == 0 and "mamori-sensor: uplink: %s" % (want % seg)
              in r.stderr.splitlines(), "spool segment through a link loop: %r" % (r,))


def test_config_folder(tmp):
    """--config naming a folder: the reason in the message's language with its own step
    alone (it was the INI reader's English strerror, "Is a directory", under ja too)."""
    for env, want in ((EN, "cannot load config %s: %s: is a directory; give a file"),
                      (JA, "設定ファイル %s を読み込めません: %s: フォルダーです。ファイルを指定してください")):
        r = run(["-r", "x", "--config", tmp], env)
        check(r.returncode == 2 and r.stderr == "mamori-sensor: %s\n" % (want % (tmp, tmp)),
              "--config a folder: %r" % (r,))
    # a file that is not there: the message's own step, in English too
    missing = os.path.join(tmp, "missing.ini")
    r = run(["-r", "x", "--config", missing], EN)
    check(r.returncode == 2 and r.stderr.endswith(
        "no such file or folder; check the file name and what it says\n"), "missing: %r" % (r,))


def test_intel(tmp):
    pcap = os.path.join(tmp, "one.pcap")
    w = g.PcapWriter(pcap)
    w.udp(("192.168.1.10", 5353), ("192.168.1.1", 53), g.dns_query("host.example"))
    w.close()
    feeds = os.path.join(tmp, "feeds")
    os.mkdir(feeds)
    with open(os.path.join(feeds, "bogons.txt"), "w") as f:
        f.write("10.0.0.0/8\n")
    with open(os.path.join(feeds, "hosts"), "w") as f:
        f.write("0.0.0.0 bad.example\nnot-an-address bad2.example\n")
    eve = os.path.join(tmp, "eve.json")
    cfg = os.path.join(tmp, "settle.ini")  # (feeds written just before; not about settling)
    with open(cfg, "w") as f:
        f.write("[intel]\nsettle_ms = 0\n")
    r = run(["--lang", "ja", "-r", pcap, "--eve", eve, "--intel", feeds, "--config", cfg], EN)
    check(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr))
    check("bogons.txt: 形式 skipped" in r.stderr and "危険な宛先のリストではありません" in r.stderr,
          "skipped file: " + r.stderr)
    check("hosts: 形式 hosts、1 件を読み込み、1 行は読み取れませんでした（最初は 2 行目: " in
          r.stderr, "malformed line: " + r.stderr)
    missing = os.path.join(tmp, "no-such-feed.txt")
    r = run(["-r", pcap, "--eve", eve, "--intel", missing], JA)
    check(r.returncode == 3, "exit %d" % r.returncode)
    check("脅威情報 " + missing + ": ファイルまたはフォルダーが見つかりません" in r.stderr and
          "脅威情報（危険と分かっている通信先のリスト）を読み込めません" in r.stderr,
          "missing intel: " + r.stderr)
    r = run(["-r", pcap, "--eve", eve, "--intel", missing], EN)
    check("intel " + missing + ": no such file or folder" in r.stderr and
          "cannot load intel" in r.stderr, "missing intel, English: " + r.stderr)


def test_truncated(tmp):
    pcap = os.path.join(tmp, "cut.pcap")
    g.cut_dns_capture(pcap)  # 4 whole packets, the 5th cut
    r = run(["-r", pcap, "--eve", os.path.join(tmp, "eve.json")], JA)
    check(r.returncode == 3, "exit %d" % r.returncode)
    check("cut.pcap: キャプチャーファイルが途中で切れているか壊れています（4 パケット" in r.stderr and
          "イベントは残してあります" in r.stderr, "cut capture: " + r.stderr)


def test_enrolment(tmp):
    """Enrolment errors, before any capture option is read (no traffic
    leaves the machine: the plain-http address is refused before connecting,
    and port 1 on loopback refuses the connection)."""
    state = os.path.join(tmp, "state")
    r = run(["--lang", "ja", "--enrol", "ABC", "--center", "http://192.0.2.1", "--state", state],
            EN)
    check(r.returncode == 1 and "センターへの登録に失敗しました: http://192.0.2.1 は" in r.stderr,
          "plain http: " + r.stderr)
    r = run(["--enrol", "ABC", "--center", "http://127.0.0.1:1", "--state", state], JA)
    check(r.returncode == 1 and "センター http://127.0.0.1:1 に接続できません" in r.stderr,
          "unreachable: " + r.stderr)
    r = run(["--enrol", "ABC", "--center", "http://127.0.0.1:1", "--state", state], EN)
    check("enrolment failed: cannot reach the centre at http://127.0.0.1:1" in r.stderr,
          "unreachable, English: " + r.stderr)
    r = run(["--enrol", "ABC"], JA)
    check(r.returncode == 2 and "--center センターのURL も指定してください" in r.stderr,
          "missing --center: " + r.stderr)


def main():
    global SENSOR
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    SENSOR = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="mm-sensor-lang-")
    try:
        for name, fn in sorted(globals().items()):
            if name.startswith("test_"):
                sub = os.path.join(tmp, name)
                os.mkdir(sub)
                fn(sub)
                print("ok " + name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS sensor-lang")
    return 0


if __name__ == "__main__":
    sys.exit(main())
