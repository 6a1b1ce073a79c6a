# SPDX-License-Identifier: Apache-2.0
# IP fragment reassembly: a DNS query split over three IPv4 fragments (sent
# out of order, on a VLAN), a TLS ClientHello whose one TCP segment is split
# over IPv4 fragments of 64 bytes, and a DNS query split over two IPv6
# fragments behind a hop-by-hop header. Each gives the same dns/tls event as
# the unfragmented packet (a copy of the DNS query goes unfragmented first),
# and www.example.com in the intel list raises the intel alert on the SNI.
import os
import struct


def fragments_v4(g, src, dst, proto, l4, ident, size, order=None):
    """The IPv4 packets carrying l4 in fragments of size bytes (a multiple
    of 8), in the given order of fragment indexes (default: in order)."""
    chunks = [l4[i:i + size] for i in range(0, len(l4), size)]
    frames = []
    for n, chunk in enumerate(chunks):
        more = 0x2000 if n < len(chunks) - 1 else 0
        frames.append(g.ipv4(src, dst, proto, chunk, ident=ident, flags_frag=more | (n * size // 8)))
    return [frames[i] for i in (order or range(len(frames)))]


def fragments_v6(g, src, dst, proto, l4, ident, size):
    """IPv6 packets: hop-by-hop (PadN), then a fragment header, then the piece."""
    out = []
    chunks = [l4[i:i + size] for i in range(0, len(l4), size)]
    for n, chunk in enumerate(chunks):
        more = 1 if n < len(chunks) - 1 else 0
        hbh = bytes([44, 0, 1, 4, 0, 0, 0, 0])
        frag = struct.pack("!BBHI", proto, 0, n * size | more, ident)
        out.append(g.ipv6(src, dst, 0, hbh + frag + chunk))
    return out


def build(tmp, g, a):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    c, s = ("192.168.1.10", 53001), ("192.168.1.1", 53)
    query = a.dns_query("frag.example.org", ident=0x1111)
    w.udp(c, s, query)  # the unfragmented reference
    l4 = g.udp("192.168.1.10", 53002, s[0], 53, query)
    for ip in fragments_v4(g, "192.168.1.10", s[0], 17, l4, 0x2222, 16, order=[1, 2, 0]):
        w.raw(g.ether(g.MAC_A, g.MAC_B, 0x0800, ip, vlans=(30,)))

    t = g.TcpSession(w, ("192.168.1.10", 51000), ("203.0.113.5", 443))
    t.handshake()
    hello = a.tls_record(22, a.ja4_vector_hello())
    seg = g.tcp(t.c[0], t.c[1], t.s[0], t.s[1], t.cseq, t.sseq, g.TCP_ACK | g.TCP_PSH, hello)
    for ip in fragments_v4(g, t.c[0], t.s[0], 6, seg, 0x3333, 64):
        w.raw(g.ether(g.MAC_A, g.MAC_B, 0x0800, ip))
    t.cseq += len(hello)
    t.close()

    c6, s6 = "2001:db8::10", "2001:db8::1"
    query6 = a.dns_query("six.example.org", ident=0x6666)
    l4 = g.udp(c6, 53003, s6, 53, query6)
    for ip in reversed(fragments_v6(g, c6, s6, 17, l4, 0x01020304, 24)):
        w.raw(g.ether(g.MAC_A, g.MAC_B, 0x86DD, ip))
    w.close()
    intel = os.path.join(tmp, "intel.txt")
    with open(intel, "w", encoding="utf-8") as f:
        f.write("www.example.com\n")
    return ["-r", path, "--intel", intel]
