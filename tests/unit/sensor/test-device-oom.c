/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the device inventory when memory runs out while an
 * announced event still holds the device's record (device.c lends the
 * record to its "device" events and takes it back, as a copy, at the next
 * change): what such an event says must never change, "action" included,
 * whichever allocation fails; the same for an array something else still
 * holds once the event is gone (an alert's evidence would). Lookups and
 * saves that cannot take the record back report it as not found or out of
 * memory instead of reading the lent record. Once memory is back, the
 * device goes on: its record has no "action", what was learnt meanwhile is
 * announced, and every held event is as it was sent. Allocations fail
 * through jansson's allocator hook; the harness keeps (or frees) events as
 * the sensor's queue would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "test-detect-harness.h"
#include "../test-tmpdir.h"

#define T0 1775001600.0 /* 2026-04-01T00:00:00Z */

static const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0e, 0x01};

/* jansson allocations fail from the fail_from-th call on (every call from
 * then: memory has run out), or only at that call (one_only). */
static size_t alloc_calls, fail_from;
static bool one_only;

static void *failing_malloc(size_t n)
{
    size_t call = ++alloc_calls;
    bool fails = one_only ? call == fail_from : call >= fail_from;
    return fails ? NULL : malloc(n);
}

static void memory_fails(size_t from, bool once)
{
    alloc_calls = 0;
    fail_from = from;
    one_only = once;
    json_set_alloc_funcs(failing_malloc, free);
}

static void memory_back(void)
{
    json_set_alloc_funcs(malloc, free);
}

/* An ACK from the test's device at 192.168.70.host, at capture time t. */
static void send_from(struct mm_sensor *s, unsigned host, double t)
{
    struct mm_packet p;
    char ip[32];
    snprintf(ip, sizeof ip, "192.168.70.%u", host);
    th_set_time(s, t);
    th_ip_packet(&p, ip, 1025, "203.0.113.80", 80, 6, 0x10, NULL);
    p.has_eth = true;
    memcpy(p.src_mac, mac, 6);
    th_packet(s, &p);
}

static char *text_of(const json_t *v)
{
    char *t = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    assert_non_null(t);
    return t;
}

/* The texts of the first n device events the harness holds, as one JSON
 * array text. */
static char *held_texts(const struct mm_sensor *s, size_t n)
{
    json_t *all = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(all, json_object_get(th_event_at(s, "device", i), "device"));
    char *t = text_of(all);
    json_decref(all);
    return t;
}

static void expect_unchanged(const char *before, char *after, size_t from, bool once)
{
    if (strcmp(before, after) != 0)
        fail_msg("allocation %zu%s failed: held device events changed\n"
                 "before: %s\nafter:  %s",
                 from, once ? "" : " on", before, after);
    free(after);
}

/* Every held device event has its "action"; the inventory's record none. */
static void expect_actions(struct mm_sensor *s)
{
    size_t n = th_count_events(s, "device", NULL);
    assert_true(n > 1);
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_object_get(th_event_at(s, "device", i), "device");
        assert_non_null(json_string_value(json_object_get(d, "action")));
    }
    const json_t *rec = mm_devices_find_mac(mm_sensor_devices(s), mac);
    assert_non_null(rec);
    assert_null(json_object_get(rec, "action"));
}

/* Each allocation in turn fails (once, or from then on) while the device
 * learns a new address; the events the harness held before keep their
 * texts. */
static void test_held_events_never_change(void **state)
{
    (void)state;
    for (int once = 0; once <= 1; once++) {
        struct mm_sensor *s = th_new("[devices]\naddress_change_interval = 0\n", NULL, NULL, NULL);
        send_from(s, 1, T0);
        assert_int_equal(th_count_events(s, "device", "new"), 1);
        unsigned host = 2;
        for (size_t from = 1; from <= 40; from++, host++) {
            size_t n = th_count_events(s, "device", NULL);
            char *before = held_texts(s, n);
            memory_fails(from, once);
            send_from(s, host, T0 + (double)host);
            memory_back();
            expect_unchanged(before, held_texts(s, n), from, once);
            free(before);
        }
        /* memory is back: the next address is learnt and announced */
        size_t n = th_count_events(s, "device", NULL);
        send_from(s, host, T0 + (double)host);
        assert_int_equal(th_count_events(s, "device", NULL), n + 1);
        const json_t *last = json_object_get(th_event_at(s, "device", n), "device");
        const json_t *ips = json_object_get(last, "ips");
        char want[32];
        snprintf(want, sizeof want, "192.168.70.%u", host);
        assert_string_equal(json_string_value(json_array_get(ips, json_array_size(ips) - 1)), want);
        expect_actions(s);
        th_free(s);
    }
}

/* With memory gone, a lookup cannot take the record back from the event
 * holding it: the device is not found (rather than the event's object
 * read, or changed, as the device's), and a save reports MM_ENOMEM. */
static void test_lookup_and_save(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_MAX];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "devoom"), 0);
    struct mm_sensor *s = th_new("[devices]\naddress_change_interval = 0\n", NULL, dir, NULL);
    send_from(s, 1, T0);
    send_from(s, 2, T0 + 100); /* changed: a second held event */
    assert_int_equal(th_count_events(s, "device", NULL), 2);
    struct mm_addr a;
    assert_int_equal(mm_addr_parse("192.168.70.2", &a), 0);
    char *before = held_texts(s, 2);
    memory_fails(1, false);
    const json_t *by_mac = mm_devices_find_mac(mm_sensor_devices(s), mac);
    const json_t *by_ip = mm_devices_find_ip(mm_sensor_devices(s), &a);
    int saved = mm_devices_save(mm_sensor_devices(s));
    memory_back();
    assert_null(by_mac);
    assert_null(by_ip);
    assert_int_equal(saved, MM_ENOMEM);
    expect_unchanged(before, held_texts(s, 2), 1, false);
    free(before);
    assert_non_null(mm_devices_find_ip(mm_sensor_devices(s), &a));
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    expect_actions(s);
    th_free(s);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* A detector that keeps the "ips" array of the first device event it
 * sees, as an alert's evidence would. */
static json_t *held_ips;

static void keep_ips(void *state, struct mm_sensor *s, const json_t *ev)
{
    (void)state;
    (void)s;
    const json_t *dev = json_object_get(ev, "device");
    if (dev && !held_ips)
        held_ips = json_incref(json_object_get(dev, "ips"));
}

static int keeper_init(struct mm_sensor *s, void **state)
{
    (void)s;
    *state = NULL;
    return 0;
}

static const struct mm_detector keeper = {
    .name = "keeper", .init = keeper_init, .on_event = keep_ips};

/* Events freed once handled (as the sensor does), but the first one's
 * "ips" array kept: a device with a full list (8 addresses) learning a
 * ninth drops its oldest, in its own copy of the array, never in the
 * kept one, whichever allocation fails. */
static void test_held_array_never_changes(void **state)
{
    (void)state;
    for (int once = 0; once <= 1; once++) {
        struct mm_sensor *s =
            th_new("[devices]\naddress_change_interval = 0\n", NULL, NULL, &keeper);
        s->drop_events = true;
        unsigned host = 1;
        for (; host <= 8; host++)
            send_from(s, host, T0 + host);
        /* the array now held is the one the device announced last */
        json_decref(held_ips);
        held_ips = NULL;
        send_from(s, host, T0 + host);
        host++;
        assert_non_null(held_ips);
        assert_int_equal(json_array_size(held_ips), 8);
        for (size_t from = 1; from <= 30; from++, host++) {
            char *before = text_of(held_ips);
            memory_fails(from, once);
            send_from(s, host, T0 + host);
            memory_back();
            expect_unchanged(before, text_of(held_ips), from, once);
            free(before);
        }
        const json_t *rec = mm_devices_find_mac(mm_sensor_devices(s), mac);
        assert_non_null(rec);
        assert_null(json_object_get(rec, "action"));
        assert_int_equal(json_array_size(json_object_get(rec, "ips")), 8);
        json_decref(held_ips);
        held_ips = NULL;
        th_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_events_never_change),
        cmocka_unit_test(test_lookup_and_save),
        cmocka_unit_test(test_held_array_never_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
