/* SPDX-License-Identifier: Apache-2.0
 * ICMPv6: type and code (as sport/dport) and the message body as payload;
 * neighbour discovery is left to the device inventory's ARP-like view. */
#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

int mm__decode_icmpv6(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 4)
        return mm__anomaly(p, "icmpv6", MM_ANOM_TRUNCATED, "icmpv6.pkt_too_small");
    p->sport = data[0];
    p->dport = data[1];
    p->payload = data + 4;
    p->payload_len = len - 4;
    return 0;
}
