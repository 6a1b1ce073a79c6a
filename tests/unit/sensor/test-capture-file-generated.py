#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The in-place capture reader against libpcap on the captures the other
tests generate: every data case (tests/sensor/cases/*, tests/sensor/app/*),
every detector scenario (tests/sensor/gen/detectgen.py) and pcapgen.py's
pcap and pcapng writers with each link type the sensor tests use, written
to a temporary directory and given to test-capture-file-diff, which
compares link type and every packet (stamps, lengths, bytes) read with the
default buffer and a 4 KiB one.

    test-capture-file-generated.py TEST_CAPTURE_FILE_DIFF_BINARY"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SENSOR_TESTS = os.path.join(HERE, "..", "..", "sensor")
sys.path.insert(0, os.path.join(SENSOR_TESTS, "gen"))
import appgen as a  # noqa: E402
import detectgen  # noqa: E402
import pcapgen as g  # noqa: E402


def case_dirs(kind):
    root = os.path.join(SENSOR_TESTS, kind)
    for name in sorted(os.listdir(root)):
        if os.path.exists(os.path.join(root, name, "case.py")):
            yield name, os.path.join(root, name, "case.py")


def build_cases(out):
    for kind, extra in (("cases", ()), ("app", (a,))):
        for name, script in case_dirs(kind):
            ns = {}
            with open(script, encoding="utf-8") as f:
                exec(compile(f.read(), script, "exec"), ns)
            d = os.path.join(out, kind + "-" + name)
            os.makedirs(d)
            ns["build"](d, g, *extra)
            yield d


def build_scenarios(out):
    d = os.path.join(out, "detect")
    os.makedirs(d)
    for name in detectgen.SCENARIOS:
        detectgen.write(os.path.join(d, name + ".pcap"), name)
    return d


def build_link_types(out):
    """Both writers, each link type of sensor_test.py's linktypes test,
    a cut packet and a short snapshot."""
    d = os.path.join(out, "writers")
    os.makedirs(d)
    ip = g.ipv4("192.168.1.10", "192.168.1.1", 17,
                g.udp("192.168.1.10", 5353, "192.168.1.1", 53, g.dns_query("a.example")))
    frames = {g.DLT_EN10MB: g.ether(g.MAC_A, g.MAC_B, 0x0800, ip, vlans=(5, 6)),
              g.DLT_LINUX_SLL: g.sll(0x0800, ip), g.DLT_LINUX_SLL2: g.sll2(0x0800, ip),
              g.DLT_RAW: ip, g.DLT_NULL: g.null_loopback(2, ip)}
    for writer, ext in ((g.PcapWriter, "pcap"), (g.PcapngWriter, "pcapng")):
        for dlt, frame in frames.items():
            w = writer(os.path.join(d, "link%d.%s" % (dlt, ext)), linktype=dlt, snaplen=96)
            for i in range(20):
                w.raw(frame, caplen=min(len(frame), 20 + i * 7))
            w.close()
    return d


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tmp = tempfile.mkdtemp(prefix="mm-capfile-gen-")
    try:
        dirs = list(build_cases(tmp)) + [build_scenarios(tmp), build_link_types(tmp)]
        r = subprocess.run([sys.argv[1]] + dirs, capture_output=True, text=True, timeout=300)
        print(r.stdout.splitlines()[-1] if r.stdout else "", r.stderr, sep="\n")
        return 0 if r.returncode == 0 else 1
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
