/* SPDX-License-Identifier: Apache-2.0
 * The SQLite backend's desk slots (tickets, incidents, SLA, reports and
 * statistics), implemented in store-sqlite-{tickets,incidents,reports}.c and
 * listed in the sqlite_ops table of store-sqlite.c, plus the small helpers
 * those three files share. Not for other callers. */
#ifndef MM_CENTER_STORE_SQLITE_DESK_H
#define MM_CENTER_STORE_SQLITE_DESK_H

#include <string.h>

#include "center/store-sqlite.h"
#include "core/error.h"

#define MM__DESK_SCOPED(col) "(?1 OR " col " = ?2)"

/* Runs a one-integer query with one bound id; MM_ELIMIT when the result is
 * at least max (the caps of desk-types.h). */
static inline int mm__desk_cap(sqlite3 *db, const char *sql, int64_t id, int64_t max)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db, sql, &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, id);
        r = sqlite3_step(s) == SQLITE_ROW ? 0 : MM_EDB;
        if (r == 0 && sqlite3_column_int64(s, 0) >= max)
            r = MM_ELIMIT;
    }
    sqlite3_finalize(s);
    return r;
}

/* store-sqlite-tickets.c */
int mm__sqlite_ticket_add(struct mm_store *st, const struct mm_scope *scope,
                          const struct mm_actor *who, const struct mm_author *author,
                          const struct mm_ticket *t, const char *body, const int64_t *alert_ids,
                          size_t nalerts, int64_t now, int64_t *id_out);
int mm__sqlite_ticket_get(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                          bool with_internal, struct mm_ticket *out);
int mm__sqlite_ticket_list(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                           int status, bool with_internal, const struct mm_page *page,
                           mm_ticket_fn fn, void *arg);
int mm__sqlite_ticket_update(struct mm_store *st, const struct mm_scope *scope,
                             const struct mm_actor *who, int64_t id, int status,
                             const char *category, int64_t now);
int mm__sqlite_ticket_message_add(struct mm_store *st, const struct mm_scope *scope,
                                  const struct mm_actor *who, const struct mm_author *author,
                                  int64_t ticket_id, const char *body, bool internal, bool reopen,
                                  int64_t now, int64_t *id_out);
int mm__sqlite_ticket_messages(struct mm_store *st, const struct mm_scope *scope, int64_t ticket_id,
                               bool with_internal, mm_ticket_message_fn fn, void *arg);
int mm__sqlite_ticket_link_alert(struct mm_store *st, const struct mm_scope *scope,
                                 const struct mm_actor *who, int64_t ticket_id, int64_t alert_id,
                                 int64_t now);
int mm__sqlite_ticket_alert_ids(struct mm_store *st, const struct mm_scope *scope,
                                int64_t ticket_id, mm_id_fn fn, void *arg);
/* Links alert_id to ticket_id within the current transaction (tenant checked). */
int mm__sqlite_ticket_link_in_tx(sqlite3 *db, int64_t tenant_id, int64_t ticket_id,
                                 int64_t alert_id);

/* store-sqlite-incidents.c */
int mm__sqlite_incident_add(struct mm_store *st, const struct mm_scope *scope,
                            const struct mm_actor *who, const struct mm_author *author,
                            const struct mm_incident *in, int64_t alert_id, int64_t now,
                            int64_t *id_out);
int mm__sqlite_incident_get(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                            struct mm_incident *out);
int mm__sqlite_incident_list(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                             int status, const struct mm_page *page, mm_incident_fn fn, void *arg);
int mm__sqlite_incident_update(struct mm_store *st, const struct mm_scope *scope,
                               const struct mm_actor *who, const struct mm_author *author,
                               const struct mm_incident *in, int64_t now);
int mm__sqlite_incident_transition(struct mm_store *st, const struct mm_scope *scope,
                                   const struct mm_actor *who, const struct mm_author *author,
                                   int64_t id, enum mm_incident_status to,
                                   const struct mm_dispatch *d, const char *outcome,
                                   const char *note, int64_t now);
int mm__sqlite_incident_note_add(struct mm_store *st, const struct mm_scope *scope,
                                 const struct mm_actor *who, const struct mm_author *author,
                                 int64_t id, const char *body, bool internal, int64_t now,
                                 int64_t *entry_id_out);
int mm__sqlite_incident_timeline(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                                 bool with_internal, mm_timeline_fn fn, void *arg);
int mm__sqlite_incident_dispatch(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                                 struct mm_dispatch *out);
int mm__sqlite_incident_link_alert(struct mm_store *st, const struct mm_scope *scope,
                                   const struct mm_actor *who, const struct mm_author *author,
                                   int64_t id, int64_t alert_id, int64_t now);
int mm__sqlite_incident_alert_ids(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                                  mm_id_fn fn, void *arg);
int mm__sqlite_sla_get(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                       struct mm_sla *out);
int mm__sqlite_sla_set(struct mm_store *st, const struct mm_scope *scope,
                       const struct mm_actor *who, const struct mm_sla *sla, int64_t now);

/* store-sqlite-reports.c */
int mm__sqlite_report_monthly(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                              int64_t since, int64_t until, int64_t now, struct mm_monthly *out);
/* Registers the SQL functions the reports use (mm_alert_kind) on db. */
int mm__sqlite_report_functions(sqlite3 *db);
int mm__sqlite_stats_tenants(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                             int64_t since, int64_t until, mm_stats_tenant_fn fn, void *arg);
int mm__sqlite_stats_incidents(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                               int64_t since, int64_t until, mm_stats_incident_fn fn, void *arg);

#endif
