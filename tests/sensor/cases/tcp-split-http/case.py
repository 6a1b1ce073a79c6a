# SPDX-License-Identifier: Apache-2.0
# An HTTP request split over 9-byte segments, one segment retransmitted and
# two swapped: reassembly hands the decoder the whole request; the flow
# record counts both directions and the TCP flags.
import os


def build(tmp, g):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    s = g.TcpSession(w, ("192.168.1.10", 51000), ("203.0.113.5", 80))
    s.handshake()
    req = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: test/1.0\r\n\r\n"
    base = s.cseq
    chunks = [(base + i, req[i:i + 9]) for i in range(0, len(req), 9)]
    chunks[2], chunks[3] = chunks[3], chunks[2]  # out of order
    chunks.insert(5, chunks[4])                    # retransmission
    for seq, data in chunks:
        w.tcp(s.c, s.s, seq, s.sseq, g.TCP_ACK | g.TCP_PSH, data)
    s.cseq = base + len(req)
    s.recv(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    s.close()
    w.close()
    return ["-r", path]
