/* SPDX-License-Identifier: Apache-2.0
 * Linux cooked capture v1 (DLT_LINUX_SLL, 113): the 16-byte pseudo header
 * written for "any" interface captures; the source MAC when the hardware
 * type is Ethernet, then the protocol as an EtherType. */
#include <string.h>

#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

int mm__decode_sll(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 16)
        return mm__anomaly(p, "sll", MM_ANOM_TRUNCATED, "sll.pkt_too_small");
    uint16_t hatype = mm__be16(data + 2), halen = mm__be16(data + 4);
    if (hatype == 1 && halen == 6) {
        p->has_eth = true;
        memcpy(p->src_mac, data + 6, 6);
    }
    uint16_t proto = mm__be16(data + 14);
    if (proto < 0x0600)
        return 0; /* 802.3 / 802.2 / CAN ... not IP */
    return mm_decode_ethertype(p, proto, data + 16, len - 16);
}
