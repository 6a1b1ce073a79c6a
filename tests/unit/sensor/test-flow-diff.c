/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the flow table (flow.c) against a deliberately plain
 * reference written here: flows in an array searched linearly, "least
 * recently active" as the smallest touch number, expiry and eviction by
 * scanning. Random packet sequences (few addresses and ports, so both
 * directions and reuse happen; TCP with SYN, SYN-ACK, FIN and RST; UDP
 * from and to service ports (a server's answer first),
 * ICMP, GRE; VLAN tags; PPPoE sessions; time that jumps forwards and backwards) are fed to
 * both; after every packet the flow found, its direction, its counters and
 * the flows ended so far (order, reason, flow id) must agree. One run keeps
 * max_flows small (eviction on almost every new flow), one holds thousands
 * of flows (the bucket array grows several times while flows come and go).
 * Every flow must start on a cache line (flow.h's layout assumes it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sensor/flowtable.h"

#define USEC     1000000LL
#define REF_MAX  4096
#define ENDS_MAX (4 * REF_MAX)

/* ---- the reference ------------------------------------------------------ */

struct ref_flow {
    struct mm_addr src, dst;
    uint16_t sport, dport, vlan[2], pppoe_session;
    uint8_t proto, vlan_count, tcp_state, cls;
    bool pppoe;
    uint8_t flags[2];
    uint64_t id, pkts[2], bytes[2], touch;
    int64_t clock_start, clock_last;
};

struct ref {
    struct mm_flow_config cfg;
    struct ref_flow f[REF_MAX];
    size_t n;
    uint64_t seq, touches;
    int64_t clock;
    bool clock_set;
};

/* A flow leaving either side: what both must agree on. */
struct end_rec {
    uint64_t id, pkts0, pkts1;
    char reason[12];
};

struct ends {
    struct end_rec e[ENDS_MAX];
    size_t n;
};

/* The flow ids flow.c documents: mix64 of the creation number, 51 bits, odd. */
static uint64_t ref_id(uint64_t n)
{
    uint64_t h = n + 0x9e3779b97f4a7c15ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (h & ((1ULL << 51) - 1)) | 1;
}

static int ref_class(uint8_t proto)
{
    return proto == 6                  ? MM_FLOW_TCP
           : proto == 17               ? MM_FLOW_UDP
           : proto == 1 || proto == 58 ? MM_FLOW_ICMP
                                       : MM_FLOW_OTHER;
}

static void record_end(struct ends *e, uint64_t id, uint64_t p0, uint64_t p1, const char *reason)
{
    assert_true(e->n < ENDS_MAX);
    struct end_rec *r = &e->e[e->n++];
    r->id = id;
    r->pkts0 = p0;
    r->pkts1 = p1;
    strncpy(r->reason, reason, sizeof r->reason - 1);
}

static void ref_end(struct ref *r, struct ends *e, size_t i, const char *reason)
{
    record_end(e, r->f[i].id, r->f[i].pkts[0], r->f[i].pkts[1], reason);
    r->f[i] = r->f[--r->n];
}

/* Index of the least recently touched flow of class c, or -1. */
static long ref_oldest(const struct ref *r, int c)
{
    long best = -1;
    for (size_t i = 0; i < r->n; i++)
        if (r->f[i].cls == c && (best < 0 || r->f[i].touch < r->f[best].touch))
            best = (long)i;
    return best;
}

static void ref_expire(struct ref *r, struct ends *e)
{
    for (int c = 0; c < MM_FLOW_CLASSES; c++) {
        long i;
        while ((i = ref_oldest(r, c)) >= 0 &&
               r->clock - r->f[i].clock_last > (int64_t)r->cfg.timeout[c] * USEC)
            ref_end(r, e, (size_t)i, "timeout");
    }
}

/* Ends the oldest class head (ties: the lower class). */
static void ref_evict(struct ref *r, struct ends *e)
{
    long victim = -1;
    for (int c = 0; c < MM_FLOW_CLASSES; c++) {
        long h = ref_oldest(r, c);
        if (h >= 0 && (victim < 0 || r->f[h].clock_last < r->f[victim].clock_last))
            victim = h;
    }
    ref_end(r, e, (size_t)victim, "forced");
}

static bool ports_count(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132;
}

static bool same_vlans(const struct ref_flow *f, const struct mm_packet *p)
{
    uint8_t n = p->vlan_count < 2 ? p->vlan_count : 2;
    return f->vlan_count == n && memcmp(f->vlan, p->vlan, n * sizeof(uint16_t)) == 0;
}

/* PPPoE: the session is part of the key, as the VLAN ids are (session 0
 * is a session, not the absence of PPPoE). */
static bool same_link(const struct ref_flow *f, const struct mm_packet *p)
{
    return same_vlans(f, p) && f->pppoe == p->pppoe &&
           (!p->pppoe || f->pppoe_session == p->pppoe_session);
}

/* Finds the packet's flow; *dir is 0 for initiator to responder. */
static long ref_find(const struct ref *r, const struct mm_packet *p, uint16_t sp, uint16_t dp,
                     int *dir)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct ref_flow *f = &r->f[i];
        if (f->proto != p->ip_proto || !same_link(f, p))
            continue;
        if (mm_addr_equal(&f->src, &p->src) && mm_addr_equal(&f->dst, &p->dst) && f->sport == sp &&
            f->dport == dp) {
            *dir = 0;
            return (long)i;
        }
        if (mm_addr_equal(&f->src, &p->dst) && mm_addr_equal(&f->dst, &p->src) && f->sport == dp &&
            f->dport == sp) {
            *dir = 1;
            return (long)i;
        }
    }
    return -1;
}

/* A UDP service's port (flow.c's list) */
static bool ref_service_port(uint16_t port)
{
    static const uint16_t services[] = {53,  67,  68,  88,  123,  137,  138,  161,  162,
                                        389, 443, 500, 853, 1900, 3478, 4500, 5353, 5355};
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (port == services[i])
            return true;
    return false;
}

/* The first packet comes from the responder: a SYN-ACK, or UDP from a
 * service port to a port that is not one */
static bool ref_from_responder(const struct mm_packet *p, uint16_t sp, uint16_t dp)
{
    if (p->ip_proto == 6)
        return (p->tcp_flags & 0x12) == 0x12;
    if (p->ip_proto != 17)
        return false;
    return ref_service_port(sp) && !ref_service_port(dp);
}

static long ref_create(struct ref *r, struct ends *e, const struct mm_packet *p, uint16_t sp,
                       uint16_t dp, int *dir)
{
    while (r->n >= r->cfg.max_flows)
        ref_evict(r, e);
    struct ref_flow *f = &r->f[r->n];
    memset(f, 0, sizeof *f);
    bool reverse = ref_from_responder(p, sp, dp);
    f->src = reverse ? p->dst : p->src;
    f->dst = reverse ? p->src : p->dst;
    f->sport = reverse ? dp : sp;
    f->dport = reverse ? sp : dp;
    f->proto = p->ip_proto;
    f->vlan_count = p->vlan_count < 2 ? p->vlan_count : 2;
    memcpy(f->vlan, p->vlan, f->vlan_count * sizeof(uint16_t));
    f->pppoe = p->pppoe;
    f->pppoe_session = p->pppoe ? p->pppoe_session : 0;
    f->id = ref_id(++r->seq);
    f->clock_start = r->clock;
    f->cls = (uint8_t)ref_class(p->ip_proto);
    /* a SYN-ACK comes from the responder, unless both ends are alike */
    *dir = mm_addr_equal(&f->src, &p->src) && f->sport == sp ? 0 : 1;
    return (long)r->n++;
}

static void ref_tcp(struct ref_flow *f, uint8_t fl)
{
    if (fl & 0x04) {
        f->tcp_state = MM_TCP_CLOSED;
        return;
    }
    if ((f->flags[0] & 0x01) && (f->flags[1] & 0x01)) {
        f->tcp_state = MM_TCP_CLOSED;
        return;
    }
    if (fl & 0x01) {
        f->tcp_state = MM_TCP_CLOSING;
        return;
    }
    if (f->tcp_state == MM_TCP_NONE && (fl & 0x02))
        f->tcp_state = MM_TCP_SYN;
    if (f->tcp_state < MM_TCP_ESTABLISHED && f->pkts[0] && f->pkts[1] && (fl & 0x10))
        f->tcp_state = MM_TCP_ESTABLISHED;
}

static long ref_packet(struct ref *r, struct ends *e, const struct mm_packet *p, int *dir)
{
    uint16_t sp = ports_count(p->ip_proto) ? p->sport : 0;
    uint16_t dp = ports_count(p->ip_proto) ? p->dport : 0;
    long i = ref_find(r, p, sp, dp, dir);
    if (i >= 0 && r->cfg.active_timeout &&
        r->clock - r->f[i].clock_start > (int64_t)r->cfg.active_timeout * USEC) {
        ref_end(r, e, (size_t)i, "timeout");
        i = -1;
    }
    if (i < 0)
        i = ref_create(r, e, p, sp, dp, dir);
    struct ref_flow *f = &r->f[i];
    f->pkts[*dir]++;
    f->bytes[*dir] += p->len;
    f->clock_last = r->clock;
    f->touch = ++r->touches;
    if (f->proto == 6) {
        f->flags[*dir] |= p->tcp_flags;
        ref_tcp(f, p->tcp_flags);
        if (f->tcp_state == MM_TCP_CLOSED)
            f->cls = MM_FLOW_TCP_CLOSED;
    }
    return i;
}

static void ref_clock(struct ref *r, const struct timeval *ts)
{
    int64_t now = (int64_t)ts->tv_sec * USEC + ts->tv_usec;
    if (!r->clock_set || now > r->clock) {
        r->clock = now;
        r->clock_set = true;
    }
}

/* ---- the comparison ----------------------------------------------------- */

static struct ends got, want;
static size_t peak; /* most flows held at once */
static struct ref ref;

static void on_end(void *arg, struct mm_flow *f, const char *reason)
{
    record_end(arg, f->id, f->dir[0].pkts, f->dir[1].pkts, reason);
}

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* The shape of one random run. */
struct shape {
    size_t max_flows;
    uint32_t hosts, ports; /* address and port choices: few give replies and reuse */
    uint32_t tick;         /* one packet in tick moves the time on */
    int packets;
    uint64_t seed;
};

static void random_time(struct mm_packet *p, const struct shape *s, long *sec)
{
    uint32_t r = rnd(1000);
    if (r < 2)
        *sec += 200 + rnd(4000); /* a jump: many flows time out at once */
    else if (r < 4)
        *sec -= rnd(5000); /* backwards: the flow clock stays */
    else if (rnd(s->tick) == 0)
        *sec += rnd(3);
    p->ts.tv_sec = *sec;
    p->ts.tv_usec = (suseconds_t)rnd(1000000);
}

/* Mostly 1000 and up, now and then a UDP service's port or a low port
 * that is not one (666) */
static uint16_t random_port(const struct shape *s)
{
    static const uint16_t services[] = {53, 123, 443, 666, 1900, 5353};
    if (rnd(8) == 0)
        return services[rnd(sizeof services / sizeof services[0])];
    return (uint16_t)(1000 + rnd(s->ports));
}

static void random_packet(struct mm_packet *p, const struct shape *s, long *sec)
{
    static const uint8_t protos[] = {6, 6, 6, 17, 17, 1, 47, 58};
    static const uint8_t flags[] = {0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x01};
    memset(p, 0, sizeof *p);
    uint8_t a[4] = {10, 0, 0, 0}, b[4] = {10, 0, 0, 0};
    uint32_t x = rnd(s->hosts), y = rnd(s->hosts);
    a[2] = (uint8_t)(x >> 8), a[3] = (uint8_t)x;
    b[2] = (uint8_t)(y >> 8), b[3] = (uint8_t)y;
    mm_addr_from_v4(a, &p->src);
    mm_addr_from_v4(b, &p->dst);
    p->ip_version = 4;
    p->ip_proto = protos[rnd(sizeof protos)];
    p->sport = random_port(s);
    p->dport = random_port(s);
    p->tcp_flags = flags[rnd(sizeof flags)];
    p->vlan_count = (uint8_t)(rnd(8) == 0 ? 1 + rnd(2) : 0);
    p->vlan[0] = (uint16_t)rnd(3);
    p->vlan[1] = (uint16_t)rnd(3);
    p->pppoe = rnd(6) == 0;
    p->pppoe_session = (uint16_t)(p->pppoe || rnd(2) ? rnd(3) : 0xffff); /* read only in PPPoE */
    p->len = p->caplen = 40 + rnd(1400);
    random_time(p, s, sec);
}

static void same_ends(void)
{
    assert_int_equal(got.n, want.n);
    for (size_t i = 0; i < got.n; i++) {
        assert_int_equal(got.e[i].id, want.e[i].id);
        assert_int_equal(got.e[i].pkts0, want.e[i].pkts0);
        assert_int_equal(got.e[i].pkts1, want.e[i].pkts1);
        assert_string_equal(got.e[i].reason, want.e[i].reason);
    }
}

static void run(const struct shape *s)
{
    struct mm_flow_config c;
    mm_flow_config_defaults(&c);
    c.max_flows = s->max_flows;
    c.timeout[MM_FLOW_TCP] = 120;
    c.timeout[MM_FLOW_TCP_CLOSED] = 10;
    c.timeout[MM_FLOW_UDP] = 60;
    c.timeout[MM_FLOW_ICMP] = 30;
    c.timeout[MM_FLOW_OTHER] = 90;
    c.active_timeout = 600;
    memset(&got, 0, sizeof got);
    memset(&want, 0, sizeof want);
    memset(&ref, 0, sizeof ref);
    ref.cfg = c;
    rng_state = s->seed;
    struct mm_flow_table *t = NULL;
    assert_int_equal(mm_flow_table_new(&c, on_end, &got, &t), 0);
    long sec = 1700000000;
    for (int k = 0; k < s->packets; k++) {
        struct mm_packet p;
        random_packet(&p, s, &sec);
        mm_flow_clock_update(t, &p.ts);
        ref_clock(&ref, &p.ts);
        if (rnd(16) == 0) { /* the pipeline expires once per second of clock */
            mm_flow_expire(t);
            ref_expire(&ref, &want);
        }
        struct mm_flow *f = mm_flow_packet(t, &p);
        int dir = -1;
        long i = ref_packet(&ref, &want, &p, &dir);
        assert_non_null(f);
        assert_int_equal((uintptr_t)f % 64, 0); /* on a cache line, as flow.h lays it out */
        assert_ptr_equal(p.flow, f);
        assert_int_equal(p.dir, dir);
        assert_int_equal(f->id, ref.f[i].id);
        assert_int_equal(f->dir[dir].pkts, ref.f[i].pkts[dir]);
        assert_int_equal(f->dir[dir].bytes, ref.f[i].bytes[dir]);
        assert_int_equal(f->tcp_state, ref.f[i].tcp_state);
        assert_int_equal(mm_flow_count(t), ref.n);
        if (ref.n > peak)
            peak = ref.n;
        if (got.n > ENDS_MAX - 2 * REF_MAX) { /* compared: start the lists over */
            same_ends();
            got.n = want.n = 0;
        }
    }
    same_ends();
    mm_flow_table_free(t);
    for (int cls = 0; cls < MM_FLOW_CLASSES; cls++) {
        long i;
        while ((i = ref_oldest(&ref, cls)) >= 0)
            ref_end(&ref, &want, (size_t)i, "shutdown");
    }
    same_ends();
}

static void test_eviction_heavy(void **state)
{
    (void)state;
    run(&(struct shape){24, 12, 6, 1, 20000, 0x1234567ULL});
    run(&(struct shape){5, 4, 3, 1, 5000, 0xfeedULL});
}

static void test_many_flows_grow_buckets(void **state)
{
    (void)state;
    peak = 0;
    run(&(struct shape){REF_MAX, 1500, 40, 200, 30000, 0xabcdef12345ULL});
    assert_true(peak > 2048); /* the bucket array grew from 1024 to 4096 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eviction_heavy),
        cmocka_unit_test(test_many_flows_grow_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
