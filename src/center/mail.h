/* SPDX-License-Identifier: Apache-2.0
 * Emergency mail: for every new alert at or above a tenant's mail severity
 * (and once more for each later rise of an alert to such a level),
 * a multipart (plain text + HTML) mail in the tenant's language to the SME's
 * contacts and the analysts on duty, through the outbox table, sent over SMTP
 * by one background thread with libcurl (STARTTLS when offered). A storm is
 * throttled per tenant and window; the rest goes into one digest mail at the
 * window's end. Guarantees and states: docs/design/mail.md.
 *   mail.c         configuration, the thread and its loop
 *   store-sqlite-mail.c  the outbox slots (store.h): scan alerts, throttle,
 *                  digests, claim/mark; store-sqlite-contacts.c contacts, duty
 *   mail-recipients.c  exact recipient lists
 *   mail-render.c  templates (data/center/mail/) and the MIME message
 *   mail-smtp.c    the SMTP conversation (libcurl) */
#ifndef MM_CENTER_MAIL_H
#define MM_CENTER_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/i18n.h"

struct mm_center;
struct mm_ini;
struct mm_store;
struct mm_alert;

enum mm_starttls { MM_STARTTLS_NEVER = 0, MM_STARTTLS_TRY, MM_STARTTLS_ALWAYS };

/* [mail] in the centre's configuration file. Strings borrow from the INI,
 * except ca_pem (mm_mail_config_release frees it). */
struct mm_mail_config {
    bool enabled;         /* default: yes when host is set */
    const char *host;     /* SMTP server */
    int port;             /* default 25 */
    const char *user;     /* SMTP AUTH, optional */
    const char *password; /* SMTP AUTH, optional */
    const char *from;     /* "mamori <alerts@vendor.example>" */
    enum mm_starttls tls; /* starttls = try (default) | always | never */
    const char *duty;     /* extra on-duty addresses, comma list */
    const char *base_url; /* web UI address for links, optional */
    const char *ca_file;  /* CA bundle to verify the STARTTLS certificate, optional */
    char *ca_pem;         /* ca_file's text, read once by mm_mail_config_check_files */
    size_t ca_pem_len;    /* its bytes */
    int immediate_max;    /* immediate mails per tenant per window (default 5) */
    int window;           /* throttle window, seconds (default 600) */
    int poll_ms;          /* outbox/alert poll interval (default 1000) */
    int retry_max;        /* backoff cap, seconds (default 600) */
    int max_attempts;     /* then the row is 'failed' (default 20) */
    int timeout;          /* one SMTP conversation, seconds (default 60) */
};

/* Fills cfg from ini's [mail] (ini may be NULL: defaults, disabled) and
 * checks the form of every value; no file is read. */
int mm_mail_config_load(const struct mm_ini *ini, struct mm_mail_config *cfg, char *err,
                        size_t errlen);
/* What only the server needs, which mm_mail_config_load does not read:
 * with mail on, ca_file read (mm_file_read_ca: readable, bounded, at least
 * one PEM certificate) into cfg->ca_pem, which libcurl then gets from
 * memory at every STARTTLS: the file is read once, at start. */
int mm_mail_config_check_files(struct mm_mail_config *cfg, char *err, size_t errlen);
/* Whether a and b say the same (every value, and ca_pem's bytes): a reload
 * with [mail] unchanged leaves the mail thread alone. */
bool mm_mail_config_equal(const struct mm_mail_config *a, const struct mm_mail_config *b);
/* Whether the settings send a password ([mail] user) under starttls = try
 * (the default): it then goes only over TLS, and a server that offers no
 * STARTTLS gets no AUTH (the mail waits and is tried again). */
bool mm_mail_auth_needs_tls(const struct mm_mail_config *cfg);
/* Frees what mm_mail_config_check_files read (ca_pem). Accepts a cfg that
 * mm_mail_config_load emptied and one it never saw that is all zero. */
void mm_mail_config_release(struct mm_mail_config *cfg);

struct mm_mail;

/* Starts the mail thread when cfg->enabled (else *out stays NULL and 0 is
 * returned). Recovers rows a crash left mid-send first (the store's mail_recover).
 * libcurl's global state is the program's: curl_global_init once in main
 * before the first start, curl_global_cleanup after the last stop (a
 * reload stops and starts the thread again; the init is not per start). */
int mm_mail_start(struct mm_center *c, const struct mm_mail_config *cfg, struct mm_mail **out);
/* Stops the thread after the current step. Accepts NULL. */
void mm_mail_stop(struct mm_mail *m);

/* ---- rendering (mail-render.c) ------------------------------------------- */

/* One rendered mail before MIME assembly (free with mm_mail_text_free). */
struct mm_mail_text {
    char *subject, *text, *html;
};
void mm_mail_text_free(struct mm_mail_text *t);

/* The alert mail for alert a of tenant `tenant` in lang. */
int mm_mail_render_alert(const struct mm_alert *a, const char *tenant, enum mm_lang lang,
                         const char *base_url, struct mm_mail_text *out);

/* The mail for an alert whose severity rose (by aggregation) to
 * a->severity from from_severity: same facts as the alert mail, saying
 * that the level went up and how often the event has been seen. */
int mm_mail_render_rise(const struct mm_alert *a, int from_severity, const char *tenant,
                        enum mm_lang lang, const char *base_url, struct mm_mail_text *out);

/* The digest: count alerts, of which the first n are in items. */
int mm_mail_render_digest(const struct mm_alert *items, size_t n, size_t count, const char *tenant,
                          enum mm_lang lang, int window_minutes, const char *base_url,
                          struct mm_mail_text *out);

/* Appends in (sensor text: NULL reads as "") with web addresses and domain
 * names made unclickable (mail-defang.c): "http://", "https://", "ftp://"
 * become "hxxp://", "hxxps://", "fxp://", and each dot of a dotted name
 * whose last label starts with a letter becomes "[.]". */
int mm_mail_defang(const char *in, struct mm_buf *out);

/* Appends s as an RFC 2047 encoded-word header value (UTF-8, base64) when
 * it is not plain ASCII, folded at 75 characters per word. */
int mm_mail_header_encode(struct mm_buf *out, const char *s);

/* Builds the whole RFC 5322 message: From, To, Subject (RFC 2047), Date,
 * Message-ID, MIME-Version, multipart/alternative with text/plain and
 * text/html parts (UTF-8, base64). date is microseconds since the epoch. */
int mm_mail_compose(const char *from, const char *to, const struct mm_mail_text *t,
                    const char *message_id, int64_t date, char **out);

/* ---- recipient lists (mail-recipients.c) ---------------------------------- */

/* The To: header of every mail: recipients never see each other's address
 * (an SME's contacts do not see the vendor's analysts and the other way
 * round); the envelope (RCPT TO) carries the real list. */
#define MM_MAIL_TO_HEADER "undisclosed-recipients:;"

/* The next entry of a comma-separated list from *p on, trimmed of spaces
 * and tabs, into [*item, *item + *n); empty entries are skipped. False at
 * the end. *p moves past the entry. */
bool mm_mail_list_next(const char **p, const char **item, size_t *n);
/* Same mailbox: local parts equal byte for byte, domains equal ignoring case. */
bool mm_mail_address_equal(const char *a, const char *b);
/* True when one entry of the comma-separated list is exactly addr (never a
 * substring match: "isoc@x" does not contain "soc@x"). */
bool mm_mail_recipients_have(const char *list, const char *addr);
/* Appends each address of the comma-separated addrs to list (comma list),
 * skipping ones already present and any that would make it pass max bytes. */
int mm_mail_recipients_add(struct mm_buf *list, const char *addrs, size_t max);

/* ---- SMTP (mail-smtp.c) --------------------------------------------------- */

/* Sends message to the comma-separated recipients. on_data(arg) is called
 * once when the server accepted the envelope and the message body is about
 * to flow (the outbox marks the row 'transfer' there); when it returns
 * non-zero, no byte of the body is sent and the transfer is aborted (the
 * server discards the message). Returns 0 when the server accepted the
 * message, MM_ENET otherwise (reason in err). */
int mm_mail_smtp_send(const struct mm_mail_config *cfg, const char *recipients, const char *message,
                      int (*on_data)(void *arg), void *arg, char *err, size_t errlen);

/* ---- outbox (store.h slots; SQLite: store-sqlite-mail.c) ------------------ */

/* One due outbox row, claimed for sending. */
struct mm_mail_row {
    int64_t id;
    char *recipients, *message;
    int attempts;
};

void mm__mail_row_free(struct mm_mail_row *r);

/* The outbox steps are slots of the storage interface (store.h, group
 * "emergency mail"; SQLite: store-sqlite-mail.c), used by the mail thread:
 * - mail_recover: rows a crash left in 'sending' go back to 'pending' (the
 *   SMTP server never saw their data), rows left in 'transfer' become
 *   'uncertain' (never resent: at most once); *requeued / *uncertain count.
 * - mail_scan: new alerts, and severity rises of alerts already scanned
 *   (mail_rises), become outbox rows or digest items (one transaction). mail_digests: queues the
 * digest of every tenant whose window has ended.
 * - mail_claim: the oldest due row 'pending' -> 'sending', attempts+1,
 *   committed before any SMTP traffic; MM_ENOENT when nothing is due.
 * - mail_mark_transfer: 'sending' -> 'transfer' (the body is about to flow).
 * - mail_finish: 'sent', or back to 'pending' with a later next_attempt_at,
 *   or 'failed' after max_attempts. */

#endif
