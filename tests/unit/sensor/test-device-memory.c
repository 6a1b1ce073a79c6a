/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for what the device inventory remembers of a device's
 * addresses across a restart and over silence: devices.json keeps all the
 * recent addresses (not only the 8 of the record), so a device coming back
 * to any of them after a restart is no news; files without that list (older
 * ones) or with a damaged one still load; and an address change held back
 * by address_change_interval is announced once it is overdue even when the
 * device stays silent (from the capture clock of other packets, at a save,
 * after a restart, from the housekeeping tick), while a device that keeps
 * talking announces it at its own update as before; at the end of a run
 * without a state directory (mm_devices_finish) what is still held back is
 * announced, not lost. Packets are crafted here. */
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
#include "test-detect-harness.h"
#include "../test-tmpdir.h"

#define T0 1775001600.0 /* 2026-04-01T00:00:00Z, the harness's clock at start */

static char state_dir[128], state_path[200];

static int setup(void **state)
{
    return test_tmpdir_make_file(state, state_dir, sizeof state_dir, "devmem", state_path,
                                 sizeof state_path, "devices.json");
}

/* Each test starts without a state file. */
static int no_state_file(void **state)
{
    (void)state;
    unlink(state_path);
    return 0;
}

static const char *last_timestamp(const struct mm_sensor *s)
{
    size_t n = th_count_events(s, "device", NULL);
    assert_true(n > 0);
    return json_string_value(json_object_get(th_event_at(s, "device", n - 1), "timestamp"));
}

/* Sends from 192.168.20.(first..last) in turn, one a second from t. */
static void send_range(struct mm_sensor *s, const uint8_t mac[6], unsigned first, unsigned last,
                       double t)
{
    char ip[32];
    for (unsigned i = first; i <= last; i++) {
        snprintf(ip, sizeof ip, "192.168.20.%u", i);
        th_send_from(s, mac, ip, t + (i - first));
    }
}

static void save_and_free(struct mm_sensor *s)
{
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    th_free(s);
}

static void write_state(const char *text)
{
    FILE *f = fopen(state_path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* A device that used 20 addresses (interval 0: each new one announced):
 * devices.json lists all 20 as its recent addresses beside the record's 8;
 * after a restart the same 20 again are no news, a 21st is. The list is in
 * the file only: neither the loaded record nor an event carries it. */
static void test_recent_addresses_survive_restart(void **state)
{
    (void)state;
    const char *ini = "[devices]\naddress_change_interval = 0\n";
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0b, 0x01};
    struct mm_sensor *s = th_new(ini, NULL, state_dir, NULL);
    send_range(s, mac, 1, 20, T0);
    assert_int_equal(th_device_changes(s), 19);
    save_and_free(s);

    json_t *root = json_load_file(state_path, 0, NULL);
    assert_non_null(root);
    const json_t *recent = json_array_get(json_object_get(root, "recent_addresses"), 0);
    assert_int_equal(json_array_size(recent), 20);
    assert_string_equal(json_string_value(json_array_get(recent, 0)), "192.168.20.1");
    assert_string_equal(json_string_value(json_array_get(recent, 19)), "192.168.20.20");
    const json_t *rec = json_array_get(json_object_get(root, "devices"), 0);
    assert_int_equal(json_array_size(json_object_get(rec, "ips")), 8);
    assert_null(json_object_get(rec, "recent_addresses"));
    json_decref(root);

    s = th_new(ini, NULL, state_dir, NULL);
    assert_null(
        json_object_get(mm_devices_find_mac(mm_sensor_devices(s), mac), "recent_addresses"));
    send_range(s, mac, 1, 20, T0 + 100);
    assert_int_equal(th_count_events(s, "device", NULL), 0);
    th_send_from(s, mac, "192.168.20.21", T0 + 200);
    assert_int_equal(th_device_changes(s), 1);
    assert_null(json_object_get(th_last_device(s), "recent_addresses"));
    save_and_free(s);

    /* saved again: 21 now, and the restart after that knows them too */
    s = th_new(ini, NULL, state_dir, NULL);
    send_range(s, mac, 1, 21, T0 + 300);
    assert_int_equal(th_count_events(s, "device", NULL), 0);
    th_free(s);
}

/* A device that used more addresses than the ring keeps (40): the file
 * keeps the latest 32, the oldest first, and those are no news after a
 * restart while the first 8 (forgotten before the restart) are. */
static void test_recent_addresses_ring_bounded(void **state)
{
    (void)state;
    const char *ini = "[devices]\naddress_change_interval = 0\n";
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0b, 0x02};
    struct mm_sensor *s = th_new(ini, NULL, state_dir, NULL);
    send_range(s, mac, 1, 40, T0);
    save_and_free(s);
    json_t *root = json_load_file(state_path, 0, NULL);
    const json_t *recent = json_array_get(json_object_get(root, "recent_addresses"), 0);
    assert_int_equal(json_array_size(recent), 32);
    assert_string_equal(json_string_value(json_array_get(recent, 0)), "192.168.20.9");
    json_decref(root);

    s = th_new(ini, NULL, state_dir, NULL);
    send_range(s, mac, 9, 40, T0 + 100);
    assert_int_equal(th_count_events(s, "device", NULL), 0);
    th_send_from(s, mac, "192.168.20.1", T0 + 200);
    assert_int_equal(th_device_changes(s), 1);
    th_free(s);
}

/* A file written before the list existed (records only) loads as before:
 * the record's addresses are remembered, others are news. A list that does
 * not match the devices, or one too long or with junk, is ignored the same
 * way: the inventory still loads. */
static void test_state_without_recent_list(void **state)
{
    (void)state;
    const char *ini = "[devices]\naddress_change_interval = 0\n";
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0b, 0x03};
    static const char *const tails[] = {
        "}",
        ", \"recent_addresses\": []}",
        ", \"recent_addresses\": [[\"192.168.20.1\", 7, \"fe80::1\", \"0.0.0.0\", \"x\"]]}",
        ", \"recent_addresses\": [\"192.168.20.9\"]}",
        NULL, /* a list of 33 (more than the ring): see too_long */
    };
    char too_long[1024] = ", \"recent_addresses\": [[\"192.168.20.9\"";
    for (unsigned k = 1; k < 33; k++)
        strcat(too_long, ", \"192.168.20.9\"");
    strcat(too_long, "]]}");
    for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "{\"version\": 1, \"devices\": [{\"mac\": \"02:00:00:00:0b:03\", \"ips\": "
                 "[\"192.168.20.1\", \"192.168.20.2\", \"192.168.20.3\", \"192.168.20.4\", "
                 "\"192.168.20.5\", \"192.168.20.6\", \"192.168.20.7\", \"192.168.20.8\"], "
                 "\"vendor\": \"\", \"mac_random\": true, \"hostnames\": [], \"user_agents\": "
                 "[], \"evidence\": [], \"os\": null, \"allowlisted\": false, \"first_seen\": "
                 "\"2026-04-01T00:00:00.000000+0000\", \"last_seen\": "
                 "\"2026-04-01T00:00:00.000000+0000\", \"last_announced\": "
                 "\"2026-04-01T00:00:00.000000+0000\"}]%s",
                 tails[k] ? tails[k] : too_long);
        write_state(text);
        struct mm_sensor *s = th_new(ini, NULL, state_dir, NULL);
        assert_non_null(mm_devices_find_mac(mm_sensor_devices(s), mac));
        send_range(s, mac, 1, 8, T0 + 100);
        assert_int_equal(th_count_events(s, "device", NULL), 0);
        th_send_from(s, mac, "192.168.20.9", T0 + 200);
        assert_int_equal(th_device_changes(s), 1);
        th_free(s);
    }
}

/* The case this is for: a device takes a new address within the hour
 * after its last announcement and goes silent. Another device's packets
 * move the capture clock; once the interval and a minute of grace have
 * passed, the change is announced with the record as it is (both
 * addresses; last_seen when the device was last seen), once. */
static void test_silent_device_change_reported(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0b, 0x04}, other[6] = {0x02, 0, 0, 0, 0x0b, 0x05};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    th_send_from(s, mac, "192.168.21.1", T0);
    th_send_from(s, mac, "192.168.21.2", T0 + 60); /* held back, then silence */
    th_send_from(s, other, "192.168.21.9", T0 + 100);
    th_send_from(s, other, "192.168.21.9", T0 + 3600);
    th_send_from(s, other, "192.168.21.9", T0 + 3659); /* the grace: it might still talk */
    assert_int_equal(th_device_changes(s), 0);
    th_send_from(s, other, "192.168.21.9", T0 + 3660);
    assert_int_equal(th_device_changes(s), 1);
    const json_t *rec = th_last_device(s);
    assert_string_equal(json_string_value(json_object_get(rec, "mac")), "02:00:00:00:0b:04");
    assert_int_equal(json_array_size(json_object_get(rec, "ips")), 2);
    assert_string_equal(json_string_value(json_object_get(rec, "last_seen")),
                        "2026-04-01T00:01:00.000000+0000");
    assert_string_equal(last_timestamp(s), "2026-04-01T01:01:00.000000+0000");
    th_send_from(s, other, "192.168.21.9", T0 + 9000);
    th_send_from(s, mac, "192.168.21.2", T0 + 9100); /* back: nothing new */
    assert_int_equal(th_device_changes(s), 1);
    th_free(s);
}

/* A device that keeps talking announces its held-back change itself, at its
 * first update once the interval has passed, as before: the sweep for
 * silent devices does not run ahead of it, whatever other devices send in
 * between, and a new address in that update is part of the one event. */
static void test_talking_device_unchanged(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0b, 0x06}, other[6] = {0x02, 0, 0, 0, 0x0b, 0x07};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    th_send_from(s, mac, "192.168.22.1", T0);
    th_send_from(s, mac, "192.168.22.2", T0 + 60);
    th_send_from(s, mac, "192.168.22.2", T0 + 3000);
    th_send_from(s, other, "192.168.22.9", T0 + 3610);
    th_send_from(s, other, "192.168.22.9", T0 + 3640);
    assert_int_equal(th_device_changes(s), 0);
    th_send_from(s, mac, "192.168.22.3", T0 + 3650); /* its own update: now, with .3 too */
    assert_int_equal(th_device_changes(s), 1);
    assert_int_equal(json_array_size(json_object_get(th_last_device(s), "ips")), 3);
    assert_string_equal(last_timestamp(s), "2026-04-01T01:00:50.000000+0000");
    th_send_from(s, other, "192.168.22.9", T0 + 9000);
    assert_int_equal(th_device_changes(s), 1);
    th_free(s);
}

/* A save announces what is overdue (it is not saved as held back), and a
 * change still held at a save is announced after the restart once overdue
 * even if the device is never seen again. */
static void test_silent_change_save_and_restart(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0b, 0x08}, other[6] = {0x02, 0, 0, 0, 0x0b, 0x09},
                  third[6] = {0x02, 0, 0, 0, 0x0b, 0x0a};
    struct mm_sensor *s = th_new(NULL, NULL, state_dir, NULL);
    th_send_from(s, mac, "192.168.23.1", T0);
    th_send_from(s, mac, "192.168.23.2", T0 + 60); /* held back */
    th_send_from(s, third, "192.168.23.7", T0 + 100);
    th_send_from(s, third, "192.168.23.8", T0 + 200); /* held back too */
    th_set_time(s, T0 + 3800); /* the clock of a save with no packet (housekeeping) */
    assert_int_equal(th_device_changes(s), 0);
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    assert_int_equal(th_device_changes(s), 2); /* both overdue: announced, not saved as held */
    th_free(s);
    json_t *root = json_load_file(state_path, 0, NULL);
    const json_t *devs = json_object_get(root, "devices");
    assert_null(json_object_get(json_array_get(devs, 0), "address_change_pending"));
    assert_null(json_object_get(json_array_get(devs, 1), "address_change_pending"));
    json_decref(root);

    s = th_new(NULL, NULL, state_dir, NULL);
    th_send_from(s, mac, "192.168.23.3", T0 + 3900); /* within the hour of that announcement */
    assert_int_equal(th_device_changes(s), 0);
    save_and_free(s); /* held back: saved as such */
    root = json_load_file(state_path, 0, NULL);
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(root, "devices"), 0),
                                             "address_change_pending")));
    json_decref(root);

    s = th_new(NULL, NULL, state_dir, NULL);
    th_send_from(s, other, "192.168.23.9", T0 + 7459);
    assert_int_equal(th_device_changes(s), 0);
    th_send_from(s, other, "192.168.23.9", T0 + 3800 + 3660);
    assert_int_equal(th_device_changes(s), 1);
    const json_t *rec = th_last_device(s);
    assert_string_equal(json_string_value(json_object_get(rec, "mac")), "02:00:00:00:0b:08");
    assert_int_equal(json_array_size(json_object_get(rec, "ips")), 3);
    assert_null(json_object_get(rec, "address_change_pending"));
    assert_null(json_object_get(rec, "last_announced"));
    th_free(s);
}

/* A clock stepping back by the interval and the grace (captures read one
 * after another) makes a silent device's held change overdue, as it makes
 * a talking device's due. */
static void test_silent_change_clock_back(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0b, 0x0b}, other[6] = {0x02, 0, 0, 0, 0x0b, 0x0c};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    th_send_from(s, mac, "192.168.24.1", T0);
    th_send_from(s, mac, "192.168.24.2", T0 + 60);
    th_send_from(s, other, "192.168.24.9", T0 - 3000);
    assert_int_equal(th_device_changes(s), 0);
    th_send_from(s, other, "192.168.24.9", T0 - 3660);
    assert_int_equal(th_device_changes(s), 1);
    th_free(s);
}

/* With no packet at all (a quiet live network, where only the clock
 * moves), the housekeeping call announces an overdue change, once. */
static void test_silent_change_tick(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0b, 0x0d};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    struct mm_devices *d = mm_sensor_devices(s);
    th_send_from(s, mac, "192.168.25.1", T0);
    th_send_from(s, mac, "192.168.25.2", T0 + 60);
    th_set_time(s, T0 + 3659);
    mm_devices_tick(d);
    assert_int_equal(th_device_changes(s), 0);
    th_set_time(s, T0 + 3660);
    mm_devices_tick(d);
    assert_int_equal(th_device_changes(s), 1);
    assert_string_equal(last_timestamp(s), "2026-04-01T01:01:00.000000+0000");
    th_set_time(s, T0 + 9000);
    mm_devices_tick(d);
    mm_devices_tick(NULL);
    assert_int_equal(th_device_changes(s), 1);
    th_free(s);
}

/* The end of a run without a state directory: a held-back change is
 * announced then (its interval not passed; nothing would keep it), with the
 * record as it is and the capture clock's time, once; a device without one
 * announces nothing. */
static void test_held_change_at_finish(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0b, 0x0e}, quiet[6] = {0x02, 0, 0, 0, 0x0b, 0x0f};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    struct mm_devices *d = mm_sensor_devices(s);
    th_send_from(s, quiet, "192.168.26.9", T0);
    th_send_from(s, mac, "192.168.26.1", T0 + 10);
    th_send_from(s, mac, "192.168.26.2", T0 + 60); /* held back */
    th_send_from(s, quiet, "192.168.26.9", T0 + 120);
    size_t news = th_count_events(s, "device", NULL);
    assert_int_equal(th_device_changes(s), 0);
    mm_devices_finish(d);
    assert_int_equal(th_device_changes(s), 1);
    assert_int_equal(th_count_events(s, "device", NULL), news + 1);
    const json_t *rec = th_last_device(s);
    assert_string_equal(json_string_value(json_object_get(rec, "mac")), "02:00:00:00:0b:0e");
    assert_string_equal(json_string_value(json_object_get(rec, "action")), "changed");
    assert_int_equal(json_array_size(json_object_get(rec, "ips")), 2);
    assert_string_equal(last_timestamp(s), "2026-04-01T00:02:00.000000+0000");
    mm_devices_finish(d); /* nothing is held any more */
    assert_int_equal(th_device_changes(s), 1);
    th_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_recent_addresses_survive_restart, no_state_file),
        cmocka_unit_test_setup(test_recent_addresses_ring_bounded, no_state_file),
        cmocka_unit_test_setup(test_state_without_recent_list, no_state_file),
        cmocka_unit_test_setup(test_silent_device_change_reported, no_state_file),
        cmocka_unit_test_setup(test_talking_device_unchanged, no_state_file),
        cmocka_unit_test_setup(test_silent_change_save_and_restart, no_state_file),
        cmocka_unit_test_setup(test_silent_change_clock_back, no_state_file),
        cmocka_unit_test_setup(test_silent_change_tick, no_state_file),
        cmocka_unit_test_setup(test_held_change_at_finish, no_state_file),
    };
    return cmocka_run_group_tests(tests, setup, test_tmpdir_teardown);
}
