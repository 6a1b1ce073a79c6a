/* SPDX-License-Identifier: Apache-2.0
 * The sensor's private state and the program-level interfaces between
 * main.c, config.c, capture.c, sensor.c, pipeline.c, detect.c and stats.c.
 * Components outside this list use sensor.h only. */
#ifndef MM_SENSOR_SENSOR_INT_H
#define MM_SENSOR_SENSOR_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "core/ini.h"
#include "core/net.h"
#include "sensor/defrag.h"
#include "sensor/device.h"
#include "sensor/eve-record.h"
#include "sensor/flowtable.h"
#include "sensor/output/output.h"
#include "sensor/output/spool.h"
#include "sensor/sensor.h"

/* Everything the command line and the config file decide (config.c). */
/* [intel] settle_ms by default: a feed changed less than a second ago is
 * not taken as read (see mm_intel_settle). */
#define MM_INTEL_SETTLE_MS_DEFAULT 1000

/* [uplink] (config.c reads it, enrol.c uses it). */
struct mm__uplink_settings {
    const char *center, *ca_file; /* NULL when not given */
    /* ca_file's text, read with the settings (before a live sensor switches
     * user; the uplink never opens the file): owned, NULL without ca_file */
    char *ca_pem;
    size_t ca_pem_len;
    bool enabled, allow_insecure;
    long batch, retry_max_ms, flush_timeout;
};

struct mm_sensor_options {
    const char **read_files; /* -r, in order */
    size_t nread;
    const char *iface, *bpf, *user; /* -i, --bpf, --user */
    const char **intel_paths;       /* --intel, in order */
    size_t nintel;
    unsigned intel_settle_ms; /* [intel] settle_ms (0: off) */
    const char *eve_path;     /* --eve / [output] eve; "-" stdout (default) */
    const char *config_path;
    const char *state_dir;
    /* eve_path, state_dir came from the settings file ([output] eve,
     * [sensor] state), not the command line: a failure to open them names
     * the file and the key */
    bool eve_from_file, state_from_file;
    long stats_interval; /* seconds; 0: only at exit */
    struct mm_ini *ini;  /* owned; never NULL after config load */
    struct mm_cidr *home_net;
    size_t home_net_count;
    bool personal_devices_allowed;
    uint64_t eve_max_bytes;
    unsigned eve_keep;
    struct mm_flow_config flow;
    char *spool_types;              /* comma list, owned */
    char *eve_types;                /* [output] event_types, owned; NULL: every type */
    uint64_t spool_max_bytes;       /* [spool] max_bytes */
    unsigned anomaly_rate;          /* anomaly events per capture second, at most */
    size_t tls_memcap;              /* [tls] memcap: unfinished handshakes, per thread */
    struct mm_defrag_config defrag; /* [defrag] */
    struct mm__uplink_settings uplink;
    bool quiet;
};

/* config.c: parses argv and the config file. allow_insecure: --allow-insecure
 * was given (enrol.c takes it out of argv), which [uplink] center is checked
 * with. Returns 0, or 2 after printing usage/errors (exit code), or -1 when
 * --help/--version was handled (exit 0). */
int mm__options_parse(int argc, char **argv, bool allow_insecure, struct mm_sensor_options *o);
/* As mm__options_parse, for an enrol-only run (--enrol without -r/-i): no
 * capture option is needed; the settings file is read and checked the same
 * way (its [uplink] and [sensor] state serve the enrolment). */
int mm__options_parse_enrol(int argc, char **argv, bool allow_insecure,
                            struct mm_sensor_options *o);
void mm__options_free(struct mm_sensor_options *o);
/* Warns on stderr about every key of the config file nothing read
 * (config.unknown_key) and once about a section nothing asked about
 * (config.unknown_section). Called once every reader has run: after
 * mm__options_parse and mm__sensor_new (the inventory's [devices], each
 * detector's [detect.NAME]), or, with --enrol, after mm__options_parse and
 * mm__options_detectors_check, before the centre is asked. */
void mm__options_warn_unread(const struct mm_sensor_options *o);
/* Checks the registered detectors' [detect.NAME] sections as the
 * detectors' start does (mm__detect_settings_check_all: the same rules and
 * messages), without starting them, for an enrolment, which comes before
 * the capture: a bad value, or a key a detector does not take, is told on
 * stderr and returns 2 (a settings error). Every entry of those sections is
 * then read, for mm__options_warn_unread; a section of no detector stays
 * unread. 0 when they are good. */
int mm__options_detectors_check(const struct mm_sensor_options *o);
/* The event types the sensor writes, for checking [output] and [uplink] event_types. */
extern const char *const mm__eve_event_types[];
/* The index in mm__eve_event_types of the n-byte name, or -1 when the
 * sensor never writes that type. */
int mm__eve_event_type_index(const char *name, size_t n);
/* The next name of a comma-separated list at *cursor (spaces around names
 * ignored): returns it, with its length in *len, and moves *cursor past it;
 * NULL when no name is left. The one reading of [output] and [uplink]
 * event_types, for checking them and for matching events. */
const char *mm__list_item(const char **cursor, size_t *len);
/* True when events of this type go to the EVE output ([output] event_types). */
bool mm__eve_wants(const struct mm_sensor *s, const char *type);

struct mm_sensor_stats {
    uint64_t pkts, bytes, invalid, unsupported_link;
    uint64_t ethernet, vlan, pppoe, arp, ipv4, ipv6, tcp, udp, icmpv4, icmpv6, other_ip;
    uint64_t fragments, later_fragments;
    uint64_t events, alerts, intel_hits, anomalies, anomalies_suppressed, app_errors;
    uint64_t flows_logged, spooled, spool_errors, eve_errors;
    uint64_t kernel_packets, kernel_drops, kernel_ifdrops;
    uint64_t intel_reloads, intel_indicators;
};

/* One home_net CIDR as masks over the two 64-bit halves of mm_addr.bytes. */
struct mm__home_mask {
    uint64_t mask[2], value[2];
    uint8_t family;
};

struct mm_sensor {
    struct mm_sensor_config cfg;
    struct mm__home_mask *home; /* cfg.home_net, for mm_sensor_is_home */
    const struct mm_sensor_options *opt;
    struct mm_intel *intel;
    struct mm_devices *devices;
    void **det_state;
    struct mm_flow_table *flows;
    struct mm_defrag *defrag; /* NULL when [defrag] enabled = false */
    struct timeval now;
    /* emit queue (sensor.h semantics) */
    json_t **q;
    size_t qhead, qlen, qcap;
    bool draining;
    bool flow_direct;       /* flow records go straight to the EVE writer (not spooled) */
    bool flow_spool_direct; /* spooled ones through its tap (mm__sensor_write_spooled) */
    bool eve_flow;          /* flow records are among the EVE file's event types */
    /* outputs */
    struct mm_eve_out *eve;
    struct mm_spool *spool;
    int64_t spool_sync_due; /* monotonic usec; 0: nothing pending */
    struct mm_sensor_stats st;
    /* housekeeping, in flow-clock seconds */
    int64_t anom_sec;
    unsigned anom_count;
    int64_t tick_sec, stats_due, devices_save_due, first_sec;
    bool live;
    struct mm_flow *cur_flow;   /* flow of the packet being handled */
    struct mm__direct *direct;  /* events without a json_t (eve-http.h) */
    struct mm__records records; /* alerts and device events without one (eve-record.h) */
    /* why a detector's settings were refused (mm__detect_settings_check),
     * for mm__detect_init's message; "" when they were not */
    char detect_error[MM_SENSOR_SETTINGS_ERROR];
};

/* sensor.c */
/* Returns 0, a negative MM_E* code, or MM__SENSOR_BAD_SETTINGS when a
 * [devices] or [detect.*] setting is wrong (a settings error: exit 2). */
#define MM__SENSOR_BAD_SETTINGS 2
int mm__sensor_new(const struct mm_sensor_options *o, struct mm_intel *intel,
                   struct mm_sensor **out, char *err, size_t errlen);
/* Ends all flows (reason "shutdown"), writes final stats, flushes, frees.
 * Returns nonzero when any event could not be written during the run. */
int mm__sensor_free(struct mm_sensor *s);
/* mm__sensor_free; with report (the run ended well), events that could
 * not be written are said on stderr: the EVE file and the spool's segment
 * file that failed, the system's reason and what to do (output.eve_lost,
 * output.spool_lost), else the general output.write_failed; and the final
 * stats record is written even when the sensor's clock never moved (no
 * packet, no idle tick). */
int mm__sensor_free_reporting(struct mm_sensor *s, bool report);
/* Replaces the intel set between packets; returns the old one (free it). */
struct mm_intel *mm__sensor_swap_intel(struct mm_sensor *s, struct mm_intel *in);
/* Flushes the EVE output and syncs the spool. */
void mm__sensor_flush(struct mm_sensor *s);
void mm__sensor_spool_tick(struct mm_sensor *s);
/* Writes a spooled event's line by write_line through the EVE writer's
 * tap, which hands it to the spool with its seq (eve: the EVE output keeps
 * it too). False, with nothing written anywhere, when the line could not
 * be formed: the caller then takes the JSON path. */
bool mm__sensor_write_spooled(struct mm_sensor *s, bool eve,
                              int (*write_line)(struct mm_eve_out *o, const void *arg),
                              const void *arg);

/* pipeline.c */
void mm__pipeline_packet(struct mm_sensor *s, const struct timeval *ts, const uint8_t *data,
                         uint32_t caplen, uint32_t len, int linktype);
/* Housekeeping without a packet (live capture idle): advances to ts. */
void mm__pipeline_idle(struct mm_sensor *s, const struct timeval *ts);
void mm__pipeline_flow_end(void *arg, struct mm_flow *f, const char *reason);
/* defrag.c's give-up handler (arg: the sensor): shows the first fragment of
 * a datagram that will never be reassembled to the detectors. */
void mm__pipeline_defrag_give_up(void *arg, const struct mm_packet *first);

/* detect.c: the registry and the dispatch. */
int mm__detect_init(struct mm_sensor *s, char *err, size_t errlen);
void mm__detect_free(struct mm_sensor *s);
void mm__detect_packet(struct mm_sensor *s, const struct mm_packet *p);
/* ev's event_type is type ("" when it has none). */
void mm__detect_event(struct mm_sensor *s, const json_t *ev, const char *type);
/* mm__detect_event for an event whose member named type is member (a
 * direct event's stand-in): the detectors' look-up of it is answered
 * without reading ev. */
void mm__detect_event_member(struct mm_sensor *s, const json_t *ev, const char *type,
                             json_t *member);
/* Before a direct event is written: the detectors that read member's
 * facts first ask for the memory they will read (a hint). */
void mm__detect_event_ahead(struct mm_sensor *s, const json_t *member);
void mm__detect_flow_end(struct mm_sensor *s, const struct mm_flow *f);
void mm__detect_tick(struct mm_sensor *s, const struct timeval *now);
/* The run ends: each detector's on_end (alerts it still holds). */
void mm__detect_end(struct mm_sensor *s);

/* eve-fast.c: mm_eve_new() with cached time stamps (packet path). The
 * header's texts (event type, protocol names, Community ID) are the sensor's
 * own ASCII and go to jansson unchecked. */
json_t *mm__eve_new(const struct mm_eve_header *h);
/* Copies up to two VLAN ids into h. */
void mm__eve_header_vlan(struct mm_eve_header *h, const uint16_t vlan[2], uint8_t count);
/* eve-flow.c: the flow record of f as one EVE line ending in '\n', the
 * same bytes as the JSON path; 0 when it does not fit in cap. f is written
 * only to keep its Community ID (mm_flow_community_id), as in
 * mm__flow_event and mm__eve_header_packet. */
size_t mm__flow_line(struct mm_flow *f, const char *reason, char *out, size_t cap);
/* The "tcp" object's flag keys, in output order, and state names. */
struct mm__tcp_flag_name {
    uint8_t bit;
    const char *name;
};
extern const struct mm__tcp_flag_name mm__tcp_flag_names[8];
extern const char *const mm__tcp_state_names[5];
/* pipeline.c: the flow record as a JSON event (the general path). */
json_t *mm__flow_event(struct mm_flow *f, const char *reason);

/* Fills h for an event about packet p (addresses, ports, proto, pcap_cnt)
 * and its flow f (flow_id, community_id; f may be NULL). */
void mm__eve_header_packet(struct mm_eve_header *h, const char *event_type,
                           const struct mm_packet *p, struct mm_flow *f);
void mm__time_format(const struct timeval *ts, char out[40]);
/* The same text (NUL-terminated, 40 bytes of room) with its length: the
 * last seconds' texts are remembered with their lengths (eve-fast.c), so
 * a caller need not measure it. */
size_t mm__time_text(const struct timeval *ts, char out[40]);
/* Test hook: how many times mm__time_text formed a second's text anew
 * (its remembered seconds did not have it). */
extern uint64_t mm__time_text_fills;

/* stats.c: writes a "stats" record to the EVE output. */
void mm__stats_write(struct mm_sensor *s, const struct timeval *ts);
json_t *mm__stats_json(const struct mm_sensor *s, const struct timeval *ts);

/* Device inventory and intel hooks; no-ops until those parts are built in. */
struct mm_devices_damage;
/* note: what was found wrong with STATE/devices.json (device.h) */
int mm__devices_open(struct mm_sensor *s, struct mm_devices_damage *note);
void mm__devices_close(struct mm_sensor *s);
/* The inventory learns from a packet (inline: it runs for every packet). */
static inline void mm__devices_packet(struct mm_sensor *s, const struct mm_packet *p)
{
    if (s->devices)
        mm_devices_on_packet(s->devices, p);
}
void mm__devices_event(struct mm_sensor *s, const json_t *ev);
void mm__devices_save(struct mm_sensor *s);

#endif
