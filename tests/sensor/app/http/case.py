# SPDX-License-Identifier: Apache-2.0
# Two pipelined HTTP requests in one segment (a POST with a body first),
# answered by a chunked and a Content-Length response in 7-byte segments.
import os


def build(tmp, g, a):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    t = g.TcpSession(w, ("192.168.1.10", 51000), ("203.0.113.5", 80))
    t.handshake()
    t.send(a.http_request(method="POST", uri="/form", body=b"name=mamori") +
           a.http_request(host="Www.Example.COM:80", uri="/next?a=1", ua="Mozilla/4.0 "
                          "(compatible; MSIE 6.0; Windows NT 5.1)"))
    t.recv(a.http_response(body=b"0123456789", chunked=True) +
           a.http_response(status=404, body=b"none"), segment=7)
    t.close()
    w.close()
    return ["-r", path]
