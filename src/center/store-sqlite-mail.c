/* SPDX-License-Identifier: Apache-2.0
 * Owns the SQLite backend's emergency-mail outbox slots (store.h group
 * "emergency mail", tables of migration 004): turning new alerts into
 * outbox rows or digest items under the per-tenant throttle, queuing
 * digests when a window ends, claiming a row before sending, recording the
 * outcome, and the vendor's tenant-scoped list and resend. Every step is one
 * transaction (store-sqlite.h helpers); the states are explained in
 * docs/design/mail.md:
 *   pending -> sending -> transfer -> sent
 *   sending -> pending (SMTP failure, retried with backoff) | failed
 *   sending at start-up -> pending; transfer at start-up -> uncertain. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/mail.h"
#include "center/store-sqlite-mail.h"
#include "center/store-sqlite.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/hash.h"

#define DIGEST_LIST_MAX 100 /* alerts listed by name in one digest */
#define RECIPIENTS_MAX  4096
#define RISES_PER_ROUND 200 /* alerts with severity rises handled per scan */

#define ALERT_COLUMNS                                                                              \
    "a.id, a.tenant_id, a.signature_id, a.signature, a.detector, a.severity, a.device, "           \
    "a.src_ip, a.dest_ip, a.count, a.first_seen, a.last_seen, a.message_ja, a.message_en, "        \
    "a.filled_ja, a.filled_en"

#define ALERT_NCOLUMNS 16 /* the first column selected after ALERT_COLUMNS */

/* Reads ALERT_COLUMNS starting at column 0. */
static void alert_from_row(sqlite3_stmt *s, struct mm_alert *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    a->tenant_id = sqlite3_column_int64(s, 1);
    a->signature_id = sqlite3_column_int64(s, 2);
    mm__sqlite_copy_text(a->signature, sizeof a->signature, s, 3);
    mm__sqlite_copy_text(a->detector, sizeof a->detector, s, 4);
    a->severity = sqlite3_column_int(s, 5);
    mm__sqlite_copy_text(a->device, sizeof a->device, s, 6);
    mm__sqlite_copy_text(a->src_ip, sizeof a->src_ip, s, 7);
    mm__sqlite_copy_text(a->dest_ip, sizeof a->dest_ip, s, 8);
    a->count = sqlite3_column_int64(s, 9);
    a->first_seen = sqlite3_column_int64(s, 10);
    a->last_seen = sqlite3_column_int64(s, 11);
    mm__sqlite_copy_text(a->message_ja, sizeof a->message_ja, s, 12);
    mm__sqlite_copy_text(a->message_en, sizeof a->message_en, s, 13);
    a->filled_ja = sqlite3_column_int(s, 14) != 0;
    a->filled_en = sqlite3_column_int(s, 15) != 0;
}

/* The tenant's contacts, the vendor's users on duty and the configured duty
 * addresses, comma-separated, without repeats. */
static int recipients_of(sqlite3 *db, const struct mm_mail_config *cfg, int64_t tenant,
                         struct mm_buf *out)
{
    sqlite3_stmt *s = NULL;
    mm_buf_reset(out);
    int r = mm__sqlite_prepare(db,
                               "SELECT email FROM contacts WHERE tenant_id = ?1 UNION "
                               "SELECT email FROM users WHERE tenant_id = 0 AND on_duty = 1 AND "
                               "disabled_at IS NULL "
                               "ORDER BY 1",
                               &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, tenant);
    while (r == 0 && sqlite3_step(s) == SQLITE_ROW) {
        const char *e = (const char *)sqlite3_column_text(s, 0);
        if (e && !strchr(e, ','))
            r = mm_mail_recipients_add(out, e, RECIPIENTS_MAX);
    }
    sqlite3_finalize(s);
    if (r == 0 && cfg->duty)
        r = mm_mail_recipients_add(out, cfg->duty, RECIPIENTS_MAX); /* exact, not substring */
    return r;
}

/* A Message-ID unique across centres and restarts: kind, ids, random. */
static void make_message_id(const struct mm_mail_config *cfg, const char *kind, int64_t tenant,
                            int64_t ref, char *out, size_t outlen)
{
    uint8_t rnd[8];
    char hex[17];
    randombytes_buf(rnd, sizeof rnd);
    mm_hex(rnd, sizeof rnd, hex);
    const char *at = strchr(cfg->from, '@');
    char domain[128] = "mamori.invalid";
    if (at) {
        size_t n = strcspn(at + 1, "> ");
        snprintf(domain, sizeof domain, "%.*s", (int)(n < 127 ? n : 127), at + 1);
    }
    snprintf(out, outlen, "mamori.%s.%lld.%lld.%s@%s", kind, (long long)tenant, (long long)ref, hex,
             domain);
}

/* Renders, composes and inserts one outbox row; severity is the level of a
 * 'rise' row (0 for the other kinds). An alert's row, or a rise's row for
 * the same level, that already exists is left alone (at most once). */
static int queue_row(sqlite3 *db, const struct mm_mail_config *cfg, const char *kind,
                     int64_t tenant, int64_t alert_id, int severity, const char *recipients,
                     const struct mm_mail_text *t, int64_t now)
{
    char mid[256];
    char *msg = NULL;
    sqlite3_stmt *s = NULL;
    make_message_id(cfg, kind, tenant, alert_id ? alert_id : now, mid, sizeof mid);
    int r = mm_mail_compose(cfg->from, MM_MAIL_TO_HEADER, t, mid, now, &msg);
    if (r == 0)
        r = mm__sqlite_prepare(db,
                               "INSERT INTO mail_outbox (tenant_id, kind, alert_id, severity, "
                               "message_id, recipients, subject, message, next_attempt_at, "
                               "created_at) VALUES (?1, ?2, ?3, ?9, ?4, ?5, ?6, ?7, ?8, ?8)",
                               &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, tenant);
        sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
        if (alert_id)
            sqlite3_bind_int64(s, 3, alert_id);
        sqlite3_bind_text(s, 4, mid, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, recipients, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, t->subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, msg, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 8, now);
        if (severity)
            sqlite3_bind_int(s, 9, severity);
        r = mm__sqlite_step_done(s);
        if (r == MM_EEXIST)
            r = 0; /* this alert (or this rise) already has its mail */
    }
    sqlite3_finalize(s);
    free(msg);
    return r;
}

/* The tenant's throttle window: opens a new one when the last has ended.
 * *sent gets the immediate mails already sent in it. */
static int throttle_get(sqlite3 *db, const struct mm_mail_config *cfg, int64_t tenant, int64_t now,
                        int *sent)
{
    sqlite3_stmt *s = NULL;
    int64_t start = -1;
    *sent = 0;
    int r = mm__sqlite_prepare(
        db, "SELECT window_start, sent FROM mail_throttle WHERE tenant_id = ?1", &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, tenant);
    if (sqlite3_step(s) == SQLITE_ROW) {
        start = sqlite3_column_int64(s, 0);
        *sent = sqlite3_column_int(s, 1);
    }
    sqlite3_finalize(s);
    if (start >= 0 && now < start + (int64_t)cfg->window * 1000000)
        return 0;
    *sent = 0;
    r = mm__sqlite_prepare(db,
                           "INSERT INTO mail_throttle (tenant_id, window_start, sent) "
                           "VALUES (?1, ?2, 0) ON CONFLICT (tenant_id) DO UPDATE SET "
                           "window_start = ?2, sent = 0",
                           &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, now);
    r = mm__sqlite_step_done(s);
    sqlite3_finalize(s);
    return r;
}

static int exec_bind2(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db, sql, &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, a);
    sqlite3_bind_int64(s, 2, b);
    r = mm__sqlite_step_done(s);
    sqlite3_finalize(s);
    return r;
}

/* One alert of the scan (from_severity 0) or one severity rise of an alert
 * (from_severity: its level before): an immediate mail while the tenant's
 * window allows, else a digest item. Without any recipient nothing is queued. */
static int scan_one(sqlite3 *db, const struct mm_mail_config *cfg, const struct mm_alert *a,
                    int from_severity, const char *tenant, enum mm_lang lang, int64_t now,
                    int *queued)
{
    struct mm_buf rcpt = MM_BUF_INIT;
    struct mm_mail_text t = {0};
    int sent = 0;
    int r = recipients_of(db, cfg, a->tenant_id, &rcpt);
    if (r != 0 || rcpt.len == 0)
        goto out;
    if ((r = throttle_get(db, cfg, a->tenant_id, now, &sent)) != 0)
        goto out;
    if (sent >= cfg->immediate_max) {
        r = exec_bind2(db,
                       "INSERT OR IGNORE INTO mail_digest_items (tenant_id, alert_id, created_at) "
                       "VALUES (?1, ?2, strftime('%s','now') * 1000000)",
                       a->tenant_id, a->id);
        goto out;
    }
    r = from_severity ? mm_mail_render_rise(a, from_severity, tenant, lang, cfg->base_url, &t)
                      : mm_mail_render_alert(a, tenant, lang, cfg->base_url, &t);
    if (r == 0)
        r = queue_row(db, cfg, from_severity ? "rise" : "alert", a->tenant_id, a->id,
                      from_severity ? a->severity : 0, mm_buf_str(&rcpt), &t, now);
    if (r == 0)
        r = exec_bind2(db, "UPDATE mail_throttle SET sent = sent + 1 WHERE tenant_id = ?1 AND ?2",
                       a->tenant_id, 1);
    if (r == 0)
        (*queued)++;
out:
    mm_mail_text_free(&t);
    mm_buf_free(&rcpt);
    return r;
}

static enum mm_lang lang_of(sqlite3_stmt *s, int col)
{
    const char *l = (const char *)sqlite3_column_text(s, col);
    return l && strcmp(l, "en") == 0 ? MM_LANG_EN : MM_LANG_JA;
}

static int scan_rows(sqlite3 *db, const struct mm_mail_config *cfg, int64_t now, int *queued)
{
    sqlite3_stmt *s = NULL;
    int64_t last = 0;
    int r = mm__sqlite_prepare(db,
                               "SELECT " ALERT_COLUMNS ", t.mail_severity, t.lang, t.name "
                               "FROM alerts a JOIN tenants t ON t.id = a.tenant_id "
                               "WHERE a.id > (SELECT last_alert_id FROM mail_scan WHERE id = 1) "
                               "ORDER BY a.id LIMIT 200",
                               &s);
    if (r != 0)
        return r;
    int rc;
    while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct mm_alert a;
        alert_from_row(s, &a);
        last = a.id;
        int threshold = sqlite3_column_int(s, ALERT_NCOLUMNS);
        const char *tenant = (const char *)sqlite3_column_text(s, ALERT_NCOLUMNS + 2);
        if (a.severity <= threshold)
            r = scan_one(db, cfg, &a, 0, tenant ? tenant : "", lang_of(s, ALERT_NCOLUMNS + 1), now,
                         queued);
    }
    sqlite3_finalize(s);
    if (r == 0 && last > 0)
        r = exec_bind2(db, "UPDATE mail_scan SET last_alert_id = ?1 WHERE id = ?2", last, 1);
    return r;
}

int mm__sqlite_mail_note_rise(sqlite3 *db, int64_t alert_id, int from_severity, int severity,
                              int64_t now)
{
    sqlite3_stmt *s = NULL;
    /* An alert the scan has not reached needs no row: SQLite has one writer,
     * so the scan will read the risen severity and mail it once, at that level. */
    int r = mm__sqlite_prepare(
        db,
        "INSERT OR IGNORE INTO mail_rises (alert_id, tenant_id, severity, from_severity, "
        "created_at) SELECT a.id, a.tenant_id, ?3, ?2, ?4 FROM alerts a JOIN tenants t ON t.id = "
        "a.tenant_id WHERE a.id = ?1 AND a.id <= (SELECT last_alert_id FROM mail_scan WHERE id = "
        "1) AND ?3 <= t.mail_severity",
        &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, alert_id);
    sqlite3_bind_int(s, 2, from_severity);
    sqlite3_bind_int(s, 3, severity);
    sqlite3_bind_int64(s, 4, now);
    r = mm__sqlite_step_done(s);
    sqlite3_finalize(s);
    return r;
}

/* The alert with the oldest pending severity rise (mail_rises, filled by
 * ingest through mm__sqlite_mail_note_rise); MM_ENOENT when none is pending. */
static int oldest_rise(sqlite3 *db, int64_t *alert_id)
{
    sqlite3_stmt *s = NULL;
    *alert_id = 0;
    int r = mm__sqlite_prepare(
        db, "SELECT alert_id FROM mail_rises WHERE done = 0 ORDER BY id LIMIT 1", &s);
    if (r != 0)
        return r;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *alert_id = sqlite3_column_int64(s, 0);
    else
        r = rc == SQLITE_DONE ? MM_ENOENT : mm__sqlite_code(rc);
    sqlite3_finalize(s);
    return r;
}

/* One alert's pending rises as one mail. */
struct rise {
    struct mm_alert a; /* a.severity: the highest pending level, which the mail is about */
    int from_severity, threshold;
    enum mm_lang lang;
    char tenant[256];
};

/* Reads the alert and its pending rises (several rises waiting together
 * make one mail, at the highest level); MM_ENOENT when the alert is gone. */
static int read_rise(sqlite3 *db, int64_t alert_id, struct rise *out)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT " ALERT_COLUMNS ", t.mail_severity, t.lang, t.name, "
                               "r.sev, r.from_sev FROM (SELECT min(severity) AS sev, "
                               "max(from_severity) AS from_sev FROM mail_rises WHERE alert_id = "
                               "?1 AND done = 0) r JOIN alerts a ON a.id = ?1 JOIN tenants t ON "
                               "t.id = a.tenant_id WHERE r.sev IS NOT NULL",
                               &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, alert_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        alert_from_row(s, &out->a);
        out->threshold = sqlite3_column_int(s, ALERT_NCOLUMNS);
        out->lang = lang_of(s, ALERT_NCOLUMNS + 1);
        mm__sqlite_copy_text(out->tenant, sizeof out->tenant, s, ALERT_NCOLUMNS + 2);
        out->a.severity = sqlite3_column_int(s, ALERT_NCOLUMNS + 3);
        out->from_severity = sqlite3_column_int(s, ALERT_NCOLUMNS + 4);
    } else {
        r = rc == SQLITE_DONE ? MM_ENOENT : mm__sqlite_code(rc);
    }
    sqlite3_finalize(s);
    return r;
}

/* Turns pending rises into mail, oldest first, and marks each done in the
 * same transaction (each rise is handled once). A rise whose alert is gone,
 * or whose tenant has raised its threshold meanwhile, is marked done
 * without mail. */
static int rise_rows(sqlite3 *db, const struct mm_mail_config *cfg, int64_t now, int *queued)
{
    int r = 0;
    for (int i = 0; r == 0 && i < RISES_PER_ROUND; i++) {
        int64_t alert_id;
        struct rise *x = NULL;
        if ((r = oldest_rise(db, &alert_id)) == MM_ENOENT)
            return 0;
        if (r == 0 && !(x = calloc(1, sizeof *x)))
            r = MM_ENOMEM;
        int g = r == 0 ? read_rise(db, alert_id, x) : r;
        if (g == 0 && x->a.severity <= x->threshold)
            r = scan_one(db, cfg, &x->a, x->from_severity, x->tenant, x->lang, now, queued);
        else if (g != MM_ENOENT)
            r = g;
        if (r == 0)
            r = exec_bind2(db, "UPDATE mail_rises SET done = 1 WHERE alert_id = ?1 AND done = ?2",
                           alert_id, 0);
        free(x);
    }
    return r;
}

int mm__sqlite_mail_scan(struct mm_store *st, const struct mm_mail_config *cfg, int64_t now,
                         int *queued)
{
    *queued = 0;
    /* Rows written with no limit on the wait: the mails tell an alert's
     * count and times as of every batch acknowledged before. */
    sqlite3 *db = mm__sqlite_acquire_current(st);
    int r = mm__sqlite_begin(db);
    if (r == 0) {
        int s = scan_rows(db, cfg, now, queued);
        if (s == 0)
            s = rise_rows(db, cfg, now, queued);
        r = mm__sqlite_end(db, s);
    }
    mm__sqlite_release(st, db);
    return r;
}

/* Builds and queues the digest of one tenant, then empties its items and
 * closes its window. */
static int digest_one(sqlite3 *db, const struct mm_mail_config *cfg, int64_t tenant,
                      const char *name, enum mm_lang lang, int64_t now)
{
    struct mm_alert *items = calloc(DIGEST_LIST_MAX, sizeof *items);
    struct mm_buf rcpt = MM_BUF_INIT;
    struct mm_mail_text t = {0};
    sqlite3_stmt *s = NULL;
    size_t n = 0, count = 0;
    int r = items ? mm__sqlite_prepare(db,
                                       "SELECT " ALERT_COLUMNS " FROM mail_digest_items d JOIN "
                                       "alerts a ON a.id = d.alert_id WHERE d.tenant_id = ?1 "
                                       "ORDER BY d.id",
                                       &s)
                  : MM_ENOMEM;
    if (r == 0) {
        sqlite3_bind_int64(s, 1, tenant);
        while (sqlite3_step(s) == SQLITE_ROW) {
            if (n < DIGEST_LIST_MAX)
                alert_from_row(s, &items[n++]);
            count++;
        }
    }
    sqlite3_finalize(s);
    if (r == 0)
        r = recipients_of(db, cfg, tenant, &rcpt);
    if (r == 0 && count > 0 && rcpt.len > 0)
        r = mm_mail_render_digest(items, n, count, name, lang, (cfg->window + 59) / 60,
                                  cfg->base_url, &t);
    if (r == 0 && count > 0 && rcpt.len > 0)
        r = queue_row(db, cfg, "digest", tenant, 0, 0, mm_buf_str(&rcpt), &t, now);
    if (r == 0)
        r = exec_bind2(db, "DELETE FROM mail_digest_items WHERE tenant_id = ?1 AND ?2", tenant, 1);
    if (r == 0)
        r = exec_bind2(db, "DELETE FROM mail_throttle WHERE tenant_id = ?1 AND ?2", tenant, 1);
    mm_mail_text_free(&t);
    mm_buf_free(&rcpt);
    free(items);
    return r;
}

static int digest_rows(sqlite3 *db, const struct mm_mail_config *cfg, int64_t now, int *queued)
{
    sqlite3_stmt *s = NULL;
    int64_t tenants[64];
    char names[64][256];
    enum mm_lang langs[64];
    int n = 0;
    int r = mm__sqlite_prepare(db,
                               "SELECT m.tenant_id, t.name, t.lang FROM mail_throttle m JOIN "
                               "tenants t ON t.id = m.tenant_id WHERE m.window_start <= ?1 AND "
                               "EXISTS (SELECT 1 FROM mail_digest_items d WHERE d.tenant_id = "
                               "m.tenant_id) LIMIT 64",
                               &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, now - (int64_t)cfg->window * 1000000);
    while (n < 64 && sqlite3_step(s) == SQLITE_ROW) {
        tenants[n] = sqlite3_column_int64(s, 0);
        mm__sqlite_copy_text(names[n], sizeof names[n], s, 1);
        langs[n] = lang_of(s, 2);
        n++;
    }
    sqlite3_finalize(s);
    for (int i = 0; r == 0 && i < n; i++) {
        r = digest_one(db, cfg, tenants[i], names[i], langs[i], now);
        if (r == 0)
            (*queued)++;
    }
    return r;
}

int mm__sqlite_mail_digests(struct mm_store *st, const struct mm_mail_config *cfg, int64_t now,
                            int *queued)
{
    *queued = 0;
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r == 0)
        r = mm__sqlite_end(db, digest_rows(db, cfg, now, queued));
    mm__sqlite_release(st, db);
    return r;
}

static int count_changes(sqlite3 *db, const char *sql, int64_t now, int *n)
{
    int r = exec_bind2(db, sql, now, 0);
    *n = r == 0 ? sqlite3_changes(db) : 0;
    return r;
}

int mm__sqlite_mail_recover(struct mm_store *st, int64_t now, int *requeued, int *uncertain)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r == 0)
        r = count_changes(db,
                          "UPDATE mail_outbox SET status = 'pending', next_attempt_at = ?1 "
                          "WHERE status = 'sending' AND ?2 = 0",
                          now, requeued);
    if (r == 0)
        r = count_changes(db,
                          "UPDATE mail_outbox SET status = 'uncertain', last_error = "
                          "'the centre stopped while the SMTP server received this message' "
                          "WHERE status = 'transfer' AND ?1 AND ?2 = 0",
                          1, uncertain);
    r = mm__sqlite_end(db, r);
    mm__sqlite_release(st, db);
    return r;
}

static int claim_rows(sqlite3 *db, int64_t now, struct mm_mail_row *out)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT id, recipients, message, attempts FROM mail_outbox WHERE "
                               "status = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT 1",
                               &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, now);
    r = MM_ENOENT;
    if (sqlite3_step(s) == SQLITE_ROW) {
        out->id = sqlite3_column_int64(s, 0);
        out->recipients = strdup((const char *)sqlite3_column_text(s, 1));
        out->message = strdup((const char *)sqlite3_column_text(s, 2));
        out->attempts = sqlite3_column_int(s, 3) + 1;
        r = out->recipients && out->message ? 0 : MM_ENOMEM;
    }
    sqlite3_finalize(s);
    if (r == 0)
        r = exec_bind2(db,
                       "UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1 "
                       "WHERE id = ?1 AND ?2",
                       out->id, 1);
    return r;
}

int mm__sqlite_mail_claim(struct mm_store *st, int64_t now, struct mm_mail_row *out)
{
    memset(out, 0, sizeof *out);
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r == 0) {
        int c = claim_rows(db, now, out);
        r = mm__sqlite_end(db, c);
        if (r == 0)
            r = c;
    }
    mm__sqlite_release(st, db);
    if (r != 0)
        mm__mail_row_free(out);
    return r;
}

int mm__sqlite_mail_mark_transfer(struct mm_store *st, int64_t id)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    int r =
        exec_bind2(db, "UPDATE mail_outbox SET status = 'transfer' WHERE id = ?1 AND ?2", id, 1);
    mm__sqlite_release(st, db);
    return r;
}

/* Backoff before attempt n+1: 5 s doubling, capped at retry_max. */
static int64_t retry_delay(const struct mm_mail_config *cfg, int attempts)
{
    int64_t d = cfg->retry_max < 5 ? cfg->retry_max : 5;
    for (int i = 1; i < attempts && d < cfg->retry_max; i++)
        d *= 2;
    if (d > cfg->retry_max)
        d = cfg->retry_max;
    return d * 1000000;
}

int mm__sqlite_mail_finish(struct mm_store *st, const struct mm_mail_config *cfg, int64_t id,
                           int attempts, bool ok, const char *error, int64_t now)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *s = NULL;
    const char *sql =
        ok ? "UPDATE mail_outbox SET status = 'sent', sent_at = ?2, last_error = '' WHERE id = ?1"
        : attempts >= cfg->max_attempts
            ? "UPDATE mail_outbox SET status = 'failed', last_error = ?3 WHERE id = ?1 AND ?2"
            : "UPDATE mail_outbox SET status = 'pending', next_attempt_at = ?2, last_error = ?3 "
              "WHERE id = ?1";
    int r = mm__sqlite_prepare(db, sql, &s);
    if (r == 0) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, ok ? now : now + retry_delay(cfg, attempts));
        if (!ok)
            sqlite3_bind_text(s, 3, error ? error : "", -1, SQLITE_STATIC);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    mm__sqlite_release(st, db);
    return r;
}

/* ---- the vendor's view: list and resend (tenant-scoped) ------------------- */

static int list_rows(sqlite3 *db, const struct mm_scope *scope, const char *status,
                     int64_t tenant_id, const struct mm_page *page, mm_mail_entry_fn fn, void *arg)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(
        db,
        "SELECT id, tenant_id, kind, alert_id, message_id, recipients, subject, status, "
        "attempts, last_error, created_at, sent_at FROM mail_outbox WHERE (?1 IS NULL OR "
        "status = ?1) AND (?2 < 0 OR tenant_id = ?2) AND (?3 = 0 OR id < ?4) AND (?6 OR "
        "tenant_id = ?7) ORDER BY id DESC LIMIT ?5",
        &s);
    if (r != 0)
        return r;
    if (status)
        sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, tenant_id);
    sqlite3_bind_int(s, 3, page->has_cursor ? 1 : 0);
    sqlite3_bind_int64(s, 4, page->cursor_a);
    sqlite3_bind_int(s, 5, page->limit);
    sqlite3_bind_int(s, 6, scope->all_tenants ? 1 : 0);
    sqlite3_bind_int64(s, 7, scope->tenant_id);
    while (r == 0 && mm__sqlite_next(s, &r)) {
        struct mm_mail_entry e = {
            .id = sqlite3_column_int64(s, 0),
            .tenant_id = sqlite3_column_int64(s, 1),
            .kind = mm__sqlite_col_text(s, 2),
            .alert_id = sqlite3_column_int64(s, 3),
            .message_id = mm__sqlite_col_text(s, 4),
            .recipients = mm__sqlite_col_text(s, 5),
            .subject = mm__sqlite_col_text(s, 6),
            .status = mm__sqlite_col_text(s, 7),
            .attempts = sqlite3_column_int(s, 8),
            .last_error = mm__sqlite_col_text(s, 9),
            .created_at = sqlite3_column_int64(s, 10),
            .sent_at = sqlite3_column_int64(s, 11),
        };
        r = fn(&e, arg);
    }
    sqlite3_finalize(s);
    return r;
}

int mm__sqlite_mail_list(struct mm_store *st, const struct mm_scope *scope, const char *status,
                         int64_t tenant_id, const struct mm_page *page, mm_mail_entry_fn fn,
                         void *arg)
{
    if (status && !mm_mail_status_known(status))
        return MM_EINVAL;
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = list_rows(db, scope, status, tenant_id, page, fn, arg);
    mm__sqlite_release(st, db);
    return r;
}

/* 'uncertain' | 'failed' -> 'pending', due now; MM_ENOENT (also outside
 * scope) / MM_ESTATE. */
static int requeue(sqlite3 *db, const struct mm_scope *scope, const struct mm_actor *who,
                   int64_t id, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db, "SELECT status, tenant_id FROM mail_outbox WHERE id = ?1", &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW)
        r = rc == SQLITE_DONE ? MM_ENOENT : mm__sqlite_code(rc);
    else if (!mm_scope_allows(scope, sqlite3_column_int64(s, 1)))
        r = MM_ENOENT;
    else if (strcmp(mm__sqlite_col_text(s, 0), "uncertain") != 0 &&
             strcmp(mm__sqlite_col_text(s, 0), "failed") != 0)
        r = MM_ESTATE;
    sqlite3_finalize(s);
    if (r == 0)
        r = exec_bind2(db,
                       "UPDATE mail_outbox SET status = 'pending', next_attempt_at = ?2 "
                       "WHERE id = ?1",
                       id, now);
    if (r == 0)
        r = mm__sqlite_audit_on(db, who, who->tenant_id, "mail.resend", "mail", id, "", now);
    return r;
}

int mm__sqlite_mail_resend(struct mm_store *st, const struct mm_scope *scope,
                           const struct mm_actor *who, int64_t id, int64_t now)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r == 0)
        r = mm__sqlite_end(db, requeue(db, scope, who, id, now));
    mm__sqlite_release(st, db);
    return r;
}
