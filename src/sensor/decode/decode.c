/* SPDX-License-Identifier: Apache-2.0
 * The decoder registry and dispatch: link type, EtherType and IP protocol
 * switches generated from decoders.def, the application decoder table, and
 * mm_app_event() which gives every application event the same header
 * (time stamp, flow id, addresses, ports, proto, community id, pcap_cnt). */
#include <string.h>

#include "core/error.h"
#include "core/eve.h"
#include "sensor/decode/decode.h"
#include "sensor/flow.h"
#include "sensor/sensor-int.h"

/* Declarations of every decoder named in the table. */
#define MM_LINK_DECODER(dlt, fn)       int fn(struct mm_packet *, const uint8_t *, uint32_t);
#define MM_ETHERTYPE_DECODER(type, fn) int fn(struct mm_packet *, const uint8_t *, uint32_t);
#define MM_IPPROTO_DECODER(proto, fn)  int fn(struct mm_packet *, const uint8_t *, uint32_t);
#define MM_APP_DECODER(symbol)         extern const struct mm_app_decoder symbol;
#include "sensor/decode/decoders.def"

int mm_decode_packet(struct mm_packet *p)
{
    switch (p->linktype) {
#define MM_LINK_DECODER(dlt, fn)                                                                   \
    case dlt:                                                                                      \
        return fn(p, p->data, p->caplen);
#include "sensor/decode/decoders.def"
    default:
        return MM_EUNSUPPORTED;
    }
}

bool mm_decode_link_supported(int linktype)
{
    switch (linktype) {
#define MM_LINK_DECODER(dlt, fn)                                                                   \
    case dlt:                                                                                      \
        return true;
#include "sensor/decode/decoders.def"
    default:
        return false;
    }
}

int mm_decode_ethertype(struct mm_packet *p, uint16_t type, const uint8_t *data, uint32_t len)
{
    p->ethertype = type;
    switch (type) {
#define MM_ETHERTYPE_DECODER(t, fn)                                                                \
    case t:                                                                                        \
        return fn(p, data, len);
#include "sensor/decode/decoders.def"
    default:
        return 0;
    }
}

int mm_decode_ip_proto(struct mm_packet *p, uint8_t proto, const uint8_t *data, uint32_t len)
{
    switch (proto) {
#define MM_IPPROTO_DECODER(pr, fn)                                                                 \
    case pr:                                                                                       \
        return fn(p, data, len);
#include "sensor/decode/decoders.def"
    default:
        return 0;
    }
}

const struct mm_app_decoder *const mm_app_decoders[] = {
#define MM_APP_DECODER(symbol) &symbol,
#include "sensor/decode/decoders.def"
    NULL};
const size_t mm_app_decoder_count = sizeof(mm_app_decoders) / sizeof(mm_app_decoders[0]) - 1;

const struct mm_app_decoder *mm_app_decoder_find(const char *name, uint8_t transport)
{
    for (size_t i = 0; i < mm_app_decoder_count; i++) {
        const struct mm_app_decoder *d = mm_app_decoders[i];
        if (d->transport == transport && strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

void mm_app_header(const struct mm_app_ctx *ctx, const char *event_type, struct mm_eve_header *h)
{
    const struct mm_packet *p = ctx->pkt;
    struct mm_flow *f = ctx->flow;
    memset(h, 0, sizeof *h);
    h->event_type = event_type;
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
        h->community_id = mm_flow_community_id(f)[0] ? f->community_id : NULL;
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

json_t *mm_app_event(struct mm_app_ctx *ctx, const char *event_type)
{
    struct mm_eve_header h;
    mm_app_header(ctx, event_type, &h);
    return mm__eve_new(&h);
}
