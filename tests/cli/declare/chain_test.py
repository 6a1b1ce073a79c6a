#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The whole self-declaration path with the real commands (stdlib only):
`mamori rules --answers --output` writes the commitment record, `mamori
diagnose --answers --format json` the diagnosis, `mamori policy` the policy
manifest, and `mamori declare` reads all three:
1. all rules, a complete diagnosis and the policy: two stars, exit 0, and the
   record carries the diagnosis score and the policy reference;
2. the demo diagnosis (it has "don't know" answers): one star, with the
   unknown items named as what two stars still need;
3. --level two-star with that diagnosis: refused, exit 1;
4. the demo diagnosis report agrees with declare: it claims no level of its
   own (no "eligible_level"; it said "none" while declare gave one star),
   sends one star to `mamori rules` and names the same items for two stars;
5. the README's example chain, ja and en, run as written (the answers of the
   two questionnaires given with --answers, audit on an empty --root instead
   of sudo), then the round trip: the diagnosis JSON it wrote, given back to
   `mamori diagnose --answers`, gives the same score and the same JSON;
6. a history directory is read the same way by `diagnose --history` and
   `declare --diagnosis`: a latest result whose "score" and "complete" lie
   is compared (previous_score) and declared with the score of its answers;
   one over 256 KiB (the answers file limit) is refused by both (exit 3),
   the diagnose message naming it and saying it is too large;
7. a file over its limit is invalid input (exit 3), whichever it is: a rules
   record over 64 KiB for `rules --answers` and `declare --rules`, a policy
   manifest over 1 MiB for `declare --policy`; the message names the file
   and says it is too large;
8. the declaration line `mamori policy` ends with runs as printed, in an
   interactive bash (history expansion on: "!" in double quotes broke it)
   and in sh: a name with "!" and "'", a folder with "$" and a space (in
   single quotes, each "'" as '\\''), and a profile file whose name --name
   overrode (--org, not --profile: declare would refuse the policy as
   another organisation's); declare finds the kept rules record and
   diagnosis, so the line alone gives two stars. The files are named by
   absolute paths: a relative --out and --profile, run in a folder of
   their own, give a line that works from another folder;
9. the `mamori declare --rules` lines `mamori rules` prints (the one-star
   line with the --answers file, the one-star and the saved-record lines
   with the --output file) run as printed, from another folder, in bash and
   in sh: relative paths in a folder with a space and "'", a name with "$"
   and "!". With no record kept, one star proves declare read the file
   named. The line names no organisation (rules has none to give): typed at
   the shell's prompt on a terminal (a pseudo-terminal), declare asks for
   the name and the name typed is in the one-star record (until session 27
   the test had to add --org); without a terminal (the line fed to the
   shell on standard input, as a script) it still stops with exit 2 and
   the message asking for --org, printing no record, instead of waiting.

Usage: chain_test.py --bin PROGRAM
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import ptysession  # noqa: E402

SHELLS = (["bash", "--norc", "--noprofile", "-i"], ["sh", "-i"])


def test_env(tmp):
    """HOME and XDG_DATA_HOME in tmp: declare and policy read the diagnosis
    kept there, never one from the real home."""
    return dict(os.environ, TZ="UTC", MAMORI_DATE="2026-04-01", LC_ALL="", LANG="C.UTF-8",
                HOME=tmp, XDG_DATA_HOME=os.path.join(tmp, "data"))


def run(binary, args, tmp, want, stderr=False):
    env = test_env(tmp)
    proc = subprocess.run([binary] + args, capture_output=True, env=env, cwd=tmp,
                          stdin=subprocess.DEVNULL, timeout=60)
    if proc.returncode != want:
        raise AssertionError("%s: exit %d, expected %d\n%s%s" % (
            " ".join(args), proc.returncode, want, proc.stdout.decode(), proc.stderr.decode()))
    return (proc.stdout.decode(), proc.stderr.decode()) if stderr else proc.stdout.decode()


def write_answers(path, answer):
    json.dump({"answers": {str(i): answer for i in range(1, 26)}}, open(path, "w"))


def readme_chains():
    """The `mamori` lines of the README's two example blocks (ja, en)."""
    text = open(os.path.join(SRC, "README.md"), encoding="utf-8").read()
    chains = []
    for heading in ("## 自社でできること", "## What an SME can do itself"):
        block = re.search(re.escape(heading) + r"[^\n]*\n+```sh\n(.*?)```", text, re.S)
        assert block, "README: no example block under %r" % heading
        chains.append([shlex.split(line, comments=True) for line in block.group(1).splitlines()
                       if re.match(r"(sudo )?mamori ", line)])
    return chains


def run_readme_chain(binary, lines, tmp):
    """Runs one README block in tmp; returns the path of the diagnosis JSON."""
    diagnosis = None
    for words in lines:
        if words[0] == "sudo":
            words = words[1:]
        args, sub = words[1:], words[3]
        want = 0
        if sub == "rules":
            args += ["--answers", os.path.join(HERE, "fixtures", "rules-all.json")]
        elif sub == "diagnose":
            args += ["--answers", os.path.join(SRC, "data", "demo", "diagnose-answers.json")]
            diagnosis = os.path.join(tmp, args[args.index("--output") + 1])
        elif sub == "audit":
            os.makedirs(os.path.join(tmp, "root"), exist_ok=True)
            args += ["--root", os.path.join(tmp, "root")]
            want = 1  # an empty machine fails checks; the diagnosis is read
        run(binary, args, tmp, want)
    assert diagnosis and os.path.exists(diagnosis), lines
    return diagnosis


def history_checks(binary, tmp, demo):
    """Step 6: diagnose --history and declare --diagnosis on the same files."""
    p = lambda name: os.path.join(tmp, name)  # noqa: E731
    lying = dict(demo, score=100, complete=True, band="full")
    os.makedirs(p("hist"))
    json.dump(lying, open(p("hist/diagnose-2026-03-01.json"), "w"))
    out = run(binary, ["diagnose", "--answers", p("answers.json"), "--format", "json",
                       "--history", p("hist")], tmp, 0)
    changes = json.loads(out)["changes"]
    assert changes["previous_score"] == demo["score"] == 50, changes
    assert changes["previous_date"] == "2026-03-01", changes
    assert changes["score_delta"] == 100 - 50, changes
    os.remove(p("hist/diagnose-2026-04-01.json"))  # the run just kept; declare reads the lie
    rec = json.loads(run(binary, ["declare", "--org", "守り商店", "--rules", p("rules.json"),
                                  "--diagnosis", p("hist"), "--policy",
                                  p("policy/policy.json"), "--format", "json"], tmp, 0))
    assert rec["diagnosis"]["score"] == 50 and rec["level"] == "one-star", rec

    # Valid JSON padded to 300 KiB: over the 256 KiB of an answers file,
    # under the 1 MiB diagnose once allowed for history files.
    big = json.dumps(demo)
    os.makedirs(p("big"))
    latest = p("big/diagnose-2026-03-01.json")
    open(latest, "w").write(big[:-1] + " " * (300 * 1024 - len(big)) + "}")
    json.load(open(latest))
    out, err = run(binary, ["--lang", "en", "diagnose", "--answers", p("answers.json"),
                            "--history", p("big")], tmp, 3, stderr=True)
    assert out == "", out
    assert "broken history file: %s" % latest in err and "file too large" in err, err
    assert os.listdir(p("big")) == ["diagnose-2026-03-01.json"], os.listdir(p("big"))
    run(binary, ["declare", "--org", "守り商店", "--rules", p("rules.json"), "--diagnosis",
                 p("big"), "--policy", p("policy/policy.json")], tmp, 3)

    # A FIFO as the newest result in the folder is refused at once, never
    # waited on (a regression hangs until run()'s timeout fails it).
    os.makedirs(p("fifo"))
    os.mkfifo(p("fifo/diagnose-2026-03-02.json"))
    out, err = run(binary, ["--lang", "en", "declare", "--org", "守り商店", "--rules",
                            p("rules.json"), "--diagnosis", p("fifo"), "--policy",
                            p("policy/policy.json")], tmp, 4, stderr=True)
    assert out == "" and "not an ordinary file" in err, err
    out, err = run(binary, ["--lang", "en", "diagnose", "--answers", p("answers.json"),
                            "--history", p("fifo")], tmp, 4, stderr=True)
    assert "not an ordinary file" in err, err


def padded(path, doc, size):
    """Writes doc as valid JSON padded with spaces to size bytes."""
    text = json.dumps(doc)
    open(path, "w").write(text[:-1] + " " * (size - len(text)) + "}")
    json.load(open(path))


def too_big_checks(binary, tmp):
    """Step 7: too big is bad input (3), as for a diagnosis over 256 KiB."""
    p = lambda name: os.path.join(tmp, name)  # noqa: E731
    padded(p("big-rules.json"), json.load(open(p("rules.json"))), 65 * 1024)
    padded(p("big-policy.json"), json.load(open(p("policy/policy.json"))), 1024 * 1024 + 1)
    for big, args in ((p("big-rules.json"), ["rules", "--answers", p("big-rules.json")]),
                      (p("big-rules.json"), ["declare", "--org", "守り商店", "--rules",
                                             p("big-rules.json")]),
                      (p("big-policy.json"), ["declare", "--org", "守り商店", "--rules",
                                              p("rules.json"), "--policy", p("big-policy.json")])):
        out, err = run(binary, ["--lang", "en"] + args, tmp, 3, stderr=True)
        assert out == "" and big in err and "input too large" in err, (args, out, err)


NEXT_EN = "Next, write the self-declaration record (two stars need this basic policy): "


def pasted_env(binary, home):
    """test_env with `mamori` on PATH (a link in home/bin), as installed."""
    bindir = os.path.join(home, "bin")
    if not os.path.exists(bindir):
        os.makedirs(bindir)
        os.symlink(binary, os.path.join(bindir, "mamori"))
    return dict(test_env(home), PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
                HISTFILE=os.devnull, PS1="$ ", TERM="xterm")


def run_pasted(binary, line, home, wants, code=0, err_want=None):
    """Runs line with `mamori` on PATH in home, in an interactive bash (fed
    on standard input: history expansion is on, as at a prompt) and in sh,
    no terminal; the exit status must be code, standard output must have a
    line starting with each of wants (be empty on a failure), and standard
    error hold err_want."""
    env = pasted_env(binary, home)
    for shell in (["bash", "--norc", "--noprofile", "-i"], ["sh"]):
        proc = subprocess.run(shell, input=(line + "\nexit $?\n").encode(), capture_output=True,
                              env=env, cwd=home, timeout=60)
        out, err = proc.stdout.decode(), proc.stderr.decode()
        assert proc.returncode == code, "%s: %s: exit %d\n%s%s" % (shell[0], line,
                                                                   proc.returncode, out, err)
        for want in wants:
            assert any(x.startswith(want) for x in out.splitlines()), (shell[0], line, want, out)
        assert code == 0 or out == "", (shell[0], line, out)
        assert err_want is None or err_want in err, (shell[0], line, err_want, err)


def run_next_step(binary, line, home, org, reference):
    """Runs the printed line of `mamori policy`; the record must be two
    stars for org with the policy reference."""
    run_pasted(binary, line, home, ("Organisation: " + org, "Level: two stars",
                                    "Policy reference: " + reference))


def next_step_checks(binary, tmp):
    """Step 8: the declaration line `mamori policy` prints, run as printed."""
    home = os.path.join(tmp, "next")
    p = lambda name: os.path.join(home, name)  # noqa: E731
    for kind, name, record in (("rules", "rules-2026-04-01.json", "rules.json"),
                               ("diagnosis", "diagnose-2026-04-01.json", "diagnosis.json")):
        os.makedirs(p("data/mamori/" + kind))
        shutil.copy(os.path.join(tmp, record), p("data/mamori/%s/%s" % (kind, name)))
    full = os.path.join(SRC, "tests", "cli", "policy", "fixtures", "full.ini")
    real = lambda name: os.path.realpath(p(name))  # noqa: E731
    work = p("owner's work")  # the relative paths' folder: the line runs in home
    os.makedirs(work)
    shutil.copy(full, os.path.join(work, "my profile.ini"))
    cases = (
        (["--name", "Mamori!Shoten's", "--employees", "3", "--out", p("out $HOME x")], home,
         "Mamori!Shoten's",
         "mamori declare --org 'Mamori!Shoten'\\''s' --policy '%s'" % p("out $HOME x/policy.json")),
        (["--profile", full, "--name", "Other", "--out", p("other")], home, "Other",
         "mamori declare --org Other --policy %s" % p("other/policy.json")),
        (["--profile", full, "--out", p("full")], home, "守り商店", None),
        (["--profile", "my profile.ini", "--out", "policy $1"], work, "守り商店",
         "mamori declare --profile '%s' --policy '%s'" % (
             real("owner's work/my profile.ini").replace("'", "'\\''"),
             real("owner's work/policy $1/policy.json").replace("'", "'\\''"))),
    )
    for args, cwd, org, want in cases:
        out = run(binary, ["--lang", "en", "policy"] + args, cwd, 0)
        line = out.splitlines()[-1]
        assert line.startswith(NEXT_EN + "mamori declare "), out
        line = line[len(NEXT_EN):]
        assert want is None or line == want, (line, want)
        policy = os.path.join(cwd, args[-1], "policy.json")
        run_next_step(binary, line, home, org, json.load(open(policy))["reference"])


RULES_LINE = re.compile(r'"(mamori declare --rules .*)" (?:writes|reads)')


ASK_EN = "Type the name of the organisation (company or association) for the declaration record"
NO_ORG_EN = "mamori declare: the organisation name is needed: add it with --org"


def typed_on_terminal(binary, line, home, org):
    """Types line at the prompt of bash and of sh on a pseudo-terminal, in
    home, and org when declare asks for the name: one star for org."""
    env = pasted_env(binary, home)
    for shell in SHELLS:
        code, tail = ptysession.typed_in_shell(
            shell, line, env, [(ASK_EN, org + "\n"), ("Organisation: %s\r\n" % org, None),
                               ("Level: one star", None)], timeout=60, cwd=home)
        assert code == 0, "%s on a terminal: %s: exit %d\n%s" % (shell[0], line, code, tail)


def rules_line_checks(binary, tmp):
    """Step 9: the `mamori declare --rules` lines of `mamori rules`, run as
    printed from another folder, nothing kept: on a terminal, the name is
    asked; without one, the error asking for --org."""
    home = os.path.join(tmp, "rules-next")
    work = os.path.join(home, "owner's files")
    os.makedirs(work)
    answers = os.path.join(work, "rules answers.json")
    shutil.copy(os.path.join(HERE, "fixtures", "rules-all.json"), answers)
    for out_args in ([], ["--output", "record $1!.json"]):
        out = run(binary, ["--lang", "en", "rules", "--answers", "rules answers.json"] + out_args,
                  work, 0)
        lines = RULES_LINE.findall(out)
        assert len(lines) == 1 + len(out_args) // 2, out
        for line in lines:
            named = shlex.split(line)[-1]
            assert os.path.isabs(named) and os.path.samefile(
                named, os.path.join(work, out_args[-1] if out_args else "rules answers.json")), line
            typed_on_terminal(binary, line, home, "守り商店")
            run_pasted(binary, line, home, (), code=2, err_want=NO_ORG_EN)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    binary = os.path.abspath(ap.parse_args().bin)
    tmp = tempfile.mkdtemp(prefix="mm-declare-chain-")
    p = lambda name: os.path.join(tmp, name)  # noqa: E731
    try:
        run(binary, ["rules", "--answers", os.path.join(HERE, "fixtures", "rules-all.json"),
                     "--output", p("rules.json")], tmp, 0)
        write_answers(p("answers.json"), "done")
        run(binary, ["diagnose", "--answers", p("answers.json"), "--format", "json",
                     "--output", p("diagnosis.json")], tmp, 0)
        run(binary, ["policy", "--name", "守り商店", "--out", p("policy")], tmp, 0)
        manifest = json.load(open(p("policy/policy.json")))
        out = run(binary, ["declare", "--org", "守り商店", "--rules", p("rules.json"),
                           "--diagnosis", p("diagnosis.json"), "--policy",
                           p("policy/policy.json"), "--format", "json"], tmp, 0)
        rec = json.loads(out)
        assert rec["level"] == "two-star", rec
        assert rec["diagnosis"]["score"] == 100, rec
        assert rec["policy"]["reference"] == manifest["reference"], rec

        run(binary, ["diagnose", "--answers", os.path.join(SRC, "data", "demo",
                                                            "diagnose-answers.json"),
                     "--format", "json", "--output", p("demo.json")], tmp, 0)
        demo = json.load(open(p("demo.json")))
        unknown = demo["unknown"]
        out = run(binary, ["declare", "--org", "守り商店", "--rules", p("rules.json"),
                           "--diagnosis", p("demo.json"), "--policy", p("policy/policy.json"),
                           "--format", "json"], tmp, 0)
        rec = json.loads(out)
        assert rec["level"] == "one-star", rec
        missing = rec["missing_for_two_star"]
        assert missing[0]["code"] == "diagnosis-incomplete", missing
        assert set(unknown) <= set(missing[0]["items"]), (unknown, missing)
        run(binary, ["declare", "--org", "守り商店", "--level", "two-star", "--rules",
                     p("rules.json"), "--diagnosis", p("demo.json"), "--policy",
                     p("policy/policy.json")], tmp, 1)

        assert "eligible_level" not in demo, demo.get("eligible_level")
        text = run(binary, ["--lang", "en", "diagnose", "--answers",
                            os.path.join(SRC, "data", "demo", "diagnose-answers.json")], tmp, 0)
        assert "One star: commit to all five rules" in text, text
        assert "(items: %s)" % ", ".join(str(i) for i in missing[0]["items"]) in text, text

        for lines in readme_chains():
            assert len(lines) == 8, lines
            sub = os.path.join(tmp, lines[0][2])
            os.makedirs(sub)
            diagnosis = run_readme_chain(binary, lines, sub)
            first = json.load(open(diagnosis))
            again = run(binary, [lines[0][1], lines[0][2], "diagnose", "--answers", diagnosis,
                                 "--format", "json"], sub, 0)
            assert json.loads(again) == first, "round trip changed the report"
            assert first["score"] == 50, first["score"]

        history_checks(binary, tmp, demo)
        too_big_checks(binary, tmp)
        next_step_checks(binary, tmp)
        rules_line_checks(binary, tmp)
    except AssertionError as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
