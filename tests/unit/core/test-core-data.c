/* SPDX-License-Identifier: Apache-2.0
 * Checks every embedded content file: JSON parses, every translated text has
 * both a non-empty "ja" and "en", and every NAME.ja.* has its NAME.en.* twin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/data.h"
#include "core/html.h"
#include "core/i18n.h"
#include "core/str.h"

static int failures;

/* A text object is one holding a "ja" or an "en" key. */
static void check_texts(const char *file, const char *where, json_t *j)
{
    if (json_is_object(j)) {
        json_t *ja = json_object_get(j, "ja"), *en = json_object_get(j, "en");
        if (ja || en) {
            int ok_ja = json_is_string(ja) ? json_string_length(ja) > 0
                                           : json_is_array(ja) || json_is_object(ja);
            int ok_en = json_is_string(en) ? json_string_length(en) > 0
                                           : json_is_array(en) || json_is_object(en);
            if (!ok_ja || !ok_en) {
                print_error("%s: %s: text lacks %s\n", file, where, ok_ja ? "en" : "ja");
                failures++;
            }
        }
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            char sub[512];
            snprintf(sub, sizeof sub, "%s.%s", where, k);
            check_texts(file, sub, v);
        }
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            char sub[512];
            snprintf(sub, sizeof sub, "%s[%zu]", where, i);
            check_texts(file, sub, v);
        }
    }
}

static int check_entry(const struct mm_data_entry *e, void *arg)
{
    (void)arg;
    /* Images (the web UI's favicon.ico) are the only content that is not text. */
    if (mm_str_suffix(e->path, ".ico") || mm_str_suffix(e->path, ".png"))
        return 0;
    if (!mm_utf8_valid((const char *)e->bytes, e->len, NULL)) {
        print_error("%s: not valid UTF-8\n", e->path);
        failures++;
    }
    if (mm_str_suffix(e->path, ".json")) {
        json_t *j;
        json_error_t err;
        j = json_loadb((const char *)e->bytes, e->len, 0, &err);
        if (!j) {
            print_error("%s:%d: %s\n", e->path, err.line, err.text);
            failures++;
            return 0;
        }
        check_texts(e->path, "$", j);
        json_decref(j);
    }
    const char *ja = strstr(e->path, ".ja."), *en = strstr(e->path, ".en.");
    if (ja || en) {
        char twin[512];
        const char *at = ja ? ja : en;
        snprintf(twin, sizeof twin, "%.*s%s%s", (int)(at - e->path), e->path, ja ? ".en." : ".ja.",
                 at + 4);
        const unsigned char *b;
        size_t n;
        if (mm_data_find(twin, &b, &n) != 0) {
            print_error("%s: missing its twin %s\n", e->path, twin);
            failures++;
        }
    }
    return 0;
}

static void test_all_content_bilingual(void **state)
{
    (void)state;
    failures = 0;
    mm_data_foreach("", check_entry, NULL);
    assert_int_equal(failures, 0);
}

static void test_lookup_and_i18n(void **state)
{
    (void)state;
    const unsigned char *b;
    size_t n;
    assert_int_equal(mm_data_find("css/print.css", &b, &n), 0);
    assert_true(n > 100);
    assert_int_not_equal(mm_data_find("nope", &b, &n), 0);
    assert_string_equal(mm_tr("cli", "error.unknown_command", MM_LANG_EN), "no such command");
}

static void test_markdown(void **state)
{
    (void)state;
    char *html;
    const char *md = "# 見出し\n\n<script>alert(1)</script>\n\n- a\n";
    assert_int_equal(mm_markdown_to_html(md, strlen(md), &html), 0);
    assert_non_null(strstr(html, "<h1>見出し</h1>"));
    assert_null(strstr(html, "<script>"));
    struct mm_buf doc = MM_BUF_INIT;
    assert_int_equal(mm_html_document(&doc, MM_LANG_JA, "題 <x>", html, NULL), 0);
    assert_non_null(strstr(doc.data, "<html lang=\"ja\">"));
    assert_non_null(strstr(doc.data, "<title>題 &lt;x&gt;</title>"));
    assert_non_null(strstr(doc.data, "@page"));
    mm_buf_free(&doc);
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_content_bilingual),
        cmocka_unit_test(test_lookup_and_i18n),
        cmocka_unit_test(test_markdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
