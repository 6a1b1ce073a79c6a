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
 * synchronous = FULL (mm__sqlite_walbuf_name). Other files pass through. */
#include "center/sqlite-walbuf.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define WALBUF_CAP   (1024 * 1024) /* bytes gathered before they are written */
#define WALBUF_PIECE (124 * 1024)  /* bytes per write to the default VFS */

struct walbuf_file {
    sqlite3_file base;   /* methods: walbuf_io, or the real file's for other files */
    sqlite3_file *real;  /* the default VFS's file, right after this struct */
    char *buf;           /* gathered bytes (allocated on first write) */
    sqlite3_int64 start; /* the file offset of buf[0] */
    int len;
};

static sqlite3_vfs walbuf_vfs;
static sqlite3_vfs *real_vfs;

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
 * straight through). */
static int walbuf_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
    struct walbuf_file *f = (struct walbuf_file *)file;
    bool continues = f->len > 0 && off == f->start + f->len && f->len + amt <= WALBUF_CAP;
    if (!continues) {
        int rc = walbuf_flush(f);
        if (rc != SQLITE_OK)
            return rc;
        if (amt > WALBUF_PIECE || (!f->buf && !(f->buf = malloc(WALBUF_CAP))))
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

/* A WAL file is opened by the default VFS into the space after our struct
 * and gets the gathering methods; any other file (the database with its
 * shared memory and mapping, journals) is the default VFS's file as is,
 * in the space SQLite gave us. */
static int walbuf_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                       int *out_flags)
{
    (void)vfs;
    if (!(flags & SQLITE_OPEN_WAL))
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
    walbuf_vfs.szOsFile = (int)sizeof(struct walbuf_file) + real_vfs->szOsFile;
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
