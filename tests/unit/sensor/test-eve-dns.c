/* SPDX-License-Identifier: Apache-2.0
 * DNS events without a jansson object (eve-dns.c) against the JSON path
 * they replace (decode-dns.c's "dns" object), byte for byte:
 *   - the line: random and crafted messages go through the real decoder,
 *     over UDP and over TCP (length-prefixed, several to a segment); for
 *     each message the direct line (the typed event written into one EVE
 *     writer) must equal the line the writer makes of the decoder's JSON
 *     event (into another), the parse result must be the same, and the
 *     facts must say what the JSON path's facts say. Messages carry every
 *     header flag and rcode, compressed and escaped names (control bytes,
 *     quotes, backslashes, UTF-8 right and broken, names near 255 bytes),
 *     each RR type the parser formats plus unknown ones, right and wrong
 *     rdata lengths, long TXT strings past the text cut, more questions
 *     and records than are logged, grouped answers of many types, and
 *     messages cut short at random;
 *   - the sensor: two sensors given the same DNS traffic (listed and
 *     generated-looking names, NXDOMAIN runs, random messages, TCP DNS),
 *     one taking the direct path and one kept on the JSON path, must write
 *     the same EVE file, intel and suspicious-dns alerts among the lines;
 *     and so for every capture in $MAMORI_SHARED_DIR/pcaps (skipped
 *     without it). */
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
#include "sensor/decode/app-util.h"
#include "sensor/eve-app.h"
#include "sensor/eve-dns.h"
#include "sensor/flow.h"
#include "sensor/intel/intel.h"
#include "sensor/sensor-int.h"
#define TEST_DNS_GEN_CAP 16384 /* the random messages' buffer (bytes) */
#include "test-dns-gen.h"
#include "test-eve-direct.h"

extern const struct mm_app_decoder mm_app_dns_udp, mm_app_dns_tcp;

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
    return test_xorshift(&rng) % n;
}

/* ---- random messages ------------------------------------------------------------ */

/* A label byte: mostly host-name letters, sometimes upper case, dots,
 * spaces, quotes, backslashes, control bytes, DEL, UTF-8 (right and
 * broken) or any byte. */
static bool plain_only; /* labels of host-name letters only: lines formed in place */

static void label_byte(struct gen *g, unsigned len_left)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned k = (unsigned)rnd(42);
    if (plain_only || k < 30)
        put8(g, (uint8_t)plain[rnd(sizeof plain - 1)]);
    else if (k < 32)
        put8(g, 'A' + (unsigned)rnd(26));
    else if (k < 34)
        put8(g, (uint8_t) ".  \\\"\x7f/"[rnd(7)]);
    else if (k < 36 && len_left >= 2) {
        put8(g, 0xC3); /* é */
        put8(g, 0xA9);
    } else if (k < 38)
        put8(g, (unsigned)rnd(0x20));
    else
        put8(g, (unsigned)rnd(256));
}

/* A name: 0-5 labels (now and then many long ones, near or past the
 * 255-byte limit), then the root or a pointer to an earlier name. */
static void gen_name(struct gen *g)
{
    size_t start = g->n;
    bool longname = rnd(30) == 0;
    unsigned labels = longname ? 3 + (unsigned)rnd(3) : (unsigned)rnd(6);
    for (unsigned i = 0; i < labels; i++) {
        unsigned len = longname      ? 50 + (unsigned)rnd(14)
                       : rnd(8) == 0 ? 1 + (unsigned)rnd(63)
                                     : 1 + (unsigned)rnd(12);
        put8(g, len);
        for (unsigned j = 0; j < len; j++)
            label_byte(g, len - j);
    }
    if (g->nnames && rnd(2)) {
        size_t to = g->names[rnd(g->nnames)];
        put16(g, 0xC000 | (unsigned)(rnd(20) == 0 ? rnd(0x4000) : to));
    } else {
        put8(g, 0);
    }
    if (g->nnames < 32)
        g->names[g->nnames++] = start;
}

static const uint16_t types[] = {1,  28, 2,  5,  6,   12, 15,  16,   33,
                                 39, 41, 13, 99, 257, 65, 300, 65535};

static void gen_txt(struct gen *g)
{
    bool big = rnd(10) == 0;
    for (unsigned s = 0, n = big ? 1 + (unsigned)rnd(8) : (unsigned)rnd(4); s < n; s++) {
        unsigned l = big ? 200 + (unsigned)rnd(56) : (unsigned)rnd(20);
        put8(g, l);
        for (unsigned i = 0; i < l; i++)
            if (big && rnd(2))
                put8(g, (unsigned)rnd(256));
            else
                label_byte(g, l - i);
    }
}

/* The rdata of type (mostly well formed, sometimes of a random length). */
static void gen_rdata(struct gen *g, uint16_t type)
{
    size_t len_at = g->n;
    put16(g, 0);
    size_t start = g->n;
    if (rnd(10) == 0) {
        for (unsigned i = 0, n = (unsigned)rnd(24); i < n; i++)
            put8(g, (unsigned)rnd(256));
    } else if (type == 1 || type == 28) {
        for (unsigned i = 0, n = type == 1 ? 4 : 16; i < n; i++)
            put8(g, rnd(3) == 0 ? 0 : (unsigned)rnd(256));
    } else if (type == 15 || type == 33) {
        for (unsigned i = 0, n = type == 15 ? 2 : 6; i < n; i++)
            put8(g, (unsigned)rnd(256));
        gen_name(g);
    } else if (type == 6) {
        gen_name(g);
        gen_name(g);
        for (int i = 0; i < 5; i++)
            put32(g, (uint32_t)test_xorshift(&rng));
    } else if (type == 16) {
        gen_txt(g);
    } else if (type == 2 || type == 5 || type == 12 || type == 39) {
        gen_name(g);
    } else {
        for (unsigned i = 0, n = (unsigned)rnd(8); i < n; i++)
            put8(g, (unsigned)rnd(256));
    }
    size_t len = g->n - start;
    if (rnd(25) == 0)
        len += rnd(5); /* a length past the data */
    if (len_at + 1 < sizeof g->b) {
        g->b[len_at] = (uint8_t)(len >> 8);
        g->b[len_at + 1] = (uint8_t)len;
    }
}

/* A message at random; now and then with more questions or answers than
 * are logged (16, 128). */
static void gen_message(struct gen *g)
{
    unsigned counts[4] = {(unsigned)rnd(3), (unsigned)rnd(6), (unsigned)rnd(3), (unsigned)rnd(3)};
    if (rnd(40) == 0)
        counts[0] = 14 + (unsigned)rnd(6);
    if (rnd(40) == 0)
        counts[1] = 125 + (unsigned)rnd(10);
    memset(g, 0, sizeof *g);
    put16(g, (unsigned)rnd(65536));
    put16(g, rnd(2) ? (unsigned)rnd(65536) : ((unsigned)rnd(65536) & 0x8F0F));
    for (int i = 0; i < 4; i++)
        put16(g, rnd(30) == 0 ? (unsigned)rnd(200) : counts[i]);
    for (unsigned i = 0; i < counts[0]; i++) {
        gen_name(g);
        put16(g, types[rnd(sizeof types / sizeof types[0])]);
        put16(g, 1);
    }
    for (unsigned s = 1; s < 4; s++)
        for (unsigned i = 0; i < counts[s]; i++) {
            uint16_t type = types[rnd(sizeof types / sizeof types[0])];
            gen_name(g);
            put16(g, type);
            put16(g, 1);
            put32(g, (uint32_t)test_xorshift(&rng));
            gen_rdata(g, type);
        }
}

/* A response whose answers have rdata of many types in runs and mixed:
 * more distinct types than decode-dns.c's grouped table holds. */
static void gen_grouped(struct gen *g)
{
    static const uint16_t order[] = {1, 28, 2, 5, 12, 15, 16, 33, 39, 300, 6, 1, 39, 16, 5, 28, 33};
    size_t n = sizeof order / sizeof order[0];
    memset(g, 0, sizeof *g);
    put16(g, 0x4242);
    put16(g, 0x8180);
    put16(g, 0);
    put16(g, (unsigned)n);
    put16(g, 0);
    put16(g, 0);
    for (size_t i = 0; i < n; i++) {
        uint16_t type = rnd(2) ? order[rnd(n)] : order[i];
        put8(g, 1);
        put8(g, 'a' + (unsigned)i % 26);
        put8(g, 0);
        put16(g, type);
        put16(g, 1);
        put32(g, 60);
        gen_rdata(g, type);
    }
}

/* ---- the line: direct against JSON, one message at a time ------------------------- */

struct line_run {
    struct ed_line_files files;
    struct mm__dns_facts facts; /* the direct path's, texts into its arena */
    bool facts_set;
    int direct_result;
    unsigned lines, direct_lines;
};

static struct line_run *line_run;

/* The decoder's direct hook: writes the direct line and notes its facts
 * and result, then declines, so the decoder emits the JSON event too. */
static bool write_direct(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len, int *result)
{
    struct mm__dns_event *e = mm__dns_event_get();
    (void)result;
    if (len < 12)
        return false;
    line_run->direct_result = mm__dns_event_fill(e, ctx, msg, len);
    assert_int_not_equal(line_run->direct_result, MM_ENOMEM);
    memset(&line_run->facts, 0, sizeof line_run->facts);
    mm__dns_event_facts(e, &line_run->facts);
    line_run->facts_set = true;
    int r = mm__dns_line_write(line_run->files.direct_out, e);
    assert_true(r == 0 || r == MM_EINVAL); /* text that is not UTF-8 fails both */
    line_run->direct_lines += r == 0;
    return false;
}

static void expect_same_facts(const struct mm__dns_facts *d, const struct mm__dns_facts *j)
{
    assert_int_equal(d->response, j->response);
    assert_int_equal(d->rcode, j->rcode);
    assert_int_equal(d->nqueries, j->nqueries);
    for (unsigned i = 0; i < d->nqueries; i++) {
        assert_int_equal(d->qlen[i], j->qlen[i]);
        assert_memory_equal(d->qname[i], j->qname[i], d->qlen[i]);
        assert_int_equal(d->qname[i][d->qlen[i]], '\0');
    }
    assert_int_equal(d->naddrs, j->naddrs);
    for (unsigned i = 0; i < d->naddrs; i++) {
        assert_memory_equal(&d->addrs[i].addr, &j->addrs[i].addr, sizeof d->addrs[i].addr);
        assert_string_equal(d->addrs[i].rrname, j->addrs[i].rrname);
    }
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    const struct mm__dns_facts *df = mm__dns_facts_of(json_object_get(ev, "dns"));
    assert_non_null(df);
    assert_true(line_run->facts_set);
    expect_same_facts(&line_run->facts, df);
    line_run->facts_set = false;
    int r = mm_eve_out_write(line_run->files.json_out, ev);
    assert_true(r == 0 || r == MM_EINVAL);
    line_run->lines += r == 0;
    json_decref(ev);
}

/* One message (or, over TCP, a chunk of length-prefixed messages) through
 * the decoder, both ways; the parse results must agree. */
static void run_chunk(const uint8_t *data, size_t n, bool tcp)
{
    struct mm_packet p;
    struct mm_flow f;
    bool with_flow;
    void *state = NULL;
    ed_random_context(&rng, &p, &f, &with_flow, tcp ? IPPROTO_TCP : IPPROTO_UDP, 53);
    struct mm_app_ctx ctx = {
        .sensor = (struct mm_sensor *)&f, /* any non-NULL pointer: the hook is asked */
        .pkt = &p,
        .flow = with_flow ? &f : NULL,
        .state = &state,
        .emit = on_json,
    };
    line_run->direct_result = 1;
    long r = (tcp ? mm_app_dns_tcp : mm_app_dns_udp).parse(&ctx, data, n);
    if (!tcp && n >= 12)
        assert_int_equal(r, line_run->direct_result);
    assert_false(line_run->facts_set); /* every direct line had its JSON event */
}

/* A TCP chunk of one to three length-prefixed messages, the last perhaps
 * cut (the decoder waits for the rest). */
static size_t tcp_chunk(uint8_t *out, size_t cap, struct gen *g)
{
    size_t o = 0;
    for (unsigned k = 0, n = 1 + (unsigned)rnd(3); k < n; k++) {
        gen_message(g);
        if (o + 2 + g->n > cap)
            break;
        out[o] = (uint8_t)(g->n >> 8);
        out[o + 1] = (uint8_t)g->n;
        memcpy(out + o + 2, g->b, g->n);
        o += 2 + g->n;
    }
    return rnd(10) == 0 && o > 3 ? o - 1 - rnd(o / 2) : o;
}

static void test_line_equals_json(void **state)
{
    (void)state;
    struct line_run run = {0};
    line_run = &run;
    ed_line_files_open(&run.files, "eve-dns");
    bool (*app_direct)(struct mm_app_ctx *, const char *, json_t *, int64_t) = mm__app_direct;
    mm__app_direct = NULL;
    mm__dns_direct = write_direct;
    struct gen *g = malloc(sizeof *g);
    static uint8_t chunk[3 * sizeof g->b];
    assert_non_null(g);
    rng = 0x9e3779b97f4a7c15ULL;
    for (unsigned i = 0; i < 8000; i++) {
        unsigned kind = (unsigned)rnd(20);
        plain_only = rnd(2); /* half the lines plain: formed in place (eve-line.h) */
        if (kind == 0) {
            run_chunk(chunk, tcp_chunk(chunk, sizeof chunk, g), true);
            continue;
        }
        if (kind == 1)
            gen_grouped(g);
        else
            gen_message(g);
        size_t n = rnd(12) == 0 ? rnd(g->n + 1) : g->n; /* some cut short */
        memcpy(chunk, g->b, n);                         /* exact end: ASan sees over-reads */
        run_chunk(chunk, n, false);
    }
    free(g);
    mm__dns_direct = NULL;
    mm__app_direct = app_direct;
    mm__dns_event_release();
    size_t n, lines = ed_line_files_close_expect_same(&run.files);
    assert_int_equal(lines, run.lines);
    assert_int_equal(lines, run.direct_lines);
    print_message("%zu lines alike\n", lines);
    assert_true(lines > 7000);
    /* the test means something: every form of the event among the lines */
    char *text = ed_read_file(run.files.json, &n);
    static const char *const forms[] = {"\"soa\":{\"mname\"",
                                        "\"srv\":{\"priority\"",
                                        "\"grouped\":{",
                                        "\"authorities\":[",
                                        "\"rcode\":\"NXDOMAIN\"",
                                        "\"rcode\":\"15\"",
                                        "\"z\":true",
                                        "\"rrtype\":\"65535\"",
                                        "\\\\x",

                                        "\\\"",
                                        "\u00e9",
                                        "\"proto\":\"TCP\"",
                                        "\"rrtype\":\"TXT\",\"ttl\""};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        size_t k = ed_count_of(text, forms[i]);
        print_message("%-24s %zu\n", forms[i], k);
        assert_true(k > 10);
    }
    free(text);
    ed_line_files_remove(&run.files);
}

/* ---- two sensors: direct and JSON ---------------------------------------------------- */

#define FEED                                                                                       \
    "evil.example\n"                                                                               \
    "203.0.113.66\n"

/* A DNS name at random: listed, generated-looking, tunnel-like, plain. */
static void gen_dns_name(char *out, size_t cap)
{
    static const char *const names[] = {"evil.example", "www.ok.example", "a.evil.example",
                                        "mail.example.co.jp"};
    unsigned k = (unsigned)rnd(4);
    if (k == 0) {
        size_t n = 8 + rnd(20);
        for (size_t i = 0; i < n; i++)
            out[i] = (char)('a' + rnd(26));
        snprintf(out + n, cap - n, rnd(2) ? ".com" : ".example");
    } else if (k == 1 && rnd(3) == 0) {
        size_t n = 40 + rnd(20);
        for (size_t i = 0; i < n; i++)
            out[i] = "0123456789abcdef"[rnd(16)];
        snprintf(out + n, cap - n, ".t.example");
    } else {
        snprintf(out, cap, "%s", names[rnd(sizeof names / sizeof names[0])]);
    }
}

/* A query or its answer (addresses, a CNAME chain, or NXDOMAIN) for name. */
static size_t gen_dns(uint8_t *out, const char *name, bool response)
{
    bool nx = rnd(3) == 0;
    unsigned answers = response && !nx ? 1 + (unsigned)rnd(3) : 0;
    uint16_t id = (uint16_t)rnd(65536);
    uint8_t head[12] = {(uint8_t)(id >> 8),
                        (uint8_t)id,
                        response ? 0x81 : 0x01,
                        response ? (nx ? 0x83 : 0x80) : 0x00,
                        0,
                        1,
                        0,
                        (uint8_t)answers,
                        0,
                        0,
                        0,
                        0};
    memcpy(out, head, 12);
    size_t o = 12;
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
    for (unsigned i = 0; i < answers; i++) {
        bool v6 = rnd(4) == 0;
        uint8_t an[12] = {0xc0, 0x0c, 0, v6 ? 28 : 1, 0, 1, 0, 0, 0, 60, 0, v6 ? 16 : 4};
        memcpy(out + o, an, sizeof an);
        o += sizeof an;
        uint8_t v4[4] = {203, 0, 113, (uint8_t)(rnd(2) ? 66 : rnd(256))};
        for (int k = 0; k < (v6 ? 16 : 4); k++)
            out[o++] = v6 ? (uint8_t)(k < 2 ? 0x20 : rnd(2) ? 0 : rnd(256)) : v4[k];
    }
    return o;
}

/* The DNS server: the home resolver two times in three. */
static const struct ed_server server = {"2001:db8:ffff::53", "192.168.1.1", "192.0.2.53", 53};

/* One exchange between a client and a DNS server: a query and its answer
 * over UDP, a random message, or a few length-prefixed messages over TCP. */
static void exchange(struct ed_sensor_run *runs, double t, void *arg)
{
    struct gen *g = arg;
    struct ed_endpoint c, srv;
    bool v6 = rnd(4) == 0;
    char name[128];
    uint8_t q[600], a[600];
    static uint8_t chunk[3 * sizeof g->b];
    ed_random_endpoint(&rng, &c, NULL, v6);
    ed_random_endpoint(&rng, &srv, &server, v6);
    unsigned kind = (unsigned)rnd(10);
    gen_dns_name(name, sizeof name);
    size_t n = gen_dns(q, name, false), rn = gen_dns(a, name, true), cn = 0;
    if (kind == 8)
        gen_message(g);
    else if (kind == 9)
        cn = tcp_chunk(chunk, 1400, g);
    for (int k = 0; k < 2; k++) {
        struct mm_sensor *s = runs[k].s;
        if (kind == 8) {
            ed_send_datagram(s, &c, &srv, t, g->b, g->n < 1400 ? g->n : 1400);
        } else if (kind == 9) {
            ed_send_segment(s, &c, &srv, 1000, 0, t, chunk, cn);
        } else {
            ed_send_datagram(s, &c, &srv, t, q, n);
            ed_send_datagram(s, &srv, &c, t + 0.05, a, rn);
        }
    }
}

/* The detectors set to alert on every hit. */
#define INI                                                                                        \
    "[detect.intel]\nsuppress_seconds = 0\n"                                                       \
    "[detect.suspicious-dns]\nsuppress_seconds = 0\nclients = any\nnxdomain = 2\n"

static void test_sensor_direct_equals_json(void **state)
{
    (void)state;
    struct gen *g = malloc(sizeof *g);
    assert_non_null(g);
    /* the test means something: DNS events over UDP and TCP, alerts */
    static const struct ed_least least[] = {{"\"event_type\":\"dns\"", 3000},
                                            {"\"proto\":\"TCP\",\"community_id\"", 0},
                                            {"\"grouped\":", 500},
                                            {"\"detector\":\"suspicious-dns\"", 20},
                                            {"\"detector\":\"intel\"", 50}};
    const struct ed_pair_test t = {.tag = "eve-dns",
                                   .ini = INI,
                                   .feed = FEED,
                                   .count = 2000,
                                   .step = 0.7,
                                   .exchange = exchange,
                                   .arg = g,
                                   .min_direct = 3000,
                                   .least = least,
                                   .nleast = sizeof least / sizeof least[0]};
    rng = 91;
    ed_pair_test(&t);
    free(g);
}

/* The real captures beside the project, each through both sensors. */
static void test_shared_captures(void **state)
{
    (void)state;
    ed_shared_captures("eve-dns", INI, FEED);
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
