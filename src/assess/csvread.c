/* SPDX-License-Identifier: Apache-2.0
 * Owns the CSV reader (libcsv strict mode, per-field decoding with glibc
 * iconv, physical line tracking) and the small RFC 4180 writer.
 *
 * How lines are tracked: the input is fed to libcsv one physical line at a
 * time (a line ends in LF, CRLF or a lone CR, the same terminators libcsv
 * knows). A record ends only at such a line end, so the reader itself knows
 * after each line whether a record is under way (no peeking at libcsv's
 * private state); when none is, a record starting on the next line starts
 * there. Errors found in a callback (limits, decoding) set r->rc and the
 * rest of the record is ignored.
 *
 * Format errors (a misplaced quote, a NUL, a cell too long) do not stop a
 * reader given options.all: the record is dropped (after a misplaced quote
 * the parser starts afresh at the next comma, inside the same record: see
 * resume_after_error) and reading goes on, so every broken row is reported;
 * the table is still refused. An error in the first record (the headings)
 * stops it: later errors would otherwise name a data row's cells as the
 * headings.
 *
 * Decoding happens per field, after libcsv has split the raw bytes: CP932
 * trail bytes are never '"', ',', CR or LF, so splitting first is safe, and
 * a bad byte is then reported with its record and field. */
#include "assess/csvread.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/str.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct reader {
    struct csv_parser parser;
    struct mm_csv_options lim;
    iconv_t cd; /* CP932 -> UTF-8, or (iconv_t)-1 */
    struct mm_csv_table *table;
    size_t cap_records;
    char **fields; /* the record being built */
    size_t nfields, cap_fields;
    size_t field_no;    /* fields the parser has given in this record, kept or not */
    size_t record_line; /* where the record being built starts */
    bool row_open;      /* a record has begun and not yet ended */
    bool record_ended;  /* on_record ran while the current line was fed */
    size_t cells;
    bool mixed; /* detected UTF-8 in a file that is not all UTF-8 */
    int rc;     /* first error */
    struct mm_csv_error err;
    bool stop;    /* an error that ends the reading */
    bool skip;    /* a format error in the record being built: drop it */
    bool resumed; /* the parser resumed inside this record after a misplaced quote */
};

/* A format error the reader can go on after (options.all): one record's,
 * and not the first record's: the first holds the column headings, and
 * without it a data row would be taken for them. */
static bool recoverable(const struct reader *r, enum mm_csv_errkind kind, size_t line)
{
    return line > 0 && r->table && r->table->nrecords > 0 &&
           (kind == MM_CSV_ERR_QUOTE || kind == MM_CSV_ERR_NUL || kind == MM_CSV_ERR_FIELD_SIZE);
}

/* True when one of the n errors of list is of kind. */
static bool has_kind(const struct mm_csv_error *list, size_t n, enum mm_csv_errkind kind)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].kind == kind)
            return true;
    return false;
}

/* Counts e in all: kept in the list while there is room, else kept in
 * unlisted when it is the first of its kind. */
static void keep_error(struct mm_csv_errors *all, const struct mm_csv_error *e)
{
    all->total++;
    if (all->n < MM_CSV_ERRORS_MAX)
        all->list[all->n++] = *e;
    else if (!has_kind(all->list, all->n, e->kind) &&
             !has_kind(all->unlisted, all->nunlisted, e->kind) && all->nunlisted < MM_CSV_NKINDS)
        all->unlisted[all->nunlisted++] = *e;
}

static void fail(struct reader *r, int rc, enum mm_csv_errkind kind, size_t line, size_t column)
{
    if (r->stop)
        return;
    struct mm_csv_error e = {.kind = kind, .line = line, .column = column};
    e.detected = r->lim.encoding == MM_CSV_ENC_AUTO;
    e.mixed = r->mixed;
    const struct mm_csv_table *t = r->table;
    e.encoding = t ? t->encoding : MM_CSV_ENC_AUTO;
    if (t && t->nrecords > 0 && column > 0 && column <= t->records[0].nfields &&
        line > t->records[0].line)
        mm_strlcpy_utf8(e.header, t->records[0].fields[column - 1], sizeof e.header);
    if (r->rc == 0) {
        r->rc = rc;
        r->err = e;
    }
    struct mm_csv_errors *all = r->lim.all;
    if (all)
        keep_error(all, &e);
    r->skip = true;
    r->stop = !all || !recoverable(r, kind, line);
}

static void fail_here(struct reader *r, int rc, enum mm_csv_errkind kind)
{
    fail(r, rc, kind, r->record_line, r->field_no + 1);
}

/* Copies n bytes of valid UTF-8 into a new string, turning CRLF into LF. */
static char *copy_text(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
            continue;
        out[k++] = s[i];
    }
    out[k] = '\0';
    return out;
}

/* Converts n bytes of CP932 to UTF-8 (then CRLF to LF). Returns NULL with
 * *bad set on undecodable input, NULL with *bad clear on ENOMEM. */
static char *decode_cp932(iconv_t cd, const char *s, size_t n, bool *bad)
{
    *bad = false;
    size_t cap = n * 3 + 1; /* one CP932 byte never needs more than 3 UTF-8 bytes */
    char *utf8 = malloc(cap);
    if (!utf8)
        return NULL;
    iconv(cd, NULL, NULL, NULL, NULL);
    char *in = (char *)s, *o = utf8;
    size_t inleft = n, outleft = cap - 1;
    if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
        *bad = true;
        free(utf8);
        return NULL;
    }
    *o = '\0';
    char *out = copy_text(utf8, (size_t)(o - utf8));
    free(utf8);
    return out;
}

/* Turns the raw bytes of one field into UTF-8; reports errors at the field. */
static char *decode_field(struct reader *r, const char *s, size_t n)
{
    if (n > r->lim.max_field_bytes) {
        fail_here(r, MM_ELIMIT, MM_CSV_ERR_FIELD_SIZE);
        return NULL;
    }
    if (memchr(s, '\0', n)) {
        fail_here(r, MM_EPARSE, MM_CSV_ERR_NUL);
        return NULL;
    }
    char *out;
    bool bad = false;
    if (r->table->encoding == MM_CSV_ENC_CP932) {
        out = decode_cp932(r->cd, s, n, &bad);
    } else {
        bad = !mm_utf8_valid(s, n, NULL);
        out = bad ? NULL : copy_text(s, n);
    }
    if (bad) {
        fail_here(r, MM_EENCODING, MM_CSV_ERR_ENCODING);
        return NULL;
    }
    if (!out) {
        fail_here(r, MM_ENOMEM, MM_CSV_ERR_NOMEM);
        return NULL;
    }
    if (strlen(out) > r->lim.max_field_bytes) {
        free(out);
        fail_here(r, MM_ELIMIT, MM_CSV_ERR_FIELD_SIZE);
        return NULL;
    }
    return out;
}

static void free_fields(char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(fields[i]);
    free(fields);
}

/* Decodes and keeps one field of the record being built. */
static void keep_field(struct reader *r, void *s, size_t len)
{
    if (r->nfields >= r->lim.max_fields) {
        fail_here(r, MM_ELIMIT, MM_CSV_ERR_FIELDS);
        return;
    }
    if (r->cells >= r->lim.max_cells) {
        fail_here(r, MM_ELIMIT, MM_CSV_ERR_CELLS);
        return;
    }
    if (r->nfields == r->cap_fields) {
        size_t cap = r->cap_fields ? r->cap_fields * 2 : 16;
        char **f = realloc(r->fields, cap * sizeof *f);
        if (!f) {
            fail_here(r, MM_ENOMEM, MM_CSV_ERR_NOMEM);
            return;
        }
        r->fields = f;
        r->cap_fields = cap;
    }
    char *text = decode_field(r, s ? s : "", s ? len : 0);
    if (!text)
        return;
    r->fields[r->nfields++] = text;
    r->cells++;
}

/* libcsv field callback: keep the field unless the record is dropped. */
static void on_field(void *s, size_t len, void *data)
{
    struct reader *r = data;
    if (!r->stop && !r->skip)
        keep_field(r, s, len);
    r->field_no++;
}

static void drop_record(struct reader *r)
{
    free_fields(r->fields, r->nfields);
    r->fields = NULL;
    r->nfields = r->cap_fields = r->field_no = 0;
    r->skip = r->resumed = false;
}

/* libcsv record callback: move the fields into the table (a record with a
 * format error is dropped). */
static void on_record(int c, void *data)
{
    struct reader *r = data;
    (void)c;
    r->record_ended = true;
    if (r->stop)
        return;
    if (r->skip) {
        drop_record(r);
        return;
    }
    struct mm_csv_table *t = r->table;
    if (t->nrecords >= r->lim.max_records) {
        fail(r, MM_ELIMIT, MM_CSV_ERR_RECORDS, r->record_line, 0);
        return;
    }
    if (t->nrecords == r->cap_records) {
        size_t cap = r->cap_records ? r->cap_records * 2 : 32;
        struct mm_csv_record *rec = realloc(t->records, cap * sizeof *rec);
        if (!rec) {
            fail(r, MM_ENOMEM, MM_CSV_ERR_NOMEM, r->record_line, 0);
            return;
        }
        t->records = rec;
        r->cap_records = cap;
    }
    t->records[t->nrecords++] =
        (struct mm_csv_record){.line = r->record_line, .nfields = r->nfields, .fields = r->fields};
    r->fields = NULL;
    r->nfields = r->cap_fields = r->field_no = 0;
}

/* Length of the physical line starting at p: up to and including LF, CRLF
 * or a lone CR, or to the end. */
static size_t line_length(const char *p, size_t left)
{
    for (size_t i = 0; i < left; i++) {
        if (p[i] == '\n')
            return i + 1;
        if (p[i] == '\r')
            return i + 1 < left && p[i + 1] == '\n' ? i + 2 : i + 1;
    }
    return left;
}

static void fail_from_parser(struct reader *r, enum mm_csv_errkind parse_kind)
{
    switch (csv_error(&r->parser)) {
    case CSV_ENOMEM:
        fail_here(r, MM_ENOMEM, MM_CSV_ERR_NOMEM);
        break;
    case CSV_ETOOBIG:
        fail_here(r, MM_ELIMIT, MM_CSV_ERR_FIELD_SIZE);
        break;
    default:
        fail_here(r, MM_EPARSE, parse_kind);
        break;
    }
}

#define CSV_FLAGS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)
/* libcsv grows its field buffer by this many bytes at a time; its default
 * (128) makes a long field cost one copy per 128 bytes (quadratic). */
#define CSV_BLOCK (64 * 1024)

static int init_parser(struct csv_parser *p)
{
    if (csv_init(p, CSV_FLAGS) != 0)
        return -1;
    csv_set_blk_size(p, CSV_BLOCK);
    return 0;
}

/* After a parser error: drops the record and starts the parser afresh. */
static int restart_parser(struct reader *r)
{
    drop_record(r);
    csv_free(&r->parser);
    if (init_parser(&r->parser) != 0) {
        fail(r, MM_ENOMEM, MM_CSV_ERR_NOMEM, 0, 0);
        return r->rc;
    }
    return 0;
}

/* True when the line holds a byte that begins a row for libcsv: anything
 * but the spaces, tabs and line ends it skips before a row. */
static bool line_begins_row(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return true;
    return false;
}

/* After libcsv refused the byte p[at] of a line of n bytes: a misplaced
 * quote (the first of its record is noted) ends its cell at the next comma,
 * and the parser, started afresh, resumes there inside the same record, which
 * is dropped: a quoted cell later on the line that goes on over the next lines
 * is read as one, not as rows of their own, and the rest of the record gives
 * no further misplaced quote (it could follow from the first; a cell left
 * open at the end of the file is still said). Without a comma, or
 * after any other parser error, the record ends with the line. Returns where
 * to go on feeding the line (n: the line is done). */
static size_t resume_after_error(struct reader *r, const char *p, size_t n, size_t at)
{
    bool quote = csv_error(&r->parser) == CSV_EPARSE;
    if (!quote || !r->resumed)
        fail_from_parser(r, MM_CSV_ERR_QUOTE);
    size_t bad_cell = r->field_no;
    const char *comma = quote ? memchr(p + at, ',', n - at) : NULL;
    if (r->stop || restart_parser(r) != 0)
        return n;
    if (!comma) {
        r->record_ended = true;
        return n;
    }
    r->skip = r->resumed = true;
    r->field_no = bad_cell; /* the empty field before the comma stands for the bad cell */
    return (size_t)(comma - p);
}

/* Feeds one physical line of n bytes to the parser, resuming after a
 * misplaced quote (resume_after_error). */
static void parse_line(struct reader *r, const char *p, size_t n)
{
    size_t at = 0;
    while (at < n && !r->stop) {
        size_t done = csv_parse(&r->parser, p + at, n - at, on_field, on_record, r);
        if (r->stop || done >= n - at)
            return;
        at = resume_after_error(r, p, n, at + done);
    }
}

/* Feeds the text line by line, then finishes the last record. A record
 * ends only at a line end (CR, LF or CRLF outside quotes), so after each
 * line the reader knows whether a record is still open: one ended on this
 * line (closed), or the line had content (open), or it was blank (as it
 * was). The first line fed while none is open is the record's line. */
static void parse_lines(struct reader *r, const char *p, size_t len)
{
    size_t pos = 0, lineno = 1;
    while (pos < len && !r->stop) {
        size_t n = line_length(p + pos, len - pos);
        if (!r->row_open)
            r->record_line = lineno;
        r->record_ended = false;
        parse_line(r, p + pos, n);
        if (r->stop)
            return;
        r->row_open = !r->record_ended && (r->row_open || line_begins_row(p + pos, n));
        pos += n;
        lineno++;
    }
    if (!r->stop && csv_fini(&r->parser, on_field, on_record, r) != 0)
        fail_from_parser(r, MM_CSV_ERR_UNTERMINATED);
}

static void apply_defaults(struct mm_csv_options *o, const struct mm_csv_options *given)
{
    *o = given ? *given : (struct mm_csv_options){0};
    if (!o->max_bytes)
        o->max_bytes = MM_CSV_DEFAULT_MAX_BYTES;
    if (!o->max_records)
        o->max_records = MM_CSV_DEFAULT_MAX_RECORDS;
    if (!o->max_fields)
        o->max_fields = MM_CSV_DEFAULT_MAX_FIELDS;
    if (!o->max_field_bytes)
        o->max_field_bytes = MM_CSV_DEFAULT_MAX_FIELD_BYTES;
    if (!o->max_cells)
        o->max_cells = MM_CSV_DEFAULT_MAX_CELLS;
}

/* Where the line holding byte p[at] begins: just after the last line end
 * (CR or LF) before it, or 0 on the first line. */
static size_t line_start(const char *p, size_t at)
{
    while (at > 0 && p[at - 1] != '\n' && p[at - 1] != '\r')
        at--;
    return at;
}

static bool has_non_ascii(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80)
            return true;
    return false;
}

/* The encoding of a file that did not say: UTF-8 when it has a byte-order
 * mark or all is UTF-8; else CP932, unless complete lines before the one
 * holding the first byte that is not UTF-8 hold UTF-8 text beyond ASCII (a
 * UTF-8 header above rows saved as CP932): then UTF-8, so the error names
 * that line and says the file is mixed (r->mixed, also with a byte-order
 * mark and earlier lines). Non-ASCII on the bad line itself does not count:
 * CP932 text can start with bytes that happen to be valid UTF-8 (half-width
 * katakana such as ﾄｸ, some level-2 kanji before hiragana). */
static enum mm_csv_encoding detect_encoding(struct reader *r, const char *p, size_t len)
{
    size_t bad = 0;
    if (mm_utf8_valid(p, len, &bad))
        return MM_CSV_ENC_UTF8;
    size_t earlier = line_start(p, bad);
    r->mixed = earlier > 0 && (r->table->bom || has_non_ascii(p, earlier));
    return r->table->bom || r->mixed ? MM_CSV_ENC_UTF8 : MM_CSV_ENC_CP932;
}

/* Settles the encoding and strips a UTF-8 byte-order mark. Returns 0 or an
 * error already recorded in r. */
static int choose_encoding(struct reader *r, const char **p, size_t *len)
{
    const unsigned char *u = (const unsigned char *)*p;
    if (*len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff))) {
        fail(r, MM_EENCODING, MM_CSV_ERR_UTF16, 0, 0);
        return r->rc;
    }
    if (*len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
        r->table->bom = true;
        *p += 3;
        *len -= 3;
    }
    enum mm_csv_encoding enc = r->lim.encoding;
    if (enc == MM_CSV_ENC_AUTO)
        enc = detect_encoding(r, *p, *len);
    r->table->encoding = enc;
    if (enc == MM_CSV_ENC_CP932) {
        r->cd = iconv_open("UTF-8", "CP932");
        if (r->cd == (iconv_t)-1) {
            fail(r, MM_EUNSUPPORTED, MM_CSV_ERR_ENCODING, 0, 0);
            return r->rc;
        }
    }
    return 0;
}

int mm_csv_read(const void *data, size_t len, const struct mm_csv_options *opt,
                struct mm_csv_table **out, struct mm_csv_error *err)
{
    struct reader r = {.cd = (iconv_t)-1};
    const char *p = data;
    *out = NULL;
    if (err)
        *err = (struct mm_csv_error){0};
    apply_defaults(&r.lim, opt);
    if (r.lim.all)
        *r.lim.all = (struct mm_csv_errors){0};
    if (len > r.lim.max_bytes) {
        fail(&r, MM_ETOOBIG, MM_CSV_ERR_TOOBIG, 0, 0);
        goto out;
    }
    r.table = calloc(1, sizeof *r.table);
    if (!r.table || init_parser(&r.parser) != 0) {
        free(r.table);
        r.table = NULL;
        fail(&r, MM_ENOMEM, MM_CSV_ERR_NOMEM, 0, 0);
        goto out;
    }
    if (choose_encoding(&r, &p, &len) == 0)
        parse_lines(&r, p, len);
    csv_free(&r.parser);
    if (r.rc == 0 && r.table->nrecords == 0)
        fail(&r, MM_EPARSE, MM_CSV_ERR_EMPTY, 0, 0);
out:
    free_fields(r.fields, r.nfields);
    if (r.cd != (iconv_t)-1)
        iconv_close(r.cd);
    if (r.rc != 0) {
        mm_csv_table_free(r.table);
        if (err)
            *err = r.err;
        return r.rc;
    }
    *out = r.table;
    return 0;
}

int mm_csv_read_file(const char *path, const struct mm_csv_options *opt, struct mm_csv_table **out,
                     struct mm_csv_error *err)
{
    struct mm_csv_options o;
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    if (err)
        *err = (struct mm_csv_error){0};
    apply_defaults(&o, opt);
    int r = mm_file_read(path, o.max_bytes, &data, &len);
    if (r != 0) {
        if (err)
            err->kind = r == MM_ETOOBIG  ? MM_CSV_ERR_TOOBIG
                        : r == MM_ENOMEM ? MM_CSV_ERR_NOMEM
                                         : MM_CSV_ERR_IO;
        return r;
    }
    r = mm_csv_read(data, len, &o, out, err);
    free(data);
    return r;
}

void mm_csv_table_free(struct mm_csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrecords; i++)
        free_fields(t->records[i].fields, t->records[i].nfields);
    free(t->records);
    free(t);
}

const char *mm_csv_encoding_name(enum mm_csv_encoding enc)
{
    switch (enc) {
    case MM_CSV_ENC_UTF8:
        return "utf-8";
    case MM_CSV_ENC_CP932:
        return "cp932";
    default:
        return "auto";
    }
}

int mm_csv_encoding_parse(const char *s, enum mm_csv_encoding *out)
{
    static const struct {
        const char *name;
        enum mm_csv_encoding enc;
    } names[] = {
        {"auto", MM_CSV_ENC_AUTO},       {"utf-8", MM_CSV_ENC_UTF8},
        {"utf8", MM_CSV_ENC_UTF8},       {"cp932", MM_CSV_ENC_CP932},
        {"shift_jis", MM_CSV_ENC_CP932}, {"shift-jis", MM_CSV_ENC_CP932},
        {"sjis", MM_CSV_ENC_CP932},      {"windows-31j", MM_CSV_ENC_CP932},
    };
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].enc;
            return 0;
        }
    }
    return MM_EINVAL;
}

static bool needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return false;
    if (strpbrk(s, ",\"\r\n"))
        return true;
    return s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t';
}

/* True when a spreadsheet may read s as a formula: it starts with = + - @
 * (or a tab or CR before them), or with their full-width forms ＝＋－＠
 * (U+FF1D, U+FF0B, U+FF0D, U+FF20), which Japanese Excel converts to the
 * ASCII ones as it does for what is typed into a cell. */
static bool looks_like_formula(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (s[0] && strchr("=+-@\t\r", s[0]))
        return true;
    if (u[0] != 0xef || u[1] == 0 || u[2] == 0)
        return false;
    return (u[1] == 0xbc && (u[2] == 0x9d || u[2] == 0x8b || u[2] == 0x8d || u[2] == 0xa0));
}

int mm_csv_put_field(struct mm_buf *b, const char *s, bool neutralise)
{
    int r = 0;
    bool formula = neutralise && looks_like_formula(s);
    bool quote = needs_quotes(s);
    if (quote)
        r = mm_buf_putc(b, '"');
    if (r == 0 && formula)
        r = mm_buf_putc(b, '\'');
    for (const char *p = s; r == 0 && *p; p++) {
        if (*p == '"')
            r = mm_buf_putc(b, '"');
        if (r == 0)
            r = mm_buf_putc(b, *p);
    }
    if (r == 0 && quote)
        r = mm_buf_putc(b, '"');
    return r;
}

int mm_csv_put_record(struct mm_buf *b, const char *const *fields, size_t n, bool neutralise)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        if (i > 0)
            r = mm_buf_putc(b, ',');
        if (r == 0)
            r = mm_csv_put_field(b, fields[i] ? fields[i] : "", neutralise);
    }
    if (r == 0)
        r = mm_buf_puts(b, "\r\n");
    return r;
}
