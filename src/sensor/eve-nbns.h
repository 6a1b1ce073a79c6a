/* SPDX-License-Identifier: Apache-2.0
 * NetBIOS name service events without a jansson object (eve-nbns.c): the
 * typed event (decode/nbns-event.h) with its header, its facts for the
 * device inventory (decode/nbns-facts.h) and its EVE line written straight
 * into the writer's batch, byte for byte the line of the JSON path
 * (tests/unit/sensor/test-eve-nbns.c). sensor.c decides when an event may
 * take this path and handles it. */
#ifndef MM_SENSOR_EVE_NBNS_H
#define MM_SENSOR_EVE_NBNS_H

#include "core/eve.h"
#include "sensor/decode/decode.h"
#include "sensor/decode/nbns-event.h"
#include "sensor/decode/nbns-facts.h"
#include "sensor/output/output.h"

struct mm__nbns_event {
    struct mm_eve_header h;
    const struct mm__nbns_message *m;
};

void mm__nbns_event_fill(struct mm__nbns_event *e, const struct mm_app_ctx *ctx,
                         const struct mm__nbns_message *m);
void mm__nbns_event_facts(const struct mm__nbns_event *e, struct mm__nbns_facts *f);
/* Writes e's EVE line into o; 0 or the writer's error (nothing written). */
int mm__nbns_line_write(struct mm_eve_out *o, const struct mm__nbns_event *e);

#endif
