# SPDX-License-Identifier: Apache-2.0
# Fragment evasion: a DNS query for good.example.org in two IPv4 fragments,
# the second overlapping the first with the bytes of evil.example.org. The
# hosts drop such a datagram (Linux, RFC 5722), so the sensor drops it too
# and decodes neither version (no dns event: stats.defrag.reassembled 0);
# the overlap raises the anomaly ipv4.frag_overlap. Then a fragment ending
# past 65535 bytes (ipv4.frag_too_large), and the same overlap over IPv6.
import os
import struct

ANOMALIES_OK = True


def build(tmp, g, a):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    c, s = "192.168.1.10", "192.168.1.1"
    good = g.udp(c, 53001, s, 53, a.dns_query("good.example.org", ident=0x0101))
    evil = g.udp(c, 53001, s, 53, a.dns_query("evil.example.org", ident=0x0101))
    assert len(good) == len(evil)
    w.raw(g.ether(g.MAC_A, g.MAC_B, 0x0800, g.ipv4(c, s, 17, good[:32], ident=77, flags_frag=0x2000)))
    w.raw(g.ether(g.MAC_A, g.MAC_B, 0x0800, g.ipv4(c, s, 17, evil[16:], ident=77, flags_frag=2)))
    w.raw(g.ether(g.MAC_A, g.MAC_B, 0x0800, g.ipv4(c, s, 17, bytes(16), ident=78, flags_frag=0x1FFF)))

    c6, s6 = "2001:db8::10", "2001:db8::1"
    good6 = g.udp(c6, 53002, s6, 53, a.dns_query("good.example.org", ident=0x0606))
    evil6 = g.udp(c6, 53002, s6, 53, a.dns_query("evil.example.org", ident=0x0606))
    for off, piece, more in ((0, good6[:32], 1), (16, evil6[16:], 0)):
        frag = struct.pack("!BBHI", 17, 0, off | more, 0x0A0B0C0D)
        w.raw(g.ether(g.MAC_A, g.MAC_B, 0x86DD, g.ipv6(c6, s6, 44, frag + piece)))
    w.close()
    return ["-r", path]
