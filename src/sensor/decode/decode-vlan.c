/* SPDX-License-Identifier: Apache-2.0
 * 802.1Q and 802.1ad (QinQ) tags: records up to two VLAN ids; a third tag is
 * an anomaly ("vlan.too_many_layers"), so nesting is bounded. */
#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

#define VLAN_MAX_DEPTH 2

int mm__decode_vlan(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (p->vlan_count >= VLAN_MAX_DEPTH)
        return mm__anomaly(p, "vlan", MM_ANOM_TOO_DEEP, "vlan.too_many_layers");
    if (len < 4)
        return mm__anomaly(p, "vlan", MM_ANOM_TRUNCATED, "vlan.header_too_small");
    p->vlan[p->vlan_count++] = mm__be16(data) & 0x0fff;
    uint16_t type = mm__be16(data + 2);
    if (type < 0x0600)
        return 0;
    return mm_decode_ethertype(p, type, data + 4, len - 4);
}
