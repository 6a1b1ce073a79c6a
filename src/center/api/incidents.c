/* SPDX-License-Identifier: Apache-2.0
 * Owns /api/v1/incidents: the list, one incident with its timeline,
 * dispatch, linked alerts and SLA state; creation from an alert, a ticket or
 * by hand; edits (title, severity, assignee, report texts); the state
 * machine (triage, remote, onsite, recovery, closed) with dispatch and
 * outcome; notes; linking more alerts; and each tenant's SLA targets. */
#include "center/api/api.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "center/alerts.h"
#include "center/api/desk-api.h"
#include "center/incident-json.h"
#include "center/incident.h"
#include "core/error.h"
#include "core/str.h"
#include "core/timefmt.h"

static int add_id(int64_t id, void *arg)
{
    return json_array_append_new(arg, json_integer(id)) == 0 ? 0 : MM_ENOMEM;
}

struct list_ctx {
    struct mm_request *req;
    struct mm_list *l;
    struct mm_sla sla; /* of the previous row's tenant (rows come grouped often) */
    bool have_sla;
};

static int add_incident_json(const struct mm_incident *in, void *arg)
{
    struct list_ctx *c = arg;
    struct mm_store *st = c->req->center->store;
    if (!c->have_sla || c->sla.tenant_id != in->tenant_id) {
        int r = st->ops->sla_get(st, &c->req->who.scope, in->tenant_id, &c->sla);
        if (r != 0)
            return r;
        c->have_sla = true;
    }
    return mm_list_add(c->l, mm_json_incident(in, &c->sla, c->req->now), in->id, 0);
}

int mm_api_incident_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_page page;
    struct mm_list l;
    int64_t tenant;
    int status = -1;
    const char *s = mm_req_query(req, "status");
    if (s) {
        enum mm_incident_status is;
        if (mm_incident_status_parse(s, &is) != 0)
            return mm_reply_error(req, 400, "bad_request", "status");
        status = (int)is;
    }
    int r = mm_api_query_int(req, "tenant", 0, INT64_MAX / 2, -1, &tenant);
    if (r == 0)
        r = mm_api_page(req, &page);
    if (r != 0)
        return r;
    mm_list_init(&l, &page);
    struct list_ctx c = {.req = req, .l = &l};
    r = st->ops->incident_list(st, &req->who.scope, tenant, status, &page, add_incident_json, &c);
    return mm_list_finish(req, &l, r);
}

static int add_entry_json(const struct mm_timeline_entry *e, void *arg)
{
    return json_array_append_new(arg, mm_json_timeline_entry(e)) == 0 ? 0 : MM_ENOMEM;
}

/* The full incident as the caller may see it (internal notes for vendors). */
static int incident_reply(struct mm_request *req, int status, int64_t id)
{
    struct mm_store *st = req->center->store;
    struct mm_incident *in = calloc(1, sizeof *in);
    struct mm_dispatch d;
    struct mm_sla sla;
    json_t *j = NULL;
    int r = in ? st->ops->incident_get(st, &req->who.scope, id, in) : MM_ENOMEM;
    if (r == 0)
        r = st->ops->sla_get(st, &req->who.scope, in->tenant_id, &sla);
    if (r == 0 && !(j = mm_json_incident(in, &sla, req->now)))
        r = MM_ENOMEM;
    json_t *alerts = json_array(), *timeline = json_array();
    if (r == 0)
        r = st->ops->incident_alert_ids(st, &req->who.scope, id, add_id, alerts);
    if (r == 0)
        r = st->ops->incident_timeline(st, &req->who.scope, id, mm_desk_is_vendor(req),
                                       add_entry_json, timeline);
    int rd = r == 0 ? st->ops->incident_dispatch(st, &req->who.scope, id, &d) : r;
    if (r == 0 && rd != 0 && rd != MM_ENOENT)
        r = rd;
    struct mm_user who;
    struct mm_scope vendor = mm_scope_tenant(MM_VENDOR_TENANT);
    /* The assignee's address, for every reader: an SME owner cannot list
     * the vendor's users, and "#3" tells nobody who is on it. */
    if (r == 0 && in->assignee_id && st->ops->user_get(st, &vendor, in->assignee_id, &who) == 0)
        json_object_set_new(j, "assignee_email", json_string(who.email));
    if (r == 0) {
        json_object_set_new(j, "alert_ids", alerts);
        json_object_set_new(j, "timeline", timeline);
        json_object_set_new(j, "dispatch", rd == 0 ? mm_json_dispatch(&d) : json_null());
        alerts = timeline = NULL;
    }
    json_decref(alerts);
    json_decref(timeline);
    free(in);
    if (r != 0) {
        json_decref(j);
        return r;
    }
    return mm_reply_json(req, status, j);
}

int mm_api_incident_get(struct mm_request *req)
{
    return incident_reply(req, 200, mm_req_param(req, "incident"));
}

/* Checks an assignee: a vendor user (400 otherwise). */
static int check_assignee(struct mm_request *req, int64_t id)
{
    struct mm_store *st = req->center->store;
    struct mm_user u;
    if (id == 0)
        return 0;
    if (st->ops->user_get(st, &req->who.scope, id, &u) != 0 || !mm_role_is_vendor(u.role)) {
        mm_reply_error(req, 400, "bad_field", "assignee_id must be a vendor user");
        return MM_EPARSE;
    }
    return 0;
}

static int check_severity(struct mm_request *req, int severity)
{
    if (severity >= 1 && severity <= 4)
        return 0;
    mm_reply_error(req, 400, "bad_field", "severity must be 1-4");
    return MM_EPARSE;
}

static void copy_text(char *out, size_t outlen, const json_t *body, const char *key)
{
    const char *s = mm_api_str(body, key);
    if (s)
        snprintf(out, outlen, "%s", s);
}

int mm_desk_incident_create(struct mm_request *req, int64_t tenant_id, const char *title,
                            const char *const *headline, int severity, int64_t ticket_id,
                            int64_t alert_id, const json_t *body)
{
    struct mm_store *st = req->center->store;
    int64_t assignee = json_integer_value(json_object_get(body, "assignee_id")), id = 0;
    int r = check_severity(req, severity);
    if (r == 0)
        r = check_assignee(req, assignee);
    if (r != 0)
        return 0; /* replied */
    struct mm_incident *in = calloc(1, sizeof *in);
    if (!in)
        return MM_ENOMEM;
    in->tenant_id = tenant_id;
    snprintf(in->title, sizeof in->title, "%s", title);
    if (headline) {
        snprintf(in->title_ja, sizeof in->title_ja, "%s", headline[MM_LANG_JA]);
        snprintf(in->title_en, sizeof in->title_en, "%s", headline[MM_LANG_EN]);
    }
    in->severity = severity;
    snprintf(in->source, sizeof in->source, "%s",
             alert_id    ? "alert"
             : ticket_id ? "ticket"
                         : "manual");
    in->ticket_id = ticket_id;
    in->assignee_id = assignee;
    copy_text(in->summary, sizeof in->summary, body, "summary");
    struct mm_actor who = mm_api_actor(req);
    struct mm_author author = mm_desk_author(req);
    r = st->ops->incident_add(st, &req->who.scope, &who, &author, in, alert_id, req->now, &id);
    free(in);
    if (r == MM_ESTATE)
        return mm_reply_error(req, 409, "invalid_transition",
                              "the alert is already escalated or closed");
    if (r != 0)
        return r;
    return incident_reply(req, 201, id);
}

/* The titles of an incident opened for alert a without one: the first
 * sentence of the alert's message in each language (the heading the web UI
 * shows for the alert), else the alert's signature (English, meant for the
 * vendor). headline[] gets both; the one in its company's language is the
 * incident's title for clients that read only "title". */
static const char *alert_headline(struct mm_request *req, const struct mm_alert *a,
                                  const char **headline)
{
    struct mm_store *st = req->center->store;
    struct mm_tenant t;
    bool en = st->ops->tenant_get(st, &req->who.scope, a->tenant_id, &t) == 0 &&
              strcmp(t.lang, "en") == 0;
    for (int lang = MM_LANG_EN; lang <= MM_LANG_JA; lang++) {
        char *s = mm_arena_alloc(&req->arena, MM_INCIDENT_TITLE_MAX + 8);
        if (!s)
            return NULL;
        mm_alert_headline(a, (enum mm_lang)lang, MM_INCIDENT_TITLE_MAX, s,
                          MM_INCIDENT_TITLE_MAX + 8);
        headline[lang] = s;
    }
    return headline[en ? MM_LANG_EN : MM_LANG_JA];
}

/* Finds the tenant, default title and default severity from alert_id /
 * ticket_id / tenant_id: an incident opened for an alert takes the alert's
 * severity unless the body names one. */
static int incident_origin(struct mm_request *req, const json_t *body, int64_t *tenant,
                           const char **title, const char **headline, int64_t *ticket,
                           int64_t *alert, int *severity)
{
    struct mm_store *st = req->center->store;
    const json_t *tj = json_object_get(body, "tenant_id");
    *alert = json_integer_value(json_object_get(body, "alert_id"));
    *ticket = json_integer_value(json_object_get(body, "ticket_id"));
    *tenant = tj ? json_integer_value(tj) : 0;
    if (*alert) {
        struct mm_alert *a = mm_arena_alloc(&req->arena, sizeof *a);
        if (!a)
            return MM_ENOMEM;
        if (st->ops->alert_get(st, &req->who.scope, *alert, a) != 0)
            return mm_reply_error(req, 404, "not_found", "alert_id"), MM_EPARSE;
        if (tj && *tenant != a->tenant_id)
            return mm_reply_error(req, 400, "bad_field", "tenant_id"), MM_EPARSE;
        *tenant = a->tenant_id;
        if (!(*title = alert_headline(req, a, headline)))
            return MM_ENOMEM;
        if (a->severity >= 1 && a->severity <= 4)
            *severity = a->severity;
    }
    if (*ticket) {
        struct mm_ticket t;
        if (st->ops->ticket_get(st, &req->who.scope, *ticket, true, &t) != 0)
            return mm_reply_error(req, 404, "not_found", "ticket_id"), MM_EPARSE;
        if ((tj || *alert) && *tenant != t.tenant_id)
            return mm_reply_error(req, 400, "bad_field", "tenant_id"), MM_EPARSE;
        if (t.incident_id)
            return mm_reply_error(req, 409, "conflict", "ticket_id"), MM_EPARSE;
        *tenant = t.tenant_id;
        if (!*alert)
            *title = mm_arena_strdup(&req->arena, t.subject);
    }
    if (*tenant <= 0)
        return mm_reply_error(req, 400, "missing_field", "alert_id, ticket_id or tenant_id"),
               MM_EPARSE;
    return 0;
}

int mm_api_incident_add(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"alert_id", JSON_INTEGER, false, 0},
        {"ticket_id", JSON_INTEGER, false, 0},
        {"tenant_id", JSON_INTEGER, false, 0},
        {"title", JSON_STRING, false, MM_INCIDENT_TITLE_MAX},
        {"severity", JSON_INTEGER, false, 0},
        {"summary", JSON_STRING, false, MM_INCIDENT_TEXT_MAX},
        {"assignee_id", JSON_INTEGER, false, 0},
        MM_FIELDS_END,
    };
    json_t *body;
    int64_t tenant, ticket, alert;
    const char *title = NULL, *headline[2] = {NULL, NULL};
    int severity = 2;
    int r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    r = incident_origin(req, body, &tenant, &title, headline, &ticket, &alert, &severity);
    const char *given = mm_api_str(body, "title");
    if (given && *given)
        title = given;
    bool from_alert = title && !(given && *given) && headline[MM_LANG_JA];
    json_t *sev = json_object_get(body, "severity");
    if (r == 0 && (!title || !*title))
        r = mm_desk_fail(req, 400, "missing_field", "title");
    if (r == 0)
        r = mm_desk_incident_create(req, tenant, title, from_alert ? headline : NULL,
                                    sev ? (int)json_integer_value(sev) : severity, ticket, alert,
                                    body);
    json_decref(body);
    return r == MM_EPARSE ? 0 : r;
}

int mm_api_incident_update(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"title", JSON_STRING, false, MM_INCIDENT_TITLE_MAX},
        {"severity", JSON_INTEGER, false, 0},
        {"assignee_id", JSON_INTEGER, false, 0},
        {"summary", JSON_STRING, false, MM_INCIDENT_TEXT_MAX},
        {"impact", JSON_STRING, false, MM_INCIDENT_TEXT_MAX},
        {"actions", JSON_STRING, false, MM_INCIDENT_TEXT_MAX},
        {"advice", JSON_STRING, false, MM_INCIDENT_TEXT_MAX},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    int64_t id = mm_req_param(req, "incident");
    json_t *body = NULL;
    struct mm_incident *in = calloc(1, sizeof *in);
    int r = in ? st->ops->incident_get(st, &req->who.scope, id, in) : MM_ENOMEM;
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        goto out;
    const json_t *sev = json_object_get(body, "severity"),
                 *as = json_object_get(body, "assignee_id");
    const char *title = mm_api_str(body, "title");
    if (sev && (r = check_severity(req, (int)json_integer_value(sev))) != 0)
        goto out;
    if (as && (r = check_assignee(req, json_integer_value(as))) != 0)
        goto out;
    if (title && !*title) {
        r = mm_desk_fail(req, 400, "bad_field", "title must not be empty");
        goto out;
    }
    if (sev)
        in->severity = (int)json_integer_value(sev);
    if (as)
        in->assignee_id = json_integer_value(as);
    copy_text(in->title, sizeof in->title, body, "title");
    copy_text(in->summary, sizeof in->summary, body, "summary");
    copy_text(in->impact, sizeof in->impact, body, "impact");
    copy_text(in->actions, sizeof in->actions, body, "actions");
    copy_text(in->advice, sizeof in->advice, body, "advice");
    struct mm_actor who = mm_api_actor(req);
    struct mm_author author = mm_desk_author(req);
    r = st->ops->incident_update(st, &req->who.scope, &who, &author, in, req->now);
out:
    free(in);
    json_decref(body);
    if (r == MM_EPARSE)
        return 0;
    return r != 0 ? r : incident_reply(req, 200, id);
}

/* Reads "dispatch": {"who","when","where","contact"?,"notes"?}; replies 400. */
static int read_dispatch(struct mm_request *req, const json_t *o, struct mm_dispatch *d)
{
    static const char *const known[] = {"who", "when", "where", "contact", "notes", NULL};
    static const size_t max[] = {200, 40, 400, 200, 2000};
    const char *key;
    const json_t *v;
    memset(d, 0, sizeof *d);
    if (!json_is_object(o))
        return mm_reply_error(req, 400, "missing_field", "dispatch"), MM_EPARSE;
    json_object_foreach((json_t *)o, key, v)
    {
        size_t i = 0;
        while (known[i] && strcmp(known[i], key) != 0)
            i++;
        if (!known[i])
            return mm_reply_error(req, 400, "unknown_field", key), MM_EPARSE;
        if (!json_is_string(v) || json_string_length(v) > max[i])
            return mm_reply_error(req, 400, "bad_field", key), MM_EPARSE;
    }
    const char *who = mm_api_str(o, "who"), *when = mm_api_str(o, "when");
    const char *where = mm_api_str(o, "where");
    if (!who || !*who || !where || !*where || !when)
        return mm_reply_error(req, 400, "missing_field", "dispatch.who, when and where"), MM_EPARSE;
    if (mm_time_parse(when, &d->at) != 0)
        return mm_reply_error(req, 400, "bad_field", "dispatch.when must be an RFC 3339 time"),
               MM_EPARSE;
    snprintf(d->who, sizeof d->who, "%s", who);
    snprintf(d->place, sizeof d->place, "%s", where);
    copy_text(d->contact, sizeof d->contact, o, "contact");
    copy_text(d->notes, sizeof d->notes, o, "notes");
    return 0;
}

/* Reads the request body once incident id is known to be in the caller's
 * scope: a foreign or missing incident is MM_ENOENT before the body is read. */
static int incident_body(struct mm_request *req, int64_t id, const struct mm_field *fields,
                         json_t **body)
{
    struct mm_store *st = req->center->store;
    struct mm_incident *in = calloc(1, sizeof *in);
    int r = in ? st->ops->incident_get(st, &req->who.scope, id, in) : MM_ENOMEM;
    free(in);
    if (r == 0)
        r = mm_api_body(req, fields, body);
    return r;
}

int mm_api_incident_transition(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"to", JSON_STRING, true, 16},
        {"note", JSON_STRING, false, MM_INCIDENT_TEXT_MAX},
        {"dispatch", JSON_OBJECT, false, 0},
        {"outcome", JSON_STRING, false, MM_INCIDENT_OUTCOME_MAX},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_dispatch d;
    enum mm_incident_status to;
    json_t *body = NULL;
    int64_t id = mm_req_param(req, "incident");
    int r = incident_body(req, id, fields, &body);
    if (r != 0)
        return r;
    const char *outcome = mm_api_str(body, "outcome");
    if (mm_incident_status_parse(mm_api_str(body, "to"), &to) != 0)
        r = mm_desk_fail(req, 400, "bad_field", "to");
    else if (to == MM_INCIDENT_ONSITE)
        r = read_dispatch(req, json_object_get(body, "dispatch"), &d);
    else if (json_object_get(body, "dispatch"))
        r = mm_desk_fail(req, 400, "bad_field", "dispatch is only for onsite");
    if (r == 0 && to == MM_INCIDENT_CLOSED && (!outcome || !*outcome))
        r = mm_desk_fail(req, 400, "missing_field", "outcome");
    struct mm_actor who = mm_api_actor(req);
    struct mm_author author = mm_desk_author(req);
    if (r == 0)
        r = st->ops->incident_transition(st, &req->who.scope, &who, &author, id, to,
                                         to == MM_INCIDENT_ONSITE ? &d : NULL, outcome,
                                         mm_api_str(body, "note"), req->now);
    json_decref(body);
    if (r == MM_EPARSE)
        return 0;
    return r != 0 ? r : incident_reply(req, 200, id);
}

int mm_api_incident_note_add(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"body", JSON_STRING, true, MM_INCIDENT_TEXT_MAX},
        {"internal", JSON_TRUE, false, 0},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    json_t *body = NULL;
    int64_t id = mm_req_param(req, "incident"), eid = 0;
    int r = incident_body(req, id, fields, &body);
    if (r != 0)
        return r;
    const char *text = mm_api_str(body, "body");
    bool internal = json_is_true(json_object_get(body, "internal"));
    struct mm_actor who = mm_api_actor(req);
    struct mm_author author = mm_desk_author(req);
    json_t *reply = NULL;
    if (!*text)
        r = mm_desk_fail(req, 400, "bad_field", "body must not be empty");
    if (r == 0)
        r = st->ops->incident_note_add(st, &req->who.scope, &who, &author, id, text, internal,
                                       req->now, &eid);
    if (r == 0) {
        struct mm_timeline_entry e = {
            .id = eid,
            .incident_id = id,
            .at = req->now,
            .kind = "note",
            .from = "",
            .to = "",
            .actor = author.email,
            .body = text,
            .internal = internal,
        };
        reply = mm_json_timeline_entry(&e);
    }
    json_decref(body);
    if (r == MM_EPARSE)
        return 0;
    if (r == MM_ELIMIT)
        return mm_reply_error(req, 409, "conflict", "the timeline holds the most entries it may");
    return r != 0 ? r : mm_reply_json(req, 201, reply);
}

int mm_api_incident_link_alert(struct mm_request *req)
{
    static const struct mm_field fields[] = {{"alert_id", JSON_INTEGER, true, 0}, MM_FIELDS_END};
    struct mm_store *st = req->center->store;
    json_t *body = NULL;
    int64_t id = mm_req_param(req, "incident");
    int r = incident_body(req, id, fields, &body);
    if (r != 0)
        return r;
    int64_t alert = json_integer_value(json_object_get(body, "alert_id"));
    json_decref(body);
    struct mm_actor who = mm_api_actor(req);
    struct mm_author author = mm_desk_author(req);
    r = st->ops->incident_link_alert(st, &req->who.scope, &who, &author, id, alert, req->now);
    if (r == MM_ENOENT)
        return mm_reply_error(req, 404, "not_found", "alert_id");
    if (r == MM_ELIMIT)
        return mm_reply_error(req, 409, "conflict", "the timeline holds the most entries it may");
    return r != 0 ? r : incident_reply(req, 200, id);
}

static json_t *sla_json(const struct mm_sla *s)
{
    return json_pack("{s:I, s:i, s:i}", "tenant_id", (json_int_t)s->tenant_id,
                     "acknowledge_minutes", s->acknowledge_minutes, "resolve_minutes",
                     s->resolve_minutes);
}

int mm_api_tenant_sla_get(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_sla s;
    int r = st->ops->sla_get(st, &req->who.scope, mm_req_param(req, "tenant"), &s);
    return r != 0 ? r : mm_reply_json(req, 200, sla_json(&s));
}

int mm_api_tenant_sla_set(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"acknowledge_minutes", JSON_INTEGER, true, 0},
        {"resolve_minutes", JSON_INTEGER, true, 0},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_sla s;
    json_t *body;
    int r = st->ops->sla_get(st, &req->who.scope, mm_req_param(req, "tenant"), &s);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    json_int_t ack = json_integer_value(json_object_get(body, "acknowledge_minutes"));
    json_int_t res = json_integer_value(json_object_get(body, "resolve_minutes"));
    json_decref(body);
    if (ack < 1 || ack > 525600 || res < 1 || res > 525600)
        return mm_reply_error(req, 400, "bad_field",
                              "acknowledge_minutes and resolve_minutes must be 1-525600");
    s.acknowledge_minutes = (int)ack;
    s.resolve_minutes = (int)res;
    struct mm_actor who = mm_api_actor(req);
    r = st->ops->sla_set(st, &req->who.scope, &who, &s, req->now);
    return r != 0 ? r : mm_reply_json(req, 200, sla_json(&s));
}
