/* SPDX-License-Identifier: Apache-2.0
 * FNV-1a (Fowler-Noll-Vo), 32 and 64 bits: the one place its constants and
 * step are written. Use it where a value must stay the same from run to run
 * and release to release (a document reference, a persisted signature), or
 * to fold texts into a hash that a keyed function finishes. It has no key:
 * anyone can make inputs with equal FNV values, so it must not decide
 * alone what an attacker's text may suppress or where it lands in a table
 * (see hash.h's mm_siphash for that).
 *
 * Each function takes the state to continue from (MM_FNV*_BASIS to start)
 * and returns the state after the bytes, so texts can be chained. */
#ifndef MM_CORE_FNV_H
#define MM_CORE_FNV_H

#include <stddef.h>
#include <stdint.h>

#define MM_FNV32_BASIS 2166136261u
#define MM_FNV32_PRIME 16777619u
#define MM_FNV64_BASIS 14695981039346656037ull
#define MM_FNV64_PRIME 1099511628211ull
/* The basis mamori's 64-bit FNV sites have always started from: the
 * published one with its last decimal digit missing (a copying slip, but
 * any odd-looking non-zero start works as well). Policy document
 * references (POL-YYYYMMDD-xxxxxxxx) are made from it, so it stays. */
#define MM_FNV64_MAMORI_BASIS 1469598103934665603ull

/* h with one byte folded in. */
static inline uint32_t mm_fnv1a32_byte(uint32_t h, uint8_t b)
{
    return (h ^ b) * MM_FNV32_PRIME;
}

static inline uint64_t mm_fnv1a64_byte(uint64_t h, uint8_t b)
{
    return (h ^ b) * MM_FNV64_PRIME;
}

/* h with the n bytes at p folded in. */
static inline uint32_t mm_fnv1a32(uint32_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = mm_fnv1a32_byte(h, b[i]);
    return h;
}

static inline uint64_t mm_fnv1a64(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = mm_fnv1a64_byte(h, b[i]);
    return h;
}

/* h with the bytes of the text s (without its NUL) folded in. */
static inline uint32_t mm_fnv1a32_str(uint32_t h, const char *s)
{
    for (const char *p = s; *p; p++)
        h = mm_fnv1a32_byte(h, (uint8_t)*p);
    return h;
}

static inline uint64_t mm_fnv1a64_str(uint64_t h, const char *s)
{
    for (const char *p = s; *p; p++)
        h = mm_fnv1a64_byte(h, (uint8_t)*p);
    return h;
}

#endif
