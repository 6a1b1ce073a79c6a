/* SPDX-License-Identifier: Apache-2.0
 * Device alerts held back until the device has an address, for the
 * detectors that raise one alert about a device event (new-device,
 * personal-device). A device first seen in a DHCP DISCOVER asks for no
 * address; the inventory announces it at once and its first address (from
 * the server's offer, the client's request, ARP or IP traffic) a moment
 * later, in a "changed" event. A detector keeps a copy of such a device's
 * record here and raises its alert when a device event shows an address,
 * when MM__HOLD_SECONDS of capture time have passed (its on_tick) or when
 * the run ends (its on_end): the alert then names the address the owner
 * can look for. What to raise, and whether, stays the detector's; this
 * file owns the table of held devices only. Not a detector itself. */
#ifndef MM_SENSOR_DETECT_HOLD_H
#define MM_SENSOR_DETECT_HOLD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct mm_sensor;

#define MM__HOLD_MAX     64 /* devices held back at once (one more: raised at once) */
#define MM__HOLD_SECONDS 30 /* how long a device without an address is held back */

/* A device event held back (ev NULL: a free slot). */
struct mm__held_device {
    uint64_t key; /* the detector's key of the device (mm__hold_key) */
    int64_t due;  /* usec of capture time: released then, without an address */
    json_t *ev;   /* {"event_type": "device", "device": a copy of the latest record} */
};

/* The held devices of one detector: a member of its state, zeroed at
 * start, emptied by mm__hold_clear. */
struct mm__device_hold {
    size_t count; /* slots in use */
    struct mm__held_device slot[MM__HOLD_MAX];
};

/* The key of the device record dev: a keyed hash of its MAC address, else
 * of its first IP address, chained through chain (the detector's number). */
uint64_t mm__hold_key(const json_t *dev, uint64_t chain);

/* True when the record dev has no IP address yet: its alert may wait. */
bool mm__hold_wants(const json_t *dev);

/* Holds the device record dev under key: a new hold is due
 * MM__HOLD_SECONDS of capture time after now (usec); a device held already
 * keeps its due time and takes the latest record. The event's header (its
 * time) is not kept: a direct event's stand-in has none to copy. False
 * when it cannot be held (every slot taken, no memory): the caller raises
 * the alert at once. */
bool mm__hold_put(struct mm__device_hold *h, uint64_t key, const json_t *dev, int64_t now);

/* True when key is held. */
bool mm__hold_has(const struct mm__device_hold *h, uint64_t key);

/* Forgets key's held event, raising nothing (no-op when not held). */
void mm__hold_drop(struct mm__device_hold *h, uint64_t key);

/* Takes every held event due by now (all of them when now is NULL: the
 * run ends) out of the table and hands it to release(state, s, ev), which
 * raises the alert (the event is freed after). */
typedef void (*mm__hold_release_fn)(void *state, struct mm_sensor *s, const json_t *ev);
void mm__hold_release_due(struct mm__device_hold *h, const struct timeval *now,
                          mm__hold_release_fn release, void *state, struct mm_sensor *s);

/* Frees every held event (the detector's state ends). */
void mm__hold_clear(struct mm__device_hold *h);

#endif
