/* SPDX-License-Identifier: Apache-2.0
 * The TLS decoder's facts about the handshake part being emitted
 * (tls-facts.h): one set per thread, filled by decode-tls.c while it builds
 * the event, published for the event's "tls" object while the sensor
 * handles it, and withdrawn when mm__app_emit returns. */
#include "sensor/decode/tls-facts.h"

#include <string.h>

static _Thread_local struct mm__tls_facts facts;

const struct mm__tls_facts *mm__tls_facts_of(const json_t *tls)
{
    return tls && tls == facts.tls ? &facts : NULL; /* NULL: none published */
}

struct mm__tls_facts *mm__tls_facts_begin(void)
{
    memset(&facts, 0, sizeof facts);
    return &facts;
}

void mm__tls_facts_publish(const json_t *tls)
{
    facts.tls = tls;
}

void mm__tls_facts_end(void)
{
    facts.tls = NULL;
}
