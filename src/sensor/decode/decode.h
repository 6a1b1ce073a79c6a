/* SPDX-License-Identifier: Apache-2.0
 * Decoder interfaces. Two families, each a table in decoders.def:
 *
 *  - packet decoders (link, network, transport): parse one header at
 *    data[0..len), fill struct mm_packet, and hand the rest to the next
 *    layer through mm_decode_ethertype() / mm_decode_ip_proto();
 *  - application decoders (DNS, TLS, HTTP, DHCP, ...): chosen per flow by
 *    probe(), then parse() gets each UDP datagram, or each in-order chunk of
 *    a TCP stream (reassembled by the flow table, per direction, bounded), and
 *    emits EVE events through the mm_app_ctx.
 *
 * Rules for every decoder (see decode-template.c): check lengths before every
 * read, cap nesting and counts, never trust a length field, raise an anomaly
 * (return MM_EPARSE / MM_ETRUNC) on malformed input instead of guessing. */
#ifndef MM_SENSOR_DECODE_H
#define MM_SENSOR_DECODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/packet.h"

struct mm_eve_header;

struct mm_sensor;

/* ---- packet decoders ---------------------------------------------------- */

/* Decodes one header; returns 0 (including "not interesting, stop here"), or
 * MM_ETRUNC / MM_EPARSE after setting p->anomaly. */
typedef int (*mm_packet_decoder_fn)(struct mm_packet *p, const uint8_t *data, uint32_t len);

/* Entry point by pcap link type (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
 * DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL). MM_EUNSUPPORTED for others. */
int mm_decode_packet(struct mm_packet *p);
/* Whether mm_decode_packet decodes packets of this link type (a capture of
 * another is refused when it is opened). */
bool mm_decode_link_supported(int linktype);
/* Dispatch helpers used by the packet decoders. */
int mm_decode_ethertype(struct mm_packet *p, uint16_t type, const uint8_t *data, uint32_t len);
int mm_decode_ip_proto(struct mm_packet *p, uint8_t proto, const uint8_t *data, uint32_t len);

/* ---- application decoders ----------------------------------------------- */

/* What an application decoder sees: the sensor, the packet that delivered the
 * data (for time stamps and addresses), its flow, and a per-flow state slot. */
struct mm_app_ctx {
    struct mm_sensor *sensor; /* NULL in fuzz harnesses and unit tests */
    const struct mm_packet *pkt;
    struct mm_flow *flow; /* NULL for flowless decoding (unit tests) */
    void **state;         /* per-flow decoder state, owned by the decoder */
    int dir;              /* 0 initiator->responder, 1 reverse */
    /* Receives each event the decoder produces (reference stolen). The
     * pipeline sets it to the sensor's emitter; tests set their own. */
    void (*emit)(struct mm_app_ctx *ctx, json_t *ev);
    void *emit_arg;
};

struct mm_app_decoder {
    const char *name;  /* "dns": also the EVE event_type and app_proto it writes */
    uint8_t transport; /* IPPROTO_UDP or IPPROTO_TCP; a decoder serving both is
                          listed twice in decoders.def */
    /* Cheap check on the first payload of a flow in either direction: ports
     * and/or a few magic bytes. True claims the flow. */
    bool (*probe)(const struct mm_packet *p, const uint8_t *data, size_t len);
    /* Parses data; may be called many times per flow. For TCP, data is the
     * contiguous in-order bytes available so far in direction dir; the return
     * value > 0 says how many bytes were consumed (the rest is presented again
     * with more data appended), 0 means "need more", negative is an error. For
     * UDP the return value is 0 or negative. */
    long (*parse)(struct mm_app_ctx *ctx, const uint8_t *data, size_t len);
    /* Frees *ctx->state at flow end (may be NULL when the decoder keeps none). */
    void (*state_free)(void *state);
};

/* The EVE header of an event of ctx->pkt with this event_type (flow id,
 * addresses, ports, proto, VLANs, community id from the packet and flow;
 * from the flow alone when there is no packet), as a C struct: the one
 * place it is decided, for mm_app_event and the direct events (eve-app.h). */
void mm_app_header(const struct mm_app_ctx *ctx, const char *event_type, struct mm_eve_header *h);
/* Builds the EVE event of that header. Caller adds its own object
 * ("dns": {...}) and hands it to ctx->emit. */
json_t *mm_app_event(struct mm_app_ctx *ctx, const char *event_type);

/* The registry (decoders.def), for the pipeline and the fuzz harnesses. */
extern const struct mm_app_decoder *const mm_app_decoders[];
extern const size_t mm_app_decoder_count;
const struct mm_app_decoder *mm_app_decoder_find(const char *name, uint8_t transport);

#endif
