/* SPDX-License-Identifier: Apache-2.0
 * The sensor's cached event time stamps (eve-fast.c: mm__time_format, and
 * mm__time_text with the length) give
 * exactly the text of the plain formatter (core mm_time_format) for any
 * second and micro-second: seconds that share a cache slot (minutes 64
 * apart), seconds before 1970 (-1 once read as the slot's "empty" mark and
 * printed "000000"), a time zone with an offset, summer-time changes, a
 * zone offset with seconds (local mean time), minutes made from their
 * hour's text (half-hour offsets, changes inside an hour), runs of time
 * taking turns (two captures merged) and micro-seconds out of range. The cache is not told about TZ
 * changes (the sensor never changes it), so each zone below uses minutes no other zone asks for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../test-rand.h"
#include "core/eve.h"
#include "core/net.h"
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
    /* the remembered seconds' texts with their lengths */
    char with_len[MM_TIMESTAMP_MAX];
    size_t n = mm__time_text(&ts, with_len);
    if (strcmp(with_len, plain) != 0 || n != strlen(plain))
        fail_msg("second %lld usec %ld: \"%s\" (%zu), want \"%s\"", (long long)sec, usec, with_len,
                 n, plain);
}

/* Seconds around 0 and a recent day, each slot's neighbours (64 seconds
 * and 64 minutes away) in turn, twice so the second pass reads what the first one cached. */
static void test_seconds_and_slots(void **state)
{
    (void)state;
    const time_t bases[] = {-1,    0,    1,    -64,        -65,        63,         64,
                            -3840, 3839, 3840, 1790000000, 1790000063, 1790000064, 1790003840};
    const long usecs[] = {0, 5, 999999, 123456};
    for (int pass = 0; pass < 2; pass++)
        for (size_t b = 0; b < sizeof bases / sizeof *bases; b++)
            for (size_t u = 0; u < sizeof usecs / sizeof *usecs; u++) {
                expect_same(bases[b], usecs[u]);
                expect_same(bases[b] + 64, usecs[u]);
                expect_same(bases[b] - 64, usecs[u]);
                expect_same(bases[b] + 3840, usecs[u]);
                expect_same(bases[b] - 3840, usecs[u]);
            }
}

/* Minutes 1024 apart share a slot (the cache holds 1024 minutes): seconds
 * of such minutes asked for in turn, before and after 1970, each answer
 * the text of its own minute; also a minute next to a slot's neighbour. */
static void test_slot_sharers(void **state)
{
    (void)state;
    const time_t stride = 1024 * 60, bases[] = {-61, 0, 59, 1790000000, 1790000059};
    for (int pass = 0; pass < 2; pass++)
        for (size_t b = 0; b < sizeof bases / sizeof *bases; b++)
            for (int k = -3; k <= 3; k++) {
                expect_same(bases[b] + k * stride, 17);
                expect_same(bases[b] + k * stride + 60, 18);
                expect_same(bases[b] - k * stride + 1, 19);
            }
}

/* Every second of minutes around the given time, twice. */
static void expect_minutes_around(time_t t, int minutes)
{
    for (int pass = 0; pass < 2; pass++)
        for (time_t sec = t - 60 * minutes; sec < t + 60 * minutes; sec++)
            expect_same(sec, 42);
}

/* Berlin's summer-time changes of 2026 (at 01:00 UTC), every second of the
 * hours around them; Tokyo before 1888 (local mean time, +09:18:59: its
 * seconds differ from UTC's, so those minutes are never cached); a zone
 * change inside a minute (a zone rule string switching at 02:00:30). */
static void test_zone_changes(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    expect_minutes_around(1774746000, 70); /* 2026-03-29 */
    expect_minutes_around(1792890000, 70); /* 2026-10-25 */
    setenv("TZ", "Asia/Tokyo", 1);
    tzset();
    expect_minutes_around(-2800000000LL, 3);
    setenv("TZ", "AAA-1BBB,M3.5.0/2:00:30,M10.5.0/3", 1);
    tzset();
    expect_minutes_around(1711846830, 3); /* 2024-03-31 01:00:30 UTC */
    setenv("TZ", "JST-9", 1);
    tzset();
}

/* Minute texts made from their hour's: minutes of one hour asked for out
 * of order, hours 256 apart (sharing an hour slot) in turn, twice; a zone
 * with a half-hour offset (Kolkata: no UTC hour starts at minute 00 there,
 * so no hour is cached); a zone change at a whole minute inside an hour (a
 * rule string switching at 02:30: that hour's two ends differ); Lord
 * Howe's half-hour summer-time change (at 15:30 UTC). */
static void test_hours(void **state)
{
    (void)state;
    const time_t hour = 1600000000 - 1600000000 % 3600;
    for (int pass = 0; pass < 2; pass++)
        for (int k = -2; k <= 2; k++)
            for (int minute = 59; minute >= 0; minute -= 7) {
                expect_same(hour + k * 256 * 3600 + minute * 60 + 13, 7);
                expect_same(hour + k * 256 * 3600 + (59 - minute) * 60, 999999);
            }
    setenv("TZ", "Asia/Kolkata", 1);
    tzset();
    expect_minutes_around(1700000000, 70);
    setenv("TZ", "AAA-1BBB,M3.5.0/2:30,M10.5.0/3", 1);
    tzset();
    expect_minutes_around(1743298200, 70); /* 2025-03-30 01:30 UTC */
    setenv("TZ", "Australia/Lord_Howe", 1);
    tzset();
    expect_minutes_around(1759591800, 70); /* 2025-10-04 15:30 UTC */
    setenv("TZ", "JST-9", 1);
    tzset();
}

/* Seconds drawn across years 0-10200 in zones of every kind (eve-fast.c
 * forms a new minute's or hour's text from localtime_r's fields, not by
 * strftime, in years 1000-9999 and offsets of whole minutes): UTC, fixed
 * offsets, summer time, offsets of 45 and 30 minutes, local mean times
 * with seconds (Amsterdam before 1937), +14 hours, a zero offset named
 * "-00" (some C libraries write "-0000"), leap seconds (right/UTC: second 60).
 * Zone k asks only for hours k modulo 16, so no zone reads a slot another
 * one filled. */
static void test_random_seconds(void **state)
{
    (void)state;
    static const char *const zones[] = {"UTC",
                                        "JST-9",
                                        "Asia/Tokyo",
                                        "Europe/Amsterdam",
                                        "Asia/Kathmandu",
                                        "America/St_Johns",
                                        "Australia/Lord_Howe",
                                        "Pacific/Kiritimati",
                                        "<-00>0",
                                        "right/UTC",
                                        "America/Sao_Paulo",
                                        "Europe/Dublin"};
    uint64_t rng = 0x5eed7135ULL;
    for (size_t k = 0; k < sizeof zones / sizeof *zones; k++) {
        setenv("TZ", zones[k], 1);
        tzset();
        for (int i = 0; i < 3000; i++) {
            int64_t span = i % 4 == 0 ? 325000000000LL : 6000000000LL; /* all years, or 1850-2040 */
            int64_t from = i % 4 == 0 ? -63000000000LL : -3800000000LL;
            int64_t sec = from + (int64_t)(test_xorshift(&rng) % (uint64_t)span);
            int64_t hour = sec / 3600 - (sec % 3600 < 0);
            hour = hour - (((hour % 16) + 16) % 16) + (int64_t)k;
            sec = hour * 3600 + (int64_t)(test_xorshift(&rng) % 3600);
            expect_same((time_t)sec, (long)(test_xorshift(&rng) % 1000000));
        }
    }
    setenv("TZ", "JST-9", 1);
    tzset();
}

/* Runs of time taking turns, as in a capture merged from captures taken a
 * whole number of days or years apart (every second of one maps to the
 * remembered-second slot of the other's, which has a second way for it):
 * two runs, each stamp asked for a few times per second, a year, a day, a
 * week, 8 seconds or 1024 minutes apart, before and after 1970; one run
 * going back while the other goes forward; three runs (more than the two
 * ways); one run that jumps and then goes on. Each text is its own
 * second's, with its own micro-seconds. */
static void test_alternating_runs(void **state)
{
    (void)state;
    const int64_t year = 365 * 86400LL, apart[] = {year, 86400, 7 * 86400, 8, 1024 * 60, 4 * year};
    const int64_t starts[] = {1700000000, -100000000, 1790000000 - year};
    for (size_t a = 0; a < sizeof apart / sizeof *apart; a++)
        for (size_t b = 0; b < sizeof starts / sizeof *starts; b++)
            for (int64_t i = 0; i < 300; i++) {
                int64_t t = starts[b] + i / 3;
                expect_same((time_t)t, (long)(i * 7919 % 1000000));
                expect_same((time_t)(t + apart[a]), (long)(i * 104729 % 1000000));
                expect_same((time_t)(starts[b] + apart[a] - i / 3), (long)i);
            }
    /* two runs a year apart, three stamps a second each: a second's text
     * is formed once per run, not at every turn (before the second way:
     * 600 times for these 600 stamps) */
    uint64_t fills = mm__time_text_fills;
    for (int64_t i = 0; i < 300; i++)
        for (int k = 0; k < 2; k++)
            expect_same((time_t)(1710000000 + k * year + i / 3), (long)i);
    assert_true(mm__time_text_fills - fills <= 2 * 100 + 2);
    for (int64_t i = 0; i < 300; i++)
        for (int k = 0; k < 3; k++)
            expect_same((time_t)(1750000000 + k * year + i / 2), (long)(k * 1000 + i));
    for (int64_t i = 0; i < 200; i++)
        expect_same((time_t)(1760000000 + (i < 100 ? i : 5 * year + i)), 5);
}

/* Micro-seconds of every digit count and across the range (written two
 * digits at a time). */
static void test_micro_seconds(void **state)
{
    (void)state;
    const long edges[] = {0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 999999};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        expect_same(1790000000, edges[i]);
    for (long u = 0; u < 1000000; u += 7919)
        expect_same(1790000000 + u % 120, u);
}

/* The event header (mm__eve_new) against the core's mm_eve_new: the same
 * line for headers with and without addresses (IPv4, IPv6), ports (TCP,
 * UDP, ICMP, none), flow id, packet number, VLANs, Community ID and
 * application protocol; names in a buffer that is rewritten between events
 * (the shared name strings are looked up by address, checked by text). */
static void expect_same_header(const struct mm_eve_header *h)
{
    json_t *fast = mm__eve_new(h), *plain = mm_eve_new(h);
    assert_non_null(fast);
    assert_non_null(plain);
    char *a = json_dumps(fast, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *b = json_dumps(plain, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(fast);
    json_decref(plain);
}

static void test_header(void **state)
{
    (void)state;
    struct mm_addr v4a, v4b, v6a, v6b;
    assert_int_equal(mm_addr_parse("192.168.1.10", &v4a), 0);
    assert_int_equal(mm_addr_parse("8.8.8.8", &v4b), 0);
    assert_int_equal(mm_addr_parse("fe80::1", &v6a), 0);
    assert_int_equal(mm_addr_parse("2001:db8::53", &v6b), 0);
    const char *protos[] = {"TCP", "UDP", "ICMP", "IPv6-ICMP", NULL};
    const char *apps[] = {"dns", "http", NULL};
    char type[16], app[16];
    for (int i = 0; i < 200; i++) {
        /* the same buffers, other texts: never the previous event's names */
        snprintf(type, sizeof type, "%s", (const char *[]){"dns", "flow", "alert", "tls"}[i % 4]);
        snprintf(app, sizeof app, "%s", apps[i % 3] ? apps[i % 3] : "smb");
        struct mm_eve_header h = {
            .ts = {.tv_sec = 1790000000 + i * 7, .tv_usec = i * 1001},
            .event_type = i % 11 == 0 ? NULL : type,
            .flow_id = i % 5 ? (uint64_t)i * 0x9e3779b97f4a7c15ULL : 0,
            .src = i % 7 == 0 ? NULL : (i % 2 ? &v4a : &v6a),
            .dst = i % 7 == 0 ? NULL : (i % 2 ? &v4b : &v6b),
            .src_port = (uint16_t)(1024 + i),
            .dest_port = 53,
            .proto = protos[i % 5],
            .community_id = i % 3 ? "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" : NULL,
            .app_proto = i % 4 == 1 ? app : (i % 4 == 2 ? apps[0] : NULL),
            .pcap_cnt = i % 6 ? (uint64_t)i * 1000 : 0,
            .vlan = {(uint16_t)i, 7},
            .vlan_count = (uint8_t)(i % 3),
        };
        expect_same_header(&h);
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
    expect_same((time_t)INT64_MAX, 5);
    expect_same((time_t)INT64_MIN, 5);
}

int main(void)
{
    /* An offset zone: the cached text carries "+0900" after the digits. */
    setenv("TZ", "JST-9", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minus_one_first), cmocka_unit_test(test_seconds_and_slots),
        cmocka_unit_test(test_slot_sharers),    cmocka_unit_test(test_usec_out_of_range),
        cmocka_unit_test(test_zone_changes),    cmocka_unit_test(test_hours),
        cmocka_unit_test(test_micro_seconds),   cmocka_unit_test(test_header),
        cmocka_unit_test(test_random_seconds),  cmocka_unit_test(test_alternating_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
