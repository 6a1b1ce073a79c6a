/* SPDX-License-Identifier: Apache-2.0
 * The device inventory: every device seen on the home network, keyed by MAC
 * (by IP where no MAC is seen), with vendor (IEEE OUI), IPs, host names
 * (DHCP, mDNS, NetBIOS), DHCP fingerprint, TCP SYN traits, HTTP user agents,
 * SMB native OS, an OS guess, first and last seen. Persisted under --state so
 * a restart does not re-announce known devices; allowlisted devices come from
 * the config ([devices] allow = MAC or IP, repeatable). Emits "device" events
 * (action new / changed) through mm_sensor_emit; a change of addresses only
 * at most once per [devices] address_change_interval. */
#ifndef MM_SENSOR_DEVICE_H
#define MM_SENSOR_DEVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/packet.h"

struct mm_ini;
struct mm_sensor;
struct mm_devices;
struct mm_eve_header;

/* The sensor's way out for an announced device event without its event
 * object (set by sensor.c; NULL: every event goes to mm_sensor_emit as
 * JSON): h is the event's header, rec the device's record with its
 * "action" (lent for the call). False when the event must take the JSON
 * path (spooled, or another event is being handled). */
extern bool (*mm__device_direct)(struct mm_sensor *s, const struct mm_eve_header *h, json_t *rec);

/* Checks the [devices] settings of ini (what mm_devices_new reads): on a
 * value it would refuse writes the message naming path (the settings
 * file), the section, the key and what it takes into err and returns
 * MM_EINVAL. */
int mm_devices_settings_check(const struct mm_ini *ini, const char *path, char *err, size_t errlen);
/* What mm_devices_new found wrong with state_dir's devices.json. A file
 * that is not the JSON the inventory writes, or records in it of another
 * shape, are not loaded; the first save would replace them, so the text is
 * first kept beside it (devices.json.damaged-YYYYMMDDTHHMMSSZ, -2 ... when
 * that name is taken; never replacing a file). */
#define MM_DEVICES_FILE "devices.json" /* in the state directory */

struct mm_devices_damage {
    char path[4200]; /* devices.json ("": no damage) */
    char kept[4300]; /* the copy kept ("" when none could be written) */
    bool unusable;   /* the whole file (else left_out records of it) */
    size_t left_out; /* records of another shape, not loaded */
    int keep_error;  /* the copy could not be written: then mm_devices_new fails with it */
    /* records past [devices] max (not loaded, and left out by the next
     * save), set only when their copy (devices.json.over-max-YYYYMMDDT
     * HHMMSSZ, or the damaged copy) could not be written: path and
     * keep_error are set then, the load failed. A copy written is named by
     * the warning devices.full_at_load. */
    size_t over_max;
};

/* A new inventory, of the sensor's [devices] settings (MM_EPARSE for a
 * bad one, without a message: see mm_devices_settings_check) and
 * state_dir's devices.json: a file that cannot be read fails (its error);
 * a damaged one is kept aside and loaded as far as it goes, *damage (when
 * not NULL) saying so. */
int mm_devices_new(struct mm_sensor *s, const char *state_dir, struct mm_devices **out);
int mm_devices_new_noted(struct mm_sensor *s, const char *state_dir, struct mm_devices **out,
                         struct mm_devices_damage *damage);
/* Writes the inventory to state_dir (atomic); called at exit and periodically. */
int mm_devices_save(struct mm_devices *d);
/* Test hook: true makes mm_devices_save form devices.json's text with
 * jansson's dump, as before the file's own serialiser (the same bytes). */
extern bool mm__devices_save_jansson;
void mm_devices_free(struct mm_devices *d);

/* Learns from a decoded packet (MACs, IPs, SYN traits, ARP). */
void mm_devices_on_packet(struct mm_devices *d, const struct mm_packet *p);
/* Learns from an event (dhcp, http user agent, smb native os, mdns/netbios names). */
void mm_devices_on_event(struct mm_devices *d, const json_t *ev);
/* The same for an event whose event_type the caller knows (type) and,
 * when member is not NULL, whose member named type is member (a direct
 * event's stand-in): neither is looked up in ev. */
void mm_devices_on_typed_event(struct mm_devices *d, const json_t *ev, const char *type,
                               const json_t *member);

/* Housekeeping on the capture clock (mm_sensor_now): announces the held-back
 * address changes of devices that went silent once they are overdue. Every
 * packet handed to the inventory and every save does this already; a
 * caller with a clock but no packets (a quiet live network) may call it
 * once a second. Costs a few instructions when nothing is overdue. */
void mm_devices_tick(struct mm_devices *d);

/* The end of a run whose inventory is not saved (no state directory): the
 * devices still to be announced are announced "new", and every held-back
 * address change "changed", now, overdue or not (with a state directory,
 * mm_devices_save keeps a held-back change for the next run instead). The
 * events carry the records as they are, at the capture clock. */
void mm_devices_finish(struct mm_devices *d);

/* Read access for detectors: the device's current record as JSON (what the
 * "device" event carries, without "action"), or NULL. Borrowed reference,
 * valid until the inventory next learns something (a change may give the
 * device a new record object). */
const json_t *mm_devices_find_mac(const struct mm_devices *d, const uint8_t mac[6]);
const json_t *mm_devices_find_ip(const struct mm_devices *d, const struct mm_addr *a);

/* How many addresses the inventory maps to devices: at most 8 per device
 * (an address that falls out of its device's list leaves the map). */
size_t mm_devices_address_count(const struct mm_devices *d);

/* For the stats record (d may be NULL: 0 and 0): the devices kept, and
 * how often [devices] max kept one out (each look-up of a device not
 * recorded, each devices.json record not loaded). The first time is told
 * once on stderr (devices.full, or devices.full_at_load at the load). */
void mm_devices_counts(const struct mm_devices *d, size_t *known, uint64_t *max_drops);

#endif
