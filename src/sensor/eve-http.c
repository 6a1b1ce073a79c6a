/* SPDX-License-Identifier: Apache-2.0
 * HTTP events without a jansson object (eve-http.h). The HTTP event was the
 * largest application event type of the bench capture, and most of its cost
 * was building the object, serialising it and freeing it, while its readers
 * (the web-attack and intel detectors, the inventory) already read the
 * decoder's facts. Here the event is a C struct: its header is made as
 * mm_app_event makes it, its texts as mm__app_json_text makes them, and its
 * line goes straight into the EVE writer's batch through the writer's own
 * string and integer writers (mm_eve_out_line_begin ...), in the members'
 * order of the JSON path (the header by eve-app.c);
 * tests/unit/sensor/test-eve-http.c compares the two lines byte for byte. */
#include <string.h>

#include "sensor/decode/app-util.h"
#include "sensor/eve-http.h"

/* ---- the typed event --------------------------------------------------------- */

/* Room for the texts: one buffer per text and decoding thread (as
 * eve-dhcp.c's). */
enum { T_URL, T_UA, T_METHOD, T_REFERER, T_PROTOCOL, T_CTYPE, T_COUNT };
static _Thread_local char text_room[T_COUNT][MM_APP_TEXT_SCRATCH];

/* The text of slice t ({NULL, 0} when absent); always in its buffer and
 * NUL-terminated when nul is set (the facts' C strings). */
static struct mm__http_text text_of(struct mm__http_slice t, int slot, bool nul)
{
    char *room = text_room[slot];
    size_t n;
    if (!t.p)
        return (struct mm__http_text){NULL, 0};
    if (nul) {
        n = mm__app_text_copy(t.p, t.n, room);
        return (struct mm__http_text){room, n};
    }
    const char *s = mm__app_text_view(t.p, t.n, room, &n);
    return (struct mm__http_text){s, n};
}

void mm__http_event_fill(struct mm__http_event *e, const struct mm_app_ctx *ctx,
                         const struct mm__http_message *m)
{
    mm_app_header(ctx, "http", &e->h);
    e->m = m;
    e->pkt = ctx->pkt;
    e->url = text_of(m->url, T_URL, true);
    e->user_agent = text_of(m->user_agent, T_UA, true);
    e->method = text_of(m->method, T_METHOD, true);
    e->referer = text_of(m->referer, T_REFERER, false);
    e->protocol = text_of(m->protocol, T_PROTOCOL, false);
    e->content_type = text_of(m->content_type, T_CTYPE, false);
}

void mm__http_event_facts(const struct mm__http_event *e, struct mm__http_facts *f)
{
    const struct mm__http_message *m = e->m;
    f->response = m->response;
    if (!m->response) {
        f->hostname = m->hostname; /* NUL-terminated by mm__app_text */
        f->url = e->url.s;
        f->method = e->method.s;
        f->user_agent = e->user_agent.s;
    }
    mm__http_facts_note_source(f, e->pkt);
}

/* ---- the line ------------------------------------------------------------------------ */

#define LIT(o, s)              mm_eve_out_raw(o, s, sizeof(s) - 1)
#define MEMBER(o, sep, key, t) mm_eve_out_member(o, sep, key, sizeof(key) - 1, (t).s, (t).n)

/* The request's members, in request_members' order (decode-http.c). */
static void put_request(struct mm_eve_out *o, const struct mm__http_event *e)
{
    const struct mm__http_message *m = e->m;
    char sep = '{';
    if (m->hostname) {
        mm_eve_out_member(o, sep, "hostname", 8, m->hostname, m->hostname_len);
        sep = ',';
    }
    MEMBER(o, sep, "url", e->url);
    if (e->user_agent.s)
        MEMBER(o, ',', "http_user_agent", e->user_agent);
    if (e->referer.s)
        MEMBER(o, ',', "http_refer", e->referer);
    MEMBER(o, ',', "http_method", e->method);
    if (e->protocol.s)
        MEMBER(o, ',', "protocol", e->protocol);
    LIT(o, "}");
}

/* The response's members, in response_members' order. */
static void put_response(struct mm_eve_out *o, const struct mm__http_event *e)
{
    const struct mm__http_message *m = e->m;
    LIT(o, "{\"status\":");
    mm_eve_out_integer(o, m->status);
    MEMBER(o, ',', "protocol", e->protocol);
    if (e->content_type.s)
        MEMBER(o, ',', "http_content_type", e->content_type);
    LIT(o, ",\"length\":");
    mm_eve_out_integer(o, (json_int_t)m->length);
    LIT(o, "}");
}

/* ---- the line formed in place (eve-line.h) ----------------------------------------- */

#define LINE_MEMBER(l, key, t)                                                                     \
    do {                                                                                           \
        MM__LINE_LIT(l, key);                                                                      \
        mm__line_text(l, (t).s, (t).n);                                                            \
        *(l)->p++ = '"';                                                                           \
    } while (0)

static void line_request(struct mm__line *l, const struct mm__http_event *e)
{
    const struct mm__http_message *m = e->m;
    if (m->hostname) {
        MM__LINE_LIT(l, "{\"hostname\":\"");
        mm__line_text(l, m->hostname, m->hostname_len);
        MM__LINE_LIT(l, "\",\"url\":\"");
    } else {
        MM__LINE_LIT(l, "{\"url\":\"");
    }
    mm__line_text(l, e->url.s, e->url.n);
    *l->p++ = '"';
    if (e->user_agent.s)
        LINE_MEMBER(l, ",\"http_user_agent\":\"", e->user_agent);
    if (e->referer.s)
        LINE_MEMBER(l, ",\"http_refer\":\"", e->referer);
    LINE_MEMBER(l, ",\"http_method\":\"", e->method);
    if (e->protocol.s)
        LINE_MEMBER(l, ",\"protocol\":\"", e->protocol);
    *l->p++ = '}';
}

static void line_response(struct mm__line *l, const struct mm__http_event *e)
{
    const struct mm__http_message *m = e->m;
    MM__LINE_LIT(l, "{\"status\":");
    if (m->status < 0) { /* the writer's sign; never from the decoder */
        *l->p++ = '-';
        mm__line_u64(l, 0ULL - (uint64_t)m->status);
    } else {
        mm__line_u64(l, (uint64_t)m->status);
    }
    LINE_MEMBER(l, ",\"protocol\":\"", e->protocol);
    if (e->content_type.s)
        LINE_MEMBER(l, ",\"http_content_type\":\"", e->content_type);
    MM__LINE_LIT(l, ",\"length\":");
    if ((json_int_t)m->length < 0) { /* as the writer prints the cast */
        *l->p++ = '-';
        mm__line_u64(l, 0ULL - m->length);
    } else {
        mm__line_u64(l, m->length);
    }
    *l->p++ = '}';
}

/* Room the line formed in place may use: the header, every text, and the
 * keys, quotes and numbers around them. */
static size_t line_room(const struct mm__http_event *e)
{
    return MM__APP_HEADER_ROOM + 256 + e->m->hostname_len + e->url.n + e->user_agent.n +
           e->referer.n + e->method.n + e->protocol.n + e->content_type.n;
}

/* The line formed in place in the writer's batch; false (nothing added)
 * when a text is not plain, there is no room or the line is tapped for
 * the spool: the pieces write it. */
static bool line_in_place(struct mm_eve_out *o, const struct mm__http_event *e, int *result)
{
    struct mm__line l;
    char *start = mm__line_reserve(o, line_room(e), &l);
    if (!start)
        return false;
    mm__app_header_text(&l, &e->h, e->m->tx_id);
    MM__LINE_LIT(&l, ",\"http\":");
    if (e->m->response)
        line_response(&l, e);
    else
        line_request(&l, e);
    MM__LINE_LIT(&l, "}\n");
    return mm__line_commit(o, &l, start, result);
}

int mm__http_line_write(struct mm_eve_out *o, const struct mm__http_event *e)
{
    int r;
    if (line_in_place(o, e, &r))
        return r;
    mm_eve_out_line_begin(o);
    mm__app_line_header(o, &e->h, e->m->tx_id);
    LIT(o, ",\"http\":");
    if (e->m->response)
        put_response(o, e);
    else
        put_request(o, e);
    LIT(o, "}");
    return mm_eve_out_line_end(o);
}
