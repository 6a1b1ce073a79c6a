/* SPDX-License-Identifier: Apache-2.0
 * The SQLite backend's sensor side: enrolment codes, sensors and their
 * health, idempotent event batches with alert aggregation, the alert list
 * and the alert state machine. Scoped queries use the SCOPED clause. */
#include "center/store-sqlite.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center/alert-memo.h"
#include "center/alerts.h"
#include "center/store-sqlite-mail.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/eve.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/msg.h"
#include "core/timefmt.h"

#define SCOPED      "(?1 OR tenant_id = ?2)"
#define MINUTE_USEC (60LL * 1000000)
/* An alert's seen_hour is last_seen / HOUR_USEC (migration 010). */
#define HOUR_USEC     3600000000LL
#define HOUR_USEC_SQL "3600000000"

/* ---- enrolment ---- */

int mm__sqlite_enrol_code_add(struct mm_store *st, const struct mm_actor *who, int64_t tenant_id,
                              const uint8_t hash[MM_HASH_BYTES], int64_t now, int64_t expires_at)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(db,
                           "INSERT INTO enrol_codes (tenant_id, code_hash, created_at, "
                           "expires_at) SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM "
                           "tenants WHERE id = ?1 AND id != 0)",
                           &stmt);
    if (r == 0) {
        sqlite3_bind_int64(stmt, 1, tenant_id);
        sqlite3_bind_blob(stmt, 2, hash, MM_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, now);
        sqlite3_bind_int64(stmt, 4, expires_at);
        r = mm__sqlite_step_done(stmt);
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_ENOENT;
    }
    if (r == 0) {
        char detail[64];
        snprintf(detail, sizeof detail, "expires_at=%lld", (long long)expires_at);
        r = mm__sqlite_audit_on(db, who, tenant_id, "enrol.code", "enrol_code",
                                sqlite3_last_insert_rowid(db), detail, now);
    }
    r = mm__sqlite_end(db, r);
out:
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

static int redeem_code(sqlite3 *db, const uint8_t code_hash[MM_HASH_BYTES], int64_t now,
                       int64_t *code_id, int64_t *tenant_id)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(
        db,
        "SELECT id, tenant_id, expires_at, used_at IS NOT NULL FROM enrol_codes WHERE "
        "code_hash = ?",
        &stmt);
    if (r != 0)
        return r;
    sqlite3_bind_blob(stmt, 1, code_hash, MM_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *code_id = sqlite3_column_int64(stmt, 0);
        *tenant_id = sqlite3_column_int64(stmt, 1);
        if (sqlite3_column_int64(stmt, 2) <= now || sqlite3_column_int(stmt, 3))
            r = MM_ESTATE;
    } else {
        r = rc == SQLITE_DONE ? MM_ENOENT : mm__sqlite_code(rc);
    }
    sqlite3_finalize(stmt);
    return r;
}

static int insert_sensor(sqlite3 *db, int64_t tenant_id, const char *name,
                         const uint8_t key_hash[MM_HASH_BYTES], int64_t now, int64_t code_id,
                         int64_t *id)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(db,
                               "INSERT INTO sensors (tenant_id, name, key_hash, enrolled_at) "
                               "VALUES (?, ?, ?, ?)",
                               &stmt);
    if (r != 0)
        return r;
    sqlite3_bind_int64(stmt, 1, tenant_id);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 3, key_hash, MM_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, now);
    r = mm__sqlite_step_done(stmt);
    sqlite3_finalize(stmt);
    if (r != 0)
        return r;
    *id = sqlite3_last_insert_rowid(db);
    char sql[160];
    snprintf(sql, sizeof sql,
             "UPDATE enrol_codes SET used_at = %lld, sensor_id = %lld WHERE id = %lld",
             (long long)now, (long long)*id, (long long)code_id);
    return mm__sqlite_exec(db, sql);
}

int mm__sqlite_enrol_redeem(struct mm_store *st, const char *address,
                            const uint8_t code_hash[MM_HASH_BYTES], const char *name,
                            const uint8_t key_hash[MM_HASH_BYTES], int64_t now,
                            struct mm_sensor *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    int64_t code_id = 0, tenant_id = 0, id = 0;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = redeem_code(db, code_hash, now, &code_id, &tenant_id);
    if (r == 0)
        r = insert_sensor(db, tenant_id, name, key_hash, now, code_id, &id);
    if (r == 0) {
        char actor[48];
        snprintf(actor, sizeof actor, "sensor:%lld", (long long)id);
        struct mm_actor who = {.name = actor, .tenant_id = tenant_id, .address = address};
        r = mm__sqlite_audit(db, &who, "sensor.enrol", actor, name, now);
    }
    r = mm__sqlite_end(db, r);
    if (r == 0) {
        memset(out, 0, sizeof *out);
        out->id = id;
        out->tenant_id = tenant_id;
        snprintf(out->name, sizeof out->name, "%s", name);
        out->enrolled_at = now;
    }
out:
    mm__sqlite_release(st, db);
    return r;
}

/* ---- sensors ---- */

#define SENSOR_COLS                                                                                \
    "id, tenant_id, name, enrolled_at, coalesce(last_seen, 0), events_total, spool_backlog, "      \
    "drops, silent_alerted, (SELECT coalesce(sum(count), 0) FROM sensor_minutes m WHERE "          \
    "m.sensor_id = sensors.id AND m.minute > ?9), coalesce(revoked_at, 0)"

static void read_sensor(sqlite3_stmt *stmt, struct mm_sensor *s)
{
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(stmt, 0);
    s->tenant_id = sqlite3_column_int64(stmt, 1);
    mm__sqlite_copy_text(s->name, sizeof s->name, stmt, 2);
    s->enrolled_at = sqlite3_column_int64(stmt, 3);
    s->last_seen = sqlite3_column_int64(stmt, 4);
    s->events_total = sqlite3_column_int64(stmt, 5);
    s->spool_backlog = sqlite3_column_int64(stmt, 6);
    s->drops = sqlite3_column_int64(stmt, 7);
    s->silent = sqlite3_column_int(stmt, 8) != 0;
    s->events_last_hour = sqlite3_column_int64(stmt, 9);
    s->revoked_at = sqlite3_column_int64(stmt, 10);
}

int mm__sqlite_sensor_find_key(struct mm_store *st, const uint8_t key_hash[MM_HASH_BYTES],
                               struct mm_sensor *out)
{
    sqlite3 *db = mm__sqlite_acquire_plain(st); /* every POST: no alert rows read */
    sqlite3_stmt *stmt;
    int r = mm__sqlite_cached(
        st, db, MM_SQL_SENSOR_KEY,
        "SELECT " SENSOR_COLS " FROM sensors WHERE key_hash = ?1 AND revoked_at IS NULL", &stmt);
    if (r == 0) {
        sqlite3_bind_blob(stmt, 1, key_hash, MM_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 9, INT64_MAX);
        r = mm__sqlite_step_row(stmt);
        if (r == 0)
            read_sensor(stmt, out);
    }
    mm__sqlite_cached_done(stmt);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_sensor_revoke(struct mm_store *st, const struct mm_actor *who, int64_t id,
                             int64_t now)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int64_t tenant = 0;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(db,
                           "UPDATE sensors SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS "
                           "NULL RETURNING tenant_id",
                           &stmt);
    if (r == 0) {
        sqlite3_bind_int64(stmt, 1, id);
        sqlite3_bind_int64(stmt, 2, now);
        r = mm__sqlite_step_row(stmt);
        if (r == 0)
            tenant = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    if (r == 0)
        r = mm__sqlite_audit_on(db, who, tenant, "sensor.revoke", "sensor", id, "", now);
    r = mm__sqlite_end(db, r);
out:
    mm__sqlite_release(st, db);
    return r;
}

static int64_t minute_of(int64_t usec)
{
    return usec / MINUTE_USEC;
}

int mm__sqlite_sensor_get(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                          int64_t now, struct mm_sensor *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(
        db, "SELECT " SENSOR_COLS " FROM sensors WHERE " SCOPED " AND id = ?3", &stmt);
    if (r == 0) {
        mm__sqlite_bind_scope(stmt, scope);
        sqlite3_bind_int64(stmt, 3, id);
        sqlite3_bind_int64(stmt, 9, minute_of(now) - 60);
        r = mm__sqlite_step_row(stmt);
        if (r == 0)
            read_sensor(stmt, out);
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_sensor_list_sql(struct mm_buf *sql, const struct mm_scope *scope, int64_t tenant_id)
{
    int r = mm_buf_puts(sql, "SELECT " SENSOR_COLS " FROM sensors WHERE ");
    r |= mm__sqlite_scope_sql(sql, scope, tenant_id, "tenant_id", 3);
    r |= mm_buf_puts(sql, " AND id > ?4 ORDER BY id LIMIT ?5");
    return r ? MM_ENOMEM : 0;
}

int mm__sqlite_sensor_list(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                           const struct mm_page *page, int64_t now, mm_sensor_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_prepare_list(db, mm__sqlite_sensor_list_sql, scope, tenant_id, &stmt);
    if (r == 0) {
        mm__sqlite_bind_scope(stmt, scope);
        sqlite3_bind_int64(stmt, 3, tenant_id);
        sqlite3_bind_int64(stmt, 4, page->has_cursor ? page->cursor_a : 0);
        sqlite3_bind_int(stmt, 5, page->limit);
        sqlite3_bind_int64(stmt, 9, minute_of(now) - 60);
        struct mm_sensor s;
        while (r == 0 && mm__sqlite_next(stmt, &r)) {
            read_sensor(stmt, &s);
            r = fn(&s, arg);
        }
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

/* ---- alerts: rows ---- */

#define ALERT_COLS                                                                                 \
    "id, tenant_id, sensor_id, signature_id, signature, detector, category, severity, device, "    \
    "src_ip, dest_ip, count, first_seen, last_seen, status, close_reason, "                        \
    "coalesce(incident_id, 0), message_ja, message_en, created_at, updated_at, filled_ja, "        \
    "filled_en"

static void read_alert(sqlite3_stmt *stmt, struct mm_alert *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(stmt, 0);
    a->tenant_id = sqlite3_column_int64(stmt, 1);
    a->sensor_id = sqlite3_column_int64(stmt, 2);
    a->signature_id = sqlite3_column_int64(stmt, 3);
    mm__sqlite_copy_text(a->signature, sizeof a->signature, stmt, 4);
    mm__sqlite_copy_text(a->detector, sizeof a->detector, stmt, 5);
    mm__sqlite_copy_text(a->category, sizeof a->category, stmt, 6);
    a->severity = sqlite3_column_int(stmt, 7);
    mm__sqlite_copy_text(a->device, sizeof a->device, stmt, 8);
    mm__sqlite_copy_text(a->src_ip, sizeof a->src_ip, stmt, 9);
    mm__sqlite_copy_text(a->dest_ip, sizeof a->dest_ip, stmt, 10);
    a->count = sqlite3_column_int64(stmt, 11);
    a->first_seen = sqlite3_column_int64(stmt, 12);
    a->last_seen = sqlite3_column_int64(stmt, 13);
    mm_alert_status_parse((const char *)sqlite3_column_text(stmt, 14), &a->status);
    mm__sqlite_copy_text(a->close_reason, sizeof a->close_reason, stmt, 15);
    a->incident_id = sqlite3_column_int64(stmt, 16);
    mm__sqlite_copy_text(a->message_ja, sizeof a->message_ja, stmt, 17);
    mm__sqlite_copy_text(a->message_en, sizeof a->message_en, stmt, 18);
    a->created_at = sqlite3_column_int64(stmt, 19);
    a->updated_at = sqlite3_column_int64(stmt, 20);
    a->filled_ja = sqlite3_column_int(stmt, 21) != 0;
    a->filled_en = sqlite3_column_int(stmt, 22) != 0;
}

/* The length of s truncated to less than max bytes on a UTF-8 character
 * boundary. */
static size_t capped_len(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= max) {
        n = max - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return n;
}

/* Binds text truncated to at most max bytes on a UTF-8 character boundary. */
static void bind_capped(sqlite3_stmt *stmt, int i, const char *s, size_t max)
{
    sqlite3_bind_text(stmt, i, s ? s : "", (int)capped_len(s, max), SQLITE_STATIC);
}

/* Inserts a new alert of count events spanning [first, last]. */
static int insert_alert(sqlite3_stmt *stmt, int64_t tenant_id, int64_t sensor_id,
                        const struct mm_ingest_alert *a, int64_t first, int64_t last, int64_t count,
                        int severity, int64_t now, int64_t last_event)
{
    struct mm_alert *sz = NULL; /* only for the field sizes */
    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, tenant_id);
    sqlite3_bind_int64(stmt, 2, sensor_id);
    sqlite3_bind_int64(stmt, 3, a->signature_id);
    bind_capped(stmt, 4, a->signature, sizeof sz->signature);
    bind_capped(stmt, 5, a->detector, sizeof sz->detector);
    bind_capped(stmt, 6, a->category, sizeof sz->category);
    sqlite3_bind_int(stmt, 7, severity);
    bind_capped(stmt, 8, a->device, sizeof sz->device);
    bind_capped(stmt, 9, a->src_ip, sizeof sz->src_ip);
    bind_capped(stmt, 10, a->dest_ip, sizeof sz->dest_ip);
    sqlite3_bind_int64(stmt, 11, first);
    sqlite3_bind_int64(stmt, 12, last);
    bind_capped(stmt, 13, a->message_ja, sizeof sz->message_ja);
    bind_capped(stmt, 14, a->message_en, sizeof sz->message_en);
    sqlite3_bind_int64(stmt, 15, now);
    sqlite3_bind_int64(stmt, 16, count);
    sqlite3_bind_int64(stmt, 17, last_event);
    sqlite3_bind_int(stmt, 18, a->filled_ja);
    sqlite3_bind_int(stmt, 19, a->filled_en);
    return mm__sqlite_step_done(stmt);
}

#define INSERT_ALERT_SQL                                                                           \
    "INSERT INTO alerts (tenant_id, sensor_id, signature_id, signature, detector, category, "      \
    "severity, device, src_ip, dest_ip, count, first_seen, last_seen, message_ja, message_en, "    \
    "created_at, updated_at, last_event_id, seen_hour, filled_ja, filled_en) VALUES (?1, ?2, ?3, " \
    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?16, ?11, ?12, ?13, ?14, ?15, ?15, NULLIF(?17, 0), "             \
    "?12 / " HOUR_USEC_SQL ", ?18, ?19)"

/* ---- ingest ----
 * A batch is stored in three steps inside one transaction: the new alert
 * events are found (a replayed (sensor, seq), in the database or earlier in
 * the batch, is a duplicate), sorted by (signature, device, time) and folded
 * run by run: a run of events of one key whose times stay within the window
 * of the alert it joins costs one look-up and one UPDATE (or INSERT),
 * however many events it holds, which keeps alert storms cheap. Then every
 * event is inserted once, already carrying its alert id (a duplicate is
 * skipped), so no event row is written twice.
 * An alert's events form a chain (migration 008): the batch's lines get the
 * ids base, base + 1, ... in order (a duplicate leaves a gap), each new alert
 * event names the previous event of its alert (alert_prev) and the alert its
 * newest one (last_event_id), so no index on events.alert_id is needed. */

#define DEVICE_CAP (sizeof((struct mm_alert *)0)->device - 1)

struct ingest_stmts {
    sqlite3_stmt *event, *find, *top, *bump, *bump_hour, *bump_rise, *insert, *exists;
    struct mm_alert_memo *memo; /* NULL: every look-up asks the database */
    struct mm_store *st;
    struct mm__sqlite_ingest *in;
    bool defer;  /* alert rows of the memo's alerts written per interval */
    int64_t now; /* the batch's time (updated_at) */
};

/* A new alert event of the batch and its place in the batch. */
struct pending {
    const struct mm_ingest_event *e;
    size_t idx;
};

/* The alert links of a batch's lines. */
struct chain {
    int64_t base;   /* the id of the batch's first line */
    int64_t *alert; /* per line: its alert, 0 for none */
    int64_t *prev;  /* per line: the previous event of its alert, 0 for none */
    size_t *run;    /* per line with an alert: its run */
    int64_t *tail;  /* per run: the newest event of its alert so far */
    size_t nruns, nlines;
};

static int chain_init(struct chain *c, size_t n)
{
    memset(c, 0, sizeof *c);
    c->nlines = n;
    if (n == 0)
        return 0;
    c->alert = calloc(n, sizeof *c->alert);
    c->prev = calloc(n, sizeof *c->prev);
    c->run = calloc(n, sizeof *c->run);
    c->tail = calloc(n, sizeof *c->tail);
    return c->alert && c->prev && c->run && c->tail ? 0 : MM_ENOMEM;
}

static void chain_free(struct chain *c)
{
    free(c->alert);
    free(c->prev);
    free(c->run);
    free(c->tail);
}

/* Links each line with an alert to the previous event of that alert, in
 * line (id) order, starting from the alert's newest stored event. */
static void chain_link(struct chain *c)
{
    for (size_t i = 0; i < c->nlines; i++) {
        if (!c->alert[i])
            continue;
        c->prev[i] = c->tail[c->run[i]];
        c->tail[c->run[i]] = c->base + (int64_t)i;
    }
}

/* The id the batch's first line gets: above every stored event. */
static int first_event_id(struct mm_store *st, sqlite3 *db, int64_t *out)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_cached(st, db, MM_SQL_EVENT_FIRST_ID,
                              "SELECT coalesce(max(id), 0) + 1 FROM events", &stmt);
    if (r != 0)
        return r;
    r = mm__sqlite_step_row(stmt);
    if (r == 0)
        *out = sqlite3_column_int64(stmt, 0);
    mm__sqlite_cached_done(stmt);
    return r;
}

/* The statements stay with the connection (mm__sqlite_cached): only reset. */
static void ingest_stmts_done(struct ingest_stmts *s)
{
    mm__sqlite_cached_done(s->event);
    mm__sqlite_cached_done(s->find);
    mm__sqlite_cached_done(s->top);
    mm__sqlite_cached_done(s->bump);
    mm__sqlite_cached_done(s->bump_hour);
    mm__sqlite_cached_done(s->bump_rise);
    mm__sqlite_cached_done(s->insert);
    mm__sqlite_cached_done(s->exists);
}

static int ingest_stmts_prepare(struct mm_store *st, sqlite3 *db, struct ingest_stmts *s)
{
    int r = mm__sqlite_cached(st, db, MM_SQL_EVENT_INSERT,
                              "INSERT INTO events (tenant_id, sensor_id, seq, ts, event_type, "
                              "body, alert_id, id, alert_prev, alert_severity, alert_updated) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULLIF(?7, 0), ?8, NULLIF(?9, 0), "
                              "?10, ?11) ON CONFLICT (sensor_id, seq) DO NOTHING",
                              &s->event);
    if (r == 0)
        r = mm__sqlite_cached(st, db, MM_SQL_ALERT_FIND,
                              "SELECT id, first_seen, last_seen, coalesce(last_event_id, 0), "
                              "severity FROM alerts WHERE tenant_id = ?1 AND signature_id = ?2 "
                              "AND device = ?3 AND seen_hour >= (?4 - ?5) / " HOUR_USEC_SQL
                              " AND last_seen >= ?4 - ?5 AND first_seen <= ?4 + ?5 AND status "
                              "!= 'closed' ORDER BY seen_hour DESC, last_seen DESC, id DESC "
                              "LIMIT 1",
                              &s->find);
    if (r == 0)
        r = mm__sqlite_cached(st, db, MM_SQL_ALERT_TOP,
                              "SELECT id, first_seen, last_seen, coalesce(last_event_id, 0), "
                              "severity FROM alerts WHERE tenant_id = ?1 AND signature_id = ?2 "
                              "AND device = ?3 AND status != 'closed' ORDER BY seen_hour DESC, "
                              "last_seen DESC, id DESC LIMIT 1",
                              &s->top);
    /* Every bump binds the same parameters; ?3 (the run's severity) is
     * written only by the rise (see fold_run). */
    if (r == 0)
        r = mm__sqlite_cached(st, db, MM_SQL_ALERT_BUMP,
                              "UPDATE alerts SET count = count + ?5, first_seen = min(first_seen, "
                              "?2), last_seen = max(last_seen, ?6), updated_at = ?4, "
                              "last_event_id = ?7 WHERE id = ?1 AND ?3 IS NOT NULL",
                              &s->bump);
    if (r == 0)
        r = mm__sqlite_cached(st, db, MM_SQL_ALERT_BUMP_HOUR,
                              "UPDATE alerts SET count = count + ?5, first_seen = min(first_seen, "
                              "?2), last_seen = max(last_seen, ?6), updated_at = ?4, "
                              "last_event_id = ?7, seen_hour = max(last_seen, ?6) / " HOUR_USEC_SQL
                              " WHERE id = ?1 AND ?3 IS NOT NULL",
                              &s->bump_hour);
    if (r == 0)
        r = mm__sqlite_cached(st, db, MM_SQL_ALERT_BUMP_RISE,
                              "UPDATE alerts SET count = count + ?5, first_seen = min(first_seen, "
                              "?2), last_seen = max(last_seen, ?6), severity = min(severity, ?3), "
                              "updated_at = ?4, last_event_id = ?7, seen_hour = max(last_seen, "
                              "?6) / " HOUR_USEC_SQL " WHERE id = ?1",
                              &s->bump_rise);
    if (r == 0)
        r = mm__sqlite_cached(st, db, MM_SQL_ALERT_INSERT, INSERT_ALERT_SQL, &s->insert);
    if (r == 0)
        r = mm__sqlite_cached(st, db, MM_SQL_EVENT_EXISTS,
                              "SELECT 1 FROM events WHERE sensor_id = ?1 AND seq = ?2", &s->exists);
    return r;
}

static int insert_event(sqlite3 *db, struct ingest_stmts *s, const struct mm_sensor *sensor,
                        const struct mm_ingest_event *e, const struct chain *c, size_t i,
                        bool *inserted)
{
    sqlite3_reset(s->event);
    sqlite3_bind_int64(s->event, 1, sensor->tenant_id);
    sqlite3_bind_int64(s->event, 2, sensor->id);
    sqlite3_bind_int64(s->event, 3, e->seq);
    sqlite3_bind_int64(s->event, 4, e->ts);
    sqlite3_bind_text(s->event, 5, e->event_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->event, 6, e->body, (int)e->body_len, SQLITE_STATIC);
    sqlite3_bind_int64(s->event, 7, c->alert[i]);
    sqlite3_bind_int64(s->event, 8, c->base + (int64_t)i);
    sqlite3_bind_int64(s->event, 9, c->prev[i]);
    if (c->alert[i]) { /* what the chain counts (alert rows written per interval) */
        sqlite3_bind_int(s->event, 10, e->alert.severity);
        sqlite3_bind_int64(s->event, 11, s->now);
    } else {
        sqlite3_bind_null(s->event, 10);
        sqlite3_bind_null(s->event, 11);
    }
    int r = mm__sqlite_step_done(s->event);
    *inserted = r == 0 && sqlite3_changes(db) > 0;
    return r;
}

static int same_key(const struct mm_ingest_event *a, const struct mm_ingest_event *b)
{
    if (a->alert.signature_id != b->alert.signature_id)
        return a->alert.signature_id < b->alert.signature_id ? -1 : 1;
    return strncmp(a->alert.device, b->alert.device, DEVICE_CAP);
}

static int pending_cmp(const void *pa, const void *pb)
{
    const struct pending *a = pa, *b = pb;
    int c = same_key(a->e, b->e);
    if (c != 0)
        return c;
    if (a->e->ts != b->e->ts)
        return a->e->ts < b->e->ts ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Reads the one alert row of a find or top query into *v (id 0: none). */
static int read_found(sqlite3_stmt *stmt, struct mm_alert_memo_val *v)
{
    int rc = sqlite3_step(stmt);
    memset(v, 0, sizeof *v);
    if (rc == SQLITE_ROW) {
        v->id = sqlite3_column_int64(stmt, 0);
        v->first = sqlite3_column_int64(stmt, 1);
        v->last = sqlite3_column_int64(stmt, 2);
        v->last_event = sqlite3_column_int64(stmt, 3);
        v->severity = sqlite3_column_int(stmt, 4);
    }
    sqlite3_reset(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : mm__sqlite_code(rc);
}

static void bind_key(sqlite3_stmt *stmt, const struct mm_sensor *sensor,
                     const struct mm_ingest_alert *a)
{
    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, sensor->tenant_id);
    sqlite3_bind_int64(stmt, 2, a->signature_id);
    bind_capped(stmt, 3, a->device, DEVICE_CAP + 1);
}

/* Finds the open alert an event at ts of this key joins (the one with the
 * highest last_seen, then id, of those whose span is within the window of
 * ts) into *v: v->id 0 when there is none. */
static int find_alert(struct ingest_stmts *s, const struct mm_sensor *sensor,
                      const struct mm_ingest_alert *a, int64_t ts, int64_t window,
                      struct mm_alert_memo_val *v)
{
    bind_key(s->find, sensor, a);
    sqlite3_bind_int64(s->find, 4, ts);
    sqlite3_bind_int64(s->find, 5, window);
    return read_found(s->find, v);
}

/* ---- alert rows written per interval ----
 * With in->flush_usec > 0 (the server: one second) a batch that folds
 * events into the alert the memo holds as its key's top does not UPDATE
 * the alert's row: the memo's value already holds the alert as it is with
 * every batch folded (first/last seen, severity, newest event), and it
 * counts the events not yet written (pending). Those rows are written with
 * what accumulated (flush_dirty): by the first batch after the interval, by
 * any thread of the process before it reads the store (mm__sqlite_acquire
 * calls mm__sqlite_alerts_flush while *in->pending is set, which is from a
 * batch's commit that left rows waiting until the commit that wrote them),
 * when the memo forgets (another connection committed, or it is full), when
 * another alert becomes its key's top, and when the store closes. An alert
 * is only ever pending while it is its key's top, so the database look-up
 * (find_alert, for events older than the top's window) never meets a stale
 * row: the top is outside that window with its true span, and its row's span
 * lies within the true one.
 * The rows are written relative to what they hold (count + pending,
 * min/max), and only where the row's last_event_id is still the one the
 * memo saw (row_event): a row another process has counted meanwhile (see
 * recovery) is left alone and counted from the chain.
 * Recovery: an alert's row counts exactly its events up to its
 * last_event_id (its chain, migration 008; each alert event carries its
 * time and, since 011, its severity). alert_flush.event_id is a watermark
 * below which every event is counted; so when what the memo held is lost (a
 * crash, a batch that failed, a memo that was switched off) or another
 * process may hold rows unwritten (alert_flush.owner is not 0 nor this
 * store's), recover_chain counts every event above the watermark and above
 * its alert's last_event_id into its row. That runs at the first batch of
 * every store and before the next batch or read after such a loss. */

/* The rows are written as the fold writes them (fold_run): an UPDATE that
 * sets seen_hour or severity moves the alert's entries in the indexes that
 * hold them (all five alert indexes hold seen_hour, two severity, migration
 * 014), whether or not the value changes, so a row is written by the
 * statement that sets only what changed since the row was last written
 * (the memo's row_last and row_severity): within its hour and without a
 * rise, as nearly always, neither, and no index entry moves (every written
 * row moved five before session 20). Each statement checks in its WHERE
 * that the row is as the memo noted (another program may have changed it:
 * then the full statement, FLUSH_RISE_SQL, writes it), so seen_hour always
 * stays last_seen's hour. ?5 is the severity, ?4 the last_seen, of the
 * events written. */
#define FLUSH_SET                                                                                  \
    "UPDATE alerts SET count = count + ?2, first_seen = min(first_seen, ?3), last_seen = "         \
    "max(last_seen, ?4), updated_at = max(updated_at, ?6), last_event_id = ?7"
#define FLUSH_WHERE    " WHERE id = ?1 AND coalesce(last_event_id, 0) = ?8"
#define FLUSH_HOUR     "max(last_seen, ?4) / " HOUR_USEC_SQL
#define FLUSH_SQL      FLUSH_SET FLUSH_WHERE " AND severity <= ?5 AND seen_hour = " FLUSH_HOUR
#define FLUSH_HOUR_SQL FLUSH_SET ", seen_hour = " FLUSH_HOUR FLUSH_WHERE " AND severity <= ?5"
#define FLUSH_RISE_SQL                                                                             \
    FLUSH_SET ", severity = min(severity, ?5), seen_hour = " FLUSH_HOUR FLUSH_WHERE

/* Adds count events spanning [first, last] of severity at most severity,
 * the newest last_event, to alert id's row through stmt (one of the
 * FLUSH_*_SQL) if its last_event_id is still row_event (and, but for
 * FLUSH_RISE_SQL, its hour and severity are as the statement expects);
 * *written false when it is not. */
static int write_row(sqlite3 *db, sqlite3_stmt *stmt, int64_t id, int64_t count, int64_t first,
                     int64_t last, int severity, int64_t updated, int64_t last_event,
                     int64_t row_event, bool *written)
{
    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, count);
    sqlite3_bind_int64(stmt, 3, first);
    sqlite3_bind_int64(stmt, 4, last);
    sqlite3_bind_int(stmt, 5, severity);
    sqlite3_bind_int64(stmt, 6, updated);
    sqlite3_bind_int64(stmt, 7, last_event);
    sqlite3_bind_int64(stmt, 8, row_event);
    int r = mm__sqlite_step_done(stmt);
    *written = r == 0 && sqlite3_changes(db) > 0;
    return r;
}

struct flush_run {
    sqlite3 *db;
    sqlite3_stmt *plain, *hour, *rise; /* FLUSH_SQL, FLUSH_HOUR_SQL, FLUSH_RISE_SQL */
    size_t missed;                     /* rows counted meanwhile by another process */
};

static int flush_prepare(struct mm_store *st, struct mm__sqlite_ingest *in, struct flush_run *f)
{
    *f = (struct flush_run){.db = in->db};
    int r = mm__sqlite_cached(st, in->db, MM_SQL_ALERT_FLUSH, FLUSH_SQL, &f->plain);
    if (r == 0)
        r = mm__sqlite_cached(st, in->db, MM_SQL_ALERT_FLUSH_HOUR, FLUSH_HOUR_SQL, &f->hour);
    if (r == 0)
        r = mm__sqlite_cached(st, in->db, MM_SQL_ALERT_FLUSH_RISE, FLUSH_RISE_SQL, &f->rise);
    return r;
}

static void flush_done(struct mm__sqlite_ingest *in, struct flush_run *f)
{
    mm__sqlite_cached_done(f->plain);
    mm__sqlite_cached_done(f->hour);
    mm__sqlite_cached_done(f->rise);
    if (f->missed)
        in->recover = true;
}

static int flush_val(struct mm_alert_memo_val *v, void *arg)
{
    struct flush_run *f = arg;
    if (v->pending <= 0 || v->id == 0)
        return 0;
    sqlite3_stmt *stmt = f->plain;
    if (v->severity < v->row_severity)
        stmt = f->rise;
    else if (v->last / HOUR_USEC != v->row_last / HOUR_USEC)
        stmt = f->hour;
    bool written;
    int r = write_row(f->db, stmt, v->id, v->pending, v->first, v->last, v->severity, v->updated,
                      v->last_event, v->row_event, &written);
    if (r == 0 && !written && stmt != f->rise) /* hour or severity not as noted */
        r = write_row(f->db, f->rise, v->id, v->pending, v->first, v->last, v->severity, v->updated,
                      v->last_event, v->row_event, &written);
    if (r == 0 && !written)
        f->missed++;
    v->pending = 0;
    return r;
}

/* Writes the row of one memo value (pending > 0). */
static int flush_one(struct mm_store *st, struct mm__sqlite_ingest *in, struct mm_alert_memo_val *v)
{
    struct flush_run f;
    int r = flush_prepare(st, in, &f);
    if (r == 0)
        r = flush_val(v, &f);
    flush_done(in, &f);
    if (in->dirty > 0)
        in->dirty--;
    return r;
}

/* Writes every row the memo holds pending, inside the caller's write
 * transaction. A row counted meanwhile by another process sets recover. */
static int flush_dirty(struct mm_store *st, struct mm__sqlite_ingest *in)
{
    if (in->dirty == 0 || !in->memo)
        return 0;
    struct flush_run f;
    int r = flush_prepare(st, in, &f);
    if (r == 0)
        r = mm_alert_memo_each(in->memo, flush_val, &f);
    flush_done(in, &f);
    if (r == 0)
        in->dirty = 0;
    return r;
}

struct chain_sum {
    int64_t id, count, first, last, newest, row_event;
    int severity;
};

/* Counts into their rows the events above the watermark that their
 * alert's row does not count yet (see above). */
static int recover_chain(struct mm__sqlite_ingest *in, int64_t now)
{
    sqlite3 *db = in->db;
    sqlite3_stmt *sel = NULL, *upd = NULL;
    struct chain_sum *sums = NULL;
    size_t n = 0, cap = 0;
    int r = mm__sqlite_prepare(
        db,
        "SELECT e.alert_id, count(*), min(e.ts), max(e.ts), max(e.id), min(coalesce("
        "e.alert_severity, 4)), coalesce(a.last_event_id, 0) FROM events e JOIN alerts a ON a.id "
        "= e.alert_id WHERE e.id > (SELECT event_id FROM alert_flush WHERE id = 1) AND "
        "e.alert_id IS NOT NULL AND e.id > coalesce(a.last_event_id, 0) GROUP BY e.alert_id",
        &sel);
    while (r == 0 && mm__sqlite_next(sel, &r)) {
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            struct chain_sum *m = realloc(sums, ncap * sizeof *m);
            if (!m) {
                r = MM_ENOMEM;
                break;
            }
            sums = m;
            cap = ncap;
        }
        sums[n++] = (struct chain_sum){.id = sqlite3_column_int64(sel, 0),
                                       .count = sqlite3_column_int64(sel, 1),
                                       .first = sqlite3_column_int64(sel, 2),
                                       .last = sqlite3_column_int64(sel, 3),
                                       .newest = sqlite3_column_int64(sel, 4),
                                       .severity = sqlite3_column_int(sel, 5),
                                       .row_event = sqlite3_column_int64(sel, 6)};
    }
    sqlite3_finalize(sel);
    sel = NULL;
    if (r == 0 && n > 0) /* rare: the statement that sets everything */
        r = mm__sqlite_prepare(db, FLUSH_RISE_SQL, &upd);
    /* updated_at: the time of the batch of the alert's newest event */
    if (r == 0 && n > 0)
        r = mm__sqlite_prepare(db, "SELECT coalesce(alert_updated, ?2) FROM events WHERE id = ?1",
                               &sel);
    for (size_t i = 0; r == 0 && i < n; i++) {
        bool written;
        int64_t updated = now;
        sqlite3_reset(sel);
        sqlite3_bind_int64(sel, 1, sums[i].newest);
        sqlite3_bind_int64(sel, 2, now);
        if (sqlite3_step(sel) == SQLITE_ROW)
            updated = sqlite3_column_int64(sel, 0);
        r = write_row(db, upd, sums[i].id, sums[i].count, sums[i].first, sums[i].last,
                      sums[i].severity, updated, sums[i].newest, sums[i].row_event, &written);
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    free(sums);
    if (r == 0 && n > 0)
        mm_log_tr(MM_LOG_INFO, "center-log", "store.rows_recounted", n);
    return r;
}

/* Moves the watermark to the newest event and gives up ownership: every
 * row counts its events now. */
static int mark_flushed(struct mm_store *st, struct mm__sqlite_ingest *in, int64_t now)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_cached(st, in->db, MM_SQL_FLUSH_MARK,
                              "UPDATE alert_flush SET event_id = (SELECT coalesce(max(id), 0) "
                              "FROM events), owner = 0 WHERE id = 1",
                              &stmt);
    if (r == 0)
        r = mm__sqlite_step_done(stmt);
    mm__sqlite_cached_done(stmt);
    if (r == 0) {
        in->owning = false;
        in->flushed_at = now;
    }
    return r;
}

/* Writes every row that waits: the memo's pending ones, and the chain's
 * when recover is set; inside the caller's write transaction. */
static int flush_all(struct mm_store *st, struct mm__sqlite_ingest *in, int64_t now)
{
    int r = flush_dirty(st, in);
    if (r == 0 && in->recover) {
        if (in->memo) /* rows change under it */
            mm_alert_memo_clear(in->memo);
        in->dirty = 0;
        r = recover_chain(in, now);
    }
    if (r == 0)
        r = mark_flushed(st, in, now);
    if (r == 0)
        in->recover = false;
    return r;
}

/* Notes in alert_flush that this store holds rows unwritten. */
static int claim_owner(struct mm_store *st, struct mm__sqlite_ingest *in)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_cached(st, in->db, MM_SQL_FLUSH_STATE,
                              "UPDATE alert_flush SET owner = ?1 WHERE id = 1", &stmt);
    if (r == 0) {
        sqlite3_bind_int64(stmt, 1, in->owner);
        r = mm__sqlite_step_done(stmt);
    }
    mm__sqlite_cached_done(stmt);
    if (r == 0)
        in->owning = true;
    return r;
}

/* Whether another process may hold rows unwritten (recover then). */
static int check_owner(struct mm__sqlite_ingest *in)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(in->db, "SELECT owner FROM alert_flush WHERE id = 1", &stmt);
    if (r == 0)
        r = mm__sqlite_step_row(stmt);
    if (r == 0) {
        int64_t owner = sqlite3_column_int64(stmt, 0);
        if (owner != 0 && owner != in->owner)
            in->recover = true;
    }
    sqlite3_finalize(stmt);
    return r;
}

/* ---- open-alert memo ----
 * find_alert's answer is, of the key's open alerts within the window of
 * ts, the one ranked first by (last_seen, id). The memo (alert-memo.h)
 * holds per key the open alert ranked first of all (its "top"), or that
 * the key has none. When the top is within the window it is the answer;
 * when there is none there is no answer; only otherwise (an event older
 * than the top's window) is the database asked. A key the memo does not
 * know costs one top query, after which it is known.
 * The memo is true while this connection is the only one writing: each
 * fold notes its alert (memo_note; last_seen only grows, so the alert
 * folded is the top when it now ranks above the old top), and any commit
 * by another connection (a status change or close, an escalation, a
 * silent-sensor alert, the admin command, another process) changes the
 * ingest connection's PRAGMA data_version; when it also changed the alert
 * rows or alert_flush (their generation alert_gen.n, bumped by triggers in
 * every writer's transaction, is not the one this connection noted at the
 * end of its own last transaction), the memo is forgotten (memo_check). A
 * commit that touched neither (a tenant added by the admin command, a
 * login, the mail scan) leaves it, and its rows waiting. A batch that fails
 * forgets it too. */

static struct mm_alert_memo_key memo_key(const struct mm_sensor *sensor,
                                         const struct mm_ingest_alert *a)
{
    return (struct mm_alert_memo_key){sensor->tenant_id, a->signature_id,
                                      a->device ? a->device : "",
                                      capped_len(a->device, DEVICE_CAP + 1)};
}

/* Puts v in the memo. A memo that cannot grow for want of memory has
 * emptied itself, which is always true (what it does not hold is asked of
 * the database), so that is no reason to fail the batch. */
static int memo_remember(struct ingest_stmts *s, const struct mm_alert_memo_key *k,
                         const struct mm_alert_memo_val *v)
{
    /* A full memo starts again empty: the rows it holds pending first. */
    if (s->in->dirty > 0 && mm_alert_memo_full(s->memo) && !mm_alert_memo_get(s->memo, k)) {
        int r = flush_dirty(s->st, s->in);
        if (r != 0)
            return r;
    }
    int r = mm_alert_memo_put(s->memo, k, v);
    return r == MM_ENOMEM ? 0 : r;
}

/* find_alert through the memo. */
static int memo_find(struct ingest_stmts *s, const struct mm_sensor *sensor,
                     const struct mm_ingest_alert *a, int64_t ts, int64_t window,
                     struct mm_alert_memo_val *v)
{
    if (!s->memo)
        return find_alert(s, sensor, a, ts, window, v);
    struct mm_alert_memo_key k = memo_key(sensor, a);
    const struct mm_alert_memo_val *top = mm_alert_memo_get(s->memo, &k);
    struct mm_alert_memo_val got;
    if (!top) {
        bind_key(s->top, sensor, a);
        int r = read_found(s->top, &got);
        if (r == 0)
            r = memo_remember(s, &k, &got);
        if (r != 0)
            return r;
        top = &got;
    }
    if (top->id && mm_alert_in_window(top->first, top->last, ts, window)) {
        *v = *top;
        return 0;
    }
    if (!top->id) {
        memset(v, 0, sizeof *v);
        return 0;
    }
    return find_alert(s, sensor, a, ts, window, v);
}

/* Whether a run of this key that joins alert id may leave the alert's row
 * to be written later: the alert is its key's top in the memo. */
static bool may_defer(struct ingest_stmts *s, const struct mm_sensor *sensor,
                      const struct mm_ingest_alert *a, int64_t id)
{
    if (!s->defer || !s->memo || id == 0)
        return false;
    struct mm_alert_memo_key k = memo_key(sensor, a);
    const struct mm_alert_memo_val *top = mm_alert_memo_get(s->memo, &k);
    return top && top->id == id;
}

/* Notes in the memo that alert v (just folded, n events) is open with
 * these values. deferred: its row was not written (may_defer), the memo's
 * value is its key's top and counts the n events as pending; row_event is
 * the row's last_event_id before. */
static int memo_note(struct ingest_stmts *s, const struct mm_sensor *sensor,
                     const struct mm_ingest_alert *a, const struct mm_alert_memo_val *v,
                     bool deferred, int64_t n, int64_t row_event)
{
    if (!s->memo)
        return 0;
    struct mm_alert_memo_key k = memo_key(sensor, a);
    struct mm_alert_memo_val *top = mm_alert_memo_get_mut(s->memo, &k);
    if (deferred) { /* top->id == v->id: may_defer, and nothing put since */
        bool rose = v->severity < top->severity;
        if (top->pending == 0) { /* the row holds top's values */
            top->row_event = row_event;
            top->row_last = top->last;
            top->row_severity = top->severity;
            s->in->dirty++;
        }
        top->pending += n;
        top->first = v->first;
        top->last = v->last;
        top->last_event = v->last_event;
        top->severity = v->severity;
        top->updated = s->now;
        /* A severity rise is written with its batch: the mail scan decides
         * on the row's severity in its own transaction, which may follow
         * this commit after the scan's write-before-read, and passes the
         * alert for good (mm__sqlite_mail_note_rise notes no rise for an
         * alert not scanned yet). Rises are rare (three levels at most). */
        if (rose)
            return flush_one(s->st, s->in, top);
        return 0;
    }
    if (!top) /* forgotten meanwhile (a full memo starts again) */
        return 0;
    bool above = v->last > top->last || (v->last == top->last && v->id >= top->id);
    if (top->id == 0 || top->id == v->id || above) {
        /* Only a top waits to be written: the one replaced is written now. */
        if (top->pending > 0) {
            int r = flush_one(s->st, s->in, top);
            if (r != 0)
                return r;
        }
        return memo_remember(s, &k, v);
    }
    return 0;
}

/* The id of the run's line that comes last in the batch. */
static int64_t newest_event(const struct chain *c, const struct pending *p, size_t n)
{
    size_t last = p[0].idx;
    for (size_t i = 1; i < n; i++)
        if (p[i].idx > last)
            last = p[i].idx;
    return c->base + (int64_t)last;
}

/* Widens a run's first/last time and severity by the alert v as stored. */
static void stored_span(const struct mm_alert_memo_val *v, int64_t *first, int64_t *last,
                        int *severity)
{
    if (v->first < *first)
        *first = v->first;
    if (v->last > *last)
        *last = v->last;
    if (v->severity < *severity)
        *severity = v->severity;
}

/* Folds the run p[0..n) (one key, ascending time, within one window) into
 * the alert *v found for it (v->id 0: a new alert) and notes that alert and
 * the run for its events in c; *v becomes the alert as stored now. A rise
 * of an existing alert's severity is noted for the emergency mail
 * (store-sqlite-mail.c). */
static int fold_run(sqlite3 *db, struct ingest_stmts *s, const struct mm_sensor *sensor,
                    const struct pending *p, size_t n, int64_t now, struct chain *c,
                    struct mm_alert_memo_val *v, bool deferred)
{
    int severity = 4;
    for (size_t i = 0; i < n; i++)
        if (p[i].e->alert.severity < severity)
            severity = p[i].e->alert.severity;
    int64_t first = p[0].e->ts, last = p[n - 1].e->ts, newest = newest_event(c, p, n);
    int64_t id = v->id, prior_event = v->last_event;
    /* An alert already joined earlier in this batch keeps one chain: its
     * newest event is then one of the batch's lines, with that line's run. */
    bool seen = id && prior_event >= c->base;
    if (seen && prior_event > newest)
        newest = prior_event;
    int r = 0;
    if (id && deferred) {
        /* The row is written later (alert rows written per interval). */
        if (severity < v->severity)
            r = mm__sqlite_mail_note_rise(db, id, v->severity, severity, now);
        stored_span(v, &first, &last, &severity);
    } else if (id) {
        /* The alert indexes hold seen_hour, not last_seen, and two hold
         * severity (014): an UPDATE that sets either moves the alert's
         * entries in them, so seen_hour is set only when the hour changes
         * (v->last is the stored last_seen) and severity only when it
         * rises (with the hour: rises are rare). */
        int64_t new_last = last > v->last ? last : v->last;
        sqlite3_stmt *bump = new_last / HOUR_USEC != v->last / HOUR_USEC ? s->bump_hour : s->bump;
        if (severity < v->severity)
            bump = s->bump_rise;
        sqlite3_reset(bump);
        sqlite3_bind_int64(bump, 1, id);
        sqlite3_bind_int64(bump, 2, first);
        sqlite3_bind_int(bump, 3, severity);
        sqlite3_bind_int64(bump, 4, now);
        sqlite3_bind_int64(bump, 5, (int64_t)n);
        sqlite3_bind_int64(bump, 6, last);
        sqlite3_bind_int64(bump, 7, newest);
        r = mm__sqlite_step_done(bump);
        if (r == 0 && severity < v->severity)
            r = mm__sqlite_mail_note_rise(db, id, v->severity, severity, now);
        stored_span(v, &first, &last, &severity);
    } else {
        /* The newest event's addresses and texts describe the alert. */
        r = insert_alert(s->insert, sensor->tenant_id, sensor->id, &p[n - 1].e->alert, first, last,
                         (int64_t)n, severity, now, newest);
        id = sqlite3_last_insert_rowid(db);
        prior_event = 0;
    }
    if (r != 0)
        return r;
    *v = (struct mm_alert_memo_val){
        .id = id, .first = first, .last = last, .last_event = newest, .severity = severity};
    size_t run = seen ? c->run[prior_event - c->base] : c->nruns++;
    if (!seen)
        c->tail[run] = prior_event;
    for (size_t i = 0; i < n; i++) {
        c->alert[p[i].idx] = id;
        c->run[p[i].idx] = run;
    }
    return 0;
}

/* Aggregates the sorted new alert events p[0..n). */
static int aggregate_all(sqlite3 *db, struct ingest_stmts *s, const struct mm_sensor *sensor,
                         const struct pending *p, size_t n, const struct mm_ingest_opts *o,
                         struct chain *c)
{
    size_t start = 0;
    int r = 0;
    while (r == 0 && start < n) {
        const struct mm_ingest_alert *a = &p[start].e->alert;
        struct mm_alert_memo_val v;
        r = memo_find(s, sensor, a, p[start].e->ts, o->alert_window, &v);
        if (r != 0)
            break;
        int64_t first = v.id ? v.first : 0, last = v.id ? v.last : p[start].e->ts;
        size_t end = start + 1;
        while (end < n && same_key(p[end].e, p[start].e) == 0 &&
               mm_alert_in_window(first, last, p[end].e->ts, o->alert_window)) {
            if (p[end].e->ts > last)
                last = p[end].e->ts;
            end++;
        }
        bool deferred = may_defer(s, sensor, a, v.id);
        int64_t row_event = v.last_event;
        r = fold_run(db, s, sensor, p + start, end - start, o->now, c, &v, deferred);
        if (r == 0)
            r = memo_note(s, sensor, a, &v, deferred, (int64_t)(end - start), row_event);
        start = end;
    }
    return r;
}

static int update_sensor_health(struct mm_store *st, sqlite3 *db, const struct mm_sensor *sensor,
                                size_t accepted, int64_t backlog, int64_t drops, int64_t now)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_cached(st, db, MM_SQL_SENSOR_HEALTH,
                              "UPDATE sensors SET last_seen = ?2, events_total = events_total + "
                              "?3, spool_backlog = CASE WHEN ?4 >= 0 THEN ?4 ELSE spool_backlog "
                              "END, drops = CASE WHEN ?5 >= 0 THEN ?5 ELSE drops END, "
                              "silent_alerted = 0 WHERE id = ?1",
                              &stmt);
    if (r != 0)
        return r;
    sqlite3_bind_int64(stmt, 1, sensor->id);
    sqlite3_bind_int64(stmt, 2, now);
    sqlite3_bind_int64(stmt, 3, (int64_t)accepted);
    sqlite3_bind_int64(stmt, 4, backlog);
    sqlite3_bind_int64(stmt, 5, drops);
    r = mm__sqlite_step_done(stmt);
    mm__sqlite_cached_done(stmt);
    if (r != 0 || accepted == 0)
        return r;
    r = mm__sqlite_cached(st, db, MM_SQL_SENSOR_MINUTE,
                          "INSERT INTO sensor_minutes (sensor_id, minute, count, tenant_id) "
                          "VALUES (?, ?, ?, ?) ON CONFLICT (sensor_id, minute) DO UPDATE SET "
                          "count = count + excluded.count",
                          &stmt);
    if (r != 0)
        return r;
    sqlite3_bind_int64(stmt, 1, sensor->id);
    sqlite3_bind_int64(stmt, 2, minute_of(now));
    sqlite3_bind_int64(stmt, 3, (int64_t)accepted);
    sqlite3_bind_int64(stmt, 4, sensor->tenant_id);
    r = mm__sqlite_step_done(stmt);
    mm__sqlite_cached_done(stmt);
    return r;
}

/* A set of the seqs seen so far in a batch (open addressing, never full). */
struct seqset {
    int64_t *slot; /* -1: empty */
    size_t mask;
};

static int seqset_init(struct seqset *set, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    set->mask = cap - 1;
    set->slot = malloc(cap * sizeof *set->slot);
    if (!set->slot)
        return MM_ENOMEM;
    memset(set->slot, 0xff, cap * sizeof *set->slot);
    return 0;
}

/* Adds seq; false when it was there already. */
static bool seqset_add(struct seqset *set, int64_t seq)
{
    size_t h = (size_t)((uint64_t)seq * 0x9E3779B97F4A7C15ULL >> 20) & set->mask;
    while (set->slot[h] != -1) {
        if (set->slot[h] == seq)
            return false;
        h = (h + 1) & set->mask;
    }
    set->slot[h] = seq;
    return true;
}

static int stored_already(struct ingest_stmts *s, const struct mm_sensor *sensor, int64_t seq,
                          bool *found)
{
    sqlite3_reset(s->exists);
    sqlite3_bind_int64(s->exists, 1, sensor->id);
    sqlite3_bind_int64(s->exists, 2, seq);
    int rc = sqlite3_step(s->exists);
    *found = rc == SQLITE_ROW;
    sqlite3_reset(s->exists);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : mm__sqlite_code(rc);
}

/* The highest seq stored for the sensor, -1 when none. */
static int max_stored_seq(struct mm_store *st, sqlite3 *db, const struct mm_sensor *sensor,
                          int64_t *out)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_cached(st, db, MM_SQL_EVENT_MAX_SEQ,
                              "SELECT max(seq) FROM events WHERE sensor_id = ?1", &stmt);
    *out = -1;
    if (r != 0)
        return r;
    sqlite3_bind_int64(stmt, 1, sensor->id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
        *out = sqlite3_column_int64(stmt, 0);
    mm__sqlite_cached_done(stmt);
    return rc == SQLITE_ROW ? 0 : mm__sqlite_code(rc);
}

/* The alert events of the batch that are new: not stored yet and not an
 * earlier line's seq. Sensors count upwards, so a batch whose seqs are all
 * above the highest one stored needs no look-up per event. */
static int find_new_alerts(struct mm_store *st, sqlite3 *db, struct ingest_stmts *s,
                           const struct mm_sensor *sensor, const struct mm_ingest_event *evs,
                           size_t n, struct pending *p, size_t *np)
{
    struct seqset set;
    int64_t max_seq, min_batch = INT64_MAX;
    for (size_t i = 0; i < n; i++)
        if (evs[i].seq < min_batch)
            min_batch = evs[i].seq;
    int r = max_stored_seq(st, db, sensor, &max_seq);
    if (r != 0)
        return r;
    bool all_new = min_batch > max_seq;
    r = seqset_init(&set, n);
    *np = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        bool found = false;
        if (!seqset_add(&set, evs[i].seq) || !evs[i].is_alert)
            continue;
        if (!all_new)
            r = stored_already(s, sensor, evs[i].seq, &found);
        if (r == 0 && !found)
            p[(*np)++] = (struct pending){&evs[i], i};
    }
    free(set.slot);
    return r;
}

/* The alert rows' generation (alert_gen.n, migration 012) as this
 * transaction sees it. */
static int read_alert_gen(struct mm_store *st, struct mm__sqlite_ingest *in, int64_t *out)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_cached(st, in->db, MM_SQL_ALERT_GEN, "SELECT n FROM alert_gen WHERE id = 1",
                              &stmt);
    if (r == 0)
        r = mm__sqlite_step_row(stmt);
    *out = r == 0 ? sqlite3_column_int64(stmt, 0) : -1;
    mm__sqlite_cached_done(stmt);
    return r;
}

/* Notes the generation this transaction leaves, its own writes included,
 * just before its COMMIT (a failed commit forgets it: ingest_failed). */
static int note_alert_gen(struct mm_store *st, struct mm__sqlite_ingest *in)
{
    return read_alert_gen(st, in, &in->alert_gen);
}

/* Forgets the memo when another connection has committed since it was
 * last known true and changed the alert rows or alert_flush (see
 * "open-alert memo"), after writing the rows it holds pending; another
 * process that may hold rows unwritten, or rows lost (recover), has the
 * chain counted. Called inside the write transaction, whose snapshot the
 * version and the generation describe. */
static int memo_check(struct mm_store *st, struct mm__sqlite_ingest *in, int64_t now)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_cached(st, in->db, MM_SQL_DATA_VERSION, "PRAGMA data_version", &stmt);
    if (r != 0)
        return r;
    r = mm__sqlite_step_row(stmt);
    int64_t v = r == 0 ? sqlite3_column_int64(stmt, 0) : 0;
    mm__sqlite_cached_done(stmt);
    if (r == 0 && v != in->data_version && in->data_version >= 0 && in->alert_gen >= 0) {
        int64_t gen;
        r = read_alert_gen(st, in, &gen);
        if (r == 0 && gen == in->alert_gen)
            in->data_version = v; /* nothing the memo holds changed */
    }
    if (r == 0 && v != in->data_version) {
        r = flush_dirty(st, in);
        if (in->memo)
            mm_alert_memo_clear(in->memo);
        in->dirty = 0;
        in->owning = false;
        if (r == 0)
            r = check_owner(in);
        if (r == 0)
            in->data_version = v;
    }
    if (r == 0 && in->recover)
        r = flush_all(st, in, now);
    return r;
}

/* Answers every reader that asked up to req (they wait on flush_cv). */
static void mark_flush_done(struct mm__sqlite_ingest *in, uint64_t req)
{
    pthread_mutex_lock(&in->flush_mu);
    if (req > in->flush_done)
        in->flush_done = req;
    pthread_cond_broadcast(&in->flush_cv);
    pthread_mutex_unlock(&in->flush_mu);
}

/* After the transaction: whether rows wait (for mm__sqlite_acquire). */
static void set_pending(struct mm__sqlite_ingest *in)
{
    /* Rows to count from the chain wait whatever flush_usec is (a store
     * with flush_ms = 0 opened after a centre with rows unwritten died). */
    __atomic_store_n(in->pending, (in->flush_usec > 0 && in->dirty > 0) || in->recover,
                     __ATOMIC_RELEASE);
}

/* What a failed transaction leaves: the memo may hold what was rolled
 * back, its rows pending are lost, and rows it wrote (a flush, a recovery)
 * are rolled back: the chain holds them all. With rows written at every
 * batch (flush_usec 0) nothing is pending and a batch's rows roll back
 * with its events: nothing to count again (a scan from a watermark that
 * such a store leaves where its first batch found it), unless a recovery
 * was due when the transaction began (had_recover): it was rolled back. */
static void ingest_failed(struct mm__sqlite_ingest *in, bool had_recover)
{
    if (in->memo)
        mm_alert_memo_clear(in->memo);
    if (in->flush_usec > 0 || in->dirty > 0 || had_recover)
        in->recover = true;
    in->dirty = 0;
    in->owning = false;
    in->data_version = -1;
    in->alert_gen = -1;
}

/* After a commit that left no row waiting: every reader that asked up to
 * req has its rows. */
static void answer_readers(struct mm__sqlite_ingest *in, uint64_t req)
{
    if (in->dirty > 0 || in->recover)
        return;
    __atomic_store_n(&in->behind_said, 0, __ATOMIC_RELEASE);
    if (req <= in->flush_seen)
        return;
    in->flush_seen = req;
    mark_flush_done(in, req);
}

/* After a flush that failed (another process holding the write lock past
 * the busy timeout, say): every reader that asked until now reads the rows
 * as they are, as the one whose flush failed does, instead of each taking
 * the ingest connection in turn for a flush that waits as long again. */
static void release_readers(struct mm__sqlite_ingest *in)
{
    mark_flush_done(in, __atomic_load_n(&in->flush_req, __ATOMIC_ACQUIRE));
}

/* Around the write lock's wait of the batch or flush holding the ingest
 * connection (lock_since, for mm__sqlite_alerts_flush's readers). */
static void lock_wait_begin(struct mm__sqlite_ingest *in)
{
    __atomic_store_n(&in->lock_since, mm_time_mono_usec(), __ATOMIC_RELEASE);
}

static void lock_wait_end(struct mm__sqlite_ingest *in)
{
    __atomic_store_n(&in->lock_since, 0, __ATOMIC_RELEASE);
}

/* Writes the waiting rows in a transaction of its own (in held), waiting
 * for the write lock until *until (NULL: the busy timeout). MM_EAGAIN when
 * the lock was not had by then: nothing changed, the rows still wait, and
 * every reader that asked reads them as they are. */
static int flush_now(struct mm_store *st, struct mm__sqlite_ingest *in,
                     const struct timespec *until)
{
    uint64_t req = __atomic_load_n(&in->flush_req, __ATOMIC_ACQUIRE);
    bool had_recover = in->recover;
    int r = 0;
    if (in->dirty > 0 || in->recover) {
        lock_wait_begin(in);
        r = until ? mm__sqlite_begin_until(in->db, until, in->busy_ms) : mm__sqlite_begin(in->db);
        lock_wait_end(in);
        /* Past the deadline (this process's writer mutex, or another
         * process's write lock: MM_EDBBUSY) the rows wait; readers go on. */
        if (r == MM_EAGAIN || (until && r == MM_EDBBUSY)) {
            r = MM_EAGAIN;
            release_readers(in);
            set_pending(in);
            return r;
        }
        if (r == 0) {
            int64_t now = mm_time_now_usec();
            r = memo_check(st, in, now);
            if (r == 0)
                r = flush_all(st, in, now);
            if (r == 0)
                r = note_alert_gen(st, in);
            r = mm__sqlite_end(in->db, r);
        }
        if (r != 0) {
            ingest_failed(in, had_recover);
            release_readers(in);
        }
    }
    if (r == 0)
        answer_readers(in, req);
    set_pending(in);
    return r;
}

#define LOCK_WAIT_MIN_USEC 10000

/* A reader's turn: it asks, and a batch in progress writes the rows in its
 * own transaction (so the reader waits for at most that batch, not for
 * every batch queued for the ingest connection, nor for a commit of its
 * own); when no batch holds the ingest connection the reader writes them.
 * When wait_ms >= 0, waits for the write lock (its own, or a batch's that
 * it waits for) end past wait_ms with MM_EAGAIN; a batch at work is waited
 * for to its end (wait_ms < 0: no limit, after the batches queued). */
int mm__sqlite_alerts_flush(struct mm_store *st, int wait_ms)
{
    struct mm__sqlite_ingest *shared = mm__sqlite_ingest_shared(st);
    if (shared->rows_off)
        return 0; /* rows read as stored (mm_store_config.alert_rows_off) */
    if (wait_ms < 0) {
        /* No limit: after the batches queued, whatever another reader's
         * give-up (release_readers) answered. */
        struct mm__sqlite_ingest *in;
        int r = mm__sqlite_ingest_acquire(st, &in);
        if (r == 0) {
            r = flush_now(st, in, NULL);
            mm__sqlite_ingest_release(st);
        }
        return r;
    }
    uint64_t want = __atomic_add_fetch(&shared->flush_req, 1, __ATOMIC_ACQ_REL);
    int64_t give_up = mm_time_mono_usec() + (int64_t)wait_ms * 1000;
    struct timespec deadline = mm_time_mono_deadline(wait_ms);
    for (;;) {
        struct mm__sqlite_ingest *in;
        int r = mm__sqlite_ingest_try(st, &in);
        if (r == 0) {
            r = flush_now(st, in, &deadline);
            mm__sqlite_ingest_release(st);
            return r;
        }
        if (r != MM_EAGAIN)
            return r;
        struct timespec until = mm_time_mono_deadline(2); /* then try the connection again */
        pthread_mutex_lock(&shared->flush_mu);
        if (shared->flush_done < want)
            pthread_cond_timedwait(&shared->flush_cv, &shared->flush_mu, &until);
        bool done = shared->flush_done >= want;
        pthread_mutex_unlock(&shared->flush_mu);
        if (done)
            return 0;
        /* A batch that works holds the connection for its own work (bounded
         * by its size) and answers: the reader waits for it whatever wait_ms.
         * Only one waiting for the write lock (another process's, or this
         * process's writer behind one) is given up on, once it has waited
         * LOCK_WAIT_MIN_USEC: an uncontended BEGIN between two batches
         * takes microseconds. */
        int64_t now = mm_time_mono_usec();
        int64_t since = __atomic_load_n(&shared->lock_since, __ATOMIC_ACQUIRE);
        if (now >= give_up && since != 0 && now - since >= LOCK_WAIT_MIN_USEC)
            return MM_EAGAIN; /* the batch in progress writes them, or the next */
    }
}

int mm__sqlite_events_ingest(struct mm_store *st, const struct mm_sensor *sensor,
                             const struct mm_ingest_event *evs, size_t n,
                             const struct mm_ingest_opts *o, struct mm_ingest_result *res)
{
    struct mm__sqlite_ingest *in;
    memset(res, 0, sizeof *res);
    if (mm__sqlite_ingest_shared(st)->rows_off)
        return MM_EINVAL; /* mm_store_config.alert_rows_off */
    int r = mm__sqlite_ingest_acquire(st, &in);
    if (r != 0)
        return r;
    sqlite3 *db = in->db;
    struct ingest_stmts s = {.memo = in->memo,
                             .st = st,
                             .in = in,
                             .defer = in->flush_usec > 0 && in->memo,
                             .now = o->now};
    struct pending *p = NULL;
    struct chain c = {0};
    size_t np = 0;
    uint64_t req = 0;
    int64_t backlog = o->header_backlog, drops = o->header_drops;
    bool had_recover = in->recover;
    lock_wait_begin(in);
    r = mm__sqlite_begin(db);
    lock_wait_end(in);
    if (r != 0)
        goto out;
    r = memo_check(st, in, o->now);
    if (r == 0)
        r = ingest_stmts_prepare(st, db, &s);
    if (r == 0)
        r = chain_init(&c, n);
    if (r == 0 && n > 0 && !(p = malloc(n * sizeof *p)))
        r = MM_ENOMEM;
    if (r == 0)
        r = first_event_id(st, db, &c.base);
    if (r == 0 && n > 0)
        r = find_new_alerts(st, db, &s, sensor, evs, n, p, &np);
    if (r == 0 && np > 0) {
        qsort(p, np, sizeof *p, pending_cmp);
        r = aggregate_all(db, &s, sensor, p, np, o, &c);
    }
    if (r == 0)
        chain_link(&c);
    for (size_t i = 0; r == 0 && i < n; i++) {
        bool inserted;
        r = insert_event(db, &s, sensor, &evs[i], &c, i, &inserted);
        if (r != 0)
            break;
        if (!inserted) {
            res->duplicates++;
            continue;
        }
        res->accepted++;
        /* (the header is counted when the request is sent, after every
         * stats event in it was written: it wins) */
        if (evs[i].has_stats && evs[i].stats_backlog >= 0 && o->header_backlog < 0)
            backlog = evs[i].stats_backlog;
        if (evs[i].has_stats && evs[i].stats_drops >= 0)
            drops = evs[i].stats_drops;
    }
    if (r == 0)
        r = update_sensor_health(st, db, sensor, res->accepted, backlog, drops, o->now);
    /* Alert rows written per interval: all of them once it has passed
     * (a clock set back starts the interval again), or when a reader asked
     * (mm__sqlite_alerts_flush). */
    req = __atomic_load_n(&in->flush_req, __ATOMIC_ACQUIRE);
    if (r == 0 && in->dirty > 0 && o->now < in->flushed_at)
        in->flushed_at = o->now;
    if (r == 0 && in->dirty > 0 &&
        (o->now - in->flushed_at >= in->flush_usec || req > in->flush_seen))
        r = flush_all(st, in, o->now);
    if (r == 0 && in->dirty > 0 && !in->owning)
        r = claim_owner(st, in);
    if (r == 0)
        r = note_alert_gen(st, in);
    ingest_stmts_done(&s);
    r = mm__sqlite_end(db, r);
out:
    if (r != 0) {
        memset(res, 0, sizeof *res);
        ingest_failed(in, had_recover);
    } else {
        answer_readers(in, req);
    }
    /* A reader that asked after this batch looked waits for it: write the
     * rows now, before the next batch queued for the connection. */
    if (r == 0 && in->flush_usec > 0 &&
        __atomic_load_n(&in->flush_req, __ATOMIC_ACQUIRE) > in->flush_seen &&
        flush_now(st, in, NULL) != 0)
        mm_log_tr(MM_LOG_WARN, "center-log", "store.rows_reader");
    set_pending(in);
    free(p);
    chain_free(&c);
    mm__sqlite_ingest_release(st);
    return r;
}

/* ---- silent sensors ---- */

static int raise_silent(sqlite3 *db, sqlite3_stmt *ins, int64_t id, int64_t tenant_id,
                        const char *name, int64_t last_seen, int64_t now)
{
    char signature[200], device[48];
    snprintf(signature, sizeof signature, "mamori sensor silent: %s", name);
    snprintf(device, sizeof device, "sensor:%lld", (long long)id);
    struct mm_ingest_alert a = {
        .signature_id = MM_SIG_SENSOR_SILENT,
        .severity = MM_SEV_MEDIUM,
        .signature = signature,
        .detector = "sensor-silent",
        .category = "Sensor health",
        .device = device,
        .message_ja = mm_tr("center", "alert.sensor_silent", MM_LANG_JA),
        .message_en = mm_tr("center", "alert.sensor_silent", MM_LANG_EN),
    };
    int64_t at = last_seen ? last_seen : now;
    int r = insert_alert(ins, tenant_id, id, &a, at, at, 1, a.severity, now, 0);
    if (r != 0)
        return r;
    char sql[96];
    snprintf(sql, sizeof sql, "UPDATE sensors SET silent_alerted = 1 WHERE id = %lld",
             (long long)id);
    return mm__sqlite_exec(db, sql);
}

int mm__sqlite_sensors_check_silent(struct mm_store *st, int64_t silent_before, int64_t now,
                                    size_t *raised)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *sel = NULL, *ins = NULL;
    *raised = 0;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(db,
                           "SELECT id, tenant_id, name, coalesce(last_seen, 0) FROM sensors WHERE "
                           "silent_alerted = 0 AND revoked_at IS NULL AND "
                           "coalesce(last_seen, enrolled_at) < ?",
                           &sel);
    if (r == 0)
        r = mm__sqlite_prepare(db, INSERT_ALERT_SQL, &ins);
    if (r == 0) {
        sqlite3_bind_int64(sel, 1, silent_before);
        while (r == 0 && mm__sqlite_next(sel, &r)) {
            r = raise_silent(db, ins, sqlite3_column_int64(sel, 0), sqlite3_column_int64(sel, 1),
                             (const char *)sqlite3_column_text(sel, 2),
                             sqlite3_column_int64(sel, 3), now);
            if (r == 0)
                (*raised)++;
        }
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    sel = ins = NULL;
    r = mm__sqlite_end(db, r);
out:
    mm__sqlite_release(st, db);
    return r;
}

/* ---- alerts: reads and status ---- */

int mm__sqlite_alert_get(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                         struct mm_alert *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(db, "SELECT " ALERT_COLS " FROM alerts WHERE " SCOPED " AND id = ?3",
                               &stmt);
    if (r == 0) {
        mm__sqlite_bind_scope(stmt, scope);
        sqlite3_bind_int64(stmt, 3, id);
        r = mm__sqlite_step_row(stmt);
        if (r == 0)
            read_alert(stmt, out);
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

/* The free-text search (?9, a LIKE pattern from like_pattern): the columns
 * a person reads or types. message_ja/message_en are the plain-language texts
 * stored with the alert at ingest (the sensor's own, else the defaults of
 * mm_ingest_alert_default_message), i.e. the headline and text the alert list
 * shows in either language. LIKE folds ASCII case only; Japanese matches as
 * written. */
#define ALERT_TEXT_MATCH                                                                           \
    " AND (signature LIKE ?9 ESCAPE '\\' OR device LIKE ?9 ESCAPE '\\'"                            \
    " OR src_ip LIKE ?9 ESCAPE '\\' OR dest_ip LIKE ?9 ESCAPE '\\'"                                \
    " OR detector LIKE ?9 ESCAPE '\\'"                                                             \
    " OR message_ja LIKE ?9 ESCAPE '\\' OR message_en LIKE ?9 ESCAPE '\\')"

/* The conditions of an alert list after its tenant, severity and status
 * ones; parameters are numbered as bind_alert_filter binds them. A list
 * split into severity arms (severity_arms) has its severity in each arm. */
static int alert_filter_sql(struct mm_buf *sql, const struct mm_alert_filter *f,
                            const struct mm_page *page, bool severity_in_arm)
{
    int r = 0;
    if (f->max_severity > 0 && !severity_in_arm)
        r |= mm_buf_puts(sql, " AND severity <= ?5");
    if (f->since > 0)
        r |= mm_buf_puts(sql, " AND seen_hour >= ?6 / " HOUR_USEC_SQL " AND last_seen >= ?6");
    if (f->until > 0)
        r |= mm_buf_puts(sql, " AND seen_hour <= ?7 / " HOUR_USEC_SQL " AND last_seen <= ?7");
    if (f->signature_id >= 0)
        r |= mm_buf_puts(sql, " AND signature_id = ?8");
    if (f->text && *f->text)
        r |= mm_buf_puts(sql, ALERT_TEXT_MATCH);
    if (page->has_cursor)
        r |= mm_buf_puts(sql, " AND seen_hour <= ?10 / " HOUR_USEC_SQL
                              " AND (last_seen, id) < (?10, ?11)");
    return r;
}

/* seen_hour is last_seen's hour, so this is the order of (last_seen, id);
 * the list indexes give it hour by hour and SQLite sorts within an hour
 * ("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"), stopping at the LIMIT. */
#define ALERT_ORDER " ORDER BY seen_hour DESC, last_seen DESC, id DESC LIMIT ?12"

/* How many severity levels a list is split into: a filter that leaves some
 * out ("1 or higher" to "3 or higher") gives one arm per level up to it, read
 * from alerts_severity or alerts_tenant_severity (migration 014); 0 (no
 * filter, or 4, which is every level) keeps one arm per status. */
static int severity_arms(const struct mm_alert_filter *f)
{
    if (f->max_severity >= MM_SEV_HIGH && f->max_severity < MM_SEV_INFO)
        return f->max_severity;
    return 0;
}

/* The index an arm reads: one tenant's (an SME's scope or the vendor's
 * tenant filter) or all tenants', per status or per severity and status
 * (migration 014). */
static const char *arm_index(bool one_tenant, bool by_severity)
{
    if (by_severity)
        return one_tenant ? "alerts_tenant_severity" : "alerts_severity";
    return one_tenant ? "alerts_tenant_status" : "alerts_status";
}

/* The alerts of one status (given as SQL text, e.g. ?4 or 'new') and, when
 * severity is above 0, of that one severity, matching the filter. An SME
 * scope with a tenant filter lists nothing unless the filter is its own
 * tenant (as every list does: center-storage.md "Tenancy"; until session 20
 * the filter was ignored and the SME's own alerts came back). seen_hour
 * is selected after the ALERT_COLS for the ORDER BY of a UNION ALL
 * (read_alert ignores it). Each arm names its index (INDEXED BY): with
 * since, until and a cursor (three bounds on seen_hour) the planner took
 * alerts_status for one tenant's list (every tenant's alerts of the hours
 * read) and for a severity arm (every severity's), and INDEXED BY makes a
 * lost index an error instead of a slow list (test-alert-list checks the
 * plans of every filter combination). */
static int alert_arm_sql(struct mm_buf *sql, const struct mm_scope *scope,
                         const struct mm_alert_filter *f, const struct mm_page *page,
                         const char *status, int severity)
{
    bool one_tenant = !scope->all_tenants || f->tenant_id >= 0;
    int r = mm_buf_printf(sql, "SELECT " ALERT_COLS ", seen_hour FROM alerts INDEXED BY %s ",
                          arm_index(one_tenant, severity > 0));
    r |= mm_buf_puts(sql, "WHERE ");
    if (!scope->all_tenants && f->tenant_id >= 0)
        r |= mm_buf_puts(sql, "tenant_id = ?2 AND ?3 = ?2"); /* another tenant's: none */
    else if (!scope->all_tenants)
        r |= mm_buf_puts(sql, "tenant_id = ?2");
    else if (f->tenant_id >= 0)
        r |= mm_buf_puts(sql, "tenant_id = ?3");
    else
        r |= mm_buf_puts(sql, "?1");
    if (severity > 0)
        r |= mm_buf_printf(sql, " AND severity = %d", severity);
    r |= mm_buf_printf(sql, " AND status = %s", status);
    return r | alert_filter_sql(sql, f, page, severity > 0);
}

/* Builds an alert list query. The indexes ordered by seen_hour are per
 * status (migrations 007 and 010: fewer index moves for ingest) and, for
 * severity filters, per severity and status (014), so a list is a UNION
 * ALL of one arm per status (the filter's, or each) and per severity level
 * it keeps, under one ORDER BY: SQLite merges the arms, each read in index
 * order, and stops at the LIMIT, so it reads the same rows in the same
 * order as one scan of all alerts. An arm with nothing to give (a level
 * absent from a status) ends at once instead of being read to its end. */
int mm__sqlite_alert_list_sql(struct mm_buf *sql, const struct mm_scope *scope,
                              const struct mm_alert_filter *f, const struct mm_page *page)
{
    int r = 0, levels = severity_arms(f);
    int from = f->status >= 0 ? -1 : MM_ALERT_NEW, to = f->status >= 0 ? -1 : MM_ALERT_CLOSED;
    for (int st = from; st <= to; st++)
        for (int sev = levels ? MM_SEV_HIGH : 0; sev <= levels; sev++) {
            char status[32] = "?4";
            if (st >= 0)
                snprintf(status, sizeof status, "'%s'",
                         mm_alert_status_name((enum mm_alert_status)st));
            if (st != from || sev > MM_SEV_HIGH)
                r |= mm_buf_puts(sql, " UNION ALL ");
            r |= alert_arm_sql(sql, scope, f, page, status, sev);
        }
    r |= mm_buf_puts(sql, ALERT_ORDER);
    return r ? MM_ENOMEM : 0;
}

/* "%text%" with LIKE's own wildcards (%, _) and the escape character (\)
 * escaped, so a search is always a literal substring test (ESCAPE '\' in
 * ALERT_TEXT_MATCH). The API bounds text (200 characters). */
static int like_pattern(const char *text, struct mm_buf *out)
{
    int r = mm_buf_putc(out, '%');
    for (const char *p = text; *p && r == 0; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            r = mm_buf_putc(out, '\\');
        if (r == 0)
            r = mm_buf_putc(out, *p);
    }
    return r ? r : mm_buf_putc(out, '%');
}

static void bind_alert_filter(sqlite3_stmt *stmt, const struct mm_scope *scope,
                              const struct mm_alert_filter *f, const struct mm_page *page,
                              const struct mm_buf *like)
{
    mm__sqlite_bind_scope(stmt, scope);
    sqlite3_bind_int64(stmt, 3, f->tenant_id);
    sqlite3_bind_text(stmt, 4,
                      mm_alert_status_name((enum mm_alert_status)(f->status < 0 ? 0 : f->status)),
                      -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 5, f->max_severity);
    sqlite3_bind_int64(stmt, 6, f->since);
    sqlite3_bind_int64(stmt, 7, f->until);
    sqlite3_bind_int64(stmt, 8, f->signature_id);
    sqlite3_bind_text(stmt, 9, mm_buf_str(like), -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 10, page->cursor_a);
    sqlite3_bind_int64(stmt, 11, page->cursor_b);
    sqlite3_bind_int(stmt, 12, page->limit);
}

int mm__sqlite_alert_list(struct mm_store *st, const struct mm_scope *scope,
                          const struct mm_alert_filter *f, const struct mm_page *page,
                          mm_alert_fn fn, void *arg)
{
    struct mm_buf sql = MM_BUF_INIT, like = MM_BUF_INIT;
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_alert_list_sql(&sql, scope, f, page);
    if (r == 0 && f->text && *f->text)
        r = like_pattern(f->text, &like);
    if (r != 0) {
        mm_buf_free(&sql);
        mm_buf_free(&like);
        return r;
    }
    sqlite3 *db = mm__sqlite_acquire(st);
    r = mm__sqlite_prepare(db, sql.data, &stmt);
    if (r == 0) {
        bind_alert_filter(stmt, scope, f, page, &like);
        struct mm_alert a;
        while (r == 0 && mm__sqlite_next(stmt, &r)) {
            read_alert(stmt, &a);
            r = fn(&a, arg);
        }
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    mm_buf_free(&sql);
    mm_buf_free(&like);
    return r;
}

static int read_alert_in_tx(sqlite3 *db, const struct mm_scope *scope, int64_t id,
                            struct mm_alert *out)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(db, "SELECT " ALERT_COLS " FROM alerts WHERE " SCOPED " AND id = ?3",
                               &stmt);
    if (r != 0)
        return r;
    mm__sqlite_bind_scope(stmt, scope);
    sqlite3_bind_int64(stmt, 3, id);
    r = mm__sqlite_step_row(stmt);
    if (r == 0)
        read_alert(stmt, out);
    sqlite3_finalize(stmt);
    return r;
}

static int write_status(sqlite3 *db, int64_t id, enum mm_alert_status to, const char *reason,
                        int64_t incident_id, int64_t now)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(db,
                               "UPDATE alerts SET status = ?2, close_reason = CASE WHEN ?2 = "
                               "'closed' THEN ?3 ELSE close_reason END, incident_id = CASE WHEN "
                               "?4 > 0 THEN ?4 ELSE incident_id END, updated_at = ?5 WHERE id = ?1",
                               &stmt);
    if (r != 0)
        return r;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, mm_alert_status_name(to), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, reason ? reason : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, incident_id);
    sqlite3_bind_int64(stmt, 5, now);
    r = mm__sqlite_step_done(stmt);
    sqlite3_finalize(stmt);
    return r;
}

/* An incident given with an escalation must exist and belong to the alert's
 * tenant (checked inside the status change's transaction): MM_ENOENT else,
 * exactly like a missing id, so another tenant's incident ids stay hidden. */
static int check_incident(sqlite3 *db, int64_t incident_id, int64_t tenant_id)
{
    sqlite3_stmt *stmt;
    if (incident_id <= 0)
        return 0;
    int r =
        mm__sqlite_prepare(db, "SELECT 1 FROM incidents WHERE id = ?1 AND tenant_id = ?2", &stmt);
    if (r != 0)
        return r;
    sqlite3_bind_int64(stmt, 1, incident_id);
    sqlite3_bind_int64(stmt, 2, tenant_id);
    r = mm__sqlite_step_row(stmt);
    sqlite3_finalize(stmt);
    return r;
}

int mm__sqlite_alert_set_status(struct mm_store *st, const struct mm_scope *scope,
                                const struct mm_actor *who, int64_t id, enum mm_alert_status to,
                                const char *reason, int64_t incident_id, int64_t now,
                                struct mm_alert *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    struct mm_alert cur;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = read_alert_in_tx(db, scope, id, &cur);
    if (r == 0 && !mm_alert_transition_ok(cur.status, to))
        r = MM_ESTATE;
    if (r == 0 && to == MM_ALERT_ESCALATED)
        r = check_incident(db, incident_id, cur.tenant_id);
    if (r == 0)
        r = write_status(db, id, to, reason, incident_id, now);
    if (r == 0) {
        char detail[640];
        snprintf(detail, sizeof detail, "%s -> %s%s%s", mm_alert_status_name(cur.status),
                 mm_alert_status_name(to), reason && *reason ? ": " : "", reason ? reason : "");
        r = mm__sqlite_audit_on(db, who, cur.tenant_id, "alert.status", "alert", id, detail, now);
    }
    if (r == 0 && out)
        r = read_alert_in_tx(db, scope, id, out);
    r = mm__sqlite_end(db, r);
out:
    mm__sqlite_release(st, db);
    return r;
}

/* The newest events of an alert: its chain from last_event_id through each
 * event's alert_prev (see migration 008), newest first. */
int mm__sqlite_alert_events(struct mm_store *st, const struct mm_scope *scope, int64_t alert_id,
                            int limit, mm_text_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(
        db,
        "WITH RECURSIVE chain(id, n) AS (SELECT last_event_id, 1 FROM alerts WHERE " SCOPED
        " AND id = ?3 AND last_event_id IS NOT NULL UNION ALL SELECT e.alert_prev, c.n + 1 FROM "
        "chain c JOIN events e ON e.id = c.id WHERE e.alert_prev IS NOT NULL AND c.n < ?4) "
        "SELECT e.body FROM chain c JOIN events e ON e.id = c.id WHERE (?1 OR e.tenant_id = ?2) "
        "AND e.alert_id = ?3 ORDER BY e.id DESC LIMIT ?4",
        &stmt);
    if (r == 0) {
        mm__sqlite_bind_scope(stmt, scope);
        sqlite3_bind_int64(stmt, 3, alert_id);
        sqlite3_bind_int(stmt, 4, limit);
        while (r == 0 && mm__sqlite_next(stmt, &r))
            r = fn((const char *)sqlite3_column_text(stmt, 0), arg);
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

int mm__sqlite_alerts_after(struct mm_store *st, int64_t after_id, int limit, mm_alert_fn fn,
                            void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(
        db, "SELECT " ALERT_COLS " FROM alerts WHERE id > ? ORDER BY id LIMIT ?", &stmt);
    if (r == 0) {
        sqlite3_bind_int64(stmt, 1, after_id);
        sqlite3_bind_int(stmt, 2, limit);
        struct mm_alert a;
        while (r == 0 && mm__sqlite_next(stmt, &r)) {
            read_alert(stmt, &a);
            r = fn(&a, arg);
        }
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}
