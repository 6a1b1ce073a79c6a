/* SPDX-License-Identifier: Apache-2.0
 * Owns the validating single-pass JSON scanner (jsonscan.h): a recursive
 * descent over the text with strict UTF-8 and escape checks, duplicate key
 * detection per object, and the recording of wanted paths. It refuses
 * rather than guesses: anything it does not decide exactly like jansson is
 * refused (the caller's full parse decides). */
#include "core/jsonscan.h"

#include <string.h>

#include "core/error.h"

struct span {
    const char *s;
    size_t n;
};

/* Which wanted fields a value may still lead to: bit i for fields[i]. */
typedef uint32_t wantset;

struct scan {
    const char *p, *end;
    struct mm_jscan_field *fields;
    const struct mm_jscan_paths *ps;
    int nest;
};

static int parse_value(struct scan *sc, int depth, wantset cand, struct mm_jscan_field *f);

/* Bytes a string holds as they are: printable ASCII but the quote and the
 * backslash. */
static const unsigned char plain[256] = {
    [0x20] = 1,
    [0x21] = 1,
    [0x23 ... 0x5B] = 1,
    [0x5D ... 0x7F] = 1,
};

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

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Skips the plain bytes at sc->p (see the table plain): eight at a time,
 * by a mask with the high bit of each byte that is not plain. A byte's bit
 * can be wrong only above (after) a byte that really is not plain, so the
 * lowest bit set is exact. */
static void skip_plain(struct scan *sc)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (sc->end - sc->p >= 8) {
        uint64_t w, q, b;
        memcpy(&w, sc->p, sizeof w);
        q = w ^ ('"' * ONES);
        b = w ^ ('\\' * ONES);
        uint64_t stop = (w | (w - 0x20 * ONES) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
        if (stop) {
            sc->p += __builtin_ctzll(stop) / 8;
            return;
        }
        sc->p += 8;
    }
#endif
    while (sc->p < sc->end && plain[(unsigned char)*sc->p])
        sc->p++;
}

/* Skips a run of three-byte UTF-8 sequences whose lead byte puts no limit
 * on the second byte (E1-EC, EE-EF: most of Japanese text); utf8_seq
 * decides every other sequence. */
static void skip_utf8_3(struct scan *sc)
{
    const unsigned char *s = (const unsigned char *)sc->p;
    while (sc->end - sc->p >= 3 &&
           ((s[0] >= 0xE1 && s[0] <= 0xEC) || s[0] == 0xEE || s[0] == 0xEF) &&
           (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        sc->p += 3;
        s += 3;
    }
}

/* A string at sc->p (the opening quote); out gets its raw contents. */
static int parse_string(struct scan *sc, struct span *out, bool *escaped)
{
    const char *start = ++sc->p;
    *escaped = false;
    while (sc->p < sc->end) {
        skip_plain(sc); /* the common case first */
        if (sc->p >= sc->end)
            break;
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
            skip_utf8_3(sc);
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

/* The fields of cand whose path component at depth is k: *ends gets those
 * whose path ends there, the result those that go deeper. */
static wantset match_key(const struct scan *sc, int depth, wantset cand, struct span k,
                         wantset *ends)
{
    wantset deeper = 0;
    *ends = 0;
    /* k.s[0] is the closing quote for an empty key, which no part starts with */
    for (wantset left = cand & sc->ps->first[depth][(unsigned char)k.s[0]]; left;
         left &= left - 1) {
        int i = __builtin_ctz(left);
        if (sc->ps->part[i][depth].n != k.n || memcmp(sc->ps->part[i][depth].s, k.s, k.n) != 0)
            continue;
        if (sc->ps->parts[i] == depth + 1)
            *ends |= (wantset)1 << i;
        else
            deeper |= (wantset)1 << i;
    }
    return deeper;
}

/* One of 64 bits chosen by a key's length and its first and last bytes. */
static uint64_t key_bit(struct span k)
{
    unsigned h = (unsigned)k.n * 31;
    if (k.n > 0)
        h += (unsigned char)k.s[0] * 7u + (unsigned char)k.s[k.n - 1];
    return (uint64_t)1 << (h & 63);
}

/* An object at depth (0: the top) whose keys may lead to the fields of
 * cand. */
static int parse_object(struct scan *sc, int depth, wantset cand)
{
    struct span keys[MM_JSCAN_KEYS_MAX];
    uint64_t seen = 0;
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
        /* Equal keys have the same bit in seen: only a key whose bit is set
         * already can be a duplicate. */
        uint64_t bit = key_bit(k);
        for (int i = 0; (seen & bit) && i < nkeys; i++)
            if (keys[i].n == k.n && memcmp(keys[i].s, k.s, k.n) == 0)
                return MM_EPARSE;
        seen |= bit;
        keys[nkeys++] = k;
        skip_ws(sc);
        if (!at(sc, ':'))
            return MM_EPARSE;
        sc->p++;
        skip_ws(sc);
        wantset ends = 0, deeper = cand ? match_key(sc, depth, cand, k, &ends) : 0;
        /* Paths are distinct, so at most one ends here (the first, if not). */
        struct mm_jscan_field *f = ends ? &sc->fields[__builtin_ctz(ends)] : NULL;
        if (parse_value(sc, depth + 1, deeper, f) != 0)
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
        if (parse_value(sc, 0, 0, NULL) != 0)
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

/* A value at depth (below the top object) that is wanted field f (NULL:
 * none) and whose keys may lead to the fields of cand. */
static int parse_value(struct scan *sc, int depth, wantset cand, struct mm_jscan_field *f)
{
    const char *start = sc->p;
    struct span s;
    bool esc;
    int r;
    if (sc->p >= sc->end)
        return MM_EPARSE;
    switch (*sc->p) {
    case '{':
        r = parse_object(sc, depth, depth < MM_JSCAN_PATH_MAX ? cand : 0);
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

int mm_jscan_paths_init(struct mm_jscan_paths *ps, const char *const *paths, size_t n)
{
    memset(ps, 0, sizeof *ps);
    if (n > MM_JSCAN_FIELDS_MAX)
        return MM_EINVAL;
    for (size_t i = 0; i < n; i++) {
        const char *p = paths[i];
        int k = 0;
        for (;;) {
            size_t len = strcspn(p, ".");
            if (k == MM_JSCAN_PATH_MAX || len == 0)
                return MM_EINVAL;
            ps->part[i][k].s = p;
            ps->part[i][k].n = len;
            ps->first[k++][(unsigned char)p[0]] |= (uint32_t)1 << i;
            if (p[len] == '\0')
                break;
            p += len + 1;
        }
        ps->parts[i] = k;
    }
    ps->n = n;
    return 0;
}

int mm_jscan_object_paths(const char *text, size_t len, const struct mm_jscan_paths *ps,
                          struct mm_jscan_field *fields)
{
    struct scan sc = {.p = text, .end = text + len, .fields = fields, .ps = ps};
    for (size_t i = 0; i < ps->n; i++) {
        fields[i].type = MM_JSCAN_ABSENT;
        fields[i].text = NULL;
        fields[i].len = 0;
        fields[i].escaped = false;
        fields[i].integer = 0;
    }
    skip_ws(&sc);
    wantset all = ps->n ? (wantset)((1ULL << ps->n) - 1) : 0;
    if (!at(&sc, '{') || parse_object(&sc, 0, all) != 0)
        return MM_EPARSE;
    skip_ws(&sc);
    return sc.p == sc.end ? 0 : MM_EPARSE;
}

int mm_jscan_object(const char *text, size_t len, struct mm_jscan_field *fields, size_t n)
{
    struct mm_jscan_paths ps;
    const char *paths[MM_JSCAN_FIELDS_MAX];
    if (n > MM_JSCAN_FIELDS_MAX)
        return MM_EINVAL;
    for (size_t i = 0; i < n; i++)
        paths[i] = fields[i].path;
    int r = mm_jscan_paths_init(&ps, paths, n);
    return r != 0 ? r : mm_jscan_object_paths(text, len, &ps, fields);
}
