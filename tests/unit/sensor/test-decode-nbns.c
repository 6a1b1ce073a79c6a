/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the NetBIOS name service decoder (decode-nbns.c): a name
 * registration announcing the sender's computer name, a query for another
 * name (no hostname), a bad first-level encoding, truncation at every
 * offset. Messages come from tests/fuzz/corpus/nbns (appgen.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "app-test.h"
#include "core/error.h"

static void test_registration(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("nbns", "registration", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_nbns, 137, 137);
    assert_true(mm_app_nbns.probe(&r.pkt, m, len));
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "event_type"), "netbios");
    assert_string_equal(app_str(&r, 0, "netbios.type"), "request");
    assert_string_equal(app_str(&r, 0, "netbios.opcode"), "registration");
    assert_string_equal(app_str(&r, 0, "netbios.name"), "OFFICE-PC");
    assert_int_equal(app_int(&r, 0, "netbios.suffix"), 0);
    assert_false(json_is_true(app_get(&r, 0, "netbios.group")));
    assert_string_equal(app_str(&r, 0, "netbios.addresses.0"), "192.168.1.50");
    assert_string_equal(app_str(&r, 0, "netbios.hostname"), "OFFICE-PC");
    app_run_free(&r);
    app_sweep_truncations(&mm_app_nbns, m, len, 137, 137, 0);
    free(m);
}

static void test_query(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("nbns", "query", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_nbns, 137, 137);
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_string_equal(app_str(&r, 0, "netbios.opcode"), "query");
    assert_string_equal(app_str(&r, 0, "netbios.name"), "FILESERVER");
    assert_int_equal(app_int(&r, 0, "netbios.suffix"), 0x20);
    assert_null(app_get(&r, 0, "netbios.hostname"));
    app_run_free(&r);
    /* a letter outside A-P in the encoded name */
    m[13 + 4] = 'Z';
    app_run_init(&r, &mm_app_nbns, 137, 137);
    assert_int_equal(app_run_udp(&r, m, len), MM_EPARSE);
    assert_int_equal(app_count(&r), 0);
    app_run_free(&r);
    app_sweep_truncations(&mm_app_nbns, m, len, 137, 137, 0);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registration),
        cmocka_unit_test(test_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
