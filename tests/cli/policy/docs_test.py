#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the documents `mamori policy` generates (stdlib only).

1. The Markdown of each fixture profile in golden/<profile>-<lang>/ must match
   exactly (UPDATE_GOLDEN=1 rewrites the golden files; read them before
   committing): full.ini (everything applies) and minimal.ini (no website,
   My Number, Wi-Fi, telework, personal devices or outsourcing).
2. For the minimal profile the left-out chapters and sections are absent, the
   My Number note is there, and policy.json lists what was omitted.
3. Invalid profiles exit 3 and leave no output directory behind.
4. With a diagnosis, the unfinished items become rules with owner/deadline.
5. Regenerating into an existing directory replaces it whole; a run that
   fails part-way, or meets a file mamori did not write, changes nothing.
6. The documents, read by staff, hold no command line, option or profile
   setting (the left-out chapter 9 and 11 notes once did).

Usage: docs_test.py --bin PROGRAM
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
GOLDEN = os.path.join(HERE, "golden")
DOCS = ("basic-policy.md", "handbook.md", "rules.md")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def test_env(tmp):
    """HOME and XDG_DATA_HOME in tmp: policy never reads a diagnosis kept in
    the real home."""
    return dict(os.environ, TZ="UTC", MAMORI_DATE="2026-04-01", LC_ALL="", LANG="C.UTF-8",
                HOME=tmp, XDG_DATA_HOME=os.path.join(tmp, "data"))


def run(binary, args, tmp):
    env = test_env(tmp)
    return subprocess.run([binary] + args, capture_output=True, stdin=subprocess.DEVNULL, env=env, cwd=tmp, timeout=60)


def generate(binary, tmp, profile, lang, extra=()):
    out = os.path.join(tmp, "%s-%s" % (profile, lang))
    proc = run(binary, ["--lang", lang, "policy", "--profile",
                        os.path.join(FIXTURES, profile + ".ini"), "--out", out] + list(extra), tmp)
    check(proc.returncode == 0, "%s/%s: exit %d: %s" % (profile, lang, proc.returncode,
                                                        proc.stderr.decode()))
    return out


def compare_golden(out, name, update):
    gdir = os.path.join(GOLDEN, name)
    for doc in DOCS:
        got = open(os.path.join(out, doc), encoding="utf-8").read()
        path = os.path.join(gdir, doc)
        if update:
            os.makedirs(gdir, exist_ok=True)
            open(path, "w", encoding="utf-8").write(got)
            continue
        want = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if want != got:
            import difflib
            d = "".join(list(difflib.unified_diff((want or "").splitlines(True),
                                                  got.splitlines(True), path, "actual"))[:60])
            failures.append("%s/%s differs from golden:\n%s" % (name, doc, d))


def check_minimal(out, lang):
    rules = open(os.path.join(out, "rules.md"), encoding="utf-8").read()
    handbook = open(os.path.join(out, "handbook.md"), encoding="utf-8").read()
    manifest = json.load(open(os.path.join(out, "policy.json"), encoding="utf-8"))
    absent = {"ja": ["自社ウェブサイトの運用", "無線 LAN（Wi-Fi）", "### テレワーク",
                     "### 私物の機器の業務利用\n", "### 委託先のチェックリスト", "### 担当者と事務"],
              "en": ["Running our website", "Wireless LAN (Wi-Fi)", "### Telework",
                     "### Personal devices for work\n", "### Contractor checklist",
                     "### Staff and tasks"]}[lang]
    present = {"ja": ["## 第11章 マイナンバーの取り扱い（省略）\n\n> この章は省略しています。",
                      "### 私物の機器の業務利用の禁止", "業務を外部に委託していません"],
               "en": ["## Chapter 11 Handling My Number (left out)\n\n> This chapter is left out",
                      "### Personal devices for work prohibited",
                      "We do not currently outsource"]}[lang]
    for text in absent:
        check(text not in rules, "minimal/%s: rules.md should not contain %r" % (lang, text))
    for text in present:
        check(text in rules, "minimal/%s: rules.md lacks %r" % (lang, text))
    check(("## テレワーク" if lang == "ja" else "## Telework") not in handbook,
          "minimal/%s: handbook has a telework section" % lang)
    omitted = manifest["chapters"]["omitted"]
    check([c["id"] for c in omitted] == ["my-number"], "minimal/%s: omitted %r" % (lang, omitted))
    check(len(manifest["chapters"]["included"]) == 10, "minimal/%s: 10 chapters" % lang)
    check(manifest["sections_omitted"] == ["website", "wifi", "telework", "byod",
                                           "outsourcing-details"],
          "minimal/%s: sections_omitted %r" % (lang, manifest["sections_omitted"]))
    check(manifest["organisation"] == "まもり工房", "minimal: organisation")
    check(manifest["reference"].startswith("POL-20260401-"), "minimal: reference")


def check_full(out, lang):
    manifest = json.load(open(os.path.join(out, "policy.json"), encoding="utf-8"))
    check(len(manifest["chapters"]["included"]) == 11, "full/%s: 11 chapters" % lang)
    check(manifest["sections_omitted"] == [], "full/%s: nothing omitted" % lang)
    html = open(os.path.join(out, "rules.html"), encoding="utf-8").read()
    check('<html lang="%s">' % lang in html and "@page" in html and "☐" in html,
          "full/%s: rules.html is a print-ready page with the checklist" % lang)


# A command line, an option or a profile setting: the documents are read by
# staff, so they say what to do in words (the command says how, on its own
# output, to whoever runs it).
COMMAND_LINE = re.compile(r"mamori (rules|diagnose|policy|declare|risk|threats|audit)\b|"
                          r"(^|[\s(（「\"])--[a-z]|\b[a-z_]+ = (yes|no)\b")


def check_plain_words(out, name):
    for doc in DOCS:
        text = open(os.path.join(out, doc), encoding="utf-8").read()
        for m in COMMAND_LINE.finditer(text):
            line = text[text.rfind("\n", 0, m.start()) + 1:text.find("\n", m.end())]
            check(False, "%s/%s: a command line in a document for staff: %r" % (name, doc, line))


def check_invalid(binary, tmp):
    for name in ("no-name", "bad-bool", "negative-employees", "unknown-field", "syntax"):
        out = os.path.join(tmp, "bad-" + name)
        proc = run(binary, ["policy", "--profile", os.path.join(FIXTURES, name + ".ini"),
                            "--out", out], tmp)
        check(proc.returncode == 3, "%s: exit %d, expected 3" % (name, proc.returncode))
        check(not os.path.exists(out), "%s: output directory left behind" % name)
    leftovers = [f for f in os.listdir(tmp) if ".partial-" in f]
    check(not leftovers, "temporary directories left: %r" % leftovers)


def check_diagnosis(binary, tmp):
    diag = os.path.join(HERE, "..", "declare", "fixtures", "diagnosis-incomplete.json")
    out = generate(binary, tmp, "full", "en", ["--diagnosis", diag])
    rules = open(os.path.join(out, "rules.md"), encoding="utf-8").read()
    manifest = json.load(open(os.path.join(out, "policy.json"), encoding="utf-8"))
    data = json.load(open(diag))
    todo = sorted(i["id"] for i in data["items"] if i["answer"] not in ("done", "na"))
    todo = sorted(set(todo) | ({i for i in range(1, 26)} - {i["id"] for i in data["items"]}))
    check(manifest["diagnosis_rules"] == todo,
          "diagnosis rules %r, expected %r" % (manifest["diagnosis_rules"], todo))
    for item in todo:
        check("### D-%02d " % item in rules, "rules.md lacks rule D-%02d" % item)
    check(rules.count("Owner: ＿") == len(todo), "one owner field per diagnosis rule")
    check(rules.count("Deadline: ＿") == len(todo), "one deadline field per diagnosis rule")
    # The minimal profile says wifi = no, but item 9 (Wi-Fi encryption) is
    # answered "done": the office has Wi-Fi, so its section stays (it was
    # dropped) and stderr says how to make the two agree.
    out = os.path.join(tmp, "minimal-diag-ja")
    proc = run(binary, ["--lang", "ja", "policy", "--profile",
                        os.path.join(FIXTURES, "minimal.ini"), "--diagnosis", diag, "--out", out],
               tmp)
    rules = open(os.path.join(out, "rules.md"), encoding="utf-8").read()
    manifest = json.load(open(os.path.join(out, "policy.json"), encoding="utf-8"))
    check(proc.returncode == 0 and "### 無線 LAN（Wi-Fi）" in rules and
          "wifi" not in manifest["sections_omitted"] and manifest["profile"]["wifi"] is True and
          "項目 9 を「該当しない」と答え直してください" in proc.stderr.decode(),
          "wifi = no with item 9 answered: exit %d, omitted %r, stderr %r" %
          (proc.returncode, manifest["sections_omitted"], proc.stderr.decode()))
    # The other way round: the full profile says wifi = yes and cloud = yes,
    # but items 9 and 23 are answered "not applicable". The profile is kept
    # (and its sections), and stderr says how to make each pair agree.
    out = os.path.join(tmp, "full-na-ja")
    proc = run(binary, ["--lang", "ja", "policy", "--profile",
                        os.path.join(FIXTURES, "full.ini"), "--diagnosis",
                        os.path.join(FIXTURES, "diagnosis-no-wifi-no-cloud.json"), "--out", out],
               tmp)
    manifest = json.load(open(os.path.join(out, "policy.json"), encoding="utf-8"))
    err = proc.stderr.decode()
    check(proc.returncode == 0 and manifest["sections_omitted"] == [] and
          manifest["profile"]["wifi"] is True and manifest["profile"]["cloud"] is True and
          "wifi = no に直し" in err and "cloud = no に直し" in err and
          "項目 9 を「できている」" in err and "項目 23 を「できている」" in err,
          "wifi/cloud = yes with items 9/23 not applicable: exit %d, omitted %r, stderr %r" %
          (proc.returncode, manifest["sections_omitted"], err))


def snapshot(d):
    return {f: open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))}


def leftovers(parent):
    return [f for f in os.listdir(parent) if ".partial-" in f or ".old-" in f]


def check_replace(binary, tmp):
    """Regenerating into an existing directory replaces it whole; a failure
    part-way (a file size limit hit at rules.md) or a foreign file leaves the
    earlier documents byte for byte and no temporary directory behind."""
    parent = os.path.join(tmp, "replace")
    os.makedirs(parent)
    out = os.path.join(parent, "policy")
    args = ["--profile", os.path.join(FIXTURES, "full.ini"), "--out", out]
    proc = run(binary, ["--lang", "en", "policy"] + args, tmp)
    check(proc.returncode == 0, "replace: first run exit %d" % proc.returncode)
    first = snapshot(out)

    def limited():  # basic-policy and handbook fit, rules.md does not
        import resource
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (12000, 12000))

    env = test_env(tmp)
    proc = subprocess.run([binary, "--lang", "ja", "policy"] + args, capture_output=True, stdin=subprocess.DEVNULL, env=env,
                          cwd=tmp, timeout=60, preexec_fn=limited)
    check(proc.returncode == 4, "replace: failing run exit %d, expected 4" % proc.returncode)
    check(b"rules.md" in proc.stderr, "replace: error does not name rules.md: %r" % proc.stderr)
    check(snapshot(out) == first, "replace: a failed run changed the earlier documents")
    check(not leftovers(parent), "replace: left behind %r" % leftovers(parent))

    with open(os.path.join(out, "notes.txt"), "w") as f:
        f.write("mine\n")
    proc = run(binary, ["--lang", "ja", "policy"] + args, tmp)
    check(proc.returncode == 4 and "notes.txt" in proc.stderr.decode() and
          "丸ごと置き換える" in proc.stderr.decode(),
          "replace: foreign file: exit %d %r" % (proc.returncode, proc.stderr.decode()))
    check(open(os.path.join(out, "notes.txt")).read() == "mine\n", "replace: notes.txt touched")
    os.unlink(os.path.join(out, "notes.txt"))
    check(snapshot(out) == first, "replace: refused run changed the documents")

    proc = run(binary, ["--lang", "ja", "policy"] + args, tmp)
    check(proc.returncode == 0, "replace: second run exit %d" % proc.returncode)
    second = snapshot(out)
    check(sorted(second) == sorted(first) and all(second[f] != first[f] for f in first),
          "replace: the successful run did not replace every document")
    fresh = generate(binary, tmp, "full", "ja")
    check(second == snapshot(fresh), "replace: differs from a generation into a new directory")
    check(not leftovers(parent), "replace: left behind %r" % leftovers(parent))


def check_edited(binary, tmp):
    """A document edited by hand since mamori wrote it (its SHA-256 in
    policy.json no longer matches) stops the run, naming the file, with
    nothing changed; --force replaces it and keeps the edited one as
    NAME.edited-YYYYMMDD.md, carried over by later runs. A manifest of an
    earlier mamori (no sha256) is replaced as before, with a note."""
    out = os.path.join(tmp, "edited")
    args = ["policy", "--name", "A", "--out", out]
    proc = run(binary, ["--lang", "en"] + args, tmp)
    check(proc.returncode == 0, "edited: first run exit %d" % proc.returncode)
    manifest = json.load(open(os.path.join(out, "policy.json"), encoding="utf-8"))
    check(sorted(manifest.get("sha256", {})) == sorted(manifest["documents"]),
          "edited: sha256 does not cover every document: %r" % manifest.get("sha256"))
    with open(os.path.join(out, "rules.md"), "a", encoding="utf-8") as f:
        f.write("\n追記: 当社独自の規則\n")
    before = snapshot(out)
    for lang, words in (("ja", "mamori が作った後に手で直されています"), ("en", "changed by hand")):
        proc = run(binary, ["--lang", lang] + args, tmp)
        err = proc.stderr.decode()
        check(proc.returncode == 4 and "rules.md: " + words in err and "--force" in err and
              "rules.edited-20260401.md" in err and "handbook.md" not in err,
              "edited/%s: exit %d %r" % (lang, proc.returncode, err))
        check(snapshot(out) == before, "edited/%s: a refused run changed the folder" % lang)
    proc = run(binary, ["--lang", "ja", "policy", "--force",
                        "--name", "A", "--out", out], tmp)
    kept = os.path.join(out, "rules.edited-20260401.md")
    check(proc.returncode == 0 and kept in proc.stdout.decode() and os.path.exists(kept) and
          open(kept, "rb").read() == before["rules.md"] and
          "追記".encode() not in open(os.path.join(out, "rules.md"), "rb").read(),
          "edited: --force exit %d, stdout %r" % (proc.returncode, proc.stdout.decode()))
    proc = run(binary, ["--lang", "en"] + args, tmp)
    check(proc.returncode == 0 and os.path.exists(kept) and not proc.stderr,
          "edited: run after --force: exit %d %r, kept copy %s" %
          (proc.returncode, proc.stderr.decode(), os.path.exists(kept)))
    del manifest["sha256"]
    with open(os.path.join(out, "policy.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f)
    with open(os.path.join(out, "handbook.md"), "a", encoding="utf-8") as f:
        f.write("edited\n")
    proc = run(binary, ["--lang", "en"] + args, tmp)
    check(proc.returncode == 0 and "earlier mamori" in proc.stderr.decode() and
          b"edited" not in open(os.path.join(out, "handbook.md"), "rb").read(),
          "edited: old manifest: exit %d %r" % (proc.returncode, proc.stderr.decode()))
    check(not leftovers(tmp), "edited: left behind %r" % leftovers(tmp))


def check_planted(binary, tmp):
    """A symbolic link or a FIFO planted under a document's name or a kept
    copy's name (DOC.edited-YYYYMMDD.md) is refused like a foreign file:
    nothing is read through it (a root run must not copy a file only root
    may read into a 0644 document) and a FIFO does not make the run wait."""
    out = os.path.join(tmp, "planted")
    secret = os.path.join(tmp, "secret.txt")
    with open(secret, "w") as f:
        f.write("TOP-SECRET\n")
    os.chmod(secret, 0o600)
    args = ["--lang", "en", "policy", "--force", "--name", "A", "--out", out]
    proc = run(binary, args, tmp)
    check(proc.returncode == 0, "planted: first run exit %d" % proc.returncode)
    first = snapshot(out)
    for name, plant in (("rules.edited-20200101.md", lambda p: os.symlink(secret, p)),
                        ("handbook.edited-20200101.md", os.mkfifo)):
        path = os.path.join(out, name)
        plant(path)
        try:
            proc = subprocess.run([binary] + args, capture_output=True, stdin=subprocess.DEVNULL,
                                  env=test_env(tmp), cwd=tmp, timeout=20)
        except subprocess.TimeoutExpired:
            check(False, "planted %s: the run hung" % name)
            os.unlink(path)
            continue
        err = proc.stderr.decode()
        check(proc.returncode == 4 and name in err,
              "planted %s: exit %d %r" % (name, proc.returncode, err))
        found = [f for f in os.listdir(out) if os.path.isfile(os.path.join(out, f)) and
                 not os.path.islink(os.path.join(out, f)) and
                 b"TOP-SECRET" in open(os.path.join(out, f), "rb").read()]
        check(not found, "planted %s: the secret was copied into %r" % (name, found))
        os.unlink(path)
        check(snapshot(out) == first, "planted %s: the documents changed" % name)
    os.unlink(os.path.join(out, "rules.md"))
    os.symlink(secret, os.path.join(out, "rules.md"))
    proc = run(binary, args, tmp)
    check(proc.returncode == 4 and "rules.md" in proc.stderr.decode(),
          "planted rules.md link: exit %d %r" % (proc.returncode, proc.stderr.decode()))
    check(os.path.islink(os.path.join(out, "rules.md")), "planted rules.md: the link was replaced")
    check(not leftovers(tmp), "planted: left behind %r" % leftovers(tmp))


def check_link_and_group(binary, tmp):
    """--out a symbolic link is refused, the folder it points to untouched
    and the link left a link; a shared folder's group and setgid mode are
    kept when it is replaced."""
    parent = os.path.join(tmp, "linked")
    os.makedirs(parent)
    target = os.path.join(parent, "real")
    proc = run(binary, ["--lang", "en", "policy", "--name", "A", "--out", target], tmp)
    check(proc.returncode == 0, "link: first run exit %d" % proc.returncode)
    first = snapshot(target)
    link = os.path.join(parent, "link")
    os.symlink(target, link)
    for lang, words in (("ja", "シンボリックリンク"), ("en", "symbolic link")):
        proc = run(binary, ["--lang", lang, "policy", "--name", "B", "--out", link + "/"], tmp)
        err = proc.stderr.decode()
        check(proc.returncode == 4 and words in err and os.path.realpath(target) in err,
              "link/%s: exit %d %r" % (lang, proc.returncode, err))
    check(os.path.islink(link) and snapshot(target) == first and
          sorted(os.listdir(parent)) == ["link", "real"],
          "link: changed %r" % sorted(os.listdir(parent)))
    group = 100 if os.getuid() == 0 else os.getgroups()[-1]
    os.chown(target, -1, group)
    os.chmod(target, 0o2770)
    proc = run(binary, ["--lang", "en", "policy", "--name", "B", "--out", target], tmp)
    st = os.stat(target)
    check(proc.returncode == 0 and st.st_gid == group and (st.st_mode & 0o7777) == 0o2770,
          "group: exit %d, gid %d (want %d), mode %o" %
          (proc.returncode, st.st_gid, group, st.st_mode & 0o7777))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    binary = os.path.abspath(ap.parse_args().bin)
    update = os.environ.get("UPDATE_GOLDEN") == "1"
    tmp = tempfile.mkdtemp(prefix="mm-policy-")
    try:
        for lang in ("ja", "en"):
            out = generate(binary, tmp, "full", lang)
            compare_golden(out, "full-" + lang, update)
            check_full(out, lang)
            check_plain_words(out, "full-" + lang)
            out = generate(binary, tmp, "minimal", lang)
            compare_golden(out, "minimal-" + lang, update)
            check_minimal(out, lang)
            check_plain_words(out, "minimal-" + lang)
        check_invalid(binary, tmp)
        check_diagnosis(binary, tmp)
        check_replace(binary, tmp)
        check_edited(binary, tmp)
        check_link_and_group(binary, tmp)
        check_planted(binary, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
