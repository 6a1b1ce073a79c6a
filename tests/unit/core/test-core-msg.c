/* SPDX-License-Identifier: Apache-2.0
 * Checks the translated program messages (core/msg.h): the message
 * catalogues' "ja" and "en" texts take the same printf conversions in the
 * same order (a message text is a format), the language comes from --lang or
 * the environment, and the helpers print in the chosen language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/data.h"
#include "core/error.h"
#include "core/msg.h"

/* The catalogues whose texts are printf formats. */
static const char *const format_catalogues[] = {"i18n/sensor-log.json", "i18n/center-log.json",
                                                "i18n/core-log.json", "i18n/audit.json", NULL};

/* Writes the conversions of fmt ("%s", "%.*s", "%llu" ...) into out, one per
 * line; returns -1 for a conversion the messages must not use. */
static int conversions(const char *fmt, char *out, size_t len)
{
    static const char *const allowed[] = {"%s",  "%d",   "%ld",     "%lld",   "%llu",
                                          "%zu", "%.*s", "%020llu", "%.200s", "%.120s",
                                          "%lu", "%u",   NULL};
    out[0] = '\0';
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p, '%')) {
        if (p[1] == '%') {
            p += 2;
            continue;
        }
        size_t n = strspn(p + 1, "0123456789.*lhz") + 2;
        char conv[16];
        snprintf(conv, sizeof conv, "%.*s", (int)n, p);
        bool ok = false;
        for (int i = 0; allowed[i]; i++)
            ok = ok || strcmp(conv, allowed[i]) == 0;
        if (!ok)
            return -1;
        snprintf(out + strlen(out), len - strlen(out), "%s\n", conv);
        p += n;
    }
    return 0;
}

static void test_formats_match(void **state)
{
    (void)state;
    int failures = 0, checked = 0;
    for (int c = 0; format_catalogues[c]; c++) {
        json_t *cat = NULL;
        assert_int_equal(mm_data_json(format_catalogues[c], &cat), 0);
        const char *key;
        json_t *v;
        json_object_foreach(cat, key, v)
        {
            const char *ja = json_string_value(json_object_get(v, "ja"));
            const char *en = json_string_value(json_object_get(v, "en"));
            char cja[256], cen[256];
            if (!ja || !en || conversions(ja, cja, sizeof cja) != 0 ||
                conversions(en, cen, sizeof cen) != 0 || strcmp(cja, cen) != 0) {
                print_error("%s: %s: ja and en take different or unknown conversions\n",
                            format_catalogues[c], key);
                failures++;
            }
            checked++;
        }
        json_decref(cat);
    }
    assert_true(checked > 50);
    assert_int_equal(failures, 0);
}

static void test_every_error_translated(void **state)
{
    (void)state;
    mm_msg_set_lang(MM_LANG_JA);
    for (int code = -1; strcmp(mm_errname(code), "EUNKNOWN") != 0 && code > -100; code--) {
        if (strcmp(mm_msg_strerror(code), mm_strerror(code)) == 0)
            print_error("%s has no Japanese text\n", mm_errname(code));
        assert_string_not_equal(mm_msg_strerror(code), mm_strerror(code));
    }
    mm_msg_set_lang(MM_LANG_EN);
    assert_string_equal(mm_msg_strerror(MM_ENOENT), mm_strerror(MM_ENOENT));
}

static void test_lang_from_args(void **state)
{
    (void)state;
    char *ja[] = {"prog", "-r", "x", "--lang", "ja", NULL};
    char *eq[] = {"prog", "--lang=en", NULL};
    char *bad[] = {"prog", "--lang", "fr", NULL};
    char *after[] = {"prog", "--", "--lang", "ja", NULL};
    char *none[] = {"prog", NULL};
    setenv("LANG", "ja_JP.UTF-8", 1);
    assert_int_equal(mm_msg_lang_from_args(5, ja), 0);
    assert_int_equal(mm_msg_lang(), MM_LANG_JA);
    assert_int_equal(mm_msg_lang_from_args(2, eq), 0);
    assert_int_equal(mm_msg_lang(), MM_LANG_EN);
    assert_int_equal(mm_msg_lang_from_args(3, bad), MM_EINVAL);
    assert_int_equal(mm_msg_lang(), MM_LANG_JA); /* the environment's */
    setenv("LANG", "C.UTF-8", 1);
    assert_int_equal(mm_msg_lang_from_args(4, after), 0);
    assert_int_equal(mm_msg_lang(), MM_LANG_EN);
    assert_int_equal(mm_msg_lang_from_args(1, none), 0);
    assert_int_equal(mm_msg_lang(), MM_LANG_EN);
}

static void test_print_in_language(void **state)
{
    (void)state;
    char buf[512];
    mm_msg_set_lang(MM_LANG_EN);
    mm_msg_format(buf, sizeof buf, "sensor-log", "capture.cannot_read", "a.pcap", "gone");
    assert_string_equal(buf, "cannot read capture a.pcap: gone");
    mm_msg_set_lang(MM_LANG_JA);
    mm_msg_format(buf, sizeof buf, "sensor-log", "capture.cannot_read", "a.pcap", "gone");
    assert_non_null(strstr(buf, "a.pcap を読めません: gone"));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    mm_msg_print(f, "prog", "sensor-log", "intel.reloaded", (size_t)42);
    fclose(f);
    assert_string_equal(text, "prog: 脅威情報を読み込み直しました: 42 件\n");
    free(text);
    /* a missing key shows the key, never crashes */
    mm_msg_format(buf, sizeof buf, "sensor-log", "no.such.key");
    assert_string_equal(buf, "no.such.key");
    mm_msg_set_lang(MM_LANG_EN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_match),
        cmocka_unit_test(test_every_error_translated),
        cmocka_unit_test(test_lang_from_args),
        cmocka_unit_test(test_print_in_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
