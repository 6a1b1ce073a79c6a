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

/* Copies a's 4 or 16 address bytes to to; returns how many. Each branch
 * copies a fixed size, which compilers do in one or two moves. */
static size_t put_addr(uint8_t *to, const struct mm_addr *a)
{
    if (a->family == 6) {
        memcpy(to, a->bytes, 16);
        return 16;
    }
    memcpy(to, a->bytes, 4);
    return 4;
}

/* Bytes i..i+7 of an address as a big-endian number: one load and a byte
 * swap (the machines the sensor runs on are little-endian, x86-64 and
 * arm64; the test holds the ordering to memcmp's). */
static uint64_t be64_at(const struct mm_addr *a, size_t i)
{
    uint64_t v;
    memcpy(&v, a->bytes + i, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* -1, 0 or 1 as memcmp over a's address bytes (4 for IPv4, 16 for IPv6),
 * without the library call: the Community ID is computed for every flow. */
static int addr_order(const struct mm_addr *a, const struct mm_addr *b)
{
    uint64_t x = be64_at(a, 0), y = be64_at(b, 0);
    if (a->family != 6) {
        x >>= 32;
        y >>= 32;
    } else if (x == y) {
        x = be64_at(a, 8);
        y = be64_at(b, 8);
    }
    return (x > y) - (x < y);
}

/* True when (a, ap) sorts before or equal to (b, bp), as the spec orders. */
static int endpoint_ordered(const struct mm_addr *a, uint16_t ap, const struct mm_addr *b,
                            uint16_t bp)
{
    int c = addr_order(a, b);
    return c < 0 || (c == 0 && ap <= bp);
}

/* Base64 of a SHA-1 digest: six whole groups of three bytes, then two
 * bytes as three characters and one '=' (28 characters and a NUL), with no
 * branch per group: the Community ID is computed for every flow. */
#define DIGEST_B64_LEN 28

static void digest_base64(const uint8_t d[MM_SHA1_LEN], char out[DIGEST_B64_LEN + 1])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 6; i++) {
        uint32_t v = (uint32_t)d[3 * i] << 16 | (uint32_t)d[3 * i + 1] << 8 | d[3 * i + 2];
        out[4 * i] = alphabet[v >> 18];
        out[4 * i + 1] = alphabet[(v >> 12) & 63];
        out[4 * i + 2] = alphabet[(v >> 6) & 63];
        out[4 * i + 3] = alphabet[v & 63];
    }
    uint32_t v = (uint32_t)d[18] << 16 | (uint32_t)d[19] << 8;
    out[24] = alphabet[v >> 18];
    out[25] = alphabet[(v >> 12) & 63];
    out[26] = alphabet[(v >> 6) & 63];
    out[27] = '=';
    out[28] = '\0';
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
    n += put_addr(buf + n, src);
    n += put_addr(buf + n, dst);
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
    if (outlen >= 2 + DIGEST_B64_LEN + 1)
        digest_base64(digest, out + 2);
    else if (mm_base64(digest, sizeof(digest), out + 2, outlen - 2) == 0)
        out[0] = '\0';
}
