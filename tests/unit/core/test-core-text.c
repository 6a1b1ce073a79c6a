/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the core's text writers that the sensor's hot paths share:
 * ASCII lower case (mm_ascii_lower, mm_ascii_lower_n, mm_str_lower) against
 * tolower() in the "C" locale for every byte value, and the table-based
 * dotted quad (mm_ipv4_text, mm_addr_text, mm_addr_format) against
 * inet_ntop and printf at every edge of a byte's text, and the IPv6 text
 * (mm_ipv6_text) against inet_ntop for every pattern of zero words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/error.h"
#include "core/i18n.h"
#include "core/net.h"
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

/* mm_str_index takes only the canonical decimal 1..max; it is checked
 * against a reference (snprintf("%d") of the value gives back the text) for
 * every text of up to three characters from digits, signs and spaces, and
 * for max at the edges, INT_MAX included (no overflow). */
static int index_ref(const char *s, int max)
{
    char *end, canon[24];
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 1 || v > max)
        return 0;
    snprintf(canon, sizeof canon, "%ld", v);
    return strcmp(canon, s) == 0 ? (int)v : 0;
}

static void test_str_index(void **state)
{
    (void)state;
    static const char alphabet[] = "0129+- x";
    static const int maxes[] = {0, 1, 9, 10, 25, 64, 99, 100, INT_MAX};
    char s[4];
    for (size_t m = 0; m < sizeof maxes / sizeof maxes[0]; m++)
        for (size_t len = 0, count = 1; len < sizeof s; len++, count *= 8)
            for (size_t k = 0; k < count; k++) {
                for (size_t i = 0, rest = k; i < len; i++, rest /= 8)
                    s[i] = alphabet[rest % 8];
                s[len] = '\0';
                assert_int_equal(mm_str_index(s, maxes[m]), index_ref(s, maxes[m]));
            }
    assert_int_equal(mm_str_index("25", 25), 25);
    assert_int_equal(mm_str_index("26", 25), 0);
    assert_int_equal(mm_str_index("025", 25), 0);
    assert_int_equal(mm_str_index("2147483647", INT_MAX), INT_MAX);
    assert_int_equal(mm_str_index("2147483648", INT_MAX), 0);
    assert_int_equal(mm_str_index("99999999999999999999", INT_MAX), 0);
    assert_int_equal(mm_str_index("1", -1), 0);
}

/* mm_str_int64 takes digits only, a '-' first only when min is below 0:
 * checked against a reference (strtoll, after a check that the text is of
 * that form) for every text of up to four characters from digits, signs,
 * spaces and a letter, with ranges at the edges; then the ends of int64_t
 * (no overflow) and what strtol and strtoul let through. */
static int int64_ref(const char *s, int64_t min, int64_t max, int64_t *out)
{
    const char *p = s + (s[0] == '-' && min < 0);
    *out = 0;
    if (!*p || strspn(p, "0123456789") != strlen(p))
        return MM_EINVAL;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno || v < min || v > max)
        return MM_EINVAL;
    *out = v;
    return 0;
}

static void test_str_int64(void **state)
{
    (void)state;
    static const char alphabet[] = "0129+- x";
    static const int64_t ranges[][2] = {{0, INT64_MAX}, {1, 64},    {0, 0},
                                        {-1, 1},        {-100, 99}, {INT64_MIN, INT64_MAX},
                                        {5, 4},         {-9, -1}};
    char s[5];
    for (size_t m = 0; m < sizeof ranges / sizeof ranges[0]; m++)
        for (size_t len = 0, count = 1; len < sizeof s; len++, count *= 8)
            for (size_t k = 0; k < count; k++) {
                for (size_t i = 0, rest = k; i < len; i++, rest /= 8)
                    s[i] = alphabet[rest % 8];
                s[len] = '\0';
                int64_t got = 42, want;
                int r = int64_ref(s, ranges[m][0], ranges[m][1], &want);
                assert_int_equal(mm_str_int64(s, ranges[m][0], ranges[m][1], &got), r);
                assert_true(got == want);
            }
    int64_t v;
    assert_int_equal(mm_str_int64("9223372036854775807", 0, INT64_MAX, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(mm_str_int64("9223372036854775808", 0, INT64_MAX, &v), MM_EINVAL);
    assert_int_equal(mm_str_int64("-9223372036854775808", INT64_MIN, 0, &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(mm_str_int64("-9223372036854775809", INT64_MIN, 0, &v), MM_EINVAL);
    assert_int_equal(mm_str_int64("99999999999999999999999999", INT64_MIN, INT64_MAX, &v),
                     MM_EINVAL);
    assert_int_equal(mm_str_int64("007", 0, 10, &v), 0);
    assert_true(v == 7);
    /* what strtol and strtoul read as a number */
    static const char *const lenient[] = {" 5", "+5", "5 ", "5x", "", "-1", "\t5", "0x5", "5.0"};
    for (size_t i = 0; i < sizeof lenient / sizeof lenient[0]; i++) {
        v = 42;
        assert_int_equal(mm_str_int64(lenient[i], 0, INT64_MAX, &v), MM_EINVAL);
        assert_true(v == 0);
    }
    assert_int_equal(mm_str_int64(NULL, 0, 1, &v), MM_EINVAL);
    assert_int_equal(mm_str_int64("-1", -1, 0, &v), 0);
    assert_true(v == -1);
    assert_int_equal(mm_str_int64("--1", INT64_MIN, 0, &v), MM_EINVAL);
}

/* One dotted quad three ways (mm_ipv4_text, mm_addr_text, mm_addr_format)
 * against inet_ntop; mm_ipv4_text writes nothing past out + 15. */
static void expect_quad(const uint8_t b[4])
{
    char want[INET_ADDRSTRLEN], got[MM_IPV4_STRLEN + 8], text[MM_ADDR_STRLEN];
    assert_non_null(inet_ntop(AF_INET, b, want, sizeof want));
    memset(got, '#', sizeof got);
    assert_int_equal(mm_ipv4_text(b, got), strlen(want));
    assert_string_equal(got, want);
    for (size_t i = MM_IPV4_STRLEN; i < sizeof got; i++)
        assert_int_equal(got[i], '#');
    struct mm_addr a;
    mm_addr_from_v4(b, &a);
    assert_int_equal(mm_addr_text(&a, text), strlen(want));
    assert_string_equal(text, want);
    mm_addr_format(&a, text, sizeof text);
    assert_string_equal(text, want);
}

/* Every combination of the values at the edges of a byte's text (one, two
 * and three digits) in all four places, and every byte value in each
 * place. */
static void test_ipv4_text(void **state)
{
    (void)state;
    static const uint8_t edges[] = {0, 9, 10, 99, 100, 255};
    enum { E = sizeof edges };
    for (unsigned i = 0; i < E * E * E * E; i++) {
        uint8_t b[4] = {edges[i % E], edges[i / E % E], edges[i / (E * E) % E],
                        edges[i / (E * E * E)]};
        expect_quad(b);
    }
    for (unsigned v = 0; v < 256; v++)
        for (int place = 0; place < 4; place++) {
            uint8_t b[4] = {1, 22, 133, 244};
            b[place] = (uint8_t)v;
            expect_quad(b);
        }
}

/* mm_addr_text for IPv6 (inet_ntop's text) and an unset address (""). */
static void test_addr_text_other_families(void **state)
{
    (void)state;
    const char *texts[] = {
        "::", "::1", "fe80::1", "2001:db8::53", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct mm_addr a;
        char want[INET6_ADDRSTRLEN], got[MM_ADDR_STRLEN];
        assert_int_equal(mm_addr_parse(texts[i], &a), 0);
        assert_int_equal(a.family, 6);
        assert_non_null(inet_ntop(AF_INET6, a.bytes, want, sizeof want));
        assert_int_equal(mm_addr_text(&a, got), strlen(want));
        assert_string_equal(got, want);
    }
    struct mm_addr unset;
    memset(&unset, 0, sizeof unset);
    char got[MM_ADDR_STRLEN];
    memset(got, '#', sizeof got);
    assert_int_equal(mm_addr_text(&unset, got), 0);
    assert_string_equal(got, "");
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* ---- the IPv6 text ---------------------------------------------------------- */

static void expect_ipv6(const uint8_t b[16])
{
    char want[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN];
    assert_non_null(inet_ntop(AF_INET6, b, want, sizeof want));
    size_t n = mm_ipv6_text(b, got);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
}

static void test_ipv6_text(void **state)
{
    (void)state;
    rng_state = 5;
    uint8_t b[16];
    for (unsigned zeros = 0; zeros < 256; zeros++) /* every pattern of zero words */
        for (int k = 0; k < 20; k++) {
            for (int w = 0; w < 8; w++) {
                unsigned v = (zeros >> w) & 1 ? 0 : k == 0 ? 1 : 1 + rnd() % 0xFFFF;
                if (k == 1 && w == 5 && !((zeros >> w) & 1))
                    v = 0xffff; /* the mapped form's word */
                if (k == 2)
                    v = v && rnd() % 4 == 0 ? 0x10u << (4 * (rnd() % 3)) : v;
                b[2 * w] = (uint8_t)(v >> 8);
                b[2 * w + 1] = (uint8_t)v;
            }
            expect_ipv6(b);
        }
    static const char *const texts[] = {"::",
                                        "::1",
                                        "::2",
                                        "::1.2.3.4",
                                        "::ffff:1.2.3.4",
                                        "::ffff:0:0",
                                        "::ffff:0.0.0.1",
                                        "1::",
                                        "1:0:0:1::",
                                        "2001:db8::10",
                                        "fe80::1:0:0:1",
                                        "0:0:1::",
                                        "::fffe:1.2.3.4",
                                        "1:2:3:4:5:6:7:8",
                                        "::ffff:255.255.255.255"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        assert_int_equal(inet_pton(AF_INET6, texts[i], b), 1);
        expect_ipv6(b);
    }
}

/* mm_addr_text and mm_addr_format give the same IPv6 text, and a buffer
 * shorter than MM_ADDR_STRLEN still gets inet_ntop's (truncation refused). */
static void test_ipv6_through_addr(void **state)
{
    (void)state;
    uint8_t b[16];
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::ffff:1.2.3.4", b), 1);
    struct mm_addr a;
    mm_addr_from_v6(b, &a);
    char t1[MM_ADDR_STRLEN], t2[MM_ADDR_STRLEN], want[INET6_ADDRSTRLEN], small[8];
    assert_non_null(inet_ntop(AF_INET6, b, want, sizeof want));
    assert_int_equal(mm_addr_text(&a, t1), strlen(want));
    assert_string_equal(t1, want);
    mm_addr_format(&a, t2, sizeof t2);
    assert_string_equal(t2, want);
    mm_addr_format(&a, small, sizeof small);
    assert_string_equal(small, "");
}

/* mm_utf8_trim_tail on every cut of a text with 1- to 4-byte characters:
 * the result is the longest prefix made of whole characters; texts that are
 * not UTF-8 keep their bytes. */
static void test_utf8_trim_tail(void **state)
{
    (void)state;
    const char *text = "a\xc3\xa9監視\xf0\x9f\x93\x81"
                       "b";
    size_t len = strlen(text);
    for (size_t cut = 0; cut <= len; cut++) {
        char buf[32];
        memcpy(buf, text, cut);
        size_t m = cut;
        while (m > 0 && m < len && ((unsigned char)text[m] & 0xC0) == 0x80)
            m--;
        assert_int_equal(mm_utf8_trim_tail(buf, cut), m);
        assert_int_equal(strlen(buf), m);
        assert_true(mm_utf8_valid(buf, m, NULL));
    }
    char latin1[] = "caf\xe9";
    assert_int_equal(mm_utf8_trim_tail(latin1, 4), 3); /* a lone lead byte is half a character */
    char stray[] = "ab\x80\x80\x80\x80";
    assert_int_equal(mm_utf8_trim_tail(stray, 6), 6); /* not a cut character: left alone */
    char ascii[] = "abc";
    assert_int_equal(mm_utf8_trim_tail(ascii, 3), 3);
}

/* The cutting rule (the sensor's, which certificate names used): the last
 * lead byte and what follows it go when they are fewer bytes than its high
 * bits announce, so a lead byte that cannot start a valid sequence (C0, C1,
 * F5-FF) left at the cut goes too; a whole character stays. */
static void test_utf8_trim_tail_invalid_lead(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t keep;
    } cases[] = {
        {"ab\xc0", 2},             /* C0 (overlong lead) */
        {"ab\xc1", 2},             /* C1 */
        {"ab\xf5", 2},             /* F5 (above U+10FFFF) */
        {"ab\xf5\x80", 2},         /* F5 with one byte after it */
        {"ab\xf7\x80\x80", 2},     /* F7 with two */
        {"ab\xf8", 2},             /* F8 */
        {"ab\xfe", 2},             /* FE */
        {"ab\xff", 2},             /* FF */
        {"ab\xc3", 2},             /* 2-byte sequence cut after its lead */
        {"ab\xe7\x9b", 2},         /* 3-byte cut after 2 */
        {"ab\xe7", 2},             /* 3-byte cut after 1 */
        {"ab\xf0\x9f\x93", 2},     /* 4-byte cut after 3 */
        {"ab\xf0\x9f", 2},         /* 4-byte cut after 2 */
        {"ab\xc3\xa9", 4},         /* whole 2-byte character kept */
        {"ab\xe7\x9b\xa3", 5},     /* whole 3-byte character kept */
        {"ab\xf0\x9f\x93\x81", 6}, /* whole 4-byte character kept */
        {"ab\xc0\x80", 4},         /* not a cut: as many bytes as C0 announces */
        {"ab\xf5\x80\x80\x80", 6}, /* nor is this */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[16];
        size_t n = strlen(cases[i].text);
        memcpy(buf, cases[i].text, n + 1);
        assert_int_equal(mm_utf8_trim_tail(buf, n), cases[i].keep);
        assert_int_equal(strlen(buf), cases[i].keep);
        assert_memory_equal(buf, cases[i].text, cases[i].keep);
    }
}

/* mm_strlcpy_utf8: mm_strlcpy's result and length, cut between characters
 * when the text does not fit. */
static void test_strlcpy_utf8(void **state)
{
    (void)state;
    const char *text = "ab監視"; /* 2 + 6 bytes */
    char out[16];
    for (size_t outlen = 1; outlen <= 10; outlen++) {
        static const size_t keep[] = {0, 0, 1, 2, 2, 2, 5, 5, 5, 8, 8};
        memset(out, 'z', sizeof out);
        assert_int_equal(mm_strlcpy_utf8(out, text, outlen), 8);
        assert_int_equal(strlen(out), keep[outlen]);
        assert_memory_equal(out, text, keep[outlen]);
    }
    assert_int_equal(mm_strlcpy_utf8(out, "abc", 0), 3); /* writes nothing */
}

/* Spans of minutes in days, hours and minutes (the incident report's SLA
 * targets used to read "60 分", "1440 分"): the cases of
 * tests/data/minutes.json, which the web UI's test (web-duration,
 * tests/e2e/duration.test.mjs) reads too, so both say a duration alike. */
static void test_minutes_text(void **state)
{
    (void)state;
    const char *src = getenv("MAMORI_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/minutes.json", src);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    assert_non_null(root);
    json_t *cases = json_object_get(root, "cases"), *c;
    size_t i;
    assert_true(json_array_size(cases) >= 10);
    json_array_foreach(cases, i, c)
    {
        struct mm_buf b;
        mm_buf_init(&b);
        int64_t minutes = json_integer_value(json_array_get(c, 0));
        assert_int_equal(mm_minutes_text(&b, minutes, MM_LANG_JA), 0);
        assert_string_equal(b.data, json_string_value(json_array_get(c, 1)));
        mm_buf_reset(&b);
        assert_int_equal(mm_minutes_text(&b, minutes, MM_LANG_EN), 0);
        assert_string_equal(b.data, json_string_value(json_array_get(c, 2)));
        mm_buf_free(&b);
    }
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_lower_every_byte),
        cmocka_unit_test(test_ascii_lower_n),
        cmocka_unit_test(test_str_lower),
        cmocka_unit_test(test_str_index),
        cmocka_unit_test(test_ipv4_text),
        cmocka_unit_test(test_addr_text_other_families),
        cmocka_unit_test(test_ipv6_text),
        cmocka_unit_test(test_ipv6_through_addr),
        cmocka_unit_test(test_utf8_trim_tail),
        cmocka_unit_test(test_utf8_trim_tail_invalid_lead),
        cmocka_unit_test(test_strlcpy_utf8),
        cmocka_unit_test(test_str_int64),
        cmocka_unit_test(test_minutes_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
