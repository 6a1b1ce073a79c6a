/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for core/hash.c (MD5, SHA-1, SHA-256 against the RFC 1321 and
 * FIPS 180 vectors, incremental feeding, Base64) and core/community-id.c
 * (the Community ID spec's published vectors, both directions, IPv6, ICMP). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/eve.h"
#include "core/hash.h"
#include "core/hash-int.h"

static void hex_md5(const char *s, char out[33])
{
    uint8_t d[MM_MD5_LEN];
    mm_md5(s, strlen(s), d);
    mm_hex(d, sizeof(d), out);
}

static void hex_sha1(const char *s, char out[41])
{
    uint8_t d[MM_SHA1_LEN];
    mm_sha1(s, strlen(s), d);
    mm_hex(d, sizeof(d), out);
}

static void hex_sha256(const char *s, char out[65])
{
    uint8_t d[MM_SHA256_LEN];
    mm_sha256(s, strlen(s), d);
    mm_hex(d, sizeof(d), out);
}

static void test_md5_vectors(void **state)
{
    (void)state;
    char h[33];
    hex_md5("", h);
    assert_string_equal(h, "d41d8cd98f00b204e9800998ecf8427e");
    hex_md5("abc", h);
    assert_string_equal(h, "900150983cd24fb0d6963f7d28e17f72");
    hex_md5("message digest", h);
    assert_string_equal(h, "f96b697d7cb7938d525a2f31aaf161d0");
    hex_md5("12345678901234567890123456789012345678901234567890123456789012345678901234567890", h);
    assert_string_equal(h, "57edf4a22be3c955ac49da2e2107b67a");
}

static void test_sha1_vectors(void **state)
{
    (void)state;
    char h[41];
    hex_sha1("", h);
    assert_string_equal(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    hex_sha1("abc", h);
    assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
    hex_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", h);
    assert_string_equal(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    char h[65];
    hex_sha256("", h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_sha256("abc", h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* mm_sha1 hashes a message of up to 55 bytes as one block without the
 * streaming context: it gives the streaming result for every length around
 * that edge (0-130 bytes, random contents). */
static void test_sha1_one_shot_matches_streaming(void **state)
{
    (void)state;
    uint8_t msg[131], a[MM_SHA1_LEN], b[MM_SHA1_LEN];
    uint64_t x = 0x243f6a8885a308d3ULL;
    for (size_t len = 0; len <= sizeof msg - 1; len++) {
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            msg[i] = (uint8_t)x;
        }
        struct mm_sha1 c;
        mm_sha1_init(&c);
        mm_sha1_update(&c, msg, len);
        mm_sha1_final(&c, a);
        mm_sha1(msg, len, b);
        assert_memory_equal(a, b, MM_SHA1_LEN);
    }
    mm_sha1(NULL, 0, b); /* an empty message may come without a buffer */
    mm_sha1("", 0, a);
    assert_memory_equal(a, b, MM_SHA1_LEN);
}

/* One million 'a' fed in uneven pieces exercises the block buffering. */
static void test_incremental_million_a(void **state)
{
    (void)state;
    static uint8_t chunk[997];
    memset(chunk, 'a', sizeof(chunk));
    struct mm_sha1 s1;
    struct mm_sha256 s2;
    struct mm_md5 m;
    mm_sha1_init(&s1);
    mm_sha256_init(&s2);
    mm_md5_init(&m);
    size_t left = 1000000;
    while (left > 0) {
        size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
        mm_sha1_update(&s1, chunk, n);
        mm_sha256_update(&s2, chunk, n);
        mm_md5_update(&m, chunk, n);
        left -= n;
    }
    uint8_t d1[MM_SHA1_LEN], d2[MM_SHA256_LEN], d3[MM_MD5_LEN];
    char h[65];
    mm_sha1_final(&s1, d1);
    mm_hex(d1, sizeof(d1), h);
    assert_string_equal(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    mm_sha256_final(&s2, d2);
    mm_hex(d2, sizeof(d2), h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    mm_md5_final(&m, d3);
    mm_hex(d3, sizeof(d3), h);
    assert_string_equal(h, "7707d6ae4e027c70eea2a935c2296f21");
}

/* The SHA instruction path gives the portable code's result on random
 * blocks and chaining states (skipped where the CPU lacks the instructions). */
static void test_sha1_hw_matches_portable(void **state)
{
    (void)state;
    if (!mm__sha1_hw_available()) {
        print_message("SHA instructions not present: hardware SHA-1 not compared\n");
        return;
    }
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int round = 0; round < 2000; round++) {
        uint8_t block[64];
        uint32_t a[5], b[5];
        for (size_t i = 0; i < sizeof block; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            block[i] = (uint8_t)x;
        }
        for (int i = 0; i < 5; i++)
            a[i] = b[i] = (uint32_t)(x >> (i * 5));
        mm__sha1_block_portable(a, block);
        mm__sha1_block_hw(b, block);
        assert_memory_equal(a, b, sizeof a);
    }
}

static void test_base64(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(mm_base64((const uint8_t *)"foob", 4, out, sizeof(out)), 8);
    assert_string_equal(out, "Zm9vYg==");
    assert_int_equal(mm_base64((const uint8_t *)"fooba", 5, out, sizeof(out)), 8);
    assert_string_equal(out, "Zm9vYmE=");
    assert_int_equal(mm_base64((const uint8_t *)"foobar", 6, out, sizeof(out)), 8);
    assert_string_equal(out, "Zm9vYmFy");
    assert_int_equal(mm_base64((const uint8_t *)"foobar", 6, out, 8), 0);
}

static void cid(uint16_t seed, const char *s, const char *d, uint8_t proto, uint16_t sp,
                uint16_t dp, const char *want)
{
    struct mm_addr a, b;
    char out[64];
    assert_int_equal(mm_addr_parse(s, &a), 0);
    assert_int_equal(mm_addr_parse(d, &b), 0);
    mm_community_id(seed, &a, &b, proto, sp, dp, out, sizeof(out));
    assert_string_equal(out, want);
}

static void test_community_id_vectors(void **state)
{
    (void)state;
    cid(0, "1.2.3.4", "5.6.7.8", 6, 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    cid(0, "5.6.7.8", "1.2.3.4", 6, 3344, 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    cid(0, "1.2.3.4", "5.6.7.8", 17, 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
    cid(0, "1.2.3.4", "5.6.7.8", 1, 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
    cid(0, "5.6.7.8", "1.2.3.4", 1, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
    cid(0, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 58,
        128, 129, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
    cid(0, "1.2.3.4", "5.6.7.8", 46, 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768=");
    cid(1, "1.2.3.4", "5.6.7.8", 6, 1122, 3344, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
    cid(1, "1.2.3.4", "5.6.7.8", 17, 1122, 3344, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=");
    cid(1, "1.2.3.4", "5.6.7.8", 1, 8, 0, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=");
    cid(1, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 58,
        128, 129, "1:IO27GQzPuCtNnwFvjWALMHu5tJE=");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5_vectors),
        cmocka_unit_test(test_sha1_vectors),
        cmocka_unit_test(test_sha1_one_shot_matches_streaming),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_incremental_million_a),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_sha1_hw_matches_portable),
        cmocka_unit_test(test_community_id_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
