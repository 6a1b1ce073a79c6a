/* SPDX-License-Identifier: Apache-2.0
 * The JSON scanner of core/jsonscan.c as it was before its fast string
 * skip and key matching by candidate sets (commit d15bef1), kept as the
 * reference of test-jsonscan-diff.c: ref_jscan_object must give exactly
 * what mm_jscan_object gives. Not built into any program. */
#include "core/jsonscan.h"

int ref_jscan_object(const char *text, size_t len, struct mm_jscan_field *fields, size_t n);

#include <string.h>

#include "core/error.h"

#define FIELDS_MAX 16

struct span {
    const char *s;
    size_t n;
};

struct scan {
    const char *p, *end;
    struct mm_jscan_field *fields;
    size_t nfields;
    struct span want[FIELDS_MAX][MM_JSCAN_PATH_MAX]; /* the wanted paths, split */
    int want_len[FIELDS_MAX];
    struct span key[MM_JSCAN_PATH_MAX]; /* the keys leading to the current value */
    int nest;
};

static int parse_value(struct scan *sc, int pathlen, bool tracked);

static void skip_ws(struct scan *sc)
{
    while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\n' || *sc->p == '\r' || *sc->p == '\t'))
        sc->p++;
}

static bool at(const struct scan *sc, char c)
{
    return sc->p < sc->end && *sc->p == c;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4)
        return MM_EPARSE;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return MM_EPARSE;
    }
    *out = v;
    return 0;
}

/* A \u escape at p (after the backslash and 'u'): no U+0000, surrogates
 * only as a high-low pair. Advances sc->p past it. */
static int unicode_escape(struct scan *sc)
{
    unsigned cp, lo;
    if (hex4(sc->p, sc->end, &cp) != 0 || cp == 0)
        return MM_EPARSE;
    sc->p += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return MM_EPARSE;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (sc->end - sc->p < 6 || sc->p[0] != '\\' || sc->p[1] != 'u' ||
            hex4(sc->p + 2, sc->end, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
            return MM_EPARSE;
        sc->p += 6;
    }
    return 0;
}

/* One UTF-8 sequence of two to four bytes (no overlongs, surrogates or
 * code points past U+10FFFF). Advances sc->p past it. */
static int utf8_seq(struct scan *sc)
{
    const unsigned char *s = (const unsigned char *)sc->p;
    size_t left = (size_t)(sc->end - sc->p);
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return MM_EPARSE;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (left < n || s[1] < lo || s[1] > hi)
        return MM_EPARSE;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return MM_EPARSE;
    sc->p += n;
    return 0;
}

/* A string at sc->p (the opening quote); out gets its raw contents. */
static int parse_string(struct scan *sc, struct span *out, bool *escaped)
{
    const char *start = ++sc->p;
    *escaped = false;
    while (sc->p < sc->end) {
        unsigned char c = (unsigned char)*sc->p;
        if (c == '"') {
            out->s = start;
            out->n = (size_t)(sc->p - start);
            sc->p++;
            return 0;
        }
        if (c < 0x20)
            return MM_EPARSE;
        if (c >= 0x80) {
            if (utf8_seq(sc) != 0)
                return MM_EPARSE;
            continue;
        }
        sc->p++;
        if (c != '\\')
            continue;
        *escaped = true;
        if (sc->p >= sc->end)
            return MM_EPARSE;
        c = (unsigned char)*sc->p++;
        if (c == 'u') {
            if (unicode_escape(sc) != 0)
                return MM_EPARSE;
        } else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
            return MM_EPARSE;
        }
    }
    return MM_EPARSE;
}

/* A number: -?(0|[1-9][0-9]*)(\.[0-9]+)? with at most 18 integer digits;
 * exponents are left to jansson. */
static int parse_number(struct scan *sc, struct mm_jscan_field *f)
{
    const char *start = sc->p;
    bool neg = false, real = false;
    int64_t v = 0;
    int digits = 0;
    if (at(sc, '-')) {
        neg = true;
        sc->p++;
    }
    if (sc->p >= sc->end || *sc->p < '0' || *sc->p > '9')
        return MM_EPARSE;
    if (*sc->p == '0') {
        sc->p++;
        if (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9')
            return MM_EPARSE;
    } else {
        while (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9') {
            if (++digits > 18)
                return MM_EPARSE;
            v = v * 10 + (*sc->p++ - '0');
        }
    }
    if (at(sc, '.')) {
        real = true;
        sc->p++;
        if (sc->p >= sc->end || *sc->p < '0' || *sc->p > '9')
            return MM_EPARSE;
        while (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9')
            sc->p++;
    }
    if (at(sc, 'e') || at(sc, 'E'))
        return MM_EPARSE;
    if (f) {
        f->type = real ? MM_JSCAN_REAL : MM_JSCAN_INTEGER;
        f->integer = neg ? -v : v;
        f->text = start;
        f->len = (size_t)(sc->p - start);
    }
    return 0;
}

static int parse_literal(struct scan *sc, const char *word, enum mm_jscan_type type,
                         struct mm_jscan_field *f)
{
    size_t n = strlen(word);
    if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, word, n) != 0)
        return MM_EPARSE;
    if (f) {
        f->type = type;
        f->text = sc->p;
        f->len = n;
    }
    sc->p += n;
    return 0;
}

static int parse_object(struct scan *sc, int pathlen, bool tracked)
{
    struct span keys[MM_JSCAN_KEYS_MAX];
    int nkeys = 0;
    if (++sc->nest > MM_JSCAN_DEPTH_MAX)
        return MM_EPARSE;
    sc->p++;
    skip_ws(sc);
    if (at(sc, '}')) {
        sc->p++;
        sc->nest--;
        return 0;
    }
    for (;;) {
        struct span k;
        bool esc;
        if (!at(sc, '"') || parse_string(sc, &k, &esc) != 0 || esc || nkeys == MM_JSCAN_KEYS_MAX)
            return MM_EPARSE;
        for (int i = 0; i < nkeys; i++)
            if (keys[i].n == k.n && memcmp(keys[i].s, k.s, k.n) == 0)
                return MM_EPARSE;
        keys[nkeys++] = k;
        skip_ws(sc);
        if (!at(sc, ':'))
            return MM_EPARSE;
        sc->p++;
        skip_ws(sc);
        bool child = tracked && pathlen < MM_JSCAN_PATH_MAX;
        if (child)
            sc->key[pathlen] = k;
        if (parse_value(sc, pathlen + 1, child) != 0)
            return MM_EPARSE;
        skip_ws(sc);
        if (at(sc, '}')) {
            sc->p++;
            sc->nest--;
            return 0;
        }
        if (!at(sc, ','))
            return MM_EPARSE;
        sc->p++;
        skip_ws(sc);
    }
}

static int parse_array(struct scan *sc)
{
    if (++sc->nest > MM_JSCAN_DEPTH_MAX)
        return MM_EPARSE;
    sc->p++;
    skip_ws(sc);
    if (at(sc, ']')) {
        sc->p++;
        sc->nest--;
        return 0;
    }
    for (;;) {
        if (parse_value(sc, 0, false) != 0)
            return MM_EPARSE;
        skip_ws(sc);
        if (at(sc, ']')) {
            sc->p++;
            sc->nest--;
            return 0;
        }
        if (!at(sc, ','))
            return MM_EPARSE;
        sc->p++;
        skip_ws(sc);
    }
}

/* The wanted field whose path is the current key path of length pathlen. */
static struct mm_jscan_field *wanted(struct scan *sc, int pathlen)
{
    for (size_t i = 0; i < sc->nfields; i++) {
        if (sc->want_len[i] != pathlen)
            continue;
        int k = 0;
        while (k < pathlen && sc->want[i][k].n == sc->key[k].n &&
               memcmp(sc->want[i][k].s, sc->key[k].s, sc->key[k].n) == 0)
            k++;
        if (k == pathlen)
            return &sc->fields[i];
    }
    return NULL;
}

static int parse_value(struct scan *sc, int pathlen, bool tracked)
{
    struct mm_jscan_field *f = tracked && pathlen > 0 ? wanted(sc, pathlen) : NULL;
    const char *start = sc->p;
    struct span s;
    bool esc;
    int r;
    if (sc->p >= sc->end)
        return MM_EPARSE;
    switch (*sc->p) {
    case '{':
        r = parse_object(sc, pathlen, tracked);
        if (r == 0 && f) {
            f->type = MM_JSCAN_OBJECT;
            f->text = start;
            f->len = (size_t)(sc->p - start);
        }
        return r;
    case '[':
        r = parse_array(sc);
        if (r == 0 && f) {
            f->type = MM_JSCAN_ARRAY;
            f->text = start;
            f->len = (size_t)(sc->p - start);
        }
        return r;
    case '"':
        r = parse_string(sc, &s, &esc);
        if (r == 0 && f) {
            f->type = MM_JSCAN_STRING;
            f->text = s.s;
            f->len = s.n;
            f->escaped = esc;
        }
        return r;
    case 't':
        return parse_literal(sc, "true", MM_JSCAN_TRUE, f);
    case 'f':
        return parse_literal(sc, "false", MM_JSCAN_FALSE, f);
    case 'n':
        return parse_literal(sc, "null", MM_JSCAN_NULL, f);
    default:
        return parse_number(sc, f);
    }
}

/* Splits the wanted paths into their components. */
static int split_paths(struct scan *sc)
{
    if (sc->nfields > FIELDS_MAX)
        return MM_EINVAL;
    for (size_t i = 0; i < sc->nfields; i++) {
        const char *p = sc->fields[i].path;
        int n = 0;
        for (;;) {
            size_t len = strcspn(p, ".");
            if (n == MM_JSCAN_PATH_MAX || len == 0)
                return MM_EINVAL;
            sc->want[i][n++] = (struct span){p, len};
            if (p[len] == '\0')
                break;
            p += len + 1;
        }
        sc->want_len[i] = n;
        sc->fields[i].type = MM_JSCAN_ABSENT;
        sc->fields[i].text = NULL;
        sc->fields[i].len = 0;
        sc->fields[i].escaped = false;
        sc->fields[i].integer = 0;
    }
    return 0;
}

int ref_jscan_object(const char *text, size_t len, struct mm_jscan_field *fields, size_t n)
{
    struct scan sc = {.p = text, .end = text + len, .fields = fields, .nfields = n};
    int r = split_paths(&sc);
    if (r != 0)
        return r;
    skip_ws(&sc);
    if (!at(&sc, '{') || parse_object(&sc, 0, true) != 0)
        return MM_EPARSE;
    skip_ws(&sc);
    return sc.p == sc.end ? 0 : MM_EPARSE;
}
