/* SPDX-License-Identifier: Apache-2.0
 * The sensor's hot-path event header: the same object mm_eve_new() builds
 * (same keys, order and values), with formatted time-stamp seconds, minutes
 * and hours cached and addresses written by core's mm_addr_text (IPv4 from a
 * table, without printf). Every event the sensor itself creates
 * (application events, flow records, anomalies, alerts) starts here.
 * Single-threaded use only (the packet path). */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/timefmt.h"
#include "sensor/output/decimal.h"
#include "sensor/sensor-int.h"

/* Formatted minutes, direct-mapped by the minute: a flow record prints its
 * start and its last packet's time, which lie up to the active timeout
 * apart, and a capture file may jump in time, so 1024 minutes (72 KiB) are
 * remembered. A minute's text is that of its first second; the seconds
 * digits are written in per call. A minute is kept only when its first and
 * last seconds print as the same text with seconds "00" and "59" (so no
 * zone change and no odd-second offset falls inside it); other minutes are
 * formatted in full each time.
 *
 * A new minute's text comes from its hour's (256 hours, 18 KiB, the same
 * way direct-mapped) with the minute digits written in, when the hour's
 * first and last seconds print as the same text with "00:00" and "59:59"
 * (no zone change inside the hour, whole-minute offset): two formatter
 * calls per hour instead of per minute (the bench capture jumps through
 * 35 k minutes in 13 k hours). Like the minute check, this assumes no zone
 * changes twice within one hour. */
#define TIME_CACHE 1024
#define HOUR_CACHE 256

struct time_slot {
    bool filled;    /* not a sentinel minute: -1 is 1969-12-31T23:59 */
    bool cacheable; /* false: this minute is always formatted in full */
    uint8_t sec_at; /* offset of the two seconds digits */
    uint8_t len;    /* of text, without its NUL: every second's */
    int64_t minute;
    char text[MM_TIMESTAMP_MAX];
};

/* An hour's text is that of its first second (minute and seconds "00"). */
struct hour_slot {
    bool filled, cacheable;
    uint8_t sec_at; /* the minute digits are at sec_at - 3 */
    uint8_t len;
    int64_t hour;
    char text[MM_TIMESTAMP_MAX];
};

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The text mm_time_format gives second sec (micro-seconds 0), formed from
 * localtime_r's fields without strftime and snprintf, which cost about
 * 2.8 k of its 3.3 k instructions (a new hour of a capture that jumps in
 * time asks for two such texts): "%Y-%m-%dT%H:%M:%S.000000%z". Only for
 * years 1000-9999 and zone offsets in whole minutes below 100 hours (a
 * zero offset not named "-...", which some C libraries write "-0000"),
 * where strftime gives these digits; other
 * seconds, and every second once a text differed from mm_time_format's
 * (checked on the first one), are mm_time_format's. */
static void second_format(int64_t sec, char out[MM_TIMESTAMP_MAX])
{
    static int agrees; /* 1: checked and equal, -1: differed, 0: not yet */
    struct timeval tv = {.tv_sec = (time_t)sec, .tv_usec = 0};
    struct tm tm;
    long off;
    if (agrees < 0 || !localtime_r(&tv.tv_sec, &tm) || tm.tm_year < 1000 - 1900 ||
        tm.tm_year > 9999 - 1900 || (off = tm.tm_gmtoff) % 60 != 0 || off <= -100 * 3600 ||
        off >= 100 * 3600 || (off == 0 && tm.tm_zone && tm.tm_zone[0] == '-')) {
        mm_time_format(&tv, out, MM_TIMESTAMP_MAX);
        return;
    }
    unsigned year = (unsigned)tm.tm_year + 1900, zone = (unsigned)(off < 0 ? -off : off) / 60;
    memcpy(out, mm_decimal_pairs + 2 * (year / 100), 2);
    memcpy(out + 2, mm_decimal_pairs + 2 * (year % 100), 2);
    out[4] = '-';
    memcpy(out + 5, mm_decimal_pairs + 2 * (tm.tm_mon + 1), 2);
    out[7] = '-';
    memcpy(out + 8, mm_decimal_pairs + 2 * tm.tm_mday, 2);
    out[10] = 'T';
    memcpy(out + 11, mm_decimal_pairs + 2 * tm.tm_hour, 2);
    out[13] = ':';
    memcpy(out + 14, mm_decimal_pairs + 2 * tm.tm_min, 2);
    out[16] = ':';
    memcpy(out + 17, mm_decimal_pairs + 2 * tm.tm_sec, 2); /* 60: a leap second */
    memcpy(out + 19, ".000000", 7);
    out[26] = off < 0 ? '-' : '+';
    memcpy(out + 27, mm_decimal_pairs + 2 * (zone / 60), 2);
    memcpy(out + 29, mm_decimal_pairs + 2 * (zone % 60), 2);
    out[31] = '\0';
    if (agrees == 0) {
        char plain[MM_TIMESTAMP_MAX];
        mm_time_format(&tv, plain, sizeof plain);
        agrees = strcmp(out, plain) == 0 ? 1 : -1;
        if (agrees < 0)
            memcpy(out, plain, sizeof plain);
    }
}

/* Where the seconds digits of a formatted time start (the two bytes before
 * the '.' of the micro-seconds); 0 when the text is not of that form. */
static size_t seconds_at(const char *text, size_t min_at)
{
    const char *dot = strchr(text, '.');
    if (!dot || (size_t)(dot - text) < min_at + 2 || strlen(dot) < 7)
        return 0;
    return (size_t)(dot - text) - 2;
}

/* True when first and last (texts of the first and last second of a span)
 * are the same text except for the `width` bytes at `at`, which read
 * first_digits and last_digits. */
static bool same_but(const char *first, const char *last, size_t at, const char *first_digits,
                     const char *last_digits, size_t width)
{
    return memcmp(first + at, first_digits, width) == 0 &&
           memcmp(last + at, last_digits, width) == 0 && memcmp(first, last, at) == 0 &&
           strcmp(first + at + width, last + at + width) == 0;
}

/* The slot of hour h, filled; NULL when the hour cannot be cached. */
static const struct hour_slot *hour_slot_for(int64_t h)
{
    static struct hour_slot slots[HOUR_CACHE];
    struct hour_slot *t = &slots[(uint64_t)h % HOUR_CACHE];
    if (t->filled && t->hour == h)
        return t->cacheable ? t : NULL;
    t->filled = true;
    t->cacheable = false;
    t->hour = h;
    char last[MM_TIMESTAMP_MAX];
    second_format(h * 3600, t->text);
    second_format(h * 3600 + 3599, last);
    size_t at = seconds_at(t->text, 3);
    if (!at || !same_but(t->text, last, at - 3, "00:00", "59:59", 5))
        return NULL;
    t->sec_at = (uint8_t)at;
    t->len = (uint8_t)strlen(t->text);
    t->cacheable = true;
    return t;
}

/* Fills t (minute m) from its hour's text; false when the hour cannot be
 * cached. */
static bool minute_from_hour(struct time_slot *t, int64_t m)
{
    int64_t h = floor_div(m, 60);
    const struct hour_slot *hs = hour_slot_for(h);
    if (!hs)
        return false;
    unsigned minute = (unsigned)(m - h * 60);
    memcpy(t->text, hs->text, sizeof t->text);
    t->text[hs->sec_at - 3] = (char)('0' + minute / 10);
    t->text[hs->sec_at - 2] = (char)('0' + minute % 10);
    t->sec_at = hs->sec_at;
    t->len = hs->len;
    return true;
}

/* The slot of minute m, filled; NULL when the minute cannot be cached. */
static struct time_slot *time_slot_for(int64_t m)
{
    static struct time_slot slots[TIME_CACHE];
    struct time_slot *t = &slots[(uint64_t)m % TIME_CACHE];
    if (t->filled && t->minute == m)
        return t->cacheable ? t : NULL;
    t->filled = true;
    t->cacheable = false;
    t->minute = m;
    if (m > INT64_MIN / 64 && m < INT64_MAX / 64 && minute_from_hour(t, m)) {
        t->cacheable = true;
        return t;
    }
    char last[MM_TIMESTAMP_MAX];
    second_format(m * 60, t->text);
    second_format(m * 60 + 59, last);
    size_t at = seconds_at(t->text, 0);
    if (!at || !same_but(t->text, last, at, "00", "59", 2))
        return NULL;
    t->sec_at = (uint8_t)at;
    t->len = (uint8_t)strlen(t->text);
    t->cacheable = true;
    return t;
}

/* The text of second sec (its minute slot's text with the seconds digits
 * written in) into out; returns the minute's slot (the text's length and
 * where its digits are), NULL when the minute cannot be cached. */
static const struct time_slot *second_text(int64_t sec, char out[MM_TIMESTAMP_MAX])
{
    int64_t m = floor_div(sec, 60);
    const struct time_slot *t = time_slot_for(m);
    if (!t)
        return NULL;
    memcpy(out, t->text, MM_TIMESTAMP_MAX);
    unsigned s = (unsigned)(sec - m * 60);
    out[t->sec_at] = (char)('0' + s / 10);
    out[t->sec_at + 1] = (char)('0' + s % 10);
    return t;
}

/* The texts of the last seconds asked for, direct-mapped by the second (8
 * seconds, 512 bytes: they stay in the CPU's first-level cache, the minute
 * slots above do not): events come in runs of one second (a packet's
 * application events; the flow records one expiry run ends, whose last
 * packets lie one timeout back), so most stamps are a copy of the second's
 * text, with its length, and six digits written in. Filled only from a
 * cached minute, so a second's text is always its minute slot's.
 *
 * Each slot has a second way (other[], asked only when the slot misses):
 * two runs of time taking turns, as in a capture merged from two captures
 * a whole number of days or years apart (the offset a multiple of 8
 * seconds), map every second of one to the slot of the other's, and with
 * one way each stamp missed (90 % of them on such a capture: 192
 * instructions a stamp instead of 113). A new second goes into the slot;
 * what the slot held moves to the other way when it lies more than
 * RUN_GAP seconds from the new one (another run of time, kept; within it,
 * the same run's older second, replaced), so each run has a way and the
 * hit path (the slot) stays as it was. */
#define SECOND_MEMO 8
#define RUN_GAP     64

struct second_slot {
    bool filled;
    uint8_t len;     /* of text, without its NUL */
    uint8_t usec_at; /* offset of the six micro-second digits */
    int64_t sec, minute;
    char text[MM_TIMESTAMP_MAX];
};

/* Fills s (second sec of minute m) from another remembered second of the
 * same minute, whose text is the minute slot's with its seconds digits:
 * most new seconds follow one just asked for, and the minute slots (64
 * KiB) are mostly out of the CPU's first-level caches (perf put a third of
 * mm__time_text's samples on reading one). False when none is there. */
static bool second_from_sibling(struct second_slot memo[SECOND_MEMO], struct second_slot *s,
                                int64_t sec, int64_t m)
{
    for (unsigned i = 0; i < SECOND_MEMO; i++) {
        const struct second_slot *o = &memo[i];
        if (o == s || !o->filled || o->minute != m)
            continue;
        memcpy(s->text, o->text, sizeof s->text);
        unsigned digits = (unsigned)(sec - m * 60);
        s->text[o->usec_at - 3] = (char)('0' + digits / 10);
        s->text[o->usec_at - 2] = (char)('0' + digits % 10);
        s->len = o->len;
        s->usec_at = o->usec_at;
        return true;
    }
    return false;
}

uint64_t mm__time_text_fills;

/* |a - b|, without overflow. */
static uint64_t seconds_apart(int64_t a, int64_t b)
{
    return a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

/* second_slot_for when the slot s (memo[i]) holds another second: the
 * other way's, or s filled (see SECOND_MEMO). */
static const struct second_slot *second_slot_miss(struct second_slot memo[SECOND_MEMO],
                                                  struct second_slot *s, struct second_slot *o,
                                                  int64_t sec)
{
    if (o->filled && o->sec == sec)
        return o;
    if (s->filled && seconds_apart(s->sec, sec) > RUN_GAP)
        *o = *s; /* another run of time: kept */
    int64_t m = floor_div(sec, 60);
    s->filled = false;
    mm__time_text_fills++;
    if (!second_from_sibling(memo, s, sec, m)) {
        const struct time_slot *t = second_text(sec, s->text);
        if (!t)
            return NULL;
        s->len = t->len;
        s->usec_at = (uint8_t)(t->sec_at + 3);
    }
    s->filled = true;
    s->sec = sec;
    s->minute = m;
    return s;
}

/* The slot of second sec, filled; NULL when its minute cannot be cached. */
static const struct second_slot *second_slot_for(int64_t sec)
{
    static struct second_slot memo[SECOND_MEMO], other[SECOND_MEMO];
    size_t i = (uint64_t)sec % SECOND_MEMO;
    struct second_slot *s = &memo[i];
    if (s->filled && s->sec == sec)
        return s;
    return second_slot_miss(memo, s, &other[i], sec);
}

size_t mm__time_text(const struct timeval *ts, char out[MM_TIMESTAMP_MAX])
{
    long us = (long)ts->tv_usec;
    int64_t sec = (int64_t)ts->tv_sec;
    bool in_range = us >= 0 && us <= 999999 && sec > INT64_MIN + 120 && sec < INT64_MAX - 120;
    const struct second_slot *s = in_range ? second_slot_for(sec) : NULL;
    if (!s) {
        mm_time_format(ts, out, MM_TIMESTAMP_MAX);
        return strlen(out);
    }
    memcpy(out, s->text, MM_TIMESTAMP_MAX);
    mm__six_digits(out + s->usec_at, (uint32_t)us);
    return s->len;
}

void mm__time_format(const struct timeval *ts, char out[MM_TIMESTAMP_MAX])
{
    (void)mm__time_text(ts, out);
}

static bool has_ports(const char *proto)
{
    return proto &&
           (strcmp(proto, "TCP") == 0 || strcmp(proto, "UDP") == 0 || strcmp(proto, "SCTP") == 0);
}

/* Sets member key (a string literal: its length is known at build time, so
 * jansson does not measure it) to v, which it steals; -1 when v is NULL. */
#define SET(ev, key, v) set_n(ev, key, sizeof(key) - 1, v)

static int set_n(json_t *ev, const char *key, size_t key_len, json_t *v)
{
    return v ? json_object_setn_new_nocheck(ev, key, key_len, v) : -1;
}

/* A text member of the header: the sensor's own ASCII, unchecked. */
static json_t *text(const char *s, size_t n)
{
    return json_stringn_nocheck(s, n);
}

/* The names the header repeats (event type, protocol, application
 * protocol): one jansson string per name, shared by every event that names
 * it (a reference each; nothing in the sensor changes a string value in
 * place). Remembered by the text's address, checked against the text
 * itself, so a name in a reused buffer is never mistaken. A few dozen
 * names exist; a slot taken by another name is replaced. */
#define NAME_MEMO 64

static json_t *shared_name(const char *s)
{
    static struct {
        const char *at;
        json_t *value;
    } memo[NAME_MEMO];
    size_t slot = ((uintptr_t)s >> 3) % NAME_MEMO;
    json_t *v = memo[slot].value;
    if (memo[slot].at == s && strcmp(json_string_value(v), s) == 0)
        return json_incref(v);
    if (!(v = text(s, strlen(s))))
        return NULL;
    json_decref(memo[slot].value);
    memo[slot].at = s;
    memo[slot].value = v;
    return json_incref(v);
}

void mm__eve_header_packet(struct mm_eve_header *h, const char *event_type,
                           const struct mm_packet *p, struct mm_flow *f)
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
        h->community_id = mm_flow_community_id(f);
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
    int r = SET(ev, "timestamp", text(ts, mm__time_text(&h->ts, ts)));
    if (h->flow_id)
        r |= SET(ev, "flow_id", json_integer((json_int_t)(h->flow_id & INT64_MAX)));
    if (h->pcap_cnt)
        r |= SET(ev, "pcap_cnt", json_integer((json_int_t)h->pcap_cnt));
    const char *type = h->event_type ? h->event_type : "unknown";
    r |= SET(ev, "event_type", shared_name(type));
    r |= mm_eve_add_vlan(ev, h);
    bool ports = has_ports(h->proto);
    if (h->src) {
        r |= SET(ev, "src_ip", text(ip, mm_addr_text(h->src, ip)));
        if (ports)
            r |= SET(ev, "src_port", json_integer(h->src_port));
    }
    if (h->dst) {
        r |= SET(ev, "dest_ip", text(ip, mm_addr_text(h->dst, ip)));
        if (ports)
            r |= SET(ev, "dest_port", json_integer(h->dest_port));
    }
    if (h->proto)
        r |= SET(ev, "proto", shared_name(h->proto));
    if (h->community_id)
        r |= SET(ev, "community_id", text(h->community_id, strlen(h->community_id)));
    if (h->app_proto)
        r |= SET(ev, "app_proto", shared_name(h->app_proto));
    if (r != 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}
