/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for core/fnv.h: the values FNV-1a gives must never change,
 * because some are printed or kept (policy document references are made
 * from MM_FNV64_MAMORI_BASIS), so they are pinned here, next to the
 * published test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/fnv.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv_published_vectors),
        cmocka_unit_test(test_fnv_mamori_basis),
        cmocka_unit_test(test_fnv_chains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
