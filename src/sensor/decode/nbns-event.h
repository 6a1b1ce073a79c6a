/* SPDX-License-Identifier: Apache-2.0
 * The typed NetBIOS name service event: what decode-nbns.c reads of one
 * message before any JSON exists. The decoder hands it to the sensor's
 * direct path (mm__nbns_direct, set by sensor.c): when no consumer needs
 * the event as a jansson object, the inventory reads its facts
 * (nbns-facts.h) and the EVE line is written from it (eve-nbns.c), byte
 * for byte the line of the JSON path; otherwise the decoder builds the
 * "netbios" object from it (mm__nbns_object) as before. */
#ifndef MM_SENSOR_DECODE_NBNS_EVENT_H
#define MM_SENSOR_DECODE_NBNS_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/decode.h"

#define MM__NBNS_NAME_MAX  64 /* the decoded name's text, NUL included */
#define MM__NBNS_ADDRS_MAX 16 /* addresses logged from one record */

struct mm__nbns_message {
    bool response;
    uint16_t id;
    unsigned opcode, suffix, rcode;
    char name[MM__NBNS_NAME_MAX]; /* the NetBIOS name as text (escaped) */
    bool has_group;               /* an address record was read: "group" is logged */
    bool group;
    unsigned naddrs; /* its addresses ("addresses" when there are any) */
    uint8_t addrs[MM__NBNS_ADDRS_MAX][4];
    bool hostname; /* the sender announces name as its own ("hostname") */
};

/* The "netbios" object of m, members in the order the event has always
 * had them; NULL when memory runs out. */
json_t *mm__nbns_object(const struct mm__nbns_message *m);
/* The text of an opcode ("query", "registration", ...). */
const char *mm__nbns_opcode_name(unsigned op);

/* The sensor's direct path (NULL: none): true when it handled m's event
 * without a jansson object, false to have the decoder emit the JSON event. */
extern bool (*mm__nbns_direct)(struct mm_app_ctx *ctx, const struct mm__nbns_message *m);

#endif
