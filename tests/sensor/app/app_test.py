#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration cases for the application decoders, run through the real
mamori-sensor binary:

    app_test.py NAME SENSOR_BINARY

tests/sensor/app/NAME/case.py defines build(tmp, g, a) -> sensor arguments,
writing a capture with pcapgen (g) and payloads from appgen (a);
expected.jsonl lists, in order, the fields that output events must carry
(the same matching as tests/sensor/sensor_test.py, which this reuses)."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import appgen as a  # noqa: E402
import pcapgen as g  # noqa: E402
import sensor_test as st  # noqa: E402


def run_case(name, tmp):
    cdir = os.path.join(HERE, name)
    ns = {}
    with open(os.path.join(cdir, "case.py"), encoding="utf-8") as f:
        exec(compile(f.read(), "case.py", "exec"), ns)
    args = ns["build"](tmp, g, a)
    if "--intel" in args:  # written just before: the settle rule is not what is tested
        cfg = os.path.join(tmp, "settle.ini")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write("[intel]\nsettle_ms = 0\n")
        args += ["--config", cfg]
    eve = os.path.join(tmp, "eve.json")
    r = st.run(args + ["--eve", eve])
    st.check(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr))
    st.check(st.sanitizer_clean(r.stderr), r.stderr)
    with open(os.path.join(cdir, "expected.jsonl"), encoding="utf-8") as f:
        expected = [json.loads(line) for line in f if line.strip()]
    got = st.events(eve)
    n = st.match_in_order(expected, got)
    if n < len(expected):
        raise st.Fail("case %s: expected event %d not found in order: %s\noutput:\n%s" % (
            name, n + 1, json.dumps(expected[n]), "\n".join(json.dumps(e) for e in got)))
    anomalies = [e for e in got if e["event_type"] == "anomaly"]
    st.check(not anomalies or ns.get("ANOMALIES_OK"), "unexpected anomalies: %s" % anomalies)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    name = sys.argv[1]
    st.SENSOR = os.path.abspath(sys.argv[2])
    return st.run_named("app:" + name, lambda tmp: run_case(name, tmp), "mm-app-test-")


if __name__ == "__main__":
    sys.exit(main())
