/* SPDX-License-Identifier: Apache-2.0
 * IPv6: the fixed header, then the extension header chain (hop-by-hop,
 * routing, fragment, destination options, authentication), at most
 * IPV6_MAX_EXT headers, each bounds-checked. The fragment header marks the
 * packet and fills its fragment fields; with reassembly on (p->defrag)
 * decoding stops there and defrag.c holds the fragment, else only offset 0
 * continues to the transport layer. ESP and "no next header" end decoding
 * quietly. */
#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

#define IPV6_MAX_EXT 8

enum {
    NH_HOPOPTS = 0,
    NH_ROUTING = 43,
    NH_FRAGMENT = 44,
    NH_AH = 51,
    NH_NONE = 59,
    NH_DSTOPTS = 60
};

/* Walks one extension header at data[0..len); returns its length or a
 * negative error after raising the anomaly. Sets *stop for later fragments. */
static long ipv6_ext(struct mm_packet *p, uint8_t nh, const uint8_t *data, uint32_t len,
                     uint8_t *next, bool *stop)
{
    if (len < 8)
        return mm__anomaly(p, "ipv6", MM_ANOM_TRUNCATED, "ipv6.trunc_exthdr");
    uint32_t hl;
    if (nh == NH_FRAGMENT) {
        hl = 8;
        uint16_t off = mm__be16(data + 2) >> 3;
        if (!p->fragment) { /* the first fragment header describes the packet */
            p->frag_more = (data[3] & 1) != 0;
            p->frag_id = mm__be32(data + 4);
            p->frag_offset = (uint32_t)off * 8;
        }
        p->fragment = true;
        p->first_fragment = off == 0;
        *stop = off != 0 || p->defrag;
    } else if (nh == NH_AH) {
        hl = ((uint32_t)data[1] + 2) * 4;
    } else {
        hl = ((uint32_t)data[1] + 1) * 8;
    }
    if (hl > len)
        return mm__anomaly(p, "ipv6", MM_ANOM_TRUNCATED, "ipv6.trunc_exthdr");
    *next = data[0];
    return (long)hl;
}

int mm__decode_ipv6(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 40)
        return mm__anomaly(p, "ipv6", MM_ANOM_TRUNCATED, "ipv6.pkt_too_small");
    if (data[0] >> 4 != 6)
        return mm__anomaly(p, "ipv6", MM_ANOM_BAD_VERSION, "ipv6.wrong_ip_version");
    uint32_t plen = mm__be16(data + 4);
    if (40 + plen > len) {
        if (!mm__snapped(p))
            return mm__anomaly(p, "ipv6", MM_ANOM_TRUNCATED, "ipv6.trunc_pkt");
        plen = len - 40;
    }
    p->ip_version = 6;
    mm_addr_from_v6(data + 8, &p->src);
    mm_addr_from_v6(data + 24, &p->dst);
    p->ttl = data[7];
    uint8_t nh = data[6];
    const uint8_t *cur = data + 40;
    uint32_t left = plen, nh_pos = 6;
    for (int n = 0;; n++) {
        if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_FRAGMENT && nh != NH_DSTOPTS &&
            nh != NH_AH)
            break;
        if (n >= IPV6_MAX_EXT)
            return mm__anomaly(p, "ipv6", MM_ANOM_TOO_DEEP, "ipv6.exthdr_too_many");
        bool stop = false;
        uint8_t next = 0;
        long hl = ipv6_ext(p, nh, cur, left, &next, &stop);
        if (hl < 0)
            return (int)hl;
        if (nh == NH_FRAGMENT && !p->l3) {
            p->l3 = data;
            p->frag_hlen = (uint32_t)(cur - data) + 8;
            p->frag_len = left - 8;
            p->frag_nh_pos = nh_pos;
            if (p->defrag && mm__snapped(p)) { /* a cut fragment cannot be reassembled */
                p->defrag = false;
                stop = p->frag_offset != 0;
            }
        }
        nh_pos = (uint32_t)(cur - data);
        cur += hl;
        left -= (uint32_t)hl;
        nh = next;
        if (stop) {
            p->ip_proto = nh;
            return 0;
        }
    }
    p->ip_proto = nh;
    if (nh == NH_NONE)
        return 0;
    p->l4 = cur;
    p->l4_len = left;
    return mm_decode_ip_proto(p, nh, cur, left);
}
