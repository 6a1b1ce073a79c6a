/* SPDX-License-Identifier: Apache-2.0
 * A small-block allocator for jansson (json_set_alloc_funcs). The sensor
 * builds and frees hundreds of thousands of short-lived JSON objects per
 * second (one per event, with their keys, strings and hash buckets); glibc
 * keeps only seven freed blocks per size in its per-thread cache, so most of
 * them go the slow way through the arena. Here, blocks of up to 256 bytes
 * are kept on per-thread free lists by size class (16-byte steps, at most
 * LIST_MAX each) and reused; larger blocks go straight to malloc.
 *
 * Each block carries a 16-byte header: its size class in the first byte
 * (never rewritten while the block is pooled) and, while the block is on a
 * free list, the list's link in the second word. The hot paths (a pop, a
 * push) are short leaves; malloc, full lists and a thread's first free take
 * out-of-line slow paths. Because of the header, memory
 * jansson hands out (json_dumps text) must be released with mm_json_free,
 * never free(). Under AddressSanitizer the lists are not used (every block
 * goes back to malloc at once, so use-after-free stays visible), but the
 * header is, so a free() of a jansson string is still caught as a bad free.
 * A thread's lists are emptied when it ends (the sensor's intel reload
 * thread), so reloads do not leak. */
#include "core/json-pool.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define HEADER    16u /* keeps the 16-byte alignment malloc gives */
#define STEP      16u
#define CLASSES   16u   /* up to 256 bytes */
#define LIST_MAX  4096u /* per class and thread: at most ~10 MB kept over all classes */
#define BIG_CLASS 0u
#define LINK_AT   8u /* a free block's list link: after the class byte's word */

#if defined(__SANITIZE_ADDRESS__)
#define POOL_RECYCLES false
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_RECYCLES false
#endif
#endif
#ifndef POOL_RECYCLES
#define POOL_RECYCLES true
#endif

struct free_block {
    struct free_block *next;
};

static _Thread_local struct free_block *free_lists[CLASSES];
static _Thread_local unsigned free_counts[CLASSES];
static _Thread_local bool thread_registered;
static pthread_key_t thread_key;
static bool thread_key_made;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;

static void empty_lists(void *unused)
{
    (void)unused;
    for (size_t c = 0; c < CLASSES; c++) {
        while (free_lists[c]) {
            struct free_block *f = free_lists[c];
            free_lists[c] = f->next;
            free((uint8_t *)f - LINK_AT);
        }
        free_counts[c] = 0;
    }
    thread_registered = false; /* a later free in this thread's teardown registers again */
}

static void make_thread_key(void)
{
    thread_key_made = pthread_key_create(&thread_key, empty_lists) == 0;
}

/* Asks for empty_lists at the end of this thread; false if that cannot be
 * arranged (the block is then freed at once). */
static bool register_thread(void)
{
    if (thread_registered)
        return true;
    pthread_once(&thread_key_once, make_thread_key);
    if (!thread_key_made || pthread_setspecific(thread_key, (void *)1) != 0)
        return false;
    thread_registered = true;
    return true;
}

/* The size class of an n-byte block: 1-CLASSES for the pooled sizes,
 * BIG_CLASS above them (and for 0, which jansson never asks for). */
static inline size_t class_of(size_t n)
{
    size_t c = (n + STEP - 1) / STEP;
    return c - 1 < CLASSES ? c : BIG_CLASS;
}

/* The slow half of pool_malloc: a new block from malloc. */
static __attribute__((noinline)) void *malloc_block(size_t n, size_t c)
{
    size_t size = c == BIG_CLASS ? n : c * STEP;
    uint8_t *block;
    if (size > SIZE_MAX - HEADER || !(block = malloc(size + HEADER)))
        return NULL;
    block[0] = (uint8_t)c;
    return block + HEADER;
}

/* Hot path: a block of the class from this thread's list (its header
 * still holds the class: the list's link is the header's second word). */
static void *pool_malloc(size_t n)
{
    size_t c = class_of(n);
    if (c != BIG_CLASS) {
        struct free_block *f = free_lists[c - 1];
        if (f) {
            free_lists[c - 1] = f->next;
            free_counts[c - 1]--;
            return (uint8_t *)f - LINK_AT + HEADER;
        }
    }
    return malloc_block(n, c);
}

/* Puts a pooled block of class c (1-CLASSES) on this thread's list, its
 * link in the header's second word (the class byte stays). */
static inline void push_block(uint8_t *block, size_t c)
{
    struct free_block *f = (struct free_block *)(block + LINK_AT);
    f->next = free_lists[c - 1];
    free_lists[c - 1] = f;
    free_counts[c - 1]++;
}

/* The slow half of pool_free: large blocks, full lists, a thread's first
 * free (registers the list clean-up) and every free under ASan. */
static __attribute__((noinline)) void free_block_slow(uint8_t *block, size_t c)
{
    if (!POOL_RECYCLES || c == BIG_CLASS || free_counts[c - 1] >= LIST_MAX || !register_thread()) {
        free(block);
        return;
    }
    push_block(block, c);
}

static void pool_free(void *ptr)
{
    if (!ptr)
        return;
    uint8_t *block = (uint8_t *)ptr - HEADER;
    size_t c = block[0];
    if (!POOL_RECYCLES || c == BIG_CLASS || free_counts[c - 1] >= LIST_MAX || !thread_registered) {
        free_block_slow(block, c);
        return;
    }
    push_block(block, c);
}

void mm_json_pool_install(void)
{
    json_set_alloc_funcs(pool_malloc, pool_free);
}

void mm_json_free(void *ptr)
{
    json_free_t free_fn;
    json_get_alloc_funcs(NULL, &free_fn);
    free_fn(ptr);
}
