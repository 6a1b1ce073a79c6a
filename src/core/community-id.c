/* SPDX-License-Identifier: Apache-2.0
 * Community ID v1 (https://github.com/corelight/community-id-spec): a flow
 * hash that other tools (Suricata, Zeek) compute identically, so an event can
 * be joined with theirs. SHA-1 over seed, ordered endpoints, protocol and
 * ports (ICMP type/code mapped to "port equivalents"), Base64, "1:" prefix.
 * The message is at most 40 bytes, so it is built in its one SHA-1 block
 * and hashed by hash.c's block functions directly (hash-int.h); two flows'
 * IDs can be formed at once (mm_community_id_two: the sensor's flow table
 * ends flows in runs), their blocks hashed side by side. */
#include <string.h>

#include "core/eve.h"
#include "core/hash.h"
#include "core/hash-int.h"

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

/* Pads the message in block[0..len) (at most 55 bytes: one block) in
 * place (block is zero past len) and sets h to SHA-1's initial state. */
static void sha1_pad(uint8_t block[64], size_t len, uint32_t h[5])
{
    static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    memcpy(h, iv, sizeof iv);
    block[len] = 0x80;
    block[62] = (uint8_t)(len * 8 >> 8);
    block[63] = (uint8_t)(len * 8);
}

/* The SHA-1 of the message in block[0..len), padded in place. Straight
 * into the block function, the CPU's SHA instructions where present
 * (sha1-shani.c), with no streaming context, buffer copy or digest bytes in
 * between. */
static void sha1_short(uint8_t block[64], size_t len, uint32_t h[5])
{
    sha1_pad(block, len, h);
    if (mm__sha1_hw_available())
        mm__sha1_block_hw(h, block);
    else
        mm__sha1_block_portable(h, block);
}

/* Base64 of a SHA-1 digest (h[0..4], big-endian bytes): three groups of
 * six bytes as eight characters each, then two bytes as three characters
 * and one '=' (28 characters and a NUL), from the digest words with no
 * byte loads: the Community ID is computed for every flow. */
#define DIGEST_B64_LEN 28

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The two characters of every 12-bit value (8 KiB, built at compile
 * time), the first in the low byte (writing order on little-endian
 * machines): a group of six bytes is four look-ups and four 2-byte stores
 * instead of eight of each (digest_base64 156 -> about 70 instructions). */
#define B64_CHAR(x)                                                                                \
    ((x) < 26    ? 'A' + (x)                                                                       \
     : (x) < 52  ? 'a' + (x)-26                                                                    \
     : (x) < 62  ? '0' + (x)-52                                                                    \
     : (x) == 62 ? '+'                                                                             \
                 : '/')
#define B64_PAIR(v)    (uint16_t)(B64_CHAR((v) >> 6) | B64_CHAR((v)&63) << 8),
#define B64_PAIRS4(v)  B64_PAIR(v) B64_PAIR((v) + 1) B64_PAIR((v) + 2) B64_PAIR((v) + 3)
#define B64_PAIRS16(v) B64_PAIRS4(v) B64_PAIRS4((v) + 4) B64_PAIRS4((v) + 8) B64_PAIRS4((v) + 12)
#define B64_PAIRS64(v)                                                                             \
    B64_PAIRS16(v) B64_PAIRS16((v) + 16) B64_PAIRS16((v) + 32) B64_PAIRS16((v) + 48)
#define B64_PAIRS256(v)                                                                            \
    B64_PAIRS64(v) B64_PAIRS64((v) + 64) B64_PAIRS64((v) + 128) B64_PAIRS64((v) + 192)
#define B64_PAIRS1024(v)                                                                           \
    B64_PAIRS256(v) B64_PAIRS256((v) + 256) B64_PAIRS256((v) + 512) B64_PAIRS256((v) + 768)

static const uint16_t b64_pairs[4096] = {B64_PAIRS1024(0) B64_PAIRS1024(1024) B64_PAIRS1024(2048)
                                             B64_PAIRS1024(3072)};

/* The characters of bits at..at+11 of v */
static inline void put_b64_pair(char *o, uint64_t v, unsigned at)
{
    memcpy(o, &b64_pairs[(v >> at) & 4095], 2);
}

/* Six bytes (the low 48 bits of v) as eight characters */
static inline char *put_b64_48(char *o, uint64_t v)
{
    put_b64_pair(o, v, 36);
    put_b64_pair(o + 2, v, 24);
    put_b64_pair(o + 4, v, 12);
    put_b64_pair(o + 6, v, 0);
    return o + 8;
}
#else
/* The character of bits at..at+5 of v */
static inline char b64_at(uint64_t v, unsigned at)
{
    return b64_alphabet[(v >> at) & 63];
}

/* Six bytes (the low 48 bits of v) as eight characters, written out
 * (a loop with its variable shifts cost more than the lookups) */
static inline char *put_b64_48(char *o, uint64_t v)
{
    o[0] = b64_at(v, 42);
    o[1] = b64_at(v, 36);
    o[2] = b64_at(v, 30);
    o[3] = b64_at(v, 24);
    o[4] = b64_at(v, 18);
    o[5] = b64_at(v, 12);
    o[6] = b64_at(v, 6);
    o[7] = b64_at(v, 0);
    return o + 8;
}
#endif

static void digest_base64(const uint32_t h[5], char out[DIGEST_B64_LEN + 1])
{
    char *o = put_b64_48(out, (uint64_t)h[0] << 16 | h[1] >> 16);
    o = put_b64_48(o, (uint64_t)(h[1] & 0xffff) << 32 | h[2]);
    o = put_b64_48(o, (uint64_t)h[3] << 16 | h[4] >> 16);
    /* the last two bytes as 18 bits (two zero bits appended), then padding */
    uint32_t last = (h[4] & 0xffff) << 2;
    o[0] = b64_alphabet[last >> 12];
    o[1] = b64_alphabet[(last >> 6) & 63];
    o[2] = b64_alphabet[last & 63];
    o[3] = '=';
    o[4] = '\0';
}

/* The Community ID's message for one flow, built in block (zeroed, 64
 * bytes); its length (at most 2 + 16 + 16 + 2 + 4 bytes). */
static size_t flow_message(const struct mm_community_id_flow *in, uint8_t block[64])
{
    const struct mm_addr *src = in->src, *dst = in->dst;
    uint16_t sport = in->sport, dport = in->dport;
    uint8_t proto = in->proto;
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
    size_t n = 0;
    block[n++] = (uint8_t)(in->seed >> 8);
    block[n++] = (uint8_t)in->seed;
    n += put_addr(block + n, src);
    n += put_addr(block + n, dst);
    block[n++] = proto;
    block[n++] = 0;
    if (has_ports) {
        block[n++] = (uint8_t)(sport >> 8);
        block[n++] = (uint8_t)sport;
        block[n++] = (uint8_t)(dport >> 8);
        block[n++] = (uint8_t)dport;
    }
    return n;
}

/* "1:" and the digest's Base64 at out (31 bytes) */
static void id_text(const uint32_t h[5], char *out)
{
    out[0] = '1';
    out[1] = ':';
    digest_base64(h, out + 2);
}

void mm_community_id(uint16_t seed, const struct mm_addr *src, const struct mm_addr *dst,
                     uint8_t proto, uint16_t sport, uint16_t dport, char *out, size_t outlen)
{
    if (outlen < 2 + DIGEST_B64_LEN + 1) { /* no room for the whole text: the empty one */
        if (outlen > 0)
            out[0] = '\0';
        return;
    }
    struct mm_community_id_flow in = {seed, src, dst, proto, sport, dport};
    uint8_t block[64] = {0};
    uint32_t h[5];
    sha1_short(block, flow_message(&in, block), h);
    id_text(h, out);
}

void mm_community_id_two(const struct mm_community_id_flow in[2], char *const out[2])
{
    uint8_t block[2][64] = {{0}};
    uint32_t h[2][5];
    for (int i = 0; i < 2; i++) {
        size_t n = flow_message(&in[i], block[i]);
        sha1_pad(block[i], n, h[i]);
    }
    if (mm__sha1_hw_available()) {
        mm__sha1_blocks2_hw(h[0], block[0], h[1], block[1]);
    } else {
        mm__sha1_block_portable(h[0], block[0]);
        mm__sha1_block_portable(h[1], block[1]);
    }
    id_text(h[0], out[0]);
    id_text(h[1], out[1]);
}
