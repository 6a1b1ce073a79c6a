/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the JSON scanner (core/jsonscan.c) against its
 * previous version (jsonscan-ref.c): on EVE lines like the sensor's (ASCII,
 * Japanese, escapes, nesting) and on random mutations of them (bytes
 * replaced, inserted or cut, chosen among the ones the scanner decides on:
 * quotes, backslashes, control bytes, UTF-8 lead and continuation bytes,
 * brackets), with wanted paths of one to three components, both must
 * accept and refuse the same texts and report the same fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/jsonscan.h"

int ref_jscan_object(const char *text, size_t len, struct mm_jscan_field *fields, size_t n);

static const char *const lines[] = {
    "{\"timestamp\":\"2026-04-01T00:00:00.000002+0000\",\"flow_id\":15838,\"event_type\":"
    "\"alert\",\"src_ip\":\"192.168.1.10\",\"src_port\":40002,\"dest_ip\":\"203.0.113.3\","
    "\"dest_port\":443,\"proto\":\"TCP\",\"ether\":{\"src_mac\":\"02:00:00:00:00:00\"},"
    "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":9100102,\"rev\":1,"
    "\"signature\":\"MAMORI bench signature 2\",\"category\":\"A Network Trojan was "
    "detected\",\"severity\":3},\"mamori\":{\"detector\":\"intel\",\"message\":{\"ja\":"
    "\"\xe7\xa4\xbe\xe5\x86\x85\xe3\x81\xae\xe6\xa9\x9f\xe5\x99\xa8\xe3\x81\x8c\xe5\x8d\xb1"
    "\xe9\x99\xba\xe3\x81\xaa\",\"en\":\"An office device talked to a dangerous host.\"}},"
    "\"seq\":2}",
    "{\"timestamp\":\"2026-04-01T00:00:00.000001+0000\",\"event_type\":\"device\",\"src_ip\":"
    "\"192.168.1.10\",\"device\":{\"mac\":\"02:00:00:00:00:00\",\"ip\":\"192.168.1.10\","
    "\"vendor\":\"Example Corp\",\"os\":\"Windows\",\"hostname\":\"pc-0\",\"first_seen\":"
    "\"2026-04-01T00:00:00\",\"last_seen\":\"2026-04-01T00:00:00\",\"new\":false},\"seq\":1}",
    "{\"a\":[1,2,{\"b\":null,\"c\":[true,false]}],\"s\":\"x\\\"y\\\\z\\u00e9\\ud83d\\ude00\","
    "\"n\":-0.25,\"m\":{\"a\":{\"b\":{\"c\":1,\"d\":\"e\"}}},\"z\":\"\xf0\x9f\x98\x80\"}",
    " {\"seq\" : 7 ,\t\"alert\" : { \"signature_id\" : 0 , \"severity\" : 4 } }\r\n",
};

/* Path sets: the ingest one and some others. */
static const char *const set_ingest[] = {
    "timestamp",
    "event_type",
    "seq",
    "src_ip",
    "dest_ip",
    "src_port",
    "dest_port",
    "alert.signature_id",
    "alert.severity",
    "alert.signature",
    "alert.category",
    "mamori.detector",
    "mamori.message.ja",
    "mamori.message.en",
    "src_mac",
    "ether.src_mac",
};
static const char *const set_misc[] = {"a", "s",   "m.a.b", "m.a",   "n",   "m",
                                       "z", "a.b", "seq",   "alert", "m.x", "alert.severity"};

static const char *const set_twice[] = {"seq", "seq"}; /* the first one gets it */

static const unsigned char specials[] = {'"',  '\\', 0x01, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc2,
                                         0xe0, 0xe6, 0xed, 0xf0, 0xf4, 0xf5, 0xff, '{',  '}',
                                         '[',  ']',  ',',  ':',  '0',  '-',  'e',  'u',  ' '};

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t compared, accepted;

static void compare(const char *text, size_t len, const char *const *paths, size_t n)
{
    struct mm_jscan_field a[16], b[16];
    memset(a, 0x5a, sizeof a);
    memset(b, 0x5a, sizeof b);
    for (size_t i = 0; i < n; i++)
        a[i].path = b[i].path = paths[i];
    int ra = mm_jscan_object(text, len, a, n), rb = ref_jscan_object(text, len, b, n);
    compared++;
    if (ra != rb)
        fail_msg("scan %d, reference %d on: %.*s", ra, rb, (int)len, text);
    if (ra != 0)
        return;
    accepted++;
    for (size_t i = 0; i < n; i++) {
        if (a[i].type != b[i].type || a[i].text != b[i].text || a[i].len != b[i].len ||
            a[i].escaped != b[i].escaped || a[i].integer != b[i].integer)
            fail_msg("field %s differs on: %.*s", paths[i], (int)len, text);
    }
}

static void compare_sets(const char *text, size_t len)
{
    compare(text, len, set_ingest, 16);
    compare(text, len, set_misc, 12);
    compare(text, len, set_misc + 2, 3);
    compare(text, len, set_twice, 2);
    compare(text, len, NULL, 0);
}

/* One random change of line into out; returns its length. */
static size_t mutate(const char *line, char *out, size_t cap)
{
    size_t len = strlen(line), at = (size_t)(next() % (len + 1));
    unsigned char c = specials[next() % sizeof specials];
    switch (next() % 4) {
    case 0: /* replace */
        memcpy(out, line, len);
        if (at < len)
            out[at] = (char)c;
        return len;
    case 1: /* insert */
        if (len + 1 > cap)
            return 0;
        memcpy(out, line, at);
        out[at] = (char)c;
        memcpy(out + at + 1, line + at, len - at);
        return len + 1;
    case 2: /* cut */
        memcpy(out, line, at);
        return at;
    default: /* drop one byte */
        memcpy(out, line, len);
        if (at < len)
            memmove(out + at, out + at + 1, len - at - 1);
        return at < len ? len - 1 : len;
    }
}

static void test_scanner_matches_reference(void **state)
{
    (void)state;
    char buf[2048], twice[2048];
    for (size_t l = 0; l < sizeof lines / sizeof *lines; l++) {
        compare_sets(lines[l], strlen(lines[l]));
        for (int i = 0; i < 6000; i++) {
            size_t n = mutate(lines[l], buf, sizeof buf - 1);
            compare_sets(buf, n);
            buf[n] = '\0';
            size_t m = mutate(buf, twice, sizeof twice - 1);
            compare_sets(twice, m);
        }
    }
    /* A path set too large and bad paths are refused alike. */
    const char *bad[] = {"a..b", "", "a.b.c.d"};
    for (size_t i = 0; i < 3; i++)
        compare(lines[0], strlen(lines[0]), bad + i, 1);
    assert_true(accepted > 1000 && accepted < compared); /* both sides were tried */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scanner_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
