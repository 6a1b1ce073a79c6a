/* SPDX-License-Identifier: Apache-2.0
 * The facts of the DHCP event being handled on the sensor's direct path
 * (dhcp-facts.h): one set per thread, filled by eve-dhcp.c, published for
 * the stand-in's "dhcp" member while the readers run, withdrawn after. */
#include "sensor/decode/dhcp-facts.h"

#include <string.h>

static _Thread_local struct mm__dhcp_facts facts;

const struct mm__dhcp_facts *mm__dhcp_facts_of(const json_t *dhcp)
{
    return dhcp && dhcp == facts.dhcp ? &facts : NULL; /* NULL: none published */
}

struct mm__dhcp_facts *mm__dhcp_facts_begin(void)
{
    memset(&facts, 0, sizeof facts);
    return &facts;
}

void mm__dhcp_facts_publish(const json_t *dhcp)
{
    facts.dhcp = dhcp;
}

void mm__dhcp_facts_end(void)
{
    facts.dhcp = NULL;
}
