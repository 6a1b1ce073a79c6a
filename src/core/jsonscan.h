/* SPDX-License-Identifier: Apache-2.0
 * A validating single-pass JSON scanner for hot paths (the centre's
 * ingest): it checks one JSON text (syntax, UTF-8, duplicate keys) without
 * building a tree or allocating, and reports where the values of a few
 * chosen object paths ("seq", "alert.signature_id") are in the text.
 *
 * Its promise is one-sided: when it accepts a text, jansson's
 * json_loadb(..., JSON_REJECT_DUPLICATES) accepts it too, as an object.
 * It refuses what it does not want to decide cheaply (numbers with an
 * exponent or more than 18 digits, object keys with escapes, more than
 * MM_JSCAN_KEYS_MAX keys in one object, nesting deeper than
 * MM_JSCAN_DEPTH_MAX); callers then take the full jansson path, which also
 * gives the exact error message. tests/fuzz/fuzz-jsonscan.c checks the
 * promise against jansson on every input, and
 * tests/unit/center/test-jsonscan-diff.c the scanner against its earlier,
 * plainer version. */
#ifndef MM_CORE_JSONSCAN_H
#define MM_CORE_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MM_JSCAN_DEPTH_MAX 32
#define MM_JSCAN_KEYS_MAX  64
#define MM_JSCAN_PATH_MAX  3 /* components of a wanted path */

enum mm_jscan_type {
    MM_JSCAN_ABSENT = 0,
    MM_JSCAN_STRING,
    MM_JSCAN_INTEGER,
    MM_JSCAN_REAL,
    MM_JSCAN_TRUE,
    MM_JSCAN_FALSE,
    MM_JSCAN_NULL,
    MM_JSCAN_OBJECT,
    MM_JSCAN_ARRAY,
};

/* A wanted value: path is set by the caller ("a", "a.b", "a.b.c": object
 * keys without dots or escapes); the rest is filled by the scan. */
struct mm_jscan_field {
    const char *path;
    enum mm_jscan_type type; /* MM_JSCAN_ABSENT when the path is not there */
    const char *text;        /* the value's text; for strings, between the quotes */
    size_t len;
    bool escaped;    /* a string holding backslash escapes (text is raw) */
    int64_t integer; /* MM_JSCAN_INTEGER's value */
};

/* Scans text[0..len) as one JSON object (surrounding whitespace allowed)
 * and fills fields[0..n). 0 when accepted; MM_EPARSE when the text is not
 * valid JSON or not an object, or is a form the scanner leaves to jansson
 * (see above). Never allocates. */
int mm_jscan_object(const char *text, size_t len, struct mm_jscan_field *fields, size_t n);

/* A set of wanted paths split once, for a hot path that scans many texts
 * for the same fields (mm_jscan_paths_init); only read by scans, so
 * threads may share it. */
#define MM_JSCAN_FIELDS_MAX 16
struct mm_jscan_paths {
    size_t n;
    struct {
        const char *s;
        size_t n;
    } part[MM_JSCAN_FIELDS_MAX][MM_JSCAN_PATH_MAX];
    int parts[MM_JSCAN_FIELDS_MAX];
    /* per depth and first byte of a key: the fields (bit i: part[i]) whose
     * path component there starts with that byte */
    uint32_t first[MM_JSCAN_PATH_MAX][256];
};

/* Splits paths[0..n) (each like mm_jscan_field's path; the strings must
 * outlive ps). 0, or MM_EINVAL for a bad path or more than
 * MM_JSCAN_FIELDS_MAX of them. */
int mm_jscan_paths_init(struct mm_jscan_paths *ps, const char *const *paths, size_t n);
/* mm_jscan_object for the paths of ps: fills fields[0..ps->n) (their path
 * members are not read). */
int mm_jscan_object_paths(const char *text, size_t len, const struct mm_jscan_paths *ps,
                          struct mm_jscan_field *fields);

#endif
