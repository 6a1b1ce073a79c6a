/* SPDX-License-Identifier: Apache-2.0
 * Small helpers shared by the desk's handlers (api/tickets.c,
 * api/incidents.c, api/reports.c, api/stats.c). */
#ifndef MM_CENTER_API_DESK_API_H
#define MM_CENTER_API_DESK_API_H

#include <stdbool.h>

#include "center/api/api.h"

/* True for vendor callers (admin, analyst). */
bool mm_desk_is_vendor(const struct mm_request *req);
/* The signed-in user as the author of a desk change. */
struct mm_author mm_desk_author(const struct mm_request *req);
/* Creates an incident from body fields already checked (api/incidents.c);
 * replies 201 with it. ticket_id/alert_id 0: none. headline: the alert's
 * headline in each language (indexed by enum mm_lang) for a title taken from
 * the alert, NULL for a title a person typed (or a ticket's subject). */
int mm_desk_incident_create(struct mm_request *req, int64_t tenant_id, const char *title,
                            const char *const *headline, int severity, int64_t ticket_id,
                            int64_t alert_id, const json_t *body);
/* Replies with an error (mm_reply_error) and returns MM_EPARSE. */
int mm_desk_fail(struct mm_request *req, int status, const char *code, const char *detail);
/* The language of a report: ?lang=, else the tenant's. Replies 400 on a bad one. */
int mm_desk_report_lang(struct mm_request *req, const char *tenant_lang, enum mm_lang *out);

#endif
