/* SPDX-License-Identifier: Apache-2.0
 * The hash of the decoders' small per-thread memos (x509.c's certificate
 * parses, decode-tls.c's JA3/JA4 digests): cheap (8 bytes a step) and keyed
 * by a random per-memo key, so packet data cannot aim at one memo slot.
 * Only an index: a memo confirms every hit by comparing the whole input. */
#ifndef MM_SENSOR_DECODE_MEMO_HASH_H
#define MM_SENSOR_DECODE_MEMO_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t mm__memo_hash(uint64_t key, const void *data, size_t n)
{
    const uint8_t *p = data;
    uint64_t h = (key ^ n) * 0x9E3779B97F4A7C15ull, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ull;
    return h ^ (h >> 32);
}

#endif
