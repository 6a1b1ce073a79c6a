/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the DHCP decoder (decode-dhcp.c): every logged field of a
 * Windows-style DHCPREQUEST (hostname, requested IP, option 55 as Suricata's
 * named params and as mamori's ordered params_raw, vendor class, client id,
 * FQDN) and of a DHCPACK, bad option lengths and truncation at every
 * offset. Messages come from tests/fuzz/corpus/dhcp (appgen.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "app-test.h"
#include "core/error.h"

static void test_request(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("dhcp", "request-windows", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_dhcp, 68, 67);
    assert_true(mm_app_dhcp.probe(&r.pkt, m, len));
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "event_type"), "dhcp");
    assert_string_equal(app_str(&r, 0, "dhcp.type"), "request");
    assert_int_equal(app_int(&r, 0, "dhcp.id"), 0x3903F326);
    assert_string_equal(app_str(&r, 0, "dhcp.client_mac"), "02:00:00:00:00:01");
    assert_string_equal(app_str(&r, 0, "dhcp.assigned_ip"), "0.0.0.0");
    assert_string_equal(app_str(&r, 0, "dhcp.client_ip"), "0.0.0.0");
    assert_string_equal(app_str(&r, 0, "dhcp.dhcp_type"), "request");
    assert_string_equal(app_str(&r, 0, "dhcp.hostname"), "DESKTOP-MAMORI");
    assert_string_equal(app_str(&r, 0, "dhcp.fqdn"), "DESKTOP-MAMORI");
    assert_string_equal(app_str(&r, 0, "dhcp.requested_ip"), "192.168.1.23");
    assert_string_equal(app_str(&r, 0, "dhcp.vendor_class_identifier"), "MSFT 5.0");
    assert_string_equal(app_str(&r, 0, "dhcp.client_id"), "02:00:00:00:00:01");
    json_t *params = app_get(&r, 0, "dhcp.params");
    assert_int_equal(json_array_size(params), 4);
    assert_string_equal(app_str(&r, 0, "dhcp.params.0"), "subnet_mask");
    assert_string_equal(app_str(&r, 0, "dhcp.params.1"), "router");
    assert_string_equal(app_str(&r, 0, "dhcp.params.2"), "dns_server");
    assert_string_equal(app_str(&r, 0, "dhcp.params.3"), "domain");
    static const int raw[] = {1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252};
    json_t *pr = app_get(&r, 0, "dhcp.params_raw");
    assert_int_equal(json_array_size(pr), 14);
    for (size_t i = 0; i < 14; i++)
        assert_int_equal(json_integer_value(json_array_get(pr, i)), raw[i]);
    app_run_free(&r);
    free(m);
}

static void test_ack(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("dhcp", "ack", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_dhcp, 67, 68);
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_string_equal(app_str(&r, 0, "dhcp.type"), "reply");
    assert_string_equal(app_str(&r, 0, "dhcp.dhcp_type"), "ack");
    assert_string_equal(app_str(&r, 0, "dhcp.assigned_ip"), "192.168.1.23");
    assert_string_equal(app_str(&r, 0, "dhcp.relay_ip"), "0.0.0.0");
    assert_string_equal(app_str(&r, 0, "dhcp.next_server_ip"), "0.0.0.0");
    assert_string_equal(app_str(&r, 0, "dhcp.subnet_mask"), "255.255.255.0");
    assert_string_equal(app_str(&r, 0, "dhcp.routers.0"), "192.168.1.1");
    assert_string_equal(app_str(&r, 0, "dhcp.dns_servers.1"), "192.0.2.53");
    assert_int_equal(app_int(&r, 0, "dhcp.lease_time"), 86400);
    app_run_free(&r);
    free(m);
}

static void test_malformed(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("dhcp", "request-windows", &len);
    struct app_run r;
    app_sweep_truncations(&mm_app_dhcp, m, len, 68, 67, 0);
    /* an option running past the end: fields before it are kept */
    uint8_t *bad = malloc(len);
    memcpy(bad, m, len);
    bad[240 + 3 + 1] = 0xff; /* length of the option after type 53 */
    app_run_init(&r, &mm_app_dhcp, 68, 67);
    assert_int_equal(app_run_udp(&r, bad, len), MM_ETRUNC);
    assert_string_equal(app_str(&r, 0, "dhcp.dhcp_type"), "request");
    app_run_free(&r);
    /* no magic cookie */
    memcpy(bad, m, len);
    bad[236] = 0;
    app_run_init(&r, &mm_app_dhcp, 68, 67);
    assert_false(mm_app_dhcp.probe(&r.pkt, bad, len));
    assert_int_equal(app_run_udp(&r, bad, len), MM_EPARSE);
    assert_int_equal(app_count(&r), 0);
    app_run_free(&r);
    free(bad);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_ack),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
