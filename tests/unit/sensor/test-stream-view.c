/* SPDX-License-Identifier: Apache-2.0
 * The stream's borrowed views (mm_stream_packet_view, mm_stream_keep): an
 * in-order segment that finds nothing waiting is read from the packet
 * itself, no buffer is allocated while the decoder consumes everything,
 * leftovers are copied by keep and continue with the next segment, and a
 * view is never freed. A differential run feeds the same random segments
 * (overlaps, retransmissions, out-of-order, depth gaps) to a copying table
 * and a viewing one, with a decoder that consumes random amounts, and
 * requires the same bytes to reach the decoder; each packet's bytes are
 * overwritten after keep, so a view that outlived its packet shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sensor/flowtable.h"
#include "../test-rand.h"

#define STREAM_LEN 60000
#define SEG_MAX    1500

static struct mm_flow_table *new_table(uint32_t depth, size_t memcap)
{
    struct mm_flow_config c;
    mm_flow_config_defaults(&c);
    c.stream_depth = depth;
    c.stream_ooo = 8192;
    c.stream_memcap = memcap;
    struct mm_flow_table *t = NULL;
    assert_int_equal(mm_flow_table_new(&c, NULL, NULL, &t), 0);
    return t;
}

static struct mm_packet seg(uint32_t seq, uint8_t flags, const uint8_t *data, uint32_t len)
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
    p.payload = data;
    p.payload_len = len;
    p.ts.tv_sec = 100;
    p.len = 60 + len;
    return p;
}

/* One segment through the flow table and the viewing stream path. */
static struct mm_flow *send_view(struct mm_flow_table *t, uint32_t seq, const char *data)
{
    struct mm_packet p =
        seg(seq, data[0] ? 0x18 : 0x02, (const uint8_t *)data, (uint32_t)strlen(data));
    mm_flow_clock_update(t, &p.ts);
    struct mm_flow *f = mm_flow_packet(t, &p);
    assert_non_null(f);
    mm_stream_packet_view(t, f, &p, true);
    return f;
}

static void test_whole_messages_need_no_buffer(void **state)
{
    (void)state;
    struct mm_flow_table *t = new_table(4096, 1 << 20);
    char msg[] = "GET / HTTP/1.1\r\n\r\n";
    send_view(t, 999, "");
    struct mm_flow *f = send_view(t, 1000, msg);
    assert_ptr_equal(f->dir[0].buf, msg); /* the packet's own bytes */
    assert_int_equal(f->dir[0].buf_cap, 0);
    mm_stream_consume(t, f, 0, 4);
    assert_ptr_equal(f->dir[0].buf, msg + 4);
    mm_stream_consume(t, f, 0, (uint32_t)strlen(msg) - 4);
    assert_null(f->dir[0].buf);
    mm_stream_keep(t, f, 0);
    assert_int_equal(mm_stream_memuse(t), 0);
    char again[] = "GET /b HTTP/1.1\r\n\r\n";
    f = send_view(t, 1000 + (uint32_t)strlen(msg), again);
    assert_ptr_equal(f->dir[0].buf, again);
    mm_stream_keep(t, f, 0); /* nothing consumed: copied */
    assert_ptr_not_equal(f->dir[0].buf, again);
    assert_int_equal(f->dir[0].buf_len, strlen(again));
    assert_memory_equal(f->dir[0].buf, again, strlen(again));
    assert_true(mm_stream_memuse(t) > 0);
    mm_flow_table_free(t);
}

static void test_leftover_then_next_segment(void **state)
{
    (void)state;
    struct mm_flow_table *t = new_table(4096, 1 << 20);
    send_view(t, 99, "");
    char a[] = "abcdef", b[] = "ghij", c[] = "XXklm";
    struct mm_flow *f = send_view(t, 100, a);
    mm_stream_consume(t, f, 0, 4);
    mm_stream_keep(t, f, 0);
    memset(a, '#', sizeof a - 1); /* the packet is gone */
    f = send_view(t, 106, b);     /* "ef" waits: appended, no view */
    assert_int_equal(f->dir[0].buf_len, 6);
    assert_memory_equal(f->dir[0].buf, "efghij", 6);
    mm_stream_keep(t, f, 0);
    mm_stream_consume(t, f, 0, 6);
    f = send_view(t, 108, c); /* overlaps 2 bytes; own buffer: copied */
    assert_int_equal(f->dir[0].buf_len, 3);
    assert_memory_equal(f->dir[0].buf, "klm", 3);
    mm_flow_table_free(t);
}

static void test_overlap_viewed_from_new_bytes(void **state)
{
    (void)state;
    struct mm_flow_table *t = new_table(4096, 1 << 20);
    send_view(t, 99, "");
    char a[] = "abcd", b[] = "cdefg";
    struct mm_flow *f = send_view(t, 100, a);
    mm_stream_consume(t, f, 0, 4);
    mm_stream_keep(t, f, 0);
    f = send_view(t, 102, b);
    assert_ptr_equal(f->dir[0].buf, b + 2);
    assert_int_equal(f->dir[0].buf_len, 3);
    mm_stream_release(t, f, 0); /* a view is not freed (ASan would tell) */
    assert_null(f->dir[0].buf);
    mm_flow_table_free(t);
}

static void test_caps_as_for_a_copy(void **state)
{
    (void)state;
    static char big[3001];
    memset(big, 'a', 3000);
    struct mm_flow_table *t = new_table(2048, 1 << 20); /* deeper than depth: gap */
    send_view(t, 99, "");
    struct mm_flow *f = send_view(t, 100, big);
    assert_true(f->dir[0].gap);
    assert_null(f->dir[0].buf);
    mm_flow_table_free(t);
    t = new_table(1 << 20, 1000); /* a 2048-byte buffer would pass the memcap */
    send_view(t, 99, "");
    f = send_view(t, 100, "abc");
    assert_true(f->dir[0].gap);
    assert_int_equal(mm_flow_stats(t)->stream_memcap_hits, 1);
    mm_flow_table_free(t);
}

/* ---- differential: copying and viewing deliver the same bytes ----------- */

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
    return (uint32_t)(test_xorshift(&rng) % n);
}

struct side {
    struct mm_flow_table *t;
    uint64_t rng;             /* the decoder's own choices */
    uint8_t seen[STREAM_LEN]; /* every byte the decoder consumed, in order */
    size_t seen_len;
};

static uint32_t side_rnd(struct side *s, uint32_t n)
{
    uint64_t keep = rng;
    rng = s->rng;
    uint32_t r = rnd(n);
    s->rng = rng;
    rng = keep;
    return r;
}

/* A decoder that takes 0 (needs more), part or all of what waits, up to
 * three times per packet. */
static void decode(struct side *s, struct mm_flow *f)
{
    struct mm_flow_dir *d = &f->dir[0];
    for (int round = 0; round < 3 && d->buf_len > 0 && !d->gap; round++) {
        uint32_t r = side_rnd(s, d->buf_len + 1);
        if (r == 0 || side_rnd(s, 3) == 0)
            r = side_rnd(s, 2) ? d->buf_len : r;
        if (r == 0)
            return;
        assert_true(s->seen_len + r <= sizeof s->seen);
        memcpy(s->seen + s->seen_len, d->buf, r);
        s->seen_len += r;
        mm_stream_consume(s->t, f, 0, r);
    }
}

static struct mm_flow *feed(struct side *s, const uint8_t *data, uint32_t seq, uint32_t len,
                            bool view)
{
    static uint8_t pkt[SEG_MAX]; /* the packet's bytes, overwritten afterwards */
    memcpy(pkt, data, len);
    struct mm_packet p = seg(seq, len ? 0x18 : 0x02, pkt, len);
    mm_flow_clock_update(s->t, &p.ts);
    struct mm_flow *f = mm_flow_packet(s->t, &p);
    assert_non_null(f);
    if (view)
        mm_stream_packet_view(s->t, f, &p, true);
    else
        mm_stream_packet(s->t, f, &p, true);
    decode(s, f);
    if (view)
        mm_stream_keep(s->t, f, 0);
    memset(pkt, 0xee, sizeof pkt);
    return f;
}

static struct side copying, viewing;

static void differential_run(uint32_t depth, uint64_t seed)
{
    static uint8_t stream[STREAM_LEN + SEG_MAX];
    rng = seed;
    for (size_t i = 0; i < sizeof stream; i++)
        stream[i] = (uint8_t)rnd(256);
    struct side *sides[2] = {&copying, &viewing};
    for (int k = 0; k < 2; k++) {
        memset(sides[k], 0, sizeof *sides[k]);
        sides[k]->t = new_table(depth, 1 << 24);
        sides[k]->rng = seed ^ 0x5bd1e995;
    }
    const uint32_t isn = 0xfffff000u; /* sequence numbers wrap */
    feed(&copying, stream, isn - 1, 0, false);
    feed(&viewing, stream, isn - 1, 0, true);
    uint32_t next = 0;
    while (next < STREAM_LEN) {
        uint32_t len = 1 + rnd(SEG_MAX), off = next;
        uint32_t r = rnd(20);
        if (r == 0 && next > 2000)
            off = next - rnd(2000); /* retransmission or overlap */
        else if (r == 1)
            off = next + 1 + rnd(3000); /* ahead of a hole, held */
        else
            next += len;
        if (off >= STREAM_LEN)
            continue;
        if (off + len > STREAM_LEN)
            len = STREAM_LEN - off;
        struct mm_flow *a = feed(&copying, stream + off, isn + off, len, false);
        struct mm_flow *b = feed(&viewing, stream + off, isn + off, len, true);
        assert_int_equal(a->dir[0].gap, b->dir[0].gap);
        assert_int_equal(a->dir[0].buf_len, b->dir[0].buf_len);
        assert_int_equal(a->dir[0].next_seq, b->dir[0].next_seq);
        assert_int_equal(copying.seen_len, viewing.seen_len);
    }
    assert_memory_equal(copying.seen, viewing.seen, copying.seen_len);
    assert_true(copying.seen_len > 0);
    assert_true(mm_stream_memuse(viewing.t) <= mm_stream_memuse(copying.t));
    mm_flow_table_free(copying.t);
    mm_flow_table_free(viewing.t);
}

static void test_same_bytes_as_copying(void **state)
{
    (void)state;
    differential_run(1 << 20, 0x9e3779b97f4a7c15ULL);
    differential_run(4096, 0x123456789ULL); /* depth gaps */
    differential_run(1600, 0xdeadbeefULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_messages_need_no_buffer),
        cmocka_unit_test(test_leftover_then_next_segment),
        cmocka_unit_test(test_overlap_viewed_from_new_bytes),
        cmocka_unit_test(test_caps_as_for_a_copy),
        cmocka_unit_test(test_same_bytes_as_copying),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
