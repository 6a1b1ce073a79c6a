#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tshark conformance test for the sensor's application decoders.

For every capture in $MAMORI_SHARED_DIR/pcaps, runs
    mamori-sensor -r FILE --eve -
and tshark -T fields on the same file, and compares the SETS of
    dns   DNS query names (port 53, UDP and TCP; queries and responses)
    sni   TLS ClientHello server names (over TCP)
    quic_sni, quic_ja3   server names and JA3 hashes of the ClientHellos in
                    QUIC client Initials (tshark decrypts Initials too)
    http  HTTP request hosts (over TCP; port removed, lower-cased)
    dhcp_hostname   DHCP option 12 values
    dhcp_params     DHCP option 55 lists, in order ("1,3,6,...")
    ja3, ja3s       JA3 and JA3S hashes (tshark computes both since 3.x)
    cert_sha1       SHA-1 of the server certificate (the first one of each
                    plaintext Certificate message; tshark gives its bytes)
    http_requests   HTTP requests as "method url"
    http_responses  every HTTP response as "packet-number status" (tshark
                    run a second time with body reassembly off: the sensor
                    reports a response when its header is complete,
                    whatever follows)
The sets must be equal; a difference is allowed only when it is listed in
exceptions.json (file, field, value, side, reason). An exception that no
longer matches a difference fails the test too, so the list stays honest.

Usage: conformance.py PATH-TO-mamori-sensor
Skips (exit 77, with a message) when the captures or tshark are absent.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ("dns", "sni", "http", "dhcp_hostname", "dhcp_params", "ja3", "ja3s", "cert_sha1",
          "http_requests", "http_responses", "quic_sni", "quic_ja3")


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def norm_host(h):
    h = h.strip().lower()
    if h.startswith("["):
        return h[:h.index("]") + 1] if "]" in h else h
    return h.split(":", 1)[0]


def sensor_sets(sensor, path):
    out = subprocess.run([sensor, "-q", "-r", path, "--eve", "-"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=False)
    if out.returncode != 0:
        raise RuntimeError("mamori-sensor failed on %s (exit %d): %s" %
                           (path, out.returncode, out.stderr.decode(errors="replace")[-500:]))
    sets = {f: set() for f in FIELDS}
    for line in out.stdout.decode().splitlines():
        ev = json.loads(line)
        t = ev.get("event_type")
        o = ev.get(t) if isinstance(ev.get(t), dict) else {}
        if t == "dns":
            for q in o.get("queries", []):
                sets["dns"].add(q["rrname"])
        elif t == "tls":
            if "sni" in o:
                sets["sni"].add(o["sni"])
            if "ja3" in o:
                sets["ja3"].add(o["ja3"]["hash"])
            if "ja3s" in o:
                sets["ja3s"].add(o["ja3s"]["hash"])
            if "fingerprint" in o:
                sets["cert_sha1"].add(o["fingerprint"].replace(":", ""))
        elif t == "quic":
            if "sni" in o:
                sets["quic_sni"].add(o["sni"])
            if "ja3" in o:
                sets["quic_ja3"].add(o["ja3"]["hash"])
        elif t == "http":
            if "hostname" in o:
                sets["http"].add(norm_host(o["hostname"]))
            if "http_method" in o:
                sets["http_requests"].add("%s %s" % (o["http_method"], o.get("url", "")))
            if "status" in o:
                sets["http_responses"].add("%d %d" % (ev["pcap_cnt"], o["status"]))
        elif t == "dhcp":
            if "hostname" in o:
                sets["dhcp_hostname"].add(o["hostname"])
            if "params_raw" in o:
                sets["dhcp_params"].add(",".join(str(x) for x in o["params_raw"]))
    return sets


TSHARK_FIELDS = ("http.request.method", "http.request.uri", "udp.port", "tcp.port",
                 "dns.qry.name", "tls.handshake.type",
                 "tls.handshake.extensions_server_name", "tls.handshake.ja3",
                 "tls.handshake.ja3s", "tls.handshake.certificate", "http.request",
                 "http.host", "dhcp.option.hostname", "dhcp.option.request_list_item")


def tshark_rows(path, display_filter, fields, options=()):
    """One dict per packet of interest, field -> list of values (tshark's
    aggregation undone with separators that cannot occur in the fields)."""
    # Out-of-order reassembly is off by default in tshark 4.0; the sensor
    # reorders segments, so tshark must too (ndpi_malware.pcap needs it).
    cmd = ["tshark", "-n", "-o", "tcp.reassemble_out_of_order:TRUE"] + list(options)
    cmd += ["-r", path, "-Y", display_filter, "-T", "fields", "-E", "separator=\x1f", "-E",
            "aggregator=\x1e"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    for line in out.stdout.decode(errors="replace").split("\n"):
        if not line:
            continue
        cols = line.split("\x1f")
        yield {f: [v for v in c.split("\x1e") if v != ""] for f, c in zip(fields, cols)}


def tshark_sets(path):
    sets = {f: set() for f in FIELDS}
    for row in tshark_rows(path, "dns || tls.handshake || http.request || dhcp", TSHARK_FIELDS):
        tcp = bool(row["tcp.port"])
        if "53" in row["udp.port"] or "53" in row["tcp.port"]:
            sets["dns"].update(v for v in row["dns.qry.name"] if v != "<Root>")
        if tcp:
            sets["sni"].update(row["tls.handshake.extensions_server_name"])
            sets["ja3"].update(row["tls.handshake.ja3"])
            sets["ja3s"].update(row["tls.handshake.ja3s"])
            if row["tls.handshake.certificate"]:
                der = bytes.fromhex(row["tls.handshake.certificate"][0].replace(":", ""))
                sets["cert_sha1"].add(hashlib.sha1(der).hexdigest())
            if row["http.request"]:
                sets["http"].update(norm_host(v) for v in row["http.host"])
            for m, u in zip(row["http.request.method"], row["http.request.uri"]):
                sets["http_requests"].add("%s %s" % (m, u))
        elif row["udp.port"]:  # a TLS handshake over UDP: QUIC's CRYPTO frames
            sets["quic_sni"].update(row["tls.handshake.extensions_server_name"])
            sets["quic_ja3"].update(row["tls.handshake.ja3"])
        sets["dhcp_hostname"].update(row["dhcp.option.hostname"])
        if row["dhcp.option.request_list_item"]:
            sets["dhcp_params"].add(",".join(row["dhcp.option.request_list_item"]))
    for row in tshark_rows(path, "http.response && tcp", ("frame.number", "http.response.code"),
                           ("-o", "http.desegment_body:FALSE")):
        for code in row["http.response.code"]:
            sets["http_responses"].add("%s %s" % (row["frame.number"][0], code))
    return sets


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    sensor = sys.argv[1]
    shared = os.environ.get("MAMORI_SHARED_DIR", "")
    pcaps = os.path.join(shared, "pcaps")
    if not shared or not os.path.isdir(pcaps):
        skip("captures not found: $MAMORI_SHARED_DIR/pcaps (%s)" % pcaps)
    if not shutil.which("tshark"):
        skip("tshark is not installed")
    with open(os.path.join(HERE, "exceptions.json"), encoding="utf-8") as f:
        exceptions = json.load(f)["exceptions"]
    allowed = {(e["file"], e["field"], e["side"], e["value"]): e for e in exceptions}
    used = set()
    failures = []
    seen_any = False
    files = sorted(n for n in os.listdir(pcaps) if n.endswith((".pcap", ".pcapng")))
    for name in files:
        path = os.path.join(pcaps, name)
        mine, theirs = sensor_sets(sensor, path), tshark_sets(path)
        seen_any = seen_any or any(theirs.values())
        counts = []
        for field in FIELDS:
            counts.append("%s=%d" % (field, len(theirs[field])))
            for side, values in (("tshark_only", theirs[field] - mine[field]),
                                 ("sensor_only", mine[field] - theirs[field])):
                for v in sorted(values):
                    key = (name, field, side, v)
                    if key in allowed:
                        used.add(key)
                    else:
                        failures.append("%s: %s %s: %r" % (name, field, side, v))
        print("%-42s %s" % (name, " ".join(counts)))
    if not seen_any:
        failures.append("tshark extracted no value from any capture: is it working?")
    for key in sorted(set(allowed) - used):
        failures.append("stale exception (no such difference any more): %s" % (key,))
    if failures:
        print("\n%d unexplained difference(s):" % len(failures))
        for f in failures:
            print("  " + f)
        return 1
    print("\nall %d captures agree with tshark (%d documented exceptions)" %
          (len(files), len(allowed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
