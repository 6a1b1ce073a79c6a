/* SPDX-License-Identifier: Apache-2.0
 * Incident handling's rules, free of storage and HTTP: status names, the
 * state machine (triage -> remote -> [onsite] -> recovery -> closed), and
 * the times to acknowledge and to resolve measured against a tenant's SLA. */
#ifndef MM_CENTER_INCIDENT_H
#define MM_CENTER_INCIDENT_H

#include <stdbool.h>
#include <stdint.h>

#include "center/desk-types.h"

const char *mm_incident_status_name(enum mm_incident_status s);
/* MM_EINVAL for an unknown name. */
int mm_incident_status_parse(const char *s, enum mm_incident_status *out);
/* True when an incident may move from -> to (docs/design/incidents.md). */
bool mm_incident_transition_ok(enum mm_incident_status from, enum mm_incident_status to);

/* An incident's times against its SLA (seconds; -1 while not reached). A
 * breach holds as soon as the target passed, also for an open incident
 * (measured to now). */
struct mm_sla_state {
    int64_t time_to_acknowledge, time_to_resolve;
    bool acknowledge_breached, resolve_breached;
};
void mm_incident_sla(const struct mm_incident *in, const struct mm_sla *sla, int64_t now,
                     struct mm_sla_state *out);

#endif
