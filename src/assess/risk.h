/* SPDX-License-Identifier: Apache-2.0
 * Risk analysis of an asset inventory (`mamori risk`), following the method
 * in docs/design/risk-method.md:
 *   importance = the highest of confidentiality, integrity, availability (1-3)
 *   likelihood = the 3x3 table of threat and vulnerability (1-3)
 *   risk       = importance x likelihood (1, 2, 3, 4, 6 or 9)
 *   level      = high (6-9), medium (4), low (1-3)
 * Rows whose risk is below the accept threshold are accepted, the others
 * are to be treated.
 *
 * risk.c owns the arithmetic and the reading of the inventory (columns found
 * by header name through the aliases in data/risk/columns.json); the outputs
 * and messages are in risk-report.c. */
#ifndef MM_ASSESS_RISK_H
#define MM_ASSESS_RISK_H

#include <stdbool.h>
#include <stddef.h>

#include "assess/csvread.h"
#include "core/buf.h"
#include "core/i18n.h"

enum mm_risk_level { MM_RISK_INVALID = 0, MM_RISK_LOW = 1, MM_RISK_MEDIUM = 2, MM_RISK_HIGH = 3 };

/* Rows with risk < 4 (the low ones) are accepted: high and medium are treated. */
#define MM_RISK_DEFAULT_ACCEPT_BELOW 4
/* --accept-below takes 1 (treat everything) to 10 (accept everything). */
#define MM_RISK_ACCEPT_BELOW_MIN  1
#define MM_RISK_ACCEPT_BELOW_MAX  10
#define MM_RISK_DEFAULT_MAX_ROWS  10000u
#define MM_RISK_DEFAULT_MAX_BYTES (16u * 1024 * 1024)
/* Columns in one row (the nine known ones plus any extra). */
#define MM_RISK_MAX_COLUMNS 64u
/* A heading row is read as an asset list's when it has at least this many of
 * the nine columns (more than half); with fewer it is MM_RISK_ERR_NO_HEADINGS
 * (probably another file), not a list of the missing columns. */
#define MM_RISK_MIN_HEADINGS 5

/* The highest of c, i, a; 0 when any is outside 1-3. */
int mm_risk_importance(int c, int i, int a);
/* The damage likelihood for threat and vulnerability (1-3 each); 0 when out of range. */
int mm_risk_likelihood(int threat, int vulnerability);
/* importance x likelihood; 0 when either is outside 1-3. */
int mm_risk_value(int importance, int likelihood);
/* The level of a risk value 1-9 (MM_RISK_INVALID otherwise). */
enum mm_risk_level mm_risk_level_of(int value);
/* "high", "medium", "low" ("" for invalid). */
const char *mm_risk_level_code(enum mm_risk_level level);

/* The nine input columns, in the order of the template and the outputs. */
enum mm_risk_col {
    MM_RISK_COL_ASSET,
    MM_RISK_COL_OWNER,
    MM_RISK_COL_LOCATION,
    MM_RISK_COL_MEDIUM,
    MM_RISK_COL_CONFIDENTIALITY,
    MM_RISK_COL_INTEGRITY,
    MM_RISK_COL_AVAILABILITY,
    MM_RISK_COL_THREAT,
    MM_RISK_COL_VULNERABILITY,
    MM_RISK_NCOLS
};
#define MM_RISK_NTEXT    4 /* asset, owner, location, medium */
#define MM_RISK_NRATINGS 5 /* C, I, A, threat, vulnerability */

/* "asset", "owner", ..., "vulnerability": the column's id in data/risk/columns.json. */
const char *mm_risk_col_id(enum mm_risk_col col);

struct mm_risk_row {
    size_t line;                     /* physical line where the row starts in the input */
    size_t order;                    /* 0-based position among the data rows of the input */
    const char *text[MM_RISK_NTEXT]; /* asset, owner, location, medium (owned by the sheet) */
    int rating[MM_RISK_NRATINGS];    /* C, I, A, threat, vulnerability: 1-3 */
    int importance, likelihood, value;
    enum mm_risk_level level;
    bool treat; /* value >= accept_below */
    const struct mm_csv_record *record;
};

struct mm_risk_sheet {
    struct mm_csv_table *table;
    struct mm_risk_row *rows; /* sorted by value, highest first; ties keep input order */
    size_t nrows;
    size_t col_field[MM_RISK_NCOLS]; /* field index of each column in the records */
    size_t *extra_field;             /* field indexes of the extra columns kept */
    size_t nextra;
    int accept_below;
};

struct mm_risk_options {
    enum mm_csv_encoding encoding; /* AUTO by default */
    int accept_below;              /* 0: MM_RISK_DEFAULT_ACCEPT_BELOW */
    size_t max_rows;               /* 0: MM_RISK_DEFAULT_MAX_ROWS (data rows) */
    size_t max_bytes;              /* 0: MM_RISK_DEFAULT_MAX_BYTES */
};

enum mm_risk_errkind {
    MM_RISK_ERR_NONE = 0,
    MM_RISK_ERR_CSV,              /* see .csv */
    MM_RISK_ERR_NO_ROWS,          /* a header but no asset */
    MM_RISK_ERR_MISSING_COLUMN,   /* .col not found in the header */
    MM_RISK_ERR_DUPLICATE_COLUMN, /* .col found twice: .column and .other_column */
    MM_RISK_ERR_SHORT_ROW,        /* the row ends before .column (.col) */
    MM_RISK_ERR_EXTRA_FIELD,      /* a value in .column, right of the last header */
    MM_RISK_ERR_EMPTY_ASSET,      /* the asset name is empty */
    MM_RISK_ERR_RATING_EMPTY,     /* a rating cell is empty */
    MM_RISK_ERR_RATING_NAN,       /* a rating that is not a whole number */
    MM_RISK_ERR_RATING_RANGE,     /* a whole number outside 1-3 */
    MM_RISK_ERR_ACCEPT_BELOW,     /* options.accept_below outside 1-10 */
    MM_RISK_ERR_NO_HEADINGS,      /* the heading row has fewer than MM_RISK_MIN_HEADINGS
                                   * of the nine columns (.found): said alone, not as
                                   * the missing columns */
};
#define MM_RISK_NKINDS (MM_RISK_ERR_NO_HEADINGS + 1)

/* One problem in the heading row or in a row's cells: the fields of
 * mm_risk_error below. */
struct mm_risk_row_error {
    enum mm_risk_errkind kind;
    size_t line, column;
    size_t other_column;
    enum mm_risk_col col;
    char header[128];
    char other_header[128];
    char value[128];
};

/* Every problem of the heading row (each duplicate, then each missing
 * column), or else every cell problem of the rows, in the order of the file: the first
 * MM_RISK_ERRORS_MAX of them, and how many there were in all; past the list,
 * the first problem of each kind the list does not hold (for its next step). */
#define MM_RISK_ERRORS_MAX MM_CSV_ERRORS_MAX
struct mm_risk_row_errors {
    size_t n;     /* kept in list */
    size_t total; /* found (n, then those past the limit) */
    struct mm_risk_row_error list[MM_RISK_ERRORS_MAX];
    size_t nunlisted; /* kept in unlisted */
    struct mm_risk_row_error unlisted[MM_RISK_NKINDS];
};

/* A heading of the sheet taken for one of the nine columns. */
struct mm_risk_heading {
    enum mm_risk_col col;
    size_t column;    /* 1-based field index */
    char header[128]; /* the sheet's text, cleaned for display */
};

struct mm_risk_error {
    enum mm_risk_errkind kind;
    struct mm_csv_error csv; /* kind == MM_RISK_ERR_CSV */
    size_t line;             /* 1-based physical line; 0: whole file */
    size_t column;           /* 1-based field index; 0: none */
    size_t other_column;     /* MM_RISK_ERR_DUPLICATE_COLUMN: the first one */
    enum mm_risk_col col;    /* the column concerned, when one of the nine */
    char header[128];        /* the header text of .column, cleaned for display */
    char other_header[128];  /* MM_RISK_ERR_DUPLICATE_COLUMN: that of .other_column */
    char value[128];         /* the offending value, cleaned and shortened */
    size_t limit;            /* the limit passed, for MM_CSV_ERR_RECORDS */
    unsigned missing_cols;   /* every required column the heading row lacks (bit 1 << col);
                              * kept in the errors mm_risk_error_nth gives */
    /* MM_RISK_ERR_NO_HEADINGS: the headings it has, in the order of the row */
    size_t nfound;
    struct mm_risk_heading found[MM_RISK_MIN_HEADINGS - 1];
    /* kind == MM_RISK_ERR_CSV: every error of the reading, the first being
     * .csv (a misplaced quote, a NUL or a cell too long does not stop the
     * reader, so one broken row does not hide the others); empty when the
     * file could not be read at all */
    struct mm_csv_errors csv_all;
    /* problems in the heading row (a duplicate or missing column): every one
     * of them, the rows not read; else a problem in a row's cells (short row,
     * extra value, empty asset name, bad rating): every one of every row; the
     * first being e itself */
    struct mm_risk_row_errors rows_all;
};

/* How many errors e lists (*listed, at most MM_RISK_ERRORS_MAX) and how many
 * were found in all (*total): those of csv_all or rows_all, else e alone
 * (1, 1). */
void mm_risk_error_counts(const struct mm_risk_error *e, size_t *listed, size_t *total);
/* How many errors past the listed ones are kept only for their next step:
 * the first of each kind that the list does not hold. */
size_t mm_risk_error_unlisted(const struct mm_risk_error *e);
/* out: the i-th listed error (i < *listed above), as e is for the first; for
 * *listed <= i < *listed + mm_risk_error_unlisted(e), the (i - *listed)-th
 * unlisted one. out's own lists are left empty. */
void mm_risk_error_nth(const struct mm_risk_error *e, size_t i, struct mm_risk_error *out);

/* Reads an inventory from memory. On success *out is a new sheet (free with
 * mm_risk_sheet_free), rows computed and sorted. On failure *out stays NULL,
 * err says what and where, and the return is MM_EPARSE, MM_ERANGE,
 * MM_EENCODING, MM_ETOOBIG, MM_ELIMIT, MM_EINVAL or MM_ENOMEM. */
int mm_risk_parse(const void *data, size_t len, const struct mm_risk_options *opt,
                  struct mm_risk_sheet **out, struct mm_risk_error *err);

/* Reads path ("-": stdin) and parses it as above; I/O errors come back as
 * MM_ENOENT, MM_EPERM, MM_EIO with err->kind MM_RISK_ERR_CSV / MM_CSV_ERR_IO. */
int mm_risk_load_file(const char *path, const struct mm_risk_options *opt,
                      struct mm_risk_sheet **out, struct mm_risk_error *err);

void mm_risk_sheet_free(struct mm_risk_sheet *s);

/* Counts of rows per level and decision, for summaries. */
struct mm_risk_counts {
    size_t high, medium, low, treat, accept;
};
void mm_risk_count(const struct mm_risk_sheet *s, struct mm_risk_counts *out);

/* ---- risk-report.c: outputs and messages ---- */

/* The column header of col in lang (from data/risk/columns.json). */
const char *mm_risk_col_name(enum mm_risk_col col, enum mm_lang lang);

/* CSV: the nine columns, the computed ones (importance, likelihood, risk,
 * level, decision), then the extra columns; headers in lang; CRLF; UTF-8
 * with a byte-order mark when bom is set (for Excel). */
int mm_risk_write_csv(const struct mm_risk_sheet *s, enum mm_lang lang, bool bom,
                      struct mm_buf *out);
/* JSON: {"method", "accept_below", "encoding", "summary", "assets": [...]}. */
int mm_risk_write_json(const struct mm_risk_sheet *s, enum mm_lang lang, struct mm_buf *out);
/* A print-ready A4 HTML document in lang. */
int mm_risk_write_html(const struct mm_risk_sheet *s, enum mm_lang lang, struct mm_buf *out);
/* A plain-text table for the terminal. */
int mm_risk_write_text(const struct mm_risk_sheet *s, enum mm_lang lang, struct mm_buf *out);
/* The example inventory (data/risk/template.<lang>.csv) with CRLF line ends. */
int mm_risk_write_template(enum mm_lang lang, bool bom, struct mm_buf *out);
/* One line (no newline) telling a person what is wrong and where, then
 * what to do: the reason, then the step (when e has one). */
int mm_risk_error_message(const struct mm_risk_error *e, enum mm_lang lang, struct mm_buf *out);
/* Where and what is wrong, a full sentence without the next step: the line of
 * one error among several, whose steps are said once after the list. */
int mm_risk_error_reason(const struct mm_risk_error *e, enum mm_lang lang, struct mm_buf *out);
/* The id of e's next step (errors that share one have the same id: the three
 * kinds of bad rating), or NULL when it has none. */
const char *mm_risk_error_step_id(const struct mm_risk_error *e);
/* The next step of e, a full sentence (nothing when it has none), as said
 * once after a list of errors: for a missing column it names every column in
 * e->missing_cols with the headings accepted for each; for a duplicate it
 * speaks of each column that appears more than once. */
int mm_risk_error_step(const struct mm_risk_error *e, enum mm_lang lang, struct mm_buf *out);

#endif
