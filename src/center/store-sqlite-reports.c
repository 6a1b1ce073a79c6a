/* SPDX-License-Identifier: Apache-2.0
 * The SQLite backend's figures for the monthly report (alerts by severity,
 * category and kind, incidents, tickets, sensor uptime) and for the vendor
 * statistics (activity per tenant, incidents of a period), with the SQL
 * function mm_alert_kind they need. Read-only. */
#include <stdio.h>

#include "center/alerts.h"
#include "center/store-sqlite-desk.h"
#include "core/error.h"

#define HOUR_USEC   (3600LL * 1000000)
#define MINUTE_USEC (60LL * 1000000)

/* Runs sql (?1 tenant, ?2 since, ?3 until, ?4 now) and returns its first integer. */
static int count_one(sqlite3 *db, const char *sql, int64_t tenant, int64_t since, int64_t until,
                     int64_t now, int64_t *out)
{
    sqlite3_stmt *s = NULL;
    *out = 0;
    int r = mm__sqlite_prepare(db, sql, &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, tenant);
        sqlite3_bind_int64(s, 2, since);
        sqlite3_bind_int64(s, 3, until);
        if (sqlite3_bind_parameter_count(s) >= 4)
            sqlite3_bind_int64(s, 4, now);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            *out = sqlite3_column_int64(s, 0);
        r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : mm__sqlite_code(rc);
    }
    sqlite3_finalize(s);
    return r;
}

/* Runs sql (same binds) returning (key, count[, devices]) rows into out. */
static int counts(sqlite3 *db, const char *sql, int64_t tenant, int64_t since, int64_t until,
                  struct mm_count *out, int *n)
{
    sqlite3_stmt *s = NULL;
    *n = 0;
    int r = mm__sqlite_prepare(db, sql, &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, tenant);
        sqlite3_bind_int64(s, 2, since);
        sqlite3_bind_int64(s, 3, until);
        int rc;
        while (*n < MM_REPORT_TOP_MAX && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            struct mm_count *c = &out[(*n)++];
            memset(c, 0, sizeof *c);
            mm__sqlite_copy_text(c->key, sizeof c->key, s, 0);
            c->count = sqlite3_column_int64(s, 1);
            if (sqlite3_column_count(s) > 2)
                c->devices = sqlite3_column_int64(s, 2);
        }
        if (*n < MM_REPORT_TOP_MAX && rc != SQLITE_DONE)
            r = mm__sqlite_code(rc);
    }
    sqlite3_finalize(s);
    return r;
}

static int read_tenant(sqlite3 *db, const struct mm_scope *scope, int64_t tenant,
                       struct mm_monthly *out)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT name, lang FROM tenants WHERE (?1 OR id = ?2) AND id = ?3 "
                               "AND id != 0",
                               &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, tenant);
        r = mm__sqlite_step_row(s);
        if (r == 0) {
            mm__sqlite_copy_text(out->tenant_name, sizeof out->tenant_name, s, 0);
            mm__sqlite_copy_text(out->tenant_lang, sizeof out->tenant_lang, s, 1);
        }
    }
    sqlite3_finalize(s);
    return r;
}

/* mm_alert_kind(signature_id, detector) in SQL: the explanation an alert
 * gets, so the monthly advice counts alerts and devices per kind. */
static void alert_kind_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    char kind[MM_ALERT_KIND_MAX];
    (void)argc;
    const unsigned char *detector = sqlite3_value_text(argv[1]);
    mm_alert_kind(sqlite3_value_int64(argv[0]), detector ? (const char *)detector : "", kind,
                  sizeof kind);
    sqlite3_result_text(ctx, kind, -1, SQLITE_TRANSIENT);
}

int mm__sqlite_report_functions(sqlite3 *db)
{
    return sqlite3_create_function(db, "mm_alert_kind", 2,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                   alert_kind_fn, NULL, NULL) == SQLITE_OK
               ? 0
               : MM_EDB;
}

/* Alerts count in the period in which the centre received them (created_at,
 * the centre's clock when the row was made), not by the sensor's event time
 * (first_seen): a capture replayed later, or a backlog a sensor could only
 * send days after, counts in the month the centre saw it, like the open
 * alerts it adds to the dashboard. */
static int alert_figures(sqlite3 *db, struct mm_monthly *m)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT severity, count(*) FROM alerts WHERE tenant_id = ?1 AND "
                               "created_at >= ?2 AND created_at < ?3 GROUP BY severity",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, m->tenant_id);
        sqlite3_bind_int64(s, 2, m->since);
        sqlite3_bind_int64(s, 3, m->until);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            int sev = sqlite3_column_int(s, 0);
            if (sev >= 1 && sev <= 4)
                m->alerts_by_severity[sev] = sqlite3_column_int64(s, 1);
            m->alerts_total += sqlite3_column_int64(s, 1);
        }
        r = rc == SQLITE_DONE ? 0 : mm__sqlite_code(rc);
    }
    sqlite3_finalize(s);
    if (r == 0)
        r = counts(
            db,
            "SELECT CASE WHEN category != '' THEN category WHEN detector != '' THEN detector "
            "ELSE 'other' END AS c, count(*) "
            "AS n FROM alerts WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < "
            "?3 GROUP BY c ORDER BY n DESC, c",
            m->tenant_id, m->since, m->until, m->alert_categories, &m->nalert_categories);
    if (r == 0)
        r = counts(db,
                   "SELECT mm_alert_kind(signature_id, detector) AS k, count(*) AS n, "
                   "count(DISTINCT NULLIF(device, '')) FROM alerts WHERE tenant_id = ?1 AND "
                   "created_at >= ?2 AND created_at < ?3 GROUP BY k ORDER BY n DESC, k LIMIT 5",
                   m->tenant_id, m->since, m->until, m->top_kinds, &m->ntop_kinds);
    return r;
}

static int incident_figures(sqlite3 *db, struct mm_monthly *m, int64_t now)
{
    static const char *const sql[] = {
        "SELECT count(*) FROM incidents WHERE tenant_id = ?1 AND created_at >= ?2 AND "
        "created_at < ?3",
        "SELECT count(*) FROM incidents WHERE tenant_id = ?1 AND resolved_at >= ?2 AND "
        "resolved_at < ?3 AND resolved_at > 0",
        "SELECT count(*) FROM incidents WHERE tenant_id = ?1 AND created_at >= ?2 AND "
        "created_at < ?3 AND dispatched = 0",
        "SELECT count(*) FROM incidents WHERE tenant_id = ?1 AND created_at >= ?2 AND "
        "created_at < ?3 AND dispatched = 1",
        "SELECT count(*) FROM incidents i LEFT JOIN tenant_sla s ON s.tenant_id = i.tenant_id "
        "WHERE i.tenant_id = ?1 AND i.created_at >= ?2 AND i.created_at < ?3 AND ((CASE WHEN "
        "i.acknowledged_at > 0 THEN i.acknowledged_at ELSE ?4 END) - i.created_at > "
        "COALESCE(s.acknowledge_minutes, 60) * 60000000 OR (CASE WHEN i.resolved_at > 0 THEN "
        "i.resolved_at ELSE ?4 END) - i.created_at > COALESCE(s.resolve_minutes, 1440) * "
        "60000000)",
        "SELECT count(*) FROM tickets WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at "
        "< ?3",
        "SELECT count(*) FROM tickets WHERE tenant_id = ?1 AND resolved_at >= ?2 AND "
        "resolved_at < ?3 AND resolved_at > 0",
    };
    int64_t *out[] = {&m->incidents_opened, &m->incidents_closed,   &m->incidents_remote,
                      &m->incidents_onsite, &m->incidents_breached, &m->tickets_opened,
                      &m->tickets_resolved};
    int r = 0;
    for (size_t i = 0; r == 0 && i < sizeof sql / sizeof sql[0]; i++)
        r = count_one(db, sql[i], m->tenant_id, m->since, m->until, now, out[i]);
    if (r == 0)
        r = counts(db,
                   "SELECT category, count(*) AS n FROM tickets WHERE tenant_id = ?1 AND "
                   "created_at >= ?2 AND created_at < ?3 GROUP BY category ORDER BY n DESC, "
                   "category",
                   m->tenant_id, m->since, m->until, m->ticket_categories, &m->nticket_categories);
    return r;
}

/* Hours of [since, min(until, now)) after each sensor's enrolment, and the
 * hours among them with at least one event. */
static int sensor_figures(sqlite3 *db, struct mm_monthly *m, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int64_t end = m->until < now ? m->until : now;
    int r = mm__sqlite_prepare(db,
                               "SELECT s.id, s.name, s.enrolled_at, (SELECT count(DISTINCT "
                               "m.minute / 60) FROM sensor_minutes m WHERE m.sensor_id = s.id "
                               "AND m.minute >= ?2 AND m.minute < ?3) FROM sensors s WHERE "
                               "s.tenant_id = ?1 ORDER BY s.id LIMIT 32",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, m->tenant_id);
        sqlite3_bind_int64(s, 2, m->since / MINUTE_USEC);
        sqlite3_bind_int64(s, 3, end / MINUTE_USEC);
        int rc;
        while (m->nsensors < MM_REPORT_SENSORS_MAX && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            int i = m->nsensors++;
            int64_t start = sqlite3_column_int64(s, 2);
            start = start > m->since ? start - start % HOUR_USEC : m->since;
            m->sensors[i].id = sqlite3_column_int64(s, 0);
            mm__sqlite_copy_text(m->sensors[i].name, sizeof m->sensors[i].name, s, 1);
            m->sensors[i].hours_total = end > start ? (end - start + HOUR_USEC - 1) / HOUR_USEC : 0;
            m->sensors[i].hours_seen = sqlite3_column_int64(s, 3);
            if (m->sensors[i].hours_seen > m->sensors[i].hours_total)
                m->sensors[i].hours_seen = m->sensors[i].hours_total;
        }
        if (m->nsensors < MM_REPORT_SENSORS_MAX && rc != SQLITE_DONE)
            r = mm__sqlite_code(rc);
    }
    sqlite3_finalize(s);
    return r;
}

int mm__sqlite_report_monthly(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                              int64_t since, int64_t until, int64_t now, struct mm_monthly *out)
{
    memset(out, 0, sizeof *out);
    out->tenant_id = tenant_id;
    out->since = since;
    out->until = until;
    sqlite3 *db = mm__sqlite_acquire(st);
    /* One read transaction, so the figures agree with each other. */
    int r = mm__sqlite_exec(db, "BEGIN");
    if (r != 0)
        goto out;
    r = read_tenant(db, scope, tenant_id, out);
    if (r == 0)
        r = alert_figures(db, out);
    if (r == 0)
        r = incident_figures(db, out, now);
    if (r == 0)
        r = sensor_figures(db, out, now);
    mm__sqlite_exec(db, "COMMIT");
out:
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_stats_tenants(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                             int64_t since, int64_t until, mm_stats_tenant_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(
        db,
        "SELECT t.id, t.name, (SELECT count(*) FROM alerts a WHERE a.tenant_id = t.id AND "
        "a.created_at >= ?4 AND a.created_at < ?5), (SELECT count(*) FROM tickets k WHERE "
        "k.tenant_id = t.id AND k.created_at >= ?4 AND k.created_at < ?5) FROM tenants t WHERE "
        "(?1 OR t.id = ?2) AND (?3 < 0 OR t.id = ?3) AND t.id != 0 ORDER BY t.id",
        &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, tenant_id);
        sqlite3_bind_int64(s, 4, since);
        sqlite3_bind_int64(s, 5, until);
        while (r == 0 && mm__sqlite_next(s, &r)) {
            struct mm_stats_tenant t = {
                .tenant_id = sqlite3_column_int64(s, 0),
                .name = mm__sqlite_col_text(s, 1),
                .alerts = sqlite3_column_int64(s, 2),
                .tickets = sqlite3_column_int64(s, 3),
            };
            r = fn(&t, arg);
        }
    }
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_stats_incidents(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                               int64_t since, int64_t until, mm_stats_incident_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT tenant_id, created_at, acknowledged_at, resolved_at, "
                               "dispatched FROM incidents WHERE (?1 OR tenant_id = ?2) AND (?3 < "
                               "0 OR tenant_id = ?3) AND created_at >= ?4 AND created_at < ?5 "
                               "ORDER BY tenant_id, id",
                               &s);
    if (r == 0) {
        mm__sqlite_bind_scope(s, scope);
        sqlite3_bind_int64(s, 3, tenant_id);
        sqlite3_bind_int64(s, 4, since);
        sqlite3_bind_int64(s, 5, until);
        while (r == 0 && mm__sqlite_next(s, &r)) {
            struct mm_stats_incident in = {
                .tenant_id = sqlite3_column_int64(s, 0),
                .created_at = sqlite3_column_int64(s, 1),
                .acknowledged_at = sqlite3_column_int64(s, 2),
                .resolved_at = sqlite3_column_int64(s, 3),
                .dispatched = sqlite3_column_int(s, 4) != 0,
            };
            r = fn(&in, arg);
        }
    }
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}
