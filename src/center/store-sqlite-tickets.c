/* SPDX-License-Identifier: Apache-2.0
 * The SQLite backend's consultation desk: tickets, their message thread
 * (with vendor-only internal notes), their links to alerts of the same
 * tenant, and status changes checked by desk.c. Every change is audited in
 * its own transaction. */
#include <stdio.h>

#include "center/desk.h"
#include "center/store-sqlite-desk.h"
#include "core/error.h"

#define TICKET_COLUMNS                                                                             \
    "SELECT t.id, t.tenant_id, t.subject, t.category, t.channel, t.status, t.opened_by, "          \
    "COALESCE(u.email, ''), COALESCE(u.role, ''), COALESCE(t.incident_id, 0), t.created_at, "      \
    "t.updated_at, t.resolved_at, t.closed_at, (SELECT count(*) FROM ticket_messages m WHERE "     \
    "m.ticket_id = t.id AND (?3 OR m.internal = 0)) FROM tickets t LEFT JOIN users u ON u.id = "   \
    "t.opened_by "

static void read_ticket(sqlite3_stmt *s, struct mm_ticket *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(s, 0);
    t->tenant_id = sqlite3_column_int64(s, 1);
    mm__sqlite_copy_text(t->subject, sizeof t->subject, s, 2);
    mm__sqlite_copy_text(t->category, sizeof t->category, s, 3);
    mm__sqlite_copy_text(t->channel, sizeof t->channel, s, 4);
    mm_ticket_status_parse(mm__sqlite_col_text(s, 5), &t->status);
    t->opened_by = sqlite3_column_int64(s, 6);
    mm__sqlite_copy_text(t->opened_by_email, sizeof t->opened_by_email, s, 7);
    mm__sqlite_copy_text(t->opened_by_role, sizeof t->opened_by_role, s, 8);
    t->incident_id = sqlite3_column_int64(s, 9);
    t->created_at = sqlite3_column_int64(s, 10);
    t->updated_at = sqlite3_column_int64(s, 11);
    t->resolved_at = sqlite3_column_int64(s, 12);
    t->closed_at = sqlite3_column_int64(s, 13);
    t->message_count = sqlite3_column_int64(s, 14);
}

static int ticket_get_db(sqlite3 *db, const struct mm_scope *scope, int64_t id, bool with_internal,
                         struct mm_ticket *out)
{
    sqlite3_stmt *s = NULL;
    int r =
        mm__sqlite_prepare(db, TICKET_COLUMNS "WHERE (?1 OR t.tenant_id = ?2) AND t.id = ?4", &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int(s, 3, with_internal);
        sqlite3_bind_int64(s, 4, id);
        r = mm__sqlite_step_row(s);
        if (r == 0)
            read_ticket(s, out);
    }
    sqlite3_finalize(s);
    return r;
}

int mm__sqlite_ticket_get(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                          bool with_internal, struct mm_ticket *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = ticket_get_db(db, scope, id, with_internal, out);
    mm__sqlite_release(st, db);
    return r;
}

static int audit_ticket(sqlite3 *db, const struct mm_actor *who, int64_t tenant_id, int64_t id,
                        const char *action, const char *detail, int64_t now)
{
    return mm__sqlite_audit_on(db, who, tenant_id, action, "ticket", id, detail, now);
}

static int insert_message(sqlite3 *db, int64_t tenant_id, int64_t ticket_id, int64_t author_id,
                          const char *body, bool internal, int64_t now, int64_t *id_out)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "INSERT INTO ticket_messages (tenant_id, ticket_id, author_id, "
                               "body, internal, at) VALUES (?, ?, ?, ?, ?, ?)",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, tenant_id);
        sqlite3_bind_int64(s, 2, ticket_id);
        sqlite3_bind_int64(s, 3, author_id);
        sqlite3_bind_text(s, 4, body, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 5, internal);
        sqlite3_bind_int64(s, 6, now);
        r = mm__sqlite_step_done(s);
    }
    if (r == 0 && id_out)
        *id_out = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(s);
    return r;
}

int mm__sqlite_ticket_link_in_tx(sqlite3 *db, int64_t tenant_id, int64_t ticket_id,
                                 int64_t alert_id)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "INSERT OR IGNORE INTO ticket_alerts (tenant_id, ticket_id, "
                               "alert_id) SELECT ?1, ?2, id FROM alerts WHERE id = ?3 AND "
                               "tenant_id = ?1",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, tenant_id);
        sqlite3_bind_int64(s, 2, ticket_id);
        sqlite3_bind_int64(s, 3, alert_id);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    if (r != 0)
        return r;
    /* Not linked and not linked before: the alert is not the tenant's. */
    r = mm__sqlite_prepare(db, "SELECT 1 FROM alerts WHERE id = ? AND tenant_id = ?", &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, alert_id);
        sqlite3_bind_int64(s, 2, tenant_id);
        r = mm__sqlite_step_row(s);
    }
    sqlite3_finalize(s);
    return r;
}

static int insert_ticket(sqlite3 *db, const struct mm_author *author, const struct mm_ticket *t,
                         int64_t now, int64_t *id_out)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "INSERT INTO tickets (tenant_id, subject, category, channel, "
                               "opened_by, created_at, updated_at) SELECT ?1, ?2, ?3, ?4, ?5, "
                               "?6, ?6 WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?1 AND "
                               "id != 0)",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, t->tenant_id);
        sqlite3_bind_text(s, 2, t->subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, t->category, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, t->channel, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, author->user_id);
        sqlite3_bind_int64(s, 6, now);
        r = mm__sqlite_step_done(s);
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_ENOENT;
    }
    if (r == 0)
        *id_out = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(s);
    return r;
}

int mm__sqlite_ticket_add(struct mm_store *st, const struct mm_scope *scope,
                          const struct mm_actor *who, const struct mm_author *author,
                          const struct mm_ticket *t, const char *body, const int64_t *alert_ids,
                          size_t nalerts, int64_t now, int64_t *id_out)
{
    int64_t id = 0;
    char detail[128];
    *id_out = 0;
    if (!mm_scope_allows(scope, t->tenant_id))
        return MM_ENOENT;
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__desk_cap(db, "SELECT count(*) FROM tickets WHERE tenant_id = ? AND status != 'closed'",
                     t->tenant_id, MM_TICKETS_OPEN_MAX);
    if (r == 0)
        r = insert_ticket(db, author, t, now, &id);
    if (r == 0)
        r = insert_message(db, t->tenant_id, id, author->user_id, body, false, now, NULL);
    for (size_t i = 0; r == 0 && i < nalerts; i++)
        r = mm__sqlite_ticket_link_in_tx(db, t->tenant_id, id, alert_ids[i]);
    snprintf(detail, sizeof detail, "category=%s channel=%s alerts=%zu", t->category, t->channel,
             nalerts);
    if (r == 0)
        r = audit_ticket(db, who, t->tenant_id, id, "ticket.open", detail, now);
    r = mm__sqlite_end(db, r);
    if (r == 0)
        *id_out = id;
out:
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_ticket_list_sql(struct mm_buf *sql, const struct mm_scope *scope, int64_t tenant_id)
{
    int r = mm_buf_puts(sql, TICKET_COLUMNS "WHERE ");
    r |= mm__sqlite_scope_sql(sql, scope, tenant_id, "t.tenant_id", 4);
    r |= mm_buf_puts(sql, " AND (?5 = '' OR t.status = ?5) AND (?6 = 0 OR t.id < ?7) "
                          "ORDER BY t.id DESC LIMIT ?8");
    return r ? MM_ENOMEM : 0;
}

int mm__sqlite_ticket_list(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                           int status, bool with_internal, const struct mm_page *page,
                           mm_ticket_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare_list(db, mm__sqlite_ticket_list_sql, scope, tenant_id, &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int(s, 3, with_internal);
        sqlite3_bind_int64(s, 4, tenant_id);
        sqlite3_bind_text(s, 5, status < 0 ? "" : mm_ticket_status_name(status), -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 6, page->has_cursor);
        sqlite3_bind_int64(s, 7, page->cursor_a);
        sqlite3_bind_int(s, 8, page->limit);
        struct mm_ticket t;
        while (r == 0 && mm__sqlite_next(s, &r)) {
            read_ticket(s, &t);
            r = fn(&t, arg);
        }
    }
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}

static int write_ticket_status(sqlite3 *db, int64_t id, enum mm_ticket_status to, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "UPDATE tickets SET status = ?2, updated_at = ?3, resolved_at = "
                               "CASE WHEN ?2 = 'resolved' THEN ?3 WHEN ?2 = 'open' THEN 0 ELSE "
                               "resolved_at END, closed_at = CASE WHEN ?2 = 'closed' THEN ?3 "
                               "ELSE closed_at END WHERE id = ?1",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, mm_ticket_status_name(to), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, now);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    return r;
}

static int write_ticket_category(sqlite3 *db, int64_t id, const char *category, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r =
        mm__sqlite_prepare(db, "UPDATE tickets SET category = ?, updated_at = ? WHERE id = ?", &s);
    if (r == 0) {
        sqlite3_bind_text(s, 1, category, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, now);
        sqlite3_bind_int64(s, 3, id);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    return r;
}

/* Status change within the transaction: checks the machine, writes, audits. */
static int change_status_tx(sqlite3 *db, const struct mm_actor *who, const struct mm_ticket *t,
                            enum mm_ticket_status to, int64_t now)
{
    char detail[64];
    if (!mm_ticket_transition_ok(t->status, to))
        return MM_ESTATE;
    int r = write_ticket_status(db, t->id, to, now);
    snprintf(detail, sizeof detail, "%s -> %s", mm_ticket_status_name(t->status),
             mm_ticket_status_name(to));
    if (r == 0)
        r = audit_ticket(db, who, t->tenant_id, t->id, "ticket.status", detail, now);
    return r;
}

int mm__sqlite_ticket_update(struct mm_store *st, const struct mm_scope *scope,
                             const struct mm_actor *who, int64_t id, int status,
                             const char *category, int64_t now)
{
    struct mm_ticket t;
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = ticket_get_db(db, scope, id, true, &t);
    if (r == 0 && status >= 0)
        r = change_status_tx(db, who, &t, (enum mm_ticket_status)status, now);
    if (r == 0 && category && strcmp(category, t.category) != 0) {
        char detail[96];
        snprintf(detail, sizeof detail, "%s -> %s", t.category, category);
        r = write_ticket_category(db, id, category, now);
        if (r == 0)
            r = audit_ticket(db, who, t.tenant_id, id, "ticket.category", detail, now);
    }
    r = mm__sqlite_end(db, r);
out:
    mm__sqlite_release(st, db);
    return r;
}

static int touch_ticket(sqlite3 *db, int64_t id, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db, "UPDATE tickets SET updated_at = ? WHERE id = ?", &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, now);
        sqlite3_bind_int64(s, 2, id);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    return r;
}

int mm__sqlite_ticket_message_add(struct mm_store *st, const struct mm_scope *scope,
                                  const struct mm_actor *who, const struct mm_author *author,
                                  int64_t ticket_id, const char *body, bool internal, bool reopen,
                                  int64_t now, int64_t *id_out)
{
    struct mm_ticket t;
    int64_t mid = 0;
    *id_out = 0;
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = ticket_get_db(db, scope, ticket_id, true, &t);
    if (r == 0 && t.status == MM_TICKET_CLOSED)
        r = MM_ESTATE;
    if (r == 0)
        r = mm__desk_cap(db, "SELECT count(*) FROM ticket_messages WHERE ticket_id = ?", ticket_id,
                         MM_TICKET_MESSAGES_MAX);
    if (r == 0)
        r = insert_message(db, t.tenant_id, ticket_id, author->user_id, body, internal, now, &mid);
    if (r == 0 && !internal) /* a vendor-only note leaves no trace the SME sees */
        r = touch_ticket(db, ticket_id, now);
    if (r == 0 && reopen && !internal && t.status == MM_TICKET_WAITING)
        r = change_status_tx(db, who, &t, MM_TICKET_OPEN, now);
    if (r == 0) {
        char detail[48];
        snprintf(detail, sizeof detail, "message:%lld%s", (long long)mid,
                 internal ? " internal" : "");
        /* A vendor-only note is audited under the vendor's tenant, so the
         * SME's audit view does not even show that one exists. */
        r = audit_ticket(db, who, internal ? MM_VENDOR_TENANT : t.tenant_id, ticket_id,
                         "ticket.message", detail, now);
    }
    r = mm__sqlite_end(db, r);
    if (r == 0)
        *id_out = mid;
out:
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_ticket_messages(struct mm_store *st, const struct mm_scope *scope, int64_t ticket_id,
                               bool with_internal, mm_ticket_message_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT m.id, m.ticket_id, m.tenant_id, m.at, m.author_id, "
                               "COALESCE(u.email, ''), COALESCE(u.role, ''), m.body, m.internal "
                               "FROM ticket_messages m LEFT JOIN users u ON u.id = m.author_id "
                               "WHERE (?1 OR m.tenant_id = ?2) AND m.ticket_id = ?3 AND (?4 OR "
                               "m.internal = 0) ORDER BY m.id",
                               &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, ticket_id);
        sqlite3_bind_int(s, 4, with_internal);
        while (r == 0 && mm__sqlite_next(s, &r)) {
            struct mm_ticket_message m = {
                .id = sqlite3_column_int64(s, 0),
                .ticket_id = sqlite3_column_int64(s, 1),
                .tenant_id = sqlite3_column_int64(s, 2),
                .at = sqlite3_column_int64(s, 3),
                .author_id = sqlite3_column_int64(s, 4),
                .author_email = mm__sqlite_col_text(s, 5),
                .author_role = mm__sqlite_col_text(s, 6),
                .body = mm__sqlite_col_text(s, 7),
                .internal = sqlite3_column_int(s, 8) != 0,
            };
            r = fn(&m, arg);
        }
    }
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_ticket_link_alert(struct mm_store *st, const struct mm_scope *scope,
                                 const struct mm_actor *who, int64_t ticket_id, int64_t alert_id,
                                 int64_t now)
{
    struct mm_ticket t;
    char detail[48];
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = ticket_get_db(db, scope, ticket_id, true, &t);
    if (r == 0)
        r = mm__sqlite_ticket_link_in_tx(db, t.tenant_id, ticket_id, alert_id);
    snprintf(detail, sizeof detail, "alert:%lld", (long long)alert_id);
    if (r == 0)
        r = touch_ticket(db, ticket_id, now);
    if (r == 0)
        r = audit_ticket(db, who, t.tenant_id, ticket_id, "ticket.link_alert", detail, now);
    r = mm__sqlite_end(db, r);
out:
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_ticket_alert_ids(struct mm_store *st, const struct mm_scope *scope,
                                int64_t ticket_id, mm_id_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT alert_id FROM ticket_alerts WHERE (?1 OR tenant_id = ?2) "
                               "AND ticket_id = ?3 ORDER BY alert_id",
                               &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, ticket_id);
        while (r == 0 && mm__sqlite_next(s, &r))
            r = fn(sqlite3_column_int64(s, 0), arg);
    }
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}
