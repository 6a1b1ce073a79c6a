/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the "scan" detector (detect-scan.c): its probe
 * chains must raise exactly the alerts of the plain algorithm it replaced,
 * which walks a source's whole ring for every probe. That algorithm is
 * kept here word for word as a reference detector; both are fed the same
 * random probe sequences (small address and port spaces so probes repeat,
 * times on a quarter-second grid so probes land exactly on the window's
 * edge, clocks going backwards now and then, full rings, more sources than
 * the table holds, recordings of other years interleaved) and must produce
 * identical alert events. The reference has the rule for captures merged
 * from several recordings (mm__within, and the search for a repeat ending
 * only at a probe one to two windows old) written into its walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/detect/detect-util.h"
#include "test-detect-harness.h"

extern const struct mm_detector mm_detector_scan;

/* ---- the reference: detect-scan.c before the probe chains --------------- */

#define NAME    "scan"
#define PROBES  256
#define SOURCES 512

struct source {
    struct mm_addr src;
    bool used;
    int64_t last;
    unsigned head, n;
    int64_t t[PROBES];
    uint64_t dst_key[PROBES];
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

static void ref_free(void *state)
{
    struct scan_state *st = state;
    if (!st)
        return;
    mm__suppress_free(st->sup);
    free(st->src);
    free(st);
}

static int ref_init(struct mm_sensor *s, void **state)
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
        ref_free(st);
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

/* Where a source's slot search starts: as detect-scan.c places it (a
 * different start changes which source a full table replaces). */
static size_t source_hash(const struct mm_addr *src)
{
    uint64_t w[2];
    memcpy(w, src->bytes, 16);
    return (size_t)mm__mix64(mm__mix64(w[0] ^ src->family) ^ w[1]);
}

static struct source *source_slot(struct scan_state *st, const struct mm_addr *src)
{
    size_t start = source_hash(src) % SOURCES, oldest = start;
    for (size_t k = 0; k < 16; k++) {
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

static bool record_probe(struct source *e, const struct mm_packet *p, int64_t now, int64_t window,
                         long *ports, long *hosts)
{
    bool dup_search = true;
    uint64_t key = mm__hash_addr(&p->dst, 0);
    *ports = *hosts = 1;
    for (unsigned i = 0; i < e->n; i++) {
        unsigned q = (e->head + PROBES - 1 - i) % PROBES;
        int64_t age = now - e->t[q];
        bool fresh = mm__within(now, e->t[q], window);
        bool same_dst = fresh && e->dst_key[q] == key && same_addr(&e->dst[q], &p->dst);
        if (dup_search && age > window && age <= 2 * window)
            dup_search = false;
        if (dup_search && same_dst && e->port[q] == p->dport) {
            e->t[q] = now;
            return false;
        }
        if (!fresh || (i == PROBES - 1 && e->n == PROBES))
            continue;
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
        if (!mm__within(now, e->t[q], st->window))
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

static void ref_packet(void *state, struct mm_sensor *s, const struct mm_packet *p)
{
    struct scan_state *st = state;
    if (!p->ip_version || (p->fragment && !p->first_fragment) || !is_probe(p) ||
        is_group_address(&p->dst))
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

static const struct mm_detector reference = {
    .name = NAME,
    .init = ref_init,
    .on_packet = ref_packet,
    .free = ref_free,
};

/* ---- random probe sequences ---------------------------------------------- */

/* One kind of random traffic: the sizes of its address and port spaces,
 * the time grid and the largest step forward (in grid units). */
struct scenario {
    const char *ini;
    unsigned sources, hosts, ports;
    double grid;
    unsigned max_step;
    unsigned packets;
    bool ipv6;
    /* recordings > 1: each packet comes from one of them at random, the
     * k-th recording gap seconds before the first */
    unsigned recordings;
    double gap;
};

static uint64_t rng_state;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13; /* xorshift64 */
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* Source i or destination i: home or outside, IPv4 or (when allowed) IPv6;
 * a few destinations are broadcast or multicast addresses. */
static void pick_address(char *out, size_t len, bool source, unsigned i, bool ipv6)
{
    bool home = i % 2 == 0, v6 = ipv6 && i % 3 == 1;
    unsigned a = 1 + i / 2 % 250, b = i / 500;
    if (!source && i % 17 == 16)
        snprintf(out, len, v6 ? "ff02::%x" : "224.0.%u.%u", b, a);
    else if (!source && i % 19 == 18)
        snprintf(out, len, "192.168.%u.255", b);
    else if (v6)
        snprintf(out, len, home ? "fd00::%x:%x" : "2001:db8::%x:%x", source ? 1 : 2, i);
    else if (home)
        snprintf(out, len, "192.168.%u.%u", (source ? 1 : 2) + 2 * b, a);
    else
        snprintf(out, len, "%s.%u", source ? "198.51.100" : "203.0.113", a);
}

static void random_packet(const struct scenario *sc, struct mm_packet *p)
{
    static const uint8_t flags[] = {0x02, 0x02, 0x02, 0x02, 0x12, 0x10, 0x00, 0x01, 0x29, 0x03};
    char src[64], dst[64];
    pick_address(src, sizeof src, true, rnd(sc->sources), sc->ipv6);
    pick_address(dst, sizeof dst, false, rnd(sc->hosts), sc->ipv6);
    uint16_t dport = (uint16_t)(20 + rnd(sc->ports) * 37);
    if (rnd(10) == 0) /* UDP: a probe only below its source port */
        th_ip_packet(p, src, (uint16_t)(rnd(2) ? 40000 : 7), dst, dport, 17, 0, NULL);
    else
        th_ip_packet(p, src, 40000, dst, dport, 6, flags[rnd(sizeof flags)], NULL);
}

/* Feeds both detectors the same packets; after every packet they must
 * have raised the same alerts. */
static void run_scenario(const struct scenario *sc, uint64_t seed)
{
    struct mm_sensor *fast = th_new(sc->ini, NULL, NULL, &mm_detector_scan);
    struct mm_sensor *ref = th_new(sc->ini, NULL, NULL, &reference);
    double t = 1775001600.0;
    rng_state = seed;
    for (unsigned i = 0; i < sc->packets; i++) {
        if (rnd(50) == 0 && t > 1775001600.0 + 10 * sc->grid)
            t -= sc->grid * (1 + rnd(8)); /* a clock step backwards */
        else
            t += sc->grid * rnd(sc->max_step + 1);
        double at = sc->recordings > 1 ? t - sc->gap * rnd(sc->recordings) : t;
        th_set_time(fast, at);
        th_set_time(ref, at);
        struct mm_packet p;
        random_packet(sc, &p);
        p.num = i + 1;
        th_packet(fast, &p);
        th_packet(ref, &p);
        th_expect_same_alerts(fast, ref, seed, i);
    }
    print_message("seed %llu: %u packets, %zu alerts\n", (unsigned long long)seed, sc->packets,
                  th_count_alerts(ref, 0));
    th_free(fast);
    th_free(ref);
}

static void run_seeds(const struct scenario *sc, unsigned seeds)
{
    for (uint64_t seed = 1; seed <= seeds; seed++)
        run_scenario(sc, seed * 0x9E3779B97F4A7C15ULL);
}

/* Few hosts and ports in a 2 s window: many repeats (refreshed probes),
 * probes exactly on the window's edge, alerts at low thresholds. */
static void test_small_spaces(void **state)
{
    (void)state;
    static const char *const inis[] = {
        "[detect.scan]\nwindow_seconds = 2\nports = 3\nhosts = 3\nsuppress_seconds = 0\n",
        "[detect.scan]\nwindow_seconds = 2\nports = 4\nhosts = 3\nsuppress_seconds = 3\n"
        "scope = any\n",
        "[detect.scan]\nwindow_seconds = 1\nports = 3\nhosts = 5\nsuppress_seconds = 1\n"
        "sources = home\ntargets = home\n",
    };
    for (size_t i = 0; i < sizeof inis / sizeof inis[0]; i++) {
        struct scenario sc = {inis[i], 3, 5, 5, 0.25, 1, 4000, i == 1, 1, 0};
        run_seeds(&sc, 4);
    }
}

/* Many (host, port) pairs in a long window: the rings fill up and wrap, so
 * the probe about to be replaced must not count; high thresholds as in
 * the defaults, each alert with its full count and sample. */
static void test_full_rings(void **state)
{
    (void)state;
    static const char *const port_scan =
        "[detect.scan]\nwindow_seconds = 60\nsuppress_seconds = 0\nscope = any\n";
    static const char *const sweep = "[detect.scan]\nwindow_seconds = 30\nports = 200\nhosts = 40\n"
                                     "suppress_seconds = 0\nscope = any\n";
    const struct scenario scenarios[] = {
        {port_scan, 2, 3, 200, 0.05, 3, 6000, false, 1, 0},
        {sweep, 2, 300, 4, 1.0 / 64, 3, 6000, false, 1, 0},
        {port_scan, 3, 8, 60, 1.0 / 64, 3, 6000, true, 1, 0},
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        run_seeds(&scenarios[i], 2);
}

/* More sources than the table's 512 slots: slots are taken over by new
 * sources and must start empty. */
static void test_many_sources(void **state)
{
    (void)state;
    struct scenario sc = {"[detect.scan]\nwindow_seconds = 600\nports = 3\nhosts = 3\n"
                          "suppress_seconds = 0\nscope = any\n",
                          1500,
                          6,
                          6,
                          0.01,
                          4,
                          20000,
                          true,
                          1,
                          0};
    run_seeds(&sc, 2);
}

/* Recordings interleaved packet by packet: two a year apart, three a
 * year apart, and two only 1.5 windows apart (probes of the other
 * recording then end the search for a repeat, or lie just past the two
 * windows): the stepping over of probes far from now, the flag that
 * allows it, and the fresh run's bound across recordings. */
static void test_merged_recordings(void **state)
{
    (void)state;
    static const char *const ini =
        "[detect.scan]\nwindow_seconds = 2\nports = 3\nhosts = 3\nsuppress_seconds = 0\n";
    static const char *const wide = "[detect.scan]\nwindow_seconds = 60\nsuppress_seconds = 0\n"
                                    "scope = any\n";
    const double year = 365.0 * 86400;
    const struct scenario scenarios[] = {
        {ini, 3, 5, 5, 0.25, 1, 4000, false, 2, year},
        {ini, 3, 5, 5, 0.25, 1, 4000, true, 3, year},
        {ini, 3, 5, 5, 0.25, 1, 4000, false, 2, 3.0},
        {ini, 3, 5, 5, 0.25, 1, 4000, false, 2, 4.25},
        {wide, 2, 3, 200, 0.05, 3, 6000, false, 2, year},
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        run_seeds(&scenarios[i], 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_spaces),
        cmocka_unit_test(test_full_rings),
        cmocka_unit_test(test_many_sources),
        cmocka_unit_test(test_merged_recordings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
