/* SPDX-License-Identifier: Apache-2.0
 * The consultation desk's rules, free of storage and HTTP: ticket
 * categories with their ja/en labels (data/i18n/center-desk.json), ticket
 * status names and the status machine, and who may set which status. */
#ifndef MM_CENTER_DESK_H
#define MM_CENTER_DESK_H

#include <stdbool.h>

#include "center/desk-types.h"
#include "core/i18n.h"

/* The category ids, NULL-terminated, in display order. */
extern const char *const mm_ticket_categories[];
bool mm_ticket_category_valid(const char *id);
/* The category's label in lang (the id itself when unknown). */
const char *mm_ticket_category_label(const char *id, enum mm_lang lang);

const char *mm_ticket_status_name(enum mm_ticket_status s);
/* MM_EINVAL for an unknown name. */
int mm_ticket_status_parse(const char *s, enum mm_ticket_status *out);
/* True when a ticket may move from -> to (docs/design/center-api.md). */
bool mm_ticket_transition_ok(enum mm_ticket_status from, enum mm_ticket_status to);
/* True when a user of role may set status to (SME users: resolved, closed, open). */
bool mm_ticket_role_may_set(enum mm_role role, enum mm_ticket_status to);

#endif
