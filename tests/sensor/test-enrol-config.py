# SPDX-License-Identifier: Apache-2.0
"""Enrolling without -r/-i reads --config: a real mamori-center over HTTPS
on 127.0.0.1 (--tls-cert/--tls-key, a certificate of its own made with
openssl) is enrolled at with the settings file's [uplink] ca_file, its
[uplink] center and [sensor] state standing in for --center and --state;
options given on the command line win; a wrong settings value stops the
enrolment with the message a run gives (FILE: [section] key), en and ja,
before the centre is asked. Before, the enrol-only run never read --config:
the centre's certificate could not be checked (exit 1), and without --center
the run was a usage error. A key or section the sensor does not read is
warned about before the centre is asked, as a run warns (before, an
enrolment never did: a misspelt ca_file showed only as the certificate
failure). A detector's [detect.NAME] is checked as the capture's start
checks it (the same messages), before the centre is asked, with or without
-r: before, an enrol-only run took a bad value there without a word, and
with -r it was found only after the enrolment (uplink.conf written)."""

import os
import shutil
import subprocess
import sys

SRC = os.environ.get("MAMORI_SOURCE_DIR",
                     os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "center"))
from centerlib import Center, check  # noqa: E402

BUILD = os.environ.get("MAMORI_BUILD_DIR", os.getcwd())
SENSOR = os.path.join(BUILD, "src", "sensor", "mamori-sensor")


def sensor(args, lang="en"):
    env = dict(os.environ, LC_ALL="", LC_MESSAGES="", LANG="ja_JP.UTF-8" if lang == "ja" else "C")
    return subprocess.run([SENSOR] + args, capture_output=True, text=True, timeout=120, env=env)


def settings(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def enrolled_at(state, url):
    """True when state/uplink.conf (mode 0600) names url and a key."""
    conf = os.path.join(state, "uplink.conf")
    if not os.path.exists(conf) or os.stat(conf).st_mode & 0o777 != 0o600:
        return False
    with open(conf) as f:
        text = f.read()
    return ("center = %s\n" % url) in text and "key = mms_" in text


def main():
    if not shutil.which("openssl"):
        print("SKIP: openssl not installed")
        return 77
    c = Center(tls=True)
    tmp = c.tmp
    try:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True,
                       timeout=120)
        tid = int(c.admin("tenant", "add", "--name", "Enrol KK", "--lang", "ja"))
        c.start(extra=["--tls-cert", cert, "--tls-key", key])
        url = "https://127.0.0.1:%d" % c.port

        # without the CA the centre's certificate is not trusted (the
        # enrolment the installer runs failed so before this change)
        code = c.admin("enrol", "--tenant", str(tid))
        plain = os.path.join(tmp, "state-plain")
        r = sensor(["--enrol", code, "--center", url, "--state", plain])
        check(r.returncode == 1 and not os.path.exists(os.path.join(plain, "uplink.conf")),
              "no CA: %r" % (r,))
        # ... and the message says so and what to do (it said "cannot reach")
        check("certificate at %s is not trusted" % url in r.stderr and "[uplink] ca_file"
              in r.stderr and "cannot reach" not in r.stderr, "no CA, message: %r" % (r,))
        r = sensor(["--enrol", code, "--center", url, "--state", plain], lang="ja")
        check("の証明書を信頼できません" in r.stderr and "[uplink] ca_file" in r.stderr,
              "no CA, message (ja): %r" % (r,))

        # a misspelt key (or section) is told as a run tells it, before the
        # enrolment fails on the certificate it left unchecked; a detector's
        # section is not unknown (the run checks its keys). With -r after
        # the enrolment the same, though the capture never starts. Before,
        # only the certificate failure was shown.
        pcap = os.path.join(tmp, "empty.pcap")
        with open(pcap, "wb") as f:
            f.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))
        cfg = settings(tmp, "typo.ini", "[uplink]\nca_fil = %s\n[detect.scan]\nports = 30\n"
                       "[detect.scna]\nports = 30\n" % cert)
        for lang, key_words, section_words, cert_words in (
                ("en", "[uplink] ca_fil is not a setting of mamori-sensor",
                 "section [detect.scna] is not one mamori-sensor reads",
                 "certificate at %s is not trusted" % url),
                ("ja", "[uplink] ca_fil という設定はない", "[detect.scna] という見出しはない",
                 "の証明書を信頼できません")):
            for extra in ([], ["-r", pcap]):
                r = sensor(["--enrol", code, "--center", url, "--state", plain, "--config", cfg]
                           + extra, lang)
                lines = r.stderr.splitlines()
                check(r.returncode == 1 and len(lines) >= 3 and
                      ("%s: %s" % (cfg, key_words)) in lines[0] and
                      ("%s: %s" % (cfg, section_words)) in lines[1] and
                      cert_words in r.stderr and "detect.scan]" not in r.stderr and
                      not os.path.exists(os.path.join(plain, "uplink.conf")),
                      "unknown keys (%s, %r): %r" % (lang, extra, r))

        # --center and --state given, [uplink] ca_file from --config; the
        # code not used above is still good
        state = os.path.join(tmp, "state-a")
        cfg = settings(tmp, "a.ini", "[uplink]\nca_file = %s\n" % cert)
        r = sensor(["--enrol", code, "--center", url, "--state", state, "--config", cfg])
        check(r.returncode == 0 and enrolled_at(state, url) and "enrolled as sensor" in r.stderr,
              "ca_file from --config: %r" % (r,))

        # everything from the file: [uplink] center, ca_file, [sensor] state
        state = os.path.join(tmp, "state-b")
        cfg = settings(tmp, "b.ini", "[sensor]\nstate = %s\n[uplink]\ncenter = %s\nca_file = %s\n"
                       "[devices]\nmax = 10\n[detect.new-device]\nlearn_seconds = 60\n"
                       % (state, url, cert))
        r = sensor(["--enrol", c.admin("enrol", "--tenant", str(tid)), "--config", cfg])
        check(r.returncode == 0 and enrolled_at(state, url) and "ignored" not in r.stderr,
              "all from --config: %r" % (r,))

        # the enrolment file cannot be written (a folder in its place): said with the next
        # step in English too (only the Japanese had one)
        state = os.path.join(tmp, "state-folder")
        os.makedirs(os.path.join(state, "uplink.conf"))
        cfg = settings(tmp, "c.ini", "[uplink]\nca_file = %s\n" % cert)
        r = sensor(["--enrol", c.admin("enrol", "--tenant", str(tid)), "--center", url,
                    "--state", state, "--config", cfg])
        check(r.returncode == 1 and r.stderr.endswith(
            "cannot write %s/uplink.conf; check the directory's permissions and free space\n"
            % state), "uplink.conf cannot be written: %r" % (r,))

        # the command line wins over the file (a centre and a state that
        # would fail)
        state = os.path.join(tmp, "state-c")
        other = os.path.join(tmp, "state-not-used")
        cfg = settings(tmp, "c.ini", "[sensor]\nstate = %s\n[uplink]\ncenter = "
                       "https://127.0.0.1:1\nca_file = %s\n" % (other, cert))
        r = sensor(["--enrol", c.admin("enrol", "--tenant", str(tid)), "--center", url, "--state",
                    state, "--config", cfg])
        check(r.returncode == 0 and enrolled_at(state, url) and not os.path.exists(other),
              "the command line wins: %r" % (r,))

        # a wrong value: the run's settings error (exit 2, FILE: [section]
        # key), before the centre is asked; the code stays good
        code = c.admin("enrol", "--tenant", str(tid))
        for text, named, en, ja in (
                ("[uplink]\nca_file = %s\n" % os.path.join(tmp, "none.pem"), "[uplink] ca_file",
                 "must name a file of CA certificates", "CA 証明書（PEM 形式）"),
                ("[uplink]\nca_file = %s\n" % key, "[uplink] ca_file", "no PEM certificate",
                 "PEM 形式の証明書がありません"),
                ("[uplink]\ncenter = http://192.0.2.7\n", "[uplink] center",
                 "plain http:// to another machine", "暗号化されない http://"),
                ("[uplink]\nbatch = 0\n", "[uplink] batch", "from 1 to 10000", "1 から 10000 まで"),
                ("[sensor]\nhome_net = office\n", "[sensor] home_net", "office is not",
                 "office は"),
                # the detectors' sections, as the capture's start checks them
                ("[detect.scan]\nports = 2\n", "[detect.scan] ports",
                 "must be a number from 3 to 255", "3 から 255 までの数値"),
                ("[detect.new-device]\nlearn_seconds = 60\n[detect.scan]\nport = 30\n",
                 "[detect.scan] port", "is not a setting of detector scan; it takes: "
                 "window_seconds, suppress_seconds, ports", "検知の仕組み scan にはありません"),
                ("[detect.web-attack]\nscan_sources = internal\n",
                 "[detect.web-attack] scan_sources", "must be one of: external, any (not "
                 "internal)", "external, any のどれか"),
                ("[detect.beacon]\njitter_percent = 99\n", "[detect.beacon] jitter_percent",
                 "from 1 to 50", "1 から 50 まで")):
            cfg = settings(tmp, "bad.ini", text)
            state = os.path.join(tmp, "state-bad")
            for lang, words in (("en", en), ("ja", ja)):
                for extra in ([], ["-r", pcap]):
                    r = sensor(["--enrol", code, "--center", url, "--state", state, "--config",
                                cfg] + extra, lang)
                    lines = r.stderr.splitlines()
                    check(r.returncode == 2 and len(lines) == 1 and
                          ("%s: %s" % (cfg, named)) in lines[0] and words in lines[0] and
                          not os.path.exists(state),
                          "%s (%s, %r): %r" % (text.strip(), lang, extra, r))
        # the same message as the capture's start gives (a run without --enrol)
        cfg = settings(tmp, "bad.ini", "[detect.scan]\nports = 2\n")
        run = sensor(["-r", pcap, "--eve", os.devnull, "--config", cfg])
        enrol = sensor(["--enrol", code, "--center", url, "--state", state, "--config", cfg])
        check(run.returncode == 2 and run.stderr == enrol.stderr,
              "as a run: %r %r" % (run, enrol))
        r = sensor(["--enrol", code, "--center", url, "--state", os.path.join(tmp, "state-d"),
                    "--config", os.path.join(tmp, "missing.ini")])
        check(r.returncode == 2 and "missing.ini" in r.stderr, "missing --config: %r" % (r,))
        r = sensor(["--enrol", code, "--config", settings(tmp, "d.ini", "[uplink]\nbatch = 5\n"),
                    "--state", os.path.join(tmp, "state-d")])
        check(r.returncode == 2 and "[uplink] center" in r.stderr and "--center" in r.stderr,
              "no centre anywhere: %r" % (r,))
        cfg = settings(tmp, "f.ini", "[uplink]\nca_file = %s\n" % cert)
        r = sensor(["--enrol", code, "--center", url, "--config", cfg], "ja")
        check(r.returncode == 2 and "[sensor] state" in r.stderr, "no state anywhere: %r" % (r,))
        # the code was never used: it still enrols
        state = os.path.join(tmp, "state-e")
        cfg = settings(tmp, "e.ini", "[uplink]\ncenter = %s\nca_file = %s\n" % (url, cert))
        r = sensor(["--enrol", code, "--state", state, "--config", cfg])
        check(r.returncode == 0 and enrolled_at(state, url), "after the errors: %r" % (r,))
    finally:
        c.close()
    print("PASS enrol-config")
    return 0


if __name__ == "__main__":
    sys.exit(main())
