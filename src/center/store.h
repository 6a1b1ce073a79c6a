/* SPDX-License-Identifier: Apache-2.0
 * The centre's storage interface. A backend (SQLite now: store-sqlite.c; a
 * PostgreSQL one later) implements struct mm_store_ops; callers only ever use
 * st->ops->slot(st, ...). Rules every slot follows (docs/design/center-storage.md):
 * - Every tenant-scoped slot takes a const struct mm_scope *; rows outside the
 *   scope do not exist for it (MM_ENOENT, exactly like a missing id).
 * - Slots that change state take a const struct mm_actor * and append the
 *   audit row in the same transaction as the change.
 * - Returns 0 or a negative MM_E* code; MM_EDB for backend failures.
 * - Times are microseconds since the Unix epoch (int64_t), UTC.
 * - Thread-safe: any thread may call any slot; the backend pools connections.
 * - List slots call fn(row, arg) for each row in order; fn returning non-zero
 *   stops the walk and that value is returned. Row pointers are only valid
 *   during the call. */
#ifndef MM_CENTER_STORE_H
#define MM_CENTER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "center/desk-types.h" /* desk, incidents, reports (desk work) */
#include "center/store-mail.h" /* emergency mail: contacts, outbox */
#include "center/tenant.h"

/* A storage failure (MM_EDB, or MM_EDBBUSY: another program holds the
 * database's lock past the busy timeout) rather than an answer about the
 * data: callers that turn "not found" into a denial pass these on. */
#define MM_STORE_FAILED(r) ((r) == MM_EDB || (r) == MM_EDBBUSY)

#define MM_HASH_BYTES       32 /* BLAKE2b-256 of a token, key or code */
#define MM_SESSION_CSRF_MAX 64

/* Who makes a change, for the audit log. */
struct mm_actor {
    const char *name;    /* "user:3", "token:7", "cli:root", "sensor:5", "system" */
    int64_t tenant_id;   /* the tenant the audit row belongs to */
    const char *address; /* client address or "" */
};

/* Keyset pagination: rows strictly after the cursor in the list's order.
 * cursor_a/cursor_b are opaque to callers (alerts: last_seen, id; others: id). */
struct mm_page {
    int limit; /* rows to return, >= 1 */
    bool has_cursor;
    int64_t cursor_a, cursor_b;
};

struct mm_tenant {
    int64_t id;
    char name[256];
    char lang[3]; /* "ja" | "en" */
    int mail_severity;
    int64_t created_at;
    int contacts; /* emergency-mail contacts (read only: a count of the contacts rows) */
};

struct mm_user {
    int64_t id, tenant_id;
    char email[256];
    enum mm_role role;
    char lang[3];
    char password_hash[160]; /* crypto_pwhash_str form, "" when unset */
    int64_t created_at;
    bool on_duty;        /* vendor users: also gets the emergency mails (user_set_duty) */
    bool must_change;    /* the password was set by someone else: change it first */
    int64_t disabled_at; /* 0: active; else when a manager disabled the account */
};

struct mm_session {
    int64_t id, tenant_id, user_id;
    uint8_t token_hash[MM_HASH_BYTES];
    char csrf[MM_SESSION_CSRF_MAX];
    int64_t created_at, expires_at;
};

/* What a new password ended (user_password_change). */
struct mm_password_outcome {
    int sessions_ended;
    int tokens_revoked; /* a reset only */
};

struct mm_audit_entry {
    int64_t id, at, tenant_id;
    const char *actor, *action, *target, *detail, *address;
    int64_t actor_tenant; /* the tenant of a "user:N" actor; -1 for any other
                             actor or a user that does not exist */
    /* The address of a "user:N", the name of a "sensor:N" actor and target,
     * when the reader's scope holds that user or sensor; NULL otherwise (any
     * other kind, a row that is gone, the vendor's people for an SME). */
    const char *actor_name, *target_name;
};

struct mm_sensor {
    int64_t id, tenant_id;
    char name[128];
    int64_t enrolled_at, last_seen; /* last_seen 0: never */
    int64_t events_total;
    int64_t events_last_hour; /* events received in the last 60 minutes */
    int64_t spool_backlog, drops;
    bool silent;        /* a sensor-silent alert is open */
    int64_t revoked_at; /* 0: the key works; else when it was revoked */
};

enum mm_alert_status {
    MM_ALERT_NEW = 0,
    MM_ALERT_ACKNOWLEDGED,
    MM_ALERT_ESCALATED,
    MM_ALERT_CLOSED,
};

struct mm_alert {
    int64_t id, tenant_id, sensor_id;
    int64_t signature_id;
    char signature[256], detector[64], category[128];
    int severity;
    char device[64], src_ip[64], dest_ip[64];
    int64_t count, first_seen, last_seen;
    enum mm_alert_status status;
    char close_reason[512];
    int64_t incident_id; /* 0: none */
    char message_ja[1024], message_en[1024];
    /* The message in that language is ingest's filler, not the sensor's
     * (mm_ingest_alert_default_message): it has no next step of its own. */
    bool filled_ja, filled_en;
    int64_t created_at, updated_at;
};

struct mm_alert_filter {
    int status;           /* -1: any, else enum mm_alert_status */
    int max_severity;     /* 0: any; else severity <= this (1 = high only) */
    int64_t tenant_id;    /* -1: any (within scope) */
    int64_t since, until; /* 0: open-ended; on last_seen */
    int64_t signature_id; /* -1: any */
    const char *text;     /* NULL: none; substring of signature/device/addresses/detector
                           * or of the ja/en message (ASCII case folded) */
};

/* The alert fields of one ingested alert event; strings point into the
 * parsed event and are truncated by the backend to the mm_alert sizes. */
struct mm_ingest_alert {
    int64_t signature_id;
    int severity;
    const char *signature, *detector, *category, *device, *src_ip, *dest_ip;
    const char *message_ja, *message_en;
    bool filled_ja, filled_en; /* as in struct mm_alert */
};

/* One event of an ingest batch, already parsed and checked (alerts.c). */
struct mm_ingest_event {
    int64_t seq;
    int64_t ts;             /* event timestamp */
    const char *event_type; /* points into the parsed JSON */
    const char *body;       /* the original line, body_len bytes */
    size_t body_len;
    bool is_alert;
    struct mm_ingest_alert alert; /* when is_alert */
    bool has_stats;
    int64_t stats_backlog, stats_drops; /* -1: not reported */
};

struct mm_ingest_result {
    size_t accepted, duplicates;
};

struct mm_ingest_opts {
    int64_t now;
    int64_t alert_window;   /* aggregation window in microseconds */
    int64_t header_backlog; /* -1: not sent */
    int64_t header_drops;   /* -1: not sent */
};

typedef int (*mm_tenant_fn)(const struct mm_tenant *t, void *arg);
typedef int (*mm_user_fn)(const struct mm_user *u, void *arg);
typedef int (*mm_audit_fn)(const struct mm_audit_entry *a, void *arg);
typedef int (*mm_sensor_fn)(const struct mm_sensor *s, void *arg);
typedef int (*mm_alert_fn)(const struct mm_alert *a, void *arg);
typedef int (*mm_text_fn)(const char *text, void *arg);

struct mm_store;

struct mm_store_ops {
    const char *name; /* "sqlite" */
    /* Closes every connection and frees st. Accepts NULL. */
    void (*close)(struct mm_store *st);
    /* Sets the busy timeout (mm_store_config.busy_timeout_ms, > 0) of
     * every write from now on; a write waiting already keeps its own. */
    void (*set_busy_timeout)(struct mm_store *st, int ms);
    /* The schema version in use. */
    int (*schema_version)(struct mm_store *st, int *out);

    /* --- tenants (vendor scope to add; SME scope sees its own row) ---
     * tenant_add and tenant_update return MM_EEXIST when another tenant's
     * name counts as the same (mm_tenant_name_same); a tenant that keeps
     * its name passes (an older database may hold duplicates). */
    int (*tenant_add)(struct mm_store *st, const struct mm_actor *who, const struct mm_tenant *t,
                      int64_t *id_out);
    int (*tenant_get)(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                      struct mm_tenant *out);
    /* Lists tenants other than the vendor, by id ascending. */
    int (*tenant_list)(struct mm_store *st, const struct mm_scope *scope,
                       const struct mm_page *page, mm_tenant_fn fn, void *arg);
    /* Replaces name, lang and mail_severity of t->id (within scope). */
    int (*tenant_update)(struct mm_store *st, const struct mm_scope *scope,
                         const struct mm_actor *who, const struct mm_tenant *t);

    /* --- users --- */
    /* Adds u (u->tenant_id must be allowed by scope). MM_EEXIST for a taken e-mail. */
    int (*user_add)(struct mm_store *st, const struct mm_scope *scope, const struct mm_actor *who,
                    const struct mm_user *u, int64_t *id_out);
    int (*user_get)(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                    struct mm_user *out);
    /* Unscoped look-up by e-mail, for login only. */
    int (*user_find_email)(struct mm_store *st, const char *email, struct mm_user *out);
    /* tenant_id -1: every tenant in scope; by id ascending. */
    int (*user_list)(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                     const struct mm_page *page, mm_user_fn fn, void *arg);
    /* The sign-in re-hash (new cost parameters): replaces the user's password
     * hash verified, just checked, with fresh, only while the stored hash is
     * still verified (compare and swap), so a password changed or reset
     * while fresh was being computed stands. MM_ESTATE when it no longer is
     * (nothing written). Not audited. */
    int (*user_rehash_password)(struct mm_store *st, int64_t user_id, const char *verified,
                                const char *fresh);

    /* Sets a user's password hash (within scope) and its must_change flag,
     * and ends the user's sessions except the one whose token hash is keep
     * (NULL: all of them), in one transaction, audited as action ("user.password"
     * for one's own, "user.password_reset" by a manager or the admin command)
     * with the numbers in *out (may be NULL). current (one's own change: the
     * hash the current password was checked against; NULL for a reset):
     * written only while the stored hash is still that, else MM_ESTATE and
     * nothing changed (a reset made during the check stands). A reset
     * (current NULL) also revokes every API token of the user: the account may
     * be in someone else's hands; one's own change keeps them. */
    int (*user_password_change)(struct mm_store *st, const struct mm_scope *scope,
                                const struct mm_actor *who, const char *action, int64_t user_id,
                                const char *current, const char *hash, bool must_change,
                                const uint8_t keep[MM_HASH_BYTES], int64_t now,
                                struct mm_password_outcome *out);
    /* Disables (sessions ended at once) or re-enables a user within scope,
     * audited as user.disable / user.enable. MM_ESTATE when that would leave
     * the vendor without an active admin. Idempotent. */
    int (*user_set_disabled)(struct mm_store *st, const struct mm_scope *scope,
                             const struct mm_actor *who, int64_t user_id, bool disabled,
                             int64_t now);

    /* Sets the user's own language ("ja" | "en"); audited. */
    int (*user_set_lang)(struct mm_store *st, const struct mm_actor *who, int64_t user_id,
                         const char *lang);

    /* --- sessions and API tokens (looked up by hash, never stored in clear) --- */
    /* Adds the session of a sign-in whose password matched verified (the
     * user's hash as read before the check): only if s->user_id still has that
     * hash and is not disabled, checked in the same statement as the insert,
     * so a sign-in that raced a password change, reset or disable never keeps
     * a session. MM_EAUTH otherwise (nothing written). Audited session.login. */
    int (*session_add)(struct mm_store *st, const struct mm_actor *who, const struct mm_session *s,
                       const char *verified);
    /* MM_ENOENT when unknown or expired at now. */
    int (*session_find)(struct mm_store *st, const uint8_t hash[MM_HASH_BYTES], int64_t now,
                        struct mm_session *out);
    int (*session_delete)(struct mm_store *st, const struct mm_actor *who,
                          const uint8_t hash[MM_HASH_BYTES]);
    int (*token_add)(struct mm_store *st, const struct mm_actor *who, int64_t user_id,
                     const uint8_t hash[MM_HASH_BYTES], int64_t now, int64_t *id_out);
    /* The token's user, or MM_ENOENT (also when that user is disabled).
     * *token_id_out gets the token's id. */
    int (*token_find)(struct mm_store *st, const uint8_t hash[MM_HASH_BYTES], struct mm_user *out,
                      int64_t *token_id_out);

    /* Revokes an API token (by id, or by hash when id is 0) from now on;
     * audited. MM_ENOENT when there is no such token not yet revoked. */
    int (*token_revoke)(struct mm_store *st, const struct mm_actor *who, int64_t id,
                        const uint8_t hash[MM_HASH_BYTES], int64_t now);

    /* --- audit log (append-only) --- */
    int (*audit_add)(struct mm_store *st, const struct mm_actor *who, const char *action,
                     const char *target, const char *detail);
    /* Newest first; tenant_id -1: every tenant in scope. */
    int (*audit_list)(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                      const struct mm_page *page, mm_audit_fn fn, void *arg);

    /* --- enrolment and sensors --- */
    int (*enrol_code_add)(struct mm_store *st, const struct mm_actor *who, int64_t tenant_id,
                          const uint8_t hash[MM_HASH_BYTES], int64_t now, int64_t expires_at);
    /* Redeems a code once: MM_ENOENT unknown, MM_ESTATE used or expired. On
     * success creates the sensor with key_hash and fills *out. */
    int (*enrol_redeem)(struct mm_store *st, const char *address,
                        const uint8_t code_hash[MM_HASH_BYTES], const char *name,
                        const uint8_t key_hash[MM_HASH_BYTES], int64_t now, struct mm_sensor *out);
    int (*sensor_find_key)(struct mm_store *st, const uint8_t key_hash[MM_HASH_BYTES],
                           struct mm_sensor *out);
    /* Revokes a sensor's key from now on (the sensor and its events stay);
     * audited. MM_ENOENT when there is no such sensor not yet revoked. */
    int (*sensor_revoke)(struct mm_store *st, const struct mm_actor *who, int64_t id, int64_t now);
    int (*sensor_get)(struct mm_store *st, const struct mm_scope *scope, int64_t id, int64_t now,
                      struct mm_sensor *out);
    /* tenant_id -1: every tenant in scope; by id ascending. */
    int (*sensor_list)(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                       const struct mm_page *page, int64_t now, mm_sensor_fn fn, void *arg);
    /* Raises one "sensor-silent" alert per sensor last seen before
     * silent_before (and not yet alerted). *raised gets how many. */
    int (*sensors_check_silent)(struct mm_store *st, int64_t silent_before, int64_t now,
                                size_t *raised);

    /* --- events and alerts --- */
    /* Stores a batch for sensor s in one transaction: events idempotent by
     * (sensor, seq), alerts aggregated, sensor health updated. Returns only
     * after the commit is durable. */
    int (*events_ingest)(struct mm_store *st, const struct mm_sensor *s,
                         const struct mm_ingest_event *evs, size_t n,
                         const struct mm_ingest_opts *opts, struct mm_ingest_result *res);
    int (*alert_get)(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                     struct mm_alert *out);
    /* Newest last_seen first. */
    int (*alert_list)(struct mm_store *st, const struct mm_scope *scope,
                      const struct mm_alert_filter *filter, const struct mm_page *page,
                      mm_alert_fn fn, void *arg);
    /* Moves an alert along the state machine (alerts.c mm_alert_transition_ok):
     * MM_ENOENT outside scope, MM_ESTATE for an invalid transition. reason is
     * stored for closed; incident_id (0: none) for escalated. *out gets the row. */
    int (*alert_set_status)(struct mm_store *st, const struct mm_scope *scope,
                            const struct mm_actor *who, int64_t id, enum mm_alert_status to,
                            const char *reason, int64_t incident_id, int64_t now,
                            struct mm_alert *out);
    /* Background workers only (mail, statistics), every tenant: alerts with
     * id > after_id in id order, at most limit. Ids only grow, so a worker
     * keeps its own high-water mark to see each new alert once. */
    int (*alerts_after)(struct mm_store *st, int64_t after_id, int limit, mm_alert_fn fn,
                        void *arg);
    /* The latest up to limit raw events (JSON text) of an alert, newest first. */
    int (*alert_events)(struct mm_store *st, const struct mm_scope *scope, int64_t alert_id,
                        int limit, mm_text_fn fn, void *arg);

    /* --- consultation desk: tickets (store-sqlite-tickets.c, docs/design/incidents.md) --- */
    /* Opens t (tenant, subject, category, channel) with its first message body
     * by author and links alert_ids (same tenant, else MM_ENOENT). */
    int (*ticket_add)(struct mm_store *st, const struct mm_scope *scope, const struct mm_actor *who,
                      const struct mm_author *author, const struct mm_ticket *t, const char *body,
                      const int64_t *alert_ids, size_t nalerts, int64_t now, int64_t *id_out);
    /* with_internal: count vendor-only notes in message_count. */
    int (*ticket_get)(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                      bool with_internal, struct mm_ticket *out);
    /* Newest first; tenant_id -1: all in scope; status -1: any. */
    int (*ticket_list)(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                       int status, bool with_internal, const struct mm_page *page, mm_ticket_fn fn,
                       void *arg);
    /* Sets status (-1: keep; MM_ESTATE when desk.c forbids it) and category (NULL: keep). */
    int (*ticket_update)(struct mm_store *st, const struct mm_scope *scope,
                         const struct mm_actor *who, int64_t id, int status, const char *category,
                         int64_t now);
    /* Appends a message; MM_ESTATE on a closed ticket. reopen: a waiting ticket
     * goes back to open in the same transaction. */
    int (*ticket_message_add)(struct mm_store *st, const struct mm_scope *scope,
                              const struct mm_actor *who, const struct mm_author *author,
                              int64_t ticket_id, const char *body, bool internal, bool reopen,
                              int64_t now, int64_t *id_out);
    /* Oldest first; internal notes only when with_internal. */
    int (*ticket_messages)(struct mm_store *st, const struct mm_scope *scope, int64_t ticket_id,
                           bool with_internal, mm_ticket_message_fn fn, void *arg);
    /* Links an alert of the ticket's tenant (MM_ENOENT otherwise); idempotent. */
    int (*ticket_link_alert)(struct mm_store *st, const struct mm_scope *scope,
                             const struct mm_actor *who, int64_t ticket_id, int64_t alert_id,
                             int64_t now);
    int (*ticket_alert_ids)(struct mm_store *st, const struct mm_scope *scope, int64_t ticket_id,
                            mm_id_fn fn, void *arg);

    /* --- incidents (store-sqlite-incidents.c) --- */
    /* Creates in (tenant, title, severity, source, ticket_id, assignee, texts);
     * alert_id (0: none) and the ticket's linked alerts are escalated and linked
     * in the same transaction (MM_ESTATE when alert_id cannot be escalated). */
    int (*incident_add)(struct mm_store *st, const struct mm_scope *scope,
                        const struct mm_actor *who, const struct mm_author *author,
                        const struct mm_incident *in, int64_t alert_id, int64_t now,
                        int64_t *id_out);
    int (*incident_get)(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                        struct mm_incident *out);
    /* Newest first; tenant_id -1: all in scope; status -1: any. */
    int (*incident_list)(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                         int status, const struct mm_page *page, mm_incident_fn fn, void *arg);
    /* Replaces title, severity, assignee_id and the report texts of in->id. */
    int (*incident_update)(struct mm_store *st, const struct mm_scope *scope,
                           const struct mm_actor *who, const struct mm_author *author,
                           const struct mm_incident *in, int64_t now);
    /* Moves along the state machine (incident.c): MM_ESTATE when not allowed.
     * d for onsite, outcome for closed, note (NULL: none) joins the timeline. */
    int (*incident_transition)(struct mm_store *st, const struct mm_scope *scope,
                               const struct mm_actor *who, const struct mm_author *author,
                               int64_t id, enum mm_incident_status to, const struct mm_dispatch *d,
                               const char *outcome, const char *note, int64_t now);
    int (*incident_note_add)(struct mm_store *st, const struct mm_scope *scope,
                             const struct mm_actor *who, const struct mm_author *author, int64_t id,
                             const char *body, bool internal, int64_t now, int64_t *entry_id_out);
    /* Oldest first; internal notes only when with_internal. */
    int (*incident_timeline)(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                             bool with_internal, mm_timeline_fn fn, void *arg);
    /* MM_ENOENT when the incident (in scope) has no dispatch. */
    int (*incident_dispatch)(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                             struct mm_dispatch *out);
    /* Escalates an alert of the incident's tenant and links it. */
    int (*incident_link_alert)(struct mm_store *st, const struct mm_scope *scope,
                               const struct mm_actor *who, const struct mm_author *author,
                               int64_t id, int64_t alert_id, int64_t now);
    int (*incident_alert_ids)(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                              mm_id_fn fn, void *arg);
    /* The tenant's SLA targets (defaults when never set). */
    int (*sla_get)(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                   struct mm_sla *out);
    int (*sla_set)(struct mm_store *st, const struct mm_scope *scope, const struct mm_actor *who,
                   const struct mm_sla *sla, int64_t now);

    /* --- reports and statistics (store-sqlite-reports.c) --- */
    /* The figures of tenant_id's report for [since, until); now bounds uptime. */
    int (*report_monthly)(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                          int64_t since, int64_t until, int64_t now, struct mm_monthly *out);
    /* Tenants (in scope; tenant_id -1: all) with their alert and ticket counts
     * in [since, until), by id; incidents created in the period, by tenant. */
    int (*stats_tenants)(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                         int64_t since, int64_t until, mm_stats_tenant_fn fn, void *arg);
    int (*stats_incidents)(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                           int64_t since, int64_t until, mm_stats_incident_fn fn, void *arg);

    /* --- emergency mail (store-mail.h; store-sqlite-{contacts,mail}.c, docs/design/mail.md) --- */
    /* The tenant's contacts by id. */
    int (*contact_list)(struct mm_store *st, const struct mm_scope *scope, int64_t tenant_id,
                        mm_contact_fn fn, void *arg);
    /* Replaces the tenant's whole list (n <= MM_CONTACTS_MAX; name, email
     * used; repeats ignored), audited as contacts.replace. */
    int (*contact_replace)(struct mm_store *st, const struct mm_scope *scope,
                           const struct mm_actor *who, int64_t tenant_id,
                           const struct mm_contact *items, size_t n, int64_t now);
    /* Sets a vendor user's on-duty flag (MM_ENOENT for SME users), audited. */
    int (*user_set_duty)(struct mm_store *st, const struct mm_scope *scope,
                         const struct mm_actor *who, int64_t user_id, bool on, int64_t now);
    /* Outbox rows (status NULL: any; tenant_id -1: every tenant in scope), by id. */
    int (*mail_list)(struct mm_store *st, const struct mm_scope *scope, const char *status,
                     int64_t tenant_id, const struct mm_page *page, mm_mail_entry_fn fn, void *arg);
    /* An 'uncertain' or 'failed' row back to 'pending' (MM_ESTATE otherwise), audited. */
    int (*mail_resend)(struct mm_store *st, const struct mm_scope *scope,
                       const struct mm_actor *who, int64_t id, int64_t now);
    /* The mail thread only, every tenant (like alerts_after): see mail.h. */
    int (*mail_recover)(struct mm_store *st, int64_t now, int *requeued, int *uncertain);
    int (*mail_scan)(struct mm_store *st, const struct mm_mail_config *cfg, int64_t now,
                     int *queued);
    int (*mail_digests)(struct mm_store *st, const struct mm_mail_config *cfg, int64_t now,
                        int *queued);
    int (*mail_claim)(struct mm_store *st, int64_t now, struct mm_mail_row *out);
    int (*mail_mark_transfer)(struct mm_store *st, int64_t id);
    int (*mail_finish)(struct mm_store *st, const struct mm_mail_config *cfg, int64_t id,
                       int attempts, bool ok, const char *error, int64_t now);

    /* --- backup (admin backup) ---
     * Writes a consistent copy of the whole database, as it was at one
     * instant, into the file at path, which the caller has made empty (its
     * name, mode and renaming into place are the caller's), and checks the
     * copy; safe while the server runs and sensors post: writers are not
     * held up. On failure err says why (path may then hold part of a copy:
     * the caller removes it). */
    int (*backup)(struct mm_store *st, const char *path, char *err, size_t errlen);
};

/* Every backend's handle starts with this. */
struct mm_store {
    const struct mm_store_ops *ops;
};

struct mm_store_config {
    const char *dir; /* data directory; SQLite puts center.db here */
    int connections; /* pool size (>= 1) */
    int spares;      /* most spare connections open at once (0: as many as connections) */
    bool sync_full;  /* synchronous=FULL (default) rather than NORMAL */
    /* Alert rows written with what accumulated once per this many
     * microseconds and before every read instead of at every batch of
     * events (center-storage.md); 0 writes them at every batch. The server
     * sets it; other programs on the same file leave it 0. */
    int64_t alert_flush_usec;
    /* Leaves the alert rows alone (the admin command): no recovery at open
     * and nothing marked pending, whatever alert_flush.owner says (a running
     * centre owns its rows; a dead one's are counted at the next server
     * start), no write of rows before reads (they are read as stored), and
     * no event batch (events_ingest fails with MM_EINVAL). */
    bool alert_rows_off;
    /* How long a write waits for another process's write lock (an sqlite3
     * shell, a backup) before it fails with MM_EDBBUSY, in ms; 0 means
     * MM_STORE_BUSY_TIMEOUT_MS. */
    int busy_timeout_ms;
};
/* The default busy timeout ([server] busy_timeout_ms). */
#define MM_STORE_BUSY_TIMEOUT_MS 10000

/* Opens the SQLite backend and applies pending migrations. On failure writes
 * a reason into err: MM_EUNSUPPORTED when the database is newer than this
 * program, MM_EDB otherwise. */
int mm_store_open_sqlite(const struct mm_store_config *cfg, struct mm_store **out, char *err,
                         size_t errlen);

/* The newest schema version embedded in this binary. */
int mm_store_schema_latest(void);

/* Closes any backend. Accepts NULL. */
void mm_store_close(struct mm_store *st);
/* st->ops->set_busy_timeout (a reload of [server] busy_timeout_ms). */
void mm_store_set_busy_timeout(struct mm_store *st, int ms);

const char *mm_alert_status_name(enum mm_alert_status s);
int mm_alert_status_parse(const char *s, enum mm_alert_status *out);

#endif
