/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the traffic detectors fed with packets and DNS events:
 * outbound and inbound service exposure, port scan and host sweep, beacons,
 * clear-text credentials and suspicious DNS names, each with its
 * suppression and a negative case; the suppression table itself on time
 * stamps that go back and forth (captures of two years merged). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/detect/detect-util.h"
#include "sensor/flow.h"
#include "test-detect-harness.h"

extern const struct mm_detector mm_detector_outbound_service;
extern const struct mm_detector mm_detector_inbound_service;
extern const struct mm_detector mm_detector_scan;
extern const struct mm_detector mm_detector_beacon;
extern const struct mm_detector mm_detector_cleartext_credentials;
extern const struct mm_detector mm_detector_suspicious_dns;

static void tcp(struct mm_sensor *s, const char *src, uint16_t sport, const char *dst,
                uint16_t dport, uint8_t flags, const char *payload)
{
    struct mm_packet p;
    th_ip_packet(&p, src, sport, dst, dport, 6, flags, payload);
    th_packet(s, &p);
}

static void udp(struct mm_sensor *s, const char *src, uint16_t sport, const char *dst,
                uint16_t dport)
{
    struct mm_packet p;
    th_ip_packet(&p, src, sport, dst, dport, 17, 0, NULL);
    th_packet(s, &p);
}

static void test_outbound_inbound(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_outbound_service);
    /* attempts without data (a SYN scan, a refused or blocked connection,
     * a handshake reset at once) raise nothing; payloads below are texts
     * without NUL (the harness takes their length by strlen) */
    tcp(s, "192.168.1.5", 50000, "203.0.113.1", 445, 0x02, NULL);
    tcp(s, "192.168.1.5", 50000, "203.0.113.1", 3389, 0x02, NULL);
    tcp(s, "192.168.1.5", 50000, "203.0.113.1", 23, 0x02, NULL);
    tcp(s, "192.168.1.5", 50000, "203.0.113.1", 445, 0x10, NULL);
    tcp(s, "192.168.1.5", 50000, "203.0.113.1", 445, 0x04, NULL);
    assert_int_equal(th_count_alerts(s, 0), 0);
    /* the office host's first data on each service */
    tcp(s, "192.168.1.5", 50001, "203.0.113.1", 445, 0x18, "\xfeSMB negotiate");
    tcp(s, "192.168.1.5", 50002, "203.0.113.2", 445, 0x18, "\xfeSMB negotiate"); /* suppressed */
    tcp(s, "192.168.1.5", 50003, "203.0.113.1", 3389, 0x18, "\x03 RDP request");
    tcp(s, "192.168.1.5", 50004, "203.0.113.1", 23, 0x18, "\xff\xfb\x18");
    udp(s, "192.168.1.5", 137, "203.0.113.1", 137);
    tcp(s, "192.168.1.5", 50005, "192.168.1.6", 445, 0x18, "\xfeSMB"); /* inside: fine */
    udp(s, "192.168.1.5", 137, "192.168.1.255", 137);
    tcp(s, "203.0.113.1", 445, "192.168.1.5", 50001, 0x18, "\xfeSMB"); /* the answer */
    assert_int_equal(th_count_alerts(s, 9100501), 1);
    assert_int_equal(th_count_alerts(s, 9100502), 1);
    assert_int_equal(th_count_alerts(s, 9100503), 1);
    assert_int_equal(th_count_alerts(s, 9100504), 1);
    assert_int_equal(th_count_alerts(s, 0), 4);
    /* an outside host sending to an office RDP port: the flow is judged on
     * its first data segment and marked, so its later segments skip the
     * home checks */
    struct mm_flow flow;
    struct mm_packet p;
    memset(&flow, 0, sizeof flow);
    th_ip_packet(&p, "198.51.100.9", 40000, "192.168.1.20", 3389, 6, 0x18, "\x03 RDP request");
    p.flow = &flow;
    th_packet(s, &p);
    assert_true(flow.detector_flags & MM__DF_OUTBOUND_SEEN);
    assert_int_equal(th_count_alerts(s, 0), 4);
    th_free(s);

    s = th_new(NULL, NULL, NULL, &mm_detector_inbound_service);
    tcp(s, "198.51.100.9", 40000, "192.168.1.20", 3389, 0x02, NULL); /* a probe only */
    assert_int_equal(th_count_alerts(s, 0), 0);
    tcp(s, "192.168.1.20", 3389, "198.51.100.9", 40000, 0x12, NULL); /* answered */
    tcp(s, "192.168.1.21", 445, "198.51.100.9", 40001, 0x12, NULL);
    tcp(s, "192.168.1.21", 445, "192.168.1.30", 40001, 0x12, NULL); /* inside client */
    assert_int_equal(th_count_alerts(s, 9100601), 1);
    assert_int_equal(th_count_alerts(s, 9100602), 1);
    const json_t *a = th_alert(s, 9100601, 0);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(a, "alert"), "signature")),
               "192.168.1.20"));
    th_free(s);
}

static void test_scan(void **state)
{
    (void)state;
    char ip[32];
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_scan);
    for (int port = 1; port <= 30; port++) { /* 30 ports in 30 s */
        th_set_time(s, 1775001600.0 + port);
        tcp(s, "192.168.1.66", 40000, "192.168.1.1", (uint16_t)port, 0x02, NULL);
    }
    assert_int_equal(th_count_alerts(s, 9100701), 1);
    for (int h = 1; h <= 30; h++) { /* 30 hosts on 445 */
        snprintf(ip, sizeof ip, "192.168.2.%d", h);
        tcp(s, "192.168.1.66", 40000, ip, 445, 0x02, NULL);
    }
    assert_int_equal(th_count_alerts(s, 9100702), 1);
    /* slow: 30 ports over 30 minutes stays below 20 per minute */
    for (int port = 1; port <= 30; port++) {
        th_set_time(s, 1775010000.0 + 60.0 * port);
        tcp(s, "192.168.1.67", 40000, "192.168.1.1", (uint16_t)port, 0x02, NULL);
    }
    /* many connections to one port of one host are not a scan */
    for (int i = 0; i < 50; i++)
        tcp(s, "192.168.1.68", (uint16_t)(40000 + i), "192.168.1.1", 443, 0x02, NULL);
    /* DNS answers to ephemeral ports are not a UDP scan */
    for (int i = 0; i < 50; i++)
        udp(s, "192.168.1.1", 53, "192.168.1.69", (uint16_t)(30000 + i));
    assert_int_equal(th_count_alerts(s, 0), 2);
    /* first fragments (ports and flags decoded) are probes too: a fragmented
     * scan whose datagrams the sensor gave up; later fragments are not */
    for (int port = 1; port <= 30; port++) {
        struct mm_packet p;
        th_ip_packet(&p, "192.168.1.70", 40000, "192.168.1.2", (uint16_t)port, 6, 0x02, NULL);
        p.fragment = p.first_fragment = true;
        th_packet(s, &p);
        th_ip_packet(&p, "192.168.1.71", 0, "192.168.1.3", 0, 6, 0, NULL);
        p.fragment = true;
        p.dport = (uint16_t)port; /* never read: later fragments carry no header */
        th_packet(s, &p);
    }
    assert_int_equal(th_count_alerts(s, 9100701), 2);
    assert_int_equal(th_count_alerts(s, 0), 3);
    th_free(s);
}

/* Two recordings a year apart merged packet by packet: the scanner's
 * probes alternate between the years. Each recording's scan alerts once
 * (suppressed for an hour within its own year); a single remembered alert
 * time let every switch of year alert again, one alert per probe. */
static void test_scan_alternating_years(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_scan);
    for (int port = 1; port <= 200; port++) {
        double year = port % 2 ? 365.0 * 86400 : 0;
        th_set_time(s, 1775001600.0 - year + port);
        tcp(s, "192.168.1.66", 40000, "192.168.1.1", (uint16_t)port, 0x02, NULL);
    }
    assert_int_equal(th_count_alerts(s, 9100701), 2);
    assert_int_equal(th_count_alerts(s, 0), 2);
    th_free(s);
}

/* ---- each recording of a merged capture as alone ------------------------- */

#define YEAR (365.0 * 86400)

/* One packet of a crafted recording. */
struct rec_packet {
    double t;
    const char *src, *dst;
    uint16_t sport, dport;
    uint8_t proto, flags;
};

/* A recording: its packets in time order. */
struct recording {
    struct rec_packet pkt[2048];
    size_t n;
};

static void rec_add(struct recording *r, double t, const char *src, uint16_t sport, const char *dst,
                    uint16_t dport, uint8_t proto, uint8_t flags)
{
    assert_true(r->n < sizeof r->pkt / sizeof r->pkt[0]);
    r->pkt[r->n++] = (struct rec_packet){t, src, dst, sport, dport, proto, flags};
}

static int rec_order(const void *a, const void *b)
{
    const struct rec_packet *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* Runs det over the recording merged packet by packet with copies - 1
 * copies of itself, the k-th k years earlier: each packet, then its
 * copies (earlier_first: the earliest copy first, the recording last).
 * A packet keeps its number in the recording, so the alerts of each copy
 * are the recording's but for their time stamps. */
static struct mm_sensor *play(const struct mm_detector *det, const struct recording *r, int copies,
                              bool earlier_first)
{
    struct mm_sensor *s = th_new(NULL, NULL, NULL, det);
    for (size_t i = 0; i < r->n; i++) {
        const struct rec_packet *q = &r->pkt[i];
        for (int c = 0; c < copies; c++) {
            int k = earlier_first ? copies - 1 - c : c;
            double t = q->t - k * YEAR;
            struct mm_packet p;
            th_ip_packet(&p, q->src, q->sport, q->dst, q->dport, q->proto, q->flags, NULL);
            th_set_time(s, t);
            p.ts = s->now;
            p.num = i + 1;
            th_packet(s, &p);
        }
    }
    return s;
}

/* The alerts of each copy in merged (by the year of their time stamps) are
 * alone's, in the same order, but for the year. */
static void expect_each_as_alone(const struct mm_sensor *alone, const struct mm_sensor *merged,
                                 int copies)
{
    size_t n = json_array_size(alone->alerts);
    assert_int_equal(json_array_size(merged->alerts), (size_t)copies * n);
    for (int k = 0; k < copies; k++) {
        size_t seen = 0;
        for (size_t i = 0; i < json_array_size(merged->alerts); i++) {
            json_t *a = json_deep_copy(json_array_get(merged->alerts, i));
            const char *ts = json_string_value(json_object_get(a, "timestamp"));
            assert_non_null(ts);
            if (atoi(ts) != 2026 - k) {
                json_decref(a);
                continue;
            }
            assert_true(seen < n);
            json_t *b = json_deep_copy(json_array_get(alone->alerts, seen++));
            assert_string_equal(ts + 4, json_string_value(json_object_get(b, "timestamp")) + 4);
            json_object_del(a, "timestamp");
            json_object_del(b, "timestamp");
            if (!json_equal(a, b)) {
                char *x = json_dumps(a, JSON_SORT_KEYS), *y = json_dumps(b, JSON_SORT_KEYS);
                print_error("copy %d, alert %zu:\n  merged %s\n  alone  %s\n", k, seen, x, y);
                free(x);
                free(y);
                fail();
            }
            json_decref(a);
            json_decref(b);
        }
        assert_int_equal(seen, n);
    }
}

/* Runs det over r alone and merged with one and two copies of itself a
 * year apart, in both orders, and checks each copy alerts as r alone;
 * returns the number of alerts of r alone. */
static size_t expect_merged_as_alone(const struct mm_detector *det, const struct recording *r,
                                     int most_copies)
{
    struct mm_sensor *alone = play(det, r, 1, false);
    for (int copies = 2; copies <= most_copies; copies++)
        for (int order = 0; order < 2; order++) {
            struct mm_sensor *merged = play(det, r, copies, order == 1);
            print_message("%d copies%s: %zu alerts (alone %zu)\n", copies,
                          order ? ", earliest first" : "", th_count_alerts(merged, 0),
                          th_count_alerts(alone, 0));
            expect_each_as_alone(alone, merged, copies);
            th_free(merged);
        }
    size_t n = th_count_alerts(alone, 0);
    th_free(alone);
    return n;
}

/* A port scan and a host sweep (each alerts), a slow scan (20 ports a
 * minute apart), and two sources repeating 15 ports of one host and 20
 * hosts on one port many times within the window (repeats: none alerts).
 * Merged with a copy a year earlier, the earlier copy counted the later
 * one's probes (after its now: the slow scan alerted), and the later one's
 * search for a repeat stopped at the earlier one's probes, so each repeat
 * counted again (both repeating sources alerted). Three copies also need
 * the suppression of three recordings. */
static void scan_recording(struct recording *r)
{
    static char hosts[20][32];
    const double t0 = 1775001600.0;
    for (int i = 0; i < 30; i++) {
        rec_add(r, t0 + i, "192.168.1.66", 40000, "192.168.1.1", (uint16_t)(1 + i), 6, 0x02);
        snprintf(hosts[i % 20], sizeof hosts[0], "192.168.3.%d", 1 + i % 20);
    }
    for (int i = 0; i < 30; i++) {
        static char sweep[30][32];
        snprintf(sweep[i], sizeof sweep[0], "192.168.2.%d", 1 + i);
        rec_add(r, t0 + 40 + i, "192.168.1.66", 40000, sweep[i], 445, 6, 0x02);
    }
    for (int i = 0; i < 30; i++)
        rec_add(r, t0 + 100 + 61.0 * i, "192.168.1.67", 40000, "192.168.1.1", (uint16_t)(1 + i), 6,
                0x02);
    for (int i = 0; i < 150; i++) {
        rec_add(r, t0 + 200 + 0.5 * i, "192.168.1.68", 40000, "192.168.1.2", (uint16_t)(1 + i % 15),
                6, 0x02);
        rec_add(r, t0 + 200.25 + 0.5 * i, "192.168.1.69", 40000, hosts[i % 20], 22, 6, 0x02);
    }
    qsort(r->pkt, r->n, sizeof r->pkt[0], rec_order);
}

static void test_scan_merged_as_alone(void **state)
{
    (void)state;
    static struct recording r;
    r.n = 0;
    scan_recording(&r);
    assert_int_equal(expect_merged_as_alone(&mm_detector_scan, &r, 3), 2);
}

/* A TCP beacon every 60 s (+-1 s, each start retransmitted half a second
 * later), a UDP beacon every 300 s, and a pair at irregular gaps: the two
 * beacons alert once each. Merged with a copy a year earlier, the pair's
 * one ring of starts held both years: every other gap a year long,
 * nothing periodic, no alert in either copy. */
static void beacon_recording(struct recording *r)
{
    static const int gaps[] = {5, 300, 17, 90, 2, 700, 41, 12, 130, 9, 66, 400};
    const double t0 = 1775001600.0;
    double t = t0;
    for (int i = 0; i < 12; i++) {
        double at = t0 + 60.0 * i + (i % 2 ? 1.0 : -1.0);
        rec_add(r, at, "192.168.1.8", (uint16_t)(50000 + i), "203.0.113.50", 8080, 6, 0x02);
        rec_add(r, at + 0.5, "192.168.1.8", (uint16_t)(50000 + i), "203.0.113.50", 8080, 6, 0x02);
        rec_add(r, t0 + 7 + 300.0 * i, "192.168.1.9", 5353, "203.0.113.53", 4500, 17, 0);
        t += gaps[i];
        rec_add(r, t, "192.168.1.10", (uint16_t)(51000 + i), "203.0.113.51", 443, 6, 0x02);
    }
    qsort(r->pkt, r->n, sizeof r->pkt[0], rec_order);
}

static void test_beacon_merged_as_alone(void **state)
{
    (void)state;
    static struct recording r;
    r.n = 0;
    beacon_recording(&r);
    assert_int_equal(expect_merged_as_alone(&mm_detector_beacon, &r, 2), 2);
}

/* The alert's connection count on a merged capture once a ring's count
 * has reached its cap: recording B's ring carries A's 20 starts on (a
 * pause too long for a period), counts to the cap, and when time goes
 * back to A the carried starts are taken off; B's next alert then counts
 * B's own 21 starts, as B alone would (it said 13: the carried count was
 * taken off a count already capped). */
static int64_t beacon_connections_last(const struct mm_sensor *s)
{
    size_t n = th_count_alerts(s, 9100901);
    assert_true(n > 0);
    const json_t *ev =
        json_object_get(json_object_get(th_alert(s, 9100901, n - 1), "mamori"), "evidence");
    return json_integer_value(json_object_get(ev, "connections"));
}

static void beacon_start_at(struct mm_sensor *s, double t, uint16_t sport)
{
    th_set_time(s, t);
    tcp(s, "192.168.1.8", sport, "203.0.113.50", 8080, 0x02, NULL);
}

static void test_beacon_count_after_carry(void **state)
{
    (void)state;
    struct mm_sensor *s =
        th_new("[detect.beacon]\nsuppress_seconds = 0\n", NULL, NULL, &mm_detector_beacon);
    const double b = 1775001600.0, a = b - 365 * 86400.0;
    for (int i = 0; i < 20; i++)
        beacon_start_at(s, a + 60.0 * i, (uint16_t)(40000 + i));
    assert_int_equal(beacon_connections_last(s), 20);
    for (int i = 0; i < 20; i++)
        beacon_start_at(s, b + 60.0 * i, (uint16_t)(41000 + i));
    assert_int_equal(beacon_connections_last(s), 32); /* 20 carried on, at the cap */
    beacon_start_at(s, a + 60.0 * 20, 40020);         /* back to A: A's own 21 */
    assert_int_equal(beacon_connections_last(s), 21);
    beacon_start_at(s, b + 60.0 * 20, 41020); /* B's own 21, as alone */
    assert_int_equal(beacon_connections_last(s), 21);
    th_free(s);
}

/* mm__suppress_allow and _denies on time stamps in order (one alert per
 * window), back in time (a merged capture's earlier recording alerts again)
 * and back and forth between two or four years (each year keeps its own
 * window). */
static void test_suppress_times(void **state)
{
    (void)state;
    struct mm__suppress *t;
    const int64_t S = 1000000, H = 3600 * S, Y = 365 * 24 * H, t0 = 1775001600LL * S;
    assert_int_equal(mm__suppress_new(16, &t), 0);
    assert_true(mm__suppress_allow(t, 7, t0, H));
    assert_true(mm__suppress_denies(t, 7, t0 + H - 1, H));
    assert_false(mm__suppress_allow(t, 7, t0 + H - 1, H));
    assert_true(mm__suppress_allow(t, 7, t0 + H, H)); /* the window has passed */
    assert_false(mm__suppress_allow(t, 7, t0 + H + S, H));
    /* back a year: the earlier recording's first alert, then its window */
    assert_true(mm__suppress_allow(t, 7, t0 - Y, H));
    assert_false(mm__suppress_allow(t, 7, t0 - Y + S, H));
    /* forward again, within the later year's window: still suppressed */
    assert_true(mm__suppress_denies(t, 7, t0 + H + 2 * S, H));
    assert_false(mm__suppress_allow(t, 7, t0 + H + 2 * S, H));
    for (int64_t i = 3; i < 1000; i++) /* alternating: both years stay suppressed */
        assert_false(mm__suppress_allow(t, 7, (i % 2 ? t0 - Y : t0 + H) + i * S, H));
    assert_true(mm__suppress_allow(t, 7, t0 - Y + H, H)); /* each year's window ends */
    assert_true(mm__suppress_allow(t, 7, t0 + 2 * H, H));
    assert_false(mm__suppress_denies(t, 8, t0, H)); /* another key */
    /* four recordings a year apart taking turns: each alerts once, then
     * keeps its own window (with two times kept, three re-alerted at every
     * change); a fifth alerts, in turn with them */
    const int64_t t1 = t0 + 10 * Y;
    for (int64_t i = 0; i < 400; i++)
        assert_int_equal(mm__suppress_allow(t, 9, t1 - (i % 4) * Y + i * S, H), i < 4);
    assert_true(mm__suppress_allow(t, 9, t1 - 4 * Y, H));
    mm__suppress_free(t);
}

/* A plain model of the suppression table: every key in an array, searched
 * from the start; full at max keys, it drops what is older than the window,
 * then the older half, as mm__suppress_allow documents. */
#define REF_KEYS 512
struct ref_suppress {
    uint64_t key[REF_KEYS];
    int64_t at[REF_KEYS][4];
    size_t n, max;
};

static int64_t ref_newest(const int64_t at[4])
{
    int64_t t = at[0];
    for (int i = 1; i < 4; i++)
        t = at[i] > t ? at[i] : t;
    return t;
}

static void ref_keep_newer(struct ref_suppress *r, int64_t cutoff)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        if (ref_newest(r->at[i]) >= cutoff) {
            r->key[k] = r->key[i];
            memcpy(r->at[k++], r->at[i], sizeof r->at[i]);
        }
    r->n = k;
}

static bool ref_denies(const struct ref_suppress *r, uint64_t key, int64_t now, int64_t window)
{
    for (size_t i = 0; i < r->n; i++)
        for (int j = 0; r->key[i] == key && j < 4; j++)
            if (now >= r->at[i][j] && now - r->at[i][j] < window)
                return true;
    return false;
}

static bool ref_allow(struct ref_suppress *r, uint64_t key, int64_t now, int64_t window)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->key[i] != key)
            continue;
        for (int j = 0; j < 4; j++)
            if (now >= r->at[i][j] && now - r->at[i][j] < window)
                return false;
        memmove(&r->at[i][1], &r->at[i][0], 3 * sizeof r->at[i][0]);
        r->at[i][0] = now;
        return true;
    }
    if (r->n >= r->max) {
        ref_keep_newer(r, now - window);
        if (r->n >= r->max) {
            int64_t lo = now;
            for (size_t i = 0; i < r->n; i++)
                lo = ref_newest(r->at[i]) < lo ? ref_newest(r->at[i]) : lo;
            ref_keep_newer(r, lo + (now - lo) / 2 + 1);
        }
        if (r->n >= r->max) /* all after now: let through, not remembered */
            return true;
    }
    r->key[r->n] = key;
    for (int j = 0; j < 4; j++)
        r->at[r->n][j] = now;
    r->n++;
    return true;
}

/* The table grows from a few slots to its full size as keys come, and
 * gives the model's answers all along: 20,000 alerts of 1,500 keys at a
 * table of 300 (growing, full, dropping old keys, forgetting half), time
 * moving on by up to 20 s; then 20,000 of 200 keys, time jumping back and
 * forth by a year (two recordings merged). */
static void test_suppress_many_keys(void **state)
{
    (void)state;
    static struct ref_suppress ref = {.max = 300};
    struct mm__suppress *t;
    const int64_t S = 1000000, window = 600 * S, Y = 365 * 86400 * S;
    int64_t now = 1775001600LL * S, shift = 0;
    uint64_t rnd = 0x9e3779b97f4a7c15ULL;
    assert_int_equal(mm__suppress_new(ref.max, &t), 0);
    for (int i = 0; i < 40000; i++) {
        rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
        bool merged = i >= 20000;
        uint64_t key = 2 + rnd % (merged ? 200 : 1500);
        now += (int64_t)(rnd >> 40) % (20 * S);
        if (merged && rnd % 97 == 0)
            shift = shift ? 0 : -Y;
        assert_int_equal(mm__suppress_denies(t, key, now + shift, window),
                         ref_denies(&ref, key, now + shift, window));
        assert_int_equal(mm__suppress_allow(t, key, now + shift, window),
                         ref_allow(&ref, key, now + shift, window));
        assert_int_equal(mm__suppress_count(t), ref.n);
    }
    mm__suppress_free(t);
}

/* A full table whose keys all lie after now can drop none of them: new
 * keys, each at a time before all others (a crafted capture going back
 * packet by packet), are let through, not remembered (until session 26 the
 * search for a free slot never ended), and the table keeps its 16 keys:
 * it does not fill its 32 slots (stored up to the last free slot, every
 * look-up of a new key probed nearly the whole table: for the intel
 * detector 131,071 of 131,072 slots per packet). */
static void test_suppress_full_of_later_keys(void **state)
{
    (void)state;
    struct mm__suppress *t;
    const int64_t S = 1000000, H = 3600 * S, Y = 365 * 24 * H, t0 = 1775001600LL * S;
    assert_int_equal(mm__suppress_new(16, &t), 0);
    for (uint64_t k = 1; k <= 16; k++)
        assert_true(mm__suppress_allow(t, k, t0, H));
    for (uint64_t k = 100; k < 200; k++) { /* more than the table's 32 slots */
        assert_true(mm__suppress_allow(t, k, t0 - Y - (int64_t)(k - 100) * S, H));
        assert_int_equal(mm__suppress_count(t), 16);
    }
    assert_false(mm__suppress_allow(t, 1, t0 + S, H));      /* the later keys are kept */
    assert_true(mm__suppress_allow(t, 100, t0 - Y + S, H)); /* the new one was not */
    assert_int_equal(mm__suppress_count(t), 16);
    mm__suppress_free(t);
}

static void test_beacon(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_beacon);
    double t = 1775001600.0;
    for (int i = 0; i < 10; i++) { /* every 60 s, +-1 s */
        th_set_time(s, t + 60.0 * i + (i % 2 ? 1.0 : -1.0));
        tcp(s, "192.168.1.8", (uint16_t)(50000 + i), "203.0.113.50", 8080, 0x02, NULL);
        tcp(s, "192.168.1.8", (uint16_t)(50000 + i), "203.0.113.50", 8080, 0x02, NULL);
    }
    assert_int_equal(th_count_alerts(s, 9100901), 1);
    const json_t *a = th_alert(s, 9100901, 0);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(a, "alert"), "signature")),
               "every 60 s"));
    /* irregular gaps: no alert */
    static const int gaps[] = {5, 300, 17, 90, 2, 700, 41, 12, 130, 9};
    t = 1775100000.0;
    for (int i = 0; i < 10; i++) {
        t += gaps[i];
        th_set_time(s, t);
        tcp(s, "192.168.1.9", (uint16_t)(50000 + i), "203.0.113.51", 443, 0x02, NULL);
    }
    assert_int_equal(th_count_alerts(s, 0), 1);
    /* IP fragments (no ports, no flow; the rebuilt datagram is seen later)
     * are no connection starts, however regular */
    t = 1775200000.0;
    for (int i = 0; i < 10; i++) {
        struct mm_packet p;
        th_set_time(s, t + 60.0 * i);
        th_ip_packet(&p, "192.168.1.7", 0, "203.0.113.52", 0, 17, 0, NULL);
        p.fragment = true;
        th_packet(s, &p);
    }
    assert_int_equal(th_count_alerts(s, 0), 1);
    th_free(s);
}

/* A full pair table: idle pairs are removed in place and every pair that
 * stays is still found. Twenty beacons are added after 6,000 other pairs
 * (so most sit in probe chains behind them); an hour later those pairs are
 * idle, and 200 new ones fill the table, which removes the idle ones while
 * the beacons go on: each beacon alerts with all its starts (a pair lost
 * and made again would have fewer), and a new beacon is followed too. */
static void test_beacon_full_table(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_beacon);
    double t = 1775300000.0;
    char dst[32];
    th_set_time(s, t);
    for (int i = 0; i < 6000; i++) { /* under 3/4 of the 8192 slots, with the beacons */
        snprintf(dst, sizeof dst, "198.51.%d.%d", 100 + i / 250, i % 250);
        tcp(s, "192.168.1.9", (uint16_t)(41000 + i % 20000), dst, (uint16_t)(1000 + i % 7), 0x02,
            NULL);
    }
    for (int b = 0; b < 20; b++) { /* the beacons' first starts */
        snprintf(dst, sizeof dst, "203.0.113.%d", 60 + b);
        tcp(s, "192.168.1.8", 40000, dst, 8443, 0x02, NULL);
    }
    for (int i = 1; i < 10; i++) {
        th_set_time(s, t + 3590.0 + 60.0 * i);
        for (int b = 0; b < 20; b++) {
            snprintf(dst, sizeof dst, "203.0.113.%d", 60 + b);
            tcp(s, "192.168.1.8", (uint16_t)(40000 + i), dst, 8443, 0x02, NULL);
        }
        for (int j = 0; i == 1 && j < 200; j++) { /* past 3/4: the idle pairs go */
            snprintf(dst, sizeof dst, "198.18.%d.%d", j / 250, j % 250);
            tcp(s, "192.168.1.11", 42000, dst, 443, 0x02, NULL);
        }
        tcp(s, "192.168.1.10", (uint16_t)(40000 + i), "203.0.113.99", 8080, 0x02, NULL);
    }
    assert_int_equal(th_count_alerts(s, 9100901), 21);
    for (int b = 0; b < 20; b++) {
        const json_t *ev =
            json_object_get(json_object_get(th_alert(s, 9100901, (size_t)b), "mamori"), "evidence");
        assert_int_equal(json_integer_value(json_object_get(ev, "connections")), 9);
    }
    const json_t *ev =
        json_object_get(json_object_get(th_alert(s, 9100901, 20), "mamori"), "evidence");
    assert_string_equal(json_string_value(json_object_get(ev, "dest_ip")), "203.0.113.99");
    th_free(s);
}

static void test_cleartext(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_cleartext_credentials);
    /* "office:secret" in Base64 */
    tcp(s, "192.168.1.5", 50000, "192.168.1.2", 80, 0x18,
        "GET /admin HTTP/1.1\r\nHost: printer\r\nAuthorization: Basic "
        "b2ZmaWNlOnNlY3JldA==\r\n\r\n");
    tcp(s, "192.168.1.5", 50001, "203.0.113.7", 21, 0x18, "USER tanaka\r\n");
    tcp(s, "192.168.1.5", 50002, "203.0.113.7", 21, 0x18, "USER anonymous\r\n");
    tcp(s, "192.168.1.3", 23, "192.168.1.5", 50003, 0x18, "\r\nrouter login: ");
    tcp(s, "192.168.1.5", 50004, "192.168.1.2", 80, 0x18,
        "GET / HTTP/1.1\r\nHost: printer\r\nAuthorization: Bearer abc\r\n\r\n");
    assert_int_equal(th_count_alerts(s, 9101001), 1);
    assert_int_equal(th_count_alerts(s, 9101002), 1);
    assert_int_equal(th_count_alerts(s, 9101003), 1);
    assert_int_equal(th_count_alerts(s, 0), 3);
    const json_t *ev =
        json_object_get(json_object_get(th_alert(s, 9101001, 0), "mamori"), "evidence");
    assert_string_equal(json_string_value(json_object_get(ev, "user")), "office");
    char *dump = json_dumps(th_alert(s, 9101001, 0), 0);
    assert_null(strstr(dump, "secret")); /* never the password */
    free(dump);
    ev = json_object_get(json_object_get(th_alert(s, 9101003, 0), "mamori"), "evidence");
    assert_string_equal(json_string_value(json_object_get(ev, "client")), "192.168.1.5");
    th_free(s);
}

/* The message of the alert a in lang. */
static const char *message(const json_t *a, const char *lang)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(a, "mamori"), "message"), lang));
}

/* Whether text contains part. */
static bool has(const char *text, const char *part)
{
    return text && strstr(text, part) != NULL;
}

/* A login whose user name was not seen is told without one, never "(user
 * -)" or "ユーザー 不明" (before session 24); with a user name the texts
 * name it as they did. Signature ids and evidence are the same either way. */
static void test_cleartext_texts_leave_out_unknown_user(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_cleartext_credentials);
    /* ":secret" and "office:secret" in Base64 */
    tcp(s, "192.168.1.5", 50000, "192.168.1.2", 80, 0x18,
        "GET / HTTP/1.1\r\nAuthorization: Basic OnNlY3JldA==\r\n\r\n");
    tcp(s, "192.168.1.5", 50001, "203.0.113.7", 21, 0x18, "USER \r\n");
    tcp(s, "192.168.1.6", 50002, "192.168.1.2", 80, 0x18,
        "GET / HTTP/1.1\r\nAuthorization: Basic b2ZmaWNlOnNlY3JldA==\r\n\r\n");
    tcp(s, "192.168.1.6", 50003, "203.0.113.7", 21, 0x18, "USER tanaka\r\n");
    assert_int_equal(th_count_alerts(s, 9101001), 2);
    assert_int_equal(th_count_alerts(s, 9101002), 2);
    for (size_t i = 0; i < 2; i++) {
        const json_t *a[2] = {th_alert(s, 9101001, i), th_alert(s, 9101002, i)};
        for (size_t k = 0; k < 2; k++) {
            const json_t *ev = json_object_get(json_object_get(a[k], "mamori"), "evidence");
            assert_string_equal(json_string_value(json_object_get(ev, "user")), i == 0 ? ""
                                                                                : k == 0
                                                                                    ? "office"
                                                                                    : "tanaka");
            const char *sig =
                json_string_value(json_object_get(json_object_get(a[k], "alert"), "signature"));
            assert_false(has(sig, "user") || has(sig, " -"));
        }
    }
    const json_t *http = th_alert(s, 9101001, 0), *ftp = th_alert(s, 9101002, 0);
    assert_true(has(message(http, "ja"), "ユーザー名とパスワードが送られました"));
    assert_true(has(message(http, "en"), "sent a user name and password to 192.168.1.2"));
    assert_true(has(message(ftp, "ja"), "ログインしました。"));
    assert_true(has(message(ftp, "en"), "sending files (FTP)."));
    for (size_t k = 0; k < 2; k++) {
        const json_t *a = k == 0 ? http : ftp;
        assert_false(has(message(a, "ja"), "不明") || has(message(a, "ja"), "(ユーザー"));
        assert_false(has(message(a, "en"), "user -") || has(message(a, "en"), "(user"));
    }
    http = th_alert(s, 9101001, 1);
    ftp = th_alert(s, 9101002, 1);
    assert_true(has(message(http, "ja"), "ユーザー名とパスワード(ユーザー office)が送られました"));
    assert_true(has(message(http, "en"), "user name and password (user office) to 192.168.1.2"));
    assert_true(has(message(ftp, "ja"), "ログインしました(ユーザー tanaka)。"));
    assert_true(has(message(ftp, "en"), "sending files (FTP, user tanaka)."));
    th_free(s);
}

/* An FTP USER command's name is its argument without the blanks around
 * it, as a server reads it (RFC 959: the command, a space, the argument):
 * more spaces or a tab before the name, blanks after it, are not part of
 * it; blanks inside it are. Before, everything after "USER " was kept:
 * "USER  tanaka" named " tanaka" and "USER  anonymous" alerted. */
static void test_cleartext_ftp_user_without_blanks(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_cleartext_credentials);
    static const struct {
        const char *line, *user; /* user NULL: no alert */
    } cases[] = {
        {"USER  tanaka\r\n", "tanaka"}, {"USER \t tanaka \t\r\n", "tanaka"},
        {"user tanaka   \n", "tanaka"}, {"USER  yamada taro \r\n", "yamada taro"},
        {"USER    \r\n", ""},           {"USER  anonymous\r\n", NULL},
        {"USER ftp \r\n", NULL},        {"USER  suzuki", "suzuki"}, /* the segment ends the line */
    };
    size_t alerts = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char client[32];
        snprintf(client, sizeof client, "192.168.1.%zu", 10 + i);
        tcp(s, client, 50000, "203.0.113.7", 21, 0x18, cases[i].line);
        if (!cases[i].user) {
            if (th_count_alerts(s, 9101002) != alerts)
                fail_msg("%s: alerted", cases[i].line);
            continue;
        }
        assert_int_equal(th_count_alerts(s, 9101002), ++alerts);
        const json_t *a = th_alert(s, 9101002, alerts - 1);
        const char *user = json_string_value(
            json_object_get(json_object_get(json_object_get(a, "mamori"), "evidence"), "user"));
        if (!user || strcmp(user, cases[i].user) != 0)
            fail_msg("%s: user \"%s\", not \"%s\"", cases[i].line, user ? user : "(none)",
                     cases[i].user);
    }
    assert_true(has(message(th_alert(s, 9101002, 0), "en"), "(FTP, user tanaka)."));
    assert_true(has(message(th_alert(s, 9101002, 0), "ja"), "(ユーザー tanaka)。"));
    th_free(s);
}

/* A tab between USER and the name is a login too: ProFTPD and Pure-FTPd
 * end the command word at any white space (vsftpd at a space only), so a
 * client sending "USER<TAB>name" logs in on them. Before, only "USER "
 * was read and such a login passed unseen. Still only to port 21, and the
 * command must end there: "USERtanaka" and "USERS" are no USER command. */
static void test_cleartext_ftp_user_after_tab(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_cleartext_credentials);
    static const struct {
        const char *line, *user; /* user NULL: no alert */
        uint16_t port;
    } cases[] = {
        {"USER\ttanaka\r\n", "tanaka", 21}, {"user\t\t sato \r\n", "sato", 21},
        {"USER\tanonymous\r\n", NULL, 21},  {"USER\ttanaka\r\n", NULL, 2121},
        {"USERtanaka\r\n", NULL, 21},       {"USERS\ttanaka\r\n", NULL, 21},
    };
    size_t alerts = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char client[32];
        snprintf(client, sizeof client, "192.168.1.%zu", 40 + i);
        tcp(s, client, 50000, "203.0.113.7", cases[i].port, 0x18, cases[i].line);
        if (!cases[i].user) {
            if (th_count_alerts(s, 9101002) != alerts)
                fail_msg("%s (port %d): alerted", cases[i].line, cases[i].port);
            continue;
        }
        if (th_count_alerts(s, 9101002) != ++alerts)
            fail_msg("%s: no alert", cases[i].line);
        const json_t *a = th_alert(s, 9101002, alerts - 1);
        const char *user = json_string_value(
            json_object_get(json_object_get(json_object_get(a, "mamori"), "evidence"), "user"));
        if (!user || strcmp(user, cases[i].user) != 0)
            fail_msg("%s: user \"%s\", not \"%s\"", cases[i].line, user ? user : "(none)",
                     cases[i].user);
    }
    assert_true(has(message(th_alert(s, 9101002, 0), "en"), "(FTP, user tanaka)."));
    th_free(s);
}

static void dns(struct mm_sensor *s, const char *type, const char *client, const char *name,
                const char *rcode)
{
    char ev[512];
    bool req = strcmp(type, "request") == 0;
    snprintf(ev, sizeof ev,
             "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"dns\","
             "\"src_ip\":\"%s\",\"dest_ip\":\"%s\",\"dns\":{\"type\":\"%s\",%s%s%s"
             "\"queries\":[{\"rrname\":\"%s\",\"rrtype\":\"A\"}]}}",
             req ? client : "192.168.1.1", req ? "192.168.1.1" : client, type,
             rcode ? "\"rcode\":\"" : "", rcode ? rcode : "", rcode ? "\"," : "", name);
    th_event(s, ev);
}

static void test_dns(void **state)
{
    (void)state;
    char name[128];
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_suspicious_dns);
    static const char *const benign[] = {"www.google.com",          "googleusercontent.com",
                                         "d1x2y3z4.cloudfront.net", "login.microsoftonline.com",
                                         "www.city.shinjuku.lg.jp", "xn--eckwd4c7c.xn--zckzah",
                                         "mail.example.co.jp",      "wpad.local"};
    for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++)
        dns(s, "request", "192.168.1.5", benign[i], NULL);
    assert_int_equal(th_count_alerts(s, 0), 0);
    dns(s, "request", "192.168.1.5", "xkqwzlvbnmfghjd.com", NULL);
    dns(s, "request", "192.168.1.5", "qz7x3k9p2m8w.net", NULL); /* same host: suppressed */
    dns(s, "request", "192.168.1.6", "a.b.qz7x3k9p2m8w4t.co.jp", NULL);
    assert_int_equal(th_count_alerts(s, 9100801), 2);
    /* NXDOMAIN: 19 are fine, the 20th alerts; outside clients are ignored */
    for (int i = 0; i < 25; i++) {
        snprintf(name, sizeof name, "host%d.example.com", i);
        dns(s, "response", "192.168.1.7", name, "NXDOMAIN");
        dns(s, "response", "203.0.113.5", name, "NXDOMAIN");
        if (i == 18)
            assert_int_equal(th_count_alerts(s, 9100802), 0);
    }
    assert_int_equal(th_count_alerts(s, 9100802), 1);

    /* a DNS tunnel: long encoded names under one domain; 19 stay quiet */
    unsigned seed = 7;
    for (int i = 0; i < 25; i++) {
        char label[48];
        for (size_t k = 0; k < 44; k++) {
            seed = seed * 1103515245u + 12345u;
            label[k] = "abcdefghijklmnopqrstuvwxyz234567"[(seed >> 16) % 32];
        }
        label[44] = '\0';
        snprintf(name, sizeof name, "%s.t.tunnel-test.example", label);
        dns(s, "request", "192.168.1.9", name, NULL);
        if (i == 18)
            assert_int_equal(th_count_alerts(s, 9100803), 0);
    }
    assert_int_equal(th_count_alerts(s, 9100803), 1);
    const json_t *ev =
        json_object_get(json_object_get(th_alert(s, 9100803, 0), "mamori"), "evidence");
    assert_string_equal(json_string_value(json_object_get(ev, "domain")), "tunnel-test.example");
    /* long but ordinary names (low entropy) do not count */
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%d.cdn.example", i % 3);
        dns(s, "request", "192.168.1.10", name, NULL);
    }
    assert_int_equal(th_count_alerts(s, 9100803), 1);
    th_free(s);
}

/* A 44-character encoded label from *seed. */
static void encoded_label(unsigned *seed, char label[45])
{
    for (size_t k = 0; k < 44; k++) {
        *seed = *seed * 1103515245u + 12345u;
        label[k] = "abcdefghijklmnopqrstuvwxyz234567"[(*seed >> 16) % 32];
    }
    label[44] = '\0';
}

/* Two recordings a year apart merged event by event: a tunnel's queries and
 * NXDOMAIN answers alternate between the years, 25 in each within a minute.
 * Each year's window counts its own (one alert per year); a single window
 * started over at every change of year and never counted past 1. */
static void test_dns_alternating_years(void **state)
{
    (void)state;
    char name[128], label[45];
    unsigned seed = 11;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_suspicious_dns);
    for (int i = 0; i < 50; i++) {
        double year = i % 2 ? 365.0 * 86400 : 0;
        th_set_time(s, 1775001600.0 - year + i);
        encoded_label(&seed, label);
        snprintf(name, sizeof name, "%s.t.tunnel-test.example", label);
        dns(s, "request", "192.168.1.9", name, NULL);
        snprintf(name, sizeof name, "host%d.example.com", i);
        dns(s, "response", "192.168.1.7", name, "NXDOMAIN");
    }
    assert_int_equal(th_count_alerts(s, 9100803), 2);
    assert_int_equal(th_count_alerts(s, 9100802), 2);
    th_free(s);
}

/* mm__window_count: in order, one window that starts over after its length;
 * a time a little before the start counts while the span stays within the
 * length; back and forth between two years, each year counts its own. */
static void test_window_times(void **state)
{
    (void)state;
    const int64_t S = 1000000, L = 300 * S, Y = 365 * 86400 * S, t0 = 1775001600LL * S;
    struct mm__window w[2] = {{0, 0, 0}, {0, 0, 0}};
    assert_int_equal(mm__window_count(w, t0, L), 1);
    assert_int_equal(mm__window_count(w, t0 + L, L), 2);
    assert_int_equal(mm__window_count(w, t0 + L + 1, L), 1); /* past: starts over */
    assert_int_equal(mm__window_count(w, t0 + L + 2 * S, L), 2);
    assert_int_equal(mm__window_count(w, t0 + L - S, L), 3); /* a little out of order */
    /* before the span by more than the length allows: a window of its own */
    assert_int_equal(mm__window_count(w, t0 + 2 * S - L, L), 1);
    memset(w, 0, sizeof w);
    for (int64_t i = 0; i < 40; i++) /* alternating years: 20 in each */
        assert_int_equal(mm__window_count(w, (i % 2 ? t0 - Y : t0) + i * S, L), i / 2 + 1);
    /* each year's window ends on its own; the other year's stays */
    assert_int_equal(mm__window_count(w, t0 + L + 100 * S, L), 1);
    assert_int_equal(mm__window_count(w, t0 - Y + 41 * S, L), 21);
    assert_int_equal(mm__window_count(w, t0 + L + 101 * S, L), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbound_inbound),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_scan_alternating_years),
        cmocka_unit_test(test_scan_merged_as_alone),
        cmocka_unit_test(test_beacon_merged_as_alone),
        cmocka_unit_test(test_beacon_count_after_carry),
        cmocka_unit_test(test_suppress_times),
        cmocka_unit_test(test_suppress_many_keys),
        cmocka_unit_test(test_suppress_full_of_later_keys),
        cmocka_unit_test(test_beacon),
        cmocka_unit_test(test_beacon_full_table),
        cmocka_unit_test(test_cleartext),
        cmocka_unit_test(test_cleartext_texts_leave_out_unknown_user),
        cmocka_unit_test(test_cleartext_ftp_user_without_blanks),
        cmocka_unit_test(test_cleartext_ftp_user_after_tab),
        cmocka_unit_test(test_dns),
        cmocka_unit_test(test_dns_alternating_years),
        cmocka_unit_test(test_window_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
