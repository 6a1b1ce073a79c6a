# SPDX-License-Identifier: Apache-2.0
# A fragmented UDP datagram: the first fragment opens the flow (ports
# known), the later fragment is counted but belongs to no flow (fragments
# are not reassembled; docs/design/sensor.md).
import os


def build(tmp, g):
    path = os.path.join(tmp, "in.pcap")
    w = g.PcapWriter(path)
    payload = b"z" * 64
    udp = g.udp("192.168.1.10", 7000, "192.168.1.20", 7001, payload)
    w.raw(g.ether(g.MAC_A, g.MAC_B, 0x0800,
                  g.ipv4("192.168.1.10", "192.168.1.20", 17, udp[:48], flags_frag=0x2000)))
    w.raw(g.ether(g.MAC_A, g.MAC_B, 0x0800,
                  g.ipv4("192.168.1.10", "192.168.1.20", 17, udp[48:], flags_frag=6)))
    w.close()
    return ["-r", path, "--stats", "0"]
