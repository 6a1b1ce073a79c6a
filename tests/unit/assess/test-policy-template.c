/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the policy template engine: placeholders, {{#if}} /
 * {{#unless}} / {{else}}, nesting, comments, standalone-line trimming,
 * Markdown escaping, and every error (unknown placeholder, wrong type,
 * broken syntax, depth limit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "assess/policy-template.h"
#include "core/error.h"

static json_t *vars;

static int setup(void **state)
{
    (void)state;
    vars = json_pack("{s:s, s:i, s:b, s:b, s:s}", "org.name", "守り商店", "org.employees", 12,
                     "has_website", 1, "has_wifi", 0, "tricky", "a*b_[c]\nd");
    return vars ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(vars);
    return 0;
}

/* Renders tpl; returns the code and leaves the text (or error) in the buffers. */
static int render(const char *tpl, struct mm_buf *out, char *err, size_t errlen)
{
    mm_buf_reset(out);
    return mm_tpl_render(tpl, strlen(tpl), vars, out, err, errlen);
}

static void expect(const char *tpl, const char *want)
{
    struct mm_buf out = MM_BUF_INIT;
    char err[256];
    int r = render(tpl, &out, err, sizeof err);
    if (r != 0)
        fail_msg("%s: %s", tpl, err);
    assert_string_equal(mm_buf_str(&out), want);
    mm_buf_free(&out);
}

static void expect_error(const char *tpl, int code, const char *in_message)
{
    struct mm_buf out = MM_BUF_INIT;
    char err[256];
    assert_int_equal(render(tpl, &out, err, sizeof err), code);
    if (!strstr(err, in_message))
        fail_msg("error \"%s\" lacks \"%s\"", err, in_message);
    mm_buf_free(&out);
}

static void test_placeholders(void **state)
{
    (void)state;
    expect("", "");
    expect("plain text", "plain text");
    expect("# {{org.name}} の規程", "# 守り商店 の規程");
    expect("{{ org.name }}/{{org.employees}}人", "守り商店/12人");
    expect("{{tricky}}", "a\\*b\\_\\[c\\] d");
    expect("a { b } c {x}", "a { b } c {x}");
    expect("before{{! a comment }}after", "beforeafter");
}

static void test_conditionals(void **state)
{
    (void)state;
    expect("{{#if has_website}}web{{/if}}", "web");
    expect("{{#if has_wifi}}wifi{{/if}}", "");
    expect("{{#if has_wifi}}yes{{else}}no{{/if}}", "no");
    expect("{{#unless has_wifi}}no wifi{{/unless}}", "no wifi");
    expect("{{#unless has_website}}x{{else}}y{{/unless}}", "y");
}

static void test_nesting(void **state)
{
    (void)state;
    expect("{{#if has_website}}A{{#if has_wifi}}B{{else}}C{{#unless "
           "has_wifi}}D{{/unless}}{{/if}}E{{/if}}",
           "ACDE");
    expect("{{#if has_wifi}}{{#if has_website}}X{{/if}}{{else}}Y{{/if}}", "Y");
}

static void test_standalone_lines(void **state)
{
    (void)state;
    expect("a\n{{#if has_website}}\nweb\n{{/if}}\nb\n", "a\nweb\nb\n");
    expect("a\n  {{#if has_wifi}}  \nwifi\n{{else}}\nnone\n{{/if}}\nb", "a\nnone\nb");
    expect("a\n{{! note }}\nb\n", "a\nb\n");
    /* An inline tag keeps its line. */
    expect("x {{#if has_website}}y{{/if}} z\n", "x y z\n");
}

static void test_unknown_placeholder(void **state)
{
    (void)state;
    expect_error("ok\n{{org.nmae}}", MM_ENOENT, "line 2: unknown placeholder {{org.nmae}}");
    /* Checked even inside a branch that is not taken. */
    expect_error("{{#if has_wifi}}{{nope}}{{/if}}", MM_ENOENT, "unknown placeholder {{nope}}");
    expect_error("{{#if has_ftp}}x{{/if}}", MM_ENOENT, "unknown condition has_ftp");
}

static void test_type_errors(void **state)
{
    (void)state;
    expect_error("{{#if org.name}}x{{/if}}", MM_EINVAL, "not a boolean");
    expect_error("{{has_website}}", MM_EINVAL, "not text");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_error("{{org.name", MM_EPARSE, "unclosed tag");
    expect_error("{{#if has_website}}x", MM_EPARSE, "never closed");
    expect_error("x{{/if}}", MM_EPARSE, "does not close");
    expect_error("{{#if has_website}}x{{/unless}}", MM_EPARSE, "does not close");
    expect_error("{{else}}", MM_EPARSE, "without a matching");
    expect_error("{{#if has_website}}a{{else}}b{{else}}c{{/if}}", MM_EPARSE, "without a matching");
    expect_error("{{#if}}x{{/if}}", MM_EPARSE, "bad name");
    expect_error("{{a b}}", MM_EPARSE, "bad name");
    expect_error("{{/if extra}}", MM_EPARSE, "unexpected text");
}

static void test_depth_limit(void **state)
{
    (void)state;
    char tpl[2048] = "";
    for (int i = 0; i < MM_TPL_MAX_DEPTH + 1; i++)
        strcat(tpl, "{{#if has_website}}");
    for (int i = 0; i < MM_TPL_MAX_DEPTH + 1; i++)
        strcat(tpl, "{{/if}}");
    expect_error(tpl, MM_ELIMIT, "nested deeper");
    tpl[0] = '\0';
    for (int i = 0; i < MM_TPL_MAX_DEPTH; i++)
        strcat(tpl, "{{#if has_website}}");
    strcat(tpl, "deep");
    for (int i = 0; i < MM_TPL_MAX_DEPTH; i++)
        strcat(tpl, "{{/if}}");
    expect(tpl, "deep");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_conditionals),
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_standalone_lines),
        cmocka_unit_test(test_unknown_placeholder),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_depth_limit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
