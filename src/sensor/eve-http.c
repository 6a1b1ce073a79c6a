/* SPDX-License-Identifier: Apache-2.0
 * HTTP events without a jansson object (eve-http.h). The HTTP event was the
 * largest application event type of the bench capture, and most of its cost
 * was building the object, serialising it and freeing it, while its readers
 * (the web-attack and intel detectors, the inventory) already read the
 * decoder's facts. Here the event is a C struct: its header is made as
 * mm_app_event makes it, its texts as mm__app_json_text makes them, and its
 * line goes straight into the EVE writer's batch through the writer's own
 * string and integer writers (mm_eve_out_line_begin ...), in the members'
 * order of the JSON path; tests/unit/sensor/test-eve-http.c compares the two
 * lines byte for byte. The readers get a small stand-in object, kept from
 * one event to the next, with the members they look up besides the facts. */
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "sensor/decode/app-util.h"
#include "sensor/eve-http.h"
#include "sensor/flow.h"
#include "sensor/sensor-int.h"

/* ---- the typed event --------------------------------------------------------- */

/* The header mm_app_event (decode.c) gives an event of ctx. */
static void header_of(const struct mm_app_ctx *ctx, struct mm_eve_header *h)
{
    const struct mm_packet *p = ctx->pkt;
    const struct mm_flow *f = ctx->flow;
    memset(h, 0, sizeof *h);
    h->event_type = "http";
    if (p) {
        h->ts = p->ts;
        h->pcap_cnt = p->num;
        if (p->ip_version) {
            h->src = &p->src;
            h->dst = &p->dst;
            h->src_port = p->sport;
            h->dest_port = p->dport;
            h->proto = mm_flow_proto_name(p->ip_proto);
        }
        mm__eve_header_vlan(h, p->vlan, p->vlan_count);
    }
    if (f) {
        h->flow_id = f->id;
        h->community_id = f->community_id[0] ? f->community_id : NULL;
        if (!p) {
            mm__eve_header_vlan(h, f->vlan, f->vlan_count);
            h->ts = f->last;
            h->src = &f->src;
            h->dst = &f->dst;
            h->src_port = f->sport;
            h->dest_port = f->dport;
            h->proto = mm_flow_proto_name(f->proto);
        }
    }
}

/* Room for the texts: one buffer per text (the packet path is single
 * threaded, as eve-fast.c's caches). */
enum { T_URL, T_UA, T_METHOD, T_REFERER, T_PROTOCOL, T_CTYPE, T_COUNT };
static char text_room[T_COUNT][MM_APP_TEXT_SCRATCH];

/* The text of slice t ({NULL, 0} when absent); NUL-terminated in its
 * buffer when nul is set. */
static struct mm__http_text text_of(struct mm__http_slice t, int slot, bool nul)
{
    char *room = text_room[slot];
    size_t n;
    if (!t.p)
        return (struct mm__http_text){NULL, 0};
    const char *s = mm__app_text_view(t.p, t.n, room, &n);
    if (nul && s != room) { /* the wire bytes themselves: copied to end in a NUL */
        memcpy(room, s, n);
        room[n] = '\0';
        s = room;
    }
    return (struct mm__http_text){s, n};
}

void mm__http_event_fill(struct mm__http_event *e, const struct mm_app_ctx *ctx,
                         const struct mm__http_message *m)
{
    header_of(ctx, &e->h);
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

/* ---- the stand-in ---------------------------------------------------------------- */

struct mm__direct *mm__direct_new(void)
{
    return calloc(1, sizeof(struct mm__direct));
}

void mm__direct_free(struct mm__direct *d)
{
    if (d)
        json_decref(d->standin);
    free(d);
}

static json_t *standin_new(struct mm__direct *d)
{
    json_t *ev = json_object(), *http = json_object();
    if (!ev || !http ||
        json_object_set_new_nocheck(ev, "event_type", json_string_nocheck("http")) != 0 ||
        json_object_set_nocheck(ev, "http", http) != 0) {
        json_decref(ev);
        json_decref(http);
        return NULL;
    }
    json_decref(http); /* held by ev */
    d->standin = ev;
    d->standin_http = http;
    return ev;
}

/* Sets key to the text of a (as the event's header writes it), or removes
 * it when a is NULL; the text already there is kept when it is the same
 * (one client's requests follow each other). */
static int set_addr(json_t *ev, const char *key, const struct mm_addr *a)
{
    char ip[MM_ADDR_STRLEN];
    if (!a)
        return json_object_del(ev, key), 0;
    mm__addr_text(a, ip);
    size_t n = strlen(ip);
    json_t *v = json_object_get(ev, key);
    if (v && json_string_length(v) == n && memcmp(json_string_value(v), ip, n) == 0)
        return 0;
    if (v)
        return json_string_setn_nocheck(v, ip, n);
    return json_object_set_new_nocheck(ev, key, json_stringn_nocheck(ip, n));
}

json_t *mm__direct_standin(struct mm__direct *d, const struct mm__http_event *e)
{
    json_t *ev = d->standin ? d->standin : standin_new(d);
    if (!ev)
        return NULL;
    if (set_addr(ev, "src_ip", e->h.src) != 0 || set_addr(ev, "dest_ip", e->h.dst) != 0) {
        json_decref(ev);
        d->standin = d->standin_http = NULL;
        return NULL;
    }
    return ev;
}

void mm__direct_standin_done(struct mm__direct *d)
{
    if (d->standin && (d->standin->refcount > 1 || d->standin_http->refcount > 1)) {
        json_decref(d->standin); /* a reader holds it: theirs, unchanged from now on */
        d->standin = d->standin_http = NULL;
    }
}

/* ---- the line ------------------------------------------------------------------------ */

#define LIT(o, s)              mm_eve_out_raw(o, s, sizeof(s) - 1)
#define MEMBER(o, sep, key, t) mm_eve_out_member(o, sep, key, sizeof(key) - 1, (t).s, (t).n)

static bool has_ports(const char *proto)
{
    return proto &&
           (strcmp(proto, "TCP") == 0 || strcmp(proto, "UDP") == 0 || strcmp(proto, "SCTP") == 0);
}

static void put_text_member(struct mm_eve_out *o, const char *key, size_t key_len, const char *s)
{
    mm_eve_out_member(o, ',', key, key_len, s, strlen(s));
}

static void put_addr(struct mm_eve_out *o, const char *key, size_t key_len, const struct mm_addr *a)
{
    char ip[MM_ADDR_STRLEN];
    mm__addr_text(a, ip);
    put_text_member(o, key, key_len, ip);
}

static void put_vlan(struct mm_eve_out *o, const struct mm_eve_header *h)
{
    LIT(o, ",\"vlan\":[");
    for (unsigned i = 0; i < h->vlan_count && i < 2; i++) {
        if (i)
            LIT(o, ",");
        mm_eve_out_integer(o, h->vlan[i]);
    }
    LIT(o, "]");
}

/* The header's members as mm__eve_new sets them, then tx_id. */
static void put_header(struct mm_eve_out *o, const struct mm_eve_header *h, int64_t tx_id)
{
    char ts[MM_TIMESTAMP_MAX];
    mm__time_format(&h->ts, ts);
    mm_eve_out_member(o, '{', "timestamp", 9, ts, strlen(ts));
    if (h->flow_id) {
        LIT(o, ",\"flow_id\":");
        mm_eve_out_integer(o, (json_int_t)(h->flow_id & INT64_MAX));
    }
    if (h->pcap_cnt) {
        LIT(o, ",\"pcap_cnt\":");
        mm_eve_out_integer(o, (json_int_t)h->pcap_cnt);
    }
    LIT(o, ",\"event_type\":\"http\"");
    if (h->vlan_count)
        put_vlan(o, h);
    bool ports = has_ports(h->proto);
    if (h->src) {
        put_addr(o, "src_ip", 6, h->src);
        if (ports) {
            LIT(o, ",\"src_port\":");
            mm_eve_out_integer(o, h->src_port);
        }
    }
    if (h->dst) {
        put_addr(o, "dest_ip", 7, h->dst);
        if (ports) {
            LIT(o, ",\"dest_port\":");
            mm_eve_out_integer(o, h->dest_port);
        }
    }
    if (h->proto)
        put_text_member(o, "proto", 5, h->proto);
    if (h->community_id)
        put_text_member(o, "community_id", 12, h->community_id);
    if (h->app_proto)
        put_text_member(o, "app_proto", 9, h->app_proto);
    if (tx_id >= 0) {
        LIT(o, ",\"tx_id\":");
        mm_eve_out_integer(o, (json_int_t)tx_id);
    }
}

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

int mm__http_line_write(struct mm_eve_out *o, const struct mm__http_event *e)
{
    mm_eve_out_line_begin(o);
    put_header(o, &e->h, e->m->tx_id);
    LIT(o, ",\"http\":");
    if (e->m->response)
        put_response(o, e);
    else
        put_request(o, e);
    LIT(o, "}");
    return mm_eve_out_line_end(o);
}
