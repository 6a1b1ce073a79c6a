/* SPDX-License-Identifier: Apache-2.0
 * Typed events' lines formatted in place (eve-app.c, eve-http.c,
 * eve-dns.c, eve-tls.c): a writer that stores straight through a cursor into room
 * reserved beforehand (mm_eve_out_reserve, or a buffer on the stack), with
 * no call and no room check per piece. It knows only plain text: ASCII
 * bytes from 0x20 other than '"' and '\\', which a JSON string holds as
 * they are. Every text is checked while it is copied and a byte that is
 * not plain is noted in the line's `bad` word; a line with one is thrown
 * away and written again by the EVE writer's escaping pieces (output.h),
 * so both ways give the same bytes. Nearly every name, URL and header is
 * plain, so the line is formed in one pass. The caller sizes the room:
 * each text's length plus the fixed parts around it. Texts the caller
 * knows to be valid UTF-8 may go through mm__line_utf8_text, which lets
 * bytes 0x80 and above through as the writer does (it copies valid UTF-8
 * as it is). */
#ifndef MM_SENSOR_EVE_LINE_H
#define MM_SENSOR_EVE_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sensor/output/decimal.h"
#include "sensor/output/json-plain.h"
#include "sensor/output/output.h"

/* A line being formed: the cursor and whether a text was not plain
 * (nonzero: the line is written by the pieces instead). */
struct mm__line {
    char *p;
    uint64_t bad;
};

#if defined(__SSE2__) && !defined(MM_EVE_PORTABLE)
#include <emmintrin.h>

/* Nonzero when a byte of v is one the writer escapes or checks: below
 * 0x20, '"', '\\', or 0x80 and above (negative as signed bytes). DEL is
 * plain, as the writer copies it. */
static inline uint64_t mm__line_special(__m128i v)
{
    return mm__json_special16(v);
}

/* The same for the eight bytes of a word (the vector's upper half, zeros,
 * left out). */
static inline uint64_t mm__line_special8(uint64_t w)
{
    return mm__line_special(_mm_cvtsi64_si128((long long)w)) & 0xFF;
}

/* Nonzero when a byte of v is one the writer escapes: below 0x20 (bytes
 * 0x80 and above, also below 0x20 as signed bytes, are let through), '"'
 * or '\\'. */
static inline uint64_t mm__line_escaped(__m128i v)
{
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                  backslash = _mm_set1_epi8('\\');
    __m128i m = _mm_or_si128(_mm_andnot_si128(v, _mm_cmplt_epi8(v, space)),
                             _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    return (uint64_t)_mm_movemask_epi8(m);
}

static inline uint64_t mm__line_escaped8(uint64_t w)
{
    return mm__line_escaped(_mm_cvtsi64_si128((long long)w)) & 0xFF;
}
#else
/* The same for the eight bytes of a word: a zero byte of w - 0x20.. (below
 * 0x20), of w ^ '"'.. or of w ^ '\\'.., or a top bit (0x80 and above);
 * exact for "any byte". */
static inline uint64_t mm__line_special8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return (((w - ones * 0x20) & ~w) | w | ((q - ones) & ~q) | ((b - ones) & ~b)) & high;
}

/* The same without the top bits (bytes 0x80 and above pass): exact for
 * "any byte", as a byte that borrows is itself one to escape. */
static inline uint64_t mm__line_escaped8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high;
}
#endif

/* Copies s[0..n) to l's cursor while checking it: sixteen bytes at a time
 * (the last block overlapping the one before), 8-15 bytes as two
 * overlapping words, 4-7 as two halves, 1-3 as one word padded with 'A'.
 * Reads and writes only the n bytes. utf8 (a constant of the two callers
 * below): bytes 0x80 and above are not noted. */
#if defined(__SSE2__) && !defined(MM_EVE_PORTABLE)
#define MM__LINE_TEST(v, utf8) ((utf8) ? mm__line_escaped(v) : mm__line_special(v))
#endif
#define MM__LINE_TEST8(w, utf8) ((utf8) ? mm__line_escaped8(w) : mm__line_special8(w))

static inline __attribute__((always_inline)) void mm__line_copy(struct mm__line *l, const char *s,
                                                                size_t n, bool utf8)
{
    uint64_t bad = 0;
    char *o = l->p;
    if (n >= 16) {
#if defined(__SSE2__) && !defined(MM_EVE_PORTABLE)
        __m128i v;
        for (size_t i = 0; i + 16 <= n; i += 16) {
            v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            bad |= MM__LINE_TEST(v, utf8);
            _mm_storeu_si128((__m128i *)(void *)(o + i), v);
        }
        v = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        bad |= MM__LINE_TEST(v, utf8);
        _mm_storeu_si128((__m128i *)(void *)(o + n - 16), v);
#else
        uint64_t x;
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&x, s + i, 8);
            bad |= MM__LINE_TEST8(x, utf8);
            memcpy(o + i, &x, 8);
        }
        memcpy(&x, s + n - 8, 8);
        bad |= MM__LINE_TEST8(x, utf8);
        memcpy(o + n - 8, &x, 8);
#endif
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        bad = MM__LINE_TEST8(a, utf8) | MM__LINE_TEST8(b, utf8);
        memcpy(o, &a, 8);
        memcpy(o + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        bad = MM__LINE_TEST8((uint64_t)a << 32 | b, utf8);
        memcpy(o, &a, 4);
        memcpy(o + n - 4, &b, 4);
    } else if (n > 0) { /* first, middle and last cover 1-3 bytes */
        uint8_t a = (uint8_t)s[0], m = (uint8_t)s[n / 2], z = (uint8_t)s[n - 1];
        bad = MM__LINE_TEST8(
            (uint64_t)a | (uint64_t)m << 8 | (uint64_t)z << 16 | 0x4141414141ULL << 24, utf8);
        o[0] = (char)a;
        o[n / 2] = (char)m;
        o[n - 1] = (char)z;
    }
    l->bad |= bad;
    l->p = o + n;
}

/* A text checked for every byte the writer escapes or checks. */
static inline void mm__line_text(struct mm__line *l, const char *s, size_t n)
{
    mm__line_copy(l, s, n, false);
}

/* A text the caller knows is valid UTF-8 (the writer copies it as it is):
 * checked only for the bytes the writer escapes. */
static inline void mm__line_utf8_text(struct mm__line *l, const char *s, size_t n)
{
    mm__line_copy(l, s, n, true);
}

/* Bytes the caller knows are plain (keys, punctuation). */
static inline void mm__line_raw(struct mm__line *l, const char *s, size_t n)
{
    memcpy(l->p, s, n);
    l->p += n;
}

#define MM__LINE_LIT(l, s) mm__line_raw(l, s, sizeof(s) - 1)

/* A string value: the text between quotes. */
static inline void mm__line_string(struct mm__line *l, const char *s, size_t n)
{
    *l->p++ = '"';
    mm__line_text(l, s, n);
    *l->p++ = '"';
}

/* An unsigned integer (at most 20 digits), as the writer writes it. */
static inline void mm__line_u64(struct mm__line *l, uint64_t v)
{
    l->p += mm__u64_text(l->p, v);
}

/* Room a string member needs past its key and value: separator, four
 * quotes, colon. */
#define MM__LINE_MEMBER_SLACK 6
/* Room an integer needs at most. */
#define MM__LINE_INT_ROOM 21

/* Begins a line formed in place in o's batch with room bytes reserved:
 * its start, or NULL (nothing reserved) when the line is tapped for the
 * spool (the tap ends at a line's pieces only) or there is no room; the
 * writer's pieces then write it. */
static inline char *mm__line_reserve(struct mm_eve_out *o, size_t room, struct mm__line *l)
{
    if (mm_eve_out_tapped(o))
        return NULL;
    char *start = mm_eve_out_reserve(o, room);
    *l = (struct mm__line){start, 0};
    return start;
}

/* Ends a line begun at start by mm__line_reserve: false (nothing added)
 * when a text was not plain, so the pieces write it; else the line is
 * committed and *result is the commit's. */
static inline bool mm__line_commit(struct mm_eve_out *o, const struct mm__line *l,
                                   const char *start, int *result)
{
    if (l->bad)
        return false;
    *result = mm_eve_out_commit(o, (size_t)(l->p - start));
    return true;
}

#endif
