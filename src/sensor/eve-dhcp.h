/* SPDX-License-Identifier: Apache-2.0
 * DHCP events without a jansson object (eve-dhcp.c): the typed event made
 * from the decoder's message (decode/dhcp-event.h) and the packet, its
 * facts for the device inventory (decode/dhcp-facts.h; the readers are
 * handed the type's stand-in, eve-app.h), and its EVE line written
 * straight into the writer's batch, byte for byte the line of the JSON
 * path (tests/unit/sensor/test-eve-dhcp.c). sensor.c decides when an event
 * may take this path and handles it. */
#ifndef MM_SENSOR_EVE_DHCP_H
#define MM_SENSOR_EVE_DHCP_H

#include <stddef.h>

#include "core/eve.h"
#include "sensor/decode/decode.h"
#include "sensor/decode/dhcp-event.h"
#include "sensor/decode/dhcp-facts.h"
#include "sensor/output/output.h"

/* A text of the event: s[0..n), NUL-terminated; s NULL: absent. */
struct mm__dhcp_text {
    const char *s;
    size_t n;
};

/* One DHCP event: the header mm_app_event gives it, the message and the
 * texts of its members made from packet bytes (client_mac, hostname,
 * vendor_class_identifier, fqdn), as the JSON path makes them. Valid while
 * the message is, and until the next fill on this thread. */
struct mm__dhcp_event {
    struct mm_eve_header h;
    const struct mm__dhcp_message *m;
    struct mm__dhcp_text client_mac, hostname, vendor, fqdn;
};

void mm__dhcp_event_fill(struct mm__dhcp_event *e, const struct mm_app_ctx *ctx,
                         const struct mm__dhcp_message *m);
/* What the facts say of e's event (f as mm__dhcp_facts_begin gives it;
 * its texts valid until the next fill). */
void mm__dhcp_event_facts(const struct mm__dhcp_event *e, struct mm__dhcp_facts *f);
/* Writes e's EVE line into o; 0 or the writer's error (nothing written). */
int mm__dhcp_line_write(struct mm_eve_out *o, const struct mm__dhcp_event *e);

#endif
