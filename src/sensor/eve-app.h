/* SPDX-License-Identifier: Apache-2.0
 * Application events without their jansson event object (eve-app.c): the
 * event header as a C struct (what mm_app_event would set), written
 * straight into the EVE writer's batch before the protocol's own part, and
 * the small stand-in objects the detectors and the inventory are handed
 * instead of the event. HTTP events have no jansson object at all
 * (eve-http.h); DNS, TLS, QUIC, RDP and SMB events keep the decoder's
 * object for their protocol member only. sensor.c decides which events take this path
 * and handles them. DHCP, mDNS and NetBIOS events are typed as HTTP and
 * DNS events are (eve-dhcp.h, eve-dns.h, eve-nbns.h). */
#ifndef MM_SENSOR_EVE_APP_H
#define MM_SENSOR_EVE_APP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/eve.h"
#include "sensor/decode/decode.h"
#include "sensor/eve-line.h"
#include "sensor/output/output.h"

/* The event types that may take the direct path: HTTP first. */
#define MM__DIRECT_HTTP  0
#define MM__DIRECT_DNS   1
#define MM__DIRECT_TLS   2
#define MM__DIRECT_DHCP  5
#define MM__DIRECT_MDNS  6
#define MM__DIRECT_NBNS  7
#define MM__DIRECT_TYPES 9

/* One such type: whether its events take the direct path (decided when
 * the sensor starts), whether the EVE output writes them, and its
 * stand-in: an object kept from one event to the next with "event_type",
 * "src_ip" and "dest_ip" as the event has them and the protocol member
 * (for HTTP an empty object, the key of the facts; for the others the
 * decoder's object while the event is handled). */
struct mm__direct_type {
    const char *name;
    bool allowed, eve;
    bool spooled; /* the spool keeps them too (sensor.c) */
    json_t *standin, *member;
    bool member_lent; /* member is the decoder's object, removed after */
    /* The stand-in's "src_ip" and "dest_ip" values (NULL: none known) and
     * the addresses whose texts they hold: an event with the same address
     * leaves its value as it is, without forming the text. */
    json_t *addr_value[2];
    struct mm_addr addr_of[2];
    /* Their texts, which the header of the event being handled copies
     * (mm__app_header_text) instead of forming them again. */
    char addr_text[2][MM_ADDR_STRLEN];
    uint8_t addr_len[2];
};

/* The sensor's state for direct events. */
struct mm__direct {
    struct mm__direct_type types[MM__DIRECT_TYPES];
    const struct mm_eve_header *current; /* the header of the event being handled */
    const json_t *current_standin;       /* and the stand-in handed out for it */
    uint64_t events;                     /* handled this way */
};

struct mm__direct *mm__direct_new(void);
void mm__direct_free(struct mm__direct *d);
/* The entry of an event type, NULL when it never takes the direct path. */
struct mm__direct_type *mm__direct_type(struct mm__direct *d, const char *name);

/* The stand-in of an event of t with header h; member: the decoder's
 * object (referenced while handled), NULL for the type's own empty one.
 * NULL when memory runs out. mm__direct_standin_done after handling: the
 * lent member is removed, and a stand-in a reader kept a reference to is
 * not reused. */
json_t *mm__direct_standin(struct mm__direct_type *t, const struct mm_eve_header *h,
                           json_t *member);
void mm__direct_standin_done(struct mm__direct_type *t);

/* Writes the event's header as the writer writes mm__eve_new's object (an
 * open '{', the members, then "tx_id" when tx_id >= 0), into a line begun
 * with mm_eve_out_line_begin. */
void mm__app_line_header(struct mm_eve_out *o, const struct mm_eve_header *h, int64_t tx_id);
/* Room mm__app_header_text may use (more than the header itself: the
 * time stamp is formed in 40 bytes). */
#define MM__APP_HEADER_ROOM 768
/* The same header formed in place at l (room MM__APP_HEADER_ROOM), for
 * lines formed in place (eve-line.h): a text that is not plain, or a name
 * longer than 64 bytes, is noted in l->bad (the line is then written by
 * the writer's pieces instead). */
void mm__app_header_text(struct mm__line *l, const struct mm_eve_header *h, int64_t tx_id);
/* The whole line of an event with header h, tx_id and the protocol's
 * object obj under key type; 0 or the writer's error (nothing written). */
int mm__app_line_write(struct mm_eve_out *o, const struct mm_eve_header *h, int64_t tx_id,
                       const char *type, const json_t *obj);

#endif
