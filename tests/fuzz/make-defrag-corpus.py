#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz-defrag.c (tests/fuzz/corpus/defrag/) with
tests/sensor/gen/pcapgen.py: byte 0 sets the clock step, then raw IP
packets, each a 2-byte big-endian length and the bytes. Seeds: a DNS query
in three IPv4 fragments out of order, a TCP segment in fragments with a
duplicate and an overlap of different bytes, an IPv6 datagram in two
fragments behind a hop-by-hop header, a fragment ending past 65535, an
IPv6 datagram whose rebuilt packet holds another fragment header (nested
fragmentation, dropped) and an IPv4 datagram whose rebuilt UDP header is
malformed (dropped as invalid).

    make-defrag-corpus.py [OUT_DIR]"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sensor", "gen"))
import pcapgen as g  # noqa: E402


def v4(l4, ident, size, proto=17):
    chunks = [l4[i:i + size] for i in range(0, len(l4), size)]
    return [g.ipv4("192.168.1.10", "192.0.2.53", proto, c, ident=ident,
                   flags_frag=(0x2000 if n < len(chunks) - 1 else 0) | (n * size // 8))
            for n, c in enumerate(chunks)]


def v6(l4, ident, size, nh=17):
    chunks = [l4[i:i + size] for i in range(0, len(l4), size)]
    out = []
    for n, c in enumerate(chunks):
        frag = struct.pack("!BBHI", nh, 0, n * size | (1 if n < len(chunks) - 1 else 0), ident)
        out.append(g.ipv6("2001:db8::1", "2001:db8::2", 0, bytes([44, 0, 1, 4, 0, 0, 0, 0]) + frag + c))
    return out


def seeds():
    dns = g.udp("192.168.1.10", 5353, "192.0.2.53", 53, g.dns_query("www.example.com"))
    seg = g.tcp("192.168.1.10", 51000, "192.0.2.53", 80, 1000, 0, g.TCP_ACK | g.TCP_PSH,
                b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n")
    tcp = v4(seg, 7, 16, proto=6)
    evil = bytearray(tcp[1])
    evil[-1] ^= 0xFF
    big = g.ipv4("192.168.1.10", "192.0.2.53", 17, bytes(16), ident=9, flags_frag=0x1FFF)
    dns6 = g.udp("2001:db8::1", 5353, "2001:db8::2", 53, g.dns_query("www.example.com"))
    inner = struct.pack("!BBHI", 17, 0, 1, 99) + dns6[:16]  # an inner first fragment
    bad_udp = dns[:4] + struct.pack("!H", 4) + dns[6:]  # UDP length 4
    return {
        "ipv4-dns-out-of-order": (0, [v4(dns, 1, 16)[i] for i in (2, 0, 1)]),
        "ipv4-tcp-duplicate-overlap": (1, [tcp[0], tcp[0], bytes(evil)] + tcp[1:]),
        "ipv6-hbh-two-fragments": (0, v6(dns6, 0x01020304, 24)),
        "ipv4-too-large": (2, [v4(dns, 9, 16)[0], big]),
        "ipv6-nested-fragment": (0, v6(inner, 0x0A0B0C0D, 16, nh=44)),
        "ipv4-rebuilt-invalid-udp": (0, v4(bad_udp, 11, 16)),
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "defrag")
    os.makedirs(out, exist_ok=True)
    for name, (step, packets) in seeds().items():
        data = bytes([step]) + b"".join(struct.pack("!H", len(p)) + p for p in packets)
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
