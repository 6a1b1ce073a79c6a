/* SPDX-License-Identifier: Apache-2.0
 * Detector "scan" (signature ids 9100701-9100702): one source probing
 *   1 many ports of one host (port scan), or
 *   2 many hosts on one port (host sweep, how worms spread),
 * within a sliding window. A probe is a TCP SYN without ACK, a TCP packet
 * with the NULL / FIN / XMAS flag patterns of stealth scans, or a UDP
 * datagram to a port below its source port (so DNS answers to ephemeral
 * ports do not count). A first IP fragment (offset 0, the transport header
 * decoded) is a probe like any packet: with reassembly on, the sensor shows
 * one only for a datagram it gave up, e.g. a fragmented scan that floods
 * the reassembly table; later fragments carry no ports. Settings in
 * [detect.scan]: window_seconds (60), ports (20), hosts (25), sources =
 * any|home (any), targets = home|any (home: only probes of home addresses
 * count), suppress_seconds (3600). Each source keeps its last 256 distinct
 * (host, port) probes; at most 512 sources are tracked (the least recently
 * active is replaced). Suppression: one alert per (source, variant) per
 * suppress window. A probe counts in the window of another when it lies
 * within window_seconds of it on either side, so in a capture merged from
 * recordings of different years each recording counts its own probes
 * (see ends_run for the search for a repeat). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "sensor/detect/detect-util.h"
#include "sensor/sensor.h"

#define NAME    "scan"
#define PROBES  256
#define BUCKETS 128
#define SOURCES 512

/* The three chains that thread a source's probes, newest first: probes to
 * the same destination host, on the same port, and to the same (host,
 * port). A chain is found by a bucket of a hash of its key, so a chain may
 * also hold probes of other keys with the same bucket; every use compares
 * the key itself. */
enum chain { BY_HOST, BY_PORT, BY_PAIR, CHAINS };

/* A source's recent probes: a ring of PROBES, stored column by column.
 * Probes are numbered by seq (kept over the slot's successive sources, so
 * a number of an earlier source is not taken for one in the ring): probe
 * number k lies in ring slot k % PROBES and is in the ring while
 * seq - n <= k < seq (modulo 2^32). Each probe links to the previous one of
 * each of its chains by how many probes back it lies (0: none), and
 * bucket_head holds the newest number of each bucket; a link or head whose
 * probe left the ring is simply no longer followed. So recording a probe,
 * finding its repeat and counting the probes of one host or one port visit
 * only that chain, not the whole ring. Links are exact; a head left unused
 * for 2^32 probes of its slot (seq wraps) can name a probe in the ring by
 * accident, which then belongs to another bucket: its key differs, and
 * every use compares keys, so only a longer walk follows. */
struct source {
    uint64_t suppress_key[2]; /* of variants 1 and 2: mm__keyed_addr(src, variant) */
    bool at_limit[2];         /* variant's last count reached its limit (scan_packet) */
    bool went_back; /* a probe came more than a window before latest (see refresh_repeat) */
    int64_t latest; /* the latest time of the source's probes */
    uint32_t seq;
    unsigned n;
    /* The fresh_n newest probes all have times >= fresh_min (a lower
     * bound, see refresh_repeat): while now - fresh_min is within the
     * window, none of them is outside it. */
    unsigned fresh_n;
    int64_t fresh_min;
    int64_t t[PROBES];
    uint16_t port[PROBES];
    struct mm_addr dst[PROBES];
    uint8_t link[CHAINS][PROBES];
    uint32_t bucket_head[CHAINS][BUCKETS];
};

/* A probe's destination and port with their buckets. */
struct probe_key {
    const struct mm_addr *dst;
    uint16_t port;
    unsigned bucket[CHAINS];
};

static bool same_addr(const struct mm_addr *a, const struct mm_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

/* Which source a slot follows (its only copy of the address) and when it
 * was last active: kept apart from the 9 KB sources, so the look-up of a
 * source, which may visit 16 slots, reads a few adjacent cache lines
 * instead of one line per source. */
struct source_key {
    struct mm_addr src;
    bool used;
    int64_t last;
};

struct scan_state {
    struct source *src;
    struct source_key *keys; /* keys[i] belongs to src[i] */
    struct mm__suppress *sup;
    int64_t window, suppress;
    long ports, hosts;
    bool home_source, home_target, any_scope;
    uint64_t bucket_key; /* random: a sender cannot pile its probes into one bucket */
    size_t last;         /* the slot source_slot gave last */
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
    st->keys = calloc(SOURCES, sizeof *st->keys);
    if (!st->src || !st->keys) {
        scan_free(st);
        return MM_ENOMEM;
    }
    for (size_t i = 0; i < SOURCES; i++)
        st->src[i].seq = 1; /* the zeroed links and heads then name no probe */
    st->window = mm__detect_int(s, NAME, "window_seconds", 60, 1, 3600) * 1000000LL;
    st->suppress = mm__detect_int(s, NAME, "suppress_seconds", 3600, 0, 7 * 86400) * 1000000LL;
    st->ports = mm__detect_int(s, NAME, "ports", 20, 3, PROBES - 1);
    st->hosts = mm__detect_int(s, NAME, "hosts", 25, 3, PROBES - 1);
    st->home_source = mm__detect_word_is(s, NAME, "sources", "home");
    st->home_target = mm__detect_word_is(s, NAME, "targets", "home");
    st->any_scope = mm__detect_word_is(s, NAME, "scope", "any");
    st->bucket_key = mm_hash_random_key();
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
    free(st->keys);
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

/* Gives slot j to src with an empty ring. Only the counters are reset: the
 * ring's columns are read only below n, and seq goes on, so the links and
 * heads left by the slot's previous source name probes outside the ring. */
static void start_source(struct scan_state *st, size_t j, const struct mm_addr *src)
{
    struct source *e = &st->src[j];
    st->keys[j] = (struct source_key){.src = *src, .used = true, .last = 0};
    e->n = 0;
    e->fresh_n = 0;
    e->went_back = false;
    e->latest = INT64_MIN;
    e->suppress_key[0] = mm__keyed_addr(src, 1); /* keyed: a sender cannot aim at them */
    e->suppress_key[1] = mm__keyed_addr(src, 2);
}

/* Where the search for src's slot starts: two multiply-xorshift mixes of
 * its words (mm__hash_addr's byte loop cost four times as much). Unkeyed,
 * as before, so which source a full table replaces is the same every run. */
static size_t source_hash(const struct mm_addr *src)
{
    uint64_t w[2];
    memcpy(w, src->bytes, 16);
    return (size_t)mm__mix64(mm__mix64(w[0] ^ src->family) ^ w[1]);
}

/* The tracking slot of src, searched from where its hash points: found,
 * or a free one, or the least recently active (its index). */
static size_t search_slot(struct scan_state *st, const struct mm_addr *src)
{
    size_t start = source_hash(src) % SOURCES, oldest = start;
    for (size_t k = 0; k < 16; k++) { /* a short probe sequence keeps lookups cheap */
        size_t j = (start + k) % SOURCES;
        const struct source_key *key = &st->keys[j];
        if (key->used && same_addr(&key->src, src))
            return j;
        if (!key->used) {
            start_source(st, j, src);
            return j;
        }
        if (key->last < st->keys[oldest].last)
            oldest = j;
    }
    start_source(st, oldest, src);
    return oldest;
}

/* search_slot's answer, first asked of the slot it gave last: a scanner
 * sends its probes in runs, and the search walked ~6 slots to find one.
 * The same answer: a source has one slot (it gets a slot only when its
 * search finds none), and slots are never freed, so no free slot lies
 * before it on its search path. */
static size_t source_slot(struct scan_state *st, const struct mm_addr *src)
{
    const struct source_key *key = &st->keys[st->last];
    if (key->used && same_addr(&key->src, src))
        return st->last;
    st->last = search_slot(st, src);
    return st->last;
}

static unsigned bucket_of(uint64_t h)
{
    return (unsigned)(h >> 56) % BUCKETS;
}

static struct probe_key probe_key(const struct scan_state *st, const struct mm_packet *p)
{
    uint64_t w[2];
    memcpy(w, p->dst.bytes, 16);
    uint64_t host =
        mm__mix64(w[0] ^ st->bucket_key) ^ mm__mix64(w[1] + p->dst.family + st->bucket_key);
    uint64_t port = mm__mix64(p->dport ^ (st->bucket_key << 16));
    return (struct probe_key){.dst = &p->dst,
                              .port = p->dport,
                              .bucket = {bucket_of(host), bucket_of(port), bucket_of(host ^ port)}};
}

/* The age (0: the newest) of probe number k, or PROBES when it is not in the ring. */
static unsigned age_of(const struct source *e, uint32_t k)
{
    uint32_t age = e->seq - 1 - k;
    return age < e->n ? age : PROBES;
}

static unsigned slot_at(const struct source *e, unsigned age)
{
    return (e->seq - 1 - age) % PROBES;
}

/* The age of the probe after the one at age in chain c (older), or PROBES.
 * Ages only grow along a chain, so every walk ends within n steps. */
static unsigned next_age(const struct source *e, enum chain c, unsigned age)
{
    unsigned back = e->link[c][slot_at(e, age)];
    return back && age + back < e->n ? age + back : PROBES;
}

static unsigned chain_start(const struct source *e, enum chain c, const struct probe_key *k)
{
    return age_of(e, e->bucket_head[c][k->bucket[c]]);
}

static bool key_matches(const struct source *e, unsigned q, enum chain c, const struct probe_key *k)
{
    if (c != BY_HOST && e->port[q] != k->port)
        return false;
    return c == BY_PORT || same_addr(&e->dst[q], k->dst);
}

/* Whether a probe at t, lying between the newest and a repeat of the
 * probe at now, ends the search for that repeat: it lies before the
 * window, by at most two windows. Refreshed probes make the ring's times
 * non-monotonic, and a repeat behind such a probe is not looked for (its
 * probe is recorded again). A probe further from now is stepped over:
 * more than two windows before now, or more than one after (a later
 * recording seen before an earlier one merged after it). Where time never
 * went back by more than a window, no probe within the window lies behind
 * one more than two windows old (each was recorded before it, or
 * refreshed while it lay within the window, so lies at most a window
 * after it), and stepping over changes nothing; in a capture merged from
 * two recordings, the probes of the other one are stepped over and each
 * finds its own repeats. Until 2026-11 the search stopped at any probe
 * before the window, so each probe of two interleaved recordings looked
 * new, and counted twice. */
static bool ends_run(int64_t now, int64_t t, int64_t window)
{
    return now - t > window && now - t <= 2 * window;
}

/* True when no probe from the newest back to the one at age ends the
 * search for a repeat (ends_run). The source's fresh run (fresh_n,
 * fresh_min) answers without reading their times while it covers age and
 * its bound is within the window (then none lies before the window); else
 * the times are read, and the run is extended to age. */
static bool recent_run(struct source *e, unsigned age, int64_t now, int64_t window)
{
    if (age < e->fresh_n && now - e->fresh_min <= window)
        return true;
    int64_t least = INT64_MAX;
    for (unsigned a = 0; a <= age; a++) {
        int64_t t = e->t[slot_at(e, a)];
        if (ends_run(now, t, window))
            return false;
        least = t < least ? t : least;
    }
    e->fresh_n = age + 1;
    e->fresh_min = least;
    return true;
}

/* When the probe repeats one of the ring's within the window (mm__within)
 * that no probe before it ends the search for (ends_run), refreshes that
 * probe's time and returns true. The newest probe of the same (host, port)
 * within the window can be it: any other lies further back. Probes of the
 * same (host, port) outside the window are stepped over only when the
 * source's time went back by more than a window: otherwise none behind
 * such a probe is within the window (see ends_run), and the search would
 * walk the whole chain of a client that connects to one server every few
 * minutes for nothing. */
static bool refresh_repeat(struct source *e, const struct probe_key *k, int64_t now, int64_t window)
{
    for (unsigned age = chain_start(e, BY_PAIR, k); age < PROBES; age = next_age(e, BY_PAIR, age)) {
        unsigned q = slot_at(e, age);
        if (!key_matches(e, q, BY_PAIR, k))
            continue;
        if (!mm__within(now, e->t[q], window)) {
            if (!e->went_back || ends_run(now, e->t[q], window))
                return false;
            continue; /* another recording's probe: its own may lie behind */
        }
        if (!recent_run(e, age, now, window))
            return false;
        e->t[q] = now;
        if (now < e->fresh_min) /* the run's bound holds for the new time too */
            e->fresh_min = now;
        return true;
    }
    return false;
}

/* Adds the probe as the newest of the ring (replacing the oldest when full)
 * and of its three chains. */
static void push_probe(struct source *e, const struct probe_key *k, int64_t now)
{
    unsigned q = e->seq % PROBES;
    for (int c = 0; c < CHAINS; c++) {
        uint32_t *head = &e->bucket_head[c][k->bucket[c]];
        unsigned age = age_of(e, *head); /* PROBES - 1 is replaced now: no link */
        e->link[c][q] = (uint8_t)(age < PROBES - 1 ? age + 1 : 0);
        *head = e->seq;
    }
    e->t[q] = now;
    e->port[q] = k->port;
    e->dst[q] = *k->dst;
    e->seq++;
    if (e->n < PROBES)
        e->n++;
    /* the run now starts at the new probe; the ring may have lost its oldest */
    e->fresh_n = e->fresh_n + 1 < e->n ? e->fresh_n + 1 : e->n;
    if (e->fresh_n == 1 || now < e->fresh_min)
        e->fresh_min = now;
}

/* The number of probes in the ring within the window to the probe's host
 * (BY_HOST) or on its port (BY_PORT), counted up to limit. */
static long count_probes(const struct source *e, const struct probe_key *k, enum chain c,
                         int64_t now, int64_t window, long limit)
{
    long count = 0;
    for (unsigned age = chain_start(e, c, k); age < PROBES && count < limit;
         age = next_age(e, c, age)) {
        unsigned q = slot_at(e, age);
        count += mm__within(now, e->t[q], window) && key_matches(e, q, c, k);
    }
    return count;
}

/* Notes the source's latest probe time, and whether time went back by
 * more than the window (a capture merged from several recordings). */
static void note_time(struct source *e, int64_t now, int64_t window)
{
    if (now > e->latest)
        e->latest = now;
    else if (e->latest - now > window)
        e->went_back = true;
}

/* Raises variant 1 (ports of the probe's host) or 2 (hosts on its port)
 * unless suppressed; only then are the probes counted in full. e is the
 * slot of p's source, so p->src names the scanner. */
static void raise_scan(struct scan_state *st, struct mm_sensor *s, const struct mm_packet *p,
                       struct source *e, const struct probe_key *k, unsigned variant, int64_t now)
{
    if (!mm__suppress_allow(st->sup, e->suppress_key[variant - 1], now, st->suppress))
        return;
    long count = count_probes(e, k, variant == 1 ? BY_HOST : BY_PORT, now, st->window, LONG_MAX);
    json_t *sample = json_array();
    for (unsigned i = 0; i < e->n && json_array_size(sample) < 32; i++) {
        unsigned q = slot_at(e, i);
        if (!mm__within(now, e->t[q], st->window))
            continue;
        if (variant == 1 && same_addr(&e->dst[q], &p->dst))
            json_array_append_new(sample, json_integer(e->port[q]));
        else if (variant == 2 && e->port[q] == p->dport)
            json_array_append_new(sample, mm__json_addr(&e->dst[q]));
    }
    json_t *vars = json_pack("{s:o, s:o, s:i, s:I}", "src", mm__json_addr(&p->src), "dst",
                             mm__json_addr(&p->dst), "port", p->dport, "count", (json_int_t)count);
    json_t *evidence =
        json_pack("{s:o, s:o, s:I, s:I, s:s, s:o}", "scanner", mm__json_addr(&p->src),
                  variant == 1 ? "target" : "port",
                  variant == 1 ? mm__json_addr(&p->dst) : json_integer(p->dport), "count",
                  (json_int_t)count, "window_seconds", (json_int_t)(st->window / 1000000), "proto",
                  p->ip_proto == 6 ? "TCP" : "UDP", variant == 1 ? "ports" : "hosts", sample);
    const struct mm__alert_at at = {.pkt = p};
    mm__detect_raise(s, NAME, variant, &at, vars, evidence, NULL);
}

/* Whether variant's count (1: probes of k's host, 2: on k's port) reaches
 * its limit, so raise_scan must ask the suppression table. While a scan
 * goes on, every probe reaches the limit and is suppressed: a source whose
 * last count reached it asks the table first (without recording anything)
 * and skips the count, a walk of up to `ports` or `hosts` probes, when the
 * alert would be suppressed anyway. Either way the same alerts result. */
static bool over_limit(struct scan_state *st, struct source *e, const struct probe_key *k,
                       unsigned variant, int64_t now)
{
    bool *at = &e->at_limit[variant - 1];
    if (*at && mm__suppress_denies(st->sup, e->suppress_key[variant - 1], now, st->suppress))
        return false;
    long limit = variant == 1 ? st->ports : st->hosts;
    *at = count_probes(e, k, variant == 1 ? BY_HOST : BY_PORT, now, st->window, limit) >= limit;
    return *at;
}

/* A probe: when it counts (the sources and targets settings), recorded
 * for its source, then the two limits. Out of line, so that the many
 * packets scan_packet turns away cost no stack frame. */
static __attribute__((noinline)) void record_probe(struct scan_state *st, struct mm_sensor *s,
                                                   const struct mm_packet *p)
{
    bool src_home = mm_sensor_src_home(s, p);
    if (st->home_source && !src_home)
        return;
    /* the destination matters only for targets = home, or when the scope
     * (home by default) is not already met by the source */
    if ((st->home_target || (!st->any_scope && !src_home)) && !mm_sensor_dst_home(s, p))
        return;
    int64_t now = mm__detect_now(s);
    size_t j = source_slot(st, &p->src);
    struct source *e = &st->src[j];
    st->keys[j].last = now;
    note_time(e, now, st->window);
    struct probe_key k = probe_key(st, p);
    if (refresh_repeat(e, &k, now, st->window))
        return;
    push_probe(e, &k, now);
    if (over_limit(st, e, &k, 1, now))
        raise_scan(st, s, p, e, &k, 1, now);
    if (over_limit(st, e, &k, 2, now))
        raise_scan(st, s, p, e, &k, 2, now);
}

static void scan_packet(void *state, struct mm_sensor *s, const struct mm_packet *p)
{
    if (p->ip_version && (!p->fragment || p->first_fragment) && is_probe(p) &&
        !is_group_address(&p->dst))
        record_probe(state, s, p);
}

const struct mm_detector mm_detector_scan = {
    .name = NAME,
    .settings = settings,
    .init = scan_init,
    .on_packet = scan_packet,
    .packets = MM_PKT_TCP_SYN | MM_PKT_TCP_NOACK | MM_PKT_UDP,
    .free = scan_free,
};
