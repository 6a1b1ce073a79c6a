/* SPDX-License-Identifier: Apache-2.0
 * Embedded content: every file under data is compiled into the binaries by
 * tools/embed.c. Paths are relative to data, e.g. "diagnose/items.json". */
#ifndef MM_CORE_DATA_H
#define MM_CORE_DATA_H

#include <stddef.h>
#include <jansson.h>

struct mm_data_entry {
    const char *path;
    const unsigned char *bytes; /* NUL-terminated for convenience */
    size_t len;
};

/* Finds an embedded file. Returns 0 and sets the bytes and length, or MM_ENOENT. */
int mm_data_find(const char *path, const unsigned char **bytes, size_t *len);

/* Parses an embedded JSON file. On success *out is a new reference the caller
 * must json_decref(); MM_ENOENT if absent, MM_EPARSE if not valid JSON. */
int mm_data_json(const char *path, json_t **out);

/* Calls fn for each embedded file whose path starts with prefix, in path
 * order; stops early and returns fn's value when it is non-zero. */
int mm_data_foreach(const char *prefix, int (*fn)(const struct mm_data_entry *e, void *arg),
                    void *arg);

#endif
