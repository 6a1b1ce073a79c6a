/* SPDX-License-Identifier: Apache-2.0
 * The facts of the NetBIOS event being handled on the sensor's direct path
 * (nbns-facts.h): one set per thread, filled by eve-nbns.c, published for
 * the stand-in's "netbios" member while the readers run, withdrawn after. */
#include "sensor/decode/nbns-facts.h"

#include <string.h>

static _Thread_local struct mm__nbns_facts facts;

const struct mm__nbns_facts *mm__nbns_facts_of(const json_t *netbios)
{
    return netbios && netbios == facts.netbios ? &facts : NULL; /* NULL: none published */
}

struct mm__nbns_facts *mm__nbns_facts_begin(void)
{
    memset(&facts, 0, sizeof facts);
    return &facts;
}

void mm__nbns_facts_publish(const json_t *netbios)
{
    facts.netbios = netbios;
}

void mm__nbns_facts_end(void)
{
    facts.netbios = NULL;
}
