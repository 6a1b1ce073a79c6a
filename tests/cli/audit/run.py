#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration test of `mamori audit`: builds two fake machines as file trees
under the build folder (a neglected office server and a well-kept laptop),
runs the real binary on them with --root, and compares text and JSON with
the golden files in expected/ (ja and en); then --diagnosis (answers file,
diagnose JSON, Japanese answer words, a folder of kept results), without
--diagnosis the result an interactive diagnose kept (used and named, none
kept is the audit alone, a damaged one said and not used; --no-diagnosis
reads none), --check, --list,
--output (mode 0600) and every usage or input error with its exit code. HOME is an empty
folder of the suite's (clirun.py), never the real one. File ages are set relative to MAMORI_DATE (2026-04-01), which
the command also uses as "now", so the goldens never drift.

Usage: run.py MAMORI_BINARY [--update]   (--update rewrites the golden files)"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import clirun  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected")
BUILD = os.environ.get("MAMORI_BUILD_DIR", "/tmp")
WORK = os.path.join(BUILD, "tests", "cli", "audit-work")
NOW = 1775001600  # 2026-04-01T00:00:00Z
DAY = 86400

SUITE = clirun.Suite("audit", EXPECTED, WORK)
check, run, golden = SUITE.check, SUITE.run, SUITE.golden
SECURITY_LIST = "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages"
STATUS = ("Package: openssl\nStatus: install ok installed\nVersion: 3.0.15-1~deb12u1\n\n"
          "Package: libssl3\nStatus: install ok installed\nVersion: 3.0.15-1~deb12u1\n\n"
          "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b7\n")


def put(root, rel, content="", age_days=0):
    path = os.path.join(root, rel.lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(content)
    t = NOW - age_days * DAY
    os.utime(path, (t, t))


def link(root, rel, target):
    path = os.path.join(root, rel.lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def neglected_server(root):
    """Debian server left alone for a month: old lists, OpenSSL fixes not
    installed, no automatic updates,
    no antivirus, a passwordless account, SSH taking passwords and root, the
    stock nftables.conf, an open guest share, plain ext4 disk."""
    put(root, "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "x", 35)
    put(root, "/var/lib/dpkg/status", STATUS)
    put(root, "/var/lib/apt/lists/" + SECURITY_LIST,
        "Package: openssl\nVersion: 3.0.17-1~deb12u2\n\nPackage: libssl3\n"
        "Version: 3.0.17-1~deb12u2\n\nPackage: bind9\nVersion: 1:9.18.33-1~deb12u2\n", 35)
    put(root, "/etc/apt/apt.conf.d/70debconf", "// nothing here\n")
    put(root, "/etc/shadow", "root:$y$j9T$x:19800:0:99999:7:::\nscanner::19800:0:99999:7:::\n")
    put(root, "/usr/sbin/sshd")
    put(root, "/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n"
        "PermitRootLogin yes\nKbdInteractiveAuthentication no\nUsePAM yes\n")
    put(root, "/etc/nftables.conf", "table inet filter {\n chain input {\n  type filter hook "
        "input priority filter;\n }\n}\n")
    link(root, "/etc/systemd/system/sysinit.target.wants/nftables.service",
         "/lib/systemd/system/nftables.service")
    put(root, "/etc/samba/smb.conf", "[global]\n  workgroup = OFFICE\n  map to guest = bad user\n"
        "[共有]\n  path = /srv/share\n  guest ok = yes\n  read only = no\n")
    put(root, "/etc/NetworkManager/system-connections/Lobby.nmconnection",
        "[connection]\nid=Lobby\ntype=wifi\n[wifi]\nssid=lobby-free\n")
    put(root, "/usr/bin/gnome-shell")
    put(root, "/etc/dconf/db/local.d/00-screensaver",
        "[org/gnome/desktop/screensaver]\nlock-enabled=false\n")
    put(root, "/proc/self/mountinfo", "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n")
    os.makedirs(os.path.join(root, "sys/dev/block/254:1"))


def kept_laptop(root):
    """A laptop looked after: fresh lists, unattended-upgrades, ClamAV up to
    date, keys-only SSH, ufw, WPA3 Wi-Fi, enforced screen lock, LUKS."""
    put(root, "/var/lib/apt/periodic/update-success-stamp", "", 1)
    put(root, "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "x", 1)
    put(root, "/var/lib/dpkg/status", STATUS)
    put(root, "/var/lib/apt/lists/" + SECURITY_LIST,
        "Package: openssl\nVersion: 3.0.15-1~deb12u1\n\nPackage: libssl3\n"
        "Version: 3.0.15-1~deb12u1\n", 1)
    put(root, "/usr/bin/unattended-upgrade")
    put(root, "/etc/apt/apt.conf.d/20auto-upgrades",
        "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n")
    put(root, "/usr/bin/clamscan")
    put(root, "/var/lib/clamav/daily.cld", "", 0)
    put(root, "/etc/shadow", "root:!:19800:0:99999:7:::\nhanako:$y$j9T$y:19800:0:99999:7:::\n")
    put(root, "/etc/ssh/sshd_config", "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin no\nUsePAM yes\n")
    put(root, "/etc/ufw/ufw.conf", "ENABLED=yes\nLOGLEVEL=low\n")
    put(root, "/etc/NetworkManager/system-connections/Office.nmconnection",
        "[connection]\nid=Office\ntype=wifi\n[wifi]\nssid=office\n[wifi-security]\nkey-mgmt=sae\n")
    put(root, "/usr/bin/gnome-shell")
    put(root, "/etc/dconf/db/local.d/00-screensaver",
        "[org/gnome/desktop/screensaver]\nlock-enabled=true\n"
        "[org/gnome/desktop/session]\nidle-delay=uint32 300\n")
    put(root, "/etc/dconf/db/local.d/locks/screensaver",
        "/org/gnome/desktop/screensaver/lock-enabled\n/org/gnome/desktop/session/idle-delay\n")
    put(root, "/proc/self/mountinfo",
        "26 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n")
    put(root, "/sys/dev/block/253:1/dm/uuid", "LVM-x\n")
    os.makedirs(os.path.join(root, "sys/dev/block/253:1/slaves/dm-0"))
    put(root, "/sys/class/block/dm-0/dm/uuid", "CRYPT-LUKS2-abc-nvme0n1p3_crypt\n")


def test_goldens():
    for machine, code in (("server", 1), ("laptop", 0)):
        for lang in ("ja", "en"):
            for fmt, ext in (("text", "txt"), ("json", "json")):
                rc, out, err = run(["--lang", lang, "audit", "--root", machine, "--format", fmt])
                check(rc == code and err == "", "%s %s %s: exit %d (want %d) %s" %
                      (machine, lang, fmt, rc, code, err))
                golden("%s-%s.%s" % (machine, lang, ext), out)
    rc, out, _ = run(["audit", "--root", "server", "--format", "json"])
    doc = json.loads(out)
    status = {c["id"]: c["status"] for c in doc["checks"]}
    check(doc["summary"] == {"pass": 0, "fail": 12, "unknown": 0} and
          set(status.values()) == {"fail"}, "server: every check fails: %r" % status)
    rc, out, _ = run(["audit", "--root", "laptop", "--format", "json"])
    doc = json.loads(out)
    check(doc["summary"] == {"pass": 12, "fail": 0, "unknown": 0}, "laptop: every check passes: "
          "%r" % {c["id"]: c["status"] for c in doc["checks"]})


def contradictions(out):
    """(item, check ids) of a JSON report's contradictions; None when the
    output is no report (the diagnosis was refused)."""
    try:
        return [(c["item"], c["checks"]) for c in json.loads(out)["diagnosis"]["contradictions"]]
    except ValueError:
        return None


def test_diagnosis():
    with open(os.path.join(WORK, "answers.json"), "w") as f:
        json.dump({"answers": {str(i): ("done" if i in (1, 2, 3, 9, 14) else "partly")
                               for i in range(1, 26)}}, f)
    rc, out, err = run(["audit", "--root", "server", "--format", "json", "--diagnosis",
                        "answers.json"])
    doc = json.loads(out)
    got = [(c["item"], c["checks"]) for c in doc["diagnosis"]["contradictions"]]
    want = [(1, ["apt-updates", "security-updates", "unattended-upgrades"]), (2, ["antivirus"]),
            (3, ["empty-passwords", "ssh-password-auth", "ssh-root-login"]),
            (9, ["wifi-security"]), (14, ["screen-lock"])]
    check(rc == 1 and got == want, "contradictions: %r" % got)
    rc, out, err = run(["--lang", "ja", "audit", "--root", "server", "--diagnosis",
                        "answers.json", "--check", "antivirus"])
    check(rc == 1 and out.decode().endswith(
        "自社診断の回答との食い違い（answers.json）\n  項目 2「ウイルス対策ソフトの導入」: 「できて"
        "いる」と回答されていますが、次のチェックが不合格です: 「ウイルス対策ソフトと定義ファイル」"
        "（antivirus）\n\n  それぞれ、このパソコンの設定を直す（上の各チェックの「対処」をご覧く"
        "ださい）か、実際にはできていないなら自社診断をやり直して答えを直してください。このチェック"
        "はこのパソコン 1 台だけを見ています。\n"),  # what to do about it, not just the finding
        "ja contradiction text: %r" % out.decode()[-300:])
    # the laptop has nothing to contradict; the diagnose JSON shape works too
    with open(os.path.join(WORK, "diagnosis.json"), "w") as f:
        json.dump({"score": 100, "items": [{"id": i, "answer": "done"} for i in range(1, 26)]}, f)
    rc, out, err = run(["audit", "--root", "laptop", "--diagnosis", "diagnosis.json"])
    check(rc == 0 and out.decode().endswith(
        "Contradictions with the self-diagnosis (diagnosis.json)\n  No item answered \"done\" is "
        "contradicted by a failed check.\n"), "laptop diagnosis: %d %r" % (rc, out[-200:]))
    # answers written with the Japanese words the questionnaire shows
    with open(os.path.join(WORK, "answers-ja.json"), "w") as f:
        json.dump({"answers": {"1": "できていない", "2": "できている", "3": "一部できている"}}, f,
                  ensure_ascii=False)
    rc, out, err = run(["audit", "--root", "server", "--format", "json", "--diagnosis",
                        "answers-ja.json"])
    got = contradictions(out)
    check(rc == 1 and err == "" and got == [(2, ["antivirus"])], "ja answers: %r %r" % (got, err))
    os.unlink(os.path.join(WORK, "answers-ja.json"))
    # a folder of kept results (mamori diagnose --history, or the default
    # one): its newest result, named on standard error
    hist = os.path.join(WORK, "hist")
    os.makedirs(hist)
    for name, done in (("diagnose-2026-03-01.json", ()), ("diagnose-2026-03-30.json", (2,)),
                       ("notes.json", (1, 2, 3))):
        with open(os.path.join(hist, name), "w") as f:
            json.dump({"items": [{"id": i, "answer": "done" if i in done else "not"}
                                 for i in range(1, 26)]}, f)
    rc, out, err = run(["audit", "--root", "server", "--format", "json", "--diagnosis", "hist"])
    got = contradictions(out)
    check(rc == 1 and got == [(2, ["antivirus"])] and
          json.loads(out)["diagnosis"]["file"] == "hist/diagnose-2026-03-30.json" and
          err == "mamori audit: using the self-diagnosis of 2026-03-30 kept in "
                 "hist/diagnose-2026-03-30.json\n", "folder: %r %r" % (got, err))
    empty = os.path.join(WORK, "empty-hist")
    os.makedirs(empty)
    rc, out, err = run(["--lang", "ja", "audit", "--root", "server", "--diagnosis", "empty-hist"])
    check(rc == 4 and out == b"" and err ==
          "mamori audit: empty-hist: このフォルダーには自社診断の結果がありません。「mamori diagnose」"
          "で診断するか、結果のファイルを指定してください。\n", "empty folder: %d %r" % (rc, err))
    shutil.rmtree(hist)
    os.rmdir(empty)


def write_result(folder, name, done):
    """A kept result as mamori diagnose writes it (its items), done items given."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w") as f:
        json.dump({"items": [{"id": i, "answer": "done" if i in done else "not"}
                             for i in range(1, 26)]}, f)
    return os.path.join(folder, name)


def test_kept_diagnosis():
    """No --diagnosis: the newest result kept in the default folder is used,
    as mamori declare uses it, and named (ja, en); none kept is the audit alone."""
    kept = os.path.join(SUITE.home, ".local", "share", "mamori", "diagnosis")
    write_result(kept, "diagnose-2026-03-29.json", (1, 2, 3))
    newest = write_result(kept, "diagnose-2026-03-30.json", (2,))
    write_result(kept, "notes.json", (1, 2, 3))
    rc, out, err = run(["audit", "--root", "server", "--format", "json"])
    diag = json.loads(out)["diagnosis"] or {}  # null: no comparison
    check(rc == 1 and diag.get("file") == newest and
          [(c["item"], c["checks"]) for c in diag["contradictions"]] == [(2, ["antivirus"])] and
          err == "mamori audit: using the self-diagnosis of 2026-03-30 kept in %s\n" % newest,
          "kept, en: %d %r %r" % (rc, diag, err))
    rc, out, err = run(["--lang", "ja", "audit", "--root", "server"])
    check(rc == 1 and ("自社診断の回答との食い違い（%s）" % newest) in out.decode() and
          "項目 2「" in out.decode() and
          err == "mamori audit: 保存してある自社診断の結果（2026-03-30 の診断）を使います: %s\n" % newest,
          "kept, ja: %d %r" % (rc, err))
    # XDG_DATA_HOME (absolute) is where it is kept then, as for declare
    xdg = os.path.join(SUITE.home, "xdg")
    other = write_result(os.path.join(xdg, "mamori", "diagnosis"), "diagnose-2026-03-31.json", ())
    rc, out, err = run(["audit", "--root", "server", "--format", "json"],
                       env={"XDG_DATA_HOME": xdg})
    check(rc == 1 and json.loads(out)["diagnosis"] == {"file": other, "contradictions": []} and
          other in err, "kept under XDG_DATA_HOME: %r" % err)
    # --diagnosis given wins: the kept one is not read nor named
    given = write_result(WORK, "given.json", (4,))
    rc, out, err = run(["audit", "--root", "server", "--format", "json", "--diagnosis", given])
    check(rc == 1 and json.loads(out)["diagnosis"]["file"] == given and err == "",
          "given wins: %r" % err)
    os.unlink(given)
    # --no-diagnosis: the checks alone; the kept one is not read nor named
    for lang in ("en", "ja"):
        rc, out, err = run(["--lang", lang, "audit", "--root", "server", "--format", "json",
                            "--no-diagnosis"])
        check(rc == 1 and json.loads(out)["diagnosis"] is None and err == "",
              "--no-diagnosis (%s): %d %r" % (lang, rc, err))
    # a damaged newest one is said and not used: the audit alone, its own exit status
    with open(os.path.join(kept, "diagnose-2026-03-31.json"), "w") as f:
        f.write("{")
    bad = os.path.join(kept, "diagnose-2026-03-31.json")
    rc, out, err = run(["audit", "--root", "laptop", "--format", "json"])
    check(rc == 0 and json.loads(out)["diagnosis"] is None and
          err == "mamori audit: the self-diagnosis kept in %s cannot be read (its content is not "
                 "valid), so it is not used; run \"mamori diagnose\" again or give a result file "
                 "with --diagnosis.\n" % bad, "damaged kept: %d %r" % (rc, err))
    rc, out, err = run(["--lang", "ja", "audit", "--root", "server"])
    check(rc == 1 and "自社診断の回答との食い違い" not in out.decode() and
          err.startswith("mamori audit: 保存してある自社診断の結果 %s を読めないため" % bad),
          "damaged kept, ja: %d %r" % (rc, err))
    # a FIFO as the newest kept result is refused at once (it used to wait
    # for a writer forever; clirun's timeout fails a regression): said, not used
    os.unlink(bad)
    os.mkfifo(bad)
    rc, out, err = run(["audit", "--root", "laptop", "--format", "json"])
    check(rc == 0 and json.loads(out)["diagnosis"] is None and
          err.startswith("mamori audit: the self-diagnosis kept in %s cannot be read" % bad) and
          "not an ordinary file" in err, "FIFO kept: %d %r" % (rc, err))
    rc, out, err = run(["--lang", "ja", "audit", "--root", "laptop", "--diagnosis", kept])
    check(rc == 4 and out == b"" and "パイプや装置などで、普通のファイルではないため" in err,
          "FIFO in --diagnosis DIR, ja: %d %r" % (rc, err))
    os.unlink(bad)
    # none kept: as before, the audit alone and nothing said
    shutil.rmtree(os.path.join(SUITE.home, ".local"))
    shutil.rmtree(xdg)
    rc, out, err = run(["audit", "--root", "server", "--format", "json"])
    check(rc == 1 and json.loads(out)["diagnosis"] is None and err == "",
          "none kept: %d %r" % (rc, err))


def test_options():
    rc, out, err = run(["audit", "--list"])
    lines = out.decode().splitlines()
    # a header names the columns, then one line per check
    check(rc == 0 and len(lines) == 13 and
          lines[0] == "ID                   Items\tCheck (items: the self-diagnosis items it verifies)"
          and lines[1].startswith("apt-updates          1\t"), "--list: %r" % lines[:2])
    rc, out, err = run(["--lang", "ja", "audit", "--list"])
    check(rc == 0 and out.decode().startswith("ID                   項目\tチェックの内容"),
          "--list ja: %r" % out.decode()[:80])
    old_umask = os.umask(0o022)
    rc, out, err = run(["audit", "--root", "server", "--check", "firewall", "--check",
                        "samba-guest", "--format", "json", "--output", "out.json"])
    os.umask(old_umask)
    with open(os.path.join(WORK, "out.json")) as f:
        ids = [c["id"] for c in json.load(f)["checks"]]
    check(rc == 1 and out == b"" and ids == ["firewall", "samba-guest"], "--check/--output: %r" % ids)
    # the report may list accounts without a password: only its owner reads
    # it (it was 0644 with umask 022)
    mode = os.stat(os.path.join(WORK, "out.json")).st_mode & 0o777
    check(mode == 0o600, "--output mode %o" % mode)
    os.unlink(os.path.join(WORK, "out.json"))
    with open(os.path.join(WORK, "bad.json"), "w") as f:
        f.write("{\"answers\": [")
    with open(os.path.join(WORK, "bad-answer.json"), "w") as f:
        f.write("{\"answers\": {\"1\": \"done\", \"5\": \"Done\"}}")
    # item numbers the 25-item diagnosis does not have were silently ignored
    with open(os.path.join(WORK, "bad-item.json"), "w") as f:
        f.write("{\"answers\": {\"1\": \"done\", \"3\": \"yes\", \"26\": \"done\"}}")
    with open(os.path.join(WORK, "bad-id.json"), "w") as f:
        f.write("{\"items\": [{\"id\": 1, \"answer\": \"done\"}, {\"id\": 0, \"answer\": \"not\"}]}")
    # over 256 KiB: refused for its size, exit 3 as mamori diagnose --answers (it gave 4)
    with open(os.path.join(WORK, "big.json"), "w") as f:
        f.write("{\"answers\": {}}" + " " * (256 * 1024))
    cases = [
        (["audit", "--root", "laptop", "--diagnosis", "big.json"], 3,
         "mamori audit: big.json: the diagnosis file is not valid (input too large)\n"),
        # the reader of mamori diagnose --answers: every problem, one line each
        (["audit", "--root", "laptop", "--diagnosis", "bad-answer.json"], 3,
         "mamori audit: bad-answer.json: invalid answer for item 5 "
         "(use done, partly, not, unknown or na, or the Japanese できている, 一部できている, できていない, わからない, 該当しない)\n"),
        (["--lang", "ja", "audit", "--root", "laptop", "--diagnosis", "bad-answer.json"], 3,
         "mamori audit: bad-answer.json: 項目 5 の回答が正しくありません"
         "（できている・一部できている・できていない・わからない・該当しない、または done・partly・not・unknown・na のどれかを書いてください）\n"),
        (["audit", "--root", "laptop", "--diagnosis", "bad-item.json"], 3,
         "mamori audit: bad-item.json: invalid answer for item 3 (use done, partly, not, unknown "
         "or na, or the Japanese できている, 一部できている, できていない, わからない, 該当しない)\nmamori audit: bad-item.json: no such item number: \"26\" (the items are "
         "numbered 1 to 25)\n"),
        (["--lang", "ja", "audit", "--root", "laptop", "--diagnosis", "bad-item.json"], 3,
         "mamori audit: bad-item.json: 項目 3 の回答が正しくありません（できている・一部できている・"
         "できていない・わからない・該当しない、または done・partly・not・unknown・na のどれかを書いてください）\nmamori audit: bad-item.json: \"26\" という項目番号は"
         "ありません（項目の番号は 1 から 25 までです）\n"),
        (["audit", "--root", "laptop", "--diagnosis", "bad-id.json"], 3,
         "mamori audit: bad-id.json: no such item number: \"0\" (the items are numbered 1 to "
         "25)\n"),
        (["audit", "--format", "xml"], 2, "mamori audit: --format takes text or json\n"),
        (["audit", "--no-diagnosis", "--diagnosis", "answers.json"], 2,
         "mamori audit: --diagnosis and --no-diagnosis do not go together; give one of them\n"),
        (["--lang", "ja", "audit", "--diagnosis", "answers.json", "--no-diagnosis"], 2,
         "mamori audit: --diagnosis と --no-diagnosis は一緒に使えません。"
         "どちらか一方だけを指定してください\n"),
        (["audit", "--root", "missing-dir"], 2, "mamori audit: missing-dir: --root takes a directory\n"),
        (["audit", "--check", "nope"], 2, "mamori audit: nope: no such check (--list shows them)\n"),
        (["audit", "extra"], 2, "mamori audit: extra: unexpected argument (see --help)\n"),
        (["audit", "--bogus"], 2, "mamori audit: --bogus: unknown option (see --help)\n"),
        # each option once (the last won), but --check, which is repeated
        (["audit", "--root", "laptop", "--root", "laptop"], 2,
         "mamori audit: --root: given more than once\n"),
        (["audit", "--format", "json", "--list", "--list"], 2,
         "mamori audit: --list: given more than once\n"),
        (["audit", "--root"], 2, "mamori audit: --root: this option needs a value (see --help)\n"),
        (["audit", "--root", "laptop", "--diagnosis", "bad.json"], 3,
         "mamori audit: bad.json: line 1, column 13: not valid JSON (the file ends before a "
         "closing }, ] or \"); write it as {\"answers\": {\"1\": \"done\", ...}}\n"),
        # a missing input file: the message of every mamori command (cli.json error.no_input)
        (["audit", "--root", "laptop", "--diagnosis", "none.json"], 4,
         "mamori audit: none.json: there is no such file; check the file's name and the folder "
         "it is in\n"),
        (["--lang", "ja", "audit", "--root", "laptop", "--diagnosis", "none.json"], 4,
         "mamori audit: none.json: このファイルが見つかりません。ファイルの名前と、置いてある"
         "フォルダーが合っているか確かめてください\n"),
        # a usage error points to --help in the words every command uses
        (["--lang", "ja", "audit", "--bogus"], 2,
         "mamori audit: --bogus: 不明なオプションです（「--help」で使い方を確認してください）\n"),
        (["--lang", "ja", "audit", "--root", "laptop", "--output", "no-dir/out.txt"], 4,
         "mamori audit: no-dir/out.txt: 書き込めませんでした。保存先のフォルダーがありません。"
         "先にそのフォルダーを作るか、別の場所を指定してください\n"),
    ]
    for args, code, want in cases:
        rc, out, err = run(args)
        same = err.startswith(want[:-1]) if want.endswith("*") else err == want  # * : jansson's words
        check(rc == code and same and out == b"",
              "%r: exit %d (want %d), stderr %r (want %r)" % (args, rc, code, err, want))
    check(sorted(os.listdir(WORK)) == ["answers.json", "bad-answer.json", "bad-id.json",
                                       "bad-item.json", "bad.json", "big.json", "diagnosis.json", "laptop",
                                       "server"], "stray files: %r" % os.listdir(WORK))
    for lang, first in (("en", "Usage: mamori audit"), ("ja", "使い方: mamori audit")):
        rc, out, _ = run(["--lang", lang, "audit", "--help"])
        check(rc == 0 and out.decode().startswith(first), "--help %s" % lang)


def setup():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    neglected_server(os.path.join(WORK, "server"))
    kept_laptop(os.path.join(WORK, "laptop"))


def main():
    return SUITE.main(__doc__, setup, (test_goldens, test_diagnosis, test_kept_diagnosis,
                                        test_options))


if __name__ == "__main__":
    sys.exit(main())
