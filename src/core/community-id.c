/* SPDX-License-Identifier: Apache-2.0
 * Community ID v1 (https://github.com/corelight/community-id-spec): a flow
 * hash that other tools (Suricata, Zeek) compute identically, so an event can
 * be joined with theirs. SHA-1 over seed, ordered endpoints, protocol and
 * ports (ICMP type/code mapped to "port equivalents"), Base64, "1:" prefix. */
#include <string.h>

#include "core/eve.h"
#include "core/hash.h"

enum { PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMPV6 = 58, PROTO_SCTP = 132 };

/* Maps an ICMP type to its request/reply counterpart; -1 when it has none. */
static int icmp_counterpart(uint8_t proto, uint16_t type)
{
    static const uint8_t v4[][2] = {{8, 0},   {0, 8},  {13, 14}, {14, 13}, {15, 16},
                                    {16, 15}, {10, 9}, {9, 10},  {17, 18}, {18, 17}};
    static const uint8_t v6[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133}, {135, 136},
                                    {136, 135}, {130, 131}, {131, 130}, {144, 145}, {145, 144}};
    const uint8_t(*map)[2] = proto == PROTO_ICMP ? v4 : v6;
    size_t n = proto == PROTO_ICMP ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]);
    for (size_t i = 0; i < n; i++)
        if (map[i][0] == type)
            return map[i][1];
    return -1;
}

static int addr_len(const struct mm_addr *a)
{
    return a->family == 6 ? 16 : 4;
}

/* True when (a, ap) sorts before or equal to (b, bp), as the spec orders. */
static int endpoint_ordered(const struct mm_addr *a, uint16_t ap, const struct mm_addr *b,
                            uint16_t bp)
{
    int c = memcmp(a->bytes, b->bytes, (size_t)addr_len(a));
    return c < 0 || (c == 0 && ap <= bp);
}

void mm_community_id(uint16_t seed, const struct mm_addr *src, const struct mm_addr *dst,
                     uint8_t proto, uint16_t sport, uint16_t dport, char *out, size_t outlen)
{
    int has_ports = proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP ||
                    proto == PROTO_ICMP || proto == PROTO_ICMPV6;
    int one_way = 0;
    if (proto == PROTO_ICMP || proto == PROTO_ICMPV6) {
        int peer = icmp_counterpart(proto, sport);
        if (peer >= 0)
            dport = (uint16_t)peer;
        else
            one_way = 1;
    }
    if (!one_way && !endpoint_ordered(src, sport, dst, dport)) {
        const struct mm_addr *ta = src;
        src = dst;
        dst = ta;
        uint16_t tp = sport;
        sport = dport;
        dport = tp;
    }
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, src->bytes, (size_t)addr_len(src));
    n += (size_t)addr_len(src);
    memcpy(buf + n, dst->bytes, (size_t)addr_len(dst));
    n += (size_t)addr_len(dst);
    buf[n++] = proto;
    buf[n++] = 0;
    if (has_ports) {
        buf[n++] = (uint8_t)(sport >> 8);
        buf[n++] = (uint8_t)sport;
        buf[n++] = (uint8_t)(dport >> 8);
        buf[n++] = (uint8_t)dport;
    }
    uint8_t digest[MM_SHA1_LEN];
    mm_sha1(buf, n, digest);
    if (outlen < 3) {
        if (outlen > 0)
            out[0] = '\0';
        return;
    }
    out[0] = '1';
    out[1] = ':';
    if (mm_base64(digest, sizeof(digest), out + 2, outlen - 2) == 0)
        out[0] = '\0';
}
