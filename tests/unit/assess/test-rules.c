/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the five rules: their content, parsing commitment answers
 * (good, missing, invalid and unknown entries, all reported together) and the
 * commitment record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "assess/rules.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/i18n.h"
#include "core/str.h"

static void test_content(void **state)
{
    (void)state;
    json_t *rules = NULL;
    assert_int_equal(mm_rules_load(&rules), 0);
    assert_int_equal(json_array_size(rules), MM_RULES_COUNT);
    for (size_t i = 0; i < MM_RULES_COUNT; i++) {
        json_t *r = json_array_get(rules, i);
        assert_int_equal(json_integer_value(json_object_get(r, "id")), (json_int_t)i + 1);
        assert_true(strlen(mm_text(json_object_get(r, "title"), MM_LANG_JA)) > 0);
        assert_true(strlen(mm_text(json_object_get(r, "explanation"), MM_LANG_EN)) > 40);
        assert_true(json_array_size(json_object_get(r, "howto")) >= 3);
    }
    json_decref(rules);
}

static int parse(const char *text, struct mm_rules_answers *a, struct mm_rules_error *e)
{
    json_t *root = json_loads(text, 0, NULL);
    assert_non_null(root);
    int r = mm_rules_parse_answers(root, a, e);
    json_decref(root);
    return r;
}

static void test_good_answers(void **state)
{
    (void)state;
    struct mm_rules_answers a;
    struct mm_rules_error e;
    unsigned missing;
    assert_int_equal(parse("{\"rules\": {\"1\": true, \"2\": true, \"3\": false, \"4\": true, "
                           "\"5\": true}}",
                           &a, &e),
                     0);
    assert_false(mm_rules_all_committed(&a, &missing));
    assert_int_equal(missing, 1u << 2);
    assert_int_equal(parse("{\"rules\": {\"5\": true, \"4\": true, \"3\": true, \"2\": true, "
                           "\"1\": true}, \"format\": \"mamori-rules/1\"}",
                           &a, &e),
                     0);
    assert_true(mm_rules_all_committed(&a, NULL));
}

/* Unknown keys in Japanese are quoted cut between characters: each key at
 * 40 bytes, and the list where it fills e.unknown. */
static void test_unknown_keys_cut_between_characters(void **state)
{
    (void)state;
    struct mm_rules_answers a;
    struct mm_rules_error e;
    char text[1024] = "{\"rules\": {";
    for (int i = 0; i < 6; i++) {
        char key[80];
        snprintf(key, sizeof key, "%s\"%dx第一条第一条第一条第一条第一条\": true", i ? ", " : "",
                 i);
        strcat(text, key); /* 2 + 45 bytes: 40 falls inside a character */
    }
    strcat(text, "}}");
    assert_int_equal(parse(text, &a, &e), MM_EPARSE);
    assert_true(mm_utf8_valid(e.unknown, strlen(e.unknown), NULL));
    assert_non_null(strstr(e.unknown, "\"0x第一条第一条第一条第一条\", \"1x第一条"));
}

static void test_bad_answers(void **state)
{
    (void)state;
    struct mm_rules_answers a;
    struct mm_rules_error e;
    assert_int_equal(parse("{\"rules\": {\"1\": true, \"2\": \"yes\", \"4\": 1, \"6\": true, "
                           "\"x\": false}}",
                           &a, &e),
                     MM_EPARSE);
    assert_int_equal(e.missing_mask, (1u << 2) | (1u << 4)); /* rules 3 and 5 */
    assert_int_equal(e.invalid_mask, (1u << 1) | (1u << 3)); /* rules 2 and 4 */
    assert_non_null(strstr(e.unknown, "\"6\""));
    assert_non_null(strstr(e.unknown, "\"x\""));
    struct mm_buf msg = MM_BUF_INIT;
    assert_int_equal(mm_rules_error_describe(&e, MM_LANG_JA, &msg), 0);
    assert_non_null(strstr(mm_buf_str(&msg), "第3条の回答がありません\n"));
    assert_non_null(strstr(mm_buf_str(&msg), "第2条の回答が true でも false でもありません\n"));
    mm_buf_reset(&msg);
    assert_int_equal(mm_rules_error_describe(&e, MM_LANG_EN, &msg), 0);
    assert_non_null(strstr(mm_buf_str(&msg), "no answer for rule 5\n"));
    assert_non_null(strstr(mm_buf_str(&msg), "no such rule: \"6\", \"x\"\n"));
    mm_buf_free(&msg);
    assert_int_equal(parse("{\"answers\": {}}", &a, &e), MM_EPARSE);
    assert_true(e.no_rules_object);
    assert_int_equal(parse("[1, 2]", &a, &e), MM_EPARSE);
    assert_true(e.no_rules_object);
}

static void test_file_and_record(void **state)
{
    (void)state;
    char path[] = "/tmp/mm-rules-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct mm_rules_answers a = {{true, false, true, true, true}}, back;
    struct mm_rules_error e;
    json_t *rec = mm_rules_record(&a, "2026-04-01");
    assert_false(json_is_true(json_object_get(rec, "one_star_possible")));
    assert_int_equal(json_integer_value(json_array_get(json_object_get(rec, "missing"), 0)), 2);
    assert_int_equal(json_dump_file(rec, path, 0), 0);
    json_decref(rec);
    assert_int_equal(mm_rules_read_file(path, &back, &e), 0);
    assert_memory_equal(&a, &back, sizeof a);
    /* Saved again by Windows Notepad: a UTF-8 byte-order mark in front. */
    static const char bom[] = "\xef\xbb\xbf{\"rules\": {\"1\": true, \"2\": false, \"3\": true, "
                              "\"4\": true, \"5\": true}}";
    assert_int_equal(mm_file_write_atomic(path, bom, sizeof bom - 1), 0);
    memset(&back, 0, sizeof back);
    assert_int_equal(mm_rules_read_file(path, &back, &e), 0);
    assert_memory_equal(&a, &back, sizeof a);
    assert_int_equal(mm_file_write_atomic(path, "{not json", 9), 0);
    assert_int_equal(mm_rules_read_file(path, &back, &e), MM_EPARSE);
    assert_true(e.not_json);
    assert_false(e.empty);
    assert_int_equal(e.line, 1);
    /* A file saved with nothing in it (a byte-order mark, a line end) is
     * empty, not "not JSON": the message says what to write instead. */
    assert_int_equal(mm_file_write_atomic(path, "\xef\xbb\xbf \r\n", 6), 0);
    assert_int_equal(mm_rules_read_file(path, &back, &e), MM_EPARSE);
    assert_true(e.empty);
    assert_false(e.not_json);
    /* Keys in full-width digits (a Japanese input method left on) are the
     * rules' numbers; the same rule both ways is refused. */
    static const char wide[] = "{\"rules\": {\"\xef\xbc\x91\": true, \"2\": false, "
                               "\"\xef\xbc\x93\": true, \"4\": true, \"5\": true}}";
    assert_int_equal(mm_file_write_atomic(path, wide, sizeof wide - 1), 0);
    memset(&back, 0, sizeof back);
    assert_int_equal(mm_rules_read_file(path, &back, &e), 0);
    assert_memory_equal(&a, &back, sizeof a);
    static const char both[] = "{\"rules\": {\"1\": true, \"2\": false, \"3\": true, "
                               "\"\xef\xbc\x93\": false, \"4\": true, \"5\": true}}";
    assert_int_equal(mm_file_write_atomic(path, both, sizeof both - 1), 0);
    assert_int_equal(mm_rules_read_file(path, &back, &e), MM_EPARSE);
    assert_int_equal(e.twice_mask, 1u << 2);
    assert_string_equal(e.unknown, "");
    /* Not UTF-8 (Shift_JIS): said so, with its line and column. */
    static const char sjis[] = "{\"rules\": {\n\"1\": \"\x82\xcd\x82\xa2\"}}";
    assert_int_equal(mm_file_write_atomic(path, sjis, sizeof sjis - 1), 0);
    assert_int_equal(mm_rules_read_file(path, &back, &e), MM_EPARSE);
    assert_true(e.not_json && e.why.not_utf8);
    assert_int_equal(e.why.line, 2);
    assert_int_equal(e.why.column, 7);
    unlink(path);
    assert_int_equal(mm_rules_read_file(path, &back, &e), MM_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content),
        cmocka_unit_test(test_good_answers),
        cmocka_unit_test(test_bad_answers),
        cmocka_unit_test(test_unknown_keys_cut_between_characters),
        cmocka_unit_test(test_file_and_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
