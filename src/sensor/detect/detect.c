/* SPDX-License-Identifier: Apache-2.0
 * The detector registry (built from detectors.def) and the dispatch the
 * pipeline calls: init in table order, then on_packet, on_event (only the
 * event types a detector lists in .events), on_flow_end and on_tick for
 * every detector that fills the slot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/msg.h"
#include "sensor/detect/detect-util.h"
#include "sensor/detect/detect.h"
#include "sensor/sensor-int.h"

#define MM_DETECTOR(symbol) extern const struct mm_detector symbol;
#include "sensor/detect/detectors.def"
#undef MM_DETECTOR

const struct mm_detector *const mm_detectors[] = {
#define MM_DETECTOR(symbol) &symbol,
#include "sensor/detect/detectors.def"
#undef MM_DETECTOR
    NULL};
const size_t mm_detector_count = sizeof(mm_detectors) / sizeof(mm_detectors[0]) - 1;

/* Per detector, the event types its on_event gets: bit i for
 * mm__eve_event_types[i], OTHER_TYPE for names not in that list. */
#define OTHER_TYPE (1u << 31)
static uint32_t event_masks[64];

static uint32_t type_bit(const char *type, size_t n)
{
    int i = mm__eve_event_type_index(type, n);
    return i < 0 ? OTHER_TYPE : 1u << i;
}

/* The mask of a detector's events list; MM_EINVAL for a name the sensor
 * never writes (a typo would silently starve the detector). */
static int events_mask(const char *list, uint32_t *mask)
{
    const char *cursor = list, *name;
    size_t n;
    *mask = list ? 0 : UINT32_MAX;
    while (list && (name = mm__list_item(&cursor, &n)) != NULL) {
        uint32_t bit = type_bit(name, n);
        if (bit == OTHER_TYPE)
            return MM_EINVAL;
        *mask |= bit;
    }
    return 0;
}

/* Detectors whose on_packet starts with cache misses in a large table ask
 * for that memory early, so the misses overlap with the detectors that run
 * before them. They ask after the first detector (intel), not before it:
 * intel's own look-ups, queued behind the prefetches, measured slower. */
static const struct {
    const struct mm_detector *detector;
    void (*prefetch)(void *state, const struct mm_sensor *s, const struct mm_packet *p);
} prefetchers[] = {{&mm_detector_beacon, mm__beacon_prefetch}};

#define PREFETCHERS (sizeof prefetchers / sizeof prefetchers[0])

/* Each prefetcher's index in mm_detectors (mm_detector_count: not built in). */
static size_t prefetch_index[PREFETCHERS];

static void find_prefetchers(void)
{
    for (size_t k = 0; k < PREFETCHERS; k++) {
        prefetch_index[k] = mm_detector_count;
        for (size_t i = 0; i < mm_detector_count; i++)
            if (mm_detectors[i] == prefetchers[k].detector)
                prefetch_index[k] = i;
    }
}

static void prefetch_packet(struct mm_sensor *s, const struct mm_packet *p)
{
    for (size_t k = 0; k < PREFETCHERS; k++) {
        size_t i = prefetch_index[k];
        if (i < mm_detector_count && s->det_state[i])
            prefetchers[k].prefetch(s->det_state[i], s, p);
    }
}

/* The detectors that have an on_packet, in table order, with their index
 * in mm_detectors (for det_state): the per-packet dispatch walks only
 * these (6 of 11) instead of testing every detector's slot per packet.
 * packet_first is how many of them come before the prefetches (the
 * table's first detector, when it has an on_packet). */
static struct {
    void (*on_packet)(void *state, struct mm_sensor *s, const struct mm_packet *p);
    size_t index;
} packet_runs[64];
static size_t packet_count, packet_first;

/* Likewise the detectors with an on_flow_end, called for every flow that
 * ends (none of today's eleven has one). */
static struct {
    void (*on_flow_end)(void *state, struct mm_sensor *s, const struct mm_flow *f);
    size_t index;
} flow_end_runs[64];
static size_t flow_end_count;

static void find_runs(void)
{
    packet_count = packet_first = flow_end_count = 0;
    for (size_t i = 0; i < mm_detector_count && i < 64; i++) {
        const struct mm_detector *d = mm_detectors[i];
        if (d->on_packet) {
            packet_runs[packet_count].on_packet = d->on_packet;
            packet_runs[packet_count++].index = i;
            packet_first += i == 0;
        }
        if (d->on_flow_end) {
            flow_end_runs[flow_end_count].on_flow_end = d->on_flow_end;
            flow_end_runs[flow_end_count++].index = i;
        }
    }
}

int mm__detect_init(struct mm_sensor *s, char *err, size_t errlen)
{
    find_prefetchers();
    find_runs();
    for (size_t i = 0; i < mm_detector_count && i < 64; i++) {
        int r = events_mask(mm_detectors[i]->events, &event_masks[i]);
        if (r != 0) {
            mm_msg_format(err, errlen, "sensor-log", "sensor.detector", mm_detectors[i]->name,
                          mm_msg_strerror(r));
            return r;
        }
    }
    s->det_state = calloc(mm_detector_count + 1, sizeof(void *));
    if (!s->det_state)
        return MM_ENOMEM;
    for (size_t i = 0; i < mm_detector_count; i++) {
        const struct mm_detector *d = mm_detectors[i];
        if (!d->init)
            continue;
        int r = d->init(s, &s->det_state[i]);
        if (r != 0) {
            mm_msg_format(err, errlen, "sensor-log", "sensor.detector", d->name,
                          mm_msg_strerror(r));
            return r;
        }
    }
    return 0;
}

void mm__detect_free(struct mm_sensor *s)
{
    if (!s->det_state)
        return;
    for (size_t i = 0; i < mm_detector_count; i++)
        if (mm_detectors[i]->free)
            mm_detectors[i]->free(s->det_state[i]);
    free(s->det_state);
    s->det_state = NULL;
}

static void run_packet(struct mm_sensor *s, size_t k, const struct mm_packet *p)
{
    packet_runs[k].on_packet(s->det_state[packet_runs[k].index], s, p);
}

void mm__detect_packet(struct mm_sensor *s, const struct mm_packet *p)
{
    if (mm_detector_count == 0)
        return;
    for (size_t k = 0; k < packet_first; k++)
        run_packet(s, k, p);
    prefetch_packet(s, p);
    for (size_t k = packet_first; k < packet_count; k++)
        run_packet(s, k, p);
}

void mm__detect_event(struct mm_sensor *s, const json_t *ev, const char *type)
{
    uint32_t bit = type_bit(type, strlen(type));
    for (size_t i = 0; i < mm_detector_count; i++)
        if (mm_detectors[i]->on_event && (i >= 64 || (event_masks[i] & bit)))
            mm_detectors[i]->on_event(s->det_state[i], s, ev);
}

void mm__detect_flow_end(struct mm_sensor *s, const struct mm_flow *f)
{
    for (size_t k = 0; k < flow_end_count; k++)
        flow_end_runs[k].on_flow_end(s->det_state[flow_end_runs[k].index], s, f);
}

void mm__detect_tick(struct mm_sensor *s, const struct timeval *now)
{
    for (size_t i = 0; i < mm_detector_count; i++)
        if (mm_detectors[i]->on_tick)
            mm_detectors[i]->on_tick(s->det_state[i], s, now);
}
