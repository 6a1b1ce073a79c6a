/* SPDX-License-Identifier: Apache-2.0
 * The device inventory's facts (device-facts.h) and their readers (the
 * new-device, legacy-os and personal-device detectors), against the JSON
 * they stand for. Random office days (DHCP requests with names, option 55
 * lists and vendor classes of phones, Macs, Windows XP to 11 and
 * unknowns; user agents; packets from new addresses; MACs of phone makers
 * and others; allowlists by MAC and range; personal devices allowed or
 * not; a learning period; short suppression windows; a second day loading
 * the first day's devices.json) go through the real inventory:
 *   - while a device event is handed over, the facts must say what the
 *     record's JSON says, and only for that record;
 *   - the detectors given the event then (reading the facts) must raise
 *     the same alerts as a second harness given each device event's JSON
 *     text (reading the JSON, as for an event queued behind another). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fs.h"
#include "sensor/device-facts.h"
#include "test-detect-harness.h"
#include "../test-rand.h"

extern const struct mm_detector mm_detector_new_device, mm_detector_legacy_os,
    mm_detector_personal_device;

/* ---- the three detectors as one, with a probe of the facts ------------------------- */

static const struct mm_detector *const readers[] = {&mm_detector_new_device, &mm_detector_legacy_os,
                                                    &mm_detector_personal_device};
#define NREADERS (sizeof readers / sizeof readers[0])

struct all_state {
    void *st[NREADERS];
};

static size_t facts_seen, json_seen; /* device events handed over with and without facts */

static int all_init(struct mm_sensor *s, void **state)
{
    struct all_state *a = calloc(1, sizeof *a);
    assert_non_null(a);
    for (size_t i = 0; i < NREADERS; i++)
        assert_int_equal(readers[i]->init(s, &a->st[i]), 0);
    *state = a;
    return 0;
}

static void all_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    struct all_state *a = state;
    const json_t *dev = json_object_get(ev, "device");
    const struct mm__device_facts *f = mm__device_facts_of(dev);
    if (f) {
        assert_true(mm__device_facts_agree(f));
        facts_seen++;
    } else {
        json_seen++;
    }
    /* only that record has them: not a copy, not another object */
    json_t *copy = json_deep_copy(dev);
    assert_null(mm__device_facts_of(copy));
    assert_null(mm__device_facts_of(ev));
    json_decref(copy);
    for (size_t i = 0; i < NREADERS; i++)
        readers[i]->on_event(a->st[i], s, ev);
}

static void all_free(void *state)
{
    struct all_state *a = state;
    for (size_t i = 0; a && i < NREADERS; i++)
        readers[i]->free(a->st[i]);
    free(a);
}

static const struct mm_detector all = {
    .name = "all",
    .init = all_init,
    .on_event = all_event,
    .events = "device",
    .free = all_free,
};

/* ---- a random day ------------------------------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(void)
{
    return (uint32_t)(test_xorshift(&rng) >> 32);
}

#define PICK(list) list[rnd() % (sizeof list / sizeof list[0])]

static const char *const macs[] = {"c4:61:8b:35:82:a9", "02:00:00:00:00:31", "02:00:00:00:00:32",
                                   "5c:17:cf:00:00:01", "f8:ad:cb:00:00:01", "00:03:47:b7:f2:f5",
                                   "02:00:00:00:00:07", "02:00:00:00:00:99", "3c:22:fb:00:00:05",
                                   "ac:de:48:00:11:22"};

static const char *const ips[] = {"192.168.1.10",  "192.168.1.11", "192.168.1.23", "192.168.1.130",
                                  "192.168.1.200", "192.168.2.17", "192.168.2.33", "10.0.0.5"};

/* host names: phones, tablets, PCs, empty, not ASCII, and one longer than
 * what the personal-device detector lowers on the stack */
static char long_name[300];
static const char *const names[] = {"Lucas-iPhone", "Galaxy-S21", "office-mac",  "reception-pc",
                                    "PIXEL-7",      "",           "Luca’s iPad", long_name,
                                    "GHIA",         "x"};

/* option 55 lists and vendor classes */
static const char *const dhcps[][2] = {
    {"1,15,3,6,44,46,47,31,33,43", "MSFT 5.0"},                 /* Windows XP */
    {"1,15,3,6,44,46,47,31,33,121,249,43,252", "MSFT 5.0"},     /* Windows 7 */
    {"1,3,6,15,31,33,43,44,46,47,119,121,249,252", "MSFT 5.0"}, /* Windows 10 */
    {"1,121,3,6,15,119,252", ""},                               /* iPhone */
    {"1,121,3,6,15,119,252,95,44,46", ""},                      /* Mac */
    {"1,3,6,15,26,28,51,58,59,43", "android-dhcp-11"},          /* Android */
    {"9,9,9", ""}};

static const char *const agents[] = {
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15",
    "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36", "curl/8.0"};

static const char *const inis[] = {
    "",
    "[detect.personal-device]\nsuppress_seconds = 60\n[detect.legacy-os]\nsuppress_seconds = "
    "60\n[devices]\nallow = 02:00:00:00:00:99\nallow = 192.168.1.128/25\n",
    "[policy]\npersonal_devices = yes\n[detect.new-device]\nlearn_seconds = 3600\n",
    "[devices]\naddress_change_interval = 0\n[detect.legacy-os]\nsuppress_seconds = 0\n"};

/* One step of the day on harness s. */
static void step(struct mm_sensor *s)
{
    char ev[2048];
    const char *mac = PICK(macs), *ip = PICK(ips);
    switch (rnd() % 4) {
    case 0:
    case 1: {
        unsigned k = rnd() % (sizeof dhcps / sizeof dhcps[0]);
        snprintf(ev, sizeof ev,
                 "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"dhcp\","
                 "\"src_ip\":\"0.0.0.0\",\"dest_ip\":\"255.255.255.255\",\"dhcp\":{\"type\":"
                 "\"request\",\"client_mac\":\"%s\",\"requested_ip\":\"%s\",\"hostname\":\"%s\","
                 "\"params_raw\":[%s],\"vendor_class_identifier\":\"%s\"}}",
                 mac, ip, PICK(names), dhcps[k][0], dhcps[k][1]);
        th_event(s, ev);
        struct mm_packet p; /* the packet that carried it ends: the device is announced */
        th_ip_packet(&p, "0.0.0.0", 68, "255.255.255.255", 67, 17, 0, NULL);
        th_packet(s, &p);
        break;
    }
    case 2:
        snprintf(ev, sizeof ev,
                 "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"http\","
                 "\"src_ip\":\"%s\",\"dest_ip\":\"203.0.113.80\",\"http\":{\"hostname\":"
                 "\"a.example\",\"url\":\"/\",\"http_method\":\"GET\",\"http_user_agent\":\"%s\"}}",
                 ip, PICK(agents));
        th_event(s, ev);
        break;
    default: {
        uint8_t m[6];
        unsigned v[6];
        sscanf(mac, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
        for (int i = 0; i < 6; i++)
            m[i] = (uint8_t)v[i];
        th_send_from(s, m, ip, (double)s->now.tv_sec + rnd() % 4);
        break;
    }
    }
}

/* Hands the device events fast emitted from *from on to ref as JSON texts
 * (at fast's clock), then compares every alert. */
static void mirror(struct mm_sensor *fast, struct mm_sensor *ref, size_t *from, unsigned n)
{
    ref->now = fast->now;
    for (; *from < json_array_size(fast->events); (*from)++) {
        const json_t *e = json_array_get(fast->events, *from);
        if (strcmp(json_string_value(json_object_get(e, "event_type")), "device") != 0)
            continue;
        char *text = json_dumps(e, 0);
        json_t *copy = json_loads(text, 0, NULL);
        assert_non_null(copy);
        free(text);
        mm_sensor_emit(ref, copy); /* as it is: no pcap_cnt added */
    }
    size_t na = th_count_alerts(fast, 0);
    assert_int_equal(th_count_alerts(ref, 0), na);
    for (size_t i = 0; i < na; i++) {
        const json_t *a = json_array_get(fast->alerts, i), *b = json_array_get(ref->alerts, i);
        if (!json_equal(a, b)) {
            char *fa = json_dumps(a, JSON_SORT_KEYS), *fb = json_dumps(b, JSON_SORT_KEYS);
            fail_msg("step %u alert %zu:\n facts: %s\n JSON:  %s", n, i, fa, fb);
        }
    }
}

static void run_day(const char *ini, const char *state_dir, unsigned steps, size_t *alerts)
{
    struct mm_sensor *fast = th_new(ini, NULL, state_dir, &all);
    struct mm_sensor *ref = th_new(ini, NULL, NULL, &all);
    size_t from = 0;
    th_set_time(fast, 1775001600.0 + rnd() % 1000);
    for (unsigned n = 0; n < steps; n++) {
        step(fast);
        mirror(fast, ref, &from, n);
        if (rnd() % 8 == 0)
            th_set_time(fast, (double)fast->now.tv_sec + rnd() % 5000);
    }
    *alerts += th_count_alerts(fast, 0);
    if (state_dir)
        assert_int_equal(mm_devices_save(fast->devices), 0);
    th_free(fast);
    th_free(ref);
}

static void test_facts_against_json(void **state)
{
    (void)state;
    memset(long_name, 'a', sizeof long_name - 1);
    memcpy(long_name + 200, "iPad", 4);
    size_t alerts = 0;
    facts_seen = json_seen = 0;
    for (uint64_t seed = 1; seed <= 24; seed++) {
        rng = seed * 0x9e3779b97f4a7c15ULL;
        char dir[] = "/tmp/mm-test-device-facts-XXXXXX";
        assert_non_null(mkdtemp(dir));
        const char *ini = inis[seed % (sizeof inis / sizeof inis[0])];
        run_day(ini, dir, 150, &alerts); /* the first day, saved */
        run_day(ini, dir, 150, &alerts); /* the second, from devices.json */
        char path[128];
        snprintf(path, sizeof path, "%s/devices.json", dir);
        unlink(path);
        rmdir(dir);
    }
    /* the days raised alerts of every kind and took both ways */
    assert_true(alerts > 100);
    assert_true(facts_seen > 500);
    assert_true(json_seen > 500);
}

/* Facts are published only while the event is handed over. */
static void test_facts_only_during_event(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_new_device);
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"dhcp\","
                "\"src_ip\":\"0.0.0.0\",\"dest_ip\":\"255.255.255.255\",\"dhcp\":{\"type\":"
                "\"request\",\"client_mac\":\"02:00:00:00:00:10\",\"requested_ip\":"
                "\"192.168.1.10\",\"hostname\":\"pc\",\"params_raw\":[1,3,6,15]}}");
    struct mm_packet p;
    th_ip_packet(&p, "0.0.0.0", 68, "255.255.255.255", 67, 17, 0, NULL);
    th_packet(s, &p);
    assert_int_equal(th_count_alerts(s, 9100201), 1);
    const json_t *dev = th_last_device(s);
    assert_null(mm__device_facts_of(dev));
    assert_null(mm__device_facts_of(NULL));
    struct mm__device_facts spare;
    const struct mm__device_facts *f = mm__device_facts_get(dev, &spare);
    assert_ptr_equal(f, &spare);
    assert_true(f->is_new);
    assert_false(f->allowlisted);
    assert_string_equal(json_string_value(json_array_get(f->hostnames, 0)), "pc");
    th_free(s);
}

/* An event announced while another is handled: its facts go, the outer
 * event's come back, unless both name the same record (changed since). */
static void test_facts_nested(void **state)
{
    (void)state;
    json_t *x = json_object(), *y = json_object();
    struct mm__device_facts fx = {.device = x, .is_new = true}, fy = {.device = y}, outer, inner;
    mm__device_facts_publish(&fx, &outer);
    assert_null(outer.device);
    mm__device_facts_publish(&fy, &inner);
    assert_ptr_equal(inner.device, x);
    assert_null(mm__device_facts_of(x));
    assert_non_null(mm__device_facts_of(y));
    mm__device_facts_end(&inner);
    assert_null(mm__device_facts_of(y));
    assert_true(mm__device_facts_of(x) && mm__device_facts_of(x)->is_new);
    struct mm__device_facts again = {.device = x}; /* x announced again meanwhile */
    mm__device_facts_publish(&again, &inner);
    assert_false(mm__device_facts_of(x)->is_new);
    mm__device_facts_end(&inner);
    assert_null(mm__device_facts_of(x));
    mm__device_facts_end(&outer);
    assert_null(mm__device_facts_of(x));
    json_decref(x);
    json_decref(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_facts_against_json),
        cmocka_unit_test(test_facts_only_during_event),
        cmocka_unit_test(test_facts_nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
