/* SPDX-License-Identifier: Apache-2.0
 * Builds test packets in memory (Ethernet, VLAN, IPv4, IPv6, TCP, UDP,
 * ICMP) for the sensor's unit tests; checksums are left zero (the sensor
 * does not verify them). Header-only, for tests. */
#ifndef MM_TEST_PKTBUILD_H
#define MM_TEST_PKTBUILD_H

#include <stdint.h>
#include <string.h>

struct pkt {
    uint8_t b[4096];
    size_t len;
};

static inline void pk_put(struct pkt *p, const void *d, size_t n)
{
    memcpy(p->b + p->len, d, n);
    p->len += n;
}

static inline void pk_u8(struct pkt *p, uint8_t v)
{
    p->b[p->len++] = v;
}

static inline void pk_u16(struct pkt *p, uint16_t v)
{
    pk_u8(p, (uint8_t)(v >> 8));
    pk_u8(p, (uint8_t)v);
}

static inline void pk_u32(struct pkt *p, uint32_t v)
{
    pk_u16(p, (uint16_t)(v >> 16));
    pk_u16(p, (uint16_t)v);
}

static inline void pk_set16(struct pkt *p, size_t at, uint16_t v)
{
    p->b[at] = (uint8_t)(v >> 8);
    p->b[at + 1] = (uint8_t)v;
}

static const uint8_t PK_MAC_A[6] = {2, 0, 0, 0, 0, 1}, PK_MAC_B[6] = {2, 0, 0, 0, 0, 2};

static inline void pk_eth(struct pkt *p, const uint8_t *src, const uint8_t *dst, uint16_t type)
{
    pk_put(p, dst, 6);
    pk_put(p, src, 6);
    pk_u16(p, type);
}

/* IPv4 header; returns the offset of the total-length field to patch. */
static inline size_t pk_ipv4(struct pkt *p, const uint8_t src[4], const uint8_t dst[4],
                             uint8_t proto, uint16_t frag)
{
    size_t start = p->len;
    pk_u8(p, 0x45);
    pk_u8(p, 0);
    pk_u16(p, 0);
    pk_u16(p, 1);
    pk_u16(p, frag);
    pk_u8(p, 64);
    pk_u8(p, proto);
    pk_u16(p, 0);
    pk_put(p, src, 4);
    pk_put(p, dst, 4);
    return start;
}

static inline void pk_ipv4_done(struct pkt *p, size_t start)
{
    pk_set16(p, start + 2, (uint16_t)(p->len - start));
}

static inline size_t pk_ipv6(struct pkt *p, const uint8_t src[16], const uint8_t dst[16],
                             uint8_t nh)
{
    size_t start = p->len;
    pk_u32(p, 6u << 28);
    pk_u16(p, 0);
    pk_u8(p, nh);
    pk_u8(p, 64);
    pk_put(p, src, 16);
    pk_put(p, dst, 16);
    return start;
}

static inline void pk_ipv6_done(struct pkt *p, size_t start)
{
    pk_set16(p, start + 4, (uint16_t)(p->len - start - 40));
}

static inline void pk_tcp(struct pkt *p, uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack,
                          uint8_t flags, const uint8_t *opts, size_t optlen, const void *payload,
                          size_t plen)
{
    pk_u16(p, sp);
    pk_u16(p, dp);
    pk_u32(p, seq);
    pk_u32(p, ack);
    pk_u8(p, (uint8_t)(((20 + optlen) / 4) << 4));
    pk_u8(p, flags);
    pk_u16(p, 64240);
    pk_u16(p, 0);
    pk_u16(p, 0);
    if (optlen)
        pk_put(p, opts, optlen);
    if (plen)
        pk_put(p, payload, plen);
}

static inline void pk_udp(struct pkt *p, uint16_t sp, uint16_t dp, const void *payload, size_t plen)
{
    pk_u16(p, sp);
    pk_u16(p, dp);
    pk_u16(p, (uint16_t)(8 + plen));
    pk_u16(p, 0);
    if (plen)
        pk_put(p, payload, plen);
}

#endif
