/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the CSV reader (src/assess/csvread.c): byte-order mark,
 * CRLF/LF/CR, CP932 (bytes made here with iconv from UTF-8 literals),
 * quoted commas and line breaks, the physical line of each record, every
 * error kind with its exact line and column, and the writer's quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assess/csvread.h"
#include "core/error.h"

/* Parses text (NUL-terminated) with automatic encoding and default limits. */
static struct mm_csv_table *parse_ok(const char *text)
{
    struct mm_csv_table *t = NULL;
    struct mm_csv_error e;
    int r = mm_csv_read(text, strlen(text), NULL, &t, &e);
    if (r != 0)
        print_error("unexpected error %d kind %d at %zu:%zu\n", r, e.kind, e.line, e.column);
    assert_int_equal(r, 0);
    assert_non_null(t);
    return t;
}

/* Parses and expects an error of kind at line:column; returns the error. */
static struct mm_csv_error parse_err(const void *data, size_t len, const struct mm_csv_options *opt,
                                     int code, enum mm_csv_errkind kind, size_t line, size_t column)
{
    struct mm_csv_table *t = (void *)1;
    struct mm_csv_error e;
    int r = mm_csv_read(data, len, opt, &t, &e);
    assert_int_equal(r, code);
    assert_null(t);
    assert_int_equal(e.kind, kind);
    assert_int_equal(e.line, line);
    assert_int_equal(e.column, column);
    return e;
}

static void assert_record(const struct mm_csv_table *t, size_t i, size_t line, size_t n, ...)
{
    va_list ap;
    assert_true(i < t->nrecords);
    assert_int_equal(t->records[i].line, line);
    assert_int_equal(t->records[i].nfields, n);
    va_start(ap, n);
    for (size_t f = 0; f < n; f++)
        assert_string_equal(t->records[i].fields[f], va_arg(ap, const char *));
    va_end(ap);
}

/* UTF-8 -> CP932 with glibc iconv; the caller frees. */
static char *to_cp932(const char *utf8, size_t *len)
{
    iconv_t cd = iconv_open("CP932", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t inleft = strlen(utf8), cap = inleft * 2 + 1, outleft = cap;
    char *out = malloc(cap), *o = out, *in = (char *)utf8;
    assert_non_null(out);
    assert_int_not_equal(iconv(cd, &in, &inleft, &o, &outleft), (size_t)-1);
    iconv_close(cd);
    *len = cap - outleft;
    return out;
}

static void test_lf_crlf_cr(void **state)
{
    (void)state;
    const char *inputs[] = {"a,b\nc,d\n", "a,b\r\nc,d\r\n", "a,b\rc,d", "a,b\r\nc,d"};
    for (size_t i = 0; i < 4; i++) {
        struct mm_csv_table *t = parse_ok(inputs[i]);
        assert_int_equal(t->nrecords, 2);
        assert_record(t, 0, 1, 2, "a", "b");
        assert_record(t, 1, 2, 2, "c", "d");
        assert_int_equal(t->encoding, MM_CSV_ENC_UTF8);
        assert_false(t->bom);
        mm_csv_table_free(t);
    }
}

static void test_bom(void **state)
{
    (void)state;
    struct mm_csv_table *t = parse_ok("\xef\xbb\xbf資産名,機密性\r\n顧客名簿,3\r\n");
    assert_true(t->bom);
    assert_int_equal(t->encoding, MM_CSV_ENC_UTF8);
    assert_record(t, 0, 1, 2, "資産名", "機密性");
    assert_record(t, 1, 2, 2, "顧客名簿", "3");
    mm_csv_table_free(t);
}

static void test_quoted_commas_and_newlines(void **state)
{
    (void)state;
    /* line 1 header; record 2 spans lines 2-4 (LF, then CRLF inside quotes);
     * a blank line 5; record 3 on line 6 with "" escapes and spaces kept. */
    struct mm_csv_table *t = parse_ok(
        "name,note\r\n\"a, b\",\"one\ntwo\r\nthree\"\r\n\r\n\"say \"\"hi\"\"\",\" x \"\r\n");
    assert_int_equal(t->nrecords, 3);
    assert_record(t, 0, 1, 2, "name", "note");
    assert_record(t, 1, 2, 2, "a, b", "one\ntwo\nthree");
    assert_record(t, 2, 6, 2, "say \"hi\"", " x ");
    mm_csv_table_free(t);
}

static void test_record_lines(void **state)
{
    (void)state;
    /* blank and space-only lines between records; a quoted cell holding a
     * blank line and a space-only line; a record after a lone CR */
    struct mm_csv_table *t = parse_ok("h1,h2\n\n  \n\t\r\nx,\"a\n\n  \nb\"\n \n  y,z\rq,r");
    assert_int_equal(t->nrecords, 4);
    assert_record(t, 0, 1, 2, "h1", "h2");
    assert_record(t, 1, 5, 2, "x", "a\n\n  \nb");
    assert_record(t, 2, 10, 2, "y", "z");
    assert_record(t, 3, 11, 2, "q", "r");
    mm_csv_table_free(t);
    /* an error in a record after blank lines names the record's first line */
    const char *bad = "h1,h2\n\n\n1,\"open\n\nstill\"x\n";
    parse_err(bad, strlen(bad), NULL, MM_EPARSE, MM_CSV_ERR_QUOTE, 4, 2);
}

static void test_empty_fields_and_spaces(void **state)
{
    (void)state;
    struct mm_csv_table *t = parse_ok("a,,c,\n  x  ,\t y\t,,\n");
    assert_record(t, 0, 1, 4, "a", "", "c", "");
    assert_record(t, 1, 2, 4, "x", "y", "", "");
    mm_csv_table_free(t);
}

static void test_cp932(void **state)
{
    (void)state;
    /* 表 (0x95 0x5C) and ソ (0x83 0x5C) end in a backslash byte; ｱ is half-width. */
    const char *utf8 = "資産名,保管場所,機密性\r\n表計算ソフト,\"棚, 2 段目\",3\r\nｱｲｳ,金庫,1\r\n";
    size_t len;
    char *bytes = to_cp932(utf8, &len);
    struct mm_csv_table *t = NULL;
    struct mm_csv_error e;
    assert_int_equal(mm_csv_read(bytes, len, NULL, &t, &e), 0);
    assert_int_equal(t->encoding, MM_CSV_ENC_CP932);
    assert_record(t, 0, 1, 3, "資産名", "保管場所", "機密性");
    assert_record(t, 1, 2, 3, "表計算ソフト", "棚, 2 段目", "3");
    assert_record(t, 2, 3, 3, "ｱｲｳ", "金庫", "1");
    mm_csv_table_free(t);

    /* forcing CP932 gives the same; forcing UTF-8 fails at the first bad field */
    struct mm_csv_options o = {.encoding = MM_CSV_ENC_CP932};
    assert_int_equal(mm_csv_read(bytes, len, &o, &t, &e), 0);
    mm_csv_table_free(t);
    o.encoding = MM_CSV_ENC_UTF8;
    e = parse_err(bytes, len, &o, MM_EENCODING, MM_CSV_ERR_ENCODING, 1, 1);
    assert_false(e.detected);
    assert_int_equal(e.encoding, MM_CSV_ENC_UTF8);
    free(bytes);

    /* a UTF-8 header above CP932 rows (detected): the error is at the first
     * CP932 row, said to be mixed, not at line 1 */
    char *rows = to_cp932("表計算ソフト,3\r\n", &len);
    char mixed[128];
    int n = snprintf(mixed, sizeof mixed, "資産名,機密性\r\nPC,1\r\n%.*s", (int)len, rows);
    e = parse_err(mixed, (size_t)n, NULL, MM_EENCODING, MM_CSV_ERR_ENCODING, 3, 1);
    assert_true(e.detected);
    assert_true(e.mixed);
    assert_int_equal(e.encoding, MM_CSV_ENC_UTF8);
    free(rows);
}

/* CP932 whose first non-ASCII bytes are valid UTF-8 on the line that then
 * turns invalid is CP932, not mixed: ﾄｸ is C4 B8 (U+0138), ｲ a lone B2. */
static void test_cp932_starting_like_utf8(void **state)
{
    (void)state;
    size_t len;
    char *row = to_cp932("ﾄｸｲｻｷ ﾘｽﾄ,1\r\n", &len);
    char text[128];
    int n = snprintf(text, sizeof text, "asset,confidentiality\r\n%.*s", (int)len, row);
    struct mm_csv_table *t = NULL;
    struct mm_csv_error e;
    assert_int_equal(mm_csv_read(text, (size_t)n, NULL, &t, &e), 0);
    assert_int_equal(t->encoding, MM_CSV_ENC_CP932);
    assert_record(t, 1, 2, 2, "ﾄｸｲｻｷ ﾘｽﾄ", "1");
    mm_csv_table_free(t);
    free(row);
}

/* A byte-order mark then CP932 on line 1: UTF-8 (the mark says so), the
 * error at line 1, not mixed (no lines before it); after a UTF-8 line it is. */
static void test_bom_then_cp932(void **state)
{
    (void)state;
    size_t len;
    char *cell = to_cp932("表計算ソフト", &len);
    char text[128];
    int n = snprintf(text, sizeof text, "\xef\xbb\xbf%.*s,1\r\n", (int)len, cell);
    struct mm_csv_error e =
        parse_err(text, (size_t)n, NULL, MM_EENCODING, MM_CSV_ERR_ENCODING, 1, 1);
    assert_true(e.detected);
    assert_false(e.mixed);
    assert_int_equal(e.encoding, MM_CSV_ENC_UTF8);

    n = snprintf(text, sizeof text,
                 "\xef\xbb\xbf"
                 "a,b\r\n%.*s,1\r\n",
                 (int)len, cell);
    e = parse_err(text, (size_t)n, NULL, MM_EENCODING, MM_CSV_ERR_ENCODING, 2, 1);
    assert_true(e.mixed);
    free(cell);
}

static void test_encoding_errors(void **state)
{
    (void)state;
    /* not UTF-8, and 0x80 is no CP932 character either: line 2, column 2 */
    const char bad[] = "asset,rating\nPC,\x80\n";
    struct mm_csv_error e =
        parse_err(bad, sizeof bad - 1, NULL, MM_EENCODING, MM_CSV_ERR_ENCODING, 2, 2);
    assert_true(e.detected);
    assert_int_equal(e.encoding, MM_CSV_ENC_CP932);
    assert_string_equal(e.header, "rating");
    /* a CP932 lead byte cut off at the end of a field */
    const char cut[] = "a,b\nx,\x82\n";
    parse_err(cut, sizeof cut - 1, NULL, MM_EENCODING, MM_CSV_ERR_ENCODING, 2, 2);
    /* UTF-16 as Excel's "Unicode text" writes it */
    const char u16[] = "\xff\xfe"
                       "a\0,\0b\0";
    parse_err(u16, sizeof u16 - 1, NULL, MM_EENCODING, MM_CSV_ERR_UTF16, 0, 0);
    /* a NUL inside a field (valid UTF-8 otherwise) */
    const char nul[] = "a,b\nc,d\0e\n";
    parse_err(nul, sizeof nul - 1, NULL, MM_EPARSE, MM_CSV_ERR_NUL, 2, 2);
}

static void test_encoding_names(void **state)
{
    (void)state;
    enum mm_csv_encoding enc;
    assert_int_equal(mm_csv_encoding_parse("UTF-8", &enc), 0);
    assert_int_equal(enc, MM_CSV_ENC_UTF8);
    assert_int_equal(mm_csv_encoding_parse("Shift_JIS", &enc), 0);
    assert_int_equal(enc, MM_CSV_ENC_CP932);
    assert_int_equal(mm_csv_encoding_parse("auto", &enc), 0);
    assert_int_equal(enc, MM_CSV_ENC_AUTO);
    assert_int_equal(mm_csv_encoding_parse("latin1", &enc), MM_EINVAL);
    assert_string_equal(mm_csv_encoding_name(MM_CSV_ENC_CP932), "cp932");
}

static void test_quote_errors(void **state)
{
    (void)state;
    /* a quote inside an unquoted field: line 2, column 2 */
    const char *a = "h1,h2\nx,ab\"c\n";
    struct mm_csv_error e = parse_err(a, strlen(a), NULL, MM_EPARSE, MM_CSV_ERR_QUOTE, 2, 2);
    assert_string_equal(e.header, "h2");
    /* text after a closing quote, in a record that starts on line 3 and
     * continues on line 4: the record's first line is reported */
    const char *b = "h1,h2,h3\nok,ok,ok\n1,\"two\nlines\"x,3\n";
    parse_err(b, strlen(b), NULL, MM_EPARSE, MM_CSV_ERR_QUOTE, 3, 2);
    /* a quoted field never closed: the record starts on line 3, field 3 */
    const char *c = "h1,h2,h3\nok,ok,ok\n1,2,\"open\nstill open\n";
    e = parse_err(c, strlen(c), NULL, MM_EPARSE, MM_CSV_ERR_UNTERMINATED, 3, 3);
    assert_string_equal(e.header, "h3");
    /* in the header itself there is no header name to give */
    const char *d = "\"h1";
    e = parse_err(d, strlen(d), NULL, MM_EPARSE, MM_CSV_ERR_UNTERMINATED, 1, 1);
    assert_string_equal(e.header, "");
}

/* With options.all, every format error of the file is listed in order and
 * reading goes on after each (the next line after a misplaced quote, the
 * record's end after a NUL or a cell too long); a limit still stops it. */
static void test_every_format_error(void **state)
{
    (void)state;
    struct mm_csv_errors all;
    struct mm_csv_options o = {.all = &all, .max_field_bytes = 9};
    const char *text = "h1,h2,h3\n"
                       "x,a\"b,c\n"             /* 2: quote in an unquoted field */
                       "ok,\"two\nlines\",ok\n" /* 3-4: fine */
                       "1,\"q\"x,3\n"           /* 5: text after a closing quote */
                       "1,2,three33333\n"       /* 6: a cell too long */
                       "ok,ok,ok\n"             /* 7: fine */
                       "1,2,\"open\n";          /* 8: never closed */
    struct mm_csv_error e = parse_err(text, strlen(text), &o, MM_EPARSE, MM_CSV_ERR_QUOTE, 2, 2);
    assert_string_equal(e.header, "h2");
    assert_int_equal(all.n, 4);
    assert_int_equal(all.total, 4);
    const size_t lines[] = {2, 5, 6, 8}, columns[] = {2, 2, 3, 3};
    const enum mm_csv_errkind kinds[] = {MM_CSV_ERR_QUOTE, MM_CSV_ERR_QUOTE, MM_CSV_ERR_FIELD_SIZE,
                                         MM_CSV_ERR_UNTERMINATED};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(all.list[i].kind, kinds[i]);
        assert_int_equal(all.list[i].line, lines[i]);
        assert_int_equal(all.list[i].column, columns[i]);
    }
    /* past MM_CSV_ERRORS_MAX only counted */
    char many[2048] = "h1,h2\n";
    for (int i = 0; i < MM_CSV_ERRORS_MAX + 5; i++)
        strcat(many, "a,b\"c\n");
    parse_err(many, strlen(many), &o, MM_EPARSE, MM_CSV_ERR_QUOTE, 2, 2);
    assert_int_equal(all.n, MM_CSV_ERRORS_MAX);
    assert_int_equal(all.total, MM_CSV_ERRORS_MAX + 5);
    assert_int_equal(all.list[MM_CSV_ERRORS_MAX - 1].line, MM_CSV_ERRORS_MAX + 1);
    assert_int_equal(all.nunlisted, 0);
    /* past the list, the first error of each kind the list lacks is kept */
    strcpy(many, "h1,h2\n");
    for (int i = 0; i < MM_CSV_ERRORS_MAX; i++)
        strcat(many, "a,b\"c\n");
    for (int i = 0; i < 3; i++)
        strcat(many, "a,bbbbbbbbbbbb\n");
    strcat(many, "a,b\"c\n");
    parse_err(many, strlen(many), &o, MM_EPARSE, MM_CSV_ERR_QUOTE, 2, 2);
    assert_int_equal(all.total, MM_CSV_ERRORS_MAX + 4);
    assert_int_equal(all.nunlisted, 1);
    assert_int_equal(all.unlisted[0].kind, MM_CSV_ERR_FIELD_SIZE);
    assert_int_equal(all.unlisted[0].line, MM_CSV_ERRORS_MAX + 2);
    /* a limit stops the reading: listed last, nothing after it */
    o = (struct mm_csv_options){.all = &all, .max_records = 3};
    const char *lim = "h\n\"a\"b\nc\nd\ne\nf\"g\n";
    parse_err(lim, strlen(lim), &o, MM_EPARSE, MM_CSV_ERR_QUOTE, 2, 1);
    assert_int_equal(all.total, 2);
    assert_int_equal(all.list[1].kind, MM_CSV_ERR_RECORDS);
    assert_int_equal(all.list[1].line, 5);
    /* a broken heading row (the first record, after blank lines too) stops
     * the reading with that one error: no data row is taken as headings */
    o = (struct mm_csv_options){.all = &all};
    const char *head = "name,ki\"nd,value\nPC1,note,3\nPC2,\"x\"y,3\n";
    e = parse_err(head, strlen(head), &o, MM_EPARSE, MM_CSV_ERR_QUOTE, 1, 2);
    assert_string_equal(e.header, "");
    assert_int_equal(all.total, 1);
    const char *blank = "\n\nname,ki\"nd\nPC1,a\"b\n";
    parse_err(blank, strlen(blank), &o, MM_EPARSE, MM_CSV_ERR_QUOTE, 3, 2);
    assert_int_equal(all.total, 1);
    o = (struct mm_csv_options){.all = &all, .max_field_bytes = 3};
    const char *longhead = "id,kind\nPC1,a\"b\n";
    parse_err(longhead, strlen(longhead), &o, MM_ELIMIT, MM_CSV_ERR_FIELD_SIZE, 1, 2);
    assert_int_equal(all.total, 1);
    /* a good file: no error listed */
    const char *good = "h1,h2\n1,2\n";
    struct mm_csv_table *t = NULL;
    assert_int_equal(mm_csv_read(good, strlen(good), &o, &t, NULL), 0);
    assert_int_equal(all.total, 0);
    mm_csv_table_free(t);
}

/* After a misplaced quote the bad cell ends at the next comma and the record
 * is read on from there: a quoted cell later on that line which goes on over
 * the next lines is not read as rows of their own (no second, false error),
 * and nothing else in that record is reported; the rows after it are, and an
 * unclosed cell after the bad one is. */
static void test_quote_resync(void **state)
{
    (void)state;
    struct mm_csv_errors all;
    struct mm_csv_options o = {.all = &all};
    const char *text = "h1,h2,h3,h4\n"
                       "1,\"M\"e,\"De\nsk\",4\n" /* 2-3: quote, then a two-line cell */
                       "ok,ok,ok,ok\n"           /* 4: fine */
                       "1,\"x\"y,\"z\"w,4\n"     /* 5: two bad cells, one error */
                       "1,a\"b,\"c\nd\ne\"f,4\n" /* 6-8: a three-line cell, junk after it */
                       "2,a\"b\n"                /* 9: a real error after them */
                       "3,\x01\"b,c\n";          /* 10: a quote at column 2 */
    parse_err(text, strlen(text), &o, MM_EPARSE, MM_CSV_ERR_QUOTE, 2, 2);
    const size_t lines[] = {2, 5, 6, 9, 10};
    assert_int_equal(all.total, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(all.list[i].kind, MM_CSV_ERR_QUOTE);
        assert_int_equal(all.list[i].line, lines[i]);
        assert_int_equal(all.list[i].column, 2);
    }
    /* a cell opened after the bad one and never closed is an error of its own */
    const char *open = "h1,h2,h3\n1,\"M\"e,\"open\nmore\nmore\n";
    parse_err(open, strlen(open), &o, MM_EPARSE, MM_CSV_ERR_QUOTE, 2, 2);
    assert_int_equal(all.total, 2);
    assert_int_equal(all.list[1].kind, MM_CSV_ERR_UNTERMINATED);
    assert_int_equal(all.list[1].line, 2);
    assert_int_equal(all.list[1].column, 3);
    /* the column of a quote after a NUL in the same row counts every cell */
    const char nul[] = "h1,h2,h3\n1,a\0b,c\"d\n";
    parse_err(nul, sizeof nul - 1, &o, MM_EPARSE, MM_CSV_ERR_NUL, 2, 2);
    assert_int_equal(all.total, 2);
    assert_int_equal(all.list[1].kind, MM_CSV_ERR_QUOTE);
    assert_int_equal(all.list[1].column, 3);
}

static void test_empty_inputs(void **state)
{
    (void)state;
    parse_err("", 0, NULL, MM_EPARSE, MM_CSV_ERR_EMPTY, 0, 0);
    parse_err("\xef\xbb\xbf", 3, NULL, MM_EPARSE, MM_CSV_ERR_EMPTY, 0, 0);
    parse_err("\r\n\n  \n", 6, NULL, MM_EPARSE, MM_CSV_ERR_EMPTY, 0, 0);
}

static void test_limits(void **state)
{
    (void)state;
    const char *text = "a,b,c\nd,e,f\ng,h,i\n";
    struct mm_csv_options o = {.max_bytes = 10};
    parse_err(text, strlen(text), &o, MM_ETOOBIG, MM_CSV_ERR_TOOBIG, 0, 0);
    o = (struct mm_csv_options){.max_records = 2};
    parse_err(text, strlen(text), &o, MM_ELIMIT, MM_CSV_ERR_RECORDS, 3, 0);
    o = (struct mm_csv_options){.max_fields = 2};
    parse_err(text, strlen(text), &o, MM_ELIMIT, MM_CSV_ERR_FIELDS, 1, 3);
    o = (struct mm_csv_options){.max_cells = 7};
    parse_err(text, strlen(text), &o, MM_ELIMIT, MM_CSV_ERR_CELLS, 3, 2);
    o = (struct mm_csv_options){.max_field_bytes = 3};
    const char *longer = "abc,de\nabcd,x\n";
    struct mm_csv_error e =
        parse_err(longer, strlen(longer), &o, MM_ELIMIT, MM_CSV_ERR_FIELD_SIZE, 2, 1);
    assert_string_equal(e.header, "abc");
}

/* A field of 4 MB (quoted, so libcsv keeps all of it before the size check)
 * is refused at the size limit with its place. The parser grows its buffer
 * in 64 KiB blocks, not libcsv's default 128 bytes (one copy per 128 bytes
 * made this take half a minute under ASan); that speed is not timed here:
 * the test suite asserts behaviour, speed targets live in bench/. */
static void test_long_field(void **state)
{
    (void)state;
    size_t n = 4u * 1024 * 1024;
    char *text = malloc(n + 8);
    assert_non_null(text);
    text[0] = '"';
    memset(text + 1, 'x', n);
    memcpy(text + 1 + n, "\"\n", 3);
    parse_err(text, n + 3, NULL, MM_ELIMIT, MM_CSV_ERR_FIELD_SIZE, 1, 1);
    free(text);
}

static void test_read_file(void **state)
{
    (void)state;
    struct mm_csv_table *t = (void *)1;
    struct mm_csv_error e;
    assert_int_equal(mm_csv_read_file("/nonexistent/mamori.csv", NULL, &t, &e), MM_ENOENT);
    assert_null(t);
    assert_int_equal(e.kind, MM_CSV_ERR_IO);
    char path[] = "/tmp/mm-test-csv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x,y\n1,2\n", 8), 8);
    close(fd);
    assert_int_equal(mm_csv_read_file(path, NULL, &t, &e), 0);
    assert_record(t, 1, 2, 2, "1", "2");
    mm_csv_table_free(t);
    struct mm_csv_options o = {.max_bytes = 4};
    assert_int_equal(mm_csv_read_file(path, &o, &t, &e), MM_ETOOBIG);
    assert_int_equal(e.kind, MM_CSV_ERR_TOOBIG);
    unlink(path);
    mm_csv_table_free(NULL);
}

static void test_writer(void **state)
{
    (void)state;
    struct mm_buf b = MM_BUF_INIT;
    const char *fields[] = {"plain", "a,b",      "say \"hi\"", "two\nlines", " pad",
                            "",      "=SUM(A1)", "-1",         "@x",         "日本語"};
    assert_int_equal(mm_csv_put_record(&b, fields, 10, true), 0);
    assert_string_equal(mm_buf_str(&b), "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" "
                                        "pad\",,'=SUM(A1),'-1,'@x,日本語\r\n");
    /* the full-width ＝＋－＠ too (Japanese Excel reads them as = + - @); not
     * other full-width text (Ｂ, （) nor a lone lead byte */
    mm_buf_reset(&b);
    const char *wide[] = {"＝SUM(A1)", "＋1", "－1", "＠x", "Ｂ社", "（株）", "\xef"};
    assert_int_equal(mm_csv_put_record(&b, wide, 7, true), 0);
    assert_string_equal(mm_buf_str(&b), "'＝SUM(A1),'＋1,'－1,'＠x,Ｂ社,（株）,\xef\r\n");
    mm_buf_reset(&b);
    assert_int_equal(mm_csv_put_record(&b, fields + 6, 2, false), 0);
    assert_string_equal(mm_buf_str(&b), "=SUM(A1),-1\r\n");
    /* what the writer quotes, the reader reads back */
    mm_buf_reset(&b);
    assert_int_equal(mm_csv_put_record(&b, fields, 6, false), 0);
    struct mm_csv_table *t = parse_ok(mm_buf_str(&b));
    for (size_t f = 0; f < 6; f++)
        assert_string_equal(t->records[0].fields[f], fields[f]);
    mm_csv_table_free(t);
    mm_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lf_crlf_cr),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_quoted_commas_and_newlines),
        cmocka_unit_test(test_record_lines),
        cmocka_unit_test(test_empty_fields_and_spaces),
        cmocka_unit_test(test_cp932),
        cmocka_unit_test(test_cp932_starting_like_utf8),
        cmocka_unit_test(test_bom_then_cp932),
        cmocka_unit_test(test_encoding_errors),
        cmocka_unit_test(test_encoding_names),
        cmocka_unit_test(test_quote_errors),
        cmocka_unit_test(test_every_format_error),
        cmocka_unit_test(test_quote_resync),
        cmocka_unit_test(test_empty_inputs),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_long_field),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
