/* SPDX-License-Identifier: Apache-2.0
 * Application events without their jansson event object (eve-app.h). An
 * application event's header object (a dozen members: time stamp, flow id,
 * addresses, ports...) cost about 4.4 k instructions to build, then more
 * to serialise and free, for members the detectors never read: here the
 * header stays the C struct mm_app_event would have built it from and is
 * written straight into the writer's batch, member by member in the order
 * of mm__eve_new (eve-fast.c), through the writer's own string and integer
 * writers. tests/unit/sensor/test-eve-http.c holds the lines to those of
 * the JSON path, byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "sensor/eve-app.h"
#include "sensor/flow.h"
#include "sensor/sensor-int.h"

/* The types taking this path, MM__DIRECT_HTTP first. */
static const char *const direct_names[MM__DIRECT_TYPES] = {"http", "dns",  "tls",     "quic", "rdp",
                                                           "dhcp", "mdns", "netbios", "smb"};

/* The type whose stand-in was made for the event being handled, NULL
 * between events: the header written for that event copies the address
 * texts the stand-in holds (line_addr). */
static _Thread_local const struct mm__direct_type *texts_of;

struct mm__direct *mm__direct_new(void)
{
    struct mm__direct *d = calloc(1, sizeof *d);
    for (size_t i = 0; d && i < MM__DIRECT_TYPES; i++)
        d->types[i].name = direct_names[i];
    return d;
}

void mm__direct_free(struct mm__direct *d)
{
    texts_of = NULL;
    for (size_t i = 0; d && i < MM__DIRECT_TYPES; i++)
        json_decref(d->types[i].standin);
    free(d);
}

struct mm__direct_type *mm__direct_type(struct mm__direct *d, const char *name)
{
    for (size_t i = 0; i < MM__DIRECT_TYPES; i++)
        if (strcmp(d->types[i].name, name) == 0)
            return &d->types[i];
    return NULL;
}

/* ---- the header line (the header itself: decode.c's mm_app_header) ------------------- */

#define LIT(o, s) mm_eve_out_raw(o, s, sizeof(s) - 1)

/* True for "TCP", "UDP" and "SCTP", compared byte by byte (each event
 * asks). */
static bool has_ports(const char *p)
{
    if (!p)
        return false;
    switch (p[0]) {
    case 'T':
        return p[1] == 'C' && p[2] == 'P' && !p[3];
    case 'U':
        return p[1] == 'D' && p[2] == 'P' && !p[3];
    case 'S':
        return p[1] == 'C' && p[2] == 'T' && p[3] == 'P' && !p[4];
    default:
        return false;
    }
}

static void put_text_member(struct mm_eve_out *o, const char *key, size_t key_len, const char *s)
{
    mm_eve_out_member(o, ',', key, key_len, s, strlen(s));
}

static void put_addr(struct mm_eve_out *o, const char *key, size_t key_len, const struct mm_addr *a)
{
    char ip[MM_ADDR_STRLEN];
    size_t n = mm_addr_text(a, ip);
    mm_eve_out_member(o, ',', key, key_len, ip, n);
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

static void put_endpoints(struct mm_eve_out *o, const struct mm_eve_header *h)
{
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
}

/* ---- the same header formed in place (eve-line.h) ------------------------------------ */

/* The longest name (event type, protocol, Community ID, application
 * protocol) formed in place; a longer one takes the writer's way. */
#define HEADER_NAME_MAX 64

/* A name member ,"key":"s", noted as not plain when too long. */
static void line_name(struct mm__line *l, const char *key, size_t key_len, const char *s)
{
    size_t n = strlen(s);
    if (n > HEADER_NAME_MAX) {
        l->bad = 1;
        return;
    }
    mm__line_raw(l, key, key_len);
    mm__line_text(l, s, n);
    *l->p++ = '"';
}

#define LINE_NAME(l, key, s) line_name(l, key, sizeof(key) - 1, s)

/* An address (which 0: the source, 1: the destination) as a string:
 * digits, dots, colons, hex letters. The text the stand-in of the event
 * being handled holds for it is copied (MM_ADDR_STRLEN bytes, the room
 * mm_addr_text may use), else it is formed. */
static void line_addr(struct mm__line *l, const struct mm_addr *a, int which)
{
    const struct mm__direct_type *t = texts_of;
    *l->p++ = '"';
    if (t && t->addr_value[which] && mm_addr_equal(&t->addr_of[which], a)) {
        memcpy(l->p, t->addr_text[which], MM_ADDR_STRLEN);
        l->p += t->addr_len[which];
    } else {
        l->p += mm_addr_text(a, l->p);
    }
    *l->p++ = '"';
}

static void line_vlan(struct mm__line *l, const struct mm_eve_header *h)
{
    MM__LINE_LIT(l, ",\"vlan\":[");
    for (unsigned i = 0; i < h->vlan_count && i < 2; i++) {
        if (i)
            *l->p++ = ',';
        mm__line_u64(l, h->vlan[i]);
    }
    *l->p++ = ']';
}

static void line_endpoints(struct mm__line *l, const struct mm_eve_header *h)
{
    bool ports = has_ports(h->proto);
    if (h->src) {
        MM__LINE_LIT(l, ",\"src_ip\":");
        line_addr(l, h->src, 0);
        if (ports) {
            MM__LINE_LIT(l, ",\"src_port\":");
            mm__line_u64(l, h->src_port);
        }
    }
    if (h->dst) {
        MM__LINE_LIT(l, ",\"dest_ip\":");
        line_addr(l, h->dst, 1);
        if (ports) {
            MM__LINE_LIT(l, ",\"dest_port\":");
            mm__line_u64(l, h->dest_port);
        }
    }
}

void mm__app_header_text(struct mm__line *l, const struct mm_eve_header *h, int64_t tx_id)
{
    MM__LINE_LIT(l, "{\"timestamp\":\"");
    /* digits, '-', 'T', ':', '.' and the zone's sign: plain, not checked;
     * writes MM_TIMESTAMP_MAX bytes */
    l->p += mm__time_text(&h->ts, l->p);
    *l->p++ = '"';
    if (h->flow_id) {
        MM__LINE_LIT(l, ",\"flow_id\":");
        mm__line_u64(l, h->flow_id & INT64_MAX);
    }
    if (h->pcap_cnt) {
        MM__LINE_LIT(l, ",\"pcap_cnt\":");
        mm__line_u64(l, h->pcap_cnt);
    }
    LINE_NAME(l, ",\"event_type\":\"", h->event_type ? h->event_type : "unknown");
    if (h->vlan_count)
        line_vlan(l, h);
    line_endpoints(l, h);
    if (h->proto)
        LINE_NAME(l, ",\"proto\":\"", h->proto);
    if (h->community_id)
        LINE_NAME(l, ",\"community_id\":\"", h->community_id);
    if (h->app_proto)
        LINE_NAME(l, ",\"app_proto\":\"", h->app_proto);
    if (tx_id >= 0) {
        MM__LINE_LIT(l, ",\"tx_id\":");
        mm__line_u64(l, (uint64_t)tx_id);
    }
}

/* The writer's way, piece by piece (any text, escaped as needed). */
static void header_pieces(struct mm_eve_out *o, const struct mm_eve_header *h, int64_t tx_id)
{
    char ts[MM_TIMESTAMP_MAX];
    size_t ts_len = mm__time_text(&h->ts, ts);
    mm_eve_out_member(o, '{', "timestamp", 9, ts, ts_len);
    if (h->flow_id) {
        LIT(o, ",\"flow_id\":");
        mm_eve_out_integer(o, (json_int_t)(h->flow_id & INT64_MAX));
    }
    if (h->pcap_cnt) {
        LIT(o, ",\"pcap_cnt\":");
        mm_eve_out_integer(o, (json_int_t)h->pcap_cnt);
    }
    put_text_member(o, "event_type", 10, h->event_type ? h->event_type : "unknown");
    if (h->vlan_count)
        put_vlan(o, h);
    put_endpoints(o, h);
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

void mm__app_line_header(struct mm_eve_out *o, const struct mm_eve_header *h, int64_t tx_id)
{
    char room[MM__APP_HEADER_ROOM];
    struct mm__line l = {room, 0};
    mm__app_header_text(&l, h, tx_id);
    if (l.bad)
        header_pieces(o, h, tx_id);
    else
        mm_eve_out_raw(o, room, (size_t)(l.p - room));
}

int mm__app_line_write(struct mm_eve_out *o, const struct mm_eve_header *h, int64_t tx_id,
                       const char *type, const json_t *obj)
{
    mm_eve_out_line_begin(o);
    mm__app_line_header(o, h, tx_id);
    mm_eve_out_member_key(o, type, strlen(type));
    mm_eve_out_value(o, obj);
    LIT(o, "}");
    return mm_eve_out_line_end(o);
}

/* ---- the stand-ins ------------------------------------------------------------------- */

/* The stand-in's address values are unknown (a new or dropped stand-in). */
static void forget_addrs(struct mm__direct_type *t)
{
    t->addr_value[0] = t->addr_value[1] = NULL;
}

static json_t *standin_new(struct mm__direct_type *t)
{
    json_t *ev = json_object();
    if (!ev || json_object_set_new_nocheck(ev, "event_type", json_string_nocheck(t->name)) != 0) {
        json_decref(ev);
        return NULL;
    }
    t->standin = ev;
    forget_addrs(t);
    return ev;
}

/* Sets key (which 0: "src_ip", 1: "dest_ip") to the text of a (as the
 * event's header writes it), or removes it when a is NULL. The value is
 * left as it is when it holds a's text already (one client's requests
 * follow each other), and else its text is replaced in place. */
static int set_addr(struct mm__direct_type *t, json_t *ev, int which, const char *key,
                    const struct mm_addr *a)
{
    char *ip = t->addr_text[which];
    json_t *v = t->addr_value[which];
    if (!a) {
        t->addr_value[which] = NULL;
        return json_object_del(ev, key), 0;
    }
    if (v && mm_addr_equal(&t->addr_of[which], a))
        return 0;
    size_t n = mm_addr_text(a, ip);
    t->addr_len[which] = (uint8_t)n;
    t->addr_value[which] = NULL;
    if (!v && !(v = json_object_get(ev, key))) {
        if (json_object_set_new_nocheck(ev, key, v = json_stringn_nocheck(ip, n)) != 0)
            return -1;
    } else if (json_string_setn_nocheck(v, ip, n) != 0) {
        return -1;
    }
    t->addr_value[which] = v;
    t->addr_of[which] = *a;
    return 0;
}

/* The type's own member (HTTP: an empty object kept with the stand-in). */
static int own_member(struct mm__direct_type *t, json_t *ev)
{
    if (t->member)
        return 0;
    json_t *m = json_object();
    if (!m || json_object_set_new_nocheck(ev, t->name, m) != 0)
        return -1;
    t->member = m;
    return 0;
}

static void drop_standin(struct mm__direct_type *t)
{
    texts_of = NULL;
    json_decref(t->standin);
    t->standin = t->member = NULL;
    t->member_lent = false;
    forget_addrs(t);
}

json_t *mm__direct_standin(struct mm__direct_type *t, const struct mm_eve_header *h, json_t *member)
{
    json_t *ev = t->standin ? t->standin : standin_new(t);
    if (!ev)
        return NULL;
    int r = set_addr(t, ev, 0, "src_ip", h->src) | set_addr(t, ev, 1, "dest_ip", h->dst);
    if (member) {
        r |= json_object_set_nocheck(ev, t->name, member);
        t->member = member;
        t->member_lent = true;
    } else {
        r |= own_member(t, ev);
    }
    if (r != 0) {
        drop_standin(t);
        return NULL;
    }
    texts_of = t;
    return ev;
}

void mm__direct_standin_done(struct mm__direct_type *t)
{
    texts_of = NULL;
    if (!t->standin)
        return;
    if (t->member_lent) {
        json_object_del(t->standin, t->name);
        t->member = NULL;
        t->member_lent = false;
    }
    if (t->standin->refcount > 1 || (t->member && t->member->refcount > 1)) {
        json_decref(t->standin); /* a reader holds it: theirs, unchanged from now on */
        t->standin = t->member = NULL;
        forget_addrs(t);
    }
}
