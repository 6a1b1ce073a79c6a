/* SPDX-License-Identifier: Apache-2.0
 * What the HTTP decoder knew about the message whose "http" event the
 * sensor is handling, for the readers of HTTP events (the web-attack
 * detector, the device inventory's user agents): whether it is a response,
 * the request's texts (url, hostname, http_method, http_user_agent: the
 * event's own strings) and the event's source address as bytes. With these
 * a reader need not look each member up in the event's JSON by name nor
 * parse src_ip's text back into an address.
 *
 * The facts are valid only while the decoder hands that one event to the
 * sensor (mm__app_emit_tx: the detectors and the inventory run inside it),
 * and only for the event whose "http" member is the object they describe:
 * for any other event (a test's, one queued behind another, a copy)
 * mm__http_facts_of returns NULL and the reader reads the JSON as before.
 * One set per thread (as dns-facts.h). */
#ifndef MM_SENSOR_DECODE_HTTP_FACTS_H
#define MM_SENSOR_DECODE_HTTP_FACTS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/net.h"
#include "sensor/packet.h"

struct mm__http_facts {
    const json_t *http; /* the event's "http" object these facts describe */
    bool response;      /* it has "status" (a response); the texts below are NULL */
    /* A request's members (json_string_value of each; NULL: absent). */
    const char *url, *hostname, *method, *user_agent;
    bool has_src;       /* the event has src_ip, and src is it */
    struct mm_addr src; /* src_ip as mm_addr_parse reads its text */
};

/* The facts of the message whose "http" object is http, or NULL. */
const struct mm__http_facts *mm__http_facts_of(const json_t *http);

/* For decode-http.c: the thread's facts to fill (cleared, not yet
 * published), then published for http until mm__http_facts_end. */
struct mm__http_facts *mm__http_facts_begin(void);
void mm__http_facts_publish(const json_t *http);
void mm__http_facts_end(void);
/* Notes in f the source address the event's src_ip will name (as
 * mm_app_event writes it: packet p's, when it has an IP header). */
void mm__http_facts_note_source(struct mm__http_facts *f, const struct mm_packet *p);

#endif
