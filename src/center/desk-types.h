/* SPDX-License-Identifier: Apache-2.0
 * The rows of the consultation desk and of incident handling, as the storage
 * interface (store.h) hands them out: tickets and their messages, incidents
 * with their timeline, on-site dispatch and SLA targets, and the figures the
 * monthly report and the vendor statistics are built from. Included by
 * store.h; the state machines live in desk.c and incident.c. */
#ifndef MM_CENTER_DESK_TYPES_H
#define MM_CENTER_DESK_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "center/tenant.h"

#define MM_TICKET_SUBJECT_MAX   200
#define MM_TICKET_BODY_MAX      10000
#define MM_TICKET_ALERTS_MAX    20
#define MM_TICKET_MESSAGES_MAX  1000 /* per ticket */
#define MM_TICKETS_OPEN_MAX     1000 /* not closed, per tenant */
#define MM_TIMELINE_MAX         2000 /* entries per incident */
#define MM_INCIDENT_TEXT_MAX    4000
#define MM_INCIDENT_TITLE_MAX   200
#define MM_INCIDENT_OUTCOME_MAX 2000

enum mm_ticket_status {
    MM_TICKET_OPEN = 0,
    MM_TICKET_WAITING, /* waiting for the SME */
    MM_TICKET_RESOLVED,
    MM_TICKET_CLOSED,
};

/* The person behind a change on the desk (besides the audit actor). */
struct mm_author {
    int64_t user_id;
    const char *email;
    enum mm_role role;
};

struct mm_ticket {
    int64_t id, tenant_id;
    char subject[MM_TICKET_SUBJECT_MAX + 8];
    char category[32];
    char channel[8]; /* "web" | "phone" */
    enum mm_ticket_status status;
    int64_t opened_by;
    char opened_by_email[256];
    char opened_by_role[16];
    int64_t incident_id; /* 0: none */
    int64_t created_at, updated_at, resolved_at, closed_at;
    int64_t message_count; /* visible to the reader (internal notes counted for vendors) */
};

struct mm_ticket_message {
    int64_t id, ticket_id, tenant_id, at, author_id;
    const char *author_email, *author_role, *body;
    bool internal;
};

enum mm_incident_status {
    MM_INCIDENT_TRIAGE = 0,
    MM_INCIDENT_REMOTE,
    MM_INCIDENT_ONSITE,
    MM_INCIDENT_RECOVERY,
    MM_INCIDENT_CLOSED,
};

struct mm_incident {
    int64_t id, tenant_id;
    char title[MM_INCIDENT_TITLE_MAX + 8];
    /* The alert's headline in each language for an incident opened from an
     * alert without a title; "" when a person typed the title. */
    char title_ja[MM_INCIDENT_TITLE_MAX + 8], title_en[MM_INCIDENT_TITLE_MAX + 8];
    int severity;
    enum mm_incident_status status;
    char source[8];                             /* "alert" | "ticket" | "manual" */
    int64_t ticket_id, assignee_id, created_by; /* 0: none */
    int64_t created_at, updated_at, acknowledged_at, resolved_at;
    bool dispatched;
    char outcome[MM_INCIDENT_OUTCOME_MAX + 8];
    char summary[MM_INCIDENT_TEXT_MAX + 8], impact[MM_INCIDENT_TEXT_MAX + 8];
    char actions[MM_INCIDENT_TEXT_MAX + 8], advice[MM_INCIDENT_TEXT_MAX + 8];
};

/* Who goes on site, when, where. */
struct mm_dispatch {
    char who[256];
    int64_t at;
    char place[512];
    char contact[256];
    char notes[2048];
};

struct mm_timeline_entry {
    int64_t id, incident_id, tenant_id, at;
    const char *kind; /* created status dispatch note assign alert edit */
    const char *from, *to, *actor, *body;
    bool internal;
};

/* A tenant's service-level targets. */
struct mm_sla {
    int64_t tenant_id;
    int acknowledge_minutes, resolve_minutes;
};
#define MM_SLA_ACK_DEFAULT     60
#define MM_SLA_RESOLVE_DEFAULT 1440

/* One labelled count (a category, an alert kind). */
#define MM_REPORT_TOP_MAX     16
#define MM_REPORT_SENSORS_MAX 32
struct mm_count {
    char key[128];
    int64_t count;
    int64_t devices; /* alert kinds: distinct devices among the alerts, else 0 */
};

/* The figures of one tenant's monthly report, period [since, until). */
struct mm_monthly {
    int64_t tenant_id, since, until;
    char tenant_name[256];
    char tenant_lang[3];
    int64_t alerts_total, alerts_by_severity[5]; /* index 1..4 */
    struct mm_count alert_categories[MM_REPORT_TOP_MAX];
    int nalert_categories;
    struct mm_count top_kinds[MM_REPORT_TOP_MAX]; /* alert kinds (mm_alert_kind), by count */
    int ntop_kinds;
    int64_t incidents_opened, incidents_closed, incidents_remote, incidents_onsite;
    int64_t incidents_breached;
    int64_t tickets_opened, tickets_resolved;
    struct mm_count ticket_categories[MM_REPORT_TOP_MAX];
    int nticket_categories;
    struct {
        int64_t id;
        char name[128];
        int64_t hours_seen, hours_total;
    } sensors[MM_REPORT_SENSORS_MAX];
    int nsensors;
};

/* Per-tenant activity in a period, for the statistics. */
struct mm_stats_tenant {
    int64_t tenant_id;
    const char *name;
    int64_t alerts, tickets;
};

/* One incident created in a period, for the statistics. */
struct mm_stats_incident {
    int64_t tenant_id, created_at, acknowledged_at, resolved_at; /* 0: not reached */
    bool dispatched;
};

typedef int (*mm_ticket_fn)(const struct mm_ticket *t, void *arg);
typedef int (*mm_ticket_message_fn)(const struct mm_ticket_message *m, void *arg);
typedef int (*mm_incident_fn)(const struct mm_incident *in, void *arg);
typedef int (*mm_timeline_fn)(const struct mm_timeline_entry *e, void *arg);
typedef int (*mm_id_fn)(int64_t id, void *arg);
typedef int (*mm_stats_tenant_fn)(const struct mm_stats_tenant *t, void *arg);
typedef int (*mm_stats_incident_fn)(const struct mm_stats_incident *in, void *arg);

#endif
