/* SPDX-License-Identifier: Apache-2.0
 * The typed TLS event's line (eve-tls.c): a handshake part as decode-tls.c
 * records it (struct mm__tls_part, tls-hello.h) written straight into the
 * writer's batch, byte for byte the line of the JSON path, which makes the
 * "tls" object from the same record (tests/unit/sensor/test-eve-tls.c). */
#ifndef MM_SENSOR_EVE_TLS_H
#define MM_SENSOR_EVE_TLS_H

#include "core/eve.h"
#include "sensor/decode/tls-hello.h"
#include "sensor/output/output.h"

/* The whole line of the event with header h and part p; 0 or the writer's
 * error (nothing written). */
int mm__tls_line_write(struct mm_eve_out *o, const struct mm_eve_header *h,
                       const struct mm__tls_part *p);

#endif
