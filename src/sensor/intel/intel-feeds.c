/* SPDX-License-Identifier: Apache-2.0
 * Feed readers: finds a file's format by looking at its content (never by
 * trusting its name, except that files named *whitelist* / *allowlist* are
 * allowlists and a Maltrail trail's family is its file name), then reads it
 * line by line into the intel set. Formats:
 *
 *   stix           STIX 2.1 bundle, simple [type:value = '...'] patterns
 *   mamori         CSV/TSV with a header naming type, value, family, reference
 *   feodo, urlhaus-csv, threatfox-csv, sslbl-sha1, sslbl-ja3, csv
 *                  abuse.ch CSV exports (and any CSV with a known header),
 *                  columns read by header name, quoted or commented header
 *   ublock         uBlock / Adblock filter lists (||host^, ||host/path$opts)
 *   hosts          hosts-file form (0.0.0.0 name ...)
 *   maltrail-csv   Maltrail's trail,info,reference CSV
 *   maltrail       Maltrail trail files (# Reference: comments, family from
 *                  the file name)
 *   list           one indicator per line (IP, CIDR, ip:port, domain, URL)
 *
 * Malformed lines are counted; the first one is reported with its line
 * number and reason. Nothing in a feed's content is fatal. Format details
 * and the mamori format are in docs/design/intel.md. */
#include "sensor/intel/intel-int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/error.h"
#include "core/fs.h"
#include "core/str.h"
#include "core/timefmt.h"

#define FEED_FILE_MAX  ((size_t)512 * 1024 * 1024)
#define DIR_DEPTH_MAX  8
#define CSV_FIELDS_MAX 32
#define SNIFF_LINES    64

/* ---- feeds read in pieces ----------------------------------------------- */

/* A feed file larger than a piece is read a piece at a time into the set's
 * text block (mm__intel_text_block), which is used again for every piece
 * and every file: the 15 MB of the bench's largest feed were 15 MB of fresh
 * memory, and fresh memory is zeroed by the kernel first (most of what
 * loading cost the kernel). A piece of 256 KB also stays in the cache
 * between read() writing it and the lines being parsed. */
#define FEED_PIECE ((size_t)256 << 10)
static size_t feed_piece = FEED_PIECE;

void mm__intel_feed_piece(size_t bytes)
{
    feed_piece = bytes == 0 ? FEED_PIECE : bytes < 16 ? 16 : bytes;
}

/* The file a feed is read from in pieces. Each piece is checked against
 * the file's state (fstat) right after it is read, before any of its lines
 * is taken; see read_piece and settle. */
struct mm__intel_piece_file {
    int fd;
    struct mm__intel_block *block; /* the pieces' buffer */
    uint64_t offset;               /* where the next piece starts in the file */
    uint64_t size;                 /* the file's size when it was opened: what is read */
    struct stat st;                /* the file as the bytes read so far were read from */
    int err;                       /* a read's mm_error_from_errno, MM_ENOMEM: the feed ends here */
    bool changed;                  /* it changed and the bytes not taken yet are not sure */
    bool nul;                      /* a NUL byte: the text ends before it */
    bool grew;                     /* it holds more than size bytes (its end was read) */
    bool restart;                  /* rewritten after lines were taken: read it from its start */
    bool strict;                   /* the settle rule is on: a change is not settled by reads */
    bool unsettled;                /* it changed under the settle rule (restart is set too) */
    unsigned restarts;             /* times it was read again from its start */
    int restart_line;              /* lines taken before the first restart */
    uint64_t reread;               /* bytes settle (and restarts) read again */
};

/* Where a piece is read to in the block: after the unread bytes kept
 * from the piece before, rounded up to a cache line (they are moved to
 * end there). The kernel's copy into a destination that is not aligned
 * took twice as long (perf: _copy_to_iter). */
#define PIECE_ALIGN 64

static size_t piece_lead(size_t keep)
{
    return (keep + PIECE_ALIGN - 1) / PIECE_ALIGN * PIECE_ALIGN;
}

/* Makes room in it's block for a piece after the keep unread bytes at
 * it->p (at piece_lead(keep)): at least half a piece, or the rest of the
 * file if that is less (else the block grows to the lead plus a piece, or
 * twice the lead: a line many pieces long costs a few moves, not one per
 * piece; never beyond the rest of the file: a file of one long line takes
 * no more than it took whole). it's pointers follow the block. False on
 * ENOMEM. */
static bool piece_room(struct mm__intel_lines *it, size_t keep)
{
    struct mm__intel_block *b = it->file->block;
    size_t lead = piece_lead(keep), need = feed_piece / 2;
    if (need > it->after)
        need = (size_t)it->after; /* > 0: read_piece asks with bytes to read */
    if (b->cap > lead + 1 && b->cap - lead - 1 >= need)
        return true;
    size_t p = (size_t)(it->p - (char *)b->p), want = lead + feed_piece;
    if (want < 2 * lead)
        want = 2 * lead;
    if (want - lead > it->after)
        want = lead + (size_t)it->after;
    if (mm__intel_block_resize(b, want + 1) != 0)
        return false;
    it->start = it->p = (char *)b->p + p; /* moved with the block, or not */
    it->end = it->p + keep;
    return true;
}

/* True when fd is still the file f->st describes: the same inode, size,
 * modification and change times (STAT_STATE). Writing to a file changes its times
 * (from Linux 6.13 the change after an fstat always gives a new time; on
 * older kernels a second change within the same clock tick, 1-4 ms, may
 * not, unless it changes the size); renaming another file over its name
 * does not change it (fd still reads the file as it was). */
#define STAT_STATE (MM_STAT_FILE | MM_STAT_SIZE | MM_STAT_MTIME | MM_STAT_CTIME)

static bool unchanged(const struct mm__intel_piece_file *f)
{
    struct stat now;
    return fstat(f->fd, &now) == 0 && mm_stat_same(&now, &f->st, STAT_STATE);
}

/* How many times settle reads the bytes again before it gives up. */
#define SETTLE_READS 4

/* What settle may read again of one file in all: SETTLE_READS times its
 * size and a piece. It reads the line not taken yet too, so a file
 * appended to at every read while a line many pieces long is read would
 * cost that line again at every piece (a 64 MB line: 11 s instead of
 * 0.4 s); past this the bytes are taken as not settled. */
static bool reread_allowed(struct mm__intel_piece_file *f, size_t want)
{
    if (f->reread + want > SETTLE_READS * (f->size + feed_piece))
        return false;
    f->reread += want;
    return true;
}

/* The file changed while text[0..n), its bytes from offset from on (not
 * taken as lines yet; from is 0 or just after a newline), was read: reads
 * them again (with the newline before them) until two reads agree, the
 * first one being text itself. Agreed, text holds them (it is replaced
 * by the later read when that one differed: *again is set) and f->st is
 * the file as it was before the read that agreed, the start of the check
 * of what is read next. False when no two reads agreed (the file is still
 * being rewritten, or now ends before from + n, or a newline no longer
 * ends the line before from): text is left as it was. A file that grew
 * at its end, or whose times alone changed, agrees at once. */
static bool settle(struct mm__intel_piece_file *f, char *text, size_t n, uint64_t from, bool *again)
{
    size_t edge = from > 0 ? 1 : 0, want = n + edge;
    char *a = malloc(want + 1), *b = malloc(want + 1);
    const char *ref = text; /* what the next read must agree with */
    bool ok = false;
    for (int i = 0; i < SETTLE_READS && a && b && !ok; i++) {
        struct stat st;
        if (!reread_allowed(f, want) || fstat(f->fd, &st) != 0 ||
            mm_pread_full(f->fd, a, want, from - edge) != (ssize_t)want)
            break;
        bool whole = edge == 0 || a[0] == '\n';
        if (whole && ref && memcmp(a + edge, ref, n) == 0) {
            *again = ref != text;
            if (*again)
                memcpy(text, ref, n);
            f->st = st;
            ok = true;
        }
        ref = whole ? a + edge : NULL;
        char *t = a; /* the next read goes to the other buffer */
        a = b;
        b = t;
    }
    if (!a || !b)
        f->err = MM_ENOMEM;
    free(a);
    free(b);
    return ok;
}

/* Reads the next piece of a feed read in pieces: the unread bytes
 * [p, end) move to the block's start (up to piece_lead) and the file's
 * next bytes follow them, NUL-terminated. False when nothing more came:
 * the end of the feed, or a failure it->file keeps (a change that did not
 * settle, or an early end: the file changed while it was read; a NUL
 * byte; a read error; no memory). The file is checked (unchanged) after
 * the read; when it changed, the bytes not taken yet are read again
 * (settle): agreed, the load goes on from the file as it is now (a file
 * that merely grew at its end agrees at once), unless lines were taken
 * already and the bytes differ: then nothing more is taken and f->restart
 * asks for the file to be read again from its start; else they are not
 * used. */
static bool read_piece(struct mm__intel_lines *it)
{
    struct mm__intel_piece_file *f = it->file;
    size_t keep = (size_t)(it->end - it->p), lead = piece_lead(keep);
    if (!f || it->after == 0)
        return false;
    it->before += (uint64_t)(it->p - it->start);
    if (!piece_room(it, keep)) {
        f->err = MM_ENOMEM;
        it->after = 0;
        return false;
    }
    char *to = (char *)f->block->p + lead, *kept = to - keep;
    size_t room = f->block->cap - lead - 1;
    if (room > feed_piece) /* (the block may hold more: its size is whole pages) */
        room = feed_piece;
    if (room > it->after)
        room = (size_t)it->after;
    memmove(kept, it->p, keep);
    ssize_t got = mm_pread_full(f->fd, to, room, f->offset);
    struct stat was = f->st; /* (settle moves it on) */
    bool again = false, moved = false;
    if (got < 0) {
        f->err = mm_error_from_errno(errno); /* (a damaged disk: MM_EIO) */
        got = 0;
    } else if ((moved = !unchanged(f)) && f->strict) {
        f->unsettled = f->restart = true; /* being written: it may be half-written */
    } else if (moved && !settle(f, kept, keep + (size_t)got, it->before, &again)) {
        f->changed = true; /* the piece is not used; the bytes kept were read before */
        got = 0;
    } else if (got == 0) {
        f->changed = true; /* it ended early */
    }
    /* Changed, but the bytes not taken yet read the same twice: grown at
     * its end (appended to), cut short (it ends early: see below), or,
     * with its size kept, rewritten before this read (what was taken may
     * differ: read it again from its start too). */
    if (!again && f->st.st_size == (off_t)f->size && !mm_stat_same(&f->st, &was, STAT_STATE))
        again = true;
    if ((again && it->lineno > 0) || f->unsettled) {
        /* Rewritten after lines were taken: the bytes read again are the
         * new content at the old one's offsets, which may lie under
         * another header, reference or line number in the new content.
         * It is read again from its start (load_pieces), when allowed. */
        if (f->unsettled ||
            (f->restarts < SETTLE_READS && reread_allowed(f, f->offset + (uint64_t)got)))
            f->restart = true;
        else
            f->changed = true; /* taken as not settled */
        got = 0;
        it->after = 0;
        it->start = it->p = it->end = kept;
        *kept = '\0';
        it->pieces++;
        return false;
    }
    char *end = to + got;
    /* (kept too: read again, they may have changed) */
    char *nul = again || got > 0
                    ? memchr(again ? kept : to, '\0', (size_t)(end - (again ? kept : to)))
                    : NULL;
    if (nul) {
        f->nul = true;
        end = nul;
    }
    f->offset += (uint64_t)got;
    it->after = f->err || f->changed || f->nul ? 0 : it->after - (uint64_t)got;
    if (it->after == 0 && !f->err && !f->changed && !f->nul && (uint64_t)f->st.st_size > f->size)
        f->grew = true;
    it->start = it->p = kept;
    it->end = end;
    *it->end = '\0';
    it->pieces++;
    return end > to;
}

/* ---- line iteration ----------------------------------------------------- */

/* Takes the line at it->p whose newline is nl (NULL: it ends the text):
 * returns it NUL-terminated in place without its "\r\n". */
static inline char *take_line(struct mm__intel_lines *it, char *nl)
{
    char *line = it->p;
    size_t n = nl ? (size_t)(nl - line) : (size_t)(it->end - line);
    if (nl) {
        *nl = '\0';
        it->p = nl + 1;
    } else {
        it->p = it->end;
    }
    if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
    it->len = n;
    it->lineno++;
    return line;
}

/* Returns the next line, NUL-terminated in place without its "\r\n", or NULL.
 * The text holds no NUL byte (mm__intel_load_text skips binary files), so a
 * line ends at its newline and its length needs no strlen. A line that runs
 * past the end of a piece makes the next piece be read. The last line of a
 * file read in pieces that changed or grew while it was read, or in which a
 * NUL byte ended the text, is not taken when no newline ends it: it may be
 * cut (a cut address or name is another one that was never listed);
 * load_pieces reports it. */
static char *next_line(struct mm__intel_lines *it)
{
    if (it->p >= it->end && !read_piece(it))
        return NULL;
    for (;;) {
        char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
        if (nl)
            return take_line(it, nl);
        if (!read_piece(it))
            break;
    }
    if (it->file && (it->file->changed || it->file->nul || it->file->grew || it->file->restart)) {
        it->p = it->end; /* the cut line */
        return NULL;
    }
    return take_line(it, NULL);
}

/* The bytes that keep a list line from being one bare indicator (see
 * plain_list_line). */
#define PLAIN_STOPS " \t\v\f\r#[]()*+\\|^$"

/* True when a list line of n bytes is one bare indicator: no white space,
 * no '#' and no pattern character. read_list's checks then all pass without
 * changing it, so it goes straight in (most lines of large lists). A line
 * holds no '\n' and no NUL before its end, and with sixteen bytes to look
 * for glibc's strcspn compares sixteen at a time. */
static bool plain_list_line(const char *line, size_t n)
{
    return n > 0 && strcspn(line, PLAIN_STOPS) == n;
}

#if defined(__SSE2__)
/* Each byte of x that lies in [lo, hi] as all ones (0 <= lo <= hi < 0x80;
 * exact for every byte of x, those above 0x7f too). */
static inline __m128i bytes_in(__m128i x, char lo, char hi)
{
    /* x - lo moved to the bottom of the signed range: [lo, hi] becomes
     * [-128, -128 + hi - lo], one compare instead of two and an AND */
    __m128i moved = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - lo)));
    return _mm_cmplt_epi8(moved, _mm_set1_epi8((char)(0x80 + hi - lo + 1)));
}

/* A bit for each of the 16 bytes at p that is one of PLAIN_STOPS or '\n'
 * (' ', '\t' to '\r', '#' and '$', '(' to '+', '[' to '^', '|'). */
static inline unsigned plain_stops(const char *p)
{
    __m128i x = _mm_loadu_si128((const void *)p);
    __m128i m = _mm_or_si128(bytes_in(x, '\t', '\r'), _mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
    m = _mm_or_si128(m, _mm_or_si128(bytes_in(x, '#', '$'), bytes_in(x, '(', '+')));
    m = _mm_or_si128(m, _mm_or_si128(bytes_in(x, '[', '^'), _mm_cmpeq_epi8(x, _mm_set1_epi8('|'))));
    return (unsigned)_mm_movemask_epi8(m);
}

/* A bit for each of the 16 bytes in x that may be one of plain_stops'
 * bytes, in fewer steps: every byte below ',' (the stops from '\t' to '+'
 * and '\n', but also other control bytes, '!', '"', '%', '&', '\'' and,
 * negative to the signed compare, every byte above 0x7f), '[' to '^' (one
 * compare: moved to the bottom of the signed range) and '|'. A host name,
 * an address or a URL has none of them but its newline. */
static inline unsigned plain_stops_maybe(__m128i x)
{
    __m128i m = _mm_cmplt_epi8(x, _mm_set1_epi8(','));
    __m128i brackets = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - '[')));
    m = _mm_or_si128(m, _mm_cmplt_epi8(brackets, _mm_set1_epi8((char)(0x80 + '^' - '[' + 1))));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('|')));
    return (unsigned)_mm_movemask_epi8(m);
}

/* next_line for read_list, and in *plain plain_list_line's answer for it,
 * from one pass over the line's bytes, sixteen at a time (memchr and then
 * strcspn over every line of a large list were a sixth of loading it):
 * where the newline and the first stop byte lie ('\n' is one too, and no
 * stop byte before the newline means no stop in the line; a trailing
 * '\r' is the line's end). The exact stops of sixteen bytes are only
 * worked out when plain_stops_maybe finds a byte before the newline that
 * may be one (rarely: the newline itself always is). The last bytes of
 * the text, fewer than sixteen, are left to next_line and plain_list_line. */
char *mm__intel_next_list_line(struct mm__intel_lines *it, bool *plain)
{
    if (it->p >= it->end && !read_piece(it))
        return NULL;
    char *line = it->p;
    size_t avail = (size_t)(it->end - line), stop = SIZE_MAX;
    const __m128i newline = _mm_set1_epi8('\n');
    for (size_t i = 0; i + 16 <= avail; i += 16) {
        __m128i x = _mm_loadu_si128((const void *)(line + i));
        unsigned nls = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, newline));
        unsigned before_nl = nls ? (nls & (0u - nls)) - 1 : 0xffffu;
        if (stop == SIZE_MAX && (plain_stops_maybe(x) & before_nl)) {
            unsigned stops = plain_stops(line + i);
            if (stops)
                stop = i + (size_t)__builtin_ctz(stops);
        }
        if (nls) {
            line = take_line(it, line + i + (size_t)__builtin_ctz(nls));
            *plain = it->len > 0 && stop >= it->len;
            return line;
        }
    }
    line = next_line(it); /* (reads the next piece when the line runs past this one) */
    *plain = line && plain_list_line(line, it->len); /* (NULL: a changed file's cut line) */
    return line;
}
#else
char *mm__intel_next_list_line(struct mm__intel_lines *it, bool *plain)
{
    char *line = next_line(it);
    *plain = line && plain_list_line(line, it->len);
    return line;
}
#endif

static void report_bad(struct mm_intel_file_report *rep, int line, const char *why)
{
    rep->malformed++;
    if (rep->first_bad_line == 0) {
        rep->first_bad_line = line;
        snprintf(rep->first_bad_reason, sizeof rep->first_bad_reason, "%s", why);
    }
}

/* Adds one value of n bytes and keeps the report's counts. */
static int add_value_n(struct mm_intel *in, enum mm__intel_kind kind, const char *value, size_t n,
                       struct mm__intel_ctx *ctx, struct mm_intel_file_report *rep, int line)
{
    const char *why;
    int r = mm__intel_add_n(in, kind, value, n, ctx, &why);
    if (r == MM_EPARSE) {
        report_bad(rep, line, why);
        return 0;
    }
    if (r == 0)
        rep->loaded++;
    return r;
}

static int add_value(struct mm_intel *in, enum mm__intel_kind kind, const char *value,
                     struct mm__intel_ctx *ctx, struct mm_intel_file_report *rep, int line)
{
    return add_value_n(in, kind, value, strlen(value), ctx, rep, line);
}

/* ---- CSV ------------------------------------------------------------------ */

/* Splits line in place into fields (quotes with "" escapes). Returns the count. */
static size_t csv_split(char *line, char sep, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        char *out = p, *start = p;
        while (*p == ' ' && sep != ' ')
            p++;
        if (*p == '"') {
            p++;
            out = start = p;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p++;
                }
            }
            while (*p && *p != sep)
                p++;
        } else {
            start = p;
            while (*p && *p != sep)
                p++;
            out = p;
        }
        char *next = *p ? p + 1 : NULL;
        *out = '\0';
        fields[n++] = mm_str_trim(start);
        if (!next)
            break;
        p = next;
    }
    return n;
}

enum col_role { COL_NONE, COL_VALUE, COL_TYPE, COL_PORT, COL_FAMILY, COL_REF };

struct csv_layout {
    char sep;
    int header_line;
    int value, type, port, family, reference; /* column index or -1 */
    enum mm__intel_kind kind;                 /* fixed kind when no type column */
    const char *format;
};

/* Recognises a header line; on success fills lay and returns true. */
static bool csv_header(const char *line, int lineno, struct csv_layout *lay)
{
    static const struct {
        const char *name;
        enum col_role role;
        enum mm__intel_kind kind;
        const char *format;
    } cols[] = {
        {"ioc_value", COL_VALUE, MM__IK_NONE, "threatfox-csv"},
        {"dst_ip", COL_VALUE, MM__IK_IP, "feodo"},
        {"ip_address", COL_VALUE, MM__IK_IP, "csv"},
        {"sha1", COL_VALUE, MM__IK_SHA1, "sslbl-sha1"},
        {"ja3_md5", COL_VALUE, MM__IK_JA3, "sslbl-ja3"},
        {"ja4", COL_VALUE, MM__IK_JA4, "csv"},
        {"url", COL_VALUE, MM__IK_URL, "urlhaus-csv"},
        {"value", COL_VALUE, MM__IK_NONE, "mamori"},
        {"indicator", COL_VALUE, MM__IK_NONE, "csv"},
        {"ioc_type", COL_TYPE, MM__IK_NONE, NULL},
        {"type", COL_TYPE, MM__IK_NONE, NULL},
        {"dst_port", COL_PORT, MM__IK_NONE, NULL},
        {"port", COL_PORT, MM__IK_NONE, NULL},
        {"family", COL_FAMILY, MM__IK_NONE, NULL},
        {"malware_printable", COL_FAMILY, MM__IK_NONE, NULL},
        {"malware", COL_FAMILY, MM__IK_NONE, NULL},
        {"listingreason", COL_FAMILY, MM__IK_NONE, NULL},
        {"tags", COL_FAMILY, MM__IK_NONE, NULL},
        {"threat", COL_FAMILY, MM__IK_NONE, NULL},
        {"reference", COL_REF, MM__IK_NONE, NULL},
        {"urlhaus_link", COL_REF, MM__IK_NONE, NULL},
    };
    char buf[1024], *fields[CSV_FIELDS_MAX];
    while (*line == '#' || *line == ' ')
        line++;
    if (strlen(line) >= sizeof buf)
        return false;
    snprintf(buf, sizeof buf, "%s", line);
    char sep = strchr(buf, '\t') ? '\t' : ',';
    if (!strchr(buf, sep))
        return false;
    size_t n = csv_split(buf, sep, fields, CSV_FIELDS_MAX);
    struct csv_layout l = {.sep = sep,
                           .header_line = lineno,
                           .value = -1,
                           .type = -1,
                           .port = -1,
                           .family = -1,
                           .reference = -1};
    int value_prio = 99, family_prio = 99;
    for (size_t i = 0; i < n; i++) {
        mm_str_lower(fields[i]);
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            if (strcmp(fields[i], cols[c].name) != 0)
                continue;
            int prio = (int)c;
            switch (cols[c].role) {
            case COL_VALUE:
                if (prio < value_prio) {
                    value_prio = prio;
                    l.value = (int)i;
                    l.kind = cols[c].kind;
                    l.format = cols[c].format;
                }
                break;
            case COL_TYPE:
                if (l.type < 0)
                    l.type = (int)i;
                break;
            case COL_PORT:
                if (l.port < 0)
                    l.port = (int)i;
                break;
            case COL_FAMILY:
                if (prio < family_prio) {
                    family_prio = prio;
                    l.family = (int)i;
                }
                break;
            case COL_REF:
                if (l.reference < 0)
                    l.reference = (int)i;
                break;
            default:
                break;
            }
        }
    }
    if (l.value < 0)
        return false;
    if (l.kind == MM__IK_NONE && l.type < 0 && strcmp(l.format, "csv") != 0)
        return false; /* "value" alone is too generic to be a header */
    *lay = l;
    return true;
}

/* Kind for a ThreatFox / mamori type word; file hashes are skipped (*skip). */
static enum mm__intel_kind kind_of_type(const char *word, bool *skip)
{
    *skip = false;
    enum mm__intel_kind k = mm__intel_kind_from_word(word);
    if (k == MM__IK_NONE &&
        (strstr(word, "_hash") || strstr(word, "md5") || strstr(word, "sha256")))
        *skip = true; /* file hashes: not visible on the wire */
    return k;
}

static int read_csv(struct mm_intel *in, struct mm__intel_lines *it, const struct csv_layout *lay,
                    struct mm__intel_ctx ctx, struct mm_intel_file_report *rep)
{
    char *line, *f[CSV_FIELDS_MAX], value[MM__INTEL_VALUE_MAX + 16];
    unsigned pieces = it->pieces;
    int r = 0;
    while ((line = next_line(it)) != NULL) {
        if (it->pieces != pieces) { /* a line may now lie where another lay */
            pieces = it->pieces;
            mm__intel_ctx_changed(&ctx);
        }
        if (it->lineno <= lay->header_line || line[0] == '#' || mm_str_trim(line)[0] == '\0')
            continue;
        size_t n = csv_split(line, lay->sep, f, CSV_FIELDS_MAX);
        if ((size_t)lay->value >= n || f[lay->value][0] == '\0') {
            report_bad(rep, it->lineno, "missing indicator column");
            continue;
        }
        enum mm__intel_kind kind = lay->kind;
        if (lay->type >= 0) {
            bool skip;
            if ((size_t)lay->type >= n) {
                report_bad(rep, it->lineno, "missing type column");
                continue;
            }
            kind = kind_of_type(f[lay->type], &skip);
            if (skip)
                continue;
            if (kind == MM__IK_NONE) {
                report_bad(rep, it->lineno, "unknown indicator type");
                continue;
            }
        }
        const char *v = f[lay->value];
        if (lay->port >= 0 && (size_t)lay->port < n && f[lay->port][0] && kind == MM__IK_IP) {
            snprintf(value, sizeof value, strchr(v, ':') ? "[%s]:%s" : "%s:%s", v, f[lay->port]);
            v = value;
        }
        ctx.family = lay->family >= 0 && (size_t)lay->family < n ? f[lay->family] : "";
        if (lay->family >= 0 && (size_t)lay->family < n && strchr(ctx.family, ','))
            *strchr(f[lay->family], ',') = '\0'; /* URLhaus tags: the first one */
        ctx.reference = lay->reference >= 0 && (size_t)lay->reference < n ? f[lay->reference] : "";
        if ((r = add_value(in, kind, v, &ctx, rep, it->lineno)) != 0)
            break;
    }
    return r;
}

/* ---- line formats --------------------------------------------------------- */

/* Drops a trailing " # comment" (Maltrail CIDR lists annotate entries). */
static char *strip_inline_comment(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            break;
        }
    return mm_str_trim(s);
}

static int read_list(struct mm_intel *in, struct mm__intel_lines *it, struct mm__intel_ctx ctx,
                     struct mm_intel_file_report *rep)
{
    char *line, reference[512] = "";
    bool plain;
    int r = 0;
    while ((line = mm__intel_next_list_line(it, &plain)) != NULL) {
        if (plain) {
            if ((r = add_value_n(in, MM__IK_NONE, line, it->len, &ctx, rep, it->lineno)) != 0)
                break;
            continue;
        }
        char *s = mm_str_trim(line);
        if (s[0] == '#') {
            if (mm_str_prefix(s, "# Reference:")) {
                mm_strlcpy_utf8(reference, mm_str_trim(s + 12), sizeof reference);
                ctx.reference = reference;
                mm__intel_ctx_changed(&ctx); /* same buffer, new text */
            }
            continue;
        }
        s = strip_inline_comment(s);
        if (s[0] == '\0')
            continue;
        if (strpbrk(s, " \t")) {
            report_bad(rep, it->lineno, "more than one field on a list line");
            continue;
        }
        const char *body = mm_str_prefix(s, "*.") ? s + 2 : s;
        if (strpbrk(body, "[]()*+\\|^$") && s[0] != '[') {
            report_bad(rep, it->lineno, "pattern (regular expression) not supported");
            continue;
        }
        if ((r = add_value(in, MM__IK_NONE, s, &ctx, rep, it->lineno)) != 0)
            break;
    }
    return r;
}

static bool is_hosts_line(const char *s)
{
    return mm_str_prefix(s, "0.0.0.0 ") || mm_str_prefix(s, "0.0.0.0\t") ||
           mm_str_prefix(s, "127.0.0.1 ") || mm_str_prefix(s, "127.0.0.1\t") ||
           mm_str_prefix(s, ":: ") || mm_str_prefix(s, "::1 ");
}

static int read_hosts(struct mm_intel *in, struct mm__intel_lines *it, struct mm__intel_ctx ctx,
                      struct mm_intel_file_report *rep)
{
    static const char *const skip[] = {
        "localhost", "localhost.localdomain", "local",       "broadcasthost",
        "0.0.0.0",   "ip6-localhost",         "ip6-loopback"};
    char *line, *save;
    int r = 0;
    while ((line = next_line(it)) != NULL) {
        char *s = strip_inline_comment(line);
        if (s[0] == '\0')
            continue;
        struct mm_addr a;
        char *tok = strtok_r(s, " \t", &save);
        if (!tok || mm_addr_parse(tok, &a) != 0) {
            report_bad(rep, it->lineno, "hosts line does not start with an address");
            continue;
        }
        while ((tok = strtok_r(NULL, " \t", &save)) != NULL && r == 0) {
            bool ignored = false;
            for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
                ignored = ignored || strcasecmp(tok, skip[i]) == 0;
            if (!ignored)
                r = add_value(in, MM__IK_DOMAIN, tok, &ctx, rep, it->lineno);
        }
        if (r != 0)
            break;
    }
    return r;
}

static int read_ublock(struct mm_intel *in, struct mm__intel_lines *it, struct mm__intel_ctx ctx,
                       struct mm_intel_file_report *rep)
{
    char *line;
    int r = 0;
    while ((line = next_line(it)) != NULL) {
        char *s = mm_str_trim(line);
        if (s[0] == '\0' || s[0] == '!' || s[0] == '[' || s[0] == '#')
            continue;
        if (mm_str_prefix(s, "@@"))
            continue; /* exception rules only make sense inside a blocker */
        if (strstr(s, "##") || strstr(s, "#@#")) {
            report_bad(rep, it->lineno, "cosmetic filter not supported");
            continue;
        }
        while (*s == '|')
            s++;
        char *dollar = strchr(s, '$');
        if (dollar)
            *dollar = '\0';
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == '^' || s[n - 1] == '|'))
            s[--n] = '\0';
        if (n == 0 || strpbrk(s, "*^")) {
            report_bad(rep, it->lineno, "wildcard filter not supported");
            continue;
        }
        if ((r = add_value(in, MM__IK_NONE, s, &ctx, rep, it->lineno)) != 0)
            break;
    }
    return r;
}

static int read_maltrail_csv(struct mm_intel *in, struct mm__intel_lines *it,
                             struct mm__intel_ctx ctx, struct mm_intel_file_report *rep)
{
    char *line, *f[CSV_FIELDS_MAX];
    unsigned pieces = it->pieces;
    int r = 0;
    while ((line = next_line(it)) != NULL) {
        if (it->pieces != pieces) { /* as in read_csv */
            pieces = it->pieces;
            mm__intel_ctx_changed(&ctx);
        }
        if (line[0] == '#' || mm_str_trim(line)[0] == '\0')
            continue;
        size_t n = csv_split(line, ',', f, CSV_FIELDS_MAX);
        if (n < 2 || f[0][0] == '\0') {
            report_bad(rep, it->lineno, "expected trail,info,reference");
            continue;
        }
        if (strpbrk(f[0], "()*+\\|^$") || (strchr(f[0], '[') && f[0][0] != '[')) {
            report_bad(rep, it->lineno, "pattern (regular expression) not supported");
            continue;
        }
        ctx.family = f[1];
        ctx.reference = n > 2 ? f[2] : "";
        if ((r = add_value(in, MM__IK_NONE, f[0], &ctx, rep, it->lineno)) != 0)
            break;
    }
    return r;
}

/* ---- STIX 2.1 ------------------------------------------------------------- */

/* Adds every "[object:value = 'x']" comparison found in a pattern. Returns the
 * number added, or -1 when none was usable. */
static int stix_pattern(struct mm_intel *in, const char *pattern, struct mm__intel_ctx *ctx,
                        struct mm_intel_file_report *rep, int index, int *err)
{
    static const struct {
        const char *path;
        enum mm__intel_kind kind;
    } paths[] = {
        {"ipv4-addr:value", MM__IK_IP},
        {"ipv6-addr:value", MM__IK_IP},
        {"domain-name:value", MM__IK_DOMAIN},
        {"url:value", MM__IK_URL},
        {"x509-certificate:hashes.'SHA-1'", MM__IK_SHA1},
        {"x509-certificate:hashes.SHA1", MM__IK_SHA1},
    };
    int added = 0;
    *err = 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        const char *p = pattern;
        while ((p = strstr(p, paths[i].path)) != NULL) {
            p += strlen(paths[i].path);
            while (*p == ' ')
                p++;
            if (*p != '=') /* only equality; MATCHES, LIKE, ISSUBSET are skipped */
                continue;
            p++;
            while (*p == ' ')
                p++;
            if (*p != '\'')
                continue;
            const char *end = strchr(p + 1, '\'');
            if (!end || (size_t)(end - p) > MM__INTEL_VALUE_MAX)
                continue;
            char value[MM__INTEL_VALUE_MAX + 1];
            memcpy(value, p + 1, (size_t)(end - p - 1));
            value[end - p - 1] = '\0';
            if ((*err = add_value(in, paths[i].kind, value, ctx, rep, index)) != 0)
                return -1;
            added++;
            p = end;
        }
    }
    return added ? added : -1;
}

static const char *json_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Finds the malware name an indicator "indicates" through a relationship. */
static const char *stix_family(const json_t *objects, const char *indicator_id)
{
    size_t i;
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        if (strcmp(json_str(o, "type"), "relationship") != 0 ||
            strcmp(json_str(o, "relationship_type"), "indicates") != 0 ||
            strcmp(json_str(o, "source_ref"), indicator_id) != 0)
            continue;
        const char *target = json_str(o, "target_ref");
        size_t j;
        json_t *m;
        json_array_foreach(objects, j, m)
        {
            if (strcmp(json_str(m, "id"), target) == 0 &&
                strcmp(json_str(m, "type"), "malware") == 0)
                return json_str(m, "name");
        }
    }
    return "";
}

static int read_stix(struct mm_intel *in, const char *text, size_t len, struct mm__intel_ctx ctx,
                     struct mm_intel_file_report *rep, bool *is_stix)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    json_t *objects = root ? json_object_get(root, "objects") : NULL;
    size_t i;
    json_t *o;
    int r = 0;
    *is_stix = json_is_array(objects) && strcmp(json_str(root, "type"), "bundle") == 0;
    if (!*is_stix)
        goto out;
    json_array_foreach(objects, i, o)
    {
        if (strcmp(json_str(o, "type"), "indicator") != 0)
            continue;
        if (strcmp(json_str(o, "pattern_type"), "") != 0 &&
            strcmp(json_str(o, "pattern_type"), "stix") != 0) {
            report_bad(rep, (int)i + 1, "indicator pattern is not a STIX pattern");
            continue;
        }
        ctx.family = stix_family(objects, json_str(o, "id"));
        ctx.reference = json_str(o, "id");
        if (stix_pattern(in, json_str(o, "pattern"), &ctx, rep, (int)i + 1, &r) < 0) {
            if (r != 0)
                goto out;
            report_bad(rep, (int)i + 1, "STIX pattern without a supported equality");
        }
    }
out:
    json_decref(root);
    return r;
}

/* ---- sniffing --------------------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* "emotet.txt" -> "emotet" */
static void stem(const char *path, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", base_name(path));
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}

enum fmt { F_LIST, F_MALTRAIL, F_MALTRAIL_CSV, F_HOSTS, F_UBLOCK, F_CSV, F_TABULAR };

/* Looks at the first lines (without consuming them) and picks a format. */
static enum fmt sniff(char *text, size_t len, struct csv_layout *lay)
{
    struct mm__intel_lines it = {.p = text, .end = text + len};
    char *line;
    bool maltrail = false;
    enum fmt data_fmt = F_LIST;
    int data_lines = 0, csv3 = 0, tabbed = 0;
    /* work on a copy of each line: sniffing must not modify the buffer */
    while ((line = it.p < it.end ? it.p : NULL) != NULL && it.lineno < SNIFF_LINES) {
        char *nl = memchr(it.p, '\n', (size_t)(it.end - it.p));
        size_t n = nl ? (size_t)(nl - it.p) : (size_t)(it.end - it.p);
        it.p += n + (nl ? 1 : 0);
        it.lineno++;
        char buf[1024];
        if (n >= sizeof buf)
            n = sizeof buf - 1;
        memcpy(buf, line, n);
        buf[n] = '\0';
        char *s = mm_str_trim(buf);
        if (s[0] == '\0')
            continue;
        if (mm_str_prefix(s, "||") || mm_str_prefix(s, "[Adblock") || s[0] == '!')
            return F_UBLOCK;
        if (csv_header(s, it.lineno, lay))
            return F_CSV;
        if (s[0] == '#') {
            if (strstr(s, "Maltrail") || mm_str_prefix(s, "# Reference:") ||
                mm_str_prefix(s, "# Aliases:"))
                maltrail = true;
            continue;
        }
        if (data_lines++ == 0 && is_hosts_line(s))
            data_fmt = F_HOSTS;
        if (strchr(s, '\t'))
            tabbed++;
        char *f[CSV_FIELDS_MAX];
        size_t nf = csv_split(s, ',', f, CSV_FIELDS_MAX);
        if (nf == 3 && f[0][0] && (f[2][0] == '(' || mm_str_prefix(f[2], "http")))
            csv3++;
    }
    if (data_fmt == F_HOSTS)
        return F_HOSTS;
    if (data_lines > 0 && tabbed == data_lines)
        return F_TABULAR; /* tab-separated data without a header we know */
    if (data_lines > 0 && csv3 == data_lines)
        return F_MALTRAIL_CSV;
    return maltrail ? F_MALTRAIL : F_LIST;
}

static bool is_json(const char *text, size_t len)
{
    json_t *j = json_loadb(text, len, 0, NULL);
    json_decref(j);
    return j != NULL;
}

static bool name_has(const char *path, const char *word)
{
    return strcasestr(base_name(path), word) != NULL;
}

/* Reads all of fd (a regular file of size bytes) into text (size + 1
 * bytes); true when it held exactly size bytes. */
static bool read_exactly(int fd, char *text, size_t size)
{
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, text + got, size + 1 - got); /* one more: EOF seen */
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 && got == size;
        got += (size_t)n;
        if (got > size)
            return false; /* it grew */
    }
}

static int load_feed(struct mm_intel *in, const char *path, struct mm__intel_lines *it,
                     struct mm_intel_file_report *rep);

/* Reads the size bytes of fd into b resized to hold them and a NUL: no
 * chunks copied onto a growing buffer, and the pages the last file was
 * read into are used again instead of fresh ones. False on ENOMEM or when
 * fd held more or fewer bytes. */
static bool read_whole(int fd, struct mm__intel_block *b, size_t size)
{
    if (mm__intel_block_resize(b, size + 1) != 0)
        return false;
    mm__intel_block_populate(b, 0, size + 1); /* read() writes it all */
    char *text = b->p;
    if (lseek(fd, 0, SEEK_SET) != 0 || !read_exactly(fd, text, size))
        return false;
    text[size] = '\0';
    return true;
}

/* 3 when p starts with a UTF-8 byte order mark, else 0. Notepad and Excel
 * ("CSV UTF-8") put one before a feed's first line, which then read as
 * malformed, and a CSV header after it was not recognised at all. */
static size_t bom_len(const char *p, const char *end)
{
    return end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

/* The first byte of it's text that is not white space (after a byte order
 * mark), '\0' for none. */
static char first_byte(const struct mm__intel_lines *it)
{
    for (const char *q = it->p + bom_len(it->p, it->end); q < it->end; q++)
        if (!isspace((unsigned char)*q))
            return *q;
    return '\0';
}

/* Sets it up to read the feed of size bytes in fd in pieces through b,
 * with the first SNIFF_LINES lines (or all) in the first piece: sniffing
 * looks at them without taking them. A text that starts with '{' or '['
 * stops at the piece that shows it (it is read whole: a JSON file on one
 * line was read all in pieces first). False on ENOMEM or a read error. */
static bool first_piece(struct mm__intel_lines *it, struct mm__intel_piece_file *f, uint64_t size)
{
    *it = (struct mm__intel_lines){.start = f->block->p, .file = f, .after = size};
    it->p = it->end = it->start;
    for (;;) {
        size_t lines = 0;
        for (const char *q = it->p; lines < SNIFF_LINES && q < it->end; lines++) {
            q = memchr(q, '\n', (size_t)(it->end - q));
            if (!q)
                break;
            q++;
        }
        char c = first_byte(it);
        if (lines >= SNIFF_LINES || it->after == 0 || c == '{' || c == '[')
            return !f->err;
        if (!read_piece(it))
            return !f->err;
    }
}

/* True when the text of a feed read in pieces starts like one for the line
 * readers: its first byte that is not white space (in the first piece)
 * is not '{' or '[' (maybe JSON, read whole for the parser). */
static bool lines_start(const struct mm__intel_lines *it)
{
    char c = first_byte(it);
    return c != '\0' && c != '{' && c != '['; /* (white space only so far: read whole) */
}

/* mm__intel_load_text of a feed file read in pieces, a piece at a time,
 * from the first piece it holds (first_piece): the same report as for the
 * whole text. The file is read once: each piece is checked against the
 * file's state after it is read (see read_piece). A file that changed and
 * did not settle, or in which a NUL byte follows the first piece, ends
 * there (a malformed line says so); one that grew at its end, or that was
 * replaced, is noted (not malformed). One rewritten after lines were taken
 * stops with f->restart set: mm__intel_load_file reads it again from its
 * start. */
static int load_pieces(struct mm_intel *in, const char *path, struct mm__intel_lines *it,
                       struct mm_intel_file_report *rep)
{
    struct mm__intel_piece_file *f = it->file;
    int r = load_feed(in, path, it, rep);
    struct stat now;
    if (r == 0 && f->err)
        r = f->err;
    if (r != 0 || f->restart)
        return r;
    if (f->changed) { /* at the line not read whole (see next_line) */
        report_bad(rep, it->lineno + 1, "file changed while it was read");
    } else if (f->nul) {
        report_bad(rep, it->lineno + 1, "NUL byte: not text from here on");
    } else if (f->grew) {
        rep->note = MM_INTEL_NOTE_GREW;
        rep->note_line = it->lineno + 1;
    } else if (f->restarts > 0) {
        rep->note = MM_INTEL_NOTE_CHANGED;
        rep->note_line = f->restart_line;
    }
    if (rep->note == MM_INTEL_NOTE_NONE && stat(path, &now) == 0 &&
        !mm_stat_same(&now, &f->st, MM_STAT_FILE))
        rep->note = MM_INTEL_NOTE_REPLACED;
    return 0;
}

/* Sets f up to read fd (in the state st) from its start into b; what an
 * earlier read of it counted (restarts, restart_line, reread) carries
 * over. False when it is not a regular file within the size limit, or on
 * ENOMEM. */
static bool piece_file_open(struct mm__intel_piece_file *f, int fd, struct mm__intel_block *b,
                            const struct stat *st)
{
    if (!S_ISREG(st->st_mode) || st->st_size < 0 || (uint64_t)st->st_size > FEED_FILE_MAX)
        return false;
    size_t size = (size_t)st->st_size, first = size < feed_piece ? size : feed_piece;
    if (mm__intel_block_resize(b, first + 1) != 0)
        return false;
    mm__intel_block_populate(b, 0, first + 1);
    *f = (struct mm__intel_piece_file){.fd = fd,
                                       .block = b,
                                       .size = size,
                                       .st = *st,
                                       .restarts = f->restarts,
                                       .restart_line = f->restart_line,
                                       .reread = f->reread};
    return true;
}

/* ---- the settle rule ------------------------------------------------------- */

/* How many ms the file of state st is still too young for the settle rule
 * of ms: 0 when its modification and change times are both at least ms
 * old (or more than ms ahead of the clock: a time that is not the
 * writer's now). */
static int64_t young_ms(const struct stat *st, unsigned ms)
{
    struct timespec now;
    const struct timespec *t =
        st->st_mtim.tv_sec > st->st_ctim.tv_sec || (st->st_mtim.tv_sec == st->st_ctim.tv_sec &&
                                                    st->st_mtim.tv_nsec > st->st_ctim.tv_nsec)
            ? &st->st_mtim
            : &st->st_ctim;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t age = (int64_t)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
    return age >= (int64_t)ms || age <= -(int64_t)ms ? 0 : (int64_t)ms - age;
}

/* Waits until fd (its state in *st, kept current) has settled under s, up
 * to s->wait_until or until *s->stop is set: true when it has (or fstat
 * fails: the read says so). Sleeps at most STOP_POLL_US at a time, so that
 * a stop signal caught by another thread ends the wait too. */
#define STOP_POLL_US 100000
static bool wait_settled(int fd, const struct mm_intel_settle *s, struct stat *st)
{
    for (;;) {
        if (fstat(fd, st) != 0)
            return true;
        int64_t young = young_ms(st, s->ms), now = mm_time_mono_usec();
        if (young == 0)
            return true;
        if (s->wait_until == 0 || now >= s->wait_until || (s->stop && *s->stop))
            return false;
        int64_t us = young * 1000 + 1000;
        if (us > s->wait_until - now)
            us = s->wait_until - now;
        if (us > STOP_POLL_US)
            us = STOP_POLL_US;
        struct timespec d = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
        while (nanosleep(&d, &d) != 0 && errno == EINTR && !(s->stop && *s->stop))
            ;
    }
}

/* Reads a feed file into in: a regular file is read a piece at a time
 * (load_pieces; a file of up to a piece in one), unless its first piece
 * shows that it must be read whole for mm__intel_load_text (a NUL byte:
 * skipped as binary; '{' or '[' first: maybe JSON). Everything else
 * (stdin's "-", not a regular file, over the limit, a size that changes
 * while read whole, any error) is left to mm_file_read, which answers as
 * it always did. Only a path that names a regular file is opened here
 * (without blocking, should it have become something else): a named pipe
 * opened and closed again before mm_file_read opens it would lose what a
 * producer wrote into it. A file rewritten after some of its lines were
 * taken is read again from its start, as if its new content had been
 * read from the start (its header, reference and line numbers; the report
 * is the new content's, noted); the lines taken before stay in the set.
 * Under the settle rule (mm_intel_settle) a file is read only once it has
 * settled, and again from its start once it has settled again after any
 * change while it was read (its size too while it is read whole); not
 * settled in time, the load is postponed (MM_EAGAIN, rep noted) or the
 * file loaded as read, noted. */
int mm__intel_load_file(struct mm_intel *in, const char *path, struct mm_intel_file_report *rep)
{
    struct mm__intel_block *b = mm__intel_text_block(in);
    const struct mm_intel_settle *rule = mm__intel_settle_of(in);
    struct mm__intel_piece_file f = {0};
    bool strict = rule->ms > 0, unsettled = false;
    char *text = NULL;
    size_t len = 0;
    struct stat st;
    int fd = -1, r;
    memset(rep, 0, sizeof *rep);
    snprintf(rep->path, sizeof rep->path, "%s", path);
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        goto whole;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0)
        goto whole;
    for (;;) {
        struct mm__intel_lines it;
        if (strict && (f.restarts >= SETTLE_READS || !wait_settled(fd, rule, &st))) {
            if (rule->postpone) {
                close(fd);
                rep->note = MM_INTEL_NOTE_POSTPONED;
                return MM_EAGAIN;
            }
            strict = false; /* (no set before: as it is now) */
            unsettled = true;
        }
        if (!piece_file_open(&f, fd, b, &st))
            goto whole; /* (too large, or no memory: as mm_file_read answers) */
        f.strict = strict;
        /* (a file that changed before its first lines settled is not read
         * whole either: it would be read as it is, a cut line and all) */
        if (!first_piece(&it, &f, f.size) || f.nul || !(f.changed || lines_start(&it))) {
            if (f.restart && f.unsettled)
                goto again; /* (in its first piece) */
            /* (its size changed while read whole, or changed otherwise:
             * under the rule, read again once settled) */
            bool read = read_whole(fd, b, f.size), moved = strict && !unchanged(&f);
            if (!read && !moved)
                goto whole;
            if (moved) {
                f.restarts++;
                continue;
            }
            close(fd);
            r = mm__intel_load_text(in, path, b->p, f.size, rep);
            break;
        }
        r = load_pieces(in, path, &it, rep);
        if (r != 0 || !f.restart) {
            close(fd);
            break;
        }
    again:
        if (f.restarts++ == 0)
            f.restart_line = it.lineno;
        if (fstat(fd, &st) != 0) {
            r = mm_error_from_errno(errno);
            close(fd);
            return r;
        }
    }
    goto noted;
whole:
    if (fd >= 0)
        close(fd);
    r = mm_file_read(path, FEED_FILE_MAX, &text, &len);
    if (r == MM_ETOOBIG) {
        snprintf(rep->format, sizeof rep->format, "skipped");
        report_bad(rep, 0, "file larger than the feed limit");
        return 0; /* (not read: nothing to note) */
    }
    if (r != 0)
        return r;
    r = mm__intel_load_text(in, path, text, len, rep);
    free(text);
    if (f.restarts > 0 && rep->note == MM_INTEL_NOTE_NONE) {
        rep->note = MM_INTEL_NOTE_CHANGED;
        rep->note_line = f.restart_line;
    }
noted:
    if (unsettled && r == 0) {
        rep->note = MM_INTEL_NOTE_UNSETTLED;
        rep->note_line = 0;
    }
    return r;
}

int mm__intel_load_text(struct mm_intel *in, const char *path, char *text, size_t len,
                        struct mm_intel_file_report *rep)
{
    struct mm__intel_lines it = {.start = text, .p = text, .end = text + len};
    return load_feed(in, path, &it, rep);
}

/* mm__intel_load_text of the feed it reads: a whole text, or a file read
 * in pieces whose first piece holds its first SNIFF_LINES lines (the checks
 * for NUL bytes and JSON below then pass: mm__intel_load_file made them on
 * the first piece; a NUL byte after it ends the text, see read_piece). */
static int load_feed(struct mm_intel *in, const char *path, struct mm__intel_lines *it,
                     struct mm_intel_file_report *rep)
{
    it->p += bom_len(it->p, it->end); /* (the start of the file: its first piece) */
    char *text = it->p, family[128] = "";
    size_t len = (size_t)(it->end - it->p);
    struct csv_layout lay = {0};
    struct mm__intel_ctx ctx = {.family = "", .reference = "", .source = path};
    int r = 0;
    memset(rep, 0, sizeof *rep);
    snprintf(rep->path, sizeof rep->path, "%s", path);
    ctx.allow = name_has(path, "whitelist") || name_has(path, "allowlist");
    if (name_has(path, "bogon")) { /* unrouted ranges (incl. RFC 1918), not threats */
        snprintf(rep->format, sizeof rep->format, "skipped");
        snprintf(rep->first_bad_reason, sizeof rep->first_bad_reason,
                 "bogon ranges are not threat indicators");
        return 0;
    }
    if (strcasecmp(base_name(path), "ua.txt") == 0) { /* Maltrail's user-agent regexes */
        snprintf(rep->format, sizeof rep->format, "skipped");
        snprintf(rep->first_bad_reason, sizeof rep->first_bad_reason,
                 "user-agent regular expressions are not indicators");
        return 0;
    }
    size_t skip = 0;
    while (skip < len && isspace((unsigned char)text[skip]))
        skip++;
    if (memchr(text, '\0', len)) {
        snprintf(rep->format, sizeof rep->format, "skipped");
        snprintf(rep->first_bad_reason, sizeof rep->first_bad_reason, "binary file");
    } else if (skip < len && (text[skip] == '{' || text[skip] == '[') && is_json(text, len)) {
        bool is_stix;
        snprintf(rep->format, sizeof rep->format, "stix");
        r = read_stix(in, text, len, ctx, rep, &is_stix);
        if (!is_stix) {
            snprintf(rep->format, sizeof rep->format, "skipped");
            snprintf(rep->first_bad_reason, sizeof rep->first_bad_reason,
                     "JSON but not a STIX bundle");
        }
    } else {
        mm__intel_feed_text(in, it);
        switch (sniff(text, len, &lay)) {
        case F_CSV:
            snprintf(rep->format, sizeof rep->format, "%s", lay.format);
            r = read_csv(in, it, &lay, ctx, rep);
            break;
        case F_UBLOCK:
            snprintf(rep->format, sizeof rep->format, "ublock");
            r = read_ublock(in, it, ctx, rep);
            break;
        case F_HOSTS:
            snprintf(rep->format, sizeof rep->format, "hosts");
            r = read_hosts(in, it, ctx, rep);
            break;
        case F_MALTRAIL_CSV:
            snprintf(rep->format, sizeof rep->format, "maltrail-csv");
            r = read_maltrail_csv(in, it, ctx, rep);
            break;
        case F_MALTRAIL:
            stem(path, family, sizeof family);
            ctx.family = family;
            snprintf(rep->format, sizeof rep->format, "maltrail");
            r = read_list(in, it, ctx, rep);
            break;
        case F_LIST:
            snprintf(rep->format, sizeof rep->format, "list");
            r = read_list(in, it, ctx, rep);
            break;
        case F_TABULAR:
            snprintf(rep->format, sizeof rep->format, "skipped");
            snprintf(rep->first_bad_reason, sizeof rep->first_bad_reason,
                     "tab-separated data without a known header");
            break;
        }
        mm__intel_feed_text(in, NULL);
    }
    int flushed = mm__intel_flush(in); /* what the last adds left to insert */
    if (r == 0)
        r = flushed;
    if (ctx.allow && strcmp(rep->format, "skipped") != 0) {
        char f[32];
        snprintf(f, sizeof f, "%s", rep->format);
        snprintf(rep->format, sizeof rep->format, "allow:%.20s", f);
    }
    return r;
}

/* ---- files and directories -------------------------------------------------- */

static int push_report(struct mm_intel_file_report **reports, size_t *n,
                       const struct mm_intel_file_report *rep)
{
    if (!reports)
        return 0;
    struct mm_intel_file_report *a = realloc(*reports, (*n + 1) * sizeof *a);
    if (!a)
        return MM_ENOMEM;
    a[*n] = *rep;
    *reports = a;
    (*n)++;
    return 0;
}

/* Names never read from a directory: documentation and captures. */
static bool skipped_name(const char *name)
{
    return name[0] == '.' || mm_str_suffix(name, ".md") || mm_str_suffix(name, ".pcap") ||
           mm_str_suffix(name, ".pcapng");
}

/* Reports that path could not be read for reason r (names it, not the
 * directory given); returns r, or push_report's error. */
static int report_failed(const char *path, int r, struct mm_intel_file_report **reports,
                         size_t *nreports)
{
    struct mm_intel_file_report rep;
    memset(&rep, 0, sizeof rep);
    snprintf(rep.path, sizeof rep.path, "%s", path);
    rep.error = r;
    int p = push_report(reports, nreports, &rep);
    return p != 0 ? p : r;
}

/* The folders a load has read, by device and inode: a folder reached again
 * (through a symbolic link to it or to a folder above it) is skipped, with
 * one report. Links to the folder itself (`ln -s . again`) made the walk
 * read every folder once per path to it up to DIR_DEPTH_MAX levels: k such
 * links read it about k^8 times. */
struct walk_seen {
    struct {
        dev_t dev;
        ino_t ino;
    } * dirs;
    size_t n, cap;
};

/* Whether st's folder was read before in this load; remembers it if not.
 * MM_ENOMEM leaves *seen false. */
static int folder_seen(struct walk_seen *w, const struct stat *st, bool *seen)
{
    *seen = false;
    for (size_t i = 0; i < w->n; i++)
        if (w->dirs[i].dev == st->st_dev && w->dirs[i].ino == st->st_ino) {
            *seen = true;
            return 0;
        }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        void *p = realloc(w->dirs, cap * sizeof *w->dirs);
        if (!p)
            return MM_ENOMEM;
        w->dirs = p;
        w->cap = cap;
    }
    w->dirs[w->n].dev = st->st_dev;
    w->dirs[w->n].ino = st->st_ino;
    w->n++;
    return 0;
}

/* The report on a folder skipped as read before. */
static int report_seen(const char *path, struct mm_intel_file_report **reports, size_t *nreports)
{
    struct mm_intel_file_report rep;
    memset(&rep, 0, sizeof rep);
    snprintf(rep.path, sizeof rep.path, "%s", path);
    snprintf(rep.format, sizeof rep.format, "skipped");
    snprintf(rep.first_bad_reason, sizeof rep.first_bad_reason,
             "folder already read (a symbolic link leads to it again)");
    return push_report(reports, nreports, &rep);
}

static int load_path(struct mm_intel *in, const char *path, int depth, struct walk_seen *walk,
                     struct mm_intel_file_report **reports, size_t *nreports)
{
    struct stat st;
    struct dirent **names = NULL;
    int n = 0, r = 0;
    bool seen;
    if (stat(path, &st) != 0) /* missing, a file in the path, no permission: the system's reason */
        return mm_error_from_errno(errno);
    if (!S_ISDIR(st.st_mode)) {
        struct mm_intel_file_report rep;
        int p;
        /* (a postponed load's report names the file that postponed it) */
        r = mm__intel_load_file(in, path, &rep);
        if (r != 0 && r != MM_EAGAIN)
            return report_failed(path, r, reports, nreports);
        if ((p = push_report(reports, nreports, &rep)) != 0)
            r = p;
        return r;
    }
    if (depth >= DIR_DEPTH_MAX)
        return 0;
    if ((r = folder_seen(walk, &st, &seen)) != 0)
        return r;
    if (seen)
        return report_seen(path, reports, nreports);
    n = scandir(path, &names, NULL, alphasort);
    if (n < 0) /* a folder that cannot be listed is named with the system's reason */
        return report_failed(path, mm_error_from_errno(errno), reports, nreports);
    for (int i = 0; i < n; i++) {
        char child[4096];
        if (r != 0 || skipped_name(names[i]->d_name))
            continue;
        if ((size_t)snprintf(child, sizeof child, "%s/%s", path, names[i]->d_name) >= sizeof child)
            continue;
        if (stat(child, &st) != 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
            continue;
        r = load_path(in, child, depth + 1, walk, reports, nreports);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return r;
}

int mm_intel_load(struct mm_intel *in, const char *path, struct mm_intel_file_report **reports,
                  size_t *nreports)
{
    size_t dummy = 0;
    if (!in || !path)
        return MM_EINVAL;
    struct walk_seen walk = {0};
    int r = load_path(in, path, 0, &walk, reports, nreports ? nreports : &dummy);
    free(walk.dirs);
    return r;
}
