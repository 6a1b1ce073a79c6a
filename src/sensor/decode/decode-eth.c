/* SPDX-License-Identifier: Apache-2.0
 * Ethernet II (DLT_EN10MB): MAC addresses and the EtherType. 802.3 frames
 * with a length instead of a type (STP, LLC) end decoding quietly. */
#include <string.h>

#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

int mm__decode_eth(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 14)
        return mm__anomaly(p, "ethernet", MM_ANOM_TRUNCATED, "ethernet.pkt_too_small");
    p->has_eth = true;
    memcpy(p->dst_mac, data, 6);
    memcpy(p->src_mac, data + 6, 6);
    uint16_t type = mm__be16(data + 12);
    if (type < 0x0600)
        return 0; /* 802.3 length field: LLC/SNAP, not decoded */
    return mm_decode_ethertype(p, type, data + 14, len - 14);
}
