/* SPDX-License-Identifier: Apache-2.0
 * The DNS decoder's facts (dns-facts.h) and the two detectors that read
 * them (intel, suspicious-dns), against the JSON they stand for. Random
 * DNS messages (requests and responses, every rcode, listed and unlisted
 * names in any case, machine-made and tunnel-like names, A/AAAA answers
 * inside and outside the home network, listed addresses, mapped IPv6,
 * other record types, messages cut short) go through the real decoder:
 *   - while the decoder hands its event over, the facts must say what the
 *     event's JSON says (type, rcode, each query name, each A/AAAA answer
 *     as mm_addr_parse reads its rdata, in order), and only for that
 *     event's "dns" object (not for a copy, and not after the hand-over);
 *   - each detector given the event then (reading the facts) must raise
 *     the same alerts as a second instance given the event's JSON text
 *     (reading the JSON, as for any other source of events). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-test.h"
#include "sensor/decode/dns-facts.h"
#include "test-detect-harness.h"

extern const struct mm_detector mm_detector_intel, mm_detector_suspicious_dns;

#define FEED                                                                                       \
    "c2.example\n"                                                                                 \
    "evil.test\n"                                                                                  \
    "203.0.113.0/24\n"                                                                             \
    "2001:db8:bad::/48\n"                                                                          \
    "192.0.2.66:443\n" /* the rest: never matched in answers (home, multicast) */                  \
    "192.168.0.0/16\n"                                                                             \
    "10.0.0.0/8\n"                                                                                 \
    "224.0.0.0/4\n"                                                                                \
    "ff00::/8\n"

#define DGA_INI                                                                                    \
    "[detect.suspicious-dns]\nnxdomain = 2\ntunnel_queries = 2\nsuppress_seconds = 0\n"            \
    "clients = any\n"

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* ---- messages ------------------------------------------------------------------ */

struct msg {
    uint8_t b[2048];
    size_t n;
};

static void put8(struct msg *m, unsigned v)
{
    if (m->n < sizeof m->b)
        m->b[m->n++] = (uint8_t)v;
}

static void put16(struct msg *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v);
}

static void put_name(struct msg *m, const char *dotted)
{
    while (*dotted) {
        const char *dot = strchr(dotted, '.');
        size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
        put8(m, (unsigned)n);
        for (size_t i = 0; i < n; i++)
            put8(m, (uint8_t)dotted[i]);
        dotted += n + (dot ? 1 : 0);
    }
    put8(m, 0);
}

/* A random label of n letters and digits (machine-made looking). */
static void random_label(char *out, size_t n)
{
    static const char chars[] = "bcdfghjklmnpqrstvwxz0123456789aeiou";
    for (size_t i = 0; i < n; i++)
        out[i] = chars[rnd() % (sizeof chars - 1)];
    out[n] = '\0';
}

static void pick_name(char *out, size_t outlen)
{
    static const char *const names[] = {
        "www.c2.example",   "C2.EXAMPLE",     "c2.example.", "a.b.evil.test", "evil.test",
        "good.example.com", "www.google.com", "co.jp",       "example",       "mail.c2.example"};
    char label[48];
    switch (rnd() % 4) {
    case 0:
        random_label(label, 10 + rnd() % 12);
        snprintf(out, outlen, "%s.%s", label, rnd() % 2 ? "com" : "co.jp");
        break;
    case 1:
        random_label(label, 32 + rnd() % 12);
        snprintf(out, outlen, "%s.t%u.tunnel.example.com", label, rnd() % 2);
        break;
    default:
        snprintf(out, outlen, "%s", names[rnd() % (sizeof names / sizeof names[0])]);
    }
}

/* One answer record owned by name: A, AAAA (listed, home, multicast,
 * mapped...), or another type. */
static void put_answer(struct msg *m, const char *name)
{
    static const uint8_t v4[][4] = {{203, 0, 113, 5}, {8, 8, 8, 8},  {192, 168, 1, 9},
                                    {224, 0, 0, 1},   {10, 1, 2, 3}, {192, 0, 2, 66}};
    static const uint8_t v6[][16] = {
        {0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 9},
        {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0x26, 0x06, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11},
        {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb}};
    put_name(m, name);
    unsigned k = rnd() % 5;
    unsigned type = k < 2 ? 1 : k < 4 ? 28 : (rnd() % 2 ? 5 : 16);
    put16(m, type);
    put16(m, 1);
    put16(m, 0);
    put16(m, 300);
    if (type == 1) {
        put16(m, rnd() % 15 ? 4 : 5); /* sometimes a bad length: no rdata */
        const uint8_t *a = v4[rnd() % (sizeof v4 / sizeof v4[0])];
        for (int i = 0; i < 4; i++)
            put8(m, a[i]);
        if (m->b[m->n - 6] == 5)
            put8(m, 0);
    } else if (type == 28) {
        put16(m, 16);
        const uint8_t *a = v6[rnd() % (sizeof v6 / sizeof v6[0])];
        for (int i = 0; i < 16; i++)
            put8(m, a[i]);
    } else {
        put16(m, 4);
        put8(m, 3);
        put8(m, 'x');
        put8(m, 'y');
        put8(m, 0);
    }
}

static void gen_message(struct msg *m, bool response)
{
    char names[3][128];
    unsigned qd = rnd() % 8 == 0 ? rnd() % 3 : 1, an = response ? rnd() % 5 : 0;
    unsigned rcode = response ? (rnd() % 3 == 0 ? 3 : rnd() % 16) : 0;
    m->n = 0;
    put16(m, rnd());
    put16(m, (response ? 0x8180 : 0x0100) | rcode);
    put16(m, qd);
    put16(m, an);
    put16(m, 0);
    put16(m, 0);
    for (unsigned i = 0; i < qd; i++) {
        pick_name(names[i], sizeof names[i]);
        put_name(m, names[i]);
        put16(m, 1);
        put16(m, 1);
    }
    for (unsigned i = 0; i < an; i++)
        put_answer(m, qd ? names[rnd() % qd] : "x.example");
    if (rnd() % 20 == 0)
        m->n = 12 + rnd() % (m->n - 11); /* cut short */
}

/* ---- the facts against the JSON ------------------------------------------------ */

struct run {
    struct mm_sensor *fast[2], *ref[2]; /* intel, suspicious-dns */
    unsigned events, with_facts;
};

static void expect_facts_match(const json_t *dns, const struct mm__dns_facts *df)
{
    const char *type = json_string_value(json_object_get(dns, "type"));
    assert_string_equal(type, df->response ? "response" : "request");
    if (df->response) {
        static const char *const rcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN"};
        const char *rcode = json_string_value(json_object_get(dns, "rcode"));
        assert_non_null(rcode);
        assert_int_equal(strcmp(rcode, "NXDOMAIN") == 0, df->rcode == 3);
        if (df->rcode < 4)
            assert_string_equal(rcode, rcodes[df->rcode]);
    }
    const json_t *queries = json_object_get(dns, "queries");
    assert_int_equal(json_array_size(queries), df->nqueries);
    for (unsigned i = 0; i < df->nqueries; i++) {
        const char *q = json_string_value(json_object_get(json_array_get(queries, i), "rrname"));
        assert_ptr_equal(q, df->qname[i]); /* the event's own text */
        assert_int_equal(strlen(q), df->qlen[i]);
    }
    unsigned n = 0;
    size_t i;
    json_t *rr;
    json_array_foreach(json_object_get(dns, "answers"), i, rr)
    {
        const char *t = json_string_value(json_object_get(rr, "rrtype"));
        const char *rdata = json_string_value(json_object_get(rr, "rdata"));
        struct mm_addr a;
        if (!t || (strcmp(t, "A") != 0 && strcmp(t, "AAAA") != 0) || !rdata ||
            mm_addr_parse(rdata, &a) != 0)
            continue;
        assert_true(n < df->naddrs);
        assert_true(mm_addr_equal(&a, &df->addrs[n].addr));
        assert_memory_equal(a.bytes, df->addrs[n].addr.bytes, 16);
        assert_ptr_equal(json_string_value(json_object_get(rr, "rrname")), df->addrs[n].rrname);
        n++;
    }
    assert_int_equal(n, df->naddrs);
}

/* The decoder's emit: checks the facts, hands the event to the detectors
 * reading them and its JSON text to the reference ones. */
static void on_emit(struct mm_app_ctx *ctx, json_t *ev)
{
    struct run *run = ctx->emit_arg;
    const json_t *dns = json_object_get(ev, "dns");
    const struct mm__dns_facts *df = mm__dns_facts_of(dns);
    run->events++;
    if (df) {
        run->with_facts++;
        expect_facts_match(dns, df);
        json_t *copy = json_deep_copy(dns);
        assert_null(mm__dns_facts_of(copy)); /* only the event's own object */
        json_decref(copy);
    }
    char *text = json_dumps(ev, JSON_COMPACT);
    assert_non_null(text);
    for (int d = 0; d < 2; d++) {
        struct mm_sensor *fast = run->fast[d];
        th_direct_event(fast, ev, dns); /* prefetch_event, then on_event */
        th_event(run->ref[d], text);
    }
    free(text);
    json_decref(ev);
}

static void test_facts_and_detectors(void **state)
{
    (void)state;
    static const char *const clients[] = {"192.168.1.5",   "10.9.8.7", "198.51.100.7",
                                          "2001:db8:1::5", "fd00::5",  "192.168.1.6"};
    struct run run = {0};
    run.fast[0] = th_new("[detect.intel]\nsuppress_seconds = 0\n", FEED, NULL, &mm_detector_intel);
    run.ref[0] = th_new("[detect.intel]\nsuppress_seconds = 0\n", FEED, NULL, &mm_detector_intel);
    run.fast[1] = th_new(DGA_INI, NULL, NULL, &mm_detector_suspicious_dns);
    run.ref[1] = th_new(DGA_INI, NULL, NULL, &mm_detector_suspicious_dns);
    rng_state = 3;
    struct msg m;
    for (unsigned i = 0; i < 4000; i++) {
        bool response = rnd() % 2;
        const char *client = clients[rnd() % (sizeof clients / sizeof clients[0])];
        const char *server = strchr(client, ':') ? "2001:db8:53::53" : "192.168.1.1";
        struct app_run ar;
        app_run_init(&ar, &mm_app_dns_udp, response ? 53 : 40000, response ? 40000 : 53);
        ar.pkt.ip_version = strchr(client, ':') ? 6 : 4;
        mm_addr_parse(response ? server : client, &ar.pkt.src);
        mm_addr_parse(response ? client : server, &ar.pkt.dst);
        ar.ctx.emit = on_emit;
        ar.ctx.emit_arg = &run;
        for (int d = 0; d < 2; d++) {
            th_set_time(run.fast[d], 1775001600.0 + i * 7.0);
            th_set_time(run.ref[d], 1775001600.0 + i * 7.0);
        }
        gen_message(&m, response);
        app_run_udp(&ar, m.b, m.n);
        app_run_free(&ar);
        for (int d = 0; d < 2; d++)
            th_expect_same_alerts_but_source(run.fast[d], run.ref[d], i);
        assert_null(mm__dns_facts_of(NULL));
    }
    /* the test means something: most events went the facts way, and both
     * detectors raised each of their DNS alerts */
    assert_true(run.with_facts > run.events * 9 / 10);
    assert_true(th_count_alerts(run.ref[0], 9100102) > 50); /* intel: query name */
    assert_true(th_count_alerts(run.ref[0], 9100109) > 50); /* intel: answer address */
    assert_true(th_count_alerts(run.ref[1], 9100801) > 50); /* DGA label */
    assert_true(th_count_alerts(run.ref[1], 9100802) > 50); /* NXDOMAIN count */
    assert_true(th_count_alerts(run.ref[1], 9100803) > 50); /* tunnel */
    for (int d = 0; d < 2; d++) {
        th_free(run.fast[d]);
        th_free(run.ref[d]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_facts_and_detectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
