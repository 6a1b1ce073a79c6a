/* SPDX-License-Identifier: Apache-2.0
 * Owns POST /api/v1/events: EVE JSON lines from an enrolled sensor,
 * optionally gzip-compressed (inflated under the same 16 MiB bound, so a
 * gzip bomb is refused), parsed line by line, stored idempotently in one
 * transaction, acknowledged only after the commit. */
#include "center/api/api.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "center/alerts.h"
#include "core/error.h"
#include "core/eve.h"

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

/* Inflates a gzip body into a new NUL-terminated buffer of at most max
 * bytes: MM_ETOOBIG past max, MM_EPARSE for a corrupt or truncated stream. */
static int gunzip(const char *in, size_t inlen, size_t max, char **out, size_t *outlen)
{
    z_stream zs = {0};
    size_t cap = 64 * 1024, len = 0;
    int r = 0;
    *out = NULL;
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
        if (zr == Z_STREAM_END)
            break;
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

static int batch_add_line(struct mm_request *req, struct batch *b, const char *line, size_t len,
                          size_t lineno)
{
    char why[256];
    json_t *ev = NULL;
    if (mm_eve_parse_line(line, len, &ev, why, sizeof why) != 0)
        return reject(b, lineno, why);
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        struct mm_ingest_event *e = realloc(b->evs, cap * sizeof *e);
        if (!e) {
            json_decref(ev);
            return MM_ENOMEM;
        }
        b->evs = e;
        b->cap = cap;
    }
    int r = mm_ingest_event_from_json(ev, line, len, &b->evs[b->n], why, sizeof why);
    if (r != 0) {
        json_decref(ev);
        return reject(b, lineno, why);
    }
    r = keep_strings(&req->arena, &b->evs[b->n]);
    json_decref(ev);
    if (r == 0)
        b->n++;
    return r;
}

/* Splits the body into lines (blank lines are skipped but counted). */
static int batch_parse(struct mm_request *req, const char *body, size_t len, struct batch *b)
{
    size_t lineno = 0;
    const char *p = body, *end = body + len;
    int r = 0;
    while (r == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        lineno++;
        if (lineno > MM_EVENTS_LINES_MAX) {
            mm_reply_error(req, 413, "too_large", "too many lines");
            return MM_ETOOBIG;
        }
        size_t n = (size_t)(e - p);
        if (n > 0 && !(n == 1 && *p == '\r'))
            r = batch_add_line(req, b, p, n, lineno);
        p = nl ? nl + 1 : end;
    }
    return r;
}

static int64_t header_count(struct mm_request *req, const char *name)
{
    const char *v = mm_req_header(req, name);
    char *end;
    if (!v || !*v)
        return -1;
    long long n = strtoll(v, &end, 10);
    return *end || n < 0 ? -1 : n;
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
        r = gunzip(req->body, req->body_len, MM_EVENTS_BODY_MAX, &inflated, &len);
        if (r == MM_ETOOBIG)
            mm_reply_error(req, 413, "too_large", "decompressed body");
        else if (r == MM_EPARSE)
            mm_reply_error(req, 400, "bad_request", "invalid gzip data");
        body = inflated;
    } else if (enc && strcasecmp(enc, "identity") != 0) {
        mm_reply_error(req, 415, "unsupported_media", enc);
        r = MM_EUNSUPPORTED;
    }
    if (r == 0)
        r = batch_parse(req, body, len, &b);
    if (r == 0) {
        struct mm_ingest_opts o = {
            .now = req->now,
            .alert_window = (int64_t)c->cfg.alert_window * 1000000,
            .header_backlog = header_count(req, "Mamori-Spool-Backlog"),
            .header_drops = header_count(req, "Mamori-Drops"),
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
    return r;
}
