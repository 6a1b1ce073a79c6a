/* SPDX-License-Identifier: Apache-2.0
 * mDNS events without a jansson object (eve-dns.c's mDNS event) against
 * the JSON path they replace (decode-mdns.c's "mdns" object), byte for
 * byte:
 *   - the line: random and crafted messages go through the real decoder;
 *     for each message the direct line (the typed event written into one
 *     EVE writer) must equal the line the writer makes of the decoder's
 *     JSON event (into another), the parse result must be the same, and
 *     the facts must list the JSON object's A/AAAA records with rdata
 *     (answers, authorities, additionals) as the inventory reads them.
 *     Messages are announcements, queries and answers with host, service
 *     and reverse names (".local" in any case, with and without the final
 *     dot, compressed), A, AAAA, PTR, SRV, TXT, HINFO, NSEC, OPT and
 *     unknown records in every section, right and wrong rdata lengths,
 *     names with odd bytes, more than 16 host names, more records than
 *     are logged, counts past the records, messages cut short at random;
 *   - the sensor: two sensors given the same mDNS traffic of home devices
 *     (their own and others' addresses announced), one taking the direct
 *     path and one kept on the JSON path, must write the same EVE file,
 *     the inventory's "device" events (host names learnt from the records)
 *     among the lines; and so for every capture in
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
#include "sensor/eve-dns.h"
#include "sensor/flow.h"
#include "sensor/sensor-int.h"
#define TEST_DNS_GEN_CAP 16384 /* the random messages' buffer (bytes) */
#include "test-dns-gen.h"
#include "test-eve-direct.h"

extern const struct mm_app_decoder mm_app_mdns;

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
    return test_xorshift(&rng) % n;
}

/* ---- random messages ------------------------------------------------------------ */

/* One label: a host or service name, now and then with odd bytes. */
static void gen_label(struct gen *g)
{
    /* with UTF-8 names, as devices announce them (valid, and cut short),
     * which the line formed in place lets through */
    static const char *const labels[] = {"MacBook-Pro",
                                         "iPhone",
                                         "_http",
                                         "_tcp",
                                         "NAS",
                                         "printer",
                                         "Living Room TV",
                                         "_airplay",
                                         "host-01",
                                         "a.b",
                                         "Luca\xe2\x80\x99s iMac",
                                         "\xe3\x83\xaa\xe3\x83\x93\xe3\x83\xb3\xe3\x82\xb0",
                                         "caf\xc3\xa9-\xf0\x9f\x93\xba",
                                         "cut\xe2\x80",
                                         "\xc3\xa9t\xc3\xa9\"q\""};
    if (rnd(8) == 0) {
        unsigned n = 1 + (unsigned)rnd(20);
        put8(g, n);
        for (unsigned i = 0; i < n; i++) {
            unsigned k = (unsigned)rnd(10);
            put8(g, k < 6   ? 'a' + (unsigned)rnd(26)
                    : k < 8 ? (unsigned)rnd(256)
                            : (unsigned)(uint8_t) "\"\\.\x7f"[rnd(4)]);
        }
        return;
    }
    const char *l = labels[rnd(sizeof labels / sizeof labels[0])];
    put8(g, (unsigned)strlen(l));
    for (const char *c = l; *c; c++)
        put8(g, (uint8_t)*c);
}

static void put_text_label(struct gen *g, const char *l)
{
    put8(g, (unsigned)strlen(l));
    for (const char *c = l; *c; c++)
        put8(g, (uint8_t)*c);
}

/* A name: host.local mostly (any case), a service, a reverse name, a
 * bare name, or a pointer to an earlier one. */
static void gen_name(struct gen *g)
{
    size_t start = g->n;
    if (g->nnames && rnd(3) == 0) {
        put16(g, 0xC000 | (unsigned)g->names[rnd(g->nnames)]);
        return;
    }
    unsigned kind = (unsigned)rnd(10);
    if (kind < 5) {
        for (unsigned i = 0, n = 1 + (rnd(4) == 0); i < n; i++)
            gen_label(g);
        put_text_label(g, rnd(5) ? "local" : rnd(2) ? "LOCAL" : "Local");
    } else if (kind < 7) {
        char octet[4];
        for (int i = 0; i < 4; i++) {
            snprintf(octet, sizeof octet, "%u", (unsigned)rnd(256));
            put_text_label(g, octet);
        }
        put_text_label(g, rnd(4) ? "in-addr" : "ip6");
        put_text_label(g, "arpa");
    } else if (kind < 9) {
        gen_label(g);
        if (rnd(2))
            put_text_label(g, "example");
    }
    if (g->nnames && rnd(4) == 0)
        put16(g, 0xC000 | (unsigned)g->names[rnd(g->nnames)]);
    else
        put8(g, 0);
    if (g->nnames < 32)
        g->names[g->nnames++] = start;
}

static const uint16_t types[] = {1, 1, 28, 12, 12, 33, 16, 13, 47, 41, 99, 65535};

/* A record's rdata of type (mostly well formed, sometimes random). */
static void gen_rdata(struct gen *g, uint16_t type)
{
    size_t len_at = g->n;
    put16(g, 0);
    size_t start = g->n;
    if (rnd(12) == 0) {
        for (unsigned i = 0, n = (unsigned)rnd(20); i < n; i++)
            put8(g, (unsigned)rnd(256));
    } else if (type == 1) {
        put32(g, rnd(2) ? 0xC0A80100u | (uint32_t)(10 + rnd(30)) : (uint32_t)test_xorshift(&rng));
    } else if (type == 28) {
        put16(g, 0x2001);
        put16(g, 0x0db8);
        for (int i = 0; i < 6; i++)
            put16(g, rnd(2) ? 0 : (unsigned)rnd(65536));
    } else if (type == 12) {
        gen_name(g);
    } else if (type == 33) {
        put32(g, (uint32_t)test_xorshift(&rng));
        put16(g, (unsigned)rnd(65536));
        gen_name(g);
    } else if (type == 16) {
        for (unsigned s = 0, n = (unsigned)rnd(4); s < n; s++) {
            unsigned l = (unsigned)rnd(30);
            put8(g, l);
            for (unsigned i = 0; i < l; i++)
                put8(g, rnd(5) ? 'a' + (unsigned)rnd(26) : (unsigned)rnd(256));
        }
    } else {
        for (unsigned i = 0, n = (unsigned)rnd(12); i < n; i++)
            put8(g, (unsigned)rnd(256));
    }
    size_t len = g->n - start;
    if (rnd(30) == 0)
        len += rnd(5); /* a length past the data */
    if (len_at + 1 < sizeof g->b) {
        g->b[len_at] = (uint8_t)(len >> 8);
        g->b[len_at + 1] = (uint8_t)len;
    }
}

/* A message at random: an announcement or answer mostly, a query now and
 * then; sometimes with many records (more than 16 host names, or more
 * than the 128 logged per section). */
static void gen_message(struct gen *g)
{
    unsigned counts[4] = {(unsigned)rnd(3), (unsigned)rnd(6), (unsigned)rnd(3), (unsigned)rnd(5)};
    if (rnd(30) == 0)
        counts[1] = 20 + (unsigned)rnd(10);
    if (rnd(60) == 0)
        counts[3] = 125 + (unsigned)rnd(10);
    bool query = rnd(4) == 0;
    if (query)
        counts[1] = counts[2] = rnd(3) == 0 ? 1 : 0;
    memset(g, 0, sizeof *g);
    put16(g, rnd(4) ? 0 : (unsigned)rnd(65536));
    put16(g, query ? 0 : rnd(6) ? 0x8400 : (unsigned)rnd(65536));
    for (int i = 0; i < 4; i++)
        put16(g, rnd(40) == 0 ? (unsigned)rnd(200) : counts[i]);
    for (unsigned i = 0; i < counts[0]; i++) {
        gen_name(g);
        put16(g, types[rnd(sizeof types / sizeof types[0])]);
        put16(g, 0x8001);
    }
    for (unsigned s = 1; s < 4; s++)
        for (unsigned i = 0; i < counts[s]; i++) {
            uint16_t type = types[rnd(sizeof types / sizeof types[0])];
            gen_name(g);
            put16(g, type);
            put16(g, 0x8001);
            put32(g, rnd(3) ? 120 : (uint32_t)test_xorshift(&rng));
            gen_rdata(g, type);
        }
}

/* An announcement of more host names than "hostnames" keeps (16), some
 * twice. */
static void gen_many_hosts(struct gen *g)
{
    unsigned n = 17 + (unsigned)rnd(10);
    memset(g, 0, sizeof *g);
    put16(g, 0);
    put16(g, 0x8400);
    put16(g, 0);
    put16(g, n);
    put16(g, 0);
    put16(g, 0);
    for (unsigned i = 0; i < n; i++) {
        char host[16];
        snprintf(host, sizeof host, "host-%u", (unsigned)rnd(24));
        put_text_label(g, host);
        put_text_label(g, "local");
        put8(g, 0);
        put16(g, 1);
        put16(g, 0x8001);
        put32(g, 120);
        put16(g, 4);
        put32(g, 0xC0A80100u | i);
    }
}

/* ---- the line: direct against JSON, one message at a time ------------------------- */

struct fact {
    struct mm_addr addr;
    char rrname[MM_DNS_NAME_TEXT_MAX];
};

struct line_run {
    struct ed_line_files files;
    unsigned nfacts;
    struct fact facts[3 * MM_DNS_MAX_RECORDS];
    bool facts_set;
    int direct_result;
    unsigned lines;
};

static struct line_run *line_run;

/* The decoder's direct hook: writes the direct line and notes its facts
 * and result, then declines, so the decoder emits the JSON event too. */
static bool write_direct(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len, int *result)
{
    struct mm__dns_event *e = mm__dns_event_get();
    static struct mm__mdns_facts f;
    (void)result;
    if (len < 12)
        return false;
    line_run->direct_result = mm__mdns_event_fill(e, ctx, msg, len);
    assert_int_not_equal(line_run->direct_result, MM_ENOMEM);
    mm__mdns_event_facts(e, &f);
    line_run->nfacts = f.naddrs;
    for (unsigned i = 0; i < f.naddrs; i++) {
        line_run->facts[i].addr = f.addrs[i].addr;
        assert_true(strlen(f.addrs[i].rrname) < MM_DNS_NAME_TEXT_MAX);
        strcpy(line_run->facts[i].rrname, f.addrs[i].rrname);
    }
    line_run->facts_set = true;
    int r = mm__mdns_line_write(line_run->files.direct_out, e);
    assert_true(r == 0 || r == MM_EINVAL); /* text that is not UTF-8 fails both */
    return false;
}

/* The facts list the object's A/AAAA records with rdata, in order, with
 * the addresses mm_addr_parse reads from their rdata. */
static void expect_facts_of(const json_t *mdns)
{
    static const char *const sections[] = {"answers", "authorities", "additionals"};
    unsigned k = 0;
    for (size_t s = 0; s < 3; s++) {
        size_t i;
        json_t *rr;
        json_array_foreach(json_object_get(mdns, sections[s]), i, rr)
        {
            const char *type = json_string_value(json_object_get(rr, "rrtype"));
            const char *rdata = json_string_value(json_object_get(rr, "rdata"));
            struct mm_addr a;
            if (!type || !rdata || (strcmp(type, "A") != 0 && strcmp(type, "AAAA") != 0) ||
                mm_addr_parse(rdata, &a) != 0)
                continue;
            assert_true(k < line_run->nfacts);
            assert_memory_equal(&line_run->facts[k].addr, &a, sizeof a);
            assert_string_equal(line_run->facts[k].rrname,
                                json_string_value(json_object_get(rr, "rrname")));
            k++;
        }
    }
    assert_int_equal(k, line_run->nfacts);
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    assert_true(line_run->facts_set);
    line_run->facts_set = false;
    expect_facts_of(json_object_get(ev, "mdns"));
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
    ed_random_context(&rng, &p, &f, &with_flow, IPPROTO_UDP, 5353);
    struct mm_app_ctx ctx = {
        .sensor = (struct mm_sensor *)&f, /* any non-NULL pointer: the hook is asked */
        .pkt = &p,
        .flow = with_flow ? &f : NULL,
        .emit = on_json,
    };
    line_run->direct_result = 1;
    long r = mm_app_mdns.parse(&ctx, msg, n);
    if (n >= 12)
        assert_int_equal(r, line_run->direct_result);
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
    ed_line_files_open(&run->files, "eve-mdns");
    mm__mdns_direct = write_direct;
    rng = 0x9e3779b97f4a7c15ULL;
    for (unsigned i = 0; i < 6000; i++) {
        if (rnd(50) == 0)
            gen_many_hosts(g);
        else
            gen_message(g);
        size_t n = rnd(12) == 0 ? rnd(g->n + 1) : g->n; /* some cut short */
        uint8_t *exact = malloc(n ? n : 1);             /* exact end: ASan sees over-reads */
        assert_non_null(exact);
        memcpy(exact, g->b, n);
        run_message(exact, n);
        free(exact);
    }
    mm__mdns_direct = NULL;
    mm__dns_event_release();
    size_t n, lines = ed_line_files_close_expect_same(&run->files);
    assert_int_equal(lines, run->lines);
    print_message("%zu lines alike\n", lines);
    assert_true(lines > 5000);
    /* the test means something: every form of the event among the lines */
    char *text = ed_read_file(run->files.json, &n);
    static const struct ed_least least[] = {{"\"mdns\":{\"type\":\"response\"", 2000},
                                            {"\"mdns\":{\"type\":\"request\"", 500},
                                            {"\"additionals\":[", 1000},
                                            {"\"authorities\":[", 1000},
                                            {"\"hostnames\":[\"", 1000},
                                            {"\"rrtype\":\"HINFO\"", 500},
                                            {"\"srv\":{\"priority\"", 500},
                                            {"\"rrtype\":\"AAAA\",\"ttl\":120,\"rdata\"", 200},
                                            {".in-addr.arpa\"", 500},
                                            {"\\\\x", 200},
                                            {"\\\"", 50}};
    ed_expect_counts(text, least, sizeof least / sizeof least[0]);
    /* more than 16 host names in one message: the list is cut */
    size_t longest = 0;
    for (const char *h = text; (h = strstr(h, "\"hostnames\":[")) != NULL; h++) {
        size_t k = 1;
        for (const char *c = h + 13; *c && *c != ']'; c++)
            k += *c == ',' && c[-1] == '"';
        longest = k > longest ? k : longest;
    }
    assert_int_equal(longest, 16);
    free(text);
    ed_line_files_remove(&run->files);
    free(g);
    free(run);
}

/* ---- two sensors: direct and JSON ---------------------------------------------------- */

#define FEED "203.0.113.66\n"

/* An announcement by a home device: A (its own or another's address) and
 * AAAA records, a reverse PTR, a service's SRV, HINFO, the records spread
 * over the sections; or a random message. */
static size_t gen_announcement(struct gen *g, uint8_t self)
{
    static const char *const hosts[] = {"MacBook-Pro",     "iPhone",  "NAS \"01\"", "pc\\x",
                                        "\xe3\x81\x82-pc", "Printer", "tv.x",       "bad\xff"};
    unsigned nrecords = 1 + (unsigned)rnd(4);
    memset(g, 0, sizeof *g);
    put16(g, 0);
    put16(g, 0x8400);
    put16(g, 0);
    unsigned sections[3] = {0, 0, 0};
    for (unsigned i = 0; i < nrecords; i++)
        sections[rnd(3) == 0 ? 2 : 0]++;
    put16(g, sections[0]);
    put16(g, 0);
    put16(g, sections[2]);
    for (unsigned i = 0; i < nrecords; i++) {
        const char *host = hosts[rnd(sizeof hosts / sizeof hosts[0])];
        bool v6 = rnd(4) == 0;
        put_text_label(g, host);
        put_text_label(g, rnd(4) ? "local" : "LOCAL");
        put8(g, 0);
        put16(g, v6 ? 28 : 1);
        put16(g, 0x8001);
        put32(g, 120);
        put16(g, v6 ? 16 : 4);
        uint8_t who = rnd(3) ? self : (uint8_t)(10 + rnd(30));
        if (v6) {
            put16(g, 0x2001);
            put16(g, 0x0db8);
            for (int k = 0; k < 5; k++)
                put16(g, 0);
            put16(g, who);
        } else {
            put32(g, 0xC0A80100u | who);
        }
    }
    return g->n;
}

static void exchange(struct ed_sensor_run *runs, double t, void *arg)
{
    struct gen *g = arg;
    uint8_t self = (uint8_t)(10 + rnd(30));
    uint8_t mac[6] = {2, 0, 0, 0, 1, self};
    struct ed_endpoint device, group;
    char addr[32];
    bool v6 = rnd(5) == 0;
    snprintf(addr, sizeof addr, v6 ? "2001:db8::%x" : "192.168.1.%u", self);
    assert_int_equal(mm_addr_parse(addr, &device.addr), 0);
    assert_int_equal(mm_addr_parse(v6 ? "ff02::fb" : "224.0.0.251", &group.addr), 0);
    device.port = group.port = 5353;
    memcpy(device.mac, mac, 6);
    memcpy(group.mac, (const uint8_t[6]){1, 0, 0x5e, 0, 0, 0xfb}, 6);
    if (rnd(4) == 0)
        gen_message(g);
    else
        gen_announcement(g, self);
    for (int k = 0; k < 2; k++)
        ed_send_datagram(runs[k].s, &device, &group, t, g->b, g->n < 1400 ? g->n : 1400);
}

#define INI "[detect.legacy-os]\nsuppress_seconds = 0\n"

static void test_sensor_direct_equals_json(void **state)
{
    (void)state;
    struct gen *g = malloc(sizeof *g);
    assert_non_null(g);
    /* the test means something: mDNS events, host names learnt from them */
    static const struct ed_least least[] = {{"\"event_type\":\"mdns\"", 2500},
                                            {"\"event_type\":\"device\"", 100},
                                            {"\"hostnames\":[\"", 500},
                                            {"\"hostnames\":[\"MacBook-Pro", 10},
                                            {"\"\xe3\x81\x82-pc\"", 10}};
    const struct ed_pair_test t = {.tag = "eve-mdns",
                                   .ini = INI,
                                   .feed = FEED,
                                   .count = 3000,
                                   .step = 1.3,
                                   .exchange = exchange,
                                   .arg = g,
                                   .min_direct = 2500,
                                   .least = least,
                                   .nleast = sizeof least / sizeof least[0]};
    rng = 31;
    ed_pair_test(&t);
    free(g);
}

/* The real captures beside the project, each through both sensors. */
static void test_shared_captures(void **state)
{
    (void)state;
    ed_shared_captures("eve-mdns", INI, FEED);
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
