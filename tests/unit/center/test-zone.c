/* SPDX-License-Identifier: Apache-2.0
 * Tests of the report time zone (src/center/zone.c) against the system tz
 * database: month boundaries in Japan time and in UTC (an event at
 * 2026-10-31T16:30Z is November in Tokyo, October in UTC), daylight saving
 * time in Europe/Berlin, a midnight skipped by a transition (Sao Paulo 2018),
 * the fixed UTC+9 fallback without a database, refused names, TZ restored
 * after loading, and printed report times in the configured zone. Zones the
 * database lacks are skipped with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/report.h"
#include "center/zone.h"
#include "core/error.h"
#include "../test-tmpdir.h"

#define OCT31_1630Z 1793464200LL /* 2026-10-31T16:30:00Z = 1 Nov 01:30 JST */

static struct mm_zone *load(const char *name)
{
    struct mm_zone *z = NULL;
    bool fallback = true;
    char err[256] = "";
    int r = mm_zone_load(name, &z, &fallback, err, sizeof err);
    if (r == MM_ENOENT) {
        printf("skip part: %s\n", err);
        return NULL;
    }
    assert_int_equal(r, 0);
    assert_false(fallback);
    return z;
}

static void test_japan_months(void **state)
{
    (void)state;
    struct mm_zone *z = load("Asia/Tokyo");
    if (!z)
        return;
    int y, m;
    const char *abbr;
    assert_true(mm_zone_is_japan(z));
    assert_int_equal(mm_zone_offset(z, OCT31_1630Z, &abbr), 9 * 3600);
    assert_string_equal(abbr, "JST");
    /* November in Japan time: 2026-10-31T15:00Z up to 2026-11-30T15:00Z. */
    assert_int_equal(mm_zone_day_start(z, 2026, 11, 1), 1793458800LL);
    assert_int_equal(mm_zone_day_start(z, 2026, 12, 1), 1796050800LL);
    assert_int_equal(mm_zone_day_start(z, 2026, 10, 1), 1790780400LL);
    mm_zone_local_month(z, OCT31_1630Z, &y, &m);
    assert_int_equal(y, 2026);
    assert_int_equal(m, 11);
    /* Month 13 is January of the next year. */
    assert_int_equal(mm_zone_day_start(z, 2026, 13, 1), mm_zone_day_start(z, 2027, 1, 1));
    /* The same instants as the built-in fallback. */
    assert_int_equal(mm_zone_day_start(mm_zone_japan(), 2026, 11, 1), 1793458800LL);
    mm_zone_free(z);
}

static void test_utc_months(void **state)
{
    (void)state;
    struct mm_zone *z = NULL;
    bool fallback = true;
    char err[256];
    assert_int_equal(mm_zone_load("UTC", &z, &fallback, err, sizeof err), 0);
    assert_false(fallback);
    assert_false(mm_zone_is_japan(z));
    int y, m;
    mm_zone_local_month(z, OCT31_1630Z, &y, &m);
    assert_int_equal(m, 10);
    assert_int_equal(mm_zone_day_start(z, 2026, 10, 1), 1790812800LL);
    assert_int_equal(mm_zone_day_start(z, 2026, 11, 1), 1793491200LL);
    mm_zone_free(z);
}

static void test_daylight_saving(void **state)
{
    (void)state;
    struct mm_zone *z = load("Europe/Berlin");
    if (!z)
        return;
    const char *abbr;
    /* 2026-03-29 01:00Z: CET (UTC+1) -> CEST (UTC+2), to the second. */
    assert_int_equal(mm_zone_offset(z, 1774746000LL - 1, &abbr), 3600);
    assert_string_equal(abbr, "CET");
    assert_int_equal(mm_zone_offset(z, 1774746000LL, &abbr), 7200);
    assert_string_equal(abbr, "CEST");
    /* That day starts at 23:00Z the day before (UTC+1); November starts at
     * 23:00Z on 31 October (CET again after 25 October). */
    assert_int_equal(mm_zone_day_start(z, 2026, 3, 29), 1774738800LL);
    assert_int_equal(mm_zone_day_start(z, 2026, 11, 1), 1793487600LL);
    assert_int_equal(mm_zone_offset(z, 1792890000LL, NULL), 3600);
    mm_zone_free(z);
}

static void test_skipped_midnight(void **state)
{
    (void)state;
    /* Sao Paulo's clocks went from 00:00 to 01:00 on 2018-11-04: that day
     * began at the transition, 03:00Z. */
    struct mm_zone *z = load("America/Sao_Paulo");
    if (!z)
        return;
    assert_int_equal(mm_zone_day_start(z, 2018, 11, 4), 1541300400LL);
    assert_int_equal(mm_zone_offset(z, 1541300400LL, NULL), -2 * 3600);
    assert_int_equal(mm_zone_offset(z, 1541300400LL - 1, NULL), -3 * 3600);
    /* A date as the API's filters give it: the same instant, in usec; a
     * date that does not exist or is not one is refused. */
    int64_t usec = 0;
    assert_int_equal(mm_zone_date_start(z, "2018-11-04", &usec), 0);
    assert_int_equal(usec, 1541300400LL * 1000000);
    assert_int_equal(mm_zone_date_start(mm_zone_japan(), "2026-04-02", &usec), 0);
    assert_int_equal(usec, 1775055600LL * 1000000); /* 2026-04-01T15:00:00Z */
    assert_int_equal(mm_zone_date_start(z, "2026-02-30", &usec), MM_EPARSE);
    assert_int_equal(mm_zone_date_start(z, "2026-4-2", &usec), MM_EPARSE);
    assert_int_equal(mm_zone_date_start(z, "2026-04-02T00:00:00Z", &usec), MM_EPARSE);
    mm_zone_free(z);
}

static void test_names_and_fallback(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "/etc/passwd",
                                      "../etc/passwd",
                                      "Asia/../../x",
                                      "Asia//Tokyo",
                                      "Asia/Tokyo/",
                                      "Asia/Tok yo",
                                      ".hidden",
                                      "Asia/Tokyo\n"};
    struct mm_zone *z = NULL;
    bool fallback = false;
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mm_zone_load(bad[i], &z, &fallback, err, sizeof err), MM_EINVAL);
        assert_null(z);
    }
    assert_int_equal(mm_zone_load(NULL, &z, &fallback, err, sizeof err), MM_EINVAL);
    assert_int_equal(mm_zone_load("Nowhere/Atlantis", &z, &fallback, err, sizeof err), MM_ENOENT);
    assert_non_null(strstr(err, "Nowhere/Atlantis"));
    /* Without a database, Japan still works (fixed UTC+9), other zones do not. */
    char dir[TEST_TMPDIR_MAX];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "zone"), 0);
    setenv("TZDIR", dir, 1);
    assert_int_equal(mm_zone_load("Asia/Tokyo", &z, &fallback, err, sizeof err), 0);
    assert_true(fallback);
    assert_int_equal(mm_zone_day_start(z, 2026, 11, 1), 1793458800LL);
    mm_zone_free(z);
    assert_int_equal(mm_zone_load("Europe/Berlin", &z, &fallback, err, sizeof err), MM_ENOENT);
    assert_int_equal(mm_zone_load("UTC", &z, &fallback, err, sizeof err), 0);
    mm_zone_free(z);
    unsetenv("TZDIR");
    rmdir(dir);
    /* Loading leaves the process's own TZ as it was (the tests run with TZ=UTC). */
    const char *before = getenv("TZ");
    char saved[64];
    snprintf(saved, sizeof saved, "%s", before ? before : "(unset)");
    z = load("Asia/Tokyo");
    const char *after = getenv("TZ");
    assert_string_equal(saved, after ? after : "(unset)");
    mm_zone_free(z);
    mm_zone_free(NULL);
}

static void test_report_times(void **state)
{
    (void)state;
    char t[48];
    struct mm_buf note = MM_BUF_INIT;
    mm_report_use_zone(NULL); /* default: Japan time */
    mm_report_time_text("2026-10-31T16:30:00Z", MM_LANG_JA, t);
    assert_string_equal(t, "2026年11月1日 01:30");
    mm_report_time_text("2026-10-31T16:30:00Z", MM_LANG_EN, t);
    assert_string_equal(t, "1 November 2026 01:30 JST");
    /* The month as people write it; anything else kept as given. */
    mm_report_month_text("2026-11", MM_LANG_JA, t);
    assert_string_equal(t, "2026年11月");
    mm_report_month_text("2026-04", MM_LANG_EN, t);
    assert_string_equal(t, "April 2026");
    mm_report_month_text("2026-13", MM_LANG_EN, t);
    assert_string_equal(t, "2026-13");
    mm_report_month_text(NULL, MM_LANG_JA, t);
    assert_string_equal(t, "");
    assert_int_equal(mm_report_time_note(MM_LANG_JA, &note), 0);
    assert_non_null(strstr(mm_buf_str(&note), "日本時間"));
    mm_buf_reset(&note);

    struct mm_zone *utc = NULL;
    bool fallback;
    char err[256];
    assert_int_equal(mm_zone_load("UTC", &utc, &fallback, err, sizeof err), 0);
    mm_report_use_zone(utc);
    mm_report_time_text("2026-10-31T16:30:00Z", MM_LANG_JA, t);
    assert_string_equal(t, "2026年10月31日 16:30 UTC");
    mm_report_time_text("2026-10-31T16:30:00+0900", MM_LANG_EN, t);
    assert_string_equal(t, "31 October 2026 07:30 UTC");
    assert_int_equal(mm_report_time_note(MM_LANG_EN, &note), 0);
    assert_string_equal(mm_buf_str(&note), "All times are in the UTC time zone, not Japan time.");
    mm_buf_reset(&note);
    assert_int_equal(mm_report_time_note(MM_LANG_JA, &note), 0);
    assert_non_null(strstr(mm_buf_str(&note), "UTC の時刻"));
    mm_report_use_zone(NULL);
    mm_zone_free(utc);
    mm_buf_free(&note);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_japan_months),       cmocka_unit_test(test_utc_months),
        cmocka_unit_test(test_daylight_saving),    cmocka_unit_test(test_skipped_midnight),
        cmocka_unit_test(test_names_and_fallback), cmocka_unit_test(test_report_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
