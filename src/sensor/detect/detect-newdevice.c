/* SPDX-License-Identifier: Apache-2.0
 * Detector "new-device" (signature id 9100201): a device joined the network
 * that is neither in the saved inventory (--state) nor in the [devices]
 * allowlist. The device inventory announces each device once ("device"
 * event, action "new"); this detector turns that into an alert, so the
 * inventory's persistence is the suppression. [detect.new-device]
 * learn_seconds (default 0): devices first announced within that many
 * seconds of capture time after the first announcement are learned without
 * an alert (a quiet first day when a sensor is installed). 0 learns nothing.
 * The period is [first, first + learn) in packet time: a device announced
 * at a time before the first announcement (an older recording merged after
 * a newer one) lies outside it and alerts. It is not in the first `learn`
 * seconds this sensor saw, and an alert too many is better than a device
 * that is never reported.
 * A device announced without an address (first seen in a DHCP DISCOVER,
 * which asks for none) is held back until a device event shows one, at
 * most MM__HOLD_SECONDS of capture time, or the end of the run
 * (detect-hold.h, as personal-device): the alert then names the address
 * the owner can look for; without one it is raised as before, its message
 * leaving the address out. The message names each known fact once (name,
 * maker, likely system, numbers; an unknown one is left out), the
 * signature the device's MAC and IP address, those it has. Its evidence,
 * the record, keeps first_seen. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/detect/detect-hold.h"
#include "sensor/detect/detect-util.h"
#include "sensor/device-facts.h"
#include "sensor/sensor.h"

#define NAME "new-device"

struct newdevice_state {
    int64_t learn, start; /* start: the first announcement's time, once started */
    bool started;
    struct mm__device_hold held; /* new devices waiting for an address */
};

static const struct mm__setting settings[] = {{"learn_seconds", 0, 30 * 86400, NULL},
                                              {NULL, 0, 0, NULL}};

static int newdevice_init(struct mm_sensor *s, void **state)
{
    struct newdevice_state *st;
    if (mm__detect_settings_check(s, NAME, settings) != 0)
        return MM_EINVAL;
    if (!(st = calloc(1, sizeof *st)))
        return MM_ENOMEM;
    st->learn = mm__detect_int(s, NAME, "learn_seconds", 0, 0, 30 * 86400) * 1000000LL;
    *state = st;
    return 0;
}

static void newdevice_free(void *state)
{
    struct newdevice_state *st = state;
    if (st)
        mm__hold_clear(&st->held);
    free(st);
}

/* The evidence: a new object holding the record's members in their order,
 * without "action", sharing the member values (the inventory takes back
 * any array something else still holds before it changes it, and replaces
 * its other members instead of changing them: see device.c own_record);
 * NULL when memory runs out. */
static json_t *record_without_action(const json_t *dev)
{
    json_t *copy = json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)dev, key, value)
    {
        if (copy && strcmp(key, "action") != 0 && json_object_set_nocheck(copy, key, value) != 0) {
            json_decref(copy);
            copy = NULL;
        }
    }
    return copy;
}

/* The message's "{facts}": name, maker, likely system and the device's
 * numbers, those that are known (an unknown one is left out). */
static void facts_of(const json_t *dev, struct mm__facts *out)
{
    struct mm__device_facts spare;
    const struct mm__device_facts *f = mm__device_facts_get(dev, &spare);
    const char *name = json_string_value(json_array_get(f->hostnames, 0));
    out->ja[0] = out->en[0] = '\0';
    if (name)
        mm__facts_add(out, "名前 ", name, "name ", name);
    if (f->vendor && f->vendor[0])
        mm__facts_add(out, "メーカー ", f->vendor, "maker ", f->vendor);
    if (f->os.name)
        mm__facts_add_likely_os(out, "推定される種類 ", &f->os);
    mm__facts_add_numbers(out, dev);
}

/* Raises the alert about the device record dev of the event ev. */
static void raise_for(struct mm_sensor *s, const json_t *ev, const json_t *dev)
{
    const struct mm__alert_at at = {.ev = ev};
    json_t *evidence = record_without_action(dev);
    struct mm__var vars[MM__DEVICE_VARS + 2];
    struct mm__device_texts texts; /* {numbers} in the signature */
    size_t n = mm__device_var_list(dev, &texts, vars);
    struct mm__facts facts;
    facts_of(dev, &facts);
    vars[n++] = (struct mm__var){"facts", 5, facts.en};
    vars[n++] = (struct mm__var){"facts@ja", 8, facts.ja};
    mm__detect_raise_texts(s, NAME, 1, &at, vars, n, evidence, NULL);
}

/* A later event about a held device: raised once it shows an address,
 * dropped when the device is allowlisted meanwhile. */
static void update_held(struct newdevice_state *st, struct mm_sensor *s, const json_t *ev,
                        const json_t *dev, const struct mm__device_facts *f)
{
    uint64_t key = mm__hold_key(dev, 2);
    if (!mm__hold_has(&st->held, key))
        return;
    if (f->allowlisted) {
        mm__hold_drop(&st->held, key);
    } else if (!mm__hold_wants(dev) || !mm__hold_put(&st->held, key, dev, mm__detect_now(s))) {
        mm__hold_drop(&st->held, key);
        raise_for(s, ev, dev);
    }
}

static void newdevice_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    struct newdevice_state *st = state;
    const char *type = mm__event_type(ev);
    if (!type || strcmp(type, "device") != 0)
        return;
    const json_t *dev = mm__event_get(ev, "device");
    struct mm__device_facts spare;
    const struct mm__device_facts *f = mm__device_facts_get(dev, &spare);
    if (!f->is_new) {
        if (st->held.count > 0)
            update_held(st, s, ev, dev, f);
        return;
    }
    if (f->allowlisted)
        return;
    int64_t now = mm__detect_now(s);
    if (!st->started) {
        st->started = true;
        st->start = now;
    }
    if (now >= st->start && now - st->start < st->learn)
        return; /* still learning the office's devices */
    if (mm__hold_wants(dev) && mm__hold_put(&st->held, mm__hold_key(dev, 2), dev, now))
        return; /* raised when its address comes */
    raise_for(s, ev, dev);
}

/* A held device whose time came (or the run ends): raised without an
 * address. */
static void release_held(void *state, struct mm_sensor *s, const json_t *ev)
{
    (void)state;
    raise_for(s, ev, json_object_get(ev, "device"));
}

static void newdevice_tick(void *state, struct mm_sensor *s, const struct timeval *now)
{
    struct newdevice_state *st = state;
    mm__hold_release_due(&st->held, now, release_held, st, s);
}

static void newdevice_end(void *state, struct mm_sensor *s)
{
    struct newdevice_state *st = state;
    mm__hold_release_due(&st->held, NULL, release_held, st, s);
}

const struct mm_detector mm_detector_new_device = {
    .name = NAME,
    .settings = settings,
    .init = newdevice_init,
    .on_event = newdevice_event,
    .events = "device",
    .on_tick = newdevice_tick,
    .on_end = newdevice_end,
    .free = newdevice_free,
};
