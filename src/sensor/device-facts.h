/* SPDX-License-Identifier: Apache-2.0
 * What the device inventory knew about the device whose "device" event the
 * sensor is handling, for the detectors that read device events
 * (new-device, legacy-os, personal-device): the members of the device's
 * record they decide on, without looking each up in the record's JSON by
 * name. The inventory keeps the "os" member's values beside the record
 * (it is replaced whole, and only by the inventory's OS guess) and fills the
 * rest when it announces the device.
 *
 * The facts are valid only while the sensor hands that one event to its
 * readers, and only for the event whose "device" member is the record they
 * describe: for any other event (one queued behind another, a test's, a
 * copy) mm__device_facts_of returns NULL, and mm__device_facts_get reads
 * the same facts from the record's JSON. One set per thread (as
 * decode/http-facts.h). */
#ifndef MM_SENSOR_DEVICE_FACTS_H
#define MM_SENSOR_DEVICE_FACTS_H

#include <jansson.h>
#include <stdbool.h>

/* What a device record's "os" member is and says; the inventory keeps one
 * beside each record (device.c) and hands it on in the facts whole. */
struct mm__device_os {
    const json_t *obj; /* the "os" member (NULL: absent; JSON null: no guess) */
    /* obj's members: json_is_true of "legacy", "eol", "mobile"; the texts of
     * "id", "family", "name", "name_ja" (NULL: absent or not a string) */
    bool legacy, eol, mobile;
    const char *id, *family, *name, *name_ja;
};

struct mm__device_facts {
    const json_t *device; /* the record (the event's "device" object) these describe */
    bool is_new;          /* "action" is "new" */
    bool allowlisted;     /* "allowlisted" is true */
    struct mm__device_os os;
    const json_t *hostnames; /* the "hostnames" member (NULL: absent) */
    const char *vendor;      /* the "vendor" text (NULL: absent or not a string) */
};

/* The facts published for the record device, or NULL. */
const struct mm__device_facts *mm__device_facts_of(const json_t *device);

/* Reads the facts of the record device from its JSON into out. */
void mm__device_facts_read(const json_t *device, struct mm__device_facts *out);

/* The facts of the record device: the published ones when there are,
 * else read from its JSON into *spare. */
static inline const struct mm__device_facts *mm__device_facts_get(const json_t *device,
                                                                  struct mm__device_facts *spare)
{
    const struct mm__device_facts *f = mm__device_facts_of(device);
    if (f)
        return f;
    mm__device_facts_read(device, spare);
    return spare;
}

/* For device.c: publishes f (copied; f->device names the record) until
 * mm__device_facts_end, which puts back what was published before (an
 * event announced while another is handled), unless that was for the same
 * record (then none). *outer receives that. */
void mm__device_facts_publish(const struct mm__device_facts *f, struct mm__device_facts *outer);
void mm__device_facts_end(const struct mm__device_facts *outer);

/* True when f says what the JSON of f->device says (the inventory checks
 * its facts with this in builds without NDEBUG). */
bool mm__device_facts_agree(const struct mm__device_facts *f);

#endif
