# SPDX-License-Identifier: Apache-2.0
# A Windows-style DHCPREQUEST (broadcast) and the server's DHCPACK.
import os


def build(tmp, g, a):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    w.udp(("0.0.0.0", 68), ("255.255.255.255", 67), a.dhcp_request_windows(),
          dst_mac="ff:ff:ff:ff:ff:ff")
    w.udp(("192.168.1.1", 67), ("192.168.1.23", 68), a.dhcp_ack(), src_mac=g.MAC_B,
          dst_mac=g.MAC_A)
    w.close()
    return ["-r", path]
