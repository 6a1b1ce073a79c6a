/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the EVE event model: building in Suricata's key order,
 * alerts with ja/en messages, and the checks applied to incoming lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/eve.h"
#include "../test-rand.h"

static void test_build_order(void **state)
{
    (void)state;
    struct mm_addr src, dst;
    mm_addr_parse("192.168.1.10", &src);
    mm_addr_parse("203.0.113.5", &dst);
    struct mm_eve_header h = {.ts = {1700000000, 5},
                              .event_type = "alert",
                              .flow_id = 77,
                              .src = &src,
                              .dst = &dst,
                              .src_port = 51000,
                              .dest_port = 443,
                              .proto = "TCP",
                              .community_id = "1:abc=",
                              .pcap_cnt = 3};
    json_t *ev = mm_eve_new(&h);
    assert_non_null(ev);
    struct mm_eve_alert a = {.signature_id = 9100001,
                             .signature = "MAMORI intel hit",
                             .category = "A Network Trojan was detected",
                             .severity = MM_SEV_HIGH,
                             .detector = "intel",
                             .message_ja = "既知の攻撃サーバーへの通信です",
                             .message_en = "Traffic to a known attack server",
                             .evidence = json_pack("{s:s}", "ip", "203.0.113.5")};
    assert_int_equal(mm_eve_set_alert(ev, &a), 0);
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_eve_write_line(ev, &b), 0);
    assert_string_equal(
        mm_buf_str(&b),
        "{\"timestamp\":\"2023-11-14T22:13:20.000005+0000\",\"flow_id\":77,\"pcap_cnt\":3,"
        "\"event_type\":\"alert\",\"src_ip\":\"192.168.1.10\",\"src_port\":51000,"
        "\"dest_ip\":\"203.0.113.5\",\"dest_port\":443,\"proto\":\"TCP\",\"community_id\":"
        "\"1:abc=\",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":9100001,"
        "\"rev\":1,\"signature\":\"MAMORI intel hit\",\"category\":\"A Network Trojan was "
        "detected\",\"severity\":1},\"mamori\":{\"detector\":\"intel\",\"message\":{\"ja\":"
        "\"既知の攻撃サーバーへの通信です\",\"en\":\"Traffic to a known attack "
        "server\"},\"evidence\":{\"ip\":\"203.0.113.5\"}}}\n");
    json_t *back;
    char why[200];
    assert_int_equal(mm_eve_parse_line(b.data, b.len, &back, why, sizeof why), 0);
    assert_true(json_equal(back, ev));
    json_decref(back);
    json_decref(ev);
    mm_buf_free(&b);
}

static void expect_reject(const char *line, const char *reason_part)
{
    json_t *ev;
    char why[200] = "";
    assert_int_not_equal(mm_eve_parse_line(line, strlen(line), &ev, why, sizeof why), 0);
    assert_null(ev);
    if (!strstr(why, reason_part))
        fail_msg("reason \"%s\" lacks \"%s\"", why, reason_part);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    expect_reject("{", "invalid JSON");
    expect_reject("[1,2]", "JSON object");
    expect_reject("{\"event_type\":\"dns\"}", "timestamp");
    expect_reject("{\"timestamp\":\"yesterday\",\"event_type\":\"dns\"}", "timestamp");
    expect_reject("{\"timestamp\":\"2023-11-14T22:13:20Z\"}", "event_type");
    expect_reject("{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"dns\","
                  "\"src_port\":70000}",
                  "src_port");
    expect_reject("{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"dns\","
                  "\"dest_ip\":\"300.1.1.1\"}",
                  "dest_ip");
    expect_reject("{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"alert\"}", "alert");
    expect_reject("{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"alert\","
                  "\"alert\":{\"signature_id\":1,\"signature\":\"x\",\"severity\":9}}",
                  "severity");
    expect_reject("{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"\xff\"}", "UTF-8");
    expect_reject("{\"a\":1,\"a\":2}", "invalid JSON");
    char *big = malloc(MM_EVE_LINE_MAX + 10);
    memset(big, ' ', MM_EVE_LINE_MAX + 9);
    big[MM_EVE_LINE_MAX + 9] = '\0';
    expect_reject(big, "longer");
    free(big);
}

/* ---- mm_eve_set_alert against the json_pack construction it replaced ---- */

/* The construction mm_eve_set_alert used before round seven (json_pack,
 * every text checked), kept here as the reference. */
static int reference_set_alert(json_t *ev, const struct mm_eve_alert *a)
{
    json_t *alert = json_pack("{s:s, s:i, s:I, s:i, s:s, s:s, s:i}", "action", "allowed", "gid", 1,
                              "signature_id", (json_int_t)a->signature_id, "rev", 1, "signature",
                              a->signature ? a->signature : "", "category",
                              a->category ? a->category : "", "severity", (int)a->severity);
    json_t *mamori = json_pack("{s:s, s:{s:s, s:s}}", "detector", a->detector ? a->detector : "",
                               "message", "ja", a->message_ja ? a->message_ja : "", "en",
                               a->message_en ? a->message_en : "");
    int r = alert && mamori ? 0 : MM_ENOMEM;
    if (r == 0 && a->metadata)
        r = json_object_set(alert, "metadata", a->metadata) == 0 ? 0 : MM_ENOMEM;
    if (r == 0 && a->evidence)
        r = json_object_set(mamori, "evidence", a->evidence) == 0 ? 0 : MM_ENOMEM;
    if (r == 0)
        r = json_object_set(ev, "alert", alert) == 0 ? 0 : MM_ENOMEM;
    if (r == 0)
        r = json_object_set(ev, "mamori", mamori) == 0 ? 0 : MM_ENOMEM;
    json_decref(alert);
    json_decref(mamori);
    json_decref(a->metadata);
    json_decref(a->evidence);
    return r;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
    return (unsigned)(test_xorshift(&rng) % n);
}

/* A random text into buf (NULL sometimes): ASCII, Japanese, quotes and
 * control characters, and with invalid UTF-8 when bad (a lone byte 0x80-0xff
 * or a character cut short). */
static const char *random_text(char *buf, size_t size, bool bad)
{
    static const char *const parts[] = {"a",      "Z",       " ",    "\"",   "\\", "\n",
                                        "\t",     "\x01",    "端末", "です", "😀",  "é",
                                        "{name}", "9100201", "/",    "\x7f"};
    if (!bad && rnd(12) == 0)
        return NULL;
    size_t o = 0, n = rnd(40);
    for (size_t i = 0; i < n; i++) {
        const char *p = parts[rnd(sizeof parts / sizeof parts[0])];
        size_t k = strlen(p);
        if (o + k + 2 >= size)
            break;
        memcpy(buf + o, p, k);
        o += k;
    }
    if (bad) {
        static const char cut[] = "端"; /* three bytes: keep one or two */
        if (rnd(2))
            buf[o++] = (char)(0x80 + rnd(128));
        else {
            size_t k = 1 + rnd(2);
            memcpy(buf + o, cut, k);
            o += k;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* One random alert: texts (one invalid now and then), severity, optional
 * metadata and evidence; texts_valid set only when every text is valid. */
static struct mm_eve_alert random_alert(char texts[5][256], bool *any_bad)
{
    struct mm_eve_alert a = {0};
    bool bad[5] = {false};
    *any_bad = false;
    if (rnd(6) == 0) {
        bad[rnd(5)] = true;
        *any_bad = true;
    }
    a.signature_id = rnd(2) ? 9100000u + rnd(100000) : rnd(0xffffffffu);
    a.signature = random_text(texts[0], 256, bad[0]);
    a.category = random_text(texts[1], 256, bad[1]);
    a.detector = random_text(texts[2], 256, bad[2]);
    a.message_ja = random_text(texts[3], 256, bad[3]);
    a.message_en = random_text(texts[4], 256, bad[4]);
    a.severity = (enum mm_severity)(1 + rnd(4));
    a.texts_valid = !bad[0] && !bad[1] && !bad[3] && !bad[4] && rnd(4) != 0;
    return a;
}

/* The line ev holds after adding a (with set), or "" when set failed;
 * a's references are taken (a copy of them is given). */
static char *alert_line(int (*set)(json_t *, const struct mm_eve_alert *),
                        const struct mm_eve_alert *a, json_t *meta, json_t *evidence, int *r)
{
    struct mm_eve_header h = {.ts = {1775001600, 42}, .event_type = "alert"};
    json_t *ev = mm_eve_new(&h);
    assert_non_null(ev);
    struct mm_eve_alert copy = *a;
    copy.metadata = json_incref(meta);
    copy.evidence = json_incref(evidence);
    *r = set(ev, &copy);
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_eve_write_line(ev, &b), 0);
    char *line = strdup(mm_buf_str(&b));
    mm_buf_free(&b);
    json_decref(ev);
    return line;
}

/* 5000 random alerts: mm_eve_set_alert and the json_pack construction give
 * the same result and the same line, invalid texts failing both (unless the
 * caller vouched for them, where only the detector's name is checked). */
static void test_set_alert_matches_json_pack(void **state)
{
    (void)state;
    for (int i = 0; i < 5000; i++) {
        char texts[5][256];
        bool any_bad;
        struct mm_eve_alert a = random_alert(texts, &any_bad);
        json_t *meta = rnd(3) ? json_pack("{s:[s]}", "mamori_detector", "intel") : NULL;
        json_t *evidence = rnd(3) ? json_pack("{s:s, s:i}", "ip", "203.0.113.5", "n", i) : NULL;
        int r_new, r_ref;
        char *fast = alert_line(mm_eve_set_alert, &a, meta, evidence, &r_new);
        char *ref = alert_line(reference_set_alert, &a, meta, evidence, &r_ref);
        assert_int_equal(r_new, r_ref);
        assert_string_equal(fast, ref);
        if (any_bad)
            assert_int_not_equal(r_ref, 0);
        free(fast);
        free(ref);
        json_decref(meta);
        json_decref(evidence);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_order),
        cmocka_unit_test(test_set_alert_matches_json_pack),
        cmocka_unit_test(test_parse_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
