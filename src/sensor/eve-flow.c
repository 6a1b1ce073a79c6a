/* SPDX-License-Identifier: Apache-2.0
 * The flow record as an EVE line written straight into a character buffer
 * (in the sensor: the EVE writer's batch, lent by mm_eve_out_reserve),
 * without building a json_t: on a capture of many short flows (a SYN scan)
 * flow records are about half of all events, and building then serialising
 * a jansson object for each was the largest single cost of the sensor. The
 * bytes are exactly those the JSON path (pipeline.c flow_event() through
 * the EVE writer) produces; tests/unit/sensor/test-flow-line.c compares the
 * two. Every value written is text we produced ourselves (addresses,
 * numbers, fixed names, base64), so no JSON escaping is needed. The longest
 * line a flow can give is bounded first (line_bound); when the buffer has
 * that much room the line is written with no check per field through a
 * local pointer, else into a scratch buffer and copied when it fits. Time
 * stamps come with their lengths (eve-fast.c mm__time_text), as do the
 * fixed names, so nothing written is measured again. The last packet's
 * stamp is formed once and copied for "end" (and, with other
 * micro-seconds, for a "start" in the same second); names and the
 * Community ID are copied in fixed-size moves, not library calls. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "core/str.h"
#include "sensor/decode/decode.h"
#include "sensor/output/decimal.h"
#include "sensor/sensor-int.h"

/* Bytes of the line besides its variable fields: every key and fixed text
 * (477 bytes with all eight TCP flags and the longest fixed names), rounded
 * up. */
#define LITERALS_MAX 640
/* Room a field may use while written (each of the three time stamps is formed in
 * MM_TIMESTAMP_MAX bytes; an IPv4 dotted quad in 3 bytes per octet) */
#define TIME_ROOM   (MM_TIMESTAMP_MAX + 2)
#define ADDR_ROOM   (MM_ADDR_STRLEN + 2)
#define NUMBER_ROOM 20 /* UINT64_MAX */
#define NUMBERS_MAX 8  /* flow_id, two ports, four counts, age */
/* Names longer than this (none of ours) leave the line to the JSON path */
#define NAME_MAX_LEN 1024
/* A line too long for the caller's buffer is formed here first */
#define SCRATCH_BYTES 4096

/* The most bytes the line of f (and the writes forming it) can take; 0
 * when a name is too long for this path. */
static size_t line_bound(const struct mm_flow *f, struct mm_flow_text reason)
{
    size_t app_len = f->app ? strlen(f->app->name) : 0;
    if (reason.n > NAME_MAX_LEN || app_len > NAME_MAX_LEN)
        return 0;
    return LITERALS_MAX + 3 * TIME_ROOM + 2 * ADDR_ROOM + NUMBERS_MAX * NUMBER_ROOM +
           (size_t)f->vlan_count * (NUMBER_ROOM + 1) + sizeof f->community_id + 2 + app_len + 2 +
           reason.n + 2;
}

/* The writers below store at o (room made by line_bound) and return where
 * the next byte goes. */

#define PUT_LIT(o, s) put_bytes(o, s, sizeof(s) - 1)
/* ,"key": for a key written in the source: one copy of a literal */
#define PUT_KEY(o, key) PUT_LIT(o, ",\"" key "\":")

static inline char *put_bytes(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

/* n bytes of s at o. The names a line holds (protocol, state, reason,
 * application) are 2-16 bytes: two overlapping fixed-size moves each,
 * instead of a library call per name. */
static inline void copy_short(char *o, const char *s, size_t n)
{
    if (n > 16) {
        memcpy(o, s, n);
    } else if (n >= 8) {
        memcpy(o, s, 8);
        memcpy(o + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(o, s, 4);
        memcpy(o + n - 4, s + n - 4, 4);
    } else if (n > 0) {
        o[0] = s[0];
        o[n / 2] = s[n / 2];
        o[n - 1] = s[n - 1];
    }
}

static inline char *put_quoted(char *o, const char *s, size_t n)
{
    o[0] = '"';
    copy_short(o + 1, s, n);
    o[n + 1] = '"';
    return o + n + 2;
}

static inline char *put_text(char *o, struct mm_flow_text t)
{
    return put_quoted(o, t.s, t.n);
}

/* A number (decimal.h: 32-bit steps below 10^8). A single digit (a
 * scan's packet counts and ages, 0 or 1) is stored here, without the call
 * mm__u64_text stays out of line as. */
static inline char *put_u64(char *o, uint64_t v)
{
    if (v < 10) {
        *o = (char)('0' + v);
        return o + 1;
    }
    return o + mm__u64_text(o, v);
}

static char *put_addr(char *o, const struct mm_addr *a)
{
    size_t n = mm_addr_text(a, o + 1);
    o[0] = '"';
    o[n + 1] = '"';
    return o + n + 2;
}

/* TCP flags as two hex digits, quoted */
static inline char *put_flags(char *o, uint8_t flags)
{
    static const char hex[] = "0123456789abcdef";
    o[0] = '"';
    o[1] = hex[flags >> 4];
    o[2] = hex[flags & 15];
    o[3] = '"';
    return o + 4;
}

/* "time stamp". The text comes with its length from the last seconds'
 * texts eve-fast.c remembers, so it is not measured: a strlen right after
 * the text was stored (in pieces) stalled the CPU waiting for those stores. */
static char *put_time(char *o, const struct timeval *tv)
{
    size_t n = mm__time_text(tv, o + 1);
    o[0] = '"';
    o[n + 1] = '"';
    return o + n + 2;
}

/* The quoted text of the flow's last packet time, written once in the
 * header ("timestamp") and copied where the flow object repeats it ("end")
 * and, patched, where it gives a start in the same second. */
struct stamp {
    const char *at; /* the opening quote */
    size_t len;     /* with both quotes */
};

/* A copy of the quoted stamp: TIME_ROOM bytes in one fixed-size move (no
 * library call; the room each stamp is given), of which len are kept. */
static inline char *put_stamp(char *o, struct stamp st)
{
    memcpy(o, st.at, TIME_ROOM);
    return o + st.len;
}

/* Characters from a quoted stamp's end back to its six micro-second
 * digits: six digits, the zone (+hhmm) and the closing quote; a '.' comes
 * just before them */
#define USEC_FROM_END (6 + 5 + 1)

/* "start": most flows start in the second they end (a scan's probe, a DNS
 * query and its answer), and then the start is the end's text with other
 * micro-seconds: a copy and six digits instead of a look-up in the time
 * texts (whose minute slots are mostly out of the CPU cache by the time a
 * flow ends). Micro-seconds out of range are carried into the seconds by
 * the time writer, so those and other seconds take the full path. */
static char *put_start(char *o, const struct mm_flow *f, struct stamp last)
{
    long us = (long)f->start.tv_usec, last_us = (long)f->last.tv_usec;
    bool same_second = f->start.tv_sec == f->last.tv_sec && us >= 0 && us <= 999999 &&
                       last_us >= 0 && last_us <= 999999 && last.len > USEC_FROM_END &&
                       last.at[last.len - USEC_FROM_END - 1] == '.';
    if (!same_second)
        return put_time(o, &f->start);
    char *end = put_stamp(o, last);
    mm__six_digits(end - USEC_FROM_END, (uint32_t)us);
    return end;
}

/* "community_id": "1:" and 28 Base64 characters as mm_community_id writes
 * it into the flow (30 characters and a NUL), copied whole in one
 * fixed-size move; another text (none the flow table makes) is measured. */
#define COMMUNITY_ID_LEN 30

static inline char *put_community_id(char *o, const char id[32])
{
    static_assert(sizeof((struct mm_flow *)0)->community_id == 32,
                  "the room put_community_id copies");
    size_t n =
        id[COMMUNITY_ID_LEN - 1] && !id[COMMUNITY_ID_LEN] ? COMMUNITY_ID_LEN : strnlen(id, 32);
    o[0] = '"';
    memcpy(o + 1, id, 32);
    o[n + 1] = '"';
    return o + n + 2;
}

/* The header */
static char *put_header(char *o, struct mm_flow *f, struct stamp *last)
{
    bool ports = f->proto == 6 || f->proto == 17 || f->proto == 132;
    o = PUT_LIT(o, "{\"timestamp\":");
    last->at = o;
    o = put_time(o, &f->last);
    last->len = (size_t)(o - last->at);
    if (f->id) {
        o = PUT_KEY(o, "flow_id");
        o = put_u64(o, f->id & INT64_MAX);
    }
    o = PUT_LIT(o, ",\"event_type\":\"flow\"");
    if (f->vlan_count) {
        o = PUT_LIT(o, ",\"vlan\":[");
        for (unsigned i = 0; i < f->vlan_count; i++) {
            if (i)
                *o++ = ',';
            o = put_u64(o, f->vlan[i]);
        }
        *o++ = ']';
    }
    o = PUT_KEY(o, "src_ip");
    o = put_addr(o, &f->src);
    if (ports) {
        o = PUT_KEY(o, "src_port");
        o = put_u64(o, f->sport);
    }
    o = PUT_KEY(o, "dest_ip");
    o = put_addr(o, &f->dst);
    if (ports) {
        o = PUT_KEY(o, "dest_port");
        o = put_u64(o, f->dport);
    }
    o = PUT_KEY(o, "proto");
    o = put_text(o, mm__flow_proto_text(f->proto));
    o = PUT_KEY(o, "community_id");
    o = put_community_id(o, mm_flow_community_id(f));
    if (f->app) {
        o = PUT_KEY(o, "app_proto");
        o = put_quoted(o, f->app->name, strlen(f->app->name));
    }
    return o;
}

static char *put_flow(char *o, const struct mm_flow *f, struct mm_flow_text reason,
                      struct stamp last)
{
    o = PUT_LIT(o, ",\"flow\":{\"pkts_toserver\":");
    o = put_u64(o, f->dir[0].pkts & INT64_MAX);
    o = PUT_KEY(o, "pkts_toclient");
    o = put_u64(o, f->dir[1].pkts & INT64_MAX);
    o = PUT_KEY(o, "bytes_toserver");
    o = put_u64(o, f->dir[0].bytes & INT64_MAX);
    o = PUT_KEY(o, "bytes_toclient");
    o = put_u64(o, f->dir[1].bytes & INT64_MAX);
    o = PUT_KEY(o, "start");
    o = put_start(o, f, last);
    o = PUT_KEY(o, "end");
    o = put_stamp(o, last);
    o = PUT_KEY(o, "age");
    o = put_u64(o, mm_flow_age_seconds(f));
    o = PUT_KEY(o, "state");
    o = put_text(o, mm__flow_state_text(f));
    o = PUT_KEY(o, "reason");
    o = put_text(o, reason);
    o = PUT_KEY(o, "alerted");
    return f->alerted ? PUT_LIT(o, "true}") : PUT_LIT(o, "false}");
}

const struct mm__tcp_flag_name mm__tcp_flag_names[8] = {{0x02, "syn"}, {0x01, "fin"}, {0x04, "rst"},
                                                        {0x08, "psh"}, {0x10, "ack"}, {0x20, "urg"},
                                                        {0x40, "ecn"}, {0x80, "cwr"}};
const char *const mm__tcp_state_names[5] = {"none", "syn_sent", "established", "closing", "closed"};

/* ,"name":true per flag, in mm__tcp_flag_names' order (same bits); each
 * FLAG_TRUE_LEN bytes */
#define FLAG_TRUE_LEN 11
static const char flag_true[8][FLAG_TRUE_LEN + 1] = {
    ",\"syn\":true", ",\"fin\":true", ",\"rst\":true", ",\"psh\":true",
    ",\"ack\":true", ",\"urg\":true", ",\"ecn\":true", ",\"cwr\":true"};
/* mm__tcp_state_names, quoted */
static const struct mm_flow_text tcp_state_quoted[5] = {
    MM_FLOW_TEXT("\"none\""), MM_FLOW_TEXT("\"syn_sent\""), MM_FLOW_TEXT("\"established\""),
    MM_FLOW_TEXT("\"closing\""), MM_FLOW_TEXT("\"closed\"")};

static char *put_tcp(char *o, const struct mm_flow *f)
{
    uint8_t fl = f->dir[0].tcp_flags | f->dir[1].tcp_flags;
    o = PUT_LIT(o, ",\"tcp\":{\"tcp_flags\":");
    o = put_flags(o, fl);
    o = PUT_KEY(o, "tcp_flags_ts");
    o = put_flags(o, f->dir[0].tcp_flags);
    o = PUT_KEY(o, "tcp_flags_tc");
    o = put_flags(o, f->dir[1].tcp_flags);
    /* fl with its two low bits swapped: bit i is then mm__tcp_flag_names[i]
     * (syn 0x02 before fin 0x01); one step per flag set */
    for (unsigned g = (fl & 0xfcu) | (fl & 1u) << 1 | (fl >> 1 & 1u); g; g &= g - 1) {
        memcpy(o, flag_true[__builtin_ctz(g)], FLAG_TRUE_LEN);
        o += FLAG_TRUE_LEN;
    }
    o = PUT_KEY(o, "state");
    struct mm_flow_text state = tcp_state_quoted[f->tcp_state % 5];
    copy_short(o, state.s, state.n);
    o += state.n;
    *o++ = '}';
    return o;
}

/* The line into out, which has line_bound() bytes of room; its length. */
static size_t write_line(struct mm_flow *f, struct mm_flow_text reason, char *out)
{
    struct stamp last;
    char *o = put_header(out, f, &last);
    o = put_flow(o, f, reason, last);
    if (f->proto == 6)
        o = put_tcp(o, f);
    o = PUT_LIT(o, "}\n");
    return (size_t)(o - out);
}

/* A line for a buffer with less room than its bound: formed apart, copied
 * when it fits. */
static size_t line_via_scratch(struct mm_flow *f, struct mm_flow_text reason, size_t bound,
                               char *out, size_t cap)
{
    char stack[SCRATCH_BYTES];
    char *scratch = bound <= sizeof stack ? stack : malloc(bound);
    if (!scratch)
        return 0;
    size_t n = write_line(f, reason, scratch);
    if (n < cap)
        memcpy(out, scratch, n);
    else
        n = 0;
    if (scratch != stack)
        free(scratch);
    return n;
}

size_t mm__flow_line(struct mm_flow *f, const char *reason, char *out, size_t cap)
{
    struct mm_flow_text why = {reason, strlen(reason)};
    size_t bound = line_bound(f, why);
    if (bound == 0)
        return 0;
    if (bound > cap)
        return line_via_scratch(f, why, bound, out, cap);
    size_t n = write_line(f, why, out);
    return n < cap ? n : 0;
}
