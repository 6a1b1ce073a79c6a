/* SPDX-License-Identifier: Apache-2.0
 * HTTP events without a jansson object (eve-http.c): the typed event made
 * from what the decoder knows (decode/http-event.h) and the packet, its
 * facts for the detectors and the inventory (who are handed the type's
 * stand-in, eve-app.h, in its place), and its EVE line written straight
 * into the writer's batch, byte for byte the line of the JSON path.
 * sensor.c decides when an event may take this path and handles it. */
#ifndef MM_SENSOR_EVE_HTTP_H
#define MM_SENSOR_EVE_HTTP_H

#include <jansson.h>
#include <stdbool.h>

#include "core/eve.h"
#include "sensor/decode/decode.h"
#include "sensor/decode/http-event.h"
#include "sensor/decode/http-facts.h"
#include "sensor/eve-app.h"
#include "sensor/output/output.h"

/* A text of the event: s[0..n) (NUL-terminated for the facts' texts). */
struct mm__http_text {
    const char *s;
    size_t n;
};

/* One HTTP event: the header mm_app_event gives it and its texts. Valid
 * while the decoder's message (m) and packet are. */
struct mm__http_event {
    struct mm_eve_header h;
    const struct mm__http_message *m;
    const struct mm_packet *pkt;
    struct mm__http_text url, user_agent, referer, method, protocol, content_type;
};

/* Fills e for message m of ctx: the header as mm_app_event makes it and
 * the texts as mm__app_json_text makes them (those of the facts
 * NUL-terminated, in per-thread buffers valid until the next call). */
void mm__http_event_fill(struct mm__http_event *e, const struct mm_app_ctx *ctx,
                         const struct mm__http_message *m);
/* What the facts say of e's event (f as mm__http_facts_begin gives it). */
void mm__http_event_facts(const struct mm__http_event *e, struct mm__http_facts *f);
/* Writes e's EVE line into o; 0 or the writer's error (nothing written). */
int mm__http_line_write(struct mm_eve_out *o, const struct mm__http_event *e);

#endif
