/* SPDX-License-Identifier: Apache-2.0
 * Owns the "mm-walbuf" SQLite VFS: the default VFS with the writes to a
 * WAL file gathered in memory and handed to the kernel in one pwrite per
 * run of adjacent bytes, instead of SQLite's two (frame header, page) per
 * frame. A batch of 1,000 events writes ~270 frames of 4,120 bytes at its
 * commit; written one by one that is ~540 system calls and, since a frame
 * straddles page-cache pages, about three page-cache write steps per
 * frame instead of one.
 * Durability is unchanged: the gathered bytes are written before every
 * sync, read, size query, truncation and close of the WAL file, so what
 * SQLite syncs at a commit (synchronous = FULL) is exactly what it wrote,
 * and a process killed before that sync had not acknowledged the
 * transaction yet (docs/design/center-storage.md). Other connections read
 * a WAL frame only once the wal-index publishes it, which SQLite does
 * after the commit's sync; so the store uses this VFS only with
 * synchronous = FULL (mm__sqlite_walbuf_name).
 * Bytes still gathered when the connection gives up the WAL write lock
 * belong to a transaction that did not commit (one that spilled pages
 * into the WAL and was rolled back): they are dropped then, unwritten.
 * Written later they would land on frames another connection has
 * committed at the same offsets since. So the database file is wrapped
 * too: its xShmLock tells the WAL file of the same connection (found
 * through the file name SQLite hands both) when the write lock goes.
 * A PRAGMA synchronous below FULL, which SQLite announces to the database
 * file, stops the gathering until FULL is set again.
 * Other files pass through. */
#include "center/sqlite-walbuf.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define WALBUF_CAP   (1024 * 1024) /* bytes gathered before they are written */
#define WALBUF_PIECE (124 * 1024)  /* bytes per write to the default VFS */

#define WAL_WRITE_LOCK 0 /* the wal-index lock slot of the WAL's writer (wal.c) */

struct walbuf_db;

struct walbuf_file {
    sqlite3_file base;   /* methods: walbuf_io, or the real file's for other files */
    sqlite3_file *real;  /* the default VFS's file, right after this struct */
    char *buf;           /* gathered bytes (allocated on first write) */
    sqlite3_int64 start; /* the file offset of buf[0] */
    int len;
    struct walbuf_db *db; /* the database file of the same connection */
};

/* A database file: the default VFS's, right after this struct. */
struct walbuf_db {
    sqlite3_file base;       /* methods: walbuf_db_io */
    sqlite3_file *real;      /* the default VFS's file */
    const char *name;        /* the name SQLite opened it with (its pointer) */
    struct walbuf_file *wal; /* this connection's WAL file while it is open */
    bool not_full;           /* PRAGMA synchronous was set below FULL */
    struct walbuf_db *next;  /* the open database files */
};

static sqlite3_vfs walbuf_vfs;
static sqlite3_vfs *real_vfs;
static pthread_mutex_t dbs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct walbuf_db *dbs;

/* Writes the gathered bytes in pieces the default VFS takes (its write
 * keeps only the low 17 bits of a length: SQLite itself never writes more
 * than a page); the buffer is empty afterwards either way. */
static int walbuf_flush(struct walbuf_file *f)
{
    int rc = SQLITE_OK;
    for (int done = 0; rc == SQLITE_OK && done < f->len; done += WALBUF_PIECE) {
        int n = f->len - done < WALBUF_PIECE ? f->len - done : WALBUF_PIECE;
        rc = f->real->pMethods->xWrite(f->real, f->buf + done, n, f->start + done);
    }
    f->len = 0;
    return rc;
}

static int walbuf_close(sqlite3_file *file)
{
    struct walbuf_file *f = (struct walbuf_file *)file;
    int rc = walbuf_flush(f);
    pthread_mutex_lock(&dbs_mu);
    if (f->db)
        f->db->wal = NULL;
    pthread_mutex_unlock(&dbs_mu);
    int rc2 = f->real->pMethods->xClose(f->real);
    free(f->buf);
    f->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static bool overlaps(const struct walbuf_file *f, sqlite3_int64 off, int amt)
{
    return f->len > 0 && off < f->start + f->len && off + amt > f->start;
}

static int walbuf_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off)
{
    struct walbuf_file *f = (struct walbuf_file *)file;
    if (overlaps(f, off, amt)) {
        int rc = walbuf_flush(f);
        if (rc != SQLITE_OK)
            return rc;
    }
    return f->real->pMethods->xRead(f->real, out, amt, off);
}

/* Appends to the gathered run when the write continues it and fits;
 * otherwise writes the run and starts a new one (or writes a large block
 * straight through, and every write once synchronous is below FULL). */
static int walbuf_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
    struct walbuf_file *f = (struct walbuf_file *)file;
    bool gather = f->db && !f->db->not_full;
    bool continues = gather && f->len > 0 && off == f->start + f->len && f->len + amt <= WALBUF_CAP;
    if (!continues) {
        int rc = walbuf_flush(f);
        if (rc != SQLITE_OK)
            return rc;
        if (!gather || amt > WALBUF_PIECE || (!f->buf && !(f->buf = malloc(WALBUF_CAP))))
            return f->real->pMethods->xWrite(f->real, data, amt, off);
        f->start = off;
    }
    memcpy(f->buf + f->len, data, (size_t)amt);
    f->len += amt;
    return SQLITE_OK;
}

static int walbuf_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    struct walbuf_file *f = (struct walbuf_file *)file;
    int rc = walbuf_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int walbuf_sync(sqlite3_file *file, int flags)
{
    struct walbuf_file *f = (struct walbuf_file *)file;
    int rc = walbuf_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int walbuf_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    struct walbuf_file *f = (struct walbuf_file *)file;
    int rc = walbuf_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

/* The rest is the real file's. */
#define REAL(file) (((struct walbuf_file *)(file))->real)

static int walbuf_lock(sqlite3_file *file, int level)
{
    return REAL(file)->pMethods->xLock(REAL(file), level);
}

static int walbuf_unlock(sqlite3_file *file, int level)
{
    return REAL(file)->pMethods->xUnlock(REAL(file), level);
}

static int walbuf_check_reserved(sqlite3_file *file, int *out)
{
    return REAL(file)->pMethods->xCheckReservedLock(REAL(file), out);
}

/* A file control may size or inspect the file: the real file first
 * gets what was gathered. */
static int walbuf_file_control(sqlite3_file *file, int op, void *arg)
{
    int rc = walbuf_flush((struct walbuf_file *)file);
    return rc != SQLITE_OK ? rc : REAL(file)->pMethods->xFileControl(REAL(file), op, arg);
}

static int walbuf_sector_size(sqlite3_file *file)
{
    return REAL(file)->pMethods->xSectorSize(REAL(file));
}

static int walbuf_device_characteristics(sqlite3_file *file)
{
    return REAL(file)->pMethods->xDeviceCharacteristics(REAL(file));
}

/* Version 1 methods: a WAL file has no shared memory and is not mapped. */
static const sqlite3_io_methods walbuf_io = {
    .iVersion = 1,
    .xClose = walbuf_close,
    .xRead = walbuf_read,
    .xWrite = walbuf_write,
    .xTruncate = walbuf_truncate,
    .xSync = walbuf_sync,
    .xFileSize = walbuf_file_size,
    .xLock = walbuf_lock,
    .xUnlock = walbuf_unlock,
    .xCheckReservedLock = walbuf_check_reserved,
    .xFileControl = walbuf_file_control,
    .xSectorSize = walbuf_sector_size,
    .xDeviceCharacteristics = walbuf_device_characteristics,
};

/* ---- the database file: the default VFS's, with its xShmLock watched ---- */

#define DB_REAL(file) (((struct walbuf_db *)(file))->real)

static int db_close(sqlite3_file *file)
{
    struct walbuf_db *d = (struct walbuf_db *)file;
    pthread_mutex_lock(&dbs_mu);
    for (struct walbuf_db **p = &dbs; *p; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            break;
        }
    }
    if (d->wal)
        d->wal->db = NULL;
    pthread_mutex_unlock(&dbs_mu);
    return d->real->pMethods->xClose(d->real);
}

static int db_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off)
{
    return DB_REAL(file)->pMethods->xRead(DB_REAL(file), out, amt, off);
}

static int db_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
    return DB_REAL(file)->pMethods->xWrite(DB_REAL(file), data, amt, off);
}

static int db_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    return DB_REAL(file)->pMethods->xTruncate(DB_REAL(file), size);
}

static int db_sync(sqlite3_file *file, int flags)
{
    return DB_REAL(file)->pMethods->xSync(DB_REAL(file), flags);
}

static int db_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    return DB_REAL(file)->pMethods->xFileSize(DB_REAL(file), size);
}

static int db_lock(sqlite3_file *file, int level)
{
    return DB_REAL(file)->pMethods->xLock(DB_REAL(file), level);
}

static int db_unlock(sqlite3_file *file, int level)
{
    return DB_REAL(file)->pMethods->xUnlock(DB_REAL(file), level);
}

static int db_check_reserved(sqlite3_file *file, int *out)
{
    return DB_REAL(file)->pMethods->xCheckReservedLock(DB_REAL(file), out);
}

/* Whether a PRAGMA synchronous value keeps a sync at every commit (FULL,
 * EXTRA); anything else, or a value not recognised, does not. */
static bool sync_value_full(const char *v)
{
    return sqlite3_stricmp(v, "full") == 0 || sqlite3_stricmp(v, "extra") == 0 ||
           strcmp(v, "2") == 0 || strcmp(v, "3") == 0;
}

/* SQLite tells the database file of every PRAGMA before it runs it: once
 * synchronous is set below FULL, commits publish frames without a sync,
 * so the WAL file stops gathering (walbuf_write). */
static int db_file_control(sqlite3_file *file, int op, void *arg)
{
    struct walbuf_db *d = (struct walbuf_db *)file;
    if (op == SQLITE_FCNTL_PRAGMA) {
        char **a = arg;
        if (a[1] && a[2] && sqlite3_stricmp(a[1], "synchronous") == 0)
            d->not_full = !sync_value_full(a[2]);
    }
    return d->real->pMethods->xFileControl(d->real, op, arg);
}

static int db_sector_size(sqlite3_file *file)
{
    return DB_REAL(file)->pMethods->xSectorSize(DB_REAL(file));
}

static int db_device_characteristics(sqlite3_file *file)
{
    return DB_REAL(file)->pMethods->xDeviceCharacteristics(DB_REAL(file));
}

static int db_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **out)
{
    return DB_REAL(file)->pMethods->xShmMap(DB_REAL(file), page, size, extend, out);
}

/* The WAL write lock given up: the transaction committed (its bytes were
 * written and synced at the commit) or did not (what is still gathered is
 * dropped, never written: frames of other writers may lie there by now). */
static int db_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    struct walbuf_db *d = (struct walbuf_db *)file;
    if (d->wal && (flags & SQLITE_SHM_UNLOCK) && (flags & SQLITE_SHM_EXCLUSIVE) &&
        offset <= WAL_WRITE_LOCK && offset + n > WAL_WRITE_LOCK)
        d->wal->len = 0;
    return d->real->pMethods->xShmLock(d->real, offset, n, flags);
}

static void db_shm_barrier(sqlite3_file *file)
{
    DB_REAL(file)->pMethods->xShmBarrier(DB_REAL(file));
}

static int db_shm_unmap(sqlite3_file *file, int delete_flag)
{
    return DB_REAL(file)->pMethods->xShmUnmap(DB_REAL(file), delete_flag);
}

static int db_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out)
{
    return DB_REAL(file)->pMethods->xFetch(DB_REAL(file), off, amt, out);
}

static int db_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
    return DB_REAL(file)->pMethods->xUnfetch(DB_REAL(file), off, p);
}

/* Version 3 (shared memory and mapping), as the default VFS's files. */
static const sqlite3_io_methods walbuf_db_io = {
    .iVersion = 3,
    .xClose = db_close,
    .xRead = db_read,
    .xWrite = db_write,
    .xTruncate = db_truncate,
    .xSync = db_sync,
    .xFileSize = db_file_size,
    .xLock = db_lock,
    .xUnlock = db_unlock,
    .xCheckReservedLock = db_check_reserved,
    .xFileControl = db_file_control,
    .xSectorSize = db_sector_size,
    .xDeviceCharacteristics = db_device_characteristics,
    .xShmMap = db_shm_map,
    .xShmLock = db_shm_lock,
    .xShmBarrier = db_shm_barrier,
    .xShmUnmap = db_shm_unmap,
    .xFetch = db_fetch,
    .xUnfetch = db_unfetch,
};

/* The same for a file in version 1 methods (no shared memory: no WAL
 * but in exclusive locking mode, with one connection). */
static const sqlite3_io_methods walbuf_db_io1 = {
    .iVersion = 1,
    .xClose = db_close,
    .xRead = db_read,
    .xWrite = db_write,
    .xTruncate = db_truncate,
    .xSync = db_sync,
    .xFileSize = db_file_size,
    .xLock = db_lock,
    .xUnlock = db_unlock,
    .xCheckReservedLock = db_check_reserved,
    .xFileControl = db_file_control,
    .xSectorSize = db_sector_size,
    .xDeviceCharacteristics = db_device_characteristics,
};

/* ---- opening ---- */

/* A database file is wrapped; one in the default VFS's version 3 methods
 * is listed for its WAL file to find (with fewer methods, its WAL file
 * finds no database and is not gathered). */
static int open_db(sqlite3_filename name, sqlite3_file *file, int flags, int *out_flags)
{
    struct walbuf_db *d = (struct walbuf_db *)file;
    memset(d, 0, sizeof *d);
    d->real = (sqlite3_file *)(d + 1);
    int rc = real_vfs->xOpen(real_vfs, name, d->real, flags, out_flags);
    if (rc != SQLITE_OK || !d->real->pMethods) {
        d->base.pMethods = NULL;
        return rc;
    }
    if (d->real->pMethods->iVersion < 3) {
        d->base.pMethods = &walbuf_db_io1;
        return SQLITE_OK;
    }
    d->name = name;
    d->base.pMethods = &walbuf_db_io;
    pthread_mutex_lock(&dbs_mu);
    d->next = dbs;
    dbs = d;
    pthread_mutex_unlock(&dbs_mu);
    return SQLITE_OK;
}

/* The database file of the same connection: SQLite names its WAL file in
 * the same allocation as the database, so sqlite3_filename_database gives
 * the very pointer the database file was opened with. */
static struct walbuf_db *db_of_wal(sqlite3_filename name)
{
    const char *db_name = name ? sqlite3_filename_database(name) : NULL;
    for (struct walbuf_db *d = dbs; db_name && d; d = d->next)
        if (d->name == db_name && !d->wal)
            return d;
    return NULL;
}

/* A WAL file is opened by the default VFS into the space after our struct
 * and gets the gathering methods when its database file is ours; any other
 * file (journals, temporary files) is the default VFS's file as is, in the
 * space SQLite gave us. */
static int walbuf_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                       int *out_flags)
{
    (void)vfs;
    if (flags & SQLITE_OPEN_MAIN_DB)
        return open_db(name, file, flags, out_flags);
    if (!(flags & SQLITE_OPEN_WAL))
        return real_vfs->xOpen(real_vfs, name, file, flags, out_flags);
    pthread_mutex_lock(&dbs_mu);
    struct walbuf_db *db = db_of_wal(name);
    pthread_mutex_unlock(&dbs_mu);
    if (!db) /* no database file to tell us when the write lock goes */
        return real_vfs->xOpen(real_vfs, name, file, flags, out_flags);
    struct walbuf_file *f = (struct walbuf_file *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        f->base.pMethods = NULL;
        return rc;
    }
    f->base.pMethods = &walbuf_io;
    pthread_mutex_lock(&dbs_mu);
    f->db = db;
    db->wal = f;
    pthread_mutex_unlock(&dbs_mu);
    return SQLITE_OK;
}

static void walbuf_register(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    if (!real_vfs)
        return;
    walbuf_vfs = *real_vfs;
    walbuf_vfs.zName = MM_SQLITE_WALBUF_VFS;
    walbuf_vfs.pNext = NULL;
    size_t own = sizeof(struct walbuf_file) > sizeof(struct walbuf_db) ? sizeof(struct walbuf_file)
                                                                       : sizeof(struct walbuf_db);
    walbuf_vfs.szOsFile = (int)own + real_vfs->szOsFile;
    walbuf_vfs.xOpen = walbuf_open;
    if (sqlite3_vfs_register(&walbuf_vfs, 0) != SQLITE_OK)
        real_vfs = NULL;
}

const char *mm__sqlite_walbuf_name(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, walbuf_register);
    return real_vfs ? MM_SQLITE_WALBUF_VFS : NULL;
}
