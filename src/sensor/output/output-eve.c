/* SPDX-License-Identifier: Apache-2.0
 * EVE JSON lines to a file or stdout. Lines are serialised by a small
 * writer of our own (the hot path: jansson's dump goes through a callback per
 * token and printf per number), byte-for-byte the compact form
 * mm_eve_write_line produces. Strings are scanned 16 bytes at a time (SSE2;
 * 8 in a 64-bit word elsewhere). Lines are appended to one batch buffer that
 * goes to the file in one write per BATCH_BYTES (and at flush: stats time,
 * file end, exit). Rotation by size: before a line that would make the file
 * exceed max_bytes, FILE.(N-1) -> FILE.N ... FILE -> FILE.1 and a fresh FILE
 * is opened, so no line is ever split across files. A caller that formats
 * its own line (the flow record) may write it straight into the batch:
 * mm_eve_out_reserve gives room at the batch's end, mm_eve_out_commit adds
 * the bytes written there as a line under the same rules. When the batch
 * cannot grow (out of memory), the whole lines before the one being
 * written go to the file first and that line moves to the batch's front
 * (batch_make_room), so a line that fits in the room the batch already has
 * is written, never dropped; a line that cannot be written for memory even
 * so is dropped whole, counted by the caller (stats eve_errors), and the
 * first such drop of a writer is logged. A write the file refuses (a full
 * disk, a failing one) loses the batch's lines: the piece of them that got
 * into a regular file is cut so the file keeps whole lines, and the first
 * failure is logged with the file and the system's reason, and the first
 * is kept for the exit summary (mm_eve_out_write_error); the first batch
 * written after a logged failure is logged too (writing works again), and
 * a later failure begins a new outage, logged again (up to
 * MM_OUTAGES_LOGGED in a run). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SSE2__) && !defined(MM_EVE_PORTABLE)
#define EVE_SSE2 1
#include <emmintrin.h>
#endif

#include "core/json-pool.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/eve.h"
#include "core/msg.h"
#include "core/str.h"
#include "sensor/output/decimal.h"
#include "sensor/output/json-plain.h"
#include "sensor/output/outage-log.h"
#include "sensor/output/output.h"

#define PATH_MAX_LEN 4096

/* ---- the JSON writer ------------------------------------------------------ */

#define JSON_DEPTH_MAX 64
/* Room a string of n bytes is given past n: the separator before it, its
 * quotes and the colon or comma after it. */
#define STR_SLACK 4

/* The batch: lines are appended here and handed to stdio BATCH_BYTES at a
 * time (one fwrite per batch instead of one per line). */
#define BATCH_BYTES (128 * 1024)

struct mm_eve_out;

/* A plain growable byte buffer: the writer checks room once per token. */
struct jbuf {
    char *p;
    size_t len, cap;
    int err;
    struct mm_eve_out *out; /* the writer whose batch this is (NULL: a buffer of its own) */
};

struct mm_eve_out {
    FILE *fp;
    bool is_stdout;
    char path[PATH_MAX_LEN];
    uint64_t max_bytes, size, rotations;
    unsigned keep;
    struct jbuf batch; /* whole lines not yet handed to stdio */
    size_t reserved;   /* bytes of the open reservation (0: none) */
    /* where the line being written starts (the batch's bytes before it are
     * whole lines): batch_make_room moves it to the front */
    size_t line_start;
    struct mm_eve_out_tap *tap;  /* for the next line_end (output.h) */
    bool oom_logged;             /* a line was dropped for memory and that was logged */
    bool regular;                /* a regular file we opened: a piece of a line can be cut */
    int write_error;             /* the first failure to write the file (0: none) */
    struct mm_outage_log outage; /* failing: no batch written since a write failed */
    bool lost; /* batch_make_room's hand-over failed: the next flush or close says so */
};

static bool batch_make_room(struct mm_eve_out *o, size_t n);

/* Makes room for n more bytes; false (b->err set) when memory runs out
 * (the writer's batch first hands its whole lines over: batch_make_room). */
static bool jb_grow(struct jbuf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 4096;
    if (n > SIZE_MAX / 4 - b->len) {
        b->err = MM_ENOMEM;
        return false;
    }
    while (cap < b->len + n)
        cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) {
        if (b->out && batch_make_room(b->out, n))
            return true;
        /* (over an MM_EIO of a closed file too: the line is not whole) */
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
    if (__builtin_expect(b->cap - b->len < n, 0) && !jb_grow(b, n))
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

/* Copying the plain run of a string: the bytes up to the first one a JSON
 * string must escape (below 0x20, '"', '\\') or that is not ASCII (checked
 * as UTF-8 by the caller). Each variant copies s[0..n) to o as far as the
 * run goes and returns the run's length; it may also copy bytes after the
 * run (the caller overwrites them), never more than n in all. */
#if defined(EVE_SSE2)

/* Fewer than 16 bytes: read as two overlapping halves (never past s + n),
 * checked as one vector. */
static inline __attribute__((always_inline)) size_t copy_plain_short(char *o, const char *s,
                                                                     size_t n)
{
    if (n >= 8) {
        uint64_t head, last;
        memcpy(&head, s, 8);
        memcpy(&last, s + n - 8, 8);
        memcpy(o, &head, 8);
        memcpy(o + n - 8, &last, 8);
        unsigned m = mm__json_special16(_mm_set_epi64x((long long)last, (long long)head));
        if (!m)
            return n;
        return (m & 0xff) ? (size_t)__builtin_ctz(m) : n - 8 + (size_t)__builtin_ctz(m >> 8);
    }
    if (n >= 4) {
        uint32_t head, last;
        memcpy(&head, s, 4);
        memcpy(&last, s + n - 4, 4);
        memcpy(o, &head, 4);
        memcpy(o + n - 4, &last, 4);
        unsigned m = mm__json_special16(
                         _mm_cvtsi64_si128((long long)((uint64_t)head | (uint64_t)last << 32))) &
                     0xff;
        if (!m)
            return n;
        return (m & 0xf) ? (size_t)__builtin_ctz(m) : n - 4 + (size_t)__builtin_ctz(m >> 4);
    }
    size_t i = 0;
    for (; i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x80 && s[i] != '"' &&
           s[i] != '\\';
         i++)
        o[i] = s[i];
    return i;
}

/* Sixteen bytes at a time; the last (partial) step reads the string's last
 * 16 bytes again, overlapping bytes already found plain. */
static inline __attribute__((always_inline)) size_t copy_plain(char *o, const char *s, size_t n)
{
    if (n < 16)
        return copy_plain_short(o, s, n);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        _mm_storeu_si128((__m128i *)(void *)(o + i), v);
        unsigned m = mm__json_special16(v);
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
    if (i == n)
        return n;
    size_t at = n - 16;
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + at));
    _mm_storeu_si128((__m128i *)(void *)(o + at), v);
    unsigned m = mm__json_special16(v) >> (i - at);
    return m ? i + (size_t)__builtin_ctz(m) : n;
}

#else /* no SSE2 (or MM_EVE_PORTABLE, for its test): eight bytes in a word */

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

static inline __attribute__((always_inline)) size_t copy_plain(char *o, const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (word_has_special(w))
            break;
        memcpy(o + i, &w, 8);
    }
    for (; i < n && !special_byte[(unsigned char)s[i]]; i++)
        o[i] = s[i];
    return i;
}

#endif

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

/* The rest of a string whose plain run ended at s[i] (an escape or a
 * non-ASCII byte): escapes, UTF-8 runs and further plain runs up to s[n].
 * o is where s[i]'s text goes, with room for at least n - i + 2 bytes.
 * Returns where the text ends, with room for at least 2 more bytes (the
 * closing quote and the byte after it), NULL on an error (b->err set). Out of line: the common
 * plain string stays a short leaf. Text that is not UTF-8 (a string or key jansson was given
 * unchecked) is an error (MM_EINVAL), as in jansson's dump. */
static __attribute__((noinline)) char *put_string_rest(struct jbuf *b, char *o, const char *s,
                                                       size_t n, size_t i)
{
    for (;;) {
        if ((unsigned char)s[i] >= 0x80) { /* within the room reserved */
            size_t k = non_ascii_run(s + i, n - i);
            if (!mm_utf8_valid(s + i, k, NULL)) {
                b->err = MM_EINVAL;
                return NULL;
            }
            memcpy(o, s + i, k);
            o += k;
            i += k;
        } else {
            b->len = (size_t)(o - b->p);
            if (!(o = jb_reserve(b, 6 + (n - i) + STR_SLACK)))
                return NULL;
            o += escape_byte(o, (unsigned char)s[i++]);
        }
        if (i >= n)
            return o;
        size_t run = copy_plain(o, s + i, n - i);
        o += run;
        i += run;
        if (i >= n)
            return o;
    }
}

/* A JSON string as jansson writes it without JSON_ENSURE_ASCII: quotes,
 * backslashes and control characters escaped, UTF-8 passed through; with
 * `before` and `after` (0: none) around it, e.g. ',' and ':' of a key.
 * Room for the plain case is reserved once; each escape reserves again. */
static void put_string_between(struct jbuf *b, char before, const char *s, size_t n, char after)
{
    char *o = jb_reserve(b, n + STR_SLACK);
    if (!o)
        return;
    if (before)
        *o++ = before;
    *o++ = '"';
    size_t run = copy_plain(o, s, n);
    o += run;
    if (run < n && !(o = put_string_rest(b, o, s, n, run)))
        return;
    *o++ = '"';
    if (after)
        *o++ = after;
    b->len = (size_t)(o - b->p);
}

/* A member whose value is a string, `sep"key":"value"`, with one
 * reservation for both (most members of an event): the same bytes as
 * put_string_between for the key and then for the value. */
static void put_string_member(struct jbuf *b, char sep, const char *key, size_t key_len,
                              const char *s, size_t n)
{
    char *o = jb_reserve(b, key_len + n + 2 * STR_SLACK);
    if (!o)
        return;
    o[0] = sep;
    o[1] = '"';
    if (copy_plain(o + 2, key, key_len) < key_len) { /* a key to escape: rare */
        put_string_between(b, sep, key, key_len, ':');
        put_string_between(b, 0, s, n, 0);
        return;
    }
    o += 2 + key_len;
    memcpy(o, "\":\"", 3);
    o += 3;
    size_t run = copy_plain(o, s, n);
    o += run;
    if (run < n && !(o = put_string_rest(b, o, s, n, run)))
        return;
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}

/* Copying the plain run of text known to be valid UTF-8: as copy_plain,
 * but bytes 0x80-0xff are plain (nothing to check), so only the bytes a
 * JSON string escapes end the run. The scalar loop, from byte i: */
static inline size_t copy_valid_from(char *o, const char *s, size_t i, size_t n)
{
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\')
            return i;
        o[i] = s[i];
    }
    return n;
}

#if defined(EVE_SSE2)
static inline size_t copy_valid(char *o, const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        _mm_storeu_si128((__m128i *)(void *)(o + i), v);
        unsigned m = mm__json_special16(v) & ~(unsigned)_mm_movemask_epi8(v);
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
    return copy_valid_from(o, s, i, n);
}
#else
static inline size_t copy_valid(char *o, const char *s, size_t n)
{
    return copy_valid_from(o, s, 0, n);
}
#endif

/* A member `sep"key":"value"` whose value is known to be valid UTF-8
 * (the same bytes as put_string_member writes for it, without checking
 * the UTF-8 again): room for the plain case is reserved once, each escape
 * reserves again. The key is the caller's plain ASCII. */
static void put_valid_member(struct jbuf *b, char sep, const char *key, size_t key_len,
                             const char *s, size_t n)
{
    char *o = jb_reserve(b, key_len + n + 2 * STR_SLACK);
    if (!o)
        return;
    *o++ = sep;
    *o++ = '"';
    memcpy(o, key, key_len);
    o += key_len;
    memcpy(o, "\":\"", 3);
    o += 3;
    for (size_t i = 0;;) {
        size_t run = copy_valid(o, s + i, n - i);
        o += run;
        i += run;
        if (i >= n)
            break;
        b->len = (size_t)(o - b->p);
        if (!(o = jb_reserve(b, 6 + (n - i) + STR_SLACK)))
            return;
        o += escape_byte(o, (unsigned char)s[i++]);
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}

#define INT_ROOM 21 /* "-9223372036854775808" is 20 bytes */

/* An integer as jansson writes it ("%" JSON_INTEGER_FORMAT). */
static void put_integer(struct jbuf *b, json_int_t v)
{
    char *o = jb_reserve(b, INT_ROOM);
    if (!o)
        return;
    size_t n = 0;
    if (v < 0)
        o[n++] = '-';
    n += mm__u64_text(o + n, v < 0 ? 0ULL - (uint64_t)v : (uint64_t)v);
    b->len += n;
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
 * hold a NUL, as jansson's own dump allows). String and integer members
 * are written here, other values through put_value. */
static void put_object(struct jbuf *b, const json_t *v, int depth)
{
    char sep = '{';
    json_t *obj = (json_t *)v;
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
        const json_t *val = json_object_iter_value(it);
        const char *key = json_object_iter_key(it);
        size_t key_len = json_object_iter_key_len(it);
        if (json_is_string(val)) {
            put_string_member(b, sep, key, key_len, json_string_value(val),
                              json_string_length(val));
        } else {
            put_string_between(b, sep, key, key_len, ':');
            if (json_is_integer(val))
                put_integer(b, json_integer_value(val));
            else
                put_value(b, val, depth + 1);
        }
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

/* Appends ev as one line to b, as mm_eve_write_line would write it; on a
 * writer error the core writer is tried, except for text that is not
 * UTF-8: jansson 2.14 fails on such a string but writes a key as a lone '"'
 * and goes on (a broken line), so that error is returned. On any error b
 * is as before. */
static int eve_line(const json_t *ev, struct jbuf *b, size_t *start)
{
    *start = b->len; /* (the writer's line_start: batch_make_room may move it) */
    b->err = 0;
    put_value(b, ev, 0);
    jb_putc(b, '\n');
    if (!b->err)
        return 0;
    b->len = *start;
    if (b->err == MM_EINVAL)
        return MM_EINVAL;
    struct mm_buf m = MM_BUF_INIT;
    int r = mm_eve_write_line(ev, &m);
    b->err = 0;
    if (r == 0)
        jb_put(b, m.data, m.len);
    mm_buf_free(&m);
    if (r == 0 && b->err)
        b->len = *start;
    return r ? r : b->err;
}

int mm_eve_line_format(const json_t *ev, char **buf, size_t *len, size_t *cap)
{
    struct jbuf b = {.p = *buf, .len = *len, .cap = *cap};
    size_t start;
    int r = eve_line(ev, &b, &start);
    *buf = b.p;
    *len = b.len;
    *cap = b.cap;
    return r;
}

/* A failure to write the file: the first is kept (mm_eve_out_write_error);
 * the first of an outage is logged with the file and the system's reason
 * (up to MM_OUTAGES_LOGGED outages). Returns r. */
static int write_failed(struct mm_eve_out *o, int r)
{
    if (o->write_error == 0)
        o->write_error = r;
    if (mm_outage_log_begin(&o->outage))
        mm_msg_print(stderr, "mamori-sensor", "sensor-log",
                     mm_error_has_step(r) ? "output.eve_write_failed_own_step"
                                          : "output.eve_write_failed",
                     o->path, mm_msg_strerror(r));
    return r;
}

/* A batch was written: the first after a failure ends the outage, and
 * says that writing works again when the outage was logged. */
static void write_worked(struct mm_eve_out *o)
{
    if (mm_outage_log_end(&o->outage))
        mm_msg_print(stderr, "mamori-sensor", "sensor-log", "output.eve_write_recovered", o->path);
}

/* The size of the regular file written before a batch goes to it: where a
 * failed batch is cut. Taken from the file each time (the file may have
 * been shortened by another program, logrotate's copytruncate: cutting at
 * a length counted here would then fill the file with NULs); -1 when it
 * cannot be known (not cut then). */
static off_t file_end(const struct mm_eve_out *o)
{
    struct stat st;
    return o->regular && fstat(fileno(o->fp), &st) == 0 ? st.st_size : -1;
}

/* Hands the batch's first n bytes (whole lines) to stdio and keeps the
 * rest at the batch's start. When the write fails (a full disk...), a
 * part of it that got into a regular file is cut, so the file keeps
 * whole lines and the next line written starts one. */
static int batch_hand_over(struct mm_eve_out *o, size_t n)
{
    struct jbuf *b = &o->batch;
    int r = 0;
    off_t end = n ? file_end(o) : -1;
    if (n && fwrite_unlocked(b->p, 1, n, o->fp) != n) {
        r = write_failed(o, mm_error_from_errno(errno)); /* a full disk is MM_ENOSPC... */
        if (end >= 0 && ftruncate(fileno(o->fp), end) != 0)
            o->regular = false; /* (not cut: the next lines follow the piece) */
        o->size = o->size >= n ? o->size - n : 0;
    } else if (n) {
        write_worked(o);
    }
    if (b->len > n)
        memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
    return r;
}

/* The batch could not grow by n bytes (out of memory): the whole lines
 * before the line being written go to stdio now, as when the batch is
 * full, and the line's bytes so far move to the front (as realloc may move
 * them: the pieces re-read the batch's end after each reservation). True
 * when n bytes then fit in the batch's room. Lines that could not be
 * written are gone, as at any hand-over; the next mm_eve_out_flush or
 * mm_eve_out_close returns MM_EIO for them (the line being written goes
 * on: b->err stays as it is, MM_EIO there means a closed file). */
static __attribute__((noinline, cold)) bool batch_make_room(struct mm_eve_out *o, size_t n)
{
    struct jbuf *b = &o->batch;
    size_t whole = o->line_start;
    if (whole == 0 || whole > b->len || !o->fp)
        return false;
    o->line_start = 0;
    if (batch_hand_over(o, whole) != 0)
        o->lost = true;
    return b->cap - b->len >= n;
}

/* A line's result: the first line a writer drops for memory (even after
 * batch_make_room) is logged; the caller counts every lost line. */
static int line_result(struct mm_eve_out *o, int r)
{
    if (r == MM_ENOMEM && !o->oom_logged) {
        o->oom_logged = true;
        mm_msg_print(stderr, "mamori-sensor", "sensor-log", "output.out_of_memory");
    }
    return r;
}

/* A link refused by O_NOFOLLOW is followed only to what cannot be written
 * over through it: a FIFO, a socket or a character device (--eve
 * /dev/stdout, >(cmd)'s /dev/fd/63), and only when the link is root's or
 * this process's own (/dev/stdout, /proc/self/fd/N), not one the --user
 * account planted (pointing at /dev/watchdog, say). A link to a regular
 * file (or a block device) stays refused: MM_ESYMLINK. Returns the fd or
 * -1. */
static int open_link_to_stream(const char *path)
{
    struct stat ln, st;
    if (lstat(path, &ln) != 0 || !S_ISLNK(ln.st_mode) ||
        (ln.st_uid != 0 && ln.st_uid != geteuid()) || stat(path, &st) != 0 || S_ISREG(st.st_mode) ||
        S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode))
        return -1;
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0 && (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
        close(fd); /* changed since the stat: refused all the same */
        fd = -1;
    }
    return fd;
}

/* Opens (creates, mode MM_EVE_FILE_MODE less the umask) the file to append
 * to. A symbolic link in its place is refused (MM_ESYMLINK): a sensor run
 * as root would otherwise append to whatever file an account that can
 * write the folder pointed it at; open_link_to_stream says which links
 * are followed all the same. */
static int open_file(struct mm_eve_out *o)
{
    int fd =
        open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, MM_EVE_FILE_MODE);
    if (fd < 0) { /* a missing folder, no permission, a read-only or full disk... */
        int r = mm_error_nofollow(o->path, errno);
        if (r != MM_ESYMLINK || (fd = open_link_to_stream(o->path)) < 0)
            return r;
    }
    o->fp = fdopen(fd, "a");
    if (!o->fp) {
        int r = mm_error_from_errno(errno);
        close(fd);
        return r;
    }
    setvbuf(o->fp, NULL, _IONBF, 0); /* the batch is the buffer: one write(2) per batch */
    struct stat st;
    bool regular = fstat(fileno(o->fp), &st) == 0 && S_ISREG(st.st_mode);
    o->size = regular ? (uint64_t)st.st_size : 0;
    o->regular = regular;
    if (!regular) /* a FIFO or a device (/dev/null): renaming it would move the node */
        o->max_bytes = 0;
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
    snprintf(o->path, sizeof(o->path), "%s", path);
    o->batch.out = o;
    o->max_bytes = max_bytes;
    o->keep = keep ? keep : 1;
    int r;
    if (strcmp(path, "-") == 0) {
        o->is_stdout = true;
        o->fp = stdout;
        setvbuf(stdout, NULL, _IONBF, 0); /* as for a file: the batch is the buffer */
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
        return write_failed(o, mm_error_from_errno(errno));
    }
    o->fp = NULL;
    for (unsigned i = o->keep; i >= 1; i--) {
        if (i == 1)
            snprintf(from, sizeof(from), "%s", o->path);
        else
            snprintf(from, sizeof(from), "%s.%u", o->path, i - 1);
        snprintf(to, sizeof(to), "%s.%u", o->path, i);
        if (rename(from, to) != 0 && errno != ENOENT)
            return write_failed(o, mm_error_from_errno(errno));
    }
    o->rotations++;
    int r = open_file(o);
    return r != 0 ? write_failed(o, r) : 0;
}

/* The batch ends in a new line that starts at `start`: rotates first when
 * the line would make the file pass max_bytes (the lines before it go to
 * the old file), then hands the batch over once it is full. A line that
 * cannot be written is dropped. */
static int line_added(struct mm_eve_out *o, size_t start)
{
    size_t len = o->batch.len - start;
    int r;
    if (!o->is_stdout && o->max_bytes && o->size > 0 && o->size + len > o->max_bytes) {
        if ((r = batch_hand_over(o, start)) != 0 || (r = rotate(o)) != 0) {
            o->batch.len = 0;
            return r;
        }
    }
    o->size += len;
    if (o->batch.len >= BATCH_BYTES)
        return batch_hand_over(o, o->batch.len);
    return 0;
}

int mm_eve_out_write_line(struct mm_eve_out *o, const char *line, size_t len)
{
    o->reserved = 0; /* a reservation ends at the next call */
    o->tap = NULL;
    if (!o->fp)
        return MM_EIO;
    o->line_start = o->batch.len;
    o->batch.err = 0;
    jb_put(&o->batch, line, len);
    if (o->batch.err)
        return line_result(o, o->batch.err);
    return line_added(o, o->line_start);
}

char *mm_eve_out_reserve(struct mm_eve_out *o, size_t n)
{
    o->reserved = 0;
    o->tap = NULL;
    if (!o->fp || n == 0 || n > MM_EVE_RESERVE_MAX)
        return NULL;
    o->line_start = o->batch.len;
    o->batch.err = 0;
    char *p = jb_reserve(&o->batch, n);
    if (p)
        o->reserved = n;
    return p;
}

int mm_eve_out_commit(struct mm_eve_out *o, size_t len)
{
    size_t reserved = o->reserved;
    o->reserved = 0;
    if (len > reserved)
        return MM_EINVAL;
    if (len == 0)
        return 0;
    if (!o->fp)
        return MM_EIO;
    size_t start = o->batch.len;
    o->batch.len += len;
    return line_added(o, start);
}

int mm_eve_out_write(struct mm_eve_out *o, const json_t *ev)
{
    o->reserved = 0; /* a reservation ends at the next call */
    o->tap = NULL;
    if (!o->fp)
        return MM_EIO;
    int r = eve_line(ev, &o->batch, &o->line_start);
    if (r != 0)
        return line_result(o, r);
    return line_added(o, o->line_start);
}

/* ---- lines built piece by piece (output.h) ---------------------------------- */

void mm_eve_out_line_begin(struct mm_eve_out *o)
{
    o->reserved = 0;
    o->batch.err = o->fp ? 0 : MM_EIO;
    o->line_start = o->batch.len;
}

void mm_eve_out_raw(struct mm_eve_out *o, const char *s, size_t n)
{
    jb_put(&o->batch, s, n);
}

void mm_eve_out_string(struct mm_eve_out *o, const char *s, size_t n)
{
    put_string_between(&o->batch, 0, s, n, 0);
}

void mm_eve_out_member(struct mm_eve_out *o, char sep, const char *key, size_t key_len,
                       const char *s, size_t n)
{
    put_string_member(&o->batch, sep, key, key_len, s, n);
}

void mm_eve_out_member_valid(struct mm_eve_out *o, char sep, const char *key, size_t key_len,
                             const char *s, size_t n)
{
    put_valid_member(&o->batch, sep, key, key_len, s, n);
}

void mm_eve_out_member_key(struct mm_eve_out *o, const char *key, size_t key_len)
{
    put_string_between(&o->batch, ',', key, key_len, ':');
}

void mm_eve_out_integer(struct mm_eve_out *o, json_int_t v)
{
    put_integer(&o->batch, v);
}

void mm_eve_out_value(struct mm_eve_out *o, const json_t *v)
{
    put_value(&o->batch, v, 1); /* a member's value: one level below the event */
}

/* The tapped line's tail put before its closing brace, then fn handed
 * the text; the tail taken out again when fn fails. False when the line
 * cannot be formed (*err set). */
static bool tap_line(struct mm_eve_out *o, struct mm_eve_out_tap *t, int *err)
{
    struct jbuf *b = &o->batch;
    if (b->len == o->line_start || b->p[b->len - 1] != '}') {
        *err = MM_EINVAL;
        return false;
    }
    b->len--;
    jb_put(b, t->tail, t->tail_len);
    jb_putc(b, '}');
    if (b->err) {
        *err = b->err;
        return false;
    }
    size_t start = o->line_start; /* (batch_make_room may have moved the line) */
    t->tapped = true;
    t->result = t->fn(t->arg, b->p + start, b->len - start);
    if (t->result != 0) {
        b->len -= t->tail_len + 1;
        b->p[b->len++] = '}';
    }
    return true;
}

/* Drops the line being built; returns err. */
static int line_drop(struct mm_eve_out *o, int err)
{
    o->batch.len = o->line_start;
    o->batch.err = 0;
    return err;
}

/* line_end of a tapped line (output.h, mm_eve_out_set_tap): MM_EIO alone
 * means o's file is closed and the line is whole, so fn still gets it. */
static int tapped_line_end(struct mm_eve_out *o, struct mm_eve_out_tap *t)
{
    int err = o->batch.err;
    o->batch.err = 0;
    t->tapped = false;
    t->result = 0;
    if (err != 0 && err != MM_EIO)
        return line_drop(o, err);
    int formed = 0;
    if (!tap_line(o, t, &formed))
        return line_drop(o, formed);
    if (!t->write || err != 0)
        return line_drop(o, t->write ? err : 0);
    jb_putc(&o->batch, '\n');
    if (o->batch.err)
        return line_drop(o, o->batch.err);
    return line_added(o, o->line_start);
}

void mm_eve_out_set_tap(struct mm_eve_out *o, struct mm_eve_out_tap *tap)
{
    o->reserved = 0;
    o->tap = tap;
    if (tap) {
        tap->tapped = false;
        tap->result = 0;
    }
}

bool mm_eve_out_tapped(const struct mm_eve_out *o)
{
    return o->tap != NULL;
}

int mm_eve_out_line_end(struct mm_eve_out *o)
{
    if (o->tap) {
        struct mm_eve_out_tap *t = o->tap;
        o->tap = NULL;
        return tapped_line_end(o, t);
    }
    jb_putc(&o->batch, '\n');
    int r = o->batch.err;
    if (r != 0) { /* dropped whole, as a line the writer could not form */
        o->batch.len = o->line_start;
        o->batch.err = 0;
        return line_result(o, r);
    }
    return line_added(o, o->line_start);
}

int mm_eve_out_flush(struct mm_eve_out *o)
{
    if (!o || !o->fp)
        return 0;
    o->reserved = 0;
    o->tap = NULL;
    int r = batch_hand_over(o, o->batch.len);
    if (o->lost) { /* lines lost making room (batch_make_room) */
        o->lost = false;
        r = MM_EIO;
    }
    return fflush(o->fp) == 0 ? r : write_failed(o, mm_error_from_errno(errno));
}

int mm_eve_out_write_error(const struct mm_eve_out *o, const char **path)
{
    *path = o && o->write_error ? o->path : NULL;
    return o ? o->write_error : 0;
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
        r = batch_hand_over(o, o->batch.len);
        if (r == 0 && fflush(o->fp) != 0)
            r = write_failed(o, mm_error_from_errno(errno));
        if (r == 0 && o->lost)
            r = MM_EIO;
        if (!o->is_stdout && fclose(o->fp) != 0 && r == 0)
            r = write_failed(o, mm_error_from_errno(errno));
    }
    free(o->batch.p);
    free(o);
    return r;
}
