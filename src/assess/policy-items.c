/* SPDX-License-Identifier: Apache-2.0
 * Owns the policy and threat code's read-only view of the diagnosis items. */
#include "assess/policy-items.h"
#include "core/data.h"
#include "core/error.h"

int mm__assess_items_load(json_t **out)
{
    json_t *root = NULL;
    *out = NULL;
    int r = mm_data_json("diagnose/items.json", &root);
    if (r != 0)
        return r;
    json_t *items = json_is_array(root) ? root : json_object_get(root, "items");
    if (!json_is_array(items)) {
        json_decref(root);
        return MM_ENOENT;
    }
    *out = json_incref(items);
    json_decref(root);
    return 0;
}

const json_t *mm__assess_item_find(const json_t *items, long id)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (json_integer_value(json_object_get(it, "id")) == id)
            return it;
    }
    return NULL;
}

const json_t *mm__assess_item_text(const json_t *item)
{
    static const char *keys[] = {"question", "title", "text"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(item, keys[i]);
        if (json_is_object(v) || json_is_string(v))
            return v;
    }
    return NULL;
}

const json_t *mm__assess_item_title(const json_t *item)
{
    json_t *v = json_object_get(item, "title");
    return json_is_object(v) || json_is_string(v) ? v : mm__assess_item_text(item);
}

const json_t *mm__assess_item_threats(const json_t *item)
{
    json_t *v = json_object_get(item, "threats");
    if (!json_is_array(v))
        v = json_object_get(item, "threat_ids");
    return json_is_array(v) ? v : NULL;
}
