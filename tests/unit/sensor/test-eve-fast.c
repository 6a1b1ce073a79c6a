/* SPDX-License-Identifier: Apache-2.0
 * The sensor's cached event time stamps (eve-fast.c: mm__time_format) give
 * exactly the text of the plain formatter (core mm_time_format) for any
 * second and micro-second: seconds that share a cache slot, seconds before
 * 1970 (-1 once read as the slot's "empty" mark and printed "000000"), a
 * time zone with an offset, and micro-seconds out of range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/timefmt.h"
#include "sensor/sensor-int.h"

static void expect_same(time_t sec, long usec)
{
    struct timeval ts = {.tv_sec = sec, .tv_usec = (suseconds_t)usec};
    char fast[MM_TIMESTAMP_MAX], plain[MM_TIMESTAMP_MAX];
    mm__time_format(&ts, fast);
    mm_time_format(&ts, plain, sizeof plain);
    if (strcmp(fast, plain) != 0)
        fail_msg("second %lld usec %ld: \"%s\", want \"%s\"", (long long)sec, usec, fast, plain);
}

/* Seconds around 0 and a recent day, each slot's neighbours (sec +- 64)
 * in turn, twice so the second pass reads what the first one cached. */
static void test_seconds_and_slots(void **state)
{
    (void)state;
    const time_t bases[] = {-1, 0, 1, -64, -65, 63, 64, 1790000000, 1790000063, 1790000064};
    const long usecs[] = {0, 5, 999999, 123456};
    for (int pass = 0; pass < 2; pass++)
        for (size_t b = 0; b < sizeof bases / sizeof *bases; b++)
            for (size_t u = 0; u < sizeof usecs / sizeof *usecs; u++) {
                expect_same(bases[b], usecs[u]);
                expect_same(bases[b] + 64, usecs[u]);
                expect_same(bases[b] - 64, usecs[u]);
            }
}

/* The first second asked for is -1, before any slot was filled. */
static void test_minus_one_first(void **state)
{
    (void)state;
    expect_same(-1, 5);
    expect_same(-1 - 64 * 3, 7);
    expect_same(-1, 0);
}

static void test_usec_out_of_range(void **state)
{
    (void)state;
    expect_same(1790000000, -1);
    expect_same(1790000000, 1000000);
    expect_same(-1, -999995);
}

int main(void)
{
    /* An offset zone: the cached text carries "+0900" after the digits. */
    setenv("TZ", "JST-9", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minus_one_first),
        cmocka_unit_test(test_seconds_and_slots),
        cmocka_unit_test(test_usec_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
