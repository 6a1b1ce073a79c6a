/* SPDX-License-Identifier: Apache-2.0
 * The decoders' small per-thread memos (x509.c's certificate parses,
 * decode-tls.c's JA3/JA4 digests): a fully associative table of the last
 * inputs seen, least recently used out first. An entry's hash only saves
 * comparisons: every hit is confirmed by comparing the whole input, and a
 * lookup compares at most one whole input (the first entry with its hash;
 * on a mismatch it is a miss), so colliding inputs cost one compare and a
 * parse, never a wrong answer. The hash starts from the process's random
 * key (core/hash.h), so a sender cannot make colliding inputs off-line
 * either: the inputs a run treats alike differ from run to run. */
#ifndef MM_SENSOR_DECODE_MEMO_HASH_H
#define MM_SENSOR_DECODE_MEMO_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/hash.h"

/* A cheap 64-bit hash of data[0..n) (8 bytes a step), keyed. */
static inline uint64_t mm__memo_hash(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint64_t h = ((n + 1) * 0x9E3779B97F4A7C15ull) ^ mm_process_key.k0, w;
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

/* The index in used[0..n) of the least recently used entry (0: empty). */
static inline size_t mm__memo_victim(const uint64_t *used, size_t n)
{
    size_t v = 0;
    for (size_t i = 1; i < n; i++)
        if (used[i] < used[v])
            v = i;
    return v;
}

#endif
