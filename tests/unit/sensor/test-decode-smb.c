/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the SMB decoder (decode-smb.c): SMBv1 negotiate (client
 * dialects, chosen dialect, smb1 and smb1_only), SMBv1 session setup native
 * OS and LAN manager strings (Unicode, both directions), SMB2 negotiate
 * dialects, messages split at every offset, several in one segment,
 * oversized messages skipped, truncation. Messages come from
 * tests/fuzz/corpus/smb (appgen.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "app-test.h"

static void test_smb1(void **state)
{
    (void)state;
    size_t nl, rl, sl, tl;
    uint8_t *neg = app_seed("smb", "smb1-negotiate", &nl);
    uint8_t *negr = app_seed("smb", "smb1-negotiate-response", &rl);
    uint8_t *ss = app_seed("smb", "smb1-session-setup", &sl);
    uint8_t *ssr = app_seed("smb", "smb1-session-setup-response", &tl);
    struct app_run r;
    app_run_init(&r, &mm_app_smb, 1040, 445);
    assert_true(mm_app_smb.probe(&r.pkt, neg, nl));
    assert_int_equal(app_run_stream(&r, 0, neg, nl), 0);
    assert_int_equal(app_run_stream(&r, 1, negr, rl), 0);
    assert_int_equal(app_run_stream(&r, 0, ss, sl), 0);
    assert_int_equal(app_run_stream(&r, 1, ssr, tl), 0);
    assert_int_equal(app_count(&r), 4);
    assert_string_equal(app_str(&r, 0, "smb.command"), "SMB1_COMMAND_NEGOTIATE_PROTOCOL");
    assert_true(json_is_true(app_get(&r, 0, "smb.smb1")));
    assert_true(json_is_true(app_get(&r, 0, "smb.smb1_only")));
    assert_string_equal(app_str(&r, 0, "smb.client_dialects.2"), "NT LM 0.12");
    assert_string_equal(app_str(&r, 1, "smb.dialect"), "NT LM 0.12");
    assert_string_equal(app_str(&r, 2, "smb.command"), "SMB1_COMMAND_SESSION_SETUP_ANDX");
    assert_string_equal(app_str(&r, 2, "smb.native_os"), "Windows 5.1");
    assert_string_equal(app_str(&r, 2, "smb.native_lm"), "Windows 2000 LAN Manager");
    assert_string_equal(app_str(&r, 3, "smb.native_os"), "Windows 7 Ultimate 7601 Service Pack 1");
    assert_string_equal(app_str(&r, 3, "smb.native_lm"), "Windows 7 Ultimate 6.1");
    app_run_free(&r);
    /* all four client/server messages in one segment each way, split anywhere */
    uint8_t *both = malloc(nl + sl);
    memcpy(both, neg, nl);
    memcpy(both + nl, ss, sl);
    app_check_splits(&mm_app_smb, both, nl + sl, 1040, 445, 0);
    app_sweep_truncations(&mm_app_smb, both, nl + sl, 1040, 445, 0);
    app_sweep_truncations(&mm_app_smb, ssr, tl, 445, 1040, 1);
    free(both);
    free(neg);
    free(negr);
    free(ss);
    free(ssr);
}

static void test_smb2(void **state)
{
    (void)state;
    size_t nl, rl;
    uint8_t *neg = app_seed("smb", "smb2-negotiate", &nl);
    uint8_t *negr = app_seed("smb", "smb2-negotiate-response", &rl);
    struct app_run r;
    app_run_init(&r, &mm_app_smb, 50000, 445);
    assert_int_equal(app_run_stream(&r, 0, neg, nl), 0);
    assert_int_equal(app_run_stream(&r, 1, negr, rl), 0);
    assert_int_equal(app_count(&r), 2);
    assert_string_equal(app_str(&r, 0, "smb.command"), "SMB2_COMMAND_NEGOTIATE_PROTOCOL");
    assert_false(json_is_true(app_get(&r, 0, "smb.smb1")));
    assert_string_equal(app_str(&r, 0, "smb.client_dialects.0"), "2.02");
    assert_string_equal(app_str(&r, 0, "smb.client_dialects.4"), "3.11");
    assert_string_equal(app_str(&r, 1, "smb.dialect"), "3.11");
    app_run_free(&r);
    app_check_splits(&mm_app_smb, negr, rl, 445, 50000, 1);
    app_sweep_truncations(&mm_app_smb, neg, nl, 50000, 445, 0);
    free(neg);
    free(negr);
}

/* A 1 MiB message (file data) is skipped without buffering; the next
 * message is still read. */
static void test_large_message_skipped(void **state)
{
    (void)state;
    size_t nl;
    uint8_t *neg = app_seed("smb", "smb2-negotiate", &nl);
    size_t big = 1 << 20;
    uint8_t *m = calloc(1, 4 + big + nl);
    m[1] = (uint8_t)(big >> 16);
    m[2] = (uint8_t)(big >> 8);
    m[3] = (uint8_t)big;
    memcpy(m + 4, "\xfeSMB", 4);
    memcpy(m + 4 + big, neg, nl);
    struct app_run r;
    app_run_init(&r, &mm_app_smb, 50000, 445);
    for (size_t off = 0; off < 4 + big + nl; off += 65536) {
        size_t n = 4 + big + nl - off < 65536 ? 4 + big + nl - off : 65536;
        assert_int_equal(app_run_stream(&r, 0, m + off, n), 0);
        assert_true(r.len[0] < 65536 + 4);
    }
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "smb.client_dialects.1"), "2.10");
    app_run_free(&r);
    free(m);
    free(neg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smb1),
        cmocka_unit_test(test_smb2),
        cmocka_unit_test(test_large_message_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
