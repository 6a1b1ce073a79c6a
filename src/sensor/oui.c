/* SPDX-License-Identifier: Apache-2.0
 * MAC vendor lookup: the table generated from the IEEE registry at configure
 * time (oui-table.inc, in registry order) is sorted once on first use and
 * searched by binary search. The sort is a stable radix sort on the 24-bit
 * prefix (two passes of 12 bits): the same order a stable comparison sort
 * gives (the registry lists a few prefixes twice; the same entry answers),
 * in a small fraction of qsort's instructions on 30 000+ entries. */
#include "sensor/oui.h"

#include <pthread.h>
#include <stdlib.h>

#define RADIX_BITS 12
#define RADIX_SIZE (1u << RADIX_BITS)

struct oui_entry {
    uint32_t prefix;
    const char *vendor;
};

static struct oui_entry table[] = {
#include "sensor/oui-table.inc"
    {0xffffffffu, NULL} /* sentinel, sorts last; keeps the array non-empty */
};

static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int cmp_entry(const void *a, const void *b)
{
    uint32_t x = ((const struct oui_entry *)a)->prefix, y = ((const struct oui_entry *)b)->prefix;
    return x < y ? -1 : x > y;
}

/* One stable counting-sort pass of n entries from in to out on the 12-bit
 * digit at shift. */
static void radix_pass(const struct oui_entry *in, struct oui_entry *out, size_t n, unsigned shift)
{
    size_t start[RADIX_SIZE] = {0};
    for (size_t i = 0; i < n; i++)
        start[(in[i].prefix >> shift) & (RADIX_SIZE - 1)]++;
    size_t sum = 0;
    for (size_t k = 0; k < RADIX_SIZE; k++) {
        size_t c = start[k];
        start[k] = sum;
        sum += c;
    }
    for (size_t i = 0; i < n; i++)
        out[start[(in[i].prefix >> shift) & (RADIX_SIZE - 1)]++] = in[i];
}

/* Sorts the registry entries (all but the sentinel, which stays last);
 * falls back to qsort without memory. glibc's qsort is a stable merge sort
 * only when it can allocate its own buffer of the same size, else a
 * quicksort: then a twice-listed prefix may answer with its other vendor. */
static void sort_table(void)
{
    size_t n = mm_oui_count();
    struct oui_entry *tmp = n ? malloc(n * sizeof *tmp) : NULL;
    if (!tmp) {
        qsort(table, n, sizeof table[0], cmp_entry);
        return;
    }
    radix_pass(table, tmp, n, 0);
    radix_pass(tmp, table, n, RADIX_BITS);
    free(tmp);
}

size_t mm_oui_count(void)
{
    return sizeof table / sizeof table[0] - 1;
}

bool mm_mac_is_local(const uint8_t mac[6])
{
    return (mac[0] & 0x02) != 0;
}

const char *mm_oui_vendor(const uint8_t mac[6])
{
    uint32_t key = (uint32_t)mac[0] << 16 | (uint32_t)mac[1] << 8 | mac[2];
    size_t lo = 0, hi = mm_oui_count();
    if (mm_mac_is_local(mac) || (mac[0] & 0x01))
        return NULL;
    pthread_once(&sorted_once, sort_table);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (table[mid].prefix == key)
            return table[mid].vendor;
        if (table[mid].prefix < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
