/* SPDX-License-Identifier: Apache-2.0
 * Owns lookup in the embedded data table generated at build time (mm-data.c). */
#include "core/data.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

extern const struct mm_data_entry mm__data_entries[];
extern const size_t mm__data_count;

static int cmp_entry(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct mm_data_entry *)elem)->path);
}

int mm_data_find(const char *path, const unsigned char **bytes, size_t *len)
{
    const struct mm_data_entry *e =
        bsearch(path, mm__data_entries, mm__data_count, sizeof *e, cmp_entry);
    if (!e)
        return MM_ENOENT;
    *bytes = e->bytes;
    *len = e->len;
    return 0;
}

int mm_data_json(const char *path, json_t **out)
{
    const unsigned char *bytes;
    size_t len;
    *out = NULL;
    int r = mm_data_find(path, &bytes, &len);
    if (r != 0)
        return r;
    json_error_t err;
    json_t *j = json_loadb((const char *)bytes, len, 0, &err);
    if (!j)
        return MM_EPARSE;
    *out = j;
    return 0;
}

int mm_data_foreach(const char *prefix, int (*fn)(const struct mm_data_entry *e, void *arg),
                    void *arg)
{
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < mm__data_count; i++) {
        if (strncmp(mm__data_entries[i].path, prefix, plen) != 0)
            continue;
        int r = fn(&mm__data_entries[i], arg);
        if (r != 0)
            return r;
    }
    return 0;
}
