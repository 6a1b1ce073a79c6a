#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz-packet (tests/fuzz/corpus/packet/): frames
built with tests/sensor/gen/pcapgen.py, one input per link type and
protocol mix, in the harness's format: a link-type index byte, then packets
as 2-byte big-endian length + bytes. Rerun after changing the format."""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sensor", "gen"))
import pcapgen as g  # noqa: E402

LINK = {"eth": 0, "sll": 1, "sll2": 2, "raw": 3, "ipv4": 6, "ipv6": 7, "null": 8, "loop": 9}


def inp(link, frames):
    return bytes([LINK[link]]) + b"".join(struct.pack("!H", len(f)) + f for f in frames)


def eth_ip(src, dst, proto, l4, **kw):
    return g.PcapWriter.ip_frame(None, src, dst, proto, l4, **kw)


def tcp_conv(c, s, data_c, data_s, split=7):
    cs, ss = 1000, 5000
    fr = [eth_ip(c[0], s[0], 6, g.tcp(c[0], c[1], s[0], s[1], cs, 0, g.TCP_SYN,
                                       options=b"\x02\x04\x05\xb4\x04\x02\x08\x0a" + bytes(8) +
                                       b"\x01\x03\x03\x07"))]
    cs += 1
    fr.append(eth_ip(s[0], c[0], 6, g.tcp(s[0], s[1], c[0], c[1], ss, cs, g.TCP_SYN | g.TCP_ACK)))
    ss += 1
    for i in range(0, len(data_c), split):
        chunk = data_c[i:i + split]
        fr.append(eth_ip(c[0], s[0], 6, g.tcp(c[0], c[1], s[0], s[1], cs, ss, g.TCP_ACK, chunk)))
        cs += len(chunk)
    if data_s:
        fr.append(eth_ip(s[0], c[0], 6, g.tcp(s[0], s[1], c[0], c[1], ss, cs, g.TCP_ACK, data_s)))
    return fr


def main():
    out = os.path.join(HERE, "corpus", "packet")
    os.makedirs(out, exist_ok=True)
    c4, s4 = ("192.168.1.10", 51000), ("203.0.113.5", 80)
    http = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n"
    cases = {
        "http-split": inp("eth", tcp_conv(c4, s4, http, b"HTTP/1.1 200 OK\r\n\r\n")),
        "dns-udp": inp("eth", [eth_ip("192.168.1.10", "192.168.1.1", 17,
                                      g.udp("192.168.1.10", 5353, "192.168.1.1", 53,
                                            g.dns_query("www.example.com")))]),
        "icmp": inp("eth", [eth_ip("192.168.1.10", "192.168.1.1", 1, g.icmp_echo())]),
        "vlan-qinq": inp("eth", [g.ether(g.MAC_A, g.MAC_B, 0x0800,
                                         g.ipv4("10.0.0.1", "10.0.0.2", 17,
                                                g.udp("10.0.0.1", 1, "10.0.0.2", 2, b"x")),
                                         vlans=(10, 20))]),
        "arp": inp("eth", [g.ether(g.MAC_A, "ff:ff:ff:ff:ff:ff", 0x0806,
                                   struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + g.mac_bytes(g.MAC_A) +
                                   bytes([192, 168, 1, 10]) + bytes(6) + bytes([192, 168, 1, 1]))]),
        "ipv6-ext": inp("ipv6", [g.ipv6("2001:db8::1", "2001:db8::2", 0,
                                        bytes([44, 0]) + bytes(6) + bytes([17, 0, 0, 0, 0, 0, 0, 1]) +
                                        g.udp("2001:db8::1", 1000, "2001:db8::2", 53,
                                              g.dns_query("a.example")))]),
        "ipv4-frag": inp("raw", [g.ipv4("10.0.0.1", "10.0.0.2", 17,
                                        g.udp("10.0.0.1", 1, "10.0.0.2", 2, b"x" * 40),
                                        flags_frag=0x2000),
                                 g.ipv4("10.0.0.1", "10.0.0.2", 17, b"y" * 16, flags_frag=5)]),
        "sll": inp("sll", [struct.pack("!HHH", 0, 1, 6) + g.mac_bytes(g.MAC_A) + b"\0\0" +
                           struct.pack("!H", 0x0800) +
                           g.ipv4("10.0.0.1", "10.0.0.2", 1, g.icmp_echo())]),
        "sll2": inp("sll2", [struct.pack("!HHIHBB", 0x0800, 0, 1, 1, 0, 6) +
                             g.mac_bytes(g.MAC_A) + b"\0\0" +
                             g.ipv4("10.0.0.1", "10.0.0.2", 1, g.icmp_echo())]),
        "null": inp("null", [struct.pack("<I", 2) + g.ipv4("10.0.0.1", "10.0.0.2", 1,
                                                             g.icmp_echo())]),
        "loop": inp("loop", [struct.pack("!I", 24) + g.ipv6("2001:db8::1", "2001:db8::2", 58,
                                                             bytes([128, 0, 0, 0, 0, 1, 0, 1]))]),
    }
    for name, data in cases.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
