/* SPDX-License-Identifier: Apache-2.0
 * The one test of sixteen bytes for a JSON string's plain run, shared by
 * the EVE writer (output-eve.c, copying a string's plain run) and the
 * in-place lines (eve-line.h, checking a text as it is copied), so both
 * ways stop at the same bytes. */
#ifndef MM_SENSOR_OUTPUT_JSON_PLAIN_H
#define MM_SENSOR_OUTPUT_JSON_PLAIN_H

#if defined(__SSE2__) && !defined(MM_EVE_PORTABLE)
#include <emmintrin.h>

/* Bit i set: byte i of v is one a JSON string must escape (below 0x20,
 * '"', '\\') or that is not ASCII (0x80 and above: negative as signed
 * bytes, so the signed compare takes them with those below 0x20). DEL is
 * plain. */
static inline unsigned mm__json_special16(__m128i v)
{
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                  backslash = _mm_set1_epi8('\\');
    __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, space),
                             _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

#endif
