/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the device inventory: a device is announced once as "new"
 * with what its first packet's DHCP taught, later host names and OS changes
 * are "changed", the inventory survives a restart through --state without
 * re-announcing, and the [devices] allowlist marks known devices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/ini.h"
#include "sensor/osguess.h"
#include "test-detect-harness.h"
#include "../test-tmpdir.h"

#define XP_DHCP                                                                                    \
    "{\"timestamp\":\"2026-04-01T00:00:01.000000+0000\",\"event_type\":\"dhcp\","                  \
    "\"src_ip\":\"0.0.0.0\",\"src_port\":68,\"dest_ip\":\"255.255.255.255\",\"dest_port\":67,"     \
    "\"proto\":\"UDP\",\"pcap_cnt\":1,\"dhcp\":{\"type\":\"request\","                             \
    "\"client_mac\":\"00:03:47:b7:f2:f5\",\"assigned_ip\":\"0.0.0.0\",\"client_ip\":\"0.0.0.0\","  \
    "\"dhcp_type\":\"request\",\"requested_ip\":\"192.168.1.23\",\"hostname\":\"GHIA\","           \
    "\"params_raw\":[1,15,3,6,44,46,47,31,33,43],\"vendor_class_identifier\":\"MSFT 5.0\"}}"

static char state_dir[128];

static int setup(void **state)
{
    (void)state;
    return test_tmpdir_make(state_dir, sizeof state_dir, "devices");
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(state_dir);
}

static void mac_packet(struct mm_packet *p, const char *src, const char *dst, const uint8_t mac[6],
                       uint64_t num)
{
    th_ip_packet(p, src, 1025, dst, 80, 6, 0x02, NULL);
    p->has_eth = true;
    memcpy(p->src_mac, mac, 6);
    p->num = num;
    snprintf(p->tcp_traits.options, sizeof p->tcp_traits.options, "M,N,N,S");
    p->ttl = 128;
}

static const json_t *dev_of(const json_t *ev)
{
    return json_object_get(ev, "device");
}

static void test_new_changed_persist(void **state)
{
    (void)state;
    const uint8_t xp[6] = {0x00, 0x03, 0x47, 0xb7, 0xf2, 0xf5};
    struct mm_packet p;
    struct mm_sensor *s = th_new(NULL, NULL, state_dir, NULL);

    /* DHCP first (as the decoder emits it while handling packet 1) */
    th_event(s, XP_DHCP);
    assert_int_equal(th_count_events(s, "device", NULL), 0); /* waits for the packet's end */
    mac_packet(&p, "192.168.1.23", "203.0.113.80", xp, 2);
    th_packet(s, &p);
    assert_int_equal(th_count_events(s, "device", "new"), 1);
    const json_t *d = dev_of(th_event_at(s, "device", 0));
    assert_string_equal(json_string_value(json_object_get(d, "mac")), "00:03:47:b7:f2:f5");
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "hostnames"), 0)),
                        "GHIA");
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "ips"), 0)),
                        "192.168.1.23");
    const json_t *os = json_object_get(d, "os");
    assert_string_equal(json_string_value(json_object_get(os, "id")), "windows-xp");
    assert_true(json_is_true(json_object_get(os, "legacy")));
    assert_string_equal(json_string_value(json_object_get(os, "source")), "dhcp");
    assert_non_null(json_object_get(d, "first_seen"));
    assert_non_null(json_object_get(d, "evidence"));
    assert_string_equal(json_string_value(json_object_get(th_event_at(s, "device", 0), "src_ip")),
                        "192.168.1.23");

    /* the same packet again: nothing new */
    mac_packet(&p, "192.168.1.23", "203.0.113.80", xp, 3);
    th_packet(s, &p);
    assert_int_equal(th_count_events(s, "device", NULL), 1);
    /* a NetBIOS name registration adds a host name: "changed" */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:02.000000+0000\",\"event_type\":\"netbios\","
                "\"src_ip\":\"192.168.1.23\",\"netbios\":{\"type\":\"request\","
                "\"name\":\"GHIA-PC\",\"hostname\":\"GHIA-PC\"}}");
    assert_int_equal(th_count_events(s, "device", "changed"), 1);
    /* an HTTP user agent from the same host: lower score, no OS change */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:03.000000+0000\",\"event_type\":\"http\","
                "\"src_ip\":\"192.168.1.23\",\"http\":{\"hostname\":\"example.com\","
                "\"http_user_agent\":\"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\"}}");
    assert_int_equal(th_count_events(s, "device", "changed"), 1);
    const json_t *rec = mm_devices_find_mac(mm_sensor_devices(s), xp);
    assert_non_null(rec);
    assert_int_equal(json_array_size(json_object_get(rec, "user_agents")), 1);
    struct mm_addr a;
    mm_addr_parse("192.168.1.23", &a);
    assert_ptr_equal(mm_devices_find_ip(mm_sensor_devices(s), &a), rec);
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    th_free(s);

    /* restart: the device is known, nothing is announced */
    s = th_new(NULL, NULL, state_dir, NULL);
    rec = mm_devices_find_mac(mm_sensor_devices(s), xp);
    assert_non_null(rec);
    assert_int_equal(json_array_size(json_object_get(rec, "hostnames")), 2);
    th_event(s, XP_DHCP);
    mac_packet(&p, "192.168.1.23", "203.0.113.80", xp, 4);
    th_packet(s, &p);
    assert_int_equal(th_count_events(s, "device", NULL), 0);
    /* a new address is a change, announced once [devices]
     * address_change_interval (3600 s) has passed since the device was last
     * announced: that time was saved, the interval runs on across a restart */
    mac_packet(&p, "192.168.1.24", "203.0.113.80", xp, 5);
    th_packet(s, &p);
    assert_int_equal(th_count_events(s, "device", "changed"), 0);
    th_set_time(s, 1775001600.0 + 3600); /* the harness starts at 2026-04-01T00:00:00Z */
    mac_packet(&p, "192.168.1.24", "203.0.113.80", xp, 6);
    th_packet(s, &p);
    assert_int_equal(th_count_events(s, "device", "changed"), 1);
    th_free(s);
}

static void test_allowlist_and_limits(void **state)
{
    (void)state;
    const uint8_t a[6] = {0x02, 0, 0, 0, 0, 0x0a}, b[6] = {0x02, 0, 0, 0, 0, 0x0b},
                  c[6] = {0x02, 0, 0, 0, 0, 0x0c}, bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    struct mm_packet p;
    struct mm_sensor *s = th_new("[devices]\nallow = 02:00:00:00:00:0A\nallow = 192.168.7.0/24\n"
                                 "max = 2\n",
                                 NULL, NULL, NULL);
    mac_packet(&p, "192.168.1.50", "192.168.1.1", a, 10);
    th_packet(s, &p);
    mac_packet(&p, "192.168.7.9", "192.168.1.1", b, 11);
    th_packet(s, &p);
    mac_packet(&p, "192.168.1.60", "192.168.1.1", c, 12); /* over the limit: ignored */
    th_packet(s, &p);
    mac_packet(&p, "192.168.1.61", "192.168.1.1", bcast, 13); /* never a device */
    th_packet(s, &p);
    mac_packet(&p, "203.0.113.9", "192.168.1.1", c, 14); /* outside the home net */
    th_packet(s, &p);
    assert_int_equal(th_count_events(s, "device", "new"), 2);
    assert_true(json_is_true(json_object_get(dev_of(th_event_at(s, "device", 0)), "allowlisted")));
    assert_true(json_is_true(json_object_get(dev_of(th_event_at(s, "device", 1)), "allowlisted")));
    assert_true(json_is_true(json_object_get(dev_of(th_event_at(s, "device", 1)), "mac_random")));
    assert_null(mm_devices_find_mac(mm_sensor_devices(s), c));
    th_free(s);

    /* raw IP captures: devices by address */
    s = th_new(NULL, NULL, NULL, NULL);
    th_ip_packet(&p, "10.1.2.3", 5000, "198.51.100.1", 53, 17, 0, NULL);
    p.num = 20;
    th_packet(s, &p);
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0); /* flushes, no state dir */
    assert_int_equal(th_count_events(s, "device", "new"), 1);
    const json_t *mac = json_object_get(dev_of(th_event_at(s, "device", 0)), "mac");
    assert_true(mac == NULL || json_is_null(mac));
    th_free(s);
}

static void test_bad_allowlist(void **state)
{
    (void)state;
    th_expect_devices_refused("[devices]\nallow = not-a-mac-or-address\n");
}

static void test_damaged_state(void **state)
{
    (void)state;
    char path[300];
    const uint8_t good[6] = {0x02, 0, 0, 0, 0, 0x21}, bad[6] = {0x02, 0, 0, 0, 0, 0x22};
    snprintf(path, sizeof path, "%s/devices.json", state_dir);
    assert_int_equal(mm_file_write_atomic(path, "{not json", 9), 0);
    struct mm_sensor *s = th_new(NULL, NULL, state_dir, NULL);
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    th_free(s);
    /* a hand-edited file: the record of the wrong shape is dropped, not trusted */
    static const char text[] =
        "{\"version\":1,\"devices\":["
        "{\"mac\":\"02:00:00:00:00:21\",\"ips\":[\"192.168.1.21\"],\"hostnames\":[],"
        "\"user_agents\":[],\"evidence\":[]},"
        "{\"mac\":\"02:00:00:00:00:22\",\"ips\":[7],\"hostnames\":[],"
        "\"user_agents\":[],\"evidence\":[{\"source\":1}]}]}";
    assert_int_equal(mm_file_write_atomic(path, text, strlen(text)), 0);
    s = th_new(NULL, NULL, state_dir, NULL);
    assert_non_null(mm_devices_find_mac(mm_sensor_devices(s), good));
    assert_null(mm_devices_find_mac(mm_sensor_devices(s), bad));
    th_free(s);
}

/* The TCP evidence follows the device's latest SYN traits: a stack that
 * alternates (Windows, then Linux, then Windows again) ends with the
 * Windows guess, as when every SYN was looked at. */
static void test_syn_traits_follow_latest(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x31};
    struct mm_packet p;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    const struct {
        uint8_t ttl;
        const char *options, *os;
    } syns[] = {{128, "M,N,N,S", "windows-xp"},
                {64, "M,S,T,N,W7", "linux"},
                {128, "M,N,N,S", "windows-xp"},
                {64, "M,S,T,N,W7", "linux"}};
    for (size_t i = 0; i < sizeof syns / sizeof syns[0]; i++) {
        mac_packet(&p, "192.168.1.31", "203.0.113.80", mac, 40 + i);
        p.ttl = syns[i].ttl;
        snprintf(p.tcp_traits.options, sizeof p.tcp_traits.options, "%s", syns[i].options);
        th_packet(s, &p);
        const json_t *rec = mm_devices_find_mac(mm_sensor_devices(s), mac);
        assert_non_null(rec);
        const json_t *tcp = json_object_get(rec, "tcp");
        assert_int_equal(json_integer_value(json_object_get(tcp, "ttl")), syns[i].ttl);
        assert_string_equal(json_string_value(json_object_get(tcp, "options")), syns[i].options);
        assert_string_equal(json_string_value(json_object_get(json_object_get(rec, "os"), "id")),
                            syns[i].os);
    }
    /* TTLs of one initial TTL (64) but not 0 (no guess: the record keeps 40) */
    static const uint8_t ttls[] = {50, 40, 0};
    for (size_t i = 0; i < sizeof ttls / sizeof ttls[0]; i++) {
        mac_packet(&p, "192.168.1.31", "203.0.113.80", mac, 50 + i);
        p.ttl = ttls[i];
        snprintf(p.tcp_traits.options, sizeof p.tcp_traits.options, "M,S,T,N,W7");
        th_packet(s, &p);
        const json_t *tcp = json_object_get(mm_devices_find_mac(mm_sensor_devices(s), mac), "tcp");
        assert_int_equal(json_integer_value(json_object_get(tcp, "ttl")), ttls[i] ? ttls[i] : 40);
    }
    th_free(s);
}

/* The record's "tcp" follows every SYN whose kind (initial TTL, options)
 * has an OS guess and whose TTL or options differ from the record's (the
 * window alone is no news), and its "os" is that guess: 600
 * random SYNs of guessed and unguessed kinds, TTLs varied within their
 * initial TTL (as a scanner varies them) and sometimes repeated, checked
 * against that rule (the inventory skips the full look for a SYN of the
 * record's kind with another TTL, and for traits it saw recently). */
static void test_syn_traits_random(void **state)
{
    (void)state;
    static const char *const options[] = {"M,N,N,S", "M,S,T,N,W7", "M,N,W8,N,N,T,S", "N"};
    static const unsigned initial[] = {64, 128, 255};
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x32};
    struct mm_packet p;
    struct mm_osguess *os;
    struct mm_os_guess g;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    unsigned seed = 7, want_ttl = 0, want_window = 0;
    const char *want_options = NULL, *want_os = NULL;
    assert_int_equal(mm_osguess_new(&os), 0);
    for (unsigned i = 0; i < 600; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8, ttl = initial[r % 3] - (r >> 2) % (r % 5 == 0 ? 1 : 20);
        const char *o = options[(r >> 7) % 4];
        if ((r >> 12) % 23 == 0)
            ttl = 0;
        mac_packet(&p, "192.168.1.32", "203.0.113.80", mac, 60 + i);
        p.ttl = (uint8_t)ttl;
        p.tcp_window = (uint16_t)(1000 + (r >> 14) % 3);
        snprintf(p.tcp_traits.options, sizeof p.tcp_traits.options, "%s", o);
        th_packet(s, &p);
        if (mm_osguess_tcp(os, p.ttl, o, &g) &&
            (p.ttl != want_ttl || !want_options || strcmp(o, want_options) != 0)) {
            want_ttl = p.ttl;
            want_window = p.tcp_window;
            want_options = o;
            want_os = g.id;
        }
        const json_t *rec = mm_devices_find_mac(mm_sensor_devices(s), mac);
        const json_t *tcp = json_object_get(rec, "tcp");
        if (!want_options) {
            assert_null(tcp);
            continue;
        }
        assert_int_equal(json_integer_value(json_object_get(tcp, "ttl")), want_ttl);
        assert_int_equal(json_integer_value(json_object_get(tcp, "window")), want_window);
        assert_string_equal(json_string_value(json_object_get(tcp, "options")), want_options);
        assert_string_equal(json_string_value(json_object_get(json_object_get(rec, "os"), "id")),
                            want_os);
    }
    assert_non_null(want_options);
    mm_osguess_free(os);
    th_free(s);
}

/* The JSON text of rec's member key (members in the record's order). */
static void member_text(const json_t *rec, const char *key, char *out, size_t outlen)
{
    char *t = json_dumps(json_object_get(rec, key), JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(t);
    snprintf(out, outlen, "%s", t);
    free(t);
}

/* The record's "tcp" is kept up to date where it is read (events, lookups,
 * devices.json) however often SYNs with the same OS but other traits
 * alternate; an announced event keeps the traits of its moment; the record's
 * members keep the order they were first set in. */
static void test_syn_record_when_read(void **state)
{
    (void)state;
    char path[300], text[200];
    const uint8_t kept[6] = {0x02, 0, 0, 0, 0, 0x41}, odd[6] = {0x02, 0, 0, 0, 0, 0x42},
                  fresh[6] = {0x02, 0, 0, 0, 0, 0x43};
    static const char saved[] =
        "{\"version\":1,\"devices\":["
        "{\"mac\":\"02:00:00:00:00:41\",\"ips\":[\"192.168.1.41\"],\"hostnames\":[],"
        "\"user_agents\":[],\"evidence\":[],\"tcp\":{\"options\":\"M\",\"ttl\":5,\"window\":6}},"
        "{\"mac\":\"02:00:00:00:00:42\",\"ips\":[\"192.168.1.42\"],\"hostnames\":[],"
        "\"user_agents\":[],\"evidence\":[],\"tcp\":{\"ttl\":5,\"window\":6,\"options\":\"M\","
        "\"note\":1},\"zz\":true}]}";
    snprintf(path, sizeof path, "%s/devices.json", state_dir);
    assert_int_equal(mm_file_write_atomic(path, saved, strlen(saved)), 0);
    struct mm_sensor *s = th_new(NULL, NULL, state_dir, NULL);
    struct mm_packet p;
    for (unsigned i = 0; i < 4; i++) { /* Linux both: W7 (window 100), W8 (window 200) */
        for (unsigned k = 0; k < 3; k++) {
            const uint8_t *mac = k == 0 ? kept : k == 1 ? odd : fresh;
            char ip[20];
            snprintf(ip, sizeof ip, "192.168.1.%u", 41 + k);
            mac_packet(&p, ip, "203.0.113.80", mac, 50 + i * 3 + k);
            p.ttl = 64;
            p.tcp_window = i % 2 ? 200 : 100;
            snprintf(p.tcp_traits.options, sizeof p.tcp_traits.options, "M,S,T,N,W%u",
                     i % 2 ? 8 : 7);
            th_packet(s, &p);
        }
    }
    /* "fresh" learns DHCP after its SYNs */
    th_event(s, "{\"event_type\":\"dhcp\",\"src_ip\":\"192.168.1.43\",\"dhcp\":{\"type\":"
                "\"request\",\"client_mac\":\"02:00:00:00:00:43\",\"params_raw\":[1,3]}}");
    /* the first SYN's Linux guess changed the saved two; fresh was new, then
     * changed by its first DHCP fingerprint (the last event) */
    assert_int_equal(th_count_events(s, "device", "changed"), 3);
    assert_int_equal(th_count_events(s, "device", "new"), 1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(dev_of(th_event_at(s, "device", 3)), "dhcp"), "params")),
        "1,3");
    member_text(dev_of(th_event_at(s, "device", 0)), "tcp", text, sizeof text);
    assert_string_equal(text, "{\"options\":\"M,S,T,N,W7\",\"ttl\":64,\"window\":100}");
    member_text(dev_of(th_event_at(s, "device", 1)), "tcp", text, sizeof text);
    assert_string_equal(text, "{\"ttl\":64,\"window\":100,\"options\":\"M,S,T,N,W7\"}");
    member_text(dev_of(th_event_at(s, "device", 2)), "tcp", text, sizeof text);
    assert_string_equal(text, "{\"ttl\":64,\"window\":100,\"options\":\"M,S,T,N,W7\"}");
    /* the records hold the last SYN's traits (W8, window 200) */
    member_text(mm_devices_find_mac(mm_sensor_devices(s), kept), "tcp", text, sizeof text);
    assert_string_equal(text, "{\"options\":\"M,S,T,N,W8\",\"ttl\":64,\"window\":200}");
    member_text(mm_devices_find_mac(mm_sensor_devices(s), odd), "tcp", text, sizeof text);
    assert_string_equal(text, "{\"ttl\":64,\"window\":200,\"options\":\"M,S,T,N,W8\"}");
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    th_free(s);

    /* devices.json: the same traits; members in the order first set */
    json_t *root = json_load_file(path, 0, NULL), *devs = json_object_get(root, "devices");
    assert_int_equal(json_array_size(devs), 3);
    const json_t *f = json_array_get(devs, 2);
    assert_string_equal(json_string_value(json_object_get(f, "mac")), "02:00:00:00:00:43");
    member_text(f, "tcp", text, sizeof text);
    assert_string_equal(text, "{\"ttl\":64,\"window\":200,\"options\":\"M,S,T,N,W8\"}");
    const char *last = NULL, *before_last = NULL;
    for (void *it = json_object_iter((json_t *)f); it;
         it = json_object_iter_next((json_t *)f, it)) {
        if (strcmp(json_object_iter_key(it), "last_announced") == 0)
            continue; /* the file's own member, after the record's */
        before_last = last;
        last = json_object_iter_key(it);
    }
    assert_string_equal(before_last, "tcp");
    assert_string_equal(last, "dhcp");
    member_text(json_array_get(devs, 0), "tcp", text, sizeof text);
    assert_string_equal(text, "{\"options\":\"M,S,T,N,W8\",\"ttl\":64,\"window\":200}");
    const json_t *o = json_array_get(devs, 1);
    void *it = json_object_iter_at((json_t *)o, "tcp");
    assert_string_equal(json_object_iter_key(json_object_iter_next((json_t *)o, it)), "zz");
    json_decref(root);
}

/* Many devices: every one is found again by its MAC and by its address
 * (the maps grow and keep all of them). */
static void test_many_devices(void **state)
{
    (void)state;
    struct mm_packet p;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    for (unsigned i = 0; i < 1000; i++) {
        const uint8_t mac[6] = {0x00, 0x11, 0x22, 0, (uint8_t)(i >> 8), (uint8_t)i};
        char ip[20];
        snprintf(ip, sizeof ip, "10.0.%u.%u", i >> 8, i & 0xff);
        mac_packet(&p, ip, "203.0.113.80", mac, 100 + i);
        th_packet(s, &p);
    }
    assert_int_equal(th_count_events(s, "device", "new"), 1000);
    for (unsigned i = 0; i < 1000; i++) {
        const uint8_t mac[6] = {0x00, 0x11, 0x22, 0, (uint8_t)(i >> 8), (uint8_t)i};
        char ip[20];
        struct mm_addr a;
        snprintf(ip, sizeof ip, "10.0.%u.%u", i >> 8, i & 0xff);
        assert_int_equal(mm_addr_parse(ip, &a), 0);
        const json_t *by_mac = mm_devices_find_mac(mm_sensor_devices(s), mac);
        assert_non_null(by_mac);
        assert_ptr_equal(mm_devices_find_ip(mm_sensor_devices(s), &a), by_mac);
        assert_string_equal(json_string_value(json_array_get(json_object_get(by_mac, "ips"), 0)),
                            ip);
    }
    const uint8_t unknown[6] = {0x00, 0x11, 0x22, 1, 0, 0};
    assert_null(mm_devices_find_mac(mm_sensor_devices(s), unknown));
    th_free(s);
}

static const char *last_seen_of(const json_t *rec)
{
    return json_string_value(json_object_get(rec, "last_seen"));
}

/* "last_seen" moves at most once a minute (events and devices.json say the
 * latest); an event keeps what the record held when it was announced; a
 * saved "last_seen" is kept as written until the device is seen again.
 * (address_change_interval = 0: every new address is announced.) */
static void test_last_seen_and_events(void **state)
{
    (void)state;
    char path[300];
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x51};
    const double t0 = 1775001600.0; /* 2026-04-01T00:00:00Z */
    struct mm_packet p;
    struct mm_sensor *s = th_new("[devices]\naddress_change_interval = 0\n", NULL, state_dir, NULL);
    static const double times[] = {0, 50, 70, 125};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        th_set_time(s, t0 + times[i]);
        mac_packet(&p, "192.168.1.51", "203.0.113.80", mac, 200 + i);
        th_packet(s, &p);
    }
    const json_t *rec = mm_devices_find_mac(mm_sensor_devices(s), mac);
    assert_string_equal(last_seen_of(rec), "2026-04-01T00:01:10.000000+0000");
    /* a host name: "changed", announced with the time of the last packet */
    th_event(s, "{\"event_type\":\"netbios\",\"src_ip\":\"192.168.1.51\",\"netbios\":{"
                "\"type\":\"request\",\"hostname\":\"PC-51\"}}");
    assert_int_equal(th_count_events(s, "device", "changed"), 1);
    const json_t *first = dev_of(th_event_at(s, "device", 0)),
                 *changed = dev_of(th_event_at(s, "device", 1));
    assert_string_equal(last_seen_of(changed), "2026-04-01T00:02:05.000000+0000");
    /* a second address, then a user agent (Linux): two more "changed"; those
     * announced before stay as they were */
    th_set_time(s, t0 + 300);
    mac_packet(&p, "192.168.1.52", "203.0.113.80", mac, 210);
    th_packet(s, &p);
    th_event(s, "{\"event_type\":\"http\",\"src_ip\":\"192.168.1.52\",\"http\":{"
                "\"http_user_agent\":\"Mozilla/5.0 (X11; Linux x86_64)\"}}");
    assert_int_equal(th_count_events(s, "device", "changed"), 3);
    assert_string_equal(last_seen_of(first), "2026-04-01T00:00:00.000000+0000");
    assert_int_equal(json_array_size(json_object_get(first, "hostnames")), 0);
    assert_int_equal(json_array_size(json_object_get(first, "ips")), 1);
    assert_int_equal(json_array_size(json_object_get(changed, "ips")), 1);
    assert_int_equal(json_array_size(json_object_get(changed, "user_agents")), 0);
    assert_string_equal(json_string_value(json_object_get(changed, "action")), "changed");
    /* a name learnt later from an event: announced now, last seen before */
    th_set_time(s, t0 + 400);
    th_event(s, "{\"event_type\":\"netbios\",\"src_ip\":\"192.168.1.52\",\"netbios\":{"
                "\"type\":\"request\",\"hostname\":\"PC-51B\"}}");
    assert_int_equal(th_count_events(s, "device", "changed"), 4);
    const json_t *late = th_event_at(s, "device", 4);
    assert_string_equal(json_string_value(json_object_get(late, "timestamp")),
                        "2026-04-01T00:06:40.000000+0000");
    assert_string_equal(last_seen_of(dev_of(late)), "2026-04-01T00:05:00.000000+0000");
    rec = mm_devices_find_mac(mm_sensor_devices(s), mac);
    assert_null(json_object_get(rec, "action"));
    assert_int_equal(json_array_size(json_object_get(rec, "ips")), 2);
    assert_int_equal(json_array_size(json_object_get(rec, "user_agents")), 1);
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    th_free(s);

    /* a saved record in another form of time, one without "last_seen" */
    static const char saved[] =
        "{\"version\":1,\"devices\":["
        "{\"mac\":\"02:00:00:00:00:53\",\"ips\":[\"192.168.1.53\"],\"hostnames\":[],"
        "\"user_agents\":[],\"evidence\":[],\"last_seen\":\"2026-04-01T09:00:30+0900\"},"
        "{\"mac\":\"02:00:00:00:00:54\",\"ips\":[\"192.168.1.54\"],\"hostnames\":[],"
        "\"user_agents\":[],\"evidence\":[]}]}";
    const uint8_t kept[6] = {0x02, 0, 0, 0, 0, 0x53}, bare[6] = {0x02, 0, 0, 0, 0, 0x54};
    snprintf(path, sizeof path, "%s/devices.json", state_dir);
    assert_int_equal(mm_file_write_atomic(path, saved, strlen(saved)), 0);
    s = th_new(NULL, NULL, state_dir, NULL);
    th_set_time(s, t0 + 60); /* less than a minute after the saved time */
    mac_packet(&p, "192.168.1.53", "203.0.113.80", kept, 300);
    p.tcp_flags = 0x10; /* not a SYN: no OS guess, nothing announced */
    th_packet(s, &p);
    assert_string_equal(last_seen_of(mm_devices_find_mac(mm_sensor_devices(s), kept)),
                        "2026-04-01T09:00:30+0900");
    mac_packet(&p, "192.168.1.54", "203.0.113.80", bare, 301);
    p.tcp_flags = 0x10;
    th_packet(s, &p);
    th_event(s, "{\"event_type\":\"dhcp\",\"src_ip\":\"192.168.1.54\",\"dhcp\":{\"type\":"
                "\"request\",\"client_mac\":\"02:00:00:00:00:54\",\"params_raw\":[1,3]}}");
    th_set_time(s, t0 + 100);
    mac_packet(&p, "192.168.1.53", "203.0.113.80", kept, 302);
    p.tcp_flags = 0x10;
    th_packet(s, &p);
    assert_string_equal(last_seen_of(mm_devices_find_mac(mm_sensor_devices(s), kept)),
                        "2026-04-01T00:01:40.000000+0000");
    rec = mm_devices_find_mac(mm_sensor_devices(s), bare);
    void *it = json_object_iter_at((json_t *)rec, "last_seen");
    assert_string_equal(json_object_iter_key(json_object_iter_next((json_t *)rec, it)), "dhcp");
    assert_string_equal(last_seen_of(rec), "2026-04-01T00:01:00.000000+0000");
    /* only the first DHCP fingerprint "bare" showed was announced */
    assert_int_equal(th_count_events(s, "device", NULL), 1);
    assert_string_equal(
        json_string_value(json_object_get(dev_of(th_event_at(s, "device", 0)), "mac")),
        "02:00:00:00:00:54");
    th_free(s);
}

/* An address that moves between devices belongs to the last sender, also
 * when a device sends from it again after another did. */
static void test_address_moves(void **state)
{
    (void)state;
    const uint8_t a[6] = {0x02, 0, 0, 0, 0, 0x61}, b[6] = {0x02, 0, 0, 0, 0, 0x62};
    const uint8_t *senders[] = {a, a, b, b, a, b, a};
    struct mm_packet p;
    struct mm_addr x;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    assert_int_equal(mm_addr_parse("192.168.1.61", &x), 0);
    for (size_t i = 0; i < sizeof senders / sizeof senders[0]; i++) {
        mac_packet(&p, "192.168.1.61", "203.0.113.80", senders[i], 400 + i);
        p.tcp_flags = 0x10;
        th_packet(s, &p);
        assert_ptr_equal(mm_devices_find_ip(mm_sensor_devices(s), &x),
                         mm_devices_find_mac(mm_sensor_devices(s), senders[i]));
    }
    /* each has the address once; b's announcement was its only event */
    const json_t *ra = mm_devices_find_mac(mm_sensor_devices(s), a);
    assert_int_equal(json_array_size(json_object_get(ra, "ips")), 1);
    assert_int_equal(th_count_events(s, "device", "new"), 2);
    assert_int_equal(th_count_events(s, "device", "changed"), 0);
    th_free(s);
}

static void arp_packet(struct mm_packet *p, const struct mm_addr *spa, const uint8_t sha[6],
                       uint64_t num)
{
    memset(p, 0, sizeof *p);
    p->is_arp = true;
    p->has_eth = true;
    memcpy(p->arp_sha, sha, 6);
    p->arp_spa = *spa;
    p->num = num;
}

static void assert_address_of(struct mm_sensor *s, const char *ip, const uint8_t mac[6])
{
    struct mm_addr x;
    assert_int_equal(mm_addr_parse(ip, &x), 0);
    assert_non_null(mm_devices_find_mac(mm_sensor_devices(s), mac));
    assert_ptr_equal(mm_devices_find_ip(mm_sensor_devices(s), &x),
                     mm_devices_find_mac(mm_sensor_devices(s), mac));
}

/* A run of packets from one source skips its look-ups (the inventory
 * remembers the last home and the last outside source); what changed in
 * between is still seen: another device taking the address by ARP, the
 * same address with another MAC or without a link layer, the same MAC with
 * another address. */
static void test_repeated_sources(void **state)
{
    (void)state;
    const uint8_t a[6] = {0x02, 0, 0, 0, 0, 0x71}, b[6] = {0x02, 0, 0, 0, 0, 0x72},
                  c[6] = {0x02, 0, 0, 0, 0, 0x73};
    struct mm_packet p, arp;
    struct mm_addr x;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    assert_int_equal(mm_addr_parse("192.168.1.71", &x), 0);
    mac_packet(&p, "192.168.1.71", "203.0.113.80", a, 500);
    p.tcp_flags = 0x10;
    th_packet(s, &p);
    th_packet(s, &p);
    assert_address_of(s, "192.168.1.71", a);
    arp_packet(&arp, &x, b, 501); /* b takes the address between two packets of a */
    th_packet(s, &arp);
    assert_address_of(s, "192.168.1.71", b);
    th_packet(s, &p);
    assert_address_of(s, "192.168.1.71", a);
    mac_packet(&p, "203.0.113.9", "192.168.1.71", a, 502); /* outside: learns nothing */
    p.tcp_flags = 0x10;
    th_packet(s, &p);
    th_packet(s, &p);
    mac_packet(&p, "192.168.1.74", "203.0.113.80", a, 503); /* a's second address */
    p.tcp_flags = 0x10;
    th_packet(s, &p);
    assert_int_equal(
        json_array_size(json_object_get(mm_devices_find_mac(mm_sensor_devices(s), a), "ips")), 2);
    mac_packet(&p, "192.168.1.74", "203.0.113.80", c, 504); /* the same address, another MAC */
    p.tcp_flags = 0x10;
    th_packet(s, &p);
    assert_address_of(s, "192.168.1.74", c);
    p.has_eth = false; /* the same address without a link layer: still c's, no new device */
    th_packet(s, &p);
    th_packet(s, &p);
    assert_address_of(s, "192.168.1.74", c);
    assert_int_equal(th_count_events(s, "device", "new"), 3);
    assert_int_equal(mm_devices_address_count(mm_sensor_devices(s)), 2);
    th_free(s);
}

/* Two home devices taking turns, and two outside hosts (the inventory
 * remembers two of each): what changed in between is still seen, whichever
 * of the two remembered sources comes next. */
static void test_alternating_sources(void **state)
{
    (void)state;
    const uint8_t a[6] = {0x02, 0, 0, 0, 0, 0x81}, b[6] = {0x02, 0, 0, 0, 0, 0x82},
                  c[6] = {0x02, 0, 0, 0, 0, 0x83};
    struct mm_packet pa, pb, pab, out1, out2, arp;
    struct mm_addr x;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    assert_int_equal(mm_addr_parse("192.168.1.81", &x), 0);
    mac_packet(&pa, "192.168.1.81", "192.168.1.82", a, 600);
    mac_packet(&pb, "192.168.1.82", "192.168.1.81", b, 600);
    mac_packet(&pab, "192.168.1.82", "203.0.113.80", a, 601); /* b's address, a's MAC */
    mac_packet(&out1, "203.0.113.9", "192.168.1.81", a, 600);
    mac_packet(&out2, "203.0.113.10", "192.168.1.82", b, 600);
    pa.tcp_flags = pb.tcp_flags = pab.tcp_flags = out1.tcp_flags = out2.tcp_flags = 0x10;
    for (int i = 0; i < 3; i++) {
        th_packet(s, &pa);
        th_packet(s, &out1);
        th_packet(s, &pb);
        th_packet(s, &out2);
    }
    assert_address_of(s, "192.168.1.81", a);
    assert_address_of(s, "192.168.1.82", b);
    arp_packet(&arp, &x, c, 602); /* c takes a's address between their packets */
    th_packet(s, &arp);
    assert_address_of(s, "192.168.1.81", c);
    th_packet(s, &pb);
    assert_address_of(s, "192.168.1.81", c);
    th_packet(s, &pa);
    assert_address_of(s, "192.168.1.81", a);
    th_packet(s, &pab); /* a sends from b's address: it is a's now */
    th_packet(s, &pa);
    assert_address_of(s, "192.168.1.82", a);
    th_packet(s, &pb); /* and b's again at b's next packet */
    assert_address_of(s, "192.168.1.82", b);
    th_packet(s, &pa);
    th_packet(s, &out2);
    assert_address_of(s, "192.168.1.81", a);
    assert_address_of(s, "192.168.1.82", b);
    assert_int_equal(th_count_events(s, "device", "new"), 3);
    assert_null(mm_devices_find_ip(mm_sensor_devices(s), &out1.src));
    th_free(s);
}

/* DHCP option 55 as the inventory wrote it with snprintf: numbers joined
 * by commas, cut (mid-number) at the 511th byte. */
static void expected_params(const long long *v, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + o, outlen - o, "%s%lld", i ? "," : "", v[i]);
        if (w < 0 || (size_t)w >= outlen - o)
            return;
        o += (size_t)w;
    }
}

/* DHCP client MACs in the forms sscanf reads, option 55 lists long enough
 * to be cut and given as text; a user agent repeated, then another, then
 * the first again (the guess follows the last). */
static void test_dhcp_and_agents(void **state)
{
    (void)state;
    const uint8_t dashed[6] = {0x00, 0x03, 0x47, 0xb7, 0xf2, 0xf6},
                  spaced[6] = {0x00, 0x03, 0x47, 0xb7, 0xf2, 0xf7},
                  agent[6] = {0x02, 0, 0, 0, 0, 0x71};
    long long params[200];
    char list[4096], ev[5000], want[512];
    size_t o = 0;
    params[0] = -5;
    params[1] = 1234567890123LL;
    for (size_t i = 2; i < 200; i++)
        params[i] = 255;
    for (size_t i = 0; i < 200; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%lld", i ? "," : "", params[i]);
    expected_params(params, 200, want, sizeof want);
    assert_int_equal(strlen(want), 511);
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    snprintf(ev, sizeof ev,
             "{\"event_type\":\"dhcp\",\"src_ip\":\"0.0.0.0\",\"dhcp\":{\"type\":\"request\","
             "\"client_mac\":\"00-03-47-B7-F2-F6\",\"params_raw\":[%s],"
             "\"vendor_class_identifier\":\"MSFT 5.0\"}}",
             list);
    th_event(s, ev);
    th_event(s, "{\"event_type\":\"dhcp\",\"src_ip\":\"0.0.0.0\",\"dhcp\":{\"type\":\"request\","
                "\"client_mac\":\" 0:3:47:b7:f2:f7\",\"params\":\"1,15,3\"}}");
    th_event(s, "{\"event_type\":\"dhcp\",\"src_ip\":\"0.0.0.0\",\"dhcp\":{\"type\":\"request\","
                "\"client_mac\":\"00:03:47:b7:f2:f\",\"params\":\"1,15,3\"}}");
    const json_t *rec = mm_devices_find_mac(mm_sensor_devices(s), dashed);
    assert_non_null(rec);
    assert_string_equal(json_string_value(json_object_get(json_object_get(rec, "dhcp"), "params")),
                        want);
    rec = mm_devices_find_mac(mm_sensor_devices(s), spaced);
    assert_non_null(rec);
    assert_string_equal(json_string_value(json_object_get(json_object_get(rec, "dhcp"), "params")),
                        "1,15,3");
    const uint8_t short_group[6] = {0x00, 0x03, 0x47, 0xb7, 0xf2, 0x0f};
    assert_non_null(mm_devices_find_mac(mm_sensor_devices(s), short_group));

    struct mm_packet p;
    mac_packet(&p, "192.168.1.71", "203.0.113.80", agent, 500);
    p.tcp_flags = 0x10;
    th_packet(s, &p);
    static const char xp[] = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)",
                      android[] = "Mozilla/5.0 (Linux; Android 14; Pixel 8)";
    const char *uas[] = {xp, xp, android, xp, xp};
    const char *os[] = {"windows-xp", "windows-xp", "android", "windows-xp", "windows-xp"};
    for (size_t i = 0; i < sizeof uas / sizeof uas[0]; i++) {
        snprintf(ev, sizeof ev,
                 "{\"event_type\":\"http\",\"src_ip\":\"192.168.1.71\",\"http\":{"
                 "\"http_user_agent\":\"%s\"}}",
                 uas[i]);
        th_event(s, ev);
        rec = mm_devices_find_mac(mm_sensor_devices(s), agent);
        assert_string_equal(json_string_value(json_object_get(json_object_get(rec, "os"), "id")),
                            os[i]);
    }
    const json_t *list_of = json_object_get(rec, "user_agents");
    assert_int_equal(json_array_size(list_of), 2);
    assert_string_equal(json_string_value(json_array_get(list_of, 0)), xp);
    assert_string_equal(json_string_value(json_array_get(list_of, 1)), android);
    size_t changed = 0;
    for (size_t i = 0; i < th_count_events(s, "device", NULL); i++) {
        const json_t *d = dev_of(th_event_at(s, "device", i));
        const char *mac = json_string_value(json_object_get(d, "mac"));
        const char *action = json_string_value(json_object_get(d, "action"));
        if (mac && strcmp(mac, "02:00:00:00:00:71") == 0 && strcmp(action, "changed") == 0)
            changed++;
    }
    assert_int_equal(changed, 3);
    th_free(s);
}

/* User agents past the four a record keeps: each new one pushes the oldest
 * out, and the last one (which the inventory remembers to skip its
 * repeats) is always the newest element, also when it had a control
 * character written as '?' or comes back after being pushed out. */
static void test_user_agents_rotate(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x72};
    static const char *const sent[] = {"ua-0", "ua-1", "ua-1", "ua-2\\u0001x", "ua-2?x", "ua-3",
                                       "ua-4", "ua-4", "ua-0", "ua-5",         "ua-5",   "ua-1"};
    static const char *const kept[] = {"ua-0", "ua-1", "ua-1", "ua-2?x", "ua-2?x", "ua-3",
                                       "ua-4", "ua-4", "ua-0", "ua-5",   "ua-5",   "ua-1"};
    static const size_t sizes[] = {1, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4, 4};
    char ev[512];
    struct mm_packet p;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    mac_packet(&p, "192.168.1.72", "203.0.113.80", mac, 500);
    p.tcp_flags = 0x10;
    th_packet(s, &p);
    for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++) {
        snprintf(ev, sizeof ev,
                 "{\"event_type\":\"http\",\"src_ip\":\"192.168.1.72\",\"http\":{"
                 "\"http_user_agent\":\"%s\"}}",
                 sent[i]);
        th_event(s, ev);
        const json_t *uas =
            json_object_get(mm_devices_find_mac(mm_sensor_devices(s), mac), "user_agents");
        assert_int_equal(json_array_size(uas), sizes[i]);
        assert_string_equal(json_string_value(json_array_get(uas, sizes[i] - 1)), kept[i]);
    }
    const json_t *uas =
        json_object_get(mm_devices_find_mac(mm_sensor_devices(s), mac), "user_agents");
    static const char *const last_four[] = {"ua-4", "ua-0", "ua-5", "ua-1"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(json_string_value(json_array_get(uas, i)), last_four[i]);
    th_free(s);
}

/* ---- announcements lend the record ------------------------------------------------- */

/* A detector that writes down every device event as it is handed over
 * (JSON text, members in order) and, in the harness that frees its events,
 * keeps a reference to the first event's "ips" and "hostnames" arrays as an
 * alert's evidence would. */
struct spy {
    json_t *texts;    /* the device events' texts, in order */
    json_t *held_ips; /* the first event's arrays, kept */
    json_t *held_names;
    char *held_text; /* their text when kept */
};

static struct spy spies[2];

static void spy_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    struct spy *spy = &spies[s->drop_events];
    (void)state;
    const json_t *dev = json_object_get(ev, "device");
    if (!dev)
        return;
    char *text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(text);
    json_array_append_new(spy->texts, json_string(text));
    free(text);
    if (!spy->held_ips && s->drop_events) {
        spy->held_ips = json_incref(json_object_get(dev, "ips"));
        spy->held_names = json_incref(json_object_get(dev, "hostnames"));
        json_t *both = json_pack("[O,O]", spy->held_ips, spy->held_names);
        spy->held_text = json_dumps(both, JSON_COMPACT);
        json_decref(both);
    }
}

static int spy_init(struct mm_sensor *s, void **state)
{
    (void)s;
    *state = NULL;
    return 0;
}

static const struct mm_detector spy_detector = {
    .name = "spy", .init = spy_init, .on_event = spy_event};

/* Sends the same DHCP request to both harnesses. */
static void dhcp_both(struct mm_sensor *s[2], const char *mac, const char *ip, const char *host,
                      const char *params)
{
    char ev[1024];
    snprintf(ev, sizeof ev,
             "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"dhcp\","
             "\"src_ip\":\"0.0.0.0\",\"dest_ip\":\"255.255.255.255\",\"dhcp\":{\"type\":"
             "\"request\",\"client_mac\":\"%s\",\"requested_ip\":\"%s\",\"hostname\":\"%s\","
             "\"params_raw\":[%s]}}",
             mac, ip, host, params);
    for (int k = 0; k < 2; k++)
        th_event(s[k], ev);
}

/* An announcement hands the device's record itself to the event (with the
 * event's "action") instead of a copy; the device takes it back before its
 * next change: as a copy while an event still holds it (the harness that
 * keeps its events), in place once the event is gone (the one that frees
 * them, as the sensor does), copying any array something else still holds.
 * Both harnesses must announce the same texts, keep the same records
 * (without "action") and save the same file, and what the held event or
 * arrays say must not change afterwards. */
static void test_announcements_lend_record(void **state)
{
    (void)state;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0x0f, 0x01};
    struct mm_sensor *s[2];
    for (int k = 0; k < 2; k++) {
        s[k] = th_new("[devices]\naddress_change_interval = 0\n", NULL, NULL, &spy_detector);
        s[k]->drop_events = k == 1;
        spies[k].texts = json_array();
    }
    char ip[32], host[32];
    for (unsigned i = 0; i < 40; i++) {
        struct mm_packet p;
        snprintf(ip, sizeof ip, "192.168.60.%u", 1 + i % 11);
        snprintf(host, sizeof host, "pc-%u", i % 5);
        for (int k = 0; k < 2; k++) {
            th_set_time(s[k], 1775001600.0 + i * 10);
            mac_packet(&p, ip, "203.0.113.80", mac, 0);
            p.ttl = (uint8_t)(i % 3 ? 128 : 64);
            th_packet(s[k], &p);
        }
        if (i % 4 == 0)
            dhcp_both(s, "02:00:00:00:0f:01", ip, host, i % 8 ? "1,3,6,15" : "1,15,3,6,44,46,47");
    }
    const json_t *first = json_object_get(th_event_at(s[0], "device", 0), "device");
    assert_string_equal(json_string_value(json_object_get(first, "action")), "new");
    assert_int_equal(json_array_size(json_object_get(first, "ips")), 1); /* as announced */
    assert_true(json_array_size(spies[0].texts) > 10);
    assert_true(json_equal(spies[0].texts, spies[1].texts));
    const json_t *a = mm_devices_find_mac(mm_sensor_devices(s[0]), mac);
    const json_t *b = mm_devices_find_mac(mm_sensor_devices(s[1]), mac);
    assert_null(json_object_get(a, "action"));
    char *ta = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *tb = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
    json_t *both = json_pack("[O,O]", spies[1].held_ips, spies[1].held_names);
    char *now = json_dumps(both, JSON_COMPACT);
    assert_string_equal(now, spies[1].held_text); /* the held arrays did not change */
    free(now);
    json_decref(both);
    for (int k = 0; k < 2; k++) {
        json_decref(spies[k].texts);
        json_decref(spies[k].held_ips);
        json_decref(spies[k].held_names);
        free(spies[k].held_text);
        memset(&spies[k], 0, sizeof spies[k]);
        th_free(s[k]);
    }
}

/* The text mm_devices_save writes (devices.json, read into *text). */
static void saved_text(struct mm_sensor *s, char **text, size_t *len)
{
    char path[300];
    snprintf(path, sizeof path, "%s/devices.json", state_dir);
    assert_int_equal(mm_devices_save(mm_sensor_devices(s)), 0);
    assert_int_equal(mm_file_read(path, 1 << 20, text, len), 0);
}

/* devices.json's bytes are jansson's dump with JSON_INDENT(1) |
 * JSON_PRESERVE_ORDER: the file's own serialiser writes the same as the
 * old jansson path (mm__devices_save_jansson), and jansson re-dumping the
 * file gives the file back; with unknown members of every kind (strings
 * with escapes and UTF-8, reals, nesting, empty containers), a held-back
 * address change and a last announcement, and a learnt device. */
static void assert_save_is_jansson_dump(struct mm_sensor *s)
{
    char *fast = NULL, *old = NULL;
    size_t fast_len = 0, old_len = 0;
    saved_text(s, &fast, &fast_len);
    mm__devices_save_jansson = true;
    saved_text(s, &old, &old_len);
    mm__devices_save_jansson = false;
    assert_int_equal(fast_len, old_len);
    assert_memory_equal(fast, old, fast_len);
    json_error_t err;
    json_t *root = json_loadb(fast, fast_len, 0, &err);
    assert_non_null(root);
    char *again = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    assert_non_null(again);
    assert_int_equal(strlen(again), fast_len);
    assert_memory_equal(again, fast, fast_len);
    free(again);
    json_decref(root);
    free(fast);
    free(old);
}

static void test_save_bytes(void **state)
{
    (void)state;
    char path[300];
    const uint8_t xp[6] = {0x00, 0x03, 0x47, 0xb7, 0xf2, 0xf5};
    struct mm_packet p;
    snprintf(path, sizeof path, "%s/devices.json", state_dir);
    static const char text[] =
        "{\"version\":1,\"devices\":["
        "{\"mac\":\"02:00:00:00:00:31\",\"ips\":[\"192.168.1.31\",\"192.168.1.32\"],"
        "\"hostnames\":[\"a\\\"b\\\\c/d\\u0001\\u001f\\t\\n\\r\\b\\f\\u007f\",\"\\u65e5\\u672c\"],"
        "\"user_agents\":[],\"evidence\":[{\"source\":\"dhcp\",\"os\":\"x\",\"score\":-3}],"
        "\"extra\":{\"r\":1.5,\"big\":1e300,\"neg\":-0.25,\"n\":null,\"t\":true,\"f\":false,"
        "\"e\":{},\"a\":[],\"deep\":[[[],{}],[{\"k:,{}[]\":\"v:,{}[]\\\"\"}]],"
        "\"i\":-9223372036854775807,\"s\":\"\"},\"last_announced\":"
        "\"2026-04-01T00:00:00.000000+0000\",\"address_change_pending\":true},"
        "{\"mac\":\"02:00:00:00:00:33\",\"ips\":[],\"hostnames\":[],\"user_agents\":[],"
        "\"evidence\":[]}],"
        "\"recent_addresses\":[[\"192.168.1.30\",\"192.168.1.31\"],[]]}";
    assert_int_equal(mm_file_write_atomic(path, text, strlen(text)), 0);
    struct mm_sensor *s = th_new(NULL, NULL, state_dir, NULL);
    const uint8_t known[6] = {0x02, 0, 0, 0, 0, 0x31};
    assert_non_null(mm_devices_find_mac(mm_sensor_devices(s), known));
    assert_save_is_jansson_dump(s);
    char *saved = NULL;
    size_t saved_len = 0;
    saved_text(s, &saved, &saved_len); /* the unknown members were kept */
    assert_non_null(strstr(saved, "\"big\": 1.0000000000000001e300,"));
    assert_non_null(strstr(saved, "\"address_change_pending\": true\n  }"));
    free(saved);
    th_event(s, XP_DHCP);
    mac_packet(&p, "192.168.1.23", "203.0.113.80", xp, 2);
    th_packet(s, &p);
    assert_int_equal(th_count_events(s, "device", "new"), 1);
    assert_save_is_jansson_dump(s);
    th_free(s);
    /* an empty inventory */
    assert_int_equal(mm_file_write_atomic(path, "{}", 2), 0);
    s = th_new(NULL, NULL, state_dir, NULL);
    assert_save_is_jansson_dump(s);
    th_free(s);
}

/* The inode of devices.json (0: none): an atomic write makes a new file. */
static unsigned long state_inode(void)
{
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "%s/devices.json", state_dir);
    return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* A save with nothing changed since the last one writes nothing (a
 * quiet network does not rewrite the file every period); a change, or a
 * removed file, is written. */
static void test_save_unchanged(void **state)
{
    (void)state;
    char path[300];
    const uint8_t a[6] = {0x02, 0, 0, 0, 0, 0x41}, b[6] = {0x02, 0, 0, 0, 0, 0x42};
    struct mm_packet p;
    snprintf(path, sizeof path, "%s/devices.json", state_dir);
    assert_int_equal(mm_file_write_atomic(path, "{}", 2), 0);
    struct mm_sensor *s = th_new(NULL, NULL, state_dir, NULL);
    struct mm_devices *d = mm_sensor_devices(s);
    mac_packet(&p, "192.168.1.41", "203.0.113.80", a, 1);
    th_packet(s, &p);
    assert_int_equal(mm_devices_save(d), 0);
    unsigned long ino = state_inode();
    assert_int_not_equal(ino, 0);
    assert_int_equal(mm_devices_save(d), 0);
    assert_int_equal(state_inode(), ino); /* the same bytes: not written again */
    mac_packet(&p, "192.168.1.42", "203.0.113.80", b, 2);
    th_packet(s, &p);
    assert_int_equal(mm_devices_save(d), 0);
    assert_int_not_equal(state_inode(), ino); /* a new device: written */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mm_devices_save(d), 0);
    assert_int_not_equal(state_inode(), 0); /* removed meanwhile: written again */
    /* replaced meanwhile by other bytes of the same size: written again */
    ino = state_inode();
    FILE *f = fopen(path, "r+");
    assert_non_null(f);
    assert_int_equal(fputc('x', f), 'x'); /* the first byte, in place: same inode and size */
    assert_int_equal(fclose(f), 0);
    assert_int_equal(mm_devices_save(d), 0);
    assert_int_not_equal(state_inode(), ino);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fgetc(f), '{');
    fclose(f);
    th_free(s);
    s = th_new(NULL, NULL, state_dir, NULL); /* both devices were saved */
    assert_non_null(mm_devices_find_mac(mm_sensor_devices(s), a));
    assert_non_null(mm_devices_find_mac(mm_sensor_devices(s), b));
    th_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_changed_persist),
        cmocka_unit_test(test_allowlist_and_limits),
        cmocka_unit_test(test_bad_allowlist),
        cmocka_unit_test(test_damaged_state),
        cmocka_unit_test(test_syn_traits_follow_latest),
        cmocka_unit_test(test_syn_traits_random),
        cmocka_unit_test(test_syn_record_when_read),
        cmocka_unit_test(test_many_devices),
        cmocka_unit_test(test_last_seen_and_events),
        cmocka_unit_test(test_address_moves),
        cmocka_unit_test(test_repeated_sources),
        cmocka_unit_test(test_alternating_sources),
        cmocka_unit_test(test_dhcp_and_agents),
        cmocka_unit_test(test_user_agents_rotate),
        cmocka_unit_test(test_announcements_lend_record),
        cmocka_unit_test(test_save_bytes),
        cmocka_unit_test(test_save_unchanged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
