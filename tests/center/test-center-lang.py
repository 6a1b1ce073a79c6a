#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mamori-center's log lines and start-up errors in the environment's
language (LC_ALL, LC_MESSAGES, LANG; English otherwise): the real server on
127.0.0.1 with a port the kernel picks. The "time prog[pid]: level:" prefix
stays the same in both languages. Exit 0 pass, 1 fail."""
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import BIN, Center, check  # noqa: E402

JA = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"}
EN = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
PREFIX = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} mamori-center\[\d+\]: "
                    r"(error|warn|info|debug): ")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def serve_and_stop(tmp, env):
    """Starts the server, stops it with SIGTERM; returns its stderr."""
    port_file = os.path.join(tmp, "port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    log_path = os.path.join(tmp, "server.log")
    with open(log_path, "w") as log:
        p = subprocess.Popen([BIN, "--data", os.path.join(tmp, "data"), "--config",
                              os.path.join(tmp, "center.ini"), "--listen", "127.0.0.1:0",
                              "--port-file", port_file], stdout=log, stderr=log,
                             env=dict(os.environ, **env))
        deadline = time.time() + 60
        while not os.path.exists(port_file) and p.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=60)
    text = open(log_path, encoding="utf-8").read()
    check(rc == 0, "server exit %d: %s" % (rc, text))
    for line in text.splitlines():
        check(PREFIX.match(line), "prefix kept: %r" % line)
    return text


MAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "man")


def man_example(page, heading):
    """The example settings file of a mamori-center(8) page: (section, key, value) in order."""
    with open(os.path.join(MAN, page), encoding="utf-8") as f:
        text = f.read()
    start = text.index("```ini\n", text.index("## " + heading)) + 7
    entries, section = [], None
    for line in text[start:text.index("```", start)].splitlines():
        line = line.split(";")[0].strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif line:
            key, value = (s.strip() for s in line.split("=", 1))
            entries.append((section, key, value))
    return entries


def x509_armour(tmp):
    """A certificate under the old "-----BEGIN X509 CERTIFICATE-----" armour, which GnuTLS
    takes, is taken: the server starts and answers HTTPS (it was "not a PEM certificate",
    exit 2)."""
    c = Center(tls=True)
    cert, key = os.path.join(c.tmp, "c.crt"), os.path.join(c.tmp, "c.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    with open(cert) as f:
        text = f.read().replace("-----BEGIN CERTIFICATE-----", "-----BEGIN X509 CERTIFICATE-----")
    text = text.replace("-----END CERTIFICATE-----", "-----END X509 CERTIFICATE-----")
    write(cert, text)
    c.start(["--tls-cert", cert, "--tls-key", key])
    r = c.request("GET", "/")
    check(r.status == 200 and "listening on https://" in c.server_log(),
          "X509 CERTIFICATE armour: %d %s" % (r.status, c.server_log()))
    c.close()


def openssl_pair(d, name, kind="ec"):
    """A self-signed certificate for 127.0.0.1 and its key (PKCS#8): d/name.crt, d/name.key."""
    cert, key = os.path.join(d, name + ".crt"), os.path.join(d, name + ".key")
    new = ["-newkey", "rsa:2048"] if kind == "rsa" else \
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    subprocess.run(["openssl", "req", "-x509"] + new + ["-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    return cert, key


# What only the server uses: before `admin` a usage error (it was read, checked, then not used)
SERVER_ONLY = ("--listen", "--tls-cert", "--tls-key", "--threads", "--port-file")


def refused_before_admin(args, data, env):
    """True, after checking it, when args has a server option before `admin`: exit 2, one
    line naming the first such option and what admin takes, the usage, nothing made."""
    first = next((a for a in args[:args.index("admin")] if a in SERVER_ONLY), None)
    if not first:
        return False
    r = run(args, env)
    lines = r.stderr.splitlines()
    check(r.returncode == 2 and len(lines) >= 2 and
          lines[0].startswith("mamori-center: %s: " % first) and
          "--data" in lines[0] and "--config" in lines[0] and not os.path.exists(data),
          "%r: exit %d: %s" % (args, r.returncode, r.stderr))
    return True


def tls_pair(tmp):
    """A key that does not belong to the certificate is refused by the check before anything
    starts: exit 2, one line naming both settings and both files (it was found only when the
    server started listening, exit 1, after the data directory and database were made). So
    is a certificate or key whose PEM body GnuTLS, libmicrohttpd's TLS library, cannot read
    (the armour line alone was looked at). The admin command reads neither. The
    certificate's own key passes, PKCS#8 or traditional (those starts then stop at the next
    check, a --port-file in a missing directory, so the pair was taken without serving), and
    the server starts and serves HTTPS on 127.0.0.1 with a chain file whose first
    certificate is the server's."""
    d = os.path.join(tmp, "pair")
    os.mkdir(d)
    a_crt, a_key = openssl_pair(d, "a")
    b_crt, b_key = openssl_pair(d, "b")
    r_crt, r_key = openssl_pair(d, "r", "rsa")
    a_trad, r_trad = os.path.join(d, "a-trad.key"), os.path.join(d, "r-trad.key")
    subprocess.run(["openssl", "ec", "-in", a_key, "-out", a_trad], check=True,
                   capture_output=True)
    subprocess.run(["openssl", "rsa", "-traditional", "-in", r_key, "-out", r_trad], check=True,
                   capture_output=True)
    check("BEGIN EC PRIVATE KEY" in open(a_trad).read() and
          "BEGIN RSA PRIVATE KEY" in open(r_trad).read(), "traditional keys made")
    bad_crt, bad_key = os.path.join(d, "bad.crt"), os.path.join(d, "bad.key")
    write(bad_crt, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    write(bad_key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    ini, data, port = (os.path.join(d, n) for n in ("center.ini", "data", "port"))
    mismatch = ("the TLS key %s does not belong to the certificate %s (%s): their public keys "
                "differ; give the private key the certificate was made with")
    mismatch_ja = "TLS の秘密鍵 %s は、証明書 %s（%s）と組になっていません（公開鍵が一致しません）"
    rows = [  # (settings, options, English, Japanese)
        ("", ["--tls-cert", a_crt, "--tls-key", b_key],
         "--tls-key: " + mismatch % (b_key, a_crt, "--tls-cert"),
         "--tls-key: " + mismatch_ja % (b_key, a_crt, "--tls-cert")),
        ("[server]\ntls_cert = %s\ntls_key = %s\n" % (r_crt, a_key), [],
         "FILE: [server] tls_key: " + mismatch % (a_key, r_crt, "FILE: [server] tls_cert"),
         "FILE: [server] tls_key: " + mismatch_ja % (a_key, r_crt, "FILE: [server] tls_cert")),
        ("[server]\ntls_cert = %s\ntls_key = %s\n" % (a_crt, a_key), ["--tls-key", r_trad],
         "--tls-key: " + mismatch % (r_trad, a_crt, "FILE: [server] tls_cert"),
         "--tls-key: " + mismatch_ja % (r_trad, a_crt, "FILE: [server] tls_cert")),
        ("", ["--tls-cert", bad_crt, "--tls-key", a_key],
         "--tls-cert: the TLS certificate %s is damaged: the TLS library, GnuTLS, cannot read "
         "it as a certificate (" % bad_crt,
         "--tls-cert: TLS 証明書 %s が壊れています（TLS のライブラリー GnuTLS が証明書として読み取れません: "
         % bad_crt),
        ("", ["--tls-cert", a_crt, "--tls-key", bad_key],
         "--tls-key: the TLS key %s is damaged: the TLS library, GnuTLS, cannot read it as a "
         "private key (" % bad_key,
         "--tls-key: TLS の秘密鍵 %s が壊れています（TLS のライブラリー GnuTLS が秘密鍵として読み取れません: "
         % bad_key),
    ]
    missing_dir = "--port-file: cannot write %s/none/port (%s/none: no such file" % (d, d)
    for crt, key in ((a_crt, a_key), (a_crt, a_trad), (r_crt, r_key), (r_crt, r_trad)):
        rows.append(("", ["--tls-cert", crt, "--tls-key", key, "--port-file", d + "/none/port"],
                     missing_dir, None))
    for text, extra, en, ja in rows:
        write(ini, text)
        for env, want in ((EN, en), (JA, ja)):
            if want is None:
                continue
            want = "mamori-center: " + want.replace("FILE", ini)
            port_file = [] if "--port-file" in extra else ["--port-file", port]  # once
            r = run(["--data", data, "--config", ini, "--listen", "127.0.0.1:0"] + port_file +
                    extra, env)
            check(r.returncode == 2 and r.stderr.startswith(want) and
                  len(r.stderr.splitlines()) == 1,
                  "TLS pair %r %r: exit %d: %s" % (text, extra, r.returncode, r.stderr))
            check(not os.path.exists(data) and not os.path.exists(port),
                  "TLS pair %r %r: started part-way" % (text, extra))
        if "--port-file" in extra:
            continue
        # admin serves no TLS: it reads neither file of the settings, whatever they hold (the
        # options are the server's: refused before `admin`)
        args = extra + ["admin", "--data", data, "--config", ini, "tenant", "list"]
        if refused_before_admin(args, data, EN):
            continue
        r = run(args, EN)
        check(r.returncode == 0, "admin, TLS pair %r %r: exit %d: %s" % (text, extra,
                                                                         r.returncode, r.stderr))
        shutil.rmtree(data)
    chain = os.path.join(d, "chain.crt")
    write(chain, open(a_crt).read() + open(b_crt).read())
    c = Center(tls=True)
    try:
        c.start(["--tls-cert", chain, "--tls-key", a_key])
        r = c.request("GET", "/")
        check(r.status == 200 and "listening on https://127.0.0.1:0" in c.server_log(),
              "chain with its own key: %d %s" % (r.status, c.server_log()))
    finally:
        c.close()
    # the chain the other way round: its first certificate is b's, which a's key is not of
    write(chain, open(b_crt).read() + open(a_crt).read())
    r = run(["--data", data, "--listen", "127.0.0.1:0", "--tls-cert", chain, "--tls-key", a_key],
            EN)
    check(r.returncode == 2 and "does not belong to the certificate %s" % chain in r.stderr and
          not os.path.exists(data), "chain, another first: %d %s" % (r.returncode, r.stderr))


def documented_settings(tmp):
    """Every key of the man page's example, with values this machine can run: the server
    starts without a warning (the warning comes from what the code reads, not from a list
    of keys that could miss one), and typos beside them are named."""
    entries = man_example("mamori-center.8.md", "CONFIGURATION FILE")
    ja = man_example(os.path.join("ja", "mamori-center.8.md"), "設定ファイル")
    check([e[:2] for e in entries] == [e[:2] for e in ja], "ja example: %r" % (ja,))
    check(len(entries) >= 35, "example: %r" % (entries,))
    cert, key = os.path.join(tmp, "c.crt"), os.path.join(tmp, "c.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    runnable = {("server", "listen"): "127.0.0.1:0", ("server", "data"): os.path.join(tmp, "d"),
                ("server", "tls_cert"): cert, ("server", "tls_key"): key,
                ("auth", "password_cost"): "min", ("mail", "host"): "127.0.0.1",
                ("mail", "port"): "9", ("mail", "ca_file"): cert}
    text, section = "", None
    for sec, k, v in entries:
        if sec != section:
            text += "[%s]\n" % sec
            section = sec
        text += "%s = %s\n" % (k, runnable.get((sec, k), v))
    write(os.path.join(tmp, "center.ini"), text)
    log = serve_and_stop(tmp, EN)
    check(" warn: " not in log and "not a setting" not in log and "listening on https://" in log,
          "documented settings: " + log)
    write(os.path.join(tmp, "center.ini"), text + "[mail]\nstartls = always\n[server]\n"
          "thread = 8\n[alert]\nwindow = 60\nhealth = 1\n")
    for env, words in ((EN, ("[mail] startls is not a setting of mamori-center",
                             "[server] thread is not a setting", "section [alert] is not one")),
                       (JA, ("[mail] startls という設定はないため", "[server] thread という設定はない",
                             "[alert] という見出しはない"))):
        log = serve_and_stop(tmp, env)
        warns = [line for line in log.splitlines() if " warn: " in line]
        check(len(warns) == 3 and all(any(w in line for line in warns) for w in words),
              "typos: " + log)


def admin_usage(tmp, env):
    """The subcommand lines of `mamori-center admin`'s usage (a word it does not know: the
    line naming it comes first)."""
    r = run(["admin", "--data", os.path.join(tmp, "admin-data"), "no-such-subcommand"], env)
    lines = r.stderr.splitlines()
    check(r.returncode == 2 and len(lines) > 6 and
          lines[0].startswith("mamori-center admin: no-such-subcommand: "),
          "admin usage: %d %s" % (r.returncode, r.stderr))
    return lines[1], [line.strip() for line in lines[2:]]


def man_admin_subcommands(page, heading):
    """The `subcommand ...` terms of a man page's admin section, in order."""
    with open(os.path.join(MAN, page), encoding="utf-8") as f:
        text = f.read()
    start = text.index("## " + heading)
    section = text[start:text.index("\n## ", start + 3)]
    return re.findall(r"^`([^`]+)`$", section, re.M)


def admin_usage_in_man(tmp):
    """The admin subcommands of the usage (ja and en) are those of mamori-center(8), en and ja,
    option for option, and every option the code reads is in the usage."""
    en_first, en = admin_usage(tmp, EN)
    ja_first, ja = admin_usage(tmp, JA)
    man_en = man_admin_subcommands("mamori-center.8.md", "ADMIN SUBCOMMANDS")
    man_ja = man_admin_subcommands(os.path.join("ja", "mamori-center.8.md"), "管理用のサブコマンド")
    check(en == man_en, "admin usage %r, mamori-center(8) %r" % (en, man_en))
    check(man_ja == man_en, "ja man page %r, en %r" % (man_ja, man_en))

    def shape(line):  # placeholders (EMAIL, メール) aside
        return re.sub(r"[A-Z][A-Z0-9-]*|[^\x00-\x7f]+", "X", line)
    check([shape(u) for u in ja] == [shape(u) for u in en], "ja usage %r, en %r" % (ja, en))
    with open(os.path.join(MAN, "..", "..", "src", "center", "admin.c"), encoding="utf-8") as f:
        code = set(re.findall(r'"(--[a-z][a-z-]*)"', f.read()))
    usage = set(re.findall(r"--[a-z][a-z-]*", " ".join(en)))
    check(code == usage and "--data" in en_first and "--data" in ja_first,
          "options the code reads %r, the usage names %r" % (sorted(code), sorted(usage)))


def server_usage(tmp):
    """The server's own usage errors name the word first, one line, then the usage, exit 2,
    before anything starts (they printed only the usage): an unknown option, a stray
    argument, an option without its value (the next option is never one), an option given
    twice (the last won; admin refused it), a server option before `admin` (read, then not
    used: the admin command ran)."""
    data = os.path.join(tmp, "usage-data")
    cases = [(["--bogus"], "--bogus", "not_option"),
             (["--data", data, "stray"], "stray", "not_option"),
             (["--data", data, "--listen"], "--listen", "no_value"),
             (["--data", data, "--listen", "--threads", "2"], "--listen", "no_value"),
             (["--data", "--listen", "127.0.0.1:0"], "--data", "no_value"),
             # an option given twice (the last won), as admin refuses it
             (["--data", data, "--data", data + "2"], "--data", "twice"),
             (["--data", data, "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:1"], "--listen",
              "twice"),
             (["--data", data, "--threads", "2", "--threads", "3"], "--threads", "twice"),
             (["--data", data, "--list-routes", "--list-routes"], "--list-routes", "twice"),
             # what only the server uses, before admin: admin takes only --data and --config
             (["--data", data, "--listen", "127.0.0.1:0", "admin", "tenant", "list"], "--listen",
              "server_admin"),
             (["--threads", "2", "--data", data, "admin", "tenant", "list"], "--threads",
              "server_admin"),
             (["--port-file", os.path.join(tmp, "p"), "admin", "--data", data, "tenant", "list"],
              "--port-file", "server_admin"),
             (["--data", data, "--tls-cert", "c.pem", "--tls-key", "k.pem", "admin", "tenant",
               "list"], "--tls-cert", "server_admin"),
             # the server's --lang too: admin's messages follow LANG or admin's own --lang
             (["--lang", "ja", "admin", "--data", data, "tenant", "list"], "--lang",
              "server_admin")]
    texts = ((JA, "使い方: mamori-center --data ",
              {"not_option": "mamori-center のオプションでも引数でもありません",
               "no_value": "値がありません (値は -- で始められません)",
               "twice": "2 回以上指定されています",
               "server_admin": "サーバーを起動するときのオプションで、admin では使いません。"
                               "admin の前に置けるのは --data と --config だけです。"
                               "このオプションを外してください"}),
             (EN, "Usage: mamori-center --data ",
              {"not_option": "not an option or argument of mamori-center",
               "no_value": "the value is missing (a value cannot start with --)",
               "twice": "given more than once",
               "server_admin": "a server option, which admin does not take: only --data and "
                               "--config may come before admin; leave it out"}))
    for args, what, key in cases:
        for env, usage, says in texts:
            r = run(args, env)
            lines = r.stderr.splitlines()
            check(r.returncode == 2 and len(lines) >= 2 and
                  lines[0] == "mamori-center: %s: %s" % (what, says[key]) and
                  lines[1].startswith(usage) and r.stdout == "",
                  "server usage %r: exit %d, %r" % (args, r.returncode, r.stderr))
            check(not os.path.exists(data) and not os.path.exists(data + "2"),
                  "server usage %r: made %s" % (args, data))
    for args in (["--help"], ["--help", "--help"], ["-h", "--help"]):  # help twice is help
        r = run(args, EN)
        check(r.returncode == 0 and r.stdout.startswith("Usage: mamori-center --data ") and
              r.stderr == "", "%r: %d %r" % (args, r.returncode, r.stderr))
    # the main help's language: --lang ja|en on the line, before or after --help, as admin's
    for args, env, usage in ((["--help", "--lang", "ja"], EN, "使い方: mamori-center --data "),
                             (["--lang", "en", "-h"], JA, "Usage: mamori-center --data ")):
        r = run(args, env)
        check(r.returncode == 0 and r.stdout.startswith(usage) and "[--lang ja|en]" in r.stdout
              and r.stderr == "", "%r: %d %r %r" % (args, r.returncode, r.stdout[:60], r.stderr))
    # ... and of the server's usage errors; another value is one of them
    for args, env, line in ((["--lang", "ja", "--bogus"], EN,
                             "mamori-center: --bogus: mamori-center のオプションでも引数でもありません"),
                            (["--bogus", "--lang", "en"], JA,
                             "mamori-center: --bogus: not an option or argument of mamori-center"),
                            (["--help", "--lang", "fr"], EN,
                             "mamori-center: --lang: the language must be ja or en"),
                            (["--lang", "ja", "--lang", "en", "--help"], JA,
                             "mamori-center: --lang: given more than once"),
                            # a folder named admin is --data's value, not the word admin
                            (["--data", "admin", "--lang", "ja", "--bogus"], EN,
                             "mamori-center: --bogus: mamori-center のオプションでも引数でもありません"),
                            # the server's own start-up errors too
                            (["--data", "", "--lang", "ja"], EN,
                             "mamori-center: データを置くフォルダーを --data で指定してください")):
        r = run(args, env)
        check(r.returncode == 2 and r.stderr.splitlines()[0] == line and r.stdout == "",
              "%r: %d %r" % (args, r.returncode, r.stderr))
    # admin's own help, with or without --data, creating nothing
    for args, env, usage in ((["admin", "--help"], EN, "Usage: mamori-center admin --data "),
                             (["admin", "-h"], JA, "使い方: mamori-center admin --data "),
                             (["admin", "--data", data, "user", "--help"], EN,
                              "Usage: mamori-center admin --data "),
                             # --lang anywhere on the line is the help's language
                             (["admin", "--help", "--lang", "ja"], EN,
                              "使い方: mamori-center admin --data "),
                             (["admin", "--lang", "en", "-h"], JA,
                              "Usage: mamori-center admin --data "),
                             (["admin", "--data", data, "tenant", "list", "--help", "--lang", "ja"],
                              EN, "使い方: mamori-center admin --data ")):
        r = run(args, env)
        check(r.returncode == 0 and r.stdout.startswith(usage) and r.stderr == "" and
              not os.path.exists(data), "%r: %d %r %r" % (args, r.returncode, r.stdout[:60],
                                                           r.stderr))
    # what admin takes, --data and --config, still works before the word and after it
    cfg = os.path.join(tmp, "usage.ini")
    write(cfg, "[auth]\npassword_cost = min\n")
    for args in (["--data", data, "--config", cfg, "admin", "tenant", "list"],
                 ["--config", cfg, "admin", "--data", data, "tenant", "list"],
                 ["admin", "--data", data, "--config", cfg, "tenant", "list"]):
        r = run(args, EN)
        check(r.returncode == 0 and r.stderr == "" and
              os.path.exists(os.path.join(data, "center.db")),
              "%r: %d %r" % (args, r.returncode, r.stderr))
        shutil.rmtree(data)


def admin_lang(tmp):
    """An admin subcommand's --lang ja|en also chooses the language of its messages (they
    followed the environment only), wherever it stands among the subcommand's options;
    without it, the environment's."""
    data = os.path.join(tmp, "admin-lang-data")
    add = ["admin", "--data", data, "user", "add", "--role", "admin", "--email", "not-an-address"]
    for args, env, want in ((add + ["--lang", "ja"], EN, "メールアドレスの形が正しくありません"),
                            (add[:5] + ["--lang", "ja"] + add[5:], EN,
                             "メールアドレスの形が正しくありません"),
                            (add + ["--lang", "en"], JA, "not a valid e-mail address"),
                            (add, JA, "メールアドレスの形が正しくありません"),
                            (add, EN, "not a valid e-mail address")):
        r = run(args, env)
        check(r.returncode == 2 and r.stderr == "mamori-center admin: --email: %s: not-an-address\n"
              % want and not os.path.exists(data), "admin %r, %r: %r" % (args, env, r))
    # ... but only where the subcommand's options are read: a --lang the usage refuses
    # (before the subcommand, in one that takes none, past a word refused before it, a
    # second one) is refused in the environment's language (it was found anywhere after
    # `admin`, the last one winning)
    at = ["admin", "--data", data]
    ja_usage, en_usage = "使い方: mamori-center admin", "Usage: mamori-center admin"
    for args, env, what, want, usage in (
            (at + ["--lang", "en", "tenant", "list"], JA, "--lang",
             "管理用のサブコマンドではありません", ja_usage),
            (at + ["user", "list", "--lang", "en"], JA, "--lang",
             "このサブコマンドのオプションでも引数でもありません", ja_usage),
            (at + ["sensor", "revoke", "7", "--lang", "ja"], EN, "--lang",
             "not an option or argument of this subcommand", en_usage),
            (at + ["tenant", "add", "--name", "N", "--bogus", "--lang", "en"], JA, "--bogus",
             "このサブコマンドのオプションでも引数でもありません", ja_usage),
            (at + ["tenant", "add", "--name", "N", "--lang", "ja", "--lang", "en"], EN, "--lang",
             "2 回以上指定されています", ja_usage),
            (at + ["tenant", "add", "--lang", "en", "--name", "N", "--bogus"], JA, "--bogus",
             "not an option or argument of this subcommand", en_usage)):
        r = run(args, env)
        lines = r.stderr.splitlines()
        check(r.returncode == 2 and lines[0] == "mamori-center admin: %s: %s" % (what, want) and
              lines[1].startswith(usage) and not os.path.exists(data),
              "admin %r, %r: %r" % (args, env, r))


def run(args, env, preexec_fn=None):
    return subprocess.run([BIN] + args, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **env), preexec_fn=preexec_fn)


def fsize_limit(limit):
    """A preexec_fn setting RLIMIT_FSIZE (ulimit -f) to limit bytes, with SIGXFSZ back at
    its default action (the child inherits an ignored one)."""
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return pre


def admin_file_size(tmp):
    """An admin subcommand whose database writes pass the file size limit (RLIMIT_FSIZE):
    exit 1 and one line with the EFBIG text and its step (raise the limit, or another
    file system) in the environment's language, not killed by SIGXFSZ (only the server
    ignored it; the database's messages said SQLite's "disk I/O error", and a commit
    that failed said nothing). 4096 bytes stop the database's set-up (its lock or its
    shared-memory file), 200000 the commit of its first schema."""
    ini = os.path.join(tmp, "fsize.ini")
    write(ini, "[auth]\npassword_cost = min\n")
    for limit in (4096, 200000):
        for env, words in ((EN, ["ulimit -f", "LimitFSIZE=", "another file system"]),
                           (JA, ["ulimit -f", "LimitFSIZE=", "別のファイルシステム"])):
            data = os.path.join(tmp, "fsize-data")
            r = run(["admin", "--data", data, "--config", ini, "tenant", "add", "--name", "N"],
                    env, preexec_fn=fsize_limit(limit))
            check(r.returncode == 1 and r.stdout == "" and len(r.stderr.splitlines()) == 1 and
                  r.stderr.startswith("mamori-center admin: ") and
                  all(w in r.stderr for w in words),
                  "admin past RLIMIT_FSIZE %d (exit < 0: killed by a signal): %r" % (limit, r))
            shutil.rmtree(data)


# (settings file, extra options, Japanese message, English message); FILE is the file's path,
# DIR the test's directory (cert.pem and key.pem there have PEM armour lines, notpem.txt none,
# enc-key.pem and enc-rsa-key.pem are keys behind a passphrase).
CONFIG_ERRORS = [
    ("[server]\nthreads = 999\n", [], "FILE: [server] threads には 1 から 64 までの整数を書いてください",
     "FILE: [server] threads must be an integer 1-64"),
    ("[server]\nsync = sometimes\n", [], "FILE: [server] sync には full か normal を",
     "FILE: [server] sync must be full or normal"),
    ("[server]\nlisten = nonsense\n", [], "FILE: [server] listen には アドレス:ポート か",
     'FILE: [server] listen must be ADDR:PORT or [ADDR]:PORT (port 0-65535), got "nonsense"'),
    ("[auth]\npassword_cost = low\n", [], "FILE: [auth] password_cost には interactive か min を",
     "FILE: [auth] password_cost must be interactive or min"),
    ("[alerts]\nwindow = 0\n", [], "FILE: [alerts] window には 1 から",
     "FILE: [alerts] window must be an integer 1-"),
    ("[mail]\nstarttls = sometimes\n", [],
     "FILE: [mail] starttls には try、always、never のどれかを書いてください",
     "FILE: [mail] starttls must be try, always or never"),
    ("[mail]\nport = abc\n", [], "FILE: [mail] port には 1 から 65535 までの整数を",
     "FILE: [mail] port must be an integer 1-65535"),
    ("[mail]\nimmediate_max = -1\n", [], "FILE: [mail] immediate_max には 1 から 1000 までの整数を",
     "FILE: [mail] immediate_max must be an integer 1-1000"),
    ("[mail]\nenabled = yes\n", [], "FILE: [mail] enabled には送信に使うメールサーバー（host）の指定も",
     "FILE: [mail] enabled needs host"),
    ("[mail]\nenabled = maybe\nhost = 127.0.0.1\n", [], "FILE: [mail] enabled には yes か no を",
     "FILE: [mail] enabled must be yes or no"),
    ("[reports]\ntimezone = Mars/Olympus\n", [],
     "FILE: [reports] timezone Mars/Olympus がこのマシンのタイムゾーンデータベースにありません",
     "FILE: [reports] timezone Mars/Olympus is not in the system time zone database"),
    ("[reports]\ntimezone = ../etc/passwd\n", [], "FILE: [reports] timezone には Asia/Tokyo のような",
     "FILE: [reports] timezone must be a tz database name"),
    ("", ["--listen", "127.0.0.1:99999"], "--listen: アドレス:ポート か [アドレス]:ポート",
     '--listen: expected ADDR:PORT or [ADDR]:PORT (port 0-65535), got "127.0.0.1:99999"'),
    ("", ["--listen", "nonsense"], "--listen: アドレス:ポート か [アドレス]:ポート",
     '--listen: expected ADDR:PORT or [ADDR]:PORT (port 0-65535), got "nonsense"'),
    # --threads named as --listen is (it printed only the usage)
    ("", ["--threads", "0"], '--threads: 1 から 64 までの整数を書いてください（指定された値: "0"）',
     '--threads: expected an integer 1-64, got "0"'),
    ("", ["--threads", "65"], '--threads: 1 から 64 までの整数を書いてください（指定された値: "65"）',
     '--threads: expected an integer 1-64, got "65"'),
    ("", ["--threads", "abc"], "--threads: 1 から 64 までの整数を",
     '--threads: expected an integer 1-64, got "abc"'),
    ("", ["--threads", "4x"], "--threads: 1 から 64 までの整数を",
     '--threads: expected an integer 1-64, got "4x"'),
    # digits only (strtol read these as 4)
    ("", ["--threads", "+4"], "--threads: 1 から 64 までの整数を",
     '--threads: expected an integer 1-64, got "+4"'),
    ("", ["--threads", " 4"], "--threads: 1 から 64 までの整数を",
     '--threads: expected an integer 1-64, got " 4"'),
    ("[server]\nthreads = +4\n", [], "FILE: [server] threads には 1 から 64 までの整数を書いてください",
     "FILE: [server] threads must be an integer 1-64"),
    ("", ["--listen", "127.0.0.1:+80"], "--listen: アドレス:ポート か [アドレス]:ポート",
     '--listen: expected ADDR:PORT or [ADDR]:PORT (port 0-65535), got "127.0.0.1:+80"'),
    ("", ["--listen", "127.0.0.1: 80"], "--listen: アドレス:ポート か [アドレス]:ポート",
     '--listen: expected ADDR:PORT or [ADDR]:PORT (port 0-65535), got "127.0.0.1: 80"'),
    ("[server]\ntls_cert = /nonexistent.pem\n", [], "HTTPS には証明書と秘密鍵の両方が必要です",
     "HTTPS needs both a certificate and a key"),
    # the TLS files are read before anything starts (they exited 1 after the data directory)
    ("[server]\ntls_cert = DIR/none.crt\ntls_key = DIR/key.pem\n", [],
     "FILE: [server] tls_cert: TLS 証明書（HTTPS の暗号化に使う証明書） DIR/none.crt を読めません"
     "（ファイルまたはフォルダーが見つかりません）",
     "FILE: [server] tls_cert: cannot read the TLS certificate DIR/none.crt "
     "(no such file or folder)"),
    ("[server]\ntls_cert = DIR/cert.pem\ntls_key = DIR\n", [],
     "FILE: [server] tls_key: TLS の秘密鍵 DIR を読めません（フォルダーです。ファイルを指定してください）",
     "FILE: [server] tls_key: cannot read the TLS key DIR (is a directory; give a file)"),
    ("[server]\ntls_cert = DIR/cert.pem\ntls_key = DIR/cert.pem\n", [],
     "FILE: [server] tls_key: DIR/cert.pem は PEM 形式の秘密鍵ではありません",
     "FILE: [server] tls_key: DIR/cert.pem is not a PEM private key"),
    ("", ["--tls-cert", "DIR/notpem.txt", "--tls-key", "DIR/key.pem"],
     "--tls-cert: DIR/notpem.txt は PEM 形式の証明書ではありません（-----BEGIN CERTIFICATE----- の行が",
     "--tls-cert: DIR/notpem.txt is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)"),
    ("[server]\ntls_cert = DIR/cert.pem\ntls_key = DIR/key.pem\n",
     ["--tls-key", "DIR/none.key"], "--tls-key: TLS の秘密鍵 DIR/none.key を読めません",
     "--tls-key: cannot read the TLS key DIR/none.key (no such file or folder)"),
    # a NUL inside: refused, and the key's bytes past it cleared too (an ASan run reads them)
    ("[server]\ntls_cert = DIR/cert.pem\ntls_key = DIR/nul-key.pem\n", [],
     "FILE: [server] tls_key: DIR/nul-key.pem は PEM 形式の秘密鍵ではありません",
     "FILE: [server] tls_key: DIR/nul-key.pem is not a PEM private key"),
    # a key behind a passphrase (PKCS#8 or traditional) failed only when the server listened
    ("[server]\ntls_cert = DIR/cert.pem\ntls_key = DIR/enc-key.pem\n", [],
     "FILE: [server] tls_key: TLS の秘密鍵 DIR/enc-key.pem はパスフレーズで保護されています",
     "FILE: [server] tls_key: the TLS key DIR/enc-key.pem is protected by a passphrase, which "
     "the server cannot enter: give a key without a passphrase"),
    ("", ["--tls-cert", "DIR/cert.pem", "--tls-key", "DIR/enc-rsa-key.pem"],
     "--tls-key: TLS の秘密鍵 DIR/enc-rsa-key.pem はパスフレーズで保護されています。"
     "サーバーはパスフレーズを入力できないため、保護のない鍵を指定してください",
     "--tls-key: the TLS key DIR/enc-rsa-key.pem is protected by a passphrase"),
    # the port file's directory: it failed at the end of the start-up, the database made
    # (the server's option only: the admin command writes no port file)
    ("", ["--port-file", "DIR/none/port"],
     "--port-file: DIR/none/port を書き込めません（DIR/none: ファイルまたはフォルダーが見つかりません）",
     "--port-file: cannot write DIR/none/port (DIR/none: no such file or folder)"),
    # an empty name (the directory ".") passed, then failed after center.db was made
    ("", ["--port-file", ""], "--port-file: \"\" はファイルの名前ではありません（空か、/ で終わっています）",
     "--port-file: \"\" is not a file name (it is empty or ends in /)"),
    ("", ["--port-file", "DIR/"], "--port-file: \"DIR/\" はファイルの名前ではありません",
     "--port-file: \"DIR/\" is not a file name (it is empty or ends in /)"),
    ("", ["--port-file", "DIR"], "--port-file: DIR を書き込めません（DIR: フォルダーです",
     "--port-file: cannot write DIR (DIR: is a directory; give a file)"),
    # a file where its directory should be: said so (it was "no such file or entry")
    ("", ["--port-file", "DIR/notpem.txt/port"],
     "--port-file: DIR/notpem.txt/port を書き込めません（DIR/notpem.txt: フォルダーがあるはずの"
     "ところにファイルがあります。指定した場所を確かめてください）",
     "--port-file: cannot write DIR/notpem.txt/port (DIR/notpem.txt: there is a file where a "
     "directory should be; check the path)"),
    # [mail] host, base_url, duty and ca_file were first used when a mail went out
    ("[mail]\nhost = ::1\n", [], "FILE: [mail] host にはメールサーバーの名前かアドレスを書いてください",
     'FILE: [mail] host must be the SMTP server\'s name or address (an IPv6 address in brackets, '
     'like [2001:db8::25]), got "::1"'),
    ("[mail]\nhost = 127.0.0.1\nbase_url = centre.example.jp\n", [],
     "FILE: [mail] base_url には https:// か http:// で始まり、その後にサーバーの名前かアドレスが続く",
     'FILE: [mail] base_url must be a web address starting with https:// or http:// and the '
     'server\'s name or address, without spaces, got "centre.example.jp"'),
    ("[mail]\nhost = 127.0.0.1\nduty = soc@vendor.example, on duty\n", [],
     "FILE: [mail] duty の \"on duty\" はメールアドレスではありません",
     "FILE: [mail] duty: \"on duty\" is not an e-mail address"),
    ("[mail]\nhost = 127.0.0.1\nca_file = DIR/none-ca.pem\n", [],
     "FILE: [mail] ca_file: DIR/none-ca.pem を読めません（ファイルまたはフォルダーが見つかりません）",
     "FILE: [mail] ca_file: cannot read DIR/none-ca.pem (no such file or folder)"),
    # the rule of the sensor's [uplink] ca_file (mm_file_read_ca): at least one PEM
    # certificate; a file that was not PEM passed and then failed every STARTTLS
    ("[mail]\nhost = 127.0.0.1\nca_file = DIR/notpem.txt\n", [],
     "FILE: [mail] ca_file: DIR/notpem.txt に PEM 形式の証明書がありません（-----BEGIN CERTIFICATE----- の行が"
     "ありません）。SMTP サーバーの証明書を確かめるための CA 証明書（PEM 形式）のファイルを指定してください",
     "FILE: [mail] ca_file: DIR/notpem.txt holds no PEM certificate (no -----BEGIN CERTIFICATE----- "
     "line); give a file of CA certificates (PEM) to check the SMTP server's certificate"),
    ("[mail]\nhost = 127.0.0.1\nca_file = DIR/key.pem\n", [],
     "FILE: [mail] ca_file: DIR/key.pem に PEM 形式の証明書がありません",
     "FILE: [mail] ca_file: DIR/key.pem holds no PEM certificate"),
    ("[mail]\nhost = 127.0.0.1\nca_file = DIR\n", [],
     "FILE: [mail] ca_file: DIR を読めません（フォルダーです。ファイルを指定してください）",
     "FILE: [mail] ca_file: cannot read DIR (is a directory; give a file)"),
    # a path through a file (it was "input/output error")
    ("[mail]\nhost = 127.0.0.1\nca_file = DIR/notpem.txt/ca.pem\n", [],
     "FILE: [mail] ca_file: DIR/notpem.txt/ca.pem を読めません（フォルダーがあるはずのところに"
     "ファイルがあります。指定した場所を確かめてください）",
     "FILE: [mail] ca_file: cannot read DIR/notpem.txt/ca.pem (there is a file where a "
     "directory should be; check the path)"),
]

PEM = {"cert.pem": "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
       "key.pem": "-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\n",
       "enc-key.pem": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n"
                      "-----END ENCRYPTED PRIVATE KEY-----\n",
       "enc-rsa-key.pem": "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                          "DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAA==\n"
                          "-----END RSA PRIVATE KEY-----\n",
       "nul-key.pem": "-----BEGIN EC PRIVATE KEY-----\nAA\0==\n-----END EC PRIVATE KEY-----\n",
       "notpem.txt": "not a certificate\n"}


def reads_files(text, extra):
    """Whether a row of CONFIG_ERRORS is about a file only the server reads: the TLS
    certificate or key (given as a pair) or [mail] ca_file."""
    both = ("tls_cert =" in text or "--tls-cert" in extra) and \
        ("tls_key =" in text or "--tls-key" in extra)
    return both or "ca_file =" in text


def config_errors(tmp):
    """Every wrong setting exits 2 with one line naming it, before the server has made its
    data directory or written its port file (they used to be checked part-way through the
    start-up: [mail], [reports] timezone and --listen exited 1 as a log line, so did an
    unreadable TLS file). The admin command refuses the same file with the same line (it
    did not read [mail], and a wrong timezone exited 1 after the data directory), except
    for the files it does not use, which it does not read: the TLS certificate and key and
    [mail] ca_file (an unreadable key stopped admin, exit 2)."""
    bad, data, port = (os.path.join(tmp, n) for n in ("bad.ini", "bad-data", "bad-port"))
    for name, text in PEM.items():
        write(os.path.join(tmp, name), text)
    for text, extra, ja, en in CONFIG_ERRORS:
        text = text.replace("DIR", tmp)
        extra = [a.replace("DIR", tmp) for a in extra]
        write(bad, text)
        # the file's listen is the one in force only without --listen (given once)
        listen = ([] if "\nlisten =" in "\n" + text or "--listen" in extra
                  else ["--listen", "127.0.0.1:0"])
        for env, want in ((JA, ja), (EN, en)):
            want = "mamori-center: " + want.replace("FILE", bad).replace("DIR", tmp)
            port_file = [] if "--port-file" in extra else ["--port-file", port]
            for how, args in (("server", ["--data", data, "--config", bad] + port_file +
                               listen + extra),
                              ("admin", extra + ["admin", "--data", data, "--config", bad,
                                                 "tenant", "list"])):
                # the server's options before `admin` are refused as such, whatever their value
                if how == "admin" and refused_before_admin(args, data, env):
                    continue
                r = run(args, env)
                if how == "admin" and reads_files(text, extra):
                    # admin serves no TLS and sends no mail: it does not read those files
                    check(r.returncode == 0 and "Error" not in r.stderr,
                          "admin %r %r: exit %d: %s" % (text, extra, r.returncode, r.stderr))
                    shutil.rmtree(data)
                    continue
                check(r.returncode == 2 and r.stderr.startswith(want) and
                      len(r.stderr.splitlines()) == 1,
                      "%s %r %r: exit %d: %s" % (how, text, extra, r.returncode, r.stderr))
                check(not os.path.exists(data) and not os.path.exists(port),
                      "%s %r %r: started part-way" % (how, text, extra))


def only_in_force(tmp):
    """Only the value in force is checked: a wrong [server] listen that --listen replaces is
    a warning naming the file and key (it was an error), and [mail] ca_file is not read with
    mail off; the server starts and stops cleanly. The admin command warns about a key
    nothing reads, as the server does (it did not read [mail], so it kept quiet)."""
    write(os.path.join(tmp, "center.ini"), "[server]\nlisten = nonsense\n[auth]\n"
          "password_cost = min\n[mail]\nhost = 127.0.0.1\nenabled = no\n"
          "ca_file = /nonexistent/ca.pem\n")
    path = os.path.join(tmp, "center.ini")
    for env, want in ((EN, path + ': [server] listen "nonsense" is not ADDR:PORT or [ADDR]:PORT; '
                       "--listen 127.0.0.1:0 is used instead"),
                      (JA, path + ': [server] listen の値 "nonsense" は アドレス:ポート か '
                       "[アドレス]:ポート の形ではないため、--listen の 127.0.0.1:0 を使います")):
        log = serve_and_stop(tmp, env)
        warns = [line for line in log.splitlines() if " warn: " in line]
        check(len(warns) == 1 and want in warns[0], "replaced listen: " + log)
    # the admin command reads the file as the server does, [mail] included: it names a typo
    write(path, "[auth]\npassword_cost = min\n[mail]\nstartls = always\n")
    r = run(["admin", "--data", os.path.join(tmp, "data"), "--config", path, "tenant", "list"], EN)
    check(r.returncode == 0 and len(r.stderr.splitlines()) == 1 and
          PREFIX.match(r.stderr) and "[mail] startls is not a setting" in r.stderr,
          "admin, typo: %d %s" % (r.returncode, r.stderr))


def main():
    tmp = tempfile.mkdtemp(prefix="mm-center-lang-")
    try:
        write(os.path.join(tmp, "center.ini"), "[auth]\npassword_cost = min\n")
        log = serve_and_stop(tmp, JA)
        check("受け付けを始めました" in log and "127.0.0.1:0" in log, "start-up, ja: " + log)
        check("処理中の要求を終えてから止まります" in log and "正常に停止しました" in log,
              "stop, ja: " + log)
        log = serve_and_stop(tmp, dict(EN, LC_ALL="ja_JP.UTF-8"))
        check("正常に停止しました" in log, "LC_ALL wins over LANG: " + log)
        log = serve_and_stop(tmp, EN)
        check("listening on http://127.0.0.1:0" in log and "stopped cleanly" in log,
              "start-up, en: " + log)
        # a bad configuration value: exit 2 before anything starts (no data directory, no
        # port file), the message names file, section and key and what it takes
        config_errors(tmp)
        only_in_force(tmp)
        admin_usage_in_man(tmp)
        admin_lang(tmp)
        admin_file_size(tmp)
        server_usage(tmp)
        r = run(["--data", os.path.join(tmp, "data"), "--config", os.path.join(tmp, "nope.ini")],
                JA)
        check(r.returncode == 2 and "nope.ini: 設定ファイルが見つかりません" in r.stderr,
              "missing config, ja: " + r.stderr)
        if shutil.which("openssl"):
            documented_settings(tmp)
            x509_armour(tmp)
            tls_pair(tmp)
        else:
            print("SKIP part: openssl not installed, documented settings and TLS pairs not tested")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS test-center-lang")
    return 0


if __name__ == "__main__":
    sys.exit(main())
