/* SPDX-License-Identifier: Apache-2.0
 * TLS events without a jansson object (eve-tls.c, the typed record of
 * tls-hello.h) against the JSON path they replace (decode-tls.c's "tls"
 * object, made from the same record), byte for byte:
 *   - the line: random and crafted handshakes go through the real decoder
 *     (ClientHellos of TLS 1.0-1.3 with GREASE, shuffled extensions, odd
 *     server-name bytes, long ALPN lists of any bytes, no extensions, cut
 *     hellos; server flights of TLS 1.3, TLS 1.2 with one to three
 *     certificates with odd subjects and validity dates, damaged or
 *     missing, ChangeCipherSpec; records split small, bytes flipped at
 *     random, flights cut short); for each event the direct line (the
 *     typed record written into one EVE writer) must equal the line the
 *     writer makes of the decoder's JSON event (into another), and the
 *     record's facts must say what the JSON path's facts say;
 *   - the sensor: two sensors given the same TLS connections, one taking
 *     the direct path and one kept on the JSON path, must write the same
 *     EVE file, intel alerts on SNI, JA3, JA4 and certificate among the
 *     lines; and so for every capture in $MAMORI_SHARED_DIR/pcaps
 *     (skipped without it).
 * The ClientHello generator is test-tls-gen.h's (shared with
 * test-detect-tls-facts.c), made rougher here: odd server names and long
 * random ALPN lists; the certificate and server flight generators are
 * this file's own. */
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
#include "sensor/decode/app-util.h"
#include "sensor/decode/tls-facts.h"
#include "sensor/decode/tls-hello.h"
#include "sensor/decode/x509.h"
#include "sensor/eve-app.h"
#include "sensor/eve-tls.h"
#include "sensor/flow.h"
#include "sensor/sensor-int.h"
#include "test-eve-direct.h"

extern const struct mm_app_decoder mm_app_tls;

static uint64_t rng_state;

static uint32_t rnd(void)
{
    return (uint32_t)(test_xorshift(&rng_state) >> 32);
}

#define TLS_GEN_ODD_NAMES                                                                          \
    "q\"uote\\back.c2.example", "tab\tand\x7f.example", "\xe3\x81\x82.example.jp",                 \
        "cut\xc3.example",
#define TLS_GEN_ALPN_KINDS 5
#include "test-tls-gen.h"

/* The validity dates: damage 0 the usual pair; else at random
 * GeneralizedTime, years around the UTCTime pivot, dates cut short or
 * with offsets, month 13. */
static void put_validity(struct msg *tbs, unsigned damage)
{
    static const char *const odd[] = {"491231235959Z",
                                      "500101000000Z",
                                      "2601010000Z",
                                      "260101000000+0900",
                                      "261332000000Z",
                                      "99991231235959Z",
                                      "19500101000000Z",
                                      "20260229120000Z",
                                      "260101000000",
                                      "2a0101000000Z",
                                      "",
                                      "271301000000Z"};
    struct msg validity = {.n = 0};
    const char *a = "260101000000Z", *b = damage == 1 ? "271301000000Z" : "270101000000Z";
    if (damage > 1) {
        a = odd[rnd() % 12];
        b = odd[rnd() % 12];
    }
    der_bytes(&validity, strlen(a) == 15 || strlen(a) == 17 ? 0x18 : 0x17, a, strlen(a));
    der_bytes(&validity, strlen(b) == 15 ? 0x18 : 0x17, b, strlen(b));
    der(tbs, 0x30, &validity);
}

/* A certificate: serial (its fingerprint) and subject from small pools
 * (damage > 1: odd subjects and dates too); damage 1 makes notAfter's
 * month 13 (a parse error after the names). */
static void gen_certificate(struct msg *m, unsigned serial, unsigned damage)
{
    static const uint8_t alg[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                  0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
    static const char *const cns[] = {"www.example.jp",      "c2.example",
                                      "mail.example.com",    "q\"uote\\d.example",
                                      "ctl\x01\x1f.example", "\xe6\x97\xa5\xe6\x9c\xac.jp",
                                      "broken\xc3.example",  "\xff\xfe"};
    struct msg tbs = {.n = 0}, cert = {.n = 0}, v = {.n = 0}, spki = {.n = 0}, algs = {.n = 0};
    uint8_t two = 2, sn[3] = {0x0a, 0x1b, (uint8_t)serial};
    der_bytes(&v, 0x02, &two, 1);
    der(&tbs, 0xa0, &v);
    der_bytes(&tbs, 0x02, sn, sizeof sn);
    der_bytes(&tbs, 0x30, alg, sizeof alg);
    put_name(&tbs, "Example Root");
    put_validity(&tbs, damage);
    const char *cn = cns[damage > 1 ? rnd() % 8 : serial % 3];
    put_name(&tbs, cn);
    der_bytes(&algs, 0x30, alg, sizeof alg);
    put_bytes(&spki, algs.b, algs.n);
    der_bytes(&spki, 0x03, "\x00\x01\x02\x03", 4);
    der(&tbs, 0x30, &spki);
    put_san(&tbs, cn);
    der(&cert, 0x30, &tbs);
    der_bytes(&cert, 0x30, alg, sizeof alg);
    der_bytes(&cert, 0x03, "\x00\x05\x06", 3);
    der(m, 0x30, &cert);
}

/* ---- server flights ------------------------------------------------------------- */

static void gen_server_hello(struct msg *m, bool tls13, unsigned alpn)
{
    static const unsigned versions[] = {0x0303, 0x0303, 0x0301, 0x0302, 0x0300, 0x7f1c};
    put8(m, 2);
    size_t at = open_len(m, 3);
    put16(m, tls13 ? 0x0303 : versions[rnd() % 6]);
    for (int i = 0; i < 32; i++)
        put8(m, rnd());
    put8(m, 0);
    put16(m, tls13 ? 0x1301 : 0xc02f);
    put8(m, 0);
    size_t ext = open_len(m, 2);
    put16(m, 65281);
    put16(m, 1);
    put8(m, 0);
    if (tls13) {
        put16(m, 43);
        put16(m, 2);
        put16(m, 0x0304);
    }
    if (alpn == 1) {
        put16(m, 16);
        put16(m, 5);
        put16(m, 3);
        put8(m, 2);
        put_bytes(m, "h2", 2);
    } else if (alpn == 2) {
        put16(m, 16);
        size_t e = open_len(m, 2), l = open_len(m, 2);
        put_random_alpns(m);
        close_len(m, l, 2);
        close_len(m, e, 2);
    }
    close_len(m, ext, 2);
    close_len(m, at, 3);
}

/* A Certificate message holding count certificates (none when serial is
 * negative), then ServerHelloDone. */
static void gen_certificate_message(struct msg *m, int serial, unsigned damage, unsigned count)
{
    put8(m, 11);
    size_t at = open_len(m, 3), list = open_len(m, 3);
    for (unsigned k = 0; serial >= 0 && k < count; k++) {
        size_t c = open_len(m, 3);
        gen_certificate(m, (unsigned)serial + k, k ? 0 : damage);
        close_len(m, c, 3);
    }
    close_len(m, list, 3);
    close_len(m, at, 3);
    put8(m, 14);
    put8(m, 0);
    put16(m, 0);
}

/* Handshake bytes as TLS records of at most max bytes each. */
static void put_records(struct msg *out, const struct msg *hs, size_t max)
{
    for (size_t off = 0; off < hs->n;) {
        size_t n = hs->n - off < max ? hs->n - off : max;
        put8(out, 22);
        put16(out, 0x0303);
        put16(out, (unsigned)n);
        put_bytes(out, hs->b + off, n);
        off += n;
    }
}

/* ---- the listed fingerprints ----------------------------------------------------- */

/* The feed: names, then fingerprints of hellos and certificates the
 * generators make (every third hello's JA3, every hello's JA4 (random
 * ALPN names make JA4s rarer), two serials' certificates). */

/* ---- the line against the JSON ---------------------------------------------------- */

struct line_run {
    struct ed_line_files files;
    char facts[4][1200]; /* the direct path's sni, ja3 hash, ja4, fingerprint ("" none) */
    bool has[4];
    size_t sni_len;
    bool facts_set;
    unsigned lines, direct_lines, certs, clients;
};

static struct line_run *line_run;

static void note_fact(int i, const char *s)
{
    line_run->has[i] = s != NULL;
    snprintf(line_run->facts[i], sizeof line_run->facts[i], "%s", s ? s : "");
}

/* The decoder's direct hook: writes the direct line and notes its facts,
 * then declines, so the decoder emits the JSON event too. */
static bool write_direct(struct mm_app_ctx *ctx, const struct mm__tls_part *p)
{
    struct mm__tls_facts f;
    struct mm_eve_header h;
    memset(&f, 0, sizeof f);
    mm__tls_part_facts(p, &f);
    note_fact(0, f.sni);
    note_fact(1, f.ja3_hash);
    note_fact(2, f.ja4);
    note_fact(3, f.fingerprint);
    line_run->sni_len = f.sni_len;
    line_run->facts_set = true;
    line_run->certs += p->has_cert;
    line_run->clients += !p->server;
    mm_app_header(ctx, "tls", &h);
    int r = mm__tls_line_write(line_run->files.direct_out, &h, p);
    assert_true(r == 0 || r == MM_EINVAL); /* text that is not UTF-8 fails both */
    line_run->direct_lines += r == 0;
    return false;
}

static void expect_fact(int i, const char *s)
{
    assert_int_equal(line_run->has[i], s != NULL);
    if (s)
        assert_string_equal(line_run->facts[i], s);
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    const struct mm__tls_facts *f = mm__tls_facts_of(json_object_get(ev, "tls"));
    assert_non_null(f);
    assert_true(line_run->facts_set);
    expect_fact(0, f->sni);
    expect_fact(1, f->ja3_hash);
    expect_fact(2, f->ja4);
    expect_fact(3, f->fingerprint);
    if (f->sni)
        assert_int_equal(line_run->sni_len, f->sni_len);
    line_run->facts_set = false;
    int r = mm_eve_out_write(line_run->files.json_out, ev);
    assert_true(r == 0 || r == MM_EINVAL);
    line_run->lines += r == 0;
    json_decref(ev);
}

/* One direction's bytes as the pipeline presents them: appended, parsed,
 * the unconsumed rest presented again with the next run. */
struct stream {
    uint8_t buf[2][65536];
    size_t len[2];
    bool over[2];
};

static void stream_feed(struct stream *st, struct mm_app_ctx *ctx, int dir, const uint8_t *p,
                        size_t n)
{
    if (st->over[dir] || st->len[dir] + n > sizeof st->buf[dir])
        return;
    memcpy(st->buf[dir] + st->len[dir], p, n);
    st->len[dir] += n;
    ctx->dir = dir;
    uint8_t *exact = malloc(st->len[dir] ? st->len[dir] : 1); /* ASan sees over-reads */
    assert_non_null(exact);
    memcpy(exact, st->buf[dir], st->len[dir]);
    long r = mm_app_tls.parse(ctx, exact, st->len[dir]);
    free(exact);
    assert_false(line_run->facts_set); /* every direct line had its JSON event */
    if (r < 0) {
        st->over[dir] = true;
        return;
    }
    assert_true((size_t)r <= st->len[dir]);
    memmove(st->buf[dir], st->buf[dir] + r, st->len[dir] - (size_t)r);
    st->len[dir] -= (size_t)r;
}

/* Feeds m whole or in runs of 1-64 bytes. */
static void feed(struct stream *st, struct mm_app_ctx *ctx, int dir, const struct msg *m)
{
    size_t step = rnd() % 4 == 0 ? 1 + rnd() % 64 : m->n;
    for (size_t off = 0; off < m->n; off += step)
        stream_feed(st, ctx, dir, m->b + off, m->n - off < step ? m->n - off : step);
}

/* Flips a byte now and then, or cuts the bytes short. */
static void roughen(struct msg *m)
{
    unsigned k = rnd() % 12;
    if (k == 0 && m->n > 0)
        m->b[rnd() % m->n] ^= (uint8_t)(1 + rnd() % 255);
    else if (k == 1 && m->n > 0)
        m->n = rnd() % m->n;
}

/* The client's records: a hello (whole, split in small records). */
static void client_flight(struct msg *rec)
{
    struct hello_plan p;
    struct msg *hs = calloc(1, sizeof *hs);
    assert_non_null(hs);
    plan_hello(&p);
    gen_client_hello(hs, &p);
    put_records(rec, hs, rnd() % 4 ? 16384 : 1 + rnd() % 200);
    free(hs);
}

/* The server's records: a ServerHello, then perhaps certificates or a
 * ChangeCipherSpec. */
static void server_flight(struct msg *rec, unsigned flight)
{
    struct msg *hs = calloc(1, sizeof *hs);
    assert_non_null(hs);
    gen_server_hello(hs, flight == 0, rnd() % 3);
    if (flight >= 2)
        gen_certificate_message(hs, flight == 4 && rnd() % 4 == 0 ? -1 : (int)(rnd() % 6),
                                rnd() % 3 ? 0 : 1 + rnd() % 3, 1 + rnd() % 3);
    put_records(rec, hs, rnd() % 4 ? 16384 : 1 + rnd() % 300);
    if (flight == 1) { /* ChangeCipherSpec ends the server part */
        static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
        put_bytes(rec, ccs, sizeof ccs);
    }
    free(hs);
}

static void one_connection(struct msg *rec)
{
    struct mm_packet pk;
    struct mm_flow f;
    bool with_flow;
    void *state = NULL;
    static struct stream st;
    memset(st.len, 0, sizeof st.len);
    memset(st.over, 0, sizeof st.over);
    ed_random_context(&rng_state, &pk, &f, &with_flow, IPPROTO_TCP, ED_ANY_PORT);
    struct mm_app_ctx ctx = {
        .sensor = (struct mm_sensor *)&f, /* any non-NULL pointer: the hook is asked */
        .pkt = &pk,
        .flow = with_flow ? &f : NULL,
        .state = &state,
        .emit = on_json,
    };
    rec->n = 0;
    client_flight(rec);
    roughen(rec);
    feed(&st, &ctx, 0, rec);
    rec->n = 0;
    server_flight(rec, rnd() % 5);
    roughen(rec);
    feed(&st, &ctx, 1, rec);
    mm_app_tls.state_free(state);
}

static void test_line_equals_json(void **state)
{
    (void)state;
    static struct line_run run;
    memset(&run, 0, sizeof run);
    line_run = &run;
    ed_line_files_open(&run.files, "eve-tls");
    bool (*app_direct)(struct mm_app_ctx *, const char *, json_t *, int64_t) = mm__app_direct;
    mm__app_direct = NULL;
    mm__tls_direct = write_direct;
    struct msg *rec = malloc(sizeof *rec);
    assert_non_null(rec);
    rng_state = 0x9e3779b97f4a7c15ULL;
    for (unsigned i = 0; i < 4000; i++)
        one_connection(rec);
    free(rec);
    mm__tls_direct = NULL;
    mm__app_direct = app_direct;
    size_t n, lines = ed_line_files_close_expect_same(&run.files);
    assert_int_equal(lines, run.lines);
    assert_int_equal(lines, run.direct_lines);
    print_message("%zu lines alike (%u client parts, %u with a certificate)\n", lines, run.clients,
                  run.certs);
    assert_true(lines > 6000);
    /* the test means something: every form of the event among the lines */
    char *text = ed_read_file(run.files.json, &n);
    static const char *const forms[] = {"\"tls\":{\"sni\":",
                                        "\"tls\":{\"ja3\":",
                                        "\"client_alpns\":[",
                                        "\"server_alpns\":[",
                                        "\"subjectaltname\":[",
                                        "\"notbefore\":",
                                        "\"version\":\"TLS 1.3\"",
                                        "\"version\":\"UNDETERMINED\"",
                                        "\"version\":\"SSLv3\"",
                                        "\\\\x",
                                        "\\\"",
                                        "\u00e9",
                                        "\"fingerprint\":",
                                        "\"ja3s\":{\"hash\":"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        size_t k = ed_count_of(text, forms[i]);
        print_message("%-28s %zu\n", forms[i], k);
        assert_true(k > 10);
    }
    free(text);
    ed_line_files_remove(&run.files);
}

/* ---- two sensors: direct and JSON ---------------------------------------------------- */

/* The feed: names, then fingerprints of hellos and certificates the
 * generators make (every third hello's JA3, every hello's JA4 (random
 * ALPN names make JA4s rarer), two serials' certificates). */
static char *make_feed(void)
{
    size_t cap = 16384, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n,
                          "type,value,family,reference\n"
                          "domain,c2.example,Somebot,\n"
                          "domain,evil.test,Somebot,\n");
    rng_state = 99;
    for (unsigned i = 0; i < 12; i++) {
        struct hello_plan p;
        struct msg *m = calloc(1, sizeof *m);
        json_t *o = NULL;
        assert_non_null(m);
        plan_hello(&p);
        p.cut = false;
        gen_client_hello(m, &p);
        assert_int_equal(mm__tls_client_hello_json(m->b + 4, m->n - 4, 't', &o), 0);
        const char *ja3 = json_string_value(json_object_get(json_object_get(o, "ja3"), "hash"));
        const char *ja4 = json_string_value(json_object_get(o, "ja4"));
        if (i % 3 == 0)
            n += (size_t)snprintf(text + n, cap - n, "ja3,%s,Somebot,\n", ja3);
        n += (size_t)snprintf(text + n, cap - n, "ja4,%s,Somebot,\n", ja4);
        json_decref(o);
        free(m);
    }
    for (unsigned serial = 0; serial < 2; serial++) {
        struct msg *m = calloc(1, sizeof *m);
        struct mm__x509 *x = malloc(sizeof *x);
        assert_non_null(m);
        assert_non_null(x);
        gen_certificate(m, serial, 0);
        assert_int_equal(mm__x509_parse(m->b, m->n, x), 0);
        char hex[41], *w = hex;
        for (const char *f = x->fingerprint; *f; f++)
            if (*f != ':')
                *w++ = *f;
        *w = '\0';
        n += (size_t)snprintf(text + n, cap - n, "sha1,%s,Somerat,\n", hex);
        free(x);
        free(m);
    }
    assert_true(n < cap);
    return text;
}

static void random_endpoint(struct ed_endpoint *e, bool client, bool v6)
{
    memset(e, 0, sizeof e->addr);
    e->addr.family = v6 ? 6 : 4;
    if (v6) {
        e->addr.bytes[0] = 0xfd;
        e->addr.bytes[15] = (uint8_t)(1 + rnd() % 200);
    } else {
        e->addr.bytes[0] = client ? 192 : 203;
        e->addr.bytes[1] = client ? 168 : 0;
        e->addr.bytes[2] = client ? 1 : 113;
        e->addr.bytes[3] = (uint8_t)(1 + rnd() % 200);
    }
    e->port = client ? (uint16_t)(1024 + rnd() % 60000) : (rnd() % 4 ? 443 : 8443);
    for (int i = 0; i < 6; i++)
        e->mac[i] = (uint8_t)(i == 0 ? 0x02 : rnd());
}

/* rec's bytes as segments of at most 1200 bytes from a to b. */
static void send_all(struct ed_sensor_run *runs, const struct ed_endpoint *a,
                     const struct ed_endpoint *b, uint32_t seq, double t, const struct msg *rec)
{
    for (size_t off = 0; off < rec->n; off += 1200) {
        size_t n = rec->n - off < 1200 ? rec->n - off : 1200;
        for (int k = 0; k < 2; k++)
            ed_send_segment(runs[k].s, a, b, seq + (uint32_t)off, 0, t, rec->b + off, n);
    }
}

static void exchange(struct ed_sensor_run *runs, double t, void *arg)
{
    struct msg *rec = arg;
    struct ed_endpoint c, srv;
    bool v6 = rnd() % 4 == 0;
    random_endpoint(&c, true, v6);
    random_endpoint(&srv, false, v6);
    rec->n = 0;
    client_flight(rec);
    if (rnd() % 20 == 0)
        roughen(rec);
    send_all(runs, &c, &srv, 1000, t, rec);
    rec->n = 0;
    server_flight(rec, rnd() % 5);
    if (rnd() % 20 == 0)
        roughen(rec);
    send_all(runs, &srv, &c, 7000, t + 0.05, rec);
}

#define INI "[detect.intel]\nsuppress_seconds = 0\n"

static void test_sensor_direct_equals_json(void **state)
{
    (void)state;
    char *feed_text = make_feed();
    struct msg *rec = malloc(sizeof *rec);
    assert_non_null(rec);
    /* the test means something: TLS events with certificates, each kind of alert */
    static const struct ed_least least[] = {
        {"\"event_type\":\"tls\"", 2500}, {"\"fingerprint\":", 300}, {"\"tls.sni\"", 10},
        {"\"tls.ja3.hash\"", 10},         {"\"tls.ja4\"", 10},       {"\"tls.fingerprint\"", 10}};
    const struct ed_pair_test t = {.tag = "eve-tls",
                                   .ini = INI,
                                   .feed = feed_text,
                                   .count = 1500,
                                   .step = 0.7,
                                   .exchange = exchange,
                                   .arg = rec,
                                   .min_direct = 2000,
                                   .least = least,
                                   .nleast = sizeof least / sizeof least[0]};
    rng_state = 7;
    ed_pair_test(&t);
    free(rec);
    free(feed_text);
}

/* The real captures beside the project, each through both sensors. */
static void test_shared_captures(void **state)
{
    (void)state;
    ed_shared_captures("eve-tls", INI, "type,value,family,reference\ndomain,c2.example,X,\n");
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
