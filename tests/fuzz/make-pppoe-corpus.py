#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz-pppoe.c (tests/fuzz/corpus/pppoe/) with
tests/sensor/gen/pcapgen.py: byte 0 selects the frame kind (bit 0 discovery,
bit 1 snapped capture), the rest is the frame after the Ethernet header.
Also one input of fuzz-packet (corpus/packet/pppoe-session: discovery, LCP
and a DNS query and HTTP exchange inside PPPoE, through the flow table and
the application decoders).

    make-pppoe-corpus.py [OUT_DIR]"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sensor", "gen"))
import pcapgen as g  # noqa: E402

SESSION, DISCOVERY, SNAPPED = 0, 1, 2


def seeds():
    u = g.udp("192.168.1.10", 5353, "192.0.2.53", 53, g.dns_query("www.example.com"))
    ip = g.ipv4("192.168.1.10", "192.0.2.53", 17, u)
    t = g.tcp("2001:db8::1", 51000, "2001:db8::2", 80, 1000, 0, g.TCP_ACK | g.TCP_PSH,
              b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n")
    ip6 = g.ipv6("2001:db8::1", "2001:db8::2", 6, t)
    tags = g.pppoe_tags([(0x0101, b""), (0x0103, b"\xde\xad\xbe\xef")])
    return {
        "session-ipv4-dns": (SESSION, g.ether(g.MAC_A, g.MAC_B, 0x0800, ip,
                                              pppoe_session=0x1234)[14:]),
        "session-ipv6-http": (SESSION, g.ether(g.MAC_A, g.MAC_B, 0x86DD, ip6,
                                               pppoe_session=0x1234)[14:]),
        "session-lcp-echo": (SESSION, g.pppoe(0, 0x1234, struct.pack("!H", g.PPP_LCP) +
                                              bytes([9, 1, 0, 8, 1, 2, 3, 4]))),
        "session-ipcp-confreq": (SESSION, g.pppoe(0, 0x1234, struct.pack("!H", g.PPP_IPCP) +
                                                  bytes([1, 1, 0, 10, 3, 6, 0, 0, 0, 0]))),
        "session-compressed-proto": (SESSION, g.pppoe(0, 0x1234, b"\x21" + ip)),
        "session-snapped": (SNAPPED, g.pppoe(0, 0x1234, b"\x00\x21" + ip)[:30]),
        "session-zero-length": (SESSION, g.pppoe(0, 0x1234, b"")),
        "discovery-padi": (DISCOVERY, g.pppoe(g.PADI, 0, tags)),
        "discovery-pado": (DISCOVERY, g.pppoe(g.PADO, 0, g.pppoe_tags(
            [(0x0102, b"BAS-TOKYO-01"), (0x0101, b""), (0x0104, b"cookie-1234")]))),
        "discovery-pads": (DISCOVERY, g.pppoe(g.PADS, 0x1234, tags)),
        "discovery-padt": (DISCOVERY, g.pppoe(g.PADT, 0x1234, b"")),
        "discovery-bad-tag": (DISCOVERY, g.pppoe(g.PADR, 0, b"\x01\x03\x00\x40abcd")),
    }


def packet_input():
    """fuzz-packet's format: link-type index 0 (Ethernet), then frames as
    2-byte big-endian length + bytes."""
    sid = 0x1234
    frames = [g.ether(g.MAC_A, "ff:ff:ff:ff:ff:ff", g.ETH_PPPOE_DISCOVERY,
                      g.pppoe(g.PADI, 0, g.pppoe_tags([(0x0101, b"")]))),
              g.ether(g.MAC_A, g.MAC_B, g.ETH_PPPOE_SESSION,
                      g.pppoe(0, sid, struct.pack("!H", g.PPP_LCP) +
                              bytes([9, 1, 0, 8, 1, 2, 3, 4])))]
    c, s = ("192.168.1.10", 51000), ("203.0.113.5", 80)

    def ip(src, dst, proto, l4):
        return g.PcapWriter.ip_frame(None, src, dst, proto, l4, pppoe_session=sid)

    frames.append(ip(c[0], "192.0.2.53", 17, g.udp(c[0], 5353, "192.0.2.53", 53,
                                                   g.dns_query("www.example.com"))))
    frames.append(ip(c[0], s[0], 6, g.tcp(c[0], c[1], s[0], s[1], 1000, 0, g.TCP_SYN)))
    frames.append(ip(s[0], c[0], 6, g.tcp(s[0], s[1], c[0], c[1], 5000, 1001,
                                          g.TCP_SYN | g.TCP_ACK)))
    frames.append(ip(c[0], s[0], 6, g.tcp(c[0], c[1], s[0], s[1], 1001, 5001,
                                          g.TCP_ACK | g.TCP_PSH,
                                          b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n")))
    frames.append(g.ether(g.MAC_B, g.MAC_A, g.ETH_PPPOE_DISCOVERY, g.pppoe(g.PADT, sid, b"")))
    return bytes([0]) + b"".join(struct.pack("!H", len(f)) + f for f in frames)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "pppoe")
    os.makedirs(out, exist_ok=True)
    for name, (sel, body) in seeds().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([sel]) + body)
    if len(sys.argv) <= 1:
        with open(os.path.join(HERE, "corpus", "packet", "pppoe-session"), "wb") as f:
            f.write(packet_input())


if __name__ == "__main__":
    main()
