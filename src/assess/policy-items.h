/* SPDX-License-Identifier: Apache-2.0
 * Read-only access to the self-diagnosis items (data/diagnose/items.json,
 * owned by the diagnosis) for the policy and threat documents: the question
 * text of an item and the threat ids it lists. Tolerant of the file's shape
 * (a top-level array or {"items": [...]}) and of its absence. */
#ifndef MM_ASSESS_POLICY_ITEMS_H
#define MM_ASSESS_POLICY_ITEMS_H

#include <jansson.h>

/* A new reference to the items array, or MM_ENOENT when the content is not
 * embedded (or has no item list). */
int mm__assess_items_load(json_t **out);

/* The item with this id in items (NULL when absent). */
const json_t *mm__assess_item_find(const json_t *items, long id);

/* The item's question (or title) as a {ja,en} object or string; NULL when none. */
const json_t *mm__assess_item_text(const json_t *item);

/* The item's short title (or its question when it has none); NULL when none. */
const json_t *mm__assess_item_title(const json_t *item);

/* The item's threat ids: an array of strings (NULL when none). Accepts the
 * keys "threats" and "threat_ids". */
const json_t *mm__assess_item_threats(const json_t *item);

#endif
