/* SPDX-License-Identifier: Apache-2.0
 * Internals shared by the SQLite backend's files (store-sqlite*.c): the
 * connection pool, transaction and audit helpers, and the slots implemented
 * outside store-sqlite.c. A later resource adds its own
 * store-sqlite-<resource>.c using these helpers. Not for other callers. */
#ifndef MM_CENTER_STORE_SQLITE_H
#define MM_CENTER_STORE_SQLITE_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "center/store.h"
#include "core/buf.h"

/* Takes a free connection of the pool (waits when all are busy, unless this
 * thread holds a connection already: then it reuses or opens a spare one,
 * closed at the thread's outermost release; at most mm_store_config's
 * spares are open at once, see store-sqlite.c). Release on the thread that
 * acquired: what a thread holds is counted per thread. */
sqlite3 *mm__sqlite_acquire(struct mm_store *st);
/* The same without first writing the alert rows that wait
 * (mm__sqlite_alerts_flush): for look-ups that read no alert and run with
 * every batch (the sensor's key). */
sqlite3 *mm__sqlite_acquire_plain(struct mm_store *st);
/* The same as mm__sqlite_acquire, with the rows written whatever the wait
 * (no MM_READER_FLUSH_WAIT_MS): for the mail scan, which serves no request
 * and mails an alert's count and times. */
sqlite3 *mm__sqlite_acquire_current(struct mm_store *st);
void mm__sqlite_release(struct mm_store *st, sqlite3 *db);
/* For the tests: spare connections open now, the most open at once so far,
 * and how many were opened past the bound after waiting for it. */
void mm__sqlite_spares_stats(struct mm_store *st, int *open, int *peak, int *past_bound);
/* For the tests: threads waiting at the spares' bound now. */
int mm__sqlite_spare_waiters(struct mm_store *st);
/* MM_EDBBUSY for SQLITE_BUSY and SQLITE_LOCKED (another connection holds the
 * lock past the busy timeout), MM_EDB for any other failed SQLite call. */
int mm__sqlite_code(int rc);
/* Why the last call on db failed, for a message: the system's reason (in
 * the message language) when SQLite's failure was the system's, else
 * SQLite's own text. */
const char *mm__sqlite_failure_text(sqlite3 *db);
/* The backup slot (store-sqlite-backup.c). */
int mm__sqlite_backup(struct mm_store *st, const char *path, char *err, size_t errlen);
int mm__sqlite_exec(sqlite3 *db, const char *sql);
int mm__sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out);
/* Statements kept prepared per connection for the hot paths (each
 * sensor POST ran ten sqlite3_prepare_v2 calls, ~3 % of the centre's ingest
 * CPU): one slot per SQL text. */
enum mm_sqlite_slot {
    MM_SQL_EVENT_INSERT,
    MM_SQL_ALERT_FIND,
    MM_SQL_ALERT_BUMP,
    MM_SQL_ALERT_BUMP_HOUR,
    MM_SQL_ALERT_BUMP_RISE,
    MM_SQL_ALERT_INSERT,
    MM_SQL_EVENT_EXISTS,
    MM_SQL_EVENT_FIRST_ID,
    MM_SQL_EVENT_MAX_SEQ,
    MM_SQL_SENSOR_HEALTH,
    MM_SQL_SENSOR_MINUTE,
    MM_SQL_SENSOR_KEY,
    MM_SQL_ALERT_TOP,
    MM_SQL_DATA_VERSION,
    MM_SQL_ALERT_FLUSH,
    MM_SQL_ALERT_FLUSH_HOUR,
    MM_SQL_ALERT_FLUSH_RISE,
    MM_SQL_FLUSH_MARK,
    MM_SQL_FLUSH_STATE,
    MM_SQL_ALERT_GEN,
    MM_SQL_SLOTS
};
/* The connection db's statement for slot (prepared from sql on first use),
 * reset and with its bindings cleared. It stays owned by the connection:
 * never finalize it; reset it (mm__sqlite_cached_done) before the
 * connection is released. db must be held through mm__sqlite_acquire on st. */
int mm__sqlite_cached(struct mm_store *st, sqlite3 *db, enum mm_sqlite_slot slot, const char *sql,
                      sqlite3_stmt **out);
/* Resets a statement from mm__sqlite_cached (NULL is fine). */
void mm__sqlite_cached_done(sqlite3_stmt *stmt);
/* The ingest connection and its open-alert memo (alert-memo.h; NULL when
 * switched off). data_version is the connection's "PRAGMA data_version"
 * when the memo was last known true, -1 for never; alert_gen the alert rows'
 * generation (alert_gen.n, migration 012) at the end of this connection's
 * last transaction, -1 for unknown. */
struct mm_alert_memo;
struct mm__sqlite_ingest {
    sqlite3 *db;
    struct mm_alert_memo *memo;
    int64_t data_version;
    int64_t alert_gen;
    /* Alert rows written per interval (store-sqlite-ingest.c): 0 writes
     * them at every batch. */
    int64_t flush_usec;
    int64_t flushed_at; /* the time of the last flush of every row */
    size_t dirty;       /* memo values with pending > 0 */
    bool recover;       /* rows may lack events nobody holds: read the chain */
    bool owning;        /* alert_flush.owner is this store's */
    int64_t owner;      /* this store's number for alert_flush.owner */
    int *pending;       /* the store's flag: alert rows wait to be written */
    /* Readers ask for the rows to be written (flush_req, atomic) and wait
     * until a commit that wrote every row they need (flush_done, under
     * flush_mu, with flush_cv); a batch in progress does it in its own
     * transaction. flush_seen: the last request answered (ingest_mu). */
    uint64_t flush_req, flush_done, flush_seen;
    int behind_said; /* store.rows_behind said since the last commit with every row (atomic) */
    /* Since when (mm_time_mono_usec) the batch or flush holding the
     * connection waits for the write lock; 0 while it does not (atomic). */
    int64_t lock_since;
    bool rows_off; /* mm_store_config.alert_rows_off: no rows written, no batch */
    int busy_ms;   /* the store's busy timeout, which mm__sqlite_begin_until restores */
    pthread_mutex_t flush_mu;
    pthread_cond_t flush_cv;
};
#define MM_INGEST_MEMO_KEYS 32768
/* Takes the ingest connection (opened on first use; waits while another
 * batch holds it). Its statements are kept like the pool's
 * (mm__sqlite_cached). MM_EDB when it cannot be opened. */
int mm__sqlite_ingest_acquire(struct mm_store *st, struct mm__sqlite_ingest **out);
void mm__sqlite_ingest_release(struct mm_store *st);
/* The same without waiting: MM_EAGAIN while another thread holds it. */
int mm__sqlite_ingest_try(struct mm_store *st, struct mm__sqlite_ingest **out);
/* The ingest state for its atomics and flush_mu only (no connection). */
struct mm__sqlite_ingest *mm__sqlite_ingest_shared(struct mm_store *st);
/* Ingest without the memo from now on (tests compare both ways). */
void mm__sqlite_ingest_memo_off(struct mm_store *st);
/* Alert rows written once per usec microseconds (and before every read of
 * the store) instead of at every batch; 0 (the default) writes them at every
 * batch. Set before the first batch (mm_store_config.alert_flush_usec). */
void mm__sqlite_ingest_flush_every(struct mm_store *st, int64_t usec);
/* Writes every alert row that waits (store-sqlite-ingest.c); what
 * mm__sqlite_acquire does first on a thread that holds no connection,
 * waiting for the write lock (its own, or that of the batch in progress it
 * waits for) at most wait_ms (MM_READER_FLUSH_WAIT_MS; 0 once a read gave
 * up, until a commit leaves no row waiting): past it MM_EAGAIN, the rows
 * stay waiting and are written later. A batch in progress that is not
 * waiting for the lock is waited for to its end. wait_ms < 0: up to the
 * busy timeout (at close, the mail scan). */
int mm__sqlite_alerts_flush(struct mm_store *st, int wait_ms);
/* How long a read waits for the alert rows to be written before it reads
 * them as they are (at most one flush behind): a batch in progress takes a
 * few ms to a few tens, another process's write lock up to the busy
 * timeout. */
#define MM_READER_FLUSH_WAIT_MS 300
/* BEGIN IMMEDIATE. Writers of this process take turns on a mutex (held
 * until mm__sqlite_end), other processes wait on the busy timeout; never
 * nest write transactions on one thread. */
int mm__sqlite_begin(sqlite3 *db);
/* The same, waiting for the mutex and the write lock only until the
 * monotonic clock reaches until: MM_EAGAIN past it. Then sets db's busy
 * timeout back to busy_ms (the store's). */
int mm__sqlite_begin_until(sqlite3 *db, const struct timespec *until, int busy_ms);
/* COMMIT when r == 0, else ROLLBACK, and releases the write turn; returns
 * the final code. Harmless after a failed begin. */
int mm__sqlite_end(sqlite3 *db, int r);
/* Steps to completion: 0, MM_EEXIST on UNIQUE violations, MM_EDB otherwise. */
int mm__sqlite_step_done(sqlite3_stmt *stmt);
/* Steps to the one row a query should give: 0 on a row (read it now),
 * MM_ENOENT when there is none, MM_EDB on an error. */
int mm__sqlite_step_row(sqlite3_stmt *stmt);
/* Steps a row loop, meant for "while (r == 0 && mm__sqlite_next(stmt, &r))":
 * true on a row; false at the end, after setting *r = MM_EDB on an error. */
bool mm__sqlite_next(sqlite3_stmt *stmt, int *r);
/* Copies a text column into out (outlen > 0); NULL reads as "", a value
 * too long is cut on a UTF-8 character boundary. */
void mm__sqlite_copy_text(char *out, size_t outlen, sqlite3_stmt *stmt, int col);
/* A text column of the current row, "" for NULL (valid until the next step). */
const char *mm__sqlite_col_text(sqlite3_stmt *stmt, int col);
/* Binds ?1 and ?2 of a scoped query's "(?1 OR tenant_id = ?2)" condition. */
void mm__sqlite_bind_scope(sqlite3_stmt *stmt, const struct mm_scope *scope);
/* The tenant condition of a list (bound by mm__sqlite_bind_scope, and
 * tenant_id, the list's tenant filter, -1 for none, as ?filter_param):
 * "column = ?2" for a caller limited to its tenant (with "AND ?F = ?2":
 * another tenant's filter lists nothing), "column = ?F" for a vendor user's
 * filter, "?1" for the vendor's every tenant. Written out, the tenant index
 * serves the list; "(?1 OR column = ?2)" made SQLite scan the whole table
 * for an SME (center-storage.md "Tenancy"). */
int mm__sqlite_scope_sql(struct mm_buf *sql, const struct mm_scope *scope, int64_t tenant_id,
                         const char *column, int filter_param);
/* A list's SQL, built for its caller (mm__sqlite_scope_sql). */
typedef int (*mm__sqlite_list_sql_fn)(struct mm_buf *sql, const struct mm_scope *scope,
                                      int64_t tenant_id);
/* Builds a list's SQL for its caller with build (one of the *_list_sql
 * functions below) into a buffer of its own, prepares it on db and frees
 * the buffer; *out is NULL unless 0 is returned. */
int mm__sqlite_prepare_list(sqlite3 *db, mm__sqlite_list_sql_fn build, const struct mm_scope *scope,
                            int64_t tenant_id, sqlite3_stmt **out);
/* The SQL of the audit, user, sensor, ticket and incident lists (their
 * slots bind it), for the query-plan test (test-store-list-plan). */
int mm__sqlite_audit_list_sql(struct mm_buf *sql, const struct mm_scope *scope, int64_t tenant_id);
int mm__sqlite_user_list_sql(struct mm_buf *sql, const struct mm_scope *scope, int64_t tenant_id);
int mm__sqlite_sensor_list_sql(struct mm_buf *sql, const struct mm_scope *scope, int64_t tenant_id);
int mm__sqlite_ticket_list_sql(struct mm_buf *sql, const struct mm_scope *scope, int64_t tenant_id);
int mm__sqlite_incident_list_sql(struct mm_buf *sql, const struct mm_scope *scope,
                                 int64_t tenant_id);
/* Appends one audit row with the connection's current transaction. */
int mm__sqlite_audit(sqlite3 *db, const struct mm_actor *who, const char *action,
                     const char *target, const char *detail, int64_t now);
/* mm__sqlite_audit with target "kind:id" and the actor's tenant replaced by
 * tenant_id (the tenant whose audit log shows the row). */
int mm__sqlite_audit_on(sqlite3 *db, const struct mm_actor *who, int64_t tenant_id,
                        const char *action, const char *kind, int64_t id, const char *detail,
                        int64_t now);

/* store-sqlite-ingest.c: enrolment, sensors, events, alerts. */
/* Accounts (store-sqlite-accounts.c). */
int mm__sqlite_user_password_change(struct mm_store *st, const struct mm_scope *scope,
                                    const struct mm_actor *who, const char *action, int64_t user_id,
                                    const char *current, const char *hash, bool must_change,
                                    const uint8_t keep[MM_HASH_BYTES], int64_t now,
                                    struct mm_password_outcome *out);
int mm__sqlite_user_set_disabled(struct mm_store *st, const struct mm_scope *scope,
                                 const struct mm_actor *who, int64_t user_id, bool disabled,
                                 int64_t now);
int mm__sqlite_enrol_code_add(struct mm_store *st, const struct mm_actor *who, int64_t tenant_id,
                              const uint8_t hash[MM_HASH_BYTES], int64_t now, int64_t expires_at);
int mm__sqlite_enrol_redeem(struct mm_store *st, const char *address,
                            const uint8_t code_hash[MM_HASH_BYTES], const char *name,
                            const uint8_t key_hash[MM_HASH_BYTES], int64_t now,
                            struct mm_sensor *out);
int mm__sqlite_sensor_revoke(struct mm_store *st, const struct mm_actor *who, int64_t id,
                             int64_t now);
int mm__sqlite_sensor_find_key(struct mm_store *st, const uint8_t key_hash[MM_HASH_BYTES],
                               struct mm_sensor *out);
int mm__sqlite_sensor_get(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                          int64_t now, struct mm_sensor *out);
int mm__sqlite_sensor_list(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                           const struct mm_page *page, int64_t now, mm_sensor_fn fn, void *arg);
int mm__sqlite_sensors_check_silent(struct mm_store *st, int64_t silent_before, int64_t now,
                                    size_t *raised);
int mm__sqlite_events_ingest(struct mm_store *st, const struct mm_sensor *s,
                             const struct mm_ingest_event *evs, size_t n,
                             const struct mm_ingest_opts *opts, struct mm_ingest_result *res);
int mm__sqlite_alert_get(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                         struct mm_alert *out);
int mm__sqlite_alert_list(struct mm_store *st, const struct mm_scope *scope,
                          const struct mm_alert_filter *filter, const struct mm_page *page,
                          mm_alert_fn fn, void *arg);
/* The SQL text of alert_list's query for this scope, filter and page (its
 * parameters bound as alert_list binds them), appended to sql; MM_ENOMEM.
 * Tests read its query plan (EXPLAIN QUERY PLAN). */
int mm__sqlite_alert_list_sql(struct mm_buf *sql, const struct mm_scope *scope,
                              const struct mm_alert_filter *f, const struct mm_page *page);
int mm__sqlite_alert_set_status(struct mm_store *st, const struct mm_scope *scope,
                                const struct mm_actor *who, int64_t id, enum mm_alert_status to,
                                const char *reason, int64_t incident_id, int64_t now,
                                struct mm_alert *out);
int mm__sqlite_alerts_after(struct mm_store *st, int64_t after_id, int limit, mm_alert_fn fn,
                            void *arg);
int mm__sqlite_alert_events(struct mm_store *st, const struct mm_scope *scope, int64_t alert_id,
                            int limit, mm_text_fn fn, void *arg);

#endif
