/* SPDX-License-Identifier: Apache-2.0
 * The direct flow record writer (eve-flow.c) produces exactly the bytes of
 * the JSON path (mm__flow_event serialised as an EVE line): TCP with
 * various flags and states, UDP with an application, ICMP without ports,
 * IPv6, an alerted flow, a flow id of 0, VLAN tags, and every buffer size
 * up to the line's (the whole line or nothing);
 * every protocol name and IPv4 octets of one, two and three digits (the
 * writer formats those and knows the names' lengths itself).
 * The VLAN ids are part of the flow key: one 5-tuple on two VLANs is two flows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/eve.h"
#include "sensor/decode/decode.h"
#include "sensor/sensor-int.h"

static struct mm_flow_table *t;
static struct mm_flow *last;

static void on_end(void *arg, struct mm_flow *f, const char *reason)
{
    (void)arg;
    (void)f;
    (void)reason;
}

static int setup(void **state)
{
    (void)state;
    struct mm_flow_config c;
    mm_flow_config_defaults(&c);
    return mm_flow_table_new(&c, on_end, NULL, &t);
}

static int teardown(void **state)
{
    (void)state;
    mm_flow_table_free(t);
    return 0;
}

static uint16_t next_vlans[2];
static uint8_t next_vlan_count;

static void feed(const char *src, uint16_t sp, const char *dst, uint16_t dp, uint8_t proto,
                 uint8_t flags, long sec, long usec, uint32_t len)
{
    struct mm_packet p;
    memset(&p, 0, sizeof(p));
    memcpy(p.vlan, next_vlans, sizeof p.vlan);
    p.vlan_count = next_vlan_count;
    assert_int_equal(mm_addr_parse(src, &p.src), 0);
    assert_int_equal(mm_addr_parse(dst, &p.dst), 0);
    p.ip_version = p.src.family;
    p.ip_proto = proto;
    p.sport = sp;
    p.dport = dp;
    p.tcp_flags = flags;
    p.ts.tv_sec = sec;
    p.ts.tv_usec = usec;
    p.len = p.caplen = len;
    mm_flow_clock_update(t, &p.ts);
    last = mm_flow_packet(t, &p);
    assert_non_null(last);
}

/* Both paths for the flow just fed, compared byte for byte. */
static void same_bytes(const char *reason)
{
    char line[2048];
    size_t n = mm__flow_line(last, reason, line, sizeof(line));
    assert_true(n > 0);
    json_t *ev = mm__flow_event(last, reason);
    assert_non_null(ev);
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_eve_write_line(ev, &b), 0);
    json_decref(ev);
    line[n] = '\0';
    assert_string_equal(line, mm_buf_str(&b));
    mm_buf_free(&b);
    /* every smaller buffer: the whole line or nothing (0 when it does not fit) */
    for (size_t cap = 0; cap <= n + 1; cap++) {
        char small[2048];
        size_t m = mm__flow_line(last, reason, small, cap);
        assert_int_equal(m, cap > n ? n : 0);
        if (m)
            assert_memory_equal(small, line, n);
    }
}

static void test_tcp_flows(void **state)
{
    (void)state;
    feed("10.0.0.1", 40000, "10.0.0.2", 80, 6, 0x02, 1775000000, 5, 60);
    same_bytes("timeout");
    feed("10.0.0.2", 80, "10.0.0.1", 40000, 6, 0x12, 1775000001, 999999, 60);
    feed("10.0.0.1", 40000, "10.0.0.2", 80, 6, 0x11, 1775000003, 0, 1500);
    last->alerted = true;
    same_bytes("shutdown");
    feed("192.168.1.255", 1, "8.8.8.8", 65535, 6, 0xff, 1775000004, 10, 40);
    same_bytes("forced");
}

static void test_udp_icmp_ipv6(void **state)
{
    (void)state;
    feed("192.168.1.10", 5353, "224.0.0.251", 5353, 17, 0, 1775000000, 1, 100);
    last->app = mm_app_decoders[0];
    same_bytes("timeout");
    last->app = NULL;
    feed("10.1.2.3", 0, "10.1.2.4", 0, 1, 0, 1775000000, 2, 84);
    same_bytes("timeout");
    feed("2001:db8::1", 1234, "2001:db8::53", 53, 17, 0, 1775000000, 3, 90);
    same_bytes("timeout");
    feed("fe80::1", 0, "ff02::1", 0, 58, 0, 1775000000, 4, 90);
    last->id = 0;
    same_bytes("timeout");
}

static void test_protocols_and_addresses(void **state)
{
    (void)state;
    static const uint8_t protos[] = {132, 47, 50, 103, 58, 1, 17, 6};
    for (size_t i = 0; i < sizeof protos; i++) {
        feed("0.10.100.255", 7, "255.1.22.0", 9, protos[i], 0x10, 1775000000, 5, 60);
        same_bytes("timeout");
        feed("255.1.22.0", 9, "0.10.100.255", 7, protos[i], 0x04, 1775000001, 5, 60);
        same_bytes("forced");
    }
}

static void on_vlans(uint16_t outer, uint16_t inner, uint8_t count)
{
    next_vlans[0] = outer;
    next_vlans[1] = inner;
    next_vlan_count = count;
}

static void test_vlans(void **state)
{
    (void)state;
    on_vlans(10, 0, 1);
    feed("192.168.1.10", 5000, "192.168.1.1", 53, 17, 0, 1775000000, 1, 80);
    struct mm_flow *on10 = last;
    same_bytes("timeout");
    on_vlans(20, 0, 1);
    feed("192.168.1.10", 5000, "192.168.1.1", 53, 17, 0, 1775000000, 2, 80);
    assert_ptr_not_equal(last, on10);
    same_bytes("timeout");
    feed("192.168.1.1", 53, "192.168.1.10", 5000, 17, 0, 1775000000, 3, 80); /* reply, VLAN 20 */
    assert_int_equal(last->dir[1].pkts, 1);
    assert_int_equal(on10->dir[1].pkts, 0);
    on_vlans(100, 200, 2);
    feed("192.168.1.10", 5000, "192.168.1.1", 53, 17, 0, 1775000000, 4, 80);
    assert_ptr_not_equal(last, on10);
    same_bytes("timeout");
    char line[2048];
    size_t n = mm__flow_line(last, "timeout", line, sizeof line);
    line[n] = '\0';
    assert_non_null(strstr(line, "\"event_type\":\"flow\",\"vlan\":[100,200],\"src_ip\""));
    on_vlans(0, 0, 0);
    assert_int_equal(mm_flow_count(t), 3);
}

/* The start time in the same second as the end (copied from it with the
 * microseconds patched), in another second, and with microseconds out of
 * range (carried into the seconds by the time writer, not patched). */
static void test_times(void **state)
{
    (void)state;
    feed("10.0.0.1", 1000, "10.0.0.2", 53, 17, 0, 1775000000, 123456, 60);
    same_bytes("timeout"); /* one packet: start == end */
    feed("10.0.0.2", 53, "10.0.0.1", 1000, 17, 0, 1775000000, 654321, 60);
    same_bytes("timeout"); /* same second */
    static const long usecs[][2] = {
        {0, 999999},  {999999, 0},  {-1, 5},  {5, -1}, {1000000, 999999},
        {7, 1000000}, {-999999, 3}, {42, 42}, {0, 0},  {999999, 999999}};
    static const long long secs[][2] = {{1775000000, 1775000000},
                                        {1775000000, 1775000001},
                                        {1774999999, 1775000000},
                                        {-5, -5},
                                        {400000000000LL, 400000000000LL}};
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
        for (size_t j = 0; j < sizeof usecs / sizeof usecs[0]; j++) {
            last->start.tv_sec = (time_t)secs[i][0];
            last->last.tv_sec = (time_t)secs[i][1];
            last->start.tv_usec = usecs[j][0];
            last->last.tv_usec = usecs[j][1];
            same_bytes("timeout");
        }
}

/* Numbers at the edges of the decimal writer's steps (10^8, 10^16). */
static void test_numbers(void **state)
{
    (void)state;
    feed("10.0.0.1", 65535, "10.0.0.2", 0, 6, 0x02, 1775000000, 1, 60);
    static const uint64_t values[] = {0,
                                      9,
                                      10,
                                      99,
                                      100,
                                      99999999,
                                      100000000,
                                      4294967295ULL,
                                      4294967296ULL,
                                      9999999999999999ULL,
                                      10000000000000000ULL,
                                      9223372036854775807ULL,
                                      UINT64_MAX};
    size_t n = sizeof values / sizeof values[0];
    for (size_t i = 0; i < n; i++) {
        last->id = values[i];
        last->dir[0].pkts = values[(i + 1) % n];
        last->dir[1].pkts = values[(i + 2) % n];
        last->dir[0].bytes = values[(i + 3) % n];
        last->dir[1].bytes = values[(i + 4) % n];
        same_bytes("timeout");
    }
}

/* The longest line this test can make (IPv6 addresses, two VLAN tags, all
 * TCP flags, the largest numbers) into heap buffers of every size from its
 * length up: buffers with room for the bound are written in place, the
 * others through the scratch buffer; ASan sees any write past the end. */
static void test_tight_buffers(void **state)
{
    (void)state;
    on_vlans(4095, 4094, 2);
    feed("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535,
         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65534, 6, 0xff, 1775000000, 999999, 1500);
    on_vlans(0, 0, 0);
    last->app = mm_app_decoders[0];
    last->id = UINT64_MAX;
    last->dir[0].pkts = last->dir[1].pkts = UINT64_MAX;
    last->dir[0].bytes = last->dir[1].bytes = UINT64_MAX;
    last->dir[1].tcp_flags = 0xff;
    last->alerted = false;
    last->start.tv_sec = 0;
    same_bytes("shutdown");
    char line[2048];
    size_t n = mm__flow_line(last, "shutdown", line, sizeof line);
    assert_true(n > 0);
    for (size_t cap = n + 1; cap <= 2048; cap++) {
        char *b = malloc(cap);
        assert_non_null(b);
        assert_int_equal(mm__flow_line(last, "shutdown", b, cap), n);
        assert_memory_equal(b, line, n);
        free(b);
    }
    last->app = NULL;
}

/* IPv6 texts of every shape inet_ntop gives (zero runs, the embedded IPv4
 * forms), written by the flow line's own IPv6 writer */
static void test_ipv6_texts(void **state)
{
    (void)state;
    static const char *const addrs[] = {"::",
                                        "::1",
                                        "::1.2.3.4",
                                        "::ffff:1.2.3.4",
                                        "::ffff:0:0",
                                        "1::",
                                        "1:0:0:1::",
                                        "fe80::1:0:0:1",
                                        "0:0:1::",
                                        "::fffe:1.2.3.4",
                                        "1:2:3:4:5:6:7:8",
                                        "2001:db8:0:1:0:0:0:1"};
    size_t n = sizeof addrs / sizeof addrs[0];
    for (size_t i = 0; i < n; i++) {
        feed(addrs[i], 1, addrs[(i + 1) % n], 2, 17, 0, 1775000000, (long)i, 60);
        same_bytes("timeout");
    }
}

/* Every TCP flag byte, each way and both ways (the flags' order in the line) */
static void test_every_tcp_flag(void **state)
{
    (void)state;
    feed("10.0.0.1", 40000, "10.0.0.2", 443, 6, 0x02, 1775000000, 1, 60);
    for (unsigned v = 0; v < 256; v++) {
        last->dir[0].tcp_flags = (uint8_t)v;
        last->dir[1].tcp_flags = (uint8_t)(v * 7);
        same_bytes("timeout");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tcp_flows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_icmp_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vlans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protocols_and_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tight_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_texts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_tcp_flag, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
