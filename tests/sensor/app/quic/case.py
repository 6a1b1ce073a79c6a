# SPDX-License-Identifier: Apache-2.0
# QUIC: the client Initial of RFC 9001 Appendix A.2 (the fuzz seed
# tests/fuzz/corpus/quic/rfc9001-a2-client-initial) in a UDP datagram to
# port 443, a server datagram back (not decrypted), and a retransmission of
# the Initial (the connection is logged once). example.com is listed in the
# intel, so the SNI also raises the intel alert (9100110, quic.sni).
import os


def build(tmp, g, a):
    seed = os.path.join(os.path.dirname(os.path.abspath(a.__file__)), "..", "..", "fuzz", "corpus",
                        "quic", "rfc9001-a2-client-initial")
    with open(seed, "rb") as f:
        initial = f.read()
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    c, s = ("192.168.1.10", 51443), ("203.0.113.7", 443)
    w.udp(c, s, initial)
    w.udp(s, c, bytes([0xc1, 0, 0, 0, 1, 0, 8]) + bytes(120))
    w.udp(c, s, initial)
    w.close()
    intel = os.path.join(tmp, "intel.txt")
    with open(intel, "w", encoding="utf-8") as f:
        f.write("example.com\n")
    return ["-r", path, "--intel", intel]
