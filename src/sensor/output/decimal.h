/* SPDX-License-Identifier: Apache-2.0
 * Unsigned integers in decimal, written straight into a line (no NUL, no
 * call): the EVE writer's numbers (output-eve.c) and the flow record's
 * (eve-flow.c), and a time stamp's microseconds (eve-fast.c). Two digits per step from
 * mm_decimal_pairs, in 32-bit arithmetic below 10^8 (ports, packet and byte counts, ages), eight
 * digits per 64-bit division above (flow ids). */
#ifndef MM_SENSOR_OUTPUT_DECIMAL_H
#define MM_SENSOR_OUTPUT_DECIMAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/str.h"

/* v (below 10^8) in decimal without leading zeros at o; returns the number
 * of digits. 32-bit steps of two digits from the end. */
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
    uint32_t high = v / 10000, low = v % 10000;
    memcpy(o, mm_decimal_pairs + 2 * (high / 100), 2);
    memcpy(o + 2, mm_decimal_pairs + 2 * (high % 100), 2);
    memcpy(o + 4, mm_decimal_pairs + 2 * (low / 100), 2);
    memcpy(o + 6, mm_decimal_pairs + 2 * (low % 100), 2);
}

/* v (below 10^6) as exactly six digits at o: a time stamp's microseconds. */
static inline void mm__six_digits(char *o, uint32_t v)
{
    memcpy(o, mm_decimal_pairs + 2 * (v / 10000), 2);
    memcpy(o + 2, mm_decimal_pairs + 2 * (v / 100 % 100), 2);
    memcpy(o + 4, mm_decimal_pairs + 2 * (v % 100), 2);
}

/* v in decimal at o (at most 20 bytes); returns the length. Eight digits
 * per 64-bit division, the rest in 32-bit steps (a flow id has 16-17). */
static inline size_t mm__u64_text(char *o, uint64_t v)
{
    const uint32_t e8 = 100000000;
    if (v < e8)
        return mm__u32_text(o, (uint32_t)v);
    uint64_t top = v / e8;
    uint32_t last = (uint32_t)(v - top * e8);
    size_t n;
    if (top < e8) {
        n = mm__u32_text(o, (uint32_t)top);
    } else {
        uint64_t first = top / e8; /* below 1845 */
        n = mm__u32_text(o, (uint32_t)first);
        mm__eight_digits(o + n, (uint32_t)(top - first * e8));
        n += 8;
    }
    mm__eight_digits(o + n, last);
    return n + 8;
}

#endif
