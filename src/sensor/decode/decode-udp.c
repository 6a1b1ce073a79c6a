/* SPDX-License-Identifier: Apache-2.0
 * UDP: ports and payload, trimmed to the UDP length. A length beyond the
 * captured bytes is an anomaly unless the datagram is the first fragment of
 * a fragmented packet or the snap length cut it. */
#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

int mm__decode_udp(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 8)
        return mm__anomaly(p, "udp", MM_ANOM_TRUNCATED, "udp.pkt_too_small");
    p->sport = mm__be16(data);
    p->dport = mm__be16(data + 2);
    uint32_t ulen = mm__be16(data + 4);
    if (ulen < 8)
        return mm__anomaly(p, "udp", MM_ANOM_BAD_LENGTH, "udp.hlen_invalid");
    if (ulen > len) {
        if (!p->fragment && !mm__snapped(p))
            return mm__anomaly(p, "udp", MM_ANOM_TRUNCATED, "udp.len_invalid");
        ulen = len;
    }
    p->payload = data + 8;
    p->payload_len = ulen - 8;
    return 0;
}
