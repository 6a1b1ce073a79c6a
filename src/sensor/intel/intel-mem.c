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
 *    the string pool for the bench feeds);
 *  - the parts about to be written are made resident in one call each
 *    (MADV_POPULATE_WRITE: a table's new slots, a feed's text, the next
 *    256 KB of the pool and the arrays as they fill) instead of a page
 *    fault per page: 6 950 faults to 2 160 for the bench feeds' start-up.
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
 * a huge page or more starts on a huge page boundary (where its pages can
 * be huge ones from the start, and move as such when it grows) and ends
 * after the page its last byte is on: the part of its last huge page it
 * does not reach gets no huge page, so no more memory becomes resident
 * than the block is filled with. */
#define HUGE_PAGE       ((size_t)2 << 20)
#define HUGE_ADVICE_MIN ((size_t)4 << 20)

/* The bytes mapped for a block of want bytes (0 when that overflows). */
static size_t block_bytes(size_t want)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t unit = page > 0 ? (size_t)page : 4096;
    if (want > SIZE_MAX - unit)
        return 0;
    return (want + unit - 1) / unit * unit;
}

#if BLOCKS_MAPPED
static void *map_fresh(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* A fresh mapping of bytes starting on a huge page boundary: a huge page
 * more is mapped, and what lies before the boundary and after the end is
 * unmapped again. */
static char *map_aligned(size_t bytes)
{
    if (bytes > SIZE_MAX - HUGE_PAGE)
        return NULL;
    char *p = map_fresh(bytes + HUGE_PAGE);
    if (!p)
        return NULL;
    char *start = (char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (start > p)
        (void)munmap(p, (size_t)(start - p));
    (void)munmap(start + bytes, (size_t)(p + HUGE_PAGE - start));
    return start;
}

/* b's mapping of bytes instead of b->cap: smaller ones shrink in place;
 * larger ones grow in place if the addresses after the block are free,
 * else the block's pages move (not copied) to a fresh place, one on a
 * huge page boundary for a block of a huge page or more. */
static void *remap(struct mm__intel_block *b, size_t bytes)
{
    void *p = mremap(b->p, b->cap, bytes, 0);
    if (p != MAP_FAILED || bytes < HUGE_PAGE)
        return p != MAP_FAILED ? p : mremap(b->p, b->cap, bytes, MREMAP_MAYMOVE);
    char *to = map_aligned(bytes);
    if (!to)
        return MAP_FAILED;
    p = mremap(b->p, b->cap, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, to);
    if (p == MAP_FAILED)
        (void)munmap(to, bytes);
    return p;
}

static void *block_map(struct mm__intel_block *b, size_t bytes)
{
    void *p = b->p ? remap(b, bytes) : bytes >= HUGE_PAGE ? map_aligned(bytes) : map_fresh(bytes);
    if (p == MAP_FAILED || !p)
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
    if (b->ready > bytes) /* what lay beyond the end is gone */
        b->ready = bytes;
    return 0;
}

void mm__intel_block_populate(struct mm__intel_block *b, size_t from, size_t to)
{
#if BLOCKS_MAPPED && defined(MADV_POPULATE_WRITE)
    size_t unit = block_bytes(1);
    from = from / unit * unit;
    if (to > b->cap)
        to = b->cap;
    if (b->p && unit && from < to) /* advice only: a refusal leaves the faults to come */
        (void)madvise((char *)b->p + from, to - from, MADV_POPULATE_WRITE);
#else
    (void)b;
    (void)from;
    (void)to;
#endif
}

void mm__intel_populate(void *p, size_t len)
{
#if BLOCKS_MAPPED && defined(MADV_POPULATE_WRITE)
    size_t unit = block_bytes(1);
    uintptr_t from = ((uintptr_t)p + unit - 1) / unit * unit,
              to = ((uintptr_t)p + len) / unit * unit;
    if (p && unit && from < to) /* advice only, as above */
        (void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)len;
#endif
}

void mm__intel_block_ready(struct mm__intel_block *b, size_t end)
{
    size_t to =
        end > b->cap - MM__INTEL_AHEAD || b->cap < MM__INTEL_AHEAD ? b->cap : end + MM__INTEL_AHEAD;
    if (to <= b->ready)
        return;
    mm__intel_block_populate(b, b->ready, to);
    b->ready = to;
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
    b->ready = 0;
}
