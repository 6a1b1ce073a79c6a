/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the sensor context (sensor.h): options from the command
 * line and the config file, the home network, events leaving in emission
 * order, the alert builders (header fields from the packet, the flow or the
 * event; the flow marked alerted), the intel swap between packets (live
 * flows checked again against the new set), and the
 * spool receiving only the configured event types with their seq; the
 * built-in detectors' optional hints. */
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
#include "core/ini.h"
#include "core/timefmt.h"
#include "pktbuild.h"
#include "sensor/detect/detect-util.h"
#include "sensor/detect/detect.h"
#include "sensor/intel/intel.h"
#include "sensor/sensor-int.h"
#include "../test-rand.h"
#include "../test-tmpdir.h"
#include "test-intel-feed.h"

static char dir[128], eve[192], ini[192];
static struct mm_sensor_options opt;
static struct mm_sensor *s;

static int setup(void **state)
{
    (void)state;
    if (test_tmpdir_make(dir, sizeof dir, "sensor") != 0 ||
        test_tmpdir_join(eve, sizeof eve, dir, "eve.json") != 0 ||
        test_tmpdir_join(ini, sizeof ini, dir, "s.ini") != 0)
        return -1;
    FILE *f = fopen(ini, "w");
    if (!f)
        return -1;
    fputs("[uplink]\nevent_types = alert, rdp\n[flow]\ntimeout_udp = 7\n", f);
    fclose(f);
    char *argv[] = {"mamori-sensor",
                    "-r",
                    "none.pcap",
                    "--eve",
                    eve,
                    "--config",
                    ini,
                    "--home-net",
                    "192.168.0.0/16,2001:db8::/32",
                    "--state",
                    dir,
                    NULL};
    if (mm__options_parse(11, argv, false, &opt) != 0)
        return -1;
    char err[256];
    return mm__sensor_new(&opt, NULL, &s, err, sizeof(err));
}

static int teardown(void **state)
{
    (void)state;
    mm__sensor_free(s);
    s = NULL;
    mm__options_free(&opt);
    return test_tmpdir_remove(dir);
}

/* The EVE lines written so far, of the given type (NULL: all). */
static json_t *read_events(const char *type)
{
    mm__sensor_flush(s);
    json_t *all = json_array();
    FILE *f = fopen(eve, "r");
    char line[8192];
    while (f && fgets(line, sizeof(line), f)) {
        json_t *ev = json_loads(line, 0, NULL);
        assert_non_null(ev);
        const char *t = json_string_value(json_object_get(ev, "event_type"));
        if (!type || (t && strcmp(t, type) == 0))
            json_array_append(all, ev);
        json_decref(ev);
    }
    if (f)
        fclose(f);
    return all;
}

static void test_options(void **state)
{
    (void)state;
    assert_int_equal(opt.flow.timeout[MM_FLOW_UDP], 7);
    assert_int_equal(opt.flow.timeout[MM_FLOW_TCP], 600);
    assert_int_equal(opt.flow.max_flows, 65536);
    assert_string_equal(opt.eve_path, eve);
    assert_int_equal(opt.home_net_count, 2);
    const struct mm_sensor_config *c = mm_sensor_config(s);
    assert_string_equal(c->state_dir, dir);
    assert_false(c->personal_devices_allowed);
}

static void test_home_net(void **state)
{
    (void)state;
    struct mm_addr a;
    mm_addr_parse("192.168.44.1", &a);
    assert_true(mm_sensor_is_home(s, &a));
    mm_addr_parse("192.169.0.1", &a);
    assert_false(mm_sensor_is_home(s, &a));
    mm_addr_parse("2001:db8:1::5", &a);
    assert_true(mm_sensor_is_home(s, &a));
    mm_addr_parse("2001:db9::5", &a);
    assert_false(mm_sensor_is_home(s, &a));
}

/* A sensor with the given --home-net list only (no state, EVE to /dev/null). */
static struct mm_sensor *sensor_with_home(const char *list, struct mm_sensor_options *o)
{
    char *argv[] = {"mamori-sensor", "-r",         "none.pcap",  "--eve",
                    "/dev/null",     "--home-net", (char *)list, NULL};
    memset(o, 0, sizeof *o);
    assert_int_equal(mm__options_parse(7, argv, false, o), 0);
    struct mm_sensor *hs = NULL;
    char err[256];
    assert_int_equal(mm__sensor_new(o, NULL, &hs, err, sizeof(err)), 0);
    return hs;
}

/* A bad [devices] value in options that did not come through
 * mm__options_parse (which refuses it with the rest of the file): the
 * sensor is refused as for bad settings, and its message names the file,
 * the key and the item, as mm__options_parse's does. */
static void test_devices_settings_refused(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"[devices]\nallow = 10.0.0.1, bogus\n", "s.ini: [devices] allow: bogus is not a MAC"},
        {"[devices]\naddress_change_interval = -5\n",
         "s.ini: [devices] address_change_interval must be a number from 0 to"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mm_sensor_options o;
        struct mm_ini *ini = NULL;
        struct mm_sensor *hs = NULL;
        char err[512] = "";
        char *argv[] = {"mamori-sensor", "-r", "none.pcap", "--eve", "/dev/null", NULL};
        memset(&o, 0, sizeof o);
        assert_int_equal(mm__options_parse(5, argv, false, &o), 0);
        assert_int_equal(mm_ini_load_string(bad[i][0], &ini, err, sizeof err), 0);
        mm_ini_free(o.ini);
        o.ini = ini;
        o.config_path = "s.ini";
        assert_int_equal(mm__sensor_new(&o, NULL, &hs, err, sizeof err), MM__SENSOR_BAD_SETTINGS);
        assert_null(hs);
        assert_non_null(strstr(err, bad[i][1]));
        mm__options_free(&o);
    }
}

/* The check an enrolment makes (mm__detect_settings_check_all, from each
 * detector's .settings table, with no sensor) refuses what the sensor's
 * start refuses (mm__sensor_new, the detectors' init), with the same
 * message, and takes what it takes: for every detector a key it does not
 * take, and each of its keys out of range (a word it does not know) and at
 * the end of its range (its first word). Every detector has its table. */
static void test_detector_settings_as_start(void **state)
{
    (void)state;
    size_t cases = 0;
    for (size_t i = 0; i < mm_detector_count; i++) {
        const struct mm_detector *d = mm_detectors[i];
        assert_non_null(d->settings);
        size_t n = 0;
        while (d->settings[n].key)
            n++;
        for (size_t k = 0; k <= 2 * n; k++) { /* the unknown key, then each key bad and good */
            const struct mm__setting *st = k ? &d->settings[(k - 1) / 2] : NULL;
            bool good = k && (k - 1) % 2 == 1;
            char value[64] = "1", text[256], why[MM_SENSOR_SETTINGS_ERROR], err[1024] = "";
            if (st && st->words)
                snprintf(value, sizeof value, "%.*s", good ? (int)strcspn(st->words, "|") : 8,
                         good ? st->words : "nonsense");
            else if (st)
                snprintf(value, sizeof value, "%ld", good ? st->max : st->max + 1);
            snprintf(text, sizeof text, "[detect.%s]\n%s = %s\n", d->name,
                     st ? st->key : "no_such_key", value);
            struct mm_sensor_options o;
            struct mm_ini *ini = NULL;
            struct mm_sensor *hs = NULL;
            char *argv[] = {"mamori-sensor", "-r", "none.pcap", "--eve", "/dev/null", NULL};
            memset(&o, 0, sizeof o);
            assert_int_equal(mm__options_parse(5, argv, false, &o), 0);
            assert_int_equal(mm_ini_load_string(text, &ini, err, sizeof err), 0);
            mm_ini_free(o.ini);
            o.ini = ini;
            o.config_path = "s.ini";
            int checked = mm__detect_settings_check_all(ini, "s.ini", why, sizeof why);
            int started = mm__sensor_new(&o, NULL, &hs, err, sizeof err);
            if (good ? checked != 0 || started != 0
                     : checked != MM_EINVAL || started != MM__SENSOR_BAD_SETTINGS ||
                           strcmp(err, why) != 0 || !strstr(why, d->name))
                fail_msg("%s: check %d \"%s\", start %d \"%s\"", text, checked, why, started, err);
            if (hs)
                assert_int_equal(mm__sensor_free(hs), 0);
            mm__options_free(&o);
            cases++;
        }
    }
    assert_true(cases > 3 * mm_detector_count);
}

/* mm_sensor_is_home (masks over the address's two halves) answers as
 * mm_cidr_contains over the list, for /0, /32, /128, odd prefix lengths,
 * both families and IPv4-mapped IPv6 addresses, on 200 000 addresses drawn
 * near the listed networks. */
static void test_home_net_masks(void **state)
{
    (void)state;
    static const char *const lists[] = {
        "0.0.0.0/0",
        "::/0",
        "10.1.2.3/32,172.16.0.0/12,192.168.1.128/25,fe80::/10,2001:db8::1/128,fc00::/7",
        "100.64.0.0/10,2001:db8:1234::/47",
    };
    uint64_t x = 0x243f6a8885a308d3ULL;
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        struct mm_sensor_options o;
        struct mm_sensor *hs = sensor_with_home(lists[l], &o);
        for (int i = 0; i < 50000; i++) {
            struct mm_addr a = {0};
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const struct mm_cidr *near = &o.home_net[x % o.home_net_count];
            a = near->addr; /* start inside a listed network, then flip a few bits */
            for (int k = 0; k < 2; k++)
                a.bytes[(x >> (8 + 8 * k)) % (a.family == 4 ? 4 : 16)] ^=
                    (uint8_t)(1u << ((x >> (40 + 3 * k)) % 8));
            if ((x >> 60) == 0 && a.family == 4) { /* the same address IPv4-mapped */
                uint8_t v4[4];
                memcpy(v4, a.bytes, 4);
                memset(a.bytes, 0, 16);
                a.bytes[10] = a.bytes[11] = 0xff;
                memcpy(a.bytes + 12, v4, 4);
                a.family = 6;
            }
            bool want = false;
            for (size_t c = 0; c < o.home_net_count; c++)
                want = want || mm_cidr_contains(&o.home_net[c], &a);
            assert_int_equal(mm_sensor_is_home(hs, &a), want);
        }
        mm__sensor_free(hs);
        mm__options_free(&o);
    }
}

/* Packet times a crafted capture can carry (any 64-bit second, micro-seconds
 * outside 0-999999) are clamped to the years 0-9999 and carried: every time
 * stamp the sensor writes for them parses back, and the run has no signed
 * overflow (UBSan in the ASan build). */
static void test_extreme_packet_times(void **state)
{
    (void)state;
    static const struct {
        int64_t sec, usec;
    } times[] = {
        {INT64_MAX, 0}, {INT64_MIN, 0},  {1775001600, -1},         {1775001600, 4294967295LL},
        {0, INT64_MIN}, {-1, INT64_MAX}, {253402300799LL, 999999}, {-62167219200LL, 0}};
    const uint8_t a[4] = {192, 168, 0, 10}, b[4] = {192, 168, 0, 20};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        struct pkt k = {0};
        pk_eth(&k, PK_MAC_A, PK_MAC_B, 0x0800);
        size_t ip = pk_ipv4(&k, a, b, 17, 0);
        pk_udp(&k, (uint16_t)(40000 + i), 9999, "x", 1);
        pk_ipv4_done(&k, ip);
        struct timeval ts = {.tv_sec = (time_t)times[i].sec, .tv_usec = (suseconds_t)times[i].usec};
        mm__pipeline_packet(s, &ts, k.b, (uint32_t)k.len, (uint32_t)k.len, 1);
    }
    mm__sensor_flush(s);
    json_t *all = read_events(NULL);
    assert_true(json_array_size(all) > 0);
    size_t i;
    json_t *ev;
    json_array_foreach(all, i, ev)
    {
        const char *text = json_string_value(json_object_get(ev, "timestamp"));
        assert_non_null(text);
        int64_t back;
        if (mm_time_parse(text, &back) != 0)
            fail_msg("event %zu: time stamp \"%s\" does not parse", i, text);
    }
    json_decref(all);
}

/* UDP from the MAC with the given source address at capture second sec. */
static void send_udp_at(struct mm_sensor *to, const uint8_t src[4], int64_t sec)
{
    const uint8_t dst[4] = {192, 168, 0, 1};
    struct pkt k = {0};
    pk_eth(&k, PK_MAC_A, PK_MAC_B, 0x0800);
    size_t ip = pk_ipv4(&k, src, dst, 17, 0);
    pk_udp(&k, 40000, 9999, "x", 1);
    pk_ipv4_done(&k, ip);
    struct timeval ts = {.tv_sec = (time_t)sec};
    mm__pipeline_packet(to, &ts, k.b, (uint32_t)k.len, (uint32_t)k.len, 1);
}

/* The device events in the EVE file with this action. */
static size_t device_events(struct mm_sensor *of, const char *action)
{
    mm__sensor_flush(of);
    FILE *f = fopen(eve, "r");
    char line[8192];
    size_t n = 0;
    while (f && fgets(line, sizeof(line), f)) {
        json_t *ev = json_loads(line, 0, NULL);
        assert_non_null(ev);
        const char *a = json_string_value(json_object_get(json_object_get(ev, "device"), "action"));
        n += a && strcmp(a, action) == 0;
        json_decref(ev);
    }
    if (f)
        fclose(f);
    return n;
}

/* A quiet live network without --state (so no periodic save sweeps the
 * inventory): a device's held-back address change is announced by the
 * capture loop's idle call (a read time-out) once overdue, with no packet
 * to run the inventory's own sweep. */
static void test_idle_announces_silent_change(void **state)
{
    (void)state;
    char *argv[] = {"mamori-sensor", "-r", "none.pcap", "--eve", eve, NULL};
    struct mm_sensor_options o;
    struct mm_sensor *q;
    char err[256];
    assert_int_equal(mm__options_parse(5, argv, false, &o), 0);
    assert_int_equal(mm__sensor_new(&o, NULL, &q, err, sizeof(err)), 0);
    const int64_t t0 = 1775001600; /* 2026-04-01T00:00:00Z */
    const uint8_t first[4] = {192, 168, 0, 10}, second[4] = {192, 168, 0, 11};
    send_udp_at(q, first, t0);
    send_udp_at(q, second, t0 + 60); /* held back: at most one change an interval */
    size_t before = device_events(q, "changed");
    struct timeval now = {.tv_sec = (time_t)(t0 + 120)};
    mm__pipeline_idle(q, &now);
    assert_int_equal(device_events(q, "changed"), before);
    now.tv_sec = (time_t)(t0 + 2 * 86400);
    mm__pipeline_idle(q, &now);
    assert_int_equal(device_events(q, "changed"), before + 1);
    mm__sensor_free(q);
    mm__options_free(&o);
}

static void test_emit_order_and_spool(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++) {
        json_t *ev = json_pack("{s:s, s:s, s:i}", "timestamp", "2026-04-01T00:00:00.000000+0000",
                               "event_type", i % 2 ? "rdp" : "quic", "n", i);
        mm_sensor_emit(s, ev);
    }
    mm_sensor_emit(s, NULL); /* ignored */
    json_t *all = read_events(NULL);
    int n = 0;
    size_t i;
    json_t *ev;
    json_array_foreach(all, i, ev)
    {
        json_t *num = json_object_get(ev, "n");
        if (!num)
            continue;
        assert_int_equal(json_integer_value(num), n);
        /* only "rdp" events went to the spool and carry a seq */
        assert_int_equal(json_object_get(ev, "seq") != NULL, n % 2 == 1);
        n++;
    }
    assert_int_equal(n, 5);
    json_decref(all);
    assert_int_equal(mm_spool_last_seq(s->spool), 2);
}

static void test_alert_packet_marks_flow(void **state)
{
    (void)state;
    struct mm_packet p;
    memset(&p, 0, sizeof(p));
    mm_addr_parse("192.168.1.10", &p.src);
    mm_addr_parse("203.0.113.5", &p.dst);
    p.ip_version = 4;
    p.ip_proto = 6;
    p.sport = 51000;
    p.dport = 443;
    p.ts.tv_sec = 1775001600;
    p.num = 9;
    mm_flow_clock_update(s->flows, &p.ts);
    struct mm_flow *f = mm_flow_packet(s->flows, &p);
    assert_non_null(f);
    struct mm_eve_alert a = {.signature_id = 9100001,
                             .signature = "test",
                             .category = "Misc activity",
                             .severity = MM_SEV_LOW,
                             .detector = "intel",
                             .message_ja = "テスト",
                             .message_en = "test",
                             .evidence = json_pack("{s:s}", "k", "v")};
    mm_sensor_alert_packet(s, &p, &a);
    assert_true(f->alerted);
    json_t *alerts = read_events("alert");
    assert_int_equal(json_array_size(alerts), 1);
    json_t *ev = json_array_get(alerts, 0);
    assert_int_equal(json_integer_value(json_object_get(ev, "flow_id")), (json_int_t)f->id);
    assert_string_equal(json_string_value(json_object_get(ev, "community_id")),
                        mm_flow_community_id(f));
    assert_int_equal(json_integer_value(json_object_get(ev, "pcap_cnt")), 9);
    assert_int_equal(json_integer_value(json_object_get(ev, "dest_port")), 443);
    assert_non_null(json_object_get(ev, "seq")); /* alerts are spooled */
    assert_int_equal(s->st.intel_hits, 1);

    /* an alert about that alert event copies its header */
    struct mm_eve_alert b = {.signature_id = 9100002,
                             .signature = "second",
                             .category = "Misc activity",
                             .severity = MM_SEV_INFO,
                             .detector = "other",
                             .message_ja = "二つ目",
                             .message_en = "second"};
    mm_sensor_alert_event(s, ev, &b);
    json_incref(ev);
    json_decref(alerts);
    alerts = read_events("alert");
    assert_int_equal(json_array_size(alerts), 2);
    json_t *ev2 = json_array_get(alerts, 1);
    const char *keys[] = {"timestamp", "flow_id", "src_ip",       "src_port", "dest_ip",
                          "dest_port", "proto",   "community_id", "pcap_cnt"};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        if (!json_equal(json_object_get(ev, keys[k]), json_object_get(ev2, keys[k])))
            fail_msg("%s differs", keys[k]);
    json_decref(ev);
    json_decref(alerts);
}

static void test_intel_swap(void **state)
{
    (void)state;
    struct mm_intel *fake = (struct mm_intel *)&opt; /* any non-NULL pointer */
    assert_null(mm__sensor_swap_intel(s, fake));
    assert_ptr_equal(mm_sensor_intel(s), fake);
    assert_ptr_equal(mm__sensor_swap_intel(s, NULL), fake);
    assert_null(mm_sensor_intel(s));
}

/* One TCP packet 192.168.0.10:40000 -> 203.0.113.9:443 at second t. */
static void send_tcp(int64_t t, uint8_t flags, uint32_t seq)
{
    const uint8_t a[4] = {192, 168, 0, 10}, b[4] = {203, 0, 113, 9};
    struct pkt k = {0};
    pk_eth(&k, PK_MAC_A, PK_MAC_B, 0x0800);
    size_t ip = pk_ipv4(&k, a, b, 6, 0);
    pk_tcp(&k, 40000, 443, seq, 0, flags, NULL, 0, NULL, 0);
    pk_ipv4_done(&k, ip);
    struct timeval ts = {.tv_sec = (time_t)t, .tv_usec = 0};
    mm__pipeline_packet(s, &ts, k.b, (uint32_t)k.len, (uint32_t)k.len, 1);
}

/* The intel detector's alerts written so far (a JSON array, owned). */
static json_t *intel_alerts(void)
{
    json_t *alerts = read_events("alert"), *hits = json_array();
    size_t i;
    json_t *al;
    json_array_foreach(alerts, i, al)
    {
        const char *det =
            json_string_value(json_object_get(json_object_get(al, "mamori"), "detector"));
        if (det && strcmp(det, "intel") == 0)
            json_array_append(hits, al);
    }
    json_decref(alerts);
    return hits;
}

/* The intel detector checks a flow's addresses at its first packet; a flow
 * still going when a reload swaps the set is checked again, against the new
 * set, at its next packet (a C2 connection held open across a feed update). */
static void test_reload_rechecks_live_flows(void **state)
{
    (void)state;
    mm_intel_free(mm__sensor_swap_intel(s, test_intel_from_feed(dir, "198.51.100.7\n")));
    send_tcp(1775001600, 0x02, 1000); /* SYN: the peer is not listed */
    send_tcp(1775001601, 0x10, 1001);
    json_t *hits = intel_alerts();
    assert_int_equal(json_array_size(hits), 0);
    json_decref(hits);
    mm_intel_free(mm__sensor_swap_intel(s, test_intel_from_feed(dir, "203.0.113.9\n")));
    send_tcp(1775001602, 0x10, 1001); /* the same flow, after the reload */
    hits = intel_alerts();
    assert_int_equal(json_array_size(hits), 1);
    const json_t *al = json_array_get(hits, 0);
    assert_string_equal(json_string_value(json_object_get(al, "dest_ip")), "203.0.113.9");
    assert_true(json_integer_value(json_object_get(al, "flow_id")) > 0);
    json_decref(hits);
    send_tcp(1775001603, 0x10, 1001); /* checked once per set: no second alert */
    hits = intel_alerts();
    assert_int_equal(json_array_size(hits), 1);
    json_decref(hits);
    mm_intel_free(mm__sensor_swap_intel(s, NULL));
}

/* ---- alert timestamps: the event's text against parse-and-format ---- */

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint64_t rnd(uint64_t n)
{
    return test_xorshift(&rng) % n;
}

/* A random capture clock: any second of 1970-2106, sometimes the same
 * minute as before, the micro-seconds sometimes out of range. */
static struct timeval random_now(const struct timeval *prev)
{
    struct timeval t = *prev;
    switch (rnd(4)) {
    case 0:
        t.tv_sec = (time_t)rnd(4294967296u);
        break;
    case 1:
        t.tv_sec += (time_t)rnd(3);
        break;
    default:
        break;
    }
    t.tv_usec = rnd(50) == 0 ? (suseconds_t)(1000000 + rnd(5)) : (suseconds_t)rnd(1000000);
    return t;
}

/* The event's "timestamp" text: the clock's own text (the usual case),
 * another instant's, the same instant in another zone, a short fraction,
 * garbage, or none. */
static const char *random_stamp(const struct timeval *now, char *buf)
{
    struct timeval other = {.tv_sec = (time_t)rnd(4294967296u),
                            .tv_usec = (suseconds_t)rnd(1000000)};
    switch (rnd(8)) {
    case 0:
        mm__time_format(&other, buf);
        return buf;
    case 1:
        return "2026-04-01T09:00:00.5+0900";
    case 2:
        return "2026-04-01T00:00:00Z";
    case 3:
        return rnd(2) ? "not a time" : NULL;
    default:
        mm__time_format(now, buf);
        return buf;
    }
}

/* 3000 alerts about events: each alert's timestamp is what parsing the
 * event's text and formatting it again gives (the capture clock's text when
 * the text does not parse), as before the shortcut for the clock's own
 * text. */
static void test_alert_event_time_matches_parse(void **state)
{
    (void)state;
    enum { N = 3000 };
    static char expect[N][MM_TIMESTAMP_MAX];
    struct timeval now = {.tv_sec = 1775001600, .tv_usec = 0};
    json_t *before = read_events("alert");
    size_t base = json_array_size(before);
    json_decref(before);
    for (int i = 0; i < N; i++) {
        char buf[MM_TIMESTAMP_MAX];
        now = random_now(&now);
        s->now = now;
        const char *ts = random_stamp(&now, buf);
        json_t *ev = json_pack("{s:s}", "event_type", "test");
        if (ts)
            json_object_set_new(ev, "timestamp", json_string(ts));
        int64_t usec;
        struct timeval want = ts && mm_time_parse(ts, &usec) == 0 ? mm_time_from_usec(usec) : now;
        mm__time_format(&want, expect[i]);
        struct mm_eve_alert a = {.signature_id = 9100003,
                                 .signature = "t",
                                 .category = "Misc activity",
                                 .severity = MM_SEV_INFO,
                                 .detector = "other",
                                 .message_ja = "t",
                                 .message_en = "t"};
        mm_sensor_alert_event(s, ev, &a);
        json_decref(ev);
    }
    json_t *alerts = read_events("alert");
    assert_int_equal(json_array_size(alerts), base + N);
    for (int i = 0; i < N; i++)
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(alerts, base + i), "timestamp")),
            expect[i]);
    json_decref(alerts);
}

/* The built-in detectors' optional hints (struct mm_detector): a
 * prefetch_packet goes with an on_packet (it is called for the same kinds),
 * a prefetch_event with an on_event, and the four detectors that ask for
 * memory early still do (a lost hint changes no output, only the speed). */
static void test_detector_hooks(void **state)
{
    (void)state;
    static const char *const packet_hints[] = {"beacon"};
    static const char *const event_hints[] = {"intel", "suspicious-dns", "web-attack"};
    size_t packet_hinted = 0, event_hinted = 0;
    assert_null(mm_detectors[mm_detector_count]);
    for (size_t i = 0; i < mm_detector_count; i++) {
        const struct mm_detector *d = mm_detectors[i];
        assert_non_null(d->name);
        if (d->prefetch_packet) {
            assert_non_null(d->on_packet);
            packet_hinted++;
        }
        if (d->prefetch_event) {
            assert_non_null(d->on_event);
            event_hinted++;
        }
        for (size_t j = 0; j < sizeof packet_hints / sizeof packet_hints[0]; j++)
            if (strcmp(d->name, packet_hints[j]) == 0)
                assert_non_null(d->prefetch_packet);
        for (size_t j = 0; j < sizeof event_hints / sizeof event_hints[0]; j++)
            if (strcmp(d->name, event_hints[j]) == 0)
                assert_non_null(d->prefetch_event);
    }
    assert_int_equal(packet_hinted, sizeof packet_hints / sizeof packet_hints[0]);
    assert_int_equal(event_hinted, sizeof event_hints / sizeof event_hints[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detector_hooks),
        cmocka_unit_test_setup_teardown(test_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_home_net, setup, teardown),
        cmocka_unit_test(test_home_net_masks),
        cmocka_unit_test(test_devices_settings_refused),
        cmocka_unit_test(test_detector_settings_as_start),
        cmocka_unit_test_setup_teardown(test_extreme_packet_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_announces_silent_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emit_order_and_spool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_packet_marks_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_event_time_matches_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intel_swap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_rechecks_live_flows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
