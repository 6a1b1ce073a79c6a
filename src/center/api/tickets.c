/* SPDX-License-Identifier: Apache-2.0
 * Owns /api/v1/tickets (the consultation desk): categories, the list, a
 * ticket with its message thread and linked alerts, opening one (by an SME
 * user, or by an analyst on a tenant's behalf during a phone call), status
 * and category changes, messages and vendor-only notes, alert links, and
 * escalation to an incident. Rules: docs/design/center-api.md. */
#include "center/api/api.h"

#include <string.h>

#include "center/api/desk-api.h"
#include "center/desk.h"
#include "center/incident-json.h"
#include "core/error.h"

int mm_api_ticket_categories(struct mm_request *req)
{
    json_t *items = json_array();
    for (size_t i = 0; mm_ticket_categories[i]; i++) {
        const char *id = mm_ticket_categories[i];
        json_array_append_new(items, json_pack("{s:s, s:{s:s, s:s}}", "id", id, "label", "ja",
                                               mm_ticket_category_label(id, MM_LANG_JA), "en",
                                               mm_ticket_category_label(id, MM_LANG_EN)));
    }
    return mm_reply_json(req, 200, json_pack("{s:o}", "categories", items));
}

static int add_ticket_json(const struct mm_ticket *t, void *arg)
{
    return mm_list_add(arg, mm_json_ticket(t), t->id, 0);
}

int mm_api_ticket_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_page page;
    struct mm_list l;
    int64_t tenant;
    int status = -1;
    const char *s = mm_req_query(req, "status");
    if (s) {
        enum mm_ticket_status ts;
        if (mm_ticket_status_parse(s, &ts) != 0)
            return mm_reply_error(req, 400, "bad_request", "status");
        status = (int)ts;
    }
    int r = mm_api_query_int(req, "tenant", 0, INT64_MAX / 2, -1, &tenant);
    if (r == 0)
        r = mm_api_page(req, &page);
    if (r != 0)
        return r;
    mm_list_init(&l, &page);
    r = st->ops->ticket_list(st, &req->who.scope, tenant, status, mm_desk_is_vendor(req), &page,
                             add_ticket_json, &l);
    return mm_list_finish(req, &l, r);
}

static int add_message_json(const struct mm_ticket_message *m, void *arg)
{
    return json_array_append_new(arg, mm_json_ticket_message(m)) == 0 ? 0 : MM_ENOMEM;
}

static int add_id(int64_t id, void *arg)
{
    return json_array_append_new(arg, json_integer(id)) == 0 ? 0 : MM_ENOMEM;
}

/* The full ticket object (thread and alert ids) as the caller may see it. */
static int ticket_reply(struct mm_request *req, int status, int64_t id)
{
    struct mm_store *st = req->center->store;
    struct mm_ticket t;
    bool vendor = mm_desk_is_vendor(req);
    int r = st->ops->ticket_get(st, &req->who.scope, id, vendor, &t);
    if (r != 0)
        return r;
    json_t *j = mm_json_ticket(&t), *msgs = json_array(), *alerts = json_array();
    r = st->ops->ticket_messages(st, &req->who.scope, id, vendor, add_message_json, msgs);
    if (r == 0)
        r = st->ops->ticket_alert_ids(st, &req->who.scope, id, add_id, alerts);
    json_object_set_new(j, "messages", msgs);
    json_object_set_new(j, "alert_ids", alerts);
    if (r != 0) {
        json_decref(j);
        return r;
    }
    return mm_reply_json(req, status, j);
}

int mm_api_ticket_get(struct mm_request *req)
{
    return ticket_reply(req, 200, mm_req_param(req, "ticket"));
}

/* Decides the ticket's tenant: SME users their own (a tenant_id naming
 * another is 404), vendor users the required tenant_id. */
static int ticket_tenant(struct mm_request *req, const json_t *body, int64_t *tenant)
{
    const json_t *t = json_object_get(body, "tenant_id");
    if (!mm_desk_is_vendor(req)) {
        *tenant = req->who.user.tenant_id;
        if (t && json_integer_value(t) != *tenant)
            return MM_ENOENT;
        return 0;
    }
    if (!t)
        return mm_reply_error(req, 400, "missing_field", "tenant_id"), MM_EPARSE;
    *tenant = json_integer_value(t);
    if (*tenant <= 0)
        return mm_reply_error(req, 400, "bad_field", "tenant_id"), MM_EPARSE;
    return 0;
}

/* Checks subject, body, category, channel and alert ids; replies 400. */
static int ticket_check(struct mm_request *req, const json_t *body, struct mm_ticket *t,
                        int64_t *alerts, size_t *nalerts)
{
    const char *subject = mm_api_str(body, "subject"), *text = mm_api_str(body, "body");
    const char *category = mm_api_str(body, "category"), *channel = mm_api_str(body, "channel");
    if (!*subject)
        return mm_reply_error(req, 400, "bad_field", "subject must not be empty"), MM_EPARSE;
    if (!*text)
        return mm_reply_error(req, 400, "bad_field", "body must not be empty"), MM_EPARSE;
    if (!mm_ticket_category_valid(category))
        return mm_reply_error(req, 400, "bad_field", "category"), MM_EPARSE;
    if (!channel)
        channel = "web";
    if (strcmp(channel, "web") != 0 && strcmp(channel, "phone") != 0)
        return mm_reply_error(req, 400, "bad_field", "channel must be web or phone"), MM_EPARSE;
    if (strcmp(channel, "phone") == 0 && !mm_desk_is_vendor(req))
        return mm_reply_error(req, 400, "bad_field", "channel phone is for the vendor's desk"),
               MM_EPARSE;
    snprintf(t->subject, sizeof t->subject, "%s", subject);
    snprintf(t->category, sizeof t->category, "%s", category);
    snprintf(t->channel, sizeof t->channel, "%s", channel);
    const json_t *v;
    size_t i;
    *nalerts = 0;
    json_array_foreach(json_object_get(body, "alert_ids"), i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return mm_reply_error(req, 400, "bad_field", "alert_ids"), MM_EPARSE;
        alerts[(*nalerts)++] = json_integer_value(v);
    }
    return 0;
}

int mm_api_ticket_add(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"category", JSON_STRING, true, 32},
        {"subject", JSON_STRING, true, MM_TICKET_SUBJECT_MAX},
        {"body", JSON_STRING, true, MM_TICKET_BODY_MAX},
        {"tenant_id", JSON_INTEGER, false, 0},
        {"channel", JSON_STRING, false, 8},
        {"alert_ids", JSON_ARRAY, false, MM_TICKET_ALERTS_MAX},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_ticket t;
    int64_t alerts[MM_TICKET_ALERTS_MAX], id = 0;
    size_t nalerts = 0;
    json_t *body;
    memset(&t, 0, sizeof t);
    int r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    r = ticket_tenant(req, body, &t.tenant_id);
    if (r == 0)
        r = ticket_check(req, body, &t, alerts, &nalerts);
    struct mm_actor who = mm_api_actor(req);
    struct mm_author author = mm_desk_author(req);
    if (r == 0)
        r = st->ops->ticket_add(st, &req->who.scope, &who, &author, &t, mm_api_str(body, "body"),
                                alerts, nalerts, req->now, &id);
    json_decref(body);
    if (r == MM_ENOENT && nalerts)
        return mm_reply_error(req, 404, "not_found", "tenant_id or alert_ids");
    if (r == MM_ELIMIT)
        return mm_reply_error(req, 409, "conflict", "too many open tickets; close some first");
    if (r != 0)
        return r;
    return ticket_reply(req, 201, id);
}

int mm_api_ticket_update(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"status", JSON_STRING, false, 16},
        {"category", JSON_STRING, false, 32},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_ticket t;
    json_t *body;
    int64_t id = mm_req_param(req, "ticket");
    int r = st->ops->ticket_get(st, &req->who.scope, id, false, &t);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    const char *s = mm_api_str(body, "status"), *category = mm_api_str(body, "category");
    enum mm_ticket_status to = MM_TICKET_OPEN;
    if (s && mm_ticket_status_parse(s, &to) != 0)
        r = mm_desk_fail(req, 400, "bad_field", "status");
    else if (category && !mm_ticket_category_valid(category))
        r = mm_desk_fail(req, 400, "bad_field", "category");
    else if (s && !mm_ticket_role_may_set(req->who.user.role, to))
        r = mm_desk_fail(req, 403, "forbidden", "status");
    struct mm_actor who = mm_api_actor(req);
    if (r == 0)
        r = st->ops->ticket_update(st, &req->who.scope, &who, id, s ? (int)to : -1, category,
                                   req->now);
    json_decref(body);
    if (r == MM_EPARSE || r == MM_EPERM)
        return 0;
    if (r != 0)
        return r;
    return ticket_reply(req, 200, id);
}

int mm_api_ticket_message_add(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"body", JSON_STRING, true, MM_TICKET_BODY_MAX},
        {"internal", JSON_TRUE, false, 0},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_ticket t;
    json_t *body;
    int64_t id = mm_req_param(req, "ticket"), mid = 0;
    int r = st->ops->ticket_get(st, &req->who.scope, id, false, &t);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    const char *text = mm_api_str(body, "body");
    bool internal = json_is_true(json_object_get(body, "internal"));
    bool vendor = mm_desk_is_vendor(req);
    if (!*text)
        r = mm_desk_fail(req, 400, "bad_field", "body must not be empty");
    else if (internal && !vendor)
        r = mm_desk_fail(req, 403, "forbidden", "internal notes are for the vendor");
    struct mm_actor who = mm_api_actor(req);
    struct mm_author author = mm_desk_author(req);
    if (r == 0)
        r = st->ops->ticket_message_add(st, &req->who.scope, &who, &author, id, text, internal,
                                        !vendor, req->now, &mid);
    json_t *reply = NULL;
    if (r == 0) {
        struct mm_ticket_message m = {
            .id = mid,
            .ticket_id = id,
            .tenant_id = t.tenant_id,
            .at = req->now,
            .author_id = author.user_id,
            .author_email = author.email,
            .author_role = mm_role_name(author.role),
            .body = text,
            .internal = internal,
        };
        reply = mm_json_ticket_message(&m);
    }
    json_decref(body);
    if (r == MM_EPARSE || r == MM_EPERM)
        return 0;
    if (r == MM_ELIMIT)
        return mm_reply_error(req, 409, "conflict", "this ticket holds the most messages it may");
    if (r != 0)
        return r;
    return mm_reply_json(req, 201, reply);
}

int mm_api_ticket_link_alert(struct mm_request *req)
{
    static const struct mm_field fields[] = {{"alert_id", JSON_INTEGER, true, 0}, MM_FIELDS_END};
    struct mm_store *st = req->center->store;
    struct mm_ticket t;
    json_t *body;
    int64_t id = mm_req_param(req, "ticket");
    int r = st->ops->ticket_get(st, &req->who.scope, id, false, &t);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    int64_t alert = json_integer_value(json_object_get(body, "alert_id"));
    json_decref(body);
    struct mm_actor who = mm_api_actor(req);
    r = st->ops->ticket_link_alert(st, &req->who.scope, &who, id, alert, req->now);
    if (r == MM_ENOENT)
        return mm_reply_error(req, 404, "not_found", "alert_id");
    if (r != 0)
        return r;
    return ticket_reply(req, 200, id);
}

int mm_api_ticket_escalate(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"title", JSON_STRING, false, MM_INCIDENT_TITLE_MAX},
        {"severity", JSON_INTEGER, false, 0},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_ticket t;
    json_t *body;
    int r = st->ops->ticket_get(st, &req->who.scope, mm_req_param(req, "ticket"), true, &t);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    const char *title = mm_api_str(body, "title");
    json_t *sev = json_object_get(body, "severity");
    if (t.incident_id)
        r = mm_reply_error(req, 409, "conflict", "the ticket already has an incident");
    else
        r = mm_desk_incident_create(req, t.tenant_id, title && *title ? title : t.subject, NULL,
                                    sev ? (int)json_integer_value(sev) : 2, t.id, 0, body);
    json_decref(body);
    return r;
}
