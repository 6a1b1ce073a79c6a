/* SPDX-License-Identifier: Apache-2.0
 * Owns saying why a JSON input could not be read (position and a short
 * reason per jansson error kind, in ja and en). See json-why.h. */
#include "assess/json-why.h"
#include "core/str.h"

#include <stdio.h>
#include <string.h>

/* One reason text per jansson error kind; the rest say "cannot be read". */
static const struct {
    int code;
    const char *key;
} reasons[] = {
    {json_error_premature_end_of_input, "json.why.premature_end"},
    {json_error_end_of_input_expected, "json.why.trailing"},
    {json_error_invalid_syntax, "json.why.syntax"},
    {json_error_invalid_format, "json.why.syntax"},
    {json_error_invalid_utf8, "json.why.not_utf8"},
    {json_error_null_character, "json.why.nul"},
    {json_error_null_byte_in_key, "json.why.nul"},
    {json_error_duplicate_key, "json.why.duplicate_key"},
    {json_error_numeric_overflow, "json.why.number"},
    {json_error_stack_overflow, "json.why.too_deep"},
};

/* Line and column (in characters) of byte offset off in text. */
static void position_of(const char *text, size_t off, int *line, int *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            ++*line;
            *column = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            ++*column;
        }
    }
}

void mm_json_why_set(struct mm_json_why *w, const json_error_t *e, const char *text, size_t len)
{
    size_t bad = 0;
    memset(w, 0, sizeof *w);
    w->line = e->line > 0 ? e->line : 0;
    w->column = e->line > 0 && e->column > 0 ? e->column : 0;
    w->code = (int)json_error_code(e);
    if (!mm_utf8_valid(text, len, &bad)) { /* CP932 and the like: said as such */
        w->not_utf8 = true;
        position_of(text, bad, &w->line, &w->column);
    }
}

int mm_json_why_at(const struct mm_json_why *w, enum mm_lang lang, struct mm_buf *out)
{
    char line[16], column[16];
    snprintf(line, sizeof line, "%d", w->line);
    snprintf(column, sizeof column, "%d", w->column);
    const struct mm_fill_var vars[] = {{"line", line}, {"column", column}};
    const char *key = w->column > 0 ? "json.at" : "json.at.line";
    return mm_fill(out, MM_FILL_MAX, mm_tr("answers", key, lang), vars, 2, 0);
}

int mm_json_why_reason(const struct mm_json_why *w, enum mm_lang lang, struct mm_buf *out)
{
    const char *key = "json.why.other";
    if (w->not_utf8)
        key = "json.why.not_utf8";
    else
        for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
            if (reasons[i].code == w->code)
                key = reasons[i].key;
    return mm_buf_puts(out, mm_tr("answers", key, lang));
}

const char *mm_json_why_utf8_step(enum mm_lang lang)
{
    return mm_tr("answers", "json.step.utf8", lang);
}
