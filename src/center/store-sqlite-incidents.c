/* SPDX-License-Identifier: Apache-2.0
 * The SQLite backend's incidents: creation from an alert (escalated in the
 * same transaction), a ticket or by hand; the state machine of incident.c
 * with its automatic timeline entries, on-site dispatch, notes, linked
 * alerts, and each tenant's SLA targets. Every change is audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/incident.h"
#include "center/store-sqlite-desk.h"
#include "core/error.h"

/* The alert API's longest close reason (api/alerts.c). */
#define LINKED_REASON_MAX 500

#define INCIDENT_COLUMNS                                                                           \
    "SELECT id, tenant_id, title, severity, status, source, COALESCE(ticket_id, 0), "              \
    "COALESCE(assignee_id, 0), created_by, created_at, updated_at, acknowledged_at, "              \
    "resolved_at, dispatched, outcome, summary, impact, actions, advice, title_ja, title_en "      \
    "FROM incidents "

static void read_incident(sqlite3_stmt *s, struct mm_incident *in)
{
    memset(in, 0, sizeof *in);
    in->id = sqlite3_column_int64(s, 0);
    in->tenant_id = sqlite3_column_int64(s, 1);
    mm__sqlite_copy_text(in->title, sizeof in->title, s, 2);
    in->severity = sqlite3_column_int(s, 3);
    mm_incident_status_parse(mm__sqlite_col_text(s, 4), &in->status);
    mm__sqlite_copy_text(in->source, sizeof in->source, s, 5);
    in->ticket_id = sqlite3_column_int64(s, 6);
    in->assignee_id = sqlite3_column_int64(s, 7);
    in->created_by = sqlite3_column_int64(s, 8);
    in->created_at = sqlite3_column_int64(s, 9);
    in->updated_at = sqlite3_column_int64(s, 10);
    in->acknowledged_at = sqlite3_column_int64(s, 11);
    in->resolved_at = sqlite3_column_int64(s, 12);
    in->dispatched = sqlite3_column_int(s, 13) != 0;
    mm__sqlite_copy_text(in->outcome, sizeof in->outcome, s, 14);
    mm__sqlite_copy_text(in->summary, sizeof in->summary, s, 15);
    mm__sqlite_copy_text(in->impact, sizeof in->impact, s, 16);
    mm__sqlite_copy_text(in->actions, sizeof in->actions, s, 17);
    mm__sqlite_copy_text(in->advice, sizeof in->advice, s, 18);
    mm__sqlite_copy_text(in->title_ja, sizeof in->title_ja, s, 19);
    mm__sqlite_copy_text(in->title_en, sizeof in->title_en, s, 20);
}

static int incident_get_db(sqlite3 *db, const struct mm_scope *scope, int64_t id,
                           struct mm_incident *out)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db, INCIDENT_COLUMNS "WHERE (?1 OR tenant_id = ?2) AND id = ?3", &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, id);
        r = mm__sqlite_step_row(s);
        if (r == 0)
            read_incident(s, out);
    }
    sqlite3_finalize(s);
    return r;
}

int mm__sqlite_incident_get(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                            struct mm_incident *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = incident_get_db(db, scope, id, out);
    mm__sqlite_release(st, db);
    return r;
}

static int audit_incident(sqlite3 *db, const struct mm_actor *who, int64_t tenant_id, int64_t id,
                          const char *action, const char *detail, int64_t now)
{
    return mm__sqlite_audit_on(db, who, tenant_id, action, "incident", id, detail, now);
}

/* One timeline row; from/to "" when not a status change. */
static int add_timeline(sqlite3 *db, const struct mm_incident *in, const char *kind,
                        const char *from, const char *to, const struct mm_author *author,
                        const char *body, bool internal, int64_t now, int64_t *id_out)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "INSERT INTO incident_timeline (tenant_id, incident_id, at, kind, "
                               "from_status, to_status, actor, body, internal) VALUES (?, ?, ?, "
                               "?, ?, ?, ?, ?, ?)",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, in->tenant_id);
        sqlite3_bind_int64(s, 2, in->id);
        sqlite3_bind_int64(s, 3, now);
        sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, from, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, to, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, author && author->email ? author->email : "system", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(s, 8, body ? body : "", -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 9, internal);
        r = mm__sqlite_step_done(s);
    }
    if (r == 0 && id_out)
        *id_out = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(s);
    return r;
}

/* Escalates one alert of the incident's tenant: MM_ENOENT when it is not
 * the tenant's, MM_ESTATE when it is neither new nor acknowledged. */
static int escalate_alert(sqlite3 *db, const struct mm_actor *who, const struct mm_author *author,
                          const struct mm_incident *in, int64_t alert_id, int64_t now)
{
    sqlite3_stmt *s = NULL;
    char body[64];
    int r = mm__sqlite_prepare(db,
                               "UPDATE alerts SET status = 'escalated', incident_id = ?1, "
                               "updated_at = ?2 WHERE id = ?3 AND tenant_id = ?4 AND status IN "
                               "('new', 'acknowledged')",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, in->id);
        sqlite3_bind_int64(s, 2, now);
        sqlite3_bind_int64(s, 3, alert_id);
        sqlite3_bind_int64(s, 4, in->tenant_id);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    s = NULL;
    if (r == 0 && sqlite3_changes(db) == 0) {
        r = mm__sqlite_prepare(db, "SELECT 1 FROM alerts WHERE id = ? AND tenant_id = ?", &s);
        if (r == 0) {
            sqlite3_bind_int64(s, 1, alert_id);
            sqlite3_bind_int64(s, 2, in->tenant_id);
            int rc = sqlite3_step(s);
            r = rc == SQLITE_ROW ? MM_ESTATE : rc == SQLITE_DONE ? MM_ENOENT : mm__sqlite_code(rc);
        }
        sqlite3_finalize(s);
    }
    if (r != 0)
        return r;
    snprintf(body, sizeof body, "escalated incident:%lld", (long long)in->id);
    r = mm__sqlite_audit_on(db, who, in->tenant_id, "alert.status", "alert", alert_id, body, now);
    snprintf(body, sizeof body, "#%lld", (long long)alert_id);
    if (r == 0)
        r = add_timeline(db, in, "alert", "", "", author, body, false, now, NULL);
    return r;
}

/* The ticket's still-open linked alerts are escalated too; the ticket points
 * at the incident. MM_ENOENT when the ticket is not the tenant's. */
static int attach_ticket(sqlite3 *db, const struct mm_actor *who, const struct mm_author *author,
                         const struct mm_incident *in, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "UPDATE tickets SET incident_id = ?1, updated_at = ?2 WHERE id = "
                               "?3 AND tenant_id = ?4",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, in->id);
        sqlite3_bind_int64(s, 2, now);
        sqlite3_bind_int64(s, 3, in->ticket_id);
        sqlite3_bind_int64(s, 4, in->tenant_id);
        r = mm__sqlite_step_done(s);
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_ENOENT;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (r == 0)
        r = mm__sqlite_prepare(db,
                               "SELECT a.id FROM ticket_alerts t JOIN alerts a ON a.id = "
                               "t.alert_id WHERE t.ticket_id = ? AND a.status IN ('new', "
                               "'acknowledged') ORDER BY a.id LIMIT 100",
                               &s);
    int64_t ids[100];
    int n = 0, rc;
    if (r == 0) {
        sqlite3_bind_int64(s, 1, in->ticket_id);
        while (n < 100 && (rc = sqlite3_step(s)) == SQLITE_ROW)
            ids[n++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    for (int i = 0; r == 0 && i < n; i++)
        r = escalate_alert(db, who, author, in, ids[i], now);
    return r;
}

static int insert_incident(sqlite3 *db, const struct mm_author *author,
                           const struct mm_incident *in, int64_t now, int64_t *id_out)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(
        db,
        "INSERT INTO incidents (tenant_id, title, severity, source, ticket_id, assignee_id, "
        "created_by, created_at, updated_at, summary, impact, actions, advice, title_ja, title_en) "
        "SELECT ?1, ?2, ?3, ?4, NULLIF(?5, 0), NULLIF(?6, 0), ?7, ?8, ?8, ?9, ?10, ?11, ?12, ?13, "
        "?14 WHERE EXISTS (SELECT 1 "
        "FROM tenants WHERE id = ?1 AND id != 0)",
        &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, in->tenant_id);
        sqlite3_bind_text(s, 2, in->title, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, in->severity);
        sqlite3_bind_text(s, 4, in->source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, in->ticket_id);
        sqlite3_bind_int64(s, 6, in->assignee_id);
        sqlite3_bind_int64(s, 7, author->user_id);
        sqlite3_bind_int64(s, 8, now);
        sqlite3_bind_text(s, 9, in->summary, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 10, in->impact, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 11, in->actions, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 12, in->advice, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 13, in->title_ja, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 14, in->title_en, -1, SQLITE_STATIC);
        r = mm__sqlite_step_done(s);
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_ENOENT;
    }
    if (r == 0)
        *id_out = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(s);
    return r;
}

int mm__sqlite_incident_add(struct mm_store *st, const struct mm_scope *scope,
                            const struct mm_actor *who, const struct mm_author *author,
                            const struct mm_incident *in, int64_t alert_id, int64_t now,
                            int64_t *id_out)
{
    struct mm_incident row = *in;
    char detail[96];
    *id_out = 0;
    if (!mm_scope_allows(scope, in->tenant_id))
        return MM_ENOENT;
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = insert_incident(db, author, in, now, &row.id);
    if (r == 0)
        r = add_timeline(db, &row, "created", "", "triage", author, in->source, false, now, NULL);
    if (r == 0 && alert_id)
        r = escalate_alert(db, who, author, &row, alert_id, now);
    if (r == 0 && in->ticket_id)
        r = attach_ticket(db, who, author, &row, now);
    snprintf(detail, sizeof detail, "source=%s alert=%lld ticket=%lld", in->source,
             (long long)alert_id, (long long)in->ticket_id);
    if (r == 0)
        r = audit_incident(db, who, in->tenant_id, row.id, "incident.open", detail, now);
    r = mm__sqlite_end(db, r);
    if (r == 0)
        *id_out = row.id;
out:
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_incident_list_sql(struct mm_buf *sql, const struct mm_scope *scope,
                                 int64_t tenant_id)
{
    int r = mm_buf_puts(sql, INCIDENT_COLUMNS "WHERE ");
    r |= mm__sqlite_scope_sql(sql, scope, tenant_id, "tenant_id", 3);
    r |= mm_buf_puts(sql, " AND (?4 = '' OR status = ?4) AND (?5 = 0 OR id < ?6) "
                          "ORDER BY id DESC LIMIT ?7");
    return r ? MM_ENOMEM : 0;
}

int mm__sqlite_incident_list(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                             int status, const struct mm_page *page, mm_incident_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    struct mm_incident *in = calloc(1, sizeof *in);
    int r = in ? 0 : MM_ENOMEM;
    if (r == 0)
        r = mm__sqlite_prepare_list(db, mm__sqlite_incident_list_sql, scope, tenant_id, &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, tenant_id);
        sqlite3_bind_text(s, 4, status < 0 ? "" : mm_incident_status_name(status), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(s, 5, page->has_cursor);
        sqlite3_bind_int64(s, 6, page->cursor_a);
        sqlite3_bind_int(s, 7, page->limit);
        while (r == 0 && mm__sqlite_next(s, &r)) {
            read_incident(s, in);
            r = fn(in, arg);
        }
    }
    free(in);
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}

static int write_incident_fields(sqlite3 *db, const struct mm_incident *in, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               /* A title a person edits is theirs: the alert's
                                * headlines go. The title sent back as shown
                                * (either headline) changes nothing. */
                               "UPDATE incidents SET title_ja = CASE WHEN ?2 IN (title, "
                               "title_ja, title_en) THEN title_ja ELSE '' END, title_en = CASE "
                               "WHEN ?2 IN (title, title_ja, title_en) THEN title_en ELSE '' END, "
                               "title = CASE WHEN ?2 IN (title, title_ja, title_en) THEN title "
                               "ELSE ?2 END, severity = ?3, assignee_id = "
                               "NULLIF(?4, 0), summary = ?5, impact = ?6, actions = ?7, advice = "
                               "?8, updated_at = ?9 WHERE id = ?1",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, in->id);
        sqlite3_bind_text(s, 2, in->title, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, in->severity);
        sqlite3_bind_int64(s, 4, in->assignee_id);
        sqlite3_bind_text(s, 5, in->summary, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, in->impact, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, in->actions, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 8, in->advice, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 9, now);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    return r;
}

/* The assignee's e-mail address for the timeline ("user:N" if unknown, "" for none). */
static void assignee_name(sqlite3 *db, int64_t id, char *out, size_t outlen)
{
    sqlite3_stmt *s = NULL;
    out[0] = '\0';
    if (id)
        snprintf(out, outlen, "user:%lld", (long long)id);
    if (id && mm__sqlite_prepare(db, "SELECT email FROM users WHERE id = ?", &s) == 0) {
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) == SQLITE_ROW)
            mm__sqlite_copy_text(out, outlen, s, 0);
    }
    sqlite3_finalize(s);
}

int mm__sqlite_incident_update(struct mm_store *st, const struct mm_scope *scope,
                               const struct mm_actor *who, const struct mm_author *author,
                               const struct mm_incident *in, int64_t now)
{
    struct mm_incident *old = calloc(1, sizeof *old);
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = old ? mm__sqlite_begin(db) : MM_ENOMEM;
    if (r != 0)
        goto out;
    r = incident_get_db(db, scope, in->id, old);
    if (r == 0)
        r = write_incident_fields(db, in, now);
    if (r == 0 && old->assignee_id != in->assignee_id) {
        char body[272];
        assignee_name(db, in->assignee_id, body, sizeof body);
        r = add_timeline(db, old, "assign", "", "", author, body, false, now, NULL);
    }
    if (r == 0)
        r = add_timeline(db, old, "edit", "", "", author, "", true, now, NULL);
    if (r == 0)
        r = audit_incident(db, who, old->tenant_id, in->id, "incident.edit", "", now);
    r = mm__sqlite_end(db, r);
out:
    free(old);
    mm__sqlite_release(st, db);
    return r;
}

static int write_dispatch(sqlite3 *db, const struct mm_incident *in, const struct mm_dispatch *d,
                          int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "INSERT OR REPLACE INTO incident_dispatch (incident_id, tenant_id, "
                               "who, at, place, contact, notes, created_at) VALUES (?, ?, ?, ?, "
                               "?, ?, ?, ?)",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, in->id);
        sqlite3_bind_int64(s, 2, in->tenant_id);
        sqlite3_bind_text(s, 3, d->who, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, d->at);
        sqlite3_bind_text(s, 5, d->place, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, d->contact, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, d->notes, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 8, now);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    return r;
}

static int write_transition(sqlite3 *db, const struct mm_incident *in, enum mm_incident_status to,
                            const char *outcome, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "UPDATE incidents SET status = ?2, updated_at = ?3, "
                               "acknowledged_at = CASE WHEN acknowledged_at = 0 THEN ?3 ELSE "
                               "acknowledged_at END, resolved_at = CASE WHEN ?2 = 'closed' THEN "
                               "?3 ELSE resolved_at END, dispatched = dispatched OR ?2 = "
                               "'onsite', outcome = CASE WHEN ?2 = 'closed' THEN ?4 ELSE outcome "
                               "END WHERE id = ?1",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, in->id);
        sqlite3_bind_text(s, 2, mm_incident_status_name(to), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, now);
        sqlite3_bind_text(s, 4, outcome ? outcome : "", -1, SQLITE_STATIC);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    return r;
}

/* The reason a linked alert is closed with when its incident closes, in the
 * tenant's language: "事故対応 12 で完了: <outcome>" / "Closed with incident
 * 12: <outcome>", cut to the alert API's 500 bytes on a UTF-8 boundary. */
static void linked_close_reason(sqlite3 *db, const struct mm_incident *in, const char *outcome,
                                char *out, size_t outlen)
{
    sqlite3_stmt *s = NULL;
    bool en = false;
    if (mm__sqlite_prepare(db, "SELECT lang FROM tenants WHERE id = ?", &s) == 0) {
        sqlite3_bind_int64(s, 1, in->tenant_id);
        if (sqlite3_step(s) == SQLITE_ROW) {
            const unsigned char *l = sqlite3_column_text(s, 0);
            en = l && strcmp((const char *)l, "en") == 0;
        }
    }
    sqlite3_finalize(s);
    snprintf(out, outlen, en ? "Closed with incident %lld: %s" : "事故対応 %lld で完了: %s",
             (long long)in->id, outcome ? outcome : "");
    size_t n = strlen(out);
    if (n > LINKED_REASON_MAX) {
        n = LINKED_REASON_MAX;
        while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80)
            n--;
        out[n] = '\0';
    }
}

/* Closing an incident closes its alerts still escalated to it, each with
 * the reason above and an alert.status audit row, as a person's close
 * would write (closed is final, so nothing reopens them). */
static int close_linked_alerts(sqlite3 *db, const struct mm_actor *who,
                               const struct mm_incident *in, const char *outcome, int64_t now)
{
    char reason[LINKED_REASON_MAX + 8], detail[LINKED_REASON_MAX + 64];
    sqlite3_stmt *s = NULL;
    linked_close_reason(db, in, outcome, reason, sizeof reason);
    int r = mm__sqlite_prepare(db,
                               "UPDATE alerts SET status = 'closed', close_reason = ?3, "
                               "updated_at = ?4 WHERE incident_id = ?1 AND tenant_id = ?2 AND "
                               "status = 'escalated' RETURNING id",
                               &s);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int rc = SQLITE_DONE;
    if (r == 0) {
        sqlite3_bind_int64(s, 1, in->id);
        sqlite3_bind_int64(s, 2, in->tenant_id);
        sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, now);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (n == cap) {
                int64_t *grown = realloc(ids, (cap = cap ? cap * 2 : 16) * sizeof *ids);
                if (!grown) {
                    rc = SQLITE_NOMEM;
                    break;
                }
                ids = grown;
            }
            ids[n++] = sqlite3_column_int64(s, 0);
        }
        r = rc == SQLITE_DONE ? 0 : rc == SQLITE_NOMEM ? MM_ENOMEM : mm__sqlite_code(rc);
    }
    sqlite3_finalize(s);
    snprintf(detail, sizeof detail, "escalated -> closed: %s", reason);
    for (size_t i = 0; r == 0 && i < n; i++)
        r = mm__sqlite_audit_on(db, who, in->tenant_id, "alert.status", "alert", ids[i], detail,
                                now);
    free(ids);
    return r;
}

int mm__sqlite_incident_transition(struct mm_store *st, const struct mm_scope *scope,
                                   const struct mm_actor *who, const struct mm_author *author,
                                   int64_t id, enum mm_incident_status to,
                                   const struct mm_dispatch *d, const char *outcome,
                                   const char *note, int64_t now)
{
    struct mm_incident *in = calloc(1, sizeof *in);
    char detail[64];
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = in ? mm__sqlite_begin(db) : MM_ENOMEM;
    if (r != 0)
        goto out;
    r = incident_get_db(db, scope, id, in);
    if (r == 0 && !mm_incident_transition_ok(in->status, to))
        r = MM_ESTATE;
    if (r == 0 && to == MM_INCIDENT_ONSITE && !d)
        r = MM_EINVAL;
    if (r == 0)
        r = write_transition(db, in, to, outcome, now);
    const char *from = mm_incident_status_name(in ? in->status : 0);
    if (r == 0)
        r = add_timeline(db, in, "status", from, mm_incident_status_name(to), author,
                         to == MM_INCIDENT_CLOSED ? outcome : note, false, now, NULL);
    if (r == 0 && to == MM_INCIDENT_ONSITE)
        r = write_dispatch(db, in, d, now);
    if (r == 0 && to == MM_INCIDENT_ONSITE)
        r = add_timeline(db, in, "dispatch", "", "", author, d->who, false, now, NULL);
    if (r == 0 && to == MM_INCIDENT_CLOSED && note && *note)
        r = add_timeline(db, in, "note", "", "", author, note, false, now, NULL);
    if (r == 0 && to == MM_INCIDENT_CLOSED)
        r = close_linked_alerts(db, who, in, outcome, now);
    snprintf(detail, sizeof detail, "%s -> %s", from, mm_incident_status_name(to));
    if (r == 0)
        r = audit_incident(db, who, in->tenant_id, id, "incident.status", detail, now);
    r = mm__sqlite_end(db, r);
out:
    free(in);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_incident_note_add(struct mm_store *st, const struct mm_scope *scope,
                                 const struct mm_actor *who, const struct mm_author *author,
                                 int64_t id, const char *body, bool internal, int64_t now,
                                 int64_t *entry_id_out)
{
    struct mm_incident *in = calloc(1, sizeof *in);
    sqlite3 *db = mm__sqlite_acquire(st);
    *entry_id_out = 0;
    int r = in ? mm__sqlite_begin(db) : MM_ENOMEM;
    if (r != 0)
        goto out;
    r = incident_get_db(db, scope, id, in);
    if (r == 0)
        r = mm__desk_cap(db, "SELECT count(*) FROM incident_timeline WHERE incident_id = ?", id,
                         MM_TIMELINE_MAX);
    if (r == 0)
        r = add_timeline(db, in, "note", "", "", author, body, internal, now, entry_id_out);
    if (r == 0)
        r = audit_incident(db, who, internal ? MM_VENDOR_TENANT : in->tenant_id, id,
                           "incident.note", internal ? "internal" : "", now); /* as tickets */
    r = mm__sqlite_end(db, r);
out:
    free(in);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_incident_timeline(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                                 bool with_internal, mm_timeline_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT id, incident_id, tenant_id, at, kind, from_status, "
                               "to_status, actor, body, internal FROM incident_timeline WHERE (?1 "
                               "OR tenant_id = ?2) AND incident_id = ?3 AND (?4 OR internal = 0) "
                               "ORDER BY id",
                               &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, id);
        sqlite3_bind_int(s, 4, with_internal);
        while (r == 0 && mm__sqlite_next(s, &r)) {
            struct mm_timeline_entry e = {
                .id = sqlite3_column_int64(s, 0),
                .incident_id = sqlite3_column_int64(s, 1),
                .tenant_id = sqlite3_column_int64(s, 2),
                .at = sqlite3_column_int64(s, 3),
                .kind = mm__sqlite_col_text(s, 4),
                .from = mm__sqlite_col_text(s, 5),
                .to = mm__sqlite_col_text(s, 6),
                .actor = mm__sqlite_col_text(s, 7),
                .body = mm__sqlite_col_text(s, 8),
                .internal = sqlite3_column_int(s, 9) != 0,
            };
            r = fn(&e, arg);
        }
    }
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_incident_dispatch(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                                 struct mm_dispatch *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    memset(out, 0, sizeof *out);
    int r = mm__sqlite_prepare(db,
                               "SELECT who, at, place, contact, notes FROM incident_dispatch "
                               "WHERE (?1 OR tenant_id = ?2) AND incident_id = ?3",
                               &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, id);
        r = mm__sqlite_step_row(s);
        if (r == 0) {
            mm__sqlite_copy_text(out->who, sizeof out->who, s, 0);
            out->at = sqlite3_column_int64(s, 1);
            mm__sqlite_copy_text(out->place, sizeof out->place, s, 2);
            mm__sqlite_copy_text(out->contact, sizeof out->contact, s, 3);
            mm__sqlite_copy_text(out->notes, sizeof out->notes, s, 4);
        }
    }
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_incident_link_alert(struct mm_store *st, const struct mm_scope *scope,
                                   const struct mm_actor *who, const struct mm_author *author,
                                   int64_t id, int64_t alert_id, int64_t now)
{
    struct mm_incident *in = calloc(1, sizeof *in);
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = in ? mm__sqlite_begin(db) : MM_ENOMEM;
    if (r != 0)
        goto out;
    r = incident_get_db(db, scope, id, in);
    if (r == 0 && in->status == MM_INCIDENT_CLOSED)
        r = MM_ESTATE;
    if (r == 0)
        r = mm__desk_cap(db, "SELECT count(*) FROM incident_timeline WHERE incident_id = ?", id,
                         MM_TIMELINE_MAX);
    if (r == 0)
        r = escalate_alert(db, who, author, in, alert_id, now);
    r = mm__sqlite_end(db, r);
out:
    free(in);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_incident_alert_ids(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                                  mm_id_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT id FROM alerts WHERE (?1 OR tenant_id = ?2) AND "
                               "incident_id = ?3 ORDER BY id",
                               &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, id);
        while (r == 0 && mm__sqlite_next(s, &r))
            r = fn(sqlite3_column_int64(s, 0), arg);
    }
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_sla_get(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                       struct mm_sla *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    out->tenant_id = tenant_id;
    out->acknowledge_minutes = MM_SLA_ACK_DEFAULT;
    out->resolve_minutes = MM_SLA_RESOLVE_DEFAULT;
    int r = mm__sqlite_prepare(db,
                               "SELECT COALESCE(s.acknowledge_minutes, 0), "
                               "COALESCE(s.resolve_minutes, 0) FROM tenants t LEFT JOIN "
                               "tenant_sla s ON s.tenant_id = t.id WHERE (?1 OR t.id = ?2) AND "
                               "t.id = ?3 AND t.id != 0",
                               &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, tenant_id);
        r = mm__sqlite_step_row(s);
        if (r == 0 && sqlite3_column_int(s, 0) > 0) {
            out->acknowledge_minutes = sqlite3_column_int(s, 0);
            out->resolve_minutes = sqlite3_column_int(s, 1);
        }
    }
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_sla_set(struct mm_store *st, const struct mm_scope *scope,
                       const struct mm_actor *who, const struct mm_sla *sla, int64_t now)
{
    sqlite3_stmt *s = NULL;
    char detail[64];
    if (!mm_scope_allows(scope, sla->tenant_id))
        return MM_ENOENT;
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(db,
                           "INSERT OR REPLACE INTO tenant_sla (tenant_id, acknowledge_minutes, "
                           "resolve_minutes, updated_at) SELECT ?1, ?2, ?3, ?4 WHERE EXISTS "
                           "(SELECT 1 FROM tenants WHERE id = ?1 AND id != 0)",
                           &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, sla->tenant_id);
        sqlite3_bind_int(s, 2, sla->acknowledge_minutes);
        sqlite3_bind_int(s, 3, sla->resolve_minutes);
        sqlite3_bind_int64(s, 4, now);
        r = mm__sqlite_step_done(s);
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_ENOENT;
    }
    snprintf(detail, sizeof detail, "acknowledge=%d resolve=%d", sla->acknowledge_minutes,
             sla->resolve_minutes);
    if (r == 0)
        r = mm__sqlite_audit_on(db, who, sla->tenant_id, "tenant.sla", "tenant", sla->tenant_id,
                                detail, now);
    r = mm__sqlite_end(db, r);
out:
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}
