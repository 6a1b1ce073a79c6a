/* SPDX-License-Identifier: Apache-2.0
 * MAC vendor lookup: the table generated from the IEEE registry at configure
 * time (oui-table.inc, in registry order) is sorted once on first use and
 * searched by binary search. */
#include "sensor/oui.h"

#include <pthread.h>
#include <stdlib.h>

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

static void sort_table(void)
{
    qsort(table, sizeof table / sizeof table[0], sizeof table[0], cmp_entry);
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
