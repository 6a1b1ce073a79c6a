/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the device-level detectors fed by the real device
 * inventory: new-device (and the allowlist), legacy-os (Windows XP by DHCP
 * fingerprint, SMBv1, end of support), personal-device (iPhone by DHCP
 * fingerprint and by name, only when personal devices are not allowed);
 * the alerts of new-device and personal-device held until a device first
 * seen at a DHCP DISCOVER has an address (detect-hold.h), and every OS name
 * of the guess table as the messages write it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/data.h"
#include "sensor/detect/detect-util.h"
#include "test-detect-harness.h"
#include "../test-rand.h"

extern const struct mm_detector mm_detector_new_device;
extern const struct mm_detector mm_detector_legacy_os;
extern const struct mm_detector mm_detector_personal_device;

/* A DHCP request event from mac with option 55 params and vendor class. */
static void dhcp(struct mm_sensor *s, const char *mac, const char *ip, const char *host,
                 const char *params, const char *vendor)
{
    char ev[1024];
    snprintf(ev, sizeof ev,
             "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"dhcp\","
             "\"src_ip\":\"0.0.0.0\",\"dest_ip\":\"255.255.255.255\",\"dhcp\":{\"type\":"
             "\"request\",\"client_mac\":\"%s\",\"requested_ip\":\"%s\",\"hostname\":\"%s\","
             "\"params_raw\":[%s],\"vendor_class_identifier\":\"%s\"}}",
             mac, ip, host, params, vendor);
    th_event(s, ev);
    struct mm_packet p; /* the packet that carried it ends: the device is announced */
    th_ip_packet(&p, "0.0.0.0", 68, "255.255.255.255", 67, 17, 0, NULL);
    th_packet(s, &p);
}

static const char *msg(const json_t *a, const char *lang)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(a, "mamori"), "message"), lang));
}

static void test_new_device(void **state)
{
    (void)state;
    struct mm_sensor *s =
        th_new("[devices]\nallow = 02:00:00:00:00:99\n", NULL, NULL, &mm_detector_new_device);
    dhcp(s, "02:00:00:00:00:10", "192.168.1.10", "reception-pc", "1,3,6,15", "");
    assert_int_equal(th_count_alerts(s, 9100201), 1);
    const json_t *a = th_alert(s, 9100201, 0);
    assert_non_null(strstr(msg(a, "ja"), "reception-pc"));
    assert_non_null(strstr(msg(a, "en"), "02:00:00:00:00:10"));
    assert_string_equal(json_string_value(json_object_get(a, "src_ip")), "192.168.1.10");
    dhcp(s, "02:00:00:00:00:10", "192.168.1.10", "reception-pc", "1,3,6,15", ""); /* again */
    dhcp(s, "02:00:00:00:00:99", "192.168.1.11", "known", "1,3,6,15", "");        /* allowed */
    assert_int_equal(th_count_alerts(s, 0), 1);
    th_free(s);
}

static void test_learning_and_settings(void **state)
{
    (void)state;
    struct mm_sensor *s =
        th_new("[detect.new-device]\nlearn_seconds = 3600\n", NULL, NULL, &mm_detector_new_device);
    dhcp(s, "02:00:00:00:00:10", "192.168.1.10", "first", "1,3,6,15", "");
    th_set_time(s, 1775001600.0 + 1800);
    dhcp(s, "02:00:00:00:00:11", "192.168.1.11", "second", "1,3,6,15", "");
    assert_int_equal(th_count_alerts(s, 0), 0); /* learned quietly */
    th_set_time(s, 1775001600.0 + 3601);
    dhcp(s, "02:00:00:00:00:12", "192.168.1.12", "third", "1,3,6,15", "");
    assert_int_equal(th_count_alerts(s, 9100201), 1);
    th_free(s);

    /* a typo or a bad value in a detector section stops the start */
    static const char *const bad[] = {"[detect.new-device]\nlearn_secs = 5\n",
                                      "[detect.new-device]\nlearn_seconds = soon\n",
                                      "[detect.legacy-os]\nsuppress_seconds = -1\n"};
    const struct mm_detector *dets[] = {&mm_detector_new_device, &mm_detector_new_device,
                                        &mm_detector_legacy_os};
    for (size_t i = 0; i < 3; i++) {
        s = th_new(bad[i], NULL, NULL, NULL);
        void *st = NULL;
        assert_int_not_equal(dets[i]->init(s, &st), 0);
        assert_null(st);
        th_free(s);
    }
    /* each sensor keeps its own reason (it was one static buffer: the
     * second sensor's check overwrote the first one's) */
    struct mm_sensor *s1 = th_new(bad[0], NULL, NULL, NULL), *s2 = th_new(bad[2], NULL, NULL, NULL);
    void *st1 = NULL, *st2 = NULL;
    assert_int_not_equal(dets[0]->init(s1, &st1), 0);
    assert_int_not_equal(dets[2]->init(s2, &st2), 0);
    assert_non_null(strstr(mm__detect_settings_error(s1), "[detect.new-device] learn_secs"));
    assert_non_null(strstr(mm__detect_settings_error(s2), "[detect.legacy-os] suppress_seconds"));
    th_free(s1);
    th_free(s2);
}

/* A device announced at a time before the first announcement (an older
 * recording merged after a newer one): with learn_seconds = 0 nothing is
 * learned, and with a learning period a time before its start lies outside
 * it. Both were learned quietly before (now - start is negative). */
static void test_learning_time_before_start(void **state)
{
    (void)state;
    const double start = 1775001600.0, year = 365 * 86400.0;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_new_device);
    th_set_time(s, start);
    dhcp(s, "02:00:00:00:00:10", "192.168.1.10", "first", "1,3,6,15", "");
    th_set_time(s, start - year);
    dhcp(s, "02:00:00:00:00:11", "192.168.1.11", "older", "1,3,6,15", "");
    th_set_time(s, start - 1);
    dhcp(s, "02:00:00:00:00:12", "192.168.1.12", "second-before", "1,3,6,15", "");
    assert_int_equal(th_count_alerts(s, 9100201), 3);
    th_free(s);

    s = th_new("[detect.new-device]\nlearn_seconds = 3600\n", NULL, NULL, &mm_detector_new_device);
    th_set_time(s, start);
    dhcp(s, "02:00:00:00:00:10", "192.168.1.10", "first", "1,3,6,15", "");
    th_set_time(s, start - year);
    dhcp(s, "02:00:00:00:00:11", "192.168.1.11", "older", "1,3,6,15", "");
    assert_int_equal(th_count_alerts(s, 9100201), 1);
    th_set_time(s, start + 1800); /* back in the period: learned */
    dhcp(s, "02:00:00:00:00:12", "192.168.1.12", "in-period", "1,3,6,15", "");
    th_set_time(s, start - year + 1800); /* the older recording's own first half hour */
    dhcp(s, "02:00:00:00:00:13", "192.168.1.13", "older-2", "1,3,6,15", "");
    assert_int_equal(th_count_alerts(s, 9100201), 2);
    th_free(s);
}

/* The SMBv1 alert a names client and server in its evidence and texts. */
static void assert_smb_roles(const json_t *a, const char *client, const char *server)
{
    const json_t *e = json_object_get(json_object_get(a, "mamori"), "evidence");
    assert_string_equal(json_string_value(json_object_get(e, "client")), client);
    assert_string_equal(json_string_value(json_object_get(e, "server")), server);
    assert_non_null(strstr(msg(a, "en"), client));
    assert_non_null(strstr(msg(a, "en"), server));
    assert_non_null(strstr(msg(a, "ja"), client));
}

static void test_legacy(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_legacy_os);
    dhcp(s, "00:03:47:b7:f2:f5", "192.168.1.23", "GHIA", "1,15,3,6,44,46,47,31,33,43", "MSFT 5.0");
    assert_int_equal(th_count_alerts(s, 9100301), 1);
    const json_t *a = th_alert(s, 9100301, 0);
    assert_non_null(strstr(msg(a, "ja"), "GHIA"));
    assert_non_null(strstr(msg(a, "ja"), "Windows XP"));
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(a, "alert"), "signature")),
               "192.168.1.23"));
    /* Windows 7: end of support, a lower-severity variant */
    dhcp(s, "02:00:00:00:00:07", "192.168.1.27", "old-pc", "1,15,3,6,44,46,47,31,33,121,249,43,252",
         "MSFT 5.0");
    assert_int_equal(th_count_alerts(s, 9100303), 1);
    /* SMBv1: a modern client's negotiate offering SMB1 and SMB2 is fine ... */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:01.000000+0000\",\"event_type\":\"smb\","
                "\"src_ip\":\"192.168.1.40\",\"dest_ip\":\"192.168.1.41\",\"smb\":{\"command\":"
                "\"SMB1_COMMAND_NEGOTIATE_PROTOCOL\",\"smb1\":true,\"client_dialects\":"
                "[\"NT LM 0.12\",\"SMB 2.002\"],\"smb1_only\":false}}");
    assert_int_equal(th_count_alerts(s, 9100302), 0);
    /* ... a server answering in SMB1 is not (it offers SMB1), once per pair */
    for (int i = 0; i < 3; i++)
        th_event(s, "{\"timestamp\":\"2026-04-01T00:00:01.000000+0000\",\"event_type\":\"smb\","
                    "\"src_ip\":\"192.168.1.41\",\"dest_ip\":\"192.168.1.40\",\"smb\":{"
                    "\"command\":\"SMB1_COMMAND_NEGOTIATE_PROTOCOL\",\"smb1\":true,"
                    "\"dialect\":\"NT LM 0.12\"}}");
    assert_int_equal(th_count_alerts(s, 9100304), 1);
    assert_int_equal(th_count_alerts(s, 9100302), 0);
    assert_smb_roles(th_alert(s, 9100304, 0), "192.168.1.40", "192.168.1.41");
    /* a client offering SMB1 only uses it, and its server answering in SMB1
     * offers it: the two are reported separately */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:02.000000+0000\",\"event_type\":\"smb\","
                "\"src_ip\":\"192.168.1.42\",\"dest_ip\":\"192.168.1.41\",\"smb\":{\"command\":"
                "\"SMB1_COMMAND_NEGOTIATE_PROTOCOL\",\"smb1\":true,\"client_dialects\":"
                "[\"NT LM 0.12\"],\"smb1_only\":true}}");
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:02.000000+0000\",\"event_type\":\"smb\","
                "\"src_ip\":\"192.168.1.41\",\"dest_ip\":\"192.168.1.42\",\"smb\":{"
                "\"command\":\"SMB1_COMMAND_NEGOTIATE_PROTOCOL\",\"smb1\":true,"
                "\"dialect\":\"NT LM 0.12\"}}");
    assert_int_equal(th_count_alerts(s, 9100302), 1);
    assert_int_equal(th_count_alerts(s, 9100304), 2);
    assert_smb_roles(th_alert(s, 9100302, 0), "192.168.1.42", "192.168.1.41");
    assert_smb_roles(th_alert(s, 9100304, 1), "192.168.1.42", "192.168.1.41");
    /* a session setup alone: the server is the side on port 445 */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:03.000000+0000\",\"event_type\":\"smb\","
                "\"src_ip\":\"192.168.1.41\",\"src_port\":445,\"dest_ip\":\"192.168.1.43\","
                "\"dest_port\":49200,\"proto\":\"TCP\",\"smb\":{\"command\":"
                "\"SMB1_COMMAND_SESSION_SETUP_ANDX\",\"smb1\":true,\"native_os\":\"Unix\","
                "\"native_lm\":\"Samba\"}}");
    assert_int_equal(th_count_alerts(s, 9100302), 2);
    assert_smb_roles(th_alert(s, 9100302, 1), "192.168.1.43", "192.168.1.41");
    th_free(s);
}

static void test_personal(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_personal_device);
    dhcp(s, "c4:61:8b:35:82:a9", "192.168.2.17", "Lucas-iPhone", "1,121,3,6,15,119,252", "");
    dhcp(s, "02:00:00:00:00:31", "192.168.2.31", "office-mac", "1,121,3,6,15,119,252,95,44,46", "");
    dhcp(s, "02:00:00:00:00:32", "192.168.2.32", "Galaxy-S21", "9,9,9", "");
    /* a phone maker's MAC with nothing else known; a Windows PC with one is not */
    dhcp(s, "5c:17:cf:00:00:01", "192.168.2.33", "x", "9,9,9", "");
    dhcp(s, "f8:ad:cb:00:00:01", "192.168.2.34", "y", "1,3,6,15,31,33,43,44,46,47,119,121,249,252",
         "MSFT 5.0");
    assert_int_equal(th_count_alerts(s, 9100401), 3);
    const json_t *a = th_alert(s, 9100401, 0);
    assert_non_null(strstr(msg(a, "en"), "Lucas-iPhone"));
    assert_non_null(strstr(msg(a, "en"), "c4:61:8b:35:82:a9"));
    assert_non_null(strstr(msg(a, "ja"), "iOS"));
    th_free(s);

    s = th_new("[policy]\npersonal_devices = yes\n", NULL, NULL, &mm_detector_personal_device);
    dhcp(s, "c4:61:8b:35:82:a9", "192.168.2.17", "Lucas-iPhone", "1,121,3,6,15,119,252", "");
    assert_int_equal(th_count_alerts(s, 0), 0);
    th_free(s);
}

/* A phone announced without an address: held back, raised once its
 * address comes, or 30 s of capture time later without one (the tick),
 * never twice; a held device allowlisted meanwhile raises nothing. */
static void test_personal_held(void **state)
{
    (void)state;
    static const char *const phone =
        "{\"event_type\":\"device\",\"device\":{\"mac\":\"%s\",\"ips\":[%s],"
        "\"hostnames\":[\"Kenta-iPhone\"],\"os\":null,\"allowlisted\":%s,\"action\":\"%s\"}}";
    char ev[512];
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_personal_device);
    th_set_time(s, 1775001600.0);
    snprintf(ev, sizeof ev, phone, "c4:61:8b:00:00:05", "", "false", "new");
    th_event(s, ev);
    assert_int_equal(th_count_alerts(s, 0), 0); /* held */
    snprintf(ev, sizeof ev, phone, "c4:61:8b:00:00:05", "\"192.168.1.45\"", "false", "changed");
    th_event(s, ev);
    assert_int_equal(th_count_alerts(s, 9100401), 1);
    assert_non_null(strstr(msg(th_alert(s, 9100401, 0), "en"), "IP address 192.168.1.45"));
    /* never an address: raised by the tick once 30 s have passed, without one */
    snprintf(ev, sizeof ev, phone, "c4:61:8b:00:00:06", "", "false", "new");
    th_event(s, ev);
    th_set_time(s, 1775001600.0 + 29);
    th_tick(s);
    assert_int_equal(th_count_alerts(s, 9100401), 1);
    th_set_time(s, 1775001600.0 + 31);
    th_tick(s);
    assert_int_equal(th_count_alerts(s, 9100401), 2);
    const json_t *a = th_alert(s, 9100401, 1);
    assert_non_null(strstr(msg(a, "ja"), "MAC アドレス c4:61:8b:00:00:06)"));
    assert_null(strstr(msg(a, "ja"), "不明"));
    assert_null(strstr(msg(a, "en"), "IP address"));
    th_tick(s); /* raised once */
    snprintf(ev, sizeof ev, phone, "c4:61:8b:00:00:06", "\"192.168.1.46\"", "false", "changed");
    th_event(s, ev); /* its address later: suppressed as a repeat */
    /* allowlisted while held: nothing */
    snprintf(ev, sizeof ev, phone, "c4:61:8b:00:00:07", "", "false", "new");
    th_event(s, ev);
    snprintf(ev, sizeof ev, phone, "c4:61:8b:00:00:07", "", "true", "changed");
    th_event(s, ev);
    th_set_time(s, 1775001600.0 + 100);
    th_tick(s);
    assert_int_equal(th_count_alerts(s, 9100401), 2);
    th_free(s);
}

/* ---- devices first seen asking for an address ---------------------------- */

#define T0 1775001600.0 /* 2026-04-01T00:00:00Z */

/* A first DHCPDISCOVER from mac (host name host) at capture time t: it
 * asks for no address; the packet that carried it ends, so the inventory
 * announces the device, without an address. */
static void discover(struct mm_sensor *s, const uint8_t mac[6], const char *host, double t)
{
    char ev[512];
    snprintf(ev, sizeof ev,
             "{\"event_type\":\"dhcp\",\"src_ip\":\"0.0.0.0\",\"dest_ip\":\"255.255.255.255\","
             "\"dhcp\":{\"type\":\"discover\",\"client_mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\","
             "\"hostname\":\"%s\",\"params_raw\":[1,121,3,6,15,119,252]}}",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], host);
    th_set_time(s, t);
    th_event(s, ev);
    struct mm_packet p;
    th_ip_packet(&p, "0.0.0.0", 68, "255.255.255.255", 67, 17, 0, NULL);
    p.has_eth = true;
    memcpy(p.src_mac, mac, 6);
    th_packet(s, &p);
}

/* The pipeline's second at capture time t: the detectors' tick comes
 * before the packet of that second is handled. */
static void tick_at(struct mm_sensor *s, double t)
{
    th_set_time(s, t);
    th_tick(s);
}

/* The text of the alert's evidence member key (fails when it has none). */
static const char *evidence_str(const json_t *a, const char *key)
{
    const char *text = json_string_value(
        json_object_get(json_object_get(json_object_get(a, "mamori"), "evidence"), key));
    assert_non_null(text);
    return text;
}

/* A new device first seen at a DHCPDISCOVER: the alert waits for its
 * address (the server's answer or its first traffic within 30 s) and
 * names it; without one it comes at the run's end, or at the first tick
 * 30 s on, saying the address is unknown (as before the hold). Each alert
 * is stamped with the time of what released it and carries the device's
 * first_seen, the DISCOVER's time. */
static void test_new_device_held(void **state)
{
    (void)state;
    const uint8_t a[6] = {0x02, 0, 0, 0, 0x0b, 1}, b[6] = {0x02, 0, 0, 0, 0x0b, 2},
                  c[6] = {0x02, 0, 0, 0, 0x0b, 3}, d[6] = {0x02, 0, 0, 0, 0x0b, 4};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_new_device);
    /* a: its first traffic 5 s later gives the address */
    discover(s, a, "box-a", T0);
    assert_int_equal(th_count_events(s, "device", "new"), 1);
    assert_int_equal(th_count_alerts(s, 0), 0); /* held */
    tick_at(s, T0 + 4);
    th_send_from(s, a, "192.168.1.51", T0 + 5);
    assert_int_equal(th_count_alerts(s, 9100201), 1);
    const json_t *al = th_alert(s, 9100201, 0);
    assert_non_null(strstr(msg(al, "ja"), "IP アドレス 192.168.1.51"));
    assert_non_null(strstr(msg(al, "en"), "IP address 192.168.1.51"));
    assert_non_null(strstr(msg(al, "ja"), "box-a"));
    assert_string_equal(json_string_value(json_object_get(al, "timestamp")),
                        "2026-04-01T00:00:05.000000+0000");
    assert_string_equal(evidence_str(al, "first_seen"), "2026-04-01T00:00:00.000000+0000");
    th_send_from(s, a, "192.168.1.52", T0 + 6); /* later news: no second alert */
    tick_at(s, T0 + 40);
    assert_int_equal(th_count_alerts(s, 9100201), 1);

    /* b: the server's offer / its DHCPREQUEST names the address 10 s later */
    discover(s, b, "box-b", T0 + 100);
    th_set_time(s, T0 + 110);
    dhcp(s, "02:00:00:00:0b:02", "192.168.1.52", "box-b", "1,121,3,6,15,119,252", "");
    assert_int_equal(th_count_alerts(s, 9100201), 2);
    al = th_alert(s, 9100201, 1);
    assert_non_null(strstr(msg(al, "en"), "IP address 192.168.1.52"));
    assert_string_equal(evidence_str(al, "first_seen"), "2026-04-01T00:01:40.000000+0000");

    /* c: nothing for 30 s, then its traffic: raised by the tick at 30 s,
     * without the address, and not again when the address comes */
    discover(s, c, "box-c", T0 + 200);
    tick_at(s, T0 + 229);
    assert_int_equal(th_count_alerts(s, 9100201), 2);
    tick_at(s, T0 + 245); /* the first packet after the pause moves the clock */
    assert_int_equal(th_count_alerts(s, 9100201), 3);
    th_send_from(s, c, "192.168.1.53", T0 + 245);
    assert_int_equal(th_count_alerts(s, 9100201), 3);
    al = th_alert(s, 9100201, 2);
    assert_null(strstr(msg(al, "ja"), "IP アドレス")); /* left out, not "unknown" */
    assert_null(strstr(msg(al, "en"), "IP address"));
    assert_string_equal(json_string_value(json_object_get(al, "timestamp")),
                        "2026-04-01T00:04:05.000000+0000");
    assert_string_equal(evidence_str(al, "first_seen"), "2026-04-01T00:03:20.000000+0000");

    /* d: never an address: raised when the run ends, once */
    discover(s, d, "box-d", T0 + 300);
    tick_at(s, T0 + 310);
    assert_int_equal(th_count_alerts(s, 9100201), 3);
    th_end(s);
    assert_int_equal(th_count_alerts(s, 9100201), 4);
    al = th_alert(s, 9100201, 3);
    assert_null(strstr(msg(al, "ja"), "IP アドレス"));
    assert_non_null(strstr(msg(al, "ja"), "box-d"));
    assert_string_equal(evidence_str(al, "first_seen"), "2026-04-01T00:05:00.000000+0000");
    th_end(s);
    assert_int_equal(th_count_alerts(s, 9100201), 4);
    th_free(s);
}

/* A held new device that turns out to be allowlisted (its address lies in
 * an allowed range) raises nothing; nor does one first seen while the
 * sensor learns. */
static void test_new_device_held_allowlisted(void **state)
{
    (void)state;
    const uint8_t a[6] = {0x02, 0, 0, 0, 0x0c, 1};
    struct mm_sensor *s =
        th_new("[devices]\nallow = 192.168.50.0/24\n", NULL, NULL, &mm_detector_new_device);
    discover(s, a, "guest-box", T0);
    th_send_from(s, a, "192.168.50.9", T0 + 3);
    tick_at(s, T0 + 60);
    th_end(s);
    assert_int_equal(th_count_alerts(s, 0), 0);
    th_free(s);
}

/* personal-device's held alert carries the phone's first_seen too, and
 * the time of the event that released it. */
static void test_personal_held_first_seen(void **state)
{
    (void)state;
    const uint8_t phone[6] = {0xc4, 0x61, 0x8b, 0, 0x0d, 1};
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_personal_device);
    discover(s, phone, "Kenta-iPhone", T0);
    assert_int_equal(th_count_alerts(s, 0), 0);
    th_send_from(s, phone, "192.168.1.61", T0 + 2);
    assert_int_equal(th_count_alerts(s, 9100401), 1);
    const json_t *al = th_alert(s, 9100401, 0);
    assert_non_null(strstr(msg(al, "en"), "IP address 192.168.1.61"));
    assert_string_equal(json_string_value(json_object_get(al, "timestamp")),
                        "2026-04-01T00:00:02.000000+0000");
    assert_string_equal(evidence_str(al, "first_seen"), "2026-04-01T00:00:00.000000+0000");
    th_free(s);
}

/* How deep brackets nest in text: ASCII and full-width ones. */
static int bracket_depth(const char *text)
{
    int depth = 0, deepest = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '(' || strncmp(p, "（", strlen("（")) == 0)
            deepest = ++depth > deepest ? depth : deepest;
        else if (*p == ')' || strncmp(p, "）", strlen("）")) == 0)
            depth--;
    }
    return deepest;
}

/* Every OS of the guess table, named in the device detectors' alerts
 * (new-device's {os}, legacy-os's, personal-device's facts), reads without
 * brackets inside the messages' own, in ja, en and the signature (before:
 * "推定される種類 iOS / iPadOS (iPhone・iPad)" inside "(...)"), and after
 * "likely" in new-device's English, as personal-device says it. */
static void test_os_names_in_messages(void **state)
{
    (void)state;
    json_t *table = NULL;
    assert_int_equal(mm_data_json("sensor/os-fingerprints.json", &table), 0);
    const struct mm_detector *dets[] = {&mm_detector_new_device, &mm_detector_legacy_os,
                                        &mm_detector_personal_device};
    struct mm_sensor *s[3];
    for (int d = 0; d < 3; d++)
        s[d] = th_new(NULL, NULL, NULL, dets[d]);
    const char *id;
    json_t *os;
    unsigned n = 0;
    json_object_foreach(json_object_get(table, "os"), id, os)
    {
        json_t *name = json_object_get(os, "name");
        char mac[18];
        snprintf(mac, sizeof mac, "02:00:00:00:0e:%02x", n++);
        json_t *rec = json_pack(
            "{s:s, s:[s], s:[s], s:{s:s, s:O, s:O, s:O, s:b, s:b, s:b}, s:b, s:s}", "mac", mac,
            "ips", "192.168.1.90", "hostnames", "device", "os", "id", id, "name",
            json_object_get(name, "en"), "name_ja", json_object_get(name, "ja"), "family",
            json_object_get(os, "family"), "legacy", json_is_true(json_object_get(os, "legacy")),
            "eol", json_is_true(json_object_get(os, "eol")), "mobile",
            json_is_true(json_object_get(os, "mobile")), "allowlisted", 0, "action", "new");
        assert_non_null(rec);
        json_t *ev =
            json_pack("{s:s, s:s, s:s, s:o}", "timestamp", "2026-04-01T00:00:00.000000+0000",
                      "event_type", "device", "src_ip", "192.168.1.90", "device", rec);
        char *text = json_dumps(ev, JSON_COMPACT);
        for (int d = 0; d < 3; d++)
            th_event(s[d], text);
        free(text);
        json_decref(ev);
    }
    assert_true(n >= 10);
    assert_int_equal(th_count_alerts(s[0], 9100201), n); /* every OS named once */
    assert_true(th_count_alerts(s[1], 0) >= 3);          /* the old Windows ones */
    assert_int_equal(th_count_alerts(s[2], 9100401), 2); /* iOS and Android */
    int plain = 0; /* new-device alerts naming the unix-like OS in plain words */
    int kinds = 0, products = 0;
    for (int d = 0; d < 3; d++) {
        size_t i;
        json_t *a;
        json_array_foreach(s[d]->alerts, i, a)
        {
            const char *sig =
                json_string_value(json_object_get(json_object_get(a, "alert"), "signature"));
            if (bracket_depth(msg(a, "ja")) > 1 || bracket_depth(msg(a, "en")) > 1 ||
                bracket_depth(sig) > 1)
                fail_msg("brackets inside brackets:\n%s\n%s\n%s", sig, msg(a, "ja"), msg(a, "en"));
            /* The OS follows "likely" as in personal-device's facts, not
             * "likely system": "likely system Unix-like system such as …". */
            if (d == 0 &&
                (strstr(msg(a, "en"), "likely system") || !strstr(msg(a, "en"), "likely ")))
                fail_msg("new-device's likely OS: %s", msg(a, "en"));
            /* An owner is not told "Unix 系" / "Unix-like": plain words. */
            if (strstr(msg(a, "ja"), "Unix") || strstr(msg(a, "en"), "Unix"))
                fail_msg("Unix named to an owner:\n%s\n%s", msg(a, "ja"), msg(a, "en"));
            plain += d == 0 &&
                     strstr(msg(a, "ja"), "推定される種類 Linux や macOS などのコンピューター") &&
                     strstr(msg(a, "en"), "likely a computer running Linux, macOS or similar");
            /* A kind of device reads in lower case mid-sentence, with "a" or
             * "an"; a product name keeps its capital (the table's names stand alone). */
            kinds += d == 0 && strstr(msg(a, "en"), "likely a printer or multifunction device");
            kinds += d == 0 && strstr(msg(a, "en"), "likely an embedded device such as a camera");
            products += d == 0 && strstr(msg(a, "en"), "likely Windows 10 / 11");
        }
        th_free(s[d]);
    }
    assert_int_equal(plain, 1);
    assert_int_equal(kinds, 2);
    assert_int_equal(products, 1);
    json_decref(table);
}

/* Counts the occurrences of needle in hay. */
static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static const char *signature(const json_t *a)
{
    return json_string_value(json_object_get(json_object_get(a, "alert"), "signature"));
}

/* The messages of the alert a, in ja and en, and its signature say
 * nothing is unknown. */
static void assert_nothing_unknown(const json_t *a)
{
    const char *ja = msg(a, "ja"), *en = msg(a, "en"), *sig = signature(a);
    if (strstr(ja, "不明") || strstr(en, "unknown") || strstr(en, "unnamed") || strstr(en, " -"))
        fail_msg("a message names an unknown fact:\n%s\n%s", ja, en);
    if (strstr(sig, "unknown") || strstr(sig, "unnamed") || strstr(sig, " -"))
        fail_msg("a signature names an unknown fact: %s", sig);
}

/* The device detectors' messages and signatures name each fact once and
 * leave out what is not known: a device known by its MAC address alone is
 * not "名前不明の機器(…メーカー 不明…IP アドレス 不明)" nor "IP address -";
 * a named one says its name once. Until session 24 the signatures still
 * said "joined the network 02:00:00:00:0a:01 -", "Windows XP on
 * 192.168.1.24 (unnamed device)" and "personal or mobile device unnamed
 * device (...)". */
static void test_device_texts_leave_out_unknowns(void **state)
{
    (void)state;
    /* "device" events as the inventory announces them: %s the device's
     * ips, host names, vendor and os */
    static const char fmt[] =
        "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"device\","
        "\"device\":{\"mac\":\"%s\",\"ips\":[%s],\"hostnames\":[%s],\"vendor\":%s,"
        "\"os\":%s,\"allowlisted\":false,\"action\":\"new\"}}";
    static const char xp[] = "{\"id\":\"windows-xp\",\"name\":\"Windows XP\",\"name_ja\":"
                             "\"Windows XP\",\"family\":\"windows\",\"legacy\":true,"
                             "\"eol\":true,\"mobile\":false}";
    char ev[1024];
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_new_device);
    snprintf(ev, sizeof ev, fmt, "02:00:00:00:0a:01", "", "", "null", "null");
    th_event(s, ev);
    th_end(s); /* held for an address that never came */
    assert_int_equal(th_count_alerts(s, 9100201), 1);
    const json_t *a = th_alert(s, 9100201, 0);
    assert_nothing_unknown(a);
    assert_non_null(strstr(msg(a, "ja"), "(機器の番号 MAC アドレス 02:00:00:00:0a:01)"));
    assert_non_null(strstr(msg(a, "en"), "(device number: MAC address 02:00:00:00:0a:01)"));
    assert_string_equal(signature(a),
                        "MAMORI device: new device joined the network 02:00:00:00:0a:01");
    th_free(s);
    /* an old Windows without a name: its address, once */
    s = th_new(NULL, NULL, NULL, &mm_detector_legacy_os);
    snprintf(ev, sizeof ev, fmt, "02:00:00:00:0a:02", "\"192.168.1.24\"", "", "null", xp);
    th_event(s, ev);
    /* with a name: "address (name)" */
    snprintf(ev, sizeof ev, fmt, "02:00:00:00:0a:03", "\"192.168.1.23\"", "\"GHIA\"", "null", xp);
    th_event(s, ev);
    assert_int_equal(th_count_alerts(s, 9100301), 2);
    a = th_alert(s, 9100301, 0);
    assert_nothing_unknown(a);
    assert_non_null(strstr(msg(a, "ja"), "機器 192.168.1.24 が"));
    assert_non_null(strstr(msg(a, "en"), "in use: 192.168.1.24."));
    assert_string_equal(signature(a), "MAMORI legacy OS: Windows XP on 192.168.1.24");
    a = th_alert(s, 9100301, 1);
    assert_non_null(strstr(msg(a, "ja"), "機器 192.168.1.23(GHIA) が"));
    assert_non_null(strstr(msg(a, "en"), "in use: 192.168.1.23 (GHIA)."));
    assert_string_equal(signature(a), "MAMORI legacy OS: Windows XP on 192.168.1.23 (GHIA)");
    /* no address but its MAC: the MAC stands for it */
    snprintf(ev, sizeof ev, fmt, "02:00:00:00:0a:06", "", "\"OLD\"", "null", xp);
    th_event(s, ev);
    assert_int_equal(th_count_alerts(s, 9100301), 3);
    a = th_alert(s, 9100301, 2);
    assert_nothing_unknown(a);
    assert_string_equal(signature(a), "MAMORI legacy OS: Windows XP on 02:00:00:00:0a:06 (OLD)");
    th_free(s);
    /* a phone known by its maker only, and a named one: the name once */
    s = th_new(NULL, NULL, NULL, &mm_detector_personal_device);
    snprintf(ev, sizeof ev, fmt, "02:00:00:00:0a:04", "\"192.168.2.33\"", "", "\"OnePlus\"",
             "null");
    th_event(s, ev);
    snprintf(ev, sizeof ev, fmt, "02:00:00:00:0a:05", "\"192.168.2.17\"", "\"Lucas-iPhone\"",
             "\"Apple\"", "null");
    th_event(s, ev);
    assert_int_equal(th_count_alerts(s, 9100401), 2);
    assert_nothing_unknown(th_alert(s, 9100401, 0));
    assert_string_equal(signature(th_alert(s, 9100401, 0)),
                        "MAMORI policy: personal or mobile device 192.168.2.33 (a phone or "
                        "tablet, going by its maker) on the office network");
    a = th_alert(s, 9100401, 1);
    assert_string_equal(signature(a), "MAMORI policy: personal or mobile device Lucas-iPhone (a "
                                      "phone or tablet, going by its name) on the office network");
    assert_int_equal(count_of(msg(a, "ja"), "Lucas-iPhone"), 1);
    assert_int_equal(count_of(msg(a, "en"), "Lucas-iPhone"), 1);
    assert_non_null(strstr(msg(a, "ja"), "みられる機器(名前 Lucas-iPhone、"));
    th_free(s);
}

/* A "device" event (as the inventory announces one) for mac at ip with one
 * host name and a MAC vendor, no OS guess. */
static void device_event(struct mm_sensor *s, const char *mac, const char *ip, const char *host,
                         const char *vendor)
{
    char ev[2048];
    snprintf(ev, sizeof ev,
             "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"device\","
             "\"src_ip\":\"%s\",\"device\":{\"mac\":\"%s\",\"ips\":[\"%s\"],\"vendor\":"
             "\"%s\",\"hostnames\":[\"%s\"],\"os\":null,\"allowlisted\":false,"
             "\"action\":\"new\"}}",
             ip, mac, ip, vendor, host);
    th_event(s, ev);
}

/* The reason of the personal-device alert n ("hostname", "vendor", ...). */
static const char *reason(const struct mm_sensor *s, size_t n)
{
    const json_t *mamori = json_object_get(th_alert(s, 9100401, n), "mamori");
    const json_t *reasons = json_object_get(json_object_get(mamori, "evidence"), "reasons");
    return json_string_value(json_object_get(json_array_get(reasons, 0), "reason"));
}

/* The personal-device alert a names its reason in its signature and in
 * both messages (en, ja), and no message has brackets inside brackets. */
static void assert_personal_texts(const json_t *a, const char *en, const char *ja)
{
    const json_t *msg = json_object_get(json_object_get(a, "mamori"), "message");
    const char *sig = json_string_value(json_object_get(json_object_get(a, "alert"), "signature"));
    const char *m_en = json_string_value(json_object_get(msg, "en"));
    const char *m_ja = json_string_value(json_object_get(msg, "ja"));
    assert_non_null(sig);
    assert_non_null(m_en);
    assert_non_null(m_ja);
    assert_non_null(strstr(sig, en));
    assert_non_null(strstr(m_en, en));
    assert_non_null(strstr(m_ja, ja));
    assert_null(strstr(sig, "))"));
    assert_null(strstr(m_en, "), MAC"));
    assert_null(strstr(m_ja, ")、MAC"));
    assert_null(strstr(m_ja, "）、MAC"));
}

/* Host-name words and phone makers are found in any ASCII case (the texts
 * are lowered once and searched for lower-case words), also in host names
 * too long to be lowered that way (256 bytes and more: compared
 * case-insensitively as they are), and only as whole substrings. */
static void test_personal_case(void **state)
{
    (void)state;
    char longname[400];
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_personal_device);
    device_event(s, "02:00:00:00:00:41", "192.168.2.41", "GALAXY-TAB", "");
    assert_int_equal(th_count_alerts(s, 9100401), 1);
    assert_string_equal(reason(s, 0), "hostname");
    memset(longname, 'a', 300);
    memcpy(longname + 300, "-xPERIA", 8);
    device_event(s, "02:00:00:00:00:42", "192.168.2.42", longname, "");
    assert_int_equal(th_count_alerts(s, 9100401), 2);
    assert_string_equal(reason(s, 1), "hostname");
    device_event(s, "02:00:00:00:00:43", "192.168.2.43", "desk-1", "XIAOMI COMMUNICATIONS CO LTD");
    assert_int_equal(th_count_alerts(s, 9100401), 3);
    assert_string_equal(reason(s, 2), "vendor");
    /* known by name or maker only: the texts say so in words, not in
     * brackets inside the message's brackets ("(likely phone or tablet
     * (by its maker), ..." before) */
    assert_personal_texts(th_alert(s, 9100401, 0), "going by its name", "名前から見て");
    assert_personal_texts(th_alert(s, 9100401, 2), "going by its maker", "メーカーから見て");
    /* near misses: no word, no maker */
    device_event(s, "02:00:00:00:00:44", "192.168.2.44", "iphon-e pix-el", "Sony Corporation");
    memcpy(longname + 300, "-xperi", 7);
    device_event(s, "02:00:00:00:00:45", "192.168.2.45", longname, "One Plus");
    assert_int_equal(th_count_alerts(s, 9100401), 3);
    th_free(s);
}

/* The evidence of device alerts, built member by member: legacy-os names
 * the MAC (null for a device known by address only), addresses, names, OS
 * guess and evidence, in that order; personal-device the MAC, addresses,
 * names, vendor and its reasons. */
static void test_device_evidence(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_legacy_os);
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"device\","
                "\"src_ip\":\"192.168.3.9\",\"device\":{\"ips\":[\"192.168.3.9\"],\"vendor\":\"\","
                "\"hostnames\":[\"old\"],\"evidence\":[{\"source\":\"dhcp\",\"os\":\"windows-xp\","
                "\"score\":90}],\"os\":{\"id\":\"windows-xp\",\"name\":\"Windows XP\",\"legacy\":"
                "true},\"action\":\"new\"}}");
    assert_int_equal(th_count_alerts(s, 9100301), 1);
    const json_t *ev =
        json_object_get(json_object_get(th_alert(s, 9100301, 0), "mamori"), "evidence");
    char *text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text, "{\"mac\":null,\"ips\":[\"192.168.3.9\"],\"hostnames\":[\"old\"],"
                              "\"os\":{\"id\":\"windows-xp\",\"name\":\"Windows XP\",\"legacy\":"
                              "true},\"evidence\":[{\"source\":\"dhcp\",\"os\":\"windows-xp\","
                              "\"score\":90}]}");
    free(text);
    th_free(s);

    s = th_new(NULL, NULL, NULL, &mm_detector_personal_device);
    device_event(s, "02:00:00:00:00:51", "192.168.2.51", "Pixel-7", "Google, Inc.");
    assert_int_equal(th_count_alerts(s, 9100401), 1);
    ev = json_object_get(json_object_get(th_alert(s, 9100401, 0), "mamori"), "evidence");
    text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text, "{\"mac\":\"02:00:00:00:00:51\",\"ips\":[\"192.168.2.51\"],"
                              "\"hostnames\":[\"Pixel-7\"],\"vendor\":\"Google, Inc.\","
                              "\"reasons\":[{\"reason\":\"hostname\",\"hostname\":\"Pixel-7\"}]}");
    free(text);
    th_free(s);
}

/* ---- new-device evidence against the deep copy it replaced ---- */

static uint64_t rng = 0x853c49e6748fea9bu;

static unsigned rnd(unsigned n)
{
    return (unsigned)(test_xorshift(&rng) % n);
}

/* A random member value: text, number, flag, null, array or object. */
static json_t *random_value(int depth)
{
    static const char *const texts[] = {"",     "reception-pc", "02:00:00:00:00:10",
                                        "端末", "a\"b",         "Windows XP"};
    switch (depth > 1 ? rnd(4) : rnd(6)) {
    case 0:
        return json_string(texts[rnd(6)]);
    case 1:
        return json_integer(rnd(1000));
    case 2:
        return json_boolean(rnd(2));
    case 3:
        return json_null();
    case 4: {
        json_t *a = json_array();
        for (unsigned i = rnd(4); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = rnd(4); i > 0; i--)
            json_object_set_new(o, texts[rnd(6)], random_value(depth + 1));
        return o;
    }
    }
}

/* A random device record: some of the inventory's members in a random
 * order, "action":"new" somewhere among them. */
static json_t *random_record(void)
{
    static const char *const keys[] = {"mac",        "ips",         "hostnames", "vendor",
                                       "os",         "tcp",         "dhcp",      "evidence",
                                       "first_seen", "user_agents", "last_seen", "smb_native_os"};
    json_t *rec = json_object();
    unsigned n = rnd(10), action_at = rnd(n + 1);
    for (unsigned i = 0; i <= n; i++) {
        if (i == action_at)
            json_object_set_new(rec, "action", json_string("new"));
        if (i < n)
            json_object_set_new(rec, keys[rnd(12)], random_value(0));
    }
    return rec;
}

/* 400 random device records announced as new: each alert's evidence is the
 * record without "action", member for member in order, as the deep copy
 * with "action" deleted gave (a record held back for want of an address
 * too: its copy is the record). */
static void test_new_device_evidence_matches_copy(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_new_device);
    enum { N = 400 };
    char *want[N];
    for (int i = 0; i < N; i++) {
        json_t *rec = random_record();
        json_t *copy = json_deep_copy(rec);
        json_object_del(copy, "action");
        want[i] = json_dumps(copy, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(copy);
        json_t *ev =
            json_pack("{s:s, s:s, s:s, s:o}", "timestamp", "2026-04-01T00:00:00.000000+0000",
                      "event_type", "device", "src_ip", "192.168.1.10", "device", rec);
        char *text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
        th_event(s, text);
        th_end(s); /* a record without addresses is held back: raised now, in order */
        free(text);
        json_decref(ev);
    }
    assert_int_equal(th_count_alerts(s, 9100201), N);
    for (int i = 0; i < N; i++) {
        const json_t *ev =
            json_object_get(json_object_get(th_alert(s, 9100201, (size_t)i), "mamori"), "evidence");
        char *got = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
        assert_string_equal(got, want[i]);
        free(got);
        free(want[i]);
    }
    th_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_device),
        cmocka_unit_test(test_personal_case),
        cmocka_unit_test(test_device_evidence),
        cmocka_unit_test(test_learning_and_settings),
        cmocka_unit_test(test_learning_time_before_start),
        cmocka_unit_test(test_legacy),
        cmocka_unit_test(test_personal),
        cmocka_unit_test(test_personal_held),
        cmocka_unit_test(test_new_device_held),
        cmocka_unit_test(test_new_device_held_allowlisted),
        cmocka_unit_test(test_personal_held_first_seen),
        cmocka_unit_test(test_os_names_in_messages),
        cmocka_unit_test(test_device_texts_leave_out_unknowns),
        cmocka_unit_test(test_new_device_evidence_matches_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
