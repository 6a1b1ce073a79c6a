/* SPDX-License-Identifier: Apache-2.0
 * The row types of the storage interface's emergency-mail slots (store.h,
 * group "emergency mail"): a tenant's mail contacts and the outbox rows the
 * vendor lists. The slots follow store.h's rules; the SQLite backend keeps
 * them in store-sqlite-contacts.c (contacts, duty) and store-sqlite-mail.c
 * (the outbox, the scan of new alerts, throttle and digests). The states of
 * an outbox row are explained in docs/design/mail.md. */
#ifndef MM_CENTER_STORE_MAIL_H
#define MM_CENTER_STORE_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MM_CONTACTS_MAX 20 /* contacts per tenant */

struct mm_mail_config;
struct mm_mail_row;

/* One emergency-mail contact of a tenant. */
struct mm_contact {
    int64_t id, tenant_id;
    char name[256];
    char email[256];
    int64_t created_at;
};
typedef int (*mm_contact_fn)(const struct mm_contact *c, void *arg);

/* One outbox row as the vendor sees it (no message body). */
struct mm_mail_entry {
    int64_t id, tenant_id;
    const char *kind; /* "alert" | "digest" */
    int64_t alert_id; /* 0: none (a digest) */
    const char *message_id, *recipients, *subject;
    const char *status; /* pending sending transfer sent failed uncertain */
    int attempts;
    const char *last_error;
    int64_t created_at, sent_at; /* sent_at 0: not sent */
};
typedef int (*mm_mail_entry_fn)(const struct mm_mail_entry *e, void *arg);

/* True for the outbox statuses above. */
bool mm_mail_status_known(const char *status);

#endif
