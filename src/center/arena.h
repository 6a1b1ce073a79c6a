/* SPDX-License-Identifier: Apache-2.0
 * A per-request arena (h2o's req->pool): many small allocations, one free at
 * the end of the request. Allocation failure returns NULL. */
#ifndef MM_CENTER_ARENA_H
#define MM_CENTER_ARENA_H

#include <stddef.h>

struct mm_arena_chunk;

struct mm_arena {
    struct mm_arena_chunk *head;
};

#define MM_ARENA_INIT                                                                              \
    {                                                                                              \
        NULL                                                                                       \
    }

/* Returns n zeroed bytes aligned for any type, valid until mm_arena_free. */
void *mm_arena_alloc(struct mm_arena *a, size_t n);
char *mm_arena_strdup(struct mm_arena *a, const char *s);
char *mm_arena_strndup(struct mm_arena *a, const char *s, size_t n);
char *mm_arena_printf(struct mm_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Moves every allocation of src into dst (src is left empty); both must be
 * used by one thread at the time of the call. */
void mm_arena_adopt(struct mm_arena *dst, struct mm_arena *src);
/* Frees everything; the arena may be used again. Accepts NULL. */
void mm_arena_free(struct mm_arena *a);

#endif
