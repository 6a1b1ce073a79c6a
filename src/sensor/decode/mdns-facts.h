/* SPDX-License-Identifier: Apache-2.0
 * What the device inventory reads of an "mdns" event, for an event that
 * takes the sensor's direct path (eve-dns.c's mDNS event) and so has no
 * "mdns" object with records: its A and AAAA records with rdata, from the
 * answers, the authorities and the additionals in that order, each as the
 * address its rdata text names and its owner name (the record's "rrname").
 *
 * The facts are valid only while the sensor hands that one event to its
 * readers, and only for the event whose "mdns" member is the object they
 * name: for any other event mm__mdns_facts_of returns NULL and the reader
 * reads the JSON as before. One set per thread (as dhcp-facts.h). */
#ifndef MM_SENSOR_DECODE_MDNS_FACTS_H
#define MM_SENSOR_DECODE_MDNS_FACTS_H

#include <jansson.h>

#include "sensor/decode/dns-facts.h"

struct mm__mdns_facts {
    const json_t *mdns; /* the event's "mdns" object these facts describe */
    unsigned naddrs;
    struct mm__dns_answer addrs[3 * MM_DNS_MAX_RECORDS];
};

/* The facts of the event whose "mdns" object is mdns, or NULL. */
const struct mm__mdns_facts *mm__mdns_facts_of(const json_t *mdns);

/* For the sensor's direct path: the thread's facts to fill (none yet,
 * not published), then published for mdns until mm__mdns_facts_end. */
struct mm__mdns_facts *mm__mdns_facts_begin(void);
void mm__mdns_facts_publish(const json_t *mdns);
void mm__mdns_facts_end(void);

#endif
