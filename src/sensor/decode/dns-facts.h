/* SPDX-License-Identifier: Apache-2.0
 * What the DNS decoder knew about the message whose "dns" event the sensor
 * is handling, for the detectors that read DNS events (intel,
 * suspicious-dns): the response flag and rcode, the question names with
 * their lengths, and the A/AAAA answers as address bytes. With these a
 * detector need not look each of them up in the event's JSON by name nor
 * parse address text back into bytes.
 *
 * The facts are valid only while the decoder hands that one event to the
 * sensor (mm__app_emit: the detectors run inside it), and only for the
 * event whose "dns" member is the object they describe: for any other
 * event (a test's, one queued behind another, a copy) mm__dns_facts_of
 * returns NULL and the detector reads the JSON as before. The text
 * pointers are the event's own strings. One set per thread. */
#ifndef MM_SENSOR_DECODE_DNS_FACTS_H
#define MM_SENSOR_DECODE_DNS_FACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/net.h"
#include "sensor/decode/dns-parse.h"

/* An A or AAAA record of the answers, in the order of dns.answers[]. */
struct mm__dns_answer {
    struct mm_addr addr; /* its rdata, as mm_addr_parse reads the rdata text */
    const char *rrname;  /* its owner name (dns.answers[i].rrname) */
};

struct mm__dns_facts {
    const json_t *dns;                     /* the event's "dns" object these facts describe */
    bool response;                         /* dns.type is "response" (else "request") */
    uint8_t rcode;                         /* the header's 4-bit rcode (dns.rcode of a response) */
    unsigned nqueries;                     /* the entries of dns.queries[] */
    const char *qname[MM_DNS_MAX_QUERIES]; /* dns.queries[i].rrname */
    size_t qlen[MM_DNS_MAX_QUERIES];       /* strlen(qname[i]) */
    unsigned naddrs;                       /* A/AAAA answers with rdata */
    struct mm__dns_answer addrs[MM_DNS_MAX_RECORDS];
};

/* The facts of the message whose "dns" object is dns, or NULL. */
const struct mm__dns_facts *mm__dns_facts_of(const json_t *dns);

/* For decode-dns.c: the thread's facts to fill (cleared, not yet
 * published), then published for dns until mm__dns_facts_end. */
struct mm__dns_facts *mm__dns_facts_begin(void);
void mm__dns_facts_publish(const json_t *dns);
void mm__dns_facts_end(void);

#endif
