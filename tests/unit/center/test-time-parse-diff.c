/* SPDX-License-Identifier: Apache-2.0
 * Differential test of core's mm_time_parse (the centre parses every
 * ingested event's time with it): its day count (days_from_civil) against
 * the timegm it replaced, on every month of the years 0-9999 at assorted
 * days (1-31: days past a month's end, which timegm rolls over, are
 * refused), times (second 60 included: refused except at a leap second's
 * place), fractions and zones, plus random stamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/timefmt.h"

/* The fields through timegm (what mm_time_parse gave before it refused
 * dates and times that do not exist); false for those: a day timegm
 * moves into the next month, or a second 60 that is not 23:59:60 UTC on
 * a month's last day (counted on: not midnight UTC of a 1st). */
static bool reference(int y, int mo, int d, int h, int mi, int s, long usec, int off, int64_t *out)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    struct tm day = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    timegm(&day);
    if (day.tm_mday != d)
        return false;
    t -= off;
    if (s == 60) {
        struct tm utc;
        gmtime_r(&t, &utc);
        if (utc.tm_mday != 1 || utc.tm_hour != 0 || utc.tm_min != 0 || utc.tm_sec != 0)
            return false;
    }
    *out = (int64_t)t * 1000000 + usec;
    return true;
}

static size_t refused;

static void check(int y, int mo, int d, int h, int mi, int s, long usec, int off_min)
{
    char text[64], zone[16];
    if (off_min == 0)
        snprintf(zone, sizeof zone, "Z");
    else
        snprintf(zone, sizeof zone, "%c%02d%02d", off_min < 0 ? '-' : '+', abs(off_min) / 60,
                 abs(off_min) % 60);
    snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld%s", y, mo, d, h, mi, s, usec,
             zone);
    int64_t got = 0, want = 0;
    bool exists = reference(y, mo, d, h, mi, s, usec, off_min * 60, &want);
    int r = mm_time_parse(text, &got);
    if (!exists) {
        if (r != MM_EPARSE)
            fail_msg("%s: accepted (%lld), does not exist", text, (long long)got);
        refused++;
        return;
    }
    if (r != 0)
        fail_msg("%s: refused", text);
    if (got != want)
        fail_msg("%s: %lld, timegm %lld", text, (long long)got, (long long)want);
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static int pick(int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int)(rng % (uint64_t)n);
}

static void test_parse_matches_timegm(void **state)
{
    (void)state;
    static const int days[] = {1, 2, 15, 27, 28, 29, 30, 31};
    for (int y = 0; y <= 9999; y++)
        for (int mo = 1; mo <= 12; mo++) {
            int d = days[(y + mo) % 8];
            check(y, mo, d, (y * 7) % 24, (y * 13) % 60, (y + mo) % 61, y % 1000000, (mo - 6) * 90);
            if (y % 97 == 0)
                for (size_t i = 0; i < sizeof days / sizeof *days; i++) {
                    check(y, mo, days[i], 23, 59, 60, 999999, 0);
                    check(y, mo, days[i], 8, 59, 60, 0, 540);
                    check(y, mo, days[i], 18, 29, 60, 0, -330);
                }
        }
    for (int i = 0; i < 200000; i++)
        check(pick(10000), 1 + pick(12), 1 + pick(31), pick(24), pick(60), pick(61), pick(1000000),
              pick(1681) - 840);
    /* the refusals were exercised, not just the dates that exist */
    assert_true(refused > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_matches_timegm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
