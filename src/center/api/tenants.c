/* SPDX-License-Identifier: Apache-2.0
 * Owns /api/v1/tenants: list and add (vendor), read and update (own tenant
 * for SME owners, any for the vendor admin), and enrolment codes. A name
 * holds no control or bidi formatting character (mm_name_plain: 400
 * bad_characters) and is no other tenant's (mm_tenant_name_same: 409
 * name_taken, checked by the store). */
#include "center/api/api.h"

#include <string.h>

#include "core/error.h"

#define NAME_MAX_BYTES    200
#define ENROL_TTL_DEFAULT (24 * 3600)
#define ENROL_TTL_MAX     (30 * 24 * 3600)

static int add_tenant_json(const struct mm_tenant *t, void *arg)
{
    return mm_list_add(arg, mm_json_tenant(t), t->id, 0);
}

int mm_api_tenant_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_page page;
    struct mm_list l;
    int r = mm_api_page(req, &page);
    if (r != 0)
        return r;
    mm_list_init(&l, &page);
    r = st->ops->tenant_list(st, &req->who.scope, &page, add_tenant_json, &l);
    return mm_list_finish(req, &l, r);
}

/* Applies the optional name, lang and mail_severity fields of body to t. */
static int apply_tenant_fields(struct mm_request *req, const json_t *body, struct mm_tenant *t)
{
    const char *name = mm_api_str(body, "name"), *lang = mm_api_str(body, "lang");
    json_t *sev = json_object_get(body, "mail_severity");
    if (name) {
        if (!*name)
            return mm_reply_error(req, 400, "bad_field", "name"), MM_EPARSE;
        if (!mm_name_plain(name))
            return mm_reply_error(req, 400, "bad_characters", "name"), MM_EPARSE;
        snprintf(t->name, sizeof t->name, "%s", name);
    }
    if (lang) {
        if (strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0)
            return mm_reply_error(req, 400, "bad_field", "lang"), MM_EPARSE;
        snprintf(t->lang, sizeof t->lang, "%s", lang);
    }
    if (sev) {
        if (json_integer_value(sev) < 1 || json_integer_value(sev) > 4)
            return mm_reply_error(req, 400, "bad_field", "mail_severity"), MM_EPARSE;
        t->mail_severity = (int)json_integer_value(sev);
    }
    return 0;
}

static const struct mm_field tenant_fields[] = {
    {"name", JSON_STRING, false, NAME_MAX_BYTES},
    {"lang", JSON_STRING, false, 2},
    {"mail_severity", JSON_INTEGER, false, 0},
    MM_FIELDS_END,
};

int mm_api_tenant_add(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_tenant t = {.lang = "ja", .mail_severity = 2, .created_at = req->now};
    json_t *body;
    int r = mm_api_body(req, tenant_fields, &body);
    if (r != 0)
        return r;
    if (!json_object_get(body, "name")) {
        json_decref(body);
        return mm_reply_error(req, 400, "missing_field", "name");
    }
    r = apply_tenant_fields(req, body, &t);
    json_decref(body);
    if (r != 0)
        return r;
    struct mm_actor who = mm_api_actor(req);
    r = st->ops->tenant_add(st, &who, &t, &t.id);
    if (r == MM_EEXIST)
        return mm_reply_error(req, 409, "name_taken", "name");
    if (r != 0)
        return r;
    return mm_reply_json(req, 201, mm_json_tenant(&t));
}

int mm_api_tenant_get(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_tenant t;
    int r = st->ops->tenant_get(st, &req->who.scope, mm_req_param(req, "tenant"), &t);
    if (r != 0)
        return r;
    return mm_reply_json(req, 200, mm_json_tenant(&t));
}

int mm_api_tenant_update(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_tenant t;
    json_t *body = NULL;
    int r = st->ops->tenant_get(st, &req->who.scope, mm_req_param(req, "tenant"), &t);
    if (r == 0)
        r = mm_api_body(req, tenant_fields, &body);
    if (r == 0)
        r = apply_tenant_fields(req, body, &t);
    json_decref(body);
    if (r != 0)
        return r;
    struct mm_actor who = mm_api_actor(req);
    r = st->ops->tenant_update(st, &req->who.scope, &who, &t);
    if (r == MM_EEXIST)
        return mm_reply_error(req, 409, "name_taken", "name");
    if (r != 0)
        return r;
    return mm_reply_json(req, 200, mm_json_tenant(&t));
}

int mm_api_enrol_code_add(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"ttl", JSON_INTEGER, false, 0},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_tenant t;
    json_t *body = NULL;
    int64_t tenant = mm_req_param(req, "tenant"), ttl = ENROL_TTL_DEFAULT;
    int r = st->ops->tenant_get(st, &req->who.scope, tenant, &t);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    if (json_object_get(body, "ttl"))
        ttl = json_integer_value(json_object_get(body, "ttl"));
    json_decref(body);
    if (ttl < 1 || ttl > ENROL_TTL_MAX)
        return mm_reply_error(req, 400, "bad_field", "ttl");
    char code[MM_ENROL_CODE_MAX];
    uint8_t hash[MM_HASH_BYTES];
    int64_t expires = req->now + ttl * 1000000;
    if ((r = mm_enrol_code_new(code)) != 0 || (r = mm_enrol_code_hash(code, hash)) != 0)
        return r;
    struct mm_actor who = mm_api_actor(req);
    r = st->ops->enrol_code_add(st, &who, tenant, hash, req->now, expires);
    if (r != 0)
        return r;
    return mm_reply_json(req, 201,
                         json_pack("{s:s, s:I, s:o}", "code", code, "tenant_id", (json_int_t)tenant,
                                   "expires_at", mm_json_time(expires)));
}
