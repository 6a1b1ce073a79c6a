/* SPDX-License-Identifier: Apache-2.0
 * The device inventory's facts about the device being announced
 * (device-facts.h): one set per thread, published by device.c while the
 * sensor hands the device's event to its readers. */
#include "sensor/device-facts.h"

#include <string.h>

static _Thread_local struct mm__device_facts facts;

const struct mm__device_facts *mm__device_facts_of(const json_t *device)
{
    return device && device == facts.device ? &facts : NULL; /* NULL: none published */
}

void mm__device_facts_read(const json_t *device, struct mm__device_facts *out)
{
    const json_t *os = json_object_get(device, "os");
    const char *action = json_string_value(json_object_get(device, "action"));
    *out = (struct mm__device_facts){
        .device = device,
        .is_new = action && strcmp(action, "new") == 0,
        .allowlisted = json_is_true(json_object_get(device, "allowlisted")),
        .os = {.obj = os,
               .legacy = json_is_true(json_object_get(os, "legacy")),
               .eol = json_is_true(json_object_get(os, "eol")),
               .mobile = json_is_true(json_object_get(os, "mobile")),
               .id = json_string_value(json_object_get(os, "id")),
               .family = json_string_value(json_object_get(os, "family")),
               .name = json_string_value(json_object_get(os, "name")),
               .name_ja = json_string_value(json_object_get(os, "name_ja"))},
        .hostnames = json_object_get(device, "hostnames"),
        .vendor = json_string_value(json_object_get(device, "vendor")),
    };
}

void mm__device_facts_publish(const struct mm__device_facts *f, struct mm__device_facts *outer)
{
    *outer = facts;
    facts = *f;
}

void mm__device_facts_end(const struct mm__device_facts *outer)
{
    /* the outer set, unless it names the same record: that one has changed since */
    if (outer->device == facts.device)
        memset(&facts, 0, sizeof facts);
    else
        facts = *outer;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

bool mm__device_facts_agree(const struct mm__device_facts *f)
{
    struct mm__device_facts j;
    mm__device_facts_read(f->device, &j);
    const struct mm__device_os *o = &f->os, *jo = &j.os;
    return f->is_new == j.is_new && f->allowlisted == j.allowlisted && o->obj == jo->obj &&
           o->legacy == jo->legacy && o->eol == jo->eol && o->mobile == jo->mobile &&
           same_text(o->id, jo->id) && same_text(o->family, jo->family) &&
           same_text(o->name, jo->name) && same_text(o->name_ja, jo->name_ja) &&
           f->hostnames == j.hostnames && same_text(f->vendor, j.vendor);
}
