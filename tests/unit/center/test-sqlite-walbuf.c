/* SPDX-License-Identifier: Apache-2.0
 * Tests of the WAL-gathering SQLite VFS (sqlite-walbuf.h): a database
 * written through it (synchronous = FULL, WAL) with transactions of every
 * size (one small row, rows of several pages, a transaction larger than
 * the gathering buffer, one that spills its cache into the WAL and reads
 * it back before it commits, rolled-back ones, checkpoints in between)
 * holds after every commit exactly what a second connection through the
 * default VFS reads, and what an in-memory model says. Two connections
 * through it: one rolls back pages it spilled into the WAL, the other
 * commits frames at the same offsets, and the first one's later reads,
 * writes and close leave them alone. A connection set to synchronous =
 * NORMAL at run time publishes nothing a reader cannot find. Then a child
 * process commits transactions through it and dies with _exit (as after
 * kill -9, nothing closed or flushed by hand) right after a commit: every
 * committed transaction is in the file, read through the default VFS.
 * Last, the store uses the VFS with synchronous = FULL only: with NORMAL a
 * commit does not sync, so other connections could be shown frames that
 * are still gathered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "center/sqlite-walbuf.h"
#include "center/store-sqlite.h"
#include "center/store.h"
#include "../test-tmpdir.h"

#define ROWS_MAX 1000

/* The model: row id -> (size, seed) of its blob, 0 size for none. */
struct model {
    int size[ROWS_MAX];
    unsigned seed[ROWS_MAX];
};

static void fill(unsigned char *p, int n, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 16);
    }
}

static sqlite3 *open_db(const char *path, const char *vfs)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                                  "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, b BLOB)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

static void put(sqlite3 *db, int id, int size, unsigned seed)
{
    sqlite3_stmt *st;
    unsigned char *b = malloc((size_t)size + 1);
    assert_non_null(b);
    fill(b, size, seed);
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO t (id, b) VALUES (?, ?)", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int(st, 1, id);
    sqlite3_bind_blob(st, 2, b, size, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    free(b);
}

/* The row count and the sum of the blob sizes of db are the model's. */
static void check_sizes(sqlite3 *db, const struct model *m)
{
    sqlite3_stmt *st;
    int64_t rows = 0, bytes = 0;
    for (int i = 0; i < ROWS_MAX; i++) {
        rows += m->size[i] > 0;
        bytes += m->size[i];
    }
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*), sum(length(b)) FROM t", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), rows);
    assert_int_equal(sqlite3_column_int64(st, 1), bytes);
    sqlite3_finalize(st);
}

/* Every row of db is the model's, and the model has no other row. */
static void check(sqlite3 *db, const struct model *m)
{
    sqlite3_stmt *st;
    int rows = 0, want = 0;
    unsigned char *b = malloc(300 * 1024);
    assert_non_null(b);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, b FROM t", -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0), n = sqlite3_column_bytes(st, 1);
        assert_true(id >= 0 && id < ROWS_MAX);
        assert_int_equal(n, m->size[id]);
        fill(b, n, m->seed[id]);
        assert_memory_equal(sqlite3_column_blob(st, 1), b, (size_t)n);
        rows++;
    }
    sqlite3_finalize(st);
    for (int i = 0; i < ROWS_MAX; i++)
        want += m->size[i] > 0;
    assert_int_equal(rows, want);
    free(b);
}

/* One random transaction: a few rows of random size (up to ~260 KB, over
 * the gathering buffer's piece size), committed or rolled back. */
static void random_tx(sqlite3 *db, struct model *m, unsigned *rnd)
{
    struct model next = *m;
    int n = 1 + (int)(rand_r(rnd) % 20);
    bool commit = rand_r(rnd) % 5 != 0;
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < n; i++) {
        int id = (int)(rand_r(rnd) % ROWS_MAX), kind = (int)(rand_r(rnd) % 10);
        int size = kind < 6   ? 1 + (int)(rand_r(rnd) % 900)
                   : kind < 9 ? 1 + (int)(rand_r(rnd) % 20000)
                              : 1 + (int)(rand_r(rnd) % 260000);
        unsigned seed = (unsigned)rand_r(rnd);
        put(db, id, size, seed);
        next.size[id] = size;
        next.seed[id] = seed;
    }
    assert_int_equal(sqlite3_exec(db, commit ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    if (commit)
        *m = next;
}

static void test_walbuf_same_data(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_MAX], path[TEST_TMPDIR_MAX];
    struct model *m = calloc(1, sizeof *m);
    unsigned rnd = 20261126u;
    assert_non_null(m);
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "walbuf"), 0);
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, "w.db"), 0);
    const char *vfs = mm__sqlite_walbuf_name();
    assert_string_equal(vfs, MM_SQLITE_WALBUF_VFS);
    sqlite3 *w = open_db(path, vfs), *r = open_db(path, NULL);
    /* A small cache makes large transactions spill pages into the WAL
     * before their commit and read them back from it. */
    assert_int_equal(sqlite3_exec(w, "PRAGMA cache_size = 20", NULL, NULL, NULL), SQLITE_OK);
    for (int step = 0; step < 200; step++) {
        random_tx(w, m, &rnd);
        check_sizes(r, m);
        if (step % 20 == 0)
            check(r, m);
        if (step % 37 == 0)
            assert_int_equal(sqlite3_exec(r, "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, NULL),
                             SQLITE_OK);
        if (step % 101 == 0)
            assert_int_equal(sqlite3_exec(w, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
                             SQLITE_OK);
    }
    check(w, m);
    assert_int_equal(sqlite3_close(w), SQLITE_OK);
    check(r, m);
    assert_int_equal(sqlite3_close(r), SQLITE_OK);
    r = open_db(path, NULL);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(r, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    check(r, m);
    sqlite3_close(r);
    test_tmpdir_remove(dir);
    free(m);
}

/* Two connections through the VFS, as the store's pool and ingest
 * connection: A's transaction spills pages into the WAL and is rolled
 * back (its frames still gathered), B then commits frames at the same
 * offsets. A's next read of such a frame, its next write transaction or
 * its close must not put A's rolled-back bytes over B's committed ones. */
static void test_walbuf_rollback_then_other_writer(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_MAX], path[TEST_TMPDIR_MAX];
    struct model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "walbuf-two"), 0);
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, "t.db"), 0);
    const char *vfs = mm__sqlite_walbuf_name();
    sqlite3 *a = open_db(path, vfs), *b = open_db(path, vfs);
    assert_int_equal(sqlite3_exec(a, "PRAGMA cache_size = 10", NULL, NULL, NULL), SQLITE_OK);
    for (int round = 0; round < 3; round++) {
        /* A: about 150 KB of new pages, more than its cache: spilled */
        assert_int_equal(sqlite3_exec(a, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        for (int i = 0; i < 30; i++)
            put(a, i, 5000, 1000u + (unsigned)round);
        assert_int_equal(sqlite3_exec(a, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
        /* B: the same rows with other bytes, committed */
        assert_int_equal(sqlite3_exec(b, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        for (int i = 0; i < 30; i++) {
            put(b, i, 5000, 2000u + (unsigned)round);
            m->size[i] = 5000;
            m->seed[i] = 2000u + (unsigned)round;
        }
        assert_int_equal(sqlite3_exec(b, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        check(a, m); /* reads B's frames, where A's gathered bytes would go */
        check(b, m);
        /* A writes again: a write elsewhere in the WAL */
        assert_int_equal(sqlite3_exec(a, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        put(a, 500 + round, 100, 7u);
        m->size[500 + round] = 100;
        m->seed[500 + round] = 7u;
        assert_int_equal(sqlite3_exec(a, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        check(b, m);
        check(a, m);
    }
    /* A spills and rolls back once more, B commits, A closes first */
    assert_int_equal(sqlite3_exec(a, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < 30; i++)
        put(a, i, 5000, 3000u);
    assert_int_equal(sqlite3_exec(a, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(b, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < 30; i++) {
        put(b, i, 5000, 4000u);
        m->seed[i] = 4000u;
    }
    assert_int_equal(sqlite3_exec(b, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(a), SQLITE_OK);
    sqlite3 *r = open_db(path, NULL);
    check(r, m);
    assert_int_equal(sqlite3_close(b), SQLITE_OK);
    check(r, m);
    sqlite3_close(r);
    test_tmpdir_remove(dir);
    free(m);
}

/* A connection through the VFS whose synchronous is set to NORMAL at run
 * time commits without a sync; a reader through the default VFS must
 * still find every committed row in the file (the VFS stops gathering),
 * and again after the setting goes back to FULL. */
static void test_walbuf_synchronous_normal(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_MAX], path[TEST_TMPDIR_MAX];
    struct model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "walbuf-normal"), 0);
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, "n.db"), 0);
    sqlite3 *w = open_db(path, mm__sqlite_walbuf_name()), *r = open_db(path, NULL);
    const char *modes[] = {"NORMAL", "1", "OFF", "FULL", "normal", "extra"};
    for (int k = 0; k < 6; k++) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA synchronous = %s", modes[k]);
        assert_int_equal(sqlite3_exec(w, sql, NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        for (int i = 0; i < 20; i++) {
            int id = k * 20 + i;
            put(w, id, 3000, 500u + (unsigned)id);
            m->size[id] = 3000;
            m->seed[id] = 500u + (unsigned)id;
        }
        assert_int_equal(sqlite3_exec(w, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        check(r, m);
    }
    sqlite3_close(r);
    sqlite3_close(w);
    test_tmpdir_remove(dir);
    free(m);
}

/* The child commits transactions and reports each commit on the pipe
 * (after COMMIT returned, as the centre acknowledges a batch), then dies
 * without closing anything. */
static void child_commits(const char *path, int fd, int commits)
{
    unsigned rnd = 77u;
    sqlite3 *w = open_db(path, mm__sqlite_walbuf_name());
    for (int i = 0; i < commits; i++) {
        assert_int_equal(sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        for (int k = 0; k < 30; k++)
            put(w, i * 30 + k, 1 + (int)(rand_r(&rnd) % 9000), 1);
        assert_int_equal(sqlite3_exec(w, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        if (write(fd, &i, sizeof i) != (ssize_t)sizeof i)
            _exit(3);
    }
    /* Half-written next transaction, then gone as after kill -9. */
    assert_int_equal(sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    put(w, 999999, 5000, 1);
    _exit(0);
}

static void test_walbuf_killed_after_commit(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_MAX], path[TEST_TMPDIR_MAX];
    int fds[2], acked = -1, got;
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "walbuf-kill"), 0);
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, "k.db"), 0);
    sqlite3_close(open_db(path, NULL));
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_commits(path, fds[1], 100);
    }
    close(fds[1]);
    while (read(fds[0], &got, sizeof got) == (ssize_t)sizeof got)
        acked = got;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(acked, 99);
    sqlite3 *r = open_db(path, NULL);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(r, "SELECT count(*), max(id) FROM t", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), (acked + 1) * 30);
    assert_int_equal(sqlite3_column_int(st, 1), (acked + 1) * 30 - 1);
    sqlite3_finalize(st);
    sqlite3_close(r);
    test_tmpdir_remove(dir);
}

/* The VFS name of a pool connection of a store opened with sync_full. */
static void store_vfs(bool sync_full, char *out, size_t n)
{
    char dir[TEST_TMPDIR_MAX], err[256];
    struct mm_store *st = NULL;
    sqlite3_vfs *vfs = NULL;
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "walbuf-store"), 0);
    struct mm_store_config cfg = {.dir = dir, .connections = 1, .sync_full = sync_full};
    assert_int_equal(mm_store_open_sqlite(&cfg, &st, err, sizeof err), 0);
    sqlite3 *db = mm__sqlite_acquire(st);
    assert_int_equal(sqlite3_file_control(db, "main", SQLITE_FCNTL_VFS_POINTER, &vfs), SQLITE_OK);
    assert_non_null(vfs);
    snprintf(out, n, "%s", vfs->zName);
    mm__sqlite_release(st, db);
    mm_store_close(st);
    test_tmpdir_remove(dir);
}

static void test_store_walbuf_only_with_full_sync(void **state)
{
    (void)state;
    char name[64];
    store_vfs(true, name, sizeof name);
    assert_string_equal(name, MM_SQLITE_WALBUF_VFS);
    store_vfs(false, name, sizeof name);
    assert_string_not_equal(name, MM_SQLITE_WALBUF_VFS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walbuf_same_data),
        cmocka_unit_test(test_walbuf_rollback_then_other_writer),
        cmocka_unit_test(test_walbuf_synchronous_normal),
        cmocka_unit_test(test_walbuf_killed_after_commit),
        cmocka_unit_test(test_store_walbuf_only_with_full_sync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
