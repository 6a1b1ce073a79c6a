/* SPDX-License-Identifier: Apache-2.0
 * The per-packet home-net memo (mm_packet.home, mm_sensor_src_home and
 * mm_sensor_dst_home in sensor.h): a packet without a memo answers from its
 * addresses at every ask, so a packet changed after an ask (a test's
 * packet, a tunnel's inner addresses) is never answered from an old memo; a
 * memo is filled by the first ask and then read; a datagram rebuilt by
 * defrag.c, and the first fragment its give-up handler shows, carry no memo
 * of the fragment they came from and answer from their own addresses; and
 * through the whole pipeline, a datagram sent in fragments after a whole
 * packet between two home hosts is judged by its own addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "pktbuild.h"
#include "sensor/decode/decode.h"
#include "sensor/defrag.h"
#include "sensor/intel/intel.h"
#include "sensor/reload.h"
#include "sensor/sensor-int.h"
#include "../test-tmpdir.h"

#define T0       1775001600 /* 2026-04-01T00:00:00Z */
#define LINK_ETH 1
#define SID_IP   9100101 /* intel: a listed IP address */

static const uint8_t HOME[4] = {192, 168, 1, 10}, HOME2[4] = {192, 168, 1, 20},
                     AWAY[4] = {203, 0, 113, 66};
static const uint8_t MAC_A[6] = {2, 0, 0, 0, 0, 1}, MAC_B[6] = {2, 0, 0, 0, 0, 2};

/* One sensor (default home net, AWAY on the intel list) in a temporary
 * directory. */
struct run {
    char dir[64], eve[96], intel[96];
    struct mm_sensor_options opt;
    struct mm_intel *in;
    struct mm_sensor *s;
};

static void run_start(struct run *r)
{
    memset(r, 0, sizeof(*r));
    assert_int_equal(test_tmpdir_make(r->dir, sizeof(r->dir), "home-memo"), 0);
    assert_int_equal(test_tmpdir_join(r->eve, sizeof(r->eve), r->dir, "eve.json"), 0);
    assert_int_equal(test_tmpdir_join(r->intel, sizeof(r->intel), r->dir, "intel.txt"), 0);
    FILE *f = fopen(r->intel, "w");
    assert_non_null(f);
    fputs("203.0.113.66\n", f);
    fclose(f);
    char *argv[] = {"mamori-sensor", "-r",   "none.pcap", "--eve",  r->eve,
                    "--state",       r->dir, "--intel",   r->intel, NULL};
    assert_int_equal(mm__options_parse(9, argv, false, &r->opt), 0);
    const char *paths[] = {r->intel};
    assert_int_equal(mm_intel_build(paths, 1, NULL, &r->in), 0);
    char err[256];
    assert_int_equal(mm__sensor_new(&r->opt, r->in, &r->s, err, sizeof(err)), 0);
}

/* Ends the run; returns the number of intel IP alerts. */
static size_t run_end(struct run *r)
{
    mm__sensor_free(r->s);
    mm_intel_free(r->in);
    mm__options_free(&r->opt);
    size_t n = 0;
    FILE *f = fopen(r->eve, "r");
    assert_non_null(f);
    char line[16384];
    while (fgets(line, sizeof(line), f)) {
        json_t *ev = json_loads(line, 0, NULL);
        assert_non_null(ev);
        json_t *id = json_object_get(json_object_get(ev, "alert"), "signature_id");
        n += id && json_integer_value(id) == SID_IP;
        json_decref(ev);
    }
    fclose(f);
    assert_int_equal(test_tmpdir_remove(r->dir), 0);
    return n;
}

static void ipv4(struct mm_addr *a, const uint8_t b[4])
{
    memset(a, 0, sizeof(*a));
    char text[16];
    snprintf(text, sizeof(text), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    assert_int_equal(mm_addr_parse(text, a), 0);
}

static void test_no_memo_follows_changes(void **state)
{
    (void)state;
    struct run r;
    run_start(&r);
    struct mm_packet p;
    memset(&p, 0, sizeof(p));
    p.ip_version = 4;
    ipv4(&p.src, HOME);
    ipv4(&p.dst, AWAY);
    assert_true(mm_sensor_src_home(r.s, &p));
    assert_false(mm_sensor_dst_home(r.s, &p));
    /* changed after the asks (as a decoder's inner header would): new answers */
    ipv4(&p.src, AWAY);
    ipv4(&p.dst, HOME);
    assert_false(mm_sensor_src_home(r.s, &p));
    assert_true(mm_sensor_dst_home(r.s, &p));
    assert_null(p.home);
    run_end(&r);
}

static void test_memo_filled_then_read(void **state)
{
    (void)state;
    struct run r;
    run_start(&r);
    struct mm_packet p;
    memset(&p, 0, sizeof(p));
    p.ip_version = 4;
    ipv4(&p.src, HOME);
    ipv4(&p.dst, AWAY);
    struct mm_home_memo memo = {0, 0};
    p.home = &memo;
    assert_true(mm_sensor_src_home(r.s, &p));
    assert_int_equal(memo.known, 1);
    assert_int_equal(memo.is_home, 1);
    assert_false(mm_sensor_dst_home(r.s, &p));
    assert_int_equal(memo.known, 3);
    assert_int_equal(memo.is_home, 1);
    /* once known, the memo is what answers (not the addresses) ... */
    memo.is_home = 2;
    assert_false(mm_sensor_src_home(r.s, &p));
    assert_true(mm_sensor_dst_home(r.s, &p));
    /* ... which is why the pipeline drops it once the packet is handled */
    p.home = NULL;
    assert_true(mm_sensor_src_home(r.s, &p));
    assert_false(mm_sensor_dst_home(r.s, &p));
    run_end(&r);
}

/* The fragment of a UDP datagram HOME -> AWAY at byte offset off. */
static void frag4(struct pkt *k, uint32_t off, bool more, const uint8_t *data, size_t n)
{
    memset(k, 0, sizeof(*k));
    pk_eth(k, MAC_A, MAC_B, 0x0800);
    size_t ip = pk_ipv4(k, HOME, AWAY, 17, (uint16_t)((more ? 0x2000 : 0) | off / 8));
    pk_set16(k, ip + 4, 77);
    pk_put(k, data, n);
    pk_ipv4_done(k, ip);
}

/* The datagram's transport part: UDP 5353 -> 53 with 32 bytes. */
static size_t datagram(uint8_t out[64])
{
    struct pkt k = {.len = 0};
    uint8_t payload[32];
    memset(payload, 'm', sizeof(payload));
    pk_udp(&k, 5353, 53, payload, sizeof(payload));
    memcpy(out, k.b, k.len);
    return k.len;
}

/* Decodes fragment k with a memo that claims the opposite of the truth
 * (AWAY is the home source, HOME the destination) and hands it to d. */
static int feed_lying(struct mm_defrag *d, const struct pkt *k, struct mm_packet *out)
{
    struct mm_packet p;
    memset(&p, 0, sizeof(p));
    p.data = k->b;
    p.caplen = p.len = (uint32_t)k->len;
    p.linktype = LINK_ETH;
    p.num = 1;
    p.defrag = true;
    assert_int_equal(mm_decode_packet(&p), 0);
    assert_true(p.fragment);
    struct mm_home_memo lie = {3, 2};
    p.home = &lie;
    struct mm_defrag_result res;
    return mm_defrag_packet(d, &p, 0, &res, out);
}

struct witness {
    struct mm_sensor *s;
    int seen;
};

static void on_give_up(void *arg, const struct mm_packet *first)
{
    struct witness *w = arg;
    assert_null(first->home);
    assert_true(mm_sensor_src_home(w->s, first));
    assert_false(mm_sensor_dst_home(w->s, first));
    w->seen++;
}

static void test_defrag_packets_carry_no_memo(void **state)
{
    (void)state;
    struct run r;
    run_start(&r);
    struct mm_defrag_config c;
    mm_defrag_config_defaults(&c);
    struct mm_defrag *d = NULL;
    assert_int_equal(mm_defrag_new(&c, &d), 0);
    struct witness w = {r.s, 0};
    mm_defrag_on_give_up(d, on_give_up, &w);
    uint8_t dg[64];
    size_t n = datagram(dg);
    struct pkt k;
    struct mm_packet out;
    frag4(&k, 0, true, dg, 16);
    assert_int_equal(feed_lying(d, &k, &out), 0);
    frag4(&k, 16, false, dg + 16, n - 16);
    assert_int_equal(feed_lying(d, &k, &out), 1);
    assert_null(out.home);
    assert_true(mm_sensor_src_home(r.s, &out));
    assert_false(mm_sensor_dst_home(r.s, &out));
    /* a datagram that never completes: its first fragment, shown at the end */
    frag4(&k, 0, true, dg, 16);
    pk_set16(&k, 14 + 4, 78);
    assert_int_equal(feed_lying(d, &k, &out), 0);
    mm_defrag_end(d);
    assert_int_equal(w.seen, 1);
    mm_defrag_free(d);
    run_end(&r);
}

/* Through the pipeline: a whole packet between two home hosts, then a
 * datagram HOME -> AWAY in two fragments, rebuilt into the same kind of
 * stack packet: the intel detector, which skips a listed destination it
 * believes home, raises its alert, so the rebuilt packet was not answered
 * from the first packet's "destination is home". */
static void test_pipeline_rebuilt_datagram(void **state)
{
    (void)state;
    struct run r;
    run_start(&r);
    struct timeval ts = {.tv_sec = T0};
    struct pkt k;
    memset(&k, 0, sizeof(k));
    pk_eth(&k, MAC_B, MAC_A, 0x0800);
    size_t ip = pk_ipv4(&k, HOME2, HOME, 17, 0);
    uint8_t payload[8] = {0};
    pk_udp(&k, 53, 5353, payload, sizeof(payload));
    pk_ipv4_done(&k, ip);
    mm__pipeline_packet(r.s, &ts, k.b, (uint32_t)k.len, (uint32_t)k.len, LINK_ETH);
    uint8_t dg[64];
    size_t n = datagram(dg);
    frag4(&k, 0, true, dg, 16);
    mm__pipeline_packet(r.s, &ts, k.b, (uint32_t)k.len, (uint32_t)k.len, LINK_ETH);
    frag4(&k, 16, false, dg + 16, n - 16);
    mm__pipeline_packet(r.s, &ts, k.b, (uint32_t)k.len, (uint32_t)k.len, LINK_ETH);
    assert_int_equal(run_end(&r), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_memo_follows_changes),
        cmocka_unit_test(test_memo_filled_then_read),
        cmocka_unit_test(test_defrag_packets_carry_no_memo),
        cmocka_unit_test(test_pipeline_rebuilt_datagram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
