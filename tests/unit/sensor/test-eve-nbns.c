/* SPDX-License-Identifier: Apache-2.0
 * NetBIOS name service events without a jansson object (eve-nbns.c)
 * against the JSON path they replace (decode-nbns.c's "netbios" object),
 * byte for byte:
 *   - the line: random and crafted messages go through the real decoder;
 *     for each message the direct line (the typed event written into one
 *     EVE writer) must equal the line the writer makes of the decoder's
 *     JSON event (into another), and the facts must hold the object's
 *     "hostname". Messages are queries, registrations, refreshes, releases
 *     and responses with names of every kind (padded, with odd bytes and
 *     UTF-8, suffixes 0x00, 0x20 and others, letters outside A-P), group
 *     and unique records with 0 to 20 addresses, scopes, compression
 *     pointers, wrong lengths, messages cut short at random;
 *   - the sensor: two sensors given the same NetBIOS traffic of home
 *     devices, one taking the direct path and one kept on the JSON path,
 *     must write the same EVE file, the inventory's "device" events with
 *     the registered names among the lines; and so for every capture in
 *     $MAMORI_SHARED_DIR/pcaps (skipped without it). */
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
#include "sensor/eve-nbns.h"
#include "sensor/flow.h"
#include "sensor/sensor-int.h"
#define TEST_DNS_GEN_CAP 1024 /* the random messages' buffer (bytes) */
#include "test-dns-gen.h"
#include "test-eve-direct.h"

extern const struct mm_app_decoder mm_app_nbns;

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
    return test_xorshift(&rng) % n;
}

/* ---- random messages ------------------------------------------------------------ */

/* A NetBIOS name (15 bytes, space padded) and suffix, first-level encoded
 * (32 letters A-P), now and then with a bad letter, then a scope or the
 * root; or a pointer to the first name. */
static void gen_name(struct gen *g, const char *name, unsigned suffix)
{
    uint8_t raw[16];
    memset(raw, ' ', 15);
    memcpy(raw, name, strlen(name) < 15 ? strlen(name) : 15);
    raw[15] = (uint8_t)suffix;
    put8(g, 32);
    for (int i = 0; i < 16; i++) {
        put8(g, 'A' + (raw[i] >> 4));
        put8(g, 'A' + (raw[i] & 15));
    }
    if (rnd(40) == 0)
        g->b[g->n - 1 - rnd(32)] = (uint8_t)rnd(256);
    if (rnd(8) == 0) {
        put8(g, 4);
        put8(g, 'c');
        put8(g, 'o');
        put8(g, 'r');
        put8(g, 'p');
    }
    put8(g, 0);
}

static void random_name(char *out)
{
    static const char *const names[] = {"DESKTOP-7Q2", "NAS01",          "WORKGROUP",    "",
                                        "PC \"X\"",    "\xe3\x81\x82PC", "__MSBROWSE__", "a\\b"};
    if (rnd(5) == 0) {
        size_t n = rnd(16);
        for (size_t i = 0; i < n; i++)
            out[i] = (char)(1 + rnd(255));
        out[n] = '\0';
        return;
    }
    strcpy(out, names[rnd(sizeof names / sizeof names[0])]);
}

/* The NB record's fixed part and its entries (flags, address). */
static void gen_record(struct gen *g, unsigned type, bool group)
{
    unsigned n = rnd(10) == 0 ? (unsigned)rnd(21) : 1 + (rnd(4) == 0);
    put16(g, type);
    put16(g, 1);
    put32(g, 300000);
    put16(g, rnd(20) == 0 ? (unsigned)rnd(200) : 6 * n);
    for (unsigned i = 0; i < n; i++) {
        put16(g, group ? 0x8000 : 0);
        put32(g, 0xC0A80100u | (uint32_t)rnd(256));
    }
}

/* A message at random: a query, a registration, refresh or release with
 * its additional record, or a response with its answer. */
static void gen_message(struct gen *g)
{
    static const unsigned ops[] = {0, 5, 6, 7, 8, 9, 15, 3};
    char name[20];
    bool response = rnd(4) == 0;
    unsigned op = ops[rnd(sizeof ops / sizeof ops[0])];
    static const unsigned suffixes[] = {0x00, 0x20, 0x1c, 0x1d, 0x03};
    unsigned suffix = suffixes[rnd(sizeof suffixes / sizeof suffixes[0])];
    bool group = rnd(4) == 0, record = op != 0 || response;
    random_name(name);
    memset(g, 0, sizeof *g);
    put16(g, (unsigned)rnd(65536));
    put16(g, (response ? 0x8000 : 0) | op << 11 | (rnd(3) == 0 ? (unsigned)rnd(16) : 0) |
                 (rnd(4) == 0 ? 0x0110 : 0));
    put16(g, response ? 0 : 1);
    put16(g, response ? 1 : 0);
    put16(g, 0);
    put16(g, !response && record ? 1 : 0);
    if (rnd(30) == 0)
        g->b[4 + 2 * rnd(4) + 1] = (uint8_t)rnd(4);
    gen_name(g, name, suffix);
    unsigned type = rnd(8) == 0 ? 0x21 : 0x20;
    if (response) {
        gen_record(g, type, group);
        return;
    }
    put16(g, type);
    put16(g, 1);
    if (record) {
        if (rnd(6))
            put16(g, 0xC00C);
        else
            gen_name(g, name, suffix);
        gen_record(g, 0x20, group);
    }
}

/* ---- the line: direct against JSON, one message at a time ------------------------- */

struct line_run {
    struct ed_line_files files;
    char hostname[256];
    bool has_hostname, facts_set;
    unsigned lines;
};

static struct line_run *line_run;

/* The decoder's direct hook: writes the direct line and notes the facts,
 * then declines, so the decoder emits the JSON event too. */
static bool write_direct(struct mm_app_ctx *ctx, const struct mm__nbns_message *m)
{
    struct mm__nbns_event e;
    struct mm__nbns_facts f = {0};
    mm__nbns_event_fill(&e, ctx, m);
    mm__nbns_event_facts(&e, &f);
    line_run->has_hostname = f.hostname != NULL;
    if (f.hostname)
        snprintf(line_run->hostname, sizeof line_run->hostname, "%s", f.hostname);
    line_run->facts_set = true;
    int r = mm__nbns_line_write(line_run->files.direct_out, &e);
    assert_true(r == 0 || r == MM_EINVAL);
    return false;
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    assert_true(line_run->facts_set);
    line_run->facts_set = false;
    const char *host =
        json_string_value(json_object_get(json_object_get(ev, "netbios"), "hostname"));
    assert_int_equal(line_run->has_hostname, host != NULL);
    if (host)
        assert_string_equal(line_run->hostname, host);
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
    ed_random_context(&rng, &p, &f, &with_flow, IPPROTO_UDP, 137);
    struct mm_app_ctx ctx = {
        .sensor = (struct mm_sensor *)&f, /* any non-NULL pointer: the hook is asked */
        .pkt = &p,
        .flow = with_flow ? &f : NULL,
        .emit = on_json,
    };
    mm_app_nbns.parse(&ctx, msg, n);
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
    ed_line_files_open(&run->files, "eve-nbns");
    mm__nbns_direct = write_direct;
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
    mm__nbns_direct = NULL;
    size_t n, lines = ed_line_files_close_expect_same(&run->files);
    assert_int_equal(lines, run->lines);
    print_message("%zu lines alike\n", lines);
    assert_true(lines > 4000);
    /* the test means something: every form of the event among the lines */
    char *text = ed_read_file(run->files.json, &n);
    static const struct ed_least least[] = {{"\"netbios\":{\"type\":\"response\"", 500},
                                            {"\"opcode\":\"registration\"", 300},
                                            {"\"opcode\":\"refresh\"", 300},
                                            {"\"opcode\":\"unknown\"", 100},
                                            {"\"rcode\":", 500},
                                            {"\"addresses\":[\"", 1000},
                                            {"\"group\":true", 200},
                                            {"\"group\":false", 500},
                                            {"\"hostname\":", 500},
                                            {"\"suffix\":28", 200},
                                            {"\\\\x", 200},
                                            {"\\\"", 50}};
    ed_expect_counts(text, least, sizeof least / sizeof least[0]);
    free(text);
    ed_line_files_remove(&run->files);
    free(g);
    free(run);
}

/* ---- two sensors: direct and JSON ---------------------------------------------------- */

#define FEED "203.0.113.66\n"

static void exchange(struct ed_sensor_run *runs, double t, void *arg)
{
    struct gen *g = arg;
    uint8_t self = (uint8_t)(10 + rnd(30));
    struct ed_endpoint device, bcast;
    char addr[32];
    snprintf(addr, sizeof addr, "192.168.1.%u", self);
    assert_int_equal(mm_addr_parse(addr, &device.addr), 0);
    assert_int_equal(mm_addr_parse("192.168.1.255", &bcast.addr), 0);
    device.port = bcast.port = 137;
    memcpy(device.mac, (const uint8_t[6]){2, 0, 0, 0, 2, self}, 6);
    memset(bcast.mac, 0xff, 6);
    gen_message(g);
    for (int k = 0; k < 2; k++)
        ed_send_datagram(runs[k].s, &device, &bcast, t, g->b, g->n);
}

#define INI "[detect.legacy-os]\nsuppress_seconds = 0\n"

static void test_sensor_direct_equals_json(void **state)
{
    (void)state;
    struct gen *g = malloc(sizeof *g);
    assert_non_null(g);
    /* the test means something: NetBIOS events, names learnt from them */
    static const struct ed_least least[] = {{"\"event_type\":\"netbios\"", 2500},
                                            {"\"event_type\":\"device\"", 100},
                                            {"\"hostnames\":[\"", 100},
                                            {"DESKTOP-7Q2\"", 100}};
    const struct ed_pair_test t = {.tag = "eve-nbns",
                                   .ini = INI,
                                   .feed = FEED,
                                   .count = 3000,
                                   .step = 1.7,
                                   .exchange = exchange,
                                   .arg = g,
                                   .min_direct = 2500,
                                   .least = least,
                                   .nleast = sizeof least / sizeof least[0]};
    rng = 137;
    ed_pair_test(&t);
    free(g);
}

/* The real captures beside the project, each through both sensors. */
static void test_shared_captures(void **state)
{
    (void)state;
    ed_shared_captures("eve-nbns", INI, FEED);
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
