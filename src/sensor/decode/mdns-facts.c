/* SPDX-License-Identifier: Apache-2.0
 * The facts of the mDNS event being handled on the sensor's direct path
 * (mdns-facts.h): one set per thread, filled by eve-dns.c, published for
 * the stand-in's "mdns" member while the readers run, withdrawn after. */
#include "sensor/decode/mdns-facts.h"

static _Thread_local struct mm__mdns_facts facts;

const struct mm__mdns_facts *mm__mdns_facts_of(const json_t *mdns)
{
    return mdns && mdns == facts.mdns ? &facts : NULL; /* NULL: none published */
}

struct mm__mdns_facts *mm__mdns_facts_begin(void)
{
    facts.mdns = NULL;
    facts.naddrs = 0; /* the entries are written before they are counted */
    return &facts;
}

void mm__mdns_facts_publish(const json_t *mdns)
{
    facts.mdns = mdns;
}

void mm__mdns_facts_end(void)
{
    facts.mdns = NULL;
}
