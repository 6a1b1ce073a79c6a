/* SPDX-License-Identifier: Apache-2.0
 * The catalogue of major threats to organisations (data/threats/threats.json):
 * each threat has an id, title, summary, attack methods, countermeasures
 * (texts {ja,en}) and "diagnosis_items", the self-diagnosis items whose
 * practice blunts it. The diagnosis items name threat ids in turn; the two
 * directions are checked against each other (mm_threats_check_links). */
#ifndef MM_ASSESS_THREATS_H
#define MM_ASSESS_THREATS_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/i18n.h"

enum mm_threats_format { MM_THREATS_TEXT, MM_THREATS_JSON, MM_THREATS_MD };

/* A new reference to the array of threats. MM_ENOENT when missing,
 * MM_EPARSE when an entry lacks an id or title. */
int mm_threats_load(json_t **out);

/* The threat with this id, or NULL. */
const json_t *mm_threats_find(const json_t *threats, const char *id);

/* Cross-checks threats against the diagnosis items: every threat id an item
 * names exists, each such item is in that threat's diagnosis_items, and each
 * item a threat lists exists and names the threat. Appends one line per
 * problem to problems and returns how many there were. */
size_t mm_threats_check_links(const json_t *threats, const json_t *items, struct mm_buf *problems);

/* Renders all threats (id NULL) or one, in lang. items (may be NULL) adds the
 * question texts of the related diagnosis items. MM_ENOENT for an unknown id. */
int mm_threats_render(const json_t *threats, const char *id, enum mm_threats_format format,
                      enum mm_lang lang, const json_t *items, struct mm_buf *out);

#endif
