/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the link, network and transport decoders: fields of
 * crafted packets for every link type, VLAN/QinQ depth, IPv4 fragments,
 * IPv6 extension headers, TCP SYN traits, and truncation of every test
 * packet at every byte offset (never a crash, always an anomaly). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "pktbuild.h"
#include "pktdecode.h"
#include "sensor/decode/decode.h"

static const uint8_t IP_A[4] = {192, 168, 1, 10}, IP_B[4] = {203, 0, 113, 5};
static const uint8_t IP6_A[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t IP6_B[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t SYN_OPTS[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};

static void build_tcp_syn(struct pkt *k)
{
    memset(k, 0, sizeof(*k));
    pk_eth(k, PK_MAC_A, PK_MAC_B, 0x0800);
    size_t ip = pk_ipv4(k, IP_A, IP_B, 6, 0x4000);
    pk_tcp(k, 51000, 443, 1000, 0, 0x02, SYN_OPTS, sizeof(SYN_OPTS), NULL, 0);
    pk_ipv4_done(k, ip);
}

static void build_udp(struct pkt *k, const uint16_t *vlans, int nvlan)
{
    memset(k, 0, sizeof(*k));
    pk_put(k, PK_MAC_B, 6);
    pk_put(k, PK_MAC_A, 6);
    for (int i = 0; i < nvlan; i++) {
        pk_u16(k, i == 0 && nvlan > 1 ? 0x88a8 : 0x8100);
        pk_u16(k, vlans[i]);
    }
    pk_u16(k, 0x0800);
    size_t ip = pk_ipv4(k, IP_A, IP_B, 17, 0);
    pk_udp(k, 5353, 53, "hello", 5);
    pk_ipv4_done(k, ip);
}

static void test_eth_ipv4_tcp_syn(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    build_tcp_syn(&k);
    assert_int_equal(pk_decode(&p, 1, k.b, (uint32_t)k.len, (uint32_t)k.len), 0);
    assert_true(p.has_eth);
    assert_memory_equal(p.src_mac, PK_MAC_A, 6);
    assert_int_equal(p.ip_version, 4);
    assert_memory_equal(p.src.bytes, IP_A, 4);
    assert_int_equal(p.ip_proto, 6);
    assert_int_equal(p.ttl, 64);
    assert_int_equal(p.sport, 51000);
    assert_int_equal(p.dport, 443);
    assert_int_equal(p.tcp_flags, 0x02);
    assert_int_equal(p.tcp_traits.mss, 1460);
    assert_int_equal(p.tcp_traits.wscale, 7);
    assert_true(p.tcp_traits.sack_ok);
    assert_true(p.tcp_traits.timestamps);
    assert_string_equal(p.tcp_traits.options, "M,S,T,N,W");
    assert_int_equal(p.anomaly, MM_ANOM_NONE);
}

static void test_udp_padding_trimmed(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    build_udp(&k, NULL, 0);
    memset(k.b + k.len, 0, 20); /* Ethernet padding after the datagram */
    k.len += 20;
    assert_int_equal(pk_decode(&p, 1, k.b, (uint32_t)k.len, (uint32_t)k.len), 0);
    assert_int_equal(p.ip_proto, 17);
    assert_int_equal(p.sport, 5353);
    assert_int_equal(p.payload_len, 5);
}

static void test_vlan_qinq_and_depth(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    const uint16_t two[] = {100, 200}, three[] = {1, 2, 3};
    build_udp(&k, two, 2);
    assert_int_equal(pk_decode(&p, 1, k.b, (uint32_t)k.len, (uint32_t)k.len), 0);
    assert_int_equal(p.vlan_count, 2);
    assert_int_equal(p.vlan[0], 100);
    assert_int_equal(p.vlan[1], 200);
    assert_int_equal(p.ip_proto, 17);
    build_udp(&k, three, 3);
    assert_int_equal(pk_decode(&p, 1, k.b, (uint32_t)k.len, (uint32_t)k.len), MM_EPARSE);
    assert_int_equal(p.anomaly, MM_ANOM_TOO_DEEP);
    assert_string_equal(p.anomaly_event, "vlan.too_many_layers");
}

static void test_ipv4_fragments(void **state)
{
    (void)state;
    struct pkt k = {.len = 0};
    struct mm_packet p;
    size_t ip = pk_ipv4(&k, IP_A, IP_B, 17, 0x2000); /* MF, offset 0 */
    pk_udp(&k, 1000, 2000, "abcdefgh", 8);
    pk_set16(&k, ip + 20 + 4, 1000); /* UDP length of the whole datagram */
    pk_ipv4_done(&k, ip);
    assert_int_equal(pk_decode(&p, 12, k.b, (uint32_t)k.len, (uint32_t)k.len), 0);
    assert_true(p.fragment);
    assert_true(p.first_fragment);
    assert_int_equal(p.dport, 2000);
    assert_int_equal(p.payload_len, 8);
    memset(&k, 0, sizeof(k));
    ip = pk_ipv4(&k, IP_A, IP_B, 17, 185); /* later fragment */
    pk_put(&k, "xxxxxxxx", 8);
    pk_ipv4_done(&k, ip);
    assert_int_equal(pk_decode(&p, 12, k.b, (uint32_t)k.len, (uint32_t)k.len), 0);
    assert_true(p.fragment);
    assert_false(p.first_fragment);
    assert_int_equal(p.dport, 0);
}

static void test_ipv6_extension_headers(void **state)
{
    (void)state;
    struct pkt k = {.len = 0};
    struct mm_packet p;
    size_t ip = pk_ipv6(&k, IP6_A, IP6_B, 0);          /* hop-by-hop */
    const uint8_t hbh[8] = {60, 0, 1, 4, 0, 0, 0, 0};  /* next: destination options */
    const uint8_t dst[8] = {44, 0, 1, 4, 0, 0, 0, 0};  /* next: fragment */
    const uint8_t frag[8] = {17, 0, 0, 1, 0, 0, 0, 9}; /* offset 0, M set */
    pk_put(&k, hbh, 8);
    pk_put(&k, dst, 8);
    pk_put(&k, frag, 8);
    pk_udp(&k, 53, 5353, "dns", 3);
    pk_ipv6_done(&k, ip);
    assert_int_equal(pk_decode(&p, 229, k.b, (uint32_t)k.len, (uint32_t)k.len), 0);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.ip_proto, 17);
    assert_true(p.first_fragment);
    assert_int_equal(p.sport, 53);
    /* nine extension headers: too deep */
    memset(&k, 0, sizeof(k));
    ip = pk_ipv6(&k, IP6_A, IP6_B, 60);
    for (int i = 0; i < 9; i++) {
        const uint8_t opt[8] = {60, 0, 1, 4, 0, 0, 0, 0};
        pk_put(&k, opt, 8);
    }
    pk_ipv6_done(&k, ip);
    assert_int_equal(pk_decode(&p, 229, k.b, (uint32_t)k.len, (uint32_t)k.len), MM_EPARSE);
    assert_string_equal(p.anomaly_event, "ipv6.exthdr_too_many");
}

static void test_arp(void **state)
{
    (void)state;
    struct pkt k = {.len = 0};
    struct mm_packet p;
    pk_eth(&k, PK_MAC_A, PK_MAC_B, 0x0806);
    pk_u16(&k, 1);
    pk_u16(&k, 0x0800);
    pk_u8(&k, 6);
    pk_u8(&k, 4);
    pk_u16(&k, 2);
    pk_put(&k, PK_MAC_A, 6);
    pk_put(&k, IP_A, 4);
    pk_put(&k, PK_MAC_B, 6);
    pk_put(&k, IP_B, 4);
    assert_int_equal(pk_decode(&p, 1, k.b, (uint32_t)k.len, (uint32_t)k.len), 0);
    assert_true(p.is_arp);
    assert_int_equal(p.arp_op, 2);
    assert_memory_equal(p.arp_sha, PK_MAC_A, 6);
    assert_memory_equal(p.arp_tpa.bytes, IP_B, 4);
    assert_int_equal(p.ip_version, 0);
}

/* The same ICMP echo over each cooked/raw/loopback link type. */
static void test_link_types(void **state)
{
    (void)state;
    struct pkt ipk = {.len = 0};
    size_t ip = pk_ipv4(&ipk, IP_A, IP_B, 1, 0);
    const uint8_t echo[8] = {8, 0, 0, 0, 0, 1, 0, 1};
    pk_put(&ipk, echo, 8);
    pk_ipv4_done(&ipk, ip);
    struct {
        int dlt;
        uint8_t hdr[20];
        size_t hlen;
    } cases[] = {
        {113, {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00}, 16},
        {276, {0x08, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, 20},
        {12, {0}, 0},
        {101, {0}, 0},
        {228, {0}, 0},
        {0, {2, 0, 0, 0}, 4},
        {0, {0, 0, 0, 2}, 4},
        {108, {0, 0, 0, 2}, 4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pkt k = {.len = 0};
        struct mm_packet p;
        pk_put(&k, cases[i].hdr, cases[i].hlen);
        pk_put(&k, ipk.b, ipk.len);
        assert_int_equal(pk_decode(&p, cases[i].dlt, k.b, (uint32_t)k.len, (uint32_t)k.len), 0);
        assert_int_equal(p.ip_version, 4);
        assert_int_equal(p.ip_proto, 1);
        assert_int_equal(p.sport, 8); /* ICMP type */
        assert_memory_equal(p.dst.bytes, IP_B, 4);
        if (cases[i].dlt == 113 || cases[i].dlt == 276)
            assert_memory_equal(p.src_mac, PK_MAC_A, 6);
    }
    struct mm_packet p;
    assert_int_equal(pk_decode(&p, 9999, ipk.b, (uint32_t)ipk.len, (uint32_t)ipk.len),
                     MM_EUNSUPPORTED);
}

static void test_bad_tcp_option_is_anomaly_not_fatal(void **state)
{
    (void)state;
    struct pkt k = {.len = 0};
    struct mm_packet p;
    const uint8_t opts[4] = {2, 40, 5, 0xb4}; /* MSS claiming 40 bytes */
    pk_eth(&k, PK_MAC_A, PK_MAC_B, 0x0800);
    size_t ip = pk_ipv4(&k, IP_A, IP_B, 6, 0);
    pk_tcp(&k, 1, 2, 3, 0, 0x02, opts, 4, NULL, 0);
    pk_ipv4_done(&k, ip);
    assert_int_equal(pk_decode(&p, 1, k.b, (uint32_t)k.len, (uint32_t)k.len), 0);
    assert_int_equal(p.anomaly, MM_ANOM_BAD_OPTION);
    assert_string_equal(p.anomaly_event, "tcp.opt_invalid_len");
    assert_int_equal(p.dport, 2);
}

/* Every prefix of a packet: no crash; an anomaly unless the capture's snap
 * length explains the shortfall and all headers are present. */
static void truncate_everywhere(int dlt, const struct pkt *k)
{
    for (size_t cut = 0; cut < k->len; cut++) {
        struct mm_packet p;
        int r = pk_decode(&p, dlt, k->b, (uint32_t)cut, (uint32_t)cut);
        assert_int_not_equal(r, 0);
        assert_int_not_equal(p.anomaly, MM_ANOM_NONE);
        assert_non_null(p.anomaly_event);
        /* the same prefix, snapped from the full length: never a crash */
        (void)pk_decode(&p, dlt, k->b, (uint32_t)cut, (uint32_t)k->len);
    }
}

static void test_truncation_at_every_offset(void **state)
{
    (void)state;
    struct pkt k;
    build_tcp_syn(&k);
    truncate_everywhere(1, &k);
    const uint16_t two[] = {7, 8};
    build_udp(&k, two, 2);
    truncate_everywhere(1, &k);
    memset(&k, 0, sizeof(k));
    size_t ip = pk_ipv6(&k, IP6_A, IP6_B, 0);
    const uint8_t hbh[8] = {6, 0, 1, 4, 0, 0, 0, 0};
    pk_put(&k, hbh, 8);
    pk_tcp(&k, 1, 2, 3, 4, 0x02, SYN_OPTS, sizeof(SYN_OPTS), "data", 4);
    pk_ipv6_done(&k, ip);
    truncate_everywhere(229, &k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eth_ipv4_tcp_syn),
        cmocka_unit_test(test_udp_padding_trimmed),
        cmocka_unit_test(test_vlan_qinq_and_depth),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_ipv6_extension_headers),
        cmocka_unit_test(test_arp),
        cmocka_unit_test(test_link_types),
        cmocka_unit_test(test_bad_tcp_option_is_anomaly_not_fatal),
        cmocka_unit_test(test_truncation_at_every_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
