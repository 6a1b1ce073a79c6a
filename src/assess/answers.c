/* SPDX-License-Identifier: Apache-2.0
 * Owns the answer values (the English names files are written with; the
 * Japanese words the questionnaire shows are accepted too when read) and
 * the answers-file reader/writer shared by the questionnaires. The reader
 * never stops at the first problem: it collects every missing, invalid or
 * refused item so one error message names them all. */
#include "assess/answers.h"
#include "core/error.h"
#include "core/fs-read.h"
#include "core/fs.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const answer_names[] = {
    [MM_ANSWER_DONE] = "done",       [MM_ANSWER_PARTLY] = "partly", [MM_ANSWER_NOT] = "not",
    [MM_ANSWER_UNKNOWN] = "unknown", [MM_ANSWER_NA] = "na",
};

const char *mm_answer_name(enum mm_answer a)
{
    if (a <= MM_ANSWER_NONE || a > MM_ANSWER_NA)
        return NULL;
    return answer_names[a];
}

/* The Japanese words the questionnaire shows (data/i18n/diagnose.json
 * "answer.*"), their polite forms and a few common spellings, as an owner
 * writes them in an answers file. */
static const struct {
    const char *word;
    enum mm_answer answer;
} japanese_words[] = {
    {"できている", MM_ANSWER_DONE},         {"できています", MM_ANSWER_DONE},
    {"出来ている", MM_ANSWER_DONE},         {"一部できている", MM_ANSWER_PARTLY},
    {"一部できています", MM_ANSWER_PARTLY}, {"一部出来ている", MM_ANSWER_PARTLY},
    {"できていない", MM_ANSWER_NOT},        {"できていません", MM_ANSWER_NOT},
    {"出来ていない", MM_ANSWER_NOT},        {"わからない", MM_ANSWER_UNKNOWN},
    {"わかりません", MM_ANSWER_UNKNOWN},    {"分からない", MM_ANSWER_UNKNOWN},
    {"分かりません", MM_ANSWER_UNKNOWN},    {"該当しない", MM_ANSWER_NA},
    {"該当しません", MM_ANSWER_NA},         {"該当なし", MM_ANSWER_NA},
};

/* s as written (full-width letters and spaces around it allowed) is one of
 * the English names or the Japanese words. */
static int answer_lookup(const char *s, enum mm_answer *out)
{
    char word[64];
    if (strlen(s) >= sizeof word)
        return MM_EINVAL;
    memcpy(word, s, strlen(s) + 1);
    const char *w = mm_str_trim(mm_str_fold_fullwidth(word));
    for (int a = MM_ANSWER_DONE; a <= MM_ANSWER_NA; a++) {
        if (strcmp(w, answer_names[a]) == 0) {
            *out = (enum mm_answer)a;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof japanese_words / sizeof japanese_words[0]; i++) {
        if (strcmp(w, japanese_words[i].word) == 0) {
            *out = japanese_words[i].answer;
            return 0;
        }
    }
    return MM_EINVAL;
}

int mm_answer_parse(const char *s, enum mm_answer *out)
{
    return s ? answer_lookup(s, out) : MM_EINVAL;
}

/* Copies key for a message into dst (cap bytes): whole UTF-8 characters
 * (a Japanese key is shown as written), '?' for a control character (bidi
 * ones too: mm_text_control_len), a '"' and a byte that is no UTF-8;
 * truncated between characters. */
static void copy_shown_key(char *dst, size_t cap, const char *key)
{
    size_t j = 0;
    while (*key && j + 1 < cap) {
        size_t ctl = mm_text_control_len(key);
        size_t n = ctl ? 0 : mm_utf8_seq_len((const unsigned char *)key, strlen(key));
        if (n > 1 && j + n < cap) {
            memcpy(dst + j, key, n);
            j += n;
            key += n;
            continue;
        }
        if (n > 1) /* no room for the whole character */
            break;
        dst[j++] = n == 1 && *key != '"' ? *key : '?';
        key += ctl ? ctl : 1;
    }
    dst[j] = '\0';
}

/* Keeps a printable, truncated copy of an unknown key for the message; with
 * item_ids, a key holding a JSON string (an "items" id written as "3") is
 * kept as the string's text and marked as a string. */
static void remember_unknown_key(struct mm_answers_issues *issues, const char *key, bool item_ids)
{
    size_t n = issues->n_unknown_keys++;
    if (n >= MM_ANSWERS_SHOWN_KEYS)
        return;
    json_t *id = item_ids && key[0] == '"' ? json_loads(key, JSON_DECODE_ANY, NULL) : NULL;
    if (json_is_string(id)) {
        key = json_string_value(id);
        issues->unknown_strings |= 1u << n;
    }
    copy_shown_key(issues->unknown_keys[n], sizeof issues->unknown_keys[n], key);
    json_decref(id);
}

static bool issues_any(const struct mm_answers_issues *issues)
{
    return issues->bad_json || issues->missing || issues->invalid || issues->na_refused ||
           issues->repeated || issues->n_unknown_keys || issues->too_many_keys;
}

/* The item a key names: "1".."n" (canonical), also typed in full-width
 * digits ("１２", as the profile takes them); 0 for none. */
static int key_item(const char *key, int n)
{
    int id = mm_str_index(key, n);
    char folded[32];
    if (id != 0 || (unsigned char)key[0] != 0xef || strlen(key) >= sizeof folded)
        return id;
    memcpy(folded, key, strlen(key) + 1);
    return mm_str_index(mm_str_fold_fullwidth(folded), n);
}

/* obj is a report's "items" made an object (by mm_answers_parse): a key that
 * is JSON string text ("\"3\"") is an id written as a string, named by its
 * text and said to be a string */
#define ANSWERS_ITEM_IDS 2u

/* Reads the object {"1": "done", ...} into answers[0..n_items) (answers[id-1];
 * MM_ANSWER_NONE where absent). Returns 0, or MM_EINVAL with *issues filled.
 * answers is fully written either way; issues is always cleared first. */
static int answers_from_json(const struct mm_answers_spec *spec, const json_t *obj, unsigned flags,
                             enum mm_answer *answers, struct mm_answers_issues *issues)
{
    memset(issues, 0, sizeof *issues);
    issues->n_items = spec->n_items;
    for (size_t i = 0; i < spec->n_items; i++)
        answers[i] = MM_ANSWER_NONE;
    if (spec->n_items == 0 || spec->n_items > MM_ANSWERS_MAX_ITEMS || !json_is_object(obj)) {
        issues->bad_json = true;
        return MM_EINVAL;
    }
    if (json_object_size(obj) > MM_ANSWERS_KEYS_MAX) {
        issues->too_many_keys = true;
        return MM_EINVAL;
    }
    const char *key;
    const json_t *value;
    uint64_t seen = 0, twice = 0;
    json_object_foreach((json_t *)obj, key, value)
    {
        int id = key_item(key, (int)spec->n_items);
        if (id == 0) {
            remember_unknown_key(issues, key, flags & ANSWERS_ITEM_IDS);
            continue;
        }
        uint64_t bit = UINT64_C(1) << (id - 1);
        twice |= seen & bit; /* "3" and "３" */
        seen |= bit;
        enum mm_answer a;
        if (mm_answer_parse(json_string_value(value), &a) != 0 || !(spec->values & (1u << a))) {
            issues->invalid |= bit;
            continue;
        }
        if (a == MM_ANSWER_NA && !(spec->na_allowed & bit)) {
            issues->na_refused |= bit;
            continue;
        }
        answers[id - 1] = a;
    }
    for (size_t i = 0; i < spec->n_items; i++) /* which one was meant is unclear */
        if (twice & (UINT64_C(1) << i))
            answers[i] = MM_ANSWER_NONE;
    issues->repeated = twice & ~(issues->invalid | issues->na_refused);
    if (!(flags & MM_ANSWERS_PARTIAL)) {
        for (size_t i = 0; i < spec->n_items; i++) {
            uint64_t bit = UINT64_C(1) << i;
            if (answers[i] == MM_ANSWER_NONE &&
                !((issues->invalid | issues->na_refused | twice) & bit))
                issues->missing |= bit;
        }
    }
    return issues_any(issues) ? MM_EINVAL : 0;
}

/* The answers of a `mamori diagnose --format json` report: its "items" array
 * [{"id": 1, "answer": "done", ...}, ...] as a new object {"1": "done", ...}
 * for answers_from_json. Entries with no "answer" are left out; an "id"
 * that is not a whole number 1..9999 becomes its JSON text ("\"2\"", "0"),
 * so the reader names it as no such item; bit (id - 1) of *repeated marks an
 * id given more than once. NULL when out of memory. */
static json_t *answers_from_items(const json_t *items, uint64_t *repeated)
{
    json_t *obj = json_object();
    size_t i;
    const json_t *it;
    *repeated = 0;
    json_array_foreach((json_t *)items, i, it)
    {
        const json_t *id = json_object_get(it, "id"), *answer = json_object_get(it, "answer");
        json_int_t n = json_integer_value(id);
        char key[24], *dumped = NULL;
        if (!obj || !answer)
            continue;
        if (json_is_integer(id) && n >= 1 && n <= 9999) {
            snprintf(key, sizeof key, "%lld", (long long)n);
            if (n <= MM_ANSWERS_MAX_ITEMS && json_object_get(obj, key))
                *repeated |= UINT64_C(1) << (n - 1);
        } else { /* named as written: "2" (a string) is not item 2 */
            dumped = json_dumps(id ? id : json_null(), JSON_ENCODE_ANY | JSON_COMPACT);
            snprintf(key, sizeof key, "%s", dumped ? dumped : "?");
            free(dumped);
        }
        if (json_object_set(obj, key, (json_t *)answer) != 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    return obj;
}

/* Is text (len bytes, not NUL-terminated) only JSON white space? */
int mm_answers_parse(const struct mm_answers_spec *spec, const char *text, size_t len,
                     unsigned flags, enum mm_answer *answers, struct mm_answers_issues *issues)
{
    return mm_answers_parse_doc(spec, text, len, flags, answers, issues, NULL);
}

int mm_answers_parse_doc(const struct mm_answers_spec *spec, const char *text, size_t len,
                         unsigned flags, enum mm_answer *answers, struct mm_answers_issues *issues,
                         json_t **doc_out)
{
    json_error_t err;
    if (doc_out)
        *doc_out = NULL;
    text = mm_utf8_skip_bom(text, &len);
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    json_t *obj = json_object_get(doc, "answers"), *items = json_object_get(doc, "items");
    json_t *from_items = NULL;
    uint64_t repeated = 0;
    int r;
    if (!json_is_object(obj) && json_is_array(items)) /* mamori diagnose --format json */
        obj = from_items = answers_from_items(items, &repeated);
    if (!json_is_object(obj)) {
        for (size_t i = 0; i < spec->n_items && i < MM_ANSWERS_MAX_ITEMS; i++)
            answers[i] = MM_ANSWER_NONE;
        memset(issues, 0, sizeof *issues);
        if (json_is_array(items)) { /* out of memory building it */
            r = MM_ENOMEM;
            goto out;
        }
        issues->bad_json = true;
        issues->json_line = doc ? 0 : err.line;
        if (!doc)
            mm_json_why_set(&issues->json, &err, text, len);
        if (issues->json.not_utf8)
            issues->json_line = issues->json.line;
        issues->duplicate_key = !doc && json_error_code(&err) == json_error_duplicate_key;
        issues->empty = !doc && mm_str_blank(text, len);
        r = MM_EPARSE;
        goto out;
    }
    r = answers_from_json(spec, obj, flags | (from_items ? ANSWERS_ITEM_IDS : 0), answers, issues);
    if (repeated) {
        /* the item keeps its last answer, but which one was meant is unclear */
        for (size_t i = 0; i < spec->n_items; i++)
            if (repeated & (UINT64_C(1) << i))
                answers[i] = MM_ANSWER_NONE;
        issues->repeated |= repeated & ~(issues->invalid | issues->na_refused);
        issues->missing &= ~repeated;
        r = issues_any(issues) ? MM_EINVAL : 0;
    }
out:
    json_decref(from_items);
    if (doc_out && r == 0)
        *doc_out = doc;
    else
        json_decref(doc);
    return r;
}

int mm_answers_load(const struct mm_answers_spec *spec, const char *path, unsigned flags,
                    enum mm_answer *answers, struct mm_answers_issues *issues)
{
    char *text = NULL;
    size_t len = 0;
    memset(issues, 0, sizeof *issues);
    int r = flags & MM_ANSWERS_REGULAR
                ? mm_file_read_regular(path, MM_ANSWERS_FILE_MAX, &text, &len)
                : mm_file_read(path, MM_ANSWERS_FILE_MAX, &text, &len);
    if (r == 0)
        r = mm_answers_parse(spec, text, len, flags & ~MM_ANSWERS_REGULAR, answers, issues);
    free(text);
    return r;
}

int mm_answers_format_ids(uint64_t mask, struct mm_buf *out)
{
    int r = 0;
    const char *sep = "";
    for (int i = 0; i < MM_ANSWERS_MAX_ITEMS && r == 0; i++) {
        if (mask & (UINT64_C(1) << i)) {
            r = mm_buf_printf(out, "%s%d", sep, i + 1);
            sep = ", ";
        }
    }
    return r;
}

/* One line: prefix, then the message key with its facts filled in. */
static int format_line(struct mm_buf *out, const char *prefix, const char *key, enum mm_lang lang,
                       const struct mm_fill_var *vars, size_t n)
{
    int r = mm_buf_puts(out, prefix);
    if (r == 0)
        r = mm_fill(out, MM_FILL_MAX, mm_tr("answers", key, lang), vars, n, 0);
    return r == 0 ? mm_buf_putc(out, '\n') : r;
}

static int format_mask(struct mm_buf *out, const char *prefix, const char *key, enum mm_lang lang,
                       uint64_t mask)
{
    if (!mask)
        return 0;
    struct mm_buf ids = MM_BUF_INIT;
    char one_key[64];
    bool single = (mask & (mask - 1)) == 0; /* "item 3" rather than "items 3" */
    snprintf(one_key, sizeof one_key, "%s.one", key);
    int r = mm_answers_format_ids(mask, &ids);
    const struct mm_fill_var var = {"items", mm_buf_str(&ids)};
    if (r == 0)
        r = format_line(out, prefix, single ? one_key : key, lang, &var, 1);
    mm_buf_free(&ids);
    return r;
}

static int format_unknown_keys(struct mm_buf *out, const char *prefix, enum mm_lang lang,
                               const struct mm_answers_issues *issues)
{
    if (issues->n_unknown_keys == 0)
        return 0;
    struct mm_buf keys = MM_BUF_INIT;
    int r = 0;
    bool one = issues->n_unknown_keys == 1;
    for (size_t i = 0; i < issues->n_unknown_keys && i < MM_ANSWERS_SHOWN_KEYS && r == 0; i++) {
        r = mm_buf_printf(&keys, "%s\"%s\"", i ? ", " : "", issues->unknown_keys[i]);
        if (r == 0 && !one && (issues->unknown_strings & (1u << i)))
            r = mm_buf_puts(&keys, mm_tr("answers", "error.unknown_items.string_mark", lang));
    }
    if (r == 0 && issues->n_unknown_keys > MM_ANSWERS_SHOWN_KEYS)
        r = mm_buf_puts(&keys, ", ...");
    char n[24];
    snprintf(n, sizeof n, "%zu", issues->n_items);
    const struct mm_fill_var vars[] = {{"keys", mm_buf_str(&keys)}, {"n", n}};
    if (r == 0)
        r = format_line(out, prefix,
                        !one                           ? "error.unknown_items"
                        : issues->unknown_strings & 1u ? "error.unknown_items.string"
                                                       : "error.unknown_items.one",
                        lang, vars, 2);
    mm_buf_free(&keys);
    return r;
}

/* The one line of a file that is not JSON, or not answers. */
static int format_bad_json(const struct mm_answers_issues *issues, const char *prefix,
                           const char *step, enum mm_lang lang, struct mm_buf *out)
{
    struct mm_buf why = MM_BUF_INIT;
    const struct mm_json_why *w = &issues->json;
    bool at = issues->json_line > 0 && !issues->empty;
    const char *key = issues->empty           ? "error.empty"
                      : w->not_utf8           ? "error.not_utf8"
                      : issues->duplicate_key ? "error.duplicate_key"
                      : at                    ? "error.bad_json"
                                              : "error.no_answers_object";
    int r = mm_buf_puts(out, prefix);
    if (r == 0 && at)
        r = mm_json_why_at(w, lang, out);
    if (r == 0 && at)
        r = mm_buf_puts(out, ": ");
    if (r == 0)
        r = mm_json_why_reason(w, lang, &why);
    if (w->not_utf8)
        step = mm_json_why_utf8_step(lang);
    else if (!step)
        step = mm_tr("answers", "step.answers", lang);
    const struct mm_fill_var vars[] = {{"why", mm_buf_str(&why)}, {"step", step}};
    if (r == 0)
        r = mm_fill(out, MM_FILL_MAX, mm_tr("answers", key, lang), vars, 2, 0);
    mm_buf_free(&why);
    return r == 0 ? mm_buf_putc(out, '\n') : r;
}

int mm_answers_issues_format(const struct mm_answers_issues *issues, const char *prefix,
                             enum mm_lang lang, struct mm_buf *out)
{
    return mm_answers_issues_format_step(issues, prefix, NULL, lang, out);
}

int mm_answers_issues_format_step(const struct mm_answers_issues *issues, const char *prefix,
                                  const char *step, enum mm_lang lang, struct mm_buf *out)
{
    int r = 0;
    if (issues->bad_json)
        return format_bad_json(issues, prefix, step, lang, out);
    if (issues->too_many_keys)
        return format_line(out, prefix, "error.too_many_keys", lang, NULL, 0);
    if ((r = format_mask(out, prefix, "error.missing", lang, issues->missing)) != 0)
        goto out;
    if ((r = format_mask(out, prefix, "error.invalid", lang, issues->invalid)) != 0)
        goto out;
    if ((r = format_mask(out, prefix, "error.na_refused", lang, issues->na_refused)) != 0)
        goto out;
    if ((r = format_mask(out, prefix, "error.repeated", lang, issues->repeated)) != 0)
        goto out;
    r = format_unknown_keys(out, prefix, lang, issues);
out:
    return r;
}

json_t *mm_answers_to_json(const enum mm_answer *answers, size_t n_items)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < n_items; i++) {
        const char *name = mm_answer_name(answers[i]);
        char key[24];
        if (!name)
            continue;
        snprintf(key, sizeof key, "%zu", i + 1);
        if (json_object_set_new(obj, key, json_string(name)) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}
