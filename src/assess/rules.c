/* SPDX-License-Identifier: Apache-2.0
 * Owns the five rules: loading their content, parsing commitment answers
 * (every bad or missing entry is reported, not just the first) and the
 * commitment record. */
#include "assess/rules.h"
#include "core/data.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mm_rules_load(json_t **out)
{
    json_t *root = NULL;
    *out = NULL;
    int r = mm_data_json("rules/rules.json", &root);
    if (r != 0)
        return r;
    json_t *rules = json_object_get(root, "rules");
    if (!json_is_array(rules) || json_array_size(rules) != MM_RULES_COUNT) {
        json_decref(root);
        return MM_EPARSE;
    }
    *out = json_incref(rules);
    json_decref(root);
    return 0;
}

/* Maps "1".."5" to 0..4, also typed in full-width digits ("３", as the
 * diagnosis answers take them), anything else to -1. */
static int rule_index(const char *key)
{
    char folded[8];
    if (strlen(key) < sizeof folded && (unsigned char)key[0] == 0xef) {
        memcpy(folded, key, strlen(key) + 1);
        key = mm_str_fold_fullwidth(folded);
    }
    if (strlen(key) == 1 && key[0] >= '1' && key[0] <= '0' + MM_RULES_COUNT)
        return key[0] - '1';
    return -1;
}

static void note_unknown(struct mm_rules_error *e, const char *key)
{
    size_t used = strlen(e->unknown);
    if (used + 4 >= sizeof e->unknown)
        return;
    char k[41]; /* the key's first 40 bytes at most, cut between characters */
    mm_strlcpy_utf8(k, key, sizeof k);
    int n = snprintf(e->unknown + used, sizeof e->unknown - used, "%s\"%s\"", used ? ", " : "", k);
    if (n >= 0 && (size_t)n >= sizeof e->unknown - used) /* the list is full: same rule */
        mm_utf8_trim_tail(e->unknown, sizeof e->unknown - 1);
}

int mm_rules_parse_answers(const json_t *root, struct mm_rules_answers *out,
                           struct mm_rules_error *e)
{
    memset(out, 0, sizeof *out);
    memset(e, 0, sizeof *e);
    json_t *rules = json_object_get(root, "rules");
    if (!json_is_object(rules)) {
        e->no_rules_object = true;
        return MM_EPARSE;
    }
    unsigned seen = 0;
    const char *key;
    json_t *v;
    json_object_foreach(rules, key, v)
    {
        int i = rule_index(key);
        if (i < 0) {
            note_unknown(e, key);
            continue;
        }
        if (seen & (1u << i)) /* "3" and "３": which answer was meant is unclear */
            e->twice_mask |= 1u << i;
        seen |= 1u << i;
        if (json_is_boolean(v))
            out->committed[i] = json_is_true(v);
        else
            e->invalid_mask |= 1u << i;
    }
    e->missing_mask = ~seen & ((1u << MM_RULES_COUNT) - 1);
    e->invalid_mask &= ~e->twice_mask;
    if (e->missing_mask || e->invalid_mask || e->twice_mask || e->unknown[0])
        return MM_EPARSE;
    return 0;
}

int mm_rules_read_file(const char *path, struct mm_rules_answers *out, struct mm_rules_error *e)
{
    char *text = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    memset(e, 0, sizeof *e);
    int r = mm_file_read(path, MM_RULES_FILE_MAX, &text, &len);
    if (r != 0)
        return r;
    json_error_t jerr;
    const char *body = mm_utf8_skip_bom(text, &len);
    /* a key written twice is refused: jansson kept the last value silently */
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        e->empty = mm_str_blank(body, len);
        e->line = jerr.line;
        mm_json_why_set(&e->why, &jerr, body, len);
        e->duplicate =
            !e->empty && !e->why.not_utf8 && json_error_code(&jerr) == json_error_duplicate_key;
        e->not_json = !e->empty && !e->duplicate;
        free(text);
        return MM_EPARSE;
    }
    free(text);
    r = mm_rules_parse_answers(root, out, e);
    json_decref(root);
    return r;
}

/* Appends msg with {rule} replaced by the rule number, and a newline. */
static int describe_rule_problem(struct mm_buf *out, const char *msg, int rule)
{
    char n[16];
    snprintf(n, sizeof n, "%d", rule);
    const struct mm_fill_var var = {"rule", n};
    int r = mm_fill(out, MM_FILL_MAX, msg, &var, 1, 0);
    return r == 0 ? mm_buf_putc(out, '\n') : r;
}

/* "line L, column C: " and the reason and step of a file that is not JSON:
 * the parser's kind of error in the message language (messages.md). */
static int describe_not_json(const struct mm_rules_error *e, enum mm_lang lang, struct mm_buf *out)
{
    struct mm_buf why = MM_BUF_INIT;
    const char *key = e->why.not_utf8 ? "rules.error.not_utf8"
                      : e->duplicate  ? "rules.error.duplicate"
                                      : "rules.error.not_json";
    int r = e->why.line > 0 ? mm_json_why_at(&e->why, lang, out) : 0;
    if (r == 0 && e->why.line > 0)
        r = mm_buf_puts(out, ": ");
    if (r == 0)
        r = mm_json_why_reason(&e->why, lang, &why);
    const struct mm_fill_var vars[] = {{"why", mm_buf_str(&why)},
                                       {"step", mm_json_why_utf8_step(lang)}};
    if (r == 0)
        r = mm_fill(out, MM_FILL_MAX, mm_tr("assess-docs", key, lang), vars, 2, 0);
    mm_buf_free(&why);
    return r == 0 ? mm_buf_putc(out, '\n') : r;
}

int mm_rules_error_describe(const struct mm_rules_error *e, enum mm_lang lang, struct mm_buf *out)
{
    int r = 0;
    if (e->empty)
        return mm_buf_printf(out, "%s\n", mm_tr("assess-docs", "rules.error.empty", lang));
    if (e->not_json || e->duplicate)
        return describe_not_json(e, lang, out);
    if (e->no_rules_object)
        return mm_buf_printf(out, "%s\n", mm_tr("assess-docs", "rules.error.no_rules", lang));
    for (int i = 0; i < MM_RULES_COUNT && r == 0; i++) {
        if (e->missing_mask & (1u << i))
            r = describe_rule_problem(out, mm_tr("assess-docs", "rules.error.missing", lang),
                                      i + 1);
        if (r == 0 && (e->invalid_mask & (1u << i)))
            r = describe_rule_problem(out, mm_tr("assess-docs", "rules.error.invalid", lang),
                                      i + 1);
        if (r == 0 && (e->twice_mask & (1u << i)))
            r = describe_rule_problem(out, mm_tr("assess-docs", "rules.error.twice", lang), i + 1);
    }
    if (r == 0 && e->unknown[0])
        r = mm_buf_printf(out, "%s %s\n", mm_tr("assess-docs", "rules.error.unknown", lang),
                          e->unknown);
    return r;
}

bool mm_rules_all_committed(const struct mm_rules_answers *a, unsigned *missing_mask)
{
    unsigned missing = 0;
    for (int i = 0; i < MM_RULES_COUNT; i++)
        if (!a->committed[i])
            missing |= 1u << i;
    if (missing_mask)
        *missing_mask = missing;
    return missing == 0;
}

json_t *mm_rules_record(const struct mm_rules_answers *a, const char *date)
{
    unsigned missing;
    bool all = mm_rules_all_committed(a, &missing);
    json_t *rules = json_object(), *miss = json_array();
    json_t *rec = json_pack("{s:s, s:s, s:o, s:b, s:o}", "format", "mamori-rules/1", "date", date,
                            "rules", rules, "one_star_possible", all, "missing", miss);
    if (!rec)
        return NULL;
    int r = 0;
    for (int i = 0; i < MM_RULES_COUNT; i++) {
        char key[4];
        snprintf(key, sizeof key, "%d", i + 1);
        r |= json_object_set_new(rules, key, json_boolean(a->committed[i]));
        if (missing & (1u << i))
            r |= json_array_append_new(miss, json_integer(i + 1));
    }
    if (r != 0) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}
