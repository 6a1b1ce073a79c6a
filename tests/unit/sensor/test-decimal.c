/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for output/decimal.h: mm__u64_text, mm__u32_text and
 * mm__eight_digits against printf's "%llu" for the values at every digit
 * count's edges and for random values of every length, and no byte
 * written past the returned length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sensor/output/decimal.h"

#define ROOM   32
#define CANARY '#'

/* v through mm__u64_text equals printf's text, and nothing past it is
 * written. */
static void check_u64(uint64_t v)
{
    char want[ROOM], got[ROOM];
    int n = snprintf(want, sizeof want, "%llu", (unsigned long long)v);
    memset(got, CANARY, sizeof got);
    size_t len = mm__u64_text(got, v);
    assert_int_equal(len, (size_t)n);
    assert_memory_equal(got, want, len);
    for (size_t i = len; i < sizeof got; i++)
        assert_int_equal(got[i], CANARY);
    if (v < 100000000) {
        memset(got, CANARY, sizeof got);
        assert_int_equal(mm__u32_text(got, (uint32_t)v), (size_t)n);
        assert_memory_equal(got, want, len);
        assert_int_equal(got[len], CANARY);
    }
}

/* A 64-bit random value (xorshift64*: the same values every run). */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* 0, 1, 10^k - 1, 10^k and 10^k + 1 for every k, 2^k - 1 and 2^k, and
 * UINT64_MAX. */
static void test_edges(void **state)
{
    (void)state;
    check_u64(0);
    check_u64(UINT64_MAX);
    uint64_t p = 1;
    for (int k = 0; k <= 19; k++, p *= 10) {
        check_u64(p - 1);
        check_u64(p);
        check_u64(p + 1);
    }
    for (int k = 1; k < 64; k++) {
        check_u64((1ULL << k) - 1);
        check_u64(1ULL << k);
    }
}

/* Random values of every length from 1 to 20 digits, and flow ids (below
 * 2^51, as flow.c makes them). */
static void test_random(void **state)
{
    (void)state;
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 400000; i++) {
        uint64_t v = next_random(&s);
        check_u64(v >> (next_random(&s) % 64));
        check_u64(v & ((1ULL << 51) - 1));
    }
}

static void check_eight(uint32_t v)
{
    char want[ROOM], got[ROOM];
    snprintf(want, sizeof want, "%08u", v);
    memset(got, CANARY, sizeof got);
    mm__eight_digits(got, v);
    assert_memory_equal(got, want, 8);
    assert_int_equal(got[8], CANARY);
}

/* mm__eight_digits: exactly eight digits, leading zeros included, and
 * nothing written past them; every four-digit value in either half (the
 * halves are formed side by side), and random values. */
static void test_eight_digits(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < 10000; i++) {
        uint32_t other = i * 7919 % 10000;
        check_eight(i * 10000 + other);
        check_eight(other * 10000 + i);
    }
    uint64_t s = 12345;
    for (int i = 0; i < 1000000; i++)
        check_eight((uint32_t)(next_random(&s) % 100000000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_eight_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
