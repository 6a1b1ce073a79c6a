/* SPDX-License-Identifier: Apache-2.0
 * Owns the SQLite side of an account's life cycle (migration 013): a new
 * password (one's own change, or a manager's reset that marks it "must
 * change" and revokes the user's API tokens) with the user's other sessions
 * ended in the same transaction, and disabling or re-enabling a user (its
 * sessions ended at once, never the vendor's last active admin). Tenant-scoped like every slot of
 * store.h: a user outside the caller's scope does not exist (MM_ENOENT); changes are audited in the
 * same transaction, never with a password or hash. */
#include <stdio.h>
#include <string.h>

#include "center/store-sqlite.h"
#include "core/error.h"

/* 0 when user_id is within scope, else MM_ENOENT. */
static int user_in_scope(sqlite3 *db, const struct mm_scope *scope, int64_t user_id)
{
    sqlite3_stmt *s = NULL;
    int r =
        mm__sqlite_prepare(db, "SELECT 1 FROM users WHERE (?1 OR tenant_id = ?2) AND id = ?3", &s);
    if (r != 0)
        return r;
    mm__sqlite_bind_scope(s, scope);
    sqlite3_bind_int64(s, 3, user_id);
    r = mm__sqlite_step_row(s);
    sqlite3_finalize(s);
    return r;
}

/* Sets the hash and flag of user_id within scope, only while its hash is
 * current when that is not NULL (MM_ESTATE otherwise); *tenant gets its
 * tenant. */
static int set_password_row(sqlite3 *db, const struct mm_scope *scope, int64_t user_id,
                            const char *current, const char *hash, bool must_change,
                            int64_t *tenant)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "UPDATE users SET password_hash = ?3, must_change_password = ?4 "
                               "WHERE (?1 OR tenant_id = ?2) AND id = ?5 AND (?6 IS NULL OR "
                               "password_hash = ?6) RETURNING tenant_id",
                               &s);
    if (r != 0)
        return r;
    mm__sqlite_bind_scope(s, scope);
    sqlite3_bind_text(s, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, must_change ? 1 : 0);
    sqlite3_bind_int64(s, 5, user_id);
    if (current)
        sqlite3_bind_text(s, 6, current, -1, SQLITE_STATIC);
    r = mm__sqlite_step_row(s);
    if (r == 0)
        *tenant = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (r == MM_ENOENT && current && user_in_scope(db, scope, user_id) == 0)
        r = MM_ESTATE;
    return r;
}

/* Deletes user_id's sessions but the one whose token hash is keep (NULL:
 * all); *ended gets how many went. */
static int end_sessions(sqlite3 *db, int64_t user_id, const uint8_t *keep, int *ended)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR "
                               "token_hash <> ?2)",
                               &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, user_id);
    if (keep)
        sqlite3_bind_blob(s, 2, keep, MM_HASH_BYTES, SQLITE_STATIC);
    r = mm__sqlite_step_done(s);
    sqlite3_finalize(s);
    if (r == 0)
        *ended = sqlite3_changes(db);
    return r;
}

/* Revokes every API token of user_id not yet revoked; *revoked gets how
 * many. */
static int revoke_tokens(sqlite3 *db, int64_t user_id, int64_t now, int *revoked)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "UPDATE api_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND "
                               "revoked_at IS NULL",
                               &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_int64(s, 2, now);
    r = mm__sqlite_step_done(s);
    sqlite3_finalize(s);
    if (r == 0)
        *revoked = sqlite3_changes(db);
    return r;
}

static int password_change_tx(sqlite3 *db, const struct mm_scope *scope, const struct mm_actor *who,
                              const char *action, int64_t user_id, const char *current,
                              const char *hash, bool must_change, const uint8_t *keep, int64_t now,
                              struct mm_password_outcome *out)
{
    int64_t tenant = 0;
    int r = set_password_row(db, scope, user_id, current, hash, must_change, &tenant);
    if (r == 0)
        r = end_sessions(db, user_id, keep, &out->sessions_ended);
    if (r == 0 && !current) /* a reset: the account may not be the user's alone */
        r = revoke_tokens(db, user_id, now, &out->tokens_revoked);
    if (r != 0)
        return r;
    char detail[96], tokens[40] = "";
    if (!current)
        snprintf(tokens, sizeof tokens, " tokens_revoked=%d", out->tokens_revoked);
    snprintf(detail, sizeof detail, "sessions_ended=%d%s%s", out->sessions_ended, tokens,
             must_change ? " must_change=1" : "");
    return mm__sqlite_audit_on(db, who, tenant, action, "user", user_id, detail, now);
}

int mm__sqlite_user_password_change(struct mm_store *st, const struct mm_scope *scope,
                                    const struct mm_actor *who, const char *action, int64_t user_id,
                                    const char *current, const char *hash, bool must_change,
                                    const uint8_t keep[MM_HASH_BYTES], int64_t now,
                                    struct mm_password_outcome *out)
{
    struct mm_password_outcome none = {0, 0}, *o = out ? out : &none;
    *o = none;
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r == 0)
        r = mm__sqlite_end(db, password_change_tx(db, scope, who, action, user_id, current, hash,
                                                  must_change, keep, now, o));
    mm__sqlite_release(st, db);
    if (r != 0)
        *o = none;
    return r;
}

/* The row's tenant, role and disabled time, within scope. */
static int user_state(sqlite3 *db, const struct mm_scope *scope, int64_t user_id, int64_t *tenant,
                      bool *admin, int64_t *disabled_at)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT tenant_id, role = 'admin', coalesce(disabled_at, 0) FROM "
                               "users WHERE (?1 OR tenant_id = ?2) AND id = ?3",
                               &s);
    if (r != 0)
        return r;
    mm__sqlite_bind_scope(s, scope);
    sqlite3_bind_int64(s, 3, user_id);
    r = mm__sqlite_step_row(s);
    if (r == 0) {
        *tenant = sqlite3_column_int64(s, 0);
        *admin = sqlite3_column_int(s, 1) != 0;
        *disabled_at = sqlite3_column_int64(s, 2);
    }
    sqlite3_finalize(s);
    return r;
}

/* MM_ESTATE when no active admin but user_id would be left. */
static int other_admin_active(sqlite3 *db, int64_t user_id)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db,
                               "SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL "
                               "AND id <> ?1 LIMIT 1",
                               &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, user_id);
    r = mm__sqlite_step_row(s);
    sqlite3_finalize(s);
    return r == MM_ENOENT ? MM_ESTATE : r;
}

static int set_disabled_row(sqlite3 *db, int64_t user_id, bool disabled, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int r = mm__sqlite_prepare(db, "UPDATE users SET disabled_at = ?2 WHERE id = ?1", &s);
    if (r != 0)
        return r;
    sqlite3_bind_int64(s, 1, user_id);
    if (disabled)
        sqlite3_bind_int64(s, 2, now);
    r = mm__sqlite_step_done(s);
    sqlite3_finalize(s);
    return r;
}

static int set_disabled_tx(sqlite3 *db, const struct mm_scope *scope, const struct mm_actor *who,
                           int64_t user_id, bool disabled, int64_t now)
{
    int64_t tenant = 0, since = 0;
    bool admin = false;
    int ended = 0;
    int r = user_state(db, scope, user_id, &tenant, &admin, &since);
    if (r != 0 || (since != 0) == disabled)
        return r; /* missing, or already so: nothing to change or audit */
    if (disabled && admin)
        r = other_admin_active(db, user_id);
    if (r == 0)
        r = set_disabled_row(db, user_id, disabled, now);
    if (r == 0 && disabled)
        r = end_sessions(db, user_id, NULL, &ended);
    if (r != 0)
        return r;
    char detail[48];
    snprintf(detail, sizeof detail, "sessions_ended=%d", ended);
    return mm__sqlite_audit_on(db, who, tenant, disabled ? "user.disable" : "user.enable", "user",
                               user_id, disabled ? detail : "", now);
}

int mm__sqlite_user_set_disabled(struct mm_store *st, const struct mm_scope *scope,
                                 const struct mm_actor *who, int64_t user_id, bool disabled,
                                 int64_t now)
{
    sqlite3 *db = mm__sqlite_acquire(st);
    int r = mm__sqlite_begin(db);
    if (r == 0)
        r = mm__sqlite_end(db, set_disabled_tx(db, scope, who, user_id, disabled, now));
    mm__sqlite_release(st, db);
    return r;
}
