# SPDX-License-Identifier: Apache-2.0
# DNS over UDP (query, compressed response, NXDOMAIN) and over TCP: two
# length-prefixed messages sent one byte per segment.
import os


def build(tmp, g, a):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    c, s = ("192.168.1.10", 53001), ("192.168.1.1", 53)
    w.udp(c, s, a.dns_query("www.example.com", ident=0xBEEF))
    w.udp(s, c, a.dns_response_full(0xBEEF))
    w.udp(("192.168.1.10", 53002), s, a.dns_query("nosuch.example.net", ident=0x4242))
    w.udp(s, ("192.168.1.10", 53002), a.dns_nxdomain())
    t = g.TcpSession(w, ("192.168.1.10", 51000), ("192.168.1.1", 53))
    t.handshake()
    t.send(a.dns_tcp(a.dns_query("a.example", qtype=28, ident=7)) +
           a.dns_tcp(a.dns_query("b.example", qtype=16, ident=8)), segment=1)
    t.close()
    w.close()
    return ["-r", path]
