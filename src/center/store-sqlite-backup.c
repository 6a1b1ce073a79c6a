/* SPDX-License-Identifier: Apache-2.0
 * The SQLite backend's backup slot (store.h: backup): SQLite's online
 * backup API copies every page of center.db into a new file in one step
 * (sqlite3_backup_step(-1)), inside one read transaction of a pool
 * connection. In WAL mode that read sees the database as it was when it
 * began and holds up no writer: sensors' batches and the web UI's changes
 * go on meanwhile, into the WAL, and are simply not in the copy. (Copying
 * in several smaller steps would let other connections' writes restart the
 * copy, which under a steady stream of events might never end.) The copy
 * is then read through once (PRAGMA quick_check) before the caller renames
 * it into place. */
#include "center/store-sqlite.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/msg.h"

#define DEST_BUSY_MS 10000 /* nothing else has the new file open: a formality */

/* Copies src's main database into dst in one step; on failure err names why. */
static int copy_pages(sqlite3 *src, sqlite3 *dst, char *err, size_t errlen)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        snprintf(err, errlen, "%s", mm__sqlite_failure_text(dst));
        return mm__sqlite_code(sqlite3_errcode(dst));
    }
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b); /* the copy's error, if any, stays on dst */
    if (rc == SQLITE_DONE)
        return 0;
    snprintf(err, errlen, "%s",
             rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? sqlite3_errstr(rc)
                                                      : mm__sqlite_failure_text(dst));
    return mm__sqlite_code(rc);
}

/* PRAGMA quick_check of the copy: "ok", else the first problem in err. */
static int check_copy(sqlite3 *dst, char *err, size_t errlen)
{
    sqlite3_stmt *stmt = NULL;
    int r = mm__sqlite_prepare(dst, "PRAGMA quick_check", &stmt);
    if (r == 0 && sqlite3_step(stmt) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(stmt, 0);
        if (!v || strcmp(v, "ok") != 0) {
            snprintf(err, errlen, "quick_check: %s", v ? v : "?");
            r = MM_EDB;
        }
    } else if (r == 0) {
        snprintf(err, errlen, "%s", mm__sqlite_failure_text(dst));
        r = MM_EDB;
    }
    sqlite3_finalize(stmt);
    return r;
}

int mm__sqlite_backup(struct mm_store *st, const char *path, char *err, size_t errlen)
{
    sqlite3 *dst = NULL;
    err[0] = '\0';
    int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", dst ? mm__sqlite_failure_text(dst) : sqlite3_errstr(rc));
        sqlite3_close(dst);
        return MM_EDB;
    }
    sqlite3_busy_timeout(dst, DEST_BUSY_MS);
    sqlite3 *src = mm__sqlite_acquire(st);
    int r = copy_pages(src, dst, err, errlen);
    mm__sqlite_release(st, src);
    if (r == 0)
        r = check_copy(dst, err, errlen);
    if (sqlite3_close(dst) != SQLITE_OK && r == 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(dst));
        r = MM_EDB;
    }
    return r;
}
