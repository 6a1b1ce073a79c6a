/* SPDX-License-Identifier: Apache-2.0
 * DHCP events without a jansson object (eve-dhcp.c) against the JSON path
 * they replace (decode-dhcp.c's "dhcp" object), byte for byte:
 *   - the line: random and crafted messages go through the real decoder;
 *     for each message the direct line (the typed event written into one
 *     EVE writer) must equal the line the writer makes of the decoder's
 *     JSON event (into another), and the facts must hold the texts of the
 *     object's members. Messages are requests and replies (and other op
 *     codes and bad cookies: no event), hardware address lengths 0 to 255,
 *     every logged option with right and wrong lengths, repeated options,
 *     pads, texts with control bytes, quotes, backslashes, DEL, UTF-8 right
 *     and broken and trailing NULs, option 55 long enough to cut the
 *     inventory's "1,3,6" text, option 81 in wire and plain form with names
 *     that do and do not decode, options running past the end, messages cut
 *     short at random;
 *   - the sensor: two sensors given the same DHCP traffic (discover,
 *     request, ack of home clients with host names, vendor classes and
 *     fingerprints, and random messages), one taking the direct path and
 *     one kept on the JSON path, must write the same EVE file, the device
 *     inventory's "device" events among the lines; and so for every
 *     capture in $MAMORI_SHARED_DIR/pcaps (skipped without it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../test-rand.h"
#include "../test-tmpdir.h"
#include "core/error.h"
#include "sensor/eve-dhcp.h"
#include "sensor/flow.h"
#include "sensor/sensor-int.h"
#define TEST_DNS_GEN_CAP 2048 /* the random messages' buffer (bytes) */
#include "test-dns-gen.h"
#include "test-eve-direct.h"

extern const struct mm_app_decoder mm_app_dhcp;

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
    return test_xorshift(&rng) % n;
}

/* ---- random messages ------------------------------------------------------------ */

/* A text byte: mostly host-name letters, sometimes spaces, quotes,
 * backslashes, control bytes, DEL, NUL, UTF-8 (right and broken) or any. */
static void text_byte(struct gen *g, unsigned left)
{
    static const char plain[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._ ";
    unsigned k = (unsigned)rnd(40);
    if (k < 30)
        put8(g, (uint8_t)plain[rnd(sizeof plain - 1)]);
    else if (k < 32)
        put8(g, (uint8_t) "\"\\\x7f/"[rnd(4)]);
    else if (k < 34 && left >= 3) {
        put8(g, 0xE3); /* あ */
        put8(g, 0x81);
        put8(g, 0x82);
    } else if (k < 36)
        put8(g, (unsigned)rnd(0x20));
    else
        put8(g, (unsigned)rnd(256));
}

/* The data of option code, n bytes (n as chosen by the caller). */
static void option_data(struct gen *g, uint8_t code, unsigned n)
{
    if (code == 55) {
        for (unsigned i = 0; i < n; i++)
            put8(g, rnd(3) ? (unsigned)(1 + rnd(60)) : (unsigned)rnd(256));
        return;
    }
    if (code == 53 && n) {
        put8(g, (unsigned)rnd(11));
        n--;
    }
    bool text = code == 12 || code == 60 || code == 81 || rnd(4) == 0;
    for (unsigned i = 0; i < n; i++)
        if (text)
            text_byte(g, n - i);
        else
            put8(g, rnd(4) ? (unsigned)(192 + rnd(2)) : (unsigned)rnd(256));
    if (text && n > 2 && rnd(6) == 0)
        g->b[g->n - 1] = 0; /* trailing NULs */
}

/* Option 81: flags (wire form or not), two rcodes, the name as DNS labels
 * (perhaps broken) or as text. */
static void option_fqdn(struct gen *g)
{
    size_t len_at = g->n + 1;
    put8(g, 81);
    put8(g, 0);
    size_t start = g->n;
    bool wire = rnd(2);
    put8(g, wire ? 0x05 : (unsigned)(rnd(256) & ~0x04u));
    put8(g, 0);
    put8(g, 0);
    if (wire) {
        for (unsigned l = 0, labels = (unsigned)rnd(4); l < labels; l++) {
            unsigned n = rnd(15) == 0 ? (unsigned)rnd(256) : 1 + (unsigned)rnd(12);
            put8(g, n);
            for (unsigned i = 0; i < n && i < 70; i++)
                text_byte(g, n - i);
        }
        if (rnd(6))
            put8(g, 0);
    } else {
        for (unsigned i = 0, n = (unsigned)rnd(30); i < n; i++)
            text_byte(g, n - i);
    }
    size_t n = g->n - start;
    if (len_at < sizeof g->b)
        g->b[len_at] = (uint8_t)(n > 255 ? 255 : n);
}

static const uint8_t codes[] = {1, 3, 6, 12, 50, 51, 53, 55, 58, 59, 60, 61, 81, 0, 15, 43, 119};

/* One option at random (a pad now and then). */
static void gen_option(struct gen *g)
{
    uint8_t code = codes[rnd(sizeof codes / sizeof codes[0])];
    if (code == 0) {
        put8(g, 0);
        return;
    }
    if (code == 81 && rnd(4)) {
        option_fqdn(g);
        return;
    }
    bool address = code == 1 || code == 50 || code == 51 || code == 58 || code == 59;
    unsigned n = address && rnd(6)           ? 4
                 : (code == 3 || code == 6)  ? 4 * (unsigned)rnd(4) + (rnd(6) == 0)
                 : code == 55 && rnd(8) == 0 ? 150 + (unsigned)rnd(106)
                 : code == 53 && rnd(6)      ? 1
                                             : (unsigned)rnd(40);
    put8(g, code);
    put8(g, n);
    option_data(g, code, n);
}

/* A whole message: the BOOTP header (op 1 or 2 mostly, hlen 6 mostly),
 * the magic cookie (now and then wrong), options, the End option mostly. */
static void gen_message(struct gen *g)
{
    memset(g, 0, sizeof *g);
    put8(g, rnd(30) == 0 ? (unsigned)rnd(256) : 1 + (unsigned)rnd(2));
    put8(g, 1);
    put8(g, rnd(8) ? 6 : rnd(2) ? 0 : (unsigned)rnd(256));
    put8(g, 0);
    put32(g, (uint32_t)test_xorshift(&rng));
    put32(g, 0);
    for (int a = 0; a < 4; a++) /* ciaddr, yiaddr, siaddr, giaddr */
        put32(g, rnd(2) ? 0 : 0xC0A80100u | (uint32_t)rnd(256));
    for (int i = 0; i < 16; i++)
        put8(g, i < 6 ? (unsigned)(i == 0 ? rnd(4) * 2 : rnd(256)) : 0);
    while (g->n < MM__DHCP_BOOTP_LEN)
        put8(g, rnd(20) == 0 ? (unsigned)rnd(256) : 0);
    put32(g, rnd(40) == 0 ? (uint32_t)test_xorshift(&rng) : 0x63825363u);
    for (unsigned i = 0, n = (unsigned)rnd(14); i < n; i++)
        gen_option(g);
    if (rnd(6))
        put8(g, 255);
    if (rnd(10) == 0)
        put8(g, (unsigned)rnd(256)); /* trailing bytes, or an option's start */
}

/* ---- the line: direct against JSON, one message at a time ------------------------- */

struct line_run {
    struct ed_line_files files;
    char facts[8][4200]; /* the direct path's fact texts, copied */
    bool present[8], reply, facts_set;
    uint8_t params[256];
    size_t nparams;
    unsigned lines;
};

static struct line_run *line_run;

static const char *const fact_keys[8] = {"client_mac",
                                         "assigned_ip",
                                         "client_ip",
                                         "requested_ip",
                                         "hostname",
                                         "fqdn",
                                         "vendor_class_identifier",
                                         NULL};

static void keep_facts(const struct mm__dhcp_facts *f)
{
    const char *texts[7] = {f->client_mac,
                            f->assigned_ip,
                            f->client_ip,
                            f->requested_ip,
                            f->hostname,
                            f->fqdn,
                            f->vendor_class_identifier};
    for (int i = 0; i < 7; i++) {
        line_run->present[i] = texts[i] != NULL;
        if (texts[i]) {
            assert_true(strlen(texts[i]) < sizeof line_run->facts[i]);
            strcpy(line_run->facts[i], texts[i]);
        }
    }
    line_run->reply = f->reply;
    line_run->nparams = f->nparams;
    if (f->nparams)
        memcpy(line_run->params, f->params, f->nparams);
}

/* The decoder's direct hook: writes the direct line and notes the facts,
 * then declines, so the decoder emits the JSON event too. */
static bool write_direct(struct mm_app_ctx *ctx, const struct mm__dhcp_message *m)
{
    struct mm__dhcp_event e;
    struct mm__dhcp_facts f;
    memset(&f, 0, sizeof f);
    mm__dhcp_event_fill(&e, ctx, m);
    mm__dhcp_event_facts(&e, &f);
    keep_facts(&f);
    line_run->facts_set = true;
    int r = mm__dhcp_line_write(line_run->files.direct_out, &e);
    assert_true(r == 0 || r == MM_EINVAL); /* text that is not UTF-8 fails both */
    return false;
}

/* The facts hold the JSON object's members, as the inventory reads them. */
static void expect_facts_of(const json_t *dhcp)
{
    for (int i = 0; fact_keys[i]; i++) {
        const char *v = json_string_value(json_object_get(dhcp, fact_keys[i]));
        assert_int_equal(line_run->present[i], v != NULL);
        if (v)
            assert_string_equal(line_run->facts[i], v);
    }
    const char *type = json_string_value(json_object_get(dhcp, "type"));
    assert_non_null(type);
    assert_int_equal(line_run->reply, strcmp(type, "reply") == 0);
    const json_t *raw = json_object_get(dhcp, "params_raw");
    assert_int_equal(line_run->nparams, json_array_size(raw));
    for (size_t i = 0; i < line_run->nparams; i++)
        assert_int_equal(line_run->params[i], json_integer_value(json_array_get(raw, i)));
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    assert_true(line_run->facts_set);
    line_run->facts_set = false;
    expect_facts_of(json_object_get(ev, "dhcp"));
    int r = mm_eve_out_write(line_run->files.json_out, ev);
    assert_true(r == 0 || r == MM_EINVAL);
    line_run->lines += r == 0;
    json_decref(ev);
}

static void run_message(const uint8_t *msg, size_t n)
{
    struct mm_packet p;
    struct mm_flow f;
    bool with_flow;
    ed_random_context(&rng, &p, &f, &with_flow, IPPROTO_UDP, rnd(2) ? 67 : 68);
    struct mm_app_ctx ctx = {
        .sensor = (struct mm_sensor *)&f, /* any non-NULL pointer: the hook is asked */
        .pkt = &p,
        .flow = with_flow ? &f : NULL,
        .emit = on_json,
    };
    mm_app_dhcp.parse(&ctx, msg, n);
    assert_false(line_run->facts_set); /* every direct line had its JSON event */
}

static void test_line_equals_json(void **state)
{
    (void)state;
    struct line_run *run = calloc(1, sizeof *run);
    struct gen *g = malloc(sizeof *g);
    assert_non_null(run);
    assert_non_null(g);
    line_run = run;
    ed_line_files_open(&run->files, "eve-dhcp");
    mm__dhcp_direct = write_direct;
    rng = 0x9e3779b97f4a7c15ULL;
    for (unsigned i = 0; i < 6000; i++) {
        gen_message(g);
        size_t n = rnd(12) == 0 ? rnd(g->n + 1) : g->n; /* some cut short */
        uint8_t *exact = malloc(n ? n : 1);             /* exact end: ASan sees over-reads */
        assert_non_null(exact);
        memcpy(exact, g->b, n);
        run_message(exact, n);
        free(exact);
    }
    mm__dhcp_direct = NULL;
    size_t n, lines = ed_line_files_close_expect_same(&run->files);
    assert_int_equal(lines, run->lines);
    print_message("%zu lines alike\n", lines);
    assert_true(lines > 4500);
    /* the test means something: every form of the event among the lines */
    char *text = ed_read_file(run->files.json, &n);
    static const struct ed_least least[] = {{"\"type\":\"reply\",", 1000},
                                            {"\"relay_ip\":", 1000},
                                            {"\"routers\":[]", 20},
                                            {"\"dns_servers\":[\"", 100},
                                            {"\"params\":[],\"params_raw\":[", 10},
                                            {"\"params\":[\"", 100},
                                            {"\"hostname\":", 200},
                                            {"\"fqdn\":\"\"", 10},
                                            {"\"fqdn\":\"", 200},
                                            {"\"vendor_class_identifier\":\"\"", 10},
                                            {"\"client_id\":\"", 200},
                                            {"\"dhcp_type\":\"unknown\"", 50},
                                            {"\"lease_time\":", 100},
                                            {"\"rebinding_time\":", 100},
                                            {"\"subnet_mask\":", 100},
                                            {"\"client_mac\":\"\"", 10},
                                            {"\\\\x", 200},
                                            {"\\\"", 50},
                                            {"\u3042", 50}};
    ed_expect_counts(text, least, sizeof least / sizeof least[0]);
    free(text);
    ed_line_files_remove(&run->files);
    free(g);
    free(run);
}

/* ---- two sensors: direct and JSON ---------------------------------------------------- */

#define FEED "203.0.113.66\n"

/* The DHCP server and the broadcast address. */
static void endpoint(struct ed_endpoint *e, const char *ip, uint16_t port, const uint8_t mac[6])
{
    assert_int_equal(mm_addr_parse(ip, &e->addr), 0);
    e->port = port;
    memcpy(e->mac, mac, 6);
}

/* A client's message of type (discover 1, request 3, ack 5) with what
 * home devices send: host name, vendor class, fingerprint, FQDN. */
static void gen_client_message(struct gen *g, const uint8_t mac[6], unsigned type, uint8_t ip)
{
    static const char *const names[] = {"DESKTOP-7Q2",     "iPhone",        "NAS \"01\"", "pc\\x",
                                        "\xe3\x81\x82-pc", "printer.local", "bad\xff"};
    static const char *const vendors[] = {"MSFT 5.0", "android-dhcp-13", "udhcp 1.30.1",
                                          "dhcpcd-9.4.1:Linux", "MSFT 98"};
    static const uint8_t windows[] = {1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252};
    bool reply = type == 5;
    memset(g, 0, sizeof *g);
    put8(g, reply ? 2 : 1);
    put8(g, 1);
    put8(g, 6);
    put8(g, 0);
    put32(g, (uint32_t)test_xorshift(&rng));
    put32(g, 0);
    put32(g, 0);
    put32(g, reply ? 0xC0A80100u | ip : 0);
    put32(g, 0);
    put32(g, 0);
    for (int i = 0; i < 16; i++)
        put8(g, i < 6 ? mac[i] : 0);
    while (g->n < MM__DHCP_BOOTP_LEN)
        put8(g, 0);
    put32(g, 0x63825363u);
    put8(g, 53);
    put8(g, 1);
    put8(g, type);
    if (!reply) {
        const char *name = names[rnd(sizeof names / sizeof names[0])];
        const char *vendor = vendors[rnd(sizeof vendors / sizeof vendors[0])];
        put8(g, 12);
        put8(g, (unsigned)strlen(name));
        for (const char *c = name; *c; c++)
            put8(g, (uint8_t)*c);
        put8(g, 60);
        put8(g, (unsigned)strlen(vendor));
        for (const char *c = vendor; *c; c++)
            put8(g, (uint8_t)*c);
        unsigned np = rnd(6) == 0 ? 200 : sizeof windows;
        put8(g, 55);
        put8(g, np);
        for (unsigned i = 0; i < np; i++)
            put8(g, i < sizeof windows ? windows[i] : (unsigned)(100 + rnd(150)));
        if (type == 3) {
            put8(g, 50);
            put8(g, 4);
            put32(g, 0xC0A80100u | ip);
        }
        if (rnd(3) == 0)
            option_fqdn(g);
    } else {
        put8(g, 1);
        put8(g, 4);
        put32(g, 0xFFFFFF00u);
        put8(g, 51);
        put8(g, 4);
        put32(g, 86400);
    }
    put8(g, 255);
}

/* One exchange: a home client's discover, request and the server's ack,
 * or a random message from a random client. */
static void exchange(struct ed_sensor_run *runs, double t, void *arg)
{
    struct gen *g = arg;
    static const uint8_t server_mac[6] = {2, 0, 0, 0, 0, 0xfe};
    uint8_t mac[6] = {rnd(8) == 0 ? 1 : 2, 0, 0, 0, 0, (uint8_t)(1 + rnd(40))};
    uint8_t ip = (uint8_t)(10 + mac[5]);
    struct ed_endpoint client, server, bcast;
    char addr[32];
    snprintf(addr, sizeof addr, "192.168.1.%u", ip);
    endpoint(&client, rnd(2) ? "0.0.0.0" : addr, 68, mac);
    endpoint(&server, "192.168.1.1", 67, server_mac);
    endpoint(&bcast, "255.255.255.255", 68, (const uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
    if (rnd(5) == 0) {
        gen_message(g);
        for (int k = 0; k < 2; k++)
            ed_send_datagram(runs[k].s, &client, &server, t, g->b, g->n);
        return;
    }
    static const unsigned types[] = {1, 3, 5};
    for (int m = 0; m < 3; m++) {
        gen_client_message(g, mac, types[m], ip);
        for (int k = 0; k < 2; k++)
            ed_send_datagram(runs[k].s, m == 2 ? &server : &client, m == 2 ? &bcast : &server,
                             t + 0.01 * m, g->b, g->n);
    }
}

/* The legacy-OS detector (device events) set to report every one. */
#define INI "[detect.legacy-os]\nsuppress_seconds = 0\n"

static void test_sensor_direct_equals_json(void **state)
{
    (void)state;
    struct gen *g = malloc(sizeof *g);
    assert_non_null(g);
    /* the test means something: DHCP events, devices learnt from them */
    static const struct ed_least least[] = {{"\"event_type\":\"dhcp\"", 3000},
                                            {"\"event_type\":\"device\"", 100},
                                            {"\"hostnames\":[\"", 50},
                                            {"\"vendor_class\":\"MSFT 5.0\"", 10},
                                            {"\"params\":\"1,3,6,15,31", 50}};
    const struct ed_pair_test t = {.tag = "eve-dhcp",
                                   .ini = INI,
                                   .feed = FEED,
                                   .count = 1500,
                                   .step = 3.1,
                                   .exchange = exchange,
                                   .arg = g,
                                   .min_direct = 3000,
                                   .least = least,
                                   .nleast = sizeof least / sizeof least[0]};
    rng = 57;
    ed_pair_test(&t);
    free(g);
}

/* The real captures beside the project, each through both sensors. */
static void test_shared_captures(void **state)
{
    (void)state;
    ed_shared_captures("eve-dhcp", INI, FEED);
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
