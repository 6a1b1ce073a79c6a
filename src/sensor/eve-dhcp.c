/* SPDX-License-Identifier: Apache-2.0
 * DHCP events without a jansson object (eve-dhcp.h). On the bench slice a
 * DHCP event cost about 48 k instructions, most of it building the "dhcp"
 * object (a dozen strings and arrays), serialising and freeing it, while
 * its one reader, the device inventory, wants a handful of its texts.
 * Here the event is the decoder's message (dhcp-event.h) plus the texts
 * made from packet bytes; the facts are taken from it, and the line is
 * written member by member, in mm__dhcp_object's order and under its
 * conditions, through the EVE writer's own string and integer writers.
 * tests/unit/sensor/test-eve-dhcp.c holds the lines and facts to the JSON
 * path's. */
#include <string.h>

#include "core/net.h"
#include "core/str.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/dns-parse.h"
#include "sensor/eve-app.h"
#include "sensor/eve-dhcp.h"

/* ---- the typed event ----------------------------------------------------------------- */

/* Room for the texts (the packet path is single threaded; one event at a
 * time, as eve-http.c). */
enum { T_MAC, T_HOSTNAME, T_VENDOR, T_FQDN, T_COUNT };
static _Thread_local char text_room[T_COUNT][MM_APP_TEXT_SCRATCH];

/* p[0..n) as mm__app_json_text makes it, NUL-terminated in its room. */
static struct mm__dhcp_text wire_text(const uint8_t *p, size_t n, int slot)
{
    char *room = text_room[slot];
    size_t len;
    const char *s = mm__app_text_view(p, n, room, &len);
    if (s != room)
        memcpy(room, s, len);
    room[len] = '\0';
    return (struct mm__dhcp_text){room, len};
}

/* Option 81's name as set_fqdn makes it: the wire-encoded name's text (as
 * mm__app_json_str keeps it), or the plain text; absent when too short or
 * the name does not decode. */
static struct mm__dhcp_text fqdn_text(const uint8_t *p, size_t n)
{
    struct mm__dhcp_text none = {NULL, 0};
    if (n < 3)
        return none;
    if (!(p[0] & 0x04))
        return wire_text(p + 3, mm__dhcp_text_len(p + 3, n - 3), T_FQDN);
    char *room = text_room[T_FQDN];
    size_t next, len;
    if (mm__dns_name_text(p + 3, n - 3, 0, room, MM_DNS_NAME_TEXT_MAX, &next, &len) != 0)
        return none;
    if (mm_utf8_valid(room, len, NULL))
        return (struct mm__dhcp_text){room, len};
    char copy[MM_DNS_NAME_TEXT_MAX];
    memcpy(copy, room, len);
    return wire_text((const uint8_t *)copy, len, T_FQDN);
}

void mm__dhcp_event_fill(struct mm__dhcp_event *e, const struct mm_app_ctx *ctx,
                         const struct mm__dhcp_message *m)
{
    struct mm__dhcp_text none = {NULL, 0};
    mm_app_header(ctx, "dhcp", &e->h);
    e->m = m;
    e->client_mac.s = text_room[T_MAC];
    e->client_mac.n = mm__dhcp_hex(m->msg + 28, mm__dhcp_hlen(m), text_room[T_MAC]);
    e->hostname = e->vendor = e->fqdn = none;
    for (unsigned i = 0; i < m->nopts; i++) {
        const struct mm__dhcp_option *opt = &m->opts[i];
        const uint8_t *p = m->msg + opt->at;
        size_t text = mm__dhcp_text_len(p, opt->len);
        if (opt->code == 12 && text)
            e->hostname = wire_text(p, text, T_HOSTNAME);
        else if (opt->code == 60)
            e->vendor = wire_text(p, text, T_VENDOR);
        else if (opt->code == 81)
            e->fqdn = fqdn_text(p, opt->len);
    }
}

/* An address of the fixed header as its text, in room. */
static const char *ip_text(const uint8_t *p, char room[MM_ADDR_STRLEN])
{
    mm_ipv4_text(p, room);
    return room;
}

void mm__dhcp_event_facts(const struct mm__dhcp_event *e, struct mm__dhcp_facts *f)
{
    static _Thread_local char ips[3][MM_ADDR_STRLEN];
    const struct mm__dhcp_message *m = e->m;
    f->reply = mm__dhcp_reply(m);
    f->client_mac = e->client_mac.s;
    f->assigned_ip = ip_text(m->msg + 16, ips[0]);
    f->client_ip = ip_text(m->msg + 12, ips[1]);
    f->hostname = e->hostname.s;
    f->fqdn = e->fqdn.s;
    f->vendor_class_identifier = e->vendor.s;
    for (unsigned i = 0; i < m->nopts; i++) {
        const struct mm__dhcp_option *opt = &m->opts[i];
        if (opt->code == 50 && opt->len == 4)
            f->requested_ip = ip_text(m->msg + opt->at, ips[2]);
        else if (opt->code == 55) {
            f->params = m->msg + opt->at;
            f->nparams = opt->len;
        }
    }
}

/* ---- the line ------------------------------------------------------------------------ */

#define LIT(o, s) mm_eve_out_raw(o, s, sizeof(s) - 1)
#define KEY(o, k) mm_eve_out_member_key(o, k, sizeof(k) - 1)

static void put_text(struct mm_eve_out *o, const char *key, size_t key_len, struct mm__dhcp_text t)
{
    mm_eve_out_member(o, ',', key, key_len, t.s, t.n);
}

static void put_ip(struct mm_eve_out *o, const char *key, size_t key_len, const uint8_t *p)
{
    char ip[MM_ADDR_STRLEN];
    mm_eve_out_member(o, ',', key, key_len, ip, mm_ipv4_text(p, ip));
}

static void put_hex(struct mm_eve_out *o, const char *key, size_t key_len, const uint8_t *p,
                    size_t n)
{
    char hex[256 * 3 + 1];
    mm_eve_out_member(o, ',', key, key_len, hex, mm__dhcp_hex(p, n, hex));
}

static void put_ip_list(struct mm_eve_out *o, const char *key, size_t key_len, const uint8_t *p,
                        size_t n)
{
    mm_eve_out_member_key(o, key, key_len);
    LIT(o, "[");
    for (size_t i = 0; i + 4 <= n; i += 4) {
        char ip[MM_ADDR_STRLEN];
        if (i)
            LIT(o, ",");
        mm_eve_out_string(o, ip, mm_ipv4_text(p + i, ip));
    }
    LIT(o, "]");
}

/* Option 55: "params" (the codes with a name) then "params_raw". */
static void put_params(struct mm_eve_out *o, const uint8_t *p, size_t n)
{
    bool first = true;
    KEY(o, "params");
    LIT(o, "[");
    for (size_t i = 0; i < n; i++) {
        const char *name = mm__dhcp_param_name(p[i]);
        if (!name)
            continue;
        if (!first)
            LIT(o, ",");
        first = false;
        mm_eve_out_string(o, name, strlen(name));
    }
    LIT(o, "]");
    KEY(o, "params_raw");
    LIT(o, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            LIT(o, ",");
        mm_eve_out_integer(o, p[i]);
    }
    LIT(o, "]");
}

static void put_int(struct mm_eve_out *o, const char *key, size_t key_len, json_int_t v)
{
    mm_eve_out_member_key(o, key, key_len);
    mm_eve_out_integer(o, v);
}

/* One option's members, as decode-dhcp.c's on_option sets them. */
static void put_option(struct mm_eve_out *o, const struct mm__dhcp_event *e,
                       const struct mm__dhcp_option *opt)
{
    const uint8_t *p = e->m->msg + opt->at;
    size_t n = opt->len;
    switch (opt->code) {
    case 1:
        if (n == 4)
            put_ip(o, "subnet_mask", 11, p);
        break;
    case 3:
        put_ip_list(o, "routers", 7, p, n);
        break;
    case 6:
        put_ip_list(o, "dns_servers", 11, p, n);
        break;
    case 12:
        if (e->hostname.s)
            put_text(o, "hostname", 8, e->hostname);
        break;
    case 50:
        if (n == 4)
            put_ip(o, "requested_ip", 12, p);
        break;
    case 51:
        if (n == 4)
            put_int(o, "lease_time", 10, mm__rd32(p));
        break;
    case 58:
        if (n == 4)
            put_int(o, "renewal_time", 12, mm__rd32(p));
        break;
    case 59:
        if (n == 4)
            put_int(o, "rebinding_time", 14, mm__rd32(p));
        break;
    case 53:
        if (n >= 1) {
            const char *type = mm__dhcp_type_name(p[0]);
            mm_eve_out_member(o, ',', "dhcp_type", 9, type, strlen(type));
        }
        break;
    case 55:
        put_params(o, p, n);
        break;
    case 60:
        put_text(o, "vendor_class_identifier", 23, e->vendor);
        break;
    case 61:
        if (n >= 2)
            put_hex(o, "client_id", 9, p + 1, n - 1);
        break;
    case 81:
        if (e->fqdn.s)
            put_text(o, "fqdn", 4, e->fqdn);
        break;
    default:
        break;
    }
}

int mm__dhcp_line_write(struct mm_eve_out *o, const struct mm__dhcp_event *e)
{
    const struct mm__dhcp_message *m = e->m;
    const uint8_t *d = m->msg;
    mm_eve_out_line_begin(o);
    mm__app_line_header(o, &e->h, -1);
    if (mm__dhcp_reply(m))
        LIT(o, ",\"dhcp\":{\"type\":\"reply\"");
    else
        LIT(o, ",\"dhcp\":{\"type\":\"request\"");
    put_int(o, "id", 2, mm__rd32(d + 4));
    put_text(o, "client_mac", 10, e->client_mac);
    put_ip(o, "assigned_ip", 11, d + 16);
    put_ip(o, "client_ip", 9, d + 12);
    if (mm__dhcp_reply(m)) {
        put_ip(o, "relay_ip", 8, d + 24);
        put_ip(o, "next_server_ip", 14, d + 20);
    }
    for (unsigned i = 0; i < m->nopts; i++)
        put_option(o, e, &m->opts[i]);
    LIT(o, "}}");
    return mm_eve_out_line_end(o);
}
