/* SPDX-License-Identifier: Apache-2.0
 * What the device inventory reads of a "dhcp" event, for an event that
 * takes the sensor's direct path (eve-dhcp.c) and so has no "dhcp" object
 * with members: the texts the object's members would hold (client_mac,
 * assigned_ip, client_ip, requested_ip, hostname, fqdn,
 * vendor_class_identifier), whether it is a reply, and option 55's bytes
 * (what "params_raw" lists).
 *
 * The facts are valid only while the sensor hands that one event to its
 * readers, and only for the event whose "dhcp" member is the object they
 * name: for any other event (a JSON one, a test's, a copy)
 * mm__dhcp_facts_of returns NULL and the reader reads the JSON as before.
 * One set per thread (as http-facts.h). */
#ifndef MM_SENSOR_DECODE_DHCP_FACTS_H
#define MM_SENSOR_DECODE_DHCP_FACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mm__dhcp_facts {
    const json_t *dhcp; /* the event's "dhcp" object these facts describe */
    bool reply;         /* "type" is "reply" */
    /* The members' texts (NUL-terminated; NULL: the member is absent). */
    const char *client_mac, *assigned_ip, *client_ip, *requested_ip;
    const char *hostname, *fqdn, *vendor_class_identifier;
    /* Option 55 (the numbers of "params_raw"); NULL, 0 when absent. */
    const uint8_t *params;
    size_t nparams;
};

/* The facts of the event whose "dhcp" object is dhcp, or NULL. */
const struct mm__dhcp_facts *mm__dhcp_facts_of(const json_t *dhcp);

/* For the sensor's direct path: the thread's facts to fill (cleared, not
 * yet published), then published for dhcp until mm__dhcp_facts_end. */
struct mm__dhcp_facts *mm__dhcp_facts_begin(void);
void mm__dhcp_facts_publish(const json_t *dhcp);
void mm__dhcp_facts_end(void);

#endif
