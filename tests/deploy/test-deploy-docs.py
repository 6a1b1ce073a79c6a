# SPDX-License-Identifier: Apache-2.0
"""The deployment guide (docs/deploy.md, docs/ja/deploy.md) as the vendor's
technician would use it: README links the English guide from its English
"For the IT vendor" section and the Japanese one from its Japanese section;
both guides have the same sections and the same number of examples; every
mamori-center and mamori-sensor command line of their examples uses only
options the program's --help lists (an admin subcommand's words and options
as the admin usage lists them), run as a user the installed sysusers.d file
creates; and every centre settings block ([server], [mail], ...) is taken by
mamori-center (an admin command with it as --config: exit 0, no key it
does not read), the reverse proxy's (listen on 127.0.0.1:8080,
trusted_proxies) among them."""

import os
import re
import subprocess

from deploylib import BUILD, SOURCE, check, remove, tmpdir

CENTRE = os.path.join(BUILD, "src", "center", "mamori-center")
SENSOR = os.path.join(BUILD, "src", "sensor", "mamori-sensor")
GUIDES = ("docs/deploy.md", "docs/ja/deploy.md")


def read(rel):
    with open(os.path.join(SOURCE, rel), encoding="utf-8") as f:
        return f.read()


def blocks(text):
    """(language, text) of each fenced code block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.S | re.M)


def command_lines(code):
    """The shell lines of a block, continuation lines joined, comments cut."""
    code = code.replace("\\\n", " ")
    return [re.sub(r"\s+#.*$", "", l).strip() for l in code.splitlines() if l.strip()]


def options_of(args, text):
    p = subprocess.run(args, capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, LANG="C.UTF-8"))
    return set(re.findall(r"--[a-z][a-z-]*", p.stdout + p.stderr)), p.stdout + p.stderr


def check_readme():
    readme = read("README.md")
    en = readme.index("## For the IT vendor")
    ja = readme.index("## IT ベンダー向け")
    en_part = readme[en:readme.index("\n## ", en + 1)]
    ja_part = readme[ja:readme.index("\n## ", ja + 1)]
    check("docs/deploy.md" in en_part, "README's English vendor section does not link docs/deploy.md")
    check("docs/ja/deploy.md" in ja_part,
          "README's Japanese vendor section does not link docs/ja/deploy.md")


def check_twins():
    en, ja = read(GUIDES[0]), read(GUIDES[1])
    heads = [len(re.findall(r"^##+ ", t, re.M)) for t in (en, ja)]
    check(heads[0] == heads[1], "the guides' headings differ in number: %r" % heads)
    langs = [[b[0] for b in blocks(t)] for t in (en, ja)]
    check(langs[0] == langs[1], "the guides' examples differ: %r" % langs)


def words_of(usage_line):
    """The words naming a subcommand in a line of the admin usage ("tenant add")."""
    out = []
    for w in usage_line.split():
        if not re.fullmatch(r"[a-z][a-z-]*", w):
            break
        out.append(w)
    return out


def check_commands(users):
    centre, _ = options_of([CENTRE, "--help"], "")
    sensor, _ = options_of([SENSOR, "--help"], "")
    _, admin_usage = options_of([CENTRE, "admin", "--help"], "")
    subcommands = [l.strip() for l in admin_usage.splitlines() if l.startswith("  ")]
    seen = 0
    for guide in GUIDES:
        for lang, code in blocks(read(guide)):
            if lang != "sh":
                continue
            for line in command_lines(code):
                words = line.split()
                if words[:2] == ["sudo", "-u"]:
                    check(words[2] in users, "%s: runs as %s, not a mamori user" % (guide, words[2]))
                    words = words[3:]
                elif words[:1] == ["sudo"]:
                    words = words[1:]
                words = [w.lstrip("$(") for w in words]
                if "mamori-center" in words:
                    words = words[words.index("mamori-center"):]
                elif "mamori-sensor" in words[:1]:
                    pass
                else:
                    continue
                seen += 1
                opts = [w for w in words if w.startswith("--")]
                if words[0] == "mamori-sensor":
                    bad = [o for o in opts if o not in sensor]
                elif "admin" in words:
                    rest = words[words.index("admin") + 1:]
                    while rest[:1] in (["--data"], ["--config"]):  # before the subcommand
                        rest = rest[2:]
                    sub = next((s for s in subcommands
                                if rest[:len(words_of(s))] == words_of(s)), None)
                    check(sub, "%s: no such admin subcommand: %s" % (guide, line))
                    bad = [o for o in opts if o not in centre and o not in sub]
                else:
                    bad = [o for o in opts if o not in centre]
                check(not bad, "%s: %s: options the program does not take: %r" % (guide, line, bad))
    check(seen >= 10, "only %d mamori command lines in the guides" % seen)


def check_settings():
    tmp = tmpdir("docs")
    try:
        for guide in GUIDES:
            loaded = []
            for lang, code in blocks(read(guide)):
                if lang != "ini" or code.startswith("[Service]"):
                    continue
                loaded.append(code)
                ini = os.path.join(tmp, "center.ini")
                with open(ini, "w") as f:
                    f.write(code)
                p = subprocess.run([CENTRE, "admin", "--data", os.path.join(tmp, "data"),
                                    "--config", ini, "tenant", "list"], capture_output=True,
                                   text=True, timeout=30, env=dict(os.environ, LANG="C.UTF-8"))
                check(p.returncode == 0 and "warn" not in p.stderr,
                      "%s: settings block refused (exit %d): %s\n%s" % (
                          guide, p.returncode, p.stderr, code))
            # the reverse proxy's block is among those loaded
            check(any(re.search(r"^trusted_proxies = 127\.0\.0\.1, ::1\b", c, re.M) and
                      re.search(r"^listen = 127\.0\.0\.1:8080\b", c, re.M) for c in loaded),
                  "%s: no settings block with listen = 127.0.0.1:8080 and trusted_proxies" % guide)
    finally:
        remove(tmp)


def main():
    with open(os.path.join(SOURCE, "dist/sysusers.d/mamori.conf")) as f:
        users = [l.split()[1] for l in f if l.startswith("u ")]
    check_readme()
    check_twins()
    check_commands(users)
    check_settings()
    print("ok")


if __name__ == "__main__":
    main()
