/* SPDX-License-Identifier: Apache-2.0
 * Owns the request arena: a list of chunks, bump allocation, one free. */
#include "center/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 4096
#define ALIGN      16

struct mm_arena_chunk {
    struct mm_arena_chunk *next;
    size_t used, size;
    _Alignas(ALIGN) unsigned char data[];
};

void *mm_arena_alloc(struct mm_arena *a, size_t n)
{
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need < n)
        return NULL;
    struct mm_arena_chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t size = need > CHUNK_SIZE ? need : CHUNK_SIZE;
        if (size > SIZE_MAX - sizeof *c)
            return NULL;
        c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, n);
    return p;
}

char *mm_arena_strndup(struct mm_arena *a, const char *s, size_t n)
{
    char *p = mm_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *mm_arena_strdup(struct mm_arena *a, const char *s)
{
    return mm_arena_strndup(a, s, strlen(s));
}

char *mm_arena_printf(struct mm_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = mm_arena_alloc(a, (size_t)n + 1);
    if (p) {
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return p;
}

void mm_arena_adopt(struct mm_arena *dst, struct mm_arena *src)
{
    struct mm_arena_chunk *tail = src->head;
    if (!tail)
        return;
    while (tail->next)
        tail = tail->next;
    tail->next = dst->head;
    dst->head = src->head;
    src->head = NULL;
}

void mm_arena_free(struct mm_arena *a)
{
    if (!a)
        return;
    while (a->head) {
        struct mm_arena_chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}
