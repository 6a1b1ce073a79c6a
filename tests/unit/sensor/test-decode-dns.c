/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the DNS decoder (decode-dns.c, dns-name.c): Suricata 8
 * (EVE dns v3) fields of queries and responses, compression pointers,
 * pointer loops, oversize counts, truncation at every offset, and DNS over
 * TCP split across segments or packed two to a segment. Messages come from
 * tests/fuzz/corpus/dns (written by tests/sensor/gen/appgen.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "app-test.h"
#include "core/error.h"
#include "sensor/decode/dns-parse.h"

static void test_query(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("dns", "query-a", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_dns_udp, 51000, 53);
    assert_true(mm_app_dns_udp.probe(&r.pkt, m, len));
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "event_type"), "dns");
    assert_int_equal(app_int(&r, 0, "dns.version"), 3);
    assert_string_equal(app_str(&r, 0, "dns.type"), "request");
    assert_int_equal(app_int(&r, 0, "dns.id"), 0x1234);
    assert_string_equal(app_str(&r, 0, "dns.flags"), "100");
    assert_true(json_is_true(app_get(&r, 0, "dns.rd")));
    assert_null(app_get(&r, 0, "dns.qr"));
    assert_int_equal(app_int(&r, 0, "dns.opcode"), 0);
    assert_string_equal(app_str(&r, 0, "dns.queries.0.rrname"), "www.example.com");
    assert_string_equal(app_str(&r, 0, "dns.queries.0.rrtype"), "A");
    assert_null(app_get(&r, 0, "dns.rcode"));
    app_run_free(&r);
    free(m);
}

static void test_response_compressed(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("dns", "response-full", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_dns_udp, 53, 51000);
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "dns.type"), "response");
    assert_string_equal(app_str(&r, 0, "dns.flags"), "8180");
    assert_true(json_is_true(app_get(&r, 0, "dns.qr")));
    assert_true(json_is_true(app_get(&r, 0, "dns.ra")));
    assert_string_equal(app_str(&r, 0, "dns.rcode"), "NOERROR");
    assert_string_equal(app_str(&r, 0, "dns.answers.0.rrname"), "www.example.com");
    assert_string_equal(app_str(&r, 0, "dns.answers.0.rrtype"), "CNAME");
    assert_string_equal(app_str(&r, 0, "dns.answers.0.rdata"), "web.example.com");
    assert_int_equal(app_int(&r, 0, "dns.answers.0.ttl"), 300);
    assert_string_equal(app_str(&r, 0, "dns.answers.1.rrname"), "web.example.com");
    assert_string_equal(app_str(&r, 0, "dns.answers.1.rdata"), "192.0.2.10");
    assert_string_equal(app_str(&r, 0, "dns.answers.2.rdata"), "2001:db8::10");
    assert_string_equal(app_str(&r, 0, "dns.answers.3.rrtype"), "MX");
    assert_string_equal(app_str(&r, 0, "dns.answers.3.rdata"), "mail.example.com");
    assert_string_equal(app_str(&r, 0, "dns.answers.4.rdata"), "helloworld");
    assert_string_equal(app_str(&r, 0, "dns.grouped.A.0"), "192.0.2.10");
    assert_string_equal(app_str(&r, 0, "dns.grouped.CNAME.0"), "web.example.com");
    assert_string_equal(app_str(&r, 0, "dns.authorities.0.rrtype"), "SOA");
    assert_string_equal(app_str(&r, 0, "dns.authorities.0.soa.mname"), "ns1.example.com");
    assert_string_equal(app_str(&r, 0, "dns.authorities.0.soa.rname"), "hostmaster.example.com");
    assert_int_equal(app_int(&r, 0, "dns.authorities.0.soa.serial"), 2026040101);
    app_run_free(&r);
    free(m);
}

static void test_nxdomain(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("dns", "nxdomain", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_dns_udp, 53, 51000);
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_string_equal(app_str(&r, 0, "dns.rcode"), "NXDOMAIN");
    assert_null(app_get(&r, 0, "dns.answers"));
    app_run_free(&r);
    free(m);
}

/* A pointer to itself, a forward pointer, and a two-pointer cycle. */
static void test_compression_loops(void **state)
{
    (void)state;
    static const uint8_t self[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
    static const uint8_t fwd[] = {0, 1,    1,  0, 0,   1, 0, 0, 0, 0, 0,
                                  0, 0xc0, 14, 1, 'a', 0, 0, 1, 0, 1};
    static const uint8_t cycle[] = {0, 1, 1,   0,    0,  1,    0,  0, 0, 0, 0,
                                    0, 1, 'a', 0xc0, 16, 0xc0, 12, 0, 1, 0, 1};
    const uint8_t *msgs[] = {self, fwd, cycle};
    size_t lens[] = {sizeof self, sizeof fwd, sizeof cycle};
    for (size_t i = 0; i < 3; i++) {
        struct app_run r;
        app_run_init(&r, &mm_app_dns_udp, 51000, 53);
        assert_int_equal(app_run_udp(&r, msgs[i], lens[i]), MM_EPARSE);
        /* the header is still reported, without queries */
        assert_int_equal(app_count(&r), 1);
        assert_null(app_get(&r, 0, "dns.queries"));
        app_run_free(&r);
    }
}

/* A chain of backward pointers, each to the one before: 20 jumps are
 * followed, more than MM_DNS_MAX_JUMPS (32) are refused. */
static void test_too_many_jumps(void **state)
{
    (void)state;
    uint8_t m[12 + 3 + 2 * 40] = {0};
    size_t o = 12, next;
    char name[MM_DNS_NAME_TEXT_MAX];
    m[o++] = 1;
    m[o++] = 'a';
    m[o++] = 0;
    size_t at[41];
    at[0] = 12;
    for (int i = 1; i <= 40; i++) {
        at[i] = o;
        m[o++] = (uint8_t)(0xc0 | at[i - 1] >> 8);
        m[o++] = (uint8_t)at[i - 1];
    }
    assert_int_equal(mm__dns_name(m, o, at[20], name, sizeof name, &next), 0);
    assert_string_equal(name, "a");
    assert_int_equal(next, at[20] + 2);
    assert_int_equal(mm__dns_name(m, o, at[32], name, sizeof name, &next), 0);
    assert_int_equal(mm__dns_name(m, o, at[33], name, sizeof name, &next), MM_EPARSE);
    assert_int_equal(mm__dns_name(m, o, at[40], name, sizeof name, &next), MM_EPARSE);
}

static void test_long_name_refused(void **state)
{
    (void)state;
    uint8_t m[12 + 300 + 4] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    size_t o = 12;
    for (int i = 0; i < 5; i++) { /* 5 labels of 63: 320 bytes > 255 */
        m[o++] = 63;
        memset(m + o, 'x', 63);
        o += 63;
        if (o > 12 + 300 - 64)
            break;
    }
    m[o++] = 0;
    struct app_run r;
    app_run_init(&r, &mm_app_dns_udp, 51000, 53);
    assert_true(app_run_udp(&r, m, o) < 0);
    app_run_free(&r);
}

/* The header claims 65535 answers: parsing stops at the end of the data. */
static void test_oversize_counts(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("dns", "response-full", &len);
    m[6] = m[7] = 0xff;
    m[8] = m[9] = 0xff;
    struct app_run r;
    app_run_init(&r, &mm_app_dns_udp, 53, 51000);
    assert_int_equal(app_run_udp(&r, m, len), MM_ETRUNC);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "dns.queries.0.rrname"), "www.example.com");
    app_run_free(&r);
    free(m);
}

static void test_truncations(void **state)
{
    (void)state;
    const char *names[] = {"query-a", "response-full", "nxdomain", "loop"};
    for (size_t i = 0; i < 4; i++) {
        size_t len;
        uint8_t *m = app_seed("dns", names[i], &len);
        app_sweep_truncations(&mm_app_dns_udp, m, len, 53, 51000, 0);
        for (size_t cut = 12; cut < len; cut++) {
            struct app_run r;
            app_run_init(&r, &mm_app_dns_udp, 53, 51000);
            long rc = app_run_udp(&r, m, cut);
            if (strcmp(names[i], "loop") != 0)
                assert_true(rc == MM_ETRUNC || rc == 0);
            app_run_free(&r);
        }
        free(m);
    }
}

static void test_tcp_two_messages_and_splits(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("dns", "tcp-two-messages", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_dns_tcp, 51000, 53);
    assert_true(mm_app_dns_tcp.probe(&r.pkt, m, len));
    assert_int_equal(app_run_stream(&r, 0, m, len), 0);
    assert_int_equal(app_count(&r), 2);
    assert_string_equal(app_str(&r, 0, "dns.queries.0.rrname"), "a.example");
    assert_string_equal(app_str(&r, 1, "dns.rcode"), "NXDOMAIN");
    app_run_free(&r);
    app_check_splits(&mm_app_dns_tcp, m, len, 51000, 53, 0);
    app_sweep_truncations(&mm_app_dns_tcp, m, len, 51000, 53, 0);
    free(m);
}

/* Label bytes that are not printable become \xNN; UTF-8 stays as it is. */
static void test_name_escapes(void **state)
{
    (void)state;
    static const uint8_t m[] = {0,    1, 1,   0,    0,    1, 0,    0,    0,    0,    0,
                                0,    3, 'a', 0x01, 0xff, 6, 0xe6, 0x97, 0xa5, 0xe6, 0x9c,
                                0xac, 2, 'j', 'p',  0,    0, 16,   0,    1};
    struct app_run r;
    app_run_init(&r, &mm_app_dns_udp, 51000, 53);
    assert_int_equal(app_run_udp(&r, m, sizeof m), 0);
    assert_string_equal(app_str(&r, 0, "dns.queries.0.rrname"), "a\\x01\\xff.日本.jp");
    assert_string_equal(app_str(&r, 0, "dns.queries.0.rrtype"), "TXT");
    app_run_free(&r);
}

static void test_probe(void **state)
{
    (void)state;
    struct app_run r;
    uint8_t m[12] = {0};
    app_run_init(&r, &mm_app_dns_udp, 51000, 5353);
    assert_false(mm_app_dns_udp.probe(&r.pkt, m, sizeof m));
    r.pkt.dport = 53;
    assert_true(mm_app_dns_udp.probe(&r.pkt, m, sizeof m));
    assert_false(mm_app_dns_udp.probe(&r.pkt, m, 11));
    app_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_response_compressed),
        cmocka_unit_test(test_nxdomain),
        cmocka_unit_test(test_compression_loops),
        cmocka_unit_test(test_too_many_jumps),
        cmocka_unit_test(test_long_name_refused),
        cmocka_unit_test(test_oversize_counts),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_tcp_two_messages_and_splits),
        cmocka_unit_test(test_name_escapes),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
