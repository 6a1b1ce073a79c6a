/* SPDX-License-Identifier: Apache-2.0
 * Detector "beacon" (signature id 9100901): a home host connecting to one
 * external host and port again and again at a steady interval, as malware
 * does when it checks in with its control server. A connection start is a
 * TCP SYN without ACK, or the first datagram of a UDP flow; repeats within
 * one second (retransmissions) are ignored. When the last `connections`
 * starts (default 8) have a mean gap between min_interval (10 s) and
 * max_interval (3600 s) and a standard deviation within jitter_percent
 * (10 %) of the mean, the pair alerts. Settings in [detect.beacon];
 * suppression per pair per suppress_seconds (default 21600). At most 8192
 * pairs are followed; when full, pairs idle for max_interval are dropped,
 * and if none is, new pairs wait. A pair keeps two rings of starts, one
 * per recording of a capture merged from two (ring_for), so each
 * recording's starts are judged on their own. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/error.h"
#include "core/hash.h"
#include "sensor/detect/detect-util.h"
#include "sensor/flow.h"
#include "sensor/sensor.h"

#define NAME       "beacon"
#define PAIRS      8192
#define STARTS_MAX 32

/* A ring of a pair's starts: how many starts it has counted itself (at
 * most STARTS_MAX), how many it carries on from the pair's other ring
 * (ring_for; the alert's count is their sum, at most STARTS_MAX), how many
 * of its `connections` entries hold a start, and its next position. */
struct ring {
    uint8_t n, carried, fill, head;
};

/* A followed pair: its key and two rings of its last `connections` starts
 * each (only those are ever read). A capture whose time only moves forward
 * uses one ring (the other after a pause too long for any period, see
 * ring_for); two recordings merged use one each. A slot is the header and
 * the rings rounded up to whole cache lines (192 bytes for the default 8
 * starts), so a pair's look-up and its new start touch two adjacent lines
 * while one ring is used. */
struct pair {
    uint64_t hash; /* pair_hash of (src, dst, port): its slot; compared before the addresses */
    struct mm_addr src, dst;
    uint16_t port;
    uint8_t last; /* the ring of the pair's last start */
    struct ring ring[2];
    int64_t starts[]; /* ring r's entries: starts[r * connections ...] */
};

#define LINE 64

/* The pairs are an open-addressed table (linear probing); whether a slot
 * is used, a tag of its hash and its pair's last start live in separate
 * small arrays (64 KiB each), so a look-up and the search for idle pairs
 * read those, not the pairs. Idle pairs are removed in place, and the
 * pairs left put back so every probe chain stays whole (drop_idle). */
struct beacon_state {
    unsigned char *pairs; /* PAIRS slots of stride bytes, cache-line aligned */
    size_t stride;
    uint64_t *tags;  /* 0: free slot; else tag_of(hash) */
    int64_t *starts; /* the slot's pair's last start (the newest of ring e->last) */
    size_t used;
    struct mm__suppress *sup;
    long connections, jitter;
    int64_t min_interval, max_interval, suppress;
    int64_t next_drop; /* a full table is rebuilt at most once a second */
    uint64_t hash_key; /* random: a sender cannot aim its pairs at one probe chain */
    /* pair_hash of the packet beacon_prefetch last saw, so beacon_packet,
     * which the dispatch calls next for the same packet, need not hash again */
    const struct mm_packet *hashed;
    uint64_t hashed_num, hashed_value;
};

static const struct mm__setting settings[] = {
    {"connections", 4, STARTS_MAX, NULL},     {"jitter_percent", 1, 50, NULL},
    {"min_interval", 1, 86400, NULL},         {"max_interval", 2, 7 * 86400, NULL},
    {"suppress_seconds", 0, 7 * 86400, NULL}, {NULL, 0, 0, NULL}};

static void beacon_free(void *state);

#define HUGE_PAGE ((size_t)2 << 20)

/* The tag and start arrays and the pairs, zeroed, in one block of whole
 * 2 MB huge pages where the kernel gives them on request (1.7 MB for the
 * default 8 starts): a start's tag, last start and pair lie anywhere in
 * the tables, and with 4 KB pages each look-up was a TLB miss as well as
 * a cache miss (perf put most of the prefetch's time on its own
 * prefetch instructions). */
static int tables_alloc(struct beacon_state *st)
{
    size_t arrays = 2 * PAIRS * sizeof(uint64_t), len = arrays + PAIRS * st->stride;
    size_t block = (len + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, block) != 0)
        return MM_ENOMEM;
#if defined(MADV_HUGEPAGE)
    (void)madvise(p, block, MADV_HUGEPAGE);
#endif
    memset(p, 0, len);
    st->tags = p;
    st->starts = (int64_t *)(void *)((unsigned char *)p + PAIRS * sizeof(uint64_t));
    st->pairs = (unsigned char *)p + arrays; /* 128 KiB in: cache-line aligned */
    return 0;
}

static int beacon_init(struct mm_sensor *s, void **state)
{
    void *mem;
    struct mm__suppress *sup;
    int r = mm__detect_alloc(s, NAME, settings, sizeof(struct beacon_state), 4096, &mem, &sup);
    if (r != 0)
        return r;
    struct beacon_state *st = mem;
    st->sup = sup;
    st->connections = mm__detect_int(s, NAME, "connections", 8, 4, STARTS_MAX);
    st->stride = (sizeof(struct pair) + 2 * (size_t)st->connections * sizeof(int64_t) + LINE - 1) /
                 LINE * LINE;
    if (tables_alloc(st) != 0) {
        beacon_free(st);
        return MM_ENOMEM;
    }
    st->jitter = mm__detect_int(s, NAME, "jitter_percent", 10, 1, 50);
    st->min_interval = mm__detect_int(s, NAME, "min_interval", 10, 1, 86400) * 1000000LL;
    st->max_interval = mm__detect_int(s, NAME, "max_interval", 3600, 2, 7 * 86400) * 1000000LL;
    st->suppress = mm__detect_int(s, NAME, "suppress_seconds", 21600, 0, 7 * 86400) * 1000000LL;
    st->hash_key = mm_hash_random_key();
    *state = st;
    return 0;
}

static void beacon_free(void *state)
{
    struct beacon_state *st = state;
    if (!st)
        return;
    mm__suppress_free(st->sup);
    free(st->tags); /* the block of all three tables */
    free(st);
}

static struct pair *pair_at(const struct beacon_state *st, size_t i)
{
    return (struct pair *)(void *)(st->pairs + i * st->stride);
}

/* The table's hash of the packet's (src, dst, port): each keyed address
 * word times its own odd constant (a bijection per word), summed, then
 * one mix. Where a pair sits in the table is never seen outside it (a full
 * table makes new pairs wait, idle pairs leave by their age), so this need
 * not be the suppression key (which mm__keyed_addr makes only when a pair
 * alerts); five mixes, one per word, cost twice as much. */
static uint64_t pair_hash(const struct beacon_state *st, const struct mm_packet *p)
{
    uint64_t w[4];
    memcpy(w, p->src.bytes, 16);
    memcpy(w + 2, p->dst.bytes, 16);
    uint64_t k = st->hash_key;
    uint64_t h = (w[0] ^ k) * 0x9e3779b97f4a7c15ULL +
                 (w[1] ^ (k + p->src.family)) * 0xc2b2ae3d27d4eb4fULL +
                 (w[2] ^ (k >> 7)) * 0x165667b19e3779f9ULL +
                 (w[3] ^ (k + ((uint64_t)p->dst.family << 16 | p->dport))) * 0xd6e8feb86659fd93ULL;
    return mm__mix64(h);
}

/* Whether a and b are the same address (mm_addr_equal, without the call). */
static inline bool same_addr(const struct mm_addr *a, const struct mm_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

/* Never 0, and with the hash's low bits, so a slot's home (hash % PAIRS)
 * is read from the tag array, not from the pair's own lines. */
static uint64_t tag_of(uint64_t hash)
{
    return hash | 1ULL << 63;
}

/* Removes the pairs idle for more than max_interval in one pass that also
 * puts each pair left in the first free slot from its home on, so every
 * probe chain is whole again. Until 2026-11 each idle pair was removed by
 * backward-shift deletion (Knuth's algorithm R), which moved the rest of
 * its cluster back by one slot per removal, through a libc memmove per
 * pair: on the bench capture 161 drops removed 319 k pairs, and perf put
 * 1.4 % of the run there. The same pairs stay; only their slots may
 * differ, which no look-up sees.
 *
 * The pass starts after a free slot (the table is never more than three
 * quarters full): no probe chain runs across it, so each pair's home lies
 * between that slot and the pair, every slot from its home to it is
 * settled (emptied if idle, or holding its pair for good) when the pair is
 * reached, and the slot a pair leaves is free only for pairs after it. */
static void drop_idle(struct beacon_state *st, int64_t now)
{
    size_t start = 0;
    while (st->tags[start])
        start++; /* there is a free slot: used stays below PAIRS */
    for (size_t k = 1; k < PAIRS; k++) {
        size_t j = (start + k) % PAIRS;
        if (!st->tags[j])
            continue;
        if (now - st->starts[j] > st->max_interval) {
            st->tags[j] = 0;
            st->used--;
            continue;
        }
        size_t i = st->tags[j] % PAIRS;
        while (i != j && st->tags[i])
            i = (i + 1) % PAIRS;
        if (i == j)
            continue;
        memcpy(pair_at(st, i), pair_at(st, j), st->stride);
        st->tags[i] = st->tags[j];
        st->starts[i] = st->starts[j];
        st->tags[j] = 0;
    }
}

/* Takes free slot j for p's pair (h: its pair_hash) with its first start
 * at now. Only writes: the slot's lines are usually not in the cache, and
 * stores wait in the store buffer where a load would stall (perf put more
 * than a third of beacon_packet's time on reading a new pair's count). */
static void new_pair(struct beacon_state *st, size_t j, const struct mm_packet *p, uint64_t h,
                     int64_t now)
{
    struct pair *e = pair_at(st, j);
    e->starts[0] = now; /* starts[] is read only below fill: no need to clear it */
    e->ring[0] = (struct ring){.n = 1, .fill = 1, .head = 1}; /* connections is at least 4 */
    e->ring[1] = (struct ring){0};
    e->last = 0;
    st->tags[j] = tag_of(h);
    st->starts[j] = now;
    e->hash = h;
    e->src = p->src;
    e->dst = p->dst;
    e->port = p->dport;
    st->used++;
}

/* The slot of p's pair (h: its pair_hash), found; or a new pair with its
 * first start at now (*fresh set); PAIRS when the table is full. */
static size_t pair_slot(struct beacon_state *st, const struct mm_packet *p, uint64_t h, int64_t now,
                        bool *fresh)
{
    size_t j = h % PAIRS;
    uint64_t tag = tag_of(h);
    for (size_t k = 0; k < PAIRS && st->tags[j]; k++, j = (j + 1) % PAIRS) {
        struct pair *e = pair_at(st, j);
        if (st->tags[j] == tag && e->hash == h && e->port == p->dport &&
            same_addr(&e->src, &p->src) && same_addr(&e->dst, &p->dst))
            return j;
    }
    if (st->used * 4 >= PAIRS * 3) {
        /* Rebuilding costs a pass over the table: during a scan (a new pair
         * per packet, none idle) it must not run for every packet. */
        if (now < st->next_drop && now >= st->next_drop - 1000000)
            return PAIRS;
        st->next_drop = now + 1000000;
        drop_idle(st, now);
        if (st->used * 4 >= PAIRS * 3)
            return PAIRS;
    }
    j = h % PAIRS;
    while (st->tags[j])
        j = (j + 1) % PAIRS;
    new_pair(st, j, p, h, now);
    *fresh = true;
    return j;
}

/* Inline in both callers: a call cost more than the test. */
static inline __attribute__((always_inline)) bool is_start(const struct mm_packet *p)
{
    if (p->fragment) /* no ports; the rebuilt datagram comes with its flow */
        return false;
    if (p->ip_proto == 6)
        return (p->tcp_flags & 0x12) == 0x02;
    if (p->ip_proto == 17)
        return !p->flow || (p->dir == 0 && p->flow->dir[0].pkts <= 1);
    return false;
}

/* Asks for the table slot beacon_packet will read first for a connection
 * start (struct mm_detector.prefetch_packet), and notes p's pair hash for it. */
static void beacon_prefetch(void *state, struct mm_sensor *s, const struct mm_packet *p)
{
    struct beacon_state *st = state;
    (void)s; /* the home checks cost more than a prefetch of a start that is not outbound */
    if (!p->ip_version || !is_start(p))
        return;
    uint64_t h = pair_hash(st, p);
    st->hashed = p;
    st->hashed_num = p->num;
    st->hashed_value = h;
    size_t j = h % PAIRS;
    __builtin_prefetch(&st->tags[j]);
    __builtin_prefetch(&st->starts[j]);
    __builtin_prefetch(pair_at(st, j)); /* the key and the rings' counts; ring 0's first starts */
}

/* Ring r's entries and its newest start (its fill is not 0). */
static int64_t *ring_starts(const struct beacon_state *st, struct pair *e, unsigned r)
{
    return e->starts + r * (size_t)st->connections;
}

static int64_t ring_newest(const struct beacon_state *st, struct pair *e, unsigned r)
{
    return ring_starts(st, e, r)[(e->ring[r].head + st->connections - 1) % st->connections];
}

/* Whether ring r takes a start at now: it holds starts, and now lies at
 * most max_interval before its newest (time going back further is
 * another recording, merged with this one) and at most `gap` after it. */
static bool ring_takes(const struct beacon_state *st, struct pair *e, unsigned r, int64_t now,
                       int64_t gap)
{
    if (!e->ring[r].fill)
        return false;
    int64_t d = now - ring_newest(st, e, r);
    return d >= -st->max_interval && d <= gap;
}

/* The starts ring g stands for in an alert: its own and those it carries. */
static uint8_t ring_count(const struct ring *g)
{
    unsigned n = (unsigned)g->n + g->carried;
    return (uint8_t)(n < STARTS_MAX ? n : STARTS_MAX);
}

static int64_t distance(int64_t a, int64_t b)
{
    return a > b ? a - b : b - a;
}

/* The ring of e that a start at now goes to (last_start: the newest start
 * of ring e->last, the pair's last). Ring e->last, while it takes
 * the start, unless the other one takes it too and lies nearer (a capture
 * merged from two recordings a year apart: each start goes to its own
 * year's ring). When neither takes it, a ring starts afresh: the empty
 * one, else the one whose newest start lies further from now. Going
 * forward by more than `gap` starts a ring too, and the gap is chosen so
 * that no ring holding it could look periodic (its mean would exceed
 * max_interval even with every other gap going back by max_interval):
 * in a capture whose time goes back by at most max_interval, the pair
 * alerts at the same starts as with one ring, and the new ring carries
 * the old one's count on; when time later goes back to the old ring, the
 * two were recordings merged, and the count carried is taken off. */
static unsigned ring_for(const struct beacon_state *st, struct pair *e, int64_t last_start,
                         int64_t now)
{
    const int64_t gap = 2 * st->connections * st->max_interval;
    unsigned last = e->last, other = !last;
    if (!e->ring[other].fill && now - last_start >= -st->max_interval && now - last_start <= gap)
        return last; /* one recording: ring_takes(last) without reading the ring */
    bool last_takes = ring_takes(st, e, last, now, gap);
    bool other_takes = ring_takes(st, e, other, now, gap);
    unsigned r = last;
    if (other_takes && (!last_takes || distance(now, ring_newest(st, e, other)) <
                                           distance(now, ring_newest(st, e, last))))
        r = other;
    else if (!last_takes) {
        r = !e->ring[other].fill ? other
            : distance(now, ring_newest(st, e, other)) > distance(now, ring_newest(st, e, last))
                ? other
                : last;
        uint8_t carry =
            r != last && now - ring_newest(st, e, last) > gap ? ring_count(&e->ring[last]) : 0;
        e->ring[r] = (struct ring){.carried = carry};
    }
    if (r != last && e->ring[last].fill && now < ring_newest(st, e, last) - st->max_interval)
        e->ring[last].carried = 0;
    return r;
}

/* Checks ring r's last `connections` gaps; fills mean (seconds) when they
 * look periodic. */
static bool periodic(const struct beacon_state *st, struct pair *e, unsigned r, double *mean_s)
{
    long n = st->connections;
    const struct ring *g = &e->ring[r];
    const int64_t *starts = ring_starts(st, e, r);
    double gaps[STARTS_MAX], sum = 0, var = 0;
    if ((long)g->fill < n)
        return false;
    for (long i = 0; i < n - 1; i++) { /* the ring holds exactly the last n starts */
        int64_t later = starts[(g->head + n - 1 - i) % n];
        int64_t earlier = starts[(g->head + n - 2 - i) % n];
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

/* Adds the start at now to ring r of e (slot j). */
static void push_start(struct beacon_state *st, size_t j, struct pair *e, unsigned r, int64_t now)
{
    struct ring *g = &e->ring[r];
    ring_starts(st, e, r)[g->head] = now;
    st->starts[j] = now;
    e->last = (uint8_t)r;
    g->head = (uint8_t)((g->head + 1) % st->connections);
    if (g->fill < st->connections)
        g->fill++;
    if (g->n < STARTS_MAX)
        g->n++;
}

/* p's pair_hash: the prefetch's when it hashed this very packet. */
static uint64_t packet_hash(const struct beacon_state *st, const struct mm_packet *p,
                            bool prefetched)
{
    return prefetched ? st->hashed_value : pair_hash(st, p);
}

/* A connection start: when it goes from home to the outside, its pair's
 * new start, and the alert when the starts look periodic. Out of line, so
 * that the many packets beacon_packet turns away cost no stack frame. */
static __attribute__((noinline)) void record_start(struct beacon_state *st, struct mm_sensor *s,
                                                   const struct mm_packet *p, bool prefetched)
{
    double mean;
    bool fresh = false;
    if (!mm_sensor_src_home(s, p) || mm_sensor_dst_home(s, p))
        return;
    int64_t now = mm__detect_now(s);
    size_t j = pair_slot(st, p, packet_hash(st, p, prefetched), now, &fresh);
    if (j == PAIRS || fresh) /* a first start: too few for a period */
        return;
    struct pair *e = pair_at(st, j);
    unsigned r = ring_for(st, e, st->starts[j], now);
    if (e->ring[r].fill) { /* a repeat within a second: a retransmission */
        int64_t newest = r == e->last ? st->starts[j] : ring_newest(st, e, r);
        if (now - newest < 1000000 && now >= newest)
            return;
    }
    push_start(st, j, e, r, now);
    if (!periodic(st, e, r, &mean))
        return;
    uint64_t key = mm__keyed_addr(&p->dst, mm__keyed_addr(&p->src, p->dport));
    if (!mm__suppress_allow(st->sup, key, now, st->suppress))
        return;
    const struct mm__alert_at at = {.pkt = p};
    json_t *vars =
        json_pack("{s:o, s:o, s:i, s:I, s:I}", "src", mm__json_addr(&p->src), "dst",
                  mm__json_addr(&p->dst), "port", p->dport, "interval", (json_int_t)llround(mean),
                  "count", (json_int_t)ring_count(&e->ring[r]));
    json_t *evidence = json_pack(
        "{s:o, s:o, s:i, s:s, s:I, s:f}", "src_ip", mm__json_addr(&p->src), "dest_ip",
        mm__json_addr(&p->dst), "dest_port", p->dport, "proto", p->ip_proto == 6 ? "TCP" : "UDP",
        "connections", (json_int_t)ring_count(&e->ring[r]), "mean_interval_seconds", mean);
    mm__detect_raise(s, NAME, 1, &at, vars, evidence, NULL);
}

static void beacon_packet(void *state, struct mm_sensor *s, const struct mm_packet *p)
{
    struct beacon_state *st = state;
    /* The prefetch's hash serves only the call that follows it for the same
     * packet (the dispatch's order), so it is taken now or never. The
     * prefetch hashes starts only: its packet is one. */
    bool prefetched = st->hashed == p && st->hashed_num == p->num;
    st->hashed = NULL;
    if (prefetched || (p->ip_version && is_start(p)))
        record_start(st, s, p, prefetched);
}

const struct mm_detector mm_detector_beacon = {
    .name = NAME,
    .settings = settings,
    .init = beacon_init,
    .on_packet = beacon_packet,
    .packets = MM_PKT_TCP_SYN | MM_PKT_UDP,
    .prefetch_packet = beacon_prefetch,
    .free = beacon_free,
};
