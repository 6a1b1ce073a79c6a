/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for IP fragment reassembly (src/sensor/defrag.c) on crafted
 * fragments run through the real decoders: in order, reverse order,
 * duplicates, overlaps with the same bytes (fine) and with different bytes
 * or a second end (the datagram is dropped with an anomaly), a missing piece (the timeout frees
 * it), a datagram past 65535 bytes, too many fragments, the memory cap and the datagram limit, VLAN
 * ids in the key, and the IPv6 fragment header behind a hop-by-hop header; the give-up handler
 * (once per datagram dropped instead of reassembled, with its first fragment), rebuilt packets that
 * do not decode and nested IPv6 fragmentation (both dropped as invalid). Each fragment is decoded
 * from a heap copy of exactly its bytes. Each test starts from one fixture (struct fx: the test
 * datagram, a table, the fragment being built, the last result) and states only the table's limits
 * and the fragments it feeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "pktbuild.h"
#include "sensor/decode/decode.h"
#include "sensor/defrag.h"

#define SEC       1000000LL
#define LINK_RAW  101
#define LINK_ETH  1
#define DGRAM_LEN 40 /* UDP header + 32 payload bytes */

static const uint8_t IP_A[4] = {192, 168, 1, 10}, IP_B[4] = {203, 0, 113, 5};
static const uint8_t IP6_A[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t IP6_B[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

/* The fragmentable part of every test datagram: UDP 5353 -> 53, 32 bytes. */
static void datagram(uint8_t out[DGRAM_LEN])
{
    struct pkt k = {.len = 0};
    uint8_t payload[32];
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)('a' + i % 26);
    pk_udp(&k, 5353, 53, payload, sizeof(payload));
    memcpy(out, k.b, DGRAM_LEN);
}

/* An IPv4 fragment of datagram id carrying data[0..n) at byte offset off. */
static void frag4(struct pkt *k, uint16_t id, uint32_t off, bool more, const uint8_t *data,
                  size_t n)
{
    memset(k, 0, sizeof(*k));
    size_t ip = pk_ipv4(k, IP_A, IP_B, 17, (uint16_t)((more ? 0x2000 : 0) | off / 8));
    pk_set16(k, ip + 4, id);
    pk_put(k, data, n);
    pk_ipv4_done(k, ip);
}

/* An IPv6 fragment behind a hop-by-hop header. */
static void frag6(struct pkt *k, uint32_t id, uint32_t off, bool more, const uint8_t *data,
                  size_t n)
{
    memset(k, 0, sizeof(*k));
    size_t ip = pk_ipv6(k, IP6_A, IP6_B, 0);
    static const uint8_t hbh[8] = {44, 0, 1, 4, 0, 0, 0, 0}; /* next: fragment; PadN */
    pk_put(k, hbh, sizeof(hbh));
    pk_u8(k, 17);
    pk_u8(k, 0);
    pk_u16(k, (uint16_t)(off | (more ? 1 : 0)));
    pk_u32(k, id);
    pk_put(k, data, n);
    pk_ipv6_done(k, ip);
}

/* Decodes k (linktype) with reassembly on and hands it to d at clock; the
 * fragment is packet number `num` (fx_feed: 7). */
static int feed_num(struct mm_defrag *d, int linktype, const struct pkt *k, uint64_t num,
                    int64_t clock, struct mm_defrag_result *res, struct mm_packet *out)
{
    uint8_t *copy = malloc(k->len);
    assert_non_null(copy);
    memcpy(copy, k->b, k->len);
    struct mm_packet p;
    memset(&p, 0, sizeof(p));
    p.data = copy;
    p.caplen = p.len = (uint32_t)k->len;
    p.linktype = linktype;
    p.num = num;
    p.ts.tv_sec = (time_t)(clock / SEC);
    p.defrag = true;
    assert_int_equal(mm_decode_packet(&p), 0);
    assert_true(p.fragment);
    assert_true(p.defrag);
    int r = mm_defrag_packet(d, &p, clock, res, out);
    free(copy);
    return r;
}

static struct mm_defrag *table(size_t memcap, uint32_t max_datagrams)
{
    struct mm_defrag_config c;
    mm_defrag_config_defaults(&c);
    if (memcap)
        c.memcap = memcap;
    if (max_datagrams)
        c.max_datagrams = max_datagrams;
    struct mm_defrag *d = NULL;
    assert_int_equal(mm_defrag_new(&c, &d), 0);
    return d;
}

/* What a test works with: the test datagram, a reassembly table, the
 * fragment being built, and what the table made of the last one fed. */
struct fx {
    uint8_t dg[DGRAM_LEN];
    struct mm_defrag *d;
    struct pkt k;
    struct mm_defrag_result res;
    struct mm_packet out;
};

/* The test datagram and a fresh table (0: the default memcap or limit). */
static void fx_start(struct fx *f, size_t memcap, uint32_t max_datagrams)
{
    memset(f, 0, sizeof(*f));
    datagram(f->dg);
    f->d = table(memcap, max_datagrams);
}

/* Hands the fragment in f->k (linktype, packet number num) to the table. */
static int fx_feed_link_num(struct fx *f, int linktype, uint64_t num, int64_t clock)
{
    return feed_num(f->d, linktype, &f->k, num, clock, &f->res, &f->out);
}

static int fx_feed_link(struct fx *f, int linktype, int64_t clock)
{
    return fx_feed_link_num(f, linktype, 7, clock);
}

static int fx_feed_num(struct fx *f, uint64_t num, int64_t clock)
{
    return fx_feed_link_num(f, LINK_RAW, num, clock);
}

static int fx_feed(struct fx *f, int64_t clock)
{
    return fx_feed_link_num(f, LINK_RAW, 7, clock);
}

/* The rebuilt packet is the unfragmented datagram: decodes to UDP 5353->53
 * with the 32 payload bytes of dg, packet number of the last fragment. */
static void check_whole_v4(const struct mm_packet *p, const uint8_t dg[DGRAM_LEN])
{
    assert_int_equal(p->caplen, 20 + DGRAM_LEN);
    assert_memory_equal(p->data + 20, dg, DGRAM_LEN);
    assert_false(p->fragment);
    assert_int_equal(p->ip_version, 4);
    assert_int_equal(p->ip_proto, 17);
    assert_int_equal(p->sport, 5353);
    assert_int_equal(p->dport, 53);
    assert_int_equal(p->payload_len, 32);
    assert_int_equal(p->num, 7);
    assert_memory_equal(p->src.bytes, IP_A, 4);
}

static void test_in_order(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 0);
    frag4(&f.k, 1, 0, true, f.dg, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 1, 16, true, f.dg + 16, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_int_equal(mm_defrag_pending(f.d), 1);
    assert_true(mm_defrag_memuse(f.d) > 32);
    frag4(&f.k, 1, 32, false, f.dg + 32, 8);
    assert_int_equal(fx_feed(&f, 0), 1);
    assert_int_equal(f.res.nanomaly, 0);
    check_whole_v4(&f.out, f.dg);
    assert_int_equal(f.out.data[6] & 0x3f, 0); /* no MF, no offset */
    assert_int_equal(mm_defrag_stats(f.d)->reassembled, 1);
    assert_int_equal(mm_defrag_pending(f.d), 0);
    assert_int_equal(mm_defrag_memuse(f.d), 0);
    mm_defrag_free(f.d);
}

static void test_reverse_order(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 0);
    frag4(&f.k, 2, 32, false, f.dg + 32, 8);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 2, 16, true, f.dg + 16, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 2, 0, true, f.dg, 16);
    assert_int_equal(fx_feed(&f, 0), 1);
    check_whole_v4(&f.out, f.dg);
    mm_defrag_free(f.d);
}

static void test_duplicate(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 0);
    frag4(&f.k, 3, 0, true, f.dg, 24);
    assert_int_equal(fx_feed(&f, 0), 0);
    size_t mem = mm_defrag_memuse(f.d);
    assert_int_equal(fx_feed(&f, 0), 0); /* the same fragment again */
    assert_int_equal(f.res.nanomaly, 0);
    assert_int_equal(mm_defrag_memuse(f.d), mem); /* nothing new is kept */
    frag4(&f.k, 3, 24, false, f.dg + 24, 16);
    assert_int_equal(fx_feed(&f, 0), 1);
    check_whole_v4(&f.out, f.dg);
    assert_int_equal(mm_defrag_stats(f.d)->overlaps, 0);
    mm_defrag_free(f.d);
}

static void test_overlap_same_bytes(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 0);
    frag4(&f.k, 4, 0, true, f.dg, 24);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 4, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed(&f, 0), 1);
    assert_int_equal(f.res.nanomaly, 0);
    check_whole_v4(&f.out, f.dg);
    mm_defrag_free(f.d);
}

static void test_overlap_different_drops(void **state)
{
    (void)state;
    uint8_t evil[24];
    struct fx f;
    fx_start(&f, 0, 0);
    memcpy(evil, f.dg + 16, sizeof(evil));
    memset(evil, 'X', 8); /* bytes 16..24 differ from the first copy */
    frag4(&f.k, 5, 0, true, f.dg, 24);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 5, 16, false, evil, sizeof(evil));
    assert_int_equal(fx_feed(&f, 0), 0); /* dropped, as hosts do */
    assert_int_equal(f.res.nanomaly, 1);
    assert_string_equal(f.res.anomaly[0], "ipv4.frag_overlap");
    assert_int_equal(mm_defrag_stats(f.d)->overlaps, 1);
    assert_int_equal(mm_defrag_pending(f.d), 0);
    assert_int_equal(mm_defrag_memuse(f.d), 0);
    /* a second "last fragment" with another end drops it too */
    frag4(&f.k, 6, 0, true, f.dg, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 6, 24, false, f.dg + 24, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 6, 16, false, f.dg + 16, 8);
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_string_equal(f.res.anomaly[0], "ipv4.frag_overlap");
    assert_int_equal(mm_defrag_pending(f.d), 0);
    assert_int_equal(mm_defrag_stats(f.d)->reassembled, 0);
    mm_defrag_free(f.d);
}

static void test_missing_piece_times_out(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 0);
    frag4(&f.k, 6, 0, true, f.dg, 16);
    assert_int_equal(fx_feed(&f, 100 * SEC), 0);
    frag4(&f.k, 6, 32, false, f.dg + 32, 8);
    assert_int_equal(fx_feed(&f, 101 * SEC), 0);
    mm_defrag_expire(f.d, 159 * SEC);
    assert_int_equal(mm_defrag_pending(f.d), 1);
    mm_defrag_expire(f.d, 160 * SEC);
    assert_int_equal(mm_defrag_pending(f.d), 0);
    assert_int_equal(mm_defrag_memuse(f.d), 0);
    assert_int_equal(mm_defrag_stats(f.d)->timeouts, 1);
    /* the missing piece arriving afterwards starts a new datagram, nothing else */
    frag4(&f.k, 6, 16, true, f.dg + 16, 16);
    assert_int_equal(fx_feed(&f, 161 * SEC), 0);
    assert_int_equal(mm_defrag_pending(f.d), 1);
    mm_defrag_free(f.d);
}

static void test_too_large(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 0);
    frag4(&f.k, 7, 0, true, f.dg, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 7, 65528, false, f.dg, 16); /* ends at 65544 */
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_int_equal(f.res.nanomaly, 1);
    assert_string_equal(f.res.anomaly[0], "ipv4.frag_too_large");
    assert_int_equal(mm_defrag_pending(f.d), 0); /* the datagram is dropped */
    assert_int_equal(mm_defrag_memuse(f.d), 0);
    assert_int_equal(mm_defrag_stats(f.d)->too_large, 1);
    /* just under: 65535 - 20 header bytes of data at most */
    frag4(&f.k, 8, 65512, false, f.dg, 3);
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_int_equal(f.res.nanomaly, 0);
    frag4(&f.k, 8, 65512, false, f.dg, 4);
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_string_equal(f.res.anomaly[0], "ipv4.frag_too_large");
    mm_defrag_free(f.d);
}

static void test_too_many_fragments(void **state)
{
    (void)state;
    uint8_t zero[8] = {0};
    struct fx f;
    fx_start(&f, 0, 0);
    for (uint32_t i = 0; i < MM_DEFRAG_MAX_FRAGS; i++) {
        frag4(&f.k, 9, 8 + i * 8, true, zero, 8);
        assert_int_equal(fx_feed(&f, 0), 0);
    }
    assert_int_equal(mm_defrag_pending(f.d), 1);
    frag4(&f.k, 9, 0, true, zero, 8);
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_int_equal(mm_defrag_pending(f.d), 0);
    assert_int_equal(mm_defrag_memuse(f.d), 0);
    assert_int_equal(mm_defrag_stats(f.d)->max_frags, 1);
    mm_defrag_free(f.d);
}

static void test_memcap_evicts_oldest(void **state)
{
    (void)state;
    static uint8_t big[1400];
    memset(big, 'b', sizeof(big));
    static const uint8_t udp[8] = {0x14, 0xe9, 0, 53, 1408 >> 8, 1408 & 0xff, 0, 0};
    memcpy(big, udp, sizeof(udp)); /* the datagram completed below is UDP of 1408 bytes */
    struct fx f;
    fx_start(&f, 16 * 1024, 0);
    for (uint16_t id = 100; id < 130; id++) {
        frag4(&f.k, id, 0, true, big, sizeof(big));
        assert_int_equal(fx_feed(&f, 0), 0);
        assert_true(mm_defrag_memuse(f.d) <= 16 * 1024);
    }
    assert_true(mm_defrag_stats(f.d)->memcap_drops > 0);
    assert_true(mm_defrag_pending(f.d) < 30);
    /* many datagrams of one empty later fragment each: their records count too */
    for (uint16_t id = 1000; id < 1100; id++) {
        frag4(&f.k, id, 8, true, big, 0);
        assert_int_equal(fx_feed(&f, 0), 0);
        assert_true(mm_defrag_memuse(f.d) <= 16 * 1024);
    }
    frag4(&f.k, 129, 0, true, big, sizeof(big)); /* id 129 was dropped: held again */
    assert_int_equal(fx_feed(&f, 0), 0);
    /* the newest datagram is still there and completes */
    frag4(&f.k, 129, 1400, false, big, 8);
    assert_int_equal(fx_feed(&f, 0), 1);
    assert_int_equal(f.out.caplen, 20 + 1408);
    assert_int_equal(f.out.payload_len, 1400);
    mm_defrag_free(f.d);
}

static void test_max_datagrams(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 4);
    for (uint16_t id = 1; id <= 6; id++) {
        frag4(&f.k, id, 0, true, f.dg, 16);
        assert_int_equal(fx_feed(&f, 0), 0);
    }
    assert_int_equal(mm_defrag_pending(f.d), 4);
    assert_int_equal(mm_defrag_stats(f.d)->evicted, 2);
    frag4(&f.k, 1, 16, false, f.dg + 16, 24); /* id 1 was evicted: held anew */
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 6, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed(&f, 0), 1);
    mm_defrag_free(f.d);
}

/* Ethernet + one VLAN tag + IPv4 fragment. */
static void frag4_vlan(struct pkt *k, uint16_t vlan, uint32_t off, bool more, const uint8_t *data,
                       size_t n)
{
    struct pkt ip;
    frag4(&ip, 11, off, more, data, n);
    memset(k, 0, sizeof(*k));
    pk_eth(k, PK_MAC_A, PK_MAC_B, 0x8100);
    pk_u16(k, vlan);
    pk_u16(k, 0x0800);
    pk_put(k, ip.b, ip.len);
}

static void test_vlan_in_key(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 0);
    frag4_vlan(&f.k, 10, 0, true, f.dg, 16);
    assert_int_equal(fx_feed_link(&f, LINK_ETH, 0), 0);
    frag4_vlan(&f.k, 20, 16, false, f.dg + 16, 24); /* same addresses and id, other VLAN */
    assert_int_equal(fx_feed_link(&f, LINK_ETH, 0), 0);
    assert_int_equal(mm_defrag_pending(f.d), 2);
    frag4_vlan(&f.k, 10, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed_link(&f, LINK_ETH, 0), 1);
    check_whole_v4(&f.out, f.dg);
    mm_defrag_free(f.d);
}

/* Ethernet + PPPoE session (PPP protocol 0x0021) + IPv4 fragment. */
static void frag4_pppoe(struct pkt *k, uint16_t session, uint32_t off, bool more,
                        const uint8_t *data, size_t n)
{
    struct pkt ip;
    frag4(&ip, 11, off, more, data, n);
    memset(k, 0, sizeof(*k));
    pk_eth(k, PK_MAC_A, PK_MAC_B, 0x8864);
    pk_u8(k, 0x11);
    pk_u8(k, 0);
    pk_u16(k, session);
    pk_u16(k, (uint16_t)(ip.len + 2));
    pk_u16(k, 0x0021);
    pk_put(k, ip.b, ip.len);
}

/* The PPPoE session is part of the key, as in the flow key: the same
 * addresses and id in two sessions are two datagrams. */
static void test_pppoe_session_in_key(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 0);
    frag4_pppoe(&f.k, 0x0101, 0, true, f.dg, 16);
    assert_int_equal(fx_feed_link(&f, LINK_ETH, 0), 0);
    frag4_pppoe(&f.k, 0x0202, 16, false, f.dg + 16, 24); /* other session */
    assert_int_equal(fx_feed_link(&f, LINK_ETH, 0), 0);
    assert_int_equal(mm_defrag_pending(f.d), 2);
    frag4(&f.k, 11, 16, false, f.dg + 16, 24); /* the same, not in PPPoE */
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_int_equal(mm_defrag_pending(f.d), 3);
    frag4_pppoe(&f.k, 0x0101, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed_link(&f, LINK_ETH, 0), 1);
    check_whole_v4(&f.out, f.dg);
    assert_true(f.out.pppoe);
    assert_int_equal(f.out.pppoe_session, 0x0101);
    mm_defrag_free(f.d);
}

static void test_ipv6_fragment_header(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 0);
    frag6(&f.k, 0x12345678, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag6(&f.k, 0x12345678, 0, true, f.dg, 16);
    assert_int_equal(fx_feed(&f, 0), 1);
    /* fixed header + hop-by-hop, then the datagram; no fragment header */
    assert_int_equal(f.out.caplen, 40 + 8 + DGRAM_LEN);
    assert_int_equal(f.out.data[4] << 8 | f.out.data[5], 8 + DGRAM_LEN);
    assert_int_equal(f.out.data[6], 0);
    assert_int_equal(f.out.data[40], 17); /* hop-by-hop now names UDP */
    assert_memory_equal(f.out.data + 48, f.dg, DGRAM_LEN);
    assert_false(f.out.fragment);
    assert_int_equal(f.out.ip_version, 6);
    assert_int_equal(f.out.ip_proto, 17);
    assert_int_equal(f.out.dport, 53);
    assert_int_equal(f.out.payload_len, 32);
    /* an overlap with different bytes in IPv6 */
    uint8_t evil[24];
    memset(evil, 'Y', sizeof(evil));
    frag6(&f.k, 7, 0, true, f.dg, 24);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag6(&f.k, 7, 16, false, evil, sizeof(evil));
    assert_int_equal(fx_feed(&f, 0), 0); /* dropped */
    assert_string_equal(f.res.anomaly[0], "ipv6.frag_overlap");
    /* a piece ending past 65535 payload bytes */
    frag6(&f.k, 8, 65528, false, f.dg, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_string_equal(f.res.anomaly[0], "ipv6.frag_too_large");
    assert_int_equal(mm_defrag_pending(f.d), 0);
    mm_defrag_free(f.d);
}

/* A fragment cut by the snap length is not held: decoding falls back to the
 * old behaviour (the first fragment decodes to the transport header). */
static void test_snapped_fragment_not_held(void **state)
{
    (void)state;
    uint8_t dg[DGRAM_LEN];
    datagram(dg);
    struct pkt k;
    frag4(&k, 12, 0, true, dg, 32);
    struct mm_packet p;
    memset(&p, 0, sizeof(p));
    p.data = k.b;
    p.caplen = 40;
    p.len = (uint32_t)k.len;
    p.linktype = LINK_RAW;
    p.defrag = true;
    assert_int_equal(mm_decode_packet(&p), 0);
    assert_true(p.fragment);
    assert_false(p.defrag);
    assert_int_equal(p.dport, 53);
}

/* An IPv6 atomic fragment (offset 0, M clear) is a whole datagram: RFC 6946
 * has it processed at once and never merged with pending fragments of the
 * same id, so a decoy piece sent first cannot change what is inspected. */
static void test_ipv6_atomic_fragment(void **state)
{
    (void)state;
    uint8_t evil[24];
    struct fx f;
    fx_start(&f, 0, 0);
    memset(evil, 'Y', sizeof(evil));
    frag6(&f.k, 9, 16, true, evil, sizeof(evil)); /* a decoy of the same id */
    assert_int_equal(fx_feed(&f, 0), 0);
    frag6(&f.k, 9, 0, false, f.dg, DGRAM_LEN);
    assert_int_equal(fx_feed(&f, 0), 1);
    assert_int_equal(f.res.nanomaly, 0);
    assert_int_equal(f.out.caplen, 40 + 8 + DGRAM_LEN);
    assert_int_equal(f.out.data[4] << 8 | f.out.data[5], 8 + DGRAM_LEN);
    assert_int_equal(f.out.data[40], 17);
    assert_memory_equal(f.out.data + 48, f.dg, DGRAM_LEN);
    assert_int_equal(mm_defrag_pending(f.d), 1); /* the decoy is left alone */
    assert_int_equal(mm_defrag_stats(f.d)->overlaps, 0);
    mm_defrag_free(f.d);
}

/* A non-last IPv6 fragment whose length is not a multiple of 8 makes the
 * host drop the whole datagram (RFC 8200; Linux does): the table drops it
 * too, so a bogus first piece cannot win over the real bytes sent after. */
static void test_ipv6_more_not_multiple_of_8(void **state)
{
    (void)state;
    uint8_t evil[13];
    struct fx f;
    fx_start(&f, 0, 0);
    memset(evil, 'Y', sizeof(evil));
    frag6(&f.k, 10, 16, true, f.dg + 16, 8);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag6(&f.k, 10, 0, true, evil, sizeof(evil));
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_int_equal(f.res.nanomaly, 1);
    assert_string_equal(f.res.anomaly[0], "ipv6.frag_invalid_length");
    assert_int_equal(mm_defrag_pending(f.d), 0);
    assert_int_equal(mm_defrag_memuse(f.d), 0);
    frag6(&f.k, 10, 0, true, f.dg, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag6(&f.k, 10, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed(&f, 0), 1);
    assert_int_equal(f.res.nanomaly, 0);
    assert_memory_equal(f.out.data + 48, f.dg, DGRAM_LEN);
    mm_defrag_free(f.d);
}

/* A non-last IPv4 fragment whose length is not a multiple of 8: the host
 * (Linux) keeps only the multiple of 8, so the tail bytes must not win over
 * the next fragment's bytes either. */
static void test_ipv4_more_not_multiple_of_8(void **state)
{
    (void)state;
    uint8_t first[20];
    struct fx f;
    fx_start(&f, 0, 0);
    memcpy(first, f.dg, 16);
    memset(first + 16, 'Y', 4); /* bytes past the multiple of 8 */
    frag4(&f.k, 13, 0, true, first, sizeof(first));
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 13, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed(&f, 0), 1);
    assert_int_equal(f.res.nanomaly, 0);
    check_whole_v4(&f.out, f.dg);
    /* under 8 bytes with MF: nothing of it is kept */
    frag4(&f.k, 14, 0, true, first + 16, 4);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 14, 0, true, f.dg, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 14, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed(&f, 0), 1);
    assert_int_equal(f.res.nanomaly, 0);
    check_whole_v4(&f.out, f.dg);
    mm_defrag_free(f.d);
}

/* Each held piece is charged more than its bytes (the allocation's own
 * bookkeeping), so many tiny pieces cannot hold several times the cap. */
static void test_tiny_pieces_charged(void **state)
{
    (void)state;
    struct fx f;
    fx_start(&f, 0, 0);
    frag4(&f.k, 15, 8, true, f.dg + 8, 8);
    assert_int_equal(fx_feed(&f, 0), 0);
    size_t one = mm_defrag_memuse(f.d);
    frag4(&f.k, 15, 24, true, f.dg + 24, 8);
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_true(mm_defrag_memuse(f.d) - one >= 8 + 16);
    mm_defrag_free(f.d);
}

/* The same for IPv6: a cut first fragment decodes to UDP, a cut later one
 * stops at the fragment header; neither is held. */
static void test_snapped_ipv6_fragment_not_held(void **state)
{
    (void)state;
    uint8_t dg[DGRAM_LEN];
    datagram(dg);
    struct pkt k;
    for (uint32_t off = 0; off <= 16; off += 16) {
        frag6(&k, 16, off, true, dg, 32);
        struct mm_packet p;
        memset(&p, 0, sizeof(p));
        p.data = k.b;
        p.caplen = 40 + 8 + 8 + 10; /* fixed header, hop-by-hop, fragment header, 10 bytes */
        p.len = (uint32_t)k.len;
        p.linktype = LINK_RAW;
        p.defrag = true;
        assert_int_equal(mm_decode_packet(&p), 0);
        assert_true(p.fragment);
        assert_false(p.defrag);
        assert_int_equal(p.dport, off == 0 ? 53 : 0);
        assert_int_equal(p.ip_proto, 17);
    }
}

/* ---- datagrams given up -------------------------------------------------- */

/* What the give-up handler was given. */
static struct {
    unsigned calls;
    struct mm_packet last;
} given_up;

static void on_give_up(void *arg, const struct mm_packet *first)
{
    assert_ptr_equal(arg, &given_up);
    given_up.calls++;
    given_up.last = *first;
}

/* Sets d's give-up handler to record into given_up (cleared). */
static struct mm_defrag *watch(struct mm_defrag *d)
{
    memset(&given_up, 0, sizeof(given_up));
    mm_defrag_on_give_up(d, on_give_up, &given_up);
    return d;
}

static struct mm_defrag *watched_table(size_t memcap, uint32_t max_datagrams)
{
    return watch(table(memcap, max_datagrams));
}

/* fx_start with a watched table. */
static void fx_start_watched(struct fx *f, size_t memcap, uint32_t max_datagrams)
{
    fx_start(f, memcap, max_datagrams);
    watch(f->d);
}

/* The witness is flowless, points nowhere, and is fragment `num`. */
static void check_witness(uint64_t num, uint16_t sport, uint16_t dport)
{
    const struct mm_packet *w = &given_up.last;
    assert_true(w->fragment);
    assert_null(w->data);
    assert_null(w->l3);
    assert_null(w->l4);
    assert_null(w->payload);
    assert_null(w->flow);
    assert_int_equal(w->payload_len, 0);
    assert_int_equal(w->num, num);
    assert_int_equal(w->sport, sport);
    assert_int_equal(w->dport, dport);
    assert_int_equal(w->anomaly, MM_ANOM_NONE);
}

/* A datagram that completes is never given up; one that times out is, once,
 * with its offset-0 fragment's ports, time and number. */
static void test_give_up_timeout(void **state)
{
    (void)state;
    struct fx f;
    fx_start_watched(&f, 0, 0);
    frag4(&f.k, 20, 0, true, f.dg, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    frag4(&f.k, 20, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed(&f, 0), 1);
    frag4(&f.k, 21, 0, true, f.dg, 16);
    assert_int_equal(fx_feed_num(&f, 31, 100 * SEC), 0);
    mm_defrag_expire(f.d, 159 * SEC);
    assert_int_equal(given_up.calls, 0);
    mm_defrag_expire(f.d, 160 * SEC);
    assert_int_equal(given_up.calls, 1);
    check_witness(31, 5353, 53);
    assert_true(given_up.last.first_fragment);
    assert_int_equal(given_up.last.ip_proto, 17);
    assert_int_equal(given_up.last.ts.tv_sec, 100);
    assert_memory_equal(given_up.last.dst.bytes, IP_B, 4);
    mm_defrag_expire(f.d, 300 * SEC);
    assert_int_equal(given_up.calls, 1);
    mm_defrag_free(f.d);
    assert_int_equal(given_up.calls, 1); /* freeing shows nothing */
}

/* Without the offset-0 fragment the witness is the first one that came
 * (addresses, no ports); once the offset-0 fragment comes, it is the
 * witness. */
static void test_give_up_first_fragment(void **state)
{
    (void)state;
    struct fx f;
    fx_start_watched(&f, 0, 0);
    frag4(&f.k, 22, 32, false, f.dg + 32, 8);
    assert_int_equal(fx_feed_num(&f, 40, 0), 0);
    frag4(&f.k, 22, 8, true, f.dg + 8, 8);
    assert_int_equal(fx_feed_num(&f, 41, 0), 0);
    frag4(&f.k, 23, 32, false, f.dg + 32, 8);
    assert_int_equal(fx_feed_num(&f, 42, 0), 0);
    frag4(&f.k, 23, 0, true, f.dg, 16);
    assert_int_equal(fx_feed_num(&f, 43, 0), 0);
    mm_defrag_expire(f.d, 60 * SEC);
    assert_int_equal(given_up.calls, 2);
    /* oldest first: 22 (no offset-0 piece), then 23 */
    check_witness(43, 5353, 53);
    mm_defrag_free(f.d);
    f.d = watched_table(0, 0);
    frag4(&f.k, 22, 32, false, f.dg + 32, 8);
    assert_int_equal(fx_feed_num(&f, 40, 0), 0);
    frag4(&f.k, 22, 8, true, f.dg + 8, 8);
    assert_int_equal(fx_feed_num(&f, 41, 0), 0);
    mm_defrag_expire(f.d, 60 * SEC);
    assert_int_equal(given_up.calls, 1);
    check_witness(40, 0, 0);
    assert_false(given_up.last.first_fragment);
    assert_int_equal(given_up.last.frag_offset, 32);
    mm_defrag_free(f.d);
}

/* Every way the table drops a datagram gives it up, once: an overlap, too
 * many fragments, too large, eviction, the memory cap, an IPv6 piece of a
 * bad length. */
static void test_give_up_every_drop(void **state)
{
    (void)state;
    uint8_t evil[24];
    struct fx f;
    fx_start_watched(&f, 0, 2);
    memset(evil, 'X', sizeof(evil));
    unsigned calls = 0;
    /* overlap */
    frag4(&f.k, 24, 0, true, f.dg, 24);
    assert_int_equal(fx_feed_num(&f, 50, 0), 0);
    frag4(&f.k, 24, 16, false, evil, sizeof(evil));
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_int_equal(given_up.calls, ++calls);
    check_witness(50, 5353, 53);
    /* too many fragments */
    for (uint32_t i = 0; i <= MM_DEFRAG_MAX_FRAGS; i++) {
        frag4(&f.k, 25, 8 + i * 8, true, f.dg, 8);
        assert_int_equal(fx_feed_num(&f, 51 + i, 0), 0);
    }
    assert_int_equal(given_up.calls, ++calls);
    check_witness(51, 0, 0);
    /* too large */
    frag4(&f.k, 26, 0, true, f.dg, 16);
    assert_int_equal(fx_feed_num(&f, 200, 0), 0);
    frag4(&f.k, 26, 65528, false, f.dg, 16);
    assert_int_equal(fx_feed(&f, 0), 0);
    assert_int_equal(given_up.calls, ++calls);
    check_witness(200, 5353, 53);
    /* eviction (two datagrams at most) */
    for (uint16_t id = 27; id <= 29; id++) {
        frag4(&f.k, id, 0, true, f.dg, 16);
        assert_int_equal(fx_feed_num(&f, 300 + id, 0), 0);
    }
    assert_int_equal(given_up.calls, ++calls);
    check_witness(327, 5353, 53);
    assert_int_equal(mm_defrag_stats(f.d)->evicted, 1);
    /* an IPv6 non-last piece of a bad length: invalid */
    frag6(&f.k, 30, 0, true, f.dg, 13);
    assert_int_equal(fx_feed_num(&f, 400, 0), 0);
    assert_string_equal(f.res.anomaly[0], "ipv6.frag_invalid_length");
    assert_string_equal(f.res.layer[0], "ipv6");
    calls += 2; /* 28 was evicted to make room for it */
    assert_int_equal(given_up.calls, calls);
    check_witness(400, 5353, 53);
    assert_int_equal(mm_defrag_stats(f.d)->invalid, 1);
    mm_defrag_free(f.d);
    /* the memory cap */
    static uint8_t big[1400];
    memcpy(big, f.dg, DGRAM_LEN);
    f.d = watched_table(16 * 1024, 0);
    for (uint16_t id = 100; id < 130; id++) {
        frag4(&f.k, id, 0, true, big, sizeof(big));
        assert_int_equal(fx_feed_num(&f, id, 0), 0);
    }
    assert_true(mm_defrag_stats(f.d)->memcap_drops > 0);
    assert_int_equal(given_up.calls, mm_defrag_stats(f.d)->memcap_drops);
    check_witness(100 + given_up.calls - 1, 5353, 53);
    mm_defrag_free(f.d);
}

/* mm_defrag_end shows what is still pending, once; the datagrams stay. */
static void test_end_shows_pending_once(void **state)
{
    (void)state;
    struct fx f;
    fx_start_watched(&f, 0, 0);
    frag4(&f.k, 31, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed_num(&f, 60, 0), 0);
    frag6(&f.k, 32, 0, true, f.dg, 16);
    assert_int_equal(fx_feed_num(&f, 61, 0), 0);
    mm_defrag_end(f.d);
    assert_int_equal(given_up.calls, 2);
    check_witness(61, 5353, 53);
    assert_int_equal(given_up.last.ip_version, 6);
    assert_int_equal(mm_defrag_pending(f.d), 2);
    mm_defrag_end(f.d);
    mm_defrag_expire(f.d, 600 * SEC);
    assert_int_equal(given_up.calls, 2);
    assert_int_equal(mm_defrag_stats(f.d)->timeouts, 2);
    mm_defrag_free(f.d);
    mm_defrag_end(NULL);
}

/* A datagram mm_defrag_end showed is not shown again when a fragment fed
 * after it completes it into a packet that does not decode. */
static void test_end_then_invalid_completion(void **state)
{
    (void)state;
    struct fx f;
    fx_start_watched(&f, 0, 0);
    f.dg[4] = 0;
    f.dg[5] = 4; /* UDP length 4: the rebuilt packet does not decode */
    frag4(&f.k, 34, 0, true, f.dg, 16);
    assert_int_equal(fx_feed_num(&f, 90, 0), 0);
    mm_defrag_end(f.d);
    assert_int_equal(given_up.calls, 1);
    frag4(&f.k, 34, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed_num(&f, 91, 0), 0);
    assert_int_equal(mm_defrag_stats(f.d)->invalid, 1);
    assert_int_equal(given_up.calls, 1);
    mm_defrag_free(f.d);
}

/* A rebuilt datagram that does not decode (UDP length under 8) is dropped
 * as invalid: not reassembled, the decoder's anomaly, given up. */
static void test_rebuilt_invalid(void **state)
{
    (void)state;
    struct fx f;
    fx_start_watched(&f, 0, 0);
    f.dg[4] = 0;
    f.dg[5] = 4; /* UDP length 4 */
    frag4(&f.k, 33, 0, true, f.dg, 16);
    assert_int_equal(fx_feed_num(&f, 70, 0), 0);
    frag4(&f.k, 33, 16, false, f.dg + 16, 24);
    assert_int_equal(fx_feed_num(&f, 71, 0), 0);
    assert_int_equal(f.res.nanomaly, 1);
    assert_string_equal(f.res.anomaly[0], "udp.hlen_invalid");
    assert_string_equal(f.res.layer[0], "udp");
    assert_int_equal(mm_defrag_stats(f.d)->invalid, 1);
    assert_int_equal(mm_defrag_stats(f.d)->reassembled, 0);
    assert_int_equal(mm_defrag_pending(f.d), 0);
    assert_int_equal(given_up.calls, 1);
    check_witness(70, 0, 0); /* its transport header is the bad one: addresses only */
    assert_false(given_up.last.first_fragment); /* no transport header: not a scan probe */
    mm_defrag_free(f.d);
}

/* A fragment header inside a rebuilt IPv6 datagram (nested fragmentation)
 * is refused, as Linux refuses it: the datagram is dropped as invalid with
 * ipv6.exthdr_dupl_fh and given up; the same inside an atomic fragment. */
static void test_ipv6_nested_fragment(void **state)
{
    (void)state;
    uint8_t inner[24] = {17, 0, 0, 1, 0, 0, 0, 99}; /* M set, id 99 */
    struct fx f;
    fx_start_watched(&f, 0, 0);
    memcpy(inner + 8, f.dg, 16);
    frag6(&f.k, 17, 0, true, inner, 16);
    f.k.b[48] = 44; /* the outer fragment header names the inner one */
    assert_int_equal(fx_feed_num(&f, 80, 0), 0);
    frag6(&f.k, 17, 16, false, inner + 16, 8);
    assert_int_equal(fx_feed_num(&f, 81, 0), 0);
    assert_int_equal(f.res.nanomaly, 1);
    assert_string_equal(f.res.anomaly[0], "ipv6.exthdr_dupl_fh");
    assert_string_equal(f.res.layer[0], "ipv6");
    assert_int_equal(given_up.calls, 1);
    check_witness(80, 0, 0);
    /* an atomic fragment whose payload starts with a fragment header */
    frag6(&f.k, 18, 0, false, inner, sizeof(inner));
    f.k.b[48] = 44;
    assert_int_equal(fx_feed_num(&f, 82, 0), 0);
    assert_string_equal(f.res.anomaly[0], "ipv6.exthdr_dupl_fh");
    assert_int_equal(given_up.calls, 2);
    check_witness(82, 0, 0);
    /* the inner fragments are not held, nothing was reassembled */
    assert_int_equal(mm_defrag_pending(f.d), 0);
    assert_int_equal(mm_defrag_stats(f.d)->invalid, 2);
    assert_int_equal(mm_defrag_stats(f.d)->reassembled, 0);
    mm_defrag_free(f.d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_reverse_order),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_overlap_same_bytes),
        cmocka_unit_test(test_overlap_different_drops),
        cmocka_unit_test(test_missing_piece_times_out),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_too_many_fragments),
        cmocka_unit_test(test_memcap_evicts_oldest),
        cmocka_unit_test(test_max_datagrams),
        cmocka_unit_test(test_vlan_in_key),
        cmocka_unit_test(test_pppoe_session_in_key),
        cmocka_unit_test(test_ipv6_fragment_header),
        cmocka_unit_test(test_snapped_fragment_not_held),
        cmocka_unit_test(test_ipv6_atomic_fragment),
        cmocka_unit_test(test_ipv6_more_not_multiple_of_8),
        cmocka_unit_test(test_ipv4_more_not_multiple_of_8),
        cmocka_unit_test(test_tiny_pieces_charged),
        cmocka_unit_test(test_snapped_ipv6_fragment_not_held),
        cmocka_unit_test(test_give_up_timeout),
        cmocka_unit_test(test_give_up_first_fragment),
        cmocka_unit_test(test_give_up_every_drop),
        cmocka_unit_test(test_end_shows_pending_once),
        cmocka_unit_test(test_end_then_invalid_completion),
        cmocka_unit_test(test_rebuilt_invalid),
        cmocka_unit_test(test_ipv6_nested_fragment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
