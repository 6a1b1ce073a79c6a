/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the QUIC decoder (decode-quic.c). Known vectors from
 * RFC 9001 Appendix A: the client Initial keys of A.1 derived from the
 * Destination Connection ID 8394c8f03e515708, and the protected 1200-byte
 * client Initial of A.2 (tests/fuzz/corpus/quic/rfc9001-a2-client-initial)
 * decrypting to its ClientHello for "example.com". JA3/JA4 of that hello
 * were computed independently from the RFC's listing (MD5 of the JA3
 * string; SHA-256 of the sorted JA4 lists). Plus a ClientHello split into
 * out-of-order CRYPTO frames over two Initials (v1 and v2), server
 * datagrams ignored, tampered packets, truncation at every length and
 * hostile frame values. The key schedule (HKDF over the core's SHA-256
 * since 2026-11) is also held to RFC 9369's v2 vector and to OpenSSL's
 * HKDF, the code before, on random connection IDs of every length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "app-test.h"
#include "core/error.h"
#include "sensor/decode/decode-quic.h"

extern const struct mm_app_decoder mm_app_quic;

static const uint8_t rfc_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

/* The ClientHello handshake message of RFC 9001 A.2 (the CRYPTO frame data). */
static const char rfc_hello_hex[] =
    "010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47"
    "f06a2b69484c00000413011302010000c000000010000e00000b6578616d706c"
    "652e636f6dff01000100000a00080006001d0017001800100007000504616c70"
    "6e000500050100000000003300260024001d00209370b2c9caa47fbabaf4559f"
    "edba753de171fa71f50f1ce15d43e994ec74d748002b0003020304000d001000"
    "0e0403050306030203080408050806002d00020101001c000240010039003204"
    "08ffffffffffffffff05048000ffff07048000ffff0801100104800075300901"
    "100f088394c8f03e51570806048000ffff";

#define RFC_JA3 "771,4865-4866,0-65281-10-16-5-51-43-13-45-28-57,29-23-24,"
#define RFC_JA4 "q13d0211an_62ed6f6ca7ad_4d634acda6c0"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void assert_hex(const uint8_t *p, size_t n, const char *hex)
{
    uint8_t want[64];
    assert_int_equal(unhex(hex, want, sizeof want), n);
    assert_memory_equal(p, want, n);
}

static void test_rfc9001_a1_keys(void **state)
{
    (void)state;
    struct mm__quic_keys k;
    assert_int_equal(mm__quic_client_keys(MM_QUIC_V1, rfc_dcid, sizeof rfc_dcid, &k), 0);
    assert_hex(k.key, sizeof k.key, "1f369613dd76d5467730efcbe3b1a22d");
    assert_hex(k.iv, sizeof k.iv, "fa044b2f42a3fd3b46fb255c");
    assert_hex(k.hp, sizeof k.hp, "9f50449e04a0e810283a1e9933adedd2");
    assert_int_equal(mm__quic_client_keys(0xff00001du, rfc_dcid, 8, &k), MM_EUNSUPPORTED);
}

/* RFC 9369 Appendix A.1: QUIC v2's client Initial keys of the same DCID. */
static void test_rfc9369_a1_keys(void **state)
{
    (void)state;
    struct mm__quic_keys k;
    assert_int_equal(mm__quic_client_keys(MM_QUIC_V2, rfc_dcid, sizeof rfc_dcid, &k), 0);
    assert_hex(k.key, sizeof k.key, "8b1a0bc121284290a29e0971b5cd045d");
    assert_hex(k.iv, sizeof k.iv, "91f73e2351d8fa91660e909f");
    assert_hex(k.hp, sizeof k.hp, "45b95e15235d6f45a6b19cbcb0294ba9");
}

/* The key schedule as decode-quic.c made it until 2026-11: OpenSSL's HKDF. */
static void ref_hkdf(int mode, const uint8_t *key, size_t keylen, const uint8_t *salt,
                     size_t saltlen, const uint8_t *info, size_t infolen, uint8_t *out,
                     size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM params[6], *p = params;
    assert_non_null(kctx);
    *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, keylen);
    if (salt)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
    if (info)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, infolen);
    *p = OSSL_PARAM_construct_end();
    assert_int_equal(EVP_KDF_derive(kctx, out, outlen, params), 1);
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
}

static void ref_expand_label(const uint8_t secret[32], const char *label, uint8_t *out,
                             size_t outlen)
{
    uint8_t info[64];
    size_t ll = strlen(label), n = 0;
    info[n++] = (uint8_t)(outlen >> 8);
    info[n++] = (uint8_t)outlen;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = 0;
    ref_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 32, NULL, 0, info, n, out, outlen);
}

static void test_keys_against_openssl_hkdf(void **state)
{
    (void)state;
    static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                        0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
    static const uint8_t salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                        0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
    srand(9001);
    for (int i = 0; i < 400; i++) {
        bool v2 = i & 1;
        uint8_t dcid[20], initial[32], client[32];
        size_t len = (size_t)(i / 2) % 21;
        for (size_t j = 0; j < len; j++)
            dcid[j] = (uint8_t)rand();
        struct mm__quic_keys k, want;
        assert_int_equal(mm__quic_client_keys(v2 ? MM_QUIC_V2 : MM_QUIC_V1, dcid, len, &k), 0);
        ref_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, len, v2 ? salt_v2 : salt_v1, 20, NULL, 0,
                 initial, sizeof initial);
        ref_expand_label(initial, "client in", client, sizeof client);
        ref_expand_label(client, v2 ? "quicv2 key" : "quic key", want.key, sizeof want.key);
        ref_expand_label(client, v2 ? "quicv2 iv" : "quic iv", want.iv, sizeof want.iv);
        ref_expand_label(client, v2 ? "quicv2 hp" : "quic hp", want.hp, sizeof want.hp);
        assert_memory_equal(k.key, want.key, sizeof k.key);
        assert_memory_equal(k.iv, want.iv, sizeof k.iv);
        assert_memory_equal(k.hp, want.hp, sizeof k.hp);
    }
}

static void assert_rfc_event(const struct app_run *r, size_t i, const char *version)
{
    assert_string_equal(app_str(r, i, "event_type"), "quic");
    assert_string_equal(app_str(r, i, "quic.version"), version);
    assert_string_equal(app_str(r, i, "quic.sni"), "example.com");
    assert_string_equal(app_str(r, i, "quic.ja3.string"), RFC_JA3);
    assert_string_equal(app_str(r, i, "quic.ja3.hash"), "41bc9ae914d6cb3bd0bd0a5453ab7d7f");
    assert_string_equal(app_str(r, i, "quic.ja4"), RFC_JA4);
    assert_string_equal(app_str(r, i, "quic.client_alpns.0"), "alpn");
}

static void test_rfc9001_a2_client_initial(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("quic", "rfc9001-a2-client-initial", &len);
    assert_int_equal(len, 1200);
    struct app_run r;
    app_run_init(&r, &mm_app_quic, 51000, 443);
    assert_true(mm_app_quic.probe(&r.pkt, m, len));
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_int_equal(app_count(&r), 1);
    assert_rfc_event(&r, 0, "1");
    /* the connection is done: a retransmission logs nothing more */
    assert_int_equal(app_run_udp(&r, m, len), 0);
    assert_int_equal(app_count(&r), 1);
    app_run_free(&r);

    /* the same datagram from the server's side is not decrypted */
    app_run_init(&r, &mm_app_quic, 443, 51000);
    r.ctx.dir = 1;
    assert_int_equal(mm_app_quic.parse(&r.ctx, m, len), 0);
    assert_int_equal(app_count(&r), 0);
    app_run_free(&r);
    free(m);
}

static void test_probe(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("quic", "rfc9001-a2-client-initial", &len);
    struct app_run r;
    app_run_init(&r, &mm_app_quic, 51000, 443);
    assert_false(mm_app_quic.probe(&r.pkt, m, 1199)); /* unpadded: not a client Initial */
    m[4] = 2;                                         /* version 2 is not QUIC v2 */
    assert_false(mm_app_quic.probe(&r.pkt, m, len));
    m[4] = 1;
    m[0] = 0x40; /* short header */
    assert_false(mm_app_quic.probe(&r.pkt, m, len));
    app_run_free(&r);
    free(m);
}

/* Initial keys are public, so the tag authenticates nothing: a packet
 * whose tag fails is still read (the Maltrail corpus carries such a
 * packet) but the datagram is reported as malformed. A changed DCID gives
 * other keys, and the decryption is noise. */
static void test_tampered(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("quic", "rfc9001-a2-client-initial", &len);
    struct app_run r;
    m[len - 1] ^= 1; /* the tag */
    app_run_init(&r, &mm_app_quic, 51000, 443);
    assert_int_equal(app_run_udp(&r, m, len), MM_EPARSE);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "quic.sni"), "example.com");
    app_run_free(&r);
    m[len - 1] ^= 1;
    m[6] ^= 1; /* the DCID */
    app_run_init(&r, &mm_app_quic, 51000, 443);
    assert_int_equal(app_run_udp(&r, m, len), MM_EPARSE);
    assert_int_equal(app_count(&r), 0);
    app_run_free(&r);
    free(m);
}

static void test_truncations(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("quic", "rfc9001-a2-client-initial", &len);
    app_sweep_truncations(&mm_app_quic, m, len, 51000, 443, 0);
    free(m);
}

/* Appends a CRYPTO frame (2-byte varints) for hello[off..off+n). */
static size_t crypto_frame(uint8_t *out, const uint8_t *hello, size_t off, size_t n)
{
    out[0] = 0x06;
    out[1] = (uint8_t)(0x40 | off >> 8);
    out[2] = (uint8_t)off;
    out[3] = (uint8_t)(0x40 | n >> 8);
    out[4] = (uint8_t)n;
    memcpy(out + 5, hello + off, n);
    return 5 + n;
}

/* The RFC hello in three CRYPTO frames over two Initials, tail first and
 * with PING and PADDING around them, sealed with version's keys. */
static void run_split_hello(uint32_t version, const char *version_text)
{
    uint8_t hello[512], f1[1400], f2[1400], pkt[1500];
    size_t hn = unhex(rfc_hello_hex, hello, sizeof hello), n1 = 0, n2 = 0, plen;
    f1[n1++] = 0x01; /* PING */
    n1 += crypto_frame(f1 + n1, hello, 200, hn - 200);
    n1 += crypto_frame(f1 + n1, hello, 0, 50);
    memset(f1 + n1, 0, 1200 - n1); /* PADDING */
    n1 = 1200;
    n2 += crypto_frame(f2 + n2, hello, 40, 170); /* overlaps both neighbours */
    memset(f2 + n2, 0, 1200 - n2);
    n2 = 1200;

    struct app_run r;
    app_run_init(&r, &mm_app_quic, 51000, 443);
    assert_int_equal(mm__quic_seal_initial(version, rfc_dcid, 8, 0, f1, n1, pkt, sizeof pkt, &plen),
                     0);
    assert_true(mm_app_quic.probe(&r.pkt, pkt, plen));
    assert_int_equal(app_run_udp(&r, pkt, plen), 0);
    assert_int_equal(app_count(&r), 0); /* a gap at 50..200 */
    /* the second Initial, as after a Retry: a new DCID and new keys */
    static const uint8_t dcid2[5] = {1, 2, 3, 4, 5};
    assert_int_equal(mm__quic_seal_initial(version, dcid2, 5, 1, f2, n2, pkt, sizeof pkt, &plen),
                     0);
    assert_int_equal(app_run_udp(&r, pkt, plen), 0);
    assert_int_equal(app_count(&r), 1);
    assert_rfc_event(&r, 0, version_text);
    app_run_free(&r);
}

static void test_split_hello_v1(void **state)
{
    (void)state;
    run_split_hello(MM_QUIC_V1, "1");
}

static void test_split_hello_v2(void **state)
{
    (void)state;
    run_split_hello(MM_QUIC_V2, "6b3343cf");
}

/* Seals frames[0..n) (padded to 1100 bytes) and returns parse's result. */
static long run_frames(struct app_run *r, const uint8_t *frames, size_t n, uint32_t pn)
{
    uint8_t f[1100], pkt[1500];
    size_t plen;
    assert_true(n <= sizeof f);
    memcpy(f, frames, n);
    memset(f + n, 0, sizeof f - n);
    assert_int_equal(
        mm__quic_seal_initial(MM_QUIC_V1, rfc_dcid, 8, pn, f, sizeof f, pkt, sizeof pkt, &plen), 0);
    return app_run_udp(r, pkt, plen);
}

static void test_hostile_frames(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        uint8_t bytes[24];
        size_t len;
        long want;
    } cases[] = {
        /* CRYPTO at offset 2^62-1: outside the buffer, ignored */
        {"huge offset", {0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00}, 11, 0},
        /* CRYPTO length beyond the packet */
        {"long length", {0x06, 0x00, 0x80, 0x00, 0x10, 0x00}, 6, MM_EPARSE},
        /* a STREAM frame has no place in an Initial */
        {"stream frame", {0x08, 0x00, 0x00}, 3, MM_EPARSE},
        /* ACK with a range count larger than the packet */
        {"ack ranges", {0x02, 0x00, 0x00, 0xbf, 0xff, 0xff, 0xff}, 7, MM_EPARSE},
        /* a handshake message that is not a ClientHello */
        {"server hello", {0x06, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00}, 7, MM_EPARSE},
        /* a ClientHello longer than the decoder keeps */
        {"hello too big", {0x06, 0x00, 0x04, 0x01, 0xff, 0xff, 0xff}, 7, MM_EPARSE},
        /* a ClientHello of 4 bytes: malformed for the TLS parser */
        {"short hello", {0x06, 0x00, 0x08, 0x01, 0x00, 0x00, 0x04, 3, 3, 0, 0}, 11, MM_EPARSE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct app_run r;
        app_run_init(&r, &mm_app_quic, 51000, 443);
        long got = run_frames(&r, cases[i].bytes, cases[i].len, 0);
        if (got != cases[i].want)
            fail_msg("%s: got %ld, want %ld", cases[i].name, got, cases[i].want);
        assert_int_equal(app_count(&r), 0);
        app_run_free(&r);
    }
}

static void test_datagram_limit(void **state)
{
    (void)state;
    uint8_t hello[512], f[1100];
    size_t hn = unhex(rfc_hello_hex, hello, sizeof hello);
    struct app_run r;
    app_run_init(&r, &mm_app_quic, 51000, 443);
    static const uint8_t ping[1] = {0x01};
    for (uint32_t i = 0; i < 16; i++)
        assert_int_equal(run_frames(&r, ping, 1, i), 0);
    /* the 17th datagram is not looked at, even with the whole hello */
    size_t n = crypto_frame(f, hello, 0, hn);
    assert_int_equal(run_frames(&r, f, n, 16), 0);
    assert_int_equal(app_count(&r), 0);
    app_run_free(&r);
}

/* More CRYPTO frames than the decoder keeps: the connection is given up
 * (memory follows the frames received, so their number is capped). */
static void test_fragment_limit(void **state)
{
    (void)state;
    uint8_t hello[512], f[1100];
    size_t hn = unhex(rfc_hello_hex, hello, sizeof hello), n = 0;
    for (size_t i = 0; i < 65; i++)
        n += crypto_frame(f + n, hello, 2 * i + 1, 1); /* never contiguous */
    struct app_run r;
    app_run_init(&r, &mm_app_quic, 51000, 443);
    assert_int_equal(run_frames(&r, f, n, 0), MM_ELIMIT);
    n = crypto_frame(f, hello, 0, hn);
    assert_int_equal(run_frames(&r, f, n, 1), 0); /* ignored now */
    assert_int_equal(app_count(&r), 0);
    app_run_free(&r);
}

static void test_coalesced_and_padding(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = app_seed("quic", "rfc9001-a2-client-initial", &len);
    /* a Handshake packet of unknown keys first, then the Initial, then zeros */
    uint8_t d[1300];
    static const uint8_t hs[] = {0xe0, 0, 0, 0, 1, 0, 0, 0x05, 1, 2, 3, 4, 5};
    memcpy(d, hs, sizeof hs);
    memcpy(d + sizeof hs, m, len);
    memset(d + sizeof hs + len, 0, sizeof d - sizeof hs - len);
    struct app_run r;
    app_run_init(&r, &mm_app_quic, 51000, 443);
    assert_int_equal(app_run_udp(&r, d, sizeof d), 0);
    assert_int_equal(app_count(&r), 1);
    assert_string_equal(app_str(&r, 0, "quic.sni"), "example.com");
    app_run_free(&r);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9001_a1_keys),
        cmocka_unit_test(test_rfc9369_a1_keys),
        cmocka_unit_test(test_keys_against_openssl_hkdf),
        cmocka_unit_test(test_rfc9001_a2_client_initial),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_split_hello_v1),
        cmocka_unit_test(test_split_hello_v2),
        cmocka_unit_test(test_hostile_frames),
        cmocka_unit_test(test_datagram_limit),
        cmocka_unit_test(test_fragment_limit),
        cmocka_unit_test(test_coalesced_and_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
