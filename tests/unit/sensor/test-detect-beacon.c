/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the "beacon" detector (detect-beacon.c) against
 * the version before its table hash changed (kept here word for word as a
 * reference detector): both, and the detector without its prefetch_packet
 * hint, are fed the same random connection starts
 * (steady beacons with jitter, retransmissions, noise pairs, clock steps
 * backwards, and enough pairs to fill the table so idle pairs are dropped
 * and new pairs wait), with rings of 4, 6, 8 (the default) and 32 starts
 * and, briefly, of every size from 4 to 32,
 * and must produce identical alert events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/detect/detect-util.h"
#include "sensor/flow.h"
#include "test-detect-harness.h"

extern const struct mm_detector mm_detector_beacon;

/* ---- the reference: detect-beacon.c before pair_hash --------------------- */

#define NAME       "beacon"
#define PAIRS      8192
#define STARTS_MAX 32

struct pair {
    uint64_t hash; /* of (src, dst, port): its slot; compared before the addresses */
    struct mm_addr src, dst;
    uint16_t port;
    unsigned n, head;
    int64_t starts[STARTS_MAX];
};

/* The pairs are an open-addressed table (linear probing); whether a slot
 * is used, a tag of its hash and its pair's last start live in separate
 * small arrays (64 KiB each), so a look-up and the search for idle pairs
 * read those, not the 330-byte pairs. Idle pairs are removed in place
 * (backward-shift deletion keeps every probe chain whole). */
struct beacon_state {
    struct pair *pairs;
    uint64_t *tags;  /* 0: free slot; else hash | 1 */
    int64_t *starts; /* the slot's pair's last start (its last_start()) */
    size_t used;
    struct mm__suppress *sup;
    long connections, jitter;
    int64_t min_interval, max_interval, suppress;
    int64_t next_drop; /* a full table is rebuilt at most once a second */
};

static const struct mm__setting settings[] = {
    {"connections", 4, STARTS_MAX, NULL},     {"jitter_percent", 1, 50, NULL},
    {"min_interval", 1, 86400, NULL},         {"max_interval", 2, 7 * 86400, NULL},
    {"suppress_seconds", 0, 7 * 86400, NULL}, {NULL, 0, 0, NULL}};

static void beacon_free(void *state);

static int beacon_init(struct mm_sensor *s, void **state)
{
    void *mem;
    struct mm__suppress *sup;
    int r = mm__detect_alloc(s, NAME, settings, sizeof(struct beacon_state), 4096, &mem, &sup);
    if (r != 0)
        return r;
    struct beacon_state *st = mem;
    st->sup = sup;
    st->pairs = calloc(PAIRS, sizeof *st->pairs);
    st->tags = calloc(PAIRS, sizeof *st->tags);
    st->starts = calloc(PAIRS, sizeof *st->starts);
    if (!st->pairs || !st->tags || !st->starts) {
        beacon_free(st);
        return MM_ENOMEM;
    }
    st->connections = mm__detect_int(s, NAME, "connections", 8, 4, STARTS_MAX);
    st->jitter = mm__detect_int(s, NAME, "jitter_percent", 10, 1, 50);
    st->min_interval = mm__detect_int(s, NAME, "min_interval", 10, 1, 86400) * 1000000LL;
    st->max_interval = mm__detect_int(s, NAME, "max_interval", 3600, 2, 7 * 86400) * 1000000LL;
    st->suppress = mm__detect_int(s, NAME, "suppress_seconds", 21600, 0, 7 * 86400) * 1000000LL;
    *state = st;
    return 0;
}

static void beacon_free(void *state)
{
    struct beacon_state *st = state;
    if (!st)
        return;
    mm__suppress_free(st->sup);
    free(st->pairs);
    free(st->tags);
    free(st->starts);
    free(st);
}

static int64_t last_start(const struct pair *e)
{
    return e->starts[(e->head + STARTS_MAX - 1) % STARTS_MAX];
}

static uint64_t tag_of(uint64_t hash)
{
    return hash | 1;
}

/* Empties slot i and moves later pairs of its probe chain back so every
 * pair stays reachable from its home slot (Knuth's algorithm R). */
static void remove_slot(struct beacon_state *st, size_t i)
{
    for (size_t j = (i + 1) % PAIRS; st->tags[j]; j = (j + 1) % PAIRS) {
        size_t home = st->pairs[j].hash % PAIRS;
        bool reachable = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (reachable)
            continue; /* its home lies after the hole: it may stay */
        st->pairs[i] = st->pairs[j];
        st->tags[i] = st->tags[j];
        st->starts[i] = st->starts[j];
        i = j;
    }
    st->tags[i] = 0;
    st->used--;
}

/* Removes the pairs idle for more than max_interval. A slot a removal
 * filled is looked at again; pairs moved into slots already passed were
 * already found not idle. */
static void drop_idle(struct beacon_state *st, int64_t now)
{
    for (size_t i = 0; i < PAIRS;) {
        if (st->tags[i] && now - st->starts[i] > st->max_interval)
            remove_slot(st, i);
        else
            i++;
    }
}

static struct pair *pair_slot(struct beacon_state *st, const struct mm_packet *p, uint64_t h,
                              int64_t now)
{
    size_t j = h % PAIRS;
    uint64_t tag = tag_of(h);
    for (size_t k = 0; k < PAIRS && st->tags[j]; k++, j = (j + 1) % PAIRS) {
        struct pair *e = &st->pairs[j];
        if (st->tags[j] == tag && e->hash == h && e->port == p->dport &&
            mm_addr_equal(&e->src, &p->src) && mm_addr_equal(&e->dst, &p->dst))
            return e;
    }
    if (st->used * 4 >= PAIRS * 3) {
        /* Rebuilding costs a pass over the table: during a scan (a new pair
         * per packet, none idle) it must not run for every packet. */
        if (now < st->next_drop && now >= st->next_drop - 1000000)
            return NULL;
        st->next_drop = now + 1000000;
        drop_idle(st, now);
        if (st->used * 4 >= PAIRS * 3)
            return NULL;
    }
    j = h % PAIRS;
    while (st->tags[j])
        j = (j + 1) % PAIRS;
    struct pair *e = &st->pairs[j];
    memset(e, 0, sizeof *e);
    st->tags[j] = tag;
    st->starts[j] = 0;
    e->hash = h;
    e->src = p->src;
    e->dst = p->dst;
    e->port = p->dport;
    st->used++;
    return e;
}

static bool is_start(const struct mm_packet *p)
{
    if (p->fragment) /* no ports; the rebuilt datagram comes with its flow */
        return false;
    if (p->ip_proto == 6)
        return (p->tcp_flags & 0x12) == 0x02;
    if (p->ip_proto == 17)
        return !p->flow || (p->dir == 0 && p->flow->dir[0].pkts <= 1);
    return false;
}

/* Checks the last n gaps; fills mean (seconds) when they look periodic. */
static bool periodic(const struct beacon_state *st, const struct pair *e, double *mean_s)
{
    long n = st->connections;
    double gaps[STARTS_MAX], sum = 0, var = 0;
    if ((long)e->n < n)
        return false;
    for (long i = 0; i < n - 1; i++) {
        int64_t later = e->starts[(e->head + STARTS_MAX - 1 - i) % STARTS_MAX];
        int64_t earlier = e->starts[(e->head + STARTS_MAX - 2 - i) % STARTS_MAX];
        gaps[i] = (double)(later - earlier) / 1e6;
        sum += gaps[i];
    }
    double mean = sum / (double)(n - 1);
    for (long i = 0; i < n - 1; i++)
        var += (gaps[i] - mean) * (gaps[i] - mean);
    double sd = sqrt(var / (double)(n - 1));
    *mean_s = mean;
    return mean * 1e6 >= (double)st->min_interval && mean * 1e6 <= (double)st->max_interval &&
           sd <= mean * (double)st->jitter / 100.0;
}

static void beacon_packet(void *state, struct mm_sensor *s, const struct mm_packet *p)
{
    struct beacon_state *st = state;
    double mean;
    if (!p->ip_version || !is_start(p) || !mm_sensor_is_home(s, &p->src) ||
        mm_sensor_is_home(s, &p->dst))
        return;
    int64_t now = mm__detect_now(s);
    uint64_t key = mm__hash_addr(&p->dst, mm__hash_addr(&p->src, p->dport));
    struct pair *e = pair_slot(st, p, key, now);
    if (!e || (e->n > 0 && now - last_start(e) < 1000000 && now >= last_start(e)))
        return;
    e->starts[e->head] = now;
    st->starts[e - st->pairs] = now;
    e->head = (e->head + 1) % STARTS_MAX;
    if (e->n < STARTS_MAX)
        e->n++;
    if (!periodic(st, e, &mean))
        return;
    if (!mm__suppress_allow(st->sup, key, now, st->suppress))
        return;
    const struct mm__alert_at at = {.pkt = p};
    json_t *vars = json_pack("{s:o, s:o, s:i, s:I, s:I}", "src", mm__json_addr(&p->src), "dst",
                             mm__json_addr(&p->dst), "port", p->dport, "interval",
                             (json_int_t)llround(mean), "count", (json_int_t)e->n);
    json_t *evidence = json_pack("{s:o, s:o, s:i, s:s, s:I, s:f}", "src_ip", mm__json_addr(&p->src),
                                 "dest_ip", mm__json_addr(&p->dst), "dest_port", p->dport, "proto",
                                 p->ip_proto == 6 ? "TCP" : "UDP", "connections", (json_int_t)e->n,
                                 "mean_interval_seconds", mean);
    mm__detect_raise(s, NAME, 1, &at, vars, evidence, NULL);
}

static const struct mm_detector reference = {
    .name = NAME,
    .init = beacon_init,
    .on_packet = beacon_packet,
    .free = beacon_free,
};

/* ---- random connection starts -------------------------------------------- */

/* One kind of traffic: beacons (home host to an outside host and port
 * every period_s seconds, each start moved by up to jitter_s, now and then
 * retransmitted within 1.5 s or pausing for pause_s) mixed with starts of
 * noise_pairs other pairs, one every 0 to 2 grid steps. Times stay on a
 * grid of 1/64 s, so gaps land exactly on the limits (1 s, max_interval). */
struct scenario {
    const char *ini;
    unsigned beacons;
    double period_s, jitter_s, pause_s;
    unsigned noise_pairs;
    double grid;
    unsigned packets;
};

static uint64_t rng_state;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13; /* xorshift64 */
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static void beacon_packet_of(unsigned b, struct mm_packet *p)
{
    char src[32], dst[32];
    snprintf(src, sizeof src, "192.168.1.%u", 10 + b % 3);
    snprintf(dst, sizeof dst, "203.0.113.%u", 1 + b);
    th_ip_packet(p, src, (uint16_t)(40000 + rnd(20000)), dst, (uint16_t)(8000 + b % 2), 6, 0x02,
                 NULL);
}

/* A start of noise pair i (sometimes no start at all: an answer, a packet
 * from outside or between home hosts, a UDP datagram of a flow). */
static void noise_packet_of(unsigned i, struct mm_packet *p)
{
    static const uint8_t flags[] = {0x02, 0x02, 0x02, 0x12, 0x10, 0x03};
    char src[32], dst[48];
    unsigned kind = rnd(20);
    snprintf(src, sizeof src, kind == 0 ? "198.51.100.%u" : "192.168.1.%u", 20 + i % 7);
    if (kind == 1)
        snprintf(dst, sizeof dst, "192.168.1.%u", 1 + i / 7 % 200);
    else if (kind == 2)
        snprintf(dst, sizeof dst, "2001:db8::%x", i / 7);
    else
        snprintf(dst, sizeof dst, "198.18.%u.%u", i / 7 / 250, i / 7 % 250);
    uint8_t proto = kind == 3 ? 17 : 6;
    th_ip_packet(p, src, (uint16_t)(40000 + rnd(20000)), dst, (uint16_t)(443 + i % 3), proto,
                 flags[rnd(sizeof flags)], NULL);
    if (kind == 2) /* an IPv6 source for an IPv6 destination */
        assert_int_equal(mm_addr_parse(i % 2 ? "fd00::5" : "2001:db8:1::5", &p->src), 0);
    p->ip_version = p->src.family;
}

/* Feeds the detector (its prefetch_packet hint, then on_packet, as the
 * sensor calls them), the detector without the hint (its on_packet alone,
 * as a detector with no hooks) and the reference the same packets; after
 * every packet they must have raised the same alerts. Returns how many
 * alerts they raised. */
static size_t run_scenario(const struct scenario *sc, uint64_t seed)
{
    struct mm_detector unhinted = mm_detector_beacon;
    unhinted.prefetch_packet = NULL;
    assert_non_null(mm_detector_beacon.prefetch_packet);
    struct mm_sensor *fast = th_new(sc->ini, NULL, NULL, &mm_detector_beacon);
    struct mm_sensor *bare = th_new(sc->ini, NULL, NULL, &unhinted);
    struct mm_sensor *ref = th_new(sc->ini, NULL, NULL, &reference);
    double t = 1775001600.0, due[64];
    rng_state = seed;
    assert_true(sc->beacons <= 64);
    for (unsigned b = 0; b < sc->beacons; b++)
        due[b] = t + 0.25 * rnd((unsigned)(sc->period_s * 4));
    for (unsigned i = 0; i < sc->packets; i++) {
        struct mm_packet p;
        double next = rnd(100) == 0 ? t - sc->grid * (1 + rnd(8)) /* the clock steps back */
                                    : t + sc->grid * rnd(3);
        unsigned b = sc->beacons;
        for (unsigned j = 0; j < sc->beacons; j++)
            if (due[j] <= next && (b == sc->beacons || due[j] < due[b]))
                b = j;
        if (b < sc->beacons) {
            t = due[b];
            beacon_packet_of(b, &p);
            unsigned r = rnd(16);
            if (r == 0)
                due[b] += 0.25 * (1 + rnd(6)); /* a retransmission, maybe exactly 1 s later */
            else if (r == 1)
                due[b] += sc->pause_s;
            else
                due[b] += sc->period_s + sc->jitter_s * ((double)rnd(9) - 4.0) / 4.0;
        } else {
            t = next;
            noise_packet_of(rnd(sc->noise_pairs), &p);
        }
        th_set_time(fast, t);
        th_set_time(bare, t);
        th_set_time(ref, t);
        p.num = i + 1;
        th_packet(fast, &p);
        th_packet(bare, &p);
        th_packet(ref, &p);
        th_expect_same_alerts(fast, ref, seed, i);
        th_expect_same_alerts(bare, ref, seed, i);
    }
    print_message("seed %llu: %u packets, %zu alerts\n", (unsigned long long)seed, sc->packets,
                  json_array_size(ref->alerts));
    size_t alerts = json_array_size(ref->alerts);
    th_free(fast);
    th_free(bare);
    th_free(ref);
    return alerts;
}

static size_t run_seeds(const struct scenario *sc, unsigned seeds)
{
    size_t alerts = 0;
    for (uint64_t seed = 1; seed <= seeds; seed++)
        alerts += run_scenario(sc, seed * 0x9E3779B97F4A7C15ULL);
    return alerts;
}

/* Beacons among a few hundred other pairs: alerts, suppression, jitter
 * around the limit, retransmissions within a second. */
static void test_beacons(void **state)
{
    (void)state;
    const struct scenario scenarios[] = {
        {"[detect.beacon]\nconnections = 4\nmin_interval = 2\nmax_interval = 60\n"
         "suppress_seconds = 0\n",
         12, 5.0, 0.5, 60.0, 300, 1.0 / 16, 20000},
        {"[detect.beacon]\nconnections = 6\njitter_percent = 5\nmin_interval = 1\n"
         "max_interval = 20\nsuppress_seconds = 30\n",
         20, 3.0, 0.25, 20.0, 500, 1.0 / 32, 20000},
        /* the default 8 starts (a ring sharing the key's two cache lines) */
        {"[detect.beacon]\nmin_interval = 2\nmax_interval = 60\nsuppress_seconds = 10\n", 16, 4.0,
         0.5, 30.0, 400, 1.0 / 16, 20000},
        /* the most starts a pair keeps (32): the widest slot */
        {"[detect.beacon]\nconnections = 32\njitter_percent = 20\nmin_interval = 1\n"
         "max_interval = 30\nsuppress_seconds = 0\n",
         8, 2.0, 0.25, 30.0, 200, 1.0 / 16, 20000},
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        run_seeds(&scenarios[i], 3);
}

/* Every ring size the setting allows (4-32 starts, so every slot width
 * from two to five cache lines and rings that are not a power of two):
 * the same alerts as the reference, which keeps 32 starts whatever the
 * setting. Every size alerts (jitter of a quarter second on a 3 s
 * period), so the ring's every start is read, and a few thousand noise
 * pairs fill enough of the table that a slot one start too short (which
 * the rounding to cache lines hides for most sizes, not for 11, 19 or 27)
 * overwrites its neighbour's key and changes the alerts. */
static void test_every_ring_size(void **state)
{
    (void)state;
    for (int c = 4; c <= 32; c++) {
        char ini[160];
        snprintf(ini, sizeof ini,
                 "[detect.beacon]\nconnections = %d\njitter_percent = 10\nmin_interval = 1\n"
                 "max_interval = 30\nsuppress_seconds = 5\n",
                 c);
        const struct scenario sc = {ini, 10, 3.0, 0.25, 30.0, 5000, 1.0 / 16, 8000};
        assert_true(run_seeds(&sc, 1) > 0);
    }
}

/* Over 6,144 pairs: the table is full, idle pairs are dropped (at most once
 * a second) and new pairs wait while none is idle. */
static void test_full_table(void **state)
{
    (void)state;
    const struct scenario sc = {
        .ini = "[detect.beacon]\nconnections = 4\nmin_interval = 1\nmax_interval = 40\n"
               "suppress_seconds = 0\n",
        .beacons = 64,
        .period_s = 4.0,
        .jitter_s = 0.25,
        .pause_s = 40.0,
        .noise_pairs = 9000 * 7,
        .grid = 1.0 / 512,
        .packets = 60000,
    };
    run_seeds(&sc, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beacons),
        cmocka_unit_test(test_full_table),
        cmocka_unit_test(test_every_ring_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
