/* SPDX-License-Identifier: Apache-2.0
 * The fake sensor context for unit tests (see test-detect-harness.h). */
#include "test-detect-harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/eve.h"
#include "core/fs.h"
#include "core/ini.h"
#include "core/timefmt.h"

static uint64_t packet_counter;

static void dispatch(struct mm_sensor *s)
{
    if (s->dispatching)
        return;
    s->dispatching = true;
    while (json_array_size(s->queue) > 0) {
        json_t *ev = json_incref(json_array_get(s->queue, 0));
        json_array_remove(s->queue, 0);
        if (s->det && s->det->on_event)
            s->det->on_event(s->det_state, s, ev);
        mm_devices_on_event(s->devices, ev);
        if (s->drop_events)
            json_decref(ev);
        else
            json_array_append_new(s->events, ev);
    }
    s->dispatching = false;
}

void mm_sensor_emit(struct mm_sensor *s, json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "event_type"));
    if (type && strcmp(type, "alert") == 0) {
        json_array_append_new(s->alerts, ev);
        return;
    }
    json_array_append_new(s->queue, ev);
    dispatch(s);
}

static void add_alert(struct mm_sensor *s, json_t *ev, const struct mm_eve_alert *a)
{
    assert_non_null(ev);
    assert_int_equal(mm_eve_set_alert(ev, a), 0);
    json_array_append_new(s->alerts, ev);
}

void mm_sensor_alert_packet(struct mm_sensor *s, const struct mm_packet *p,
                            const struct mm_eve_alert *a)
{
    struct mm_eve_header h = {.ts = p->ts,
                              .event_type = "alert",
                              .src = &p->src,
                              .dst = &p->dst,
                              .src_port = p->sport,
                              .dest_port = p->dport,
                              .proto = p->ip_proto == 6    ? "TCP"
                                       : p->ip_proto == 17 ? "UDP"
                                                           : NULL,
                              .pcap_cnt = p->num};
    add_alert(s, mm_eve_new(&h), a);
}

void mm_sensor_alert_event(struct mm_sensor *s, const json_t *ev, const struct mm_eve_alert *a)
{
    json_t *copy = json_object();
    static const char *const keys[] = {"timestamp", "flow_id",      "src_ip",
                                       "src_port",  "dest_ip",      "dest_port",
                                       "proto",     "community_id", "pcap_cnt"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(ev, keys[i]))
            json_object_set(copy, keys[i], json_object_get(ev, keys[i]));
    if (!json_object_get(ev, "timestamp")) { /* as the sensor: the capture clock */
        char ts[MM_TIMESTAMP_MAX];
        mm_time_format(&s->now, ts, sizeof ts);
        json_object_set_new(copy, "timestamp", json_string(ts));
    }
    json_object_set_new(copy, "event_type", json_string("alert"));
    add_alert(s, copy, a);
}

void mm_sensor_event_ports(const struct mm_sensor *s, const json_t *ev, uint16_t *src_port,
                           uint16_t *dest_port)
{
    (void)s;
    *src_port = (uint16_t)json_integer_value(json_object_get(ev, "src_port"));
    *dest_port = (uint16_t)json_integer_value(json_object_get(ev, "dest_port"));
}

void mm_sensor_alert_at(struct mm_sensor *s, const struct timeval *ts, const struct mm_addr *src,
                        const struct mm_addr *dst, const struct mm_eve_alert *a)
{
    struct mm_eve_header h = {.ts = *ts, .event_type = "alert", .src = src, .dst = dst};
    add_alert(s, mm_eve_new(&h), a);
}

const struct mm_sensor_config *mm_sensor_config(const struct mm_sensor *s)
{
    return &s->cfg;
}

char *mm_sensor_settings_error(struct mm_sensor *s)
{
    return s->settings_error;
}

bool mm_sensor_is_home(const struct mm_sensor *s, const struct mm_addr *a)
{
    for (size_t i = 0; i < s->cfg.home_net_count; i++)
        if (mm_cidr_contains(&s->cfg.home_net[i], a))
            return true;
    return false;
}

const struct mm_intel *mm_sensor_intel(const struct mm_sensor *s)
{
    return s->intel;
}

struct mm_devices *mm_sensor_devices(struct mm_sensor *s)
{
    return s->devices;
}

const struct timeval *mm_sensor_now(const struct mm_sensor *s)
{
    return &s->now;
}

struct mm_sensor *th_new(const char *ini_text, const char *intel_text, const char *state_dir,
                         const struct mm_detector *det)
{
    char err[256];
    struct mm_sensor *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->events = json_array();
    s->alerts = json_array();
    s->queue = json_array();
    s->now.tv_sec = 1775001600; /* 2026-04-01T00:00:00Z */
    assert_int_equal(mm_ini_load_string(ini_text ? ini_text : "", &s->ini, err, sizeof err), 0);
    s->cfg.ini = s->ini;
    s->cfg.state_dir = state_dir;
    bool allowed = false;
    assert_int_equal(mm_ini_get_bool(s->ini, "policy", "personal_devices", false, &allowed), 0);
    s->cfg.personal_devices_allowed = allowed;
    const char *home = mm_ini_get(s->ini, "sensor", "home_net");
    assert_int_equal(mm_cidr_list_parse(home ? home : MM_DEFAULT_HOME_NET, &s->cfg.home_net,
                                        &s->cfg.home_net_count),
                     0);
    assert_int_equal(mm_intel_new(&s->intel), 0);
    if (intel_text) {
        char path[] = "/tmp/mm-test-feed-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(mm_file_write_atomic(path, intel_text, strlen(intel_text)), 0);
        assert_int_equal(mm_intel_load(s->intel, path, NULL, NULL), 0);
        unlink(path);
    }
    assert_int_equal(mm_intel_seal(s->intel), 0);
    assert_int_equal(mm_devices_new(s, state_dir, &s->devices), 0);
    s->det = det;
    if (det && det->init)
        assert_int_equal(det->init(s, &s->det_state), 0);
    return s;
}

void th_free(struct mm_sensor *s)
{
    if (!s)
        return;
    if (s->det && s->det->free)
        s->det->free(s->det_state);
    mm_devices_free(s->devices);
    mm_intel_free(s->intel);
    mm_ini_free(s->ini);
    free(s->cfg.home_net);
    json_decref(s->events);
    json_decref(s->alerts);
    json_decref(s->queue);
    free(s);
}

void th_set_time(struct mm_sensor *s, double t)
{
    s->now.tv_sec = (time_t)t;
    s->now.tv_usec = (suseconds_t)((t - (double)(time_t)t) * 1e6 + 0.5);
}

void th_event(struct mm_sensor *s, const char *json_text)
{
    json_error_t e;
    json_t *ev = json_loads(json_text, 0, &e);
    if (!ev)
        fail_msg("bad test JSON: %s: %s", e.text, json_text);
    if (!json_object_get(ev, "pcap_cnt"))
        json_object_set_new(ev, "pcap_cnt", json_integer((json_int_t)++packet_counter));
    mm_sensor_emit(s, ev);
}

void th_packet(struct mm_sensor *s, const struct mm_packet *p)
{
    struct mm_packet copy = *p;
    copy.ts = s->now;
    if (!copy.num)
        copy.num = ++packet_counter;
    mm_devices_on_packet(s->devices, &copy);
    if (s->det && s->det->prefetch_packet && s->det_state &&
        (!s->det->packets ||
         (s->det->packets & mm__packet_kind_bits(mm__packet_kind_index(&copy)))))
        s->det->prefetch_packet(s->det_state, s, &copy); /* as the dispatch: its kinds only */
    if (s->det && s->det->on_packet)
        s->det->on_packet(s->det_state, s, &copy);
    dispatch(s);
}

void th_direct_event(struct mm_sensor *s, const json_t *ev, const json_t *member)
{
    if (s->det && s->det->prefetch_event && s->det_state)
        s->det->prefetch_event(s->det_state, s, member);
    if (s->det && s->det->on_event)
        s->det->on_event(s->det_state, s, ev);
}

void th_tick(struct mm_sensor *s)
{
    if (s->det && s->det->on_tick)
        s->det->on_tick(s->det_state, s, &s->now);
}

void th_end(struct mm_sensor *s)
{
    if (s->det && s->det->on_end && s->det_state)
        s->det->on_end(s->det_state, s);
}

void th_expect_same_alerts(const struct mm_sensor *fast, const struct mm_sensor *ref, uint64_t seed,
                           unsigned packet)
{
    size_t n = json_array_size(ref->alerts);
    assert_int_equal(json_array_size(fast->alerts), n);
    json_t *a = json_array_get(fast->alerts, n - 1), *b = json_array_get(ref->alerts, n - 1);
    if (n > 0 && !json_equal(a, b)) {
        char *fa = json_dumps(a, JSON_SORT_KEYS), *fb = json_dumps(b, JSON_SORT_KEYS);
        fail_msg("seed %llu packet %u:\n new:       %s\n reference: %s", (unsigned long long)seed,
                 packet, fa, fb);
    }
}

void th_expect_same_alerts_but_source(const struct mm_sensor *fast, const struct mm_sensor *ref,
                                      unsigned message)
{
    size_t n = th_count_alerts(ref, 0);
    assert_int_equal(th_count_alerts(fast, 0), n);
    if (n == 0)
        return;
    json_t *a = json_deep_copy(json_array_get(fast->alerts, n - 1));
    json_t *b = json_deep_copy(json_array_get(ref->alerts, n - 1));
    json_object_del(json_object_get(json_object_get(a, "mamori"), "evidence"), "source");
    json_object_del(json_object_get(json_object_get(b, "mamori"), "evidence"), "source");
    if (!json_equal(a, b)) {
        char *fa = json_dumps(a, JSON_SORT_KEYS), *fb = json_dumps(b, JSON_SORT_KEYS);
        fail_msg("message %u:\n facts: %s\n JSON:  %s", message, fa, fb);
    }
    json_decref(a);
    json_decref(b);
}

size_t th_count_alerts(const struct mm_sensor *s, uint32_t sid)
{
    size_t n = 0, i;
    json_t *a;
    json_array_foreach(s->alerts, i, a)
    {
        json_int_t id =
            json_integer_value(json_object_get(json_object_get(a, "alert"), "signature_id"));
        if (sid == 0 || id == (json_int_t)sid)
            n++;
    }
    return n;
}

const json_t *th_alert(const struct mm_sensor *s, uint32_t sid, size_t n)
{
    size_t i;
    json_t *a;
    json_array_foreach(s->alerts, i, a)
    {
        json_int_t id =
            json_integer_value(json_object_get(json_object_get(a, "alert"), "signature_id"));
        if (id == (json_int_t)sid && n-- == 0)
            return a;
    }
    return NULL;
}

size_t th_count_events(const struct mm_sensor *s, const char *type, const char *action)
{
    size_t n = 0, i;
    json_t *e;
    json_array_foreach(s->events, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "event_type")), type) != 0)
            continue;
        const char *act =
            json_string_value(json_object_get(json_object_get(e, "device"), "action"));
        if (!action || (act && strcmp(act, action) == 0))
            n++;
    }
    return n;
}

const json_t *th_event_at(const struct mm_sensor *s, const char *type, size_t n)
{
    size_t i;
    json_t *e;
    json_array_foreach(s->events, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "event_type")), type) == 0 && n-- == 0)
            return e;
    }
    return NULL;
}

void th_ip_packet(struct mm_packet *p, const char *src, uint16_t sport, const char *dst,
                  uint16_t dport, uint8_t proto, uint8_t flags, const char *payload)
{
    memset(p, 0, sizeof *p);
    assert_int_equal(mm_addr_parse(src, &p->src), 0);
    assert_int_equal(mm_addr_parse(dst, &p->dst), 0);
    p->ip_version = p->src.family;
    p->ip_proto = proto;
    p->sport = sport;
    p->dport = dport;
    p->tcp_flags = flags;
    p->ttl = 64;
    if (payload) {
        p->payload = (const uint8_t *)payload;
        p->payload_len = (uint32_t)strlen(payload);
    }
}

void th_send_from(struct mm_sensor *s, const uint8_t mac[6], const char *src, double t)
{
    struct mm_packet p;
    th_set_time(s, t);
    th_ip_packet(&p, src, 1025, "203.0.113.80", 80, 6, 0x10, NULL);
    p.has_eth = true;
    memcpy(p.src_mac, mac, 6);
    th_packet(s, &p);
}

size_t th_device_changes(const struct mm_sensor *s)
{
    return th_count_events(s, "device", "changed");
}

const json_t *th_last_device(const struct mm_sensor *s)
{
    size_t n = th_count_events(s, "device", NULL);
    assert_true(n > 0);
    return json_object_get(th_event_at(s, "device", n - 1), "device");
}

void th_expect_devices_refused(const char *ini_text)
{
    char err[128];
    struct mm_ini *bad = NULL;
    struct mm_devices *d = NULL;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, NULL);
    assert_int_equal(mm_ini_load_string(ini_text, &bad, err, sizeof err), 0);
    s->cfg.ini = bad;
    assert_int_not_equal(mm_devices_new(s, NULL, &d), 0);
    assert_null(d);
    s->cfg.ini = s->ini;
    mm_ini_free(bad);
    th_free(s);
}
