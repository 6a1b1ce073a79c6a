/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for what the device inventory announces about addresses and
 * how much it keeps of them: an address a device had recently is no news
 * (rotation), address-only changes are announced at most once per [devices]
 * address_change_interval of capture time with the current list, changes of
 * what a device is (host name, DHCP fingerprint, SMB native OS, allowlist
 * status, its first IPv4 address) at once, IPv6 addresses never; a change
 * held back at a save is announced after the restart; and the IP map stays
 * at most 8 addresses per device however many addresses a MAC uses.
 * Packets and events are crafted here. */
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

static char state_dir[128];

static int setup(void **state)
{
    (void)state;
    return test_tmpdir_make(state_dir, sizeof state_dir, "devaddr");
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(state_dir);
}

static const json_t *ips_of(const json_t *rec)
{
    return json_object_get(rec, "ips");
}

/* True when the array of strings holds s. */
static bool has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* A device cycling through 12 addresses (more than the 8 its record keeps):
 * the first round announces each new one (interval 0), later rounds are
 * rotation and announce nothing; the record always lists the 8 latest. */
static void test_rotation_is_no_news(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0a, 0x01};
    struct mm_sensor *s = th_new("[devices]\naddress_change_interval = 0\n", NULL, NULL, NULL);
    char ip[32];
    for (unsigned round = 0; round < 4; round++)
        for (unsigned i = 0; i < 12; i++) {
            snprintf(ip, sizeof ip, "192.168.10.%u", 10 + i);
            th_send_from(s, mac, ip, T0 + round * 100 + i);
            const json_t *rec = mm_devices_find_mac(mm_sensor_devices(s), mac);
            const json_t *ips = ips_of(rec);
            assert_int_equal(json_array_size(ips), round == 0 && i < 8 ? i + 1 : 8);
            assert_string_equal(json_string_value(json_array_get(ips, json_array_size(ips) - 1)),
                                ip);
        }
    assert_int_equal(th_count_events(s, "device", "new"), 1);
    assert_int_equal(th_device_changes(s), 11); /* the first round's 11 new addresses only */
    th_free(s);
}

/* Default interval (3600 s): the first new address after a quiet hour is
 * announced at once, later ones within the hour are held back and announced
 * together at the device's first update an hour after its last
 * announcement, with the list it has then; a change of name is announced
 * at once (carrying the addresses); a clock stepping back an hour or more
 * (captures read one after another) counts as the interval passed. */
static void test_address_changes_coalesced(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0a, 0x02};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    th_send_from(s, mac, "192.168.11.1", T0);
    th_send_from(s, mac, "192.168.11.2", T0 + 10);
    th_send_from(s, mac, "192.168.11.3", T0 + 20);
    th_send_from(s, mac, "192.168.11.3", T0 + 3599);
    assert_int_equal(th_device_changes(s), 0);
    th_send_from(s, mac, "192.168.11.3", T0 + 3600); /* no new address: the held-back ones */
    assert_int_equal(th_device_changes(s), 1);
    const json_t *rec = th_last_device(s);
    assert_int_equal(json_array_size(ips_of(rec)), 3);
    assert_string_equal(
        json_string_value(json_object_get(th_event_at(s, "device", 1), "timestamp")),
        "2026-04-01T01:00:00.000000+0000");

    /* within the next hour: a new address waits, a host name does not */
    th_send_from(s, mac, "192.168.11.4", T0 + 3700);
    assert_int_equal(th_device_changes(s), 1);
    th_set_time(s, T0 + 3800);
    th_event(s, "{\"event_type\":\"netbios\",\"src_ip\":\"192.168.11.4\",\"netbios\":{"
                "\"type\":\"request\",\"hostname\":\"PC-A2\"}}");
    assert_int_equal(th_device_changes(s), 2);
    rec = th_last_device(s);
    assert_true(has_string(ips_of(rec), "192.168.11.4")); /* it carries the current list */
    th_send_from(s, mac, "192.168.11.4", T0 + 7300);      /* nothing was held back since */
    assert_int_equal(th_device_changes(s), 2);

    /* a new address, then the clock steps back by a day: announced */
    th_send_from(s, mac, "192.168.11.5", T0 + 7000);
    assert_int_equal(th_device_changes(s), 2);
    th_send_from(s, mac, "192.168.11.5", T0 + 7000 - 86400);
    assert_int_equal(th_device_changes(s), 3);
    th_free(s);
}

/* What a device is, announced at once even within the address interval: a
 * DHCP fingerprint it had not had recently (a client alternating between
 * two, as DHCPINFORM and DHCPREQUEST lists do, only the first time each),
 * an SMB native OS, the allowlist status that a new address brings, and the
 * first IPv4 address of a device first seen without one. IPv6 addresses are
 * never announced. */
static void test_identity_at_once(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0a, 0x03};
    static const char *const dhcp[] = {
        "{\"event_type\":\"dhcp\",\"src_ip\":\"192.168.12.3\",\"dhcp\":{\"type\":\"request\","
        "\"client_mac\":\"02:00:00:00:0a:03\",\"params_raw\":[1,3,6,15]}}",
        "{\"event_type\":\"dhcp\",\"src_ip\":\"192.168.12.3\",\"dhcp\":{\"type\":\"request\","
        "\"client_mac\":\"02:00:00:00:0a:03\",\"params_raw\":[1,3,6,15,99]}}"};
    struct mm_sensor *s = th_new("[devices]\nallow = 192.168.77.0/24\n", NULL, NULL, NULL);
    th_send_from(s, mac, "192.168.12.3", T0);
    size_t want = 0;
    for (unsigned i = 0; i < 6; i++) {
        th_set_time(s, T0 + 1 + i);
        th_event(s, dhcp[i % 2]);
        want += i < 2;
        assert_int_equal(th_device_changes(s), want);
    }
    th_event(s, "{\"event_type\":\"smb\",\"src_ip\":\"192.168.12.3\",\"dest_ip\":\"192.168.12.9\","
                "\"smb\":{\"request\":{\"native_os\":\"Unix\"}}}");
    assert_int_equal(th_device_changes(s), ++want);
    assert_string_equal(json_string_value(json_object_get(th_last_device(s), "smb_native_os")),
                        "Unix");
    th_event(s, "{\"event_type\":\"smb\",\"src_ip\":\"192.168.12.3\",\"dest_ip\":\"192.168.12.9\","
                "\"smb\":{\"request\":{\"native_os\":\"Unix\"}}}");
    assert_int_equal(th_device_changes(s), want);

    /* IPv6 addresses update the record silently, also past a full list */
    char ip[64];
    for (unsigned i = 0; i < 10; i++) {
        snprintf(ip, sizeof ip, "fe80::%x", i + 1);
        th_send_from(s, mac, ip, T0 + 10 + i);
    }
    assert_int_equal(th_device_changes(s), want);
    /* an address in an allowlisted range: allowlisted now, announced at once */
    assert_false(json_is_true(json_object_get(th_last_device(s), "allowlisted")));
    th_send_from(s, mac, "192.168.77.7", T0 + 30);
    assert_int_equal(th_device_changes(s), ++want);
    assert_true(json_is_true(json_object_get(th_last_device(s), "allowlisted")));

    /* a device first known from a DHCP discover without an address
     * (announced at the end of the next packet, here another device's) */
    th_event(s, "{\"event_type\":\"dhcp\",\"src_ip\":\"0.0.0.0\",\"dhcp\":{\"type\":\"discover\","
                "\"client_mac\":\"02:00:00:00:0a:04\",\"requested_ip\":\"0.0.0.0\"}}");
    const uint8_t late[6] = {0x02, 0, 0, 0, 0x0a, 0x04};
    th_send_from(s, mac, "192.168.77.7", T0 + 31);
    assert_int_equal(th_count_events(s, "device", "new"), 2);
    assert_int_equal(
        json_array_size(ips_of(json_object_get(th_event_at(s, "device", want + 1), "device"))), 0);
    th_send_from(s, late, "192.168.12.4", T0 + 32);
    assert_int_equal(th_device_changes(s), ++want);
    assert_string_equal(json_string_value(json_array_get(ips_of(th_last_device(s)), 0)),
                        "192.168.12.4");
    th_free(s);
}

/* A held-back address change survives a restart (devices.json marks it and
 * keeps when the device was last announced; the loaded record and its
 * events carry neither) and is announced once the interval since that
 * announcement has passed, as without a restart; nothing else is
 * re-announced. */
static void test_held_back_change_persists(void **state)
{
    (void)state;
    char path[300];
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0a, 0x05}, other[6] = {0x02, 0, 0, 0, 0x0a, 0x06};
    struct mm_sensor *s = th_new(NULL, NULL, state_dir, NULL);
    th_send_from(s, mac, "192.168.13.1", T0);
    th_send_from(s, other, "192.168.13.9", T0);
    th_send_from(s, mac, "192.168.13.2", T0 + 60); /* held back */
    assert_int_equal(th_device_changes(s), 0);
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    th_free(s);
    snprintf(path, sizeof path, "%s/devices.json", state_dir);
    json_t *root = json_load_file(path, 0, NULL);
    const json_t *devs = json_object_get(root, "devices");
    assert_int_equal(json_array_size(devs), 2);
    assert_true(json_is_true(json_object_get(json_array_get(devs, 0), "address_change_pending")));
    assert_null(json_object_get(json_array_get(devs, 1), "address_change_pending"));
    json_decref(root);

    s = th_new(NULL, NULL, state_dir, NULL);
    const json_t *loaded = mm_devices_find_mac(mm_sensor_devices(s), mac);
    assert_null(json_object_get(loaded, "address_change_pending"));
    assert_null(json_object_get(loaded, "last_announced"));
    th_send_from(s, other, "192.168.13.9", T0 + 120);
    assert_int_equal(th_count_events(s, "device", NULL), 0);
    th_send_from(s, mac, "192.168.13.2", T0 + 120); /* the interval runs on from T0 */
    assert_int_equal(th_count_events(s, "device", NULL), 0);
    th_send_from(s, mac, "192.168.13.2", T0 + 3600);
    assert_int_equal(th_device_changes(s), 1);
    const json_t *rec = th_last_device(s);
    assert_int_equal(json_array_size(ips_of(rec)), 2);
    assert_null(json_object_get(rec, "address_change_pending"));
    th_send_from(s, mac, "192.168.13.1", T0 + 3610); /* had it before the restart: no news */
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    th_free(s);
    root = json_load_file(path, 0, NULL);
    assert_null(json_object_get(json_array_get(json_object_get(root, "devices"), 0),
                                "address_change_pending"));
    json_decref(root);

    /* and a restart shows nothing again */
    s = th_new(NULL, NULL, state_dir, NULL);
    th_send_from(s, mac, "192.168.13.2", T0 + 3700);
    th_send_from(s, other, "192.168.13.9", T0 + 3700);
    assert_int_equal(th_count_events(s, "device", NULL), 0);
    th_free(s);
}

/* One MAC sending from 100,000 different home addresses: the IP map keeps
 * only the 8 its record lists (the latest), so memory does not grow; the
 * address changes are one held-back change (the clock stands still). */
static void test_ip_map_bounded(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0a, 0x07};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    struct mm_devices *d = mm_sensor_devices(s);
    char ip[32];
    for (unsigned i = 0; i < 100000; i++) {
        snprintf(ip, sizeof ip, "10.%u.%u.%u", 1 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
        th_send_from(s, mac, ip, T0);
        assert_true(mm_devices_address_count(d) <= 8);
    }
    assert_int_equal(mm_devices_address_count(d), 8);
    assert_int_equal(th_count_events(s, "device", NULL), 1); /* "new"; the rest held back */
    const json_t *rec = mm_devices_find_mac(d, mac);
    for (unsigned i = 100000 - 8; i < 100000; i++) {
        struct mm_addr a;
        snprintf(ip, sizeof ip, "10.%u.%u.%u", 1 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
        assert_int_equal(mm_addr_parse(ip, &a), 0);
        assert_ptr_equal(mm_devices_find_ip(d, &a), rec);
    }
    struct mm_addr old;
    assert_int_equal(mm_addr_parse("10.1.0.0", &old), 0);
    assert_null(mm_devices_find_ip(d, &old));
    th_send_from(s, mac, "10.1.0.0", T0 + 3600);
    assert_int_equal(th_device_changes(s), 1);
    assert_ptr_equal(mm_devices_find_ip(d, &old), mm_devices_find_mac(d, mac));
    th_free(s);
}

/* An address another device took stays that device's when it falls out of
 * the first one's list; with many devices rotating addresses through one
 * map (entries moved back on removal), every entry left is an address its
 * device lists and is found by it. */
static void test_ip_map_many_rotating(void **state)
{
    (void)state;
    const uint8_t a[6] = {0x02, 0, 0, 0, 0x0b, 0x01}, b[6] = {0x02, 0, 0, 0, 0x0b, 0x02};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    struct mm_devices *d = mm_sensor_devices(s);
    struct mm_addr x;
    char ip[32];
    assert_int_equal(mm_addr_parse("192.168.20.1", &x), 0);
    th_send_from(s, a, "192.168.20.1", T0);
    th_send_from(s, b, "192.168.20.1", T0); /* b took it */
    for (unsigned i = 0; i < 10; i++) {     /* x falls out of a's list */
        snprintf(ip, sizeof ip, "192.168.21.%u", i + 1);
        th_send_from(s, a, ip, T0);
    }
    assert_false(has_string(ips_of(mm_devices_find_mac(d, a)), "192.168.20.1"));
    assert_ptr_equal(mm_devices_find_ip(d, &x), mm_devices_find_mac(d, b));
    th_free(s);

    s = th_new(NULL, NULL, NULL, NULL);
    d = mm_sensor_devices(s);
    uint64_t r = 88172645463325252ULL; /* xorshift: addresses in no order */
    for (unsigned step = 0; step < 20000; step++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        const uint8_t mac[6] = {0x02, 0, 0, 0x0c, 0, (uint8_t)(r % 200)};
        snprintf(ip, sizeof ip, "10.9.%u.%u", (unsigned)(r >> 8) % 40, (unsigned)(r >> 16) % 250);
        th_send_from(s, mac, ip, T0 + step);
    }
    size_t listed = 0;
    for (unsigned k = 0; k < 200; k++) {
        const uint8_t mac[6] = {0x02, 0, 0, 0x0c, 0, (uint8_t)k};
        const json_t *rec = mm_devices_find_mac(d, mac);
        size_t i;
        json_t *v;
        assert_non_null(rec);
        json_array_foreach(ips_of(rec), i, v)
        {
            struct mm_addr addr;
            assert_int_equal(mm_addr_parse(json_string_value(v), &addr), 0);
            /* the last device seen with it, or none when it fell out of
             * that one's list since */
            listed += mm_devices_find_ip(d, &addr) == rec;
        }
    }
    assert_int_equal(mm_devices_address_count(d), listed);
    assert_true(listed <= 200 * 8);
    th_free(s);
}

/* A device known by its address only (packets without an Ethernet header)
 * keeps its map entry: a MAC device that used the same address takes it
 * while it lists it, and when the address falls out of that device's list
 * the entry goes back to the address device, which is found again instead
 * of a second "new" device being created for the same address (each round
 * of rotation would otherwise add one). */
static void test_ip_keyed_device_survives_rotation(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0d, 0x01};
    struct mm_sensor *s = th_new("[devices]\naddress_change_interval = 0\n", NULL, NULL, NULL);
    struct mm_devices *d = mm_sensor_devices(s);
    struct mm_packet p;
    struct mm_addr x;
    char ip[32];
    assert_int_equal(mm_addr_parse("192.168.30.5", &x), 0);
    for (unsigned round = 0; round < 3; round++) {
        th_set_time(s, T0 + round * 100);
        th_ip_packet(&p, "192.168.30.5", 1025, "203.0.113.80", 80, 6, 0x10, NULL);
        th_packet(s, &p); /* no Ethernet header: the device keyed by its address */
        const json_t *by_ip = mm_devices_find_ip(d, &x);
        assert_non_null(by_ip);
        assert_false(json_is_string(json_object_get(by_ip, "mac")));
        assert_int_equal(th_count_events(s, "device", "new"), round == 0 ? 1 : 2);
        th_send_from(s, mac, "192.168.30.5", T0 + round * 100 + 1); /* the MAC device takes it */
        assert_ptr_equal(mm_devices_find_ip(d, &x), mm_devices_find_mac(d, mac));
        for (unsigned i = 0; i < 8; i++) { /* and lets it fall out of its list */
            snprintf(ip, sizeof ip, "192.168.31.%u", round * 10 + i + 1);
            th_send_from(s, mac, ip, T0 + round * 100 + 2 + i);
        }
        assert_false(has_string(ips_of(mm_devices_find_mac(d, mac)), "192.168.30.5"));
        assert_ptr_equal(mm_devices_find_ip(d, &x), by_ip); /* the address device again */
    }
    assert_int_equal(th_count_events(s, "device", "new"), 2);
    th_free(s);
}

/* A device known by its address is kept across a restart also when a MAC
 * device saved before it lists the same address (it took the address back
 * after the address device was created). */
static void test_ip_keyed_device_reloaded(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0d, 0x02};
    char ip[32], path[300];
    struct mm_packet p;
    snprintf(path, sizeof path, "%s/devices.json", state_dir);
    unlink(path); /* an empty inventory (the group shares state_dir) */
    struct mm_sensor *s = th_new(NULL, NULL, state_dir, NULL);
    th_send_from(s, mac, "192.168.32.5", T0); /* the MAC device first */
    for (unsigned i = 0; i < 8; i++) {
        snprintf(ip, sizeof ip, "192.168.33.%u", i + 1);
        th_send_from(s, mac, ip, T0 + 1 + i);
    }
    th_set_time(s, T0 + 20);
    th_ip_packet(&p, "192.168.32.5", 1025, "203.0.113.80", 80, 6, 0x10, NULL);
    th_packet(s, &p);                              /* then the address device */
    th_send_from(s, mac, "192.168.32.5", T0 + 30); /* which the MAC device uses again */
    assert_int_equal(th_count_events(s, "device", "new"), 2);
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    th_free(s);

    s = th_new(NULL, NULL, state_dir, NULL);
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    th_free(s);
    json_t *root = json_load_file(path, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(root, "devices")), 2);
    json_decref(root);
}

/* The map's invariants under random packets from 60 MACs and from
 * addresses without a MAC, over 96 addresses: an address gets a device of
 * its own only when the map knew no device for it, and keeps being found
 * after that; every address found is listed by the device found; the map
 * holds one entry per address found and nothing else. */
static void check_ip_map(struct mm_devices *d, const bool keyed[96])
{
    size_t found = 0;
    char ip[32];
    for (unsigned a = 0; a < 96; a++) {
        struct mm_addr x;
        snprintf(ip, sizeof ip, "192.168.40.%u", a + 1);
        assert_int_equal(mm_addr_parse(ip, &x), 0);
        const json_t *rec = mm_devices_find_ip(d, &x);
        if (keyed[a])
            assert_non_null(rec);
        if (!rec)
            continue;
        assert_true(has_string(ips_of(rec), ip));
        found++;
    }
    assert_int_equal(mm_devices_address_count(d), found);
}

static void test_ip_map_random_with_address_devices(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new("[devices]\naddress_change_interval = 0\n", NULL, NULL, NULL);
    struct mm_devices *d = mm_sensor_devices(s);
    bool keyed[96] = {false}, mac_seen[60] = {false};
    size_t devices = 0;
    char ip[32];
    uint64_t r = 0x9e3779b97f4a7c15ULL;
    for (unsigned step = 0; step < 20000; step++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        unsigned a = (unsigned)(r >> 8) % 96, m = (unsigned)(r >> 24) % 60;
        snprintf(ip, sizeof ip, "192.168.40.%u", a + 1);
        if ((r >> 40) % 8 == 0) { /* without a link layer */
            struct mm_packet p;
            struct mm_addr x;
            assert_int_equal(mm_addr_parse(ip, &x), 0);
            if (!mm_devices_find_ip(d, &x)) { /* a device of its own */
                assert_false(keyed[a]);
                keyed[a] = true;
                devices++;
            }
            th_set_time(s, T0 + step);
            th_ip_packet(&p, ip, 1025, "203.0.113.80", 80, 6, 0x10, NULL);
            th_packet(s, &p);
        } else {
            const uint8_t mac[6] = {0x02, 0, 0, 0x0e, 0, (uint8_t)m};
            th_send_from(s, mac, ip, T0 + step);
            devices += !mac_seen[m];
            mac_seen[m] = true;
        }
        if (step % 1000 == 0) {
            assert_int_equal(th_count_events(s, "device", "new"), devices);
            check_ip_map(d, keyed);
        }
    }
    assert_int_equal(th_count_events(s, "device", "new"), devices);
    check_ip_map(d, keyed);
    th_free(s);
}

static void test_bad_interval(void **state)
{
    (void)state;
    th_expect_devices_refused("[devices]\naddress_change_interval = -1\n");
}

/* The record's "ips" joined with ' ' (at most 511 bytes). */
static const char *ips_text(const json_t *rec, char out[512])
{
    size_t i, o = 0;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(ips_of(rec), i, v)
    {
        o += (size_t)snprintf(out + o, 512 - o, "%s%s", i ? " " : "", json_string_value(v));
    }
    return out;
}

/* Whether an address is listed is decided by its text: a saved record may
 * list an address in another form than the inventory writes ("FD00::1"),
 * which does not count as listing it (its written form is added, as
 * before); a listed address is not added again however its packets
 * alternate with another device's (a router forwarding for it); the list
 * drops its oldest texts in order, and a dropped address comes back at the
 * end. Exercises the address keys kept beside "ips" (ips_keys). */
static void test_listed_address_texts(void **state)
{
    (void)state;
    char path[300], text[512];
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0e, 0x01}, router[6] = {0x02, 0, 0, 0, 0x0e, 0x02};
    snprintf(path, sizeof path, "%s/devices.json", state_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"version\":1,\"devices\":[{\"mac\":\"02:00:00:00:0e:01\",\"ips\":[\"FD00::1\","
          "\"192.168.50.1\"],\"vendor\":\"\",\"mac_random\":true,\"hostnames\":[],"
          "\"user_agents\":[],\"evidence\":[],\"os\":null,\"allowlisted\":false,"
          "\"first_seen\":\"2026-04-01T00:00:00.000000+0000\","
          "\"last_seen\":\"2026-04-01T00:00:00.000000+0000\"}]}",
          f);
    fclose(f);
    struct mm_sensor *s = th_new("[devices]\naddress_change_interval = 0\n", NULL, state_dir, NULL);
    struct mm_devices *d = mm_sensor_devices(s);
    /* (the record is looked up again after each change: a record handed
     * out is the inventory's only until it next learns something) */
    assert_string_equal(ips_text(mm_devices_find_mac(d, mac), text),
                        "FD00::1 192.168.50.1 fd00::1");
    th_send_from(s, mac, "fd00::1", T0);
    th_send_from(s, mac, "192.168.50.1", T0 + 1);
    assert_string_equal(ips_text(mm_devices_find_mac(d, mac), text),
                        "FD00::1 192.168.50.1 fd00::1");
    for (unsigned i = 0; i < 5; i++) {
        th_send_from(s, router, "192.168.50.1", T0 + 2 + i);
        th_send_from(s, mac, "192.168.50.1", T0 + 2 + i);
    }
    const json_t *router_rec = mm_devices_find_mac(d, router);
    assert_string_equal(ips_text(router_rec, text), "192.168.50.1");
    assert_string_equal(ips_text(mm_devices_find_mac(d, mac), text),
                        "FD00::1 192.168.50.1 fd00::1");
    struct mm_addr a;
    assert_int_equal(mm_addr_parse("192.168.50.1", &a), 0);
    assert_ptr_equal(mm_devices_find_ip(d, &a), mm_devices_find_mac(d, mac));
    for (unsigned i = 2; i <= 8; i++) { /* 3 + 7 texts: the two oldest drop out */
        char ip[32];
        snprintf(ip, sizeof ip, "192.168.50.%u", i);
        th_send_from(s, mac, ip, T0 + 10 + i);
    }
    assert_string_equal(ips_text(mm_devices_find_mac(d, mac), text),
                        "fd00::1 192.168.50.2 192.168.50.3 192.168.50.4 "
                        "192.168.50.5 192.168.50.6 192.168.50.7 "
                        "192.168.50.8");
    th_send_from(s, mac, "192.168.50.1", T0 + 20); /* dropped: listed again, at the end */
    th_send_from(s, mac, "192.168.50.5", T0 + 21); /* listed: no change */
    assert_string_equal(ips_text(mm_devices_find_mac(d, mac), text),
                        "192.168.50.2 192.168.50.3 192.168.50.4 "
                        "192.168.50.5 192.168.50.6 192.168.50.7 "
                        "192.168.50.8 192.168.50.1");
    th_free(s);
    unlink(path);
}

/* ---- host names crafted against the old signature ---------------------------- */

#define FNV32_PRIME 16777619u

/* The signature device.c used before it was keyed (32-bit FNV-1a over the
 * OS id, then each host name lower-cased and a byte 1), without its last
 * step (the allowlist byte): the state the test aims at. */
static uint32_t old_signature_state(const json_t *rec)
{
    uint32_t h = 2166136261u;
    const char *os = json_string_value(json_object_get(json_object_get(rec, "os"), "id"));
    size_t i;
    json_t *v;
    for (const char *p = os ? os : ""; *p; p++)
        h = (h ^ (uint8_t)*p) * FNV32_PRIME;
    json_array_foreach(json_object_get(rec, "hostnames"), i, v)
    {
        for (const char *p = json_string_value(v); *p; p++)
            h = (h ^ (uint8_t)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p)) * FNV32_PRIME;
        h = (h ^ 1) * FNV32_PRIME;
    }
    return h;
}

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
#define LETTERS 36u
#define HEAD    4 /* letters before the meeting point: 36^4 states */
#define TAIL    3 /* letters after it: 36^3 states */

struct meet {
    uint32_t state, index;
};

static int by_state(const void *a, const void *b)
{
    uint32_t x = ((const struct meet *)a)->state, y = ((const struct meet *)b)->state;
    return x < y ? -1 : x > y;
}

/* The letters of index (k of them) into out. */
static void letters_of(uint32_t index, unsigned k, char *out)
{
    for (unsigned i = 0; i < k; i++, index /= LETTERS)
        out[i] = alphabet[index % LETTERS];
}

/* A name (HEAD + TAIL letters) whose old signature step, from state s,
 * ends at s again: the list with it appended signs like the list without.
 * Meet in the middle: the FNV step is invertible (the prime is odd), so
 * states reached forward over the head are matched with states reached
 * backward from s over the byte 1 and the tail; about 18 matches expected. */
static bool name_back_to(uint32_t s, char name[HEAD + TAIL + 1])
{
    uint32_t n = LETTERS * LETTERS * LETTERS * LETTERS, inv = FNV32_PRIME;
    for (int i = 0; i < 5; i++)
        inv *= 2u - FNV32_PRIME * inv; /* Newton: the prime's inverse mod 2^32 */
    struct meet *fwd = malloc(n * sizeof *fwd);
    assert_non_null(fwd);
    for (uint32_t i = 0; i < n; i++) {
        char head[HEAD];
        uint32_t h = s;
        letters_of(i, HEAD, head);
        for (unsigned k = 0; k < HEAD; k++)
            h = (h ^ (uint8_t)head[k]) * FNV32_PRIME;
        fwd[i] = (struct meet){h, i};
    }
    qsort(fwd, n, sizeof *fwd, by_state);
    bool found = false;
    for (uint32_t j = 0; j < LETTERS * LETTERS * LETTERS && !found; j++) {
        char tail[TAIL];
        uint32_t h = (s * inv) ^ 1; /* before the byte 1 */
        letters_of(j, TAIL, tail);
        for (unsigned k = TAIL; k-- > 0;)
            h = (h * inv) ^ (uint8_t)tail[k];
        struct meet key = {h, 0}, *m = bsearch(&key, fwd, n, sizeof *fwd, by_state);
        if (m) {
            letters_of(m->index, HEAD, name);
            memcpy(name + HEAD, tail, TAIL);
            name[HEAD + TAIL] = '\0';
            found = true;
        }
    }
    free(fwd);
    return found;
}

/* A host name made so that the old, unkeyed 32-bit signature of the
 * device's record does not change when it is added: the inventory must
 * still announce the change (the signature is now keyed and 64 bits). */
static void test_crafted_name_is_announced(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0c, 0x01};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    th_send_from(s, mac, "192.168.12.1", T0);
    th_set_time(s, T0 + 1);
    th_event(s, "{\"event_type\":\"netbios\",\"src_ip\":\"192.168.12.1\",\"netbios\":{"
                "\"type\":\"request\",\"hostname\":\"PC-C1\"}}");
    assert_int_equal(th_device_changes(s), 1);
    const json_t *rec = mm_devices_find_mac(mm_sensor_devices(s), mac);
    uint32_t before = old_signature_state(rec);
    char name[HEAD + TAIL + 1], ev[256];
    assert_true(name_back_to(before, name));

    th_set_time(s, T0 + 2);
    snprintf(ev, sizeof ev,
             "{\"event_type\":\"netbios\",\"src_ip\":\"192.168.12.1\",\"netbios\":{"
             "\"type\":\"request\",\"hostname\":\"%s\"}}",
             name);
    th_event(s, ev);
    rec = mm_devices_find_mac(mm_sensor_devices(s), mac);
    assert_int_equal(json_array_size(json_object_get(rec, "hostnames")), 2);
    assert_true(old_signature_state(rec) == before); /* the old signature would not see it */
    assert_int_equal(th_device_changes(s), 2);
    assert_true(has_string(json_object_get(th_last_device(s), "hostnames"), name));
    th_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotation_is_no_news),
        cmocka_unit_test(test_address_changes_coalesced),
        cmocka_unit_test(test_identity_at_once),
        cmocka_unit_test(test_held_back_change_persists),
        cmocka_unit_test(test_ip_map_bounded),
        cmocka_unit_test(test_ip_map_many_rotating),
        cmocka_unit_test(test_ip_keyed_device_survives_rotation),
        cmocka_unit_test(test_ip_keyed_device_reloaded),
        cmocka_unit_test(test_ip_map_random_with_address_devices),
        cmocka_unit_test(test_listed_address_texts),
        cmocka_unit_test(test_bad_interval),
        cmocka_unit_test(test_crafted_name_is_announced),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
