/* SPDX-License-Identifier: Apache-2.0
 * Owns the consultation desk's rules: ticket categories and labels, the
 * ticket status names and machine (open, waiting for the SME, resolved,
 * closed), and which statuses SME users may set themselves. */
#include "center/desk.h"

#include <string.h>

#include "core/error.h"

const char *const mm_ticket_categories[] = {
    "suspicious_mail", "fake_warning", "encrypted_files", "unauthorised_access", "lost_device",
    "other",           NULL,
};

static const char *const status_names[] = {"open", "waiting", "resolved", "closed"};

bool mm_ticket_category_valid(const char *id)
{
    for (size_t i = 0; id && mm_ticket_categories[i]; i++) {
        if (strcmp(id, mm_ticket_categories[i]) == 0)
            return true;
    }
    return false;
}

const char *mm_ticket_category_label(const char *id, enum mm_lang lang)
{
    char key[64];
    if (!mm_ticket_category_valid(id))
        return id ? id : "";
    strcpy(key, "category.");
    strcat(key, id);
    return mm_tr("center-desk", key, lang);
}

const char *mm_ticket_status_name(enum mm_ticket_status s)
{
    return (unsigned)s < 4 ? status_names[s] : "open";
}

int mm_ticket_status_parse(const char *s, enum mm_ticket_status *out)
{
    for (int i = 0; s && i < 4; i++) {
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum mm_ticket_status)i;
            return 0;
        }
    }
    return MM_EINVAL;
}

bool mm_ticket_transition_ok(enum mm_ticket_status from, enum mm_ticket_status to)
{
    switch (from) {
    case MM_TICKET_OPEN:
        return to == MM_TICKET_WAITING || to == MM_TICKET_RESOLVED || to == MM_TICKET_CLOSED;
    case MM_TICKET_WAITING:
        return to == MM_TICKET_OPEN || to == MM_TICKET_RESOLVED || to == MM_TICKET_CLOSED;
    case MM_TICKET_RESOLVED:
        return to == MM_TICKET_OPEN || to == MM_TICKET_CLOSED;
    default:
        return false;
    }
}

bool mm_ticket_role_may_set(enum mm_role role, enum mm_ticket_status to)
{
    if (mm_role_is_vendor(role))
        return true;
    return to == MM_TICKET_OPEN || to == MM_TICKET_RESOLVED || to == MM_TICKET_CLOSED;
}
