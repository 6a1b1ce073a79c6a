/* SPDX-License-Identifier: Apache-2.0
 * EVE JSON lines to a file or stdout. Lines are serialised by a small
 * writer of our own (the hot path: jansson's dump goes through a callback per
 * token and printf per number), byte-for-byte the compact form
 * mm_eve_write_line produces, into one reused buffer, then written through
 * stdio (large buffer, flushed at stats time, file end and exit). Rotation by size: before a line
 * that would make the file exceed max_bytes, FILE.(N-1) -> FILE.N ... FILE -> FILE.1 and a fresh
 * FILE is opened, so no line is ever split across files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/json-pool.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/eve.h"
#include "core/str.h"
#include "sensor/output/output.h"

#define PATH_MAX_LEN 4096
#define STDIO_BUF    (256 * 1024)

/* ---- the JSON writer ------------------------------------------------------ */

#define JSON_DEPTH_MAX 64

/* A plain growable line buffer: the writer checks room once per token. */
struct jbuf {
    char *p;
    size_t len, cap;
    int err;
};

struct mm_eve_out {
    FILE *fp;
    bool is_stdout;
    char path[PATH_MAX_LEN];
    uint64_t max_bytes, size, rotations;
    unsigned keep;
    struct jbuf line;
    char *iobuf;
};

/* Makes room for n more bytes; false (b->err set) when memory runs out. */
static bool jb_grow(struct jbuf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) {
        b->err = MM_ENOMEM;
        return false;
    }
    b->p = np;
    b->cap = cap;
    return true;
}

/* Where the next n bytes go (NULL when memory runs out): the writer
 * reserves once per token and then stores through the pointer. */
static inline char *jb_reserve(struct jbuf *b, size_t n)
{
    if (b->len + n > b->cap && !jb_grow(b, n))
        return NULL;
    return b->p + b->len;
}

static void jb_put(struct jbuf *b, const char *s, size_t n)
{
    char *o = jb_reserve(b, n);
    if (o) {
        memcpy(o, s, n);
        b->len += n;
    }
}

static inline void jb_putc(struct jbuf *b, char c)
{
    char *o = jb_reserve(b, 1);
    if (o) {
        *o = c;
        b->len++;
    }
}

/* Bytes that end a plain run: those a JSON string must escape (below 0x20,
 * '"' and '\\') and those that are not ASCII (checked as UTF-8). */
// clang-format off
#define ONES8  1, 1, 1, 1, 1, 1, 1, 1
#define ZEROS8 0, 0, 0, 0, 0, 0, 0, 0
static const bool special_byte[256] = {
    ONES8, ONES8, ONES8, ONES8,                     /* 0x00-0x1f */
    0, 0, 1, 0, 0, 0, 0, 0, ZEROS8, ZEROS8, ZEROS8, /* 0x20-0x3f: '"' at 0x22 */
    ZEROS8, ZEROS8, ZEROS8, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x40-0x5f: '\\' at 0x5c */
    ZEROS8, ZEROS8, ZEROS8, ZEROS8,                 /* 0x60-0x7f */
    ONES8, ONES8, ONES8, ONES8, ONES8, ONES8, ONES8, ONES8,
    ONES8, ONES8, ONES8, ONES8, ONES8, ONES8, ONES8, ONES8, /* 0x80-0xff */
};
#undef ONES8
#undef ZEROS8
// clang-format on

/* True when one of the eight bytes of w needs escaping or is not ASCII. */
static inline bool word_has_special(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t low = (w - ones * 0x20) & ~w; /* bytes < 0x20 */
    uint64_t quote = ((w ^ (ones * '"')) - ones) & ~(w ^ (ones * '"'));
    uint64_t slash = ((w ^ (ones * '\\')) - ones) & ~(w ^ (ones * '\\'));
    return ((low | quote | slash | w) & high) != 0;
}

/* True when the last n - i (fewer than 8) bytes of s need no escaping; they
 * are then copied to o, as one word overlapping bytes already checked (n >=
 * 8) or as two overlapping halves (4 <= n < 8, i == 0). Most keys and values
 * are short: this spares the byte loop their tail. */
static bool copy_plain_tail(char *o, const char *s, size_t i, size_t n)
{
    uint64_t w;
    if (n >= 8) {
        memcpy(&w, s + n - 8, 8);
        if (word_has_special(w))
            return false;
        memcpy(o + n - 8, &w, 8);
        return true;
    }
    uint32_t head, last;
    if (n < 4 || i != 0)
        return false;
    memcpy(&head, s, 4);
    memcpy(&last, s + n - 4, 4);
    if (word_has_special((uint64_t)head | (uint64_t)last << 32))
        return false;
    memcpy(o, &head, 4);
    memcpy(o + n - 4, &last, 4);
    return true;
}

/* Copies the ASCII bytes of s that need no escaping to o, eight at a time,
 * up to the first that does or is not ASCII (or n); returns how many were
 * copied. o has room. */
static size_t copy_plain(char *o, const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (word_has_special(w))
            break;
        memcpy(o + i, &w, 8);
    }
    if (i < n && i + 8 > n && copy_plain_tail(o, s, i, n))
        return n;
    for (; i < n && !special_byte[(unsigned char)s[i]]; i++)
        o[i] = s[i];
    return i;
}

/* How many bytes from s are not ASCII (at least 1: s[0] is not). Valid
 * UTF-8 sequences hold no ASCII byte, so such a run is whole sequences
 * exactly when the string is valid there. */
static size_t non_ascii_run(const char *s, size_t n)
{
    size_t k = 1;
    while (k < n && (unsigned char)s[k] >= 0x80)
        k++;
    return k;
}

/* The escape of one special byte as jansson writes it; returns its length. */
static size_t escape_byte(char *o, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    o[0] = '\\';
    switch (c) {
    case '"':
    case '\\':
        o[1] = (char)c;
        return 2;
    case '\b':
        o[1] = 'b';
        return 2;
    case '\f':
        o[1] = 'f';
        return 2;
    case '\n':
        o[1] = 'n';
        return 2;
    case '\r':
        o[1] = 'r';
        return 2;
    case '\t':
        o[1] = 't';
        return 2;
    default:
        memcpy(o + 1, "u00", 3);
        o[4] = hex[c >> 4];
        o[5] = hex[c & 15];
        return 6;
    }
}

/* A JSON string as jansson writes it without JSON_ENSURE_ASCII: quotes,
 * backslashes and control characters escaped, UTF-8 passed through; with
 * `before` and `after` (0: none) around it, e.g. ',' and ':' of a key.
 * Room for the plain case is reserved once; each escape reserves again.
 * Text that is not UTF-8 (a string or key jansson was given unchecked) is
 * an error (MM_EINVAL), as in jansson's dump: the line is not written. */
static void put_string_between(struct jbuf *b, char before, const char *s, size_t n, char after)
{
    char *o = jb_reserve(b, n + 4);
    if (!o)
        return;
    if (before)
        *o++ = before;
    *o++ = '"';
    for (size_t i = 0;;) {
        size_t run = copy_plain(o, s + i, n - i);
        o += run;
        i += run;
        if (i >= n)
            break;
        if ((unsigned char)s[i] >= 0x80) { /* within the room reserved */
            size_t k = non_ascii_run(s + i, n - i);
            if (!mm_utf8_valid(s + i, k, NULL)) {
                b->err = MM_EINVAL;
                return;
            }
            memcpy(o, s + i, k);
            o += k;
            i += k;
            continue;
        }
        b->len = (size_t)(o - b->p);
        if (!(o = jb_reserve(b, 6 + (n - i) + 2)))
            return;
        o += escape_byte(o, (unsigned char)s[i++]);
    }
    *o++ = '"';
    if (after)
        *o++ = after;
    b->len = (size_t)(o - b->p);
}

static void put_integer(struct jbuf *b, json_int_t v)
{
    char *o = jb_reserve(b, MM_U64_STRLEN + 1);
    if (!o)
        return;
    if (v < 0)
        *o++ = '-';
    o += mm_str_u64(v < 0 ? 0ULL - (uint64_t)v : (uint64_t)v, o);
    b->len = (size_t)(o - b->p);
}

/* Reals are rare in events: jansson formats them (its exact rules). */
static void put_real(struct jbuf *b, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s) {
        b->err = MM_ENOMEM;
        return;
    }
    jb_put(b, s, strlen(s));
    mm_json_free(s);
}

static void put_value(struct jbuf *b, const json_t *v, int depth);

/* Members in the object's order; keys by their stored length (a key may
 * hold a NUL, as jansson's own dump allows). */
static void put_object(struct jbuf *b, const json_t *v, int depth)
{
    char sep = '{';
    json_t *obj = (json_t *)v;
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
        put_string_between(b, sep, json_object_iter_key(it), json_object_iter_key_len(it), ':');
        put_value(b, json_object_iter_value(it), depth + 1);
        sep = ',';
    }
    if (sep == '{')
        jb_put(b, "{}", 2);
    else
        jb_putc(b, '}');
}

static void put_array(struct jbuf *b, const json_t *v, int depth)
{
    size_t n = json_array_size(v);
    jb_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            jb_putc(b, ',');
        put_value(b, json_array_get(v, i), depth + 1);
    }
    jb_putc(b, ']');
}

static void put_value(struct jbuf *b, const json_t *v, int depth)
{
    if (depth > JSON_DEPTH_MAX) {
        b->err = MM_ELIMIT;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        put_object(b, v, depth);
        return;
    case JSON_ARRAY:
        put_array(b, v, depth);
        return;
    case JSON_STRING:
        put_string_between(b, 0, json_string_value(v), json_string_length(v), 0);
        return;
    case JSON_INTEGER:
        put_integer(b, json_integer_value(v));
        return;
    case JSON_REAL:
        put_real(b, v);
        return;
    case JSON_TRUE:
        jb_put(b, "true", 4);
        return;
    case JSON_FALSE:
        jb_put(b, "false", 5);
        return;
    default:
        jb_put(b, "null", 4);
    }
}

/* Serialises ev as one line into b (emptied first), as mm_eve_write_line
 * would; on a writer error the core writer is tried, except for text that
 * is not UTF-8: jansson 2.14 fails on such a string but writes a key as a
 * lone '"' and goes on (a broken line), so that error is returned. */
static int eve_line(const json_t *ev, struct jbuf *b)
{
    b->len = 0;
    b->err = 0;
    put_value(b, ev, 0);
    jb_putc(b, '\n');
    if (!b->err)
        return 0;
    if (b->err == MM_EINVAL)
        return MM_EINVAL;
    struct mm_buf m = MM_BUF_INIT;
    int r = mm_eve_write_line(ev, &m);
    b->len = 0;
    b->err = 0;
    if (r == 0)
        jb_put(b, m.data, m.len);
    mm_buf_free(&m);
    return r ? r : b->err;
}

static int open_file(struct mm_eve_out *o)
{
    o->fp = fopen(o->path, "a");
    if (!o->fp)
        return MM_EIO;
    setvbuf(o->fp, o->iobuf, _IOFBF, STDIO_BUF);
    struct stat st;
    o->size = fstat(fileno(o->fp), &st) == 0 ? (uint64_t)st.st_size : 0;
    return 0;
}

int mm_eve_out_open(const char *path, uint64_t max_bytes, unsigned keep, struct mm_eve_out **out)
{
    *out = NULL;
    if (!path || strlen(path) >= PATH_MAX_LEN - 16)
        return MM_EINVAL;
    struct mm_eve_out *o = calloc(1, sizeof(*o));
    if (!o)
        return MM_ENOMEM;
    o->iobuf = malloc(STDIO_BUF);
    if (!o->iobuf) {
        free(o);
        return MM_ENOMEM;
    }
    snprintf(o->path, sizeof(o->path), "%s", path);
    o->max_bytes = max_bytes;
    o->keep = keep ? keep : 1;
    int r;
    if (strcmp(path, "-") == 0) {
        o->is_stdout = true;
        o->fp = stdout;
        static char stdout_buf[STDIO_BUF]; /* must outlive every later stdout use */
        setvbuf(stdout, stdout_buf, _IOFBF, STDIO_BUF);
        r = 0;
    } else {
        r = open_file(o);
    }
    if (r != 0) {
        mm_eve_out_close(o);
        return r;
    }
    *out = o;
    return 0;
}

static int rotate(struct mm_eve_out *o)
{
    char from[PATH_MAX_LEN + 16], to[PATH_MAX_LEN + 16];
    if (fclose(o->fp) != 0) {
        o->fp = NULL;
        return MM_EIO;
    }
    o->fp = NULL;
    for (unsigned i = o->keep; i >= 1; i--) {
        if (i == 1)
            snprintf(from, sizeof(from), "%s", o->path);
        else
            snprintf(from, sizeof(from), "%s.%u", o->path, i - 1);
        snprintf(to, sizeof(to), "%s.%u", o->path, i);
        if (rename(from, to) != 0 && errno != ENOENT)
            return MM_EIO;
    }
    o->rotations++;
    return open_file(o);
}

int mm_eve_out_write_line(struct mm_eve_out *o, const char *line, size_t len)
{
    int r;
    if (!o->fp)
        return MM_EIO;
    if (!o->is_stdout && o->max_bytes && o->size > 0 && o->size + len > o->max_bytes) {
        if ((r = rotate(o)) != 0)
            return r;
    }
    if (fwrite_unlocked(line, 1, len, o->fp) != len)
        return MM_EIO;
    o->size += len;
    return 0;
}

int mm_eve_out_write(struct mm_eve_out *o, const json_t *ev)
{
    int r = eve_line(ev, &o->line);
    if (r != 0)
        return r;
    return mm_eve_out_write_line(o, o->line.p, o->line.len);
}

int mm_eve_out_flush(struct mm_eve_out *o)
{
    if (!o || !o->fp)
        return 0;
    return fflush(o->fp) == 0 ? 0 : MM_EIO;
}

uint64_t mm_eve_out_rotations(const struct mm_eve_out *o)
{
    return o ? o->rotations : 0;
}

int mm_eve_out_close(struct mm_eve_out *o)
{
    if (!o)
        return 0;
    int r = 0;
    if (o->fp) {
        if (fflush(o->fp) != 0)
            r = MM_EIO;
        if (!o->is_stdout && fclose(o->fp) != 0)
            r = MM_EIO;
    }
    free(o->line.p);
    free(o->iobuf);
    free(o);
    return r;
}
