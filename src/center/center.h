/* SPDX-License-Identifier: Apache-2.0
 * The running centre: its configuration (command line and INI file) and the
 * shared state every request handler reaches through req->center. */
#ifndef MM_CENTER_CENTER_H
#define MM_CENTER_CENTER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "center/auth.h"
#include "center/store.h"
#include "center/zone.h"

#define MM_JSON_BODY_MAX (1024 * 1024)
/* A public route's body (login, enrolment): a password of 1024 bytes and
 * an address of 254 fit even with each byte escaped in six characters. */
#define MM_SMALL_BODY_MAX   (16 * 1024)
#define MM_EVENTS_BODY_MAX  (16 * 1024 * 1024)
#define MM_EVENTS_LINES_MAX 250000

/* The least [server] thread_stack_kb: above the deepest request measured
 * (~180 KiB, config.c), so no setting lets a client's request overrun it. */
#define MM_THREAD_STACK_KB_MIN 256

/* The least [server] busy_timeout_ms: a shorter wait would make the admin
 * command's changes fail while the server writes one batch of events. */
#define MM_BUSY_TIMEOUT_MS_MIN 100

struct mm_center_config {
    const char *data_dir; /* --data DIR (required) */
    const char *listen;   /* "127.0.0.1:8080", "[::1]:8080" */
    const char *tls_cert; /* PEM paths; both set: HTTPS */
    const char *tls_key;
    int threads;              /* requests using the database at once (SQLite connections - 2) */
    bool sync_full;           /* SQLite synchronous=FULL (default) */
    int busy_timeout_ms;      /* a write's wait for another program's lock (mm_store_config) */
    int64_t alert_flush_usec; /* mm_store_config's; the server sets it, admin not */
    bool alert_rows_off;      /* mm_store_config's; the admin command sets it */
    enum mm_pwcost pwcost;    /* password hashing cost */
    int session_hours;
    int login_max_failures;      /* per account from one address per window */
    int login_max_failures_addr; /* per source address per window */
    int login_window;            /* seconds */
    int alert_window;            /* aggregation window, seconds */
    int sensor_silent_after;     /* seconds without events before "sensor silent" */
    int health_interval;         /* seconds between silent-sensor checks */
    int alert_flush_ms;          /* alert rows written per this interval (0: every batch) */
    int shutdown_grace;          /* seconds to let in-flight requests finish */
    int max_connections;         /* open connections, each with its thread */
    int per_ip_connections;      /* open connections per client address */
    int body_budget_mb;          /* request bodies buffered at once, all clients (MiB) */
    int per_ip_body_mb;          /* of those, what one client address may hold (MiB) */
    int body_timeout;            /* seconds a request's body may take to arrive */
    int thread_stack_kb;         /* stack reserved by each connection's thread (KiB) */
    /* [server] trusted_proxies: addresses and CIDR prefixes of reverse
     * proxies whose X-Forwarded-For/-Proto are believed (proxy.h); NULL or
     * "": none. Checked by mm_center_config_load. */
    const char *trusted_proxies;
    const char *report_timezone; /* [reports] timezone, tz database name (Asia/Tokyo) */
    /* [auth] failed sign-ins per account from all addresses per window,
     * and seconds a request waits for a free password check (auth.h) */
    int login_max_failures_account;
    int password_wait;
    /* Where listen, tls_cert, tls_key and report_timezone came from, for
     * their messages: the settings file's path ("FILE: [server] listen ..."),
     * or NULL for the command line (--listen ...) or the default. */
    const char *listen_src, *tls_cert_src, *tls_key_src, *report_timezone_src;
    /* [vendor] name, phone, hours (vendor.h; NULL: not set), checked by
     * mm_center_config_load, in force from mm_center_open. */
    const char *vendor_name, *vendor_phone, *vendor_hours;
};

/* A sensor's malformed health header (api/events.c) is logged at most once
 * per this interval for each sensor and header, with the number not logged
 * since; at most MM_BAD_HEADER_LOG_KEYS such pairs are remembered. */
#define MM_BAD_HEADER_LOG_MINUTES 10
#define MM_BAD_HEADER_LOG_KEYS    4096

struct mm_log_limit;
struct mm_center {
    struct mm_center_config cfg;
    struct mm_store *store;
    struct mm_ratelimit *ratelimit;
    struct mm_log_limit *bad_header_log; /* see MM_BAD_HEADER_LOG_MINUTES */
    struct mm_zone *report_zone;         /* months and printed times of reports (zone.h) */
    /* [mail] duty addresses (comma list, the INI's), for GET /duty: a
     * reload (SIGHUP, main.c) replaces the text and frees the INI it lived
     * in while requests read it, so it is read under duty_lock
     * (mm_center_duty_hold) and replaced under it (mm_center_set_duty). */
    const char *mail_duty;
    pthread_mutex_t duty_lock;
    /* [mail] enabled (whether emergency mail is sent at all), for GET
     * /duty: atomic, as a reload replaces it while requests read it. */
    _Atomic bool mail_enabled;
    /* [server] busy_timeout_ms in force (Retry-After, http.c): a reload
     * changes it with the store's (mm_center_set_busy_timeout). */
    _Atomic int busy_timeout_ms;
    bool https; /* the centre's own TLS (a request's: mm_request.https) */
};

/* The session cookie's name for a request (https: the request's, struct
 * mm_request, so reading and setting agree within it): under HTTPS
 * "__Host-mm_session", which a
 * browser keeps only when set Secure, with Path=/ and no Domain by this very
 * host (no neighbouring subdomain or plain-HTTP page can plant or replace
 * it); over plain HTTP "mm_session" (browsers refuse __Host- there). HTTPS
 * is the centre's own TLS or a trusted proxy's X-Forwarded-Proto: https. */
static inline const char *mm_session_cookie(bool https)
{
    return https ? "__Host-mm_session" : "mm_session";
}

/* Fills cfg with the defaults. */
void mm_center_config_defaults(struct mm_center_config *cfg);

/* Applies an INI file ([server] listen, threads, tls_cert, tls_key, sync,
 * busy_timeout_ms, shutdown_grace, max_connections, per_ip_connections, body_budget_mb,
 * per_ip_body_mb, body_timeout,
 * thread_stack_kb, trusted_proxies;
 * [auth] password_cost, session_hours, login_max_failures,
 * login_max_failures_addr, login_max_failures_account, login_window,
 * password_wait; [alerts] window, sensor_silent_after,
 * health_interval; [reports] timezone; [vendor] name, phone, hours). Numbers, [server] sync and
 * [auth] password_cost and [vendor] are checked here. [server] listen, tls_cert, tls_key and
 * [reports] timezone are only taken (with their *_src): the command line
 * may replace the first three, so the value in force is checked once the
 * options are applied, before anything starts (mm_http_settings_check,
 * mm_center_zone_load). Strings are kept in *ini_out, which the caller
 * frees with mm_ini_free after cfg is no longer used. Errors go to err
 * ("FILE: [section] key ..."). */
struct mm_ini;
int mm_center_config_load(struct mm_center_config *cfg, const char *path, struct mm_ini **ini_out,
                          char *err, size_t errlen);

/* Logs a warning for every key of the file at path that nothing read
 * (config.unknown_key) and once for a section nothing asked about
 * (config.unknown_section): most likely a typo, ignored, not refused.
 * Call it once every reader has run (mm_center_config_load and, for the
 * server, mm_mail_config_load). ini may be NULL (no file). */
void mm_center_config_warn_unread(const struct mm_ini *ini, const char *path);

/* The section a reload (SIGHUP) applies to the running server, and the one
 * key outside it ([server] busy_timeout_ms, mm_center_set_busy_timeout):
 * every other setting is taken once at the start (the listening socket,
 * the store, the rate limiter, the health and request threads read them
 * unlocked). */
#define MM_CENTER_RELOADABLE_SECTION "mail"
#define MM_CENTER_RELOADABLE_KEY     "busy_timeout_ms"

/* Sets the busy timeout of the running centre (a reload): the store's
 * writes from now on and Retry-After. Logs config.busy_timeout when it
 * changes. */
void mm_center_set_busy_timeout(struct mm_center *c, int ms);

/* The [mail] duty text in force (never NULL), valid until
 * mm_center_duty_done: a request reads it between the two, under the lock
 * with which mm_center_set_duty replaces it. */
const char *mm_center_duty_hold(struct mm_center *c);
void mm_center_duty_done(struct mm_center *c);
/* Replaces the duty text (NULL: none); once it returns no request reads
 * the old one, and the INI it lived in may be freed (a reload). */
void mm_center_set_duty(struct mm_center *c, const char *duty);

/* A setting a command-line option replaces ([server] listen by --listen):
 * its value in the file is used neither now nor after a restart. */
struct mm_center_replaced {
    const char *section, *key, *option;
};

/* Logs, for a reload, each setting other than [mail] and [server]
 * busy_timeout_ms whose value differs
 * between running (the file the server started with; NULL: none) and next
 * (the file read now): added, changed or removed, once per section.key:
 * it keeps its old value until a restart (config.needs_restart, naming
 * path), or, when one of the n replaced is its, the option replaces it
 * (config.option_replaces). Returns how many. Marks nothing in either INI. */
int mm_center_config_log_restart_keys(const struct mm_ini *running, const struct mm_ini *next,
                                      const char *path, const struct mm_center_replaced *replaced,
                                      size_t n);

/* Loads cfg->report_timezone (mm_zone_load, which checks the name and looks
 * it up once): part of the check before anything starts, so a wrong zone is
 * a configuration error ("FILE: [reports] timezone ..." in err). Logs the
 * fallback warning (config.tz_fallback). Call it while the process has one
 * thread; the zone goes to mm_center_open. */
int mm_center_zone_load(const struct mm_center_config *cfg, struct mm_zone **out, char *err,
                        size_t errlen);
/* What mm_center_zone_load would refuse, told alike, without loading the
 * zone (mm_zone_check): for a reload, while threads run. */
int mm_center_zone_check(const struct mm_center_config *cfg, char *err, size_t errlen);

/* Makes cfg->data_dir when missing (a failure named in err with its reason
 * and a next step), opens the store and the rate limiter for cfg and makes
 * zone (from mm_center_zone_load; c owns it from here, also when this
 * fails) the zone of reports and of printed report times (report.h): call
 * it while the process has one thread. */
int mm_center_open(struct mm_center *c, const struct mm_center_config *cfg, struct mm_zone *zone,
                   char *err, size_t errlen);
void mm_center_close(struct mm_center *c);

#endif
