/* SPDX-License-Identifier: Apache-2.0
 * The typed HTTP event: what decode-http.c knows of one request or
 * response, as slices of the wire bytes, before any JSON exists. The
 * decoder hands it to the sensor's direct path (mm__http_direct, set by
 * sensor.c): when no consumer of the event needs it as a jansson object,
 * the detectors and the inventory read its facts (http-facts.h) and the
 * EVE line is written from it (eve-http.c), byte for byte the line the
 * JSON path writes. Otherwise (no sensor, the path declines) the decoder
 * builds the "http" object from it (mm__http_object) as before.
 *
 * Each text becomes the event's string as mm__app_json_text makes it from
 * its slice (mm__app_text_view: at most 4096 bytes, odd bytes escaped);
 * the host name is already that text (lowered, port cut off). */
#ifndef MM_SENSOR_DECODE_HTTP_EVENT_H
#define MM_SENSOR_DECODE_HTTP_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/decode.h"

/* Wire bytes of one field; p NULL: the field is absent. */
struct mm__http_slice {
    const uint8_t *p;
    size_t n;
};

struct mm__http_message {
    bool response;
    int64_t tx_id;
    /* a request's members, in the event's order */
    const char *hostname; /* text (no NUL needed), NULL: no Host header */
    size_t hostname_len;
    struct mm__http_slice url, user_agent, referer, method, protocol;
    /* a response's (protocol above too) */
    int status;
    struct mm__http_slice content_type;
    uint64_t length;
};

/* The "http" object of m, members in the order the event has always had
 * them; NULL when memory runs out. A member that cannot be made is left
 * out, as before. */
json_t *mm__http_object(const struct mm__http_message *m);

/* The sensor's direct path (NULL: none): true when it handled m's event
 * without a jansson object, false to have the decoder emit the JSON event. */
extern bool (*mm__http_direct)(struct mm_app_ctx *ctx, const struct mm__http_message *m);

#endif
