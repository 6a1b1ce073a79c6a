/* SPDX-License-Identifier: Apache-2.0
 * Alerts and device events without their jansson event object
 * (eve-record.h). An alert cost about 16 k instructions on its way out:
 * the header object, the "alert" and "mamori" objects, the writer walking
 * them and checking the UTF-8 of the Japanese message run by run, then the
 * objects freed. Here its line is written from the header struct and the
 * alert's own texts (known to be valid UTF-8: no second check) through
 * the writer's string and integer writers, in the members' order of
 * mm__eve_new and mm_eve_set_alert; a device event's line is its header
 * and the device's record (the one JSON object the inventory keeps).
 * tests/unit/sensor/test-eve-record.c holds these lines to those of the
 * JSON path, byte for byte. */
#include <string.h>

#include "sensor/eve-app.h"
#include "sensor/eve-record.h"

#define LIT(o, s) mm_eve_out_raw(o, s, sizeof(s) - 1)

/* ---- the lines ------------------------------------------------------------------------- */

/* A member whose text is valid UTF-8; NULL is written as "" (as set_text
 * in core/eve.c). */
static void put_valid(struct mm_eve_out *o, char sep, const char *key, size_t key_len,
                      const char *s)
{
    s = s ? s : "";
    mm_eve_out_member_valid(o, sep, key, key_len, s, strlen(s));
}

/* "alert": action, gid, signature_id, rev, signature, category, severity,
 * then metadata when there is some (core/eve.c alert_object). */
static void put_alert(struct mm_eve_out *o, const struct mm_eve_alert *a)
{
    LIT(o, ",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":");
    mm_eve_out_integer(o, (json_int_t)a->signature_id);
    LIT(o, ",\"rev\":1");
    put_valid(o, ',', "signature", 9, a->signature);
    put_valid(o, ',', "category", 8, a->category);
    LIT(o, ",\"severity\":");
    mm_eve_out_integer(o, (int)a->severity);
    if (a->metadata) {
        LIT(o, ",\"metadata\":");
        mm_eve_out_value(o, a->metadata);
    }
    LIT(o, "}");
}

/* "mamori": detector, message {ja, en}, then evidence when there is some
 * (core/eve.c mamori_object). */
static void put_mamori(struct mm_eve_out *o, const struct mm_eve_alert *a)
{
    LIT(o, ",\"mamori\":");
    put_valid(o, '{', "detector", 8, a->detector);
    LIT(o, ",\"message\":");
    put_valid(o, '{', "ja", 2, a->message_ja);
    put_valid(o, ',', "en", 2, a->message_en);
    LIT(o, "}");
    if (a->evidence) {
        LIT(o, ",\"evidence\":");
        mm_eve_out_value(o, a->evidence);
    }
    LIT(o, "}");
}

int mm__alert_line_write(struct mm_eve_out *o, const struct mm_eve_header *h,
                         const struct mm_eve_alert *a)
{
    mm_eve_out_line_begin(o);
    mm__app_line_header(o, h, -1);
    put_alert(o, a);
    put_mamori(o, a);
    LIT(o, "}");
    return mm_eve_out_line_end(o);
}

int mm__device_line_write(struct mm_eve_out *o, const struct mm_eve_header *h, const json_t *rec)
{
    mm_eve_out_line_begin(o);
    mm__app_line_header(o, h, -1);
    LIT(o, ",\"device\":");
    mm_eve_out_value(o, rec);
    LIT(o, "}");
    return mm_eve_out_line_end(o);
}

/* ---- the device stand-in ------------------------------------------------------------- */

static json_t *standin_new(struct mm__records *r)
{
    json_t *ev = json_object();
    if (!ev || json_object_set_new_nocheck(ev, "event_type", json_string_nocheck("device")) != 0) {
        json_decref(ev);
        return NULL;
    }
    r->device_standin = ev;
    return ev;
}

/* "src_ip" as the event's header writes it, or none. */
static int set_source(json_t *ev, const struct mm_addr *a)
{
    char ip[MM_ADDR_STRLEN];
    if (!a)
        return json_object_del(ev, "src_ip"), 0;
    size_t n = mm_addr_text(a, ip);
    return json_object_set_new_nocheck(ev, "src_ip", json_stringn_nocheck(ip, n));
}

json_t *mm__device_standin(struct mm__records *r, const struct mm_eve_header *h, json_t *rec)
{
    json_t *ev = r->device_standin ? r->device_standin : standin_new(r);
    if (!ev)
        return NULL;
    if (set_source(ev, h->src) != 0 || json_object_set_nocheck(ev, "device", rec) != 0) {
        json_decref(ev);
        r->device_standin = NULL;
        return NULL;
    }
    return ev;
}

void mm__device_standin_done(struct mm__records *r)
{
    json_t *ev = r->device_standin;
    if (!ev)
        return;
    if (ev->refcount > 1) { /* a reader holds it: theirs, as it is, from now on */
        json_decref(ev);
        r->device_standin = NULL;
        return;
    }
    json_object_del(ev, "device"); /* the record is the inventory's again */
}
