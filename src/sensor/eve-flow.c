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
 * fixed names, so nothing written is measured again. */
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

static inline char *put_quoted(char *o, const char *s, size_t n)
{
    o[0] = '"';
    memcpy(o + 1, s, n);
    o[n + 1] = '"';
    return o + n + 2;
}

static inline char *put_text(char *o, struct mm_flow_text t)
{
    return put_quoted(o, t.s, t.n);
}

/* A number (decimal.h: 32-bit steps below 10^8) */
static inline char *put_u64(char *o, uint64_t v)
{
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
 * the text was stored (in pieces) stalled the CPU waiting for those stores.
 * A flow of a few packets starts in the second it ends, and a flow's last
 * packet time is written twice: mostly copies of one remembered second. */
static char *put_time(char *o, const struct timeval *tv)
{
    size_t n = mm__time_text(tv, o + 1);
    o[0] = '"';
    o[n + 1] = '"';
    return o + n + 2;
}

/* The header */
static char *put_header(char *o, const struct mm_flow *f)
{
    bool ports = f->proto == 6 || f->proto == 17 || f->proto == 132;
    o = PUT_LIT(o, "{\"timestamp\":");
    o = put_time(o, &f->last);
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
    o = put_quoted(o, f->community_id, strnlen(f->community_id, sizeof f->community_id));
    if (f->app) {
        o = PUT_KEY(o, "app_proto");
        o = put_quoted(o, f->app->name, strlen(f->app->name));
    }
    return o;
}

static char *put_flow(char *o, const struct mm_flow *f, struct mm_flow_text reason)
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
    o = put_time(o, &f->start);
    o = PUT_KEY(o, "end");
    o = put_time(o, &f->last);
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
    o = put_bytes(o, state.s, state.n);
    *o++ = '}';
    return o;
}

/* The line into out, which has line_bound() bytes of room; its length. */
static size_t write_line(const struct mm_flow *f, struct mm_flow_text reason, char *out)
{
    char *o = put_header(out, f);
    o = put_flow(o, f, reason);
    if (f->proto == 6)
        o = put_tcp(o, f);
    o = PUT_LIT(o, "}\n");
    return (size_t)(o - out);
}

/* A line for a buffer with less room than its bound: formed apart, copied
 * when it fits. */
static size_t line_via_scratch(const struct mm_flow *f, struct mm_flow_text reason, size_t bound,
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

size_t mm__flow_line(const struct mm_flow *f, const char *reason, char *out, size_t cap)
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
