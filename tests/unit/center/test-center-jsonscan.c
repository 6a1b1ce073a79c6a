/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the validating JSON scanner (core/jsonscan.c) and of the
 * ingest fast path built on it (center/alerts-scan.c): the scanner accepts
 * only what jansson accepts and finds the wanted paths; the fast path
 * accepts only lines the full path (mm_eve_parse_line +
 * mm_ingest_event_from_json) accepts, with the same record, on a corpus of
 * real-looking events and their mutations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "center/alerts.h"
#include "center/arena.h"
#include "core/error.h"
#include "core/eve.h"
#include "core/jsonscan.h"

static bool jansson_accepts(const char *s)
{
    json_t *j = json_loadb(s, strlen(s), JSON_REJECT_DUPLICATES, NULL);
    bool ok = j && json_is_object(j);
    json_decref(j);
    return ok;
}

static void test_scan_syntax(void **state)
{
    (void)state;
    static const char *const good[] = {
        "{}",
        " {\"a\":1} ",
        "{\"a\":[1,2,{\"b\":null}],\"c\":true,\"d\":false}",
        "{\"a\":\"\\u00e9\\ud83d\\ude00\\n\"}",
        "{\"a\":-0.5,\"b\":0,\"c\":-12}",
        "{\"a\":\"\xe6\x97\xa5\xe6\x9c\xac\"}",
        "{\"a\":{},\"b\":[]}\r\n",
    };
    static const char *const bad[] = {
        "",
        "[]",
        "1",
        "{",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":1,\"a\":2}",
        "{\"a\":{\"b\":1,\"b\":1}}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":-}",
        "{\"a\":tru}",
        "{\"a\":\"\\u0000\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\x01\"}",
        "{\"a\":\"\xc0\xaf\"}",
        "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\xf4\x90\x80\x80\"}",
        "{\"a\":\"\xe6\x97\"}",
        "{\"a\":1}x",
        "{\"a\":1e5}",
        "{\"a\":12345678901234567890}",
        "{\"\\u0061\":1}",
        "{'a':1}",
        "{\"a\":NaN}",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (mm_jscan_object(good[i], strlen(good[i]), NULL, 0) != 0)
            fail_msg("refused %s", good[i]);
        assert_true(jansson_accepts(good[i]));
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (mm_jscan_object(bad[i], strlen(bad[i]), NULL, 0) == 0)
            fail_msg("accepted %s", bad[i]);
}

static void test_scan_fields(void **state)
{
    (void)state;
    const char *s = "{\"seq\":42,\"x\":[{\"seq\":1}],\"a\":{\"b\":{\"c\":\"d\\\"e\"},\"n\":-7},"
                    "\"t\":\"2026\",\"r\":1.5}";
    struct mm_jscan_field f[] = {{.path = "seq"}, {.path = "a.b.c"}, {.path = "a.n"},
                                 {.path = "t"},   {.path = "r"},     {.path = "missing"},
                                 {.path = "a.b"}};
    assert_int_equal(mm_jscan_object(s, strlen(s), f, 7), 0);
    assert_int_equal(f[0].type, MM_JSCAN_INTEGER);
    assert_int_equal(f[0].integer, 42);
    assert_int_equal(f[1].type, MM_JSCAN_STRING);
    assert_true(f[1].escaped);
    assert_int_equal(f[2].integer, -7);
    assert_int_equal(f[3].len, 4);
    assert_memory_equal(f[3].text, "2026", 4);
    assert_false(f[3].escaped);
    assert_int_equal(f[4].type, MM_JSCAN_REAL);
    assert_int_equal(f[5].type, MM_JSCAN_ABSENT);
    assert_int_equal(f[6].type, MM_JSCAN_OBJECT);
    struct mm_jscan_field deep = {.path = "a.b.c.d"};
    assert_int_equal(mm_jscan_object(s, strlen(s), &deep, 1), MM_EINVAL);
}

/* ---- the ingest fast path against the full path ---- */

static const char *const bases[] = {
    "{\"timestamp\":\"2026-04-01T10:00:00.000000+0900\",\"event_type\":\"alert\",\"seq\":1,"
    "\"src_ip\":\"10.0.0.5\",\"src_port\":50000,\"dest_ip\":\"203.0.113.9\",\"dest_port\":443,"
    "\"proto\":\"TCP\",\"ether\":{\"src_mac\":\"02:00:00:00:00:01\"},\"alert\":{\"signature_id\":"
    "1001,\"signature\":\"mamori intel hit\",\"category\":\"Threat intel\",\"severity\":1},"
    "\"mamori\":{\"detector\":\"intel\",\"message\":{\"ja\":\"\xe5\x8d\xb1\xe9\x99\xba\","
    "\"en\":\"bad\"}}}",
    "{\"timestamp\":\"2026-04-01T10:00:00.123456+0000\",\"event_type\":\"device\",\"src_ip\":"
    "\"192.168.1.10\",\"device\":{\"mac\":\"02:00:00:00:00:0a\",\"new\":false},\"seq\":7}",
    "{\"timestamp\":\"2026-04-01T10:00:00Z\",\"event_type\":\"dns\",\"seq\":0,\"src_ip\":"
    "\"fe80::1\",\"dest_ip\":\"10.0.0.1\",\"dns\":{\"type\":\"query\",\"rrname\":\"example.jp\"}}",
    "{\"timestamp\":\"2026-04-01T10:00:00Z\",\"event_type\":\"stats\",\"seq\":3,\"stats\":"
    "{\"spool\":{\"backlog\":5},\"capture\":{\"kernel_drops\":2}}}",
    "{\"timestamp\":\"2026-04-01T10:00:00Z\",\"event_type\":\"alert\",\"seq\":9,\"src_ip\":"
    "\"10.0.0.9\",\"src_mac\":\"\",\"alert\":{\"signature_id\":5,\"signature\":\"s\","
    "\"severity\":4},\"mamori\":{\"evidence\":{\"mac\":\"02:00:00:00:00:09\"}}}",
    "{\"timestamp\":\"2026-04-01T10:00:00Z\",\"event_type\":\"alert\",\"seq\":10,\"src_ip\":"
    "\"10.0.0.9\",\"alert\":{\"signature_id\":5,\"signature\":\"s\",\"severity\":2},"
    "\"mamori\":{\"evidence\":{\"mac\":\"02:00:00:00:00:09\"}}}",
};

/* Replacement values tried for each field (a NULL value removes the field). */
static const char *const values[] = {
    "1",
    "-1",
    "0",
    "65535",
    "65536",
    "1.5",
    "\"x\"",
    "\"\"",
    "null",
    "true",
    "{}",
    "[]",
    "\"10.0.0.1\"",
    "\"::1\"",
    "\"a\\u0041\"",
    "\"2026-04-01T10:00:00Z\"",
    "\"2026-13-01T10:00:00Z\"",
    "\"alert\"",
    "\"stats\"",
    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
    "9223372036854775807",
    "1e3",
    "{\"signature_id\":1,\"signature\":\"t\",\"severity\":3}",
    "\"\\n\"",
    NULL,
};

static const char *const keys[] = {"timestamp", "event_type",   "seq",      "src_ip",    "dest_ip",
                                   "src_port",  "dest_port",    "src_mac",  "alert",     "mamori",
                                   "ether",     "signature_id", "severity", "signature", "ja",
                                   "category",  "detector",     "stats"};

/* Replaces the first value of "key" in base by v (NULL: renames the key so
 * it is gone); false when the key is not in base. */
static bool mutate(const char *base, const char *key, const char *v, char *out, size_t outlen)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *k = strstr(base, pat);
    if (!k)
        return false;
    const char *vs = k + strlen(pat), *ve = vs;
    int depth = 0;
    bool str = false;
    for (; *ve; ve++) {
        if (str) {
            if (*ve == '\\')
                ve++;
            else if (*ve == '"')
                str = false;
            continue;
        }
        if (*ve == '"')
            str = true;
        else if (*ve == '{' || *ve == '[')
            depth++;
        else if (*ve == '}' || *ve == ']') {
            if (depth-- == 0)
                break;
        } else if (*ve == ',' && depth == 0)
            break;
    }
    if (!v)
        snprintf(out, outlen, "%.*s\"zz%s\":%.*s%s", (int)(k - base), base, key, (int)(ve - vs), vs,
                 ve);
    else
        snprintf(out, outlen, "%.*s%s%s", (int)(vs - base), base, v, ve);
    return true;
}

static void same_text(const char *a, const char *b)
{
    assert_string_equal(a ? a : "", b ? b : "");
}

static size_t fast_taken;

/* The fast path never accepts what the full path refuses, and agrees on the record. */
static void compare_paths(const char *line)
{
    struct mm_arena arena = {0};
    struct mm_ingest_event fast, full;
    char why[256];
    json_t *ev = NULL;
    size_t len = strlen(line);
    int rf = mm_ingest_event_scan(line, len, &arena, &fast);
    int rs = mm_eve_parse_line(line, len, &ev, why, sizeof why);
    if (rs == 0)
        rs = mm_ingest_event_from_json(ev, line, len, &full, why, sizeof why);
    if (rf == 0) {
        fast_taken++;
        if (rs != 0)
            fail_msg("fast path accepted a line the full path refuses (%s): %s", why, line);
        assert_int_equal(fast.seq, full.seq);
        assert_int_equal(fast.ts, full.ts);
        same_text(fast.event_type, full.event_type);
        assert_int_equal(fast.body_len, full.body_len);
        assert_true(fast.body == full.body);
        assert_int_equal(fast.is_alert, full.is_alert);
        assert_int_equal(fast.has_stats, full.has_stats);
        if (fast.is_alert) {
            assert_int_equal(fast.alert.signature_id, full.alert.signature_id);
            assert_int_equal(fast.alert.severity, full.alert.severity);
            same_text(fast.alert.signature, full.alert.signature);
            same_text(fast.alert.category, full.alert.category);
            same_text(fast.alert.detector, full.alert.detector);
            same_text(fast.alert.device, full.alert.device);
            same_text(fast.alert.src_ip, full.alert.src_ip);
            same_text(fast.alert.dest_ip, full.alert.dest_ip);
            same_text(fast.alert.message_ja, full.alert.message_ja);
            same_text(fast.alert.message_en, full.alert.message_en);
        }
    } else {
        assert_int_equal(rf, MM_EAGAIN);
    }
    json_decref(ev);
    mm_arena_free(&arena);
}

static void test_fast_path_agrees(void **state)
{
    (void)state;
    char line[4096], twice[4096];
    fast_taken = 0;
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        compare_paths(bases[b]);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
                if (!mutate(bases[b], keys[k], values[v], line, sizeof line))
                    continue;
                compare_paths(line);
                for (size_t k2 = 0; k2 < sizeof keys / sizeof keys[0]; k2 += 3)
                    if (mutate(line, keys[k2], values[(v + k2) % 24], twice, sizeof twice))
                        compare_paths(twice);
            }
        }
    }
    /* Line endings, blanks, duplicates, trailing bytes. */
    compare_paths("{\"timestamp\":\"2026-04-01T10:00:00Z\",\"event_type\":\"x\",\"seq\":1}\r\n");
    compare_paths("{\"timestamp\":\"2026-04-01T10:00:00Z\",\"event_type\":\"x\",\"seq\":1,"
                  "\"seq\":2}");
    compare_paths("{\"timestamp\":\"2026-04-01T10:00:00Z\",\"event_type\":\"x\",\"seq\":1} x");
    assert_true(fast_taken > 100); /* the fast path is really taken */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_syntax),
        cmocka_unit_test(test_scan_fields),
        cmocka_unit_test(test_fast_path_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
