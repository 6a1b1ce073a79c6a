/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the HTTP/1.x decoder (decode-http.c): request and
 * response fields, bodies skipped by Content-Length and chunked coding,
 * pipelined requests, HEAD responses, messages split at every offset,
 * truncation, oversized headers and a CONNECT tunnel. Messages come from
 * tests/fuzz/corpus/http (tests/sensor/gen/appgen.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-test.h"
#include "core/error.h"
#include "core/str.h"
#include "sensor/decode/app-util.h"

static void test_request(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("http", "request", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_http, 51000, 80);
    assert_true(mm_app_http.probe(&r.pkt, m, len));
    assert_int_equal(app_run_stream(&r, 0, m, len), 0);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "event_type"), "http");
    assert_int_equal(app_int(&r, 0, "tx_id"), 0);
    assert_string_equal(app_str(&r, 0, "http.hostname"), "www.example.com");
    assert_string_equal(app_str(&r, 0, "http.url"), "/index.html");
    assert_string_equal(app_str(&r, 0, "http.http_user_agent"), "mamori-test/1.0");
    assert_string_equal(app_str(&r, 0, "http.http_method"), "GET");
    assert_string_equal(app_str(&r, 0, "http.protocol"), "HTTP/1.1");
    assert_string_equal(app_str(&r, 0, "http.http_refer"), "http://ref.example/");
    assert_null(app_get(&r, 0, "http.status"));
    app_run_free(&r);
    app_check_splits(&mm_app_http, m, len, 51000, 80, 0);
    app_sweep_truncations(&mm_app_http, m, len, 51000, 80, 0);
    free(m);
}

static void test_response_pairs(void **state)
{
    (void)state;
    size_t ql, pl, cl;
    uint8_t *q = app_seed("http", "post", &ql);
    uint8_t *p = app_seed("http", "response", &pl);
    uint8_t *c = app_seed("http", "response-chunked", &cl);
    struct app_run r;
    app_run_init(&r, &mm_app_http, 51000, 80);
    /* two pipelined POSTs with bodies, then two responses in one chunk */
    uint8_t *two = malloc(2 * ql);
    memcpy(two, q, ql);
    memcpy(two + ql, q, ql);
    assert_int_equal(app_run_stream(&r, 0, two, 2 * ql), 0);
    uint8_t *resp = malloc(pl + cl);
    memcpy(resp, c, cl);
    memcpy(resp + cl, p, pl);
    assert_int_equal(app_run_stream(&r, 1, resp, pl + cl), 0);
    assert_int_equal(app_count(&r), 4);
    assert_string_equal(app_str(&r, 1, "http.http_method"), "POST");
    assert_int_equal(app_int(&r, 1, "tx_id"), 1);
    assert_int_equal(app_int(&r, 2, "http.status"), 200);
    assert_int_equal(app_int(&r, 2, "tx_id"), 0);
    assert_string_equal(app_str(&r, 2, "http.http_content_type"), "text/html");
    assert_string_equal(app_str(&r, 2, "http.protocol"), "HTTP/1.1");
    assert_int_equal(app_int(&r, 3, "http.length"), 5);
    assert_int_equal(app_int(&r, 3, "tx_id"), 1);
    app_run_free(&r);
    app_check_splits(&mm_app_http, resp, pl + cl, 80, 51000, 1);
    app_sweep_truncations(&mm_app_http, resp, pl + cl, 80, 51000, 1);
    free(two);
    free(resp);
    free(q);
    free(p);
    free(c);
}

static void test_head_and_close(void **state)
{
    (void)state;
    static const char req[] = "HEAD /a HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n"
                              "GET /b HTTP/1.0\r\nHost: [2001:db8::1]:81\r\n\r\n";
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                               "HTTP/1.0 404 Not Found\r\n\r\nbody until close";
    struct app_run r;
    app_run_init(&r, &mm_app_http, 51000, 8080);
    assert_int_equal(app_run_stream(&r, 0, (const uint8_t *)req, sizeof req - 1), 0);
    assert_int_equal(app_run_stream(&r, 1, (const uint8_t *)resp, sizeof resp - 1), 0);
    assert_int_equal(app_count(&r), 4);
    assert_string_equal(app_str(&r, 0, "http.hostname"), "example.com");
    assert_string_equal(app_str(&r, 1, "http.hostname"), "[2001:db8::1]");
    assert_int_equal(app_int(&r, 2, "http.length"), 1000);
    assert_int_equal(app_int(&r, 3, "http.status"), 404);
    /* the 404 body runs to the end of the connection: anything is consumed */
    assert_int_equal(app_run_stream(&r, 1, (const uint8_t *)"HTTP/9", 6), 0);
    assert_int_equal(app_count(&r), 4);
    app_run_free(&r);
}

static void test_connect_tunnel(void **state)
{
    (void)state;
    static const char req[] = "CONNECT host.example:443 HTTP/1.1\r\nHost: host.example:443\r\n\r\n";
    static const char resp[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    static const uint8_t tls[] = {22, 3, 1, 0, 1, 1};
    struct app_run r;
    app_run_init(&r, &mm_app_http, 51000, 3128);
    assert_int_equal(app_run_stream(&r, 0, (const uint8_t *)req, sizeof req - 1), 0);
    assert_int_equal(app_run_stream(&r, 1, (const uint8_t *)resp, sizeof resp - 1), 0);
    assert_int_equal(app_run_stream(&r, 0, tls, sizeof tls), 0);
    assert_int_equal(app_count(&r), 2);
    app_run_free(&r);
}

static void test_malformed(void **state)
{
    (void)state;
    struct app_run r;
    /* a header block that never ends */
    size_t n = 20000;
    uint8_t *big = malloc(n);
    memcpy(big, "GET / HTTP/1.1\r\n", 16);
    memset(big + 16, 'a', n - 16);
    app_run_init(&r, &mm_app_http, 51000, 80);
    assert_int_equal(app_run_stream(&r, 0, big, n), MM_ETOOBIG);
    app_run_free(&r);
    /* not HTTP: skipped, no event, no error */
    app_run_init(&r, &mm_app_http, 51000, 80);
    assert_false(mm_app_http.probe(&r.pkt, (const uint8_t *)"\x16\x03\x01", 3));
    assert_int_equal(app_run_stream(&r, 0, (const uint8_t *)"\x16\x03\x01 hello world!!!!", 19), 0);
    assert_int_equal(app_count(&r), 0);
    app_run_free(&r);
    /* a bad chunk size */
    static const char bad[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
    app_run_init(&r, &mm_app_http, 80, 51000);
    assert_int_equal(app_run_stream(&r, 1, (const uint8_t *)bad, sizeof bad - 1), MM_EPARSE);
    app_run_free(&r);
    /* a bad status code */
    static const char st[] = "HTTP/1.1 2x0 OK\r\n\r\n";
    app_run_init(&r, &mm_app_http, 80, 51000);
    assert_int_equal(app_run_stream(&r, 1, (const uint8_t *)st, sizeof st - 1), MM_EPARSE);
    app_run_free(&r);
    free(big);
}

/* The capture starts in the middle of a response body: the bytes up to the
 * next status line are skipped, and the client's later requests on the
 * same connection are still read. */
static void test_midstream_resync(void **state)
{
    (void)state;
    static const char server[] = "\x1f\x8b\x08 binary body tail\r\nmore\n"
                                 "HTTP/1.1 304 Not Modified\r\n\r\n"
                                 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    static const char client[] = "GET /a HTTP/1.1\r\nHost: a.example\r\n\r\n";
    struct app_run r;
    app_run_init(&r, &mm_app_http, 51000, 80);
    assert_int_equal(app_run_stream(&r, 1, (const uint8_t *)server, sizeof server - 1), 0);
    assert_int_equal(app_run_stream(&r, 0, (const uint8_t *)client, sizeof client - 1), 0);
    assert_int_equal(app_count(&r), 3);
    assert_int_equal(app_int(&r, 0, "http.status"), 304);
    assert_int_equal(app_int(&r, 1, "http.status"), 200);
    assert_string_equal(app_str(&r, 2, "http.url"), "/a");
    app_run_free(&r);
    app_check_splits(&mm_app_http, (const uint8_t *)server, sizeof server - 1, 80, 51000, 1);
}

/* Header names are matched in any ASCII case, only as the whole name
 * right before the line's first colon, and never by bytes that merely
 * look like a letter once their top bit or 0x20 is set (the matcher
 * lowers eight bytes at a time); the first Host, User-Agent, Referer,
 * Content-Type and Content-Length count, the last Transfer-Encoding. */
static void test_header_names(void **state)
{
    (void)state;
    static const char req[] = "get / HTTP/1.1\r\n" /* not a method: skipped */
                              "GET /x HTTP/1.1\r\n"
                              "H\xcfST: top-bit.example\r\n"
                              "Host : space.example\r\n"
                              "Hos\x14: ctrl.example\r\n"
                              "Hostname: long.example\r\n"
                              "XHost: other.example\r\n"
                              "hOsT:\t Mixed.Example:8080 \t\r\n"
                              "Host: second.example\r\n"
                              "USER-AGENT:ua-1\r\n"
                              "User-Agent: ua-2\r\n"
                              "user\ragent: cr\r\n"
                              "REFERER:  r  \n"
                              "Content-Length: 3\r\n"
                              "Content-Length: 9\r\n"
                              "\r\nabc"
                              "POST /y HTTP/1.1\r\n"
                              "Transfer-Encoding: chunked\r\n"
                              "TRANSFER-ENCODING: identity\r\n"
                              "Content-Length: 0\r\n"
                              "\r\n"
                              "PUT /z HTTP/1.1\n\n";
    static const char resp[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Type\x10: x\r\n"
                               "CONTENT-TYPE: text/A\r\n"
                               "content-type: text/b\r\n"
                               "Content-Length: 2\r\n\r\nok";
    struct app_run r;
    app_run_init(&r, &mm_app_http, 51000, 80);
    assert_int_equal(app_run_stream(&r, 0, (const uint8_t *)req, sizeof req - 1), 0);
    assert_int_equal(app_run_stream(&r, 1, (const uint8_t *)resp, sizeof resp - 1), 0);
    assert_int_equal(app_count(&r), 4);
    assert_string_equal(app_str(&r, 0, "http.url"), "/x");
    assert_string_equal(app_str(&r, 0, "http.hostname"), "mixed.example");
    assert_string_equal(app_str(&r, 0, "http.http_user_agent"), "ua-1");
    assert_string_equal(app_str(&r, 0, "http.http_refer"), "r");
    /* the body of /x is 3 bytes ("abc"), then /y ends with the last
     * Transfer-Encoding (identity, not chunked) and Content-Length 0 */
    assert_string_equal(app_str(&r, 1, "http.url"), "/y");
    assert_null(app_get(&r, 1, "http.hostname"));
    assert_string_equal(app_str(&r, 2, "http.url"), "/z");
    assert_string_equal(app_str(&r, 3, "http.http_content_type"), "text/A");
    assert_int_equal(app_int(&r, 3, "http.length"), 2);
    app_run_free(&r);
    app_check_splits(&mm_app_http, (const uint8_t *)req, sizeof req - 1, 51000, 80, 0);
}

/* Wire text made safe (mm__app_json_text, used for every header and URI,
 * handed to jansson without a second UTF-8 check) is valid UTF-8 for any
 * bytes: random mixes of ASCII, control bytes, good and bad UTF-8 (overlong
 * forms, surrogates, code points past U+10FFFF, cut sequences), up to and
 * past the 4096-byte cut, accepted by jansson's own check. */
static void test_app_text_always_utf8(void **state)
{
    (void)state;
    static const uint8_t pieces[][4] = {
        {0xc3, 0xa9, 0, 0},    {0xe6, 0x97, 0xa5, 0}, {0xf0, 0x9f, 0x98, 0x80}, {0xc0, 0xaf, 0, 0},
        {0xe0, 0x80, 0xaf, 0}, {0xed, 0xa0, 0x80, 0}, {0xf4, 0x90, 0x80, 0x80}, {0xe6, 0x97, 0, 0},
        {0xff, 0, 0, 0},       {0x80, 0, 0, 0},       {0x7f, 0, 0, 0},          {0x01, 0, 0, 0}};
    static uint8_t wire[5000];
    uint64_t x = 0x2545f4914f6cdd1dULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t want = i % 50 == 0 ? 4090 + x % 20 : x % 64, n = 0;
        while (n < want) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            if (x % 4) {
                wire[n++] = (uint8_t)(0x20 + x % 95);
                continue;
            }
            const uint8_t *piece = pieces[(x >> 8) % (sizeof pieces / sizeof pieces[0])];
            for (size_t k = 0; k < 4 && (k == 0 || piece[k]) && n < sizeof wire; k++)
                wire[n++] = piece[k];
        }
        json_t *j = mm__app_json_text(wire, n);
        assert_non_null(j);
        json_t *checked = json_stringn(json_string_value(j), json_string_length(j));
        if (!checked)
            fail_msg("case %d: invalid UTF-8 from %zu wire bytes", i, n);
        json_decref(checked);
        json_decref(j);
    }
}

/* mm__app_text's text of p[0..n) (no cut: out has room for four bytes a
 * byte) worked out a byte at a time, for the fast paths to be held to. */
static size_t text_bytewise(const uint8_t *p, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t seq = p[i] >= 0x80 ? mm_utf8_seq_len(p + i, n - i) : 0;
        if (p[i] >= 0x20 && p[i] < 0x7f) {
            out[o++] = (char)p[i++];
        } else if (seq) {
            memcpy(out + o, p + i, seq);
            o += seq;
            i += seq;
        } else {
            o += (size_t)snprintf(out + o, 5, "\\x%02x", p[i++]);
        }
    }
    out[o] = '\0';
    return o;
}

/* mm__app_json_text hands printable ASCII to jansson as it is (the bytes
 * are read eight at a time) and everything else through mm__app_text: the
 * result is mm__app_text's text of the first 4096 bytes either way.
 * Printable runs of every length around the word size and the cut, one
 * byte of each kind (control, DEL, UTF-8 lead, lone continuation, the
 * printable edges ' ' and '~') at every position of the first words and
 * in the last ones. mm__app_text_copy (checked while copied) writes the
 * same text, NUL-terminated. */
static void test_app_text_fast_path(void **state)
{
    (void)state;
    static const uint8_t odd[] = {0x00, 0x01, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xc3, 0xe6, 0xff};
    static uint8_t wire[4200];
    static char want[4096 * 4 + 1], copy[MM_APP_TEXT_SCRATCH];
    for (size_t i = 0; i < sizeof wire; i++)
        wire[i] = (uint8_t)(0x20 + (i * 7) % 95);
    size_t lengths[64], nlengths = 0;
    for (size_t n = 0; n <= 40; n++)
        lengths[nlengths++] = n;
    for (size_t n = 4088; n <= 4104; n++)
        lengths[nlengths++] = n;
    lengths[nlengths++] = 255;
    lengths[nlengths++] = 1000;
    lengths[nlengths++] = sizeof wire;
    for (size_t t = 0; t < nlengths; t++) {
        size_t n = lengths[t];
        for (size_t q = 0; q < 28; q++) { /* the first 25 bytes and 1, 8 and 9 from the end */
            size_t at = q < 25 ? q : n - (q == 25 ? 1 : q == 26 ? 8 : 9);
            if (at > n)
                continue;
            for (size_t k = 0; k <= sizeof odd; k++) {
                uint8_t saved = at < n ? wire[at] : 0;
                if (at < n && k < sizeof odd)
                    wire[at] = odd[k];
                size_t len = mm__app_text(wire, n < 4096 ? n : 4096, want, sizeof want);
                static char bytewise[4096 * 4 + 1];
                assert_int_equal(text_bytewise(wire, n < 4096 ? n : 4096, bytewise), len);
                assert_memory_equal(bytewise, want, len + 1);
                json_t *j = mm__app_json_text(wire, n);
                assert_non_null(j);
                assert_int_equal(json_string_length(j), len);
                assert_memory_equal(json_string_value(j), want, len);
                json_decref(j);
                size_t clen = mm__app_text_copy(wire, n, copy); /* the same, NUL-terminated */
                assert_int_equal(clen, len);
                assert_memory_equal(copy, want, len + 1);
                if (at < n)
                    wire[at] = saved;
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_text_always_utf8),
        cmocka_unit_test(test_app_text_fast_path),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_response_pairs),
        cmocka_unit_test(test_head_and_close),
        cmocka_unit_test(test_connect_tunnel),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_midstream_resync),
        cmocka_unit_test(test_header_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
