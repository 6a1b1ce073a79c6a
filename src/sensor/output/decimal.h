/* SPDX-License-Identifier: Apache-2.0
 * Unsigned integers in decimal, written straight into a line (no NUL, no
 * call): the EVE writer's numbers (output-eve.c) and the flow record's
 * (eve-flow.c), and a time stamp's microseconds (eve-fast.c). Below 10^8
 * (ports, packet and byte counts, ages), two digits per step from
 * mm_decimal_pairs in 32-bit arithmetic; above, eight digits per 64-bit
 * division, each block of eight formed at once in a 64-bit word
 * (mm__digits8, on little-endian machines: the ones the sensor runs on)
 * and stored in one move: a flow id (every event's and flow record's) has
 * 15-16 digits, and its leading block's digit count (7 or 8 at random) no
 * longer costs a loop over digit pairs with its mispredicted branches. */
#ifndef MM_SENSOR_OUTPUT_DECIMAL_H
#define MM_SENSOR_OUTPUT_DECIMAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/str.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MM_DIGITS8 1
#define MM_ASCII8  0x3030303030303030ULL /* '0' in each byte */

/* The eight decimal digits of v (below 10^8) as byte values 0-9 in one
 * word whose bytes, stored, read in writing order (the most significant
 * digit in the lowest byte). The two halves of four digits go in the
 * word's 32-bit lanes, each lane is split in two pairs (16-bit lanes),
 * each pair in two digits (bytes): a multiply and shift per step for all
 * lanes at once (v * 10486 >> 20 is v / 100 below 10^4; v * 103 >> 10 is
 * v / 10 below 100; no lane's product reaches the next lane's bits). */
static inline uint64_t mm__digits8(uint32_t v)
{
    uint64_t quads = (uint64_t)(v / 10000) | (uint64_t)(v % 10000) << 32;
    uint64_t hundreds = (quads * 10486) >> 20 & (0x7fULL << 32 | 0x7f);
    uint64_t pairs = (quads - 100 * hundreds) << 16 | hundreds;
    uint64_t tens = (pairs * 103) >> 10 & 0x000f000f000f000fULL;
    return tens | (pairs - 10 * tens) << 8;
}

/* The text of v (1 to 10^8 - 1) without leading zeros in the word's low
 * bytes (writing order; zero bytes after it); *n its length. */
static inline uint64_t mm__digits8_text(uint32_t v, size_t *n)
{
    uint64_t digits = mm__digits8(v); /* not 0: v is not */
    unsigned zeros = (unsigned)__builtin_ctzll(digits) / 8;
    *n = 8 - zeros;
    return (digits + MM_ASCII8) >> 8 * zeros;
}
#endif

/* v (below 10^8) in decimal without leading zeros at o (nothing past
 * it); returns the number of digits. 32-bit steps of two digits from the
 * end (for the short numbers most are, fewer instructions than
 * mm__digits8). */
static inline size_t mm__u32_text(char *o, uint32_t v)
{
    size_t n = v < 10         ? 1
               : v < 100      ? 2
               : v < 1000     ? 3
               : v < 10000    ? 4
               : v < 100000   ? 5
               : v < 1000000  ? 6
               : v < 10000000 ? 7
                              : 8;
    char *p = o + n;
    while (v >= 100) {
        p -= 2;
        memcpy(p, mm_decimal_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10)
        memcpy(p - 2, mm_decimal_pairs + 2 * v, 2);
    else
        p[-1] = (char)('0' + v);
    return n;
}

/* v (below 10^8) as exactly eight digits at o. */
static inline void mm__eight_digits(char *o, uint32_t v)
{
#if defined(MM_DIGITS8)
    uint64_t text = mm__digits8(v) + MM_ASCII8;
    memcpy(o, &text, 8);
#else
    uint32_t high = v / 10000, low = v % 10000;
    memcpy(o, mm_decimal_pairs + 2 * (high / 100), 2);
    memcpy(o + 2, mm_decimal_pairs + 2 * (high % 100), 2);
    memcpy(o + 4, mm_decimal_pairs + 2 * (low / 100), 2);
    memcpy(o + 6, mm_decimal_pairs + 2 * (low % 100), 2);
#endif
}

/* high (1 to 10^8 - 1) without leading zeros, then low (below 10^8) as
 * eight digits at o: 9-16 digits, returned. high's text is stored in one
 * 8-byte move whose bytes past its digits low's move overwrites. */
static inline size_t mm__nine_to_sixteen(char *o, uint32_t high, uint32_t low)
{
#if defined(MM_DIGITS8)
    size_t n;
    uint64_t text = mm__digits8_text(high, &n);
    memcpy(o, &text, 8);
#else
    size_t n = mm__u32_text(o, high);
#endif
    mm__eight_digits(o + n, low);
    return n + 8;
}

/* v (below 10^6) as exactly six digits at o: a time stamp's microseconds. */
static inline void mm__six_digits(char *o, uint32_t v)
{
    memcpy(o, mm_decimal_pairs + 2 * (v / 10000), 2);
    memcpy(o + 2, mm_decimal_pairs + 2 * (v / 100 % 100), 2);
    memcpy(o + 4, mm_decimal_pairs + 2 * (v % 100), 2);
}

/* v in decimal at o (at most 20 bytes, nothing past them); returns the
 * length. */
static inline size_t mm__u64_text(char *o, uint64_t v)
{
    const uint32_t e8 = 100000000;
    if (v < e8)
        return mm__u32_text(o, (uint32_t)v);
    uint64_t top = v / e8;
    uint32_t last = (uint32_t)(v - top * e8);
    if (top < e8)
        return mm__nine_to_sixteen(o, (uint32_t)top, last);
    uint64_t first = top / e8; /* below 1845 */
    size_t n = mm__u32_text(o, (uint32_t)first);
    mm__eight_digits(o + n, (uint32_t)(top - first * e8));
    mm__eight_digits(o + n + 8, last);
    return n + 16;
}

#endif
