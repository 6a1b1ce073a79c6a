/* SPDX-License-Identifier: Apache-2.0
 * The typed DNS event (eve-dns.c): what decode-dns.c's parser would put in
 * the event's "dns" object, kept as C values (numbers, and texts in one
 * per-thread arena) instead of a jansson object, for the sensor's direct
 * path: the facts for the detectors (dns-facts.h) come from it, and the
 * EVE line is written from it straight into the writer's batch, byte for
 * byte the line of the JSON path (tests/unit/sensor/test-eve-dns.c). The
 * same event holds an mDNS message (decode-mdns.c's "mdns" object: the DNS
 * fields with the additionals, "hostnames", no "version" nor "grouped"),
 * whose facts are the inventory's (mdns-facts.h; test-eve-mdns.c). */
#ifndef MM_SENSOR_EVE_DNS_H
#define MM_SENSOR_EVE_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "core/eve.h"
#include "sensor/decode/decode.h"
#include "sensor/decode/dns-facts.h"
#include "sensor/decode/dns-parse.h"
#include "sensor/decode/mdns-facts.h"
#include "sensor/output/output.h"

/* A text of the arena: offset and length. */
struct mm__dns_text {
    uint32_t at, n;
};

/* What a record's rdata became in the event. */
enum { MM__DNS_RDATA_NONE, MM__DNS_RDATA_TEXT, MM__DNS_RDATA_SRV, MM__DNS_RDATA_SOA };

struct mm__dns_query {
    struct mm__dns_text name;
    uint16_t type;
};

struct mm__dns_rr {
    struct mm__dns_text name;
    uint32_t ttl;
    uint16_t type;
    uint8_t form;              /* MM__DNS_RDATA_* */
    struct mm__dns_text rdata; /* TEXT, SRV: "rdata"; SOA: mname */
    struct mm__dns_text rname; /* SOA */
    uint32_t num[5];           /* SRV: priority, weight, port; SOA: serial ... minimum */
    uint8_t addr[16];          /* an A/AAAA answer's rdata, for the facts */
};

struct mm__dns_event {
    struct mm_eve_header h;
    uint16_t id, flags;
    unsigned nq, nan, nns, nar; /* nar: mDNS only */
    struct mm__dns_query q[MM_DNS_MAX_QUERIES];
    struct mm__dns_rr an[MM_DNS_MAX_RECORDS], ns[MM_DNS_MAX_RECORDS], ar[MM_DNS_MAX_RECORDS];
};

/* The thread's event to fill (one DNS event is handled at a time). */
struct mm__dns_event *mm__dns_event_get(void);
/* Parses the message msg[0..len) (len >= 12) into e with ctx's header,
 * as mm__dns_parse_message would without additionals; returns its result
 * (0, MM_ETRUNC, MM_EPARSE: e holds what was parsed) or MM_ENOMEM (then
 * e is not an event). */
int mm__dns_event_fill(struct mm__dns_event *e, const struct mm_app_ctx *ctx, const uint8_t *msg,
                       size_t len);
/* The facts the JSON path notes for the same message (text pointers into
 * the arena: valid until the next fill on this thread). */
void mm__dns_event_facts(const struct mm__dns_event *e, struct mm__dns_facts *f);
/* The event's whole line; 0 or the writer's error (nothing written). */
int mm__dns_line_write(struct mm_eve_out *o, const struct mm__dns_event *e);
/* The same for an mDNS message: with the additionals, as
 * mm__dns_parse_message with them (event type "mdns"). */
int mm__mdns_event_fill(struct mm__dns_event *e, const struct mm_app_ctx *ctx, const uint8_t *msg,
                        size_t len);
/* The inventory's facts of an mDNS event (texts into the arena). */
void mm__mdns_event_facts(const struct mm__dns_event *e, struct mm__mdns_facts *f);
/* The mDNS event's whole line; 0 or the writer's error (nothing written). */
int mm__mdns_line_write(struct mm_eve_out *o, const struct mm__dns_event *e);
/* Frees the thread's arena (a later fill makes a new one). */
void mm__dns_event_release(void);

#endif
