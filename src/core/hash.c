/* SPDX-License-Identifier: Apache-2.0
 * MD5 (RFC 1321), SHA-1 and SHA-256 (FIPS 180-4), hex and Base64 helpers,
 * SipHash-2-4 and the process's random hash key.
 * Straightforward block-at-a-time implementations: the sensor hashes short
 * strings (JA3/JA4 inputs, certificates, Community ID tuples), so clarity is
 * preferred over speed, except for SHA-1 blocks, which use the CPU's SHA
 * instructions where present (sha1-shani.c: one Community ID per flow).
 * Tested against the RFC/FIPS vectors (SipHash against libsodium). */
#include "core/hash.h"
#include "core/hash-int.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>

static uint32_t rol32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t ror32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint32_t load_le32(const uint8_t *p)
{
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* The shared Merkle-Damgard buffering: feeds whole 64-byte blocks to fn. */
typedef void (*block_fn)(uint32_t *h, const uint8_t *block);

static void md_update(uint32_t *h, uint8_t *block, size_t *used, uint64_t *total, block_fn fn,
                      const void *data, size_t len)
{
    const uint8_t *p = data;
    *total += len;
    if (*used > 0) {
        size_t take = 64 - *used < len ? 64 - *used : len;
        memcpy(block + *used, p, take);
        *used += take;
        p += take;
        len -= take;
        if (*used < 64)
            return;
        fn(h, block);
        *used = 0;
    }
    while (len >= 64) {
        fn(h, p);
        p += 64;
        len -= 64;
    }
    memcpy(block, p, len);
    *used = len;
}

/* Pads with 0x80, zeros and the bit length (big- or little-endian). */
static void md_pad(uint32_t *h, uint8_t *block, size_t used, uint64_t total, block_fn fn,
                   int little_endian)
{
    uint64_t bits = total * 8;
    block[used++] = 0x80;
    if (used > 56) {
        memset(block + used, 0, 64 - used);
        fn(h, block);
        used = 0;
    }
    memset(block + used, 0, 56 - used);
    for (int i = 0; i < 8; i++) {
        int shift = little_endian ? 8 * i : 8 * (7 - i);
        block[56 + i] = (uint8_t)(bits >> shift);
    }
    fn(h, block);
}

/* ---- MD5 ----------------------------------------------------------------- */

static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
static const uint8_t md5_r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                  5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static void md5_block(uint32_t *h, const uint8_t *block)
{
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = load_le32(block + 4 * i);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        uint32_t tmp = d;
        d = c;
        c = b;
        b = b + rol32(a + f + md5_k[i] + w[g], md5_r[i]);
        a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
}

void mm_md5_init(struct mm_md5 *c)
{
    memset(c, 0, sizeof(*c));
    c->h[0] = 0x67452301;
    c->h[1] = 0xefcdab89;
    c->h[2] = 0x98badcfe;
    c->h[3] = 0x10325476;
}

void mm_md5_update(struct mm_md5 *c, const void *data, size_t len)
{
    md_update(c->h, c->block, &c->used, &c->total, md5_block, data, len);
}

void mm_md5_final(struct mm_md5 *c, uint8_t out[MM_MD5_LEN])
{
    md_pad(c->h, c->block, c->used, c->total, md5_block, 1);
    for (int i = 0; i < 4; i++)
        store_le32(out + 4 * i, c->h[i]);
}

void mm_md5(const void *data, size_t len, uint8_t out[MM_MD5_LEN])
{
    struct mm_md5 c;
    mm_md5_init(&c);
    mm_md5_update(&c, data, len);
    mm_md5_final(&c, out);
}

/* ---- SHA-1 --------------------------------------------------------------- */

void mm__sha1_block_portable(uint32_t *h, const uint8_t *block)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = load_be32(block + 4 * i);
    for (int i = 16; i < 80; i++)
        w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = rol32(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol32(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

/* The CPU's SHA instructions when present (sha1-shani.c), else the code above. */
static void sha1_block(uint32_t *h, const uint8_t *block)
{
    if (mm__sha1_hw_available())
        mm__sha1_block_hw(h, block);
    else
        mm__sha1_block_portable(h, block);
}

void mm_sha1_init(struct mm_sha1 *c)
{
    memset(c, 0, sizeof(*c));
    c->h[0] = 0x67452301;
    c->h[1] = 0xefcdab89;
    c->h[2] = 0x98badcfe;
    c->h[3] = 0x10325476;
    c->h[4] = 0xc3d2e1f0;
}

void mm_sha1_update(struct mm_sha1 *c, const void *data, size_t len)
{
    md_update(c->h, c->block, &c->used, &c->total, sha1_block, data, len);
}

void mm_sha1_final(struct mm_sha1 *c, uint8_t out[MM_SHA1_LEN])
{
    md_pad(c->h, c->block, c->used, c->total, sha1_block, 0);
    for (int i = 0; i < 5; i++)
        store_be32(out + 4 * i, c->h[i]);
}

/* A message of at most 55 bytes is one padded block: built on the stack and
 * hashed once, without the streaming context (Community ID hashes 16-40
 * bytes per flow). */
static void sha1_one_block(const void *data, size_t len, uint8_t out[MM_SHA1_LEN])
{
    uint8_t block[64] = {0};
    uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    if (len > 0) /* data may be NULL for an empty message */
        memcpy(block, data, len);
    block[len] = 0x80;
    store_be32(block + 60, (uint32_t)(len * 8));
    sha1_block(h, block);
    for (int i = 0; i < 5; i++)
        store_be32(out + 4 * i, h[i]);
}

void mm_sha1(const void *data, size_t len, uint8_t out[MM_SHA1_LEN])
{
    if (len <= 55) {
        sha1_one_block(data, len, out);
        return;
    }
    struct mm_sha1 c;
    mm_sha1_init(&c);
    mm_sha1_update(&c, data, len);
    mm_sha1_final(&c, out);
}

/* ---- SHA-256 ------------------------------------------------------------- */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static void sha256_block(uint32_t *h, const uint8_t *block)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = load_be32(block + 4 * i);
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t s1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + s1 + ch + sha256_k[i] + w[i];
        uint32_t s0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = s0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

void mm_sha256_init(struct mm_sha256 *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memset(c, 0, sizeof(*c));
    memcpy(c->h, iv, sizeof(iv));
}

void mm_sha256_update(struct mm_sha256 *c, const void *data, size_t len)
{
    md_update(c->h, c->block, &c->used, &c->total, sha256_block, data, len);
}

void mm_sha256_final(struct mm_sha256 *c, uint8_t out[MM_SHA256_LEN])
{
    md_pad(c->h, c->block, c->used, c->total, sha256_block, 0);
    for (int i = 0; i < 8; i++)
        store_be32(out + 4 * i, c->h[i]);
}

void mm_sha256(const void *data, size_t len, uint8_t out[MM_SHA256_LEN])
{
    struct mm_sha256 c;
    mm_sha256_init(&c);
    mm_sha256_update(&c, data, len);
    mm_sha256_final(&c, out);
}

/* ---- encodings ----------------------------------------------------------- */

void mm_hex(const uint8_t *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

size_t mm_base64(const uint8_t *bytes, size_t len, char *out, size_t outlen)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t need = 4 * ((len + 2) / 3);
    if (outlen < need + 1)
        return 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)bytes[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)bytes[i + 1] << 8;
        if (i + 2 < len)
            v |= bytes[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

uint64_t mm_hash_random_key(void)
{
    uint64_t k = 0;
    if (getrandom(&k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k))
        k = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&k;
    return k;
}

/* ---- SipHash-2-4 ------------------------------------------------------------------ */

struct mm_sipkey mm_process_key;

__attribute__((constructor)) static void draw_process_key(void)
{
    mm_process_key.k0 = mm_hash_random_key();
    mm_process_key.k1 = mm_hash_random_key();
}

static inline uint64_t rol64(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64 - n));
}

static inline void sip_round(struct mm_siphash *c)
{
    c->v0 += c->v1;
    c->v1 = rol64(c->v1, 13) ^ c->v0;
    c->v0 = rol64(c->v0, 32);
    c->v2 += c->v3;
    c->v3 = rol64(c->v3, 16) ^ c->v2;
    c->v0 += c->v3;
    c->v3 = rol64(c->v3, 21) ^ c->v0;
    c->v2 += c->v1;
    c->v1 = rol64(c->v1, 17) ^ c->v2;
    c->v2 = rol64(c->v2, 32);
}

/* Two compression rounds over the little-endian word m. */
static inline void sip_word(struct mm_siphash *c, uint64_t m)
{
    c->v3 ^= m;
    sip_round(c);
    sip_round(c);
    c->v0 ^= m;
}

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

void mm_siphash_init(struct mm_siphash *c, const struct mm_sipkey *key)
{
    c->v0 = key->k0 ^ 0x736f6d6570736575ull;
    c->v1 = key->k1 ^ 0x646f72616e646f6dull;
    c->v2 = key->k0 ^ 0x6c7967656e657261ull;
    c->v3 = key->k1 ^ 0x7465646279746573ull;
    c->tail = 0;
    c->total = 0;
}

void mm_siphash_update(struct mm_siphash *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    unsigned used = (unsigned)(c->total & 7);
    c->total += len;
    while (used && len) { /* fill the word begun before */
        c->tail |= (uint64_t)*p++ << (8 * used);
        len--;
        if (++used == 8) {
            sip_word(c, c->tail);
            c->tail = 0;
            used = 0;
        }
    }
    for (; len >= 8; p += 8, len -= 8)
        sip_word(c, load_le64(p));
    for (unsigned i = 0; i < len; i++)
        c->tail |= (uint64_t)p[i] << (8 * i);
}

uint64_t mm_siphash_final(const struct mm_siphash *st)
{
    struct mm_siphash c = *st;
    sip_word(&c, c.tail | (c.total << 56));
    c.v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        sip_round(&c);
    return c.v0 ^ c.v1 ^ c.v2 ^ c.v3;
}

uint64_t mm_siphash(const struct mm_sipkey *key, const void *data, size_t len)
{
    struct mm_siphash c;
    mm_siphash_init(&c, key);
    mm_siphash_update(&c, data, len);
    return mm_siphash_final(&c);
}
