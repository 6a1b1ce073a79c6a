/* SPDX-License-Identifier: Apache-2.0
 * ICMP for IPv4: type and code (stored as sport/dport, as the Community ID
 * spec and the flow table expect) and the rest of the message as payload. */
#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

int mm__decode_icmp(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 4)
        return mm__anomaly(p, "icmpv4", MM_ANOM_TRUNCATED, "icmpv4.pkt_too_small");
    p->sport = data[0];
    p->dport = data[1];
    p->payload = data + 4;
    p->payload_len = len - 4;
    return 0;
}
