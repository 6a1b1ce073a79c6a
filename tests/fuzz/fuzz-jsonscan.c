/* SPDX-License-Identifier: Apache-2.0
 * Fuzz harness of the validating JSON scanner (core/jsonscan.c): whenever
 * the scanner accepts an input, jansson (JSON_REJECT_DUPLICATES) must accept
 * it too as an object, and the wanted values the scanner reports (integers,
 * plain strings, types) must be jansson's. Refusals are allowed either way
 * (the scanner leaves some valid forms to jansson). Aborts on a mismatch. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonscan.h"

static const char *const paths[] = {"seq", "timestamp", "alert.signature_id", "a",
                                    "a.b", "a.b.c",     "mamori.message.ja"};
#define NPATHS (sizeof paths / sizeof paths[0])

/* The jansson value at a dotted path, or NULL. */
static json_t *lookup(json_t *root, const char *path)
{
    char buf[64];
    json_t *v = root;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
        v = json_is_object(v) ? json_object_get(v, k) : NULL;
    return v;
}

static void check_field(const struct mm_jscan_field *f, json_t *v)
{
    switch (f->type) {
    case MM_JSCAN_ABSENT:
        if (v)
            abort();
        break;
    case MM_JSCAN_INTEGER:
        if (!json_is_integer(v) || json_integer_value(v) != f->integer)
            abort();
        break;
    case MM_JSCAN_REAL:
        if (!json_is_real(v))
            abort();
        break;
    case MM_JSCAN_STRING:
        if (!json_is_string(v))
            abort();
        if (!f->escaped &&
            (json_string_length(v) != f->len || memcmp(json_string_value(v), f->text, f->len) != 0))
            abort();
        break;
    case MM_JSCAN_OBJECT:
        if (!json_is_object(v))
            abort();
        break;
    case MM_JSCAN_ARRAY:
        if (!json_is_array(v))
            abort();
        break;
    case MM_JSCAN_TRUE:
        if (!json_is_true(v))
            abort();
        break;
    case MM_JSCAN_FALSE:
        if (!json_is_false(v))
            abort();
        break;
    case MM_JSCAN_NULL:
        if (!json_is_null(v))
            abort();
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mm_jscan_field f[NPATHS];
    for (size_t i = 0; i < NPATHS; i++)
        f[i] = (struct mm_jscan_field){.path = paths[i]};
    if (mm_jscan_object((const char *)data, size, f, NPATHS) != 0)
        return 0;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!root || !json_is_object(root))
        abort(); /* the scanner accepted what jansson refuses */
    for (size_t i = 0; i < NPATHS; i++)
        check_field(&f[i], lookup(root, paths[i]));
    json_decref(root);
    return 0;
}
