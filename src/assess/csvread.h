/* SPDX-License-Identifier: Apache-2.0
 * Reading CSV files as people save them from spreadsheets: UTF-8 with or
 * without a byte-order mark, or CP932 (Shift_JIS as written by Japanese
 * Excel), CRLF or LF line ends, quoted fields holding commas and line breaks.
 * Parsing is libcsv in strict mode; decoding is glibc iconv. Every error
 * carries the physical line where the offending record starts and the 1-based
 * field index, so a person can find the cell in their spreadsheet.
 *
 * The reader is generic (the risk analysis uses it; the centre may import
 * inventories with it later); it knows nothing about column meanings. A
 * small writer for RFC 4180 output (CRLF, quoting as needed) is here too. */
#ifndef MM_ASSESS_CSVREAD_H
#define MM_ASSESS_CSVREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

enum mm_csv_encoding {
    /* byte-order mark -> UTF-8; valid UTF-8 -> UTF-8; UTF-8 text beyond
     * ASCII on complete lines before the first byte that is not -> UTF-8
     * (mixed: the error names that line); else CP932 */
    MM_CSV_ENC_AUTO = 0,
    MM_CSV_ENC_UTF8,
    MM_CSV_ENC_CP932,
};

/* Defaults used when a limit in mm_csv_options is 0. */
#define MM_CSV_DEFAULT_MAX_BYTES       (16u * 1024 * 1024)
#define MM_CSV_DEFAULT_MAX_RECORDS     100000u
#define MM_CSV_DEFAULT_MAX_FIELDS      256u
#define MM_CSV_DEFAULT_MAX_FIELD_BYTES (64u * 1024)
#define MM_CSV_DEFAULT_MAX_CELLS       1000000u

struct mm_csv_errors;

struct mm_csv_options {
    enum mm_csv_encoding encoding;
    size_t max_bytes;       /* whole input, before decoding */
    size_t max_records;     /* records, the header included */
    size_t max_fields;      /* fields in one record */
    size_t max_field_bytes; /* one field, after decoding */
    size_t max_cells;       /* fields in the whole file */
    /* NULL: reading stops at the first error. Else every format error
     * (MM_CSV_ERR_QUOTE, _NUL, _FIELD_SIZE) is listed here and reading goes
     * on with the next record, so one broken row does not hide the others
     * (after a misplaced quote the bad cell ends at the next comma and the
     * rest of its record is read without another misplaced quote being
     * listed); any other error still stops it. The result is the same
     * failure with the first error in err. */
    struct mm_csv_errors *all;
};

/* What went wrong; callers turn it into a message in the reader's language. */
enum mm_csv_errkind {
    MM_CSV_ERR_NONE = 0,
    MM_CSV_ERR_NOMEM,        /* out of memory */
    MM_CSV_ERR_IO,           /* the file could not be read (mm_csv_read_file) */
    MM_CSV_ERR_EMPTY,        /* no record at all */
    MM_CSV_ERR_TOOBIG,       /* more than max_bytes */
    MM_CSV_ERR_UTF16,        /* a UTF-16 byte-order mark ("Unicode text" from Excel) */
    MM_CSV_ERR_RECORDS,      /* more than max_records; line is the first one too many */
    MM_CSV_ERR_FIELDS,       /* a record with more than max_fields fields */
    MM_CSV_ERR_CELLS,        /* more than max_cells fields in the file */
    MM_CSV_ERR_FIELD_SIZE,   /* one field longer than max_field_bytes */
    MM_CSV_ERR_QUOTE,        /* a stray quote: inside an unquoted field or after a closing one */
    MM_CSV_ERR_UNTERMINATED, /* a quoted field still open at the end of the file */
    MM_CSV_ERR_ENCODING,     /* bytes that are not text in the chosen encoding */
    MM_CSV_ERR_NUL,          /* a NUL character inside a field */
};
#define MM_CSV_NKINDS (MM_CSV_ERR_NUL + 1)

struct mm_csv_error {
    enum mm_csv_errkind kind;
    size_t line;      /* 1-based physical line where the record starts; 0: whole file */
    size_t column;    /* 1-based field index; 0: not about one field */
    char header[128]; /* the first record's field at .column when the error is
                       * in a later record, else ""; may be shortened */
    enum mm_csv_encoding encoding; /* the encoding in use when it happened */
    bool detected;                 /* the encoding was detected, not given */
    bool mixed; /* detected as UTF-8 from the lines before, but not all of it is */
};

/* Every format error of one reading, in the order of the file: the first
 * MM_CSV_ERRORS_MAX of them, and how many there were in all; past the list,
 * the first error of each kind the list does not hold (so that its next step
 * can still be said). */
#define MM_CSV_ERRORS_MAX 20
struct mm_csv_errors {
    size_t n;     /* kept in list */
    size_t total; /* found (n, then those past the limit) */
    struct mm_csv_error list[MM_CSV_ERRORS_MAX];
    size_t nunlisted; /* kept in unlisted */
    struct mm_csv_error unlisted[MM_CSV_NKINDS];
};

struct mm_csv_record {
    size_t line;    /* 1-based physical line where the record starts */
    size_t nfields; /* at least 1 */
    char **fields;  /* UTF-8, NUL-terminated; embedded CRLF turned into LF */
};

struct mm_csv_table {
    struct mm_csv_record *records;
    size_t nrecords;
    enum mm_csv_encoding encoding; /* the encoding actually used (never AUTO) */
    bool bom;                      /* the input started with a UTF-8 byte-order mark */
};

/* Parses len bytes of CSV. opt may be NULL (automatic encoding, default
 * limits). Blank lines produce no record; unquoted fields lose surrounding
 * spaces and tabs (libcsv). On success *out is a new table (free it with
 * mm_csv_table_free). On failure *out stays NULL, err says what and where,
 * and the return is MM_EPARSE (syntax), MM_EENCODING, MM_ETOOBIG, MM_ELIMIT
 * or MM_ENOMEM. err may be NULL. */
int mm_csv_read(const void *data, size_t len, const struct mm_csv_options *opt,
                struct mm_csv_table **out, struct mm_csv_error *err);

/* Reads path ("-" for stdin) with the max_bytes limit, then mm_csv_read.
 * A missing or unreadable file is MM_ENOENT / MM_EPERM / MM_EIO with
 * err->kind MM_CSV_ERR_IO. */
int mm_csv_read_file(const char *path, const struct mm_csv_options *opt, struct mm_csv_table **out,
                     struct mm_csv_error *err);

void mm_csv_table_free(struct mm_csv_table *t);

/* "utf-8" or "cp932" ("auto" for MM_CSV_ENC_AUTO). */
const char *mm_csv_encoding_name(enum mm_csv_encoding enc);

/* Parses an --encoding value: utf-8, utf8, cp932, shift_jis, sjis, windows-31j
 * (case-insensitive) or auto. Returns 0 or MM_EINVAL. */
int mm_csv_encoding_parse(const char *s, enum mm_csv_encoding *out);

/* Appends one field, quoted when it holds a comma, quote, CR, LF or leading
 * or trailing space. With neutralise set, a field starting with =, +, -, @,
 * TAB or CR, or with the full-width ＝＋－＠, gets a leading apostrophe so
 * spreadsheets do not run it as a formula (CSV injection). */
int mm_csv_put_field(struct mm_buf *b, const char *s, bool neutralise);

/* Appends n fields separated by commas and ending in CRLF. */
int mm_csv_put_record(struct mm_buf *b, const char *const *fields, size_t n, bool neutralise);

#endif
