/* SPDX-License-Identifier: Apache-2.0
 * The "mm-walbuf" SQLite VFS (sqlite-walbuf.c): the default VFS with a WAL
 * file's writes gathered until its next sync, read, size query or close
 * (and dropped, unwritten, when the connection gives up the WAL write lock
 * without having synced them: a rolled-back transaction's spilled pages).
 * Only for connections with synchronous = FULL. */
#ifndef MM_CENTER_SQLITE_WALBUF_H
#define MM_CENTER_SQLITE_WALBUF_H

#include <sqlite3.h>

#define MM_SQLITE_WALBUF_VFS "mm-walbuf"

/* Registers the VFS on first use (not as the default); returns its name for
 * sqlite3_open_v2, or NULL when it could not be registered (then the
 * default VFS serves). */
const char *mm__sqlite_walbuf_name(void);

#endif
