/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the EVE event model: building in Suricata's key order,
 * alerts with ja/en messages, and the checks applied to incoming lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/eve.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_order),
        cmocka_unit_test(test_parse_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
