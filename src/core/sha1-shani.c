/* SPDX-License-Identifier: Apache-2.0
 * SHA-1 compression with the x86 SHA extensions (SHA-NI), used by hash.c
 * when the CPU has them: the sensor computes a Community ID (one SHA-1) for
 * every flow, and the instructions make that about five times cheaper.
 * mm__sha1_hw_available() says whether this path may be used; on other
 * architectures it is always false and mm__sha1_block_hw is never called.
 * Checked against the portable code by tests/unit/core/test-core-hash.c. */
#include "core/hash-int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

bool mm__sha1_hw_available(void)
{
    static atomic_int known = -1; /* -1: not asked yet */
    int v = atomic_load_explicit(&known, memory_order_relaxed);
    if (v < 0) {
        unsigned a, b, c, d;
        bool sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
        bool sse41 = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19)) && (c & (1u << 9));
        v = sha && sse41;
        atomic_store_explicit(&known, v, memory_order_relaxed);
    }
    return v == 1;
}

#define TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* The next four message words: W[g] from W[g-4..g-1] (FIPS 180-4 6.1.2). */
TARGET static inline __m128i schedule(__m128i w4, __m128i w3, __m128i w2, __m128i w1)
{
    return _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w4, w3), w2), w1);
}

/* Four rounds with the round function and constant of group g / 5. */
#define ROUNDS4(abcd, e, g)                                                                        \
    ((g) < 5    ? _mm_sha1rnds4_epu32(abcd, e, 0)                                                  \
     : (g) < 10 ? _mm_sha1rnds4_epu32(abcd, e, 1)                                                  \
     : (g) < 15 ? _mm_sha1rnds4_epu32(abcd, e, 2)                                                  \
                : _mm_sha1rnds4_epu32(abcd, e, 3))

/* One block's state while its rounds run: a, b, c, d; e; the last four
 * message words (their schedule); the state at the start. */
struct lane {
    __m128i abcd, e, w[4], abcd_saved, e_saved;
};

TARGET static inline void lane_start(struct lane *l, const uint32_t *h)
{
    l->abcd = l->abcd_saved = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1b);
    l->e = l->e_saved = _mm_set_epi32((int)h[4], 0, 0, 0);
}

/* Group g (four rounds) of one lane, as mm__sha1_block_hw's loop body */
TARGET static inline void lane_group(struct lane *l, const uint8_t *block, int g)
{
    const __m128i byte_swap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
    __m128i m;
    if (g < 4)
        m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * g)), byte_swap);
    else
        m = schedule(l->w[g % 4], l->w[(g + 1) % 4], l->w[(g + 2) % 4], l->w[(g + 3) % 4]);
    l->w[g % 4] = m;
    __m128i rounds_e = g == 0 ? _mm_add_epi32(l->e, m) : _mm_sha1nexte_epu32(l->e, m);
    l->e = l->abcd;
    l->abcd = ROUNDS4(l->abcd, rounds_e, g);
}

TARGET static inline void lane_end(struct lane *l, uint32_t *h)
{
    __m128i e = _mm_sha1nexte_epu32(l->e, l->e_saved);
    __m128i abcd = _mm_add_epi32(l->abcd, l->abcd_saved);
    _mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1b));
    h[4] = (uint32_t)_mm_extract_epi32(e, 3);
}

/* Unrolled whole: left as a loop, GCC kept the message words on the stack
 * and chose each group's round function by branches, 157 instead of 112
 * cycles a block (rdtsc, AMD EPYC; the Community ID hashes one per flow). */
TARGET void mm__sha1_block_hw(uint32_t *h, const uint8_t *block)
{
    struct lane a;
    lane_start(&a, h);
#pragma GCC unroll 20
    for (int g = 0; g < 20; g++)
        lane_group(&a, block, g);
    lane_end(&a, h);
}

/* The two chains of rounds side by side: about 59 cycles a block instead
 * of 108 (rdtsc microbenchmark, this AMD EPYC). */
TARGET void mm__sha1_blocks2_hw(uint32_t *h0, const uint8_t *block0, uint32_t *h1,
                                const uint8_t *block1)
{
    struct lane a, b;
    lane_start(&a, h0);
    lane_start(&b, h1);
#pragma GCC unroll 20
    for (int g = 0; g < 20; g++) {
        lane_group(&a, block0, g);
        lane_group(&b, block1, g);
    }
    lane_end(&a, h0);
    lane_end(&b, h1);
}

#else

bool mm__sha1_hw_available(void)
{
    return false;
}

void mm__sha1_block_hw(uint32_t *h, const uint8_t *block)
{
    (void)h;
    (void)block;
}

void mm__sha1_blocks2_hw(uint32_t *h0, const uint8_t *block0, uint32_t *h1, const uint8_t *block1)
{
    (void)h0;
    (void)block0;
    (void)h1;
    (void)block1;
}

#endif
