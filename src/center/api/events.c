/* SPDX-License-Identifier: Apache-2.0
 * Owns POST /api/v1/events: EVE JSON lines from an enrolled sensor,
 * optionally gzip-compressed (inflated under the same 16 MiB bound, so a
 * gzip bomb is refused, and charged to the body budget as it grows, so many
 * small compressed bodies cannot hold much more memory than the budget
 * allows), parsed line by line, stored idempotently in one
 * transaction, acknowledged only after the commit. */
#include "center/api/api.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "center/alerts.h"
#include "core/error.h"
#include "core/eve.h"
#include "core/loglimit.h"
#include "core/msg.h"
#include "core/str.h"

/* The records of one batch. Their strings are copied into the request
 * arena so each parsed event can be released at once (fewer live
 * allocations, better cache use on large batches). */
struct batch {
    struct mm_ingest_event *evs;
    size_t n, cap;
    json_t *rejected;
};

static void batch_free(struct batch *b)
{
    free(b->evs);
    json_decref(b->rejected);
}

static const char *keep(struct mm_arena *arena, const char *s, bool *ok)
{
    if (!s || !*s)
        return "";
    char *p = mm_arena_strdup(arena, s);
    if (!p)
        *ok = false;
    return p ? p : "";
}

/* Moves the strings of e that point into the parsed event into the arena. */
static int keep_strings(struct mm_arena *arena, struct mm_ingest_event *e)
{
    bool ok = true;
    struct mm_ingest_alert *a = &e->alert;
    e->event_type = keep(arena, e->event_type, &ok);
    if (e->is_alert) {
        a->signature = keep(arena, a->signature, &ok);
        a->detector = keep(arena, a->detector, &ok);
        a->category = keep(arena, a->category, &ok);
        a->device = keep(arena, a->device, &ok);
        a->src_ip = keep(arena, a->src_ip, &ok);
        a->dest_ip = keep(arena, a->dest_ip, &ok);
        a->message_ja = keep(arena, a->message_ja, &ok);
        a->message_en = keep(arena, a->message_en, &ok);
    }
    return ok ? 0 : MM_ENOMEM;
}

/* Inflates a gzip body (one or more members) into a new NUL-terminated
 * buffer of at most max bytes, each size of the buffer charged to req's
 * body budget (mm_req_charge; given back when the request ends): MM_ETOOBIG
 * past max, MM_EAGAIN when the budget is spent, MM_EPARSE for a corrupt or
 * truncated stream or trailing bytes that are not another member. */
static int gunzip(struct mm_request *req, const char *in, size_t inlen, size_t max, char **out,
                  size_t *outlen)
{
    z_stream zs = {0};
    size_t cap = 64 * 1024, len = 0;
    int r = 0;
    *out = NULL;
    if (!mm_req_charge(req, cap + 1))
        return MM_EAGAIN;
    char *buf = malloc(cap + 1);
    if (!buf || inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        free(buf);
        return MM_ENOMEM;
    }
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)inlen;
    for (;;) {
        if (len == cap) {
            if (cap > max) {
                r = MM_ETOOBIG;
                break;
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            if (!mm_req_charge(req, ncap - cap)) {
                r = MM_EAGAIN;
                break;
            }
            char *p = realloc(buf, ncap + 1);
            if (!p) {
                r = MM_ENOMEM;
                break;
            }
            buf = p;
            cap = ncap;
        }
        zs.next_out = (Bytef *)buf + len;
        zs.avail_out = (uInt)(cap - len);
        int zr = inflate(&zs, Z_NO_FLUSH);
        len = cap - zs.avail_out;
        /* Concatenated gzip members are one stream (RFC 1952, gzip -c a b):
         * go on with the next member rather than dropping the rest. */
        if (zr == Z_STREAM_END && zs.avail_in == 0)
            break;
        if (zr == Z_STREAM_END) {
            if (inflateReset(&zs) != Z_OK) {
                r = MM_EPARSE;
                break;
            }
            continue;
        }
        if (zr != Z_OK || (zs.avail_in == 0 && zs.avail_out > 0)) {
            r = MM_EPARSE;
            break;
        }
    }
    inflateEnd(&zs);
    if (r == 0 && len > max)
        r = MM_ETOOBIG;
    if (r != 0) {
        free(buf);
        return r;
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return 0;
}

static int reject(struct batch *b, size_t line, const char *why)
{
    json_t *j = json_pack("{s:I, s:s}", "line", (json_int_t)line, "reason", why);
    return j && json_array_append_new(b->rejected, j) == 0 ? 0 : MM_ENOMEM;
}

static int batch_add_line(struct mm_arena *arena, struct batch *b, const char *line, size_t len,
                          size_t lineno)
{
    char why[256];
    json_t *ev = NULL;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        struct mm_ingest_event *e = realloc(b->evs, cap * sizeof *e);
        if (!e)
            return MM_ENOMEM;
        b->evs = e;
        b->cap = cap;
    }
    /* Most lines are decided by the scanner without building a JSON tree;
     * the rest take the full path, which also words the rejection. */
    if (mm_ingest_event_scan(line, len, arena, &b->evs[b->n]) == 0) {
        b->n++;
        return 0;
    }
    if (mm_eve_parse_line(line, len, &ev, why, sizeof why) != 0)
        return reject(b, lineno, why);
    int r = mm_ingest_event_from_json(ev, line, len, &b->evs[b->n], why, sizeof why);
    if (r != 0) {
        json_decref(ev);
        return reject(b, lineno, why);
    }
    r = keep_strings(arena, &b->evs[b->n]);
    json_decref(ev);
    if (r == 0)
        b->n++;
    return r;
}

/* Parses the lines of [p, p + len), numbering them from first_line (blank
 * lines are skipped but counted). */
static int parse_lines(const char *p, size_t len, size_t first_line, struct mm_arena *arena,
                       struct batch *b)
{
    const char *end = p + len;
    size_t lineno = first_line;
    int r = 0;
    while (r == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        size_t n = (size_t)(e - p);
        if (n > 0 && !(n == 1 && *p == '\r'))
            r = batch_add_line(arena, b, p, n, lineno);
        lineno++;
        p = nl ? nl + 1 : end;
    }
    return r;
}

/* Large batches are parsed by PARSE_THREADS threads, each on a run of whole
 * lines with its own arena; the results are joined in line order. Parsing
 * is most of the CPU cost of ingest, and the store work that follows is
 * serial anyway. */
#define PARSE_THREADS   2
#define PARSE_SPLIT_MIN (64 * 1024)

struct chunk {
    const char *p;
    size_t len, first_line;
    struct batch b;
    struct mm_arena arena;
    int r;
};

static void *parse_chunk(void *arg)
{
    struct chunk *c = arg;
    c->r = parse_lines(c->p, c->len, c->first_line, &c->arena, &c->b);
    return NULL;
}

static size_t count_lines(const char *p, size_t len)
{
    size_t n = 0;
    for (const char *e = p + len; p < e && (p = memchr(p, '\n', (size_t)(e - p))); p++)
        n++;
    return n;
}

/* Cuts body into up to PARSE_THREADS runs of whole lines. */
static int split(const char *body, size_t len, struct chunk *c)
{
    int k = len >= PARSE_SPLIT_MIN ? PARSE_THREADS : 1;
    size_t start = 0, line = 1;
    int n = 0;
    for (int i = 0; i < k && start < len; i++) {
        size_t end = i == k - 1 ? len : len * (size_t)(i + 1) / (size_t)k;
        const char *nl = end < len ? memchr(body + end, '\n', len - end) : NULL;
        end = nl ? (size_t)(nl - body) + 1 : len;
        if (end <= start)
            continue;
        c[n].p = body + start;
        c[n].len = end - start;
        c[n].first_line = line;
        line += count_lines(c[n].p, c[n].len);
        start = end;
        n++;
    }
    return n;
}

/* Moves chunk i's records and rejections into the combined batch. */
static int join_chunk(struct batch *b, struct chunk *c, struct mm_arena *arena)
{
    if (c->b.n > 0) {
        struct mm_ingest_event *e = realloc(b->evs, (b->n + c->b.n) * sizeof *e);
        if (!e)
            return MM_ENOMEM;
        memcpy(e + b->n, c->b.evs, c->b.n * sizeof *e);
        b->evs = e;
        b->n += c->b.n;
    }
    mm_arena_adopt(arena, &c->arena);
    return json_array_extend(b->rejected, c->b.rejected) == 0 ? 0 : MM_ENOMEM;
}

static int batch_parse(struct mm_request *req, const char *body, size_t len, struct batch *b)
{
    struct chunk c[PARSE_THREADS];
    pthread_t tid[PARSE_THREADS];
    bool started[PARSE_THREADS] = {false};
    int r = 0;
    if (count_lines(body, len) >= MM_EVENTS_LINES_MAX) {
        mm_reply_error(req, 413, "too_large", "too many lines");
        return MM_ETOOBIG;
    }
    memset(c, 0, sizeof c);
    int n = split(body, len, c);
    for (int i = 0; i < n; i++)
        c[i].b.rejected = json_array();
    for (int i = 1; i < n; i++)
        started[i] = pthread_create(&tid[i], NULL, parse_chunk, &c[i]) == 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 || !started[i])
            parse_chunk(&c[i]);
        else
            pthread_join(tid[i], NULL);
    }
    for (int i = 0; i < n; i++) {
        if (r == 0)
            r = c[i].r;
        if (r == 0)
            r = join_chunk(b, &c[i], &req->arena);
        mm_arena_free(&c[i].arena);
        batch_free(&c[i].b);
    }
    return r;
}

/* At most the first 32 bytes of an untrusted text for a log line, each
 * byte outside printable ASCII as '?'. */
static void log_safe(const char *v, char out[33])
{
    size_t i = 0;
    for (; v[i] && i < 32; i++)
        out[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
    out[i] = '\0';
}

/* Logs that the sensor sent header name with the value v, not a count: at
 * most once per MM_BAD_HEADER_LOG_MINUTES for each sensor and header (a
 * sensor with a broken header sends it with every POST), then saying how
 * many such values were not logged since. */
static void log_bad_header(struct mm_request *req, const char *name, bool drops, const char *v)
{
    uint64_t unsaid;
    uint64_t key = (uint64_t)req->who.sensor.id << 1 | drops;
    if (!mm_log_limit_pass(req->center->bad_header_log, key, req->now, &unsaid))
        return;
    char shown[33];
    log_safe(v, shown);
    long long sensor = (long long)req->who.sensor.id;
    if (unsaid == 0)
        mm_log_tr(MM_LOG_WARN, "center-log", "ingest.bad_header", sensor, name, shown,
                  MM_BAD_HEADER_LOG_MINUTES);
    else
        mm_log_tr(MM_LOG_WARN, "center-log", "ingest.bad_header_again", sensor, name, shown,
                  (unsigned long long)unsaid, MM_BAD_HEADER_LOG_MINUTES);
}

/* The sensor's count in header name (Mamori-Spool-Backlog, Mamori-Drops),
 * digits only (mm_str_int64: strtoll took " 5", "+5", and a number past
 * int64_t as its largest); -1 when absent. A count of another form is
 * logged (log_bad_header) and not recorded (-1, as if not sent: a stats
 * event in the batch or the last count stands); the batch is taken all the
 * same, a wrong health figure never costs an event. */
static int64_t header_count(struct mm_request *req, const char *name, bool drops)
{
    const char *v = mm_req_header(req, name);
    int64_t n;
    if (!v)
        return -1;
    if (mm_str_int64(v, 0, INT64_MAX, &n) != 0) {
        log_bad_header(req, name, drops, v);
        return -1;
    }
    return n;
}

int mm_api_events_ingest(struct mm_request *req)
{
    struct mm_center *c = req->center;
    struct batch b = {.rejected = json_array()};
    struct mm_ingest_result res;
    char *inflated = NULL;
    const char *body = req->body;
    size_t len = req->body_len;
    int r = 0;
    const char *enc = mm_req_header(req, "Content-Encoding");
    if (enc && strcasecmp(enc, "gzip") == 0) {
        r = gunzip(req, req->body, req->body_len, MM_EVENTS_BODY_MAX, &inflated, &len);
        if (r == MM_EAGAIN) /* nothing stored: the sensor keeps the batch and sends it again */
            mm_reply_busy(req, "decompressed body");
        else if (r == MM_ETOOBIG)
            mm_reply_error(req, 413, "too_large", "decompressed body");
        else if (r == MM_EPARSE)
            mm_reply_error(req, 400, "bad_request", "invalid gzip data");
        body = inflated;
    } else if (enc && strcasecmp(enc, "identity") != 0) {
        mm_reply_error_text(req, 415, "unsupported_media", "reply.unsupported_encoding", enc);
        r = MM_EUNSUPPORTED;
    }
    if (r == 0)
        r = batch_parse(req, body, len, &b);
    if (r == 0) {
        struct mm_ingest_opts o = {
            .now = req->now,
            .alert_window = (int64_t)c->cfg.alert_window * 1000000,
            .header_backlog = header_count(req, "Mamori-Spool-Backlog", false),
            .header_drops = header_count(req, "Mamori-Drops", true),
        };
        r = c->store->ops->events_ingest(c->store, &req->who.sensor, b.evs, b.n, &o, &res);
    }
    if (r == 0) {
        json_t *reply = json_pack("{s:I, s:I, s:O}", "accepted", (json_int_t)res.accepted,
                                  "duplicates", (json_int_t)res.duplicates, "rejected", b.rejected);
        r = mm_reply_json(req, 200, reply);
    }
    batch_free(&b);
    free(inflated);
    mm_req_uncharge(req, req->charged);
    return r;
}
