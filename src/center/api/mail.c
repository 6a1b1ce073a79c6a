/* SPDX-License-Identifier: Apache-2.0
 * Owns the vendor's view of the emergency-mail outbox: GET /api/v1/mail/outbox
 * (vendor users: newest first, optional ?status= and ?tenant=) and
 * POST /api/v1/mail/outbox/{mail}/resend (vendor admin: an 'uncertain' or
 * 'failed' mail goes back to 'pending' with the same Message-ID, so a copy
 * the recipient may already have is recognisable). Storage only through
 * the store interface (store.h), scoped by the caller. docs/design/mail.md. */
#include <string.h>

#include "center/api/api.h"
#include "core/error.h"

static int add_entry_json(const struct mm_mail_entry *e, void *arg)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:o}", "id",
                          (json_int_t)e->id, "tenant_id", (json_int_t)e->tenant_id, "kind", e->kind,
                          "alert_id", e->alert_id ? json_integer(e->alert_id) : json_null(),
                          "message_id", e->message_id, "recipients", e->recipients, "subject",
                          e->subject, "status", e->status, "attempts", e->attempts, "last_error",
                          e->last_error, "created_at", mm_json_time(e->created_at), "sent_at",
                          e->sent_at ? mm_json_time(e->sent_at) : json_null());
    return j ? mm_list_add(arg, j, e->id, 0) : MM_ENOMEM;
}

int mm_api_mail_outbox_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_page page;
    struct mm_list l;
    int64_t tenant = -1;
    const char *status = mm_req_query(req, "status");
    int r = mm_api_page(req, &page);
    if (r == 0)
        r = mm_api_query_int(req, "tenant", 0, INT64_MAX, -1, &tenant);
    if (r != 0)
        return r;
    if (status && !mm_mail_status_known(status))
        return mm_reply_error(req, 400, "bad_field", "status");
    mm_list_init(&l, &page);
    r = st->ops->mail_list(st, &req->who.scope, status, tenant, &page, add_entry_json, &l);
    return mm_list_finish(req, &l, r);
}

int mm_api_mail_resend(struct mm_request *req)
{
    static const struct mm_field fields[] = {MM_FIELDS_END};
    struct mm_store *st = req->center->store;
    json_t *body = NULL;
    int64_t id = mm_req_param(req, "mail");
    int r = mm_api_body(req, fields, &body);
    json_decref(body);
    if (r != 0)
        return r;
    struct mm_actor who = mm_api_actor(req);
    r = st->ops->mail_resend(st, &req->who.scope, &who, id, req->now);
    if (r == MM_ESTATE)
        return mm_reply_error(req, 409, "conflict", "status");
    if (r != 0)
        return r;
    return mm_reply_json(req, 200,
                         json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", "pending"));
}
