/* SPDX-License-Identifier: Apache-2.0
 * Owns /api/v1/users (list, add, read) and /api/v1/audit (a user's password
 * and disabling: api/account.c). The vendor admin
 * manages every tenant's users; an SME owner only its own tenant's owners
 * and staff. */
#include "center/api/api.h"

#include <stdio.h>
#include <string.h>

#include "center/auth.h"
#include "core/error.h"

static int add_user_json(const struct mm_user *u, void *arg)
{
    return mm_list_add(arg, mm_json_user(u), u->id, 0);
}

/* ?tenant= is a vendor filter; for SME callers the scope decides anyway. */
static int tenant_filter(struct mm_request *req, int64_t *out)
{
    return mm_api_query_int(req, "tenant", 0, INT64_MAX / 2, -1, out);
}

int mm_api_user_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_page page;
    struct mm_list l;
    int64_t tenant;
    int r = mm_api_page(req, &page);
    if (r == 0)
        r = tenant_filter(req, &tenant);
    if (r != 0)
        return r;
    mm_list_init(&l, &page);
    r = st->ops->user_list(st, &req->who.scope, tenant, &page, add_user_json, &l);
    return mm_list_finish(req, &l, r);
}

int mm_api_user_get(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_user u;
    int r = st->ops->user_get(st, &req->who.scope, mm_req_param(req, "user"), &u);
    if (r != 0)
        return r;
    return mm_reply_json(req, 200, mm_json_user(&u));
}

/* Decides the new user's tenant and role from the body and the caller. */
static int user_placement(struct mm_request *req, const json_t *body, struct mm_user *u)
{
    const struct mm_user *me = &req->who.user;
    json_t *tid = json_object_get(body, "tenant_id");
    if (mm_role_parse(mm_api_str(body, "role"), &u->role) != 0)
        return mm_reply_error(req, 400, "bad_field", "role"), MM_EPARSE;
    if (me->role != MM_ROLE_ADMIN) {
        /* An SME owner adds owners and staff of its own tenant only. */
        if (mm_role_is_vendor(u->role))
            return mm_reply_error(req, 403, "forbidden", "role"), MM_EPERM;
        if (tid && json_integer_value(tid) != me->tenant_id)
            return MM_ENOENT;
        u->tenant_id = me->tenant_id;
        return 0;
    }
    u->tenant_id = mm_role_is_vendor(u->role) ? MM_VENDOR_TENANT : json_integer_value(tid);
    if (!mm_role_is_vendor(u->role) && u->tenant_id <= 0)
        return mm_reply_error(req, 400, "missing_field", "tenant_id"), MM_EPARSE;
    if (mm_role_is_vendor(u->role) && tid && json_integer_value(tid) != MM_VENDOR_TENANT)
        return mm_reply_error(req, 400, "bad_field", "tenant_id"), MM_EPARSE;
    return 0;
}

static int user_fields(struct mm_request *req, const json_t *body, struct mm_user *u)
{
    const char *lang = mm_api_str(body, "lang"), *pw = mm_api_str(body, "password");
    if (mm_api_email_normalise(mm_api_str(body, "email"), u->email, sizeof u->email) != 0)
        return mm_reply_error(req, 400, "bad_field", "email"), MM_EPARSE;
    struct mm_tenant t;
    struct mm_store *st = req->center->store;
    /* Without "lang" a user reads the language of its company (else Japanese). */
    if (!lang && st->ops->tenant_get(st, &req->who.scope, u->tenant_id, &t) == 0)
        lang = t.lang;
    snprintf(u->lang, sizeof u->lang, "%s", lang ? lang : "ja");
    if (strcmp(u->lang, "ja") != 0 && strcmp(u->lang, "en") != 0)
        return mm_reply_error(req, 400, "bad_field", "lang"), MM_EPARSE;
    if (pw && !mm_password_long_enough(pw))
        return mm_reply_error(req, 400, "password_too_short", NULL), MM_EPARSE;
    /* The person who set it knows it: the new user changes it at first
     * sign-in, unless the caller says otherwise ("must_change_password": false). */
    u->must_change = pw && !json_is_false(json_object_get(body, "must_change_password"));
    if (pw)
        return mm_api_password_busy(
            req, mm_password_hash(pw, req->center->cfg.pwcost, u->password_hash));
    return 0;
}

int mm_api_user_add(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"email", JSON_STRING, true, 254},
        {"role", JSON_STRING, true, 16},
        {"tenant_id", JSON_INTEGER, false, 0},
        {"password", JSON_STRING, false, 1024},
        {"lang", JSON_STRING, false, 2},
        {"must_change_password", JSON_TRUE, false, 0},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_user u = {.created_at = req->now};
    json_t *body;
    int r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    r = user_placement(req, body, &u);
    if (r == 0)
        r = user_fields(req, body, &u);
    json_decref(body);
    if (r != 0)
        return r;
    struct mm_actor who = mm_api_actor(req);
    r = st->ops->user_add(st, &req->who.scope, &who, &u, &u.id);
    if (r == MM_EEXIST)
        return mm_reply_error(req, 409, "conflict", NULL); /* not which field: the
                                                              address may be another tenant's */
    if (r != 0)
        return r;
    return mm_reply_json(req, 201, mm_json_user(&u));
}

/* True when an audit entry's actor is one of the vendor's people (a vendor
 * user, an API token, the admin command line) rather than a user of the
 * SME caller's own tenant, a sensor or the system. The actor's tenant comes
 * with the entry (one query for the whole page, not a look-up per row). */
static bool actor_is_vendor(const struct mm_scope *scope, const struct mm_audit_entry *a)
{
    if (strncmp(a->actor, "token:", 6) == 0 || strncmp(a->actor, "cli:", 4) == 0)
        return true;
    if (strncmp(a->actor, "user:", 5) != 0)
        return false;
    return a->actor_tenant != scope->tenant_id;
}

struct audit_page {
    struct mm_list list;
    const struct mm_scope *scope;
};

/* SME callers do not see where the vendor's staff worked from (nor who they
 * were: the store gives no name outside the caller's scope). actor_name and
 * target_name name a user by address and a sensor by its name, else null. */
static int add_audit_json(const struct mm_audit_entry *a, void *arg)
{
    struct audit_page *p = arg;
    bool masked = !p->scope->all_tenants && actor_is_vendor(p->scope, a);
    json_t *j = json_pack(
        "{s:I, s:o, s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}", "id", (json_int_t)a->id, "at",
        mm_json_time(a->at), "tenant_id", (json_int_t)a->tenant_id, "actor", a->actor, "action",
        a->action, "target", a->target, "detail", a->detail, "address", masked ? "" : a->address,
        "actor_name", a->actor_name, "target_name", a->target_name);
    return mm_list_add(&p->list, j, a->id, 0);
}

int mm_api_audit_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_page page;
    struct audit_page l = {.scope = &req->who.scope};
    int64_t tenant;
    int r = mm_api_page(req, &page);
    if (r == 0)
        r = tenant_filter(req, &tenant);
    if (r != 0)
        return r;
    mm_list_init(&l.list, &page);
    r = st->ops->audit_list(st, &req->who.scope, tenant, &page, add_audit_json, &l);
    return mm_list_finish(req, &l.list, r);
}
