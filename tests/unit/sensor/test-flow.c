/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the flow table: both directions in one flow with
 * per-direction counters, the initiator of a flow first seen at its reply
 * (a TCP SYN-ACK, a UDP answer from a service port), Community ID on the
 * spec's vectors (TCP, ICMP, ICMPv6), idle and active timeouts, the shorter
 * timeout of closed TCP flows, time stamps that jump backwards (nothing
 * expires), eviction of the least recently active flow at max_flows, flow
 * memory carved from chunks and reused past the pool of freed flows, and
 * the Community ID formed on first ask (alone or two at once in an expiry
 * run, not ahead when no flow records are written) against the one the
 * first packet gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/eve.h"
#include "sensor/flowtable.h"
#include "../test-rand.h"

struct ended {
    int count;
    char reasons[16][16];
    uint16_t sports[16];
};

static void on_end(void *arg, struct mm_flow *f, const char *reason)
{
    struct ended *e = arg;
    if (e->count < 16) {
        strncpy(e->reasons[e->count], reason, 15);
        e->sports[e->count] = f->sport;
    }
    e->count++;
}

static struct mm_packet pkt(const char *src, uint16_t sp, const char *dst, uint16_t dp,
                            uint8_t proto, uint8_t flags, long sec, uint32_t len)
{
    struct mm_packet p;
    memset(&p, 0, sizeof(p));
    assert_int_equal(mm_addr_parse(src, &p.src), 0);
    assert_int_equal(mm_addr_parse(dst, &p.dst), 0);
    p.ip_version = p.src.family;
    p.ip_proto = proto;
    p.sport = sp;
    p.dport = dp;
    p.tcp_flags = flags;
    p.ts.tv_sec = sec;
    p.len = p.caplen = len;
    return p;
}

static struct mm_flow *feed(struct mm_flow_table *t, struct mm_packet *p)
{
    mm_flow_clock_update(t, &p->ts);
    mm_flow_expire(t);
    return mm_flow_packet(t, p);
}

static struct mm_flow_table *table(size_t max, struct ended *e)
{
    struct mm_flow_config c;
    mm_flow_config_defaults(&c);
    c.max_flows = max;
    struct mm_flow_table *t = NULL;
    assert_int_equal(mm_flow_table_new(&c, on_end, e, &t), 0);
    return t;
}

static void test_bidirectional_counters(void **state)
{
    (void)state;
    struct ended e = {0};
    struct mm_flow_table *t = table(16, &e);
    struct mm_packet a = pkt("1.2.3.4", 1122, "5.6.7.8", 3344, 6, 0x02, 1000, 60);
    struct mm_flow *f = feed(t, &a);
    assert_non_null(f);
    assert_int_equal(a.dir, 0);
    struct mm_packet b = pkt("5.6.7.8", 3344, "1.2.3.4", 1122, 6, 0x12, 1000, 60);
    assert_ptr_equal(feed(t, &b), f);
    assert_int_equal(b.dir, 1);
    struct mm_packet c = pkt("1.2.3.4", 1122, "5.6.7.8", 3344, 6, 0x10, 1001, 100);
    assert_ptr_equal(feed(t, &c), f);
    assert_int_equal(f->dir[0].pkts, 2);
    assert_int_equal(f->dir[0].bytes, 160);
    assert_int_equal(f->dir[1].pkts, 1);
    assert_int_equal(f->dir[0].tcp_flags, 0x12);
    assert_int_equal(f->dir[1].tcp_flags, 0x12);
    assert_string_equal(mm_flow_community_id(f), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    assert_string_equal(mm_flow_state_name(f), "established");
    assert_int_equal(mm_flow_count(t), 1);
    mm_flow_table_free(t);
    assert_int_equal(e.count, 1);
    assert_string_equal(e.reasons[0], "shutdown");
}

/* Flow ids: the same for the same packets by default (reading files twice
 * gives the same EVE output), different with random_ids (a live sensor, so
 * a restart does not repeat ids). */
static void test_flow_id_base(void **state)
{
    (void)state;
    uint64_t ids[3][4];
    for (int run = 0; run < 3; run++) {
        struct ended e = {0};
        struct mm_flow_config c;
        mm_flow_config_defaults(&c);
        c.random_ids = run == 2;
        struct mm_flow_table *t = NULL;
        assert_int_equal(mm_flow_table_new(&c, on_end, &e, &t), 0);
        for (int k = 0; k < 4; k++) {
            struct mm_packet p =
                pkt("10.0.0.1", (uint16_t)(40000 + k), "10.0.0.2", 80, 6, 0x02, 1000, 60);
            struct mm_flow *f = feed(t, &p);
            assert_non_null(f);
            assert_true(f->id != 0 && f->id < (1ULL << 51));
            ids[run][k] = f->id;
        }
        mm_flow_table_free(t);
    }
    assert_memory_equal(ids[0], ids[1], sizeof ids[0]);
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 4; j++)
            assert_true(ids[2][k] != ids[0][j]);
}

static void test_synack_first_sets_initiator(void **state)
{
    (void)state;
    struct ended e = {0};
    struct mm_flow_table *t = table(16, &e);
    struct mm_packet b = pkt("5.6.7.8", 3344, "1.2.3.4", 1122, 6, 0x12, 1000, 60);
    struct mm_flow *f = feed(t, &b);
    assert_int_equal(b.dir, 1);
    assert_int_equal(f->sport, 1122);
    assert_string_equal(mm_flow_community_id(f), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    mm_flow_table_free(t);
}

/* A UDP flow first seen at a server's reply (from a service port to an
 * ephemeral one: a DNS answer whose question the capture missed) has the
 * office host that asked as its initiator; the question that follows goes
 * the flow's way, and the Community ID is the one the question would give.
 * Both ends on service ports (NTP 123 to 123, DHCP 67 to 68), both
 * ephemeral, a request to a service port and a datagram from a low port
 * that is no service's (Windows Messenger spam from port 666) keep the
 * packet's order. */
static void test_udp_reply_first_sets_initiator(void **state)
{
    (void)state;
    struct ended e = {0};
    struct mm_flow_table *t = table(16, &e);
    struct mm_packet reply = pkt("203.0.113.53", 53, "192.168.1.10", 53000, 17, 0, 1000, 90);
    struct mm_flow *f = feed(t, &reply);
    assert_non_null(f);
    assert_int_equal(reply.dir, 1);
    char a[MM_ADDR_STRLEN], b[MM_ADDR_STRLEN];
    mm_addr_format(&f->src, a, sizeof a);
    mm_addr_format(&f->dst, b, sizeof b);
    assert_string_equal(a, "192.168.1.10");
    assert_string_equal(b, "203.0.113.53");
    assert_int_equal(f->sport, 53000);
    assert_int_equal(f->dport, 53);
    struct mm_packet query = pkt("192.168.1.10", 53000, "203.0.113.53", 53, 17, 0, 1001, 60);
    assert_ptr_equal(feed(t, &query), f);
    assert_int_equal(query.dir, 0);
    assert_int_equal(f->dir[0].pkts, 1);
    assert_int_equal(f->dir[1].pkts, 1);
    /* the Community ID orders a UDP flow's ends itself: as for the question */
    struct mm_flow_table *t2 = table(16, &e);
    struct mm_packet q2 = query;
    char want[64];
    snprintf(want, sizeof want, "%s", mm_flow_community_id(feed(t2, &q2)));
    assert_string_equal(mm_flow_community_id(f), want);
    mm_flow_table_free(t2);
    static const struct {
        uint16_t sp, dp;
    } kept[] = {{123, 123},  {67, 68},       {5353, 5353}, {40000, 161},
                {666, 1026}, {50000, 50001}, {53000, 53}};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        struct mm_packet p =
            pkt("198.51.100.7", kept[i].sp, "192.168.1.11", kept[i].dp, 17, 0, 1002, 60);
        struct mm_flow *g = feed(t, &p);
        assert_int_equal(p.dir, 0);
        assert_int_equal(g->sport, kept[i].sp);
    }
    /* SCTP and TCP are not guessed by ports (a TCP flow by its SYN-ACK) */
    struct mm_packet sctp = pkt("203.0.113.9", 80, "192.168.1.10", 40001, 132, 0, 1003, 60);
    assert_int_equal(feed(t, &sctp)->sport, 80);
    struct mm_packet ack = pkt("203.0.113.9", 80, "192.168.1.10", 40002, 6, 0x10, 1003, 60);
    assert_int_equal(feed(t, &ack)->sport, 80);
    mm_flow_table_free(t);
}

static void test_icmp_community_id(void **state)
{
    (void)state;
    struct ended e = {0};
    struct mm_flow_table *t = table(16, &e);
    struct mm_packet a = pkt("1.2.3.4", 8, "5.6.7.8", 0, 1, 0, 1000, 60);
    struct mm_flow *f = feed(t, &a);
    assert_string_equal(mm_flow_community_id(f), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
    struct mm_packet r = pkt("5.6.7.8", 0, "1.2.3.4", 0, 1, 0, 1000, 60);
    assert_ptr_equal(feed(t, &r), f); /* the echo reply joins the flow */
    struct mm_packet v6 = pkt("fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 128,
                              "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 0, 58, 0, 1000, 60);
    f = feed(t, &v6);
    assert_string_equal(mm_flow_community_id(f), "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
    mm_flow_table_free(t);
}

static void test_idle_timeout_and_backwards_time(void **state)
{
    (void)state;
    struct ended e = {0};
    struct mm_flow_table *t = table(16, &e);
    struct mm_packet u = pkt("10.0.0.1", 1000, "10.0.0.2", 53, 17, 0, 2000000000, 80);
    struct mm_flow *f = feed(t, &u);
    /* ten years earlier: same flow, the clock stays, nothing expires */
    struct mm_packet old = pkt("10.0.0.2", 53, "10.0.0.1", 1000, 17, 0, 1700000000, 80);
    assert_ptr_equal(feed(t, &old), f);
    assert_int_equal(e.count, 0);
    assert_int_equal(mm_flow_clock(t), 2000000000LL * 1000000);
    /* 100 s later: UDP timeout (120 s) not reached */
    struct mm_packet other = pkt("10.0.0.9", 1, "10.0.0.8", 2, 17, 0, 2000000100, 80);
    feed(t, &other);
    assert_int_equal(e.count, 0);
    /* 121 s after the first flow's last packet: it times out, the other not */
    struct mm_packet later = pkt("10.0.0.7", 1, "10.0.0.6", 2, 17, 0, 2000000121, 80);
    feed(t, &later);
    assert_int_equal(e.count, 1);
    assert_string_equal(e.reasons[0], "timeout");
    assert_int_equal(e.sports[0], 1000);
    assert_int_equal(mm_flow_count(t), 2);
    mm_flow_table_free(t);
}

static void test_closed_tcp_times_out_sooner(void **state)
{
    (void)state;
    struct ended e = {0};
    struct mm_flow_table *t = table(16, &e);
    struct mm_packet s = pkt("10.0.0.1", 1000, "10.0.0.2", 80, 6, 0x02, 5000, 60);
    feed(t, &s);
    struct mm_packet r = pkt("10.0.0.2", 80, "10.0.0.1", 1000, 6, 0x04, 5000, 60);
    feed(t, &r); /* RST: closed */
    struct mm_packet open = pkt("10.0.0.3", 1000, "10.0.0.2", 80, 6, 0x02, 5000, 60);
    feed(t, &open);
    struct mm_packet tick = pkt("10.0.0.9", 9, "10.0.0.8", 9, 17, 0, 5031, 60);
    feed(t, &tick);
    assert_int_equal(e.count, 1);
    assert_int_equal(e.sports[0], 1000);
    mm_flow_table_free(t);
}

static void test_active_timeout(void **state)
{
    (void)state;
    struct ended e = {0};
    struct mm_flow_table *t = table(16, &e);
    for (long s = 0; s <= 3700; s += 100) {
        struct mm_packet p = pkt("10.0.0.1", 1000, "10.0.0.2", 80, 6, 0x10, 10000 + s, 60);
        feed(t, &p);
    }
    assert_int_equal(e.count, 1);
    assert_string_equal(e.reasons[0], "timeout");
    assert_int_equal(mm_flow_stats(t)->active_timeout, 1);
    assert_int_equal(mm_flow_count(t), 1);
    mm_flow_table_free(t);
}

static void test_eviction_of_oldest(void **state)
{
    (void)state;
    struct ended e = {0};
    struct mm_flow_table *t = table(4, &e);
    for (uint16_t i = 0; i < 4; i++) {
        struct mm_packet p = pkt("10.0.0.1", (uint16_t)(100 + i), "10.0.0.2", 80, 17, 0, 100, 60);
        feed(t, &p);
    }
    /* touch flow 100 so 101 becomes the least recently active */
    struct mm_packet again = pkt("10.0.0.1", 100, "10.0.0.2", 80, 17, 0, 101, 60);
    feed(t, &again);
    struct mm_packet fresh = pkt("10.0.0.1", 200, "10.0.0.2", 80, 17, 0, 102, 60);
    feed(t, &fresh);
    assert_int_equal(mm_flow_count(t), 4);
    assert_int_equal(e.count, 1);
    assert_string_equal(e.reasons[0], "forced");
    assert_int_equal(e.sports[0], 101);
    assert_int_equal(mm_flow_stats(t)->evicted, 1);
    mm_flow_table_free(t);
    assert_int_equal(e.count, 5);
}

static void test_later_fragment_has_no_flow(void **state)
{
    (void)state;
    struct ended e = {0};
    struct mm_flow_table *t = table(4, &e);
    struct mm_packet p = pkt("10.0.0.1", 0, "10.0.0.2", 0, 17, 0, 100, 60);
    p.fragment = true;
    assert_null(feed(t, &p));
    struct mm_packet arp;
    memset(&arp, 0, sizeof(arp));
    assert_null(mm_flow_packet(t, &arp));
    mm_flow_table_free(t);
}

/* Flow i of a run: a UDP flow of its own */
static struct mm_flow *feed_numbered(struct mm_flow_table *t, unsigned i, long sec)
{
    char src[32];
    snprintf(src, sizeof src, "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    struct mm_packet p = pkt(src, (uint16_t)(1024 + i % 50000), "192.0.2.1", 53, 17, 0, sec, 80);
    return feed(t, &p);
}

/* More flows than one chunk holds (about 5 400) and than the pool of freed
 * flows keeps (4096): all end, then as many new ones take their memory
 * (pool, then the spare list, then the chunks' rest). Every flow comes
 * cleared, on a cache-line boundary, and apart from every other live flow;
 * ASan sees a write past a chunk. */
static void test_flow_memory_reuse(void **state)
{
    (void)state;
    enum { N = 12000 };
    struct ended e = {0};
    struct mm_flow_table *t = table(2 * N, &e);
    static struct mm_flow *live[N];
    for (int round = 0; round < 2; round++) {
        long sec = 1000 + round * 1000;
        for (unsigned i = 0; i < N; i++) {
            struct mm_flow *f = feed_numbered(t, i + (unsigned)round * N, sec);
            assert_non_null(f);
            assert_int_equal((uintptr_t)f % 64, 0);
            assert_int_equal(f->dir[0].pkts, 1);
            assert_int_equal(f->dir[1].pkts, 0);
            assert_null(f->app);
            assert_null(f->app_state);
            assert_int_equal(f->detector_flags, 0);
            live[i] = f;
        }
        assert_int_equal(mm_flow_count(t), N);
        for (unsigned i = 0; i < N; i++) /* each flow its own memory */
            memset(&live[i]->detector_flags, 0x5a, sizeof live[i]->detector_flags);
        for (unsigned i = 0; i < N; i++)
            assert_int_equal(live[i]->detector_flags, 0x5a5a5a5a);
        struct mm_packet later = pkt("198.51.100.1", 1, "198.51.100.2", 2, 17, 0, sec + 500, 60);
        feed(t, &later); /* all N idle past the UDP timeout (and the previous round's later) */
        assert_int_equal(e.count, (round + 1) * N + round);
    }
    mm_flow_table_free(t);
}

/* ---- the Community ID formed on first ask --------------------------------- */

#define CID_FLOWS 1000

/* What each flow's first packet gives (mm_community_id at creation, as the
 * table did before), by flow id, and how many records matched it; whether
 * the flow was asked while it lived, and whether the table writes no
 * records (cfg.no_records: only those asked have their ID at the end). */
struct cid_check {
    uint64_t id[CID_FLOWS];
    char want[CID_FLOWS][32];
    bool asked[CID_FLOWS];
    bool no_records;
    int flows, ended;
};

static void cid_on_end(void *arg, struct mm_flow *f, const char *reason)
{
    (void)reason;
    struct cid_check *c = arg;
    int i = 0;
    while (i < c->flows && c->id[i] != f->id)
        i++;
    assert_true(i < c->flows);
    if (c->no_records) /* not hashed ahead in the expiry run */
        assert_int_equal(f->cid_pending, !c->asked[i]);
    assert_string_equal(mm_flow_community_id(f), c->want[i]);
    c->ended++;
}

/* A random address from a small space (flows meet again) of family fam */
static struct mm_addr cid_addr(uint64_t r, uint8_t fam)
{
    struct mm_addr a = {.family = fam};
    for (int i = 0; i < (fam == 6 ? 16 : 4); i++)
        a.bytes[i] = (uint8_t)(r >> (i % 4 * 2) & 3);
    return a;
}

/* The ID a flow's record carries is the one its first packet gives, whether
 * the flow is asked early (an event of the flow), hashed with its neighbour
 * in an expiry run, in the last run at the end, or alone: random first
 * packets of TCP (some a SYN-ACK first, so the flow is reversed), UDP,
 * SCTP, ICMP and ICMPv6 (types with and without a counterpart), GRE; IPv4
 * and IPv6; seeds; idle times that end flows in runs; a table that writes
 * no records (the last round), whose expiry hashes no ID ahead. */
static void test_community_id_on_first_ask(void **state)
{
    (void)state;
    static const uint8_t protos[] = {6, 6, 17, 132, 1, 58, 47};
    static struct cid_check c;
    uint64_t rs = 0x2545f4914f6cdd1dULL;
    for (int round = 0; round < 4; round++) { /* each table numbers its flows from 1 */
        memset(&c, 0, sizeof c);
        struct mm_flow_config cfg;
        mm_flow_config_defaults(&cfg);
        cfg.community_id_seed = (uint16_t)(round * 0x1234);
        cfg.no_records = c.no_records = round == 3;
        struct mm_flow_table *t = NULL;
        assert_int_equal(mm_flow_table_new(&cfg, cid_on_end, &c, &t), 0);
        for (int i = 0; i < CID_FLOWS; i++) {
            uint64_t r = test_xorshift(&rs);
            uint8_t fam = r & 1 ? 6 : 4, proto = protos[(r >> 1) % sizeof protos];
            struct mm_packet p;
            memset(&p, 0, sizeof p);
            p.src = cid_addr(r >> 8, fam);
            p.dst = cid_addr(r >> 24, fam);
            p.ip_version = fam;
            p.ip_proto = proto;
            p.sport = (uint16_t)(r >> 40) % 8;
            p.dport = (uint16_t)(r >> 44) % 8;
            if (proto == 1 || proto == 58)
                p.sport = (uint16_t)((r >> 40) % 20 + (proto == 58 && r % 3 ? 128 : 0));
            p.tcp_flags = proto == 6 ? (r >> 50) % 4 ? 0x02 : 0x12 : 0;
            p.ts.tv_sec = 1000 + i * (long)((r >> 52) % 4) + (long)(i / 50) * 700;
            p.len = p.caplen = 60;
            char want[32];
            mm_community_id(cfg.community_id_seed, &p.src, &p.dst, proto, p.sport, p.dport, want,
                            sizeof want);
            size_t before = mm_flow_stats(t)->created;
            struct mm_flow *f = feed(t, &p);
            assert_non_null(f);
            if (mm_flow_stats(t)->created == before) /* an existing flow */
                continue;
            assert_true(c.flows < CID_FLOWS);
            c.id[c.flows] = f->id;
            memcpy(c.want[c.flows], want, sizeof want);
            c.flows++;
            if (r % 5 == 0) { /* asked while the flow lives */
                assert_string_equal(mm_flow_community_id(f), want);
                c.asked[c.flows - 1] = true;
            }
        }
        mm_flow_table_free(t);
        assert_int_equal(c.ended, c.flows);
        assert_true(c.flows > 300);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bidirectional_counters),
        cmocka_unit_test(test_flow_id_base),
        cmocka_unit_test(test_synack_first_sets_initiator),
        cmocka_unit_test(test_udp_reply_first_sets_initiator),
        cmocka_unit_test(test_icmp_community_id),
        cmocka_unit_test(test_idle_timeout_and_backwards_time),
        cmocka_unit_test(test_closed_tcp_times_out_sooner),
        cmocka_unit_test(test_active_timeout),
        cmocka_unit_test(test_eviction_of_oldest),
        cmocka_unit_test(test_later_fragment_has_no_flow),
        cmocka_unit_test(test_flow_memory_reuse),
        cmocka_unit_test(test_community_id_on_first_ask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
