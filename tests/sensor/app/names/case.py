# SPDX-License-Identifier: Apache-2.0
# Host names announced by mDNS (an iPhone) and by a NetBIOS name
# registration (a Windows PC); a NetBIOS query names nobody's own host.
import os


def build(tmp, g, a):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    w.udp(("192.168.1.40", 5353), ("224.0.0.251", 5353), a.mdns_announce(),
          dst_mac="01:00:5e:00:00:fb")
    w.udp(("192.168.1.50", 137), ("192.168.1.255", 137), a.nbns_registration(),
          src_mac=g.MAC_B, dst_mac="ff:ff:ff:ff:ff:ff")
    w.udp(("192.168.1.50", 137), ("192.168.1.255", 137), a.nbns_query(),
          src_mac=g.MAC_B, dst_mac="ff:ff:ff:ff:ff:ff")
    w.close()
    return ["-r", path]
