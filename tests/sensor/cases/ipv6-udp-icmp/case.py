# SPDX-License-Identifier: Apache-2.0
# IPv6 UDP with a hop-by-hop header, an ICMPv6 echo and its reply in one
# flow with the Community ID of the spec's ICMPv6 vector, an IPv4 echo.
import os
import struct


def build(tmp, g):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    a, b = "2001:db8::10", "2001:db8::53"
    udp = g.udp(a, 40000, b, 53, g.dns_query("v6.example"))
    hbh = bytes([17, 0, 1, 4, 0, 0, 0, 0])
    w.raw(g.ether(g.MAC_A, g.MAC_B, 0x86DD, g.ipv6(a, b, 0, hbh + udp)))
    s, d = "fe80:1:203:405:607:809:a0b:c0d", "fe80:1011:1213:1415:1617:1819:1a1b:1c1d"
    w.raw(g.ether(g.MAC_A, g.MAC_B, 0x86DD, g.ipv6(s, d, 58, struct.pack("!BBHHH", 128, 0, 0, 1, 1))))
    w.raw(g.ether(g.MAC_B, g.MAC_A, 0x86DD, g.ipv6(d, s, 58, struct.pack("!BBHHH", 129, 0, 0, 1, 1))))
    w.raw(g.ether(g.MAC_A, g.MAC_B, 0x0800, g.ipv4("1.2.3.4", "5.6.7.8", 1, g.icmp_echo())))
    w.close()
    return ["-r", path]
