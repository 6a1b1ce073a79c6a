#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz-capture-file.c (tests/fuzz/corpus/
capture-file/): small capture files for the in-place reader. Seeds: pcap in
both byte orders (micro- and nanoseconds, a record longer than the snapshot,
caplen > len), a cut pcap, pcapng in both byte orders with two sections,
interfaces with if_tsresol (10^-9, 2^-20) and if_tsoffset, enhanced, simple
and obsolete packet blocks and an unknown block, and a pcapng whose second
interface has another link type (an error).

    make-capture-file-corpus.py [OUT_DIR]"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def payload(n, seed):
    return bytes((seed + i) & 0xFF for i in range(n))


def pcap(order, magic, snaplen, linktype, records):
    out = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for sec, frac, cap, length, seed in records:
        out += struct.pack(order + "IIII", sec, frac, cap, length) + payload(cap, seed)
    return out


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def block(order, btype, body):
    body = pad4(body)
    total = len(body) + 12
    return struct.pack(order + "II", btype, total) + body + struct.pack(order + "I", total)


def opt(order, code, value):
    return struct.pack(order + "HH", code, len(value)) + pad4(value)


def shb(order, minor=0):
    return block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, minor, -1))


def idb(order, linktype, snaplen, options=b""):
    return block(order, 1, struct.pack(order + "HHI", linktype, 0, snaplen) + options +
                 opt(order, 0, b""))


def epb(order, iface, t, cap, length, seed):
    return block(order, 6, struct.pack(order + "IIIII", iface, t >> 32, t & 0xFFFFFFFF, cap,
                                       length) + pad4(payload(cap, seed)) +
                 opt(order, 1, b"seed") + opt(order, 0, b""))


def spb(order, length, n, seed):
    return block(order, 3, struct.pack(order + "I", length) + payload(n, seed))


def pb(order, iface, t, cap, length, seed):
    return block(order, 2, struct.pack(order + "HHIIII", iface, 0, t >> 32, t & 0xFFFFFFFF,
                                       cap, length) + payload(cap, seed))


def pcapng(order, linktype):
    ns = opt(order, 9, b"\x09")
    bin20 = opt(order, 9, bytes([0x80 | 20])) + opt(order, 14, struct.pack(order + "q", -3600))
    return (shb(order) + block(order, 0x0BAD, b"unknown") + idb(order, linktype, 0) +
            idb(order, linktype, 0, ns) + idb(order, linktype, 0, bin20) +
            epb(order, 0, 1775001600123456, 60, 60, 1) +
            epb(order, 1, 1775001600123456789, 61, 80, 2) +
            epb(order, 2, (1775001600 << 20) | 12345, 30, 30, 3) +
            spb(order, 70, 70, 4) + pb(order, 1, 42, 20, 20, 5) +
            block(order, 5, b"\0" * 16) + shb(order, 2) + idb(order, linktype, 0) +
            epb(order, 0, 99, 40, 40, 6))


def seeds():
    recs = [(1775001600, 123456, 60, 60, 1), (1775001601, 999999, 0, 64, 2),
            (1775001602, 7, 100, 1500, 3), (1775001603, 8, 30, 20, 4)]
    nrecs = [(1775001600, 123456789, 60, 60, 1), (1775001601, 5, 70, 70, 2)]
    cut = pcap("<", 0xA1B2C3D4, 65535, 1, recs)
    mixed = shb("<") + idb("<", 1, 0) + epb("<", 0, 1, 10, 10, 1) + idb("<", 113, 0)
    return {
        "pcap-le-usec": pcap("<", 0xA1B2C3D4, 64, 1, recs),
        "pcap-be-usec": pcap(">", 0xA1B2C3D4, 64, 101, recs),
        "pcap-le-nsec": pcap("<", 0xA1B23C4D, 0, 113, nrecs),
        "pcap-be-nsec": pcap(">", 0xA1B23C4D, 0, 228, nrecs),
        "pcap-cut": cut[:-25],
        "pcapng-le": pcapng("<", 1),
        "pcapng-be": pcapng(">", 229),
        "pcapng-other-link-type": mixed,
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "capture-file")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
