/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the core's text writers that the sensor's hot paths share:
 * ASCII lower case (mm_ascii_lower, mm_ascii_lower_n, mm_str_lower) against
 * tolower() in the "C" locale for every byte value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "core/str.h"

/* tolower() of byte b in the "C" locale (no setlocale call: this program
 * keeps it), as a char. */
static char c_tolower(unsigned b)
{
    return (char)tolower((int)b);
}

static void test_ascii_lower_every_byte(void **state)
{
    (void)state;
    for (unsigned b = 0; b < 256; b++)
        assert_int_equal(mm_ascii_lower((char)b), c_tolower(b));
}

/* A span of all 256 bytes, lowered into another buffer and in place; the
 * bytes past the span are not touched. */
static void test_ascii_lower_n(void **state)
{
    (void)state;
    char src[256], dst[260], want[256];
    for (unsigned b = 0; b < 256; b++) {
        src[b] = (char)b;
        want[b] = c_tolower(b);
    }
    memset(dst, '#', sizeof dst);
    mm_ascii_lower_n(dst, src, sizeof src);
    assert_memory_equal(dst, want, sizeof want);
    for (size_t i = sizeof src; i < sizeof dst; i++)
        assert_int_equal(dst[i], '#');
    mm_ascii_lower_n(src, src, sizeof src);
    assert_memory_equal(src, want, sizeof want);
    mm_ascii_lower_n(dst, "ABC", 0);
    assert_memory_equal(dst, want, sizeof want);
}

/* mm_str_lower stops at the NUL: every non-NUL byte value in one string. */
static void test_str_lower(void **state)
{
    (void)state;
    char s[256], want[256];
    for (unsigned b = 1; b < 256; b++) {
        s[b - 1] = (char)b;
        want[b - 1] = c_tolower(b);
    }
    s[255] = want[255] = '\0';
    assert_ptr_equal(mm_str_lower(s), s);
    assert_memory_equal(s, want, sizeof want);
    char mixed[] = "Mamori-SENSOR.Example.JP";
    assert_string_equal(mm_str_lower(mixed), "mamori-sensor.example.jp");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_lower_every_byte),
        cmocka_unit_test(test_ascii_lower_n),
        cmocka_unit_test(test_str_lower),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
