#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that every `mamori` subcommand's --help exists in Japanese and in
English and agrees with its man page and its code (stdlib only):

- `mamori --lang ja|en CMD --help` exits 0 with a help text; the Japanese
  one is in Japanese, both name the same long options;
- every long option named in the help appears in docs/man/mamori-CMD.1.md
  (mamori.1.md for commands without a page of their own), and vice versa;
- every long option the code of src/cli/cmd-CMD.c accepts appears in the
  man page, and every option of the man page is one the code accepts;
- the Japanese man page (docs/man/ja/...) names exactly the options of the
  English one, so both agree with the help and the code.

Options of other commands (`mamori rules --output` in a man page, or
"mamori declare --rules" in a help text) and a page's EXAMPLES do not count.

Usage: check_help_man.py --bin PROGRAM --src SOURCE_DIR
"""
import argparse
import os
import re
import subprocess
import sys

OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]")
GLOBAL = {"--lang"}  # taken by main.c before the subcommand runs


def commands(src):
    text = open(os.path.join(src, "src/cli/commands.def"), encoding="utf-8").read()
    return re.findall(r"^MM_COMMAND\((\w+),", text, re.M)


def other_commands_removed(text, own, cmds):
    """Drops "mamori OTHER --opt value" mentions of another command's options."""
    others = "|".join(c for c in cmds if c != own)
    text = re.sub(r"`mamori (?:\[[^]`]*\] )?(?:%s)\b[^`]*`" % others, "", text)
    return re.sub(r"mamori (?:%s)(?: --[a-z][a-z0-9-]*(?: [a-z]+\b(?!-))?)*" % others, "", text)


def help_options(binary, cmd, cmds, lang, failures):
    env = dict(os.environ, LC_ALL="", LANG="C.UTF-8")
    proc = subprocess.run([binary, "--lang", lang, cmd, "--help"], capture_output=True,
                          env=env, timeout=30)
    text = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0 or len(text) < 40:
        failures.append("%s --help (%s): exit %d, %d bytes" % (cmd, lang, proc.returncode,
                                                               len(text)))
    japanese = re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text)
    if (lang == "ja") != bool(japanese):
        failures.append("%s --help (%s) is not in %s" % (cmd, lang, lang))
    return set(OPTION.findall(other_commands_removed(text, cmd, cmds)))


def man_page(src, cmd, lang=""):
    path = os.path.join(src, "docs/man", lang, "mamori-%s.1.md" % cmd)
    return path if os.path.exists(path) else os.path.join(src, "docs/man", lang, "mamori.1.md")


def man_options(path, cmds):
    text = open(path, encoding="utf-8").read()
    text = re.split(r"^#+\s*(?:EXAMPLES?|例)\s*$", text, flags=re.M | re.I)[0]
    own = os.path.basename(path)[len("mamori-"):-len(".1.md")]
    return set(OPTION.findall(other_commands_removed(text, own, cmds)))


def code_options(src, cmd):
    """Long options in cmd-CMD.c: getopt tables, "--x" literals, *_flags arrays."""
    text = open(os.path.join(src, "src/cli/cmd-%s.c" % cmd), encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)
    found = {"--" + n for n in re.findall(
        r'\{\s*"([a-z][a-z0-9-]*)",\s*(?:no|required|optional)_argument', text)}
    found |= set(re.findall(r'"(--[a-z][a-z0-9-]*)"', text))
    for body in re.findall(r"\w*_flags\[\]\s*=\s*\{([^}]*)\}", text):
        found |= {"--" + n for n in re.findall(r'"([a-z][a-z0-9-]*)"', body)}
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    args = ap.parse_args()
    failures = []
    cmds = commands(args.src)
    for cmd in cmds:
        ja = help_options(args.bin, cmd, cmds, "ja", failures)
        en = help_options(args.bin, cmd, cmds, "en", failures)
        if ja != en:
            failures.append("%s: ja help names %s, en help %s" % (cmd, sorted(ja), sorted(en)))
        page = man_page(args.src, cmd)
        man = man_options(page, cmds)
        name = os.path.basename(page)
        for opt in sorted((ja | en) - man):
            failures.append("%s: %s is in the help but not in %s" % (cmd, opt, name))
        if name != "mamori.1.md":
            for opt in sorted(man - (ja | en)):
                failures.append("%s: %s is in %s but not in the help" % (cmd, opt, name))
            code = code_options(args.src, cmd) | GLOBAL
            for opt in sorted(code - man):
                failures.append("%s: the code accepts %s, %s does not name it" % (cmd, opt, name))
            for opt in sorted(man - code):
                failures.append("%s: %s names %s, the code does not accept it" % (cmd, name, opt))
        ja_page = man_page(args.src, cmd, "ja")
        if not os.path.exists(ja_page):
            failures.append("%s: no Japanese man page %s" % (cmd, ja_page))
        else:
            ja_man = man_options(ja_page, cmds)
            for opt in sorted(man - ja_man):
                failures.append("%s: %s is in %s but not in ja/%s" % (cmd, opt, name, name))
            for opt in sorted(ja_man - man):
                failures.append("%s: %s is in ja/%s but not in %s" % (cmd, opt, name, name))
        print("%-9s %2d options" % (cmd, len(ja | en)))
    for f in failures:
        print("FAIL: " + f)
    print("%d commands checked, %d problems" % (len(cmds), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
