/* SPDX-License-Identifier: Apache-2.0
 * HTTP/1.x decoder (any TCP port, recognised by a request line or a status
 * line at the start of the stream). Each request writes an "http" event as
 * soon as its header block is complete (hostname, url, http_user_agent,
 * http_method, protocol, http_refer); each response writes one with status,
 * protocol, length (Content-Length) and http_content_type. Both carry the
 * top-level tx_id that pairs them. Bodies are skipped by Content-Length or
 * chunked coding, or to the end of the stream; pipelined messages and
 * messages split across segments are handled; bytes before the first
 * message seen in a direction (a capture that starts mid-body) are skipped
 * up to the next request or status line. A header block is at most 16 KiB;
 * CONNECT tunnels and protocol upgrades end the parsing. */
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/str.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/http-event.h"
#include "sensor/decode/http-facts.h"

#define HTTP_HEADER_MAX (16 * 1024)
#define HTTP_LINE_MAX   1024 /* chunk-size line */
#define HTTP_PENDING    16   /* requests awaiting a response (pipelining) */

enum body_mode { B_NONE, B_LENGTH, B_CHUNK_SIZE, B_CHUNK_DATA, B_CHUNK_CRLF, B_TRAILER, B_CLOSE };

struct http_dir {
    enum body_mode mode;
    uint64_t remaining;
    bool skip;
};

struct http_state {
    struct http_dir d[2];
    uint8_t pending[HTTP_PENDING]; /* flags of unanswered requests, oldest first */
    unsigned npending;
    int64_t req_tx, resp_tx;
};

#define REQ_HEAD    1
#define REQ_CONNECT 2

/* Request methods with their lengths (the first byte is checked before
 * memcmp: resync calls this at every line start of unknown bytes). */
#define METHOD(m)                                                                                  \
    {                                                                                              \
        m, sizeof m - 1                                                                            \
    }
static const struct {
    const char *name;
    size_t len;
} methods[] = {METHOD("GET"),     METHOD("POST"),     METHOD("HEAD"),      METHOD("PUT"),
               METHOD("DELETE"),  METHOD("OPTIONS"),  METHOD("TRACE"),     METHOD("PATCH"),
               METHOD("CONNECT"), METHOD("PROPFIND"), METHOD("PROPPATCH"), METHOD("MKCOL"),
               METHOD("COPY"),    METHOD("MOVE"),     METHOD("LOCK"),      METHOD("UNLOCK"),
               METHOD("SEARCH"),  METHOD("NOTIFY"),   METHOD("M-SEARCH"),  METHOD("SUBSCRIBE")};
#undef METHOD

static bool starts_with_method(const uint8_t *d, size_t len)
{
    if (len == 0 || d[0] < 'C' || d[0] > 'U')
        return false;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t n = methods[i].len;
        if (len > n && d[0] == (uint8_t)methods[i].name[0] && d[n] == ' ' &&
            memcmp(d, methods[i].name, n) == 0)
            return true;
    }
    return false;
}

static bool starts_with_status(const uint8_t *d, size_t len)
{
    return len >= 7 && d[0] == 'H' && memcmp(d, "HTTP/1.", 7) == 0;
}

/* True when m starts a status line "HTTP/1.x NNN " (strict enough to be
 * looked for anywhere in unknown bytes). */
static bool strict_status(const uint8_t *m, size_t n)
{
    return n >= 13 && m[0] == 'H' && m[12] == ' ' && memcmp(m, "HTTP/1.", 7) == 0 && m[8] == ' ' &&
           m[9] >= '1' && m[9] <= '5' && m[10] >= '0' && m[10] <= '9' && m[11] >= '0' &&
           m[11] <= '9';
}

/* Finds where the next request or response starts (after bytes that belong
 * to no message we saw the start of, as when the capture began in the
 * middle of a body): a request or status line at the start of a line, or a
 * strict status line anywhere (a body need not end in a newline). Returns
 * its offset with *found set, or else how many bytes can be dropped while
 * keeping a possible partial start. */
static size_t index_of(const uint8_t *m, size_t left, size_t from, uint8_t c)
{
    const uint8_t *hit = from < left ? memchr(m + from, c, left - from) : NULL;
    return hit ? (size_t)(hit - m) : left;
}

static size_t resync(const uint8_t *m, size_t left, bool *found)
{
    /* Only an 'H' (a status line anywhere) or a line start can begin a
     * message: jump between those with memchr. */
    size_t next_h = index_of(m, left, 1, 'H'), next_line = index_of(m, left, 0, '\n') + 1;
    *found = false;
    for (;;) {
        size_t i = next_h < next_line ? next_h : next_line;
        if (i >= left)
            break;
        size_t rest = left - i;
        if (strict_status(m + i, rest) ||
            (m[i - 1] == '\n' && (starts_with_method(m + i, rest < 16 ? rest : 16) ||
                                  starts_with_status(m + i, rest)))) {
            *found = true;
            return i;
        }
        if (i == next_h)
            next_h = index_of(m, left, i + 1, 'H');
        if (i == next_line)
            next_line = index_of(m, left, i, '\n') + 1;
    }
    return left > 16 ? left - 16 : 0;
}

/* Finds the end of the header block: returns its length including the
 * blank line, or 0 when not yet complete. */
static size_t header_end(const uint8_t *d, size_t len)
{
    for (size_t i = index_of(d, len, 0, '\n'); i < len; i = index_of(d, len, i + 1, '\n')) {
        if (i + 1 < len && d[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && d[i + 1] == '\r' && d[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

struct line {
    const uint8_t *p;
    size_t n;
};

/* Splits the next line off [*pos, end), without its CR LF. */
static bool next_line(const uint8_t *d, size_t end, size_t *pos, struct line *l)
{
    if (*pos >= end)
        return false;
    const uint8_t *nl = memchr(d + *pos, '\n', end - *pos);
    size_t stop = nl ? (size_t)(nl - d) : end;
    l->p = d + *pos;
    l->n = stop - *pos;
    if (l->n && l->p[l->n - 1] == '\r')
        l->n--;
    *pos = nl ? stop + 1 : end;
    return true;
}

struct headers {
    struct line host, ua, referer, ctype, clen, te, upgrade;
};

/* name: a lower-case header name. Its length and first letter are compared
 * first (c | 0x20 is a letter's lower case and that letter only for its two
 * cases), so most lines cost no strncasecmp. */
static bool name_is(const struct line *l, size_t colon, const char *name)
{
    return colon == strlen(name) && (l->p[0] | 0x20) == name[0] &&
           strncasecmp((const char *)l->p, name, colon) == 0;
}

static void read_headers(const uint8_t *d, size_t end, size_t pos, struct headers *h)
{
    struct line l;
    memset(h, 0, sizeof *h);
    while (next_line(d, end, &pos, &l) && l.n > 0) {
        const uint8_t *colon = memchr(l.p, ':', l.n);
        if (!colon)
            continue;
        size_t cn = (size_t)(colon - l.p);
        struct line v = {colon + 1, l.n - cn - 1};
        while (v.n && (v.p[0] == ' ' || v.p[0] == '\t')) {
            v.p++;
            v.n--;
        }
        while (v.n && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
            v.n--;
        if (name_is(&l, cn, "host") && !h->host.p)
            h->host = v;
        else if (name_is(&l, cn, "user-agent") && !h->ua.p)
            h->ua = v;
        else if (name_is(&l, cn, "referer") && !h->referer.p)
            h->referer = v;
        else if (name_is(&l, cn, "content-type") && !h->ctype.p)
            h->ctype = v;
        else if (name_is(&l, cn, "content-length") && !h->clen.p)
            h->clen = v;
        else if (name_is(&l, cn, "transfer-encoding"))
            h->te = v;
        else if (name_is(&l, cn, "upgrade"))
            h->upgrade = v;
    }
}

/* Content-Length as a number; false when absent or not all digits. */
static bool content_length(const struct line *v, uint64_t *out)
{
    uint64_t n = 0;
    if (!v->p || v->n == 0 || v->n > 18)
        return false;
    for (size_t i = 0; i < v->n; i++) {
        if (v->p[i] < '0' || v->p[i] > '9')
            return false;
        n = n * 10 + (uint64_t)(v->p[i] - '0');
    }
    *out = n;
    return true;
}

static bool is_chunked(const struct line *te)
{
    static const char k[] = "chunked";
    if (!te->p || te->n < 7)
        return false;
    for (size_t i = 0; i + 7 <= te->n; i++)
        if (strncasecmp((const char *)te->p + i, k, 7) == 0)
            return true;
    return false;
}

/* Sets key (a literal) to the text of slice t in o; returns the text as
 * the object holds it, or NULL when it is not there (out of memory). */
static const char *set_text(json_t *o, const char *key, struct mm__http_slice t)
{
    json_t *v = mm__app_json_text(t.p, t.n);
    if (!v || json_object_set_new_nocheck(o, key, v) != 0)
        return NULL;
    return json_string_value(v);
}

/* The text of the Host header without port, lower-cased (as Suricata's
 * hostname), into buf; returns its length. */
#define HOSTNAME_BUF 1100
static size_t hostname_text(const struct line *host, char buf[HOSTNAME_BUF])
{
    size_t n = host->n;
    if (n && host->p[0] == '[') { /* [v6]:port */
        const uint8_t *rb = memchr(host->p, ']', n);
        if (rb)
            n = (size_t)(rb - host->p) + 1;
    } else {
        const uint8_t *c = memchr(host->p, ':', n);
        if (c)
            n = (size_t)(c - host->p);
    }
    size_t len = mm__app_text(host->p, n, buf, HOSTNAME_BUF);
    mm_ascii_lower_n(buf, buf, len); /* tolower in the "C" locale */
    return len;
}

/* Sets "hostname"; returns the text as o holds it (NULL: not set). */
static const char *set_hostname(json_t *o, const struct mm__http_message *m)
{
    /* mm__app_text's text is valid UTF-8 (and has no NUL), and so it stays
     * with ASCII letters lowered: what mm__app_json_str would keep */
    json_t *v = json_stringn_nocheck(m->hostname, m->hostname_len);
    if (!v || json_object_set_new_nocheck(o, "hostname", v) != 0)
        return NULL;
    return json_string_value(v);
}

/* A request's members into o, with their texts noted in f (may be NULL). */
static void request_members(json_t *o, const struct mm__http_message *m, struct mm__http_facts *f)
{
    struct mm__http_facts unused;
    if (!f)
        f = &unused;
    f->hostname = m->hostname ? set_hostname(o, m) : NULL;
    f->url = set_text(o, "url", m->url);
    if (m->user_agent.p)
        f->user_agent = set_text(o, "http_user_agent", m->user_agent);
    if (m->referer.p)
        set_text(o, "http_refer", m->referer);
    f->method = set_text(o, "http_method", m->method);
    if (m->protocol.p)
        set_text(o, "protocol", m->protocol);
}

static void response_members(json_t *o, const struct mm__http_message *m, struct mm__http_facts *f)
{
    bool status = json_object_set_new_nocheck(o, "status", json_integer(m->status)) == 0;
    if (f)
        f->response = status;
    set_text(o, "protocol", m->protocol);
    if (m->content_type.p)
        set_text(o, "http_content_type", m->content_type);
    json_object_set_new_nocheck(o, "length", json_integer((json_int_t)m->length));
}

/* The "http" object of m, its texts noted in f (may be NULL). */
static json_t *http_object(const struct mm__http_message *m, struct mm__http_facts *f)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (m->response)
        response_members(o, m, f);
    else
        request_members(o, m, f);
    return o;
}

json_t *mm__http_object(const struct mm__http_message *m)
{
    return http_object(m, NULL);
}

bool (*mm__http_direct)(struct mm_app_ctx *ctx, const struct mm__http_message *m);

/* Emits the message's event: by the sensor's direct path when it takes
 * it, else as a JSON event with its facts published to the readers of
 * HTTP events while the sensor handles it. The object is held while
 * published (as decode-dns.c does): the sensor frees the event before it
 * handles the events queued behind it, and an object made then could get
 * the freed one's address and so these facts. */
static int emit_message(struct mm_app_ctx *ctx, const struct mm__http_message *m)
{
    if (ctx->sensor && mm__http_direct && mm__http_direct(ctx, m))
        return 0;
    struct mm__http_facts *f = mm__http_facts_begin();
    json_t *o = http_object(m, f);
    if (!o)
        return MM_ENOMEM;
    mm__http_facts_note_source(f, ctx->pkt);
    json_t *held = json_incref(o);
    mm__http_facts_publish(held);
    int r = mm__app_emit_tx(ctx, "http", o, m->tx_id);
    mm__http_facts_end();
    json_decref(held);
    return r;
}

static void set_body_mode(struct http_dir *d, const struct headers *h)
{
    uint64_t n;
    if (is_chunked(&h->te)) {
        d->mode = B_CHUNK_SIZE;
    } else if (content_length(&h->clen, &n)) {
        d->mode = n ? B_LENGTH : B_NONE;
        d->remaining = n;
    } else {
        d->mode = B_NONE;
    }
}

static struct mm__http_slice slice_of(const struct line *l)
{
    return (struct mm__http_slice){l->p, l->n};
}

static int on_request(struct mm_app_ctx *ctx, struct http_state *st, struct http_dir *d,
                      const uint8_t *msg, size_t hlen)
{
    struct line rl;
    struct headers h;
    size_t pos = 0;
    char host[HOSTNAME_BUF];
    if (!next_line(msg, hlen, &pos, &rl))
        return MM_EPARSE;
    const uint8_t *sp1 = memchr(rl.p, ' ', rl.n);
    if (!sp1)
        return MM_EPARSE;
    size_t mlen = (size_t)(sp1 - rl.p);
    const uint8_t *uri = sp1 + 1;
    size_t rest = rl.n - mlen - 1;
    const uint8_t *sp2 = memchr(uri, ' ', rest);
    size_t ulen = sp2 ? (size_t)(sp2 - uri) : rest;
    read_headers(msg, hlen, pos, &h);
    struct mm__http_message m = {
        .url = {uri, ulen},
        .user_agent = slice_of(&h.ua),
        .referer = slice_of(&h.referer),
        .method = {rl.p, mlen},
    };
    if (h.host.p) {
        m.hostname_len = hostname_text(&h.host, host);
        m.hostname = host;
    }
    if (sp2)
        m.protocol = (struct mm__http_slice){sp2 + 1, (size_t)(rl.p + rl.n - sp2 - 1)};
    uint8_t flags = 0;
    if (mlen == 4 && memcmp(rl.p, "HEAD", 4) == 0)
        flags |= REQ_HEAD;
    if (mlen == 7 && memcmp(rl.p, "CONNECT", 7) == 0)
        flags |= REQ_CONNECT;
    if (st->npending < HTTP_PENDING)
        st->pending[st->npending++] = flags;
    set_body_mode(d, &h);
    m.tx_id = st->req_tx++;
    return emit_message(ctx, &m);
}

static int on_response(struct mm_app_ctx *ctx, struct http_state *st, struct http_dir *d,
                       const uint8_t *msg, size_t hlen)
{
    struct line sl;
    struct headers h;
    size_t pos = 0;
    uint64_t n = 0;
    if (!next_line(msg, hlen, &pos, &sl))
        return MM_EPARSE;
    const uint8_t *sp = memchr(sl.p, ' ', sl.n);
    if (!sp || (size_t)(sl.p + sl.n - sp) < 4)
        return MM_EPARSE;
    int status = 0;
    for (int i = 1; i <= 3; i++) {
        if (sp[i] < '0' || sp[i] > '9')
            return MM_EPARSE;
        status = status * 10 + (sp[i] - '0');
    }
    read_headers(msg, hlen, pos, &h);
    uint8_t req = 0;
    if (status >= 200 && st->npending) { /* 1xx are interim: keep the request */
        req = st->pending[0];
        memmove(st->pending, st->pending + 1, --st->npending);
    }
    content_length(&h.clen, &n);
    struct mm__http_message m = {
        .response = true,
        .status = status,
        .protocol = {sl.p, (size_t)(sp - sl.p)},
        .content_type = slice_of(&h.ctype),
        .length = n,
    };
    if (status == 101 || ((req & REQ_CONNECT) && status >= 200 && status < 300)) {
        st->d[0].skip = st->d[1].skip = true; /* tunnel or other protocol follows */
    } else if ((req & REQ_HEAD) || status < 200 || status == 204 || status == 304) {
        d->mode = B_NONE;
    } else {
        set_body_mode(d, &h);
        if (d->mode == B_NONE && !h.clen.p)
            d->mode = B_CLOSE; /* body runs to the end of the connection */
    }
    m.tx_id = status >= 200 ? st->resp_tx++ : st->resp_tx;
    return emit_message(ctx, &m);
}

/* Skips body bytes; returns bytes consumed, or -1 on a malformed chunk line
 * (0 with *more set when the chunk-size line is incomplete). */
static long skip_body(struct http_dir *d, const uint8_t *p, size_t n, bool *more)
{
    size_t take;
    const uint8_t *nl;
    *more = false;
    switch (d->mode) {
    case B_LENGTH:
    case B_CHUNK_DATA:
        take = d->remaining < n ? (size_t)d->remaining : n;
        d->remaining -= take;
        if (d->remaining == 0)
            d->mode = d->mode == B_LENGTH ? B_NONE : B_CHUNK_CRLF;
        return (long)take;
    case B_CHUNK_CRLF:
    case B_CHUNK_SIZE:
    case B_TRAILER:
        nl = memchr(p, '\n', n < HTTP_LINE_MAX ? n : HTTP_LINE_MAX);
        if (!nl) {
            if (n >= HTTP_LINE_MAX)
                return -1;
            *more = true;
            return 0;
        }
        take = (size_t)(nl - p) + 1;
        if (d->mode == B_CHUNK_CRLF) {
            d->mode = B_CHUNK_SIZE;
        } else if (d->mode == B_TRAILER) {
            if (take <= 2)
                d->mode = B_NONE;
        } else {
            uint64_t v = 0;
            size_t i = 0, digits = 0;
            for (; i < take && isxdigit(p[i]) && digits < 15; i++, digits++)
                v = v * 16 + (uint64_t)(isdigit(p[i]) ? p[i] - '0' : (tolower(p[i]) - 'a' + 10));
            if (digits == 0)
                return -1;
            d->remaining = v;
            d->mode = v ? B_CHUNK_DATA : B_TRAILER;
        }
        return (long)take;
    case B_CLOSE:
        return (long)n;
    default:
        return 0;
    }
}

static long http_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    struct http_state *st;
    if (!ctx->state)
        return MM_EINVAL;
    if (!*ctx->state && !(*ctx->state = calloc(1, sizeof(struct http_state))))
        return MM_ENOMEM;
    st = *ctx->state;
    struct http_dir *d = &st->d[ctx->dir & 1];
    size_t off = 0;
    int r = 0;
    while (off < len && !d->skip) {
        if (d->mode != B_NONE) {
            bool more;
            long k = skip_body(d, data + off, len - off, &more);
            if (k < 0) {
                r = MM_EPARSE;
                break;
            }
            if (more)
                break;
            off += (size_t)k;
            continue;
        }
        if (data[off] == '\r' || data[off] == '\n') { /* stray CRLF between messages */
            off++;
            continue;
        }
        const uint8_t *m = data + off;
        size_t left = len - off;
        bool req = starts_with_method(m, left < 16 ? left : 16);
        bool resp = starts_with_status(m, left);
        if (!req && !resp) {
            bool found;
            if (left < 16 && memchr(m, ' ', left) == NULL)
                break; /* perhaps a method cut short */
            size_t skip = resync(m, left, &found);
            if (skip == 0)
                break;
            off += skip;
            continue;
        }
        size_t hlen = header_end(m, left < HTTP_HEADER_MAX ? left : HTTP_HEADER_MAX);
        if (hlen == 0) {
            if (left >= HTTP_HEADER_MAX)
                r = MM_ETOOBIG;
            break;
        }
        r = req ? on_request(ctx, st, d, m, hlen) : on_response(ctx, st, d, m, hlen);
        off += hlen;
        if (r != 0)
            break;
    }
    if (d->skip)
        return (long)len;
    if (r != 0) {
        d->skip = true;
        return r;
    }
    return (long)off;
}

static bool http_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    (void)p;
    return starts_with_method(data, len < 16 ? len : 16) || starts_with_status(data, len);
}

const struct mm_app_decoder mm_app_http = {
    .name = "http",
    .transport = IPPROTO_TCP,
    .probe = http_probe,
    .parse = http_parse,
    .state_free = free,
};
