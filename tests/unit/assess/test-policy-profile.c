/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the organisation profile: a good INI file, flags on top of
 * it, and each error kind naming its field (missing name, bad boolean, bad or
 * negative employee count, too long, control characters, unknown field or
 * section, INI syntax error, unreadable file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assess/profile.h"
#include "core/error.h"
#include "core/msg.h"
#include "core/str.h"

/* Writes text to a new temporary file; returns its path (static buffer). */
static const char *temp_ini(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/mm-profile-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* Loads text as a profile file and validates; returns the code. */
static int load(const char *text, struct mm_profile *p, struct mm_profile_error *e)
{
    const char *path = temp_ini(text);
    mm_profile_init(p);
    memset(e, 0, sizeof *e);
    int r = mm_profile_load_ini(p, path, e);
    if (r == 0)
        r = mm_profile_validate(p, e);
    unlink(path);
    return r;
}

static void test_good_profile(void **state)
{
    (void)state;
    struct mm_profile p;
    struct mm_profile_error e;
    assert_int_equal(load("[organisation]\nname = 守り商店\nrepresentative = 山田 花子\n"
                          "employees = 12\nindustry = 小売業\n"
                          "[practices]\nmy_number = yes\nwebsite = no\nwifi = on\n"
                          "personal-devices = false\n",
                          &p, &e),
                     0);
    assert_string_equal(p.name, "守り商店");
    assert_string_equal(p.representative, "山田 花子");
    assert_int_equal(p.employees, 12);
    assert_true(p.my_number);
    assert_false(p.website);
    assert_true(p.wifi);
    assert_false(p.cloud); /* not given: no */
    json_t *vars = json_object();
    assert_int_equal(mm_profile_vars(&p, vars), 0);
    assert_true(json_is_true(json_object_get(vars, "handles_my_number")));
    assert_true(json_is_false(json_object_get(vars, "has_website")));
    assert_true(json_is_false(json_object_get(vars, "has_address")));
    assert_string_equal(json_string_value(json_object_get(vars, "org.name")), "守り商店");
    json_decref(vars);
    json_t *j = mm_profile_to_json(&p);
    assert_int_equal(json_integer_value(json_object_get(j, "employees")), 12);
    json_decref(j);
}

static void test_flags_override(void **state)
{
    (void)state;
    struct mm_profile p;
    struct mm_profile_error e;
    assert_int_equal(load("[organisation]\nname = A\n[practices]\nwebsite = yes\n", &p, &e), 0);
    assert_int_equal(mm_profile_set(&p, "website", "no", &e), 0);
    assert_int_equal(mm_profile_set(&p, "name", "  B社  ", &e), 0);
    assert_int_equal(mm_profile_set(&p, "my-number", "1", &e), 0);
    assert_false(p.website);
    assert_true(p.my_number);
    assert_string_equal(p.name, "B社");
    /* As typed with a Japanese input method on: full-width, はい/いいえ. */
    assert_int_equal(mm_profile_set(&p, "employees", "\xe3\x80\x80１２", &e), 0);
    assert_int_equal(p.employees, 12);
    assert_int_equal(mm_profile_set(&p, "website", "はい", &e), 0);
    assert_true(p.website);
    assert_int_equal(mm_profile_set(&p, "my_number", "ｎｏ", &e), 0);
    assert_false(p.my_number);
    assert_int_equal(mm_profile_set(&p, "wifi", "いいえ", &e), 0);
    assert_false(p.wifi);
    assert_int_equal(mm_profile_set(&p, "wifi", "あり", &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_BOOL);
    assert_int_equal(mm_profile_set(&p, "employees", "12名", &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_NUMBER);
    /* A value longer than the folding buffer is refused whole, not cut to
     * its first 63 bytes (which read "12" or "yes" and spaces). */
    char longer[100];
    snprintf(longer, sizeof longer, "12%80sx", "");
    assert_int_equal(mm_profile_set(&p, "employees", longer, &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_NUMBER);
    snprintf(longer, sizeof longer, "yes%80sx", "");
    assert_int_equal(mm_profile_set(&p, "wifi", longer, &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_BOOL);
}

/* True when cut is a prefix of whole, valid UTF-8 and not empty. */
static bool cut_between_characters(const char *cut, const char *whole)
{
    size_t n = strlen(cut);
    return n > 0 && strncmp(cut, whole, n) == 0 && mm_utf8_valid(cut, n, NULL);
}

/* An error quoting Japanese longer than its buffer keeps whole characters:
 * the value (detail), an unknown field's name, and the section.key of an
 * unknown INI entry (each part cut at 30 bytes). */
static void test_error_text_cut_between_characters(void **state)
{
    (void)state;
    struct mm_profile p;
    struct mm_profile_error e;
    char value[400] = "x", field[120] = "x", ini[400];
    for (int i = 0; i < 100; i++) /* 1 + 300 bytes: 255 falls inside a character */
        strcat(value, "人");
    for (int i = 0; i < 30; i++) /* 1 + 90 bytes: 63 falls inside one */
        strcat(field, "項");
    mm_profile_init(&p);
    assert_int_equal(mm_profile_set(&p, "employees", value, &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_NUMBER);
    assert_true(cut_between_characters(e.detail, value));
    assert_int_equal(strlen(e.detail), 253);
    assert_int_equal(mm_profile_set(&p, field, "1", &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_UNKNOWN);
    assert_true(cut_between_characters(e.field, field));
    assert_int_equal(strlen(e.field), 61);
    snprintf(ini, sizeof ini, "[organisation]\nname = A\n[x設定設定設定設定設定設定]\n%s = 1\n",
             field);
    assert_int_equal(load(ini, &p, &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_UNKNOWN);
    assert_true(mm_utf8_valid(e.field, strlen(e.field), NULL));
    assert_string_equal(e.field, "x設定設定設定設定設.x項項項項項項項項項");
    assert_int_equal(e.line, 4); /* the CLI says FILE: line 4: ... */
    assert_int_equal(load("[organisation]\nname = A\n\n[practices]\nwifi = maybe\n", &p, &e),
                     MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_BOOL);
    assert_int_equal(e.line, 5);
    assert_int_equal(mm_profile_set(&p, "wifi", "maybe", &e), MM_EINVAL);
    assert_int_equal(e.line, 0); /* a flag has no line */
}

static void expect_problem(const char *text, int code, enum mm_profile_problem problem,
                           const char *field)
{
    struct mm_profile p;
    struct mm_profile_error e;
    assert_int_equal(load(text, &p, &e), code);
    assert_int_equal(e.problem, problem);
    assert_string_equal(e.field, field);
}

static void test_errors_name_the_field(void **state)
{
    (void)state;
    expect_problem("[organisation]\nrepresentative = x\n", MM_EINVAL, MM_PROFILE_MISSING, "name");
    expect_problem("[organisation]\nname =   \n", MM_EINVAL, MM_PROFILE_MISSING, "name");
    expect_problem("[organisation]\nname = A\n[practices]\nwebsite = maybe\n", MM_EINVAL,
                   MM_PROFILE_BAD_BOOL, "website");
    expect_problem("[organisation]\nname = A\nemployees = -3\n", MM_EINVAL, MM_PROFILE_BAD_NUMBER,
                   "employees");
    expect_problem("[organisation]\nname = A\nemployees = 12人\n", MM_EINVAL, MM_PROFILE_BAD_NUMBER,
                   "employees");
    expect_problem("[organisation]\nname = A\nemployees = 99999999999999999999\n", MM_EINVAL,
                   MM_PROFILE_BAD_NUMBER, "employees");
    expect_problem("[organisation]\nname = A\nfax = yes\n", MM_EINVAL, MM_PROFILE_UNKNOWN,
                   "organisation.fax");
    expect_problem("[organisation]\nname = A\nwifi = yes\n", MM_EINVAL, MM_PROFILE_UNKNOWN,
                   "organisation.wifi");
    expect_problem("[organisation]\nname = A\nthis line is not ini\n", MM_EPARSE, MM_PROFILE_SYNTAX,
                   "");
}

/* A field written twice is refused with both lines (the last silently won);
 * a NUL byte in a line is refused with its line (inih cut the value there:
 * "ab\0cd" read as "ab"). */
static void test_duplicates_and_nul(void **state)
{
    (void)state;
    struct mm_profile p;
    struct mm_profile_error e;
    mm_msg_set_lang(MM_LANG_EN);
    assert_int_equal(load("[organisation]\nname = a\n\nname = b\n", &p, &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_DUPLICATE);
    assert_string_equal(e.field, "organisation.name");
    assert_string_equal(e.detail, "lines 2 and 4; keep only one of them");
    assert_int_equal(load("[organisation]\nname = a\n[practices]\nwifi = yes\nWiFi = no\n", &p, &e),
                     MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_DUPLICATE);
    assert_string_equal(e.field, "practices.wifi");
    /* an indented line goes on with the value before: one value, not two */
    assert_int_equal(load("[organisation]\nname = Mamori\n  Kobo Ltd\n\tTokyo\n", &p, &e), 0);
    assert_string_equal(p.name, "Mamori Kobo Ltd Tokyo");
    assert_int_equal(load("[organisation]\nname = a\n  b\nname = c\n", &p, &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_DUPLICATE);
    /* a value's first part alone need not be valid: set once joined */
    assert_int_equal(load("[organisation]\nname = a\nemployees =\n  12\n", &p, &e), 0);
    assert_int_equal(p.employees, 12);
    /* every field indented: the second would silently join the name */
    assert_int_equal(load("[organisation]\n  name = Mamori\n  representative = Taro\n", &p, &e),
                     MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_INDENTED);
    assert_string_equal(e.field, "organisation.name");
    assert_int_equal(e.line, 3);
    /* after a header an indented field is a field: here written twice */
    assert_int_equal(load("[organisation]\nname = A\n[organisation]\n  name = B\n", &p, &e),
                     MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_DUPLICATE);
    char path[] = "/tmp/mm-profile-nul-XXXXXX";
    static const char text[] = "[organisation]\nname = ab\0cd\n";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    mm_profile_init(&p);
    assert_int_equal(mm_profile_load_ini(&p, path, &e), MM_EPARSE);
    assert_int_equal(e.problem, MM_PROFILE_SYNTAX);
    assert_non_null(strstr(e.detail, ":2: the line holds a NUL byte"));
    unlink(path);
}

static void test_text_limits(void **state)
{
    (void)state;
    struct mm_profile p;
    struct mm_profile_error e;
    char longname[MM_PROFILE_TEXT_MAX + 2];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    mm_profile_init(&p);
    assert_int_equal(mm_profile_set(&p, "industry", longname, &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_TOO_LONG);
    assert_string_equal(e.field, "industry");
    assert_int_equal(mm_profile_set(&p, "address",
                                    "a\x01"
                                    "b",
                                    &e),
                     MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_TEXT);
    assert_int_equal(mm_profile_set(&p, "address", "\xff\xfe", &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_TEXT);
    /* a C1 control and a bidi override (U+202E) too: they drive or reorder
     * the terminal line a name is printed on */
    assert_int_equal(mm_profile_set(&p, "name",
                                    "a\xc2\x9b"
                                    "b",
                                    &e),
                     MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_TEXT);
    assert_int_equal(mm_profile_set(&p, "name",
                                    "abc\xe2\x80\xae"
                                    "def",
                                    &e),
                     MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_TEXT);
    assert_int_equal(mm_profile_set(&p, "name", "山田\xc2\xa0製作所", &e), 0);
    assert_int_equal(mm_profile_set(&p, "colour", "red", &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_UNKNOWN);
    assert_string_equal(e.field, "colour");
}

/* Spaces around a text are trimmed, the ideographic space (U+3000) of a
 * Japanese input method too, so a name of spaces only is no name. */
static void test_text_trimmed(void **state)
{
    (void)state;
    struct mm_profile p;
    struct mm_profile_error e;
    mm_profile_init(&p);
    assert_int_equal(mm_profile_set(&p, "name", " \xe3\x80\x80守り商店\xe3\x80\x80 ", &e), 0);
    assert_string_equal(p.name, "守り商店");
    assert_int_equal(mm_profile_set(&p, "representative", "山田\xe3\x80\x80花子", &e), 0);
    assert_string_equal(p.representative, "山田\xe3\x80\x80花子"); /* inside: kept */
    assert_int_equal(mm_profile_set(&p, "name", "\xe3\x80\x80 \xe3\x80\x80", &e), 0);
    assert_string_equal(p.name, "");
    assert_int_equal(mm_profile_validate(&p, &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_MISSING);
    assert_int_equal(mm_profile_set(&p, "name", "\xe3\x80", &e), MM_EINVAL); /* cut short */
}

/* A profile saved as CP932 (Windows Notepad's "ANSI" on a Japanese
 * Windows) is converted, as the risk CSV reader does; "表" ends in the
 * byte 0x5C, the backslash. Bytes that are neither UTF-8 nor CP932 are
 * still invalid text. */
static void test_cp932_profile(void **state)
{
    (void)state;
    struct mm_profile p;
    struct mm_profile_error e;
    /* [organisation] name = 守り商店 / industry = 表具店 in CP932 */
    assert_int_equal(load("[organisation]\nname = \x8e\xe7\x82\xe8\x8f\xa4\x93\x58\n"
                          "industry = \x95\x5c\x8b\xef\x93\x58\n",
                          &p, &e),
                     0);
    assert_string_equal(p.name, "守り商店");
    assert_string_equal(p.industry, "表具店");
    assert_int_equal(load("[organisation]\nname = \x80\xff\n", &p, &e), MM_EINVAL);
    assert_int_equal(e.problem, MM_PROFILE_BAD_TEXT);
}

static void test_missing_file(void **state)
{
    (void)state;
    struct mm_profile p;
    struct mm_profile_error e;
    mm_profile_init(&p);
    assert_int_equal(mm_profile_load_ini(&p, "/nonexistent/profile.ini", &e), MM_ENOENT);
    assert_int_equal(e.problem, MM_PROFILE_NOFILE);
}

/* A key missing from the file (and not given as a flag) is not "given":
 * its "no" is only the default, which `mamori policy` does not call what
 * "the profile says". */
static void test_given_keys(void **state)
{
    (void)state;
    struct mm_profile p;
    struct mm_profile_error e;
    assert_int_equal(load("[organisation]\nname = x\n[practices]\nwifi = no\n", &p, &e), 0);
    assert_true(mm_profile_given(&p, "name"));
    assert_true(mm_profile_given(&p, "wifi"));
    assert_false(mm_profile_given(&p, "cloud"));
    assert_false(mm_profile_given(&p, "employees"));
    assert_false(mm_profile_given(&p, "colour"));
    assert_int_equal(mm_profile_set(&p, "cloud", "no", &e), 0);
    assert_true(mm_profile_given(&p, "cloud"));
    assert_false(p.cloud);
    mm_profile_init(&p);
    assert_false(mm_profile_given(&p, "wifi"));
}

/* The practices not given, in the profile's order: what `mamori policy`
 * asks on a terminal, or names as assumed "no". */
static void test_unanswered_practices(void **state)
{
    (void)state;
    struct mm_profile p;
    struct mm_profile_error e;
    const char *open[MM_PROFILE_PRACTICES];
    assert_int_equal(load("[organisation]\nname = x\nemployees = 3\n", &p, &e), 0);
    assert_int_equal(mm_profile_unanswered(&p, open, MM_PROFILE_PRACTICES), 7);
    static const char *const all[] = {"my_number", "cloud", "website",    "personal_devices",
                                      "telework",  "wifi",  "outsourcing"};
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(open[i], all[i]);
    assert_int_equal(mm_profile_set(&p, "wifi", "no", &e), 0);
    assert_int_equal(mm_profile_set(&p, "my-number", "yes", &e), 0);
    assert_int_equal(mm_profile_unanswered(&p, open, MM_PROFILE_PRACTICES), 5);
    assert_string_equal(open[0], "cloud");
    assert_string_equal(open[4], "outsourcing");
    assert_int_equal(mm_profile_unanswered(&p, open, 2), 2); /* room for two: two */
    assert_string_equal(open[1], "website");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_profile),
        cmocka_unit_test(test_flags_override),
        cmocka_unit_test(test_errors_name_the_field),
        cmocka_unit_test(test_error_text_cut_between_characters),
        cmocka_unit_test(test_duplicates_and_nul),
        cmocka_unit_test(test_text_limits),
        cmocka_unit_test(test_cp932_profile),
        cmocka_unit_test(test_text_trimmed),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_given_keys),
        cmocka_unit_test(test_unanswered_practices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
