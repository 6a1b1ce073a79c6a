/* SPDX-License-Identifier: Apache-2.0
 * Owns the outputs of the risk analysis other than HTML (CSV, JSON, text,
 * the example inventory) and the error messages, all in the reader's
 * language. Texts come from data/i18n/risk.json; column names from
 * data/risk/columns.json. The HTML report is in risk-html.c. */
#include "assess/risk-report.h"
#include "assess/risk.h"
#include "core/data.h"
#include "core/error.h"
#include "core/str.h"
#include "core/timefmt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared helpers (risk-report.h) ---- */

static json_t *columns_spec;
static pthread_once_t columns_once = PTHREAD_ONCE_INIT;

static void load_columns_spec(void)
{
    if (mm_data_json("risk/columns.json", &columns_spec) != 0)
        columns_spec = NULL;
}

/* The "columns" or "computed" entry with this id, or NULL. */
static const json_t *column_def(const char *list, const char *id)
{
    pthread_once(&columns_once, load_columns_spec);
    size_t i;
    json_t *def;
    json_array_foreach(json_object_get(columns_spec, list), i, def)
    {
        if (strcmp(json_string_value(json_object_get(def, "id")) ?: "", id) == 0)
            return def;
    }
    return NULL;
}

const char *mm_risk_col_name(enum mm_risk_col col, enum mm_lang lang)
{
    const json_t *def = column_def("columns", mm_risk_col_id(col));
    const char *s = def ? mm_text(json_object_get(def, "name"), lang) : "";
    return *s ? s : mm_risk_col_id(col);
}

const char *mm__risk_computed_name(const char *id, enum mm_lang lang)
{
    const json_t *def = column_def("computed", id);
    const char *s = def ? mm_text(json_object_get(def, "name"), lang) : "";
    return *s ? s : id;
}

const char *mm__risk_label(const char *id, enum mm_lang lang)
{
    const json_t *def = column_def("columns", id);
    if (!def)
        def = column_def("computed", id);
    const char *s = def ? mm_text(json_object_get(def, "label"), lang) : "";
    return *s ? s : id;
}

const char *mm__risk_level_text(enum mm_risk_level level, enum mm_lang lang)
{
    char key[32];
    snprintf(key, sizeof key, "level.%s", mm_risk_level_code(level));
    return mm_tr("risk", key, lang);
}

const char *mm__risk_decision_text(bool treat, enum mm_lang lang)
{
    return mm_tr("risk", treat ? "decision.treat" : "decision.accept", lang);
}

/* ---- CSV ---- */

static const char *const computed_ids[] = {"importance", "likelihood", "risk", "level", "decision"};
#define NCOMPUTED (sizeof computed_ids / sizeof computed_ids[0])

static int csv_header(const struct mm_risk_sheet *s, enum mm_lang lang, struct mm_buf *out)
{
    int r = 0;
    for (int c = 0; r == 0 && c < MM_RISK_NCOLS; c++)
        r = mm_buf_printf(out, "%s,", mm_risk_col_name((enum mm_risk_col)c, lang));
    for (size_t i = 0; r == 0 && i < NCOMPUTED; i++)
        r = mm_buf_printf(out, i + 1 < NCOMPUTED ? "%s," : "%s",
                          mm__risk_computed_name(computed_ids[i], lang));
    for (size_t e = 0; r == 0 && e < s->nextra; e++) {
        r = mm_buf_putc(out, ',');
        if (r == 0)
            r = mm_csv_put_field(out, s->table->records[0].fields[s->extra_field[e]], true);
    }
    return r == 0 ? mm_buf_puts(out, "\r\n") : r;
}

static int csv_row(const struct mm_risk_sheet *s, const struct mm_risk_row *row, enum mm_lang lang,
                   struct mm_buf *out)
{
    int r = 0;
    for (int t = 0; r == 0 && t < MM_RISK_NTEXT; t++) {
        r = mm_csv_put_field(out, row->text[t], true);
        if (r == 0)
            r = mm_buf_putc(out, ',');
    }
    for (int k = 0; r == 0 && k < MM_RISK_NRATINGS; k++)
        r = mm_buf_printf(out, "%d,", row->rating[k]);
    if (r == 0)
        r = mm_buf_printf(out, "%d,%d,%d,%s,%s", row->importance, row->likelihood, row->value,
                          mm__risk_level_text(row->level, lang),
                          mm__risk_decision_text(row->treat, lang));
    for (size_t e = 0; r == 0 && e < s->nextra; e++) {
        size_t f = s->extra_field[e];
        r = mm_buf_putc(out, ',');
        if (r == 0)
            r = mm_csv_put_field(out, f < row->record->nfields ? row->record->fields[f] : "", true);
    }
    return r == 0 ? mm_buf_puts(out, "\r\n") : r;
}

int mm_risk_write_csv(const struct mm_risk_sheet *s, enum mm_lang lang, bool bom,
                      struct mm_buf *out)
{
    int r = bom ? mm_buf_puts(out, "\xef\xbb\xbf") : 0;
    if (r == 0)
        r = csv_header(s, lang, out);
    for (size_t i = 0; r == 0 && i < s->nrows; i++)
        r = csv_row(s, &s->rows[i], lang, out);
    return r;
}

/* ---- JSON ---- */

static json_t *json_extra(const struct mm_risk_sheet *s, const struct mm_risk_row *row)
{
    json_t *extra = json_object();
    for (size_t e = 0; extra && e < s->nextra; e++) {
        size_t f = s->extra_field[e];
        const char *name = s->table->records[0].fields[f];
        if (!json_object_get(extra, name))
            json_object_set_new(
                extra, name, json_string(f < row->record->nfields ? row->record->fields[f] : ""));
    }
    return extra;
}

static json_t *json_row(const struct mm_risk_sheet *s, const struct mm_risk_row *row, size_t rank)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "rank", json_integer((json_int_t)rank));
    json_object_set_new(o, "line", json_integer((json_int_t)row->line));
    for (int c = 0; c < MM_RISK_NCOLS; c++) {
        const char *id = mm_risk_col_id((enum mm_risk_col)c);
        json_object_set_new(o, id,
                            c < MM_RISK_NTEXT ? json_string(row->text[c])
                                              : json_integer(row->rating[c - MM_RISK_NTEXT]));
    }
    json_object_set_new(o, "importance", json_integer(row->importance));
    json_object_set_new(o, "likelihood", json_integer(row->likelihood));
    json_object_set_new(o, "risk", json_integer(row->value));
    json_object_set_new(o, "level", json_string(mm_risk_level_code(row->level)));
    json_object_set_new(o, "decision", json_string(row->treat ? "treat" : "accept"));
    json_object_set_new(o, "extra", json_extra(s, row));
    return o;
}

static json_t *json_summary(const struct mm_risk_sheet *s)
{
    struct mm_risk_counts n;
    mm_risk_count(s, &n);
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "assets", (json_int_t)s->nrows, "high",
                     (json_int_t)n.high, "medium", (json_int_t)n.medium, "low", (json_int_t)n.low,
                     "treat", (json_int_t)n.treat, "accept", (json_int_t)n.accept);
}

int mm_risk_write_json(const struct mm_risk_sheet *s, enum mm_lang lang, struct mm_buf *out)
{
    char today[11];
    mm_time_today(today);
    json_t *assets = json_array();
    json_t *doc = json_pack("{s:s,s:s,s:s,s:i,s:o}", "lang", mm_lang_code(lang), "date", today,
                            "encoding", mm_csv_encoding_name(s->table->encoding), "accept_below",
                            s->accept_below, "summary", json_summary(s));
    int r = MM_ENOMEM;
    if (!doc || !assets)
        goto out;
    for (size_t i = 0; i < s->nrows; i++)
        if (json_array_append_new(assets, json_row(s, &s->rows[i], i + 1)) != 0)
            goto out;
    json_object_set(doc, "assets", assets);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        goto out;
    r = mm_buf_puts(out, text);
    if (r == 0)
        r = mm_buf_putc(out, '\n');
    free(text);
out:
    json_decref(assets);
    json_decref(doc);
    return r;
}

/* ---- text ---- */

/* Display columns of UTF-8 text: wide (2) from U+1100 on, else 1. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xc0) == 0x80)
            continue;
        w += *p >= 0xe1 ? 2 : 1;
    }
    return w;
}

/* Appends s then spaces up to width display columns. */
static int put_padded(struct mm_buf *out, const char *s, size_t width)
{
    int r = mm_buf_puts(out, s);
    for (size_t w = display_width(s); r == 0 && w < width; w++)
        r = mm_buf_putc(out, ' ');
    return r;
}

/* Appends s with line breaks, tabs and every other control character
 * turned into spaces: a cell holding ESC must not drive the terminal the
 * text report is shown on. C1 controls too (U+009B is CSI on some
 * terminals) and the bidi controls (U+202A-U+202E, U+2066-U+2069: they
 * reorder what follows on the line), one space each (mm_text_control_len). */
static int put_one_line(struct mm_buf *out, const char *s)
{
    int r = 0;
    while (r == 0 && *s) {
        size_t n = mm_text_control_len(s);
        r = mm_buf_putc(out, n ? ' ' : *s);
        s += n ? n : 1;
    }
    return r;
}

static int text_summary(const struct mm_risk_sheet *s, enum mm_lang lang, struct mm_buf *out)
{
    struct mm_risk_counts n;
    char v[7][24];
    mm_risk_count(s, &n);
    size_t nums[] = {s->nrows, n.high, n.medium, n.low, n.treat, n.accept};
    for (size_t i = 0; i < 6; i++)
        snprintf(v[i], sizeof v[i], "%zu", nums[i]);
    snprintf(v[6], sizeof v[6], "%d", s->accept_below);
    const struct mm_fill_var vars[] = {{"assets", v[0]}, {"high", v[1]},  {"medium", v[2]},
                                       {"low", v[3]},    {"treat", v[4]}, {"accept", v[5]},
                                       {"n", v[6]}};
    int r = mm_buf_printf(out, "%s\n", mm_tr("risk", "text.title", lang));
    if (r == 0)
        r = mm_fill(out, MM_FILL_MAX, mm_tr("risk", "text.summary", lang), vars, 7, 0);
    if (r == 0)
        r = mm_buf_putc(out, '\n');
    if (r == 0)
        r = mm_fill(out, MM_FILL_MAX, mm_tr("risk", "text.threshold", lang), vars, 7, 0);
    return r == 0 ? mm_buf_puts(out, "\n\n") : r;
}

int mm_risk_write_text(const struct mm_risk_sheet *s, enum mm_lang lang, struct mm_buf *out)
{
    const char *heads[] = {"text.head.risk", "text.head.level", "text.head.decision"};
    size_t widths[3];
    for (size_t i = 0; i < 3; i++)
        widths[i] = display_width(mm_tr("risk", heads[i], lang)) + 2;
    for (size_t i = 0; i < s->nrows; i++) {
        size_t w1 = display_width(mm__risk_level_text(s->rows[i].level, lang)) + 2;
        size_t w2 = display_width(mm__risk_decision_text(s->rows[i].treat, lang)) + 2;
        widths[1] = w1 > widths[1] ? w1 : widths[1];
        widths[2] = w2 > widths[2] ? w2 : widths[2];
    }
    int r = text_summary(s, lang, out);
    for (size_t i = 0; r == 0 && i < 3; i++)
        r = put_padded(out, mm_tr("risk", heads[i], lang), widths[i]);
    if (r == 0)
        r = mm_buf_printf(out, "%s\n", mm_tr("risk", "text.head.asset", lang));
    for (size_t i = 0; r == 0 && i < s->nrows; i++) {
        const struct mm_risk_row *row = &s->rows[i];
        char value[8];
        snprintf(value, sizeof value, "%d", row->value);
        r = put_padded(out, value, widths[0]);
        if (r == 0)
            r = put_padded(out, mm__risk_level_text(row->level, lang), widths[1]);
        if (r == 0)
            r = put_padded(out, mm__risk_decision_text(row->treat, lang), widths[2]);
        if (r == 0)
            r = put_one_line(out, row->text[MM_RISK_COL_ASSET]);
        if (r == 0)
            r = mm_buf_putc(out, '\n');
    }
    /* what the numbers mean and what to do with them (the HTML report says
     * both at length) */
    if (r == 0)
        r = mm_buf_printf(out, "\n%s\n\n%s\n", mm_tr("risk", "text.method", lang),
                          mm_tr("risk", "text.next", lang));
    return r;
}

/* ---- template ---- */

int mm_risk_write_template(enum mm_lang lang, bool bom, struct mm_buf *out)
{
    char path[64];
    const unsigned char *bytes;
    size_t len;
    snprintf(path, sizeof path, "risk/template.%s.csv", mm_lang_code(lang));
    int r = mm_data_find(path, &bytes, &len);
    if (r != 0)
        return r;
    if (bom)
        r = mm_buf_puts(out, "\xef\xbb\xbf");
    for (size_t i = 0; r == 0 && i < len; i++) {
        if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r'))
            r = mm_buf_putc(out, '\r');
        if (r == 0)
            r = mm_buf_putc(out, (char)bytes[i]);
    }
    return r;
}

/* ---- error messages ---- */

/* Each message is a reason ("error.*", no closing full stop) and, for most,
 * a next step ("step.*", a full sentence). One error says both on one line;
 * several are listed by their reasons, then each distinct step once (in its
 * list form when it has one: the heading problems). */
struct message_keys {
    const char *reason, *step, *list_step;
};

static const struct message_keys csv_messages[] = {
    [MM_CSV_ERR_NONE] = {.reason = "error.csv.unreadable", .step = NULL},
    [MM_CSV_ERR_NOMEM] = {.reason = "error.csv.nomem", .step = NULL},
    [MM_CSV_ERR_IO] = {.reason = "error.csv.unreadable", .step = NULL},
    [MM_CSV_ERR_EMPTY] = {.reason = "error.csv.empty", .step = "step.csv.empty"},
    [MM_CSV_ERR_TOOBIG] = {.reason = "error.csv.toobig", .step = "step.csv.toobig"},
    [MM_CSV_ERR_UTF16] = {.reason = "error.csv.utf16", .step = "step.csv.utf16"},
    [MM_CSV_ERR_RECORDS] = {.reason = "error.csv.records", .step = "step.csv.records"},
    [MM_CSV_ERR_FIELDS] = {.reason = "error.csv.fields", .step = "step.csv.fields"},
    [MM_CSV_ERR_CELLS] = {.reason = "error.csv.cells", .step = "step.csv.cells"},
    [MM_CSV_ERR_FIELD_SIZE] = {.reason = "error.csv.field_size", .step = "step.csv.field_size"},
    [MM_CSV_ERR_QUOTE] = {.reason = "error.csv.quote", .step = "step.csv.quote"},
    [MM_CSV_ERR_UNTERMINATED] = {.reason = "error.csv.unterminated",
                                 .step = "step.csv.unterminated"},
    [MM_CSV_ERR_ENCODING] = {.reason = "error.csv.encoding.utf-8",
                             .step = "step.csv.encoding.utf-8"},
    [MM_CSV_ERR_NUL] = {.reason = "error.csv.nul", .step = "step.csv.nul"},
};

static const struct message_keys risk_messages[] = {
    [MM_RISK_ERR_NONE] = {.reason = "error.csv.unreadable", .step = NULL},
    [MM_RISK_ERR_CSV] = {.reason = "error.csv.unreadable", .step = NULL},
    [MM_RISK_ERR_NO_ROWS] = {.reason = "error.risk.no_rows", .step = "step.risk.no_rows"},
    [MM_RISK_ERR_MISSING_COLUMN] = {.reason = "error.risk.missing_column",
                                    .step = "step.risk.missing_column",
                                    .list_step = "step.risk.missing_columns"},
    [MM_RISK_ERR_DUPLICATE_COLUMN] = {.reason = "error.risk.duplicate_column",
                                      .step = "step.risk.duplicate_column",
                                      .list_step = "step.risk.duplicate_columns"},
    [MM_RISK_ERR_SHORT_ROW] = {.reason = "error.risk.short_row", .step = "step.risk.short_row"},
    [MM_RISK_ERR_EXTRA_FIELD] = {.reason = "error.risk.extra_field",
                                 .step = "step.risk.extra_field"},
    [MM_RISK_ERR_EMPTY_ASSET] = {.reason = "error.risk.empty_asset",
                                 .step = "step.risk.empty_asset"},
    [MM_RISK_ERR_RATING_EMPTY] = {.reason = "error.risk.rating_empty", .step = "step.risk.rating"},
    [MM_RISK_ERR_RATING_NAN] = {.reason = "error.risk.rating_nan", .step = "step.risk.rating"},
    [MM_RISK_ERR_RATING_RANGE] = {.reason = "error.risk.rating_range", .step = "step.risk.rating"},
    [MM_RISK_ERR_ACCEPT_BELOW] = {.reason = "error.risk.accept_below", .step = NULL},
    [MM_RISK_ERR_NO_HEADINGS] = {.reason = "error.risk.no_headings",
                                 .step = "step.risk.no_headings"},
};

/* A heading row with some of the nine columns, too few (MM_RISK_MIN_HEADINGS). */
static const struct message_keys few_headings_messages = {.reason = "error.risk.few_headings",
                                                          .step = "step.risk.no_headings"};

static const struct message_keys encoding_messages[] = {
    {"error.csv.encoding.mixed", "step.csv.encoding.mixed", NULL},
    {"error.csv.encoding.auto", "step.csv.encoding.auto", NULL},
    {"error.csv.encoding.cp932", "step.csv.encoding.cp932", NULL},
    {"error.csv.encoding.utf-8", "step.csv.encoding.utf-8", NULL},
};

static const struct message_keys *message_keys(const struct mm_risk_error *e)
{
    static const size_t ncsv = sizeof csv_messages / sizeof csv_messages[0];
    static const size_t nrisk = sizeof risk_messages / sizeof risk_messages[0];
    if (e->kind == MM_RISK_ERR_NO_HEADINGS && e->nfound > 0)
        return &few_headings_messages;
    if (e->kind != MM_RISK_ERR_CSV)
        return &risk_messages[(size_t)e->kind < nrisk ? e->kind : MM_RISK_ERR_NONE];
    if (e->csv.kind == MM_CSV_ERR_ENCODING)
        return &encoding_messages[e->csv.mixed                          ? 0
                                  : e->csv.detected                     ? 1
                                  : e->csv.encoding == MM_CSV_ENC_CP932 ? 2
                                                                        : 3];
    return &csv_messages[(size_t)e->csv.kind < ncsv ? e->csv.kind : MM_CSV_ERR_NONE];
}

/* The accepted headers of a column, joined for a message. */
static int put_aliases(struct mm_buf *out, enum mm_risk_col col, enum mm_lang lang)
{
    const json_t *def = column_def("columns", mm_risk_col_id(col));
    size_t i;
    json_t *a;
    int r = 0;
    json_array_foreach(json_object_get(def, "aliases"), i, a)
    {
        if (r == 0 && i > 0)
            r = mm_buf_puts(out, lang == MM_LANG_JA ? "、" : ", ");
        if (r == 0)
            r = mm_buf_puts(out, json_string_value(a) ?: "");
    }
    return r;
}

/* Every column of e->missing_cols (e->col when none) with its accepted
 * headers: the list of the missing columns' step. */
static int put_missing_aliases(struct mm_buf *out, const struct mm_risk_error *e, enum mm_lang lang)
{
    unsigned cols = e->missing_cols ? e->missing_cols : 1u << e->col;
    int r = 0;
    bool first = true;
    for (int c = 0; r == 0 && c < MM_RISK_NCOLS; c++) {
        if (!(cols & 1u << c))
            continue;
        struct mm_buf aliases = MM_BUF_INIT;
        r = first ? 0 : mm_buf_puts(out, lang == MM_LANG_JA ? "。" : "; ");
        if (r == 0)
            r = put_aliases(&aliases, (enum mm_risk_col)c, lang);
        const struct mm_fill_var vars[] = {{"name", mm_risk_col_name((enum mm_risk_col)c, lang)},
                                           {"aliases", mm_buf_str(&aliases)}};
        if (r == 0)
            r = mm_fill(out, MM_FILL_MAX, mm_tr("risk", "step.risk.missing_columns.item", lang),
                        vars, 2, 0);
        mm_buf_free(&aliases);
        first = false;
    }
    return r;
}

/* The nine columns' headings in lang, joined: what the first line of a
 * sheet with none of them must hold. */
static int put_column_names(struct mm_buf *out, enum mm_lang lang)
{
    int r = 0;
    for (int c = 0; r == 0 && c < MM_RISK_NCOLS; c++) {
        if (c > 0)
            r = mm_buf_puts(out, lang == MM_LANG_JA ? "、" : ", ");
        if (r == 0)
            r = mm_buf_puts(out, mm_risk_col_name((enum mm_risk_col)c, lang));
    }
    return r;
}

/* The headings a row with too few of them has, each with the column it was
 * taken for: "A, B and C" / 「A、BとC」. */
static int put_found_headings(struct mm_buf *out, const struct mm_risk_error *e, enum mm_lang lang)
{
    size_t n = e->nfound < MM_RISK_MIN_HEADINGS - 1 ? e->nfound : MM_RISK_MIN_HEADINGS - 1;
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        const struct mm_fill_var vars[] = {{"header", e->found[i].header},
                                           {"name", mm_risk_col_name(e->found[i].col, lang)}};
        if (i > 0 && i + 1 < n)
            r = mm_buf_puts(out, lang == MM_LANG_JA ? "、" : ", ");
        else if (i > 0)
            r = mm_buf_puts(out, lang == MM_LANG_JA ? "と" : " and ");
        if (r == 0)
            r = mm_fill(out, MM_FILL_MAX, mm_tr("risk", "error.risk.few_headings.item", lang), vars,
                        2, 0);
    }
    return r;
}

static int put_location(const struct mm_risk_error *e, enum mm_lang lang, struct mm_buf *out)
{
    char line[24], column[24];
    snprintf(line, sizeof line, "%zu", e->line);
    snprintf(column, sizeof column, "%zu", e->column);
    const struct mm_fill_var vars[] = {{"line", line}, {"column", column}, {"header", e->header}};
    /* a duplicate's reason names both of its columns */
    bool line_only = e->column == 0 || e->kind == MM_RISK_ERR_DUPLICATE_COLUMN;
    const char *key = line_only      ? "error.at.line"
                      : e->header[0] ? "error.at.field"
                                     : "error.at.field_noheader";
    if (e->line == 0)
        return 0;
    int r = mm_fill(out, MM_FILL_MAX, mm_tr("risk", key, lang), vars, 3, 0);
    return r == 0 ? mm_buf_puts(out, lang == MM_LANG_JA ? ": " : ": ") : r;
}

/* Fills key (a reason or a step) with e's facts. */
static int fill_message(const struct mm_risk_error *e, const char *key, enum mm_lang lang,
                        struct mm_buf *out)
{
    struct mm_buf aliases = MM_BUF_INIT, found = MM_BUF_INIT;
    char other[24], max[24], column[24];
    size_t limit = e->csv.kind == MM_CSV_ERR_FIELDS ? MM_RISK_MAX_COLUMNS : e->limit;
    snprintf(other, sizeof other, "%zu", e->other_column);
    snprintf(max, sizeof max, "%zu", limit);
    snprintf(column, sizeof column, "%zu", e->column);
    int r = 0;
    if (e->kind == MM_RISK_ERR_NO_HEADINGS)
        r = put_column_names(&aliases, lang);
    if (r == 0 && e->kind == MM_RISK_ERR_NO_HEADINGS)
        r = put_found_headings(&found, e, lang);
    if (e->kind == MM_RISK_ERR_MISSING_COLUMN)
        r = strcmp(key, "step.risk.missing_columns") == 0 ? put_missing_aliases(&aliases, e, lang)
                                                          : put_aliases(&aliases, e->col, lang);
    const char *name = e->kind == MM_RISK_ERR_CSV || e->kind == MM_RISK_ERR_NO_ROWS ||
                               e->kind == MM_RISK_ERR_ACCEPT_BELOW ||
                               e->kind == MM_RISK_ERR_NO_HEADINGS
                           ? ""
                           : mm_risk_col_name(e->col, lang);
    const struct mm_fill_var vars[] = {{"name", name},
                                       {"value", e->value},
                                       {"other", other},
                                       {"max", max},
                                       {"aliases", mm_buf_str(&aliases)},
                                       {"found", mm_buf_str(&found)},
                                       {"header", e->header},
                                       {"other_header", e->other_header},
                                       {"column", column}};
    if (r == 0)
        r = mm_fill(out, MM_FILL_MAX, mm_tr("risk", key, lang), vars, 9, 0);
    mm_buf_free(&aliases);
    mm_buf_free(&found);
    return r;
}

/* Where and what: the location, then the reason without its full stop. */
static int put_reason(const struct mm_risk_error *e, enum mm_lang lang, struct mm_buf *out)
{
    int r = put_location(e, lang, out);
    return r == 0 ? fill_message(e, message_keys(e)->reason, lang, out) : r;
}

int mm_risk_error_reason(const struct mm_risk_error *e, enum mm_lang lang, struct mm_buf *out)
{
    int r = put_reason(e, lang, out);
    return r == 0 ? mm_buf_puts(out, lang == MM_LANG_JA ? "。" : ".") : r;
}

const char *mm_risk_error_step_id(const struct mm_risk_error *e)
{
    return message_keys(e)->step;
}

int mm_risk_error_step(const struct mm_risk_error *e, enum mm_lang lang, struct mm_buf *out)
{
    const struct message_keys *k = message_keys(e);
    const char *key = k->list_step ? k->list_step : k->step;
    return key ? fill_message(e, key, lang, out) : 0;
}

/* The step of e alone, said on the line of its reason. */
static int put_single_step(const struct mm_risk_error *e, enum mm_lang lang, struct mm_buf *out)
{
    const char *key = message_keys(e)->step;
    return key ? fill_message(e, key, lang, out) : 0;
}

int mm_risk_error_message(const struct mm_risk_error *e, enum mm_lang lang, struct mm_buf *out)
{
    if (!message_keys(e)->step)
        return mm_risk_error_reason(e, lang, out);
    int r = put_reason(e, lang, out);
    if (r == 0)
        r = mm_buf_puts(out, lang == MM_LANG_JA ? "。" : "; ");
    return r == 0 ? put_single_step(e, lang, out) : r;
}
