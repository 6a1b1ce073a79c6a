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

/* The length of the request method d starts with (followed by a space),
 * 0 when none does. No method holds a space, so the first space decides
 * which name can match: the first letter picks the few candidates and
 * each is compared with its compile-time length (resync calls this at
 * every line start of unknown bytes). */
#define METHOD(lit)                                                                                \
    do {                                                                                           \
        if (len > sizeof lit - 1 && d[sizeof lit - 1] == ' ' &&                                    \
            memcmp(d, lit, sizeof lit - 1) == 0)                                                   \
            return sizeof lit - 1;                                                                 \
    } while (0)
static size_t method_len(const uint8_t *d, size_t len)
{
    if (len == 0)
        return 0;
    switch (d[0]) {
    case 'C':
        METHOD("CONNECT");
        METHOD("COPY");
        break;
    case 'D':
        METHOD("DELETE");
        break;
    case 'G':
        METHOD("GET");
        break;
    case 'H':
        METHOD("HEAD");
        break;
    case 'L':
        METHOD("LOCK");
        break;
    case 'M':
        METHOD("MKCOL");
        METHOD("MOVE");
        METHOD("M-SEARCH");
        break;
    case 'N':
        METHOD("NOTIFY");
        break;
    case 'O':
        METHOD("OPTIONS");
        break;
    case 'P':
        METHOD("POST");
        METHOD("PUT");
        METHOD("PATCH");
        METHOD("PROPFIND");
        METHOD("PROPPATCH");
        break;
    case 'S':
        METHOD("SEARCH");
        METHOD("SUBSCRIBE");
        break;
    case 'T':
        METHOD("TRACE");
        break;
    case 'U':
        METHOD("UNLOCK");
        break;
    default:
        break;
    }
    return 0;
}
#undef METHOD

static bool starts_with_method(const uint8_t *d, size_t len)
{
    return method_len(d, len) != 0;
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

struct line {
    const uint8_t *p;
    size_t n;
};

/* The header lines the events and the body framing need: the first of
 * each, except Transfer-Encoding (the last). */
struct headers {
    struct line host, ua, referer, ctype, clen, te;
};

static uint64_t load8(const void *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static uint64_t load4(const void *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* w with its ASCII capitals lowered, eight bytes at once (mm_ascii_lower,
 * the "C" locale's tolower): a byte gets 0x20 when its low seven bits are
 * in 'A'..'Z' and its top bit is clear. No sum carries out of its byte. */
static uint64_t lower8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
    uint64_t low7 = w & ~high;
    uint64_t from_a = low7 + ones * (0x80 - 'A');     /* top bit: >= 'A' */
    uint64_t past_z = low7 + ones * (0x80 - 'Z' - 1); /* top bit: > 'Z' */
    return w | ((from_a & ~past_z & ~w & high) >> 2);
}

/* Whether the k bytes at p (4 <= k) are name (lower case) in any case:
 * whole words, the last one overlapping the one before. */
static inline bool lower_eq(const uint8_t *p, const char *name, size_t k)
{
    if (k < 8)
        return lower8(load4(p)) == load4(name) && lower8(load4(p + k - 4)) == load4(name + k - 4);
    for (size_t i = 0; i + 8 < k; i += 8)
        if (lower8(load8(p + i)) != load8(name + i))
            return false;
    return lower8(load8(p + k - 8)) == load8(name + k - 8);
}

/* The value of header line p (n bytes, no line end), without the spaces
 * and tabs around it, into *field when the line is header name (a
 * lower-case literal, k bytes: its first colon right after a case-blind
 * copy of the name) and, with first, *field is still unset. */
static inline void take(struct line *field, const uint8_t *p, size_t n, const char *name, size_t k,
                        bool first)
{
    if ((first && field->p) || n <= k || p[k] != ':' || !lower_eq(p, name, k))
        return;
    struct line v = {p + k + 1, n - k - 1};
    while (v.n && (v.p[0] == ' ' || v.p[0] == '\t')) {
        v.p++;
        v.n--;
    }
    while (v.n && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
        v.n--;
    *field = v;
}

/* Notes header line p (n > 0 bytes, no line end) in h when it is one of
 * the headers h keeps. The first letter (c | 0x20 is a letter's lower
 * case and that letter only for its two cases) picks the candidates, so
 * most lines cost a switch. */
static void note_header(struct headers *h, const uint8_t *p, size_t n)
{
#define TAKE(field, name, first) take(&h->field, p, n, name, sizeof name - 1, first)
    switch (p[0] | 0x20) {
    case 'h':
        TAKE(host, "host", true);
        break;
    case 'u':
        TAKE(ua, "user-agent", true);
        break;
    case 'r':
        TAKE(referer, "referer", true);
        break;
    case 'c':
        TAKE(ctype, "content-type", true);
        TAKE(clen, "content-length", true);
        break;
    case 't':
        TAKE(te, "transfer-encoding", false); /* the last one */
        break;
    default:
        break;
    }
#undef TAKE
}

/* One pass over a message's header block in [m, m + end): its start line
 * into *start and its header lines into h, each line found by one memchr,
 * up to the blank line. Returns the block's length including the blank
 * line (LF or CR LF), 0 when that is not within end. */
static size_t scan_block(const uint8_t *m, size_t end, struct line *start, struct headers *h)
{
    memset(h, 0, sizeof *h);
    for (size_t pos = 0;;) {
        const uint8_t *nl = pos < end ? memchr(m + pos, '\n', end - pos) : NULL;
        if (!nl)
            return 0;
        size_t stop = (size_t)(nl - m), n = stop - pos;
        if (n && m[stop - 1] == '\r')
            n--;
        if (pos == 0)
            *start = (struct line){m, n};
        else if (n == 0)
            return stop + 1;
        else
            note_header(h, m + pos, n);
        pos = stop + 1;
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

/* A request whose start line rl begins with a method of mlen bytes and
 * its space (method_len), with its header lines h. */
static int on_request(struct mm_app_ctx *ctx, struct http_state *st, struct http_dir *d,
                      const struct line *rl, size_t mlen, const struct headers *h)
{
    char host[HOSTNAME_BUF];
    const uint8_t *uri = rl->p + mlen + 1;
    size_t rest = rl->n - mlen - 1;
    const uint8_t *sp2 = memchr(uri, ' ', rest);
    size_t ulen = sp2 ? (size_t)(sp2 - uri) : rest;
    struct mm__http_message m = {
        .url = {uri, ulen},
        .user_agent = slice_of(&h->ua),
        .referer = slice_of(&h->referer),
        .method = {rl->p, mlen},
    };
    if (h->host.p) {
        m.hostname_len = hostname_text(&h->host, host);
        m.hostname = host;
    }
    if (sp2)
        m.protocol = (struct mm__http_slice){sp2 + 1, (size_t)(rl->p + rl->n - sp2 - 1)};
    uint8_t flags = 0;
    if (mlen == 4 && memcmp(rl->p, "HEAD", 4) == 0)
        flags |= REQ_HEAD;
    if (mlen == 7 && memcmp(rl->p, "CONNECT", 7) == 0)
        flags |= REQ_CONNECT;
    if (st->npending < HTTP_PENDING)
        st->pending[st->npending++] = flags;
    set_body_mode(d, h);
    m.tx_id = st->req_tx++;
    return emit_message(ctx, &m);
}

/* A response with status line sl and header lines h. */
static int on_response(struct mm_app_ctx *ctx, struct http_state *st, struct http_dir *d,
                       const struct line *sl, const struct headers *h)
{
    uint64_t n = 0;
    const uint8_t *sp = memchr(sl->p, ' ', sl->n);
    if (!sp || (size_t)(sl->p + sl->n - sp) < 4)
        return MM_EPARSE;
    int status = 0;
    for (int i = 1; i <= 3; i++) {
        if (sp[i] < '0' || sp[i] > '9')
            return MM_EPARSE;
        status = status * 10 + (sp[i] - '0');
    }
    uint8_t req = 0;
    if (status >= 200 && st->npending) { /* 1xx are interim: keep the request */
        req = st->pending[0];
        memmove(st->pending, st->pending + 1, --st->npending);
    }
    content_length(&h->clen, &n);
    struct mm__http_message m = {
        .response = true,
        .status = status,
        .protocol = {sl->p, (size_t)(sp - sl->p)},
        .content_type = slice_of(&h->ctype),
        .length = n,
    };
    if (status == 101 || ((req & REQ_CONNECT) && status >= 200 && status < 300)) {
        st->d[0].skip = st->d[1].skip = true; /* tunnel or other protocol follows */
    } else if ((req & REQ_HEAD) || status < 200 || status == 204 || status == 304) {
        d->mode = B_NONE;
    } else {
        set_body_mode(d, h);
        if (d->mode == B_NONE && !h->clen.p)
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
    if (d->mode == B_LENGTH && d->remaining > len && !d->skip) { /* most calls: inside a body */
        d->remaining -= len;
        return (long)len;
    }
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
        size_t mlen = method_len(m, left < 16 ? left : 16);
        if (!mlen && !starts_with_status(m, left)) {
            bool found;
            if (left < 16 && memchr(m, ' ', left) == NULL)
                break; /* perhaps a method cut short */
            size_t skip = resync(m, left, &found);
            if (skip == 0)
                break;
            off += skip;
            continue;
        }
        struct line start;
        struct headers h;
        size_t hlen = scan_block(m, left < HTTP_HEADER_MAX ? left : HTTP_HEADER_MAX, &start, &h);
        if (hlen == 0) {
            if (left >= HTTP_HEADER_MAX)
                r = MM_ETOOBIG;
            break;
        }
        r = mlen ? on_request(ctx, st, d, &start, mlen, &h) : on_response(ctx, st, d, &start, &h);
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
