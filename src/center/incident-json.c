/* SPDX-License-Identifier: Apache-2.0
 * Owns the JSON form of the desk's objects, shared by the API handlers and
 * the reports: tickets, ticket messages, incidents with their SLA state and
 * the stages they may move to, timeline entries and dispatches (docs/design/center-api.md). */
#include "center/incident-json.h"

#include <time.h>

#include "center/desk.h"
#include "center/incident.h"

#define USEC 1000000LL

json_t *mm_desk_json_time(int64_t usec)
{
    if (usec <= 0)
        return json_null();
    time_t t = (time_t)(usec / USEC);
    struct tm tm;
    char s[32];
    gmtime_r(&t, &tm);
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(s);
}

static json_t *id_or_null(int64_t id)
{
    return id > 0 ? json_integer(id) : json_null();
}

static json_t *seconds_or_null(int64_t s)
{
    return s >= 0 ? json_integer(s) : json_null();
}

static json_t *labels(const char *domain_key)
{
    return json_pack("{s:s, s:s}", "ja", mm_tr("center-desk", domain_key, MM_LANG_JA), "en",
                     mm_tr("center-desk", domain_key, MM_LANG_EN));
}

static json_t *person(int64_t id, const char *email, const char *role)
{
    bool vendor = strcmp(role, "admin") == 0 || strcmp(role, "analyst") == 0;
    return json_pack("{s:o, s:s, s:s, s:b}", "id", id_or_null(id), "name", email, "role", role,
                     "vendor", vendor);
}

json_t *mm_json_ticket(const struct mm_ticket *t)
{
    char key[64];
    snprintf(key, sizeof key, "category.%s", t->category);
    return json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "id",
                     (json_int_t)t->id, "tenant_id", (json_int_t)t->tenant_id, "subject",
                     t->subject, "category", t->category, "category_label", labels(key), "channel",
                     t->channel, "status", mm_ticket_status_name(t->status), "opened_by",
                     person(t->opened_by, t->opened_by_email, t->opened_by_role), "created_at",
                     mm_desk_json_time(t->created_at), "updated_at",
                     mm_desk_json_time(t->updated_at), "resolved_at",
                     mm_desk_json_time(t->resolved_at), "closed_at",
                     mm_desk_json_time(t->closed_at), "incident_id", id_or_null(t->incident_id),
                     "message_count", (json_int_t)t->message_count);
}

json_t *mm_json_ticket_message(const struct mm_ticket_message *m)
{
    return json_pack("{s:I, s:I, s:o, s:o, s:s, s:b}", "id", (json_int_t)m->id, "ticket_id",
                     (json_int_t)m->ticket_id, "at", mm_desk_json_time(m->at), "author",
                     person(m->author_id, m->author_email, m->author_role), "body", m->body,
                     "internal", m->internal);
}

json_t *mm_json_sla(const struct mm_incident *in, const struct mm_sla *sla, int64_t now)
{
    struct mm_sla_state s;
    mm_incident_sla(in, sla, now, &s);
    return json_pack("{s:i, s:i, s:o, s:o, s:b, s:b}", "acknowledge_minutes",
                     sla->acknowledge_minutes, "resolve_minutes", sla->resolve_minutes,
                     "time_to_acknowledge_s", seconds_or_null(s.time_to_acknowledge),
                     "time_to_resolve_s", seconds_or_null(s.time_to_resolve),
                     "acknowledge_breached", s.acknowledge_breached, "resolve_breached",
                     s.resolve_breached);
}

/* The stages the incident may move to from where it is, in the steps' order
 * (mm_incident_transition_ok), so a client offers only what the centre
 * accepts. */
static json_t *next_stages(enum mm_incident_status from)
{
    json_t *a = json_array();
    for (int s = MM_INCIDENT_TRIAGE; a && s <= MM_INCIDENT_CLOSED; s++)
        if (mm_incident_transition_ok(from, (enum mm_incident_status)s))
            json_array_append_new(a,
                                  json_string(mm_incident_status_name((enum mm_incident_status)s)));
    return a;
}

/* The title in each language: the alert's headlines for an incident opened
 * from an alert, else the title as a person typed it, in both. */
static json_t *title_i18n(const struct mm_incident *in)
{
    return json_pack("{s:s, s:s}", "ja", *in->title_ja ? in->title_ja : in->title, "en",
                     *in->title_en ? in->title_en : in->title);
}

json_t *mm_json_incident(const struct mm_incident *in, const struct mm_sla *sla, int64_t now)
{
    json_t *j = json_pack(
        "{s:I, s:I, s:s, s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s, "
        "s:s, s:s}",
        "id", (json_int_t)in->id, "tenant_id", (json_int_t)in->tenant_id, "title", in->title,
        "severity", in->severity, "status", mm_incident_status_name(in->status), "source",
        in->source, "ticket_id", id_or_null(in->ticket_id), "assignee_id",
        id_or_null(in->assignee_id), "created_by", id_or_null(in->created_by), "created_at",
        mm_desk_json_time(in->created_at), "updated_at", mm_desk_json_time(in->updated_at),
        "acknowledged_at", mm_desk_json_time(in->acknowledged_at), "resolved_at",
        mm_desk_json_time(in->resolved_at), "outcome", in->outcome, "handling",
        in->dispatched ? "onsite" : "remote", "summary", in->summary, "impact", in->impact,
        "actions", in->actions, "advice", in->advice);
    if (j) {
        json_object_set_new(j, "title_i18n", title_i18n(in));
        json_object_set_new(j, "sla", mm_json_sla(in, sla, now));
        json_object_set_new(j, "next", next_stages(in->status));
    }
    return j;
}

json_t *mm_json_timeline_entry(const struct mm_timeline_entry *e)
{
    return json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)e->id, "at",
                     mm_desk_json_time(e->at), "kind", e->kind, "from", e->from, "to", e->to,
                     "actor", e->actor, "body", e->body, "internal", e->internal);
}

json_t *mm_json_dispatch(const struct mm_dispatch *d)
{
    return json_pack("{s:s, s:o, s:s, s:s, s:s}", "who", d->who, "when", mm_desk_json_time(d->at),
                     "where", d->place, "contact", d->contact, "notes", d->notes);
}
