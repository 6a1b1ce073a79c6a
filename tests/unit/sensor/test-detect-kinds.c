/* SPDX-License-Identifier: Apache-2.0
 * The kinds of packets each detector names (struct mm_detector.packets):
 * the sensor's dispatch calls a detector's on_packet only for packets of
 * those kinds (detect.c, by mm__packet_kind_index), so a detector that
 * acted on a packet of another kind would lose that work in the sensor.
 * Here each packet detector is given, through the harness (which calls it
 * for every packet), packets of every shape (TCP with each combination of
 * the six classic flags, with and without payload, UDP, ICMP), sent in the
 * pattern that makes it alert; every alert must come from a kind its
 * mask names, and each detector must alert for some kind (else the test
 * proves nothing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sensor/detect/detect.h"
#include "test-detect-harness.h"

extern const struct mm_detector mm_detector_scan, mm_detector_beacon, mm_detector_outbound_service,
    mm_detector_inbound_service, mm_detector_cleartext_credentials;

#define HOME  "192.168.1.10"
#define OUTER "198.51.100.7"
#define T0    1767225600.0 /* 2026-01-01 */

/* A packet's shape: protocol, TCP flags, payload (may be NULL). */
struct shape {
    uint8_t proto, flags;
    const char *payload;
};

/* Sends one packet of shape sh; returns its kind (MM_PKT_* bits). */
static unsigned send_one(struct mm_sensor *s, const struct shape *sh, const char *src,
                         uint16_t sport, const char *dst, uint16_t dport)
{
    struct mm_packet p;
    th_ip_packet(&p, src, sport, dst, dport, sh->proto, sh->flags, sh->payload);
    th_packet(s, &p);
    return mm__packet_kind_bits(mm__packet_kind_index(&p));
}

/* Each detector's alerting pattern, in packets of shape sh; returns the
 * kind of the packets sent. */
static unsigned probe_ports(struct mm_sensor *s, const struct shape *sh)
{
    unsigned kind = 0;
    th_set_time(s, T0);
    for (uint16_t port = 1; port <= 40; port++) /* below the source port: UDP probes too */
        kind = send_one(s, sh, OUTER, 40000, HOME, port);
    return kind;
}

static unsigned connect_steadily(struct mm_sensor *s, const struct shape *sh)
{
    unsigned kind = 0;
    for (int i = 0; i < 12; i++) {
        th_set_time(s, T0 + 60.0 * i);
        kind = send_one(s, sh, HOME, 40000, OUTER, 443);
    }
    return kind;
}

static unsigned reach_out(struct mm_sensor *s, const struct shape *sh)
{
    th_set_time(s, T0);
    send_one(s, sh, HOME, 40000, OUTER, 137); /* NetBIOS over UDP */
    return send_one(s, sh, HOME, 40001, OUTER, 445);
}

static unsigned answer_outside(struct mm_sensor *s, const struct shape *sh)
{
    th_set_time(s, T0);
    return send_one(s, sh, HOME, 3389, OUTER, 40000);
}

static unsigned log_in(struct mm_sensor *s, const struct shape *sh)
{
    th_set_time(s, T0);
    return send_one(s, sh, HOME, 40000, OUTER, 21);
}

static const struct {
    const struct mm_detector *det;
    unsigned (*send)(struct mm_sensor *s, const struct shape *sh);
} cases[] = {
    {&mm_detector_scan, probe_ports},
    {&mm_detector_beacon, connect_steadily},
    {&mm_detector_outbound_service, reach_out},
    {&mm_detector_inbound_service, answer_outside},
    {&mm_detector_cleartext_credentials, log_in},
};

/* The shapes: n of them into sh. */
static size_t all_shapes(struct shape *sh)
{
    static const char *const payloads[] = {NULL, "USER bob\r\n"};
    size_t n = 0;
    for (size_t k = 0; k < 2; k++) {
        for (unsigned flags = 0; flags < 64; flags++)
            sh[n++] = (struct shape){6, (uint8_t)flags, payloads[k]};
        sh[n++] = (struct shape){17, 0, payloads[k]};
        sh[n++] = (struct shape){1, 0, payloads[k]};
    }
    return n;
}

static void test_alerts_only_from_named_kinds(void **state)
{
    (void)state;
    struct shape sh[2 * 66];
    size_t n = all_shapes(sh);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct mm_detector *d = cases[c].det;
        size_t alerting = 0;
        assert_int_not_equal(d->packets, 0); /* a packet detector that names its kinds */
        for (size_t i = 0; i < n; i++) {
            struct mm_sensor *s = th_new("[sensor]\nhome_net = 192.168.0.0/16\n", NULL, NULL, d);
            unsigned kind = cases[c].send(s, &sh[i]);
            if (th_count_alerts(s, 0) > 0) {
                if (!(kind & d->packets))
                    fail_msg("%s alerted on proto %u flags 0x%02x %s payload, a kind it does "
                             "not name",
                             d->name, sh[i].proto, sh[i].flags, sh[i].payload ? "with" : "without");
                alerting++;
            }
            th_free(s);
        }
        if (alerting == 0)
            fail_msg("%s never alerted: the patterns test nothing", d->name);
    }
}

/* The kind index covers every packet: each has exactly one flag kind
 * when TCP, and the data bit exactly when TCP carries payload. */
static void test_kind_bits(void **state)
{
    (void)state;
    for (unsigned k = 0; k < MM__PKT_KINDS; k++) {
        unsigned b = mm__packet_kind_bits(k);
        unsigned flags =
            b & (MM_PKT_TCP_SYN | MM_PKT_TCP_SYNACK | MM_PKT_TCP_NOACK | MM_PKT_TCP_ACK);
        assert_true(k < 8 ? flags && !(flags & (flags - 1)) : !flags);
        assert_int_equal(!!(b & MM_PKT_TCP_DATA), k >= 4 && k < 8);
    }
    struct mm_packet p;
    th_ip_packet(&p, HOME, 1, OUTER, 2, 6, 0x12, NULL);
    assert_int_equal(mm__packet_kind_bits(mm__packet_kind_index(&p)), MM_PKT_TCP_SYNACK);
    th_ip_packet(&p, HOME, 1, OUTER, 2, 6, 0x18, "x");
    assert_int_equal(mm__packet_kind_bits(mm__packet_kind_index(&p)),
                     MM_PKT_TCP_ACK | MM_PKT_TCP_DATA);
    p.ip_version = 0;
    assert_int_equal(mm__packet_kind_bits(mm__packet_kind_index(&p)), MM_PKT_OTHER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_bits),
        cmocka_unit_test(test_alerts_only_from_named_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
