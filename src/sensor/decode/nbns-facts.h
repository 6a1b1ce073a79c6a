/* SPDX-License-Identifier: Apache-2.0
 * What the device inventory reads of a "netbios" event, for an event that
 * takes the sensor's direct path (eve-nbns.c) and so has no "netbios"
 * object with members: the "hostname" text the sender announces as its
 * own (NULL when the event has none). Valid only while the sensor hands
 * that one event to its readers, and only for the event whose "netbios"
 * member is the object named: for any other event mm__nbns_facts_of
 * returns NULL and the reader reads the JSON. One set per thread. */
#ifndef MM_SENSOR_DECODE_NBNS_FACTS_H
#define MM_SENSOR_DECODE_NBNS_FACTS_H

#include <jansson.h>

struct mm__nbns_facts {
    const json_t *netbios; /* the event's "netbios" object these facts describe */
    const char *hostname;  /* its "hostname", or NULL */
};

const struct mm__nbns_facts *mm__nbns_facts_of(const json_t *netbios);
/* For the sensor's direct path: the thread's facts to fill (cleared), then
 * published for netbios until mm__nbns_facts_end. */
struct mm__nbns_facts *mm__nbns_facts_begin(void);
void mm__nbns_facts_publish(const json_t *netbios);
void mm__nbns_facts_end(void);

#endif
