/* SPDX-License-Identifier: Apache-2.0
 * Owns the SQLite side of the emergency-mail settings (migration 004): a
 * tenant's mail contacts (listed, and replaced as a whole list) and a vendor
 * user's on-duty flag. Tenant-scoped like every slot of store.h: a tenant
 * outside the caller's scope does not exist (MM_ENOENT); changes are
 * audited in the same transaction. */
#include <stdio.h>
#include <string.h>

#include "center/store-sqlite-mail.h"
#include "center/store-sqlite.h"
#include "core/error.h"

/* MM_ENOENT unless tenant_id is a tenant visible in scope. */
static int tenant_visible(sqlite3 *db, const struct mm_scope *scope, int64_t tenant_id)
{
    sqlite3_stmt *s = NULL;
    if (!mm_scope_allows(scope, tenant_id))
        return MM_ENOENT;
    int r = mm__sqlite_prepare(db, "SELECT 1 FROM tenants WHERE id = ?1", &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, tenant_id);
    r = sqlite3_step(s) == SQLITE_ROW ? 0 : MM_ENOENT;
    sqlite3_finalize(s);
    return r;
}

static int list_rows(sqlite3 *db, int64_t tenant_id, mm_contact_fn fn, void *arg)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT id, tenant_id, name, email, created_at FROM contacts "
                               "WHERE tenant_id = ?1 ORDER BY id",
                               &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, tenant_id);
    while (r == 0 && mm__sqlite_next(s, &r)) {
        struct mm_contact c;
        memset(&c, 0, sizeof c);
        c.id = sqlite3_column_int64(s, 0);
        c.tenant_id = sqlite3_column_int64(s, 1);
        mm__sqlite_copy_text(c.name, sizeof c.name, s, 2);
        mm__sqlite_copy_text(c.email, sizeof c.email, s, 3);
        c.created_at = sqlite3_column_int64(s, 4);
        r = fn(&c, arg);
    }
    sqlite3_finalize(s);
    return r;
}

int mm__sqlite_contact_list(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                            mm_contact_fn fn, void *arg)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = tenant_visible(db, scope, tenant_id);
    if (r == 0)
        r = list_rows(db, tenant_id, fn, arg);
    mm__sqlite_release(st, db);
    return r;
}

static int replace_rows(sqlite3 *db, const struct mm_actor *who, int64_t tenant_id,
                        const struct mm_contact *items, size_t n, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db, "DELETE FROM contacts WHERE tenant_id = ?1", &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, tenant_id);
    r = mm__sqlite_step_done(s);
    sqlite3_finalize(s);
    s = NULL;
    if (r == 0)
        r = mm__sqlite_prepare(db,
                               "INSERT OR IGNORE INTO contacts (tenant_id, name, email, "
                               "created_at) VALUES (?1, ?2, ?3, ?4)",
                               &s);
    for (size_t i = 0; r == 0 && i < n; i++) {
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, tenant_id);
        sqlite3_bind_text(s, 2, items[i].name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 3, items[i].email, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, now);
        r = mm__sqlite_step_done(s);
    }
    sqlite3_finalize(s);
    if (r == 0)
        r = mm__sqlite_audit_on(db, who, who->tenant_id, "contacts.replace", "tenant", tenant_id,
                                "", now);
    return r;
}

int mm__sqlite_contact_replace(struct mm_store *st, const struct mm_scope *scope,
                               const struct mm_actor *who, int64_t tenant_id,
                               const struct mm_contact *items, size_t n, int64_t now)
{
    if (n > MM_CONTACTS_MAX)
        return MM_ELIMIT;
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r == 0) {
        int w = tenant_visible(db, scope, tenant_id);
        if (w == 0)
            w = replace_rows(db, who, tenant_id, items, n, now);
        r = mm__sqlite_end(db, w);
    }
    mm__sqlite_release(st, db);
    return r;
}

static int set_duty(sqlite3 *db, const struct mm_actor *who, int64_t user_id, bool on, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r =
        mm__sqlite_prepare(db, "UPDATE users SET on_duty = ?2 WHERE id = ?1 AND tenant_id = 0", &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_int(s, 2, on ? 1 : 0);
    r = mm__sqlite_step_done(s);
    sqlite3_finalize(s);
    if (r == 0 && sqlite3_changes(db) == 0)
        r = MM_ENOENT; /* no such user, or an SME user (never on duty) */
    if (r == 0)
        r = mm__sqlite_audit_on(db, who, who->tenant_id, on ? "duty.on" : "duty.off", "user",
                                user_id, "", now);
    return r;
}

int mm__sqlite_user_set_duty(struct mm_store *st, const struct mm_scope *scope,
                             const struct mm_actor *who, int64_t user_id, bool on, int64_t now)
{
    if (!mm_scope_allows(scope, 0))
        return MM_ENOENT; /* vendor users are outside every SME scope */
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r == 0)
        r = mm__sqlite_end(db, set_duty(db, who, user_id, on, now));
    mm__sqlite_release(st, db);
    return r;
}
