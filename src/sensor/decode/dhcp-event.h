/* SPDX-License-Identifier: Apache-2.0
 * The typed DHCP event: what decode-dhcp.c reads of one message before any
 * JSON exists (the fixed BOOTP fields stay in the message; the options the
 * event logs are kept in wire order, first occurrence of each code). The
 * decoder hands it to the sensor's direct path (mm__dhcp_direct, set by
 * sensor.c): when no consumer needs the event as a jansson object, the
 * inventory reads its facts (dhcp-facts.h) and the EVE line is written
 * from it (eve-dhcp.c), byte for byte the line of the JSON path. Otherwise
 * the decoder builds the "dhcp" object from it (mm__dhcp_object) as
 * before. The helpers below are the texts both paths make. */
#ifndef MM_SENSOR_DECODE_DHCP_EVENT_H
#define MM_SENSOR_DECODE_DHCP_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/decode.h"

#define MM__DHCP_BOOTP_LEN   236 /* the fixed BOOTP header before the magic cookie */
#define MM__DHCP_OPTIONS_MAX 16  /* the codes the event logs (13), once each */

/* One logged option: its code, length and offset of its data in msg. */
struct mm__dhcp_option {
    uint8_t code, len;
    uint32_t at;
};

/* A message of at least MM__DHCP_BOOTP_LEN + 4 bytes with the magic cookie
 * and op 1 or 2 (msg stays the caller's), and its options that the event
 * logs (mm__dhcp_logged), in wire order. */
struct mm__dhcp_message {
    const uint8_t *msg;
    size_t len;
    unsigned nopts;
    struct mm__dhcp_option opts[MM__DHCP_OPTIONS_MAX];
};

/* Reads msg[0..len) into m: 0, MM_ETRUNC (an option runs past the end:
 * the options before it are kept and the event is made) or, with no
 * event, MM_ETRUNC (shorter than the header) / MM_EPARSE (not DHCP). */
int mm__dhcp_read(struct mm__dhcp_message *m, const uint8_t *msg, size_t len);

/* The "dhcp" object of m, members in the order the event has always had
 * them; NULL when memory runs out. */
json_t *mm__dhcp_object(const struct mm__dhcp_message *m);

/* ---- the texts both paths make ---------------------------------------------------- */

static inline bool mm__dhcp_reply(const struct mm__dhcp_message *m)
{
    return m->msg[0] == 2;
}

/* The client hardware address's length as logged (at most 16). */
static inline size_t mm__dhcp_hlen(const struct mm__dhcp_message *m)
{
    return m->msg[2] <= 16 ? m->msg[2] : 16;
}

/* "aa:bb:..." of p[0..n) (n <= 255) into out (3 * n bytes of room); the
 * length, out NUL-terminated. */
size_t mm__dhcp_hex(const uint8_t *p, size_t n, char *out);
/* True for the option codes the event logs (others are passed over). */
bool mm__dhcp_logged(uint8_t code);
/* The name of option 55's code, or NULL when Suricata gives it none. */
const char *mm__dhcp_param_name(uint8_t code);
/* The name of an option 53 value ("unknown" past "inform"). */
const char *mm__dhcp_type_name(uint8_t type);
/* The length of p[0..n) without the NULs some clients put after text. */
size_t mm__dhcp_text_len(const uint8_t *p, size_t n);

/* The sensor's direct path (NULL: none): true when it handled m's event
 * without a jansson object, false to have the decoder emit the JSON event. */
extern bool (*mm__dhcp_direct)(struct mm_app_ctx *ctx, const struct mm__dhcp_message *m);

#endif
