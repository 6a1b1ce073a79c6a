/* SPDX-License-Identifier: Apache-2.0
 * The detector registry (built from detectors.def) and the dispatch the
 * pipeline calls: init in table order, then on_packet (with the
 * prefetch_packet hints), prefetch_event, on_event (only the event types a
 * detector lists in .events), on_flow_end, on_tick and on_end for every
 * detector that fills the slot. */
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

/* The event types by their first two bytes (as type_key reads them):
 * index + 1 in mm__eve_event_types, 0 for none, -1 where two types share
 * the key (then the list is searched). Every event asks for its type's
 * bit; the list search compared up to 14 names (~230 instructions). */
#define TYPE_KEYS 1024
static int8_t type_by_key[TYPE_KEYS];

static unsigned type_key(const char *type)
{
    return ((unsigned char)type[0] & 31u) << 5 | (type[0] ? (unsigned char)type[1] & 31u : 0u);
}

static void index_types(void)
{
    memset(type_by_key, 0, sizeof type_by_key);
    for (int i = 0; mm__eve_event_types[i] && i < 31; i++) {
        int8_t *slot = &type_by_key[type_key(mm__eve_event_types[i])];
        *slot = *slot ? -1 : (int8_t)(i + 1);
    }
}

static uint32_t type_bit_n(const char *type, size_t n)
{
    int i = mm__eve_event_type_index(type, n);
    return i < 0 || i >= 31 ? OTHER_TYPE : 1u << i; /* past 31 types: "other" */
}

/* The bit of the NUL-terminated type: its key's one candidate compared
 * whole, or the list searched when the key is shared. */
static uint32_t type_bit(const char *type)
{
    int k = type_by_key[type_key(type)];
    if (k > 0)
        return strcmp(type, mm__eve_event_types[k - 1]) == 0 ? 1u << (k - 1) : OTHER_TYPE;
    return k == 0 ? OTHER_TYPE : type_bit_n(type, strlen(type));
}

/* The mask of a detector's events list; MM_EINVAL for a name the sensor
 * never writes (a typo would silently starve the detector). */
static int events_mask(const char *list, uint32_t *mask)
{
    const char *cursor = list, *name;
    size_t n;
    *mask = list ? 0 : UINT32_MAX;
    while (list && (name = mm__list_item(&cursor, &n)) != NULL) {
        uint32_t bit = type_bit_n(name, n);
        if (bit == OTHER_TYPE)
            return MM_EINVAL;
        *mask |= bit;
    }
    return 0;
}

typedef void packet_fn(void *state, struct mm_sensor *s, const struct mm_packet *p);

/* The detectors that have an on_packet, in table order, with their index
 * in mm_detectors (for det_state). packet_first is how many of them come
 * before the prefetches (the table's first detector, when it has an
 * on_packet). */
static struct {
    packet_fn *on_packet;
    size_t index;
} packet_runs[64];
static size_t packet_count, packet_first;

/* A sensor's per-packet calls, built once its detectors are set up: for
 * each kind of packet (mm__packet_kind_index), the on_packets and prefetches made
 * for it in run order, each with its state, ended by a NULL fn. They
 * follow the states in the det_state block (calls_of), so a packet costs
 * one walk of its kind's list: most packets (a TCP segment of an
 * established connection) call two detectors, not seven. */
struct packet_call {
    packet_fn *fn;
    void *state;
};

#define KINDS     MM__PKT_KINDS
#define CALLS_MAX (64 + 64 + 1) /* per kind: on_packets, prefetches, the end */

static struct packet_call *calls_of(const struct mm_sensor *s, unsigned kind)
{
    return (struct packet_call *)(void *)(s->det_state + mm_detector_count + 1) + kind * CALLS_MAX;
}

/* Whether detector d's calls are made for packets of kind index k. */
static bool wants(const struct mm_detector *d, unsigned k)
{
    return !d->packets || (d->packets & mm__packet_kind_bits(k));
}

/* Adds the prefetch_packets made for kind k (of the detectors that have a
 * state), in table order, to c[*n]. They come after the table's first
 * detector (struct mm_detector.prefetch_packet). */
static void add_prefetches(const struct mm_sensor *s, unsigned k, struct packet_call *c, size_t *n)
{
    for (size_t i = 0; i < mm_detector_count && i < 64; i++) {
        const struct mm_detector *d = mm_detectors[i];
        if (d->prefetch_packet && s->det_state[i] && wants(d, k))
            c[(*n)++] = (struct packet_call){d->prefetch_packet, s->det_state[i]};
    }
}

/* Adds the on_packets of runs [from, to) made for kind k to c[*n]. */
static void add_runs(const struct mm_sensor *s, unsigned k, size_t from, size_t to,
                     struct packet_call *c, size_t *n)
{
    for (size_t r = from; r < to; r++) {
        size_t i = packet_runs[r].index;
        if (wants(mm_detectors[i], k))
            c[(*n)++] = (struct packet_call){packet_runs[r].on_packet, s->det_state[i]};
    }
}

static void build_calls(struct mm_sensor *s)
{
    for (unsigned k = 0; k < KINDS; k++) {
        struct packet_call *c = calls_of(s, k);
        size_t n = 0;
        add_runs(s, k, 0, packet_first, c, &n);
        add_prefetches(s, k, c, &n);
        add_runs(s, k, packet_first, packet_count, c, &n);
        c[n].fn = NULL;
    }
}

/* Likewise the detectors with an on_event, with the mask of their types. */
static struct {
    void (*on_event)(void *state, struct mm_sensor *s, const json_t *ev);
    size_t index;
    uint32_t mask;
} event_runs[64];
static size_t event_count;

/* Likewise the detectors with an on_flow_end, called for every flow that
 * ends (none of today's eleven has one). */
static struct {
    void (*on_flow_end)(void *state, struct mm_sensor *s, const struct mm_flow *f);
    size_t index;
} flow_end_runs[64];
static size_t flow_end_count;

/* Likewise the detectors with a prefetch_event, called for every direct
 * event before its line is written (mm__detect_event_ahead). */
static struct {
    void (*prefetch_event)(void *state, struct mm_sensor *s, const json_t *member);
    size_t index;
} ahead_runs[64];
static size_t ahead_count;

static void find_runs(void)
{
    packet_count = packet_first = flow_end_count = event_count = ahead_count = 0;
    for (size_t i = 0; i < mm_detector_count && i < 64; i++) {
        const struct mm_detector *d = mm_detectors[i];
        if (d->on_packet) {
            packet_runs[packet_count].on_packet = d->on_packet;
            packet_runs[packet_count++].index = i;
            packet_first += i == 0;
        }
        if (d->on_event) {
            event_runs[event_count].on_event = d->on_event;
            event_runs[event_count].mask = event_masks[i];
            event_runs[event_count++].index = i;
        }
        if (d->prefetch_event) {
            ahead_runs[ahead_count].prefetch_event = d->prefetch_event;
            ahead_runs[ahead_count++].index = i;
        }
        if (d->on_flow_end) {
            flow_end_runs[flow_end_count].on_flow_end = d->on_flow_end;
            flow_end_runs[flow_end_count++].index = i;
        }
    }
}

/* "detector NAME: reason" with the step to its settings, or with the
 * reason's own next step (mm_error_has_step). */
static void detector_failed(const char *name, int r, char *err, size_t errlen)
{
    if (mm_error_has_step(r))
        mm_msg_format(err, errlen, "sensor-log", "sensor.detector_own_step", name,
                      mm_msg_strerror(r));
    else
        mm_msg_format(err, errlen, "sensor-log", "sensor.detector", name, mm_msg_strerror(r), name);
}

int mm__detect_init(struct mm_sensor *s, char *err, size_t errlen)
{
    index_types();
    for (size_t i = 0; i < mm_detector_count && i < 64; i++) {
        int r = events_mask(mm_detectors[i]->events, &event_masks[i]);
        if (r != 0) {
            detector_failed(mm_detectors[i]->name, r, err, errlen);
            return r;
        }
    }
    find_runs();
    /* the states, then the packet calls (calls_of), NULL until built */
    s->det_state = calloc(1, (mm_detector_count + 1) * sizeof(void *) +
                                 KINDS * CALLS_MAX * sizeof(struct packet_call));
    if (!s->det_state)
        return MM_ENOMEM;
    for (size_t i = 0; i < mm_detector_count; i++) {
        const struct mm_detector *d = mm_detectors[i];
        if (!d->init)
            continue;
        int r = d->init(s, &s->det_state[i]);
        if (r != 0) {
            const char *why = mm__detect_settings_error(s); /* a setting: named with its file */
            if (r == MM_EINVAL && why[0])
                snprintf(err, errlen, "%s", why);
            else
                detector_failed(d->name, r, err, errlen);
            return r;
        }
    }
    build_calls(s);
    return 0;
}

int mm__detect_settings_check_all(const struct mm_ini *ini, const char *path, char *why,
                                  size_t whylen)
{
    why[0] = '\0';
    for (size_t i = 0; i < mm_detector_count; i++) {
        const struct mm_detector *d = mm_detectors[i];
        if (d->settings &&
            mm__detect_settings_check_ini(ini, path, d->name, d->settings, why, whylen) != 0)
            return MM_EINVAL;
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

void mm__detect_packet(struct mm_sensor *s, const struct mm_packet *p)
{
    for (const struct packet_call *c = calls_of(s, mm__packet_kind_index(p)); c->fn; c++)
        c->fn(c->state, s, p);
}

void mm__detect_event_ahead(struct mm_sensor *s, const json_t *member)
{
    for (size_t k = 0; k < ahead_count; k++) {
        void *state = s->det_state[ahead_runs[k].index];
        if (state)
            ahead_runs[k].prefetch_event(state, s, member);
    }
}

/* Hands ev to the detectors of its type, with the thread's view of it
 * (detect-util.h) set for them; member, when not NULL, is ev's member
 * named type. */
static void run_event(struct mm_sensor *s, const json_t *ev, const char *type, json_t *member)
{
    uint32_t bit = type_bit(type);
    mm__event_view.ev = ev;
    mm__event_view.type = type;
    mm__event_view.n = 0;
    if (member && type[0]) {
        mm__event_view.memo[0].obj = ev;
        mm__event_view.memo[0].key = type;
        mm__event_view.memo[0].value = member;
        mm__event_view.memo[0].by_text = true;
        mm__event_view.n = 1;
    }
    for (size_t k = 0; k < event_count; k++)
        if (event_runs[k].mask & bit)
            event_runs[k].on_event(s->det_state[event_runs[k].index], s, ev);
    for (size_t i = 64; i < mm_detector_count; i++) /* beyond the masks: every type */
        if (mm_detectors[i]->on_event)
            mm_detectors[i]->on_event(s->det_state[i], s, ev);
    mm__event_view.ev = NULL;
}

void mm__detect_event_member(struct mm_sensor *s, const json_t *ev, const char *type,
                             json_t *member)
{
    if (!mm__event_view.ev) {
        run_event(s, ev, type, member);
        return;
    }
    struct mm__event_view outer = mm__event_view; /* an event handed out inside another */
    run_event(s, ev, type, member);
    mm__event_view = outer;
}

void mm__detect_event(struct mm_sensor *s, const json_t *ev, const char *type)
{
    mm__detect_event_member(s, ev, type, NULL);
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

void mm__detect_end(struct mm_sensor *s)
{
    for (size_t i = 0; s->det_state && i < mm_detector_count; i++)
        if (mm_detectors[i]->on_end && s->det_state[i])
            mm_detectors[i]->on_end(s->det_state[i], s);
}
