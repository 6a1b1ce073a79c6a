/* SPDX-License-Identifier: Apache-2.0
 * BSD loopback encapsulation: DLT_NULL (0, address family in the capturing
 * host's byte order, so both orders are accepted) and DLT_LOOP (108, network
 * order). AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 by OS. */
#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

static int decode_family(struct mm_packet *p, uint32_t fam, const uint8_t *data, uint32_t len)
{
    switch (fam) {
    case 2:
        return mm_decode_ethertype(p, 0x0800, data, len);
    case 10:
    case 24:
    case 28:
    case 30:
        return mm_decode_ethertype(p, 0x86dd, data, len);
    default:
        return 0;
    }
}

int mm__decode_null(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 4)
        return mm__anomaly(p, "null", MM_ANOM_TRUNCATED, "null.pkt_too_small");
    uint32_t be = mm__be32(data);
    uint32_t le = (uint32_t)data[0] | ((uint32_t)data[1] << 8) | ((uint32_t)data[2] << 16) |
                  ((uint32_t)data[3] << 24);
    return decode_family(p, be <= 0xffff ? be : le, data + 4, len - 4);
}

int mm__decode_loop(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 4)
        return mm__anomaly(p, "null", MM_ANOM_TRUNCATED, "null.pkt_too_small");
    return decode_family(p, mm__be32(data), data + 4, len - 4);
}
