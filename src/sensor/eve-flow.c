/* SPDX-License-Identifier: Apache-2.0
 * The flow record as an EVE line written straight into a character buffer,
 * without building a json_t: on a capture of many short flows (a SYN scan)
 * flow records are about half of all events, and building then serialising
 * a jansson object for each was the largest single cost of the sensor. The
 * bytes are exactly those the JSON path (pipeline.c flow_event() through
 * the EVE writer) produces; tests/unit/sensor/test-flow-line.c compares the
 * two. Every value written is text we produced ourselves (addresses,
 * numbers, fixed names, base64), so no JSON escaping is needed. Fixed
 * names come with their lengths and IPv4 addresses are formatted here, so
 * a record measures only its time stamps, Community ID and reason; numbers,
 * time stamps and IPv4 addresses are written straight into the line when
 * it has room for their longest form (the same bytes and the same "does
 * not fit" answer as writing them elsewhere and copying). */
#include <string.h>

#include "core/timefmt.h"
#include "core/str.h"
#include "sensor/decode/decode.h"
#include "sensor/sensor-int.h"

struct line {
    char *p;
    size_t len, cap;
    bool full;
};

static void put(struct line *l, const char *s, size_t n)
{
    if (l->full || l->len + n >= l->cap) {
        l->full = true;
        return;
    }
    memcpy(l->p + l->len, s, n);
    l->len += n;
}

#define PUT_LIT(l, s) put(l, s, sizeof(s) - 1)

/* "s": fits as a whole or marks the line full, like three puts would */
static void put_quoted(struct line *l, const char *s, size_t n)
{
    if (l->full || l->len + n + 2 >= l->cap) {
        l->full = true;
        return;
    }
    char *o = l->p + l->len;
    o[0] = '"';
    memcpy(o + 1, s, n);
    o[n + 1] = '"';
    l->len += n + 2;
}

static void put_str(struct line *l, const char *s)
{
    put_quoted(l, s, strlen(s));
}

static void put_text(struct line *l, struct mm_flow_text t)
{
    put_quoted(l, t.s, t.n);
}

/* Where n more bytes can be written with the line still not full (put's
 * rule), else NULL. */
static char *room_for(struct line *l, size_t n)
{
    return !l->full && l->len + n < l->cap ? l->p + l->len : NULL;
}

/* "a.b.c.d" into o (at least 17 bytes); returns the length */
static size_t ipv4_quoted(const uint8_t b[4], char *o)
{
    size_t n = 1 + mm__ipv4_text(b, o + 1);
    o[0] = '"';
    o[n++] = '"';
    return n;
}

/* An address as mm__addr_text writes it; IPv4 (nearly every flow) is
 * formatted here, where its length is known. */
static void put_addr(struct line *l, const struct mm_addr *a)
{
    char ip[MM_ADDR_STRLEN];
    if (a->family != 4) {
        mm__addr_text(a, ip);
        put_str(l, ip);
        return;
    }
    char *o = room_for(l, 17);
    if (o)
        l->len += ipv4_quoted(a->bytes, o);
    else
        put(l, ip, ipv4_quoted(a->bytes, ip));
}

static void put_u64(struct line *l, uint64_t v)
{
    char *o = room_for(l, MM_U64_STRLEN), digits[MM_U64_STRLEN];
    if (o) {
        l->len += mm_str_u64(v, o);
        return;
    }
    put(l, digits, mm_str_u64(v, digits));
}

/* ,"key": for a key written in the source: one copy of a literal */
#define PUT_KEY(l, key) PUT_LIT(l, ",\"" key "\":")

/* TCP flags as two hex digits, quoted */
static void put_flags(struct line *l, uint8_t flags)
{
    static const char hex[] = "0123456789abcdef";
    char v[2] = {hex[flags >> 4], hex[flags & 15]};
    put_quoted(l, v, 2);
}

/* "time stamp"; returns the text (in the line, or in spare when the line
 * has no room for the longest form) for writing it again */
static struct mm_flow_text put_time(struct line *l, const struct timeval *tv,
                                    char spare[MM_TIMESTAMP_MAX])
{
    char *o = room_for(l, MM_TIMESTAMP_MAX + 2);
    char *text = o ? o + 1 : spare;
    mm__time_format(tv, text);
    struct mm_flow_text t = {text, strlen(text)};
    if (!o) {
        put_text(l, t);
        return t;
    }
    o[0] = '"';
    o[t.n + 1] = '"';
    l->len += t.n + 2;
    return t;
}

/* The header; returns the text of the last packet's time, which is also
 * the flow's "end". */
static struct mm_flow_text put_header(struct line *l, const struct mm_flow *f,
                                      char spare[MM_TIMESTAMP_MAX])
{
    bool ports = f->proto == 6 || f->proto == 17 || f->proto == 132;
    PUT_LIT(l, "{\"timestamp\":");
    struct mm_flow_text last = put_time(l, &f->last, spare);
    if (f->id) {
        PUT_KEY(l, "flow_id");
        put_u64(l, f->id & INT64_MAX);
    }
    PUT_LIT(l, ",\"event_type\":\"flow\"");
    if (f->vlan_count) {
        PUT_LIT(l, ",\"vlan\":[");
        for (unsigned i = 0; i < f->vlan_count; i++) {
            if (i)
                PUT_LIT(l, ",");
            put_u64(l, f->vlan[i]);
        }
        PUT_LIT(l, "]");
    }
    PUT_KEY(l, "src_ip");
    put_addr(l, &f->src);
    if (ports) {
        PUT_KEY(l, "src_port");
        put_u64(l, f->sport);
    }
    PUT_KEY(l, "dest_ip");
    put_addr(l, &f->dst);
    if (ports) {
        PUT_KEY(l, "dest_port");
        put_u64(l, f->dport);
    }
    PUT_KEY(l, "proto");
    put_text(l, mm__flow_proto_text(f->proto));
    PUT_KEY(l, "community_id");
    put_str(l, f->community_id);
    if (f->app) {
        PUT_KEY(l, "app_proto");
        put_str(l, f->app->name);
    }
    return last;
}

static void put_flow(struct line *l, const struct mm_flow *f, const char *reason,
                     struct mm_flow_text end)
{
    char spare[MM_TIMESTAMP_MAX];
    long long age = (long long)(f->last.tv_sec - f->start.tv_sec);
    PUT_LIT(l, ",\"flow\":{\"pkts_toserver\":");
    put_u64(l, f->dir[0].pkts & INT64_MAX);
    PUT_KEY(l, "pkts_toclient");
    put_u64(l, f->dir[1].pkts & INT64_MAX);
    PUT_KEY(l, "bytes_toserver");
    put_u64(l, f->dir[0].bytes & INT64_MAX);
    PUT_KEY(l, "bytes_toclient");
    put_u64(l, f->dir[1].bytes & INT64_MAX);
    PUT_KEY(l, "start");
    put_time(l, &f->start, spare);
    PUT_KEY(l, "end");
    put_text(l, end);
    PUT_KEY(l, "age");
    put_u64(l, age < 0 ? 0 : (uint64_t)age);
    PUT_KEY(l, "state");
    put_text(l, mm__flow_state_text(f));
    PUT_KEY(l, "reason");
    put_str(l, reason);
    PUT_KEY(l, "alerted");
    if (f->alerted)
        PUT_LIT(l, "true}");
    else
        PUT_LIT(l, "false}");
}

const struct mm__tcp_flag_name mm__tcp_flag_names[8] = {{0x02, "syn"}, {0x01, "fin"}, {0x04, "rst"},
                                                        {0x08, "psh"}, {0x10, "ack"}, {0x20, "urg"},
                                                        {0x40, "ecn"}, {0x80, "cwr"}};
const char *const mm__tcp_state_names[5] = {"none", "syn_sent", "established", "closing", "closed"};

/* ,"name":true per flag, in mm__tcp_flag_names' order (same bits) */
static const struct mm_flow_text flag_true[8] = {
    MM_FLOW_TEXT(",\"syn\":true"), MM_FLOW_TEXT(",\"fin\":true"), MM_FLOW_TEXT(",\"rst\":true"),
    MM_FLOW_TEXT(",\"psh\":true"), MM_FLOW_TEXT(",\"ack\":true"), MM_FLOW_TEXT(",\"urg\":true"),
    MM_FLOW_TEXT(",\"ecn\":true"), MM_FLOW_TEXT(",\"cwr\":true")};
/* mm__tcp_state_names, quoted */
static const struct mm_flow_text tcp_state_quoted[5] = {
    MM_FLOW_TEXT("\"none\""), MM_FLOW_TEXT("\"syn_sent\""), MM_FLOW_TEXT("\"established\""),
    MM_FLOW_TEXT("\"closing\""), MM_FLOW_TEXT("\"closed\"")};

static void put_tcp(struct line *l, const struct mm_flow *f)
{
    const struct mm__tcp_flag_name *names = mm__tcp_flag_names;
    uint8_t fl = f->dir[0].tcp_flags | f->dir[1].tcp_flags;
    PUT_LIT(l, ",\"tcp\":{\"tcp_flags\":");
    put_flags(l, fl);
    PUT_KEY(l, "tcp_flags_ts");
    put_flags(l, f->dir[0].tcp_flags);
    PUT_KEY(l, "tcp_flags_tc");
    put_flags(l, f->dir[1].tcp_flags);
    for (size_t i = 0; i < 8; i++)
        if (fl & names[i].bit)
            put(l, flag_true[i].s, flag_true[i].n);
    PUT_KEY(l, "state");
    struct mm_flow_text state = tcp_state_quoted[f->tcp_state % 5];
    put(l, state.s, state.n);
    PUT_LIT(l, "}");
}

size_t mm__flow_line(const struct mm_flow *f, const char *reason, char *out, size_t cap)
{
    struct line l = {.p = out, .cap = cap};
    char spare[MM_TIMESTAMP_MAX];
    struct mm_flow_text last = put_header(&l, f, spare);
    put_flow(&l, f, reason, last);
    if (f->proto == 6)
        put_tcp(&l, f);
    PUT_LIT(&l, "}\n");
    return l.full ? 0 : l.len;
}
