/* SPDX-License-Identifier: Apache-2.0
 * The SQLite backend's emergency-mail slots (store.h group "emergency
 * mail"), implemented in store-sqlite-contacts.c (contacts, the on-duty
 * flag) and store-sqlite-mail.c (the outbox), and listed in the sqlite_ops
 * table of store-sqlite.c. Not for other callers. */
#ifndef MM_CENTER_STORE_SQLITE_MAIL_H
#define MM_CENTER_STORE_SQLITE_MAIL_H

#include <sqlite3.h>

#include "center/store.h"

int mm__sqlite_contact_list(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                            mm_contact_fn fn, void *arg);
int mm__sqlite_contact_replace(struct mm_store *st, const struct mm_scope *scope,
                               const struct mm_actor *who, int64_t tenant_id,
                               const struct mm_contact *items, size_t n, int64_t now);
int mm__sqlite_user_set_duty(struct mm_store *st, const struct mm_scope *scope,
                             const struct mm_actor *who, int64_t user_id, bool on, int64_t now);
int mm__sqlite_mail_list(struct mm_store *st, const struct mm_scope *scope, const char *status,
                         int64_t tenant_id, const struct mm_page *page, mm_mail_entry_fn fn,
                         void *arg);
int mm__sqlite_mail_resend(struct mm_store *st, const struct mm_scope *scope,
                           const struct mm_actor *who, int64_t id, int64_t now);
int mm__sqlite_mail_recover(struct mm_store *st, int64_t now, int *requeued, int *uncertain);
int mm__sqlite_mail_scan(struct mm_store *st, const struct mm_mail_config *cfg, int64_t now,
                         int *queued);
int mm__sqlite_mail_digests(struct mm_store *st, const struct mm_mail_config *cfg, int64_t now,
                            int *queued);
/* Ingest calls this inside its transaction when folding events raised alert
 * alert_id from from_severity to severity: the rise is recorded for the
 * mail scan (mail_rises, migration 009) when the scan has already passed the
 * alert and severity reaches the tenant's mail_severity; else nothing. */
int mm__sqlite_mail_note_rise(sqlite3 *db, int64_t alert_id, int from_severity, int severity,
                              int64_t now);
int mm__sqlite_mail_claim(struct mm_store *st, int64_t now, struct mm_mail_row *out);
int mm__sqlite_mail_mark_transfer(struct mm_store *st, int64_t id);
int mm__sqlite_mail_finish(struct mm_store *st, const struct mm_mail_config *cfg, int64_t id,
                           int attempts, bool ok, const char *error, int64_t now);

#endif
