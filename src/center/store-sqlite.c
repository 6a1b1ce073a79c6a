/* SPDX-License-Identifier: Apache-2.0
 * The SQLite storage backend (store.h): one database file center.db in the
 * data directory, WAL mode, a small pool of connections (HTTP request
 * threads queue for one; a thread that holds one already gets a spare
 * connection instead of queueing), the numbered migrations embedded from data/center/migrations/
 * applied at open in one transaction, and every slot of mm_store_ops.
 * Tenant scoping is done in SQL: each scoped query carries
 * "(?all OR tenant_id = ?tenant)" so a row outside the scope is never read;
 * a list writes "tenant_id = ?tenant" out for a caller limited to one tenant
 * (mm__sqlite_scope_sql), so the tenant index serves it. */
#include "center/store.h"
#include "center/store-sqlite.h"
#include "center/sqlite-walbuf.h"
#include "center/store-sqlite-desk.h" /* desk, incidents, reports (desk work) */
#include "center/store-sqlite-mail.h" /* emergency mail */

#include "center/alert-memo.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/data.h"
#include "core/error.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/msg.h"
#include "core/str.h"
#include "core/timefmt.h"

#define MIGRATIONS_PREFIX "center/migrations/"

struct conn {
    sqlite3 *db;
    bool busy;
    int busy_ms;                        /* the busy timeout set on db (conn_timeout) */
    sqlite3_stmt *cached[MM_SQL_SLOTS]; /* see mm__sqlite_cached */
    struct conn *next;                  /* spares only: the thread's next spare */
};

/* A thread waiting at the spares' bound, in the queue of them (on its
 * stack while it waits). */
struct turn {
    struct turn *next;
};

struct sqlite_store {
    struct mm_store base;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct conn *conns;
    int nconns;
    int spare_max;         /* most spares open at once (but see turn_spare) */
    int spares_open;       /* spares open now, in all threads */
    int spares_peak;       /* the most open at once so far */
    int spares_past_bound; /* spares opened by a head that waited SPARE_CAP_WAIT_MS */
    /* The threads waiting at the bound, first come first; the head is
     * served next. head_since: when the head became the head (it came to
     * the queue empty, or the one before it left), in ms. */
    struct turn *turns, **turns_tail;
    int turns_waiting;
    int64_t head_since;
    /* The ingest connection (mm__sqlite_ingest_acquire), opened on first
     * use, and what goes with it; ingest_mu is held while it is in use. */
    pthread_mutex_t ingest_mu;
    struct conn ingest_conn;
    struct mm__sqlite_ingest ingest;
    bool memo_off;
    int alerts_pending; /* ingest.pending: alert rows wait (atomic) */
    char *path;
    bool sync_full;
    /* How long a writer waits for another process's lock (atomic: a
     * reload changes it, mm_store_set_busy_timeout); each connection takes
     * it when it is next taken (conn_timeout). */
    int busy_ms;
};

static const struct mm_store_ops sqlite_ops;
static int open_conn(const struct sqlite_store *s, sqlite3 **out, char *err, size_t errlen);
static void close_conn(struct conn *c);

/* ---- connections ----
 * Every HTTP connection has a thread of its own (http.c), so more threads
 * than the pool has connections may want one; they queue. A thread that
 * already holds a connection (pool or ingest) never queues for the pool: a
 * list whose rows look up more (incidents and their SLA), or a writer,
 * would then wait for threads that wait for it (for a connection or for the
 * write lock) once the pool ran out. It opens a spare connection instead
 * (~0.6 ms of CPU and up to 8 MiB of page cache), and keeps it until its
 * outermost release, so the rows of one list reuse one spare. Only threads
 * that hold nothing wait until a connection comes back; one whose spare
 * cannot be opened waits at most SPARE_RETRY_MS before it tries again.
 *
 * At most spare_max spares are open at once: past that, a thread that
 * holds only pool connections waits until a pool connection or a spare
 * comes back. They wait in a queue and are served in the order they came
 * (the head takes the next pool connection or place for a spare; a thread
 * that comes while others wait queues behind them even if one is free, and
 * a thread that holds nothing waits until the queue is empty).
 * A thread that may be what the others wait for never waits: the writer
 * in its transaction, the holder of the ingest connection, and a thread
 * that holds a spare already (those wait only for the first two). When
 * the head has been the head for SPARE_CAP_WAIT_MS (nothing came back to
 * it: a hold-up not foreseen here, or those threads that never wait took
 * every pool connection given back, or kept the spares at the bound with
 * their own), it opens a spare past the bound, with a warning; a long queue
 * that moves never gets there, as each head is served by the next
 * connection given back (unless one of those threads takes it). Those
 * threads still never wait: the head only stops waiting for them. In a
 * real hold-up N waiters past the bound are
 * served one a second (each head waits SPARE_CAP_WAIT_MS after the
 * previous one left). */

static __thread int held_here;            /* connections this thread holds */
static __thread struct conn *spares_here; /* its spare connections, newest first */
static __thread bool ingest_here;         /* it holds the ingest connection */
static __thread bool holding_write;       /* it holds write_mu (mm__sqlite_begin) */

/* A thread that holds a connection and cannot open a spare (out of memory
 * or files) must not wait for ever: the pool's holders may be waiting for
 * it. It tries the spare again after this long, or sooner when a pool
 * connection comes back. */
#define SPARE_RETRY_MS 200
/* The longest the head of the queue at the spares' bound waits before it
 * opens one past it (only a hold-up not foreseen above, or threads that
 * never wait taking what comes back, get there). */
#define SPARE_CAP_WAIT_MS 1000

static int64_t now_ms(void)
{
    return mm_time_mono_usec() / 1000;
}

/* Sets c's busy timeout to the store's when it changed since (a reload):
 * called by the thread that has just taken c. */
static void conn_timeout(struct sqlite_store *s, struct conn *c)
{
    int want = __atomic_load_n(&s->busy_ms, __ATOMIC_RELAXED);
    if (c->busy_ms != want) {
        sqlite3_busy_timeout(c->db, want);
        c->busy_ms = want;
    }
}

/* Opens a spare connection for this thread; NULL (err set) if it cannot. */
static sqlite3 *spare_open(struct sqlite_store *s, char *err, size_t errlen)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "%s", mm_msg_strerror(MM_ENOMEM));
        return NULL;
    }
    if (open_conn(s, &c->db, err, errlen) != 0) {
        free(c);
        return NULL;
    }
    c->busy = true;
    conn_timeout(s, c);
    c->next = spares_here;
    spares_here = c;
    return c->db;
}

static struct conn *spare_of(sqlite3 *db)
{
    for (struct conn *c = spares_here; c; c = c->next)
        if (c->db == db)
            return c;
    return NULL;
}

/* One of this thread's spares not in use, marked busy; NULL if none. */
static sqlite3 *spare_reuse(struct sqlite_store *s)
{
    for (struct conn *c = spares_here; c; c = c->next) {
        if (!c->busy) {
            c->busy = true;
            conn_timeout(s, c);
            return c->db;
        }
    }
    return NULL;
}

/* Closes this thread's spares (none is in use: its outermost release) and
 * gives their places back. */
static void spares_close(struct sqlite_store *s)
{
    int n = 0;
    while (spares_here) {
        struct conn *c = spares_here;
        spares_here = c->next;
        close_conn(c);
        free(c);
        n++;
    }
    if (n == 0)
        return;
    pthread_mutex_lock(&s->mu);
    s->spares_open -= n;
    int open_now = s->spares_open;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    mm_log(MM_LOG_DEBUG, "store: %d spare connection(s) closed, %d open", n, open_now);
}

/* Marks a free pool connection busy and returns it; NULL if none is free.
 * Called with s->mu held. */
static sqlite3 *pool_take(struct sqlite_store *s)
{
    for (int i = 0; i < s->nconns; i++) {
        if (!s->conns[i].busy) {
            s->conns[i].busy = true;
            conn_timeout(s, &s->conns[i]);
            return s->conns[i].db;
        }
    }
    return NULL;
}

/* Waits on s->cv (s->mu held) for at most ms milliseconds. */
static void wait_ms(struct sqlite_store *s, int ms)
{
    struct timespec until = mm_time_mono_deadline(ms);
    pthread_cond_timedwait(&s->cv, &s->mu, &until);
}

/* Does this thread wait at the spares' bound when it has to (it holds
 * only pool connections)? */
static bool bounded_here(void)
{
    return held_here > 0 && !holding_write && !ingest_here && !spares_here;
}

/* Puts t at the end of the queue at the bound (s->mu held). */
static void turn_queue(struct sqlite_store *s, struct turn *t)
{
    t->next = NULL;
    if (!s->turns) {
        s->turns_tail = &s->turns;
        s->head_since = now_ms();
    }
    *s->turns_tail = t;
    s->turns_tail = &t->next;
    s->turns_waiting++;
}

/* Takes t, the head, out of the queue (s->mu held). */
static void turn_done(struct sqlite_store *s, struct turn *t)
{
    s->turns = t->next; /* turn_queue sets the tail when it is empty */
    s->turns_waiting--;
    s->head_since = now_ms();
    /* The next one looks, or (the queue empty) the threads holding
     * nothing that wait behind it. */
    pthread_cond_broadcast(&s->cv);
}

/* May the head of the queue open a spare now (s->mu held)? Within the
 * bound, or when it has been the head for SPARE_CAP_WAIT_MS: then past
 * it, with a warning. A pool connection given back, or a spare closed,
 * does not start its wait again: one it did not get went to a thread that
 * never waits (the writer, the ingest holder, a spare's holder), which can
 * take every one given back for as long as it keeps asking. */
static bool turn_spare(struct sqlite_store *s)
{
    if (s->spares_open < s->spare_max)
        return true;
    if (now_ms() - s->head_since < SPARE_CAP_WAIT_MS)
        return false;
    mm_log_tr(MM_LOG_WARN, "center-log", "store.spare_wait", SPARE_CAP_WAIT_MS, s->spares_open);
    s->spares_past_bound++;
    return true;
}

/* A thread that holds nothing first has the alert rows that wait written
 * (alert rows written per interval, store-sqlite-ingest.c), so that what it
 * reads counts every batch acknowledged before. A failure is logged and the
 * read goes on (it then shows the rows as last written). */
sqlite3 *mm__sqlite_acquire(struct mm_store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    if (held_here == 0 && __atomic_load_n(&s->alerts_pending, __ATOMIC_ACQUIRE)) {
        /* Once a read gave up (store.rows_behind said), the next ones only
         * try, until a commit leaves no row waiting: a request that reads
         * the store several times (an alert's page), or requests one after
         * the other, do not each wait the bound again. */
        int wait =
            __atomic_load_n(&s->ingest.behind_said, __ATOMIC_ACQUIRE) ? 0 : MM_READER_FLUSH_WAIT_MS;
        int r = mm__sqlite_alerts_flush(st, wait);
        /* Past the wait (another process's write lock, a batch stuck on
         * it) the read goes on with the rows as they are; said once until
         * a flush succeeds again. */
        if (r == MM_EAGAIN) {
            if (!__atomic_exchange_n(&s->ingest.behind_said, 1, __ATOMIC_ACQ_REL))
                mm_log_tr(MM_LOG_WARN, "center-log", "store.rows_behind", MM_READER_FLUSH_WAIT_MS);
        } else if (r != 0) {
            mm_log_tr(MM_LOG_WARN, "center-log", "store.rows_read", mm_msg_strerror(r));
        }
    }
    return mm__sqlite_acquire_plain(st);
}

/* The same with no limit on the wait (the mail scan: not a request; its
 * mails tell an alert's count and times): it takes the ingest connection
 * after the batches queued for it and writes the rows, waiting for the
 * write lock up to the busy timeout. A failure is logged and the read goes
 * on with the rows as stored. */
sqlite3 *mm__sqlite_acquire_current(struct mm_store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    if (held_here == 0 && __atomic_load_n(&s->alerts_pending, __ATOMIC_ACQUIRE)) {
        int r = mm__sqlite_alerts_flush(st, -1);
        if (r != 0)
            mm_log_tr(MM_LOG_WARN, "center-log", "store.rows_read", mm_msg_strerror(r));
    }
    return mm__sqlite_acquire_plain(st);
}

sqlite3 *mm__sqlite_acquire_plain(struct mm_store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    sqlite3 *db = held_here > 0 ? spare_reuse(s) : NULL;
    bool spare_failed = false, logged = false;
    /* In the queue at the bound: a thread that holds only pool
     * connections when others wait there, or when it finds no pool
     * connection and the spares at the bound. */
    bool bounded = bounded_here(), queued = false;
    struct turn turn;
    if (db) {
        held_here++;
        return db;
    }
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (bounded && !queued && s->turns) {
            turn_queue(s, &turn);
            queued = true;
        }
        if (queued && s->turns != &turn) {
            wait_ms(s, SPARE_RETRY_MS);
            continue;
        }
        /* A thread that holds nothing waits behind the queue (nobody
         * waits for it): it would take the pool connections given back
         * before the head could. */
        if (held_here == 0 && s->turns) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        if ((db = pool_take(s)))
            break;
        if (held_here == 0) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        if (spare_failed) {
            wait_ms(s, SPARE_RETRY_MS);
            spare_failed = false;
            continue;
        }
        if (bounded && !queued && s->spares_open >= s->spare_max) {
            turn_queue(s, &turn);
            queued = true;
        }
        if (queued && !turn_spare(s)) {
            wait_ms(s, SPARE_RETRY_MS);
            continue;
        }
        s->spares_open++;
        if (s->spares_open > s->spares_peak)
            s->spares_peak = s->spares_open;
        int open_now = s->spares_open;
        char err[256];
        pthread_mutex_unlock(&s->mu);
        db = spare_open(s, err, sizeof err);
        if (db)
            mm_log(MM_LOG_DEBUG, "store: spare connection opened, %d open", open_now);
        else if (!logged) {
            mm_log(MM_LOG_WARN, "%s", err);
            logged = true;
        }
        pthread_mutex_lock(&s->mu);
        if (db)
            break;
        s->spares_open--;
        pthread_cond_broadcast(&s->cv);
        /* A pool connection given back while s->mu was open signalled
         * before this thread waited: look again before waiting (at the
         * head of the queue still, if it was there). */
        spare_failed = true;
    }
    if (queued)
        turn_done(s, &turn);
    pthread_mutex_unlock(&s->mu);
    held_here++;
    return db;
}

void mm__sqlite_release(struct mm_store *st, sqlite3 *db)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    held_here--;
    struct conn *spare = spare_of(db);
    if (spare)
        spare->busy = false;
    else {
        pthread_mutex_lock(&s->mu);
        for (int i = 0; i < s->nconns; i++)
            if (s->conns[i].db == db)
                s->conns[i].busy = false;
        /* The queue at the spares' bound waits for this too. */
        if (s->turns)
            pthread_cond_broadcast(&s->cv);
        else
            pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    if (held_here == 0)
        spares_close(s);
}

void mm__sqlite_spares_stats(struct mm_store *st, int *open, int *peak, int *past_bound)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    pthread_mutex_lock(&s->mu);
    *open = s->spares_open;
    *peak = s->spares_peak;
    *past_bound = s->spares_past_bound;
    pthread_mutex_unlock(&s->mu);
}

int mm__sqlite_spare_waiters(struct mm_store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    pthread_mutex_lock(&s->mu);
    int n = s->turns_waiting;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* The one mapping of a failed SQLite call: SQLITE_BUSY and SQLITE_LOCKED
 * (another connection holds the lock past the busy timeout: a backup, an
 * sqlite3 shell left in a transaction) are MM_EDBBUSY, whose text tells
 * the operator so; anything else MM_EDB. */
int mm__sqlite_code(int rc)
{
    int primary = rc & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? MM_EDBBUSY : MM_EDB;
}

int mm__sqlite_exec(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : mm__sqlite_code(rc);
}

int mm__sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
    *out = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, out, NULL);
    return rc == SQLITE_OK ? 0 : mm__sqlite_code(rc);
}

static struct conn *conn_of(struct mm_store *st, sqlite3 *db)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    for (int i = 0; i < s->nconns; i++)
        if (s->conns[i].db == db)
            return &s->conns[i];
    if (db && s->ingest_conn.db == db)
        return &s->ingest_conn;
    return db ? spare_of(db) : NULL;
}

/* Only the thread holding the connection touches its cached statements,
 * so no lock is needed; the pool array does not change while open, and
 * spares belong to the thread that holds them. */
int mm__sqlite_cached(struct mm_store *st, sqlite3 *db, enum mm_sqlite_slot slot, const char *sql,
                      sqlite3_stmt **out)
{
    struct conn *c = conn_of(st, db);
    *out = NULL;
    if (!c || slot < 0 || slot >= MM_SQL_SLOTS)
        return MM_EINVAL;
    if (!c->cached[slot]) {
        int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->cached[slot], NULL);
        if (rc != SQLITE_OK)
            return mm__sqlite_code(rc);
    }
    sqlite3_reset(c->cached[slot]);
    sqlite3_clear_bindings(c->cached[slot]);
    *out = c->cached[slot];
    return 0;
}

void mm__sqlite_cached_done(sqlite3_stmt *stmt)
{
    if (stmt)
        sqlite3_reset(stmt);
}

/* Writers of this process queue on a mutex rather than on SQLite's busy
 * handler, which sleeps in steps of up to 100 ms and so would stall
 * concurrent ingest; other processes (the admin CLI) still meet the busy
 * timeout. A thread holds at most one write transaction. */
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;

int mm__sqlite_begin(sqlite3 *db)
{
    pthread_mutex_lock(&write_mu);
    holding_write = true;
    int r = mm__sqlite_exec(db, "BEGIN IMMEDIATE");
    if (r != 0) {
        holding_write = false;
        pthread_mutex_unlock(&write_mu);
    }
    return r;
}

int mm__sqlite_begin_until(sqlite3 *db, const struct timespec *until, int busy_ms)
{
    if (pthread_mutex_clocklock(&write_mu, CLOCK_MONOTONIC, until) != 0)
        return MM_EAGAIN;
    holding_write = true;
    int64_t left =
        ((int64_t)until->tv_sec * 1000000 + until->tv_nsec / 1000 - mm_time_mono_usec()) / 1000;
    sqlite3_busy_timeout(db, left > 0 ? (int)left : 1);
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    sqlite3_busy_timeout(db, busy_ms);
    if (rc != SQLITE_OK) {
        holding_write = false;
        pthread_mutex_unlock(&write_mu);
        return mm__sqlite_code(rc);
    }
    return 0;
}

static void write_done(void)
{
    if (holding_write) {
        holding_write = false;
        pthread_mutex_unlock(&write_mu);
    }
}

/* COMMIT, and when it worked, releases the write turn: 0, else MM_EDB (or
 * MM_EDBBUSY) with
 * the transaction still open (the caller may take mm__sqlite_failure_text first, then
 * rolls back with mm__sqlite_end). */
static int sqlite_commit(sqlite3 *db)
{
    int r = mm__sqlite_exec(db, "COMMIT");
    if (r == 0)
        write_done();
    return r;
}

/* Commits, or rolls back when r is an error; returns r or the commit's error. */
int mm__sqlite_end(sqlite3 *db, int r)
{
    if (r == 0 && (r = sqlite_commit(db)) == 0)
        return 0;
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    write_done();
    return r;
}

/* Runs a statement to completion; MM_EEXIST on a UNIQUE violation. */
int mm__sqlite_step_done(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    if (sqlite3_extended_errcode(sqlite3_db_handle(stmt)) == SQLITE_CONSTRAINT_UNIQUE)
        return MM_EEXIST;
    return mm__sqlite_code(rc);
}

int mm__sqlite_step_row(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? MM_ENOENT : mm__sqlite_code(rc);
}

bool mm__sqlite_next(sqlite3_stmt *stmt, int *r)
{
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        *r = mm__sqlite_code(rc);
    return false;
}

void mm__sqlite_copy_text(char *out, size_t outlen, sqlite3_stmt *stmt, int col)
{
    const char *t = (const char *)sqlite3_column_text(stmt, col);
    mm_strlcpy_utf8(out, t ? t : "", outlen);
}

const char *mm__sqlite_col_text(sqlite3_stmt *stmt, int col)
{
    const unsigned char *t = sqlite3_column_text(stmt, col);
    return t ? (const char *)t : "";
}

void mm__sqlite_bind_scope(sqlite3_stmt *stmt, const struct mm_scope *scope)
{
    sqlite3_bind_int(stmt, 1, scope->all_tenants ? 1 : 0);
    sqlite3_bind_int64(stmt, 2, scope->tenant_id);
}

int mm__sqlite_scope_sql(struct mm_buf *sql, const struct mm_scope *scope, int64_t tenant_id,
                         const char *column, int filter_param)
{
    if (!scope->all_tenants && tenant_id >= 0) /* another tenant's filter: nothing */
        return mm_buf_printf(sql, "%s = ?2 AND ?%d = ?2", column, filter_param);
    if (!scope->all_tenants)
        return mm_buf_printf(sql, "%s = ?2", column);
    if (tenant_id >= 0)
        return mm_buf_printf(sql, "%s = ?%d", column, filter_param);
    return mm_buf_puts(sql, "?1");
}

int mm__sqlite_prepare_list(sqlite3 *db, mm__sqlite_list_sql_fn build, const struct mm_scope *scope,
                            int64_t tenant_id, sqlite3_stmt **out)
{
    struct mm_buf sql = MM_BUF_INIT;
    *out = NULL;
    int r = build(&sql, scope, tenant_id);
    if (r == 0)
        r = mm__sqlite_prepare(db, mm_buf_str(&sql), out);
    mm_buf_free(&sql);
    return r;
}

int mm__sqlite_audit_on(sqlite3 *db, const struct mm_actor *who, int64_t tenant_id,
                        const char *action, const char *kind, int64_t id, const char *detail,
                        int64_t now)
{
    char target[48];
    struct mm_actor w = *who;
    w.tenant_id = tenant_id;
    snprintf(target, sizeof target, "%s:%lld", kind, (long long)id);
    return mm__sqlite_audit(db, &w, action, target, detail, now);
}

int mm__sqlite_audit(sqlite3 *db, const struct mm_actor *who, const char *action,
                     const char *target, const char *detail, int64_t now)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(db,
                               "INSERT INTO audit (at, tenant_id, actor, action, target, detail, "
                               "address) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               &stmt);
    if (r != 0)
        return r;
    sqlite3_bind_int64(stmt, 1, now);
    sqlite3_bind_int64(stmt, 2, who->tenant_id);
    sqlite3_bind_text(stmt, 3, who->name ? who->name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, target ? target : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, detail ? detail : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 7, who->address ? who->address : "", -1, SQLITE_STATIC);
    r = mm__sqlite_step_done(stmt);
    sqlite3_finalize(stmt);
    return r;
}

/* The scope condition of a query; mm__sqlite_bind_scope() binds ?1 and ?2. */
#define SCOPED "(?1 OR tenant_id = ?2)"

/* ---- migrations ---- */

struct migration_walk {
    sqlite3 *db;
    int from, latest, applied;
    char *err;
    size_t errlen;
};

/* Why the last call on db failed, for a message: the system's reason (in
 * the message language, with its own next step: a write past the file size
 * limit, a full disk, a read-only mount) when SQLite's failure was the
 * system's, else SQLite's own text (English: "file is not a database").
 * SQLite keeps the errno of a failed open but not always that of a failed
 * write (a commit's WAL write past RLIMIT_FSIZE: SQLITE_IOERR_WRITE, no
 * system errno): then the errno that write left is taken, when it is one
 * only a write gives (EFBIG, ENOSPC), not one a look-up since may have left. */
const char *mm__sqlite_failure_text(sqlite3 *db)
{
    int last = errno; /* first: before any other call */
    int code = sqlite3_extended_errcode(db) & 0xff, e = sqlite3_system_errno(db);
    bool system = code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN ||
                  code == SQLITE_READONLY;
    if (e == 0 && (code == SQLITE_IOERR || code == SQLITE_FULL) &&
        (last == EFBIG || last == ENOSPC))
        e = last;
    if (system && e != 0)
        return mm_msg_strerror(mm_error_from_errno(e));
    return sqlite3_errmsg(db);
}

static int migration_number(const char *path)
{
    const char *name = path + strlen(MIGRATIONS_PREFIX);
    return atoi(name);
}

static int count_migration(const struct mm_data_entry *e, void *arg)
{
    int *latest = arg, n = migration_number(e->path);
    if (n > *latest)
        *latest = n;
    return 0;
}

int mm_store_schema_latest(void)
{
    int latest = 0;
    mm_data_foreach(MIGRATIONS_PREFIX, count_migration, &latest);
    return latest;
}

static int apply_migration(const struct mm_data_entry *e, void *arg)
{
    struct migration_walk *w = arg;
    int n = migration_number(e->path);
    if (n <= w->from)
        return 0;
    if (sqlite3_exec(w->db, (const char *)e->bytes, NULL, NULL, NULL) != SQLITE_OK) {
        mm_msg_format(w->err, w->errlen, "center-log", "store.migration_failed", e->path,
                      mm__sqlite_failure_text(w->db));
        return MM_EDB;
    }
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, '%s', "
             "strftime('%%s','now'))",
             n, e->path + strlen(MIGRATIONS_PREFIX));
    if (strchr(e->path, '\'') || mm__sqlite_exec(w->db, sql) != 0) {
        mm_msg_format(w->err, w->errlen, "center-log", "store.migration_record", e->path);
        return MM_EDB;
    }
    w->applied = n;
    return 0;
}

static int read_user_version(sqlite3 *db, int *out)
{
    sqlite3_stmt *stmt;
    *out = 0;
    if (mm__sqlite_prepare(db, "PRAGMA user_version", &stmt) != 0)
        return MM_EDB;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *out = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return 0;
}

/* Brings the schema to the newest embedded version in one transaction. A
 * step that fails without a message of its own (the commit included) is
 * told with failure_text, taken before the rollback. */
static int migrate(sqlite3 *db, char *err, size_t errlen)
{
    struct migration_walk w = {.db = db, .err = err, .errlen = errlen};
    int r;
    err[0] = '\0';
    w.latest = mm_store_schema_latest();
    if ((r = mm__sqlite_begin(db)) != 0) {
        mm_msg_format(err, errlen, "center-log", "store.lock", mm__sqlite_failure_text(db));
        return r;
    }
    if ((r = read_user_version(db, &w.from)) != 0)
        goto out;
    if (w.from > w.latest) {
        mm_msg_format(err, errlen, "center-log", "store.too_new", w.from, w.latest);
        r = MM_EUNSUPPORTED;
        goto out;
    }
    if (w.from == w.latest)
        goto out;
    r = mm__sqlite_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                            "PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    if (r == 0)
        r = mm_data_foreach(MIGRATIONS_PREFIX, apply_migration, &w);
    if (r == 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", w.latest);
        r = mm__sqlite_exec(db, sql);
    }
out:
    if (r == 0 && sqlite_commit(db) == 0)
        return 0;
    if (!err[0])
        mm_msg_format(err, errlen, "center-log", "store.migrate", mm__sqlite_failure_text(db));
    return mm__sqlite_end(db, r ? r : MM_EDB); /* rolls back */
}

static int open_conn(const struct sqlite_store *s, sqlite3 **out, char *err, size_t errlen)
{
    bool sync_full = s->sync_full;
    const char *path = s->path;
    sqlite3 *db = NULL;
    *out = NULL;
    /* The WAL-gathering VFS (sqlite-walbuf.h) needs a sync at each commit. */
    const char *vfs = sync_full ? mm__sqlite_walbuf_name() : NULL;
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs);
    if (rc != SQLITE_OK) {
        mm_msg_format(err, errlen, "center-log", "store.open", path,
                      db ? mm__sqlite_failure_text(db) : mm_msg_strerror(MM_ENOMEM));
        sqlite3_close(db);
        return MM_EDB;
    }
    sqlite3_busy_timeout(db, __atomic_load_n(&s->busy_ms, __ATOMIC_RELAXED));
    sqlite3_extended_result_codes(db, 1);
    char sql[200];
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode = WAL; PRAGMA synchronous = %s; PRAGMA foreign_keys = ON; "
             "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8192",
             sync_full ? "FULL" : "NORMAL");
    if (mm__sqlite_exec(db, sql) != 0 || mm__sqlite_report_functions(db) != 0) {
        mm_msg_format(err, errlen, "center-log", "store.setup", path, mm__sqlite_failure_text(db));
        sqlite3_close(db);
        return MM_EDB;
    }
    *out = db;
    return 0;
}

static void close_conn(struct conn *c)
{
    for (int k = 0; k < MM_SQL_SLOTS; k++)
        sqlite3_finalize(c->cached[k]);
    sqlite3_close(c->db);
}

static void sqlite_close(struct mm_store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    if (!s)
        return;
    if (s->ingest_conn.db && s->ingest.dirty > 0 && mm__sqlite_alerts_flush(st, -1) != 0)
        mm_log_tr(MM_LOG_WARN, "center-log", "store.rows_close");
    for (int i = 0; i < s->nconns; i++)
        close_conn(&s->conns[i]);
    close_conn(&s->ingest_conn);
    mm_alert_memo_free(s->ingest.memo);
    free(s->conns);
    free(s->path);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->ingest_mu);
    pthread_mutex_destroy(&s->ingest.flush_mu);
    pthread_cond_destroy(&s->ingest.flush_cv);
    free(s);
}

/* ---- the ingest connection ----
 * Event batches are written through a connection of their own, so that
 * "PRAGMA data_version" on it changes exactly when any other connection
 * (this process's pool, the admin command, another process) has committed
 * since: store-sqlite-ingest.c then forgets its open-alert memo. Batches
 * are written one at a time anyway (one writer at a time in SQLite). */

/* The rest of mm__sqlite_ingest_acquire, with ingest_mu held. */
static int ingest_ready(struct sqlite_store *s, struct mm__sqlite_ingest **out)
{
    char err[256];
    int r = 0;
    if (!s->ingest_conn.db)
        r = open_conn(s, &s->ingest_conn.db, err, sizeof err);
    if (r == 0 && !s->ingest.memo && !s->memo_off)
        r = mm_alert_memo_new(MM_INGEST_MEMO_KEYS, &s->ingest.memo);
    if (r != 0) {
        pthread_mutex_unlock(&s->ingest_mu);
        return r;
    }
    conn_timeout(s, &s->ingest_conn);
    s->ingest.db = s->ingest_conn.db;
    s->ingest.busy_ms = s->ingest_conn.busy_ms;
    held_here++;
    ingest_here = true;
    *out = &s->ingest;
    return 0;
}

int mm__sqlite_ingest_acquire(struct mm_store *st, struct mm__sqlite_ingest **out)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    *out = NULL;
    pthread_mutex_lock(&s->ingest_mu);
    return ingest_ready(s, out);
}

int mm__sqlite_ingest_try(struct mm_store *st, struct mm__sqlite_ingest **out)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    *out = NULL;
    if (pthread_mutex_trylock(&s->ingest_mu) != 0)
        return MM_EAGAIN;
    return ingest_ready(s, out);
}

struct mm__sqlite_ingest *mm__sqlite_ingest_shared(struct mm_store *st)
{
    return &((struct sqlite_store *)st)->ingest;
}

void mm__sqlite_ingest_release(struct mm_store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    held_here--;
    ingest_here = false;
    if (held_here == 0)
        spares_close(s);
    pthread_mutex_unlock(&s->ingest_mu);
}

void mm__sqlite_ingest_flush_every(struct mm_store *st, int64_t usec)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    pthread_mutex_lock(&s->ingest_mu);
    s->ingest.flush_usec = usec > 0 ? usec : 0;
    if (usec > 0)
        __atomic_store_n(&s->alerts_pending, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&s->ingest_mu);
}

void mm__sqlite_ingest_memo_off(struct mm_store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    pthread_mutex_lock(&s->ingest_mu);
    s->memo_off = true;
    mm_alert_memo_free(s->ingest.memo);
    s->ingest.memo = NULL;
    if (s->ingest.dirty > 0) /* what it held is in the event chain */
        s->ingest.recover = true;
    s->ingest.dirty = 0;
    pthread_mutex_unlock(&s->ingest_mu);
}

/* SQLite counts every allocation under a global mutex unless told not to
 * before it starts (the Debian build has no lookaside either, so every
 * statement step allocates): about 7 % of the ingest CPU. Nothing here
 * reads those counts. Too late (SQLITE_MISUSE) when something in the
 * process has started SQLite already: then nothing changes. */
static void sqlite_setup_once(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* libsodium for randombytes_buf (the alert-row owner number); safe to
     * call again elsewhere (auth.c). Even when it fails randombytes_buf
     * works: it opens its source itself and aborts when there is none. */
    if (sodium_init() < 0)
        mm_log(MM_LOG_DEBUG, "store: sodium_init failed");
}

/* Whether alert_flush names a process that may hold alert rows unwritten
 * (true, too, when it cannot be read). */
static bool rows_owned(sqlite3 *db)
{
    sqlite3_stmt *stmt;
    bool owned = true;
    if (mm__sqlite_prepare(db, "SELECT owner FROM alert_flush WHERE id = 1", &stmt) == 0 &&
        mm__sqlite_step_row(stmt) == 0)
        owned = sqlite3_column_int64(stmt, 0) != 0;
    sqlite3_finalize(stmt);
    return owned;
}

int mm_store_open_sqlite(const struct mm_store_config *cfg, struct mm_store **out, char *err,
                         size_t errlen)
{
    struct sqlite_store *s = NULL;
    char path[4096];
    int r = 0;
    *out = NULL;
    snprintf(err, errlen, "%s", "");
    if (snprintf(path, sizeof path, "%s/center.db", cfg->dir) >= (int)sizeof path) {
        mm_msg_format(err, errlen, "center-log", "store.path_long");
        return MM_EINVAL;
    }
    s = calloc(1, sizeof *s);
    int n = cfg->connections > 0 ? cfg->connections : 1;
    if (!s || !(s->conns = calloc((size_t)n, sizeof *s->conns))) {
        free(s);
        return MM_ENOMEM;
    }
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup_once);
    s->base.ops = &sqlite_ops;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca; /* wait_retry's clock */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->ingest_mu, NULL);
    pthread_mutex_init(&s->ingest.flush_mu, NULL);
    pthread_condattr_init(&ca); /* mm__sqlite_alerts_flush's waits */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->ingest.flush_cv, &ca);
    pthread_condattr_destroy(&ca);
    s->sync_full = cfg->sync_full;
    s->busy_ms = cfg->busy_timeout_ms > 0 ? cfg->busy_timeout_ms : MM_STORE_BUSY_TIMEOUT_MS;
    s->spare_max = cfg->spares > 0 ? cfg->spares : n;
    s->ingest.data_version = -1;
    s->ingest.alert_gen = -1;
    s->ingest.pending = &s->alerts_pending;
    s->ingest.flush_usec = cfg->alert_flush_usec > 0 ? cfg->alert_flush_usec : 0;
    s->ingest.flushed_at = mm_time_now_usec(); /* the first interval starts at open */
    uint64_t owner;
    randombytes_buf(&owner, sizeof owner);
    s->ingest.owner = (int64_t)(owner >> 1 | 1); /* > 0 */
    if (!(s->path = strdup(path))) {
        r = MM_ENOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if ((r = open_conn(s, &s->conns[i].db, err, errlen)) != 0)
            goto out;
        s->nconns++;
        if (i == 0 && (r = migrate(s->conns[0].db, err, errlen)) != 0)
            goto out;
    }
    /* A process before may have died with alert rows unwritten: then the
     * first read or batch, whatever this store's flush_ms, counts them from
     * the event chain (store-sqlite-ingest.c). alert_flush.owner is 0 when
     * no process holds any: nothing to count, no scan. */
    s->ingest.rows_off = cfg->alert_rows_off;
    s->ingest.recover = !cfg->alert_rows_off && rows_owned(s->conns[0].db);
    s->alerts_pending = s->ingest.recover;
    /* Counted now, before the server listens, rather than by its first
     * request or batch, which would wait for the scan (a second of events
     * after a crash; seconds for a million events above the watermark).
     * Another process holding the write lock past the readers' wait leaves
     * it to the first read or batch. */
    if (s->ingest.recover) {
        int rr = mm__sqlite_alerts_flush(&s->base, MM_READER_FLUSH_WAIT_MS);
        if (rr != 0 && rr != MM_EAGAIN)
            mm_log_tr(MM_LOG_WARN, "center-log", "store.rows_read", mm_msg_strerror(rr));
    }
    *out = &s->base;
    s = NULL;
out:
    sqlite_close(s ? &s->base : NULL);
    return r;
}

static void sqlite_set_busy_timeout(struct mm_store *st, int ms)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    __atomic_store_n(&s->busy_ms, ms > 0 ? ms : MM_STORE_BUSY_TIMEOUT_MS, __ATOMIC_RELAXED);
}

static int sqlite_schema_version(struct mm_store *st, int *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = read_user_version(db, out);
    mm__sqlite_release(st, db);
    return r;
}

/* ---- tenants ---- */

/* The contacts count is one index look-up per row (contacts' UNIQUE
 * (tenant_id, email)), so the vendor's tenant list saves a contacts call
 * per SME. */
#define TENANT_COLS                                                                                \
    "id, name, lang, mail_severity, created_at, "                                                  \
    "(SELECT COUNT(*) FROM contacts c WHERE c.tenant_id = tenants.id)"

static void read_tenant(sqlite3_stmt *stmt, struct mm_tenant *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(stmt, 0);
    mm__sqlite_copy_text(t->name, sizeof t->name, stmt, 1);
    mm__sqlite_copy_text(t->lang, sizeof t->lang, stmt, 2);
    t->mail_severity = sqlite3_column_int(stmt, 3);
    t->created_at = sqlite3_column_int64(stmt, 4);
    t->contacts = sqlite3_column_int(stmt, 5);
}

/* MM_EEXIST when a tenant other than id (0: none) has a name that counts as
 * the same as name (mm_tenant_name_same); a rename that keeps its own name
 * (so an older database's duplicates) passes. Few tenants: all are read. */
static int tenant_name_taken(sqlite3 *db, const char *name, int64_t id)
{
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(db, "SELECT id, name FROM tenants WHERE id != 0", &stmt);
    bool own_same = false, other_same = false;
    while (r == 0 && mm__sqlite_next(stmt, &r)) {
        const char *other = (const char *)sqlite3_column_text(stmt, 1);
        bool same = mm_tenant_name_same(name, other ? other : "");
        if (sqlite3_column_int64(stmt, 0) == id)
            own_same = same;
        else
            other_same |= same;
    }
    sqlite3_finalize(stmt);
    return r != 0 ? r : other_same && !own_same ? MM_EEXIST : 0;
}

static int sqlite_tenant_add(struct mm_store *st, const struct mm_actor *who,
                             const struct mm_tenant *t, int64_t *id_out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int64_t now = t->created_at;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = tenant_name_taken(db, t->name, 0);
    if (r == 0)
        r = mm__sqlite_prepare(db,
                               "INSERT INTO tenants (name, lang, mail_severity, created_at) VALUES "
                               "(?, ?, ?, ?)",
                               &stmt);
    if (r == 0) {
        sqlite3_bind_text(stmt, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, t->lang, -1, SQLITE_STATIC);
        sqlite3_bind_int(stmt, 3, t->mail_severity);
        sqlite3_bind_int64(stmt, 4, now);
        r = mm__sqlite_step_done(stmt);
    }
    if (r == 0) {
        int64_t id = sqlite3_last_insert_rowid(db);
        r = mm__sqlite_audit_on(db, who, MM_VENDOR_TENANT, "tenant.add", "tenant", id, t->name,
                                now);
        if (id_out)
            *id_out = id;
    }
    r = mm__sqlite_end(db, r);
out:
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

static int sqlite_tenant_get(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                             struct mm_tenant *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(
        db, "SELECT " TENANT_COLS " FROM tenants WHERE (?1 OR id = ?2) AND id = ?3 AND id != 0",
        &stmt);
    if (r == 0) {
        mm__sqlite_bind_scope(stmt, scope);
        sqlite3_bind_int64(stmt, 3, id);
        r = mm__sqlite_step_row(stmt);
        if (r == 0)
            read_tenant(stmt, out);
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

/* tenant_id is the tenants table's id column here, hence a custom scope test. */
static int sqlite_tenant_list(struct mm_store *st, const struct mm_scope *scope,
                              const struct mm_page *page, mm_tenant_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(db,
                               "SELECT " TENANT_COLS " FROM tenants WHERE (?1 OR id = ?2) "
                               "AND id != 0 AND id > ?3 ORDER BY id LIMIT ?4",
                               &stmt);
    if (r == 0) {
        mm__sqlite_bind_scope(stmt, scope);
        sqlite3_bind_int64(stmt, 3, page->has_cursor ? page->cursor_a : 0);
        sqlite3_bind_int(stmt, 4, page->limit);
        struct mm_tenant t;
        while (r == 0 && mm__sqlite_next(stmt, &r)) {
            read_tenant(stmt, &t);
            r = fn(&t, arg);
        }
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

/* The tenants table's own id is its tenant, so SCOPED works as is (tenant_id
 * is not a column there; the query uses id). */
static int sqlite_tenant_update(struct mm_store *st, const struct mm_scope *scope,
                                const struct mm_actor *who, const struct mm_tenant *t)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = tenant_name_taken(db, t->name, t->id);
    if (r == 0)
        r = mm__sqlite_prepare(db,
                               "UPDATE tenants SET name = ?3, lang = ?4, mail_severity = ?5 WHERE "
                               "(?1 OR id = ?2) AND id = ?6 AND id != 0",
                               &stmt);
    if (r == 0) {
        mm__sqlite_bind_scope(stmt, scope);
        sqlite3_bind_text(stmt, 3, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, t->lang, -1, SQLITE_STATIC);
        sqlite3_bind_int(stmt, 5, t->mail_severity);
        sqlite3_bind_int64(stmt, 6, t->id);
        r = mm__sqlite_step_done(stmt);
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_ENOENT;
    }
    if (r == 0) {
        char detail[512];
        snprintf(detail, sizeof detail, "name=%s lang=%s mail_severity=%d", t->name, t->lang,
                 t->mail_severity);
        r = mm__sqlite_audit_on(db, who, t->id, "tenant.update", "tenant", t->id, detail,
                                mm_time_now_usec());
    }
    r = mm__sqlite_end(db, r);
out:
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

/* ---- users ---- */

#define USER_COLS                                                                                  \
    "id, tenant_id, email, role, lang, coalesce(password_hash, ''), created_at, on_duty, "         \
    "must_change_password, coalesce(disabled_at, 0)"

static void read_user(sqlite3_stmt *stmt, struct mm_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(stmt, 0);
    u->tenant_id = sqlite3_column_int64(stmt, 1);
    mm__sqlite_copy_text(u->email, sizeof u->email, stmt, 2);
    mm_role_parse((const char *)sqlite3_column_text(stmt, 3), &u->role);
    mm__sqlite_copy_text(u->lang, sizeof u->lang, stmt, 4);
    mm__sqlite_copy_text(u->password_hash, sizeof u->password_hash, stmt, 5);
    u->created_at = sqlite3_column_int64(stmt, 6);
    u->on_duty = sqlite3_column_int(stmt, 7) != 0;
    u->must_change = sqlite3_column_int(stmt, 8) != 0;
    u->disabled_at = sqlite3_column_int64(stmt, 9);
}

static int sqlite_user_add(struct mm_store *st, const struct mm_scope *scope,
                           const struct mm_actor *who, const struct mm_user *u, int64_t *id_out)
{
    if (!mm_scope_allows(scope, u->tenant_id))
        return MM_ENOENT;
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(db,
                           "INSERT INTO users (tenant_id, email, role, password_hash, lang, "
                           "created_at, must_change_password) SELECT ?, ?, ?, nullif(?, ''), ?, "
                           "?, ? WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?)",
                           &stmt);
    if (r == 0) {
        sqlite3_bind_int64(stmt, 1, u->tenant_id);
        sqlite3_bind_text(stmt, 2, u->email, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, mm_role_name(u->role), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, u->password_hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 5, u->lang[0] ? u->lang : "ja", -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 6, u->created_at);
        sqlite3_bind_int(stmt, 7, u->must_change ? 1 : 0);
        sqlite3_bind_int64(stmt, 8, u->tenant_id);
        r = mm__sqlite_step_done(stmt);
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_ENOENT;
        if (r == MM_EDB && sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_CHECK)
            r = MM_EINVAL;
    }
    if (r == 0) {
        int64_t id = sqlite3_last_insert_rowid(db);
        char detail[320];
        snprintf(detail, sizeof detail, "email=%s role=%s", u->email, mm_role_name(u->role));
        r = mm__sqlite_audit_on(db, who, u->tenant_id, "user.add", "user", id, detail,
                                u->created_at);
        if (id_out)
            *id_out = id;
    }
    r = mm__sqlite_end(db, r);
out:
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

static int user_query_one(struct mm_store *st, const char *sql, const struct mm_scope *scope,
                          int64_t id, const char *email, struct mm_user *out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(db, sql, &stmt);
    if (r == 0) {
        if (scope) {
            mm__sqlite_bind_scope(stmt, scope);
            sqlite3_bind_int64(stmt, 3, id);
        } else {
            sqlite3_bind_text(stmt, 1, email, -1, SQLITE_STATIC);
        }
        r = mm__sqlite_step_row(stmt);
        if (r == 0)
            read_user(stmt, out);
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

static int sqlite_user_get(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                           struct mm_user *out)
{
    return user_query_one(st, "SELECT " USER_COLS " FROM users WHERE " SCOPED " AND id = ?3", scope,
                          id, NULL, out);
}

static int sqlite_user_find_email(struct mm_store *st, const char *email, struct mm_user *out)
{
    return user_query_one(st, "SELECT " USER_COLS " FROM users WHERE email = ?1", NULL, 0, email,
                          out);
}

int mm__sqlite_user_list_sql(struct mm_buf *sql, const struct mm_scope *scope, int64_t tenant_id)
{
    int r = mm_buf_puts(sql, "SELECT " USER_COLS " FROM users WHERE ");
    r |= mm__sqlite_scope_sql(sql, scope, tenant_id, "tenant_id", 3);
    r |= mm_buf_puts(sql, " AND id > ?4 ORDER BY id LIMIT ?5");
    return r ? MM_ENOMEM : 0;
}

static int sqlite_user_list(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                            const struct mm_page *page, mm_user_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_prepare_list(db, mm__sqlite_user_list_sql, scope, tenant_id, &stmt);
    if (r == 0) {
        mm__sqlite_bind_scope(stmt, scope);
        sqlite3_bind_int64(stmt, 3, tenant_id);
        sqlite3_bind_int64(stmt, 4, page->has_cursor ? page->cursor_a : 0);
        sqlite3_bind_int(stmt, 5, page->limit);
        struct mm_user u;
        while (r == 0 && mm__sqlite_next(stmt, &r)) {
            read_user(stmt, &u);
            r = fn(&u, arg);
        }
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

static int sqlite_user_rehash_password(struct mm_store *st, int64_t user_id, const char *verified,
                                       const char *fresh)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_begin(db); /* writers queue on write_mu, not the busy handler */
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(
        db, "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?", &stmt);
    if (r == 0) {
        sqlite3_bind_text(stmt, 1, fresh, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, user_id);
        sqlite3_bind_text(stmt, 3, verified, -1, SQLITE_STATIC);
        r = mm__sqlite_step_done(stmt);
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_ESTATE;
    }
    sqlite3_finalize(stmt);
    r = mm__sqlite_end(db, r);
out:
    mm__sqlite_release(st, db);
    return r;
}

static int sqlite_user_set_lang(struct mm_store *st, const struct mm_actor *who, int64_t user_id,
                                const char *lang)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(db, "UPDATE users SET lang = ? WHERE id = ?", &stmt);
    if (r == 0) {
        sqlite3_bind_text(stmt, 1, lang, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, user_id);
        r = mm__sqlite_step_done(stmt);
        if (r == MM_EDB && sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_CHECK)
            r = MM_EINVAL;
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_ENOENT;
    }
    if (r == 0) {
        char detail[16];
        snprintf(detail, sizeof detail, "lang=%s", lang);
        r = mm__sqlite_audit_on(db, who, who->tenant_id, "user.lang", "user", user_id, detail,
                                mm_time_now_usec());
    }
    r = mm__sqlite_end(db, r);
out:
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

/* ---- sessions and tokens ---- */

static int sqlite_session_add(struct mm_store *st, const struct mm_actor *who,
                              const struct mm_session *s, const char *verified)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(db,
                           "INSERT INTO sessions (tenant_id, user_id, token_hash, csrf, "
                           "created_at, expires_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS "
                           "(SELECT 1 FROM users WHERE id = ?2 AND password_hash = ?7 AND "
                           "disabled_at IS NULL)",
                           &stmt);
    if (r == 0) {
        sqlite3_bind_int64(stmt, 1, s->tenant_id);
        sqlite3_bind_int64(stmt, 2, s->user_id);
        sqlite3_bind_blob(stmt, 3, s->token_hash, MM_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, s->csrf, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 5, s->created_at);
        sqlite3_bind_int64(stmt, 6, s->expires_at);
        sqlite3_bind_text(stmt, 7, verified, -1, SQLITE_STATIC);
        r = mm__sqlite_step_done(stmt);
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_EAUTH;
    }
    if (r == 0) {
        r = mm__sqlite_audit_on(db, who, who->tenant_id, "session.login", "user", s->user_id, "",
                                s->created_at);
        /* Expired sessions are dropped here so the table stays small. */
        if (r == 0) {
            char sql[96];
            snprintf(sql, sizeof sql, "DELETE FROM sessions WHERE expires_at < %lld",
                     (long long)s->created_at);
            r = mm__sqlite_exec(db, sql);
        }
    }
    r = mm__sqlite_end(db, r);
out:
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

static int sqlite_session_find(struct mm_store *st, const uint8_t hash[MM_HASH_BYTES], int64_t now,
                               struct mm_session *out)
{
    sqlite3 *db = mm__sqlite_acquire_plain(st); /* every request: no alert read */
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(db,
                               "SELECT id, tenant_id, user_id, csrf, created_at, expires_at FROM "
                               "sessions WHERE token_hash = ? AND expires_at > ?",
                               &stmt);
    if (r == 0) {
        sqlite3_bind_blob(stmt, 1, hash, MM_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, now);
        r = mm__sqlite_step_row(stmt);
        if (r == 0) {
            memset(out, 0, sizeof *out);
            out->id = sqlite3_column_int64(stmt, 0);
            out->tenant_id = sqlite3_column_int64(stmt, 1);
            out->user_id = sqlite3_column_int64(stmt, 2);
            mm__sqlite_copy_text(out->csrf, sizeof out->csrf, stmt, 3);
            out->created_at = sqlite3_column_int64(stmt, 4);
            out->expires_at = sqlite3_column_int64(stmt, 5);
            memcpy(out->token_hash, hash, MM_HASH_BYTES);
        }
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

static int sqlite_session_delete(struct mm_store *st, const struct mm_actor *who,
                                 const uint8_t hash[MM_HASH_BYTES])
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(db, "DELETE FROM sessions WHERE token_hash = ?", &stmt);
    if (r == 0) {
        sqlite3_bind_blob(stmt, 1, hash, MM_HASH_BYTES, SQLITE_STATIC);
        r = mm__sqlite_step_done(stmt);
    }
    if (r == 0)
        r = mm__sqlite_audit(db, who, "session.logout", who->name, "", mm_time_now_usec());
    r = mm__sqlite_end(db, r);
out:
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

static int sqlite_token_add(struct mm_store *st, const struct mm_actor *who, int64_t user_id,
                            const uint8_t hash[MM_HASH_BYTES], int64_t now, int64_t *id_out)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(db,
                           "INSERT INTO api_tokens (tenant_id, user_id, token_hash, created_at) "
                           "SELECT tenant_id, id, ?, ? FROM users WHERE id = ?",
                           &stmt);
    if (r == 0) {
        sqlite3_bind_blob(stmt, 1, hash, MM_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, now);
        sqlite3_bind_int64(stmt, 3, user_id);
        r = mm__sqlite_step_done(stmt);
        if (r == 0 && sqlite3_changes(db) == 0)
            r = MM_ENOENT;
    }
    if (r == 0) {
        int64_t id = sqlite3_last_insert_rowid(db);
        char detail[48];
        snprintf(detail, sizeof detail, "user:%lld", (long long)user_id);
        r = mm__sqlite_audit_on(db, who, who->tenant_id, "token.create", "token", id, detail, now);
        if (id_out)
            *id_out = id;
    }
    r = mm__sqlite_end(db, r);
out:
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

static int sqlite_token_revoke(struct mm_store *st, const struct mm_actor *who, int64_t id,
                               const uint8_t hash[MM_HASH_BYTES], int64_t now)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int64_t tenant = 0, token = 0;
    int r = mm__sqlite_begin(db);
    if (r != 0)
        goto out;
    r = mm__sqlite_prepare(db,
                           "UPDATE api_tokens SET revoked_at = ?3 WHERE (id = ?1 OR (?1 = 0 AND "
                           "token_hash = ?2)) AND revoked_at IS NULL RETURNING id, tenant_id",
                           &stmt);
    if (r == 0) {
        sqlite3_bind_int64(stmt, 1, id);
        if (hash)
            sqlite3_bind_blob(stmt, 2, hash, MM_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, now);
        r = mm__sqlite_step_row(stmt);
        if (r == 0) {
            token = sqlite3_column_int64(stmt, 0);
            tenant = sqlite3_column_int64(stmt, 1);
        }
    }
    sqlite3_finalize(stmt);
    if (r == 0)
        r = mm__sqlite_audit_on(db, who, tenant, "token.revoke", "token", token, "", now);
    r = mm__sqlite_end(db, r);
out:
    mm__sqlite_release(st, db);
    return r;
}

static int sqlite_token_find(struct mm_store *st, const uint8_t hash[MM_HASH_BYTES],
                             struct mm_user *out, int64_t *token_id_out)
{
    sqlite3 *db = mm__sqlite_acquire_plain(st); /* every request: no alert read */
    sqlite3_stmt *stmt;
    int r = mm__sqlite_prepare(db,
                               "SELECT u.id, u.tenant_id, u.email, u.role, u.lang, '', "
                               "u.created_at, u.on_duty, u.must_change_password, 0, t.id FROM "
                               "api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash "
                               "= ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
                               &stmt);
    if (r == 0) {
        sqlite3_bind_blob(stmt, 1, hash, MM_HASH_BYTES, SQLITE_STATIC);
        r = mm__sqlite_step_row(stmt);
        if (r == 0) {
            read_user(stmt, out);
            if (token_id_out)
                *token_id_out = sqlite3_column_int64(stmt, 10);
        }
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

/* ---- audit ---- */

static int sqlite_audit_add(struct mm_store *st, const struct mm_actor *who, const char *action,
                            const char *target, const char *detail)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_audit(db, who, action, target, detail, mm_time_now_usec());
    mm__sqlite_release(st, db);
    return r;
}

/* The name of the "user:N" (address) or "sensor:N" (name) in audit column
 * col, looked up in the same query as the entries: NULL for any other kind,
 * for a row that is gone, and for a user or sensor outside the reader's scope
 * (?1 every tenant, ?2 the reader's), so an SME reader gets no name of the
 * vendor's people. */
#define AUDIT_NAME_SQL(col)                                                                        \
    "CASE WHEN substr(audit." col ", 1, 5) = 'user:' THEN (SELECT u.email FROM users u WHERE "     \
    "u.id = CAST(substr(audit." col ", 6) AS INTEGER) AND (?1 OR u.tenant_id = ?2)) "              \
    "WHEN substr(audit." col ", 1, 7) = 'sensor:' THEN (SELECT s.name FROM sensors s WHERE "       \
    "s.id = CAST(substr(audit." col ", 8) AS INTEGER) AND (?1 OR s.tenant_id = ?2)) END"

int mm__sqlite_audit_list_sql(struct mm_buf *sql, const struct mm_scope *scope, int64_t tenant_id)
{
    int r = mm_buf_puts(sql, "SELECT id, at, tenant_id, actor, action, target, detail, address, "
                             "coalesce((SELECT u.tenant_id FROM users u WHERE "
                             "substr(audit.actor, 1, 5) = 'user:' AND u.id = "
                             "CAST(substr(audit.actor, 6) AS INTEGER)), -1), " AUDIT_NAME_SQL(
                                 "actor") ", " AUDIT_NAME_SQL("target") " FROM audit WHERE ");
    r |= mm__sqlite_scope_sql(sql, scope, tenant_id, "tenant_id", 3);
    r |= mm_buf_puts(sql, " AND (?4 = 0 OR id < ?4) ORDER BY id DESC LIMIT ?5");
    return r ? MM_ENOMEM : 0;
}

static int sqlite_audit_list(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                             const struct mm_page *page, mm_audit_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_prepare_list(db, mm__sqlite_audit_list_sql, scope, tenant_id, &stmt);
    if (r == 0) {
        mm__sqlite_bind_scope(stmt, scope);
        sqlite3_bind_int64(stmt, 3, tenant_id);
        sqlite3_bind_int64(stmt, 4, page->has_cursor ? page->cursor_a : 0);
        sqlite3_bind_int(stmt, 5, page->limit);
        while (r == 0 && mm__sqlite_next(stmt, &r)) {
            struct mm_audit_entry a = {
                .id = sqlite3_column_int64(stmt, 0),
                .at = sqlite3_column_int64(stmt, 1),
                .tenant_id = sqlite3_column_int64(stmt, 2),
                .actor = (const char *)sqlite3_column_text(stmt, 3),
                .action = (const char *)sqlite3_column_text(stmt, 4),
                .target = (const char *)sqlite3_column_text(stmt, 5),
                .detail = (const char *)sqlite3_column_text(stmt, 6),
                .address = (const char *)sqlite3_column_text(stmt, 7),
                .actor_tenant = sqlite3_column_int64(stmt, 8),
                .actor_name = (const char *)sqlite3_column_text(stmt, 9),
                .target_name = (const char *)sqlite3_column_text(stmt, 10),
            };
            r = fn(&a, arg);
        }
    }
    sqlite3_finalize(stmt);
    mm__sqlite_release(st, db);
    return r;
}

/* ---- operations table (the rest lives in store-sqlite-ingest.c) ---- */

static const struct mm_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .set_busy_timeout = sqlite_set_busy_timeout,
    .schema_version = sqlite_schema_version,
    .tenant_add = sqlite_tenant_add,
    .tenant_get = sqlite_tenant_get,
    .tenant_list = sqlite_tenant_list,
    .tenant_update = sqlite_tenant_update,
    .user_add = sqlite_user_add,
    .user_get = sqlite_user_get,
    .user_find_email = sqlite_user_find_email,
    .user_list = sqlite_user_list,
    .user_rehash_password = sqlite_user_rehash_password,
    .user_set_lang = sqlite_user_set_lang,
    .user_password_change = mm__sqlite_user_password_change,
    .user_set_disabled = mm__sqlite_user_set_disabled,
    .session_add = sqlite_session_add,
    .session_find = sqlite_session_find,
    .session_delete = sqlite_session_delete,
    .token_add = sqlite_token_add,
    .token_find = sqlite_token_find,
    .token_revoke = sqlite_token_revoke,
    .audit_add = sqlite_audit_add,
    .audit_list = sqlite_audit_list,
    .enrol_code_add = mm__sqlite_enrol_code_add,
    .enrol_redeem = mm__sqlite_enrol_redeem,
    .sensor_find_key = mm__sqlite_sensor_find_key,
    .sensor_revoke = mm__sqlite_sensor_revoke,
    .sensor_get = mm__sqlite_sensor_get,
    .sensor_list = mm__sqlite_sensor_list,
    .sensors_check_silent = mm__sqlite_sensors_check_silent,
    .events_ingest = mm__sqlite_events_ingest,
    .alert_get = mm__sqlite_alert_get,
    .alert_list = mm__sqlite_alert_list,
    .alert_set_status = mm__sqlite_alert_set_status,
    .alerts_after = mm__sqlite_alerts_after,
    .alert_events = mm__sqlite_alert_events,
    /* desk, incidents, reports (store-sqlite-{tickets,incidents,reports}.c) */
    .ticket_add = mm__sqlite_ticket_add,
    .ticket_get = mm__sqlite_ticket_get,
    .ticket_list = mm__sqlite_ticket_list,
    .ticket_update = mm__sqlite_ticket_update,
    .ticket_message_add = mm__sqlite_ticket_message_add,
    .ticket_messages = mm__sqlite_ticket_messages,
    .ticket_link_alert = mm__sqlite_ticket_link_alert,
    .ticket_alert_ids = mm__sqlite_ticket_alert_ids,
    .incident_add = mm__sqlite_incident_add,
    .incident_get = mm__sqlite_incident_get,
    .incident_list = mm__sqlite_incident_list,
    .incident_update = mm__sqlite_incident_update,
    .incident_transition = mm__sqlite_incident_transition,
    .incident_note_add = mm__sqlite_incident_note_add,
    .incident_timeline = mm__sqlite_incident_timeline,
    .incident_dispatch = mm__sqlite_incident_dispatch,
    .incident_link_alert = mm__sqlite_incident_link_alert,
    .incident_alert_ids = mm__sqlite_incident_alert_ids,
    .sla_get = mm__sqlite_sla_get,
    .sla_set = mm__sqlite_sla_set,
    .report_monthly = mm__sqlite_report_monthly,
    .stats_tenants = mm__sqlite_stats_tenants,
    .stats_incidents = mm__sqlite_stats_incidents,
    /* emergency mail (store-sqlite-{contacts,mail}.c) */
    .contact_list = mm__sqlite_contact_list,
    .contact_replace = mm__sqlite_contact_replace,
    .user_set_duty = mm__sqlite_user_set_duty,
    .mail_list = mm__sqlite_mail_list,
    .mail_resend = mm__sqlite_mail_resend,
    .mail_recover = mm__sqlite_mail_recover,
    .mail_scan = mm__sqlite_mail_scan,
    .mail_digests = mm__sqlite_mail_digests,
    .mail_claim = mm__sqlite_mail_claim,
    .mail_mark_transfer = mm__sqlite_mail_mark_transfer,
    .mail_finish = mm__sqlite_mail_finish,
    .backup = mm__sqlite_backup,
};
