/* SPDX-License-Identifier: Apache-2.0
 * Owns the incident state machine and the SLA arithmetic (times to
 * acknowledge and to resolve, breach flags). Storage calls
 * mm_incident_transition_ok inside its transaction; the API and the reports
 * call mm_incident_sla. */
#include "center/incident.h"

#include <string.h>

#include "core/error.h"

#define USEC 1000000LL

static const char *const status_names[] = {"triage", "remote", "onsite", "recovery", "closed"};

const char *mm_incident_status_name(enum mm_incident_status s)
{
    return (unsigned)s < 5 ? status_names[s] : "triage";
}

int mm_incident_status_parse(const char *s, enum mm_incident_status *out)
{
    for (int i = 0; s && i < 5; i++) {
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum mm_incident_status)i;
            return 0;
        }
    }
    return MM_EINVAL;
}

bool mm_incident_transition_ok(enum mm_incident_status from, enum mm_incident_status to)
{
    switch (from) {
    case MM_INCIDENT_TRIAGE: /* closed: a false alarm; onsite: an urgent dispatch */
        return to == MM_INCIDENT_REMOTE || to == MM_INCIDENT_ONSITE || to == MM_INCIDENT_CLOSED;
    case MM_INCIDENT_REMOTE:
        return to == MM_INCIDENT_ONSITE || to == MM_INCIDENT_RECOVERY;
    case MM_INCIDENT_ONSITE: /* remote: follow-up support after the visit */
        return to == MM_INCIDENT_RECOVERY || to == MM_INCIDENT_REMOTE;
    case MM_INCIDENT_RECOVERY:
        return to == MM_INCIDENT_CLOSED;
    default:
        return false;
    }
}

/* Seconds from start to end (or to now while end is 0), and whether that
 * passed target minutes. */
static void measure(int64_t start, int64_t end, int64_t now, int target_minutes, int64_t *taken,
                    bool *breached)
{
    int64_t until = end ? end : now;
    *taken = end ? (end - start) / USEC : -1;
    *breached = target_minutes > 0 && until - start > (int64_t)target_minutes * 60 * USEC;
}

void mm_incident_sla(const struct mm_incident *in, const struct mm_sla *sla, int64_t now,
                     struct mm_sla_state *out)
{
    memset(out, 0, sizeof *out);
    measure(in->created_at, in->acknowledged_at, now, sla->acknowledge_minutes,
            &out->time_to_acknowledge, &out->acknowledge_breached);
    measure(in->created_at, in->resolved_at, now, sla->resolve_minutes, &out->time_to_resolve,
            &out->resolve_breached);
}
