#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mamori-center's log lines and start-up errors in the environment's
language (LC_ALL, LC_MESSAGES, LANG; English otherwise): the real server on
127.0.0.1 with a port the kernel picks. The "time prog[pid]: level:" prefix
stays the same in both languages. Exit 0 pass, 1 fail."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from centerlib import BIN, check  # noqa: E402

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


def run(args, env):
    return subprocess.run([BIN] + args, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **env))


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
        # a bad configuration value: exit 2, the message names file, section and key
        bad = os.path.join(tmp, "bad.ini")
        write(bad, "[server]\nthreads = 999\n")
        r = run(["--data", os.path.join(tmp, "data"), "--config", bad], JA)
        check(r.returncode == 2, "bad config exit %d" % r.returncode)
        check("mamori-center: " + bad + ": [server] threads には 1 から 64 までの整数を書いてください"
              in r.stderr, "bad config, ja: " + r.stderr)
        r = run(["--data", os.path.join(tmp, "data"), "--config", bad], EN)
        check("[server] threads must be an integer 1-64" in r.stderr, "bad config, en: " + r.stderr)
        r = run(["--data", os.path.join(tmp, "data"), "--config", os.path.join(tmp, "nope.ini")],
                JA)
        check(r.returncode == 2 and "nope.ini: 設定ファイルが見つかりません" in r.stderr,
              "missing config, ja: " + r.stderr)
        write(bad, "[mail]\nstarttls = sometimes\n")
        r = run(["--data", os.path.join(tmp, "data"), "--config", bad, "--listen", "127.0.0.1:0"],
                JA)
        check(r.returncode == 1 and PREFIX.match(r.stderr.splitlines()[-1]) and
              "mail: [mail] starttls には try、always、never のどれかを書いてください" in r.stderr,
              "mail config, ja: " + r.stderr)
        r = run(["--data", os.path.join(tmp, "data"), "--listen", "nonsense"], JA)
        check(r.returncode == 1 and "--listen: アドレス:ポート か [アドレス]:ポート の形で" in r.stderr,
              "bad listen, ja: " + r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS test-center-lang")
    return 0


if __name__ == "__main__":
    sys.exit(main())
