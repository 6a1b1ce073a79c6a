/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the RDP decoder (decode-rdp.c): the connection request
 * cookie (user name), the confirm's selected protocol, the TLS that
 * follows being ignored, splits at every offset and truncation. Messages
 * come from tests/fuzz/corpus/rdp (appgen.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "app-test.h"
#include "core/error.h"

static void test_request_and_confirm(void **state)
{
    (void)state;
    size_t ql, cl;
    uint8_t *q = app_seed("rdp", "connection-request", &ql);
    uint8_t *c = app_seed("rdp", "connection-confirm", &cl);
    static const uint8_t tls[] = {22, 3, 1, 0, 2, 1, 0};
    struct app_run r;
    app_run_init(&r, &mm_app_rdp, 50000, 3389);
    assert_true(mm_app_rdp.probe(&r.pkt, q, ql));
    assert_int_equal(app_run_stream(&r, 0, q, ql), 0);
    assert_int_equal(app_run_stream(&r, 1, c, cl), 0);
    assert_int_equal(app_run_stream(&r, 0, tls, sizeof tls), 0);
    assert_int_equal(app_count(&r), 2);
    assert_string_equal(app_str(&r, 0, "event_type"), "rdp");
    assert_string_equal(app_str(&r, 0, "rdp.event_type"), "initial_request");
    assert_string_equal(app_str(&r, 0, "rdp.cookie"), "yamada");
    assert_string_equal(app_str(&r, 1, "rdp.event_type"), "initial_response");
    assert_string_equal(app_str(&r, 1, "rdp.protocol"), "ssl");
    app_run_free(&r);
    app_check_splits(&mm_app_rdp, q, ql, 50000, 3389, 0);
    app_sweep_truncations(&mm_app_rdp, q, ql, 50000, 3389, 0);
    app_sweep_truncations(&mm_app_rdp, c, cl, 3389, 50000, 1);
    free(q);
    free(c);
}

static void test_malformed(void **state)
{
    (void)state;
    static const uint8_t bad_len[] = {3, 0, 0xff, 0xff, 6, 0xe0};
    static const uint8_t bad_li[] = {3, 0, 0, 11, 200, 0xe0, 0, 0, 0, 0, 0};
    struct app_run r;
    app_run_init(&r, &mm_app_rdp, 50000, 3389);
    assert_int_equal(app_run_stream(&r, 0, bad_len, sizeof bad_len), MM_EPARSE);
    app_run_free(&r);
    app_run_init(&r, &mm_app_rdp, 50000, 3389);
    assert_int_equal(app_run_stream(&r, 0, bad_li, sizeof bad_li), MM_EPARSE);
    assert_int_equal(app_count(&r), 0);
    app_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_and_confirm),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
