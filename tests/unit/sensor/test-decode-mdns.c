/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the mDNS decoder (decode-mdns.c): the host name an
 * announcement carries (A record owner and reverse PTR target, ".local"
 * removed, each name once), queries without host names, truncation at every
 * offset. Messages come from tests/fuzz/corpus/mdns (appgen.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "app-test.h"

static void test_announce(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("mdns", "announce", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_mdns, 5353, 5353);
    assert_true(mm_app_mdns.probe(&r.pkt, m, len));
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "event_type"), "mdns");
    assert_string_equal(app_str(&r, 0, "mdns.type"), "response");
    assert_int_equal(json_array_size(app_get(&r, 0, "mdns.hostnames")), 1);
    assert_string_equal(app_str(&r, 0, "mdns.hostnames.0"), "Office-iPhone");
    assert_string_equal(app_str(&r, 0, "mdns.answers.0.rrname"), "Office-iPhone.local");
    assert_string_equal(app_str(&r, 0, "mdns.answers.0.rdata"), "192.168.1.40");
    assert_string_equal(app_str(&r, 0, "mdns.answers.1.rdata"), "Office-iPhone.local");
    app_run_free(&r);
    app_sweep_truncations(&mm_app_mdns, m, len, 5353, 5353, 0);
    free(m);
}

static void test_query(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("mdns", "query", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_mdns, 5353, 5353);
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_string_equal(app_str(&r, 0, "mdns.type"), "request");
    assert_string_equal(app_str(&r, 0, "mdns.queries.0.rrname"), "_airplay._tcp.local");
    assert_string_equal(app_str(&r, 0, "mdns.queries.0.rrtype"), "PTR");
    assert_null(app_get(&r, 0, "mdns.hostnames"));
    app_run_free(&r);
    app_sweep_truncations(&mm_app_mdns, m, len, 5353, 5353, 0);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_announce),
        cmocka_unit_test(test_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
