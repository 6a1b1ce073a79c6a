/* SPDX-License-Identifier: Apache-2.0
 * Owns the mail settings resources: a tenant's emergency-mail contacts
 * (GET/PUT /api/v1/tenants/{tenant}/contacts, the whole list at once) and
 * the vendor's on-duty flag (PUT /api/v1/users/{user}/duty). The mail
 * severity itself is the tenant's mail_severity (PATCH /tenants/{tenant}).
 * Tables from migration 004 (mail); SQLite only, like the mail service. */
#include <string.h>

#include "center/api/api.h"
#include "center/store-sqlite.h"
#include "core/error.h"

#define CONTACTS_MAX 20

static int list_contacts(sqlite3 *db, int64_t tenant, json_t *items)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(
        db, "SELECT id, name, email FROM contacts WHERE tenant_id = ?1 ORDER BY id", &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, tenant);
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(items, json_pack("{s:I, s:s, s:s}", "id",
                                               (json_int_t)sqlite3_column_int64(s, 0), "name",
                                               (const char *)sqlite3_column_text(s, 1), "email",
                                               (const char *)sqlite3_column_text(s, 2)));
    sqlite3_finalize(s);
    return 0;
}

static int reply_contacts(struct mm_request *req, int64_t tenant)
{
    struct mm_store *st = req->center->store;
    json_t *items = json_array();
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = items ? list_contacts(db, tenant, items) : MM_ENOMEM;
    mm__sqlite_release(st, db);
    if (r != 0) {
        json_decref(items);
        return r;
    }
    return mm_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

int mm_api_contact_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_tenant t;
    int r = st->ops->tenant_get(st, &req->who.scope, mm_req_param(req, "tenant"), &t);
    return r != 0 ? r : reply_contacts(req, t.id);
}

/* Checks every item of the array: {"email", "name"?}. */
static int check_contacts(struct mm_request *req, const json_t *arr)
{
    size_t i;
    json_t *c;
    if (json_array_size(arr) > CONTACTS_MAX)
        return mm_reply_error(req, 400, "bad_field", "contacts"), MM_EPARSE;
    json_array_foreach(arr, i, c)
    {
        char email[256];
        const char *e = json_string_value(json_object_get(c, "email"));
        json_t *name = json_object_get(c, "name");
        bool name_ok = !name || (json_is_string(name) && strlen(json_string_value(name)) <= 200);
        if (!json_is_object(c) || json_object_size(c) > (name ? 2u : 1u) || !e || !name_ok ||
            mm_api_email_normalise(e, email, sizeof email) != 0)
            return mm_reply_error(req, 400, "bad_field", "contacts"), MM_EPARSE;
    }
    return 0;
}

static int replace_contacts(sqlite3 *db, const struct mm_actor *who, int64_t tenant,
                            const json_t *arr, int64_t now)
{
    sqlite3_stmt *s = NULL;
    size_t i;
    json_t *c;
    int r = mm__sqlite_prepare(db, "DELETE FROM contacts WHERE tenant_id = ?1", &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, tenant);
    r = mm__sqlite_step_done(s);
    sqlite3_finalize(s);
    if (r == 0)
        r = mm__sqlite_prepare(
            db,
            "INSERT OR IGNORE INTO contacts (tenant_id, name, email, created_at) "
            "VALUES (?1, ?2, ?3, ?4)",
            &s);
    json_array_foreach(arr, i, c)
    {
        if (r != 0)
            break;
        char email[256];
        const char *name = json_string_value(json_object_get(c, "name"));
        mm_api_email_normalise(json_string_value(json_object_get(c, "email")), email, sizeof email);
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, tenant);
        sqlite3_bind_text(s, 2, name ? name : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 3, email, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, now);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    char target[32];
    snprintf(target, sizeof target, "tenant:%lld", (long long)tenant);
    if (r == 0)
        r = mm__sqlite_audit(db, who, "contacts.replace", target, "", now);
    return r;
}

int mm_api_contact_replace(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"contacts", JSON_ARRAY, true, CONTACTS_MAX},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_tenant t;
    json_t *body = NULL;
    int r = st->ops->tenant_get(st, &req->who.scope, mm_req_param(req, "tenant"), &t);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r == 0)
        r = check_contacts(req, json_object_get(body, "contacts"));
    if (r != 0) {
        json_decref(body);
        return r;
    }
    struct mm_actor who = mm_api_actor(req);
    sqlite3 *db = mm__sqlite_acquire(st);
    r = mm__sqlite_begin(db);
    if (r == 0)
        r = mm__sqlite_end(
            db, replace_contacts(db, &who, t.id, json_object_get(body, "contacts"), req->now));
    mm__sqlite_release(st, db);
    json_decref(body);
    return r != 0 ? r : reply_contacts(req, t.id);
}

static int set_duty(sqlite3 *db, const struct mm_actor *who, int64_t user, bool on, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r =
        mm__sqlite_prepare(db, "UPDATE users SET on_duty = ?2 WHERE id = ?1 AND tenant_id = 0", &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, user);
    sqlite3_bind_int(s, 2, on ? 1 : 0);
    r = mm__sqlite_step_done(s);
    sqlite3_finalize(s);
    if (r == 0 && sqlite3_changes(db) == 0)
        r = MM_ENOENT;
    char target[32];
    snprintf(target, sizeof target, "user:%lld", (long long)user);
    if (r == 0)
        r = mm__sqlite_audit(db, who, on ? "duty.on" : "duty.off", target, "", now);
    return r;
}

int mm_api_user_duty(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"on_duty", JSON_TRUE, true, 0},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_user u;
    json_t *body = NULL;
    int r = st->ops->user_get(st, &req->who.scope, mm_req_param(req, "user"), &u);
    if (r == 0 && u.tenant_id != 0)
        r = MM_ENOENT; /* only vendor users are on duty */
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    bool on = json_is_true(json_object_get(body, "on_duty"));
    json_decref(body);
    struct mm_actor who = mm_api_actor(req);
    sqlite3 *db = mm__sqlite_acquire(st);
    r = mm__sqlite_begin(db);
    if (r == 0)
        r = mm__sqlite_end(db, set_duty(db, &who, u.id, on, req->now));
    mm__sqlite_release(st, db);
    if (r != 0)
        return r;
    return mm_reply_json(req, 200, json_pack("{s:I, s:b}", "id", (json_int_t)u.id, "on_duty", on));
}
