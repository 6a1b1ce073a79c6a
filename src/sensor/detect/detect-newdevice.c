/* SPDX-License-Identifier: Apache-2.0
 * Detector "new-device" (signature id 9100201): a device joined the network
 * that is neither in the saved inventory (--state) nor in the [devices]
 * allowlist. The device inventory announces each device once ("device"
 * event, action "new"); this detector turns that into an alert, so the
 * inventory's persistence is the suppression. */
#include <string.h>

#include "sensor/detect/detect-util.h"
#include "sensor/sensor.h"

#define NAME "new-device"

static void newdevice_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    (void)state;
    const char *type = json_string_value(json_object_get(ev, "event_type"));
    const json_t *dev = json_object_get(ev, "device");
    const char *action = json_string_value(json_object_get(dev, "action"));
    if (!type || strcmp(type, "device") != 0 || !action || strcmp(action, "new") != 0 ||
        json_is_true(json_object_get(dev, "allowlisted")))
        return;
    const struct mm__alert_at at = {.ev = ev};
    json_t *evidence = json_deep_copy(dev);
    json_object_del(evidence, "action");
    mm__detect_raise(s, NAME, 1, &at, mm__device_vars(dev), evidence, NULL);
}

const struct mm_detector mm_detector_new_device = {
    .name = NAME,
    .on_event = newdevice_event,
};
