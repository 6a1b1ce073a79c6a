/* SPDX-License-Identifier: Apache-2.0
 * The TLS decoder's facts (tls-facts.h) and their reader (the intel
 * detector's SNI, JA3, JA4 and certificate SHA-1 checks), against the JSON
 * they stand for. Random and crafted handshakes go through the real
 * decoder: ClientHellos (TLS 1.0-1.3, fixed and random cipher and
 * extension lists, GREASE, shuffled extensions, listed and unlisted server
 * names in any case, names holding bytes that are not text, overlong
 * names, ALPN or none, no extensions at all, hellos cut short), and server
 * flights (TLS 1.3 ServerHellos, TLS 1.2 ServerHellos with a certificate
 * that is listed or not, damaged, missing or empty, or a
 * ChangeCipherSpec instead), in one segment or byte runs, with or without
 * the event's src_ip:
 *   - while the decoder hands its event over, the facts must say what the
 *     event's JSON says (each member as the event's own string), and only
 *     for that event's "tls" object (not for a copy, not after the
 *     hand-over, not for the QUIC decoder's ClientHello object);
 *   - the detector given the event then (reading the facts) must raise the
 *     same alerts as a second one given the event's JSON text (reading the
 *     JSON, as for any other source of events).
 * The feed lists some of the generated fingerprints: they are taken from
 * hellos and certificates the same generators make first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../test-rand.h"
#include "app-test.h"
#include "sensor/decode/tls-facts.h"
#include "sensor/decode/tls-hello.h"
#include "sensor/decode/x509.h"
#include "test-detect-harness.h"

extern const struct mm_detector mm_detector_intel;

#define INTEL_INI   "[detect.intel]\nsuppress_seconds = 0\n"
#define CONNECTIONS 2500

static uint64_t rng_state;

static uint32_t rnd(void)
{
    return (uint32_t)(test_xorshift(&rng_state) >> 32);
}

#include "test-tls-gen.h"

/* A certificate: serial (its fingerprint) and subject from small pools;
 * damage 1 makes notAfter's month 13 (a parse error after the names). */
static void gen_certificate(struct msg *m, unsigned serial, unsigned damage)
{
    static const uint8_t alg[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                  0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
    static const char *const cns[] = {"www.example.jp", "c2.example", "mail.example.com"};
    struct msg tbs = {.n = 0}, cert = {.n = 0}, v = {.n = 0}, validity = {.n = 0}, spki = {.n = 0},
               algs = {.n = 0};
    uint8_t two = 2, sn[3] = {0x0a, 0x1b, (uint8_t)serial};
    der_bytes(&v, 0x02, &two, 1);
    der(&tbs, 0xa0, &v);
    der_bytes(&tbs, 0x02, sn, sizeof sn);
    der_bytes(&tbs, 0x30, alg, sizeof alg);
    put_name(&tbs, "Example Root");
    der_bytes(&validity, 0x17, "260101000000Z", 13);
    der_bytes(&validity, 0x17, damage == 1 ? "271301000000Z" : "270101000000Z", 13);
    der(&tbs, 0x30, &validity);
    const char *cn = cns[serial % 3];
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

static void gen_server_hello(struct msg *m, bool tls13, bool alpn)
{
    put8(m, 2);
    size_t at = open_len(m, 3);
    put16(m, 0x0303);
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
    if (alpn) {
        put16(m, 16);
        put16(m, 5);
        put16(m, 3);
        put8(m, 2);
        put_bytes(m, "h2", 2);
    }
    close_len(m, ext, 2);
    close_len(m, at, 3);
}

/* A Certificate message holding one certificate (or none when serial is
 * negative), then ServerHelloDone. */
static void gen_certificate_message(struct msg *m, int serial, unsigned damage)
{
    put8(m, 11);
    size_t at = open_len(m, 3), list = open_len(m, 3);
    if (serial >= 0) {
        size_t c = open_len(m, 3);
        gen_certificate(m, (unsigned)serial, damage);
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
 * generators make (every third hello's JA3, every fourth's JA4, two
 * serials' certificates). */
static char *make_feed(void)
{
    size_t cap = 16384, n = 0;
    char *feed = malloc(cap);
    assert_non_null(feed);
    n += (size_t)snprintf(feed + n, cap - n,
                          "type,value,family,reference\n"
                          "domain,c2.example,Somebot,\n"
                          "domain,evil.test,Somebot,\n");
    rng_state = 99;
    for (unsigned i = 0; i < 12; i++) {
        struct hello_plan p;
        struct msg m = {.n = 0};
        json_t *o = NULL;
        plan_hello(&p);
        p.cut = false;
        gen_client_hello(&m, &p);
        assert_int_equal(mm__tls_client_hello_json(m.b + 4, m.n - 4, 't', &o), 0);
        assert_null(mm__tls_facts_of(o)); /* QUIC's use: no facts */
        const char *ja3 = json_string_value(json_object_get(json_object_get(o, "ja3"), "hash"));
        const char *ja4 = json_string_value(json_object_get(o, "ja4"));
        if (i % 3 == 0)
            n += (size_t)snprintf(feed + n, cap - n, "ja3,%s,Somebot,\n", ja3);
        if (i % 4 == 0)
            n += (size_t)snprintf(feed + n, cap - n, "ja4,%s,Somebot,\n", ja4);
        json_decref(o);
    }
    for (unsigned serial = 0; serial < 2; serial++) {
        struct msg m = {.n = 0};
        struct mm__x509 *x = malloc(sizeof *x);
        assert_non_null(x);
        gen_certificate(&m, serial, 0);
        assert_int_equal(mm__x509_parse(m.b, m.n, x), 0);
        char hex[41], *w = hex;
        for (const char *f = x->fingerprint; *f; f++)
            if (*f != ':')
                *w++ = *f;
        *w = '\0';
        n += (size_t)snprintf(feed + n, cap - n, "sha1,%s,Somerat,\n", hex);
        free(x);
    }
    assert_true(n < cap);
    return feed;
}

/* ---- the facts against the JSON --------------------------------------------------- */

struct run {
    struct mm_sensor *fast, *ref;
    unsigned events, with_facts, no_src;
    json_t *handed; /* the last event's "tls" object, held to check it after */
};

static const char *member_text(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void expect_facts_match(const json_t *tls, const struct mm__tls_facts *tf)
{
    assert_ptr_equal(tf->tls, tls);
    assert_ptr_equal(tf->sni, member_text(tls, "sni"));
    if (tf->sni)
        assert_int_equal(tf->sni_len, strlen(tf->sni));
    assert_ptr_equal(tf->ja3_hash, member_text(json_object_get(tls, "ja3"), "hash"));
    assert_ptr_equal(tf->ja4, member_text(tls, "ja4"));
    assert_ptr_equal(tf->fingerprint, member_text(tls, "fingerprint"));
}

/* The decoder's emit: checks the facts, hands the event to the detector
 * reading them and its JSON text to the reference. */
static void on_emit(struct mm_app_ctx *ctx, json_t *ev)
{
    struct run *run = ctx->emit_arg;
    const json_t *tls = json_object_get(ev, "tls");
    const struct mm__tls_facts *tf = mm__tls_facts_of(tls);
    run->events++;
    if (tf) {
        run->with_facts++;
        expect_facts_match(tls, tf);
        json_t *copy = json_deep_copy(tls);
        assert_null(mm__tls_facts_of(copy)); /* only the event's own object */
        json_decref(copy);
    }
    if (rnd() % 16 == 0) { /* an event without its client's address */
        json_object_del(ev, "src_ip");
        run->no_src++;
    }
    char *text = json_dumps(ev, JSON_COMPACT);
    assert_non_null(text);
    th_direct_event(run->fast, ev, tls); /* prefetch_event, then on_event */
    th_event(run->ref, text);
    free(text);
    json_decref(run->handed);
    run->handed = json_incref((json_t *)tls);
    json_decref(ev);
}

/* Every alert the two detectors raised is the same but for its source. */
static void expect_all_alerts_same(const struct mm_sensor *fast, const struct mm_sensor *ref)
{
    size_t n = th_count_alerts(ref, 0);
    assert_int_equal(th_count_alerts(fast, 0), n);
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_deep_copy(json_array_get(fast->alerts, i));
        json_t *b = json_deep_copy(json_array_get(ref->alerts, i));
        json_object_del(json_object_get(json_object_get(a, "mamori"), "evidence"), "source");
        json_object_del(json_object_get(json_object_get(b, "mamori"), "evidence"), "source");
        assert_true(json_equal(a, b));
        json_decref(a);
        json_decref(b);
    }
}

/* Feeds bytes whole or in runs of 1-64 bytes. */
static void feed(struct app_run *ar, int dir, const struct msg *m, bool runs)
{
    size_t step = runs ? 1 + rnd() % 64 : m->n;
    for (size_t off = 0; off < m->n; off += step) {
        size_t n = m->n - off < step ? m->n - off : step;
        if (app_run_stream(ar, dir, m->b + off, n) < 0)
            return; /* a malformed hello: the direction is over */
    }
}

/* One connection: the client's hello, then the server's flight. */
static void connection(struct run *run, unsigned i)
{
    static const char *const clients[] = {"192.168.1.5", "10.9.8.7", "fd00::5"};
    const char *client = PICK(clients);
    const char *server = strchr(client, ':') ? "2001:db8::9" : "203.0.113.9";
    struct hello_plan p;
    struct msg hs = {.n = 0}, rec = {.n = 0};
    struct app_run ar;
    app_run_init(&ar, &mm_app_tls, 40000, 443);
    ar.pkt.ip_version = strchr(client, ':') ? 6 : 4;
    ar.ctx.emit = on_emit;
    ar.ctx.emit_arg = run;
    mm_addr_parse(client, &ar.pkt.src);
    mm_addr_parse(server, &ar.pkt.dst);
    plan_hello(&p);
    gen_client_hello(&hs, &p);
    put_records(&rec, &hs, rnd() % 4 ? 16384 : 100);
    feed(&ar, 0, &rec, rnd() % 4 == 0);
    unsigned flight = rnd() % 5;
    hs.n = rec.n = 0;
    gen_server_hello(&hs, flight == 0, rnd() % 2);
    if (flight >= 2) /* TLS 1.2: a certificate (listed, damaged, none) */
        gen_certificate_message(&hs, flight == 4 && rnd() % 2 ? -1 : (int)(rnd() % 6),
                                rnd() % 8 == 0);
    put_records(&rec, &hs, rnd() % 4 ? 16384 : 200);
    if (flight == 1) { /* ChangeCipherSpec ends the server part */
        static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
        put_bytes(&rec, ccs, sizeof ccs);
    }
    mm_addr_parse(server, &ar.pkt.src);
    mm_addr_parse(client, &ar.pkt.dst);
    ar.pkt.sport = 443;
    ar.pkt.dport = 40000;
    feed(&ar, 1, &rec, rnd() % 4 == 0);
    app_run_free(&ar);
    assert_null(mm__tls_facts_of(run->handed)); /* withdrawn after the hand-over */
    th_expect_same_alerts_but_source(run->fast, run->ref, i);
}

static void test_facts_and_intel(void **state)
{
    (void)state;
    char *feed_text = make_feed();
    struct run run = {0};
    run.fast = th_new(INTEL_INI, feed_text, NULL, &mm_detector_intel);
    run.ref = th_new(INTEL_INI, feed_text, NULL, &mm_detector_intel);
    rng_state = 7;
    for (unsigned i = 0; i < CONNECTIONS; i++) {
        th_set_time(run.fast, 1775001600.0 + i * 3.0);
        th_set_time(run.ref, 1775001600.0 + i * 3.0);
        connection(&run, i);
    }
    assert_null(mm__tls_facts_of(NULL));
    expect_all_alerts_same(run.fast, run.ref);
    /* the test means something: every event went the facts way, some had
     * no src_ip, and each of the four TLS variants was raised */
    assert_int_equal(run.with_facts, run.events);
    assert_true(run.events > 4000);
    assert_true(run.no_src > 100);
    static const unsigned variants[] = {3, 6, 7, 8};
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
        if (th_count_alerts(run.ref, 9100100 + variants[v]) < 20)
            fail_msg("variant %u: %zu alerts", variants[v],
                     th_count_alerts(run.ref, 9100100 + variants[v]));
    json_decref(run.handed);
    th_free(run.fast);
    th_free(run.ref);
    free(feed_text);
}

/* The sensor frees an event once handled and then handles the events
 * queued behind it while the decoder's hand-over still runs: objects made
 * then may get the freed "tls" object's address, and must not get its
 * facts (the decoder holds the object while they are published). */
#define FRESH_OBJECTS 32

static void on_emit_then_allocate(struct mm_app_ctx *ctx, json_t *ev)
{
    unsigned *checked = ctx->emit_arg;
    json_t *fresh[FRESH_OBJECTS];
    assert_non_null(mm__tls_facts_of(json_object_get(ev, "tls")));
    json_decref(ev); /* handled: the sensor lets it go */
    for (size_t i = 0; i < FRESH_OBJECTS; i++) {
        fresh[i] = json_object();
        assert_non_null(fresh[i]);
        assert_null(mm__tls_facts_of(fresh[i]));
    }
    for (size_t i = 0; i < FRESH_OBJECTS; i++)
        json_decref(fresh[i]);
    (*checked)++;
}

static void test_facts_not_for_reused_address(void **state)
{
    (void)state;
    unsigned checked = 0;
    rng_state = 11;
    for (unsigned i = 0; i < 200; i++) {
        struct hello_plan p;
        struct msg hs = {.n = 0}, rec = {.n = 0};
        struct app_run ar;
        app_run_init(&ar, &mm_app_tls, 40000, 443);
        ar.ctx.emit = on_emit_then_allocate;
        ar.ctx.emit_arg = &checked;
        plan_hello(&p);
        p.cut = false;
        gen_client_hello(&hs, &p);
        put_records(&rec, &hs, 16384);
        assert_int_equal(app_run_stream(&ar, 0, rec.b, rec.n), 0);
        hs.n = rec.n = 0;
        gen_server_hello(&hs, false, false);
        gen_certificate_message(&hs, (int)(i % 6), 0);
        put_records(&rec, &hs, 16384);
        assert_int_equal(app_run_stream(&ar, 1, rec.b, rec.n), 0);
        app_run_free(&ar);
    }
    assert_int_equal(checked, 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_facts_and_intel),
        cmocka_unit_test(test_facts_not_for_reused_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
