/* SPDX-License-Identifier: Apache-2.0
 * Checks the jansson small-block pool (core/json-pool.c): values of every
 * size class and larger ones survive build, copy, dump and free; memory
 * reused from the free lists holds no stale content that jansson could see;
 * json_dumps text is released with mm_json_free; a thread that builds and
 * frees values and ends leaves nothing behind (ASan's leak checker runs this
 * test in `make check`, with the header kept and the lists off). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/json-pool.h"

/* An object with strings of 0..600 bytes (every class, and past the largest). */
static json_t *make_value(unsigned seed)
{
    json_t *o = json_object();
    char text[601];
    for (unsigned n = 0; n <= 600; n += 7) {
        char key[32];
        memset(text, 'a' + (int)((n + seed) % 26), n);
        text[n] = '\0';
        snprintf(key, sizeof key, "k%u", n);
        json_object_set_new(o, key, json_string(text));
    }
    json_object_set_new(o, "list", json_pack("[i, f, b, n]", (int)seed, 1.5, 1));
    return o;
}

static void check_value(const json_t *o, unsigned seed)
{
    for (unsigned n = 0; n <= 600; n += 7) {
        char key[32];
        snprintf(key, sizeof key, "k%u", n);
        const char *s = json_string_value(json_object_get(o, key));
        assert_non_null(s);
        assert_int_equal(strlen(s), n);
        for (unsigned i = 0; i < n; i++)
            assert_int_equal(s[i], 'a' + (int)((n + seed) % 26));
    }
    assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "list"), 0)), seed);
}

static void test_values_round_trip(void **state)
{
    (void)state;
    for (unsigned round = 0; round < 50; round++) {
        json_t *o = make_value(round), *copy = json_deep_copy(o);
        check_value(o, round);
        char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
        assert_non_null(text);
        json_t *back = json_loads(text, 0, NULL);
        mm_json_free(text);
        assert_true(json_equal(o, back));
        json_decref(back);
        json_decref(copy);
        json_decref(o);
    }
}

static void *thread_main(void *arg)
{
    unsigned *rounds = arg;
    for (unsigned i = 0; i < *rounds; i++) {
        json_t *o = make_value(i);
        check_value(o, i);
        json_decref(o);
    }
    return NULL;
}

static void *decref_main(void *value)
{
    json_decref(value);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    unsigned rounds = 20;
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, &rounds), 0);
    thread_main(&rounds);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    /* a value made in one thread and freed in another */
    json_t *o = make_value(7);
    pthread_t u;
    assert_int_equal(pthread_create(&u, NULL, decref_main, o), 0);
    assert_int_equal(pthread_join(u, NULL), 0);
}

#if defined(__SANITIZE_ADDRESS__)
#define POOL_LISTS_ON false
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_LISTS_ON false
#endif
#endif
#ifndef POOL_LISTS_ON
#define POOL_LISTS_ON true
#endif

/* Blocks through jansson's allocator functions (the pool's): a freed block
 * comes back for the next request of its size class (16-byte steps), not
 * for another class, with all the bytes asked for usable; 5000 blocks of one class
 * (past the per-class list limit) and blocks past the largest class come
 * and go; what a reused block held is not read (it is written in full
 * first). Without the lists (ASan) only the sizes are checked. */
static void test_reuse_by_class(void **state)
{
    (void)state;
    json_malloc_t pmalloc;
    json_free_t pfree;
    json_get_alloc_funcs(&pmalloc, &pfree);
    for (size_t n = 1; n <= 300; n++) {
        unsigned char *a = pmalloc(n);
        assert_non_null(a);
        memset(a, 0xab, n);
        pfree(a);
        unsigned char *b = pmalloc(n);
        assert_non_null(b);
        memset(b, 0xcd, n); /* its whole size is usable */
        if (POOL_LISTS_ON && n <= 256)
            assert_ptr_equal(a, b);
        unsigned char *c = pmalloc(n + 16 <= 256 ? n + 16 : n); /* next class (or big) */
        assert_non_null(c);
        if (POOL_LISTS_ON && n + 16 <= 256)
            assert_ptr_not_equal(c, b);
        pfree(b);
        pfree(c);
    }
    enum { MANY = 5000 };
    static void *blocks[MANY];
    for (int i = 0; i < MANY; i++) {
        blocks[i] = pmalloc(40);
        assert_non_null(blocks[i]);
        memset(blocks[i], i & 0xff, 40);
    }
    for (int i = 0; i < MANY; i++)
        pfree(blocks[i]);
    for (int i = 0; i < MANY; i++) {
        blocks[i] = pmalloc(33);
        assert_non_null(blocks[i]);
        memset(blocks[i], 0, 33);
    }
    for (int i = 0; i < MANY; i++)
        pfree(blocks[i]);
}

static void test_free_null(void **state)
{
    (void)state;
    mm_json_free(NULL);
    json_decref(NULL);
}

int main(void)
{
    mm_json_pool_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_round_trip),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_reuse_by_class),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
