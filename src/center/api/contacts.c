/* SPDX-License-Identifier: Apache-2.0
 * Owns the mail settings resources: a tenant's emergency-mail contacts
 * (GET/PUT /api/v1/tenants/{tenant}/contacts, the whole list at once) and
 * the vendor's on-duty flag (PUT /api/v1/users/{user}/duty) and who is on
 * duty, read only, for every vendor user (GET /api/v1/duty). The mail
 * severity itself is the tenant's mail_severity (PATCH /tenants/{tenant}).
 * Storage only through the store interface (store.h, group "emergency
 * mail"), tenant-scoped by the caller's scope. The contacts and the duty
 * list both say whether the centre sends mail at all ("mail_enabled"), so
 * an SME owner, who cannot read the duty list, learns it too. */
#include <stdio.h>
#include <string.h>

#include "center/api/api.h"
#include "center/mail.h"
#include "core/error.h"

#define DUTY_PAGE 200 /* vendor users read per store call by GET /duty */

static int add_contact_json(const struct mm_contact *c, void *arg)
{
    json_t *item =
        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c->id, "name", c->name, "email", c->email);
    return item && json_array_append_new(arg, item) == 0 ? 0 : MM_ENOMEM;
}

/* The tenant's contacts and "mail_enabled": with mail off they get no mail
 * (the owner's settings page says so, and whom to ask). */
static int reply_contacts(struct mm_request *req, int64_t tenant)
{
    struct mm_store *st = req->center->store;
    json_t *items = json_array();
    int r = items ? st->ops->contact_list(st, &req->who.scope, tenant, add_contact_json, items)
                  : MM_ENOMEM;
    if (r != 0) {
        json_decref(items);
        return r;
    }
    return mm_reply_json(
        req, 200,
        json_pack("{s:o, s:b}", "items", items, "mail_enabled", req->center->mail_enabled));
}

int mm_api_contact_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_tenant t;
    int r = st->ops->tenant_get(st, &req->who.scope, mm_req_param(req, "tenant"), &t);
    return r != 0 ? r : reply_contacts(req, t.id);
}

/* Checks every item of the array ({"email", "name"?}) and fills items with
 * the normalised addresses. */
static int read_contacts(struct mm_request *req, const json_t *arr, struct mm_contact *items,
                         size_t *n)
{
    size_t i;
    json_t *c;
    *n = 0;
    if (json_array_size(arr) > MM_CONTACTS_MAX)
        return mm_reply_error(req, 400, "bad_field", "contacts"), MM_EPARSE;
    json_array_foreach(arr, i, c)
    {
        const char *e = json_string_value(json_object_get(c, "email"));
        json_t *name = json_object_get(c, "name");
        bool name_ok = !name || (json_is_string(name) && strlen(json_string_value(name)) <= 200);
        struct mm_contact *out = &items[(*n)++];
        memset(out, 0, sizeof *out);
        if (!json_is_object(c) || json_object_size(c) > (name ? 2u : 1u) || !e || !name_ok ||
            mm_api_email_normalise(e, out->email, sizeof out->email) != 0)
            return mm_reply_error(req, 400, "bad_field", "contacts"), MM_EPARSE;
        snprintf(out->name, sizeof out->name, "%s", name ? json_string_value(name) : "");
    }
    return 0;
}

int mm_api_contact_replace(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"contacts", JSON_ARRAY, true, MM_CONTACTS_MAX},
        MM_FIELDS_END,
    };
    struct mm_contact items[MM_CONTACTS_MAX];
    struct mm_store *st = req->center->store;
    struct mm_tenant t;
    json_t *body = NULL;
    size_t n = 0;
    int r = st->ops->tenant_get(st, &req->who.scope, mm_req_param(req, "tenant"), &t);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r == 0)
        r = read_contacts(req, json_object_get(body, "contacts"), items, &n);
    json_decref(body);
    if (r != 0)
        return r;
    struct mm_actor who = mm_api_actor(req);
    r = st->ops->contact_replace(st, &req->who.scope, &who, t.id, items, n, req->now);
    return r != 0 ? r : reply_contacts(req, t.id);
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
    r = st->ops->user_set_duty(st, &req->who.scope, &who, u.id, on, req->now);
    if (r != 0)
        return r;
    return mm_reply_json(req, 200, json_pack("{s:I, s:b}", "id", (json_int_t)u.id, "on_duty", on));
}

/* GET /api/v1/duty: who gets every SME's emergency mails, for the vendor's
 * people (an analyst may not list users): each vendor user on duty and
 * not disabled, by address and flag only (the others are not named), then
 * the [mail] duty addresses of the configuration ("source": "config"), and
 * "mail_enabled": with mail off ([mail] enabled = no, or no host) they are
 * still listed, as configured, but nobody gets any mail, which a reader
 * must be told rather than shown a list of recipients. */
struct duty_list {
    json_t *items;
    int64_t last_id;
    int rows;
};

static int add_duty_user(const struct mm_user *u, void *arg)
{
    struct duty_list *d = arg;
    d->last_id = u->id;
    d->rows++;
    if (u->disabled_at != 0 || !u->on_duty) /* disabled: no mail, whatever the flag */
        return 0;
    json_t *item = json_pack("{s:I, s:s, s:b, s:s}", "id", (json_int_t)u->id, "email", u->email,
                             "on_duty", u->on_duty, "source", "user");
    return item && json_array_append_new(d->items, item) == 0 ? 0 : MM_ENOMEM;
}

static int add_config_duty(json_t *items, const char *duty)
{
    const char *p = duty, *item;
    size_t n;
    while (mm_mail_list_next(&p, &item, &n)) {
        json_t *one = json_pack("{s:n, s:s%, s:b, s:s}", "id", "email", item, n, "on_duty", 1,
                                "source", "config");
        if (!one || json_array_append_new(items, one) != 0)
            return MM_ENOMEM;
    }
    return 0;
}

int mm_api_duty_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct duty_list d = {.items = json_array()};
    struct mm_page page = {.limit = DUTY_PAGE};
    int r;
    if (!d.items)
        return MM_ENOMEM;
    do {
        d.rows = 0;
        r = st->ops->user_list(st, &req->who.scope, 0, &page, add_duty_user, &d);
        page.has_cursor = true;
        page.cursor_a = d.last_id;
    } while (r == 0 && d.rows == DUTY_PAGE);
    if (r == 0) { /* a reload may replace the text and free it meanwhile: held */
        r = add_config_duty(d.items, mm_center_duty_hold(req->center));
        mm_center_duty_done(req->center);
    }
    if (r != 0) {
        json_decref(d.items);
        return r;
    }
    return mm_reply_json(
        req, 200,
        json_pack("{s:o, s:b}", "items", d.items, "mail_enabled", req->center->mail_enabled));
}
