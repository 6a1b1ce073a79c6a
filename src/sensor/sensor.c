/* SPDX-License-Identifier: Apache-2.0
 * The sensor context: configuration and home network, the current intel set,
 * the device inventory, the event queue behind mm_sensor_emit (every event
 * reaches the spool, the EVE output, then detectors and the inventory in
 * emission order; events emitted while one is handled are queued behind it),
 * the ways around it for events without a jansson object (typed application
 * events, alerts and device events: eve-app.h, eve-record.h; spooled ones
 * reach the spool through the EVE writer's tap), the mm_sensor_alert_*
 * builders, and the outputs' lifetime. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/msg.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "sensor/decode/decode.h"
#include "sensor/detect/detect-util.h"
#include "sensor/decode/app-util.h"
#include "sensor/device.h"
#include "sensor/eve-dhcp.h"
#include "sensor/eve-dns.h"
#include "sensor/eve-http.h"
#include "sensor/eve-nbns.h"
#include "sensor/decode/tls-facts.h"
#include "sensor/eve-tls.h"
#include "sensor/intel/intel.h"
#include "sensor/output/decimal.h"
#include "sensor/sensor-int.h"

#define QUEUE_MAX       (1u << 20) /* events pending at once; beyond: dropped */
#define SPOOL_SYNC_USEC 1000000
#define LOG             "sensor-log" /* message catalogue (data/i18n/sensor-log.json) */

/* ---- public accessors ---------------------------------------------------- */

const struct mm_sensor_config *mm_sensor_config(const struct mm_sensor *s)
{
    return &s->cfg;
}

char *mm_sensor_settings_error(struct mm_sensor *s)
{
    return s->detect_error;
}

/* The masks of a CIDR (host bits already cleared) over the address's two
 * 64-bit halves, so a home-net test is two AND-compares per CIDR: the
 * detectors and the inventory ask several times per packet. */
static struct mm__home_mask home_mask(const struct mm_cidr *c)
{
    struct mm__home_mask m = {.family = c->addr.family};
    uint8_t bytes[16] = {0};
    for (unsigned i = 0; i < 16 && i * 8 < c->prefix; i++) {
        unsigned bits = c->prefix - i * 8;
        bytes[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
    }
    memcpy(m.mask, bytes, 16);
    memcpy(m.value, c->addr.bytes, 16);
    m.value[0] &= m.mask[0];
    m.value[1] &= m.mask[1];
    return m;
}

static int home_masks_build(struct mm_sensor *s)
{
    if (s->cfg.home_net_count == 0)
        return 0;
    s->home = calloc(s->cfg.home_net_count, sizeof *s->home);
    if (!s->home)
        return MM_ENOMEM;
    for (size_t i = 0; i < s->cfg.home_net_count; i++)
        s->home[i] = home_mask(&s->cfg.home_net[i]);
    return 0;
}

bool mm_sensor_is_home(const struct mm_sensor *s, const struct mm_addr *a)
{
    uint64_t w[2];
    memcpy(w, a->bytes, 16);
    for (size_t i = 0; i < s->cfg.home_net_count; i++) {
        const struct mm__home_mask *m = &s->home[i];
        if (m->family == a->family && (w[0] & m->mask[0]) == m->value[0] &&
            (w[1] & m->mask[1]) == m->value[1])
            return true;
    }
    return false;
}

const struct mm_intel *mm_sensor_intel(const struct mm_sensor *s)
{
    return s->intel;
}

struct mm_devices *mm_sensor_devices(struct mm_sensor *s)
{
    return s->devices;
}

const struct timeval *mm_sensor_now(const struct mm_sensor *s)
{
    return &s->now;
}

/* ---- the event queue ----------------------------------------------------- */

static int queue_push(struct mm_sensor *s, json_t *ev)
{
    if (s->qhead + s->qlen == s->qcap) {
        if (s->qhead > 0) {
            memmove(s->q, s->q + s->qhead, s->qlen * sizeof(*s->q));
            s->qhead = 0;
        } else {
            if (s->qcap >= QUEUE_MAX)
                return MM_ELIMIT;
            size_t cap = s->qcap ? 2 * s->qcap : 64;
            json_t **nq = realloc(s->q, cap * sizeof(*nq));
            if (!nq)
                return MM_ENOMEM;
            s->q = nq;
            s->qcap = cap;
        }
    }
    s->q[s->qhead + s->qlen++] = ev;
    return 0;
}

static json_t *queue_pop(struct mm_sensor *s)
{
    if (s->qlen == 0)
        return NULL;
    json_t *ev = s->q[s->qhead++];
    if (--s->qlen == 0)
        s->qhead = 0;
    return ev;
}

/* True when type is in the comma-separated list (spaces around names allowed). */
static bool type_listed(const char *list, const char *type)
{
    size_t n = strlen(type), len;
    const char *cursor = list ? list : "", *name;
    while ((name = mm__list_item(&cursor, &len)) != NULL)
        if (len == n && strncmp(name, type, n) == 0)
            return true;
    return false;
}

/* True when event_type is in the comma-separated [uplink] event_types. */
static bool spool_wants(const struct mm_sensor *s, const char *type)
{
    return type_listed(s->opt->spool_types, type);
}

bool mm__eve_wants(const struct mm_sensor *s, const char *type)
{
    return !s->opt->eve_types || type_listed(s->opt->eve_types, type);
}

/* Counts a spool append's result; a sync is due within a second of the
 * first record appended since the last. */
static void spool_counted(struct mm_sensor *s, int r)
{
    if (r != 0) {
        s->st.spool_errors++;
        return;
    }
    s->st.spooled++;
    if (!s->spool_sync_due)
        s->spool_sync_due = mm_time_mono_usec() + SPOOL_SYNC_USEC;
}

/* A JSON event's way out: to the spool when its type is spooled (the
 * spool sets its "seq"), then to the EVE output: the spooled record's
 * line when there is one (the bytes mm_eve_out_write writes of the event
 * with its seq, formed once), else the event. */
static void output_event(struct mm_sensor *s, json_t *ev, const char *type)
{
    bool eve = s->eve && mm__eve_wants(s, type);
    const char *line = NULL;
    size_t n = 0;
    if (s->spool && spool_wants(s, type)) {
        spool_counted(s, mm_spool_append(s->spool, ev));
        line = mm_spool_last_line(s->spool, &n);
    }
    if (eve && (line ? mm_eve_out_write_line(s->eve, line, n) : mm_eve_out_write(s->eve, ev)) != 0)
        s->st.eve_errors++;
}

/* The event goes to the spool and the EVE output before its readers run:
 * what they raise or announce comes after it in both, whether it is
 * queued or (an alert, eve-record.h) written at once. */
static void handle_event(struct mm_sensor *s, json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "event_type"));
    if (!type)
        type = "";
    bool alert = strcmp(type, "alert") == 0;
    s->st.events++;
    if (alert)
        s->st.alerts++;
    output_event(s, ev, type);
    if (!alert) {
        mm__detect_event(s, ev, type);
        mm__devices_event(s, ev);
    }
}

/* Handles the queued events in order (those queued while one is handled
 * join the end); s->draining is set by the caller. */
static void drain(struct mm_sensor *s)
{
    json_t *e;
    while ((e = queue_pop(s)) != NULL) {
        handle_event(s, e);
        json_decref(e);
    }
    s->draining = false;
}

void mm_sensor_emit(struct mm_sensor *s, json_t *ev)
{
    if (!ev)
        return;
    if (!s || queue_push(s, ev) != 0) {
        json_decref(ev);
        return;
    }
    if (s->draining)
        return;
    s->draining = true;
    drain(s);
}

/* ---- spooled events without a json_t ---------------------------------------------- */

/* A spooled event written without its JSON object: its line is formed
 * once, in the EVE writer's batch, and the EVE writer's tap (output.h)
 * puts ,"seq":N last in it and hands the text to the spool, which keeps
 * it as the record mm_spool_append would have made of the JSON event
 * ("seq" set last, compact text: the bytes the EVE writer writes). The
 * EVE output keeps the line too when it takes the type (with the seq, as
 * the JSON path writes the event after the spool set its seq); when the
 * append fails the line is written without it, as the JSON path does. */
struct spool_tap {
    struct mm_eve_out_tap tap;
    struct mm_spool *spool;
    uint64_t seq;
    char tail[32]; /* ,"seq":N */
};

static int spool_tap_append(void *arg, const char *text, size_t len)
{
    struct spool_tap *t = arg;
    return mm_spool_append_text(t->spool, t->seq, text, len);
}

/* Writes a spooled event's line by write_line through the tap (eve: the
 * EVE output keeps it too). False, with nothing written anywhere, when
 * the line could not be formed (memory, text that is not UTF-8). */
static bool write_spooled(struct mm_sensor *s, bool eve,
                          int (*write_line)(struct mm_eve_out *o, const void *arg), const void *arg)
{
    struct spool_tap t = {.spool = s->spool, .seq = mm_spool_next_seq(s->spool)};
    size_t n = sizeof ",\"seq\":" - 1;
    memcpy(t.tail, ",\"seq\":", n);
    n += mm__u64_text(t.tail + n, t.seq);
    t.tap = (struct mm_eve_out_tap){
        .tail = t.tail, .tail_len = n, .fn = spool_tap_append, .arg = &t, .write = eve};
    mm_eve_out_set_tap(s->eve, &t.tap);
    int r = write_line(s->eve, arg);
    mm_eve_out_set_tap(s->eve, NULL);
    if (!t.tap.tapped)
        return false;
    spool_counted(s, t.tap.result);
    if (eve && r != 0)
        s->st.eve_errors++;
    return true;
}

bool mm__sensor_write_spooled(struct mm_sensor *s, bool eve,
                              int (*write_line)(struct mm_eve_out *o, const void *arg),
                              const void *arg)
{
    return s->eve && write_spooled(s, eve, write_line, arg);
}

/* ---- application events without a json_t (eve-app.h, eve-http.h) ------------ */

/* True when every detector given events of type reads them through facts
 * and the stand-in (detect.h, reads_standin). The device inventory reads
 * none of the direct types but HTTP, DHCP, mDNS and NetBIOS, through their
 * facts. */
static bool readers_read_standin(const char *type)
{
    for (size_t i = 0; i < mm_detector_count; i++) {
        const struct mm_detector *d = mm_detectors[i];
        if (d->on_event && (!d->events || type_listed(d->events, type)) && !d->reads_standin)
            return false;
    }
    return true;
}

/* True when events of type go to the spool. */
static bool spooled(const struct mm_sensor *s, const char *type)
{
    return s->spool && spool_wants(s, type);
}

/* Decides, once the outputs and detectors are set up, which events may
 * skip their jansson event object: not those a detector reads as JSON.
 * Spooled ones are written through the EVE writer's tap (write_spooled),
 * so they need the writer even when it does not keep their type. */
static int direct_open(struct mm_sensor *s)
{
    if (!(s->direct = mm__direct_new()))
        return MM_ENOMEM;
    for (size_t i = 0; i < MM__DIRECT_TYPES; i++) {
        struct mm__direct_type *t = &s->direct->types[i];
        t->spooled = spooled(s, t->name);
        t->allowed = (!t->spooled || s->eve) && readers_read_standin(t->name);
        t->eve = mm__eve_wants(s, t->name);
    }
    s->records.alerts_spooled = spooled(s, "alert");
    s->records.devices_spooled = spooled(s, "device");
    s->records.alerts = !s->records.alerts_spooled || s->eve;
    s->records.devices = !s->records.devices_spooled || s->eve;
    s->records.alert_eve = mm__eve_wants(s, "alert");
    s->records.device_eve = mm__eve_wants(s, "device");
    return 0;
}

/* The type's entry when ctx's event may take the direct path now: an
 * event emitted while another is handled waits in the queue as JSON. */
static struct mm__direct_type *direct_for(struct mm_app_ctx *ctx, const char *type)
{
    struct mm_sensor *s = ctx->sensor;
    struct mm__direct_type *t = s->direct ? mm__direct_type(s->direct, type) : NULL;
    return t && t->allowed && !s->draining ? t : NULL;
}

/* The same for the type at index i (MM__DIRECT_HTTP ...), without looking
 * its name up. */
static struct mm__direct_type *direct_at(struct mm_app_ctx *ctx, size_t i)
{
    struct mm_sensor *s = ctx->sensor;
    struct mm__direct_type *t = s->direct ? &s->direct->types[i] : NULL;
    return t && t->allowed && !s->draining ? t : NULL;
}

/* Handles a direct event as handle_event handles a JSON one: the line is
 * written by write_line, the detectors and the inventory are given the
 * stand-in (alerts about it take header h), then the events queued
 * meanwhile (alerts, device events) are handled. */
static void handle_direct(struct mm_sensor *s, struct mm__direct_type *t, json_t *standin,
                          const struct mm_eve_header *h,
                          int (*write_line)(struct mm_eve_out *o, const void *arg), const void *arg)
{
    struct mm__direct *d = s->direct;
    d->current = h;
    d->current_standin = standin;
    s->draining = true;
    s->st.events++;
    d->events++;
    if (t->member)
        mm__detect_event_ahead(s, t->member); /* the detectors' misses overlap the line */
    if (t->spooled) {
        /* a line that cannot be formed is lost to both, as on the JSON
         * path (there, running out of memory might hit only one) */
        if (!write_spooled(s, t->eve, write_line, arg)) {
            s->st.spool_errors++;
            s->st.eve_errors += t->eve;
        }
    } else if (s->eve && t->eve && write_line(s->eve, arg) != 0) {
        s->st.eve_errors++;
    }
    mm__detect_event_member(s, standin, t->name, t->member);
    if (s->devices)
        mm_devices_on_typed_event(s->devices, standin, t->name, t->member);
    d->current = NULL;
    d->current_standin = NULL;
    mm__direct_standin_done(t);
    drain(s);
}

/* A typed event whose facts are filled: its stand-in (no protocol object)
 * is made, the facts are published for the stand-in's member while the
 * readers run (handle_direct), then withdrawn. False, leaving the event to
 * the decoder's JSON path, when the stand-in cannot be made. */
static bool typed_direct(struct mm_app_ctx *ctx, struct mm__direct_type *t,
                         const struct mm_eve_header *h,
                         int (*write_line)(struct mm_eve_out *o, const void *arg), const void *arg,
                         void (*publish)(const json_t *member), void (*end)(void))
{
    json_t *standin = mm__direct_standin(t, h, NULL);
    if (!standin)
        return false;
    publish(t->member);
    handle_direct(ctx->sensor, t, standin, h, write_line, arg);
    end();
    return true;
}

static int write_http(struct mm_eve_out *o, const void *e)
{
    return mm__http_line_write(o, e);
}

/* The decoder's typed HTTP event: no jansson object at all; the facts are
 * published for the stand-in's "http" member. */
static bool http_direct(struct mm_app_ctx *ctx, const struct mm__http_message *m)
{
    struct mm__direct_type *t = direct_at(ctx, MM__DIRECT_HTTP);
    struct mm__http_event e;
    if (!t)
        return false;
    mm__http_event_fill(&e, ctx, m);
    mm__http_event_facts(&e, mm__http_facts_begin());
    return typed_direct(ctx, t, &e.h, write_http, &e, mm__http_facts_publish, mm__http_facts_end);
}

static int write_dns(struct mm_eve_out *o, const void *e)
{
    return mm__dns_line_write(o, e);
}

/* The decoder's DNS message as a typed event (eve-dns.h): no "dns" object;
 * the facts are published for the stand-in's own empty "dns" member. A
 * header cut short (no event) and a parse out of memory are left to the
 * decoder's JSON path. */
static bool dns_direct(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len, int *result)
{
    struct mm__direct_type *t = direct_at(ctx, MM__DIRECT_DNS);
    struct mm__dns_event *e = mm__dns_event_get();
    if (!t || len < 12)
        return false;
    int r = mm__dns_event_fill(e, ctx, msg, len);
    if (r == MM_ENOMEM)
        return false;
    mm__dns_event_facts(e, mm__dns_facts_begin());
    if (!typed_direct(ctx, t, &e->h, write_dns, e, mm__dns_facts_publish, mm__dns_facts_end))
        return false;
    *result = r;
    return true;
}

static int write_mdns(struct mm_eve_out *o, const void *e)
{
    return mm__mdns_line_write(o, e);
}

/* The decoder's mDNS message as a typed DNS event (eve-dns.h): no "mdns"
 * object; the facts (its A/AAAA records) are published for the stand-in's
 * own empty "mdns" member (the device inventory reads them). */
static bool mdns_direct(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len, int *result)
{
    struct mm__direct_type *t = direct_at(ctx, MM__DIRECT_MDNS);
    struct mm__dns_event *e = mm__dns_event_get();
    if (!t || len < 12)
        return false;
    int r = mm__mdns_event_fill(e, ctx, msg, len);
    if (r == MM_ENOMEM)
        return false;
    mm__mdns_event_facts(e, mm__mdns_facts_begin());
    if (!typed_direct(ctx, t, &e->h, write_mdns, e, mm__mdns_facts_publish, mm__mdns_facts_end))
        return false;
    *result = r;
    return true;
}

static int write_nbns(struct mm_eve_out *o, const void *e)
{
    return mm__nbns_line_write(o, e);
}

/* The decoder's NetBIOS name service message as a typed event
 * (eve-nbns.h): no jansson object; the facts ("hostname") are published
 * for the stand-in's own empty "netbios" member. */
static bool nbns_direct(struct mm_app_ctx *ctx, const struct mm__nbns_message *m)
{
    struct mm__direct_type *t = direct_at(ctx, MM__DIRECT_NBNS);
    struct mm__nbns_event e;
    if (!t)
        return false;
    mm__nbns_event_fill(&e, ctx, m);
    mm__nbns_event_facts(&e, mm__nbns_facts_begin());
    return typed_direct(ctx, t, &e.h, write_nbns, &e, mm__nbns_facts_publish, mm__nbns_facts_end);
}

struct tls_line {
    const struct mm_eve_header *h;
    const struct mm__tls_part *p;
};

static int write_tls(struct mm_eve_out *o, const void *arg)
{
    const struct tls_line *l = arg;
    return mm__tls_line_write(o, l->h, l->p);
}

/* The decoder's TLS handshake part as a typed record (eve-tls.h): no
 * "tls" object; the facts are published for the stand-in's own empty
 * "tls" member. */
static bool tls_direct(struct mm_app_ctx *ctx, const struct mm__tls_part *p)
{
    struct mm__direct_type *t = direct_at(ctx, MM__DIRECT_TLS);
    struct mm_eve_header h;
    if (!t)
        return false;
    mm_app_header(ctx, "tls", &h);
    mm__tls_part_facts(p, mm__tls_facts_begin());
    struct tls_line line = {&h, p};
    return typed_direct(ctx, t, &h, write_tls, &line, mm__tls_facts_publish, mm__tls_facts_end);
}

static int write_dhcp(struct mm_eve_out *o, const void *e)
{
    return mm__dhcp_line_write(o, e);
}

/* The decoder's DHCP message as a typed event (eve-dhcp.h): no jansson
 * object at all; the facts are published for the stand-in's own empty
 * "dhcp" member (the device inventory reads them). */
static bool dhcp_direct(struct mm_app_ctx *ctx, const struct mm__dhcp_message *m)
{
    struct mm__direct_type *t = direct_at(ctx, MM__DIRECT_DHCP);
    struct mm__dhcp_event e;
    if (!t)
        return false;
    mm__dhcp_event_fill(&e, ctx, m);
    mm__dhcp_event_facts(&e, mm__dhcp_facts_begin());
    return typed_direct(ctx, t, &e.h, write_dhcp, &e, mm__dhcp_facts_publish, mm__dhcp_facts_end);
}

struct app_line {
    const struct mm_eve_header *h;
    int64_t tx_id;
    const char *type;
    const json_t *obj;
};

static int write_app(struct mm_eve_out *o, const void *arg)
{
    const struct app_line *l = arg;
    return mm__app_line_write(o, l->h, l->tx_id, l->type, l->obj);
}

/* Another application event: the decoder's protocol object, lent to the
 * stand-in, without the event object around it. */
static bool app_direct(struct mm_app_ctx *ctx, const char *type, json_t *obj, int64_t tx_id)
{
    struct mm__direct_type *t = direct_for(ctx, type);
    struct mm_eve_header h;
    if (!t || t == &ctx->sensor->direct->types[MM__DIRECT_HTTP] ||
        t == &ctx->sensor->direct->types[MM__DIRECT_DHCP] ||
        t == &ctx->sensor->direct->types[MM__DIRECT_MDNS] ||
        t == &ctx->sensor->direct->types[MM__DIRECT_NBNS])
        return false; /* typed events: their decoders' own hooks */
    mm_app_header(ctx, type, &h);
    json_t *standin = mm__direct_standin(t, &h, obj);
    if (!standin)
        return false;
    struct app_line line = {&h, tx_id, type, obj};
    handle_direct(ctx->sensor, t, standin, &h, write_app, &line);
    json_decref(obj);
    return true;
}

/* ---- device events without a json_t (device.h, eve-record.h) ------------------ */

/* The device event's JSON object (the queue's path), or NULL. */
static json_t *device_event(const struct mm_eve_header *h, json_t *rec)
{
    json_t *ev = mm__eve_new(h);
    if (ev && json_object_set_nocheck(ev, "device", rec) != 0) {
        json_decref(ev);
        ev = NULL;
    }
    return ev;
}

/* Writes the device event's line through its JSON event (when the direct
 * writer failed: the JSON path's fallback writer may still write it). */
static int device_write_json(struct mm_sensor *s, const struct mm_eve_header *h, json_t *rec)
{
    json_t *ev = device_event(h, rec);
    int r = ev ? mm_eve_out_write(s->eve, ev) : MM_ENOMEM;
    json_decref(ev);
    return r;
}

struct device_line {
    const struct mm_eve_header *h;
    const json_t *rec;
};

static int write_device(struct mm_eve_out *o, const void *arg)
{
    const struct device_line *l = arg;
    return mm__device_line_write(o, l->h, l->rec);
}

/* A device event's line to the spool and the EVE output: through the tap
 * when spooled, else straight into the EVE writer; through its JSON event
 * when the line cannot be formed so. */
static void device_output(struct mm_sensor *s, const struct mm_eve_header *h, json_t *rec)
{
    const struct mm__records *r = &s->records;
    struct device_line line = {h, rec};
    if (r->devices_spooled) {
        if (write_spooled(s, r->device_eve, write_device, &line))
            return;
        json_t *ev = device_event(h, rec);
        if (ev)
            output_event(s, ev, "device");
        json_decref(ev);
        return;
    }
    if (s->eve && r->device_eve && write_device(s->eve, &line) != 0 &&
        device_write_json(s, h, rec) != 0)
        s->st.eve_errors++;
}

/* The inventory's device event without its event object (device.h,
 * mm__device_direct): taken when no event is being handled (else it
 * waits in the queue as JSON). The line is written (and spooled), the
 * detectors are given a stand-in holding the record, then what they
 * queued is handled. */
static bool device_direct(struct mm_sensor *s, const struct mm_eve_header *h, json_t *rec)
{
    struct mm__records *r = &s->records;
    struct mm__direct *d = s->direct;
    if (!d || !r->devices || s->draining)
        return false;
    json_t *standin = mm__device_standin(r, h, rec);
    if (!standin)
        return false;
    s->draining = true;
    s->st.events++;
    r->devices_direct++;
    device_output(s, h, rec);
    d->current = h;
    d->current_standin = standin;
    mm__detect_event_member(s, standin, "device", rec);
    /* the inventory reads nothing from device events (mm_devices_on_event) */
    d->current = NULL;
    d->current_standin = NULL;
    mm__device_standin_done(r);
    drain(s);
    return true;
}

void mm__sensor_spool_tick(struct mm_sensor *s)
{
    if (s->spool_sync_due && mm_time_mono_usec() >= s->spool_sync_due) {
        mm_spool_sync(s->spool);
        s->spool_sync_due = 0;
    }
}

/* ---- alerts -------------------------------------------------------------- */

static void drop_alert_refs(const struct mm_eve_alert *a)
{
    json_decref(a->metadata);
    json_decref(a->evidence);
}

/* True when alert a may be written now without its event object (and,
 * when spooled, reach the spool as its line): nothing waits in the queue
 * (an event being handled is written before its readers run, see
 * handle_event, so an alert raised meanwhile comes right after it, as it
 * would through the queue); its texts are known to be valid UTF-8 (else
 * the JSON path checks them and drops the alert when one is not). */
static bool alert_direct_now(const struct mm_sensor *s, const struct mm_eve_alert *a)
{
    return s->records.alerts && s->qlen == 0 && a->texts_valid &&
           (!a->detector || mm_utf8_valid(a->detector, strlen(a->detector), NULL));
}

/* The alert's JSON event, or NULL when memory runs out; takes a's
 * references. */
static json_t *alert_event(const struct mm_eve_header *h, const struct mm_eve_alert *a)
{
    json_t *ev = mm__eve_new(h);
    if (!ev) {
        drop_alert_refs(a);
        return NULL;
    }
    if (mm_eve_set_alert(ev, a) != 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

/* Writes the alert's line through its JSON event (when the direct writer
 * failed: the JSON path's fallback writer may still write it). */
static int alert_write_json(struct mm_sensor *s, const struct mm_eve_header *h,
                            const struct mm_eve_alert *a)
{
    json_incref(a->metadata);
    json_incref(a->evidence);
    json_t *ev = alert_event(h, a);
    int r = ev ? mm_eve_out_write(s->eve, ev) : MM_ENOMEM;
    json_decref(ev);
    return r;
}

struct alert_line {
    const struct mm_eve_header *h;
    const struct mm_eve_alert *a;
};

static int write_alert(struct mm_eve_out *o, const void *arg)
{
    const struct alert_line *l = arg;
    return mm__alert_line_write(o, l->h, l->a);
}

/* A spooled alert: through the tap, or through its JSON event when the
 * line cannot be formed so. */
static void alert_spooled(struct mm_sensor *s, const struct mm_eve_header *h,
                          const struct mm_eve_alert *a)
{
    struct alert_line line = {h, a};
    if (write_spooled(s, s->records.alert_eve, write_alert, &line))
        return;
    json_incref(a->metadata);
    json_incref(a->evidence);
    json_t *ev = alert_event(h, a);
    if (ev)
        output_event(s, ev, "alert");
    json_decref(ev);
}

/* An alert handled as handle_event handles its JSON event. */
static void alert_direct(struct mm_sensor *s, const struct mm_eve_header *h,
                         const struct mm_eve_alert *a)
{
    if (a->detector && strcmp(a->detector, "intel") == 0)
        s->st.intel_hits++;
    s->st.events++;
    s->st.alerts++;
    s->records.alerts_direct++;
    if (s->records.alerts_spooled)
        alert_spooled(s, h, a);
    else if (s->eve && s->records.alert_eve && mm__alert_line_write(s->eve, h, a) != 0 &&
             alert_write_json(s, h, a) != 0)
        s->st.eve_errors++;
    drop_alert_refs(a);
}

static void finish_alert(struct mm_sensor *s, const struct mm_eve_header *h,
                         const struct mm_eve_alert *a)
{
    if (alert_direct_now(s, a)) {
        alert_direct(s, h, a);
        return;
    }
    json_t *ev = alert_event(h, a);
    if (!ev)
        return;
    if (a->detector && strcmp(a->detector, "intel") == 0)
        s->st.intel_hits++;
    mm_sensor_emit(s, ev);
}

void mm_sensor_alert_packet(struct mm_sensor *s, const struct mm_packet *p,
                            const struct mm_eve_alert *a)
{
    struct mm_flow *f = p->flow;
    struct mm_eve_header h;
    mm__eve_header_packet(&h, "alert", p, f);
    if (f) {
        h.app_proto = f->app ? f->app->name : NULL;
        f->alerted = true;
    }
    finish_alert(s, &h, a);
}

/* Copies an address field of ev into *a; returns a or NULL. */
static const struct mm_addr *event_addr(const json_t *ev, const char *key, struct mm_addr *a)
{
    const char *txt = json_string_value(json_object_get(ev, key));
    return txt && mm_addr_parse(txt, a) == 0 ? a : NULL;
}

/* True when the capture clock's text reads back as the same instant
 * (parse(format(now)) == now), so that an event stamped with that text
 * needs no parse; decided once per capture minute (the zone offset is the
 * same within a minute; only offsets with seconds, before 1972, fail). */
static bool now_text_round_trips(const struct timeval *now, const char *text)
{
    static _Thread_local int64_t minute = INT64_MIN;
    static _Thread_local bool stable;
    int64_t sec = (int64_t)now->tv_sec, m = (sec - ((sec % 60) + 60) % 60) / 60, usec;
    if (m != minute) {
        stable = mm_time_parse(text, &usec) == 0 && usec == mm_time_to_usec(now);
        minute = m;
    }
    return stable;
}

/* The instant of an event's "timestamp" text ts: the capture clock when ts
 * is its text (events are made for the packet at hand: no parse), else ts
 * parsed, else the capture clock. */
static struct timeval event_time(const struct mm_sensor *s, const char *ts)
{
    char now[MM_TIMESTAMP_MAX];
    int64_t usec;
    if (!ts)
        return s->now;
    if (s->now.tv_usec >= 0 && s->now.tv_usec <= 999999) {
        mm__time_format(&s->now, now);
        if (strcmp(ts, now) == 0 && now_text_round_trips(&s->now, now))
            return s->now;
    }
    return mm_time_parse(ts, &usec) == 0 ? mm_time_from_usec(usec) : s->now;
}

static bool has_ports(const char *proto)
{
    return proto &&
           (strcmp(proto, "TCP") == 0 || strcmp(proto, "UDP") == 0 || strcmp(proto, "SCTP") == 0);
}

/* An address of the event as the alert reads it back from the event's
 * text; returns a or NULL. */
static const struct mm_addr *typed_addr(const struct mm_addr *in, struct mm_addr *a)
{
    char txt[MM_ADDR_STRLEN];
    if (!in)
        return NULL;
    mm_addr_text(in, txt);
    return mm_addr_parse(txt, a) == 0 ? a : NULL;
}

/* The alert header of a direct event (the stand-in stood for e): what
 * mm_sensor_alert_event reads from the JSON event, taken from e's header
 * through the same texts and numbers the event's JSON would hold. */
static void alert_header_typed(const struct mm_sensor *s, const struct mm_eve_header *e,
                               struct mm_eve_header *h, struct mm_addr *src, struct mm_addr *dst)
{
    char ts[MM_TIMESTAMP_MAX];
    bool ports = has_ports(e->proto);
    mm__time_format(&e->ts, ts);
    h->ts = event_time(s, ts);
    h->flow_id = e->flow_id & INT64_MAX;
    h->src = typed_addr(e->src, src);
    h->dst = typed_addr(e->dst, dst);
    h->src_port = e->src && ports ? e->src_port : 0;
    h->dest_port = e->dst && ports ? e->dest_port : 0;
    h->proto = e->proto;
    h->community_id = e->community_id;
    h->app_proto = e->app_proto;
    h->pcap_cnt = e->pcap_cnt;
    mm__eve_header_vlan(h, e->vlan, e->vlan_count);
}

void mm_sensor_alert_event(struct mm_sensor *s, const json_t *ev, const struct mm_eve_alert *a)
{
    struct mm_addr src, dst;
    struct mm_eve_header h = {.event_type = "alert"};
    const struct mm__direct *d = s->direct;
    if (d && d->current && ev == d->current_standin) {
        alert_header_typed(s, d->current, &h, &src, &dst);
        if (s->cur_flow && h.flow_id == s->cur_flow->id)
            s->cur_flow->alerted = true;
        finish_alert(s, &h, a);
        return;
    }
    h.ts = event_time(s, json_string_value(json_object_get(ev, "timestamp")));
    h.flow_id = (uint64_t)json_integer_value(json_object_get(ev, "flow_id"));
    h.src = event_addr(ev, "src_ip", &src);
    h.dst = event_addr(ev, "dest_ip", &dst);
    h.src_port = (uint16_t)json_integer_value(json_object_get(ev, "src_port"));
    h.dest_port = (uint16_t)json_integer_value(json_object_get(ev, "dest_port"));
    h.proto = json_string_value(json_object_get(ev, "proto"));
    h.community_id = json_string_value(json_object_get(ev, "community_id"));
    h.app_proto = json_string_value(json_object_get(ev, "app_proto"));
    h.pcap_cnt = (uint64_t)json_integer_value(json_object_get(ev, "pcap_cnt"));
    const json_t *vlan = json_object_get(ev, "vlan");
    for (size_t i = 0; i < json_array_size(vlan) && i < 2; i++)
        h.vlan[h.vlan_count++] = (uint16_t)json_integer_value(json_array_get(vlan, i));
    if (s->cur_flow && h.flow_id == s->cur_flow->id)
        s->cur_flow->alerted = true;
    finish_alert(s, &h, a);
}

void mm_sensor_event_ports(const struct mm_sensor *s, const json_t *ev, uint16_t *src_port,
                           uint16_t *dest_port)
{
    const struct mm__direct *d = s->direct;
    if (d && d->current && ev == d->current_standin) {
        bool ports = has_ports(d->current->proto);
        *src_port = d->current->src && ports ? d->current->src_port : 0;
        *dest_port = d->current->dst && ports ? d->current->dest_port : 0;
        return;
    }
    *src_port = (uint16_t)json_integer_value(json_object_get(ev, "src_port"));
    *dest_port = (uint16_t)json_integer_value(json_object_get(ev, "dest_port"));
}

void mm_sensor_alert_at(struct mm_sensor *s, const struct timeval *ts, const struct mm_addr *src,
                        const struct mm_addr *dst, const struct mm_eve_alert *a)
{
    struct mm_eve_header h = {
        .ts = ts ? *ts : s->now, .event_type = "alert", .src = src, .dst = dst};
    finish_alert(s, &h, a);
}

/* ---- lifetime ------------------------------------------------------------ */

/* A live sensor opens its outputs after switching user (--user): a refused
 * one says which user it runs as, which the installer (root) cannot guess
 * from "not permitted" alone. */
static void as_user_hint(const struct mm_sensor *s, int r, char *err, size_t errlen)
{
    size_t n = strlen(err);
    const struct passwd *pw =
        r == MM_EPERM && (s->live || s->opt->user) ? getpwuid(geteuid()) : NULL;
    if (pw && n < errlen)
        mm_msg_format(err + n, errlen - n, LOG, "sensor.as_user", pw->pw_name);
}

/* The start of a message about a path the settings file gave ([section]
 * key), as every settings error starts: "FILE: [section] key: "; "" for
 * one the command line gave (its message names the path). Returns the
 * length written. */
static size_t setting_named(const struct mm_sensor *s, bool from_file, const char *section,
                            const char *key, char *err, size_t errlen)
{
    err[0] = '\0';
    if (from_file)
        snprintf(err, errlen, "%s: [%s] %s: ", mm_sensor_config_name(s->opt->config_path), section,
                 key);
    return strlen(err);
}

/* Where the state directory came from, as messages name it: "--state", or
 * "[sensor] state" (the settings file's key). */
static const char *state_origin(const struct mm_sensor_options *o)
{
    return o->state_from_file ? "[sensor] state" : "--state";
}

/* The message for a damaged inventory that could not be kept aside: with
 * the way out, or (a reason that says its own next step) without. */
static const char *keep_failed_key(const struct mm_devices_damage *note)
{
    bool own = mm_error_has_step(note->keep_error);
    if (note->over_max)
        return own ? "sensor.devices_over_keep_failed_own_step" : "sensor.devices_over_keep_failed";
    return own ? "sensor.devices_keep_failed_own_step" : "sensor.devices_keep_failed";
}

/* The inventory (STATE/devices.json) could not be loaded: a file that
 * cannot be read, or a damaged one that could not be kept aside (the first
 * save would replace it): named, with one way out: the message's, the
 * reason's own (mm_error_has_step), or for a folder in its place, moving
 * it away. */
static void devices_failed(const struct mm_sensor *s, int r, const struct mm_devices_damage *note,
                           char *err, size_t errlen)
{
    const struct mm_sensor_options *o = s->opt;
    if (!o->state_dir || r == MM_ENOMEM) {
        mm_msg_format(err, errlen, LOG, "sensor.devices", mm_msg_strerror(r));
        return;
    }
    size_t n = setting_named(s, o->state_from_file, "sensor", "state", err, errlen);
    if (note->path[0])
        mm_msg_format(err + n, errlen - n, LOG, keep_failed_key(note), note->path,
                      mm_msg_strerror(note->keep_error));
    else if (r == MM_EISDIR) /* its own step, "give a file", does not fit a name the sensor chose */
        mm_msg_format(err + n, errlen - n, LOG, "sensor.devices_is_folder", o->state_dir,
                      MM_DEVICES_FILE);
    else
        mm_msg_format(err + n, errlen - n, LOG,
                      mm_error_has_step(r) ? "sensor.devices_unreadable_own_step"
                                           : "sensor.devices_unreadable",
                      o->state_dir, MM_DEVICES_FILE, mm_msg_strerror(r));
    as_user_hint(s, r, err, errlen);
}

/* A damaged inventory kept aside (note->kept) and loaded as far as it went:
 * a warning naming both files; the sensor starts. */
static void devices_damaged(const struct mm_sensor *s, const struct mm_devices_damage *note)
{
    char where[4400];
    setting_named(s, s->opt->state_from_file, "sensor", "state", where, sizeof where);
    if (note->unusable)
        mm_msg_print(stderr, "mamori-sensor", LOG, "sensor.devices_damaged", where, note->path,
                     note->kept);
    else
        mm_msg_print(stderr, "mamori-sensor", LOG, "sensor.devices_left_out", where, note->path,
                     note->left_out, note->kept);
}

/* The spool in dir cannot be opened (r): where the folder came from
 * (setting_named), then the segment that is not a spool's or could not be
 * read (failed: with the reason's own step, or wait for the disk, else move
 * the file aside), the damaged acked file, another sensor using it,
 * or the reason with the message's next step, or with its own
 * (mm_error_has_step) alone. */
static void spool_failed(const struct mm_sensor *s, int r, const char *dir, const char *failed,
                         char *err, size_t errlen)
{
    const struct mm_sensor_options *o = s->opt;
    size_t n = setting_named(s, o->state_from_file, "sensor", "state", err, errlen);
    if (failed[0] && r == MM_EPARSE) /* a segment not a spool's: left as it is */
        mm_msg_format(err + n, errlen - n, LOG, "sensor.spool_segment_not_spool", dir, failed);
    else if (failed[0] && r != MM_ENOMEM && mm_error_has_step(r)) /* (left as it is) */
        mm_msg_format(err + n, errlen - n, LOG, "sensor.spool_segment_unreadable_own_step", dir,
                      failed, mm_msg_strerror(r));
    else if (failed[0] && r != MM_ENOMEM) /* a segment it could not read: left as it is */
        mm_msg_format(err + n, errlen - n, LOG, "sensor.spool_segment_unreadable", dir, failed,
                      mm_msg_strerror(r), failed);
    else if (r == MM_EPARSE) /* the acked file (spool.h): what to do with it */
        mm_msg_format(err + n, errlen - n, LOG, "sensor.spool_acked_damaged", dir, dir);
    else if (r == MM_EEXIST)
        mm_msg_format(err + n, errlen - n, LOG, "sensor.spool_in_use", dir, mm_msg_strerror(r),
                      state_origin(o));
    else if (mm_error_has_step(r))
        mm_msg_format(err + n, errlen - n, LOG, "sensor.spool_open_own_step", dir,
                      mm_msg_strerror(r));
    else
        mm_msg_format(err + n, errlen - n, LOG, "sensor.spool_open", dir, mm_msg_strerror(r),
                      state_origin(o));
    as_user_hint(s, r, err, errlen);
}

static int open_outputs(struct mm_sensor *s, char *err, size_t errlen)
{
    const struct mm_sensor_options *o = s->opt;
    int r =
        mm_eve_out_open(o->eve_path ? o->eve_path : "-", o->eve_max_bytes, o->eve_keep, &s->eve);
    if (r != 0) {
        size_t n = setting_named(s, o->eve_from_file, "output", "eve", err, errlen);
        mm_msg_format(err + n, errlen - n, LOG,
                      mm_error_has_step(r) ? "sensor.eve_open_own_step" : "sensor.eve_open",
                      o->eve_path, mm_msg_strerror(r));
        as_user_hint(s, r, err, errlen);
        return r;
    }
    if (o->state_dir) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/spool", o->state_dir);
        char failed[4200];
        r = mm_spool_open_noted(dir, &s->spool, failed, sizeof failed);
        if (r != 0) {
            /* (the directory is named as it was given: --state, or the
             * settings file's key, which the message starts with) */
            spool_failed(s, r, dir, failed, err, errlen);
            return r;
        }
        mm_spool_set_max_bytes(s->spool, o->spool_max_bytes);
    }
    /* Flow records reach no detector or the inventory (none reads them), so
     * unless they are spooled they can be written as lines directly. */
    s->flow_direct = !(s->spool && spool_wants(s, "flow"));
    s->flow_spool_direct = !s->flow_direct;
    s->eve_flow = mm__eve_wants(s, "flow");
    return 0;
}

int mm__sensor_new(const struct mm_sensor_options *o, struct mm_intel *intel,
                   struct mm_sensor **out, char *err, size_t errlen)
{
    *out = NULL;
    struct mm_sensor *s = calloc(1, sizeof(*s));
    if (!s)
        return MM_ENOMEM;
    s->opt = o;
    s->cfg.home_net = o->home_net;
    s->cfg.home_net_count = o->home_net_count;
    if (home_masks_build(s) != 0) {
        free(s);
        return MM_ENOMEM;
    }
    s->cfg.personal_devices_allowed = o->personal_devices_allowed;
    s->cfg.ini = o->ini;
    s->cfg.state_dir = o->state_dir;
    s->cfg.config_path = o->config_path;
    s->live = o->iface != NULL;
    s->tick_sec = s->stats_due = s->devices_save_due = s->first_sec = -1;
    struct mm_flow_config flow = o->flow;
    flow.random_ids = s->live; /* ids unlike an earlier run's; files keep reproducible ids */
    flow.no_records = !mm__eve_wants(s, "flow") && !spool_wants(s, "flow");
    int r = mm_flow_table_new(&flow, mm__pipeline_flow_end, s, &s->flows);
    if (r != 0) {
        mm_msg_format(err, errlen, LOG, "sensor.flow_table", mm_msg_strerror(r));
        goto out;
    }
    if (o->defrag.enabled && (r = mm_defrag_new(&o->defrag, &s->defrag)) != 0) {
        mm_msg_format(err, errlen, LOG, "sensor.defrag", mm_msg_strerror(r));
        goto out;
    }
    if (s->defrag)
        mm_defrag_on_give_up(s->defrag, mm__pipeline_defrag_give_up, s);
    if ((r = open_outputs(s, err, errlen)) != 0)
        goto out;
    s->intel = intel;
    struct mm_devices_damage damage;
    if ((r = mm__devices_open(s, &damage)) != 0) {
        /* the inventory's own file (--state) is read forgivingly: a value
         * it cannot take comes from the [devices] settings (checked with
         * the rest of the file by mm__options_parse; named here too for a
         * caller that did not) */
        if (mm_devices_settings_check(s->cfg.ini, mm_sensor_config_name(s->cfg.config_path), err,
                                      errlen) == MM_EINVAL) {
            r = MM__SENSOR_BAD_SETTINGS;
            goto out;
        }
        devices_failed(s, r, &damage, err, errlen);
        goto out;
    }
    if (damage.path[0]) /* kept aside, loaded as far as it went: the sensor starts */
        devices_damaged(s, &damage);
    if ((r = mm__detect_init(s, err, errlen)) != 0) {
        if (r == MM_EPARSE || r == MM_ERANGE || r == MM_EINVAL)
            r = MM__SENSOR_BAD_SETTINGS;
        goto out;
    }
    if ((r = direct_open(s)) != 0)
        goto out;
    mm__http_direct = http_direct;
    mm__app_direct = app_direct;
    mm__dns_direct = dns_direct;
    mm__tls_direct = tls_direct;
    mm__tls_set_memcap(o->tls_memcap);
    mm__device_direct = device_direct;
    mm__dhcp_direct = dhcp_direct;
    mm__mdns_direct = mdns_direct;
    mm__nbns_direct = nbns_direct;
out:
    if (r != 0) {
        s->intel = NULL; /* stays with the caller */
        mm__sensor_free(s);
        return r;
    }
    *out = s;
    return 0;
}

struct mm_intel *mm__sensor_swap_intel(struct mm_sensor *s, struct mm_intel *in)
{
    struct mm_intel *old = s->intel;
    s->intel = in;
    /* the intel detector checks a flow's addresses at its first packet: a
     * flow that is still going is checked again, against the new set */
    if (s->flows)
        mm_flow_clear_detector_flags(s->flows, MM__DF_INTEL_CHECKED);
    return old;
}

void mm__sensor_flush(struct mm_sensor *s)
{
    if (mm_eve_out_flush(s->eve) != 0)
        s->st.eve_errors++;
    if (mm_spool_sync(s->spool) != 0)
        s->st.spool_errors++;
    s->spool_sync_due = 0;
}

/* The exit summary of events that could not be written: the EVE file and
 * the spool's segment file, each with the system's reason and what to do
 * (their first failures were logged when they happened); else the general
 * line (events lost for memory or a line too long). */
static void write_failures_say(const struct mm_sensor *s)
{
    const char *path;
    uint64_t lost;
    bool said = false;
    int r = mm_eve_out_write_error(s->eve, &path);
    if (r != 0) {
        mm_msg_print(stderr, "mamori-sensor", LOG,
                     mm_error_has_step(r) ? "output.eve_lost_own_step" : "output.eve_lost", path,
                     mm_msg_strerror(r));
        said = true;
    }
    r = mm_spool_write_error(s->spool, &path, &lost);
    if (r != 0 && lost > 0) {
        mm_msg_print(stderr, "mamori-sensor", LOG,
                     mm_error_has_step(r) ? "output.spool_lost_own_step" : "output.spool_lost",
                     (unsigned long long)lost, path, mm_msg_strerror(r));
        said = true;
    }
    if (!said)
        mm_msg_print(stderr, "mamori-sensor", LOG, "output.write_failed");
}

int mm__sensor_free(struct mm_sensor *s)
{
    return mm__sensor_free_reporting(s, false);
}

/* The final stats record's time: the sensor's clock (the last packet's,
 * or a live capture's last idle tick); when that clock never moved (an
 * empty capture file, a live sensor stopped before any packet or tick),
 * the wall clock at exit. */
static struct timeval final_stats_time(const struct mm_sensor *s)
{
    if (s->first_sec >= 0)
        return s->now;
    return mm_time_from_usec(mm_time_now_usec());
}

int mm__sensor_free_reporting(struct mm_sensor *s, bool report)
{
    if (!s)
        return 0;
    mm_defrag_end(s->defrag); /* fragments never reassembled reach the detectors */
    if (s->flows)
        mm_flow_end_all(s->flows, "shutdown"); /* flow records go out first */
    if (s->devices && s->opt->state_dir)
        mm__devices_save(s); /* a held-back change is saved as such */
    else
        mm_devices_finish(s->devices); /* else it would end with the run */
    mm__detect_end(s);                 /* alerts the detectors held back, about those events too */
    /* the final stats come last and count every event before them (the
     * device changes just announced, and what the detectors made of them);
     * written also when no packet came (mamori-sensor(8): always), but not
     * by a run that failed before its clock moved (a capture refused at its
     * header: nothing was read, and the wall clock would make the output of
     * the same input differ from run to run) */
    if (s->eve && (s->first_sec >= 0 || report)) {
        struct timeval end = final_stats_time(s);
        mm__stats_write(s, &end);
    }
    mm_flow_table_free(s->flows);
    s->flows = NULL;
    mm_defrag_free(s->defrag);
    s->defrag = NULL;
    mm__detect_free(s);
    mm__devices_close(s);
    mm__sensor_flush(s);
    bool failed_before = s->st.eve_errors > 0 || s->st.spool_errors > 0;
    if (report && failed_before)
        write_failures_say(s);
    mm_spool_close(s->spool);
    if (mm_eve_out_close(s->eve) != 0) {
        if (report && !failed_before) /* (a write failure of the close was logged) */
            mm_msg_print(stderr, "mamori-sensor", LOG, "output.write_failed");
        s->st.eve_errors++;
    }
    int failed = s->st.eve_errors > 0 || s->st.spool_errors > 0;
    json_t *e;
    while ((e = queue_pop(s)) != NULL)
        json_decref(e);
    free(s->q);
    free(s->home);
    mm__direct_free(s->direct);
    json_decref(s->records.device_standin);
    mm__dns_event_release();
    free(s);
    return failed;
}

/* ---- device inventory hooks (device.c) ------------------------------------ */

int mm__devices_open(struct mm_sensor *s, struct mm_devices_damage *note)
{
    return mm_devices_new_noted(s, s->opt->state_dir, &s->devices, note);
}

void mm__devices_close(struct mm_sensor *s)
{
    mm_devices_free(s->devices);
    s->devices = NULL;
}

void mm__devices_event(struct mm_sensor *s, const json_t *ev)
{
    if (s->devices)
        mm_devices_on_event(s->devices, ev);
}

void mm__devices_save(struct mm_sensor *s)
{
    if (s->devices && s->opt->state_dir)
        mm_devices_save(s->devices);
}
