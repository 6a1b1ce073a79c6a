/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for core/fnv.h and hash.h's SipHash. The values FNV-1a gives
 * must never change, because some are printed or kept (policy document
 * references are made from MM_FNV64_MAMORI_BASIS), so they are pinned here,
 * next to the published test vectors. SipHash is compared with libsodium's
 * crypto_shorthash (the same function) and the paper's vector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "core/fnv.h"
#include "core/hash.h"

/* The published FNV-1a vectors (www.isthe.com/chongo/tech/comp/fnv). */
static void test_fnv_published_vectors(void **state)
{
    (void)state;
    assert_true(mm_fnv1a64(MM_FNV64_BASIS, "", 0) == 0xcbf29ce484222325ull);
    assert_true(mm_fnv1a64_str(MM_FNV64_BASIS, "a") == 0xaf63dc4c8601ec8cull);
    assert_true(mm_fnv1a64(MM_FNV64_BASIS, "foobar", 6) == 0x85944171f73967e8ull);
    assert_true(mm_fnv1a32_str(MM_FNV32_BASIS, "a") == 0xe40c292cu);
    assert_true(mm_fnv1a32(MM_FNV32_BASIS, "foobar", 6) == 0xbf9cf968u);
}

/* mamori's own 64-bit start and values made from it (computed outside C). */
static void test_fnv_mamori_basis(void **state)
{
    (void)state;
    assert_true(MM_FNV64_MAMORI_BASIS == 0x14650fb0739d0383ull);
    assert_true(mm_fnv1a64_str(MM_FNV64_MAMORI_BASIS, "foobar") == 0x88fad7c0a8ff07f2ull);
    /* bytes above 0x7f are folded in unsigned */
    assert_true(mm_fnv1a64_str(MM_FNV64_MAMORI_BASIS, "管理策") == 0x7daf9e67ada66b06ull);
}

/* Texts chain: folding "foo" then "bar" is folding "foobar"; the byte and
 * block forms agree. */
static void test_fnv_chains(void **state)
{
    (void)state;
    uint64_t h = mm_fnv1a64_str(mm_fnv1a64_str(MM_FNV64_BASIS, "foo"), "bar");
    assert_true(h == 0x85944171f73967e8ull);
    uint32_t g = MM_FNV32_BASIS;
    for (const char *p = "foobar"; *p; p++)
        g = mm_fnv1a32_byte(g, (uint8_t)*p);
    assert_true(g == 0xbf9cf968u);
}

/* The key of the bytes 0..15, as struct mm_sipkey. */
static struct mm_sipkey key_of(const uint8_t k[16])
{
    struct mm_sipkey key = {0, 0};
    for (int i = 7; i >= 0; i--) {
        key.k0 = (key.k0 << 8) | k[i];
        key.k1 = (key.k1 << 8) | k[8 + i];
    }
    return key;
}

static uint64_t sodium_value(const uint8_t k[16], const uint8_t *in, size_t n)
{
    uint8_t out[crypto_shorthash_BYTES];
    uint64_t v = 0;
    assert_int_equal(crypto_shorthash(out, in, n, k), 0);
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | out[i];
    return v;
}

/* The SipHash paper's vector (appendix A): key 00..0f, message 00..0e. */
static void test_siphash_paper_vector(void **state)
{
    (void)state;
    uint8_t k[16], m[15];
    for (int i = 0; i < 16; i++)
        k[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        m[i] = (uint8_t)i;
    struct mm_sipkey key = key_of(k);
    assert_true(mm_siphash(&key, m, sizeof m) == 0xa129ca6149be45e5ull);
}

/* Every length 0..100 under random keys, one-shot and fed in pieces of
 * every size, equals libsodium's answer. */
static void test_siphash_matches_libsodium(void **state)
{
    (void)state;
    uint8_t k[16], m[101];
    assert_true(sodium_init() >= 0);
    for (int round = 0; round < 4; round++) {
        randombytes_buf(k, sizeof k);
        randombytes_buf(m, sizeof m);
        struct mm_sipkey key = key_of(k);
        for (size_t n = 0; n <= 100; n++) {
            uint64_t want = sodium_value(k, m, n);
            assert_true(mm_siphash(&key, m, n) == want);
            for (size_t piece = 1; piece <= 9; piece++) {
                struct mm_siphash c;
                mm_siphash_init(&c, &key);
                for (size_t at = 0; at < n; at += piece)
                    mm_siphash_update(&c, m + at, n - at < piece ? n - at : piece);
                assert_true(mm_siphash_final(&c) == want);
            }
        }
    }
}

/* The process key is drawn before main: not all zero, and values follow it. */
static void test_process_key(void **state)
{
    (void)state;
    struct mm_sipkey saved = mm_process_key, other = {saved.k0 ^ 1, saved.k1};
    assert_true(saved.k0 != 0 || saved.k1 != 0);
    uint64_t a = mm_siphash(&mm_process_key, "example.com", 11);
    mm_process_key = other;
    assert_true(mm_siphash(&mm_process_key, "example.com", 11) != a);
    mm_process_key = saved;
    assert_true(mm_siphash(&mm_process_key, "example.com", 11) == a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv_published_vectors),
        cmocka_unit_test(test_fnv_mamori_basis),
        cmocka_unit_test(test_fnv_chains),
        cmocka_unit_test(test_siphash_paper_vector),
        cmocka_unit_test(test_siphash_matches_libsodium),
        cmocka_unit_test(test_process_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
