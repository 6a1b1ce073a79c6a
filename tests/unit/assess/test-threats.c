/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the threat catalogue: exactly the twelve ids the diagnosis
 * advice links to, complete entries, two-way consistency with the diagnosis
 * items (data/diagnose/items.json, when embedded), and the renderings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "assess/policy-items.h"
#include "assess/threats.h"
#include "core/error.h"

static const char *const expected_ids[] = {
    "ransomware",   "targeted-attack", "telework",         "supply-chain",
    "bec",          "insider",         "it-outage",        "careless-leak",
    "vuln-exploit", "fake-warning",    "account-takeover", "phishing",
};
#define NIDS (sizeof expected_ids / sizeof expected_ids[0])

static void test_catalogue_ids_and_content(void **state)
{
    (void)state;
    json_t *threats = NULL;
    assert_int_equal(mm_threats_load(&threats), 0);
    assert_int_equal(json_array_size(threats), NIDS);
    for (size_t i = 0; i < NIDS; i++) {
        const json_t *t = json_array_get(threats, i);
        assert_string_equal(json_string_value(json_object_get(t, "id")), expected_ids[i]);
        for (int lang = 0; lang < 2; lang++) {
            assert_true(strlen(mm_text(json_object_get(t, "title"), (enum mm_lang)lang)) > 3);
            assert_true(strlen(mm_text(json_object_get(t, "summary"), (enum mm_lang)lang)) > 40);
        }
        assert_true(json_array_size(json_object_get(t, "methods")) >= 3);
        assert_true(json_array_size(json_object_get(t, "countermeasures")) >= 3);
        assert_true(json_array_size(json_object_get(t, "diagnosis_items")) >= 1);
    }
    json_decref(threats);
}

static void test_links_with_diagnosis_items(void **state)
{
    (void)state;
    json_t *threats = NULL, *items = NULL;
    assert_int_equal(mm_threats_load(&threats), 0);
    if (mm__assess_items_load(&items) != 0) {
        print_message("data/diagnose/items.json is not embedded: link check skipped\n");
        json_decref(threats);
        skip();
    }
    struct mm_buf problems = MM_BUF_INIT;
    size_t n = mm_threats_check_links(threats, items, &problems);
    if (n)
        print_error("%s", mm_buf_str(&problems));
    assert_int_equal(n, 0);
    mm_buf_free(&problems);
    json_decref(items);
    json_decref(threats);
}

static void test_link_check_finds_problems(void **state)
{
    (void)state;
    json_t *threats = json_pack("[{s:s, s:s, s:[i, i]}]", "id", "phishing", "title", "x",
                                "diagnosis_items", 1, 9);
    json_t *items = json_pack("[{s:i, s:[s, s]}, {s:i, s:[]}]", "id", 1, "threats", "phishing",
                              "nonsense", "id", 2, "threats");
    struct mm_buf problems = MM_BUF_INIT;
    /* unknown threat "nonsense"; item 9 does not exist. */
    assert_int_equal(mm_threats_check_links(threats, items, &problems), 2);
    assert_non_null(strstr(mm_buf_str(&problems), "nonsense"));
    assert_non_null(strstr(mm_buf_str(&problems), "unknown item 9"));
    json_array_append_new(json_object_get(json_array_get(items, 1), "threats"),
                          json_string("phishing"));
    mm_buf_reset(&problems);
    /* item 2 names phishing but phishing does not list it. */
    assert_int_equal(mm_threats_check_links(threats, items, &problems), 3);
    assert_non_null(strstr(mm_buf_str(&problems), "does not list item 2"));
    mm_buf_free(&problems);
    json_decref(threats);
    json_decref(items);
}

static void test_render(void **state)
{
    (void)state;
    json_t *threats = NULL;
    struct mm_buf out = MM_BUF_INIT;
    assert_int_equal(mm_threats_load(&threats), 0);
    assert_int_equal(mm_threats_render(threats, NULL, MM_THREATS_TEXT, MM_LANG_JA, NULL, &out), 0);
    assert_non_null(strstr(mm_buf_str(&out), "account-takeover"));
    mm_buf_reset(&out);
    assert_int_equal(mm_threats_render(threats, "bec", MM_THREATS_MD, MM_LANG_EN, NULL, &out), 0);
    assert_true(strncmp(mm_buf_str(&out), "# Business e-mail compromise", 28) == 0);
    mm_buf_reset(&out);
    assert_int_equal(mm_threats_render(threats, "bec", MM_THREATS_JSON, MM_LANG_EN, NULL, &out), 0);
    json_t *j = json_loads(mm_buf_str(&out), 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "bec");
    json_decref(j);
    assert_int_equal(mm_threats_render(threats, "nope", MM_THREATS_TEXT, MM_LANG_EN, NULL, &out),
                     MM_ENOENT);
    mm_buf_free(&out);
    json_decref(threats);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_ids_and_content),
        cmocka_unit_test(test_links_with_diagnosis_items),
        cmocka_unit_test(test_link_check_finds_problems),
        cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
