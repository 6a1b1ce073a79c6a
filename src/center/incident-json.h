/* SPDX-License-Identifier: Apache-2.0
 * The JSON form of the desk's objects (tickets, messages, incidents with
 * their SLA state, timeline entries, dispatches), as documented in
 * docs/design/center-api.md. Each returns a new reference or NULL. */
#ifndef MM_CENTER_INCIDENT_JSON_H
#define MM_CENTER_INCIDENT_JSON_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "center/desk-types.h"

/* RFC 3339 UTC text of a microsecond time, or JSON null for 0. */
json_t *mm_desk_json_time(int64_t usec);
json_t *mm_json_ticket(const struct mm_ticket *t);
json_t *mm_json_ticket_message(const struct mm_ticket_message *m);
json_t *mm_json_sla(const struct mm_incident *in, const struct mm_sla *sla, int64_t now);
json_t *mm_json_incident(const struct mm_incident *in, const struct mm_sla *sla, int64_t now);
json_t *mm_json_timeline_entry(const struct mm_timeline_entry *e);
json_t *mm_json_dispatch(const struct mm_dispatch *d);

#endif
