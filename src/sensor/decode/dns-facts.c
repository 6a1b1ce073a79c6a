/* SPDX-License-Identifier: Apache-2.0
 * The DNS decoder's facts about the message being emitted (dns-facts.h):
 * one set per thread, filled by decode-dns.c while it builds the event,
 * published for the event's "dns" object while the sensor handles it, and
 * withdrawn when mm__app_emit returns. */
#include "sensor/decode/dns-facts.h"

static _Thread_local struct mm__dns_facts facts;

const struct mm__dns_facts *mm__dns_facts_of(const json_t *dns)
{
    return dns && dns == facts.dns ? &facts : NULL; /* NULL: none published */
}

struct mm__dns_facts *mm__dns_facts_begin(void)
{
    facts.dns = NULL;
    facts.response = false;
    facts.rcode = 0;
    facts.nqueries = 0;
    facts.naddrs = 0;
    return &facts;
}

void mm__dns_facts_publish(const json_t *dns)
{
    facts.dns = dns;
}

void mm__dns_facts_end(void)
{
    facts.dns = NULL;
}
