/* SPDX-License-Identifier: Apache-2.0
 * The intel set's large blocks of memory: the string pool, the entry
 * arrays, the tables' slots and the text of the feed being read. Each is a
 * mapping of its own, so that
 *  - it grows (or shrinks) by mremap: the pages it holds move with it,
 *    nothing is copied, and only the new part is faulted in;
 *  - its new bytes are zero without a memset (fresh pages are);
 *  - it is asked for as transparent huge pages as a whole (advice on a
 *    part of a mapping splits it in two, and a mapping in two parts cannot
 *    be grown by mremap: glibc's realloc then fell back to a copy, 16 MB of
 *    the string pool for the bench feeds).
 * Under AddressSanitizer the blocks come from realloc instead, so that
 * overflows out of them are still caught. See docs/design/intel.md. */
#include "sensor/intel/intel-int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"

#if defined(__SANITIZE_ADDRESS__)
#define BLOCKS_MAPPED false
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BLOCKS_MAPPED false
#endif
#endif
#ifndef BLOCKS_MAPPED
#define BLOCKS_MAPPED true
#endif

/* A huge page, and the smallest block asked for as huge pages. A block of
 * a huge page or more is a whole number of them: the kernel places such
 * anonymous mappings on a huge page boundary. */
#define HUGE_PAGE       ((size_t)2 << 20)
#define HUGE_ADVICE_MIN ((size_t)4 << 20)

/* The bytes mapped for a block of want bytes (0 when that overflows). */
static size_t block_bytes(size_t want)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t unit = want >= HUGE_PAGE ? HUGE_PAGE : page > 0 ? (size_t)page : 4096;
    if (want > SIZE_MAX - unit)
        return 0;
    return (want + unit - 1) / unit * unit;
}

#if BLOCKS_MAPPED
static void *block_map(struct mm__intel_block *b, size_t bytes)
{
    void *p = b->p ? mremap(b->p, b->cap, bytes, MREMAP_MAYMOVE)
                   : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#if defined(MADV_HUGEPAGE)
    if (bytes >= HUGE_ADVICE_MIN) /* advice only: nothing else depends on it */
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}
#else
static void *block_map(struct mm__intel_block *b, size_t bytes)
{
    char *p = realloc(b->p, bytes);
    if (p && bytes > b->cap)
        memset(p + b->cap, 0, bytes - b->cap);
    return p;
}
#endif

int mm__intel_block_resize(struct mm__intel_block *b, size_t want)
{
    if (want == 0) {
        mm__intel_block_free(b);
        return 0;
    }
    size_t bytes = block_bytes(want);
    if (bytes == 0)
        return MM_ENOMEM;
    if (bytes == b->cap)
        return 0;
    void *p = block_map(b, bytes);
    if (!p)
        return MM_ENOMEM; /* b is unchanged */
    b->p = p;
    b->cap = bytes;
    return 0;
}

void mm__intel_block_free(struct mm__intel_block *b)
{
    if (!b->p)
        return;
#if BLOCKS_MAPPED
    (void)munmap(b->p, b->cap);
#else
    free(b->p);
#endif
    b->p = NULL;
    b->cap = 0;
}
