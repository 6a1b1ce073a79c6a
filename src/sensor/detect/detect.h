/* SPDX-License-Identifier: Apache-2.0
 * Detector interface. A detector is one detect-NAME.c file defining a
 * `const struct mm_detector mm_detector_NAME` plus one line in detectors.def.
 * Every slot but name may be NULL, the prefetch hints too. Detectors raise
 * alerts only through mm_sensor_alert_*(), with their own signature ids, a
 * severity, a Suricata style category, ja/en messages for the SME and the
 * evidence. */
#ifndef MM_SENSOR_DETECT_H
#define MM_SENSOR_DETECT_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/time.h>

#include "sensor/sensor.h"

struct mm_flow;
struct mm_ini;
struct mm__setting; /* detect-util.h */

/* mamori signature ids: 9100000 + 100 * detector number + variant. */
#define MM_SID_BASE 9100000u

/* The kinds of packets (struct mm_detector.packets), as the dispatch tells
 * them apart before calling anyone: a TCP packet is one of the first four
 * by its SYN and ACK flags, and also MM_PKT_TCP_DATA when it carries
 * payload. */
enum {
    MM_PKT_TCP_SYN = 1u << 0,    /* SYN without ACK */
    MM_PKT_TCP_SYNACK = 1u << 1, /* SYN and ACK */
    MM_PKT_TCP_NOACK = 1u << 2,  /* neither (NULL, FIN, XMAS ...) */
    MM_PKT_TCP_ACK = 1u << 3,    /* ACK without SYN */
    MM_PKT_TCP_DATA = 1u << 4,   /* any TCP packet with payload */
    MM_PKT_UDP = 1u << 5,
    MM_PKT_OTHER = 1u << 6, /* other IP protocols, and packets that are not IP (ARP) */
};

/* The dispatch's index of p's kind (0 to MM__PKT_KINDS - 1): TCP by its
 * ACK and SYN flags (0-3), + 4 with payload; 8 UDP; 9 the rest. */
#define MM__PKT_KINDS 10

static inline unsigned mm__packet_kind_index(const struct mm_packet *p)
{
    if (!p->ip_version)
        return 9;
    if (p->ip_proto == 6)
        return (p->tcp_flags >> 3 & 2u) | (p->tcp_flags >> 1 & 1u) | (p->payload_len ? 4u : 0u);
    return p->ip_proto == 17 ? 8 : 9;
}

/* The MM_PKT_* bits of kind index k. */
static inline unsigned mm__packet_kind_bits(unsigned k)
{
    static const unsigned by_flags[4] = {MM_PKT_TCP_NOACK, MM_PKT_TCP_SYN, MM_PKT_TCP_ACK,
                                         MM_PKT_TCP_SYNACK}; /* by ACK and SYN */
    if (k < 8)
        return by_flags[k & 3] | (k & 4 ? MM_PKT_TCP_DATA : 0u);
    return k == 8 ? MM_PKT_UDP : MM_PKT_OTHER;
}

struct mm_detector {
    const char *name; /* "intel", "new-device", ...; config section [detect.NAME] */
    /* The keys [detect.NAME] takes (a NULL key ends the table), the one
     * table init checks the section with (mm__detect_settings_check): an
     * enrolment checks the settings file with it before the centre is
     * asked, without starting the detector. NULL: init checks nothing. */
    const struct mm__setting *settings;
    /* Creates the detector's state from the config; *state may stay NULL. */
    int (*init)(struct mm_sensor *s, void **state);
    /* Every decoded IP or ARP packet, after flow lookup (p->flow set for IP). */
    void (*on_packet)(void *state, struct mm_sensor *s, const struct mm_packet *p);
    /* The kinds of packets on_packet looks at (MM_PKT_*; 0: every packet).
     * The dispatch skips the others; on_packet must turn away any packet
     * of another kind itself, as the tests' harness calls it for all. */
    unsigned packets;
    /* Optional hint: asks for the memory on_packet will read first for p
     * (a slot of a large table), for the same kinds of packets, so that the
     * cache misses overlap with the detectors that run before it. The
     * dispatch calls it after the table's first detector (intel), not
     * before: intel's own look-ups, queued behind the prefetches, measured
     * slower. It may leave notes in the state for on_packet, which must
     * answer the same without it. Only called when the state is not NULL. */
    void (*prefetch_packet)(void *state, struct mm_sensor *s, const struct mm_packet *p);
    /* Every non-alert event: dns, tls, http, dhcp, smb, rdp, device, flow, ...,
     * or only the event types listed in events ("dns,tls"; NULL: all). */
    void (*on_event)(void *state, struct mm_sensor *s, const json_t *ev);
    const char *events;
    /* True when on_event reads the types in events (dns, tls, http, quic,
     * rdp, dhcp, mdns, netbios, smb) only through the decoders'
     * facts and the event's stand-in
     * ("event_type", "src_ip", "dest_ip" and the protocol member; the
     * ports through mm_sensor_event_ports) and alerts through
     * mm_sensor_alert_event: those events may then skip
     * their jansson object (sensor.c's direct path). False (the default)
     * keeps them whole for this detector. */
    bool reads_standin;
    /* Optional hint: for a direct event (whose protocol member is member,
     * with the decoders' facts), asks for the memory on_event will read
     * first, before the event's line is written, so that the cache misses
     * overlap with the writing. Called for every direct event, of any type,
     * in table order; on_event must answer the same without it. Only called
     * when the state is not NULL. */
    void (*prefetch_event)(void *state, struct mm_sensor *s, const json_t *member);
    /* A flow expired or the capture ended (its "flow" event is emitted too). */
    void (*on_flow_end)(void *state, struct mm_sensor *s, const struct mm_flow *f);
    /* About once per second of capture time, for windows and periodicity. */
    void (*on_tick)(void *state, struct mm_sensor *s, const struct timeval *now);
    /* The run ends (after the inventory's last device events, before the
     * final stats): the last moment to raise an alert the detector held
     * back, which must not end with the run. Only called when the state is
     * not NULL. */
    void (*on_end)(void *state, struct mm_sensor *s);
    void (*free)(void *state);
};

extern const struct mm_detector *const mm_detectors[];
extern const size_t mm_detector_count;

/* Checks every detector's [detect.NAME] of ini as the detector's init
 * does (mm__detect_settings_check, the same messages; path: the settings
 * file as messages name it), without starting any: the first bad value or
 * key a detector does not take is MM_EINVAL with the message in why
 * (whylen bytes). Every key of those sections is read then (ini.h), as
 * after the detectors' start. */
int mm__detect_settings_check_all(const struct mm_ini *ini, const char *path, char *why,
                                  size_t whylen);

#endif
