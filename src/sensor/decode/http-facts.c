/* SPDX-License-Identifier: Apache-2.0
 * The HTTP decoder's facts about the message being emitted (http-facts.h):
 * one set per thread, filled by decode-http.c while it builds the event,
 * published for the event's "http" object while the sensor handles it, and
 * withdrawn when mm__app_emit_tx returns. */
#include "sensor/decode/http-facts.h"

#include <string.h>

static _Thread_local struct mm__http_facts facts;

const struct mm__http_facts *mm__http_facts_of(const json_t *http)
{
    return http && http == facts.http ? &facts : NULL; /* NULL: none published */
}

struct mm__http_facts *mm__http_facts_begin(void)
{
    memset(&facts, 0, sizeof facts);
    return &facts;
}

void mm__http_facts_publish(const json_t *http)
{
    facts.http = http;
}

void mm__http_facts_end(void)
{
    facts.http = NULL;
}
