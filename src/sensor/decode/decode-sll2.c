/* SPDX-License-Identifier: Apache-2.0
 * Linux cooked capture v2 (DLT_LINUX_SLL2, 276): the 20-byte pseudo header
 * (protocol first, interface index, hardware type, packet type, address). */
#include <string.h>

#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

int mm__decode_sll2(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 20)
        return mm__anomaly(p, "sll2", MM_ANOM_TRUNCATED, "sll2.pkt_too_small");
    uint16_t proto = mm__be16(data);
    uint16_t hatype = mm__be16(data + 8);
    uint8_t halen = data[11];
    if (hatype == 1 && halen == 6) {
        p->has_eth = true;
        memcpy(p->src_mac, data + 12, 6);
    }
    if (proto < 0x0600)
        return 0;
    return mm_decode_ethertype(p, proto, data + 20, len - 20);
}
