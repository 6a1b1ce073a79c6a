/* SPDX-License-Identifier: Apache-2.0
 * Fragments through the whole sensor (pipeline.c's defrag_packet, defrag.c,
 * the detectors, the inventory, the stats record): crafted Ethernet frames
 * go to mm__pipeline_packet of a real sensor with an intel list, and the
 * EVE file it writes is read back. Proves that an intel hit on a datagram
 * sent in fragments is raised once, by the rebuilt packet with its flow and
 * ports; that a datagram which never completes is still seen (at the
 * timeout, at an overlap, at the end of the run) with its first fragment's
 * ports; that the inventory learns from fragments; and that a rebuilt
 * packet that does not decode, or nested IPv6 fragmentation, counts in
 * stats.defrag.invalid and never in decoder.invalid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "pktbuild.h"
#include "sensor/intel/intel.h"
#include "sensor/reload.h"
#include "sensor/sensor-int.h"
#include "../test-tmpdir.h"

#define T0       1775001600 /* 2026-04-01T00:00:00Z */
#define LINK_ETH 1
#define SID_IP   9100101 /* intel: a listed IP address */

static const uint8_t HOST[4] = {192, 168, 1, 10}, BAD[4] = {203, 0, 113, 66},
                     DNS[4] = {192, 168, 1, 1};
static const uint8_t HOST6[16] = {0xfd, 0, [15] = 0x10};
static const uint8_t BAD6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x66, [15] = 0x66};

/* One sensor run in a temporary directory. */
struct run {
    char dir[64], eve[96], ini[96], intel[96];
    struct mm_sensor_options opt;
    struct mm_intel *in;
    struct mm_sensor *s;
    json_t *events; /* after run_end */
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void run_start(struct run *r)
{
    memset(r, 0, sizeof(*r));
    assert_int_equal(test_tmpdir_make(r->dir, sizeof(r->dir), "defrag"), 0);
    assert_int_equal(test_tmpdir_join(r->eve, sizeof(r->eve), r->dir, "eve.json"), 0);
    assert_int_equal(test_tmpdir_join(r->ini, sizeof(r->ini), r->dir, "s.ini"), 0);
    assert_int_equal(test_tmpdir_join(r->intel, sizeof(r->intel), r->dir, "intel.txt"), 0);
    write_file(r->ini, "[defrag]\ntimeout_seconds = 60\n");
    write_file(r->intel, "203.0.113.66\n2001:db8:66::66\n");
    char *argv[] = {"mamori-sensor", "-r",      "none.pcap", "--eve",   r->eve,   "--config",
                    r->ini,          "--state", r->dir,      "--intel", r->intel, NULL};
    assert_int_equal(mm__options_parse(11, argv, false, &r->opt), 0);
    const char *paths[] = {r->intel};
    assert_int_equal(mm_intel_build(paths, 1, NULL, &r->in), 0);
    char err[256];
    assert_int_equal(mm__sensor_new(&r->opt, r->in, &r->s, err, sizeof(err)), 0);
}

/* Hands frame k to the pipeline at T0 + sec. */
static void run_frame(struct run *r, double sec, const struct pkt *k)
{
    struct timeval ts = {.tv_sec = T0 + (time_t)sec,
                         .tv_usec = (suseconds_t)((sec - (double)(long)sec) * 1e6)};
    mm__pipeline_packet(r->s, &ts, k->b, (uint32_t)k->len, (uint32_t)k->len, LINK_ETH);
}

/* Ends the run (the end of the capture) and reads every EVE line. */
static void run_end(struct run *r)
{
    mm__sensor_free(r->s);
    r->s = NULL;
    mm_intel_free(r->in);
    mm__options_free(&r->opt);
    r->events = json_array();
    FILE *f = fopen(r->eve, "r");
    assert_non_null(f);
    char line[16384];
    while (fgets(line, sizeof(line), f)) {
        json_t *ev = json_loads(line, 0, NULL);
        assert_non_null(ev);
        json_array_append_new(r->events, ev);
    }
    fclose(f);
    assert_int_equal(test_tmpdir_remove(r->dir), 0);
}

static void run_free(struct run *r)
{
    json_decref(r->events);
}

/* The intel IP alerts of the run, in order (borrowed from r->events). */
static size_t ip_alerts(const struct run *r, const json_t *out[4])
{
    size_t n = 0, i;
    json_t *ev;
    json_array_foreach(r->events, i, ev)
    {
        json_t *id = json_object_get(json_object_get(ev, "alert"), "signature_id");
        if (id && json_integer_value(id) == SID_IP) {
            if (n < 4)
                out[n] = ev;
            n++;
        }
    }
    return n;
}

static json_int_t int_at(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    assert_non_null(v);
    return json_integer_value(v);
}

/* The last stats record's stats.<section>.<key>. */
static json_int_t stats_value(const struct run *r, const char *section, const char *key)
{
    const json_t *last = NULL;
    size_t i;
    json_t *ev;
    json_array_foreach(r->events, i,
                       ev) if (strcmp(json_string_value(json_object_get(ev, "event_type")),
                                      "stats") == 0) last = ev;
    assert_non_null(last);
    return int_at(json_object_get(last, "stats"), section, key);
}

/* True when some event of this type has anomaly.event (anomaly) or
 * device.action (device) `what` and src_ip `src` (NULL: any). */
static bool has_event(const struct run *r, const char *type, const char *what, const char *src)
{
    size_t i;
    json_t *ev;
    json_array_foreach(r->events, i, ev)
    {
        if (strcmp(json_string_value(json_object_get(ev, "event_type")), type) != 0)
            continue;
        const json_t *body = json_object_get(ev, type);
        const char *v = json_string_value(
            json_object_get(body, strcmp(type, "device") == 0 ? "action" : "event"));
        const char *ip = json_string_value(json_object_get(ev, "src_ip"));
        if (v && strcmp(v, what) == 0 && (!src || (ip && strcmp(ip, src) == 0)))
            return true;
    }
    return false;
}

/* ---- frames ------------------------------------------------------------- */

/* The transport bytes of a UDP datagram with 32 payload bytes. */
static size_t udp_bytes(uint16_t sport, uint16_t dport, uint8_t out[64])
{
    struct pkt k = {.len = 0};
    uint8_t payload[32];
    memset(payload, 'p', sizeof(payload));
    pk_udp(&k, sport, dport, payload, sizeof(payload));
    memcpy(out, k.b, k.len);
    return k.len;
}

/* A TCP SYN header and 4 bytes: 24 bytes, one non-last fragment's worth. */
static size_t syn_bytes(uint16_t sport, uint16_t dport, uint8_t out[64])
{
    struct pkt k = {.len = 0};
    pk_tcp(&k, sport, dport, 1000, 0, 0x02, NULL, 0, "abcd", 4);
    memcpy(out, k.b, k.len);
    return k.len;
}

/* An Ethernet frame with an IPv4 fragment of datagram id. */
static void frag4(struct pkt *k, const uint8_t dst[4], uint8_t proto, uint16_t id, uint32_t off,
                  bool more, const uint8_t *data, size_t n)
{
    memset(k, 0, sizeof(*k));
    pk_eth(k, PK_MAC_A, PK_MAC_B, 0x0800);
    size_t ip = pk_ipv4(k, HOST, dst, proto, (uint16_t)((more ? 0x2000 : 0) | off / 8));
    pk_set16(k, ip + 4, id);
    pk_put(k, data, n);
    pk_ipv4_done(k, ip);
}

/* An unfragmented UDP packet between two home hosts (moves the clock). */
static void other_udp(struct pkt *k)
{
    uint8_t l4[64];
    size_t n = udp_bytes(53000, 53, l4);
    memset(k, 0, sizeof(*k));
    pk_eth(k, PK_MAC_A, PK_MAC_B, 0x0800);
    size_t ip = pk_ipv4(k, HOST, DNS, 17, 0);
    pk_put(k, l4, n);
    pk_ipv4_done(k, ip);
}

/* ---- tests --------------------------------------------------------------- */

/* A datagram to a listed address in two fragments: one intel alert, from
 * the rebuilt packet, with its flow, ports and the completing pcap_cnt (the
 * fragments before it raise nothing of their own). */
static void test_complete_alerts_once_with_flow(void **state)
{
    (void)state;
    struct run r;
    uint8_t l4[64];
    size_t n = udp_bytes(40000, 4444, l4);
    struct pkt k;
    run_start(&r);
    frag4(&k, BAD, 17, 0x100, 0, true, l4, 16);
    run_frame(&r, 0, &k);
    frag4(&k, BAD, 17, 0x100, 16, false, l4 + 16, n - 16);
    run_frame(&r, 0.5, &k);
    run_end(&r);
    const json_t *a[4];
    assert_int_equal(ip_alerts(&r, a), 1);
    assert_non_null(json_object_get(a[0], "flow_id"));
    assert_int_equal(int_at(a[0], "src_port", NULL), 40000);
    assert_int_equal(int_at(a[0], "dest_port", NULL), 4444);
    assert_int_equal(int_at(a[0], "pcap_cnt", NULL), 2);
    assert_int_equal(stats_value(&r, "decoder", "pkts"), 2);
    assert_int_equal(stats_value(&r, "decoder", "fragments"), 2);
    assert_int_equal(stats_value(&r, "defrag", "reassembled"), 1);
    assert_int_equal(stats_value(&r, "defrag", "pending"), 0);
    run_free(&r);
}

/* A first fragment (a SYN to a listed address) whose datagram never
 * completes: nothing while it waits, then at the timeout one flowless alert
 * with its ports and pcap_cnt. */
static void test_never_completes_alerts_at_timeout(void **state)
{
    (void)state;
    struct run r;
    uint8_t l4[64];
    size_t n = syn_bytes(40001, 443, l4);
    struct pkt k;
    run_start(&r);
    frag4(&k, BAD, 6, 0x200, 0, true, l4, n);
    run_frame(&r, 0, &k);
    other_udp(&k);
    run_frame(&r, 30, &k);
    run_frame(&r, 61, &k); /* housekeeping at 61 s: the datagram times out */
    run_end(&r);
    const json_t *a[4];
    assert_int_equal(ip_alerts(&r, a), 1);
    assert_null(json_object_get(a[0], "flow_id"));
    assert_int_equal(int_at(a[0], "src_port", NULL), 40001);
    assert_int_equal(int_at(a[0], "dest_port", NULL), 443);
    assert_int_equal(int_at(a[0], "pcap_cnt", NULL), 1);
    assert_int_equal(stats_value(&r, "defrag", "timeouts"), 1);
    assert_int_equal(stats_value(&r, "defrag", "pending"), 0);
    run_free(&r);
}

/* A lone later fragment still pending when the capture ends: shown to the
 * detectors at the end (addresses, no ports), and counted as pending; the
 * inventory learned its sender from it. */
static void test_pending_at_end_alerts(void **state)
{
    (void)state;
    struct run r;
    uint8_t l4[64];
    size_t n = udp_bytes(40002, 4444, l4);
    struct pkt k;
    run_start(&r);
    frag4(&k, BAD, 17, 0x300, 16, false, l4 + 16, n - 16);
    run_frame(&r, 0, &k);
    run_end(&r);
    const json_t *a[4];
    assert_int_equal(ip_alerts(&r, a), 1);
    assert_null(json_object_get(a[0], "flow_id"));
    assert_int_equal(int_at(a[0], "dest_port", NULL), 0); /* a later fragment: no ports */
    assert_int_equal(int_at(a[0], "pcap_cnt", NULL), 1);
    assert_int_equal(stats_value(&r, "defrag", "pending"), 1);
    assert_true(has_event(&r, "device", "new", "192.168.1.10"));
    run_free(&r);
}

/* Overlapping fragments with different bytes (the Maltrail "fragments"
 * case): the datagram is dropped, as the hosts drop it, and its first
 * fragment still raises the alert, once, with its ports. */
static void test_overlap_alerts_once(void **state)
{
    (void)state;
    struct run r;
    uint8_t l4[64], evil[8];
    size_t n = syn_bytes(40003, 443, l4);
    memset(evil, 'X', sizeof(evil));
    struct pkt k;
    run_start(&r);
    frag4(&k, BAD, 6, 0x400, 0, true, l4, n);
    run_frame(&r, 0, &k);
    frag4(&k, BAD, 6, 0x400, 8, false, evil, sizeof(evil));
    run_frame(&r, 0, &k);
    run_end(&r);
    const json_t *a[4];
    assert_int_equal(ip_alerts(&r, a), 1);
    assert_int_equal(int_at(a[0], "dest_port", NULL), 443);
    assert_int_equal(int_at(a[0], "pcap_cnt", NULL), 1);
    assert_true(has_event(&r, "anomaly", "ipv4.frag_overlap", NULL));
    assert_int_equal(stats_value(&r, "defrag", "overlaps"), 1);
    run_free(&r);
}

/* A rebuilt datagram that does not decode (UDP length 4) is a datagram
 * dropped by defrag (stats.defrag.invalid), never a captured packet that
 * failed (decoder.invalid counts only what decoder.pkts counts); its first
 * fragment still reaches the detectors. */
static void test_rebuilt_invalid_stats(void **state)
{
    (void)state;
    struct run r;
    uint8_t l4[64];
    size_t n = udp_bytes(40004, 4444, l4);
    l4[4] = 0;
    l4[5] = 4;
    struct pkt k;
    run_start(&r);
    frag4(&k, BAD, 17, 0x500, 0, true, l4, 16);
    run_frame(&r, 0, &k);
    frag4(&k, BAD, 17, 0x500, 16, false, l4 + 16, n - 16);
    run_frame(&r, 0, &k);
    run_end(&r);
    assert_int_equal(stats_value(&r, "decoder", "pkts"), 2);
    assert_int_equal(stats_value(&r, "decoder", "invalid"), 0);
    assert_int_equal(stats_value(&r, "defrag", "invalid"), 1);
    assert_int_equal(stats_value(&r, "defrag", "reassembled"), 0);
    assert_true(has_event(&r, "anomaly", "udp.hlen_invalid", "192.168.1.10"));
    const json_t *a[4];
    assert_int_equal(ip_alerts(&r, a), 1);
    assert_null(json_object_get(a[0], "flow_id"));
    run_free(&r);
}

/* Nested IPv6 fragmentation: the outer fragments rebuild a packet that
 * starts with another fragment header; it is dropped as Linux drops it
 * (ipv6.exthdr_dupl_fh, stats.defrag.invalid) and its first fragment is
 * shown to the detectors. */
static void test_ipv6_nested_dropped(void **state)
{
    (void)state;
    struct run r;
    uint8_t l4[64], inner[8 + 64] = {17, 0, 0, 1, 0, 0, 0, 99}; /* inner header: M, id 99 */
    (void)udp_bytes(40005, 4444, l4);
    memcpy(inner + 8, l4, 16); /* the inner first fragment: 16 bytes of the datagram */
    struct pkt k;
    run_start(&r);
    for (int piece = 0; piece < 2; piece++) {
        memset(&k, 0, sizeof(k));
        pk_eth(&k, PK_MAC_A, PK_MAC_B, 0x86dd);
        size_t ip = pk_ipv6(&k, HOST6, BAD6, 44);
        pk_u8(&k, 44); /* the outer fragment header names the inner one */
        pk_u8(&k, 0);
        pk_u16(&k, (uint16_t)(piece == 0 ? 0 | 1 : 16));
        pk_u32(&k, 0x600);
        pk_put(&k, piece == 0 ? inner : inner + 16, piece == 0 ? 16 : 8);
        pk_ipv6_done(&k, ip);
        run_frame(&r, 0, &k);
    }
    run_end(&r);
    assert_true(has_event(&r, "anomaly", "ipv6.exthdr_dupl_fh", "fd00::10"));
    assert_int_equal(stats_value(&r, "defrag", "invalid"), 1);
    assert_int_equal(stats_value(&r, "defrag", "reassembled"), 0);
    assert_int_equal(stats_value(&r, "decoder", "invalid"), 0);
    const json_t *a[4];
    assert_int_equal(ip_alerts(&r, a), 1);
    run_free(&r);
}

/* The scan alerts of the run (sid 9100701 or 9100702), in order. */
static size_t scan_alerts(const struct run *r, json_int_t sid, const json_t *out[4])
{
    size_t n = 0, i;
    json_t *ev;
    json_array_foreach(r->events, i, ev)
    {
        json_t *id = json_object_get(json_object_get(ev, "alert"), "signature_id");
        if (id && json_integer_value(id) == sid) {
            if (n < 4)
                out[n] = ev;
            n++;
        }
    }
    return n;
}

/* First fragments that never complete, to 30 home hosts: a first fragment
 * of 8 bytes (the ports, not the whole TCP header: a "tiny fragment") is no
 * probe of the scan detector (its flags and ports are unknown: with
 * reassembly off it would not decode), while ones with their whole SYN
 * header are, so the sweep alert names their port, 443, not port 0. */
static void test_given_up_sweep_needs_transport_header(void **state)
{
    (void)state;
    struct run r;
    uint8_t l4[64];
    size_t n = syn_bytes(40006, 443, l4);
    struct pkt k;
    run_start(&r);
    for (uint8_t host = 1; host <= 30; host++) {
        const uint8_t dst[4] = {192, 168, 2, host};
        frag4(&k, dst, 6, (uint16_t)(0x700 + host), 0, true, l4, 8);
        run_frame(&r, 0, &k);
    }
    for (uint8_t host = 1; host <= 30; host++) {
        const uint8_t dst[4] = {192, 168, 3, host};
        frag4(&k, dst, 6, (uint16_t)(0x800 + host), 0, true, l4, n);
        run_frame(&r, 1, &k);
    }
    run_end(&r);
    const json_t *a[4];
    assert_int_equal(scan_alerts(&r, 9100701, a), 0);
    assert_int_equal(scan_alerts(&r, 9100702, a), 1);
    assert_int_equal(int_at(a[0], "dest_port", NULL), 443);
    assert_int_equal(stats_value(&r, "defrag", "pending"), 60);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_alerts_once_with_flow),
        cmocka_unit_test(test_never_completes_alerts_at_timeout),
        cmocka_unit_test(test_pending_at_end_alerts),
        cmocka_unit_test(test_overlap_alerts_once),
        cmocka_unit_test(test_rebuilt_invalid_stats),
        cmocka_unit_test(test_ipv6_nested_dropped),
        cmocka_unit_test(test_given_up_sweep_needs_transport_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
