/* SPDX-License-Identifier: Apache-2.0
 * Detector "scan" (signature ids 9100701-9100702): one source probing
 *   1 many ports of one host (port scan), or
 *   2 many hosts on one port (host sweep, how worms spread),
 * within a sliding window. A probe is a TCP SYN without ACK, a TCP packet
 * with the NULL / FIN / XMAS flag patterns of stealth scans, or a UDP
 * datagram to a port below its source port (so DNS answers to ephemeral
 * ports do not count). Settings in [detect.scan]: window_seconds (60),
 * ports (20), hosts (25), sources = any|home (any), targets = home|any
 * (home: only probes of home addresses count), suppress_seconds (3600).
 * Each source keeps its last 256 distinct (host, port) probes; at most 512
 * sources are tracked (the least recently active is replaced). Suppression:
 * one alert per (source, variant) per suppress window. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/detect/detect-util.h"
#include "sensor/sensor.h"

#define NAME    "scan"
#define PROBES  256
#define SOURCES 512

/* A source's recent probes: a ring of PROBES, stored column by column so
 * the per-probe pass over the ring reads only times, keys and ports. */
struct source {
    struct mm_addr src;
    bool used;
    int64_t last;
    unsigned head, n;
    int64_t t[PROBES];
    uint64_t dst_key[PROBES]; /* mm__hash_addr of dst: compared before dst itself */
    uint16_t port[PROBES];
    struct mm_addr dst[PROBES];
};

static bool same_addr(const struct mm_addr *a, const struct mm_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

struct scan_state {
    struct source *src;
    size_t nsrc;
    struct mm__suppress *sup;
    int64_t window, suppress;
    long ports, hosts;
    bool home_source, home_target, any_scope;
};

static const struct mm__setting settings[] = {
    {"window_seconds", 1, 3600, NULL}, {"suppress_seconds", 0, 7 * 86400, NULL},
    {"ports", 3, PROBES - 1, NULL},    {"hosts", 3, PROBES - 1, NULL},
    {"sources", 0, 0, "home|any"},     {"targets", 0, 0, "home|any"},
    {"scope", 0, 0, "home|any"},       {NULL, 0, 0, NULL}};

static void scan_free(void *state);

static int scan_init(struct mm_sensor *s, void **state)
{
    void *mem;
    struct mm__suppress *sup;
    int r = mm__detect_alloc(s, NAME, settings, sizeof(struct scan_state), 4096, &mem, &sup);
    if (r != 0)
        return r;
    struct scan_state *st = mem;
    st->sup = sup;
    st->src = calloc(SOURCES, sizeof *st->src);
    if (!st->src) {
        scan_free(st);
        return MM_ENOMEM;
    }
    st->window = mm__detect_int(s, NAME, "window_seconds", 60, 1, 3600) * 1000000LL;
    st->suppress = mm__detect_int(s, NAME, "suppress_seconds", 3600, 0, 7 * 86400) * 1000000LL;
    st->ports = mm__detect_int(s, NAME, "ports", 20, 3, PROBES - 1);
    st->hosts = mm__detect_int(s, NAME, "hosts", 25, 3, PROBES - 1);
    st->home_source = mm__detect_word_is(s, NAME, "sources", "home");
    st->home_target = mm__detect_word_is(s, NAME, "targets", "home");
    st->any_scope = mm__detect_word_is(s, NAME, "scope", "any");
    *state = st;
    return 0;
}

static void scan_free(void *state)
{
    struct scan_state *st = state;
    if (!st)
        return;
    mm__suppress_free(st->sup);
    free(st->src);
    free(st);
}

static bool is_probe(const struct mm_packet *p)
{
    if (p->ip_proto == 6) {
        uint8_t f = p->tcp_flags & 0x3f;
        return (f & 0x12) == 0x02 || f == 0 || f == 0x01 || f == 0x29;
    }
    return p->ip_proto == 17 && p->dport < p->sport;
}

static bool is_group_address(const struct mm_addr *a)
{
    return (a->family == 4 && (a->bytes[0] >= 224 || a->bytes[3] == 255)) ||
           (a->family == 6 && a->bytes[0] == 0xff);
}

/* The tracking slot of src: found, or a free one, or the least recently active. */
static struct source *source_slot(struct scan_state *st, const struct mm_addr *src)
{
    size_t start = mm__hash_addr(src, 7) % SOURCES, oldest = start;
    for (size_t k = 0; k < 16; k++) { /* a short probe sequence keeps lookups cheap */
        size_t j = (start + k) % SOURCES;
        struct source *e = &st->src[j];
        if (e->used && mm_addr_equal(&e->src, src))
            return e;
        if (!e->used) {
            memset(e, 0, sizeof *e);
            e->used = true;
            e->src = *src;
            return e;
        }
        if (e->last < st->src[oldest].last)
            oldest = j;
    }
    struct source *e = &st->src[oldest];
    memset(e, 0, sizeof *e);
    e->used = true;
    e->src = *src;
    return e;
}

/* Records the probe unless the same (host, port) is already in the window. */
/* Records a probe unless it repeats one in the recent run of the ring
 * (which then only gets its time refreshed: false). In the same single pass
 * counts, over the probes within the window that stay in the ring, the
 * ports probed on this destination and the hosts probed on this port (the
 * new probe included). */
static bool record_probe(struct source *e, const struct mm_packet *p, int64_t now, int64_t window,
                         long *ports, long *hosts)
{
    bool dup_search = true;
    uint64_t key = mm__hash_addr(&p->dst, 0);
    *ports = *hosts = 1;
    for (unsigned i = 0; i < e->n; i++) {
        unsigned q = (e->head + PROBES - 1 - i) % PROBES;
        bool fresh = now - e->t[q] <= window;
        bool same_dst = fresh && e->dst_key[q] == key && same_addr(&e->dst[q], &p->dst);
        if (dup_search && !fresh)
            dup_search = false;
        if (dup_search && same_dst && e->port[q] == p->dport) {
            e->t[q] = now;
            return false;
        }
        if (!fresh || (i == PROBES - 1 && e->n == PROBES))
            continue; /* outside the window, or overwritten by the new probe */
        *ports += same_dst;
        *hosts += e->port[q] == p->dport;
    }
    e->t[e->head] = now;
    e->dst_key[e->head] = key;
    e->port[e->head] = p->dport;
    e->dst[e->head] = p->dst;
    e->head = (e->head + 1) % PROBES;
    if (e->n < PROBES)
        e->n++;
    return true;
}

static void raise_scan(struct scan_state *st, struct mm_sensor *s, const struct mm_packet *p,
                       struct source *e, unsigned variant, long count, int64_t now)
{
    if (!mm__suppress_allow(st->sup, mm__hash_addr(&e->src, variant), now, st->suppress))
        return;
    json_t *sample = json_array();
    for (unsigned i = 0; i < e->n && json_array_size(sample) < 32; i++) {
        unsigned q = (e->head + PROBES - 1 - i) % PROBES;
        if (now - e->t[q] > st->window)
            continue;
        if (variant == 1 && same_addr(&e->dst[q], &p->dst))
            json_array_append_new(sample, json_integer(e->port[q]));
        else if (variant == 2 && e->port[q] == p->dport)
            json_array_append_new(sample, mm__json_addr(&e->dst[q]));
    }
    json_t *vars = json_pack("{s:o, s:o, s:i, s:I}", "src", mm__json_addr(&e->src), "dst",
                             mm__json_addr(&p->dst), "port", p->dport, "count", (json_int_t)count);
    json_t *evidence =
        json_pack("{s:o, s:o, s:I, s:I, s:s, s:o}", "scanner", mm__json_addr(&e->src),
                  variant == 1 ? "target" : "port",
                  variant == 1 ? mm__json_addr(&p->dst) : json_integer(p->dport), "count",
                  (json_int_t)count, "window_seconds", (json_int_t)(st->window / 1000000), "proto",
                  p->ip_proto == 6 ? "TCP" : "UDP", variant == 1 ? "ports" : "hosts", sample);
    const struct mm__alert_at at = {.pkt = p};
    mm__detect_raise(s, NAME, variant, &at, vars, evidence, NULL);
}

static void scan_packet(void *state, struct mm_sensor *s, const struct mm_packet *p)
{
    struct scan_state *st = state;
    if (!p->ip_version || p->fragment || !is_probe(p) || is_group_address(&p->dst))
        return;
    bool src_home = mm_sensor_is_home(s, &p->src), dst_home = mm_sensor_is_home(s, &p->dst);
    if ((st->home_source && !src_home) || (st->home_target && !dst_home) ||
        (!st->any_scope && !src_home && !dst_home))
        return;
    int64_t now = mm__detect_now(s);
    struct source *e = source_slot(st, &p->src);
    e->last = now;
    long ports, hosts;
    if (!record_probe(e, p, now, st->window, &ports, &hosts))
        return;
    if (ports >= st->ports)
        raise_scan(st, s, p, e, 1, ports, now);
    if (hosts >= st->hosts)
        raise_scan(st, s, p, e, 2, hosts, now);
}

const struct mm_detector mm_detector_scan = {
    .name = NAME,
    .init = scan_init,
    .on_packet = scan_packet,
    .free = scan_free,
};
