/* SPDX-License-Identifier: Apache-2.0
 * A small stand-in for the sensor context (sensor.h) used by the device,
 * OS-guess and detector unit tests: it records every emitted event and alert,
 * hands events to one detector and to the device inventory the way the
 * pipeline does, and lets a test set the capture clock, the config and the
 * intel set. Only the functions of sensor.h are provided. */
#ifndef MM_TEST_DETECT_HARNESS_H
#define MM_TEST_DETECT_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sensor/detect/detect.h"
#include "sensor/device.h"
#include "sensor/intel/intel.h"
#include "sensor/packet.h"
#include "sensor/sensor.h"

struct mm_sensor {
    struct mm_sensor_config cfg;
    struct mm_ini *ini;
    struct mm_intel *intel;
    struct mm_devices *devices;
    const struct mm_detector *det; /* the detector under test (may be NULL) */
    void *det_state;
    struct timeval now;
    json_t *events; /* every non-alert event emitted, in order */
    json_t *alerts; /* every alert */
    json_t *queue;  /* events waiting to be dispatched */
    bool dispatching;
    bool drop_events; /* free each non-alert event once dispatched (as the sensor does) instead
                         of keeping it in events */
    char settings_error[MM_SENSOR_SETTINGS_ERROR];
};

/* Creates a harness with the given INI text (may be NULL) and intel text
 * written to a temporary feed file (may be NULL); state_dir may be NULL.
 * The detector (may be NULL) is initialised. */
struct mm_sensor *th_new(const char *ini_text, const char *intel_text, const char *state_dir,
                         const struct mm_detector *det);
void th_free(struct mm_sensor *s);

/* Sets the capture clock (seconds since the epoch). */
void th_set_time(struct mm_sensor *s, double t);

/* Sends a JSON event (text, parsed here; reference kept by the harness) as a
 * decoder would: detector on_event and device inventory, queued. */
void th_event(struct mm_sensor *s, const char *json_text);

/* Hands a packet to the device inventory and the detector: its
 * prefetch_packet, when it has one and p is of its kinds (as the sensor's
 * dispatch), then its on_packet. */
void th_packet(struct mm_sensor *s, const struct mm_packet *p);

/* Hands the decoder's event ev, whose protocol member (with the decoders'
 * facts) is member, to the detector as the sensor does a direct event: its
 * prefetch_event, when it has one, then its on_event (not queued). */
void th_direct_event(struct mm_sensor *s, const json_t *ev, const json_t *member);

/* Calls the detector's on_tick. */
void th_tick(struct mm_sensor *s);

/* The run ends: calls the detector's on_end (as the sensor does after the
 * inventory's last device events). */
void th_end(struct mm_sensor *s);

/* Number of alerts with this signature id; the total when sid is 0. */
size_t th_count_alerts(const struct mm_sensor *s, uint32_t sid);
/* The n-th alert with sid (borrowed), or NULL. */
const json_t *th_alert(const struct mm_sensor *s, uint32_t sid, size_t n);
/* Number of events of this type and device action (action may be NULL). */
size_t th_count_events(const struct mm_sensor *s, const char *type, const char *action);
const json_t *th_event_at(const struct mm_sensor *s, const char *type, size_t n);

/* Differential tests (a detector against its old code kept as reference):
 * after the same packet went to both, the same number of alerts and the
 * newest one equal; else the test fails naming seed and packet. */
void th_expect_same_alerts(const struct mm_sensor *fast, const struct mm_sensor *ref, uint64_t seed,
                           unsigned packet);
/* The same for a detector fed two ways (facts against JSON): the newest
 * alerts compared without their evidence's "source" (the feed's file name;
 * each harness loads its feed from a file of its own). */
void th_expect_same_alerts_but_source(const struct mm_sensor *fast, const struct mm_sensor *ref,
                                      unsigned message);

/* The device inventory refuses to start with this config (INI text): the
 * sensor reports the error and does not start. */
void th_expect_devices_refused(const char *ini_text);

/* Builds a TCP or UDP packet between two addresses (no payload unless given). */
void th_ip_packet(struct mm_packet *p, const char *src, uint16_t sport, const char *dst,
                  uint16_t dport, uint8_t proto, uint8_t flags, const char *payload);

/* The device tests: an ACK (no SYN: no OS guess) from mac at src, at
 * capture time t; how many "changed" device events were emitted; the
 * "device" object of the last device event (borrowed; fails when none). */
void th_send_from(struct mm_sensor *s, const uint8_t mac[6], const char *src, double t);
size_t th_device_changes(const struct mm_sensor *s);
const json_t *th_last_device(const struct mm_sensor *s);

#endif
