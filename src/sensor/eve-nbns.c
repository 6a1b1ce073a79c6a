/* SPDX-License-Identifier: Apache-2.0
 * NetBIOS name service events without a jansson object (eve-nbns.h). On the
 * bench slice a "netbios" event cost about 14 k instructions, three
 * quarters of it the event and "netbios" objects built, serialised and
 * freed for the one member its reader, the device inventory, wants
 * ("hostname"). Here the line is written from the decoder's typed message,
 * member by member in mm__nbns_object's order, through the EVE writer's
 * own string and integer writers; tests/unit/sensor/test-eve-nbns.c holds
 * it to the JSON path's line. */
#include <string.h>

#include "core/net.h"
#include "sensor/eve-app.h"
#include "sensor/eve-nbns.h"

void mm__nbns_event_fill(struct mm__nbns_event *e, const struct mm_app_ctx *ctx,
                         const struct mm__nbns_message *m)
{
    mm_app_header(ctx, "netbios", &e->h);
    e->m = m;
}

void mm__nbns_event_facts(const struct mm__nbns_event *e, struct mm__nbns_facts *f)
{
    f->hostname = e->m->hostname ? e->m->name : NULL;
}

#define LIT(o, s) mm_eve_out_raw(o, s, sizeof(s) - 1)

static void put_int(struct mm_eve_out *o, const char *key, size_t key_len, json_int_t v)
{
    mm_eve_out_member_key(o, key, key_len);
    mm_eve_out_integer(o, v);
}

static void put_addresses(struct mm_eve_out *o, const struct mm__nbns_message *m)
{
    LIT(o, ",\"addresses\":[");
    for (unsigned i = 0; i < m->naddrs; i++) {
        char ip[MM_ADDR_STRLEN];
        if (i)
            LIT(o, ",");
        mm_eve_out_string(o, ip, mm_ipv4_text(m->addrs[i], ip));
    }
    LIT(o, "]");
}

int mm__nbns_line_write(struct mm_eve_out *o, const struct mm__nbns_event *e)
{
    const struct mm__nbns_message *m = e->m;
    const char *op = mm__nbns_opcode_name(m->opcode);
    mm_eve_out_line_begin(o);
    mm__app_line_header(o, &e->h, -1);
    if (m->response)
        LIT(o, ",\"netbios\":{\"type\":\"response\"");
    else
        LIT(o, ",\"netbios\":{\"type\":\"request\"");
    put_int(o, "id", 2, m->id);
    mm_eve_out_member(o, ',', "opcode", 6, op, strlen(op));
    mm_eve_out_member(o, ',', "name", 4, m->name, strlen(m->name));
    put_int(o, "suffix", 6, m->suffix);
    if (m->response)
        put_int(o, "rcode", 5, m->rcode);
    if (m->has_group) {
        if (m->naddrs)
            put_addresses(o, m);
        if (m->group)
            LIT(o, ",\"group\":true");
        else
            LIT(o, ",\"group\":false");
    }
    if (m->hostname)
        mm_eve_out_member(o, ',', "hostname", 8, m->name, strlen(m->name));
    LIT(o, "}}");
    return mm_eve_out_line_end(o);
}
