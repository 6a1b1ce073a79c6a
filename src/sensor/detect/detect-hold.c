/* SPDX-License-Identifier: Apache-2.0
 * The table of device alerts held back until the device has an address
 * (detect-hold.h), shared by new-device and personal-device. */
#include "sensor/detect/detect-hold.h"

#include "core/timefmt.h"
#include "sensor/detect/detect-util.h"

uint64_t mm__hold_key(const json_t *dev, uint64_t chain)
{
    const char *id = json_string_value(json_object_get(dev, "mac"));
    if (!id)
        id = json_string_value(json_array_get(json_object_get(dev, "ips"), 0));
    return mm__keyed_str(id, chain);
}

bool mm__hold_wants(const json_t *dev)
{
    return json_array_size(json_object_get(dev, "ips")) == 0;
}

/* The slot of key, or NULL. */
static struct mm__held_device *slot_of(const struct mm__device_hold *h, uint64_t key)
{
    for (size_t i = 0; h->count > 0 && i < MM__HOLD_MAX; i++)
        if (h->slot[i].ev && h->slot[i].key == key)
            return (struct mm__held_device *)&h->slot[i];
    return NULL;
}

static struct mm__held_device *free_slot(struct mm__device_hold *h)
{
    for (size_t i = 0; h->count < MM__HOLD_MAX && i < MM__HOLD_MAX; i++)
        if (!h->slot[i].ev)
            return &h->slot[i];
    return NULL;
}

bool mm__hold_put(struct mm__device_hold *h, uint64_t key, const json_t *dev, int64_t now)
{
    struct mm__held_device *held = slot_of(h, key);
    bool fresh = !held;
    if (fresh && !(held = free_slot(h)))
        return false;
    json_t *copy = json_pack("{s:s, s:o}", "event_type", "device", "device", json_deep_copy(dev));
    if (!copy)
        return false;
    if (fresh) {
        held->key = key;
        held->due = now + MM__HOLD_SECONDS * 1000000LL;
        h->count++;
    }
    json_decref(held->ev);
    held->ev = copy;
    return true;
}

bool mm__hold_has(const struct mm__device_hold *h, uint64_t key)
{
    return slot_of(h, key) != NULL;
}

/* Empties the slot, handing its event to the caller. */
static json_t *take(struct mm__device_hold *h, struct mm__held_device *held)
{
    json_t *ev = held->ev;
    held->ev = NULL;
    h->count--;
    return ev;
}

void mm__hold_drop(struct mm__device_hold *h, uint64_t key)
{
    struct mm__held_device *held = slot_of(h, key);
    if (held)
        json_decref(take(h, held));
}

void mm__hold_release_due(struct mm__device_hold *h, const struct timeval *now,
                          mm__hold_release_fn release, void *state, struct mm_sensor *s)
{
    int64_t t = now ? mm_time_to_usec(now) : 0;
    for (size_t i = 0; h->count > 0 && i < MM__HOLD_MAX; i++) {
        struct mm__held_device *held = &h->slot[i];
        if (!held->ev || (now && held->due > t))
            continue;
        json_t *ev = take(h, held);
        release(state, s, ev);
        json_decref(ev);
    }
}

void mm__hold_clear(struct mm__device_hold *h)
{
    for (size_t i = 0; i < MM__HOLD_MAX; i++) {
        json_decref(h->slot[i].ev);
        h->slot[i].ev = NULL;
    }
    h->count = 0;
}
