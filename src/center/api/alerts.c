/* SPDX-License-Identifier: Apache-2.0
 * Owns /api/v1/alerts: the filtered, paged list; one alert with its
 * explanation, its category in plain words and its latest events; and the
 * status changes (acknowledge, close with a reason, escalate), one by one
 * or in bulk. */
#include "center/api/api.h"

#include <string.h>

#include "center/alerts.h"
#include "core/error.h"
#include "core/str.h"

#define BULK_MAX   500
#define SEARCH_MAX 200 /* characters of q */

static int add_alert_json(const struct mm_alert *a, void *arg)
{
    return mm_list_add(arg, mm_json_alert(a), a->last_seen, a->id);
}

/* The free-text search q: valid UTF-8 of at most SEARCH_MAX characters (the
 * web form's maxlength), so a Japanese query is not cut at a third of it;
 * the store matches it literally against the alert's texts and messages. */
static bool search_text_ok(const char *q)
{
    size_t n = strlen(q);
    return n <= SEARCH_MAX * 4 && mm_utf8_valid(q, n, NULL) && mm_utf8_len(q) <= SEARCH_MAX;
}

static int read_filter(struct mm_request *req, struct mm_alert_filter *f)
{
    int64_t v;
    const char *s;
    memset(f, 0, sizeof *f);
    f->status = -1;
    if ((s = mm_req_query(req, "status"))) {
        enum mm_alert_status st;
        if (mm_alert_status_parse(s, &st) != 0)
            return mm_reply_error(req, 400, "bad_request", "status"), MM_EPARSE;
        f->status = (int)st;
    }
    int r = mm_api_query_int(req, "severity", 1, 4, 0, &v);
    f->max_severity = (int)v;
    if (r == 0)
        r = mm_api_query_int(req, "tenant", 0, INT64_MAX / 2, -1, &f->tenant_id);
    if (r == 0)
        r = mm_api_query_int(req, "signature", 0, INT64_MAX / 2, -1, &f->signature_id);
    if (r == 0)
        r = mm_api_query_time(req, "since", &f->since);
    if (r == 0)
        r = mm_api_query_time(req, "until", &f->until);
    f->text = mm_req_query(req, "q");
    if (r == 0 && f->text && !search_text_ok(f->text))
        return mm_reply_error(req, 400, "bad_request", "q"), MM_EPARSE;
    return r;
}

int mm_api_alert_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_alert_filter f;
    struct mm_page page;
    struct mm_list l;
    int r = read_filter(req, &f);
    if (r == 0)
        r = mm_api_page(req, &page);
    if (r != 0)
        return r;
    mm_list_init(&l, &page);
    r = st->ops->alert_list(st, &req->who.scope, &f, &page, add_alert_json, &l);
    return mm_list_finish(req, &l, r);
}

static int add_event_text(const char *text, void *arg)
{
    json_t *ev = json_loads(text, 0, NULL);
    return ev ? json_array_append_new(arg, ev) : 0;
}

/* The alert's category in plain words in both languages (the catalogue's
 * categories); null where the catalogue has no name for it (the UI then
 * leaves the English name among the technical details). */
static json_t *category_label(const char *category)
{
    const char *ja = mm_alert_category_label(category, MM_LANG_JA);
    const char *en = mm_alert_category_label(category, MM_LANG_EN);
    if (strcmp(ja, category) == 0 && strcmp(en, category) == 0)
        return json_null();
    return json_pack("{s:s, s:s}", "ja", ja, "en", en);
}

/* The alert's explanation with, for a sensor detector's alert that came
 * without the sensor's message, the generic next step (mm_alert_now) in
 * each language whose message ingest filled: one "now" exactly where the
 * message does not end with one. An older sensor that sent only English
 * gets {"ja": ...} alone: its English message has the step. */
static json_t *explanation_json(const struct mm_alert *a)
{
    const json_t *ex = mm_alert_explanation(a->signature_id, a->detector);
    if (!ex)
        return json_null();
    json_t *j = json_deep_copy(ex);
    if (!j || json_object_get(j, "now"))
        return j;
    json_t *now = json_object();
    const char *ja = mm_alert_now(a, MM_LANG_JA), *en = mm_alert_now(a, MM_LANG_EN);
    if (ja)
        json_object_set_new(now, "ja", json_string(ja));
    if (en)
        json_object_set_new(now, "en", json_string(en));
    if (json_object_size(now) > 0)
        json_object_set(j, "now", now);
    json_decref(now);
    return j;
}

int mm_api_alert_get(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_alert a;
    int64_t id = mm_req_param(req, "alert");
    int r = st->ops->alert_get(st, &req->who.scope, id, &a);
    if (r != 0)
        return r;
    json_t *j = mm_json_alert(&a), *events = json_array();
    r = st->ops->alert_events(st, &req->who.scope, id, 20, add_event_text, events);
    json_object_set_new(j, "explanation", explanation_json(&a));
    json_object_set_new(j, "category_label", category_label(a.category));
    json_object_set_new(j, "events", events);
    if (r != 0) {
        json_decref(j);
        return r;
    }
    return mm_reply_json(req, 200, j);
}

/* One status change within the caller's scope; replies with the alert. */
static int change_status(struct mm_request *req, enum mm_alert_status to,
                         const struct mm_field *fields)
{
    struct mm_store *st = req->center->store;
    struct mm_alert a;
    json_t *body;
    int r = st->ops->alert_get(st, &req->who.scope, mm_req_param(req, "alert"), &a);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    const char *reason = mm_api_str(body, "reason");
    int64_t incident = json_integer_value(json_object_get(body, "incident_id"));
    if (to == MM_ALERT_CLOSED && (!reason || !*reason)) {
        json_decref(body);
        return mm_reply_error(req, 400, "missing_field", "reason");
    }
    struct mm_actor who = mm_api_actor(req);
    r = st->ops->alert_set_status(st, &req->who.scope, &who, a.id, to, reason, incident, req->now,
                                  &a);
    json_decref(body);
    if (r != 0)
        return r;
    return mm_reply_json(req, 200, mm_json_alert(&a));
}

int mm_api_alert_acknowledge(struct mm_request *req)
{
    static const struct mm_field fields[] = {MM_FIELDS_END};
    return change_status(req, MM_ALERT_ACKNOWLEDGED, fields);
}

int mm_api_alert_close(struct mm_request *req)
{
    static const struct mm_field fields[] = {{"reason", JSON_STRING, true, 500}, MM_FIELDS_END};
    return change_status(req, MM_ALERT_CLOSED, fields);
}

int mm_api_alert_escalate(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"incident_id", JSON_INTEGER, false, 0},
        {"reason", JSON_STRING, false, 500},
        MM_FIELDS_END,
    };
    return change_status(req, MM_ALERT_ESCALATED, fields);
}

static const char *error_name(int r)
{
    return r == MM_ENOENT ? "not_found" : r == MM_ESTATE ? "invalid_transition" : "internal";
}

/* Validates a bulk request; replies 400 and returns MM_EPARSE when bad. */
static int bulk_check(struct mm_request *req, const json_t *body, enum mm_alert_status *to)
{
    const char *action = mm_api_str(body, "action"), *reason = mm_api_str(body, "reason");
    const json_t *v;
    size_t i;
    if (strcmp(action, "close") == 0)
        *to = MM_ALERT_CLOSED;
    else if (strcmp(action, "acknowledge") == 0)
        *to = MM_ALERT_ACKNOWLEDGED;
    else
        return mm_reply_error(req, 400, "bad_field", "action"), MM_EPARSE;
    if (*to == MM_ALERT_CLOSED && (!reason || !*reason))
        return mm_reply_error(req, 400, "missing_field", "reason"), MM_EPARSE;
    json_array_foreach(json_object_get(body, "ids"), i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return mm_reply_error(req, 400, "bad_field", "ids"), MM_EPARSE;
    }
    return 0;
}

int mm_api_alert_bulk(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"ids", JSON_ARRAY, true, BULK_MAX},
        {"action", JSON_STRING, true, 16},
        {"reason", JSON_STRING, false, 500},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    enum mm_alert_status to = MM_ALERT_ACKNOWLEDGED;
    json_t *body, *v, *failed = NULL;
    size_t i, updated = 0;
    int r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    r = bulk_check(req, body, &to);
    struct mm_actor who = mm_api_actor(req);
    if (r == 0)
        failed = json_array();
    json_array_foreach(json_object_get(body, "ids"), i, v)
    {
        if (r != 0)
            break;
        int rc = st->ops->alert_set_status(st, &req->who.scope, &who, json_integer_value(v), to,
                                           mm_api_str(body, "reason"), 0, req->now, NULL);
        if (rc == 0)
            updated++;
        else if (rc == MM_ENOENT || rc == MM_ESTATE)
            json_array_append_new(failed, json_pack("{s:I, s:s}", "id", json_integer_value(v),
                                                    "error", error_name(rc)));
        else
            r = rc;
    }
    json_decref(body);
    if (r != 0) {
        json_decref(failed);
        return r;
    }
    return mm_reply_json(req, 200,
                         json_pack("{s:I, s:o}", "updated", (json_int_t)updated, "failed", failed));
}
