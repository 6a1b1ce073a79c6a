# SPDX-License-Identifier: Apache-2.0
# An SMBv1-only client (Windows XP strings) against an SMBv1 server on 445,
# and a modern SMB2 negotiation on 139 with the NetBIOS session request first.
import os


def build(tmp, g, a):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    t = g.TcpSession(w, ("192.168.1.20", 1040), ("192.168.1.5", 445))
    t.handshake()
    t.send(a.smb1_negotiate_request(), segment=20)
    t.recv(a.smb1_negotiate_response())
    t.send(a.smb1_session_setup_request())
    t.recv(a.smb1_session_setup_response())
    t.close()
    u = g.TcpSession(w, ("192.168.1.21", 50000), ("192.168.1.5", 139))
    u.handshake()
    u.send(b"\x81\x00\x00\x44" + bytes(68))
    u.recv(b"\x82\x00\x00\x00")
    u.send(a.smb2_negotiate_request())
    u.recv(a.smb2_negotiate_response(0x0302))
    u.close()
    w.close()
    return ["-r", path]
