/* SPDX-License-Identifier: Apache-2.0
 * The DNS decoder's facts about the message being emitted (dns-facts.h):
 * one set per thread, filled by decode-dns.c while it builds the event,
 * published for the event's "dns" object while the sensor handles it, and
 * withdrawn when mm__app_emit returns. */
#include "sensor/decode/dns-facts.h"

static _Thread_local struct mm__dns_facts facts;
static _Thread_local const json_t *published;

const struct mm__dns_facts *mm__dns_facts_of(const json_t *dns)
{
    return dns && dns == published ? &facts : NULL;
}

struct mm__dns_facts *mm__dns_facts_begin(void)
{
    published = NULL;
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
    published = dns;
}

void mm__dns_facts_end(void)
{
    published = NULL;
    facts.dns = NULL;
}
