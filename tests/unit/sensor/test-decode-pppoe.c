/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the PPPoE decoder (decode-pppoe.c) on crafted frames:
 * IPv4 and IPv6 inside session frames (also behind a VLAN tag and with a
 * compressed PPP protocol field), link control (LCP) and discovery frames
 * skipped without an anomaly, the anomalies (version/type, code, length
 * beyond the capture, zero length, broken discovery tags), snapped captures,
 * truncation of every test frame at every byte offset, and the session id
 * in the flow key (two sessions carrying the same addresses and ports are
 * two flows, with the same Community ID). */
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
#include "sensor/flow.h"
#include "sensor/flowtable.h"

#define DLT_EN10MB 1
#define SESSION_ID 0x1a2b

static const uint8_t IP_A[4] = {192, 168, 1, 10}, IP_B[4] = {203, 0, 113, 5};
static const uint8_t IP6_A[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t IP6_B[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static int decode_all(struct mm_packet *p, const struct pkt *k)
{
    return pk_decode(p, DLT_EN10MB, k->b, (uint32_t)k->len, (uint32_t)k->len);
}

/* The 6-byte PPPoE header with a zero length; returns its offset for
 * pppoe_done(), which sets the length to everything written after it. */
static size_t pppoe_hdr(struct pkt *k, uint8_t code, uint16_t session)
{
    size_t start = k->len;
    pk_u8(k, 0x11);
    pk_u8(k, code);
    pk_u16(k, session);
    pk_u16(k, 0);
    return start;
}

static void pppoe_done(struct pkt *k, size_t start)
{
    pk_set16(k, start + 4, (uint16_t)(k->len - start - 6));
}

/* Ethernet + PPPoE session + PPP IPv4 + UDP 5353 -> 53 "hello". */
static void build_session_ipv4(struct pkt *k, bool vlan)
{
    memset(k, 0, sizeof(*k));
    if (vlan) {
        pk_eth(k, PK_MAC_A, PK_MAC_B, 0x8100);
        pk_u16(k, 35);
        pk_u16(k, 0x8864);
    } else {
        pk_eth(k, PK_MAC_A, PK_MAC_B, 0x8864);
    }
    size_t pppoe = pppoe_hdr(k, 0, SESSION_ID);
    pk_u16(k, 0x0021);
    size_t ip = pk_ipv4(k, IP_A, IP_B, 17, 0);
    pk_udp(k, 5353, 53, "hello", 5);
    pk_ipv4_done(k, ip);
    pppoe_done(k, pppoe);
}

/* Ethernet + PPPoE session + PPP IPv6 + TCP SYN 51000 -> 443. */
static void build_session_ipv6(struct pkt *k)
{
    memset(k, 0, sizeof(*k));
    pk_eth(k, PK_MAC_A, PK_MAC_B, 0x8864);
    size_t pppoe = pppoe_hdr(k, 0, SESSION_ID);
    pk_u16(k, 0x0057);
    size_t ip = pk_ipv6(k, IP6_A, IP6_B, 6);
    pk_tcp(k, 51000, 443, 1000, 0, 0x02, NULL, 0, NULL, 0);
    pk_ipv6_done(k, ip);
    pppoe_done(k, pppoe);
}

/* Ethernet + PPPoE session + LCP Echo-Request (id 1, magic number). */
static void build_session_lcp(struct pkt *k)
{
    memset(k, 0, sizeof(*k));
    pk_eth(k, PK_MAC_A, PK_MAC_B, 0x8864);
    size_t pppoe = pppoe_hdr(k, 0, SESSION_ID);
    pk_u16(k, 0xc021);
    const uint8_t echo[] = {9, 1, 0, 8, 0x12, 0x34, 0x56, 0x78};
    pk_put(k, echo, sizeof(echo));
    pppoe_done(k, pppoe);
}

/* Ethernet + PPPoE discovery (code) with Service-Name "" and Host-Uniq. */
static void build_discovery(struct pkt *k, uint8_t code, uint16_t session)
{
    memset(k, 0, sizeof(*k));
    pk_eth(k, PK_MAC_A, PK_MAC_B, 0x8863);
    size_t pppoe = pppoe_hdr(k, code, session);
    pk_u16(k, 0x0101); /* Service-Name, empty: any service */
    pk_u16(k, 0);
    pk_u16(k, 0x0103); /* Host-Uniq */
    pk_u16(k, 4);
    pk_u32(k, 0xdeadbeef);
    pppoe_done(k, pppoe);
}

static void test_ipv4_in_session(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    build_session_ipv4(&k, false);
    memset(k.b + k.len, 0, 10); /* Ethernet padding after the PPPoE payload */
    k.len += 10;
    assert_int_equal(decode_all(&p, &k), 0);
    assert_int_equal(p.anomaly, MM_ANOM_NONE);
    assert_true(p.pppoe);
    assert_int_equal(p.pppoe_session, SESSION_ID);
    assert_int_equal(p.ppp_proto, 0x0021);
    assert_int_equal(p.ethertype, 0x0800);
    assert_int_equal(p.ip_version, 4);
    assert_memory_equal(p.src.bytes, IP_A, 4);
    assert_memory_equal(p.dst.bytes, IP_B, 4);
    assert_int_equal(p.ip_proto, 17);
    assert_int_equal(p.sport, 5353);
    assert_int_equal(p.dport, 53);
    assert_int_equal(p.payload_len, 5);
}

static void test_ipv4_in_session_behind_vlan(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    build_session_ipv4(&k, true);
    assert_int_equal(decode_all(&p, &k), 0);
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 35);
    assert_true(p.pppoe);
    assert_int_equal(p.ip_version, 4);
    assert_int_equal(p.dport, 53);
}

static void test_ipv6_in_session(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    build_session_ipv6(&k);
    assert_int_equal(decode_all(&p, &k), 0);
    assert_int_equal(p.anomaly, MM_ANOM_NONE);
    assert_true(p.pppoe);
    assert_int_equal(p.ppp_proto, 0x0057);
    assert_int_equal(p.ip_version, 6);
    assert_memory_equal(p.src.bytes, IP6_A, 16);
    assert_int_equal(p.ip_proto, 6);
    assert_int_equal(p.sport, 51000);
    assert_int_equal(p.dport, 443);
    assert_int_equal(p.tcp_flags, 0x02);
}

/* Protocol-field compression (RFC 1661): one byte 0x21 for IPv4. */
static void test_compressed_protocol_field(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    memset(&k, 0, sizeof(k));
    pk_eth(&k, PK_MAC_A, PK_MAC_B, 0x8864);
    size_t pppoe = pppoe_hdr(&k, 0, SESSION_ID);
    pk_u8(&k, 0x21);
    size_t ip = pk_ipv4(&k, IP_A, IP_B, 17, 0);
    pk_udp(&k, 1000, 2000, "x", 1);
    pk_ipv4_done(&k, ip);
    pppoe_done(&k, pppoe);
    assert_int_equal(decode_all(&p, &k), 0);
    assert_int_equal(p.ppp_proto, 0x21);
    assert_int_equal(p.ip_version, 4);
    assert_int_equal(p.dport, 2000);
}

static void test_lcp_is_skipped(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    build_session_lcp(&k);
    assert_int_equal(decode_all(&p, &k), 0);
    assert_int_equal(p.anomaly, MM_ANOM_NONE);
    assert_true(p.pppoe);
    assert_int_equal(p.ppp_proto, 0xc021);
    assert_int_equal(p.ip_version, 0);
    assert_null(p.l4);
}

static void test_discovery_is_skipped(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    const uint8_t codes[] = {0x09, 0x07, 0x19, 0x65, 0xa7}; /* PADI PADO PADR PADS PADT */
    for (size_t i = 0; i < sizeof(codes); i++) {
        build_discovery(&k, codes[i], codes[i] == 0x09 ? 0 : SESSION_ID);
        assert_int_equal(decode_all(&p, &k), 0);
        assert_int_equal(p.anomaly, MM_ANOM_NONE);
        assert_true(p.pppoe);
        assert_int_equal(p.ethertype, 0x8863);
        assert_int_equal(p.ip_version, 0);
    }
    /* PADT without tags */
    memset(&k, 0, sizeof(k));
    pk_eth(&k, PK_MAC_A, PK_MAC_B, 0x8863);
    pppoe_hdr(&k, 0xa7, SESSION_ID);
    assert_int_equal(decode_all(&p, &k), 0);
    assert_int_equal(p.anomaly, MM_ANOM_NONE);
    assert_int_equal(p.pppoe_session, SESSION_ID);
}

static void test_discovery_anomalies(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    build_discovery(&k, 0x42, 0); /* no such code */
    assert_int_equal(decode_all(&p, &k), MM_EPARSE);
    assert_string_equal(p.anomaly_event, "pppoe.wrong_code");
    build_discovery(&k, 0x09, 0);
    k.b[14 + 6 + 4 + 3] = 40; /* Host-Uniq claims 40 bytes, 4 follow */
    assert_int_equal(decode_all(&p, &k), MM_EPARSE);
    assert_int_equal(p.anomaly, MM_ANOM_BAD_OPTION);
    assert_string_equal(p.anomaly_event, "pppoe.malformed_tags");
    /* many empty tags: the walk is capped */
    memset(&k, 0, sizeof(k));
    pk_eth(&k, PK_MAC_A, PK_MAC_B, 0x8863);
    size_t pppoe = pppoe_hdr(&k, 0x09, 0);
    for (int i = 0; i < 100; i++)
        pk_u32(&k, 0x01010000);
    pppoe_done(&k, pppoe);
    assert_int_equal(decode_all(&p, &k), MM_EPARSE);
    assert_int_equal(p.anomaly, MM_ANOM_TOO_DEEP);
    assert_string_equal(p.anomaly_event, "pppoe.too_many_tags");
}

static void test_bad_version_type_and_code(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    build_session_ipv4(&k, false);
    k.b[14] = 0x21; /* version 2 */
    assert_int_equal(decode_all(&p, &k), MM_EPARSE);
    assert_int_equal(p.anomaly, MM_ANOM_BAD_VERSION);
    assert_string_equal(p.anomaly_layer, "pppoe");
    assert_string_equal(p.anomaly_event, "pppoe.wrong_version");
    assert_int_equal(p.ip_version, 0);
    k.b[14] = 0x12; /* type 2 */
    assert_int_equal(decode_all(&p, &k), MM_EPARSE);
    assert_string_equal(p.anomaly_event, "pppoe.wrong_version");
    build_session_ipv4(&k, false);
    k.b[15] = 0x09; /* a discovery code in a session frame */
    assert_int_equal(decode_all(&p, &k), MM_EPARSE);
    assert_string_equal(p.anomaly_event, "pppoe.wrong_code");
    assert_int_equal(p.ip_version, 0);
}

static void test_length_beyond_capture(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    build_session_ipv4(&k, false);
    pk_set16(&k, 14 + 4, 1400); /* declared: 1400 bytes; captured: far fewer */
    assert_int_equal(decode_all(&p, &k), MM_ETRUNC);
    assert_int_equal(p.anomaly, MM_ANOM_TRUNCATED);
    assert_string_equal(p.anomaly_event, "pppoe.trunc_pkt");
    assert_int_equal(p.ip_version, 0);
    /* the same bytes cut by the snap length (original 1420): decoded */
    assert_int_equal(pk_decode(&p, DLT_EN10MB, k.b, (uint32_t)k.len, 1420), 0);
    assert_int_equal(p.anomaly, MM_ANOM_NONE);
    assert_int_equal(p.ip_version, 4);
    assert_int_equal(p.dport, 53);
    /* a PPPoE length shorter than the IP packet: IPv4 sees the cut */
    build_session_ipv4(&k, false);
    pk_set16(&k, 14 + 4, 2 + 24);
    assert_int_equal(decode_all(&p, &k), MM_ETRUNC);
    assert_string_equal(p.anomaly_event, "ipv4.trunc_pkt");
}

static void test_zero_length(void **state)
{
    (void)state;
    struct pkt k;
    struct mm_packet p;
    memset(&k, 0, sizeof(k));
    pk_eth(&k, PK_MAC_A, PK_MAC_B, 0x8864);
    pppoe_hdr(&k, 0, SESSION_ID);
    assert_int_equal(decode_all(&p, &k), MM_EPARSE);
    assert_int_equal(p.anomaly, MM_ANOM_BAD_LENGTH);
    assert_string_equal(p.anomaly_event, "pppoe.session_too_small");
    /* zero length with padding after it: the padding is not a PPP frame */
    memset(k.b + k.len, 0, 26);
    k.len += 26;
    assert_int_equal(decode_all(&p, &k), MM_EPARSE);
    assert_string_equal(p.anomaly_event, "pppoe.session_too_small");
    assert_int_equal(p.ip_version, 0);
}

/* Every prefix of a frame: no crash, always an anomaly; the same prefix
 * snapped from the full length never crashes either. */
static void truncate_everywhere(const struct pkt *k)
{
    for (size_t cut = 0; cut < k->len; cut++) {
        struct mm_packet p;
        int r = pk_decode(&p, DLT_EN10MB, k->b, (uint32_t)cut, (uint32_t)cut);
        assert_int_not_equal(r, 0);
        assert_int_not_equal(p.anomaly, MM_ANOM_NONE);
        assert_non_null(p.anomaly_event);
        (void)pk_decode(&p, DLT_EN10MB, k->b, (uint32_t)cut, (uint32_t)k->len);
    }
}

static void test_truncation_at_every_offset(void **state)
{
    (void)state;
    struct pkt k;
    build_session_ipv4(&k, false);
    truncate_everywhere(&k);
    build_session_ipv4(&k, true);
    truncate_everywhere(&k);
    build_session_ipv6(&k);
    truncate_everywhere(&k);
    build_session_lcp(&k);
    truncate_everywhere(&k);
    build_discovery(&k, 0x19, 0);
    truncate_everywhere(&k);
}

/* Ethernet + PPPoE session + PPP IPv4 + UDP 40000 -> 53 (or the reply),
 * in the given session. */
static void build_session_udp(struct pkt *k, uint16_t session, bool reply)
{
    memset(k, 0, sizeof(*k));
    pk_eth(k, reply ? PK_MAC_B : PK_MAC_A, reply ? PK_MAC_A : PK_MAC_B, 0x8864);
    size_t pppoe = pppoe_hdr(k, 0, session);
    pk_u16(k, 0x0021);
    size_t ip = pk_ipv4(k, reply ? IP_B : IP_A, reply ? IP_A : IP_B, 17, 0);
    pk_udp(k, reply ? 53 : 40000, reply ? 40000 : 53, "hello", 5);
    pk_ipv4_done(k, ip);
    pppoe_done(k, pppoe);
}

/* The same, not in PPPoE. */
static void build_plain_udp(struct pkt *k)
{
    memset(k, 0, sizeof(*k));
    pk_eth(k, PK_MAC_A, PK_MAC_B, 0x0800);
    size_t ip = pk_ipv4(k, IP_A, IP_B, 17, 0);
    pk_udp(k, 40000, 53, "hello", 5);
    pk_ipv4_done(k, ip);
}

static struct mm_flow *flow_of(struct mm_flow_table *t, const struct pkt *k, int *dir)
{
    struct mm_packet p;
    assert_int_equal(decode_all(&p, k), 0);
    p.ts.tv_sec = 1700000000;
    mm_flow_clock_update(t, &p.ts);
    struct mm_flow *f = mm_flow_packet(t, &p);
    assert_non_null(f);
    *dir = p.dir;
    return f;
}

/* Two PPPoE sessions are two links, as two VLANs are: the same inner
 * 5-tuple in each is two flows (a reply in a session joins its own), and
 * the same 5-tuple outside PPPoE a third. Session 0 is a session too. The
 * Community ID stays the standard one over the 5-tuple alone. */
static void test_session_in_flow_key(void **state)
{
    (void)state;
    struct mm_flow_config c;
    mm_flow_config_defaults(&c);
    struct mm_flow_table *t;
    assert_int_equal(mm_flow_table_new(&c, NULL, NULL, &t), 0);
    struct pkt k;
    int dir;
    build_session_udp(&k, 0x0101, false);
    struct mm_flow *a = flow_of(t, &k, &dir);
    assert_int_equal(dir, 0);
    build_session_udp(&k, 0x0202, false);
    struct mm_flow *b = flow_of(t, &k, &dir);
    assert_ptr_not_equal(a, b);
    build_session_udp(&k, 0x0202, true);
    assert_ptr_equal(flow_of(t, &k, &dir), b);
    assert_int_equal(dir, 1);
    build_session_udp(&k, 0x0101, true);
    assert_ptr_equal(flow_of(t, &k, &dir), a);
    assert_int_equal(dir, 1);
    build_plain_udp(&k);
    struct mm_flow *plain = flow_of(t, &k, &dir);
    assert_ptr_not_equal(plain, a);
    assert_ptr_not_equal(plain, b);
    build_session_udp(&k, 0, false);
    struct mm_flow *zero = flow_of(t, &k, &dir);
    assert_ptr_not_equal(zero, plain);
    assert_ptr_not_equal(zero, a);
    assert_int_equal(mm_flow_count(t), 4);
    assert_int_equal(a->dir[0].pkts, 1);
    assert_int_equal(a->dir[1].pkts, 1);
    assert_int_equal(b->dir[0].pkts, 1);
    assert_int_equal(b->dir[1].pkts, 1);
    assert_string_equal(mm_flow_community_id(a), mm_flow_community_id(plain));
    assert_string_equal(mm_flow_community_id(b), mm_flow_community_id(plain));
    assert_string_equal(mm_flow_community_id(zero), mm_flow_community_id(plain));
    mm_flow_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_in_session),
        cmocka_unit_test(test_ipv4_in_session_behind_vlan),
        cmocka_unit_test(test_ipv6_in_session),
        cmocka_unit_test(test_compressed_protocol_field),
        cmocka_unit_test(test_lcp_is_skipped),
        cmocka_unit_test(test_discovery_is_skipped),
        cmocka_unit_test(test_discovery_anomalies),
        cmocka_unit_test(test_bad_version_type_and_code),
        cmocka_unit_test(test_length_beyond_capture),
        cmocka_unit_test(test_zero_length),
        cmocka_unit_test(test_truncation_at_every_offset),
        cmocka_unit_test(test_session_in_flow_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
