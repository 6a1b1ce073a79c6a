/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for TCP stream reassembly: data split over segments,
 * retransmissions and overlaps (first copy wins), out-of-order segments
 * held and spliced, gaps when a hole cannot be held, the per-direction
 * depth and the global memory cap; buffers are released. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sensor/flowtable.h"

static struct mm_flow_table *t;
static struct mm_flow *f;

static struct mm_packet seg(uint32_t seq, uint8_t flags, const char *data)
{
    struct mm_packet p;
    memset(&p, 0, sizeof(p));
    mm_addr_parse("10.0.0.1", &p.src);
    mm_addr_parse("10.0.0.2", &p.dst);
    p.ip_version = 4;
    p.ip_proto = 6;
    p.sport = 1000;
    p.dport = 80;
    p.tcp_seq = seq;
    p.tcp_flags = flags;
    p.payload = (const uint8_t *)data;
    p.payload_len = (uint32_t)strlen(data);
    p.ts.tv_sec = 100;
    p.len = 60 + p.payload_len;
    return p;
}

static void send(uint32_t seq, uint8_t flags, const char *data)
{
    struct mm_packet p = seg(seq, flags, data);
    mm_flow_clock_update(t, &p.ts);
    f = mm_flow_packet(t, &p);
    assert_non_null(f);
    mm_stream_packet(t, f, &p, true);
}

static void expect(const char *s)
{
    assert_int_equal(f->dir[0].buf_len, strlen(s));
    assert_memory_equal(f->dir[0].buf, s, strlen(s));
}

static int setup_caps(uint32_t depth, uint32_t ooo, size_t memcap)
{
    struct mm_flow_config c;
    mm_flow_config_defaults(&c);
    c.stream_depth = depth;
    c.stream_ooo = ooo;
    c.stream_memcap = memcap;
    return mm_flow_table_new(&c, NULL, NULL, &t);
}

static int setup(void **state)
{
    (void)state;
    return setup_caps(4096, 64, 1 << 20);
}

static int teardown(void **state)
{
    (void)state;
    mm_flow_table_free(t);
    t = NULL;
    return 0;
}

static void test_split_in_order(void **state)
{
    (void)state;
    send(999, 0x02, "");
    send(1000, 0x18, "GET / HT");
    send(1008, 0x18, "TP/1.1\r\n");
    expect("GET / HTTP/1.1\r\n");
    mm_stream_consume(t, f, 0, 6);
    expect("HTTP/1.1\r\n");
}

static void test_retransmit_and_overlap(void **state)
{
    (void)state;
    send(999, 0x02, "");
    send(1000, 0x18, "abcd");
    send(1000, 0x18, "abcd"); /* retransmission */
    send(1002, 0x18, "XXef"); /* overlap: first copy of "cd" wins */
    expect("abcdef");
    assert_int_equal(mm_flow_stats(t)->stream_retransmits, 1);
}

static void test_out_of_order_spliced(void **state)
{
    (void)state;
    send(999, 0x02, "");
    send(1004, 0x18, "efgh");
    send(1008, 0x18, "ijkl");
    expect("");
    send(1000, 0x18, "abcd");
    expect("abcdefghijkl");
    assert_int_equal(f->dir[0].ooo_bytes, 0);
    assert_false(f->dir[0].gap);
}

static void test_unfillable_hole_is_gap(void **state)
{
    (void)state;
    send(999, 0x02, "");
    send(1000, 0x18, "ab");
    /* 100 bytes ahead of a hole: over the 64-byte out-of-order cap */
    char big[101];
    memset(big, 'z', 100);
    big[100] = '\0';
    send(1010, 0x18, big);
    assert_true(f->dir[0].gap);
    assert_null(f->dir[0].buf);
    assert_int_equal(mm_stream_memuse(t), 0);
    send(1002, 0x18, "cd"); /* after a gap nothing more is buffered */
    assert_int_equal(f->dir[0].buf_len, 0);
}

/* 1-byte segments, each ahead of a hole: at most 256 are held, the next
 * marks a gap (insertion cost and memory stay bounded). */
static void test_held_segment_count_cap(void **state)
{
    (void)state;
    teardown(state);
    assert_int_equal(setup_caps(4096, 64 * 1024, 1 << 20), 0);
    send(999, 0x02, "");
    for (uint32_t i = 0; i < 256; i++)
        send(1002 + 2 * i, 0x18, "x");
    assert_false(f->dir[0].gap);
    assert_int_equal(f->dir[0].ooo_bytes, 256);
    send(1002 + 2 * 256, 0x18, "x");
    assert_true(f->dir[0].gap);
    assert_int_equal(mm_flow_stats(t)->stream_gaps, 1);
    assert_int_equal(mm_stream_memuse(t), 0);
}

/* Held segments arriving in reverse and in order are spliced correctly. */
static void test_held_segments_sorted(void **state)
{
    (void)state;
    send(999, 0x02, "");
    send(1006, 0x18, "gh");
    send(1004, 0x18, "ef");
    send(1008, 0x18, "ij");
    send(1002, 0x18, "cd");
    send(1000, 0x18, "ab");
    expect("abcdefghij");
    assert_int_equal(f->dir[0].ooo_count, 0);
    send(1012, 0x18, "mn");
    send(1010, 0x18, "kl");
    expect("abcdefghijklmn");
}

static void test_depth_cap(void **state)
{
    (void)state;
    teardown(NULL);
    assert_int_equal(setup_caps(1024, 64, 1 << 20), 0);
    char chunk[601];
    memset(chunk, 'a', 600);
    chunk[600] = '\0';
    send(999, 0x02, "");
    send(1000, 0x18, chunk);
    assert_false(f->dir[0].gap);
    send(1600, 0x18, chunk); /* 1200 unconsumed bytes > depth 1024 */
    assert_true(f->dir[0].gap);
    assert_int_equal(mm_flow_stats(t)->stream_gaps, 1);
}

static void test_memcap(void **state)
{
    (void)state;
    teardown(NULL);
    assert_int_equal(setup_caps(1 << 20, 64, 1 << 16), 0);
    static char chunk[40001];
    memset(chunk, 'a', 40000);
    send(999, 0x02, "");
    send(1000, 0x18, chunk);
    send(41000, 0x18, chunk); /* would need 128 KiB of buffer > memcap */
    assert_true(f->dir[0].gap);
    assert_int_equal(mm_flow_stats(t)->stream_memcap_hits, 1);
}

static void test_midstream_pickup(void **state)
{
    (void)state;
    send(777777, 0x18, "mid");
    send(777780, 0x18, "stream");
    expect("midstream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_split_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retransmit_and_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order_spliced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfillable_hole_is_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_segment_count_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_segments_sorted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memcap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_midstream_pickup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
