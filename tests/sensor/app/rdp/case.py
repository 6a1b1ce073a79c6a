# SPDX-License-Identifier: Apache-2.0
# An RDP connection request with a user-name cookie, the server's confirm
# choosing TLS, and the TLS handshake that follows (not parsed as TLS).
import os


def build(tmp, g, a):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    t = g.TcpSession(w, ("192.168.1.30", 50123), ("203.0.113.9", 3389))
    t.handshake()
    t.send(a.rdp_connection_request("suzuki"))
    t.recv(a.rdp_connection_confirm(1))
    t.send(a.tls_record(22, a.ja3_vector_hello()))
    t.close()
    w.close()
    return ["-r", path]
