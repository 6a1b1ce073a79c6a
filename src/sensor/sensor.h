/* SPDX-License-Identifier: Apache-2.0
 * The sensor as seen by decoders, detectors, the device inventory and the
 * outputs: configuration, the home network, and the one way events leave a
 * component (mm_sensor_emit), so every event reaches detectors, the device
 * inventory and the outputs (EVE file, spool) in the same order. */
#ifndef MM_SENSOR_SENSOR_H
#define MM_SENSOR_SENSOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "core/eve.h"
#include "core/ini.h"
#include "core/net.h"
#include "sensor/packet.h"

struct mm_sensor;
struct mm_intel;
struct mm_devices;
struct mm_flow;

struct mm_sensor_config {
    struct mm_cidr *home_net; /* --home-net / [sensor] home_net, default MM_DEFAULT_HOME_NET */
    size_t home_net_count;
    bool personal_devices_allowed; /* [policy] personal_devices = yes|no (default no) */
    const struct mm_ini *ini;      /* whole config; detector settings in [detect.NAME] */
    const char *state_dir;         /* --state, NULL when none */
    const char *config_path;       /* --config, NULL when none (for messages) */
};

/* The settings file as messages name it: config_path (--config), or
 * "config" when none was given. */
static inline const char *mm_sensor_config_name(const char *config_path)
{
    return config_path ? config_path : "config";
}

#define MM_SENSOR_SETTINGS_ERROR 512
/* The buffer of s (MM_SENSOR_SETTINGS_ERROR bytes) where a detector's
 * settings check says why it refused them (mm__detect_settings_check), for
 * the start's message: each sensor has its own. */
char *mm_sensor_settings_error(struct mm_sensor *s);

/* Sends an event into the pipeline (reference stolen): the outputs, then
 * detectors' on_event (not for "alert" events) and the device inventory.
 * Events emitted while handling an event are queued and handled after it,
 * in order. */
void mm_sensor_emit(struct mm_sensor *s, json_t *ev);

/* Raises an alert about packet p (header fields from p and its flow). */
void mm_sensor_alert_packet(struct mm_sensor *s, const struct mm_packet *p,
                            const struct mm_eve_alert *a);

/* Raises an alert about the event ev (copies timestamp, flow_id, addresses,
 * ports, proto, community_id, pcap_cnt from ev). */
void mm_sensor_alert_event(struct mm_sensor *s, const json_t *ev, const struct mm_eve_alert *a);

/* The ports of the event ev as its alert would carry them (from ev, or,
 * for a direct event's stand-in, which holds no ports, from its header);
 * 0 where it has none. */
void mm_sensor_event_ports(const struct mm_sensor *s, const json_t *ev, uint16_t *src_port,
                           uint16_t *dest_port);

/* Raises an alert with no packet behind it (device-level, periodic). */
void mm_sensor_alert_at(struct mm_sensor *s, const struct timeval *ts, const struct mm_addr *src,
                        const struct mm_addr *dst, const struct mm_eve_alert *a);

const struct mm_sensor_config *mm_sensor_config(const struct mm_sensor *s);
bool mm_sensor_is_home(const struct mm_sensor *s, const struct mm_addr *a);
/* Whether packet p's source (which 1) or destination (which 2) is a home
 * address, noted in p's memo when it has one (the first ask of
 * mm_sensor_src_home / mm_sensor_dst_home; inline, so that code linking
 * its own mm_sensor_is_home, e.g. the detector tests, needs nothing more). */
static inline bool mm__sensor_packet_home(const struct mm_sensor *s, const struct mm_packet *p,
                                          unsigned which)
{
    bool home = mm_sensor_is_home(s, which == 1 ? &p->src : &p->dst);
    struct mm_home_memo *m = p->home;
    if (m) {
        m->known |= (uint8_t)which;
        m->is_home |= (uint8_t)(home ? which : 0);
    }
    return home;
}

/* The memo's answer for which (1 source, 2 destination), or a new one. */
static inline bool mm__sensor_packet_home_memo(const struct mm_sensor *s, const struct mm_packet *p,
                                               unsigned which)
{
    const struct mm_home_memo *m = p->home;
    if (m && (m->known & which))
        return (m->is_home & which) != 0;
    return mm__sensor_packet_home(s, p, which);
}

/* mm_sensor_is_home of the packet's own source and destination: the
 * per-packet callers (inventory, intel, beacon and scan) often ask about the
 * same packet, and the pipeline's memo answers all but the first ask (the
 * home net is fixed for a run). Addresses other than p's own: ask
 * mm_sensor_is_home. */
static inline bool mm_sensor_src_home(const struct mm_sensor *s, const struct mm_packet *p)
{
    return mm__sensor_packet_home_memo(s, p, 1);
}

static inline bool mm_sensor_dst_home(const struct mm_sensor *s, const struct mm_packet *p)
{
    return mm__sensor_packet_home_memo(s, p, 2);
}
/* The current intel set (replaced on SIGHUP between packets; do not keep the
 * pointer across packets). */
const struct mm_intel *mm_sensor_intel(const struct mm_sensor *s);
struct mm_devices *mm_sensor_devices(struct mm_sensor *s);
/* Time of the packet being processed (capture time, not wall clock). */
const struct timeval *mm_sensor_now(const struct mm_sensor *s);

#endif
