/* SPDX-License-Identifier: Apache-2.0
 * Owns the helpers every API handler shares: strict JSON bodies, query
 * arguments, keyset pagination, time stamps, the JSON form of the core
 * objects (tenant, user, sensor, alert) and the reply when every password
 * check is busy. */
#include "center/api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center/report.h"
#include "center/zone.h"
#include "core/error.h"
#include "core/str.h"
#include "core/timefmt.h"

#define DEFAULT_STRING_MAX 1024
#define DEFAULT_ARRAY_MAX  1000
#define PAGE_DEFAULT       50
#define PAGE_MAX           200

int mm_api_password_busy(struct mm_request *req, int r)
{
    if (r == MM_EAGAIN && req->status == 0) {
        mm_reply_header(req, "Retry-After", MM_PASSWORD_BUSY_RETRY_AFTER);
        mm_reply_error_text(req, 503, "unavailable", "reply.password_busy", NULL);
    }
    return r;
}

static const char *type_name(json_type t)
{
    switch (t) {
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_ARRAY:
        return "an array";
    case JSON_OBJECT:
        return "an object";
    default:
        return "true or false";
    }
}

static bool field_type_ok(const struct mm_field *f, const json_t *v)
{
    if (f->type == JSON_TRUE)
        return json_is_boolean(v);
    if (json_typeof(v) != f->type)
        return false;
    if (f->type == JSON_STRING)
        return json_string_length(v) <= (f->max_len ? f->max_len : DEFAULT_STRING_MAX);
    if (f->type == JSON_ARRAY)
        return json_array_size(v) <= (f->max_len ? f->max_len : DEFAULT_ARRAY_MAX);
    return true;
}

static int check_fields(struct mm_request *req, const struct mm_field *fields, json_t *obj)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        const struct mm_field *f = fields;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        if (!f->name) {
            mm_reply_error(req, 400, "unknown_field", key);
            return MM_EPARSE;
        }
        if (!field_type_ok(f, v)) {
            const char *d = mm_arena_printf(&req->arena, "%s must be %s of at most %zu", key,
                                            type_name(f->type),
                                            f->max_len              ? f->max_len
                                            : f->type == JSON_ARRAY ? DEFAULT_ARRAY_MAX
                                                                    : DEFAULT_STRING_MAX);
            mm_reply_error(req, 400, "bad_field", d);
            return MM_EPARSE;
        }
    }
    for (const struct mm_field *f = fields; f->name; f++) {
        if (f->required && !json_object_get(obj, f->name)) {
            mm_reply_error(req, 400, "missing_field", f->name);
            return MM_EPARSE;
        }
    }
    return 0;
}

int mm_api_body(struct mm_request *req, const struct mm_field *fields, json_t **out)
{
    size_t bad;
    json_error_t err;
    *out = NULL;
    if (!mm_utf8_valid(req->body, req->body_len, &bad)) {
        mm_reply_error(req, 400, "bad_utf8", mm_arena_printf(&req->arena, "byte %zu", bad));
        return MM_EPARSE;
    }
    json_t *obj = req->body_len == 0
                      ? json_object()
                      : json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!obj) {
        mm_reply_error(
            req, 400, "bad_json",
            mm_arena_printf(&req->arena, "line %d column %d: %s", err.line, err.column, err.text));
        return MM_EPARSE;
    }
    if (!json_is_object(obj)) {
        json_decref(obj);
        mm_reply_error(req, 400, "bad_json", "expected a JSON object");
        return MM_EPARSE;
    }
    if (check_fields(req, fields, obj) != 0) {
        json_decref(obj);
        return MM_EPARSE;
    }
    *out = obj;
    return 0;
}

const char *mm_api_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

int mm_api_query_int(struct mm_request *req, const char *name, int64_t min, int64_t max,
                     int64_t def, int64_t *out)
{
    const char *s = mm_req_query(req, name);
    *out = def;
    if (!s)
        return 0;
    int64_t v; /* digits only (mm_str_int64: strtoll took "+5", " 5") */
    if (mm_str_int64(s, min, max, &v) != 0) {
        mm_reply_error(req, 400, "bad_request",
                       mm_arena_printf(&req->arena, "%s must be an integer %lld-%lld", name,
                                       (long long)min, (long long)max));
        return MM_EPARSE;
    }
    *out = v;
    return 0;
}

/* A date (YYYY-MM-DD, one that exists) is the first instant of that day in
 * the report zone, as the monthly report's month and the web UI's dates:
 * 2026-04-02 in Japan is 2026-04-01T15:00:00Z. Until session 26 it was the
 * day's midnight UTC. */
int mm_api_query_time(struct mm_request *req, const char *name, int64_t *out)
{
    const char *s = mm_req_query(req, name);
    *out = 0;
    if (!s)
        return 0;
    if (mm_time_parse(s, out) == 0 || mm_zone_date_start(mm_report_zone(), s, out) == 0)
        return 0;
    mm_reply_error(req, 400, "bad_request",
                   mm_arena_printf(&req->arena, "%s must be a date or an RFC 3339 time", name));
    return MM_EPARSE;
}

/* A cursor as mm_list_reply writes it, "A" or "A.B", in digits only
 * (mm_str_int64: strtoll took " 5" and "+5"). A is a list's first sort
 * key: an id, or an alert's last_seen in microseconds, below 0 for an
 * alert a sensor dated before 1970, so it may have a '-'; B is an id. */
static bool parse_cursor(const char *c, struct mm_page *page)
{
    char a[24];
    const char *dot = strchr(c, '.');
    size_t alen = dot ? (size_t)(dot - c) : strlen(c);
    if (alen >= sizeof a)
        return false;
    memcpy(a, c, alen);
    a[alen] = '\0';
    if (mm_str_int64(a, INT64_MIN, INT64_MAX, &page->cursor_a) != 0)
        return false;
    return !dot || mm_str_int64(dot + 1, 0, INT64_MAX, &page->cursor_b) == 0;
}

int mm_api_page(struct mm_request *req, struct mm_page *page)
{
    int64_t limit;
    memset(page, 0, sizeof *page);
    int r = mm_api_query_int(req, "limit", 1, PAGE_MAX, PAGE_DEFAULT, &limit);
    if (r != 0)
        return r;
    page->limit = (int)limit + 1;
    const char *c = mm_req_query(req, "cursor");
    if (c && *c) {
        if (!parse_cursor(c, page)) {
            mm_reply_error(req, 400, "bad_request", "cursor");
            return MM_EPARSE;
        }
        page->has_cursor = true;
    }
    return 0;
}

void mm_list_init(struct mm_list *l, const struct mm_page *page)
{
    memset(l, 0, sizeof *l);
    l->items = json_array();
    l->limit = page->limit - 1;
}

int mm_list_add(struct mm_list *l, json_t *item, int64_t a, int64_t b)
{
    if (l->count >= l->limit) {
        l->more = true;
        json_decref(item);
        return 0;
    }
    if (!item || !l->items || json_array_append_new(l->items, item) != 0)
        return MM_ENOMEM;
    l->count++;
    l->cursor_a = a;
    l->cursor_b = b;
    return 0;
}

int mm_list_reply(struct mm_request *req, struct mm_list *l)
{
    json_t *next = json_null();
    if (l->more) {
        char c[48];
        if (l->cursor_b)
            snprintf(c, sizeof c, "%lld.%lld", (long long)l->cursor_a, (long long)l->cursor_b);
        else
            snprintf(c, sizeof c, "%lld", (long long)l->cursor_a);
        next = json_string(c);
    }
    json_t *body = json_pack("{s:o, s:o}", "items", l->items, "next", next);
    l->items = NULL;
    return mm_reply_json(req, 200, body);
}

int mm_list_finish(struct mm_request *req, struct mm_list *l, int r)
{
    if (r == 0)
        return mm_list_reply(req, l);
    json_decref(l->items);
    l->items = NULL;
    return r;
}

json_t *mm_json_time(int64_t usec)
{
    if (usec <= 0)
        return json_null();
    time_t t = (time_t)(usec / 1000000);
    struct tm tm;
    char s[32];
    gmtime_r(&t, &tm);
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(s);
}

json_t *mm_json_tenant(const struct mm_tenant *t)
{
    return json_pack("{s:I, s:s, s:s, s:i, s:o, s:i}", "id", (json_int_t)t->id, "name", t->name,
                     "lang", t->lang, "mail_severity", t->mail_severity, "created_at",
                     mm_json_time(t->created_at), "contacts", t->contacts);
}

json_t *mm_json_user(const struct mm_user *u)
{
    json_t *j =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:b, s:b}", "id", (json_int_t)u->id, "tenant_id",
                  (json_int_t)u->tenant_id, "email", u->email, "role", mm_role_name(u->role),
                  "lang", u->lang, "created_at", mm_json_time(u->created_at),
                  "must_change_password", u->must_change, "disabled", u->disabled_at != 0);
    if (j && u->tenant_id == 0) /* only the vendor's people are on duty */
        json_object_set_new(j, "on_duty", json_boolean(u->on_duty));
    return j;
}

/* Events per minute over the last hour, rounded to hundredths (9 events:
 * 0.15): the reply prints it as 0.15 (mm_reply_json's precision), not as
 * the 0.14999999999999999 of 9 / 60.0. */
static double rate_per_min(int64_t events_last_hour)
{
    return (double)((events_last_hour * 10 + 3) / 6) / 100.0;
}

json_t *mm_json_sensor(const struct mm_sensor *s, int64_t now, int64_t silent_after_usec)
{
    int64_t seen = s->last_seen ? s->last_seen : s->enrolled_at;
    return json_pack(
        "{s:I, s:I, s:s, s:o, s:o, s:I, s:f, s:I, s:I, s:b, s:o}", "id", (json_int_t)s->id,
        "tenant_id", (json_int_t)s->tenant_id, "name", s->name, "enrolled_at",
        mm_json_time(s->enrolled_at), "last_seen", mm_json_time(s->last_seen), "events_total",
        (json_int_t)s->events_total, "event_rate_per_min", rate_per_min(s->events_last_hour),
        "spool_backlog", (json_int_t)s->spool_backlog, "drops", (json_int_t)s->drops, "silent",
        s->silent || now - seen > silent_after_usec, "revoked_at", mm_json_time(s->revoked_at));
}

json_t *mm_json_alert(const struct mm_alert *a)
{
    json_t *inc = a->incident_id ? json_integer(a->incident_id) : json_null();
    return json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:I, s:o, s:o, "
                     "s:o, s:s, s:s, s:o, s:{s:s, s:s}}",
                     "id", (json_int_t)a->id, "tenant_id", (json_int_t)a->tenant_id, "sensor_id",
                     (json_int_t)a->sensor_id, "signature_id", (json_int_t)a->signature_id,
                     "signature", a->signature, "detector", a->detector, "category", a->category,
                     "severity", a->severity, "device", a->device, "src_ip", a->src_ip, "dest_ip",
                     a->dest_ip, "count", (json_int_t)a->count, "first_seen",
                     mm_json_time(a->first_seen), "last_seen", mm_json_time(a->last_seen),
                     "received_at", mm_json_time(a->created_at), "status",
                     mm_alert_status_name(a->status), "close_reason", a->close_reason,
                     "incident_id", inc, "message", "ja", a->message_ja, "en", a->message_en);
}

struct mm_actor mm_api_actor(const struct mm_request *req)
{
    struct mm_actor a = {
        .name = req->who.actor[0] ? req->who.actor : "anonymous",
        .tenant_id =
            req->who.kind == MM_AUTH_SENSOR ? req->who.sensor.tenant_id : req->who.user.tenant_id,
        .address = req->address,
    };
    return a;
}
