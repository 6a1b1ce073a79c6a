# SPDX-License-Identifier: Apache-2.0
# A TLS 1.2 handshake on a non-standard port: the ClientHello (FoxIO's JA4
# example) in 50-byte segments, the server's hello, certificate and done in
# one flight split at 100 bytes, then application data.
import os


def build(tmp, g, a):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    t = g.TcpSession(w, ("192.168.1.10", 51000), ("203.0.113.5", 8443))
    t.handshake()
    t.send(a.tls_record(22, a.ja4_vector_hello()), segment=50)
    t.recv(a.tls12_server_flight(), segment=100)
    t.send(a.tls_record(20, b"\x01", 0x0303) + a.tls_record(23, bytes(64), 0x0303))
    t.recv(a.tls_record(23, bytes(300), 0x0303))
    t.close()
    w.close()
    return ["-r", path]
