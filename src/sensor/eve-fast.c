/* SPDX-License-Identifier: Apache-2.0
 * The sensor's hot-path event header: the same object mm_eve_new() builds
 * (same keys, order and values), with formatted time-stamp seconds
 * cached and IPv4 addresses formatted without printf. Every event the
 * sensor itself creates (application events, flow records, anomalies,
 * alerts) starts here. Single-threaded use only (the packet path). */
#include <string.h>

#include "core/timefmt.h"
#include "sensor/sensor-int.h"

/* Formatted seconds, direct-mapped by the second: a flow record prints its
 * start and its last packet's second, which alternate with the seconds of
 * the packets being read, so one remembered second missed on every flow. */
#define TIME_CACHE 64

struct time_slot {
    bool filled; /* not a sentinel second: -1 is 1969-12-31T23:59:59 */
    time_t sec;
    size_t usec_at;
    char text[MM_TIMESTAMP_MAX];
};

static struct time_slot *time_slot_for(time_t sec)
{
    static struct time_slot slots[TIME_CACHE];
    struct time_slot *t = &slots[(uint64_t)sec % TIME_CACHE];
    if (t->filled && t->sec == sec)
        return t;
    struct timeval whole = {.tv_sec = sec, .tv_usec = 0};
    mm_time_format(&whole, t->text, sizeof t->text);
    const char *dot = strchr(t->text, '.');
    t->filled = dot && strlen(dot) >= 7;
    if (!t->filled)
        return NULL;
    t->usec_at = (size_t)(dot + 1 - t->text);
    t->sec = sec;
    return t;
}

void mm__time_format(const struct timeval *ts, char out[MM_TIMESTAMP_MAX])
{
    long us = (long)ts->tv_usec;
    const struct time_slot *t = us < 0 || us > 999999 ? NULL : time_slot_for(ts->tv_sec);
    if (!t) {
        mm_time_format(ts, out, MM_TIMESTAMP_MAX);
        return;
    }
    memcpy(out, t->text, MM_TIMESTAMP_MAX);
    for (int i = 5; i >= 0; i--) {
        out[t->usec_at + (size_t)i] = (char)('0' + us % 10);
        us /= 10;
    }
}

void mm__addr_text(const struct mm_addr *a, char out[MM_ADDR_STRLEN])
{
    if (a->family != 4) {
        mm_addr_format(a, out, MM_ADDR_STRLEN);
        return;
    }
    char *p = out;
    for (int i = 0; i < 4; i++) {
        unsigned v = a->bytes[i];
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        if (i < 3)
            *p++ = '.';
    }
    *p = '\0';
}

static bool has_ports(const char *proto)
{
    return proto &&
           (strcmp(proto, "TCP") == 0 || strcmp(proto, "UDP") == 0 || strcmp(proto, "SCTP") == 0);
}

static int set(json_t *ev, const char *key, json_t *v)
{
    return v ? json_object_set_new_nocheck(ev, key, v) : -1;
}

void mm__eve_header_packet(struct mm_eve_header *h, const char *event_type,
                           const struct mm_packet *p, const struct mm_flow *f)
{
    memset(h, 0, sizeof(*h));
    h->ts = p->ts;
    h->event_type = event_type;
    h->pcap_cnt = p->num;
    if (p->ip_version) {
        h->src = &p->src;
        h->dst = &p->dst;
        h->src_port = p->sport;
        h->dest_port = p->dport;
        h->proto = mm_flow_proto_name(p->ip_proto);
    }
    if (f) {
        h->flow_id = f->id;
        h->community_id = f->community_id;
    }
    mm__eve_header_vlan(h, p->vlan, p->vlan_count);
}

void mm__eve_header_vlan(struct mm_eve_header *h, const uint16_t vlan[2], uint8_t count)
{
    h->vlan_count = count < 2 ? count : 2;
    for (unsigned i = 0; i < h->vlan_count; i++)
        h->vlan[i] = vlan[i];
}

json_t *mm__eve_new(const struct mm_eve_header *h)
{
    char ts[MM_TIMESTAMP_MAX], ip[MM_ADDR_STRLEN];
    json_t *ev = json_object();
    if (!ev)
        return NULL;
    mm__time_format(&h->ts, ts);
    int r = set(ev, "timestamp", json_string_nocheck(ts));
    if (h->flow_id)
        r |= set(ev, "flow_id", json_integer((json_int_t)(h->flow_id & INT64_MAX)));
    if (h->pcap_cnt)
        r |= set(ev, "pcap_cnt", json_integer((json_int_t)h->pcap_cnt));
    r |= set(ev, "event_type", json_string(h->event_type ? h->event_type : "unknown"));
    r |= mm_eve_add_vlan(ev, h);
    bool ports = has_ports(h->proto);
    if (h->src) {
        mm__addr_text(h->src, ip);
        r |= set(ev, "src_ip", json_string_nocheck(ip));
        if (ports)
            r |= set(ev, "src_port", json_integer(h->src_port));
    }
    if (h->dst) {
        mm__addr_text(h->dst, ip);
        r |= set(ev, "dest_ip", json_string_nocheck(ip));
        if (ports)
            r |= set(ev, "dest_port", json_integer(h->dest_port));
    }
    if (h->proto)
        r |= set(ev, "proto", json_string(h->proto));
    if (h->community_id)
        r |= set(ev, "community_id", json_string(h->community_id));
    if (h->app_proto)
        r |= set(ev, "app_proto", json_string(h->app_proto));
    if (r != 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}
