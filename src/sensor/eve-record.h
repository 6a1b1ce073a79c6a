/* SPDX-License-Identifier: Apache-2.0
 * Alerts and the inventory's device events without their jansson event
 * object (eve-record.c): their EVE lines written straight into the
 * writer's batch from the header struct and the alert's texts (or the
 * device's record), byte for byte the lines of the JSON path, and the
 * small stand-in object the device detectors are handed in place of a
 * device event. sensor.c decides when an alert or a device event may take
 * this path and handles it (a spooled one reaches the spool as its line
 * with ,"seq":N put last, through the EVE writer's tap: output.h). */
#ifndef MM_SENSOR_EVE_RECORD_H
#define MM_SENSOR_EVE_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/eve.h"
#include "sensor/output/output.h"

/* The sensor's state for alerts and device events taken this way. */
struct mm__records {
    bool alerts, devices;                   /* may take this path (decided at start) */
    bool alerts_spooled, devices_spooled;   /* the spool keeps them too (sensor.c) */
    bool alert_eve, device_eve;             /* the EVE output writes them ([output] event_types) */
    json_t *device_standin;                 /* {"event_type":"device","src_ip"?,"device"} */
    uint64_t alerts_direct, devices_direct; /* handled this way */
};

/* The line of an alert with header h, as mm_eve_out_write writes
 * mm__eve_new(h) after mm_eve_set_alert(a); a's signature, category,
 * messages and detector must be valid UTF-8 (the caller checks). 0 or the
 * writer's error (nothing written). */
int mm__alert_line_write(struct mm_eve_out *o, const struct mm_eve_header *h,
                         const struct mm_eve_alert *a);

/* The line of a device event with header h and the device's record rec
 * (its "action" already set), as mm_eve_out_write writes mm__eve_new(h)
 * with "device" set to rec. */
int mm__device_line_write(struct mm_eve_out *o, const struct mm_eve_header *h, const json_t *rec);

/* The stand-in for a device event with header h and record rec (a
 * reference taken while handled); NULL when memory runs out.
 * mm__device_standin_done after handling: the record is let go, and a
 * stand-in a reader kept a reference to is not reused. */
json_t *mm__device_standin(struct mm__records *r, const struct mm_eve_header *h, json_t *rec);
void mm__device_standin_done(struct mm__records *r);

#endif
