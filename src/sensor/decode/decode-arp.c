/* SPDX-License-Identifier: Apache-2.0
 * ARP (EtherType 0x0806) for Ethernet/IPv4: operation, sender and target
 * hardware and protocol addresses (the device inventory and ARP-spoofing
 * signals read them). Other hardware/protocol pairs are ignored. */
#include <string.h>

#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

int mm__decode_arp(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 8)
        return mm__anomaly(p, "arp", MM_ANOM_TRUNCATED, "arp.pkt_too_small");
    uint16_t htype = mm__be16(data), ptype = mm__be16(data + 2);
    if (htype != 1 || ptype != 0x0800 || data[4] != 6 || data[5] != 4)
        return 0;
    if (len < 28)
        return mm__anomaly(p, "arp", MM_ANOM_TRUNCATED, "arp.pkt_too_small");
    p->is_arp = true;
    p->arp_op = mm__be16(data + 6);
    memcpy(p->arp_sha, data + 8, 6);
    mm_addr_from_v4(data + 14, &p->arp_spa);
    memcpy(p->arp_tha, data + 18, 6);
    mm_addr_from_v4(data + 24, &p->arp_tpa);
    return 0;
}
