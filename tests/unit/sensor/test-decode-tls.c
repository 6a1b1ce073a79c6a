/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the TLS decoder (decode-tls.c, x509.c).
 * Known vectors:
 *  - JA4: the worked example of FoxIO's specification
 *    (github.com/FoxIO-LLC/ja4, technical_details/JA4.md):
 *    t13d1516h2_8daaf6152771_e5627efa2ab1; the same hello's JA3 is the
 *    well-known Chrome value cd08e31494f9531f560d64c695473da9.
 *  - JA3: the example in salesforce/ja3's README,
 *    769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0
 *    -> ada70206e40642a3e4461f35503241d5.
 * Plus ServerHello (JA3S, negotiated version), the certificate fields,
 * records fragmented across segments, a ClientHello spanning two records,
 * truncation at every offset and hostile lengths. Messages come from
 * tests/fuzz/corpus/tls (tests/sensor/gen/appgen.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-test.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/str.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/memo-hash.h"
#include "sensor/decode/tls-hello.h"
#include "sensor/decode/x509.h"

static void test_ja4_vector(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("tls", "client-hello-ja4", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_tls, 51000, 443);
    assert_true(mm_app_tls.probe(&r.pkt, m, len));
    assert_int_equal(app_run_stream(&r, 0, m, len), 0);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "event_type"), "tls");
    assert_string_equal(app_str(&r, 0, "tls.sni"), "www.example.com");
    assert_string_equal(app_str(&r, 0, "tls.ja4"), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_string_equal(app_str(&r, 0, "tls.ja3.hash"), "cd08e31494f9531f560d64c695473da9");
    assert_string_equal(app_str(&r, 0, "tls.ja3.string"),
                        "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-"
                        "157-47-53,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513-21,29-23-"
                        "24,0");
    assert_string_equal(app_str(&r, 0, "tls.client_alpns.0"), "h2");
    assert_string_equal(app_str(&r, 0, "tls.client_alpns.1"), "http/1.1");
    app_run_free(&r);
    free(m);
}

static void test_ja3_vector(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("tls", "client-hello-ja3", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_tls, 51000, 443);
    assert_int_equal(app_run_stream(&r, 0, m, len), 0);
    assert_string_equal(app_str(&r, 0, "tls.ja3.string"),
                        "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
    assert_string_equal(app_str(&r, 0, "tls.ja3.hash"), "ada70206e40642a3e4461f35503241d5");
    assert_string_equal(app_str(&r, 0, "tls.sni"), "ja3.example.org");
    /* TLS 1.0, no supported_versions, no ALPN ("00"), no signature
     * algorithms (the third part hashes the extensions alone); the hashes
     * are SHA-256 of "0004,0005,000a,0013,002f,0032,0035,0038,c009,c00a,
     * c013,c014" and of "000a,000b", cut to 12 hex digits */
    assert_string_equal(app_str(&r, 0, "tls.ja4"), "t10d120300_d94e65cdb899_33a13ba74d1c");
    app_run_free(&r);
    free(m);
}

static void test_server_tls12_certificate(void **state)
{
    (void)state;
    size_t clen, slen;
    uint8_t *c = app_seed("tls", "client-hello-ja4", &clen);
    uint8_t *s = app_seed("tls", "server-tls12", &slen);
    struct app_run r;
    app_run_init(&r, &mm_app_tls, 51000, 443);
    assert_int_equal(app_run_stream(&r, 0, c, clen), 0);
    assert_int_equal(app_run_stream(&r, 1, s, slen), 0);
    assert_int_equal(app_count(&r), 2);
    assert_null(app_get(&r, 1, "tls.sni"));
    assert_string_equal(app_str(&r, 1, "tls.version"), "TLS 1.2");
    assert_string_equal(app_str(&r, 1, "tls.ja3s.string"), "771,49199,65281-16");
    assert_string_equal(app_str(&r, 1, "tls.ja3s.hash"), "7bee5c1d424b7e5f943b06983bb11422");
    assert_string_equal(app_str(&r, 1, "tls.server_alpns.0"), "h2");
    assert_string_equal(app_str(&r, 1, "tls.subject"), "C=JP, O=Example KK, CN=www.example.jp");
    assert_string_equal(app_str(&r, 1, "tls.issuerdn"), "C=JP, O=Example CA, CN=Example Root");
    assert_string_equal(app_str(&r, 1, "tls.serial"), "0A:1B:2C:3D:4E");
    assert_string_equal(app_str(&r, 1, "tls.notbefore"), "2026-01-01T00:00:00");
    assert_string_equal(app_str(&r, 1, "tls.notafter"), "2027-01-31T23:59:59");
    assert_string_equal(app_str(&r, 1, "tls.fingerprint"),
                        "95:91:6c:ba:eb:45:62:c7:fa:73:75:97:36:ee:e3:54:c3:e1:9f:67");
    assert_int_equal(json_array_size(app_get(&r, 1, "tls.subjectaltname")), 3);
    assert_string_equal(app_str(&r, 1, "tls.subjectaltname.0"), "www.example.jp");
    assert_string_equal(app_str(&r, 1, "tls.subjectaltname.1"), "example.jp");
    assert_string_equal(app_str(&r, 1, "tls.subjectaltname.2"), "192.0.2.80");
    /* later bytes of either direction are consumed without events */
    static const uint8_t appdata[] = {23, 3, 3, 0, 2, 0xaa, 0xbb};
    assert_int_equal(app_run_stream(&r, 0, appdata, sizeof appdata), 0);
    assert_int_equal(app_run_stream(&r, 1, appdata, sizeof appdata), 0);
    assert_int_equal(app_count(&r), 2);
    app_run_free(&r);
    app_check_splits(&mm_app_tls, s, slen, 443, 51000, 1);
    app_sweep_truncations(&mm_app_tls, s, slen, 443, 51000, 1);
    free(c);
    free(s);
}

/* A TLS 1.2 server part waiting for its certificate holds only the room
 * its ALPN texts need, not all MM_TLS_ALPN_MAX of them. */
static void test_server_part_packed(void **state)
{
    (void)state;
    size_t slen;
    uint8_t *s = app_seed("tls", "server-tls12", &slen);
    assert_true(slen > 9 && s[0] == 22 && s[5] == 2); /* a handshake record, ServerHello first */
    size_t msg = 4 + ((size_t)s[6] << 16 | (size_t)s[7] << 8 | s[8]);
    assert_true(5 + msg <= slen);
    uint8_t rec[5 + 65536];
    memcpy(rec, s, 5);
    rec[3] = (uint8_t)(msg >> 8), rec[4] = (uint8_t)msg;
    memcpy(rec + 5, s + 5, msg);
    size_t before = mm__tls_held_bytes();
    struct app_run r;
    app_run_init(&r, &mm_app_tls, 51000, 443);
    assert_int_equal(app_run_stream(&r, 1, rec, 5 + msg), 0);
    assert_int_equal(app_count(&r), 0); /* waiting for the certificate */
    assert_int_equal(mm__tls_held_bytes() - before, MM_TLS_PART_SIZE(1));
    assert_true(MM_TLS_PART_SIZE(1) < sizeof(struct mm__tls_part) / 2);
    app_run_free(&r); /* the flow ends: the part is given back */
    assert_int_equal(mm__tls_held_bytes(), before);
    free(s);
}

static void test_server_tls13(void **state)
{
    (void)state;
    size_t slen;
    uint8_t *s = app_seed("tls", "server-tls13", &slen);
    struct app_run r;
    app_run_init(&r, &mm_app_tls, 51000, 443);
    assert_int_equal(app_run_stream(&r, 1, s, slen), 0);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "tls.version"), "TLS 1.3");
    assert_string_equal(app_str(&r, 0, "tls.ja3s.string"), "771,4865,43-51");
    assert_null(app_get(&r, 0, "tls.subject"));
    app_run_free(&r);
    free(s);
}

/* The ClientHello split over two records, then each byte in its own segment. */
static void test_hello_across_records(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("tls", "client-hello-ja4", &len);
    size_t hs = len - 5, half = hs / 2;
    uint8_t *two = malloc(len + 5);
    assert_non_null(two);
    memcpy(two, m, 3);
    two[3] = (uint8_t)(half >> 8);
    two[4] = (uint8_t)half;
    memcpy(two + 5, m + 5, half);
    memcpy(two + 5 + half, m, 3);
    two[5 + half + 3] = (uint8_t)((hs - half) >> 8);
    two[5 + half + 4] = (uint8_t)(hs - half);
    memcpy(two + 10 + half, m + 5 + half, hs - half);
    struct app_run r;
    app_run_init(&r, &mm_app_tls, 51000, 443);
    assert_int_equal(app_run_stream(&r, 0, two, len + 5), 0);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "tls.ja4"), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    app_run_free(&r);
    app_check_splits(&mm_app_tls, two, len + 5, 51000, 443, 0);
    app_sweep_truncations(&mm_app_tls, two, len + 5, 51000, 443, 0);
    free(two);
    free(m);
}

/* The handshake bytes of a seed stream re-cut into records of k bytes:
 * messages then start, end or continue anywhere in a record (several per
 * record, or one over many), which the decoder reads in place or copies;
 * the events must be those of the original records. */
static void check_recut(const char *seed, int dir, uint16_t sport, uint16_t dport)
{
    size_t len, hs = 0;
    uint8_t *m = app_seed("tls", seed, &len);
    uint8_t *body = malloc(len), *cut = malloc(2 * len + 5 * len);
    assert_non_null(body);
    assert_non_null(cut);
    for (size_t off = 0; off + 5 <= len;) { /* the handshake records' payloads */
        size_t rlen = (size_t)m[off + 3] << 8 | m[off + 4];
        assert_true(off + 5 + rlen <= len);
        assert_int_equal(m[off], 22);
        memcpy(body + hs, m + off + 5, rlen);
        hs += rlen;
        off += 5 + rlen;
    }
    struct app_run whole, r;
    app_run_init(&whole, &mm_app_tls, sport, dport);
    assert_int_equal(app_run_stream(&whole, dir, m, len), 0);
    assert_true(app_count(&whole) > 0);
    for (size_t k = 1; k <= hs; k += k < 16 ? 1 : k / 4) {
        size_t n = 0;
        for (size_t o = 0; o < hs; o += k) {
            size_t rlen = hs - o < k ? hs - o : k;
            memcpy(cut + n, m, 3);
            cut[n + 3] = (uint8_t)(rlen >> 8);
            cut[n + 4] = (uint8_t)rlen;
            memcpy(cut + n + 5, body + o, rlen);
            n += 5 + rlen;
        }
        app_run_init(&r, &mm_app_tls, sport, dport);
        assert_int_equal(app_run_stream(&r, dir, cut, n), 0);
        if (!json_equal(whole.events, r.events))
            fail_msg("%s in records of %zu bytes gives different events", seed, k);
        app_run_free(&r);
        if (k == 7 || k == 300)
            app_check_splits(&mm_app_tls, cut, n, sport, dport, dir);
    }
    app_run_free(&whole);
    free(cut);
    free(body);
    free(m);
}

static void test_records_recut(void **state)
{
    (void)state;
    check_recut("server-tls12", 1, 443, 51000);
    check_recut("client-hello-ja4", 0, 51000, 443);
    check_recut("client-hello-ja3", 0, 51000, 443);
}

static void test_hostile_lengths(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("tls", "client-hello-ja4", &len);
    struct app_run r;
    /* record length above the TLS limit */
    static const uint8_t big[] = {22, 3, 1, 0xff, 0xff, 1, 0, 0, 0};
    app_run_init(&r, &mm_app_tls, 51000, 443);
    assert_int_equal(app_run_stream(&r, 0, big, sizeof big), MM_EPARSE);
    app_run_free(&r);
    /* a handshake message claiming 16 MiB */
    uint8_t *bad = malloc(len);
    memcpy(bad, m, len);
    bad[6] = 0xff;
    app_run_init(&r, &mm_app_tls, 51000, 443);
    assert_true(app_run_stream(&r, 0, bad, len) < 0);
    assert_int_equal(app_count(&r), 0);
    app_run_free(&r);
    /* every single byte of the hello flipped to 0xff: no crash, no leak */
    for (size_t i = 5; i < len; i++) {
        memcpy(bad, m, len);
        bad[i] = 0xff;
        app_run_init(&r, &mm_app_tls, 51000, 443);
        app_run_stream(&r, 0, bad, len);
        app_run_free(&r);
    }
    /* not TLS at all */
    static const uint8_t junk[] = "GET / HTTP/1.1\r\n\r\n";
    app_run_init(&r, &mm_app_tls, 51000, 443);
    assert_false(mm_app_tls.probe(&r.pkt, junk, sizeof junk - 1));
    assert_int_equal(app_run_stream(&r, 0, junk, sizeof junk - 1), MM_EPARSE);
    app_run_free(&r);
    free(bad);
    free(m);
}

static void test_truncations(void **state)
{
    (void)state;
    const char *names[] = {"client-hello-ja4", "client-hello-ja3", "server-tls13"};
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        uint8_t *m = app_seed("tls", names[i], &len);
        app_sweep_truncations(&mm_app_tls, m, len, 51000, 443, 0);
        /* a record cut short asks for more data instead of failing */
        for (size_t cut = 0; cut < len; cut++) {
            struct app_run r;
            app_run_init(&r, &mm_app_tls, 51000, 443);
            assert_int_equal(app_run_stream(&r, 0, m, cut), 0);
            app_run_free(&r);
        }
        free(m);
    }
}

/* A certificate without a version field, with a one-byte serial, a
 * BMPString CN (UTF-16 "日本"), an attribute with an unknown OID (dotted),
 * an e-mail attribute, GeneralizedTime and a 19xx/20xx UTCTime boundary; then
 * every truncation of it. Built with tests/sensor/gen/appgen.py's der(). */
static void test_x509_edges(void **state)
{
    (void)state;
    static const uint8_t cert[] = {
        0x30, 0x81, 0x99, 0x30, 0x81, 0x84, 0x02, 0x01, 0x80, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
        0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00, 0x30, 0x1b, 0x31, 0x0a, 0x30, 0x08,
        0x06, 0x03, 0x2a, 0x03, 0x04, 0x0c, 0x01, 0x78, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55,
        0x04, 0x03, 0x1e, 0x04, 0x65, 0xe5, 0x67, 0x2c, 0x30, 0x20, 0x18, 0x0f, 0x31, 0x39, 0x39,
        0x39, 0x31, 0x32, 0x33, 0x31, 0x32, 0x33, 0x35, 0x39, 0x35, 0x39, 0x5a, 0x17, 0x0d, 0x34,
        0x39, 0x31, 0x32, 0x33, 0x31, 0x32, 0x33, 0x35, 0x39, 0x35, 0x39, 0x5a, 0x30, 0x1d, 0x31,
        0x1b, 0x30, 0x19, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01, 0x16,
        0x0c, 0x61, 0x40, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6a, 0x70, 0x30, 0x12,
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
        0x03, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
        0x0b, 0x05, 0x00, 0x03, 0x01, 0x00};
    struct mm__x509 *x = malloc(sizeof *x);
    assert_non_null(x);
    assert_int_equal(mm__x509_parse(cert, sizeof cert, x), 0);
    assert_string_equal(x->issuer, "1.2.3.4=x, CN=日本");
    assert_string_equal(x->subject, "emailAddress=a@example.jp");
    assert_string_equal(x->serial, "80");
    assert_string_equal(x->notbefore, "1999-12-31T23:59:59");
    assert_string_equal(x->notafter, "2049-12-31T23:59:59");
    assert_string_equal(x->fingerprint,
                        "07:fc:24:cd:02:62:90:bb:c1:1b:31:91:85:c5:74:98:f0:f9:d0:61");
    assert_int_equal(x->nsan, 0);
    for (size_t cut = 0; cut < sizeof cert; cut++) {
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, cert, cut);
        assert_true(mm__x509_parse(p, cut, x) < 0);
        free(p);
    }
    free(x);
}

/* A ClientHello body (TLS 1.2, no extensions) offering the ciphers v[0..n). */
static size_t hello_with_ciphers(const uint16_t *v, size_t n, uint8_t *out)
{
    size_t o = 0;
    out[o++] = 3;
    out[o++] = 3;
    memset(out + o, 0, 33); /* random, empty session id */
    o += 33;
    out[o++] = (uint8_t)(2 * n >> 8);
    out[o++] = (uint8_t)(2 * n);
    for (size_t i = 0; i < n; i++) {
        out[o++] = (uint8_t)(v[i] >> 8);
        out[o++] = (uint8_t)v[i];
    }
    out[o++] = 1; /* compression: null */
    out[o++] = 0;
    return o;
}

/* The JA3 and JA4 digests come from a per-thread memo (decode-tls.c): over
 * more distinct hellos than it holds, twice, then over fewer, twice (the
 * second time every digest is a memo hit), each digest must be the one of
 * its own text: MD5 of the JA3 string, and for JA4's second part
 * the first 12 hex digits of SHA-256 of the sorted cipher list. */
static void test_digest_memo(void **state)
{
    (void)state;
    /* rounds 0 and 1: 300 texts, each pushed out before it comes back;
     * rounds 2 and 3: 40 texts, answered from the memo in round 3 */
    for (int round = 0; round < 4; round++) {
        for (unsigned k = 0; k < (round < 2 ? 300u : 40u); k++) {
            uint16_t v[3] = {0x1301, (uint16_t)(0xc000 + k), 0x002f};
            uint8_t body[64];
            json_t *o = NULL;
            assert_int_equal(
                mm__tls_client_hello_json(body, hello_with_ciphers(v, 3, body), 't', &o), 0);
            const char *ja3 =
                json_string_value(json_object_get(json_object_get(o, "ja3"), "string"));
            char want[80], hex[2 * MM_SHA256_LEN + 1];
            uint8_t d[MM_SHA256_LEN];
            snprintf(want, sizeof want, "771,4865-%u-47,,,", 0xc000 + k);
            assert_string_equal(ja3, want);
            mm_md5(ja3, strlen(ja3), d);
            mm_hex(d, MM_MD5_LEN, hex);
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(o, "ja3"), "hash")), hex);
            snprintf(want, sizeof want, "002f,1301,%04x", 0xc000 + k);
            mm_sha256(want, strlen(want), d);
            mm_hex(d, 6, hex);
            const char *ja4 = json_string_value(json_object_get(o, "ja4"));
            assert_non_null(ja4);
            assert_memory_equal(ja4 + 11, hex, 12);
            assert_string_equal(ja4 + 23, "_000000000000");
            json_decref(o);
        }
    }
}

/* The parse memo (x509.c) answers a repeated certificate from its copy:
 * certificates differing in one byte get their own answers, also after
 * more certificates than the memo holds went through it, and a repeated
 * one gets exactly its first answer back. */
static void test_x509_memo(void **state)
{
    (void)state;
    size_t slen;
    uint8_t *s = app_seed("tls", "server-tls12", &slen);
    /* the Certificate message: type 11, 3-byte message length, 3-byte
     * list length, 3-byte certificate length, then the DER */
    const uint8_t *der = NULL;
    size_t dlen = 0;
    for (size_t i = 0; i + 11 < slen && !der; i++) {
        dlen = (size_t)s[i + 7] << 16 | (size_t)s[i + 8] << 8 | s[i + 9];
        if (s[i] == 11 && s[i + 10] == 0x30 && dlen <= slen - i - 10)
            der = s + i + 10;
    }
    assert_non_null(der);
    /* the serial 0A:1B:2C:3D:4E: its last byte varies below */
    const uint8_t *sn = NULL;
    for (size_t i = 0; i + 5 <= dlen && !sn; i++)
        if (memcmp(der + i, "\x0a\x1b\x2c\x3d\x4e", 5) == 0)
            sn = der + i + 4;
    assert_non_null(sn);
    uint8_t *copy = malloc(dlen);
    struct mm__x509 *x = malloc(sizeof *x), *first = malloc(sizeof *first);
    assert_non_null(copy);
    assert_non_null(x);
    assert_non_null(first);
    assert_int_equal(mm__x509_parse(der, dlen, first), 0);
    for (int round = 0; round < 2; round++) {
        for (unsigned v = 0; v < 200; v++) {
            char want[20];
            memcpy(copy, der, dlen);
            copy[sn - der] = (uint8_t)v;
            snprintf(want, sizeof want, "0A:1B:2C:3D:%02X", v);
            assert_int_equal(mm__x509_parse(copy, dlen, x), 0);
            assert_string_equal(x->serial, want);
            assert_string_equal(x->subject, "C=JP, O=Example KK, CN=www.example.jp");
            assert_int_equal(x->nsan, 3);
            assert_string_equal(x->san[2], "192.0.2.80");
            if (v == 0x4e) /* the original certificate again */
                assert_string_equal(x->fingerprint, first->fingerprint);
            else
                assert_string_not_equal(x->fingerprint, first->fingerprint);
        }
    }
    /* (notAfter is the GeneralizedTime 20270131235959Z) 48 variants (fewer
     * than the memo holds) three times: the second and
     * third answers are memo hits and equal the first in every field; a
     * variant with a bad notAfter month fails after the names, and its
     * error and partial result are remembered the same way */
    const uint8_t *na = NULL;
    for (size_t i = 0; i + 6 <= dlen && !na; i++)
        if (memcmp(der + i, (const uint8_t[]){0x18, 0x0f, '2', '0', '2', '7'}, 6) == 0)
            na = der + i + 6;
    assert_non_null(na);
    struct mm__x509 *firsts = malloc(48 * sizeof *firsts);
    int rs[48];
    assert_non_null(firsts);
    for (int round = 0; round < 3; round++) {
        for (unsigned v = 0; v < 48; v++) {
            memcpy(copy, der, dlen);
            copy[sn - der] = (uint8_t)v;
            if (v % 4 == 3)
                copy[na - der] = '9'; /* month 91 */
            struct mm__x509 *want = &firsts[v], *got = round ? x : want;
            int r = mm__x509_parse(copy, dlen, got);
            if (round == 0) {
                rs[v] = r;
                assert_int_equal(r, v % 4 == 3 ? MM_EPARSE : 0);
                assert_string_equal(got->issuer, "C=JP, O=Example CA, CN=Example Root");
                continue;
            }
            assert_int_equal(r, rs[v]);
            assert_string_equal(got->subject, want->subject);
            assert_string_equal(got->issuer, want->issuer);
            assert_string_equal(got->serial, want->serial);
            assert_string_equal(got->notbefore, want->notbefore);
            assert_string_equal(got->notafter, want->notafter);
            assert_string_equal(got->fingerprint, want->fingerprint);
            assert_int_equal(got->nsan, want->nsan);
            for (size_t k = 0; k < got->nsan; k++)
                assert_string_equal(got->san[k], want->san[k]);
        }
    }
    free(firsts);
    /* a failed parse is remembered with its error and partial result */
    for (int round = 0; round < 2; round++) {
        assert_int_equal(mm__x509_parse(der, dlen - 1, x), MM_ETRUNC);
        assert_string_equal(x->subject, "");
        assert_string_equal(x->fingerprint, "");
    }
    free(first);
    free(x);
    free(copy);
    free(s);
}

/* The state of sensor/decode/memo-hash.h's hash of an input of len bytes
 * after its first n (a multiple of 8), under the process key. */
static uint64_t memo_hash_state(const uint8_t *p, size_t n, size_t len)
{
    uint64_t h = ((len + 1) * 0x9E3779B97F4A7C15ull) ^ mm_process_key.k0, w;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    return h;
}

/* Inputs of one length and hash, made here with the process key (a sender
 * does not know it): 65 such "certificates" (equal but for their last 16
 * bytes) cost at most one whole compare per parse (64 before: every
 * remembered one was compared), and each gets its own answer (the SHA-1
 * fingerprint of its own bytes). Under another key they no longer collide:
 * made without this run's key, they would be ordinary inputs. */
static void test_x509_memo_collisions(void **state)
{
    (void)state;
    enum { LEN = 4096, N = 65 };
    uint8_t *der = malloc((size_t)N * LEN);
    struct mm__x509 *x = malloc(sizeof *x);
    assert_non_null(der);
    assert_non_null(x);
    for (size_t i = 0; i < N; i++) {
        uint8_t *d = der + i * LEN;
        memset(d, 0x5a, LEN);
        d[0] = 0x30; /* a SEQUENCE over the whole input: not a certificate */
        d[1] = 0x82;
        d[2] = (LEN - 4) >> 8;
        d[3] = (LEN - 4) & 0xff;
        uint64_t word = i, last;
        memcpy(d + LEN - 16, &word, 8);
        /* the last word brings every input to input 0's state */
        uint64_t s0 = memo_hash_state(der, LEN - 8, LEN), si = memo_hash_state(d, LEN - 8, LEN), w0;
        memcpy(&w0, der + LEN - 8, 8);
        last = i ? (s0 ^ w0 ^ si) : w0;
        memcpy(d + LEN - 8, &last, 8);
        assert_true(mm__memo_hash(d, LEN) == mm__memo_hash(der, LEN));
    }
    for (int round = 0; round < 2; round++) {
        for (size_t i = round ? 0 : 1; i < N; i++) {
            size_t before = mm__x509_memo_compares();
            assert_int_equal(mm__x509_parse(der + i * LEN, LEN, x), MM_EPARSE);
            assert_true(mm__x509_memo_compares() - before <= 1);
            /* the SHA-1 of the whole input, as "aa:bb:.." */
            uint8_t sha[MM_SHA1_LEN];
            char want[3 * MM_SHA1_LEN], hex[2 * MM_SHA1_LEN + 1];
            mm_sha1(der + i * LEN, LEN, sha);
            mm_hex(sha, sizeof sha, hex);
            for (size_t k = 0; k < MM_SHA1_LEN; k++) {
                memcpy(want + 3 * k, hex + 2 * k, 2);
                want[3 * k + 2] = k + 1 < MM_SHA1_LEN ? ':' : '\0';
            }
            assert_string_equal(x->fingerprint, want);
        }
    }
    struct mm_sipkey saved = mm_process_key;
    mm_process_key.k0 ^= 0x5851f42d4c957f2dull;
    for (size_t i = 1; i < N; i++)
        assert_true(mm__memo_hash(der + i * LEN, LEN) != mm__memo_hash(der, LEN));
    mm_process_key = saved;
    free(x);
    free(der);
}

/* jansson allocations that fail on the fail_at-th call (0: never). */
static size_t alloc_calls, alloc_fail_at;

static void *failing_malloc(size_t n)
{
    return ++alloc_calls == alloc_fail_at ? NULL : malloc(n);
}

/* Out of memory at each allocation in turn while a ClientHello's fields are
 * built: the parse reports MM_ENOMEM or succeeds, and frees each object once
 * (jansson's json_object_set_new* keeps its value even when it fails: the
 * ASan build reports a value freed twice). */
static void test_client_hello_out_of_memory(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("tls", "client-hello-ja3", &len);
    assert_true(len > 9);
    for (alloc_fail_at = 1; alloc_fail_at < 80; alloc_fail_at++) {
        json_t *o = NULL;
        alloc_calls = 0;
        json_set_alloc_funcs(failing_malloc, free);
        int r = mm__tls_client_hello_json(m + 9, len - 9, 't', &o);
        json_set_alloc_funcs(malloc, free);
        assert_true(r == 0 || r == MM_ENOMEM);
        assert_true(r == 0 ? o != NULL : o == NULL);
        json_decref(o);
    }
    free(m);
}

/* Appends DER tag+length+body to out at *o. */
static void der_put(uint8_t *out, size_t *o, uint8_t tag, const uint8_t *body, size_t len)
{
    out[(*o)++] = tag;
    if (len < 128) {
        out[(*o)++] = (uint8_t)len;
    } else {
        out[(*o)++] = 0x82;
        out[(*o)++] = (uint8_t)(len >> 8);
        out[(*o)++] = (uint8_t)len;
    }
    memmove(out + *o, body, len);
    *o += len;
}

/* A Name of four CNs of prefix "a"s then 100 x "日": longer than the
 * 1023 bytes kept, so it is cut; one of the prefixes puts the cut inside a
 * character. */
static size_t long_name(uint8_t *out, size_t prefix)
{
    uint8_t rdns[4096], atv[512], tmp[512];
    size_t r = 0;
    static const uint8_t cn_oid[] = {0x06, 0x03, 0x55, 0x04, 0x03};
    for (int i = 0; i < 4; i++) {
        uint8_t val[400];
        size_t v = 0, a = 0, t = 0;
        for (size_t k = 0; k < prefix; k++)
            val[v++] = 'a';
        for (int k = 0; k < 100; k++) {
            memcpy(val + v, "\xe6\x97\xa5", 3);
            v += 3;
        }
        memcpy(atv, cn_oid, sizeof cn_oid);
        a = sizeof cn_oid;
        der_put(atv, &a, 0x0c, val, v);
        der_put(tmp, &t, 0x30, atv, a);
        der_put(rdns, &r, 0x31, tmp, t);
    }
    size_t o = 0;
    der_put(out, &o, 0x30, rdns, r);
    return o;
}

static void test_x509_long_name_cut_at_character(void **state)
{
    (void)state;
    static const uint8_t serial[] = {0x02, 0x01, 0x01};
    static const uint8_t alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                  0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
    static const uint8_t validity[] = {0x30, 0x1e, 0x17, 0x0d, '2', '6', '0',  '1',  '0', '1', '0',
                                       '0',  '0',  '0',  '0',  '0', 'Z', 0x17, 0x0d, '2', '7', '0',
                                       '1',  '0',  '1',  '0',  '0', '0', '0',  '0',  '0', 'Z'};
    static const uint8_t spki[] = {0x30, 0x12, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                   0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00, 0x03, 0x01, 0x00};
    static const uint8_t sig[] = {0x03, 0x01, 0x00};
    struct mm__x509 *x = malloc(sizeof *x);
    uint8_t *tbs = malloc(8192), *cert = malloc(8192), *name = malloc(4096);
    assert_non_null(x);
    for (size_t prefix = 0; prefix < 3; prefix++) {
        size_t n = long_name(name, prefix), t = 0, c = 0;
        memcpy(tbs, serial, sizeof serial);
        t = sizeof serial;
        memcpy(tbs + t, alg, sizeof alg);
        t += sizeof alg;
        memcpy(tbs + t, name, n); /* issuer */
        t += n;
        memcpy(tbs + t, validity, sizeof validity);
        t += sizeof validity;
        memcpy(tbs + t, name, n); /* subject */
        t += n;
        memcpy(tbs + t, spki, sizeof spki);
        t += sizeof spki;
        uint8_t *body = malloc(t + sizeof alg + sizeof sig + 8);
        size_t b = 0;
        der_put(body, &b, 0x30, tbs, t);
        memcpy(body + b, alg, sizeof alg);
        b += sizeof alg;
        memcpy(body + b, sig, sizeof sig);
        b += sizeof sig;
        der_put(cert, &c, 0x30, body, b);
        free(body);
        assert_int_equal(mm__x509_parse(cert, c, x), 0);
        assert_true(strlen(x->subject) > 900);
        assert_true(mm_utf8_valid(x->subject, strlen(x->subject), NULL));
        assert_true(mm_utf8_valid(x->issuer, strlen(x->issuer), NULL));
        json_t *j = mm__app_json_str(x->subject);
        assert_non_null(j);
        assert_string_equal(json_string_value(j), x->subject);
        json_decref(j);
    }
    free(name);
    free(cert);
    free(tbs);
    free(x);
}

/* A certificate (serial 01, issuer and subject CN=a.example.jp, a
 * subjectAltName DNS:a.example.jp) valid from not_before to not_after,
 * each a UTCTime when 13 characters long, else a GeneralizedTime; returns
 * its length. */
static size_t dated_certificate(const char *not_before, const char *not_after, uint8_t *out)
{
    static const uint8_t alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                  0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
    static const uint8_t name[] = {0x30, 0x17, 0x31, 0x15, 0x30, 0x13, 0x06, 0x03, 0x55,
                                   0x04, 0x03, 0x0c, 0x0c, 'a',  '.',  'e',  'x',  'a',
                                   'm',  'p',  'l',  'e',  '.',  'j',  'p'};
    uint8_t tbs[512], tmp[128], names[64], ext[128];
    size_t t = 0, v = 0, g = 0, e = 0, c = 0;
    der_put(tbs, &t, 0x02, (const uint8_t *)"\x01", 1);
    memcpy(tbs + t, alg, sizeof alg);
    t += sizeof alg;
    memcpy(tbs + t, name, sizeof name); /* issuer */
    t += sizeof name;
    der_put(tmp, &v, strlen(not_before) == 13 ? 0x17 : 0x18, (const uint8_t *)not_before,
            strlen(not_before));
    der_put(tmp, &v, strlen(not_after) == 13 ? 0x17 : 0x18, (const uint8_t *)not_after,
            strlen(not_after));
    der_put(tbs, &t, 0x30, tmp, v);
    memcpy(tbs + t, name, sizeof name); /* subject */
    t += sizeof name;
    der_put(tbs, &t, 0x30, (const uint8_t *)"", 0); /* subjectPublicKeyInfo */
    der_put(tmp, &g, 0x82, (const uint8_t *)"a.example.jp", 12);
    der_put(names, &e, 0x30, tmp, g); /* GeneralNames */
    memcpy(ext, "\x06\x03\x55\x1d\x11", 5);
    g = 5;
    der_put(ext, &g, 0x04, names, e); /* Extension: subjectAltName */
    e = 0;
    der_put(tmp, &e, 0x30, ext, g);
    g = 0;
    der_put(ext, &g, 0x30, tmp, e); /* Extensions */
    der_put(tbs, &t, 0xa3, ext, g);
    uint8_t cert[640];
    der_put(cert, &c, 0x30, tbs, t);
    size_t o = 0;
    der_put(out, &o, 0x30, cert, c);
    return o;
}

/* Validity times that do not exist (core's mm_time_parse rule) are left
 * out, UTCTime and GeneralizedTime alike, the other fields still read, and
 * the certificate is reported malformed; times that exist are written as
 * before. */
static void test_x509_impossible_times(void **state)
{
    (void)state;
    static const struct {
        const char *time, *want; /* want NULL: refused */
    } cases[] = {
        {"260230000000Z", NULL},                    /* February 30 */
        {"250229000000Z", NULL},                    /* February 29, not a leap year */
        {"240229000000Z", "2024-02-29T00:00:00"},   /* a leap year's */
        {"260431000000Z", NULL},                    /* April 31 */
        {"261301000000Z", NULL},                    /* month 13 */
        {"260001000000Z", NULL},                    /* month 0 */
        {"260100000000Z", NULL},                    /* day 0 */
        {"260101240000Z", NULL},                    /* hour 24 */
        {"260101006000Z", NULL},                    /* minute 60 */
        {"260101000061Z", NULL},                    /* second 61 */
        {"260101000060Z", NULL},                    /* a second 60 not at a month's end */
        {"261231235960Z", "2026-12-31T23:59:60"},   /* a leap second's place */
        {"20260230000000Z", NULL},                  /* GeneralizedTime: February 30 */
        {"21000229000000Z", NULL},                  /* 2100 is no leap year */
        {"20000229120000Z", "2000-02-29T12:00:00"}, /* 2000 is */
        {"20261301000000Z", NULL},                  /* month 13 */
        {"20260101240000Z", NULL},                  /* hour 24 */
        {"20260630235960Z", "2026-06-30T23:59:60"}, /* a leap second's place */
        {"20260101000000Z", "2026-01-01T00:00:00"},
    };
    static uint8_t der[1024];
    struct mm__x509 *x = malloc(sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int at = 0; at < 2; at++) { /* as notBefore, then as notAfter */
            const char *good = "20270131235959Z", *want_good = "2027-01-31T23:59:59";
            size_t n = at ? dated_certificate(good, cases[i].time, der)
                          : dated_certificate(cases[i].time, good, der);
            int r = mm__x509_parse(der, n, x);
            const char *got = at ? x->notafter : x->notbefore,
                       *other = at ? x->notbefore : x->notafter;
            if (cases[i].want) {
                assert_int_equal(r, 0);
                assert_string_equal(got, cases[i].want);
            } else {
                if (r != MM_EPARSE || got[0])
                    fail_msg("%s as %s: %d \"%s\"", cases[i].time, at ? "notAfter" : "notBefore", r,
                             got);
            }
            assert_string_equal(other, want_good);
            assert_string_equal(x->subject, "CN=a.example.jp");
            assert_string_equal(x->issuer, "CN=a.example.jp");
            assert_string_equal(x->serial, "01");
            assert_int_equal(strlen(x->fingerprint), 59);
            assert_int_equal(x->nsan, 1);
            assert_string_equal(x->san[0], "a.example.jp");
        }
    }
    /* both impossible: both left out, the rest read */
    size_t n = dated_certificate("260230000000Z", "20270229000000Z", der);
    assert_int_equal(mm__x509_parse(der, n, x), MM_EPARSE);
    assert_string_equal(x->notbefore, "");
    assert_string_equal(x->notafter, "");
    assert_int_equal(x->nsan, 1);
    free(x);
}

/* Through the decoder (the seed of tests/sensor/gen/appgen.py with
 * February 30 and 2027-02-29): the server part has every certificate field
 * but notbefore and notafter, and the decoder reports the certificate
 * malformed (the pipeline's tls.malformed anomaly). */
static void test_impossible_times_left_out(void **state)
{
    (void)state;
    size_t slen;
    uint8_t *s = app_seed("tls", "server-tls12-impossible-dates", &slen);
    struct app_run r;
    app_run_init(&r, &mm_app_tls, 443, 51000);
    assert_int_equal(app_run_stream(&r, 1, s, slen), MM_EPARSE);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "tls.version"), "TLS 1.2");
    assert_string_equal(app_str(&r, 0, "tls.subject"), "C=JP, O=Example KK, CN=www.example.jp");
    assert_string_equal(app_str(&r, 0, "tls.serial"), "0A:1B:2C:3D:4E");
    assert_non_null(app_get(&r, 0, "tls.fingerprint"));
    assert_null(app_get(&r, 0, "tls.notbefore"));
    assert_null(app_get(&r, 0, "tls.notafter"));
    assert_int_equal(json_array_size(app_get(&r, 0, "tls.subjectaltname")), 3);
    app_run_free(&r);
    app_sweep_truncations(&mm_app_tls, s, slen, 443, 51000, 1);
    free(s);
}

/* Invalid UTF-8 in text built from packet data never makes a field vanish. */
static void test_json_str_sanitises(void **state)
{
    (void)state;
    json_t *j = mm__app_json_str("host\xff\xe6\x97name");
    assert_non_null(j);
    assert_string_equal(json_string_value(j), "host\\xff\\xe6\\x97name");
    json_decref(j);
    j = mm__app_json_str("\xe6\x97\xa5\xe6\x9c\xac");
    assert_string_equal(json_string_value(j), "\xe6\x97\xa5\xe6\x9c\xac");
    json_decref(j);
}

/* ---- JA3 and JA4 from the specification, on random hellos ---------------------- */

/* The lists a random hello is built from; the reference fingerprints are
 * computed from them as the specifications say (JA3: salesforce/ja3; JA4:
 * FoxIO's JA4.md), with the decoder's documented limit: only the first
 * 256 values of a list count. */
struct spec_hello {
    uint16_t version;
    uint16_t ciphers[300], exts[40], sigalgs[12], versions[6], groups[8];
    size_t nc, ne, ns, nv, ng;
    uint8_t pf[4], alpn0[4];
    size_t npf, alpn0_len;
};

static uint64_t spec_rng = 3;

static uint32_t spec_rnd(void)
{
    spec_rng = spec_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(spec_rng >> 33);
}

static uint16_t spec_grease(void)
{
    unsigned g = spec_rnd() % 16;
    return (uint16_t)(g << 12 | 0x0a00 | g << 4 | 0x0a);
}

/* A value: GREASE one time in six, else from a small pool or random. */
static uint16_t spec_value(void)
{
    static const uint16_t pool[] = {0x1301, 0x1302, 0xc02b, 0xc02f, 0x002f, 0x0035, 0x0403,
                                    0x0804, 0x0017, 0x001d, 0x0304, 0x0303, 0x0000, 0x0010};
    unsigned r = spec_rnd() % 6;
    return r == 0   ? spec_grease()
           : r == 1 ? (uint16_t)spec_rnd()
                    : pool[spec_rnd() % (sizeof pool / sizeof pool[0])];
}

static void spec_plan(struct spec_hello *h)
{
    static const uint16_t versions[] = {0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0200, 0x7f1c};
    static const uint16_t kinds[] = {0, 10, 11, 13, 16, 43, 23, 35, 51, 65281, 0x4469};
    memset(h, 0, sizeof *h);
    h->version = versions[spec_rnd() % 7];
    h->nc = spec_rnd() % 20 == 0 ? 250 + spec_rnd() % 50 : spec_rnd() % 40;
    for (size_t i = 0; i < h->nc; i++)
        h->ciphers[i] = spec_value();
    bool used[sizeof kinds / sizeof kinds[0]] = {false};
    for (size_t i = 0, n = spec_rnd() % 20; i < n; i++) {
        size_t k = spec_rnd() % (sizeof kinds / sizeof kinds[0] + 2);
        if (k >= sizeof kinds / sizeof kinds[0])
            h->exts[h->ne++] = spec_grease(); /* empty, may repeat */
        else if (!used[k] && (used[k] = true))
            h->exts[h->ne++] = kinds[k];
    }
    h->ns = spec_rnd() % 8; /* all GREASE now and then */
    for (size_t i = 0; i < h->ns; i++)
        h->sigalgs[i] = spec_rnd() % 5 ? spec_value() : spec_grease();
    h->nv = spec_rnd() % 5;
    for (size_t i = 0; i < h->nv; i++)
        h->versions[i] = spec_rnd() % 3 ? versions[spec_rnd() % 7] : spec_grease();
    h->ng = spec_rnd() % 6;
    for (size_t i = 0; i < h->ng; i++)
        h->groups[i] = spec_value();
    h->npf = spec_rnd() % 4;
    for (size_t i = 0; i < h->npf; i++)
        h->pf[i] = (uint8_t)(spec_rnd() % 3);
    h->alpn0_len = spec_rnd() % 4;
    for (size_t i = 0; i < h->alpn0_len; i++)
        h->alpn0[i] = (uint8_t)(spec_rnd() % 3 ? 'a' + spec_rnd() % 26 : spec_rnd());
}

static size_t put16_at(uint8_t *out, size_t o, unsigned v)
{
    out[o] = (uint8_t)(v >> 8);
    out[o + 1] = (uint8_t)v;
    return o + 2;
}

/* An extension's body at out; returns its length. */
static size_t spec_extension(const struct spec_hello *h, uint16_t type, uint8_t *out)
{
    size_t o = 0;
    switch (type) {
    case 0:
        o = put16_at(out, 0, 12);
        out[o++] = 0;
        o = put16_at(out, o, 9);
        memcpy(out + o, "x.example", 9);
        return o + 9;
    case 10:
    case 13:
    case 43: {
        const uint16_t *v = type == 10 ? h->groups : type == 13 ? h->sigalgs : h->versions;
        size_t n = type == 10 ? h->ng : type == 13 ? h->ns : h->nv;
        if (type == 43)
            out[o++] = (uint8_t)(2 * n);
        else
            o = put16_at(out, o, (unsigned)(2 * n));
        for (size_t i = 0; i < n; i++)
            o = put16_at(out, o, v[i]);
        return o;
    }
    case 11:
        out[o++] = (uint8_t)h->npf;
        memcpy(out + o, h->pf, h->npf);
        return o + h->npf;
    case 16:
        o = put16_at(out, 0, (unsigned)(h->alpn0_len + 4));
        out[o++] = (uint8_t)h->alpn0_len;
        memcpy(out + o, h->alpn0, h->alpn0_len);
        o += h->alpn0_len;
        out[o++] = 2;
        memcpy(out + o, "h2", 2);
        return o + 2;
    default:
        return 0;
    }
}

/* The ClientHello body of h, its extensions in the order of order[]. */
static size_t spec_body(const struct spec_hello *h, const size_t *order, uint8_t *out)
{
    size_t o = put16_at(out, 0, h->version);
    memset(out + o, 0x11, 32);
    o += 32;
    out[o++] = 0; /* session id */
    o = put16_at(out, o, (unsigned)(2 * h->nc));
    for (size_t i = 0; i < h->nc; i++)
        o = put16_at(out, o, h->ciphers[i]);
    out[o++] = 1;
    out[o++] = 0;
    size_t at = o;
    o += 2;
    for (size_t i = 0; i < h->ne; i++) {
        uint16_t type = h->exts[order[i]];
        o = put16_at(out, o, type);
        size_t len = spec_extension(h, type, out + o + 2);
        o = put16_at(out, o, (unsigned)len) + len;
    }
    put16_at(out, at, (unsigned)(o - at - 2));
    return o;
}

static bool spec_grease_value(uint16_t v)
{
    return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
}

/* Appends the values joined by sep, decimal or four hex digits. */
static size_t spec_join(char *out, size_t o, const uint16_t *v, size_t n, bool hex)
{
    bool first = true;
    for (size_t i = 0; i < n && i < 256; i++) {
        if (spec_grease_value(v[i]))
            continue;
        o += (size_t)sprintf(out + o, hex ? "%s%04x" : "%s%u", first ? "" : hex ? "," : "-", v[i]);
        first = false;
    }
    return o;
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* The non-GREASE values of v (first 256), sorted, without 0 and 16 when
 * drop is set; returns how many. */
static size_t spec_sorted(const uint16_t *v, size_t n, bool drop, uint16_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n && i < 256; i++)
        if (!spec_grease_value(v[i]) && !(drop && (v[i] == 0 || v[i] == 16)))
            out[k++] = v[i];
    qsort(out, k, sizeof out[0], cmp_u16);
    return k;
}

static void spec_hash12(const char *text, size_t n, char *out)
{
    uint8_t d[MM_SHA256_LEN];
    char hex[2 * MM_SHA256_LEN + 1];
    mm_sha256(text, n, d);
    mm_hex(d, MM_SHA256_LEN, hex);
    memcpy(out, n ? hex : "000000000000", 12);
    out[12] = '\0';
}

static bool spec_has(const struct spec_hello *h, uint16_t type)
{
    for (size_t i = 0; i < h->ne; i++)
        if (h->exts[i] == type)
            return true;
    return false;
}

static void spec_ja3(const struct spec_hello *h, char *out)
{
    size_t o = (size_t)sprintf(out, "%u,", h->version);
    o = spec_join(out, o, h->ciphers, h->nc, false);
    out[o++] = ',';
    o = spec_join(out, o, h->exts, h->ne, false);
    out[o++] = ',';
    o = spec_join(out, o, h->groups, spec_has(h, 10) ? h->ng : 0, false);
    out[o++] = ',';
    for (size_t i = 0; spec_has(h, 11) && i < h->npf; i++)
        o += (size_t)sprintf(out + o, "%s%u", i ? "-" : "", h->pf[i]);
    out[o] = '\0';
}

static void spec_ja4(const struct spec_hello *h, char transport, char *out)
{
    static const struct {
        uint16_t v;
        const char *s;
    } names[] = {{0x0304, "13"}, {0x0303, "12"}, {0x0302, "11"},
                 {0x0301, "10"}, {0x0300, "s3"}, {0x0200, "s2"}};
    uint16_t v = h->version, sorted[300];
    bool have = false;
    for (size_t i = 0; spec_has(h, 43) && i < h->nv; i++)
        if (!spec_grease_value(h->versions[i]) && (!have || h->versions[i] > v)) {
            v = h->versions[i];
            have = true;
        }
    const char *vs = "00";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].v == v)
            vs = names[i].s;
    size_t nc = spec_sorted(h->ciphers, h->nc, false, sorted);
    size_t ne = spec_sorted(h->exts, h->ne, false, sorted);
    char alpn[3] = "00";
    if (spec_has(h, 16) && h->alpn0_len) {
        uint8_t f = h->alpn0[0], l = h->alpn0[h->alpn0_len - 1];
        bool an = isalnum(f) && isalnum(l) && f < 0x80 && l < 0x80;
        snprintf(alpn, sizeof alpn, an ? "%c%c" : "%x%x", an ? f : f >> 4, an ? l : l & 15);
    }
    int o = sprintf(out, "%c%s%c%02zu%02zu%s_", transport, vs, spec_has(h, 0) ? 'd' : 'i',
                    nc > 99 ? 99 : nc, ne > 99 ? 99 : ne, alpn);
    char text[4096];
    size_t n = spec_sorted(h->ciphers, h->nc, false, sorted);
    size_t t = spec_join(text, 0, sorted, n, true);
    spec_hash12(text, t, out + o);
    o += 12;
    out[o++] = '_';
    n = spec_sorted(h->exts, h->ne, true, sorted);
    t = spec_join(text, 0, sorted, n, true);
    if (n && spec_has(h, 13) && h->ns) {
        text[t++] = '_';
        t = spec_join(text, t, h->sigalgs, h->ns, true);
    }
    spec_hash12(text, t, out + o);
}

/* Random hellos (GREASE everywhere, lists past 256 values, sigalgs of only
 * GREASE, odd ALPN bytes, version lists or none), each in two extension
 * orders, over TCP and QUIC, three times (the memos answer the later
 * ones): JA3 string and JA4 as the specifications give them, and the JA3
 * hash the MD5 of the string. */
static void test_fingerprints_against_spec(void **state)
{
    (void)state;
    static uint8_t body[4096];
    for (unsigned round = 0; round < 3; round++) {
        spec_rng = 3;
        for (unsigned i = 0; i < 1500; i++) {
            struct spec_hello h;
            size_t order[40];
            char ja3[4096], ja4[64];
            spec_plan(&h);
            for (size_t k = 0; k < h.ne; k++)
                order[k] = k;
            for (int pass = 0; pass < 2; pass++) {
                char transport = (i + pass) % 4 ? 't' : 'q';
                json_t *o = NULL;
                assert_int_equal(
                    mm__tls_client_hello_json(body, spec_body(&h, order, body), transport, &o), 0);
                spec_ja3(&h, ja3);
                spec_ja4(&h, transport, ja4);
                json_t *j3 = json_object_get(o, "ja3");
                assert_string_equal(json_string_value(json_object_get(j3, "string")), ja3);
                assert_string_equal(json_string_value(json_object_get(o, "ja4")), ja4);
                uint8_t d[MM_MD5_LEN];
                char hex[2 * MM_MD5_LEN + 1];
                mm_md5(ja3, strlen(ja3), d);
                mm_hex(d, sizeof d, hex);
                assert_string_equal(json_string_value(json_object_get(j3, "hash")), hex);
                json_decref(o);
                for (size_t k = h.ne; k > 1; k--) { /* shuffled, as some browsers do */
                    size_t r = spec_rnd() % k, x = order[k - 1];
                    order[k - 1] = order[r];
                    order[r] = x;
                }
                /* the JA3 string follows the order sent */
                uint16_t sent[40];
                for (size_t k = 0; k < h.ne; k++)
                    sent[k] = h.exts[order[k]];
                memcpy(h.exts, sent, h.ne * sizeof sent[0]);
                for (size_t k = 0; k < h.ne; k++)
                    order[k] = k;
            }
        }
    }
}

/* ---- texts handed to jansson unchecked --------------------------------------------- */

/* jansson's own check: s is valid UTF-8 (json_string refuses it otherwise). */
static bool valid_utf8(const char *s)
{
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

/* A directory string of random bytes: UTF8String, PrintableString,
 * T61String or BMPString (random UTF-16 units, lone surrogates included). */
static void random_attribute_value(uint8_t *out, size_t *o)
{
    static const uint8_t tags[] = {0x0c, 0x13, 0x14, 0x1e};
    static const uint8_t pool[] = {'a',  'Z',  ' ',  0x00, 0x01, 0x7f, 0x80, 0xbf, 0xc3,
                                   0xa9, 0xe6, 0x97, 0xa5, 0xf0, 0x9f, 0xd8, 0xdc, 0xff};
    uint8_t val[600];
    size_t n = spec_rnd() % 8 == 0 ? 300 + spec_rnd() % 300 : spec_rnd() % 40;
    for (size_t i = 0; i < n; i++)
        val[i] = spec_rnd() % 2 ? pool[spec_rnd() % sizeof pool] : (uint8_t)spec_rnd();
    der_put(out, o, tags[spec_rnd() % sizeof tags], val, n);
}

/* A certificate whose issuer, subject and subjectAltName names hold random
 * bytes in every string type; returns its length. */
static size_t random_text_certificate(uint8_t *out)
{
    static const uint8_t oids[][5] = {{0x06, 0x03, 0x55, 0x04, 0x03},
                                      {0x06, 0x03, 0x55, 0x04, 0x0a},
                                      {0x06, 0x03, 0x2a, 0x03, 0x04}};
    static uint8_t tbs[8192], name[4096], tmp[4096], cert[9000];
    size_t t = 0, c = 0;
    der_put(tbs, &t, 0x02, (const uint8_t *)"\x01", 1); /* serial, no [0] version */
    der_put(tbs, &t, 0x30, (const uint8_t *)"", 0);     /* signature algorithm */
    for (int part = 0; part < 2; part++) {              /* issuer, then validity and subject */
        size_t r = 0, count = 1 + spec_rnd() % 4;
        if (part == 1) {
            size_t v = 0;
            der_put(tmp, &v, 0x17, (const uint8_t *)"260101000000Z", 13);
            der_put(tmp, &v, 0x17, (const uint8_t *)"270101000000Z", 13);
            der_put(tbs, &t, 0x30, tmp, v);
        }
        for (size_t k = 0; k < count; k++) {
            uint8_t atv[800], set[800];
            size_t a = 0, st = 0;
            memcpy(atv, oids[spec_rnd() % 3], 5);
            a = 5;
            random_attribute_value(atv, &a);
            der_put(set, &st, 0x30, atv, a);
            der_put(name, &r, 0x31, set, st);
        }
        der_put(tbs, &t, 0x30, name, r);
    }
    der_put(tbs, &t, 0x30, (const uint8_t *)"", 0); /* subjectPublicKeyInfo */
    size_t g = 0, e = 0, x = 0;
    for (int k = 0; k < 3; k++) {
        uint8_t v[300];
        size_t n = spec_rnd() % 300;
        for (size_t i = 0; i < n; i++)
            v[i] = (uint8_t)spec_rnd();
        der_put(name, &g, 0x82, v, n);
    }
    der_put(tmp, &e, 0x30, name, g); /* GeneralNames */
    uint8_t ext[4096];
    memcpy(ext, "\x06\x03\x55\x1d\x11", 5);
    x = 5;
    der_put(ext, &x, 0x04, tmp, e);
    e = 0;
    der_put(tmp, &e, 0x30, ext, x);
    x = 0;
    der_put(ext, &x, 0x30, tmp, e);
    der_put(tbs, &t, 0xa3, ext, x);
    der_put(cert, &c, 0x30, tbs, t);
    size_t o = 0;
    der_put(out, &o, 0x30, cert, c);
    return o;
}

/* The decoder gives jansson its server names and certificate texts without
 * jansson's UTF-8 check (x509.h, decode-tls.c): from random bytes in every
 * string type (lone surrogates in BMPStrings, bytes that are not UTF-8,
 * control bytes, names cut at their buffer), every text must be valid. */
static void test_texts_valid_utf8(void **state)
{
    (void)state;
    static uint8_t der[16384];
    struct mm__x509 *x = malloc(sizeof *x);
    assert_non_null(x);
    spec_rng = 17;
    for (unsigned i = 0; i < 2000; i++) {
        size_t n = random_text_certificate(der);
        assert_true(n <= sizeof der);
        mm__x509_parse(der, n, x);
        assert_true(valid_utf8(x->subject));
        assert_true(valid_utf8(x->issuer));
        for (size_t k = 0; k < x->nsan; k++)
            assert_true(valid_utf8(x->san[k]));
    }
    free(x);
    for (unsigned i = 0; i < 2000; i++) {
        uint8_t body[1400], name[1200];
        size_t nl = spec_rnd() % 8 == 0 ? 1100 + spec_rnd() % 100 : spec_rnd() % 60;
        for (size_t k = 0; k < nl; k++)
            name[k] = spec_rnd() % 3 ? (uint8_t)('a' + spec_rnd() % 26) : (uint8_t)spec_rnd();
        size_t o = hello_with_ciphers((const uint16_t[]){0x1301}, 1, body);
        o = put16_at(body, o, (unsigned)nl + 9);
        o = put16_at(body, o, 0);
        o = put16_at(body, o, (unsigned)nl + 5);
        o = put16_at(body, o, (unsigned)nl + 3);
        body[o++] = 0;
        o = put16_at(body, o, (unsigned)nl);
        memcpy(body + o, name, nl);
        json_t *h = NULL;
        assert_int_equal(mm__tls_client_hello_json(body, o + nl, 't', &h), 0);
        const char *sni = json_string_value(json_object_get(h, "sni"));
        if (nl)
            assert_non_null(sni);
        if (sni)
            assert_true(valid_utf8(sni));
        json_decref(h);
    }
}

/* Half-sent handshakes on many flows: what the decoder holds between
 * packets stays under its cap, the flow past it is refused (MM_ELIMIT, the
 * pipeline's anomaly), and all of it is given back when the flows end. */
/* Starts flows, each sending three 16 KiB records of a ClientHello that
 * claims 60 000 bytes, until all have tried; checks the held bytes never
 * pass cap, frees them all and returns how many flows were refused. */
static size_t flows_refused(size_t flows, size_t cap)
{
    enum { CHUNK = 16384 };
    uint8_t *rec = calloc(3, 5 + CHUNK);
    assert_non_null(rec);
    for (int k = 0; k < 3; k++) {
        uint8_t *r = rec + k * (5 + CHUNK);
        r[0] = 22, r[1] = 3, r[2] = 3, r[3] = CHUNK >> 8, r[4] = CHUNK & 0xff;
    }
    rec[5] = 1, rec[6] = 0x00, rec[7] = 0xea, rec[8] = 0x60;
    struct app_run *runs = calloc(flows, sizeof *runs);
    assert_non_null(runs);
    size_t before = mm__tls_held_bytes(), refused = 0;
    for (size_t i = 0; i < flows; i++) {
        app_run_init(&runs[i], &mm_app_tls, (uint16_t)(1024 + i), 443);
        long r = app_run_stream(&runs[i], 0, rec, 3 * (5 + CHUNK));
        if (r == MM_ELIMIT)
            refused++;
        else
            assert_int_equal(r, 0);
        assert_true(mm__tls_held_bytes() <= cap);
    }
    for (size_t i = 0; i < flows; i++)
        app_run_free(&runs[i]);
    assert_int_equal(mm__tls_held_bytes(), before);
    /* room again: a new flow buffers as before */
    struct app_run again;
    app_run_init(&again, &mm_app_tls, 9999, 443);
    assert_int_equal(app_run_stream(&again, 0, rec, 5 + CHUNK), 0);
    assert_true(mm__tls_held_bytes() > before);
    app_run_free(&again);
    assert_int_equal(mm__tls_held_bytes(), before);
    free(runs);
    free(rec);
    return refused;
}

static void test_memcap(void **state)
{
    (void)state;
    size_t refused = flows_refused(800, MM_TLS_MEMCAP_DEFAULT);
    assert_true(refused > 0 && refused < 800);
}

/* [tls] memcap: a smaller cap refuses flows sooner; 0 restores the default. */
static void test_memcap_setting(void **state)
{
    (void)state;
    mm__tls_set_memcap(1u << 20);
    size_t refused = flows_refused(100, 1u << 20);
    assert_true(refused > 60 && refused < 100);
    mm__tls_set_memcap(0);
    assert_int_equal(flows_refused(100, MM_TLS_MEMCAP_DEFAULT), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ja4_vector),
        cmocka_unit_test(test_ja3_vector),
        cmocka_unit_test(test_server_tls12_certificate),
        cmocka_unit_test(test_server_tls13),
        cmocka_unit_test(test_hello_across_records),
        cmocka_unit_test(test_records_recut),
        cmocka_unit_test(test_hostile_lengths),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_x509_edges),
        cmocka_unit_test(test_x509_memo),
        cmocka_unit_test(test_x509_memo_collisions),
        cmocka_unit_test(test_digest_memo),
        cmocka_unit_test(test_fingerprints_against_spec),
        cmocka_unit_test(test_texts_valid_utf8),
        cmocka_unit_test(test_client_hello_out_of_memory),
        cmocka_unit_test(test_x509_long_name_cut_at_character),
        cmocka_unit_test(test_json_str_sanitises),
        cmocka_unit_test(test_memcap),
        cmocka_unit_test(test_server_part_packed),
        cmocka_unit_test(test_memcap_setting),
        cmocka_unit_test(test_x509_impossible_times),
        cmocka_unit_test(test_impossible_times_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
