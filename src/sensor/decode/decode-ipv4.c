/* SPDX-License-Identifier: Apache-2.0
 * IPv4: header checks (version, header length, total length), addresses,
 * TTL and protocol. Ethernet padding past the total length is trimmed; a
 * total length beyond the captured bytes is an anomaly unless the capture's
 * snap length cut the packet. Fragments: the fragment fields are filled;
 * with reassembly on (p->defrag) decoding stops at the IP layer and
 * defrag.c holds the fragment; without it (or when the snap length cut the
 * fragment) the first fragment is decoded down to the transport header and
 * later ones are only marked (see docs/design/sensor.md "Fragments").
 * Options are skipped, not interpreted. */
#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

int mm__decode_ipv4(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 20)
        return mm__anomaly(p, "ipv4", MM_ANOM_TRUNCATED, "ipv4.pkt_too_small");
    if (data[0] >> 4 != 4)
        return mm__anomaly(p, "ipv4", MM_ANOM_BAD_VERSION, "ipv4.wrong_ip_version");
    uint32_t hlen = (uint32_t)(data[0] & 0x0f) * 4;
    if (hlen < 20)
        return mm__anomaly(p, "ipv4", MM_ANOM_BAD_LENGTH, "ipv4.hlen_too_small");
    if (hlen > len)
        return mm__anomaly(p, "ipv4", MM_ANOM_TRUNCATED, "ipv4.trunc_pkt");
    uint32_t total = mm__be16(data + 2);
    if (total < hlen)
        return mm__anomaly(p, "ipv4", MM_ANOM_BAD_LENGTH, "ipv4.iplen_smaller_than_hlen");
    if (total > len) {
        if (!mm__snapped(p))
            return mm__anomaly(p, "ipv4", MM_ANOM_TRUNCATED, "ipv4.trunc_pkt");
        total = len;
    }
    p->ip_version = 4;
    mm_addr_from_v4(data + 12, &p->src);
    mm_addr_from_v4(data + 16, &p->dst);
    p->ttl = data[8];
    p->ip_proto = data[9];
    uint16_t frag = mm__be16(data + 6);
    uint16_t offset = frag & 0x1fff;
    bool more = (frag & 0x2000) != 0;
    p->fragment = more || offset != 0;
    p->first_fragment = p->fragment && offset == 0;
    if (p->fragment) {
        p->frag_more = more;
        p->frag_id = mm__be16(data + 4);
        p->frag_offset = (uint32_t)offset * 8;
        p->l3 = data;
        p->frag_hlen = hlen;
        p->frag_len = total - hlen;
        if (p->defrag && !mm__snapped(p))
            return 0; /* held for reassembly (defrag.c) */
        p->defrag = false;
    }
    if (offset != 0)
        return 0; /* a later fragment: no transport header here */
    p->l4 = data + hlen;
    p->l4_len = total - hlen;
    return mm_decode_ip_proto(p, p->ip_proto, p->l4, p->l4_len);
}
