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

void mm__http_facts_note_source(struct mm__http_facts *f, const struct mm_packet *p)
{
    if (!p || !p->ip_version || (p->src.family != 4 && p->src.family != 6))
        return;
    f->has_src = true;
    f->src = p->src;
    if (f->src.family == 4) /* as mm_addr_parse reads the text back */
        memset(f->src.bytes + 4, 0, sizeof f->src.bytes - 4);
}
