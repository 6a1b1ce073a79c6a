/* SPDX-License-Identifier: Apache-2.0
 * Owns the vendor's view of the emergency-mail outbox: GET /api/v1/mail/outbox
 * (vendor users: newest first, optional ?status= and ?tenant=) and
 * POST /api/v1/mail/outbox/{mail}/resend (vendor admin: an 'uncertain' or
 * 'failed' mail goes back to 'pending' with the same Message-ID, so a copy
 * the recipient may already have is recognisable). docs/design/mail.md. */
#include <string.h>

#include "center/api/api.h"
#include "center/store-sqlite.h"
#include "core/error.h"

static const char *const statuses[] = {"pending", "sending",   "transfer", "sent",
                                       "failed",  "uncertain", NULL};

static bool known_status(const char *s)
{
    for (int i = 0; statuses[i]; i++)
        if (strcmp(s, statuses[i]) == 0)
            return true;
    return false;
}

static json_t *outbox_row_json(sqlite3_stmt *s)
{
    json_t *alert = sqlite3_column_type(s, 3) == SQLITE_NULL
                        ? json_null()
                        : json_integer(sqlite3_column_int64(s, 3));
    json_t *sent = sqlite3_column_type(s, 11) == SQLITE_NULL
                       ? json_null()
                       : mm_json_time(sqlite3_column_int64(s, 11));
    return json_pack(
        "{s:I, s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:o}", "id",
        (json_int_t)sqlite3_column_int64(s, 0), "tenant_id", (json_int_t)sqlite3_column_int64(s, 1),
        "kind", (const char *)sqlite3_column_text(s, 2), "alert_id", alert, "message_id",
        (const char *)sqlite3_column_text(s, 4), "recipients",
        (const char *)sqlite3_column_text(s, 5), "subject", (const char *)sqlite3_column_text(s, 6),
        "status", (const char *)sqlite3_column_text(s, 7), "attempts", sqlite3_column_int(s, 8),
        "last_error", (const char *)sqlite3_column_text(s, 9), "created_at",
        mm_json_time(sqlite3_column_int64(s, 10)), "sent_at", sent);
}

static int list_rows(sqlite3 *db, const char *status, int64_t tenant, const struct mm_page *page,
                     struct mm_list *l)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(
        db,
        "SELECT id, tenant_id, kind, alert_id, message_id, recipients, subject, status, "
        "attempts, last_error, created_at, sent_at FROM mail_outbox WHERE (?1 IS NULL OR "
        "status = ?1) AND (?2 < 0 OR tenant_id = ?2) AND (?3 = 0 OR id < ?4) ORDER BY id DESC "
        "LIMIT ?5",
        &s);
    if (r != 0)
        return r;
    if (status)
        sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, tenant);
    sqlite3_bind_int(s, 3, page->has_cursor ? 1 : 0);
    sqlite3_bind_int64(s, 4, page->cursor_a);
    sqlite3_bind_int(s, 5, page->limit);
    while (r == 0 && sqlite3_step(s) == SQLITE_ROW)
        r = mm_list_add(l, outbox_row_json(s), sqlite3_column_int64(s, 0), 0);
    sqlite3_finalize(s);
    return r;
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
    if (status && !known_status(status))
        return mm_reply_error(req, 400, "bad_field", "status");
    mm_list_init(&l, &page);
    sqlite3 *db = mm__sqlite_acquire(st);
    r = list_rows(db, status, tenant, &page, &l);
    mm__sqlite_release(st, db);
    if (r != 0) {
        json_decref(l.items);
        return r;
    }
    return mm_list_reply(req, &l);
}

/* 'uncertain' | 'failed' -> 'pending', due now; MM_ENOENT / MM_ESTATE. */
static int requeue(sqlite3 *db, const struct mm_actor *who, int64_t id, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db, "SELECT status FROM mail_outbox WHERE id = ?1", &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW)
        r = rc == SQLITE_DONE ? MM_ENOENT : MM_EDB;
    else if (!known_status((const char *)sqlite3_column_text(s, 0)) ||
             (strcmp((const char *)sqlite3_column_text(s, 0), "uncertain") != 0 &&
              strcmp((const char *)sqlite3_column_text(s, 0), "failed") != 0))
        r = MM_ESTATE;
    sqlite3_finalize(s);
    if (r == 0)
        r = mm__sqlite_prepare(db,
                               "UPDATE mail_outbox SET status = 'pending', next_attempt_at = ?2 "
                               "WHERE id = ?1",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, now);
        r = mm__sqlite_step_done(s);
        sqlite3_finalize(s);
    }
    char target[32];
    snprintf(target, sizeof target, "mail:%lld", (long long)id);
    if (r == 0)
        r = mm__sqlite_audit(db, who, "mail.resend", target, "", now);
    return r;
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
    sqlite3 *db = mm__sqlite_acquire(st);
    r = mm__sqlite_begin(db);
    if (r == 0)
        r = mm__sqlite_end(db, requeue(db, &who, id, req->now));
    mm__sqlite_release(st, db);
    if (r == MM_ESTATE)
        return mm_reply_error(req, 409, "conflict", "status");
    if (r != 0)
        return r;
    return mm_reply_json(req, 200,
                         json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", "pending"));
}
