# SPDX-License-Identifier: Apache-2.0
# One long-lived DHCP flow (0.0.0.0:68 -> broadcast:67): a request, a
# crafted truncated datagram, then another request. The bad datagram raises
# an anomaly, but the request after it is still decoded (a UDP flow is not
# given up on because of one packet).
import os

ANOMALIES_OK = True


def build(tmp, g, a):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    src, dst = ("0.0.0.0", 68), ("255.255.255.255", 67)
    w.udp(src, dst, a.dhcp_request_windows(), dst_mac="ff:ff:ff:ff:ff:ff")
    w.udp(src, dst, b"\x01\x01\x06\x00" + b"\x00" * 16, dst_mac="ff:ff:ff:ff:ff:ff")
    w.udp(src, dst, a.dhcp_request_windows(), dst_mac="ff:ff:ff:ff:ff:ff")
    w.close()
    return ["-r", path]
