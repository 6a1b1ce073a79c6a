/* SPDX-License-Identifier: Apache-2.0
 * Owns the risk arithmetic (importance, likelihood table, value, level) and
 * the reading of an asset inventory into a sorted risk sheet: columns found
 * by header name (aliases in data/risk/columns.json), every cell checked,
 * every problem reported with its line and column (every heading problem
 * too: each duplicate and each missing column). */
#include "assess/risk.h"
#include "core/data.h"
#include "core/error.h"
#include "core/str.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the method ---- */

static bool rating_ok(int v)
{
    return v >= 1 && v <= 3;
}

int mm_risk_importance(int c, int i, int a)
{
    if (!rating_ok(c) || !rating_ok(i) || !rating_ok(a))
        return 0;
    int m = c > i ? c : i;
    return m > a ? m : a;
}

int mm_risk_likelihood(int threat, int vulnerability)
{
    /* rows: threat 1-3; columns: vulnerability 1-3 */
    static const int table[3][3] = {
        {1, 1, 1}, /* threat 1 */
        {1, 1, 2}, /* threat 2 */
        {1, 2, 3}, /* threat 3 */
    };
    if (!rating_ok(threat) || !rating_ok(vulnerability))
        return 0;
    return table[threat - 1][vulnerability - 1];
}

int mm_risk_value(int importance, int likelihood)
{
    if (!rating_ok(importance) || !rating_ok(likelihood))
        return 0;
    return importance * likelihood;
}

enum mm_risk_level mm_risk_level_of(int value)
{
    if (value >= 6 && value <= 9)
        return MM_RISK_HIGH;
    if (value == 4 || value == 5)
        return MM_RISK_MEDIUM;
    if (value >= 1 && value <= 3)
        return MM_RISK_LOW;
    return MM_RISK_INVALID;
}

const char *mm_risk_level_code(enum mm_risk_level level)
{
    switch (level) {
    case MM_RISK_HIGH:
        return "high";
    case MM_RISK_MEDIUM:
        return "medium";
    case MM_RISK_LOW:
        return "low";
    default:
        return "";
    }
}

static const char *const col_ids[MM_RISK_NCOLS] = {
    "asset",     "owner",        "location", "medium",       "confidentiality",
    "integrity", "availability", "threat",   "vulnerability"};

const char *mm_risk_col_id(enum mm_risk_col col)
{
    return col < MM_RISK_NCOLS ? col_ids[col] : "";
}

/* ---- header matching ---- */

#define HEADER_KEY_MAX 256
#define NO_FIELD       ((size_t)-1)

/* Appends the UTF-8 sequence at s to key unless it is noise; returns the
 * number of input bytes consumed. */
static size_t normalise_char(const unsigned char *s, char *key, size_t *k)
{
    static const struct {
        const char *from, *to;
    } map[] = {
        {"\xe3\x80\x80", ""},  /* U+3000 ideographic space */
        {"\xef\xbc\x8f", "/"}, /* U+FF0F fullwidth solidus */
        {"\xe3\x83\xbb", "/"}, /* U+30FB katakana middle dot */
        {"\xef\xbc\x88", "("}, /* U+FF08 fullwidth parenthesis */
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        size_t n = strlen(map[i].from);
        if (strncmp((const char *)s, map[i].from, n) == 0) {
            for (const char *t = map[i].to; *t && *k + 1 < HEADER_KEY_MAX; t++)
                key[(*k)++] = *t;
            return n;
        }
    }
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '_' || *s == '-')
        return 1;
    if (*k + 1 < HEADER_KEY_MAX)
        key[(*k)++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
    return 1;
}

/* The comparison key of a header: see data/risk/columns.json "_comment". */
static void header_key(const char *header, char key[HEADER_KEY_MAX])
{
    size_t k = 0;
    for (const unsigned char *s = (const unsigned char *)header; *s;)
        s += normalise_char(s, key, &k);
    key[k] = '\0';
    char *paren = strchr(key, '(');
    if (paren && paren != key)
        *paren = '\0';
}

/* True when header matches one of the aliases (a JSON array of strings). */
static bool matches_alias(const char *key, const json_t *aliases)
{
    size_t i;
    json_t *a;
    json_array_foreach(aliases, i, a)
    {
        char akey[HEADER_KEY_MAX];
        header_key(json_string_value(a) ? json_string_value(a) : "", akey);
        if (akey[0] && strcmp(key, akey) == 0)
            return true;
    }
    return false;
}

/* Finds the column id a header names: index in "columns", or -1; *computed
 * set when it names one of the computed columns instead. */
static int column_of_header(const json_t *spec, const char *header, bool *computed)
{
    char key[HEADER_KEY_MAX];
    header_key(header, key);
    *computed = false;
    if (!key[0])
        return -1;
    for (int c = 0; c < MM_RISK_NCOLS; c++) {
        const json_t *def = json_array_get(json_object_get(spec, "columns"), (size_t)c);
        if (matches_alias(key, json_object_get(def, "aliases")))
            return c;
    }
    size_t i;
    json_t *def;
    json_array_foreach(json_object_get(spec, "computed"), i, def)
    {
        if (matches_alias(key, json_object_get(def, "aliases")))
            *computed = true;
    }
    return -1;
}

/* ---- errors ---- */

/* Copies text for a message: control characters (bidi ones too:
 * mm_text_control_len) become spaces, at most 40
 * code points, an ellipsis when shortened. */
static void clean_copy(char *out, size_t outlen, const char *s)
{
    size_t k = 0, points = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && k + 4 < outlen; p++) {
        if ((*p & 0xc0) != 0x80 && ++points > 40) {
            if (k + 4 < outlen) {
                memcpy(out + k, "\xe2\x80\xa6", 3); /* U+2026 */
                k += 3;
            }
            break;
        }
        size_t ctl = mm_text_control_len((const char *)p);
        out[k++] = ctl ? ' ' : (char)*p;
        p += ctl ? ctl - 1 : 0;
    }
    /* never end inside a multi-byte sequence */
    while (k > 0 && !mm_utf8_valid(out, k, NULL))
        k--;
    out[k] = '\0';
}

static const char *field_or_empty(const struct mm_csv_record *rec, size_t i)
{
    return i < rec->nfields ? rec->fields[i] : "";
}

/* The return code of an error of this kind. */
static int error_code(enum mm_risk_errkind kind)
{
    switch (kind) {
    case MM_RISK_ERR_RATING_RANGE:
        return MM_ERANGE;
    case MM_RISK_ERR_ACCEPT_BELOW:
        return MM_EINVAL;
    default:
        return MM_EPARSE;
    }
}

static int set_error(struct mm_risk_error *err, enum mm_risk_errkind kind,
                     const struct mm_csv_record *header, const struct mm_csv_record *rec,
                     size_t field, const char *value)
{
    err->kind = kind;
    err->line = rec ? rec->line : header ? header->line : 0;
    err->column = field == NO_FIELD ? 0 : field + 1;
    if (header && field != NO_FIELD)
        clean_copy(err->header, sizeof err->header, field_or_empty(header, field));
    if (value)
        clean_copy(err->value, sizeof err->value, value);
    return error_code(kind);
}

/* True when one of the n problems of list is of kind. */
static bool has_kind(const struct mm_risk_row_error *list, size_t n, enum mm_risk_errkind kind)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].kind == kind)
            return true;
    return false;
}

/* Where a problem of kind goes in all, counted: the list while there is room, else unlisted
 * when it is the first of its kind; NULL when it is not kept. */
static struct mm_risk_row_error *keep_slot(struct mm_risk_row_errors *all,
                                           enum mm_risk_errkind kind)
{
    all->total++;
    if (all->n < MM_RISK_ERRORS_MAX)
        return &all->list[all->n++];
    if (has_kind(all->list, all->n, kind) || has_kind(all->unlisted, all->nunlisted, kind) ||
        all->nunlisted >= MM_RISK_NKINDS)
        return NULL;
    return &all->unlisted[all->nunlisted++];
}

/* Notes a problem in field `field` of row rec (about column col): the first
 * one becomes err itself; every one is counted in err->rows_all, the first
 * MM_RISK_ERRORS_MAX kept, so one bad cell does not hide the others. */
static void note_problem(struct mm_risk_error *err, enum mm_risk_errkind kind, enum mm_risk_col col,
                         const struct mm_csv_record *h, const struct mm_csv_record *rec,
                         size_t field, const char *value)
{
    if (err->kind == MM_RISK_ERR_NONE) {
        err->col = col;
        set_error(err, kind, h, rec, field, value);
    }
    struct mm_risk_row_error *p = keep_slot(&err->rows_all, kind);
    if (!p)
        return;
    *p = (struct mm_risk_row_error){
        .kind = kind, .line = rec->line, .column = field + 1, .col = col};
    clean_copy(p->header, sizeof p->header, field_or_empty(h, field));
    clean_copy(p->value, sizeof p->value, value ? value : "");
}

/* ---- reading the header ---- */

/* Notes a problem of the heading row h (about column col, in field `field`
 * or in none; a duplicate of field `other`): kept in err->rows_all like a
 * cell problem, so that every duplicate and every missing column is said in
 * one reading. */
static void note_heading(struct mm_risk_error *err, enum mm_risk_errkind kind, enum mm_risk_col col,
                         const struct mm_csv_record *h, size_t field, size_t other)
{
    size_t other_column = other == NO_FIELD ? 0 : other + 1;
    if (err->kind == MM_RISK_ERR_NONE) {
        err->col = col;
        err->other_column = other_column;
        if (other != NO_FIELD)
            clean_copy(err->other_header, sizeof err->other_header, field_or_empty(h, other));
        set_error(err, kind, h, NULL, field, NULL);
    }
    if (kind == MM_RISK_ERR_MISSING_COLUMN)
        err->missing_cols |= 1u << col;
    struct mm_risk_row_error *p = keep_slot(&err->rows_all, kind);
    if (!p)
        return;
    *p = (struct mm_risk_row_error){.kind = kind,
                                    .line = h->line,
                                    .column = field == NO_FIELD ? 0 : field + 1,
                                    .other_column = other_column,
                                    .col = col};
    if (field != NO_FIELD)
        clean_copy(p->header, sizeof p->header, field_or_empty(h, field));
    if (other != NO_FIELD)
        clean_copy(p->other_header, sizeof p->other_header, field_or_empty(h, other));
}

/* The known column in field f of the records, or -1. */
static int column_at(const struct mm_risk_sheet *s, size_t f)
{
    for (int c = 0; c < MM_RISK_NCOLS; c++)
        if (s->col_field[c] == f)
            return c;
    return -1;
}

/* How many of the nine columns the heading row gave. */
static size_t count_columns(const struct mm_risk_sheet *s)
{
    size_t n = 0;
    for (int c = 0; c < MM_RISK_NCOLS; c++)
        n += s->col_field[c] != NO_FIELD;
    return n;
}

/* The heading row h has too few of the nine columns to be an asset list's:
 * one error naming those it has (in err->found), not a list of the missing. */
static int too_few_headings(const struct mm_risk_sheet *s, const struct mm_csv_record *h,
                            struct mm_risk_error *err)
{
    for (size_t f = 0; f < h->nfields && err->nfound < MM_RISK_MIN_HEADINGS - 1; f++) {
        int c = column_at(s, f);
        if (c < 0)
            continue;
        struct mm_risk_heading *p = &err->found[err->nfound++];
        p->col = (enum mm_risk_col)c;
        p->column = f + 1;
        clean_copy(p->header, sizeof p->header, h->fields[f]);
    }
    return set_error(err, MM_RISK_ERR_NO_HEADINGS, h, NULL, NO_FIELD, NULL);
}

/* Maps header fields to columns (the first of each); the rest become extra
 * columns (computed columns from an earlier output and empty headers are
 * dropped). With too few columns that is the one error; else notes every
 * duplicate column, then every missing one. */
static int map_header(struct mm_risk_sheet *s, const json_t *spec, struct mm_risk_error *err)
{
    const struct mm_csv_record *h = &s->table->records[0];
    for (int c = 0; c < MM_RISK_NCOLS; c++)
        s->col_field[c] = NO_FIELD;
    s->extra_field = calloc(h->nfields, sizeof *s->extra_field);
    if (!s->extra_field)
        return MM_ENOMEM;
    bool computed;
    for (size_t f = 0; f < h->nfields; f++) {
        int c = column_of_header(spec, h->fields[f], &computed);
        if (c < 0 && !computed && h->fields[f][0])
            s->extra_field[s->nextra++] = f;
        else if (c >= 0 && s->col_field[c] == NO_FIELD)
            s->col_field[c] = f;
    }
    if (count_columns(s) < MM_RISK_MIN_HEADINGS)
        return too_few_headings(s, h, err);
    for (size_t f = 0; f < h->nfields; f++) {
        int c = column_of_header(spec, h->fields[f], &computed);
        if (c >= 0 && s->col_field[c] != f)
            note_heading(err, MM_RISK_ERR_DUPLICATE_COLUMN, (enum mm_risk_col)c, h, f,
                         s->col_field[c]);
    }
    for (int c = 0; c < MM_RISK_NCOLS; c++)
        if (s->col_field[c] == NO_FIELD)
            note_heading(err, MM_RISK_ERR_MISSING_COLUMN, (enum mm_risk_col)c, h, NO_FIELD,
                         NO_FIELD);
    return err->rows_all.total > 0 ? error_code(err->kind) : 0;
}

/* ---- reading the rows ---- */

static bool is_ideographic_space(const char *s)
{
    return strncmp(s, "\xe3\x80\x80", 3) == 0;
}

static bool is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The part of s without ASCII white space and U+3000 at either end. */
static const char *trim_span(const char *s, size_t *n)
{
    while (is_ascii_space(*s) || is_ideographic_space(s))
        s += is_ideographic_space(s) ? 3 : 1;
    size_t len = strlen(s);
    for (;;) {
        if (len > 0 && is_ascii_space(s[len - 1]))
            len--;
        else if (len >= 3 && is_ideographic_space(s + len - 3))
            len -= 3;
        else
            break;
    }
    *n = len;
    return s;
}

static bool cell_is_blank(const char *cell)
{
    size_t n;
    trim_span(cell, &n);
    return n == 0;
}

/* The rating a word names: 低/中/高 or low/medium/high (any case) as
 * 1/2/3, the level names the report itself uses; 0 for none. */
static int rating_word(const char *p, size_t n)
{
    static const struct {
        const char *word;
        int value;
    } words[] = {{"低", 1}, {"中", 2}, {"高", 3}, {"low", 1}, {"medium", 2}, {"high", 3}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i].word) == n && strncasecmp(p, words[i].word, n) == 0)
            return words[i].value;
    return 0;
}

/* Parses a rating: "1"-"3", the fullwidth "１"-"３", or a word
 * (rating_word). Returns the kind of problem, MM_RISK_ERR_NONE with *v
 * set when fine. */
static enum mm_risk_errkind parse_rating(const char *cell, int *v)
{
    size_t n;
    const char *p = trim_span(cell, &n), *end = p + n;
    if (n == 0)
        return MM_RISK_ERR_RATING_EMPTY;
    if ((*v = rating_word(p, n)) != 0)
        return MM_RISK_ERR_NONE;
    /* digits: ASCII or fullwidth (EF BC 90-99), an optional leading sign */
    long value = 0;
    size_t digits = 0;
    bool negative = false;
    if (*p == '-' || *p == '+')
        negative = *p++ == '-';
    while (p < end) {
        int d;
        if (*p >= '0' && *p <= '9') {
            d = *p - '0';
            p++;
        } else if (end - p >= 3 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbc &&
                   (unsigned char)p[2] >= 0x90 && (unsigned char)p[2] <= 0x99) {
            d = (unsigned char)p[2] - 0x90;
            p += 3;
        } else {
            return MM_RISK_ERR_RATING_NAN;
        }
        if (value < 1000)
            value = value * 10 + d;
        digits++;
    }
    if (digits == 0)
        return MM_RISK_ERR_RATING_NAN;
    if (negative || value < 1 || value > 3)
        return MM_RISK_ERR_RATING_RANGE;
    *v = (int)value;
    return MM_RISK_ERR_NONE;
}

static bool record_is_blank(const struct mm_csv_record *rec)
{
    for (size_t f = 0; f < rec->nfields; f++)
        if (!cell_is_blank(rec->fields[f]))
            return false;
    return true;
}

/* Checks fields past the header: allowed only when empty. */
static bool check_extra_fields(const struct mm_csv_record *h, const struct mm_csv_record *rec,
                               struct mm_risk_error *err)
{
    bool ok = true;
    for (size_t f = h->nfields; f < rec->nfields; f++) {
        if (!cell_is_blank(rec->fields[f])) {
            note_problem(err, MM_RISK_ERR_EXTRA_FIELD, MM_RISK_COL_ASSET, h, rec, f,
                         rec->fields[f]);
            ok = false;
        }
    }
    return ok;
}

/* Reads the cell of column c into row; notes its problem and returns false
 * when it has one. */
static bool read_cell(const struct mm_risk_sheet *s, const struct mm_csv_record *rec,
                      enum mm_risk_col c, struct mm_risk_row *row, struct mm_risk_error *err)
{
    const struct mm_csv_record *h = &s->table->records[0];
    size_t f = s->col_field[c];
    enum mm_risk_errkind kind = MM_RISK_ERR_NONE;
    if (c < MM_RISK_NTEXT) {
        row->text[c] = rec->fields[f];
        if (c == MM_RISK_COL_ASSET && cell_is_blank(rec->fields[f]))
            kind = MM_RISK_ERR_EMPTY_ASSET;
    } else {
        kind = parse_rating(rec->fields[f], &row->rating[c - MM_RISK_NTEXT]);
    }
    if (kind == MM_RISK_ERR_NONE)
        return true;
    note_problem(err, kind, c, h, rec, f, kind == MM_RISK_ERR_EMPTY_ASSET ? NULL : rec->fields[f]);
    return false;
}

/* Fills row from rec, checking every known column from left to right and
 * noting every problem (a short row once, at its first missing column).
 * Returns whether the row is fine. */
static bool read_row(const struct mm_risk_sheet *s, const struct mm_csv_record *rec,
                     struct mm_risk_row *row, struct mm_risk_error *err)
{
    const struct mm_csv_record *h = &s->table->records[0];
    bool ok = true;
    for (size_t f = 0; f < h->nfields; f++) {
        int c = column_at(s, f);
        if (c < 0)
            continue;
        if (f >= rec->nfields) {
            note_problem(err, MM_RISK_ERR_SHORT_ROW, (enum mm_risk_col)c, h, rec, f, NULL);
            return false;
        }
        ok = read_cell(s, rec, (enum mm_risk_col)c, row, err) && ok;
    }
    ok = check_extra_fields(h, rec, err) && ok;
    row->line = rec->line;
    row->record = rec;
    return ok;
}

static void compute_row(struct mm_risk_row *row, int accept_below)
{
    const int *v = row->rating;
    row->importance = mm_risk_importance(v[0], v[1], v[2]);
    row->likelihood = mm_risk_likelihood(v[3], v[4]);
    row->value = mm_risk_value(row->importance, row->likelihood);
    row->level = mm_risk_level_of(row->value);
    row->treat = row->value >= accept_below;
}

/* Highest risk first; equal risks keep their input order (a stable sort). */
static int compare_rows(const void *a, const void *b)
{
    const struct mm_risk_row *x = a, *y = b;
    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int read_rows(struct mm_risk_sheet *s, struct mm_risk_error *err)
{
    const struct mm_csv_table *t = s->table;
    s->rows = calloc(t->nrecords, sizeof *s->rows);
    if (!s->rows)
        return MM_ENOMEM;
    for (size_t i = 1; i < t->nrecords; i++) {
        const struct mm_csv_record *rec = &t->records[i];
        if (record_is_blank(rec))
            continue;
        struct mm_risk_row *row = &s->rows[s->nrows];
        if (!read_row(s, rec, row, err))
            continue; /* noted; the next rows are checked too */
        row->order = s->nrows++;
        compute_row(row, s->accept_below);
    }
    if (err->rows_all.total > 0)
        return error_code(err->kind);
    if (s->nrows == 0)
        return set_error(err, MM_RISK_ERR_NO_ROWS, &t->records[0], NULL, NO_FIELD, NULL);
    qsort(s->rows, s->nrows, sizeof *s->rows, compare_rows);
    return 0;
}

/* ---- entry points ---- */

static void csv_options_for(const struct mm_risk_options *o, struct mm_csv_options *c)
{
    *c = (struct mm_csv_options){
        .encoding = o->encoding,
        .max_bytes = o->max_bytes ? o->max_bytes : MM_RISK_DEFAULT_MAX_BYTES,
        .max_records = (o->max_rows ? o->max_rows : MM_RISK_DEFAULT_MAX_ROWS) + 1,
        .max_fields = MM_RISK_MAX_COLUMNS,
    };
}

static int check_options(const struct mm_risk_options *o, int *accept_below,
                         struct mm_risk_error *err)
{
    *accept_below = o->accept_below ? o->accept_below : MM_RISK_DEFAULT_ACCEPT_BELOW;
    if (*accept_below < MM_RISK_ACCEPT_BELOW_MIN || *accept_below > MM_RISK_ACCEPT_BELOW_MAX)
        return set_error(err, MM_RISK_ERR_ACCEPT_BELOW, NULL, NULL, NO_FIELD, NULL);
    return 0;
}

/* Builds the sheet from a table it takes over (even on failure). */
static int build_sheet(struct mm_csv_table *table, int accept_below, struct mm_risk_sheet **out,
                       struct mm_risk_error *err)
{
    json_t *spec = NULL;
    struct mm_risk_sheet *s = calloc(1, sizeof *s);
    int r = MM_ENOMEM;
    if (!s) {
        mm_csv_table_free(table);
        goto out;
    }
    s->table = table;
    s->accept_below = accept_below;
    if ((r = mm_data_json("risk/columns.json", &spec)) != 0)
        goto out;
    if ((r = map_header(s, spec, err)) != 0)
        goto out;
    if ((r = read_rows(s, err)) != 0)
        goto out;
    *out = s;
    s = NULL;
out:
    json_decref(spec);
    mm_risk_sheet_free(s);
    return r;
}

/* err says the CSV error csv (limit: the most asset rows). */
static void set_csv_error(struct mm_risk_error *err, const struct mm_csv_error *csv, size_t limit)
{
    err->kind = MM_RISK_ERR_CSV;
    if (&err->csv != csv)
        err->csv = *csv;
    err->line = csv->line;
    err->column = csv->column;
    clean_copy(err->header, sizeof err->header, csv->header);
    err->limit = limit;
}

void mm_risk_error_counts(const struct mm_risk_error *e, size_t *listed, size_t *total)
{
    if (e->kind == MM_RISK_ERR_CSV && e->csv_all.n > 0) {
        *listed = e->csv_all.n;
        *total = e->csv_all.total;
    } else if (e->kind != MM_RISK_ERR_CSV && e->rows_all.n > 0) {
        *listed = e->rows_all.n;
        *total = e->rows_all.total;
    } else {
        *listed = *total = 1;
    }
}

size_t mm_risk_error_unlisted(const struct mm_risk_error *e)
{
    if (e->kind == MM_RISK_ERR_CSV)
        return e->csv_all.n > 0 ? e->csv_all.nunlisted : 0;
    return e->rows_all.n > 0 ? e->rows_all.nunlisted : 0;
}

/* out says the row or heading problem p (missing_cols: every missing column). */
static void set_row_error(struct mm_risk_error *out, const struct mm_risk_row_error *p,
                          unsigned missing_cols)
{
    out->kind = p->kind;
    out->line = p->line;
    out->column = p->column;
    out->other_column = p->other_column;
    out->col = p->col;
    out->missing_cols = missing_cols;
    memcpy(out->header, p->header, sizeof out->header);
    memcpy(out->other_header, p->other_header, sizeof out->other_header);
    memcpy(out->value, p->value, sizeof out->value);
}

/* Empties out but for its lists' contents, which stay unread once their
 * counts are zero (a whole memset would clear some 20 KB for each error). */
static void clear_one(struct mm_risk_error *out)
{
    memset(out, 0, offsetof(struct mm_risk_error, csv_all));
    out->csv_all.n = out->csv_all.total = out->csv_all.nunlisted = 0;
    out->rows_all.n = out->rows_all.total = out->rows_all.nunlisted = 0;
}

void mm_risk_error_nth(const struct mm_risk_error *e, size_t i, struct mm_risk_error *out)
{
    const struct mm_csv_errors *csv = &e->csv_all;
    const struct mm_risk_row_errors *rows = &e->rows_all;
    clear_one(out);
    if (e->kind == MM_RISK_ERR_CSV && i < csv->n)
        set_csv_error(out, &csv->list[i], e->limit);
    else if (e->kind == MM_RISK_ERR_CSV && csv->n > 0 && i - csv->n < csv->nunlisted)
        set_csv_error(out, &csv->unlisted[i - csv->n], e->limit);
    else if (e->kind != MM_RISK_ERR_CSV && i < rows->n)
        set_row_error(out, &rows->list[i], e->missing_cols);
    else if (e->kind != MM_RISK_ERR_CSV && rows->n > 0 && i - rows->n < rows->nunlisted)
        set_row_error(out, &rows->unlisted[i - rows->n], e->missing_cols);
    else if (i == 0)
        memcpy(out, e, offsetof(struct mm_risk_error, csv_all));
}

/* Reads the CSV from memory, or from path when path is not NULL. */
static int load(const char *path, const void *data, size_t len, const struct mm_risk_options *opt,
                struct mm_risk_sheet **out, struct mm_risk_error *err)
{
    struct mm_risk_options o = opt ? *opt : (struct mm_risk_options){0};
    struct mm_risk_error dummy;
    struct mm_csv_options co;
    struct mm_csv_table *table = NULL;
    int accept_below, r;
    *out = NULL;
    if (!err)
        err = &dummy;
    *err = (struct mm_risk_error){0};
    if ((r = check_options(&o, &accept_below, err)) != 0)
        return r;
    csv_options_for(&o, &co);
    co.all = &err->csv_all;
    r = path ? mm_csv_read_file(path, &co, &table, &err->csv)
             : mm_csv_read(data, len, &co, &table, &err->csv);
    if (r != 0) {
        set_csv_error(err, &err->csv, co.max_records - 1);
        return r;
    }
    return build_sheet(table, accept_below, out, err);
}

int mm_risk_parse(const void *data, size_t len, const struct mm_risk_options *opt,
                  struct mm_risk_sheet **out, struct mm_risk_error *err)
{
    return load(NULL, data, len, opt, out, err);
}

int mm_risk_load_file(const char *path, const struct mm_risk_options *opt,
                      struct mm_risk_sheet **out, struct mm_risk_error *err)
{
    return load(path, NULL, 0, opt, out, err);
}

void mm_risk_sheet_free(struct mm_risk_sheet *s)
{
    if (!s)
        return;
    mm_csv_table_free(s->table);
    free(s->rows);
    free(s->extra_field);
    free(s);
}

void mm_risk_count(const struct mm_risk_sheet *s, struct mm_risk_counts *out)
{
    *out = (struct mm_risk_counts){0};
    for (size_t i = 0; i < s->nrows; i++) {
        const struct mm_risk_row *row = &s->rows[i];
        out->high += row->level == MM_RISK_HIGH;
        out->medium += row->level == MM_RISK_MEDIUM;
        out->low += row->level == MM_RISK_LOW;
        out->treat += row->treat;
        out->accept += !row->treat;
    }
}
