/* SPDX-License-Identifier: Apache-2.0
 * Raw IP link types: DLT_RAW (12, 14 on OpenBSD, LINKTYPE_RAW 101) where the
 * version nibble says IPv4 or IPv6, and DLT_IPV4 (228) / DLT_IPV6 (229). */
#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

int mm__decode_raw(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 1)
        return mm__anomaly(p, "raw", MM_ANOM_TRUNCATED, "raw.pkt_too_small");
    switch (data[0] >> 4) {
    case 4:
        return mm_decode_ethertype(p, 0x0800, data, len);
    case 6:
        return mm_decode_ethertype(p, 0x86dd, data, len);
    default:
        return mm__anomaly(p, "raw", MM_ANOM_BAD_VERSION, "raw.invalid_ip_version");
    }
}

int mm__decode_link_ipv4(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    return mm_decode_ethertype(p, 0x0800, data, len);
}

int mm__decode_link_ipv6(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    return mm_decode_ethertype(p, 0x86dd, data, len);
}
